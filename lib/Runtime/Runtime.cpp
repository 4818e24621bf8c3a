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
#endif
