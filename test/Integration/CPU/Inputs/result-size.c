/* Driver of result-size.mlir: the caller's sizes of a dynamic result against
   the size the function computes (4 rows of 3). */
#include "sto-c/Runtime.h"
#include <stdio.h>

static int untouched(const float *v, int n) {
  for (int i = 0; i < n; ++i)
    if (v[i] != -1.0f)
      return 0;
  return 1;
}

int main(void) {
  float x[12], out[12], small[6], large[15];
  for (int i = 0; i < 12; ++i)
    x[i] = 1.0f;
  int32_t st = twice(x, 4, out, 4);
  printf("matching sizes: status %d, first %g last %g\n", st, out[0], out[11]);

  for (int i = 0; i < 6; ++i)
    small[i] = -1.0f;
  st = twice(x, 4, small, 2);
  printf("short result: status %d (%s: %s), untouched %d\n", st,
         sto_status_message(st), sto_last_error_message(), untouched(small, 6));

  for (int i = 0; i < 15; ++i)
    large[i] = -1.0f;
  st = twice(x, 4, large, 5);
  printf("long result: status %d, untouched %d\n", st, untouched(large, 15));

  out[0] = 0.0f;
  st = twice(x, 4, out, 4);
  printf("after the failure: status %d, first %g, last message '%s'\n", st,
         out[0], sto_last_error_message());

  for (int i = 0; i < 6; ++i)
    small[i] = -1.0f;
  int64_t count = -1;
  float scale = -1.0f;
  st = count_then_twice(x, 4, 2.0f, &count, &scale, small, 2);
  printf("third result short: status %d '%s', untouched %d\n", st,
         sto_last_error_message(), untouched(small, 6));
  return 0;
}
