// Linear layer, y = x Wᵀ + b, with Hugging Face's [out, in] weight layout. Forward and backward are
// one sgemm each per operand, over all rows of the batch at once.

/// out[N, O] = inp[N, I] · weight[O, I]ᵀ (+ bias[O]).
/// inp rows have stride `inFeatures`, out rows stride `outFeatures`. `kernel` .rowInvariant
/// computes each row as it would be alone (batched serving; RowProducts.swift).
func linearForward(
    out: UnsafeMutablePointer<Float>,
    inp: UnsafePointer<Float>,
    weight: UnsafePointer<Float>,
    bias: UnsafePointer<Float>?,
    rows: Int, inFeatures: Int, outFeatures: Int,
    kernel: ProductKernel = .blas
) {
    if kernel == .rowInvariant {
        rowInvariantProducts(out: out, ldo: outFeatures, inp: inp, ldi: inFeatures, weight: weight, ldw: inFeatures,
                             bias: bias, rows: rows, inFeatures: inFeatures, outFeatures: outFeatures)
        return
    }
    var beta: Float = 0
    if let bias {
        // Prefill every row with the bias and let sgemm accumulate onto it.
        for n in 0..<rows { (out + n * outFeatures).update(from: bias, count: outFeatures) }
        beta = 1
    }
    sgemm(.none, .transposed, m: rows, n: outFeatures, k: inFeatures,
          a: inp, lda: inFeatures, b: weight, ldb: inFeatures,
          beta: beta, c: out, ldc: outFeatures)
}

/// Backward of `linearForward` given dout[N, O]:
///   dinp[N, I]   (+)= dout · weight        (overwritten unless `accumulateInput`)
///   dweight[O, I] += doutᵀ · inp           (skipped when nil: frozen weight)
///   dbias[O]      += Σ_n dout[n, :]        (skipped when nil)
func linearBackward(
    dinp: UnsafeMutablePointer<Float>?, accumulateInput: Bool,
    dweight: UnsafeMutablePointer<Float>?,
    dbias: UnsafeMutablePointer<Float>?,
    dout: UnsafePointer<Float>,
    inp: UnsafePointer<Float>,
    weight: UnsafePointer<Float>,
    rows: Int, inFeatures: Int, outFeatures: Int
) {
    if let dinp {
        sgemm(.none, .none, m: rows, n: inFeatures, k: outFeatures,
              a: dout, lda: outFeatures, b: weight, ldb: inFeatures,
              beta: accumulateInput ? 1 : 0, c: dinp, ldc: inFeatures)
    }
    if let dweight {
        sgemm(.transposed, .none, m: outFeatures, n: inFeatures, k: rows,
              a: dout, lda: outFeatures, b: inp, ldb: inFeatures,
              beta: 1, c: dweight, ldc: inFeatures)
    }
    if let dbias {
        // Row order is fixed, so the sum is reproducible.
        for n in 0..<rows {
            let row = dout + n * outFeatures
            for o in 0..<outFeatures { dbias[o] += row[o] }
        }
    }
}
