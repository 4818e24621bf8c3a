// RUN: sto-opt %s --sto-cuda-pipeline="gpu-format=isa" -split-input-file -verify-diagnostics

// The CUDA target's floats are f16, bf16, f32 and f64: another one is named
// at its op before anything is lowered (an f80 add stopped NVPTX with
// "LLVM ERROR: unsupported library call operation"). The CPU takes them.
func.func @f80(%x: tensor<4xf64>) -> tensor<4xf64> {
  // expected-error @+1 {{'arith.extf' op uses 'f80', which the CUDA target does not support (its floats are f16, bf16, f32 and f64)}}
  %a = arith.extf %x : tensor<4xf64> to tensor<4xf80>
  %b = arith.addf %a, %a : tensor<4xf80>
  %c = arith.truncf %b : tensor<4xf80> to tensor<4xf64>
  return %c : tensor<4xf64>
}

// -----

// expected-error @+1 {{'func.func' op uses 'f128', which the CUDA target does not support}}
func.func @f128_argument(%x: tensor<4xf128>) -> tensor<4xf128> {
  return %x : tensor<4xf128>
}

// -----

func.func @f8(%x: tensor<8xf32>) -> tensor<8xf32> {
  // expected-error @+1 {{'arith.truncf' op uses 'f8E4M3FN', which the CUDA target does not support}}
  %a = arith.truncf %x : tensor<8xf32> to tensor<8xf8E4M3FN>
  %b = arith.extf %a : tensor<8xf8E4M3FN> to tensor<8xf32>
  return %b : tensor<8xf32>
}
