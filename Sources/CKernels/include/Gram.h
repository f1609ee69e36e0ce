#ifndef SPILLSIM_GRAM_H
#define SPILLSIM_GRAM_H

#include <stdint.h>

/// out[i + j*m] = sum over r < n of cols[i][r] * cols[j][r] for i, j < m (both triangles), in one pass
/// over the rows (blocks of 128 rows, each block read from L1 by every product): no packed copy of the
/// columns. Each product's sum runs in four lanes (rows 4g + l) from 0 in the order of g, one
/// multiplication and one addition per term (no fused multiply-add), the rows past the last whole group
/// in a fifth chain from 0; out = ((l0 + l1) + (l2 + l3)) + tail. `scratch` holds m*m*4 doubles.
/// The _avx2 variant gives the same bits; call it only when spillsim_cpu_has_avx2() is 1.
void spillsim_gram(const double *const *cols, intptr_t m, intptr_t n, double *scratch, double *out);
void spillsim_gram_avx2(const double *const *cols, intptr_t m, intptr_t n, double *scratch, double *out);

/// With e0 = y - Z b0 and ed = wy - Z bd (Z's p columns `cols`, each row's fitted value the chain
/// 0 + z_0 b_0 + z_1 b_1 + ... in column order), out[0..3) = e0'e0, e0'ed, ed'ed, in one pass over Z, y
/// and wy without storing the residuals: four lanes and a tail chain as spillsim_gram. The _avx2
/// variant gives the same bits; call it only when spillsim_cpu_has_avx2() is 1.
void spillsim_residual_products(const double *const *cols, intptr_t p, intptr_t n, const double *y, const double *wy,
                                const double *b0, const double *bd, double *out);
void spillsim_residual_products_avx2(const double *const *cols, intptr_t p, intptr_t n, const double *y,
                                     const double *wy, const double *b0, const double *bd, double *out);

#endif
