//===- math-accuracy.cpp - erf as compiled by sto against libm
//-------------===//
//
// Driver of math-accuracy.mlir. The reference is the C library's erf in
// double; the error of an f32 result r is |r - erf(x)| in units of the f32
// spacing at |erf(x)|. f32 exp is compared with exp in double, f64 exp with
// expl in long double.
//
//===----------------------------------------------------------------------===//

#include "math_accuracy.h"

#include "sto/Runtime/Philox.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <vector>

namespace {
constexpr int64_t kN = 1048576;

float fromBits(uint32_t b) {
  float f;
  std::memcpy(&f, &b, 4);
  return f;
}
uint32_t bitsOf(float f) {
  uint32_t b;
  std::memcpy(&b, &f, 4);
  return b;
}

/// The spacing of f32 values at |v| (v a double, not a float).
double ulpAt(double v) {
  float f = std::fabs(float(v));
  if (f < std::numeric_limits<float>::min())
    return std::numeric_limits<float>::denorm_min();
  // Values just below a power of two use the smaller spacing.
  float below = std::nextafter(f, 0.0f);
  return double(f) - double(below);
}

int failures = 0;
} // namespace

int main() {
  std::vector<float> x(kN), y(kN);
  // 1. Accuracy: every 61st bit pattern from 0 to 4.5 and its negation.
  const uint32_t last = bitsOf(4.5f);
  double worst = 0;
  float worstX = 0;
  int64_t count = 0;
  uint32_t next = 0;
  bool done = false;
  while (!done) {
    for (int64_t i = 0; i < kN; ++i) {
      if (i % 64 != 0 && i % 64 != 1) {
        x[i] = 0.5f; // filler; every lane runs the same code
        continue;
      }
      uint32_t b = next;
      if (b > last) {
        b = last;
        done = true;
      }
      x[i] = i % 64 == 0 ? fromBits(b) : -fromBits(b);
      if (i % 64 == 1)
        next += 61;
    }
    if (erf_f32(x.data(), y.data()) != 0) {
      std::printf("erf_f32 failed\n");
      return 1;
    }
    for (int64_t i = 0; i < kN; i += 64)
      for (int64_t j = i; j < i + 2; ++j) {
        double ref = std::erf(double(x[j]));
        double err = std::fabs(double(y[j]) - ref) / ulpAt(ref);
        ++count;
        if (err > worst) {
          worst = err;
          worstX = x[j];
        }
      }
  }
  std::printf("erf f32: %lld values, max error %.3f ulp (at %a)\n",
              (long long)count, worst, worstX);
  if (worst > 1.435)
    ++failures;

  // 2. Special values, bit for bit.
  const float inf = std::numeric_limits<float>::infinity();
  const float nan = std::numeric_limits<float>::quiet_NaN();
  struct Case {
    float in, out;
  } cases[] = {{0.0f, 0.0f},  {-0.0f, -0.0f},   {inf, 1.0f},
               {-inf, -1.0f}, {3.92f, 1.0f},    {-3.92f, -1.0f},
               {10.0f, 1.0f}, {-1e30f, -1.0f},  {nan, nan},
               {-nan, nan},   {fromBits(1), 0}, {1.0f, 0}};
  int mismatches = 0;
  std::fill(x.begin(), x.end(), 0.0f);
  for (size_t i = 0; i < std::size(cases); ++i)
    x[i * 64] = cases[i].in;
  if (erf_f32(x.data(), y.data()) != 0)
    return 1;
  for (size_t i = 0; i < std::size(cases); ++i) {
    float in = cases[i].in, got = y[i * 64];
    bool ok;
    if (std::isnan(in))
      ok = std::isnan(got);
    else if (in == fromBits(1) || in == 1.0f) // nearest f32 of erf
      ok = got == float(std::erf(double(in)));
    else
      ok = bitsOf(got) == bitsOf(cases[i].out);
    if (!ok) {
      ++mismatches;
      std::printf("  erf(%a) = %a\n", in, got);
    }
  }
  std::printf("erf f32 special values: %d mismatches\n", mismatches);
  failures += mismatches;

  // 3. f16: the f32 expansion, rounded to f16 (the C ABI passes the bits).
  std::vector<uint16_t> h(4096), hy(4096);
  std::vector<float> hx(4096);
  for (int i = 0; i < 4096; ++i) {
    // Every 16th f16 bit pattern, positive and negative.
    h[i] = uint16_t((i / 2) * 32 + (i % 2) * 0x8000 + 7);
    if ((h[i] & 0x7c00) == 0x7c00)
      h[i] = 0; // no inf/NaN here
    hx[i] = sto::rng::toFloat(sto::rng::f16{h[i]});
  }
  std::vector<float> wide(kN, 0.0f), wideY(kN);
  for (int i = 0; i < 4096; ++i)
    wide[i * 64] = hx[i];
  if (erf_f16(h.data(), hy.data()) != 0 || erf_f32(wide.data(), wideY.data()))
    return 1;
  int f16Mismatches = 0;
  for (int i = 0; i < 4096; ++i)
    if (hy[i] != sto::rng::toF16(wideY[i * 64]).bits)
      ++f16Mismatches;
  std::printf("erf f16: %d mismatches of 4096\n", f16Mismatches);
  failures += f16Mismatches;

  // 4. exp: subnormal results (x < -87.33), then the normal range.
  // The f32 values whose bit patterns run from `first` to `last` (both of
  // one sign) in steps of `stride`.
  auto expRange = [&](float first, float last, uint32_t stride,
                      bool subnormal) {
    std::vector<float> ex, ey;
    for (uint64_t b = bitsOf(first); b <= bitsOf(last); b += stride)
      ex.push_back(fromBits(uint32_t(b)));
    ey.resize(ex.size());
    if (exp_f32(ex.data(), int64_t(ex.size()), ey.data(), int64_t(ey.size())))
      return 1;
    int flushed = 0;
    double worst = 0;
    for (size_t i = 0; i < ex.size(); ++i) {
      double ref = std::exp(double(ex[i]));
      if (ey[i] == 0 && float(ref) != 0)
        ++flushed;
      double unit = subnormal ? double(std::numeric_limits<float>::denorm_min())
                              : ulpAt(ref);
      worst = std::fmax(worst, std::fabs(double(ey[i]) - ref) / unit);
    }
    if (subnormal) {
      std::printf("exp f32 subnormal results: %zu values, %d flushed to 0, "
                  "max error %.3f units of 2^-149\n",
                  ex.size(), flushed, worst);
      failures += flushed > 0 || worst > 2.0;
    } else {
      std::printf("exp f32 normal results: %zu values, max error %.3f ulp\n",
                  ex.size(), worst);
      failures += worst > 5.0;
    }
    return 0;
  };
  // (Negative values: larger bit patterns are more negative.)
  if (expRange(-87.34f, -104.0f, 3, true) ||
      expRange(-0.0f, -87.33f, 97, false) || expRange(0.0f, 88.7f, 97, false))
    return 1;

  // 5. f64 exp (sto's own expansion) against expl. The error is |r - e|
  // over the f64 spacing at e (2^-1074 below 2^-1022), e = expl(x) in long
  // double (64 bits or more: within 2^-11 ulp); "from the nearest" counts
  // the results that are not the f64 nearest to e, and their largest
  // distance to it in units of the last place.
  auto f64Bits = [](double d) {
    uint64_t b;
    std::memcpy(&b, &d, 8);
    return b;
  };
  auto f64FromBits = [](uint64_t b) {
    double d;
    std::memcpy(&d, &b, 8);
    return d;
  };
  auto expSweep = [&](const char *name, const std::vector<double> &ex) {
    std::vector<double> ey(ex.size());
    if (exp_f64(ex.data(), int64_t(ex.size()), ey.data(), int64_t(ey.size())))
      return 1;
    double worst = 0, worstX = 0;
    int64_t notNearest = 0, worstDistance = 0, badSpecial = 0;
    for (size_t i = 0; i < ex.size(); ++i) {
      long double e = expl((long double)ex[i]);
      double nearest = double(e);
      if (std::isnan(ex[i])) {
        badSpecial += !std::isnan(ey[i]);
        continue;
      }
      if (std::isinf(nearest)) { // e rounds past DBL_MAX: +inf
        badSpecial += !(std::isinf(ey[i]) && ey[i] > 0);
        continue;
      }
      long double unit = 0x1p-1074L;
      if (e >= 0x1p-1022L) {
        int exponent;
        std::frexp(e, &exponent); // e in [2^(exponent-1), 2^exponent)
        unit = std::ldexp(1.0L, exponent - 53);
      }
      double err = double(std::fabs((long double)ey[i] - e) / unit);
      if (err > worst) {
        worst = err;
        worstX = ex[i];
      }
      if (ey[i] != nearest) {
        ++notNearest;
        int64_t d = int64_t(f64Bits(ey[i]) - f64Bits(nearest));
        worstDistance = std::max<int64_t>(worstDistance, d < 0 ? -d : d);
      }
    }
    std::printf("exp f64 %s: %zu values, max error %.3f ulp (at %a), %lld "
                "not the nearest, at most %lld ulp from it\n",
                name, ex.size(), worst, worstX, (long long)notNearest,
                (long long)worstDistance);
    failures += worst > 1.0 || worstDistance > 1 || badSpecial > 0;
    return 0;
  };
  // A xorshift of fixed seed: the same values on every run.
  uint64_t state = 0x9e3779b97f4a7c15ull;
  auto next64 = [&] {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  auto unit01 = [&] { return double(next64() >> 11) * 0x1p-53; };
  const int64_t kSweep = 1 << 20;
  std::vector<double> sweep;
  auto fill = [&](auto gen) {
    sweep.resize(kSweep);
    for (double &v : sweep)
      v = gen();
  };
  // Consecutive f64 from `count` places below `center` up.
  auto around = [&](double center, int64_t count) {
    sweep.clear();
    double v = center;
    for (int64_t i = 0; i < count / 2; ++i)
      v = std::nextafter(v, -INFINITY);
    for (int64_t i = 0; i < count; ++i, v = std::nextafter(v, INFINITY))
      sweep.push_back(v);
  };
  const uint64_t maxBits = f64Bits(746.0);
  fill([&] { return f64FromBits(next64()); });
  if (expSweep("random bit patterns", sweep))
    return 1;
  fill([&] { // every magnitude up to 746 alike, either sign
    uint64_t magnitude = next64() % maxBits;
    return f64FromBits(magnitude | (next64() & (1ull << 63)));
  });
  if (expSweep("random bit patterns, |x| < 746", sweep))
    return 1;
  fill([&] { return -745.2 + (709.8 + 745.2) * unit01(); });
  if (expSweep("uniform in [-745.2, 709.8]", sweep))
    return 1;
  fill([&] { return -1.0 + 2.0 * unit01(); });
  if (expSweep("uniform in [-1, 1]", sweep))
    return 1;
  fill([&] {
    double v = std::ldexp(1.0 + unit01(), -int(next64() % 60) - 1);
    return next64() & 1 ? -v : v;
  });
  if (expSweep("2^-60 < |x| < 1", sweep))
    return 1;
  fill([&] { return 700.0 + 9.8 * unit01(); });
  if (expSweep("uniform in [700, 709.8]", sweep))
    return 1;
  around(709.782712893384, kSweep);
  if (expSweep("consecutive around 709.782712893384", sweep))
    return 1;
  fill([&] { return -745.2 + (745.2 - 708.3) * unit01(); });
  if (expSweep("subnormal results, uniform in [-745.2, -708.3]", sweep))
    return 1;
  around(-745.1332191019412, kSweep);
  if (expSweep("consecutive around -745.1332191019412", sweep))
    return 1;
  around(-708.3964185322641, kSweep);
  if (expSweep("consecutive around -708.3964185322641", sweep))
    return 1;

  // Special values, bit for bit (a NaN: any NaN).
  {
    const double dinf = std::numeric_limits<double>::infinity();
    const double dnan = std::numeric_limits<double>::quiet_NaN();
    // The greatest x whose exp is finite, and the greatest that rounds to 0.
    const double maxFinite = 709.782712893384;
    const double maxZero = -745.1332191019412;
    struct Case {
      double in, out;
    } cases[] = {{0.0, 1.0},
                 {-0.0, 1.0},
                 {dinf, dinf},
                 {-dinf, 0.0},
                 {dnan, dnan},
                 {-dnan, dnan},
                 {1e300, dinf},
                 {-1e300, 0.0},
                 {maxFinite, double(expl((long double)maxFinite))},
                 {std::nextafter(maxFinite, dinf), dinf},
                 {710.0, dinf},
                 {std::nextafter(maxZero, 0.0), 0x1p-1074},
                 {maxZero, 0.0},
                 {-746.0, 0.0},
                 {0x1p-1074, 1.0},
                 {-0x1p-1074, 1.0},
                 {0x1p-54, 1.0},
                 {-0x1p-54, 1.0},
                 {1.0, 0x1.5bf0a8b145769p+1}};
    std::vector<double> in, out(std::size(cases));
    for (const Case &c : cases)
      in.push_back(c.in);
    if (exp_f64(in.data(), int64_t(in.size()), out.data(), int64_t(out.size())))
      return 1;
    int mismatches = 0;
    for (size_t i = 0; i < std::size(cases); ++i) {
      bool ok = std::isnan(cases[i].out)
                    ? std::isnan(out[i])
                    : f64Bits(out[i]) == f64Bits(cases[i].out);
      if (!ok) {
        ++mismatches;
        std::printf("  exp(%a) = %a, not %a\n", cases[i].in, out[i],
                    cases[i].out);
      }
    }
    std::printf("exp f64 special values: %d mismatches\n", mismatches);
    failures += mismatches;
  }

  std::printf(failures ? "FAIL\n" : "PASS\n");
  return failures ? 1 : 0;
}
