import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// An advisory lock on the store's `lock` file (flock). Writers hold it shared for as long as
/// they may reference objects they stored; gc holds it exclusively while it sweeps. The kernel
/// drops the lock when the holder dies, so a killed writer never blocks gc forever.
public final class StoreLock: Sendable {
    public enum Mode: Sendable { case shared, exclusive }
    private let fd: Int32

    private init(fd: Int32) { self.fd = fd }

    /// Waits up to `timeout` seconds for the lock.
    public static func acquire(path: String, mode: Mode, timeout: Double) throws -> StoreLock {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw StoreError.writeFailed(path: path, reason: "cannot open the lock file: \(errnoText())") }
        let operation = (mode == .shared ? LOCK_SH : LOCK_EX) | LOCK_NB
        let deadline = Date().addingTimeInterval(timeout)
        while flock(fd, operation) != 0 {
            guard errno == EWOULDBLOCK || errno == EINTR else {
                close(fd)
                throw StoreError.writeFailed(path: path, reason: "flock: \(errnoText())")
            }
            if Date() >= deadline {
                close(fd)
                throw StoreError.lockTimeout(path: path, seconds: timeout)
            }
            usleep(20_000)
        }
        return StoreLock(fd: fd)
    }

    deinit { close(fd) }
}
