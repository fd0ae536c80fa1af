// Causal grouped-query attention of one query row against the cached keys and values of its
// sequence: the serving path's attention (BatchDecoder). Every row is computed on its own, by the
// same operations whatever else is in the batch: the scores by the row-invariant product, the
// softmax row by row, the weighted sum of values in key order. (The training path's
// attentionForward forms the scores of a block of queries with one sgemm, whose bits depend on the
// block's height.)

import CRowProducts

/// out[heads·d] = softmax(scale · q·Kᵀ) · V for one query q[heads·d] that sees the first `visible`
/// rows of keys/values [visible, kvHeads·d] (row stride kvStride). Query head h reads key/value
/// head h / (heads / kvHeads). scratch holds `visible` floats.
func attentionRowForward(
    out: UnsafeMutablePointer<Float>, q: UnsafePointer<Float>,
    keys: UnsafePointer<Float>, values: UnsafePointer<Float>, kvStride: Int,
    visible: Int, heads: Int, kvHeads: Int, headDim: Int,
    scratch: UnsafeMutablePointer<Float>
) {
    let scale = 1 / Float(headDim).squareRoot()
    let group = heads / kvHeads
    for h in 0..<heads {
        let g = h / group
        // scores[j] = q_h · k_j for j < visible: one row against `visible` outputs.
        iopo_row_products(scratch, visible, q + h * headDim, headDim, keys + g * headDim, kvStride, nil,
                          1, headDim, 0, visible)
        for j in 0..<visible { scratch[j] *= scale }
        let maximum = vectorMax(scratch, visible)
        vectorExpInPlace(scratch, visible, shift: maximum)
        let sum = vectorSum(scratch, visible)
        vectorScale(scratch, visible, by: 1 / sum)
        let o = out + h * headDim
        o.update(repeating: 0, count: headDim)
        for j in 0..<visible {
            let p = scratch[j]
            let v = values + j * kvStride + g * headDim
            for t in 0..<headDim { o[t] += p * v[t] }
        }
    }
}
