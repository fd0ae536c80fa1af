// A new file written front to back through one descriptor: the plain writer under
// `AtomicFile` (which gives its body one of these on the temporary file) and under callers that
// fill a staging directory `AtomicDirectory` publishes whole.

#if canImport(Glibc)
import Glibc
#endif

/// A newly created file being written sequentially. Interrupted and short writes are retried;
/// the descriptor is closed by `close(syncing:)` or, failing that, when the writer dies.
public struct FileWriter: ~Copyable {
    /// The file being written.
    public let path: String
    /// Bytes appended so far.
    public private(set) var count = 0
    private var descriptor: Int32

    /// Creates `path`, which must not exist, with `permissions` (less the umask).
    public init(creating path: String, permissions: mode_t = 0o644) throws(FileSystemError) {
        self.path = path
        descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, permissions)
        if descriptor < 0 { throw .fromErrno(path, "cannot create the file") }
    }

    deinit {
        if descriptor >= 0 { Glibc.close(descriptor) }
    }

    /// Appends raw bytes.
    public mutating func append(_ bytes: UnsafeRawBufferPointer) throws(FileSystemError) {
        guard descriptor >= 0 else { throw FileSystemError(path: path, detail: "write after close") }
        guard var base = bytes.baseAddress else { return }
        var remaining = bytes.count
        while remaining > 0 {
            // At most 1 GiB a call: Linux writes no more than about 2 GiB at once.
            let written = write(descriptor, base, min(remaining, 1 << 30))
            if written < 0 {
                if errno == EINTR { continue }
                throw .fromErrno(path, "write failed")
            }
            remaining -= written
            base += written
            count += written
        }
    }

    public mutating func append(_ bytes: [UInt8]) throws(FileSystemError) {
        var failure: FileSystemError?
        bytes.withUnsafeBytes { raw in
            do throws(FileSystemError) { try append(raw) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    /// Sets the file's permission bits exactly (the umask does not apply).
    public func setPermissions(_ permissions: mode_t) throws(FileSystemError) {
        if fchmod(descriptor, permissions) != 0 { throw .fromErrno(path, "cannot set the permissions") }
    }

    /// Closes the file, first flushing its bytes to stable storage when `syncing`.
    public mutating func close(syncing: Bool) throws(FileSystemError) {
        let closing = descriptor
        descriptor = -1
        if syncing && fsync(closing) != 0 {
            let code = errno
            Glibc.close(closing)
            throw .fromErrno(path, "fsync failed", code: code)
        }
        if Glibc.close(closing) != 0 { throw .fromErrno(path, "close failed") }
    }
}
