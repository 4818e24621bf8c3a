/* Driver of reshape.mlir: each function called with a shape that fits its
   source and with shapes that do not. A failed call must leave its result as
   it was (-1 here). */
#include "sto-c/Runtime.h"
#include <stdint.h>
#include <stdio.h>

static float out[128];

static void reset(void) {
  for (int i = 0; i < 128; ++i)
    out[i] = -1.0f;
}

static int untouched(void) {
  for (int i = 0; i < 128; ++i)
    if (out[i] != -1.0f)
      return 0;
  return 1;
}

static void report(const char *what, int32_t st) {
  printf("%s: status %d '%s'", what, st, st ? sto_last_error_message() : "");
  if (st)
    printf(" untouched %d", untouched());
  else
    printf(" y = %g %g %g %g", out[0], out[1], out[14], out[15]);
  printf("\n");
}

int main(void) {
  float x[16];
  for (int i = 0; i < 16; ++i)
    x[i] = (float)(i + 1);
  int64_t s16[1] = {16}, s100[1] = {100}, sneg[1] = {-16}, s8[1] = {8};
  int64_t s44[2] = {4, 4}, s82[2] = {8, 2};

  reset();
  report("flat 2x8 [16]", flat(x, 2, s16, out, 16));
  reset();
  report("flat 2x8 [100]", flat(x, 2, s100, out, 100));
  reset();
  report("flat 2x8 [-16]", flat(x, 2, sneg, out, 16));
  reset();
  report("flat_index 2x8 [16]", flat_index(x, 2, s16, out, 16));
  reset();
  report("flat_index 2x8 [8]", flat_index(x, 2, s8, out, 8));
  reset();
  report("rows 2x8 [4 4]", rows(x, 2, s44, out, 4));
  reset();
  report("rows 2x8 [8 2]", rows(x, 2, s82, out, 8));
  /* 2^62 * 4 wraps around to 0, the element count of a 0x8 source. */
  int64_t sbig[2] = {INT64_C(1) << 62, 4};
  reset();
  report("rows 0x8 [2^62 4]", rows(x, 0, sbig, out, INT64_C(1) << 62));
  int64_t s23[2] = {2, 3}, s34[2] = {3, 4}, s23neg[2] = {-2, -3};
  reset();
  report("square 6 [2 3]", square(x, s23, out, 2, 3));
  reset();
  report("square 6 [3 4]", square(x, s34, out, 3, 4));
  reset();
  report("square 6 [-2 -3]", square(x, s23neg, out, 0, 0));
  reset();
  report("split 16 [4 4]", split(x, 16, 4, out, 4));
  reset();
  report("split 16 [3 4]", split(x, 16, 3, out, 3));
  reset();
  report("split 0 [2^62 4]", split(x, 0, INT64_C(1) << 62, out, INT64_C(1) << 62));
  return 0;
}
