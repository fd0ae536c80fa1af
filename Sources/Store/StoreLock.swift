import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// An advisory lock on the store's `lock` file (flock). Every process that writes to the store
/// holds it shared for as long as it may reference objects it stored or has files in `tmp/` or
/// `scratch/`; gc holds it exclusively while it sweeps. The kernel drops the lock when the holder
/// dies, so a killed writer never blocks gc forever, and whoever holds the lock exclusively knows
/// that every temporary file and scratch directory in the store belongs to a process that is gone.
public final class StoreLock: Sendable {
    public enum Mode: Sendable { case shared, exclusive }
    private let fd: Int32

    private init(fd: Int32) { self.fd = fd }

    /// Waits up to `timeout` seconds for the lock.
    public static func acquire(path: String, mode: Mode, timeout: Double) throws -> StoreLock {
        let fd = try openLockFile(path)
        try wait(fd, path: path, operation: mode == .shared ? LOCK_SH : LOCK_EX, timeout: timeout)
        return StoreLock(fd: fd)
    }

    /// Takes the lock shared, as a writer does; but first, when no other process holds it at
    /// all, takes it exclusively for a moment and calls `whenAlone`, so that a writer starting
    /// alone removes what killed writers left. Converting the lock to shared afterwards is not
    /// atomic (flock drops the old lock first): gc may slip in between, which is harmless, as this
    /// writer has written nothing yet and simply waits for it.
    public static func acquireShared(path: String, timeout: Double, whenAlone: () -> Void) throws -> StoreLock {
        let fd = try openLockFile(path)
        if flock(fd, LOCK_EX | LOCK_NB) == 0 { whenAlone() }
        try wait(fd, path: path, operation: LOCK_SH, timeout: timeout)
        return StoreLock(fd: fd)
    }

    private static func openLockFile(_ path: String) throws -> Int32 {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw StoreError.writeFailed(path: path, reason: "cannot open the lock file: \(errnoText())") }
        return fd
    }

    /// Retries a non-blocking flock until it succeeds or `timeout` passes; closes `fd` on failure.
    private static func wait(_ fd: Int32, path: String, operation: Int32, timeout: Double) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while flock(fd, operation | LOCK_NB) != 0 {
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
    }

    deinit { close(fd) }
}
