/* Driver of allocation.mlir: a sum over a sampled n x m buffer, with sizes
   that fit, sizes whose bytes overflow, and sizes no machine can allocate
   (2^60 bytes). A failed call must leave its result as it was (-1). */
#include "sto-c/Runtime.h"
#include <stdint.h>
#include <stdio.h>

static void run(const char *what, int64_t n, int64_t m) {
  float r = -1.0f;
  int32_t st = sum(1, n, m, &r);
  printf("%s: status %d '%s' r = %g\n", what, st,
         st ? sto_last_error_message() : "", r);
}

int main(void) {
  run("sum 4x4", 4, 4);
  run("sum 2^32x2^32", INT64_C(1) << 32, INT64_C(1) << 32);
  run("sum 2^29x2^29", INT64_C(1) << 29, INT64_C(1) << 29);
  return 0;
}
