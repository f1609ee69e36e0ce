// The column-block order of OpenBLAS's Haswell/Zen dgemv_n, written once for PairedGemv.c and SmallForms.c
// (each includes it after immintrin.h and compiles with FP_CONTRACT OFF, so the fused multiply-adds are the
// ones written here and no other).
#ifndef SPILLSIM_GEMV_COLUMNS_H
#define SPILLSIM_GEMV_COLUMNS_H

#include <stdint.h>
#include <immintrin.h>

// One block of four columns (c, c + 1, c + 2, c + 3) added to four rows' y: t = (a0 x0 fma a2 x2) + (a1 x1 fma a3 x3).
#define BLOCK4(a0, a1, a2, a3, xb0, xb1, xb2, xb3, yv)                                                     \
    do {                                                                                                   \
        __m256d t4_ = _mm256_fmadd_pd((a2), (xb2), _mm256_mul_pd((a0), (xb0)));                            \
        __m256d t5_ = _mm256_fmadd_pd((a3), (xb3), _mm256_mul_pd((a1), (xb1)));                            \
        (yv) = _mm256_add_pd((yv), _mm256_add_pd(t4_, t5_));                                               \
    } while (0)

// y0 = A x0 (and y1 = A x1 when both are given) for the first `m` rows (a multiple of 4) of the
// column-major A with leading dimension `lda`, n columns: in OpenBLAS's Haswell/Zen dgemv_n order (blocks of
// four columns, then a pair, then a last column). spillsim_gemv_n_pair_fma (lda = m) and SmallForms.c's
// small products (the rows before the last m mod 4) run it.
__attribute__((target("avx2,fma"), always_inline))
static inline void gemv_n_columns(const double *a, intptr_t lda, intptr_t m, intptr_t n, const double *x0, const double *x1,
                                  double *y0, double *y1) {
    const int two = x1 != 0 && y1 != 0;
    for (intptr_t i = 0; i < m; i++) { y0[i] = 0; if (two) y1[i] = 0; }
    intptr_t c = 0;
    for (; c + 4 <= n; c += 4) {
        const double *c0 = a + c * lda, *c1 = c0 + lda, *c2 = c1 + lda, *c3 = c2 + lda;
        const __m256d p0 = _mm256_set1_pd(x0[c]), p1 = _mm256_set1_pd(x0[c + 1]);
        const __m256d p2 = _mm256_set1_pd(x0[c + 2]), p3 = _mm256_set1_pd(x0[c + 3]);
        if (two) {
            const __m256d q0 = _mm256_set1_pd(x1[c]), q1 = _mm256_set1_pd(x1[c + 1]);
            const __m256d q2 = _mm256_set1_pd(x1[c + 2]), q3 = _mm256_set1_pd(x1[c + 3]);
            for (intptr_t i = 0; i < m; i += 4) {
                const __m256d a0 = _mm256_loadu_pd(c0 + i), a1 = _mm256_loadu_pd(c1 + i);
                const __m256d a2 = _mm256_loadu_pd(c2 + i), a3 = _mm256_loadu_pd(c3 + i);
                __m256d u = _mm256_loadu_pd(y0 + i), v = _mm256_loadu_pd(y1 + i);
                BLOCK4(a0, a1, a2, a3, p0, p1, p2, p3, u);
                BLOCK4(a0, a1, a2, a3, q0, q1, q2, q3, v);
                _mm256_storeu_pd(y0 + i, u);
                _mm256_storeu_pd(y1 + i, v);
            }
        } else {
            for (intptr_t i = 0; i < m; i += 4) {
                const __m256d a0 = _mm256_loadu_pd(c0 + i), a1 = _mm256_loadu_pd(c1 + i);
                const __m256d a2 = _mm256_loadu_pd(c2 + i), a3 = _mm256_loadu_pd(c3 + i);
                __m256d u = _mm256_loadu_pd(y0 + i);
                BLOCK4(a0, a1, a2, a3, p0, p1, p2, p3, u);
                _mm256_storeu_pd(y0 + i, u);
            }
        }
    }
    if (n - c >= 2) {  // a pair of columns: t = a0 x0 + a1 x1
        const double *c0 = a + c * lda, *c1 = c0 + lda;
        for (int v = 0; v < 1 + two; v++) {
            const double *x = v ? x1 : x0;
            double *y = v ? y1 : y0;
            const __m256d p0 = _mm256_set1_pd(x[c]), p1 = _mm256_set1_pd(x[c + 1]);
            for (intptr_t i = 0; i < m; i += 4) {
                const __m256d t = _mm256_add_pd(_mm256_mul_pd(_mm256_loadu_pd(c0 + i), p0),
                                                _mm256_mul_pd(_mm256_loadu_pd(c1 + i), p1));
                _mm256_storeu_pd(y + i, _mm256_add_pd(_mm256_loadu_pd(y + i), t));
            }
        }
        c += 2;
    }
    if (n - c == 1) {  // a last column: t = a0 x0
        const double *c0 = a + c * lda;
        for (int v = 0; v < 1 + two; v++) {
            const double *x = v ? x1 : x0;
            double *y = v ? y1 : y0;
            const __m256d p0 = _mm256_set1_pd(x[c]);
            for (intptr_t i = 0; i < m; i += 4) {
                _mm256_storeu_pd(y + i, _mm256_add_pd(_mm256_loadu_pd(y + i), _mm256_mul_pd(_mm256_loadu_pd(c0 + i), p0)));
            }
        }
    }
}

#endif
