// RUN: sto-opt %s --sto-hoist-static-allocas --canonicalize | FileCheck %s

// A static stack buffer in an OpenMP loop body moves to the start of the
// parallel region (once per thread); the alloca scope around the body is
// then empty of allocations and inlined. A dynamically sized one stays.
// Outside a parallel region, one in a loop moves to the function's entry.

// CHECK-LABEL: func.func @per_thread
// CHECK:         omp.parallel {
// CHECK-NEXT:      %[[BUF:.+]] = memref.alloca() : memref<64xf32>
// CHECK-NEXT:      omp.wsloop {
// CHECK-NEXT:        omp.loop_nest
// CHECK-NOT:           memref.alloca_scope
// CHECK:               memref.store %{{.+}}, %[[BUF]]
// CHECK-LABEL: func.func @dynamic_size
// CHECK:         omp.loop_nest
// CHECK-NEXT:      memref.alloca_scope
// CHECK-NEXT:        memref.alloca(%{{.+}}) : memref<?xf32>
func.func @per_thread(%n: index, %v: f32, %out: memref<?xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  omp.parallel {
    omp.wsloop {
      omp.loop_nest (%i) : index = (%c0) to (%n) step (%c1) {
        memref.alloca_scope {
          %buf = memref.alloca() : memref<64xf32>
          memref.store %v, %buf[%c0] : memref<64xf32>
          %w = memref.load %buf[%c0] : memref<64xf32>
          memref.store %w, %out[%i] : memref<?xf32>
        }
        omp.yield
      }
    }
    omp.terminator
  }
  return
}
func.func @dynamic_size(%n: index, %v: f32, %out: memref<?xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  omp.parallel {
    omp.wsloop {
      omp.loop_nest (%i) : index = (%c0) to (%n) step (%c1) {
        memref.alloca_scope {
          %buf = memref.alloca(%i) : memref<?xf32>
          memref.store %v, %buf[%c0] : memref<?xf32>
          %w = memref.load %buf[%c0] : memref<?xf32>
          memref.store %w, %out[%i] : memref<?xf32>
        }
        omp.yield
      }
    }
    omp.terminator
  }
  return
}

// CHECK-LABEL: func.func @sequential
// CHECK:         %[[BUF:.+]] = memref.alloca() : memref<4xf32>
// CHECK:         scf.for
// CHECK-NOT:       memref.alloca
// CHECK:           memref.store %{{.+}}, %[[BUF]]
func.func @sequential(%n: index, %v: f32, %out: memref<?xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  scf.for %i = %c0 to %n step %c1 {
    %buf = memref.alloca() : memref<4xf32>
    memref.store %v, %buf[%c0] : memref<4xf32>
    %w = memref.load %buf[%c0] : memref<4xf32>
    memref.store %w, %out[%i] : memref<?xf32>
  }
  return
}
