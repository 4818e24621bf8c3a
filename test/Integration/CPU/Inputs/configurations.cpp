//===- configurations.cpp - driver of configurations.mlir
//------------------===//
//
// Runs one program, compiled several ways (OpenMP or not, SSE2, AVX2 or the
// host's vector width, -O0), and checks every element against the reference
// sto/Runtime/Philox.h. The printed lines and the digest of all results are
// the same for every configuration and thread count, which the test checks
// with `diff`. It also checks that dropout(x + b) gives the same bits fused
// into one function and split over two.
//
//===----------------------------------------------------------------------===//

#include "configurations.h"

#include "check.h"

using namespace check;
namespace rng = sto::rng;

int main() {
  Checker c;
  const Key k = rng::seed(-20260101);

  // dropout(x + b): fused in one function and split over two.
  {
    auto x = makeInputs<float>(64 * 37, 71), b = makeInputs<float>(37, 72);
    auto fusedOut = output<float>(64 * 37), h = output<float>(64 * 37),
         unfusedOut = output<float>(64 * 37);
    c.ok("fused", fused(keyBits(k), x.data(), b.data(), fusedOut.data()));
    c.ok("add_bias", add_bias(x.data(), b.data(), h.data()));
    c.ok("drop", drop(keyBits(k), h.data(), unfusedOut.data()));
    auto ref = [&](size_t i) {
      float hi = rng::fadd(x[i], b[i % 37]);
      return rng::dropout<float>(k, i, hi, 0.25);
    };
    c.elements("dropout(x + b) f32 [64x37] fused", fusedOut.data(), 64 * 37,
               ref);
    c.elements("dropout(x + b) f32 [64x37] unfused", unfusedOut.data(), 64 * 37,
               ref);
    c.elements("dropout(x + b) f32 [64x37] fused vs unfused", fusedOut.data(),
               64 * 37, [&](size_t i) { return unfusedOut[i]; });
  }
  {
    auto x = makeInputs<float>(1000 * 37, 73);
    auto y = output<float>(1000 * 37);
    c.ok("noisy", noisy(keyBits(k), x.data(), y.data()));
    c.elements("noise f32 [1000x37] gaussian additive 0.1", y.data(), 1000 * 37,
               [&](size_t i) {
                 return rng::noise<float>(k, i, x[i], rng::NoiseKind::Gaussian,
                                          rng::NoiseMode::Additive, 0.1);
               });
  }
  for (int64_t n : {1, 7, 64}) {
    auto y = output<float>(n * 128);
    c.ok("normal_dyn", normal_dyn(keyBits(k), n, y.data(), n));
    c.elements("normal f32 [?x128] n=" + std::to_string(n), y.data(), n * 128,
               [&](size_t i) { return rng::normal<float>(k, i, 0, 1); });
  }
  {
    auto x = makeInputs<bf16>(1024, 74);
    auto p = makeInputs<f16>(111, 75, /*prob=*/true);
    auto y = output<uint16_t>(1024), z = output<uint16_t>(111);
    c.ok("narrow", narrow(keyBits(k), x.data(), p.data(), y.data(), z.data()));
    Key a = rng::split(k, 2, 0), b = rng::split(k, 2, 1);
    c.elements("noise bf16 [8x128] uniform multiplicative 0.5", y.data(), 1024,
               [&](size_t i) {
                 return rng::noise<bf16>(a, i, bf16{x[i]},
                                         rng::NoiseKind::Uniform,
                                         rng::NoiseMode::Multiplicative, 0.5);
               });
    c.elements("stochastic_binary f16 [3x37] stochastic_times_smooth", z.data(),
               111, [&](size_t i) {
                 return rng::stochasticTimesSmooth<f16>(b, i, f16{p[i]});
               });
  }
  {
    const size_t n = 2 * 3 * 40;
    auto p = makeInputs<double>(n, 76), g = makeInputs<double>(n, 77),
         a = makeInputs<double>(n, 78);
    auto q = output<double>(n), avg = output<double>(n);
    c.ok("langevin_f64", langevin_f64(keyBits(k), p.data(), g.data(), a.data(),
                                      4, q.data(), avg.data()));
    c.elements("langevin_step f64 [2x3x40]", q.data(), n, [&](size_t i) {
      return rng::langevinStep<double>(k, i, p[i], g[i], 1e-2, 1e-1);
    });
    c.elements(
        "average f64 [2x3x40] swa count 4", avg.data(), n, [&](size_t i) {
          double qi = rng::langevinStep<double>(k, i, p[i], g[i], 1e-2, 1e-1);
          return rng::dfma(1.0 / 5.0, rng::dsub(qi, a[i]), a[i]);
        });
  }
  // Long rows in blocked form: several vector iterations and a remainder.
  {
    auto x = makeInputs<float>(4200, 79);
    auto p = makeInputs<float>(3000, 80, /*prob=*/true);
    auto y = output<float>(4200), h = output<float>(3000);
    c.ok("long_rows",
         long_rows(keyBits(k), x.data(), p.data(), y.data(), h.data()));
    Key a = rng::split(k, 2, 0), b = rng::split(k, 2, 1);
    c.elements("noise f32 [4200] gaussian additive 0.25", y.data(), 4200,
               [&](size_t i) {
                 return rng::noise<float>(a, i, x[i], rng::NoiseKind::Gaussian,
                                          rng::NoiseMode::Additive, 0.25);
               });
    c.elements("stochastic_binary f32 [3x1000]", h.data(), 3000, [&](size_t i) {
      return rng::stochasticBinary<float>(b, i, p[i]);
    });
  }
  return c.finish();
}
