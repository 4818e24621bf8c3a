//===- CudaFakeDriverTest.cpp - The CUDA runtime on the fake driver -------===//
//
// StoCudaFakeDriverTests: libsto_runtime's CUDA part on the fake driver and
// cuBLAS of tools/fake-cuda, which run on the host, for the paths that the
// GPU checks (CudaChecks.c) never reach: failures of each driver and cuBLAS
// call the runtime makes (FAKE_CUDA_FAIL), a second device and a caller's
// own context, devices without memory pools, work run eagerly, launch
// arguments, and objects left behind.
//
// Every test runs in a child process of this binary with STO_CUDA_DRIVER
// and STO_CUBLAS naming the fakes (the driver loads once per process), so
// the binary needs no environment and runs with the other unit tests. The
// child is the test of the same name in CudaFakeChild.
//
//===----------------------------------------------------------------------===//

#include "CudaChecks.h"
#include "CudaDriver.h"
#include "CudaMgpu.h"
#include "FakeCuda.h"
#include "sto-c/Runtime.h"

#include "gtest/gtest.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <vector>

namespace {

//===----------------------------------------------------------------------===//
// Child processes
//===----------------------------------------------------------------------===//

const char *childName() { return getenv("STO_FAKE_TEST_CHILD"); }

/// Runs CudaFakeChild.<name> in a child process on the fakes, with `env`
/// (NAME=value ...) added; expects it to pass (and to print `expect`).
void runOnFake(const std::string &name, const std::string &env,
               const char *expect = nullptr) {
  char self[4096];
  ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
  ASSERT_GT(n, 0);
  self[n] = '\0';
  std::string command =
      "env -u GTEST_TOTAL_SHARDS -u GTEST_SHARD_INDEX -u GTEST_OUTPUT "
      "-u GTEST_FILTER -u GTEST_SHUFFLE -u FAKE_CUDA_FAIL "
      "-u FAKE_CUDA_DEVICES -u FAKE_CUDA_EAGER -u FAKE_CUDA_NO_POOLS "
      "STO_CUDA_DRIVER=" STO_FAKE_CUDA_LIBRARY
      " STO_CUBLAS=" STO_FAKE_CUBLAS_LIBRARY " STO_FAKE_TEST_CHILD=" +
      name + " " + env + " '" + self + "' --gtest_filter=CudaFakeChild." +
      name + " 2>&1";
  FILE *pipe = popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string output;
  char buffer[4096];
  size_t got;
  while ((got = fread(buffer, 1, sizeof(buffer), pipe)) > 0)
    output.append(buffer, got);
  int status = pclose(pipe);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0 &&
              output.find("[  PASSED  ] 1 test") != std::string::npos &&
              (!expect || output.find(expect) != std::string::npos))
      << env << "\n"
      << output;
}

/// A test run on the fakes with `env`: TEST(CudaFake, name) starts the child
/// TEST(CudaFakeChild, name), whose body follows.
#define FAKE_TEST(name, env)                                                   \
  void runChild_##name();                                                      \
  TEST(CudaFake, name) { runOnFake(#name, env); }                              \
  TEST(CudaFakeChild, name) {                                                  \
    if (!childName() || strcmp(childName(), #name) != 0)                       \
      GTEST_SKIP() << "child process only";                                    \
    ASSERT_EQ(sto_cuda_init(), STO_OK) << sto_cuda_last_error_message();       \
    ASSERT_TRUE(fake().loaded) << "the loaded driver is not the fake";         \
    runChild_##name();                                                         \
  }                                                                            \
  void runChild_##name()

//===----------------------------------------------------------------------===//
// The fake's hooks and driver entry points, from the instance the runtime
// loaded
//===----------------------------------------------------------------------===//

struct Fake {
  bool loaded = false;
  void (*getStats)(sto_fake_cuda_stats *) = nullptr;
  int (*lastLaunch)(sto_fake_cuda_launch *) = nullptr;
  const char *(*lastMessage)(void) = nullptr;
  void (*callHookOnce)(const char *, void (*)(void *), void *) = nullptr;
  sto::cuda::PFN_ctxGetCurrent ctxGetCurrent = nullptr;
  sto::cuda::PFN_ctxPushCurrent ctxPushCurrent = nullptr;
  sto::cuda::PFN_ctxPopCurrent ctxPopCurrent = nullptr;
  sto::cuda::PFN_devicePrimaryCtxRetain primaryCtxRetain = nullptr;
};

const Fake &fake() {
  static Fake f = [] {
    Fake r;
    // RTLD_NOLOAD: the runtime's instance (loaded by sto_cuda_init).
    void *h = dlopen(STO_FAKE_CUDA_LIBRARY, RTLD_NOW | RTLD_NOLOAD);
    if (!h)
      return r;
    r.getStats = reinterpret_cast<decltype(r.getStats)>(
        dlsym(h, "sto_fake_cuda_get_stats"));
    r.lastLaunch = reinterpret_cast<decltype(r.lastLaunch)>(
        dlsym(h, "sto_fake_cuda_last_launch"));
    r.lastMessage = reinterpret_cast<decltype(r.lastMessage)>(
        dlsym(h, "sto_fake_cuda_last_message"));
    r.callHookOnce = reinterpret_cast<decltype(r.callHookOnce)>(
        dlsym(h, "sto_fake_cuda_call_hook_once"));
    r.ctxGetCurrent = reinterpret_cast<decltype(r.ctxGetCurrent)>(
        dlsym(h, "cuCtxGetCurrent"));
    r.ctxPushCurrent = reinterpret_cast<decltype(r.ctxPushCurrent)>(
        dlsym(h, "cuCtxPushCurrent_v2"));
    r.ctxPopCurrent = reinterpret_cast<decltype(r.ctxPopCurrent)>(
        dlsym(h, "cuCtxPopCurrent_v2"));
    r.primaryCtxRetain = reinterpret_cast<decltype(r.primaryCtxRetain)>(
        dlsym(h, "cuDevicePrimaryCtxRetain"));
    r.loaded = r.getStats && r.lastLaunch && r.lastMessage && r.callHookOnce &&
               r.ctxGetCurrent && r.ctxPushCurrent && r.ctxPopCurrent &&
               r.primaryCtxRetain;
    return r;
  }();
  return f;
}

sto_fake_cuda_stats stats() {
  sto_fake_cuda_stats s;
  fake().getStats(&s);
  return s;
}

CUcontext currentContext() {
  CUcontext ctx = nullptr;
  EXPECT_EQ(fake().ctxGetCurrent(&ctx), CUDA_SUCCESS);
  return ctx;
}

CUcontext primaryContext(int device) {
  CUcontext ctx = nullptr;
  EXPECT_EQ(fake().primaryCtxRetain(&ctx, device), CUDA_SUCCESS);
  return ctx;
}

bool contains(const char *text, const char *part) {
  return text && strstr(text, part);
}

#define EXPECT_MESSAGE(part)                                                   \
  EXPECT_TRUE(contains(sto_cuda_last_error_message(), part))                   \
      << "expected '" << (part) << "' in '" << sto_cuda_last_error_message()   \
      << "'"

//===----------------------------------------------------------------------===//
// Small workloads
//===----------------------------------------------------------------------===//

/// C = A * B, A 2 x 3, B 3 x 2, in device memory; returns sto_cuda_sgemm's
/// status and checks C when it succeeds.
int32_t product(const char *where) {
  const float a[6] = {1, 2, 3, 4, 5, 6}, b[6] = {7, 8, 9, 10, 11, 12};
  const float want[4] = {58, 64, 139, 154};
  void *da = nullptr, *db = nullptr, *dc = nullptr;
  EXPECT_EQ(sto_cuda_malloc(&da, sizeof(a)), STO_OK);
  EXPECT_EQ(sto_cuda_malloc(&db, sizeof(b)), STO_OK);
  EXPECT_EQ(sto_cuda_malloc(&dc, sizeof(want)), STO_OK);
  EXPECT_EQ(sto_cuda_memcpy(da, a, sizeof(a), nullptr), STO_OK);
  EXPECT_EQ(sto_cuda_memcpy(db, b, sizeof(b), nullptr), STO_OK);
  int32_t status =
      sto_cuda_sgemm(0, 1, 2, 2, 3, 1.0f, (const float *)da, 3, 0,
                     (const float *)db, 2, 0, 0.0f, (float *)dc, 2, 0);
  std::string message = sto_cuda_last_error_message();
  if (status == STO_OK) {
    float c[4] = {};
    EXPECT_EQ(sto_cuda_memcpy(c, dc, sizeof(c), nullptr), STO_OK);
    for (int i = 0; i < 4; ++i)
      EXPECT_EQ(c[i], want[i]) << where << ": C[" << i << "]";
  }
  EXPECT_EQ(sto_cuda_free(da), STO_OK);
  EXPECT_EQ(sto_cuda_free(db), STO_OK);
  EXPECT_EQ(sto_cuda_free(dc), STO_OK);
  // The message of the product, not of the frees.
  if (status != STO_OK && sto_cuda_last_error() == STO_OK)
    ADD_FAILURE() << where << ": the frees cleared the error";
  return status;
}

/// A private copy of the test PTX (modules are cached by image address).
std::string &ptxImage() {
  static std::string ptx = sto_test_kernels_ptx;
  return ptx;
}

/// The synchronous fill launch of compiled code on `module`; true when it
/// ran and wrote the right values.
bool fillWorks(void *module) {
  char message[512] = "";
  sto_cuda_clear_error();
  bool ok = sto_cuda_check_fill_with(module, message, sizeof(message)) ==
            STO_CHECK_PASS;
  if (!ok)
    printf("fill: %s\n", message);
  return ok;
}

/// Runs every GPU check (CudaChecks.c).
void runAllChecks() {
  size_t count = 0;
  const sto_cuda_check *checks = sto_cuda_checks(&count);
  for (size_t i = 0; i < count; ++i) {
    char message[2048] = "";
    sto_cuda_clear_error();
    int result = checks[i].run(message, sizeof(message));
    EXPECT_NE(result, STO_CHECK_FAIL) << checks[i].name << ": " << message;
  }
}

//===----------------------------------------------------------------------===//
// Without failures
//===----------------------------------------------------------------------===//

// The GPU checks with work run at once instead of at synchronization, and
// on a device without stream-ordered allocation (cuMemAlloc instead).
FAKE_TEST(ChecksPassEagerly, "FAKE_CUDA_EAGER=1") { runAllChecks(); }
FAKE_TEST(ChecksPassWithoutMemoryPools, "FAKE_CUDA_NO_POOLS=1") {
  runAllChecks();
}

// The checks on device 1 of 2: everything the runtime keeps per device
// (contexts, stream and cuBLAS pools, loaded modules, memory pools).
FAKE_TEST(ChecksPassOnTheSecondDevice, "FAKE_CUDA_DEVICES=2") {
  int32_t count = 0;
  ASSERT_EQ(sto_cuda_device_count(&count), STO_OK);
  ASSERT_EQ(count, 2);
  ASSERT_EQ(sto_cuda_set_device(1), STO_OK);
  runAllChecks();
  EXPECT_EQ(product("device 1"), STO_OK);
  // Device 0 afterwards, in the same thread, with the same module.
  void *module = mgpuModuleLoad(&ptxImage()[0], ptxImage().size() + 1);
  EXPECT_TRUE(fillWorks(module));
  ASSERT_EQ(sto_cuda_set_device(0), STO_OK);
  EXPECT_TRUE(fillWorks(module));
  EXPECT_EQ(product("device 0"), STO_OK);
  mgpuModuleUnload(module);
  EXPECT_EQ(sto_cuda_last_error(), STO_OK) << sto_cuda_last_error_message();
}

// A thread with its own context current (here another device's) finds it
// current again after every entry point, with its context stack as deep as
// before; a thread without one is left with the primary context current.
FAKE_TEST(CallerContextIsRestored, "FAKE_CUDA_DEVICES=2") {
  CUcontext mine = primaryContext(1);
  ASSERT_EQ(fake().ctxPushCurrent(mine), CUDA_SUCCESS);
  int depth = stats().contextDepth;
  auto expectRestored = [&](const char *what) {
    EXPECT_EQ(currentContext(), mine) << what;
    EXPECT_EQ(stats().contextDepth, depth) << what;
  };
  void *d = nullptr, *stream = nullptr;
  float host[4] = {1, 2, 3, 4};
  EXPECT_EQ(sto_cuda_malloc(&d, sizeof(host)), STO_OK);
  expectRestored("sto_cuda_malloc");
  EXPECT_EQ(sto_cuda_memcpy(d, host, sizeof(host), nullptr), STO_OK);
  expectRestored("sto_cuda_memcpy");
  EXPECT_EQ(sto_cuda_memset(d, 0, sizeof(host), nullptr), STO_OK);
  expectRestored("sto_cuda_memset");
  EXPECT_EQ(sto_cuda_stream_create(&stream), STO_OK);
  expectRestored("sto_cuda_stream_create");
  EXPECT_EQ(sto_cuda_stream_synchronize(stream), STO_OK);
  expectRestored("sto_cuda_stream_synchronize");
  EXPECT_EQ(sto_cuda_stream_destroy(stream), STO_OK);
  expectRestored("sto_cuda_stream_destroy");
  EXPECT_EQ(sto_cuda_synchronize(), STO_OK);
  expectRestored("sto_cuda_synchronize");
  EXPECT_EQ(product("with another context current"), STO_OK);
  expectRestored("sto_cuda_sgemm");
  void *module = mgpuModuleLoad(&ptxImage()[0], ptxImage().size() + 1);
  EXPECT_TRUE(fillWorks(module));
  expectRestored("the mgpu* calls of a launch");
  void *event = mgpuEventCreate();
  void *s = mgpuStreamCreate();
  mgpuEventRecord(event, s);
  mgpuStreamWaitEvent(s, event);
  mgpuEventSynchronize(event);
  mgpuEventDestroy(event);
  void *p = mgpuMemAlloc(64, s, 0);
  mgpuMemset32(p, 7, 16, s);
  mgpuMemFree(p, s);
  mgpuStreamSynchronize(s);
  mgpuStreamDestroy(s);
  EXPECT_EQ(sto_cuda_last_error(), STO_OK) << sto_cuda_last_error_message();
  expectRestored("mgpu* events and memory");
  mgpuModuleUnload(module);
  expectRestored("mgpuModuleUnload");
  EXPECT_EQ(sto_cuda_free(d), STO_OK);
  expectRestored("sto_cuda_free");
  CUcontext popped = nullptr;
  EXPECT_EQ(fake().ctxPopCurrent(&popped), CUDA_SUCCESS);
  EXPECT_EQ(popped, mine);

  // A fresh thread: no context before, device 0's primary one after.
  pthread_t thread;
  ASSERT_EQ(pthread_create(
                &thread, nullptr,
                [](void *) -> void * {
                  EXPECT_EQ(stats().contextDepth, 0);
                  void *q = nullptr;
                  EXPECT_EQ(sto_cuda_malloc(&q, 16), STO_OK);
                  EXPECT_EQ(sto_cuda_free(q), STO_OK);
                  EXPECT_EQ(stats().contextDepth, 1);
                  EXPECT_EQ(currentContext(), primaryContext(0));
                  return nullptr;
                },
                nullptr),
            0);
  pthread_join(thread, nullptr);
}

// What compiled code's launches pass on: grid, block, shared memory (with
// the opt-in attribute above 48 KiB), cluster, and the parameters, checked
// by the fake against the PTX's parameter list.
FAKE_TEST(LaunchArguments, "") {
  void *module = mgpuModuleLoad(&ptxImage()[0], ptxImage().size() + 1);
  void *fill = mgpuModuleGetFunction(module, "sto_test_fill_index");
  ASSERT_NE(fill, nullptr) << sto_cuda_last_error_message();
  void *out = nullptr;
  unsigned n = 1000;
  ASSERT_EQ(sto_cuda_malloc(&out, 4096 * sizeof(unsigned)), STO_OK);
  void *params[2] = {&out, &n};
  sto_cuda_clear_error();
  mgpuLaunchKernel(fill, 4, 3, 2, 128, 2, 1, 64 * 1024, nullptr, params,
                   nullptr, 2);
  EXPECT_EQ(sto_cuda_last_error(), STO_OK) << sto_cuda_last_error_message();
  sto_fake_cuda_launch l;
  ASSERT_TRUE(fake().lastLaunch(&l));
  EXPECT_STREQ(l.name, "sto_test_fill_index");
  EXPECT_EQ(l.grid[0], 4u);
  EXPECT_EQ(l.grid[1], 3u);
  EXPECT_EQ(l.grid[2], 2u);
  EXPECT_EQ(l.block[0], 128u);
  EXPECT_EQ(l.block[1], 2u);
  EXPECT_EQ(l.block[2], 1u);
  EXPECT_EQ(l.sharedBytes, 64u * 1024);
  EXPECT_EQ(l.numParams, 2);
  EXPECT_EQ(l.paramBytes, 12);
  EXPECT_EQ(l.emulated, 1);
  // More dynamic shared memory than sm_90 has: the attribute is refused.
  mgpuLaunchKernel(fill, 1, 1, 1, 1, 1, 1, 300 * 1024, nullptr, params, nullptr,
                   2);
  EXPECT_EQ(sto_cuda_last_error(), STO_ERROR_CUDA);
  EXPECT_MESSAGE("cuFuncSetAttribute(MAX_DYNAMIC_SHARED_SIZE_BYTES) failed "
                 "with CUDA_ERROR_INVALID_VALUE");
  sto_cuda_clear_error();
  // A cluster of 16 needs the non-portable size; 32 is refused.
  mgpuLaunchClusterKernel(fill, 16, 1, 1, 32, 1, 1, 64, 1, 1, 0, nullptr,
                          params, nullptr);
  EXPECT_EQ(sto_cuda_last_error(), STO_OK) << sto_cuda_last_error_message();
  ASSERT_TRUE(fake().lastLaunch(&l));
  EXPECT_EQ(l.cluster[0], 16u);
  EXPECT_EQ(l.grid[0], 32u);
  mgpuLaunchClusterKernel(fill, 32, 1, 1, 32, 1, 1, 64, 1, 1, 0, nullptr,
                          params, nullptr);
  EXPECT_EQ(sto_cuda_last_error(), STO_ERROR_CUDA);
  EXPECT_MESSAGE("CUDA_ERROR_INVALID_CLUSTER_SIZE");
  sto_cuda_clear_error();
  // A NULL parameter pointer is the driver's error, not a crash.
  void *badParams[2] = {&out, nullptr};
  mgpuLaunchKernel(fill, 1, 1, 1, 1, 1, 1, 0, nullptr, badParams, nullptr, 2);
  EXPECT_EQ(sto_cuda_last_error(), STO_ERROR_CUDA);
  EXPECT_MESSAGE("cuLaunchKernel failed with CUDA_ERROR_INVALID_VALUE");
  sto_cuda_clear_error();
  EXPECT_EQ(sto_cuda_synchronize(), STO_OK) << sto_cuda_last_error_message();
  std::vector<unsigned> host(4096);
  EXPECT_EQ(sto_cuda_memcpy(host.data(), out, 4096 * sizeof(unsigned), nullptr),
            STO_OK);
  for (unsigned i = 0; i < n; ++i)
    ASSERT_EQ(host[i], i * 2654435761u + 12345u) << i;
  EXPECT_EQ(sto_cuda_free(out), STO_OK);
  mgpuModuleUnload(module);
  EXPECT_EQ(sto_cuda_last_error(), STO_OK) << sto_cuda_last_error_message();
}

// After all checks, what is left alive: no memory but the cached TMA
// descriptor copy, no module, no registered range; streams, events and
// cuBLAS handles only in the runtime's pools.
FAKE_TEST(NothingIsLeftBehind, "") {
  runAllChecks();
  // Temporaries kept for reuse on their streams go back on request.
  ASSERT_EQ(sto_cuda_release_cached_memory(), STO_OK)
      << sto_cuda_last_error_message();
  ASSERT_EQ(sto_cuda_synchronize(), STO_OK);
  sto_fake_cuda_stats s = stats();
  EXPECT_EQ(s.allocations, 1) << "the TMA descriptor copy only";
  EXPECT_EQ(s.modules, 0);
  EXPECT_EQ(s.registeredHost, 0);
  EXPECT_EQ(s.pendingOps, 0);
  EXPECT_EQ(s.faults, 0);
  EXPECT_EQ(s.primaryRetains, 1);
  EXPECT_LE(s.streams, 32) << "the stream pool holds at most 32";
  EXPECT_EQ(s.events, s.blasHandles) << "one event per pooled cuBLAS handle";
  EXPECT_LE(s.blasHandles, 32);
  printf("left: %lld streams, %lld cuBLAS handles, %lld launches (%lld "
         "emulated)\n",
         (long long)s.streams, (long long)s.blasHandles, (long long)s.launches,
         (long long)s.emulatedLaunches);
}

// Eight threads whose first CUDA calls race: the driver loads once, each
// primary context is retained once, every product is right.
FAKE_TEST(ConcurrentFirstUse, "FAKE_CUDA_DEVICES=2") {
  pthread_t threads[8];
  for (int i = 0; i < 8; ++i)
    ASSERT_EQ(pthread_create(
                  &threads[i], nullptr,
                  [](void *arg) -> void * {
                    int device = (int)(intptr_t)arg % 2;
                    EXPECT_EQ(sto_cuda_set_device(device), STO_OK);
                    for (int j = 0; j < 4; ++j)
                      EXPECT_EQ(product("thread"), STO_OK);
                    return nullptr;
                  },
                  (void *)(intptr_t)i),
              0);
  for (pthread_t &t : threads)
    pthread_join(t, nullptr);
  EXPECT_EQ(stats().primaryRetains, 2);
  EXPECT_EQ(stats().allocations, 0);
}

// More streams released at once than the pool keeps: the rest are
// destroyed, none is lost or destroyed twice.
FAKE_TEST(StreamPoolOverflow, "") {
  sto_cuda_clear_error();
  std::vector<void *> streams;
  for (int i = 0; i < 40; ++i)
    streams.push_back(mgpuStreamCreate());
  EXPECT_EQ(stats().streams, 40);
  for (void *s : streams)
    mgpuStreamDestroy(s);
  EXPECT_EQ(sto_cuda_last_error(), STO_OK) << sto_cuda_last_error_message();
  EXPECT_EQ(stats().streams, 32);
  for (int i = 0; i < 40; ++i)
    streams[i] = mgpuStreamCreate();
  EXPECT_EQ(stats().streams, 40);
  for (void *s : streams)
    mgpuStreamDestroy(s);
  EXPECT_EQ(sto_cuda_last_error(), STO_OK) << sto_cuda_last_error_message();
}

//===----------------------------------------------------------------------===//
// Failures of driver and cuBLAS calls (FAKE_CUDA_FAIL)
//===----------------------------------------------------------------------===//

TEST(CudaFake, InitFailures) {
  // cuInit's "no device" means no usable CUDA; another failure is an error.
  runOnFake("InitNoDevice", "FAKE_CUDA_FAIL=cuInit=CUDA_ERROR_NO_DEVICE");
  runOnFake("InitUnknown", "FAKE_CUDA_FAIL=cuInit");
  runOnFake("InitUnknown", "FAKE_CUDA_FAIL=cuDeviceGetCount");
}

TEST(CudaFakeChild, InitNoDevice) {
  if (!childName() || strcmp(childName(), "InitNoDevice") != 0)
    GTEST_SKIP() << "child process only";
  EXPECT_FALSE(sto_cuda_available());
  EXPECT_EQ(sto_cuda_init(), STO_ERROR_NO_CUDA_DRIVER);
  EXPECT_MESSAGE("cuInit");
  EXPECT_MESSAGE("failed with CUDA_ERROR_NO_DEVICE (100)");
  void *p = &p;
  EXPECT_EQ(sto_cuda_malloc(&p, 16), STO_ERROR_NO_CUDA_DRIVER);
  EXPECT_EQ(p, nullptr);
}

TEST(CudaFakeChild, InitUnknown) {
  if (!childName() || strcmp(childName(), "InitUnknown") != 0)
    GTEST_SKIP() << "child process only";
  EXPECT_FALSE(sto_cuda_available());
  EXPECT_EQ(sto_cuda_init(), STO_ERROR_CUDA);
  EXPECT_MESSAGE("CUDA_ERROR_UNKNOWN (999): unknown error");
}

FAKE_TEST(FirstContextRetainFails,
          "FAKE_CUDA_FAIL=cuDevicePrimaryCtxRetain:1") {
  void *p = nullptr;
  EXPECT_EQ(sto_cuda_malloc(&p, 16), STO_ERROR_CUDA);
  EXPECT_MESSAGE("sto_cuda_malloc: cuDevicePrimaryCtxRetain failed with "
                 "CUDA_ERROR_UNKNOWN");
  // Retried, and retained once.
  EXPECT_EQ(sto_cuda_malloc(&p, 16), STO_OK) << sto_cuda_last_error_message();
  EXPECT_EQ(sto_cuda_free(p), STO_OK);
  EXPECT_EQ(stats().primaryRetains, 1);
}

FAKE_TEST(MallocFails, "FAKE_CUDA_FAIL=cuMemAlloc:1=CUDA_ERROR_OUT_OF_MEMORY") {
  void *p = &p;
  EXPECT_EQ(sto_cuda_malloc(&p, 16), STO_ERROR_CUDA);
  EXPECT_EQ(p, nullptr);
  EXPECT_MESSAGE("sto_cuda_malloc: cuMemAlloc failed with "
                 "CUDA_ERROR_OUT_OF_MEMORY (2): out of memory");
  EXPECT_EQ(product("after"), STO_OK);
}

FAKE_TEST(ErrorNamesFromTheRuntime,
          "FAKE_CUDA_FAIL=cuGetErrorName,cuGetErrorString,cuMemAlloc:1") {
  // A driver whose cuGetErrorName fails (the stub's does): the runtime
  // names the code itself.
  void *p = nullptr;
  EXPECT_EQ(sto_cuda_malloc(&p, 16), STO_ERROR_CUDA);
  EXPECT_STREQ(sto_cuda_last_error_message(),
               "sto_cuda_malloc: cuMemAlloc failed with CUDA_ERROR_UNKNOWN "
               "(999)");
}

FAKE_TEST(CopyFails, "FAKE_CUDA_FAIL=cuMemcpyAsync:2,cuStreamSynchronize:2") {
  void *d = nullptr;
  float host[4] = {};
  ASSERT_EQ(sto_cuda_malloc(&d, sizeof(host)), STO_OK);
  EXPECT_EQ(sto_cuda_memcpy(d, host, sizeof(host), nullptr), STO_OK);
  EXPECT_EQ(sto_cuda_memcpy(d, host, sizeof(host), nullptr), STO_ERROR_CUDA);
  EXPECT_MESSAGE("sto_cuda_memcpy: cuMemcpyAsync failed with");
  EXPECT_EQ(sto_cuda_memcpy(d, host, sizeof(host), nullptr), STO_ERROR_CUDA);
  EXPECT_MESSAGE("sto_cuda_memcpy: cuStreamSynchronize failed with");
  EXPECT_EQ(sto_cuda_memcpy(d, host, sizeof(host), nullptr), STO_OK);
  EXPECT_EQ(sto_cuda_free(d), STO_OK);
}

// The push of the runtime's context fails: the caller's context stays,
// nothing is popped that was not pushed.
FAKE_TEST(ContextPushFails,
          "FAKE_CUDA_DEVICES=2 FAKE_CUDA_FAIL=cuCtxPushCurrent:2") {
  CUcontext mine = primaryContext(1);
  ASSERT_EQ(fake().ctxPushCurrent(mine), CUDA_SUCCESS); // push 1
  void *p = nullptr;
  EXPECT_EQ(sto_cuda_malloc(&p, 16), STO_ERROR_CUDA);
  EXPECT_MESSAGE("cuCtxPushCurrent failed with");
  EXPECT_EQ(currentContext(), mine);
  EXPECT_EQ(stats().contextDepth, 1);
  EXPECT_EQ(sto_cuda_malloc(&p, 16), STO_OK);
  EXPECT_EQ(currentContext(), mine);
  EXPECT_EQ(sto_cuda_free(p), STO_OK);
  EXPECT_EQ(stats().contextDepth, 1);
}

FAKE_TEST(ModuleLoadFails, "FAKE_CUDA_FAIL=cuModuleLoadDataEx:1") {
  void *module = mgpuModuleLoad(&ptxImage()[0], ptxImage().size() + 1);
  sto_cuda_clear_error();
  EXPECT_EQ(mgpuModuleGetFunction(module, "sto_test_axpy"), nullptr);
  EXPECT_EQ(sto_cuda_last_error(), STO_ERROR_CUDA);
  EXPECT_MESSAGE("mgpuModuleGetFunction: cuModuleLoadDataEx");
  // (mgpuModuleLoad takes PTX too, as "binary": the driver tells them
  // apart.)
  EXPECT_MESSAGE("binary image) failed with CUDA_ERROR_UNKNOWN");
  // Loaded at the next lookup.
  EXPECT_TRUE(fillWorks(module));
  EXPECT_EQ(stats().modules, 1);
  mgpuModuleUnload(module);
  EXPECT_EQ(stats().modules, 0);
}

FAKE_TEST(FunctionLookupFails, "FAKE_CUDA_FAIL=cuModuleGetFunction:1") {
  void *module = mgpuModuleLoad(&ptxImage()[0], ptxImage().size() + 1);
  sto_cuda_clear_error();
  EXPECT_EQ(mgpuModuleGetFunction(module, "sto_test_fill_index"), nullptr);
  EXPECT_MESSAGE("cuModuleGetFunction failed with CUDA_ERROR_UNKNOWN");
  EXPECT_TRUE(fillWorks(module));
  EXPECT_EQ(stats().modules, 1); // loaded once
  mgpuModuleUnload(module);
}

// Compiled code keeps the first failure: the launch's, not a later one.
FAKE_TEST(LaunchFails, "FAKE_CUDA_FAIL=cuLaunchKernel:1,cuStreamSynchronize") {
  void *module = mgpuModuleLoad(&ptxImage()[0], ptxImage().size() + 1);
  EXPECT_FALSE(fillWorks(module));
  EXPECT_EQ(sto_cuda_last_error(), STO_ERROR_CUDA);
  EXPECT_MESSAGE("mgpuLaunchKernel: cuLaunchKernel failed with");
  sto_cuda_clear_error();
  mgpuModuleUnload(module);
}

FAKE_TEST(StreamCreateFails, "FAKE_CUDA_FAIL=cuStreamCreate:1") {
  sto_cuda_clear_error();
  EXPECT_EQ(mgpuStreamCreate(), nullptr);
  EXPECT_MESSAGE("mgpuStreamCreate: cuStreamCreate failed with");
  sto_cuda_clear_error();
  void *s = mgpuStreamCreate();
  EXPECT_NE(s, nullptr);
  mgpuStreamDestroy(s);
  EXPECT_EQ(sto_cuda_last_error(), STO_OK);
}

// The product's failures name the call that failed, and leave nothing
// behind: the next product works, the handle pool does not grow.
FAKE_TEST(ProductStreamFails, "FAKE_CUDA_FAIL=cuStreamCreate:1") {
  EXPECT_EQ(product("stream"), STO_ERROR_CUDA);
  EXPECT_MESSAGE("cuStreamCreate failed with CUDA_ERROR_UNKNOWN");
  EXPECT_EQ(product("after"), STO_OK);
}

FAKE_TEST(ProductHandleCreateFails, "FAKE_CUDA_FAIL=cublasCreate:1") {
  EXPECT_EQ(product("create"), STO_ERROR_CUDA);
  EXPECT_MESSAGE("sto_cuda_sgemm: cublasCreate failed with "
                 "CUBLAS_STATUS_EXECUTION_FAILED (13): the GPU program "
                 "failed to execute");
  EXPECT_EQ(stats().blasHandles, 0);
  EXPECT_EQ(product("after"), STO_OK);
  EXPECT_EQ(stats().blasHandles, 1);
}

FAKE_TEST(ProductEventCreateFails, "FAKE_CUDA_FAIL=cuEventCreate:1") {
  EXPECT_EQ(product("event"), STO_ERROR_CUDA);
  EXPECT_MESSAGE("cuEventCreate failed with");
  EXPECT_EQ(stats().blasHandles, 0);
  EXPECT_EQ(stats().events, 0);
  EXPECT_EQ(product("after"), STO_OK);
}

FAKE_TEST(ProductMathModeFails, "FAKE_CUDA_FAIL=cublasSetMathMode:1") {
  EXPECT_EQ(product("math mode"), STO_ERROR_CUDA);
  EXPECT_MESSAGE("cublasSetMathMode(CUBLAS_DEFAULT_MATH) failed with");
  EXPECT_EQ(stats().blasHandles, 0);
  EXPECT_EQ(stats().events, 0);
  EXPECT_EQ(product("after"), STO_OK);
}

FAKE_TEST(ProductSetStreamFails, "FAKE_CUDA_FAIL=cublasSetStream:1") {
  EXPECT_EQ(product("set stream"), STO_ERROR_CUDA);
  EXPECT_MESSAGE("cublasSetStream failed with");
  EXPECT_EQ(product("after"), STO_OK);
  EXPECT_EQ(stats().blasHandles, 1); // the pooled handle was reused
}

FAKE_TEST(ProductSgemmFails,
          "FAKE_CUDA_FAIL=cublasSgemm:1=CUBLAS_STATUS_INVALID_VALUE") {
  int64_t streams = -1;
  EXPECT_EQ(product("sgemm"), STO_ERROR_CUDA);
  EXPECT_MESSAGE("sto_cuda_sgemm: cublasSgemm failed with "
                 "CUBLAS_STATUS_INVALID_VALUE (7)");
  streams = stats().streams;
  EXPECT_EQ(product("after"), STO_OK);
  EXPECT_EQ(stats().streams, streams) << "the pooled stream was reused";
  EXPECT_EQ(stats().blasHandles, 1);
}

FAKE_TEST(ProductSynchronizeFails, "FAKE_CUDA_FAIL=cuStreamSynchronize:3") {
  // Calls 1 and 2 are the copies of A and B.
  EXPECT_EQ(product("synchronize"), STO_ERROR_CUDA);
  EXPECT_MESSAGE("sto_cuda_sgemm: cuStreamSynchronize failed with");
  EXPECT_EQ(product("after"), STO_OK);
}

/// Fills the runtime's stream pool (32 streams) behind the caller's back.
void fillStreamPool(void *) {
  std::vector<void *> streams;
  for (int i = 0; i < 32; ++i)
    streams.push_back(mgpuStreamCreate());
  for (void *s : streams)
    mgpuStreamDestroy(s);
}

// Another thread filled the pool while the product ran, so the product's
// own stream is destroyed instead of pooled; when that fails, the status
// says so as the error state does (an STO_OK beside a recorded error made
// compiled entry points fail after a correct product).
FAKE_TEST(ProductSurplusStreamDestroyFails,
          "FAKE_CUDA_FAIL=cuStreamDestroy:1") {
  sto_cuda_clear_error();
  int64_t before = stats().streams;
  fake().callHookOnce("cublasSgemm", fillStreamPool, nullptr);
  EXPECT_EQ(product("surplus"), STO_ERROR_CUDA);
  EXPECT_MESSAGE(
      "sto_cuda_sgemm: cuStreamDestroy failed with CUDA_ERROR_UNKNOWN");
  EXPECT_EQ(stats().injectedFailures, 1) << "the pool did not overflow";
  EXPECT_EQ(stats().streams, before + 33); // 32 pooled, 1 not destroyed
  // Once the pool is full, the next product's stream comes from it.
  EXPECT_EQ(product("after"), STO_OK);
  EXPECT_EQ(stats().streams, before + 33);
}

// On a caller's stream without STO_CUDA_STREAM_WAIT the handle records an
// event for the next user; when that fails the runtime waits for the stream
// instead, and the product has succeeded.
FAKE_TEST(ProductEventRecordFails, "FAKE_CUDA_FAIL=cuEventRecord:1") {
  const float a[1] = {3}, b[1] = {4};
  void *da = nullptr, *db = nullptr, *dc = nullptr, *stream = nullptr;
  ASSERT_EQ(sto_cuda_malloc(&da, 4), STO_OK);
  ASSERT_EQ(sto_cuda_malloc(&db, 4), STO_OK);
  ASSERT_EQ(sto_cuda_malloc(&dc, 4), STO_OK);
  ASSERT_EQ(sto_cuda_memcpy(da, a, 4, nullptr), STO_OK);
  ASSERT_EQ(sto_cuda_memcpy(db, b, 4, nullptr), STO_OK);
  ASSERT_EQ(sto_cuda_stream_create(&stream), STO_OK);
  ASSERT_EQ(sto_cuda_set_stream(stream, 0), STO_OK);
  sto_cuda_clear_error();
  int32_t status =
      sto_cuda_sgemm(0, 1, 1, 1, 1, 1.0f, (const float *)da, 1, 0,
                     (const float *)db, 1, 0, 0.0f, (float *)dc, 1, 0);
  EXPECT_EQ(status, STO_OK);
  EXPECT_EQ(sto_cuda_last_error(), status)
      << "status " << status << " but the error state holds '"
      << sto_cuda_last_error_message() << "'";
  // Compiled code: its entry point returns the error state.
  sto_cuda_clear_error();
  sto_cuda_compiled_sgemm(0, 1, 1, 1, 1, 1.0f, (const float *)da, 1, 0,
                          (const float *)db, 1, 0, 0.0f, (float *)dc, 1, 0);
  EXPECT_EQ(sto_cuda_last_error(), STO_OK) << sto_cuda_last_error_message();
  ASSERT_EQ(sto_cuda_set_stream(nullptr, 0), STO_OK);
  ASSERT_EQ(sto_cuda_stream_synchronize(stream), STO_OK);
  float c = 0;
  ASSERT_EQ(sto_cuda_memcpy(&c, dc, 4, nullptr), STO_OK);
  EXPECT_EQ(c, 12.0f);
  ASSERT_EQ(sto_cuda_stream_destroy(stream), STO_OK);
  ASSERT_EQ(sto_cuda_free(da), STO_OK);
  ASSERT_EQ(sto_cuda_free(db), STO_OK);
  ASSERT_EQ(sto_cuda_free(dc), STO_OK);
}

FAKE_TEST(StreamOrderedAllocationFails,
          "FAKE_CUDA_FAIL=cuMemAllocAsync:1,cuMemFreeAsync:1") {
  sto_cuda_clear_error();
  void *s = mgpuStreamCreate();
  void *other = mgpuStreamCreate();
  EXPECT_EQ(mgpuMemAlloc(64, s, 0), nullptr);
  EXPECT_MESSAGE("mgpuMemAlloc: cuMemAllocAsync failed with");
  sto_cuda_clear_error();
  void *p = mgpuMemAlloc(64, s, 0);
  EXPECT_NE(p, nullptr);
  // Freed on another stream than its own, a block goes back to the driver
  // at once (one freed on its own stream would be kept).
  mgpuMemFree(p, other);
  EXPECT_MESSAGE("mgpuMemFree: cuMemFreeAsync failed with");
  sto_cuda_clear_error();
  mgpuMemFree(p, other);
  mgpuStreamSynchronize(s);
  mgpuStreamSynchronize(other);
  mgpuStreamDestroy(other);
  mgpuStreamDestroy(s);
  EXPECT_EQ(sto_cuda_last_error(), STO_OK) << sto_cuda_last_error_message();
  EXPECT_EQ(stats().allocations, 0);
}

// On a caller's stream a freed temporary is kept for the stream's next
// allocation of its size (the driver is not asked again), and the kept
// blocks go back to the driver when the thread sets another stream or the
// stream is destroyed.
FAKE_TEST(BlocksKeptOnCallersStream, "") {
  int64_t before = stats().allocations;
  void *stream = nullptr;
  ASSERT_EQ(sto_cuda_stream_create(&stream), STO_OK);
  ASSERT_EQ(sto_cuda_set_stream(stream, 0), STO_OK);
  sto_cuda_clear_error();
  void *s = mgpuStreamCreate();
  ASSERT_EQ(s, stream);
  void *p = mgpuMemAlloc(1000, s, 0);
  ASSERT_NE(p, nullptr);
  mgpuMemFree(p, s);
  EXPECT_EQ(stats().allocations, before + 1) << "the freed block is kept";
  // 1000 and 1024 bytes round to the same block; 5000 does not.
  void *q = mgpuMemAlloc(1024, s, 0);
  EXPECT_EQ(q, p);
  void *r = mgpuMemAlloc(1000, s, 0);
  EXPECT_NE(r, p);
  void *big = mgpuMemAlloc(5000, s, 0);
  EXPECT_NE(big, p);
  EXPECT_EQ(stats().allocations, before + 3);
  mgpuMemFree(q, s);
  mgpuMemFree(r, s);
  mgpuMemFree(big, s);
  EXPECT_EQ(sto_cuda_last_error(), STO_OK) << sto_cuda_last_error_message();
  // Another stream's allocation does not take this stream's blocks.
  void *other = nullptr;
  ASSERT_EQ(sto_cuda_stream_create(&other), STO_OK);
  ASSERT_EQ(sto_cuda_set_stream(other, 0), STO_OK);
  ASSERT_EQ(sto_cuda_stream_synchronize(stream), STO_OK);
  EXPECT_EQ(stats().allocations, before) << "set_stream released them";
  void *o = mgpuMemAlloc(1000, other, 0);
  EXPECT_NE(o, nullptr);
  mgpuMemFree(o, other);
  EXPECT_EQ(stats().allocations, before + 1);
  // Destroying the stream releases its blocks too.
  ASSERT_EQ(sto_cuda_stream_destroy(other), STO_OK);
  ASSERT_EQ(sto_cuda_synchronize(), STO_OK);
  EXPECT_EQ(stats().allocations, before);
  // A block freed on another stream than its own goes back at once.
  ASSERT_EQ(sto_cuda_set_stream(stream, 0), STO_OK);
  void *x = mgpuMemAlloc(64, stream, 0);
  ASSERT_EQ(sto_cuda_set_stream(nullptr, 0), STO_OK);
  void *pooled = mgpuStreamCreate();
  mgpuMemFree(x, pooled);
  mgpuStreamSynchronize(pooled);
  mgpuStreamDestroy(pooled);
  EXPECT_EQ(stats().allocations, before);
  EXPECT_EQ(sto_cuda_last_error(), STO_OK) << sto_cuda_last_error_message();
  ASSERT_EQ(sto_cuda_stream_destroy(stream), STO_OK);
}

// Without a caller's stream, compiled code takes a pool stream for each
// operation and synchronizes it: a block freed on the pool stream it was
// allocated on is kept for that stream's next allocation too, and
// sto_cuda_release_cached_memory gives every kept block back.
FAKE_TEST(BlocksKeptOnPoolStreams, "") {
  int64_t before = stats().allocations;
  sto_cuda_clear_error();
  auto onPoolStream = [](auto op) {
    void *s = mgpuStreamCreate();
    op(s);
    mgpuStreamSynchronize(s);
    mgpuStreamDestroy(s);
    return s;
  };
  void *p = nullptr, *q = nullptr;
  void *s1 = onPoolStream([&](void *s) { p = mgpuMemAlloc(4096, s, 0); });
  void *s2 = onPoolStream([&](void *s) { mgpuMemFree(p, s); });
  ASSERT_EQ(s1, s2) << "the pool gives back the stream it took last";
  EXPECT_EQ(stats().allocations, before + 1) << "the freed block is kept";
  onPoolStream([&](void *s) { q = mgpuMemAlloc(4000, s, 0); });
  EXPECT_EQ(q, p);
  EXPECT_EQ(stats().allocations, before + 1);
  onPoolStream([&](void *s) { mgpuMemFree(q, s); });
  EXPECT_EQ(sto_cuda_last_error(), STO_OK) << sto_cuda_last_error_message();
  EXPECT_EQ(sto_cuda_release_cached_memory(), STO_OK)
      << sto_cuda_last_error_message();
  ASSERT_EQ(sto_cuda_synchronize(), STO_OK);
  EXPECT_EQ(stats().allocations, before);
  // Nothing left to give back: still STO_OK.
  EXPECT_EQ(sto_cuda_release_cached_memory(), STO_OK);
}

// An allocation that runs out of memory while blocks sit idle gives them
// back, waits for their streams, and tries once more.
FAKE_TEST(OutOfMemoryReleasesKeptBlocks,
          "FAKE_CUDA_FAIL=cuMemAllocAsync:3=CUDA_ERROR_OUT_OF_MEMORY") {
  int64_t before = stats().allocations;
  void *stream = nullptr;
  ASSERT_EQ(sto_cuda_stream_create(&stream), STO_OK);
  ASSERT_EQ(sto_cuda_set_stream(stream, 0), STO_OK);
  sto_cuda_clear_error();
  void *a = mgpuMemAlloc(1000, stream, 0); // cuMemAllocAsync call 1
  ASSERT_NE(a, nullptr);
  mgpuMemFree(a, stream);                  // kept
  void *b = mgpuMemAlloc(5000, stream, 0); // call 2
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(stats().allocations, before + 2);
  void *c = mgpuMemAlloc(7000, stream, 0); // call 3 fails, call 4 succeeds
  EXPECT_NE(c, nullptr);
  EXPECT_EQ(sto_cuda_last_error(), STO_OK) << sto_cuda_last_error_message();
  EXPECT_EQ(stats().allocations, before + 2) << "the idle block went back";
  mgpuMemFree(b, stream);
  mgpuMemFree(c, stream);
  ASSERT_EQ(sto_cuda_stream_destroy(stream), STO_OK);
  ASSERT_EQ(sto_cuda_synchronize(), STO_OK);
  EXPECT_EQ(stats().allocations, before);
}

// A failure to give a kept block back is the status of the call that
// releases it.
FAKE_TEST(ReleasingKeptBlocksFails, "FAKE_CUDA_FAIL=cuMemFreeAsync:1") {
  void *stream = nullptr;
  ASSERT_EQ(sto_cuda_stream_create(&stream), STO_OK);
  ASSERT_EQ(sto_cuda_set_stream(stream, 0), STO_OK);
  sto_cuda_clear_error();
  void *p = mgpuMemAlloc(64, stream, 0);
  ASSERT_NE(p, nullptr);
  mgpuMemFree(p, stream);
  EXPECT_EQ(sto_cuda_last_error(), STO_OK) << sto_cuda_last_error_message();
  EXPECT_EQ(sto_cuda_set_stream(nullptr, 0), STO_ERROR_CUDA);
  EXPECT_MESSAGE("sto_cuda_set_stream: cuMemFreeAsync failed with");
  ASSERT_EQ(sto_cuda_stream_destroy(stream), STO_OK);
}

FAKE_TEST(TensorMapFails,
          "FAKE_CUDA_FAIL=cuTensorMapEncodeTiled:1,cuMemAlloc:2") {
  void *d = nullptr;
  ASSERT_EQ(sto_cuda_malloc(&d, 128 * 64 * sizeof(float)), STO_OK);
  int64_t desc[7] = {
      (int64_t)(intptr_t)d, (int64_t)(intptr_t)d, 0, 128, 64, 64, 1};
  int64_t box[2] = {32, 32};
  sto_cuda_clear_error();
  EXPECT_EQ(mgpuTensorMapEncodeTiledMemref(2, desc, 7, 0, 0, 0, 0, box),
            nullptr);
  EXPECT_MESSAGE("cuTensorMapEncodeTiled failed with");
  sto_cuda_clear_error();
  EXPECT_EQ(mgpuTensorMapEncodeTiledMemref(2, desc, 7, 0, 0, 0, 0, box),
            nullptr);
  EXPECT_MESSAGE("cuMemAlloc failed with");
  sto_cuda_clear_error();
  EXPECT_NE(mgpuTensorMapEncodeTiledMemref(2, desc, 7, 0, 0, 0, 0, box),
            nullptr);
  EXPECT_EQ(sto_cuda_last_error(), STO_OK) << sto_cuda_last_error_message();
  // A misaligned tensor is the driver's error.
  desc[2] = 1;
  EXPECT_EQ(mgpuTensorMapEncodeTiledMemref(2, desc, 7, 0, 0, 0, 0, box),
            nullptr);
  EXPECT_MESSAGE("CUDA_ERROR_INVALID_VALUE");
  sto_cuda_clear_error();
  EXPECT_EQ(sto_cuda_free(d), STO_OK);
}

FAKE_TEST(HostRegisterFails, "FAKE_CUDA_FAIL=cuMemHostRegister:1") {
  std::vector<float> host(256);
  int64_t desc[5] = {(int64_t)(intptr_t)host.data(),
                     (int64_t)(intptr_t)host.data(), 0, 256, 1};
  sto_cuda_clear_error();
  mgpuMemHostRegisterMemRef(1, desc, sizeof(float));
  EXPECT_MESSAGE("cuMemHostRegister failed with");
  sto_cuda_clear_error();
  mgpuMemHostRegisterMemRef(1, desc, sizeof(float));
  EXPECT_EQ(stats().registeredHost, 1);
  mgpuMemHostUnregisterMemRef(1, desc, sizeof(float));
  EXPECT_EQ(stats().registeredHost, 0);
  EXPECT_EQ(sto_cuda_last_error(), STO_OK) << sto_cuda_last_error_message();
}

FAKE_TEST(QueriesFail, "FAKE_CUDA_FAIL=cuDeviceGetName:1,cuDriverGetVersion:"
                       "1,cuDeviceGetAttribute:2+") {
  char name[64] = "unchanged";
  EXPECT_EQ(sto_cuda_device_name(0, name, sizeof(name)), STO_ERROR_CUDA);
  EXPECT_MESSAGE("sto_cuda_device_name: cuDeviceGetName failed with");
  EXPECT_EQ(sto_cuda_device_name(0, name, sizeof(name)), STO_OK);
  EXPECT_EQ(strncmp(name, STO_FAKE_CUDA_DEVICE_NAME_PREFIX,
                    strlen(STO_FAKE_CUDA_DEVICE_NAME_PREFIX)),
            0)
      << name;
  int32_t version = -1, major = -1, minor = -1;
  EXPECT_EQ(sto_cuda_driver_version(&version), STO_ERROR_CUDA);
  EXPECT_EQ(version, 0);
  EXPECT_EQ(sto_cuda_device_compute_capability(0, &major, &minor),
            STO_ERROR_CUDA);
  EXPECT_EQ(major, 0);
  EXPECT_EQ(minor, 0);
  EXPECT_MESSAGE("cuDeviceGetAttribute failed with");
}

// Work that faults on the device (here a kernel handed host memory) is the
// context's sticky error, reported by the next synchronization.
FAKE_TEST(DeviceFaultIsReported, "") {
  void *module = mgpuModuleLoad(&ptxImage()[0], ptxImage().size() + 1);
  void *fill = mgpuModuleGetFunction(module, "sto_test_fill_index");
  std::vector<unsigned> host(16);
  void *out = host.data();
  unsigned n = 16;
  void *params[2] = {&out, &n};
  sto_cuda_clear_error();
  void *s = mgpuStreamCreate();
  mgpuLaunchKernel(fill, 1, 1, 1, 16, 1, 1, 0, s, params, nullptr, 2);
  EXPECT_EQ(sto_cuda_last_error(), STO_OK) << sto_cuda_last_error_message();
  mgpuStreamSynchronize(s);
  EXPECT_EQ(sto_cuda_last_error(), STO_ERROR_CUDA);
  EXPECT_MESSAGE("mgpuStreamSynchronize: cuStreamSynchronize failed with "
                 "CUDA_ERROR_ILLEGAL_ADDRESS");
  EXPECT_EQ(stats().faults, 1);
  sto_cuda_clear_error();
  EXPECT_EQ(sto_cuda_synchronize(), STO_ERROR_CUDA);
  EXPECT_MESSAGE("CUDA_ERROR_ILLEGAL_ADDRESS");
}

//===----------------------------------------------------------------------===//
// Exit
//===----------------------------------------------------------------------===//

// Objects that a program releases from an exit handler registered before
// its first CUDA call, which runs after the driver's own (registered by
// cuInit) has shut it down: the releasing functions do nothing and record
// no error.
struct ExitObjects {
  void *memory, *stream, *mgpuMemory, *mgpuStream, *event, *module;
  int64_t registered[5];
  std::vector<float> host;
} gExit;

void releaseAtExit() {
  sto_cuda_clear_error();
  int32_t freed = sto_cuda_free(gExit.memory);
  int32_t destroyed = sto_cuda_stream_destroy(gExit.stream);
  mgpuMemFree(gExit.mgpuMemory, gExit.mgpuStream);
  mgpuEventDestroy(gExit.event);
  mgpuStreamDestroy(gExit.mgpuStream);
  mgpuMemHostUnregisterMemRef(1, gExit.registered, sizeof(float));
  mgpuModuleUnload(gExit.module);
  // The driver is gone indeed.
  CUcontext ctx;
  CUresult driver = fake().ctxGetCurrent(&ctx);
  if (freed == STO_OK && destroyed == STO_OK &&
      sto_cuda_last_error() == STO_OK && driver == CUDA_ERROR_DEINITIALIZED)
    printf("exit-release: ok\n");
  else
    printf("exit-release: free %d, stream %d, driver %d, error '%s'\n",
           (int)freed, (int)destroyed, (int)driver,
           sto_cuda_last_error_message());
  fflush(stdout);
}

__attribute__((constructor)) void registerReleaseAtExit() {
  if (childName() && strcmp(childName(), "ReleasingAtExit") == 0)
    atexit(releaseAtExit);
}

void runChild_ReleasingAtExit();
TEST(CudaFake, ReleasingAtExit) {
  runOnFake("ReleasingAtExit", "", "exit-release: ok");
}
TEST(CudaFakeChild, ReleasingAtExit) {
  if (!childName() || strcmp(childName(), "ReleasingAtExit") != 0)
    GTEST_SKIP() << "child process only";
  ASSERT_EQ(sto_cuda_init(), STO_OK) << sto_cuda_last_error_message();
  ASSERT_TRUE(fake().loaded);
  runChild_ReleasingAtExit();
}
void runChild_ReleasingAtExit() {
  ASSERT_EQ(sto_cuda_malloc(&gExit.memory, 64), STO_OK);
  ASSERT_EQ(sto_cuda_stream_create(&gExit.stream), STO_OK);
  sto_cuda_clear_error();
  gExit.mgpuStream = mgpuStreamCreate();
  gExit.mgpuMemory = mgpuMemAlloc(64, gExit.mgpuStream, 0);
  gExit.event = mgpuEventCreate();
  gExit.host.resize(64);
  int64_t desc[5] = {(int64_t)(intptr_t)gExit.host.data(),
                     (int64_t)(intptr_t)gExit.host.data(), 0, 64, 1};
  memcpy(gExit.registered, desc, sizeof(desc));
  mgpuMemHostRegisterMemRef(1, gExit.registered, sizeof(float));
  gExit.module = mgpuModuleLoad(&ptxImage()[0], ptxImage().size() + 1);
  EXPECT_TRUE(fillWorks(gExit.module));
  EXPECT_EQ(sto_cuda_last_error(), STO_OK) << sto_cuda_last_error_message();
}

} // namespace
