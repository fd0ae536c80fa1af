import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Atomic file creation: write a temporary file inside the store, fsync it, then rename it into
/// place. A reader sees either nothing or the complete file, whatever happens to the writer.
public enum AtomicFile {
    /// Writes `tag` followed by `payload` to `destination`; returns the bytes written.
    static func write(tag: inout UInt8, payload: UnsafeRawBufferPointer, to destination: URL, temporaryDirectory: URL) throws -> Int {
        try write(to: destination, temporaryDirectory: temporaryDirectory) { fd, path in
            try withUnsafeBytes(of: &tag) { try writeAll(fd, $0, path: path) }
            try writeAll(fd, payload, path: path)
            return payload.count + 1
        }
    }

    /// Writes `data` to `destination` atomically.
    public static func write(_ data: Data, to destination: URL, temporaryDirectory: URL) throws {
        _ = try write(to: destination, temporaryDirectory: temporaryDirectory) { fd, path in
            try data.withUnsafeBytes { try writeAll(fd, $0, path: path) }
            return data.count
        }
    }

    private static func write(to destination: URL, temporaryDirectory: URL, body: (Int32, String) throws -> Int) throws -> Int {
        let temporary = temporaryDirectory.appendingPathComponent("\(String(UInt64.random(in: 0...UInt64.max), radix: 16))-\(getpid()).tmp").path
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw StoreError.writeFailed(path: destination.path, reason: "cannot create a temporary file in \(temporaryDirectory.path): \(errnoText())")
        }
        var closed = false
        do {
            let written = try body(fd, destination.path)
            guard fsync(fd) == 0 else { throw StoreError.writeFailed(path: destination.path, reason: "fsync: \(errnoText())") }
            closed = true
            guard close(fd) == 0 else { throw StoreError.writeFailed(path: destination.path, reason: "close: \(errnoText())") }
            let parent = destination.deletingLastPathComponent().path
            if mkdir(parent, 0o755) != 0 && errno != EEXIST {
                throw StoreError.writeFailed(path: destination.path, reason: "mkdir \(parent): \(errnoText())")
            }
            guard rename(temporary, destination.path) == 0 else {
                throw StoreError.writeFailed(path: destination.path, reason: "rename: \(errnoText())")
            }
            return written
        } catch {
            if !closed { close(fd) }
            unlink(temporary)
            throw error
        }
    }

    static func writeAll(_ fd: Int32, _ buffer: UnsafeRawBufferPointer, path: String) throws {
        var offset = 0
        while offset < buffer.count {
            let n = Glibc.write(fd, buffer.baseAddress! + offset, min(buffer.count - offset, 1 << 30))
            if n < 0 {
                if errno == EINTR { continue }
                throw StoreError.writeFailed(path: path, reason: errnoText())
            }
            offset += n
        }
    }

    /// Flushes a directory's entries (after renames into it) to disk.
    static func syncDirectory(_ path: String) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd >= 0 { fsync(fd); close(fd) }
    }
}

func errnoText(_ code: Int32 = errno) -> String { String(cString: strerror(code)) }
