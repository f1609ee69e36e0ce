// The per-unit diagonals and column sums of A = (I - rho W)^-1 and G = WA with their rho-derivatives, from
// W's symmetric form (Numerics' WeightSpectrum.unitMultipliers, Estimators' UnitMultipliers): eight sums
// over the eigenvalues k for every unit j.
//
// Why here: written in Swift as eight accumulator arrays updated once per eigenvalue, every step loaded and
// stored the eight arrays (eight stores per four units and eigenvalue), and s_k was summed in one serial
// chain per call. Here four units at a time keep their eight sums in registers while UM_BLOCK eigenvalues
// run past, then store them (exactly, so no value changes) and go on to the next four units: V is read
// as UM_BLOCK contiguous columns side by side, sequential streams the prefetcher follows even when V is
// not in cache (an estimator's W whose spectrum nothing else touched this replication), and the sums'
// loads and stores are one in UM_BLOCK of what they were.
//
// Written once with GCC/Clang vector types and compiled twice: a plain function (SSE2, baseline x86-64,
// or any other CPU) and one with target("avx2"). No fused multiply-add (FP_CONTRACT OFF; neither target
// enables FMA). Each sum is the chain 0 + t_0 + t_1 + ... in the order of k, with each term the expression
// the Swift loop used, so both variants give that loop's bits.
#pragma STDC FP_CONTRACT OFF

#include "UnitMultipliers.h"
#include <string.h>
#include "UnitMultipliersTerms.h"


static inline __attribute__((always_inline)) void unit_multipliers_body(const double *v, intptr_t n, const double *sqrt_r,
                                                                        const double *s, const double *g, double *out) {
    memset(out, 0, (size_t)(8 * n) * sizeof(double));
    double *const o0 = out, *const o1 = out + n, *const o2 = out + 2 * n, *const o3 = out + 3 * n;
    double *const o4 = out + 4 * n, *const o5 = out + 5 * n, *const o6 = out + 6 * n, *const o7 = out + 7 * n;
    for (intptr_t k0 = 0; k0 < n; k0 += UM_BLOCK) {
        const intptr_t k1 = k0 + UM_BLOCK < n ? k0 + UM_BLOCK : n;
        intptr_t j = 0;
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

void spillsim_unit_multipliers(const double *v, intptr_t n, const double *sqrt_r, const double *s, const double *g,
                               double *out) {
    unit_multipliers_body(v, n, sqrt_r, s, g, out);
}

#if defined(__x86_64__)

__attribute__((target("avx2")))
void spillsim_unit_multipliers_avx2(const double *v, intptr_t n, const double *sqrt_r, const double *s, const double *g,
                                    double *out) {
    unit_multipliers_body(v, n, sqrt_r, s, g, out);
}

#else

// Never called on other CPUs (spillsim_cpu_has_avx2 is 0); the plain function keeps the symbol correct.
void spillsim_unit_multipliers_avx2(const double *v, intptr_t n, const double *sqrt_r, const double *s, const double *g,
                                    double *out) {
    unit_multipliers_body(v, n, sqrt_r, s, g, out);
}

#endif
