import Foundation
import Testing
@testable import Store
#if canImport(Glibc)
import Glibc
import TestKit
#endif

/// What killed writers leave (temporary files, scratch directories) is removed as soon as it is
/// certain that their writers are gone: by a writer that opens the store while no other process
/// uses it, and by gc, never while the writer that owns them lives.
@Suite struct DebrisTests {
    /// A temporary file as a killed `store add` leaves it, and a run's scratch tree with a
    /// read-only input, as a killed `run` leaves it.
    private func plantDebris(in store: URL) throws -> (temporary: URL, scratch: URL) {
        let temporary = store.appendingPathComponent("tmp/.0a1b2c.partial-999999-deadbeef")
        FileManager.default.createFile(atPath: temporary.path, contents: Data(count: 5000))
        let scratch = store.appendingPathComponent("scratch/0123456789abcdef")
        try FileManager.default.createDirectory(at: scratch.appendingPathComponent("train/inputs"), withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: scratch.appendingPathComponent("train/inputs/data.jsonl").path, contents: Data(count: 3000))
        chmod(scratch.appendingPathComponent("train/inputs/data.jsonl").path, 0o444)
        chmod(scratch.appendingPathComponent("train/inputs").path, 0o555)
        return (temporary, scratch)
    }

    @Test func aWriterOpeningAnUnusedStoreRemovesKilledWritersTemporaries() throws {
        let dir = TemporaryDirectory()
        _ = try makeStore(dir)   // released at once
        let root = dir.url.appendingPathComponent("store")
        let (temporary, scratch) = try plantDebris(in: root)
        let writer = try ObjectStore(root: root, access: .write)
        #expect(!FileManager.default.fileExists(atPath: temporary.path))
        // Scratch directories may be kept on purpose (a failed run, --keep-scratch): only gc and
        // the pipeline, which knows which runs were killed, remove them.
        #expect(FileManager.default.fileExists(atPath: scratch.path))
        withExtendedLifetime(writer) {}
    }

    @Test func aWriterOpeningBesideALiveWriterLeavesTemporariesAlone() throws {
        let dir = TemporaryDirectory()
        let first = try makeStore(dir)   // holds the lock shared
        let root = dir.url.appendingPathComponent("store")
        let (temporary, _) = try plantDebris(in: root)
        // The file may be the first writer's object in the making: it must stay.
        let second = try ObjectStore(root: root, access: .write)
        #expect(FileManager.default.fileExists(atPath: temporary.path))
        withExtendedLifetime((first, second)) {}
        // Readers never remove anything.
        _ = try ObjectStore(root: root, access: .read)
        #expect(FileManager.default.fileExists(atPath: temporary.path))
    }

    @Test func gcRemovesAllTemporariesAndScratchAtOnceAndADryRunOnlyCounts() throws {
        let dir = TemporaryDirectory()
        _ = try makeStore(dir, grace: 3600)
        let root = dir.url.appendingPathComponent("store")
        let (temporary, scratch) = try plantDebris(in: root)
        let store = try ObjectStore(root: root)
        let dry = try store.collectGarbage(roots: { [] }, apply: false, lockTimeout: 1)
        #expect(dry.temporaryFiles.entries == 1 && dry.temporaryFiles.bytes == 5000)
        #expect(dry.scratchDirectories.entries == 1 && dry.scratchDirectories.bytes == 3000)
        #expect(FileManager.default.fileExists(atPath: temporary.path) && FileManager.default.fileExists(atPath: scratch.path))
        // Young as they are, they go: under gc's exclusive lock no writer can own them.
        let applied = try store.collectGarbage(roots: { [] }, apply: true, lockTimeout: 1)
        #expect(applied.temporaryFiles == dry.temporaryFiles && applied.scratchDirectories == dry.scratchDirectories)
        #expect(!FileManager.default.fileExists(atPath: temporary.path) && !FileManager.default.fileExists(atPath: scratch.path))
        #expect(try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("tmp").path).isEmpty)
    }

    /// An old unreferenced copy of an object a writer stores again must look new, or gc's grace
    /// period would not protect it until the writer records its reference.
    @Test func aDeduplicatedWriteRefreshesTheObjectsTime() throws {
        let dir = TemporaryDirectory()
        let id: ObjectID = try {
            let writer = try makeStore(dir, grace: 3600)
            return try writer.put(Array("an output of an old run".utf8), kind: .blob).id
        }()
        let root = dir.url.appendingPathComponent("store")
        let reader = try ObjectStore(root: root)
        var times = [timespec(tv_sec: 1_000_000_000, tv_nsec: 0), timespec(tv_sec: 1_000_000_000, tv_nsec: 0)]
        #expect(utimensat(AT_FDCWD, reader.path(of: id).path, &times, 0) == 0)
        // Two days old: gc would take it now.
        let dry = try reader.collectGarbage(roots: { [] }, apply: false, lockTimeout: 1)
        #expect(dry.unreachable == [id])
        let again: ObjectStore.PutResult = try {
            let writer = try ObjectStore(root: root, access: .write)
            return try writer.put(Array("an output of an old run".utf8), kind: .blob)
        }()
        #expect(again.id == id && !again.wasNew)
        let modified = try #require(try FileManager.default.attributesOfItem(atPath: reader.path(of: id).path)[.modificationDate] as? Date)
        #expect(abs(modified.timeIntervalSinceNow) < 600)
        let report = try reader.collectGarbage(roots: { [] }, apply: true, lockTimeout: 1)
        #expect(report.sparedYoung == 1 && report.unreachable.isEmpty && reader.contains(id))
    }
}
