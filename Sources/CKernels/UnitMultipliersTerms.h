// Shared by UnitMultipliers.c (four units to a 256-bit vector) and UnitMultipliersWide.c (eight to a 512-bit
// one, and the packed copy of V): the vector types, their loads, stores and splats, and one eigenvalue's terms
// of the eight multiplier sums — written once, so every width forms each term and adds it alike (one
// multiplication and one addition per step, the files compile with FP_CONTRACT OFF: the same bits).
#ifndef SPILLSIM_UNIT_MULTIPLIERS_TERMS_H
#define SPILLSIM_UNIT_MULTIPLIERS_TERMS_H

#include <stdint.h>
#include <string.h>

typedef double v4d __attribute__((vector_size(32)));
typedef double v8d __attribute__((vector_size(64)));

#define load4(p) ({ v4d v_; memcpy(&v_, (p), sizeof v_); v_; })
#define store4(p, v) do { v4d w_ = (v); memcpy((p), &w_, sizeof w_); } while (0)
#define splat4(x) ((v4d){(x), (x), (x), (x)})
#define load8(p) ({ v8d v_; memcpy(&v_, (p), sizeof v_); v_; })
#define store8(p, v) do { v8d w_ = (v); memcpy((p), &w_, sizeof w_); } while (0)
#define splat8(x) ((v8d){(x), (x), (x), (x), (x), (x), (x), (x)})

enum { UM_BLOCK = 8 };

// Eigenvalue k's terms for the units whose V_jk are in the vector x (type VT, √r_j in r): diag = x², col =
// √r·x·s_k, then a0..a3 += diag·g_k[0..3] and a4..a7 += col·g_k[0..3] (accumulators a0..a7 in scope).
#define UM_TERMS(VT, SPLAT, x, r, s, g, k)                                                                      \
    do {                                                                                                        \
        const VT diag_ = (x) * (x), col_ = (r) * (x) * SPLAT((s)[k]);                                           \
        const double *gk_ = (g) + 4 * (k);                                                                      \
        const VT g0_ = SPLAT(gk_[0]), g1_ = SPLAT(gk_[1]), g2_ = SPLAT(gk_[2]), g3_ = SPLAT(gk_[3]);           \
        a0 = a0 + diag_ * g0_; a1 = a1 + diag_ * g1_; a2 = a2 + diag_ * g2_; a3 = a3 + diag_ * g3_;             \
        a4 = a4 + col_ * g0_; a5 = a5 + col_ * g1_; a6 = a6 + col_ * g2_; a7 = a7 + col_ * g3_;                 \
    } while (0)

// The multipliers from V read in place (UnitMultipliers.c, four units to a vector; with `wide`, a constant
// at each call, eight units first — UnitMultipliersWide.c under target("avx512f")), then one unit at a time.
static inline __attribute__((always_inline)) void unit_multipliers_body(const double *v, intptr_t n, const double *sqrt_r,
                                                                        const double *s, const double *g, double *out,
                                                                        int wide) {
    memset(out, 0, (size_t)(8 * n) * sizeof(double));
    double *const o0 = out, *const o1 = out + n, *const o2 = out + 2 * n, *const o3 = out + 3 * n;
    double *const o4 = out + 4 * n, *const o5 = out + 5 * n, *const o6 = out + 6 * n, *const o7 = out + 7 * n;
    for (intptr_t k0 = 0; k0 < n; k0 += UM_BLOCK) {
        const intptr_t k1 = k0 + UM_BLOCK < n ? k0 + UM_BLOCK : n;
        intptr_t j = 0;
        for (; wide && j + 8 <= n; j += 8) {
            v8d a0 = load8(o0 + j), a1 = load8(o1 + j), a2 = load8(o2 + j), a3 = load8(o3 + j);
            v8d a4 = load8(o4 + j), a5 = load8(o5 + j), a6 = load8(o6 + j), a7 = load8(o7 + j);
            const v8d r = load8(sqrt_r + j);
            for (intptr_t k = k0; k < k1; k++) {
                const v8d x = load8(v + k * n + j);
                UM_TERMS(v8d, splat8, x, r, s, g, k);
            }
            store8(o0 + j, a0); store8(o1 + j, a1); store8(o2 + j, a2); store8(o3 + j, a3);
            store8(o4 + j, a4); store8(o5 + j, a5); store8(o6 + j, a6); store8(o7 + j, a7);
        }
        for (; j + 4 <= n; j += 4) {
            v4d a0 = load4(o0 + j), a1 = load4(o1 + j), a2 = load4(o2 + j), a3 = load4(o3 + j);
            v4d a4 = load4(o4 + j), a5 = load4(o5 + j), a6 = load4(o6 + j), a7 = load4(o7 + j);
            const v4d r = load4(sqrt_r + j);
            for (intptr_t k = k0; k < k1; k++) {
                // Each of the block's columns is a stream read four units at a time; ask for the line
                // 256 bytes ahead in it (no arithmetic changes: the same bits).
                __builtin_prefetch(v + k * n + j + 32, 0, 3);
                const v4d x = load4(v + k * n + j);
                UM_TERMS(v4d, splat4, x, r, s, g, k);
            }
            store4(o0 + j, a0); store4(o1 + j, a1); store4(o2 + j, a2); store4(o3 + j, a3);
            store4(o4 + j, a4); store4(o5 + j, a5); store4(o6 + j, a6); store4(o7 + j, a7);
        }
        for (; j < n; j++) {
            for (intptr_t k = k0; k < k1; k++) {
                const double x = v[k * n + j], diag = x * x, col = sqrt_r[j] * x * s[k];
                const double *gk = g + 4 * k;
                o0[j] = o0[j] + diag * gk[0]; o1[j] = o1[j] + diag * gk[1];
                o2[j] = o2[j] + diag * gk[2]; o3[j] = o3[j] + diag * gk[3];
                o4[j] = o4[j] + col * gk[0]; o5[j] = o5[j] + col * gk[1];
                o6[j] = o6[j] + col * gk[2]; o7[j] = o7[j] + col * gk[3];
            }
        }
    }
}

#endif
