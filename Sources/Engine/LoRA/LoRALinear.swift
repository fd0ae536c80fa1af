// The low-rank path of a LoRA linear layer, added onto the frozen base projection:
// y += s · (x Aᵀ) Bᵀ with s = alpha / r. The intermediate u = x Aᵀ [N, r] is kept for the backward.
// The output may be a column block of a wider fused projection (q|k|v, gate|up), hence the strides.

/// u[N, r] = x[N, in] · A[r, in]ᵀ;  y[N, out] (row stride yStride) += s · u · B[out, r]ᵀ.
func loraForward(
    y: UnsafeMutablePointer<Float>, yStride: Int,
    u: UnsafeMutablePointer<Float>,
    x: UnsafePointer<Float>,
    a: UnsafePointer<Float>, b: UnsafePointer<Float>,
    scaling: Float,
    rows: Int, inFeatures: Int, outFeatures: Int, rank: Int,
    kernel: ProductKernel = .blas, update: UnsafeMutablePointer<Float>? = nil
) {
    if kernel == .rowInvariant {
        // Batched serving: both products row-invariant, u·Bᵀ into `update` ([N, out] scratch; one
        // is made when none is given), then y += s · update element by element.
        rowInvariantProducts(out: u, ldo: rank, inp: x, ldi: inFeatures, weight: a, ldw: inFeatures, bias: nil,
                             rows: rows, inFeatures: inFeatures, outFeatures: rank)
        let owned = update == nil ? FloatBuffer(count: rows * outFeatures) : nil
        let scratch = update ?? owned!.pointer
        rowInvariantProducts(out: scratch, ldo: outFeatures, inp: u, ldi: rank, weight: b, ldw: rank, bias: nil,
                             rows: rows, inFeatures: rank, outFeatures: outFeatures)
        for n in 0..<rows {
            let row = y + n * yStride, delta = scratch + n * outFeatures
            for o in 0..<outFeatures { row[o] += scaling * delta[o] }
        }
        withExtendedLifetime(owned) {}
        return
    }
    sgemm(.none, .transposed, m: rows, n: rank, k: inFeatures,
          a: x, lda: inFeatures, b: a, ldb: inFeatures, c: u, ldc: rank)
    sgemm(.none, .transposed, m: rows, n: outFeatures, k: rank, alpha: scaling,
          a: u, lda: rank, b: b, ldb: rank, beta: 1, c: y, ldc: yStride)
}

/// Backward of `loraForward` given dy[N, out] (row stride dyStride):
///   dB[out, r] += s · dyᵀ · u,   du = s · dy · B,   dA[r, in] += duᵀ · x,   dx[N, in] += du · A.
/// du[N, r] is caller-provided scratch.
func loraBackward(
    dx: UnsafeMutablePointer<Float>,
    da: UnsafeMutablePointer<Float>, db: UnsafeMutablePointer<Float>,
    du: UnsafeMutablePointer<Float>,
    dy: UnsafePointer<Float>, dyStride: Int,
    u: UnsafePointer<Float>,
    x: UnsafePointer<Float>,
    a: UnsafePointer<Float>, b: UnsafePointer<Float>,
    scaling: Float,
    rows: Int, inFeatures: Int, outFeatures: Int, rank: Int
) {
    sgemm(.transposed, .none, m: outFeatures, n: rank, k: rows, alpha: scaling,
          a: dy, lda: dyStride, b: u, ldb: rank, beta: 1, c: db, ldc: rank)
    sgemm(.none, .none, m: rows, n: rank, k: outFeatures, alpha: scaling,
          a: dy, lda: dyStride, b: b, ldb: rank, c: du, ldc: rank)
    sgemm(.transposed, .none, m: rank, n: inFeatures, k: rows,
          a: du, lda: rank, b: x, ldb: inFeatures, beta: 1, c: da, ldc: inFeatures)
    sgemm(.none, .none, m: rows, n: inFeatures, k: rank,
          a: du, lda: rank, b: a, ldb: inFeatures, beta: 1, c: dx, ldc: inFeatures)
}
