//===- Runtime.cpp - libsto_runtime, CPU part -----------------------------===//

#include "sto-c/Runtime.h"

extern "C" const char *sto_status_message(int32_t status) {
  switch (status) {
  case STO_OK:
    return "success";
  case STO_ERROR_NULL_POINTER:
    return "a tensor or result pointer is NULL";
  case STO_ERROR_NEGATIVE_SIZE:
    return "a dynamic dimension is negative";
  case STO_ERROR_RUNTIME:
    return "the sto runtime failed";
  case STO_ERROR_NO_CUDA_DRIVER:
    return "no usable CUDA driver or device (see sto_cuda_last_error_message)";
  case STO_ERROR_CUDA:
    return "a CUDA driver or cuBLAS call failed (see "
           "sto_cuda_last_error_message)";
  case STO_ERROR_INVALID_ARGUMENT:
    return "an argument is out of range";
  case STO_ERROR_SHAPE_MISMATCH:
    return "a result's dynamic size differs from the size the function "
           "computed";
  case STO_ERROR_NO_CUBLAS:
    return "cuBLAS could not be loaded (see sto_cuda_last_error_message)";
  default:
    return "unknown sto status";
  }
}

// Plain TLS of a trivial type: no C++ runtime support is needed, so C
// programs link libsto_runtime with a C compiler.
static thread_local int32_t currentStatus = STO_OK;

extern "C" void sto_record_status(int32_t status) {
  if (currentStatus == STO_OK)
    currentStatus = status;
}

extern "C" int32_t sto_take_status(void) {
  int32_t status = currentStatus;
  currentStatus = STO_OK;
  return status;
}
