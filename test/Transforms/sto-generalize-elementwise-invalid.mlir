// RUN: sto-opt %s --sto-generalize-elementwise -split-input-file -verify-diagnostics

// linalg.softmax's verifier takes any element type; its decomposition needs
// floats (an i32 softmax crashed sto-compile).
func.func @softmax_int(%x: tensor<2x3xi32>, %e: tensor<2x3xi32>) -> tensor<2x3xi32> {
  // expected-error @+1 {{'linalg.softmax' op needs floating-point elements, not 'i32'}}
  %y = linalg.softmax dimension(1) ins(%x : tensor<2x3xi32>) outs(%e : tensor<2x3xi32>) -> tensor<2x3xi32>
  return %y : tensor<2x3xi32>
}
