//===- bench_common.h - what the CPU benchmark programs share ---*- C++ -*-===//
//
// Buffers, inputs and timing of bench_sto.cpp, bench_moe.cpp and
// roofline/philox_roofline.cpp (OpenMP; header-only).
//
//===----------------------------------------------------------------------===//

#ifndef STO_BENCH_CPU_BENCH_COMMON_H
#define STO_BENCH_CPU_BENCH_COMMON_H

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <omp.h>
#include <string>
#include <vector>

namespace bench {

/// n zeroed elements, 64-byte aligned; exits with status 2 when out of
/// memory. The zeroing runs on the OpenMP threads, so the pages land near
/// the threads that use them (first touch).
template <typename T = float> T *allocZeroed(int64_t n) {
  void *p = std::aligned_alloc(64, (size_t(n) * sizeof(T) + 63) / 64 * 64);
  if (!p) {
    std::fprintf(stderr, "out of memory allocating %lld elements\n",
                 (long long)n);
    std::exit(2);
  }
  T *f = static_cast<T *>(p);
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < n; ++i)
    f[i] = T(0);
  return f;
}

/// The sum of four uniforms in [0, 1) hashed from (i, seed): cheap inputs
/// that owe nothing to the generator under test.
inline float sumOfFourUniforms(int64_t i, uint64_t seed) {
  uint64_t z = (uint64_t(i) + 1) * 0x9E3779B97F4A7C15ull ^ seed;
  float s = 0;
  for (int j = 0; j < 4; ++j) {
    z ^= z >> 33;
    z *= 0xff51afd7ed558ccdull;
    z ^= z >> 29;
    s += float(z >> 40) * (1.0f / 16777216.0f);
  }
  return s;
}

/// A standard-normal-like fill (mean 0, variance 1: a sum of 4 U[0, 1) has
/// variance 1/3), times `scale`.
inline void fillNormal(float *f, int64_t n, uint64_t seed, float scale = 1.0f) {
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < n; ++i)
    f[i] = (sumOfFourUniforms(i, seed) - 2.0f) * 1.7320508f * scale;
}

inline double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  size_t m = v.size() / 2;
  return v.size() % 2 ? v[m] : 0.5 * (v[m - 1] + v[m]);
}

inline double timeOnce(const std::function<void()> &fn) {
  auto t0 = std::chrono::steady_clock::now();
  fn();
  auto t1 = std::chrono::steady_clock::now();
  return std::chrono::duration<double>(t1 - t0).count();
}

/// The median and the least time of `runs` calls after `warmup` calls.
struct Timing {
  double median, best;
};
inline Timing timeRuns(const std::function<void()> &fn, int warmup, int runs) {
  for (int i = 0; i < warmup; ++i)
    fn();
  std::vector<double> ts;
  for (int i = 0; i < runs; ++i)
    ts.push_back(timeOnce(fn));
  return {median(ts), *std::min_element(ts.begin(), ts.end())};
}

/// Prints a sanity check of a result to stderr; whether `value` is in
/// [lo, hi].
inline bool checkRange(const char *workload, const char *what, double value,
                       double lo, double hi) {
  bool ok = value >= lo && value <= hi && std::isfinite(value);
  std::fprintf(stderr, "check %s: %s = %.6g (expected in [%g, %g]) %s\n",
               workload, what, value, lo, hi, ok ? "ok" : "FAILED");
  return ok;
}

/// A compiled function's status: anything but 0 ends the program.
inline void call(int32_t status, const char *workload) {
  if (status != 0) {
    std::fprintf(stderr, "%s returned status %d\n", workload, status);
    std::exit(1);
  }
}

/// The settings every benchmark program reads from the environment:
/// STO_BENCH_RUNS and STO_BENCH_WARMUP (timed and warm-up calls per result)
/// and STO_BENCH_ONLY (a comma-separated list of names); prints them.
inline void readSettings(const char *program, int &runs, int &warmup,
                         std::string &only) {
  if (const char *s = std::getenv("STO_BENCH_RUNS"))
    runs = std::max(1, std::atoi(s));
  if (const char *s = std::getenv("STO_BENCH_WARMUP"))
    warmup = std::max(0, std::atoi(s));
  if (const char *s = std::getenv("STO_BENCH_ONLY"))
    only = s;
  std::fprintf(stderr,
               "%s: %d OpenMP threads, %d warm-up + %d timed runs, median\n",
               program, omp_get_max_threads(), warmup, runs);
}

/// Whether `name` is in the comma-separated list `only` (all names are when
/// it is empty).
inline bool listed(const std::string &only, const char *name) {
  return only.empty() ||
         ("," + only + ",").find("," + std::string(name) + ",") !=
             std::string::npos;
}

} // namespace bench

#endif // STO_BENCH_CPU_BENCH_COMMON_H
