// A matrix-vector product y = A x for one or two vectors with one pass over A (column-major), summed in a
// fixed order: the digital diffusion's kernel V (280 x 280 in the baseline, 627 kB) is multiplied by the
// untreated and the treated world's previous year in every year after the first adoption, and one pass
// over V reads it from L2 once for both instead of twice (docs/benchmarks.md, session 12).
// Fused multiply-adds are written out (intrinsics) where the order has them; contraction is off, so no
// other product and sum is fused.
#pragma STDC FP_CONTRACT OFF

#include "PairedGemv.h"

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>

int spillsim_cpu_has_avx2_fma(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    if (!(c & bit_OSXSAVE) || !(c & bit_AVX) || !(c & bit_FMA)) return 0;
    unsigned lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    if ((lo & 6) != 6) return 0;  // the OS saves the XMM and YMM state
    if (__get_cpuid_max(0, 0) < 7) return 0;
    __cpuid_count(7, 0, a, b, c, d);
    return (b & bit_AVX2) != 0;
}

// One block of four columns (c, c + 1, c + 2, c + 3) added to four rows' y: t = (a0 x0 fma a2 x2) + (a1 x1 fma a3 x3).
#define BLOCK4(a0, a1, a2, a3, xb0, xb1, xb2, xb3, yv)                                                     \
    do {                                                                                                   \
        __m256d t4_ = _mm256_fmadd_pd((a2), (xb2), _mm256_mul_pd((a0), (xb0)));                            \
        __m256d t5_ = _mm256_fmadd_pd((a3), (xb3), _mm256_mul_pd((a1), (xb1)));                            \
        (yv) = _mm256_add_pd((yv), _mm256_add_pd(t4_, t5_));                                               \
    } while (0)

__attribute__((target("avx2,fma")))
void spillsim_gemv_n_pair_fma(const double *a, intptr_t m, intptr_t n, const double *x0, const double *x1,
                              double *y0, double *y1) {
    const int two = x1 != 0 && y1 != 0;
    for (intptr_t i = 0; i < m; i++) { y0[i] = 0; if (two) y1[i] = 0; }
    intptr_t c = 0;
    for (; c + 4 <= n; c += 4) {
        const double *c0 = a + c * m, *c1 = c0 + m, *c2 = c1 + m, *c3 = c2 + m;
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
        const double *c0 = a + c * m, *c1 = c0 + m;
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
        const double *c0 = a + c * m;
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

#else

int spillsim_cpu_has_avx2_fma(void) { return 0; }

void spillsim_gemv_n_pair_fma(const double *a, intptr_t m, intptr_t n, const double *x0, const double *x1,
                              double *y0, double *y1) {
    (void)a; (void)m; (void)n; (void)x0; (void)x1; (void)y0; (void)y1;
}

#endif
