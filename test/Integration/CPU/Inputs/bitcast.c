/* Driver of bitcast.mlir: f32 bits as i32, against memcpy. */
#include "sto-c/Runtime.h"
#include <stdio.h>
#include <string.h>

int main(void) {
  float x[6] = {1.0f, -2.5f, 0.0f, -0.0f, 3.0e38f, 1.0e-40f};
  int32_t got[6], want[6];
  memcpy(want, x, sizeof want);
  int32_t st = bits(x, got);
  printf("bits 2x3: status %d, bits equal: %d\n", st,
         memcmp(got, want, sizeof want) == 0);
  float y[5];
  st = round_trip(x, 5, y, 5);
  printf("round trip 5: status %d, values equal: %d\n", st,
         memcmp(x, y, sizeof y) == 0);
  return 0;
}
