// Math that sto-approximate-math does not expand (f64 cbrt, erf, erfc; atanh,
// asinh and acosh in every float type) goes to libdevice in CUDA kernels,
// which is linked into the kernel: the PTX calls no external function. It
// called libm's `cbrt`, `atanhf`, ... ("ptxas fatal: Unresolved extern
// function 'cbrt'"): the pass that gives the host libm also rewrote the
// kernels.
// RUN: sto-opt %s --sto-cuda-pipeline="gpu-format=isa" --mlir-print-ir-after=convert-gpu-to-nvvm 2>&1 >/dev/null | FileCheck %s --check-prefix=NVVM
// RUN: sto-opt %s --sto-cuda-pipeline="gpu-format=isa" | FileCheck %s

// NVVM-DAG: llvm.call @__nv_cbrt(
// NVVM-DAG: llvm.call @__nv_erf(
// NVVM-DAG: llvm.call @__nv_erfc(
// NVVM-DAG: llvm.call @__nv_atanh(
// NVVM-DAG: llvm.call @__nv_asinhf(
// NVVM-DAG: llvm.call @__nv_acoshf(
// NVVM-NOT: llvm.call @cbrt(
// NVVM-NOT: llvm.call @atanhf(

// CHECK-COUNT-3: gpu.binary
// CHECK-NOT:     .extern .func
// CHECK-NOT:     func.func private @cbrt
func.func @f64ops(%x: tensor<40xf64>) -> (tensor<40xf64>, tensor<40xf64>, tensor<40xf64>, tensor<40xf64>) {
  %a = math.cbrt %x : tensor<40xf64>
  %b = math.erf %x : tensor<40xf64>
  %c = math.erfc %x : tensor<40xf64>
  %d = math.atanh %x : tensor<40xf64>
  return %a, %b, %c, %d : tensor<40xf64>, tensor<40xf64>, tensor<40xf64>, tensor<40xf64>
}

func.func @f32ops(%x: tensor<40xf32>) -> (tensor<40xf32>, tensor<40xf32>) {
  %e = math.asinh %x : tensor<40xf32>
  %f = math.acosh %x : tensor<40xf32>
  return %e, %f : tensor<40xf32>, tensor<40xf32>
}

func.func @f16ops(%x: tensor<40xf16>) -> tensor<40xf16> {
  %d = math.atanh %x : tensor<40xf16>
  return %d : tensor<40xf16>
}
