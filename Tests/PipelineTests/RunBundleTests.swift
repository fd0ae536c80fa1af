import Foundation
@testable import Lineage
import Pipeline
import Store
import Testing

/// `export` / `import`: runs move to another store with their records and every artifact but
/// the left-out ones (weights, large inputs), which stay named and are recorded as absent.
@Suite struct RunBundleTests {
    /// `big` writes ~300 bytes (left out under a 100-byte limit); `count` reads it.
    static let experiment = """
        [experiment]
        name = "bundle"

        [steps.big]
        kind = "test-only"
        text = "\(String(repeating: "x", count: 300))"
        curve = 4

        [steps.count]
        kind = "command"
        argv = ["sh", "-c", "wc -c < {inputs.x} > {outputs.n}"]
        inputs = { x = "big.out" }
        outputs = ["n"]
        """

    static let policy = ExportPolicy(maxBytes: 100)

    func recordedRun(_ sandbox: Sandbox) throws -> String {
        let spec = try sandbox.parse(RunBundleTests.experiment)
        return try #require(try sandbox.runner().run(spec, options: sandbox.options()).first?.runID)
    }

    /// A recorded run and the output of its `big` step (the one a 100-byte limit leaves out).
    func recordedRunAndBigOutput(_ sandbox: Sandbox) throws -> (runID: String, big: ArtifactRecord) {
        let runID = try recordedRun(sandbox)
        let details = try sandbox.lineage.details(of: runID)
        return (runID, try #require(details.steps.first { $0.step.name == "big" }?.outputs.first?.artifact))
    }

    func export(_ sandbox: Sandbox, _ runs: [String], to name: String) throws -> RunBundle {
        try sandbox.lineage.exportRuns(runs, to: sandbox.path(name), writer: "test",
                                       leaveOut: { RunBundleTests.policy.reasonToLeaveOut($0, name: $1, producer: $2) })
    }

    /// What must survive the move: everything but row ids and the import's own param.
    func comparable(_ details: RunDetails) -> String {
        var lines = ["run \(details.run.id) \(details.run.experiment) \(details.run.status) \(details.run.startedAt.timeIntervalSince1970) spec=\(details.run.specObject ?? "-")"]
        lines += details.params.filter { $0.key != "imported_from" }.map { "param \($0.stepName).\($0.key)=\($0.value)" }
        lines += details.metrics.map { "metric \($0.stepName).\($0.key)[\($0.index ?? -1)]=\($0.value)" }
        for step in details.steps {
            lines.append("step \(step.step.name) \(step.step.kind) \(step.step.key) \(step.step.status)")
            lines += step.inputs.map { "  in \($0.name) \($0.artifact.id) \($0.artifact.size)" }
            lines += step.outputs.map { "  out \($0.name) \($0.artifact.id) \($0.artifact.size)" }
        }
        lines.append("git \(details.git?.commit ?? "-") dirty=\(details.git?.dirty ?? false)")
        lines.append("environment \(details.environment?.toolVersion ?? "-") \(details.environment?.blasCore ?? "-")")
        return lines.joined(separator: "\n")
    }

    @Test func runsMoveWithTheirRecordsAndTheLeftOutObjectsStayNamed() throws {
        let source = try Sandbox(); defer { source.cleanup() }
        let runID = try recordedRun(source)
        let original = try source.lineage.details(of: runID)
        let bigOut = try #require(original.steps.first { $0.step.name == "big" }?.outputs.first?.artifact)
        let countOut = try #require(original.steps.first { $0.step.name == "count" }?.outputs.first?.artifact)

        let bundle = try export(source, [runID], to: "bundle")
        #expect(bundle.absent.map(\.id) == [bigOut.id])
        #expect(bundle.absent.first?.reason.contains("larger than 100 bytes") == true)
        #expect(bundle.objects.contains { $0.id == countOut.id } && bundle.objects.contains { $0.id == original.run.specObject })
        // The same runs export to the same bytes.
        try export(source, [runID], to: "again")
        #expect(source.read("bundle/bundle.json") == source.read("again/bundle.json"))

        let target = try Sandbox(); defer { target.cleanup() }
        let report = try target.lineage.importRuns(from: source.path("bundle"))
        #expect(report.imported == [runID] && report.alreadyPresent.isEmpty && report.absent == 1)
        let imported = try target.lineage.details(of: runID)
        #expect(comparable(imported) == comparable(original))
        #expect(imported.params.contains { $0.key == "imported_from" && $0.value.hasPrefix("bundle (test)") })
        #expect(target.store.contains(try ObjectID(parsing: countOut.id)))
        #expect(!target.store.contains(try ObjectID(parsing: bigOut.id)))
        #expect(try target.lineage.objectsLeftOut()[bigOut.id]?.contains("larger than") == true)
        #expect(try target.lineage.integrityProblems().isEmpty)

        // Importing again changes nothing.
        let again = try target.lineage.importRuns(from: source.path("bundle"))
        #expect(again.imported.isEmpty && again.alreadyPresent == [runID] && again.objectsAdded == 0)
        #expect(try target.lineage.runs().count == 1)

        // A run of the same experiment in the new store reuses everything: `count`'s result came
        // in, and `big`'s, recorded without its bytes, is read by no step that runs.
        let spec = try target.parse(RunBundleTests.experiment)
        let rerun = try #require(try target.runner().run(spec, options: target.options()).first)
        #expect(rerun.steps.map(\.status) == [.cached, .cached], "\(rerun.steps)")
        #expect(rerun.steps[0].outputs["out"] == bigOut.id && rerun.steps.allSatisfy { $0.cachedFromRun == runID })
        #expect(!target.store.contains(try ObjectID(parsing: bigOut.id)))
        // Exported from there, the absent object stays absent, with the first export's reason.
        let onward = try target.lineage.exportRuns([rerun.runID], to: target.path("onward"), writer: "test",
                                                   leaveOut: { ExportPolicy().reasonToLeaveOut($0, name: $1, producer: $2) })
        #expect(onward.absent.map(\.id) == [bigOut.id])
        #expect(onward.absent.first?.reason == "not in the exporting store: larger than 100 bytes (\(bigOut.size))", "\(onward.absent)")

        // When `count` must execute, `big` executes first to restore its output (the same bytes,
        // so the same id), and the dry run says so.
        var forced = target.options()
        forced.force = .steps(["count"])
        let planned = try #require(try target.runner().plan(spec, options: forced).first?.steps)
        #expect(planned.map(\.status) == [.run, .run])
        #expect(planned[0].reason?.hasPrefix("restores out (recorded by run \(runID), not in this store)") == true, "\(planned)")
        let restored = try #require(try target.runner().run(spec, options: forced).first)
        #expect(restored.steps.map(\.status) == [.succeeded, .succeeded], "\(restored.steps)")
        #expect(restored.steps[0].outputs["out"] == bigOut.id)
        #expect(target.store.contains(try ObjectID(parsing: bigOut.id)))
        // Its bytes are back, so it is no longer listed as left out (nor exported as absent).
        #expect(try target.lineage.objectsLeftOut()[bigOut.id] == nil)
    }

    /// An output lost from the store (not left out by an export) is no result: its step
    /// executes again and puts the same bytes back; the step after it stays cached.
    @Test func aLostOutputIsRecomputedNotReusedByID() throws {
        let sandbox = try Sandbox(); defer { sandbox.cleanup() }
        let bigOut = try recordedRunAndBigOutput(sandbox).big
        let file = sandbox.store.path(of: try ObjectID(parsing: bigOut.id))
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: file.deletingLastPathComponent().path)
        try FileManager.default.removeItem(at: file)
        #expect(!sandbox.store.contains(try ObjectID(parsing: bigOut.id)))

        let rerun = try #require(try sandbox.runner().run(try sandbox.parse(RunBundleTests.experiment), options: sandbox.options()).first)
        #expect(rerun.steps.map(\.status) == [.succeeded, .cached], "\(rerun.steps)")
        #expect(rerun.steps[0].outputs["out"] == bigOut.id)
        #expect(sandbox.store.contains(try ObjectID(parsing: bigOut.id)))
    }

    /// A record the step does not reproduce (here a bundle whose left-out output id was altered)
    /// stops the run that restores it with a determinism failure naming the step, output and ids.
    @Test func aRestoreThatDoesNotReproduceItsRecordStopsTheRun() throws {
        let source = try Sandbox(); defer { source.cleanup() }
        let (runID, bigOut) = try recordedRunAndBigOutput(source)
        try export(source, [runID], to: "bundle")
        let altered = "sha256:" + String(repeating: "ab", count: 32)
        try source.write(source.read("bundle/bundle.json").replacingOccurrences(of: bigOut.id, with: altered), to: "bundle/bundle.json")

        let target = try Sandbox(); defer { target.cleanup() }
        try target.lineage.importRuns(from: source.path("bundle"))
        // `count` reads the altered id, which no record has, so it executes and `big` is restored.
        let spec = try target.parse(RunBundleTests.experiment)
        #expect(try target.runner().plan(spec, options: target.options()).first?.steps.map(\.status) == [.run, .run])
        #expect {
            try target.runner().run(spec, options: target.options())
        } throws: { error in
            guard let failure = error as? PipelineError, failure.isDeterminismFailure else { return false }
            let text = failure.description
            return text.contains("step big") && text.contains("output out is \(bigOut.id)") && text.contains("run \(runID) recorded \(altered)")
        }
        let failed = try #require(try target.lineage.runs().first { $0.id != runID })
        #expect(failed.status == .failed)
    }

    @Test func whatTheExportPolicyLeavesOut() throws {
        let json = #"{"id": 1, "run_id": "r", "name": "sft", "kind": "train", "key": "k", "status": "succeeded", "started_at": 0}"#
        let step = try JSONDecoder().decode(StepRecord.self, from: Data(json.utf8))
        let small = ArtifactRecord(id: "sha256:00", kind: "directory", name: "model", size: 10)
        #expect(ExportPolicy().reasonToLeaveOut(small, name: "model", producer: step) == "weights: output of train step sft")
        // A train step's files (its training log, its stdout) are not weights: they travel.
        let log = ArtifactRecord(id: "sha256:01", kind: "file", name: "log", size: 10)
        #expect(ExportPolicy().reasonToLeaveOut(log, name: "log", producer: step) == nil)
        #expect(ExportPolicy().reasonToLeaveOut(log, name: "log/stdout.log", producer: step) == nil)
        var data = step
        data.kind = "data"
        #expect(ExportPolicy().reasonToLeaveOut(small, name: "model", producer: data) == nil)
        #expect(ExportPolicy().reasonToLeaveOut(small, name: "model", producer: nil) == nil)
        #expect(ExportPolicy(maxBytes: 9).reasonToLeaveOut(small, name: "model", producer: nil) == "larger than 9 bytes (10)")
        let named = ExportPolicy(names: ["ifeval"])
        #expect(named.reasonToLeaveOut(small, name: "data.ifeval", producer: nil) == "left out by name (--leave-out ifeval)")
        #expect(named.reasonToLeaveOut(small, name: "ifeval", producer: nil) == "left out by name (--leave-out ifeval)")
        #expect(named.reasonToLeaveOut(small, name: "data.in_domain", producer: nil) == nil)
    }

    /// A run with one input from outside it, larger than the export policy's 100 bytes.
    struct LeftOutInput: Sendable, CustomTestStringConvertible {
        var file: String
        var spec: String
        /// The replayed step that must fail, and the input it names.
        var failingStep: String
        var input: String
        /// Objects the export leaves out.
        var absent: Int
        var testDescription: String { "\(input) of \(failingStep)" }
    }

    static let leftOutInputs = [
        LeftOutInput(file: "input.txt", spec: """
            [experiment]
            name = "outside"

            [steps.read]
            kind = "test-only"
            data = ["file:input.txt"]
            """, failingStep: "read", input: "data[0]", absent: 2),   // the input and the output that copies it
        // A served model: the step that queries the server fails (replay used to start the
        // service with no inputs at all and fail vaguely).
        LeftOutInput(file: "model.bin", spec: """
            [experiment]
            name = "served"

            [steps.serve]
            kind = "test-serve"
            model = "file:model.bin"

            [steps.eval]
            kind = "test-only"
            endpoint = "serve.endpoint"
            """, failingStep: "eval", input: "model", absent: 1),
    ]

    /// An input from outside the run that the export left out (here by size) makes a replay in
    /// the new store fail naming it and how to put it back; after `store add` of the same bytes
    /// the replay recomputes everything identically.
    @Test(arguments: leftOutInputs)
    func aReplayThereAsksForLeftOutInputsByIdAndThenMatches(_ run: LeftOutInput) throws {
        let source = try Sandbox(); defer { source.cleanup() }
        let text = String(repeating: "y", count: 300)
        try source.write(text, to: run.file)
        let runID = try #require(try source.runner().run(try source.parse(run.spec), options: source.options()).first?.runID)
        let bundle = try export(source, [runID], to: "bundle")
        #expect(bundle.absent.count == run.absent, "\(bundle.absent)")

        let target = try Sandbox(); defer { target.cleanup() }
        try target.lineage.importRuns(from: source.path("bundle"))
        let replayer = Replayer(lineage: target.lineage, registry: target.registry)
        let missing = try replayer.replay(runID: runID, engineVersion: "test 1")
        #expect(!missing.identical)
        let failed = try #require(missing.steps.first { $0.name == run.failingStep })
        #expect(failed.status == .failed)
        let note = failed.note ?? ""
        #expect(note.contains("input \(run.input) ") && note.contains("is not in this store") && note.contains("larger than 100 bytes")
                && note.contains("store add"), "\(note)")

        try target.write(text, to: "copy")
        try target.store.add(path: target.path("copy").path)
        let replayed = try replayer.replay(runID: runID, engineVersion: "test 1")
        #expect(replayed.identical, "\(replayed.steps)")
    }

    /// Times in bundle.json keep the millisecond the database keeps, rounded, both ways.
    @Test func bundleTimesKeepTheMillisecond() throws {
        let read = Date(timeIntervalSince1970: 1796647218.4029999)   // "…18.403" read back from SQLite
        #expect(RunBundle.format(read).hasSuffix(":18.403Z"), "\(RunBundle.format(read))")
        let back = try #require(RunBundle.parse(RunBundle.format(read)))
        #expect((back.timeIntervalSince1970 * 1000).rounded() == 1796647218403)
        #expect(RunBundle.format(back) == RunBundle.format(read))
        #expect(RunBundle.format(Date(timeIntervalSince1970: 1796647218.9996)).hasSuffix(":19.000Z"))
        #expect(RunBundle.format(Date(timeIntervalSince1970: 5.007)) == "1970-01-01T00:00:05.007Z")
        for bad in ["1970-01-01T00:00:05Z", "1970-01-01T00:00:05.7Z", "1970-01-01T00:00:05.007", "yesterday"] {
            #expect(RunBundle.parse(bad) == nil, "\(bad)")
        }
    }

    @Test func badBundlesAreRefusedNamingTheFileAndImportNothing() throws {
        let source = try Sandbox(); defer { source.cleanup() }
        let runID = try recordedRun(source)
        let bundle = try export(source, [runID], to: "bundle")
        let countOut = try #require(try source.lineage.details(of: runID).steps.last?.outputs.first?.artifact.id)
        let hex = String(countOut.dropFirst("sha256:".count))

        func copy(_ name: String, _ change: (URL) throws -> Void) throws -> URL {
            let url = source.path(name)
            try FileManager.default.copyItem(at: source.path("bundle"), to: url)
            try change(url)
            return url
        }
        func refused(_ bundle: URL, _ fragments: [String]) throws {
            let target = try Sandbox(); defer { target.cleanup() }
            do {
                try target.lineage.importRuns(from: bundle)
                Issue.record("imported \(bundle.lastPathComponent)")
            } catch {
                for fragment in fragments { #expect("\(error)".contains(fragment), "\(error)") }
            }
            #expect(try target.lineage.runs().isEmpty, "a refused bundle left a run")
        }
        let json = source.read("bundle/bundle.json")

        try refused(try copy("tampered") { url in
            let file = url.appendingPathComponent("objects/\(hex)")
            var bytes = try Data(contentsOf: file)
            bytes[bytes.count - 1] ^= 1
            try bytes.write(to: file)
        }, ["tampered/objects/\(hex)", "not object \(countOut)"])
        try refused(try copy("missing") { url in
            try FileManager.default.removeItem(at: url.appendingPathComponent("objects/\(hex)"))
        }, ["missing/objects/\(hex)", "missing from the bundle"])
        try refused(try copy("format") { url in
            try json.replacingOccurrences(of: RunBundle.formatName, with: "something else").write(to: url.appendingPathComponent("bundle.json"), atomically: true, encoding: .utf8)
        }, ["format/bundle.json", "field \"format\""])
        try refused(try copy("version") { url in
            try json.replacingOccurrences(of: "\"version\" : 1", with: "\"version\" : 2").write(to: url.appendingPathComponent("bundle.json"), atomically: true, encoding: .utf8)
        }, ["version/bundle.json", "bundle version 2"])
        try refused(try copy("truncated") { url in
            try String(json.prefix(json.count / 2)).write(to: url.appendingPathComponent("bundle.json"), atomically: true, encoding: .utf8)
        }, ["truncated/bundle.json"])
        try refused(try copy("unlisted") { url in
            // Drop the left-out list: the run names an object the bundle neither has nor explains.
            var edited = bundle
            edited.absent = []
            try RunBundle.encoder().encode(edited).write(to: url.appendingPathComponent("bundle.json"))
        }, ["run \(runID)", "neither carries", "big's output out"])
        try refused(source.path("absent"), ["absent/bundle.json", "cannot read the bundle"])
    }

    @Test func exportWritesOnlyANewDirectoryAndOnlyFinishedRuns() throws {
        let source = try Sandbox(); defer { source.cleanup() }
        let runID = try recordedRun(source)
        try source.write("keep", to: "taken/file")
        #expect(throws: LineageError.self) { try export(source, [runID], to: "taken") }
        #expect(source.read("taken/file") == "keep")
        // A run still recorded as running (its process alive: this one) is refused, and no
        // partial directory is left.
        let git = try GitCapture.capture(directory: source.directory) { _ in "" }
        let environment = EnvironmentSnapshot.capture(toolVersion: "test", blas: BLASInfo(core: "Haswell", threads: 1, config: "test", coreOverride: nil))
        let running = try source.lineage.transaction { transaction in
            try transaction.beginRun(experiment: "x", name: "x", specObject: nil, git: git, environment: environment)
        }
        do {
            try export(source, [running.id], to: "partial")
            Issue.record("exported a running run")
        } catch {
            #expect("\(error)".contains("still running"), "\(error)")
        }
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: source.directory.path).filter { $0.contains("partial") }
        #expect(leftovers.isEmpty, "\(leftovers)")
    }
}
