// Q8_0: 32 values as signed bytes with one half-precision scale.
//
//   block_q8_0 { ggml_half d; int8_t qs[32]; }          34 bytes
//   x[i] = qs[i] · d

/// ggml's `block_q8_0`.
enum Q8_0Block: GGMLBlockFormat {
    static let elementCount = 32
    static let byteCount = 2 + 32

    @inline(__always)
    static func dequantize(_ block: UnsafeRawPointer, into values: UnsafeMutablePointer<Float>) {
        let scale = block.loadHalf(at: 0)
        for index in 0..<32 {
            values[index] = Float(Int8(bitPattern: block.loadByte(at: 2 + index))) * scale
        }
    }
}
