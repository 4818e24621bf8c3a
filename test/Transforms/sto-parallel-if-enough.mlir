// RUN: sto-opt %s --convert-scf-to-openmp --sto-parallel-if-enough -split-input-file | FileCheck %s
// RUN: sto-opt %s --convert-scf-to-openmp --sto-parallel-if-enough="min-parallel-work=64 min-parallel-ops=0" -split-input-file | FileCheck %s --check-prefix=LOW

// A dynamic row count times 8 static inner iterations: threads only from
// 1024 innermost iterations, and from 16384 iterations times the body's
// operations: here two (the store and convert-scf-to-openmp's
// memref.alloca_scope), so 8192 iterations. Each factor is clamped to the
// threshold first, so that the product cannot overflow.
// CHECK-LABEL: func.func @dynamic_rows(
// CHECK-SAME:      %[[N:[^:]+]]: index
// CHECK:         %[[CAP:.+]] = arith.constant 8192 : index
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

// -----

// A body of 20 operations reaches 16384 before 1024 iterations: the
// threshold is min-parallel-work's 1024.
// CHECK-LABEL: func.func @costly_body(
// CHECK:         arith.constant 1024 : index
// CHECK:         omp.parallel if(
func.func @costly_body(%n: index, %x: memref<?xf32>, %m: memref<?xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    %v0 = memref.load %x[%i] : memref<?xf32>
    %v1 = math.exp %v0 : f32
    %v2 = math.exp %v1 : f32
    %v3 = math.exp %v2 : f32
    %v4 = math.exp %v3 : f32
    %v5 = math.exp %v4 : f32
    %v6 = math.exp %v5 : f32
    %v7 = math.exp %v6 : f32
    %v8 = math.exp %v7 : f32
    %v9 = math.exp %v8 : f32
    %v10 = math.exp %v9 : f32
    %v11 = math.exp %v10 : f32
    %v12 = math.exp %v11 : f32
    %v13 = math.exp %v12 : f32
    %v14 = math.exp %v13 : f32
    %v15 = math.exp %v14 : f32
    %v16 = math.exp %v15 : f32
    %v17 = math.exp %v16 : f32
    memref.store %v17, %m[%i] : memref<?xf32>
  }
  return
}
