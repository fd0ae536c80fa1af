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
    /// Marks everything reachable from the roots, then (with `apply`) deletes the rest. Runs under
    /// the store's exclusive lock, and reads the roots (`roots`, called once) only once it holds
    /// it: a reference recorded before gc took the lock is seen. A writer that stored an object
    /// and has not yet recorded its reference is covered by the grace period: objects younger
    /// than it are spared, and a write that finds its object already stored refreshes that
    /// object's time, so an old unreferenced copy that a run is about to reference looks new.
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
