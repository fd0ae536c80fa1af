import Lineage
import Store

/// Finds earlier results by step key: the newest succeeded step with that key, and which of its
/// outputs are not in this store (runs imported without their weights, or objects lost). Built
/// from the lineage database once per `run` invocation and extended as steps finish, so that
/// later seeds reuse earlier ones.
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
        /// Names of outputs recorded by that step whose objects this store does not hold: the
        /// result is known by its ids, and the planner restores the bytes (by executing the
        /// step again) only where a step that executes reads them.
        var absentOutputs: [String] = []
    }

    private var entries: [String: Entry] = [:]
    private let store: ObjectStore
    private let lineage: LineageDatabase
    /// Objects an import recorded as left out by their export: absent on purpose, so a result
    /// naming them stays usable by id. Any other absent object is lost, and its step executes
    /// again as if it had no result. Read once per invocation, like the index itself.
    private let leftOut: Set<String>

    init(lineage: LineageDatabase) throws {
        self.lineage = lineage
        store = lineage.store
        leftOut = Set(try lineage.objectsLeftOut().keys)
    }

    /// The newest succeeded step with `key`: from this invocation's results first, else one
    /// indexed query of the lineage database (whose errors propagate: a database that cannot be
    /// read is not an empty cache).
    private func entry(for key: String) throws -> Entry? {
        if let entry = entries[key] { return entry }
        guard !key.isEmpty, let recorded = try lineage.latestSucceededStep(key: key) else { return nil }
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

    /// A usable earlier result, if any: it recorded the outputs the step declares, each in the
    /// store or left out by an export (those are listed in `absentOutputs`).
    func lookup(_ key: String, expectedOutputs: [String]) throws -> Entry? {
        guard var entry = try entry(for: key) else { return nil }
        guard Set(entry.outputs.keys) == Set(expectedOutputs) else { return nil }
        var absent: [String] = []
        for (name, output) in entry.outputs {
            guard let id = try? ObjectID(parsing: output.id) else { return nil }
            if store.contains(id) { continue }
            guard leftOut.contains(output.id) else { return nil }
            absent.append(name)
        }
        entry.absentOutputs = absent.sorted()
        return entry
    }

    func add(_ key: String, _ entry: Entry) { entries[key] = entry }
}
