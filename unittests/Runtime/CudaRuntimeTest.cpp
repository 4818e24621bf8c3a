//===- CudaRuntimeTest.cpp - libsto_runtime, CUDA part --------------------===//
//
// StoCudaRuntimeTests links only libsto_runtime and GoogleTest (no MLIR), so
// that it also runs on the GPU machine.
//
// - Without a driver (CI): every sto_cuda_* function returns
//   STO_ERROR_NO_CUDA_DRIVER with a message, the mgpu* functions do not
//   crash, keep the first error and return NULL, nothing aborts. Child runs
//   of this binary cover STO_CUDA_DRIVER=none, a missing file, and the
//   toolkit's stub libcuda (which exports every symbol and fails cuInit).
// - With a GPU: the checks of tools/sto-cuda-selftest/CudaChecks.c, one test
//   each (alloc/copy/memset round trips, streams, module loads and launches
//   through mgpuLaunchKernel, async regions, events, user streams, 4 threads,
//   clusters, errors), and an exit-time unload in a child run. They skip
//   when sto_cuda_available() is false.
//
//===----------------------------------------------------------------------===//

#include "CudaChecks.h"
#include "CudaMgpu.h"
#include "sto-c/Runtime.h"

#include "gtest/gtest.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

namespace {

//===----------------------------------------------------------------------===//
// A module loaded before main and unloaded after it, as MLIR emits.
//===----------------------------------------------------------------------===//

void *gStaticModule;

__attribute__((constructor(123))) void loadStaticModule() {
  gStaticModule = mgpuModuleLoad(const_cast<char *>(sto_test_kernels_ptx),
                                 strlen(sto_test_kernels_ptx) + 1);
}

__attribute__((destructor(123))) void unloadStaticModule() {
  sto_cuda_clear_error();
  mgpuModuleUnload(gStaticModule);
  const char *child = getenv("STO_CUDA_TEST_CHILD");
  if (child && strcmp(child, "exit") == 0) {
    printf("sto-exit-unload: %s\n", sto_cuda_last_error() == STO_OK
                                        ? "ok"
                                        : sto_cuda_last_error_message());
    fflush(stdout);
  }
}

const char *childMode() { return getenv("STO_CUDA_TEST_CHILD"); }

struct ChildResult {
  int exitStatus = -1;
  std::string output;
};

/// Runs this test binary again with `env` (NAME=value ...) prepended,
/// running only `filter`.
ChildResult runChild(const std::string &env, const std::string &filter) {
  ChildResult result;
  char self[4096];
  ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
  if (n <= 0)
    return result;
  self[n] = '\0';
  // Without the sharding and output settings of the parent (lit runs the
  // parent as one shard, with a JSON report the child must not overwrite).
  std::string command =
      "env -u GTEST_TOTAL_SHARDS -u GTEST_SHARD_INDEX -u GTEST_OUTPUT "
      "-u GTEST_FILTER -u GTEST_SHUFFLE " +
      env + " '" + self + "' --gtest_filter=" + filter + " 2>&1";
  FILE *pipe = popen(command.c_str(), "r");
  if (!pipe)
    return result;
  char buffer[4096];
  size_t got;
  while ((got = fread(buffer, 1, sizeof(buffer), pipe)) > 0)
    result.output.append(buffer, got);
  int status = pclose(pipe);
  result.exitStatus = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
  return result;
}

#ifdef STO_CUDA_STUB_LIBRARY
bool stubUsable() {
  void *handle = dlopen(STO_CUDA_STUB_LIBRARY, RTLD_NOW | RTLD_LOCAL);
  if (handle)
    dlclose(handle);
  return handle != nullptr;
}
#endif

//===----------------------------------------------------------------------===//
// Always
//===----------------------------------------------------------------------===//

TEST(CudaRuntime, StatusMessages) {
  EXPECT_NE(std::string(sto_status_message(STO_ERROR_NO_CUDA_DRIVER)),
            sto_status_message(12345));
  EXPECT_NE(std::string(sto_status_message(STO_ERROR_CUDA)),
            sto_status_message(12345));
  EXPECT_NE(std::string(sto_status_message(STO_ERROR_INVALID_ARGUMENT)),
            sto_status_message(12345));
  EXPECT_EQ(STO_ERROR_NO_CUDA_DRIVER, 4);
  EXPECT_EQ(STO_ERROR_CUDA, 5);
}

TEST(CudaRuntime, ErrorStateIsPerThreadAndClears) {
  sto_cuda_clear_error();
  EXPECT_EQ(sto_cuda_last_error(), STO_OK);
  EXPECT_STREQ(sto_cuda_last_error_message(), "");
  mgpuModuleGetFunction(nullptr, "k"); // fails with or without a driver
  EXPECT_NE(sto_cuda_last_error(), STO_OK);
  EXPECT_NE(std::string(sto_cuda_last_error_message()), "");
  // Another thread starts clean and does not see this thread's error.
  int32_t other = -1;
  std::string otherMessage = "unset";
  pthread_t thread;
  struct Args {
    int32_t *status;
    std::string *message;
  } args{&other, &otherMessage};
  ASSERT_EQ(pthread_create(
                &thread, nullptr,
                [](void *p) -> void * {
                  auto *a = static_cast<Args *>(p);
                  *a->status = sto_cuda_last_error();
                  *a->message = sto_cuda_last_error_message();
                  return nullptr;
                },
                &args),
            0);
  pthread_join(thread, nullptr);
  EXPECT_EQ(other, STO_OK);
  EXPECT_EQ(otherMessage, "");
  sto_cuda_clear_error();
  EXPECT_EQ(sto_cuda_last_error(), STO_OK);
}

TEST(CudaRuntime, ModuleHandlesAreCachedByImage) {
  // No driver work happens in mgpuModuleLoad (it runs in global
  // constructors): same image, same handle; reference counted.
  static const char image[] = "// not PTX, never loaded";
  sto_cuda_clear_error();
  void *a = mgpuModuleLoad(const_cast<char *>(image), sizeof(image));
  void *b = mgpuModuleLoad(const_cast<char *>(image), sizeof(image));
  EXPECT_NE(a, nullptr);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, gStaticModule);
  mgpuModuleUnload(b);
  mgpuModuleUnload(a);
  EXPECT_EQ(sto_cuda_last_error(), STO_OK);
  EXPECT_EQ(mgpuModuleLoad(nullptr, 0), nullptr);
  EXPECT_EQ(sto_cuda_last_error(), STO_ERROR_NULL_POINTER);
  sto_cuda_clear_error();
}

#ifdef STO_CUDA_STUB_LIBRARY
TEST(CudaRuntime, DriverSymbolsExistInTheToolkitStub) {
  // The stub libcuda of the toolkit exports the whole driver API: every
  // name the runtime looks up must be there, spelled as the ABI has it.
  void *handle = dlopen(STO_CUDA_STUB_LIBRARY, RTLD_NOW | RTLD_LOCAL);
  if (!handle)
    GTEST_SKIP() << "cannot load " << STO_CUDA_STUB_LIBRARY;
  int32_t required = 0;
  size_t count = 0;
  for (const char *name;
       (name = sto_cuda_internal_driver_symbol(count, &required)); ++count)
    EXPECT_NE(dlsym(handle, name), nullptr) << name;
  EXPECT_GE(count, 40u);
  dlclose(handle);
}
#endif

//===----------------------------------------------------------------------===//
// Without a driver
//===----------------------------------------------------------------------===//

TEST(CudaNoDriver, EveryEntryPointFailsCleanly) {
  if (sto_cuda_available())
    GTEST_SKIP() << "a CUDA device is present";
  char message[1024] = "";
  EXPECT_EQ(sto_cuda_check_no_driver(message, sizeof(message)), STO_CHECK_PASS)
      << message;
}

// Run in child processes only (the driver is loaded once per process).
TEST(CudaChild, NoDriver) {
  const char *mode = childMode();
  if (!mode || strcmp(mode, "no-driver") != 0)
    GTEST_SKIP() << "child process only";
  char message[1024] = "";
  ASSERT_EQ(sto_cuda_check_no_driver(message, sizeof(message)), STO_CHECK_PASS)
      << message;
  const char *expect = getenv("STO_CUDA_TEST_EXPECT");
  sto_cuda_init();
  if (expect)
    EXPECT_NE(strstr(sto_cuda_last_error_message(), expect), nullptr)
        << sto_cuda_last_error_message();
  printf("child message: %s\n", sto_cuda_last_error_message());
}

TEST(CudaNoDriver, DisabledByEnvironment) {
  ChildResult r = runChild("STO_CUDA_TEST_CHILD=no-driver STO_CUDA_DRIVER=none "
                           "STO_CUDA_TEST_EXPECT=STO_CUDA_DRIVER=none",
                           "CudaChild.NoDriver");
  EXPECT_EQ(r.exitStatus, 0) << r.output;
  EXPECT_NE(r.output.find("[  PASSED  ] 1 test"), std::string::npos)
      << r.output;
}

TEST(CudaNoDriver, MissingLibrary) {
  ChildResult r = runChild(
      "STO_CUDA_TEST_CHILD=no-driver "
      "STO_CUDA_DRIVER=/nonexistent/libcuda.so.1 STO_CUDA_TEST_EXPECT=dlopen",
      "CudaChild.NoDriver");
  EXPECT_EQ(r.exitStatus, 0) << r.output;
  EXPECT_NE(r.output.find("[  PASSED  ] 1 test"), std::string::npos)
      << r.output;
}

#ifdef STO_CUDA_STUB_LIBRARY
TEST(CudaNoDriver, ToolkitStubLibrary) {
  // The stub resolves every symbol and fails cuInit with
  // CUDA_ERROR_STUB_LIBRARY (its cuGetErrorName fails too: the runtime
  // names the code itself).
  if (!stubUsable())
    GTEST_SKIP() << "cannot load " << STO_CUDA_STUB_LIBRARY;
  ChildResult r = runChild(std::string("STO_CUDA_TEST_CHILD=no-driver "
                                       "STO_CUDA_DRIVER=") +
                               STO_CUDA_STUB_LIBRARY +
                               " STO_CUDA_TEST_EXPECT=CUDA_ERROR_STUB_LIBRARY",
                           "CudaChild.NoDriver");
  EXPECT_EQ(r.exitStatus, 0) << r.output;
  EXPECT_NE(r.output.find("[  PASSED  ] 1 test"), std::string::npos)
      << r.output;
}
#endif

//===----------------------------------------------------------------------===//
// With a GPU
//===----------------------------------------------------------------------===//

class CudaGpu : public ::testing::TestWithParam<size_t> {};

TEST_P(CudaGpu, Check) {
  size_t count = 0;
  const sto_cuda_check *checks = sto_cuda_checks(&count);
  ASSERT_LT(GetParam(), count);
  const sto_cuda_check &check = checks[GetParam()];
  if (!sto_cuda_available()) {
    sto_cuda_init();
    GTEST_SKIP() << "no CUDA: " << sto_cuda_last_error_message();
  }
  char message[2048] = "";
  sto_cuda_clear_error();
  int result = check.run(message, sizeof(message));
  if (result == STO_CHECK_SKIP)
    GTEST_SKIP() << check.name << ": " << message;
  EXPECT_EQ(result, STO_CHECK_PASS) << check.name << ": " << message;
}

std::string checkName(const ::testing::TestParamInfo<size_t> &info) {
  size_t count = 0;
  std::string name = sto_cuda_checks(&count)[info.param].name;
  for (char &c : name)
    if (c == '-')
      c = '_';
  return name;
}

size_t numChecks() {
  size_t count = 0;
  sto_cuda_checks(&count);
  return count;
}

INSTANTIATE_TEST_SUITE_P(All, CudaGpu, ::testing::Range<size_t>(0, numChecks()),
                         checkName);

TEST(CudaChild, ExitUnload) {
  const char *mode = childMode();
  if (!mode || strcmp(mode, "exit") != 0)
    GTEST_SKIP() << "child process only";
  // Load the static module into the context and launch from it; the
  // destructor unloads it after main.
  char message[1024] = "";
  ASSERT_EQ(sto_cuda_check_fill_with(gStaticModule, message, sizeof(message)),
            STO_CHECK_PASS)
      << message;
}

TEST(CudaGpu, ExitTimeUnload) {
  if (!sto_cuda_available())
    GTEST_SKIP() << "no CUDA device";
  ChildResult r = runChild("STO_CUDA_TEST_CHILD=exit", "CudaChild.ExitUnload");
  EXPECT_EQ(r.exitStatus, 0) << r.output;
  EXPECT_NE(r.output.find("[  PASSED  ] 1 test"), std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("sto-exit-unload: ok"), std::string::npos)
      << r.output;
}

TEST(CudaNoDriver, ExitTimeUnloadWithoutDriver) {
  // The same at exit without a driver: nothing to unload, nothing crashes.
  ChildResult r = runChild("STO_CUDA_TEST_CHILD=exit STO_CUDA_DRIVER=none",
                           "CudaRuntime.StatusMessages");
  EXPECT_EQ(r.exitStatus, 0) << r.output;
  EXPECT_NE(r.output.find("sto-exit-unload: ok"), std::string::npos)
      << r.output;
}

} // namespace
