// Writes a file so that readers see either the old file or the complete new one, never a
// half-written checkpoint: bytes go to a temporary file in the same directory, which is renamed
// over the destination only after every write succeeded. Data is streamed from the caller's
// buffers, so a 100 MB checkpoint is never copied a second time in memory.

import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A file system failure, with the path and the operating system's reason.
public struct FileSystemError: Error, CustomStringConvertible, Sendable, Equatable {
    public var path: String
    public var detail: String
    public var description: String { "\(path): \(detail)" }

    static func fromErrno(_ path: String, _ action: String) -> FileSystemError {
        FileSystemError(path: path, detail: "\(action): \(String(cString: strerror(errno)))")
    }
}

/// A file being written atomically; see `AtomicFileWriter.write(path:_:)`.
struct AtomicFileWriter: ~Copyable {
    let path: String
    let temporaryPath: String
    private let descriptor: Int32
    private var isClosed = false

    /// Creates `path` (replacing it if present) from what `body` appends. On any error the
    /// temporary file is removed and the destination is left untouched.
    static func write<Failure: Error>(
        path: String, _ body: (inout AtomicFileWriter) throws(Failure) -> Void
    ) throws(AtomicWriteError<Failure>) {
        var writer: AtomicFileWriter
        do throws(FileSystemError) {
            writer = try AtomicFileWriter(path: path)
        } catch {
            throw .fileSystem(error)
        }
        do throws(Failure) {
            try body(&writer)
        } catch {
            writer.abandon()
            throw .body(error)
        }
        do throws(FileSystemError) {
            try writer.commit()
        } catch {
            writer.abandon()
            throw .fileSystem(error)
        }
    }

    /// Writes `bytes` to `path` atomically.
    static func write(path: String, bytes: [UInt8]) throws(FileSystemError) {
        do throws(AtomicWriteError<FileSystemError>) {
            try write(path: path) { (writer: inout AtomicFileWriter) throws(FileSystemError) in try writer.append(bytes) }
        } catch {
            switch error {
            case .fileSystem(let failure), .body(let failure): throw failure
            }
        }
    }

    private init(path: String) throws(FileSystemError) {
        self.path = path
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { String(path[..<$0]) } ?? "."
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        temporaryPath = (directory.isEmpty ? "" : directory + "/") + ".\(name).tmp-\(getpid())-\(TemporaryNames.next())"
        descriptor = open(temporaryPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        if descriptor < 0 { throw .fromErrno(path, "cannot create \(temporaryPath)") }
    }

    /// Appends raw bytes, retrying interrupted and short writes.
    mutating func append(_ bytes: UnsafeRawBufferPointer) throws(FileSystemError) {
        guard var base = bytes.baseAddress else { return }
        var remaining = bytes.count
        while remaining > 0 {
            let written = systemWrite(descriptor, base, remaining)
            if written < 0 {
                if errno == EINTR { continue }
                throw .fromErrno(path, "write failed")
            }
            remaining -= written
            base += written
        }
    }

    mutating func append(_ bytes: [UInt8]) throws(FileSystemError) {
        var failure: FileSystemError?
        bytes.withUnsafeBytes { raw in
            do throws(FileSystemError) { try append(raw) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    private mutating func commit() throws(FileSystemError) {
        isClosed = true
        if close(descriptor) != 0 { throw .fromErrno(path, "close failed") }
        if rename(temporaryPath, path) != 0 { throw .fromErrno(path, "cannot rename \(temporaryPath) into place") }
    }

    private mutating func abandon() {
        if !isClosed { close(descriptor) }
        isClosed = true
        unlink(temporaryPath)
    }
}

/// The failure of an atomic write: the file system's, or the one thrown by the caller's body.
enum AtomicWriteError<Failure: Error>: Error {
    case fileSystem(FileSystemError)
    case body(Failure)
}

/// `write(2)`, named apart from `AtomicFileWriter.write`.
@inline(__always)
private func systemWrite(_ descriptor: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    write(descriptor, buffer, count)
}

/// A per-process counter that keeps temporary names apart when threads write concurrently.
private enum TemporaryNames {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var counter = 0

    static func next() -> Int {
        lock.lock()
        defer { lock.unlock() }
        counter += 1
        return counter
    }
}
