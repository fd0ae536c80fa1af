import Foundation
import Lineage
import Store

/// Writes one run's rows in the lineage database, in the order that leaves the store and the
/// database consistent wherever a crash (even SIGKILL) interrupts:
///
/// 1. an object is stored before any row names it: outputs and logs reach the recorder stored,
///    and `LineageTransaction` refuses an id the store does not hold;
/// 2. a step is marked succeeded (or cached) only after its outputs, edges, metrics and params
///    are recorded, in the same transaction, so it is recorded whole or not at all;
/// 3. the run is marked succeeded last.
///
/// A run left `running` by a dead process is marked interrupted when the next run starts
/// (`LineageDatabase.markInterruptedRuns`), and that run finds every finished step in the cache.
/// Every path that writes a run's rows goes through here: steps executed, reused and failed;
/// services started, stopped and never started; runs ended by an error that is not a step's;
/// and runs recorded by hand (`ManualRun`).
final class LineageRecorder {
    let lineage: LineageDatabase
    let run: RunRecord
    var runID: String { run.id }

    private init(lineage: LineageDatabase, run: RunRecord) {
        self.lineage = lineage
        self.run = run
    }

    /// Records the git snapshot, the environment and the run (`running`, owned by this process).
    static func beginRun(in lineage: LineageDatabase, experiment: String, name: String, specObject: String?, git: GitSnapshot,
                         environment: EnvironmentSnapshot, groupID: String? = nil, seed: Int? = nil) throws -> LineageRecorder {
        let run = try lineage.transaction { transaction in
            try transaction.beginRun(experiment: experiment, name: name, specObject: specObject, git: git, environment: environment,
                                     groupID: groupID, seed: seed)
        }
        return LineageRecorder(lineage: lineage, run: run)
    }

    // MARK: params and metrics

    /// The run's own params and metrics, and each step's params (`steps`: name and params).
    func recordParams(run params: [(String, String)], metrics: [(key: String, value: Double, index: Int?)] = [],
                      steps: [(name: String, params: [(String, String)])] = []) throws {
        try lineage.transaction { transaction in
            try transaction.recordParams(runID: runID, params)
            try transaction.recordMetrics(runID: runID, metrics)
            for step in steps { try transaction.recordParams(runID: runID, stepName: step.name, step.params) }
        }
    }

    // MARK: steps

    /// A step about to execute: its row (`running`) and its input edges. Returns the row's id.
    func beginStep(_ name: String, kind: String, key: String, inputs: [ResolvedInput], services: ServiceManager?) throws -> Int64 {
        try lineage.transaction { transaction in
            let row = try transaction.beginStep(runID: runID, name: name, kind: kind, key: key)
            try recordInputs(transaction, stepID: row.id!, inputs, services: services)
            return row.id!
        }
    }

    /// An executed step: its outputs, logs, metrics and execution notes, then `succeeded`.
    func stepSucceeded(_ stepID: Int64, name: String, outcome: StepOutcome) throws {
        try lineage.transaction { transaction in
            try recordArtifacts(transaction, stepID: stepID, outcome.outputs)
            try recordArtifacts(transaction, stepID: stepID, outcome.logs)
            try transaction.recordMetrics(runID: runID, stepName: name, outcome.metrics.map { (key: $0.key, value: $0.value, index: $0.index) })
            try transaction.recordParams(runID: runID, stepName: name, outcome.executionParams)
            try transaction.finishStep(stepID, status: .succeeded)
        }
    }

    /// A step whose result was found by its key: the row, its inputs, the reused outputs and
    /// logs and the original's execution notes, then `cached`. Its metrics are not copied:
    /// reports read them through `cached_from`.
    func stepCached(_ name: String, kind: String, key: String, inputs: [ResolvedInput], services: ServiceManager,
                    hit: StepCacheIndex.Entry) throws {
        try lineage.transaction { transaction in
            let row = try transaction.beginStep(runID: runID, name: name, kind: kind, key: key)
            try recordInputs(transaction, stepID: row.id!, inputs, services: services)
            try recordArtifacts(transaction, stepID: row.id!, hit.outputs)
            try recordArtifacts(transaction, stepID: row.id!, hit.logs)
            try transaction.recordParams(runID: runID, stepName: name, hit.execution)
            try transaction.finishStep(row.id!, status: .cached, cachedFrom: hit.stepID)
        }
    }

    /// A step that failed (`stepID` nil: before its row was written): the logs it stored, the
    /// step `failed`, then the run `failed`. Best effort: the step's own error is what the
    /// caller reports, whether or not the database takes these rows.
    func stepFailed(_ stepID: Int64?, name: String, logs: [String: ArtifactRef], message: String) {
        if let stepID {
            try? lineage.transaction { transaction in try recordArtifacts(transaction, stepID: stepID, logs) }
            try? lineage.transaction { transaction in try transaction.finishStep(stepID, status: .failed, error: message) }
        }
        try? lineage.transaction { transaction in try transaction.finishRun(runID, status: .failed, error: "step \(name) failed: \(message)") }
    }

    // MARK: services

    /// A service about to start: its row (`running`) and its input edges.
    func serviceStarting(_ service: ServiceManager.Service) throws -> Int64 {
        try beginStep(service.step.name, kind: service.step.kind, key: service.key, inputs: service.inputs, services: nil)
    }

    /// A service that did not start: the logs it stored, then `failed` (the run fails with the
    /// step that needed it). Best effort, like `stepFailed`.
    func serviceFailed(_ stepID: Int64, logs: [String: ArtifactRef], message: String) {
        try? lineage.transaction { transaction in try recordArtifacts(transaction, stepID: stepID, logs) }
        try? lineage.transaction { transaction in try transaction.finishStep(stepID, status: .failed, error: message) }
    }

    /// A service that has stopped: `succeeded`. Best effort: it runs while a run unwinds.
    func serviceStopped(_ stepID: Int64) {
        try? lineage.transaction { transaction in try transaction.finishStep(stepID, status: .succeeded) }
    }

    /// A service that no step that ran needed: its row with its inputs, `skipped`.
    func serviceSkipped(_ service: ServiceManager.Service) throws {
        try lineage.transaction { transaction in
            let row = try transaction.beginStep(runID: runID, name: service.step.name, kind: service.step.kind, key: service.key)
            try recordInputs(transaction, stepID: row.id!, service.inputs, services: nil)
            try transaction.finishStep(row.id!, status: .skipped)
        }
    }

    // MARK: the run

    /// Every step recorded: the run `succeeded`.
    func runSucceeded() throws {
        try lineage.transaction { transaction in try transaction.finishRun(runID, status: .succeeded) }
    }

    /// The run stopped on an error that is not a step's own (the store or the database refused
    /// a write): whatever step was in flight, then the run, `failed`. Best effort.
    func runFailed(error: String) {
        try? lineage.transaction { transaction in try transaction.failRunningSteps(runID: runID, error: error) }
        try? lineage.transaction { transaction in try transaction.finishRun(runID, status: .failed, error: error) }
    }

    // MARK: edges

    /// Input edges. An endpoint input is recorded as edges to what the service serves
    /// (`endpoint/model`), so lineage runs from a model through its service to its evaluation.
    private func recordInputs(_ transaction: LineageTransaction, stepID: Int64, _ inputs: [ResolvedInput], services: ServiceManager?) throws {
        for resolved in inputs {
            switch resolved.value {
            case .artifact(let artifact):
                try transaction.recordEdge(stepID: stepID, artifact: artifact, name: resolved.input.name, direction: .input)
            case .endpoint(let service, _, _):
                for served in services?.services[service]?.inputs ?? [] {
                    if case .artifact(let artifact) = served.value {
                        try transaction.recordEdge(stepID: stepID, artifact: artifact, name: "\(resolved.input.name)/\(served.input.name)", direction: .input)
                    }
                }
            }
        }
    }

    /// Output edges (declared outputs or logs), by name.
    private func recordArtifacts(_ transaction: LineageTransaction, stepID: Int64, _ artifacts: [String: ArtifactRef]) throws {
        for name in artifacts.keys.sorted() {
            try transaction.recordEdge(stepID: stepID, artifact: artifacts[name]!, name: name, direction: .output)
        }
    }
}
