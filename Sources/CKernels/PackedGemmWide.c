// The packed product of PairedGemv.c (spillsim_gemm_packed_fma) with 512-bit vectors: W·[X, y] in the
// SDM's design, the two products with the eigenvectors in G(ρ)·v and the outcome's [S | SW] product are
// bound by the multiply-adds, and a CPU with AVX-512F (Zen 4/5, Intel since Skylake-SP) does eight of them
// per instruction instead of four. Every element is summed exactly as there: per K block a chain of fused
// multiply-adds from 0 over its k in order, then added to the element's sum (from 0). A lane computes its
// own element only, so the width of the vector changes no bit. The callers check the bits against dgemm
// once per process anyway (PackedProduct, PackedOperand in Numerics).
// Fused multiply-adds are written out (intrinsics); contraction is off, so no other product and sum is fused.
#pragma STDC FP_CONTRACT OFF

#include "CKernels.h"

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>

int spillsim_cpu_has_avx512f(void) {
    if (!spillsim_cpu_has_avx2_fma()) return 0;  // AVX2, FMA and the YMM state (PairedGemv.c, CKernels.c)
    unsigned lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    if ((lo & 0xE6) != 0xE6) return 0;  // the OS saves the XMM, YMM, opmask and both halves of the ZMM state
    unsigned a, b, c, d;
    __cpuid_count(7, 0, a, b, c, d);
    return (b & bit_AVX512F) != 0;
}

// Two packed bands of 8 rows (16 rows of C) against a panel of six columns ([k][6]): twelve chains.
__attribute__((target("avx512f")))
static void tile_16x6(const double *band0, const double *band1, const double *panel, const intptr_t *splits,
                      intptr_t blocks, double *c, intptr_t m) {
    for (intptr_t q = 0; q < blocks; q++) {
        __m512d u00 = _mm512_setzero_pd(), u01 = u00, u02 = u00, u03 = u00, u04 = u00, u05 = u00;
        __m512d u10 = u00, u11 = u00, u12 = u00, u13 = u00, u14 = u00, u15 = u00;
        for (intptr_t kk = splits[q]; kk < splits[q + 1]; kk++) {
            const __m512d a0 = _mm512_loadu_pd(band0 + kk * 8), a1 = _mm512_loadu_pd(band1 + kk * 8);
            const double *bp = panel + kk * 6;
            __m512d bj;
            bj = _mm512_set1_pd(bp[0]); u00 = _mm512_fmadd_pd(a0, bj, u00); u10 = _mm512_fmadd_pd(a1, bj, u10);
            bj = _mm512_set1_pd(bp[1]); u01 = _mm512_fmadd_pd(a0, bj, u01); u11 = _mm512_fmadd_pd(a1, bj, u11);
            bj = _mm512_set1_pd(bp[2]); u02 = _mm512_fmadd_pd(a0, bj, u02); u12 = _mm512_fmadd_pd(a1, bj, u12);
            bj = _mm512_set1_pd(bp[3]); u03 = _mm512_fmadd_pd(a0, bj, u03); u13 = _mm512_fmadd_pd(a1, bj, u13);
            bj = _mm512_set1_pd(bp[4]); u04 = _mm512_fmadd_pd(a0, bj, u04); u14 = _mm512_fmadd_pd(a1, bj, u14);
            bj = _mm512_set1_pd(bp[5]); u05 = _mm512_fmadd_pd(a0, bj, u05); u15 = _mm512_fmadd_pd(a1, bj, u15);
        }
        const __m512d acc[12] = {u00, u10, u01, u11, u02, u12, u03, u13, u04, u14, u05, u15};
        for (int j = 0; j < 6; j++) {
            for (int h = 0; h < 2; h++) {
                double *cp = c + j * m + 8 * h;
                const __m512d sum = q == 0 ? _mm512_setzero_pd() : _mm512_loadu_pd(cp);  // c from 0, then c + acc
                _mm512_storeu_pd(cp, _mm512_add_pd(sum, acc[2 * j + h]));
            }
        }
    }
}

// One packed band of 8 rows against a panel of six columns: six chains.
__attribute__((target("avx512f")))
static void tile_8x6(const double *band, const double *panel, const intptr_t *splits, intptr_t blocks, double *c,
                     intptr_t m) {
    for (intptr_t q = 0; q < blocks; q++) {
        __m512d u0 = _mm512_setzero_pd(), u1 = u0, u2 = u0, u3 = u0, u4 = u0, u5 = u0;
        for (intptr_t kk = splits[q]; kk < splits[q + 1]; kk++) {
            const __m512d a = _mm512_loadu_pd(band + kk * 8);
            const double *bp = panel + kk * 6;
            u0 = _mm512_fmadd_pd(a, _mm512_set1_pd(bp[0]), u0);
            u1 = _mm512_fmadd_pd(a, _mm512_set1_pd(bp[1]), u1);
            u2 = _mm512_fmadd_pd(a, _mm512_set1_pd(bp[2]), u2);
            u3 = _mm512_fmadd_pd(a, _mm512_set1_pd(bp[3]), u3);
            u4 = _mm512_fmadd_pd(a, _mm512_set1_pd(bp[4]), u4);
            u5 = _mm512_fmadd_pd(a, _mm512_set1_pd(bp[5]), u5);
        }
        const __m512d acc[6] = {u0, u1, u2, u3, u4, u5};
        for (int j = 0; j < 6; j++) {
            double *cp = c + j * m;
            const __m512d sum = q == 0 ? _mm512_setzero_pd() : _mm512_loadu_pd(cp);
            _mm512_storeu_pd(cp, _mm512_add_pd(sum, acc[j]));
        }
    }
}

// `bands` (1 or 2) packed bands of 8 rows against the columns [j0, j0 + nc) of B (column-major, nc < 6):
// the columns after the last full panel.
__attribute__((target("avx512f")))
static void bands_columns(const double *band0, int bands, intptr_t k, const double *b, intptr_t j0, intptr_t nc,
                          const intptr_t *splits, intptr_t blocks, double *c, intptr_t m) {
    const double *band1 = band0 + 8 * k;
    for (intptr_t j = j0; j < j0 + nc; j++) {
        const double *bj = b + j * k;
        double *cj = c + j * m;
        __m512d s0 = _mm512_setzero_pd(), s1 = s0;
        for (intptr_t q = 0; q < blocks; q++) {
            __m512d u0 = _mm512_setzero_pd(), u1 = u0;
            for (intptr_t kk = splits[q]; kk < splits[q + 1]; kk++) {
                const __m512d x = _mm512_set1_pd(bj[kk]);
                u0 = _mm512_fmadd_pd(_mm512_loadu_pd(band0 + kk * 8), x, u0);
                if (bands == 2) u1 = _mm512_fmadd_pd(_mm512_loadu_pd(band1 + kk * 8), x, u1);
            }
            s0 = _mm512_add_pd(s0, u0);
            if (bands == 2) s1 = _mm512_add_pd(s1, u1);
        }
        _mm512_storeu_pd(cj, s0);
        if (bands == 2) _mm512_storeu_pd(cj + 8, s1);
    }
}

// The packed band of 4 rows against every column of B.
__attribute__((target("avx2,fma")))
static void band4_columns(const double *band, intptr_t k, const double *b, intptr_t w, const intptr_t *splits,
                          intptr_t blocks, double *c, intptr_t m) {
    for (intptr_t j = 0; j < w; j++) {
        const double *bj = b + j * k;
        __m256d s = _mm256_setzero_pd();
        for (intptr_t q = 0; q < blocks; q++) {
            __m256d u = _mm256_setzero_pd();
            for (intptr_t kk = splits[q]; kk < splits[q + 1]; kk++)
                u = _mm256_fmadd_pd(_mm256_loadu_pd(band + kk * 4), _mm256_set1_pd(bj[kk]), u);
            s = _mm256_add_pd(s, u);
        }
        _mm256_storeu_pd(c + j * m, s);
    }
}

// The product, or with `lower` only the tiles holding an element on or below the diagonal (row >= column):
// a tile wholly above it (its last row before its first column) is skipped and its elements are not written.
__attribute__((target("avx512f"), always_inline))
static inline void packed_fma512(const double *packed, intptr_t m, intptr_t k, const double *b, intptr_t w,
                                 const intptr_t *splits, intptr_t blocks, double *c, double *panels, int lower) {
    const intptr_t w6 = w - w % 6;
    for (intptr_t j0 = 0; j0 < w6; j0 += 6)
        for (intptr_t q = 0; q < k; q++)
            for (int j = 0; j < 6; j++) panels[j0 * k + q * 6 + j] = b[(j0 + j) * k + q];
    intptr_t r = 0;
    const double *band = packed;
    for (; r + 16 <= m; r += 16, band += 16 * k) {  // pairs of bands of 8 (consecutive in the packing)
        for (intptr_t j0 = 0; j0 < w6; j0 += 6) {
            if (lower && r + 15 < j0) break;
            tile_16x6(band, band + 8 * k, panels + j0 * k, splits, blocks, c + j0 * m + r, m);
        }
        if (!(lower && r + 15 < w6)) bands_columns(band, 2, k, b, w6, w - w6, splits, blocks, c + r, m);
    }
    if (r + 8 <= m) {  // a last band of 8
        for (intptr_t j0 = 0; j0 < w6; j0 += 6) {
            if (lower && r + 7 < j0) break;
            tile_8x6(band, panels + j0 * k, splits, blocks, c + j0 * m + r, m);
        }
        if (!(lower && r + 7 < w6)) bands_columns(band, 1, k, b, w6, w - w6, splits, blocks, c + r, m);
        r += 8;
        band += 8 * k;
    }
    if (m - r >= 4) {  // the band of 4
        band4_columns(band, k, b, lower && r + 4 < w ? r + 4 : w, splits, blocks, c + r, m);
        r += 4;
        band += 4 * k;
    }
    for (; r < m; r++, band += k) {  // the last m mod 4 rows, one at a time
        for (intptr_t j = 0; j < (lower && r + 1 < w ? r + 1 : w); j++) {
            const double *bj = b + j * k;
            double sum = 0;
            for (intptr_t q = 0; q < blocks; q++) {
                double acc = 0;
                for (intptr_t kk = splits[q]; kk < splits[q + 1]; kk++) acc = __builtin_fma(band[kk], bj[kk], acc);
                sum = sum + acc;
            }
            c[j * m + r] = sum;
        }
    }
}

__attribute__((target("avx512f")))
void spillsim_gemm_packed_fma512(const double *packed, intptr_t m, intptr_t k, const double *b, intptr_t w,
                                 const intptr_t *splits, intptr_t blocks, double *c, double *panels) {
    packed_fma512(packed, m, k, b, w, splits, blocks, c, panels, 0);
}

__attribute__((target("avx512f")))
void spillsim_gemm_packed_fma512_lower(const double *packed, intptr_t m, intptr_t k, const double *b, intptr_t w,
                                       const intptr_t *splits, intptr_t blocks, double *c, double *panels) {
    packed_fma512(packed, m, k, b, w, splits, blocks, c, panels, 1);
}

#else

int spillsim_cpu_has_avx512f(void) { return 0; }

void spillsim_gemm_packed_fma512(const double *packed, intptr_t m, intptr_t k, const double *b, intptr_t w,
                                 const intptr_t *splits, intptr_t blocks, double *c, double *panels) {
    (void)packed; (void)m; (void)k; (void)b; (void)w; (void)splits; (void)blocks; (void)c; (void)panels;
}

void spillsim_gemm_packed_fma512_lower(const double *packed, intptr_t m, intptr_t k, const double *b, intptr_t w,
                                       const intptr_t *splits, intptr_t blocks, double *c, double *panels) {
    (void)packed; (void)m; (void)k; (void)b; (void)w; (void)splits; (void)blocks; (void)c; (void)panels;
}

#endif
