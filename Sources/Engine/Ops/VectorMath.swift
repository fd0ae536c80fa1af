// Elementwise kernels for the hot loops outside BLAS: the softmaxes over the vocabulary and over
// attention keys, and the SiLU gate. exp is our own (Cephes' expf polynomial, within a few ulp of
// libm), written branch-free and trap-free so the compiler vectorises the loops that call it: several
// times faster than calling libm's expf per element, and the same bits on every machine whatever its
// libm. Reductions keep 8 running partial results combined in a fixed order, which lets the
// compiler use vector registers without reassociating, and keeps results reproducible.

/// e^x: x = n·ln2 + r with |r| ≤ ln2/2, e^r by a degree-6 polynomial, 2^n written into the exponent
/// bits. Inputs are clamped to [−87.3, 88.7], so results stay normal floats (e^−87.3 ≈ 1.2e−38
/// stands in for anything smaller).
@inline(__always)
func fastExp(_ input: Float) -> Float {
    let x = Swift.min(Swift.max(input, -87.3), 88.7)
    // Adding 1.5·2^23 rounds x·log2(e) to the nearest integer n and leaves n in the low mantissa
    // bits of `shifted` (no float-to-int conversion, so no trap and nothing to stop vectorising).
    let shifted = x * 1.442_695_04 + 12_582_912
    let n = shifted - 12_582_912
    // ln2 split in two so n·ln2 is subtracted without rounding error.
    var r = x - n * 0.693_359_375
    r = r + n * 2.121_944_4e-4
    var p: Float = 1.987_569_15e-4
    p = p * r + 1.398_199_950_7e-3
    p = p * r + 8.333_451_907_3e-3
    p = p * r + 4.166_579_589_4e-2
    p = p * r + 1.666_666_545_9e-1
    p = p * r + 5.000_000_120_1e-1
    p = p * r * r + r + 1
    // (bits of shifted) = 0x4B40_0000 + n; shifting by 23 drops the constant and leaves n + 127
    // in the exponent field.
    let scale = Float(bitPattern: (shifted.bitPattern &+ 127) &<< 23)
    return p * scale
}

/// σ(x) = 1 / (1 + e^−x).
@inline(__always)
func fastSigmoid(_ x: Float) -> Float { 1 / (1 + fastExp(-x)) }

/// max over x[0..<n] (−∞ for n = 0).
func vectorMax(_ x: UnsafePointer<Float>, _ n: Int) -> Float {
    var m0 = -Float.infinity, m1 = m0, m2 = m0, m3 = m0, m4 = m0, m5 = m0, m6 = m0, m7 = m0
    var i = 0
    while i + 8 <= n {
        m0 = x[i] > m0 ? x[i] : m0
        m1 = x[i + 1] > m1 ? x[i + 1] : m1
        m2 = x[i + 2] > m2 ? x[i + 2] : m2
        m3 = x[i + 3] > m3 ? x[i + 3] : m3
        m4 = x[i + 4] > m4 ? x[i + 4] : m4
        m5 = x[i + 5] > m5 ? x[i + 5] : m5
        m6 = x[i + 6] > m6 ? x[i + 6] : m6
        m7 = x[i + 7] > m7 ? x[i + 7] : m7
        i += 8
    }
    while i < n { m0 = x[i] > m0 ? x[i] : m0; i += 1 }
    let a = Swift.max(Swift.max(m0, m1), Swift.max(m2, m3))
    let b = Swift.max(Swift.max(m4, m5), Swift.max(m6, m7))
    return Swift.max(a, b)
}

/// x[i] = e^(x[i] − shift) for i < n (in place).
func vectorExpInPlace(_ x: UnsafeMutablePointer<Float>, _ n: Int, shift: Float) {
    for i in 0..<n { x[i] = fastExp(x[i] - shift) }
}

/// Σ x[0..<n] with 8 partial sums in double precision, rounded once at the end. Float partials
/// would drop every term below half an ulp of the running sum: over a 49,152-token vocabulary most
/// softmax terms are that small, so a float sum comes out systematically low and every probability
/// high (measured: twice PyTorch's deviation from a float64 reference in LoRA gradients of the
/// reference model). Doubles keep those terms at the cost of one conversion per element.
func vectorSum(_ x: UnsafePointer<Float>, _ n: Int) -> Float {
    var s0: Double = 0, s1: Double = 0, s2: Double = 0, s3: Double = 0
    var s4: Double = 0, s5: Double = 0, s6: Double = 0, s7: Double = 0
    var i = 0
    while i + 8 <= n {
        s0 += Double(x[i]); s1 += Double(x[i + 1]); s2 += Double(x[i + 2]); s3 += Double(x[i + 3])
        s4 += Double(x[i + 4]); s5 += Double(x[i + 5]); s6 += Double(x[i + 6]); s7 += Double(x[i + 7])
        i += 8
    }
    while i < n { s0 += Double(x[i]); i += 1 }
    return Float(((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7)))
}

/// x[i] *= factor for i < n.
func vectorScale(_ x: UnsafeMutablePointer<Float>, _ n: Int, by factor: Float) {
    for i in 0..<n { x[i] *= factor }
}
