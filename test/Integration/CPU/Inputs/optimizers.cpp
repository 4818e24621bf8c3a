//===- optimizers.cpp - driver of optimizers.mlir
//--------------------------===//
//
// langevin_step, spsa_perturb, spsa_update and average compiled by
// sto-compile against the reference of sto/Runtime/Philox.h (average: the
// deterministic formula RN_T(fma(w, C(p) - C(avg), C(avg)))), every element
// bit for bit, for f32, f64, f16 and bf16.
//
//===----------------------------------------------------------------------===//

#include "optimizers.h"

#include "check.h"

using namespace check;
namespace rng = sto::rng;

namespace {

template <class T>
using LangevinFn = int32_t (*)(uint64_t, const AbiT<T> *, const AbiT<T> *,
                               AbiT<T> *);
template <class T>
using UpdateFn = int32_t (*)(uint64_t, const AbiT<T> *, float, AbiT<T> *);
template <class T>
using AverageFn = int32_t (*)(const AbiT<T> *, const AbiT<T> *, int64_t,
                              AbiT<T> *);

template <class T>
void langevin(Checker &c, LangevinFn<T> fn, Key k, double lr = 0.01,
              double temperature = 0.5, const char *what0 = "lr 0.01 T 0.5") {
  auto p = makeInputs<T>(111, 31), g = makeInputs<T>(111, 32);
  auto y = output<AbiT<T>>(111);
  std::string what = name<T>("langevin_step", "[3x37] ") + what0;
  c.ok(what, fn(keyBits(k), p.data(), g.data(), y.data()));
  c.elements(what, y.data(), 111, [&](size_t i) {
    return rng::langevinStep<T>(k, i, fromAbi<T>(p[i]), fromAbi<T>(g[i]), lr,
                                temperature);
  });
}

template <class T>
void spsa(Checker &c, KeyUnaryFn<T> perturb, UpdateFn<T> update, Key k) {
  c.keyUnary<T>(
      name<T>("spsa_perturb", "[3x37] scale 1e-3"), perturb, k, 111, 33, false,
      [&](size_t i, T p) { return rng::spsaPerturb<T>(k, i, p, 1e-3); });
  auto p = makeInputs<T>(111, 34);
  auto y = output<AbiT<T>>(111);
  const float g = -3.75f;
  std::string what = name<T>("spsa_update", "[3x37] lr 1e-4 g f32");
  c.ok(what, update(keyBits(k), p.data(), g, y.data()));
  c.elements(what, y.data(), 111, [&](size_t i) {
    return rng::spsaUpdate<T>(k, i, fromAbi<T>(p[i]), double(g), 1e-4);
  });
}

/// The deterministic sto.average: RN_T(fma(w, C(p) - C(avg), C(avg))).
template <class T> T averageRef(T avg, T p, rng::ComputeType<T> w) {
  using E = rng::ElementType<T>;
  auto a = E::widen(avg);
  return E::narrow(rng::cfma(w, rng::csub(E::widen(p), a), a));
}
template <class T> rng::ComputeType<T> swaWeight(int64_t count) {
  using C = rng::ComputeType<T>;
  return C(1) / C(count + 1);
}
template <class T> rng::ComputeType<T> emaWeight(double decay) {
  using C = rng::ComputeType<T>;
  return C(1.0 - decay);
}

template <class T>
void average(Checker &c, AverageFn<T> swa, AverageFn<T> ema,
             AverageFn<T> ema0 = nullptr) {
  auto a = makeInputs<T>(111, 35), p = makeInputs<T>(111, 36);
  for (int64_t count : {int64_t(0), int64_t(3), int64_t(123456789)}) {
    auto y = output<AbiT<T>>(111);
    std::string what =
        name<T>("average", "[3x37] swa count ") + std::to_string(count);
    c.ok(what, swa(a.data(), p.data(), count, y.data()));
    c.elements(what, y.data(), 111, [&](size_t i) {
      return averageRef<T>(fromAbi<T>(a[i]), fromAbi<T>(p[i]),
                           swaWeight<T>(count));
    });
  }
  auto y = output<AbiT<T>>(111);
  std::string what = name<T>("average", "[3x37] ema decay 0.9");
  c.ok(what, ema(a.data(), p.data(), 17, y.data()));
  c.elements(what, y.data(), 111, [&](size_t i) {
    return averageRef<T>(fromAbi<T>(a[i]), fromAbi<T>(p[i]), emaWeight<T>(0.9));
  });
  if (!ema0)
    return;
  // Decay 0 is the formula with w = 1, which is not `param` (no fold).
  what = name<T>("average", "[3x37] ema decay 0");
  c.ok(what, ema0(a.data(), p.data(), 17, y.data()));
  c.elements(what, y.data(), 111, [&](size_t i) {
    return averageRef<T>(fromAbi<T>(a[i]), fromAbi<T>(p[i]), emaWeight<T>(0.0));
  });
}

} // namespace

int main() {
  Checker c;
  const Key kl = rng::foldIn(rng::seed(2024), -3);
  langevin<float>(c, langevin_f32, kl);
  langevin<double>(c, langevin_f64, kl);
  langevin<f16>(c, langevin_f16, kl);
  langevin<bf16>(c, langevin_bf16, kl);
  // Temperature 0: one fma in the compute type, no noise.
  langevin<float>(c, langevin_t0_f32, kl, 0.1, 0.0, "lr 0.1 T 0");
  langevin<f16>(c, langevin_t0_f16, kl, 0.1, 0.0, "lr 0.1 T 0");
  {
    auto p = makeInputs<float>(1024, 37), g = makeInputs<float>(1024, 38);
    auto y = output<float>(1024);
    c.ok("langevin_8x128",
         langevin_8x128(keyBits(kl), p.data(), g.data(), y.data()));
    c.elements("langevin_step f32 [8x128] lr 0.05 T 2^-10", y.data(), 1024,
               [&](size_t i) {
                 return rng::langevinStep<float>(kl, i, p[i], g[i], 0.05,
                                                 9.765625e-04);
               });
  }
  {
    auto p = makeInputs<float>(4 * 6, 39), g = makeInputs<float>(4 * 6, 40);
    auto y = output<float>(4 * 6);
    c.ok("langevin_dyn",
         langevin_dyn(keyBits(kl), p.data(), 4, g.data(), 4, y.data(), 4));
    c.elements("langevin_step f32 [?x2x3] n=4 lr 0.1 T 1", y.data(), 24,
               [&](size_t i) {
                 return rng::langevinStep<float>(kl, i, p[i], g[i], 0.1, 1.0);
               });
  }

  const Key kz = rng::seed(-123456789);
  spsa<float>(c, spsa_perturb_f32, spsa_update_f32, kz);
  spsa<double>(c, spsa_perturb_f64, spsa_update_f64, kz);
  spsa<f16>(c, spsa_perturb_f16, spsa_update_f16, kz);
  spsa<bf16>(c, spsa_perturb_bf16, spsa_update_bf16, kz);
  {
    auto p = makeInputs<float>(1024, 41);
    auto y = output<float>(1024);
    const double g = 0.1234567890123;
    c.ok("spsa_update_g64",
         spsa_update_g64(keyBits(kz), p.data(), g, y.data()));
    c.elements(
        "spsa_update f32 [8x128] lr 0.1 g f64", y.data(), 1024,
        [&](size_t i) { return rng::spsaUpdate<float>(kz, i, p[i], g, 0.1); });
  }
  {
    auto p = makeInputs<float>(5, 42);
    auto plus = output<float>(5), minus = output<float>(5),
         updated = output<float>(5);
    c.ok("mezo", mezo(keyBits(kz), p.data(), 0.5f, plus.data(), minus.data(),
                      updated.data()));
    std::vector<float> rp(5), rm(5), rb(5);
    for (size_t i = 0; i < 5; ++i) {
      rp[i] = rng::spsaPerturb<float>(kz, i, p[i], 1e-3);
      rm[i] = rng::spsaPerturb<float>(kz, i, rp[i], -2e-3);
      rb[i] = rng::spsaPerturb<float>(kz, i, rm[i], 1e-3);
    }
    c.elements("mezo f32 [5] p + eps z", plus.data(), 5,
               [&](size_t i) { return rp[i]; });
    c.elements("mezo f32 [5] p - eps z", minus.data(), 5,
               [&](size_t i) { return rm[i]; });
    c.elements("mezo f32 [5] update", updated.data(), 5, [&](size_t i) {
      return rng::spsaUpdate<float>(kz, i, rb[i], 0.5, 1e-2);
    });
  }

  average<float>(c, swa_f32, ema_f32, ema0_f32);
  average<double>(c, swa_f64, ema_f64);
  average<f16>(c, swa_f16, ema_f16);
  average<bf16>(c, swa_bf16, ema_bf16);
  {
    auto a = makeInputs<float>(10, 43), p = makeInputs<float>(10, 44);
    auto y = output<float>(10);
    c.ok("swa_i64_dyn",
         swa_i64_dyn(a.data(), 10, p.data(), 10, 41, y.data(), 10));
    c.elements("average f32 [?] n=10 swa i64 count 41", y.data(), 10,
               [&](size_t i) {
                 return averageRef<float>(a[i], p[i], swaWeight<float>(41));
               });
  }
  {
    auto a = makeInputs<double>(1, 45), p = makeInputs<double>(4, 46);
    auto y = output<double>(1);
    c.ok("ema_rank0", ema_rank0(a.data(), p.data() + 3, 5, y.data()));
    c.elements("average f64 [] ema decay 0.999", y.data(), 1, [&](size_t) {
      return averageRef<double>(a[0], p[3], emaWeight<double>(0.999));
    });
  }
  return c.finish();
}
