// RUN: sto-opt %s --sto-lane-reductions -split-input-file | FileCheck %s
// RUN: sto-opt %s --sto-lane-reductions=gpu=true -split-input-file | FileCheck %s --check-prefix=GPU

// A marked row sum: an scf.parallel over rows; per row a 16-lane stack
// buffer from -0.0, whole groups of 16 terms (the inner loop is the
// vector), the tail into lanes 0, 1, ..., then the lanes into the output in
// increasing order.
// CHECK-LABEL: func.func @row_sum(
// CHECK-SAME:      %[[X:.+]]: memref<?x?xf32>, %[[Y:.+]]: memref<?xf32>)
// CHECK-DAG:     %[[C0:.+]] = arith.constant 0 : index
// CHECK-DAG:     %[[C1:.+]] = arith.constant 1 : index
// CHECK-DAG:     %[[N:.+]] = memref.dim %[[X]], %[[C1]]
// CHECK-DAG:     %[[M:.+]] = memref.dim %[[X]], %[[C0]]
// CHECK:         scf.parallel (%[[I:.+]]) = (%{{.+}}) to (%[[M]])
// CHECK-DAG:       %[[C16:.+]] = arith.constant 16 : index
// CHECK-DAG:       %[[BUF:.+]] = memref.alloca() : memref<16xf32>
// CHECK-DAG:       %[[NEG0:.+]] = arith.constant -0.000000e+00 : f32
// CHECK:           scf.for %[[L:.+]] = %{{.+}} to %[[C16]]
// CHECK-NEXT:        memref.store %[[NEG0]], %[[BUF]][%[[L]]]
// CHECK:           %[[TAIL:.+]] = arith.remui %[[N]], %[[C16]]
// CHECK:           %[[WHOLE:.+]] = arith.subi %[[N]], %[[TAIL]]
// CHECK:           scf.for %[[G:.+]] = %{{.+}} to %[[WHOLE]] step %[[C16]]
// CHECK:             scf.for %[[L2:.+]] = %{{.+}} to %[[C16]]
// CHECK:               %[[J:.+]] = arith.addi %[[G]], %[[L2]]
// CHECK:               %[[P:.+]] = memref.load %[[BUF]][%[[L2]]]
// CHECK:               %[[V:.+]] = memref.load %[[X]][%[[I]], %[[J]]]
// CHECK:               %[[S:.+]] = arith.addf %[[V]], %[[P]]
// CHECK:               memref.store %[[S]], %[[BUF]][%[[L2]]]
// CHECK:             } {sto.vector_lanes}
// CHECK:           scf.for %[[JT:.+]] = %[[WHOLE]] to %[[N]]
// CHECK:             %[[LT:.+]] = arith.subi %[[JT]], %[[WHOLE]]
// CHECK:             memref.load %[[BUF]][%[[LT]]]
// CHECK:             memref.load %[[X]][%[[I]], %[[JT]]]
// CHECK:             memref.store %{{.+}}, %[[BUF]][%[[LT]]]
// CHECK:           %[[INIT:.+]] = memref.load %[[Y]][%[[I]]]
// CHECK:           %[[R:.+]] = scf.for %[[L3:[^ ]+]] = %{{.+}} to %c16{{.*}} iter_args(%[[A:.+]] = %[[INIT]])
// CHECK:             %[[Q:.+]] = memref.load %[[BUF]][%[[L3]]]
// CHECK:             %[[A2:.+]] = arith.addf %[[A]], %[[Q]]
// CHECK:             scf.yield %[[A2]]
// CHECK:           memref.store %[[R]], %[[Y]][%[[I]]]
// CHECK-NOT:     linalg.reduce

// GPU form: a thread per (row, lane) carrying its lane in a register into a
// [rows, 16] buffer, then a thread per row combining the lanes.
// GPU-LABEL: func.func @row_sum(
// GPU:         %[[PART:.+]] = memref.alloc(%{{.+}}) : memref<?x16xf32>
// GPU:         scf.parallel (%[[I:.+]], %[[L:.+]]) =
// GPU:           %[[CH:.+]] = scf.for {{.*}} iter_args(%[[A:.+]] = %{{.+}}) -> (f32)
// GPU:             arith.addi %{{.+}}, %[[L]]
// GPU:             arith.addf
// GPU:           %[[IN:.+]] = arith.cmpi ult, %[[L]], %{{.+}}
// GPU:           %[[LAST:.+]] = scf.if %[[IN]] -> (f32)
// GPU:           memref.store %[[LAST]], %[[PART]][%[[I]], %[[L]]]
// GPU:         scf.parallel (%[[I2:.+]]) =
// GPU:           scf.for {{.*}} iter_args
// GPU:             memref.load %[[PART]][%[[I2]], %{{.+}}]
// GPU:         memref.dealloc %[[PART]]
func.func @row_sum(%x: memref<?x?xf32>, %y: memref<?xf32>) {
  linalg.reduce ins(%x : memref<?x?xf32>) outs(%y : memref<?xf32>) dimensions = [1] {sto.user_reduction}
    (%a: f32, %b: f32) {
      %s = arith.addf %a, %b : f32
      linalg.yield %s : f32
    }
  return
}

// -----

// A reduction to one element: no parallel loop on the CPU (one thread, the
// lanes a vector); on the GPU still 16 threads, then one combining them.
// CHECK-LABEL: func.func @sum_all(
// CHECK-NOT:     scf.parallel
// CHECK:         memref.alloca() : memref<16xf32>
// CHECK:         memref.store %{{.+}}, %{{.+}}[] : memref<f32>
// GPU-LABEL: func.func @sum_all(
// GPU:         memref.alloc() : memref<16xf32>
// GPU:         scf.parallel (%{{.+}}) = (%{{.+}}) to (%c16)
// GPU-NOT:     scf.parallel
// GPU:         memref.store %{{.+}}, %{{.+}}[] : memref<f32>
#v = affine_map<(d0) -> (d0)>
#s = affine_map<(d0) -> ()>
func.func @sum_all(%x: memref<100xf32>, %y: memref<f32>) {
  linalg.generic {indexing_maps = [#v, #s], iterator_types = ["reduction"]}
      ins(%x : memref<100xf32>) outs(%y : memref<f32>) attrs = {sto.user_reduction} {
  ^bb0(%a: f32, %acc: f32):
    %m = arith.mulf %a, %a : f32
    %r = arith.addf %acc, %m : f32
    linalg.yield %r : f32
  }
  return
}

// -----

// The identity of each combiner starts the lanes; the combining step uses
// the body's own op, without fast-math flags (reassoc would let LLVM change
// the documented order).
// CHECK-LABEL: func.func @identities(
// CHECK:         arith.constant 1.000000e+00 : f64
// CHECK-NOT:     fastmath
// CHECK:         arith.mulf %{{.+}}, %{{.+}} : f64
// CHECK:         arith.constant 0xFF800000 : f32
// CHECK:         arith.maximumf
// CHECK:         arith.constant 0x7F800000 : f32
// CHECK:         arith.minimumf
// CHECK:         arith.constant -2147483648 : i32
// CHECK:         arith.maxsi
// CHECK:         arith.constant -1 : i8
// CHECK:         arith.andi
// CHECK:         arith.constant 0 : i64
// CHECK:         arith.xori
// CHECK:         arith.constant 0x7FC00000 : f32
// CHECK:         arith.maxnumf
func.func @identities(%a: memref<4x40xf64>, %b: memref<4xf64>, %c: memref<4x40xf32>, %d: memref<4xf32>,
                      %e: memref<4x40xi32>, %f: memref<4xi32>, %g: memref<4x40xi8>, %h: memref<4xi8>,
                      %i: memref<4x40xi64>, %j: memref<4xi64>) {
  linalg.reduce ins(%a : memref<4x40xf64>) outs(%b : memref<4xf64>) dimensions = [1] {sto.user_reduction}
    (%x: f64, %y: f64) {
      %s = arith.mulf %x, %y fastmath<nnan> : f64
      linalg.yield %s : f64
    }
  linalg.reduce ins(%c : memref<4x40xf32>) outs(%d : memref<4xf32>) dimensions = [1] {sto.user_reduction}
    (%x: f32, %y: f32) {
      %s = arith.maximumf %x, %y : f32
      linalg.yield %s : f32
    }
  linalg.reduce ins(%c : memref<4x40xf32>) outs(%d : memref<4xf32>) dimensions = [1] {sto.user_reduction}
    (%x: f32, %y: f32) {
      %s = arith.minimumf %x, %y : f32
      linalg.yield %s : f32
    }
  linalg.reduce ins(%e : memref<4x40xi32>) outs(%f : memref<4xi32>) dimensions = [1] {sto.user_reduction}
    (%x: i32, %y: i32) {
      %s = arith.maxsi %x, %y : i32
      linalg.yield %s : i32
    }
  linalg.reduce ins(%g : memref<4x40xi8>) outs(%h : memref<4xi8>) dimensions = [1] {sto.user_reduction}
    (%x: i8, %y: i8) {
      %s = arith.andi %x, %y : i8
      linalg.yield %s : i8
    }
  linalg.reduce ins(%i : memref<4x40xi64>) outs(%j : memref<4xi64>) dimensions = [1] {sto.user_reduction}
    (%x: i64, %y: i64) {
      %s = arith.xori %x, %y : i64
      linalg.yield %s : i64
    }
  linalg.reduce ins(%c : memref<4x40xf32>) outs(%d : memref<4xf32>) dimensions = [1] {sto.user_reduction}
    (%x: f32, %y: f32) {
      %s = arith.maxnumf %x, %y : f32
      linalg.yield %s : f32
    }
  return
}

// -----

// linalg.index of the reduction loop becomes the term's index j.
// CHECK-LABEL: func.func @index_body(
// CHECK:         scf.for %[[G:[^ ]+]] = {{.*}} step %c16
// CHECK:           scf.for %[[L:[^ ]+]] =
// CHECK:             %[[J:.+]] = arith.addi %[[G]], %[[L]]
// CHECK:             arith.index_cast %[[J]] : index to i64
// CHECK-NOT:     linalg.index
#row = affine_map<(d0, d1) -> (d0, d1)>
#out = affine_map<(d0, d1) -> (d0)>
func.func @index_body(%x: memref<4x40xi64>, %y: memref<4xi64>) {
  linalg.generic {indexing_maps = [#row, #out], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<4x40xi64>) outs(%y : memref<4xi64>) attrs = {sto.user_reduction} {
  ^bb0(%a: i64, %acc: i64):
    %j = linalg.index 1 : index
    %ji = arith.index_cast %j : index to i64
    %m = arith.muli %a, %ji : i64
    %r = arith.addi %acc, %m : i64
    linalg.yield %r : i64
  }
  return
}

// -----

// Left to the usual lowering: unmarked (a sto op's own reduction), 16 terms
// or fewer, a column sum (the reduction is not the last dimension), a
// matrix product (B reads k first), a body that is not `acc (+) v`, a
// combiner that is not associative (subf), and two reduction loops read
// out of order (a transposed full sum).
// CHECK-LABEL: func.func @left_alone(
// CHECK-NOT:     scf.
// CHECK-NOT:     memref.alloca
// CHECK:         return
#row = affine_map<(d0, d1) -> (d0, d1)>
#out = affine_map<(d0, d1) -> (d0)>
#t = affine_map<(d0, d1) -> (d1, d0)>
#mA = affine_map<(i, j, k) -> (i, k)>
#mB = affine_map<(i, j, k) -> (k, j)>
#mC = affine_map<(i, j, k) -> (i, j)>
#all = affine_map<(d0, d1) -> ()>
func.func @left_alone(%x: memref<4x40xf32>, %y: memref<4xf32>, %x16: memref<4x16xf32>,
                      %cols: memref<40x4xf32>, %b: memref<40x8xf32>, %c: memref<4x8xf32>,
                      %s: memref<f32>) {
  linalg.reduce ins(%x : memref<4x40xf32>) outs(%y : memref<4xf32>) dimensions = [1]
    (%a: f32, %o: f32) {
      %r = arith.addf %a, %o : f32
      linalg.yield %r : f32
    }
  linalg.reduce ins(%x16 : memref<4x16xf32>) outs(%y : memref<4xf32>) dimensions = [1] {sto.user_reduction}
    (%a: f32, %o: f32) {
      %r = arith.addf %a, %o : f32
      linalg.yield %r : f32
    }
  linalg.generic {indexing_maps = [#t, #out], iterator_types = ["parallel", "reduction"]}
      ins(%cols : memref<40x4xf32>) outs(%y : memref<4xf32>) attrs = {sto.user_reduction} {
  ^bb0(%a: f32, %o: f32):
    %r = arith.addf %a, %o : f32
    linalg.yield %r : f32
  }
  linalg.generic {indexing_maps = [#mA, #mB, #mC], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %b : memref<4x40xf32>, memref<40x8xf32>) outs(%c : memref<4x8xf32>) attrs = {sto.user_reduction} {
  ^bb0(%a: f32, %bb: f32, %o: f32):
    %m = arith.mulf %a, %bb : f32
    %r = arith.addf %o, %m : f32
    linalg.yield %r : f32
  }
  linalg.reduce ins(%x : memref<4x40xf32>) outs(%y : memref<4xf32>) dimensions = [1] {sto.user_reduction}
    (%a: f32, %o: f32) {
      %h = arith.constant 0.5 : f32
      %r = arith.addf %a, %o : f32
      %q = arith.mulf %r, %h : f32
      linalg.yield %q : f32
    }
  linalg.reduce ins(%x : memref<4x40xf32>) outs(%y : memref<4xf32>) dimensions = [1] {sto.user_reduction}
    (%a: f32, %o: f32) {
      %r = arith.subf %o, %a : f32
      linalg.yield %r : f32
    }
  linalg.generic {indexing_maps = [#t, #all], iterator_types = ["reduction", "reduction"]}
      ins(%cols : memref<40x4xf32>) outs(%s : memref<f32>) attrs = {sto.user_reduction} {
  ^bb0(%a: f32, %o: f32):
    %r = arith.addf %a, %o : f32
    linalg.yield %r : f32
  }
  return
}

// -----

// Two reduction loops, the innermost, read in order: the 160 terms in
// row-major order. The input read along both gets a view with the two
// merged, read at term j; only the body's linalg.index of the inner loop
// needs j's position (j mod 40).
// CHECK-LABEL: func.func @two_reduction_loops(
// CHECK-SAME:      %[[X:.+]]: memref<4x40xf32>
// CHECK-DAG:     %[[C40:.+]] = arith.constant 40 : index
// CHECK-DAG:     %[[C4:.+]] = arith.constant 4 : index
// CHECK:         %[[N:.+]] = arith.muli %[[C4]], %[[C40]]
// CHECK:         %[[V:.+]] = memref.collapse_shape %[[X]] {{\[}}[0, 1]] : memref<4x40xf32> into memref<160xf32>
// CHECK:         arith.remui %[[N]], %c16
// CHECK:         scf.for %[[G:[^ ]+]] = {{.*}} step %c16
// CHECK:           scf.for %[[L:[^ ]+]] =
// CHECK:             %[[J:.+]] = arith.addi %[[G]], %[[L]]
// CHECK:             memref.load %[[V]][%[[J]]]
// CHECK:             %[[IN:.+]] = arith.remui %[[J]], %[[C40]]
// CHECK:             arith.index_cast %[[IN]]
// CHECK:           } {sto.vector_lanes}
#all2 = affine_map<(d0, d1) -> ()>
#row4 = affine_map<(d0, d1) -> (d0, d1)>
func.func @two_reduction_loops(%x: memref<4x40xf32>, %s: memref<f32>) {
  linalg.generic {indexing_maps = [#row4, #all2], iterator_types = ["reduction", "reduction"]}
      ins(%x : memref<4x40xf32>) outs(%s : memref<f32>) attrs = {sto.user_reduction} {
  ^bb0(%a: f32, %o: f32):
    %i = linalg.index 1 : index
    %ii = arith.index_cast %i : index to i32
    %f = arith.sitofp %ii : i32 to f32
    %t = arith.mulf %a, %f : f32
    %r = arith.addf %t, %o : f32
    linalg.yield %r : f32
  }
  return
}

// -----

// A fused elementwise output (a softmax's exp beside its sum) is stored once
// per term; the reduction output gets the lanes.
// CHECK-LABEL: func.func @exp_and_sum(
// CHECK-SAME:      %[[X:.+]]: memref<4x40xf32>, %[[E:.+]]: memref<4x40xf32>, %[[S:.+]]: memref<4xf32>)
// CHECK:         scf.parallel (%[[I:.+]]) =
// CHECK:           scf.for %[[G:[^ ]+]] = {{.*}} step %c16
// CHECK:             scf.for %[[L:[^ ]+]] =
// CHECK:               %[[J:.+]] = arith.addi %[[G]], %[[L]]
// CHECK:               %[[V:.+]] = math.exp
// CHECK:               %[[A:.+]] = arith.addf %[[V]], %{{.+}}
// CHECK:               memref.store %[[V]], %[[E]][%[[I]], %[[J]]]
// CHECK:               memref.store %[[A]], %{{.+}}[%[[L]]]
// CHECK:           memref.store %{{.+}}, %[[S]][%[[I]]]
#row2 = affine_map<(d0, d1) -> (d0, d1)>
#out2 = affine_map<(d0, d1) -> (d0)>
func.func @exp_and_sum(%x: memref<4x40xf32>, %e: memref<4x40xf32>, %s: memref<4xf32>) {
  linalg.generic {indexing_maps = [#row2, #row2, #out2], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<4x40xf32>) outs(%e, %s : memref<4x40xf32>, memref<4xf32>) attrs = {sto.user_reduction} {
  ^bb0(%a: f32, %o: f32, %acc: f32):
    %v = math.exp %a : f32
    %r = arith.addf %v, %acc : f32
    linalg.yield %v, %r : f32, f32
  }
  return
}

// -----

// A run-time check around the term (an index read inside the body, as
// sto-insert-shape-checks leaves it, marked sto.check_guard): the lane is
// the accumulator inside the check's then-branch.
// CHECK-LABEL: func.func @checked_read(
// CHECK:         scf.for %{{[^ ]+}} = {{.*}} step %c16
// CHECK:           scf.for %[[L:[^ ]+]] =
// CHECK:             %[[P:.+]] = memref.load %[[BUF:.+]][%[[L]]]
// CHECK:             %[[R:.+]] = scf.if
// CHECK:               arith.addf %[[P]], %{{.+}}
// CHECK:             } else {
// CHECK:             memref.store %[[R]], %[[BUF]][%[[L]]]
// CHECK:         } {sto.vector_lanes}
#row3 = affine_map<(d0, d1) -> (d0, d1)>
#out3 = affine_map<(d0, d1) -> (d0)>
func.func @checked_read(%t: memref<100xf32>, %ids: memref<4x40xindex>, %s: memref<4xf32>, %cell: memref<i32>) {
  %c0 = arith.constant 0 : index
  %c100 = arith.constant 100 : index
  %c1 = arith.constant 1 : i32
  %zero = arith.constant 0.0 : f32
  linalg.generic {indexing_maps = [#row3, #out3], iterator_types = ["parallel", "reduction"]}
      ins(%ids : memref<4x40xindex>) outs(%s : memref<4xf32>) attrs = {sto.user_reduction} {
  ^bb0(%k: index, %acc: f32):
    %ge = arith.cmpi sge, %k, %c0 : index
    %lt = arith.cmpi slt, %k, %c100 : index
    %ok = arith.andi %ge, %lt : i1
    %r = scf.if %ok -> (f32) {
      %v = memref.load %t[%k] : memref<100xf32>
      %a = arith.addf %acc, %v : f32
      scf.yield %a : f32
    } else {
      %old = memref.atomic_rmw maxs %c1, %cell[] : (i32, memref<i32>) -> i32
      scf.yield %zero : f32
    } {sto.check_guard}
    linalg.yield %r : f32
  }
  return
}

// -----

// The model's own scf.if (no sto.check_guard): acc' = x > 0 ? acc + x : 0
// is not `acc (+) v`; left to the sequential lowering.
// CHECK-LABEL: func.func @user_if(
// CHECK-NOT:     memref.alloca
// CHECK:         linalg.generic
#row5 = affine_map<(d0, d1) -> (d0, d1)>
#out5 = affine_map<(d0, d1) -> (d0)>
func.func @user_if(%x: memref<4x40xf32>, %s: memref<4xf32>) {
  %zero = arith.constant 0.0 : f32
  linalg.generic {indexing_maps = [#row5, #out5], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<4x40xf32>) outs(%s : memref<4xf32>) attrs = {sto.user_reduction} {
  ^bb0(%a: f32, %acc: f32):
    %p = arith.cmpf ogt, %a, %zero : f32
    %r = scf.if %p -> (f32) {
      %v = arith.addf %acc, %a : f32
      scf.yield %v : f32
    } else {
      scf.yield %zero : f32
    }
    linalg.yield %r : f32
  }
  return
}

// -----

// Kept unit dimensions: a constant 0 in a map (a keepdims output, a
// squeezed input) is an index of 0, and the sum takes the lane order.
// CHECK-LABEL: func.func @keepdims(
// CHECK-SAME:      %[[X:.+]]: memref<4x1x100xf32>, %[[Y:.+]]: memref<4x1xf32>)
// CHECK:         scf.parallel (%[[I:.+]]) =
// CHECK:           memref.alloca() : memref<16xf32>
// CHECK:           memref.load %[[X]][%[[I]], %[[Z:.+]], %{{.+}}]
// CHECK:           memref.load %[[Y]][%[[I]], %[[Z2:.+]]]
// CHECK:           memref.store %{{.+}}, %[[Y]][%[[I]], %[[Z2]]]
// CHECK-NOT:     linalg.generic
// A constant other than 0, or a 0 after the reduction dimensions, keeps
// the op as it is.
// CHECK-LABEL: func.func @unit_after_reduction(
// CHECK:         linalg.generic
func.func @keepdims(%x: memref<4x1x100xf32>, %y: memref<4x1xf32>) {
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, 0, j)>, affine_map<(i, j) -> (i, 0)>],
                  iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<4x1x100xf32>) outs(%y : memref<4x1xf32>) attrs = {sto.user_reduction} {
  ^bb0(%a: f32, %acc: f32):
    %s = arith.addf %acc, %a : f32
    linalg.yield %s : f32
  }
  return
}
func.func @unit_after_reduction(%x: memref<4x100x1xf32>, %y: memref<4xf32>) {
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j, 0)>, affine_map<(i, j) -> (i)>],
                  iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<4x100x1xf32>) outs(%y : memref<4xf32>) attrs = {sto.user_reduction} {
  ^bb0(%a: f32, %acc: f32):
    %s = arith.addf %acc, %a : f32
    linalg.yield %s : f32
  }
  return
}
