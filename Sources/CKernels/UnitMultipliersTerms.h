// Shared by UnitMultipliers.c (four units to a 256-bit vector) and UnitMultipliersWide.c (eight to a 512-bit
// one, and the packed copy of V): the vector types, their loads, stores and splats, and one eigenvalue's terms
// of the eight multiplier sums — written once, so every width forms each term and adds it alike (one
// multiplication and one addition per step, the files compile with FP_CONTRACT OFF: the same bits).
#ifndef SPILLSIM_UNIT_MULTIPLIERS_TERMS_H
#define SPILLSIM_UNIT_MULTIPLIERS_TERMS_H

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

#endif
