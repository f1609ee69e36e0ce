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

void spillsim_gemm_pack(const double *a, intptr_t m, intptr_t k, double *packed) {
    intptr_t r = 0;
    double *out = packed;
    for (; r + 8 <= m; r += 8)
        for (intptr_t q = 0; q < k; q++)
            for (int l = 0; l < 8; l++) *out++ = a[q * m + r + l];
    if (m - r >= 4) {
        for (intptr_t q = 0; q < k; q++)
            for (int l = 0; l < 4; l++) *out++ = a[q * m + r + l];
        r += 4;
    }
    for (; r < m; r++)
        for (intptr_t q = 0; q < k; q++) *out++ = a[q * m + r];
}

// One band of R (8 or 4) rows against NC (1 to 4) columns of B: per K block, each element's chain of
// fused multiply-adds from 0 in the order of k, then added to the element's sum.
#define GEMM_BAND(R, NC)                                                                                   \
    do {                                                                                                   \
        __m256d s0[4], s1[4];                                                                              \
        for (int j = 0; j < (NC); j++) { s0[j] = _mm256_setzero_pd(); s1[j] = _mm256_setzero_pd(); }       \
        for (intptr_t q = 0; q < blocks; q++) {                                                            \
            __m256d u0[4], u1[4];                                                                          \
            for (int j = 0; j < (NC); j++) { u0[j] = _mm256_setzero_pd(); u1[j] = _mm256_setzero_pd(); }   \
            for (intptr_t kk = splits[q]; kk < splits[q + 1]; kk++) {                                      \
                const double *p_ = band + kk * (R);                                                        \
                const __m256d a0 = _mm256_loadu_pd(p_);                                                    \
                const __m256d a1 = (R) == 8 ? _mm256_loadu_pd(p_ + 4) : a0;                                \
                for (int j = 0; j < (NC); j++) {                                                           \
                    const __m256d bj = _mm256_broadcast_sd(bc[j] + kk);                                    \
                    u0[j] = _mm256_fmadd_pd(a0, bj, u0[j]);                                                \
                    if ((R) == 8) u1[j] = _mm256_fmadd_pd(a1, bj, u1[j]);                                  \
                }                                                                                          \
            }                                                                                              \
            for (int j = 0; j < (NC); j++) { s0[j] = _mm256_add_pd(s0[j], u0[j]); s1[j] = _mm256_add_pd(s1[j], u1[j]); } \
        }                                                                                                  \
        for (int j = 0; j < (NC); j++) {                                                                   \
            _mm256_storeu_pd(cc[j] + r, s0[j]);                                                            \
            if ((R) == 8) _mm256_storeu_pd(cc[j] + r + 4, s1[j]);                                          \
        }                                                                                                  \
    } while (0)

__attribute__((target("avx2,fma")))
void spillsim_gemm_packed_fma(const double *packed, intptr_t m, intptr_t k, const double *b, intptr_t w,
                              const intptr_t *splits, intptr_t blocks, double *c) {
    for (intptr_t j0 = 0; j0 < w; j0 += 4) {
        const intptr_t nc = w - j0 < 4 ? w - j0 : 4;
        const double *bc[4];
        double *cc[4];
        for (int j = 0; j < 4; j++) {
            const intptr_t jj = j0 + (j < nc ? j : 0);
            bc[j] = b + jj * k; cc[j] = c + jj * m;
        }
        intptr_t r = 0;
        const double *band = packed;
        for (; r + 8 <= m; r += 8, band += 8 * k) {
            switch (nc) {
            case 4: GEMM_BAND(8, 4); break;
            case 3: GEMM_BAND(8, 3); break;
            case 2: GEMM_BAND(8, 2); break;
            default: GEMM_BAND(8, 1); break;
            }
        }
        if (m - r >= 4) {
            switch (nc) {
            case 4: GEMM_BAND(4, 4); break;
            case 3: GEMM_BAND(4, 3); break;
            case 2: GEMM_BAND(4, 2); break;
            default: GEMM_BAND(4, 1); break;
            }
            r += 4;
            band += 4 * k;
        }
        for (; r < m; r++, band += k) {  // the last m mod 4 rows, one at a time
            for (intptr_t j = 0; j < nc; j++) {
                double sum = 0;
                for (intptr_t q = 0; q < blocks; q++) {
                    double acc = 0;
                    for (intptr_t kk = splits[q]; kk < splits[q + 1]; kk++) acc = __builtin_fma(band[kk], bc[j][kk], acc);
                    sum = sum + acc;
                }
                cc[j][r] = sum;
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

void spillsim_gemm_pack(const double *a, intptr_t m, intptr_t k, double *packed) {
    (void)a; (void)m; (void)k; (void)packed;
}

void spillsim_gemm_packed_fma(const double *packed, intptr_t m, intptr_t k, const double *b, intptr_t w,
                              const intptr_t *splits, intptr_t blocks, double *c) {
    (void)packed; (void)m; (void)k; (void)b; (void)w; (void)splits; (void)blocks; (void)c;
}

#endif
