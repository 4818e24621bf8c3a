//===- keys.cpp - driver of keys.mlir
//--------------------------------------===//
//
// Key derivation (seed, split, fold_in) compiled by sto-compile against the
// reference of sto/Runtime/Philox.h: keys returned through the C ABI
// (uint64_t, word 0 in the low half), derived in scf.for loops and passed
// along cf branches, and samples drawn from derived keys.
//
//===----------------------------------------------------------------------===//

#include "keys.h"

#include "check.h"

#include <climits>

using namespace check;
namespace rng = sto::rng;

int main() {
  Checker c;
  for (int64_t s : {int64_t(42), int64_t(-1), int64_t(INT64_MIN), int64_t(0)}) {
    for (int64_t d : {int64_t(0), int64_t(-7), int64_t(1) << 40}) {
      uint64_t out[4];
      std::memset(out, 0x7F, sizeof out);
      c.ok("derive", derive(s, d, 5, &out[0], &out[1], &out[2], &out[3]));
      Key k = rng::seed(s);
      Key c2 = rng::split(k, 3, 2);
      const Key want[4] = {rng::split(rng::split(k, 3, 0), 1, 0),
                           rng::foldIn(rng::split(k, 3, 1), d),
                           rng::foldIn(rng::split(c2, 2, 0), 5),
                           rng::split(c2, 2, 1)};
      std::string what =
          "derive seed " + std::to_string(s) + " data " + std::to_string(d);
      c.elements(what, out, 4, [&](size_t i) { return keyBits(want[i]); });
    }
  }
  // split by 1 is the identity.
  {
    uint64_t out[4];
    c.ok("derive", derive(42, 0, 0, &out[0], &out[1], &out[2], &out[3]));
    c.expect("split count 1 is the identity",
             out[0] == keyBits(rng::split(rng::seed(42), 3, 0)));
  }
  // The known answers of docs/Randomness.md 9.1, from the compiled code.
  {
    uint64_t a = 0, b = 0, f0 = 0, f1 = 0;
    c.ok("split2", split2(42, &a, &b));
    c.ok("fold", fold(42, 0, &f0));
    c.ok("fold", fold(42, 1, &f1));
    c.expect("split(seed(42), 2, 0) = (45e84dd0, 9fa2fbe8)",
             a == 0x9fa2fbe845e84dd0ull);
    c.expect("split(seed(42), 2, 1) = (949126c2, e59a15d7)",
             b == 0xe59a15d7949126c2ull);
    c.expect("fold_in(seed(42), 0) = (8cde6fa1, 518666b0)",
             f0 == 0x518666b08cde6fa1ull);
    c.expect("fold_in(seed(42), 1) = (edf741e9, fbf83a27)",
             f1 == 0xfbf83a27edf741e9ull);
  }

  // c_{j+1} = fold_in(split(c_j, 3, 1), j), in an scf.for loop.
  for (int64_t n : {0, 1, 100}) {
    Key k = Key{{0x01234567u, 0x89ABCDEFu}};
    uint64_t got = 0;
    c.ok("chain", chain(keyBits(k), n, &got));
    for (int64_t j = 0; j < n; ++j)
      k = rng::foldIn(rng::split(k, 3, 1), j);
    std::string what = "key chain scf.for n=" + std::to_string(n);
    c.elements(what, &got, 1, [&](size_t) { return keyBits(k); });
  }

  // A key passed along cf branches.
  {
    const Key k = rng::seed(99);
    auto u = output<float>(5), z = output<float>(5);
    c.ok("branchy", branchy(keyBits(k), true, u.data()));
    c.ok("branchy", branchy(keyBits(k), false, z.data()));
    c.elements("cf branch uniform f32 [5]", u.data(), 5,
               [&](size_t i) { return rng::uniform<float>(k, i, 0, 1); });
    c.elements("cf branch normal f32 [5]", z.data(), 5,
               [&](size_t i) { return rng::normal<float>(k, i, 0, 1); });
  }

  // Samples from derived keys.
  for (int64_t s : {int64_t(7), int64_t(-7)}) {
    auto u = output<float>(111);
    auto n = output<uint16_t>(1024);
    auto v = output<double>(5);
    c.ok("derived_samples",
         derived_samples(s, 3, u.data(), n.data(), v.data()));
    Key k = rng::seed(s);
    Key fa = rng::foldIn(rng::split(k, 2, 0), 3);
    Key b = rng::split(k, 2, 1);
    Key b0 = rng::split(b, 2, 0), b1 = rng::split(b, 2, 1);
    std::string seed = " seed " + std::to_string(s);
    c.elements("uniform f32 [3x37] fold_in(split) key" + seed, u.data(), 111,
               [&](size_t i) { return rng::uniform<float>(fa, i, 0, 1); });
    c.elements("normal f16 [8x128] split(split) key" + seed, n.data(), 1024,
               [&](size_t i) { return rng::normal<f16>(b0, i, 0, 3); });
    c.elements("uniform f64 [5] split(split) key" + seed, v.data(), 5,
               [&](size_t i) { return rng::uniform<double>(b1, i, -4, 4); });
  }

  // SGLD in an scf.for loop: one derived key per step.
  {
    const Key k0 = rng::seed(31337);
    auto p0 = makeInputs<float>(37, 51), g = makeInputs<float>(37, 52);
    auto got = output<float>(37);
    c.ok("sgld", sgld(keyBits(k0), p0.data(), g.data(), 20, got.data()));
    std::vector<float> p(p0.begin(), p0.end());
    Key k = k0;
    for (int64_t j = 0; j < 20; ++j) {
      Key now = rng::split(k, 2, 0), next = rng::split(k, 2, 1);
      Key ks = rng::foldIn(now, j);
      for (size_t i = 0; i < 37; ++i)
        p[i] = rng::langevinStep<float>(ks, i, p[i], g[i], 1e-2, 1e-1);
      k = next;
    }
    c.elements("sgld f32 [37] 20 steps", got.data(), 37,
               [&](size_t i) { return p[i]; });
  }
  // arith.select between two keys: each selector value picks its key.
  {
    const Key ka = rng::seed(1234), kb = rng::split(rng::seed(1234), 2, 1);
    auto x = makeInputs<float>(37, 53);
    for (bool sel : {true, false}) {
      auto got = output<float>(37);
      c.ok("select_dropout",
           select_dropout(keyBits(ka), keyBits(kb), sel, x.data(), got.data()));
      const Key k = sel ? ka : kb;
      std::string what =
          sel ? "select true: dropout f32 [37] with the first key"
              : "select false: dropout f32 [37] with the second key";
      c.elements(what, got.data(), 37, [&](size_t i) {
        return rng::dropout<float>(k, i, x[i], 0.3);
      });
    }
  }
  return c.finish();
}
