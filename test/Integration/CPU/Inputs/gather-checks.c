/* Driver of gather-checks.mlir: each function with valid indices (against
   a C reference) and with indices out of bounds. */
#include "sto-c/Runtime.h"
#include <stdio.h>

static float table[16 * 64];
static int32_t ids[4096];
static float out[4096 * 64];

static void report(const char *what, int32_t st) {
  printf("%s: status %d '%s'", what, st, st ? sto_last_error_message() : "");
}

static int embeddingMatches(void) {
  for (int r = 0; r < 4096; ++r)
    for (int c = 0; c < 64; ++c)
      if (out[r * 64 + c] != table[ids[r] * 64 + c])
        return 0;
  return 1;
}

int main(void) {
  for (int i = 0; i < 16 * 64; ++i)
    table[i] = (float)i * 0.5f;
  for (int i = 0; i < 4096; ++i)
    ids[i] = (i * 7) % 16;
  int32_t st = embedding(table, ids, out);
  report("embedding valid", st);
  printf(" matches %d\n", embeddingMatches());
  ids[5] = 16;
  st = embedding(table, ids, out);
  report("embedding id 16 at row 5", st);
  printf("\n");
  ids[5] = 5;
  ids[4000] = -1000000;
  st = embedding(table, ids, out);
  report("embedding id -1000000 at row 4000", st);
  printf("\n");
  ids[4000] = 0;
  st = embedding(table, ids, out);
  report("embedding valid again", st);
  printf(" matches %d\n", embeddingMatches());

  const float small[5] = {1, 2, 3, 4, 5};
  int64_t idx[8] = {0, 1, 2, 3, 4, 4, 4, 4};
  float sum = -1;
  st = gather_sum(small, 5, idx, &sum);
  report("gather valid", st);
  printf(" sum %g\n", sum);
  idx[7] = 5;
  st = gather_sum(small, 5, idx, &sum);
  report("gather index 5 of 5", st);
  printf("\n");

  float v = -1;
  st = constant_index(table, &v);
  report("constant index", st);
  printf("\n");

  static float x[1024], y[1024];
  for (int i = 0; i < 1024; ++i)
    x[i] = 4;
  st = assert_in_body(x, y);
  report("assert valid", st);
  printf(" y0 %g\n", y[0]);
  x[900] = -1;
  st = assert_in_body(x, y);
  report("assert negative", st);
  printf("\n");

  float m[12], yr[3];
  for (int i = 0; i < 12; ++i)
    m[i] = (float)(i + 1);
  int32_t rid[3] = {1, 3, 3};
  st = private_gather(m, rid, yr);
  report("private valid", st);
  printf(" y %g %g %g\n", yr[0], yr[1], yr[2]);
  rid[1] = 4;
  st = private_gather(m, rid, yr);
  report("private id 4", st);
  printf("\n");
  return 0;
}
