// Integer division by zero, and the most negative value divided by -1,
// crashed the calling process (SIGFPE from x86's idiv). Now status 7 with a
// located message, wherever the division is: on scalars (checked before
// anything is computed when it depends on the arguments only), on tensors
// (each element, on the threads of the parallel loop), in a loop (the
// iteration stops). Valid values compute as a C reference does. Also under
// --target=cuda-emulator.
// REQUIRES: sto-example-drivers
// RUN: sto-compile %s -o %t.o --header %t.h
// RUN: %sto_example_cc -I%sto_src_root/include -include %t.h %S/Inputs/division-checks.c %t.o %sto_runtime_link -o %t
// RUN: env OMP_NUM_THREADS=2 %t | FileCheck %s
// RUN: sto-compile %s --target=cuda-emulator -o %t.emu.o --header %t.emu.h
// RUN: %sto_example_cc -I%sto_src_root/include -include %t.emu.h %S/Inputs/division-checks.c %t.emu.o %sto_runtime_link -o %t.emu
// RUN: %t.emu | FileCheck %s

// CHECK: scalar 7 / 2: status 0 '' q 3 r 1
// CHECK: scalar 7 / 0: status 7 '{{.*}}division-checks.mlir:[[#@LINE+4]]:8: 'arith.divsi' op divides by zero' q -9 r -9
// CHECK: scalar min / -1: status 7 '{{.*}}division-checks.mlir:[[#@LINE+3]]:8: 'arith.divsi' op overflows: the most negative value divided by -1' q -9 r -9
// CHECK: scalar -7 / 2: status 0 '' q -3 r -1
func.func @scalar(%a: i32, %b: i32) -> (i32, i32) {
  %q = arith.divsi %a, %b : i32
  %r = arith.remsi %a, %b : i32
  return %q, %r : i32, i32
}

// CHECK: tensor valid: status 0 '' matches 1
// CHECK: tensor zero at 3000: status 7 '{{.*}}division-checks.mlir:[[#@LINE+4]]:8: 'arith.remui' op divides by zero'
// CHECK: tensor valid again: status 0 '' matches 1
func.func @tensor(%x: tensor<4096xi64>, %y: tensor<4096xi64>) -> tensor<4096xi64> {
  %s = arith.addi %x, %y : tensor<4096xi64>
  %r = arith.remui %s, %y : tensor<4096xi64>
  return %r : tensor<4096xi64>
}

// A sum of x[i] / d[i] over a loop: the failing iteration stops the call.
// CHECK: loop valid: status 0 '' sum 11
// CHECK: loop zero: status 7 '{{.*}}division-checks.mlir:[[#@LINE+8]]:10: 'arith.floordivsi' op divides by zero'
func.func @loop(%x: tensor<4xindex>, %d: tensor<4xindex>) -> index {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %sum = scf.for %i = %c0 to %c4 step %c1 iter_args(%acc = %c0) -> index {
    %a = tensor.extract %x[%i] : tensor<4xindex>
    %b = tensor.extract %d[%i] : tensor<4xindex>
    %q = arith.floordivsi %a, %b : index
    %n = arith.addi %acc, %q : index
    scf.yield %n : index
  }
  return %sum : index
}

// A division, or an element read, that the program guards itself is not
// checked before the guard: b = 0 and i = 99 are valid here.
// CHECK: guarded 7 / 0: status 0 '' r 0
// CHECK: guarded 7 / 2: status 0 '' r 3
// CHECK: guarded element 99: status 0 '' e -1
// CHECK: guarded element 2: status 0 '' e 2
func.func @guarded(%a: i32, %b: i32, %t: tensor<4xf32>, %i: index) -> (i32, f32) {
  %z = arith.constant 0 : i32
  %nz = arith.cmpi ne, %b, %z : i32
  %r = scf.if %nz -> i32 {
    %q = arith.divsi %a, %b : i32
    scf.yield %q : i32
  } else {
    scf.yield %z : i32
  }
  %c4 = arith.constant 4 : index
  %in = arith.cmpi ult, %i, %c4 : index
  %e = scf.if %in -> f32 {
    %v = tensor.extract %t[%i] : tensor<4xf32>
    scf.yield %v : f32
  } else {
    %m = arith.constant -1.0 : f32
    scf.yield %m : f32
  }
  return %r, %e : i32, f32
}
