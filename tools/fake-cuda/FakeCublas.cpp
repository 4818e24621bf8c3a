//===- FakeCublas.cpp - cuBLAS on the fake CUDA driver --------------------===//
//
// libsto_fake_cublas.so: the cuBLAS entry points that libsto_runtime looks
// up (lib/Runtime/CudaBlas.h), on libsto_fake_cuda.so (FakeCudaDriver.cpp):
//
//   STO_CUBLAS=<build>/lib/libsto_fake_cublas.so
//
// - cublasCreate needs a current context and binds the handle to it; every
//   call checks that the handle is live, and a product that the handle's
//   context is not current for fails (CUBLAS_STATUS_EXECUTION_FAILED), as
//   using a handle on another device does.
// - cublasSetStream takes only live streams of the handle's context.
// - cublasSgemm and cublasSgemmStridedBatched check their arguments as
//   cuBLAS does (CUBLAS_STATUS_INVALID_VALUE), read alpha and beta at the
//   call (host pointer mode) and enqueue the column-major product on the
//   handle's stream: it runs in stream order and reads and writes device
//   memory through the driver, so that a matrix outside device memory is a
//   device fault (the context's sticky CUDA_ERROR_ILLEGAL_ADDRESS). The
//   arithmetic is f32, summed in order; with beta 0, C is not read; with
//   alpha 0, A and B are not.
// - FAKE_CUDA_FAIL applies to these functions as to the driver's (default
//   status CUBLAS_STATUS_EXECUTION_FAILED).
//
//===----------------------------------------------------------------------===//

#include "CudaBlas.h"
#include "FakeCudaInternal.h"

#include <algorithm>
#include <mutex>
#include <set>
#include <stdio.h>
#include <type_traits>
#include <vector>

using namespace sto::cuda::blas;

// Every exported entry point has exactly the type the runtime looks it up
// with.
#define FAKE_CHECK_TYPE(field, symbol, required, ret, params)                  \
  extern "C" ret symbol params;                                                \
  static_assert(std::is_same<decltype(&::symbol), PFN_##field>::value,         \
                "type of " #symbol " differs from CudaBlas.h");
STO_CUBLAS_FUNCTIONS(FAKE_CHECK_TYPE)
#undef FAKE_CHECK_TYPE

#define FAKE_EXPORT extern "C" __attribute__((visibility("default")))

struct sto::cuda::blas::cublasContext {
  CUcontext ctx;
  CUstream stream;
  int mathMode;
};

namespace {

std::mutex &handlesMutex() {
  static std::mutex *m = new std::mutex;
  return *m;
}

std::set<cublasHandle_t> &handles() {
  static auto *h = new std::set<cublasHandle_t>;
  return *h;
}

// Destroyed handles, never freed (a stale handle stays invalid) and still
// reachable for LeakSanitizer.
std::vector<cublasHandle_t> &destroyed() {
  static auto *d = new std::vector<cublasHandle_t>;
  return *d;
}

const char *kNames[] = {
    "CUBLAS_STATUS_SUCCESS",
    "CUBLAS_STATUS_NOT_INITIALIZED",
    nullptr,
    "CUBLAS_STATUS_ALLOC_FAILED",
    nullptr,
    nullptr,
    nullptr,
    "CUBLAS_STATUS_INVALID_VALUE",
    "CUBLAS_STATUS_ARCH_MISMATCH",
    nullptr,
    nullptr,
    "CUBLAS_STATUS_MAPPING_ERROR",
    nullptr,
    "CUBLAS_STATUS_EXECUTION_FAILED",
    "CUBLAS_STATUS_INTERNAL_ERROR",
    "CUBLAS_STATUS_NOT_SUPPORTED",
    "CUBLAS_STATUS_LICENSE_ERROR",
};

cublasStatus_t failWith(cublasStatus_t status, const char *call,
                        const std::string &why) {
  const char *name = (size_t)status < sizeof(kNames) / sizeof(kNames[0])
                         ? kNames[status]
                         : nullptr;
  fakecuda::note(std::string("error ") + call + ": " +
                 (name ? name : "cublasStatus_t") + ": " + why);
  return status;
}

/// Injection, then a live handle.
cublasStatus_t enter(const char *call, cublasHandle_t handle) {
  if (int status = fakecuda::injectedFailure(call, 13))
    return (cublasStatus_t)status;
  std::lock_guard<std::mutex> lock(handlesMutex());
  if (!handles().count(handle))
    return failWith(CUBLAS_STATUS_NOT_INITIALIZED, call,
                    "the handle is not live (destroyed, or never created)");
  return CUBLAS_STATUS_SUCCESS;
}

/// Elements spanned by a column-major rows x cols matrix with leading
/// dimension ld.
int64_t span(int64_t rows, int64_t cols, int64_t ld) {
  return rows && cols ? ld * (cols - 1) + rows : 0;
}

/// The product, batch times: checked now, computed in stream order.
cublasStatus_t gemm(const char *call, cublasHandle_t handle,
                    cublasOperation_t transa, cublasOperation_t transb, int m,
                    int n, int k, const float *alphaPointer, const float *a,
                    int lda, long long strideA, const float *b, int ldb,
                    long long strideB, const float *betaPointer, float *c,
                    int ldc, long long strideC, int batch) {
  if (cublasStatus_t status = enter(call, handle))
    return status;
  auto validOp = [](int op) { return op >= 0 && op <= 2; };
  if (!validOp(transa) || !validOp(transb) || m < 0 || n < 0 || k < 0 ||
      batch < 0 || !alphaPointer || !betaPointer)
    return failWith(CUBLAS_STATUS_INVALID_VALUE, call,
                    "an operation, size, batch count or scalar pointer is "
                    "invalid");
  bool ta = transa != CUBLAS_OP_N, tb = transb != CUBLAS_OP_N;
  if (lda < std::max(1, ta ? k : m) || ldb < std::max(1, tb ? n : k) ||
      ldc < std::max(1, m))
    return failWith(CUBLAS_STATUS_INVALID_VALUE, call,
                    "lda " + std::to_string(lda) + ", ldb " +
                        std::to_string(ldb) + " or ldc " + std::to_string(ldc) +
                        " is too small for m " + std::to_string(m) + ", n " +
                        std::to_string(n) + ", k " + std::to_string(k));
  CUcontext current = fakecuda::currentContext();
  if (current != handle->ctx)
    return failWith(CUBLAS_STATUS_EXECUTION_FAILED, call,
                    "the handle's context is not current");
  if (!m || !n || !batch)
    return CUBLAS_STATUS_SUCCESS;
  float alpha = *alphaPointer, beta = *betaPointer; // host pointer mode
  int64_t spanA = ta ? span(k, m, lda) : span(m, k, lda);
  int64_t spanB = tb ? span(n, k, ldb) : span(k, n, ldb);
  int64_t spanC = span(m, n, ldc);
  fakecuda::enqueue(
      handle->ctx, handle->stream, [=](std::string &why) -> CUresult {
#pragma clang fp contract(off)
        auto access = [&](const void *p, int64_t elements) {
          return static_cast<float *>(fakecuda::deviceAccess(
              reinterpret_cast<CUdeviceptr>(p), elements * sizeof(float), why));
        };
        for (int q = 0; q < batch; ++q) {
          const float *hostA = nullptr, *hostB = nullptr;
          bool readAB = alpha != 0.0f && k > 0;
          if (readAB && (!(hostA = access(a + q * strideA, spanA)) ||
                         !(hostB = access(b + q * strideB, spanB)))) {
            why = std::string("cuBLAS ") + call + ": A or B: " + why;
            return CUDA_ERROR_ILLEGAL_ADDRESS;
          }
          float *hostC = access(c + q * strideC, spanC);
          if (!hostC) {
            why = std::string("cuBLAS ") + call + ": C: " + why;
            return CUDA_ERROR_ILLEGAL_ADDRESS;
          }
          for (int j = 0; j < n; ++j)
            for (int i = 0; i < m; ++i) {
              float sum = 0.0f;
              if (readAB)
                for (int l = 0; l < k; ++l) {
                  float x = ta ? hostA[l + (int64_t)i * lda]
                               : hostA[i + (int64_t)l * lda];
                  float y = tb ? hostB[j + (int64_t)l * ldb]
                               : hostB[l + (int64_t)j * ldb];
                  float p = x * y;
                  sum = sum + p;
                }
              float *out = &hostC[i + (int64_t)j * ldc];
              float scaled = alpha * sum;
              *out = beta == 0.0f ? scaled : scaled + beta * *out;
            }
        }
        return CUDA_SUCCESS;
      });
  return CUBLAS_STATUS_SUCCESS;
}

} // namespace

FAKE_EXPORT cublasStatus_t cublasGetProperty(libraryPropertyType type,
                                             int *value) {
  if (int status = fakecuda::injectedFailure("cublasGetProperty", 13))
    return (cublasStatus_t)status;
  if (!value || type < MAJOR_VERSION || type > PATCH_LEVEL)
    return failWith(CUBLAS_STATUS_INVALID_VALUE, "cublasGetProperty",
                    "invalid property or NULL value");
  static const int kVersion[] = {13, 0, 0};
  *value = kVersion[type];
  return CUBLAS_STATUS_SUCCESS;
}

FAKE_EXPORT cublasStatus_t cublasCreate_v2(cublasHandle_t *handle) {
  if (int status = fakecuda::injectedFailure("cublasCreate_v2", 13))
    return (cublasStatus_t)status;
  if (!handle)
    return failWith(CUBLAS_STATUS_INVALID_VALUE, "cublasCreate_v2",
                    "handle is NULL");
  CUcontext ctx = fakecuda::currentContext();
  if (!ctx)
    return failWith(CUBLAS_STATUS_NOT_INITIALIZED, "cublasCreate_v2",
                    "no context is current in this thread");
  auto *h = new cublasContext{ctx, nullptr, CUBLAS_DEFAULT_MATH};
  {
    std::lock_guard<std::mutex> lock(handlesMutex());
    handles().insert(h);
  }
  fakecuda::countBlasHandles(1);
  *handle = h;
  return CUBLAS_STATUS_SUCCESS;
}

FAKE_EXPORT cublasStatus_t cublasDestroy_v2(cublasHandle_t handle) {
  if (cublasStatus_t status = enter("cublasDestroy_v2", handle))
    return status;
  {
    std::lock_guard<std::mutex> lock(handlesMutex());
    handles().erase(handle);
    destroyed().push_back(handle);
  }
  fakecuda::countBlasHandles(-1);
  return CUBLAS_STATUS_SUCCESS;
}

FAKE_EXPORT cublasStatus_t cublasSetStream_v2(cublasHandle_t handle,
                                              CUstream stream) {
  if (cublasStatus_t status = enter("cublasSetStream_v2", handle))
    return status;
  std::string why;
  if (!fakecuda::validStream(handle->ctx, stream, why))
    return failWith(CUBLAS_STATUS_INVALID_VALUE, "cublasSetStream_v2", why);
  handle->stream = stream;
  return CUBLAS_STATUS_SUCCESS;
}

FAKE_EXPORT cublasStatus_t cublasSetMathMode(cublasHandle_t handle,
                                             cublasMath_t mode) {
  if (cublasStatus_t status = enter("cublasSetMathMode", handle))
    return status;
  int base = (int)mode & ~16; // CUBLAS_MATH_DISALLOW_REDUCED_PRECISION_...
  if (base < 0 || base > 3)
    return failWith(CUBLAS_STATUS_INVALID_VALUE, "cublasSetMathMode",
                    "unknown math mode " + std::to_string((int)mode));
  handle->mathMode = (int)mode;
  return CUBLAS_STATUS_SUCCESS;
}

FAKE_EXPORT cublasStatus_t cublasSgemm_v2(
    cublasHandle_t handle, cublasOperation_t transa, cublasOperation_t transb,
    int m, int n, int k, const float *alpha, const float *a, int lda,
    const float *b, int ldb, const float *beta, float *c, int ldc) {
  return gemm("cublasSgemm_v2", handle, transa, transb, m, n, k, alpha, a, lda,
              0, b, ldb, 0, beta, c, ldc, 0, 1);
}

FAKE_EXPORT cublasStatus_t cublasSgemmStridedBatched(
    cublasHandle_t handle, cublasOperation_t transa, cublasOperation_t transb,
    int m, int n, int k, const float *alpha, const float *a, int lda,
    long long strideA, const float *b, int ldb, long long strideB,
    const float *beta, float *c, int ldc, long long strideC, int batch) {
  return gemm("cublasSgemmStridedBatched", handle, transa, transb, m, n, k,
              alpha, a, lda, strideA, b, ldb, strideB, beta, c, ldc, strideC,
              batch);
}

FAKE_EXPORT const char *cublasGetStatusName(cublasStatus_t status) {
  const char *name = (size_t)status < sizeof(kNames) / sizeof(kNames[0])
                         ? kNames[status]
                         : nullptr;
  return name ? name : "CUBLAS_STATUS_UNKNOWN";
}

FAKE_EXPORT const char *cublasGetStatusString(cublasStatus_t status) {
  switch (status) {
  case CUBLAS_STATUS_SUCCESS:
    return "success";
  case CUBLAS_STATUS_NOT_INITIALIZED:
    return "the library was not initialized";
  case CUBLAS_STATUS_ALLOC_FAILED:
    return "the resource allocation failed";
  case CUBLAS_STATUS_INVALID_VALUE:
    return "an invalid numeric value was used as an argument";
  case CUBLAS_STATUS_ARCH_MISMATCH:
    return "an absent device architectural feature is required";
  case CUBLAS_STATUS_MAPPING_ERROR:
    return "an access to GPU memory space failed";
  case CUBLAS_STATUS_EXECUTION_FAILED:
    return "the GPU program failed to execute";
  case CUBLAS_STATUS_INTERNAL_ERROR:
    return "an internal operation failed";
  case CUBLAS_STATUS_NOT_SUPPORTED:
    return "the functionality requested is not supported";
  case CUBLAS_STATUS_LICENSE_ERROR:
    return "an error was detected when checking the current licensing";
  }
  return "unknown error";
}
