//===- layers.cpp - driver of layers.mlir
//----------------------------------===//
//
// dropout, noise (both kinds, both modes) and stochastic_binary (both forward
// rules) compiled by sto-compile against the reference of sto/Runtime/Philox.h,
// every element bit for bit, for f32, f64, f16 and bf16.
//
//===----------------------------------------------------------------------===//

#include "layers.h"

#include "check.h"

#include <limits>

using namespace check;
namespace rng = sto::rng;

namespace {

template <class T>
void dropout(Checker &c, KeyUnaryFn<T> fn, Key k, double rate) {
  c.keyUnary<T>(name<T>("dropout", "[3x37] rate 0.1"), fn, k, 111, 11, false,
                [&](size_t i, T x) { return rng::dropout<T>(k, i, x, rate); });
}

template <class T>
void noise(Checker &c, const char *what, KeyUnaryFn<T> fn, Key k,
           rng::NoiseKind kind, rng::NoiseMode mode, double scale) {
  c.keyUnary<T>(
      name<T>("noise", what), fn, k, 111, 12, false,
      [&](size_t i, T x) { return rng::noise<T>(k, i, x, kind, mode, scale); });
}

template <class T>
void binary(Checker &c, KeyUnaryFn<T> st, KeyUnaryFn<T> sts, Key k) {
  c.keyUnary<T>(
      name<T>("stochastic_binary", "[3x37] straight_through"), st, k, 111, 13,
      true, [&](size_t i, T p) { return rng::stochasticBinary<T>(k, i, p); });
  c.keyUnary<T>(name<T>("stochastic_binary", "[3x37] stochastic_times_smooth"),
                sts, k, 111, 14, true, [&](size_t i, T p) {
                  return rng::stochasticTimesSmooth<T>(k, i, p);
                });
}

} // namespace

int main() {
  Checker c;
  const Key kd = rng::seed(-5);
  dropout<float>(c, dropout_f32, kd, 0.1);
  dropout<double>(c, dropout_f64, kd, 0.1);
  dropout<f16>(c, dropout_f16, kd, 0.1);
  dropout<bf16>(c, dropout_bf16, kd, 0.1);
  c.keyUnary<float>(
      "dropout f32 [8x128] rate 0.5", dropout_half_8x128, kd, 1024, 15, false,
      [&](size_t i, float x) { return rng::dropout<float>(kd, i, x, 0.5); });
  {
    auto x = makeInputs<float>(9 * 5, 16);
    auto y = output<float>(9 * 5);
    c.ok("dropout_dyn", dropout_dyn(keyBits(kd), x.data(), 9, y.data(), 9));
    c.elements("dropout f32 [?x5] n=9 rate 0.9", y.data(), 45,
               [&](size_t i) { return rng::dropout<float>(kd, i, x[i], 0.9); });
  }
  c.keyUnary<double>(
      "dropout f64 [] rate 0.3", dropout_rank0, kd, 1, 17, false,
      [&](size_t i, double x) { return rng::dropout<double>(kd, i, x, 0.3); });
  c.keyUnary<float>(
      "dropout f32 [5] rate 0", dropout_rate0, kd, 5, 18, false,
      [&](size_t i, float x) { return rng::dropout<float>(kd, i, x, 0.0); });
  {
    // NaN, infinities and signed zeros: dropped elements are +0.0.
    const float specials[] = {std::numeric_limits<float>::quiet_NaN(),
                              -std::numeric_limits<float>::quiet_NaN(),
                              std::numeric_limits<float>::infinity(),
                              -std::numeric_limits<float>::infinity(),
                              -0.0f,
                              0.0f,
                              -1.0f,
                              3.0e38f};
    std::vector<float> x(64);
    for (size_t i = 0; i < x.size(); ++i)
      x[i] = specials[i % 8];
    auto y = output<float>(64);
    c.ok("dropout_specials", dropout_specials(keyBits(kd), x.data(), y.data()));
    c.elements("dropout f32 [64] NaN/inf/-0 inputs", y.data(), 64,
               [&](size_t i) { return rng::dropout<float>(kd, i, x[i], 0.5); });
  }

  using K = rng::NoiseKind;
  using M = rng::NoiseMode;
  const Key kn = rng::foldIn(rng::seed(3), 77);
#define NOISE(T, t)                                                            \
  noise<T>(c, "[3x37] gaussian additive 0.25", noise_ga_##t, kn, K::Gaussian,  \
           M::Additive, 0.25);                                                 \
  noise<T>(c, "[3x37] gaussian multiplicative 0.1", noise_gm_##t, kn,          \
           K::Gaussian, M::Multiplicative, 0.1);                               \
  noise<T>(c, "[3x37] uniform additive 0.5", noise_ua_##t, kn, K::Uniform,     \
           M::Additive, 0.5);                                                  \
  noise<T>(c, "[3x37] uniform multiplicative 0.2", noise_um_##t, kn,           \
           K::Uniform, M::Multiplicative, 0.2);
  NOISE(float, f32)
  NOISE(double, f64)
  NOISE(f16, f16)
  NOISE(bf16, bf16)
#undef NOISE
  c.keyUnary<float>("noise f32 [2x3x7] gaussian additive 0.1", noise_rank3, kn,
                    42, 19, false, [&](size_t i, float x) {
                      return rng::noise<float>(kn, i, x, K::Gaussian,
                                               M::Additive, 0.1);
                    });
  {
    auto x = makeInputs<bf16>(6 * 7, 20);
    auto y = output<uint16_t>(6 * 7);
    c.ok("noise_dyn", noise_dyn(keyBits(kn), x.data(), 6, 7, y.data(), 6, 7));
    c.elements("noise bf16 [?x?] 6x7 uniform additive 0.1", y.data(), 42,
               [&](size_t i) {
                 return rng::noise<bf16>(kn, i, bf16{x[i]}, K::Uniform,
                                         M::Additive, 0.1);
               });
  }

  const Key ks = rng::split(rng::seed(11), 4, 3);
  binary<float>(c, sbn_st_f32, sbn_sts_f32, ks);
  binary<double>(c, sbn_st_f64, sbn_sts_f64, ks);
  binary<f16>(c, sbn_st_f16, sbn_sts_f16, ks);
  binary<bf16>(c, sbn_st_bf16, sbn_sts_bf16, ks);
  c.keyUnary<float>("stochastic_binary f32 [8x128] reinforce", sbn_reinforce,
                    ks, 1024, 21, true, [&](size_t i, float p) {
                      return rng::stochasticBinary<float>(ks, i, p);
                    });
  {
    auto p = makeInputs<float>(77, 22, true);
    auto y = output<float>(77);
    c.ok("sbn_sigmoid_dyn",
         sbn_sigmoid_dyn(keyBits(ks), p.data(), 77, y.data(), 77));
    c.elements(
        "stochastic_binary f32 [?] n=77 straight_through_sigmoid", y.data(), 77,
        [&](size_t i) { return rng::stochasticBinary<float>(ks, i, p[i]); });
  }
  return c.finish();
}
