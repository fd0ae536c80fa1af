import Foundation
import Pipeline
import Testing

/// The bundled engine's step kinds (`data`, `train`, `serve`, `eval`, `table`) through the built
/// binary: the main experiment file itself, shrunk to a tiny model and a handful of instructions,
/// run, rerun from the cache and replayed bit for bit; and a `train` step killed mid-training that
/// the next run continues from its checkpoint, ending identical to an uninterrupted run.
@Suite(.serialized) struct EngineStepsEndToEndTests {
    /// `experiments/iopo_qwen2.toml` with every size replaced by a tiny one (same steps, same
    /// references, same table), so the test exercises the file users run.
    static func tinyMainExperiment() throws -> String {
        var text = try String(contentsOf: repositoryRoot.appendingPathComponent("experiments/iopo_qwen2.toml"), encoding: .utf8)
        let sizes: [(String, String)] = [
            ("threads", "1"), ("hidden_size", "16"), ("num_hidden_layers", "1"), ("num_attention_heads", "2"),
            ("num_key_value_heads", "1"), ("intermediate_size", "32"), ("vocab_size", "320"),
            ("train_quadruples", "8"), ("eval_in_domain", "3"), ("eval_out_of_domain", "2"), ("max_constraints", "3"),
            ("max_examples", "4"),
        ]
        for (key, value) in sizes {
            let pattern = try Regex("(?m)^\(key) = .*$")
            #expect(text.contains(pattern), "experiments/iopo_qwen2.toml has no `\(key) = …` line")
            text = text.replacing(pattern, with: "\(key) = \(value)")
        }
        // Short answers keep generation quick; the judge still checks every constraint.
        return text.replacingOccurrences(of: "judge = \"rule\"", with: "judge = \"rule\"\nmax_tokens = 24")
    }

    func json(_ text: String) throws -> Any { try JSONSerialization.jsonObject(with: Data(text.utf8)) }

    @Test func theMainExperimentAtTinySizeRunsCachesReplaysAndTabulates() throws {
        let sandbox = try Sandbox(); defer { sandbox.cleanup() }
        let cli = CLIRun(directory: sandbox.directory)
        try sandbox.write(try EngineStepsEndToEndTests.tinyMainExperiment(), to: "exp.toml")
        try FileManager.default.copyItem(at: TableTests.paperFile, to: sandbox.path("paper_results.toml"))

        let first = try cli(["run", "exp.toml"])
        #expect(first.status == 0, "\(first.stdout)\n\(first.stderr)")
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

        let diff = try cli(["diff", "last", "last~1", "--all"])
        #expect(diff.status == 0, "\(diff.stderr)")
        #expect(diff.stdout.contains("eval_iopo/in_domain/if_s"), "\(diff.stdout)")
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
