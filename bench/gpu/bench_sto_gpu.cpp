// bench_sto_gpu.cpp - times sto's CUDA code on the elementwise workloads of
// ../../../shared/bench at the peers' sizes (workloads.mlir), beside the
// device-to-device copy ceiling measured in the same run, and checks that every
// timed result is bit for bit the result of the same function compiled for the
// CPU.
//
// Method (/work/.library/device/METHOD.md; the peers' bench() in
// peers_torch.py):
//  - inputs are random (never zeros), on the device before timing; outputs
//    are poisoned before the first call;
//  - each result: WARMUP untimed calls, then RUNS calls, each between two CUDA
//    events recorded on the stream the compiled code runs on
//    (sto_cuda_set_stream: the call enqueues its kernels and returns),
//    cuEventSynchronize, cuEventElapsedTime; the median is reported (ms).
//    "wall_ms" is the median of the same number of synchronous calls (no
//    stream set: a call returns when its kernels have finished) timed with
//    std::chrono::steady_clock around the call: it adds the launch and
//    synchronization cost of the C ABI's default mode. "enqueue_ms" is the
//    median host time of the event-timed calls themselves (the call returns
//    once its work is enqueued): a call that starts on an idle stream keeps
//    the GPU waiting for at least its host work before the first launch;
//  - the ceiling: sto_cuda_memcpy of one 2^28 f32 buffer (1 GiB, the largest
//    workload buffer) to another, device to device, on the same stream, timed
//    the same way; bytes are counted read + written;
//  - GB/s = the fewest bytes the workload must move (each input read once,
//    each output written once, as ../../../shared/bench/README.md counts
//    them) / median time;
//  - after timing, every output is copied back and compared bit for bit with
//    the cpu_* version of the same function (sto-compile --target=cpu
//    --parallel=false) on the same inputs (STO_GPU_VERIFY=0 skips this), plus
//    cheap statistical checks.
//
// Output: one JSON line per result on stdout, e.g.
//   {"impl": "sto-cuda", "workload": "noise_add", "peer_workload":
//    "noise_add_2^28_f32", "ms": 0.58, "wall_ms": 0.60,
//    "bytes": 2147483648, "gbps": 3700.1, ...}
//   {"impl": "sto_cuda_memcpy", "workload": "copy", ...}
//   {"verify": "noise_add", "output": "result0", "n": ..., "mismatches": 0,
//    "max_ulp": 0}
// and human-readable notes on stderr.
//
// Environment: STO_BENCH_IMPL (the results' "impl", default "sto-cuda"; a
// build of a compiler variant names itself), STO_BENCH_RUNS (20),
// STO_BENCH_WARMUP (3), STO_BENCH_ONLY
// (comma-separated workload names; "copy" is the ceiling), STO_GPU_VERIFY (1),
// STO_BENCH_PROFILE (0; 1: one untimed call per workload, for Nsight Compute),
// STO_CUDA_DRIVER (see sto-c/Runtime.h). --cpu-only runs the cpu_* versions
// once each (no GPU needed): a test of the CPU half of the verification and of
// its cost.
//
// Exit status: 0 all ran and matched; 1 a call failed, a result differs from
// the CPU's or a check failed; STO_ERROR_NO_CUDA_DRIVER (4) no usable GPU.

#include "workloads_cpu.h"
#include "workloads_gpu.h"

#include "sto-c/Runtime.h"

#include <dlfcn.h>

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cmath>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace {

constexpr int64_t kN = int64_t(1)
                       << 28; // noise_add, randn, neg, stochastic_binary, copy
constexpr int64_t kRows = 16384, kCols = 8192;     // dropout_bias_gelu
constexpr int64_t kP = int64_t(1) << 27;           // langevin_swa, spsa_perturb
constexpr int64_t kB = 256, kD = int64_t(1) << 20; // dp_aggregate
constexpr int64_t kTokens = 65536;
constexpr int64_t kSeed = 1234;

int runs = 20, warmup = 3;
bool verify = true, cpuOnly = false;
// STO_BENCH_PROFILE=1: one synchronous call per workload, nothing timed or
// verified, no result lines: the run that scripts/gpu-check.sh puts under
// Nsight Compute (bench/gpu/profile_kernels.sh), one launch per kernel.
bool profileMode = false;
bool allOk = true;
std::string only;

bool selected(const char *name) {
  if (only.empty())
    return true;
  std::string list = "," + only + ",";
  return list.find("," + std::string(name) + ",") != std::string::npos;
}

void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void note(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  std::vfprintf(stderr, fmt, ap);
  va_end(ap);
  std::fputc('\n', stderr);
  std::fflush(stderr);
}

void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fail(const char *fmt, ...) {
  allOk = false;
  va_list ap;
  va_start(ap, fmt);
  std::fprintf(stderr, "FAIL ");
  std::vfprintf(stderr, fmt, ap);
  va_end(ap);
  std::fputc('\n', stderr);
  std::fflush(stderr);
}

//===--- the driver API subset for events (dlopen, like libsto_runtime) ---===//

using CUresult = int;
using CUdevice = int;
using CUcontext = void *;
using CUevent = void *;
using CUstream = void *;

struct Events {
  CUresult (*deviceGet)(CUdevice *, int) = nullptr;
  CUresult (*primaryCtxRetain)(CUcontext *, CUdevice) = nullptr;
  CUresult (*ctxSetCurrent)(CUcontext) = nullptr;
  CUresult (*eventCreate)(CUevent *, unsigned) = nullptr;
  CUresult (*eventRecord)(CUevent, CUstream) = nullptr;
  CUresult (*eventSynchronize)(CUevent) = nullptr;
  CUresult (*eventElapsedTime)(float *, CUevent, CUevent) = nullptr;
  CUresult (*eventDestroy)(CUevent) = nullptr;
  CUresult (*getErrorString)(CUresult, const char **) = nullptr;
  CUevent start = nullptr, stop = nullptr;
  bool ok = false;

  const char *why(CUresult r) {
    const char *s = nullptr;
    if (getErrorString)
      getErrorString(r, &s);
    return s ? s : "unknown CUresult";
  }

  bool init() {
    const char *path = std::getenv("STO_CUDA_DRIVER");
    void *h =
        dlopen(path && *path ? path : "libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
    if (!h) {
      note("events: dlopen of the driver failed: %s", dlerror());
      return false;
    }
    auto sym = [&](const char *a, const char *b = nullptr) {
      void *p = dlsym(h, a);
      if (!p && b)
        p = dlsym(h, b);
      return p;
    };
    deviceGet = reinterpret_cast<decltype(deviceGet)>(sym("cuDeviceGet"));
    primaryCtxRetain = reinterpret_cast<decltype(primaryCtxRetain)>(
        sym("cuDevicePrimaryCtxRetain"));
    ctxSetCurrent =
        reinterpret_cast<decltype(ctxSetCurrent)>(sym("cuCtxSetCurrent"));
    eventCreate = reinterpret_cast<decltype(eventCreate)>(sym("cuEventCreate"));
    eventRecord = reinterpret_cast<decltype(eventRecord)>(sym("cuEventRecord"));
    eventSynchronize =
        reinterpret_cast<decltype(eventSynchronize)>(sym("cuEventSynchronize"));
    eventElapsedTime = reinterpret_cast<decltype(eventElapsedTime)>(
        sym("cuEventElapsedTime_v2", "cuEventElapsedTime"));
    eventDestroy = reinterpret_cast<decltype(eventDestroy)>(
        sym("cuEventDestroy_v2", "cuEventDestroy"));
    getErrorString =
        reinterpret_cast<decltype(getErrorString)>(sym("cuGetErrorString"));
    if (!deviceGet || !primaryCtxRetain || !ctxSetCurrent || !eventCreate ||
        !eventRecord || !eventSynchronize || !eventElapsedTime ||
        !eventDestroy) {
      note("events: the driver lacks an event function; timing with the wall "
           "clock only");
      return false;
    }
    // The primary context, the one libsto_runtime uses, current in this thread.
    CUdevice dev;
    CUcontext ctx;
    CUresult r;
    if ((r = deviceGet(&dev, 0)) || (r = primaryCtxRetain(&ctx, dev)) ||
        (r = ctxSetCurrent(ctx)) || (r = eventCreate(&start, 0)) ||
        (r = eventCreate(&stop, 0))) {
      note("events: setup failed: %s", why(r));
      return false;
    }
    ok = true;
    return true;
  }
};

Events ev;
void *stream = nullptr;

//===--- timing -----------------------------------------------------------===//

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  size_t m = v.size() / 2;
  return v.size() % 2 ? v[m] : 0.5 * (v[m - 1] + v[m]);
}

/// The name of sto's results: "sto-cuda", or STO_BENCH_IMPL for a build
/// of a compiler variant (the report lists those apart).
const char *stoImpl() {
  const char *impl = std::getenv("STO_BENCH_IMPL");
  return impl && *impl ? impl : "sto-cuda";
}

struct Timing {
  double ms = NAN, wallMs = NAN, minMs = NAN, maxMs = NAN;
  /// Host time to enqueue one call on the stream (median): what the GPU
  /// waits for when a call starts on an idle stream.
  double enqueueMs = NAN;
  bool ok = true;
};

/// fn returns a status (0 = ok).
Timing timeIt(const char *what, const std::function<int32_t()> &fn) {
  Timing t;
  auto call = [&]() {
    int32_t st = fn();
    if (st != STO_OK) {
      fail("%s: status %d (%s): %s", what, st, sto_status_message(st),
           sto_cuda_last_error_message());
      sto_cuda_clear_error();
      t.ok = false;
    }
    return st == STO_OK;
  };
  if (profileMode) {
    call();
    return t;
  }
  // 1. CUDA events around each call, on the stream the compiled code enqueues
  // on.
  if (ev.ok) {
    sto_cuda_set_stream(stream, 0);
    for (int i = 0; i < warmup && t.ok; ++i)
      call();
    sto_cuda_stream_synchronize(stream);
    std::vector<double> ts, enqueue;
    for (int i = 0; i < runs && t.ok; ++i) {
      CUresult r = ev.eventRecord(ev.start, stream);
      auto h0 = std::chrono::steady_clock::now();
      bool okCall = call();
      enqueue.push_back(std::chrono::duration<double, std::milli>(
                            std::chrono::steady_clock::now() - h0)
                            .count());
      if (!r)
        r = ev.eventRecord(ev.stop, stream);
      if (!r)
        r = ev.eventSynchronize(ev.stop);
      float ms = 0;
      if (!r)
        r = ev.eventElapsedTime(&ms, ev.start, ev.stop);
      if (r) {
        fail("%s: event timing failed: %s", what, ev.why(r));
        t.ok = false;
        break;
      }
      if (okCall)
        ts.push_back(ms);
    }
    sto_cuda_set_stream(nullptr, 0);
    if (!enqueue.empty())
      t.enqueueMs = median(enqueue);
    if (!ts.empty()) {
      t.ms = median(ts);
      t.minMs = *std::min_element(ts.begin(), ts.end());
      t.maxMs = *std::max_element(ts.begin(), ts.end());
    }
  }
  // 2. Synchronous calls (no stream set: each call returns when its work is
  // done).
  if (t.ok) {
    for (int i = 0; i < warmup && t.ok; ++i)
      call();
    sto_cuda_synchronize();
    std::vector<double> ts;
    for (int i = 0; i < runs && t.ok; ++i) {
      auto t0 = std::chrono::steady_clock::now();
      bool okCall = call();
      auto t1 = std::chrono::steady_clock::now();
      if (okCall)
        ts.push_back(
            std::chrono::duration<double, std::milli>(t1 - t0).count());
    }
    if (!ts.empty())
      t.wallMs = median(ts);
  }
  if (!ev.ok)
    t.ms = t.wallMs;
  return t;
}

void emit(const char *impl, const char *workload, const char *peerWorkload,
          const Timing &t, double bytes, const char *extra = "") {
  if (profileMode)
    return;
  if (std::isnan(t.ms)) {
    std::printf(
        "{\"impl\": \"%s\", \"workload\": \"%s\", \"peer_workload\": \"%s\", "
        "\"error\": \"not measured (see the log)\"}\n",
        impl, workload, peerWorkload);
    std::fflush(stdout);
    return;
  }
  // printf writes a NaN as "nan", which is not JSON (the report would drop
  // the line): a time that was not measured is left out.
  std::string times;
  for (auto [key, v] : {std::pair<const char *, double>{"wall_ms", t.wallMs},
                        {"min_ms", t.minMs},
                        {"max_ms", t.maxMs},
                        {"enqueue_ms", t.enqueueMs}})
    if (std::isfinite(v)) {
      char b[64];
      std::snprintf(b, sizeof(b), ", \"%s\": %.4f", key, v);
      times += b;
    }
  std::printf(
      "{\"impl\": \"%s\", \"workload\": \"%s\", \"peer_workload\": \"%s\", "
      "\"ms\": %.4f%s, "
      "\"bytes\": %.0f, \"gbps\": %.1f, \"timer\": \"%s\", \"runs\": %d, "
      "\"warmup\": %d%s}\n",
      impl, workload, peerWorkload, t.ms, times.c_str(), bytes,
      bytes / t.ms / 1e6, ev.ok ? "cuda-events" : "wall-clock", runs, warmup,
      extra);
  std::fflush(stdout);
  note("%-28s %9.4f ms  (wall %9.4f ms)  %8.1f GB/s", workload, t.ms, t.wallMs,
       bytes / t.ms / 1e6);
}

//===--- host data --------------------------------------------------------===//

uint64_t mix(uint64_t z) {
  z += 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

/// N(0,1)-like values (sum of four uniforms), filled on every core.
void fillNormal(float *f, int64_t n, uint64_t seed, float scale = 1.0f) {
  unsigned nt = std::max(1u, std::thread::hardware_concurrency());
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < nt; ++t)
    pool.emplace_back([=] {
      int64_t lo = n * t / nt, hi = n * (t + 1) / nt;
      for (int64_t i = lo; i < hi; ++i) {
        uint64_t z = mix(uint64_t(i) ^ (seed << 40));
        float s = float(z >> 40) + float((z >> 16) & 0xFFFFFF);
        uint64_t y = mix(z);
        s += float(y >> 40) + float((y >> 16) & 0xFFFFFF);
        f[i] = (s * (1.0f / 16777216.0f) - 2.0f) * 1.7320508f * scale;
      }
    });
  for (auto &th : pool)
    th.join();
}

struct Dev {
  void *p = nullptr;
  size_t bytes = 0;
  Dev() = default;
  explicit Dev(size_t b) : bytes(b) {
    if (cpuOnly)
      return;
    if (sto_cuda_malloc(&p, b) != STO_OK) {
      fail("sto_cuda_malloc(%zu): %s", b, sto_cuda_last_error_message());
      p = nullptr;
    } else {
      // Poison: 0xFF bytes are NaNs; every output element must be overwritten.
      sto_cuda_memset(p, 0xFF, b, nullptr);
    }
  }
  Dev(const Dev &) = delete;
  Dev &operator=(const Dev &) = delete;
  ~Dev() {
    if (p)
      sto_cuda_free(p);
  }
  float *f() const { return static_cast<float *>(p); }
  void upload(const void *h) {
    if (p && sto_cuda_memcpy(p, h, bytes, nullptr) != STO_OK)
      fail("upload: %s", sto_cuda_last_error_message());
  }
  std::vector<char> download() const {
    std::vector<char> h(bytes);
    if (p && sto_cuda_memcpy(h.data(), p, bytes, nullptr) != STO_OK)
      fail("download: %s", sto_cuda_last_error_message());
    return h;
  }
};

//===--- verification against the CPU -------------------------------------===//

int64_t ordinal32(uint32_t b) {
  return (b & 0x80000000u) ? -int64_t(b & 0x7FFFFFFFu) - 1 : int64_t(b);
}

void compareBits(const char *workload, const char *out, const void *cpu,
                 const void *gpu, size_t n, size_t elemSize,
                 double cpuSeconds) {
  size_t mism = 0, first = n;
  uint64_t maxUlp = 0;
  for (size_t i = 0; i < n; ++i) {
    if (std::memcmp(static_cast<const char *>(cpu) + i * elemSize,
                    static_cast<const char *>(gpu) + i * elemSize,
                    elemSize) == 0)
      continue;
    ++mism;
    if (first == n)
      first = i;
    if (elemSize == 4) {
      uint32_t a, b;
      std::memcpy(&a, static_cast<const char *>(cpu) + i * 4, 4);
      std::memcpy(&b, static_cast<const char *>(gpu) + i * 4, 4);
      int64_t d = ordinal32(a) - ordinal32(b);
      maxUlp = std::max<uint64_t>(maxUlp, d < 0 ? uint64_t(-d) : uint64_t(d));
    }
  }
  std::printf("{\"verify\": \"%s\", \"output\": \"%s\", \"n\": %zu, "
              "\"mismatches\": %zu, "
              "\"max_ulp\": %" PRIu64 ", \"cpu_seconds\": %.3f, "
              "\"impl\": \"%s\"}\n",
              workload, out, n, mism, maxUlp, cpuSeconds, stoImpl());
  std::fflush(stdout);
  if (mism) {
    uint32_t a = 0, b = 0;
    std::memcpy(&a, static_cast<const char *>(cpu) + first * elemSize,
                std::min<size_t>(4, elemSize));
    std::memcpy(&b, static_cast<const char *>(gpu) + first * elemSize,
                std::min<size_t>(4, elemSize));
    fail("%s %s: %zu of %zu elements differ from the CPU's (max %" PRIu64
         " ulp; first at %zu: cpu 0x%08x gpu 0x%08x)",
         workload, out, mism, n, maxUlp, first, a, b);
  } else {
    note("verify %s %s: %zu elements identical to the CPU's (cpu %.2f s)",
         workload, out, n, cpuSeconds);
  }
}

/// Runs the CPU version (timed), then compares each (gpu device buffer, cpu
/// host buffer).
template <class F> double cpuRun(const char *workload, F &&f) {
  auto t0 = std::chrono::steady_clock::now();
  int32_t st = f();
  double s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
          .count();
  if (st != STO_OK)
    fail("cpu_%s: status %d (%s)", workload, st, sto_status_message(st));
  if (cpuOnly) {
    std::printf("{\"impl\": \"sto-cpu-sequential\", \"workload\": \"%s\", "
                "\"seconds\": %.4f}\n",
                workload, s);
    std::fflush(stdout);
  }
  return s;
}

void check(const char *workload, const char *what, double value, double lo,
           double hi) {
  bool ok = value >= lo && value <= hi && std::isfinite(value);
  if (!ok)
    allOk = false;
  note("check %s: %s = %.6g (expected in [%g, %g]) %s", workload, what, value,
       lo, hi, ok ? "ok" : "FAILED");
}

std::string jsonEscape(const char *s) {
  std::string o;
  for (; s && *s; ++s) {
    unsigned char c = static_cast<unsigned char>(*s);
    if (c == '"' || c == '\\')
      o += '\\', o += char(c);
    else if (c < 0x20)
      o += ' ';
    else
      o += char(c);
  }
  return o;
}

const float *asF(const std::vector<char> &v) {
  return reinterpret_cast<const float *>(v.data());
}

} // namespace

int main(int argc, char **argv) {
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--cpu-only") == 0)
      cpuOnly = true;
    else {
      std::fprintf(stderr, "usage: %s [--cpu-only]\n", argv[0]);
      return 2;
    }
  }
  if (const char *s = std::getenv("STO_BENCH_RUNS"))
    runs = std::max(1, std::atoi(s));
  if (const char *s = std::getenv("STO_BENCH_WARMUP"))
    warmup = std::max(0, std::atoi(s));
  if (const char *s = std::getenv("STO_BENCH_ONLY"))
    only = s;
  if (const char *s = std::getenv("STO_GPU_VERIFY"))
    verify = std::atoi(s) != 0;
  if (const char *s = std::getenv("STO_BENCH_PROFILE"))
    profileMode = std::atoi(s) != 0;
  if (profileMode)
    verify = false;
  if (cpuOnly)
    verify = true;

  if (!cpuOnly) {
    int32_t st = sto_cuda_init();
    if (st != STO_OK) {
      std::fprintf(stderr, "bench_sto_gpu: no GPU: status %d (%s): %s\n", st,
                   sto_status_message(st), sto_cuda_last_error_message());
      std::printf(
          "{\"impl\": \"sto-cuda\", \"error\": \"no GPU: status %d: %s\"}\n",
          st, jsonEscape(sto_cuda_last_error_message()).c_str());
      return st;
    }
    char name[256] = "";
    int32_t major = 0, minor = 0, drv = 0;
    sto_cuda_device_name(0, name, sizeof(name));
    sto_cuda_device_compute_capability(0, &major, &minor);
    sto_cuda_driver_version(&drv);
    std::printf("{\"meta\": \"device\", \"value\": \"%s, compute capability "
                "%d.%d, CUDA driver "
                "%d.%d\"}\n",
                jsonEscape(name).c_str(), major, minor, drv / 1000,
                (drv % 1000) / 10);
    ev.init();
    if (sto_cuda_stream_create(&stream) != STO_OK) {
      fail("sto_cuda_stream_create: %s", sto_cuda_last_error_message());
      return 1;
    }
    note("bench_sto_gpu: %s; %d warm-up + %d timed calls per result, median; "
         "timer: %s",
         name, warmup, runs, ev.ok ? "CUDA events" : "wall clock");
  }

  // One host buffer of 2^28 N(0,1)-like values; the workloads read slices of
  // it.
  auto t0 = std::chrono::steady_clock::now();
  std::vector<float> H(kN);
  fillNormal(H.data(), kN, 1);
  note("host inputs: %.2f s",
       std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
           .count());
  const float *Hd = H.data();

  // The ceiling: device-to-device copy of 2^28 f32 (bytes read + written), and
  // sto's own sign flip, the same traffic through a compiled kernel.
  if (!cpuOnly && (selected("copy") || selected("neg"))) {
    Dev src(kN * 4), dst(kN * 4);
    src.upload(Hd);
    if (selected("copy")) {
      Timing t = timeIt("copy", [&] {
        // The stream timeIt set (none in its synchronous half, so that
        // wall_ms waits for the copy like the compiled calls do).
        return sto_cuda_memcpy(dst.p, src.p, size_t(kN) * 4,
                               sto_cuda_get_stream());
      });
      emit("sto_cuda_memcpy", "copy", "copy_2^28_f32", t, 8.0 * kN);
    }
    if (selected("neg")) {
      Timing t = timeIt("neg", [&] { return gpu_neg(src.f(), dst.f()); });
      emit(stoImpl(), "neg", "", t, 8.0 * kN);
      if (verify) {
        auto g = dst.download();
        size_t bad = 0;
        for (int64_t i = 0; i < kN; ++i)
          bad += asF(g)[i] != -Hd[i];
        check("neg", "elements that are not -x", double(bad), 0, 0);
      }
    }
  }

  if (selected("noise_add")) {
    Dev x(kN * 4), y(kN * 4);
    x.upload(Hd);
    if (!cpuOnly) {
      Timing t = timeIt("noise_add",
                        [&] { return gpu_noise_add(x.f(), kSeed, y.f()); });
      emit(stoImpl(), "noise_add", "noise_add_2^28_f32", t, 8.0 * kN);
    }
    if (verify) {
      std::vector<float> c(kN);
      double s = cpuRun("noise_add",
                        [&] { return cpu_noise_add(Hd, kSeed, c.data()); });
      if (!cpuOnly) {
        auto g = y.download();
        compareBits("noise_add", "y", c.data(), g.data(), kN, 4, s);
        double s1 = 0, s2 = 0;
        for (int64_t i = 0; i < (1 << 22); ++i) {
          double d = (double(asF(g)[i]) - Hd[i]) / 0.25;
          s1 += d;
          s2 += d * d;
        }
        check("noise_add", "mean of (y - x)/0.25 over 2^22", s1 / (1 << 22),
              -2e-3, 2e-3);
        check("noise_add", "std of (y - x)/0.25 over 2^22",
              std::sqrt(s2 / (1 << 22)), 0.997, 1.003);
      }
    }
  }

  if (selected("randn")) {
    Dev y(kN * 4);
    if (!cpuOnly) {
      Timing t = timeIt("randn", [&] { return gpu_randn(kSeed, y.f()); });
      emit(stoImpl(), "randn", "randn_2^28_f32", t, 4.0 * kN);
    }
    if (verify) {
      std::vector<float> c(kN);
      double s = cpuRun("randn", [&] { return cpu_randn(kSeed, c.data()); });
      if (!cpuOnly) {
        auto g = y.download();
        compareBits("randn", "y", c.data(), g.data(), kN, 4, s);
      }
    }
  }

  if (selected("dropout_bias_gelu")) {
    const int64_t n = kRows * kCols;
    Dev x(n * 4), b(kCols * 4), y(n * 4);
    x.upload(Hd);
    b.upload(Hd + n);
    if (!cpuOnly) {
      Timing t = timeIt("dropout_bias_gelu", [&] {
        return gpu_dropout_bias_gelu(x.f(), b.f(), kSeed, y.f());
      });
      emit(stoImpl(), "dropout_bias_gelu", "dropout_bias_gelu_16384x8192", t,
           8.0 * n);
    }
    if (verify) {
      std::vector<float> c(n);
      double s = cpuRun("dropout_bias_gelu", [&] {
        return cpu_dropout_bias_gelu(Hd, Hd + n, kSeed, c.data());
      });
      if (!cpuOnly) {
        auto g = y.download();
        compareBits("dropout_bias_gelu", "y", c.data(), g.data(), n, 4, s);
        int64_t zeros = 0;
        for (int64_t i = 0; i < (1 << 22); ++i)
          zeros += asF(g)[i] == 0.0f;
        check("dropout_bias_gelu", "drop rate over 2^22",
              double(zeros) / (1 << 22), 0.098, 0.102);
      }
    }
  }

  if (selected("langevin_swa")) {
    Dev p(kP * 4), g(kP * 4), avg(kP * 4), p1(kP * 4), a1(kP * 4);
    p.upload(Hd);
    g.upload(Hd + kP);
    avg.upload(Hd); // avg starts at p, as in peers_torch.py
    const int64_t count = 7;
    if (!cpuOnly) {
      Timing t = timeIt("langevin_swa", [&] {
        return gpu_langevin_swa(p.f(), g.f(), avg.f(), count, kSeed, p1.f(),
                                a1.f());
      });
      emit(stoImpl(), "langevin_swa", "langevin_swa_2^27_f32", t, 20.0 * kP);
    }
    if (verify) {
      std::vector<float> cp(kP), ca(kP);
      double s = cpuRun("langevin_swa", [&] {
        return cpu_langevin_swa(Hd, Hd + kP, Hd, count, kSeed, cp.data(),
                                ca.data());
      });
      if (!cpuOnly) {
        auto gp = p1.download(), ga = a1.download();
        compareBits("langevin_swa", "p'", cp.data(), gp.data(), kP, 4, s);
        compareBits("langevin_swa", "avg'", ca.data(), ga.data(), kP, 4, 0);
        double s2 = 0;
        for (int64_t i = 0; i < (1 << 22); ++i) {
          double d = double(asF(gp)[i]) - (double(Hd[i]) - 1e-3 * Hd[kP + i]);
          s2 += d * d;
        }
        check("langevin_swa", "noise std / sqrt(2 lr T) over 2^22",
              std::sqrt(s2 / (1 << 22)) / std::sqrt(2e-7), 0.99, 1.01);
      }
    }
  }

  if (selected("spsa_perturb")) {
    Dev p(kP * 4), q(kP * 4);
    p.upload(Hd);
    if (!cpuOnly) {
      Timing t = timeIt("spsa_perturb",
                        [&] { return gpu_spsa_perturb(p.f(), kSeed, q.f()); });
      emit(stoImpl(), "spsa_perturb", "spsa_perturb_2^27_f32", t, 8.0 * kP);
    }
    if (verify) {
      std::vector<float> c(kP);
      double s = cpuRun("spsa_perturb",
                        [&] { return cpu_spsa_perturb(Hd, kSeed, c.data()); });
      if (!cpuOnly) {
        auto g = q.download();
        compareBits("spsa_perturb", "p + eps z", c.data(), g.data(), kP, 4, s);
      }
    }
  }

  if (selected("stochastic_binary")) {
    Dev a(kN * 4), h(kN * 4);
    a.upload(Hd);
    if (!cpuOnly) {
      Timing t = timeIt("stochastic_binary", [&] {
        return gpu_stochastic_binary(a.f(), kSeed, h.f());
      });
      emit(stoImpl(), "stochastic_binary", "stochastic_binary_2^28_f32", t,
           8.0 * kN);
    }
    if (verify) {
      std::vector<float> c(kN);
      double s = cpuRun("stochastic_binary", [&] {
        return cpu_stochastic_binary(Hd, kSeed, c.data());
      });
      if (!cpuOnly) {
        auto g = h.download();
        compareBits("stochastic_binary", "h", c.data(), g.data(), kN, 4, s);
        double ones = 0, expect = 0;
        for (int64_t i = 0; i < (1 << 22); ++i) {
          ones += asF(g)[i];
          expect += 1.0 / (1.0 + std::exp(-double(Hd[i])));
        }
        check("stochastic_binary", "rate of ones - mean sigmoid(a) over 2^22",
              (ones - expect) / (1 << 22), -2e-3, 2e-3);
      }
    }
  }

  if (selected("dp_aggregate")) {
    Dev G(kB * kD * 4), part(kB * 1024 * 4), n2(kB * 4), scale(kB * 4),
        sum(kD * 4), out(kD * 4);
    G.upload(Hd);
    if (!cpuOnly) {
      Timing t = timeIt("dp_aggregate", [&] {
        int32_t st = gpu_dpc_partial(G.f(), part.f());
        if (!st)
          st = gpu_dpc_scale(part.f(), n2.f());
        if (!st)
          st = gpu_dpc_clip(n2.f(), scale.f());
        if (!st)
          st = gpu_dpc_colsum(G.f(), scale.f(), sum.f());
        if (!st)
          st = gpu_dpc_finish(sum.f(), kSeed, out.f());
        return st;
      });
      emit(stoImpl(), "dp_aggregate", "dp_aggregate_256x2^20", t, 4.0 * kB * kD,
           ", \"note\": \"composed: 5 sto functions (dpc_*), G read twice\"");
      // Each part alone, to place the time (not under Nsight Compute: the
      // composed call above already ran each kernel once).
      if (!profileMode) {
        Timing tp = timeIt("dpc_partial",
                           [&] { return gpu_dpc_partial(G.f(), part.f()); });
        emit(stoImpl(), "dpc_partial", "", tp, 4.0 * kB * kD);
        Timing tc = timeIt("dpc_colsum", [&] {
          return gpu_dpc_colsum(G.f(), scale.f(), sum.f());
        });
        emit(stoImpl(), "dpc_colsum", "", tc, 4.0 * kB * kD);
        Timing tf = timeIt("dpc_finish", [&] {
          return gpu_dpc_finish(sum.f(), kSeed, out.f());
        });
        emit(stoImpl(), "dpc_finish", "", tf, 8.0 * kD);
      }
    }
    if (verify) {
      std::vector<float> cpart(kB * 1024), cn2(kB), cscale(kB), csum(kD),
          cout(kD);
      double s = cpuRun("dp_aggregate", [&] {
        int32_t st = cpu_dpc_partial(Hd, cpart.data());
        if (!st)
          st = cpu_dpc_scale(cpart.data(), cn2.data());
        if (!st)
          st = cpu_dpc_clip(cn2.data(), cscale.data());
        if (!st)
          st = cpu_dpc_colsum(Hd, cscale.data(), csum.data());
        if (!st)
          st = cpu_dpc_finish(csum.data(), kSeed, cout.data());
        return st;
      });
      if (!cpuOnly) {
        auto gs = scale.download(), go = out.download();
        compareBits("dp_aggregate", "clip scale", cscale.data(), gs.data(), kB,
                    4, s);
        compareBits("dp_aggregate", "out", cout.data(), go.data(), kD, 4, 0);
        // The noise: (out - clipped mean)·B has std σ·C = 1.
        double s2 = 0;
        for (int64_t j = 0; j < kD; ++j) {
          double d = (double(asF(go)[j]) - csum[j] / 256.0) * 256.0;
          s2 += d * d;
        }
        check("dp_aggregate", "noise std * B / (sigma C)", std::sqrt(s2 / kD),
              0.99, 1.01);
      }
    }
  }

  if (selected("dp_aggregate_op")) {
    Dev G(kB * kD * 4), out(kD * 4);
    G.upload(Hd);
    if (!cpuOnly) {
      Timing t = timeIt("dp_aggregate_op", [&] {
        return gpu_dp_aggregate_op(G.f(), kSeed, out.f());
      });
      emit(stoImpl(), "dp_aggregate_op", "dp_aggregate_256x2^20", t,
           4.0 * kB * kD, ", \"note\": \"sto.dp_aggregate, one call\"");
    }
    if (verify) {
      std::vector<float> c(kD);
      double s = cpuRun("dp_aggregate_op", [&] {
        return cpu_dp_aggregate_op(Hd, kSeed, c.data());
      });
      if (!cpuOnly) {
        auto g = out.download();
        compareBits("dp_aggregate_op", "out", c.data(), g.data(), kD, 4, s);
      }
    }
  }

  // The gates alone (the peers also count a bincount and a bias update).
  auto gate = [&](const char *name, const char *peer, int64_t E, int64_t K,
                  int32_t (*gfn)(const float *, const float *, int64_t, float *,
                                 int32_t *),
                  int32_t (*cfn)(const float *, const float *, int64_t, float *,
                                 int32_t *),
                  int32_t (*gfn2)(const float *, const float *, float *,
                                  int32_t *),
                  int32_t (*cfn2)(const float *, const float *, float *,
                                  int32_t *)) {
    if (!selected(name))
      return;
    std::vector<float> bias(E);
    fillNormal(bias.data(), E, 7, 0.01f);
    Dev l(kTokens * E * 4), b(E * 4), w(kTokens * K * 4), idx(kTokens * K * 4);
    l.upload(Hd);
    b.upload(bias.data());
    auto callG = [&] {
      return gfn ? gfn(l.f(), b.f(), kSeed, w.f(),
                       static_cast<int32_t *>(idx.p))
                 : gfn2(l.f(), b.f(), w.f(), static_cast<int32_t *>(idx.p));
    };
    if (!cpuOnly) {
      Timing t = timeIt(name, callG);
      emit(stoImpl(), name, peer, t, 4.0 * kTokens * E,
           ", \"note\": \"gate only: no load count, no bias update\"");
    }
    if (verify) {
      std::vector<float> cw(kTokens * K);
      std::vector<int32_t> ci(kTokens * K);
      double s = cpuRun(name, [&] {
        return cfn ? cfn(Hd, bias.data(), kSeed, cw.data(), ci.data())
                   : cfn2(Hd, bias.data(), cw.data(), ci.data());
      });
      if (!cpuOnly) {
        auto gw = w.download(), gi = idx.download();
        compareBits(name, "weights", cw.data(), gw.data(), kTokens * K, 4, s);
        compareBits(name, "indices", ci.data(), gi.data(), kTokens * K, 4, 0);
      }
    }
  };
  gate("topk_gate_noisy_e64_k2", "noisy_topk_gate_65536x64_k2", 64, 2,
       gpu_topk_gate_noisy_e64_k2, cpu_topk_gate_noisy_e64_k2, nullptr,
       nullptr);
  gate("topk_gate_sigmoid_e256_k8", "sigmoid_topk_gate_65536x256_k8", 256, 8,
       nullptr, nullptr, gpu_topk_gate_sigmoid_e256_k8,
       cpu_topk_gate_sigmoid_e256_k8);

  // The peers' whole MoE workloads: gate + expert load + bias update, and
  // dispatch + combine.
  auto moeGate = [&](const char *name, const char *peer, int64_t E, int64_t K,
                     auto gfn, auto cfn) {
    if (!selected(name))
      return;
    std::vector<float> bias(E);
    fillNormal(bias.data(), E, 7, 0.01f);
    Dev l(kTokens * E * 4), b(E * 4), w(kTokens * K * 4), idx(kTokens * K * 4),
        load(E * 4), nb(E * 4);
    l.upload(Hd);
    b.upload(bias.data());
    if (!cpuOnly) {
      Timing t = timeIt(name, [&] {
        return gfn(l.f(), b.f(), w.f(), static_cast<int32_t *>(idx.p),
                   static_cast<int32_t *>(load.p), nb.f());
      });
      emit(stoImpl(), name, peer, t, 4.0 * kTokens * E,
           ", \"note\": \"gate + expert_load + balance_bias\"");
    }
    if (verify) {
      std::vector<float> cw(kTokens * K), cnb(E);
      std::vector<int32_t> ci(kTokens * K), cl(E);
      double s = cpuRun(name, [&] {
        return cfn(Hd, bias.data(), cw.data(), ci.data(), cl.data(),
                   cnb.data());
      });
      if (!cpuOnly) {
        auto gw = w.download(), gi = idx.download(), gl = load.download(),
             gb = nb.download();
        compareBits(name, "weights", cw.data(), gw.data(), kTokens * K, 4, s);
        compareBits(name, "indices", ci.data(), gi.data(), kTokens * K, 4, 0);
        compareBits(name, "load", cl.data(), gl.data(), E, 4, 0);
        compareBits(name, "new bias", cnb.data(), gb.data(), E, 4, 0);
      }
    }
  };
  moeGate(
      "moe_gate_noisy_e64_k2", "noisy_topk_gate_65536x64_k2", 64, 2,
      [&](const float *l, const float *b, float *w, int32_t *i, int32_t *ld,
          float *nb) {
        return gpu_moe_gate_noisy_e64_k2(l, b, kSeed, w, i, ld, nb);
      },
      [&](const float *l, const float *b, float *w, int32_t *i, int32_t *ld,
          float *nb) {
        return cpu_moe_gate_noisy_e64_k2(l, b, kSeed, w, i, ld, nb);
      });
  moeGate("moe_gate_sigmoid_e256_k8", "sigmoid_topk_gate_65536x256_k8", 256, 8,
          gpu_moe_gate_sigmoid_e256_k8, cpu_moe_gate_sigmoid_e256_k8);

  if (selected("moe_dispatch_combine")) {
    const int64_t D = 1024, E = 64, K = 2;
    Dev x(kTokens * D * 4), l(kTokens * E * 4), out(kTokens * D * 4),
        slot(kTokens * K * 4);
    x.upload(Hd);
    l.upload(Hd + kTokens * D);
    if (!cpuOnly) {
      Timing t = timeIt("moe_dispatch_combine", [&] {
        return gpu_moe_dispatch_combine(x.f(), l.f(), out.f(),
                                        static_cast<int32_t *>(slot.p));
      });
      // The peers' byte count: 4·T·D·(2k + 2).
      emit(stoImpl(), "moe_dispatch_combine",
           "dispatch_combine_65536x1024_e64_k2", t, 4.0 * kTokens * D * 6,
           ", \"note\": \"gate + dispatch + combine\"");
    }
    if (verify) {
      std::vector<float> cout(kTokens * D);
      std::vector<int32_t> cslot(kTokens * K);
      double s = cpuRun("moe_dispatch_combine", [&] {
        return cpu_moe_dispatch_combine(Hd, Hd + kTokens * D, cout.data(),
                                        cslot.data());
      });
      if (!cpuOnly) {
        auto go = out.download(), gs = slot.download();
        compareBits("moe_dispatch_combine", "slots", cslot.data(), gs.data(),
                    kTokens * K, 4, s);
        compareBits("moe_dispatch_combine", "out", cout.data(), go.data(),
                    kTokens * D, 4, 0);
      }
    }
  }

  if (stream) {
    sto_cuda_set_stream(nullptr, 0);
    sto_cuda_stream_destroy(stream);
  }
  if (!allOk)
    std::fprintf(stderr, "bench_sto_gpu: some checks FAILED\n");
  return allOk ? 0 : 1;
}
