#ifndef SPILLSIM_PAIRED_GEMV_H
#define SPILLSIM_PAIRED_GEMV_H

#include <stdint.h>

/// 1 when this CPU and its operating system support AVX2 and FMA3, else 0.
int spillsim_cpu_has_avx2_fma(void);

/// y0 = A x0 and, when x1 and y1 are not null, y1 = A x1 (A column-major, m x n, leading dimension m,
/// m a multiple of 4), reading A once for both products. Each y_i is the chain from 0 over the blocks of
/// four columns in order, y_i = y_i + ((a_i0 x_0 fma a_i2 x_2) + (a_i1 x_1 fma a_i3 x_3)) with t fma s
/// meaning the product s added to t with one rounding; a last pair of columns adds (a x + a' x') and a
/// last single column adds a x. That is the order in which OpenBLAS's Haswell/Zen dgemv_n kernel sums
/// (so a caller can check the bits against cblas_dgemv once and use either). Call only when
/// spillsim_cpu_has_avx2_fma() is 1.
void spillsim_gemv_n_pair_fma(const double *a, intptr_t m, intptr_t n, const double *x0, const double *x1,
                              double *y0, double *y1);

/// The packed form of a column-major m x k matrix A for spillsim_gemm_packed_fma: bands of 8 rows (then
/// one of 4 when m mod 8 >= 4), each band's k columns one after another ([k][8] or [k][4]), then each of
/// the last m mod 4 rows' k values. `packed` holds m * k doubles.
void spillsim_gemm_pack(const double *a, intptr_t m, intptr_t k, double *packed);

/// C = A B for an m x k A given packed (spillsim_gemm_pack), a k x w B (column-major, leading dimension
/// k) and C m x w (column-major, leading dimension m). Each c_ij is summed over the blocks
/// [splits[q], splits[q + 1]) of k (q < blocks, splits[0] = 0, splits[blocks] = k) in order: c = c + acc,
/// c from 0, each block's acc a chain of fused multiply-adds from 0 over its k in order — the order in
/// which OpenBLAS's Haswell/Zen dgemm sums an even-width product (its K blocks given by the caller), so
/// a caller can check the bits against cblas_dgemm and skip OpenBLAS's copy of A per call. An odd w's
/// last column is summed as that dgemm's one-column tail does in rows of four: per block, four chains
/// (k mod 4 of the block's first len - len mod 8 values of k, the rest on the first chain), then
/// (s0 + s1) + (s2 + s3) added to c; the last m mod 4 rows are one chain per block there too. `panels`
/// (scratch, k * w doubles) receives B's columns in panels of six. Call only when
/// spillsim_cpu_has_avx2_fma() is 1.
void spillsim_gemm_packed_fma(const double *packed, intptr_t m, intptr_t k, const double *b, intptr_t w,
                              const intptr_t *splits, intptr_t blocks, double *c, double *panels);

/// spillsim_gemv_n_pair_fma's products (the same sums, element by element in the same order) from A packed
/// by spillsim_gemm_pack (m a multiple of 4): each band's y held in registers over all the columns and A
/// read as one stream. x1 and y1 may be null (one product). Call only when spillsim_cpu_has_avx2_fma() is 1.
void spillsim_gemv_banded_fma(const double *packed, intptr_t m, intptr_t n, const double *x0, const double *x1,
                              double *y0, double *y1);

/// spillsim_gemv_banded_fma with eight rows per AVX-512 register, two bands at a time. Call only when
/// spillsim_cpu_has_avx512f() is 1.
void spillsim_gemv_banded_avx512(const double *packed, intptr_t m, intptr_t n, const double *x0, const double *x1,
                                 double *y0, double *y1);

/// 1 when this CPU and its operating system support AVX-512F (CPUID leaf 7 and the ZMM state in XCR0)
/// besides AVX2 and FMA3, else 0: the condition of every 512-bit kernel here and in WideKernels.h.
int spillsim_cpu_has_avx512f(void);

/// spillsim_gemm_packed_fma's product with the same sums, element by element in the same order, eight rows
/// per AVX-512 register (two bands by six columns per tile). Call only when spillsim_cpu_has_avx512f()
/// is 1.
void spillsim_gemm_packed_avx512(const double *packed, intptr_t m, intptr_t k, const double *b, intptr_t w,
                                 const intptr_t *splits, intptr_t blocks, double *c, double *panels);

/// spillsim_gemm_packed_avx512 computing only what the lower triangle needs (m = w, C square): the tiles
/// with an element on or below the diagonal, each element as there (the same bits); the elements of the
/// tiles wholly above the diagonal are not written. For a Gram matrix E E^T whose strict upper triangle
/// nobody reads (the cluster sandwich's P = E E^T). Call only when spillsim_cpu_has_avx512f() is 1.
void spillsim_gemm_packed_avx512_lower(const double *packed, intptr_t m, intptr_t k, const double *b, intptr_t w,
                                       const intptr_t *splits, intptr_t blocks, double *c, double *panels);

#endif
