import Foundation
import GRDB

/// A run with everything recorded about it, for `show`, `diff` and `table`.
public struct RunDetails: Codable, Sendable {
    public var run: RunRecord
    public var git: GitSnapshot?
    public var environment: EnvironmentSnapshot?
    public var params: [ParamRecord]
    public var metrics: [MetricRecord]
    public var steps: [StepDetails]

    public struct StepDetails: Codable, Sendable {
        public var step: StepRecord
        public var inputs: [Edge]
        public var outputs: [Edge]
    }

    public struct Edge: Codable, Sendable, Equatable {
        public var name: String
        public var artifact: ArtifactRecord
    }
}

extension LineageDatabase {
    /// Runs, newest first, optionally filtered.
    public func runs(experiment: String? = nil, status: RunRecord.Status? = nil, limit: Int? = nil) throws -> [RunRecord] {
        try read { db in
            var request = RunRecord.order(Column("started_at").desc, Column("rowid").desc)
            if let experiment { request = request.filter(Column("experiment") == experiment) }
            if let status { request = request.filter(RunRecord.Columns.status == status) }
            if let limit { request = request.limit(limit) }
            return try request.fetchAll(db)
        }
    }

    /// Resolves `last`, `last~N`, a full run id or a unique prefix of one.
    public func resolveRun(_ text: String) throws -> RunRecord {
        if text == "last" || text.hasPrefix("last~") {
            let offset = text == "last" ? 0 : Int(text.dropFirst(5))
            guard let offset, offset >= 0 else { throw LineageError.invalidInput("\"\(text)\" is not a run name: use last or last~N with N >= 0") }
            let runs = try read { db in
                try RunRecord.order(Column("started_at").desc, Column("rowid").desc).limit(1, offset: offset).fetchAll(db)
            }
            guard let run = runs.first else { throw LineageError.unknownRun(text) }
            return run
        }
        let matches = try read { db in
            try RunRecord.filter(Column("id").like(text.replacingOccurrences(of: "%", with: "") + "%")).fetchAll(db)
        }
        if let exact = matches.first(where: { $0.id == text }) { return exact }
        if matches.isEmpty { throw LineageError.unknownRun(text) }
        if matches.count > 1 { throw LineageError.ambiguousRun(text, matches: matches.map(\.id)) }
        return matches[0]
    }

    public func details(of runID: String) throws -> RunDetails {
        try read { db in
            guard let run = try RunRecord.fetchOne(db, key: runID) else { throw LineageError.unknownRun(runID) }
            let git = try run.gitSnapshotID.flatMap { try GitSnapshot.fetchOne(db, key: $0) }
            let environment = try run.environmentID.flatMap { try EnvironmentSnapshot.fetchOne(db, key: $0) }
            let params = try ParamRecord.filter(Column("run_id") == runID).order(Column("step_name"), Column("key")).fetchAll(db)
            var metrics = try MetricRecord.filter(Column("run_id") == runID)
                .order(Column("step_name"), Column("key"), Column("step_index")).fetchAll(db)
            let steps = try StepRecord.filter(Column("run_id") == runID).order(Column("id")).fetchAll(db)
            // A cached step's metrics are those of the step it reused, read through `cached_from`
            // rather than copied into every rerun (databases written before that keep their copies).
            let ownMetrics = Set(metrics.map(\.stepName))
            var inherited = false
            for step in steps where step.status == .cached && !ownMetrics.contains(step.name) {
                guard let from = step.cachedFrom, let original = try StepRecord.fetchOne(db, key: from) else { continue }
                let rows = try MetricRecord.filter(Column("run_id") == original.runID && Column("step_name") == original.name).fetchAll(db)
                metrics += rows.map { row in
                    var copy = row
                    copy.runID = runID
                    copy.stepName = step.name
                    return copy
                }
                inherited = inherited || !rows.isEmpty
            }
            if inherited {
                // The database's order: step, key, then index with final values (no index) first.
                metrics.sort { a, b in
                    (a.stepName, a.key, a.index == nil ? 0 : 1, a.index ?? 0) < (b.stepName, b.key, b.index == nil ? 0 : 1, b.index ?? 0)
                }
            }
            let edgeRows = try Row.fetchAll(db, sql: """
                SELECT e.step_id, e.name, e.direction, a.id, a.kind, a.name AS artifact_name, a.size
                FROM step_edges e JOIN artifacts a ON a.id = e.artifact_id JOIN steps s ON s.id = e.step_id
                WHERE s.run_id = ? ORDER BY e.step_id, e.direction, e.name
                """, arguments: [runID])
            var inputs: [Int64: [RunDetails.Edge]] = [:]
            var outputs: [Int64: [RunDetails.Edge]] = [:]
            for row in edgeRows {
                let edge = RunDetails.Edge(name: row["name"], artifact: ArtifactRecord(id: row["id"], kind: row["kind"], name: row["artifact_name"], size: row["size"]))
                let stepID: Int64 = row["step_id"]
                if (row["direction"] as StepEdge.Direction) == .input { inputs[stepID, default: []].append(edge) } else { outputs[stepID, default: []].append(edge) }
            }
            return RunDetails(run: run, git: git, environment: environment, params: params, metrics: metrics,
                              steps: steps.map { RunDetails.StepDetails(step: $0, inputs: inputs[$0.id!] ?? [], outputs: outputs[$0.id!] ?? []) })
        }
    }
}
