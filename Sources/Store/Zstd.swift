import CZstd

/// One-shot zstd compression of whole frames. Frames record their content size, so
/// decompression allocates exactly once.
enum Zstd {
    /// Compresses `input` at `level`; nil when zstd reports an error.
    static func compress(_ input: UnsafeRawBufferPointer, level: Int32) -> [UInt8]? {
        let bound = ZSTD_compressBound(input.count)
        var output = [UInt8](repeating: 0, count: bound)
        let written = output.withUnsafeMutableBytes { out in
            ZSTD_compress(out.baseAddress, bound, input.baseAddress, input.count, level)
        }
        if ZSTD_isError(written) != 0 { return nil }
        output.removeSubrange(written...)
        return output
    }

    /// Size of the compressed form of `input`, without keeping it (a cheap probe at level 1).
    static func compressedSize(_ input: UnsafeRawBufferPointer, level: Int32) -> Int? {
        compress(input, level: level)?.count
    }

    enum DecompressError: Error { case unknownSize, tooLarge(UInt64), failed(String) }

    static func decompress(_ input: UnsafeRawBufferPointer, limit: Int = 1 << 34) throws -> [UInt8] {
        let size = ZSTD_getFrameContentSize(input.baseAddress, input.count)
        // ZSTD_CONTENTSIZE_UNKNOWN and _ERROR are the two largest UInt64 values.
        if size >= UInt64.max - 1 { throw DecompressError.unknownSize }
        if size > UInt64(limit) { throw DecompressError.tooLarge(size) }
        var output = [UInt8](repeating: 0, count: Int(size))
        let written = output.withUnsafeMutableBytes { out in
            ZSTD_decompress(out.baseAddress, Int(size), input.baseAddress, input.count)
        }
        if ZSTD_isError(written) != 0 {
            throw DecompressError.failed(String(cString: ZSTD_getErrorName(written)))
        }
        if written != Int(size) { throw DecompressError.failed("frame declared \(size) bytes, produced \(written)") }
        return output
    }
}
