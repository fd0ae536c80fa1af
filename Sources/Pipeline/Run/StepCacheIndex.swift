import Lineage
import Store

/// Finds earlier results by step key: the newest succeeded step with that key whose outputs
/// are all still in the store. Built from the lineage database once per `run` invocation and
/// extended as steps finish, so that later seeds reuse earlier ones.
final class StepCacheIndex {
    struct Entry {
        var stepID: Int64
        var runID: String
        var stepName: String
        var outputs: [String: ArtifactRef]
        var logs: [String: ArtifactRef]
        var metrics: [MetricsSink.Point]
        /// The original execution's `exec.*` params, copied to cached steps so that a rerun
        /// differs from its original only where something changed.
        var execution: [(String, String)]
    }

    private var entries: [String: Entry] = [:]
    private let store: ObjectStore

    init(lineage: LineageDatabase) throws {
        store = lineage.store
        // Oldest first, so that the newest result for a key wins.
        for run in try lineage.runs().reversed() {
            let details = try lineage.details(of: run.id)
            for step in details.steps where step.step.status == .succeeded && !step.step.key.isEmpty {
                var outputs: [String: ArtifactRef] = [:]
                var logs: [String: ArtifactRef] = [:]
                for edge in step.outputs {
                    if LogEdge.isLog(edge.name) { logs[edge.name] = ArtifactRef(edge.artifact) } else { outputs[edge.name] = ArtifactRef(edge.artifact) }
                }
                let metrics = details.metrics.filter { $0.stepName == step.step.name }.map { MetricsSink.Point(key: $0.key, value: $0.value, index: $0.index) }
                let execution = details.params.filter { $0.stepName == step.step.name && $0.key.hasPrefix("exec.") }.map { ($0.key, $0.value) }
                entries[step.step.key] = Entry(stepID: step.step.id!, runID: run.id, stepName: step.step.name, outputs: outputs, logs: logs,
                                               metrics: metrics, execution: execution)
            }
        }
    }

    /// A usable earlier result, if any: every output it recorded must still be stored.
    func lookup(_ key: String, expectedOutputs: [String]) -> Entry? {
        guard let entry = entries[key] else { return nil }
        guard Set(entry.outputs.keys) == Set(expectedOutputs) else { return nil }
        for output in entry.outputs.values {
            guard let id = try? ObjectID(parsing: output.id), store.contains(id) else { return nil }
        }
        return entry
    }

    func add(_ key: String, _ entry: Entry) { entries[key] = entry }
}
