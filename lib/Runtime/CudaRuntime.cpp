//===- CudaRuntime.cpp - libsto_runtime, CUDA part ------------------------===//
//
// The mgpu* functions that compiled CUDA modules call, and the sto_cuda_* C
// API of sto-c/Runtime.h, on the CUDA driver API loaded with dlopen
// (CudaDriver.h). Without a driver everything links and runs; every call
// then fails with STO_ERROR_NO_CUDA_DRIVER.
//
// Signatures. They are what MLIR 22's gpu-to-llvm conversion and the GPU
// dialect's LLVM IR translation (SelectObjectAttr) declare, read from the
// lowered IR (test/Runtime/mgpu-abi.mlir checks them):
//
//   ptr  mgpuModuleLoad(ptr data, i64 size)         global ctor, prio 123
//   ptr  mgpuModuleLoadJIT(ptr ptx, i32 optLevel)   ctor, assembly objects
//   void mgpuModuleUnload(ptr module)               global dtor, prio 123
//   ptr  mgpuModuleGetFunction(ptr module, ptr name)         every launch
//   void mgpuLaunchKernel(ptr f, i64 gx, i64 gy, i64 gz, i64 bx, i64 by,
//                         i64 bz, i32 smem, ptr stream, ptr params,
//                         ptr extra, i64 paramsCount)
//   void mgpuLaunchClusterKernel(ptr f, i64 cx, i64 cy, i64 cz, i64 gx,
//                         i64 gy, i64 gz, i64 bx, i64 by, i64 bz, i32 smem,
//                         ptr stream, ptr params, ptr extra)   (no count)
//   ptr  mgpuStreamCreate()       void mgpuStreamSynchronize(ptr)
//   void mgpuStreamDestroy(ptr)   void mgpuStreamWaitEvent(ptr stream, ptr ev)
//   ptr  mgpuEventCreate()        void mgpuEventRecord(ptr ev, ptr stream)
//   void mgpuEventSynchronize(ptr) void mgpuEventDestroy(ptr)
//   ptr  mgpuMemAlloc(i64 bytes, ptr stream, i8 hostShared)
//   void mgpuMemFree(ptr, ptr stream)
//   void mgpuMemcpy(ptr dst, ptr src, i64 bytes, ptr stream)
//   void mgpuMemset32(ptr dst, i32 value, i64 count, ptr stream)
//   void mgpuMemset16(ptr dst, i16 value, i64 count, ptr stream)
//   void mgpuSetDefaultDevice(i32)
//   void mgpuMemHostRegisterMemRef(i64 rank, ptr desc, i64 elemBytes)
//   void mgpuMemHostUnregisterMemRef(i64 rank, ptr desc, i64 elemBytes)
//   ptr  mgpuTensorMapEncodeTiledMemref(i64 rank, ptr desc, i64 dataType,
//                         i64 interleave, i64 swizzle, i64 l2promo,
//                         i64 oobFill, ptr boxDims)   (convert-nvgpu-to-nvvm)
//
// The cuSPARSE / cuSparseLt wrappers (mgpuCreateCsr, mgpuSpMV, ...) that
// gpu.spmv and friends lower to are not provided: sto emits none of them, and
// a module that did would fail to link.
//
// The i8 and i16 arguments are declared here as uint64_t and masked: the
// lowered IR passes them without zeroext/signext, which clang-compiled
// callees of a `bool` or `unsigned short` parameter would otherwise assume.
//
// Context. Each device's primary context is retained once (under a mutex,
// after the driver is loaded once with pthread_once) and never released.
// Every entry point runs inside a ContextScope that makes it current in the
// calling thread: nothing to do if it already is, cuCtxSetCurrent if the
// thread has no context, cuCtxPushCurrent/PopCurrent around the call if the
// thread had another one (which is then left as it was).
//
// Modules. mgpuModuleLoad runs from global constructors, before main, on
// machines that may have no driver or never use the GPU. It therefore only
// registers the image (cached by address: the same image gives the same
// handle, reference counted) and touches no driver; the image is loaded into
// a device's context on the first mgpuModuleGetFunction there, and kernel
// functions are cached per device.
//
// Exit. A handler registered with atexit right after cuInit marks the process
// as exiting. atexit handlers registered later run earlier, and all of them
// run before the .fini_array destructors (where MLIR's mgpuModuleUnload
// lives) and before C++ static destructors registered before the first CUDA
// use. From then on the releasing functions (module unload, stream, event,
// memory free) do nothing: the driver may already have torn its state down,
// and process exit frees everything anyway.
//
// Errors never abort: they are recorded per thread (see sto-c/Runtime.h) as
// a status and a message naming the entry point, the driver call and the
// CUresult name and text.
//
// No C++ runtime: this file uses pthread, dlopen and libc only (no
// std::mutex, std::call_once, operator new or exceptions), so that C
// programs link libsto_runtime.a with a C compiler.
//
//===----------------------------------------------------------------------===//

#include "sto-c/Runtime.h"

#include "CudaBlas.h"
#include "CudaDriver.h"
#include "CudaMgpu.h"

#include <atomic>
#include <dlfcn.h>
#include <limits.h>
#include <new>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if STO_HAVE_CUDA_H
#include <type_traits>
#endif

using namespace sto::cuda;
namespace blas = sto::cuda::blas;

#if STO_HAVE_CUDA_H
// Every entry point has exactly the type that cuda.h declares.
#define STO_CUDA_CHECK_PFN(field, symbol, required, ret, params)               \
  static_assert(std::is_same<decltype(&::symbol), PFN_##field>::value,         \
                "type of " #symbol " differs from cuda.h");
STO_CUDA_DRIVER_FUNCTIONS(STO_CUDA_CHECK_PFN)
#undef STO_CUDA_CHECK_PFN
#endif

namespace {

constexpr int kMaxDevices = 64;
constexpr size_t kMessageSize = 1024;
constexpr int kStreamPoolSize = 32;
constexpr int kBlasPoolSize = 32;
constexpr int kDefaultSharedMemory = 48 * 1024;

//===----------------------------------------------------------------------===//
// Per-thread state
//===----------------------------------------------------------------------===//

// All trivially destructible: no thread-exit hooks.
struct ErrorState {
  int32_t status;
  char message[kMessageSize];
};
thread_local ErrorState tError;
thread_local int tDevice = 0;
thread_local CUstream tUserStream = nullptr;
thread_local uint32_t tUserFlags = 0;

//===----------------------------------------------------------------------===//
// Process state
//===----------------------------------------------------------------------===//

struct DeviceInfo {
  bool memoryPools; // cuMemAllocAsync / cuMemFreeAsync usable
};

struct StreamPool {
  pthread_mutex_t mutex;
  int count;
  CUstream streams[kStreamPoolSize];
};

struct Module {
  const void *image = nullptr;
  size_t size = 0;
  bool jit = false;
  int optLevel = 0;
  int refs = 0; // guarded by gModulesMutex
  Module *next = nullptr;
  pthread_mutex_t mutex = PTHREAD_MUTEX_INITIALIZER;
  std::atomic<CUmodule> loaded[kMaxDevices] = {};
  struct Function {
    int device;
    char *name;
    CUfunction function;
  };
  Function *functions = nullptr; // guarded by mutex
  size_t numFunctions = 0, capacity = 0;
};

struct TensorMapEntry {
  CUtensorMap map;
  int device;
  CUdeviceptr copy;
};
constexpr int kTensorMapCacheSize = 64;

Driver gFn;
int32_t gDriverStatus = STO_ERROR_NO_CUDA_DRIVER;
char gDriverMessage[kMessageSize];
int gDeviceCount = 0;
pthread_once_t gDriverOnce = PTHREAD_ONCE_INIT;
std::atomic<bool> gExiting{false};

pthread_mutex_t gContextMutex = PTHREAD_MUTEX_INITIALIZER;
std::atomic<CUcontext> gContexts[kMaxDevices];
DeviceInfo gDeviceInfo[kMaxDevices]; // written before gContexts[d] is set

StreamPool gStreamPools[kMaxDevices];
pthread_once_t gStreamPoolsOnce = PTHREAD_ONCE_INIT;

pthread_mutex_t gModulesMutex = PTHREAD_MUTEX_INITIALIZER;
Module *gModules = nullptr;

pthread_mutex_t gTensorMapMutex = PTHREAD_MUTEX_INITIALIZER;
TensorMapEntry gTensorMaps[kTensorMapCacheSize];
int gNumTensorMaps = 0;

//===----------------------------------------------------------------------===//
// Errors
//===----------------------------------------------------------------------===//

/// Names of the CUresults the runtime may meet, for drivers whose
/// cuGetErrorName fails (the toolkit's stub library does).
const char *fallbackErrorName(CUresult r) {
  switch (static_cast<int>(r)) {
#define STO_CASE(name)                                                         \
  case name:                                                                   \
    return #name;
    STO_CASE(CUDA_SUCCESS)
    STO_CASE(CUDA_ERROR_INVALID_VALUE)
    STO_CASE(CUDA_ERROR_OUT_OF_MEMORY)
    STO_CASE(CUDA_ERROR_NOT_INITIALIZED)
    STO_CASE(CUDA_ERROR_DEINITIALIZED)
    STO_CASE(CUDA_ERROR_STUB_LIBRARY)
    STO_CASE(CUDA_ERROR_CALL_REQUIRES_NEWER_DRIVER)
    STO_CASE(CUDA_ERROR_DEVICE_UNAVAILABLE)
    STO_CASE(CUDA_ERROR_NO_DEVICE)
    STO_CASE(CUDA_ERROR_INVALID_DEVICE)
    STO_CASE(CUDA_ERROR_INVALID_IMAGE)
    STO_CASE(CUDA_ERROR_INVALID_CONTEXT)
    STO_CASE(CUDA_ERROR_NO_BINARY_FOR_GPU)
    STO_CASE(CUDA_ERROR_INVALID_PTX)
    STO_CASE(CUDA_ERROR_JIT_COMPILER_NOT_FOUND)
    STO_CASE(CUDA_ERROR_UNSUPPORTED_PTX_VERSION)
    STO_CASE(CUDA_ERROR_INVALID_HANDLE)
    STO_CASE(CUDA_ERROR_NOT_FOUND)
    STO_CASE(CUDA_ERROR_NOT_READY)
    STO_CASE(CUDA_ERROR_ILLEGAL_ADDRESS)
    STO_CASE(CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES)
    STO_CASE(CUDA_ERROR_LAUNCH_TIMEOUT)
    STO_CASE(CUDA_ERROR_CONTEXT_IS_DESTROYED)
    STO_CASE(CUDA_ERROR_HOST_MEMORY_ALREADY_REGISTERED)
    STO_CASE(CUDA_ERROR_HOST_MEMORY_NOT_REGISTERED)
    STO_CASE(CUDA_ERROR_MISALIGNED_ADDRESS)
    STO_CASE(CUDA_ERROR_LAUNCH_FAILED)
    STO_CASE(CUDA_ERROR_NOT_PERMITTED)
    STO_CASE(CUDA_ERROR_NOT_SUPPORTED)
    STO_CASE(CUDA_ERROR_SYSTEM_NOT_READY)
    STO_CASE(CUDA_ERROR_SYSTEM_DRIVER_MISMATCH)
    STO_CASE(CUDA_ERROR_COMPAT_NOT_SUPPORTED_ON_DEVICE)
    STO_CASE(CUDA_ERROR_INVALID_CLUSTER_SIZE)
    STO_CASE(CUDA_ERROR_UNKNOWN)
#undef STO_CASE
  default:
    return nullptr;
  }
}

/// "CUDA_ERROR_X: text" for a CUresult, into buf.
void describeResult(CUresult r, char *buf, size_t size) {
  const char *name = nullptr, *text = nullptr;
  if (gFn.getErrorName && gFn.getErrorName(r, &name) != CUDA_SUCCESS)
    name = nullptr;
  if (gFn.getErrorString && gFn.getErrorString(r, &text) != CUDA_SUCCESS)
    text = nullptr;
  if (!name)
    name = fallbackErrorName(r);
  if (name)
    snprintf(buf, size, "%s (%d)%s%s", name, (int)r, text ? ": " : "",
             text ? text : "");
  else
    snprintf(buf, size, "CUresult %d%s%s", (int)r, text ? ": " : "",
             text ? text : "");
}

/// Failures that mean "no usable CUDA here" rather than "a call failed".
bool meansNoDriver(CUresult r) {
  return r == CUDA_ERROR_NO_DEVICE || r == CUDA_ERROR_STUB_LIBRARY ||
         r == CUDA_ERROR_SYSTEM_DRIVER_MISMATCH ||
         r == CUDA_ERROR_COMPAT_NOT_SUPPORTED_ON_DEVICE ||
         r == CUDA_ERROR_SYSTEM_NOT_READY || r == CUDA_ERROR_NOT_INITIALIZED ||
         r == CUDA_ERROR_DEVICE_UNAVAILABLE;
}

/// One call of an entry point: its name and how it records failures. The
/// sto_cuda_* functions return their status, so each failure replaces the
/// thread's message; the mgpu* functions keep the thread's first failure.
class Entry {
public:
  enum Mode { Api, Mgpu };
  Entry(const char *name, Mode mode) : name(name), mode(mode) {}

  [[gnu::format(printf, 3, 4)]] int32_t fail(int32_t status, const char *fmt,
                                             ...) {
    if (mode == Mgpu && tError.status != STO_OK)
      return status;
    char detail[kMessageSize];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof(detail), fmt, ap);
    va_end(ap);
    tError.status = status;
    snprintf(tError.message, kMessageSize, "%s: %s", name, detail);
    return status;
  }

  /// STO_OK, or STO_ERROR_CUDA with "<call> failed with <name>: <text>".
  int32_t check(CUresult r, const char *call) {
    if (r == CUDA_SUCCESS)
      return STO_OK;
    char what[512];
    describeResult(r, what, sizeof(what));
    return fail(STO_ERROR_CUDA, "%s failed with %s", call, what);
  }

  const char *name;
  Mode mode;
};

//===----------------------------------------------------------------------===//
// Driver and contexts
//===----------------------------------------------------------------------===//

void markExiting() { gExiting.store(true, std::memory_order_release); }

bool exiting() { return gExiting.load(std::memory_order_acquire); }

[[gnu::format(printf, 2, 3)]] void setDriverFailure(int32_t status,
                                                    const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(gDriverMessage, sizeof(gDriverMessage), fmt, ap);
  va_end(ap);
  gDriverStatus = status;
}

void loadDriver() {
  const char *path = getenv("STO_CUDA_DRIVER");
  if (path && (!*path || strcmp(path, "none") == 0))
    return setDriverFailure(STO_ERROR_NO_CUDA_DRIVER,
                            "no CUDA driver: disabled by STO_CUDA_DRIVER=%s",
                            path);
  if (!path)
    path = "libcuda.so.1";
  void *handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    const char *why = dlerror();
    return setDriverFailure(STO_ERROR_NO_CUDA_DRIVER,
                            "no CUDA driver: dlopen(\"%s\") failed: %s", path,
                            why ? why : "unknown error");
  }
  // The handle is never closed: the driver must outlive every module,
  // stream and allocation, including those released at exit.
  Driver fn;
#define STO_CUDA_RESOLVE(field, symbol, required, ret, params)                 \
  fn.field = reinterpret_cast<PFN_##field>(dlsym(handle, #symbol));            \
  if (required && !fn.field)                                                   \
    return setDriverFailure(STO_ERROR_NO_CUDA_DRIVER,                          \
                            "no usable CUDA driver: %s has no %s (driver "     \
                            "older than CUDA 11.2?)",                          \
                            path, #symbol);
  STO_CUDA_DRIVER_FUNCTIONS(STO_CUDA_RESOLVE)
#undef STO_CUDA_RESOLVE
  gFn = fn;

  char what[512];
  if (CUresult r = gFn.init(0)) {
    describeResult(r, what, sizeof(what));
    return setDriverFailure(
        meansNoDriver(r) ? STO_ERROR_NO_CUDA_DRIVER : STO_ERROR_CUDA,
        "no usable CUDA driver: cuInit (%s) failed with %s", path, what);
  }
  int count = 0;
  if (CUresult r = gFn.deviceGetCount(&count)) {
    describeResult(r, what, sizeof(what));
    return setDriverFailure(STO_ERROR_CUDA, "cuDeviceGetCount failed with %s",
                            what);
  }
  if (count <= 0)
    return setDriverFailure(STO_ERROR_NO_CUDA_DRIVER,
                            "no CUDA device: the driver (%s) found none", path);
  gDeviceCount = count < kMaxDevices ? count : kMaxDevices;
  // After cuInit, so that this handler runs before any the driver installed.
  atexit(markExiting);
  gDriverStatus = STO_OK;
}

/// Loads the driver once; STO_OK or the reason it is unusable.
int32_t driverReady(Entry &e) {
  pthread_once(&gDriverOnce, loadDriver);
  if (gDriverStatus == STO_OK)
    return STO_OK;
  return e.fail(gDriverStatus, "%s", gDriverMessage);
}

int32_t checkDevice(Entry &e, int device) {
  if (device < 0 || device >= gDeviceCount)
    return e.fail(STO_ERROR_INVALID_ARGUMENT,
                  "device %d does not exist (%d device%s)", device,
                  gDeviceCount, gDeviceCount == 1 ? "" : "s");
  return STO_OK;
}

/// The primary context of device, retained on first use.
int32_t primaryContext(Entry &e, int device, CUcontext *result) {
  *result = nullptr;
  if (int32_t status = checkDevice(e, device))
    return status;
  CUcontext ctx = gContexts[device].load(std::memory_order_acquire);
  if (ctx) {
    *result = ctx;
    return STO_OK;
  }
  int32_t status = STO_OK;
  pthread_mutex_lock(&gContextMutex);
  ctx = gContexts[device].load(std::memory_order_acquire);
  if (!ctx) {
    CUdevice dev;
    status = e.check(gFn.deviceGet(&dev, device), "cuDeviceGet");
    if (status == STO_OK)
      status = e.check(gFn.devicePrimaryCtxRetain(&ctx, dev),
                       "cuDevicePrimaryCtxRetain");
    if (status == STO_OK) {
      DeviceInfo &info = gDeviceInfo[device];
      int value = 0;
      info.memoryPools = gFn.memAllocAsync && gFn.memFreeAsync &&
                         gFn.deviceGetAttribute(
                             &value, CU_DEVICE_ATTRIBUTE_MEMORY_POOLS_SUPPORTED,
                             dev) == CUDA_SUCCESS &&
                         value != 0;
      // Keep freed stream-ordered memory in the pool instead of returning it
      // to the OS at every synchronization (the default threshold is 0).
      CUmemoryPool pool;
      if (info.memoryPools && gFn.deviceGetDefaultMemPool &&
          gFn.memPoolSetAttribute &&
          gFn.deviceGetDefaultMemPool(&pool, dev) == CUDA_SUCCESS) {
        cuuint64_t threshold = UINT64_MAX;
        gFn.memPoolSetAttribute(pool, CU_MEMPOOL_ATTR_RELEASE_THRESHOLD,
                                &threshold);
      }
      gContexts[device].store(ctx, std::memory_order_release);
    }
  }
  pthread_mutex_unlock(&gContextMutex);
  if (status == STO_OK)
    *result = ctx;
  return status;
}

/// Makes the primary context of the thread's device (or of a given device)
/// current for the lifetime of the scope.
class ContextScope {
public:
  ContextScope() = default;
  ContextScope(const ContextScope &) = delete;
  ContextScope &operator=(const ContextScope &) = delete;
  ~ContextScope() {
    if (pushed) {
      CUcontext popped;
      gFn.ctxPopCurrent(&popped);
    }
  }

  /// STO_OK once the context is current; otherwise the failure, recorded.
  int32_t enter(Entry &e) { return enter(e, tDevice); }
  int32_t enter(Entry &e, int dev) {
    if (int32_t status = driverReady(e))
      return status;
    CUcontext ctx;
    if (int32_t status = primaryContext(e, dev, &ctx))
      return status;
    device = dev;
    CUcontext current = nullptr;
    if (int32_t status =
            e.check(gFn.ctxGetCurrent(&current), "cuCtxGetCurrent"))
      return status;
    if (current == ctx)
      return STO_OK;
    if (!current)
      return e.check(gFn.ctxSetCurrent(ctx), "cuCtxSetCurrent");
    if (int32_t status = e.check(gFn.ctxPushCurrent(ctx), "cuCtxPushCurrent"))
      return status;
    pushed = true;
    return STO_OK;
  }

  int device = 0;

private:
  bool pushed = false;
};

//===----------------------------------------------------------------------===//
// Blocks kept on a caller's stream
//===----------------------------------------------------------------------===//
//
// A compiled call allocates each temporary with cuMemAllocAsync and frees it
// with cuMemFreeAsync as it ends, on a caller's stream or on streams of the
// pool. Each of those costs the host microseconds, and a call that starts on
// an idle stream keeps the GPU waiting for them: on an H200 the 16
// temporaries of a top-8-of-256 gate made a call of 59 us of kernels take
// 140 us. A block freed on the stream it was allocated on is therefore kept,
// idle, for the next allocation of its size on that stream. Stream order
// makes the reuse safe, as it does for the driver's pool: the next user's
// work runs after the last user's. (Without a caller's stream every
// operation is synchronized anyway.) The idle blocks of a stream go back to
// the driver (cuMemFreeAsync on that stream) when a thread sets another
// stream, when the stream is destroyed (sto_cuda_stream_destroy, or a pool
// stream beyond the pool's size), on sto_cuda_release_cached_memory, when an
// allocation runs out of memory (then it is tried once more), and past
// kCacheIdleLimit bytes.

constexpr size_t kCacheGranule = 256;
constexpr size_t kCacheIdleLimit = size_t(4) << 30;
constexpr size_t kCacheMaxBlocks = 4096;

struct CachedBlock {
  CUdeviceptr ptr;
  CUstream stream;
  size_t bytes;
  int device;
  bool idle;
};

struct BlockCache {
  pthread_mutex_t mutex = PTHREAD_MUTEX_INITIALIZER;
  CachedBlock *blocks = nullptr; // guarded by mutex
  size_t count = 0, capacity = 0, idleBytes = 0;
};
BlockCache gBlockCache;

/// An idle block of `bytes` (a multiple of kCacheGranule) on `stream`, now in
/// use, or 0.
CUdeviceptr takeCachedBlock(CUstream stream, size_t bytes) {
  BlockCache &c = gBlockCache;
  CUdeviceptr ptr = 0;
  pthread_mutex_lock(&c.mutex);
  for (size_t i = 0; i < c.count; ++i) {
    CachedBlock &b = c.blocks[i];
    if (b.idle && b.stream == stream && b.bytes == bytes) {
      b.idle = false;
      c.idleBytes -= bytes;
      ptr = b.ptr;
      break;
    }
  }
  pthread_mutex_unlock(&c.mutex);
  return ptr;
}

/// Records a new block in use on `stream`; a block that does not fit in the
/// table is simply not kept when freed.
void trackBlock(CUdeviceptr ptr, CUstream stream, size_t bytes, int device) {
  BlockCache &c = gBlockCache;
  pthread_mutex_lock(&c.mutex);
  if (c.count == c.capacity && c.capacity < kCacheMaxBlocks) {
    size_t capacity = c.capacity ? 2 * c.capacity : 64;
    if (void *grown = realloc(c.blocks, capacity * sizeof(CachedBlock))) {
      c.blocks = static_cast<CachedBlock *>(grown);
      c.capacity = capacity;
    }
  }
  if (c.count < c.capacity)
    c.blocks[c.count++] = {ptr, stream, bytes, device, false};
  pthread_mutex_unlock(&c.mutex);
}

enum class Freed { Untracked, Kept, Release };

/// Freeing `ptr` on `stream`: Kept (now idle) when it is a tracked block of
/// that stream and the idle limit allows; Release when it is tracked but
/// must go back to the driver (no longer tracked); Untracked otherwise.
Freed keepFreedBlock(CUdeviceptr ptr, CUstream stream) {
  BlockCache &c = gBlockCache;
  Freed result = Freed::Untracked;
  pthread_mutex_lock(&c.mutex);
  for (size_t i = 0; i < c.count; ++i) {
    CachedBlock &b = c.blocks[i];
    if (b.ptr != ptr || b.idle)
      continue;
    if (b.stream == stream && c.idleBytes + b.bytes <= kCacheIdleLimit) {
      b.idle = true;
      c.idleBytes += b.bytes;
      result = Freed::Kept;
    } else {
      b = c.blocks[--c.count];
      result = Freed::Release;
    }
    break;
  }
  pthread_mutex_unlock(&c.mutex);
  return result;
}

/// Gives the idle blocks of `stream` back to the driver, in stream order;
/// the first failure, or STO_OK.
int32_t releaseCachedBlocks(Entry &e, CUstream stream) {
  int32_t status = STO_OK;
  if (!stream || exiting())
    return status;
  BlockCache &c = gBlockCache;
  for (;;) {
    CachedBlock block{};
    bool found = false;
    pthread_mutex_lock(&c.mutex);
    for (size_t i = 0; i < c.count && !found; ++i) {
      if (c.blocks[i].idle && c.blocks[i].stream == stream) {
        block = c.blocks[i];
        c.idleBytes -= block.bytes;
        c.blocks[i] = c.blocks[--c.count];
        found = true;
      }
    }
    pthread_mutex_unlock(&c.mutex);
    if (!found)
      return status;
    ContextScope scope;
    int32_t s = scope.enter(e, block.device);
    if (s == STO_OK)
      s = e.check(gFn.memFreeAsync(block.ptr, stream), "cuMemFreeAsync");
    if (status == STO_OK)
      status = s;
  }
}

/// Gives every idle block back to the driver, stream by stream; with `wait`,
/// also waits for each such stream, so that the memory can serve an
/// allocation on any stream. The first failure, or STO_OK; `released`
/// counts the streams whose blocks went back.
int32_t releaseAllCachedBlocks(Entry &e, bool wait, int *released) {
  int32_t status = STO_OK;
  for (;;) {
    CUstream stream = nullptr;
    int device = 0;
    pthread_mutex_lock(&gBlockCache.mutex);
    for (size_t i = 0; i < gBlockCache.count && !stream; ++i)
      if (gBlockCache.blocks[i].idle) {
        stream = gBlockCache.blocks[i].stream;
        device = gBlockCache.blocks[i].device;
      }
    pthread_mutex_unlock(&gBlockCache.mutex);
    if (!stream)
      return status;
    int32_t s = releaseCachedBlocks(e, stream);
    if (s == STO_OK && wait) {
      ContextScope scope;
      s = scope.enter(e, device);
      if (s == STO_OK)
        s = e.check(gFn.streamSynchronize(stream), "cuStreamSynchronize");
    }
    if (status == STO_OK)
      status = s;
    if (s != STO_OK)
      return status; // the stream's blocks stay; do not loop on them
    if (released)
      ++*released;
  }
}

//===----------------------------------------------------------------------===//
// Streams
//===----------------------------------------------------------------------===//

void initStreamPools() {
  for (StreamPool &pool : gStreamPools) {
    pthread_mutex_init(&pool.mutex, nullptr);
    pool.count = 0;
  }
}

StreamPool &streamPool(int device) {
  pthread_once(&gStreamPoolsOnce, initStreamPools);
  return gStreamPools[device];
}

/// A non-blocking stream from the device's pool, or a new one.
CUstream acquireStream(Entry &e, int device) {
  StreamPool &pool = streamPool(device);
  CUstream stream = nullptr;
  pthread_mutex_lock(&pool.mutex);
  if (pool.count > 0)
    stream = pool.streams[--pool.count];
  pthread_mutex_unlock(&pool.mutex);
  if (stream)
    return stream;
  if (e.check(gFn.streamCreate(&stream, CU_STREAM_NON_BLOCKING),
              "cuStreamCreate"))
    return nullptr;
  return stream;
}

/// Pools stream, or destroys it when the pool is full; the status of that.
int32_t releaseStream(Entry &e, int device, CUstream stream) {
  StreamPool &pool = streamPool(device);
  pthread_mutex_lock(&pool.mutex);
  bool kept = pool.count < kStreamPoolSize;
  if (kept)
    pool.streams[pool.count++] = stream;
  pthread_mutex_unlock(&pool.mutex);
  if (kept)
    return STO_OK;
  if (int32_t status = releaseCachedBlocks(e, stream))
    return status;
  return e.check(gFn.streamDestroy(stream), "cuStreamDestroy");
}

bool isUserStream(CUstream stream) {
  return tUserStream && stream == tUserStream;
}

//===----------------------------------------------------------------------===//
// Modules
//===----------------------------------------------------------------------===//

Module *registerModule(Entry &e, const void *image, size_t size, bool jit,
                       int optLevel) {
  if (!image) {
    e.fail(STO_ERROR_NULL_POINTER, "the module image is NULL");
    return nullptr;
  }
  pthread_mutex_lock(&gModulesMutex);
  Module *m = gModules;
  while (m && m->image != image)
    m = m->next;
  if (m) {
    ++m->refs;
  } else if (void *memory = calloc(1, sizeof(Module))) {
    m = new (memory) Module();
    m->image = image;
    m->size = size;
    m->jit = jit;
    m->optLevel = optLevel;
    m->refs = 1;
    m->next = gModules;
    gModules = m;
  }
  pthread_mutex_unlock(&gModulesMutex);
  if (!m)
    e.fail(STO_ERROR_RUNTIME, "out of host memory");
  return m;
}

/// Loads m's image into the current context (m->mutex held).
CUmodule loadModule(Entry &e, Module *m) {
  char log[8192];
  log[0] = '\0';
  CUjit_option options[3] = {CU_JIT_ERROR_LOG_BUFFER,
                             CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES,
                             CU_JIT_OPTIMIZATION_LEVEL};
  void *values[3] = {log, reinterpret_cast<void *>(sizeof(log)),
                     reinterpret_cast<void *>(static_cast<intptr_t>(
                         m->optLevel < 0   ? 0
                         : m->optLevel > 4 ? 4
                                           : m->optLevel))};
  unsigned numOptions = m->jit ? 3 : 2;
  CUmodule module = nullptr;
  CUresult r =
      gFn.moduleLoadDataEx(&module, m->image, numOptions, options, values);
  if (r == CUDA_SUCCESS)
    return module;
  char what[512];
  describeResult(r, what, sizeof(what));
  log[sizeof(log) - 1] = '\0';
  e.fail(STO_ERROR_CUDA,
         "cuModuleLoadDataEx (%zu-byte %s image) failed with %s%s%s", m->size,
         m->jit ? "PTX" : "binary", what, log[0] ? "; JIT log: " : "", log);
  return nullptr;
}

CUfunction moduleFunction(Entry &e, Module *m, int device, const char *name) {
  CUfunction function = nullptr;
  pthread_mutex_lock(&m->mutex);
  for (size_t i = 0; i < m->numFunctions; ++i) {
    if (m->functions[i].device == device &&
        strcmp(m->functions[i].name, name) == 0) {
      function = m->functions[i].function;
      break;
    }
  }
  if (!function) {
    CUmodule module = m->loaded[device].load(std::memory_order_acquire);
    if (!module) {
      module = loadModule(e, m);
      m->loaded[device].store(module, std::memory_order_release);
    }
    if (module && e.check(gFn.moduleGetFunction(&function, module, name),
                          "cuModuleGetFunction") != STO_OK)
      function = nullptr;
    if (function) {
      if (m->numFunctions == m->capacity) {
        size_t capacity = m->capacity ? 2 * m->capacity : 8;
        void *grown =
            realloc(m->functions, capacity * sizeof(Module::Function));
        if (grown) {
          m->functions = static_cast<Module::Function *>(grown);
          m->capacity = capacity;
        }
      }
      char *copy = strdup(name);
      if (copy && m->numFunctions < m->capacity)
        m->functions[m->numFunctions++] = {device, copy, function};
      else
        free(copy); // not cached; still returned
    }
  }
  pthread_mutex_unlock(&m->mutex);
  return function;
}

void destroyModule(Module *m) {
  for (size_t i = 0; i < m->numFunctions; ++i)
    free(m->functions[i].name);
  free(m->functions);
  pthread_mutex_destroy(&m->mutex);
  m->~Module();
  free(m);
}

//===----------------------------------------------------------------------===//
// Helpers
//===----------------------------------------------------------------------===//

CUdeviceptr devicePtr(const void *p) {
  return static_cast<CUdeviceptr>(reinterpret_cast<uintptr_t>(p));
}

/// Whether a launch dimension fits the driver's unsigned int.
bool validDim(intptr_t v) { return v >= 1 && (uint64_t)v <= UINT_MAX; }

/// Whether ptr comes from a stream-ordered pool (cuMemAllocAsync).
bool isPoolAllocation(void *ptr) {
  CUmemoryPool pool = nullptr;
  return gFn.pointerGetAttribute(&pool, CU_POINTER_ATTRIBUTE_MEMPOOL_HANDLE,
                                 devicePtr(ptr)) == CUDA_SUCCESS &&
         pool != nullptr;
}

/// A ranked memref descriptor: {allocated, aligned, offset, sizes[rank],
/// strides[rank]}.
struct MemRefView {
  char *data; // aligned + offset
  const int64_t *sizes;
  const int64_t *strides;
};
MemRefView viewMemRef(int64_t rank, void *descriptor, int64_t elementBytes) {
  auto *words = static_cast<int64_t *>(descriptor);
  char *aligned = reinterpret_cast<char *>(static_cast<uintptr_t>(words[1]));
  return {aligned + words[2] * elementBytes, words + 3, words + 3 + rank};
}

/// Completes an operation enqueued on the legacy default stream when the
/// caller passed no stream.
int32_t finishOnNullStream(Entry &e, CUstream stream) {
  if (stream)
    return STO_OK;
  return e.check(gFn.streamSynchronize(nullptr), "cuStreamSynchronize");
}

//===----------------------------------------------------------------------===//
// cuBLAS
//===----------------------------------------------------------------------===//

// cuBLAS is loaded on its own, on the first matrix product (or
// sto_cuda_cublas_version), independently of the driver: a program that
// never multiplies matrices never loads it.
blas::Library gBlas;
int32_t gBlasStatus = STO_ERROR_NO_CUBLAS;
char gBlasMessage[kMessageSize];
pthread_once_t gBlasOnce = PTHREAD_ONCE_INIT;

[[gnu::format(printf, 1, 2)]] void setBlasFailure(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(gBlasMessage, sizeof(gBlasMessage), fmt, ap);
  va_end(ap);
  gBlasStatus = STO_ERROR_NO_CUBLAS;
}

void loadBlas() {
  const char *path = getenv("STO_CUBLAS");
  if (path && (!*path || strcmp(path, "none") == 0))
    return setBlasFailure("no cuBLAS: disabled by STO_CUBLAS=%s", path);
  // The library of the toolkit the runtime was written against first; the
  // entry points used are the same in cuBLAS 12.
  static const char *const kDefault[] = {"libcublas.so.13", "libcublas.so.12",
                                         "libcublas.so"};
  const char *const *candidates = path ? &path : kDefault;
  size_t numCandidates = path ? 1 : sizeof(kDefault) / sizeof(kDefault[0]);
  void *handle = nullptr;
  char why[512] = "";
  for (size_t i = 0; i < numCandidates && !handle; ++i) {
    path = candidates[i];
    handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
      const char *error = dlerror();
      size_t used = strlen(why);
      snprintf(why + used, sizeof(why) - used, "%s%s", used ? "; " : "",
               error ? error : path);
    }
  }
  if (!handle)
    return setBlasFailure("no cuBLAS: dlopen failed: %s", why);
  // Never closed, like the driver: handles live until exit.
  blas::Library fn;
#define STO_CUBLAS_RESOLVE(field, symbol, required, ret, params)               \
  fn.field = reinterpret_cast<blas::PFN_##field>(dlsym(handle, #symbol));      \
  if (required && !fn.field)                                                   \
    return setBlasFailure("no usable cuBLAS: %s has no %s", path, #symbol);
  STO_CUBLAS_FUNCTIONS(STO_CUBLAS_RESOLVE)
#undef STO_CUBLAS_RESOLVE
  gBlas = fn;
  gBlasStatus = STO_OK;
}

/// Loads cuBLAS once; STO_OK or STO_ERROR_NO_CUBLAS, recorded.
int32_t blasReady(Entry &e) {
  pthread_once(&gBlasOnce, loadBlas);
  if (gBlasStatus == STO_OK)
    return STO_OK;
  return e.fail(gBlasStatus, "%s", gBlasMessage);
}

const char *fallbackBlasStatusName(blas::cublasStatus_t s) {
  switch (s) {
#define STO_CASE(name)                                                         \
  case blas::name:                                                             \
    return #name;
    STO_CASE(CUBLAS_STATUS_SUCCESS)
    STO_CASE(CUBLAS_STATUS_NOT_INITIALIZED)
    STO_CASE(CUBLAS_STATUS_ALLOC_FAILED)
    STO_CASE(CUBLAS_STATUS_INVALID_VALUE)
    STO_CASE(CUBLAS_STATUS_ARCH_MISMATCH)
    STO_CASE(CUBLAS_STATUS_MAPPING_ERROR)
    STO_CASE(CUBLAS_STATUS_EXECUTION_FAILED)
    STO_CASE(CUBLAS_STATUS_INTERNAL_ERROR)
    STO_CASE(CUBLAS_STATUS_NOT_SUPPORTED)
    STO_CASE(CUBLAS_STATUS_LICENSE_ERROR)
#undef STO_CASE
  }
  return nullptr;
}

/// STO_OK, or STO_ERROR_CUDA with "<call> failed with CUBLAS_STATUS_X (n):
/// text".
int32_t checkBlas(Entry &e, blas::cublasStatus_t s, const char *call) {
  if (s == blas::CUBLAS_STATUS_SUCCESS)
    return STO_OK;
  const char *name = gBlas.getStatusName ? gBlas.getStatusName(s) : nullptr;
  const char *text = gBlas.getStatusString ? gBlas.getStatusString(s) : nullptr;
  if (!name)
    name = fallbackBlasStatusName(s);
  return e.fail(STO_ERROR_CUDA, "%s failed with %s (%d)%s%s", call,
                name ? name : "cublasStatus_t", (int)s, text ? ": " : "",
                text ? text : "");
}

/// A cuBLAS handle of one device with what ordering it needs.
///
/// Handles come from a per-device pool, and each call sets the handle's
/// stream: concurrent calls from several threads use different handles
/// (a handle is not to be used by two threads at once), and a thread count
/// never leaves handles behind at thread exit (there are as many handles as
/// calls ever ran at once). A call enqueued on a caller's stream may still
/// be running when its handle serves the next call on another stream; the
/// event `done`, recorded after the call, makes that next stream wait for
/// it, so that the two never share the handle's workspace concurrently.
struct BlasHandle {
  blas::cublasHandle_t handle;
  CUevent done;
  CUstream lastStream;
  bool pending; // `done` recorded on lastStream and maybe not reached yet
};

struct BlasPool {
  pthread_mutex_t mutex;
  int count;
  BlasHandle *handles[kBlasPoolSize];
};
BlasPool gBlasPools[kMaxDevices];
pthread_once_t gBlasPoolsOnce = PTHREAD_ONCE_INIT;

void initBlasPools() {
  for (BlasPool &pool : gBlasPools) {
    pthread_mutex_init(&pool.mutex, nullptr);
    pool.count = 0;
  }
}

/// Puts a handle back into its device's pool, or destroys it when the pool
/// is full.
void returnBlasHandle(int device, BlasHandle *h) {
  BlasPool &pool = gBlasPools[device];
  pthread_mutex_lock(&pool.mutex);
  bool kept = pool.count < kBlasPoolSize;
  if (kept)
    pool.handles[pool.count++] = h;
  pthread_mutex_unlock(&pool.mutex);
  if (kept)
    return;
  if (h->pending)
    gFn.eventSynchronize(h->done);
  gBlas.destroy(h->handle);
  gFn.eventDestroy(h->done);
  free(h);
}

/// A handle of the current device (the scope's), ready to run on stream.
BlasHandle *acquireBlasHandle(Entry &e, int device, CUstream stream) {
  pthread_once(&gBlasPoolsOnce, initBlasPools);
  BlasPool &pool = gBlasPools[device];
  BlasHandle *h = nullptr;
  pthread_mutex_lock(&pool.mutex);
  if (pool.count > 0)
    h = pool.handles[--pool.count];
  pthread_mutex_unlock(&pool.mutex);
  if (!h) {
    h = static_cast<BlasHandle *>(calloc(1, sizeof(BlasHandle)));
    if (!h) {
      e.fail(STO_ERROR_RUNTIME, "out of host memory");
      return nullptr;
    }
    // cublasCreate binds the handle to the current (primary) context.
    if (checkBlas(e, gBlas.create(&h->handle), "cublasCreate") ||
        e.check(gFn.eventCreate(&h->done, CU_EVENT_DISABLE_TIMING),
                "cuEventCreate") ||
        // True f32: the default math mode computes in f32 and never uses
        // TF32 tensor cores (CUBLAS_TF32_TENSOR_OP_MATH would), set
        // explicitly in case a default ever changes.
        checkBlas(e, gBlas.setMathMode(h->handle, blas::CUBLAS_DEFAULT_MATH),
                  "cublasSetMathMode(CUBLAS_DEFAULT_MATH)")) {
      if (h->handle)
        gBlas.destroy(h->handle);
      if (h->done)
        gFn.eventDestroy(h->done);
      free(h);
      return nullptr;
    }
  }
  if (h->pending && h->lastStream != stream &&
      e.check(gFn.streamWaitEvent(stream, h->done, 0), "cuStreamWaitEvent")) {
    returnBlasHandle(device, h);
    return nullptr;
  }
  if (checkBlas(e, gBlas.setStream(h->handle, stream), "cublasSetStream")) {
    returnBlasHandle(device, h);
    return nullptr;
  }
  return h;
}

/// Returns a handle after a call on stream; `finished` when the call is
/// known to be complete (the stream was synchronized). STO_OK, or the
/// failure of the synchronization that replaces a failed event record.
int32_t releaseBlasHandle(Entry &e, int device, BlasHandle *h, CUstream stream,
                          bool finished) {
  h->lastStream = stream;
  // A failed record is not recorded as the call's failure: it is handled
  // here, by waiting (the product itself succeeded). Recording it made
  // sto_cuda_sgemm return STO_OK with an error in the thread's state, and
  // compiled code's entry point fail after a correct product.
  h->pending = !finished && gFn.eventRecord(h->done, stream) == CUDA_SUCCESS;
  // Without the event the next user could overlap this call: wait here.
  int32_t status = STO_OK;
  if (!finished && !h->pending)
    status = e.check(gFn.streamSynchronize(stream), "cuStreamSynchronize");
  returnBlasHandle(device, h);
  return status;
}

/// Whether v fits cuBLAS's int (the 32-bit API).
bool fitsInt(int64_t v) { return v >= 0 && v <= INT_MAX; }

/// A product as the column-major cuBLAS API takes it: C = alpha * op(A) *
/// op(B) + beta * C with C m x n, batch times (strides between matrices).
struct ColumnMajorGemm {
  bool transA, transB;
  int m, n, k;
  const float *a;
  int lda;
  int64_t strideA;
  const float *b;
  int ldb;
  int64_t strideB;
  float *c;
  int ldc;
  int64_t strideC;
  int batch;
};

/// Checks the arguments of the row-major product C = alpha * op(A) * op(B) +
/// beta * C (see sto_cuda_sgemm in sto-c/Runtime.h) and gives it as
/// cuBLAS takes it in `out`: STO_OK, a failure, or STO_OK with `empty` set
/// when C is empty (nothing to compute).
int32_t describeSgemm(Entry &e, int32_t flags, int64_t batch, int64_t m,
                      int64_t n, int64_t k, const float *a, int64_t lda,
                      int64_t strideA, const float *b, int64_t ldb,
                      int64_t strideB, float *c, int64_t ldc, int64_t strideC,
                      ColumnMajorGemm &out, bool &empty) {
  empty = false;
  // Arguments first: they are the caller's, whatever the machine.
  if (flags & ~(STO_CUDA_GEMM_TRANSPOSE_A | STO_CUDA_GEMM_TRANSPOSE_B))
    return e.fail(STO_ERROR_INVALID_ARGUMENT, "unknown flags 0x%x",
                  (unsigned)flags);
  if (batch < 0 || m < 0 || n < 0 || k < 0)
    return e.fail(STO_ERROR_INVALID_ARGUMENT,
                  "negative size (batch %ld, m %ld, n %ld, k %ld)", (long)batch,
                  (long)m, (long)n, (long)k);
  bool transA = flags & STO_CUDA_GEMM_TRANSPOSE_A;
  bool transB = flags & STO_CUDA_GEMM_TRANSPOSE_B;
  // Row lengths of A, B and C as stored (row-major).
  int64_t rowA = transA ? m : k, rowB = transB ? k : n;
  auto atLeast = [](int64_t v) { return v > 1 ? v : 1; };
  // The leading dimension of a matrix with at most one row, or with empty
  // rows, addresses nothing: any value is right (an identity-layout memref
  // of shape [m, 0] has row stride 0), and cuBLAS gets a valid one.
  auto normalize = [&](int64_t &ld, int64_t rows, int64_t rowLength) {
    if ((rows <= 1 || rowLength == 0) && ld < atLeast(rowLength))
      ld = atLeast(rowLength);
  };
  normalize(lda, transA ? k : m, rowA);
  normalize(ldb, transB ? n : k, rowB);
  normalize(ldc, m, n);
  if (lda < atLeast(rowA) || ldb < atLeast(rowB) || ldc < atLeast(n))
    return e.fail(STO_ERROR_INVALID_ARGUMENT,
                  "leading dimension too small (lda %ld for rows of %ld, ldb "
                  "%ld for rows of %ld, ldc %ld for rows of %ld)",
                  (long)lda, (long)rowA, (long)ldb, (long)rowB, (long)ldc,
                  (long)n);
  if (!fitsInt(m) || !fitsInt(n) || !fitsInt(k) || !fitsInt(lda) ||
      !fitsInt(ldb) || !fitsInt(ldc) || !fitsInt(batch))
    return e.fail(STO_ERROR_INVALID_ARGUMENT,
                  "sizes beyond the 32-bit cuBLAS API (batch %ld, m %ld, n "
                  "%ld, k %ld, lda %ld, ldb %ld, ldc %ld)",
                  (long)batch, (long)m, (long)n, (long)k, (long)lda, (long)ldb,
                  (long)ldc);
  if (batch > 1 && (strideA < 0 || strideB < 0 || strideC < (m - 1) * ldc + n))
    return e.fail(STO_ERROR_INVALID_ARGUMENT,
                  "invalid batch strides (A %ld, B %ld, C %ld; the matrices "
                  "of C must not overlap)",
                  (long)strideA, (long)strideB, (long)strideC);
  if (batch == 0 || m == 0 || n == 0) {
    empty = true; // nothing to compute (C is empty)
    return STO_OK;
  }
  if (!c || (k > 0 && (!a || !b)))
    return e.fail(STO_ERROR_NULL_POINTER, "a matrix pointer is NULL");
  // Column-major cuBLAS sees each row-major matrix transposed, so it
  // computes C^T = op(B)^T * op(A)^T: B first, then A.
  out = {transB,  transA,   (int)n,   (int)m,  (int)k,
         b,       (int)ldb, strideB,  a,       (int)lda,
         strideA, c,        (int)ldc, strideC, (int)batch};
  return STO_OK;
}

/// cublasSgemm's arithmetic on the host, for `g` (column-major; element
/// (i, j) of a matrix X with leading dimension ld is X[i + j * ld]). Each
/// element sums its k products in order in f32, without contraction; with
/// beta 0 C is not read, as in cuBLAS.
void hostColumnMajorSgemm(const ColumnMajorGemm &g, float alpha, float beta) {
#pragma clang fp contract(off)
  for (int q = 0; q < g.batch; ++q) {
    const float *a = g.a + q * g.strideA;
    const float *b = g.b + q * g.strideB;
    float *c = g.c + q * g.strideC;
    for (int j = 0; j < g.n; ++j)
      for (int i = 0; i < g.m; ++i) {
        float sum = 0.0f;
        for (int l = 0; l < g.k; ++l) {
          float x =
              g.transA ? a[l + (int64_t)i * g.lda] : a[i + (int64_t)l * g.lda];
          float y =
              g.transB ? b[j + (int64_t)l * g.ldb] : b[l + (int64_t)j * g.ldb];
          float p = x * y;
          sum = sum + p;
        }
        float *out = &c[i + (int64_t)j * g.ldc];
        float scaled = alpha * sum;
        *out = beta == 0.0f ? scaled : scaled + beta * *out;
      }
  }
}

/// The row-major product C = alpha * op(A) * op(B) + beta * C, batch times,
/// on cuBLAS: see sto_cuda_sgemm in sto-c/Runtime.h for the arguments.
int32_t sgemm(Entry &e, int32_t flags, int64_t batch, int64_t m, int64_t n,
              int64_t k, float alpha, const float *a, int64_t lda,
              int64_t strideA, const float *b, int64_t ldb, int64_t strideB,
              float beta, float *c, int64_t ldc, int64_t strideC) {
  ColumnMajorGemm g;
  bool empty;
  if (int32_t status =
          describeSgemm(e, flags, batch, m, n, k, a, lda, strideA, b, ldb,
                        strideB, c, ldc, strideC, g, empty))
    return status;
  if (empty)
    return STO_OK;

  ContextScope scope;
  if (int32_t status = scope.enter(e))
    return status;
  if (int32_t status = blasReady(e))
    return status;
  // The stream compiled functions use: the caller's (sto_cuda_set_stream),
  // or one of the pool, waited for before returning.
  CUstream stream = tUserStream;
  bool own = !stream;
  // acquireStream has recorded why it failed (cuStreamCreate and its
  // CUresult); a message of its own here replaced that reason.
  if (own && !(stream = acquireStream(e, scope.device)))
    return STO_ERROR_CUDA;
  int32_t status = STO_ERROR_CUDA;
  if (BlasHandle *h = acquireBlasHandle(e, scope.device, stream)) {
    blas::cublasOperation_t opA =
        g.transA ? blas::CUBLAS_OP_T : blas::CUBLAS_OP_N;
    blas::cublasOperation_t opB =
        g.transB ? blas::CUBLAS_OP_T : blas::CUBLAS_OP_N;
    if (g.batch == 1)
      status = checkBlas(e,
                         gBlas.sgemm(h->handle, opA, opB, g.m, g.n, g.k, &alpha,
                                     g.a, g.lda, g.b, g.ldb, &beta, g.c, g.ldc),
                         "cublasSgemm");
    else
      status = checkBlas(e,
                         gBlas.sgemmStridedBatched(
                             h->handle, opA, opB, g.m, g.n, g.k, &alpha, g.a,
                             g.lda, g.strideA, g.b, g.ldb, g.strideB, &beta,
                             g.c, g.ldc, g.strideC, g.batch),
                         "cublasSgemmStridedBatched");
    bool wait = own || (tUserFlags & STO_CUDA_STREAM_WAIT);
    if (wait && status == STO_OK)
      status = e.check(gFn.streamSynchronize(stream), "cuStreamSynchronize");
    int32_t released =
        releaseBlasHandle(e, scope.device, h, stream, wait && status == STO_OK);
    if (status == STO_OK)
      status = released;
  }
  if (own) {
    // A failure here is recorded, so the status must say so too.
    int32_t released = releaseStream(e, scope.device, stream);
    if (status == STO_OK)
      status = released;
  }
  return status;
}

} // namespace

//===----------------------------------------------------------------------===//
// mgpu* functions called by compiled modules
//===----------------------------------------------------------------------===//

extern "C" {

void *mgpuModuleLoad(void *data, size_t size) {
  Entry e("mgpuModuleLoad", Entry::Mgpu);
  return registerModule(e, data, size, /*jit=*/false, 0);
}

void *mgpuModuleLoadJIT(void *data, int32_t optLevel) {
  Entry e("mgpuModuleLoadJIT", Entry::Mgpu);
  size_t size = data ? strlen(static_cast<const char *>(data)) + 1 : 0;
  return registerModule(e, data, size, /*jit=*/true, optLevel);
}

void mgpuModuleUnload(void *module) {
  if (!module)
    return;
  Module *m = static_cast<Module *>(module);
  pthread_mutex_lock(&gModulesMutex);
  bool last = --m->refs == 0;
  if (last) {
    Module **link = &gModules;
    while (*link && *link != m)
      link = &(*link)->next;
    if (*link)
      *link = m->next;
  }
  pthread_mutex_unlock(&gModulesMutex);
  if (!last)
    return;
  if (exiting())
    return; // the driver may be gone; exit frees the host memory too
  Entry e("mgpuModuleUnload", Entry::Mgpu);
  for (int device = 0; device < kMaxDevices; ++device) {
    CUmodule loaded = m->loaded[device].load(std::memory_order_acquire);
    if (!loaded)
      continue;
    ContextScope scope;
    if (scope.enter(e, device) == STO_OK)
      e.check(gFn.moduleUnload(loaded), "cuModuleUnload");
  }
  destroyModule(m);
}

void *mgpuModuleGetFunction(void *module, const char *name) {
  Entry e("mgpuModuleGetFunction", Entry::Mgpu);
  if (!module) {
    e.fail(STO_ERROR_RUNTIME, "no module (mgpuModuleLoad failed) for kernel %s",
           name ? name : "(null)");
    return nullptr;
  }
  if (!name) {
    e.fail(STO_ERROR_NULL_POINTER, "the kernel name is NULL");
    return nullptr;
  }
  ContextScope scope;
  if (scope.enter(e) != STO_OK)
    return nullptr;
  return moduleFunction(e, static_cast<Module *>(module), scope.device, name);
}

void mgpuLaunchKernel(void *function, intptr_t gridX, intptr_t gridY,
                      intptr_t gridZ, intptr_t blockX, intptr_t blockY,
                      intptr_t blockZ, int32_t smem, void *stream,
                      void **params, void **extra, size_t /*paramsCount*/) {
  Entry e("mgpuLaunchKernel", Entry::Mgpu);
  ContextScope scope;
  if (scope.enter(e) != STO_OK)
    return;
  if (!function) {
    e.fail(STO_ERROR_RUNTIME, "no kernel function (its lookup failed)");
    return;
  }
  if (!validDim(gridX) || !validDim(gridY) || !validDim(gridZ) ||
      !validDim(blockX) || !validDim(blockY) || !validDim(blockZ) || smem < 0) {
    e.fail(STO_ERROR_INVALID_ARGUMENT,
           "invalid launch grid (%ld, %ld, %ld) block (%ld, %ld, %ld) "
           "shared memory %d",
           (long)gridX, (long)gridY, (long)gridZ, (long)blockX, (long)blockY,
           (long)blockZ, smem);
    return;
  }
  CUfunction f = static_cast<CUfunction>(function);
  if (smem > kDefaultSharedMemory &&
      e.check(gFn.funcSetAttribute(
                  f, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, smem),
              "cuFuncSetAttribute(MAX_DYNAMIC_SHARED_SIZE_BYTES)"))
    return;
  e.check(gFn.launchKernel(f, (unsigned)gridX, (unsigned)gridY, (unsigned)gridZ,
                           (unsigned)blockX, (unsigned)blockY, (unsigned)blockZ,
                           (unsigned)smem, static_cast<CUstream>(stream),
                           params, extra),
          "cuLaunchKernel");
}

void mgpuLaunchClusterKernel(void *function, intptr_t clusterX,
                             intptr_t clusterY, intptr_t clusterZ,
                             intptr_t gridX, intptr_t gridY, intptr_t gridZ,
                             intptr_t blockX, intptr_t blockY, intptr_t blockZ,
                             int32_t smem, void *stream, void **params,
                             void **extra) {
  Entry e("mgpuLaunchClusterKernel", Entry::Mgpu);
  ContextScope scope;
  if (scope.enter(e) != STO_OK)
    return;
  if (!function) {
    e.fail(STO_ERROR_RUNTIME, "no kernel function (its lookup failed)");
    return;
  }
  if (!gFn.launchKernelEx) {
    e.fail(STO_ERROR_CUDA, "cluster launches need cuLaunchKernelEx (a CUDA "
                           "12 driver); this driver lacks it");
    return;
  }
  if (!validDim(clusterX) || !validDim(clusterY) || !validDim(clusterZ) ||
      !validDim(gridX) || !validDim(gridY) || !validDim(gridZ) ||
      !validDim(blockX) || !validDim(blockY) || !validDim(blockZ) || smem < 0) {
    e.fail(STO_ERROR_INVALID_ARGUMENT,
           "invalid launch cluster (%ld, %ld, %ld) grid (%ld, %ld, %ld) "
           "block (%ld, %ld, %ld) shared memory %d",
           (long)clusterX, (long)clusterY, (long)clusterZ, (long)gridX,
           (long)gridY, (long)gridZ, (long)blockX, (long)blockY, (long)blockZ,
           smem);
    return;
  }
  CUfunction f = static_cast<CUfunction>(function);
  if (smem > kDefaultSharedMemory &&
      e.check(gFn.funcSetAttribute(
                  f, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, smem),
              "cuFuncSetAttribute(MAX_DYNAMIC_SHARED_SIZE_BYTES)"))
    return;
  if (clusterX * clusterY * clusterZ > 8 &&
      e.check(gFn.funcSetAttribute(
                  f, CU_FUNC_ATTRIBUTE_NON_PORTABLE_CLUSTER_SIZE_ALLOWED, 1),
              "cuFuncSetAttribute(NON_PORTABLE_CLUSTER_SIZE_ALLOWED)"))
    return;
  CUlaunchAttribute attribute;
  memset(&attribute, 0, sizeof(attribute));
  attribute.id = CU_LAUNCH_ATTRIBUTE_CLUSTER_DIMENSION;
  attribute.value.clusterDim.x = (unsigned)clusterX;
  attribute.value.clusterDim.y = (unsigned)clusterY;
  attribute.value.clusterDim.z = (unsigned)clusterZ;
  CUlaunchConfig config;
  memset(&config, 0, sizeof(config));
  config.gridDimX = (unsigned)gridX;
  config.gridDimY = (unsigned)gridY;
  config.gridDimZ = (unsigned)gridZ;
  config.blockDimX = (unsigned)blockX;
  config.blockDimY = (unsigned)blockY;
  config.blockDimZ = (unsigned)blockZ;
  config.sharedMemBytes = (unsigned)smem;
  config.hStream = static_cast<CUstream>(stream);
  config.attrs = &attribute;
  config.numAttrs = 1;
  e.check(gFn.launchKernelEx(&config, f, params, extra), "cuLaunchKernelEx");
}

void *mgpuStreamCreate(void) {
  Entry e("mgpuStreamCreate", Entry::Mgpu);
  ContextScope scope;
  if (scope.enter(e) != STO_OK)
    return nullptr;
  if (tUserStream)
    return tUserStream;
  return acquireStream(e, scope.device);
}

void mgpuStreamDestroy(void *stream) {
  CUstream s = static_cast<CUstream>(stream);
  if (!s || isUserStream(s) || exiting())
    return;
  Entry e("mgpuStreamDestroy", Entry::Mgpu);
  ContextScope scope;
  if (scope.enter(e) != STO_OK)
    return;
  releaseStream(e, scope.device, s);
}

void mgpuStreamSynchronize(void *stream) {
  CUstream s = static_cast<CUstream>(stream);
  if (isUserStream(s) && !(tUserFlags & STO_CUDA_STREAM_WAIT))
    return;
  Entry e("mgpuStreamSynchronize", Entry::Mgpu);
  ContextScope scope;
  if (scope.enter(e) != STO_OK)
    return;
  e.check(gFn.streamSynchronize(s), "cuStreamSynchronize");
}

void mgpuStreamWaitEvent(void *stream, void *event) {
  Entry e("mgpuStreamWaitEvent", Entry::Mgpu);
  ContextScope scope;
  if (scope.enter(e) != STO_OK)
    return;
  e.check(gFn.streamWaitEvent(static_cast<CUstream>(stream),
                              static_cast<CUevent>(event), 0),
          "cuStreamWaitEvent");
}

void *mgpuEventCreate(void) {
  Entry e("mgpuEventCreate", Entry::Mgpu);
  ContextScope scope;
  if (scope.enter(e) != STO_OK)
    return nullptr;
  CUevent event = nullptr;
  if (e.check(gFn.eventCreate(&event, CU_EVENT_DISABLE_TIMING),
              "cuEventCreate"))
    return nullptr;
  return event;
}

void mgpuEventDestroy(void *event) {
  if (!event || exiting())
    return;
  Entry e("mgpuEventDestroy", Entry::Mgpu);
  ContextScope scope;
  if (scope.enter(e) != STO_OK)
    return;
  e.check(gFn.eventDestroy(static_cast<CUevent>(event)), "cuEventDestroy");
}

void mgpuEventRecord(void *event, void *stream) {
  Entry e("mgpuEventRecord", Entry::Mgpu);
  ContextScope scope;
  if (scope.enter(e) != STO_OK)
    return;
  e.check(gFn.eventRecord(static_cast<CUevent>(event),
                          static_cast<CUstream>(stream)),
          "cuEventRecord");
}

void mgpuEventSynchronize(void *event) {
  Entry e("mgpuEventSynchronize", Entry::Mgpu);
  ContextScope scope;
  if (scope.enter(e) != STO_OK)
    return;
  e.check(gFn.eventSynchronize(static_cast<CUevent>(event)),
          "cuEventSynchronize");
}

void *mgpuMemAlloc(uint64_t bytes, void *stream, uint64_t hostSharedI8) {
  Entry e("mgpuMemAlloc", Entry::Mgpu);
  ContextScope scope;
  if (scope.enter(e) != STO_OK || bytes == 0)
    return nullptr;
  bool hostShared = (hostSharedI8 & 0xff) != 0;
  CUdeviceptr ptr = 0;
  CUstream s = static_cast<CUstream>(stream);
  if (hostShared) {
    if (e.check(gFn.memAllocManaged(&ptr, bytes, CU_MEM_ATTACH_GLOBAL),
                "cuMemAllocManaged"))
      return nullptr;
  } else if (s && gDeviceInfo[scope.device].memoryPools) {
    // A stream keeps the blocks its calls free (see BlockCache).
    bool keep = bytes <= SIZE_MAX - kCacheGranule;
    if (keep) {
      bytes = (bytes + kCacheGranule - 1) / kCacheGranule * kCacheGranule;
      if (CUdeviceptr cached = takeCachedBlock(s, bytes))
        return reinterpret_cast<void *>(static_cast<uintptr_t>(cached));
    }
    CUresult r = gFn.memAllocAsync(&ptr, bytes, s);
    // Out of memory while blocks sit idle for reuse: give them back, then
    // try once more.
    int released = 0;
    if (r == CUDA_ERROR_OUT_OF_MEMORY &&
        releaseAllCachedBlocks(e, /*wait=*/true, &released) == STO_OK &&
        released > 0)
      r = gFn.memAllocAsync(&ptr, bytes, s);
    if (e.check(r, "cuMemAllocAsync"))
      return nullptr;
    if (keep)
      trackBlock(ptr, s, bytes, scope.device);
  } else if (e.check(gFn.memAlloc(&ptr, bytes), "cuMemAlloc")) {
    return nullptr;
  }
  return reinterpret_cast<void *>(static_cast<uintptr_t>(ptr));
}

void mgpuMemFree(void *ptr, void *stream) {
  if (!ptr || exiting())
    return;
  Entry e("mgpuMemFree", Entry::Mgpu);
  ContextScope scope;
  if (scope.enter(e) != STO_OK)
    return;
  CUstream s = static_cast<CUstream>(stream);
  Freed freed = keepFreedBlock(devicePtr(ptr), s);
  if (freed == Freed::Kept)
    return;
  if (s && gFn.memFreeAsync &&
      (freed == Freed::Release || isPoolAllocation(ptr)))
    e.check(gFn.memFreeAsync(devicePtr(ptr), s), "cuMemFreeAsync");
  else
    e.check(gFn.memFree(devicePtr(ptr)), "cuMemFree");
}

void mgpuMemcpy(void *dst, void *src, size_t bytes, void *stream) {
  Entry e("mgpuMemcpy", Entry::Mgpu);
  ContextScope scope;
  if (scope.enter(e) != STO_OK || bytes == 0)
    return;
  e.check(gFn.memcpyAsync(devicePtr(dst), devicePtr(src), bytes,
                          static_cast<CUstream>(stream)),
          "cuMemcpyAsync");
}

void mgpuMemset32(void *dst, uint32_t value, size_t count, void *stream) {
  Entry e("mgpuMemset32", Entry::Mgpu);
  ContextScope scope;
  if (scope.enter(e) != STO_OK || count == 0)
    return;
  e.check(gFn.memsetD32Async(devicePtr(dst), value, count,
                             static_cast<CUstream>(stream)),
          "cuMemsetD32Async");
}

void mgpuMemset16(void *dst, uint64_t valueI16, size_t count, void *stream) {
  Entry e("mgpuMemset16", Entry::Mgpu);
  ContextScope scope;
  if (scope.enter(e) != STO_OK || count == 0)
    return;
  e.check(gFn.memsetD16Async(devicePtr(dst),
                             static_cast<unsigned short>(valueI16 & 0xffff),
                             count, static_cast<CUstream>(stream)),
          "cuMemsetD16Async");
}

void mgpuSetDefaultDevice(int32_t device) { tDevice = device; }

void mgpuMemHostRegisterMemRef(int64_t rank, void *descriptor,
                               int64_t elementBytes) {
  Entry e("mgpuMemHostRegisterMemRef", Entry::Mgpu);
  ContextScope scope;
  if (scope.enter(e) != STO_OK)
    return;
  if (!descriptor || rank < 0 || elementBytes <= 0) {
    e.fail(STO_ERROR_INVALID_ARGUMENT, "invalid memref (rank %ld)", (long)rank);
    return;
  }
  MemRefView view = viewMemRef(rank, descriptor, elementBytes);
  int64_t elements = 1;
  for (int64_t i = rank - 1; i >= 0; --i) {
    if (view.sizes[i] != 1 && view.strides[i] != elements) {
      e.fail(STO_ERROR_INVALID_ARGUMENT,
             "only contiguous memrefs can be registered (dimension %ld has "
             "stride %ld, expected %ld)",
             (long)i, (long)view.strides[i], (long)elements);
      return;
    }
    elements *= view.sizes[i];
  }
  if (elements <= 0)
    return;
  e.check(gFn.memHostRegister(view.data, (size_t)(elements * elementBytes), 0),
          "cuMemHostRegister");
}

void mgpuMemHostUnregisterMemRef(int64_t rank, void *descriptor,
                                 int64_t elementBytes) {
  if (!descriptor || exiting())
    return;
  Entry e("mgpuMemHostUnregisterMemRef", Entry::Mgpu);
  ContextScope scope;
  if (scope.enter(e) != STO_OK)
    return;
  MemRefView view = viewMemRef(rank, descriptor, elementBytes);
  e.check(gFn.memHostUnregister(view.data), "cuMemHostUnregister");
}

void *mgpuTensorMapEncodeTiledMemref(int64_t rank, void *descriptor,
                                     int64_t dataType, int64_t interleave,
                                     int64_t swizzle, int64_t l2Promotion,
                                     int64_t oobFill, int64_t *boxDims) {
  Entry e("mgpuTensorMapEncodeTiledMemref", Entry::Mgpu);
  ContextScope scope;
  if (scope.enter(e) != STO_OK)
    return nullptr;
  if (!gFn.tensorMapEncodeTiled) {
    e.fail(STO_ERROR_CUDA, "TMA descriptors need cuTensorMapEncodeTiled (a "
                           "CUDA 12 driver); this driver lacks it");
    return nullptr;
  }
  // Bytes per element of CUtensorMapDataType 0..12 (UINT8 .. TFLOAT32_FTZ).
  static const int kElementBytes[] = {1, 2, 4, 4, 8, 8, 2, 4, 8, 2, 4, 4, 4};
  if (!descriptor || !boxDims || rank < 1 || rank > 5 || dataType < 0 ||
      dataType > 12) {
    e.fail(STO_ERROR_INVALID_ARGUMENT,
           "unsupported TMA descriptor (rank %ld, data type %ld)", (long)rank,
           (long)dataType);
    return nullptr;
  }
  int64_t elementBytes = kElementBytes[dataType];
  MemRefView view = viewMemRef(rank, descriptor, elementBytes);
  if (view.strides[rank - 1] != 1) {
    e.fail(STO_ERROR_INVALID_ARGUMENT,
           "the innermost dimension of a TMA tensor must be contiguous");
    return nullptr;
  }
  // CUDA numbers dimensions from the innermost; memrefs from the outermost.
  cuuint64_t globalDim[5] = {}, globalStrides[4] = {};
  cuuint32_t boxDim[5] = {}, elementStrides[5] = {};
  for (int64_t i = 0; i < rank; ++i) {
    globalDim[i] = (cuuint64_t)view.sizes[rank - 1 - i];
    boxDim[i] = (cuuint32_t)boxDims[rank - 1 - i];
    elementStrides[i] = 1;
  }
  for (int64_t i = 0; i + 1 < rank; ++i)
    globalStrides[i] = (cuuint64_t)(view.strides[rank - 2 - i] * elementBytes);
  TensorMapEntry entry;
  memset(&entry, 0, sizeof(entry));
  entry.device = scope.device;
  if (e.check(gFn.tensorMapEncodeTiled(
                  &entry.map, (CUtensorMapDataType)dataType, (cuuint32_t)rank,
                  view.data, globalDim, globalStrides, boxDim, elementStrides,
                  (CUtensorMapInterleave)interleave,
                  (CUtensorMapSwizzle)swizzle,
                  (CUtensorMapL2promotion)l2Promotion,
                  (CUtensorMapFloatOOBfill)oobFill),
              "cuTensorMapEncodeTiled"))
    return nullptr;
  // The kernel reads the descriptor from device memory. Identical
  // descriptors share one copy (a loop calling the function would otherwise
  // allocate one per call; upstream's wrapper leaks them).
  pthread_mutex_lock(&gTensorMapMutex);
  CUdeviceptr copy = 0;
  for (int i = 0; i < gNumTensorMaps && !copy; ++i)
    if (gTensorMaps[i].device == entry.device &&
        memcmp(&gTensorMaps[i].map, &entry.map, sizeof(CUtensorMap)) == 0)
      copy = gTensorMaps[i].copy;
  if (!copy && e.check(gFn.memAlloc(&copy, sizeof(CUtensorMap)),
                       "cuMemAlloc") == STO_OK) {
    if (e.check(gFn.memcpyAsync(copy, devicePtr(&entry.map),
                                sizeof(CUtensorMap), nullptr),
                "cuMemcpyAsync") != STO_OK ||
        finishOnNullStream(e, nullptr) != STO_OK) {
      gFn.memFree(copy);
      copy = 0;
    } else if (gNumTensorMaps < kTensorMapCacheSize) {
      entry.copy = copy;
      gTensorMaps[gNumTensorMaps++] = entry;
    }
  }
  pthread_mutex_unlock(&gTensorMapMutex);
  return reinterpret_cast<void *>(static_cast<uintptr_t>(copy));
}

//===----------------------------------------------------------------------===//
// sto_cuda_* C API
//===----------------------------------------------------------------------===//

int32_t sto_cuda_available(void) {
  pthread_once(&gDriverOnce, loadDriver);
  return gDriverStatus == STO_OK && gDeviceCount > 0;
}

int32_t sto_cuda_init(void) {
  Entry e("sto_cuda_init", Entry::Api);
  return driverReady(e);
}

int32_t sto_cuda_driver_version(int32_t *version) {
  Entry e("sto_cuda_driver_version", Entry::Api);
  if (version)
    *version = 0;
  if (int32_t status = driverReady(e))
    return status;
  if (!version)
    return e.fail(STO_ERROR_NULL_POINTER, "version is NULL");
  int v = 0;
  if (int32_t status = e.check(gFn.driverGetVersion(&v), "cuDriverGetVersion"))
    return status;
  *version = v;
  return STO_OK;
}

int32_t sto_cuda_device_count(int32_t *count) {
  Entry e("sto_cuda_device_count", Entry::Api);
  if (count)
    *count = 0;
  if (int32_t status = driverReady(e))
    return status;
  if (!count)
    return e.fail(STO_ERROR_NULL_POINTER, "count is NULL");
  *count = gDeviceCount;
  return STO_OK;
}

int32_t sto_cuda_device_name(int32_t device, char *name, size_t size) {
  Entry e("sto_cuda_device_name", Entry::Api);
  if (name && size)
    name[0] = '\0';
  if (int32_t status = driverReady(e))
    return status;
  if (!name || !size)
    return e.fail(STO_ERROR_NULL_POINTER, "name is NULL or size is 0");
  if (int32_t status = checkDevice(e, device))
    return status;
  CUdevice dev;
  if (int32_t status = e.check(gFn.deviceGet(&dev, device), "cuDeviceGet"))
    return status;
  int length = size > (size_t)INT_MAX ? INT_MAX : (int)size;
  int32_t status =
      e.check(gFn.deviceGetName(name, length, dev), "cuDeviceGetName");
  name[size - 1] = '\0';
  return status;
}

int32_t sto_cuda_device_compute_capability(int32_t device, int32_t *major,
                                           int32_t *minor) {
  Entry e("sto_cuda_device_compute_capability", Entry::Api);
  if (major)
    *major = 0;
  if (minor)
    *minor = 0;
  if (int32_t status = driverReady(e))
    return status;
  if (!major || !minor)
    return e.fail(STO_ERROR_NULL_POINTER, "major or minor is NULL");
  if (int32_t status = checkDevice(e, device))
    return status;
  CUdevice dev;
  int ma = 0, mi = 0;
  if (int32_t status = e.check(gFn.deviceGet(&dev, device), "cuDeviceGet"))
    return status;
  if (int32_t status =
          e.check(gFn.deviceGetAttribute(
                      &ma, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, dev),
                  "cuDeviceGetAttribute"))
    return status;
  if (int32_t status =
          e.check(gFn.deviceGetAttribute(
                      &mi, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, dev),
                  "cuDeviceGetAttribute"))
    return status;
  *major = ma;
  *minor = mi;
  return STO_OK;
}

int32_t sto_cuda_set_device(int32_t device) {
  Entry e("sto_cuda_set_device", Entry::Api);
  if (int32_t status = driverReady(e))
    return status;
  if (int32_t status = checkDevice(e, device))
    return status;
  tDevice = device;
  return STO_OK;
}

int32_t sto_cuda_get_device(int32_t *device) {
  Entry e("sto_cuda_get_device", Entry::Api);
  if (device)
    *device = 0;
  if (int32_t status = driverReady(e))
    return status;
  if (!device)
    return e.fail(STO_ERROR_NULL_POINTER, "device is NULL");
  *device = tDevice;
  return STO_OK;
}

int32_t sto_cuda_synchronize(void) {
  Entry e("sto_cuda_synchronize", Entry::Api);
  ContextScope scope;
  if (int32_t status = scope.enter(e))
    return status;
  return e.check(gFn.ctxSynchronize(), "cuCtxSynchronize");
}

int32_t sto_cuda_malloc(void **ptr, size_t bytes) {
  Entry e("sto_cuda_malloc", Entry::Api);
  if (ptr)
    *ptr = nullptr;
  ContextScope scope;
  if (int32_t status = scope.enter(e))
    return status;
  if (!ptr)
    return e.fail(STO_ERROR_NULL_POINTER, "ptr is NULL");
  if (bytes == 0)
    return STO_OK;
  CUdeviceptr p = 0;
  if (int32_t status = e.check(gFn.memAlloc(&p, bytes), "cuMemAlloc"))
    return status;
  *ptr = reinterpret_cast<void *>(static_cast<uintptr_t>(p));
  return STO_OK;
}

int32_t sto_cuda_free(void *ptr) {
  Entry e("sto_cuda_free", Entry::Api);
  if (exiting())
    return STO_OK;
  ContextScope scope;
  if (int32_t status = scope.enter(e))
    return status;
  if (!ptr)
    return STO_OK;
  return e.check(gFn.memFree(devicePtr(ptr)), "cuMemFree");
}

int32_t sto_cuda_memcpy(void *dst, const void *src, size_t bytes,
                        void *stream) {
  Entry e("sto_cuda_memcpy", Entry::Api);
  ContextScope scope;
  if (int32_t status = scope.enter(e))
    return status;
  if (bytes == 0)
    return STO_OK;
  if (!dst || !src)
    return e.fail(STO_ERROR_NULL_POINTER, "dst or src is NULL");
  CUstream s = static_cast<CUstream>(stream);
  // Async then synchronize, not cuMemcpy: a pageable host-to-device
  // cuMemcpy may return before the DMA ends, and work on non-blocking
  // streams (the pool's) would not wait for it.
  if (int32_t status =
          e.check(gFn.memcpyAsync(devicePtr(dst), devicePtr(src), bytes, s),
                  "cuMemcpyAsync"))
    return status;
  return finishOnNullStream(e, s);
}

int32_t sto_cuda_memset(void *dst, uint8_t value, size_t bytes, void *stream) {
  Entry e("sto_cuda_memset", Entry::Api);
  ContextScope scope;
  if (int32_t status = scope.enter(e))
    return status;
  if (bytes == 0)
    return STO_OK;
  if (!dst)
    return e.fail(STO_ERROR_NULL_POINTER, "dst is NULL");
  CUstream s = static_cast<CUstream>(stream);
  if (int32_t status =
          e.check(gFn.memsetD8Async(devicePtr(dst), value, bytes, s),
                  "cuMemsetD8Async"))
    return status;
  return finishOnNullStream(e, s);
}

int32_t sto_cuda_memset_u32(void *dst, uint32_t value, size_t count,
                            void *stream) {
  Entry e("sto_cuda_memset_u32", Entry::Api);
  ContextScope scope;
  if (int32_t status = scope.enter(e))
    return status;
  if (count == 0)
    return STO_OK;
  if (!dst)
    return e.fail(STO_ERROR_NULL_POINTER, "dst is NULL");
  if (reinterpret_cast<uintptr_t>(dst) % 4 != 0)
    return e.fail(STO_ERROR_INVALID_ARGUMENT, "dst %p is not 4-byte aligned",
                  dst);
  CUstream s = static_cast<CUstream>(stream);
  if (int32_t status =
          e.check(gFn.memsetD32Async(devicePtr(dst), value, count, s),
                  "cuMemsetD32Async"))
    return status;
  return finishOnNullStream(e, s);
}

int32_t sto_cuda_stream_create(void **stream) {
  Entry e("sto_cuda_stream_create", Entry::Api);
  if (stream)
    *stream = nullptr;
  ContextScope scope;
  if (int32_t status = scope.enter(e))
    return status;
  if (!stream)
    return e.fail(STO_ERROR_NULL_POINTER, "stream is NULL");
  CUstream s = nullptr;
  if (int32_t status = e.check(gFn.streamCreate(&s, CU_STREAM_NON_BLOCKING),
                               "cuStreamCreate"))
    return status;
  *stream = s;
  return STO_OK;
}

int32_t sto_cuda_stream_destroy(void *stream) {
  Entry e("sto_cuda_stream_destroy", Entry::Api);
  if (exiting())
    return STO_OK;
  ContextScope scope;
  if (int32_t status = scope.enter(e))
    return status;
  if (!stream)
    return e.fail(STO_ERROR_NULL_POINTER, "stream is NULL");
  if (isUserStream(static_cast<CUstream>(stream))) {
    tUserStream = nullptr; // do not leave this thread's setting dangling
    tUserFlags = 0;
  }
  if (int32_t status = releaseCachedBlocks(e, static_cast<CUstream>(stream)))
    return status;
  return e.check(gFn.streamDestroy(static_cast<CUstream>(stream)),
                 "cuStreamDestroy");
}

int32_t sto_cuda_stream_synchronize(void *stream) {
  Entry e("sto_cuda_stream_synchronize", Entry::Api);
  ContextScope scope;
  if (int32_t status = scope.enter(e))
    return status;
  return e.check(gFn.streamSynchronize(static_cast<CUstream>(stream)),
                 "cuStreamSynchronize");
}

int32_t sto_cuda_release_cached_memory(void) {
  Entry e("sto_cuda_release_cached_memory", Entry::Api);
  if (int32_t status = driverReady(e))
    return status;
  return releaseAllCachedBlocks(e, /*wait=*/false, nullptr);
}

int32_t sto_cuda_set_stream(void *stream, uint32_t flags) {
  Entry e("sto_cuda_set_stream", Entry::Api);
  if (int32_t status = driverReady(e))
    return status;
  if (flags & ~(uint32_t)STO_CUDA_STREAM_WAIT)
    return e.fail(STO_ERROR_INVALID_ARGUMENT, "unknown flags 0x%x", flags);
  CUstream previous = tUserStream;
  tUserStream = static_cast<CUstream>(stream);
  tUserFlags = stream ? flags : 0;
  // The blocks kept for the previous stream go back to the driver while
  // that stream surely still exists.
  if (previous && previous != tUserStream)
    return releaseCachedBlocks(e, previous);
  return STO_OK;
}

void *sto_cuda_get_stream(void) { return tUserStream; }

int32_t sto_cuda_last_error(void) { return tError.status; }

const char *sto_cuda_last_error_message(void) { return tError.message; }

void sto_cuda_clear_error(void) {
  tError.status = STO_OK;
  tError.message[0] = '\0';
}

int32_t sto_cuda_cublas_version(int32_t *version) {
  Entry e("sto_cuda_cublas_version", Entry::Api);
  if (version)
    *version = 0;
  if (int32_t status = blasReady(e))
    return status;
  if (!version)
    return e.fail(STO_ERROR_NULL_POINTER, "version is NULL");
  int major = 0, minor = 0, patch = 0;
  if (int32_t status =
          checkBlas(e, gBlas.getProperty(blas::MAJOR_VERSION, &major),
                    "cublasGetProperty"))
    return status;
  if (int32_t status =
          checkBlas(e, gBlas.getProperty(blas::MINOR_VERSION, &minor),
                    "cublasGetProperty"))
    return status;
  if (int32_t status = checkBlas(
          e, gBlas.getProperty(blas::PATCH_LEVEL, &patch), "cublasGetProperty"))
    return status;
  *version = major * 10000 + minor * 100 + patch;
  return STO_OK;
}

int32_t sto_cuda_sgemm(int32_t flags, int64_t batch, int64_t m, int64_t n,
                       int64_t k, float alpha, const float *a, int64_t lda,
                       int64_t stride_a, const float *b, int64_t ldb,
                       int64_t stride_b, float beta, float *c, int64_t ldc,
                       int64_t stride_c) {
  Entry e("sto_cuda_sgemm", Entry::Api);
  return sgemm(e, flags, batch, m, n, k, alpha, a, lda, stride_a, b, ldb,
               stride_b, beta, c, ldc, stride_c);
}

void sto_cuda_compiled_sgemm(int32_t flags, int64_t batch, int64_t m, int64_t n,
                             int64_t k, float alpha, const float *a,
                             int64_t lda, int64_t stride_a, const float *b,
                             int64_t ldb, int64_t stride_b, float beta,
                             float *c, int64_t ldc, int64_t stride_c) {
  // As the mgpu* functions: the thread keeps its first failure, which the
  // compiled entry point returns.
  Entry e("sto_cuda_compiled_sgemm", Entry::Mgpu);
  sgemm(e, flags, batch, m, n, k, alpha, a, lda, stride_a, b, ldb, stride_b,
        beta, c, ldc, stride_c);
}

void sto_emulated_sgemm(int32_t flags, int64_t batch, int64_t m, int64_t n,
                        int64_t k, float alpha, const float *a, int64_t lda,
                        int64_t stride_a, const float *b, int64_t ldb,
                        int64_t stride_b, float beta, float *c, int64_t ldc,
                        int64_t stride_c) {
  Entry e("sto_emulated_sgemm", Entry::Mgpu);
  ColumnMajorGemm g;
  bool empty;
  if (int32_t status =
          describeSgemm(e, flags, batch, m, n, k, a, lda, stride_a, b, ldb,
                        stride_b, c, ldc, stride_c, g, empty)) {
    // Host code: the entry point returns the CPU part's status.
    sto_record_error(status, tError.message);
    return;
  }
  if (!empty)
    hostColumnMajorSgemm(g, alpha, beta);
}

/// For tests: the cuBLAS symbols the runtime looks up, as the driver's.
const char *sto_cuda_internal_cublas_symbol(size_t index, int32_t *required) {
  struct Symbol {
    const char *name;
    int32_t required;
  };
  static const Symbol kSymbols[] = {
#define STO_CUBLAS_SYMBOL(field, symbol, req, ret, params) {#symbol, req},
      STO_CUBLAS_FUNCTIONS(STO_CUBLAS_SYMBOL)
#undef STO_CUBLAS_SYMBOL
  };
  if (index >= sizeof(kSymbols) / sizeof(kSymbols[0]))
    return nullptr;
  if (required)
    *required = kSymbols[index].required;
  return kSymbols[index].name;
}

/// For tests: the driver symbols the runtime looks up, in order; NULL past
/// the end. *required tells whether the runtime needs the symbol.
const char *sto_cuda_internal_driver_symbol(size_t index, int32_t *required) {
  struct Symbol {
    const char *name;
    int32_t required;
  };
  static const Symbol kSymbols[] = {
#define STO_CUDA_SYMBOL(field, symbol, req, ret, params) {#symbol, req},
      STO_CUDA_DRIVER_FUNCTIONS(STO_CUDA_SYMBOL)
#undef STO_CUDA_SYMBOL
  };
  if (index >= sizeof(kSymbols) / sizeof(kSymbols[0]))
    return nullptr;
  if (required)
    *required = kSymbols[index].required;
  return kSymbols[index].name;
}

} // extern "C"
