import Foundation
import Pipeline
import Testing

/// The built binary, end to end, on tiny experiments of `command` and `table` steps.
@Suite(.serialized) struct CLIEndToEndTests {
    /// gen (seeded) → upper → eval (metrics JSON) → tables; pinned to OpenBLAS haswell, 1 thread.
    static func experiment(paper: String, extra: String = "") -> String {
        """
        [experiment]
        name = "tiny"
        seeds = [1]

        [engine]
        blas = "haswell"
        threads = 1

        [steps.gen]
        kind = "command"
        argv = ["sh", "-c", "echo hello {seed} > {outputs.data}"]
        outputs = ["data"]

        [steps.upper]
        kind = "command"
        argv = ["sh", "-c", "tr a-z A-Z < {inputs.src} > {outputs.out}"]
        inputs = { src = "gen.data" }
        outputs = ["out"]

        [steps.eval_sft]
        kind = "command"
        argv = ["sh", "-c", "printf '{\\"in_domain\\": {\\"if_s\\": 0.4{seed}, \\"if_m\\": 0.2}}' > {outputs.metrics.json}"]
        outputs = ["metrics.json"]

        [steps.eval_iopo]
        kind = "command"
        argv = ["sh", "-c", "cat {inputs.x} > /dev/null; printf '{\\"in_domain\\": {\\"if_s\\": 0.5{seed}, \\"if_m\\": 0.3}}' > {outputs.metrics.json}"]
        inputs = { x = "upper.out" }
        outputs = ["metrics.json"]

        [steps.tables]
        kind = "table"
        paper = "file:\(paper)"
        main = { sft = "eval_sft.metrics.json", iopo = "eval_iopo.metrics.json" }
        columns = [
            { metric = "in_domain/if_s", label = "IF-S", paper = "IF-S", domain = "in_domain" },
            { metric = "in_domain/if_m", label = "IF-M", paper = "IF-M", domain = "in_domain" },
        ]
        \(extra)
        """
    }

    func json(_ text: String) throws -> Any { try JSONSerialization.jsonObject(with: Data(text.utf8)) }

    @Test func runRerunReplayDiffTableLogLineage() throws {
        let sandbox = try Sandbox(); defer { sandbox.cleanup() }
        let cli = CLIRun(directory: sandbox.directory)
        try sandbox.write(CLIEndToEndTests.experiment(paper: TableTests.paperFile.path), to: "exp.toml")

        let first = try cli(["run", "exp.toml"])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("step gen [command] succeeded") && first.stdout.contains("step tables [table] succeeded"), "\(first.stdout)")

        let again = try cli(["run", "exp.toml", "--json"])
        #expect(again.status == 0)
        let summaries = try #require(try json(again.stdout) as? [[String: Any]])
        let steps = try #require(summaries.first?["steps"] as? [[String: Any]])
        #expect(steps.count == 5 && steps.allSatisfy { $0["status"] as? String == "cached" })

        let show = try #require(try json(try cli(["show", "last", "--json"]).stdout) as? [String: Any])
        let environment = try #require(show["environment"] as? [String: Any])
        #expect((environment["blas_core"] as? String)?.lowercased() == "haswell")
        #expect(environment["blas_threads"] as? Int == 1)

        let replay = try cli(["replay", "last~1", "--check"])
        #expect(replay.status == 0, "\(replay.stdout)\(replay.stderr)")
        #expect(replay.stdout.contains("environment: same as recorded"))
        #expect(replay.stdout.contains("all 5 replayed steps are identical"))

        let seeds = try cli(["run", "exp.toml", "--seeds", "1,2"])
        #expect(seeds.status == 0)
        #expect(seeds.stdout.contains("group g"))
        let diff = try cli(["diff", "last~1", "last"])
        #expect(diff.status == 0)
        #expect(diff.stdout.contains("seed") && diff.stdout.contains("1  →  2"))
        #expect(diff.stdout.contains("gen.data") && diff.stdout.contains("upper.out"))
        #expect(!diff.stdout.contains("tables.paper"))
        let diffJSON = try #require(try json(try cli(["diff", "last~1", "last", "--json"]).stdout) as? [String: Any])
        #expect((diffJSON["entries"] as? [[String: Any]])?.allSatisfy { $0["changed"] as? Bool == true } == true)
        #expect(try cli(["diff", "last~1", "last", "--csv"]).stdout.hasPrefix("section,key,a,b,delta,changed"))

        let table = try cli(["table", "last", "--group", "--md"])
        #expect(table.status == 0, "\(table.stderr)")
        #expect(table.stdout.contains("mean ± std over 2 seeds (1, 2)"), "\(table.stdout)")
        #expect(table.stdout.contains("| SFT | 41.5 ± 0.7 | 76.0 | 20.0 ± 0.0 | 56.1 |"), "\(table.stdout)")
        #expect(table.stdout.contains("| SFT | +10.00 ± 0.00 | +8.15 |"), "\(table.stdout)")
        let single = try cli(["table", "last", "--json"])
        let report = try #require(try json(single.stdout) as? [String: Any])
        #expect((report["runs"] as? [String])?.count == 1)
        #expect(try cli(["table", "last", "--latex"]).stdout.contains("\\toprule"))

        #expect(try cli(["log", "last"]).stdout.contains("recorded no curves"))
        #expect(try cli(["log", "last", "--metric", "loss"]).status == 2)

        let lineage = try cli(["lineage", "last"])
        #expect(lineage.status == 0 && lineage.stdout.contains("step upper [command]"))
        let artifact = try #require(lineage.stdout.split(separator: "\n").first { $0.contains("out  out") }?.split(separator: " ").first { $0.count == 12 && $0.allSatisfy(\.isHexDigit) })
        let trace = try cli(["lineage", String(artifact)])
        #expect(trace.status == 0, "\(trace.stderr)")
        #expect(trace.stdout.contains("ancestors:") && trace.stdout.contains("step gen [command]") && trace.stdout.contains("step eval_iopo [command]"))
        #expect(try cli(["lineage", String(artifact), "--dot"]).stdout.hasPrefix("digraph lineage {"))
        #expect(try cli(["store", "verify", "--deep"]).status == 0)
    }

    @Test func replayCheckExitsFiveWhenAnOutputChanges() throws {
        let sandbox = try Sandbox(); defer { sandbox.cleanup() }
        let cli = CLIRun(directory: sandbox.directory)
        try sandbox.write("v1\n", to: "undeclared.txt")
        try sandbox.write("""
            [experiment]
            name = "leak"
            [steps.read]
            kind = "command"
            argv = ["sh", "-c", "cat \(sandbox.path("undeclared.txt").path) > {outputs.copy}; echo \\"$MODE\\" >> {outputs.copy}"]
            outputs = ["copy"]
            env = { MODE = "a" }

            """, to: "exp.toml")
        #expect(try cli(["run", "exp.toml"]).status == 0)
        #expect(try cli(["replay", "last", "--check"]).status == 0)
        try sandbox.write("v2\n", to: "undeclared.txt")
        let changed = try cli(["replay", "last", "--check"])
        #expect(changed.status == 5, "\(changed.stdout)\(changed.stderr)")
        #expect(changed.stdout.contains("different    read [command]"))
        #expect(changed.stdout.contains("first difference at byte 1"))
        #expect(changed.stderr.contains("not identical: read"))
        // Without --check a difference is reported, not an error.
        #expect(try cli(["replay", "last"]).status == 0)
        // The replay used the stored file, not the working tree: editing exp.toml changes nothing.
        try sandbox.write("v1\n", to: "undeclared.txt")
        try sandbox.write("garbage", to: "exp.toml")
        #expect(try cli(["replay", "last", "--check"]).status == 0)
    }

    @Test func failingStepExitsOneAndTheNextRunResumes() throws {
        let sandbox = try Sandbox(); defer { sandbox.cleanup() }
        let cli = CLIRun(directory: sandbox.directory)
        let gate = sandbox.path("gate").path
        try sandbox.write("""
            [experiment]
            name = "resume"
            [steps.one]
            kind = "command"
            argv = ["sh", "-c", "echo one > {outputs.x}"]
            outputs = ["x"]
            [steps.two]
            kind = "command"
            argv = ["sh", "-c", "test -e \(gate) || { echo 'no gate' >&2; exit 3; }; cat {inputs.x} > {outputs.y}"]
            inputs = { x = "one.x" }
            outputs = ["y"]

            """, to: "exp.toml")
        let failed = try cli(["run", "exp.toml"])
        #expect(failed.status == 1)
        #expect(failed.stderr.contains("step two failed") && failed.stderr.contains("exited with status 3") && failed.stderr.contains("no gate"), "\(failed.stderr)")
        #expect(try cli(["runs"]).stdout.contains("failed"))
        try sandbox.write("", to: "gate")
        let resumed = try cli(["run", "exp.toml"])
        #expect(resumed.status == 0)
        #expect(resumed.stdout.contains("step one [command] cached") && resumed.stdout.contains("step two [command] succeeded"), "\(resumed.stdout)")
    }

    @Test func sigkillMidRunLeavesAConsistentStoreAndTheNextRunResumes() throws {
        let sandbox = try Sandbox(); defer { sandbox.cleanup() }
        let cli = CLIRun(directory: sandbox.directory)
        let started = sandbox.path("started").path, fast = sandbox.path("fast").path, pid = sandbox.path("pid").path
        try sandbox.write("""
            [experiment]
            name = "kill"
            [steps.first]
            kind = "command"
            argv = ["sh", "-c", "echo 1 > {outputs.x}"]
            outputs = ["x"]
            [steps.slow]
            kind = "command"
            argv = ["sh", "-c", "cat {inputs.x} > {outputs.y}; touch \(started); if [ -e \(fast) ]; then exit 0; fi; echo $$ > \(pid); exec sleep 60"]
            inputs = { x = "first.x" }
            outputs = ["y"]
            [steps.last]
            kind = "command"
            argv = ["sh", "-c", "cat {inputs.y} {inputs.y} > {outputs.z}"]
            inputs = { y = "slow.y" }
            outputs = ["z"]

            """, to: "exp.toml")
        let process = try cli.start(["run", "exp.toml"])
        let deadline = Date().addingTimeInterval(30)
        while !FileManager.default.fileExists(atPath: pid) && Date() < deadline { usleep(20_000) }
        #expect(FileManager.default.fileExists(atPath: pid))
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        if let text = try? String(contentsOfFile: pid, encoding: .utf8), let child = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)) { kill(child, SIGKILL) }

        let running = try #require(try json(try cli(["runs", "--json"]).stdout) as? [[String: Any]])
        #expect(running.first?["status"] as? String == "running")
        let killedRun = try #require(running.first?["id"] as? String)
        let killedScratch = sandbox.path("store/scratch/\(killedRun)").path
        #expect(FileManager.default.fileExists(atPath: killedScratch + "/slow"))

        try sandbox.write("", to: "fast")
        let resumed = try cli(["run", "exp.toml"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        // The killed run's scratch directory went when the next run found its process gone.
        #expect(!FileManager.default.fileExists(atPath: killedScratch))
        #expect(resumed.stdout.contains("step first [command] cached"), "\(resumed.stdout)")
        #expect(resumed.stdout.contains("step slow [command] succeeded") && resumed.stdout.contains("step last [command] succeeded"))
        let runs = try #require(try json(try cli(["runs", "--json"]).stdout) as? [[String: Any]])
        #expect(runs.map { $0["status"] as? String } == ["succeeded", "interrupted"])
        let killed = try #require(try json(try cli(["show", "last~1", "--json"]).stdout) as? [String: Any])
        let killedSteps = try #require(killed["steps"] as? [[String: Any]])
        #expect(killedSteps.compactMap { ($0["step"] as? [String: Any])?["status"] as? String } == ["succeeded", "failed"])
        #expect(try cli(["store", "verify", "--deep"]).status == 0)
        #expect(try cli(["replay", "last", "--check"]).status == 0)
    }

    @Test func invalidExperimentExitsTwoWithFileLineColumn() throws {
        let sandbox = try Sandbox(); defer { sandbox.cleanup() }
        let cli = CLIRun(directory: sandbox.directory)
        try sandbox.write("[experiment]\nname = \"bad\"\n[steps.a]\nkind = \"command\"\nargv = [\"true\"]\nouputs = [\"x\"]\n", to: "bad.toml")
        for command in [["run", "bad.toml"], ["run", "bad.toml", "--dry-run"], ["validate", "bad.toml"]] {
            let result = try cli(command)
            #expect(result.status == 2)
            #expect(result.stderr.contains("bad.toml:6:1: steps.a.ouputs: unknown parameter \"ouputs\"; did you mean \"outputs\"?"), "\(result.stderr)")
        }
        try sandbox.write("[experiment]\nname = \"ok\"\n[steps.a]\nkind = \"command\"\nargv = [\"true\"]\n", to: "ok.toml")
        #expect(try cli(["run", "ok.toml", "--only", "b"]).stderr.contains("no step \"b\""))
        #expect(try cli(["run", "ok.toml", "--seeds", "1,x"]).status == 2)
        #expect(try cli(["run", "ok.toml", "a"]).status == 2)
        let plan = try cli(["run", "ok.toml", "--dry-run"])
        #expect(plan.status == 0 && plan.stdout.contains("run      a [command]  key "), "\(plan.stdout)")
    }

    @Test func theFullScaleConfigurationValidates() throws {
        let file = repositoryRoot.appendingPathComponent("experiments/iopo_qwen2_7b.toml")
        let spec = try ExperimentParser(registry: .standard, checkFiles: false).parse(contentsOf: file.path)
        #expect(spec.name == "iopo_qwen2_7b")
        #expect(spec.order.first == "base" && spec.order.last == "tables")
        #expect(Set(spec.steps.keys) == ["base", "dataset", "sft", "sft_merge", "dpo", "dpo_merge", "iopo", "iopo_merge", "eval_script",
                                         "eval_instruct", "eval_sft", "eval_dpo", "eval_iopo", "tables"])
        func yaml(_ step: String) -> String {
            spec.steps[step]!.params["files"]!.tableValue!.values.first!.stringValue!
        }
        for (step, rate) in [("sft", "1.0e-4"), ("dpo", "5.0e-6"), ("iopo", "5.0e-6")] {
            let config = yaml(step)
            for line in ["lora_rank: 8", "lora_alpha: 16", "num_train_epochs: 3.0", "lr_scheduler_type: cosine", "warmup_ratio: 0.1",
                         "per_device_train_batch_size: 1", "gradient_accumulation_steps: 8", "cutoff_len: 6000", "learning_rate: \(rate)", "seed: {seed}"] {
                #expect(config.contains(line), "\(step) lacks \(line)")
            }
        }
        #expect(yaml("dpo").contains("pref_beta: 0.1") && yaml("iopo").contains("pref_beta: 0.1") && yaml("iopo").contains("stage: iopo"))
        #expect(yaml("eval_script").contains("--tensor-parallel-size") && yaml("eval_script").contains("--judge llm"))
        #expect(spec.steps["sft"]!.usesSeed && !spec.steps["eval_script"]!.usesSeed)
        #expect(spec.steps["eval_iopo"]!.params["pass_env"]!.arrayValue!.contains(.string("OPENAI_API_KEY")))
        #expect(spec.steps["tables"]!.dependencies.sorted() == ["eval_dpo", "eval_instruct", "eval_iopo", "eval_sft"])
        // With files checked and no data configured, it says which variables to set, where.
        #expect {
            try ExperimentParser(registry: .standard, checkFiles: true, environment: [:]).parse(contentsOf: file.path)
        } throws: { error in
            let text = "\(error)"
            return text.contains("IOPO_TRACE_TRAIN is not set") && text.contains("iopo_qwen2_7b.toml:")
        }
    }
}
