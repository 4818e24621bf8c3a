/* Driver of value-checks.mlir: each function with valid values and with the
   value that made a wrong result. A failed call must leave its results as
   they were (-1 here). */
#include "sto-c/Runtime.h"
#include <math.h>
#include <stdio.h>

static float out[16];
static int32_t iout[16];

static void reset(void) {
  for (int i = 0; i < 16; ++i) {
    out[i] = -1.0f;
    iout[i] = -1;
  }
}

static int untouched(void) {
  for (int i = 0; i < 16; ++i)
    if (out[i] != -1.0f || iout[i] != -1)
      return 0;
  return 1;
}

static void report(const char *what, int32_t st) {
  printf("%s: status %d '%s'", what, st, st ? sto_last_error_message() : "");
}

int main(void) {
  float r = -1.0f;
  int32_t st = count(3, &r);
  report("count 3", st);
  printf(" r = %g\n", r);
  r = -1.0f;
  st = count(-1, &r);
  report("count -1", st);
  printf(" r = %g\n", r);

  /* avg (1, 1), param (7, 7): after 3 iterates, 1 + 6/4 = 2.5. */
  const float avg[2] = {1, 1}, p[2] = {7, 7};
  reset();
  st = swa(avg, p, 3, out);
  report("swa 3", st);
  printf(" y = %g %g\n", out[0], out[1]);
  reset();
  st = swa(avg, p, -1, out);
  report("swa -1", st);
  printf(" untouched %d\n", untouched());

  const float g[8] = {0.5f, 0.5f, 0.5f, 0.5f, 1, 0, 0, 0};
  reset();
  st = dp(g, 2, 7, out);
  report("dp 2 rows", st);
  printf(" finite %d\n", isfinite(out[0]) && isfinite(out[1]) &&
                             isfinite(out[2]) && isfinite(out[3]));
  reset();
  st = dp(g, 0, 7, out);
  report("dp 0 rows", st);
  printf(" untouched %d\n", untouched());

  const float logits[6] = {0, 1, 2, 3, 4, 5};
  reset();
  st = draw(logits, 2, 3, 7, iout, 2);
  report("draw 2x3", st);
  printf(" in range %d\n",
         iout[0] >= 0 && iout[0] < 3 && iout[1] >= 0 && iout[1] < 3);
  reset();
  st = draw(logits, 2, 0, 7, iout, 2);
  report("draw 2x0", st);
  printf(" untouched %d\n", untouched());
  reset();
  st = draw(logits, 0, 0, 7, iout, 0);
  report("draw 0x0", st);
  printf("\n");
  reset();
  st = draw_static_none(logits, 2, 7, iout, 2);
  report("draw ?x0 2 rows", st);
  printf(" untouched %d\n", untouched());
  reset();
  st = draw_static_none(logits, 0, 7, iout, 0);
  report("draw ?x0 0 rows", st);
  printf("\n");
  return 0;
}
