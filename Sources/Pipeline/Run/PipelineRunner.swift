import Foundation
import Lineage
import Store

/// Runs experiments: plans the steps (`RunPlanner`), reuses cached results by key, executes the
/// rest in dependency order (`RunAttempt`), stores every output and records the run in the
/// lineage database (`LineageRecorder`, which owns the order of the writes).
public final class PipelineRunner {
    public let lineage: LineageDatabase
    public let registry: StepRegistry
    public let reporter: any RunReporter
    var store: ObjectStore { lineage.store }

    public init(lineage: LineageDatabase, registry: StepRegistry, reporter: any RunReporter = SilentReporter()) {
        self.lineage = lineage
        self.registry = registry
        self.reporter = reporter
    }

    /// The engine environment that goes into keys: the pinned kernel family, or the one
    /// OpenBLAS chose when the experiment pins none.
    public static func engineEnvironment(_ spec: ExperimentSpec, version: String) -> EngineEnvironment {
        EngineEnvironment(version: version, blas: spec.engine.blas ?? BLASInfo.current.core.lowercased(), threads: spec.engine.threads)
    }

    /// The steps to run, in order, after `--only`; checks `--only` and `--force` names.
    func selectedSteps(_ spec: ExperimentSpec, _ options: RunOptions) throws -> [String] {
        var named = options.only
        if case .steps(let forced) = options.force { named += forced }
        for name in named where spec.steps[name] == nil {
            throw PipelineError.unknownStep(name, hint: NearestName.hint(for: name, among: spec.order, what: "step"))
        }
        return options.only.isEmpty ? spec.order : spec.closure(of: options.only)
    }

    /// Stores every `file:` input the selected steps use (they are hashed like any artifact).
    func storeFileInputs(_ spec: ExperimentSpec, steps: [String]) throws -> [String: ArtifactRef] {
        var stored: [String: ArtifactRef] = [:]
        for name in steps {
            for input in spec.steps[name]!.inputs {
                guard case .file(let reference, let path) = input.source, stored[reference] == nil else { continue }
                guard let path else { throw PipelineError.invalidRequest("file input \(reference) of step \(name) was not resolved") }
                stored[reference] = ArtifactRef(try store.add(path: path.path), name: reference)
            }
        }
        return stored
    }

    /// The planner of a run of `spec`: selected steps, stored file inputs, the cache index.
    func planner(_ spec: ExperimentSpec, options: RunOptions) throws -> RunPlanner {
        let selected = try selectedSteps(spec, options)
        return RunPlanner(spec: spec, steps: selected, registry: registry, force: options.force,
                          engine: PipelineRunner.engineEnvironment(spec, version: options.engineVersion),
                          files: try storeFileInputs(spec, steps: selected), cache: try StepCacheIndex(lineage: lineage))
    }

    // MARK: dry run

    /// What `run` would do, without running or recording anything (file inputs are stored so
    /// that their ids, and so the keys, are known): each seed's plan as `run` starts it.
    public func plan(_ spec: ExperimentSpec, options: RunOptions) throws -> [PlannedRun] {
        let planner = try planner(spec, options: options)
        return try (options.seeds ?? spec.seeds).map { seed in
            PlannedRun(seed: seed, steps: try planner.plan(seed: seed).steps.map(PlannedStep.init))
        }
    }

    // MARK: running

    /// A new group id: `g` and a run id's random tail.
    public static func newGroupID() -> String { "g" + String(LineageDatabase.newRunID().dropFirst()) }

    /// The runs' names: the experiment and seed, and a sweep point's overrides.
    static func runName(_ spec: ExperimentSpec, seed: Int) -> String {
        let overrides = spec.overrides.map(\.description).joined(separator: " ")
        return "\(spec.name) seed \(seed)" + (overrides.isEmpty ? "" : " " + overrides)
    }

    /// Runs the experiment once per seed (all runs in one group). Throws
    /// `PipelineError.stepFailed` when a step fails, after recording the failure.
    public func run(_ spec: ExperimentSpec, options: RunOptions) throws -> [RunSummary] {
        _ = try selectedSteps(spec, options)
        try lineage.markInterruptedRuns()
        try Scratch.removeAbandoned(in: options.scratchRoot ?? store.scratchDirectory, lineage: lineage)
        let specID = try store.addBytes(Array(spec.source.utf8))
        let gitDirectory = options.gitDirectory ?? URL(fileURLWithPath: spec.file).deletingLastPathComponent()
        let git = try GitCapture.capture(directory: gitDirectory) { patch in try self.store.addBytes(patch).description }
        if options.requireClean && !git.isClean { throw GitCaptureError.notClean(modified: git.dirty, untracked: git.untracked) }
        let environment = EnvironmentSnapshot.capture(toolVersion: options.engineVersion)
        let planner = try planner(spec, options: options)
        let groupID = options.groupID ?? PipelineRunner.newGroupID()
        var summaries: [RunSummary] = []
        for seed in options.seeds ?? spec.seeds {
            let recorder = try LineageRecorder.beginRun(in: lineage, experiment: spec.name, name: PipelineRunner.runName(spec, seed: seed),
                                                        specObject: specID.description, git: git, environment: environment,
                                                        groupID: groupID, seed: seed)
            let attempt = RunAttempt(runner: self, planner: planner, recorder: recorder, options: options, seed: seed)
            do {
                summaries.append(try attempt.execute())
            } catch {
                // A step's own failure is recorded already. Any other error (the store or the
                // database refused a write): the run and whatever step was in flight are marked
                // failed, nothing else changes.
                if case PipelineError.stepFailed = error {} else { recorder.runFailed(error: "\(error)") }
                throw error
            }
        }
        return summaries
    }
}
