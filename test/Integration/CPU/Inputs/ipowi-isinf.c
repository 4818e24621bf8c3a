/* Driver of ipowi-isinf.mlir: integer powers (wrapping products; a negative
 * exponent gives 1, +-1 or 0) and isinf against C. */
#include "sto-c/Runtime.h"
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* a ** b in uint64_t arithmetic (wraps like the compiled products). */
static int64_t ipow(int64_t a, int64_t b) {
  if (b < 0)
    return a == 1 ? 1 : a == -1 ? ((b & 1) ? -1 : 1) : 0;
  uint64_t r = 1;
  for (int64_t i = 0; i < b; ++i)
    r *= (uint64_t)a;
  return (int64_t)r;
}

int main(void) {
  int32_t a32[64], b32[64], y32[64];
  int8_t a8[64], b8[64], y8[64];
  for (int i = 0; i < 64; ++i) {
    a32[i] = (i * 7) % 11 - 5;
    b32[i] = (i * 5) % 23 - 4;
    a8[i] = (int8_t)((i * 3) % 9 - 4);
    b8[i] = (int8_t)((i * 13) % 17 - 3);
  }
  int32_t st = ipowi_i32(a32, 64, b32, 64, y32, 64);
  int bad = 0;
  for (int i = 0; i < 64; ++i)
    bad += y32[i] != (int32_t)ipow(a32[i], b32[i]);
  printf("ipowi_i32: status %d, mismatches %d\n", st, bad);
  st = ipowi_i8(a8, b8, y8);
  bad = 0;
  for (int i = 0; i < 64; ++i)
    bad += y8[i] != (int8_t)ipow(a8[i], b8[i]);
  printf("ipowi_i8: status %d, mismatches %d\n", st, bad);
  int64_t y64 = 0;
  st = ipowi_i64(3, 39, &y64);
  printf("ipowi_i64 3^39: status %d, %lld\n", st, (long long)y64);
  st = ipowi_i64(-1, -7, &y64);
  printf("ipowi_i64 -1^-7: status %d, %lld\n", st, (long long)y64);
  float x[8] = {0.0f, -INFINITY, INFINITY, NAN, 1e38f, -3.5f, 1e-45f, -0.0f};
  bool inf[8];
  st = isinf_f32(x, 8, inf, 8);
  bad = 0;
  for (int i = 0; i < 8; ++i)
    bad += inf[i] != (bool)isinf(x[i]);
  printf("isinf_f32: status %d, mismatches %d\n", st, bad);
  bool r = false;
  st = isinf_f64(-INFINITY, &r);
  printf("isinf_f64 inf: status %d, %d\n", st, r);
  st = isinf_f64(NAN, &r);
  printf("isinf_f64 nan: status %d, %d\n", st, r);
  return 0;
}
