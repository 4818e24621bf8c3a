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

func.func @twice(%x: tensor<?x3xf32>) -> tensor<?x3xf32> {
  %y = arith.addf %x, %x : tensor<?x3xf32>
  return %y : tensor<?x3xf32>
}
