#ifndef SPILLSIM_SMALL_FORMS_H
#define SPILLSIM_SMALL_FORMS_H

#include <stdint.h>

/// out[j] = g_j . (A h_j) for j < count, with A column-major m x m (leading dimension m, 4 <= m < 2048),
/// g_j = g + j * stride and h_j = h + j * stride (g may equal h: quadratic forms). Each A h_j is summed in
/// the order of OpenBLAS 0.3.x's Haswell/Zen dgemv_n for alpha 1, beta 0 and unit strides: rows
/// [0, m & ~3) over the blocks of four columns in order, y = y + ((a0 x0 fma a2 x2) + (a1 x1 fma a3 x3))
/// (t fma s: the product s added to t with one rounding), a last pair of columns adding (a x + a' x') and
/// a last single column a x (as spillsim_gemv_n_pair_fma); each of the last m mod 4 rows a scalar chain
/// from 0 over the columns in order, t = t + a x (tail_fma 0) or t = fma(a, x, t) (tail_fma 1), y = 0 + t
/// (which of the two the linked dgemv does depends on how OpenBLAS was compiled: the caller checks). The
/// dot product is the chain 0 + g_0 y_0 + g_1 y_1 + ... in order, one multiplication and one addition per
/// term. `y` is scratch of m doubles. Call only when spillsim_cpu_has_avx2_fma() is 1.
void spillsim_bilinear_forms_fma(const double *a, intptr_t m, const double *g, const double *h, intptr_t count,
                                 intptr_t stride, int tail_fma, double *y, double *out);

/// y = A x alone, in the same order (for the caller's check of every element against cblas_dgemv).
void spillsim_gemv_small_fma(const double *a, intptr_t m, const double *x, int tail_fma, double *y);

#endif
