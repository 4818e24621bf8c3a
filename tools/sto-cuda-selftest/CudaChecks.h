/*===- CudaChecks.h - GPU checks of the CUDA runtime --------------*- C -*-===*\
|*                                                                            *|
|* The checks that need a GPU, shared by sto-cuda-selftest (run by the device *|
|* check on the GPU machine) and the GoogleTest unit tests                    *|
|* (unittests/Runtime/CudaRuntimeTest.cpp). Written in C and linked with the  *|
|* C linker in sto-cuda-selftest, which also proves that libsto_runtime.a     *|
|* needs no C++ runtime.                                                      *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#ifndef STO_TOOLS_CUDACHECKS_H
#define STO_TOOLS_CUDACHECKS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

enum { STO_CHECK_PASS = 0, STO_CHECK_FAIL = 1, STO_CHECK_SKIP = 2 };

/* A check writes why it failed or was skipped into message. */
typedef int (*sto_check_fn)(char *message, size_t size);
typedef struct {
  const char *name;
  sto_check_fn run;
} sto_cuda_check;

/* All checks, in order. Each expects sto_cuda_available(). */
const sto_cuda_check *sto_cuda_checks(size_t *count);

/* The kernels (TestKernels.cu): sto_test_axpy(float a, const float *x,
   float *y, unsigned n): y[i] += a * x[i]; sto_test_fill_index(unsigned
   *out, unsigned n): out[i] = i * 2654435761 + 12345. As PTX (always), and as
   an nvcc-built fatbin (sm_90a cubin + compute_75 PTX) when nvcc was found
   at build time (size 0 otherwise). */
extern const char sto_test_kernels_ptx[];
extern const unsigned char sto_test_kernels_fatbin[];
extern const size_t sto_test_kernels_fatbin_size;

/* Without a usable driver: every sto_cuda_* function fails with
   STO_ERROR_NO_CUDA_DRIVER and a message, the mgpu* functions do nothing,
   keep the first failure and return NULL, modules load lazily. On success
   message holds the reason the driver is unusable. */
int sto_cuda_check_no_driver(char *message, size_t size);

/* Runs the MLIR-style synchronous launch of sto_test_fill_index on a module
   loaded from image (mgpuModuleGetFunction, mgpuStreamCreate,
   mgpuLaunchKernel, mgpuStreamSynchronize, mgpuStreamDestroy) and checks the
   result. For the exit-time unload checks. */
int sto_cuda_check_fill_with(void *module, char *message, size_t size);

#ifdef __cplusplus
}
#endif

#endif /* STO_TOOLS_CUDACHECKS_H */
