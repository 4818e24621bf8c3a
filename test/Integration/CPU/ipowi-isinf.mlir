// math.ipowi and math.isinf, which nothing upstream lowers (both reached the
// LLVM translation: "missing `LLVMTranslationDialectInterface` registration
// ... for op: math.ipowi"), are expanded by sto-approximate-math. Compared
// with a C reference, on the CPU and under --target=cuda-emulator.
// REQUIRES: sto-example-drivers
// RUN: sto-compile %s -o %t.o --header %t.h
// RUN: %sto_example_cc -I%sto_src_root/include -include %t.h %S/Inputs/ipowi-isinf.c %t.o %sto_runtime_link -o %t
// RUN: %t | FileCheck %s
// RUN: sto-compile %s --target=cuda-emulator -o %t.emu.o --header %t.emu.h
// RUN: %sto_example_cc -I%sto_src_root/include -include %t.emu.h %S/Inputs/ipowi-isinf.c %t.emu.o %sto_runtime_link -o %t.emu
// RUN: %t.emu | FileCheck %s

// CHECK: ipowi_i32: status 0, mismatches 0
// CHECK: ipowi_i8: status 0, mismatches 0
// CHECK: ipowi_i64 3^39: status 0, 4052555153018976267
// CHECK: ipowi_i64 -1^-7: status 0, -1
// CHECK: isinf_f32: status 0, mismatches 0
// CHECK: isinf_f64 inf: status 0, 1
// CHECK: isinf_f64 nan: status 0, 0
func.func @ipowi_i32(%a: tensor<?xi32>, %b: tensor<?xi32>) -> tensor<?xi32> {
  %y = math.ipowi %a, %b : tensor<?xi32>
  return %y : tensor<?xi32>
}
func.func @ipowi_i8(%a: tensor<64xi8>, %b: tensor<64xi8>) -> tensor<64xi8> {
  %y = math.ipowi %a, %b : tensor<64xi8>
  return %y : tensor<64xi8>
}
func.func @ipowi_i64(%a: i64, %b: i64) -> i64 {
  %y = math.ipowi %a, %b : i64
  return %y : i64
}
func.func @isinf_f32(%x: tensor<?xf32>) -> tensor<?xi1> {
  %y = math.isinf %x : tensor<?xf32>
  return %y : tensor<?xi1>
}
func.func @isinf_f64(%x: f64) -> i1 {
  %y = math.isinf %x : f64
  return %y : i1
}
