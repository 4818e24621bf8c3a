// Driver of cf-loops.mlir: each result against C++ (the noise from
// sto/Runtime/Philox.h, bit for bit).
#include "cf_loops.h"

#include "sto/Runtime/Philox.h"

#include <cstdio>
#include <cstring>
#include <initializer_list>

namespace rng = sto::rng;

static int mismatches(const float *got, const float *want, int n) {
  int bad = 0;
  for (int i = 0; i < n; ++i)
    bad += std::memcmp(&got[i], &want[i], sizeof(float)) != 0;
  return bad;
}

int main() {
  float x[8];
  for (int i = 0; i < 8; ++i)
    x[i] = 0.375f * float(i) - 1.25f;
  for (int64_t n : {0, 3, -2}) {
    float r[8], want[8];
    int st = double_n(x, n, r);
    for (int i = 0; i < 8; ++i) {
      want[i] = x[i];
      for (int64_t s = 0; s < n; ++s)
        want[i] = want[i] + want[i];
    }
    std::printf("double_n n=%lld: status %d, %d mismatches of 8\n",
                (long long)n, st, mismatches(r, want, 8));
  }
  for (int64_t n : {4, 0}) {
    float r[8], want[8];
    int64_t seed = 42;
    int st = noisy_steps(x, seed, n, r);
    for (int i = 0; i < 8; ++i) {
      want[i] = x[i];
      for (int64_t s = 0; s < n; ++s)
        want[i] = rng::noise<float>(rng::foldIn(rng::seed(seed), s), i, want[i],
                                    rng::NoiseKind::Gaussian,
                                    rng::NoiseMode::Additive, 0.5);
    }
    std::printf("noisy_steps n=%lld: status %d, %d mismatches of 8\n",
                (long long)n, st, mismatches(r, want, 8));
  }
  return 0;
}
