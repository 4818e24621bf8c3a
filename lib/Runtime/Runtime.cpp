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
    return "a CUDA driver call failed (see sto_cuda_last_error_message)";
  case STO_ERROR_INVALID_ARGUMENT:
    return "an argument is out of range";
  default:
    return "unknown sto status";
  }
}
