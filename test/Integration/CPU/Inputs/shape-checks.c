/* Driver of shape-checks.mlir: each function called with sizes that agree
   and with sizes that do not. A failed call must leave its results as they
   were (-1 here). */
#include "sto-c/Runtime.h"
#include <stdio.h>

static float out[64];
static int32_t iout[64];

static void reset(void) {
  for (int i = 0; i < 64; ++i) {
    out[i] = -1.0f;
    iout[i] = -1;
  }
}

static int untouched(void) {
  for (int i = 0; i < 64; ++i)
    if (out[i] != -1.0f || iout[i] != -1)
      return 0;
  return 1;
}

static void report(const char *what, int32_t st) {
  printf("%s: status %d '%s'", what, st, st ? sto_last_error_message() : "");
  if (st)
    printf(" untouched %d", untouched());
}

int main(void) {
  float x[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  float b[8] = {10, 20, 30, 40, 50, 60, 70, 80};
  int32_t st;

  reset();
  st = addb(x, 4, b, 4, out, 4);
  report("addb 4 4", st);
  printf(" y = %g %g %g %g\n", out[0], out[1], out[2], out[3]);
  reset();
  report("addb 4 3", addb(x, 4, b, 3, out, 4));
  printf("\n");
  reset();
  report("addb 3 4", addb(x, 3, b, 4, out, 3));
  printf("\n");

  /* x [2x3] = 1..6, w [3x2] = identity-ish, b [2]. */
  float w[12] = {1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0};
  float bias2[3] = {3, 3, 3};
  reset();
  st = mlp(x, 2, 3, w, 3, 2, bias2, 2, out, 2, 2);
  report("mlp 2x3 3x2 2", st);
  printf(" y = %g %g %g %g\n", out[0], out[1], out[2], out[3]);
  reset();
  report("mlp 2x3 4x2 2", mlp(x, 2, 3, w, 4, 2, bias2, 2, out, 2, 2));
  printf("\n");
  reset();
  report("mlp 2x3 3x2 3", mlp(x, 2, 3, w, 3, 2, bias2, 3, out, 2, 2));
  printf("\n");

  /* Rows (1, 2, 3) and (6, 5, 4) with bias (0, 0, 0): experts 2, 1 and 0, 2
     (the second row's logits are 6, 5, 4 after adding a bias of 0). */
  float logits[6] = {1, 2, 3, 6, 5, 7};
  float zero[4] = {0, 0, 0, 0};
  reset();
  st = gate(logits, 2, 3, zero, 3, out, 2, iout, 2);
  report("gate 2x3 3", st);
  printf(" idx = %d %d %d %d\n", iout[0], iout[1], iout[2], iout[3]);
  reset();
  report("gate 2x3 4", gate(logits, 2, 3, zero, 4, out, 2, iout, 2));
  printf("\n");
  reset();
  report("gate 2x1 1", gate(logits, 2, 1, zero, 1, out, 2, iout, 2));
  printf("\n");

  /* Two steps of p - 0.25 g with g = 1: p = x - 0.5. */
  float g[8] = {1, 1, 1, 1, 1, 1, 1, 1};
  reset();
  st = train(x, 4, g, 4, out, 4);
  report("train 4 4", st);
  printf(" p = %g %g %g %g\n", out[0], out[1], out[2], out[3]);
  reset();
  report("train 4 5", train(x, 4, g, 5, out, 4));
  printf("\n");

  reset();
  st = noise(7, 3, out, 3);
  int inRange = 1;
  for (int i = 0; i < 3; ++i)
    inRange &= out[i] >= 0.0f && out[i] < 1.0f;
  report("noise 3", st);
  printf(" in [0, 1) %d\n", inRange);
  reset();
  report("noise -1", noise(7, -1, out, 0));
  printf("\n");

  /* Rows 1 and 2 of a [3x4] matrix whose rows are 1, 2, 3. */
  float m[12] = {1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3};
  reset();
  st = take(m, 3, 1, out);
  report("take 3 1", st);
  printf(" rows = %g %g\n", out[0], out[4]);
  reset();
  report("take 3 2", take(m, 3, 2, out));
  printf("\n");
  reset();
  report("take 3 -1", take(m, 3, -1, out));
  printf("\n");

  reset();
  st = scaled(x, 2.0f, out);
  report("scaled 2", st);
  printf(" y = %g\n", out[3]);
  reset();
  report("scaled -1", scaled(x, -1.0f, out));
  printf("\n");

  reset();
  report("grid 2^40 2^40",
         grid(x, 0, 0, out, INT64_C(1) << 40, INT64_C(1) << 40));
  printf("\n");
  reset();
  report("grid 2^61", grid(x, INT64_C(1) << 61, 1, out, 1, 1));
  printf("\n");
  reset();
  st = grid(x, 2, 2, out, 2, 2);
  report("grid 2 2", st);
  printf(" y = %g %g\n", out[0], out[3]);
  float io[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  printf("grid in place: status %d '%s' x = %g %g %g %g\n",
         grid(io, 2, 2, io, 2, 2), sto_last_error_message(), io[0], io[1],
         io[2], io[3]);
  printf("grid shifted: status %d '%s' x = %g %g %g %g\n",
         grid(io, 2, 2, io + 1, 2, 2), sto_last_error_message(), io[0], io[1],
         io[2], io[3]);
  /* No elements: nothing overlaps. */
  st = grid(io, 0, 2, io, 0, 2);
  printf("grid empty overlap: status %d '%s'\n", st,
         st ? sto_last_error_message() : "");

  reset();
  st = allowed(true, x, out);
  report("allowed 1", st);
  printf(" y = %g\n", out[3]);
  reset();
  report("allowed 0", allowed(false, x, out));
  printf("\n");

  /* Rows of x, one per iteration of a parallel loop: row 2 of an 8-element
     x runs out of it; a negative row start fails the model's assert. */
  float neg[8] = {1, 2, 3, 4, -5, 6, 7, 8};
  const struct {
    const char *what;
    const float *x;
    int64_t n;
  } rowCases[] = {{"rows 8 2", x, 2},
                  {"rows 8 3", x, 3},
                  {"rows 8 2 negative", neg, 2},
                  {"rows 8 3 negative", neg, 3}};
  for (int c = 0; c < 4; ++c) {
    reset();
    st = rows(rowCases[c].x, 8, rowCases[c].n, out, rowCases[c].n);
    report(rowCases[c].what, st);
    printf(" y =");
    for (int i = 0; i < 9; ++i)
      printf(" %g", out[i]);
    printf("\n");
  }

  const int64_t dims[3] = {1, 2, -1};
  for (int c = 0; c < 3; ++c) {
    int64_t d = -1;
    reset();
    st = dim(x, 2, dims[c], &d);
    printf("dim %lld", (long long)dims[c]);
    report("", st);
    printf(" d = %lld\n", (long long)d);
  }

  float s[2] = {100, 101};
  const int64_t puts[3][2] = {{1, 2}, {1, 3}, {3, 2}};
  for (int c = 0; c < 3; ++c) {
    char what[32];
    snprintf(what, sizeof what, "put 2 at %lld size %lld",
             (long long)puts[c][0], (long long)puts[c][1]);
    reset();
    st = put(x, 4, s, 2, puts[c][0], puts[c][1], out, 4);
    report(what, st);
    if (!st)
      printf(" y = %g %g %g %g", out[0], out[1], out[2], out[3]);
    printf("\n");
  }
  reset();
  st = join(x, 1, 2, s, 1, 2, out, 2, 2);
  report("join 1x2 1x2", st);
  printf(" y = %g %g %g %g\n", out[0], out[1], out[2], out[3]);
  reset();
  report("join 1x2 2x1", join(x, 1, 2, s, 2, 1, out, 3, 2));
  printf("\n");

  const int64_t steps[3] = {1, 0, -1};
  for (int c = 0; c < 3; ++c) {
    char what[32];
    snprintf(what, sizeof what, "count %lld", (long long)steps[c]);
    reset();
    st = count(x, 4, steps[c], out, 4);
    report(what, st);
    if (!st)
      printf(" y = %g %g %g %g", out[0], out[1], out[2], out[3]);
    printf("\n");
  }
  for (int c = 0; c < 2; ++c) {
    char what[32];
    snprintf(what, sizeof what, "twice %lld", (long long)steps[c]);
    reset();
    st = twice(x, 4, steps[c], out, 4);
    report(what, st);
    if (!st)
      printf(" y = %g %g %g %g", out[0], out[1], out[2], out[3]);
    printf("\n");
  }

  /* conv: x = 1 2 3 4, w = 1 1 (o = x[i] + x[i + 1]), o given as zeros. */
  const float w2[3] = {1, 1, 1}, zeros[8] = {0};
  const int64_t conv[3][3] = {{4, 2, 3}, {4, 2, 4}, {4, 3, 3}};
  for (int c = 0; c < 3; ++c) {
    char what[32];
    snprintf(what, sizeof what, "conv %lld %lld %lld", (long long)conv[c][0],
             (long long)conv[c][1], (long long)conv[c][2]);
    reset();
    st = conv1(x, conv[c][0], w2, conv[c][1], zeros, conv[c][2], out,
               conv[c][2]);
    report(what, st);
    if (!st)
      printf(" y = %g %g %g", out[0], out[1], out[2]);
    printf("\n");
  }
  reset();
  st = first_row(x, 2, out);
  report("first_row 2x3", st);
  printf(" y = %g %g %g\n", out[0], out[1], out[2]);
  reset();
  report("first_row 0x3", first_row(x, 0, out));
  printf("\n");
  return 0;
}
