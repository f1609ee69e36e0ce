// HDF5 (Debian: libhdf5-dev, found through pkg-config "hdf5"). Several HDF5
// constants are macros that expand to function calls or casts, which Swift
// cannot import; the inline functions below expose them.
#ifndef SPILLSIM_CHDF5_SHIM_H
#define SPILLSIM_CHDF5_SHIM_H
#include <hdf5.h>

static inline hid_t spill_H5P_DEFAULT(void) { return H5P_DEFAULT; }
static inline hid_t spill_H5S_ALL(void) { return H5S_ALL; }
static inline hsize_t spill_H5S_UNLIMITED(void) { return H5S_UNLIMITED; }
static inline hid_t spill_H5T_NATIVE_DOUBLE(void) { return H5T_NATIVE_DOUBLE; }
static inline hid_t spill_H5T_NATIVE_INT64(void) { return H5T_NATIVE_INT64; }
static inline hid_t spill_H5T_NATIVE_INT32(void) { return H5T_NATIVE_INT32; }
static inline hid_t spill_H5T_NATIVE_UINT64(void) { return H5T_NATIVE_UINT64; }
static inline hid_t spill_H5T_C_S1(void) { return H5T_C_S1; }
static inline hid_t spill_H5P_FILE_ACCESS(void) { return H5P_FILE_ACCESS; }
static inline hid_t spill_H5P_DATASET_CREATE(void) { return H5P_DATASET_CREATE; }
static inline hid_t spill_H5P_LINK_CREATE(void) { return H5P_LINK_CREATE; }
static inline unsigned spill_H5F_ACC_TRUNC(void) { return H5F_ACC_TRUNC; }
static inline unsigned spill_H5F_ACC_EXCL(void) { return H5F_ACC_EXCL; }
static inline unsigned spill_H5F_ACC_RDONLY(void) { return H5F_ACC_RDONLY; }
static inline unsigned spill_H5F_ACC_RDWR(void) { return H5F_ACC_RDWR; }
static inline size_t spill_H5T_VARIABLE(void) { return H5T_VARIABLE; }
#endif
