// Driver of cf-loops.mlir: each result against C++ (the noise from
// sto/Runtime/Philox.h), bit for bit.
#include "cf_loops.h"

#include "check.h"

#include <initializer_list>

namespace rng = sto::rng;

int main() {
  check::Checker c;
  float x[8];
  for (int i = 0; i < 8; ++i)
    x[i] = 0.375f * float(i) - 1.25f;
  for (int64_t n : {0, 3, -2}) {
    float r[8];
    std::string what = "double_n n=" + std::to_string(n);
    c.ok(what, double_n(x, n, r));
    c.elements(what, r, 8, [&](size_t i) {
      float want = x[i];
      for (int64_t s = 0; s < n; ++s)
        want = want + want;
      return want;
    });
  }
  const int64_t seed = 42;
  for (int64_t n : {4, 0}) {
    float r[8];
    std::string what = "noisy_steps n=" + std::to_string(n);
    c.ok(what, noisy_steps(x, seed, n, r));
    c.elements(what, r, 8, [&](size_t i) {
      float want = x[i];
      for (int64_t s = 0; s < n; ++s)
        want = rng::noise<float>(rng::foldIn(rng::seed(seed), s), i, want,
                                 rng::NoiseKind::Gaussian,
                                 rng::NoiseMode::Additive, 0.5);
      return want;
    });
  }
  return c.finish();
}
