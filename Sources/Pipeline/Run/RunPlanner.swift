import Foundation
import Lineage

/// One step of a seed's plan: what is known of it at the time it was resolved.
struct StepPlan {
    /// What the step will do, once its inputs are known.
    enum Action {
        /// A service: started only if a step that runs needs it; `consumers` steps of the run
        /// read its endpoint.
        case service(consumers: Int)
        /// A result with this key exists and is reused. Outputs of it that are not in this
        /// store (`absentOutputs`) stay absent: no step that executes reads them.
        case reuse(StepCacheIndex.Entry)
        /// It executes.
        case execute(Execution)
    }

    /// Why a step executes.
    enum Execution {
        /// No result with this key is recorded.
        case uncached
        /// `--force`.
        case forced
        /// A result with this key is recorded but some of its outputs are not in this store,
        /// and a step that executes reads them: it executes again to put the bytes back, and
        /// must produce the recorded ids (steps after it were planned with them).
        case restore(StepCacheIndex.Entry)

        var isForced: Bool {
            if case .forced = self { return true }
            return false
        }
    }

    enum Resolution {
        /// Its inputs come from `blocker`, a step that must run first, so it has no key yet: it
        /// executes, or is found cached, once they exist.
        case pending(blocker: String)
        case resolved(inputs: [ResolvedInput], key: String, action: Action)
    }

    var step: StepSpec
    var executor: any StepExecutor
    var resolution: Resolution

    var key: String? {
        if case .resolved(_, let key, _) = resolution { return key }
        return nil
    }

    /// True when nothing that happens earlier in the run can change the plan: a service, or a
    /// step reused from the cache. A step planned to execute is resolved again at its turn, for
    /// an earlier step of the run (or another process) may have produced a result with its key
    /// (two steps that compute the same thing under different names), and a pending step is
    /// resolved then.
    var isSettled: Bool {
        switch resolution {
        case .resolved(_, _, .service), .resolved(_, _, .reuse): return true
        case .resolved(_, _, .execute), .pending: return false
        }
    }
}

/// What the steps of a run dealt with so far have made known to the steps after them.
struct KnownResults {
    /// Step name → output name → stored artifact, for steps reused or executed.
    var outputs: [String: [String: ArtifactRef]] = [:]
    /// Service step name → its key (an endpoint input's id is `endpoint:<key>`).
    var serviceKeys: [String: String] = [:]
    /// Step name → the step that must run before its outputs exist (itself, if it executes).
    var waitingOn: [String: String] = [:]

    /// Takes in what `plan` makes known before anything executes.
    mutating func note(_ plan: StepPlan) {
        let name = plan.step.name
        switch plan.resolution {
        case .pending(let blocker): waitingOn[name] = blocker
        case .resolved(_, let key, .service): serviceKeys[name] = key
        case .resolved(_, _, .reuse(let hit)): outputs[name] = hit.outputs
        // A restored step must reproduce its recorded ids, so the steps after it use those.
        case .resolved(_, _, .execute(.restore(let hit))): outputs[name] = hit.outputs
        case .resolved(_, _, .execute): waitingOn[name] = name
        }
    }
}

/// One seed's plan: its steps in order, and the cached steps whose absent outputs it restores.
struct SeedPlan {
    var steps: [StepPlan]
    /// Steps found cached whose outputs are not all in this store and that execute again
    /// because a step that executes (or a service one uses) reads those outputs.
    var restoring: Set<String>
}

/// Plans the steps of a run: for each seed, the ordered steps with their resolved inputs, keys
/// and cache decisions as far as they are knowable before anything executes. `run --dry-run`
/// prints that plan; `run` executes it, resolving the steps it could not settle with the same
/// `resolve` when their turn comes. This is the one place where keys and cache decisions are
/// computed.
struct RunPlanner {
    let spec: ExperimentSpec
    /// The selected steps, in dependency order.
    let steps: [String]
    let registry: StepRegistry
    let force: RunOptions.Force
    let engine: EngineEnvironment
    /// Stored `file:` inputs, by reference.
    let files: [String: ArtifactRef]
    let cache: StepCacheIndex

    /// The plan of one seed before anything executes: a step whose inputs come from a step that
    /// must execute is pending (no key yet). A cached step whose outputs are not all in this
    /// store (a run imported without its weights) stays cached unless a step that executes
    /// needs those outputs; then it is planned to execute again, to restore them.
    func plan(seed: Int) throws -> SeedPlan {
        var known = KnownResults()
        var plans = try steps.map { name in
            let plan = try resolve(name, seed: seed, known: known)
            known.note(plan)
            return plan
        }
        let restoring = RunPlanner.restorations(plans)
        for index in plans.indices {
            guard restoring.contains(plans[index].step.name),
                  case .resolved(let inputs, let key, .reuse(let hit)) = plans[index].resolution else { continue }
            plans[index].resolution = .resolved(inputs: inputs, key: key, action: .execute(.restore(hit)))
        }
        return SeedPlan(steps: plans, restoring: restoring)
    }

    /// The cached steps with absent outputs that a step which executes (or may: pending) reads,
    /// directly or through a service it uses. Walks the plan backwards, since a step's
    /// consumers come after it; a step restored executes, so what it reads counts too.
    static func restorations(_ plans: [StepPlan]) -> Set<String> {
        var executing = Set<String>()
        var restoring = Set<String>()
        func isRead(_ name: String, outputs: Set<String>) -> Bool {
            plans.contains { consumer in
                executing.contains(consumer.step.name) && consumer.step.inputs.contains { input in
                    guard case .step(let source, let output) = input.source else { return false }
                    return source == name && outputs.contains(output)
                }
            }
        }
        for plan in plans.reversed() {
            let name = plan.step.name
            switch plan.resolution {
            case .pending, .resolved(_, _, .execute):
                executing.insert(name)
            case .resolved(_, _, .service):
                if isRead(name, outputs: Set(plan.step.outputs.map(\.name))) { executing.insert(name) }
            case .resolved(_, _, .reuse(let hit)):
                if !hit.absentOutputs.isEmpty && isRead(name, outputs: Set(hit.absentOutputs)) {
                    restoring.insert(name)
                    executing.insert(name)
                }
            }
        }
        return restoring
    }

    /// Resolves step `name` from what is known of the steps before it: its inputs (stored
    /// artifacts, or endpoints named by their service's key), its key, and whether it is a
    /// service, found in the cache or executed. `restoring` names the cached steps the seed's
    /// plan executes again to restore absent outputs.
    func resolve(_ name: String, seed: Int, known: KnownResults, restoring: Set<String> = []) throws -> StepPlan {
        let step = spec.steps[name]!
        let executor = registry.executor(for: step.kind)!
        var inputs: [ResolvedInput] = []
        var blocker: String?
        for input in step.inputs {
            switch input.source {
            case .file(let reference, _):
                guard let artifact = files[reference] else {
                    throw PipelineError.invalidRequest("file input \(reference) of step \(name) was not stored")
                }
                inputs.append(ResolvedInput(input: input, value: .artifact(artifact)))
            case .step(let source, let output):
                if input.isEndpoint, let key = known.serviceKeys[source] {
                    inputs.append(ResolvedInput(input: input, value: .endpoint(service: source, output: output, key: key)))
                } else if let artifact = known.outputs[source]?[output] {
                    inputs.append(ResolvedInput(input: input, value: .artifact(artifact)))
                } else {
                    blocker = blocker ?? known.waitingOn[source] ?? source
                }
            }
        }
        if let blocker { return StepPlan(step: step, executor: executor, resolution: .pending(blocker: blocker)) }

        let inputIDs = Dictionary(uniqueKeysWithValues: inputs.map { ($0.input.name, $0.id) })
        let key = StepKey.compute(step: step, kindVersion: executor.version, inputIDs: inputIDs, engine: engine, seed: seed)
        let action: StepPlan.Action
        if step.isService {
            let consumers = steps.filter { other in spec.steps[other]!.inputs.contains { $0.isEndpoint && $0.source.stepName == name } }.count
            action = .service(consumers: consumers)
        } else if isForced(name) {
            action = .execute(.forced)
        } else if let hit = try cache.lookup(key, expectedOutputs: step.outputs.map(\.name)) {
            action = !hit.absentOutputs.isEmpty && restoring.contains(name) ? .execute(.restore(hit)) : .reuse(hit)
        } else {
            action = .execute(.uncached)
        }
        return StepPlan(step: step, executor: executor, resolution: .resolved(inputs: inputs, key: key, action: action))
    }

    func isForced(_ name: String) -> Bool {
        switch force {
        case .none: return false
        case .all: return true
        case .steps(let names): return names.contains(name)
        }
    }
}

extension PlannedStep {
    /// How a dry run shows a step's plan.
    init(_ plan: StepPlan) {
        let step = plan.step
        switch plan.resolution {
        case .pending(let blocker):
            self.init(status: step.isService ? .service : .pending, name: step.name, kind: step.kind, key: nil,
                      reason: "its key depends on outputs of \(blocker), which will run first")
        case .resolved(_, let key, .service):
            self.init(status: .service, name: step.name, kind: step.kind, key: key, reason: "started only if a step that runs needs it")
        case .resolved(_, let key, .reuse(let hit)):
            self.init(status: .cached, name: step.name, kind: step.kind, key: key, cachedFromRun: hit.runID,
                      reason: hit.absentOutputs.isEmpty ? nil
                        : "outputs \(hit.absentOutputs.joined(separator: ", ")) are not in this store; no step that runs needs them")
        case .resolved(_, let key, .execute(let execution)):
            let reason: String
            switch execution {
            case .uncached: reason = "no cached result with this key"
            case .forced: reason = "forced"
            case .restore(let hit):
                reason = "restores \(hit.absentOutputs.joined(separator: ", ")) (recorded by run \(hit.runID), not in this store) for steps that run"
            }
            self.init(status: .run, name: step.name, kind: step.kind, key: key, cachedFromRun: nil, reason: reason)
        }
    }
}
