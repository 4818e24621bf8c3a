// The model's own reductions along the last axis run in the order of
// docs/Compiling.md, "Reduction order": lane l of 16 adds the terms j with
// j mod 16 = l in increasing j from the combiner's identity (-0.0 for a
// sum), then the output is ((init + p_0) + p_1) + ... + p_15. Compared bit
// for bit with that order computed in C++ (Inputs/user-reductions.cpp), for
// row lengths on both sides of 16 and of its multiples, static and dynamic
// shapes, add/mul/max/min/maxnum of floats and integers, a fused producer, a body
// reading linalg.index, and an init that is not the identity. One row is
// built so that the sequential order gives another sum: the test would fail
// if the reduction were left sequential. The same bits under
// --target=cuda-emulator (the GPU form: a thread per output and lane).

// RUN: rm -rf %t && mkdir -p %t
// RUN: sto-compile %s -o %t/r.o --header %t/r.h
// RUN: %clangxx %sto_driver_flags -I%t -include %t/r.h %S/Inputs/user-reductions.cpp %t/r.o %sto_runtime_link -o %t/r
// RUN: env OMP_NUM_THREADS=2 %t/r | FileCheck %s
// RUN: env OMP_NUM_THREADS=1 %t/r | FileCheck %s
// RUN: sto-compile %s --target=cuda-emulator -o %t/e.o --header %t/e.h
// RUN: %clangxx %sto_driver_flags -I%t -include %t/e.h %S/Inputs/user-reductions.cpp %t/e.o %sto_runtime_link -o %t/e
// RUN: %t/e | FileCheck %s

// CHECK: row_sum 3x1: 0 mismatches of 3
// CHECK: row_sum 3x5: 0 mismatches of 3
// CHECK: row_sum 3x16: 0 mismatches of 3
// CHECK: row_sum 3x17: 0 mismatches of 3
// CHECK: row_sum 3x33: 0 mismatches of 3
// CHECK: row_sum 3x100: 0 mismatches of 3
// CHECK: row_sum 5x1000: 0 mismatches of 5
// CHECK: row_sum 2x0: 0 mismatches of 2
// CHECK: row_sum lanes keep what the sequential order loses: 1
// CHECK: sum_all 4099: 0 mismatches of 1
// CHECK: sum_all 0: 0 mismatches of 1
// CHECK: sumsq 2x1000: 0 mismatches of 2
// CHECK: prod_f64 4x40: 0 mismatches of 4
// CHECK: max 4x50: 0 mismatches of 4
// CHECK: maxnum 4x50: 0 mismatches of 4
// CHECK: min_i32 4x40: 0 mismatches of 4
// CHECK: sum_i64 4x40: 0 mismatches of 4
// CHECK: weighted_index 3x70: 0 mismatches of 3
// CHECK: sum_into 3x45: 0 mismatches of 3
// CHECK: sum_static 8x24: 0 mismatches of 8
// Kept unit dimensions (a constant 0 in a map: torch's keepdim=True, a
// squeezed input) take the same lane order.
// CHECK: sum_keepdims 8x100: 0 mismatches of 8
// CHECK: sum_squeezed 8x1x100: 0 mismatches of 8
// CHECK: scaled_and_sum 3x90: 0 mismatches of 270, sums 0 mismatches of 3
// CHECK: bag 4x40: 0 mismatches of 4
// CHECK: bag id 1000: status 7 '{{.*}}user-reductions.mlir:{{[0-9]+}}:{{[0-9]+}}: 'tensor.extract' op index 0 is out of bounds'
// CHECK: bag id 1000, the other terms: 0 mismatches of 4
// CHECK: sum_last_two 3x5x7: 0 mismatches of 3
// CHECK: sum_last_two_dyn 2x0x5: 0 mismatches of 2
// CHECK: sum_last_two_dyn 2x3x0: 0 mismatches of 2
// CHECK: sum_last_two_dyn 3x7x9: 0 mismatches of 3
// CHECK: sum_last_two_dyn 1x1x17: 0 mismatches of 1
// CHECK: sum_last_two_dyn 5x33x31: 0 mismatches of 5
// CHECK: sum_last_two_dyn 0x4x4: 0 mismatches of 0
// CHECK: noisy_sum 4x1000: 0 mismatches of 4
// CHECK: normal_row_sums 6x2052: 0 mismatches of 6
// CHECK: normal_row_sums 3x5x1004: 0 mismatches of 15
// CHECK: normal_row_sums 2x70000 (uniform): 0 mismatches of 2
// CHECK: reset: 19
// CHECK: running_sum: sum 20, 0 of 20 prefix values wrong
// CHECK: gather2d: 0 mismatches of 1
// CHECK: weighted_bag: 0 mismatches of 1
// CHECK: fast_sum 17: 0 mismatches of 1
// CHECK: fast_sum 1000: 0 mismatches of 1
// CHECK: col_sum 300x600: 0 mismatches of 600
// CHECK: batch_sum 37x3x70: 0 mismatches of 210

#row = affine_map<(d0, d1) -> (d0, d1)>
#out = affine_map<(d0, d1) -> (d0)>
#vec = affine_map<(d0) -> (d0)>
#scalar = affine_map<(d0) -> ()>

func.func @row_sum(%x: tensor<?x?xf32>) -> tensor<?xf32> {
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?x?xf32>
  %z = arith.constant 0.0 : f32
  %e = tensor.empty(%n) : tensor<?xf32>
  %i = linalg.fill ins(%z : f32) outs(%e : tensor<?xf32>) -> tensor<?xf32>
  %r = linalg.reduce ins(%x : tensor<?x?xf32>) outs(%i : tensor<?xf32>) dimensions = [1]
    (%a: f32, %b: f32) {
      %s = arith.addf %a, %b : f32
      linalg.yield %s : f32
    }
  return %r : tensor<?xf32>
}

func.func @sum_all(%x: tensor<?xf32>) -> tensor<f32> {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<f32>
  %i = linalg.fill ins(%z : f32) outs(%e : tensor<f32>) -> tensor<f32>
  %r = linalg.reduce ins(%x : tensor<?xf32>) outs(%i : tensor<f32>) dimensions = [0]
    (%a: f32, %b: f32) {
      %s = arith.addf %a, %b : f32
      linalg.yield %s : f32
    }
  return %r : tensor<f32>
}

// x * x is its own op, fused into the reduction.
func.func @sumsq(%x: tensor<2x1000xf32>) -> tensor<2xf32> {
  %z = arith.constant 0.0 : f32
  %sq = arith.mulf %x, %x : tensor<2x1000xf32>
  %e = tensor.empty() : tensor<2xf32>
  %i = linalg.fill ins(%z : f32) outs(%e : tensor<2xf32>) -> tensor<2xf32>
  %r = linalg.reduce ins(%sq : tensor<2x1000xf32>) outs(%i : tensor<2xf32>) dimensions = [1]
    (%a: f32, %b: f32) {
      %s = arith.addf %a, %b : f32
      linalg.yield %s : f32
    }
  return %r : tensor<2xf32>
}

func.func @prod_f64(%x: tensor<4x40xf64>) -> tensor<4xf64> {
  %one = arith.constant 1.0 : f64
  %e = tensor.empty() : tensor<4xf64>
  %i = linalg.fill ins(%one : f64) outs(%e : tensor<4xf64>) -> tensor<4xf64>
  %r = linalg.reduce ins(%x : tensor<4x40xf64>) outs(%i : tensor<4xf64>) dimensions = [1]
    (%a: f64, %b: f64) {
      %s = arith.mulf %b, %a : f64
      linalg.yield %s : f64
    }
  return %r : tensor<4xf64>
}

func.func @max(%x: tensor<4x50xf32>) -> tensor<4xf32> {
  %low = arith.constant 0xFF800000 : f32
  %e = tensor.empty() : tensor<4xf32>
  %i = linalg.fill ins(%low : f32) outs(%e : tensor<4xf32>) -> tensor<4xf32>
  %r = linalg.reduce ins(%x : tensor<4x50xf32>) outs(%i : tensor<4xf32>) dimensions = [1]
    (%a: f32, %b: f32) {
      %s = arith.maximumf %a, %b : f32
      linalg.yield %s : f32
    }
  return %r : tensor<4xf32>
}

// linalg.softmax's max: NaN is a missing value.
func.func @maxnum(%x: tensor<4x50xf32>) -> tensor<4xf32> {
  %low = arith.constant 0xFF800000 : f32
  %e = tensor.empty() : tensor<4xf32>
  %i = linalg.fill ins(%low : f32) outs(%e : tensor<4xf32>) -> tensor<4xf32>
  %r = linalg.reduce ins(%x : tensor<4x50xf32>) outs(%i : tensor<4xf32>) dimensions = [1]
    (%a: f32, %b: f32) {
      %s = arith.maxnumf %a, %b : f32
      linalg.yield %s : f32
    }
  return %r : tensor<4xf32>
}

func.func @min_i32(%x: tensor<4x40xi32>) -> tensor<4xi32> {
  %high = arith.constant 2147483647 : i32
  %e = tensor.empty() : tensor<4xi32>
  %i = linalg.fill ins(%high : i32) outs(%e : tensor<4xi32>) -> tensor<4xi32>
  %r = linalg.reduce ins(%x : tensor<4x40xi32>) outs(%i : tensor<4xi32>) dimensions = [1]
    (%a: i32, %b: i32) {
      %s = arith.minsi %a, %b : i32
      linalg.yield %s : i32
    }
  return %r : tensor<4xi32>
}

func.func @sum_i64(%x: tensor<4x40xi64>) -> tensor<4xi64> {
  %z = arith.constant 0 : i64
  %e = tensor.empty() : tensor<4xi64>
  %i = linalg.fill ins(%z : i64) outs(%e : tensor<4xi64>) -> tensor<4xi64>
  %r = linalg.reduce ins(%x : tensor<4x40xi64>) outs(%i : tensor<4xi64>) dimensions = [1]
    (%a: i64, %b: i64) {
      %s = arith.addi %a, %b : i64
      linalg.yield %s : i64
    }
  return %r : tensor<4xi64>
}

// sum_j x[i, j] * j: the body reads the reduction's index.
func.func @weighted_index(%x: tensor<3x70xf32>) -> tensor<3xf32> {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<3xf32>
  %i = linalg.fill ins(%z : f32) outs(%e : tensor<3xf32>) -> tensor<3xf32>
  %r = linalg.generic {indexing_maps = [#row, #out], iterator_types = ["parallel", "reduction"]}
      ins(%x : tensor<3x70xf32>) outs(%i : tensor<3xf32>) {
    ^bb0(%a: f32, %acc: f32):
      %j = linalg.index 1 : index
      %ji = arith.index_cast %j : index to i32
      %jf = arith.sitofp %ji : i32 to f32
      %m = arith.mulf %a, %jf : f32
      %s = arith.addf %acc, %m : f32
      linalg.yield %s : f32
  } -> tensor<3xf32>
  return %r : tensor<3xf32>
}

// The output starts from y, not from the identity.
func.func @sum_into(%x: tensor<3x45xf32>, %y: tensor<3xf32>) -> tensor<3xf32> {
  %r = linalg.reduce ins(%x : tensor<3x45xf32>) outs(%y : tensor<3xf32>) dimensions = [1]
    (%a: f32, %b: f32) {
      %s = arith.addf %a, %b : f32
      linalg.yield %s : f32
    }
  return %r : tensor<3xf32>
}

// t = 3x - 1 is both returned and summed: fused into one op with two
// outputs, t stored once per term, the sum in lanes.
func.func @scaled_and_sum(%x: tensor<3x90xf32>) -> (tensor<3x90xf32>, tensor<3xf32>) {
  %three = arith.constant dense<3.0> : tensor<3x90xf32>
  %one = arith.constant dense<1.0> : tensor<3x90xf32>
  %m = arith.mulf %x, %three : tensor<3x90xf32>
  %t = arith.subf %m, %one : tensor<3x90xf32>
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<3xf32>
  %i = linalg.fill ins(%z : f32) outs(%e : tensor<3xf32>) -> tensor<3xf32>
  %r = linalg.generic {indexing_maps = [#row, #out], iterator_types = ["parallel", "reduction"]}
      ins(%t : tensor<3x90xf32>) outs(%i : tensor<3xf32>) {
    ^bb0(%a: f32, %acc: f32):
      %s = arith.addf %acc, %a : f32
      linalg.yield %s : f32
  } -> tensor<3xf32>
  return %t, %r : tensor<3x90xf32>, tensor<3xf32>
}

// An embedding bag: the sum of table rows picked by ids, each read checked
// at run time (the check's branch holds the add: still the lane order).
func.func @bag(%table: tensor<100xf32>, %ids: tensor<4x40xi64>) -> tensor<4xf32> {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4xf32>
  %i = linalg.fill ins(%z : f32) outs(%e : tensor<4xf32>) -> tensor<4xf32>
  %r = linalg.generic {indexing_maps = [#row, #out], iterator_types = ["parallel", "reduction"]}
      ins(%ids : tensor<4x40xi64>) outs(%i : tensor<4xf32>) {
    ^bb0(%id: i64, %acc: f32):
      %k = arith.index_cast %id : i64 to index
      %v = tensor.extract %table[%k] : tensor<100xf32>
      %s = arith.addf %acc, %v : f32
      linalg.yield %s : f32
  } -> tensor<4xf32>
  return %r : tensor<4xf32>
}

// Two reduction dimensions, the last two: 35 terms in row-major order.
func.func @sum_last_two(%x: tensor<3x5x7xf32>) -> tensor<3xf32> {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<3xf32>
  %i = linalg.fill ins(%z : f32) outs(%e : tensor<3xf32>) -> tensor<3xf32>
  %r = linalg.reduce ins(%x : tensor<3x5x7xf32>) outs(%i : tensor<3xf32>) dimensions = [1, 2]
    (%a: f32, %b: f32) {
      %s = arith.addf %a, %b : f32
      linalg.yield %s : f32
    }
  return %r : tensor<3xf32>
}

func.func @sum_last_two_dyn(%x: tensor<?x?x?xf32>) -> tensor<?xf32> {
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?x?x?xf32>
  %z = arith.constant 0.0 : f32
  %e = tensor.empty(%n) : tensor<?xf32>
  %i = linalg.fill ins(%z : f32) outs(%e : tensor<?xf32>) -> tensor<?xf32>
  %r = linalg.reduce ins(%x : tensor<?x?x?xf32>) outs(%i : tensor<?xf32>) dimensions = [1, 2]
    (%a: f32, %b: f32) {
      %s = arith.addf %a, %b : f32
      linalg.yield %s : f32
    }
  return %r : tensor<?xf32>
}

// The sum of a sampler's output: fusion puts the sampler (blocks of 4
// elements) into the sum, whose reduction becomes two loops [blocks, 4];
// the terms keep their order. Compared with the lanes over the samples
// that @noise_of returns for the same key.
func.func @noise_of(%x: tensor<4x1000xf32>, %seed: i64) -> tensor<4x1000xf32> {
  %k = sto.seed %seed : i64
  %y = sto.noise %k, %x {scale = 2.5e-01 : f64} : tensor<4x1000xf32>
  return %y : tensor<4x1000xf32>
}

func.func @noisy_sum(%x: tensor<4x1000xf32>, %seed: i64) -> tensor<4xf32> {
  %k = sto.seed %seed : i64
  %y = sto.noise %k, %x {scale = 2.5e-01 : f64} : tensor<4x1000xf32>
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4xf32>
  %i = linalg.fill ins(%z : f32) outs(%e : tensor<4xf32>) -> tensor<4xf32>
  %r = linalg.reduce ins(%y : tensor<4x1000xf32>) outs(%i : tensor<4xf32>) dimensions = [1]
    (%a: f32, %b: f32) {
      %s = arith.addf %a, %b : f32
      linalg.yield %s : f32
    }
  return %r : tensor<4xf32>
}

// A sampler summed by rows: sto-fuse-row-loops runs the sampler's loop and
// the sum in one loop over rows, the samples of a row in a stack buffer of
// the thread (rows up to 256 KiB; above, the loops are fused but the
// samples stay in a temporary). Compared with the lanes over what
// @normal_of returns for the same key.
func.func @normal_of(%seed: i64) -> (tensor<6x2052xf32>, tensor<3x5x1004xf32>, tensor<2x70000xf32>) {
  %k = sto.seed %seed : i64
  %ks:3 = sto.split %k count 3
  %a = sto.normal %ks#0 {mean = 0.5 : f64, stddev = 2.0 : f64} : tensor<6x2052xf32>
  %b = sto.normal %ks#1 {mean = 0.0 : f64, stddev = 1.0 : f64} : tensor<3x5x1004xf32>
  %c = sto.uniform %ks#2 {low = -1.0 : f64, high = 3.0 : f64} : tensor<2x70000xf32>
  return %a, %b, %c : tensor<6x2052xf32>, tensor<3x5x1004xf32>, tensor<2x70000xf32>
}

func.func @normal_row_sums(%seed: i64) -> (tensor<6xf32>, tensor<3x5xf32>, tensor<2xf32>) {
  %k = sto.seed %seed : i64
  %ks:3 = sto.split %k count 3
  %a = sto.normal %ks#0 {mean = 0.5 : f64, stddev = 2.0 : f64} : tensor<6x2052xf32>
  %b = sto.normal %ks#1 {mean = 0.0 : f64, stddev = 1.0 : f64} : tensor<3x5x1004xf32>
  %c = sto.uniform %ks#2 {low = -1.0 : f64, high = 3.0 : f64} : tensor<2x70000xf32>
  %z = arith.constant 0.0 : f32
  %ea = tensor.empty() : tensor<6xf32>
  %ia = linalg.fill ins(%z : f32) outs(%ea : tensor<6xf32>) -> tensor<6xf32>
  %ra = linalg.reduce ins(%a : tensor<6x2052xf32>) outs(%ia : tensor<6xf32>) dimensions = [1]
    (%p: f32, %q: f32) {
      %s = arith.addf %p, %q : f32
      linalg.yield %s : f32
    }
  %eb = tensor.empty() : tensor<3x5xf32>
  %ib = linalg.fill ins(%z : f32) outs(%eb : tensor<3x5xf32>) -> tensor<3x5xf32>
  %rb = linalg.reduce ins(%b : tensor<3x5x1004xf32>) outs(%ib : tensor<3x5xf32>) dimensions = [2]
    (%p: f32, %q: f32) {
      %s = arith.addf %p, %q : f32
      linalg.yield %s : f32
    }
  %ec = tensor.empty() : tensor<2xf32>
  %ic = linalg.fill ins(%z : f32) outs(%ec : tensor<2xf32>) -> tensor<2xf32>
  %rc = linalg.reduce ins(%c : tensor<2x70000xf32>) outs(%ic : tensor<2xf32>) dimensions = [1]
    (%p: f32, %q: f32) {
      %s = arith.addf %p, %q : f32
      linalg.yield %s : f32
    }
  return %ra, %rb, %rc : tensor<6xf32>, tensor<3x5xf32>, tensor<2xf32>
}

// The model's own scf.if is not a run-time check's guard: acc' = x > 0 ?
// acc + x : 0 is no `acc (+) v` body, and runs in sequence.
func.func @reset(%x: tensor<1x40xi32>) -> tensor<1xi32> {
  %z = arith.constant 0 : i32
  %e = tensor.empty() : tensor<1xi32>
  %i = linalg.fill ins(%z : i32) outs(%e : tensor<1xi32>) -> tensor<1xi32>
  %r = linalg.generic {indexing_maps = [#row, #out], iterator_types = ["parallel", "reduction"]}
      ins(%x : tensor<1x40xi32>) outs(%i : tensor<1xi32>) {
    ^bb0(%a: i32, %acc: i32):
      %p = arith.cmpi sgt, %a, %z : i32
      %v = scf.if %p -> i32 {
        %s = arith.addi %acc, %a : i32
        scf.yield %s : i32
      } else {
        scf.yield %z : i32
      }
      linalg.yield %v : i32
  } -> tensor<1xi32>
  return %r : tensor<1xi32>
}

// An output that stores the running sum depends on the order: in sequence.
func.func @running_sum(%x: tensor<1x20xi32>) -> (tensor<1xi32>, tensor<1x20xi32>) {
  %z = arith.constant 0 : i32
  %e = tensor.empty() : tensor<1xi32>
  %i = linalg.fill ins(%z : i32) outs(%e : tensor<1xi32>) -> tensor<1xi32>
  %e2 = tensor.empty() : tensor<1x20xi32>
  %r:2 = linalg.generic {indexing_maps = [#row, #out, #row], iterator_types = ["parallel", "reduction"]}
      ins(%x : tensor<1x20xi32>) outs(%i, %e2 : tensor<1xi32>, tensor<1x20xi32>) {
    ^bb0(%a: i32, %acc: i32, %p: i32):
      %s = arith.addi %acc, %a : i32
      linalg.yield %s, %s : i32, i32
  } -> (tensor<1xi32>, tensor<1x20xi32>)
  return %r#0, %r#1 : tensor<1xi32>, tensor<1x20xi32>
}

// Two checked indices: two nested guards, still the lane order.
func.func @gather2d(%t: tensor<2x3xf32>, %ids: tensor<64xi64>) -> tensor<f32> {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<f32>
  %i = linalg.fill ins(%z : f32) outs(%e : tensor<f32>) -> tensor<f32>
  %r = linalg.generic {indexing_maps = [#vec, #scalar], iterator_types = ["reduction"]}
      ins(%ids : tensor<64xi64>) outs(%i : tensor<f32>) {
    ^bb0(%id: i64, %acc: f32):
      %k = arith.index_cast %id : i64 to index
      %v = tensor.extract %t[%k, %k] : tensor<2x3xf32>
      %s = arith.addf %acc, %v : f32
      linalg.yield %s : f32
  } -> tensor<f32>
  return %r : tensor<f32>
}

// linalg.index after a checked read (it failed to compile: the guard took
// it out of the linalg body).
func.func @weighted_bag(%t: tensor<4xf32>, %ids: tensor<64xi64>) -> tensor<f32> {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<f32>
  %i = linalg.fill ins(%z : f32) outs(%e : tensor<f32>) -> tensor<f32>
  %r = linalg.generic {indexing_maps = [#vec, #scalar], iterator_types = ["reduction"]}
      ins(%ids : tensor<64xi64>) outs(%i : tensor<f32>) {
    ^bb0(%id: i64, %acc: f32):
      %k = arith.index_cast %id : i64 to index
      %v = tensor.extract %t[%k] : tensor<4xf32>
      %j = linalg.index 0 : index
      %ji = arith.index_cast %j : index to i32
      %jf = arith.sitofp %ji : i32 to f32
      %m = arith.mulf %v, %jf : f32
      %s = arith.addf %acc, %m : f32
      linalg.yield %s : f32
  } -> tensor<f32>
  return %r : tensor<f32>
}

// fastmath<fast> on the add: the documented order all the same, and the
// same bits on both targets (the flags would let LLVM reorder the lanes).
func.func @fast_sum(%x: tensor<?xf32>) -> tensor<f32> {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<f32>
  %i = linalg.fill ins(%z : f32) outs(%e : tensor<f32>) -> tensor<f32>
  %r = linalg.reduce ins(%x : tensor<?xf32>) outs(%i : tensor<f32>) dimensions = [0]
    (%a: f32, %b: f32) {
      %s = arith.addf %a, %b fastmath<fast> : f32
      linalg.yield %s : f32
    }
  return %r : tensor<f32>
}

func.func @col_sum(%x: tensor<?x?xf32>) -> tensor<?xf32> {
  %c1 = arith.constant 1 : index
  %n = tensor.dim %x, %c1 : tensor<?x?xf32>
  %z = arith.constant 0.0 : f32
  %e = tensor.empty(%n) : tensor<?xf32>
  %i = linalg.fill ins(%z : f32) outs(%e : tensor<?xf32>) -> tensor<?xf32>
  %r = linalg.reduce ins(%x : tensor<?x?xf32>) outs(%i : tensor<?xf32>) dimensions = [0]
    (%a: f32, %b: f32) {
      %s = arith.addf %a, %b : f32
      linalg.yield %s : f32
    }
  return %r : tensor<?xf32>
}

func.func @batch_sum(%x: tensor<37x3x70xf32>) -> tensor<3x70xf32> {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<3x70xf32>
  %i = linalg.fill ins(%z : f32) outs(%e : tensor<3x70xf32>) -> tensor<3x70xf32>
  %r = linalg.reduce ins(%x : tensor<37x3x70xf32>) outs(%i : tensor<3x70xf32>) dimensions = [0]
    (%a: f32, %b: f32) {
      %s = arith.addf %a, %b : f32
      linalg.yield %s : f32
    }
  return %r : tensor<3x70xf32>
}

func.func @sum_static(%x: tensor<8x24xf32>) -> tensor<8xf32> {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<8xf32>
  %i = linalg.fill ins(%z : f32) outs(%e : tensor<8xf32>) -> tensor<8xf32>
  %r = linalg.generic {indexing_maps = [#row, #out], iterator_types = ["parallel", "reduction"]}
      ins(%x : tensor<8x24xf32>) outs(%i : tensor<8xf32>) {
    ^bb0(%a: f32, %acc: f32):
      %s = arith.addf %acc, %a : f32
      linalg.yield %s : f32
  } -> tensor<8xf32>
  return %r : tensor<8xf32>
}

func.func @sum_keepdims(%x: tensor<8x100xf32>) -> tensor<8x1xf32> {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<8x1xf32>
  %i = linalg.fill ins(%z : f32) outs(%e : tensor<8x1xf32>) -> tensor<8x1xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, 0)>],
                       iterator_types = ["parallel", "reduction"]}
      ins(%x : tensor<8x100xf32>) outs(%i : tensor<8x1xf32>) {
    ^bb0(%a: f32, %acc: f32):
      %s = arith.addf %acc, %a : f32
      linalg.yield %s : f32
  } -> tensor<8x1xf32>
  return %r : tensor<8x1xf32>
}
func.func @sum_squeezed(%x: tensor<8x1x100xf32>) -> tensor<8xf32> {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<8xf32>
  %i = linalg.fill ins(%z : f32) outs(%e : tensor<8xf32>) -> tensor<8xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, 0, j)>, affine_map<(i, j) -> (i)>],
                       iterator_types = ["parallel", "reduction"]}
      ins(%x : tensor<8x1x100xf32>) outs(%i : tensor<8xf32>) {
    ^bb0(%a: f32, %acc: f32):
      %s = arith.addf %acc, %a : f32
      linalg.yield %s : f32
  } -> tensor<8xf32>
  return %r : tensor<8xf32>
}

// arith-expand-ops' select form of maximumf gave maximumf(+0.0, -0.0) =
// -0.0; the semantics order -0.0 below +0.0 (as in the max row of zeros).
// CHECK: max_min_zeros: max(+0,-0) 0x0p+0 max(-0,+0) 0x0p+0 min(+0,-0) -0x0p+0 min(-0,+0) -0x0p+0
func.func @max_min_zeros(%a: f32, %b: f32) -> (f32, f32) {
  %max = arith.maximumf %a, %b : f32
  %min = arith.minimumf %a, %b : f32
  return %max, %min : f32, f32
}
