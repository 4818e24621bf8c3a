// Concatenations and pads with empty pieces (sto-fold-empty-tensors): an empty
// last operand of a concat and an empty source padded low were rejected by
// memref.subview's verifier after bufferization ("offset 2 is out-of-bounds:
// 2 >= 2"). Each result is compared with one computed in C++, on the CPU and
// on the GPU lowering run on the host; the dynamic forms, empty at run time,
// are checked too.
// RUN: rm -rf %t && mkdir -p %t
// RUN: sto-compile %s -o %t/m.o --header %t/empty_pieces.h
// RUN: %clangxx %sto_driver_flags -I%t %S/Inputs/empty-pieces.cpp %t/m.o %sto_runtime_link -o %t/m
// RUN: %t/m | FileCheck %s
// RUN: mkdir -p %t/emu && sto-compile %s --target=cuda-emulator -o %t/emu/m.o --header %t/emu/empty_pieces.h
// RUN: %clangxx %sto_driver_flags -I%t/emu %S/Inputs/empty-pieces.cpp %t/emu/m.o %sto_runtime_link -o %t/e
// RUN: %t/e | FileCheck %s

// CHECK: concat_empty_last: 0 mismatches of 6
// CHECK: concat_empty_first_rows: 0 mismatches of 6
// CHECK: concat_dynamic n=0: 0 mismatches of 6
// CHECK: concat_dynamic n=2: 0 mismatches of 12
// CHECK: pad_empty_source: 0 mismatches of 6
// CHECK: pad_dynamic n=0: 0 mismatches of 6
// CHECK: pad_dynamic n=1: 0 mismatches of 9
// CHECK: ALL OK

func.func @concat_empty_last(%a: tensor<3x2xf32>, %b: tensor<3x0xf32>) -> tensor<3x2xf32> {
  %r = tensor.concat dim(1) %a, %b : (tensor<3x2xf32>, tensor<3x0xf32>) -> tensor<3x2xf32>
  return %r : tensor<3x2xf32>
}

func.func @concat_empty_first_rows(%a: tensor<0x3xf32>, %b: tensor<2x3xf32>, %c: tensor<0x3xf32>) -> tensor<2x3xf32> {
  %r = tensor.concat dim(0) %a, %b, %c : (tensor<0x3xf32>, tensor<2x3xf32>, tensor<0x3xf32>) -> tensor<2x3xf32>
  return %r : tensor<2x3xf32>
}

// Empty only at run time: the subview's offset is not static.
func.func @concat_dynamic(%a: tensor<3x2xf32>, %b: tensor<3x?xf32>) -> tensor<3x?xf32> {
  %r = tensor.concat dim(1) %a, %b : (tensor<3x2xf32>, tensor<3x?xf32>) -> tensor<3x?xf32>
  return %r : tensor<3x?xf32>
}

// Every element is padding: -3.5 + i - j.
func.func @pad_empty_source(%a: tensor<0x3xf32>) -> tensor<2x3xf32> {
  %c = arith.constant -3.5 : f32
  %r = tensor.pad %a low[2, 0] high[0, 0] {
  ^bb0(%i: index, %j: index):
    %d = arith.subi %i, %j : index
    %di = arith.index_cast %d : index to i32
    %df = arith.sitofp %di : i32 to f32
    %v = arith.addf %c, %df : f32
    tensor.yield %v : f32
  } : tensor<0x3xf32> to tensor<2x3xf32>
  return %r : tensor<2x3xf32>
}

func.func @pad_dynamic(%a: tensor<?x3xf32>) -> tensor<?x3xf32> {
  %c = arith.constant 7.0 : f32
  %r = tensor.pad %a low[2, 0] high[0, 0] {
  ^bb0(%i: index, %j: index):
    tensor.yield %c : f32
  } : tensor<?x3xf32> to tensor<?x3xf32>
  return %r : tensor<?x3xf32>
}
