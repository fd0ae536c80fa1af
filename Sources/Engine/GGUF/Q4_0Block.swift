// Q4_0: 32 values as 4-bit unsigned codes around 8, with one half-precision scale.
//
//   block_q4_0 { ggml_half d; uint8_t qs[16]; }         18 bytes
//   x[i]      = ((qs[i] & 0x0F) - 8) · d      i in 0..<16   (low nibbles: the first half)
//   x[i + 16] = ((qs[i] >> 4)   - 8) · d                    (high nibbles: the second half)

/// ggml's `block_q4_0`.
enum Q4_0Block: GGMLBlockFormat {
    static let elementCount = 32
    static let byteCount = 2 + 16

    @inline(__always)
    static func dequantize(_ block: UnsafeRawPointer, into values: UnsafeMutablePointer<Float>) {
        let scale = block.loadHalf(at: 0)
        for index in 0..<16 {
            let byte = block.loadByte(at: 2 + index)
            values[index] = scale * Float(Int(byte & 0x0F) - 8)
            values[index + 16] = scale * Float(Int(byte >> 4) - 8)
        }
    }
}
