// LAPACKE and CBLAS from OpenBLAS (Debian: liblapacke-dev, libopenblas-dev).
#ifndef SPILLSIM_CLAPACK_SHIM_H
#define SPILLSIM_CLAPACK_SHIM_H
#include <lapacke.h>
#include <cblas.h>
// Declared here as well so the shim does not depend on which cblas.h the
// alternatives system selected; both are OpenBLAS entry points.
void openblas_set_num_threads(int num_threads);
char *openblas_get_config(void);
char *openblas_get_corename(void);
#endif
