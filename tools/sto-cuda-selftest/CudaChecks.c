//===- CudaChecks.c - GPU checks of the CUDA runtime ----------------------===//
//
// Every check drives the runtime the way compiled code does (the mgpu*
// calls, in the order MLIR 22 emits them) or the way a user of the C API
// does, and compares results with the host. See CudaChecks.h.
//
//===----------------------------------------------------------------------===//

#include "CudaChecks.h"

#include "CudaMgpu.h"
#include "sto-c/Runtime.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N_ELEMENTS (1u << 20)
#define BLOCK 256u

static int fail(char *msg, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(char *msg, size_t size, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, size, fmt, ap);
  va_end(ap);
  return STO_CHECK_FAIL;
}

static int skip(char *msg, size_t size, const char *why) {
  snprintf(msg, size, "%s", why);
  return STO_CHECK_SKIP;
}

/* A sto_cuda_* call that must succeed. */
#define EXPECT_OK(call)                                                        \
  do {                                                                         \
    int32_t status_ = (call);                                                  \
    if (status_ != STO_OK)                                                     \
      return fail(msg, size, "%s returned %d: %s", #call, (int)status_,        \
                  sto_cuda_last_error_message());                              \
  } while (0)

/* No mgpu* call since the last clear has failed. */
#define EXPECT_NO_MGPU_ERROR(what)                                             \
  do {                                                                         \
    if (sto_cuda_last_error() != STO_OK)                                       \
      return fail(msg, size, "%s: error %d: %s", what,                         \
                  (int)sto_cuda_last_error(), sto_cuda_last_error_message());  \
  } while (0)

static unsigned grid_for(unsigned n) { return (n + BLOCK - 1) / BLOCK; }

static uint32_t fill_value(uint32_t i) { return i * 2654435761u + 12345u; }

/* y = a * x + y through mgpuLaunchKernel, as a synchronous gpu.launch_func
   lowers (stream created, launched on, synchronized, destroyed). */
static void launch_axpy_sync(void *function, float a, void *x, void *y,
                             unsigned n) {
  void *params[4] = {&a, &x, &y, &n};
  void *stream = mgpuStreamCreate();
  mgpuLaunchKernel(function, grid_for(n), 1, 1, BLOCK, 1, 1, 0, stream, params,
                   NULL, 4);
  mgpuStreamSynchronize(stream);
  mgpuStreamDestroy(stream);
}

/* Device buffers x (x[i] = i % 1000) and y (y[i] = 1) of n floats. */
static int make_xy(void **x, void **y, float *hx, float *hy, unsigned n,
                   char *msg, size_t size) {
  for (unsigned i = 0; i < n; ++i) {
    hx[i] = (float)(i % 1000);
    hy[i] = 1.0f;
  }
  EXPECT_OK(sto_cuda_malloc(x, n * sizeof(float)));
  EXPECT_OK(sto_cuda_malloc(y, n * sizeof(float)));
  EXPECT_OK(sto_cuda_memcpy(*x, hx, n * sizeof(float), NULL));
  EXPECT_OK(sto_cuda_memcpy(*y, hy, n * sizeof(float), NULL));
  return STO_CHECK_PASS;
}

/* y must be 1 + times * a * x. */
static int expect_axpy(const void *y, float a, int times, unsigned n, char *msg,
                       size_t size) {
  float *h = malloc(n * sizeof(float));
  if (!h)
    return fail(msg, size, "out of host memory");
  int32_t status = sto_cuda_memcpy(h, y, n * sizeof(float), NULL);
  if (status != STO_OK) {
    free(h);
    return fail(msg, size, "copying y back: %s", sto_cuda_last_error_message());
  }
  for (unsigned i = 0; i < n; ++i) {
    float want = 1.0f;
    for (int t = 0; t < times; ++t)
      want = a * (float)(i % 1000) + want;
    if (h[i] != want) {
      int r = fail(msg, size, "y[%u] = %g, expected %g", i, (double)h[i],
                   (double)want);
      free(h);
      return r;
    }
  }
  free(h);
  return STO_CHECK_PASS;
}

/* A private copy of the PTX: a distinct image address gives a distinct
   module handle (the runtime caches modules by image address). */
static char *ptx_copy(void) {
  size_t n = strlen(sto_test_kernels_ptx) + 1;
  char *copy = malloc(n);
  if (copy)
    memcpy(copy, sto_test_kernels_ptx, n);
  return copy;
}

int sto_cuda_check_fill_with(void *module, char *msg, size_t size) {
  sto_cuda_clear_error();
  void *function = mgpuModuleGetFunction(module, "sto_test_fill_index");
  EXPECT_NO_MGPU_ERROR("mgpuModuleGetFunction(sto_test_fill_index)");
  unsigned n = 4096;
  void *out = NULL;
  EXPECT_OK(sto_cuda_malloc(&out, n * sizeof(uint32_t)));
  void *params[2] = {&out, &n};
  void *stream = mgpuStreamCreate();
  mgpuLaunchKernel(function, grid_for(n), 1, 1, BLOCK, 1, 1, 0, stream, params,
                   NULL, 2);
  mgpuStreamSynchronize(stream);
  mgpuStreamDestroy(stream);
  EXPECT_NO_MGPU_ERROR("launch of sto_test_fill_index");
  uint32_t *h = malloc(n * sizeof(uint32_t));
  if (!h)
    return fail(msg, size, "out of host memory");
  EXPECT_OK(sto_cuda_memcpy(h, out, n * sizeof(uint32_t), NULL));
  EXPECT_OK(sto_cuda_free(out));
  for (unsigned i = 0; i < n; ++i) {
    if (h[i] != fill_value(i)) {
      int r =
          fail(msg, size, "out[%u] = %u, expected %u", i, h[i], fill_value(i));
      free(h);
      return r;
    }
  }
  free(h);
  return STO_CHECK_PASS;
}

//===----------------------------------------------------------------------===//
// Checks
//===----------------------------------------------------------------------===//

static int check_device_info(char *msg, size_t size) {
  int32_t version = 0, count = 0, major = 0, minor = 0;
  char name[256];
  EXPECT_OK(sto_cuda_driver_version(&version));
  EXPECT_OK(sto_cuda_device_count(&count));
  EXPECT_OK(sto_cuda_device_name(0, name, sizeof(name)));
  EXPECT_OK(sto_cuda_device_compute_capability(0, &major, &minor));
  if (count < 1 || !name[0] || major < 3)
    return fail(msg, size, "implausible: %d devices, name '%s', sm_%d%d", count,
                name, major, minor);
  snprintf(msg, size, "%s, sm_%d%d, driver %d.%d, %d device%s", name, major,
           minor, version / 1000, version % 1000 / 10, count,
           count == 1 ? "" : "s");
  return STO_CHECK_PASS;
}

static int check_copy_roundtrip(char *msg, size_t size) {
  size_t bytes = N_ELEMENTS * sizeof(float);
  float *a = malloc(bytes), *b = malloc(bytes);
  if (!a || !b)
    return fail(msg, size, "out of host memory");
  for (unsigned i = 0; i < N_ELEMENTS; ++i)
    a[i] = (float)i * 0.5f - 7.0f;
  void *d1 = NULL, *d2 = NULL, *stream = NULL;
  EXPECT_OK(sto_cuda_malloc(&d1, bytes));
  EXPECT_OK(sto_cuda_malloc(&d2, bytes));
  EXPECT_OK(sto_cuda_memcpy(d1, a, bytes, NULL));  // host to device
  EXPECT_OK(sto_cuda_memcpy(d2, d1, bytes, NULL)); // device to device
  memset(b, 0, bytes);
  EXPECT_OK(sto_cuda_memcpy(b, d2, bytes, NULL)); // device to host
  if (memcmp(a, b, bytes) != 0)
    return fail(msg, size, "synchronous round trip changed the data");
  // The same on a stream.
  EXPECT_OK(sto_cuda_stream_create(&stream));
  EXPECT_OK(sto_cuda_memset(d2, 0, bytes, stream));
  EXPECT_OK(sto_cuda_memcpy(d2, d1, bytes, stream));
  memset(b, 0, bytes);
  EXPECT_OK(sto_cuda_memcpy(b, d2, bytes, stream));
  EXPECT_OK(sto_cuda_stream_synchronize(stream));
  if (memcmp(a, b, bytes) != 0)
    return fail(msg, size, "round trip on a stream changed the data");
  EXPECT_OK(sto_cuda_stream_destroy(stream));
  EXPECT_OK(sto_cuda_free(d1));
  EXPECT_OK(sto_cuda_free(d2));
  EXPECT_OK(sto_cuda_free(NULL));
  free(a);
  free(b);
  return STO_CHECK_PASS;
}

static int check_memset(char *msg, size_t size) {
  unsigned n = N_ELEMENTS;
  uint32_t *h = malloc(n * sizeof(uint32_t));
  if (!h)
    return fail(msg, size, "out of host memory");
  void *d = NULL;
  EXPECT_OK(sto_cuda_malloc(&d, n * sizeof(uint32_t)));
  EXPECT_OK(sto_cuda_memset(d, 0xab, n * sizeof(uint32_t), NULL));
  EXPECT_OK(sto_cuda_memcpy(h, d, n * sizeof(uint32_t), NULL));
  for (unsigned i = 0; i < n; ++i)
    if (h[i] != 0xababababu)
      return fail(msg, size, "sto_cuda_memset: word %u = 0x%x", i, h[i]);
  EXPECT_OK(sto_cuda_memset_u32(d, 0xdeadbeefu, n, NULL));
  EXPECT_OK(sto_cuda_memcpy(h, d, n * sizeof(uint32_t), NULL));
  for (unsigned i = 0; i < n; ++i)
    if (h[i] != 0xdeadbeefu)
      return fail(msg, size, "sto_cuda_memset_u32: word %u = 0x%x", i, h[i]);
  // mgpuMemset32 / mgpuMemset16 as gpu.memset lowers.
  sto_cuda_clear_error();
  void *stream = mgpuStreamCreate();
  mgpuMemset32(d, 0x01234567u, n, stream);
  mgpuStreamSynchronize(stream);
  EXPECT_NO_MGPU_ERROR("mgpuMemset32");
  EXPECT_OK(sto_cuda_memcpy(h, d, n * sizeof(uint32_t), NULL));
  for (unsigned i = 0; i < n; ++i)
    if (h[i] != 0x01234567u)
      return fail(msg, size, "mgpuMemset32: word %u = 0x%x", i, h[i]);
  // Garbage above bit 15, as a caller passing an unextended i16 may leave.
  mgpuMemset16(d, 0xffffffffffff5a3cull, 2 * n, stream);
  mgpuStreamSynchronize(stream);
  mgpuStreamDestroy(stream);
  EXPECT_NO_MGPU_ERROR("mgpuMemset16");
  EXPECT_OK(sto_cuda_memcpy(h, d, n * sizeof(uint32_t), NULL));
  for (unsigned i = 0; i < n; ++i)
    if (h[i] != 0x5a3c5a3cu)
      return fail(msg, size, "mgpuMemset16: word %u = 0x%x", i, h[i]);
  EXPECT_OK(sto_cuda_free(d));
  free(h);
  return STO_CHECK_PASS;
}

static int check_streams(char *msg, size_t size) {
  sto_cuda_clear_error();
  // The runtime pools the streams that compiled code creates and destroys.
  void *s1 = mgpuStreamCreate();
  mgpuStreamDestroy(s1);
  void *s2 = mgpuStreamCreate();
  void *s3 = mgpuStreamCreate();
  EXPECT_NO_MGPU_ERROR("mgpuStreamCreate/Destroy");
  if (!s1 || s2 != s1)
    return fail(msg, size,
                "mgpuStreamCreate did not reuse the pooled stream "
                "(%p then %p)",
                s1, s2);
  if (s3 == s2 || !s3)
    return fail(msg, size, "two live mgpuStreamCreate streams are the same");
  mgpuStreamSynchronize(s2);
  mgpuStreamSynchronize(s3);
  mgpuStreamDestroy(s2);
  mgpuStreamDestroy(s3);
  EXPECT_NO_MGPU_ERROR("mgpuStreamSynchronize/Destroy");
  void *user = NULL;
  EXPECT_OK(sto_cuda_stream_create(&user));
  EXPECT_OK(sto_cuda_stream_synchronize(user));
  EXPECT_OK(sto_cuda_stream_synchronize(NULL)); // the legacy stream
  EXPECT_OK(sto_cuda_stream_destroy(user));
  EXPECT_OK(sto_cuda_synchronize());
  return STO_CHECK_PASS;
}

static int launch_check(void *module, const char *what, char *msg,
                        size_t size) {
  void *axpy = mgpuModuleGetFunction(module, "sto_test_axpy");
  void *again = mgpuModuleGetFunction(module, "sto_test_axpy");
  EXPECT_NO_MGPU_ERROR(what);
  if (!axpy || again != axpy)
    return fail(msg, size, "%s: function lookups differ (%p, %p)", what, axpy,
                again);
  unsigned n = N_ELEMENTS;
  float *hx = malloc(n * sizeof(float)), *hy = malloc(n * sizeof(float));
  void *x = NULL, *y = NULL;
  if (!hx || !hy)
    return fail(msg, size, "out of host memory");
  if (make_xy(&x, &y, hx, hy, n, msg, size) != STO_CHECK_PASS)
    return STO_CHECK_FAIL;
  launch_axpy_sync(axpy, 2.0f, x, y, n);
  launch_axpy_sync(axpy, 2.0f, x, y, n);
  EXPECT_NO_MGPU_ERROR(what);
  int r = expect_axpy(y, 2.0f, 2, n, msg, size);
  EXPECT_OK(sto_cuda_free(x));
  EXPECT_OK(sto_cuda_free(y));
  free(hx);
  free(hy);
  if (r != STO_CHECK_PASS)
    return r;
  return sto_cuda_check_fill_with(module, msg, size);
}

static int check_module_ptx(char *msg, size_t size) {
  char *ptx = ptx_copy();
  if (!ptx)
    return fail(msg, size, "out of host memory");
  sto_cuda_clear_error();
  void *module = mgpuModuleLoad(ptx, strlen(ptx) + 1);
  void *same = mgpuModuleLoad(ptx, strlen(ptx) + 1);
  if (!module || same != module)
    return fail(msg, size, "mgpuModuleLoad of one image gave %p and %p", module,
                same);
  mgpuModuleUnload(same); // one reference left
  int r = launch_check(module, "PTX module", msg, size);
  if (r != STO_CHECK_PASS)
    return r;
  // A missing kernel is an error, not a crash.
  sto_cuda_clear_error();
  void *missing = mgpuModuleGetFunction(module, "no_such_kernel");
  if (missing || sto_cuda_last_error() != STO_ERROR_CUDA ||
      !strstr(sto_cuda_last_error_message(), "CUDA_ERROR_NOT_FOUND"))
    return fail(msg, size, "missing kernel: got %p, error %d '%s'", missing,
                (int)sto_cuda_last_error(), sto_cuda_last_error_message());
  sto_cuda_clear_error();
  mgpuModuleUnload(module); // the last reference: cuModuleUnload
  EXPECT_NO_MGPU_ERROR("mgpuModuleUnload");
  free(ptx);
  return STO_CHECK_PASS;
}

static int check_module_jit(char *msg, size_t size) {
  char *ptx = ptx_copy();
  if (!ptx)
    return fail(msg, size, "out of host memory");
  sto_cuda_clear_error();
  void *module = mgpuModuleLoadJIT(ptx, 3);
  int r = launch_check(module, "mgpuModuleLoadJIT module", msg, size);
  if (r != STO_CHECK_PASS)
    return r;
  mgpuModuleUnload(module);
  EXPECT_NO_MGPU_ERROR("mgpuModuleUnload");
  free(ptx);
  return STO_CHECK_PASS;
}

static int check_module_fatbin(char *msg, size_t size) {
  if (sto_test_kernels_fatbin_size == 0)
    return skip(msg, size, "built without nvcc: no fatbin");
  int32_t major = 0, minor = 0;
  EXPECT_OK(sto_cuda_device_compute_capability(0, &major, &minor));
  sto_cuda_clear_error();
  void *module = mgpuModuleLoad((void *)(uintptr_t)sto_test_kernels_fatbin,
                                sto_test_kernels_fatbin_size);
  int r = launch_check(module, "fatbin module", msg, size);
  if (r != STO_CHECK_PASS)
    return r;
  mgpuModuleUnload(module);
  EXPECT_NO_MGPU_ERROR("mgpuModuleUnload");
  snprintf(msg, size, "sm_%d%d ran the %s", major, minor,
           major == 9 && minor == 0 ? "sm_90a cubin" : "compute_75 PTX");
  return STO_CHECK_PASS;
}

static int check_mgpu_alloc(char *msg, size_t size) {
  unsigned n = N_ELEMENTS;
  size_t bytes = n * sizeof(float);
  float *hx = malloc(bytes), *hy = malloc(bytes);
  if (!hx || !hy)
    return fail(msg, size, "out of host memory");
  for (unsigned i = 0; i < n; ++i) {
    hx[i] = (float)(i % 1000);
    hy[i] = 1.0f;
  }
  char *ptx = ptx_copy();
  sto_cuda_clear_error();
  void *module = mgpuModuleLoad(ptx, strlen(ptx) + 1);
  void *axpy = mgpuModuleGetFunction(module, "sto_test_axpy");
  // An async region: alloc, copies, launch and free ordered on one stream.
  void *stream = mgpuStreamCreate();
  void *x = mgpuMemAlloc(bytes, stream, 0);
  void *y = mgpuMemAlloc(bytes, stream, 0xffffff00u); // i8 0, garbage above
  mgpuMemcpy(x, hx, bytes, stream);
  mgpuMemcpy(y, hy, bytes, stream);
  float a = 3.0f;
  void *params[4] = {&a, &x, &y, &n};
  mgpuLaunchKernel(axpy, grid_for(n), 1, 1, BLOCK, 1, 1, 0, stream, params,
                   NULL, 4);
  mgpuMemcpy(hy, y, bytes, stream);
  mgpuMemFree(x, stream);
  mgpuMemFree(y, stream);
  mgpuStreamSynchronize(stream);
  mgpuStreamDestroy(stream);
  EXPECT_NO_MGPU_ERROR("async region");
  for (unsigned i = 0; i < n; ++i)
    if (hy[i] != 3.0f * (float)(i % 1000) + 1.0f)
      return fail(msg, size, "y[%u] = %g", i, (double)hy[i]);
  // host_shared: managed memory, written and read by the host.
  unsigned *shared = mgpuMemAlloc(n * sizeof(unsigned), NULL, 0x101u);
  EXPECT_NO_MGPU_ERROR("mgpuMemAlloc(host_shared)");
  if (!shared)
    return fail(msg, size, "mgpuMemAlloc(host_shared) returned NULL");
  shared[0] = 7; // host access to managed memory
  void *fill = mgpuModuleGetFunction(module, "sto_test_fill_index");
  void *fillParams[2] = {&shared, &n};
  stream = mgpuStreamCreate();
  mgpuLaunchKernel(fill, grid_for(n), 1, 1, BLOCK, 1, 1, 0, stream, fillParams,
                   NULL, 2);
  mgpuStreamSynchronize(stream);
  mgpuStreamDestroy(stream);
  EXPECT_NO_MGPU_ERROR("launch on host_shared memory");
  for (unsigned i = 0; i < n; ++i)
    if (shared[i] != fill_value(i))
      return fail(msg, size, "shared[%u] = %u", i, shared[i]);
  mgpuMemFree(shared, NULL);
  // Zero bytes: NULL, no error.
  if (mgpuMemAlloc(0, NULL, 0) != NULL)
    return fail(msg, size, "mgpuMemAlloc(0) is not NULL");
  mgpuModuleUnload(module);
  EXPECT_NO_MGPU_ERROR("mgpuMemFree/mgpuModuleUnload");
  free(ptx);
  free(hx);
  free(hy);
  return STO_CHECK_PASS;
}

static int check_events(char *msg, size_t size) {
  unsigned n = N_ELEMENTS;
  uint32_t *h = malloc(n * sizeof(uint32_t));
  if (!h)
    return fail(msg, size, "out of host memory");
  sto_cuda_clear_error();
  // gpu.wait async [%a, %b] lowers to an event per dependency.
  void *a = mgpuStreamCreate(), *b = mgpuStreamCreate();
  void *d = mgpuMemAlloc(n * sizeof(uint32_t), a, 0);
  mgpuMemset32(d, 0x600dcafeu, n, a);
  void *event = mgpuEventCreate();
  mgpuEventRecord(event, a);
  mgpuStreamWaitEvent(b, event);
  mgpuMemcpy(h, d, n * sizeof(uint32_t), b);
  mgpuEventSynchronize(event);
  mgpuEventDestroy(event);
  mgpuStreamSynchronize(b);
  mgpuMemFree(d, b);
  mgpuStreamSynchronize(a);
  mgpuStreamSynchronize(b);
  mgpuStreamDestroy(a);
  mgpuStreamDestroy(b);
  EXPECT_NO_MGPU_ERROR("events");
  for (unsigned i = 0; i < n; ++i)
    if (h[i] != 0x600dcafeu)
      return fail(msg, size, "word %u = 0x%x: the copy did not wait", i, h[i]);
  free(h);
  return STO_CHECK_PASS;
}

static int check_user_stream(char *msg, size_t size) {
  unsigned n = N_ELEMENTS;
  float *hx = malloc(n * sizeof(float)), *hy = malloc(n * sizeof(float));
  void *x = NULL, *y = NULL, *user = NULL;
  if (!hx || !hy)
    return fail(msg, size, "out of host memory");
  if (make_xy(&x, &y, hx, hy, n, msg, size) != STO_CHECK_PASS)
    return STO_CHECK_FAIL;
  char *ptx = ptx_copy();
  sto_cuda_clear_error();
  void *module = mgpuModuleLoad(ptx, strlen(ptx) + 1);
  void *axpy = mgpuModuleGetFunction(module, "sto_test_axpy");
  EXPECT_NO_MGPU_ERROR("module");
  EXPECT_OK(sto_cuda_stream_create(&user));
  EXPECT_OK(sto_cuda_set_stream(user, 0));
  if (sto_cuda_get_stream() != user)
    return fail(msg, size, "sto_cuda_get_stream is not the stream set");
  void *s = mgpuStreamCreate();
  if (s != user)
    return fail(msg, size,
                "mgpuStreamCreate returned %p, not the user "
                "stream %p",
                s, user);
  mgpuStreamDestroy(s); // must not destroy the user's stream
  // Ten compiled calls enqueued back to back, no host wait in between.
  for (int i = 0; i < 10; ++i)
    launch_axpy_sync(axpy, 1.0f, x, y, n);
  EXPECT_NO_MGPU_ERROR("launches on the user stream");
  EXPECT_OK(sto_cuda_stream_synchronize(user)); // still alive
  int r = expect_axpy(y, 1.0f, 10, n, msg, size);
  if (r != STO_CHECK_PASS)
    return r;
  // STO_CUDA_STREAM_WAIT: the results are there when the call returns.
  EXPECT_OK(sto_cuda_set_stream(user, STO_CUDA_STREAM_WAIT));
  launch_axpy_sync(axpy, 1.0f, x, y, n);
  EXPECT_NO_MGPU_ERROR("launch with STO_CUDA_STREAM_WAIT");
  r = expect_axpy(y, 1.0f, 11, n, msg, size);
  if (r != STO_CHECK_PASS)
    return r;
  EXPECT_OK(sto_cuda_set_stream(NULL, 0));
  if (sto_cuda_get_stream() != NULL)
    return fail(msg, size, "sto_cuda_set_stream(NULL) did not reset");
  if (sto_cuda_set_stream(user, 0x80) != STO_ERROR_INVALID_ARGUMENT)
    return fail(msg, size, "unknown flags accepted");
  EXPECT_OK(sto_cuda_stream_destroy(user));
  mgpuModuleUnload(module);
  EXPECT_OK(sto_cuda_free(x));
  EXPECT_OK(sto_cuda_free(y));
  free(ptx);
  free(hx);
  free(hy);
  return STO_CHECK_PASS;
}

//===----------------------------------------------------------------------===//
// Threads
//===----------------------------------------------------------------------===//

#define N_THREADS 4
#define N_LAUNCHES 25

typedef struct {
  void *module;
  int index;
  int result;
  char message[512];
} ThreadArgs;

static void *thread_main(void *p) {
  ThreadArgs *t = p;
  char *msg = t->message;
  size_t size = sizeof(t->message);
  unsigned n = N_ELEMENTS / 4;
  float *hx = malloc(n * sizeof(float)), *hy = malloc(n * sizeof(float));
  void *x = NULL, *y = NULL, *user = NULL;
  t->result = STO_CHECK_FAIL;
  if (!hx || !hy) {
    fail(msg, size, "out of host memory");
    return NULL;
  }
  // A fresh thread: no context current until the runtime makes it so.
  sto_cuda_clear_error();
  void *axpy = mgpuModuleGetFunction(t->module, "sto_test_axpy");
  if (sto_cuda_last_error() != STO_OK || !axpy) {
    fail(msg, size, "thread %d: %s", t->index, sto_cuda_last_error_message());
    return NULL;
  }
  if (make_xy(&x, &y, hx, hy, n, msg, size) != STO_CHECK_PASS)
    return NULL;
  // Odd threads run on their own stream, asynchronously.
  if (t->index % 2 && (sto_cuda_stream_create(&user) != STO_OK ||
                       sto_cuda_set_stream(user, 0) != STO_OK)) {
    fail(msg, size, "thread %d: %s", t->index, sto_cuda_last_error_message());
    return NULL;
  }
  for (int i = 0; i < N_LAUNCHES; ++i)
    launch_axpy_sync(axpy, 0.5f, x, y, n);
  if (sto_cuda_last_error() != STO_OK) {
    fail(msg, size, "thread %d: %s", t->index, sto_cuda_last_error_message());
    return NULL;
  }
  if (user && (sto_cuda_stream_synchronize(user) != STO_OK ||
               sto_cuda_set_stream(NULL, 0) != STO_OK ||
               sto_cuda_stream_destroy(user) != STO_OK)) {
    fail(msg, size, "thread %d: %s", t->index, sto_cuda_last_error_message());
    return NULL;
  }
  if (expect_axpy(y, 0.5f, N_LAUNCHES, n, msg, size) != STO_CHECK_PASS)
    return NULL;
  sto_cuda_free(x);
  sto_cuda_free(y);
  free(hx);
  free(hy);
  t->result = STO_CHECK_PASS;
  return NULL;
}

static int check_threads(char *msg, size_t size) {
  char *ptx = ptx_copy();
  sto_cuda_clear_error();
  void *module = mgpuModuleLoad(ptx, strlen(ptx) + 1);
  EXPECT_NO_MGPU_ERROR("mgpuModuleLoad");
  ThreadArgs args[N_THREADS];
  pthread_t threads[N_THREADS];
  for (int i = 0; i < N_THREADS; ++i) {
    args[i].module = module;
    args[i].index = i;
    args[i].result = STO_CHECK_FAIL;
    args[i].message[0] = '\0';
    if (pthread_create(&threads[i], NULL, thread_main, &args[i]) != 0)
      return fail(msg, size, "pthread_create failed");
  }
  for (int i = 0; i < N_THREADS; ++i)
    pthread_join(threads[i], NULL);
  for (int i = 0; i < N_THREADS; ++i)
    if (args[i].result != STO_CHECK_PASS)
      return fail(msg, size, "%s", args[i].message);
  mgpuModuleUnload(module);
  EXPECT_NO_MGPU_ERROR("mgpuModuleUnload");
  free(ptx);
  snprintf(msg, size, "%d threads x %d launches", N_THREADS, N_LAUNCHES);
  return STO_CHECK_PASS;
}

static int check_cluster_launch(char *msg, size_t size) {
  int32_t major = 0, minor = 0;
  EXPECT_OK(sto_cuda_device_compute_capability(0, &major, &minor));
  if (major < 9)
    return skip(msg, size, "thread block clusters need sm_90");
  unsigned n = N_ELEMENTS;
  float *hx = malloc(n * sizeof(float)), *hy = malloc(n * sizeof(float));
  void *x = NULL, *y = NULL;
  if (!hx || !hy)
    return fail(msg, size, "out of host memory");
  if (make_xy(&x, &y, hx, hy, n, msg, size) != STO_CHECK_PASS)
    return STO_CHECK_FAIL;
  // The sm_90a cubin when there is one, else the PTX (JIT-compiled).
  char *ptx = ptx_copy();
  sto_cuda_clear_error();
  void *module =
      sto_test_kernels_fatbin_size
          ? mgpuModuleLoad((void *)(uintptr_t)sto_test_kernels_fatbin,
                           sto_test_kernels_fatbin_size)
          : mgpuModuleLoad(ptx, strlen(ptx) + 1);
  void *axpy = mgpuModuleGetFunction(module, "sto_test_axpy");
  float a = 4.0f;
  void *params[4] = {&a, &x, &y, &n};
  void *stream = mgpuStreamCreate();
  // grid (4096) is a multiple of the cluster (2).
  mgpuLaunchClusterKernel(axpy, 2, 1, 1, grid_for(n), 1, 1, BLOCK, 1, 1, 0,
                          stream, params, NULL);
  mgpuStreamSynchronize(stream);
  mgpuStreamDestroy(stream);
  EXPECT_NO_MGPU_ERROR("mgpuLaunchClusterKernel");
  int r = expect_axpy(y, 4.0f, 1, n, msg, size);
  mgpuModuleUnload(module);
  sto_cuda_free(x);
  sto_cuda_free(y);
  free(ptx);
  free(hx);
  free(hy);
  return r;
}

static int check_host_register(char *msg, size_t size) {
  unsigned n = N_ELEMENTS;
  float *host = malloc(n * sizeof(float));
  if (!host)
    return fail(msg, size, "out of host memory");
  memset(host, 0, n * sizeof(float));
  // A rank-1 memref descriptor {allocated, aligned, offset, size, stride}.
  int64_t desc[5] = {(int64_t)(intptr_t)host, (int64_t)(intptr_t)host, 0,
                     (int64_t)n, 1};
  sto_cuda_clear_error();
  mgpuMemHostRegisterMemRef(1, desc, sizeof(float));
  EXPECT_NO_MGPU_ERROR("mgpuMemHostRegisterMemRef");
  void *d = NULL, *stream = NULL;
  EXPECT_OK(sto_cuda_malloc(&d, n * sizeof(float)));
  EXPECT_OK(sto_cuda_memset_u32(d, 0x3f800000u, n, NULL)); // 1.0f
  EXPECT_OK(sto_cuda_stream_create(&stream));
  EXPECT_OK(sto_cuda_memcpy(host, d, n * sizeof(float), stream));
  EXPECT_OK(sto_cuda_stream_synchronize(stream));
  for (unsigned i = 0; i < n; ++i)
    if (host[i] != 1.0f)
      return fail(msg, size, "host[%u] = %g", i, (double)host[i]);
  mgpuMemHostUnregisterMemRef(1, desc, sizeof(float));
  EXPECT_NO_MGPU_ERROR("mgpuMemHostUnregisterMemRef");
  // A strided memref is refused with an error, not an assertion.
  int64_t strided[7] = {
      (int64_t)(intptr_t)host, (int64_t)(intptr_t)host, 0, 16, 16, 32, 1};
  mgpuMemHostRegisterMemRef(2, strided, sizeof(float));
  if (sto_cuda_last_error() != STO_ERROR_INVALID_ARGUMENT)
    return fail(msg, size, "strided memref: error %d '%s'",
                (int)sto_cuda_last_error(), sto_cuda_last_error_message());
  sto_cuda_clear_error();
  EXPECT_OK(sto_cuda_stream_destroy(stream));
  EXPECT_OK(sto_cuda_free(d));
  free(host);
  return STO_CHECK_PASS;
}

static int check_tensor_map(char *msg, size_t size) {
  int32_t major = 0, minor = 0;
  EXPECT_OK(sto_cuda_device_compute_capability(0, &major, &minor));
  if (major < 9)
    return skip(msg, size, "TMA needs sm_90");
  void *d = NULL;
  EXPECT_OK(sto_cuda_malloc(&d, 128 * 64 * sizeof(float)));
  int64_t desc[7] = {
      (int64_t)(intptr_t)d, (int64_t)(intptr_t)d, 0, 128, 64, 64, 1};
  int64_t box[2] = {32, 32};
  sto_cuda_clear_error();
  // CU_TENSOR_MAP_DATA_TYPE_FLOAT32 (7), no interleave/swizzle/promotion.
  void *map = mgpuTensorMapEncodeTiledMemref(2, desc, 7, 0, 0, 0, 0, box);
  void *again = mgpuTensorMapEncodeTiledMemref(2, desc, 7, 0, 0, 0, 0, box);
  EXPECT_NO_MGPU_ERROR("mgpuTensorMapEncodeTiledMemref");
  if (!map || again != map)
    return fail(msg, size, "descriptors %p and %p", map, again);
  EXPECT_OK(sto_cuda_free(d));
  return STO_CHECK_PASS;
}

/* Products on cuBLAS (sto_cuda_sgemm) against a double-precision host
   product: plain and transposed operands, padded rows, alpha and beta,
   batches, a caller's stream, and an identity product that must be exact
   (TF32 would round the mantissas of A). */
typedef struct {
  int32_t flags;
  int64_t batch, m, n, k, pad, batch_pad;
  float alpha, beta;
  int user_stream;
} gemm_case;

static float lcg_float(uint32_t *state) {
  *state = *state * 1664525u + 1013904223u;
  return (float)((*state >> 8) & 0xffffff) / 8388608.0f - 1.0f; /* [-1, 1) */
}

static int run_gemm_case(const gemm_case *t, int identity, char *msg,
                         size_t size) {
  int ta = t->flags & STO_CUDA_GEMM_TRANSPOSE_A;
  int tb = t->flags & STO_CUDA_GEMM_TRANSPOSE_B;
  int64_t rows_a = ta ? t->k : t->m, cols_a = ta ? t->m : t->k;
  int64_t rows_b = tb ? t->n : t->k, cols_b = tb ? t->k : t->n;
  int64_t lda = cols_a + t->pad, ldb = cols_b + t->pad, ldc = t->n + t->pad;
  int64_t sa = rows_a * lda + t->batch_pad, sb = rows_b * ldb + t->batch_pad,
          sc = t->m * ldc + t->batch_pad;
  size_t na = (size_t)(t->batch * sa), nb = (size_t)(t->batch * sb),
         nc = (size_t)(t->batch * sc);
  /* + 1: no malloc(0) when k is 0 */
  float *a = malloc((na + 1) * sizeof(float)),
        *b = malloc((nb + 1) * sizeof(float)),
        *c = malloc((nc + 1) * sizeof(float)),
        *got = malloc((nc + 1) * sizeof(float));
  if (!a || !b || !c || !got)
    return fail(msg, size, "out of host memory");
  uint32_t state = (uint32_t)(t->m * 131 + t->n * 7 + t->k);
  for (size_t i = 0; i < na; ++i)
    a[i] = lcg_float(&state);
  for (size_t i = 0; i < nb; ++i)
    b[i] = identity ? 0.0f : lcg_float(&state);
  if (identity) /* B = I (k x n, k == n): C = A exactly */
    for (int64_t i = 0; i < t->k; ++i)
      b[i * ldb + i] = 1.0f;
  for (size_t i = 0; i < nc; ++i)
    c[i] = t->beta == 0.0f ? __builtin_nanf("") : lcg_float(&state);
  void *da = NULL, *db = NULL, *dc = NULL, *user = NULL;
  EXPECT_OK(sto_cuda_malloc(&da, na * sizeof(float)));
  EXPECT_OK(sto_cuda_malloc(&db, nb * sizeof(float)));
  EXPECT_OK(sto_cuda_malloc(&dc, nc * sizeof(float)));
  EXPECT_OK(sto_cuda_memcpy(da, a, na * sizeof(float), NULL));
  EXPECT_OK(sto_cuda_memcpy(db, b, nb * sizeof(float), NULL));
  EXPECT_OK(sto_cuda_memcpy(dc, c, nc * sizeof(float), NULL));
  if (t->user_stream) {
    EXPECT_OK(sto_cuda_stream_create(&user));
    EXPECT_OK(sto_cuda_set_stream(user, 0));
  }
  EXPECT_OK(sto_cuda_sgemm(t->flags, t->batch, t->m, t->n, t->k, t->alpha, da,
                           lda, sa, db, ldb, sb, t->beta, dc, ldc, sc));
  if (user) {
    EXPECT_OK(sto_cuda_set_stream(NULL, 0));
    EXPECT_OK(sto_cuda_stream_synchronize(user));
    EXPECT_OK(sto_cuda_stream_destroy(user));
  }
  EXPECT_OK(sto_cuda_memcpy(got, dc, nc * sizeof(float), NULL));
  int result = STO_CHECK_PASS;
  for (int64_t q = 0; q < t->batch && result == STO_CHECK_PASS; ++q)
    for (int64_t i = 0; i < t->m && result == STO_CHECK_PASS; ++i)
      for (int64_t j = 0; j < t->n; ++j) {
        double sum = 0.0, mag = 0.0;
        for (int64_t l = 0; l < t->k; ++l) {
          double x = a[q * sa + (ta ? l * lda + i : i * lda + l)];
          double y = b[q * sb + (tb ? j * ldb + l : l * ldb + j)];
          sum += x * y;
          mag += x * y < 0 ? -x * y : x * y;
        }
        size_t at = (size_t)(q * sc + i * ldc + j);
        double want =
            t->alpha * sum + (t->beta == 0.0f ? 0.0 : t->beta * c[at]);
        double err = got[at] - want;
        /* |alpha| and |beta C| (C is NaN where beta is 0: not read). */
        double bc = t->beta == 0.0f ? 0.0 : (double)t->beta * c[at];
        double tol = identity
                         ? 0.0
                         : 1e-5 * ((t->alpha < 0 ? -t->alpha : t->alpha) * mag +
                                   (bc < 0 ? -bc : bc)) +
                               1e-30;
        if (!(err <= tol && -err <= tol)) {
          result = fail(msg, size,
                        "flags %d batch %ld %ldx%ldx%ld: C[%ld][%ld][%ld] = "
                        "%.9g, expected %.9g",
                        (int)t->flags, (long)t->batch, (long)t->m, (long)t->n,
                        (long)t->k, (long)q, (long)i, (long)j, got[at], want);
          break;
        }
      }
  /* Padding between rows and matrices is never written. */
  for (int64_t q = 0; q < t->batch && result == STO_CHECK_PASS; ++q)
    for (int64_t e = 0; e < sc && result == STO_CHECK_PASS; ++e) {
      size_t at = (size_t)(q * sc + e);
      if ((e >= t->m * ldc || e % ldc >= t->n) &&
          memcmp(&got[at], &c[at], sizeof(float)) != 0)
        result = fail(msg, size, "element %ld outside C was written", (long)at);
    }
  EXPECT_OK(sto_cuda_free(da));
  EXPECT_OK(sto_cuda_free(db));
  EXPECT_OK(sto_cuda_free(dc));
  free(a);
  free(b);
  free(c);
  free(got);
  return result;
}

static int check_cublas_sgemm(char *msg, size_t size) {
  int32_t version = 0;
  if (sto_cuda_cublas_version(&version) != STO_OK)
    return skip(msg, size, sto_cuda_last_error_message());
  static const gemm_case cases[] = {
      {0, 1, 37, 53, 129, 0, 0, 1.0f, 0.0f, 0},
      {STO_CUDA_GEMM_TRANSPOSE_A, 1, 64, 17, 33, 3, 0, 0.5f, 1.0f, 0},
      {STO_CUDA_GEMM_TRANSPOSE_B, 1, 5, 96, 40, 1, 0, 1.0f, 1.0f, 0},
      {STO_CUDA_GEMM_TRANSPOSE_A | STO_CUDA_GEMM_TRANSPOSE_B, 1, 31, 29, 7, 2,
       0, -2.0f, 0.25f, 0},
      {0, 3, 19, 23, 45, 1, 5, 1.0f, 0.0f, 0},
      {STO_CUDA_GEMM_TRANSPOSE_B, 4, 16, 8, 64, 0, 0, 1.0f, 1.0f, 1},
      {0, 1, 256, 512, 300, 0, 0, 1.0f, 0.0f, 1},
      {0, 1, 1, 1, 1, 0, 0, 1.0f, 0.0f, 0},
      {0, 1, 4, 4, 0, 0, 0, 1.0f, 2.0f, 0}, /* k = 0: C = beta * C */
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); ++i)
    if (run_gemm_case(&cases[i], 0, msg, size) != STO_CHECK_PASS)
      return STO_CHECK_FAIL;
  static const gemm_case exact = {0, 1, 128, 256, 256, 0, 0, 1.0f, 0.0f, 0};
  if (run_gemm_case(&exact, 1, msg, size) != STO_CHECK_PASS)
    return STO_CHECK_FAIL;
  /* The compiled-code entry point records a cuBLAS-level failure (here an
     invalid argument) in the thread's error state. */
  sto_cuda_clear_error();
  sto_cuda_compiled_sgemm(0, 1, 2, 2, 3, 1.0f, NULL, 3, 0, NULL, 2, 0, 0.0f,
                          NULL, 2, 0);
  if (sto_cuda_last_error() != STO_ERROR_NULL_POINTER)
    return fail(msg, size, "sto_cuda_compiled_sgemm recorded %d, not %d",
                (int)sto_cuda_last_error(), STO_ERROR_NULL_POINTER);
  sto_cuda_clear_error();
  return STO_CHECK_PASS;
}

/* Products from several threads at once: each uses its own handle. */
static void *gemm_thread(void *arg) {
  int *ok = arg;
  char message[512];
  static const gemm_case t = {0, 2, 96, 80, 70, 1, 3, 1.0f, 0.0f, 0};
  for (int i = 0; i < 8 && *ok; ++i)
    *ok = run_gemm_case(&t, 0, message, sizeof(message)) == STO_CHECK_PASS;
  if (!*ok)
    fprintf(stderr, "cublas-threads: %s\n", message);
  return NULL;
}

static int check_cublas_threads(char *msg, size_t size) {
  int32_t version = 0;
  if (sto_cuda_cublas_version(&version) != STO_OK)
    return skip(msg, size, sto_cuda_last_error_message());
  pthread_t threads[4];
  int ok[4] = {1, 1, 1, 1};
  for (int i = 0; i < 4; ++i)
    if (pthread_create(&threads[i], NULL, gemm_thread, &ok[i]) != 0)
      return fail(msg, size, "pthread_create failed");
  for (int i = 0; i < 4; ++i)
    pthread_join(threads[i], NULL);
  for (int i = 0; i < 4; ++i)
    if (!ok[i])
      return fail(msg, size, "thread %d computed a wrong product", i);
  return STO_CHECK_PASS;
}

static int check_errors(char *msg, size_t size) {
  char *ptx = ptx_copy();
  sto_cuda_clear_error();
  void *module = mgpuModuleLoad(ptx, strlen(ptx) + 1);
  void *axpy = mgpuModuleGetFunction(module, "sto_test_axpy");
  EXPECT_NO_MGPU_ERROR("module");
  // An invalid launch records an error and returns.
  void *params[4] = {NULL, NULL, NULL, NULL};
  mgpuLaunchKernel(axpy, 0, 1, 1, BLOCK, 1, 1, 0, NULL, params, NULL, 4);
  if (sto_cuda_last_error() != STO_ERROR_INVALID_ARGUMENT ||
      !strstr(sto_cuda_last_error_message(), "mgpuLaunchKernel"))
    return fail(msg, size, "empty grid: error %d '%s'",
                (int)sto_cuda_last_error(), sto_cuda_last_error_message());
  // The first error of the thread is kept.
  mgpuModuleGetFunction(NULL, "sto_test_axpy");
  if (sto_cuda_last_error() != STO_ERROR_INVALID_ARGUMENT)
    return fail(msg, size, "a later mgpu error replaced the first");
  sto_cuda_clear_error();
  if (sto_cuda_last_error() != STO_OK || sto_cuda_last_error_message()[0])
    return fail(msg, size, "sto_cuda_clear_error did not clear");
  // Too many threads per block: the driver's error, with its name.
  float a = 1.0f;
  void *x = NULL, *y = NULL;
  unsigned n = 1;
  void *launchParams[4] = {&a, &x, &y, &n};
  void *stream = mgpuStreamCreate();
  mgpuLaunchKernel(axpy, 1, 1, 1, 4096, 1, 1, 0, stream, launchParams, NULL, 4);
  mgpuStreamSynchronize(stream);
  mgpuStreamDestroy(stream);
  if (sto_cuda_last_error() != STO_ERROR_CUDA ||
      !strstr(sto_cuda_last_error_message(), "cuLaunchKernel failed with "
                                             "CUDA_ERROR_"))
    return fail(msg, size, "4096 threads per block: error %d '%s'",
                (int)sto_cuda_last_error(), sto_cuda_last_error_message());
  sto_cuda_clear_error();
  // A bad image fails at the first lookup, with the driver's reason (here
  // it is taken for PTX, which does not compile).
  static const char garbage[] = "this is not a CUDA module";
  void *bad = mgpuModuleLoad((void *)(uintptr_t)garbage, sizeof(garbage));
  void *f = mgpuModuleGetFunction(bad, "sto_test_axpy");
  if (f || sto_cuda_last_error() != STO_ERROR_CUDA ||
      !strstr(sto_cuda_last_error_message(), "cuModuleLoadDataEx"))
    return fail(msg, size, "bad image: %p, error %d '%s'", f,
                (int)sto_cuda_last_error(), sto_cuda_last_error_message());
  // Launching the NULL function that follows is refused, not attempted.
  mgpuLaunchKernel(f, 1, 1, 1, 1, 1, 1, 0, NULL, params, NULL, 0);
  mgpuModuleUnload(bad);
  sto_cuda_clear_error();
  // The C API returns its status and replaces the message.
  if (sto_cuda_set_device(1 << 20) != STO_ERROR_INVALID_ARGUMENT)
    return fail(msg, size, "sto_cuda_set_device(2^20) succeeded");
  void *huge = NULL;
  if (sto_cuda_malloc(&huge, (size_t)1 << 60) != STO_ERROR_CUDA || huge ||
      !strstr(sto_cuda_last_error_message(), "cuMemAlloc failed with CUDA_"))
    return fail(msg, size, "malloc(2^60): '%s'", sto_cuda_last_error_message());
  if (sto_cuda_malloc(NULL, 16) != STO_ERROR_NULL_POINTER)
    return fail(msg, size, "sto_cuda_malloc(NULL) accepted");
  sto_cuda_clear_error();
  mgpuModuleUnload(module);
  EXPECT_NO_MGPU_ERROR("mgpuModuleUnload");
  // The context still works after all of this.
  EXPECT_OK(sto_cuda_synchronize());
  free(ptx);
  return STO_CHECK_PASS;
}

//===----------------------------------------------------------------------===//
// Without a driver
//===----------------------------------------------------------------------===//

/* A sto_cuda_* call that must fail with STO_ERROR_NO_CUDA_DRIVER and a
   message. */
#define EXPECT_NO_DRIVER(call)                                                 \
  do {                                                                         \
    sto_cuda_clear_error();                                                    \
    int32_t status_ = (call);                                                  \
    if (status_ != STO_ERROR_NO_CUDA_DRIVER ||                                 \
        sto_cuda_last_error() != STO_ERROR_NO_CUDA_DRIVER ||                   \
        !strstr(sto_cuda_last_error_message(), "CUDA"))                        \
      return fail(msg, size, "%s returned %d, message '%s'", #call,            \
                  (int)status_, sto_cuda_last_error_message());                \
  } while (0)

int sto_cuda_check_no_driver(char *msg, size_t size) {
  if (sto_cuda_available())
    return fail(msg, size, "a CUDA driver and device are available");
  int32_t version = -1, count = -1, major = -1, minor = -1, device = -1;
  char name[64] = "unchanged";
  void *ptr = (void *)&count, *stream = (void *)&count;
  char host[16] = {0};
  EXPECT_NO_DRIVER(sto_cuda_init());
  EXPECT_NO_DRIVER(sto_cuda_driver_version(&version));
  EXPECT_NO_DRIVER(sto_cuda_device_count(&count));
  EXPECT_NO_DRIVER(sto_cuda_device_name(0, name, sizeof(name)));
  EXPECT_NO_DRIVER(sto_cuda_device_compute_capability(0, &major, &minor));
  EXPECT_NO_DRIVER(sto_cuda_set_device(0));
  EXPECT_NO_DRIVER(sto_cuda_get_device(&device));
  EXPECT_NO_DRIVER(sto_cuda_synchronize());
  EXPECT_NO_DRIVER(sto_cuda_malloc(&ptr, 64));
  EXPECT_NO_DRIVER(sto_cuda_free(NULL));
  EXPECT_NO_DRIVER(sto_cuda_memcpy(host, host + 8, 8, NULL));
  EXPECT_NO_DRIVER(sto_cuda_memset(host, 1, 8, NULL));
  EXPECT_NO_DRIVER(sto_cuda_memset_u32(host, 1, 2, NULL));
  EXPECT_NO_DRIVER(sto_cuda_stream_create(&stream));
  EXPECT_NO_DRIVER(sto_cuda_stream_destroy((void *)host));
  EXPECT_NO_DRIVER(sto_cuda_stream_synchronize(NULL));
  EXPECT_NO_DRIVER(sto_cuda_set_stream(NULL, 0));
  if (version != 0 || count != 0 || major != 0 || minor != 0 || device != 0 ||
      name[0] != '\0' || ptr != NULL || stream != NULL)
    return fail(msg, size, "outputs not reset on failure");
  if (sto_cuda_get_stream() != NULL)
    return fail(msg, size, "sto_cuda_get_stream is not NULL");
  if (!strstr(sto_status_message(STO_ERROR_NO_CUDA_DRIVER), "CUDA") ||
      !strstr(sto_status_message(STO_ERROR_CUDA), "CUDA"))
    return fail(msg, size, "sto_status_message lacks the CUDA codes");

  // mgpu* functions: nothing happens, the first failure is kept.
  sto_cuda_clear_error();
  void *s = mgpuStreamCreate();
  if (s != NULL || sto_cuda_last_error() != STO_ERROR_NO_CUDA_DRIVER ||
      !strstr(sto_cuda_last_error_message(), "mgpuStreamCreate"))
    return fail(msg, size, "mgpuStreamCreate: %p, error %d '%s'", s,
                (int)sto_cuda_last_error(), sto_cuda_last_error_message());
  char first[1024];
  snprintf(first, sizeof(first), "%s", sto_cuda_last_error_message());
  int64_t desc[5] = {(int64_t)(intptr_t)host, (int64_t)(intptr_t)host, 0, 4, 1};
  int64_t box[1] = {4};
  void *params[1] = {NULL};
  if (mgpuEventCreate() != NULL || mgpuMemAlloc(64, NULL, 0) != NULL ||
      mgpuMemAlloc(64, NULL, 1) != NULL ||
      mgpuTensorMapEncodeTiledMemref(1, desc, 7, 0, 0, 0, 0, box) != NULL)
    return fail(msg, size, "an mgpu function returned non-NULL");
  mgpuStreamSynchronize(NULL);
  mgpuStreamDestroy((void *)host);
  mgpuStreamWaitEvent(NULL, NULL);
  mgpuEventRecord(NULL, NULL);
  mgpuEventSynchronize(NULL);
  mgpuEventDestroy((void *)host);
  mgpuMemFree((void *)host, NULL);
  mgpuMemcpy(host, host + 8, 8, NULL);
  mgpuMemset32(host, 0, 2, NULL);
  mgpuMemset16(host, 0, 4, NULL);
  mgpuMemHostRegisterMemRef(1, desc, 4);
  mgpuMemHostUnregisterMemRef(1, desc, 4);
  mgpuLaunchKernel(NULL, 1, 1, 1, 1, 1, 1, 0, NULL, params, NULL, 1);
  mgpuLaunchClusterKernel(NULL, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, NULL, params,
                          NULL);
  mgpuSetDefaultDevice(0);
  if (sto_cuda_last_error() != STO_ERROR_NO_CUDA_DRIVER ||
      strcmp(first, sto_cuda_last_error_message()) != 0)
    return fail(msg, size, "the first error was replaced by '%s'",
                sto_cuda_last_error_message());

  // Modules load lazily: the handle exists, the kernel lookup fails.
  sto_cuda_clear_error();
  void *module = mgpuModuleLoad((void *)(uintptr_t)sto_test_kernels_ptx,
                                strlen(sto_test_kernels_ptx) + 1);
  void *same = mgpuModuleLoad((void *)(uintptr_t)sto_test_kernels_ptx,
                              strlen(sto_test_kernels_ptx) + 1);
  void *jit = mgpuModuleLoadJIT((void *)(uintptr_t)sto_test_kernels_ptx, 2);
  if (!module || same != module || jit != module ||
      sto_cuda_last_error() != STO_OK)
    return fail(msg, size, "mgpuModuleLoad: %p %p %p, '%s'", module, same, jit,
                sto_cuda_last_error_message());
  void *function = mgpuModuleGetFunction(module, "sto_test_axpy");
  if (function || sto_cuda_last_error() != STO_ERROR_NO_CUDA_DRIVER)
    return fail(msg, size, "mgpuModuleGetFunction: %p, error %d", function,
                (int)sto_cuda_last_error());
  mgpuModuleUnload(jit);
  mgpuModuleUnload(same);
  mgpuModuleUnload(module);
  mgpuModuleUnload(NULL);
  sto_cuda_clear_error();
  if (sto_cuda_last_error() != STO_OK || sto_cuda_last_error_message()[0])
    return fail(msg, size, "sto_cuda_clear_error did not clear");
  snprintf(msg, size, "%s", first);
  return STO_CHECK_PASS;
}

static const sto_cuda_check kChecks[] = {
    {"device-info", check_device_info},
    {"copy-roundtrip", check_copy_roundtrip},
    {"memset", check_memset},
    {"streams", check_streams},
    {"module-ptx-launch", check_module_ptx},
    {"module-jit-launch", check_module_jit},
    {"module-fatbin-launch", check_module_fatbin},
    {"mgpu-alloc-async-region", check_mgpu_alloc},
    {"events", check_events},
    {"user-stream", check_user_stream},
    {"threads", check_threads},
    {"cluster-launch", check_cluster_launch},
    {"host-register", check_host_register},
    {"tensor-map", check_tensor_map},
    {"errors", check_errors},
    {"cublas-sgemm", check_cublas_sgemm},
    {"cublas-threads", check_cublas_threads},
};

const sto_cuda_check *sto_cuda_checks(size_t *count) {
  *count = sizeof(kChecks) / sizeof(kChecks[0]);
  return kChecks;
}
