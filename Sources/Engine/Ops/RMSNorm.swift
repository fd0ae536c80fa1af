// RMSNorm as Hugging Face Qwen2 computes it in float32: y = x · rsqrt(mean(x²) + eps) · w.
// The backward needs the input and the per-row reciprocal RMS, which the forward stores in `rstd`.

/// out[N, C] = inp[N, C] · rstd[n] · weight[C], with rstd[N] = 1 / sqrt(mean_c inp² + eps) saved
/// for the backward.
func rmsNormForward(
    out: UnsafeMutablePointer<Float>,
    rstd: UnsafeMutablePointer<Float>,
    inp: UnsafePointer<Float>,
    weight: UnsafePointer<Float>,
    rows: Int, channels: Int, eps: Float
) {
    parallelRows(rows, costPerRow: 3 * channels) { range in
        for n in range {
            let x = inp + n * channels
            let y = out + n * channels
            var sumSquares: Float = 0
            for c in 0..<channels { sumSquares += x[c] * x[c] }
            let r = 1 / (sumSquares / Float(channels) + eps).squareRoot()
            rstd[n] = r
            for c in 0..<channels { y[c] = (x[c] * r) * weight[c] }
        }
    }
}

/// Backward of `rmsNormForward` given dout[N, C]. With g = dout · w:
///   dinp[n, c] += r·g[c] − r³·x[c]·(Σ_j g[j]·x[j]) / C
///   dweight[c] += Σ_n dout[n, c]·x[n, c]·r[n]        (skipped when nil: frozen weight)
/// `dinp` accumulates, because the input is a residual stream that also receives other gradients.
func rmsNormBackward(
    dinp: UnsafeMutablePointer<Float>,
    dweight: UnsafeMutablePointer<Float>?,
    dout: UnsafePointer<Float>,
    inp: UnsafePointer<Float>,
    weight: UnsafePointer<Float>,
    rstd: UnsafePointer<Float>,
    rows: Int, channels: Int
) {
    let invChannels = 1 / Float(channels)
    parallelRows(rows, costPerRow: 6 * channels) { range in
        for n in range {
            let x = inp + n * channels
            let dy = dout + n * channels
            let dx = dinp + n * channels
            let r = rstd[n]
            var dot: Float = 0
            for c in 0..<channels { dot += dy[c] * weight[c] * x[c] }
            let coefficient = r * r * r * dot * invChannels
            for c in 0..<channels { dx[c] += r * dy[c] * weight[c] - coefficient * x[c] }
        }
    }
    guard let dweight else { return }
    // Split over channels, not rows: each channel's sum still runs over the rows in order.
    parallelRows(channels, costPerRow: 3 * rows) { range in
        for n in 0..<rows {
            let x = inp + n * channels
            let dy = dout + n * channels
            let r = rstd[n]
            for c in range { dweight[c] += dy[c] * x[c] * r }
        }
    }
}
