//===- reductions.cpp - driver of reductions.mlir
//--------------------------===//
//
// categorical, gumbel_softmax and dp_aggregate compiled by sto-compile against
// the reference of sto/Runtime/Philox.h and the formulas of
// docs/Randomness.md (8.7, 8.8): categorical, hard Gumbel-softmax and
// dp_aggregate bit for bit; soft Gumbel-softmax, whose exp the contract
// leaves to the target, within a few ulps.
//
//===----------------------------------------------------------------------===//

#include "reductions.h"

#include "check.h"

#include <cmath>

using namespace check;
namespace rng = sto::rng;

namespace {

template <class T> const T *asRef(const AbiT<T> *p) {
  return reinterpret_cast<const T *>(p);
}

/// Reference categorical of logits viewed as [outer, n, inner], sampled
/// along the middle axis: result element (o, i), row-major in [outer, inner].
template <class T>
std::vector<int64_t> categoricalRef(Key k, const AbiT<T> *logits, int64_t outer,
                                    int64_t n, int64_t inner) {
  std::vector<int64_t> out(outer * inner);
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      uint64_t first = uint64_t(o * n * inner + i);
      out[o * inner + i] =
          rng::categorical<T>(k, asRef<T>(logits) + first, n, inner, first);
    }
  return out;
}

/// Gumbel-softmax of logits viewed as [outer, n, inner] along the middle
/// axis: s_j = RN_C(C(logit_j) + g_j); hard: one-hot of the least j with the
/// greatest s_j (before the division by tau); soft: with t_j = s_j /
/// RN_C(tau), RN_T(exp(t_j - max) / sum), the sum in increasing j.
template <class T>
std::vector<T> gumbelSoftmaxRef(Key k, const AbiT<T> *logits, int64_t outer,
                                int64_t n, int64_t inner, double tau,
                                bool hard) {
  using E = rng::ElementType<T>;
  using C = rng::ComputeType<T>;
  std::vector<T> out(outer * n * inner);
  std::vector<C> s(n);
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      int64_t best = 0;
      for (int64_t j = 0; j < n; ++j) {
        uint64_t idx = uint64_t(o * n * inner + j * inner + i);
        s[j] = rng::cadd(E::widen(fromAbi<T>(logits[idx])),
                         rng::gumbel<C>(k, idx));
        if (!hard)
          s[j] = s[j] / rng::coefficient<C>(tau);
        if (j == 0 || s[j] > s[best])
          best = j;
      }
      C sum = 0;
      for (int64_t j = 0; j < n; ++j)
        sum = rng::cadd(sum, std::exp(rng::csub(s[j], s[best])));
      for (int64_t j = 0; j < n; ++j) {
        C y = hard ? C(j == best ? 1 : 0)
                   : std::exp(rng::csub(s[j], s[best])) / sum;
        out[o * n * inner + j * inner + i] = E::narrow(y);
      }
    }
  return out;
}

/// dp_aggregate of per-sample gradients [B, n]: q_b = sum of fma(g, g, .)
/// in row-major order (n a multiple of 16: per segment of 4096 elements 16
/// partial sums, lane l taking j = l mod 16; the segments' lanes added in
/// increasing segment order, then the lanes in increasing l), f_b = min(1,
/// RN_C(clip) / sqrt(q_b)), a_j = sum over b of fma(C(g), f_b, .), result
/// RN_T(fma(RN_C(sigma clip), z_j, a_j) / B).
template <class T>
std::vector<T> dpAggregateRef(Key k, const AbiT<T> *g, int64_t batch, int64_t n,
                              double clip, double sigma) {
  using E = rng::ElementType<T>;
  using C = rng::ComputeType<T>;
  std::vector<C> f(batch);
  for (int64_t b = 0; b < batch; ++b) {
    // Lanes per segment of 4096 elements, added over the segments in
    // increasing order; one chain when n is not a multiple of 16.
    const int64_t lanes = n % 16 == 0 ? 16 : 1;
    const int64_t segment = n % 16 == 0 ? 4096 : n;
    std::vector<C> total(lanes, C(0));
    for (int64_t s0 = 0; s0 < n; s0 += segment) {
      std::vector<C> partial(lanes, C(0));
      for (int64_t j = s0; j < std::min(n, s0 + segment); ++j) {
        C x = E::widen(fromAbi<T>(g[b * n + j]));
        partial[j % lanes] = rng::cfma(x, x, partial[j % lanes]);
      }
      for (int64_t l = 0; l < lanes; ++l)
        total[l] = total[l] + partial[l];
    }
    C q = 0;
    for (C p : total)
      q = q + p;
    C ratio = rng::coefficient<C>(clip) / std::sqrt(q);
    f[b] = ratio < C(1) ? ratio : C(1);
  }
  std::vector<T> out(n);
  for (int64_t j = 0; j < n; ++j) {
    C a = 0;
    for (int64_t b = 0; b < batch; ++b)
      a = rng::cfma(E::widen(fromAbi<T>(g[b * n + j])), f[b], a);
    C noisy = rng::cfma(rng::coefficient<C>(sigma * clip),
                        rng::standardNormal<C>(k, uint64_t(j)), a);
    out[j] = E::narrow(noisy / C(batch));
  }
  return out;
}

/// Distance in ulps between two finite values of the same sign.
inline uint64_t ulps(float a, float b) {
  int64_t d = int64_t(rawBits(a)) - int64_t(rawBits(b));
  return uint64_t(d < 0 ? -d : d);
}
inline uint64_t ulps(double a, double b) {
  uint64_t x = rawBits(a), y = rawBits(b);
  return x > y ? x - y : y - x;
}

} // namespace

int main() {
  Checker c;
  const Key k = rng::foldIn(rng::seed(8), 1);

  //--- categorical ------------------------------------------------------===//
  {
    auto l = makeInputs<float>(111, 81);
    auto rows = output<int32_t>(3);
    c.ok("categorical_rows",
         categorical_rows(keyBits(k), l.data(), rows.data()));
    auto ref = categoricalRef<float>(k, l.data(), 3, 37, 1);
    c.elements("categorical f32 [3x37] axis 1 -> i32", rows.data(), 3,
               [&](size_t i) { return uint64_t(uint32_t(ref[i])); });
    auto cols = output<int64_t>(37);
    c.ok("categorical_cols",
         categorical_cols(keyBits(k), l.data(), cols.data()));
    auto refc = categoricalRef<float>(k, l.data(), 1, 3, 37);
    c.elements("categorical f32 [3x37] axis 0 -> i64", cols.data(), 37,
               [&](size_t i) { return uint64_t(refc[i]); });
  }
  {
    auto l = makeInputs<double>(80, 82);
    auto out = output<int64_t>(16);
    c.ok("categorical_f64_rank3",
         categorical_f64_rank3(keyBits(k), l.data(), out.data()));
    auto ref = categoricalRef<double>(k, l.data(), 2, 5, 8);
    c.elements("categorical f64 [2x5x8] axis -2", out.data(), 16,
               [&](size_t i) { return uint64_t(ref[i]); });
  }
  {
    auto l = makeInputs<f16>(70, 83);
    auto out = output<int32_t>(7);
    c.ok("categorical_f16_dyn",
         categorical_f16_dyn(keyBits(k), l.data(), 7, out.data(), 7));
    auto ref = categoricalRef<f16>(k, l.data(), 7, 10, 1);
    c.elements("categorical f16 [?x10] n=7", out.data(), 7,
               [&](size_t i) { return uint64_t(uint32_t(ref[i])); });
  }
  {
    // Equal logits: the Gumbel noise alone decides, ties go low.
    std::vector<uint16_t> l(256, rng::toBF16(0.5).bits);
    auto out = output<int64_t>(64);
    c.ok("categorical_bf16",
         categorical_bf16(keyBits(k), l.data(), out.data()));
    auto ref = categoricalRef<bf16>(k, l.data(), 64, 4, 1);
    c.elements("categorical bf16 [64x4] equal logits", out.data(), 64,
               [&](size_t i) { return uint64_t(ref[i]); });
  }
  {
    auto l = makeInputs<float>(1000, 84);
    auto out = output<int64_t>(1);
    c.ok("categorical_vector",
         categorical_vector(keyBits(k), l.data(), out.data()));
    auto ref = categoricalRef<float>(k, l.data(), 1, 1000, 1);
    c.elements("categorical f32 [1000] -> rank 0", out.data(), 1,
               [&](size_t) { return uint64_t(ref[0]); });
  }

  //--- gumbel_softmax ---------------------------------------------------===//
  {
    auto l = makeInputs<float>(160, 85);
    auto out = output<float>(160);
    c.ok("gumbel_hard", gumbel_hard(keyBits(k), l.data(), out.data()));
    auto ref = gumbelSoftmaxRef<float>(k, l.data(), 16, 10, 1, 0.5, true);
    c.elements("gumbel_softmax f32 [16x10] hard tau 0.5", out.data(), 160,
               [&](size_t i) { return ref[i]; });
  }
  {
    // Logits near 1e30 over tau = 1e-10: divided, the scores overflow to inf
    // and tie; the hard sample is categorical's draw, before the division.
    std::vector<float> l(12);
    for (int i = 0; i < 12; ++i)
      l[i] = float(i % 3) * 1e30f;
    auto out = output<float>(12);
    c.ok("gumbel_hard_overflow",
         gumbel_hard_overflow(keyBits(k), l.data(), out.data()));
    auto ref = gumbelSoftmaxRef<float>(k, l.data(), 4, 3, 1, 1e-10, true);
    c.elements("gumbel_softmax f32 [4x3] hard, scores past f32 over tau",
               out.data(), 12, [&](size_t i) { return ref[i]; });
    c.expect("the greatest logit wins", out[2] == 1 && out[5] == 1);
  }
  {
    auto l = makeInputs<bf16>(35, 86);
    auto out = output<uint16_t>(35);
    c.ok("gumbel_hard_bf16",
         gumbel_hard_bf16(keyBits(k), l.data(), out.data()));
    auto ref = gumbelSoftmaxRef<bf16>(k, l.data(), 1, 5, 7, 1.0, true);
    c.elements("gumbel_softmax bf16 [5x7] hard axis 0", out.data(), 35,
               [&](size_t i) { return ref[i]; });
  }
  {
    auto l = makeInputs<float>(160, 87);
    auto out = output<float>(160);
    c.ok("gumbel_soft", gumbel_soft(keyBits(k), l.data(), out.data()));
    auto ref = gumbelSoftmaxRef<float>(k, l.data(), 16, 10, 1, 0.5, false);
    uint64_t worst = 0;
    for (size_t i = 0; i < 160; ++i)
      worst = std::max(worst, ulps(out[i], ref[i]));
    c.expect("gumbel_softmax f32 [16x10] soft within 8 ulp", worst <= 8);
  }
  {
    auto l = makeInputs<double>(111, 88);
    auto out = output<double>(111);
    c.ok("gumbel_soft_f64", gumbel_soft_f64(keyBits(k), l.data(), out.data()));
    auto ref = gumbelSoftmaxRef<double>(k, l.data(), 3, 37, 1, 2.0, false);
    uint64_t worst = 0;
    for (size_t i = 0; i < 111; ++i)
      worst = std::max(worst, ulps(out[i], ref[i]));
    c.expect("gumbel_softmax f64 [3x37] soft within 8 ulp", worst <= 8);
  }

  //--- dp_aggregate -----------------------------------------------------===//
  // A dp_aggregate `fn` of B static rows of n elements of T (f32 or f64,
  // the type of `zero`) against the reference.
  auto checkDp = [&](auto zero, auto fn, int64_t B, int64_t n, double clip,
                     double sigma, int seed, const char *what) {
    using T = decltype(zero);
    auto g = makeInputs<T>(B * n, seed);
    auto out = output<T>(n);
    c.ok(what, fn(keyBits(k), g.data(), out.data()));
    auto ref = dpAggregateRef<T>(k, g.data(), B, n, clip, sigma);
    c.elements(what, out.data(), n, [&](size_t i) { return ref[i]; });
  };
  {
    auto g = makeInputs<float>(16 * 37, 89);
    // One sample with a zero gradient: its factor is 1.
    std::fill(g.begin() + 37, g.begin() + 74, 0.0f);
    auto out = output<float>(37);
    c.ok("dp_aggregate", dp_aggregate(keyBits(k), g.data(), out.data()));
    auto ref = dpAggregateRef<float>(k, g.data(), 16, 37, 1.0, 1.1);
    c.elements("dp_aggregate f32 [16x37] clip 1 sigma 1.1", out.data(), 37,
               [&](size_t i) { return ref[i]; });
  }
  {
    auto g = makeInputs<double>(5 * 24, 90);
    auto out = output<double>(24);
    c.ok("dp_aggregate_f64_dyn",
         dp_aggregate_f64_dyn(keyBits(k), g.data(), 5, out.data()));
    auto ref = dpAggregateRef<double>(k, g.data(), 5, 24, 0.5, 0.7);
    c.elements("dp_aggregate f64 [?x3x8] n=5 clip 0.5 sigma 0.7", out.data(),
               24, [&](size_t i) { return ref[i]; });
  }
  {
    auto g = makeInputs<f16>(40, 91);
    auto out = output<uint16_t>(5);
    c.ok("dp_aggregate_f16",
         dp_aggregate_f16(keyBits(k), g.data(), out.data()));
    auto ref = dpAggregateRef<f16>(k, g.data(), 8, 5, 2.0, 1.0);
    c.elements("dp_aggregate f16 [8x5] clip 2 sigma 1", out.data(), 5,
               [&](size_t i) { return ref[i]; });
  }
  {
    auto g = makeInputs<bf16>(32, 92);
    auto out = output<uint16_t>(1);
    c.ok("dp_aggregate_bf16_rank1",
         dp_aggregate_bf16_rank1(keyBits(k), g.data(), out.data()));
    auto ref = dpAggregateRef<bf16>(k, g.data(), 32, 1, 1.0, 0.0);
    c.elements("dp_aggregate bf16 [32] -> rank 0, sigma 0", out.data(), 1,
               [&](size_t i) { return ref[i]; });
  }
  // Row lengths with the lane-blocked norm (multiples of 16) and the tiled
  // sum (multiples of 64).
  checkDp(0.0f, dp_aggregate_blocked, 8, 128, 0.5, 1.3, 93,
          "dp_aggregate f32 [8x128] clip 0.5 sigma 1.3");
  {
    auto g = makeInputs<double>(3 * 64, 94);
    auto out = output<double>(64);
    c.ok("dp_aggregate_blocked_f64",
         dp_aggregate_blocked_f64(keyBits(k), g.data(), 3, out.data()));
    auto ref = dpAggregateRef<double>(k, g.data(), 3, 64, 0.8, 0.9);
    c.elements("dp_aggregate f64 [?x2x32] n=3 clip 0.8 sigma 0.9", out.data(),
               64, [&](size_t i) { return ref[i]; });
  }
  // Rows streamed in cache-sized groups (1 MiB: 8 rows of 2^15 f32, 12
  // groups; 4 rows of 4 x 2^13 f64, 12 groups; the segments split between
  // threads): the same sums in the same order.
  checkDp(0.0f, dp_aggregate_grouped, 96, int64_t(1) << 15, 3.0, 0.6, 96,
          "dp_aggregate f32 [96x32768] clip 3 sigma 0.6");
  checkDp(0.0, dp_aggregate_grouped_f64, 48, int64_t(4) << 13, 10.0, 1.0, 97,
          "dp_aggregate f64 [48x4x8192] clip 10 sigma 1");
  checkDp(0.0f, dp_aggregate_lanes_only, 4, 48, 2.0, 0.5, 95,
          "dp_aggregate f32 [4x48] clip 2 sigma 0.5");
  // Whole segments of 4096 and a tail of 64 (two row groups of 31 rows,
  // the segments split between threads); one segment and a tail (the rows
  // split between threads, four side by side); the 16-lane form (no tiles
  // of 64) with a tail of 16.
  checkDp(0.0f, dp_aggregate_tail, 62, 8256, 4.0, 0.8, 98,
          "dp_aggregate f32 [62x8256] clip 4 sigma 0.8");
  checkDp(0.0, dp_aggregate_tail_f64, 12, 4160, 2.0, 1.2, 99,
          "dp_aggregate f64 [12x4160] clip 2 sigma 1.2");
  checkDp(0.0f, dp_aggregate_lanes_tail, 4, 4112, 1.0, 0.5, 100,
          "dp_aggregate f32 [4x4112] clip 1 sigma 0.5");
  for (int64_t n : {int64_t(32), int64_t(37), int64_t(4096), int64_t(4128),
                    int64_t(12304)}) {
    auto g = makeInputs<float>(3 * n, 96);
    auto out = output<float>(n);
    std::string what =
        "dp_aggregate f32 [3x?] n=" + std::to_string(n) + " clip 1.5 sigma 1";
    c.ok(what, dp_aggregate_dyn_n(keyBits(k), g.data(), n, out.data(), n));
    auto ref = dpAggregateRef<float>(k, g.data(), 3, n, 1.5, 1.0);
    c.elements(what, out.data(), n, [&](size_t i) { return ref[i]; });
  }
  {
    auto g = makeInputs<float>(5 * 2 * 24, 97);
    auto out = output<float>(48);
    const char *what = "dp_aggregate f32 [?x?x24] 5x2 clip 0.7 sigma 0.4";
    c.ok(what,
         dp_aggregate_dyn_rows(keyBits(k), g.data(), 5, 2, out.data(), 2));
    auto ref = dpAggregateRef<float>(k, g.data(), 5, 48, 0.7, 0.4);
    c.elements(what, out.data(), 48, [&](size_t i) { return ref[i]; });
  }
  return c.finish();
}
