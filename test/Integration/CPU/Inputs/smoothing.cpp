//===- smoothing.cpp - driver of smoothing.mlir
//----------------------------===//
//
// sto.monte_carlo against a reference that draws the noise of every copy
// from sto/Runtime/Philox.h and applies the same classifier; sto.certify
// against values from SciPy.
//
//===----------------------------------------------------------------------===//

#include "smoothing.h"

#include "check.h"
#include "sto-c/Runtime.h"

#include <cmath>
#include <cstdint>

using namespace check;
namespace rng = sto::rng;

namespace {

/// Counts of `classify(copy)` over `samples` noisy copies of x (copy s,
/// element j: additive Gaussian noise of index s·numel + j).
template <class T, class Classify>
std::vector<int64_t> votes(Key k, const std::vector<T> &x, int64_t samples,
                           double stddev, int64_t classes, Classify classify) {
  std::vector<int64_t> counts(classes, 0);
  std::vector<T> copy(x.size());
  for (int64_t s = 0; s < samples; ++s) {
    for (size_t j = 0; j < x.size(); ++j)
      copy[j] = rng::noise<T>(k, uint64_t(s) * x.size() + j, x[j],
                              rng::NoiseKind::Gaussian,
                              rng::NoiseMode::Additive, stddev);
    int64_t id = classify(copy);
    if (id >= 0 && id < classes)
      ++counts[id];
  }
  return counts;
}

void certified(const char *what, int32_t st, int64_t cls, double radius) {
  std::printf("%s: status %d class %lld radius %.10g\n", what, int(st),
              (long long)cls, radius);
}

} // namespace

int main() {
  Checker c;
  const Key k = rng::foldIn(rng::seed(77), 3);
  {
    std::vector<float> x = {0.25f, 0.75f, -2.0f};
    int64_t out[2] = {-1, -1};
    c.ok("votes_f32", votes_f32(keyBits(k), x.data(), out));
    auto want = votes<float>(k, x, 10, 0.5, 2, [](const std::vector<float> &v) {
      return int64_t(v[0] > 0.3f) + (v[1] > 1.0f ? 5 : 0);
    });
    c.elements("monte_carlo f32 [3] 10 samples in batches of 4", out, 2,
               [&](size_t i) { return want[i]; });
  }
  {
    std::vector<double> x = {0.1, -0.05, 7.0, 8.0};
    int64_t out[3] = {-1, -1, -1};
    c.ok("votes_f64", votes_f64(keyBits(k), x.data(), out));
    auto want =
        votes<double>(k, x, 1000, 0.25, 3, [](const std::vector<double> &v) {
          return int64_t(v[0] > 0) + int64_t(v[1] > 0);
        });
    c.elements("monte_carlo f64 [2x2] 1000 samples in batches of 64", out, 3,
               [&](size_t i) { return want[i]; });
    c.expect("the three classes all get votes",
             want[0] > 0 && want[1] > 0 && want[2] > 0);
  }
  {
    std::vector<float> x = {0.2f, 1.0f, 2.0f, 3.0f, 4.0f};
    int64_t out[2] = {-1, -1};
    c.ok("votes_dyn", votes_dyn(keyBits(k), x.data(), 5, out));
    auto want =
        votes<float>(k, x, 777, 1.0, 2, [](const std::vector<float> &v) {
          return int64_t(v[0] > 0.0f);
        });
    c.elements("monte_carlo f32 [?] n=5 777 samples in batches of 100", out, 2,
               [&](size_t i) { return want[i]; });
    // 777 copies of 2^58 elements pass 2^63 stream indices: refused before
    // anything is read (the verifier refuses a static x of that size). The
    // counts lie below x, outside the 2^60 bytes x claims.
    int64_t buffer[4] = {-1, -1, 0, 0};
    int32_t st = votes_dyn(keyBits(k), reinterpret_cast<float *>(buffer + 2),
                           int64_t(1) << 58, buffer);
    out[0] = buffer[0];
    out[1] = buffer[1];
    std::printf("monte_carlo past 2^63 indices: status %d, counts %lld %lld\n",
                int(st), (long long)out[0], (long long)out[1]);
    c.expect("monte_carlo refuses 2^63 indices",
             st == STO_ERROR_SHAPE_MISMATCH && out[0] == -1 && out[1] == -1);
  }
  // certify: the argmax of counts0, then the bound on counts.
  int64_t cls = 0;
  double radius = 0;
  {
    int64_t c0[3] = {3, 90, 7}, cnt[3] = {100, 99000, 900};
    int32_t st = certify_cp(c0, cnt, &cls, &radius);
    certified("certify clopper_pearson 99000 of 100000", st, cls, radius);
    // SciPy: 0.25 * norm.ppf(beta.ppf(0.001, 99000, 1001)).
    c.expect("clopper_pearson radius",
             cls == 1 && std::fabs(radius - 0.5724999888034416) < 1e-12);
  }
  {
    int64_t c0[3] = {50, 49, 1}, cnt[3] = {510, 480, 10};
    int32_t st = certify_cp(c0, cnt, &cls, &radius);
    certified("certify abstains", st, cls, radius);
    c.expect("abstention", cls == -1 && radius == 0.0);
  }
  {
    int64_t c0[3] = {40, 40, 20}, cnt[3] = {1000, 0, 0};
    int32_t st = certify_cp(c0, cnt, &cls, &radius);
    certified("certify ties to the lower class", st, cls, radius);
    c.expect("tie", cls == 0 && radius > 0);
  }
  {
    int64_t c0[3] = {0, 1, 9}, cnt[3] = {60, 40, 900};
    int32_t st = certify_bernstein(c0, cnt, &cls, &radius);
    certified("certify bernstein 900 of 1000", st, cls, radius);
    // 0.25 * norm.ppf(0.9 - sqrt(2 V ln(2000) / 1000) - 7 ln(2000) / 2997).
    c.expect("bernstein radius",
             cls == 2 && std::fabs(radius - 0.2540570340880403) < 1e-12);
  }
  {
    // k = n = 2^62: the bound 1 - 1.5e-18 rounds to 1 in double; its upper
    // tail does not (the radius was inf). mpmath: 2.17790370522.
    int64_t c0[3] = {5, 1, 0}, cnt[3] = {int64_t(1) << 62, 0, 0};
    int32_t st = certify_cp(c0, cnt, &cls, &radius);
    certified("certify 2^62 of 2^62", st, cls, radius);
    c.expect("finite radius",
             cls == 0 && std::fabs(radius - 2.17790370522) < 1e-10);
  }
  {
    // Counts that no sampling gives: status 7, the results untouched.
    int64_t c0[3] = {100, 1, 0}, negative[3] = {100, -50, 0},
            wraps[3] = {INT64_MAX, 1, 0};
    for (const int64_t *cnt : {negative, wraps}) {
      cls = 99;
      radius = -1;
      int32_t st = certify_cp(c0, cnt, &cls, &radius);
      certified(cnt == negative ? "certify a negative count"
                                : "certify counts past INT64_MAX",
                st, cls, radius);
      c.expect("refused",
               st == STO_ERROR_SHAPE_MISMATCH && cls == 99 && radius == -1);
    }
  }
  return c.finish();
}
