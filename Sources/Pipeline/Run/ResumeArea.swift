import Foundation

/// `STORE/resume/KEY/`: resumable state of steps that did not finish (a killed or failed run),
/// by step key, so the next `run` of the same step continues instead of starting over. Nothing
/// here is content-addressed or recorded: it is a cache of work in progress, and a step that
/// resumes produces the same bytes as one that did not (the `train` kind checks that in tests).
enum ResumeArea {
    /// The directory for a step key (`sha256:…`).
    static func directory(in storeRoot: URL, key: String) -> URL {
        let name = key.hasPrefix("sha256:") ? String(key.dropFirst("sha256:".count)) : key
        return storeRoot.appendingPathComponent("resume").appendingPathComponent(name)
    }

    /// Removes a step's resumable state after it succeeded (and the area when empty).
    static func remove(_ directory: URL) {
        guard FileManager.default.fileExists(atPath: directory.path) else { return }
        Scratch.remove(directory)
        Scratch.removeIfEmpty(directory.deletingLastPathComponent())
    }
}
