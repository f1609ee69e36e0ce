// spillsim_unit_multipliers (UnitMultipliers.c) with 512-bit vectors: eight units per step keep their eight
// sums in registers while UM_BLOCK eigenvalues run past, then four units (256-bit), then one at a time. Each
// sum is the chain 0 + t_0 + t_1 + ... in the order of k with each term formed as there (one multiplication
// and one addition, no fused multiply-add: FP_CONTRACT OFF and no FMA target), and a lane holds one unit's
// sums only, so the width changes no bit. Worth it where the AMEs and the cluster scores ask for the
// multipliers at every replication's ρ̂ (8N² multiply-adds, streaming V).
#pragma STDC FP_CONTRACT OFF

#include "CKernels.h"
#include <string.h>
#include "UnitMultipliersTerms.h"

#if defined(__x86_64__)


__attribute__((target("avx512f")))
void spillsim_unit_multipliers_avx512(const double *v, intptr_t n, const double *sqrt_r, const double *s, const double *g,
                                      double *out) {
    unit_multipliers_body(v, n, sqrt_r, s, g, out, 1);
}

__attribute__((target("avx512f")))
void spillsim_unit_multipliers_packed512(const double *packed_v, intptr_t n, const double *sqrt_r, const double *s,
                                         const double *g, double *out) {
    double *const o0 = out, *const o1 = out + n, *const o2 = out + 2 * n, *const o3 = out + 3 * n;
    double *const o4 = out + 4 * n, *const o5 = out + 5 * n, *const o6 = out + 6 * n, *const o7 = out + 7 * n;
    const double *band = packed_v;
    intptr_t j = 0;
    for (; j + 8 <= n; j += 8, band += 8 * n) {  // a band of 8 units: V_jk for the 8 at k*8
        const v8d zero = splat8(0.0);
        v8d a0 = zero, a1 = zero, a2 = zero, a3 = zero, a4 = zero, a5 = zero, a6 = zero, a7 = zero;
        const v8d r = load8(sqrt_r + j);
        for (intptr_t k = 0; k < n; k++) {
            const v8d x = load8(band + k * 8);
            UM_TERMS(v8d, splat8, x, r, s, g, k);
        }
        store8(o0 + j, a0); store8(o1 + j, a1); store8(o2 + j, a2); store8(o3 + j, a3);
        store8(o4 + j, a4); store8(o5 + j, a5); store8(o6 + j, a6); store8(o7 + j, a7);
    }
    if (n - j >= 4) {  // the band of 4
        const v4d zero = splat4(0.0);
        v4d a0 = zero, a1 = zero, a2 = zero, a3 = zero, a4 = zero, a5 = zero, a6 = zero, a7 = zero;
        const v4d r = load4(sqrt_r + j);
        for (intptr_t k = 0; k < n; k++) {
            const v4d x = load4(band + k * 4);
            UM_TERMS(v4d, splat4, x, r, s, g, k);
        }
        store4(o0 + j, a0); store4(o1 + j, a1); store4(o2 + j, a2); store4(o3 + j, a3);
        store4(o4 + j, a4); store4(o5 + j, a5); store4(o6 + j, a6); store4(o7 + j, a7);
        j += 4;
        band += 4 * n;
    }
    for (; j < n; j++, band += n) {  // single units: V_jk at k
        double a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0, a6 = 0, a7 = 0;
        for (intptr_t k = 0; k < n; k++) {
            const double x = band[k], diag = x * x, col = sqrt_r[j] * x * s[k];
            const double *gk = g + 4 * k;
            a0 = a0 + diag * gk[0]; a1 = a1 + diag * gk[1]; a2 = a2 + diag * gk[2]; a3 = a3 + diag * gk[3];
            a4 = a4 + col * gk[0]; a5 = a5 + col * gk[1]; a6 = a6 + col * gk[2]; a7 = a7 + col * gk[3];
        }
        o0[j] = a0; o1[j] = a1; o2[j] = a2; o3[j] = a3; o4[j] = a4; o5[j] = a5; o6[j] = a6; o7[j] = a7;
    }
}

#else

// Never called on other CPUs (spillsim_cpu_has_avx512f is 0).
void spillsim_unit_multipliers_packed512(const double *packed_v, intptr_t n, const double *sqrt_r, const double *s,
                                         const double *g, double *out) {
    (void)packed_v; (void)n; (void)sqrt_r; (void)s; (void)g; (void)out;
}

void spillsim_unit_multipliers_avx512(const double *v, intptr_t n, const double *sqrt_r, const double *s, const double *g,
                                      double *out) {
    spillsim_unit_multipliers(v, n, sqrt_r, s, g, out);
}

#endif
