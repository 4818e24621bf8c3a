// RUN: sto-opt %s --sto-tile-outer-reduction -split-input-file | FileCheck %s
// RUN: sto-opt %s --sto-tile-outer-reduction="runs-per-tile=1 row-block=1" -split-input-file | FileCheck %s --check-prefix=RUNS
// RUN: sto-opt %s --sto-tile-outer-reduction=gpu=true -split-input-file | FileCheck %s --check-prefix=GPU

// A column sum: tiles of two runs of 256 columns as the parallel loop; in a
// tile, blocks of 4 rows around the runs, and in a block the run's columns
// outside its rows (each partial sum then stays in a register down the
// block). Every column still sums its rows in increasing order.
// CHECK-DAG:   #[[ROWS:.+]] = affine_map<(d0, d1) -> (d1, d0)>
// CHECK-DAG:   #[[COL:.+]] = affine_map<(d0, d1) -> (d0)>
// CHECK-LABEL: func.func @col_sum(
// CHECK-SAME:      %[[X:.+]]: memref<8192x1024xf32>, %[[Y:.+]]: memref<1024xf32>)
// CHECK:         scf.parallel (%[[J:.+]]) = (%{{.+}}) to (%{{.+}}) step (%c512{{.*}})
// CHECK:           %[[XT:.+]] = memref.subview %[[X]][0, %[[J]]] [8192, 512] [1, 1]
// CHECK:           %[[YT:.+]] = memref.subview %[[Y]][%[[J]]] [512] [1]
// CHECK:           scf.for %[[R:.+]] = %{{.+}} to %{{.+}} step %c4
// CHECK-NEXT:        scf.for %[[C:.+]] = %{{.+}} to %{{.+}} step %c256
// CHECK-NEXT:          %[[XB:.+]] = memref.subview %[[XT]][%[[R]], %[[C]]] [4, 256] [1, 1]
// CHECK-NEXT:          %[[YB:.+]] = memref.subview %[[YT]][%[[C]]] [256] [1]
// CHECK-NEXT:          linalg.generic {indexing_maps = [#[[ROWS]], #[[COL]]], iterator_types = ["parallel", "reduction"]} ins(%[[XB]] : {{.*}}) outs(%[[YB]] : {{.*}})
// RUNS-LABEL: func.func @col_sum(
// RUNS-SAME:      %[[X:.+]]: memref<8192x1024xf32>, %[[Y:.+]]: memref<1024xf32>)
// RUNS:         scf.parallel (%[[J:.+]]) = (%{{.+}}) to (%{{.+}}) step (%c256{{.*}})
// RUNS:           %[[XV:.+]] = memref.subview %[[X]][0, %[[J]]] [8192, 256] [1, 1]
// RUNS:           %[[YV:.+]] = memref.subview %[[Y]][%[[J]]] [256] [1]
// RUNS:           linalg.reduce ins(%[[XV]] : {{.*}}) outs(%[[YV]] : {{.*}}) dimensions = [0]
// GPU-LABEL: func.func @col_sum(
// GPU:         scf.parallel (%{{.+}}) = (%{{.+}}) to (%{{.+}}) step (%c1{{.*}})
// GPU:           linalg.reduce {{.*}} dimensions = [0]
func.func @col_sum(%x: memref<8192x1024xf32>, %y: memref<1024xf32>) {
  linalg.reduce ins(%x : memref<8192x1024xf32>) outs(%y : memref<1024xf32>) dimensions = [0]
    (%a: f32, %b: f32) {
      %s = arith.addf %a, %b : f32
      linalg.yield %s : f32
    }
  return
}

// -----

// The first parallel loop is not the innermost: one index per tile.
// CHECK-LABEL: func.func @batch_sum(
// CHECK:         scf.parallel (%[[I:.+]]) = (%{{.+}}) to (%{{.+}}) step (%c1{{.*}})
// CHECK:           memref.subview %{{.+}}[0, %[[I]], 0] [37, 1, 70] [1, 1, 1]
// CHECK:           linalg.reduce
func.func @batch_sum(%x: memref<37x3x70xf32>, %y: memref<3x70xf32>) {
  linalg.reduce ins(%x : memref<37x3x70xf32>) outs(%y : memref<3x70xf32>) dimensions = [0]
    (%a: f32, %b: f32) {
      %s = arith.addf %a, %b : f32
      linalg.yield %s : f32
    }
  return
}

// -----

// A parallel loop first (a row sum, a matmul after interchange) or no
// parallel loop at all: nothing to do.
// CHECK-LABEL: func.func @left_alone(
// CHECK-NOT:     scf.parallel
// CHECK:         return
func.func @left_alone(%x: memref<64x100xf32>, %y: memref<64xf32>, %s: memref<f32>, %v: memref<100xf32>) {
  linalg.reduce ins(%x : memref<64x100xf32>) outs(%y : memref<64xf32>) dimensions = [1]
    (%a: f32, %b: f32) {
      %r = arith.addf %a, %b : f32
      linalg.yield %r : f32
    }
  linalg.reduce ins(%v : memref<100xf32>) outs(%s : memref<f32>) dimensions = [0]
    (%a: f32, %b: f32) {
      %r = arith.addf %a, %b : f32
      linalg.yield %r : f32
    }
  return
}
