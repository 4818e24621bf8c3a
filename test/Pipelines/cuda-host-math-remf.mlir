// Two CUDA lowering gaps. Scalar math that stays on the host and has no
// expansion (acosh, asinh, atanh; f64 erf, erfc, cbrt) calls libm, as on
// the CPU: it reached the LLVM translation ("missing
// `LLVMTranslationDialectInterface` registration ... math.acosh"). And
// arith.remf in a kernel calls libdevice's fmod: the NVVM pipeline made
// llvm.frem of it, which convert-gpu-to-nvvm rejects ("failed to legalize
// operation 'llvm.frem'").
//
// RUN: sto-compile %s --target=cuda --gpu-format=isa --compile-to=llvm | FileCheck %s --implicit-check-not=llvm.frem
// RUN: sto-compile %s --target=cuda --gpu-format=isa -o %t.o --header %t.h

// CHECK:     llvm.func @acoshf(f32) -> f32
// CHECK:     llvm.func @erf(f64) -> f64
// CHECK:     llvm.func @cbrt(f64) -> f64
// CHECK:     llvm.func internal @__sto_impl_host_math(
// CHECK:       llvm.call @acoshf
// CHECK:       llvm.call @erf
// CHECK:       llvm.call @cbrt
// CHECK:     gpu.binary @__sto_impl_rem_f32_kernel
// CHECK:     gpu.binary @__sto_impl_rem_half_kernel
func.func @host_math(%x: f32, %y: f64) -> (f32, f64, f64) {
  %a = math.acosh %x : f32
  %e = math.erf %y : f64
  %c = math.cbrt %y : f64
  return %a, %e, %c : f32, f64, f64
}

func.func @rem_f32(%x: tensor<?xf32>, %y: tensor<?xf32>) -> tensor<?xf32> {
  %r = arith.remf %x, %y : tensor<?xf32>
  return %r : tensor<?xf32>
}

func.func @rem_half(%x: tensor<?xf16>, %y: tensor<?xf16>) -> tensor<?xf16> {
  %r = arith.remf %x, %y : tensor<?xf16>
  return %r : tensor<?xf16>
}
