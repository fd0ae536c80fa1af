import Foundation
import Pipeline
import Testing

/// The bundled engine's step kinds (`data`, `train`, `serve`, `eval`, `table`) through the built
/// binary: the main experiment file itself, shrunk to a tiny model and a handful of instructions,
/// run, rerun from the cache and replayed bit for bit; and a `train` step killed mid-training that
/// the next run continues from its checkpoint, ending identical to an uninterrupted run.
@Suite(.serialized) struct EngineStepsEndToEndTests {
    /// `experiments/iopo_scratch.toml` with every size replaced by a tiny one (same steps, same
    /// references, same table), so the test exercises the pipeline users run.
    static let tinyExperiment = repositoryRoot.appendingPathComponent("experiments/iopo_tiny.toml")
    static let tinyLock = repositoryRoot.appendingPathComponent("experiments/iopo_tiny.lock")

    func json(_ text: String) throws -> Any { try JSONSerialization.jsonObject(with: Data(text.utf8)) }

    @Test func theMainExperimentAtTinySizeRunsCachesReplaysAndTabulates() throws {
        let sandbox = try Sandbox(); defer { sandbox.cleanup() }
        let cli = CLIRun(directory: sandbox.directory)
        try FileManager.default.copyItem(at: EngineStepsEndToEndTests.tinyExperiment, to: sandbox.path("exp.toml"))
        try FileManager.default.copyItem(at: EngineStepsEndToEndTests.tinyLock, to: sandbox.path("exp.lock"))
        try FileManager.default.copyItem(at: TableTests.paperFile, to: sandbox.path("paper_results.toml"))

        // The published lock holds: this build reproduces every output id of experiments/iopo_tiny.lock.
        let first = try cli(["run", "exp.toml"])
        #expect(first.status == 0, "\(first.stdout)\n\(first.stderr)")
        #expect(first.stdout.contains("outputs match the lock"), "\(first.stdout)")
        for step in ["data", "sft", "dpo", "iopo", "iopo_no_input", "eval_sft", "eval_iopo", "tables"] {
            #expect(first.stdout.contains("step \(step) ["), "no line for \(step) in\n\(first.stdout)")
        }
        // The two ablations have the same loss, so they train the same model: one evaluation serves both.
        #expect(first.stdout.contains("step eval_iopo_no_output [eval] cached"), "\(first.stdout)")
        #expect(!FileManager.default.fileExists(atPath: sandbox.path("store/resume").path), "resume state left after success")

        let again = try cli(["run", "exp.toml", "--json"])
        #expect(again.status == 0, "\(again.stderr)")
        let summary = try #require((try json(again.stdout) as? [[String: Any]])?.first)
        let statuses = (summary["steps"] as? [[String: Any]] ?? []).compactMap { $0["status"] as? String }
        #expect(statuses.count == 17 && statuses.allSatisfy { $0 == "cached" || $0 == "skipped" }, "\(statuses)")

        let replay = try cli(["replay", "last~1", "--check"])
        #expect(replay.status == 0, "\(replay.stdout)\n\(replay.stderr)")
        #expect(replay.stdout.contains("all 12 replayed steps are identical"), "\(replay.stdout)")

        let table = try cli(["table", "last", "--md"])
        #expect(table.status == 0, "\(table.stderr)")
        for row in ["SFT", "DPO", "IOPO", "IF-S", "IF-M", "OOD CSR"] { #expect(table.stdout.contains(row), "\(row) missing in\n\(table.stdout)") }
        // The paired intervals come from the eval steps' recorded judgments.
        for text in ["Paired differences: IOPO − baseline (points), 95 % percentile bootstrap over", "| IOPO − DPO |", "- IOPO vs SFT: "] {
            #expect(table.stdout.contains(text), "\(text) missing in\n\(table.stdout)")
        }

        // The HTML report of the run that executed every step, opened in a real browser.
        let report = sandbox.path("report.html")
        let written = try cli(["report", "last~1", "--out", report.path])
        #expect(written.status == 0, "\(written.stdout)\n\(written.stderr)")
        let iopoRow = table.stdout.split(separator: "\n").first { $0.hasPrefix("| IOPO |") }
        let cells = (iopoRow ?? "").split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        #expect(cells.count > 2, "\(table.stdout)")
        try ReportBrowserCheck.verify(report: report, expectedCells: cells)
        let reportJSON = try #require(try json(try cli(["report", "last~1", "--json"]).stdout) as? [String: Any])
        #expect((reportJSON["curves"] as? [Any])?.isEmpty == false && (reportJSON["breakdowns"] as? [Any])?.isEmpty == false)
        // --paper replaces the published numbers the run recorded: SFT's IF-S becomes 12.3.
        let paperText = sandbox.read("paper_results.toml")
        try sandbox.write(paperText.replacingOccurrences(of: "SFT      = [76.0,", with: "SFT      = [12.3,"), to: "altered_paper.toml")
        func paperSFTIFS(_ arguments: [String]) throws -> Double? {
            let result = try cli(["report", "last~1", "--json"] + arguments)
            #expect(result.status == 0, "\(result.stderr)")
            let data = try #require(try json(result.stdout) as? [String: Any])
            let report = ((data["tables"] as? [[String: Any]])?.first?["report"] as? [String: Any]) ?? [:]
            let table3 = (report["tables"] as? [[String: Any]])?.first ?? [:]
            let sft = (table3["rows"] as? [[String: Any]])?.first { ($0["method"] as? String) == "SFT" }
            return ((sft?["cells"] as? [[String: Any]])?.first?["paper"] as? Double)
        }
        #expect(try paperSFTIFS([]) == 76.0)
        #expect(try paperSFTIFS(["--paper", "altered_paper.toml"]) == 12.3)
        let absentPaper = try cli(["report", "last~1", "--json", "--paper", "absent.toml"])
        #expect(absentPaper.status != 0 && absentPaper.stderr.contains("absent.toml"), "\(absentPaper.stderr)")

        // The run moves to another store without its weights: the same table there, and a
        // replay that recomputes every output, weights included, and finds the recorded ids.
        let exported = try cli(["export", "last~1", "--out", "bundle", "--json"])
        #expect(exported.status == 0, "\(exported.stderr)")
        let exportSummary = try #require(try json(exported.stdout) as? [String: Any])
        let leftOut = (exportSummary["absent"] as? [[String: Any]]) ?? []
        #expect(!leftOut.isEmpty && leftOut.allSatisfy { ($0["reason"] as? String)?.hasPrefix("weights: output of train step") == true }, "\(leftOut)")
        #expect(try cli(["init", "--store", "other"]).status == 0)
        let imported = try cli(["import", "bundle", "--store", "other"])
        #expect(imported.status == 0 && imported.stdout.contains("imported 1 run(s)"), "\(imported.stdout)\(imported.stderr)")
        let runID = try #require((exportSummary["runs"] as? [String])?.first)
        let otherTable = try cli(["table", runID, "--md", "--store", "other"])
        let hereTable = try cli(["table", runID, "--md"])
        #expect(otherTable.status == 0 && otherTable.stdout == hereTable.stdout, "\(otherTable.stdout)\(otherTable.stderr)")
        let verified = try cli(["store", "verify", "--deep", "--store", "other"])
        #expect(verified.status == 0 && verified.stdout.contains("left out by their export"), "\(verified.stdout)\(verified.stderr)")
        // Running the experiment there is all cache hits: the evaluations came in, and the
        // trained models they were computed from (left out) are read by no step that runs.
        let rerunThere = try cli(["run", "exp.toml", "--store", "other", "--no-lock", "--json"])
        #expect(rerunThere.status == 0, "\(rerunThere.stderr)")
        let rerunSteps = ((try json(rerunThere.stdout) as? [[String: Any]])?.first?["steps"] as? [[String: Any]]) ?? []
        #expect(!rerunSteps.isEmpty && rerunSteps.allSatisfy { ["cached", "skipped"].contains($0["status"] as? String) }, "\(rerunSteps)")
        // Forcing an evaluation there needs the model it serves: `sft` executes first to restore
        // its left-out weights and must write the recorded ids (else the run stops with exit 5).
        func stepNamed(_ name: String, _ steps: [[String: Any]]) -> [String: Any]? { steps.first { $0["name"] as? String == name } }
        let recordedSFT = try #require(stepNamed("sft", rerunSteps)?["outputs"] as? [String: String])
        let forced = try cli(["run", "exp.toml", "--store", "other", "--no-lock", "--json", "--force", "eval_sft"])
        #expect(forced.status == 0, "\(forced.stderr)")
        let forcedSteps = ((try json(forced.stdout) as? [[String: Any]])?.first?["steps"] as? [[String: Any]]) ?? []
        #expect(stepNamed("sft", forcedSteps)?["status"] as? String == "succeeded", "\(forcedSteps)")
        #expect(stepNamed("sft", forcedSteps)?["outputs"] as? [String: String] == recordedSFT, "\(forcedSteps)")
        #expect(stepNamed("eval_sft", forcedSteps)?["status"] as? String == "succeeded", "\(forcedSteps)")
        #expect(stepNamed("dpo", forcedSteps)?["status"] as? String == "cached", "\(forcedSteps)")
        let replayedThere = try cli(["replay", runID, "--check", "--store", "other"])
        #expect(replayedThere.status == 0 && replayedThere.stdout.contains("identical"), "\(replayedThere.stdout)\(replayedThere.stderr)")

        let diff = try cli(["diff", "last", "last~1", "--all"])
        #expect(diff.status == 0, "\(diff.stderr)")
        #expect(diff.stdout.contains("eval_iopo/in_domain/if_s"), "\(diff.stdout)")

        // Writing the lock from the cached rerun gives the published file byte for byte.
        let published = try String(contentsOf: EngineStepsEndToEndTests.tinyLock, encoding: .utf8)
        let rewrite = try cli(["run", "exp.toml", "--write-lock"])
        #expect(rewrite.status == 0, "\(rewrite.stderr)")
        #expect(sandbox.read("exp.lock") == published)

        // A lock that disagrees exits 5 and names the step and output.
        let tampered = published.replacingOccurrences(of: "\"model\": \"sha256:", with: "\"model\": \"sha256:0", options: [], range: nil)
        #expect(tampered != published)
        try sandbox.write(String(tampered), to: "exp.lock")
        let mismatch = try cli(["run", "exp.toml"])
        #expect(mismatch.status == 5, "\(mismatch.stdout)\n\(mismatch.stderr)")
        #expect(mismatch.stderr.contains("outputs differ from the lock"), "\(mismatch.stderr)")
        #expect(mismatch.stderr.contains("seed 1, step sft, output model: locked sha256:0"), "\(mismatch.stderr)")
        // A malformed lock is refused before anything runs.
        try sandbox.write("{\"format\": 1, \"experiment\": 3}", to: "exp.lock")
        let malformed = try cli(["run", "exp.toml", "--force"])
        #expect(malformed.status == 2, "\(malformed.stderr)")
        #expect(malformed.stderr.contains("exp.lock: field experiment must be a string"), "\(malformed.stderr)")
        #expect(try cli(["run", "exp.toml", "--no-lock"]).status == 0)

        // Runs named one by one (seeds run apart, or imported) tabulate together; runs of
        // different experiments do not.
        let named = try cli(["table", "last", "last~1", "--md"])
        #expect(named.status == 0 && named.stdout.contains("| IOPO |"), "\(named.stdout)\(named.stderr)")
        try sandbox.write("[experiment]\nname = \"other\"\n[steps.one]\nkind = \"command\"\nargv = [\"true\"]\n", to: "other.toml")
        #expect(try cli(["run", "other.toml"]).status == 0)
        let mixed = try cli(["table", "last", "last~1"])
        #expect(mixed.status == 2 && mixed.stderr.contains("2 experiments"), "\(mixed.stderr)")
    }

    /// 96 SFT sequences, one per optimizer step: checkpoints at steps 20, 40, 60 and 80.
    static let killedTraining = """
        [experiment]
        name = "killed-training"
        [engine]
        blas = "haswell"
        threads = 1
        [model.small]
        hidden_size = 32
        num_hidden_layers = 2
        num_attention_heads = 4
        num_key_value_heads = 2
        intermediate_size = 64
        vocab_size = 320
        max_position_embeddings = 512
        [steps.data]
        kind = "data"
        train_quadruples = 48
        eval_in_domain = 1
        eval_out_of_domain = 1
        max_constraints = 3
        [steps.sft]
        kind = "train"
        objective = "sft"
        model = "small"
        data = "data.train"
        learning_rate = 1e-3
        batch_size = 1
        micro_batch_size = 1

        """

    /// Starts `run exp.toml`, SIGKILLs it as soon as the train step's first checkpoint appears,
    /// and returns that checkpoint's directory.
    func runKilledAfterFirstCheckpoint(_ sandbox: Sandbox) throws -> URL {
        let resumeArea = sandbox.path("store/resume")
        func checkpoints() -> [URL] {
            let keys = (try? FileManager.default.contentsOfDirectory(atPath: resumeArea.path)) ?? []
            return keys.flatMap { key -> [URL] in
                let directory = resumeArea.appendingPathComponent(key)
                return ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [])
                    .filter { $0.hasPrefix("step-") }.map { directory.appendingPathComponent($0) }
            }
        }
        let process = try CLIRun(directory: sandbox.directory).start(["run", "exp.toml"])
        let deadline = Date().addingTimeInterval(300)
        while checkpoints().isEmpty && process.isRunning && Date() < deadline { usleep(10_000) }
        let stillTraining = process.isRunning
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        try #require(stillTraining, "the run finished before its first checkpoint could be observed")
        let left = checkpoints()
        try #require(left.count == 1, "\(left)")
        return left[0]
    }

    /// The replay trains from the start, without checkpoints: model, log and every curve point
    /// must equal what the run that resumed (or started over) recorded.
    func expectReplayIdentical(_ cli: CLIRun) throws {
        let replay = try cli(["replay", "last", "--check"])
        #expect(replay.status == 0, "\(replay.stdout)\n\(replay.stderr)")
        let sftLine = replay.stdout.split(separator: "\n").first { $0.hasSuffix(" sft [train]") }
        #expect(sftLine?.hasPrefix("identical") == true, "\(replay.stdout)")
        // The curve is whole: the points before the checkpoint came back with it.
        let log = try cli(["log", "last", "--metric", "sft/loss"])
        #expect(log.status == 0 && log.stdout.contains("sft/loss  (96 points)"), "\(log.stdout)\n\(log.stderr)")
    }

    @Test func aTrainStepKilledMidTrainingResumesFromItsCheckpointAndEndsIdentical() throws {
        let sandbox = try Sandbox(); defer { sandbox.cleanup() }
        let cli = CLIRun(directory: sandbox.directory)
        try sandbox.write(EngineStepsEndToEndTests.killedTraining, to: "exp.toml")
        let checkpoint = try runKilledAfterFirstCheckpoint(sandbox)

        let resumed = try cli(["run", "exp.toml"])
        #expect(resumed.status == 0, "\(resumed.stdout)\n\(resumed.stderr)")
        #expect(resumed.stdout.contains("step data [data] cached"), "\(resumed.stdout)")
        #expect(resumed.stdout.contains("after step \(checkpoint.lastPathComponent.dropFirst("step-".count)) of 96"), "\(resumed.stdout)")
        #expect(!FileManager.default.fileExists(atPath: sandbox.path("store/resume").path), "resume state left after success")
        try expectReplayIdentical(cli)
    }

    @Test func aDamagedCheckpointIsReportedAndTrainingStartsOver() throws {
        let sandbox = try Sandbox(); defer { sandbox.cleanup() }
        let cli = CLIRun(directory: sandbox.directory)
        try sandbox.write(EngineStepsEndToEndTests.killedTraining, to: "exp.toml")
        let checkpoint = try runKilledAfterFirstCheckpoint(sandbox)
        let weights = try #require(try FileManager.default.contentsOfDirectory(atPath: checkpoint.path).first { $0.hasSuffix(".safetensors") })
        try Data("not safetensors".utf8).write(to: checkpoint.appendingPathComponent(weights))

        let rerun = try cli(["run", "exp.toml"])
        #expect(rerun.status == 0, "\(rerun.stdout)\n\(rerun.stderr)")
        #expect(rerun.stdout.contains("cannot resume from") && rerun.stdout.contains("starting over"), "\(rerun.stdout)")
        #expect(!rerun.stdout.contains("resuming from"), "\(rerun.stdout)")
        try expectReplayIdentical(cli)
    }
}
