// f64 math.exp in CUDA kernels is sto-approximate-math's expansion, not a call
// of libdevice's __nv_exp: libm's exp (the CPU build) and __nv_exp round
// differently, and soft gumbel_softmax in f64 differed by up to 3 ulp between
// an H200 and the CPU. The kernels of soft gumbel_softmax, the f64 MoE gates
// (top-k softmax, softmax, sigmoid) and a model's exp call only libdevice's
// fma (one rounding, fma.rn.f64), and every f64 operation of the PTX rounds
// explicitly (.rn: ptxas contracts none of them).
// RUN: sto-opt %s --sto-cuda-pipeline="gpu-format=isa" --mlir-print-ir-before=gpu-module-to-binary 2>&1 >/dev/null \
// RUN:   | FileCheck %s --implicit-check-not=__nv_exp --implicit-check-not=math.exp
// RUN: sto-opt %s --sto-cuda-pipeline="gpu-format=isa" | FileCheck %s --check-prefix=PTX

// CHECK-LABEL: gpu.module @gumbel_soft_f64_kernel
// CHECK:         llvm.func @__nv_fma(f64, f64, f64) -> f64
// CHECK:         llvm.call @__nv_fma({{.*}}) : (f64, f64, f64) -> f64
// CHECK-LABEL: gpu.module @topk_softmax_f64_kernel
// CHECK:         llvm.call @__nv_fma({{.*}}) : (f64, f64, f64) -> f64
// CHECK-LABEL: gpu.module @softmax_gate_f64_kernel
// CHECK:         llvm.call @__nv_fma({{.*}}) : (f64, f64, f64) -> f64
// CHECK-LABEL: gpu.module @sigmoid_gate_f64_kernel
// CHECK:         llvm.call @__nv_fma({{.*}}) : (f64, f64, f64) -> f64
// CHECK-LABEL: gpu.module @exp_f64_kernel
// CHECK:         llvm.call @__nv_fma({{.*}}) : (f64, f64, f64) -> f64

// PTX-NOT:  {{[^.](add|sub|mul|fma|div)(\.ftz)?\.f64}}
// PTX:      gpu.binary @gumbel_soft_f64_kernel_2
// PTX-SAME:   fma.rn.f64
// PTX-NOT:  {{[^.](add|sub|mul|fma|div)(\.ftz)?\.f64}}
// PTX:      gpu.binary @exp_f64_kernel
// PTX-SAME:   fma.rn.f64
// PTX-NOT:  {{[^.](add|sub|mul|fma|div)(\.ftz)?\.f64}}

func.func @gumbel_soft_f64(%k: !sto.key, %l: tensor<256x37xf64>) -> tensor<256x37xf64> {
  %0 = sto.gumbel_softmax %k, %l {tau = 2.0 : f64} : tensor<256x37xf64>
  return %0 : tensor<256x37xf64>
}

func.func @topk_softmax_f64(%l: tensor<256x16xf64>) -> (tensor<256x2xf64>, tensor<256x2xi32>) {
  %w, %i = sto.topk_gate %l {k = 2 : i64}
      : tensor<256x16xf64> -> tensor<256x2xf64>, tensor<256x2xi32>
  return %w, %i : tensor<256x2xf64>, tensor<256x2xi32>
}

func.func @softmax_gate_f64(%l: tensor<256x16xf64>) -> (tensor<256x4xf64>, tensor<256x4xi32>) {
  %w, %i = sto.topk_gate %l {k = 4 : i64, affinity = #sto.affinity<softmax>}
      : tensor<256x16xf64> -> tensor<256x4xf64>, tensor<256x4xi32>
  return %w, %i : tensor<256x4xf64>, tensor<256x4xi32>
}

func.func @sigmoid_gate_f64(%l: tensor<256x16xf64>) -> (tensor<256x2xf64>, tensor<256x2xi32>) {
  %w, %i = sto.topk_gate %l {k = 2 : i64, affinity = #sto.affinity<sigmoid>}
      : tensor<256x16xf64> -> tensor<256x2xf64>, tensor<256x2xi32>
  return %w, %i : tensor<256x2xf64>, tensor<256x2xi32>
}

func.func @exp_f64(%x: tensor<4096xf64>) -> tensor<4096xf64> {
  %y = math.exp %x : tensor<4096xf64>
  return %y : tensor<4096xf64>
}
