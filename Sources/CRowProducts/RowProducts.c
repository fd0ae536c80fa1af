// Row-invariant products (see include/CRowProducts.h). Every output element is
//   acc[0..7] = 0;  for each 8-wide chunk c of k, in order: acc[j] = fma(w[8c + j], x[8c + j], acc[j])
//   s = ((acc0 + acc4) + (acc2 + acc6)) + ((acc1 + acc5) + (acc3 + acc7))
//   for each remaining k, in order: s = fma(w[k], x[k], s)
//   y = s + bias
// whichever block of rows and outputs computes it: the 4-output × 2-row block, its narrower
// remainders and the portable path all run exactly these operations (the portable path without
// fusing, so its bits differ from the AVX2 path's but are just as invariant). Blocks exist only to
// reuse loads: a block of 4 weight rows stays in L1 while the rows of x stream past it.

#include "CRowProducts.h"

#include <math.h>

#if defined(__x86_64__)
#include <immintrin.h>

#define AVX2 __attribute__((target("avx2,fma")))

AVX2 static inline float hsum8(__m256 a) {
    // ((a0 + a4) + (a2 + a6)) + ((a1 + a5) + (a3 + a7))
    __m128 lo = _mm256_castps256_ps128(a), hi = _mm256_extractf128_ps(a, 1);
    __m128 s = _mm_add_ps(lo, hi);                      // a0+a4, a1+a5, a2+a6, a3+a7
    __m128 t = _mm_add_ps(s, _mm_movehl_ps(s, s));      // (a0+a4)+(a2+a6), (a1+a5)+(a3+a7), ...
    return _mm_cvtss_f32(_mm_add_ss(t, _mm_shuffle_ps(t, t, 1)));
}

AVX2 static inline float finish(__m256 acc, const float *w, const float *x, size_t k8, size_t k, float bias) {
    float s = hsum8(acc);
    for (size_t i = k8; i < k; i++) s = fmaf(w[i], x[i], s);
    return s + bias;
}

AVX2 static void products_avx2(float *y, size_t ldy, const float *x, size_t ldx, const float *w, size_t ldw,
                               const float *bias, size_t rows, size_t k, size_t o_begin, size_t o_end) {
    const size_t k8 = k & ~(size_t)7;
    size_t o = o_begin;
    for (; o + 4 <= o_end; o += 4) {
        const float *w0 = w + o * ldw, *w1 = w0 + ldw, *w2 = w1 + ldw, *w3 = w2 + ldw;
        float b0 = bias ? bias[o] : 0, b1 = bias ? bias[o + 1] : 0, b2 = bias ? bias[o + 2] : 0, b3 = bias ? bias[o + 3] : 0;
        // While the first pair of rows runs, the next block's weight rows are fetched from memory
        // (in decode every weight is read once per step, so the block would otherwise wait for
        // DRAM); prefetching changes no arithmetic.
        const float *next = o + 8 <= o_end ? w3 + ldw : NULL;
        size_t r = 0;
        for (; r + 2 <= rows; r += 2) {
            const float *xa = x + r * ldx, *xb = xa + ldx;
            const float *fetch = r == 0 ? next : NULL;
            __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0, c0 = a0, c1 = a0, c2 = a0, c3 = a0;
            for (size_t i = 0; i < k8; i += 8) {
                if (fetch && (i & 15) == 0) {
                    _mm_prefetch((const char *)(fetch + i), _MM_HINT_T0);
                    _mm_prefetch((const char *)(fetch + ldw + i), _MM_HINT_T0);
                    _mm_prefetch((const char *)(fetch + 2 * ldw + i), _MM_HINT_T0);
                    _mm_prefetch((const char *)(fetch + 3 * ldw + i), _MM_HINT_T0);
                }
                __m256 va = _mm256_loadu_ps(xa + i), vb = _mm256_loadu_ps(xb + i);
                __m256 v0 = _mm256_loadu_ps(w0 + i), v1 = _mm256_loadu_ps(w1 + i);
                __m256 v2 = _mm256_loadu_ps(w2 + i), v3 = _mm256_loadu_ps(w3 + i);
                a0 = _mm256_fmadd_ps(v0, va, a0); c0 = _mm256_fmadd_ps(v0, vb, c0);
                a1 = _mm256_fmadd_ps(v1, va, a1); c1 = _mm256_fmadd_ps(v1, vb, c1);
                a2 = _mm256_fmadd_ps(v2, va, a2); c2 = _mm256_fmadd_ps(v2, vb, c2);
                a3 = _mm256_fmadd_ps(v3, va, a3); c3 = _mm256_fmadd_ps(v3, vb, c3);
            }
            float *ya = y + r * ldy + o, *yb = ya + ldy;
            ya[0] = finish(a0, w0, xa, k8, k, b0); yb[0] = finish(c0, w0, xb, k8, k, b0);
            ya[1] = finish(a1, w1, xa, k8, k, b1); yb[1] = finish(c1, w1, xb, k8, k, b1);
            ya[2] = finish(a2, w2, xa, k8, k, b2); yb[2] = finish(c2, w2, xb, k8, k, b2);
            ya[3] = finish(a3, w3, xa, k8, k, b3); yb[3] = finish(c3, w3, xb, k8, k, b3);
        }
        for (; r < rows; r++) {
            const float *xa = x + r * ldx;
            __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
            for (size_t i = 0; i < k8; i += 8) {
                __m256 va = _mm256_loadu_ps(xa + i);
                a0 = _mm256_fmadd_ps(_mm256_loadu_ps(w0 + i), va, a0);
                a1 = _mm256_fmadd_ps(_mm256_loadu_ps(w1 + i), va, a1);
                a2 = _mm256_fmadd_ps(_mm256_loadu_ps(w2 + i), va, a2);
                a3 = _mm256_fmadd_ps(_mm256_loadu_ps(w3 + i), va, a3);
            }
            float *ya = y + r * ldy + o;
            ya[0] = finish(a0, w0, xa, k8, k, b0);
            ya[1] = finish(a1, w1, xa, k8, k, b1);
            ya[2] = finish(a2, w2, xa, k8, k, b2);
            ya[3] = finish(a3, w3, xa, k8, k, b3);
        }
    }
    for (; o < o_end; o++) {
        const float *w0 = w + o * ldw;
        float b0 = bias ? bias[o] : 0;
        for (size_t r = 0; r < rows; r++) {
            const float *xa = x + r * ldx;
            __m256 a0 = _mm256_setzero_ps();
            for (size_t i = 0; i < k8; i += 8) a0 = _mm256_fmadd_ps(_mm256_loadu_ps(w0 + i), _mm256_loadu_ps(xa + i), a0);
            y[r * ldy + o] = finish(a0, w0, xa, k8, k, b0);
        }
    }
}
#endif

// The portable path: the same order, eight scalar lanes, products and sums not fused.
static void products_portable(float *y, size_t ldy, const float *x, size_t ldx, const float *w, size_t ldw,
                              const float *bias, size_t rows, size_t k, size_t o_begin, size_t o_end) {
    const size_t k8 = k & ~(size_t)7;
    for (size_t o = o_begin; o < o_end; o++) {
        const float *wo = w + o * ldw;
        for (size_t r = 0; r < rows; r++) {
            const float *xr = x + r * ldx;
            float a[8] = {0, 0, 0, 0, 0, 0, 0, 0};
            for (size_t i = 0; i < k8; i += 8)
                for (int j = 0; j < 8; j++) {
                    float p = wo[i + j] * xr[i + j];
                    a[j] = a[j] + p;
                }
            float s = ((a[0] + a[4]) + (a[2] + a[6])) + ((a[1] + a[5]) + (a[3] + a[7]));
            for (size_t i = k8; i < k; i++) {
                float p = wo[i] * xr[i];
                s = s + p;
            }
            y[r * ldy + o] = s + (bias ? bias[o] : 0);
        }
    }
}

static int has_avx2_fma(void) {
#if defined(__x86_64__)
    static int cached = -1;
    if (cached < 0) cached = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    return cached;
#else
    return 0;
#endif
}

void iopo_row_products(float *y, size_t ldy, const float *x, size_t ldx, const float *w, size_t ldw,
                       const float *bias, size_t rows, size_t k, size_t o_begin, size_t o_end) {
#if defined(__x86_64__)
    if (has_avx2_fma()) {
        products_avx2(y, ldy, x, ldx, w, ldw, bias, rows, k, o_begin, o_end);
        return;
    }
#endif
    products_portable(y, ldy, x, ldx, w, ldw, bias, rows, k, o_begin, o_end);
}

void iopo_attention_row(float *out, const float *q, const float *keys, const float *values, size_t kv_stride,
                        size_t visible, size_t heads, size_t kv_heads, size_t head_dim, float *scratch) {
    const float scale = 1.0f / sqrtf((float)head_dim);
    const size_t group = heads / kv_heads;
    for (size_t h = 0; h < heads; h++) {
        const size_t g = h / group;
        iopo_row_products(scratch, visible, q + h * head_dim, head_dim, keys + g * head_dim, kv_stride, NULL, 1, head_dim, 0, visible);
        float maximum = -INFINITY;
        for (size_t j = 0; j < visible; j++) {
            scratch[j] *= scale;
            if (scratch[j] > maximum) maximum = scratch[j];
        }
        double sum = 0;
        for (size_t j = 0; j < visible; j++) {
            scratch[j] = expf(scratch[j] - maximum);
            sum += scratch[j];
        }
        const float inverse = (float)(1.0 / sum);
        float *o = out + h * head_dim;
        for (size_t t = 0; t < head_dim; t++) o[t] = 0;
        for (size_t j = 0; j < visible; j++) {
            const float p = scratch[j] * inverse;
            const float *v = values + j * kv_stride + g * head_dim;
            for (size_t t = 0; t < head_dim; t++) {
                const float product = p * v[t];
                o[t] = o[t] + product;
            }
        }
    }
}

const char *iopo_row_products_kernel(void) { return has_avx2_fma() ? "avx2-fma" : "portable"; }
