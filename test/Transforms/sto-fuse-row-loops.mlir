// RUN: sto-opt %s --sto-fuse-row-loops -split-input-file | FileCheck %s

// A softmax's loops over rows: the max's init, the max (a lane loop), and
// the division by it. Every buffer they share is touched at the loop's own
// row: one loop, the bodies in their order, constants moved before it.
// CHECK-LABEL: func.func @softmax_like(
// CHECK:         arith.constant 2.0
// CHECK:         scf.parallel (%[[I:.+]]) =
// CHECK:           memref.store %{{.+}}, %[[M:.+]][%[[I]]]
// CHECK:           scf.for
// CHECK:           } {sto.vector_lanes}
// CHECK:           scf.for %[[J:.+]] =
// CHECK:             memref.load %[[M]][%[[I]]]
// CHECK:             arith.mulf
// CHECK-NOT:     scf.parallel
// CHECK:         return
func.func @softmax_like(%x: memref<8x64xf32>, %y: memref<8x64xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %c16 = arith.constant 16 : index
  %c64 = arith.constant 64 : index
  %low = arith.constant 0xFF800000 : f32
  %m = memref.alloc() : memref<8xf32>
  scf.parallel (%i) = (%c0) to (%c8) step (%c1) {
    memref.store %low, %m[%i] : memref<8xf32>
    scf.reduce
  }
  scf.parallel (%i) = (%c0) to (%c8) step (%c1) {
    %buf = memref.alloca() : memref<16xf32>
    scf.for %c = %c0 to %c64 step %c16 {
      scf.for %l = %c0 to %c16 step %c1 {
        %j = arith.addi %c, %l : index
        %a = memref.load %buf[%l] : memref<16xf32>
        %v = memref.load %x[%i, %j] : memref<8x64xf32>
        %s = arith.maximumf %a, %v : f32
        memref.store %s, %buf[%l] : memref<16xf32>
      } {sto.vector_lanes}
    }
    %p = memref.load %buf[%c0] : memref<16xf32>
    memref.store %p, %m[%i] : memref<8xf32>
    scf.reduce
  }
  %two = arith.constant 2.0 : f32
  scf.parallel (%i) = (%c0) to (%c8) step (%c1) {
    scf.for %j = %c0 to %c64 step %c1 {
      %v = memref.load %m[%i] : memref<8xf32>
      %w = arith.mulf %v, %two : f32
      memref.store %w, %y[%i, %j] : memref<8x64xf32>
    }
    scf.reduce
  }
  memref.dealloc %m : memref<8xf32>
  return
}

// -----

// Left alone: the second loop reads another row of what the first writes.
// CHECK-LABEL: func.func @other_row(
// CHECK-COUNT-2: scf.parallel
func.func @other_row(%x: memref<8x64xf32>, %y: memref<8xf32>, %cell: memref<i32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c7 = arith.constant 7 : index
  %c8 = arith.constant 8 : index
  %c16 = arith.constant 16 : index
  %m = memref.alloc() : memref<8xf32>
  scf.parallel (%i) = (%c0) to (%c8) step (%c1) {
    %buf = memref.alloca() : memref<16xf32>
    scf.for %l = %c0 to %c16 step %c1 {
      %v = memref.load %x[%i, %l] : memref<8x64xf32>
      memref.store %v, %buf[%l] : memref<16xf32>
    } {sto.vector_lanes}
    %p = memref.load %buf[%c0] : memref<16xf32>
    memref.store %p, %m[%i] : memref<8xf32>
    scf.reduce
  }
  scf.parallel (%i) = (%c0) to (%c7) step (%c1) {
    %k = arith.addi %i, %c1 : index
    %v = memref.load %m[%k] : memref<8xf32>
    memref.store %v, %y[%i] : memref<8xf32>
    scf.reduce
  }
  memref.dealloc %m : memref<8xf32>
  return
}

// -----

// Left alone: row-local, but neither holds a lane reduction.
// CHECK-LABEL: func.func @no_lane_loop(
// CHECK-COUNT-2: scf.parallel
func.func @no_lane_loop(%x: memref<8x64xf32>, %y: memref<8xf32>, %cell: memref<i32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c7 = arith.constant 7 : index
  %c8 = arith.constant 8 : index
  %c16 = arith.constant 16 : index
  %m = memref.alloc() : memref<8xf32>
  scf.parallel (%i) = (%c0) to (%c8) step (%c1) {
    %v = memref.load %x[%i, %c0] : memref<8x64xf32>
    memref.store %v, %m[%i] : memref<8xf32>
    scf.reduce
  }
  scf.parallel (%i) = (%c0) to (%c8) step (%c1) {
    %v = memref.load %m[%i] : memref<8xf32>
    memref.store %v, %y[%i] : memref<8xf32>
    scf.reduce
  }
  memref.dealloc %m : memref<8xf32>
  return
}

// -----

// Left alone: other bounds.
// CHECK-LABEL: func.func @other_bounds(
// CHECK-COUNT-2: scf.parallel
func.func @other_bounds(%x: memref<8x64xf32>, %y: memref<8xf32>, %cell: memref<i32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c7 = arith.constant 7 : index
  %c8 = arith.constant 8 : index
  %c16 = arith.constant 16 : index
  %m = memref.alloc() : memref<8xf32>
  scf.parallel (%i) = (%c0) to (%c8) step (%c1) {
    %buf = memref.alloca() : memref<16xf32>
    scf.for %l = %c0 to %c16 step %c1 {
      %v = memref.load %x[%i, %l] : memref<8x64xf32>
      memref.store %v, %buf[%l] : memref<16xf32>
    } {sto.vector_lanes}
    %p = memref.load %buf[%c0] : memref<16xf32>
    memref.store %p, %m[%i] : memref<8xf32>
    scf.reduce
  }
  scf.parallel (%i) = (%c0) to (%c7) step (%c1) {
    %v = memref.load %m[%i] : memref<8xf32>
    memref.store %v, %y[%i] : memref<8xf32>
    scf.reduce
  }
  memref.dealloc %m : memref<8xf32>
  return
}

// -----

// Left alone: a run-time check's atomic in the second loop.
// CHECK-LABEL: func.func @check_atomic(
// CHECK-COUNT-2: scf.parallel
func.func @check_atomic(%x: memref<8x64xf32>, %y: memref<8xf32>, %cell: memref<i32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c7 = arith.constant 7 : index
  %c8 = arith.constant 8 : index
  %c16 = arith.constant 16 : index
  %m = memref.alloc() : memref<8xf32>
  scf.parallel (%i) = (%c0) to (%c8) step (%c1) {
    %buf = memref.alloca() : memref<16xf32>
    scf.for %l = %c0 to %c16 step %c1 {
      %v = memref.load %x[%i, %l] : memref<8x64xf32>
      memref.store %v, %buf[%l] : memref<16xf32>
    } {sto.vector_lanes}
    %p = memref.load %buf[%c0] : memref<16xf32>
    memref.store %p, %m[%i] : memref<8xf32>
    scf.reduce
  }
  %one = arith.constant 1 : i32
  scf.parallel (%i) = (%c0) to (%c8) step (%c1) {
    %v = memref.load %m[%i] : memref<8xf32>
    memref.store %v, %y[%i] : memref<8xf32>
    %old = memref.atomic_rmw maxs %one, %cell[] : (i32, memref<i32>) -> i32
    scf.reduce
  }
  memref.dealloc %m : memref<8xf32>
  return
}
