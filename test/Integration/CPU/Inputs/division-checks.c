/* Driver of division-checks.mlir: each function with valid values (against
   C's own division) and with a zero divisor or an overflowing quotient. */
#include "sto-c/Runtime.h"
#include <stdint.h>
#include <stdio.h>

static int64_t x[4096], y[4096], out[4096];

static void report(const char *what, int32_t st) {
  printf("%s: status %d '%s'", what, st, st ? sto_last_error_message() : "");
}

static int matches(void) {
  for (int i = 0; i < 4096; ++i)
    if (out[i] != (int64_t)((uint64_t)(x[i] + y[i]) % (uint64_t)y[i]))
      return 0;
  return 1;
}

int main(void) {
  int32_t q = -9, r = -9;
  int32_t st = scalar(7, 2, &q, &r);
  report("scalar 7 / 2", st);
  printf(" q %d r %d\n", q, r);
  q = r = -9;
  st = scalar(7, 0, &q, &r);
  report("scalar 7 / 0", st);
  printf(" q %d r %d\n", q, r);
  st = scalar(INT32_MIN, -1, &q, &r);
  report("scalar min / -1", st);
  printf(" q %d r %d\n", q, r);
  st = scalar(-7, 2, &q, &r);
  report("scalar -7 / 2", st);
  printf(" q %d r %d\n", q, r);

  for (int i = 0; i < 4096; ++i) {
    x[i] = i * 977;
    y[i] = 1 + i % 13;
  }
  st = tensor(x, y, out);
  report("tensor valid", st);
  printf(" matches %d\n", matches());
  y[3000] = 0;
  st = tensor(x, y, out);
  report("tensor zero at 3000", st);
  printf("\n");
  y[3000] = 5;
  st = tensor(x, y, out);
  report("tensor valid again", st);
  printf(" matches %d\n", matches());

  int64_t xs[4] = {8, -9, 12, 7}, ds[4] = {2, 3, 4, 1}, sum = -1;
  /* floor(8/2) + floor(-9/3) + floor(12/4) + floor(7/1) = 4 - 3 + 3 + 7 */
  st = loop(xs, ds, &sum);
  report("loop valid", st);
  printf(" sum %lld\n", (long long)sum);
  ds[2] = 0;
  st = loop(xs, ds, &sum);
  report("loop zero", st);
  printf("\n");

  const float t[4] = {0, 1, 2, 3};
  float e = -9;
  st = guarded(7, 0, t, 99, &r, &e);
  report("guarded 7 / 0", st);
  printf(" r %d\n", r);
  st = guarded(7, 2, t, 2, &r, &e);
  report("guarded 7 / 2", st);
  printf(" r %d\n", r);
  st = guarded(7, 2, t, 99, &r, &e);
  report("guarded element 99", st);
  printf(" e %g\n", e);
  st = guarded(7, 2, t, 2, &r, &e);
  report("guarded element 2", st);
  printf(" e %g\n", e);
  return 0;
}
