//===- check.h - shared helpers of the CPU integration drivers -*- C++ -*-===//
//
// The drivers call functions compiled by sto-compile through the generated C
// header and compare every element, bit for bit, with the reference
// implementation of the randomness contract (include/sto/Runtime/Philox.h).
// Each comparison prints one line that FileCheck matches:
//
//   uniform f32 [3x37]: 0 mismatches of 111
//
// and `finish()` makes the process exit non-zero if anything differed, so a
// mismatch fails the test even without FileCheck.
//
// Build the drivers with -ffp-contract=off (the reference's own rule).
//
//===----------------------------------------------------------------------===//

#ifndef STO_TEST_INTEGRATION_CHECK_H
#define STO_TEST_INTEGRATION_CHECK_H

#include "sto/Runtime/Philox.h"

#include <cinttypes>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

namespace check {

using sto::rng::bf16;
using sto::rng::f16;
using sto::rng::Key;

/// The bits of a value as the C ABI stores it (f16 and bf16 are uint16_t).
inline uint64_t rawBits(float v) { return sto::rng::bitsOf(v); }
inline uint64_t rawBits(double v) { return sto::rng::bitsOf(v); }
inline uint64_t rawBits(uint16_t v) { return v; }
inline uint64_t rawBits(f16 v) { return v.bits; }
inline uint64_t rawBits(bf16 v) { return v.bits; }
inline uint64_t rawBits(bool v) { return v ? 1 : 0; }
inline uint64_t rawBits(uint64_t v) { return v; }
inline uint64_t rawBits(int64_t v) { return uint64_t(v); }
inline uint64_t rawBits(uint32_t v) { return v; }
inline uint64_t rawBits(int32_t v) { return uint32_t(v); }

/// A key as the C ABI passes it: word 0 in the low half.
inline uint64_t keyBits(Key k) {
  return uint64_t(k.w[0]) | (uint64_t(k.w[1]) << 32);
}
inline Key keyFromBits(uint64_t v) {
  return Key{{uint32_t(v), uint32_t(v >> 32)}};
}

/// The C ABI storage type of each reference element type.
template <class T> struct Abi { using type = T; };
template <> struct Abi<f16> { using type = uint16_t; };
template <> struct Abi<bf16> { using type = uint16_t; };
template <class T> using AbiT = typename Abi<T>::type;

inline uint16_t toAbi(f16 v) { return v.bits; }
inline uint16_t toAbi(bf16 v) { return v.bits; }
inline float toAbi(float v) { return v; }
inline double toAbi(double v) { return v; }
template <class T> T fromAbi(AbiT<T> v);
template <> inline float fromAbi<float>(float v) { return v; }
template <> inline double fromAbi<double>(double v) { return v; }
template <> inline f16 fromAbi<f16>(uint16_t v) { return f16{v}; }
template <> inline bf16 fromAbi<bf16>(uint16_t v) { return bf16{v}; }

/// A reproducible stream of finite test inputs of every magnitude, with
/// signed zeros and (for f32/f64) subnormals in the first elements.
inline uint64_t mix(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}
/// A finite double in about [-8, 8] with a random sign, exponent and
/// mantissa; element 0 is +0, element 1 is -0, element 2 is tiny.
inline double inputValue(uint64_t seed, size_t i) {
  if (i == 0)
    return 0.0;
  if (i == 1)
    return -0.0;
  if (i == 2)
    return 0x1p-130; // an f32 subnormal; 0 in f16/bf16
  uint64_t h = mix(seed * 1000003u + i);
  double mant = double(h >> 11) * 0x1p-53 + 0.5; // [0.5, 1.5)
  int e = int((h >> 4) & 15) - 11;               // 2^-11 .. 2^4
  double v = std::ldexp(mant, e);
  return (h & 1) ? -v : v;
}
/// A probability-like value: mostly in [0, 1], some outside, some exact
/// edges (0, 1, negative, above 1).
inline double probValue(uint64_t seed, size_t i) {
  switch (i % 17) {
  case 3:
    return 0.0;
  case 5:
    return 1.0;
  case 7:
    return -0.25;
  case 11:
    return 1.5;
  default:
    break;
  }
  return double(mix(seed * 7919u + i) >> 11) * 0x1p-53;
}

/// Narrows a double to T once, as a tensor of T holds it.
template <class T> T narrowInput(double v);
template <> inline float narrowInput<float>(double v) { return float(v); }
template <> inline double narrowInput<double>(double v) { return v; }
template <> inline f16 narrowInput<f16>(double v) { return sto::rng::toF16(v); }
template <> inline bf16 narrowInput<bf16>(double v) {
  return sto::rng::toBF16(v);
}

template <class T>
std::vector<AbiT<T>> makeInputs(size_t n, uint64_t seed, bool prob = false) {
  std::vector<AbiT<T>> v(n);
  for (size_t i = 0; i < n; ++i)
    v[i] =
        toAbi(narrowInput<T>(prob ? probValue(seed, i) : inputValue(seed, i)));
  return v;
}

/// The stored byte of an i1 result (any value other than 0 and 1 is a bug
/// the comparison must see, so it is not read as a bool).
inline uint64_t rawBitsAt(const bool *p) {
  unsigned char b;
  std::memcpy(&b, p, 1);
  return b;
}
template <class A> uint64_t rawBitsAt(const A *p) { return rawBits(*p); }

/// A caller-allocated result buffer (std::vector<bool> has no data()),
/// filled with a sentinel so that an element the function did not write
/// shows up.
template <class A> class Buffer {
public:
  explicit Buffer(size_t n) : n(n), p(new A[n ? n : 1]) {
    std::memset(static_cast<void *>(p.get()), 0x7F, (n ? n : 1) * sizeof(A));
  }
  A *data() { return p.get(); }
  const A *data() const { return p.get(); }
  A &operator[](size_t i) { return p[i]; }
  A *begin() { return p.get(); }
  A *end() { return p.get() + n; }
  size_t size() const { return n; }

private:
  size_t n;
  std::unique_ptr<A[]> p;
};
template <class A> Buffer<A> output(size_t n) { return Buffer<A>(n); }

template <class T> const char *typeName();
template <> inline const char *typeName<float>() { return "f32"; }
template <> inline const char *typeName<double>() { return "f64"; }
template <> inline const char *typeName<f16>() { return "f16"; }
template <> inline const char *typeName<bf16>() { return "bf16"; }

/// "<op> <type> <rest>", e.g. name<float>("dropout", "[3x37]").
template <class T> std::string name(const char *op, const char *rest) {
  return std::string(op) + " " + typeName<T>() + " " + rest;
}

/// The signature of a compiled `(key, x) -> y` function with a static shape.
template <class T>
using KeyUnaryFn = int32_t (*)(uint64_t, const AbiT<T> *, AbiT<T> *);

class Checker {
public:
  /// Calls the compiled `fn(key, x, y)` on n inputs (makeInputs with
  /// `inputSeed`; probabilities if `prob`) and compares y[i] with
  /// ref(i, x[i]) bit for bit.
  template <class T, class Ref>
  void keyUnary(const std::string &what, KeyUnaryFn<T> fn, Key key, size_t n,
                uint64_t inputSeed, bool prob, Ref ref) {
    auto x = makeInputs<T>(n, inputSeed, prob);
    auto y = output<AbiT<T>>(n);
    ok(what, fn(keyBits(key), x.data(), y.data()));
    elements(what, y.data(), n,
             [&](size_t i) { return ref(i, fromAbi<T>(x[i])); });
  }

  /// Compares `got[i]` with `ref(i)` for i < n, bit for bit.
  template <class A, class Ref>
  void elements(const std::string &what, const A *got, size_t n, Ref ref) {
    elements(what.c_str(), got, n, ref);
  }
  template <class A, class Ref>
  void elements(const char *what, const A *got, size_t n, Ref ref) {
    size_t bad = 0, first = 0;
    uint64_t gotBits = 0, refBits = 0;
    for (size_t i = 0; i < n; ++i) {
      uint64_t g = rawBitsAt(&got[i]), r = rawBits(ref(i));
      if (g != r && bad++ == 0) {
        first = i;
        gotBits = g;
        refBits = r;
      }
    }
    std::printf("%s: %zu mismatches of %zu\n", what, bad, n);
    if (bad) {
      std::printf("  first mismatch at element %zu: got 0x%" PRIx64
                  ", reference 0x%" PRIx64 "\n",
                  first, gotBits, refBits);
      ++failures;
    }
    digest(got, n);
  }

  /// Records a call that should have succeeded; prints only on failure.
  void ok(const std::string &what, int32_t st) { ok(what.c_str(), st); }
  void ok(const char *what, int32_t st) {
    if (st == 0)
      return;
    std::printf("%s: unexpected status %d\n", what, int(st));
    ++failures;
  }

  /// Checks the status code of a call.
  void status(const char *what, int32_t got, int32_t want) {
    std::printf("%s: status %d (expected %d)\n", what, int(got), int(want));
    if (got != want)
      ++failures;
  }

  /// Checks a condition and counts a failure if it is false.
  void expect(const char *what, bool ok) {
    std::printf("%s: %s\n", what, ok ? "ok" : "FAILED");
    if (!ok)
      ++failures;
  }

  /// FNV-1a 64 of every byte the checked outputs held, in order, so that
  /// runs of differently compiled programs can be compared with `diff`.
  template <class A> void digest(const A *p, size_t n) {
    const unsigned char *b = reinterpret_cast<const unsigned char *>(p);
    for (size_t i = 0; i < n * sizeof(A); ++i) {
      hash ^= b[i];
      hash *= 0x100000001b3ull;
    }
  }

  int finish() {
    std::printf("digest: %016" PRIx64 "\n", hash);
    std::printf("%s\n", failures ? "FAILED" : "ALL OK");
    std::fflush(stdout);
    return failures ? 1 : 0;
  }

  int failures = 0;
  uint64_t hash = 0xcbf29ce484222325ull;
};

} // namespace check

#endif // STO_TEST_INTEGRATION_CHECK_H
