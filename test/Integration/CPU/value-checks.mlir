// Run-time values that made a wrong result without failing now fail with
// status 7 and a located message: a negative size of tensor.empty (or a
// negative padding), a negative swa count (it divides by count + 1), a
// dp_aggregate of no samples (it divides by B), a categorical draw from no
// classes (every index came out 0), also where the classes' dimension is a
// static 0 and only the number of draws is dynamic (status 0 before, and
// zeros). Valid values compute as before. Also
// under --target=cuda-emulator.
// REQUIRES: sto-example-drivers
// RUN: sto-compile %s -o %t.o --header %t.h
// RUN: %sto_example_cc -I%sto_src_root/include -include %t.h %S/Inputs/value-checks.c %t.o %sto_runtime_link -o %t
// RUN: %t | FileCheck %s
// RUN: sto-compile %s --target=cuda-emulator -o %t.emu.o --header %t.emu.h
// RUN: %sto_example_cc -I%sto_src_root/include -include %t.emu.h %S/Inputs/value-checks.c %t.emu.o %sto_runtime_link -o %t.emu
// RUN: %t.emu | FileCheck %s

// CHECK: count 3: status 0 '' r = 3
// CHECK: count -1: status 7 '{{.*}}value-checks.mlir:[[#@LINE+3]]:8: 'tensor.empty' op dynamic size #0 is negative' r = -1
func.func @count(%n: index) -> f32 {
  %one = arith.constant 1.0 : f32
  %e = tensor.empty(%n) : tensor<?xf32>
  %f = linalg.fill ins(%one : f32) outs(%e : tensor<?xf32>) -> tensor<?xf32>
  %z = arith.constant dense<0.0> : tensor<f32>
  %s = linalg.reduce ins(%f : tensor<?xf32>) outs(%z : tensor<f32>) dimensions = [0]
    (%a: f32, %b: f32) {
      %t = arith.addf %a, %b : f32
      linalg.yield %t : f32
    }
  %r = tensor.extract %s[] : tensor<f32>
  return %r : f32
}

// CHECK: swa 3: status 0 '' y = 2.5 2.5
// CHECK: swa -1: status 7 '{{.*}}value-checks.mlir:[[#@LINE+2]]:8: 'sto.average' op 'count' (of earlier iterates) is negative' untouched 1
func.func @swa(%avg: tensor<2xf32>, %p: tensor<2xf32>, %n: i64) -> tensor<2xf32> {
  %a = sto.average %avg, %p, %n : tensor<2xf32>, i64
  return %a : tensor<2xf32>
}

// CHECK: dp 2 rows: status 0 '' finite 1
// CHECK: dp 0 rows: status 7 '{{.*}}value-checks.mlir:[[#@LINE+3]]:8: 'sto.dp_aggregate' op dimension 0 of 'grads' (the samples) is 0' untouched 1
func.func @dp(%g: tensor<?x4xf32>, %seed: i64) -> tensor<4xf32> {
  %k = sto.seed %seed : i64
  %r = sto.dp_aggregate %k, %g {clip_norm = 1.0 : f64, noise_multiplier = 1.0 : f64}
      : tensor<?x4xf32> -> tensor<4xf32>
  return %r : tensor<4xf32>
}

// CHECK: draw 2x3: status 0 '' in range 1
// CHECK: draw 2x0: status 7 '{{.*}}value-checks.mlir:[[#@LINE+4]]:8: 'sto.categorical' op dimension 1 of 'logits' (the classes) is 0' untouched 1
// CHECK: draw 0x0: status 0 ''
func.func @draw(%l: tensor<?x?xf32>, %seed: i64) -> tensor<?xi32> {
  %k = sto.seed %seed : i64
  %c = sto.categorical %k, %l {axis = 1 : i64} : tensor<?x?xf32> -> tensor<?xi32>
  return %c : tensor<?xi32>
}

// CHECK: draw ?x0 2 rows: status 7 '{{.*}}value-checks.mlir:[[#@LINE+4]]:8: 'sto.categorical' op dimension 1 of 'logits' (the classes) is 0' untouched 1
// CHECK: draw ?x0 0 rows: status 0 ''
func.func @draw_static_none(%l: tensor<?x0xf32>, %seed: i64) -> tensor<?xi32> {
  %k = sto.seed %seed : i64
  %c = sto.categorical %k, %l {axis = 1 : i64} : tensor<?x0xf32> -> tensor<?xi32>
  return %c : tensor<?xi32>
}
