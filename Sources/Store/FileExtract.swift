import Dispatch
import Foundation
#if canImport(Glibc)
import Glibc
import Synchronization
#endif

extension ObjectStore {
    /// Streams a file's content (blob or chunk list) to `sink`, verifying every object read.
    public func writeContent(of id: ObjectID, to sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        let (kind, bytes) = try read(id)
        switch kind {
        case .blob:
            try bytes.withUnsafeBytes { try sink($0) }
        case .chunkList:
            let list = try ChunkList.decode(bytes, id: id)
            // Read and verify a window of chunks on every core, then hand them out in order.
            let window = 2 * max(1, ProcessInfo.processInfo.activeProcessorCount)
            var start = 0
            while start < list.chunks.count {
                let batch = Array(list.chunks[start..<min(start + window, list.chunks.count)])
                let slots = ChunkReadSlots(count: batch.count)
                DispatchQueue.concurrentPerform(iterations: batch.count) { i in
                    slots.set(i, Result { try self.readChunk(batch[i], of: id) })
                }
                for i in 0..<batch.count {
                    let chunkBytes = try slots.take(i)
                    try chunkBytes.withUnsafeBytes { try sink($0) }
                }
                start += batch.count
            }
        case .manifest:
            throw StoreError.unexpectedKind(id, expected: "file", found: "directory manifest")
        }
    }

    private func readChunk(_ chunk: ChunkList.Chunk, of list: ObjectID) throws -> [UInt8] {
        let (chunkKind, chunkBytes): (ObjectKind, [UInt8])
        do { (chunkKind, chunkBytes) = try read(chunk.id) } catch StoreError.unknownObject {
            throw StoreError.missingObject(chunk.id, referencedBy: list)
        }
        guard chunkKind == .blob, chunkBytes.count == chunk.size else {
            throw StoreError.corruptObject(list, reason: "chunk \(chunk.id) is not a blob of \(chunk.size) bytes")
        }
        return chunkBytes
    }

    /// A file's whole content in memory.
    public func content(of id: ObjectID) throws -> [UInt8] {
        var out: [UInt8] = []
        try writeContent(of: id) { out.append(contentsOf: $0) }
        return out
    }

    /// Reads and validates a directory manifest.
    public func manifest(_ id: ObjectID) throws -> Manifest {
        let (kind, bytes) = try read(id)
        guard kind == .manifest else { throw StoreError.unexpectedKind(id, expected: "directory manifest", found: kind.description) }
        return try Manifest.decode(bytes, id: id)
    }

    /// Recreates a file or directory at `destination`, which must not exist. The tree is built
    /// in a temporary sibling and renamed into place, so a failure leaves nothing behind.
    public func get(_ id: ObjectID, to destination: URL) throws {
        let fm = FileManager.default
        var probe = stat()
        if lstat(destination.path, &probe) == 0 { throw StoreError.destinationExists(destination.path) }
        let parent = destination.deletingLastPathComponent()
        let staging = parent.appendingPathComponent(".\(destination.lastPathComponent).iopo-partial-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        do {
            if try kind(of: id) == .manifest {
                let manifest = try self.manifest(id)
                try fm.createDirectory(at: staging, withIntermediateDirectories: false)
                for entry in manifest.entries {
                    let target = staging.appendingPathComponent(entry.path)
                    switch entry.type {
                    case .directory:
                        try fm.createDirectory(at: target, withIntermediateDirectories: true)
                    case .file:
                        try fm.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
                        try writeFile(entry.id!, to: target.path, mode: entry.mode ?? 0o644, expectedSize: entry.size)
                    case .symlink:
                        try fm.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
                        guard symlink(entry.target!, target.path) == 0 else {
                            throw StoreError.writeFailed(path: target.path, reason: "symlink: \(errnoText())")
                        }
                    }
                }
                // Directory modes last, so that read-only directories can still be filled.
                for entry in manifest.entries.reversed() where entry.type == .directory {
                    chmod(staging.appendingPathComponent(entry.path).path, mode_t(entry.mode ?? 0o755))
                }
            } else {
                try writeFile(id, to: staging.path, mode: 0o644, expectedSize: nil)
            }
            guard rename(staging.path, destination.path) == 0 else {
                throw StoreError.writeFailed(path: destination.path, reason: "rename: \(errnoText())")
            }
        } catch {
            makeWritable(staging.path)
            try? fm.removeItem(at: staging)
            if let storeError = error as? StoreError { throw storeError }
            throw StoreError.writeFailed(path: destination.path, reason: "\(error.localizedDescription)")
        }
    }

    private func writeFile(_ id: ObjectID, to path: String, mode: Int, expectedSize: Int?) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw StoreError.writeFailed(path: path, reason: errnoText()) }
        defer { close(fd) }
        var written = 0
        do {
            try writeContent(of: id) { buffer in
                try AtomicFile.writeAll(fd, buffer, path: path)
                written += buffer.count
            }
        } catch StoreError.unknownObject(let text) {
            throw StoreError.missingObject(try ObjectID(parsing: text), referencedBy: nil)
        }
        if let expectedSize, expectedSize != written {
            throw StoreError.corruptObject(id, reason: "the manifest says \(expectedSize) bytes, the content has \(written)")
        }
        guard fsync(fd) == 0 else { throw StoreError.writeFailed(path: path, reason: "fsync: \(errnoText())") }
        fchmod(fd, mode_t(mode))
    }

    private func makeWritable(_ path: String) {
        guard let enumerator = FileManager.default.enumerator(atPath: path) else { return }
        chmod(path, 0o755)
        while let item = enumerator.nextObject() as? String {
            // chmod follows links: touch real directories only, never what a link points at.
            var info = stat()
            if lstat(path + "/" + item, &info) == 0, info.fileType == S_IFDIR { chmod(path + "/" + item, 0o755) }
        }
    }
}

/// Per-chunk results of a concurrent read window.
final class ChunkReadSlots: Sendable {
    private let slots: Mutex<[Result<[UInt8], Error>?]>
    init(count: Int) { slots = Mutex(Array(repeating: nil, count: count)) }
    func set(_ index: Int, _ result: Result<[UInt8], Error>) {
        slots.withLock { $0[index] = result }
    }
    func take(_ index: Int) throws -> [UInt8] {
        let result = slots.withLock { slots in
            defer { slots[index] = nil }
            return slots[index]!
        }
        return try result.get()
    }
}
