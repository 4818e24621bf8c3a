// Driver of bf16-portable.mlir: the x86-64-v3 and -v4 builds against the
// host build, and libsto_runtime's __truncsfbf2 on every bf16 bit pattern
// (extended to f32 exactly, then back: each must come back unchanged, NaNs
// quieted).
#include "host.h"
#include "v3.h"
#include "v4.h"

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <vector>

extern "C" __bf16 __truncsfbf2(float);

template <class F>
static size_t differ(const std::vector<uint16_t> &want, F f) {
  std::vector<uint16_t> got(want.size(), 0xA5A5);
  if (f(got.data()) != 0)
    return want.size();
  size_t n = 0;
  for (size_t i = 0; i < want.size(); ++i)
    n += got[i] != want[i];
  return n;
}

int main() {
  const int64_t seed = 20261129;
  std::vector<uint16_t> u(7), z(210);
  if (host_uniform(seed, u.data()) || host_normal(seed, z.data()))
    return 1;
  std::printf("uniform bf16 [7]: x86-64-v3 %zu of 7 differ, x86-64-v4 %zu of "
              "7 differ\n",
              differ(u, [&](uint16_t *o) { return v3_uniform(seed, o); }),
              differ(u, [&](uint16_t *o) { return v4_uniform(seed, o); }));
  std::printf("normal bf16 [2x3x5x7]: x86-64-v3 %zu of 210 differ, x86-64-v4 "
              "%zu of 210 differ\n",
              differ(z, [&](uint16_t *o) { return v3_normal(seed, o); }),
              differ(z, [&](uint16_t *o) { return v4_normal(seed, o); }));
  size_t changed = 0;
  for (uint32_t h = 0; h < 65536; ++h) {
    uint32_t bits = h << 16;
    float f;
    std::memcpy(&f, &bits, 4);
    __bf16 b = __truncsfbf2(f);
    uint16_t back;
    std::memcpy(&back, &b, 2);
    bool nan = (h & 0x7fff) > 0x7f80;
    changed += back != (nan ? (h | 0x40) : h);
  }
  std::printf("the bf16 round trip: %zu of 65536 bit patterns changed\n",
              changed);
  return 0;
}
