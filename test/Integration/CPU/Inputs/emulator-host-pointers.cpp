//===- emulator-host-pointers.cpp - driver of emulator-host-pointers.mlir -===//
//
// Every argument and result array ends right before a PROT_NONE page, so
// the compiled code may not touch a byte past it; the results are compared
// with the reference samplers of sto/Runtime/Philox.h.
//
//===----------------------------------------------------------------------===//

#include "emulator-host-pointers.h"

#include "check.h"

#include <sys/mman.h>
#include <unistd.h>

using namespace check;
namespace rng = sto::rng;

namespace {

/// n elements of A ending right before an inaccessible page (aligned only
/// to A), filled with 0x7F bytes.
template <class A> A *guarded(size_t n) {
  const size_t page = size_t(sysconf(_SC_PAGESIZE));
  const size_t bytes = n * sizeof(A);
  const size_t span = (bytes + page - 1) / page * page + page;
  void *mem = mmap(nullptr, span, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mem == MAP_FAILED) {
    std::perror("mmap");
    std::exit(2);
  }
  char *base = static_cast<char *>(mem);
  std::memset(base, 0x7F, span - page);
  if (mprotect(base + span - page, page, PROT_NONE) != 0) {
    std::perror("mprotect");
    std::exit(2);
  }
  return reinterpret_cast<A *>(base + span - page - bytes);
}

template <class T> AbiT<T> *guardedInputs(size_t n, uint64_t seed) {
  AbiT<T> *p = guarded<AbiT<T>>(n);
  auto v = makeInputs<T>(n, seed);
  std::memcpy(static_cast<void *>(p), v.data(), n * sizeof(AbiT<T>));
  return p;
}

} // namespace

int main() {
  Checker c;
  const Key k = rng::foldIn(rng::seed(8), 3);
  {
    auto *x = guardedInputs<bf16>(3, 11);
    auto *y = guarded<uint16_t>(3);
    c.ok("dropout_bf16", dropout_bf16(keyBits(k), x, y));
    c.elements("dropout bf16 [3]", y, 3, [&](size_t i) {
      return rng::dropout<bf16>(k, i, fromAbi<bf16>(x[i]), 0.3);
    });
  }
  {
    auto *y = guarded<double>(3);
    c.ok("uniform_f64", uniform_f64(keyBits(k), y));
    c.elements("uniform f64 [3]", y, 3,
               [&](size_t i) { return rng::uniform<double>(k, i, -1.5, 2.0); });
  }
  {
    auto *y = guarded<double>(3);
    c.ok("normal_f64", normal_f64(keyBits(k), y));
    c.elements("normal f64 [3]", y, 3,
               [&](size_t i) { return rng::normal<double>(k, i, 0.5, 2.0); });
  }
  {
    auto *a = guardedInputs<bf16>(1, 12);
    auto *p = guardedInputs<bf16>(1, 13);
    auto *y = guarded<uint16_t>(1);
    c.ok("ema_bf16", ema_bf16(a, p, 5, y));
    c.elements("ema bf16 []", y, 1, [&](size_t) {
      // RN_T(fma(w, C(p) - C(avg), C(avg))), w = RN_C(1 - decay).
      float av = rng::toFloat(fromAbi<bf16>(a[0]));
      float pv = rng::toFloat(fromAbi<bf16>(p[0]));
      float w = rng::coefficient<float>(1.0 - 0.9);
      return rng::toBF16(rng::ffma(w, rng::fsub(pv, av), av));
    });
  }
  {
    auto *x = guardedInputs<f16>(5, 14);
    auto *y = guarded<uint16_t>(5);
    c.ok("noise_f16", noise_f16(keyBits(k), x, y));
    c.elements("noise f16 [5]", y, 5, [&](size_t i) {
      return rng::noise<f16>(k, i, fromAbi<f16>(x[i]), rng::NoiseKind::Gaussian,
                             rng::NoiseMode::Additive, 0.25);
    });
  }
  return c.finish();
}
