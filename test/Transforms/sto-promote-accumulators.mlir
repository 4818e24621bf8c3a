// RUN: sto-opt %s --sto-promote-accumulators -split-input-file | FileCheck %s
// RUN: sto-opt %s --sto-promote-accumulators=max-unroll=2 -split-input-file | FileCheck %s --check-prefix=UNROLL2
// RUN: sto-opt %s --sto-promote-accumulators=max-accumulators=4 -split-input-file | FileCheck %s --check-prefix=ACC4

// The [chunks, lanes] partial sums of a reduction: the lane loop is
// unrolled, and each lane's accumulator is carried by the chunk loop.

// CHECK-LABEL: func.func @lane_partials
// CHECK:         %[[ACC:.+]] = memref.alloc() : memref<8x3xf32>
// CHECK:         scf.for %[[R:.+]] = 
// CHECK:           %[[C0:.+]] = arith.constant 0 : index
// CHECK:           %[[A0:.+]] = memref.load %[[ACC]][%[[R]], %[[C0]]]
// CHECK:           %[[C1:.+]] = arith.constant 1 : index
// CHECK:           %[[A1:.+]] = memref.load %[[ACC]][%[[R]], %[[C1]]]
// CHECK:           %[[C2:.+]] = arith.constant 2 : index
// CHECK:           %[[A2:.+]] = memref.load %[[ACC]][%[[R]], %[[C2]]]
// CHECK:           %[[S:.+]]:3 = scf.for %[[I:.+]] = {{.*}} iter_args(%[[P0:.+]] = %[[A0]], %[[P1:.+]] = %[[A1]], %[[P2:.+]] = %[[A2]]) -> (f32, f32, f32) {
// CHECK-NOT:         memref.store
// CHECK:             %[[G0:.+]] = memref.load %{{.*}}[%[[R]], %[[I]], %[[C0]]]
// CHECK:             %[[F0:.+]] = math.fma %[[G0]], %[[G0]], %[[P0]]
// CHECK:             %[[G1:.+]] = memref.load %{{.*}}[%[[R]], %[[I]], %[[C1]]]
// CHECK:             %[[F1:.+]] = math.fma %[[G1]], %[[G1]], %[[P1]]
// CHECK:             %[[G2:.+]] = memref.load %{{.*}}[%[[R]], %[[I]], %[[C2]]]
// CHECK:             %[[F2:.+]] = math.fma %[[G2]], %[[G2]], %[[P2]]
// CHECK:             scf.yield %[[F0]], %[[F1]], %[[F2]]
// CHECK:           memref.store %[[S]]#0, %[[ACC]][%[[R]], %[[C0]]]
// CHECK:           memref.store %[[S]]#1, %[[ACC]][%[[R]], %[[C1]]]
// CHECK:           memref.store %[[S]]#2, %[[ACC]][%[[R]], %[[C2]]]

// A lane loop longer than max-unroll stays a loop; nothing is promoted.
// UNROLL2-LABEL: func.func @lane_partials
// UNROLL2:         scf.for
// UNROLL2:           scf.for
// UNROLL2-NOT:         iter_args
// UNROLL2:             scf.for
// UNROLL2:               memref.store
func.func @lane_partials(%g: memref<8x100x3xf32>) -> memref<8x3xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %c8 = arith.constant 8 : index
  %c100 = arith.constant 100 : index
  %acc = memref.alloc() : memref<8x3xf32>
  scf.for %r = %c0 to %c8 step %c1 {
    scf.for %i = %c0 to %c100 step %c1 {
      scf.for %l = %c0 to %c3 step %c1 {
        %x = memref.load %g[%r, %i, %l] : memref<8x100x3xf32>
        %a = memref.load %acc[%r, %l] : memref<8x3xf32>
        %s = math.fma %x, %x, %a : f32
        memref.store %s, %acc[%r, %l] : memref<8x3xf32>
      }
    }
  }
  return %acc : memref<8x3xf32>
}

// -----

// An accumulator invariant in two nested loops ends up carried by both:
// one load before the outer loop, one store after it. A view of the
// buffer made outside the loops is fine.

// CHECK-LABEL: func.func @nested_invariant
// CHECK:         %[[V:.+]] = memref.subview
// CHECK:         %[[A:.+]] = memref.load %[[V]][%{{.+}}]
// CHECK-NEXT:    %[[O:.+]] = scf.for {{.*}} iter_args(%[[X:.+]] = %[[A]]) -> (f32) {
// CHECK-NEXT:      %[[I:.+]] = scf.for {{.*}} iter_args(%[[Y:.+]] = %[[X]]) -> (f32) {
// CHECK-NOT:         memref.load %[[V]]
// CHECK:             arith.addf %[[Y]]
// CHECK:           scf.yield %[[I]]
// CHECK:         memref.store %[[O]], %[[V]][%{{.+}}]
func.func @nested_invariant(%in: memref<10x20xf32>) -> memref<4xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c10 = arith.constant 10 : index
  %c20 = arith.constant 20 : index
  %buf = memref.alloc() : memref<8xf32>
  %v = memref.subview %buf[4] [4] [1] : memref<8xf32> to memref<4xf32, strided<[1], offset: 4>>
  scf.for %i = %c0 to %c10 step %c1 {
    scf.for %j = %c0 to %c20 step %c1 {
      %x = memref.load %in[%i, %j] : memref<10x20xf32>
      %a = memref.load %v[%c1] : memref<4xf32, strided<[1], offset: 4>>
      %s = arith.addf %a, %x : f32
      memref.store %s, %v[%c1] : memref<4xf32, strided<[1], offset: 4>>
    }
  }
  %out = memref.alloc() : memref<4xf32>
  memref.copy %v, %out : memref<4xf32, strided<[1], offset: 4>> to memref<4xf32>
  return %out : memref<4xf32>
}

// -----

// Not promoted: a function argument may alias the input.

// CHECK-LABEL: func.func @argument_buffer
// CHECK:         scf.for
// CHECK-NOT:       iter_args
// CHECK:           memref.store
func.func @argument_buffer(%in: memref<100xf32>, %acc: memref<1xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c100 = arith.constant 100 : index
  scf.for %i = %c0 to %c100 step %c1 {
    %x = memref.load %in[%i] : memref<100xf32>
    %a = memref.load %acc[%c0] : memref<1xf32>
    %s = arith.addf %a, %x : f32
    memref.store %s, %acc[%c0] : memref<1xf32>
  }
  return
}

// -----

// A result of the C entry point (sto-compile's sto.c_abi: the results
// follow the inputs) overlaps no other array of the call, which the entry
// point checks: promoted. An input of it, or a result of a function that
// another one calls (the call does not go through the check), is not.

// CHECK-LABEL: func.func @c_abi_result
// CHECK:         %[[A:.+]] = memref.load %{{.+}}[%c0] : memref<1xf32>
// CHECK:         %[[S:.+]] = scf.for {{.*}} iter_args(%{{.+}} = %[[A]]) -> (f32)
// CHECK:         memref.store %[[S]], %{{.+}}[%c0] : memref<1xf32>
func.func @c_abi_result(%in: memref<100xf32>, %acc: memref<1xf32>)
    attributes {sto.c_abi = {inputs = [tensor<100xf32>], name = "c_abi_result",
                             results = [tensor<1xf32>]}} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c100 = arith.constant 100 : index
  scf.for %i = %c0 to %c100 step %c1 {
    %x = memref.load %in[%i] : memref<100xf32>
    %a = memref.load %acc[%c0] : memref<1xf32>
    %s = arith.addf %a, %x : f32
    memref.store %s, %acc[%c0] : memref<1xf32>
  }
  return
}

// CHECK-LABEL: func.func @c_abi_input
// CHECK:         scf.for
// CHECK-NOT:       iter_args
// CHECK:           memref.store
func.func @c_abi_input(%acc: memref<1xf32>, %in: memref<100xf32>)
    attributes {sto.c_abi = {inputs = [tensor<1xf32>, tensor<100xf32>],
                             name = "c_abi_input", results = []}} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c100 = arith.constant 100 : index
  scf.for %i = %c0 to %c100 step %c1 {
    %x = memref.load %in[%i] : memref<100xf32>
    %a = memref.load %acc[%c0] : memref<1xf32>
    %s = arith.addf %a, %x : f32
    memref.store %s, %acc[%c0] : memref<1xf32>
  }
  return
}

// CHECK-LABEL: func.func @c_abi_called
// CHECK:         scf.for
// CHECK-NOT:       iter_args
// CHECK:           memref.store
func.func @c_abi_called(%in: memref<100xf32>, %acc: memref<1xf32>)
    attributes {sto.c_abi = {inputs = [tensor<100xf32>], name = "c_abi_called",
                             results = [tensor<1xf32>]}} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c100 = arith.constant 100 : index
  scf.for %i = %c0 to %c100 step %c1 {
    %x = memref.load %in[%i] : memref<100xf32>
    %a = memref.load %acc[%c0] : memref<1xf32>
    %s = arith.addf %a, %x : f32
    memref.store %s, %acc[%c0] : memref<1xf32>
  }
  return
}
func.func @caller(%b: memref<100xf32>) {
  %v = memref.reinterpret_cast %b to offset: [0], sizes: [1], strides: [1]
      : memref<100xf32> to memref<1xf32>
  func.call @c_abi_called(%b, %v) : (memref<100xf32>, memref<1xf32>) -> ()
  return
}

// -----

// Not promoted: the buffer's address escapes into a call, which may keep
// it; another pointer could then reach it.

// CHECK-LABEL: func.func @escaping_buffer
// CHECK:         scf.for
// CHECK-NOT:       iter_args
// CHECK:           memref.store
func.func private @keep(memref<1xf32>)
func.func @escaping_buffer(%in: memref<100xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c100 = arith.constant 100 : index
  %acc = memref.alloc() : memref<1xf32>
  func.call @keep(%acc) : (memref<1xf32>) -> ()
  scf.for %i = %c0 to %c100 step %c1 {
    %x = memref.load %in[%i] : memref<100xf32>
    %a = memref.load %acc[%c0] : memref<1xf32>
    %s = arith.addf %a, %x : f32
    memref.store %s, %acc[%c0] : memref<1xf32>
  }
  return
}

// -----

// Not promoted: another access to the buffer at an index that may be the
// accumulator's (a histogram), or a store with no load before it, or a
// loop that may not run.

// CHECK-LABEL: func.func @maybe_same_element
// CHECK:         scf.for
// CHECK-NOT:       iter_args
// CHECK-LABEL: func.func @store_only
// CHECK:         scf.for
// CHECK-NOT:       iter_args
// CHECK-LABEL: func.func @maybe_empty_loop
// CHECK:         scf.for
// CHECK-NOT:       iter_args
func.func @maybe_same_element(%in: memref<100xindex>) -> memref<8xi32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c100 = arith.constant 100 : index
  %one = arith.constant 1 : i32
  %h = memref.alloc() : memref<8xi32>
  scf.for %i = %c0 to %c100 step %c1 {
    %a = memref.load %h[%c0] : memref<8xi32>
    %s = arith.addi %a, %one : i32
    memref.store %s, %h[%c0] : memref<8xi32>
    %b = memref.load %in[%i] : memref<100xindex>
    %x = memref.load %h[%b] : memref<8xi32>
    %y = arith.addi %x, %one : i32
    memref.store %y, %h[%b] : memref<8xi32>
  }
  return %h : memref<8xi32>
}
func.func @store_only(%in: memref<100xf32>) -> memref<1xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c100 = arith.constant 100 : index
  %acc = memref.alloc() : memref<1xf32>
  scf.for %i = %c0 to %c100 step %c1 {
    %x = memref.load %in[%i] : memref<100xf32>
    memref.store %x, %acc[%c0] : memref<1xf32>
  }
  return %acc : memref<1xf32>
}
func.func @maybe_empty_loop(%in: memref<?xf32>, %n: index) -> memref<1xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %acc = memref.alloc() : memref<1xf32>
  scf.for %i = %c0 to %n step %c1 {
    %x = memref.load %in[%i] : memref<?xf32>
    %a = memref.load %acc[%c0] : memref<1xf32>
    %s = arith.addf %a, %x : f32
    memref.store %s, %acc[%c0] : memref<1xf32>
  }
  return %acc : memref<1xf32>
}

// -----

// Loop-invariant loads from buffers nothing in the loop may write leave
// the loop (a row gather's index): from a local buffer, and from an input
// of an entry function (nothing calls it; its results overlap no input).

// CHECK-LABEL: func.func @gather_rows
// CHECK:         memref.store %{{.+}} : memref<8xindex>
// CHECK:         scf.for %[[R:.+]] =
// CHECK-NEXT:      %[[SRC:.+]] = memref.load %{{.+}}[%[[R]]] : memref<8xindex>
// CHECK-NEXT:      %[[W:.+]] = memref.load %{{.+}}[%[[R]]] : memref<8xf32>
// CHECK-NEXT:      scf.for %[[D:.+]] =
// CHECK-NEXT:        %[[X:.+]] = memref.load %{{.+}}[%[[SRC]], %[[D]]]
// CHECK-NEXT:        arith.mulf %[[X]], %[[W]]
func.func @gather_rows(%x: memref<100x64xf32>, %w: memref<8xf32>, %out: memref<8x64xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %c64 = arith.constant 64 : index
  %src = memref.alloc() : memref<8xindex>
  scf.for %r = %c0 to %c8 step %c1 {
    memref.store %r, %src[%r] : memref<8xindex>
  }
  scf.for %r = %c0 to %c8 step %c1 {
    scf.for %d = %c0 to %c64 step %c1 {
      %s = memref.load %src[%r] : memref<8xindex>
      %f = memref.load %w[%r] : memref<8xf32>
      %v = memref.load %x[%s, %d] : memref<100x64xf32>
      %p = arith.mulf %v, %f : f32
      memref.store %p, %out[%r, %d] : memref<8x64xf32>
    }
  }
  memref.dealloc %src : memref<8xindex>
  return
}

// -----

// Kept in the loop: the loop writes the buffer itself; the function is
// called, so its arguments may overlap; the loop calls a function.

// CHECK-LABEL: func.func @writes_same
// CHECK:         scf.for
// CHECK-NEXT:      memref.load %{{.+}}[%c0]
// CHECK-LABEL: func.func @called
// CHECK:         scf.for
// CHECK-NEXT:      memref.load %{{.+}}[%c0]
// CHECK-LABEL: func.func @calls
// CHECK:         scf.for
// CHECK-NEXT:      memref.load %{{.+}}[%c0]
func.func @writes_same(%a: memref<64xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  scf.for %d = %c0 to %c64 step %c1 {
    %f = memref.load %a[%c0] : memref<64xf32>
    memref.store %f, %a[%d] : memref<64xf32>
  }
  return
}
func.func @called(%a: memref<64xf32>, %b: memref<64xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  scf.for %d = %c0 to %c64 step %c1 {
    %f = memref.load %a[%c0] : memref<64xf32>
    memref.store %f, %b[%d] : memref<64xf32>
  }
  return
}
func.func @caller(%a: memref<64xf32>) {
  func.call @called(%a, %a) : (memref<64xf32>, memref<64xf32>) -> ()
  return
}
func.func private @opaque()
func.func @calls(%a: memref<64xf32>, %b: memref<64xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  scf.for %d = %c0 to %c64 step %c1 {
    %f = memref.load %a[%c0] : memref<64xf32>
    memref.store %f, %b[%d] : memref<64xf32>
    func.call @opaque() : () -> ()
  }
  return
}

// -----

// sto-lane-reductions' lane loop (sto.vector_lanes) stays a loop, for
// LLVM's loop vectorizer: unrolled, a large body (an exp polynomial) stayed
// 16 scalar chains.
// CHECK-LABEL: func.func @vector_lanes
// CHECK:         scf.for
// CHECK-NOT:       iter_args
// CHECK:           scf.for
// CHECK:             memref.store
// CHECK:           } {sto.vector_lanes}
func.func @vector_lanes(%g: memref<100x16xf32>) -> memref<16xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c16 = arith.constant 16 : index
  %c100 = arith.constant 100 : index
  %acc = memref.alloc() : memref<16xf32>
  scf.for %i = %c0 to %c100 step %c1 {
    scf.for %l = %c0 to %c16 step %c1 {
      %x = memref.load %g[%i, %l] : memref<100x16xf32>
      %a = memref.load %acc[%l] : memref<16xf32>
      %s = arith.addf %x, %a : f32
      memref.store %s, %acc[%l] : memref<16xf32>
    } {sto.vector_lanes}
  }
  return %acc : memref<16xf32>
}

// -----

// Several rows' lanes side by side ([rows, lanes] accumulators inside the
// chunk loop, as dp_aggregate's segment norms): the row loop and then each
// copy of the lane loop unroll, 2 x 3 = 6 chains carried by the chunk loop,
// in row-major order. With max-accumulators=4 the nest (6 copies) stays.
// CHECK-LABEL: func.func @row_block
// CHECK:         %[[S:.+]]:6 = scf.for %{{.+}} iter_args({{.*}}) -> (f32, f32, f32, f32, f32, f32) {
// CHECK-NOT:       memref.store
// CHECK-COUNT-6:   math.fma
// CHECK:           scf.yield
// CHECK:         }
// CHECK-COUNT-6: memref.store %[[S]]#{{[0-5]}}
// ACC4-LABEL: func.func @row_block
// ACC4-NOT:     iter_args
// ACC4:         scf.for
// ACC4:           scf.for
// ACC4:             scf.for
// ACC4:               memref.store
func.func @row_block(%g: memref<2x100x3xf32>) -> memref<2x3xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %c100 = arith.constant 100 : index
  %acc = memref.alloc() : memref<2x3xf32>
  scf.for %i = %c0 to %c100 step %c1 {
    scf.for %b = %c0 to %c2 step %c1 {
      scf.for %l = %c0 to %c3 step %c1 {
        %x = memref.load %g[%b, %i, %l] : memref<2x100x3xf32>
        %a = memref.load %acc[%b, %l] : memref<2x3xf32>
        %s = math.fma %x, %x, %a : f32
        memref.store %s, %acc[%b, %l] : memref<2x3xf32>
      }
    }
  }
  return %acc : memref<2x3xf32>
}
