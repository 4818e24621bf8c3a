// bench_moe.cpp - times sto's compiled CPU code on the three mixture-of-experts
// workloads of moe_workloads.mlir (the MoE rows of ../../../shared/bench), and
// writes the inputs and results of one small call of each for the cross-check
// of peers_moe_cpu.py.
//
// Prints one JSON line per result, as bench_sto does:
//   {"impl": "sto", "workload": "moe_gate_top2_e64", "seconds": ...,
//    "tokens": ..., "tokens_per_s": ..., "bytes": ..., "gbps": ...}
// "sto" for the static-shape functions, "sto-dyn" for the same functions with
// a dynamic token dimension (whose results must be the same bytes). seconds is
// the median of RUNS timed calls (std::chrono::steady_clock) after WARMUP
// untimed ones. bytes is the fewest bytes the workload must move: for the gates
// the logits, the bias and the weights and indices (4·T·E + 8·T·k + 12·E); for
// dispatch + combine 4·T·D·(2k + 2), as ../../../shared/bench counts it (x
// read, k rows per token written to and read from the buffer, the output
// written). Checks of every full-size result (indices distinct and in range,
// weights summing to 1, the load recounted, the bias update, the dispatch
// slots and the whole expert buffer recomputed by a scalar reference, combine
// spot-checked) go to stderr; a failed check makes the program exit 1 after
// printing everything.
//
// Cross-check: with STO_MOE_CHECK_DIR set, the program also calls every
// dynamic-shape function on a small input (256 tokens for the gates, 2048 for
// dispatch + combine, with logits skewed so that experts overflow their
// capacity) and writes inputs and results there as raw little-endian arrays
// (<case>.<array>.bin; of the expert buffer only the first 16 columns of each
// row) with a manifest check.json; peers_moe_cpu.py runs its implementations
// on the same inputs and compares (see there).
//
// Build (run.sh does this):
//   sto-compile moe_workloads.mlir -o moe_workloads.o --header moe_workloads.h
//   clang++-22 -O2 -fopenmp -I<dir of moe_workloads.h> bench_moe.cpp \
//       moe_workloads.o libsto_runtime.a -lm -o bench_moe
// Environment: OMP_NUM_THREADS, STO_BENCH_RUNS (default 15), STO_BENCH_WARMUP
// (default 3), STO_BENCH_ONLY (comma-separated workload names; "moe" names all
// three), STO_MOE_CHECK_DIR.

#include "bench_common.h"
#include "moe_workloads.h"

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

constexpr int64_t kGateTokens = 65536;     // both gates (the GPU size)
constexpr int64_t kDispatchTokens = 16384; // dispatch + combine (GPU: 65536)
constexpr int64_t kHidden = 1024;
constexpr int64_t kCapacity = 640; // 1.25 * 16384 * 2 / 64, moe_workloads.mlir
constexpr float kRate = 1e-3f;     // balance_bias rate, rounded to f32
constexpr int64_t kSeed = 1234;
// The cross-check compares the first kBufHead columns of every row of the
// expert buffer (the whole buffer of its 2048-token case would be 168 MB);
// checkDispatch compares all of it with the reference.
constexpr int64_t kBufHead = 16;

int runs = 15, warmup = 3;
bool allOk = true;
std::string only;

bool selected(const char *name) {
  return bench::listed(only, name) || bench::listed(only, "moe");
}

// 64-byte aligned, zeroed in parallel (the pages spread over the threads and no
// page fault is timed).
template <typename T> T *alloc(int64_t n) { return bench::allocZeroed<T>(n); }
using bench::fillNormal;

double medianSeconds(const std::function<void()> &fn) {
  return bench::timeRuns(fn, warmup, runs).median;
}

void emit(const char *impl, const char *workload, double seconds,
          int64_t tokens, double bytes) {
  std::printf("{\"impl\": \"%s\", \"workload\": \"%s\", \"seconds\": %.6g, "
              "\"tokens\": %lld, \"tokens_per_s\": %.6g, \"bytes\": %.0f, "
              "\"gbps\": %.4g}\n",
              impl, workload, seconds, (long long)tokens, tokens / seconds,
              bytes, bytes / seconds / 1e9);
  std::fflush(stdout);
}

void check(const char *workload, const char *what, double value, double lo,
           double hi) {
  if (!bench::checkRange(workload, what, value, lo, hi))
    allOk = false;
}

using bench::call;

double gateBytes(int64_t tokens, int64_t experts, int64_t k) {
  return 4.0 * tokens * experts + 8.0 * tokens * k + 12.0 * experts;
}

bool same(const void *a, const void *b, int64_t bytes) {
  return std::memcmp(a, b, size_t(bytes)) == 0;
}

// The results of one gate call.
struct GateResults {
  int64_t T, E, K;
  float *w, *nb;
  int32_t *idx, *load;
  GateResults(int64_t T, int64_t E, int64_t K)
      : T(T), E(E), K(K), w(alloc<float>(T * K)), nb(alloc<float>(E)),
        idx(alloc<int32_t>(T * K)), load(alloc<int32_t>(E)) {}
  ~GateResults() {
    std::free(w), std::free(nb), std::free(idx), std::free(load);
  }
  bool sameAs(const GateResults &o) const {
    return same(w, o.w, T * K * 4) && same(nb, o.nb, E * 4) &&
           same(idx, o.idx, T * K * 4) && same(load, o.load, E * 4);
  }
};

// The results of one dispatch + combine call (64 experts, k = 2).
struct DispatchResults {
  int64_t T;
  float *out, *buf, *w;
  int32_t *idx, *slot;
  explicit DispatchResults(int64_t T)
      : T(T), out(alloc<float>(T * kHidden)),
        buf(alloc<float>(64 * kCapacity * kHidden)), w(alloc<float>(T * 2)),
        idx(alloc<int32_t>(T * 2)), slot(alloc<int32_t>(T * 2)) {}
  ~DispatchResults() {
    std::free(out), std::free(buf), std::free(w), std::free(idx);
    std::free(slot);
  }
  bool sameAs(const DispatchResults &o) const {
    return same(out, o.out, T * kHidden * 4) &&
           same(buf, o.buf, 64 * kCapacity * kHidden * 4) &&
           same(w, o.w, T * 8) && same(idx, o.idx, T * 8) &&
           same(slot, o.slot, T * 8);
  }
};

// Checks a gate's results against its definition (docs/MoE.md): indices
// distinct and in [0, E), weights summing to 1, load = the recount of the
// indices, bias' = bias ± rate by the exact sign of mean(load) - load.
void checkGate(const char *workload, int64_t tokens, int64_t experts, int64_t k,
               const float *bias, const float *w, const int32_t *idx,
               const int32_t *load, const float *nb) {
  int64_t badIdx = 0;
  double maxSumErr = 0;
  std::vector<int64_t> count(experts, 0);
  for (int64_t t = 0; t < tokens; ++t) {
    double s = 0;
    for (int64_t j = 0; j < k; ++j) {
      int32_t e = idx[t * k + j];
      bool dup = false;
      for (int64_t i = 0; i < j; ++i)
        dup |= idx[t * k + i] == e;
      if (e < 0 || e >= experts || dup) {
        ++badIdx;
        continue;
      }
      ++count[e];
      s += w[t * k + j];
    }
    maxSumErr = std::max(maxSumErr, std::fabs(s - 1.0));
  }
  int64_t badLoad = 0, badBias = 0, total = 0;
  for (int64_t e = 0; e < experts; ++e)
    total += load[e];
  for (int64_t e = 0; e < experts; ++e) {
    badLoad += count[e] != load[e];
    int64_t sign = total - experts * int64_t(load[e]); // sign(mean - load)
    float want = sign > 0   ? bias[e] + kRate
                 : sign < 0 ? bias[e] - kRate
                            : bias[e];
    badBias += std::memcmp(&want, &nb[e], 4) != 0;
  }
  check(workload, "rows with an index out of range or repeated", badIdx, 0, 0);
  check(workload, "max |sum of a row's weights - 1|", maxSumErr, 0, 1e-6);
  check(workload, "experts whose load differs from the recount", badLoad, 0, 0);
  check(workload, "total load / (tokens k)", double(total) / (tokens * k), 1,
        1);
  check(workload, "experts whose bias update differs", badBias, 0, 0);
}

// Checks dispatch + combine (k = 2, 64 experts) against the scalar reference:
// the slots by the sequential scan (first choices in token order, then second
// choices), the whole buffer (the token's row in every taken slot, 0 in every
// other), and the output of every step-th token.
void checkDispatch(const char *workload, int64_t tokens, const float *x,
                   const float *buf, const float *w, const int32_t *idx,
                   const int32_t *slot, const float *out, int64_t step) {
  const int64_t E = 64, K = 2, D = kHidden, C = kCapacity;
  std::vector<int64_t> count(E, 0), owner(E * C, -1);
  int64_t badSlot = 0, dropped = 0, badBuf = 0;
  for (int64_t j = 0; j < K; ++j)
    for (int64_t t = 0; t < tokens; ++t) {
      int32_t e = idx[t * K + j];
      int32_t want = e >= 0 && e < E && count[e] < C ? int32_t(count[e]++) : -1;
      badSlot += slot[t * K + j] != want;
      dropped += want < 0;
      if (want >= 0)
        owner[e * C + want] = t;
    }
  for (int64_t r = 0; r < E * C; ++r) {
    bool ok = true;
    for (int64_t d = 0; d < D; ++d)
      ok &= owner[r] >= 0
                ? std::memcmp(&buf[r * D + d], &x[owner[r] * D + d], 4) == 0
                : buf[r * D + d] == 0.0f;
    badBuf += !ok;
  }
  double maxErr = 0;
  for (int64_t t = 0; t < tokens; t += step)
    for (int64_t d = 0; d < D; ++d) {
      double ref = 0;
      for (int64_t j = 0; j < K; ++j)
        if (slot[t * K + j] >= 0)
          ref += double(w[t * K + j]) * x[t * D + d];
      maxErr = std::max(maxErr, std::fabs(ref - out[t * D + d]) /
                                    std::max(1e-30, std::fabs(ref)));
    }
  check(workload, "slots that differ from the reference scan", badSlot, 0, 0);
  check(workload, "buffer rows that differ from the reference", badBuf, 0, 0);
  check(workload, "max rel error of out", maxErr, 0, 1e-6);
  if (step > 1)
    check(workload, "dropped choices / (tokens k)",
          double(dropped) / (tokens * K), 0, 0.05);
}

void writeBin(const std::string &dir, const std::string &name, const void *p,
              size_t bytes) {
  std::string path = dir + "/" + name + ".bin";
  FILE *f = std::fopen(path.c_str(), "wb");
  if (!f || std::fwrite(p, 1, bytes, f) != bytes || std::fclose(f) != 0) {
    std::fprintf(stderr, "cannot write %s\n", path.c_str());
    std::exit(2);
  }
}

// The cross-check inputs and sto's results on them (see the file comment).
void writeCrossCheck(const std::string &dir) {
  std::string manifest = "{";
  {
    const int64_t T = 256, E = 64, K = 2;
    std::vector<float> logits(T * E), bias(E), z(T * E), w(T * K), nb(E);
    std::vector<int32_t> idx(T * K), load(E);
    fillNormal(logits.data(), T * E, 101);
    fillNormal(bias.data(), E, 102, 0.02f);
    call(moe_gate_noise_e64(kSeed, T, z.data(), T), "moe_gate_noise_e64");
    call(moe_gate_top2_e64_dyn(logits.data(), T, bias.data(), kSeed, w.data(),
                               T, idx.data(), T, load.data(), nb.data()),
         "moe_gate_top2_e64");
    const char *c = "moe_gate_top2_e64";
    writeBin(dir, std::string(c) + ".logits", logits.data(), T * E * 4);
    writeBin(dir, std::string(c) + ".bias", bias.data(), E * 4);
    writeBin(dir, std::string(c) + ".noise", z.data(), T * E * 4);
    writeBin(dir, std::string(c) + ".weights", w.data(), T * K * 4);
    writeBin(dir, std::string(c) + ".indices", idx.data(), T * K * 4);
    writeBin(dir, std::string(c) + ".load", load.data(), E * 4);
    writeBin(dir, std::string(c) + ".new_bias", nb.data(), E * 4);
    manifest += "\"moe_gate_top2_e64\": {\"tokens\": 256, \"seed\": 1234}";
  }
  // The sigmoid gate twice: on continuous logits, and on logits and a bias in
  // steps of 1/4 (so that most rows have equal selection scores: ties go to
  // the lower expert index).
  for (int ties = 0; ties < 2; ++ties) {
    const int64_t T = 256, E = 256, K = 8;
    std::vector<float> logits(T * E), bias(E), w(T * K), nb(E);
    std::vector<int32_t> idx(T * K), load(E);
    fillNormal(logits.data(), T * E, 201);
    fillNormal(bias.data(), E, 202, 0.02f);
    if (ties) {
      for (float &v : logits)
        v = std::round(v * 4) / 4;
      for (int64_t e = 0; e < E; ++e)
        bias[e] = float(e % 3) / 4;
    }
    call(moe_gate_top8_e256_dyn(logits.data(), T, bias.data(), w.data(), T,
                                idx.data(), T, load.data(), nb.data()),
         "moe_gate_top8_e256");
    std::string c = ties ? "moe_gate_top8_e256_ties" : "moe_gate_top8_e256";
    writeBin(dir, c + ".logits", logits.data(), T * E * 4);
    writeBin(dir, c + ".bias", bias.data(), E * 4);
    writeBin(dir, c + ".weights", w.data(), T * K * 4);
    writeBin(dir, c + ".indices", idx.data(), T * K * 4);
    writeBin(dir, c + ".load", load.data(), E * 4);
    writeBin(dir, c + ".new_bias", nb.data(), E * 4);
    manifest += ", \"" + c + "\": {\"tokens\": 256}";
  }
  {
    // 2048 tokens with experts 0 and 1 favoured by +3: they receive most of
    // the 4096 choices and overflow their capacity of 640.
    const int64_t T = 2048, E = 64, K = 2, D = kHidden, C = kCapacity;
    std::vector<float> x(T * D), logits(T * E), out(T * D), w(T * K);
    std::vector<float> buf(E * C * D), head(E * C * kBufHead);
    std::vector<int32_t> idx(T * K), slot(T * K);
    fillNormal(x.data(), T * D, 301);
    fillNormal(logits.data(), T * E, 302);
    for (int64_t t = 0; t < T; ++t)
      for (int64_t e = 0; e < 2; ++e)
        logits[t * E + e] += 3.0f;
    call(moe_dispatch_combine_dyn(x.data(), T, logits.data(), T, out.data(), T,
                                  buf.data(), w.data(), T, idx.data(), T,
                                  slot.data(), T),
         "moe_dispatch_combine");
    checkDispatch("moe_dispatch_combine (cross-check input)", T, x.data(),
                  buf.data(), w.data(), idx.data(), slot.data(), out.data(), 1);
    for (int64_t r = 0; r < E * C; ++r)
      std::memcpy(&head[r * kBufHead], &buf[r * D], kBufHead * 4);
    int64_t dropped = std::count(slot.begin(), slot.end(), -1);
    std::fprintf(stderr,
                 "cross-check input moe_dispatch_combine: %lld of %lld "
                 "choices dropped\n",
                 (long long)dropped, (long long)(T * K));
    const char *c = "moe_dispatch_combine";
    writeBin(dir, std::string(c) + ".x", x.data(), T * D * 4);
    writeBin(dir, std::string(c) + ".logits", logits.data(), T * E * 4);
    writeBin(dir, std::string(c) + ".out", out.data(), T * D * 4);
    writeBin(dir, std::string(c) + ".buffer_head", head.data(),
             E * C * kBufHead * 4);
    writeBin(dir, std::string(c) + ".weights", w.data(), T * K * 4);
    writeBin(dir, std::string(c) + ".indices", idx.data(), T * K * 4);
    writeBin(dir, std::string(c) + ".slots", slot.data(), T * K * 4);
    manifest += ", \"moe_dispatch_combine\": {\"tokens\": 2048, \"dropped\": " +
                std::to_string(dropped) + "}";
  }
  manifest += "}\n";
  std::string path = dir + "/check.json";
  FILE *f = std::fopen(path.c_str(), "w");
  if (!f || std::fputs(manifest.c_str(), f) < 0 || std::fclose(f) != 0) {
    std::fprintf(stderr, "cannot write %s\n", path.c_str());
    std::exit(2);
  }
  std::fprintf(stderr, "bench_moe: cross-check inputs and results in %s\n",
               dir.c_str());
}

} // namespace

int main() {
  bench::readSettings("bench_moe", runs, warmup, only);

  if (const char *dir = std::getenv("STO_MOE_CHECK_DIR"))
    writeCrossCheck(dir);

  // Each workload: the static function ("sto"), then the dynamic one
  // ("sto-dyn") into separate results, which must be the same bytes.
  // 1. Noisy softmax top-2 of 64 + load + bias update.
  if (selected("moe_gate_top2_e64")) {
    const int64_t T = kGateTokens, E = 64, K = 2;
    const char *name = "moe_gate_top2_e64";
    float *logits = alloc<float>(T * E), *bias = alloc<float>(E);
    fillNormal(logits, T * E, 11);
    fillNormal(bias, E, 12, 0.02f);
    GateResults r(T, E, K), rd(T, E, K);
    double t = medianSeconds([&] {
      call(moe_gate_top2_e64(logits, bias, kSeed, r.w, r.idx, r.load, r.nb),
           name);
    });
    emit("sto", name, t, T, gateBytes(T, E, K));
    double td = medianSeconds([&] {
      call(moe_gate_top2_e64_dyn(logits, T, bias, kSeed, rd.w, T, rd.idx, T,
                                 rd.load, rd.nb),
           name);
    });
    emit("sto-dyn", name, td, T, gateBytes(T, E, K));
    checkGate(name, T, E, K, bias, r.w, r.idx, r.load, r.nb);
    check(name, "dynamic-shape results differ from the static ones",
          r.sameAs(rd) ? 0 : 1, 0, 0);
    std::free(logits), std::free(bias);
  }

  // 2. Sigmoid top-8 of 256 + load + bias update.
  if (selected("moe_gate_top8_e256")) {
    const int64_t T = kGateTokens, E = 256, K = 8;
    const char *name = "moe_gate_top8_e256";
    float *logits = alloc<float>(T * E), *bias = alloc<float>(E);
    fillNormal(logits, T * E, 21);
    fillNormal(bias, E, 22, 0.02f);
    GateResults r(T, E, K), rd(T, E, K);
    double t = medianSeconds([&] {
      call(moe_gate_top8_e256(logits, bias, r.w, r.idx, r.load, r.nb), name);
    });
    emit("sto", name, t, T, gateBytes(T, E, K));
    double td = medianSeconds([&] {
      call(moe_gate_top8_e256_dyn(logits, T, bias, rd.w, T, rd.idx, T, rd.load,
                                  rd.nb),
           name);
    });
    emit("sto-dyn", name, td, T, gateBytes(T, E, K));
    checkGate(name, T, E, K, bias, r.w, r.idx, r.load, r.nb);
    check(name, "dynamic-shape results differ from the static ones",
          r.sameAs(rd) ? 0 : 1, 0, 0);
    std::free(logits), std::free(bias);
  }

  // 3. Gate + dispatch + identity experts + combine.
  if (selected("moe_dispatch_combine")) {
    const int64_t T = kDispatchTokens, E = 64, D = kHidden;
    const char *name = "moe_dispatch_combine";
    float *x = alloc<float>(T * D), *logits = alloc<float>(T * E);
    fillNormal(x, T * D, 31);
    fillNormal(logits, T * E, 32);
    DispatchResults r(T), rd(T);
    const double bytes = 4.0 * T * D * (2 * 2 + 2);
    double t = medianSeconds([&] {
      call(moe_dispatch_combine(x, logits, r.out, r.buf, r.w, r.idx, r.slot),
           name);
    });
    emit("sto", name, t, T, bytes);
    double td = medianSeconds([&] {
      call(moe_dispatch_combine_dyn(x, T, logits, T, rd.out, T, rd.buf, rd.w, T,
                                    rd.idx, T, rd.slot, T),
           name);
    });
    emit("sto-dyn", name, td, T, bytes);
    checkDispatch(name, T, x, r.buf, r.w, r.idx, r.slot, r.out, 61);
    check(name, "dynamic-shape results differ from the static ones",
          r.sameAs(rd) ? 0 : 1, 0, 0);
    std::free(x), std::free(logits);
  }

  if (!allOk)
    std::fprintf(stderr, "bench_moe: some checks FAILED\n");
  return allOk ? 0 : 1;
}
