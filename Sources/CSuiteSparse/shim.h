// SuiteSparse CHOLMOD (Debian: libsuitesparse-dev), the sparse Cholesky R's Matrix uses.
// Only Numerics imports this module; no CHOLMOD type appears in its public API.
#ifndef SPILLSIM_CSUITESPARSE_SHIM_H
#define SPILLSIM_CSUITESPARSE_SHIM_H
#include <suitesparse/cholmod.h>
#endif
