// Does OpenBLAS give a row of a product the same bits whatever the rows beside it? Computes
// row 0 of X·Wᵀ (K = 576, N = 1536, SmolLM2's MLP input) alone (sgemv and 1-row sgemm) and as
// the first of M rows (sgemm), and prints how many of its elements differ in their bits.
// The batch-invariant serving kernel exists because these are not all zero (docs/serving.md).
// Built and run by scripts/bench/blas-row-invariance.sh.
#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int ulps(float a, float b) {
    int ia, ib;
    memcpy(&ia, &a, 4);
    memcpy(&ib, &b, 4);
    return abs(ia - ib);
}

int main(void) {
    const int K = 576, N = 1536, maxM = 64;
    float *x = malloc(sizeof(float) * maxM * K), *w = malloc(sizeof(float) * N * K);
    float *alone = malloc(sizeof(float) * N), *y = malloc(sizeof(float) * maxM * N);
    unsigned state = 12345;
    for (int i = 0; i < maxM * K; i++) { state = state * 1103515245u + 12345u; x[i] = (float)((state >> 8) % 2001) / 1000.0f - 1.0f; }
    for (int i = 0; i < N * K; i++) { state = state * 1103515245u + 12345u; w[i] = (float)((state >> 8) % 2001) / 20000.0f - 0.05f; }
    float *single = malloc(sizeof(float) * N);
    cblas_sgemv(CblasRowMajor, CblasNoTrans, N, K, 1, w, K, x, 1, 0, alone, 1);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, 1, N, K, 1, x, K, w, K, 0, single, N);
    printf("rows M   elements of row 0 (of %d) whose bits differ from: 1-row sgemm   sgemv   largest |difference|\n", N);
    int ms[] = {1, 2, 4, 13, 16, 64};
    for (int t = 0; t < 6; t++) {
        int m = ms[t], fromSingle = 0, fromAlone = 0;
        float largest = 0;
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, m, N, K, 1, x, K, w, K, 0, y, N);
        for (int j = 0; j < N; j++) {
            if (ulps(y[j], single[j]) != 0) fromSingle++;
            if (ulps(y[j], alone[j]) != 0) fromAlone++;
            if (fabsf(y[j] - single[j]) > largest) largest = fabsf(y[j] - single[j]);
        }
        printf("%6d   %56d   %5d   %.3g\n", m, fromSingle, fromAlone, largest);
    }
    return 0;
}
