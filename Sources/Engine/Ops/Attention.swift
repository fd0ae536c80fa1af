// Causal grouped-query attention for one sequence, in query blocks: for each head and each block of
// at most `attentionBlockRows` queries, one sgemm forms the scores against the keys the block can
// see (so the masked upper triangle is mostly skipped), a tight loop takes the softmax, and one
// sgemm applies it to the values. The forward keeps only the per-(query, head) log-sum-exp; the
// backward recomputes the probabilities from it (memory O(T·heads) instead of O(T²·heads)).
//
// Query head h reads key/value head h / (heads / kvHeads), as in Hugging Face's repeat_kv.

import Foundation

/// Rows of queries handled per score block; also the scratch height (scratch is rows × keys).
let attentionBlockRows = 64

/// Causal attention of nQ queries against nK keys of one sequence.
///   q:   [nQ, heads·d]   row stride qStride      (already rotated)
///   k,v: [nK, kvHeads·d] row strides kStride, vStride
///   out: [nQ, heads·d]   row stride outStride
///   lse: [nQ, heads]     row stride lseStride, log Σ_j exp(score) saved for the backward (optional)
/// Query i sits at position queryOffset + i and sees keys 0...queryOffset + i (queryOffset + nQ ≤ nK).
/// scratch holds at least attentionBlockRows · nK floats.
func attentionForward(
    out: UnsafeMutablePointer<Float>, outStride: Int,
    lse: UnsafeMutablePointer<Float>?, lseStride: Int,
    q: UnsafePointer<Float>, qStride: Int,
    k: UnsafePointer<Float>, kStride: Int,
    v: UnsafePointer<Float>, vStride: Int,
    queryCount: Int, keyCount: Int, queryOffset: Int,
    heads: Int, kvHeads: Int, headDim: Int,
    scratch: UnsafeMutablePointer<Float>
) {
    precondition(queryOffset + queryCount <= keyCount, "queries see past the keys")
    let scale = 1 / Float(headDim).squareRoot()
    let group = heads / kvHeads
    for h in 0..<heads {
        let g = h / group
        let qHead = q + h * headDim
        let kHead = k + g * headDim
        let vHead = v + g * headDim
        let outHead = out + h * headDim
        var i0 = 0
        while i0 < queryCount {
            let blockRows = min(attentionBlockRows, queryCount - i0)
            let keys = queryOffset + i0 + blockRows
            // scores[blockRows, keys] = scale · Q_block · Kᵀ
            sgemm(.none, .transposed, m: blockRows, n: keys, k: headDim, alpha: scale,
                  a: qHead + i0 * qStride, lda: qStride, b: kHead, ldb: kStride,
                  c: scratch, ldc: keys)
            // The sgemms use every BLAS thread; the softmax rows are split across threads here.
            parallelRows(blockRows, costPerRow: 12 * keys) { range in
                for r in range {
                    let row = scratch + r * keys
                    let visible = queryOffset + i0 + r + 1
                    let maximum = vectorMax(row, visible)
                    vectorExpInPlace(row, visible, shift: maximum)
                    let sum = vectorSum(row, visible)
                    vectorScale(row, visible, by: 1 / sum)
                    if visible < keys { (row + visible).update(repeating: 0, count: keys - visible) }
                    if let lse { lse[(i0 + r) * lseStride + h] = maximum + log(sum) }
                }
            }
            // out_block[blockRows, d] = P · V
            sgemm(.none, .none, m: blockRows, n: headDim, k: keys,
                  a: scratch, lda: keys, b: vHead, ldb: vStride,
                  c: outHead + i0 * outStride, ldc: outStride)
            i0 += blockRows
        }
    }
}

/// Backward of `attentionForward` (same shapes and strides), given dout and the saved out and lse:
///   P  = exp(scale·Q·Kᵀ − lse) (recomputed),  dP = dO·Vᵀ,  D_i = dO_i · O_i,
///   dS = P ⊙ (dP − D),  dQ = scale·dS·K,  dK += scale·dSᵀ·Q,  dV += Pᵀ·dO.
/// dq is overwritten; dk and dv accumulate (several query heads share one key/value head).
/// scratchP and scratchDP each hold at least attentionBlockRows · nK floats.
func attentionBackward(
    dq: UnsafeMutablePointer<Float>, dqStride: Int,
    dk: UnsafeMutablePointer<Float>, dkStride: Int,
    dv: UnsafeMutablePointer<Float>, dvStride: Int,
    dout: UnsafePointer<Float>, doutStride: Int,
    out: UnsafePointer<Float>, outStride: Int,
    lse: UnsafePointer<Float>, lseStride: Int,
    q: UnsafePointer<Float>, qStride: Int,
    k: UnsafePointer<Float>, kStride: Int,
    v: UnsafePointer<Float>, vStride: Int,
    queryCount: Int, keyCount: Int, queryOffset: Int,
    heads: Int, kvHeads: Int, headDim: Int,
    scratchP: UnsafeMutablePointer<Float>,
    scratchDP: UnsafeMutablePointer<Float>
) {
    precondition(queryOffset + queryCount <= keyCount, "queries see past the keys")
    let scale = 1 / Float(headDim).squareRoot()
    let group = heads / kvHeads
    for h in 0..<heads {
        let g = h / group
        let qHead = q + h * headDim
        let kHead = k + g * headDim
        let vHead = v + g * headDim
        let dqHead = dq + h * headDim
        let dkHead = dk + g * headDim
        let dvHead = dv + g * headDim
        let doutHead = dout + h * headDim
        let outHead = out + h * headDim
        var i0 = 0
        while i0 < queryCount {
            let blockRows = min(attentionBlockRows, queryCount - i0)
            let keys = queryOffset + i0 + blockRows
            sgemm(.none, .transposed, m: blockRows, n: keys, k: headDim, alpha: scale,
                  a: qHead + i0 * qStride, lda: qStride, b: kHead, ldb: kStride,
                  c: scratchP, ldc: keys)
            // dP[blockRows, keys] = dO_block · Vᵀ
            sgemm(.none, .transposed, m: blockRows, n: keys, k: headDim,
                  a: doutHead + i0 * doutStride, lda: doutStride, b: vHead, ldb: vStride,
                  c: scratchDP, ldc: keys)
            parallelRows(blockRows, costPerRow: 14 * keys) { range in
                for r in range {
                    let i = i0 + r
                    let p = scratchP + r * keys
                    let dp = scratchDP + r * keys
                    let visible = queryOffset + i + 1
                    let logSumExp = lse[i * lseStride + h]
                    var d: Float = 0
                    let dO = doutHead + i * doutStride
                    let o = outHead + i * outStride
                    for c in 0..<headDim { d += dO[c] * o[c] }
                    vectorExpInPlace(p, visible, shift: logSumExp)
                    for j in 0..<visible { dp[j] = p[j] * (dp[j] - d) }
                    if visible < keys {
                        (p + visible).update(repeating: 0, count: keys - visible)
                        (dp + visible).update(repeating: 0, count: keys - visible)
                    }
                }
            }
            // dQ_block[blockRows, d] = scale · dS · K
            sgemm(.none, .none, m: blockRows, n: headDim, k: keys, alpha: scale,
                  a: scratchDP, lda: keys, b: kHead, ldb: kStride,
                  c: dqHead + i0 * dqStride, ldc: dqStride)
            // dK[keys, d] += scale · dSᵀ · Q_block
            sgemm(.transposed, .none, m: keys, n: headDim, k: blockRows, alpha: scale,
                  a: scratchDP, lda: keys, b: qHead + i0 * qStride, ldb: qStride,
                  beta: 1, c: dkHead, ldc: dkStride)
            // dV[keys, d] += Pᵀ · dO_block
            sgemm(.transposed, .none, m: keys, n: headDim, k: blockRows,
                  a: scratchP, lda: keys, b: doutHead + i0 * doutStride, ldb: doutStride,
                  beta: 1, c: dvHead, ldc: dvStride)
            i0 += blockRows
        }
    }
}
