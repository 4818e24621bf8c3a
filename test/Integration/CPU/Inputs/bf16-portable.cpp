// Driver of bf16-portable.mlir: the x86-64-v3 and -v4 builds against the
// host build, and libsto_runtime's __truncsfbf2 on every bf16 bit pattern
// (extended to f32 exactly, then back: each must come back unchanged, NaNs
// quieted).
#include "host.h"
#include "v3.h"
#include "v4.h"

#include <cmath>
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

/// The bf16 bits nearest to x, ties to even, found independently of the
/// runtime: among the bf16 neighbours of f32's truncation (each exact in
/// double, as is the distance to x for |x| in bf16's range), the nearest.
static uint16_t referenceBf16(double x) {
  uint64_t bits;
  std::memcpy(&bits, &x, 8);
  uint16_t sign = uint16_t((bits >> 48) & 0x8000u);
  if (std::isnan(x))
    return uint16_t(sign | 0x7fc0u | ((bits >> 45) & 0x7fu));
  double a = std::fabs(x);
  auto value = [](uint16_t h) {
    uint32_t b = uint32_t(h) << 16;
    float f;
    std::memcpy(&f, &b, 4);
    return double(f);
  };
  // Past the midpoint between the largest finite bf16 and 2^128 (itself
  // rounding to the even side, infinity).
  if (a >= value(0x7f7f) + std::ldexp(1.0, 119))
    return uint16_t(sign | 0x7f80u);
  float f = float(a); // may round up by one f32 ulp: the neighbours cover it
  uint32_t fb;
  std::memcpy(&fb, &f, 4);
  uint16_t mid = uint16_t(fb >> 16), best = mid;
  for (int d = -2; d <= 2; ++d) {
    int c = int(mid) + d;
    if (c < 0 || c > 0x7f80)
      continue;
    double dc = std::fabs(value(uint16_t(c)) - a),
           db = std::fabs(value(best) - a);
    if (dc < db || (dc == db && (c & 1) == 0 && (best & 1) != 0))
      best = uint16_t(c);
  }
  return uint16_t(sign | best);
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

  // f64 -> bf16: random bit patterns over every exponent, values at and
  // one f64 ulp around bf16 midpoints, the subnormal range, the overflow
  // boundary and the specials.
  std::vector<double> x(4096);
  uint64_t state = 0x9E3779B97F4A7C15ull;
  auto next = [&] {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  for (size_t i = 0; i < x.size(); ++i) {
    uint64_t r = next();
    double v;
    switch (i % 4) {
    case 0: // any bit pattern
      std::memcpy(&v, &r, 8);
      break;
    case 1: { // a midpoint between two bf16 values in bf16's range, +-1 ulp
      uint32_t h = uint32_t(r % 0x7f7f) + 1;
      uint32_t lo = h << 16;
      float fl;
      std::memcpy(&fl, &lo, 4);
      uint32_t hiBits = (h + 1) << 16;
      float fh;
      std::memcpy(&fh, &hiBits, 4);
      v = (double(fl) + double(fh)) / 2;
      int step = int((r >> 40) % 3) - 1;
      if (step)
        v = std::nextafter(v, step > 0 ? INFINITY : 0.0);
      if (r >> 63)
        v = -v;
      break;
    }
    case 2: // bf16 subnormals and the least normals
      v = std::ldexp(double(r >> 11) / 9007199254740992.0, -126 - int(r % 9));
      break;
    default: { // near the overflow boundary and the specials
      const double specials[] = {0.0,
                                 -0.0,
                                 INFINITY,
                                 -INFINITY,
                                 NAN,
                                 std::ldexp(1.0, 128),
                                 std::ldexp(1.0, 127),
                                 3.3895313892515355e38,
                                 3.3961775292304611e38,
                                 std::ldexp(1.0, -133),
                                 std::ldexp(1.0, -134),
                                 std::ldexp(3.0, -135),
                                 1e-300,
                                 -1e300};
      v = specials[r % (sizeof(specials) / sizeof(specials[0]))];
      if ((r >> 20) & 1)
        v = std::nextafter(v, (r >> 21) & 1 ? INFINITY : -INFINITY);
      break;
    }
    }
    x[i] = v;
  }
  std::vector<uint16_t> want(x.size());
  for (size_t i = 0; i < x.size(); ++i)
    want[i] = referenceBf16(x[i]);
  std::printf(
      "f64 to bf16 [4096]: host %zu, x86-64-v3 %zu, x86-64-v4 %zu of "
      "4096 differ from the reference\n",
      differ(want, [&](uint16_t *o) { return host_narrow(x.data(), o); }),
      differ(want, [&](uint16_t *o) { return v3_narrow(x.data(), o); }),
      differ(want, [&](uint16_t *o) { return v4_narrow(x.data(), o); }));
  return 0;
}
