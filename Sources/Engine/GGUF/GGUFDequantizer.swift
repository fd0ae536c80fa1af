// Expands a tensor's bytes, block after block, into row-major float32 values. The bytes of a
// tensor are its blocks in order; the blocks of one row (ne[0] values) are consecutive, so the
// output is the tensor in Hugging Face's row-major order (see GGUFTensorInfo).

/// Converts GGUF tensor data of the supported types to float32.
public enum GGUFDequantizer {
    /// The `count` values stored in `data` as `type`; nil when the engine does not dequantise
    /// `type` or `data` does not hold exactly `count / type.blockSize * type.typeSize` bytes
    /// (`GGUFFile` guarantees both sizes for a tensor it has validated).
    public static func dequantize(_ data: UnsafeRawBufferPointer, type: GGMLType, count: Int) -> [Float]? {
        guard type.isDequantizable, count >= 0, count % type.blockSize == 0,
              data.count == count / type.blockSize * type.typeSize else { return nil }
        return [Float](unsafeUninitializedCapacity: count) { values, initialized in
            if count > 0, let source = data.baseAddress, let destination = values.baseAddress {
                switch type {
                case .f32: expand(F32Element.self, source, count, destination)
                case .f16: expand(F16Element.self, source, count, destination)
                case .bf16: expand(BF16Element.self, source, count, destination)
                case .q8_0: expand(Q8_0Block.self, source, count, destination)
                case .q4_0: expand(Q4_0Block.self, source, count, destination)
                case .q4_1: expand(Q4_1Block.self, source, count, destination)
                case .q5_0: expand(Q5_0Block.self, source, count, destination)
                case .q5_1: expand(Q5_1Block.self, source, count, destination)
                case .q4_K: expand(Q4_KBlock.self, source, count, destination)
                case .q5_K: expand(Q5_KBlock.self, source, count, destination)
                case .q6_K: expand(Q6_KBlock.self, source, count, destination)
                default: preconditionFailure("\(type.name) is marked dequantizable but has no block format")
                }
            }
            initialized = count
        }
    }

    /// Expands `count / Format.elementCount` consecutive blocks.
    @inline(__always)
    private static func expand<Format: GGMLBlockFormat>(_: Format.Type, _ source: UnsafeRawPointer, _ count: Int,
                                                        _ destination: UnsafeMutablePointer<Float>) {
        for block in 0..<(count / Format.elementCount) {
            Format.dequantize(source + block * Format.byteCount, into: destination + block * Format.elementCount)
        }
    }
}
