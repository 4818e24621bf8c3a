// A result of dynamic shape is written only if the caller's sizes are the
// ones the function computes; otherwise the call returns
// STO_ERROR_SHAPE_MISMATCH (7) and leaves the buffer alone. The status does
// not leak into the next call.
// REQUIRES: sto-example-drivers
// RUN: sto-compile %s -o %t.o --header %t.h
// RUN: %sto_example_cc -I%sto_src_root/include -include %t.h %S/Inputs/result-size.c %t.o %sto_runtime_link -o %t
// RUN: %t | FileCheck %s

// CHECK: matching sizes: status 0, first 2 last 2
// CHECK: short result: status 7 (dynamic sizes do not agree (see sto_last_error_message): a size given for result #0 differs from the size the function computed), untouched 1
// CHECK: long result: status 7, untouched 1
// The message stays that of the last failed call.
// CHECK: after the failure: status 0, first 2, last message 'a size given for result #0 differs from the size the function computed'

// The result is numbered as the header numbers it: scalar results before it
// count (result2 here, not the first tensor result #0).
// CHECK: third result short: status 7 'a size given for result #2 differs from the size the function computed', untouched 1
func.func @count_then_twice(%x: tensor<?x3xf32>, %s: f32) -> (i64, f32, tensor<?x3xf32>) {
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?x3xf32>
  %ni = arith.index_cast %n : index to i64
  %y = arith.addf %x, %x : tensor<?x3xf32>
  return %ni, %s, %y : i64, f32, tensor<?x3xf32>
}

func.func @twice(%x: tensor<?x3xf32>) -> tensor<?x3xf32> {
  %y = arith.addf %x, %x : tensor<?x3xf32>
  return %y : tensor<?x3xf32>
}
