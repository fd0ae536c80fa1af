import Basics
import Dispatch
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
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

    /// Recreates a file or directory at `destination`, which must not exist. A file is written
    /// by `AtomicFile`, a tree built in a staging sibling and published by `AtomicDirectory`, so a
    /// failure leaves nothing behind.
    public func get(_ id: ObjectID, to destination: URL) throws {
        var probe = stat()
        if lstat(destination.path, &probe) == 0 { throw StoreError.destinationExists(destination.path) }
        do throws(AtomicWriteError<any Error>) {
            if try objectKind(id) == .manifest {
                let manifest = try loadManifest(id)
                try AtomicDirectory.write(to: destination) { (staging: URL) throws in try restore(manifest, into: staging) }
            } else {
                try AtomicFile.write(to: destination.path) { (file: inout FileWriter) throws in
                    try writeContent(of: id, to: &file, mode: 0o644, expectedSize: nil)
                }
            }
        } catch {
            switch error {
            case .fileSystem(let failure): throw StoreError.writeFailed(path: destination.path, reason: failure.detail)
            case .body(let failure as StoreError): throw failure
            case .body(let failure as FileSystemError): throw StoreError.writeFailed(path: failure.path, reason: failure.detail)
            case .body(let failure): throw StoreError.writeFailed(path: destination.path, reason: "\(failure.localizedDescription)")
            }
        }
    }

    /// `kind(of:)` and `manifest(_:)` with their errors carried as an atomic write's body errors.
    private func objectKind(_ id: ObjectID) throws(AtomicWriteError<any Error>) -> ObjectKind {
        do { return try kind(of: id) } catch { throw .body(error) }
    }

    private func loadManifest(_ id: ObjectID) throws(AtomicWriteError<any Error>) -> Manifest {
        do { return try manifest(id) } catch { throw .body(error) }
    }

    /// Fills `root` with the manifest's entries, directory modes last so that read-only
    /// directories can still be filled.
    private func restore(_ manifest: Manifest, into root: URL) throws {
        let fm = FileManager.default
        for entry in manifest.entries {
            let target = root.appendingPathComponent(entry.path)
            switch entry.type {
            case .directory:
                try fm.createDirectory(at: target, withIntermediateDirectories: true)
            case .file:
                try fm.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
                var file = try FileWriter(creating: target.path, permissions: 0o600)
                try writeContent(of: entry.id!, to: &file, mode: entry.mode ?? 0o644, expectedSize: entry.size)
                // Not synced one by one: AtomicDirectory flushes the whole tree before publishing it.
                try file.close(syncing: false)
            case .symlink:
                try fm.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
                guard symlink(entry.target!, target.path) == 0 else {
                    throw StoreError.writeFailed(path: target.path, reason: "symlink: \(errnoText())")
                }
            }
        }
        for entry in manifest.entries.reversed() where entry.type == .directory {
            chmod(root.appendingPathComponent(entry.path).path, mode_t(entry.mode ?? 0o755))
        }
    }

    /// Streams a file's content into `file`, checks its size against the manifest's, and sets
    /// its exact mode (not subject to the umask, so a tree comes back as it was stored).
    private func writeContent(of id: ObjectID, to file: inout FileWriter, mode: Int, expectedSize: Int?) throws {
        do {
            try writeContent(of: id) { buffer in try file.append(buffer) }
        } catch StoreError.unknownObject(let text) {
            throw StoreError.missingObject(try ObjectID(parsing: text), referencedBy: nil)
        }
        if let expectedSize, expectedSize != file.count {
            throw StoreError.corruptObject(id, reason: "the manifest says \(expectedSize) bytes, the content has \(file.count)")
        }
        try file.setPermissions(mode_t(mode))
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
