import Basics
import Foundation
import Dispatch
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// What `add` stored for one path.
public struct AddResult: Sendable, Codable, Equatable {
    public enum Kind: String, Sendable, Codable { case file, directory }
    public var path: String
    public var id: ObjectID
    public var kind: Kind
    /// Logical bytes: the file's size, or the sum of file sizes in a directory.
    public var size: Int
    /// Objects written by this add (0 when everything was already present).
    public var newObjects: Int
    /// Raw bytes of those new objects, and what they occupy on disk.
    public var newRawBytes: Int
    public var newStoredBytes: Int
}

extension ObjectStore {
    /// Adds a file or a directory tree. Files at most `chunkingThreshold` bytes become one blob
    /// (id = sha256 of the content); larger files are split by content-defined chunking into
    /// chunk objects plus a chunk list. Directories become manifests; symbolic links inside are
    /// recorded as links and never followed.
    public func add(path: String) throws -> AddResult {
        let info = try fileStatus(path)
        var tally = Tally()
        switch info.fileType {
        case S_IFREG:
            let (id, size) = try addFile(path: path, tally: &tally)
            return AddResult(path: path, id: id, kind: .file, size: size, newObjects: tally.objects, newRawBytes: tally.raw, newStoredBytes: tally.stored)
        case S_IFDIR:
            let (id, size) = try addDirectory(path: path, tally: &tally)
            return AddResult(path: path, id: id, kind: .directory, size: size, newObjects: tally.objects, newRawBytes: tally.raw, newStoredBytes: tally.stored)
        case S_IFLNK:
            throw StoreError.unreadablePath(path, reason: "it is a symbolic link; add the directory that holds it (links are stored as links inside directories, never followed)")
        default:
            throw StoreError.unsupportedFileType(path)
        }
    }

    /// Stores an in-memory file (used for specs, metrics and other generated artifacts).
    public func addBytes(_ bytes: [UInt8]) throws -> ObjectID {
        var tally = Tally()
        return try bytes.withUnsafeBytes { try addContent($0, tally: &tally) }
    }

    struct Tally {
        var objects = 0, raw = 0, stored = 0
        mutating func count(_ result: PutResult) {
            if result.wasNew { objects += 1; raw += result.rawBytes; stored += result.storedBytes }
        }
    }

    private func addFile(path: String, tally: inout Tally) throws -> (ObjectID, Int) {
        try mapFile(path).withBytes { bytes in (try addContent(bytes, tally: &tally), bytes.count) }
    }

    private func mapFile(_ path: String) throws -> MappedFile {
        do throws(FileSystemError) { return try MappedFile(path: path) } catch {
            throw StoreError.unreadablePath(path, reason: error.detail)
        }
    }

    /// Stores file content as a blob or, when large, as chunks plus a chunk list.
    func addContent(_ bytes: UnsafeRawBufferPointer, tally: inout Tally) throws -> ObjectID {
        if bytes.count <= config.chunkingThreshold {
            let result = try put(bytes, kind: .blob)
            tally.count(result)
            return result.id
        }
        return try withPendingObjects { pending in try stageContent(bytes, tally: &tally, pending: &pending) }
    }

    /// Objects written but not yet visible, published together by `withPendingObjects`.
    struct PendingObjects {
        private(set) var staged: [StagedFile] = []
        private var ids: Set<ObjectID> = []

        /// Takes one file's staged objects and returns their results. An object an earlier file
        /// already staged counts as present, as a published object would, and its second
        /// temporary file is removed.
        mutating func take(_ objects: [(PutResult, StagedFile?)]) -> [PutResult] {
            let earlier = ids
            return objects.map { result, file in
                guard let file else { return result }
                if earlier.contains(result.id) {
                    AtomicFile.discard([file])
                    return PutResult(id: result.id, wasNew: false, storedBytes: 0, rawBytes: result.rawBytes)
                }
                staged.append(file)
                ids.insert(result.id)
                return result
            }
        }
    }

    /// Runs `body`, which stages objects, then publishes them all with one file-system flush
    /// before the renames and one after (`AtomicFile.publish`): two device flushes for a whole
    /// file or tree instead of an fsync per object and per directory. On any error every staged
    /// object is removed.
    private func withPendingObjects<T>(_ body: (inout PendingObjects) throws -> T) throws -> T {
        var pending = PendingObjects()
        do {
            let value = try body(&pending)
            do throws(FileSystemError) { try AtomicFile.publish(pending.staged) } catch {
                throw StoreError.writeFailed(path: error.path, reason: error.detail)
            }
            return value
        } catch {
            AtomicFile.discard(pending.staged)
            throw error
        }
    }

    /// Stages file content: one blob, or its chunks followed by their chunk list (renamed in that
    /// order, so a visible chunk list never names a missing chunk).
    private func stageContent(_ bytes: UnsafeRawBufferPointer, tally: inout Tally, pending: inout PendingObjects) throws -> ObjectID {
        guard bytes.count > config.chunkingThreshold else {
            return try stageObject(bytes, kind: .blob, tally: &tally, pending: &pending)
        }
        let chunks = pending.take(try stageChunksConcurrently(bytes))
        for chunk in chunks { tally.count(chunk) }
        let list = try ChunkList(chunks: chunks.map { ChunkList.Chunk(id: $0.id, size: $0.rawBytes) }).encoded()
        return try list.withUnsafeBytes { try stageObject($0, kind: .chunkList, tally: &tally, pending: &pending) }
    }

    private func stageObject(_ bytes: UnsafeRawBufferPointer, kind: ObjectKind, tally: inout Tally, pending: inout PendingObjects) throws -> ObjectID {
        let result = pending.take([try stage(bytes, kind: kind, compressor: ZstdCompressor())])[0]
        tally.count(result)
        return result.id
    }

    /// Cuts, hashes and writes chunks on every core. Cutting is sequential by nature, so a worker
    /// takes the next cut under a lock and then hashes and writes its chunk while another worker
    /// cuts the next: with two cores, cutting and hashing overlap. Chunks are staged (written, not
    /// synced) and made durable together when the add publishes.
    private func stageChunksConcurrently(_ bytes: UnsafeRawBufferPointer) throws -> [(PutResult, StagedFile?)] {
        let cursor = ChunkCursor(chunker: Chunker(config: config), total: bytes.count)
        let box = ChunkResults()
        let workers = max(1, ProcessInfo.processInfo.activeProcessorCount)
        // The mapping outlives the workers: concurrentPerform returns only when all have finished.
        nonisolated(unsafe) let bytes = bytes
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            let compressor = ZstdCompressor()
            while !box.failed, let (index, range) = cursor.next(bytes) {
                do {
                    let (result, staged) = try stage(UnsafeRawBufferPointer(rebasing: bytes[range]), kind: .blob, compressor: compressor)
                    box.set(index, result, staged)
                } catch { box.fail(error) }
            }
        }
        return try box.collect()
    }

    /// Stages every file of the tree, publishes them together, then stores the manifest.
    private func addDirectory(path root: String, tally: inout Tally) throws -> (ObjectID, Int) {
        var entries: [Manifest.Entry] = []
        var total = 0
        func walk(_ relative: String, _ pending: inout PendingObjects) throws {
            let absolute = relative.isEmpty ? root : root + "/" + relative
            let names: [String]
            do { names = try FileManager.default.contentsOfDirectory(atPath: absolute) } catch {
                throw StoreError.unreadablePath(absolute, reason: "\(error.localizedDescription)")
            }
            for name in names.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) {
                let childRelative = relative.isEmpty ? name : relative + "/" + name
                let childPath = root + "/" + childRelative
                let info = try fileStatus(childPath)
                switch info.fileType {
                case S_IFREG:
                    let (id, size) = try mapFile(childPath).withBytes { bytes in
                        (try stageContent(bytes, tally: &tally, pending: &pending), bytes.count)
                    }
                    total += size
                    entries.append(.init(path: childRelative, type: .file, mode: info.permissionBits, size: size, id: id, target: nil))
                case S_IFDIR:
                    entries.append(.init(path: childRelative, type: .directory, mode: info.permissionBits, size: nil, id: nil, target: nil))
                    try walk(childRelative, &pending)
                case S_IFLNK:
                    let target: String
                    do { target = try FileManager.default.destinationOfSymbolicLink(atPath: childPath) } catch {
                        throw StoreError.unreadablePath(childPath, reason: "cannot read the link (\(error.localizedDescription))")
                    }
                    entries.append(.init(path: childRelative, type: .symlink, mode: nil, size: nil, id: nil, target: target))
                default:
                    throw StoreError.unsupportedFileType(childPath)
                }
            }
        }
        try withPendingObjects { pending in try walk("", &pending) }
        let manifest = Manifest(entries: entries)
        let result = try put(try manifest.encoded(), kind: .manifest)
        tally.count(result)
        return (result.id, total)
    }
}

/// Hands out consecutive chunks of one buffer to concurrent workers.
final class ChunkCursor: Sendable {
    private let chunker: Chunker
    private let total: Int
    /// The next chunk's number and first byte.
    private let position = Mutex((index: 0, start: 0))

    init(chunker: Chunker, total: Int) {
        self.chunker = chunker
        self.total = total
    }

    func next(_ bytes: UnsafeRawBufferPointer) -> (Int, Range<Int>)? {
        position.withLock { position in
            let start = position.start
            guard start < total else { return nil }
            let length = chunker.cutPoint(UnsafeRawBufferPointer(rebasing: bytes[start...]))
            defer { position = (position.index + 1, start + length) }
            return (position.index, start..<(start + length))
        }
    }
}

/// Results produced out of order by concurrent workers, with the first error.
final class ChunkResults: Sendable {
    private struct State {
        var results: [Int: (ObjectStore.PutResult, StagedFile?)] = [:]
        var error: Error?
    }
    private let state = Mutex(State())

    var failed: Bool { state.withLock { $0.error != nil } }

    func set(_ index: Int, _ result: ObjectStore.PutResult, _ staged: StagedFile?) {
        state.withLock { $0.results[index] = (result, staged) }
    }

    func fail(_ error: Error) {
        state.withLock { state in
            if state.error == nil { state.error = error }
        }
    }

    /// Results in chunk order; on failure, removes every staged file and rethrows.
    func collect() throws -> [(ObjectStore.PutResult, StagedFile?)] {
        let (ordered, error) = state.withLock { state in
            (state.results.keys.sorted().map { state.results[$0]! }, state.error)
        }
        if let error {
            AtomicFile.discard(ordered.compactMap(\.1))
            throw error
        }
        return ordered
    }
}
