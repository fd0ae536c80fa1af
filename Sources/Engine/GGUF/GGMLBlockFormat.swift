// The shape shared by every ggml element format the engine dequantises: a block of
// `elementCount` values stored in `byteCount` bytes, and one function that expands a block to
// float32. Each format is one small type in its own file, with its byte layout (ggml-common.h's
// struct) in the comment; `GGUFDequantizer` picks the type from the tensor's `GGMLType`.
//
// Every function reproduces gguf-py's `gguf.quants.dequantize` bit for bit: the same float32
// operations in the same order (a product, then a sum or difference, each rounded on its own;
// Swift does not contract them into fused multiply-adds), half-precision scales widened exactly.

/// One ggml block format.
protocol GGMLBlockFormat {
    /// Values per block.
    static var elementCount: Int { get }
    /// Bytes per block.
    static var byteCount: Int { get }
    /// Expands the block at `block` (`byteCount` bytes, any alignment) into `elementCount` values.
    static func dequantize(_ block: UnsafeRawPointer, into values: UnsafeMutablePointer<Float>)
}

extension UnsafeRawPointer {
    /// The little-endian IEEE half at `offset`, widened exactly to float32.
    @inline(__always)
    func loadHalf(at offset: Int) -> Float {
        HalfPrecision.floatFromFloat16(UInt16(littleEndian: loadUnaligned(fromByteOffset: offset, as: UInt16.self)))
    }

    /// The byte at `offset`.
    @inline(__always)
    func loadByte(at offset: Int) -> UInt8 {
        load(fromByteOffset: offset, as: UInt8.self)
    }
}
