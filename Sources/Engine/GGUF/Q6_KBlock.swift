// Q6_K: a 256-value super-block of sixteen 16-value groups, each with a signed 8-bit scale,
// scaled by the super-block's half-precision d. Each value is a 6-bit code around 32: its low 4
// bits in ql, its high 2 bits in qh.
//
//   block_q6_K { uint8_t ql[128]; uint8_t qh[64]; int8_t scales[16]; ggml_half d; }   210 bytes
//
//   The block is two halves of 128 values; half h uses ql[64h ..< 64h + 64] and qh[32h ..< 32h + 32].
//   For l in 0..<32, within half h (x = x[128h ...], ql = ql[64h ...], qh = qh[32h ...]):
//     x[l]      = (d · scales[8h + l/16])     · ((ql[l]      & 0xF) | ((qh[l] >> 0) & 3) << 4) − 32)
//     x[l + 32] = (d · scales[8h + l/16 + 2]) · ((ql[l + 32] & 0xF) | ((qh[l] >> 2) & 3) << 4) − 32)
//     x[l + 64] = (d · scales[8h + l/16 + 4]) · ((ql[l]      >> 4)  | ((qh[l] >> 4) & 3) << 4) − 32)
//     x[l + 96] = (d · scales[8h + l/16 + 6]) · ((ql[l + 32] >> 4)  | ((qh[l] >> 6) & 3) << 4) − 32)
//   (so value e of the block uses scales[e / 16])

/// ggml's `block_q6_K`.
enum Q6_KBlock: GGMLBlockFormat {
    static let elementCount = 256
    static let byteCount = 128 + 64 + 16 + 2

    /// d · scales[group], rounded to float32 (exact: an 11-bit half times an 8-bit integer).
    @inline(__always)
    static func factor(_ block: UnsafeRawPointer, _ d: Float, _ group: Int) -> Float {
        d * Float(Int8(bitPattern: block.loadByte(at: 192 + group)))
    }

    @inline(__always)
    static func dequantize(_ block: UnsafeRawPointer, into values: UnsafeMutablePointer<Float>) {
        let d = block.loadHalf(at: 208)
        for half in 0..<2 {
            let low = block + 64 * half
            let high = block + 128 + 32 * half
            let output = values + 128 * half
            for l in 0..<32 {
                let lowA = low.loadByte(at: l)
                let lowB = low.loadByte(at: l + 32)
                let bits = high.loadByte(at: l)
                let q0 = Int((lowA & 0x0F) | ((bits & 3) << 4)) - 32
                let q1 = Int((lowB & 0x0F) | (((bits >> 2) & 3) << 4)) - 32
                let q2 = Int((lowA >> 4) | (((bits >> 4) & 3) << 4)) - 32
                let q3 = Int((lowB >> 4) | (((bits >> 6) & 3) << 4)) - 32
                let group = 8 * half + l / 16
                output[l] = factor(block, d, group) * Float(q0)
                output[l + 32] = factor(block, d, group + 2) * Float(q1)
                output[l + 64] = factor(block, d, group + 4) * Float(q2)
                output[l + 96] = factor(block, d, group + 6) * Float(q3)
            }
        }
    }
}
