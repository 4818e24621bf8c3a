// philox_roofline.cpp - what the randomness contract (docs/Randomness.md)
// allows on this CPU: hand-written AVX-512 kernels for the elementwise
// stochastic workloads of ../workloads.mlir, bit-exact against
// include/sto/Runtime/Philox.h, timed beside a copy ceiling measured in the
// same run.
//
// Not a test and not part of the build; run.sh next to this file builds and
// runs it (see ../README.md, "Roofline"). Needs an AVX-512 CPU (F, DQ, BW, VL).
//
// Kernels (N = 2^24 f32 elements, 2 OpenMP threads by default):
//   philox_bits   r_i, the raw 32 random bits of element i      (write 4N)
//   philox_xor    y = bits(x) ^ r_i: Philox with copy's traffic (8N)
//   uniform_add   y = x + U(r_i)                                  (8N)
//   sb_p          stochastic_binary on a given p: u_i < p ? 1 : 0 (8N)
//   sb_sigmoid    the workload: p = 1/(1 + exp(-a)), then as sb_p (8N)
//   noise_add     y = fma(0.25, z_i, x), z_i the contract's Box-Muller normal
//   copy-*        the ceilings: memcpy (1 and all threads), an OpenMP copy
//                 loop, and an AVX-512 copy with non-temporal stores
// Each kernel is timed with ordinary and with non-temporal (streaming)
// stores, and its input is prefetched RF_PREFETCH bytes ahead (default 1024,
// 0 turns it off): with a few hundred instructions of work per cache line the
// out-of-order window holds too few cache misses to stream at full speed.
// bytes = each input read once + each output written once; GB/s = bytes /
// median seconds; "x copy" = GB/s over the fastest copy's GB/s of the same
// run; the "best" columns do the same with the least times (the host is
// shared and the medians include the other tenants' interference);
// ns/elem/core = seconds * threads / N; cycles/elem/core = that times the
// core clock, measured at the start as the highest rate of a dependent-add
// chain (the host is shared: the cycles hold for an undisturbed core).
//
// Every kernel's output is compared bit for bit with Philox.h's reference on
// a prefix of RF_CHECK (default 2^20) elements and on the last 4096. The
// "in-L2" lines time the same kernels on 8192 elements per thread that stay
// in cache, on 1 and on all threads, best of the runs: the compute cost
// alone. With RF_WITH_STO (run.sh sets it when it finds a sto build) the
// "sto-in-L2" lines time sto's code for the same kernels
// (l2_workloads.mlir) and check its bits too.
//
// Philox in 64-bit lanes: a zmm holds word j of 8 blocks, one block per
// qword, so vpmuludq gives the 32x32->64 products directly. The high halves
// of the qwords are never cleared: vpmuludq reads only the low halves and
// the xors only ever feed the low halves of later words, so the garbage
// never reaches a result. Round 0 is specialized (counter words 2 and 3 are
// 0). The blocks of a batch of 8 sit in the lanes in the order
// 0,4,1,5,2,6,3,7 so that vpunpck{l,h}{dq,qdq} put the 32 elements into
// memory order with no cross-lane shuffle (4 shuffles per 32 elements, the
// narrowing from qwords included). A loop iteration runs G batches
// interleaved (4 for the uniform kernels, 2 for noise_add: the fastest here;
// -DRF_GROUPS=n overrides): one batch is a dependent chain of 10 x (multiply,
// shift, xor) that the out-of-order core cannot overlap enough by itself.

#include "../bench_common.h"
#include "sto/Runtime/Philox.h"
#ifdef RF_WITH_STO
#include "l2_workloads.h" // sto-compile --header of l2_workloads.mlir
#endif

#include <immintrin.h>
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#pragma clang fp contract(off)

namespace {

namespace rng = sto::rng;

constexpr int64_t kN = int64_t(1) << 24;
constexpr int64_t kSeed = 1234;
constexpr float kNoiseScale = 0.25f;

// Batches of 8 blocks per loop iteration (see philox8); RF_GROUPS overrides.
#ifdef RF_GROUPS
constexpr int kGroupsPhilox = RF_GROUPS, kGroupsNoise = RF_GROUPS;
#else
constexpr int kGroupsPhilox = 4, kGroupsNoise = 2; // the fastest here
#endif

int runs = 15, warmup = 3;
int64_t prefetchDistance = 1024; // bytes ahead of the loads (RF_PREFETCH)
bool allOk = true;

//===----------------------------------------------------------------------===//
// Philox4x32-10 on 8 blocks
//===----------------------------------------------------------------------===//

struct RoundKeys {
  __m512i k0[10], k1[10];
};

RoundKeys roundKeys(rng::Key key) {
  RoundKeys rk;
  uint32_t k0 = key.w[0], k1 = key.w[1];
  for (int r = 0; r < 10; ++r) {
    rk.k0[r] = _mm512_set1_epi64(k0);
    rk.k1[r] = _mm512_set1_epi64(k1);
    k0 += rng::kPhiloxW0;
    k1 += rng::kPhiloxW1;
  }
  return rk;
}

struct Words {
  __m512i x0, x1, x2, x3; // low 32 bits of each qword = the word of a block
};

// G batches of 8 blocks, interleaved so that the out-of-order core sees
// independent chains close together: batch g holds blocks b0 + 8g + perm[l]
// in qword lane l, perm = 0,4,1,5,2,6,3,7.
template <int G>
inline void philox8(const RoundKeys &rk, uint64_t b0, Words (&out)[G]) {
  const __m512i perm = _mm512_set_epi64(7, 3, 6, 2, 5, 1, 4, 0);
  const __m512i m0 = _mm512_set1_epi64(rng::kPhiloxM0);
  const __m512i m1 = _mm512_set1_epi64(rng::kPhiloxM1);
  __m512i x0[G], x1[G], x2[G], x3[G];
  for (int g = 0; g < G; ++g) {
    __m512i b = _mm512_add_epi64(_mm512_set1_epi64(int64_t(b0 + 8 * g)), perm);
    // Round 0 on (lo32 b, hi32 b, 0, 0): p1 = 0.
    __m512i p0 = _mm512_mul_epu32(b, m0);
    x0[g] = _mm512_xor_si512(_mm512_srli_epi64(b, 32), rk.k0[0]);
    x1[g] = _mm512_setzero_si512();
    x2[g] = _mm512_xor_si512(_mm512_srli_epi64(p0, 32), rk.k1[0]);
    x3[g] = p0;
  }
  for (int r = 1; r < 10; ++r) {
    for (int g = 0; g < G; ++g) {
      __m512i q0 = _mm512_mul_epu32(x0[g], m0);
      __m512i q1 = _mm512_mul_epu32(x2[g], m1);
      // 0x96: a ^ b ^ c.
      x0[g] = _mm512_ternarylogic_epi64(_mm512_srli_epi64(q1, 32), x1[g],
                                        rk.k0[r], 0x96);
      x2[g] = _mm512_ternarylogic_epi64(_mm512_srli_epi64(q0, 32), x3[g],
                                        rk.k1[r], 0x96);
      x1[g] = q1;
      x3[g] = q0;
    }
  }
  for (int g = 0; g < G; ++g)
    out[g] = {x0[g], x1[g], x2[g], x3[g]};
}

// Low dwords of two qword vectors, interleaved: (a.lo[l], b.lo[l]) per qword.
inline __m512i pairLo(__m512i a, __m512i b) {
  const __m512i idx = _mm512_set_epi32(30, 14, 28, 12, 26, 10, 24, 8, 22, 6, 20,
                                       4, 18, 2, 16, 0);
  return _mm512_permutex2var_epi32(a, idx, b);
}

// The 32 words of a batch in element order (two zmm of 16 u32).
inline void bitsInOrder(const Words &w, __m512i &lo, __m512i &hi) {
  __m512i x01 = pairLo(w.x0, w.x1), x23 = pairLo(w.x2, w.x3);
  lo = _mm512_unpacklo_epi64(x01, x23);
  hi = _mm512_unpackhi_epi64(x01, x23);
}

//===----------------------------------------------------------------------===//
// Contract math on 16 lanes (same operations as Philox.h)
//===----------------------------------------------------------------------===//

inline __m512 uniformCO(__m512i r) {
  return _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_srli_epi32(r, 8)),
                       _mm512_set1_ps(0x1p-24f));
}

inline __m512 uniformOC(__m512i r) {
  __m512i t = _mm512_add_epi32(_mm512_srli_epi32(r, 8), _mm512_set1_epi32(1));
  return _mm512_mul_ps(_mm512_cvtepi32_ps(t), _mm512_set1_ps(0x1p-24f));
}

inline __m512 logF32(__m512 x) {
  using namespace rng::coeff;
  __m512i ix = _mm512_add_epi32(_mm512_castps_si512(x),
                                _mm512_set1_epi32(0x3F800000u - kSqrtHalfBits));
  __m512i k =
      _mm512_sub_epi32(_mm512_srli_epi32(ix, 23), _mm512_set1_epi32(127));
  __m512 m = _mm512_castsi512_ps(
      _mm512_add_epi32(_mm512_and_si512(ix, _mm512_set1_epi32(0x007FFFFF)),
                       _mm512_set1_epi32(kSqrtHalfBits)));
  __m512 f = _mm512_sub_ps(m, _mm512_set1_ps(1.0f));
  __m512 r = _mm512_set1_ps(kLogR[8]);
  for (int j = 7; j >= 0; --j)
    r = _mm512_fmadd_ps(r, f, _mm512_set1_ps(kLogR[j]));
  __m512 q = _mm512_fmadd_ps(r, f, _mm512_set1_ps(-0.5f));
  __m512 y = _mm512_fmadd_ps(_mm512_mul_ps(f, f), q, f);
  __m512 kf = _mm512_cvtepi32_ps(k);
  return _mm512_fmadd_ps(kf, _mm512_set1_ps(kLn2Hi),
                         _mm512_fmadd_ps(kf, _mm512_set1_ps(kLn2Lo), y));
}

// sin and cos of 2 pi (b >> 8) 2^-24 for 16 words b.
inline void sinCos(__m512i b, __m512 &sinOut, __m512 &cosOut) {
  using namespace rng::coeff;
  __m512i n = _mm512_srli_epi32(b, 8);
  __m512i nq = _mm512_add_epi32(n, _mm512_set1_epi32(0x00200000));
  __m512i q = _mm512_srli_epi32(nq, 22);
  __m512i rem = _mm512_sub_epi32(n, _mm512_slli_epi32(q, 22));
  __m512 t = _mm512_mul_ps(_mm512_cvtepi32_ps(rem), _mm512_set1_ps(0x1p-24f));
  __m512 w = _mm512_mul_ps(t, t);
  __m512 ps = _mm512_fmadd_ps(
      _mm512_fmadd_ps(_mm512_set1_ps(kSinP[2]), w, _mm512_set1_ps(kSinP[1])), w,
      _mm512_set1_ps(kSinP[0]));
  __m512 s = _mm512_fmadd_ps(
      t, _mm512_set1_ps(kTwoPiHi),
      _mm512_mul_ps(t, _mm512_fmadd_ps(w, ps, _mm512_set1_ps(kTwoPiLo))));
  __m512 pc = _mm512_fmadd_ps(
      _mm512_fmadd_ps(_mm512_fmadd_ps(_mm512_set1_ps(kCosQ[3]), w,
                                      _mm512_set1_ps(kCosQ[2])),
                      w, _mm512_set1_ps(kCosQ[1])),
      w, _mm512_set1_ps(kCosQ[0]));
  __m512 c = _mm512_fmadd_ps(w, pc, _mm512_set1_ps(1.0f));
  // Quadrant q & 3: (sin, cos) = (s, c), (c, -s), (-s, -c), (-c, s). Odd q
  // swaps; bit 1 of q negates sin, bit 1 of q + 1 negates cos. Bit 1 of q is
  // bit 23 of nq, bit 1 of q + 1 is bit 23 of nq + 2^22.
  __mmask16 odd = _mm512_test_epi32_mask(q, _mm512_set1_epi32(1));
  __m512 sv = _mm512_mask_blend_ps(odd, s, c);
  __m512 cv = _mm512_mask_blend_ps(odd, c, s);
  const __m512i sign = _mm512_set1_epi32(int32_t(0x80000000u));
  __m512i sinSign = _mm512_slli_epi32(nq, 8);
  __m512i cosSign =
      _mm512_slli_epi32(_mm512_add_epi32(nq, _mm512_set1_epi32(0x00400000)), 8);
  // 0x78: a ^ (b & c).
  sinOut = _mm512_castsi512_ps(
      _mm512_ternarylogic_epi32(_mm512_castps_si512(sv), sinSign, sign, 0x78));
  cosOut = _mm512_castsi512_ps(
      _mm512_ternarylogic_epi32(_mm512_castps_si512(cv), cosSign, sign, 0x78));
}

// Box-Muller on 16 lane pairs (a, b): the even element's z (cos) and the odd
// element's z (sin).
inline void boxMuller(__m512i a, __m512i b, __m512 &zEven, __m512 &zOdd) {
  __m512 radius = _mm512_sqrt_ps(
      _mm512_mul_ps(logF32(uniformOC(a)), _mm512_set1_ps(-2.0f)));
  __m512 s, c;
  sinCos(b, s, c);
  zEven = _mm512_mul_ps(radius, c);
  zOdd = _mm512_mul_ps(radius, s);
}

// exp(x) for the sigmoid (not part of the contract): Cephes-style, as MLIR's
// polynomial approximation; clamped to [-87.3, 88.3].
inline __m512 expF32(__m512 x) {
  x = _mm512_min_ps(_mm512_max_ps(x, _mm512_set1_ps(-87.3365478515625f)),
                    _mm512_set1_ps(88.37626647949219f));
  __m512 kf = _mm512_roundscale_ps(
      _mm512_mul_ps(x, _mm512_set1_ps(1.44269502162933349609375f)),
      _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m512 r = _mm512_fnmadd_ps(kf, _mm512_set1_ps(0.693359375f), x);
  r = _mm512_fnmadd_ps(kf, _mm512_set1_ps(-2.12194440e-4f), r);
  __m512 p = _mm512_set1_ps(1.9875691500E-4f);
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.3981999507E-3f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(8.3334519073E-3f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.1665795894E-2f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.6666665459E-1f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(5.0000001201E-1f));
  p = _mm512_fmadd_ps(_mm512_mul_ps(p, r), r, r);
  p = _mm512_add_ps(p, _mm512_set1_ps(1.0f));
  return _mm512_scalef_ps(p, kf);
}

inline __m512 sigmoid(__m512 a) {
  __m512 one = _mm512_set1_ps(1.0f);
  return _mm512_div_ps(
      one, _mm512_add_ps(one, expF32(_mm512_sub_ps(_mm512_setzero_ps(), a))));
}

// The same exp and sigmoid one element at a time (for the check).
float sigmoidScalar(float a) {
  __m512 v = sigmoid(_mm512_set1_ps(a));
  return _mm512_cvtss_f32(v);
}

//===----------------------------------------------------------------------===//
// Kernels: one batch = 8 Philox blocks = 32 elements
//===----------------------------------------------------------------------===//

template <bool NT> inline void store(float *p, __m512 v) {
  if (NT)
    _mm512_stream_ps(p, v);
  else
    _mm512_store_ps(p, v);
}
template <bool NT> inline void store(uint32_t *p, __m512i v) {
  if (NT)
    _mm512_stream_si512(reinterpret_cast<__m512i *>(p), v);
  else
    _mm512_store_si512(p, v);
}

enum class Kind { Bits, Xor, UniformAdd, SbP, SbSigmoid, Noise };

const char *kindName(Kind k) {
  switch (k) {
  case Kind::Bits:
    return "philox_bits";
  case Kind::Xor:
    return "philox_xor";
  case Kind::UniformAdd:
    return "uniform_add";
  case Kind::SbP:
    return "sb_p";
  case Kind::SbSigmoid:
    return "sb_sigmoid";
  case Kind::Noise:
    return "noise_add";
  }
  return "?";
}

// Bytes moved per element.
double bytesPerElement(Kind k) { return k == Kind::Bits ? 4.0 : 8.0; }

// Elements [first, first + count) of the kernel; first and count multiples of
// 32, in and out 64-byte aligned at first.
template <Kind K, bool NT>
inline void finishBatch(const Words &w, const float *x, float *o) {
  if constexpr (K == Kind::Noise) {
    __m512i a = pairLo(w.x0, w.x2), b = pairLo(w.x1, w.x3);
    __m512 ze, zo;
    boxMuller(a, b, ze, zo);
    __m512 z0 = _mm512_unpacklo_ps(ze, zo), z1 = _mm512_unpackhi_ps(ze, zo);
    __m512 s = _mm512_set1_ps(kNoiseScale);
    store<NT>(o, _mm512_fmadd_ps(s, z0, _mm512_load_ps(x)));
    store<NT>(o + 16, _mm512_fmadd_ps(s, z1, _mm512_load_ps(x + 16)));
  } else {
    __m512i r0, r1;
    bitsInOrder(w, r0, r1);
    if constexpr (K == Kind::Bits) {
      store<NT>(reinterpret_cast<uint32_t *>(o), r0);
      store<NT>(reinterpret_cast<uint32_t *>(o) + 16, r1);
    } else if constexpr (K == Kind::Xor) {
      store<NT>(reinterpret_cast<uint32_t *>(o),
                _mm512_xor_si512(r0, _mm512_load_si512(x)));
      store<NT>(reinterpret_cast<uint32_t *>(o) + 16,
                _mm512_xor_si512(r1, _mm512_load_si512(x + 16)));
    } else if constexpr (K == Kind::UniformAdd) {
      store<NT>(o, _mm512_add_ps(_mm512_load_ps(x), uniformCO(r0)));
      store<NT>(o + 16, _mm512_add_ps(_mm512_load_ps(x + 16), uniformCO(r1)));
    } else {
      const __m512 one = _mm512_set1_ps(1.0f);
      __m512 p0 = _mm512_load_ps(x), p1 = _mm512_load_ps(x + 16);
      if constexpr (K == Kind::SbSigmoid) {
        p0 = sigmoid(p0);
        p1 = sigmoid(p1);
      }
      __mmask16 h0 = _mm512_cmp_ps_mask(uniformCO(r0), p0, _CMP_LT_OQ);
      __mmask16 h1 = _mm512_cmp_ps_mask(uniformCO(r1), p1, _CMP_LT_OQ);
      store<NT>(o, _mm512_maskz_mov_ps(h0, one));
      store<NT>(o + 16, _mm512_maskz_mov_ps(h1, one));
    }
  }
}

// The batches of [first, first + count), G at a time (kGroups<K>); first and
// count are multiples of 32 * G, the pointers 64-byte aligned there.
template <Kind K>
constexpr int kGroups = K == Kind::Noise ? kGroupsNoise : kGroupsPhilox;

template <Kind K, bool NT>
void batchRange(const RoundKeys &rk, const float *in, float *out, int64_t first,
                int64_t count) {
  constexpr int G = kGroups<K>;
  for (int64_t e = first; e < first + count; e += 32 * G) {
    if (prefetchDistance > 0 && K != Kind::Bits)
      for (int g = 0; g < 2 * G; ++g)
        _mm_prefetch(reinterpret_cast<const char *>(in + e + 16 * g) +
                         prefetchDistance,
                     _MM_HINT_T0);
    Words w[G];
    philox8<G>(rk, uint64_t(e) >> 2, w);
    for (int g = 0; g < G; ++g)
      finishBatch<K, NT>(w[g], in + e + 32 * g, out + e + 32 * g);
  }
  if (NT)
    _mm_sfence();
}

using RangeFn = void (*)(const RoundKeys &, const float *, float *, int64_t,
                         int64_t);

template <Kind K> RangeFn rangeFn(bool nt) {
  return nt ? batchRange<K, true> : batchRange<K, false>;
}

RangeFn rangeFnFor(Kind k, bool nt) {
  switch (k) {
  case Kind::Bits:
    return rangeFn<Kind::Bits>(nt);
  case Kind::Xor:
    return rangeFn<Kind::Xor>(nt);
  case Kind::UniformAdd:
    return rangeFn<Kind::UniformAdd>(nt);
  case Kind::SbP:
    return rangeFn<Kind::SbP>(nt);
  case Kind::SbSigmoid:
    return rangeFn<Kind::SbSigmoid>(nt);
  case Kind::Noise:
    return rangeFn<Kind::Noise>(nt);
  }
  return nullptr;
}

// All n elements on the OpenMP threads, contiguous slices of whole batches.
void runParallel(RangeFn fn, const RoundKeys &rk, const float *in, float *out,
                 int64_t n) {
#pragma omp parallel
  {
    int nt = omp_get_num_threads(), t = omp_get_thread_num();
    constexpr int64_t unit = 32 * 8; // a multiple of every 32 * G
    int64_t units = n / unit;
    int64_t lo = units * t / nt, hi = units * (t + 1) / nt;
    fn(rk, in, out, lo * unit, (hi - lo) * unit);
  }
}

//===----------------------------------------------------------------------===//
// Reference, inputs, timing
//===----------------------------------------------------------------------===//

uint32_t bitsOfF(float f) { return rng::bitsOf(f); }

uint32_t reference(Kind k, rng::Key key, uint64_t i, float x) {
  switch (k) {
  case Kind::Bits:
    return rng::elementBits(key, i);
  case Kind::Xor:
    return rng::elementBits(key, i) ^ bitsOfF(x);
  case Kind::UniformAdd:
    return bitsOfF(rng::fadd(x, rng::uniformCO(rng::elementBits(key, i))));
  case Kind::SbP:
    return bitsOfF(rng::stochasticBinary<float>(key, i, x));
  case Kind::SbSigmoid:
    return bitsOfF(rng::stochasticBinary<float>(key, i, sigmoidScalar(x)));
  case Kind::Noise:
    return bitsOfF(rng::noise<float>(key, i, x, rng::NoiseKind::Gaussian,
                                     rng::NoiseMode::Additive, kNoiseScale));
  }
  return 0;
}

float *alloc(int64_t n) { return bench::allocZeroed<float>(n); }

// Inputs of the kernels: a ~N(0, 1) fill for x and a; p in [0, 1) for sb_p.
void fill(float *f, int64_t n, uint64_t seed, bool probability) {
  if (!probability)
    return bench::fillNormal(f, n, seed);
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < n; ++i)
    f[i] = bench::sumOfFourUniforms(i, seed) * 0.25f;
}

using bench::median;
using bench::timeOnce;
using bench::Timing;
Timing timeSeconds(const std::function<void()> &fn) {
  return bench::timeRuns(fn, warmup, runs);
}

// Core clock: a chain of dependent adds runs at one per cycle. The host is
// shared and the rate drifts (2.3-3.7 GHz was seen): the highest of several
// short measurements is the clock of an undisturbed core.
double measureGHz() {
  std::vector<double> g;
  for (int rep = 0; rep < 12; ++rep) {
    const int64_t iters = 40000000;
    uint64_t x = uint64_t(rep);
    auto t0 = std::chrono::steady_clock::now();
    for (int64_t i = 0; i < iters; i += 8) {
      asm volatile("add $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\t"
                   "add $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\tadd $1, %0"
                   : "+r"(x));
    }
    auto t1 = std::chrono::steady_clock::now();
    g.push_back(double(iters) / std::chrono::duration<double>(t1 - t0).count() /
                1e9);
  }
  return median(g);
}

double ghz = 0;
int threads = 1;
double copyGBps = 0, copyBestGBps = 0;

// A 2^24-element result: median time and GB/s, the fraction of the copy
// ceiling's median GB/s, then the same from the least times.
void emitLarge(const char *name, const char *variant, Timing t, double bytes,
               bool vsCopy, double paired = 0) {
  double gbps = bytes / t.median / 1e9, best = bytes / t.best / 1e9;
  std::printf("%-12s %-10s %7.3f ms %6.2f GB/s", name, variant, t.median * 1e3,
              gbps);
  if (vsCopy)
    std::printf(" %5.2fx", gbps / copyGBps);
  else
    std::printf("       ");
  std::printf(" | best %6.2f GB/s", best);
  if (vsCopy)
    std::printf(" %5.2fx", best / copyBestGBps);
  else
    std::printf("       ");
  if (vsCopy)
    std::printf(" | paired %5.2fx", paired);
  else
    std::printf(" |               ");
  std::printf(" | %5.3f ns %5.2f cyc/elem/core\n",
              t.median * 1e9 * threads / double(kN),
              t.median * ghz * 1e9 * threads / double(kN));
  std::fflush(stdout);
}

// An in-L2 result: the least time per call of n elements on nThreads.
void emitSmall(const char *name, const char *variant, double seconds,
               double bytes, int64_t n, int nThreads) {
  std::printf("%-12s %-10s %7.2f GB/s | %5.3f ns %5.2f cyc/elem/core\n", name,
              variant, bytes / seconds / 1e9,
              seconds * 1e9 * nThreads / double(n),
              seconds * ghz * 1e9 * nThreads / double(n));
  std::fflush(stdout);
}

bool checkKernel(Kind k, rng::Key key, const RoundKeys &rk, bool nt,
                 int64_t checkN, const float *in, float *out) {
  runParallel(rangeFnFor(k, nt), rk, in, out, kN);
  const uint32_t *bits = reinterpret_cast<const uint32_t *>(out);
  int64_t bad = 0, firstBad = -1;
  auto one = [&](int64_t i) {
    if (bits[i] != reference(k, key, uint64_t(i), in[i])) {
      if (firstBad < 0)
        firstBad = i;
      ++bad;
    }
  };
  for (int64_t i = 0; i < checkN; ++i)
    one(i);
  for (int64_t i = kN - 4096; i < kN; ++i)
    one(i);
  if (bad) {
    allOk = false;
    std::printf("CHECK FAILED %s (%s stores): %lld mismatches, first at %lld\n",
                kindName(k), nt ? "nt" : "plain", (long long)bad,
                (long long)firstBad);
  }
  return bad == 0;
}

} // namespace

int main() {
  if (const char *s = std::getenv("RF_RUNS"))
    runs = std::max(1, std::atoi(s));
  if (const char *s = std::getenv("RF_WARMUP"))
    warmup = std::max(0, std::atoi(s));
  int64_t checkN = int64_t(1) << 20;
  if (const char *s = std::getenv("RF_PREFETCH"))
    prefetchDistance = std::max(0, std::atoi(s));
  if (const char *s = std::getenv("RF_CHECK"))
    checkN = std::min<int64_t>(kN, std::max<int64_t>(0, std::atoll(s)));
  threads = omp_get_max_threads();
  ghz = measureGHz();
  std::printf("philox_roofline: N = 2^24, %d threads, %d warm-up + %d timed "
              "runs (median), core clock %.2f GHz (dependent adds)\n",
              threads, warmup, runs, ghz);

  rng::Key key = rng::seed(kSeed);
  RoundKeys rk = roundKeys(key);
  float *src = alloc(kN), *dst = alloc(kN), *prob = alloc(kN);
  fill(src, kN, 2, false);
  fill(prob, kN, 8, true);

  // Ceilings.
  Timing tm = timeSeconds([&] { std::memcpy(dst, src, size_t(kN) * 4); });
  Timing tmo = timeSeconds([&] {
#pragma omp parallel
    {
      int nt = omp_get_num_threads(), t = omp_get_thread_num();
      int64_t lo = kN * t / nt, hi = kN * (t + 1) / nt;
      std::memcpy(dst + lo, src + lo, size_t(hi - lo) * 4);
    }
  });
  auto loopCopy = [&] {
#pragma omp parallel for simd schedule(static)
    for (int64_t i = 0; i < kN; ++i)
      dst[i] = src[i];
  };
  auto ntCopy = [&] {
#pragma omp parallel
    {
      int nt = omp_get_num_threads(), t = omp_get_thread_num();
      int64_t lo = kN / 16 * t / nt * 16, hi = kN / 16 * (t + 1) / nt * 16;
      for (int64_t i = lo; i < hi; i += 16)
        _mm512_stream_ps(dst + i, _mm512_load_ps(src + i));
      _mm_sfence();
    }
  };
  Timing tl = timeSeconds(loopCopy);
  Timing tnt = timeSeconds(ntCopy);
  copyGBps =
      8.0 * kN / 1e9 / std::min({tm.median, tmo.median, tl.median, tnt.median});
  copyBestGBps =
      8.0 * kN / 1e9 / std::min({tm.best, tmo.best, tl.best, tnt.best});
  std::printf("%-12s %-10s %7s    %6s      %5s  |      %6s      %5s  | %13s "
              "|\n",
              "kernel", "stores", "median", "GB/s", "xcopy", "GB/s", "xcopy",
              "median ratio");
  emitLarge("copy", "memcpy-1t", tm, 8.0 * kN, false);
  emitLarge("copy", "memcpy-omp", tmo, 8.0 * kN, false);
  emitLarge("copy", "loop-omp", tl, 8.0 * kN, false);
  emitLarge("copy", "nt-omp", tnt, 8.0 * kN, false);
  std::printf("copy ceiling (the fastest of the four): median %.2f GB/s, "
              "best %.2f GB/s\n",
              copyGBps, copyBestGBps);

  const Kind kinds[] = {Kind::Bits, Kind::Xor,       Kind::UniformAdd,
                        Kind::SbP,  Kind::SbSigmoid, Kind::Noise};
  for (Kind k : kinds) {
    const float *in = k == Kind::SbP ? prob : src;
    for (bool nt : {false, true}) {
      if (!checkKernel(k, key, rk, nt, checkN, in, dst))
        continue;
      auto kernel = [&] { runParallel(rangeFnFor(k, nt), rk, in, dst, kN); };
      Timing t = timeSeconds(kernel);
      // Paired: each run of the kernel right after the two plain-loop copies
      // (the faster of them is that run's ceiling), so that slow drifts of
      // the shared host hit both; the median of the per-run ratios.
      std::vector<double> ratio;
      for (int r = 0; r < runs; ++r) {
        double c = std::min(timeOnce(loopCopy), timeOnce(ntCopy));
        ratio.push_back(c / timeOnce(kernel) * bytesPerElement(k) / 8.0);
      }
      emitLarge(kindName(k), nt ? "nt-store" : "store", t,
                bytesPerElement(k) * kN, true, median(ratio));
    }
  }

  // Compute cost alone: 8192 elements per thread (64 KiB in + out, in L2),
  // each thread on its own buffers; first one thread, then all of them. The
  // least time of the runs (the host is shared: the least is the one least
  // disturbed), and the highest clock of the measurement after it.
  const int64_t small = 8192, reps = 64;
  for (int nThreads : {1, threads}) {
    std::printf("in L2 (%lld elements per thread, %d thread%s, compute "
                "only):\n",
                (long long)small, nThreads, nThreads > 1 ? "s" : "");
    for (Kind k : kinds) {
      const float *in = k == Kind::SbP ? prob : src;
      RangeFn fn = rangeFnFor(k, false);
      double t = timeSeconds([&] {
#pragma omp parallel num_threads(nThreads)
                   {
                     int64_t off = 2 * small * omp_get_thread_num();
                     for (int64_t r = 0; r < reps; ++r)
                       fn(rk, in + off, dst + off, 0, small);
                   }
                 }).best;
      emitSmall(kindName(k), "in-L2", t / reps,
                bytesPerElement(k) * small * nThreads, small * nThreads,
                nThreads);
#ifdef RF_WITH_STO
      // sto's compiled code for the same kernel (l2_workloads.mlir).
      using StoFn = int32_t (*)(const float *, int64_t, float *);
      StoFn sfn = k == Kind::UniformAdd  ? l2_uniform_add
                  : k == Kind::SbP       ? l2_sb_p
                  : k == Kind::SbSigmoid ? l2_sb_sigmoid
                  : k == Kind::Noise     ? l2_noise_add
                                         : nullptr;
      if (!sfn)
        continue;
      double ts = timeSeconds([&] {
#pragma omp parallel num_threads(nThreads)
                    {
                      int64_t off = 2 * small * omp_get_thread_num();
                      for (int64_t r = 0; r < reps; ++r)
                        sfn(in + off, kSeed, dst + off);
                    }
                  }).best;
      emitSmall(kindName(k), "sto-in-L2", ts / reps,
                bytesPerElement(k) * small * nThreads, small * nThreads,
                nThreads);
      // sto's bits, except sb_sigmoid's (its exp is not this file's).
      if (nThreads == 1 && k != Kind::SbSigmoid) {
        sfn(in, kSeed, dst);
        int64_t bad = 0;
        for (int64_t i = 0; i < small; ++i)
          bad += rng::bitsOf(dst[i]) != reference(k, key, uint64_t(i), in[i]);
        if (bad) {
          allOk = false;
          std::printf("CHECK FAILED sto %s: %lld mismatches\n", kindName(k),
                      (long long)bad);
        }
      }
#endif
    }
  }
  std::printf(allOk ? "all outputs bit-exact against Philox.h\n"
                    : "SOME CHECKS FAILED\n");
  return allOk ? 0 : 1;
}
