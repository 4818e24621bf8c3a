// Key derivation compiled by sto-compile against the reference
// include/sto/Runtime/Philox.h (driver: Inputs/keys.cpp): seeds (negative and
// INT64_MIN included), split (count 1 is the identity), fold_in of i64 and
// index data, keys returned through the C ABI as uint64_t, keys derived in
// scf.for loops, passed along cf branches and chosen by arith.select, the
// known answers of docs/Randomness.md 9.1, and samples drawn from derived
// keys.

// RUN: rm -rf %t && mkdir -p %t
// RUN: sto-compile %s -o %t/keys.o --header %t/keys.h
// RUN: %clangxx %sto_driver_flags -I%t %S/Inputs/keys.cpp %t/keys.o %sto_runtime_link -o %t/keys
// RUN: %t/keys | FileCheck %s
// The GPU lowering run on the host (sto-emulate-gpu-kernels): the same output.
// RUN: mkdir -p %t/emu && sto-compile %s --target=cuda-emulator -o %t/emu/keys.o --header %t/emu/keys.h
// RUN: %clangxx %sto_driver_flags -I%t/emu %S/Inputs/keys.cpp %t/emu/keys.o %sto_runtime_link -o %t/keys-emu
// RUN: %t/keys-emu | FileCheck %s

// CHECK: derive seed 42 data 0: 0 mismatches of 4
// CHECK: derive seed 42 data -7: 0 mismatches of 4
// CHECK: derive seed 42 data 1099511627776: 0 mismatches of 4
// CHECK: derive seed -1 data 0: 0 mismatches of 4
// CHECK: derive seed -1 data -7: 0 mismatches of 4
// CHECK: derive seed -1 data 1099511627776: 0 mismatches of 4
// CHECK: derive seed -9223372036854775808 data 0: 0 mismatches of 4
// CHECK: derive seed -9223372036854775808 data -7: 0 mismatches of 4
// CHECK: derive seed -9223372036854775808 data 1099511627776: 0 mismatches of 4
// CHECK: derive seed 0 data 0: 0 mismatches of 4
// CHECK: derive seed 0 data -7: 0 mismatches of 4
// CHECK: derive seed 0 data 1099511627776: 0 mismatches of 4
// CHECK: split count 1 is the identity: ok
// CHECK: split(seed(42), 2, 0) = (45e84dd0, 9fa2fbe8): ok
// CHECK: split(seed(42), 2, 1) = (949126c2, e59a15d7): ok
// CHECK: fold_in(seed(42), 0) = (8cde6fa1, 518666b0): ok
// CHECK: fold_in(seed(42), 1) = (edf741e9, fbf83a27): ok
// CHECK: key chain scf.for n=0: 0 mismatches of 1
// CHECK: key chain scf.for n=1: 0 mismatches of 1
// CHECK: key chain scf.for n=100: 0 mismatches of 1
// CHECK: cf branch uniform f32 [5]: 0 mismatches of 5
// CHECK: cf branch normal f32 [5]: 0 mismatches of 5
// CHECK: uniform f32 [3x37] fold_in(split) key seed 7: 0 mismatches of 111
// CHECK: normal f16 [8x128] split(split) key seed 7: 0 mismatches of 1024
// CHECK: uniform f64 [5] split(split) key seed 7: 0 mismatches of 5
// CHECK: uniform f32 [3x37] fold_in(split) key seed -7: 0 mismatches of 111
// CHECK: normal f16 [8x128] split(split) key seed -7: 0 mismatches of 1024
// CHECK: uniform f64 [5] split(split) key seed -7: 0 mismatches of 5
// CHECK: sgld f32 [37] 20 steps: 0 mismatches of 37
// CHECK: select true: dropout f32 [37] with the first key: 0 mismatches of 37
// CHECK: select false: dropout f32 [37] with the second key: 0 mismatches of 37
// CHECK: ALL OK

func.func @derive(%s: i64, %d: i64, %step: index)
    -> (!sto.key, !sto.key, !sto.key, !sto.key) {
  %k = sto.seed %s : i64
  %a, %b, %c = sto.split %k count 3
  %a1 = sto.split %a count 1
  %fb = sto.fold_in %b, %d : i64
  %c0, %c1 = sto.split %c count 2
  %fc = sto.fold_in %c0, %step : index
  return %a1, %fb, %fc, %c1 : !sto.key, !sto.key, !sto.key, !sto.key
}
func.func @chain(%k: !sto.key, %n: index) -> !sto.key {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %r = scf.for %j = %c0 to %n step %c1 iter_args(%kk = %k) -> (!sto.key) {
    %x, %y, %z = sto.split %kk count 3
    %f = sto.fold_in %y, %j : index
    scf.yield %f : !sto.key
  }
  return %r : !sto.key
}
func.func @branchy(%k: !sto.key, %c: i1) -> tensor<5xf32> {
  cf.cond_br %c, ^u(%k : !sto.key), ^n(%k : !sto.key)
^u(%ku: !sto.key):
  %0 = sto.uniform %ku : tensor<5xf32>
  cf.br ^done(%0 : tensor<5xf32>)
^n(%kn: !sto.key):
  %1 = sto.normal %kn : tensor<5xf32>
  cf.br ^done(%1 : tensor<5xf32>)
^done(%r: tensor<5xf32>):
  return %r : tensor<5xf32>
}
func.func @derived_samples(%s: i64, %step: index)
    -> (tensor<3x37xf32>, tensor<8x128xf16>, tensor<5xf64>) {
  %k = sto.seed %s : i64
  %a, %b = sto.split %k count 2
  %fa = sto.fold_in %a, %step : index
  %b0, %b1 = sto.split %b count 2
  %u = sto.uniform %fa : tensor<3x37xf32>
  %n = sto.normal %b0 {stddev = 3.0 : f64} : tensor<8x128xf16>
  %v = sto.uniform %b1 {low = -4.0 : f64, high = 4.0 : f64} : tensor<5xf64>
  return %u, %n, %v : tensor<3x37xf32>, tensor<8x128xf16>, tensor<5xf64>
}
// SGLD: one fold_in per step, in a loop over a tensor iter_arg.
func.func @sgld(%k: !sto.key, %p0: tensor<37xf32>, %g: tensor<37xf32>, %n: index) -> tensor<37xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %r:2 = scf.for %j = %c0 to %n step %c1 iter_args(%p = %p0, %kk = %k) -> (tensor<37xf32>, !sto.key) {
    %now, %next = sto.split %kk count 2
    %ks = sto.fold_in %now, %j : index
    %q = sto.langevin_step %ks, %p, %g {lr = 1.0e-02 : f64, temperature = 1.0e-01 : f64} : tensor<37xf32>
    scf.yield %q, %next : tensor<37xf32>, !sto.key
  }
  return %r#0 : tensor<37xf32>
}
// The derived-key test vectors of docs/Randomness.md (section 9.1).
func.func @split2(%s: i64) -> (!sto.key, !sto.key) {
  %k = sto.seed %s : i64
  %a, %b = sto.split %k count 2
  return %a, %b : !sto.key, !sto.key
}
func.func @fold(%s: i64, %d: i64) -> !sto.key {
  %k = sto.seed %s : i64
  %f = sto.fold_in %k, %d : i64
  return %f : !sto.key
}
// A key chosen by arith.select drives a dropout.
func.func @select_dropout(%a: !sto.key, %b: !sto.key, %c: i1, %x: tensor<37xf32>) -> tensor<37xf32> {
  %k = arith.select %c, %a, %b : !sto.key
  %y = sto.dropout %k, %x {rate = 3.0e-01 : f64} : tensor<37xf32>
  return %y : tensor<37xf32>
}
