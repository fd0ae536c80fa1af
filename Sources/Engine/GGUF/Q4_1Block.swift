// Q4_1: 32 values as 4-bit unsigned codes with a half-precision scale and minimum.
//
//   block_q4_1 { ggml_half d; ggml_half m; uint8_t qs[16]; }   20 bytes
//   x[i]      = d · (qs[i] & 0x0F) + m      i in 0..<16   (low nibbles: the first half)
//   x[i + 16] = d · (qs[i] >> 4)   + m                    (high nibbles: the second half)
//
// The product is rounded to float32 before m is added, as numpy computes (d * q) + m.

/// ggml's `block_q4_1`.
enum Q4_1Block: GGMLBlockFormat {
    static let elementCount = 32
    static let byteCount = 2 + 2 + 16

    @inline(__always)
    static func dequantize(_ block: UnsafeRawPointer, into values: UnsafeMutablePointer<Float>) {
        let scale = block.loadHalf(at: 0)
        let minimum = block.loadHalf(at: 2)
        for index in 0..<16 {
            let byte = block.loadByte(at: 4 + index)
            let low: Float = scale * Float(byte & 0x0F)
            let high: Float = scale * Float(byte >> 4)
            values[index] = low + minimum
            values[index + 16] = high + minimum
        }
    }
}
