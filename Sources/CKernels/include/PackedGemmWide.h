#ifndef SPILLSIM_PACKED_GEMM_WIDE_H
#define SPILLSIM_PACKED_GEMM_WIDE_H

#include <stdint.h>

/// 1 when this CPU and its operating system support AVX-512F (CPUID leaf 7 and the ZMM state in XCR0)
/// besides AVX2 and FMA3, else 0.
int spillsim_cpu_has_avx512f(void);

/// spillsim_gemm_packed_fma (PairedGemv.h) with 512-bit vectors: the same arguments, and every c_ij the
/// same operations in the same order — per K block a chain of fused multiply-adds from 0 over its k in
/// order, added to the element's sum from 0 — so the same bits; only more elements go through one
/// instruction (two packed bands of 8 rows against six columns in 12 registers of eight lanes). Call
/// only when spillsim_cpu_has_avx512f() is 1.
void spillsim_gemm_packed_fma512(const double *packed, intptr_t m, intptr_t k, const double *b, intptr_t w,
                                 const intptr_t *splits, intptr_t blocks, double *c, double *panels);

#endif
