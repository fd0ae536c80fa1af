// Row-invariant matrix products for the serving path: y[r, o] = bias[o] + Σ_k x[r, k] · w[o, k],
// where every element is computed by the same sequence of floating-point operations whatever the
// number of rows, the row's place among them, or the range of outputs a call covers. A request's
// numbers therefore do not depend on what else is batched with it (unlike BLAS sgemm, whose
// kernels and blocking change with the shape). See RowProducts.c for the operation order.
#ifndef IOPO_ROW_PRODUCTS_H
#define IOPO_ROW_PRODUCTS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// y[r * ldy + o] = (bias ? bias[o] : 0) + Σ_k x[r * ldx + k] · w[o * ldw + k]
/// for r < rows and o in [o_begin, o_end). w is row-major [outputs, k] (Hugging Face's layout).
void iopo_row_products(float *y, size_t ldy, const float *x, size_t ldx, const float *w, size_t ldw,
                       const float *bias, size_t rows, size_t k, size_t o_begin, size_t o_end);

/// The kernel `iopo_row_products` runs on this CPU: "avx2-fma" or "portable". The two give
/// different bits; each is row-invariant on its own.
const char *iopo_row_products_kernel(void);

#ifdef __cplusplus
}
#endif

#endif
