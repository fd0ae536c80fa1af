import Foundation

/// What `gc` removed, or would remove in a dry run.
public struct GCReport: Sendable, Codable, Equatable {
    public var reachable = 0
    public var unreachable: [ObjectID] = []
    /// Unreachable objects spared because they are younger than the grace period.
    public var sparedYoung = 0
    public var reclaimedBytes = 0
    public var temporaryFilesRemoved = 0
    public var applied = false
}

extension ObjectStore {
    /// Marks everything reachable from `roots`, then (with `apply`) deletes the rest. Runs under
    /// the store's exclusive lock, so no writer is between storing an object and recording the
    /// reference to it; objects younger than the grace period are spared as a second guard.
    public func collectGarbage(roots: [ObjectID], apply: Bool, lockTimeout: Double, now: Date = Date()) throws -> GCReport {
        let lock = try StoreLock.acquire(path: lockPath, mode: .exclusive, timeout: lockTimeout)
        defer { withExtendedLifetime(lock) {} }
        let reachable = try reachableObjects(from: roots)
        var report = GCReport(applied: apply)
        let grace = TimeInterval(config.gcGraceSeconds)
        for id in try allObjectIDs() {
            if reachable.contains(id) { report.reachable += 1; continue }
            let attributes = try? FileManager.default.attributesOfItem(atPath: path(of: id).path)
            if let modified = attributes?[.modificationDate] as? Date, now.timeIntervalSince(modified) < grace {
                report.sparedYoung += 1
                continue
            }
            report.unreachable.append(id)
            report.reclaimedBytes += (attributes?[.size] as? Int) ?? 0
            if apply { try remove(id) }
        }
        let temporaries = (try? FileManager.default.contentsOfDirectory(atPath: temporaryDirectory.path)) ?? []
        for name in temporaries {
            let file = temporaryDirectory.appendingPathComponent(name)
            let attributes = try? FileManager.default.attributesOfItem(atPath: file.path)
            guard let modified = attributes?[.modificationDate] as? Date, now.timeIntervalSince(modified) >= grace else { continue }
            report.temporaryFilesRemoved += 1
            if apply { try? FileManager.default.removeItem(at: file) }
        }
        return report
    }
}
