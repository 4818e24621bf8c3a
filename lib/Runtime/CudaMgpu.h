/*===- CudaMgpu.h - The mgpu* functions of compiled CUDA modules --*- C -*-===*\
|*                                                                            *|
|* Declared as MLIR 22's gpu-to-llvm conversion and GPU-dialect translation   *|
|* call them (test/Runtime/mgpu-abi.mlir); defined in CudaRuntime.cpp. Not a  *|
|* public header: compiled modules declare these themselves. The runtime's    *|
|* tests include it to call the functions the way generated code does.        *|
|*                                                                            *|
|* Handles are opaque pointers: a module is a runtime handle (not a CUmodule),*|
|* a function is a CUfunction, a stream a CUstream, an event a CUevent.       *|
|* i8 and i16 arguments are taken as uint64_t and masked (the IR passes them  *|
|* without the zero/sign extension that clang-compiled callees assume).       *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#ifndef STO_LIB_RUNTIME_CUDAMGPU_H
#define STO_LIB_RUNTIME_CUDAMGPU_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

void *mgpuModuleLoad(void *data, size_t size);
void *mgpuModuleLoadJIT(void *data, int32_t optLevel);
void mgpuModuleUnload(void *module);
void *mgpuModuleGetFunction(void *module, const char *name);
void mgpuLaunchKernel(void *function, intptr_t gridX, intptr_t gridY,
                      intptr_t gridZ, intptr_t blockX, intptr_t blockY,
                      intptr_t blockZ, int32_t smem, void *stream,
                      void **params, void **extra, size_t paramsCount);
void mgpuLaunchClusterKernel(void *function, intptr_t clusterX,
                             intptr_t clusterY, intptr_t clusterZ,
                             intptr_t gridX, intptr_t gridY, intptr_t gridZ,
                             intptr_t blockX, intptr_t blockY, intptr_t blockZ,
                             int32_t smem, void *stream, void **params,
                             void **extra);
void *mgpuStreamCreate(void);
void mgpuStreamDestroy(void *stream);
void mgpuStreamSynchronize(void *stream);
void mgpuStreamWaitEvent(void *stream, void *event);
void *mgpuEventCreate(void);
void mgpuEventDestroy(void *event);
void mgpuEventRecord(void *event, void *stream);
void mgpuEventSynchronize(void *event);
void *mgpuMemAlloc(uint64_t bytes, void *stream, uint64_t hostSharedI8);
void mgpuMemFree(void *ptr, void *stream);
void mgpuMemcpy(void *dst, void *src, size_t bytes, void *stream);
void mgpuMemset32(void *dst, uint32_t value, size_t count, void *stream);
void mgpuMemset16(void *dst, uint64_t valueI16, size_t count, void *stream);
void mgpuSetDefaultDevice(int32_t device);
void mgpuMemHostRegisterMemRef(int64_t rank, void *descriptor,
                               int64_t elementBytes);
void mgpuMemHostUnregisterMemRef(int64_t rank, void *descriptor,
                                 int64_t elementBytes);
void *mgpuTensorMapEncodeTiledMemref(int64_t rank, void *descriptor,
                                     int64_t dataType, int64_t interleave,
                                     int64_t swizzle, int64_t l2Promotion,
                                     int64_t oobFill, int64_t *boxDims);

/* The matrix product of compiled code (sto-matmul-to-cublas): the arguments
   of sto_cuda_sgemm (sto-c/Runtime.h); no status, the thread keeps its first
   failure as with the mgpu* functions. */
void sto_cuda_compiled_sgemm(int32_t flags, int64_t batch, int64_t m, int64_t n,
                             int64_t k, float alpha, const float *a,
                             int64_t lda, int64_t stride_a, const float *b,
                             int64_t ldb, int64_t stride_b, float beta,
                             float *c, int64_t ldc, int64_t stride_c);

/* What --target=cuda-emulator calls instead (sto-emulate-gpu-kernels): the
   same argument checks and column-major mapping, then cublasSgemm's
   arithmetic on the host (f32 sums in order); failures go to
   sto_record_error, as host code's. No driver or cuBLAS is needed. */
void sto_emulated_sgemm(int32_t flags, int64_t batch, int64_t m, int64_t n,
                        int64_t k, float alpha, const float *a, int64_t lda,
                        int64_t stride_a, const float *b, int64_t ldb,
                        int64_t stride_b, float beta, float *c, int64_t ldc,
                        int64_t stride_c);

/* For tests: the driver and cuBLAS symbols the runtime looks up (NULL past
   the end). */
const char *sto_cuda_internal_driver_symbol(size_t index, int32_t *required);
const char *sto_cuda_internal_cublas_symbol(size_t index, int32_t *required);

#ifdef __cplusplus
}
#endif

#endif /* STO_LIB_RUNTIME_CUDAMGPU_H */
