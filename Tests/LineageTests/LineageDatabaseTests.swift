import Foundation
import Testing
import GRDB
@testable import Lineage
import Store
import TestKit

final class Scratch: Sendable {
    private let directory = TemporaryDirectory(prefix: "iopo-lineage-test")
    var url: URL { directory.url }

    func lineage() throws -> LineageDatabase {
        let root = url.appendingPathComponent("store")
        if !FileManager.default.fileExists(atPath: root.path) { try ObjectStore.initialize(at: root) }
        return try LineageDatabase(store: try ObjectStore(root: root, access: .write))
    }
}

@discardableResult
func shell(_ command: String, in directory: URL) throws -> String {
    let result = try ProcessRunner.shell(command, in: directory)
    guard result.status == 0 else { throw LineageError.invalidInput("`\(command)` failed: \(result.stdout)") }
    return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
}

@Suite struct LineageDatabaseTests {
    @Test func schemaMigratesOnceAndReopens() throws {
        let scratch = Scratch()
        _ = try scratch.lineage()
        let again = try scratch.lineage()
        let tables = try again.read { db in try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name") }
        for table in ["absent_objects", "artifacts", "environments", "git_snapshots", "metrics", "params", "pins", "runs", "step_edges", "steps"] {
            #expect(tables.contains(table), "missing table \(table)")
        }
        let mode = try again.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") }
        #expect(mode == "wal")
        let migrations = try again.read { db in try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations") }
        #expect(migrations == ["v1", "v2-absent-objects"])
    }

    /// A database an earlier build wrote (schema v1 only, with a run in it) opens in this one:
    /// the later migrations run and the run is still there.
    @Test func aVersionOneDatabaseUpgradesKeepingItsRuns() throws {
        let scratch = Scratch()
        let root = scratch.url.appendingPathComponent("store")
        try ObjectStore.initialize(at: root)
        do {
            let queue = try DatabaseQueue(path: root.appendingPathComponent(LineageDatabase.fileName).path)
            try LineageSchema.migrator.migrate(queue, upTo: "v1")
            try queue.write { db in
                try db.execute(sql: "INSERT INTO runs (id, experiment, name, status, started_at) VALUES ('r1', 'e', 'n', 'succeeded', '2026-01-02 03:04:05.678')")
            }
        }
        let lineage = try scratch.lineage()
        let migrations = try lineage.read { db in try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations") }
        #expect(migrations == ["v1", "v2-absent-objects"])
        #expect(try lineage.runs().map(\.id) == ["r1"])
        #expect(try lineage.objectsLeftOut().isEmpty)
        #expect(try lineage.integrityProblems().isEmpty)
    }

    /// BLAS facts as the engine would report them (this module does not link the engine).
    static let blas = BLASInfo(core: "Haswell", threads: 2, config: "OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY Haswell MAX_THREADS=64",
                               coreOverride: "haswell")

    func beginRun(_ lineage: LineageDatabase, name: String, in directory: URL) throws -> RunRecord {
        let git = try GitCapture.capture(directory: directory) { _ in "" }
        return try lineage.transaction { transaction in
            try transaction.beginRun(experiment: "e", name: name, specObject: nil, git: git,
                                     environment: .capture(toolVersion: "t", blas: LineageDatabaseTests.blas))
        }
    }

    @Test func theEnvironmentRecordsTheBLASFactsItIsGiven() throws {
        let scratch = Scratch()
        let lineage = try scratch.lineage()
        let run = try beginRun(lineage, name: "n", in: scratch.url)
        let environment = try #require(try lineage.details(of: run.id).environment)
        #expect(environment.blasCore == "Haswell" && environment.blasThreads == 2 && environment.blasCoreOverride == "haswell")
        #expect(environment.blasConfig == LineageDatabaseTests.blas.config)
        #expect(environment.toolVersion == "t" && !environment.os.isEmpty && environment.cpuCount >= 1)
        #expect(environment.determinismFields.contains { $0 == ("BLAS kernel family", "Haswell") })
    }

    @Test func runsResolveByLastPrefixAndId() throws {
        let scratch = Scratch()
        let lineage = try scratch.lineage()
        var ids: [String] = []
        for i in 0..<3 {
            let run = try beginRun(lineage, name: "r\(i)", in: scratch.url)
            try lineage.transaction { try $0.finishRun(run.id, status: .succeeded) }
            ids.append(run.id)
        }
        #expect(try lineage.resolveRun("last").id == ids[2])
        #expect(try lineage.resolveRun("last~1").id == ids[1])
        #expect(try lineage.resolveRun("last~2").id == ids[0])
        #expect(throws: LineageError.self) { try lineage.resolveRun("last~3") }
        #expect(throws: LineageError.self) { try lineage.resolveRun("last~x") }
        #expect(try lineage.resolveRun(ids[1]).id == ids[1])
        #expect(try lineage.resolveRun(String(ids[1].prefix(10))).id == ids[1])
        #expect(throws: LineageError.self) { try lineage.resolveRun("zzzz") }
        #expect(throws: LineageError.self) { try lineage.resolveRun("") } // matches all three: ambiguous
        #expect(try lineage.runs(experiment: "e").count == 3)
        #expect(try lineage.runs(experiment: "e", status: .succeeded).count == 3)
        #expect(try lineage.runs(experiment: "e", status: .running).isEmpty)
        #expect(try lineage.runs(experiment: "other").isEmpty)
    }

    @Test func rowsNeverNameObjectsThatAreNotStored() throws {
        let scratch = Scratch()
        let lineage = try scratch.lineage()
        let run = try beginRun(lineage, name: "n", in: scratch.url)
        let step = try lineage.transaction { try $0.beginStep(runID: run.id, name: "s", kind: "k", key: "key") }
        let missing = "sha256:" + String(repeating: "a", count: 64)
        #expect(throws: LineageError.self) {
            try lineage.transaction { transaction in
                try transaction.recordEdge(stepID: step.id!, artifact: ArtifactRecord(id: missing, kind: "file", name: "x", size: 1), name: "x", direction: .output)
            }
        }
        #expect(throws: LineageError.self) { try lineage.pin(try ObjectID(parsing: missing), name: "p") }
        #expect(throws: LineageError.self) {
            try lineage.transaction { transaction in
                _ = try transaction.beginRun(experiment: "e", name: "n", specObject: missing, git: GitSnapshot(inRepository: false, dirty: false, untracked: []),
                                             environment: .capture(toolVersion: "t", blas: LineageDatabaseTests.blas))
            }
        }
    }

    @Test func aTransactionCommitsOnceOrNotAtAll() throws {
        let scratch = Scratch()
        let lineage = try scratch.lineage()
        let run = try beginRun(lineage, name: "n", in: scratch.url)
        struct Stop: Error {}
        #expect(throws: Stop.self) {
            try lineage.transaction { transaction in
                _ = try transaction.beginStep(runID: run.id, name: "rolled-back", kind: "k", key: "k1")
                try transaction.recordMetrics(runID: run.id, stepName: "rolled-back", [(key: "loss", value: 1.5, index: 1)])
                throw Stop()
            }
        }
        #expect(try lineage.details(of: run.id).steps.isEmpty)
        #expect(try lineage.details(of: run.id).metrics.isEmpty)

        try lineage.transaction { transaction in
            let step = try transaction.beginStep(runID: run.id, name: "kept", kind: "k", key: "k2")
            try transaction.recordParams(runID: run.id, stepName: "kept", [("exec.x", "1")])
            try transaction.recordMetrics(runID: run.id, stepName: "kept", [(key: "loss", value: 0.5, index: 1), (key: "acc", value: 0.75, index: nil)])
            try transaction.finishStep(step.id!, status: .succeeded)
        }
        let details = try lineage.details(of: run.id)
        #expect(details.steps.map(\.step.name) == ["kept"] && details.steps.first?.step.status == .succeeded)
        #expect(details.metrics.count == 2)
        #expect(details.params.contains { $0.key == "exec.x" && $0.value == "1" })
    }

    @Test func cachedStepsReadTheirMetricsThroughCachedFrom() throws {
        let scratch = Scratch()
        let lineage = try scratch.lineage()
        let first = try beginRun(lineage, name: "1", in: scratch.url)
        let original = try lineage.transaction { transaction in
            let step = try transaction.beginStep(runID: first.id, name: "train_a", kind: "k", key: "key")
            try transaction.recordMetrics(runID: first.id, stepName: "train_a", [(key: "loss", value: 2, index: 2), (key: "loss", value: 3, index: 1),
                                                                                 (key: "loss", value: 1, index: nil)])
            try transaction.finishStep(step.id!, status: .succeeded)
            return step
        }

        // A rerun whose step (under another name) reused it: no rows of its own, the original's metrics.
        let second = try beginRun(lineage, name: "2", in: scratch.url)
        try lineage.transaction { transaction in
            let cached = try transaction.beginStep(runID: second.id, name: "train_b", kind: "k", key: "key")
            try transaction.finishStep(cached.id!, status: .cached, cachedFrom: original.id)
        }
        let rows = try lineage.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM metrics WHERE run_id = ?", arguments: [second.id]) }
        #expect(rows == 0)
        let metrics = try lineage.details(of: second.id).metrics
        #expect(metrics.map(\.stepName) == ["train_b", "train_b", "train_b"] && metrics.allSatisfy { $0.runID == second.id })
        #expect(metrics.map(\.index) == [nil, 1, 2] && metrics.map(\.value) == [1, 3, 2])

        // A database written when cached steps copied their metrics: the copies, not doubled.
        let third = try beginRun(lineage, name: "3", in: scratch.url)
        try lineage.transaction { transaction in
            let copied = try transaction.beginStep(runID: third.id, name: "train_a", kind: "k", key: "key")
            try transaction.recordMetrics(runID: third.id, stepName: "train_a", [(key: "loss", value: 1, index: nil)])
            try transaction.finishStep(copied.id!, status: .cached, cachedFrom: original.id)
        }
        #expect(try lineage.details(of: third.id).metrics.map(\.value) == [1])
        // The cache finds the succeeded original by its key, not the cached copies.
        #expect(try lineage.latestSucceededStep(key: "key")?.step.id == original.id)
    }

    @Test func runsOfDeadProcessesAreMarkedInterrupted() throws {
        let scratch = Scratch()
        let lineage = try scratch.lineage()
        let run = try beginRun(lineage, name: "n", in: scratch.url)
        let step = try lineage.transaction { try $0.beginStep(runID: run.id, name: "s", kind: "k", key: "key") }
        // A process id that cannot exist (beyond pid_max) stands for a writer killed mid-run.
        try lineage.write { db in try db.execute(sql: "UPDATE runs SET pid = 2147483000 WHERE id = ?", arguments: [run.id]) }
        let live = try beginRun(lineage, name: "live", in: scratch.url)
        #expect(try lineage.markInterruptedRuns() == [run.id])
        #expect(try lineage.resolveRun(run.id).status == .interrupted)
        #expect(try lineage.resolveRun(live.id).status == .running)
        // Statuses are stored as their raw values: the database reads the same to any client.
        let stored = try lineage.read { db in
            try Row.fetchOne(db, sql: "SELECT r.status AS run, r.pid, s.status AS step, s.error FROM runs r JOIN steps s ON s.run_id = r.id WHERE s.id = ?",
                             arguments: [step.id])
        }
        #expect(stored?["run"] as String? == "interrupted" && stored?["pid"] as Int32? == nil)
        #expect(stored?["step"] as String? == "failed" && stored?["error"] as String? == "interrupted")
    }

    @Test func failingARunFailsOnlyItsRunningSteps() throws {
        let scratch = Scratch()
        let lineage = try scratch.lineage()
        let run = try beginRun(lineage, name: "n", in: scratch.url)
        try lineage.transaction { transaction in
            let done = try transaction.beginStep(runID: run.id, name: "done", kind: "k", key: "k1")
            try transaction.finishStep(done.id!, status: .succeeded)
            _ = try transaction.beginStep(runID: run.id, name: "in-flight", kind: "k", key: "k2")
            try transaction.failRunningSteps(runID: run.id, error: "disk full")
            try transaction.finishRun(run.id, status: .failed, error: "disk full")
        }
        let details = try lineage.details(of: run.id)
        #expect(details.steps.map(\.step.status) == [.succeeded, .failed])
        #expect(details.steps.map(\.step.error) == [nil, "disk full"] && details.steps[1].step.finishedAt != nil)
        #expect(details.run.status == .failed && details.run.error == "disk full" && details.run.pid == nil && details.run.finishedAt != nil)
    }

    @Test func pinsAreRoots() throws {
        let scratch = Scratch()
        let lineage = try scratch.lineage()
        let id = try lineage.store.put(Array("pinned".utf8), kind: .blob).id
        try lineage.pin(id, name: "keep")
        #expect(try lineage.pins().map(\.name) == ["keep"])
        #expect(try lineage.referencedObjects() == [id])
        #expect(throws: LineageError.self) { try lineage.pin(id, name: "has space") }
        #expect(try lineage.unpin(name: "keep"))
        #expect(try !lineage.unpin(name: "keep"))
    }
}

@Suite struct GitCaptureTests {
    @Test func outsideARepositoryIsRecordedAsSuch() throws {
        let scratch = Scratch()
        let snapshot = try GitCapture.capture(directory: scratch.url) { _ in Issue.record("no diff expected"); return "" }
        #expect(!snapshot.inRepository && snapshot.commit == nil && snapshot.isClean)
    }

    @Test func capturesCommitBranchRemoteDirtyUntrackedAndDiff() throws {
        let scratch = Scratch()
        let repo = scratch.url
        try shell("git init -q -b trunk && git config user.email t@e && git config user.name t && git remote add origin https://example.invalid/x.git", in: repo)
        // Unborn branch: a name, no commit.
        let unborn = try GitCapture.capture(directory: repo) { _ in "" }
        #expect(unborn.inRepository && unborn.commit == nil && unborn.branch == "trunk")
        try shell("printf 'one\\n' > tracked.txt && git add tracked.txt && git commit -q -m first", in: repo)
        let head = try shell("git rev-parse HEAD", in: repo)
        let clean = try GitCapture.capture(directory: repo) { _ in Issue.record("clean tree has no diff"); return "" }
        #expect(clean.commit == head && clean.branch == "trunk" && clean.remote == "https://example.invalid/x.git")
        #expect(clean.isClean && !clean.dirty && clean.untracked.isEmpty)

        try shell("printf 'two\\n' >> tracked.txt && mkdir -p sub && printf 'n\\n' > sub/new.txt", in: repo)
        let patchBox = PatchBox()
        let dirty = try GitCapture.capture(directory: repo.appendingPathComponent("sub")) { bytes in
            patchBox.bytes = bytes
            return "sha256:" + String(repeating: "b", count: 64)
        }
        #expect(dirty.dirty && dirty.untracked == ["sub/new.txt"] && !dirty.isClean)
        #expect(dirty.diffObject == "sha256:" + String(repeating: "b", count: 64))
        let patch = String(decoding: patchBox.bytes, as: UTF8.self)
        #expect(patch.contains("+two") && patch.contains("tracked.txt"))
    }
}

final class PatchBox: @unchecked Sendable { var bytes: [UInt8] = [] }
