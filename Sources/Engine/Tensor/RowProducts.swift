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

extension ProductKernel {
    /// GFLOP/s of `rows × inFeatures → outFeatures` products (2·rows·in·out flops each) with this
    /// kernel: the best of repeated runs over about `seconds`. For `model bench`: what the
    /// row-invariant kernel costs against BLAS at the shapes serving computes. Each run reads a
    /// different copy of the weights (64 MiB of copies in all), so the weights come from memory
    /// as in decode, where every matrix is read once per step, not from a warm cache.
    public func measuredGflops(rows: Int, inFeatures: Int, outFeatures: Int, seconds: Double = 0.3) -> Double {
        precondition(rows > 0 && inFeatures > 0 && outFeatures > 0, "empty product")
        let inp = FloatBuffer(count: rows * inFeatures), out = FloatBuffer(count: rows * outFeatures)
        let copies = max(2, (64 << 20) / (4 * outFeatures * inFeatures))
        let weights = (0..<copies).map { _ in FloatBuffer(count: outFeatures * inFeatures) }
        for i in 0..<inp.count { inp.pointer[i] = Float(i % 17) / 17 - 0.5 }
        for weight in weights { for i in 0..<weight.count { weight.pointer[i] = Float(i % 13) / 13 - 0.5 } }
        let flops = 2 * Double(rows) * Double(inFeatures) * Double(outFeatures)
        let clock = ContinuousClock()
        let deadline = clock.now + .milliseconds(Int64(seconds * 1000))
        var best = 0.0, runs = 0
        repeat {
            let start = clock.now
            linearForward(out: out.pointer, inp: inp.pointer, weight: weights[runs % copies].pointer, bias: nil,
                          rows: rows, inFeatures: inFeatures, outFeatures: outFeatures, kernel: self)
            let (whole, fraction) = (clock.now - start).components
            best = max(best, flops / (Double(whole) + Double(fraction) / 1e18) / 1e9)
            runs += 1
        } while runs < 3 || clock.now < deadline
        return best
    }
}
