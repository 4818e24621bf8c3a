// bench_sto.cpp - times sto's compiled CPU code on the elementwise workloads of
// ../../../shared/bench (see workloads.mlir for the sizes), on two reductions
// of model code (softmax over rows, a column sum) and, in the same run, the
// bandwidth ceiling: a copy of 2^24 f32 with glibc's memcpy on one thread, with
// memcpy on every OpenMP thread (each copies its own slice), and with a plain
// OpenMP copy loop; report.py takes the fastest of the three as the ceiling.
//
// Prints one JSON line per result:
//   {"impl": "sto", "workload": "noise_add", "seconds": ..., "bytes": ...,
//   "gbps": ...}
// seconds is the median of RUNS timed calls (std::chrono::steady_clock) after
// WARMUP untimed ones; bytes is the fewest bytes the workload must move (each
// input read once, each output written once), counted as
// ../../../shared/bench/README.md counts them; gbps is bytes / seconds / 1e9. A
// sanity check of every result (rates, moments) goes to stderr; a failed check
// makes the program exit 1 after printing everything.
//
// The memory bandwidth of a shared machine drifts by up to 2x within a run, so
// each timed call of a workload is paired with the two parallel copies run
// right before it: the sto lines also carry "paired", the median over the
// calls of (the call's GB/s) / (the faster copy's GB/s of its pair), and
// "paired_copy_gbps", the median of those copies.
//
// Each elementwise workload is also timed on data in L2 ("sto-compute" lines:
// emitCompute), which bounds what its code can reach whatever the memory does.
//
// Build (run.sh does this):
//   sto-compile workloads.mlir -o workloads.o --header workloads.h
//   python3 compute_variant.py workloads.mlir > workloads_l2.mlir
//   sto-compile workloads_l2.mlir --parallel=false -o workloads_l2.o \
//       --header workloads_l2.h
//   clang++-22 -O2 -fopenmp -I<dir of the headers> bench_sto.cpp workloads.o \
//       workloads_l2.o libsto_runtime.a -lm -o bench_sto
// Environment: OMP_NUM_THREADS (the threads of both sto and the parallel copy),
// STO_BENCH_RUNS (default 15), STO_BENCH_WARMUP (default 3), STO_BENCH_ONLY (a
// comma-separated list of workload names to run, "copy" naming the ceiling).

#include "bench_common.h"
#include "workloads.h"
#include "workloads_l2.h"

#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

namespace {

constexpr int64_t kN = int64_t(1) << 24; // noise_add, stochastic_binary, copy
constexpr int64_t kRows = 1024, kCols = 8192;      // dropout_bias_gelu
constexpr int64_t kP = int64_t(1) << 23;           // langevin_swa, spsa_perturb
constexpr int64_t kB = 256, kD = int64_t(1) << 16; // dp_aggregate

int runs = 15, warmup = 3;
constexpr int64_t seed = 1234;
bool allOk = true;
std::string only;

bool selected(const char *name) { return bench::listed(only, name); }

// 64-byte aligned, never-freed buffers, first touched in parallel (the pages
// then spread over the threads that will use them, and no page fault is timed).
float *alloc(int64_t n) { return bench::allocZeroed<float>(n); }
using bench::fillNormal;

double medianSeconds(const std::function<void()> &fn) {
  return bench::timeRuns(fn, warmup, runs).median;
}

// The copies each timed call is paired with (set up by the "copy" part).
float *copySrc = nullptr, *copyDst = nullptr;
// A copy of kN f32 with memcpy on every thread (each copies its own slice).
void memcpyOmp() {
#pragma omp parallel
  {
    int nt = omp_get_num_threads(), t = omp_get_thread_num();
    int64_t lo = kN * t / nt, hi = kN * (t + 1) / nt;
    std::memcpy(copyDst + lo, copySrc + lo, size_t(hi - lo) * 4);
  }
}
// The same with a plain loop and ordinary stores, as the compiled kernels
// have: glibc's memcpy uses non-temporal stores for copies this large, which
// is not always the faster choice.
void copyLoopOmp() {
#pragma omp parallel for simd schedule(static)
  for (int64_t i = 0; i < kN; ++i)
    copyDst[i] = copySrc[i];
}

// The calls of the last pairedSeconds: (call seconds, copy seconds).
std::vector<std::pair<double, double>> pairs;

/// The median of `runs` calls of `fn` after `warmup` ones, each timed call
/// right after both parallel copies (the faster one is its pair).
double pairedSeconds(const std::function<void()> &fn) {
  pairs.clear();
  if (!copySrc)
    return medianSeconds(fn);
  for (int i = 0; i < warmup; ++i)
    fn();
  std::vector<double> ts;
  for (int i = 0; i < runs; ++i) {
    double c =
        std::min(bench::timeOnce(memcpyOmp), bench::timeOnce(copyLoopOmp));
    double t = bench::timeOnce(fn);
    pairs.push_back({t, c});
    ts.push_back(t);
  }
  return bench::median(ts);
}

void emit(const char *impl, const char *workload, double seconds,
          double bytes) {
  std::printf("{\"impl\": \"%s\", \"workload\": \"%s\", \"seconds\": %.6g, "
              "\"bytes\": %.0f, \"gbps\": %.4g",
              impl, workload, seconds, bytes, bytes / seconds / 1e9);
  if (!pairs.empty()) {
    std::vector<double> ratios, copies;
    for (auto [t, c] : pairs) {
      double copyGbps = 8.0 * kN / c / 1e9;
      ratios.push_back(bytes / t / 1e9 / copyGbps);
      copies.push_back(copyGbps);
    }
    std::printf(", \"paired\": %.4g, \"paired_copy_gbps\": %.4g",
                bench::median(ratios), bench::median(copies));
    pairs.clear();
  }
  std::printf("}\n");
  std::fflush(stdout);
}

/// The compute-alone bound of a workload: every thread calls its in-L2
/// variant (workloads_l2.h: the same function on kL2 elements, compiled
/// single-threaded) kL2Calls times on buffers of its own, so nothing but
/// the compute is timed. Emits the bytes the workload would move in that
/// time as "sto-compute" (the median of `runs` such rounds): the most GB/s
/// its compiled code can reach at this thread count, whatever the memory.
constexpr int64_t kL2 = 8192;
constexpr int kL2Calls = 64;
void emitCompute(const char *workload, double bytesPerElement, int buffers,
                 const std::function<void(float *const *)> &fn) {
  int nt = omp_get_max_threads();
  std::vector<float *> bufs(size_t(nt) * buffers);
  for (size_t i = 0; i < bufs.size(); ++i) {
    bufs[i] = alloc(kL2);
    fillNormal(bufs[i], kL2, 100 + i);
  }
  double t = medianSeconds([&] {
#pragma omp parallel
    {
      float *const *mine = &bufs[size_t(omp_get_thread_num()) * buffers];
      for (int c = 0; c < kL2Calls; ++c)
        fn(mine);
    }
  });
  emit("sto-compute", workload, t, bytesPerElement * kL2 * kL2Calls * nt);
  for (float *b : bufs)
    std::free(b);
}

void check(const char *workload, const char *what, double value, double lo,
           double hi) {
  if (!bench::checkRange(workload, what, value, lo, hi))
    allOk = false;
}

using bench::call;

} // namespace

int main() {
  bench::readSettings("bench_sto", runs, warmup, only);

  // The ceiling: copy 2^24 f32 (read 4N + write 4N bytes).
  // Its buffers stay for the copies paired with every timed call.
  if (selected("copy")) {
    float *src = alloc(kN), *dst = alloc(kN);
    fillNormal(src, kN, 1);
    double t1 = medianSeconds([&] { std::memcpy(dst, src, size_t(kN) * 4); });
    emit("memcpy", "copy", t1, 8.0 * kN);
    copySrc = src;
    copyDst = dst;
    emit("memcpy-omp", "copy", medianSeconds(memcpyOmp), 8.0 * kN);
    emit("copy-loop-omp", "copy", medianSeconds(copyLoopOmp), 8.0 * kN);
    // Reading alone (a sum; 4N bytes): the bound of dp_aggregate, which
    // reads its gradients and writes almost nothing. Not a copy candidate.
    volatile float sink = 0;
    double tr = medianSeconds([&] {
      float s = 0;
#pragma omp parallel for simd schedule(static) reduction(+ : s)
      for (int64_t i = 0; i < kN; ++i)
        s += src[i];
      sink = s;
    });
    (void)sink;
    emit("read-loop-omp", "read", tr, 4.0 * kN);
  }

  if (selected("noise_add")) {
    float *x = alloc(kN), *y = alloc(kN);
    fillNormal(x, kN, 2);
    double t = pairedSeconds([&] { call(noise_add(x, seed, y), "noise_add"); });
    emit("sto", "noise_add", t, 8.0 * kN);
    emitCompute("noise_add", 8.0, 2, [](float *const *b) {
      call(noise_add_l2(b[0], seed, b[1]), "noise_add_l2");
    });
    double s = 0, s2 = 0;
    for (int64_t i = 0; i < kN; ++i) {
      double d = double(y[i]) - x[i];
      s += d;
      s2 += d * d;
    }
    check("noise_add", "mean of y - x", s / kN, -1e-3, 1e-3);
    check("noise_add", "std of y - x", std::sqrt(s2 / kN), 0.249, 0.251);
    std::free(x);
    std::free(y);
  }

  if (selected("dropout_bias_gelu")) {
    int64_t n = kRows * kCols;
    float *x = alloc(n), *b = alloc(kCols), *y = alloc(n);
    fillNormal(x, n, 3);
    fillNormal(b, kCols, 4);
    double t = pairedSeconds(
        [&] { call(dropout_bias_gelu(x, b, seed, y), "dropout_bias_gelu"); });
    emit("sto", "dropout_bias_gelu", t, 8.0 * n);
    emitCompute("dropout_bias_gelu", 8.0, 3, [](float *const *b) {
      call(dropout_bias_gelu_l2(b[0], b[1], seed, b[2]),
           "dropout_bias_gelu_l2");
    });
    // Dropped elements are exactly 0; a kept element h/0.9 has gelu(h/0.9) != 0
    // almost surely. Spot-check kept values against the exact formula.
    int64_t zeros = 0;
    double maxErr = 0;
    for (int64_t i = 0; i < n; ++i) {
      if (y[i] == 0.0f) {
        ++zeros;
        continue;
      }
      if (i % 997 == 0) {
        double h = (double(x[i]) + b[i % kCols]) / 0.9;
        double ref = 0.5 * h * (1.0 + std::erf(h / std::sqrt(2.0)));
        maxErr = std::max(maxErr, std::fabs(ref - y[i]) /
                                      std::max(1.0, std::fabs(ref)));
      }
    }
    check("dropout_bias_gelu", "drop rate", double(zeros) / n, 0.098, 0.102);
    check("dropout_bias_gelu", "max rel error of kept values", maxErr, 0, 1e-5);
    std::free(x);
    std::free(b);
    std::free(y);
  }

  if (selected("langevin_swa")) {
    float *p = alloc(kP), *g = alloc(kP), *avg = alloc(kP), *p1 = alloc(kP),
          *a1 = alloc(kP);
    fillNormal(p, kP, 5);
    fillNormal(g, kP, 6);
    std::memcpy(avg, p, size_t(kP) * 4);
    const int64_t count = 7;
    double t = pairedSeconds([&] {
      call(langevin_swa(p, g, avg, count, seed, p1, a1), "langevin_swa");
    });
    emit("sto", "langevin_swa", t, 20.0 * kP);
    emitCompute("langevin_swa", 20.0, 5, [](float *const *b) {
      call(langevin_swa_l2(b[0], b[1], b[2], 7, seed, b[3], b[4]),
           "langevin_swa_l2");
    });
    // p1 - (p - lr g) is the noise, std sqrt(2 lr T) = sqrt(2e-7); avg' = avg +
    // (p1 - avg)/8.
    double s2 = 0, maxErr = 0;
    for (int64_t i = 0; i < kP; ++i) {
      double d = double(p1[i]) - (double(p[i]) - 1e-3 * g[i]);
      s2 += d * d;
      double ra = double(avg[i]) + (double(p1[i]) - avg[i]) / 8.0;
      maxErr = std::max(maxErr, std::fabs(ra - a1[i]));
    }
    check("langevin_swa", "noise std / sqrt(2 lr T)",
          std::sqrt(s2 / kP) / std::sqrt(2e-7), 0.99, 1.01);
    check("langevin_swa", "max abs error of avg'", maxErr, 0, 1e-5);
    std::free(p);
    std::free(g);
    std::free(avg);
    std::free(p1);
    std::free(a1);
  }

  if (selected("spsa_perturb")) {
    float *p = alloc(kP), *q = alloc(kP), *q2 = alloc(kP);
    fillNormal(p, kP, 7);
    double t =
        pairedSeconds([&] { call(spsa_perturb(p, seed, q), "spsa_perturb"); });
    emit("sto", "spsa_perturb", t, 8.0 * kP);
    emitCompute("spsa_perturb", 8.0, 2, [](float *const *b) {
      call(spsa_perturb_l2(b[0], seed, b[1]), "spsa_perturb_l2");
    });
    call(spsa_perturb(p, seed, q2), "spsa_perturb");
    double s2 = 0;
    bool same = std::memcmp(q, q2, size_t(kP) * 4) == 0;
    for (int64_t i = 0; i < kP; ++i) {
      double d = double(q[i]) - p[i];
      s2 += d * d;
    }
    check("spsa_perturb", "replay from the seed is bit-identical", same ? 1 : 0,
          1, 1);
    check("spsa_perturb", "perturbation std / eps", std::sqrt(s2 / kP) / 1e-3,
          0.98, 1.02);
    std::free(p);
    std::free(q);
    std::free(q2);
  }

  if (selected("stochastic_binary")) {
    float *a = alloc(kN), *h = alloc(kN);
    fillNormal(a, kN, 8);
    double t = pairedSeconds(
        [&] { call(stochastic_binary(a, seed, h), "stochastic_binary"); });
    emit("sto", "stochastic_binary", t, 8.0 * kN);
    emitCompute("stochastic_binary", 8.0, 2, [](float *const *b) {
      call(stochastic_binary_l2(b[0], seed, b[1]), "stochastic_binary_l2");
    });
    double ones = 0, expect = 0;
    int64_t bad = 0;
    for (int64_t i = 0; i < kN; ++i) {
      if (h[i] != 0.0f && h[i] != 1.0f)
        ++bad;
      ones += h[i];
      expect += 1.0 / (1.0 + std::exp(-double(a[i])));
    }
    check("stochastic_binary", "values outside {0, 1}", double(bad), 0, 0);
    check("stochastic_binary", "rate of ones - mean sigmoid(a)",
          (ones - expect) / kN, -1e-3, 1e-3);
    std::free(a);
    std::free(h);
  }

  if (selected("dp_aggregate")) {
    float *G = alloc(kB * kD), *r = alloc(kD);
    fillNormal(G, kB * kD, 9);
    double t =
        pairedSeconds([&] { call(dp_aggregate(G, seed, r), "dp_aggregate"); });
    emit("sto", "dp_aggregate", t, 4.0 * kB * kD);
    // Reference without the noise: r - clipped mean = sigma C xi / B, std
    // 1/256.
    std::vector<double> ref(kD, 0.0);
    for (int64_t b = 0; b < kB; ++b) {
      double nrm = 0;
      for (int64_t j = 0; j < kD; ++j)
        nrm += double(G[b * kD + j]) * G[b * kD + j];
      double sc = std::min(1.0, 1.0 / std::sqrt(nrm));
      for (int64_t j = 0; j < kD; ++j)
        ref[j] += G[b * kD + j] * sc;
    }
    double s2 = 0;
    for (int64_t j = 0; j < kD; ++j) {
      double d = double(r[j]) - ref[j] / kB;
      s2 += d * d;
    }
    check("dp_aggregate", "noise std * B / (sigma C)", std::sqrt(s2 / kD) * kB,
          0.98, 1.02);
    std::free(G);
    std::free(r);
  }

  // Model code (no target): softmax over rows, a column sum.
  if (selected("softmax_rows")) {
    float *x = alloc(kRows * kCols), *y = alloc(kRows * kCols);
    fillNormal(x, kRows * kCols, 10, 3.0f);
    double t = pairedSeconds([&] { call(softmax_rows(x, y), "softmax_rows"); });
    emit("sto", "softmax_rows", t, 8.0 * kRows * kCols);
    double worst = 0;
    for (int64_t r = 0; r < kRows; r += 97) {
      double m = -INFINITY, sum = 0;
      for (int64_t j = 0; j < kCols; ++j)
        m = std::max(m, double(x[r * kCols + j]));
      for (int64_t j = 0; j < kCols; ++j)
        sum += std::exp(double(x[r * kCols + j]) - m);
      for (int64_t j = 0; j < kCols; ++j) {
        double want = std::exp(double(x[r * kCols + j]) - m) / sum;
        worst = std::max(worst, std::fabs(y[r * kCols + j] - want) / want);
      }
    }
    check("softmax_rows", "largest relative error", worst, 0, 1e-5);
    std::free(x);
    std::free(y);
  }

  if (selected("column_sum")) {
    constexpr int64_t kSumRows = 8192, kSumCols = 1024;
    float *x = alloc(kSumRows * kSumCols), *s = alloc(kSumCols);
    fillNormal(x, kSumRows * kSumCols, 11);
    double t = pairedSeconds([&] { call(column_sum(x, s), "column_sum"); });
    emit("sto", "column_sum", t, 4.0 * kSumRows * kSumCols + 4.0 * kSumCols);
    // Each column sums in increasing row order: the same float sum here.
    int64_t bad = 0;
    for (int64_t c = 0; c < kSumCols; ++c) {
      float want = 0;
      for (int64_t r = 0; r < kSumRows; ++r)
        want += x[r * kSumCols + c];
      bad += std::memcmp(&want, &s[c], 4) != 0;
    }
    check("column_sum", "columns differing from the sequential sum",
          double(bad), 0, 0);
    std::free(x);
    std::free(s);
  }

  if (!allOk)
    std::fprintf(stderr, "bench_sto: some checks FAILED\n");
  return allOk ? 0 : 1;
}
