// The lag models' normal equations in one pass over the design (Gram matrix of the columns with the two
// outcomes beside them) and their residual sums of squares in another, without storing the residuals:
// SpatialEstimator's fit then reads the NT x p design twice instead of seven times and OpenBLAS's packed
// copy of it (dsyrk) is gone, so a fit's data stay closer to the core's L2 (docs/benchmarks.md, Session 10).
// Written once with GCC/Clang vector types and compiled twice: a plain function (SSE2, baseline x86-64,
// or any other CPU) and one with target("avx2"). No fused multiply-add (FP_CONTRACT OFF; neither target
// enables FMA) and the same lane structure in both, so both give the same bits.
#pragma STDC FP_CONTRACT OFF

#include "Gram.h"
#include <string.h>

typedef double v4d __attribute__((vector_size(32)));

// Unaligned loads and stores of four doubles (macros: a vector passed to or returned from a function
// would change the ABI between the two targets).
#define load4(p) ({ v4d v_; memcpy(&v_, (p), sizeof v_); v_; })
#define store4(p, v) do { v4d w_ = (v); memcpy((p), &w_, sizeof w_); } while (0)

enum { GRAM_BLOCK = 128 };

// Accumulates rows [r0, r1) (whole groups of four) of the products of column i with columns j..j+W-1
// into scratch[(i*m + j + k)*4 ...]; GRAM_TILE2 does columns i and i + 1 at once (eight independent
// chains, each loaded column used twice). A product below the diagonal that a tile computes on the way
// ((i + 1, i)) lands in a slot that is never read.
#define GRAM_TILE(W)                                                                                        \
    do {                                                                                                    \
        v4d a[4];                                                                                           \
        const double *c[4];                                                                                 \
        for (int k = 0; k < (W); k++) { a[k] = load4(scratch + ((i * m + j + k) << 2)); c[k] = cols[j + k]; } \
        for (intptr_t r = r0; r < r1; r += 4) {                                                             \
            const v4d x = load4(ci + r);                                                                    \
            for (int k = 0; k < (W); k++) a[k] = a[k] + x * load4(c[k] + r);                                \
        }                                                                                                   \
        for (int k = 0; k < (W); k++) store4(scratch + ((i * m + j + k) << 2), a[k]);                       \
    } while (0)

#define GRAM_TILE2(W)                                                                                       \
    do {                                                                                                    \
        v4d a[4], b[4];                                                                                     \
        const double *c[4];                                                                                 \
        for (int k = 0; k < (W); k++) {                                                                     \
            a[k] = load4(scratch + ((i * m + j + k) << 2));                                                 \
            b[k] = load4(scratch + (((i + 1) * m + j + k) << 2));                                           \
            c[k] = cols[j + k];                                                                             \
        }                                                                                                   \
        for (intptr_t r = r0; r < r1; r += 4) {                                                             \
            const v4d x = load4(ci + r), x1 = load4(ci1 + r);                                               \
            for (int k = 0; k < (W); k++) {                                                                 \
                const v4d y = load4(c[k] + r);                                                              \
                a[k] = a[k] + x * y;                                                                        \
                b[k] = b[k] + x1 * y;                                                                       \
            }                                                                                               \
        }                                                                                                   \
        for (int k = 0; k < (W); k++) {                                                                     \
            store4(scratch + ((i * m + j + k) << 2), a[k]);                                                 \
            store4(scratch + (((i + 1) * m + j + k) << 2), b[k]);                                           \
        }                                                                                                   \
    } while (0)

static inline __attribute__((always_inline)) void gram_body(const double *const *cols, intptr_t m, intptr_t n,
                                                            double *scratch, double *out) {
    const intptr_t whole = n - n % 4;
    memset(scratch, 0, (size_t)(m * m * 4) * sizeof(double));
    for (intptr_t r0 = 0; r0 < whole; r0 += GRAM_BLOCK) {
        const intptr_t r1 = r0 + GRAM_BLOCK < whole ? r0 + GRAM_BLOCK : whole;
        intptr_t i = 0;
        for (; i + 2 <= m; i += 2) {
            const double *ci = cols[i], *ci1 = cols[i + 1];
            intptr_t j = i;
            for (; j + 4 <= m; j += 4) GRAM_TILE2(4);
            switch (m - j) {
            case 3: GRAM_TILE2(3); break;
            case 2: GRAM_TILE2(2); break;
            case 1: GRAM_TILE2(1); break;
            default: break;
            }
        }
        if (i < m) {
            const double *ci = cols[i];
            intptr_t j = i;
            for (; j + 4 <= m; j += 4) GRAM_TILE(4);
            switch (m - j) {
            case 3: GRAM_TILE(3); break;
            case 2: GRAM_TILE(2); break;
            case 1: GRAM_TILE(1); break;
            default: break;
            }
        }
    }
    for (intptr_t i = 0; i < m; i++) {
        for (intptr_t j = i; j < m; j++) {
            double tail = 0;
            for (intptr_t r = whole; r < n; r++) tail += cols[i][r] * cols[j][r];
            const double *l = scratch + ((i * m + j) << 2);
            const double v = ((l[0] + l[1]) + (l[2] + l[3])) + tail;
            out[i + j * m] = v;
            out[j + i * m] = v;
        }
    }
}

static inline __attribute__((always_inline)) void residual_body(const double *const *cols, intptr_t p, intptr_t n,
                                                                const double *y, const double *wy, const double *b0,
                                                                const double *bd, double *out) {
    const intptr_t whole = n - n % 4;
    v4d aa = {0, 0, 0, 0}, ab = aa, bb = aa;
    for (intptr_t r = 0; r < whole; r += 4) {
        v4d f0 = {0, 0, 0, 0}, fd = f0;
        for (intptr_t j = 0; j < p; j++) {
            const v4d z = load4(cols[j] + r);
            f0 = f0 + z * b0[j];
            fd = fd + z * bd[j];
        }
        const v4d e0 = load4(y + r) - f0, ed = load4(wy + r) - fd;
        aa = aa + e0 * e0;
        ab = ab + e0 * ed;
        bb = bb + ed * ed;
    }
    double ta = 0, tb = 0, tc = 0;
    for (intptr_t r = whole; r < n; r++) {
        double f0 = 0, fd = 0;
        for (intptr_t j = 0; j < p; j++) {
            f0 = f0 + cols[j][r] * b0[j];
            fd = fd + cols[j][r] * bd[j];
        }
        const double e0 = y[r] - f0, ed = wy[r] - fd;
        ta += e0 * e0;
        tb += e0 * ed;
        tc += ed * ed;
    }
    out[0] = ((aa[0] + aa[1]) + (aa[2] + aa[3])) + ta;
    out[1] = ((ab[0] + ab[1]) + (ab[2] + ab[3])) + tb;
    out[2] = ((bb[0] + bb[1]) + (bb[2] + bb[3])) + tc;
}

void spillsim_gram(const double *const *cols, intptr_t m, intptr_t n, double *scratch, double *out) {
    gram_body(cols, m, n, scratch, out);
}

void spillsim_residual_products(const double *const *cols, intptr_t p, intptr_t n, const double *y, const double *wy,
                                const double *b0, const double *bd, double *out) {
    residual_body(cols, p, n, y, wy, b0, bd, out);
}

#if defined(__x86_64__)

__attribute__((target("avx2")))
void spillsim_gram_avx2(const double *const *cols, intptr_t m, intptr_t n, double *scratch, double *out) {
    gram_body(cols, m, n, scratch, out);
}

__attribute__((target("avx2")))
void spillsim_residual_products_avx2(const double *const *cols, intptr_t p, intptr_t n, const double *y,
                                     const double *wy, const double *b0, const double *bd, double *out) {
    residual_body(cols, p, n, y, wy, b0, bd, out);
}

#else

// Never called on other CPUs (spillsim_cpu_has_avx2 is 0); the plain functions keep the symbols correct.
void spillsim_gram_avx2(const double *const *cols, intptr_t m, intptr_t n, double *scratch, double *out) {
    gram_body(cols, m, n, scratch, out);
}

void spillsim_residual_products_avx2(const double *const *cols, intptr_t p, intptr_t n, const double *y,
                                     const double *wy, const double *b0, const double *bd, double *out) {
    residual_body(cols, p, n, y, wy, b0, bd, out);
}

#endif
