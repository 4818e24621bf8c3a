/* sto_example.h - shared helpers of the C drivers in examples/drivers.
 *
 * - An independent C implementation of the parts of the randomness contract
 *   (docs/Randomness.md) that the drivers use to predict what a compiled
 *   model must compute: Philox4x32-10, seed/split/fold_in, the element to
 *   (block, lane) mapping, the f32 uniform, and the standard normal
 *   (Box-Muller as in section 8.2, but in binary64 with libm, so it agrees
 *   with sto's binary32 normal to a few ulps, not bit for bit).
 *   philox_self_test() checks it against the vectors of section 9.1.
 * - ref_normal_f32: the binary32 standard normal of section 8.2 exactly as
 *   section 6 specifies it (polynomial log, sin and cos of 2 pi n 2^-24,
 *   every fma written out, no contraction), so it gives sto's bits.
 * - A data generator that has nothing to do with sto (splitmix64), for the
 *   drivers' inputs, so that a bug in sto's samplers cannot hide in the data.
 * - Small statistics and a CHECK macro: each check prints one line
 *   "check <what>: ok" or "check <what>: FAILED", and the driver's exit
 *   status is the number of failed checks (0 = all passed).
 */
#ifndef STO_EXAMPLE_H
#define STO_EXAMPLE_H

#include "sto-c/Runtime.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- Philox4x32-10 and keys (docs/Randomness.md sections 2-5) ---------- */

typedef struct {
  uint32_t w[2];
} sto_key;
typedef struct {
  uint32_t v[4];
} sto_block;

static inline sto_block philox10(sto_block c, sto_key k) {
  uint32_t x0 = c.v[0], x1 = c.v[1], x2 = c.v[2], x3 = c.v[3];
  uint32_t k0 = k.w[0], k1 = k.w[1];
  for (int r = 0; r < 10; ++r) {
    if (r > 0) {
      k0 += 0x9E3779B9u;
      k1 += 0xBB67AE85u;
    }
    uint64_t p0 = (uint64_t)0xD2511F53u * x0;
    uint64_t p1 = (uint64_t)0xCD9E8D57u * x2;
    uint32_t y0 = (uint32_t)(p1 >> 32) ^ x1 ^ k0;
    uint32_t y1 = (uint32_t)p1;
    uint32_t y2 = (uint32_t)(p0 >> 32) ^ x3 ^ k1;
    uint32_t y3 = (uint32_t)p0;
    x0 = y0;
    x1 = y1;
    x2 = y2;
    x3 = y3;
  }
  sto_block out = {{x0, x1, x2, x3}};
  return out;
}

static inline sto_key key_seed(int64_t s) {
  sto_key k = {{(uint32_t)(uint64_t)s, (uint32_t)((uint64_t)s >> 32)}};
  return k;
}

static inline sto_key key_derive(sto_key k, int64_t d, uint32_t tag) {
  sto_block c = {
      {(uint32_t)(uint64_t)d, (uint32_t)((uint64_t)d >> 32), 0u, tag}};
  sto_block o = philox10(c, k);
  sto_key r = {{o.v[0], o.v[1]}};
  return r;
}

/* Child i of sto.split %k count n. */
static inline sto_key key_split(sto_key k, int64_t n, int64_t i) {
  return n == 1 ? k : key_derive(k, i, 0x53504C54u);
}
static inline sto_key key_fold_in(sto_key k, int64_t d) {
  return key_derive(k, d, 0x464F4C44u);
}

static inline sto_block sampler_block(sto_key k, uint64_t b) {
  sto_block c = {{(uint32_t)b, (uint32_t)(b >> 32), 0u, 0u}};
  return philox10(c, k);
}

/* uniform01 of element i: (r >> 8) * 2^-24, exact. */
static inline float ref_uniform(sto_key k, uint64_t i) {
  return (float)(sampler_block(k, i >> 2).v[i & 3] >> 8) * 0x1p-24f;
}

/* Standard normal of element i (section 8.2), in binary64. */
static inline double ref_normal(sto_key k, uint64_t i) {
  sto_block b = sampler_block(k, i >> 2);
  uint32_t a = b.v[i & 2], c = b.v[(i & 2) + 1];
  double u1 = (double)((a >> 8) + 1u) * 0x1p-24;
  double u2 = (double)(c >> 8) * 0x1p-24;
  double radius = sqrt(-2.0 * log(u1));
  double t = 6.283185307179586 * u2;
  return (i & 1) ? radius * sin(t) : radius * cos(t);
}

/* ---- The binary32 normal, bit for bit (docs/Randomness.md 6, 8.2) ------ */

/* No a*b+c may become an fma unless written as one (section 1). */
#pragma STDC FP_CONTRACT OFF

static inline uint32_t f32_bits(float x) {
  uint32_t u;
  memcpy(&u, &x, 4);
  return u;
}
static inline float f32_from(uint32_t u) {
  float x;
  memcpy(&x, &u, 4);
  return x;
}

/* 6.1: log(x) for positive normal finite x. */
static inline float log_f32(float x) {
  static const float R[9] = {0x1.555548p-2f,  -0x1.000006p-2f, 0x1.99a4b6p-3f,
                             -0x1.555c4cp-3f, 0x1.233764p-3f,  -0x1.fc2216p-4f,
                             0x1.e6f0b6p-4f,  -0x1.de3bd6p-4f, 0x1.1456bap-4f};
  uint32_t ix = f32_bits(x) + 0x004AFB0Du;
  int32_t k = (int32_t)(ix >> 23) - 127;
  float m = f32_from((ix & 0x007FFFFFu) + 0x3F3504F3u);
  float f = m - 1.0f;
  float r = R[8];
  for (int j = 7; j >= 0; --j)
    r = fmaf(r, f, R[j]);
  float q = fmaf(r, f, -0.5f);
  float ff = f * f;
  float y = fmaf(ff, q, f);
  float kf = (float)k;
  return fmaf(kf, 0x1.62e430p-1f, fmaf(kf, -0x1.05c610p-29f, y));
}

/* 6.2: sin and cos of 2 pi n 2^-24; returns cos when want_cos, else sin. */
static inline float sincos_2pi_u24(uint32_t n, int want_cos) {
  n &= 0x00FFFFFFu;
  uint32_t q = (n + 0x00200000u) >> 22;
  int32_t rem = (int32_t)n - (int32_t)(q << 22);
  float t = (float)rem * 0x1p-24f;
  float w = t * t;
  float ps = fmaf(fmaf(-0x1.2dc84ep+6f, w, 0x1.466004p+6f), w, -0x1.4abbbep+5f);
  float s = fmaf(t, 0x1.921fb6p+2f, t * fmaf(w, ps, -0x1.777a5cp-23f));
  float pc =
      fmaf(fmaf(fmaf(0x1.d9d580p+5f, w, -0x1.55c5e0p+6f), w, 0x1.03c1dep+6f), w,
           -0x1.3bd3ccp+4f);
  float c = fmaf(w, pc, 1.0f);
  float sn, cs;
  switch (q & 3u) {
  case 0:
    sn = s;
    cs = c;
    break;
  case 1:
    sn = c;
    cs = -s;
    break;
  case 2:
    sn = -s;
    cs = -c;
    break;
  default:
    sn = -c;
    cs = s;
    break;
  }
  return want_cos ? cs : sn;
}

/* 8.2: z of element i, the standard normal of every normal-based sampler. */
static inline float ref_normal_f32(sto_key k, uint64_t i) {
  sto_block b = sampler_block(k, i >> 2);
  uint32_t a = b.v[i & 2], c = b.v[(i & 2) + 1];
  float u1 = (float)((a >> 8) + 1u) * 0x1p-24f;
  float radius = sqrtf(log_f32(u1) * -2.0f);
  return radius * sincos_2pi_u24(c >> 8, !(i & 1));
}

/* Section 9.1 of docs/Randomness.md. Returns 0 when all vectors match. */
static inline int philox_self_test(void) {
  sto_key k = key_seed(42);
  sto_block b0 = sampler_block(k, 0), b1 = sampler_block(k, 1);
  const uint32_t want[8] = {0x9ceaf053u, 0x77f5493bu, 0x12bf50adu, 0x5742b3d7u,
                            0xfcdb2127u, 0x53ba6cfdu, 0x838f5a6eu, 0x744e06fbu};
  int bad = 0;
  for (int j = 0; j < 4; ++j)
    bad += b0.v[j] != want[j] || b1.v[j] != want[4 + j];
  sto_key s0 = key_split(k, 2, 0), s1 = key_split(k, 2, 1);
  sto_key f0 = key_fold_in(k, 0), f1 = key_fold_in(k, 1);
  bad += s0.w[0] != 0x45e84dd0u || s0.w[1] != 0x9fa2fbe8u;
  bad += s1.w[0] != 0x949126c2u || s1.w[1] != 0xe59a15d7u;
  bad += f0.w[0] != 0x8cde6fa1u || f0.w[1] != 0x518666b0u;
  bad += f1.w[0] != 0xedf741e9u || f1.w[1] != 0xfbf83a27u;
  bad += fabs(ref_normal(k, 0) - -0.970189691) > 1e-6;
  bad += fabs(ref_normal(k, 3) - 1.92392707) > 1e-6;
  const uint32_t normal_bits[8] = {0xbf785e5au, 0x3e46acecu, 0xbf9e28cdu,
                                   0x3ff6433eu, 0xbd95e014u, 0x3e0e79feu,
                                   0xbf8da732u, 0x3ea7430bu};
  for (int i = 0; i < 8; ++i)
    bad += f32_bits(ref_normal_f32(k, i)) != normal_bits[i];
  return bad;
}

/* ---- Input data: splitmix64, independent of sto ------------------------ */

typedef struct {
  uint64_t s;
} data_rng;

static inline uint64_t data_next(data_rng *r) {
  uint64_t z = (r->s += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}
/* Uniform in (0, 1). */
static inline double data_uniform(data_rng *r) {
  return ((double)(data_next(r) >> 11) + 0.5) * 0x1p-53;
}
static inline double data_normal(data_rng *r) {
  double u1 = data_uniform(r), u2 = data_uniform(r);
  return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

/* ---- Statistics, checks ------------------------------------------------ */

typedef struct {
  double n, sum, sum2;
} moments;
static inline void mom_add(moments *m, double x) {
  m->n += 1;
  m->sum += x;
  m->sum2 += x * x;
}
static inline double mom_mean(const moments *m) { return m->sum / m->n; }
static inline double mom_std(const moments *m) {
  double mu = mom_mean(m);
  double v = m->sum2 / m->n - mu * mu;
  return sqrt(v > 0 ? v * m->n / (m->n - 1) : 0);
}

static int g_failures = 0;
#define CHECK(cond, ...)                                                       \
  do {                                                                         \
    int ok_ = (cond) ? 1 : 0;                                                  \
    printf("check ");                                                          \
    printf(__VA_ARGS__);                                                       \
    printf(": %s\n", ok_ ? "ok" : "FAILED");                                   \
    if (!ok_)                                                                  \
      ++g_failures;                                                            \
  } while (0)

/* A call of a compiled function must return 0; otherwise the status and
   what went wrong (sto_last_error_message) are printed. */
#define CALL(expr)                                                             \
  do {                                                                         \
    int32_t st_ = (expr);                                                      \
    if (st_ != 0) {                                                            \
      fprintf(stderr, "error: %s returned status %d: %s\n", #expr, (int)st_,   \
              sto_last_error_message());                                       \
      exit(100);                                                               \
    }                                                                          \
  } while (0)

static inline void *xmalloc(size_t n) {
  void *p = calloc(1, n ? n : 1);
  if (!p) {
    fprintf(stderr, "out of memory\n");
    exit(101);
  }
  return p;
}

static inline int same_bits(const void *a, const void *b, size_t bytes) {
  return memcmp(a, b, bytes) == 0;
}

/* argv[i] as an integer, or dflt when absent. */
static inline long arg_or(int argc, char **argv, int i, long dflt) {
  return argc > i ? strtol(argv[i], NULL, 0) : dflt;
}

#endif /* STO_EXAMPLE_H */
