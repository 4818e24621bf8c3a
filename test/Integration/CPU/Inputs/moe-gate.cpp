//===- moe-gate.cpp - driver of moe-gate.mlir
//------------------------------===//
//
// sto.topk_gate compiled by sto-compile against moe_reference.h: indices
// exact, weights within a relative tolerance, and each call repeated to show
// identical bits.
//
//===----------------------------------------------------------------------===//

#include "moe_gate.h"

#include "check.h"
#include "moe_reference.h"

#include <functional>
#include <limits>

using namespace check;
namespace rng = sto::rng;
using moe_ref::Affinity;

namespace {

/// A compiled gate behind one signature: (logits, bias, key, tokens, E,
/// weights, indices).
template <class T>
using GateFn = std::function<int32_t(const AbiT<T> *, const AbiT<T> *, uint64_t,
                                     int64_t, int64_t, AbiT<T> *, int32_t *)>;

struct Config {
  int64_t tokens, E, k;
  bool bias;
  double stddev;
  Affinity affinity;
  bool normalize;
  bool ties;  // logits and bias on a grid of 0.5: many equal scores
  double tol; // relative tolerance of the weights
  Key key;
};

/// Logits (and bias) as doubles, rounded once to T by makeAbi.
double gateInput(uint64_t seed, size_t i, bool ties) {
  uint64_t h = mix(seed * 1000003u + i);
  if (ties)
    return double(int64_t(h % 7) - 3) * 0.5;
  return double(h >> 11) * 0x1p-53 * 8.0 - 4.0; // [-4, 4)
}

template <class T>
std::vector<T> refInputs(size_t n, uint64_t seed, bool ties) {
  std::vector<T> v(n);
  for (size_t i = 0; i < n; ++i)
    v[i] = narrowInput<T>(gateInput(seed, i, ties));
  return v;
}

/// Never empty, so that data() is not NULL (which the C ABI rejects) even
/// for a tensor without elements.
template <class T> std::vector<AbiT<T>> toAbiVec(const std::vector<T> &v) {
  std::vector<AbiT<T>> out(std::max<size_t>(v.size(), 1));
  for (size_t i = 0; i < v.size(); ++i)
    out[i] = toAbi(v[i]);
  return out;
}

template <class T> double asDouble(T v) {
  return double(sto::rng::ElementType<T>::widen(v));
}

template <class T>
void gateCase(Checker &c, const std::string &what, const GateFn<T> &fn,
              const Config &cfg, uint64_t seed) {
  size_t n = size_t(cfg.tokens * cfg.k);
  auto logits = refInputs<T>(size_t(cfg.tokens * cfg.E), seed, cfg.ties);
  auto bias = refInputs<T>(size_t(cfg.E), seed + 17, cfg.ties);
  auto logitsAbi = toAbiVec(logits), biasAbi = toAbiVec(bias);
  auto w1 = output<AbiT<T>>(n), w2 = output<AbiT<T>>(n);
  auto i1 = output<int32_t>(n), i2 = output<int32_t>(n);
  const AbiT<T> *b = cfg.bias ? biasAbi.data() : nullptr;
  c.ok(what, fn(logitsAbi.data(), b, keyBits(cfg.key), cfg.tokens, cfg.E,
                w1.data(), i1.data()));
  c.ok(what, fn(logitsAbi.data(), b, keyBits(cfg.key), cfg.tokens, cfg.E,
                w2.data(), i2.data()));

  std::vector<T> refW(n);
  std::vector<int32_t> refI(n);
  moe_ref::topkGate<T>(logits.data(), cfg.bias ? bias.data() : nullptr,
                       cfg.tokens, cfg.E, cfg.k, cfg.stddev, cfg.key,
                       cfg.affinity, cfg.normalize, refW.data(), refI.data());
  size_t badIdx = 0, badW = 0;
  double maxRel = 0;
  for (size_t i = 0; i < n; ++i) {
    badIdx += i1[i] != refI[i];
    double g = asDouble(fromAbi<T>(w1[i])), r = asDouble(refW[i]);
    double rel = r == 0 ? std::fabs(g) : std::fabs(g - r) / std::fabs(r);
    if (!(rel <= cfg.tol))
      ++badW;
    if (rel > maxRel)
      maxRel = rel;
  }
  std::printf("%s: indices %zu mismatches of %zu, weights %zu outside %g of "
              "%zu (max relative error %.3g)\n",
              what.c_str(), badIdx, n, badW, cfg.tol, n, maxRel);
  if (badIdx || badW)
    ++c.failures;
  bool same = std::memcmp(w1.data(), w2.data(), n * sizeof(AbiT<T>)) == 0 &&
              std::memcmp(i1.data(), i2.data(), n * sizeof(int32_t)) == 0;
  c.expect((what + ": run to run identical").c_str(), same);
  c.digest(w1.data(), n);
  c.digest(i1.data(), n);
}

/// A case with tie-heavy inputs (if the config allows ties) and another with
/// continuous ones.
template <class T>
void gateBoth(Checker &c, const std::string &what, const GateFn<T> &fn,
              Config cfg) {
  cfg.ties = true;
  gateCase<T>(c, what + " ties", fn, cfg, 1);
  cfg.ties = false;
  gateCase<T>(c, what, fn, cfg, 2);
}

} // namespace

int main() {
  Checker c;
  const Key k7 = rng::seed(7), k8 = rng::seed(8);
  const double f32Tol = 1e-6, f64Tol = 1e-6;
  const Affinity topk = Affinity::SoftmaxTopK, soft = Affinity::Softmax,
                 sig = Affinity::Sigmoid;

  // Deterministic gates on [37, 8] f32.
  gateBoth<float>(c, "topk f32 E=8 k=2",
                  [](const float *l, const float *, uint64_t, int64_t, int64_t,
                     float *w, int32_t *i) { return topk_f32(l, w, i); },
                  {37, 8, 2, false, 0, topk, true, false, f32Tol, k7});
  gateBoth<float>(c, "topk+bias f32 E=8 k=2",
                  [](const float *l, const float *b, uint64_t, int64_t, int64_t,
                     float *w,
                     int32_t *i) { return topk_bias_f32(l, b, w, i); },
                  {37, 8, 2, true, 0, topk, true, false, f32Tol, k7});
  gateBoth<float>(c, "topk+bias f32 E=8 k=1",
                  [](const float *l, const float *b, uint64_t, int64_t, int64_t,
                     float *w, int32_t *i) { return topk_k1_f32(l, b, w, i); },
                  {37, 8, 1, true, 0, topk, true, false, f32Tol, k7});
  gateBoth<float>(c, "topk f32 E=8 k=8",
                  [](const float *l, const float *, uint64_t, int64_t, int64_t,
                     float *w, int32_t *i) { return topk_kE_f32(l, w, i); },
                  {37, 8, 8, false, 0, topk, true, false, f32Tol, k7});
  gateBoth<float>(c, "sigmoid raw f32 E=8 k=8",
                  [](const float *l, const float *, uint64_t, int64_t, int64_t,
                     float *w,
                     int32_t *i) { return sigmoid_raw_kE_f32(l, w, i); },
                  {37, 8, 8, false, 0, sig, false, false, f32Tol, k7});
  gateBoth<float>(c, "softmax f32 E=8 k=3",
                  [](const float *l, const float *, uint64_t, int64_t, int64_t,
                     float *w, int32_t *i) { return softmax_f32(l, w, i); },
                  {37, 8, 3, false, 0, soft, true, false, f32Tol, k7});
  gateBoth<float>(c, "softmax raw f32 E=8 k=3",
                  [](const float *l, const float *, uint64_t, int64_t, int64_t,
                     float *w, int32_t *i) { return softmax_raw_f32(l, w, i); },
                  {37, 8, 3, false, 0, soft, false, false, f32Tol, k7});
  gateBoth<float>(c, "sigmoid+bias f32 E=8 k=2",
                  [](const float *l, const float *b, uint64_t, int64_t, int64_t,
                     float *w,
                     int32_t *i) { return sigmoid_bias_f32(l, b, w, i); },
                  {37, 8, 2, true, 0, sig, true, false, f32Tol, k7});
  gateBoth<float>(c, "sigmoid raw f32 E=8 k=2",
                  [](const float *l, const float *, uint64_t, int64_t, int64_t,
                     float *w, int32_t *i) { return sigmoid_raw_f32(l, w, i); },
                  {37, 8, 2, false, 0, sig, false, false, f32Tol, k7});

  // Noisy gates: E = 64 (blocked Philox), another key, E = 10 (not).
  GateFn<float> noise = [](const float *l, const float *, uint64_t key, int64_t,
                           int64_t, float *w,
                           int32_t *i) { return noise_f32(l, key, w, i); };
  Config noisy{37, 64, 2, false, 1.0, topk, true, false, f32Tol, k7};
  gateCase<float>(c, "noisy topk f32 E=64 k=2", noise, noisy, 3);
  Config other = noisy;
  other.key = k8;
  gateCase<float>(c, "noisy topk f32 E=64 k=2 other key", noise, other, 3);
  {
    // The same logits under two keys: the noise must move some selection.
    auto logits = toAbiVec(refInputs<float>(37 * 64, 3, false));
    std::vector<float> w(74);
    std::vector<int32_t> a(74), b(74);
    c.ok("noise_f32",
         noise_f32(logits.data(), keyBits(k7), w.data(), a.data()));
    c.ok("noise_f32",
         noise_f32(logits.data(), keyBits(k8), w.data(), b.data()));
    c.expect("noisy topk f32 E=64 k=2: another key changes the selection",
             a != b);
  }
  gateCase<float>(
      c, "noisy sigmoid+bias f32 E=64 k=8",
      [](const float *l, const float *b, uint64_t key, int64_t, int64_t,
         float *w,
         int32_t *i) { return noise_sigmoid_bias_f32(l, b, key, w, i); },
      {37, 64, 8, true, 0.5, sig, true, false, f32Tol, k8}, 4);
  gateCase<float>(
      c, "noisy softmax f32 E=10 k=3",
      [](const float *l, const float *, uint64_t key, int64_t, int64_t,
         float *w, int32_t *i) { return noise_softmax_odd_f32(l, key, w, i); },
      {37, 10, 3, false, 2.0, soft, true, false, f32Tol, k7}, 5);
  GateFn<float> dyn = [](const float *l, const float *b, uint64_t key,
                         int64_t tokens, int64_t, float *w, int32_t *i) {
    return noise_dyn_f32(l, tokens, b, key, w, tokens, i, tokens);
  };
  gateCase<float>(c, "noisy topk+bias f32 E=12 k=4 tokens=29", dyn,
                  {29, 12, 4, true, 1.0, topk, true, false, f32Tol, k7}, 6);
  gateCase<float>(c, "noisy topk+bias f32 E=12 k=4 tokens=0", dyn,
                  {0, 12, 4, true, 1.0, topk, true, false, f32Tol, k7}, 6);
  gateCase<float>(
      c, "noisy topk+bias f32 E=9 (dynamic) k=2",
      [](const float *l, const float *b, uint64_t key, int64_t, int64_t e,
         float *w,
         int32_t *i) { return dyn_experts_f32(l, e, b, e, key, w, i); },
      {5, 9, 2, true, 1.0, topk, true, false, f32Tol, k8}, 7);

  // f64.
  gateCase<double>(
      c, "noisy topk+bias f64 E=16 k=4",
      [](const double *l, const double *b, uint64_t key, int64_t, int64_t,
         double *w, int32_t *i) { return noise_bias_f64(l, b, key, w, i); },
      {37, 16, 4, true, 0.5, topk, true, false, f64Tol, k7}, 8);
  gateBoth<double>(c, "softmax f64 E=16 k=4",
                   [](const double *l, const double *, uint64_t, int64_t,
                      int64_t, double *w,
                      int32_t *i) { return softmax_f64(l, w, i); },
                   {37, 16, 4, false, 0, soft, true, false, f64Tol, k7});
  gateBoth<double>(c, "sigmoid raw+bias f64 E=16 k=2",
                   [](const double *l, const double *b, uint64_t, int64_t,
                      int64_t, double *w,
                      int32_t *i) { return sigmoid_raw_bias_f64(l, b, w, i); },
                   {37, 16, 2, true, 0, sig, false, false, f64Tol, k7});

  // Narrow types: computed in f32, rounded once; one ulp of tolerance.
  gateCase<bf16>(
      c, "noisy sigmoid+bias bf16 E=8 k=2",
      [](const uint16_t *l, const uint16_t *b, uint64_t key, int64_t, int64_t,
         uint16_t *w,
         int32_t *i) { return noise_sigmoid_bias_bf16(l, b, key, w, i); },
      {37, 8, 2, true, 0.25, sig, true, false, 0x1p-7, k7}, 9);
  gateBoth<f16>(c, "topk f16 E=8 k=2",
                [](const uint16_t *l, const uint16_t *, uint64_t, int64_t,
                   int64_t, uint16_t *w,
                   int32_t *i) { return topk_f16(l, w, i); },
                {37, 8, 2, false, 0, topk, true, false, 0x1p-10, k7});

  // Rows with NaN scores: the insertion of docs/MoE.md (expert e goes before
  // entry j when s_e > score_j or entry j is empty or NaN), run here.
  // Without NaNs it is the sort of the other cases.
  auto nanRows = [&](const char *what, int64_t experts, int64_t k,
                     int (*fn)(const float *, float *, int32_t *)) {
    const int64_t rows = 6;
    std::vector<float> l(rows * experts), w(rows * k);
    std::vector<int32_t> got(rows * k);
    for (int64_t t = 0; t < rows; ++t)
      for (int64_t e = 0; e < experts; ++e)
        l[t * experts + e] = float((e * 7 + t * 3) % 11) - 5.0f;
    // A NaN first, last, in the middle, two in one chunk, one per chunk,
    // and none.
    const float nan = std::numeric_limits<float>::quiet_NaN();
    l[0 * experts + 0] = nan;
    l[1 * experts + experts - 1] = nan;
    l[2 * experts + experts / 2] = nan;
    l[3 * experts + 1] = l[3 * experts + 2] = nan;
    for (int64_t e = 3; e < experts; e += 4)
      l[4 * experts + e] = nan;
    c.ok(what, fn(l.data(), w.data(), got.data()));
    int bad = 0;
    for (int64_t t = 0; t < rows; ++t) {
      std::vector<float> score(k, nan);
      std::vector<int32_t> index(k, -1);
      for (int64_t e = 0; e < experts; ++e) {
        float s = l[t * experts + e];
        if (s <= score[k - 1]) // Enters only before the k-th entry (UGT).
          continue;
        // Per entry: above[j] when s goes before entry j (UGT); entry j
        // takes s, or entry j-1 where s went before that one too. Across a
        // NaN entry `above` need not be monotone (docs/MoE.md's example).
        std::vector<float> newScore(score);
        std::vector<int32_t> newIndex(index);
        for (int64_t j = 0; j < k; ++j) {
          bool above = !(s <= score[j]);
          bool prevAbove = j > 0 && !(s <= score[j - 1]);
          if (!above)
            continue;
          newScore[j] = prevAbove ? score[j - 1] : s;
          newIndex[j] = prevAbove ? index[j - 1] : int32_t(e);
        }
        score = newScore;
        index = newIndex;
      }
      for (int64_t j = 0; j < k; ++j) {
        bad += got[t * k + j] != index[j];
        std::printf("%d%s", got[t * k + j], j + 1 < k ? " " : "\n");
      }
    }
    std::printf("%s: indices %d mismatches of %lld (the documented "
                "insertion)\n",
                what, bad, (long long)(rows * k));
    c.expect("nan rows", bad == 0);
  };
  nanRows("nan rows f32 E=16 k=3", 16, 3, nan_rows_f32);
  nanRows("nan rows f32 E=12 k=1", 12, 1, nan_rows_e12_f32);
  return c.finish();
}
