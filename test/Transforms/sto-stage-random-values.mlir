// RUN: sto-opt %s --sto-stage-random-values -split-input-file | FileCheck %s
// RUN: sto-opt %s --sto-stage-random-values=parallel=false -split-input-file | FileCheck %s --check-prefix=SERIAL
// RUN: sto-opt %s --sto-stage-random-values=prefetch-bytes=1024 -split-input-file | FileCheck %s --check-prefix=PREFETCH

// A blocked sampler's nest: per chunk of 32 blocks, the values computed
// from the block and lane alone go to a stack buffer in element order
// (a loop that asks LLVM to interleave two vector iterations), then the
// rest runs over the chunk's 128 elements with contiguous indices into the
// collapsed views (a plain add: no hint; see @rows_of_blocks). 128 blocks: 4 chunks, no remainder loop.

// CHECK-DAG:   #[[INTERLEAVE:.+]] = #llvm.loop_interleave<count = 2 : i32>
// CHECK-DAG:   #[[ANN:.+]] = #llvm.loop_annotation<interleave = #[[INTERLEAVE]]>
// CHECK-LABEL: func.func @parallel_blocks
// CHECK-DAG:     %[[XF:.+]] = memref.collapse_shape %{{.+}} {{\[}}[0, 1]] : memref<128x4xf32> into memref<512xf32>
// CHECK-DAG:     %[[YF:.+]] = memref.collapse_shape %{{.+}} {{\[}}[0, 1]] : memref<128x4xf32> into memref<512xf32>
// CHECK:         scf.parallel (%[[C:.+]]) = (%{{.+}}) to (%{{.+}}) step
// CHECK:           %[[FIRST:.+]] = arith.muli %[[C]], %{{.+}} : index
// CHECK:           %[[BUF:.+]] = memref.alloca() : memref<128xf32>
// CHECK:           scf.for %[[B:.+]] = %{{.+}} to %c32
// CHECK:             arith.muli
// CHECK:             scf.for %[[L:.+]] = %{{.+}} to %c4
// CHECK:               %[[U:.+]] = arith.uitofp
// CHECK:               memref.store %[[U]], %[[BUF]][%{{.+}}] : memref<128xf32>
// CHECK:           } {llvm.loop_annotation = #[[ANN]]}
// CHECK:           scf.for %[[E:.+]] = %{{.+}} to %c128
// CHECK:             %[[V:.+]] = memref.load %[[BUF]][%[[E]]]
// CHECK:             %[[I:.+]] = arith.addi %{{.+}}, %[[E]] : index
// CHECK:             %[[X:.+]] = memref.load %[[XF]][%[[I]]]
// CHECK:             %[[S:.+]] = arith.addf %[[X]], %[[V]]
// CHECK:             memref.store %[[S]], %[[YF]][%[[I]]]
// CHECK-NEXT:      }
// CHECK-NOT:     scf.parallel
// CHECK:         return

// Not running in parallel: one buffer at the function's entry.
// SERIAL-LABEL: func.func @parallel_blocks
// SERIAL-NEXT:    %[[BUF:.+]] = memref.alloca() : memref<128xf32>
// SERIAL:         scf.parallel
// SERIAL-NOT:       memref.alloca
// SERIAL:           memref.store %{{.+}}, %[[BUF]]
// With prefetch-bytes=1024: each chunk first prefetches, for every
// contiguous view, the 8 lines (128 f32) of the elements 1024 bytes (256
// f32) ahead of its own, clamped to the last element; for reading (x) or
// writing (y). Nothing else changes.
// PREFETCH-LABEL: func.func @parallel_blocks
// PREFETCH-DAG:     %[[XF:.+]] = memref.collapse_shape %arg0
// PREFETCH-DAG:     %[[YF:.+]] = memref.collapse_shape %arg1
// PREFETCH:         scf.parallel (%[[C:.+]]) =
// PREFETCH:           %[[FIRST:.+]] = arith.muli %[[C]], %c32
// PREFETCH:           %[[XD:.+]] = memref.dim %[[XF]]
// PREFETCH:           %[[XLAST:.+]] = arith.subi %[[XD]], %c1
// PREFETCH:           %[[E:.+]] = arith.muli %[[FIRST]], %c4
// PREFETCH:           %[[S:.+]] = arith.addi %[[E]], %c256
// PREFETCH:           %[[I0:.+]] = arith.addi %[[S]], %c0
// PREFETCH:           %[[M0:.+]] = arith.minui %[[I0]], %[[XLAST]]
// PREFETCH:           memref.prefetch %[[XF]][%[[M0]]], read, locality<3>, data
// PREFETCH-COUNT-7:   memref.prefetch %[[XF]][%{{.+}}], read, locality<3>, data
// PREFETCH:           memref.dim %[[YF]]
// PREFETCH-COUNT-8:   memref.prefetch %[[YF]][%{{.+}}], write, locality<3>, data
// PREFETCH-NOT:       memref.prefetch
// PREFETCH:           memref.alloca() : memref<128xf32>
func.func @parallel_blocks(%x: memref<128x4xf32>, %y: memref<128x4xf32>, %k: i32) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c128 = arith.constant 128 : index
  scf.parallel (%b) = (%c0) to (%c128) step (%c1) {
    %bi = arith.index_castui %b : index to i32
    %w = arith.muli %bi, %k : i32
    scf.for %l = %c0 to %c4 step %c1 {
      %li = arith.index_castui %l : index to i32
      %r = arith.xori %w, %li : i32
      %u = arith.uitofp %r : i32 to f32
      %v = memref.load %x[%b, %l] : memref<128x4xf32>
      %s = arith.addf %v, %u : f32
      memref.store %s, %y[%b, %l] : memref<128x4xf32>
    }
  }
  return
}

// -----

// A block loop (scf.for) inside a row loop, 40 blocks: one chunk, then the
// original loop for blocks 32 to 40. A flag (i1) is kept as a byte. The
// buffer goes to the row loop's body (each thread its own), not into the
// sequential block loop. The element loop holds an exp (a latency chain):
// it asks LLVM to interleave four vector iterations.

// CHECK-DAG:   #[[INTERLEAVE4:.+]] = #llvm.loop_interleave<count = 4 : i32>
// CHECK-DAG:   #[[ANN4:.+]] = #llvm.loop_annotation<interleave = #[[INTERLEAVE4]]>
// CHECK-LABEL: func.func @rows_of_blocks
// CHECK:         scf.parallel (%[[R:.+]]) =
// CHECK-NEXT:      %[[BUF:.+]] = memref.alloca() : memref<128xi8>
// CHECK:           scf.for %{{.+}} = %{{.+}} to %{{.+}} step
// CHECK:             scf.for %{{.+}} = %{{.+}} to %c32
// CHECK:               scf.for
// CHECK:                 %[[F:.+]] = arith.cmpi ult
// CHECK:                 %[[F8:.+]] = arith.extui %[[F]] : i1 to i8
// CHECK:                 memref.store %[[F8]], %[[BUF]]
// CHECK:             scf.for %[[E:.+]] = %{{.+}} to %c128
// CHECK:               %[[G8:.+]] = memref.load %[[BUF]][%[[E]]] : memref<128xi8>
// CHECK:               %[[G:.+]] = arith.trunci %[[G8]] : i8 to i1
// CHECK:               arith.select %[[G]]
// CHECK:             } {llvm.loop_annotation = #[[ANN4]]}
// CHECK:           scf.for %[[B:.+]] = %{{.+}} to %c40
// CHECK:             scf.for %[[L:.+]] =
// CHECK:               memref.load %{{.+}}[%[[R]], %[[B]], %[[L]]] : memref<3x40x4xf32>
// SERIAL-LABEL: func.func @rows_of_blocks
// SERIAL-NEXT:    memref.alloca() : memref<128xi8>
// SERIAL:         scf.parallel
// SERIAL-NOT:       memref.alloca
func.func @rows_of_blocks(%x: memref<3x40x4xf32>, %y: memref<3x40x4xf32>, %k: i32) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %c4 = arith.constant 4 : index
  %c40 = arith.constant 40 : index
  %t = arith.constant 1000 : i32
  %zero = arith.constant 0.0 : f32
  scf.parallel (%r) = (%c0) to (%c3) step (%c1) {
    scf.for %b = %c0 to %c40 step %c1 {
      %bi = arith.index_castui %b : index to i32
      %w = arith.muli %bi, %k : i32
      scf.for %l = %c0 to %c4 step %c1 {
        %li = arith.index_castui %l : index to i32
        %r2 = arith.xori %w, %li : i32
        %keep = arith.cmpi ult, %r2, %t : i32
        %v = memref.load %x[%r, %b, %l] : memref<3x40x4xf32>
        %ev = math.exp %v : f32
        %s = arith.select %keep, %ev, %zero : f32
        memref.store %s, %y[%r, %b, %l] : memref<3x40x4xf32>
      }
    }
  }
  return
}

// -----

// Unchanged: the block loop's body writes memory outside the lane loop
// (it cannot be computed again per stage), and a lane loop whose values
// all depend on memory has nothing to stage.

// CHECK-LABEL: func.func @block_body_with_store
// CHECK-NOT:     memref.alloca
// CHECK-LABEL: func.func @nothing_sampled
// CHECK-NOT:     memref.alloca
func.func @block_body_with_store(%x: memref<32x4xf32>, %y: memref<32x4xf32>, %z: memref<32xi32>, %k: i32) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c32 = arith.constant 32 : index
  scf.parallel (%b) = (%c0) to (%c32) step (%c1) {
    %bi = arith.index_castui %b : index to i32
    %w = arith.muli %bi, %k : i32
    memref.store %w, %z[%b] : memref<32xi32>
    scf.for %l = %c0 to %c4 step %c1 {
      %li = arith.index_castui %l : index to i32
      %r = arith.xori %w, %li : i32
      %u = arith.uitofp %r : i32 to f32
      %v = memref.load %x[%b, %l] : memref<32x4xf32>
      %s = arith.addf %v, %u : f32
      memref.store %s, %y[%b, %l] : memref<32x4xf32>
    }
  }
  return
}
func.func @nothing_sampled(%x: memref<32x4xf32>, %y: memref<32x4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c32 = arith.constant 32 : index
  scf.parallel (%b) = (%c0) to (%c32) step (%c1) {
    %two = arith.constant 2.0 : f32
    scf.for %l = %c0 to %c4 step %c1 {
      %v = memref.load %x[%b, %l] : memref<32x4xf32>
      %s = arith.mulf %v, %two : f32
      memref.store %s, %y[%b, %l] : memref<32x4xf32>
    }
  }
  return
}

// -----

// The rest uses a block-level value (a Philox word) directly: it is staged
// with the sampled value rather than computed again for every element.

// SERIAL-LABEL: func.func @block_value_in_rest
// CHECK-LABEL: func.func @block_value_in_rest
// CHECK-DAG:       %[[R:.+]] = memref.alloca() : memref<128xi32>
// CHECK-DAG:       %[[W:.+]] = memref.alloca() : memref<128xi32>
// CHECK:           scf.for %{{.+}} = %{{.+}} to %c32
// CHECK:             %[[WORD:.+]] = arith.muli
// CHECK:             scf.for
// CHECK-DAG:           memref.store %{{.+}}, %[[R]]
// CHECK-DAG:           memref.store %[[WORD]], %[[W]]
// CHECK:           scf.for %[[E:.+]] = %{{.+}} to %c128
// CHECK-NOT:         arith.muli %{{.+}}, %{{.+}} : i32
// CHECK-DAG:         memref.load %[[R]][%[[E]]]
// CHECK-DAG:         memref.load %[[W]][%[[E]]]
func.func @block_value_in_rest(%x: memref<32x4xi32>, %y: memref<32x4xi32>, %k: i32) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c32 = arith.constant 32 : index
  scf.parallel (%b) = (%c0) to (%c32) step (%c1) {
    %bi = arith.index_castui %b : index to i32
    %w = arith.muli %bi, %k : i32
    scf.for %l = %c0 to %c4 step %c1 {
      %li = arith.index_castui %l : index to i32
      %r = arith.xori %w, %li : i32
      %v = memref.load %x[%b, %l] : memref<32x4xi32>
      %s = arith.addi %v, %r : i32
      %t = arith.addi %s, %w : i32
      memref.store %t, %y[%b, %l] : memref<32x4xi32>
    }
  }
  return
}
