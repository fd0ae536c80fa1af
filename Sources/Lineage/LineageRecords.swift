import Foundation
import GRDB

// The records' `CodingKeys` name both the database columns and the fields of `show`, `runs`,
// `record` and `store pin --json`, which stay snake_case. GRDB's column strategies would cover
// the columns alone, and not even those here: `convertFromSnakeCase` reads `run_id` as `runId`,
// not `runID`.

/// One execution of an experiment (or a manual record).
public struct RunRecord: Codable, Equatable, Sendable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "runs"
    /// Stored as its raw value (`running`, ...), which is also its JSON form.
    public enum Status: String, Codable, Sendable, DatabaseValueConvertible {
        case running, succeeded, failed, interrupted
    }

    /// The columns that queries and updates name.
    public enum Columns {
        public static let id = Column(CodingKeys.id)
        public static let experiment = Column(CodingKeys.experiment)
        public static let status = Column(CodingKeys.status)
        public static let startedAt = Column(CodingKeys.startedAt)
        public static let finishedAt = Column(CodingKeys.finishedAt)
        public static let pid = Column(CodingKeys.pid)
        public static let error = Column(CodingKeys.error)
    }

    public var id: String
    public var experiment: String
    public var name: String
    /// Store id of the experiment file (or manual record spec) this run executed.
    public var specObject: String?
    public var gitSnapshotID: Int64?
    public var environmentID: Int64?
    public var status: Status
    public var startedAt: Date
    public var finishedAt: Date?
    /// Runs started together (one per seed) share a group.
    public var groupID: String?
    public var seed: Int?
    /// Process that owns a running run; a running run whose process is gone was interrupted.
    public var pid: Int32?
    public var error: String?

    enum CodingKeys: String, CodingKey {
        case id, experiment, name, status, seed, pid, error
        case specObject = "spec_object"
        case gitSnapshotID = "git_snapshot_id"
        case environmentID = "environment_id"
        case startedAt = "started_at"
        case finishedAt = "finished_at"
        case groupID = "group_id"
    }
}

/// One step of a run: its kind, cache key and outcome.
public struct StepRecord: Codable, Equatable, Sendable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "steps"
    /// Stored as its raw value (`running`, ...), which is also its JSON form.
    public enum Status: String, Codable, Sendable, DatabaseValueConvertible { case running, succeeded, cached, failed, skipped }

    /// The columns that queries and updates name.
    public enum Columns {
        public static let id = Column(CodingKeys.id)
        public static let runID = Column(CodingKeys.runID)
        public static let name = Column(CodingKeys.name)
        public static let key = Column(CodingKeys.key)
        public static let status = Column(CodingKeys.status)
        public static let cachedFrom = Column(CodingKeys.cachedFrom)
        public static let finishedAt = Column(CodingKeys.finishedAt)
        public static let error = Column(CodingKeys.error)
    }

    public var id: Int64?
    public var runID: String
    public var name: String
    public var kind: String
    public var key: String
    public var status: Status
    /// The step whose recorded outputs this cached step reused.
    public var cachedFrom: Int64?
    public var startedAt: Date
    public var finishedAt: Date?
    public var error: String?

    enum CodingKeys: String, CodingKey {
        case id, name, kind, key, status, error
        case runID = "run_id"
        case cachedFrom = "cached_from"
        case startedAt = "started_at"
        case finishedAt = "finished_at"
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// A stored object that some step consumed or produced.
public struct ArtifactRecord: Codable, Equatable, Sendable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "artifacts"
    public var id: String
    public var kind: String
    public var name: String
    public var size: Int

    public init(id: String, kind: String, name: String, size: Int) {
        self.id = id
        self.kind = kind
        self.name = name
        self.size = size
    }
}

/// An edge between a step and an artifact, under the name the step knows it by.
public struct StepEdge: Codable, Equatable, Sendable, FetchableRecord, PersistableRecord {
    /// Stored as its raw value, `input` or `output`.
    public enum Direction: String, Codable, Sendable, DatabaseValueConvertible { case input, output }
    public var stepID: Int64
    public var artifactID: String
    public var name: String
    public var direction: Direction

    public static let databaseTableName = "step_edges"
    enum CodingKeys: String, CodingKey {
        case name, direction
        case stepID = "step_id"
        case artifactID = "artifact_id"
    }
}

/// A parameter of a run (or of one of its steps).
public struct ParamRecord: Codable, Equatable, Sendable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "params"
    public var runID: String
    public var stepName: String
    public var key: String
    public var value: String
    enum CodingKeys: String, CodingKey { case key, value; case runID = "run_id"; case stepName = "step_name" }
}

/// A metric value; `index` orders the points of a curve (nil for a final value).
public struct MetricRecord: Codable, Equatable, Sendable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "metrics"
    public var runID: String
    public var stepName: String
    public var key: String
    public var value: Double
    public var index: Int?
    enum CodingKeys: String, CodingKey { case key, value; case runID = "run_id"; case stepName = "step_name"; case index = "step_index" }
}

/// A name that keeps an object alive through gc.
public struct PinRecord: Codable, Equatable, Sendable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "pins"
    public var name: String
    public var objectID: String
    public var createdAt: Date
    enum CodingKeys: String, CodingKey { case name; case objectID = "object_id"; case createdAt = "created_at" }
}

/// An object that imported runs name but their bundle left out (model weights, files over the
/// export's size limit), with the export's reason. This table is the one rule for "absent on
/// purpose": a lineage row may name such an object, a cached result naming it is reused by id,
/// and an export of those runs lists it as absent again. Any other object missing from the
/// store is lost, and `store verify` reports it.
public struct LeftOutObjectRecord: Codable, Equatable, Sendable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "absent_objects"
    public var objectID: String
    public var reason: String
    enum CodingKeys: String, CodingKey { case objectID = "object_id"; case reason }

    /// Whether an import recorded `id` as left out (one indexed lookup).
    static func isRecorded(_ id: String, _ db: Database) throws -> Bool {
        try LeftOutObjectRecord.exists(db, key: id)
    }
}
