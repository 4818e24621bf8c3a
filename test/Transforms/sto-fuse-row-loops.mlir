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

// -----

// A sampler summed by rows: the sampler's loop writes a temporary in blocks
// [8, 16, 4], the lane reduction reads it collapsed to [8, 64] (the leading
// dimension stays the row). The fill of the output moves before the first
// loop, the loops fuse, and the temporary becomes a stack buffer of one row.
// CHECK-LABEL: func.func @sampler_row_sum(
// CHECK-NOT:     memref.alloc()
// CHECK:         scf.for
// CHECK:           memref.store %{{.+}}, %[[OUT:.+]][%{{.+}}] : memref<8xf32>
// CHECK:         scf.parallel (%[[I:.+]]) =
// CHECK:           %[[ROW:.+]] = memref.alloca() {alignment = 64 : i64} : memref<1x16x4xf32>
// CHECK:           %[[FLAT:.+]] = memref.collapse_shape %[[ROW]] {{\[}}[0], [1, 2]] : memref<1x16x4xf32> into memref<1x64xf32>
// CHECK:           memref.store %{{.+}}, %[[ROW]][%[[C0:.+]], %{{.+}}, %{{.+}}] : memref<1x16x4xf32>
// CHECK:           memref.load %[[FLAT]][%[[C0]], %{{.+}}] : memref<1x64xf32>
// CHECK:           } {sto.vector_lanes}
// CHECK:           memref.store %{{.+}}, %[[OUT]][%[[I]]]
// CHECK-NOT:     scf.parallel
// CHECK-NOT:     memref.dealloc
// CHECK:         return
func.func @sampler_row_sum(%out: memref<8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  %c16 = arith.constant 16 : index
  %c64 = arith.constant 64 : index
  %zero = arith.constant 0.0 : f32
  %t = memref.alloc() {alignment = 64 : i64} : memref<8x16x4xf32>
  scf.parallel (%i) = (%c0) to (%c8) step (%c1) {
    scf.for %b = %c0 to %c16 step %c1 {
      scf.for %l = %c0 to %c4 step %c1 {
        %n = arith.index_cast %l : index to i32
        %v = arith.sitofp %n : i32 to f32
        memref.store %v, %t[%i, %b, %l] : memref<8x16x4xf32>
      }
    }
    scf.reduce
  }
  %flat = memref.collapse_shape %t [[0], [1, 2]] : memref<8x16x4xf32> into memref<8x64xf32>
  scf.for %i = %c0 to %c8 step %c1 {
    memref.store %zero, %out[%i] : memref<8xf32>
  }
  scf.parallel (%i) = (%c0) to (%c8) step (%c1) {
    %buf = memref.alloca() : memref<16xf32>
    scf.for %c = %c0 to %c64 step %c16 {
      scf.for %l = %c0 to %c16 step %c1 {
        %j = arith.addi %c, %l : index
        %a = memref.load %buf[%l] : memref<16xf32>
        %v = memref.load %flat[%i, %j] : memref<8x64xf32>
        %s = arith.addf %a, %v : f32
        memref.store %s, %buf[%l] : memref<16xf32>
      } {sto.vector_lanes}
    }
    %p = memref.load %buf[%c0] : memref<16xf32>
    %o = memref.load %out[%i] : memref<8xf32>
    %q = arith.addf %o, %p : f32
    memref.store %q, %out[%i] : memref<8xf32>
    scf.reduce
  }
  memref.dealloc %t : memref<8x16x4xf32>
  return
}

// -----

// The temporary's null check (sto-compile's runtime allocator) goes with
// it: the guard's condition becomes true.
// CHECK-LABEL: func.func @checked_temporary(
// CHECK-NOT:     memref.alloc()
// CHECK-NOT:     extract_aligned_pointer_as_index
// CHECK:         %[[TRUE:.+]] = arith.constant true
// CHECK:         scf.if %[[TRUE]]
// CHECK:           scf.parallel
// CHECK:             memref.alloca() {alignment = 64 : i64} : memref<1x64xf32>
// CHECK-NOT:       scf.parallel
func.func @checked_temporary(%x: memref<8x64xf32>, %out: memref<8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %c16 = arith.constant 16 : index
  %c64 = arith.constant 64 : index
  %t = memref.alloc() {alignment = 64 : i64} : memref<8x64xf32>
  %p = memref.extract_aligned_pointer_as_index %t : memref<8x64xf32> -> index
  %ok = arith.cmpi ne, %p, %c0 : index
  scf.if %ok {
    scf.parallel (%i) = (%c0) to (%c8) step (%c1) {
      scf.for %j = %c0 to %c64 step %c1 {
        %v = memref.load %x[%i, %j] : memref<8x64xf32>
        %w = arith.mulf %v, %v : f32
        memref.store %w, %t[%i, %j] : memref<8x64xf32>
      }
      scf.reduce
    }
    scf.parallel (%i) = (%c0) to (%c8) step (%c1) {
      %buf = memref.alloca() : memref<16xf32>
      scf.for %l = %c0 to %c16 step %c1 {
        %v = memref.load %t[%i, %l] : memref<8x64xf32>
        memref.store %v, %buf[%l] : memref<16xf32>
      } {sto.vector_lanes}
      %s = memref.load %buf[%c0] : memref<16xf32>
      memref.store %s, %out[%i] : memref<8xf32>
      scf.reduce
    }
  }
  memref.dealloc %t : memref<8x64xf32>
  return
}

// -----

// Fused, but the temporary stays: it is read after the loop too.
// CHECK-LABEL: func.func @temporary_used_after(
// CHECK:         memref.alloc() {alignment = 64 : i64} : memref<8x64xf32>
// CHECK:         scf.parallel
// CHECK-NOT:       memref.alloca() {alignment = 64 : i64}
// CHECK-NOT:     scf.parallel
// CHECK:         memref.load %{{.+}}[%{{.+}}, %{{.+}}] : memref<8x64xf32>
// CHECK:         memref.dealloc
func.func @temporary_used_after(%x: memref<8x64xf32>, %out: memref<8xf32>) -> f32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %c16 = arith.constant 16 : index
  %c64 = arith.constant 64 : index
  %t = memref.alloc() {alignment = 64 : i64} : memref<8x64xf32>
  scf.parallel (%i) = (%c0) to (%c8) step (%c1) {
    scf.for %j = %c0 to %c64 step %c1 {
      %v = memref.load %x[%i, %j] : memref<8x64xf32>
      memref.store %v, %t[%i, %j] : memref<8x64xf32>
    }
    scf.reduce
  }
  scf.parallel (%i) = (%c0) to (%c8) step (%c1) {
    %buf = memref.alloca() : memref<16xf32>
    scf.for %l = %c0 to %c16 step %c1 {
      %v = memref.load %t[%i, %l] : memref<8x64xf32>
      memref.store %v, %buf[%l] : memref<16xf32>
    } {sto.vector_lanes}
    %s = memref.load %buf[%c0] : memref<16xf32>
    memref.store %s, %out[%i] : memref<8xf32>
    scf.reduce
  }
  %r = memref.load %t[%c1, %c16] : memref<8x64xf32>
  memref.dealloc %t : memref<8x64xf32>
  return %r : f32
}

// -----

// Fused, but the temporary stays: a row of 2 x 70000 f32 (280 KB) is more
// than a thread's stack buffer may take.
// CHECK-LABEL: func.func @large_rows(
// CHECK:         memref.alloc() {alignment = 64 : i64} : memref<2x70000xf32>
// CHECK:         scf.parallel
// CHECK-NOT:     scf.parallel
// CHECK:         memref.dealloc
func.func @large_rows(%x: memref<2x70000xf32>, %out: memref<2xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c16 = arith.constant 16 : index
  %cn = arith.constant 70000 : index
  %t = memref.alloc() {alignment = 64 : i64} : memref<2x70000xf32>
  scf.parallel (%i) = (%c0) to (%c2) step (%c1) {
    scf.for %j = %c0 to %cn step %c1 {
      %v = memref.load %x[%i, %j] : memref<2x70000xf32>
      memref.store %v, %t[%i, %j] : memref<2x70000xf32>
    }
    scf.reduce
  }
  scf.parallel (%i) = (%c0) to (%c2) step (%c1) {
    %buf = memref.alloca() : memref<16xf32>
    scf.for %l = %c0 to %c16 step %c1 {
      %v = memref.load %t[%i, %l] : memref<2x70000xf32>
      memref.store %v, %buf[%l] : memref<16xf32>
    } {sto.vector_lanes}
    %s = memref.load %buf[%c0] : memref<16xf32>
    memref.store %s, %out[%i] : memref<2xf32>
    scf.reduce
  }
  memref.dealloc %t : memref<2x70000xf32>
  return
}

// -----

// Left alone: the op between the loops writes what the first one writes,
// so it cannot run before it.
// CHECK-LABEL: func.func @between_writes_first(
// CHECK-COUNT-2: scf.parallel
func.func @between_writes_first(%x: memref<8x64xf32>, %out: memref<8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %c16 = arith.constant 16 : index
  %c64 = arith.constant 64 : index
  %zero = arith.constant 0.0 : f32
  %t = memref.alloc() {alignment = 64 : i64} : memref<8x64xf32>
  scf.parallel (%i) = (%c0) to (%c8) step (%c1) {
    scf.for %j = %c0 to %c64 step %c1 {
      %v = memref.load %x[%i, %j] : memref<8x64xf32>
      memref.store %v, %t[%i, %j] : memref<8x64xf32>
    }
    scf.reduce
  }
  scf.for %i = %c0 to %c8 step %c1 {
    memref.store %zero, %t[%i, %c0] : memref<8x64xf32>
  }
  scf.parallel (%i) = (%c0) to (%c8) step (%c1) {
    %buf = memref.alloca() : memref<16xf32>
    scf.for %l = %c0 to %c16 step %c1 {
      %v = memref.load %t[%i, %l] : memref<8x64xf32>
      memref.store %v, %buf[%l] : memref<16xf32>
    } {sto.vector_lanes}
    %s = memref.load %buf[%c0] : memref<16xf32>
    memref.store %s, %out[%i] : memref<8xf32>
    scf.reduce
  }
  memref.dealloc %t : memref<8x64xf32>
  return
}

// -----

// Left alone: the reshape merges the rows with another dimension, so index
// 0 of the view is no row.
// CHECK-LABEL: func.func @view_merges_rows(
// CHECK-COUNT-2: scf.parallel
func.func @view_merges_rows(%x: memref<8x64xf32>, %out: memref<8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %c16 = arith.constant 16 : index
  %t = memref.alloc() {alignment = 64 : i64} : memref<8x4x16xf32>
  scf.parallel (%i) = (%c0) to (%c8) step (%c1) {
    scf.for %j = %c0 to %c16 step %c1 {
      %v = memref.load %x[%i, %j] : memref<8x64xf32>
      memref.store %v, %t[%i, %c0, %j] : memref<8x4x16xf32>
    }
    scf.reduce
  }
  %flat = memref.collapse_shape %t [[0, 1], [2]] : memref<8x4x16xf32> into memref<32x16xf32>
  scf.parallel (%i) = (%c0) to (%c8) step (%c1) {
    %buf = memref.alloca() : memref<16xf32>
    scf.for %l = %c0 to %c16 step %c1 {
      %v = memref.load %flat[%i, %l] : memref<32x16xf32>
      memref.store %v, %buf[%l] : memref<16xf32>
    } {sto.vector_lanes}
    %s = memref.load %buf[%c0] : memref<16xf32>
    memref.store %s, %out[%i] : memref<8xf32>
    scf.reduce
  }
  memref.dealloc %t : memref<8x4x16xf32>
  return
}

// -----

// A copy of a filled output (two reductions whose fills were merged) moves
// before the first loop like the fill: it touches none of the loop's
// buffers. The loops fuse and the temporary goes to the stack.
// CHECK-LABEL: func.func @copy_between(
// CHECK:         scf.for
// CHECK:         memref.copy %{{.+}}, %[[OUT:.+]] : memref<8xf32> to memref<8xf32>
// CHECK:         scf.parallel
// CHECK:           memref.alloca() {alignment = 64 : i64} : memref<1x64xf32>
// CHECK:           } {sto.vector_lanes}
// CHECK-NOT:     scf.parallel
// CHECK-NOT:     memref.dealloc
func.func @copy_between(%x: memref<8x64xf32>, %out: memref<8xf32>, %other: memref<8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %c16 = arith.constant 16 : index
  %c64 = arith.constant 64 : index
  %zero = arith.constant 0.0 : f32
  %t = memref.alloc() {alignment = 64 : i64} : memref<8x64xf32>
  scf.parallel (%i) = (%c0) to (%c8) step (%c1) {
    scf.for %j = %c0 to %c64 step %c1 {
      %v = memref.load %x[%i, %j] : memref<8x64xf32>
      memref.store %v, %t[%i, %j] : memref<8x64xf32>
    }
    scf.reduce
  }
  scf.for %i = %c0 to %c8 step %c1 {
    memref.store %zero, %other[%i] : memref<8xf32>
  }
  memref.copy %other, %out : memref<8xf32> to memref<8xf32>
  scf.parallel (%i) = (%c0) to (%c8) step (%c1) {
    %buf = memref.alloca() : memref<16xf32>
    scf.for %l = %c0 to %c16 step %c1 {
      %v = memref.load %t[%i, %l] : memref<8x64xf32>
      memref.store %v, %buf[%l] : memref<16xf32>
    } {sto.vector_lanes}
    %s = memref.load %buf[%c0] : memref<16xf32>
    %o = memref.load %out[%i] : memref<8xf32>
    %q = arith.addf %o, %s : f32
    memref.store %q, %out[%i] : memref<8xf32>
    scf.reduce
  }
  memref.dealloc %t : memref<8x64xf32>
  return
}
