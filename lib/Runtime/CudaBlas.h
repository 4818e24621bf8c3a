//===- CudaBlas.h - The part of cuBLAS that the runtime loads --*- C++ -*-===//
//
// Internal to libsto_runtime. Like the driver (CudaDriver.h), cuBLAS is never
// linked: libcublas.so.13 (then .so.12, then .so) is loaded with dlopen on the
// first matrix product, and its entry points are looked up under their ABI
// names (cublas_v2.h maps cublasCreate -> cublasCreate_v2, cublasSgemm ->
// cublasSgemm_v2, ...). The legacy cuBLAS API exports handle-less functions
// under the plain names (`cublasSgemm`): looking those up would be a bug.
//
// The types and constants are declared here rather than taken from
// cublas_api.h, which needs the CUDA runtime headers; CudaBlasCheck.cpp
// compares them with the toolkit's header whenever it is installed.
//
//===----------------------------------------------------------------------===//

#ifndef STO_LIB_RUNTIME_CUDABLAS_H
#define STO_LIB_RUNTIME_CUDABLAS_H

#include "CudaDriver.h"

namespace sto::cuda::blas {

struct cublasContext; // opaque; declared so that it is this namespace's
typedef cublasContext *cublasHandle_t;
typedef enum {
  CUBLAS_STATUS_SUCCESS = 0,
  CUBLAS_STATUS_NOT_INITIALIZED = 1,
  CUBLAS_STATUS_ALLOC_FAILED = 3,
  CUBLAS_STATUS_INVALID_VALUE = 7,
  CUBLAS_STATUS_ARCH_MISMATCH = 8,
  CUBLAS_STATUS_MAPPING_ERROR = 11,
  CUBLAS_STATUS_EXECUTION_FAILED = 13,
  CUBLAS_STATUS_INTERNAL_ERROR = 14,
  CUBLAS_STATUS_NOT_SUPPORTED = 15,
  CUBLAS_STATUS_LICENSE_ERROR = 16
} cublasStatus_t;
typedef enum { CUBLAS_OP_N = 0, CUBLAS_OP_T = 1 } cublasOperation_t;
typedef enum {
  CUBLAS_DEFAULT_MATH = 0,
  CUBLAS_PEDANTIC_MATH = 2,
  CUBLAS_TF32_TENSOR_OP_MATH = 3
} cublasMath_t;
typedef enum {
  MAJOR_VERSION = 0,
  MINOR_VERSION = 1,
  PATCH_LEVEL = 2
} libraryPropertyType;

// X(field, symbol, required, return type, parameter list); as in
// CudaDriver.h. cudaStream_t is the driver's CUstream.
#define STO_CUBLAS_FUNCTIONS(X)                                                \
  X(getProperty, cublasGetProperty, 1, cublasStatus_t,                         \
    (libraryPropertyType, int *))                                              \
  X(create, cublasCreate_v2, 1, cublasStatus_t, (cublasHandle_t *))            \
  X(destroy, cublasDestroy_v2, 1, cublasStatus_t, (cublasHandle_t))            \
  X(setStream, cublasSetStream_v2, 1, cublasStatus_t,                          \
    (cublasHandle_t, CUstream))                                                \
  X(setMathMode, cublasSetMathMode, 1, cublasStatus_t,                         \
    (cublasHandle_t, cublasMath_t))                                            \
  X(sgemm, cublasSgemm_v2, 1, cublasStatus_t,                                  \
    (cublasHandle_t, cublasOperation_t, cublasOperation_t, int, int, int,      \
     const float *, const float *, int, const float *, int, const float *,     \
     float *, int))                                                            \
  X(sgemmStridedBatched, cublasSgemmStridedBatched, 1, cublasStatus_t,         \
    (cublasHandle_t, cublasOperation_t, cublasOperation_t, int, int, int,      \
     const float *, const float *, int, long long, const float *, int,         \
     long long, const float *, float *, int, long long, int))                  \
  /* cuBLAS 11.4+: names for statuses (a table serves older ones). */          \
  X(getStatusName, cublasGetStatusName, 0, const char *, (cublasStatus_t))     \
  X(getStatusString, cublasGetStatusString, 0, const char *, (cublasStatus_t))

#define STO_CUBLAS_DECLARE_PFN(field, symbol, required, ret, params)           \
  using PFN_##field = ret(*) params;
STO_CUBLAS_FUNCTIONS(STO_CUBLAS_DECLARE_PFN)
#undef STO_CUBLAS_DECLARE_PFN

/// The entry points of the loaded cuBLAS (null where an optional one is
/// missing).
struct Library {
#define STO_CUBLAS_DECLARE_FIELD(field, symbol, required, ret, params)         \
  PFN_##field field = nullptr;
  STO_CUBLAS_FUNCTIONS(STO_CUBLAS_DECLARE_FIELD)
#undef STO_CUBLAS_DECLARE_FIELD
};

} // namespace sto::cuda::blas

#endif // STO_LIB_RUNTIME_CUDABLAS_H
