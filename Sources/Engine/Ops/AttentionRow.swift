// Causal grouped-query attention of one query row against the cached keys and values of its
// sequence: the serving path's attention (BatchDecoder). Every row is computed on its own, by the
// same operations whatever else is in the batch (CRowProducts' iopo_attention_row: the scores by
// the row-invariant product, the softmax row by row, the weighted sum of values in key order).
// The training path's attentionForward forms the scores of a block of queries with one sgemm,
// whose bits depend on the block's height.

import CRowProducts

/// out[heads·d] = softmax(q·Kᵀ / √d) · V for one query q[heads·d] that sees the first `visible`
/// rows of keys/values [visible, kvHeads·d] (row stride kvStride). Query head h reads key/value
/// head h / (heads / kvHeads). scratch holds `visible` floats.
@inline(__always)
func attentionRowForward(
    out: UnsafeMutablePointer<Float>, q: UnsafePointer<Float>,
    keys: UnsafePointer<Float>, values: UnsafePointer<Float>, kvStride: Int,
    visible: Int, heads: Int, kvHeads: Int, headDim: Int,
    scratch: UnsafeMutablePointer<Float>
) {
    iopo_attention_row(out, q, keys, values, kvStride, visible, heads, kvHeads, headDim, scratch)
}
