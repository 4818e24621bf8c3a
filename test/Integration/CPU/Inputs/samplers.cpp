//===- samplers.cpp - driver of samplers.mlir
//------------------------------===//
//
// uniform, normal and bernoulli compiled by sto-compile against the reference
// samplers of sto/Runtime/Philox.h, every element bit for bit.
//
//===----------------------------------------------------------------------===//

#include "samplers.h"

#include "check.h"

#include <climits>

using namespace check;
namespace rng = sto::rng;

namespace {

template <class T> struct Uniform {
  Key k;
  double lo, hi;
  T operator()(size_t i) const { return rng::uniform<T>(k, i, lo, hi); }
};
template <class T> struct Normal {
  Key k;
  double mean, stddev;
  T operator()(size_t i) const { return rng::normal<T>(k, i, mean, stddev); }
};

} // namespace

int main() {
  Checker c;
  const Key k42 = rng::seed(42);

  //--- uniform ----------------------------------------------------------===//
  for (int64_t s : {int64_t(42), int64_t(-1), int64_t(INT64_MIN)}) {
    auto out = output<float>(111);
    c.ok("uniform_3x37", uniform_3x37(s, out.data()));
    const char *name = s == 42   ? "uniform f32 [3x37] seed 42"
                       : s == -1 ? "uniform f32 [3x37] seed -1"
                                 : "uniform f32 [3x37] seed INT64_MIN";
    c.elements(name, out.data(), 111, Uniform<float>{rng::seed(s), 0, 1});
  }
  {
    auto out = output<float>(1024);
    c.ok("uniform_8x128", uniform_8x128(7, out.data()));
    c.elements("uniform f32 [8x128] [-2.5, 3)", out.data(), 1024,
               Uniform<float>{rng::seed(7), -2.5, 3.0});
  }
  {
    auto out = output<float>(1);
    c.ok("uniform_1", uniform_1(42, out.data()));
    c.elements("uniform f32 [1]", out.data(), 1, Uniform<float>{k42, 0, 1});
  }
  {
    auto out = output<float>(5);
    c.ok("uniform_5", uniform_5(42, out.data()));
    c.elements("uniform f32 [5]", out.data(), 5, Uniform<float>{k42, 0, 1});
  }
  {
    auto out = output<float>(1);
    c.ok("uniform_rank0", uniform_rank0(-3, out.data()));
    c.elements("uniform f32 []", out.data(), 1,
               Uniform<float>{rng::seed(-3), 0, 1});
  }
  {
    auto out = output<float>(42);
    c.ok("uniform_2x3x7", uniform_2x3x7(5, out.data()));
    c.elements("uniform f32 [2x3x7]", out.data(), 42,
               Uniform<float>{rng::seed(5), 0, 1});
  }
  const Key kArb = Key{{0xDEADBEEFu, 0x12345678u}};
  {
    auto out = output<float>(9 * 37);
    c.ok("uniform_dyn", uniform_dyn(keyBits(kArb), 9, out.data(), 9));
    c.elements("uniform f32 [?x37] n=9", out.data(), 9 * 37,
               Uniform<float>{kArb, 0, 1});
    // An empty result: nothing written, status 0.
    auto none = output<float>(1);
    c.ok("uniform_dyn n=0", uniform_dyn(keyBits(kArb), 0, none.data(), 0));
    c.elements("uniform f32 [?x37] n=0", none.data(), 0,
               Uniform<float>{kArb, 0, 1});
    c.expect("uniform f32 [?x37] n=0 leaves the buffer alone",
             rawBitsAt(none.data()) == 0x7F7F7F7Fu);
  }
  {
    auto out = output<float>(60);
    c.ok("uniform_dyn3", uniform_dyn3(keyBits(kArb), 4, 5, out.data(), 4, 5));
    c.elements("uniform f32 [?x3x?] 4x3x5", out.data(), 60,
               Uniform<float>{kArb, 0, 1});
  }
  {
    auto out = output<float>(4096);
    c.ok("uniform_clamp_f32", uniform_clamp_f32(42, out.data()));
    c.elements("uniform f32 [1e6, 1e6+1) clamp [4096]", out.data(), 4096,
               Uniform<float>{k42, 1.0e6, 1000001.0});
    size_t clamped = 0;
    for (float v : out)
      clamped += v == 1000000.9375f;
    c.expect("uniform f32 clamp reached", clamped > 0);
  }
  {
    auto out = output<double>(111);
    c.ok("uniform_f64", uniform_f64(42, out.data()));
    c.elements("uniform f64 [3x37] [-1, 1)", out.data(), 111,
               Uniform<double>{k42, -1, 1});
  }
  {
    auto out = output<double>(1024);
    c.ok("uniform_clamp_f64", uniform_clamp_f64(42, out.data()));
    c.elements("uniform f64 [2^50, 2^50+1) clamp [1024]", out.data(), 1024,
               Uniform<double>{k42, 0x1p50, 0x1p50 + 1});
    size_t clamped = 0;
    for (double v : out)
      clamped += v == 0x1p50 + 0.75;
    c.expect("uniform f64 clamp reached", clamped > 0);
  }
  {
    auto out = output<uint16_t>(111);
    c.ok("uniform_f16", uniform_f16(42, out.data()));
    c.elements("uniform f16 [3x37] [-1, 1)", out.data(), 111,
               Uniform<f16>{k42, -1, 1});
  }
  {
    auto out = output<uint16_t>(1024);
    c.ok("uniform_clamp_f16", uniform_clamp_f16(42, out.data()));
    c.elements("uniform f16 [1000, 1001) clamp [8x128]", out.data(), 1024,
               Uniform<f16>{k42, 1000, 1001});
    size_t clamped = 0;
    for (uint16_t v : out)
      clamped += v == rng::toF16(1000.5).bits;
    c.expect("uniform f16 clamp reached", clamped > 0);
  }
  {
    auto out = output<uint16_t>(111);
    c.ok("uniform_bf16", uniform_bf16(42, out.data()));
    c.elements("uniform bf16 [3x37] [0.1, 0.7)", out.data(), 111,
               Uniform<bf16>{k42, 0.1, 0.7});
  }
  {
    auto out = output<uint16_t>(1024);
    c.ok("uniform_clamp_bf16", uniform_clamp_bf16(42, out.data()));
    c.elements("uniform bf16 [100, 101) clamp [8x128]", out.data(), 1024,
               Uniform<bf16>{k42, 100, 101});
    size_t clamped = 0;
    for (uint16_t v : out)
      clamped += v == rng::toBF16(100.5).bits;
    c.expect("uniform bf16 clamp reached", clamped > 0);
  }

  //--- normal -----------------------------------------------------------===//
  {
    auto out = output<float>(111);
    c.ok("normal_3x37", normal_3x37(42, out.data()));
    c.elements("normal f32 [3x37] seed 42", out.data(), 111,
               Normal<float>{k42, 0, 1});
  }
  {
    auto out = output<float>(1024);
    c.ok("normal_8x128", normal_8x128(-42, out.data()));
    c.elements("normal f32 [8x128] mean 0.5 stddev 2", out.data(), 1024,
               Normal<float>{rng::seed(-42), 0.5, 2});
  }
  {
    auto out = output<float>(5);
    c.ok("normal_5", normal_5(42, out.data()));
    c.elements("normal f32 [5]", out.data(), 5, Normal<float>{k42, 0, 1});
  }
  {
    auto out = output<float>(1);
    c.ok("normal_rank0", normal_rank0(42, out.data()));
    c.elements("normal f32 []", out.data(), 1, Normal<float>{k42, 0, 1});
  }
  {
    auto out = output<float>(42);
    c.ok("normal_2x3x7", normal_2x3x7(9, out.data()));
    c.elements("normal f32 [2x3x7]", out.data(), 42,
               Normal<float>{rng::seed(9), 0, 1});
  }
  {
    auto out = output<float>(35);
    c.ok("normal_dyn", normal_dyn(keyBits(kArb), 7, out.data(), 7));
    c.elements("normal f32 [?x5] n=7", out.data(), 35,
               Normal<float>{kArb, 0, 1});
  }
  {
    auto out = output<double>(111);
    c.ok("normal_f64", normal_f64(42, out.data()));
    c.elements("normal f64 [3x37]", out.data(), 111,
               Normal<double>{k42, 0.25, 3});
  }
  {
    auto out = output<uint16_t>(1024);
    c.ok("normal_f16", normal_f16(42, out.data()));
    c.elements("normal f16 [8x128] mean 0.5 stddev 2", out.data(), 1024,
               Normal<f16>{k42, 0.5, 2});
  }
  {
    auto out = output<uint16_t>(111);
    c.ok("normal_bf16", normal_bf16(42, out.data()));
    c.elements("normal bf16 [3x37] mean -1 stddev 0.1", out.data(), 111,
               Normal<bf16>{k42, -1, 0.1});
  }
  {
    auto out = output<float>(4096);
    c.ok("normal_4096", normal_4096(-7, out.data()));
    c.elements("normal f32 [4096] seed -7", out.data(), 4096,
               Normal<float>{rng::seed(-7), 0, 1});
  }

  //--- bernoulli --------------------------------------------------------===//
  const Key kb = rng::split(k42, 2, 1);
  {
    auto p = makeInputs<float>(111, 1, /*prob=*/true);
    auto out = output<bool>(111);
    c.ok("bernoulli_f32", bernoulli_f32(keyBits(kb), p.data(), out.data()));
    c.elements("bernoulli f32 p [3x37]", out.data(), 111,
               [&](size_t i) { return rng::bernoulli<float>(kb, i, p[i]); });
  }
  {
    auto p = makeInputs<double>(1024, 2, true);
    auto out = output<bool>(1024);
    c.ok("bernoulli_f64", bernoulli_f64(keyBits(kb), p.data(), out.data()));
    c.elements("bernoulli f64 p [8x128]", out.data(), 1024,
               [&](size_t i) { return rng::bernoulli<double>(kb, i, p[i]); });
  }
  {
    auto p = makeInputs<f16>(5, 3, true);
    auto out = output<bool>(5);
    c.ok("bernoulli_f16", bernoulli_f16(keyBits(kb), p.data(), out.data()));
    c.elements("bernoulli f16 p [5]", out.data(), 5,
               [&](size_t i) { return rng::bernoulli<f16>(kb, i, f16{p[i]}); });
  }
  {
    auto p = makeInputs<bf16>(111, 4, true);
    auto out = output<bool>(111);
    c.ok("bernoulli_bf16",
         bernoulli_bf16(keyBits(kb), p.data(), 3, out.data(), 3));
    c.elements("bernoulli bf16 p [?x37] n=3", out.data(), 111, [&](size_t i) {
      return rng::bernoulli<bf16>(kb, i, bf16{p[i]});
    });
  }
  // The attribute form decides in f32: p = RN_f32(attribute).
  {
    auto out = output<bool>(111);
    c.ok("bernoulli_attr", bernoulli_attr(keyBits(kb), out.data()));
    c.elements("bernoulli p=0.3 [3x37]", out.data(), 111, [&](size_t i) {
      return rng::bernoulli<float>(kb, i, float(0.3));
    });
  }
  {
    auto out = output<bool>(42);
    c.ok("bernoulli_attr3", bernoulli_attr3(keyBits(kb), out.data()));
    c.elements("bernoulli p=0.3 [2x3x7]", out.data(), 42, [&](size_t i) {
      return rng::bernoulli<float>(kb, i, float(0.3));
    });
  }
  {
    auto out = output<bool>(13);
    c.ok("bernoulli_attr_dyn",
         bernoulli_attr_dyn(keyBits(kb), 13, out.data(), 13));
    c.elements("bernoulli p=0.9 [?] n=13", out.data(), 13, [&](size_t i) {
      return rng::bernoulli<float>(kb, i, float(0.9));
    });
  }
  return c.finish();
}
