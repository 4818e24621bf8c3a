// Math that sto-approximate-math does not expand (f64 erf, erfc and cbrt;
// atanh, asinh and acosh in any type) calls libm on the CPU target, as the
// CUDA target calls libdevice (it reached the LLVM translation unlowered and
// failed, "missing LLVMTranslationDialectInterface ... math.erf"). The values
// are compared with closed forms and tabulated values to 1e-15 relative.
// REQUIRES: sto-example-drivers
// RUN: rm -rf %t && mkdir -p %t
// RUN: sto-compile %s -o %t/m.o --header %t/m.h
// RUN: %sto_example_cc -I%t %S/Inputs/libm-math.c %t/m.o %sto_runtime_link -o %t/m
// RUN: %t/m | FileCheck %s
// RUN: sto-opt %s --sto-cpu-pipeline | FileCheck %s --check-prefix=LLVM

// CHECK: erf f64 ok
// CHECK: erfc f64 ok
// CHECK: cbrt f64 ok
// CHECK: atanh f64 ok
// CHECK: asinh f32 ok
// CHECK: acosh f64 ok
// CHECK: ALL OK

// LLVM-NOT: math.
// LLVM-DAG: llvm.func @erf(f64) -> f64
// LLVM-DAG: llvm.func @asinhf(f32) -> f32
func.func @f64_math(%x: tensor<4xf64>) -> (tensor<4xf64>, tensor<4xf64>, tensor<4xf64>, tensor<4xf64>) {
  %a = math.erf %x : tensor<4xf64>
  %b = math.erfc %x : tensor<4xf64>
  %c = math.cbrt %x : tensor<4xf64>
  %d = math.atanh %x : tensor<4xf64>
  return %a, %b, %c, %d : tensor<4xf64>, tensor<4xf64>, tensor<4xf64>, tensor<4xf64>
}

func.func @inverse_hyperbolic(%x: tensor<4xf32>, %y: tensor<4xf64>) -> (tensor<4xf32>, tensor<4xf64>) {
  %a = math.asinh %x : tensor<4xf32>
  %b = math.acosh %y : tensor<4xf64>
  return %a, %b : tensor<4xf32>, tensor<4xf64>
}
