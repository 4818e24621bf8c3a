//===- FakeCudaDriver.cpp - A CUDA driver that runs on the host -----------===//
//
// libsto_fake_cuda.so: the part of the CUDA driver API that libsto_runtime
// uses (lib/Runtime/CudaDriver.h), implemented on the host so that the
// runtime's GPU paths run, and are checked, on machines without a GPU:
//
//   STO_CUDA_DRIVER=<build>/lib/libsto_fake_cuda.so \
//   STO_CUBLAS=<build>/lib/libsto_fake_cublas.so StoCudaRuntimeTests
//
// It is strict where the real driver is strict, and stricter where a real
// GPU would only misbehave later:
//
// - One or more devices (FAKE_CUDA_DEVICES, default 1) named "sto-fake
//   ...", sm_90 with an H200's limits. cuInit first, or
//   CUDA_ERROR_NOT_INITIALIZED.
// - Primary contexts (retained and released, reference counted) and a
//   context stack per thread (cuCtxSetCurrent / Push / Pop); every call
//   that needs a context fails with CUDA_ERROR_INVALID_CONTEXT without one,
//   and streams, modules and functions must be used in their own context.
// - Device memory lives at addresses that the host cannot dereference (a
//   reserved PROT_NONE range; its bytes are kept elsewhere), so host code
//   that touches device memory crashes as on a GPU, and addresses are never
//   reused, so that a stale pointer is always detected. New device memory
//   holds 0xff bytes (NaN floats), not zeros. Managed memory
//   (cuMemAllocManaged) is ordinary host memory. Copies, sets and kernels
//   check that every address they touch is inside a live allocation (or,
//   for copies, host memory).
// - Streams are queues: work enqueued on a stream runs when something
//   waits for it (cuStreamSynchronize, cuEventSynchronize, cuCtxSynchronize,
//   a stream waiting on an event of another, cuMemFree, cuStreamDestroy),
//   in stream order, and the legacy stream orders with blocking streams. A
//   missing synchronization therefore shows as missing results rather than
//   passing by luck. FAKE_CUDA_EAGER=1 runs work at once instead.
// - Work that fails when it runs (an address outside every allocation)
//   becomes the context's sticky error, returned by every later call that
//   needs the context, as after a device fault.
// - Modules: PTX (parsed: .version, .target, the .entry names, their
//   parameter lists and .maxntid/.reqntid), cubins and fatbins (the ELF's
//   .nv.info parameter records). Launches are checked (grid, block, shared
//   memory, clusters, the parameter array against the kernel's parameters,
//   which are copied at launch like the real driver does) and recorded; the
//   kernels of the runtime's checks (sto_test_axpy, sto_test_fill_index)
//   have host versions that run, any other kernel is recorded and does
//   nothing.
// - Failure injection: FAKE_CUDA_FAIL=<spec>[,<spec>...], each spec
//   <function>[:<n>[+]][=<status>]: the n-th call (counted from 1) of that
//   function, or every call from the n-th with "+", or every call without
//   ":<n>", fails with <status> (a CUresult or cublasStatus_t name or
//   number; by default CUDA_ERROR_UNKNOWN, CUBLAS_STATUS_EXECUTION_FAILED
//   for cuBLAS) and has no other effect. <function> is the exported symbol,
//   with or without its _v2 suffix (cuMemAlloc_v2 or cuMemAlloc).
// - FAKE_CUDA_LOG=<file> appends a line per load, launch, failure and
//   injected failure.
// - At exit (a handler registered by cuInit, as the real driver does) the
//   driver shuts down: later calls return CUDA_ERROR_DEINITIALIZED.
//
// Test hooks (FakeCuda.h) report live objects and the last launch.
//
//===----------------------------------------------------------------------===//

#include "CudaDriver.h"
#include "FakeCuda.h"
#include "FakeCudaInternal.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctype.h>
#include <deque>
#include <iterator>
#include <map>
#include <mutex>
#include <set>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <string>
#include <sys/mman.h>
#include <type_traits>
#include <vector>

// Every exported entry point has exactly the type the runtime looks it up
// with.
#define FAKE_CHECK_TYPE(field, symbol, required, ret, params)                  \
  extern "C" ret symbol params;                                                \
  static_assert(                                                               \
      std::is_same<decltype(&::symbol), sto::cuda::PFN_##field>::value,        \
      "type of " #symbol " differs from CudaDriver.h");
STO_CUDA_DRIVER_FUNCTIONS(FAKE_CHECK_TYPE)
#undef FAKE_CHECK_TYPE

#define FAKE_EXPORT extern "C" __attribute__((visibility("default")))

namespace {

constexpr int kMaxDevices = 8;
constexpr int kMaxContextDepth = 64;
constexpr int kDeviceArch = 90;
constexpr int kMaxThreadsPerBlock = 1024;
constexpr int kDefaultDynamicShared = 48 * 1024;
constexpr int kMaxSharedOptin = 227 * 1024;
constexpr uint64_t kTotalMemory = 141ull << 30; // an H200's
constexpr uint64_t kReservation = 1ull << 40;   // address space, not memory
constexpr uint64_t kAllocAlignment = 512;

//===----------------------------------------------------------------------===//
// Status names
//===----------------------------------------------------------------------===//

struct StatusInfo {
  int code;
  const char *name;
  const char *text;
};

const StatusInfo kDriverStatuses[] = {
    {CUDA_SUCCESS, "CUDA_SUCCESS", "no error"},
    {CUDA_ERROR_INVALID_VALUE, "CUDA_ERROR_INVALID_VALUE", "invalid argument"},
    {CUDA_ERROR_OUT_OF_MEMORY, "CUDA_ERROR_OUT_OF_MEMORY", "out of memory"},
    {CUDA_ERROR_NOT_INITIALIZED, "CUDA_ERROR_NOT_INITIALIZED",
     "initialization error"},
    {CUDA_ERROR_DEINITIALIZED, "CUDA_ERROR_DEINITIALIZED",
     "driver shutting down"},
    {CUDA_ERROR_STUB_LIBRARY, "CUDA_ERROR_STUB_LIBRARY",
     "CUDA driver is a stub library"},
    {CUDA_ERROR_CALL_REQUIRES_NEWER_DRIVER,
     "CUDA_ERROR_CALL_REQUIRES_NEWER_DRIVER",
     "API call is not supported in the installed CUDA driver"},
    {CUDA_ERROR_DEVICE_UNAVAILABLE, "CUDA_ERROR_DEVICE_UNAVAILABLE",
     "CUDA-capable device(s) is/are busy or unavailable"},
    {CUDA_ERROR_NO_DEVICE, "CUDA_ERROR_NO_DEVICE",
     "no CUDA-capable device is detected"},
    {CUDA_ERROR_INVALID_DEVICE, "CUDA_ERROR_INVALID_DEVICE",
     "invalid device ordinal"},
    {CUDA_ERROR_INVALID_IMAGE, "CUDA_ERROR_INVALID_IMAGE",
     "device kernel image is invalid"},
    {CUDA_ERROR_INVALID_CONTEXT, "CUDA_ERROR_INVALID_CONTEXT",
     "invalid device context"},
    {CUDA_ERROR_NO_BINARY_FOR_GPU, "CUDA_ERROR_NO_BINARY_FOR_GPU",
     "no kernel image is available for execution on the device"},
    {CUDA_ERROR_INVALID_PTX, "CUDA_ERROR_INVALID_PTX",
     "a PTX JIT compilation failed"},
    {CUDA_ERROR_JIT_COMPILER_NOT_FOUND, "CUDA_ERROR_JIT_COMPILER_NOT_FOUND",
     "PTX JIT compiler library not found"},
    {CUDA_ERROR_UNSUPPORTED_PTX_VERSION, "CUDA_ERROR_UNSUPPORTED_PTX_VERSION",
     "the provided PTX was compiled with an unsupported toolchain."},
    {CUDA_ERROR_INVALID_HANDLE, "CUDA_ERROR_INVALID_HANDLE",
     "invalid resource handle"},
    {CUDA_ERROR_NOT_FOUND, "CUDA_ERROR_NOT_FOUND", "named symbol not found"},
    {CUDA_ERROR_NOT_READY, "CUDA_ERROR_NOT_READY", "device not ready"},
    {CUDA_ERROR_ILLEGAL_ADDRESS, "CUDA_ERROR_ILLEGAL_ADDRESS",
     "an illegal memory access was encountered"},
    {CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES, "CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES",
     "too many resources requested for launch"},
    {CUDA_ERROR_LAUNCH_TIMEOUT, "CUDA_ERROR_LAUNCH_TIMEOUT",
     "the launch timed out and was terminated"},
    {CUDA_ERROR_CONTEXT_IS_DESTROYED, "CUDA_ERROR_CONTEXT_IS_DESTROYED",
     "context is destroyed"},
    {CUDA_ERROR_HOST_MEMORY_ALREADY_REGISTERED,
     "CUDA_ERROR_HOST_MEMORY_ALREADY_REGISTERED",
     "part or all of the requested memory range is already mapped"},
    {CUDA_ERROR_HOST_MEMORY_NOT_REGISTERED,
     "CUDA_ERROR_HOST_MEMORY_NOT_REGISTERED",
     "pointer does not correspond to a registered memory region"},
    {CUDA_ERROR_MISALIGNED_ADDRESS, "CUDA_ERROR_MISALIGNED_ADDRESS",
     "misaligned address"},
    {CUDA_ERROR_LAUNCH_FAILED, "CUDA_ERROR_LAUNCH_FAILED",
     "unspecified launch failure"},
    {CUDA_ERROR_NOT_PERMITTED, "CUDA_ERROR_NOT_PERMITTED",
     "operation not permitted"},
    {CUDA_ERROR_NOT_SUPPORTED, "CUDA_ERROR_NOT_SUPPORTED",
     "operation not supported"},
    {CUDA_ERROR_SYSTEM_NOT_READY, "CUDA_ERROR_SYSTEM_NOT_READY",
     "system not yet initialized"},
    {CUDA_ERROR_SYSTEM_DRIVER_MISMATCH, "CUDA_ERROR_SYSTEM_DRIVER_MISMATCH",
     "system has unsupported display driver / cuda driver combination"},
    {CUDA_ERROR_COMPAT_NOT_SUPPORTED_ON_DEVICE,
     "CUDA_ERROR_COMPAT_NOT_SUPPORTED_ON_DEVICE",
     "forward compatibility was attempted on non supported HW"},
    {CUDA_ERROR_INVALID_CLUSTER_SIZE, "CUDA_ERROR_INVALID_CLUSTER_SIZE",
     "invalid cluster size"},
    {CUDA_ERROR_UNKNOWN, "CUDA_ERROR_UNKNOWN", "unknown error"},
};

// cuBLAS statuses, so that FAKE_CUDA_FAIL can name them.
const StatusInfo kBlasStatuses[] = {
    {1, "CUBLAS_STATUS_NOT_INITIALIZED", nullptr},
    {3, "CUBLAS_STATUS_ALLOC_FAILED", nullptr},
    {7, "CUBLAS_STATUS_INVALID_VALUE", nullptr},
    {8, "CUBLAS_STATUS_ARCH_MISMATCH", nullptr},
    {11, "CUBLAS_STATUS_MAPPING_ERROR", nullptr},
    {13, "CUBLAS_STATUS_EXECUTION_FAILED", nullptr},
    {14, "CUBLAS_STATUS_INTERNAL_ERROR", nullptr},
    {15, "CUBLAS_STATUS_NOT_SUPPORTED", nullptr},
    {16, "CUBLAS_STATUS_LICENSE_ERROR", nullptr},
};

const StatusInfo *driverStatus(int code) {
  for (const StatusInfo &s : kDriverStatuses)
    if (s.code == code)
      return &s;
  return nullptr;
}

std::string statusName(int code) {
  if (const StatusInfo *s = driverStatus(code))
    return s->name;
  return "CUresult " + std::to_string(code);
}

//===----------------------------------------------------------------------===//
// Objects
//===----------------------------------------------------------------------===//

struct Context;
struct Event;

struct Op {
  enum Kind { Work, Record, Wait } kind = Work;
  std::string what;
  std::function<CUresult(std::string &)> work;
  Event *event = nullptr;
  uint64_t generation = 0;
  struct Stream *waitOn = nullptr;
};

struct Stream {
  Context *ctx = nullptr;
  unsigned flags = 0;
  bool isNull = false;
  std::deque<Op> queue;
};

struct Event {
  Context *ctx = nullptr;
  unsigned flags = 0;
  uint64_t recorded = 0, completed = 0;
  Stream *lastStream = nullptr;
  std::chrono::steady_clock::time_point time;
};

struct Pool {
  int device = 0;
  uint64_t releaseThreshold = 0;
};

struct Context {
  int device = 0;
  int retains = 0;
  bool active = false;
  Stream nullStream;
  CUresult sticky = CUDA_SUCCESS;
  std::string stickyWhy;
};

struct Device {
  Context ctx;
  Pool pool;
};

enum class MemKind { Device, Managed, Pool };

struct Allocation {
  uintptr_t base = 0;
  size_t size = 0;
  unsigned char *bytes = nullptr;
  MemKind kind = MemKind::Device;
  int device = 0;
  bool freeEnqueued = false;
};

struct Param {
  uint32_t offset, size;
};

struct Kernel {
  std::string name;
  bool knownParams = false;
  std::vector<Param> params; // offsets in the parameter buffer
  uint32_t paramBytes = 0;
  uint32_t maxThreads = 0; // .maxntid / .reqntid product, 0 if none
};

struct Module;
struct Function {
  Module *module = nullptr;
  Kernel kernel;
  int maxDynamicShared = kDefaultDynamicShared;
  bool nonPortableCluster = false;
};

struct Module {
  Context *ctx = nullptr;
  std::string kind;
  std::vector<Function *> functions;
};

struct FailSpec {
  std::string name;
  int64_t first = 1, last = INT64_MAX;
  int status = 0;
};

struct State {
  std::recursive_mutex mutex;
  bool initialized = false, deinitialized = false;
  int numDevices = 1;
  int driverVersion = 13000;
  bool eager = false, memoryPools = true;
  FILE *log = nullptr;
  Device devices[kMaxDevices];
  uintptr_t reserveBase = 0;
  uint64_t reserveNext = 0;
  std::map<uintptr_t, Allocation *> allocations;
  uint64_t liveBytes = 0;
  std::map<uintptr_t, size_t> registered;
  std::set<Stream *> streams;
  std::set<Event *> events;
  std::set<Module *> modules;
  std::set<Function *> functions;
  // Destroyed objects, never freed so that a stale handle never names a new
  // object (and still reachable, for LeakSanitizer).
  std::vector<void *> graveyard;
  std::vector<FailSpec> failures;
  std::map<std::string, int64_t> calls;
  // sto_fake_cuda_call_hook_once: the entry point and what to run there.
  std::string hookSymbol;
  void (*hook)(void *) = nullptr;
  void *hookArg = nullptr;
  sto_fake_cuda_stats stats{};
  sto_fake_cuda_launch lastLaunch{};
  bool haveLaunch = false;

  State();
};

int parseStatus(const std::string &text) {
  if (text.empty())
    return 0;
  char *end = nullptr;
  long value = strtol(text.c_str(), &end, 0);
  if (end && *end == '\0')
    return (int)value;
  for (const StatusInfo &s : kDriverStatuses)
    if (text == s.name)
      return s.code;
  for (const StatusInfo &s : kBlasStatuses)
    if (text == s.name)
      return s.code;
  fprintf(stderr, "fake-cuda: FAKE_CUDA_FAIL: unknown status '%s'\n",
          text.c_str());
  return (int)CUDA_ERROR_UNKNOWN;
}

State::State() {
  if (const char *path = getenv("FAKE_CUDA_LOG")) {
    log = fopen(path, "a");
    if (log)
      setvbuf(log, nullptr, _IOLBF, 0);
  }
  if (const char *n = getenv("FAKE_CUDA_DEVICES"))
    numDevices = std::max(0, std::min(kMaxDevices, atoi(n)));
  if (const char *v = getenv("FAKE_CUDA_DRIVER_VERSION"))
    driverVersion = atoi(v);
  if (const char *e = getenv("FAKE_CUDA_EAGER"))
    eager = atoi(e) != 0;
  if (const char *p = getenv("FAKE_CUDA_NO_POOLS"))
    memoryPools = atoi(p) == 0;
  if (const char *spec = getenv("FAKE_CUDA_FAIL")) {
    std::string all = spec;
    size_t start = 0;
    while (start <= all.size()) {
      size_t comma = all.find(',', start);
      std::string item =
          all.substr(start, comma == std::string::npos ? std::string::npos
                                                       : comma - start);
      start = comma == std::string::npos ? all.size() + 1 : comma + 1;
      if (item.empty())
        continue;
      FailSpec f;
      size_t eq = item.find('=');
      if (eq != std::string::npos) {
        f.status = parseStatus(item.substr(eq + 1));
        item = item.substr(0, eq);
      }
      size_t colon = item.find(':');
      if (colon != std::string::npos) {
        std::string count = item.substr(colon + 1);
        bool onwards = !count.empty() && count.back() == '+';
        if (onwards)
          count.pop_back();
        f.first = std::max(1L, atol(count.c_str()));
        f.last = onwards ? INT64_MAX : f.first;
        item = item.substr(0, colon);
      }
      f.name = item;
      failures.push_back(f);
    }
  }
  for (int d = 0; d < kMaxDevices; ++d) {
    devices[d].ctx.device = d;
    devices[d].ctx.nullStream.ctx = &devices[d].ctx;
    devices[d].ctx.nullStream.isNull = true;
    devices[d].pool.device = d;
  }
}

// Never destroyed: the runtime may call the driver from exit handlers and
// destructors that run after this library's static destructors.
State &state() {
  static State *s = new State;
  return *s;
}

thread_local Context *tStack[kMaxContextDepth];
thread_local int tDepth = 0;
thread_local const char *tSymbol = "";
thread_local char tMessage[2048];

Context *current() { return tDepth ? tStack[tDepth - 1] : nullptr; }

void logLine(const std::string &line) {
  State &s = state();
  if (s.log)
    fprintf(s.log, "%s\n", line.c_str());
}

/// Fails the current call: `status` with a message saying why.
[[gnu::format(printf, 2, 3)]] CUresult fail(CUresult status, const char *fmt,
                                            ...) {
  char detail[1536];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(detail, sizeof(detail), fmt, ap);
  va_end(ap);
  snprintf(tMessage, sizeof(tMessage), "%s: %s: %s", tSymbol,
           statusName(status).c_str(), detail);
  logLine(std::string("error ") + tMessage);
  return status;
}

/// symbol without its version suffix: cuStreamDestroy for
/// cuStreamDestroy_v2.
std::string unversioned(const char *symbol) {
  std::string plain = symbol;
  size_t v = plain.rfind("_v");
  if (v != std::string::npos && v + 2 < plain.size() &&
      plain.find_first_not_of("0123456789", v + 2) == std::string::npos)
    plain = plain.substr(0, v);
  return plain;
}

int injected(State &s, const char *symbol, int defaultStatus) {
  if (s.hook &&
      (s.hookSymbol == symbol || s.hookSymbol == unversioned(symbol))) {
    // Once, and cleared first: the hook may call this entry point itself.
    void (*hook)(void *) = s.hook;
    s.hook = nullptr;
    hook(s.hookArg);
  }
  if (s.failures.empty())
    return 0;
  int64_t call = ++s.calls[symbol];
  std::string plain = unversioned(symbol);
  for (const FailSpec &f : s.failures) {
    if ((f.name == symbol || f.name == plain) && call >= f.first &&
        call <= f.last) {
      int status = f.status ? f.status : defaultStatus;
      ++s.stats.injectedFailures;
      snprintf(tMessage, sizeof(tMessage),
               "%s: call %lld failed by FAKE_CUDA_FAIL with %d", symbol,
               (long long)call, status);
      logLine(std::string("inject ") + tMessage);
      return status;
    }
  }
  return 0;
}

/// What an entry point needs before it runs.
enum Needs {
  Nothing,    // works always (cuGetErrorName, ...)
  Running,    // works before cuInit, not after the exit-time shutdown
  Initialized // needs cuInit (most)
};

/// Starts an entry point: the lock, failure injection, initialization.
class Call {
public:
  Call(const char *symbol, Needs needs = Initialized)
      : lock(state().mutex), s(state()) {
    tSymbol = symbol;
    if (int status = injected(s, symbol, CUDA_ERROR_UNKNOWN)) {
      result = (CUresult)status;
      return;
    }
    if (needs == Nothing)
      return;
    if (s.deinitialized) {
      result = fail(CUDA_ERROR_DEINITIALIZED,
                    "called after the driver shut down (process exit)");
      return;
    }
    if (needs == Initialized && !s.initialized)
      result = fail(CUDA_ERROR_NOT_INITIALIZED, "cuInit has not been called");
  }

  /// The current context, usable; or the failure.
  CUresult context(Context *&ctx) {
    ctx = current();
    if (!ctx)
      return fail(CUDA_ERROR_INVALID_CONTEXT,
                  "no context is current in this thread");
    if (!ctx->active)
      return fail(CUDA_ERROR_CONTEXT_IS_DESTROYED,
                  "the current context (device %d) was released", ctx->device);
    if (ctx->sticky) {
      snprintf(tMessage, sizeof(tMessage), "%s: %s (sticky, from: %s)", tSymbol,
               statusName(ctx->sticky).c_str(), ctx->stickyWhy.c_str());
      return ctx->sticky;
    }
    return CUDA_SUCCESS;
  }

  std::lock_guard<std::recursive_mutex> lock;
  State &s;
  CUresult result = CUDA_SUCCESS;
};

#define FAKE_ENTER(symbol, ...)                                                \
  Call call(#symbol, ##__VA_ARGS__);                                           \
  State &s = call.s;                                                           \
  (void)s;                                                                     \
  if (call.result)                                                             \
  return call.result

Context *lookupContext(State &s, CUcontext handle) {
  for (int d = 0; d < s.numDevices; ++d)
    if (reinterpret_cast<CUcontext>(&s.devices[d].ctx) == handle)
      return &s.devices[d].ctx;
  return nullptr;
}

template <typename T, typename H> T *lookup(const std::set<T *> &live, H h) {
  T *p = reinterpret_cast<T *>(h);
  return live.count(p) ? p : nullptr;
}

//===----------------------------------------------------------------------===//
// Memory
//===----------------------------------------------------------------------===//

Allocation *findAllocation(State &s, uintptr_t p) {
  auto it = s.allocations.upper_bound(p);
  if (it == s.allocations.begin())
    return nullptr;
  --it;
  Allocation *a = it->second;
  return p >= a->base && p < a->base + a->size ? a : nullptr;
}

bool inReservation(State &s, uintptr_t p) {
  return s.reserveBase && p >= s.reserveBase &&
         p < s.reserveBase + kReservation;
}

std::string hex(uintptr_t p) {
  char buf[32];
  snprintf(buf, sizeof(buf), "0x%llx", (unsigned long long)p);
  return buf;
}

enum class Access {
  Copy,  // cuMemcpy: device, managed, registered or pageable host memory
  Device // kernels, memsets, cuBLAS: device-accessible memory only
};

/// The host address of [p, p + bytes), or nullptr with why.
void *resolve(State &s, uintptr_t p, size_t bytes, Access access,
              std::string &why) {
  if (!p) {
    why = "NULL address";
    return nullptr;
  }
  if (Allocation *a = findAllocation(s, p)) {
    if (bytes > a->base + a->size - p) {
      why = hex(p) + " + " + std::to_string(bytes) + " bytes overruns the " +
            std::to_string(a->size) + "-byte allocation at " + hex(a->base);
      return nullptr;
    }
    return a->bytes + (p - a->base);
  }
  if (inReservation(s, p)) {
    why = hex(p) + " is not in any live device allocation (freed, or never "
                   "allocated)";
    return nullptr;
  }
  auto it = s.registered.upper_bound(p);
  if (it != s.registered.begin()) {
    --it;
    if (p >= it->first && p < it->first + it->second) {
      if (bytes > it->first + it->second - p) {
        why = hex(p) + " + " + std::to_string(bytes) +
              " bytes overruns the registered host range at " + hex(it->first);
        return nullptr;
      }
      return reinterpret_cast<void *>(p);
    }
  }
  if (access == Access::Copy)
    return reinterpret_cast<void *>(p);
  why = hex(p) + " is pageable host memory, which the device cannot access";
  return nullptr;
}

CUresult allocate(State &s, size_t bytes, MemKind kind, int device,
                  CUdeviceptr *out) {
  if (!out)
    return fail(CUDA_ERROR_INVALID_VALUE, "the result pointer is NULL");
  if (bytes == 0)
    return fail(CUDA_ERROR_INVALID_VALUE, "0 bytes");
  if (bytes > kTotalMemory - s.liveBytes)
    return fail(CUDA_ERROR_OUT_OF_MEMORY,
                "%zu bytes requested, %llu of %llu in use", bytes,
                (unsigned long long)s.liveBytes,
                (unsigned long long)kTotalMemory);
  auto *a = new Allocation;
  a->size = bytes;
  a->kind = kind;
  a->device = device;
  if (kind == MemKind::Managed) {
    size_t rounded = (bytes + 4095) & ~(size_t)4095;
    a->bytes = static_cast<unsigned char *>(aligned_alloc(4096, rounded));
    if (a->bytes)
      memset(a->bytes, 0, bytes);
    a->base = reinterpret_cast<uintptr_t>(a->bytes);
  } else {
    if (!s.reserveBase) {
      void *r = mmap(nullptr, kReservation, PROT_NONE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
      if (r == MAP_FAILED) {
        delete a;
        return fail(CUDA_ERROR_OUT_OF_MEMORY,
                    "cannot reserve the fake device address space");
      }
      s.reserveBase = reinterpret_cast<uintptr_t>(r);
    }
    // A gap after every allocation: an overrun never lands in the next one.
    uint64_t span =
        (bytes + kAllocAlignment - 1) / kAllocAlignment * kAllocAlignment +
        kAllocAlignment;
    if (span > kReservation - s.reserveNext) {
      delete a;
      return fail(CUDA_ERROR_OUT_OF_MEMORY,
                  "the fake device address space is used up");
    }
    a->base = s.reserveBase + s.reserveNext;
    s.reserveNext += span;
    a->bytes = static_cast<unsigned char *>(malloc(bytes));
    if (a->bytes)
      memset(a->bytes, 0xff, bytes); // uninitialized device memory
  }
  if (!a->bytes) {
    delete a;
    return fail(CUDA_ERROR_OUT_OF_MEMORY, "host memory for %zu bytes", bytes);
  }
  s.allocations[a->base] = a;
  s.liveBytes += bytes;
  ++s.stats.allocations;
  s.stats.allocatedBytes += bytes;
  *out = a->base;
  return CUDA_SUCCESS;
}

void release(State &s, Allocation *a) {
  s.allocations.erase(a->base);
  s.liveBytes -= a->size;
  --s.stats.allocations;
  s.stats.allocatedBytes -= a->size;
  free(a->bytes);
  delete a;
}

//===----------------------------------------------------------------------===//
// Streams
//===----------------------------------------------------------------------===//

void drain(State &s, Stream *stream, Event *until = nullptr,
           uint64_t generation = 0);

void execute(State &s, Stream *stream, Op &op) {
  switch (op.kind) {
  case Op::Work: {
    Context *ctx = stream->ctx;
    if (ctx->sticky)
      return; // a faulted context runs nothing more
    std::string why;
    if (CUresult r = op.work(why)) {
      ctx->sticky = r;
      ctx->stickyWhy = op.what + ": " + why;
      ++s.stats.faults;
      logLine("fault " + statusName(r) + " in " + ctx->stickyWhy);
      fprintf(stderr, "fake-cuda: device fault (%s) in %s\n",
              statusName(r).c_str(), ctx->stickyWhy.c_str());
    }
    return;
  }
  case Op::Record:
    op.event->completed = std::max(op.event->completed, op.generation);
    op.event->time = std::chrono::steady_clock::now();
    return;
  case Op::Wait:
    if (op.event->completed < op.generation && op.waitOn)
      drain(s, op.waitOn, op.event, op.generation);
    return;
  }
}

void drain(State &s, Stream *stream, Event *until, uint64_t generation) {
  while (!stream->queue.empty()) {
    if (until && until->completed >= generation)
      return;
    Op op = std::move(stream->queue.front());
    stream->queue.pop_front();
    --s.stats.pendingOps;
    execute(s, stream, op);
  }
}

void drainContext(State &s, Context *ctx) {
  drain(s, &ctx->nullStream);
  for (Stream *t : s.streams)
    if (t->ctx == ctx)
      drain(s, t);
}

void drainAll(State &s) {
  for (int d = 0; d < s.numDevices; ++d)
    drainContext(s, &s.devices[d].ctx);
}

void push(State &s, Stream *stream, Op op) {
  // The legacy stream waits for blocking streams and they wait for it.
  if (stream->isNull) {
    for (Stream *t : s.streams)
      if (t->ctx == stream->ctx && !(t->flags & CU_STREAM_NON_BLOCKING))
        drain(s, t);
  } else if (!(stream->flags & CU_STREAM_NON_BLOCKING)) {
    drain(s, &stream->ctx->nullStream);
  }
  stream->queue.push_back(std::move(op));
  ++s.stats.pendingOps;
  if (s.eager)
    drain(s, stream);
}

void enqueueWork(State &s, Stream *stream, std::string what,
                 std::function<CUresult(std::string &)> work) {
  Op op;
  op.kind = Op::Work;
  op.what = std::move(what);
  op.work = std::move(work);
  push(s, stream, std::move(op));
}

/// The stream of a handle in ctx (NULL and the legacy and per-thread
/// handles are the legacy stream).
CUresult resolveStream(State &s, Context *ctx, CUstream handle,
                       Stream *&stream) {
  uintptr_t h = reinterpret_cast<uintptr_t>(handle);
  if (h == 0 || h == 1 || h == 2) {
    stream = &ctx->nullStream;
    return CUDA_SUCCESS;
  }
  stream = lookup(s.streams, handle);
  if (!stream)
    return fail(CUDA_ERROR_INVALID_HANDLE,
                "stream %p is not a live stream (destroyed, or never created)",
                (void *)handle);
  if (stream->ctx != ctx)
    return fail(CUDA_ERROR_INVALID_HANDLE,
                "stream %p belongs to the context of device %d, but the "
                "current context is device %d's",
                (void *)handle, stream->ctx->device, ctx->device);
  return CUDA_SUCCESS;
}

//===----------------------------------------------------------------------===//
// Images
//===----------------------------------------------------------------------===//

struct Image {
  std::string kind;
  std::vector<Kernel> kernels;
};

/// PTX: strips comments, then reads .version, .target and the entries.
CUresult parsePtx(const char *text, Image &image, std::string &log) {
  std::string src;
  for (const char *p = text; *p;) {
    if (p[0] == '/' && p[1] == '/') {
      while (*p && *p != '\n')
        ++p;
    } else if (p[0] == '/' && p[1] == '*') {
      const char *end = strstr(p + 2, "*/");
      p = end ? end + 2 : p + strlen(p);
      src += ' ';
    } else {
      src += *p++;
    }
  }
  // Tokens: identifiers/directives/numbers, and single punctuation.
  std::vector<std::string> tokens;
  for (size_t i = 0; i < src.size();) {
    unsigned char c = src[i];
    if (isspace(c)) {
      ++i;
    } else if (isalnum(c) || c == '.' || c == '_' || c == '$' || c == '%') {
      size_t j = i;
      while (j < src.size() &&
             (isalnum((unsigned char)src[j]) || src[j] == '.' ||
              src[j] == '_' || src[j] == '$' || src[j] == '%'))
        ++j;
      tokens.push_back(src.substr(i, j - i));
      i = j;
    } else {
      tokens.push_back(std::string(1, (char)c));
      ++i;
    }
  }
  auto syntaxError = [&](const std::string &near) {
    log = "ptxas application ptx input, line 1; fatal   : Parsing error near "
          "'" +
          near +
          "': syntax error\nptxas fatal   : Ptx assembly aborted due "
          "to errors";
    return CUDA_ERROR_INVALID_PTX;
  };
  if (tokens.empty() || tokens[0] != ".version")
    return syntaxError(tokens.empty() ? "" : tokens[0]);
  if (tokens.size() < 2)
    return syntaxError(".version");
  int major = 0, minor = 0;
  if (sscanf(tokens[1].c_str(), "%d.%d", &major, &minor) != 2)
    return syntaxError(tokens[1]);
  if (major * 10 + minor > 90) {
    log = "ptxas application ptx input, line 1; fatal   : Unsupported "
          ".version " +
          tokens[1] + "; current version is '9.0'";
    return CUDA_ERROR_UNSUPPORTED_PTX_VERSION;
  }
  bool haveTarget = false;
  for (size_t i = 2; i + 1 < tokens.size(); ++i) {
    if (tokens[i] != ".target")
      continue;
    haveTarget = true;
    int arch = 0;
    char suffix = 0;
    if (sscanf(tokens[i + 1].c_str(), "sm_%d%c", &arch, &suffix) < 1)
      return syntaxError(tokens[i + 1]);
    if (arch > kDeviceArch || (suffix == 'a' && arch != kDeviceArch)) {
      log = "ptxas fatal   : SM version specified by .target (" +
            tokens[i + 1] + ") is not supported by this device (sm_90)";
      return CUDA_ERROR_INVALID_PTX;
    }
    break;
  }
  if (!haveTarget)
    return syntaxError(".target missing");
  auto typeSize = [](const std::string &t) -> uint32_t {
    if (t == ".u8" || t == ".s8" || t == ".b8")
      return 1;
    if (t == ".u16" || t == ".s16" || t == ".b16" || t == ".f16" ||
        t == ".bf16")
      return 2;
    if (t == ".u32" || t == ".s32" || t == ".b32" || t == ".f32")
      return 4;
    if (t == ".u64" || t == ".s64" || t == ".b64" || t == ".f64")
      return 8;
    return 0;
  };
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (tokens[i] != ".entry")
      continue;
    if (i + 1 >= tokens.size())
      return syntaxError(".entry");
    Kernel k;
    k.name = tokens[i + 1];
    k.knownParams = true;
    size_t j = i + 2;
    if (j < tokens.size() && tokens[j] == "(") {
      ++j;
      while (j < tokens.size() && tokens[j] != ")") {
        // One parameter, up to ',' or ')'.
        uint32_t size = 0, align = 0, count = 1;
        bool sawParam = false;
        for (; j < tokens.size() && tokens[j] != "," && tokens[j] != ")"; ++j) {
          const std::string &t = tokens[j];
          if (t == ".param")
            sawParam = true;
          else if (t == ".align" && j + 1 < tokens.size())
            align = (uint32_t)atoi(tokens[++j].c_str());
          else if (typeSize(t))
            size = typeSize(t);
          else if (t == "[" && j + 1 < tokens.size())
            count = (uint32_t)atoi(tokens[++j].c_str());
        }
        if (!sawParam || !size)
          return syntaxError(k.name + " parameters");
        if (!align)
          align = size;
        uint32_t offset = (k.paramBytes + align - 1) / align * align;
        k.params.push_back({offset, size * count});
        k.paramBytes = offset + size * count;
        if (j < tokens.size() && tokens[j] == ",")
          ++j;
      }
      if (j >= tokens.size())
        return syntaxError(k.name);
      ++j;
    }
    // Performance directives up to the body.
    for (; j < tokens.size() && tokens[j] != "{" && tokens[j] != ";"; ++j) {
      if (tokens[j] == ".maxntid" || tokens[j] == ".reqntid") {
        uint32_t product = 1;
        size_t m = j + 1;
        for (int d = 0; d < 3 && m < tokens.size(); ++d) {
          product *= (uint32_t)atoi(tokens[m].c_str());
          if (m + 1 < tokens.size() && tokens[m + 1] == ",")
            m += 2;
          else
            break;
        }
        k.maxThreads = product;
      }
    }
    image.kernels.push_back(k);
  }
  return CUDA_SUCCESS;
}

/// A cubin (ELF): the kernels are the .nv.info.<name> sections; their
/// EIATTR_KPARAM_INFO records give the parameters.
CUresult parseCubin(const unsigned char *elf, size_t size, Image &image,
                    std::string &log) {
  auto u16 = [&](size_t o) {
    uint16_t v;
    memcpy(&v, elf + o, 2);
    return v;
  };
  auto u32 = [&](size_t o) {
    uint32_t v;
    memcpy(&v, elf + o, 4);
    return v;
  };
  auto u64 = [&](size_t o) {
    uint64_t v;
    memcpy(&v, elf + o, 8);
    return v;
  };
  if (size < 64 || elf[4] != 2 /* ELFCLASS64 */ || u16(18) != 190) {
    log = "not a 64-bit CUDA ELF image";
    return CUDA_ERROR_INVALID_IMAGE;
  }
  uint32_t flags = u32(48);
  int arch = elf[8] >= 8 ? (int)((flags >> 8) & 0xff) : (int)(flags & 0xff);
  if (arch != kDeviceArch) {
    log = "the cubin is for sm_" + std::to_string(arch) + ", not sm_90";
    return CUDA_ERROR_NO_BINARY_FOR_GPU;
  }
  uint64_t shoff = u64(40);
  uint16_t shentsize = u16(58), shnum = u16(60), shstrndx = u16(62);
  if (shoff + (uint64_t)shnum * shentsize > size || shstrndx >= shnum) {
    log = "truncated ELF section table";
    return CUDA_ERROR_INVALID_IMAGE;
  }
  uint64_t strOff = u64(shoff + shstrndx * shentsize + 24);
  for (uint16_t i = 0; i < shnum; ++i) {
    size_t sh = shoff + (size_t)i * shentsize;
    uint32_t nameOff = u32(sh);
    uint64_t off = u64(sh + 24), len = u64(sh + 32);
    if (strOff + nameOff >= size || off + len > size)
      continue;
    const char *name = reinterpret_cast<const char *>(elf + strOff + nameOff);
    static const char kPrefix[] = ".nv.info.";
    if (strncmp(name, kPrefix, sizeof(kPrefix) - 1) != 0)
      continue;
    Kernel k;
    k.name = name + sizeof(kPrefix) - 1;
    k.knownParams = true;
    std::map<uint16_t, Param> byOrdinal;
    for (size_t p = off; p + 4 <= off + len;) {
      uint8_t format = elf[p], attribute = elf[p + 1];
      if (format == 4) { // EIFMT_SVAL: u16 size, then the value
        uint16_t valueSize = u16(p + 2);
        if (attribute == 0x17 && valueSize >= 12) { // EIATTR_KPARAM_INFO
          uint16_t ordinal = u16(p + 8), offset = u16(p + 10);
          uint32_t packed = u32(p + 12);
          byOrdinal[ordinal] = {offset, (packed >> 18) & 0x3fff};
        }
        p += 4 + valueSize;
      } else if (format == 1 || format == 2 || format == 3) {
        p += 4;
      } else {
        k.knownParams = false; // a record this parser does not know
        break;
      }
    }
    for (auto &entry : byOrdinal) {
      k.params.push_back(entry.second);
      k.paramBytes =
          std::max(k.paramBytes, entry.second.offset + entry.second.size);
    }
    image.kernels.push_back(k);
  }
  return CUDA_SUCCESS;
}

/// A fatbin: the sm_90 cubin if there is one, else uncompressed PTX for an
/// architecture up to sm_90.
CUresult parseFatbin(const unsigned char *data, Image &image,
                     std::string &log) {
  uint16_t headerSize;
  uint64_t fatSize;
  memcpy(&headerSize, data + 6, 2);
  memcpy(&fatSize, data + 8, 8);
  const unsigned char *ptx = nullptr;
  size_t ptxSize = 0;
  int ptxArch = -1;
  for (uint64_t off = headerSize; off + 64 <= headerSize + fatSize;) {
    const unsigned char *e = data + off;
    uint16_t kind;
    uint32_t entryHeader, arch;
    uint64_t payload, entryFlags;
    memcpy(&kind, e, 2);
    memcpy(&entryHeader, e + 4, 4);
    memcpy(&payload, e + 8, 8);
    memcpy(&arch, e + 28, 4);
    memcpy(&entryFlags, e + 40, 8);
    uint64_t uncompressedSize;
    memcpy(&uncompressedSize, e + 56, 8);
    // FATBIN_FLAG_COMPRESS (0x2000) and the newer compression (0x8000).
    bool compressed = (entryFlags & 0xa000) ||
                      (uncompressedSize && uncompressedSize != payload);
    const unsigned char *body = e + entryHeader;
    if (kind == 2 && (int)arch == kDeviceArch && !compressed) {
      image.kind = "fatbin/cubin";
      return parseCubin(body, payload, image, log);
    }
    if (kind == 1 && (int)arch <= kDeviceArch && !compressed &&
        (int)arch > ptxArch) {
      ptx = body;
      ptxSize = payload;
      ptxArch = (int)arch;
    }
    off += entryHeader + payload;
  }
  if (ptx) {
    image.kind = "fatbin/ptx";
    std::string text(reinterpret_cast<const char *>(ptx), ptxSize);
    return parsePtx(text.c_str(), image, log);
  }
  log = "the fatbin has no sm_90 cubin and no uncompressed PTX up to sm_90 "
        "(the fake cannot decompress)";
  return CUDA_ERROR_NO_BINARY_FOR_GPU;
}

CUresult parseImage(const void *image, Image &out, std::string &log) {
  const unsigned char *bytes = static_cast<const unsigned char *>(image);
  uint32_t magic;
  memcpy(&magic, bytes, 4);
  if (magic == 0xBA55ED50u)
    return parseFatbin(bytes, out, log);
  if (memcmp(bytes,
             "\x7f"
             "ELF",
             4) == 0) {
    out.kind = "cubin";
    uint64_t shoff;
    uint16_t shentsize, shnum;
    memcpy(&shoff, bytes + 40, 8);
    memcpy(&shentsize, bytes + 58, 2);
    memcpy(&shnum, bytes + 60, 2);
    // The section table ends the image (as ptxas writes it).
    return parseCubin(bytes, shoff + (size_t)shnum * shentsize, out, log);
  }
  out.kind = "ptx";
  return parsePtx(static_cast<const char *>(image), out, log);
}

//===----------------------------------------------------------------------===//
// Kernels with a host version
//===----------------------------------------------------------------------===//

struct LaunchShape {
  uint32_t grid[3], block[3];
};

using HostKernel = CUresult (*)(State &, const LaunchShape &,
                                const std::vector<unsigned char> &,
                                std::string &);

template <typename T>
T arg(const std::vector<unsigned char> &buffer, const Kernel &k, int i) {
  T v;
  memcpy(&v, buffer.data() + k.params[i].offset, sizeof(T));
  return v;
}

/// Calls body(i) for every thread's blockIdx.x * blockDim.x + threadIdx.x,
/// once per thread (y and z repeat the x range).
template <typename F> void forEachThread(const LaunchShape &l, F body) {
  uint64_t repeats = (uint64_t)l.grid[1] * l.grid[2] * l.block[1] * l.block[2];
  uint64_t xs = (uint64_t)l.grid[0] * l.block[0];
  for (uint64_t r = 0; r < repeats; ++r)
    for (uint64_t i = 0; i < xs; ++i)
      body((uint32_t)i);
}

struct KnownKernel {
  const char *name;
  std::vector<uint32_t> paramSizes;
  CUresult (*run)(State &, const LaunchShape &, const Kernel &,
                  const std::vector<unsigned char> &, std::string &);
};

// sto_test_axpy(float a, const float *x, float *y, unsigned n): y[i] = a *
// x[i] + y[i] (fma, as the PTX).
CUresult runAxpy(State &s, const LaunchShape &l, const Kernel &k,
                 const std::vector<unsigned char> &buf, std::string &why) {
  float a = arg<float>(buf, k, 0);
  uint64_t x = arg<uint64_t>(buf, k, 1), y = arg<uint64_t>(buf, k, 2);
  uint32_t n = arg<uint32_t>(buf, k, 3);
  uint64_t count = std::min<uint64_t>(n, (uint64_t)l.grid[0] * l.block[0]);
  if (!count)
    return CUDA_SUCCESS;
  auto *hx = static_cast<float *>(
      resolve(s, x, count * sizeof(float), Access::Device, why));
  if (!hx)
    return CUDA_ERROR_ILLEGAL_ADDRESS;
  auto *hy = static_cast<float *>(
      resolve(s, y, count * sizeof(float), Access::Device, why));
  if (!hy)
    return CUDA_ERROR_ILLEGAL_ADDRESS;
  forEachThread(l, [&](uint32_t i) {
    if (i < n)
      hy[i] = fmaf(hx[i], a, hy[i]);
  });
  return CUDA_SUCCESS;
}

// sto_test_fill_index(unsigned *out, unsigned n): out[i] = i * 2654435761 +
// 12345.
CUresult runFillIndex(State &s, const LaunchShape &l, const Kernel &k,
                      const std::vector<unsigned char> &buf, std::string &why) {
  uint64_t out = arg<uint64_t>(buf, k, 0);
  uint32_t n = arg<uint32_t>(buf, k, 1);
  uint64_t count = std::min<uint64_t>(n, (uint64_t)l.grid[0] * l.block[0]);
  if (!count)
    return CUDA_SUCCESS;
  auto *h = static_cast<uint32_t *>(
      resolve(s, out, count * sizeof(uint32_t), Access::Device, why));
  if (!h)
    return CUDA_ERROR_ILLEGAL_ADDRESS;
  forEachThread(l, [&](uint32_t i) {
    if (i < n)
      h[i] = i * 2654435761u + 12345u;
  });
  return CUDA_SUCCESS;
}

const KnownKernel kKnownKernels[] = {
    {"sto_test_axpy", {4, 8, 8, 4}, runAxpy},
    {"sto_test_fill_index", {8, 4}, runFillIndex},
};

const KnownKernel *knownKernel(const Kernel &k) {
  if (!k.knownParams)
    return nullptr;
  for (const KnownKernel &known : kKnownKernels) {
    if (k.name != known.name || k.params.size() != known.paramSizes.size())
      continue;
    bool same = true;
    for (size_t i = 0; i < k.params.size(); ++i)
      same = same && k.params[i].size == known.paramSizes[i];
    if (same)
      return &known;
  }
  return nullptr;
}

/// The checks and the recording shared by cuLaunchKernel and
/// cuLaunchKernelEx.
CUresult launch(State &s, Context *ctx, CUfunction f, const LaunchShape &l,
                const uint32_t cluster[3], unsigned shared, CUstream hStream,
                void **params, void **extra) {
  Function *fn = lookup(s.functions, f);
  if (!fn)
    return fail(CUDA_ERROR_INVALID_HANDLE,
                "function %p is not live (its module was unloaded?)",
                (void *)f);
  if (fn->module->ctx != ctx)
    return fail(CUDA_ERROR_INVALID_CONTEXT,
                "%s belongs to device %d's context, the current one is "
                "device %d's",
                fn->kernel.name.c_str(), fn->module->ctx->device, ctx->device);
  Stream *stream;
  if (CUresult r = resolveStream(s, ctx, hStream, stream))
    return r;
  const Kernel &k = fn->kernel;
  for (int d = 0; d < 3; ++d)
    if (!l.grid[d] || !l.block[d])
      return fail(CUDA_ERROR_INVALID_VALUE, "%s: empty grid or block",
                  k.name.c_str());
  uint64_t threads = (uint64_t)l.block[0] * l.block[1] * l.block[2];
  uint32_t limit = k.maxThreads ? k.maxThreads : kMaxThreadsPerBlock;
  if (l.block[0] > 1024 || l.block[1] > 1024 || l.block[2] > 64 ||
      threads > limit)
    return fail(CUDA_ERROR_INVALID_VALUE,
                "%s: block (%u, %u, %u) exceeds the limit of %u threads",
                k.name.c_str(), l.block[0], l.block[1], l.block[2], limit);
  if (l.grid[0] > 0x7fffffffu || l.grid[1] > 65535 || l.grid[2] > 65535)
    return fail(CUDA_ERROR_INVALID_VALUE, "%s: grid (%u, %u, %u) too large",
                k.name.c_str(), l.grid[0], l.grid[1], l.grid[2]);
  if (shared > (unsigned)fn->maxDynamicShared)
    return fail(CUDA_ERROR_INVALID_VALUE,
                "%s: %u bytes of dynamic shared memory, more than the "
                "function's CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES "
                "(%d)",
                k.name.c_str(), shared, fn->maxDynamicShared);
  if (cluster) {
    uint64_t size = (uint64_t)cluster[0] * cluster[1] * cluster[2];
    for (int d = 0; d < 3; ++d)
      if (!cluster[d] || l.grid[d] % cluster[d])
        return fail(CUDA_ERROR_INVALID_CLUSTER_SIZE,
                    "%s: grid (%u, %u, %u) is not a multiple of the cluster "
                    "(%u, %u, %u)",
                    k.name.c_str(), l.grid[0], l.grid[1], l.grid[2], cluster[0],
                    cluster[1], cluster[2]);
    if (size > (fn->nonPortableCluster ? 16u : 8u))
      return fail(CUDA_ERROR_INVALID_CLUSTER_SIZE,
                  "%s: cluster of %llu blocks (more than 8 needs "
                  "CU_FUNC_ATTRIBUTE_NON_PORTABLE_CLUSTER_SIZE_ALLOWED; 16 "
                  "at most)",
                  k.name.c_str(), (unsigned long long)size);
  }
  // The parameters, copied now as the real driver does.
  std::vector<unsigned char> buffer;
  if (params && extra)
    return fail(CUDA_ERROR_INVALID_VALUE,
                "%s: both kernelParams and extra are given", k.name.c_str());
  if (extra) {
    void *pointer = nullptr;
    size_t *sizePointer = nullptr;
    for (int i = 0;; i += 2) {
      uintptr_t key = reinterpret_cast<uintptr_t>(extra[i]);
      if (key == 0) // CU_LAUNCH_PARAM_END
        break;
      if (key == 1)
        pointer = extra[i + 1];
      else if (key == 2)
        sizePointer = static_cast<size_t *>(extra[i + 1]);
      else
        return fail(CUDA_ERROR_INVALID_VALUE, "%s: unknown extra key %p",
                    k.name.c_str(), extra[i]);
      if (i > 64)
        return fail(CUDA_ERROR_INVALID_VALUE,
                    "%s: extra is not terminated by CU_LAUNCH_PARAM_END",
                    k.name.c_str());
    }
    if (!pointer || !sizePointer)
      return fail(CUDA_ERROR_INVALID_VALUE,
                  "%s: extra lacks the buffer pointer or size", k.name.c_str());
    if (k.knownParams && *sizePointer != k.paramBytes)
      return fail(CUDA_ERROR_INVALID_VALUE,
                  "%s: the parameter buffer has %zu bytes, the kernel takes "
                  "%u",
                  k.name.c_str(), *sizePointer, k.paramBytes);
    const unsigned char *b = static_cast<const unsigned char *>(pointer);
    buffer.assign(b, b + *sizePointer);
  } else if (k.knownParams) {
    if (!k.params.empty() && !params)
      return fail(CUDA_ERROR_INVALID_VALUE,
                  "%s takes %zu parameters, kernelParams is NULL",
                  k.name.c_str(), k.params.size());
    buffer.assign(k.paramBytes, 0);
    for (size_t i = 0; i < k.params.size(); ++i) {
      if (!params[i])
        return fail(CUDA_ERROR_INVALID_VALUE, "%s: kernelParams[%zu] is NULL",
                    k.name.c_str(), i);
      memcpy(buffer.data() + k.params[i].offset, params[i], k.params[i].size);
    }
  }

  const KnownKernel *known = knownKernel(k);
  ++s.stats.launches;
  s.stats.emulatedLaunches += known != nullptr;
  sto_fake_cuda_launch &rec = s.lastLaunch;
  memset(&rec, 0, sizeof(rec));
  snprintf(rec.name, sizeof(rec.name), "%s", k.name.c_str());
  for (int d = 0; d < 3; ++d) {
    rec.grid[d] = l.grid[d];
    rec.block[d] = l.block[d];
    rec.cluster[d] = cluster ? cluster[d] : 1;
  }
  rec.sharedBytes = shared;
  rec.numParams = k.knownParams ? (int32_t)k.params.size() : -1;
  rec.paramBytes = k.knownParams ? (int32_t)k.paramBytes : -1;
  rec.emulated = known != nullptr;
  s.haveLaunch = true;
  char line[512];
  snprintf(line, sizeof(line),
           "launch %s grid=%u,%u,%u block=%u,%u,%u cluster=%u,%u,%u "
           "shared=%u params=%d bytes=%d %s",
           k.name.c_str(), l.grid[0], l.grid[1], l.grid[2], l.block[0],
           l.block[1], l.block[2], rec.cluster[0], rec.cluster[1],
           rec.cluster[2], shared, rec.numParams, rec.paramBytes,
           known ? "emulated" : "recorded");
  logLine(line);

  LaunchShape shape = l;
  Kernel kernel = k;
  State *state = &s;
  enqueueWork(s, stream, "kernel " + k.name, [=](std::string &why) -> CUresult {
    if (!known)
      return CUDA_SUCCESS; // no host version: recorded only
    return known->run(*state, shape, kernel, buffer, why);
  });
  return CUDA_SUCCESS;
}

/// Copies [src, src + bytes) to dst when the stream gets there.
CUresult enqueueCopy(State &s, Context *ctx, CUdeviceptr dst, CUdeviceptr src,
                     size_t bytes, CUstream hStream) {
  Stream *stream;
  if (CUresult r = resolveStream(s, ctx, hStream, stream))
    return r;
  if (!bytes)
    return CUDA_SUCCESS;
  std::string why;
  if (!resolve(s, dst, bytes, Access::Copy, why))
    return fail(CUDA_ERROR_INVALID_VALUE, "destination: %s", why.c_str());
  if (!resolve(s, src, bytes, Access::Copy, why))
    return fail(CUDA_ERROR_INVALID_VALUE, "source: %s", why.c_str());
  State *state = &s;
  enqueueWork(s, stream, "copy of " + std::to_string(bytes) + " bytes",
              [=](std::string &why) -> CUresult {
                void *to = resolve(*state, dst, bytes, Access::Copy, why);
                if (!to)
                  return CUDA_ERROR_ILLEGAL_ADDRESS;
                void *from = resolve(*state, src, bytes, Access::Copy, why);
                if (!from)
                  return CUDA_ERROR_ILLEGAL_ADDRESS;
                memmove(to, from, bytes);
                return CUDA_SUCCESS;
              });
  return CUDA_SUCCESS;
}

template <typename T>
CUresult enqueueSet(State &s, Context *ctx, CUdeviceptr dst, T value,
                    size_t count, CUstream hStream) {
  Stream *stream;
  if (CUresult r = resolveStream(s, ctx, hStream, stream))
    return r;
  if (dst % sizeof(T))
    return fail(CUDA_ERROR_INVALID_VALUE, "%s is not %zu-byte aligned",
                hex(dst).c_str(), sizeof(T));
  if (!count)
    return CUDA_SUCCESS;
  std::string why;
  if (!resolve(s, dst, count * sizeof(T), Access::Device, why))
    return fail(CUDA_ERROR_INVALID_VALUE, "%s", why.c_str());
  State *state = &s;
  enqueueWork(s, stream,
              "memset of " + std::to_string(count) + " x " +
                  std::to_string(sizeof(T)) + " bytes",
              [=](std::string &why) -> CUresult {
                T *to = static_cast<T *>(resolve(*state, dst, count * sizeof(T),
                                                 Access::Device, why));
                if (!to)
                  return CUDA_ERROR_ILLEGAL_ADDRESS;
                std::fill(to, to + count, value);
                return CUDA_SUCCESS;
              });
  return CUDA_SUCCESS;
}

CUresult syncStream(State &s, Context *ctx, CUstream hStream) {
  Stream *stream;
  if (CUresult r = resolveStream(s, ctx, hStream, stream))
    return r;
  if (stream->isNull) // the legacy stream also waits for blocking streams
    for (Stream *t : s.streams)
      if (t->ctx == ctx && !(t->flags & CU_STREAM_NON_BLOCKING))
        drain(s, t);
  drain(s, stream);
  return ctx->sticky;
}

int deviceAttribute(int attribute, bool pools) {
  switch (attribute) {
  case 1: // MAX_THREADS_PER_BLOCK
  case 2: // MAX_BLOCK_DIM_X
  case 3: // MAX_BLOCK_DIM_Y
    return 1024;
  case 4: // MAX_BLOCK_DIM_Z
    return 64;
  case 5: // MAX_GRID_DIM_X
    return 0x7fffffff;
  case 6:
  case 7:
    return 65535;
  case 8: // MAX_SHARED_MEMORY_PER_BLOCK
    return kDefaultDynamicShared;
  case 9: // TOTAL_CONSTANT_MEMORY
    return 65536;
  case 10: // WARP_SIZE
    return 32;
  case 11: // MAX_PITCH
    return 0x7fffffff;
  case 12: // MAX_REGISTERS_PER_BLOCK
    return 65536;
  case 13: // CLOCK_RATE (kHz)
    return 1980000;
  case 14: // TEXTURE_ALIGNMENT
    return 512;
  case 15: // GPU_OVERLAP
    return 1;
  case 16: // MULTIPROCESSOR_COUNT
    return 132;
  case 17: // KERNEL_EXEC_TIMEOUT
    return 0;
  case 18: // INTEGRATED
    return 0;
  case 19: // CAN_MAP_HOST_MEMORY
    return 1;
  case 20: // COMPUTE_MODE (default)
    return 0;
  case 31: // CONCURRENT_KERNELS
    return 1;
  case 32: // ECC_ENABLED
    return 1;
  case 33: // PCI_BUS_ID
    return 0x19;
  case 34: // PCI_DEVICE_ID
    return 0;
  case 36: // MEMORY_CLOCK_RATE (kHz)
    return 2619000;
  case 37: // GLOBAL_MEMORY_BUS_WIDTH
    return 6144;
  case 38: // L2_CACHE_SIZE
    return 50 * 1024 * 1024;
  case 39: // MAX_THREADS_PER_MULTIPROCESSOR
    return 2048;
  case 40: // ASYNC_ENGINE_COUNT
    return 3;
  case CU_DEVICE_ATTRIBUTE_UNIFIED_ADDRESSING:
    return 1;
  case CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR:
    return kDeviceArch / 10;
  case CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR:
    return kDeviceArch % 10;
  case 81: // MAX_SHARED_MEMORY_PER_MULTIPROCESSOR
    return 228 * 1024;
  case 82: // MAX_REGISTERS_PER_MULTIPROCESSOR
    return 65536;
  case CU_DEVICE_ATTRIBUTE_MANAGED_MEMORY:
    return 1;
  case 84: // MULTI_GPU_BOARD
    return 0;
  case 89: // CONCURRENT_MANAGED_ACCESS
    return 1;
  case CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN:
    return kMaxSharedOptin;
  case CU_DEVICE_ATTRIBUTE_MEMORY_POOLS_SUPPORTED:
    return pools ? 1 : 0;
  case 120: // CLUSTER_LAUNCH
    return 1;
  default:
    return -1;
  }
}

void shutDown() {
  State &s = state();
  std::lock_guard<std::recursive_mutex> lock(s.mutex);
  s.deinitialized = true;
  logLine("shutdown");
}

} // namespace

//===----------------------------------------------------------------------===//
// Driver API
//===----------------------------------------------------------------------===//

FAKE_EXPORT CUresult cuGetErrorName(CUresult error, const char **str) {
  FAKE_ENTER(cuGetErrorName, Nothing);
  if (!str)
    return CUDA_ERROR_INVALID_VALUE;
  const StatusInfo *info = driverStatus(error);
  *str = info ? info->name : nullptr;
  return info ? CUDA_SUCCESS : CUDA_ERROR_INVALID_VALUE;
}

FAKE_EXPORT CUresult cuGetErrorString(CUresult error, const char **str) {
  FAKE_ENTER(cuGetErrorString, Nothing);
  if (!str)
    return CUDA_ERROR_INVALID_VALUE;
  const StatusInfo *info = driverStatus(error);
  *str = info ? info->text : nullptr;
  return info ? CUDA_SUCCESS : CUDA_ERROR_INVALID_VALUE;
}

FAKE_EXPORT CUresult cuInit(unsigned int flags) {
  FAKE_ENTER(cuInit, Running);
  if (flags)
    return fail(CUDA_ERROR_INVALID_VALUE, "flags must be 0, not %u", flags);
  if (s.numDevices == 0)
    return fail(CUDA_ERROR_NO_DEVICE, "FAKE_CUDA_DEVICES=0");
  if (!s.initialized) {
    s.initialized = true;
    // As the real driver: its state goes away at exit.
    atexit(shutDown);
  }
  return CUDA_SUCCESS;
}

FAKE_EXPORT CUresult cuDriverGetVersion(int *version) {
  FAKE_ENTER(cuDriverGetVersion, Running);
  if (!version)
    return fail(CUDA_ERROR_INVALID_VALUE, "version is NULL");
  *version = s.driverVersion;
  return CUDA_SUCCESS;
}

FAKE_EXPORT CUresult cuDeviceGetCount(int *count) {
  FAKE_ENTER(cuDeviceGetCount);
  if (!count)
    return fail(CUDA_ERROR_INVALID_VALUE, "count is NULL");
  *count = s.numDevices;
  return CUDA_SUCCESS;
}

FAKE_EXPORT CUresult cuDeviceGet(CUdevice *device, int ordinal) {
  FAKE_ENTER(cuDeviceGet);
  if (!device)
    return fail(CUDA_ERROR_INVALID_VALUE, "device is NULL");
  if (ordinal < 0 || ordinal >= s.numDevices)
    return fail(CUDA_ERROR_INVALID_DEVICE, "ordinal %d of %d devices", ordinal,
                s.numDevices);
  *device = ordinal;
  return CUDA_SUCCESS;
}

FAKE_EXPORT CUresult cuDeviceGetName(char *name, int length, CUdevice dev) {
  FAKE_ENTER(cuDeviceGetName);
  if (!name || length <= 0)
    return fail(CUDA_ERROR_INVALID_VALUE, "name is NULL or length %d", length);
  if (dev < 0 || dev >= s.numDevices)
    return fail(CUDA_ERROR_INVALID_DEVICE, "device %d", dev);
  snprintf(name, (size_t)length,
           STO_FAKE_CUDA_DEVICE_NAME_PREFIX " H200 (host-emulated sm_90, "
                                            "device %d)",
           dev);
  return CUDA_SUCCESS;
}

FAKE_EXPORT CUresult cuDeviceGetAttribute(int *value,
                                          CUdevice_attribute attribute,
                                          CUdevice dev) {
  FAKE_ENTER(cuDeviceGetAttribute);
  if (!value)
    return fail(CUDA_ERROR_INVALID_VALUE, "value is NULL");
  if (dev < 0 || dev >= s.numDevices)
    return fail(CUDA_ERROR_INVALID_DEVICE, "device %d", dev);
  int v = deviceAttribute((int)attribute, s.memoryPools);
  if (v < 0)
    return fail(CUDA_ERROR_INVALID_VALUE,
                "attribute %d is not known to the fake", (int)attribute);
  *value = v;
  return CUDA_SUCCESS;
}

FAKE_EXPORT CUresult cuDeviceTotalMem_v2(size_t *bytes, CUdevice dev) {
  FAKE_ENTER(cuDeviceTotalMem_v2);
  if (!bytes)
    return fail(CUDA_ERROR_INVALID_VALUE, "bytes is NULL");
  if (dev < 0 || dev >= s.numDevices)
    return fail(CUDA_ERROR_INVALID_DEVICE, "device %d", dev);
  *bytes = kTotalMemory;
  return CUDA_SUCCESS;
}

FAKE_EXPORT CUresult cuDevicePrimaryCtxRetain(CUcontext *ctx, CUdevice dev) {
  FAKE_ENTER(cuDevicePrimaryCtxRetain);
  if (!ctx)
    return fail(CUDA_ERROR_INVALID_VALUE, "ctx is NULL");
  if (dev < 0 || dev >= s.numDevices)
    return fail(CUDA_ERROR_INVALID_DEVICE, "device %d", dev);
  Context &c = s.devices[dev].ctx;
  ++c.retains;
  c.active = true;
  ++s.stats.primaryRetains;
  *ctx = reinterpret_cast<CUcontext>(&c);
  return CUDA_SUCCESS;
}

FAKE_EXPORT CUresult cuDevicePrimaryCtxRelease_v2(CUdevice dev) {
  FAKE_ENTER(cuDevicePrimaryCtxRelease_v2);
  if (dev < 0 || dev >= s.numDevices)
    return fail(CUDA_ERROR_INVALID_DEVICE, "device %d", dev);
  Context &c = s.devices[dev].ctx;
  if (c.retains <= 0)
    return fail(CUDA_ERROR_INVALID_CONTEXT,
                "device %d's primary context is not retained", dev);
  --s.stats.primaryRetains;
  if (--c.retains == 0) {
    drainContext(s, &c);
    c.active = false;
  }
  return CUDA_SUCCESS;
}

FAKE_EXPORT CUresult cuCtxGetCurrent(CUcontext *ctx) {
  FAKE_ENTER(cuCtxGetCurrent);
  if (!ctx)
    return fail(CUDA_ERROR_INVALID_VALUE, "ctx is NULL");
  *ctx = reinterpret_cast<CUcontext>(current());
  return CUDA_SUCCESS;
}

FAKE_EXPORT CUresult cuCtxSetCurrent(CUcontext ctx) {
  FAKE_ENTER(cuCtxSetCurrent);
  if (!ctx) {
    if (tDepth)
      --tDepth;
    return CUDA_SUCCESS;
  }
  Context *c = lookupContext(s, ctx);
  if (!c || !c->active)
    return fail(CUDA_ERROR_INVALID_CONTEXT, "%p is not a live context",
                (void *)ctx);
  if (tDepth)
    tStack[tDepth - 1] = c;
  else
    tStack[tDepth++] = c;
  return CUDA_SUCCESS;
}

FAKE_EXPORT CUresult cuCtxPushCurrent_v2(CUcontext ctx) {
  FAKE_ENTER(cuCtxPushCurrent_v2);
  if (!ctx)
    return fail(CUDA_ERROR_INVALID_VALUE, "ctx is NULL");
  Context *c = lookupContext(s, ctx);
  if (!c || !c->active)
    return fail(CUDA_ERROR_INVALID_CONTEXT, "%p is not a live context",
                (void *)ctx);
  if (tDepth == kMaxContextDepth)
    return fail(CUDA_ERROR_OUT_OF_MEMORY,
                "context stack deeper than %d (pushes without pops?)",
                kMaxContextDepth);
  tStack[tDepth++] = c;
  return CUDA_SUCCESS;
}

FAKE_EXPORT CUresult cuCtxPopCurrent_v2(CUcontext *ctx) {
  FAKE_ENTER(cuCtxPopCurrent_v2);
  if (!tDepth)
    return fail(CUDA_ERROR_INVALID_CONTEXT,
                "the thread's context stack is empty");
  Context *c = tStack[--tDepth];
  if (ctx)
    *ctx = reinterpret_cast<CUcontext>(c);
  return CUDA_SUCCESS;
}

FAKE_EXPORT CUresult cuCtxSynchronize(void) {
  FAKE_ENTER(cuCtxSynchronize);
  Context *ctx;
  if (CUresult r = call.context(ctx))
    return r;
  drainContext(s, ctx);
  return ctx->sticky;
}

FAKE_EXPORT CUresult cuModuleLoadDataEx(CUmodule *module, const void *image,
                                        unsigned int numOptions,
                                        CUjit_option *options, void **values) {
  FAKE_ENTER(cuModuleLoadDataEx);
  Context *ctx;
  if (CUresult r = call.context(ctx))
    return r;
  if (!module || !image)
    return fail(CUDA_ERROR_INVALID_VALUE, "module or image is NULL");
  if (numOptions && (!options || !values))
    return fail(CUDA_ERROR_INVALID_VALUE,
                "%u options but options or values is NULL", numOptions);
  char *errorLog = nullptr, *infoLog = nullptr;
  int errorSizeIndex = -1, infoSizeIndex = -1;
  size_t errorSize = 0, infoSize = 0;
  for (unsigned i = 0; i < numOptions; ++i) {
    uintptr_t value = reinterpret_cast<uintptr_t>(values[i]);
    switch ((int)options[i]) {
    case CU_JIT_INFO_LOG_BUFFER:
      infoLog = static_cast<char *>(values[i]);
      break;
    case CU_JIT_INFO_LOG_BUFFER_SIZE_BYTES:
      infoSize = value;
      infoSizeIndex = (int)i;
      break;
    case CU_JIT_ERROR_LOG_BUFFER:
      errorLog = static_cast<char *>(values[i]);
      break;
    case CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES:
      errorSize = value;
      errorSizeIndex = (int)i;
      break;
    case CU_JIT_OPTIMIZATION_LEVEL:
      if (value > 4)
        return fail(CUDA_ERROR_INVALID_VALUE,
                    "CU_JIT_OPTIMIZATION_LEVEL %llu (0 to 4)",
                    (unsigned long long)value);
      break;
    default:
      if ((int)options[i] < 0 || (int)options[i] > 32)
        return fail(CUDA_ERROR_INVALID_VALUE, "unknown JIT option %d",
                    (int)options[i]);
    }
  }
  if ((errorLog && errorSizeIndex < 0) || (infoLog && infoSizeIndex < 0))
    return fail(CUDA_ERROR_INVALID_VALUE,
                "a log buffer without its size option");
  if (errorLog && errorSize)
    errorLog[0] = '\0';
  if (infoLog && infoSize)
    infoLog[0] = '\0';
  Image parsed;
  std::string log;
  CUresult r = parseImage(image, parsed, log);
  if (r == CUDA_SUCCESS && parsed.kernels.empty() && parsed.kind == "ptx")
    log = "note: the PTX has no entry";
  if (errorSizeIndex >= 0)
    values[errorSizeIndex] = reinterpret_cast<void *>(
        (uintptr_t)(r && errorLog && errorSize
                        ? std::min(log.size(), errorSize - 1)
                        : 0));
  if (infoSizeIndex >= 0)
    values[infoSizeIndex] = nullptr;
  if (r) {
    if (errorLog && errorSize)
      snprintf(errorLog, errorSize, "%s", log.c_str());
    return fail(r, "%s", log.c_str());
  }
  auto *m = new Module;
  m->ctx = ctx;
  m->kind = parsed.kind;
  for (Kernel &k : parsed.kernels) {
    auto *f = new Function;
    f->module = m;
    f->kernel = k;
    m->functions.push_back(f);
    s.functions.insert(f);
  }
  s.modules.insert(m);
  ++s.stats.modules;
  logLine("load " + m->kind + " module with " +
          std::to_string(m->functions.size()) + " kernels on device " +
          std::to_string(ctx->device));
  *module = reinterpret_cast<CUmodule>(m);
  return CUDA_SUCCESS;
}

FAKE_EXPORT CUresult cuModuleLoadData(CUmodule *module, const void *image) {
  { FAKE_ENTER(cuModuleLoadData); }
  return cuModuleLoadDataEx(module, image, 0, nullptr, nullptr);
}

FAKE_EXPORT CUresult cuModuleUnload(CUmodule module) {
  FAKE_ENTER(cuModuleUnload);
  Module *m = lookup(s.modules, module);
  if (!m)
    return fail(CUDA_ERROR_INVALID_HANDLE, "module %p is not loaded",
                (void *)module);
  Context *ctx = current();
  if (ctx != m->ctx)
    return fail(CUDA_ERROR_INVALID_CONTEXT,
                "the module was loaded in device %d's context, the current "
                "context is %s",
                m->ctx->device,
                ctx ? ("device " + std::to_string(ctx->device) + "'s").c_str()
                    : "none");
  drainContext(s, m->ctx); // launches of its kernels finish first
  for (Function *f : m->functions) {
    s.functions.erase(f);
    s.graveyard.push_back(f);
  }
  s.modules.erase(m);
  s.graveyard.push_back(m);
  --s.stats.modules;
  return CUDA_SUCCESS;
}

FAKE_EXPORT CUresult cuModuleGetFunction(CUfunction *function, CUmodule module,
                                         const char *name) {
  FAKE_ENTER(cuModuleGetFunction);
  Context *ctx;
  if (CUresult r = call.context(ctx))
    return r;
  if (!function || !name)
    return fail(CUDA_ERROR_INVALID_VALUE, "function or name is NULL");
  Module *m = lookup(s.modules, module);
  if (!m)
    return fail(CUDA_ERROR_INVALID_HANDLE, "module %p is not loaded",
                (void *)module);
  if (m->ctx != ctx)
    return fail(CUDA_ERROR_INVALID_CONTEXT,
                "the module was loaded in device %d's context, the current "
                "one is device %d's",
                m->ctx->device, ctx->device);
  for (Function *f : m->functions) {
    if (f->kernel.name == name) {
      *function = reinterpret_cast<CUfunction>(f);
      return CUDA_SUCCESS;
    }
  }
  return fail(CUDA_ERROR_NOT_FOUND, "the module has no kernel %s", name);
}

FAKE_EXPORT CUresult cuFuncSetAttribute(CUfunction function,
                                        CUfunction_attribute attribute,
                                        int value) {
  FAKE_ENTER(cuFuncSetAttribute);
  Function *f = lookup(s.functions, function);
  if (!f)
    return fail(CUDA_ERROR_INVALID_HANDLE, "function %p is not live",
                (void *)function);
  switch ((int)attribute) {
  case CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES:
    if (value < 0 || value > kMaxSharedOptin)
      return fail(CUDA_ERROR_INVALID_VALUE,
                  "MAX_DYNAMIC_SHARED_SIZE_BYTES %d (0 to %d)", value,
                  kMaxSharedOptin);
    f->maxDynamicShared = value;
    return CUDA_SUCCESS;
  case CU_FUNC_ATTRIBUTE_NON_PORTABLE_CLUSTER_SIZE_ALLOWED:
    if (value != 0 && value != 1)
      return fail(CUDA_ERROR_INVALID_VALUE,
                  "NON_PORTABLE_CLUSTER_SIZE_ALLOWED %d", value);
    f->nonPortableCluster = value;
    return CUDA_SUCCESS;
  case 9: // PREFERRED_SHARED_MEMORY_CARVEOUT
    if (value < -1 || value > 100)
      return fail(CUDA_ERROR_INVALID_VALUE, "carveout %d", value);
    return CUDA_SUCCESS;
  default:
    return fail(CUDA_ERROR_INVALID_VALUE, "attribute %d", (int)attribute);
  }
}

FAKE_EXPORT CUresult cuLaunchKernel(CUfunction f, unsigned int gridX,
                                    unsigned int gridY, unsigned int gridZ,
                                    unsigned int blockX, unsigned int blockY,
                                    unsigned int blockZ, unsigned int shared,
                                    CUstream stream, void **params,
                                    void **extra) {
  FAKE_ENTER(cuLaunchKernel);
  Context *ctx;
  if (CUresult r = call.context(ctx))
    return r;
  LaunchShape l = {{gridX, gridY, gridZ}, {blockX, blockY, blockZ}};
  return launch(s, ctx, f, l, nullptr, shared, stream, params, extra);
}

FAKE_EXPORT CUresult cuLaunchKernelEx(const CUlaunchConfig *config,
                                      CUfunction f, void **params,
                                      void **extra) {
  FAKE_ENTER(cuLaunchKernelEx);
  Context *ctx;
  if (CUresult r = call.context(ctx))
    return r;
  if (!config)
    return fail(CUDA_ERROR_INVALID_VALUE, "config is NULL");
  if (config->numAttrs && !config->attrs)
    return fail(CUDA_ERROR_INVALID_VALUE, "%u attributes, attrs is NULL",
                config->numAttrs);
  uint32_t cluster[3] = {1, 1, 1};
  bool haveCluster = false;
  for (unsigned i = 0; i < config->numAttrs; ++i) {
    const CUlaunchAttribute &a = config->attrs[i];
    if (a.id == CU_LAUNCH_ATTRIBUTE_CLUSTER_DIMENSION) {
      cluster[0] = a.value.clusterDim.x;
      cluster[1] = a.value.clusterDim.y;
      cluster[2] = a.value.clusterDim.z;
      haveCluster = true;
    } else if ((int)a.id <= 0 || (int)a.id > 16) {
      return fail(CUDA_ERROR_INVALID_VALUE, "unknown launch attribute %d",
                  (int)a.id);
    }
  }
  LaunchShape l = {{config->gridDimX, config->gridDimY, config->gridDimZ},
                   {config->blockDimX, config->blockDimY, config->blockDimZ}};
  return launch(s, ctx, f, l, haveCluster ? cluster : nullptr,
                config->sharedMemBytes, config->hStream, params, extra);
}

FAKE_EXPORT CUresult cuStreamCreate(CUstream *stream, unsigned int flags) {
  FAKE_ENTER(cuStreamCreate);
  Context *ctx;
  if (CUresult r = call.context(ctx))
    return r;
  if (!stream)
    return fail(CUDA_ERROR_INVALID_VALUE, "stream is NULL");
  if (flags & ~(unsigned)CU_STREAM_NON_BLOCKING)
    return fail(CUDA_ERROR_INVALID_VALUE, "flags 0x%x", flags);
  auto *t = new Stream;
  t->ctx = ctx;
  t->flags = flags;
  s.streams.insert(t);
  ++s.stats.streams;
  *stream = reinterpret_cast<CUstream>(t);
  return CUDA_SUCCESS;
}

FAKE_EXPORT CUresult cuStreamDestroy_v2(CUstream stream) {
  FAKE_ENTER(cuStreamDestroy_v2);
  Stream *t = lookup(s.streams, stream);
  if (!t)
    return fail(CUDA_ERROR_INVALID_HANDLE,
                "stream %p is not a live stream (destroyed twice?)",
                (void *)stream);
  // Work already enqueued still runs, as on a GPU. Destroying a stream
  // needs no current context.
  drain(s, t);
  s.streams.erase(t);
  s.graveyard.push_back(t);
  --s.stats.streams;
  return CUDA_SUCCESS;
}

FAKE_EXPORT CUresult cuStreamSynchronize(CUstream stream) {
  FAKE_ENTER(cuStreamSynchronize);
  Context *ctx;
  if (CUresult r = call.context(ctx))
    return r;
  return syncStream(s, ctx, stream);
}

FAKE_EXPORT CUresult cuStreamQuery(CUstream stream) {
  FAKE_ENTER(cuStreamQuery);
  Context *ctx;
  if (CUresult r = call.context(ctx))
    return r;
  Stream *t;
  if (CUresult r = resolveStream(s, ctx, stream, t))
    return r;
  return t->queue.empty() ? CUDA_SUCCESS : CUDA_ERROR_NOT_READY;
}

FAKE_EXPORT CUresult cuStreamWaitEvent(CUstream stream, CUevent event,
                                       unsigned int flags) {
  FAKE_ENTER(cuStreamWaitEvent);
  Context *ctx;
  if (CUresult r = call.context(ctx))
    return r;
  Stream *t;
  if (CUresult r = resolveStream(s, ctx, stream, t))
    return r;
  Event *e = lookup(s.events, event);
  if (!e)
    return fail(CUDA_ERROR_INVALID_HANDLE, "event %p is not live",
                (void *)event);
  if (flags)
    return fail(CUDA_ERROR_INVALID_VALUE, "flags 0x%x", flags);
  if (!e->recorded)
    return CUDA_SUCCESS; // an event never recorded is complete
  Op op;
  op.kind = Op::Wait;
  op.event = e;
  op.generation = e->recorded;
  op.waitOn = e->lastStream;
  push(s, t, std::move(op));
  return CUDA_SUCCESS;
}

FAKE_EXPORT CUresult cuEventCreate(CUevent *event, unsigned int flags) {
  FAKE_ENTER(cuEventCreate);
  Context *ctx;
  if (CUresult r = call.context(ctx))
    return r;
  if (!event)
    return fail(CUDA_ERROR_INVALID_VALUE, "event is NULL");
  if (flags & ~0x7u)
    return fail(CUDA_ERROR_INVALID_VALUE, "flags 0x%x", flags);
  auto *e = new Event;
  e->ctx = ctx;
  e->flags = flags;
  s.events.insert(e);
  ++s.stats.events;
  *event = reinterpret_cast<CUevent>(e);
  return CUDA_SUCCESS;
}

FAKE_EXPORT CUresult cuEventDestroy_v2(CUevent event) {
  FAKE_ENTER(cuEventDestroy_v2);
  Event *e = lookup(s.events, event);
  if (!e)
    return fail(CUDA_ERROR_INVALID_HANDLE,
                "event %p is not live (destroyed twice?)", (void *)event);
  s.events.erase(e); // pending records still complete it
  s.graveyard.push_back(e);
  --s.stats.events;
  return CUDA_SUCCESS;
}

FAKE_EXPORT CUresult cuEventRecord(CUevent event, CUstream stream) {
  FAKE_ENTER(cuEventRecord);
  Context *ctx;
  if (CUresult r = call.context(ctx))
    return r;
  Event *e = lookup(s.events, event);
  if (!e)
    return fail(CUDA_ERROR_INVALID_HANDLE, "event %p is not live",
                (void *)event);
  Stream *t;
  if (CUresult r = resolveStream(s, ctx, stream, t))
    return r;
  if (e->ctx != t->ctx)
    return fail(CUDA_ERROR_INVALID_HANDLE,
                "the event is of device %d's context, the stream of device "
                "%d's",
                e->ctx->device, t->ctx->device);
  Op op;
  op.kind = Op::Record;
  op.event = e;
  op.generation = ++e->recorded;
  e->lastStream = t;
  push(s, t, std::move(op));
  return CUDA_SUCCESS;
}

FAKE_EXPORT CUresult cuEventSynchronize(CUevent event) {
  FAKE_ENTER(cuEventSynchronize);
  Event *e = lookup(s.events, event);
  if (!e)
    return fail(CUDA_ERROR_INVALID_HANDLE, "event %p is not live",
                (void *)event);
  if (e->completed < e->recorded && e->lastStream)
    drain(s, e->lastStream, e, e->recorded);
  return e->ctx->sticky;
}

FAKE_EXPORT CUresult cuEventQuery(CUevent event) {
  FAKE_ENTER(cuEventQuery);
  Event *e = lookup(s.events, event);
  if (!e)
    return fail(CUDA_ERROR_INVALID_HANDLE, "event %p is not live",
                (void *)event);
  return e->completed >= e->recorded ? CUDA_SUCCESS : CUDA_ERROR_NOT_READY;
}

FAKE_EXPORT CUresult cuEventElapsedTime(float *ms, CUevent start, CUevent end) {
  FAKE_ENTER(cuEventElapsedTime);
  Event *a = lookup(s.events, start), *b = lookup(s.events, end);
  if (!ms || !a || !b)
    return fail(CUDA_ERROR_INVALID_HANDLE, "an event is not live");
  if ((a->flags | b->flags) & CU_EVENT_DISABLE_TIMING)
    return fail(CUDA_ERROR_INVALID_HANDLE,
                "an event was created with CU_EVENT_DISABLE_TIMING");
  if (!a->recorded || !b->recorded)
    return fail(CUDA_ERROR_INVALID_HANDLE, "an event was never recorded");
  if (a->completed < a->recorded || b->completed < b->recorded)
    return CUDA_ERROR_NOT_READY;
  *ms = std::chrono::duration<float, std::milli>(b->time - a->time).count();
  return CUDA_SUCCESS;
}

FAKE_EXPORT CUresult cuMemAlloc_v2(CUdeviceptr *ptr, size_t bytes) {
  FAKE_ENTER(cuMemAlloc_v2);
  Context *ctx;
  if (CUresult r = call.context(ctx))
    return r;
  return allocate(s, bytes, MemKind::Device, ctx->device, ptr);
}

FAKE_EXPORT CUresult cuMemAllocManaged(CUdeviceptr *ptr, size_t bytes,
                                       unsigned int flags) {
  FAKE_ENTER(cuMemAllocManaged);
  Context *ctx;
  if (CUresult r = call.context(ctx))
    return r;
  if (flags != 1 && flags != 2)
    return fail(CUDA_ERROR_INVALID_VALUE,
                "flags %u (CU_MEM_ATTACH_GLOBAL or _HOST)", flags);
  return allocate(s, bytes, MemKind::Managed, ctx->device, ptr);
}

FAKE_EXPORT CUresult cuMemFree_v2(CUdeviceptr ptr) {
  FAKE_ENTER(cuMemFree_v2);
  Context *ctx;
  if (CUresult r = call.context(ctx))
    return r;
  if (!ptr)
    return CUDA_SUCCESS;
  Allocation *a = findAllocation(s, ptr);
  if (!a || a->base != ptr || a->freeEnqueued)
    return fail(CUDA_ERROR_INVALID_VALUE,
                "%s is not the start of a live allocation (freed twice, or "
                "an interior pointer?)",
                hex(ptr).c_str());
  drainAll(s); // cuMemFree waits for the device
  release(s, a);
  return ctx->sticky;
}

FAKE_EXPORT CUresult cuMemAllocAsync(CUdeviceptr *ptr, size_t bytes,
                                     CUstream stream) {
  FAKE_ENTER(cuMemAllocAsync);
  Context *ctx;
  if (CUresult r = call.context(ctx))
    return r;
  if (!s.memoryPools)
    return fail(CUDA_ERROR_NOT_SUPPORTED,
                "memory pools are disabled (FAKE_CUDA_NO_POOLS)");
  Stream *t;
  if (CUresult r = resolveStream(s, ctx, stream, t))
    return r;
  return allocate(s, bytes, MemKind::Pool, ctx->device, ptr);
}

FAKE_EXPORT CUresult cuMemFreeAsync(CUdeviceptr ptr, CUstream stream) {
  FAKE_ENTER(cuMemFreeAsync);
  Context *ctx;
  if (CUresult r = call.context(ctx))
    return r;
  Stream *t;
  if (CUresult r = resolveStream(s, ctx, stream, t))
    return r;
  Allocation *a = findAllocation(s, ptr);
  if (!a || a->base != ptr || a->freeEnqueued)
    return fail(CUDA_ERROR_INVALID_VALUE,
                "%s is not the start of a live allocation (freed twice?)",
                hex(ptr).c_str());
  if (a->kind != MemKind::Pool)
    return fail(CUDA_ERROR_INVALID_VALUE,
                "%s was not allocated with cuMemAllocAsync", hex(ptr).c_str());
  a->freeEnqueued = true;
  State *state = &s;
  enqueueWork(s, t, "cuMemFreeAsync", [=](std::string &) -> CUresult {
    release(*state, a);
    return CUDA_SUCCESS;
  });
  return CUDA_SUCCESS;
}

FAKE_EXPORT CUresult cuDeviceGetDefaultMemPool(CUmemoryPool *pool,
                                               CUdevice dev) {
  FAKE_ENTER(cuDeviceGetDefaultMemPool);
  if (!pool)
    return fail(CUDA_ERROR_INVALID_VALUE, "pool is NULL");
  if (dev < 0 || dev >= s.numDevices)
    return fail(CUDA_ERROR_INVALID_DEVICE, "device %d", dev);
  if (!s.memoryPools)
    return fail(CUDA_ERROR_NOT_SUPPORTED, "memory pools are disabled");
  *pool = reinterpret_cast<CUmemoryPool>(&s.devices[dev].pool);
  return CUDA_SUCCESS;
}

FAKE_EXPORT CUresult cuMemPoolSetAttribute(CUmemoryPool pool,
                                           CUmemPool_attribute attribute,
                                           void *value) {
  FAKE_ENTER(cuMemPoolSetAttribute);
  Pool *p = nullptr;
  for (int d = 0; d < s.numDevices; ++d)
    if (reinterpret_cast<CUmemoryPool>(&s.devices[d].pool) == pool)
      p = &s.devices[d].pool;
  if (!p)
    return fail(CUDA_ERROR_INVALID_VALUE, "pool %p is not a pool",
                (void *)pool);
  if (!value)
    return fail(CUDA_ERROR_INVALID_VALUE, "value is NULL");
  if (attribute == CU_MEMPOOL_ATTR_RELEASE_THRESHOLD) {
    memcpy(&p->releaseThreshold, value, sizeof(uint64_t));
    return CUDA_SUCCESS;
  }
  if ((int)attribute >= 1 && (int)attribute <= 3)
    return CUDA_SUCCESS; // reuse policies
  return fail(CUDA_ERROR_INVALID_VALUE, "attribute %d", (int)attribute);
}

FAKE_EXPORT CUresult cuPointerGetAttribute(void *data,
                                           CUpointer_attribute attribute,
                                           CUdeviceptr ptr) {
  FAKE_ENTER(cuPointerGetAttribute);
  if (!data)
    return fail(CUDA_ERROR_INVALID_VALUE, "data is NULL");
  Allocation *a = findAllocation(s, ptr);
  if (!a)
    return fail(CUDA_ERROR_INVALID_VALUE, "%s is not CUDA memory",
                hex(ptr).c_str());
  switch ((int)attribute) {
  case CU_POINTER_ATTRIBUTE_MEMPOOL_HANDLE: {
    CUmemoryPool pool =
        a->kind == MemKind::Pool
            ? reinterpret_cast<CUmemoryPool>(&s.devices[a->device].pool)
            : nullptr;
    memcpy(data, &pool, sizeof(pool));
    return CUDA_SUCCESS;
  }
  case 1: { // CONTEXT
    CUcontext c = reinterpret_cast<CUcontext>(&s.devices[a->device].ctx);
    memcpy(data, &c, sizeof(c));
    return CUDA_SUCCESS;
  }
  case 8: { // IS_MANAGED
    unsigned managed = a->kind == MemKind::Managed;
    memcpy(data, &managed, sizeof(managed));
    return CUDA_SUCCESS;
  }
  case 9: // DEVICE_ORDINAL
    memcpy(data, &a->device, sizeof(int));
    return CUDA_SUCCESS;
  default:
    return fail(CUDA_ERROR_INVALID_VALUE, "attribute %d", (int)attribute);
  }
}

FAKE_EXPORT CUresult cuMemcpyAsync(CUdeviceptr dst, CUdeviceptr src,
                                   size_t bytes, CUstream stream) {
  FAKE_ENTER(cuMemcpyAsync);
  Context *ctx;
  if (CUresult r = call.context(ctx))
    return r;
  return enqueueCopy(s, ctx, dst, src, bytes, stream);
}

FAKE_EXPORT CUresult cuMemcpy(CUdeviceptr dst, CUdeviceptr src, size_t bytes) {
  FAKE_ENTER(cuMemcpy);
  Context *ctx;
  if (CUresult r = call.context(ctx))
    return r;
  if (CUresult r = enqueueCopy(s, ctx, dst, src, bytes, nullptr))
    return r;
  return syncStream(s, ctx, nullptr);
}

FAKE_EXPORT CUresult cuMemcpyHtoD_v2(CUdeviceptr dst, const void *src,
                                     size_t bytes) {
  return cuMemcpy(dst, reinterpret_cast<uintptr_t>(src), bytes);
}

FAKE_EXPORT CUresult cuMemcpyDtoH_v2(void *dst, CUdeviceptr src, size_t bytes) {
  return cuMemcpy(reinterpret_cast<uintptr_t>(dst), src, bytes);
}

FAKE_EXPORT CUresult cuMemcpyDtoD_v2(CUdeviceptr dst, CUdeviceptr src,
                                     size_t bytes) {
  return cuMemcpy(dst, src, bytes);
}

FAKE_EXPORT CUresult cuMemsetD8Async(CUdeviceptr dst, unsigned char value,
                                     size_t count, CUstream stream) {
  FAKE_ENTER(cuMemsetD8Async);
  Context *ctx;
  if (CUresult r = call.context(ctx))
    return r;
  return enqueueSet<uint8_t>(s, ctx, dst, value, count, stream);
}

FAKE_EXPORT CUresult cuMemsetD16Async(CUdeviceptr dst, unsigned short value,
                                      size_t count, CUstream stream) {
  FAKE_ENTER(cuMemsetD16Async);
  Context *ctx;
  if (CUresult r = call.context(ctx))
    return r;
  return enqueueSet<uint16_t>(s, ctx, dst, value, count, stream);
}

FAKE_EXPORT CUresult cuMemsetD32Async(CUdeviceptr dst, unsigned int value,
                                      size_t count, CUstream stream) {
  FAKE_ENTER(cuMemsetD32Async);
  Context *ctx;
  if (CUresult r = call.context(ctx))
    return r;
  return enqueueSet<uint32_t>(s, ctx, dst, value, count, stream);
}

FAKE_EXPORT CUresult cuMemsetD8_v2(CUdeviceptr dst, unsigned char value,
                                   size_t count) {
  FAKE_ENTER(cuMemsetD8_v2);
  Context *ctx;
  if (CUresult r = call.context(ctx))
    return r;
  if (CUresult r = enqueueSet<uint8_t>(s, ctx, dst, value, count, nullptr))
    return r;
  return syncStream(s, ctx, nullptr);
}

FAKE_EXPORT CUresult cuMemsetD32_v2(CUdeviceptr dst, unsigned int value,
                                    size_t count) {
  FAKE_ENTER(cuMemsetD32_v2);
  Context *ctx;
  if (CUresult r = call.context(ctx))
    return r;
  if (CUresult r = enqueueSet<uint32_t>(s, ctx, dst, value, count, nullptr))
    return r;
  return syncStream(s, ctx, nullptr);
}

FAKE_EXPORT CUresult cuMemGetInfo_v2(size_t *freeBytes, size_t *totalBytes) {
  FAKE_ENTER(cuMemGetInfo_v2);
  Context *ctx;
  if (CUresult r = call.context(ctx))
    return r;
  if (!freeBytes || !totalBytes)
    return fail(CUDA_ERROR_INVALID_VALUE, "a result pointer is NULL");
  *totalBytes = kTotalMemory;
  *freeBytes = kTotalMemory - s.liveBytes;
  return CUDA_SUCCESS;
}

FAKE_EXPORT CUresult cuMemHostRegister_v2(void *p, size_t bytes,
                                          unsigned int flags) {
  FAKE_ENTER(cuMemHostRegister_v2);
  Context *ctx;
  if (CUresult r = call.context(ctx))
    return r;
  uintptr_t base = reinterpret_cast<uintptr_t>(p);
  if (!p || !bytes)
    return fail(CUDA_ERROR_INVALID_VALUE, "NULL pointer or 0 bytes");
  if (flags & ~0xfu)
    return fail(CUDA_ERROR_INVALID_VALUE, "flags 0x%x", flags);
  if (findAllocation(s, base) || inReservation(s, base))
    return fail(CUDA_ERROR_INVALID_VALUE, "%p is CUDA memory, not host memory",
                p);
  auto next = s.registered.lower_bound(base);
  if (next != s.registered.end() && next->first < base + bytes)
    return fail(CUDA_ERROR_HOST_MEMORY_ALREADY_REGISTERED,
                "[%p, +%zu) overlaps a registered range", p, bytes);
  if (next != s.registered.begin()) {
    auto prev = std::prev(next);
    if (prev->first + prev->second > base)
      return fail(CUDA_ERROR_HOST_MEMORY_ALREADY_REGISTERED,
                  "[%p, +%zu) overlaps a registered range", p, bytes);
  }
  s.registered[base] = bytes;
  ++s.stats.registeredHost;
  return CUDA_SUCCESS;
}

FAKE_EXPORT CUresult cuMemHostUnregister(void *p) {
  FAKE_ENTER(cuMemHostUnregister);
  Context *ctx;
  if (CUresult r = call.context(ctx))
    return r;
  auto it = s.registered.find(reinterpret_cast<uintptr_t>(p));
  if (it == s.registered.end())
    return fail(CUDA_ERROR_HOST_MEMORY_NOT_REGISTERED,
                "%p is not the start of a registered range", p);
  drainAll(s); // pending copies from or to it finish first
  s.registered.erase(it);
  --s.stats.registeredHost;
  return CUDA_SUCCESS;
}

FAKE_EXPORT CUresult cuTensorMapEncodeTiled(
    CUtensorMap *map, CUtensorMapDataType dataType, cuuint32_t rank,
    void *address, const cuuint64_t *dims, const cuuint64_t *strides,
    const cuuint32_t *box, const cuuint32_t *elementStrides,
    CUtensorMapInterleave interleave, CUtensorMapSwizzle swizzle,
    CUtensorMapL2promotion l2Promotion, CUtensorMapFloatOOBfill oobFill) {
  FAKE_ENTER(cuTensorMapEncodeTiled);
  static const int kElementBytes[] = {1, 2, 4, 4, 8, 8, 2, 4, 8, 2, 4, 4, 4};
  if (!map || !address || !dims || !box || !elementStrides ||
      (rank > 1 && !strides))
    return fail(CUDA_ERROR_INVALID_VALUE, "a pointer argument is NULL");
  if ((int)dataType < 0 || (int)dataType > 12)
    return fail(CUDA_ERROR_INVALID_VALUE, "data type %d", (int)dataType);
  if (rank < 1 || rank > 5 || ((int)interleave != 0 && rank < 3))
    return fail(CUDA_ERROR_INVALID_VALUE, "rank %u", rank);
  if ((int)interleave < 0 || (int)interleave > 2 || (int)swizzle < 0 ||
      (int)swizzle > 3 || (int)l2Promotion < 0 || (int)l2Promotion > 3 ||
      (int)oobFill < 0 || (int)oobFill > 1)
    return fail(CUDA_ERROR_INVALID_VALUE,
                "interleave %d, swizzle %d, L2 promotion %d or fill %d out "
                "of range",
                (int)interleave, (int)swizzle, (int)l2Promotion, (int)oobFill);
  uintptr_t base = reinterpret_cast<uintptr_t>(address);
  if (base % ((int)interleave == 2 ? 32 : 16))
    return fail(CUDA_ERROR_INVALID_VALUE, "address %p is misaligned", address);
  int elementBytes = kElementBytes[dataType];
  uint64_t extent = (uint64_t)elementBytes * dims[0];
  for (cuuint32_t i = 0; i < rank; ++i) {
    if (dims[i] == 0 || dims[i] > (1ull << 32))
      return fail(CUDA_ERROR_INVALID_VALUE, "globalDim[%u] = %llu", i,
                  (unsigned long long)dims[i]);
    if (box[i] == 0 || box[i] > 256)
      return fail(CUDA_ERROR_INVALID_VALUE, "boxDim[%u] = %u (1 to 256)", i,
                  box[i]);
    if (elementStrides[i] == 0 || elementStrides[i] > 8)
      return fail(CUDA_ERROR_INVALID_VALUE, "elementStrides[%u] = %u", i,
                  elementStrides[i]);
  }
  for (cuuint32_t i = 0; i + 1 < rank; ++i) {
    uint64_t previous =
        i == 0 ? (uint64_t)elementBytes * dims[0] : strides[i - 1] * dims[i];
    if (strides[i] % 16 || strides[i] >= (1ull << 40) || strides[i] < previous)
      return fail(CUDA_ERROR_INVALID_VALUE,
                  "globalStrides[%u] = %llu (a multiple of 16, at least "
                  "%llu)",
                  i, (unsigned long long)strides[i],
                  (unsigned long long)previous);
    extent = strides[i] * dims[i + 1];
  }
  if ((int)interleave == 0 && (box[0] * elementBytes) % 16)
    return fail(CUDA_ERROR_INVALID_VALUE,
                "the inner box dimension is %u bytes, not a multiple of 16",
                box[0] * elementBytes);
  static const int kSwizzleBytes[] = {0, 32, 64, 128};
  if ((int)swizzle && box[0] * elementBytes > (unsigned)kSwizzleBytes[swizzle])
    return fail(CUDA_ERROR_INVALID_VALUE,
                "the inner box dimension (%u bytes) exceeds the swizzle span",
                box[0] * elementBytes);
  std::string why;
  if (!resolve(s, base, extent, Access::Device, why))
    return fail(CUDA_ERROR_INVALID_VALUE, "the tensor: %s", why.c_str());
  // A deterministic encoding of the arguments.
  memset(map, 0, sizeof(*map));
  map->opaque[0] = base;
  map->opaque[1] = ((uint64_t)dataType << 32) | rank;
  for (cuuint32_t i = 0; i < rank; ++i) {
    map->opaque[2 + i] = dims[i];
    map->opaque[7 + i] = ((uint64_t)box[i] << 32) | elementStrides[i];
  }
  for (cuuint32_t i = 0; i + 1 < rank; ++i)
    map->opaque[12 + i] = strides[i];
  return CUDA_SUCCESS;
}

//===----------------------------------------------------------------------===//
// For the fake cuBLAS and the tests
//===----------------------------------------------------------------------===//

namespace fakecuda {

CUcontext currentContext() {
  std::lock_guard<std::recursive_mutex> lock(state().mutex);
  return reinterpret_cast<CUcontext>(current());
}

bool validStream(CUcontext ctx, CUstream stream, std::string &why) {
  State &s = state();
  std::lock_guard<std::recursive_mutex> lock(s.mutex);
  Context *c = lookupContext(s, ctx);
  if (!c) {
    why = "no context";
    return false;
  }
  Stream *t;
  if (resolveStream(s, c, stream, t)) {
    why = tMessage;
    return false;
  }
  return true;
}

void enqueue(CUcontext ctx, CUstream stream,
             std::function<CUresult(std::string &)> work) {
  State &s = state();
  std::lock_guard<std::recursive_mutex> lock(s.mutex);
  Context *c = lookupContext(s, ctx);
  Stream *t;
  if (!c || resolveStream(s, c, stream, t))
    return;
  enqueueWork(s, t, "cuBLAS", std::move(work));
}

void *deviceAccess(CUdeviceptr address, size_t bytes, std::string &why) {
  State &s = state();
  std::lock_guard<std::recursive_mutex> lock(s.mutex);
  return resolve(s, address, bytes, Access::Device, why);
}

int injectedFailure(const char *symbol, int defaultStatus) {
  State &s = state();
  std::lock_guard<std::recursive_mutex> lock(s.mutex);
  tSymbol = symbol;
  return injected(s, symbol, defaultStatus);
}

void note(const std::string &line) {
  State &s = state();
  std::lock_guard<std::recursive_mutex> lock(s.mutex);
  snprintf(tMessage, sizeof(tMessage), "%s", line.c_str());
  logLine(line);
}

void countBlasHandles(int delta) {
  State &s = state();
  std::lock_guard<std::recursive_mutex> lock(s.mutex);
  s.stats.blasHandles += delta;
}

} // namespace fakecuda

FAKE_EXPORT void sto_fake_cuda_get_stats(sto_fake_cuda_stats *stats) {
  State &s = state();
  std::lock_guard<std::recursive_mutex> lock(s.mutex);
  *stats = s.stats;
  stats->contextDepth = tDepth;
}

FAKE_EXPORT int sto_fake_cuda_last_launch(sto_fake_cuda_launch *launch) {
  State &s = state();
  std::lock_guard<std::recursive_mutex> lock(s.mutex);
  if (!s.haveLaunch)
    return 0;
  *launch = s.lastLaunch;
  return 1;
}

FAKE_EXPORT const char *sto_fake_cuda_last_message(void) { return tMessage; }

FAKE_EXPORT void sto_fake_cuda_call_hook_once(const char *symbol,
                                              void (*hook)(void *), void *arg) {
  State &s = state();
  std::lock_guard<std::recursive_mutex> lock(s.mutex);
  s.hookSymbol = symbol ? symbol : "";
  s.hook = hook;
  s.hookArg = arg;
}
