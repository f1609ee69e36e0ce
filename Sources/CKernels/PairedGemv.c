// A matrix-vector product y = A x for one or two vectors with one pass over A (column-major), summed in a
// fixed order: the digital diffusion's kernel V (280 x 280 in the baseline, 627 kB) is multiplied by the
// untreated and the treated world's previous year in every year after the first adoption, and one pass
// over V reads it from L2 once for both instead of twice (docs/benchmarks.md, session 12).
// Fused multiply-adds are written out (intrinsics) where the order has them; contraction is off, so no
// other product and sum is fused.
#pragma STDC FP_CONTRACT OFF

#include "CKernels.h"

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>
#include "GemvColumns.h"

int spillsim_cpu_has_avx2_fma(void) {
    if (!spillsim_cpu_has_avx2()) return 0;  // AVX2 and the OS's YMM state (CKernels.c)
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    return (c & bit_FMA) != 0;
}

__attribute__((target("avx2,fma")))
void spillsim_gemv_n_pair_fma(const double *a, intptr_t m, intptr_t n, const double *x0, const double *x1,
                              double *y0, double *y1) {
    gemv_n_columns(a, m, m, n, x0, x1, y0, y1);
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

// Eight rows by six columns of C from a band of packed A and a panel of packed B ([k][6]): twelve
// independent chains, each B value a broadcast from contiguous memory.
__attribute__((target("avx2,fma")))
static void gemm_tile_8x6(const double *band, const double *panel, const intptr_t *splits, intptr_t blocks,
                          double *c, intptr_t m) {
    for (intptr_t q = 0; q < blocks; q++) {
        __m256d u00 = _mm256_setzero_pd(), u01 = u00, u02 = u00, u03 = u00, u04 = u00, u05 = u00;
        __m256d u10 = u00, u11 = u00, u12 = u00, u13 = u00, u14 = u00, u15 = u00;
        for (intptr_t kk = splits[q]; kk < splits[q + 1]; kk++) {
            const __m256d a0 = _mm256_loadu_pd(band + kk * 8), a1 = _mm256_loadu_pd(band + kk * 8 + 4);
            const double *bp = panel + kk * 6;
            __m256d bj;
            bj = _mm256_broadcast_sd(bp + 0); u00 = _mm256_fmadd_pd(a0, bj, u00); u10 = _mm256_fmadd_pd(a1, bj, u10);
            bj = _mm256_broadcast_sd(bp + 1); u01 = _mm256_fmadd_pd(a0, bj, u01); u11 = _mm256_fmadd_pd(a1, bj, u11);
            bj = _mm256_broadcast_sd(bp + 2); u02 = _mm256_fmadd_pd(a0, bj, u02); u12 = _mm256_fmadd_pd(a1, bj, u12);
            bj = _mm256_broadcast_sd(bp + 3); u03 = _mm256_fmadd_pd(a0, bj, u03); u13 = _mm256_fmadd_pd(a1, bj, u13);
            bj = _mm256_broadcast_sd(bp + 4); u04 = _mm256_fmadd_pd(a0, bj, u04); u14 = _mm256_fmadd_pd(a1, bj, u14);
            bj = _mm256_broadcast_sd(bp + 5); u05 = _mm256_fmadd_pd(a0, bj, u05); u15 = _mm256_fmadd_pd(a1, bj, u15);
        }
        const __m256d acc[12] = {u00, u10, u01, u11, u02, u12, u03, u13, u04, u14, u05, u15};
        for (int j = 0; j < 6; j++) {
            for (int h = 0; h < 2; h++) {
                double *cp = c + j * m + 4 * h;
                const __m256d sum = q == 0 ? _mm256_setzero_pd() : _mm256_loadu_pd(cp);  // c from 0, then c + acc
                _mm256_storeu_pd(cp, _mm256_add_pd(sum, acc[2 * j + h]));
            }
        }
    }
}

// One band of R rows against the columns [j0, j0 + nc) of B (column-major) and C.
#define GEMM_TILE(R)                                                                                       \
    do {                                                                                                   \
        const intptr_t nc = w - j0 < 4 ? w - j0 : 4;                                                       \
        const double *bc[4];                                                                               \
        double *cc[4];                                                                                     \
        for (int j = 0; j < 4; j++) {                                                                      \
            const intptr_t jj = j0 + (j < nc ? j : 0);                                                     \
            bc[j] = b + jj * k; cc[j] = c + jj * m;                                                        \
        }                                                                                                  \
        switch (nc) {                                                                                      \
        case 4: GEMM_BAND(R, 4); break;                                                                    \
        case 3: GEMM_BAND(R, 3); break;                                                                    \
        case 2: GEMM_BAND(R, 2); break;                                                                    \
        default: GEMM_BAND(R, 1); break;                                                                   \
        }                                                                                                  \
    } while (0)

// The last column of an odd-width product for a band of R (8 or 4) rows, in the order of OpenBLAS's
// Haswell/Zen one-column tail (its 4 x 1 kernel): per K block, four chains of fused multiply-adds from 0,
// the block's k in turn (k mod 4 of the first len - len mod 8, relative to the block's start; the last
// len mod 8 all on the first chain), then t = (s0 + s1) + (s2 + s3) added to the element's sum.
#define GEMM_TAIL_BAND(R)                                                                                  \
    do {                                                                                                   \
        __m256d c0 = _mm256_setzero_pd(), c1 = c0;                                                         \
        for (intptr_t q = 0; q < blocks; q++) {                                                            \
            __m256d s0[4], s1[4];                                                                          \
            for (int h = 0; h < 4; h++) { s0[h] = _mm256_setzero_pd(); s1[h] = s0[h]; }                    \
            const intptr_t lo = splits[q], len = splits[q + 1] - lo, main8 = len - len % 8;                \
            for (intptr_t kk = 0; kk < main8; kk += 4) {                                                   \
                for (int h = 0; h < 4; h++) {                                                              \
                    const double *p_ = band + (lo + kk + h) * (R);                                         \
                    const __m256d bj = _mm256_broadcast_sd(bt + lo + kk + h);                              \
                    s0[h] = _mm256_fmadd_pd(_mm256_loadu_pd(p_), bj, s0[h]);                               \
                    if ((R) == 8) s1[h] = _mm256_fmadd_pd(_mm256_loadu_pd(p_ + 4), bj, s1[h]);             \
                }                                                                                          \
            }                                                                                              \
            for (intptr_t kk = main8; kk < len; kk++) {                                                    \
                const double *p_ = band + (lo + kk) * (R);                                                 \
                const __m256d bj = _mm256_broadcast_sd(bt + lo + kk);                                      \
                s0[0] = _mm256_fmadd_pd(_mm256_loadu_pd(p_), bj, s0[0]);                                   \
                if ((R) == 8) s1[0] = _mm256_fmadd_pd(_mm256_loadu_pd(p_ + 4), bj, s1[0]);                 \
            }                                                                                              \
            c0 = _mm256_add_pd(c0, _mm256_add_pd(_mm256_add_pd(s0[0], s0[1]), _mm256_add_pd(s0[2], s0[3]))); \
            if ((R) == 8)                                                                                  \
                c1 = _mm256_add_pd(c1, _mm256_add_pd(_mm256_add_pd(s1[0], s1[1]), _mm256_add_pd(s1[2], s1[3]))); \
        }                                                                                                  \
        _mm256_storeu_pd(ct + r, c0);                                                                      \
        if ((R) == 8) _mm256_storeu_pd(ct + r + 4, c1);                                                    \
    } while (0)

// The rows after the bands of 8 (from row r, `band` at its packed values): a band of 4 when m mod 8 >= 4,
// then the last m mod 4 rows one at a time, for the even part w of the columns and, when `tail`, the odd
// last column after it (single rows: one chain per block either way).
__attribute__((target("avx2,fma")))
static void gemm_last_rows(const double *band, intptr_t r, intptr_t m, intptr_t k, const double *b, intptr_t w,
                           int tail, const intptr_t *splits, intptr_t blocks, double *c) {
    const double *bt = b + w * k;
    double *ct = c + w * m;
    if (m - r >= 4) {
        for (intptr_t j0 = 0; j0 < w; j0 += 4) GEMM_TILE(4);
        if (tail) GEMM_TAIL_BAND(4);
        r += 4;
        band += 4 * k;
    }
    for (; r < m; r++, band += k) {  // the last m mod 4 rows, one at a time
        for (intptr_t j = 0; j < w + tail; j++) {
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

// B's first w6 columns in panels of six ([k][6] each) for the 8 x 6 and 16 x 6 tiles.
static void gemm_panels(const double *b, intptr_t k, intptr_t w6, double *panels) {
    for (intptr_t j0 = 0; j0 < w6; j0 += 6)
        for (intptr_t q = 0; q < k; q++)
            for (int j = 0; j < 6; j++) panels[j0 * k + q * 6 + j] = b[(j0 + j) * k + q];
}

// Bands of 8 rows in the outer loop, B's columns in the inner one (a band of A, 8 x k, stays in L1/L2
// for every column; B, k x w, in L2): the first w - w mod 6 columns from B packed in panels of six, the
// rest, the last rows (a band of 4, then single rows) by the plainer tiles below. An odd w's last column
// takes the one-column tail's order (GEMM_TAIL_BAND) in the bands; single rows are one chain either way.
__attribute__((target("avx2,fma")))
void spillsim_gemm_packed_fma(const double *packed, intptr_t m, intptr_t k, const double *b, intptr_t wAll,
                              const intptr_t *splits, intptr_t blocks, double *c, double *panels) {
    const intptr_t w = wAll - wAll % 2;   // the even part; an odd last column below
    const double *bt = b + w * k;
    double *ct = c + w * m;
    const int tail = (int)(wAll % 2);
    const intptr_t w6 = w - w % 6;
    gemm_panels(b, k, w6, panels);
    intptr_t r = 0;
    const double *band = packed;
    for (; r + 8 <= m; r += 8, band += 8 * k) {
        for (intptr_t j0 = 0; j0 < w6; j0 += 6) gemm_tile_8x6(band, panels + j0 * k, splits, blocks, c + j0 * m + r, m);
        for (intptr_t j0 = w6; j0 < w; j0 += 4) GEMM_TILE(8);
        if (tail) GEMM_TAIL_BAND(8);
    }
    gemm_last_rows(band, r, m, k, b, w, tail, splits, blocks, c);
}

// ---- y = A x (and A x1) on A packed in bands (spillsim_gemm_pack), in spillsim_gemv_n_pair_fma's order ----
// Each band's y in registers over all the columns, A read as one sequential stream (column-major A is read
// four columns at a time, each a separate stream, with y loaded and stored for every block of four).

// A band of R (8 or 4) rows: y = sum over the blocks of four columns of (a0 x0 fma a2 x2) + (a1 x1 fma a3 x3),
// then a last pair (a0 x0 + a1 x1) and a last single column (a0 x0), each added to y in turn.
#define GEMV_BAND_AVX2(R)                                                                                  \
    do {                                                                                                   \
        __m256d u0 = _mm256_setzero_pd(), u1 = u0, v0 = u0, v1 = u0;                                       \
        intptr_t c = 0;                                                                                    \
        for (; c + 4 <= n; c += 4) {                                                                       \
            const double *q = band + c * (R);                                                              \
            const __m256d p0 = _mm256_set1_pd(x0[c]), p1 = _mm256_set1_pd(x0[c + 1]);                     \
            const __m256d p2 = _mm256_set1_pd(x0[c + 2]), p3 = _mm256_set1_pd(x0[c + 3]);                 \
            const __m256d a0 = _mm256_loadu_pd(q), a1 = _mm256_loadu_pd(q + (R));                          \
            const __m256d a2 = _mm256_loadu_pd(q + 2 * (R)), a3 = _mm256_loadu_pd(q + 3 * (R));            \
            BLOCK4(a0, a1, a2, a3, p0, p1, p2, p3, u0);                                                    \
            if ((R) == 8) {                                                                                \
                const __m256d b0 = _mm256_loadu_pd(q + 4), b1 = _mm256_loadu_pd(q + 12);                   \
                const __m256d b2 = _mm256_loadu_pd(q + 20), b3 = _mm256_loadu_pd(q + 28);                  \
                BLOCK4(b0, b1, b2, b3, p0, p1, p2, p3, u1);                                                \
                if (two) {                                                                                 \
                    const __m256d r0 = _mm256_set1_pd(x1[c]), r1 = _mm256_set1_pd(x1[c + 1]);              \
                    const __m256d r2 = _mm256_set1_pd(x1[c + 2]), r3 = _mm256_set1_pd(x1[c + 3]);          \
                    BLOCK4(a0, a1, a2, a3, r0, r1, r2, r3, v0);                                            \
                    BLOCK4(b0, b1, b2, b3, r0, r1, r2, r3, v1);                                            \
                }                                                                                          \
            } else if (two) {                                                                              \
                const __m256d r0 = _mm256_set1_pd(x1[c]), r1 = _mm256_set1_pd(x1[c + 1]);                  \
                const __m256d r2 = _mm256_set1_pd(x1[c + 2]), r3 = _mm256_set1_pd(x1[c + 3]);              \
                BLOCK4(a0, a1, a2, a3, r0, r1, r2, r3, v0);                                                \
            }                                                                                              \
        }                                                                                                  \
        for (int v = 0; v < 1 + two; v++) {                                                                \
            const double *x = v ? x1 : x0;                                                                 \
            __m256d s0 = v ? v0 : u0, s1 = v ? v1 : u1;                                                    \
            intptr_t cc = c;                                                                               \
            if (n - cc >= 2) {                                                                             \
                const double *q = band + cc * (R);                                                         \
                const __m256d p0 = _mm256_set1_pd(x[cc]), p1 = _mm256_set1_pd(x[cc + 1]);                  \
                s0 = _mm256_add_pd(s0, _mm256_add_pd(_mm256_mul_pd(_mm256_loadu_pd(q), p0),                \
                                                     _mm256_mul_pd(_mm256_loadu_pd(q + (R)), p1)));        \
                if ((R) == 8)                                                                              \
                    s1 = _mm256_add_pd(s1, _mm256_add_pd(_mm256_mul_pd(_mm256_loadu_pd(q + 4), p0),        \
                                                         _mm256_mul_pd(_mm256_loadu_pd(q + 12), p1)));     \
                cc += 2;                                                                                   \
            }                                                                                              \
            if (n - cc == 1) {                                                                             \
                const double *q = band + cc * (R);                                                         \
                const __m256d p0 = _mm256_set1_pd(x[cc]);                                                  \
                s0 = _mm256_add_pd(s0, _mm256_mul_pd(_mm256_loadu_pd(q), p0));                             \
                if ((R) == 8) s1 = _mm256_add_pd(s1, _mm256_mul_pd(_mm256_loadu_pd(q + 4), p0));           \
            }                                                                                              \
            double *y = (v ? y1 : y0) + r;                                                                 \
            _mm256_storeu_pd(y, s0);                                                                       \
            if ((R) == 8) _mm256_storeu_pd(y + 4, s1);                                                     \
        }                                                                                                  \
    } while (0)

__attribute__((target("avx2,fma")))
void spillsim_gemv_banded_fma(const double *packed, intptr_t m, intptr_t n, const double *x0, const double *x1,
                              double *y0, double *y1) {
    const int two = x1 != 0 && y1 != 0;
    intptr_t r = 0;
    const double *band = packed;
    for (; r + 8 <= m; r += 8, band += 8 * n) GEMV_BAND_AVX2(8);
    if (m - r >= 4) GEMV_BAND_AVX2(4);
}

// ---- AVX-512: the same sums, eight rows (one packed band) per register ----

// spillsim_gemv_banded_fma with eight rows per register, two bands at a time (four independent chains).
#define BLOCK4_512(a0, a1, a2, a3, x, c)                                                                   \
    _mm512_add_pd(_mm512_fmadd_pd((a2), _mm512_set1_pd((x)[(c) + 2]), _mm512_mul_pd((a0), _mm512_set1_pd((x)[c]))), \
                  _mm512_fmadd_pd((a3), _mm512_set1_pd((x)[(c) + 3]), _mm512_mul_pd((a1), _mm512_set1_pd((x)[(c) + 1]))))

__attribute__((target("avx512f,fma")))
static __m512d gemv512_tail(const double *band, intptr_t c, intptr_t n, const double *x, __m512d s) {
    if (n - c >= 2) {
        const double *q = band + c * 8;
        s = _mm512_add_pd(s, _mm512_add_pd(_mm512_mul_pd(_mm512_loadu_pd(q), _mm512_set1_pd(x[c])),
                                           _mm512_mul_pd(_mm512_loadu_pd(q + 8), _mm512_set1_pd(x[c + 1]))));
        c += 2;
    }
    if (n - c == 1) s = _mm512_add_pd(s, _mm512_mul_pd(_mm512_loadu_pd(band + c * 8), _mm512_set1_pd(x[c])));
    return s;
}

__attribute__((target("avx512f,fma")))
void spillsim_gemv_banded_avx512(const double *packed, intptr_t m, intptr_t n, const double *x0, const double *x1,
                                 double *y0, double *y1) {
    const int two = x1 != 0 && y1 != 0;
    const intptr_t bands = m / 8;
    intptr_t r = 0;
    const double *band = packed;
    for (intptr_t b = 0; b + 2 <= bands; b += 2, r += 16, band += 16 * n) {
        const double *band2 = band + 8 * n;
        __m512d u = _mm512_setzero_pd(), uu = u, v = u, vv = u;
        intptr_t c = 0;
        for (; c + 4 <= n; c += 4) {
            const double *q = band + c * 8, *q2 = band2 + c * 8;
            const __m512d a0 = _mm512_loadu_pd(q), a1 = _mm512_loadu_pd(q + 8);
            const __m512d a2 = _mm512_loadu_pd(q + 16), a3 = _mm512_loadu_pd(q + 24);
            const __m512d b0 = _mm512_loadu_pd(q2), b1 = _mm512_loadu_pd(q2 + 8);
            const __m512d b2 = _mm512_loadu_pd(q2 + 16), b3 = _mm512_loadu_pd(q2 + 24);
            u = _mm512_add_pd(u, BLOCK4_512(a0, a1, a2, a3, x0, c));
            uu = _mm512_add_pd(uu, BLOCK4_512(b0, b1, b2, b3, x0, c));
            if (two) {
                v = _mm512_add_pd(v, BLOCK4_512(a0, a1, a2, a3, x1, c));
                vv = _mm512_add_pd(vv, BLOCK4_512(b0, b1, b2, b3, x1, c));
            }
        }
        _mm512_storeu_pd(y0 + r, gemv512_tail(band, c, n, x0, u));
        _mm512_storeu_pd(y0 + r + 8, gemv512_tail(band2, c, n, x0, uu));
        if (two) {
            _mm512_storeu_pd(y1 + r, gemv512_tail(band, c, n, x1, v));
            _mm512_storeu_pd(y1 + r + 8, gemv512_tail(band2, c, n, x1, vv));
        }
    }
    if (bands % 2 == 1) {
        __m512d u = _mm512_setzero_pd(), v = u;
        intptr_t c = 0;
        for (; c + 4 <= n; c += 4) {
            const double *q = band + c * 8;
            const __m512d a0 = _mm512_loadu_pd(q), a1 = _mm512_loadu_pd(q + 8);
            const __m512d a2 = _mm512_loadu_pd(q + 16), a3 = _mm512_loadu_pd(q + 24);
            u = _mm512_add_pd(u, BLOCK4_512(a0, a1, a2, a3, x0, c));
            if (two) v = _mm512_add_pd(v, BLOCK4_512(a0, a1, a2, a3, x1, c));
        }
        _mm512_storeu_pd(y0 + r, gemv512_tail(band, c, n, x0, u));
        if (two) _mm512_storeu_pd(y1 + r, gemv512_tail(band, c, n, x1, v));
        r += 8;
        band += 8 * n;
    }
    if (m - r >= 4) GEMV_BAND_AVX2(4);
}

int spillsim_cpu_has_avx512f(void) {
    if (!spillsim_cpu_has_avx2_fma()) return 0;  // AVX2, FMA and the YMM state
    unsigned a, b, c, d;
    __cpuid_count(7, 0, a, b, c, d);
    if (!(b & bit_AVX512F)) return 0;
    unsigned lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return (lo & 0xE6) == 0xE6;  // the OS saves the XMM, YMM, opmask and both halves of the ZMM state
}

// Two bands (16 rows) by six columns from a panel ([k][6]): twelve chains of eight rows each.
__attribute__((target("avx512f,fma")))
static void gemm512_tile_16x6(const double *band, intptr_t k, const double *panel, const intptr_t *splits,
                              intptr_t blocks, double *c, intptr_t m) {
    const double *band2 = band + 8 * k;
    for (intptr_t q = 0; q < blocks; q++) {
        __m512d u0 = _mm512_setzero_pd(), u1 = u0, u2 = u0, u3 = u0, u4 = u0, u5 = u0;
        __m512d v0 = u0, v1 = u0, v2 = u0, v3 = u0, v4 = u0, v5 = u0;
        for (intptr_t kk = splits[q]; kk < splits[q + 1]; kk++) {
            const __m512d a0 = _mm512_loadu_pd(band + kk * 8), a1 = _mm512_loadu_pd(band2 + kk * 8);
            const double *bp = panel + kk * 6;
            __m512d bj;
            bj = _mm512_set1_pd(bp[0]); u0 = _mm512_fmadd_pd(a0, bj, u0); v0 = _mm512_fmadd_pd(a1, bj, v0);
            bj = _mm512_set1_pd(bp[1]); u1 = _mm512_fmadd_pd(a0, bj, u1); v1 = _mm512_fmadd_pd(a1, bj, v1);
            bj = _mm512_set1_pd(bp[2]); u2 = _mm512_fmadd_pd(a0, bj, u2); v2 = _mm512_fmadd_pd(a1, bj, v2);
            bj = _mm512_set1_pd(bp[3]); u3 = _mm512_fmadd_pd(a0, bj, u3); v3 = _mm512_fmadd_pd(a1, bj, v3);
            bj = _mm512_set1_pd(bp[4]); u4 = _mm512_fmadd_pd(a0, bj, u4); v4 = _mm512_fmadd_pd(a1, bj, v4);
            bj = _mm512_set1_pd(bp[5]); u5 = _mm512_fmadd_pd(a0, bj, u5); v5 = _mm512_fmadd_pd(a1, bj, v5);
        }
        const __m512d acc[12] = {u0, v0, u1, v1, u2, v2, u3, v3, u4, v4, u5, v5};
        for (int j = 0; j < 6; j++) {
            for (int h = 0; h < 2; h++) {
                double *cp = c + j * m + 8 * h;
                const __m512d sum = q == 0 ? _mm512_setzero_pd() : _mm512_loadu_pd(cp);  // c from 0, then c + acc
                _mm512_storeu_pd(cp, _mm512_add_pd(sum, acc[2 * j + h]));
            }
        }
    }
}

// One band (8 rows) against `nc` (1 to 6) columns: from the panel (stride 6) when `panel`, else from B's
// columns bc[0 ..< nc] (stride 1).
__attribute__((target("avx512f,fma")))
static void gemm512_band(const double *band, const double *panel, const double *const *bc, int nc,
                         const intptr_t *splits, intptr_t blocks, double *const *cc) {
    __m512d s[6];
    for (int j = 0; j < nc; j++) s[j] = _mm512_setzero_pd();
    for (intptr_t q = 0; q < blocks; q++) {
        __m512d u[6];
        for (int j = 0; j < nc; j++) u[j] = _mm512_setzero_pd();
        for (intptr_t kk = splits[q]; kk < splits[q + 1]; kk++) {
            const __m512d a = _mm512_loadu_pd(band + kk * 8);
            for (int j = 0; j < nc; j++) {
                const double bv = panel ? panel[kk * 6 + j] : bc[j][kk];
                u[j] = _mm512_fmadd_pd(a, _mm512_set1_pd(bv), u[j]);
            }
        }
        for (int j = 0; j < nc; j++) s[j] = _mm512_add_pd(s[j], u[j]);
    }
    for (int j = 0; j < nc; j++) _mm512_storeu_pd(cc[j], s[j]);
}

// The odd last column for one band (8 rows) in the one-column tail's order (GEMM_TAIL_BAND).
__attribute__((target("avx512f,fma")))
static void gemm512_tail_band(const double *band, const double *bt, const intptr_t *splits, intptr_t blocks, double *ct) {
    __m512d c0 = _mm512_setzero_pd();
    for (intptr_t q = 0; q < blocks; q++) {
        __m512d s0 = _mm512_setzero_pd(), s1 = s0, s2 = s0, s3 = s0;
        const intptr_t lo = splits[q], len = splits[q + 1] - lo, main8 = len - len % 8;
        for (intptr_t kk = lo; kk < lo + main8; kk += 4) {
            s0 = _mm512_fmadd_pd(_mm512_loadu_pd(band + kk * 8), _mm512_set1_pd(bt[kk]), s0);
            s1 = _mm512_fmadd_pd(_mm512_loadu_pd(band + (kk + 1) * 8), _mm512_set1_pd(bt[kk + 1]), s1);
            s2 = _mm512_fmadd_pd(_mm512_loadu_pd(band + (kk + 2) * 8), _mm512_set1_pd(bt[kk + 2]), s2);
            s3 = _mm512_fmadd_pd(_mm512_loadu_pd(band + (kk + 3) * 8), _mm512_set1_pd(bt[kk + 3]), s3);
        }
        for (intptr_t kk = lo + main8; kk < lo + len; kk++)
            s0 = _mm512_fmadd_pd(_mm512_loadu_pd(band + kk * 8), _mm512_set1_pd(bt[kk]), s0);
        c0 = _mm512_add_pd(c0, _mm512_add_pd(_mm512_add_pd(s0, s1), _mm512_add_pd(s2, s3)));
    }
    _mm512_storeu_pd(ct, c0);
}

// spillsim_gemm_packed_fma's sums with eight rows per register: pairs of bands by six columns, a last
// band by six, the columns after the last six (2 or 4) and an odd last column band by band, then the
// last m mod 8 rows as there. With `lower` (C square, m = w) the tiles wholly above the diagonal (their
// last row before their first column) are skipped and not written; every other element as without it.
__attribute__((target("avx512f,fma"), always_inline))
static inline void gemm_packed_avx512(const double *packed, intptr_t m, intptr_t k, const double *b, intptr_t wAll,
                                      const intptr_t *splits, intptr_t blocks, double *c, double *panels, int lower) {
    const intptr_t w = wAll - wAll % 2;
    const int tail = (int)(wAll % 2);
    const intptr_t w6 = w - w % 6;
    gemm_panels(b, k, w6, panels);
    const intptr_t bands = m / 8;
    intptr_t r = 0;
    const double *band = packed;
    for (intptr_t p = 0; p + 2 <= bands; p += 2, r += 16, band += 16 * k)
        for (intptr_t j0 = 0; j0 < w6 && !(lower && r + 15 < j0); j0 += 6)
            gemm512_tile_16x6(band, k, panels + j0 * k, splits, blocks, c + j0 * m + r, m);
    if (bands % 2 == 1) {
        for (intptr_t j0 = 0; j0 < w6 && !(lower && r + 7 < j0); j0 += 6) {
            double *cc[6];
            for (int j = 0; j < 6; j++) cc[j] = c + (j0 + j) * m + r;
            gemm512_band(band, panels + j0 * k, 0, 6, splits, blocks, cc);
        }
    }
    // The columns after the last six and the odd one, band by band.
    const double *bb = packed;
    for (intptr_t rr = 0; rr < 8 * bands; rr += 8, bb += 8 * k) {
        if (lower && rr + 7 < w6) continue;
        if (w > w6) {
            const double *bc[6];
            double *cc[6];
            for (int j = 0; j < w - w6; j++) { bc[j] = b + (w6 + j) * k; cc[j] = c + (w6 + j) * m + rr; }
            gemm512_band(bb, 0, bc, (int)(w - w6), splits, blocks, cc);
        }
        if (tail) gemm512_tail_band(bb, b + w * k, splits, blocks, c + w * m + rr);
    }
    gemm_last_rows(packed + 8 * bands * k, 8 * bands, m, k, b, w, tail, splits, blocks, c);
}

__attribute__((target("avx512f,fma")))
void spillsim_gemm_packed_avx512(const double *packed, intptr_t m, intptr_t k, const double *b, intptr_t w,
                                 const intptr_t *splits, intptr_t blocks, double *c, double *panels) {
    gemm_packed_avx512(packed, m, k, b, w, splits, blocks, c, panels, 0);
}

__attribute__((target("avx512f,fma")))
void spillsim_gemm_packed_avx512_lower(const double *packed, intptr_t m, intptr_t k, const double *b, intptr_t w,
                                       const intptr_t *splits, intptr_t blocks, double *c, double *panels) {
    gemm_packed_avx512(packed, m, k, b, w, splits, blocks, c, panels, 1);
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
                              const intptr_t *splits, intptr_t blocks, double *c, double *panels) {
    (void)packed; (void)panels; (void)m; (void)k; (void)b; (void)w; (void)splits; (void)blocks; (void)c;
}

int spillsim_cpu_has_avx512f(void) { return 0; }

void spillsim_gemv_banded_fma(const double *packed, intptr_t m, intptr_t n, const double *x0, const double *x1,
                              double *y0, double *y1) {
    (void)packed; (void)m; (void)n; (void)x0; (void)x1; (void)y0; (void)y1;
}

void spillsim_gemv_banded_avx512(const double *packed, intptr_t m, intptr_t n, const double *x0, const double *x1,
                                 double *y0, double *y1) {
    (void)packed; (void)m; (void)n; (void)x0; (void)x1; (void)y0; (void)y1;
}

void spillsim_gemm_packed_avx512(const double *packed, intptr_t m, intptr_t k, const double *b, intptr_t w,
                                 const intptr_t *splits, intptr_t blocks, double *c, double *panels) {
    (void)packed; (void)panels; (void)m; (void)k; (void)b; (void)w; (void)splits; (void)blocks; (void)c;
}

void spillsim_gemm_packed_avx512_lower(const double *packed, intptr_t m, intptr_t k, const double *b, intptr_t w,
                                       const intptr_t *splits, intptr_t blocks, double *c, double *panels) {
    (void)packed; (void)panels; (void)m; (void)k; (void)b; (void)w; (void)splits; (void)blocks; (void)c;
}

#endif
