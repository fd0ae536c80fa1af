import GRDB
import Store

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

extension LineageDatabase {
    /// Objects recorded as left out by an export that this store does not hold, with the reason;
    /// one added to the store since (`store add` of the same bytes) is present again, not listed.
    public func objectsLeftOut() throws -> [String: String] {
        var leftOut: [String: String] = [:]
        for row in try read({ db in try LeftOutObjectRecord.fetchAll(db) }) {
            if let id = try? ObjectID(parsing: row.objectID), store.contains(id) { continue }
            leftOut[row.objectID] = row.reason
        }
        return leftOut
    }
}
