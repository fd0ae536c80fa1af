// The one matrix product of the engine: row-major cblas_sgemm. Every product in the model goes
// through `sgemm`, with large batched shapes (all tokens of a batch as rows) so OpenBLAS gets work
// worth its kernels. A product with a single output row (one token while decoding) is a
// matrix-vector product; sgemm would pack the whole weight matrix on every call for it, so it goes
// to cblas_sgemv, which streams the matrix once.

import COpenBLAS

/// Whether an operand of `sgemm` is used as stored or transposed.
enum Transpose {
    case none
    case transposed

    var cblas: CBLAS_TRANSPOSE { self == .none ? CblasNoTrans : CblasTrans }
}

/// C[m, n] = alpha * op(A)[m, k] · op(B)[k, n] + beta * C, all row-major with leading dimensions
/// lda, ldb, ldc (the row strides of A, B, C as stored, which lets callers address a column block
/// of a wider matrix, e.g. one attention head inside a [T, heads*headDim] buffer).
@inline(__always)
func sgemm(
    _ transA: Transpose, _ transB: Transpose,
    m: Int, n: Int, k: Int,
    alpha: Float = 1,
    a: UnsafePointer<Float>, lda: Int,
    b: UnsafePointer<Float>, ldb: Int,
    beta: Float = 0,
    c: UnsafeMutablePointer<Float>, ldc: Int
) {
    if m == 0 || n == 0 { return }
    if k == 0 {
        // BLAS leaves C * beta; make that explicit for the empty inner dimension.
        for i in 0..<m {
            let row = c + i * ldc
            for j in 0..<n { row[j] = beta == 0 ? 0 : row[j] * beta }
        }
        return
    }
    if m == 1 {
        // c[1, n] = alpha · a[1, k] · op(B)[k, n] + beta · c: the row of a is contiguous (or, when
        // A is stored transposed as [k, 1], strided by lda).
        let incx = blasint(transA == .none ? 1 : lda)
        if transB == .transposed {
            // op(B) = Bᵀ with B stored [n, k]: c = B · a.
            cblas_sgemv(CblasRowMajor, CblasNoTrans, blasint(n), blasint(k), alpha, b, blasint(ldb), a, incx, beta, c, 1)
        } else {
            // B stored [k, n]: c = Bᵀ · a.
            cblas_sgemv(CblasRowMajor, CblasTrans, blasint(k), blasint(n), alpha, b, blasint(ldb), a, incx, beta, c, 1)
        }
        return
    }
    cblas_sgemm(CblasRowMajor, transA.cblas, transB.cblas,
                blasint(m), blasint(n), blasint(k),
                alpha, a, blasint(lda), b, blasint(ldb),
                beta, c, blasint(ldc))
}
