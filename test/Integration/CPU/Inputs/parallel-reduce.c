/* Driver of parallel-reduce.mlir: the sum and max of 0, 1, 2, ... over
   n x m, against the same computed here. */
#include "sto-c/Runtime.h"
#include <stdio.h>

static float x[64];

static void run(int64_t n, int64_t m) {
  float sum = -1, max = -1, wantSum = 0, wantMax = -1e30f;
  for (int64_t i = 0; i < n * m; ++i) {
    wantSum += x[i];
    wantMax = x[i] > wantMax ? x[i] : wantMax;
  }
  int32_t st = sum_max(x, n, m, &sum, &max);
  printf("%lldx%lld: status %d sum %g (%g) max %g (%g)\n", (long long)n,
         (long long)m, st, sum, wantSum, max, wantMax);
}

int main(void) {
  for (int i = 0; i < 64; ++i)
    x[i] = (float)i;
  run(3, 5);
  run(7, 9);
  run(0, 4);
  return 0;
}
