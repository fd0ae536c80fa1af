import Foundation
import Dispatch
#if canImport(Glibc)
import Glibc
import Synchronization
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
        let file = try MappedFile(path: path)
        return (try addContent(file.bytes, tally: &tally), file.bytes.count)
    }

    /// Stores file content as a blob or, when large, as chunks plus a chunk list.
    func addContent(_ bytes: UnsafeRawBufferPointer, tally: inout Tally) throws -> ObjectID {
        if bytes.count <= config.chunkingThreshold {
            let result = try put(bytes, kind: .blob)
            tally.count(result)
            return result.id
        }
        let (results, staged) = try stageChunksConcurrently(bytes)
        do { try AtomicFile.commit(staged, temporaryDirectory: temporaryDirectory) } catch {
            AtomicFile.discard(staged)
            throw error
        }
        for result in results { tally.count(result) }
        let list = ChunkList(chunks: results.map { ChunkList.Chunk(id: $0.id, size: $0.rawBytes) })
        let listResult = try put(try list.encoded(), kind: .chunkList)
        tally.count(listResult)
        return listResult.id
    }

    /// Cuts, hashes and writes chunks on every core. Cutting is sequential by nature, so a worker
    /// takes the next cut under a lock and then hashes and writes its chunk while another worker
    /// cuts the next: with two cores, cutting and hashing overlap. Chunks are staged (written, not
    /// synced) and made durable together by one commit.
    private func stageChunksConcurrently(_ bytes: UnsafeRawBufferPointer) throws -> ([PutResult], [AtomicFile.StagedFile]) {
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

    private func addDirectory(path root: String, tally: inout Tally) throws -> (ObjectID, Int) {
        var entries: [Manifest.Entry] = []
        var total = 0
        func walk(_ relative: String) throws {
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
                    let (id, size) = try addFile(path: childPath, tally: &tally)
                    total += size
                    entries.append(.init(path: childRelative, type: .file, mode: info.permissionBits, size: size, id: id, target: nil))
                case S_IFDIR:
                    entries.append(.init(path: childRelative, type: .directory, mode: info.permissionBits, size: nil, id: nil, target: nil))
                    try walk(childRelative)
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
        try walk("")
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
final class ChunkResults: @unchecked Sendable {
    private var results: [Int: (ObjectStore.PutResult, AtomicFile.StagedFile?)] = [:]
    private var error: Error?
    private let mutex = NSLock()

    var failed: Bool { mutex.lock(); defer { mutex.unlock() }; return error != nil }

    func set(_ index: Int, _ result: ObjectStore.PutResult, _ staged: AtomicFile.StagedFile?) {
        mutex.lock(); defer { mutex.unlock() }
        results[index] = (result, staged)
    }

    func fail(_ error: Error) {
        mutex.lock(); defer { mutex.unlock() }
        if self.error == nil { self.error = error }
    }

    /// Results in chunk order; on failure, removes every staged file and rethrows.
    func collect() throws -> ([ObjectStore.PutResult], [AtomicFile.StagedFile]) {
        mutex.lock(); defer { mutex.unlock() }
        let ordered = results.keys.sorted().map { results[$0]! }
        let staged = ordered.compactMap(\.1)
        if let error {
            AtomicFile.discard(staged)
            throw error
        }
        return (ordered.map(\.0), staged)
    }
}
