// tensor.reshape with a shape known only at run time: the shape's sizes are
// checked when the compiled function is called (they must multiply to the
// source's element count, match the result's static sizes and not be
// negative). Before, a shape of 100 elements for a source of 16 returned 0
// and copied 100 floats from the 16-float argument. An index-typed shape
// (tensor<Nxindex>, int64_t in C) compiles like an i64 one: it failed in the
// lowering to LLVM.
// REQUIRES: sto-example-drivers
// RUN: sto-compile %s -o %t.o --header %t.h
// RUN: %sto_example_cc -I%sto_src_root/include -include %t.h %S/Inputs/reshape.c %t.o %sto_runtime_link -o %t
// RUN: %t | FileCheck %s
// Also under --target=cuda-emulator: the CUDA pipeline reads the shape in a
// one-thread kernel and makes the view on the host (it used to read the
// shape, device memory, on the host).
// RUN: sto-compile %s --target=cuda-emulator -o %t.emu.o --header %t.emu.h
// RUN: %sto_example_cc -I%sto_src_root/include -include %t.emu.h %S/Inputs/reshape.c %t.emu.o %sto_runtime_link -o %t.emu
// RUN: %t.emu | FileCheck %s
// RUN: sto-compile %s --target=cuda --gpu-format=isa -o %t.cuda.o

// CHECK: flat 2x8 [16]: status 0 '' y = 1 2 15 16
// CHECK: flat 2x8 [100]: status 7 '{{.*}}reshape.mlir:[[#@LINE+8]]:8: 'tensor.reshape' op the sizes of the shape do not multiply to the source's element count' untouched 1
// CHECK: flat 2x8 [-16]: status 7 '{{.*}}reshape.mlir:[[#@LINE+7]]:8: 'tensor.reshape' op size 0 of the shape is negative' untouched 1
// CHECK: flat_index 2x8 [16]: status 0 '' y = 1 2 15 16
// CHECK: flat_index 2x8 [8]: status 7 '{{.*}}reshape.mlir:[[#@LINE+9]]:8: 'tensor.reshape' op the sizes of the shape do not multiply to the source's element count' untouched 1
// CHECK: rows 2x8 [4 4]: status 0 '' y = 1 2 15 16
// CHECK: rows 2x8 [8 2]: status 7 '{{.*}}reshape.mlir:[[#@LINE+11]]:8: 'tensor.reshape' op size 1 of the shape is not 4' untouched 1
// CHECK: rows 0x8 [2^62 4]: status 7 'the sizes given for result0 (tensor<?x4xf32>) make more than 2^63 bytes' untouched 1
func.func @flat(%x: tensor<?x8xf32>, %s: tensor<1xi64>) -> tensor<?xf32> {
  %y = tensor.reshape %x(%s) : (tensor<?x8xf32>, tensor<1xi64>) -> tensor<?xf32>
  return %y : tensor<?xf32>
}
func.func @flat_index(%x: tensor<?x8xf32>, %s: tensor<1xindex>) -> tensor<?xf32> {
  %y = tensor.reshape %x(%s) : (tensor<?x8xf32>, tensor<1xindex>) -> tensor<?xf32>
  return %y : tensor<?xf32>
}
func.func @rows(%x: tensor<?x8xf32>, %s: tensor<2xi64>) -> tensor<?x4xf32> {
  %y = tensor.reshape %x(%s) : (tensor<?x8xf32>, tensor<2xi64>) -> tensor<?x4xf32>
  return %y : tensor<?x4xf32>
}

// A static source to a dynamic result: the verifier cannot compare the
// counts, so they are checked at the call too (a shape of [3, 4] for the 6
// elements copied 12).
// CHECK: square 6 [2 3]: status 0 '' y = 1 2 -1 -1
// CHECK: square 6 [3 4]: status 7 '{{.*}}reshape.mlir:[[#@LINE+3]]:8: 'tensor.reshape' op the sizes of the shape do not multiply to the source's element count' untouched 1
// CHECK: square 6 [-2 -3]: status 7 '{{.*}}reshape.mlir:[[#@LINE+2]]:8: 'tensor.reshape' op size 0 of the shape is negative' untouched 1
func.func @square(%x: tensor<6xf32>, %s: tensor<2xi64>) -> tensor<?x?xf32> {
  %y = tensor.reshape %x(%s) : (tensor<6xf32>, tensor<2xi64>) -> tensor<?x?xf32>
  return %y : tensor<?x?xf32>
}

// tensor.expand_shape to run-time sizes, whose product may wrap around too
// (2^62 * 4 passed for 0, and the copy of 2^64 elements crashed).
// CHECK: split 16 [4 4]: status 0 '' y = 1 2 15 16
// CHECK: split 16 [3 4]: status 7 '{{.*}}reshape.mlir:[[#@LINE+4]]:8: 'tensor.expand_shape' op the sizes of result dimensions 0 to 1 do not multiply to dimension 0 of the source' untouched 1
// CHECK: split 0 [2^62 4]: status 7 'the sizes given for result0 (tensor<?x4xf32>) make more than 2^63 bytes' untouched 1
func.func @split(%y: tensor<?xf32>, %r: index) -> tensor<?x4xf32> {
  %c = arith.constant 4 : index
  %z = tensor.expand_shape %y [[0, 1]] output_shape [%r, 4] : tensor<?xf32> into tensor<?x4xf32>
  return %z : tensor<?x4xf32>
}
