//===- FakeCudaInternal.h - What the fake cuBLAS uses of the driver
//--------===//
//
// libsto_fake_cublas.so links libsto_fake_cuda.so (the same instance that the
// runtime loads: the dynamic loader matches it by soname) and does its work
// through these C++ functions: its handles are bound to the driver's
// contexts, its products run in stream order and read device memory through
// the driver's address translation.
//
//===----------------------------------------------------------------------===//

#ifndef STO_TOOLS_FAKE_CUDA_FAKECUDAINTERNAL_H
#define STO_TOOLS_FAKE_CUDA_FAKECUDAINTERNAL_H

#include "CudaDriver.h"

#include <functional>
#include <string>

// Exported by libsto_fake_cuda.so (built with hidden visibility).
#define FAKECUDA_API __attribute__((visibility("default")))

namespace fakecuda {

/// The context current in the calling thread (nullptr if none).
FAKECUDA_API CUcontext currentContext();

/// Whether `stream` (nullptr: the legacy stream) can be used in `ctx`.
FAKECUDA_API bool validStream(CUcontext ctx, CUstream stream, std::string &why);

/// Enqueues `work` on `stream` of `ctx`; it runs when the stream is
/// synchronized (or at once with FAKE_CUDA_EAGER=1). A failure it returns
/// becomes the context's sticky error, as a device fault does.
FAKECUDA_API void enqueue(CUcontext ctx, CUstream stream,
                          std::function<CUresult(std::string &why)> work);

/// For work running from the queue: the host address of [address, address
/// + bytes) of device-accessible memory (device, managed or registered host
/// memory), or nullptr with `why` set.
FAKECUDA_API void *deviceAccess(CUdeviceptr address, size_t bytes,
                                std::string &why);

/// FAKE_CUDA_FAIL: the status to fail this call of `symbol` with, or 0.
/// `defaultStatus` applies when the specification names none.
FAKECUDA_API int injectedFailure(const char *symbol, int defaultStatus);

/// Appends a line to FAKE_CUDA_LOG (when set) and keeps it as the calling
/// thread's last message.
FAKECUDA_API void note(const std::string &line);

/// Counts live cuBLAS handles for the statistics.
FAKECUDA_API void countBlasHandles(int delta);

} // namespace fakecuda

#endif // STO_TOOLS_FAKE_CUDA_FAKECUDAINTERNAL_H
