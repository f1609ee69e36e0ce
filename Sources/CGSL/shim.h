// The parts of GSL that spillsim uses. Linked against libgsl only: BLAS symbols
// come from OpenBLAS (CLAPACK), so GSL's reference CBLAS is not pulled in.
#ifndef SPILLSIM_CGSL_SHIM_H
#define SPILLSIM_CGSL_SHIM_H
// GSL's matrix headers pull in its own CBLAS declarations, which clash with
// OpenBLAS's (imported by CLAPACK) in Swift's module system. Declare the
// CBLAS types once, from OpenBLAS, and skip GSL's copy through its guard.
#include <cblas.h>
#define __GSL_CBLAS_H__
#include <gsl/gsl_errno.h>
#include <gsl/gsl_version.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_sf_gamma.h>
#include <gsl/gsl_sf_erf.h>
#include <gsl/gsl_sf_log.h>
#include <gsl/gsl_min.h>
#include <gsl/gsl_multimin.h>
#include <gsl/gsl_roots.h>
#include <gsl/gsl_vector.h>
#include <gsl/gsl_integration.h>

static inline const char *spill_gsl_version(void) { return gsl_version; }
#endif
