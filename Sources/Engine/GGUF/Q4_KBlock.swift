// Q4_K: a 256-value super-block of eight 32-value sub-blocks, each with a 6-bit scale and a
// 6-bit minimum, themselves scaled by the super-block's half-precision d and dmin.
//
//   block_q4_K { ggml_half d; ggml_half dmin; uint8_t scales[12]; uint8_t qs[128]; }   144 bytes
//
//   scales packs eight 6-bit scales sc[0..7] and eight 6-bit minimums m[0..7]:
//     j < 4:  sc[j] = scales[j] & 63                  m[j] = scales[j + 4] & 63
//     j >= 4: sc[j] = (scales[j + 4] & 0x0F) | (scales[j - 4] >> 6) << 4
//             m[j]  = (scales[j + 4] >> 4)   | (scales[j]     >> 6) << 4
//   qs holds four 32-byte chunks; chunk c gives sub-block 2c from its low nibbles and
//   sub-block 2c + 1 from its high nibbles:
//     x[64c + l]      = (d · sc[2c])     · (qs[32c + l] & 0x0F) − dmin · m[2c]       l in 0..<32
//     x[64c + 32 + l] = (d · sc[2c + 1]) · (qs[32c + l] >> 4)   − dmin · m[2c + 1]
//   (each product rounded to float32 on its own, as numpy computes it)

/// ggml's `block_q4_K`.
enum Q4_KBlock: GGMLBlockFormat {
    static let elementCount = 256
    static let byteCount = 2 + 2 + 12 + 128

    /// The 6-bit scale and minimum of sub-block `index` (0..<8) from the 12 packed bytes at `scales`.
    @inline(__always)
    static func scaleAndMinimum(_ index: Int, _ scales: UnsafeRawPointer) -> (scale: UInt8, minimum: UInt8) {
        if index < 4 {
            return (scales.loadByte(at: index) & 63, scales.loadByte(at: index + 4) & 63)
        }
        let scale = (scales.loadByte(at: index + 4) & 0x0F) | ((scales.loadByte(at: index - 4) >> 6) << 4)
        let minimum = (scales.loadByte(at: index + 4) >> 4) | ((scales.loadByte(at: index) >> 6) << 4)
        return (scale, minimum)
    }

    @inline(__always)
    static func dequantize(_ block: UnsafeRawPointer, into values: UnsafeMutablePointer<Float>) {
        let d = block.loadHalf(at: 0)
        let dmin = block.loadHalf(at: 2)
        let scales = block + 4
        let codes = block + 16
        for chunk in 0..<4 {
            let (lowScale, lowMinimum) = scaleAndMinimum(2 * chunk, scales)
            let (highScale, highMinimum) = scaleAndMinimum(2 * chunk + 1, scales)
            let lowFactor: Float = d * Float(lowScale)
            let lowOffset: Float = dmin * Float(lowMinimum)
            let highFactor: Float = d * Float(highScale)
            let highOffset: Float = dmin * Float(highMinimum)
            let output = values + 64 * chunk
            for l in 0..<32 {
                let byte = codes.loadByte(at: 32 * chunk + l)
                let low: Float = lowFactor * Float(byte & 0x0F)
                let high: Float = highFactor * Float(byte >> 4)
                output[l] = low - lowOffset
                output[32 + l] = high - highOffset
            }
        }
    }
}
