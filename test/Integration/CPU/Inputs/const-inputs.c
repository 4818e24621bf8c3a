/* Driver of const-inputs.mlir: each function's input must be unchanged. */
#include "sto-c/Runtime.h"
#include <stdio.h>

static float x[4], y[4];

static void reset(void) {
  for (int i = 0; i < 4; ++i) {
    x[i] = i + 1;
    y[i] = -1;
  }
}

static void report(const char *what, int32_t st) {
  printf("%s: status %d y = %g %g %g %g x = %g %g %g %g\n", what, st, y[0],
         y[1], y[2], y[3], x[0], x[1], x[2], x[3]);
}

int main(void) {
  float s[2] = {100, 101};
  reset();
  report("put", put(x, 4, s, 1, y, 4));
  reset();
  report("fill", fill(x, 4, 7.0f, y, 4));
  reset();
  report("bump", bump(x, 4, y, 4));
  return 0;
}
