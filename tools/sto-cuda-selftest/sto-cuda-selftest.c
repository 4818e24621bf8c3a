//===- sto-cuda-selftest.c - Checks libsto_runtime on a GPU ---------------===//
//
// Run by the device check on the GPU machine (no MLIR needed: the binary
// links only libc; libcuda.so.1 is loaded at run time). Prints the device,
// then one line per check:
//
//   PASS <check> [(detail)]      FAIL <check>: <why>      SKIP <check>: <why>
//
// and a summary; exits 0 when nothing failed. The checks are those of
// CudaChecks.c, plus:
//   - no-driver-fallback: this program run again with STO_CUDA_DRIVER=none
//     (every API fails cleanly, nothing aborts);
//   - exit-time-unload: a module loaded from a constructor (priority 123, as
//     MLIR emits it) and used in main is unloaded from a destructor after
//     main returns; the line is printed by that destructor.
//
//   sto-cuda-selftest               all checks (FAIL if there is no GPU)
//   sto-cuda-selftest --no-driver   only the checks of a machine without one
//
//===----------------------------------------------------------------------===//

#include "CudaChecks.h"

#include "CudaMgpu.h"
#include "sto-c/Runtime.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void *gExitModule;
static int gExitModuleUsed;

__attribute__((constructor(123))) static void loadExitModule(void) {
  gExitModule = mgpuModuleLoad((void *)(uintptr_t)sto_test_kernels_ptx,
                               strlen(sto_test_kernels_ptx) + 1);
}

__attribute__((destructor(123))) static void unloadExitModule(void) {
  if (!gExitModuleUsed)
    return;
  sto_cuda_clear_error();
  mgpuModuleUnload(gExitModule);
  if (sto_cuda_last_error() != STO_OK) {
    printf("FAIL exit-time-unload: %s\n", sto_cuda_last_error_message());
    fflush(stdout);
    _exit(1);
  }
  printf("PASS exit-time-unload (module unloaded from a destructor after "
         "main)\n");
  fflush(stdout);
}

static int report(const char *name, int result, const char *message) {
  const char *tag = result == STO_CHECK_PASS   ? "PASS"
                    : result == STO_CHECK_SKIP ? "SKIP"
                                               : "FAIL";
  if (result == STO_CHECK_PASS)
    printf(message[0] ? "%s %s (%s)\n" : "%s %s\n", tag, name, message);
  else
    printf("%s %s: %s\n", tag, name, message);
  fflush(stdout);
  return result;
}

/* This program again, with STO_CUDA_DRIVER=none and --no-driver. */
static int run_without_driver(char *message, size_t size) {
  char self[4096];
  ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
  if (n <= 0) {
    snprintf(message, size, "cannot find this program (/proc/self/exe)");
    return STO_CHECK_FAIL;
  }
  self[n] = '\0';
  fflush(stdout);
  pid_t pid = fork();
  if (pid < 0) {
    snprintf(message, size, "fork failed");
    return STO_CHECK_FAIL;
  }
  if (pid == 0) {
    setenv("STO_CUDA_DRIVER", "none", 1);
    // Quiet: only the exit status matters.
    if (!freopen("/dev/null", "w", stdout))
      _exit(3);
    execl(self, self, "--no-driver", (char *)NULL);
    _exit(2);
  }
  int status = 0;
  if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
      WEXITSTATUS(status) != 0) {
    snprintf(message, size, "the child run failed (status 0x%x)", status);
    return STO_CHECK_FAIL;
  }
  snprintf(message, size, "STO_CUDA_DRIVER=none: every API failed cleanly");
  return STO_CHECK_PASS;
}

int main(int argc, char **argv) {
  char message[2048];
  int failed = 0, passed = 0, skipped = 0;

  if (argc > 1 && strcmp(argv[1], "--no-driver") == 0) {
    int r = sto_cuda_check_no_driver(message, sizeof(message));
    report("no-driver", r, message);
    return r == STO_CHECK_PASS ? 0 : 1;
  }
  if (argc > 1) {
    fprintf(stderr, "usage: %s [--no-driver]\n", argv[0]);
    return 2;
  }

  printf("sto-cuda-selftest: libsto_runtime CUDA checks\n");
  if (!sto_cuda_available()) {
    sto_cuda_init();
    printf("FAIL cuda-available: %s\n", sto_cuda_last_error_message());
    printf("sto-cuda-selftest: 0 passed, 1 failed, 0 skipped\n");
    return 1;
  }
  char name[256] = "";
  int32_t major = 0, minor = 0, version = 0, count = 0;
  sto_cuda_device_name(0, name, sizeof(name));
  sto_cuda_device_compute_capability(0, &major, &minor);
  sto_cuda_driver_version(&version);
  sto_cuda_device_count(&count);
  printf("device: %s (sm_%d%d), CUDA driver %d.%d, %d device%s\n", name, major,
         minor, version / 1000, version % 1000 / 10, count,
         count == 1 ? "" : "s");

  size_t numChecks = 0;
  const sto_cuda_check *checks = sto_cuda_checks(&numChecks);
  for (size_t i = 0; i < numChecks; ++i) {
    message[0] = '\0';
    sto_cuda_clear_error();
    int r = report(checks[i].name, checks[i].run(message, sizeof(message)),
                   message);
    failed += r == STO_CHECK_FAIL;
    passed += r == STO_CHECK_PASS;
    skipped += r == STO_CHECK_SKIP;
  }

  message[0] = '\0';
  int r = report("no-driver-fallback",
                 run_without_driver(message, sizeof(message)), message);
  failed += r == STO_CHECK_FAIL;
  passed += r == STO_CHECK_PASS;

  // The module of the constructor, used here, unloaded after main.
  message[0] = '\0';
  r = report("exit-time-load",
             sto_cuda_check_fill_with(gExitModule, message, sizeof(message)),
             message);
  failed += r == STO_CHECK_FAIL;
  passed += r == STO_CHECK_PASS;
  gExitModuleUsed = r == STO_CHECK_PASS;

  printf("sto-cuda-selftest: %d passed, %d failed, %d skipped%s\n", passed,
         failed, skipped, gExitModuleUsed ? " (exit-time-unload follows)" : "");
  fflush(stdout);
  return failed ? 1 : 0;
}
