#if canImport(Glibc)
import Glibc
#endif

/// A file system failure: the path it concerns and what went wrong there, with the operating
/// system's reason.
public struct FileSystemError: Error, CustomStringConvertible, Sendable, Equatable {
    public var path: String
    public var detail: String

    public init(path: String, detail: String) {
        self.path = path
        self.detail = detail
    }

    public var description: String { "\(path): \(detail)" }

    /// The failure of `action` on `path`, with the reason `errno` (or `code`) gives.
    static func fromErrno(_ path: String, _ action: String, code: Int32 = errno) -> FileSystemError {
        FileSystemError(path: path, detail: "\(action): \(String(cString: strerror(code)))")
    }
}
