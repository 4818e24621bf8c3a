// RUN: sto-opt %s --convert-sto-to-linalg=moe-cpu-forms=false -split-input-file -verify-diagnostics
// RUN: not sto-opt %s '--convert-sto-to-linalg=moe-cpu-forms=true' -split-input-file 2>&1 | FileCheck %s --check-prefix=CPU

// What does not lower for the GPU (moe-cpu-forms=false: the CUDA pipeline)
// gets a located message that says so, not the conversion's generic "failed
// to legalize".

// The GPU form of topk_gate passes each of the k ranks to a kernel as its
// own buffer; beyond k = 32 the parameters exceed CUDA's 4 KB. (The CPU
// form keeps the ranks in registers and has the general limit, 256, below.)
func.func @topk_gate_k64(%l: tensor<8x64xf32>) -> (tensor<8x64xf32>, tensor<8x64xi32>) {
  // expected-error @+1 {{'sto.topk_gate' op with k = 64 cannot be compiled for the GPU yet (k <= 32: each rank is a kernel parameter, and CUDA allows 4 KB of them)}}
  %w, %i = sto.topk_gate %l {k = 64 : i64} : tensor<8x64xf32> -> tensor<8x64xf32>, tensor<8x64xi32>
  return %w, %i : tensor<8x64xf32>, tensor<8x64xi32>
}

// -----

// Any form makes a result column per rank and keeps a row's k best experts
// in registers: its code, and compilation time faster, grow with k (k = 2^40
// exhausted memory). The CPU form (CPU prefix) says so too.
func.func @topk_gate_k257(%l: tensor<2x300xf32>) -> (tensor<2x257xf32>, tensor<2x257xi32>) {
  // expected-error @+1 {{'sto.topk_gate' op with k = 257 cannot be compiled yet (k <= 256: each rank is a result column and a register of the row's sorted list)}}
  %w, %i = sto.topk_gate %l {k = 257 : i64} : tensor<2x300xf32> -> tensor<2x257xf32>, tensor<2x257xi32>
  return %w, %i : tensor<2x257xf32>, tensor<2x257xi32>
}
// CPU-NOT: k = 64
// CPU: error: 'sto.topk_gate' op with k = 257 cannot be compiled yet
