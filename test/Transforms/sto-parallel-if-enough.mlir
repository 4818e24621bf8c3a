// RUN: sto-opt %s --convert-scf-to-openmp --sto-parallel-if-enough -split-input-file | FileCheck %s
// RUN: sto-opt %s --convert-scf-to-openmp --sto-parallel-if-enough=min-parallel-work=64 -split-input-file | FileCheck %s --check-prefix=LOW

// A dynamic row count times 8 static inner iterations: threads only from
// 1024 innermost iterations (each factor clamped to the threshold first, so
// that the product cannot overflow).
// CHECK-LABEL: func.func @dynamic_rows(
// CHECK-SAME:      %[[N:[^:]+]]: index
// CHECK:         %[[CAP:.+]] = arith.constant 1024 : index
// CHECK:         %[[C8:.+]] = arith.constant 8 : index
// CHECK:         %[[SPAN:.+]] = arith.subi %[[N]], %{{.+}} : index
// CHECK:         %[[POS:.+]] = arith.maxsi %[[SPAN]], %{{.+}} : index
// CHECK:         %[[TRIPS:.+]] = arith.ceildivsi %[[POS]], %{{.+}} : index
// CHECK:         %[[T:.+]] = arith.minsi %[[TRIPS]], %[[CAP]] : index
// CHECK:         %[[W:.+]] = arith.muli %[[C8]], %[[T]] : index
// CHECK:         %[[WC:.+]] = arith.minsi %[[W]], %[[CAP]] : index
// CHECK:         %[[OK:.+]] = arith.cmpi sge, %[[WC]], %[[CAP]] : index
// CHECK:         omp.parallel if(%[[OK]]) {
// LOW-LABEL: func.func @dynamic_rows(
// LOW:         arith.constant 64 : index
// LOW:         omp.parallel if(
func.func @dynamic_rows(%n: index, %m: memref<?x8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %f = arith.constant 1.0 : f32
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    scf.for %j = %c0 to %c8 step %c1 {
      memref.store %f, %m[%i, %j] : memref<?x8xf32>
    }
  }
  return
}

// -----

// Static bounds were decided by sto-parallelize-outer-loop: no clause.
// CHECK-LABEL: func.func @static_rows(
// CHECK:         omp.parallel {
func.func @static_rows(%m: memref<4096x8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %c4096 = arith.constant 4096 : index
  %f = arith.constant 1.0 : f32
  scf.parallel (%i) = (%c0) to (%c4096) step (%c1) {
    scf.for %j = %c0 to %c8 step %c1 {
      memref.store %f, %m[%i, %j] : memref<4096x8xf32>
    }
  }
  return
}

// -----

// An inner loop of dynamic size may be large whatever the row count: no
// clause.
// CHECK-LABEL: func.func @dynamic_inner(
// CHECK:         omp.parallel {
func.func @dynamic_inner(%n: index, %k: index, %m: memref<?x?xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %f = arith.constant 1.0 : f32
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    scf.for %j = %c0 to %k step %c1 {
      memref.store %f, %m[%i, %j] : memref<?x?xf32>
    }
  }
  return
}

// -----

// Two dynamic dimensions: both counts are multiplied.
// CHECK-LABEL: func.func @two_dims(
// CHECK-COUNT-2: arith.ceildivsi
// CHECK:         omp.parallel if(
func.func @two_dims(%n: index, %p: index, %m: memref<?x?xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %f = arith.constant 1.0 : f32
  scf.parallel (%i, %j) = (%c0, %c0) to (%n, %p) step (%c1, %c1) {
    memref.store %f, %m[%i, %j] : memref<?x?xf32>
  }
  return
}
