// HDF5 (Debian: libhdf5-dev, found through pkg-config "hdf5"). Several HDF5
// constants are macros that expand to function calls or casts, which Swift
// cannot import; the inline functions below expose them.
#ifndef SPILLSIM_CHDF5_SHIM_H
#define SPILLSIM_CHDF5_SHIM_H
#include <hdf5.h>

static inline hid_t spill_H5P_DEFAULT(void) { return H5P_DEFAULT; }
static inline hid_t spill_H5E_DEFAULT(void) { return H5E_DEFAULT; }
static inline hid_t spill_H5S_ALL(void) { return H5S_ALL; }
static inline hsize_t spill_H5S_UNLIMITED(void) { return H5S_UNLIMITED; }
static inline hid_t spill_H5T_NATIVE_DOUBLE(void) { return H5T_NATIVE_DOUBLE; }
static inline hid_t spill_H5T_NATIVE_INT64(void) { return H5T_NATIVE_INT64; }
static inline hid_t spill_H5T_NATIVE_INT32(void) { return H5T_NATIVE_INT32; }
static inline hid_t spill_H5T_NATIVE_UINT64(void) { return H5T_NATIVE_UINT64; }
static inline hid_t spill_H5T_IEEE_F64LE(void) { return H5T_IEEE_F64LE; }
static inline hid_t spill_H5T_STD_I64LE(void) { return H5T_STD_I64LE; }
static inline hid_t spill_H5T_C_S1(void) { return H5T_C_S1; }
static inline hid_t spill_H5P_FILE_ACCESS(void) { return H5P_FILE_ACCESS; }
static inline hid_t spill_H5P_FILE_CREATE(void) { return H5P_FILE_CREATE; }
static inline hid_t spill_H5P_DATASET_CREATE(void) { return H5P_DATASET_CREATE; }
static inline hid_t spill_H5P_LINK_CREATE(void) { return H5P_LINK_CREATE; }
static inline unsigned spill_H5F_ACC_TRUNC(void) { return H5F_ACC_TRUNC; }
static inline unsigned spill_H5F_ACC_EXCL(void) { return H5F_ACC_EXCL; }
static inline unsigned spill_H5F_ACC_RDONLY(void) { return H5F_ACC_RDONLY; }
static inline unsigned spill_H5F_ACC_RDWR(void) { return H5F_ACC_RDWR; }
static inline size_t spill_H5T_VARIABLE(void) { return H5T_VARIABLE; }
static inline unsigned spill_H5F_OBJ_ALL(void) { return H5F_OBJ_ALL; }

// In a thread-safe HDF5 build (Debian's is) the error stack, and with it the
// automatic error printing, is per thread: switching printing off on the main
// thread leaves every other thread printing to stderr. This switches it off
// once per thread; Storage calls it before every HDF5 call sequence.
static inline void spill_H5_silence_errors_on_this_thread(void) {
    static _Thread_local int silenced = 0;
    if (!silenced) {
        H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
        silenced = 1;
    }
}

// Whether HDF5 would print errors automatically on the calling thread (for tests).
static inline int spill_H5_error_printing_is_on(void) {
    H5E_auto2_t func = NULL;
    void *data = NULL;
    if (H5Eget_auto2(H5E_DEFAULT, &func, &data) < 0) return -1;
    return func != NULL;
}
#endif
