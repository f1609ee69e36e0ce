// Bilinear and quadratic forms g'(A h) of a small square matrix (a fit's parameter covariance, 8 x 8 to
// 14 x 14 in the baseline) for many vectors in one call: the delta-method variances of the effects, the
// curves' points, the turning points and the U-tests were each one cblas_dgemv call and a dot product
// (≈ 170 000 calls per 600-replication baseline run). Measured directly, a 14 x 14 cblas_dgemv takes
// ≈ 35 ns of CPU (not the ≈ 0.5 µs an LD_PRELOAD counter reported: its own per-call clock reads), and
// this kernel with the dot product about as long; what the caller saves is Swift's result array and
// wrapper per call (`Matrix.multiply`), ≈ 0.02 ms per baseline replication in the curves and effects.
// The sums run in the order of OpenBLAS's Haswell/Zen dgemv_n (see SmallForms.h); the caller checks the
// bits against cblas_dgemv once per process and uses dgemv when any differs.
// Fused multiply-adds are written out where the order has them; contraction is off otherwise.
#pragma STDC FP_CONTRACT OFF

#include "CKernels.h"

#if defined(__x86_64__)
#include <immintrin.h>
#include "GemvColumns.h"

__attribute__((target("avx2,fma")))
static inline void gemv_small(const double *a, intptr_t m, const double *x, int tail_fma, double *y) {
    const intptr_t n = m, body = m & ~(intptr_t)3;
    gemv_n_columns(a, m, body, n, x, 0, y, 0);  // the rows of the vector body (GemvColumns.h)
    for (intptr_t r = body; r < m; r++) {  // the last m mod 4 rows: one scalar chain each
        double t = 0.0;
        const double *ar = a + r;
        if (tail_fma) {
            for (intptr_t q = 0; q < n; q++) t = __builtin_fma(ar[q * m], x[q], t);
        } else {
            for (intptr_t q = 0; q < n; q++) t = t + ar[q * m] * x[q];
        }
        y[r] = 0.0 + t;
    }
}

__attribute__((target("avx2,fma")))
void spillsim_gemv_small_fma(const double *a, intptr_t m, const double *x, int tail_fma, double *y) {
    gemv_small(a, m, x, tail_fma, y);
}

__attribute__((target("avx2,fma")))
void spillsim_bilinear_forms_fma(const double *a, intptr_t m, const double *g, const double *h, intptr_t count,
                                 intptr_t stride, int tail_fma, double *y, double *out) {
    for (intptr_t j = 0; j < count; j++) {
        const double *gj = g + j * stride;
        gemv_small(a, m, h + j * stride, tail_fma, y);
        double s = 0.0;
        for (intptr_t i = 0; i < m; i++) s = s + gj[i] * y[i];
        out[j] = s;
    }
}

#else

void spillsim_gemv_small_fma(const double *a, intptr_t m, const double *x, int tail_fma, double *y) {
    (void)a; (void)m; (void)x; (void)tail_fma; (void)y;
}

void spillsim_bilinear_forms_fma(const double *a, intptr_t m, const double *g, const double *h, intptr_t count,
                                 intptr_t stride, int tail_fma, double *y, double *out) {
    (void)a; (void)m; (void)g; (void)h; (void)count; (void)stride; (void)tail_fma; (void)y; (void)out;
}

#endif
