import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `STORE/resume/KEY/`: resumable state of steps that did not finish (a killed or failed run),
/// by step key, so the next `run` of the same step continues instead of starting over. Nothing
/// here is content-addressed or recorded: it is a cache of work in progress, and a step that
/// resumes produces the same bytes as one that did not (the `train` kind checks that in tests).
///
/// A run claims a key's directory with an exclusive lock on `KEY.lock` beside it; a second
/// process running the same step at the same time gets no claim and runs without resumable
/// state rather than writing into the first one's.
final class ResumeClaim {
    let directory: URL
    private var descriptor: Int32

    private init(directory: URL, descriptor: Int32) {
        self.directory = directory
        self.descriptor = descriptor
    }

    /// The claimed directory for a step key (`sha256:…`), or nil when another process holds it
    /// or the area cannot be created (the step then simply runs without checkpoints).
    static func claim(in storeRoot: URL, key: String) -> ResumeClaim? {
        let name = key.hasPrefix("sha256:") ? String(key.dropFirst("sha256:".count)) : key
        let area = storeRoot.appendingPathComponent("resume")
        guard (try? FileManager.default.createDirectory(at: area, withIntermediateDirectories: true)) != nil else { return nil }
        let fd = open(area.appendingPathComponent(name + ".lock").path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return nil }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            return nil
        }
        return ResumeClaim(directory: area.appendingPathComponent(name), descriptor: fd)
    }

    /// Discards the state (a forced step starts over).
    func discard() { Scratch.remove(directory) }

    /// Releases the claim; after a success the state goes, and with no state left the lock file
    /// and an empty area go too.
    func release(succeeded: Bool) {
        guard descriptor >= 0 else { return }
        if succeeded { Scratch.remove(directory) }
        // Nothing left to resume (a success, or a step that kept no state): no trace either.
        if !FileManager.default.fileExists(atPath: directory.path) {
            unlink(directory.path + ".lock")
            Scratch.removeIfEmpty(directory.deletingLastPathComponent())
        }
        close(descriptor)
        descriptor = -1
    }

    deinit { if descriptor >= 0 { close(descriptor) } }
}
