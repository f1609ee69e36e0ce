// Runtime-dispatched kernels for x86-64 CPUs with AVX2. The package builds for baseline x86-64
// (SSE2), so the AVX2 code is compiled per function (target attribute) and called only after
// spillsim_cpu_has_avx2() has checked the CPU; every other CPU runs the Swift generic path.
// No fused multiply-add anywhere (the target enables AVX2 only, not FMA, and contraction is off):
// the results are the same bits as the scalar loops.
#pragma STDC FP_CONTRACT OFF

#include "CKernels.h"

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>

int spillsim_cpu_has_avx2(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    if (!(c & bit_OSXSAVE) || !(c & bit_AVX)) return 0;
    unsigned lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    if ((lo & 6) != 6) return 0;  // the OS saves the XMM and YMM state
    if (__get_cpuid_max(0, 0) < 7) return 0;
    __cpuid_count(7, 0, a, b, c, d);
    return (b & bit_AVX2) != 0;
}

__attribute__((target("avx2")))
void spillsim_sparse_row_avx2(const intptr_t *columns, const double *values, intptr_t start, intptr_t end,
                              const double *unit_major, intptr_t width, double *row) {
    intptr_t b = 0;
    for (; b + 32 <= width; b += 32) {
        __m256d a0 = _mm256_setzero_pd(), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        for (intptr_t q = start; q < end; q++) {
            const __m256d v = _mm256_set1_pd(values[q]);
            const double *s = unit_major + columns[q] * width + b;
            a0 = _mm256_add_pd(a0, _mm256_mul_pd(v, _mm256_loadu_pd(s)));
            a1 = _mm256_add_pd(a1, _mm256_mul_pd(v, _mm256_loadu_pd(s + 4)));
            a2 = _mm256_add_pd(a2, _mm256_mul_pd(v, _mm256_loadu_pd(s + 8)));
            a3 = _mm256_add_pd(a3, _mm256_mul_pd(v, _mm256_loadu_pd(s + 12)));
            a4 = _mm256_add_pd(a4, _mm256_mul_pd(v, _mm256_loadu_pd(s + 16)));
            a5 = _mm256_add_pd(a5, _mm256_mul_pd(v, _mm256_loadu_pd(s + 20)));
            a6 = _mm256_add_pd(a6, _mm256_mul_pd(v, _mm256_loadu_pd(s + 24)));
            a7 = _mm256_add_pd(a7, _mm256_mul_pd(v, _mm256_loadu_pd(s + 28)));
        }
        _mm256_storeu_pd(row + b, a0); _mm256_storeu_pd(row + b + 4, a1);
        _mm256_storeu_pd(row + b + 8, a2); _mm256_storeu_pd(row + b + 12, a3);
        _mm256_storeu_pd(row + b + 16, a4); _mm256_storeu_pd(row + b + 20, a5);
        _mm256_storeu_pd(row + b + 24, a6); _mm256_storeu_pd(row + b + 28, a7);
    }
    for (; b + 16 <= width; b += 16) {
        __m256d a0 = _mm256_setzero_pd(), a1 = a0, a2 = a0, a3 = a0;
        for (intptr_t q = start; q < end; q++) {
            const __m256d v = _mm256_set1_pd(values[q]);
            const double *s = unit_major + columns[q] * width + b;
            a0 = _mm256_add_pd(a0, _mm256_mul_pd(v, _mm256_loadu_pd(s)));
            a1 = _mm256_add_pd(a1, _mm256_mul_pd(v, _mm256_loadu_pd(s + 4)));
            a2 = _mm256_add_pd(a2, _mm256_mul_pd(v, _mm256_loadu_pd(s + 8)));
            a3 = _mm256_add_pd(a3, _mm256_mul_pd(v, _mm256_loadu_pd(s + 12)));
        }
        _mm256_storeu_pd(row + b, a0); _mm256_storeu_pd(row + b + 4, a1);
        _mm256_storeu_pd(row + b + 8, a2); _mm256_storeu_pd(row + b + 12, a3);
    }
    for (; b + 8 <= width; b += 8) {
        __m256d a0 = _mm256_setzero_pd(), a1 = a0;
        for (intptr_t q = start; q < end; q++) {
            const __m256d v = _mm256_set1_pd(values[q]);
            const double *s = unit_major + columns[q] * width + b;
            a0 = _mm256_add_pd(a0, _mm256_mul_pd(v, _mm256_loadu_pd(s)));
            a1 = _mm256_add_pd(a1, _mm256_mul_pd(v, _mm256_loadu_pd(s + 4)));
        }
        _mm256_storeu_pd(row + b, a0); _mm256_storeu_pd(row + b + 4, a1);
    }
    for (; b < width; b += 4) {
        __m256d a0 = _mm256_setzero_pd();
        for (intptr_t q = start; q < end; q++) {
            a0 = _mm256_add_pd(a0, _mm256_mul_pd(_mm256_set1_pd(values[q]), _mm256_loadu_pd(unit_major + columns[q] * width + b)));
        }
        _mm256_storeu_pd(row + b, a0);
    }
}

#else

int spillsim_cpu_has_avx2(void) { return 0; }

// Never called on other CPUs (spillsim_cpu_has_avx2 is 0); the plain loop keeps the symbol correct.
void spillsim_sparse_row_avx2(const intptr_t *columns, const double *values, intptr_t start, intptr_t end,
                              const double *unit_major, intptr_t width, double *row) {
    for (intptr_t b = 0; b < width; b++) {
        double a = 0;
        for (intptr_t q = start; q < end; q++) a += values[q] * unit_major[columns[q] * width + b];
        row[b] = a;
    }
}

#endif
