import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The claim on a step key while one process computes it, and that key's resumable state.
///
/// `STORE/claims/KEY.lock` is locked exclusively (flock) by the process executing the step with
/// that key. A second `run` that reaches the same key — another run of the same experiment, or
/// another experiment sharing the step — waits for the claim instead of computing the step
/// again, then finds the first one's result in the cache. The kernel drops the lock when its
/// process dies, however it dies, so a crashed run never blocks the next.
///
/// `STORE/resume/KEY/` is the claim holder's resumable state (training checkpoints) of a step
/// that did not finish (a killed or failed run), so the next `run` of the same step continues
/// instead of starting over. Nothing there is content-addressed or recorded: it is a cache of
/// work in progress, and a step that resumes produces the same bytes as one that did not (the
/// `train` kind checks that in tests). Only the holder of the claim reads or writes it.
final class StepClaim {
    /// The key's resumable state (it may not exist).
    let directory: URL
    private let lockPath: String
    private var descriptor: Int32

    private init(directory: URL, lockPath: String, descriptor: Int32) {
        self.directory = directory
        self.lockPath = lockPath
        self.descriptor = descriptor
    }

    enum Wait { case nonBlocking, blocking(onWait: () -> Void) }

    /// Claims the key, or returns nil when another holder has it (`.nonBlocking`) or the claim
    /// area cannot be created. `.blocking` calls `onWait` once if the key is held, then waits.
    static func claim(in storeRoot: URL, key: String, wait: Wait = .nonBlocking) -> StepClaim? {
        let name = key.hasPrefix("sha256:") ? String(key.dropFirst("sha256:".count)) : key
        let claims = storeRoot.appendingPathComponent("claims")
        let lockPath = claims.appendingPathComponent(name + ".lock").path
        var waited = false
        // A releasing holder removes the lock file and an empty area, so both are made again
        // on every attempt; an area that cannot be made at all gives no claim.
        for _ in 0..<1000 {
            guard (try? FileManager.default.createDirectory(at: claims, withIntermediateDirectories: true)) != nil else { return nil }
            let fd = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
            if fd < 0 {
                if errno == ENOENT { continue }
                return nil
            }
            if flock(fd, LOCK_EX | LOCK_NB) != 0 {
                guard case .blocking(let onWait) = wait else { close(fd); return nil }
                if !waited { onWait(); waited = true }
                guard flock(fd, LOCK_EX) == 0 else { close(fd); return nil }
            }
            // The holder before us may have removed the lock file as it released it; a lock on
            // an unlinked file claims nothing, so take the file that is there now.
            var held = stat(), current = stat()
            if fstat(fd, &held) == 0, stat(lockPath, &current) == 0, held.st_ino == current.st_ino, held.st_dev == current.st_dev {
                return StepClaim(directory: storeRoot.appendingPathComponent("resume").appendingPathComponent(name),
                                 lockPath: lockPath, descriptor: fd)
            }
            close(fd)
        }
        return nil
    }

    /// Discards the resumable state (a forced step starts over).
    func discard() { Scratch.remove(directory) }

    /// Releases the claim; after a success the resumable state goes. With no state left, the
    /// lock file (and empty areas) go too, while still locked, so nothing is left behind.
    func release(succeeded: Bool) {
        guard descriptor >= 0 else { return }
        if succeeded { Scratch.remove(directory) }
        if !FileManager.default.fileExists(atPath: directory.path) {
            unlink(lockPath)
            Scratch.removeIfEmpty(directory.deletingLastPathComponent())
            Scratch.removeIfEmpty(URL(fileURLWithPath: lockPath).deletingLastPathComponent())
        }
        close(descriptor)
        descriptor = -1
    }

    deinit { if descriptor >= 0 { close(descriptor) } }
}
