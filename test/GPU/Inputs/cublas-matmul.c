// Driver of cublas-matmul.test: runs the compiled products on the GPU and
// compares them with a double-precision host product. Compiled with
// -include <the generated header>. With -DSTO_EMULATED it drives the same
// module built with --target=cuda-emulator (emulated-cublas-matmul.test):
// host memory stands for device memory and there are no streams.
#include "sto-c/Runtime.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef STO_EMULATED
static int32_t host_malloc(void **p, size_t n) {
  *p = malloc(n ? n : 1);
  return *p ? STO_OK : STO_ERROR_RUNTIME;
}
#define sto_cuda_malloc(p, n) host_malloc((p), (n))
#define sto_cuda_memcpy(d, s, n, stream) (memcpy((d), (s), (n)), STO_OK)
#define sto_cuda_memset(d, v, n, stream) (memset((d), (v), (n)), STO_OK)
#define sto_cuda_last_error_message() sto_last_error_message()
#define sto_cuda_free(p) (free(p), STO_OK)
#endif

static uint32_t state = 12345;
static float next(void) {
  state = state * 1664525u + 1013904223u;
  return (float)((state >> 8) & 0xffffff) / 8388608.0f - 1.0f;
}

static float *random_host(size_t n) {
  float *p = malloc(n * sizeof(float) + 1);
  for (size_t i = 0; i < n; ++i)
    p[i] = next();
  return p;
}

static void *to_device(const float *h, size_t n) {
  void *d = NULL;
  if (sto_cuda_malloc(&d, n * sizeof(float)) ||
      sto_cuda_memcpy(d, h, n * sizeof(float), NULL)) {
    printf("FAIL device copy: %s\n", sto_cuda_last_error_message());
    exit(1);
  }
  return d;
}

static int failures = 0;

/* On the fake CUDA driver of tools/fake-cuda (a device named "sto-fake
   ..."), the products run (fake cuBLAS) but kernels do not: the MLP layer's
   fused bias and relu kernel is launched and checked there, its result is
   not. */
static int fake_device = 0;

/* C[batch][m][n] (from the device) against the host product of A[m][k]
   (or per batch) and B[k][n] (or B^T stored [n][k]), plus bias, relu. */
static void compare(const char *name, int32_t status, void *dc, const float *a,
                    const float *b, const float *bias, int relu, int bt,
                    int batch, int m, int n, int k) {
  if (status != STO_OK) {
    printf("FAIL %s: status %d: %s\n", name, (int)status,
           sto_cuda_last_error_message());
    ++failures;
    return;
  }
  if (fake_device && bias) {
    printf("RAN %s (not compared: kernels do not run on the fake driver)\n",
           name);
    return;
  }
  size_t count = (size_t)batch * m * n;
  float *c = malloc(count * sizeof(float));
  sto_cuda_memcpy(c, dc, count * sizeof(float), NULL);
  double worst = 0.0;
  for (int q = 0; q < batch; ++q)
    for (int i = 0; i < m; ++i)
      for (int j = 0; j < n; ++j) {
        double sum = 0.0, mag = 0.0;
        for (int l = 0; l < k; ++l) {
          double x = a[((size_t)q * m + i) * k + l];
          double y = bt ? b[((size_t)q * n + j) * k + l]
                        : b[((size_t)q * k + l) * n + j];
          sum += x * y;
          mag += fabs(x * y);
        }
        if (bias)
          sum += bias[j];
        if (relu && sum < 0)
          sum = 0;
        double err = fabs(c[((size_t)q * m + i) * n + j] - sum) / (mag + 1e-30);
        if (!(err <= worst))
          worst = err;
      }
  // True f32 accumulation: errors of a few f32 ulps of sum|a*b|. TF32
  // (10-bit mantissas) would be about 1e-3.
  if (!(worst < 2e-6)) {
    printf("FAIL %s: relative error %g\n", name, worst);
    ++failures;
  } else {
    printf("PASS %s\n", name);
  }
  free(c);
}

int main(void) {
#ifndef STO_EMULATED
  if (!sto_cuda_available()) {
    sto_cuda_init();
    printf("no GPU: %s\n", sto_cuda_last_error_message());
    return 1;
  }
  char device[256] = "";
  sto_cuda_device_name(0, device, sizeof(device));
  fake_device = strncmp(device, "sto-fake", 8) == 0;
#endif
  float *a = random_host(37 * 129), *b = random_host(129 * 53);
  void *da = to_device(a, 37 * 129), *db = to_device(b, 129 * 53), *dc = NULL;
  sto_cuda_malloc(&dc, 64 * 128 * sizeof(float));
  sto_cuda_memset(dc, 0xff, 64 * 128 * sizeof(float), NULL); // NaNs
  compare("mm", mm(da, db, dc), dc, a, b, NULL, 0, 0, 1, 37, 53, 129);
  compare("mm_dyn", mm_dyn(da, 37, 129, db, 129, 53, dc, 37, 53), dc, a, b,
          NULL, 0, 0, 1, 37, 53, 129);
  // A dynamic result whose size differs from the computed one: untouched.
  printf("mm_dyn mismatch: status %d\n",
         (int)mm_dyn(da, 37, 129, db, 129, 53, dc, 36, 53));
  float *x = random_host(16 * 64), *wt = random_host(24 * 64);
  void *dx = to_device(x, 16 * 64), *dwt = to_device(wt, 24 * 64);
  compare("mm_bt", mm_bt(dx, dwt, dc), dc, x, wt, NULL, 0, 1, 1, 16, 24, 64);
  float *ba = random_host(3 * 9 * 17), *bb = random_host(3 * 17 * 11);
  void *dba = to_device(ba, 3 * 9 * 17), *dbb = to_device(bb, 3 * 17 * 11);
  compare("bmm", bmm(dba, dbb, dc), dc, ba, bb, NULL, 0, 0, 3, 9, 11, 17);
  float *lx = random_host(64 * 256), *lw = random_host(256 * 128),
        *lb = random_host(128);
  void *dlx = to_device(lx, 64 * 256), *dlw = to_device(lw, 256 * 128),
       *dlb = to_device(lb, 128);
  compare("layer", layer(dlx, dlw, dlb, dc), dc, lx, lw, lb, 1, 0, 1, 64, 128,
          256);
#ifndef STO_EMULATED
  // The same on a caller's stream: enqueued, then waited for here.
  void *stream = NULL;
  sto_cuda_stream_create(&stream);
  sto_cuda_set_stream(stream, 0);
  sto_cuda_memset(dc, 0xff, 64 * 128 * sizeof(float), stream);
  int32_t status = layer(dlx, dlw, dlb, dc);
  sto_cuda_set_stream(NULL, 0);
  sto_cuda_stream_synchronize(stream);
  compare("layer on a stream", status, dc, lx, lw, lb, 1, 0, 1, 64, 128, 256);
  sto_cuda_stream_destroy(stream);
#endif
  float *host[] = {a, b, x, wt, ba, bb, lx, lw, lb};
  for (size_t i = 0; i < sizeof(host) / sizeof(host[0]); ++i)
    free(host[i]);
  void *dev[] = {da, db, dc, dx, dwt, dba, dbb, dlx, dlw, dlb};
  for (size_t i = 0; i < sizeof(dev) / sizeof(dev[0]); ++i)
    sto_cuda_free(dev[i]);
  printf("%d failures\n", failures);
  return failures != 0;
}
