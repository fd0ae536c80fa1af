import GRDB

/// An earlier succeeded step found by its key: what a cache hit reuses.
public struct RecordedStep: Sendable {
    public var step: StepRecord
    public var outputs: [RunDetails.Edge]
    /// Params the step recorded under its name in its run (its metrics are read through
    /// `cached_from` by whoever needs them: see `details(of:)`).
    public var params: [ParamRecord]
}

extension LineageDatabase {
    /// The newest succeeded step with `key`, with its outputs and params; one indexed
    /// query, so cache lookups cost the same however many runs the database holds.
    public func latestSucceededStep(key: String) throws -> RecordedStep? {
        try read { db in
            guard let step = try StepRecord
                .filter(StepRecord.Columns.key == key && StepRecord.Columns.status == StepRecord.Status.succeeded)
                .order(StepRecord.Columns.id.desc).fetchOne(db) else { return nil }
            let rows = try Row.fetchAll(db, sql: """
                SELECT e.name, a.id, a.kind, a.name AS artifact_name, a.size FROM step_edges e
                JOIN artifacts a ON a.id = e.artifact_id WHERE e.step_id = ? AND e.direction = ? ORDER BY e.name
                """, arguments: [step.id, StepEdge.Direction.output])
            let outputs = rows.map { row in
                RunDetails.Edge(name: row["name"], artifact: ArtifactRecord(id: row["id"], kind: row["kind"], name: row["artifact_name"], size: row["size"]))
            }
            let params = try ParamRecord.filter(Column("run_id") == step.runID && Column("step_name") == step.name)
                .order(Column("key")).fetchAll(db)
            return RecordedStep(step: step, outputs: outputs, params: params)
        }
    }
}
