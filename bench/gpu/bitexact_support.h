//===- bitexact_support.h - the generated GPU/CPU bit comparison's runtime ===//
//
// Used by the driver that gen_bitexact.py writes (bitexact_main.cpp):
// deterministic input fills (N(0,1)-like, probabilities, IEEE specials,
// integers) in f32, f64, f16 and bf16, device buffers through the sto_cuda_*
// API of libsto_runtime, and the comparison of the CPU's and the GPU's outputs
// bit for bit (mismatches, max ulp).
//
// Command line: bitexact [--cpu-only] [--skip-host-loops] [--only=f1,f2,...]
//                        [--quiet]
//   --cpu-only         run the cpu_* half alone (no driver needed); exit 0 if
//                      every call succeeds
//   --skip-host-loops  do not run the functions whose GPU code has host loops
//                      (see below)
//   --only             run these functions only (also STO_BITEXACT_ONLY)
//   --quiet            print only mismatching outputs and the summary (JSON
//                      lines always)
// Functions that host_loops.py flagged (sto-compile left their loops on the
// host, over the device pointers) run first, each in a child process forked
// before this process touches CUDA (20 s alarm each,
// STO_BITEXACT_HOST_LOOP_BUDGET_S = 60 s for all), so that their crash is
// recorded (HOST-LOOP lines) and the others still run. The others run in this
// process, each under a SIGSEGV/SIGBUS guard.
// Compiled with -DBX_EMULATED, against gpu_* functions from sto-compile
// --target=cuda-emulator, every "device" buffer is host memory and all
// functions run in this process (test/GPU/emulated-bitexact.test).
// Exit status: 0 every output of the kernel functions identical; 1 a mismatch
// or a failed call among them; 4 (STO_ERROR_NO_CUDA_DRIVER) no usable GPU,
// after running the CPU half. The host-loop functions do not change it (a known
// gap, KNOWN_GAPS.md).
//
//===----------------------------------------------------------------------===//

#ifndef STO_BENCH_GPU_BITEXACT_SUPPORT_H
#define STO_BENCH_GPU_BITEXACT_SUPPORT_H

#include "sto-c/Runtime.h"

#include <cerrno>
#include <chrono>
#include <cinttypes>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include <dlfcn.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

namespace bx {

// The "device": libsto_runtime's CUDA API, or, with BX_EMULATED (the gpu_*
// functions compiled with sto-compile --target=cuda-emulator, whose kernels
// run on the host), host memory with the device allocator's alignment.
#ifdef BX_EMULATED
inline constexpr bool kEmulated = true;
inline int32_t devMalloc(void **p, size_t bytes) {
  *p = std::aligned_alloc(256, (bytes + 255) / 256 * 256);
  return *p ? STO_OK : STO_ERROR_CUDA;
}
inline void devFree(void *p) { std::free(p); }
inline int32_t devMemcpy(void *dst, const void *src, size_t bytes) {
  std::memcpy(dst, src, bytes);
  return STO_OK;
}
inline int32_t devMemset(void *dst, int value, size_t bytes) {
  std::memset(dst, value, bytes);
  return STO_OK;
}
#else
inline constexpr bool kEmulated = false;
inline int32_t devMalloc(void **p, size_t bytes) {
  return sto_cuda_malloc(p, bytes);
}
inline void devFree(void *p) { sto_cuda_free(p); }
inline int32_t devMemcpy(void *dst, const void *src, size_t bytes) {
  return sto_cuda_memcpy(dst, src, bytes, nullptr);
}
inline int32_t devMemset(void *dst, int value, size_t bytes) {
  return sto_cuda_memset(dst, value, bytes, nullptr);
}
#endif

enum class DType { F32, F64, F16, BF16, I1, I8, I16, I32, I64 };

inline const char *dtypeName(DType t) {
  switch (t) {
  case DType::F32:
    return "f32";
  case DType::F64:
    return "f64";
  case DType::F16:
    return "f16";
  case DType::BF16:
    return "bf16";
  case DType::I1:
    return "i1";
  case DType::I8:
    return "i8";
  case DType::I16:
    return "i16";
  case DType::I32:
    return "i32";
  case DType::I64:
    return "i64";
  }
  return "?";
}

inline size_t dtypeSize(DType t) {
  switch (t) {
  case DType::F64:
  case DType::I64:
    return 8;
  case DType::F32:
  case DType::I32:
    return 4;
  case DType::F16:
  case DType::BF16:
  case DType::I16:
    return 2;
  default:
    return 1;
  }
}

inline bool isFloat(DType t) {
  return t == DType::F32 || t == DType::F64 || t == DType::F16 ||
         t == DType::BF16;
}

//===--- deterministic values ---------------------------------------------===//

inline uint64_t mix(uint64_t z) {
  z += 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

inline uint64_t hashString(const char *s, uint64_t h = 0xCBF29CE484222325ull) {
  for (; *s; ++s)
    h = (h ^ uint8_t(*s)) * 0x100000001B3ull;
  return h;
}

/// Uniform in [0, 1) with 24 bits.
inline double u24(uint64_t seed, uint64_t i, int j) {
  return double(mix(seed ^ mix(i * 4 + uint64_t(j))) >> 40) *
         (1.0 / 16777216.0);
}

/// Sum of four uniforms, rescaled to mean 0 and variance 1 (in [-3.47, 3.47]).
inline double normalish(uint64_t seed, uint64_t i) {
  double s = 0;
  for (int j = 0; j < 4; ++j)
    s += u24(seed, i, j);
  return (s - 2.0) * 1.7320508075688772;
}

inline uint16_t floatToBf16(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  if ((x & 0x7FFFFFFFu) > 0x7F800000u)
    return uint16_t((x >> 16) | 0x0040u); // quiet NaN, sign kept
  uint32_t r = x + 0x7FFFu + ((x >> 16) & 1u);
  return uint16_t(r >> 16);
}

inline uint16_t floatToHalf(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  uint16_t sign = uint16_t((x >> 16) & 0x8000u);
  uint32_t ax = x & 0x7FFFFFFFu;
  if (ax >= 0x7F800000u)
    return sign | (ax > 0x7F800000u ? 0x7E00u : 0x7C00u);
  if (ax >= 0x477FF000u) // 65520 and above round to infinity
    return sign | 0x7C00u;
  if (ax < 0x38800000u) { // below 2^-14: a subnormal half (or zero)
    float a;
    std::memcpy(&a, &ax, 4);
    return sign | uint16_t(std::nearbyint(double(a) *
                                          16777216.0)); // units of 2^-24, RNE
  }
  uint32_t e = (ax >> 23) - 127 + 15, mant = ax & 0x7FFFFFu;
  uint32_t h = (e << 10) | (mant >> 13), rest = mant & 0x1FFFu;
  if (rest > 0x1000u || (rest == 0x1000u && (h & 1u)))
    ++h;
  return uint16_t(sign | h);
}

inline double specialValue(uint64_t k) {
  static const double table[] = {
      std::numeric_limits<double>::quiet_NaN(),
      -std::numeric_limits<double>::quiet_NaN(),
      std::numeric_limits<double>::infinity(),
      -std::numeric_limits<double>::infinity(),
      0.0,
      -0.0,
      1.401298464324817e-45,   // smallest f32 subnormal
      -1.1754942106924411e-38, // largest f32 subnormal
      1.1754943508222875e-38,  // FLT_MIN
      3.4028234663852886e+38,  // FLT_MAX
      -3.4028234663852886e+38,
      1e30,
      -1e-30,
      5.960464477539063e-08, // smallest f16 subnormal
      65504.0,
      1.0,
  };
  return table[k % (sizeof(table) / sizeof(table[0]))];
}

/// Fills n elements of type t at p. kind: normal, unit, specials, int:LO:HI.
inline void fill(void *p, size_t n, DType t, const char *kind, uint64_t seed) {
  std::string k(kind);
  long long lo = 0, hi = 8;
  bool isInt = k.compare(0, 4, "int:") == 0;
  if (isInt && std::sscanf(k.c_str() + 4, "%lld:%lld", &lo, &hi) != 2) {
    std::fprintf(stderr, "bitexact: bad fill kind %s\n", kind);
    std::exit(2);
  }
  for (size_t i = 0; i < n; ++i) {
    double v;
    if (isInt)
      v = double(lo + (long long)(mix(seed ^ mix(i)) % uint64_t(hi - lo)));
    else if (k == "unit")
      v = (std::floor(u24(seed, i, 0) * 16777216.0) + 0.5) / 16777216.0;
    else if (k == "specials" && mix(seed + i) % 7 == 0)
      v = specialValue(mix(seed * 31 + i) >> 3);
    else if (k == "normal" || k == "specials")
      v = normalish(seed, i);
    else {
      std::fprintf(stderr, "bitexact: unknown fill kind %s\n", kind);
      std::exit(2);
    }
    switch (t) {
    case DType::F32:
      static_cast<float *>(p)[i] = float(v);
      break;
    case DType::F64:
      static_cast<double *>(p)[i] = v;
      break;
    case DType::F16:
      static_cast<uint16_t *>(p)[i] = floatToHalf(float(v));
      break;
    case DType::BF16:
      static_cast<uint16_t *>(p)[i] = floatToBf16(float(v));
      break;
    case DType::I1:
      static_cast<uint8_t *>(p)[i] = uint8_t(int64_t(v) & 1);
      break;
    case DType::I8:
      static_cast<int8_t *>(p)[i] = int8_t(v);
      break;
    case DType::I16:
      static_cast<int16_t *>(p)[i] = int16_t(v);
      break;
    case DType::I32:
      static_cast<int32_t *>(p)[i] = int32_t(v);
      break;
    case DType::I64:
      static_cast<int64_t *>(p)[i] = int64_t(v);
      break;
    }
  }
}

//===--- comparison -------------------------------------------------------===//

inline uint64_t bitsAt(const void *p, size_t i, DType t) {
  switch (dtypeSize(t)) {
  case 8: {
    uint64_t v;
    std::memcpy(&v, static_cast<const char *>(p) + 8 * i, 8);
    return v;
  }
  case 4: {
    uint32_t v;
    std::memcpy(&v, static_cast<const char *>(p) + 4 * i, 4);
    return v;
  }
  case 2: {
    uint16_t v;
    std::memcpy(&v, static_cast<const char *>(p) + 2 * i, 2);
    return v;
  }
  default:
    return static_cast<const uint8_t *>(p)[i];
  }
}

inline bool isNan(uint64_t b, DType t) {
  switch (t) {
  case DType::F32:
    return (b & 0x7FFFFFFFu) > 0x7F800000u;
  case DType::F64:
    return (b & 0x7FFFFFFFFFFFFFFFull) > 0x7FF0000000000000ull;
  case DType::F16:
    return (b & 0x7FFFu) > 0x7C00u;
  case DType::BF16:
    return (b & 0x7FFFu) > 0x7F80u;
  default:
    return false;
  }
}

/// Position on the line of floats of this type (monotonic in the value, +0 ==
/// -0 + 1).
inline int64_t ordinal(uint64_t b, DType t) {
  int bits = int(8 * dtypeSize(t));
  uint64_t sign = uint64_t(1) << (bits - 1);
  uint64_t mag = b & (sign - 1);
  return (b & sign) ? -int64_t(mag) - 1 : int64_t(mag);
}

inline double asDouble(uint64_t b, DType t) {
  switch (t) {
  case DType::F32: {
    float f;
    uint32_t u = uint32_t(b);
    std::memcpy(&f, &u, 4);
    return f;
  }
  case DType::F64: {
    double d;
    std::memcpy(&d, &b, 8);
    return d;
  }
  case DType::BF16: {
    float f;
    uint32_t u = uint32_t(b) << 16;
    std::memcpy(&f, &u, 4);
    return f;
  }
  case DType::F16: {
    uint32_t s = (b >> 15) & 1, e = (b >> 10) & 31, m = b & 1023;
    double v = e == 0    ? std::ldexp(double(m), -24)
               : e == 31 ? (m ? std::nan("") : INFINITY)
                         : std::ldexp(double(m | 1024), int(e) - 25);
    return s ? -v : v;
  }
  case DType::I64:
    return double(int64_t(b));
  case DType::I32:
    return double(int32_t(uint32_t(b)));
  case DType::I16:
    return double(int16_t(uint16_t(b)));
  case DType::I8:
    return double(int8_t(uint8_t(b)));
  default:
    return double(b);
  }
}

/// The jump buffer of the case running now, and the signal that ended it.
inline sigjmp_buf *&guardBuffer() {
  static sigjmp_buf *buffer = nullptr;
  return buffer;
}
inline volatile sig_atomic_t &guardSignal() {
  static volatile sig_atomic_t sig = 0;
  return sig;
}
extern "C" inline void bxCrashHandler(int sig) {
  guardSignal() = sig;
  if (sigjmp_buf *b = guardBuffer())
    siglongjmp(*b, sig);
  signal(sig, SIG_DFL);
  raise(sig);
}

class Runner {
public:
  Runner(int argc, char **argv) {
    for (int i = 1; i < argc; ++i) {
      std::string a = argv[i];
      if (a == "--cpu-only")
        cpuOnlyMode = true;
      else if (a == "--quiet")
        quiet = true;
      else if (a == "--skip-host-loops")
        skipHostLoops = true;
      else if (a.compare(0, 7, "--only=") == 0)
        only = a.substr(7);
      else {
        std::fprintf(stderr,
                     "usage: %s [--cpu-only] [--skip-host-loops] "
                     "[--only=f1,f2] [--quiet]\n",
                     argv[0]);
        std::exit(2);
      }
    }
    if (only.empty())
      if (const char *s = std::getenv("STO_BITEXACT_ONLY"))
        only = s;
  }

  /// Runs every case of `all`: the host-loop functions first, each in a child
  /// process (forked before this process touches CUDA: the driver does not
  /// survive a fork), then the others in this process.
  int run(void (*all)(Runner &)) {
    if (kEmulated && !cpuOnlyMode) {
      // Host code over host memory: no host loop can crash, no driver.
      haveGpu = true;
      std::printf("bitexact: the gpu_* functions are emulated on the host "
                  "(sto-compile --target=cuda-emulator)\n");
      phase = Phase::All;
      all(*this);
      return finish();
    }
    if (cpuOnlyMode) {
      phase = Phase::All;
      all(*this);
      return finish();
    }
    if (!driverLoadable()) {
      noGpu(sto_cuda_init());
      phase = Phase::All;
      all(*this);
      return finish();
    }
    if (!skipHostLoops) {
      if (const char *b = std::getenv("STO_BITEXACT_HOST_LOOP_BUDGET_S"))
        hostLoopBudgetS = std::atof(b);
      hostLoopStart = std::chrono::steady_clock::now();
      phase = Phase::HostLoops;
      all(*this);
    }
    int32_t st = sto_cuda_init();
    if (st != STO_OK) {
      noGpu(st);
    } else {
      haveGpu = true;
      char name[256] = "";
      int32_t major = 0, minor = 0;
      sto_cuda_device_name(0, name, sizeof(name));
      sto_cuda_device_compute_capability(0, &major, &minor);
      std::printf("bitexact: GPU 0 is %s (compute capability %d.%d)\n", name,
                  major, minor);
    }
    phase = Phase::Kernels;
    all(*this);
    return finish();
  }

  bool gpu() const { return haveGpu; }

  bool selected(const char *fn, bool hostLoop) {
    if (!only.empty()) {
      std::string list = "," + only + ",";
      if (list.find("," + std::string(fn) + ",") == std::string::npos)
        return false;
    }
    currentHostLoop = hostLoop;
    if (phase == Phase::All)
      return true;
    if (phase == Phase::Kernels)
      return !hostLoop;
    if (!hostLoop)
      return false;
    // A host-loop function: run it in a child process, record how it ended;
    // within a time budget for all of them (STO_BITEXACT_HOST_LOOP_BUDGET_S,
    // default 60 s).
    double elapsed = std::chrono::duration<double>(
                         std::chrono::steady_clock::now() - hostLoopStart)
                         .count();
    if (elapsed > hostLoopBudgetS) {
      ++hostLoopFunctions;
      ++hostLoopSkipped;
      std::printf("{\"bitexact\": \"%s\", \"output\": \"\", \"host_loop\": "
                  "true, \"status\": "
                  "\"host-loop-skipped\", \"signal\": 0, \"exit\": -1}\n",
                  fn);
      return false;
    }
    std::fflush(stdout);
    std::fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
      std::printf("FAIL %s: fork: %s\n", fn, std::strerror(errno));
      ++failures;
      return false;
    }
    if (pid == 0) {
      inChild = true;
      alarm(20);
      int32_t st = sto_cuda_init();
      if (st != STO_OK) {
        std::printf("host-loop %s: no GPU in the child: %s\n", fn,
                    sto_cuda_last_error_message());
        std::fflush(stdout);
        _exit(4);
      }
      haveGpu = true;
      return true;
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    ++hostLoopFunctions;
    const char *result;
    int sig = 0, code = -1;
    if (WIFSIGNALED(status)) {
      sig = WTERMSIG(status);
      ++hostLoopCrashed;
      result = "host-loop-crashed";
      std::printf("HOST-LOOP %s: gpu_%s died of signal %d (%s): its loops run "
                  "on the host over "
                  "device pointers (KNOWN_GAPS.md)\n",
                  fn, fn, sig, strsignal(sig));
    } else {
      code = WEXITSTATUS(status);
      result = code == 0   ? "host-loop-identical"
               : code == 1 ? "host-loop-mismatch"
               : code == 4 ? "host-loop-no-gpu"
                           : "host-loop-failed";
      if (code == 0)
        ++hostLoopIdentical;
      else if (code == 1)
        ++hostLoopMismatch;
      else
        ++hostLoopFailed;
      std::printf("HOST-LOOP %s: gpu_%s exited with %d (%s)\n", fn, fn, code,
                  result);
    }
    std::printf("{\"bitexact\": \"%s\", \"output\": \"\", \"host_loop\": true, "
                "\"status\": "
                "\"%s\", \"signal\": %d, \"exit\": %d}\n",
                fn, result, sig, code);
    std::fflush(stdout);
    return false;
  }

  /// The jump buffer for sigsetjmp around a case (in this process; a child is
  /// left to die of the signal, which its parent records).
  sigjmp_buf *guard() {
    if (!inChild && !handlersInstalled) {
      struct sigaction sa;
      std::memset(&sa, 0, sizeof(sa));
      sa.sa_handler = bxCrashHandler;
      sigemptyset(&sa.sa_mask);
      for (int sig : {SIGSEGV, SIGBUS, SIGILL, SIGFPE})
        sigaction(sig, &sa, nullptr);
      handlersInstalled = true;
    }
    guardSignal() = 0;
    guardBuffer() = inChild ? nullptr : &jumpBuffer;
    return &jumpBuffer;
  }

  /// A case ended by a signal in this process.
  void crashed() {
    int sig = guardSignal();
    guardBuffer() = nullptr;
    ++failures;
    ++crashes;
    std::printf("CRASH %s: signal %d (%s) in gpu_%s or cpu_%s: host code "
                "touched memory it "
                "cannot (device memory?) and host_loops.py did not flag it\n",
                current.c_str(), sig, strsignal(sig), current.c_str(),
                current.c_str());
    json("crashed", "", DType::F32, 0, 0, 0, 0);
    for (void *p : deviceBuffers)
      devFree(p);
    deviceBuffers.clear();
  }

  uint64_t seed(const char *arg) const {
    return hashString(arg, hashString(current.c_str()));
  }

  void begin(const char *fn) {
    current = fn;
    ++functions;
  }

  void end() {
    guardBuffer() = nullptr;
    for (void *p : deviceBuffers)
      devFree(p);
    deviceBuffers.clear();
    if (inChild) {
      std::fflush(stdout);
      _exit(failures ? 2 : mismatchedOutputs ? 1 : 0);
    }
  }

  void poison(void *p, size_t bytes, uint8_t value) {
    std::memset(p, value, bytes);
  }

  void *upload(const void *host, size_t bytes) {
    if (!haveGpu)
      return nullptr;
    void *d = alloc(bytes);
    if (d && devMemcpy(d, host, bytes) != STO_OK)
      gpuFailure("sto_cuda_memcpy (host to device)");
    return d;
  }

  /// A device buffer poisoned with 0x5A bytes (the CPU's outputs get 0xA5).
  void *output(size_t bytes) {
    if (!haveGpu)
      return nullptr;
    void *d = alloc(bytes);
    if (d && devMemset(d, 0x5A, bytes) != STO_OK)
      gpuFailure("sto_cuda_memset");
    return d;
  }

  void download(void *host, const void *dev, size_t bytes) {
    if (!dev || devMemcpy(host, dev, bytes) != STO_OK) {
      if (dev)
        gpuFailure("sto_cuda_memcpy (device to host)");
      std::memset(host, 0x5A, bytes);
    }
  }

  void cpuStatus(int32_t st) {
    if (st == STO_OK)
      return;
    ++failures;
    std::printf("FAIL %s: cpu_%s returned %d (%s)\n", current.c_str(),
                current.c_str(), st, sto_status_message(st));
    json("cpu-failed", "", DType::F32, 0, 0, 0, 0);
  }

  void gpuStatus(int32_t st) {
    if (st == STO_OK)
      return;
    ++failures;
    std::printf("FAIL %s: gpu_%s returned %d (%s): %s\n", current.c_str(),
                current.c_str(), st, sto_status_message(st),
                sto_cuda_last_error_message());
    json("gpu-failed", "", DType::F32, 0, 0, 0, 0);
    sto_cuda_clear_error();
  }

  void compare(const char *out, DType t, const void *cpu, const void *gpu,
               size_t n) {
    ++outputs;
    size_t mism = 0, nanVsNumber = 0, nanPayload = 0, first = n;
    uint64_t maxUlp = 0;
    for (size_t i = 0; i < n; ++i) {
      uint64_t a = bitsAt(cpu, i, t), b = bitsAt(gpu, i, t);
      if (a == b)
        continue;
      if (isFloat(t) && isNan(a, t) && isNan(b, t)) {
        ++nanPayload; // both NaN, different payloads: counted, not a mismatch
        continue;
      }
      ++mism;
      if (first == n)
        first = i;
      if (isFloat(t)) {
        if (isNan(a, t) || isNan(b, t)) {
          ++nanVsNumber;
          continue;
        }
        int64_t d = ordinal(a, t) - ordinal(b, t);
        uint64_t u = d < 0 ? uint64_t(-d) : uint64_t(d);
        if (u > maxUlp)
          maxUlp = u;
      }
    }
    const char *status = mism ? "MISMATCH" : "ok";
    if (mism) {
      ++mismatchedOutputs;
      uint64_t a = bitsAt(cpu, first, t), b = bitsAt(gpu, first, t);
      int w = int(2 * dtypeSize(t));
      std::printf("MISMATCH %s %s %s n=%zu: %zu of %zu differ", current.c_str(),
                  out, dtypeName(t), n, mism, n);
      if (isFloat(t))
        std::printf(", max %" PRIu64 " ulp%s", maxUlp,
                    nanVsNumber ? " (and NaN against a number)" : "");
      std::printf("; first at %zu: cpu 0x%0*" PRIx64 " (%.9g) gpu 0x%0*" PRIx64
                  " (%.9g)\n",
                  first, w, a, asDouble(a, t), w, b, asDouble(b, t));
    } else if (!quiet) {
      std::printf("ok %s %s %s n=%zu: identical%s\n", current.c_str(), out,
                  dtypeName(t), n, nanPayload ? " (NaN payloads differ)" : "");
    }
    json(status, out, t, n, mism, maxUlp, nanVsNumber, nanPayload);
  }

  void cpuOnly(const char *out, DType t, const void *cpu, size_t n) {
    ++outputs;
    uint64_t h = 0xCBF29CE484222325ull;
    const uint8_t *b = static_cast<const uint8_t *>(cpu);
    size_t bytes = n * dtypeSize(t);
    for (size_t i = 0; i < bytes; ++i)
      h = (h ^ b[i]) * 0x100000001B3ull;
    if (!quiet)
      std::printf("cpu %s %s %s n=%zu: fnv1a 0x%016" PRIx64 "\n",
                  current.c_str(), out, dtypeName(t), n, h);
    std::printf(
        "{\"bitexact\": \"%s\", \"output\": \"%s\", \"dtype\": \"%s\", \"n\": "
        "%zu, "
        "\"host_loop\": %s, \"status\": \"cpu-only\", \"fnv1a\": \"%016" PRIx64
        "\"}\n",
        current.c_str(), out, dtypeName(t), n,
        currentHostLoop ? "true" : "false", h);
  }

  int finish() {
    std::printf("bitexact: %d functions, %d outputs%s: %d with mismatches, %d "
                "failed calls"
                "%s\n",
                functions, outputs, haveGpu ? " compared" : " (CPU half only)",
                mismatchedOutputs, failures,
                crashes ? " (crashes among them)" : "");
    if (hostLoopFunctions)
      std::printf("bitexact: %d more functions whose loops sto-compile left on "
                  "the host, each "
                  "in a child process: %d crashed, %d identical, %d differ, %d "
                  "failed, %d "
                  "skipped (time budget)\n",
                  hostLoopFunctions, hostLoopCrashed, hostLoopIdentical,
                  hostLoopMismatch, hostLoopFailed, hostLoopSkipped);
    std::printf("{\"bitexact_summary\": true, \"gpu\": %s, \"functions\": %d, "
                "\"outputs\": %d, "
                "\"mismatched_outputs\": %d, \"failures\": %d, "
                "\"host_loop_functions\": %d, "
                "\"host_loop_crashed\": %d, \"host_loop_identical\": %d, "
                "\"host_loop_mismatch\": %d, \"host_loop_failed\": %d, "
                "\"host_loop_skipped\": %d}\n",
                haveGpu ? "true" : "false", functions, outputs,
                mismatchedOutputs, failures, hostLoopFunctions, hostLoopCrashed,
                hostLoopIdentical, hostLoopMismatch, hostLoopFailed,
                hostLoopSkipped);
    std::fflush(stdout);
    if (failures || mismatchedOutputs)
      return 1;
    if (!haveGpu && !cpuOnlyMode)
      return noGpuStatus ? noGpuStatus : STO_ERROR_NO_CUDA_DRIVER;
    return 0;
  }

private:
  enum class Phase { All, HostLoops, Kernels };

  static bool driverLoadable() {
    const char *path = std::getenv("STO_CUDA_DRIVER");
    if (path && (!*path || std::strcmp(path, "none") == 0))
      return false;
    // dlopen only (no cuInit): the host-loop children are forked after this.
    return dlopen(path ? path : "libcuda.so.1", RTLD_NOW | RTLD_LOCAL) !=
           nullptr;
  }

  void noGpu(int32_t st) {
    noGpuStatus = st ? st : STO_ERROR_NO_CUDA_DRIVER;
    std::printf("bitexact: no GPU (status %d, %s): %s\n", noGpuStatus,
                sto_status_message(noGpuStatus), sto_cuda_last_error_message());
    std::printf("bitexact: running the CPU half only\n");
    std::fflush(stdout);
  }

  void *alloc(size_t bytes) {
    void *d = nullptr;
    if (devMalloc(&d, bytes ? bytes : 1) != STO_OK) {
      gpuFailure("sto_cuda_malloc");
      return nullptr;
    }
    deviceBuffers.push_back(d);
    return d;
  }

  void gpuFailure(const char *what) {
    ++failures;
    std::printf("FAIL %s: %s: %s\n", current.c_str(), what,
                sto_cuda_last_error_message());
  }

  void json(const char *status, const char *out, DType t, size_t n, size_t mism,
            uint64_t maxUlp, size_t nanVsNumber, size_t nanPayload = 0) {
    std::printf("{\"bitexact\": \"%s\", \"output\": \"%s\", \"dtype\": \"%s\", "
                "\"n\": %zu, "
                "\"mismatches\": %zu, \"max_ulp\": %" PRIu64
                ", \"nan_vs_number\": %zu, "
                "\"nan_payload_differs\": %zu, \"host_loop\": %s, \"status\": "
                "\"%s\"}\n",
                current.c_str(), out, dtypeName(t), n, mism, maxUlp,
                nanVsNumber, nanPayload, currentHostLoop ? "true" : "false",
                status);
    std::fflush(stdout);
  }

  Phase phase = Phase::All;
  bool cpuOnlyMode = false, quiet = false, skipHostLoops = false,
       haveGpu = false;
  bool inChild = false, currentHostLoop = false, handlersInstalled = false;
  sigjmp_buf jumpBuffer;
  int crashes = 0;
  int32_t noGpuStatus = 0;
  std::string only, current;
  std::vector<void *> deviceBuffers;
  int functions = 0, outputs = 0, mismatchedOutputs = 0, failures = 0;
  int hostLoopFunctions = 0, hostLoopCrashed = 0, hostLoopIdentical = 0,
      hostLoopMismatch = 0, hostLoopFailed = 0, hostLoopSkipped = 0;
  double hostLoopBudgetS = 60;
  std::chrono::steady_clock::time_point hostLoopStart;
};

} // namespace bx

#endif // STO_BENCH_GPU_BITEXACT_SUPPORT_H
