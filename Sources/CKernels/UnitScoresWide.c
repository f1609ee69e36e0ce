// The per-unit scores of the SDM's cluster sandwich (Estimators' SpatialVariance.unitScores) with 512-bit
// vectors: N(p + 2)T terms, most of their cost the division by sigma^2, which the Swift loop (baseline
// x86-64: two lanes to an SSE2 instruction) did two at a time and this does eight. Each unit's sums stay in
// a register over the periods; every term is the expression the Swift loop forms, rounded as written (no
// fused multiply-add: FP_CONTRACT OFF, no FMA target), added in the order of the periods, so the same bits.
#pragma STDC FP_CONTRACT OFF

#include "CKernels.h"
#include <string.h>

#if defined(__x86_64__)

typedef double v8d __attribute__((vector_size(64)));

#define load8(p) ({ v8d v_; memcpy(&v_, (p), sizeof v_); v_; })
#define store8(p, v) do { v8d w_ = (v); memcpy((p), &w_, sizeof w_); } while (0)
#define splat8(x) ((v8d){(x), (x), (x), (x), (x), (x), (x), (x)})

__attribute__((target("avx512f")))
void spillsim_unit_scores_avx512(const double *z, intptr_t p, const double *e, const double *wy, const double *jacobian_share,
                                 intptr_t n, intptr_t t, double s2, double two, double sigma_share, double *out) {
    const intptr_t rows = n * t, octs = n - n % 8;
    const v8d vs2 = splat8(s2), vtwo = splat8(two), vsig = splat8(sigma_share);
    for (intptr_t j = 0; j < p; j++) {
        const double *zj = z + j * rows;
        double *o = out + j * n;
        for (intptr_t i = 0; i < octs; i += 8) {
            v8d acc = splat8(0.0);
            for (intptr_t q = 0; q < t; q++) acc = acc + load8(zj + q * n + i) * load8(e + q * n + i) / vs2;
            store8(o + i, acc);
        }
        for (intptr_t i = octs; i < n; i++) {
            double acc = 0;
            for (intptr_t q = 0; q < t; q++) acc = acc + zj[q * n + i] * e[q * n + i] / s2;
            o[i] = acc;
        }
    }
    intptr_t col = p;
    if (wy) {
        double *o = out + col * n;
        for (intptr_t i = 0; i < octs; i += 8) {
            const v8d js = load8(jacobian_share + i);
            v8d acc = splat8(0.0);
            for (intptr_t q = 0; q < t; q++) acc = acc + (load8(wy + q * n + i) * load8(e + q * n + i) / vs2 - js);
            store8(o + i, acc);
        }
        for (intptr_t i = octs; i < n; i++) {
            double acc = 0;
            for (intptr_t q = 0; q < t; q++) acc = acc + (wy[q * n + i] * e[q * n + i] / s2 - jacobian_share[i]);
            o[i] = acc;
        }
        col += 1;
    }
    double *o = out + col * n;
    for (intptr_t i = 0; i < octs; i += 8) {
        v8d acc = splat8(0.0);
        for (intptr_t q = 0; q < t; q++) {
            const v8d x = load8(e + q * n + i);
            acc = acc + (x * x / vtwo - vsig);
        }
        store8(o + i, acc);
    }
    for (intptr_t i = octs; i < n; i++) {
        double acc = 0;
        for (intptr_t q = 0; q < t; q++) acc = acc + (e[q * n + i] * e[q * n + i] / two - sigma_share);
        o[i] = acc;
    }
}

#else

// Never called on other CPUs (spillsim_cpu_has_avx512f is 0).
void spillsim_unit_scores_avx512(const double *z, intptr_t p, const double *e, const double *wy, const double *jacobian_share,
                                 intptr_t n, intptr_t t, double s2, double two, double sigma_share, double *out) {
    (void)z; (void)p; (void)e; (void)wy; (void)jacobian_share; (void)n; (void)t; (void)s2; (void)two; (void)sigma_share; (void)out;
}

#endif
