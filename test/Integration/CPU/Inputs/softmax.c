/* Driver of softmax.mlir: softmax over rows against a double reference. */
#include "sto-c/Runtime.h"
#include <math.h>
#include <stdio.h>

static float x[32], y[32];

static void check(const char *what, int32_t st, int rows, int cols) {
  double worst = 0, sumWorst = 0;
  for (int r = 0; r < rows; ++r) {
    double m = -INFINITY, s = 0, sum = 0;
    for (int c = 0; c < cols; ++c)
      m = fmax(m, x[r * cols + c]);
    for (int c = 0; c < cols; ++c)
      s += exp((double)x[r * cols + c] - m);
    for (int c = 0; c < cols; ++c) {
      double want = exp((double)x[r * cols + c] - m) / s;
      worst = fmax(worst, fabs(y[r * cols + c] - want) / want);
      sum += y[r * cols + c];
    }
    sumWorst = fmax(sumWorst, fabs(sum - 1));
  }
  printf("%s: status %d, max rel error below 1e-6: %d, rows sum to 1: %d\n",
         what, st, worst < 1e-6, sumWorst < 1e-6);
}

int main(void) {
  for (int i = 0; i < 32; ++i)
    x[i] = (float)((i * 37) % 19) * 0.7f - 6.0f;
  check("softmax_static", softmax_static(x, y), 4, 8);
  check("softmax_rows 3x5", softmax_rows(x, 3, 5, y, 3, 5), 3, 5);
  check("softmax_rows 4x8", softmax_rows(x, 4, 8, y, 4, 8), 4, 8);
  return 0;
}
