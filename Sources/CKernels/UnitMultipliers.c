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

void spillsim_unit_multipliers(const double *v, intptr_t n, const double *sqrt_r, const double *s, const double *g,
                               double *out) {
    unit_multipliers_body(v, n, sqrt_r, s, g, out, 0);
}

#if defined(__x86_64__)

__attribute__((target("avx2")))
void spillsim_unit_multipliers_avx2(const double *v, intptr_t n, const double *sqrt_r, const double *s, const double *g,
                                    double *out) {
    unit_multipliers_body(v, n, sqrt_r, s, g, out, 0);
}

#else

// Never called on other CPUs (spillsim_cpu_has_avx2 is 0); the plain function keeps the symbol correct.
void spillsim_unit_multipliers_avx2(const double *v, intptr_t n, const double *sqrt_r, const double *s, const double *g,
                                    double *out) {
    unit_multipliers_body(v, n, sqrt_r, s, g, out, 0);
}

#endif
