import ArgumentParser
import Foundation
import Lineage
import Pipeline

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run an experiment file: cached steps are reused, the rest run in dependency order and are recorded.",
        discussion: """
            Each step's key hashes its kind, parameters, input ids, the engine version and the pinned \
            environment; a step whose key has a stored result is recorded as cached. A failed step \
            fails the run but keeps everything finished; run again to resume. One run per seed, \
            grouped. When a lock file sits beside the experiment file (x.toml → x.lock), the output \
            ids of every step are compared with it after the run, and the command exits 5 naming \
            every step whose output differs; --write-lock writes it from this run. When [engine] pins an OpenBLAS kernel family or thread count the process does not \
            have, the command re-executes itself with OPENBLAS_CORETYPE and OPENBLAS_NUM_THREADS set.
            """)
    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "The experiment file (TOML).") var file: String
    @Argument(help: "With --force: the steps to force (none named: all).") var forcedSteps: [String] = []
    @Flag(help: "Run steps even when cached: those named after the file, or all.") var force = false
    @Option(name: .long, help: "Run only this step and what it depends on (repeatable).") var only: [String] = []
    @Option(help: "Seeds to run, e.g. 1,2,3 (default: the experiment's seeds).") var seeds: String?
    @Flag(help: "Print the plan (cached / will run, with keys) without running anything.") var dryRun = false
    @Flag(help: "Refuse to run when the git work tree has uncommitted changes or untracked files.") var requireClean = false
    @Flag(help: "Keep each step's scratch directory (store/scratch/RUN/STEP) after it succeeds.") var keepScratch = false
    @Flag(help: "Write the output ids of this run to the lock file beside the experiment file (x.toml → x.lock).") var writeLock = false
    @Flag(help: "Do not compare the outputs with the lock file beside the experiment file.") var noLock = false
    @Option(name: .customLong("set"), help: ArgumentHelp("Use VALUE (TOML) at KEY instead of what the file says, e.g. steps.iopo.beta=0.2 (repeatable).", valueName: "KEY=VALUE"))
    var overrideArguments: [String] = []
    @Option(name: .customLong("sweep"), help: ArgumentHelp("Run once per value, e.g. steps.iopo.beta=0.05,0.1,0.2 (repeatable: the grid of all); one group.", valueName: "KEY=V1,V2,..."))
    var sweepArguments: [String] = []

    /// The `--set` values and the `--sweep` grid (each point the overrides of one variant).
    func variants() throws -> [[SpecOverride]] {
        let overrides = try overrideArguments.map { try SpecOverride(parsing: $0) }
        let grid = try SpecSweep.grid(try sweepArguments.map { try SpecSweep(parsing: $0) })
        for point in grid {
            for swept in point where overrides.contains(where: { $0.path == swept.path }) {
                throw SpecOverrideError(argument: swept.path.description, reason: "both --set and --sweep; give it once")
            }
        }
        return grid.map { overrides + $0 }
    }

    func validate() throws {
        if writeLock && noLock { throw ValidationError("--write-lock and --no-lock exclude each other") }
        if writeLock && dryRun { throw ValidationError("--write-lock needs a run; drop --dry-run") }
        if writeLock && !only.isEmpty { throw ValidationError("--write-lock records every step; drop --only") }
        if !forcedSteps.isEmpty && !force { throw ValidationError("unexpected arguments \(forcedSteps.joined(separator: " ")); to force steps write --force STEP...") }
        if writeLock && !(overrideArguments.isEmpty && sweepArguments.isEmpty) {
            throw ValidationError("--write-lock records the file as written; drop --set and --sweep")
        }
        do { _ = try variants() } catch let error as SpecOverrideError { throw ValidationError(error.description) }
    }

    func parsedSeeds() throws -> [Int]? {
        guard let seeds else { return nil }
        let parts = seeds.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        let values = parts.compactMap { Int($0) }
        guard values.count == parts.count, !values.isEmpty, values.allSatisfy({ $0 >= 0 }) else {
            throw CLIError.invalid("--seeds \(seeds): give non-negative integers separated by commas, e.g. 1,2,3")
        }
        guard Set(values).count == values.count else { throw CLIError.invalid("--seeds \(seeds): seeds repeat") }
        return values
    }

    func run() throws {
        let seedList = try parsedSeeds()
        try PipelineCLI.mapErrors {
            let parser = ExperimentParser(registry: PipelineCLI.registry())
            // Every variant is validated before anything runs.
            let specs = try variants().map { try parser.parse(contentsOf: file, overrides: $0) }
            let pinned = Set(specs.map { "\($0.engine.blas ?? "")/\($0.engine.threads)" })
            if pinned.count > 1 { throw CLIError.invalid("--sweep of [engine] settings: one process runs one kernel pin and thread count; run each value separately") }
            let spec = specs[0]
            if !dryRun { try BLASPinning.ensure(blas: spec.engine.blas, threads: spec.engine.threads) }
            var options = RunOptions(engineVersion: PipelineCLI.engineVersion)
            options.seeds = seedList
            options.force = force ? (forcedSteps.isEmpty ? .all : .steps(forcedSteps)) : .none
            options.only = only
            options.requireClean = requireClean
            options.keepScratch = keepScratch
            let lineage = try storeOptions.openLineage(.write)
            let runner = PipelineRunner(lineage: lineage, registry: PipelineCLI.registry(), reporter: PipelineCLI.reporter(json: output.json || dryRun))
            if specs.count > 1 || !sweepArguments.isEmpty {
                try runSweep(specs, runner: runner, lineage: lineage, options: options)
                return
            }
            if dryRun {
                try printPlans(try runner.plan(spec, options: options))
                return
            }
            let lockPath = OutputLock.path(forExperiment: file)
            // Read before the run, so a malformed lock fails before hours of work. Runs with
            // --set are variants of the file, so their outputs are not the lock's.
            let useLock = !noLock && !writeLock && overrideArguments.isEmpty && FileManager.default.fileExists(atPath: lockPath)
            let lock = useLock ? try OutputLock.read(from: lockPath) : nil
            let summaries = try runner.run(spec, options: options)
            if output.json { try Output.printJSON(summaries) }
            if summaries.count > 1, let group = summaries.first?.groupID, !output.json { print("group \(group): \(summaries.count) runs (iopo-exp table \(group))") }
            if writeLock {
                try OutputLock(spec: spec, runs: summaries).write(to: lockPath)
                if !output.json { print("wrote \(lockPath): the output ids of \(summaries.count) seed(s)") }
            }
            if let lock { try check(summaries, against: lock, at: lockPath, spec: spec) }
        }
    }

    /// Every variant of a sweep, all seeds, in one group: steps whose keys the variants share
    /// (those the swept keys do not reach) execute once and are cache hits after; then the
    /// group's runs table with the swept params and the final metrics.
    func runSweep(_ specs: [ExperimentSpec], runner: PipelineRunner, lineage: LineageDatabase, options: RunOptions) throws {
        if dryRun {
            var plans: [PlannedRun] = []
            for spec in specs {
                if !output.json { print("variant \(spec.overrides.map(\.description).joined(separator: " ")):") }
                let variantPlans = try runner.plan(spec, options: options)
                if output.json { plans += variantPlans } else { try printPlans(variantPlans) }
            }
            if output.json { try Output.printJSON(plans) }
            return
        }
        var options = options
        options.groupID = PipelineRunner.newGroupID()
        var summaries: [RunSummary] = []
        for spec in specs {
            summaries += try runner.run(spec, options: options)
        }
        if output.json { try Output.printJSON(summaries); return }
        // The summary's metrics: those of the steps the swept keys reached (their keys differ
        // between the runs), and of those only the table step's columns when there is one.
        let varied = Set(summaries.flatMap(\.steps).map(\.name).filter { name in
            Set(summaries.map { $0.steps.first { $0.name == name }?.key }).count > 1
        })
        let columns = specs[0].orderedSteps.filter { $0.kind == "table" }.compactMap { try? TableConfig(params: $0.params) }.flatMap(\.columns).map(\.metric)
        let runs = try summaries.map { try lineage.resolveRun($0.runID) }
        let table = try RunsTable.build(lineage: lineage, runs: runs,
                                        options: RunsTable.Options(params: true, metrics: [], metricSteps: varied, metricKeys: columns.isEmpty ? nil : Set(columns)))
        print("group \(options.groupID!): \(summaries.count) runs of \(specs.count) variants (all metrics: iopo-exp runs --group \(options.groupID!) --params --metrics)")
        PipelineCLI.write(table.text(markdown: false))
    }

    func printPlans(_ plans: [PlannedRun]) throws {
        if output.json { try Output.printJSON(plans); return }
                for plan in plans {
                    print("seed \(plan.seed):")
                    for step in plan.steps {
                        let key = step.key.map { String($0.dropFirst(7).prefix(16)) } ?? "(pending)"
                        var line = "  \(step.status.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0)) \(step.name) [\(step.kind)]  key \(key)"
                        if let from = step.cachedFromRun { line += "  from run \(from)" }
                        if let reason = step.reason { line += "  — \(reason)" }
                        print(line)
                    }
                }
    }

    /// Exit 5 naming every step whose output differs from the lock.
    func check(_ summaries: [RunSummary], against lock: OutputLock, at path: String, spec: ExperimentSpec) throws {
        let differences = lock.differences(from: summaries, onlySomeSteps: !only.isEmpty)
        guard !differences.isEmpty else {
            if !output.json { print("outputs match the lock \(path)") }
            return
        }
        var lines = differences.map { "  \($0)" }
        if lock.blas != spec.engine.blas || lock.threads != spec.engine.threads {
            lines.append("  the lock was made with blas \(lock.blas ?? "(OpenBLAS's choice)"), \(lock.threads) thread(s); this run used blas \(spec.engine.blas ?? "(OpenBLAS's choice)"), \(spec.engine.threads)")
        }
        let steps = Set(differences.map(\.step)).sorted()
        throw CLIError(code: .checkFailed, message: "outputs differ from the lock \(path) in \(steps.count) step(s): \(steps.joined(separator: ", "))\n" + lines.joined(separator: "\n")
                       + "\n(see docs/determinism.md; run --write-lock records this run's outputs as the lock)")
    }
}
