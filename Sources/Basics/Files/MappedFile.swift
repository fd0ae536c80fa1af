// A whole file mapped read-only into memory: the store hashes and chunks files, and the engine
// converts checkpoints into tensors, straight from the page cache with no intermediate copy.

#if canImport(Glibc)
import Glibc
#endif

/// A read-only memory map of a whole regular file; `bytes` is valid while the object lives, which
/// Swift ends after its last use, not at the end of the scope: read through `withBytes` when
/// nothing else uses the object afterwards.
public final class MappedFile {
    public let path: String
    public let bytes: UnsafeRawBufferPointer

    public init(path: String) throws(FileSystemError) {
        self.path = path
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        if descriptor < 0 { throw .fromErrno(path, "cannot open") }
        defer { close(descriptor) }
        var status = stat()
        if fstat(descriptor, &status) != 0 { throw .fromErrno(path, "cannot stat") }
        if status.st_mode & S_IFMT != S_IFREG { throw FileSystemError(path: path, detail: "not a regular file") }
        let size = Int(status.st_size)
        if size == 0 {
            // mmap refuses empty mappings; an empty buffer says the same thing.
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            return
        }
        guard let address = mmap(nil, size, PROT_READ, MAP_PRIVATE, descriptor, 0), address != MAP_FAILED else {
            throw .fromErrno(path, "cannot map")
        }
        // Both readers go front to back: read ahead aggressively.
        madvise(address, size, MADV_SEQUENTIAL)
        bytes = UnsafeRawBufferPointer(start: address, count: size)
    }

    deinit {
        if let base = bytes.baseAddress { munmap(UnsafeMutableRawPointer(mutating: base), bytes.count) }
    }

    /// Calls `body` with the bytes, keeping the mapping alive until it returns.
    public func withBytes<Result, Failure: Error>(_ body: (UnsafeRawBufferPointer) throws(Failure) -> Result) throws(Failure) -> Result {
        defer { withExtendedLifetime(self) {} }
        return try body(bytes)
    }

    /// A whole file's bytes, read in one call.
    public static func contents(of path: String) throws(FileSystemError) -> [UInt8] {
        try MappedFile(path: path).withBytes { Array($0) }
    }
}
