import Basics
import Foundation
import Crypto
#if canImport(Glibc)
import Glibc
#endif

/// The content-addressed object store: `store/objects/sha256/<2 hex>/<62 hex>`, one file per
/// object holding a tag byte (kind and encoding) followed by the raw bytes or one zstd frame.
/// See docs/store-format.md for the byte-level format and the write order.
public final class ObjectStore: Sendable {
    /// The store directory (`.../store`).
    public let root: URL
    public let config: StoreConfig
    private let lock: StoreLock?

    public enum Access: Sendable { case read, write }

    static let configName = "config.json"
    static let objectsName = "objects"
    static let temporaryName = "tmp"
    static let lockName = "lock"

    public var objectsDirectory: URL { root.appendingPathComponent(ObjectStore.objectsName).appendingPathComponent(ObjectID.algorithm) }
    var temporaryDirectory: URL { root.appendingPathComponent(ObjectStore.temporaryName) }
    public var lockPath: String { root.appendingPathComponent(ObjectStore.lockName).path }

    /// Creates a new store at `root` (which must not already hold one).
    @discardableResult
    public static func initialize(at root: URL, config: StoreConfig = StoreConfig()) throws -> ObjectStore {
        let fm = FileManager.default
        let configURL = root.appendingPathComponent(configName)
        if fm.fileExists(atPath: configURL.path) {
            throw StoreError.destinationExists(root.path)
        }
        do {
            for sub in [objectsName + "/" + ObjectID.algorithm, temporaryName] {
                try fm.createDirectory(at: root.appendingPathComponent(sub), withIntermediateDirectories: true)
            }
            _ = fm.createFile(atPath: root.appendingPathComponent(lockName).path, contents: Data())
        } catch {
            throw StoreError.writeFailed(path: root.path, reason: "\(error.localizedDescription)")
        }
        // Sorted keys in Foundation's pretty layout, as config.json has always been written (it
        // holds only integers, so JSONEncoder's escaping of "/" never applied).
        let data = JSONWriter.foundationIndented.bytes(try JSONValueEncoder.encode(config))
        do throws(FileSystemError) {
            try AtomicFile.write(data, to: configURL.path,
                                 options: .init(temporaryDirectory: root.appendingPathComponent(temporaryName).path))
        } catch {
            throw StoreError.writeFailed(path: error.path, reason: error.detail)
        }
        return try ObjectStore(root: root, access: .read)
    }

    /// Opens the store at `root`. Write access holds a shared lock for the object's lifetime, so
    /// that `gc` (which takes the lock exclusively) never sweeps while a writer is active; a writer
    /// that opens the store while no other process uses it first removes the temporary files of
    /// writers that were killed (see `StoreLock.acquireShared`).
    public init(root: URL, access: Access = .read, lockTimeout: Double = 30) throws {
        let configURL = root.appendingPathComponent(ObjectStore.configName)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root.path, isDirectory: &isDirectory) else {
            throw StoreError.notAStore(path: root.path, reason: "the directory does not exist")
        }
        guard isDirectory.boolValue else { throw StoreError.notAStore(path: root.path, reason: "it is not a directory") }
        guard let data = FileManager.default.contents(atPath: configURL.path) else {
            throw StoreError.notAStore(path: root.path, reason: "it has no config.json")
        }
        let config: StoreConfig
        do { config = try JSONDecoder().decode(StoreConfig.self, from: data) } catch {
            throw StoreError.notAStore(path: root.path, reason: "config.json is unreadable (\(DecodingError.describe(error)))")
        }
        try config.validate(path: root.path)
        self.root = root
        self.config = config
        switch access {
        case .read: self.lock = nil
        case .write:
            // A writer that finds the store unused removes what killed writers left in tmp/.
            self.lock = try StoreLock.acquireShared(path: root.appendingPathComponent(ObjectStore.lockName).path, timeout: lockTimeout) {
                _ = ObjectStore.clearDebris(ObjectStore.temporaryName, in: root, apply: true)
            }
        }
    }

    /// Finds the store for `directory`: `$IOPO_STORE` when set, else the nearest `store/`
    /// directory holding a `config.json` at or above `directory`.
    public static func discover(from directory: URL, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> URL {
        if let explicit = environment["IOPO_STORE"], !explicit.isEmpty { return URL(fileURLWithPath: explicit) }
        var current = directory.standardizedFileURL
        while true {
            let candidate = current.appendingPathComponent("store")
            if FileManager.default.fileExists(atPath: candidate.appendingPathComponent(configName).path) { return candidate }
            let parent = current.deletingLastPathComponent()
            if parent.path == current.path { break }
            current = parent
        }
        throw StoreError.storeNotFound(searchedFrom: directory.path)
    }

    // MARK: paths

    public func path(of id: ObjectID) -> URL {
        let hex = id.hex
        let split = hex.index(hex.startIndex, offsetBy: 2)
        return objectsDirectory.appendingPathComponent(String(hex[..<split])).appendingPathComponent(String(hex[split...]))
    }

    public func contains(_ id: ObjectID) -> Bool {
        FileManager.default.fileExists(atPath: path(of: id).path)
    }

    // MARK: writing

    /// The result of storing one object.
    public struct PutResult: Sendable {
        public var id: ObjectID
        /// False when the object was already present (deduplicated).
        public var wasNew: Bool
        /// Bytes the object occupies on disk (0 when it was already present).
        public var storedBytes: Int
        public var rawBytes: Int
    }

    /// Stores `bytes` as an object of `kind`, compressing when zstd pays. Atomic: the object
    /// becomes visible only complete (temporary file, fsync, rename).
    @discardableResult
    public func put(_ bytes: UnsafeRawBufferPointer, kind: ObjectKind) throws -> PutResult {
        let id = ObjectID.of(bytes)
        return try put(bytes, id: id, kind: kind)
    }

    @discardableResult
    public func put(_ bytes: [UInt8], kind: ObjectKind) throws -> PutResult {
        try bytes.withUnsafeBytes { try put($0, kind: kind) }
    }

    @discardableResult
    public func put(_ data: Data, kind: ObjectKind) throws -> PutResult {
        try data.withUnsafeBytes { try put($0, kind: kind) }
    }

    /// Stores bytes whose id the caller has already computed.
    func put(_ bytes: UnsafeRawBufferPointer, id: ObjectID, kind: ObjectKind) throws -> PutResult {
        try writeObject(bytes, id: id, kind: kind, compressor: ZstdCompressor(), staging: false).result
    }

    /// Like `put`, but leaves the object staged (written, not yet synced or visible) for a batch
    /// to publish; nil when the object is already present.
    func stage(_ bytes: UnsafeRawBufferPointer, kind: ObjectKind, compressor: ZstdCompressor) throws -> (PutResult, StagedFile?) {
        try writeObject(bytes, id: ObjectID.of(bytes), kind: kind, compressor: compressor, staging: true)
    }

    /// Writes a new object file (the tag byte, then the raw or compressed bytes) with its
    /// temporary in `tmp/` (where `verify` counts and `gc` removes leftovers) and its two-hex
    /// prefix directory created on first use: durable and visible on return, or, when `staging`,
    /// left for `AtomicFile.publish`. Nothing is written when the object is already present.
    private func writeObject(_ bytes: UnsafeRawBufferPointer, id: ObjectID, kind: ObjectKind, compressor: ZstdCompressor,
                             staging: Bool) throws -> (result: PutResult, staged: StagedFile?) {
        let destination = path(of: id)
        if touch(destination.path) {
            return (PutResult(id: id, wasNew: false, storedBytes: 0, rawBytes: bytes.count), nil)
        }
        let encoded = encode(bytes, compressor: compressor)
        let tag = (kind.rawValue << 4) | encoded.encoding.rawValue
        let options = AtomicFile.Options(temporaryDirectory: temporaryDirectory.path, createsParentDirectory: true)
        let staged = try withPayload(encoded.payload, or: bytes) { payload throws -> StagedFile? in
            let contents = { (file: inout FileWriter) throws(FileSystemError) in
                try file.append([tag])
                try file.append(payload)
            }
            do throws(AtomicWriteError<FileSystemError>) {
                if staging { return try AtomicFile.stage(to: destination.path, options: options, contents) }
                try AtomicFile.write(to: destination.path, options: options, contents)
                return nil
            } catch {
                throw StoreError.writeFailed(path: destination.path, reason: error.fileSystemError.detail)
            }
        }
        let storedBytes = 1 + (encoded.payload?.count ?? bytes.count)
        return (PutResult(id: id, wasNew: true, storedBytes: storedBytes, rawBytes: bytes.count), staged)
    }

    /// Sets an existing object's modification time to now and returns true; false when there is
    /// no such object. A write that deduplicates onto an old object that nothing references yet
    /// (a copy from an earlier, collected run) must make it look new, or gc's grace period, which
    /// is what protects a stored object until its reference is recorded, would not cover it.
    private func touch(_ path: String) -> Bool {
        if utimensat(AT_FDCWD, path, nil, 0) == 0 { return true }
        return errno != ENOENT && FileManager.default.fileExists(atPath: path)
    }

    /// Calls `body` with the compressed payload when there is one, else with the raw bytes.
    private func withPayload<T>(_ compressed: [UInt8]?, or raw: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) throws -> T) throws -> T {
        if let compressed { return try compressed.withUnsafeBytes(body) }
        return try body(raw)
    }

    /// Chooses the encoding: a cheap zstd probe on a sample decides whether compressing the
    /// whole object can pay; incompressible data (weights, random bytes) is stored raw.
    private func encode(_ bytes: UnsafeRawBufferPointer, compressor: ZstdCompressor) -> (encoding: ObjectEncoding, payload: [UInt8]?) {
        if bytes.count < 64 { return (.raw, nil) }
        let sampleSize = min(bytes.count, 64 << 10)
        if bytes.count > sampleSize {
            let sample = UnsafeRawBufferPointer(rebasing: bytes[0..<sampleSize])
            if let size = compressor.compress(sample, level: 1)?.count, Double(size) > 0.92 * Double(sampleSize) {
                return (.raw, nil)
            }
        }
        guard let compressed = compressor.compress(bytes, level: Int32(config.zstdLevel)),
              compressed.count < bytes.count - bytes.count / 32 else { return (.raw, nil) }
        return (.zstd, compressed)
    }

    // MARK: reading

    /// Reads an object's raw bytes and kind, re-hashing them: corrupt or truncated data is
    /// refused with `StoreError.corruptObject` naming the object.
    public func read(_ id: ObjectID) throws -> (kind: ObjectKind, bytes: [UInt8]) {
        try ObjectStore.decodeObjectFile(try readWholeFile(path(of: id).path, id: id), id: id)
    }

    /// An object file's kind and raw bytes (tag byte, then the raw or zstd payload), checked to
    /// hash to `id`.
    static func decodeObjectFile(_ file: [UInt8], id: ObjectID) throws -> (kind: ObjectKind, bytes: [UInt8]) {
        var data = file
        guard let tag = data.first else { throw StoreError.corruptObject(id, reason: "the object file is empty") }
        guard let kind = ObjectKind(rawValue: tag >> 4), let encoding = ObjectEncoding(rawValue: tag & 0xF) else {
            throw StoreError.corruptObject(id, reason: "unknown tag byte 0x\(String(tag, radix: 16))")
        }
        let bytes: [UInt8]
        switch encoding {
        case .raw:
            data.removeFirst()
            bytes = data
        case .zstd:
            do {
                bytes = try data.withUnsafeBytes { try Zstd.decompress(UnsafeRawBufferPointer(rebasing: $0.dropFirst())) }
            } catch {
                throw StoreError.corruptObject(id, reason: "its zstd frame does not decode (\(error))")
            }
        }
        let actual = ObjectID.of(bytes)
        guard actual == id else {
            throw StoreError.corruptObject(id, reason: "its bytes hash to \(actual)")
        }
        return (kind, bytes)
    }

    // MARK: moving objects between stores

    /// An object's file as this store keeps it (tag byte, then the raw or zstd payload): what
    /// a run bundle carries, so that nothing is recompressed on the way out.
    public func objectFile(_ id: ObjectID) throws -> [UInt8] {
        try readWholeFile(path(of: id).path, id: id)
    }

    /// Stores an object from a file another store wrote (`objectFile`), after checking that it
    /// decodes and hashes to `id`; returns its kind.
    @discardableResult
    public func putObjectFile(_ file: [UInt8], id: ObjectID) throws -> ObjectKind {
        let (kind, bytes) = try ObjectStore.decodeObjectFile(file, id: id)
        try put(bytes, kind: kind)
        return kind
    }

    private func readWholeFile(_ path: String, id: ObjectID) throws -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT { throw StoreError.unknownObject(id.description) }
            throw StoreError.corruptObject(id, reason: "the object file is unreadable (\(errnoText()))")
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw StoreError.corruptObject(id, reason: "fstat: \(errnoText())") }
        let size = Int(info.st_size)
        var buffer = [UInt8](repeating: 0, count: size)
        var offset = 0
        try buffer.withUnsafeMutableBytes { raw in
            while offset < size {
                let n = Glibc.read(fd, raw.baseAddress! + offset, size - offset)
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { throw StoreError.corruptObject(id, reason: "the object file is unreadable (\(errnoText()))") }
                offset += n
            }
        }
        return buffer
    }

    /// The kind recorded in an object's tag byte, without reading the rest.
    public func kind(of id: ObjectID) throws -> ObjectKind {
        let file = path(of: id)
        guard let handle = FileHandle(forReadingAtPath: file.path) else { throw StoreError.unknownObject(id.description) }
        defer { try? handle.close() }
        guard let tag = try handle.read(upToCount: 1)?.first else { throw StoreError.corruptObject(id, reason: "the object file is empty") }
        guard let kind = ObjectKind(rawValue: tag >> 4) else {
            throw StoreError.corruptObject(id, reason: "unknown tag byte 0x\(String(tag, radix: 16))")
        }
        return kind
    }

    // MARK: listing and resolving

    /// Every object id present, sorted.
    public func allObjectIDs() throws -> [ObjectID] {
        let fm = FileManager.default
        var ids: [ObjectID] = []
        let prefixes = (try? fm.contentsOfDirectory(atPath: objectsDirectory.path)) ?? []
        for prefix in prefixes.sorted() where prefix.count == 2 {
            let names = (try? fm.contentsOfDirectory(atPath: objectsDirectory.appendingPathComponent(prefix).path)) ?? []
            for name in names where name.count == ObjectID.hexLength - 2 {
                let hex = prefix + name
                if hex.utf8.allSatisfy(ObjectID.isLowerHex) { ids.append(ObjectID(trustedHex: hex)) }
            }
        }
        return ids.sorted()
    }

    /// Resolves a full id or a unique prefix (`sha256:ab12…` or bare hex of at least 4 digits).
    public func resolve(_ text: String) throws -> ObjectID {
        var hex = text
        if text.hasPrefix(ObjectID.algorithm + ":") { hex = String(text.dropFirst(ObjectID.algorithm.count + 1)) }
        else if text.contains(":") { throw StoreError.malformedID(text, reason: "unknown algorithm; ids start with \"sha256:\"") }
        guard hex.utf8.allSatisfy(ObjectID.isLowerHex) else {
            throw StoreError.malformedID(text, reason: "digits must be lower-case hex (0-9, a-f)")
        }
        if hex.count == ObjectID.hexLength {
            let id = ObjectID(trustedHex: hex)
            guard contains(id) else { throw StoreError.unknownObject(id.description) }
            return id
        }
        guard hex.count >= 4, hex.count < ObjectID.hexLength else {
            throw StoreError.malformedID(text, reason: "give between 4 and 64 hex digits")
        }
        let directory = objectsDirectory.appendingPathComponent(String(hex.prefix(2)))
        let rest = hex.dropFirst(2)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        let matches = names.filter { $0.count == ObjectID.hexLength - 2 && $0.hasPrefix(rest) }
            .map { ObjectID(trustedHex: String(hex.prefix(2)) + $0) }.sorted()
        if matches.isEmpty { throw StoreError.unknownObject(text) }
        if matches.count > 1 { throw StoreError.ambiguousPrefix(text, matches: matches) }
        return matches[0]
    }

    /// Removes an object file (gc only; callers hold the exclusive lock).
    func remove(_ id: ObjectID) throws {
        do { try FileManager.default.removeItem(at: path(of: id)) } catch {
            throw StoreError.writeFailed(path: path(of: id).path, reason: "\(error.localizedDescription)")
        }
    }
}
