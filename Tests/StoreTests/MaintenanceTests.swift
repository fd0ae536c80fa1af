import Foundation
import Testing
@testable import Store
import TestKit

@Suite struct MaintenanceTests {
    @Test func verifyReportsCorruptObjects() throws {
        let dir = TemporaryDirectory()
        let store = try makeStore(dir)
        let good = try store.put(Array("good".utf8), kind: .blob).id
        let bad = try store.put(Array("bad bytes here".utf8), kind: .blob).id
        var data = try Data(contentsOf: store.path(of: bad))
        data[3] ^= 0x20
        try data.write(to: store.path(of: bad))
        let report = try store.verify(deep: false)
        #expect(report.checkedObjects == 2)
        #expect(report.corrupt.map(\.id) == [bad])
        #expect(!report.isClean)
        let rooted = try store.verify(deep: true, roots: [good])
        #expect(rooted.dangling.isEmpty)
    }

    @Test func gcKeepsWhatRootsReachAndRespectsGrace() throws {
        let dir = TemporaryDirectory()
        let tree = dir.path("tree")
        try FileManager.default.createDirectory(atPath: tree, withIntermediateDirectories: true)
        write(pseudoRandomBytes(200_000, seed: 1), to: tree + "/big")
        write(Array("small".utf8), to: tree + "/small")
        let (kept, garbage): (ObjectID, ObjectID) = try {
            let writer = try makeStore(dir, grace: 0)
            return (try writer.add(path: tree).id, try writer.put(Array("unreferenced".utf8), kind: .blob).id)
        }()
        // The writer is gone (its shared lock released); gc runs from a read handle.
        let store = try ObjectStore(root: dir.url.appendingPathComponent("store"))
        let before = try store.allObjectIDs().count
        let dry = try store.collectGarbage(roots: { [kept] }, apply: false, lockTimeout: 1)
        #expect(dry.unreachable == [garbage])
        #expect(try store.allObjectIDs().count == before)
        let applied = try store.collectGarbage(roots: { [kept] }, apply: true, lockTimeout: 1)
        #expect(applied.unreachable == [garbage])
        #expect(!store.contains(garbage))
        #expect(try store.verify(deep: true, roots: [kept]).isClean)
        #expect(try store.allObjectIDs().count == before - 1)
    }

    @Test func gcSparesObjectsYoungerThanTheGracePeriod() throws {
        let dir = TemporaryDirectory()
        let fresh: ObjectID = try {
            let writer = try makeStore(dir, grace: 3600)
            return try writer.put(Array("fresh".utf8), kind: .blob).id
        }()
        let store = try ObjectStore(root: dir.url.appendingPathComponent("store"))
        let report = try store.collectGarbage(roots: { [] }, apply: true, lockTimeout: 1)
        #expect(report.sparedYoung == 1 && report.unreachable.isEmpty)
        #expect(store.contains(fresh))
        let later = try store.collectGarbage(roots: { [] }, apply: true, lockTimeout: 1, now: Date().addingTimeInterval(7200))
        #expect(later.unreachable == [fresh] && !store.contains(fresh))
    }

    /// The roots are read under gc's exclusive lock, never before it: a run that holds the
    /// shared lock until its lineage is committed can no longer have gc act on roots read
    /// before that commit (gc used to read them first, wait for the run, then delete objects the
    /// run had just referenced).
    @Test func gcReadsItsRootsOnlyOnceItHoldsTheExclusiveLock() throws {
        let dir = TemporaryDirectory()
        let kept: ObjectID = try {
            let writer = try makeStore(dir, grace: 0)
            return try writer.put(Array("kept".utf8), kind: .blob).id
        }()
        let store = try ObjectStore(root: dir.url.appendingPathComponent("store"))
        var readUnderLock = false
        let report = try store.collectGarbage(roots: {
            // A shared lock cannot be had while gc holds the exclusive one.
            do { _ = try StoreLock.acquire(path: store.lockPath, mode: .shared, timeout: 0) } catch { readUnderLock = true }
            return [kept]
        }, apply: true, lockTimeout: 1)
        #expect(readUnderLock, "the roots were read without the exclusive lock")
        #expect(report.reachable == 1 && store.contains(kept))
    }

    @Test func gcWaitsForWritersAndTimesOut() throws {
        let dir = TemporaryDirectory()
        let writer = try makeStore(dir, grace: 0) // holds the shared lock
        _ = try writer.put(Array("in flight".utf8), kind: .blob)
        let collector = try ObjectStore(root: writer.root)
        #expect { try collector.collectGarbage(roots: { [] }, apply: true, lockTimeout: 0.2) } throws: { error in
            if case .lockTimeout = error as? StoreError { return true }
            return false
        }
        #expect(try writer.allObjectIDs().count == 1)
    }

    @Test func usageCountsCompressionAndDeduplication() throws {
        let dir = TemporaryDirectory()
        let store = try makeStore(dir)
        let text = Array(String(repeating: "the same line of text\n", count: 4000).utf8)
        write(text, to: dir.path("a"))
        _ = try store.add(path: dir.path("a"))
        let usage = try store.usage()
        #expect(usage.compressionRatio > 3)
        #expect(usage.logicalBytes == text.count)
        #expect(usage.objects == usage.blobs + usage.chunkLists + usage.manifests)
    }
}
