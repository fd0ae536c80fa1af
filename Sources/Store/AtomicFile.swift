import Foundation
import CFileSync
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

    /// Writes `tag` + `payload` to a new temporary file without syncing it; `commit` makes a batch
    /// of such files durable with one filesystem flush and renames them into place.
    static func stage(tag: inout UInt8, payload: UnsafeRawBufferPointer, destination: URL, temporaryDirectory: URL) throws -> StagedFile {
        let temporary = temporaryName(in: temporaryDirectory)
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw StoreError.writeFailed(path: destination.path, reason: "cannot create a temporary file in \(temporaryDirectory.path): \(errnoText())")
        }
        do {
            try withUnsafeBytes(of: &tag) { try writeAll(fd, $0, path: destination.path) }
            try writeAll(fd, payload, path: destination.path)
            guard close(fd) == 0 else { throw StoreError.writeFailed(path: destination.path, reason: "close: \(errnoText())") }
        } catch {
            close(fd)
            unlink(temporary)
            throw error
        }
        return StagedFile(temporary: temporary, destination: destination.path, size: payload.count + 1)
    }

    /// A written but not yet visible file.
    struct StagedFile: Sendable {
        var temporary: String
        var destination: String
        var size: Int
    }

    /// Flushes the filesystem once, then renames every staged file into place (so each becomes
    /// visible only when its bytes are durable), then flushes again for the directory entries.
    static func commit(_ staged: [StagedFile], temporaryDirectory: URL) throws {
        guard !staged.isEmpty else { return }
        try flushFilesystem(temporaryDirectory.path)
        for file in staged {
            let parent = (file.destination as NSString).deletingLastPathComponent
            if mkdir(parent, 0o755) != 0 && errno != EEXIST {
                discard(staged)
                throw StoreError.writeFailed(path: file.destination, reason: "mkdir \(parent): \(errnoText())")
            }
            guard rename(file.temporary, file.destination) == 0 else {
                let reason = errnoText()
                discard(staged)
                throw StoreError.writeFailed(path: file.destination, reason: "rename: \(reason)")
            }
        }
        try flushFilesystem(temporaryDirectory.path)
    }

    /// Removes staged temporary files after a failure (already renamed ones are complete objects).
    static func discard(_ staged: [StagedFile]) {
        for file in staged { unlink(file.temporary) }
    }

    private static func flushFilesystem(_ path: String) throws {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw StoreError.writeFailed(path: path, reason: "open: \(errnoText())") }
        defer { close(fd) }
        guard iopo_syncfs(fd) == 0 else { throw StoreError.writeFailed(path: path, reason: "syncfs: \(errnoText())") }
    }

    private static func temporaryName(in directory: URL) -> String {
        directory.appendingPathComponent("\(String(UInt64.random(in: 0...UInt64.max), radix: 16))-\(getpid()).tmp").path
    }

    /// Writes `data` to `destination` atomically.
    public static func write(_ data: Data, to destination: URL, temporaryDirectory: URL) throws {
        _ = try write(to: destination, temporaryDirectory: temporaryDirectory) { fd, path in
            try data.withUnsafeBytes { try writeAll(fd, $0, path: path) }
            return data.count
        }
    }

    private static func write(to destination: URL, temporaryDirectory: URL, body: (Int32, String) throws -> Int) throws -> Int {
        let temporary = temporaryName(in: temporaryDirectory)
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
