// Q5_0: 32 values as 5-bit unsigned codes around 16, with one half-precision scale. The low four
// bits are packed as in Q4_0; the fifth bits of all 32 values are one little-endian uint32.
// llama.cpp stores Q4_K tensors whose rows are not whole 256-value super-blocks in this type.
//
//   block_q5_0 { ggml_half d; uint8_t qh[4]; uint8_t qs[16]; }     22 bytes
//   h = qh as uint32 (little-endian); for i in 0..<16:
//   x[i]      = (((qs[i] & 0x0F) | ((h >> i)        & 1) << 4) - 16) · d
//   x[i + 16] = (((qs[i] >> 4)   | ((h >> (i + 16)) & 1) << 4) - 16) · d

/// ggml's `block_q5_0`.
enum Q5_0Block: GGMLBlockFormat {
    static let elementCount = 32
    static let byteCount = 2 + 4 + 16

    @inline(__always)
    static func dequantize(_ block: UnsafeRawPointer, into values: UnsafeMutablePointer<Float>) {
        let scale = block.loadHalf(at: 0)
        let high = UInt32(littleEndian: block.loadUnaligned(fromByteOffset: 2, as: UInt32.self))
        for index in 0..<16 {
            let byte = block.loadByte(at: 6 + index)
            let low = Int(byte & 0x0F) | Int((high >> UInt32(index)) & 1) << 4
            let upper = Int(byte >> 4) | Int((high >> UInt32(index + 16)) & 1) << 4
            values[index] = scale * Float(low - 16)
            values[index + 16] = scale * Float(upper - 16)
        }
    }
}
