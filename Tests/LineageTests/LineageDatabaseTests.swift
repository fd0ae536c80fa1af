import Foundation
import Testing
import GRDB
@testable import Lineage
import Store

final class Scratch: Sendable {
    let url: URL
    init() {
        url = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("iopo-lineage-test-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(at: url) }

    func lineage() throws -> LineageDatabase {
        let root = url.appendingPathComponent("store")
        if !FileManager.default.fileExists(atPath: root.path) { try ObjectStore.initialize(at: root) }
        return try LineageDatabase(store: try ObjectStore(root: root, access: .write))
    }
}

@discardableResult
func shell(_ command: String, in directory: URL) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/bash")
    process.arguments = ["-c", command]
    process.currentDirectoryURL = directory
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    let text = String(decoding: data, as: UTF8.self)
    guard process.terminationStatus == 0 else { throw LineageError.invalidInput("`\(command)` failed: \(text)") }
    return text.trimmingCharacters(in: .whitespacesAndNewlines)
}

@Suite struct LineageDatabaseTests {
    @Test func schemaMigratesOnceAndReopens() throws {
        let scratch = Scratch()
        _ = try scratch.lineage()
        let again = try scratch.lineage()
        let tables = try again.read { db in try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name") }
        for table in ["artifacts", "environments", "git_snapshots", "metrics", "params", "pins", "runs", "step_edges", "steps"] {
            #expect(tables.contains(table), "missing table \(table)")
        }
        let mode = try again.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") }
        #expect(mode == "wal")
        let migrations = try again.read { db in try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations") }
        #expect(migrations == ["v1"])
    }

    @Test func manualRunRoundTripsWithParamsMetricsAndArtifacts() throws {
        let scratch = Scratch()
        let lineage = try scratch.lineage()
        let file = scratch.url.appendingPathComponent("result.json")
        try Data("{\"acc\": 0.5}".utf8).write(to: file)
        let manual = ManualRun(name: "baseline", experiment: "exp", params: [("lr", "0.1"), ("beta", "0.1")],
                               metrics: [("acc", 0.5)], artifactPaths: [file.path], requireClean: false)
        let run = try manual.record(in: lineage, directory: scratch.url, toolVersion: "test")
        #expect(run.status == .succeeded)
        let details = try lineage.details(of: run.id)
        #expect(details.params.map(\.key) == ["beta", "lr"])
        #expect(details.metrics.first?.value == 0.5)
        #expect(details.steps.count == 1)
        let output = try #require(details.steps.first?.outputs.first)
        #expect(output.artifact.id == (try lineage.store.add(path: file.path)).id.description)
        #expect(details.environment?.toolVersion == "test")
        #expect(!(details.environment?.blasCore.isEmpty ?? true))
        #expect(try lineage.referencedObjects().map(\.description).contains(output.artifact.id))
    }

    @Test func runsResolveByLastPrefixAndId() throws {
        let scratch = Scratch()
        let lineage = try scratch.lineage()
        var ids: [String] = []
        for i in 0..<3 {
            let manual = ManualRun(name: "r\(i)", experiment: "e", params: [], metrics: [], artifactPaths: [], requireClean: false)
            ids.append(try manual.record(in: lineage, directory: scratch.url, toolVersion: "t").id)
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
        #expect(try lineage.runs(experiment: "other").isEmpty)
    }

    @Test func rowsNeverNameObjectsThatAreNotStored() throws {
        let scratch = Scratch()
        let lineage = try scratch.lineage()
        let git = try GitCapture.capture(directory: scratch.url) { _ in "" }
        let run = try lineage.beginRun(experiment: "e", name: "n", specObject: nil, git: git, environment: .capture(toolVersion: "t"))
        let step = try lineage.beginStep(runID: run.id, name: "s", kind: "k", key: "key")
        let missing = "sha256:" + String(repeating: "a", count: 64)
        #expect(throws: LineageError.self) {
            try lineage.recordEdge(stepID: step.id!, artifact: ArtifactRecord(id: missing, kind: "file", name: "x", size: 1), name: "x", direction: .output)
        }
        #expect(throws: LineageError.self) { try lineage.pin(try ObjectID(parsing: missing), name: "p") }
    }

    @Test func aBatchCommitsOnceOrNotAtAll() throws {
        let scratch = Scratch()
        let lineage = try scratch.lineage()
        let git = try GitCapture.capture(directory: scratch.url) { _ in "" }
        let run = try lineage.beginRun(experiment: "e", name: "n", specObject: nil, git: git, environment: .capture(toolVersion: "t"))
        struct Stop: Error {}
        #expect(throws: Stop.self) {
            try lineage.batch {
                let step = try lineage.beginStep(runID: run.id, name: "rolled-back", kind: "k", key: "k1")
                try lineage.recordMetrics(runID: run.id, stepName: "rolled-back", [(key: "loss", value: 1.5, index: 1)])
                // Reads inside the batch see its own writes.
                #expect(try lineage.details(of: run.id).steps.map(\.step.id) == [step.id])
                throw Stop()
            }
        }
        #expect(try lineage.details(of: run.id).steps.isEmpty)
        #expect(try lineage.details(of: run.id).metrics.isEmpty)

        try lineage.batch {
            let step = try lineage.beginStep(runID: run.id, name: "kept", kind: "k", key: "k2")
            try lineage.batch { try lineage.recordParams(runID: run.id, stepName: "kept", [("exec.x", "1")]) }
            try lineage.recordMetrics(runID: run.id, stepName: "kept", [(key: "loss", value: 0.5, index: 1), (key: "acc", value: 0.75, index: nil)])
            try lineage.finishStep(step.id!, status: .succeeded)
        }
        let details = try lineage.details(of: run.id)
        #expect(details.steps.map(\.step.name) == ["kept"] && details.steps.first?.step.status == .succeeded)
        #expect(details.metrics.count == 2)
        #expect(details.params.contains { $0.key == "exec.x" && $0.value == "1" })
    }

    @Test func cachedStepsReadTheirMetricsThroughCachedFrom() throws {
        let scratch = Scratch()
        let lineage = try scratch.lineage()
        let git = try GitCapture.capture(directory: scratch.url) { _ in "" }
        let first = try lineage.beginRun(experiment: "e", name: "1", specObject: nil, git: git, environment: .capture(toolVersion: "t"))
        let original = try lineage.beginStep(runID: first.id, name: "train_a", kind: "k", key: "key")
        try lineage.recordMetrics(runID: first.id, stepName: "train_a", [(key: "loss", value: 2, index: 2), (key: "loss", value: 3, index: 1),
                                                                           (key: "loss", value: 1, index: nil)])
        try lineage.finishStep(original.id!, status: .succeeded)

        // A rerun whose step (under another name) reused it: no rows of its own, the original's metrics.
        let second = try lineage.beginRun(experiment: "e", name: "2", specObject: nil, git: git, environment: .capture(toolVersion: "t"))
        let cached = try lineage.beginStep(runID: second.id, name: "train_b", kind: "k", key: "key")
        try lineage.finishStep(cached.id!, status: .cached, cachedFrom: original.id)
        let rows = try lineage.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM metrics WHERE run_id = ?", arguments: [second.id]) }
        #expect(rows == 0)
        let metrics = try lineage.details(of: second.id).metrics
        #expect(metrics.map(\.stepName) == ["train_b", "train_b", "train_b"] && metrics.allSatisfy { $0.runID == second.id })
        #expect(metrics.map(\.index) == [nil, 1, 2] && metrics.map(\.value) == [1, 3, 2])

        // A database written when cached steps copied their metrics: the copies, not doubled.
        let third = try lineage.beginRun(experiment: "e", name: "3", specObject: nil, git: git, environment: .capture(toolVersion: "t"))
        let copied = try lineage.beginStep(runID: third.id, name: "train_a", kind: "k", key: "key")
        try lineage.recordMetrics(runID: third.id, stepName: "train_a", [(key: "loss", value: 1, index: nil)])
        try lineage.finishStep(copied.id!, status: .cached, cachedFrom: original.id)
        #expect(try lineage.details(of: third.id).metrics.map(\.value) == [1])
    }

    @Test func runsOfDeadProcessesAreMarkedInterrupted() throws {
        let scratch = Scratch()
        let lineage = try scratch.lineage()
        let git = try GitCapture.capture(directory: scratch.url) { _ in "" }
        let run = try lineage.beginRun(experiment: "e", name: "n", specObject: nil, git: git, environment: .capture(toolVersion: "t"))
        // A process id that cannot exist (beyond pid_max) stands for a writer killed mid-run.
        try lineage.write { db in try db.execute(sql: "UPDATE runs SET pid = 2147483000 WHERE id = ?", arguments: [run.id]) }
        let live = try lineage.beginRun(experiment: "e", name: "live", specObject: nil, git: git, environment: .capture(toolVersion: "t"))
        #expect(try lineage.markInterruptedRuns() == [run.id])
        #expect(try lineage.resolveRun(run.id).status == .interrupted)
        #expect(try lineage.resolveRun(live.id).status == .running)
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
