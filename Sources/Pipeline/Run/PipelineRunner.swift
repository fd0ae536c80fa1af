import Foundation
import Lineage
import Store

/// Runs experiments: plans the steps, reuses cached results by key, executes the rest in
/// dependency order, stores every output and records the run in the lineage database.
///
/// Write order, so that a crash (even SIGKILL) at any point leaves a consistent store and
/// database: an object is stored before any row names it; a step's row is marked succeeded
/// only after its outputs, edges, metrics and params are recorded; the run is marked succeeded
/// last. A run left `running` by a dead process is marked interrupted when the next run starts
/// (`markInterruptedRuns`), and that run finds every finished step in the cache.
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

    func isForced(_ name: String, _ options: RunOptions) -> Bool {
        switch options.force {
        case .none: return false
        case .all: return true
        case .steps(let names): return names.contains(name)
        }
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

    // MARK: dry run

    /// What `run` would do, without running or recording anything (file inputs are stored so
    /// that their ids, and so the keys, are known).
    public func plan(_ spec: ExperimentSpec, options: RunOptions) throws -> [PlannedRun] {
        let selected = try selectedSteps(spec, options)
        let files = try storeFileInputs(spec, steps: selected)
        let cache = try StepCacheIndex(lineage: lineage)
        let engine = PipelineRunner.engineEnvironment(spec, version: options.engineVersion)
        var plans: [PlannedRun] = []
        for seed in options.seeds ?? spec.seeds {
            var produced: [String: [String: ArtifactRef]] = [:]
            var serviceKeys: [String: String] = [:]
            var waitingOn: [String: String] = [:]
            var steps: [PlannedStep] = []
            for name in selected {
                let step = spec.steps[name]!
                let executor = registry.executor(for: step.kind)!
                var inputIDs: [String: String] = [:]
                var blocker: String?
                for input in step.inputs {
                    switch input.source {
                    case .file(let reference, _): inputIDs[input.name] = files[reference]!.id
                    case .step(let source, let output):
                        if input.isEndpoint, let key = serviceKeys[source] { inputIDs[input.name] = "endpoint:" + key }
                        else if let artifact = produced[source]?[output] { inputIDs[input.name] = artifact.id }
                        else { blocker = blocker ?? waitingOn[source] ?? source }
                    }
                }
                if let blocker {
                    waitingOn[name] = blocker
                    steps.append(PlannedStep(status: step.isService ? "service" : "pending", name: name, kind: step.kind, key: nil,
                                             reason: "its key depends on outputs of \(blocker), which will run first"))
                    continue
                }
                let key = StepKey.compute(step: step, kindVersion: executor.version, inputIDs: inputIDs, engine: engine, seed: seed)
                if step.isService {
                    serviceKeys[name] = key
                    steps.append(PlannedStep(status: "service", name: name, kind: step.kind, key: key, reason: "started only if a step that runs needs it"))
                    continue
                }
                let expected = step.outputs.map(\.name)
                if !isForced(name, options), let hit = cache.lookup(key, expectedOutputs: expected) {
                    produced[name] = hit.outputs
                    steps.append(PlannedStep(status: "cached", name: name, kind: step.kind, key: key, cachedFromRun: hit.runID))
                } else {
                    waitingOn[name] = name
                    steps.append(PlannedStep(status: "run", name: name, kind: step.kind, key: key,
                                             reason: isForced(name, options) ? "forced" : "no cached result with this key"))
                }
            }
            plans.append(PlannedRun(seed: seed, steps: steps))
        }
        return plans
    }

    // MARK: running

    /// Runs the experiment once per seed (all runs in one group). Throws
    /// `PipelineError.stepFailed` when a step fails, after recording the failure.
    public func run(_ spec: ExperimentSpec, options: RunOptions) throws -> [RunSummary] {
        let selected = try selectedSteps(spec, options)
        try lineage.markInterruptedRuns()
        let specID = try store.addBytes(Array(spec.source.utf8))
        let gitDirectory = options.gitDirectory ?? URL(fileURLWithPath: spec.file).deletingLastPathComponent()
        let git = try GitCapture.capture(directory: gitDirectory) { patch in try self.store.addBytes(patch).description }
        if options.requireClean && !git.isClean { throw GitCaptureError.notClean(modified: git.dirty, untracked: git.untracked) }
        let environment = EnvironmentSnapshot.capture(toolVersion: options.engineVersion)
        let engine = PipelineRunner.engineEnvironment(spec, version: options.engineVersion)
        let files = try storeFileInputs(spec, steps: selected)
        let cache = try StepCacheIndex(lineage: lineage)
        let groupID = "g" + String(LineageDatabase.newRunID().dropFirst())
        var summaries: [RunSummary] = []
        for seed in options.seeds ?? spec.seeds {
            let run = try lineage.beginRun(experiment: spec.name, name: "\(spec.name) seed \(seed)", specObject: specID.description,
                                           git: git, environment: environment, groupID: groupID, seed: seed)
            var attempt = RunAttempt(runner: self, spec: spec, options: options, run: run, seed: seed, engine: engine,
                                     files: files, cache: cache, steps: selected)
            do {
                summaries.append(try attempt.execute())
            } catch let error as PipelineError {
                throw error
            } catch {
                // Not a step's own failure (the store or the database refused a write): the
                // run and whatever step was in flight are marked failed, nothing else changes.
                if let details = try? lineage.details(of: run.id) {
                    for row in details.steps where row.step.status == .running {
                        try? lineage.finishStep(row.step.id!, status: .failed, error: "\(error)")
                    }
                }
                try? lineage.finishRun(run.id, status: .failed, error: "\(error)")
                throw error
            }
        }
        return summaries
    }
}

/// One run (one seed) in progress.
private struct RunAttempt {
    let runner: PipelineRunner
    let spec: ExperimentSpec
    let options: RunOptions
    let run: RunRecord
    let seed: Int
    let engine: EngineEnvironment
    let files: [String: ArtifactRef]
    let cache: StepCacheIndex
    let steps: [String]

    var lineage: LineageDatabase { runner.lineage }
    var reporter: any RunReporter { runner.reporter }
    var scratch: URL { (options.scratchRoot ?? runner.store.root.appendingPathComponent("scratch")).appendingPathComponent(run.id) }

    mutating func execute() throws -> RunSummary {
        let started = Date()
        reporter.runStarted(runID: run.id, experiment: spec.name, seed: seed, steps: steps.count)
        try recordParams()

        var produced: [String: [String: ArtifactRef]] = [:]
        var summaries: [StepSummary] = []
        var serviceRows: [String: Int64] = [:]
        let runID = run.id
        let lineage = self.lineage
        let reporter = self.reporter
        let store = runner.store
        let registry = runner.registry
        let seed = self.seed
        let engine = self.engine
        let scratch = self.scratch

        let services = ServiceManager(start: { service in
            let row = try lineage.beginStep(runID: runID, name: service.step.name, kind: service.step.kind, key: service.key)
            serviceRows[service.step.name] = row.id!
            try RunAttempt.recordInputs(lineage, stepID: row.id!, service.inputs, services: nil)
            reporter.stepStarted(service.step.name, kind: service.step.kind)
            let execution = StepExecution(store: store, executor: registry.executor(for: service.step.kind)!, step: service.step,
                                          directory: scratch.appendingPathComponent(service.step.name), seed: seed, engine: engine, reporter: reporter)
            do {
                let outcome = try execution.run(inputs: service.inputs) { _, _ in throw StepFailure.message("services cannot depend on services") }
                reporter.stepFinished(service.step.name, kind: service.step.kind, status: "running", seconds: 0,
                                      detail: outcome.endpoints.keys.sorted().map { "\($0) at \(outcome.endpoints[$0]!.url)" }.joined(separator: ", "))
                return (outcome.endpoints, execution.directory)
            } catch let failure as StepExecutionError {
                try? RunAttempt.recordArtifacts(lineage, stepID: row.id!, failure.logs, direction: .output)
                try? lineage.finishStep(row.id!, status: .failed, error: failure.message)
                reporter.stepFinished(service.step.name, kind: service.step.kind, status: "failed", seconds: 0, detail: failure.message)
                throw StepFailure.message("service \(service.step.name) failed to start: \(failure.message)")
            }
        }, stopped: { service in
            if let row = serviceRows[service.step.name] { try? lineage.finishStep(row, status: .succeeded) }
            let seconds = service.startedAt.map { Date().timeIntervalSince($0) } ?? 0
            reporter.stepFinished(service.step.name, kind: service.step.kind, status: "stopped", seconds: seconds, detail: nil)
        })
        defer { services.stopAll() }

        for name in steps {
            let step = spec.steps[name]!
            let executor = runner.registry.executor(for: step.kind)!
            let inputs = resolveInputs(step, produced: produced, services: services)
            let inputIDs = Dictionary(uniqueKeysWithValues: inputs.map { ($0.input.name, $0.id) })
            let key = StepKey.compute(step: step, kindVersion: executor.version, inputIDs: inputIDs, engine: engine, seed: seed)
            let serviceDependencies = step.inputs.filter(\.isEndpoint).compactMap { input -> String? in
                if case .step(let source, _) = input.source { return source }
                return nil
            }

            if step.isService {
                let consumers = steps.filter { other in spec.steps[other]!.inputs.contains { $0.isEndpoint && $0.source.stepName == name } }.count
                services.register(step, key: key, inputs: inputs, consumers: consumers)
                continue
            }

            let stepStarted = Date()
            if !runner.isForced(name, options), let hit = cache.lookup(key, expectedOutputs: step.outputs.map(\.name)) {
                // One transaction: a cached step is recorded whole or not at all. Its metrics
                // are not copied: reports read them through `cached_from`.
                try lineage.batch {
                    let row = try lineage.beginStep(runID: run.id, name: name, kind: step.kind, key: key)
                    try RunAttempt.recordInputs(lineage, stepID: row.id!, inputs, services: services)
                    try RunAttempt.recordArtifacts(lineage, stepID: row.id!, hit.outputs, direction: .output)
                    try RunAttempt.recordArtifacts(lineage, stepID: row.id!, hit.logs, direction: .output)
                    try lineage.recordParams(runID: run.id, stepName: name, hit.execution)
                    try lineage.finishStep(row.id!, status: .cached, cachedFrom: hit.stepID)
                }
                produced[name] = hit.outputs
                services.consumed(serviceDependencies)
                let seconds = Date().timeIntervalSince(stepStarted)
                reporter.stepFinished(name, kind: step.kind, status: "cached", seconds: seconds, detail: "from run \(hit.runID)")
                summaries.append(StepSummary(name: name, kind: step.kind, key: key, status: "cached", cachedFromRun: hit.runID, seconds: seconds,
                                             outputs: hit.outputs.mapValues(\.id), isService: false))
                continue
            }

            reporter.stepStarted(name, kind: step.kind)
            let row: StepRecord
            let outcome: StepOutcome
            // Checkpoints of an interrupted attempt at this key are picked up; a forced step
            // starts over.
            let resume = executor.keepsResumableState ? ResumeClaim.claim(in: store.root, key: key) : nil
            defer { resume?.release(succeeded: false) }
            if runner.isForced(name, options) { resume?.discard() }
            let execution = StepExecution(store: store, executor: executor, step: step, directory: scratch.appendingPathComponent(name),
                                          seed: seed, engine: engine, reporter: reporter, resumeDirectory: resume?.directory)
            do {
                row = try lineage.beginStep(runID: run.id, name: name, kind: step.kind, key: key)
                try RunAttempt.recordInputs(lineage, stepID: row.id!, inputs, services: services)
                do {
                    outcome = try execution.run(inputs: inputs) { service, output in try services.endpoint(service, output: output) }
                } catch let failure as StepExecutionError {
                    try? RunAttempt.recordArtifacts(lineage, stepID: row.id!, failure.logs, direction: .output)
                    throw failure
                }
            } catch {
                let message = (error as? StepExecutionError)?.message ?? "\(error)"
                services.stopAll()
                try? recordFailure(stepName: name, message: message)
                reporter.stepFinished(name, kind: step.kind, status: "failed", seconds: Date().timeIntervalSince(stepStarted), detail: nil)
                reporter.runFinished(runID: run.id, status: "failed", seconds: Date().timeIntervalSince(started),
                                     executed: summaries.filter { $0.status == "succeeded" }.count, cached: summaries.filter { $0.status == "cached" }.count)
                throw PipelineError.stepFailed(runID: run.id, step: name, message: message, scratch: execution.directory.path)
            }
            try RunAttempt.recordArtifacts(lineage, stepID: row.id!, outcome.outputs, direction: .output)
            try RunAttempt.recordArtifacts(lineage, stepID: row.id!, outcome.logs, direction: .output)
            try lineage.recordMetrics(runID: run.id, stepName: name, outcome.metrics.map { (key: $0.key, value: $0.value, index: $0.index) })
            try lineage.recordParams(runID: run.id, stepName: name, outcome.execution.sorted { $0.key < $1.key }.map { ("exec.\($0.key)", $0.value) })
            try lineage.finishStep(row.id!, status: .succeeded)
            cache.add(key, .init(stepID: row.id!, runID: run.id, stepName: name, outputs: outcome.outputs, logs: outcome.logs,
                                 execution: outcome.execution.sorted { $0.key < $1.key }.map { ("exec.\($0.key)", $0.value) }))
            produced[name] = outcome.outputs
            services.consumed(serviceDependencies)
            if !options.keepScratch { Scratch.remove(execution.directory) }
            resume?.release(succeeded: true)
            let seconds = Date().timeIntervalSince(stepStarted)
            reporter.stepFinished(name, kind: step.kind, status: "succeeded", seconds: seconds, detail: nil)
            summaries.append(StepSummary(name: name, kind: step.kind, key: key, status: "succeeded", cachedFromRun: nil, seconds: seconds,
                                         outputs: outcome.outputs.mapValues(\.id), isService: false))
        }

        services.stopAll()
        for service in services.neverStarted {
            let row = try lineage.beginStep(runID: run.id, name: service.step.name, kind: service.step.kind, key: service.key)
            try RunAttempt.recordInputs(lineage, stepID: row.id!, service.inputs, services: nil)
            try lineage.finishStep(row.id!, status: .skipped)
            reporter.stepFinished(service.step.name, kind: service.step.kind, status: "skipped", seconds: 0, detail: "no step that ran needed it")
        }
        for service in services.services.values where service.startedAt != nil {
            summaries.append(StepSummary(name: service.step.name, kind: service.step.kind, key: service.key, status: "succeeded", cachedFromRun: nil,
                                         seconds: 0, outputs: [:], isService: true))
        }
        for service in services.neverStarted {
            summaries.append(StepSummary(name: service.step.name, kind: service.step.kind, key: service.key, status: "skipped", cachedFromRun: nil,
                                         seconds: 0, outputs: [:], isService: true))
        }
        try lineage.finishRun(run.id, status: .succeeded)
        Scratch.removeIfEmpty(scratch)
        Scratch.removeIfEmpty(scratch.deletingLastPathComponent())
        let seconds = Date().timeIntervalSince(started)
        let order = Dictionary(uniqueKeysWithValues: steps.enumerated().map { ($1, $0) })
        summaries.sort { order[$0.name, default: 0] < order[$1.name, default: 0] }
        let summary = RunSummary(runID: run.id, groupID: run.groupID ?? "", experiment: spec.name, seed: seed, status: "succeeded", seconds: seconds, steps: summaries)
        reporter.runFinished(runID: run.id, status: "succeeded", seconds: seconds, executed: summary.executed, cached: summary.cached)
        return summary
    }

    func resolveInputs(_ step: StepSpec, produced: [String: [String: ArtifactRef]], services: ServiceManager) -> [ResolvedInput] {
        step.inputs.map { input in
            switch input.source {
            case .file(let reference, _):
                return ResolvedInput(input: input, value: .artifact(files[reference]!))
            case .step(let source, let output):
                if input.isEndpoint {
                    return ResolvedInput(input: input, value: .endpoint(service: source, output: output, key: services.key(of: source) ?? ""))
                }
                return ResolvedInput(input: input, value: .artifact(produced[source]![output]!))
            }
        }
    }

    /// Input edges. An endpoint input is recorded as edges to what the service serves
    /// (`endpoint/model`), so lineage runs from a model through its service to its evaluation.
    static func recordInputs(_ lineage: LineageDatabase, stepID: Int64, _ inputs: [ResolvedInput], services: ServiceManager?) throws {
        for resolved in inputs {
            switch resolved.value {
            case .artifact(let artifact):
                try lineage.recordEdge(stepID: stepID, artifact: artifact, name: resolved.input.name, direction: .input)
            case .endpoint(let service, _, _):
                for served in services?.services[service]?.inputs ?? [] {
                    if case .artifact(let artifact) = served.value {
                        try lineage.recordEdge(stepID: stepID, artifact: artifact, name: "\(resolved.input.name)/\(served.input.name)", direction: .input)
                    }
                }
            }
        }
    }

    static func recordArtifacts(_ lineage: LineageDatabase, stepID: Int64, _ artifacts: [String: ArtifactRef], direction: StepEdge.Direction) throws {
        for name in artifacts.keys.sorted() {
            try lineage.recordEdge(stepID: stepID, artifact: artifacts[name]!, name: name, direction: direction)
        }
    }

    func recordFailure(stepName: String, message: String) throws {
        let details = try lineage.details(of: run.id)
        if let row = details.steps.last(where: { $0.step.name == stepName && $0.step.status == .running }) {
            try lineage.finishStep(row.step.id!, status: .failed, error: message)
        }
        try lineage.finishRun(run.id, status: .failed, error: "step \(stepName) failed: \(message)")
    }

    /// Run-level params (experiment, seed, engine, models) and every step's normalised params.
    func recordParams() throws {
        var runParams: [(String, String)] = [
            ("experiment", spec.name), ("seed", String(seed)),
            ("engine.blas", engine.blas), ("engine.threads", String(engine.threads)), ("engine.version", engine.version),
        ]
        for name in spec.models.keys.sorted() {
            runParams += ParamFlattening.flatten(spec.models[name]!, prefix: "model.\(name)")
        }
        try lineage.recordParams(runID: run.id, runParams)
        for name in steps {
            let step = spec.steps[name]!
            var params = ParamFlattening.flatten(step.params.asValue, prefix: "")
            params.append(("kind", step.kind))
            try lineage.recordParams(runID: run.id, stepName: name, params)
        }
    }
}
