// Log-probability of target tokens under the logits: logp = logit[y] − logsumexp(logits). This is
// the quantity every objective is built from (causal-LM loss = −mean logp; DPO/IOPO use per-
// sequence sums), so the backward takes a weight per row, w = d objective / d logp.

import Foundation

/// For each of M rows of logits[M, V]: lse[m] = log Σ_v exp(logits[m, v]) and
/// logProb[m] = logits[m, targets[m]] − lse[m] (0 where targets[m] < 0, i.e. no target).
/// The rows are then overwritten by their softmax, which is all the backward needs (one exp per
/// logit for forward and backward together).
func tokenLogProbForward(
    logProb: UnsafeMutablePointer<Float>,
    lse: UnsafeMutablePointer<Float>,
    logitsToProbabilities logits: UnsafeMutablePointer<Float>,
    targets: UnsafePointer<Int32>,
    rows: Int, vocab: Int
) {
    parallelRows(rows, costPerRow: 30 * vocab) { range in
        for m in range {
            let row = logits + m * vocab
            let target = Int(targets[m])
            let targetLogit = target >= 0 ? row[target] : 0
            let maximum = vectorMax(row, vocab)
            vectorExpInPlace(row, vocab, shift: maximum)
            let sum = vectorSum(row, vocab)
            let logSumExp = maximum + log(sum)
            lse[m] = logSumExp
            logProb[m] = target >= 0 ? targetLogit - logSumExp : 0
            vectorScale(row, vocab, by: 1 / sum)
        }
    }
}

/// Backward of `tokenLogProbForward`, in place: the softmax rows probabilities[M, V] become
/// dlogits[m, v] = weights[m] · (1[v = y_m] − softmax[m, v]). Rows with zero weight (or no target)
/// become zero.
func tokenLogProbBackward(
    probabilitiesToGradient row0: UnsafeMutablePointer<Float>,
    targets: UnsafePointer<Int32>,
    weights: UnsafePointer<Float>,
    rows: Int, vocab: Int
) {
    parallelRows(rows, costPerRow: 2 * vocab) { range in
        for m in range {
            let row = row0 + m * vocab
            let w = weights[m]
            let target = Int(targets[m])
            if w == 0 || target < 0 {
                row.update(repeating: 0, count: vocab)
                continue
            }
            vectorScale(row, vocab, by: -w)
            row[target] += w
        }
    }
}
