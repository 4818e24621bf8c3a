//===- Runtime.cpp - libsto_runtime, CPU part -----------------------------===//

#include "sto-c/Runtime.h"

#include <cstring>

extern "C" const char *sto_status_message(int32_t status) {
  switch (status) {
  case STO_OK:
    return "success";
  case STO_ERROR_NULL_POINTER:
    return "a tensor or result pointer is NULL";
  case STO_ERROR_NEGATIVE_SIZE:
    return "a dynamic dimension is negative";
  case STO_ERROR_RUNTIME:
    return "the sto runtime failed, or a buffer could not be allocated (see "
           "sto_last_error_message)";
  case STO_ERROR_NO_CUDA_DRIVER:
    return "no usable CUDA driver or device (see sto_cuda_last_error_message)";
  case STO_ERROR_CUDA:
    return "a CUDA driver or cuBLAS call failed (see "
           "sto_cuda_last_error_message)";
  case STO_ERROR_INVALID_ARGUMENT:
    return "an argument is out of range";
  case STO_ERROR_SHAPE_MISMATCH:
    return "dynamic sizes do not agree (see sto_last_error_message)";
  case STO_ERROR_NO_CUBLAS:
    return "cuBLAS could not be loaded (see sto_cuda_last_error_message)";
  case STO_ERROR_ASSERTION:
    return "an assertion of the model failed (see sto_last_error_message)";
  default:
    return "unknown sto status";
  }
}

// Plain TLS of a trivial type: no C++ runtime support is needed, so C
// programs link libsto_runtime with a C compiler.
static thread_local int32_t currentStatus = STO_OK;
// The message of the first failure of the calling thread's last failed call
// (a string constant of the compiled object), or null for the status's own.
static thread_local const char *lastMessage = nullptr;
static thread_local int32_t lastMessageStatus = STO_OK;

extern "C" void sto_record_error(int32_t status, const char *message) {
  if (currentStatus != STO_OK || status == STO_OK)
    return;
  currentStatus = status;
  lastMessage = message;
  lastMessageStatus = status;
}

extern "C" void sto_record_status(int32_t status) {
  sto_record_error(status, nullptr);
}

extern "C" const char *sto_last_error_message(void) {
  if (lastMessageStatus == STO_OK)
    return "";
  return lastMessage ? lastMessage : sto_status_message(lastMessageStatus);
}

extern "C" int32_t sto_take_status(void) {
  int32_t status = currentStatus;
  currentStatus = STO_OK;
  return status;
}

// f32 -> bf16, rounding to nearest even (NaNs stay NaNs, quieted, with their
// sign and leading payload bits), for code LLVM generates. sto's own
// conversions are integer arithmetic (arith-expand in the CPU pipeline), but
// LLVM's x86 backend without native bf16 turns a select of a partly filled
// bfloat vector into a round trip through f32 whose way back is a call of
// this builtin, which libgcc before 13 does not have: without it a
// --mcpu=x86-64-v3 object of a 7-element bf16 sto.uniform did not link.
// Weak, so that a libgcc or compiler-rt that has it wins.
#if defined(__x86_64__) &&                                                     \
    ((defined(__clang__) && __clang_major__ >= 17) ||                          \
     (!defined(__clang__) && defined(__GNUC__) && __GNUC__ >= 13))
extern "C" __attribute__((weak)) __bf16 __truncsfbf2(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  uint16_t half = (bits & 0x7fffffffu) > 0x7f800000u
                      ? uint16_t((bits >> 16) | 0x40u)
                      : uint16_t((bits + 0x7fffu + ((bits >> 16) & 1u)) >> 16);
  __bf16 result;
  std::memcpy(&result, &half, sizeof result);
  return result;
}

// f64 -> bf16, rounding once to nearest even (not through f32, which would
// round twice), for the same reason: `arith.truncf` from f64 to bf16 becomes
// LLVM's fptrunc, which x86 lowers to a call of this builtin, which libgcc
// before 13 lacks (a model narrowing f64 to bf16 did not link). NaNs stay
// NaNs, quieted, with their sign and leading payload bits.
extern "C" __attribute__((weak)) __bf16 __truncdfbf2(double value) {
  uint64_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  uint16_t sign = uint16_t((bits >> 48) & 0x8000u);
  uint64_t magnitude = bits & 0x7fffffffffffffffull;
  uint16_t half;
  if (magnitude > 0x7ff0000000000000ull) {
    half = uint16_t(sign | 0x7fc0u | ((bits >> 45) & 0x7fu));
  } else if (magnitude >= 0x3810000000000000ull) {
    // |x| >= 2^-126, a normal bf16 or beyond: round the 52-bit significand
    // to 7 bits (ties to even; a carry moves into the exponent), then rebias
    // the exponent from 1023 to 127. 2^128 and beyond become +inf.
    uint64_t rounded =
        (magnitude + 0x0fffffffffffull + ((magnitude >> 45) & 1u)) >> 45;
    uint64_t rebias = uint64_t(1023 - 127) << 7;
    half = rounded - rebias >= 0x7f80u ? uint16_t(sign | 0x7f80u)
                                       : uint16_t(sign | (rounded - rebias));
  } else {
    // A bf16 subnormal (or 0, or the least normal): the nearest multiple of
    // 2^-133, ties to even; |x| * 2^133 is exact.
    double scaled;
    uint64_t exponent = uint64_t(1023 + 133) << 52;
    double scale;
    std::memcpy(&scale, &exponent, sizeof scale);
    uint64_t absBits = magnitude;
    double absValue;
    std::memcpy(&absValue, &absBits, sizeof absValue);
    scaled = absValue * scale;
    double whole = static_cast<double>(static_cast<uint64_t>(scaled));
    double rest = scaled - whole;
    uint64_t m = static_cast<uint64_t>(whole);
    if (rest > 0.5 || (rest == 0.5 && (m & 1u)))
      ++m;
    half = uint16_t(sign | m);
  }
  __bf16 result;
  std::memcpy(&result, &half, sizeof result);
  return result;
}
#endif
