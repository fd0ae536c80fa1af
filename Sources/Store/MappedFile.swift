import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A read-only memory map of a whole regular file; the bytes are valid until the object dies.
final class MappedFile {
    let bytes: UnsafeRawBufferPointer
    private let base: UnsafeMutableRawPointer?

    init(path: String) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw StoreError.unreadablePath(path, reason: errnoText()) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw StoreError.unreadablePath(path, reason: errnoText()) }
        let size = Int(info.st_size)
        if size == 0 {
            base = nil
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            return
        }
        guard let mapped = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), mapped != MAP_FAILED else {
            throw StoreError.unreadablePath(path, reason: "mmap: \(errnoText())")
        }
        madvise(mapped, size, MADV_SEQUENTIAL)
        base = mapped
        bytes = UnsafeRawBufferPointer(start: mapped, count: size)
    }

    deinit { if let base { munmap(base, bytes.count) } }
}

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
