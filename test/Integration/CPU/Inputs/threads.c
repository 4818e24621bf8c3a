/* Driver of threads.mlir: 8 threads call the entry points 40 times each,
   concurrently, and compare with calls made alone. */
#include "sto-c/Runtime.h"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
enum { N = 512, T = 8, ITER = 40 };
static float x[N * 256], b[256], ref[T][N * 256], tab[64];
static int failures;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static void *worker(void *arg) {
  long t = (long)arg;
  float *out = malloc(sizeof(float) * N * 256);
  int32_t ids[1000];
  float g[1000];
  for (int it = 0; it < ITER; ++it) {
    int32_t st = layer(100 + t, x, N, b, out, N);
    int bad = st != 0 || memcmp(out, ref[t], sizeof(float) * N * 256) != 0;
    /* A failing call on this thread, interleaved: its status and message
       are this thread's. */
    for (int i = 0; i < 1000; ++i)
      ids[i] = (i * 7 + t) % 64;
    if (it % 2)
      ids[999 - t] = 64 + t;
    int32_t gs = gather(tab, ids, 1000, g, 1000);
    char want[64];
    snprintf(want, sizeof want, "%s",
             it % 2 ? "'tensor.extract' op index 0 is out of bounds" : "");
    const char *msg = gs ? sto_last_error_message() : "";
    bad |= (gs != (it % 2 ? 7 : 0)) || strstr(msg, want) == NULL;
    if (bad) {
      pthread_mutex_lock(&mu);
      ++failures;
      pthread_mutex_unlock(&mu);
    }
  }
  free(out);
  return NULL;
}
int main(void) {
  for (int i = 0; i < N * 256; ++i)
    x[i] = (float)(i % 97) * 0.01f;
  for (int i = 0; i < 256; ++i)
    b[i] = (float)i * 0.001f;
  for (int i = 0; i < 64; ++i)
    tab[i] = (float)i;
  for (int t = 0; t < T; ++t)
    if (layer(100 + t, x, N, b, ref[t], N) != 0)
      return 1;
  pthread_t th[T];
  for (long t = 0; t < T; ++t)
    pthread_create(&th[t], NULL, worker, (void *)t);
  for (int t = 0; t < T; ++t)
    pthread_join(th[t], NULL);
  printf("concurrent calls: %d threads x %d, failures %d\n", T, ITER, failures);
  return failures != 0;
}
