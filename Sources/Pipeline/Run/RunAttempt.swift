import Foundation
import Lineage
import Store

/// One run (one seed) executing its plan: steps reused from the cache are recorded as such,
/// services are started when a step that executes needs one, the other steps execute in a
/// scratch directory and are recorded, all through one `LineageRecorder`.
struct RunAttempt {
    let runner: PipelineRunner
    let planner: RunPlanner
    let recorder: LineageRecorder
    let options: RunOptions
    let seed: Int

    var spec: ExperimentSpec { planner.spec }
    var runID: String { recorder.runID }
    var reporter: any RunReporter { runner.reporter }
    var store: ObjectStore { runner.store }
    var scratch: URL { (options.scratchRoot ?? store.scratchDirectory).appendingPathComponent(runID) }

    func execute() throws -> RunSummary {
        let started = Date()
        let seedPlan = try planner.plan(seed: seed)
        let plan = seedPlan.steps
        reporter.runStarted(runID: runID, experiment: spec.name, seed: seed, steps: plan.count)
        try recordParams()

        var known = KnownResults()
        var summaries: [StepSummary] = []
        let services = makeServiceManager()
        defer { services.stopAll() }

        for planned in plan {
            // The one `resolve` that planned the step resolves it now that the steps before it
            // have executed or been found cached.
            var current = planned.isSettled ? planned
                : try planner.resolve(planned.step.name, seed: seed, known: known, restoring: seedPlan.restoring)
            // A step to execute is claimed first: if another process is computing the same key,
            // this run waits for it and then takes its result from the cache.
            var claim: StepClaim?
            defer { claim?.release(succeeded: false) }
            if case .resolved(_, let key, .execute(let execution)) = current.resolution {
                let name = current.step.name
                claim = StepClaim.claim(in: store.root, key: key, wait: .blocking(onWait: { [reporter] in
                    reporter.message("step \(name): waiting for another process computing the same step (key \(key.prefix(19))…)")
                }))
                if !execution.isForced { current = try planner.resolve(name, seed: seed, known: known, restoring: seedPlan.restoring) }
            }
            guard case .resolved(let inputs, let key, let action) = current.resolution else {
                throw PipelineError.invalidRequest("step \(planned.step.name) has inputs that no earlier step of the run produced")
            }
            known.note(current)
            let step = current.step
            let serviceDependencies = step.inputs.filter(\.isEndpoint).compactMap(\.source.stepName)
            let stepStarted = Date()
            switch action {
            case .service(let consumers):
                services.register(step, key: key, inputs: inputs, consumers: consumers)
                continue
            case .reuse(let hit):
                try recorder.stepCached(step.name, kind: step.kind, key: key, inputs: inputs, services: services, hit: hit)
                services.consumed(serviceDependencies)
                let seconds = Date().timeIntervalSince(stepStarted)
                let absent = hit.absentOutputs.isEmpty ? "" : "; \(hit.absentOutputs.joined(separator: ", ")) not in this store"
                reporter.stepFinished(step.name, kind: step.kind, status: .cached, seconds: seconds, detail: "from run \(hit.runID)\(absent)")
                summaries.append(StepSummary(name: step.name, kind: step.kind, key: key, status: .cached, cachedFromRun: hit.runID, seconds: seconds,
                                             outputs: hit.outputs.mapValues(\.id), isService: false))
            case .execute(let execution):
                let outputs: [String: ArtifactRef]
                do {
                    outputs = try executeStep(current, inputs: inputs, key: key, forced: execution.isForced, claim: claim, services: services)
                } catch let failure as StepAttemptFailure {
                    services.stopAll()
                    recorder.stepFailed(failure.stepID, name: step.name, logs: failure.logs, message: failure.message)
                    reporter.stepFinished(step.name, kind: step.kind, status: .failed, seconds: Date().timeIntervalSince(stepStarted), detail: nil)
                    reporter.runFinished(runID: runID, status: .failed, seconds: Date().timeIntervalSince(started),
                                         executed: summaries.filter { $0.status == .succeeded }.count, cached: summaries.filter { $0.status == .cached }.count)
                    throw PipelineError.stepFailed(runID: runID, step: step.name, message: failure.message, scratch: failure.scratch.path)
                }
                if case .restore(let hit) = execution {
                    // Steps after it were planned, and some found cached, with the recorded ids.
                    for name in hit.outputs.keys.sorted() where outputs[name]?.id != hit.outputs[name]?.id {
                        throw PipelineError.notReproduced(runID: runID, step: step.name, output: name, recordedBy: hit.runID,
                                                          recorded: hit.outputs[name]!.id, produced: outputs[name]?.id ?? "nothing")
                    }
                }
                known.outputs[step.name] = outputs
                services.consumed(serviceDependencies)
                let seconds = Date().timeIntervalSince(stepStarted)
                reporter.stepFinished(step.name, kind: step.kind, status: .succeeded, seconds: seconds, detail: nil)
                summaries.append(StepSummary(name: step.name, kind: step.kind, key: key, status: .succeeded, cachedFromRun: nil, seconds: seconds,
                                             outputs: outputs.mapValues(\.id), isService: false))
            }
        }

        services.stopAll()
        for service in services.neverStarted {
            try recorder.serviceSkipped(service)
            reporter.stepFinished(service.step.name, kind: service.step.kind, status: .skipped, seconds: 0, detail: "no step that ran needed it")
        }
        for service in services.services.values where service.startedAt != nil {
            summaries.append(StepSummary(name: service.step.name, kind: service.step.kind, key: service.key, status: .succeeded, cachedFromRun: nil,
                                         seconds: 0, outputs: [:], isService: true))
        }
        for service in services.neverStarted {
            summaries.append(StepSummary(name: service.step.name, kind: service.step.kind, key: service.key, status: .skipped, cachedFromRun: nil,
                                         seconds: 0, outputs: [:], isService: true))
        }
        try recorder.runSucceeded()
        Scratch.removeIfEmpty(scratch)
        Scratch.removeIfEmpty(scratch.deletingLastPathComponent())
        let seconds = Date().timeIntervalSince(started)
        let order = Dictionary(uniqueKeysWithValues: plan.enumerated().map { ($1.step.name, $0) })
        summaries.sort { order[$0.name, default: 0] < order[$1.name, default: 0] }
        let summary = RunSummary(runID: runID, groupID: recorder.run.groupID ?? "", experiment: spec.name, seed: seed, status: .succeeded,
                                 seconds: seconds, steps: summaries)
        reporter.runFinished(runID: runID, status: .succeeded, seconds: seconds, executed: summary.executed, cached: summary.cached)
        return summary
    }

    /// Executes one step in its scratch directory and records it; returns its stored outputs.
    /// Throws `StepAttemptFailure` when the step fails; an error in recording a step that
    /// succeeded passes through (the run then fails as a whole). Checkpoints of an interrupted
    /// attempt at this key are picked up; a forced step starts over.
    private func executeStep(_ plan: StepPlan, inputs: [ResolvedInput], key: String, forced: Bool, claim: StepClaim?,
                             services: ServiceManager) throws -> [String: ArtifactRef] {
        let step = plan.step
        reporter.stepStarted(step.name, kind: step.kind)
        // Only kinds that keep resumable state get the claim's directory.
        let resume = plan.executor.keepsResumableState ? claim : nil
        if forced { resume?.discard() }
        let execution = StepExecution(store: store, executor: plan.executor, step: step, directory: scratch.appendingPathComponent(step.name),
                                      seed: seed, engine: planner.engine, reporter: reporter, resumeDirectory: resume?.directory)
        var stepID: Int64?
        let outcome: StepOutcome
        do {
            let row = try recorder.beginStep(step.name, kind: step.kind, key: key, inputs: inputs, services: services)
            stepID = row
            outcome = try execution.run(inputs: inputs) { service, output in try services.endpoint(service, output: output) }
        } catch {
            let failure = error as? StepExecutionError
            throw StepAttemptFailure(stepID: stepID, message: failure?.message ?? "\(error)", logs: failure?.logs ?? [:], scratch: execution.directory)
        }
        reporter.stepOutputsStored(step.name, outputs: outcome.outputs)
        try recorder.stepSucceeded(stepID!, name: step.name, outcome: outcome)
        planner.cache.add(key, .init(stepID: stepID!, runID: runID, stepName: step.name, outputs: outcome.outputs, logs: outcome.logs,
                                     execution: outcome.executionParams))
        if !options.keepScratch { Scratch.remove(execution.directory) }
        claim?.release(succeeded: true)
        return outcome.outputs
    }

    /// Starts service steps on demand, recording each as it starts, stops or fails to start.
    private func makeServiceManager() -> ServiceManager {
        var serviceRows: [String: Int64] = [:]
        let recorder = self.recorder
        let reporter = self.reporter
        let store = self.store
        let registry = runner.registry
        let seed = self.seed
        let engine = planner.engine
        let scratch = self.scratch
        return ServiceManager(start: { service in
            let row = try recorder.serviceStarting(service)
            serviceRows[service.step.name] = row
            reporter.stepStarted(service.step.name, kind: service.step.kind)
            let execution = StepExecution(store: store, executor: registry.executor(for: service.step.kind)!, step: service.step,
                                          directory: scratch.appendingPathComponent(service.step.name), seed: seed, engine: engine, reporter: reporter)
            do {
                let outcome = try execution.runService(inputs: service.inputs)
                reporter.stepFinished(service.step.name, kind: service.step.kind, status: .running, seconds: 0,
                                      detail: outcome.endpoints.keys.sorted().map { "\($0) at \(outcome.endpoints[$0]!.url)" }.joined(separator: ", "))
                return (outcome.endpoints, execution.directory)
            } catch let failure as StepExecutionError {
                recorder.serviceFailed(row, logs: failure.logs, message: failure.message)
                reporter.stepFinished(service.step.name, kind: service.step.kind, status: .failed, seconds: 0, detail: failure.message)
                throw StepFailure.message("service \(service.step.name) failed to start: \(failure.message)")
            }
        }, stopped: { service in
            if let row = serviceRows[service.step.name] { recorder.serviceStopped(row) }
            let seconds = service.startedAt.map { Date().timeIntervalSince($0) } ?? 0
            reporter.stepFinished(service.step.name, kind: service.step.kind, status: .stopped, seconds: seconds, detail: nil)
        })
    }

    /// Run-level params (experiment, seed, engine, models) and every step's normalised params.
    private func recordParams() throws {
        let engine = planner.engine
        var runParams: [(String, String)] = [
            ("experiment", spec.name), ("seed", String(seed)),
            ("engine.blas", engine.blas), ("engine.threads", String(engine.threads)), ("engine.version", engine.version),
        ]
        for name in spec.models.keys.sorted() {
            runParams += ParamFlattening.flatten(spec.models[name]!, prefix: "model.\(name)")
        }
        runParams += spec.overrides.map { ($0.paramKey, $0.valueText) }
        let steps = planner.steps.map { name in
            let step = spec.steps[name]!
            return (name: name, params: ParamFlattening.flatten(step.params.asValue, prefix: "") + [("kind", step.kind)])
        }
        try recorder.recordParams(run: runParams, steps: steps)
    }
}

/// A step that failed: its row (nil when it failed before the row was written), why, the logs
/// it stored and the scratch directory kept for inspection.
struct StepAttemptFailure: Error {
    var stepID: Int64?
    var message: String
    var logs: [String: ArtifactRef]
    var scratch: URL
}
