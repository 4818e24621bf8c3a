// Dynamic sizes that the program needs equal are checked when the compiled
// function is called: a mismatch returns STO_ERROR_SHAPE_MISMATCH (7) with a
// message naming the op and the sizes, computes nothing and writes no
// result; matching sizes compute as before. Also under --target=cuda-emulator
// (the CUDA pipeline's host code, which holds the checks).
// REQUIRES: sto-example-drivers
// RUN: sto-compile %s -o %t.o --header %t.h
// RUN: %sto_example_cc -I%sto_src_root/include -include %t.h %S/Inputs/shape-checks.c %t.o %sto_runtime_link -o %t
// RUN: %t | FileCheck %s
// RUN: sto-compile %s --target=cuda-emulator -o %t.emu.o --header %t.emu.h
// RUN: %sto_example_cc -I%sto_src_root/include -include %t.emu.h %S/Inputs/shape-checks.c %t.emu.o %sto_runtime_link -o %t.emu
// RUN: %t.emu | FileCheck %s

// CHECK: addb 4 4: status 0 '' y = 11 22 33 44
// CHECK: addb 4 3: status 7 '{{.*}}shape-checks.mlir:[[#@LINE+3]]:8: 'arith.addf' op dimension 0 of operand #1 differs from that of operand #0' untouched 1
// CHECK: addb 3 4: status 7 '{{.*}}shape-checks.mlir:[[#@LINE+2]]:8: 'arith.addf' op dimension 0 of operand #1 differs from that of operand #0' untouched 1
func.func @addb(%x: tensor<?xf32>, %b: tensor<?xf32>) -> tensor<?xf32> {
  %y = arith.addf %x, %b : tensor<?xf32>
  return %y : tensor<?xf32>
}

// A product's inner dimensions (a generic contraction: the emulator cannot
// run cuBLAS, which the CUDA target calls for linalg.matmul), and a bias
// broadcast over its rows.
// CHECK: mlp 2x3 3x2 2: status 0 '' y = 4 5 7 8
// CHECK: mlp 2x3 4x2 2: status 7 '{{.*}}shape-checks.mlir:[[#@LINE+10]]:8: 'linalg.generic' op dimension 0 of operand #1 differs from dimension 1 of operand #0' untouched 1
// CHECK: mlp 2x3 3x2 3: status 7 '{{.*}}shape-checks.mlir:[[#@LINE+15]]:9: 'linalg.broadcast' op dimension 1 of operand #1 differs from dimension 0 of operand #0' untouched 1
func.func @mlp(%x: tensor<?x?xf32>, %w: tensor<?x?xf32>, %b: tensor<?xf32>) -> tensor<?x?xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %m = tensor.dim %x, %c0 : tensor<?x?xf32>
  %n = tensor.dim %w, %c1 : tensor<?x?xf32>
  %e = tensor.empty(%m, %n) : tensor<?x?xf32>
  %z = arith.constant 0.0 : f32
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<?x?xf32>) -> tensor<?x?xf32>
  %p = linalg.generic {indexing_maps = [affine_map<(i, j, k) -> (i, k)>, affine_map<(i, j, k) -> (k, j)>, affine_map<(i, j, k) -> (i, j)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%x, %w : tensor<?x?xf32>, tensor<?x?xf32>) outs(%f : tensor<?x?xf32>) {
  ^bb0(%a: f32, %c: f32, %acc: f32):
    %t = arith.mulf %a, %c : f32
    %u = arith.addf %acc, %t : f32
    linalg.yield %u : f32
  } -> tensor<?x?xf32>
  %bb = linalg.broadcast ins(%b : tensor<?xf32>) outs(%e : tensor<?x?xf32>) dimensions = [0]
  %y = arith.addf %p, %bb : tensor<?x?xf32>
  return %y : tensor<?x?xf32>
}

// The gate's bias has one entry per expert, and k ≤ E.
// CHECK: gate 2x3 3: status 0 '' idx = 2 1 2 0
// CHECK: gate 2x3 4: status 7 '{{.*}}shape-checks.mlir:[[#@LINE+3]]:12: 'sto.topk_gate' op dimension 0 of 'bias' differs from dimension 1 of 'logits'' untouched 1
// CHECK: gate 2x1 1: status 7 '{{.*}}shape-checks.mlir:[[#@LINE+2]]:12: 'sto.topk_gate' op attribute 'k' exceeds dimension 1 of 'logits' (the number of experts)' untouched 1
func.func @gate(%logits: tensor<?x?xf32>, %bias: tensor<?xf32>) -> (tensor<?x2xf32>, tensor<?x2xi32>) {
  %w, %i = sto.topk_gate %logits bias %bias {k = 2 : i64} : tensor<?x?xf32>, tensor<?xf32> -> tensor<?x2xf32>, tensor<?x2xi32>
  return %w, %i : tensor<?x2xf32>, tensor<?x2xi32>
}

// A training loop calling a private step: the step's requirement (the
// gradient has the parameter's size) is checked once, at the entry.
// CHECK: train 4 4: status 0 '' p = 0.5 1.5 2.5 3.5
// CHECK: train 4 5: status 7 '{{.*}}shape-checks.mlir:[[#@LINE+13]]:13: 'func.call' op calls @step, where {{.*}}shape-checks.mlir:[[#@LINE+4]]:8: 'arith.mulf' op dimension 0 of operand #1 differs from that of operand #0' untouched 1
func.func private @step(%p: tensor<?xf32>, %g: tensor<?xf32>) -> tensor<?xf32> {
  %lr = arith.constant dense<0.25> : tensor<4xf32>
  %lrd = tensor.cast %lr : tensor<4xf32> to tensor<?xf32>
  %d = arith.mulf %g, %lrd : tensor<?xf32>
  %q = arith.subf %p, %d : tensor<?xf32>
  return %q : tensor<?xf32>
}
func.func @train(%p0: tensor<?xf32>, %g: tensor<?xf32>) -> tensor<?xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %p = scf.for %i = %c0 to %c2 step %c1 iter_args(%cur = %p0) -> tensor<?xf32> {
    %next = func.call @step(%cur, %g) : (tensor<?xf32>, tensor<?xf32>) -> tensor<?xf32>
    scf.yield %next : tensor<?xf32>
  }
  return %p : tensor<?xf32>
}

// A sampler's size comes from a scalar argument; a negative one is refused.
// CHECK: noise 3: status 0 '' in [0, 1) 1
// CHECK: noise -1: status 7 '{{.*}}shape-checks.mlir:[[#@LINE+3]]:8: 'sto.uniform' op size 0 of the result is negative' untouched 1
func.func @noise(%seed: i64, %n: index) -> tensor<?xf32> {
  %k = sto.seed %seed : i64
  %u = sto.uniform %k [%n] : tensor<?xf32>
  return %u : tensor<?xf32>
}

// A slice at a given offset lies inside its source.
// CHECK: take 3 1: status 0 '' rows = 2 3
// CHECK: take 3 2: status 7 '{{.*}}shape-checks.mlir:[[#@LINE+3]]:8: 'tensor.extract_slice' op the slice runs out of dimension 0 of the source' untouched 1
// CHECK: take 3 -1: status 7 '{{.*}}shape-checks.mlir:[[#@LINE+2]]:8: 'tensor.extract_slice' op the slice runs out of dimension 0 of the source' untouched 1
func.func @take(%x: tensor<?x4xf32>, %start: index) -> tensor<2x4xf32> {
  %s = tensor.extract_slice %x[%start, 0] [2, 4] [1, 1] : tensor<?x4xf32> to tensor<2x4xf32>
  return %s : tensor<2x4xf32>
}

// The model's own cf.assert is a status too, STO_ERROR_ASSERTION (9), with
// its message; nothing is computed after it.
// CHECK: scaled 2: status 0 '' y = 8
// CHECK: scaled -1: status 9 'scale must be positive' untouched 1
func.func @scaled(%x: tensor<4xf32>, %s: f32) -> tensor<4xf32> {
  %zero = arith.constant 0.0 : f32
  %pos = arith.cmpf ogt, %s, %zero : f32
  cf.assert %pos, "scale must be positive"
  %e = tensor.empty() : tensor<4xf32>
  %sb = linalg.fill ins(%s : f32) outs(%e : tensor<4xf32>) -> tensor<4xf32>
  %y = arith.mulf %x, %sb : tensor<4xf32>
  return %y : tensor<4xf32>
}

// Sizes given by the caller whose byte count does not fit in int64_t are
// refused on entry, naming the tensor as the header does (the loops and
// copies sized by them wrote far past the buffers: a segfault).
// CHECK: grid 2^40 2^40: status 7 'the sizes given for result0 (tensor<?x?xf32>) make more than 2^63 bytes' untouched 1
// CHECK: grid 2^61: status 7 'the sizes given for arg0 (tensor<?x?xf32>) make more than 2^63 bytes' untouched 1
// CHECK: grid 2 2: status 0 '' y = 2 8
// A result that overlaps another array of the call (in place, or shifted by
// one element) is refused: the compiled loops read and write on the promise
// that it does not (a matmul in place gave zeros, a shifted add raced).
// CHECK: grid in place: status 6 'result0 overlaps arg0: a result must not overlap another array of the call' x = 1 2 3 4
// CHECK: grid shifted: status 6 'result0 overlaps arg0: a result must not overlap another array of the call' x = 1 2 3 4
// CHECK: grid empty overlap: status 0 ''
func.func @grid(%x: tensor<?x?xf32>) -> tensor<?x?xf32> {
  %y = arith.addf %x, %x : tensor<?x?xf32>
  return %y : tensor<?x?xf32>
}

// A condition that is an argument itself (sto-insert-shape-checks crashed
// moving it to the entry: it looked the argument up among the copied ops).
// CHECK: allowed 1: status 0 '' y = 4
// CHECK: allowed 0: status 9 'caller said no' untouched 1
func.func @allowed(%ok: i1, %x: tensor<4xf32>) -> tensor<4xf32> {
  cf.assert %ok, "caller said no"
  return %x : tensor<4xf32>
}

// In a parallel loop (an OpenMP region, a GPU kernel) a failed check skips
// the rest of its iteration and the call returns its status after the
// loop; the other iterations ran. When iterations fail different checks,
// the first check in the program is reported, whatever the order in which
// the iterations ran.
// CHECK: rows 8 2: status 0 '' y = 1 2 3 4 5 6 7 8 -1
// CHECK: rows 8 3: status 7 '{{.*}}shape-checks.mlir:[[#@LINE+10]]:10: 'tensor.extract_slice' op the slice runs out of dimension 0 of the source' untouched 0 y = 1 2 3 4 5 6 7 8 -1
// CHECK: rows 8 2 negative: status 9 'a row starts at or above 0' untouched 0 y = 1 2 3 4 -1 -1 -1 -1 -1
// CHECK: rows 8 3 negative: status 7 '{{.*}}shape-checks.mlir:[[#@LINE+8]]:10: 'tensor.extract_slice' op the slice runs out of dimension 0 of the source' untouched 0 y = 1 2 3 4 -1 -1 -1 -1 -1
func.func @rows(%x: tensor<?xf32>, %n: index) -> tensor<?x4xf32> {
  %c0 = arith.constant 0 : index
  %c4 = arith.constant 4 : index
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty(%n) : tensor<?x4xf32>
  %r = scf.forall (%i) in (%n) shared_outs(%o = %e) -> tensor<?x4xf32> {
    %off = arith.muli %i, %c4 : index
    %s = tensor.extract_slice %x[%off] [4] [1] : tensor<?xf32> to tensor<4xf32>
    %first = tensor.extract %s[%c0] : tensor<4xf32>
    %pos = arith.cmpf oge, %first, %zero : f32
    cf.assert %pos, "a row starts at or above 0"
    scf.forall.in_parallel {
      tensor.parallel_insert_slice %s into %o[%i, 0] [1, 4] [1, 1] : tensor<4xf32> into tensor<?x4xf32>
    }
  }
  return %r : tensor<?x4xf32>
}

// tensor.dim at an index given at run time: an index that is not a
// dimension (it read the stack) fails, and the scalar result is not written.
// CHECK: dim 1: status 0 '' d = 4
// CHECK: dim 2: status 7 '{{.*}}shape-checks.mlir:[[#@LINE+3]]:8: 'tensor.dim' op index is not a dimension of the rank-2 source' untouched 1 d = -1
// CHECK: dim -1: status 7 '{{.*}}shape-checks.mlir:[[#@LINE+2]]:8: 'tensor.dim' op index is not a dimension of the rank-2 source' untouched 1 d = -1
func.func @dim(%x: tensor<?x4xf32>, %i: index) -> index {
  %d = tensor.dim %x, %i : tensor<?x4xf32>
  return %d : index
}

// An insert_slice's source has the slice's sizes (a source of 2 in a slice
// of 4 returned 0 with two elements of the slice never written), and the
// inputs of a concat agree off the joined dimension (a 3x2 after a 2x3 read
// the wrong elements).
// CHECK: put 2 at 1 size 2: status 0 '' y = 1 100 101 4
// CHECK: put 2 at 1 size 3: status 7 '{{.*}}shape-checks.mlir:[[#@LINE+3]]:8: 'tensor.insert_slice' op dimension 0 of the source differs from size 0 of the slice' untouched 1
// CHECK: put 2 at 3 size 2: status 7 '{{.*}}shape-checks.mlir:[[#@LINE+2]]:8: 'tensor.insert_slice' op the slice runs out of dimension 0 of the destination' untouched 1
func.func @put(%d: tensor<?xf32>, %s: tensor<?xf32>, %o: index, %n: index) -> tensor<?xf32> {
  %r = tensor.insert_slice %s into %d[%o] [%n] [1] : tensor<?xf32> into tensor<?xf32>
  return %r : tensor<?xf32>
}
// CHECK: join 1x2 1x2: status 0 '' y = 1 2 100 101
// CHECK: join 1x2 2x1: status 7 '{{.*}}shape-checks.mlir:[[#@LINE+2]]:8: 'tensor.concat' op dimension 1 of operand #1 differs from that of operand #0' untouched 1
func.func @join(%a: tensor<?x?xf32>, %b: tensor<?x?xf32>) -> tensor<?x?xf32> {
  %r = tensor.concat dim(0) %a, %b : (tensor<?x?xf32>, tensor<?x?xf32>) -> tensor<?x?xf32>
  return %r : tensor<?x?xf32>
}

// A loop's step given at run time is positive: a step of 0 or -1 ran
// forever (scf.for) or divided by 0 (scf.forall).
// CHECK: count 1: status 0 '' y = 2 3 4 5
// CHECK: count 0: status 7 '{{.*}}shape-checks.mlir:[[#@LINE+5]]:8: 'scf.for' op step is not positive' untouched 1
// CHECK: count -1: status 7 '{{.*}}shape-checks.mlir:[[#@LINE+4]]:8: 'scf.for' op step is not positive' untouched 1
func.func @count(%x: tensor<?xf32>, %st: index) -> tensor<?xf32> {
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?xf32>
  %r = scf.for %i = %c0 to %n step %st iter_args(%t = %x) -> tensor<?xf32> {
    %v = tensor.extract %t[%i] : tensor<?xf32>
    %one = arith.constant 1.0 : f32
    %w = arith.addf %v, %one : f32
    %u = tensor.insert %w into %t[%i] : tensor<?xf32>
    scf.yield %u : tensor<?xf32>
  }
  return %r : tensor<?xf32>
}
// CHECK: twice 1: status 0 '' y = 2 4 6 8
// CHECK: twice 0: status 7 '{{.*}}shape-checks.mlir:[[#@LINE+4]]:8: 'scf.forall' op step is not positive' untouched 1
func.func @twice(%x: tensor<?xf32>, %st: index) -> tensor<?xf32> {
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?xf32>
  %r = scf.forall (%i) = (%c0) to (%n) step (%st) shared_outs(%o = %x) -> tensor<?xf32> {
    %v = tensor.extract_slice %o[%i] [1] [1] : tensor<?xf32> to tensor<1xf32>
    %w = arith.addf %v, %v : tensor<1xf32>
    scf.forall.in_parallel {
      tensor.parallel_insert_slice %w into %o[%i] [1] [1] : tensor<1xf32> into tensor<?xf32>
    }
  }
  return %r : tensor<?xf32>
}

// Operand dimensions indexed by more than one loop: a convolution reads
// x[i + k] up to (outputs - 1) + (taps - 1), and a constant index reads row
// 0. Both read past their operand (status 0 before).
// CHECK: conv 4 2 3: status 0 '' y = 3 5 7
// CHECK: conv 4 2 4: status 7 '{{.*}}shape-checks.mlir:[[#@LINE+3]]:8: 'linalg.conv_1d' op index d0 + d1 of dimension 0 of operand #0 runs past its size' untouched 1
// CHECK: conv 4 3 3: status 7 '{{.*}}shape-checks.mlir:[[#@LINE+2]]:8: 'linalg.conv_1d' op index d0 + d1 of dimension 0 of operand #0 runs past its size' untouched 1
func.func @conv1(%x: tensor<?xf32>, %w: tensor<?xf32>, %o: tensor<?xf32>) -> tensor<?xf32> {
  %r = linalg.conv_1d ins(%x, %w : tensor<?xf32>, tensor<?xf32>) outs(%o : tensor<?xf32>) -> tensor<?xf32>
  return %r : tensor<?xf32>
}
// CHECK: first_row 2x3: status 0 '' y = 1 2 3
// CHECK: first_row 0x3: status 7 '{{.*}}shape-checks.mlir:[[#@LINE+3]]:8: 'linalg.generic' op index 0 of dimension 0 of operand #0 runs past its size' untouched 1
func.func @first_row(%x: tensor<?x3xf32>) -> tensor<3xf32> {
  %e = tensor.empty() : tensor<3xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(j) -> (0, j)>, affine_map<(j) -> (j)>], iterator_types = ["parallel"]} ins(%x : tensor<?x3xf32>) outs(%e : tensor<3xf32>) {
  ^bb0(%a: f32, %b: f32):
    linalg.yield %a : f32
  } -> tensor<3xf32>
  return %r : tensor<3xf32>
}
