//===- streaming-stores.cpp - driver of streaming-stores.mlir -------------===//
//
// Calls each compiled function with 64-byte aligned results (the nests with
// non-temporal stores) and with results one element past such a boundary
// (the original nests), and compares every element with the reference.
//
//===----------------------------------------------------------------------===//

#include "streaming.h"

#include "check.h"

#include <cstdlib>

using namespace check;
namespace rng = sto::rng;

namespace {

constexpr size_t kN = size_t(1) << 22;

/// kN + 16 floats on a 64-byte boundary; `at(off)` is element `off` of it.
struct Out {
  Out() : p(static_cast<float *>(std::aligned_alloc(64, (kN + 16) * 4))) {
    std::memset(p, 0x7F, (kN + 16) * 4);
  }
  ~Out() { std::free(p); }
  float *at(size_t off) { return p + off; }
  float *p;
};

int report(const char *what, const float *got, const std::vector<float> &want) {
  size_t bad = 0;
  for (size_t i = 0; i < kN; ++i)
    bad += rawBits(got[i]) != rawBits(want[i]);
  std::printf("%s: %zu mismatches of %zu\n", what, bad, kN);
  return bad != 0;
}

} // namespace

int main() {
  int failed = 0;
  Key k = rng::seed(20261130);
  std::vector<float> p(kN), g(kN), avg(kN);
  for (size_t i = 0; i < kN; ++i) {
    p[i] = float(inputValue(1, i));
    g[i] = float(inputValue(2, i));
    avg[i] = float(inputValue(3, i));
  }
  const int64_t count = 7;
  std::vector<float> p1(kN), a1(kN), scaled(kN), noisy(kN);
  float w = 1.0f / float(count + 1);
  for (size_t i = 0; i < kN; ++i) {
    p1[i] = rng::langevinStep<float>(k, i, p[i], g[i], 1e-3, 1e-4);
    a1[i] = std::fma(w, p1[i] - avg[i], avg[i]);
    scaled[i] = p[i] * 2.0f + 1.0f;
    noisy[i] = rng::noise<float>(k, i, p[i], rng::NoiseKind::Gaussian,
                                 rng::NoiseMode::Additive, 0.25);
  }
  for (size_t off : {size_t(0), size_t(1)}) {
    const char *where = off ? "one off" : "aligned";
    char what[64];
    Out o1, o2;
    int32_t s = langevin_swa(keyBits(k), p.data(), g.data(), avg.data(), count,
                             o1.at(off), o2.at(off));
    std::snprintf(what, sizeof what, "langevin_swa p', %s", where);
    failed |= s != 0 || report(what, o1.at(off), p1);
    std::snprintf(what, sizeof what, "langevin_swa avg', %s", where);
    failed |= report(what, o2.at(off), a1);
    Out o3;
    s = scale(p.data(), o3.at(off));
    std::snprintf(what, sizeof what, "scale, %s", where);
    failed |= s != 0 || report(what, o3.at(off), scaled);
  }
  std::vector<float> swaWant(kN);
  for (size_t i = 0; i < kN; ++i)
    swaWant[i] = std::fma(w, p[i] - avg[i], avg[i]);
  for (size_t off : {size_t(0), size_t(1)}) {
    Out o;
    int32_t s = swa(avg.data(), p.data(), count, o.at(off));
    char what[64];
    std::snprintf(what, sizeof what, "swa, %s", off ? "one off" : "aligned");
    failed |= s != 0 || report(what, o.at(off), swaWant);
  }
  for (size_t off : {size_t(0), size_t(1)}) {
    Out o;
    int32_t s = ::noisy(keyBits(k), p.data(), o.at(off));
    char what[64];
    std::snprintf(what, sizeof what, "noisy, %s", off ? "one off" : "aligned");
    failed |= s != 0 || report(what, o.at(off), noisy);
  }
  return failed;
}
