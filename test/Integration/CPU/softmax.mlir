// linalg.softmax (an aggregated op: max, exp of the difference, sum,
// division) is decomposed by sto-generalize-elementwise and runs; it used
// to reach the LLVM translation as a memref op ("LLVM Translation failed
// for operation: builtin.unrealized_conversion_cast"). Compared with a
// reference in double, static and dynamic shapes, on the CPU and under
// --target=cuda-emulator.
// REQUIRES: sto-example-drivers
// RUN: sto-compile %s -o %t.o --header %t.h
// RUN: %sto_example_cc -I%sto_src_root/include -include %t.h %S/Inputs/softmax.c %t.o %sto_runtime_link -o %t
// RUN: %t | FileCheck %s
// RUN: sto-compile %s --target=cuda-emulator -o %t.emu.o --header %t.emu.h
// RUN: %sto_example_cc -I%sto_src_root/include -include %t.emu.h %S/Inputs/softmax.c %t.emu.o %sto_runtime_link -o %t.emu
// RUN: %t.emu | FileCheck %s

// CHECK: softmax_static: status 0, max rel error below 1e-6: 1, rows sum to 1: 1
// CHECK: softmax_rows 3x5: status 0, max rel error below 1e-6: 1, rows sum to 1: 1
// CHECK: softmax_rows 4x8: status 0, max rel error below 1e-6: 1, rows sum to 1: 1
func.func @softmax_static(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %e = tensor.empty() : tensor<4x8xf32>
  %y = linalg.softmax dimension(1) ins(%x : tensor<4x8xf32>) outs(%e : tensor<4x8xf32>) -> tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}
func.func @softmax_rows(%x: tensor<?x?xf32>) -> tensor<?x?xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = tensor.dim %x, %c0 : tensor<?x?xf32>
  %m = tensor.dim %x, %c1 : tensor<?x?xf32>
  %e = tensor.empty(%n, %m) : tensor<?x?xf32>
  %y = linalg.softmax dimension(1) ins(%x : tensor<?x?xf32>) outs(%e : tensor<?x?xf32>) -> tensor<?x?xf32>
  return %y : tensor<?x?xf32>
}
