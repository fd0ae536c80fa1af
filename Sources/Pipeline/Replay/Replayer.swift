import Foundation
import Lineage
import Store

/// Re-executes every step of a recorded run from what the store holds — the stored experiment
/// file and each step's recorded inputs, never the working tree — in a scratch area, and
/// compares every output id and metric with the recorded ones. Each step is replayed from its
/// own recorded inputs, so a difference in one step is reported there and does not cascade.
/// Nothing is recorded in the lineage database; replayed outputs are stored (gc removes them
/// when nothing references them) so that differences can be inspected.
public final class Replayer {
    public let lineage: LineageDatabase
    public let registry: StepRegistry
    public let reporter: any RunReporter

    public init(lineage: LineageDatabase, registry: StepRegistry, reporter: any RunReporter = SilentReporter()) {
        self.lineage = lineage
        self.registry = registry
        self.reporter = reporter
    }

    /// The stored experiment file of a run, parsed (inputs are not resolved against any
    /// directory: a replay takes them from the store).
    public func storedSpec(of run: RunRecord) throws -> ExperimentSpec {
        guard let text = run.specObject, let id = try? ObjectID(parsing: text) else { throw PipelineError.runHasNoSpec(run.id) }
        let bytes = try lineage.store.content(of: id)
        // The run's `--set` values, recorded as `set.KEY` params (distinct keys, so any order).
        let overrides = try lineage.details(of: run.id).params
            .filter { $0.stepName.isEmpty }
            .compactMap { SpecOverride(param: $0.key, value: $0.value) }
            .sorted { $0.path < $1.path }
        return try ExperimentParser(registry: registry, checkFiles: false).parse(text: String(decoding: bytes, as: UTF8.self),
                                                                                   file: "<experiment file \(id.short) of run \(run.id)>", directory: nil,
                                                                                   overrides: overrides)
    }

    /// Differences between the recorded environment and this process's, in the fields that can
    /// change results.
    public static func environmentDifferences(recorded: EnvironmentSnapshot?, current: EnvironmentSnapshot) -> [EnvironmentDifference] {
        guard let recorded else { return [EnvironmentDifference(field: "environment", recorded: "(not recorded)", current: "")] }
        let now = Dictionary(current.determinismFields, uniquingKeysWith: { a, _ in a })
        return recorded.determinismFields.compactMap { field, value in
            let currentValue = now[field] ?? ""
            let same = field == "BLAS kernel family" ? value.lowercased() == currentValue.lowercased() : value == currentValue
            return same ? nil : EnvironmentDifference(field: field, recorded: value, current: currentValue)
        }
    }

    public func replay(runID: String, engineVersion: String, scratchRoot: URL? = nil, keepScratch: Bool = false) throws -> ReplayReport {
        let details = try lineage.details(of: runID)
        let run = details.run
        let spec = try storedSpec(of: run)
        let store = lineage.store
        let differences = Replayer.environmentDifferences(recorded: details.environment, current: EnvironmentSnapshot.capture(toolVersion: engineVersion))
        let params = Dictionary(details.params.filter { $0.stepName.isEmpty }.map { ($0.key, $0.value) }, uniquingKeysWith: { a, _ in a })
        let engine = EngineEnvironment(version: engineVersion,
                                       blas: params["engine.blas"] ?? PipelineRunner.engineEnvironment(spec, version: engineVersion).blas,
                                       threads: params["engine.threads"].flatMap(Int.init) ?? spec.engine.threads)
        let seed = run.seed ?? spec.seeds.first ?? 1
        let scratch = (scratchRoot ?? store.scratchDirectory).appendingPathComponent("replay-\(run.id)-\(getpid())")
        defer { if !keepScratch { Scratch.remove(scratch) } }

        var recorded: [String: RunDetails.StepDetails] = [:]
        for step in details.steps { recorded[step.step.name] = step }
        let names = spec.order.filter { recorded[$0] != nil }
        let reporter = self.reporter
        let registry = self.registry

        func recordedInputs(_ step: StepSpec, _ row: RunDetails.StepDetails) throws -> [ResolvedInput] {
            let edges = Dictionary(row.inputs.map { ($0.name, $0.artifact) }, uniquingKeysWith: { a, _ in a })
            return try step.inputs.map { input in
                if input.isEndpoint, case .step(let service, let output) = input.source {
                    return ResolvedInput(input: input, value: .endpoint(service: service, output: output, key: recorded[service]?.step.key ?? ""))
                }
                guard let artifact = edges[input.name] else { throw StepFailure.message("the recorded run has no input \"\(input.name)\" for this step") }
                // Steps replayed before this one have stored their outputs again; what is still
                // missing came from outside the run (an export may have left it out).
                if let id = try? ObjectID(parsing: artifact.id), !store.contains(id) {
                    let leftOut = (try? lineage.objectsLeftOut())?[artifact.id].map { " (its export left it out: \($0))" } ?? ""
                    throw StepFailure.message("input \(input.name) (\(artifact.id)) is not in this store\(leftOut); "
                                              + "add the same bytes with `iopo-exp store add PATH` (the same bytes give the same id) and replay again")
                }
                return ResolvedInput(input: input, value: .artifact(artifact))
            }
        }

        let services = ServiceManager(start: { service in
            // A service's inputs are resolved when a replayed step first needs it: the steps
            // replayed before have stored their outputs again, and what is still missing (an
            // input an export left out) fails the step that needed it, named.
            let inputs = try recordedInputs(service.step, recorded[service.step.name]!)
            let execution = StepExecution(store: store, executor: registry.executor(for: service.step.kind)!, step: service.step,
                                          directory: scratch.appendingPathComponent(service.step.name), seed: seed, engine: engine, reporter: reporter)
            reporter.stepStarted(service.step.name, kind: service.step.kind)
            do {
                let outcome = try execution.runService(inputs: inputs)
                reporter.stepFinished(service.step.name, kind: service.step.kind, status: .running, seconds: 0, detail: nil)
                return (outcome.endpoints, execution.directory)
            } catch let failure as StepExecutionError {
                throw StepFailure.message("service \(service.step.name) failed to start: \(failure.message)")
            }
        }, stopped: { service in
            reporter.stepFinished(service.step.name, kind: service.step.kind, status: .stopped, seconds: 0, detail: nil)
        })
        defer { services.stopAll() }

        let compared = names.filter { name in
            let step = spec.steps[name]!
            let status = recorded[name]!.step.status
            return !step.isService && (status == .succeeded || status == .cached)
        }
        var steps: [StepReplay] = []
        for name in names {
            let step = spec.steps[name]!
            let row = recorded[name]!
            if step.isService {
                let consumers = compared.filter { other in spec.steps[other]!.inputs.contains { $0.isEndpoint && $0.source.stepName == name } }.count
                // Its inputs are resolved when it starts (see `services`).
                services.register(step, key: row.step.key, inputs: [], consumers: consumers)
                steps.append(StepReplay(name: name, kind: step.kind, status: .notCompared, note: "a service: started when a replayed step needs it", outputs: [], metrics: []))
                continue
            }
            guard compared.contains(name) else {
                steps.append(StepReplay(name: name, kind: step.kind, status: .notCompared, note: "it \(row.step.status.rawValue) in the recorded run", outputs: [], metrics: []))
                continue
            }
            let serviceDependencies = step.inputs.filter(\.isEndpoint).compactMap(\.source.stepName)
            defer { services.consumed(serviceDependencies) }
            reporter.stepStarted(name, kind: step.kind)
            let started = Date()
            let execution = StepExecution(store: store, executor: registry.executor(for: step.kind)!, step: step,
                                          directory: scratch.appendingPathComponent(name), seed: seed, engine: engine, reporter: reporter)
            let outcome: StepOutcome
            do {
                outcome = try execution.run(inputs: try recordedInputs(step, row)) { service, output in try services.endpoint(service, output: output) }
            } catch {
                let message = (error as? StepExecutionError)?.message ?? "\(error)"
                reporter.stepFinished(name, kind: step.kind, status: .failed, seconds: Date().timeIntervalSince(started), detail: message)
                steps.append(StepReplay(name: name, kind: step.kind, status: .failed, note: message, outputs: [], metrics: []))
                continue
            }
            if !keepScratch { Scratch.remove(execution.directory) }
            let recordedOutputs = Dictionary(row.outputs.filter { !LogEdge.isLog($0.name) }.map { ($0.name, $0.artifact.id) }, uniquingKeysWith: { a, _ in a })
            var comparisons: [OutputComparison] = []
            for output in Set(recordedOutputs.keys).union(outcome.outputs.keys).sorted() {
                let a = recordedOutputs[output], b = outcome.outputs[output]?.id
                var comparison = OutputComparison(name: output, recorded: a, replayed: b, identical: a == b && a != nil)
                if !comparison.identical {
                    comparison.firstDifference = (a != nil && b != nil) ? ArtifactComparison.firstDifference(store, recorded: a!, replayed: b!)
                        : (a == nil ? "not in the recorded run" : "not produced by the replay")
                }
                comparisons.append(comparison)
            }
            let deltas = Replayer.metricDeltas(recorded: details.metrics.filter { $0.stepName == name }.map { MetricsSink.Point(key: $0.key, value: $0.value, index: $0.index) },
                                               replayed: outcome.metrics)
            let identical = comparisons.allSatisfy(\.identical) && deltas.isEmpty
            var note: String?
            if !identical {
                if let first = comparisons.first(where: { !$0.identical }) { note = "output \(first.name): \(first.firstDifference ?? "differs")" }
                else if let first = deltas.first { note = "metric \(first.key) differs" }
            }
            reporter.stepFinished(name, kind: step.kind, status: identical ? .identical : .different, seconds: Date().timeIntervalSince(started), detail: note)
            steps.append(StepReplay(name: name, kind: step.kind, status: identical ? .identical : .different, note: note, outputs: comparisons, metrics: deltas))
        }
        return ReplayReport(runID: run.id, experiment: run.experiment, seed: seed, environmentDifferences: differences, steps: steps)
    }

    /// Bitwise comparison of metrics: finals by key, curves point by point.
    public static func metricDeltas(recorded: [MetricsSink.Point], replayed: [MetricsSink.Point]) -> [MetricDelta] {
        func group(_ points: [MetricsSink.Point]) -> (finals: [String: Double], curves: [String: [Int: Double]]) {
            var finals: [String: Double] = [:], curves: [String: [Int: Double]] = [:]
            for p in points {
                if let i = p.index { curves[p.key, default: [:]][i] = p.value } else { finals[p.key] = p.value }
            }
            return (finals, curves)
        }
        let a = group(recorded), b = group(replayed)
        var deltas: [MetricDelta] = []
        for key in Set(a.finals.keys).union(b.finals.keys).sorted() {
            let x = a.finals[key], y = b.finals[key]
            if x?.bitPattern != y?.bitPattern {
                deltas.append(MetricDelta(key: key, index: nil, recorded: x, replayed: y, delta: (x != nil && y != nil) ? y! - x! : nil, differingPoints: 1))
            }
        }
        for key in Set(a.curves.keys).union(b.curves.keys).sorted() {
            let x = a.curves[key] ?? [:], y = b.curves[key] ?? [:]
            var first: Int?, count = 0, largest = 0.0
            for index in Set(x.keys).union(y.keys).sorted() where x[index]?.bitPattern != y[index]?.bitPattern {
                count += 1
                if first == nil { first = index }
                if let p = x[index], let q = y[index] { largest = max(largest, abs(q - p)) }
            }
            if let first {
                deltas.append(MetricDelta(key: key, index: first, recorded: x[first], replayed: y[first], delta: largest, differingPoints: count))
            }
        }
        return deltas
    }
}

extension StepInput.Source {
    /// The producing step's name, for step outputs.
    var stepName: String? { if case .step(let name, _) = self { return name }; return nil }
}
