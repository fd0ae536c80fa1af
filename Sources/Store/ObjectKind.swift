/// What an object's raw bytes mean. Recorded in the high nibble of an object file's tag byte;
/// it is not part of the id (the id is the hash of the raw bytes alone).
public enum ObjectKind: UInt8, Sendable, CustomStringConvertible, Codable {
    /// Plain bytes: a whole small file, or one chunk of a large one.
    case blob = 0
    /// The ordered list of chunks that make up a large file.
    case chunkList = 1
    /// A directory: sorted entries of path, type, mode, size and id.
    case manifest = 2

    public var description: String {
        switch self {
        case .blob: return "blob"
        case .chunkList: return "chunk list"
        case .manifest: return "manifest"
        }
    }
}

/// How an object file stores its raw bytes; the low nibble of the tag byte.
enum ObjectEncoding: UInt8, Sendable {
    case raw = 0
    case zstd = 1
}
