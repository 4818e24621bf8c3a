// tensor.bitcast between element types of one width compiles (an
// elementwise arith.bitcast; it failed in bufferization with "op was not
// bufferized"): the bits of f32 as i32 and back, static and dynamic shapes,
// on the CPU and under --target=cuda-emulator.
// REQUIRES: sto-example-drivers
// RUN: sto-compile %s -o %t.o --header %t.h
// RUN: %sto_example_cc -I%sto_src_root/include -include %t.h %S/Inputs/bitcast.c %t.o %sto_runtime_link -o %t
// RUN: %t | FileCheck %s
// RUN: sto-compile %s --target=cuda-emulator -o %t.emu.o --header %t.emu.h
// RUN: %sto_example_cc -I%sto_src_root/include -include %t.emu.h %S/Inputs/bitcast.c %t.emu.o %sto_runtime_link -o %t.emu
// RUN: %t.emu | FileCheck %s

// CHECK: bits 2x3: status 0, bits equal: 1
// CHECK: round trip 5: status 0, values equal: 1
func.func @bits(%x: tensor<2x3xf32>) -> tensor<2x3xi32> {
  %b = tensor.bitcast %x : tensor<2x3xf32> to tensor<2x3xi32>
  return %b : tensor<2x3xi32>
}
func.func @round_trip(%x: tensor<?xf32>) -> tensor<?xf32> {
  %b = tensor.bitcast %x : tensor<?xf32> to tensor<?xi32>
  %one = arith.constant 1 : i32
  %c0 = arith.constant 0 : index
  %n = tensor.dim %b, %c0 : tensor<?xi32>
  %e = tensor.empty(%n) : tensor<?xi32>
  %f = linalg.fill ins(%one : i32) outs(%e : tensor<?xi32>) -> tensor<?xi32>
  // The next float up, then back down: the same value.
  %up = arith.addi %b, %f : tensor<?xi32>
  %down = arith.subi %up, %f : tensor<?xi32>
  %y = tensor.bitcast %down : tensor<?xi32> to tensor<?xf32>
  return %y : tensor<?xf32>
}
