import Foundation
import Testing
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
