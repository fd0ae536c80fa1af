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

/// Causal grouped-query attention of one query row q[heads * head_dim] that sees the first
/// `visible` rows of keys/values (row stride kv_stride; query head h reads key/value head
/// h / (heads / kv_heads)): out[heads * head_dim] = softmax(q·Kᵀ / √head_dim) · V, each head's
/// scores by `iopo_row_products`, the softmax with the maximum subtracted and the sum in double,
/// the values summed in key order. scratch holds `visible` floats.
void iopo_attention_row(float *out, const float *q, const float *keys, const float *values, size_t kv_stride,
                        size_t visible, size_t heads, size_t kv_heads, size_t head_dim, float *scratch);

/// The kernel `iopo_row_products` runs on this CPU: "avx2-fma" or "portable". The two give
/// different bits; each is row-invariant on its own.
const char *iopo_row_products_kernel(void);

#ifdef __cplusplus
}
#endif

#endif
