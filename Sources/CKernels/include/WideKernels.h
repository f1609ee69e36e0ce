#ifndef SPILLSIM_WIDE_KERNELS_H
#define SPILLSIM_WIDE_KERNELS_H

#include <stdint.h>

// The 512-bit kernels of the spatial variances; the 512-bit packed product and the CPU check
// (spillsim_cpu_has_avx512f) are in PairedGemv.h.

/// spillsim_unit_multipliers (UnitMultipliers.h) with eight units to a 512-bit vector instead of four to a
/// 256-bit one: every sum the same chain of the same terms (one multiplication and one addition each, no
/// fused multiply-add), so the same bits. Call only when spillsim_cpu_has_avx512f() is 1.
void spillsim_unit_multipliers_avx512(const double *v, intptr_t n, const double *sqrt_r, const double *s, const double *g,
                                      double *out);

/// spillsim_unit_multipliers_avx512 reading V in the packed layout of spillsim_gemm_pack (bands of 8 units,
/// each band's n eigenvector entries [k][8], then a band of 4, then single units [k]) — the copy of V that
/// G(ρ)·v's product reads (Numerics' PackedOperand), so the multipliers find it in cache and read it in the
/// order they use it. Every sum is the same chain as there (the terms in the order of k), so the same bits.
/// Call only when spillsim_cpu_has_avx512f() is 1.
void spillsim_unit_multipliers_packed512(const double *packed_v, intptr_t n, const double *sqrt_r, const double *s,
                                         const double *g, double *out);

/// The N x k unit scores of the SDM's cluster sandwich (Estimators' SpatialVariance.unitScores), column by
/// column into `out` (column-major, leading dimension n, overwritten): for each unit i and column, the chain
/// 0 + t_0 + t_1 + ... over the periods in order (r = period * n + i) with
///   t = (z_j[r] * e[r]) / s2                        for the p columns z_j = z + j * n * t,
///   t = ((wy[r] * e[r]) / s2) - jacobian_share[i]    when wy is not null (then the next column),
///   t = ((e[r] * e[r]) / two) - sigma_share           (the last column),
/// each operation rounded as written (no fused multiply-add), eight units to a vector — the Swift loop's
/// bits. Call only when spillsim_cpu_has_avx512f() is 1.
void spillsim_unit_scores_avx512(const double *z, intptr_t p, const double *e, const double *wy, const double *jacobian_share,
                                 intptr_t n, intptr_t t, double s2, double two, double sigma_share, double *out);

#endif
