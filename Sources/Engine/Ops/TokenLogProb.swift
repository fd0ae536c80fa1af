// Log-probability of target tokens under the logits: logp = logit[y] − logsumexp(logits). This is
// the quantity every objective is built from (causal-LM loss = −mean logp; DPO/IOPO use per-
// sequence sums), so the backward takes a weight per row, w = d objective / d logp.

import Foundation

/// For each of M rows of logits[M, V]: lse[m] = log Σ_v exp(logits[m, v]) and
/// logProb[m] = logits[m, targets[m]] − lse[m] (0 where targets[m] < 0, i.e. no target).
func tokenLogProbForward(
    logProb: UnsafeMutablePointer<Float>,
    lse: UnsafeMutablePointer<Float>,
    logits: UnsafePointer<Float>,
    targets: UnsafePointer<Int32>,
    rows: Int, vocab: Int
) {
    for m in 0..<rows {
        let row = logits + m * vocab
        var maximum = -Float.infinity
        for v in 0..<vocab where row[v] > maximum { maximum = row[v] }
        // exp in float32, sum in float64: the sum runs over the whole vocabulary.
        var sum: Double = 0
        for v in 0..<vocab { sum += Double(exp(row[v] - maximum)) }
        let logSumExp = maximum + Float(log(sum))
        lse[m] = logSumExp
        let target = Int(targets[m])
        logProb[m] = target >= 0 ? row[target] - logSumExp : 0
    }
}

/// Backward of `tokenLogProbForward`, in place: logits[M, V] is overwritten by
/// dlogits[m, v] = weights[m] · (1[v = y_m] − softmax(logits[m])[v]). Rows with zero weight (or no
/// target) become zero.
func tokenLogProbBackward(
    logitsToGradient: UnsafeMutablePointer<Float>,
    lse: UnsafePointer<Float>,
    targets: UnsafePointer<Int32>,
    weights: UnsafePointer<Float>,
    rows: Int, vocab: Int
) {
    for m in 0..<rows {
        let row = logitsToGradient + m * vocab
        let w = weights[m]
        let target = Int(targets[m])
        if w == 0 || target < 0 {
            row.update(repeating: 0, count: vocab)
            continue
        }
        let logSumExp = lse[m]
        for v in 0..<vocab { row[v] = -w * exp(row[v] - logSumExp) }
        row[target] += w
    }
}
