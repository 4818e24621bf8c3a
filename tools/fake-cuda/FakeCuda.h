/*===- FakeCuda.h - Test hooks of the fake CUDA driver ------------*- C -*-===*\
|*                                                                            *|
|* libsto_fake_cuda.so is a CUDA driver that runs on the host (see            *|
|* FakeCudaDriver.cpp), for testing libsto_runtime's CUDA part on machines    *|
|* without a GPU. Besides the driver API it exports these functions, which    *|
|* tests look up with dlsym (they are not part of any real driver; their      *|
|* absence tells a test that it runs on a real one).                          *|
|*                                                                            *|
|* Its device is named "sto-fake ..." (sto_fake_cuda_device_name_prefix):     *|
|* a test that needs real device code checks the name and skips.             *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#ifndef STO_TOOLS_FAKE_CUDA_FAKECUDA_H
#define STO_TOOLS_FAKE_CUDA_FAKECUDA_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define STO_FAKE_CUDA_DEVICE_NAME_PREFIX "sto-fake"

/* Live objects and counters of the whole process. */
typedef struct {
  int64_t allocations;      /* device, managed and pool allocations */
  int64_t allocatedBytes;   /* their bytes */
  int64_t streams;          /* created, not destroyed */
  int64_t events;           /* created, not destroyed */
  int64_t modules;          /* loaded, not unloaded */
  int64_t registeredHost;   /* cuMemHostRegister ranges */
  int64_t blasHandles;      /* cublasCreate, not destroyed */
  int64_t launches;         /* cuLaunchKernel(Ex) calls accepted */
  int64_t emulatedLaunches; /* of which a host version of the kernel ran */
  int64_t pendingOps;       /* enqueued on some stream, not yet executed */
  int64_t injectedFailures; /* calls failed by FAKE_CUDA_FAIL */
  int64_t faults;           /* work that failed when it ran (bad addresses) */
  int32_t contextDepth;     /* the calling thread's context stack */
  int32_t primaryRetains;   /* sum over devices of primary context retains */
} sto_fake_cuda_stats;

void sto_fake_cuda_get_stats(sto_fake_cuda_stats *stats);

/* The last accepted launch: kernel name, grid, block, dynamic shared
   memory, and the number and total bytes of the parameters (-1 when the
   image does not say, as for a cubin the fake cannot parse). */
typedef struct {
  char name[256];
  uint32_t grid[3], block[3], cluster[3];
  uint32_t sharedBytes;
  int32_t numParams;
  int32_t paramBytes;
  int32_t emulated;
} sto_fake_cuda_launch;

int sto_fake_cuda_last_launch(sto_fake_cuda_launch *launch);

/* The message of the last failed call of the calling thread (what the fake
   found wrong), "" if none. */
const char *sto_fake_cuda_last_message(void);

/* Runs hook(arg) once, on the calling thread, at the start of the next call
   of the driver or cuBLAS entry point `symbol` (named as FAKE_CUDA_FAIL names
   it, with or without its _v2), before that call does anything: for tests
   that need something to happen in the middle of a runtime call, such as
   another user filling a pool. */
void sto_fake_cuda_call_hook_once(const char *symbol, void (*hook)(void *),
                                  void *arg);

#ifdef __cplusplus
}
#endif

#endif /* STO_TOOLS_FAKE_CUDA_FAKECUDA_H */
