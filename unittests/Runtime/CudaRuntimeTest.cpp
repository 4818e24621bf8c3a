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
// - On the host-only fake driver and cuBLAS of tools/fake-cuda
//   (test/GPU/fake-driver-unittests.test): the GPU tests run in CI too.
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
// cuBLAS, without a GPU
//===----------------------------------------------------------------------===//

TEST(CudaBlas, StatusMessage) {
  EXPECT_EQ(STO_ERROR_NO_CUBLAS, 8);
  EXPECT_NE(std::string(sto_status_message(STO_ERROR_NO_CUBLAS)),
            sto_status_message(12345));
  EXPECT_NE(std::string(sto_status_message(STO_ERROR_NO_CUBLAS)).find("cuBLAS"),
            std::string::npos);
}

// Arguments are checked before the driver is needed: these fail the same
// way on every machine, with the entry point and the value in the message.
TEST(CudaBlas, BadArgumentsFailBeforeTheDriver) {
  float a[6] = {}, b[6] = {}, c[4] = {};
  sto_cuda_clear_error();
  EXPECT_EQ(sto_cuda_sgemm(4, 1, 2, 2, 3, 1.f, a, 3, 0, b, 2, 0, 0.f, c, 2, 0),
            STO_ERROR_INVALID_ARGUMENT);
  EXPECT_STREQ(sto_cuda_last_error_message(),
               "sto_cuda_sgemm: unknown flags 0x4");
  EXPECT_EQ(sto_cuda_sgemm(0, 1, -2, 2, 3, 1.f, a, 3, 0, b, 2, 0, 0.f, c, 2, 0),
            STO_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(strstr(sto_cuda_last_error_message(), "negative size"), nullptr)
      << sto_cuda_last_error_message();
  // A is 2 x 3 row-major: lda 2 is too small. Transposed (stored 3 x 2), 2
  // is right and B's ldb is then the one checked.
  EXPECT_EQ(sto_cuda_sgemm(0, 1, 2, 2, 3, 1.f, a, 2, 0, b, 2, 0, 0.f, c, 2, 0),
            STO_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(strstr(sto_cuda_last_error_message(), "lda 2 for rows of 3"),
            nullptr)
      << sto_cuda_last_error_message();
  EXPECT_EQ(sto_cuda_sgemm(STO_CUDA_GEMM_TRANSPOSE_B, 1, 2, 2, 3, 1.f, a, 3, 0,
                           b, 2, 0, 0.f, c, 2, 0),
            STO_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(strstr(sto_cuda_last_error_message(), "ldb 2 for rows of 3"),
            nullptr)
      << sto_cuda_last_error_message();
  EXPECT_EQ(sto_cuda_sgemm(0, 1, 2, 2, 3, 1.f, a, 3, 0, b, 2, 0, 0.f, c, 1, 0),
            STO_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(sto_cuda_sgemm(0, 1, (int64_t)1 << 31, 2, 3, 1.f, a, 3, 0, b, 2, 0,
                           0.f, c, 2, 0),
            STO_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(strstr(sto_cuda_last_error_message(), "32-bit"), nullptr)
      << sto_cuda_last_error_message();
  // Overlapping matrices of C in a batch.
  EXPECT_EQ(sto_cuda_sgemm(0, 2, 2, 2, 3, 1.f, a, 3, 6, b, 2, 6, 0.f, c, 2, 2),
            STO_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(strstr(sto_cuda_last_error_message(), "batch strides"), nullptr)
      << sto_cuda_last_error_message();
  EXPECT_EQ(
      sto_cuda_sgemm(0, 1, 2, 2, 3, 1.f, a, 3, 0, b, 2, 0, 0.f, nullptr, 2, 0),
      STO_ERROR_NULL_POINTER);
  // An empty C is done at once, with or without a GPU.
  sto_cuda_clear_error();
  EXPECT_EQ(sto_cuda_sgemm(0, 1, 0, 2, 3, 1.f, nullptr, 3, 0, nullptr, 2, 0,
                           0.f, nullptr, 2, 0),
            STO_OK);
  EXPECT_EQ(sto_cuda_sgemm(0, 0, 2, 2, 3, 1.f, nullptr, 3, 0, nullptr, 2, 0,
                           0.f, nullptr, 2, 0),
            STO_OK);
  EXPECT_EQ(sto_cuda_last_error(), STO_OK);
}

#ifdef STO_CUBLAS_LIBRARY
TEST(CudaBlas, SymbolsExistInTheToolkitLibrary) {
  // Every name the runtime looks up, spelled as the ABI has it (the _v2
  // names; the legacy API's plain cublasSgemm would take no handle).
  // Never closed: libcublas's static state would then show as a leak.
  void *handle = dlopen(STO_CUBLAS_LIBRARY, RTLD_NOW | RTLD_LOCAL);
  if (!handle)
    GTEST_SKIP() << "cannot load " << STO_CUBLAS_LIBRARY;
  int32_t required = 0;
  size_t count = 0;
  for (const char *name;
       (name = sto_cuda_internal_cublas_symbol(count, &required)); ++count)
    EXPECT_NE(dlsym(handle, name), nullptr) << name;
  EXPECT_GE(count, 7u);
}
#endif

// Run in child processes only (cuBLAS and the driver load once per process).
TEST(CudaChild, Blas) {
  const char *mode = childMode();
  if (!mode || strcmp(mode, "blas") != 0)
    GTEST_SKIP() << "child process only";
  const char *expectStatus = getenv("STO_CUDA_TEST_EXPECT_STATUS");
  const char *expect = getenv("STO_CUDA_TEST_EXPECT");
  ASSERT_NE(expectStatus, nullptr);
  const char *what = getenv("STO_CUDA_TEST_CALL");
  int32_t status;
  float a[6] = {}, b[6] = {}, c[4] = {};
  sto_cuda_clear_error();
  if (what && strcmp(what, "version") == 0) {
    int32_t version = -1;
    status = sto_cuda_cublas_version(&version);
    printf("cublas version %d\n", (int)version);
    if (status == STO_OK) {
      EXPECT_GE(version, 120000);
    } else {
      EXPECT_EQ(version, 0);
    }
  } else if (what && strcmp(what, "compiled") == 0) {
    // Compiled code keeps the thread's first failure.
    mgpuModuleGetFunction(nullptr, "first");
    int32_t first = sto_cuda_last_error();
    std::string firstMessage = sto_cuda_last_error_message();
    sto_cuda_compiled_sgemm(0, 1, 2, 2, 3, 1.f, a, 3, 0, b, 2, 0, 0.f, c, 2, 0);
    EXPECT_EQ(sto_cuda_last_error(), first);
    EXPECT_EQ(firstMessage, sto_cuda_last_error_message());
    sto_cuda_clear_error();
    sto_cuda_compiled_sgemm(0, 1, 2, 2, 3, 1.f, a, 3, 0, b, 2, 0, 0.f, c, 2, 0);
    status = sto_cuda_last_error();
  } else if (what && strcmp(what, "k0") == 0) {
    // k = 0 with A's identity-layout row stride 0 ([2, 0]): valid, the
    // leading dimension of empty rows does not matter.
    status = sto_cuda_sgemm(0, 1, 2, 2, 0, 1.f, a, 0, 0, b, 2, 0, 1.f, c, 2, 0);
    EXPECT_EQ(status, sto_cuda_last_error());
  } else {
    status = sto_cuda_sgemm(0, 1, 2, 2, 3, 1.f, a, 3, 0, b, 2, 0, 0.f, c, 2, 0);
    EXPECT_EQ(status, sto_cuda_last_error());
  }
  EXPECT_EQ(status, atoi(expectStatus)) << sto_cuda_last_error_message();
  if (expect)
    EXPECT_NE(strstr(sto_cuda_last_error_message(), expect), nullptr)
        << sto_cuda_last_error_message();
  printf("child message: %s\n", sto_cuda_last_error_message());
}

void expectBlasChild(const std::string &env) {
  ChildResult r = runChild("STO_CUDA_TEST_CHILD=blas " + env, "CudaChild.Blas");
  EXPECT_EQ(r.exitStatus, 0) << r.output;
  EXPECT_NE(r.output.find("[  PASSED  ] 1 test"), std::string::npos)
      << r.output;
}

TEST(CudaBlas, NoDriver) {
  // The driver is needed before cuBLAS: no driver, STO_ERROR_NO_CUDA_DRIVER,
  // from the public function and from the one compiled code calls.
  expectBlasChild("STO_CUDA_DRIVER=none STO_CUDA_TEST_EXPECT_STATUS=4 "
                  "'STO_CUDA_TEST_EXPECT=sto_cuda_sgemm: no CUDA driver: "
                  "disabled by STO_CUDA_DRIVER=none'");
  expectBlasChild("STO_CUDA_DRIVER=none STO_CUDA_TEST_CALL=k0 "
                  "STO_CUDA_TEST_EXPECT_STATUS=4");
  expectBlasChild("STO_CUDA_DRIVER=none STO_CUDA_TEST_CALL=compiled "
                  "STO_CUDA_TEST_EXPECT_STATUS=4 "
                  "'STO_CUDA_TEST_EXPECT=sto_cuda_compiled_sgemm: no CUDA "
                  "driver: disabled by STO_CUDA_DRIVER=none'");
}

TEST(CudaBlas, LibraryDisabledOrMissing) {
  expectBlasChild("STO_CUBLAS=none STO_CUDA_TEST_CALL=version "
                  "STO_CUDA_TEST_EXPECT_STATUS=8 "
                  "'STO_CUDA_TEST_EXPECT=sto_cuda_cublas_version: no cuBLAS: "
                  "disabled by STO_CUBLAS=none'");
  expectBlasChild("STO_CUBLAS=/nonexistent/libcublas.so.13 "
                  "STO_CUDA_TEST_CALL=version STO_CUDA_TEST_EXPECT_STATUS=8 "
                  "'STO_CUDA_TEST_EXPECT=no cuBLAS: dlopen failed: "
                  "/nonexistent/libcublas.so.13'");
  // A library without the entry points (the driver stub, say) is rejected.
#ifdef STO_CUDA_STUB_LIBRARY
  expectBlasChild(std::string("STO_CUBLAS=") + STO_CUDA_STUB_LIBRARY +
                  " STO_CUDA_TEST_CALL=version STO_CUDA_TEST_EXPECT_STATUS=8 "
                  "'STO_CUDA_TEST_EXPECT=has no cublasGetProperty'");
#endif
}

#ifdef STO_CUBLAS_LIBRARY
TEST(CudaBlas, LoadsTheToolkitLibraryWithoutADriver) {
  // Loading cuBLAS and asking its version needs no driver.
  if (access(STO_CUBLAS_LIBRARY, R_OK) != 0)
    GTEST_SKIP() << "cannot read " << STO_CUBLAS_LIBRARY;
  expectBlasChild(std::string("STO_CUDA_DRIVER=none STO_CUBLAS=") +
                  STO_CUBLAS_LIBRARY +
                  " STO_CUDA_TEST_CALL=version STO_CUDA_TEST_EXPECT_STATUS=0");
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
