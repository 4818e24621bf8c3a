//===- CudaDriverCheck.cpp - CudaDriverFallback.h against cuda.h ----------===//
//
// Built only where the CUDA toolkit is installed: every type, constant and
// layout of CudaDriverFallback.h (used to build the runtime without the
// toolkit) must be the one of the real cuda.h. No code is generated.
//
//===----------------------------------------------------------------------===//

#include <stddef.h>
#include <stdint.h>

#include <cuda.h>

#include <type_traits>

namespace fallback {
#include "CudaDriverFallback.h"
} // namespace fallback

#define STO_SAME_VALUE(name)                                                   \
  static_assert(static_cast<long long>(fallback::name) ==                      \
                    static_cast<long long>(::name),                            \
                #name " differs from cuda.h");

STO_SAME_VALUE(CUDA_SUCCESS)
STO_SAME_VALUE(CUDA_ERROR_INVALID_VALUE)
STO_SAME_VALUE(CUDA_ERROR_OUT_OF_MEMORY)
STO_SAME_VALUE(CUDA_ERROR_NOT_INITIALIZED)
STO_SAME_VALUE(CUDA_ERROR_DEINITIALIZED)
STO_SAME_VALUE(CUDA_ERROR_STUB_LIBRARY)
STO_SAME_VALUE(CUDA_ERROR_CALL_REQUIRES_NEWER_DRIVER)
STO_SAME_VALUE(CUDA_ERROR_DEVICE_UNAVAILABLE)
STO_SAME_VALUE(CUDA_ERROR_NO_DEVICE)
STO_SAME_VALUE(CUDA_ERROR_INVALID_DEVICE)
STO_SAME_VALUE(CUDA_ERROR_INVALID_IMAGE)
STO_SAME_VALUE(CUDA_ERROR_INVALID_CONTEXT)
STO_SAME_VALUE(CUDA_ERROR_NO_BINARY_FOR_GPU)
STO_SAME_VALUE(CUDA_ERROR_INVALID_PTX)
STO_SAME_VALUE(CUDA_ERROR_JIT_COMPILER_NOT_FOUND)
STO_SAME_VALUE(CUDA_ERROR_UNSUPPORTED_PTX_VERSION)
STO_SAME_VALUE(CUDA_ERROR_INVALID_HANDLE)
STO_SAME_VALUE(CUDA_ERROR_NOT_FOUND)
STO_SAME_VALUE(CUDA_ERROR_NOT_READY)
STO_SAME_VALUE(CUDA_ERROR_ILLEGAL_ADDRESS)
STO_SAME_VALUE(CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES)
STO_SAME_VALUE(CUDA_ERROR_LAUNCH_TIMEOUT)
STO_SAME_VALUE(CUDA_ERROR_CONTEXT_IS_DESTROYED)
STO_SAME_VALUE(CUDA_ERROR_HOST_MEMORY_ALREADY_REGISTERED)
STO_SAME_VALUE(CUDA_ERROR_HOST_MEMORY_NOT_REGISTERED)
STO_SAME_VALUE(CUDA_ERROR_MISALIGNED_ADDRESS)
STO_SAME_VALUE(CUDA_ERROR_LAUNCH_FAILED)
STO_SAME_VALUE(CUDA_ERROR_NOT_PERMITTED)
STO_SAME_VALUE(CUDA_ERROR_NOT_SUPPORTED)
STO_SAME_VALUE(CUDA_ERROR_SYSTEM_NOT_READY)
STO_SAME_VALUE(CUDA_ERROR_SYSTEM_DRIVER_MISMATCH)
STO_SAME_VALUE(CUDA_ERROR_COMPAT_NOT_SUPPORTED_ON_DEVICE)
STO_SAME_VALUE(CUDA_ERROR_INVALID_CLUSTER_SIZE)
STO_SAME_VALUE(CUDA_ERROR_UNKNOWN)
STO_SAME_VALUE(CU_STREAM_NON_BLOCKING)
STO_SAME_VALUE(CU_EVENT_DISABLE_TIMING)
STO_SAME_VALUE(CU_MEM_ATTACH_GLOBAL)
STO_SAME_VALUE(CU_DEVICE_ATTRIBUTE_UNIFIED_ADDRESSING)
STO_SAME_VALUE(CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR)
STO_SAME_VALUE(CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR)
STO_SAME_VALUE(CU_DEVICE_ATTRIBUTE_MANAGED_MEMORY)
STO_SAME_VALUE(CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN)
STO_SAME_VALUE(CU_DEVICE_ATTRIBUTE_MEMORY_POOLS_SUPPORTED)
STO_SAME_VALUE(CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES)
STO_SAME_VALUE(CU_FUNC_ATTRIBUTE_NON_PORTABLE_CLUSTER_SIZE_ALLOWED)
STO_SAME_VALUE(CU_POINTER_ATTRIBUTE_MEMPOOL_HANDLE)
STO_SAME_VALUE(CU_MEMPOOL_ATTR_RELEASE_THRESHOLD)
STO_SAME_VALUE(CU_JIT_INFO_LOG_BUFFER)
STO_SAME_VALUE(CU_JIT_INFO_LOG_BUFFER_SIZE_BYTES)
STO_SAME_VALUE(CU_JIT_ERROR_LOG_BUFFER)
STO_SAME_VALUE(CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES)
STO_SAME_VALUE(CU_JIT_OPTIMIZATION_LEVEL)
STO_SAME_VALUE(CU_LAUNCH_ATTRIBUTE_CLUSTER_DIMENSION)
STO_SAME_VALUE(CU_TENSOR_MAP_DATA_TYPE_UINT8)
STO_SAME_VALUE(CU_TENSOR_MAP_DATA_TYPE_TFLOAT32_FTZ)
STO_SAME_VALUE(CU_TENSOR_MAP_INTERLEAVE_NONE)
STO_SAME_VALUE(CU_TENSOR_MAP_SWIZZLE_NONE)
STO_SAME_VALUE(CU_TENSOR_MAP_L2_PROMOTION_NONE)
STO_SAME_VALUE(CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE)
#undef STO_SAME_VALUE

#define STO_SAME_LAYOUT(type)                                                  \
  static_assert(sizeof(fallback::type) == sizeof(::type) &&                    \
                    alignof(fallback::type) == alignof(::type),                \
                #type " differs from cuda.h");
STO_SAME_LAYOUT(CUresult)
STO_SAME_LAYOUT(CUdevice)
STO_SAME_LAYOUT(CUdeviceptr)
STO_SAME_LAYOUT(CUcontext)
STO_SAME_LAYOUT(CUdevice_attribute)
STO_SAME_LAYOUT(CUfunction_attribute)
STO_SAME_LAYOUT(CUpointer_attribute)
STO_SAME_LAYOUT(CUmemPool_attribute)
STO_SAME_LAYOUT(CUjit_option)
STO_SAME_LAYOUT(CUlaunchAttributeID)
STO_SAME_LAYOUT(CUlaunchAttributeValue)
STO_SAME_LAYOUT(CUlaunchAttribute)
STO_SAME_LAYOUT(CUlaunchConfig)
STO_SAME_LAYOUT(CUtensorMap)
STO_SAME_LAYOUT(CUtensorMapDataType)
STO_SAME_LAYOUT(CUtensorMapInterleave)
STO_SAME_LAYOUT(CUtensorMapSwizzle)
STO_SAME_LAYOUT(CUtensorMapL2promotion)
STO_SAME_LAYOUT(CUtensorMapFloatOOBfill)
#undef STO_SAME_LAYOUT

// Same underlying types (they decide how enum arguments are passed).
static_assert(std::is_same<std::underlying_type<fallback::CUresult>::type,
                           std::underlying_type<::CUresult>::type>::value,
              "CUresult");
static_assert(std::is_same<fallback::cuuint64_t, ::cuuint64_t>::value &&
                  std::is_same<fallback::cuuint32_t, ::cuuint32_t>::value,
              "cuuint32_t/cuuint64_t");

#define STO_SAME_OFFSET(type, member)                                          \
  static_assert(offsetof(fallback::type, member) == offsetof(::type, member),  \
                #type "::" #member " differs from cuda.h");
STO_SAME_OFFSET(CUlaunchAttribute, id)
STO_SAME_OFFSET(CUlaunchAttribute, value)
STO_SAME_OFFSET(CUlaunchAttributeValue, clusterDim)
STO_SAME_OFFSET(CUlaunchConfig, gridDimX)
STO_SAME_OFFSET(CUlaunchConfig, blockDimZ)
STO_SAME_OFFSET(CUlaunchConfig, sharedMemBytes)
STO_SAME_OFFSET(CUlaunchConfig, hStream)
STO_SAME_OFFSET(CUlaunchConfig, attrs)
STO_SAME_OFFSET(CUlaunchConfig, numAttrs)
#undef STO_SAME_OFFSET
