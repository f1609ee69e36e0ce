#ifndef SPILLSIM_CKERNELS_H
#define SPILLSIM_CKERNELS_H

#include <stdint.h>
#include "Memory.h"
#include "Gram.h"
#include "UnitMultipliers.h"
#include "PairedGemv.h"
#include "SmallForms.h"

#include "WideKernels.h"

/// 1 when this CPU and its operating system support AVX2 (CPUID leaf 7 and the YMM state in XCR0), else 0.
int spillsim_cpu_has_avx2(void);

/// row[b] = sum over q in [start, end) of values[q] * unit_major[columns[q] * width + b], for b < width
/// (width a multiple of 4): each position's chain from 0 in the order of q, one multiplication and one
/// addition per term (no fused multiply-add), so the same bits as the scalar loop. Call only when
/// spillsim_cpu_has_avx2() is 1.
void spillsim_sparse_row_avx2(const intptr_t *columns, const double *values, intptr_t start, intptr_t end,
                              const double *unit_major, intptr_t width, double *row);

#endif
