// Global-norm gradient clipping, as torch.nn.utils.clip_grad_norm_: the norm over all gradients
// together; when it exceeds the limit every gradient is scaled by max_norm / (norm + 1e-6).

/// Global-norm gradient clipping over a flat gradient buffer.
public enum GradientClipping {
    /// sqrt(Σ g²), accumulated in float64 in index order.
    public static func globalNorm(_ gradients: UnsafeBufferPointer<Float>) -> Double {
        var sum: Double = 0
        for g in gradients { sum += Double(g) * Double(g) }
        return sum.squareRoot()
    }

    /// Clips in place and returns the norm before clipping.
    @discardableResult
    public static func clip(_ gradients: UnsafeMutableBufferPointer<Float>, maxNorm: Double) -> Double {
        let norm = globalNorm(UnsafeBufferPointer(gradients))
        let coefficient = maxNorm / (norm + 1e-6)
        if coefficient < 1 {
            let factor = Float(coefficient)
            for i in gradients.indices { gradients[i] *= factor }
        }
        return norm
    }
}
