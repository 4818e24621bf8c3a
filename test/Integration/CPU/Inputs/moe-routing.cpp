//===- moe-routing.cpp - driver of moe-routing.mlir
//------------------------===//
//
// expert_load, balance_bias, balance_loss, dispatch and combine compiled by
// sto-compile against moe_reference.h, bit for bit, and a chained layer.
//
//===----------------------------------------------------------------------===//

#include "moe_routing.h"

#include "check.h"
#include "moe_reference.h"

#include <algorithm>

#include <fcntl.h>
#include <unistd.h>

using namespace check;
namespace rng = sto::rng;

namespace {

/// Integers compared exactly, in the format of Checker::elements.
template <class A, class B>
void exactInts(Checker &c, const char *what, const A *got, const B *ref,
               size_t n) {
  size_t bad = 0;
  for (size_t i = 0; i < n; ++i)
    bad += int64_t(got[i]) != int64_t(ref[i]);
  std::printf("%s: %zu mismatches of %zu\n", what, bad, n);
  if (bad)
    ++c.failures;
  c.digest(got, n);
}

/// Never empty, so that data() is never NULL.
template <class A> std::vector<A> buffer(size_t n) {
  return std::vector<A>(std::max<size_t>(n, 1));
}

uint64_t hashAt(uint64_t seed, size_t i) { return mix(seed * 7919u + i); }

/// Indices in [lo, lo + span), some of them outside [0, E).
template <class I>
std::vector<I> indexData(size_t n, uint64_t seed, int64_t lo, int64_t span) {
  auto v = buffer<I>(n);
  for (size_t i = 0; i < n; ++i)
    v[i] = I(lo + int64_t(hashAt(seed, i) % uint64_t(span)));
  return v;
}

/// Skewed routing: a quarter of the choices go to expert 0, the rest spread
/// over [-1, 9) (so -1 and 8 fall outside E = 8).
std::vector<int32_t> skewedIndices(size_t n, uint64_t seed) {
  auto v = buffer<int32_t>(n);
  for (size_t i = 0; i < n; ++i) {
    uint64_t h = hashAt(seed, i);
    v[i] = h % 4 == 0 ? 0 : int32_t(h % 10) - 1;
  }
  return v;
}

template <class T> std::vector<T> values(size_t n, uint64_t seed) {
  auto v = buffer<T>(n);
  for (size_t i = 0; i < n; ++i)
    v[i] = narrowInput<T>(inputValue(seed, i + 3)); // skip the signed zeros
  return v;
}

std::vector<float> probs(size_t n, uint64_t seed) {
  auto v = buffer<float>(n);
  for (size_t i = 0; i < n; ++i)
    v[i] = float(double(hashAt(seed, i) >> 11) * 0x1p-53);
  return v;
}

/// What a dispatch check leaves for the next one: the routing and the
/// reference's slots and buffer.
struct Dispatched {
  std::vector<int32_t> idx, refSlot;
  std::vector<float> refBuf;
};

/// Calls `fn` (an f32 sto.dispatch of T x 16 tokens, k = 2, E = 8, capacity
/// C, the token count dynamic) on skewed routing and compares its slots and
/// buffer with the reference.
template <typename Fn>
Dispatched checkDispatchF32(Checker &c, const char *name, Fn fn, int64_t T,
                            int64_t C, uint64_t seed) {
  const int64_t K = 2, D = 16, E = 8;
  auto x = values<float>(T * D, seed);
  Dispatched r{skewedIndices(T * K, seed + 1), std::vector<int32_t>(T * K),
               std::vector<float>(E * C * D)};
  auto buf = output<float>(E * C * D);
  auto slot = output<int32_t>(T * K);
  c.ok(name, fn(x.data(), T, r.idx.data(), T, buf.data(), slot.data(), T));
  moe_ref::dispatch(x.data(), r.idx.data(), T, K, D, E, C, r.refBuf.data(),
                    r.refSlot.data());
  std::string shape =
      "[" + std::to_string(T) + "x2] E=8 C=" + std::to_string(C);
  exactInts(c, ("dispatch f32 slots " + shape).c_str(), slot.data(),
            r.refSlot.data(), T * K);
  c.elements("dispatch f32 buffer [8x" + std::to_string(C) + "x16]", buf.data(),
             E * C * D, [&](size_t i) { return r.refBuf[i]; });
  return r;
}

void suite(Checker &c) {
  //--- expert_load -------------------------------------------------------===//
  {
    auto idx = indexData<int32_t>(41 * 3, 1, -2, 12);
    auto load = buffer<int32_t>(8);
    c.ok("load_i32", load_i32(idx.data(), 41, load.data()));
    auto ref = moe_ref::expertLoad(idx.data(), 41 * 3, 8);
    exactInts(c, "expert_load i32 [41x3] E=8", load.data(), ref.data(), 8);
    bool outside = std::any_of(idx.begin(), idx.end(),
                               [](int32_t e) { return e < 0 || e >= 8; });
    c.expect("expert_load i32: out-of-range entries present", outside);
    c.ok("load_i32", load_i32(idx.data(), 0, load.data()));
    std::vector<int32_t> zeros(8, 0);
    exactInts(c, "expert_load i32 [0x3] E=8", load.data(), zeros.data(), 8);
  }
  {
    // Several chunks of the parallel scans (256 tokens), the last one short.
    auto idx = indexData<int32_t>(1000 * 3, 3, -2, 12);
    auto load = buffer<int32_t>(8);
    c.ok("load_i32", load_i32(idx.data(), 1000, load.data()));
    auto ref = moe_ref::expertLoad(idx.data(), 1000 * 3, 8);
    exactInts(c, "expert_load i32 [1000x3] E=8", load.data(), ref.data(), 8);
  }
  {
    // More than 16 chunks: the parallel form's two-level sum.
    auto idx = indexData<int32_t>(5000 * 3, 4, -1, 10);
    auto load = buffer<int32_t>(8);
    c.ok("load_i32", load_i32(idx.data(), 5000, load.data()));
    auto ref = moe_ref::expertLoad(idx.data(), 5000 * 3, 8);
    exactInts(c, "expert_load i32 [5000x3] E=8", load.data(), ref.data(), 8);
  }
  {
    auto idx = indexData<int64_t>(37 * 2, 2, 0, 6);
    auto load = buffer<int32_t>(5);
    c.ok("load_i64", load_i64(idx.data(), load.data()));
    auto ref = moe_ref::expertLoad(idx.data(), 37 * 2, 5);
    exactInts(c, "expert_load i64 [37x2] E=5", load.data(), ref.data(), 5);
  }

  //--- balance_bias ------------------------------------------------------===//
  {
    // Mean 15: below, at and above it.
    const int32_t load[8] = {10, 20, 15, 15, 5, 30, 15, 10};
    auto bias = values<float>(8, 3);
    auto out = output<float>(8);
    c.ok("bias_f32", bias_f32(bias.data(), load, out.data()));
    auto ref = moe_ref::balanceBias(bias.data(), load, 8, 1e-2);
    c.elements("balance_bias f32 E=8", out.data(), 8,
               [&](size_t i) { return ref[i]; });
    c.expect("balance_bias f32: loads below, at and above the mean",
             out[0] > bias[0] && out[1] < bias[1] && out[2] == bias[2]);
  }
  {
    const int64_t load[6] = {3, 7, 0, 5, 5, 10}; // mean 5
    auto bias = values<double>(6, 4);
    auto out = output<double>(6);
    c.ok("bias_f64", bias_f64(bias.data(), load, out.data()));
    auto ref = moe_ref::balanceBias(bias.data(), load, 6, 0.125);
    c.elements("balance_bias f64 E=6", out.data(), 6,
               [&](size_t i) { return ref[i]; });
  }
  {
    const int32_t load[8] = {1, 2, 3, 4, 5, 6, 7, 8}; // mean 4.5
    auto bias = values<bf16>(8, 5);
    std::vector<uint16_t> biasAbi(8);
    for (size_t i = 0; i < 8; ++i)
      biasAbi[i] = bias[i].bits;
    auto out = output<uint16_t>(8);
    c.ok("bias_bf16", bias_bf16(biasAbi.data(), load, out.data()));
    auto ref = moe_ref::balanceBias(bias.data(), load, 8, 1e-3);
    c.elements("balance_bias bf16 E=8", out.data(), 8,
               [&](size_t i) { return ref[i]; });
  }

  //--- balance_loss ------------------------------------------------------===//
  {
    auto p = probs(41 * 8, 6);
    auto idx = indexData<int32_t>(41 * 2, 7, 0, 8);
    auto load = moe_ref::expertLoad(idx.data(), 41 * 2, 8);
    float got = 0;
    c.ok("loss_f32", loss_f32(p.data(), 41, load.data(), &got));
    float ref =
        moe_ref::balanceLoss<float, float>(p.data(), load.data(), 41, 8, 1e-2);
    c.elements("balance_loss f32 [41x8]", &got, 1, [&](size_t) { return ref; });
    std::vector<int32_t> none(8, 0);
    got = 1;
    c.ok("loss_f32", loss_f32(p.data(), 41, none.data(), &got));
    c.elements("balance_loss f32 no routed entry", &got, 1,
               [&](size_t) { return 0.0f; });
  }
  {
    auto pf = probs(37 * 6, 8);
    std::vector<double> p(pf.begin(), pf.begin() + 37 * 6);
    const int64_t load[6] = {12, 3, 20, 9, 0, 30};
    double got = 0;
    c.ok("loss_f64", loss_f64(p.data(), load, &got));
    double ref =
        moe_ref::balanceLoss<double, double>(p.data(), load, 37, 6, 1e-3);
    c.elements("balance_loss f64 [37x6]", &got, 1, [&](size_t) { return ref; });
  }
  {
    auto p = probs(37 * 8, 9);
    const int32_t load[8] = {5, 1, 9, 14, 2, 7, 0, 36};
    double got = 0;
    c.ok("loss_mixed", loss_mixed(p.data(), load, &got));
    double ref =
        moe_ref::balanceLoss<double, double>(p.data(), load, 37, 8, 0.3);
    c.elements("balance_loss f32 -> f64 [37x8]", &got, 1,
               [&](size_t) { return ref; });
  }

  //--- dispatch and combine ----------------------------------------------===//
  {
    const int64_t T = 41, K = 2, D = 16, E = 8, C = 5;
    Dispatched d = checkDispatchF32(c, "dispatch_f32", dispatch_f32, T, C, 10);
    size_t full = 0, outside = 0;
    for (int64_t i = 0; i < T * K; ++i) {
      bool valid = d.idx[i] >= 0 && d.idx[i] < E;
      outside += !valid;
      full += valid && d.refSlot[i] < 0;
    }
    c.expect("dispatch f32: choices dropped at capacity and out of range",
             full > 0 && outside > 0);

    // combine of expert outputs y in those slots.
    auto y = values<float>(E * C * D, 12);
    auto w = values<float>(T * K, 13);
    auto out = output<float>(T * D);
    c.ok("combine_f32", combine_f32(y.data(), w.data(), T, d.idx.data(), T,
                                    d.refSlot.data(), T, out.data(), T));
    std::vector<float> refOut(T * D);
    moe_ref::combine(y.data(), w.data(), d.idx.data(), d.refSlot.data(), T, K,
                     E, C, D, refOut.data());
    c.elements("combine f32 [41x16]", out.data(), T * D,
               [&](size_t i) { return refOut[i]; });
  }
  {
    // 1000 tokens (four chunks of the parallel scans): the ranks of an
    // expert run across chunks and choices, and capacity 200 cuts some
    // experts off in the second choices.
    const int64_t T = 1000, K = 2, E = 8;
    Dispatched d =
        checkDispatchF32(c, "dispatch_big", dispatch_big, T, 200, 20);
    size_t dropped = 0, unused = 0;
    for (int64_t i = 0; i < T * K; ++i)
      dropped += d.idx[i] >= 0 && d.idx[i] < E && d.refSlot[i] < 0;
    for (float v : d.refBuf)
      unused += v == 0.0f;
    c.expect("dispatch f32 [1000x2]: dropped choices and unused slots",
             dropped > 0 && unused > 0);
  }
  // 5000 tokens: 20 chunks, more than one group of 16 in the parallel
  // form's sums; ranks up to the capacity 1500 span all of them.
  checkDispatchF32(c, "dispatch_huge", dispatch_huge, 5000, 1500, 22);
  {
    const int64_t T = 37, K = 3, D = 6, E = 4, C = 20;
    auto x = values<double>(T * D, 14);
    auto idx = indexData<int64_t>(T * K, 15, 0, 4);
    auto buf = output<double>(E * C * D);
    auto slot = output<int32_t>(T * K);
    c.ok("dispatch_f64",
         dispatch_f64(x.data(), idx.data(), buf.data(), slot.data()));
    std::vector<double> refBuf(E * C * D);
    std::vector<int32_t> refSlot(T * K);
    moe_ref::dispatch(x.data(), idx.data(), T, K, D, E, C, refBuf.data(),
                      refSlot.data());
    exactInts(c, "dispatch f64 slots [37x3] E=4 C=20", slot.data(),
              refSlot.data(), T * K);
    c.elements("dispatch f64 buffer [4x20x6]", buf.data(), E * C * D,
               [&](size_t i) { return refBuf[i]; });
    auto y = values<double>(E * C * D, 16);
    auto w = values<double>(T * K, 17);
    auto out = output<double>(T * D);
    c.ok("combine_f64", combine_f64(y.data(), w.data(), idx.data(),
                                    refSlot.data(), out.data()));
    std::vector<double> refOut(T * D);
    moe_ref::combine(y.data(), w.data(), idx.data(), refSlot.data(), T, K, E, C,
                     D, refOut.data());
    c.elements("combine f64 [37x6]", out.data(), T * D,
               [&](size_t i) { return refOut[i]; });
  }

  //--- the chained layer -------------------------------------------------===//
  {
    const int64_t T = 64, K = 2, D = 16, E = 8, C = 20;
    auto x = values<float>(T * D, 18);
    auto logits = values<float>(T * E, 19);
    auto bias = values<float>(E, 20);
    for (float &b : bias)
      b *= 0.25f;
    auto p = probs(T * E, 21);
    const Key key = rng::foldIn(rng::seed(2024), 3);
    auto w = output<float>(T * K), out = output<float>(T * D);
    auto nb = output<float>(E);
    auto idx = output<int32_t>(T * K), load = output<int32_t>(E),
         slot = output<int32_t>(T * K);
    float loss = 0;
    c.ok("layer_f32", layer_f32(x.data(), logits.data(), bias.data(), p.data(),
                                keyBits(key), w.data(), idx.data(), load.data(),
                                nb.data(), slot.data(), out.data(), &loss));
    std::vector<float> rw(T * K), rbuf(E * C * D), rout(T * D);
    std::vector<int32_t> ridx(T * K), rslot(T * K);
    moe_ref::topkGate<float>(logits.data(), bias.data(), T, E, K, 0.5, key,
                             moe_ref::Affinity::SoftmaxTopK, true, rw.data(),
                             ridx.data());
    auto rload = moe_ref::expertLoad(ridx.data(), T * K, E);
    auto rnb = moe_ref::balanceBias(bias.data(), rload.data(), E, 1e-3);
    moe_ref::dispatch(x.data(), ridx.data(), T, K, D, E, C, rbuf.data(),
                      rslot.data());
    for (float &v : rbuf)
      v = v + v;
    moe_ref::combine(rbuf.data(), rw.data(), ridx.data(), rslot.data(), T, K, E,
                     C, D, rout.data());
    float rloss =
        moe_ref::balanceLoss<float, float>(p.data(), rload.data(), T, E, 1e-2);
    exactInts(c, "layer f32 indices", idx.data(), ridx.data(), T * K);
    bool wOk = true;
    for (int64_t i = 0; i < T * K; ++i)
      wOk &= std::fabs(w[i] - rw[i]) <= 1e-6 * std::fabs(rw[i]);
    c.expect("layer f32 weights within 1e-6", wOk);
    c.digest(w.data(), T * K);
    exactInts(c, "layer f32 load", load.data(), rload.data(), E);
    c.elements("layer f32 new bias", nb.data(), E,
               [&](size_t i) { return rnb[i]; });
    exactInts(c, "layer f32 slots", slot.data(), rslot.data(), T * K);
    // The weights may differ by an ulp (exp), so out within 1e-6 of the
    // magnitude of its terms.
    bool outOk = true;
    for (int64_t t = 0; t < T; ++t)
      for (int64_t d = 0; d < D; ++d) {
        double mag = 0;
        for (int64_t j = 0; j < K; ++j)
          if (rslot[t * K + j] >= 0)
            mag += std::fabs(
                double(rw[t * K + j]) *
                rbuf[(ridx[t * K + j] * C + rslot[t * K + j]) * D + d]);
        outOk &=
            std::fabs(double(out[t * D + d]) - rout[t * D + d]) <= 1e-6 * mag;
      }
    c.expect("layer f32 out within 1e-6", outOk);
    c.digest(out.data(), T * D);
    c.elements("layer f32 loss", &loss, 1, [&](size_t) { return rloss; });
  }
}

} // namespace

int main() {
  Checker c;
  suite(c);
  // The whole suite again: every output byte must repeat.
  Checker again;
  std::fflush(stdout);
  int saved = dup(1), null = open("/dev/null", O_WRONLY);
  dup2(null, 1);
  suite(again);
  std::fflush(stdout);
  dup2(saved, 1);
  close(null);
  close(saved);
  c.expect("run to run identical", again.hash == c.hash && !again.failures);
  return c.finish();
}
