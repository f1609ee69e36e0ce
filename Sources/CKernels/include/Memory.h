#ifndef SPILLSIM_MEMORY_H
#define SPILLSIM_MEMORY_H

/// Keeps memory that malloc frees for reuse instead of returning it to the kernel (glibc: blocks up
/// to mmap_threshold bytes come from the heaps; a heap is trimmed only when trim_threshold bytes lie
/// free at its top). Returns 1 when applied, 0 when the C library has no such settings.
int spillsim_keep_freed_memory(int mmap_threshold, int trim_threshold);

#endif
