//===- Philox.h - Reference implementation of the sto randomness contract -===//
//
// Header-only, dependency-free C++17 reference for docs/Randomness.md: the
// Philox4x32-10 generator, key derivation (seed, split, fold_in), the mapping
// from a tensor element to a Philox lane, and every sampler of the sto
// dialect, exact to the bit, for f32, f64, f16 and bf16 element types.
//
// Every lowering of a sto sampler (CPU through MLIR arith, CUDA) must give
// the same bits as this file. The math routines (log, sin/cos of 2*pi*u) are
// made only of IEEE-754 binary32 add, sub, mul, fma (each rounded to nearest
// even), IEEE sqrt, integer operations and bit casts, so that a GPU
// (PTX add.rn/mul.rn/fma.rn/sqrt.rn) and a CPU give identical results.
//
// Floating-point rules this header relies on and enforces where it can:
//  * no contraction of a*b+c into an fma except where an fma is written.
//    The formulas leave no multiply-then-add unfused, so contraction has
//    nothing to fuse (a test builds this header with -ffp-contract=fast
//    -mfma and compares); in addition, under clang the functions that
//    compute carry `#pragma clang fp contract(off)`, under GCC the header is
//    compiled with optimize("fp-contract=off"), and under CUDA (not tested
//    here) the device path uses the __f*_rn intrinsics, which never
//    contract. Build users of this header with -ffp-contract=off all the
//    same.
//  * no excess precision (FLT_EVAL_METHOD == 0), no -ffast-math, rounding
//    mode round-to-nearest-even, no flush of subnormals to zero.
//
//===----------------------------------------------------------------------===//

#ifndef STO_RUNTIME_PHILOX_H
#define STO_RUNTIME_PHILOX_H

#include <cfloat>
#include <cmath>
#include <cstdint>
#include <cstring>

#if defined(__FAST_MATH__)
#error "sto/Runtime/Philox.h must not be compiled with -ffast-math"
#endif
#if !defined(__CUDA_ARCH__) && defined(FLT_EVAL_METHOD) && FLT_EVAL_METHOD != 0
#error "sto/Runtime/Philox.h needs FLT_EVAL_METHOD == 0 (SSE2, not x87)"
#endif

#if defined(__CUDACC__)
#define STO_RNG_HD __host__ __device__
#else
#define STO_RNG_HD
#endif

// Disables contraction of a*b+c inside one function body (clang).
#if defined(__clang__)
#define STO_RNG_NO_CONTRACT _Pragma("clang fp contract(off)")
#else
#define STO_RNG_NO_CONTRACT
#endif

#if defined(__GNUC__) && !defined(__clang__) && !defined(__CUDACC__)
#pragma GCC push_options
#pragma GCC optimize("fp-contract=off")
#define STO_RNG_GCC_POP_OPTIONS 1
#endif

// The inline namespace lets a test build this header twice, with different
// compiler flags, in one program without an ODR clash; leave it alone.
#ifndef STO_RNG_ABI_NAMESPACE
#define STO_RNG_ABI_NAMESPACE v1
#endif

namespace sto {
namespace rng {
inline namespace STO_RNG_ABI_NAMESPACE {

//===----------------------------------------------------------------------===//
// Bits and IEEE helpers
//===----------------------------------------------------------------------===//

STO_RNG_HD inline uint32_t bitsOf(float x) {
  uint32_t u;
  std::memcpy(&u, &x, sizeof u);
  return u;
}
STO_RNG_HD inline float floatFromBits(uint32_t u) {
  float x;
  std::memcpy(&x, &u, sizeof x);
  return x;
}
STO_RNG_HD inline uint64_t bitsOf(double x) {
  uint64_t u;
  std::memcpy(&u, &x, sizeof u);
  return u;
}
STO_RNG_HD inline double doubleFromBits(uint64_t u) {
  double x;
  std::memcpy(&x, &u, sizeof x);
  return x;
}

/// The binary32 operations the contract is written in, each one IEEE
/// operation rounded to nearest even, never fused with its neighbours.
STO_RNG_HD inline float fmul(float a, float b) {
  STO_RNG_NO_CONTRACT
#if defined(__CUDA_ARCH__)
  return __fmul_rn(a, b);
#else
  return a * b;
#endif
}
STO_RNG_HD inline float fadd(float a, float b) {
  STO_RNG_NO_CONTRACT
#if defined(__CUDA_ARCH__)
  return __fadd_rn(a, b);
#else
  return a + b;
#endif
}
STO_RNG_HD inline float fsub(float a, float b) {
  STO_RNG_NO_CONTRACT
#if defined(__CUDA_ARCH__)
  return __fsub_rn(a, b);
#else
  return a - b;
#endif
}
/// a*b + c with one rounding.
STO_RNG_HD inline float ffma(float a, float b, float c) {
#if defined(__CUDA_ARCH__)
  return __fmaf_rn(a, b, c);
#else
  return std::fma(a, b, c);
#endif
}
/// Correctly rounded square root (PTX sqrt.rn.f32).
STO_RNG_HD inline float fsqrt(float a) {
#if defined(__CUDA_ARCH__)
  return __fsqrt_rn(a);
#else
  return std::sqrt(a);
#endif
}
STO_RNG_HD inline double dmul(double a, double b) {
  STO_RNG_NO_CONTRACT
#if defined(__CUDA_ARCH__)
  return __dmul_rn(a, b);
#else
  return a * b;
#endif
}
STO_RNG_HD inline double dadd(double a, double b) {
  STO_RNG_NO_CONTRACT
#if defined(__CUDA_ARCH__)
  return __dadd_rn(a, b);
#else
  return a + b;
#endif
}
STO_RNG_HD inline double dsub(double a, double b) {
  STO_RNG_NO_CONTRACT
#if defined(__CUDA_ARCH__)
  return __dsub_rn(a, b);
#else
  return a - b;
#endif
}
STO_RNG_HD inline double dfma(double a, double b, double c) {
#if defined(__CUDA_ARCH__)
  return __fma_rn(a, b, c);
#else
  return std::fma(a, b, c);
#endif
}
STO_RNG_HD inline double dsqrt(double a) {
#if defined(__CUDA_ARCH__)
  return __dsqrt_rn(a);
#else
  return std::sqrt(a);
#endif
}

//===----------------------------------------------------------------------===//
// Philox4x32-10 (Salmon et al., SC'11; constants of Random123)
//===----------------------------------------------------------------------===//

/// A key: two 32-bit words. `!sto.key` holds exactly this.
struct Key {
  uint32_t w[2];
};
STO_RNG_HD inline constexpr bool operator==(Key a, Key b) {
  return a.w[0] == b.w[0] && a.w[1] == b.w[1];
}
STO_RNG_HD inline constexpr bool operator!=(Key a, Key b) { return !(a == b); }

/// A counter or an output block: four 32-bit words (lanes).
struct Block {
  uint32_t v[4];
};
STO_RNG_HD inline constexpr bool operator==(const Block &a, const Block &b) {
  return a.v[0] == b.v[0] && a.v[1] == b.v[1] && a.v[2] == b.v[2] &&
         a.v[3] == b.v[3];
}

constexpr uint32_t kPhiloxM0 = 0xD2511F53u;
constexpr uint32_t kPhiloxM1 = 0xCD9E8D57u;
constexpr uint32_t kPhiloxW0 = 0x9E3779B9u; // golden ratio
constexpr uint32_t kPhiloxW1 = 0xBB67AE85u; // sqrt(3) - 1

STO_RNG_HD inline constexpr uint32_t lo32(uint64_t x) { return uint32_t(x); }
STO_RNG_HD inline constexpr uint32_t hi32(uint64_t x) {
  return uint32_t(x >> 32);
}

/// Philox4x32 with `rounds` rounds; the key is bumped by (W0, W1) between
/// rounds. philox4x32_10 is the generator of the contract.
STO_RNG_HD inline constexpr Block philox4x32(Block ctr, Key key, int rounds) {
  uint32_t x0 = ctr.v[0], x1 = ctr.v[1], x2 = ctr.v[2], x3 = ctr.v[3];
  uint32_t k0 = key.w[0], k1 = key.w[1];
  for (int r = 0; r < rounds; ++r) {
    if (r > 0) {
      k0 += kPhiloxW0;
      k1 += kPhiloxW1;
    }
    uint64_t p0 = uint64_t(kPhiloxM0) * x0;
    uint64_t p1 = uint64_t(kPhiloxM1) * x2;
    uint32_t y0 = hi32(p1) ^ x1 ^ k0;
    uint32_t y1 = lo32(p1);
    uint32_t y2 = hi32(p0) ^ x3 ^ k1;
    uint32_t y3 = lo32(p0);
    x0 = y0;
    x1 = y1;
    x2 = y2;
    x3 = y3;
  }
  return Block{{x0, x1, x2, x3}};
}
STO_RNG_HD inline constexpr Block philox4x32_10(Block ctr, Key key) {
  return philox4x32(ctr, key, 10);
}

//===----------------------------------------------------------------------===//
// Keys: seed, split, fold_in
//===----------------------------------------------------------------------===//

/// Counter word 3 of a key-derivation block. Sampling counters always have
/// words 2 and 3 equal to 0, so no derivation block is ever a sample block.
constexpr uint32_t kSplitTag = 0x53504C54u;  // 'SPLT'
constexpr uint32_t kFoldInTag = 0x464F4C44u; // 'FOLD'

/// sto.seed: key words = (lo32, hi32) of the two's-complement seed.
STO_RNG_HD inline constexpr Key seed(int64_t s) {
  return Key{{lo32(uint64_t(s)), hi32(uint64_t(s))}};
}

/// sto.split: child `i` (0 <= i < count) of `key`. With count == 1 the only
/// child is `key` itself (the dialect folds split-by-1 to its operand);
/// otherwise child i = words 0,1 of philox(ctr = (lo32 i, hi32 i, 0, SPLT),
/// key), which does not depend on count.
STO_RNG_HD inline constexpr Key split(Key key, int64_t count, int64_t i) {
  if (count == 1)
    return key;
  Block out = philox4x32_10(
      Block{{lo32(uint64_t(i)), hi32(uint64_t(i)), 0u, kSplitTag}}, key);
  return Key{{out.v[0], out.v[1]}};
}

/// sto.fold_in: words 0,1 of philox(ctr = (lo32 d, hi32 d, 0, FOLD), key),
/// d the data as a two's-complement 64-bit integer (index values likewise).
STO_RNG_HD inline constexpr Key foldIn(Key key, int64_t data) {
  Block out = philox4x32_10(
      Block{{lo32(uint64_t(data)), hi32(uint64_t(data)), 0u, kFoldInTag}}, key);
  return Key{{out.v[0], out.v[1]}};
}

//===----------------------------------------------------------------------===//
// Element mapping
//===----------------------------------------------------------------------===//

/// Block b of a sampler's stream: philox(ctr = (lo32 b, hi32 b, 0, 0), key).
STO_RNG_HD inline constexpr Block samplerBlock(Key key, uint64_t b) {
  return philox4x32_10(Block{{lo32(b), hi32(b), 0u, 0u}}, key);
}

/// The 32 random bits of element i (row-major linear index): lane i % 4 of
/// block i / 4.
STO_RNG_HD inline constexpr uint32_t elementBits(Key key, uint64_t i) {
  return samplerBlock(key, i >> 2).v[i & 3];
}

//===----------------------------------------------------------------------===//
// From 32 random bits to a uniform number (all exact: no rounding happens)
//===----------------------------------------------------------------------===//

/// [0, 1): (r >> 8) * 2^-24, the 2^24 multiples of 2^-24 below 1.
STO_RNG_HD inline float uniformCO(uint32_t r) {
  return fmul(float(r >> 8), 0x1p-24f);
}
/// (0, 1]: ((r >> 8) + 1) * 2^-24. Box-Muller's u1.
STO_RNG_HD inline float uniformOC(uint32_t r) {
  return fmul(float((r >> 8) + 1u), 0x1p-24f);
}
/// (0, 1): ((r >> 8) | 1) * 2^-24, the odd multiples of 2^-24. Gumbel's u.
STO_RNG_HD inline float uniformOO(uint32_t r) {
  return fmul(float((r >> 8) | 1u), 0x1p-24f);
}
/// f64 [0, 1): r * 2^-32 (all 32 bits of the lane).
STO_RNG_HD inline double uniformCO64(uint32_t r) {
  return dmul(double(r), 0x1p-32);
}

//===----------------------------------------------------------------------===//
// binary32 math made of add/sub/mul/fma, integer ops and bit casts
//===----------------------------------------------------------------------===//

namespace coeff {
// log1p(f) = f - f^2/2 + f^3 * R(f) on f in [sqrt(1/2) - 1, sqrt(2) - 1];
// R of degree 8, relative-error minimax (Lawson), coefficients rounded to
// binary32. kLogR[j] multiplies f^j.
constexpr float kLogR[9] = {0x1.555548p-2f,  -0x1.000006p-2f, 0x1.99a4b6p-3f,
                            -0x1.555c4cp-3f, 0x1.233764p-3f,  -0x1.fc2216p-4f,
                            0x1.e6f0b6p-4f,  -0x1.de3bd6p-4f, 0x1.1456bap-4f};
constexpr float kLn2Hi = 0x1.62e430p-1f;   // RN32(ln 2)
constexpr float kLn2Lo = -0x1.05c610p-29f; // RN32(ln 2 - kLn2Hi)
/// Bits of RN32(sqrt(1/2)): the mantissa split point of the reduction.
constexpr uint32_t kSqrtHalfBits = 0x3F3504F3u;

// sin(2 pi t) = t * (2pi + w * P(w)), w = t^2, |t| <= 1/8; P of degree 2.
// 2pi = kTwoPiHi + kTwoPiLo. kSinP[j] multiplies w^j.
constexpr float kTwoPiHi = 0x1.921fb6p+2f;   // RN32(2 pi)
constexpr float kTwoPiLo = -0x1.777a5cp-23f; // RN32(2 pi - kTwoPiHi)
constexpr float kSinP[3] = {-0x1.4abbbep+5f, 0x1.466004p+6f, -0x1.2dc84ep+6f};
// cos(2 pi t) = 1 + w * Q(w); Q of degree 3. kCosQ[j] multiplies w^j.
constexpr float kCosQ[4] = {-0x1.3bd3ccp+4f, 0x1.03c1dep+6f, -0x1.55c5e0p+6f,
                            0x1.d9d580p+5f};
} // namespace coeff

/// Natural logarithm for positive, finite, normal binary32 x (the samplers
/// only pass x in [2^-24, 17]). Max error 1 ulp on that domain (see tests).
STO_RNG_HD inline float logF32(float x) {
  STO_RNG_NO_CONTRACT
  using namespace coeff;
  // x = m * 2^k with m in [sqrt(1/2), sqrt(2)): integer ops on the bits.
  uint32_t ix = bitsOf(x) + (0x3F800000u - kSqrtHalfBits);
  int32_t k = int32_t(ix >> 23) - 127;
  float m = floatFromBits((ix & 0x007FFFFFu) + kSqrtHalfBits);
  float f = fsub(m, 1.0f); // exact (Sterbenz)
  float r = kLogR[8];
  for (int j = 7; j >= 0; --j)
    r = ffma(r, f, kLogR[j]);
  float q = ffma(r, f, -0.5f); // Q(f) = -1/2 + f R(f)
  float ff = fmul(f, f);
  float y = ffma(ff, q, f); // log1p(f) = f + f^2 Q(f)
  float kf = float(k);      // exact
  return ffma(kf, kLn2Hi, ffma(kf, kLn2Lo, y));
}

struct SinCos {
  float sin, cos;
};

/// sin and cos of 2*pi*n*2^-24 for an integer n in [0, 2^24): exact range
/// reduction to the nearest quarter turn in integer arithmetic, then
/// polynomials on |t| <= 1/8 turn. Max error 1 ulp (see tests).
STO_RNG_HD inline SinCos sinCos2PiU24(uint32_t n) {
  STO_RNG_NO_CONTRACT
  using namespace coeff;
  n &= 0x00FFFFFFu;
  uint32_t q = (n + 0x00200000u) >> 22;        // 0..4 quarter turns
  int32_t rem = int32_t(n) - int32_t(q << 22); // [-2^21, 2^21)
  float t = fmul(float(rem), 0x1p-24f);        // exact, |t| <= 1/8
  float w = fmul(t, t);
  float ps = ffma(ffma(kSinP[2], w, kSinP[1]), w, kSinP[0]);
  float s = ffma(t, kTwoPiHi, fmul(t, ffma(w, ps, kTwoPiLo)));
  float pc = ffma(ffma(ffma(kCosQ[3], w, kCosQ[2]), w, kCosQ[1]), w, kCosQ[0]);
  float c = ffma(w, pc, 1.0f);
  // Negation flips the sign bit (arith.negf), it is not 0 - x.
  switch (q & 3u) {
  case 0:
    return SinCos{s, c};
  case 1:
    return SinCos{c, -s};
  case 2:
    return SinCos{-s, -c};
  default:
    return SinCos{-c, s};
  }
}

//===----------------------------------------------------------------------===//
// Standard normal and Gumbel in binary32
//===----------------------------------------------------------------------===//

/// Box-Muller on one lane pair (a, b) = (lane 2j, lane 2j+1) of a block:
/// u1 = uniformOC(a), n = b >> 8 (u2 = n * 2^-24), radius = sqrt(-2 log u1);
/// the even lane gets radius * cos(2 pi u2), the odd lane radius * sin.
STO_RNG_HD inline float boxMuller(uint32_t a, uint32_t b, bool oddLane) {
  STO_RNG_NO_CONTRACT
  float radius = fsqrt(fmul(logF32(uniformOC(a)), -2.0f));
  SinCos sc = sinCos2PiU24(b >> 8);
  return fmul(radius, oddLane ? sc.sin : sc.cos);
}

/// z of element i: the standard normal every normal-based sampler uses.
STO_RNG_HD inline float standardNormalF32(Key key, uint64_t i) {
  Block blk = samplerBlock(key, i >> 2);
  unsigned lane = unsigned(i & 3);
  unsigned even = lane & 2u;
  return boxMuller(blk.v[even], blk.v[even + 1], (lane & 1u) != 0);
}

/// Gumbel(0, 1) from 32 bits: g = -log(-log(u)), u = uniformOO(r) in (0, 1).
/// Both logs are logF32; negation flips the sign bit. g in [-2.82, 16.64].
STO_RNG_HD inline float gumbelFromBits(uint32_t r) {
  return -logF32(-logF32(uniformOO(r)));
}
STO_RNG_HD inline float gumbelF32(Key key, uint64_t i) {
  return gumbelFromBits(elementBits(key, i));
}

//===----------------------------------------------------------------------===//
// Narrow floating-point types and rounding
//===----------------------------------------------------------------------===//

/// IEEE binary16 and bfloat16 values, held as their bits.
struct f16 {
  uint16_t bits;
};
struct bf16 {
  uint16_t bits;
};

namespace detail {
/// Round a double to nearest-even in a binary format with `mant` stored
/// mantissa bits and `expBits` exponent bits (IEEE layout, subnormals,
/// overflow to infinity). NaN gives a quiet NaN of the same sign.
STO_RNG_HD inline uint32_t roundDoubleToFormat(double x, int mant,
                                               int expBits) {
  uint64_t u = bitsOf(x);
  uint32_t sign = uint32_t(u >> 63) << (mant + expBits);
  int e = int((u >> 52) & 0x7FF);
  uint64_t frac = u & ((uint64_t(1) << 52) - 1);
  uint32_t expMax = (1u << expBits) - 1; // all-ones exponent field
  uint32_t infBits = expMax << mant;
  if (e == 0x7FF)
    return sign | infBits | (frac ? (1u << (mant - 1)) : 0u);
  if (e == 0) // zero or binary64 subnormal: far below any target subnormal
    return sign;
  int bias = int(expMax >> 1);
  int E = e - 1023; // x = 1.frac * 2^E
  if (E > bias)     // >= 2^(emax+1): overflows
    return sign | infBits;
  uint64_t sig = (uint64_t(1) << 52) | frac;
  int shift = 52 - mant;
  int emin = 1 - bias;
  if (E < emin)
    shift += emin - E;
  if (shift > 60) // < a quarter of the least subnormal
    return sign;
  uint64_t r = sig >> shift;
  uint64_t rem = sig & ((uint64_t(1) << shift) - 1);
  uint64_t half = uint64_t(1) << (shift - 1);
  if (rem > half || (rem == half && (r & 1)))
    ++r;
  // Normal: exponent field (E + bias) plus the carry the rounding may cause;
  // subnormal: r itself (r == 2^mant is the least normal).
  uint64_t mag = E >= emin ? (uint64_t(E + bias - 1) << mant) + r : r;
  if (mag >= infBits)
    return sign | infBits;
  return sign | uint32_t(mag);
}
} // namespace detail

/// Round to nearest even: binary64 -> binary16 / bfloat16 (one rounding).
STO_RNG_HD inline f16 toF16(double x) {
  return f16{uint16_t(detail::roundDoubleToFormat(x, 10, 5))};
}
STO_RNG_HD inline bf16 toBF16(double x) {
  return bf16{uint16_t(detail::roundDoubleToFormat(x, 7, 8))};
}
/// binary32 -> binary16 / bfloat16: exact widening to binary64, then one
/// rounding, so this is the IEEE conversion (arith.truncf).
STO_RNG_HD inline f16 toF16(float x) { return toF16(double(x)); }
STO_RNG_HD inline bf16 toBF16(float x) { return toBF16(double(x)); }

/// Exact widening (arith.extf).
STO_RNG_HD inline float toFloat(f16 h) {
  uint32_t sign = uint32_t(h.bits & 0x8000u) << 16;
  uint32_t e = (h.bits >> 10) & 0x1Fu;
  uint32_t m = h.bits & 0x3FFu;
  if (e == 0x1F)
    return floatFromBits(sign | 0x7F800000u | (m << 13));
  if (e == 0) // zero or subnormal: m * 2^-24, exact in binary32
    return floatFromBits(sign | bitsOf(fmul(float(m), 0x1p-24f)));
  return floatFromBits(sign | ((e + 112u) << 23) | (m << 13));
}
STO_RNG_HD inline float toFloat(bf16 h) {
  return floatFromBits(uint32_t(h.bits) << 16);
}

//===----------------------------------------------------------------------===//
// Element types: T, its compute type C, RN_T, widening
//===----------------------------------------------------------------------===//

/// Per element type T: the compute type C (f32 for f16/bf16/f32, f64 for f64),
/// RN_T from C (`narrow`), the exact widening (`widen`), RN_T of an f64
/// attribute (`fromAttr`), and `below`: the next T value towards -inf.
template <class T> struct ElementType;

template <> struct ElementType<float> {
  using Compute = float;
  STO_RNG_HD static float widen(float x) { return x; }
  STO_RNG_HD static float narrow(float x) { return x; }
  STO_RNG_HD static float fromAttr(double a) { return float(a); }
  STO_RNG_HD static float below(float x) {
    uint32_t b = bitsOf(x);
    if ((b & 0x7FFFFFFFu) == 0)
      return floatFromBits(0x80000001u);
    return floatFromBits(b >> 31 ? b + 1 : b - 1);
  }
};

template <> struct ElementType<double> {
  using Compute = double;
  STO_RNG_HD static double widen(double x) { return x; }
  STO_RNG_HD static double narrow(double x) { return x; }
  STO_RNG_HD static double fromAttr(double a) { return a; }
  STO_RNG_HD static double below(double x) {
    uint64_t b = bitsOf(x);
    if ((b & 0x7FFFFFFFFFFFFFFFull) == 0)
      return doubleFromBits(0x8000000000000001ull);
    return doubleFromBits(b >> 63 ? b + 1 : b - 1);
  }
};

namespace detail {
STO_RNG_HD inline uint16_t below16(uint16_t b) {
  if ((b & 0x7FFFu) == 0)
    return 0x8001u;
  return uint16_t(b >> 15 ? b + 1 : b - 1);
}
} // namespace detail

template <> struct ElementType<f16> {
  using Compute = float;
  STO_RNG_HD static float widen(f16 x) { return toFloat(x); }
  STO_RNG_HD static f16 narrow(float x) { return toF16(x); }
  STO_RNG_HD static f16 fromAttr(double a) { return toF16(a); }
  STO_RNG_HD static f16 below(f16 x) { return f16{detail::below16(x.bits)}; }
};

template <> struct ElementType<bf16> {
  using Compute = float;
  STO_RNG_HD static float widen(bf16 x) { return toFloat(x); }
  STO_RNG_HD static bf16 narrow(float x) { return toBF16(x); }
  STO_RNG_HD static bf16 fromAttr(double a) { return toBF16(a); }
  STO_RNG_HD static bf16 below(bf16 x) { return bf16{detail::below16(x.bits)}; }
};

template <class T> using ComputeType = typename ElementType<T>::Compute;

/// RN_C of an f64 coefficient: a single rounding to the compute type.
template <class C> STO_RNG_HD inline C coefficient(double a) { return C(a); }

/// fma, mul, add in the compute type C.
STO_RNG_HD inline float cfma(float a, float b, float c) {
  return ffma(a, b, c);
}
STO_RNG_HD inline double cfma(double a, double b, double c) {
  return dfma(a, b, c);
}
STO_RNG_HD inline float cmul(float a, float b) { return fmul(a, b); }
STO_RNG_HD inline double cmul(double a, double b) { return dmul(a, b); }
STO_RNG_HD inline float cadd(float a, float b) { return fadd(a, b); }
STO_RNG_HD inline double cadd(double a, double b) { return dadd(a, b); }
STO_RNG_HD inline float csub(float a, float b) { return fsub(a, b); }
STO_RNG_HD inline double csub(double a, double b) { return dsub(a, b); }
STO_RNG_HD inline float csqrt(float a) { return fsqrt(a); }
STO_RNG_HD inline double csqrt(double a) { return dsqrt(a); }

/// Uniform [0, 1) in the compute type: uniformCO (f32) or uniformCO64 (f64).
template <class C> STO_RNG_HD inline C uniform01(uint32_t r);
template <> STO_RNG_HD inline float uniform01<float>(uint32_t r) {
  return uniformCO(r);
}
template <> STO_RNG_HD inline double uniform01<double>(uint32_t r) {
  return uniformCO64(r);
}

/// Standard normal z of element i in the compute type: the binary32 z,
/// widened exactly for f64 (f64 normals are f32 normals widened).
template <class C> STO_RNG_HD inline C standardNormal(Key key, uint64_t i) {
  return C(standardNormalF32(key, i));
}

//===----------------------------------------------------------------------===//
// Samplers. Each takes the key and the element's row-major linear index i.
//===----------------------------------------------------------------------===//

/// sto.uniform: lowT = RN_T(low), highT = RN_T(high) (need lowT < highT),
/// d = RN_C(C(highT) - C(lowT)), x = RN_T(fma(d, u, C(lowT))) with
/// u = uniform01<C>; if x >= highT (a rounding reached high) x = below(highT).
/// Result in [lowT, highT).
template <class T>
STO_RNG_HD inline T uniformFromBits(uint32_t r, double low, double high) {
  using E = ElementType<T>;
  using C = ComputeType<T>;
  T lowT = E::fromAttr(low), highT = E::fromAttr(high);
  C lo = E::widen(lowT), hi = E::widen(highT);
  C d = csub(hi, lo);
  T x = E::narrow(cfma(d, uniform01<C>(r), lo));
  return E::widen(x) < hi ? x : E::below(highT);
}
template <class T>
STO_RNG_HD inline T uniform(Key key, uint64_t i, double low, double high) {
  return uniformFromBits<T>(elementBits(key, i), low, high);
}

/// sto.normal: RN_T(fma(C(RN_T(stddev)), z, C(RN_T(mean)))).
template <class T>
STO_RNG_HD inline T normal(Key key, uint64_t i, double mean, double stddev) {
  using E = ElementType<T>;
  using C = ComputeType<T>;
  C m = E::widen(E::fromAttr(mean)), s = E::widen(E::fromAttr(stddev));
  return E::narrow(cfma(s, standardNormal<C>(key, i), m));
}

/// sto.bernoulli: u < C(p), u = uniform01<C>. An attribute p is RN_T(p) first.
template <class T> STO_RNG_HD inline bool bernoulliFromBits(uint32_t r, T p) {
  using C = ComputeType<T>;
  return uniform01<C>(r) < ElementType<T>::widen(p);
}
template <class T> STO_RNG_HD inline bool bernoulli(Key key, uint64_t i, T p) {
  return bernoulliFromBits<T>(elementBits(key, i), p);
}

/// The kept-value factor of sto.dropout: RN_C(1.0 / (1.0 - rate)), the
/// subtraction and division in binary64.
template <class C> STO_RNG_HD inline C dropoutScale(double rate) {
  return coefficient<C>(1.0 / (1.0 - rate));
}

/// sto.dropout: keep iff u >= RN_C(rate); kept RN_T(C(x) * dropoutScale),
/// dropped +0.0 (whatever x is, NaN included).
template <class T>
STO_RNG_HD inline T dropoutFromBits(uint32_t r, T x, double rate) {
  using E = ElementType<T>;
  using C = ComputeType<T>;
  if (!(uniform01<C>(r) >= coefficient<C>(rate)))
    return E::narrow(C(0));
  return E::narrow(cmul(E::widen(x), dropoutScale<C>(rate)));
}
template <class T>
STO_RNG_HD inline T dropout(Key key, uint64_t i, T x, double rate) {
  return dropoutFromBits<T>(elementBits(key, i), x, rate);
}

enum class NoiseKind { Gaussian, Uniform };
enum class NoiseMode { Additive, Multiplicative };

/// eps of sto.noise: z (gaussian) or 2u - 1 (uniform on [-1, 1), exact).
template <class C>
STO_RNG_HD inline C noiseEps(Key key, uint64_t i, NoiseKind kind) {
  if (kind == NoiseKind::Gaussian)
    return standardNormal<C>(key, i);
  return cfma(uniform01<C>(elementBits(key, i)), C(2), C(-1));
}

/// sto.noise: s = RN_C(scale); additive RN_T(fma(s, eps, x)),
/// multiplicative RN_T(x * fma(s, eps, 1)).
template <class T>
STO_RNG_HD inline T noise(Key key, uint64_t i, T x, NoiseKind kind,
                          NoiseMode mode, double scale) {
  using E = ElementType<T>;
  using C = ComputeType<T>;
  C s = coefficient<C>(scale);
  C eps = noiseEps<C>(key, i, kind);
  C xc = E::widen(x);
  if (mode == NoiseMode::Additive)
    return E::narrow(cfma(s, eps, xc));
  return E::narrow(cmul(xc, cfma(s, eps, C(1))));
}

/// sto.stochastic_binary: 1 if u < C(p) else 0 (the bernoulli decision).
template <class T>
STO_RNG_HD inline T stochasticBinary(Key key, uint64_t i, T p) {
  using E = ElementType<T>;
  using C = ComputeType<T>;
  return E::narrow(bernoulli<T>(key, i, p) ? C(1) : C(0));
}

/// sto.stochastic_binary with estimator stochastic_times_smooth:
/// sp = sqrt(C(p)) (IEEE), h = sp if u < sp else 0.
template <class T>
STO_RNG_HD inline T stochasticTimesSmooth(Key key, uint64_t i, T p) {
  using E = ElementType<T>;
  using C = ComputeType<T>;
  C sp = csqrt(E::widen(p));
  return E::narrow(uniform01<C>(elementBits(key, i)) < sp ? sp : C(0));
}

/// Gumbel noise in C (f32 Gumbel widened for f64).
template <class C> STO_RNG_HD inline C gumbel(Key key, uint64_t i) {
  return C(gumbelF32(key, i));
}

/// sto.categorical over one row of n logits along the sampled axis: logit j
/// is base[j * stride] and has element index first + j * stride in the
/// logits tensor. Score s_j = RN_C(C(logit_j) + g_j); result: the least j
/// with the greatest score. (Rows with a NaN logit: unspecified index.)
template <class T>
STO_RNG_HD inline int64_t categorical(Key key, const T *base, int64_t n,
                                      int64_t stride, uint64_t first) {
  using E = ElementType<T>;
  using C = ComputeType<T>;
  int64_t best = 0;
  C bestScore = C(0);
  for (int64_t j = 0; j < n; ++j) {
    C s = cadd(E::widen(base[j * stride]),
               gumbel<C>(key, first + uint64_t(j) * uint64_t(stride)));
    if (j == 0 || s > bestScore) {
      best = j;
      bestScore = s;
    }
  }
  return best;
}

/// Noise coefficient of sto.langevin_step: RN_C(sqrt(2 * lr * temperature)),
/// the product and sqrt in binary64.
template <class C>
STO_RNG_HD inline C langevinNoiseScale(double lr, double temperature) {
  return coefficient<C>(dsqrt(dmul(dmul(2.0, lr), temperature)));
}

/// sto.langevin_step: t = fma(-RN_C(lr), C(g), C(p)),
/// result RN_T(fma(langevinNoiseScale, z, t)); at temperature 0, RN_T(t)
/// (no noise is drawn). lr = 0 folds to p.
template <class T>
STO_RNG_HD inline T langevinStep(Key key, uint64_t i, T p, T g, double lr,
                                 double temperature) {
  using E = ElementType<T>;
  using C = ComputeType<T>;
  if (lr == 0.0)
    return p;
  C t = cfma(-coefficient<C>(lr), E::widen(g), E::widen(p));
  if (temperature == 0.0)
    return E::narrow(t);
  return E::narrow(cfma(langevinNoiseScale<C>(lr, temperature),
                        standardNormal<C>(key, i), t));
}

/// sto.spsa_perturb: RN_T(fma(RN_C(scale), z, C(p))).
template <class T>
STO_RNG_HD inline T spsaPerturb(Key key, uint64_t i, T p, double scale) {
  using E = ElementType<T>;
  using C = ComputeType<T>;
  return E::narrow(
      cfma(coefficient<C>(scale), standardNormal<C>(key, i), E::widen(p)));
}

/// sto.spsa_update: a = RN_C(RN_C(lr) * RN_C(g)) (g the projected gradient),
/// result RN_T(fma(-a, z, C(p))): the same z as spsa_perturb.
template <class T>
STO_RNG_HD inline T spsaUpdate(Key key, uint64_t i, T p, double projGrad,
                               double lr) {
  using E = ElementType<T>;
  using C = ComputeType<T>;
  C a = cmul(coefficient<C>(lr), coefficient<C>(projGrad));
  return E::narrow(cfma(-a, standardNormal<C>(key, i), E::widen(p)));
}

} // namespace STO_RNG_ABI_NAMESPACE
} // namespace rng
} // namespace sto

#if defined(STO_RNG_GCC_POP_OPTIONS)
#pragma GCC pop_options
#undef STO_RNG_GCC_POP_OPTIONS
#endif

#endif // STO_RUNTIME_PHILOX_H
