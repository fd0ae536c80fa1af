import Foundation

/// What `gc` removed, or would remove in a dry run.
public struct GCReport: Sendable, Codable, Equatable {
    public var reachable = 0
    public var unreachable: [ObjectID] = []
    /// Unreachable objects spared because they are younger than the grace period.
    public var sparedYoung = 0
    public var reclaimedBytes = 0
    /// Temporary files in `tmp/`: all of killed writers, since no writer runs while gc does.
    public var temporaryFiles = DebrisReport()
    /// Run working directories in `scratch/`: of killed runs, and those kept after a failure or
    /// with `--keep-scratch`.
    public var scratchDirectories = DebrisReport()
    public var applied = false
}

extension ObjectStore {
    /// Marks everything reachable from the roots, then (with `apply`) deletes the rest. Runs under
    /// the store's exclusive lock, and reads the roots (`roots`, called once) only once it holds
    /// it: a reference recorded before gc took the lock is seen, and no writer can be between
    /// storing an object and recording its reference (writers hold the lock shared until they
    /// have recorded). Objects younger than the grace period are spared all the same, for ids a
    /// user holds outside the lineage (`store add` prints one to put in an experiment file); a
    /// write that finds its object already stored refreshes that object's time, so re-adding an
    /// old unreferenced copy makes it look new. Under the exclusive lock every temporary file and
    /// scratch directory belongs to a process that is gone: all of them are removed.
    public func collectGarbage(roots: () throws -> [ObjectID], apply: Bool, lockTimeout: Double, now: Date = Date()) throws -> GCReport {
        let lock = try StoreLock.acquire(path: lockPath, mode: .exclusive, timeout: lockTimeout)
        defer { withExtendedLifetime(lock) {} }
        let reachable = try reachableObjects(from: try roots())
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
        report.temporaryFiles = ObjectStore.clearDebris(ObjectStore.temporaryName, in: root, apply: apply)
        report.scratchDirectories = ObjectStore.clearDebris(ObjectStore.scratchName, in: root, apply: apply)
        return report
    }
}
