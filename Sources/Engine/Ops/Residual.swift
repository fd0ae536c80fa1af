// Residual connections: the stream is added to, and its gradient passes through unchanged.

/// out[i] += inp[i] for i < count.
@inline(__always)
func residualAdd(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, count: Int) {
    for i in 0..<count { out[i] += inp[i] }
}
