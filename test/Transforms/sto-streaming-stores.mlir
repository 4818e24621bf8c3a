// RUN: sto-opt %s --pass-pipeline="builtin.module(convert-scf-to-openmp, func.func(sto-streaming-stores{min-bytes=4096}))" -split-input-file | FileCheck %s
// RUN: sto-opt %s --pass-pipeline="builtin.module(convert-scf-to-openmp, func.func(sto-streaming-stores))" -split-input-file | FileCheck %s --check-prefix=DEFAULT

// A light elementwise nest on the threads, writing an out-parameter of 4 KiB
// (at least min-bytes) through a reshape: versioned on the output's
// alignment; the copy asserts the alignment inside the region (where OpenMP
// outlining keeps it), stores non-temporally and fences before the region
// ends; the original runs otherwise. Below the default of 16 MiB nothing
// changes.
// CHECK-LABEL: func.func @scale(
// CHECK-SAME:      %[[X:[^:]+]]: memref<1024xf32>, %[[Y:[^:]+]]: memref<1024xf32>)
// CHECK:         %[[V:.+]] = memref.expand_shape %[[Y]]
// CHECK:         %[[P:.+]] = memref.extract_aligned_pointer_as_index %[[Y]]
// CHECK:         %[[LOW:.+]] = arith.andi %[[P]], %{{.+}} : index
// CHECK:         %[[OK:.+]] = arith.cmpi eq, %[[LOW]], %{{.+}} : index
// CHECK:         scf.if %[[OK]] {
// CHECK-NEXT:      omp.parallel {
// CHECK-NEXT:        %[[A:.+]] = memref.assume_alignment %[[V]], 64 : memref<64x16xf32>
// CHECK:             memref.store %{{.+}}, %[[A]][%{{.+}}, %{{.+}}] {nontemporal = true} : memref<64x16xf32>
// CHECK:           llvm.call_intrinsic "llvm.x86.sse.sfence"() : () -> ()
// CHECK-NEXT:        omp.terminator
// CHECK:         } else {
// CHECK-NEXT:      omp.parallel {
// CHECK-NOT:         assume_alignment
// CHECK:             memref.store %{{.+}}, %[[V]][%{{.+}}, %{{.+}}] : memref<64x16xf32>
// CHECK-NOT:         sfence
// CHECK:             omp.terminator
// DEFAULT-LABEL: func.func @scale(
// DEFAULT-NOT:     scf.if
// DEFAULT-NOT:     nontemporal
func.func @scale(%x: memref<1024xf32>, %y: memref<1024xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c16 = arith.constant 16 : index
  %c64 = arith.constant 64 : index
  %two = arith.constant 2.0 : f32
  %xv = memref.expand_shape %x [[0, 1]] output_shape [64, 16] : memref<1024xf32> into memref<64x16xf32>
  %yv = memref.expand_shape %y [[0, 1]] output_shape [64, 16] : memref<1024xf32> into memref<64x16xf32>
  scf.parallel (%i) = (%c0) to (%c64) step (%c1) {
    scf.for %j = %c0 to %c16 step %c1 {
      %v = memref.load %xv[%i, %j] : memref<64x16xf32>
      %w = arith.mulf %v, %two : f32
      memref.store %w, %yv[%i, %j] : memref<64x16xf32>
    }
    scf.reduce
  }
  return
}

// -----

// A 1-D loop over the threads: in the streaming copy each iteration takes a
// block of 1024 elements (64 lines, 4 KiB), so that every thread's range
// starts on a line; the elements keep their order.
// CHECK-LABEL: func.func @scale_1d(
// CHECK:         scf.if %{{.+}} {
// CHECK-NEXT:      %[[C4:.+]] = arith.constant 4 : index
// CHECK-NEXT:      omp.parallel {
// CHECK-NEXT:        %[[A:.+]] = memref.assume_alignment
// CHECK:             omp.loop_nest (%[[B:.+]]) : index = (%{{.+}}) to (%[[C4]]) step
// CHECK:               %[[C1024:.+]] = arith.constant 1024 : index
// CHECK:               scf.for %[[E:.+]] = %{{.+}} to %[[C1024]] step
// CHECK-NEXT:            %[[F:.+]] = arith.muli %[[B]], %[[C1024]] : index
// CHECK-NEXT:            %[[I:.+]] = arith.addi %[[F]], %[[E]] : index
// CHECK:                 memref.store %{{.+}}, %[[A]][%[[I]]] {nontemporal = true}
// CHECK:         } else {
// CHECK:             omp.loop_nest (%{{.+}}) : index = (%{{.+}}) to (%{{.+}}) step
// CHECK-NOT:           scf.for
// CHECK:               memref.store
func.func @scale_1d(%x: memref<4096xf32>, %y: memref<4096xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4096 = arith.constant 4096 : index
  scf.parallel (%i) = (%c0) to (%c4096) step (%c1) {
    %v = memref.load %x[%i] : memref<4096xf32>
    %w = arith.addf %v, %v : f32
    memref.store %w, %y[%i] : memref<4096xf32>
    scf.reduce
  }
  return
}

// -----

// On one thread (an scf.for nest): the assumption and the fence go around
// the copy in the aligned branch.
// CHECK-LABEL: func.func @serial(
// CHECK-SAME:      %{{[^:]+}}: memref<1024xf32>, %[[Y:[^:]+]]: memref<1024xf32>)
// CHECK:         scf.if %{{.+}} {
// CHECK-NEXT:      %[[A:.+]] = memref.assume_alignment %[[Y]], 64 : memref<1024xf32>
// CHECK-NEXT:      scf.for
// CHECK:             memref.store %{{.+}}, %[[A]][%{{.+}}] {nontemporal = true} : memref<1024xf32>
// CHECK:           llvm.call_intrinsic "llvm.x86.sse.sfence"() : () -> ()
// CHECK-NEXT:    } else {
// CHECK-NEXT:      scf.for
// CHECK:             memref.store %{{.+}}, %[[Y]][%{{.+}}] : memref<1024xf32>
func.func @serial(%x: memref<1024xf32>, %y: memref<1024xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c1024 = arith.constant 1024 : index
  scf.for %i = %c0 to %c1024 step %c1 {
    %v = memref.load %x[%i] : memref<1024xf32>
    %w = arith.addf %v, %v : f32
    memref.store %w, %y[%i] : memref<1024xf32>
  }
  return
}

// -----

// Long math (a square root) over 8 bytes per element is bound by compute:
// non-temporal stores made such nests slower, so it is left alone. With 20
// bytes per element (three inputs, two outputs) it is streamed, both outputs
// under one alignment test.
// CHECK-LABEL: func.func @sqrt_light_traffic(
// CHECK-NOT:     nontemporal
// CHECK-LABEL: func.func @sqrt_heavy_traffic(
// CHECK-SAME:      %[[P:[^:]+]]: memref<1024xf32>, %[[Q:[^:]+]]: memref<1024xf32>)
// CHECK:         %[[PP:.+]] = memref.extract_aligned_pointer_as_index %[[P]]
// CHECK:         %[[QP:.+]] = memref.extract_aligned_pointer_as_index %[[Q]]
// CHECK:         %[[BOTH:.+]] = arith.andi %{{.+}}, %{{.+}} : i1
// CHECK:         scf.if %[[BOTH]] {
// CHECK-DAG:       memref.store %{{.+}} {nontemporal = true}
// CHECK-DAG:       memref.store %{{.+}} {nontemporal = true}
// CHECK:         } else {
func.func @sqrt_light_traffic(%x: memref<1024xf32>, %y: memref<1024xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c1024 = arith.constant 1024 : index
  scf.parallel (%i) = (%c0) to (%c1024) step (%c1) {
    %v = memref.load %x[%i] : memref<1024xf32>
    %w = math.sqrt %v : f32
    memref.store %w, %y[%i] : memref<1024xf32>
    scf.reduce
  }
  return
}
func.func @sqrt_heavy_traffic(%a: memref<1024xf32>, %b: memref<1024xf32>,
                              %c: memref<1024xf32>, %p: memref<1024xf32>,
                              %q: memref<1024xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c1024 = arith.constant 1024 : index
  scf.parallel (%i) = (%c0) to (%c1024) step (%c1) {
    %u = memref.load %a[%i] : memref<1024xf32>
    %v = memref.load %b[%i] : memref<1024xf32>
    %w = memref.load %c[%i] : memref<1024xf32>
    %s = math.sqrt %u : f32
    %t = arith.addf %s, %v : f32
    %r = arith.addf %s, %w : f32
    memref.store %t, %p[%i] : memref<1024xf32>
    memref.store %r, %q[%i] : memref<1024xf32>
    scf.reduce
  }
  return
}

// -----

// Left alone: an output the function also reads (a softmax divides what it
// stored), a dynamic shape, rows that are not whole cache lines (an aligned
// start would not make every row aligned), and a buffer passed to a call.
// CHECK-LABEL: func.func @read_back(
// CHECK-NOT:     nontemporal
// CHECK-LABEL: func.func @dynamic(
// CHECK-NOT:     nontemporal
// CHECK-LABEL: func.func @odd_rows(
// CHECK-NOT:     nontemporal
// CHECK-LABEL: func.func @escapes(
// CHECK-NOT:     nontemporal
func.func @read_back(%x: memref<1024xf32>, %y: memref<1024xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c1024 = arith.constant 1024 : index
  scf.parallel (%i) = (%c0) to (%c1024) step (%c1) {
    %v = memref.load %x[%i] : memref<1024xf32>
    memref.store %v, %y[%i] : memref<1024xf32>
    %w = memref.load %y[%i] : memref<1024xf32>
    %z = arith.addf %w, %v : f32
    memref.store %z, %y[%i] : memref<1024xf32>
    scf.reduce
  }
  return
}
func.func @dynamic(%x: memref<?xf32>, %y: memref<?xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %x, %c0 : memref<?xf32>
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    %v = memref.load %x[%i] : memref<?xf32>
    memref.store %v, %y[%i] : memref<?xf32>
    scf.reduce
  }
  return
}
func.func @odd_rows(%x: memref<100x20xf32>, %y: memref<100x20xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c20 = arith.constant 20 : index
  %c100 = arith.constant 100 : index
  scf.parallel (%i) = (%c0) to (%c100) step (%c1) {
    scf.for %j = %c0 to %c20 step %c1 {
      %v = memref.load %x[%i, %j] : memref<100x20xf32>
      memref.store %v, %y[%i, %j] : memref<100x20xf32>
    }
    scf.reduce
  }
  return
}
func.func private @consume(memref<1024xf32>)
func.func @escapes(%x: memref<1024xf32>, %y: memref<1024xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c1024 = arith.constant 1024 : index
  scf.parallel (%i) = (%c0) to (%c1024) step (%c1) {
    %v = memref.load %x[%i] : memref<1024xf32>
    memref.store %v, %y[%i] : memref<1024xf32>
    scf.reduce
  }
  func.call @consume(%y) : (memref<1024xf32>) -> ()
  return
}

// -----

// Stores on one thread around a region of threads that stores too: the
// fences of the threads' stores would need the region's own copy, so
// neither nest is streamed.
// CHECK-LABEL: func.func @serial_around_threads(
// CHECK-NOT:     nontemporal
func.func @serial_around_threads(%y: memref<64x16xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c16 = arith.constant 16 : index
  %c64 = arith.constant 64 : index
  %one = arith.constant 1.0 : f32
  scf.for %i = %c0 to %c64 step %c1 {
    memref.store %one, %y[%i, %c0] : memref<64x16xf32>
    scf.parallel (%j) = (%c1) to (%c16) step (%c1) {
      memref.store %one, %y[%i, %j] : memref<64x16xf32>
      scf.reduce
    }
  }
  return
}
