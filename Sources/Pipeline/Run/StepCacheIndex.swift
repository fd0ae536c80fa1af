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
        /// The original execution's `exec.*` params, copied to cached steps so that a rerun
        /// differs from its original only where something changed.
        var execution: [(String, String)]
    }

    private var entries: [String: Entry] = [:]
    private let store: ObjectStore
    private let lineage: LineageDatabase

    init(lineage: LineageDatabase) throws {
        self.lineage = lineage
        store = lineage.store
    }

    /// The newest succeeded step with `key`: from this invocation's results first, else one
    /// indexed query of the lineage database.
    private func entry(for key: String) -> Entry? {
        if let entry = entries[key] { return entry }
        guard !key.isEmpty, let recorded = try? lineage.latestSucceededStep(key: key) else { return nil }
        var outputs: [String: ArtifactRef] = [:]
        var logs: [String: ArtifactRef] = [:]
        for edge in recorded.outputs {
            if LogEdge.isLog(edge.name) { logs[edge.name] = edge.artifact } else { outputs[edge.name] = edge.artifact }
        }
        let entry = Entry(stepID: recorded.step.id!, runID: recorded.step.runID, stepName: recorded.step.name, outputs: outputs, logs: logs,
                          execution: recorded.params.filter { $0.key.hasPrefix("exec.") }.map { ($0.key, $0.value) })
        entries[key] = entry
        return entry
    }

    /// A usable earlier result, if any: every output it recorded must still be stored.
    func lookup(_ key: String, expectedOutputs: [String]) -> Entry? {
        guard let entry = entry(for: key) else { return nil }
        guard Set(entry.outputs.keys) == Set(expectedOutputs) else { return nil }
        for output in entry.outputs.values {
            guard let id = try? ObjectID(parsing: output.id), store.contains(id) else { return nil }
        }
        return entry
    }

    func add(_ key: String, _ entry: Entry) { entries[key] = entry }
}
