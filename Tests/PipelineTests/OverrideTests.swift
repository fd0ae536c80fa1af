import Foundation
import Pipeline
import Testing

/// `run --set` and `--sweep` below the CLI: values typed as TOML, applied before validation,
/// reported against the argument, recorded and replayed.
@Suite struct OverrideTests {
    static let experiment = """
        [experiment]
        name = "o"

        [engine]
        threads = 1

        [steps.a]
        kind = "test-only"
        text = "a"
        rate = 0.5

        [steps.b]
        kind = "test-only"
        data = ["a.out"]
        text = "b"
        """

    func parse(_ overrides: [String], text: String = OverrideTests.experiment) throws -> ExperimentSpec {
        let sandbox = try Sandbox(); defer { sandbox.cleanup() }
        try sandbox.write(text, to: "exp.toml")
        return try ExperimentParser(registry: sandbox.registry).parse(contentsOf: sandbox.path("exp.toml").path,
                                                                      overrides: try overrides.map { try SpecOverride(parsing: $0) })
    }

    @Test func valuesAreTypedAsTOML() throws {
        #expect(try SpecOverride(parsing: "steps.a.rate=0.25").value == .number(0.25))
        #expect(try SpecOverride(parsing: "engine.threads=2").value == .integer(2))
        #expect(try SpecOverride(parsing: "steps.a.seeded=true").value == .bool(true))
        #expect(try SpecOverride(parsing: "steps.a.text=\"x, y\"").value == .string("x, y"))
        #expect(try SpecOverride(parsing: "steps.a.data=[\"b.out\"]").value == .array([.string("b.out")]))
        #expect(try SpecOverride(parsing: "steps.s.lora={ rank = 4 }").value == .table(["rank": .integer(4)]))
        // A bare word is a string, so kernel names and paths need no quotes.
        #expect(try SpecOverride(parsing: "engine.blas=skylakex").value == .string("skylakex"))
        #expect(try SpecOverride(parsing: "steps.s.from=file:../m").value == .string("file:../m"))
        #expect(try SpecOverride(parsing: " steps.a.rate = 1e-4 ").path == SpecPath(keys: ["steps", "a", "rate"]))
    }

    @Test func malformedArgumentsAreRefusedNamingThem() throws {
        for (argument, fragment) in [("steps.a.rate", "expected KEY=VALUE"), ("rate=1", "not a dotted key"), ("steps..a=1", "not a dotted key"),
                                     ("steps.a.rate=", "no value"), ("steps.a.text=[1, ", "not a TOML value"), ("steps.a.t=1979-05-27", "dates")] {
            #expect(throws: SpecOverrideError.self) { try SpecOverride(parsing: argument) }
            do { _ = try SpecOverride(parsing: argument) } catch {
                #expect(error.description.hasPrefix("--set \(argument.trimmingCharacters(in: .whitespaces))") || error.description.contains(argument), "\(error)")
                #expect(error.description.contains(fragment), "\(error)")
            }
        }
    }

    @Test func anOverrideReplacesTheFilesValueAndEntersTheParams() throws {
        let plain = try parse([])
        let spec = try parse(["steps.a.rate=0.25", "steps.b.seeded=true"])
        #expect(plain.steps["a"]!.params["rate"] == .number(0.5))
        #expect(spec.steps["a"]!.params["rate"] == .number(0.25))
        #expect(spec.steps["b"]!.params["seeded"] == .bool(true))
        #expect(spec.overrides.map(\.paramKey) == ["set.steps.a.rate", "set.steps.b.seeded"])
        // The file as written is what the run stores; the overrides are recorded beside it.
        #expect(spec.source == plain.source)
    }

    @Test func problemsInAnOverrideNameTheArgumentNotTheFile() throws {
        do {
            _ = try parse(["steps.a.rat=0.25"])
            Issue.record("an unknown parameter was accepted")
        } catch let error as ConfigFileError {
            let diagnostic = try #require(error.diagnostics.first)
            #expect(diagnostic.override == "steps.a.rat=0.25")
            #expect(diagnostic.description.hasPrefix("--set steps.a.rat=0.25: steps.a.rat: "), "\(diagnostic)")
            #expect(diagnostic.description.contains("rate"), "the nearest name is suggested: \(diagnostic)")
        }
        do {
            _ = try parse(["steps.a.rate=\"fast\""])
            Issue.record("a string rate was accepted")
        } catch let error as ConfigFileError {
            #expect(error.diagnostics.first?.override == "steps.a.rate=\"fast\"")
        }
    }

    @Test func aMisspeltStepOrSectionIsAnErrorNotANewTable() throws {
        #expect(throws: SpecOverrideError.self) { try parse(["steps.aa.rate=1"]) }
        do { _ = try parse(["steps.aa.rate=1"]) } catch let error as SpecOverrideError {
            #expect(error.description.contains("the experiment file has no steps.aa"), "\(error)")
            #expect(error.description.contains("did you mean \"a\"?"), "\(error)")
        }
        do { _ = try parse(["steps.a.text.x=1"]) } catch let error as SpecOverrideError {
            #expect(error.description.contains("steps.a.text is a string, not a table"), "\(error)")
        }
    }

    @Test func overlappingOverridesAreRefused() throws {
        #expect(throws: SpecOverrideError.self) { try parse(["steps.a.rate=1", "steps.a.rate=2"]) }
        #expect(throws: SpecOverrideError.self) { try parse(["steps.a={ kind = \"test-only\" }", "steps.a.rate=2"]) }
    }

    @Test func recordedParamsReadBackAsTheSameOverride() throws {
        let override = try SpecOverride(parsing: "steps.a.data=[\"x.out\", \"y.out\"]")
        let read = try #require(SpecOverride(param: override.paramKey, value: override.valueText))
        #expect(read == override)
        #expect(SpecOverride(param: "engine.threads", value: "2") == nil)
    }

    @Test func sweepValuesSplitAtTopLevelCommasAndFormAGrid() throws {
        let beta = try SpecSweep(parsing: "steps.a.rate=0.05,0.1, 0.2")
        #expect(beta.values.map(\.value) == [.number(0.05), .number(0.1), .number(0.2)])
        let lists = try SpecSweep(parsing: "steps.b.data=[\"a.out\", \"a.out\"],[\"a.out\"]")
        #expect(lists.values.count == 2)
        let texts = try SpecSweep(parsing: "steps.a.text=\"x,y\",z")
        #expect(texts.values.map(\.value) == [.string("x,y"), .string("z")])
        let grid = try SpecSweep.grid([beta, texts])
        #expect(grid.count == 6)
        #expect(grid.map { $0.map(\.valueText) }.prefix(3) == [["0.05", "\"x,y\""], ["0.05", "z"], ["0.1", "\"x,y\""]])
        #expect(try SpecSweep.grid([]).count == 1)
        #expect(throws: SpecOverrideError.self) { try SpecSweep(parsing: "steps.a.rate=0.1,0.10") }
        #expect(throws: SpecOverrideError.self) { try SpecSweep(parsing: "steps.a.rate=0.1,,0.2") }
        #expect(throws: SpecOverrideError.self) { try SpecSweep(parsing: "steps.a.text=\"x,y") }
        #expect(throws: SpecOverrideError.self) { try SpecSweep.grid([beta, beta]) }
    }

    @Test func overriddenRunsKeyRecordAndReplayAsIfTheFileSaidIt() throws {
        let sandbox = try Sandbox(); defer { sandbox.cleanup() }
        let overridden = OverrideTests.experiment.replacingOccurrences(of: "rate = 0.5", with: "rate = 0.25")
        try sandbox.write(OverrideTests.experiment, to: "exp.toml")
        try sandbox.write(overridden, to: "edited.toml")
        let parser = ExperimentParser(registry: sandbox.registry)
        let viaSet = try parser.parse(contentsOf: sandbox.path("exp.toml").path, overrides: [try SpecOverride(parsing: "steps.a.rate=0.25")])
        let viaFile = try parser.parse(contentsOf: sandbox.path("edited.toml").path)
        let runner = sandbox.runner()
        let a = try runner.run(viaSet, options: sandbox.options())[0]
        let b = try runner.run(viaFile, options: sandbox.options())[0]
        // Same keys as the edited file: the second run is all cache hits.
        #expect(a.steps.map(\.key) == b.steps.map(\.key))
        #expect(b.cached == 2)
        let details = try sandbox.lineage.details(of: a.runID)
        #expect(details.params.contains { $0.stepName.isEmpty && $0.key == "set.steps.a.rate" && $0.value == "0.25" })
        #expect(details.params.contains { $0.stepName == "a" && $0.key == "rate" && $0.value == "0.25" })
        #expect(try sandbox.lineage.resolveRun(a.runID).name == "o seed 1 steps.a.rate=0.25")
        // The replay reads the stored file and the recorded overrides.
        let stored = try Replayer(lineage: sandbox.lineage, registry: sandbox.registry).storedSpec(of: try sandbox.lineage.resolveRun(a.runID))
        #expect(stored.steps["a"]!.params["rate"] == .number(0.25))
    }

    @Test func runsTableShowsDifferingParamsAndSortsByAMetric() throws {
        let sandbox = try Sandbox(); defer { sandbox.cleanup() }
        try sandbox.write(OverrideTests.experiment, to: "exp.toml")
        let parser = ExperimentParser(registry: sandbox.registry)
        let runner = sandbox.runner()
        var options = sandbox.options()
        options.groupID = PipelineRunner.newGroupID()
        for text in ["\"a\"", "\"aaaa\"", "\"aa\""] {
            let spec = try parser.parse(contentsOf: sandbox.path("exp.toml").path, overrides: [try SpecOverride(parsing: "steps.a.text=\(text)")])
            _ = try runner.run(spec, options: options)
        }
        let runs = try RunSelection.group(sandbox.lineage, options.groupID!)
        #expect(runs.count == 3)
        let table = try RunsTable.build(lineage: sandbox.lineage, runs: runs,
                                        options: RunsTable.Options(params: true, metrics: ["a/length"], sortBy: "a/length"))
        // Only the param that differs; step a's length metric, longest text first.
        #expect(table.paramColumns == ["steps.a.text"])
        #expect(table.metricColumns == ["a/length"])
        #expect(table.rows.map { $0.params["steps.a.text"] } == ["aaaa", "aa", "a"])
        let ascending = try RunsTable.build(lineage: sandbox.lineage, runs: runs,
                                            options: RunsTable.Options(params: true, metrics: ["length"], sortBy: "a/length", ascending: true))
        #expect(ascending.rows.map { $0.params["steps.a.text"] } == ["a", "aa", "aaaa"])
        #expect(ascending.metricColumns == ["a/length", "b/length"])
        // An ambiguous or unknown sort column is refused, naming the candidates.
        #expect(throws: PipelineError.self) { try RunsTable.build(lineage: sandbox.lineage, runs: runs, options: RunsTable.Options(metrics: [], sortBy: "length")) }
        #expect(throws: PipelineError.self) { try RunsTable.build(lineage: sandbox.lineage, runs: runs, options: RunsTable.Options(metrics: ["nope"])) }
        let csv = table.csv.split(separator: "\n")
        #expect(csv.first == "run,experiment,seed,status,steps.a.text,a/length")
        #expect(csv.count == 4)
        #expect(table.text(markdown: true).contains("| run | experiment | seed | status | steps.a.text | a/length |"))
    }
}
