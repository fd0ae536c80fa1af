// Q5_K: Q4_K's super-block (eight 32-value sub-blocks with 6-bit scales and minimums, packed as
// in Q4_K) with a fifth bit per value.
//
//   block_q5_K { ggml_half d; ggml_half dmin; uint8_t scales[12]; uint8_t qh[32]; uint8_t qs[128]; }   176 bytes
//
//   Sub-block s (0..<8) takes its low four bits from qs chunk c = s / 2 (low nibbles for even s,
//   high nibbles for odd s) and its fifth bit from bit s of qh[l]:
//     q = nibble(qs[32c + l]) | ((qh[l] >> s) & 1) << 4                     l in 0..<32
//     x[32s + l] = (d · sc[s]) · q − dmin · m[s]
//   (sc and m unpacked by Q4_KBlock.scaleAndMinimum; each product rounded to float32 on its own)

/// ggml's `block_q5_K`.
enum Q5_KBlock: GGMLBlockFormat {
    static let elementCount = 256
    static let byteCount = 2 + 2 + 12 + 32 + 128

    @inline(__always)
    static func dequantize(_ block: UnsafeRawPointer, into values: UnsafeMutablePointer<Float>) {
        let d = block.loadHalf(at: 0)
        let dmin = block.loadHalf(at: 2)
        let scales = block + 4
        let highBits = block + 16
        let codes = block + 48
        for subBlock in 0..<8 {
            let (scale, minimum) = Q4_KBlock.scaleAndMinimum(subBlock, scales)
            let factor: Float = d * Float(scale)
            let offset: Float = dmin * Float(minimum)
            let shift = UInt8(4 * (subBlock % 2))
            let output = values + 32 * subBlock
            for l in 0..<32 {
                let low = (codes.loadByte(at: 32 * (subBlock / 2) + l) >> shift) & 0x0F
                let fifth = (highBits.loadByte(at: l) >> UInt8(subBlock)) & 1
                let product: Float = factor * Float(low | fifth << 4)
                output[l] = product - offset
            }
        }
    }
}
