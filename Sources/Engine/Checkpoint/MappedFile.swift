// A whole file mapped read-only into memory. Checkpoints are read through a mapping so a 100 MB
// file is converted straight from the page cache into the tensors' arrays, with no intermediate
// copy of the raw bytes.

import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A read-only memory mapping of a file, unmapped when released.
final class MappedFile {
    let path: String
    let bytes: UnsafeRawBufferPointer

    init(path: String) throws(FileSystemError) {
        self.path = path
        let descriptor = open(path, O_RDONLY)
        if descriptor < 0 { throw .fromErrno(path, "cannot open") }
        defer { close(descriptor) }
        var status = stat()
        if fstat(descriptor, &status) != 0 { throw .fromErrno(path, "cannot stat") }
        if (status.st_mode & S_IFMT) != S_IFREG { throw FileSystemError(path: path, detail: "not a regular file") }
        let size = Int(status.st_size)
        if size == 0 {
            // mmap rejects empty mappings; an empty buffer says the same thing.
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            return
        }
        let address = mmap(nil, size, PROT_READ, MAP_PRIVATE, descriptor, 0)
        if address == MAP_FAILED || address == nil { throw .fromErrno(path, "cannot map") }
        bytes = UnsafeRawBufferPointer(start: address, count: size)
    }

    deinit {
        if let base = bytes.baseAddress { munmap(UnsafeMutableRawPointer(mutating: base), bytes.count) }
    }
}

/// Reads a whole file in one call.
func readFile(_ url: URL) throws(FileSystemError) -> [UInt8] {
    let mapped = try MappedFile(path: url.path)
    return Array(mapped.bytes)
}
