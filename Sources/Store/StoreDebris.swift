import Basics
import Foundation

/// What writers leave behind when they are killed: temporary files in `tmp/` (an object or
/// manifest being written) and per-run working directories in `scratch/`. Every writer holds the
/// store lock shared while it has such files, so whoever holds the lock exclusively (gc, or a
/// writer that starts while no other process uses the store) knows their writers are gone.
public struct DebrisReport: Sendable, Codable, Equatable {
    /// Entries found (and removed, unless it was a dry run).
    public var entries = 0
    public var bytes = 0

    public init() {}

    mutating func add(_ url: URL) {
        entries += 1
        bytes += FileTree.size(url)
    }
}

extension ObjectStore {
    static let scratchName = "scratch"

    /// The pipeline's per-run working directories (`scratch/<run>/<step>`). The store does not
    /// interpret them; gc removes them, as it holds the lock no running process could share.
    public var scratchDirectory: URL { root.appendingPathComponent(ObjectStore.scratchName) }

    /// Removes every entry of `directory` below the store root (`tmp` or `scratch`); callers hold
    /// the lock exclusively. With `apply` false, only counts.
    static func clearDebris(_ name: String, in root: URL, apply: Bool) -> DebrisReport {
        let directory = root.appendingPathComponent(name)
        var report = DebrisReport()
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [] {
            let url = directory.appendingPathComponent(entry)
            report.add(url)
            if apply { FileTree.remove(url) }
        }
        return report
    }
}
