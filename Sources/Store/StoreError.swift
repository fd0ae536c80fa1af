/// Everything that can go wrong in the store, each case carrying what and where.
/// The CLI maps these to messages and exit codes in one place.
public enum StoreError: Error, Equatable, CustomStringConvertible, Sendable {
    /// No store at or above the given directory.
    case storeNotFound(searchedFrom: String)
    /// The path exists but is not an iopo-exp store.
    case notAStore(path: String, reason: String)
    case malformedID(String, reason: String)
    case unknownObject(String)
    case ambiguousPrefix(String, matches: [ObjectID])
    /// An object whose bytes do not hash to its id, or that cannot be decoded.
    case corruptObject(ObjectID, reason: String)
    /// An object that a manifest or chunk list references is absent.
    case missingObject(ObjectID, referencedBy: ObjectID?)
    case invalidManifest(ObjectID, reason: String)
    case unexpectedKind(ObjectID, expected: String, found: String)
    case unreadablePath(String, reason: String)
    case writeFailed(path: String, reason: String)
    case destinationExists(String)
    case lockTimeout(path: String, seconds: Double)
    case unsupportedFileType(String)

    public var description: String {
        switch self {
        case .storeNotFound(let dir):
            return "no store found in \(dir) or any parent directory; run `iopo-exp init` or pass --store PATH"
        case .notAStore(let path, let reason):
            return "\(path) is not an iopo-exp store: \(reason)"
        case .malformedID(let text, let reason):
            return "malformed object id \"\(text)\": \(reason)"
        case .unknownObject(let text):
            return "no object \(text) in the store"
        case .ambiguousPrefix(let text, let matches):
            let shown = matches.prefix(5).map(\.description).joined(separator: ", ")
            return "id prefix \"\(text)\" matches \(matches.count) objects (\(shown)); give more digits"
        case .corruptObject(let id, let reason):
            return "object \(id) is corrupt: \(reason); run `iopo-exp store verify`"
        case .missingObject(let id, let parent):
            if let parent { return "object \(id), referenced by \(parent), is missing from the store" }
            return "object \(id) is missing from the store"
        case .invalidManifest(let id, let reason):
            return "manifest \(id) is invalid: \(reason)"
        case .unexpectedKind(let id, let expected, let found):
            return "object \(id) is a \(found), not a \(expected)"
        case .unreadablePath(let path, let reason):
            return "cannot read \(path): \(reason)"
        case .writeFailed(let path, let reason):
            return "cannot write \(path): \(reason); nothing was left half-written"
        case .destinationExists(let path):
            return "\(path) already exists; choose a new destination"
        case .lockTimeout(let path, let seconds):
            return "timed out after \(seconds) s waiting for the store lock \(path); another iopo-exp process is using the store"
        case .unsupportedFileType(let path):
            return "\(path) is neither a regular file, a directory nor a symbolic link"
        }
    }
}
