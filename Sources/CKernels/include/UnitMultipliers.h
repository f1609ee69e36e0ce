#ifndef SPILLSIM_UNIT_MULTIPLIERS_H
#define SPILLSIM_UNIT_MULTIPLIERS_H

#include <stdint.h>

/// For every unit j < n, with V the n x n column-major eigenvectors (v[k*n + j] = V_jk):
///   out[q*n + j]       = sum over k of V_jk^2 * g[4k + q]                      (q = 0..3)
///   out[(4 + q)*n + j] = sum over k of (sqrt_r[j] * V_jk * s[k]) * g[4k + q]
/// each sum the chain 0 + t_0 + t_1 + ... in the order of k, one multiplication and one addition per term
/// (no fused multiply-add), the products formed as written ((sqrt_r[j] * V_jk) * s[k]). `out` holds 8n
/// doubles and is overwritten. The _avx2 variant gives the same bits; call it only when
/// spillsim_cpu_has_avx2() is 1.
void spillsim_unit_multipliers(const double *v, intptr_t n, const double *sqrt_r, const double *s, const double *g,
                               double *out);
void spillsim_unit_multipliers_avx2(const double *v, intptr_t n, const double *sqrt_r, const double *s, const double *g,
                                    double *out);

#endif
