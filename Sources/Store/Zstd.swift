import CZstd

/// A reusable compression context: allocating zstd's tables costs about as much as compressing
/// a small chunk, so each worker thread keeps one for all the chunks it compresses.
final class ZstdCompressor {
    private let context: OpaquePointer

    init() { context = ZSTD_createCCtx() }
    deinit { ZSTD_freeCCtx(context) }

    /// Compresses `input` at `level` into one frame; nil when zstd reports an error.
    func compress(_ input: UnsafeRawBufferPointer, level: Int32) -> [UInt8]? {
        let bound = ZSTD_compressBound(input.count)
        var output = [UInt8](repeating: 0, count: bound)
        let written = output.withUnsafeMutableBytes { out in
            ZSTD_compressCCtx(context, out.baseAddress, bound, input.baseAddress, input.count, level)
        }
        if ZSTD_isError(written) != 0 { return nil }
        output.removeSubrange(written...)
        return output
    }
}

/// One-shot zstd compression of whole frames. Frames record their content size, so
/// decompression allocates exactly once.
enum Zstd {
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
