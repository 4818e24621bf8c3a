//===- CudaBlasCheck.cpp - CudaBlas.h against cublas_api.h ----------------===//
//
// Built only where the CUDA toolkit is installed: the cuBLAS types,
// constants and entry-point signatures that CudaBlas.h declares for the
// runtime (which loads libcublas with dlopen and includes no cuBLAS header)
// must be those of the real cublas_api.h. No code is generated.
//
//===----------------------------------------------------------------------===//

#include <stddef.h>
#include <stdint.h>

#include <cublas_api.h>

#include "CudaBlas.h"

#include <type_traits>

namespace blas = sto::cuda::blas;

#define STO_SAME_VALUE(name)                                                   \
  static_assert(static_cast<long long>(blas::name) ==                          \
                    static_cast<long long>(::name),                            \
                #name " differs from cublas_api.h");
STO_SAME_VALUE(CUBLAS_STATUS_SUCCESS)
STO_SAME_VALUE(CUBLAS_STATUS_NOT_INITIALIZED)
STO_SAME_VALUE(CUBLAS_STATUS_ALLOC_FAILED)
STO_SAME_VALUE(CUBLAS_STATUS_INVALID_VALUE)
STO_SAME_VALUE(CUBLAS_STATUS_ARCH_MISMATCH)
STO_SAME_VALUE(CUBLAS_STATUS_MAPPING_ERROR)
STO_SAME_VALUE(CUBLAS_STATUS_EXECUTION_FAILED)
STO_SAME_VALUE(CUBLAS_STATUS_INTERNAL_ERROR)
STO_SAME_VALUE(CUBLAS_STATUS_NOT_SUPPORTED)
STO_SAME_VALUE(CUBLAS_STATUS_LICENSE_ERROR)
STO_SAME_VALUE(CUBLAS_OP_N)
STO_SAME_VALUE(CUBLAS_OP_T)
STO_SAME_VALUE(CUBLAS_DEFAULT_MATH)
STO_SAME_VALUE(CUBLAS_PEDANTIC_MATH)
STO_SAME_VALUE(CUBLAS_TF32_TENSOR_OP_MATH)
STO_SAME_VALUE(MAJOR_VERSION)
STO_SAME_VALUE(MINOR_VERSION)
STO_SAME_VALUE(PATCH_LEVEL)
#undef STO_SAME_VALUE

// The enums are passed with their underlying types.
#define STO_SAME_REPRESENTATION(T)                                             \
  static_assert(                                                               \
      sizeof(blas::T) == sizeof(::T) &&                                        \
          std::is_signed<std::underlying_type<blas::T>::type>::value ==        \
              std::is_signed<std::underlying_type<::T>::type>::value,          \
      #T " differs from cublas_api.h");
STO_SAME_REPRESENTATION(cublasStatus_t)
STO_SAME_REPRESENTATION(cublasOperation_t)
STO_SAME_REPRESENTATION(cublasMath_t)
STO_SAME_REPRESENTATION(libraryPropertyType)
#undef STO_SAME_REPRESENTATION

// Every function type of CudaBlas.h is the header's, once the header's
// types are renamed to CudaBlas.h's.
namespace {
template <typename T> struct Rename { using type = T; };
template <typename T> struct Rename<T *> {
  using type = typename Rename<T>::type *;
};
template <typename T> struct Rename<const T> {
  using type = const typename Rename<T>::type;
};
template <> struct Rename<::cublasContext> {
  using type = blas::cublasContext;
};
template <> struct Rename<::cublasStatus_t> {
  using type = blas::cublasStatus_t;
};
template <> struct Rename<::cublasOperation_t> {
  using type = blas::cublasOperation_t;
};
template <> struct Rename<::cublasMath_t> { using type = blas::cublasMath_t; };
template <> struct Rename<::libraryPropertyType> {
  using type = blas::libraryPropertyType;
};
template <typename R, typename... A> struct Rename<R (*)(A...)> {
  using type = typename Rename<R>::type (*)(typename Rename<A>::type...);
};
} // namespace

#define STO_CUBLAS_CHECK_PFN(field, symbol, required, ret, params)             \
  static_assert(std::is_same<Rename<decltype(&::symbol)>::type,                \
                             blas::PFN_##field>::value,                        \
                "type of " #symbol " differs from cublas_api.h");
STO_CUBLAS_FUNCTIONS(STO_CUBLAS_CHECK_PFN)
#undef STO_CUBLAS_CHECK_PFN
