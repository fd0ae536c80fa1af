// Residual connections: the stream is added to, and its gradient passes through unchanged.

/// out[i] += inp[i] for i < count.
func residualAdd(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, count: Int) {
    parallelRows(count, costPerRow: 1) { range in
        for i in range { out[i] += inp[i] }
    }
}
