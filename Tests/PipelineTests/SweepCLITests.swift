import Foundation
import Pipeline
import Testing

/// `run --set`, `run --sweep` and `runs --params --metrics` through the built binary.
@Suite(.serialized) struct SweepCLITests {
    /// `gen` (shared by every variant) → `data` (synthetic TRACE, tiny; the swept step) → `count`
    /// (reads both).
    static let experiment = """
        [experiment]
        name = "sweep"

        [engine]
        blas = "haswell"
        threads = 1

        [steps.gen]
        kind = "command"
        argv = ["sh", "-c", "echo $WORD > {outputs.word}"]
        outputs = ["word"]
        env = { WORD = "hello" }

        [steps.data]
        kind = "data"
        train_quadruples = 4
        eval_in_domain = 3
        eval_out_of_domain = 2
        max_constraints = 3

        [steps.count]
        kind = "command"
        argv = ["sh", "-c", "cat {inputs.word} {inputs.eval}/* | wc -l > {outputs.lines}"]
        inputs = { word = "gen.word", eval = "data.eval" }
        outputs = ["lines"]
        """

    func json(_ text: String) throws -> Any { try JSONSerialization.jsonObject(with: Data(text.utf8)) }

    @Test func setChangesTheKeysAsAnEditedFileWouldAndReplays() throws {
        let sandbox = try Sandbox(); defer { sandbox.cleanup() }
        let cli = CLIRun(directory: sandbox.directory)
        try sandbox.write(SweepCLITests.experiment, to: "exp.toml")
        try sandbox.write(SweepCLITests.experiment.replacingOccurrences(of: "WORD = \"hello\"", with: "WORD = \"bye\""), to: "edited.toml")

        let set = try cli(["run", "exp.toml", "--set", "steps.gen.env.WORD=bye", "--json"])
        #expect(set.status == 0, "\(set.stderr)")
        let edited = try cli(["run", "edited.toml", "--json"])
        #expect(edited.status == 0, "\(edited.stderr)")
        func steps(_ text: String) throws -> [[String: Any]] { try #require((try json(text) as? [[String: Any]])?.first?["steps"] as? [[String: Any]]) }
        // The edited file finds every step of the --set run in the cache: the same keys.
        #expect(try steps(edited.stdout).allSatisfy { $0["status"] as? String == "cached" })
        #expect(try steps(set.stdout).map { $0["key"] as? String } == steps(edited.stdout).map { $0["key"] as? String })

        let show = try cli(["show", "last~1"])
        #expect(show.stdout.contains("set.steps.gen.env.WORD") && show.stdout.contains("bye"), "\(show.stdout)")
        let replay = try cli(["replay", "last~1", "--check"])
        #expect(replay.status == 0, "\(replay.stdout)\(replay.stderr)")

        // Without --set the file's value: a new key for gen.
        let plain = try cli(["run", "exp.toml", "--json"])
        #expect(try steps(plain.stdout).first { $0["name"] as? String == "gen" }?["status"] as? String == "succeeded")
        let diff = try cli(["diff", "last~1", "last"])
        #expect(diff.stdout.contains("hello") && diff.stdout.contains("bye"), "\(diff.stdout)")
    }

    @Test func badOverridesExitTwoNamingTheArgument() throws {
        let sandbox = try Sandbox(); defer { sandbox.cleanup() }
        let cli = CLIRun(directory: sandbox.directory)
        try sandbox.write(SweepCLITests.experiment, to: "exp.toml")
        let cases: [([String], String)] = [
            (["--set", "steps.data.train_quadruple=5"], "--set steps.data.train_quadruple=5: steps.data.train_quadruple"),
            (["--set", "steps.dat.train_quadruples=5"], "did you mean \"data\"?"),
            (["--set", "steps.data.train_quadruples=\"five\""], "--set steps.data.train_quadruples=\"five\""),
            (["--set", "steps.data.train_quadruples"], "expected KEY=VALUE"),
            (["--sweep", "steps.data.seed=1,1"], "repeats"),
            (["--set", "steps.data.seed=2", "--sweep", "steps.data.seed=1,3"], "both --set and --sweep"),
            (["--sweep", "engine.threads=1,2"], "one kernel pin and thread count"),
            (["--set", "steps.data.seed=2", "--write-lock"], "--write-lock"),
        ]
        for (arguments, fragment) in cases {
            let result = try cli(["run", "exp.toml"] + arguments)
            #expect(result.status == 2, "\(arguments): \(result.status) \(result.stderr)")
            #expect(result.stderr.contains(fragment), "\(arguments): \(result.stderr)")
        }
        // Nothing ran, nothing was recorded.
        #expect(try cli(["runs"]).stdout.isEmpty)
    }

    @Test func sweepRunsEveryVariantInOneGroupSharingUnchangedSteps() throws {
        let sandbox = try Sandbox(); defer { sandbox.cleanup() }
        let cli = CLIRun(directory: sandbox.directory)
        try sandbox.write(SweepCLITests.experiment, to: "exp.toml")

        let dry = try cli(["run", "exp.toml", "--sweep", "steps.data.eval_in_domain=3,5", "--dry-run"])
        #expect(dry.status == 0, "\(dry.stderr)")
        #expect(dry.stdout.contains("variant steps.data.eval_in_domain=3:") && dry.stdout.contains("variant steps.data.eval_in_domain=5:"), "\(dry.stdout)")
        // The dry run as JSON: a plan per variant, each with its own key for the swept step
        // and the same key for the untouched one; nothing recorded.
        let dryJSON = try cli(["run", "exp.toml", "--sweep", "steps.data.eval_in_domain=3,5", "--dry-run", "--json"])
        #expect(dryJSON.status == 0, "\(dryJSON.stderr)")
        let plans = try #require(try json(dryJSON.stdout) as? [[String: Any]], "\(dryJSON.stdout)")
        #expect(plans.count == 2, "\(dryJSON.stdout)")
        func plannedKey(_ plan: [String: Any], _ step: String) -> String? {
            (plan["steps"] as? [[String: Any]])?.first { $0["name"] as? String == step }?["key"] as? String
        }
        #expect(plannedKey(plans[0], "gen") != nil && plannedKey(plans[0], "gen") == plannedKey(plans[1], "gen"), "\(dryJSON.stdout)")
        #expect(plannedKey(plans[0], "data") != nil && plannedKey(plans[0], "data") != plannedKey(plans[1], "data"), "\(dryJSON.stdout)")
        #expect(try cli(["runs"]).stdout.isEmpty)

        let sweep = try cli(["run", "exp.toml", "--sweep", "steps.data.eval_in_domain=3,5", "--sweep", "steps.data.seed=1,2", "--json"])
        #expect(sweep.status == 0, "\(sweep.stderr)")
        let summaries = try #require(try json(sweep.stdout) as? [[String: Any]])
        #expect(summaries.count == 4)
        #expect(Set(summaries.compactMap { $0["group_id"] as? String ?? $0["groupID"] as? String }).count == 1)
        // gen is untouched by the sweep: executed by the first variant, a cache hit in the others.
        let gen = summaries.map { ($0["steps"] as? [[String: Any]])?.first { $0["name"] as? String == "gen" }?["status"] as? String }
        #expect(gen == ["succeeded", "cached", "cached", "cached"], "\(gen)")
        let data = summaries.map { ($0["steps"] as? [[String: Any]])?.first { $0["name"] as? String == "data" }?["status"] as? String }
        #expect(data == ["succeeded", "succeeded", "succeeded", "succeeded"], "\(data)")

        let group = try #require(try json(try cli(["runs", "--json", "--limit", "1"]).stdout) as? [[String: Any]]).first?["group_id"] as? String
        let table = try cli(["runs", "--group", try #require(group), "--params", "--metric", "data/eval_in_domain", "--csv"])
        #expect(table.status == 0, "\(table.stderr)")
        let lines = table.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "run,experiment,seed,status,steps.data.eval_in_domain,steps.data.seed,data/eval_in_domain", "\(table.stdout)")
        #expect(lines.count == 5)
        #expect(lines.dropFirst().map { $0.split(separator: ",").suffix(3).joined(separator: ",") } == ["3,1,3", "3,2,3", "5,1,5", "5,2,5"], "\(table.stdout)")
        let sorted = try cli(["runs", "--group", group!, "--sort-by", "eval_in_domain", "--ascending", "--md"])
        #expect(sorted.status == 0, "\(sorted.stderr)")
        #expect(sorted.stdout.contains("| run | experiment | seed | status | data/eval_in_domain |"), "\(sorted.stdout)")
        #expect(try cli(["runs", "--md"]).status == 2)
        // A group that does not exist is an error naming it, not an empty table.
        let unknown = try cli(["runs", "--group", "g0000dead", "--params"])
        #expect(unknown.status != 0 && unknown.stderr.contains("g0000dead"), "\(unknown.status) \(unknown.stderr)")
        #expect(try cli(["runs", "--sort-by", "nope"]).status == 2)
    }
}
