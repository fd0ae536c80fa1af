import GRDB
import Store

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
