import Lineage

/// Resolves what `table` and friends are pointed at: a run (`id`, prefix, `last`, `last~N`) or
/// a seed group (`g…` id or prefix; or a run's whole group).
public enum RunSelection {
    /// Runs sharing `groupID`, ordered by seed.
    public static func group(_ lineage: LineageDatabase, _ groupID: String) throws -> [RunRecord] {
        try lineage.runs().filter { $0.groupID == groupID }.sorted { ($0.seed ?? 0, $0.startedAt) < ($1.seed ?? 0, $1.startedAt) }
    }

    /// The runs of the group `text` names (a whole id or a unique prefix), ordered by seed.
    public static func resolveGroup(_ lineage: LineageDatabase, _ text: String) throws -> [RunRecord] {
        let groups = Set(try lineage.runs().compactMap(\.groupID).filter { $0.hasPrefix(text) })
        if groups.count > 1 { throw PipelineError.invalidRequest("group prefix \"\(text)\" matches \(groups.count) groups (\(groups.sorted().prefix(5).joined(separator: ", "))); give more characters") }
        guard let group = groups.first else { throw PipelineError.invalidRequest("no group \"\(text)\" (group ids start with g; `runs --json` lists each run's group_id)") }
        return try RunSelection.group(lineage, group)
    }

    /// Every target's runs (`resolve`), in order, each run once.
    public static func resolveAll(_ lineage: LineageDatabase, _ targets: [String], wholeGroup: Bool) throws -> [RunRecord] {
        var runs: [RunRecord] = []
        for target in targets {
            for run in try resolve(lineage, target, wholeGroup: wholeGroup) where !runs.contains(where: { $0.id == run.id }) {
                runs.append(run)
            }
        }
        return runs
    }

    /// `text` as a group id or prefix, else as a run; with `wholeGroup`, a run's group.
    public static func resolve(_ lineage: LineageDatabase, _ text: String, wholeGroup: Bool) throws -> [RunRecord] {
        if text.hasPrefix("g") && text != "g", try lineage.runs().contains(where: { $0.groupID?.hasPrefix(text) == true }) {
            return try resolveGroup(lineage, text)
        }
        let run = try lineage.resolveRun(text)
        if wholeGroup, let group = run.groupID { return try RunSelection.group(lineage, group) }
        return [run]
    }
}
