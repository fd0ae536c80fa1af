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
/// never block the writer, with a busy timeout for concurrent writers. A run's rows are written
/// through `transaction` (see `LineageTransaction`).
public final class LineageDatabase: Sendable {
    public static let fileName = "lineage.db"
    public let store: ObjectStore
    let pool: DatabasePool
    public let path: String

    public init(store: ObjectStore, busyTimeout: Double = 30) throws {
        self.store = store
        self.path = store.root.appendingPathComponent(LineageDatabase.fileName).path
        var configuration = Configuration()
        configuration.busyMode = .timeout(busyTimeout)
        configuration.foreignKeysEnabled = true
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
            // GRDB leaves WAL mode at synchronous NORMAL, where a power loss can undo the last
            // commits. FULL syncs the WAL at every commit, so a run reported finished stays
            // recorded; commits are a handful per step, so the cost is a few fsyncs per step.
            // (The pool has one writer connection, so setting it once holds for every write.)
            try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
            try LineageSchema.migrator.migrate(pool)
        } catch {
            throw LineageError.database("\(error)", path: path)
        }
    }

    /// SQLite's own checks of the database file and its foreign keys: empty when intact, else
    /// one line per problem, as SQLite words it.
    public func integrityProblems() throws -> [String] {
        try read { db in
            let lines = try String.fetchAll(db, sql: "PRAGMA integrity_check").filter { $0 != "ok" }
            let orphans = try Row.fetchAll(db, sql: "PRAGMA foreign_key_check").map { row in
                "row \(row[1] as Int64? ?? -1) of table \(row[0] as String? ?? "?") references a missing row of \(row[2] as String? ?? "?")"
            }
            return lines + orphans
        }
    }

    /// The synchronous level of the writer connection (2 = FULL), for tests and `--version`-like reports.
    public func synchronousLevel() throws -> Int {
        try write { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1 }
    }

    func write<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try pool.write(body) } catch let error as LineageError { throw error } catch {
            throw LineageError.database("\(error)", path: path)
        }
    }

    func read<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try pool.read(body) } catch let error as LineageError { throw error } catch {
            throw LineageError.database("\(error)", path: path)
        }
    }

    /// Runs `body` as one write transaction: its writes are committed together when it returns,
    /// rolled back together when it throws. (A cached step is a dozen small writes; committing
    /// them once is most of what makes a no-op rerun fast.) Transactions do not nest: `body`
    /// writes through the `LineageTransaction` it is given, never through this database.
    public func transaction<T>(_ body: (LineageTransaction) throws -> T) throws -> T {
        var failure: Error?
        do {
            return try pool.write { db in
                do { return try body(LineageTransaction(db: db, store: store, path: path)) } catch { failure = error; throw error }
            }
        } catch {
            // The body's own error as it was thrown; the database's (commit, busy) as ours.
            if let failure { throw failure }
            throw LineageError.database("\(error)", path: path)
        }
    }

    // MARK: runs

    /// A fresh run id: 16 hex digits, unique in this database.
    public static func newRunID() -> String {
        String(format: "%016llx", UInt64.random(in: 0...UInt64.max))
    }

    /// Marks runs left `running` by processes that no longer exist as interrupted, and their
    /// steps still `running` as failed.
    @discardableResult
    public func markInterruptedRuns() throws -> [String] {
        try write { db in
            let running = try RunRecord.filter(RunRecord.Columns.status == RunRecord.Status.running).fetchAll(db)
            var marked: [String] = []
            for run in running {
                if let pid = run.pid, pid != getpid(), kill(pid, 0) == 0 || errno == EPERM { continue }
                if run.pid == getpid() { continue }
                try RunRecord.filter(key: run.id).updateAll(db, [
                    RunRecord.Columns.status.set(to: RunRecord.Status.interrupted), RunRecord.Columns.pid.set(to: nil),
                ])
                try StepRecord.filter(StepRecord.Columns.runID == run.id && StepRecord.Columns.status == StepRecord.Status.running)
                    .updateAll(db, [StepRecord.Columns.status.set(to: StepRecord.Status.failed), StepRecord.Columns.error.set(to: "interrupted")])
                marked.append(run.id)
            }
            return marked
        }
    }

    // MARK: pins

    public func pin(_ id: ObjectID, name: String) throws {
        guard !name.isEmpty, !name.contains(where: { $0.isWhitespace }) else {
            throw LineageError.invalidInput("pin name \"\(name)\" must be non-empty and contain no whitespace")
        }
        guard store.contains(id) else { throw LineageError.objectNotStored(id.description) }
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
