// Q5_1: 32 values as 5-bit unsigned codes with a half-precision scale and minimum; the bits are
// packed as in Q5_0. llama.cpp stores Q5_K tensors whose rows are not whole super-blocks in it.
//
//   block_q5_1 { ggml_half d; ggml_half m; uint8_t qh[4]; uint8_t qs[16]; }   24 bytes
//   h = qh as uint32 (little-endian); for i in 0..<16:
//   x[i]      = d · ((qs[i] & 0x0F) | ((h >> i)        & 1) << 4) + m
//   x[i + 16] = d · ((qs[i] >> 4)   | ((h >> (i + 16)) & 1) << 4) + m
//   (the product rounded to float32 before m is added, as numpy computes (d * q) + m)

/// ggml's `block_q5_1`.
enum Q5_1Block: GGMLBlockFormat {
    static let elementCount = 32
    static let byteCount = 2 + 2 + 4 + 16

    @inline(__always)
    static func dequantize(_ block: UnsafeRawPointer, into values: UnsafeMutablePointer<Float>) {
        let scale = block.loadHalf(at: 0)
        let minimum = block.loadHalf(at: 2)
        let high = UInt32(littleEndian: block.loadUnaligned(fromByteOffset: 4, as: UInt32.self))
        for index in 0..<16 {
            let byte = block.loadByte(at: 8 + index)
            let low = UInt32(byte & 0x0F) | ((high >> UInt32(index)) & 1) << 4
            let upper = UInt32(byte >> 4) | ((high >> UInt32(index + 16)) & 1) << 4
            let lowProduct: Float = scale * Float(low)
            let upperProduct: Float = scale * Float(upper)
            values[index] = lowProduct + minimum
            values[index + 16] = upperProduct + minimum
        }
    }
}
