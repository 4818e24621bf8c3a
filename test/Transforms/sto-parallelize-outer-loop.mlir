// RUN: sto-opt %s --sto-parallelize-outer-loop="min-parallel-work=0 min-parallel-ops=0" -split-input-file | FileCheck %s
// RUN: sto-opt %s --sto-parallelize-outer-loop=min-parallel-ops=0 -split-input-file | FileCheck %s --check-prefix=SMALL
// RUN: sto-opt %s --sto-parallelize-outer-loop -split-input-file | FileCheck %s --check-prefix=OPS
// RUN: sto-opt %s --sto-parallelize-outer-loop=gpu=true -split-input-file | FileCheck %s --check-prefix=GPU

// By default, a multi-dimensional scf.parallel without reductions keeps its
// first dimension parallel around scf.for loops over the others; parallel
// loops nested in another become scf.for. With gpu=true, a trailing lane
// dimension (0 to 4 step 1) becomes an scf.for and the other dimensions are
// collapsed into one; nested loops are left alone. Reductions are never
// touched.

// GPU-DAG: #[[$J:.+]] = affine_map<(d0) -> (d0 * 2 + 1)>
// GPU-DAG: #[[$STEP2:.+]] = affine_map<(d0) -> (d0 * 2)>

// The blocked sampler's [blocks, lanes] nest: blocks stay parallel, the
// lane loop of 4 becomes an scf.for inside (both modes).
// CHECK-LABEL: func.func @two_dims(
// CHECK-DAG:     %[[C0:.+]] = arith.constant 0 : index
// CHECK-DAG:     %[[C1:.+]] = arith.constant 1 : index
// CHECK-DAG:     %[[C4:.+]] = arith.constant 4 : index
// CHECK-DAG:     %[[C256:.+]] = arith.constant 256 : index
// CHECK:         scf.parallel (%[[I:.+]]) = (%[[C0]]) to (%[[C256]]) step (%[[C1]]) {
// CHECK-NEXT:      scf.for %[[J:.+]] = %[[C0]] to %[[C4]] step %[[C1]] {
// CHECK-NEXT:        %[[V:.+]] = memref.load %{{.+}}[%[[I]], %[[J]]]
// CHECK-NEXT:        memref.store %[[V]], %{{.+}}[%[[I]], %[[J]]]
// CHECK-NEXT:      }
// CHECK-NEXT:      scf.reduce
// CHECK-NEXT:    }
// CHECK-NEXT:    return
// GPU-LABEL:   func.func @two_dims(
// GPU:           scf.parallel (%[[I:.+]]) = (%{{.+}}) to (%{{.+}}) step (%{{.+}}) {
// GPU-NEXT:        scf.for %[[J:.+]] = %{{.+}} to %{{.+}} step %{{.+}} {
// GPU-NEXT:          %[[V:.+]] = memref.load %{{.+}}[%[[I]], %[[J]]]
// GPU-NEXT:          memref.store %[[V]], %{{.+}}[%[[I]], %[[J]]]
// GPU-NEXT:        }
// GPU-NEXT:        scf.reduce
func.func @two_dims(%x: memref<256x4xf32>, %y: memref<256x4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c256 = arith.constant 256 : index
  scf.parallel (%i, %j) = (%c0, %c0) to (%c256, %c4) step (%c1, %c1) {
    %v = memref.load %x[%i, %j] : memref<256x4xf32>
    memref.store %v, %y[%i, %j] : memref<256x4xf32>
    scf.reduce
  }
  return
}

// Only the first dimension stays parallel; the others become loops
// with their own bounds and steps, in order. With gpu=true, the lane dimension (0 to
// 4 step 1) becomes the loop and the other two are collapsed into one
// normalized dimension (8 x 8 iterations), delinearized in the body.
// CHECK-LABEL: func.func @three_dims(
// CHECK-DAG:     %[[C0:.+]] = arith.constant 0 : index
// CHECK-DAG:     %[[C1:.+]] = arith.constant 1 : index
// CHECK-DAG:     %[[C2:.+]] = arith.constant 2 : index
// CHECK-DAG:     %[[C4:.+]] = arith.constant 4 : index
// CHECK-DAG:     %[[C8:.+]] = arith.constant 8 : index
// CHECK-DAG:     %[[C16:.+]] = arith.constant 16 : index
// CHECK:         scf.parallel (%[[I:.+]]) = (%[[C0]]) to (%[[C8]]) step (%[[C1]]) {
// CHECK-NEXT:      scf.for %[[J:.+]] = %[[C1]] to %[[C16]] step %[[C2]] {
// CHECK-NEXT:        scf.for %[[K:.+]] = %[[C0]] to %[[C4]] step %[[C1]] {
// CHECK-NEXT:          memref.load %{{.+}}[%[[I]], %[[J]], %[[K]]]
// CHECK-NEXT:          memref.store %{{.+}}[%[[I]], %[[J]], %[[K]]]
// GPU-LABEL:   func.func @three_dims(
// GPU-DAG:       %[[C4:.+]] = arith.constant 4 : index
// GPU:           arith.muli
// GPU-NEXT:      %[[N:.+]] = arith.muli %{{.+}}, %{{.+}} : index
// GPU-NEXT:      scf.parallel (%[[T:.+]]) = (%{{.+}}) to (%[[N]]) step (%{{.+}}) {
// GPU-NEXT:        %[[R:.+]] = arith.remsi %[[T]], %[[C8:.+]] : index
// GPU-NEXT:        %[[I:.+]] = arith.divsi %[[T]], %[[C8]] : index
// GPU-NEXT:        %[[J:.+]] = affine.apply #[[$J]](%[[R]])
// GPU-NEXT:        scf.for %[[K:.+]] = %{{.+}} to %[[C4]] step %{{.+}} {
// GPU-NEXT:          memref.load %{{.+}}[%[[I]], %[[J]], %[[K]]]
// GPU-NOT:       scf.parallel
// GPU:           return
func.func @three_dims(%x: memref<8x16x4xf32>, %y: memref<8x16x4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  %c16 = arith.constant 16 : index
  scf.parallel (%i, %j, %k) = (%c0, %c1, %c0) to (%c8, %c16, %c4) step (%c1, %c2, %c1) {
    %v = memref.load %x[%i, %j, %k] : memref<8x16x4xf32>
    memref.store %v, %y[%i, %j, %k] : memref<8x16x4xf32>
    scf.reduce
  }
  return
}

// One dimension: nothing to do (both modes).
// CHECK-LABEL: func.func @one_dim(
// CHECK:         scf.parallel (%{{.+}}) = (%{{.+}}) to (%{{.+}}) step (%{{.+}}) {
// CHECK-NEXT:      memref.store
// CHECK-NEXT:      scf.reduce
// GPU-LABEL:   func.func @one_dim(
// GPU:           scf.parallel (%{{.+}}) = (%{{.+}}) to (%{{.+}}) step (%{{.+}}) {
// GPU-NEXT:        memref.store
// GPU-NEXT:        scf.reduce
func.func @one_dim(%x: memref<?xf32>, %n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %cst = arith.constant 0.0 : f32
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    memref.store %cst, %x[%i] : memref<?xf32>
    scf.reduce
  }
  return
}

// Reductions keep their multi-dimensional scf.parallel on the CPU (OpenMP
// reduces them). The GPU mapping has no reductions ("failed to legalize
// unresolved materialization"): there they become loops carrying the
// accumulator, the combining region applied in iteration order (they then
// run in a one-thread kernel).
// CHECK-LABEL: func.func @reduction(
// CHECK-NOT:     scf.for
// CHECK:         scf.parallel (%{{.+}}, %{{.+}}) = (%{{.+}}, %{{.+}}) to (%{{.+}}, %{{.+}}) step (%{{.+}}, %{{.+}}) init (%{{.+}}) -> f32 {
// CHECK:           scf.reduce(%{{.+}} : f32) {
// CHECK-NOT:     scf.for
// CHECK:         return
// GPU-LABEL:   func.func @reduction(
// GPU-NOT:       scf.parallel
// GPU:           %[[S:.+]] = scf.for %[[I:.+]] = %{{.+}} to %{{.+}} step %{{.+}} iter_args(%[[A:.+]] = %{{.+}}) -> (f32) {
// GPU-NEXT:        %[[T:.+]] = scf.for %[[J:.+]] = %{{.+}} to %{{.+}} step %{{.+}} iter_args(%[[B:.+]] = %[[A]]) -> (f32) {
// GPU-NEXT:          %[[V:.+]] = memref.load %{{.+}}[%[[I]], %[[J]]]
// GPU-NEXT:          %[[SUM:.+]] = arith.addf %[[B]], %[[V]] : f32
// GPU-NEXT:          scf.yield %[[SUM]] : f32
// GPU-NEXT:        }
// GPU-NEXT:        scf.yield %[[T]] : f32
// GPU-NEXT:      }
// GPU-NOT:       scf.parallel
// GPU:           return %[[S]]
func.func @reduction(%x: memref<8x4xf32>) -> f32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  %zero = arith.constant 0.0 : f32
  %s = scf.parallel (%i, %j) = (%c0, %c0) to (%c8, %c4) step (%c1, %c1) init (%zero) -> f32 {
    %v = memref.load %x[%i, %j] : memref<8x4xf32>
    scf.reduce(%v : f32) {
    ^bb0(%a: f32, %b: f32):
      %t = arith.addf %a, %b : f32
      scf.reduce.return %t : f32
    }
  }
  return %s : f32
}

// A parallel loop inside another (a loop between them) runs inside one
// thread: it becomes a loop, in both modes (on the GPU the outer loop is
// then the one tiled into thread blocks).
// CHECK-LABEL: func.func @nested(
// CHECK:         scf.parallel (%[[I:.+]]) =
// CHECK-NEXT:      scf.for %[[B:.+]] =
// CHECK-NEXT:        scf.for %[[L:.+]] = %{{.+}} to %{{.+}} step
// CHECK-NEXT:          memref.load %{{.+}}[%[[I]], %[[B]], %[[L]]]
// CHECK-NEXT:          memref.store %{{.+}}, %{{.+}}[%[[I]], %[[L]]]
// CHECK-NEXT:        }
// CHECK-NEXT:      }
// CHECK-NEXT:      scf.reduce
// GPU-LABEL:   func.func @nested(
// GPU:           scf.parallel
// GPU-NEXT:        scf.for
// GPU-NEXT:          scf.for
// GPU-NOT:       scf.parallel
// GPU:           return
func.func @nested(%x: memref<8x16x4xf32>, %y: memref<8x4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  %c16 = arith.constant 16 : index
  scf.parallel (%i) = (%c0) to (%c8) step (%c1) {
    scf.for %b = %c0 to %c16 step %c1 {
      scf.parallel (%l) = (%c0) to (%c4) step (%c1) {
        %v = memref.load %x[%i, %b, %l] : memref<8x16x4xf32>
        memref.store %v, %y[%i, %l] : memref<8x4xf32>
        scf.reduce
      }
    }
    scf.reduce
  }
  return
}

// A nested multi-dimensional parallel loop becomes one loop per dimension,
// inside the outer nest (itself reduced to one parallel dimension).
// CHECK-LABEL: func.func @nested_2d(
// CHECK:         scf.parallel (%[[I:.+]]) =
// CHECK-NEXT:      scf.for %[[J:.+]] =
// CHECK-NEXT:        scf.for %[[L:.+]] =
// CHECK-NEXT:          scf.for %[[M:.+]] =
// CHECK-NEXT:            memref.store %{{.+}}, %{{.+}}[%[[I]], %[[J]], %[[L]]]
// CHECK-NOT:     scf.parallel
// CHECK:         return
// GPU-LABEL:   func.func @nested_2d(
// GPU:           scf.parallel (%{{[^,]+}}) =
// GPU:             scf.for
// GPU-NEXT:          scf.for
// GPU-NOT:       scf.parallel
// GPU:           return
func.func @nested_2d(%x: memref<8x16x4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  %c16 = arith.constant 16 : index
  %cst = arith.constant 0.0 : f32
  scf.parallel (%i, %j) = (%c0, %c0) to (%c8, %c16) step (%c1, %c1) {
    scf.parallel (%l, %m) = (%c0, %c0) to (%c4, %c4) step (%c1, %c1) {
      memref.store %cst, %x[%i, %j, %l] : memref<8x16x4xf32>
      scf.reduce
    }
    scf.reduce
  }
  return
}

// A nested parallel loop with a reduction stays a reduction (both modes).
// CHECK-LABEL: func.func @nested_reduction(
// CHECK:         scf.parallel (%{{.+}}) =
// CHECK-NEXT:      scf.parallel (%{{.+}}) = {{.*}} init (%{{.+}}) -> f32 {
// CHECK-NOT:     scf.for
// CHECK:         return
// GPU-LABEL:   func.func @nested_reduction(
// GPU:           scf.parallel (%{{.+}}) =
// GPU-NEXT:        scf.parallel (%{{.+}}) = {{.*}} init (%{{.+}}) -> f32 {
func.func @nested_reduction(%x: memref<8x4xf32>, %y: memref<8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  %zero = arith.constant 0.0 : f32
  scf.parallel (%i) = (%c0) to (%c8) step (%c1) {
    %s = scf.parallel (%j) = (%c0) to (%c4) step (%c1) init (%zero) -> f32 {
      %v = memref.load %x[%i, %j] : memref<8x4xf32>
      scf.reduce(%v : f32) {
      ^bb0(%a: f32, %b: f32):
        %t = arith.addf %a, %b : f32
        scf.reduce.return %t : f32
      }
    }
    memref.store %s, %y[%i] : memref<8xf32>
    scf.reduce
  }
  return
}

// A trailing dimension of step 2 is no lane dimension: gpu=true collapses it with
// the first (8 x 4 iterations) instead of making it a loop.
// CHECK-LABEL: func.func @not_lanes(
// CHECK:         scf.parallel
// CHECK-NEXT:      scf.for %{{.+}} = %{{.+}} to %{{.+}} step %[[C2:.+]] {
// GPU-LABEL:   func.func @not_lanes(
// GPU-NOT:       scf.for
// GPU:           arith.muli
// GPU-NEXT:      %[[N:.+]] = arith.muli %{{.+}}, %[[C4:.+]] : index
// GPU-NEXT:      scf.parallel (%[[T:.+]]) = (%{{.+}}) to (%[[N]]) step (%{{.+}}) {
// GPU-NEXT:        %[[R:.+]] = arith.remsi %[[T]], %[[C4]] : index
// GPU-NEXT:        %[[I:.+]] = arith.divsi %[[T]], %[[C4]] : index
// GPU-NEXT:        %[[J:.+]] = affine.apply #[[$STEP2]](%[[R]])
// GPU-NEXT:        memref.store %{{.+}}, %{{.+}}[%[[I]], %[[J]]]
// GPU-NOT:       scf.for
// GPU:           return
func.func @not_lanes(%x: memref<8x8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c8 = arith.constant 8 : index
  %cst = arith.constant 0.0 : f32
  scf.parallel (%i, %j) = (%c0, %c0) to (%c8, %c8) step (%c1, %c2) {
    memref.store %cst, %x[%i, %j] : memref<8x8xf32>
    scf.reduce
  }
  return
}

// -----

// With the default min-parallel-work (1024), a nest of 16 x 16 iterations
// runs on one thread; 64 x 32 (2048) and a dynamic trip count stay
// parallel. The count includes the loops nested in the body.

// SMALL-LABEL: func.func @small_nest
// SMALL-NOT:     scf.parallel
// SMALL:         scf.for
// SMALL:           scf.for
// SMALL:             memref.store
// SMALL-LABEL: func.func @large_nest
// SMALL:         scf.parallel
// SMALL-NEXT:      scf.for %{{.*}} = %{{.*}} to %{{.*}} step
// SMALL-LABEL: func.func @dynamic_nest
// SMALL:         scf.parallel
// Trip counts whose product overflows int64 (and bounds whose difference
// does) count as large work, without overflow (UBSan runs this test).
// SMALL-LABEL: func.func @overflowing_nest
// SMALL:         scf.parallel
// SMALL-LABEL: func.func @small_outer_large_inner
// SMALL:         scf.parallel
func.func @small_nest(%m: memref<16x16xf32>, %v: f32) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c16 = arith.constant 16 : index
  scf.parallel (%i, %j) = (%c0, %c0) to (%c16, %c16) step (%c1, %c1) {
    memref.store %v, %m[%i, %j] : memref<16x16xf32>
  }
  return
}
func.func @large_nest(%m: memref<64x32xf32>, %v: f32) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c32 = arith.constant 32 : index
  %c64 = arith.constant 64 : index
  scf.parallel (%i, %j) = (%c0, %c0) to (%c64, %c32) step (%c1, %c1) {
    memref.store %v, %m[%i, %j] : memref<64x32xf32>
  }
  return
}
func.func @dynamic_nest(%m: memref<?xf32>, %n: index, %v: f32) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    memref.store %v, %m[%i] : memref<?xf32>
  }
  return
}
func.func @overflowing_nest(%m: memref<?x?xf32>, %v: f32) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %big = arith.constant 4611686018427387904 : index
  %low = arith.constant -9223372036854775807 : index
  %high = arith.constant 9223372036854775807 : index
  scf.parallel (%i, %j) = (%c0, %c0) to (%c4, %big) step (%c1, %c1) {
    scf.for %k = %low to %high step %c1 {
      memref.store %v, %m[%i, %j] : memref<?x?xf32>
    }
  }
  return
}
func.func @small_outer_large_inner(%m: memref<4x4096xf32>, %v: f32) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c4096 = arith.constant 4096 : index
  scf.parallel (%i) = (%c0) to (%c4) step (%c1) {
    scf.for %j = %c0 to %c4096 step %c1 {
      memref.store %v, %m[%i, %j] : memref<4x4096xf32>
    }
  }
  return
}

// -----

// With the default min-parallel-ops (16384), iterations times the body's
// operations (not loops, constants or terminators) count too: a fill of
// 64 x 32 (2048 x 1) runs on one thread, an add over the same nest (2048 x 4:
// two loads, the add, the store) too, and 2048 x 8 (16384) stays parallel.
// A nest without static trip counts stays parallel (sto-parallel-if-enough
// decides at run time).
// OPS-LABEL: func.func @fill_2048
// OPS-NOT:     scf.parallel
// OPS:         scf.for
// OPS-LABEL: func.func @add_2048
// OPS-NOT:     scf.parallel
// OPS:         scf.for
// OPS-LABEL: func.func @eight_ops_2048
// OPS:         scf.parallel
// OPS-NEXT:      scf.for
// OPS-LABEL: func.func @dynamic_fill
// OPS:         scf.parallel
func.func @fill_2048(%m: memref<64x32xf32>, %v: f32) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c32 = arith.constant 32 : index
  %c64 = arith.constant 64 : index
  scf.parallel (%i, %j) = (%c0, %c0) to (%c64, %c32) step (%c1, %c1) {
    memref.store %v, %m[%i, %j] : memref<64x32xf32>
  }
  return
}
func.func @add_2048(%a: memref<64x32xf32>, %b: memref<64x32xf32>,
                    %m: memref<64x32xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c32 = arith.constant 32 : index
  %c64 = arith.constant 64 : index
  scf.parallel (%i, %j) = (%c0, %c0) to (%c64, %c32) step (%c1, %c1) {
    %x = memref.load %a[%i, %j] : memref<64x32xf32>
    %y = memref.load %b[%i, %j] : memref<64x32xf32>
    %s = arith.addf %x, %y : f32
    memref.store %s, %m[%i, %j] : memref<64x32xf32>
  }
  return
}
func.func @eight_ops_2048(%a: memref<64x32xf32>, %m: memref<64x32xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c32 = arith.constant 32 : index
  %c64 = arith.constant 64 : index
  scf.parallel (%i, %j) = (%c0, %c0) to (%c64, %c32) step (%c1, %c1) {
    %x = memref.load %a[%i, %j] : memref<64x32xf32>
    %e = math.exp %x : f32
    %l = math.log %e : f32
    %s = math.sin %l : f32
    %c = math.cos %s : f32
    %t = math.tanh %c : f32
    %q = math.sqrt %t : f32
    memref.store %q, %m[%i, %j] : memref<64x32xf32>
  }
  return
}
func.func @dynamic_fill(%m: memref<?xf32>, %n: index, %v: f32) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    memref.store %v, %m[%i] : memref<?xf32>
  }
  return
}

// -----

// On the CPU a reduction OpenMP cannot combine (a max) becomes loops
// carrying the accumulator; a sum keeps its scf.parallel (@reduction).
// CHECK-LABEL: func.func @max_reduction(
// CHECK-NOT:     scf.parallel
// CHECK:         scf.for %{{.+}} iter_args(%[[A:.+]] = %{{.+}}) -> (f32) {
// CHECK:           arith.maximumf %[[A]], %{{.+}} : f32
// CHECK-NOT:     scf.parallel
// CHECK:         return
func.func @max_reduction(%x: memref<?xf32>, %n: index) -> f32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %low = arith.constant -1.0e+30 : f32
  %s = scf.parallel (%i) = (%c0) to (%n) step (%c1) init (%low) -> f32 {
    %v = memref.load %x[%i] : memref<?xf32>
    scf.reduce(%v : f32) {
    ^bb0(%a: f32, %b: f32):
      %t = arith.maximumf %a, %b : f32
      scf.reduce.return %t : f32
    }
  }
  return %s : f32
}
