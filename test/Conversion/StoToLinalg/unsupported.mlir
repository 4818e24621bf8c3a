// RUN: sto-opt %s --convert-sto-to-linalg=host-tensors=false -split-input-file -verify-diagnostics

// What does not lower for the GPU gets a located message that says so, not
// the conversion's generic "failed to legalize". Randomized smoothing needs
// its tensors in host memory (host-tensors=false: the CUDA pipeline).

func.func private @classify(%x: tensor<4x3xf32>) -> tensor<4xi32>

func.func @votes(%k: !sto.key, %x: tensor<3xf32>) -> tensor<2xi64> {
  // expected-error @+1 {{'sto.monte_carlo' op cannot be compiled for the GPU yet: randomized smoothing (sto.monte_carlo, sto.certify) lowers for the CPU only}}
  %c = sto.monte_carlo %k, %x {samples = 10 : i64, batch = 4 : i64, stddev = 0.5 : f64, num_classes = 2 : i64} : tensor<3xf32> -> tensor<2xi64> {
  ^bb0(%b: tensor<4x3xf32>):
    %ids = func.call @classify(%b) : (tensor<4x3xf32>) -> tensor<4xi32>
    sto.yield %ids : tensor<4xi32>
  }
  return %c : tensor<2xi64>
}

// -----

func.func @certify(%c0: tensor<3xi64>, %c: tensor<3xi64>) -> (i64, f64) {
  // expected-error @+1 {{'sto.certify' op cannot be compiled for the GPU yet}}
  %a, %r = sto.certify %c0, %c {alpha = 0.001 : f64, stddev = 0.25 : f64} : tensor<3xi64>
  return %a, %r : i64, f64
}

// -----

// The GPU form of topk_gate passes each of the k ranks to a kernel as its
// own buffer; beyond k = 32 the parameters exceed CUDA's 4 KB. (The CPU
// form keeps the ranks in registers and has no such limit.)
func.func @topk_gate_k64(%l: tensor<8x64xf32>) -> (tensor<8x64xf32>, tensor<8x64xi32>) {
  // expected-error @+1 {{'sto.topk_gate' op with k = 64 cannot be compiled for the GPU yet (k <= 32: each rank is a kernel parameter, and CUDA allows 4 KB of them)}}
  %w, %i = sto.topk_gate %l {k = 64 : i64} : tensor<8x64xf32> -> tensor<8x64xf32>, tensor<8x64xi32>
  return %w, %i : tensor<8x64xf32>, tensor<8x64xi32>
}
