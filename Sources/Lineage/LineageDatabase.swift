import Foundation
import GRDB
import Store

/// Errors of the lineage database.
public enum LineageError: Error, CustomStringConvertible, Sendable {
    case unknownRun(String)
    case ambiguousRun(String, matches: [String])
    /// A row would name an object the store does not hold.
    case objectNotStored(String)
    case database(String, path: String)
    case invalidInput(String)

    public var description: String {
        switch self {
        case .unknownRun(let text): return "no run matches \"\(text)\"; `iopo-exp runs` lists them"
        case .ambiguousRun(let text, let matches): return "run prefix \"\(text)\" matches \(matches.count) runs (\(matches.prefix(5).joined(separator: ", "))); give more characters"
        case .objectNotStored(let id): return "refusing to record \(id): the object is not in the store"
        case .database(let message, let path): return "lineage database \(path): \(message)"
        case .invalidInput(let message): return message
        }
    }
}

/// The lineage database (`store/lineage.db`): SQLite in WAL mode through GRDB, so that readers
/// never block the writer, with a busy timeout for concurrent writers.
public final class LineageDatabase: Sendable {
    public static let fileName = "lineage.db"
    public let store: ObjectStore
    let pool: DatabasePool
    public let path: String
    /// Where a running `batch` keeps its connection, in its thread's dictionary.
    private let batchKey: String

    public init(store: ObjectStore, busyTimeout: Double = 30) throws {
        self.store = store
        self.path = store.root.appendingPathComponent(LineageDatabase.fileName).path
        self.batchKey = "iopo-exp.lineage.batch." + path
        var configuration = Configuration()
        configuration.busyMode = .timeout(busyTimeout)
        configuration.foreignKeysEnabled = true
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
            try LineageSchema.migrator.migrate(pool)
        } catch {
            throw LineageError.database("\(error)", path: path)
        }
    }

    func write<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            if let db = batchConnection { return try body(db) }
            return try pool.write(body)
        } catch let error as LineageError { throw error } catch {
            throw LineageError.database("\(error)", path: path)
        }
    }

    func read<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            if let db = batchConnection { return try body(db) }
            return try pool.read(body)
        } catch let error as LineageError { throw error } catch {
            throw LineageError.database("\(error)", path: path)
        }
    }

    /// Runs `body`, whose calls to this database on this thread form one write transaction:
    /// committed together when it returns, rolled back together when it throws. (A cached step
    /// is a dozen small writes; committing them once is most of what makes a no-op rerun fast.)
    /// Other threads are not affected: they wait for the transaction like any other writer.
    public func batch<T>(_ body: () throws -> T) throws -> T {
        if batchConnection != nil { return try body() }
        var failure: Error?
        do {
            return try pool.write { db in
                let key = batchKey
                Thread.current.threadDictionary[key] = db
                defer { Thread.current.threadDictionary.removeObject(forKey: key) }
                do { return try body() } catch { failure = error; throw error }
            }
        } catch {
            // The body's own error as it was thrown; the database's (commit, busy) as ours.
            if let failure { throw failure }
            throw LineageError.database("\(error)", path: path)
        }
    }

    /// The open transaction of a `batch` running on this thread, if any.
    private var batchConnection: Database? { Thread.current.threadDictionary[batchKey] as? Database }

    /// Fails unless the store holds `id`: a row never names an object before it is stored.
    func requireStored(_ id: String) throws {
        guard let parsed = try? ObjectID(parsing: id), store.contains(parsed) else { throw LineageError.objectNotStored(id) }
    }

    // MARK: runs

    /// A fresh run id: 16 hex digits, unique in this database.
    public static func newRunID() -> String {
        String(format: "%016llx", UInt64.random(in: 0...UInt64.max))
    }

    /// Starts a run, recording its git snapshot and environment first.
    public func beginRun(experiment: String, name: String, specObject: String?, git: GitSnapshot, environment: EnvironmentSnapshot,
                         groupID: String? = nil, seed: Int? = nil) throws -> RunRecord {
        if let specObject { try requireStored(specObject) }
        if let diff = git.diffObject { try requireStored(diff) }
        return try write { db in
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

    public func finishRun(_ runID: String, status: RunRecord.Status, error: String? = nil) throws {
        try write { db in
            try db.execute(sql: "UPDATE runs SET status = ?, finished_at = ?, error = ?, pid = NULL WHERE id = ?",
                           arguments: [status.rawValue, Date(), error, runID])
        }
    }

    /// Marks runs left `running` by processes that no longer exist as interrupted.
    @discardableResult
    public func markInterruptedRuns() throws -> [String] {
        try write { db in
            let running = try RunRecord.filter(Column("status") == RunRecord.Status.running.rawValue).fetchAll(db)
            var marked: [String] = []
            for run in running {
                if let pid = run.pid, pid != getpid(), kill(pid, 0) == 0 || errno == EPERM { continue }
                if run.pid == getpid() { continue }
                try db.execute(sql: "UPDATE runs SET status = 'interrupted', pid = NULL WHERE id = ?", arguments: [run.id])
                try db.execute(sql: "UPDATE steps SET status = 'failed', error = 'interrupted' WHERE run_id = ? AND status = 'running'", arguments: [run.id])
                marked.append(run.id)
            }
            return marked
        }
    }

    // MARK: steps, artifacts, params, metrics

    public func beginStep(runID: String, name: String, kind: String, key: String) throws -> StepRecord {
        try write { db in
            var step = StepRecord(id: nil, runID: runID, name: name, kind: kind, key: key, status: .running, cachedFrom: nil,
                                  startedAt: Date(), finishedAt: nil, error: nil)
            try step.insert(db)
            return step
        }
    }

    /// Records an artifact (whose object must be stored already) and its edge to a step.
    public func recordEdge(stepID: Int64, artifact: ArtifactRecord, name: String, direction: StepEdge.Direction) throws {
        try requireStored(artifact.id)
        try write { db in
            try artifact.insert(db, onConflict: .ignore)
            try StepEdge(stepID: stepID, artifactID: artifact.id, name: name, direction: direction).insert(db, onConflict: .replace)
        }
    }

    public func finishStep(_ stepID: Int64, status: StepRecord.Status, cachedFrom: Int64? = nil, error: String? = nil) throws {
        try write { db in
            try db.execute(sql: "UPDATE steps SET status = ?, cached_from = ?, finished_at = ?, error = ? WHERE id = ?",
                           arguments: [status.rawValue, cachedFrom, Date(), error, stepID])
        }
    }

    // Params and metrics come by the hundred (a cached run copies every curve point of its steps):
    // one prepared statement per call, executed per row, instead of a record insert each.

    public func recordParams(runID: String, stepName: String = "", _ params: [(String, String)]) throws {
        guard !params.isEmpty else { return }
        try write { db in
            let statement = try db.cachedStatement(sql: "INSERT OR REPLACE INTO params (run_id, step_name, key, value) VALUES (?, ?, ?, ?)")
            for (key, value) in params {
                try statement.execute(arguments: [runID, stepName, key, value])
            }
        }
    }

    public func recordMetrics(runID: String, stepName: String = "", _ metrics: [(key: String, value: Double, index: Int?)]) throws {
        guard !metrics.isEmpty else { return }
        try write { db in
            let statement = try db.cachedStatement(sql: "INSERT INTO metrics (run_id, step_name, key, value, step_index) VALUES (?, ?, ?, ?, ?)")
            for metric in metrics {
                try statement.execute(arguments: [runID, stepName, metric.key, metric.value, metric.index])
            }
        }
    }

    // MARK: pins

    public func pin(_ id: ObjectID, name: String) throws {
        guard !name.isEmpty, !name.contains(where: { $0.isWhitespace }) else {
            throw LineageError.invalidInput("pin name \"\(name)\" must be non-empty and contain no whitespace")
        }
        try requireStored(id.description)
        try write { db in try PinRecord(name: name, objectID: id.description, createdAt: Date()).insert(db, onConflict: .replace) }
    }

    @discardableResult
    public func unpin(name: String) throws -> Bool {
        try write { db in try PinRecord.deleteOne(db, key: name) }
    }

    public func pins() throws -> [PinRecord] {
        try read { db in try PinRecord.order(Column("name")).fetchAll(db) }
    }

    /// Every object the database names: gc's roots.
    public func referencedObjects() throws -> [ObjectID] {
        let texts: [String] = try read { db in
            try String.fetchAll(db, sql: """
                SELECT artifact_id FROM step_edges
                UNION SELECT spec_object FROM runs WHERE spec_object IS NOT NULL
                UNION SELECT diff_object FROM git_snapshots WHERE diff_object IS NOT NULL
                UNION SELECT object_id FROM pins
                """)
        }
        return texts.compactMap { try? ObjectID(parsing: $0) }.sorted()
    }
}
