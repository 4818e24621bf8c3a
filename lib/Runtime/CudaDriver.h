//===- CudaDriver.h - The CUDA driver API as loaded with dlopen -*- C++ -*-===//
//
// Internal to libsto_runtime. The runtime never links libcuda: it loads
// libcuda.so.1 with dlopen and looks every entry point up with dlsym, under
// the exact versioned name that cuda.h maps the API name to (cuMemAlloc ->
// cuMemAlloc_v2, cuStreamDestroy -> cuStreamDestroy_v2, ...). Those ABI names
// are stable across drivers (a _v2 symbol keeps its semantics forever), so
// dlsym of them is equivalent to cuGetProcAddress(name, 12000) and works
// with every CUDA 12 and 13 driver; cuGetProcAddress would only be needed
// for the per-thread-default-stream (_ptsz) variants, which sto does not use.
//
// Types come from <cuda.h> when the toolkit is present at build time
// (STO_HAVE_CUDA_H=1) and from CudaDriverFallback.h otherwise. With cuda.h,
// every function type below is checked against the header's declaration.
//
//===----------------------------------------------------------------------===//

#ifndef STO_LIB_RUNTIME_CUDADRIVER_H
#define STO_LIB_RUNTIME_CUDADRIVER_H

#include <stddef.h>
#include <stdint.h>

#if STO_HAVE_CUDA_H
#include <cuda.h>
#else
#include "CudaDriverFallback.h"
#endif

// X(field, symbol, required, return type, parameter list). A missing
// required symbol makes the driver unusable (STO_ERROR_NO_CUDA_DRIVER); a
// missing optional one disables the feature that needs it.
#define STO_CUDA_DRIVER_FUNCTIONS(X)                                           \
  X(getErrorName, cuGetErrorName, 1, CUresult, (CUresult, const char **))      \
  X(getErrorString, cuGetErrorString, 1, CUresult, (CUresult, const char **))  \
  X(init, cuInit, 1, CUresult, (unsigned int))                                 \
  X(driverGetVersion, cuDriverGetVersion, 1, CUresult, (int *))                \
  X(deviceGet, cuDeviceGet, 1, CUresult, (CUdevice *, int))                    \
  X(deviceGetCount, cuDeviceGetCount, 1, CUresult, (int *))                    \
  X(deviceGetName, cuDeviceGetName, 1, CUresult, (char *, int, CUdevice))      \
  X(deviceGetAttribute, cuDeviceGetAttribute, 1, CUresult,                     \
    (int *, CUdevice_attribute, CUdevice))                                     \
  X(devicePrimaryCtxRetain, cuDevicePrimaryCtxRetain, 1, CUresult,             \
    (CUcontext *, CUdevice))                                                   \
  X(ctxGetCurrent, cuCtxGetCurrent, 1, CUresult, (CUcontext *))                \
  X(ctxSetCurrent, cuCtxSetCurrent, 1, CUresult, (CUcontext))                  \
  X(ctxPushCurrent, cuCtxPushCurrent_v2, 1, CUresult, (CUcontext))             \
  X(ctxPopCurrent, cuCtxPopCurrent_v2, 1, CUresult, (CUcontext *))             \
  X(ctxSynchronize, cuCtxSynchronize, 1, CUresult, (void))                     \
  X(moduleLoadData, cuModuleLoadData, 1, CUresult, (CUmodule *, const void *)) \
  X(moduleLoadDataEx, cuModuleLoadDataEx, 1, CUresult,                         \
    (CUmodule *, const void *, unsigned int, CUjit_option *, void **))         \
  X(moduleUnload, cuModuleUnload, 1, CUresult, (CUmodule))                     \
  X(moduleGetFunction, cuModuleGetFunction, 1, CUresult,                       \
    (CUfunction *, CUmodule, const char *))                                    \
  X(funcSetAttribute, cuFuncSetAttribute, 1, CUresult,                         \
    (CUfunction, CUfunction_attribute, int))                                   \
  X(launchKernel, cuLaunchKernel, 1, CUresult,                                 \
    (CUfunction, unsigned int, unsigned int, unsigned int, unsigned int,       \
     unsigned int, unsigned int, unsigned int, CUstream, void **, void **))    \
  X(streamCreate, cuStreamCreate, 1, CUresult, (CUstream *, unsigned int))     \
  X(streamDestroy, cuStreamDestroy_v2, 1, CUresult, (CUstream))                \
  X(streamSynchronize, cuStreamSynchronize, 1, CUresult, (CUstream))           \
  X(streamWaitEvent, cuStreamWaitEvent, 1, CUresult,                           \
    (CUstream, CUevent, unsigned int))                                         \
  X(eventCreate, cuEventCreate, 1, CUresult, (CUevent *, unsigned int))        \
  X(eventDestroy, cuEventDestroy_v2, 1, CUresult, (CUevent))                   \
  X(eventRecord, cuEventRecord, 1, CUresult, (CUevent, CUstream))              \
  X(eventSynchronize, cuEventSynchronize, 1, CUresult, (CUevent))              \
  X(memAlloc, cuMemAlloc_v2, 1, CUresult, (CUdeviceptr *, size_t))             \
  X(memAllocManaged, cuMemAllocManaged, 1, CUresult,                           \
    (CUdeviceptr *, size_t, unsigned int))                                     \
  X(memFree, cuMemFree_v2, 1, CUresult, (CUdeviceptr))                         \
  X(memcpyAsync, cuMemcpyAsync, 1, CUresult,                                   \
    (CUdeviceptr, CUdeviceptr, size_t, CUstream))                              \
  X(memsetD8Async, cuMemsetD8Async, 1, CUresult,                               \
    (CUdeviceptr, unsigned char, size_t, CUstream))                            \
  X(memsetD16Async, cuMemsetD16Async, 1, CUresult,                             \
    (CUdeviceptr, unsigned short, size_t, CUstream))                           \
  X(memsetD32Async, cuMemsetD32Async, 1, CUresult,                             \
    (CUdeviceptr, unsigned int, size_t, CUstream))                             \
  X(memHostRegister, cuMemHostRegister_v2, 1, CUresult,                        \
    (void *, size_t, unsigned int))                                            \
  X(memHostUnregister, cuMemHostUnregister, 1, CUresult, (void *))             \
  X(pointerGetAttribute, cuPointerGetAttribute, 1, CUresult,                   \
    (void *, CUpointer_attribute, CUdeviceptr))                                \
  /* CUDA 11.2+: stream-ordered allocation. */                                 \
  X(memAllocAsync, cuMemAllocAsync, 0, CUresult,                               \
    (CUdeviceptr *, size_t, CUstream))                                         \
  X(memFreeAsync, cuMemFreeAsync, 0, CUresult, (CUdeviceptr, CUstream))        \
  X(deviceGetDefaultMemPool, cuDeviceGetDefaultMemPool, 0, CUresult,           \
    (CUmemoryPool *, CUdevice))                                                \
  X(memPoolSetAttribute, cuMemPoolSetAttribute, 0, CUresult,                   \
    (CUmemoryPool, CUmemPool_attribute, void *))                               \
  /* CUDA 12.0+: clusters and TMA descriptors (sm_90). */                      \
  X(launchKernelEx, cuLaunchKernelEx, 0, CUresult,                             \
    (const CUlaunchConfig *, CUfunction, void **, void **))                    \
  X(tensorMapEncodeTiled, cuTensorMapEncodeTiled, 0, CUresult,                 \
    (CUtensorMap *, CUtensorMapDataType, cuuint32_t, void *,                   \
     const cuuint64_t *, const cuuint64_t *, const cuuint32_t *,               \
     const cuuint32_t *, CUtensorMapInterleave, CUtensorMapSwizzle,            \
     CUtensorMapL2promotion, CUtensorMapFloatOOBfill))

namespace sto::cuda {

#define STO_CUDA_DECLARE_PFN(field, symbol, required, ret, params)             \
  using PFN_##field = ret(*) params;
STO_CUDA_DRIVER_FUNCTIONS(STO_CUDA_DECLARE_PFN)
#undef STO_CUDA_DECLARE_PFN

/// The entry points of the loaded driver (null where the driver lacks an
/// optional one).
struct Driver {
#define STO_CUDA_DECLARE_FIELD(field, symbol, required, ret, params)           \
  PFN_##field field = nullptr;
  STO_CUDA_DRIVER_FUNCTIONS(STO_CUDA_DECLARE_FIELD)
#undef STO_CUDA_DECLARE_FIELD
};

} // namespace sto::cuda

#endif // STO_LIB_RUNTIME_CUDADRIVER_H
