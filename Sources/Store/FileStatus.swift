#if canImport(Glibc)
import Glibc
#endif

/// lstat, never following links.
func fileStatus(_ path: String) throws -> stat {
    var info = stat()
    guard lstat(path, &info) == 0 else { throw StoreError.unreadablePath(path, reason: errnoText()) }
    return info
}

extension stat {
    var fileType: mode_t { st_mode & S_IFMT }
    var permissionBits: Int { Int(st_mode & 0o777) }
}

/// The operating system's reason for the last failed call.
func errnoText(_ code: Int32 = errno) -> String { String(cString: strerror(code)) }
