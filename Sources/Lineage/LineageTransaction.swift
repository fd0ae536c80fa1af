import Foundation
import GRDB
import Store

/// The writes of one `LineageDatabase.transaction`: the rows a run records (runs, steps, edges,
/// params, metrics), committed together. A row never names an object the store does not hold,
/// unless an import recorded that object as absent (left out by its export): every object id is
/// checked before the row that names it is written.
public struct LineageTransaction {
    let db: Database
    let store: ObjectStore
    /// The database file, for errors.
    let path: String

    /// Runs one write, reporting SQLite's errors as the lineage database's.
    @discardableResult
    private func perform<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as LineageError { throw error } catch {
            throw LineageError.database("\(error)", path: path)
        }
    }

    /// Fails unless the store holds `id` or records it as absent (a run reused a result
    /// imported without that object's bytes).
    func requireStored(_ id: String) throws {
        guard let parsed = try? ObjectID(parsing: id) else { throw LineageError.objectNotStored(id) }
        if store.contains(parsed) { return }
        guard try perform({ try LeftOutObjectRecord.isRecorded(id, db) }) else { throw LineageError.objectNotStored(id) }
    }

    // MARK: runs

    /// Starts a run (`running`, owned by this process), recording its git snapshot and
    /// environment first.
    public func beginRun(experiment: String, name: String, specObject: String?, git: GitSnapshot, environment: EnvironmentSnapshot,
                         groupID: String? = nil, seed: Int? = nil) throws -> RunRecord {
        if let specObject { try requireStored(specObject) }
        if let diff = git.diffObject { try requireStored(diff) }
        return try perform {
            var git = git
            var environment = environment
            try git.insert(db)
            try environment.insert(db)
            let run = RunRecord(id: LineageDatabase.newRunID(), experiment: experiment, name: name, specObject: specObject,
                                gitSnapshotID: git.id, environmentID: environment.id, status: .running, startedAt: Date(),
                                finishedAt: nil, groupID: groupID, seed: seed, pid: getpid(), error: nil)
            try run.insert(db)
            return run
        }
    }

    /// Ends a run: its status, time and error; it no longer has a process.
    public func finishRun(_ runID: String, status: RunRecord.Status, error: String? = nil) throws {
        try perform {
            try RunRecord.filter(key: runID).updateAll(db, [
                RunRecord.Columns.status.set(to: status), RunRecord.Columns.finishedAt.set(to: Date()),
                RunRecord.Columns.error.set(to: error), RunRecord.Columns.pid.set(to: nil),
            ])
        }
    }

    // MARK: steps

    /// A step's row, `running` until `finishStep`.
    public func beginStep(runID: String, name: String, kind: String, key: String) throws -> StepRecord {
        try perform {
            var step = StepRecord(id: nil, runID: runID, name: name, kind: kind, key: key, status: .running, cachedFrom: nil,
                                  startedAt: Date(), finishedAt: nil, error: nil)
            try step.insert(db)
            return step
        }
    }

    /// Records an artifact (whose object must be stored already) and its edge to a step.
    public func recordEdge(stepID: Int64, artifact: ArtifactRecord, name: String, direction: StepEdge.Direction) throws {
        try requireStored(artifact.id)
        try perform {
            try artifact.insert(db, onConflict: .ignore)
            try StepEdge(stepID: stepID, artifactID: artifact.id, name: name, direction: direction).insert(db, onConflict: .replace)
        }
    }

    public func finishStep(_ stepID: Int64, status: StepRecord.Status, cachedFrom: Int64? = nil, error: String? = nil) throws {
        try perform {
            try StepRecord.filter(key: stepID).updateAll(db, [
                StepRecord.Columns.status.set(to: status), StepRecord.Columns.cachedFrom.set(to: cachedFrom),
                StepRecord.Columns.finishedAt.set(to: Date()), StepRecord.Columns.error.set(to: error),
            ])
        }
    }

    /// Marks every step of the run still `running` as failed with `error`.
    public func failRunningSteps(runID: String, error: String) throws {
        try perform {
            try StepRecord.filter(StepRecord.Columns.runID == runID && StepRecord.Columns.status == StepRecord.Status.running)
                .updateAll(db, [
                    StepRecord.Columns.status.set(to: StepRecord.Status.failed), StepRecord.Columns.cachedFrom.set(to: nil),
                    StepRecord.Columns.finishedAt.set(to: Date()), StepRecord.Columns.error.set(to: error),
                ])
        }
    }

    // MARK: params and metrics

    // Params and metrics come by the hundred (a training curve): one prepared statement per
    // call, executed per row, instead of a record insert each.

    public func recordParams(runID: String, stepName: String = "", _ params: [(String, String)]) throws {
        guard !params.isEmpty else { return }
        try perform {
            let statement = try db.cachedStatement(sql: "INSERT OR REPLACE INTO params (run_id, step_name, key, value) VALUES (?, ?, ?, ?)")
            for (key, value) in params {
                try statement.execute(arguments: [runID, stepName, key, value])
            }
        }
    }

    public func recordMetrics(runID: String, stepName: String = "", _ metrics: [(key: String, value: Double, index: Int?)]) throws {
        guard !metrics.isEmpty else { return }
        try perform {
            let statement = try db.cachedStatement(sql: "INSERT INTO metrics (run_id, step_name, key, value, step_index) VALUES (?, ?, ?, ?, ?)")
            for metric in metrics {
                try statement.execute(arguments: [runID, stepName, metric.key, metric.value, metric.index])
            }
        }
    }
}
