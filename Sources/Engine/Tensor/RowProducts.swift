// The second matrix product of the engine, for batched serving: out = inp · weightᵀ (+ bias) where
// every element is computed by the same operations whatever the number of rows, their order, or
// how the outputs are split across threads (CRowProducts). BLAS sgemm is faster for the large
// products of training and prefill, but its kernels and blocking change with the shape: measured
// with OpenBLAS 0.3.21's Haswell kernels, a row's result changes with the number of rows beside it
// (and sgemv, used for a single row, differs from sgemm). A request served among others must get
// the bits it would get alone, so the serving path computes every product here.

import CRowProducts

/// Which product a forward uses: BLAS (training, single-sequence generation) or the row-invariant
/// kernel (batched serving).
public enum ProductKernel: Sendable, Equatable {
    case blas
    case rowInvariant

    /// The row-invariant kernel this CPU runs ("avx2-fma" or "portable"): part of what a served
    /// output depends on.
    public static var rowInvariantName: String { String(cString: iopo_row_products_kernel()) }
}

/// out[N, O] (row stride ldo) = inp[N, I] (row stride ldi) · weight[O, I]ᵀ (+ bias[O]), every
/// element independent of N and of the thread split (outputs are split across threads).
func rowInvariantProducts(
    out: UnsafeMutablePointer<Float>, ldo: Int,
    inp: UnsafePointer<Float>, ldi: Int,
    weight: UnsafePointer<Float>, ldw: Int,
    bias: UnsafePointer<Float>?,
    rows: Int, inFeatures: Int, outFeatures: Int
) {
    if rows == 0 || outFeatures == 0 { return }
    parallelRows(outFeatures, costPerRow: 2 * rows * inFeatures) { range in
        iopo_row_products(out, ldo, inp, ldi, weight, ldw, bias, rows, inFeatures, range.lowerBound, range.upperBound)
    }
}
