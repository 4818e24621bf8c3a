// RUN: sto-opt %s --sto-guard-shape-checks -split-input-file | FileCheck %s

// The entry checks guard the rest of the body. An allocation that
// bufferization put in front of them goes behind them again. On failure the
// message of the first check that failed is recorded with status 7, and the
// scalar results are zeros.
// CHECK-LABEL: func.func private @sto_record_error(i32, !llvm.ptr)
// CHECK-LABEL: func.func @guarded(
// CHECK-SAME:    %[[X:[^:]+]]: memref<?xf32>, %[[B:[^:]+]]: memref<?xf32>, %[[OUT:[^:]+]]: memref<?xf32>) -> f32
// CHECK:         %[[DX:.+]] = memref.dim %[[X]]
// CHECK:         %[[DB:.+]] = memref.dim %[[B]]
// CHECK:         %[[FIRST:.+]] = arith.cmpi eq, %[[DX]], %[[DB]]
// CHECK:         %[[SECOND:.+]] = arith.cmpi eq, %{{.+}}, %{{.+}}
// CHECK-NOT:     cf.assert
// CHECK:         %[[OK:.+]] = arith.andi %[[FIRST]], %[[SECOND]] : i1
// CHECK-NEXT:    %[[R:.+]] = scf.if %[[OK]] -> (f32) {
// CHECK:           memref.alloc
// CHECK:           scf.yield %{{.+}} : f32
// CHECK-NEXT:    } else {
// CHECK-NEXT:      %[[Z:.+]] = arith.constant 0.000000e+00 : f32
// CHECK-DAG:       %[[M1:.+]] = llvm.mlir.addressof @[[TEXT1:__sto_message_[0-9]+]]
// CHECK-DAG:       %[[M0:.+]] = llvm.mlir.addressof @[[TEXT0:__sto_message_[0-9]+]]
// CHECK:           %[[MSG:.+]] = arith.select %[[FIRST]], %[[M1]], %[[M0]] : !llvm.ptr
// CHECK-NEXT:      %[[CODE:.+]] = arith.select %[[FIRST]], %{{.+}}, %{{.+}} : i32
// CHECK-NEXT:      func.call @sto_record_error(%[[CODE]], %[[MSG]])
// CHECK-NEXT:      scf.yield %[[Z]] : f32
// CHECK-NEXT:    }
// CHECK-NEXT:    return %[[R]] : f32
// CHECK-DAG:   llvm.mlir.global private constant @[[TEXT0]]("first\00")
// CHECK-DAG:   llvm.mlir.global private constant @[[TEXT1]]("second\00")
func.func @guarded(%x: memref<?xf32>, %b: memref<?xf32>, %out: memref<?xf32>) -> f32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1.0 : f32
  %tmp = memref.alloc() : memref<4xf32>
  %dx = memref.dim %x, %c0 : memref<?xf32>
  %db = memref.dim %b, %c0 : memref<?xf32>
  %same = arith.cmpi eq, %dx, %db : index
  cf.assert %same, "first" {sto.shape_check}
  %do = memref.dim %out, %c0 : memref<?xf32>
  %same2 = arith.cmpi eq, %dx, %do : index
  cf.assert %same2, "second" {sto.shape_check}
  memref.dealloc %tmp : memref<4xf32>
  return %c1 : f32
}

// -----

// A private function whose callers check for it loses its checks and the
// mark.
// CHECK-LABEL: func.func private @step(
// CHECK-NOT:     sto.shape_checks_at_calls
// CHECK-NOT:     cf.assert
// CHECK-NOT:     sto_record_error
// CHECK:         return
func.func private @step(%p: memref<?xf32>, %g: memref<?xf32>) attributes {sto.shape_checks_at_calls} {
  %c0 = arith.constant 0 : index
  %dp = memref.dim %p, %c0 : memref<?xf32>
  %dg = memref.dim %g, %c0 : memref<?xf32>
  %same = arith.cmpi eq, %dp, %dg : index
  cf.assert %same, "at the callers" {sto.shape_check}
  return
}

// -----

// A check on a size that the function computes (here a value it stored)
// cannot move to the entry: where it fails, the rest of its block is
// skipped and its message recorded. An assert of the model's own (no
// sto.shape_check) is STO_ERROR_ASSERTION (9). One in a parallel loop marks
// a cell, read after the loop (below).
// CHECK-LABEL: func.func @computed_size(
// CHECK:         %[[N:.+]] = memref.load
// CHECK:         %[[SAME:.+]] = arith.cmpi eq, %[[N]], %{{.+}}
// CHECK-NEXT:    scf.if %[[SAME]] {
// CHECK:           scf.parallel
// CHECK-NOT:         cf.assert
// CHECK:             memref.atomic_rmw maxs
// CHECK:           func.call @sto_record_error
// CHECK:         } else {
// CHECK-NEXT:      %[[M:.+]] = llvm.mlir.addressof @[[TEXT:__sto_message_[0-9]+]]
// CHECK-NEXT:      %[[C9:.+]] = arith.constant 9 : i32
// CHECK-NEXT:      func.call @sto_record_error(%[[C9]], %[[M]])
// CHECK-NEXT:    }
// CHECK-NEXT:    return
// CHECK:       llvm.mlir.global private constant @[[TEXT]]("computed\00")
func.func @computed_size(%x: memref<?xf32>, %n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %buf = memref.alloca() : memref<1xindex>
  memref.store %n, %buf[%c0] : memref<1xindex>
  %m = memref.load %buf[%c0] : memref<1xindex>
  %dx = memref.dim %x, %c0 : memref<?xf32>
  %same = arith.cmpi eq, %m, %dx : index
  cf.assert %same, "computed"
  scf.parallel (%i) = (%c0) to (%dx) step (%c1) {
    %ok = arith.cmpi ult, %i, %dx : index
    cf.assert %ok, "in a parallel loop" {sto.shape_check}
    scf.reduce
  }
  return
}

// -----

// A parallel loop's iterations (an OpenMP region, a GPU kernel) have no
// status of their own: a failed check skips the rest of its iteration and
// marks a cell with its number, the first check the highest (atomic max:
// the same message whatever the order of the iterations); one inside a
// sequential loop inside skips that loop's iteration. The cell is a buffer
// (device memory for CUDA) set and read through copies from a stack slot;
// after the loop, each check's cf.assert on the cell guards the rest of
// the function.
// CHECK-LABEL: func.func @in_parallel_loops(
// CHECK:         %[[CELL:.+]] = memref.alloc() : memref<i32>
// CHECK-NEXT:    %[[SLOT:.+]] = memref.alloca() : memref<i32>
// CHECK-NEXT:    %[[ZERO:.+]] = arith.constant 0 : i32
// CHECK-NEXT:    memref.store %[[ZERO]], %[[SLOT]][]
// CHECK-NEXT:    memref.copy %[[SLOT]], %[[CELL]]
// CHECK-NEXT:    scf.forall (%[[I:.+]]) in
// CHECK:           %[[V:.+]] = memref.load %{{.+}}[%[[I]]]
// CHECK:           %[[POS:.+]] = arith.cmpf oge, %[[V]]
// CHECK-NEXT:      scf.if %[[POS]] {
// CHECK:             scf.for
// CHECK:               scf.if %{{.+}} {
// CHECK-NEXT:            memref.load
// CHECK-NEXT:            memref.store
// CHECK-NEXT:          } else {
// CHECK-NEXT:            %[[ONE:.+]] = arith.constant 1 : i32
// CHECK-NEXT:            memref.atomic_rmw maxs %[[ONE]], %[[CELL]][]
// CHECK-NEXT:          } {sto.check_guard}
// CHECK:           } else {
// CHECK-NEXT:        %[[TWO:.+]] = arith.constant 2 : i32
// CHECK-NEXT:        memref.atomic_rmw maxs %[[TWO]], %[[CELL]][]
// CHECK-NEXT:      } {sto.check_guard}
// CHECK-NEXT:    }
// CHECK-NEXT:    memref.copy %[[CELL]], %[[SLOT]]
// CHECK-NEXT:    %[[GOT:.+]] = memref.load %[[SLOT]][]
// CHECK-NEXT:    %[[C1:.+]] = arith.constant 1 : i32
// CHECK-NEXT:    %[[NOT1:.+]] = arith.cmpi ne, %[[GOT]], %[[C1]]
// CHECK-NEXT:    scf.if %[[NOT1]] {
// CHECK-NEXT:      %[[C2:.+]] = arith.constant 2 : i32
// CHECK-NEXT:      %[[NOT2:.+]] = arith.cmpi ne, %[[GOT]], %[[C2]]
// CHECK-NEXT:      scf.if %[[NOT2]] {
// CHECK:             memref.store
// CHECK-NEXT:      } else {
// CHECK-NEXT:        llvm.mlir.addressof @[[ROW:__sto_message_[0-9]+]]
// CHECK-NEXT:        %[[C9:.+]] = arith.constant 9 : i32
// CHECK-NEXT:        func.call @sto_record_error(%[[C9]],
// CHECK:           } else {
// CHECK-NEXT:      llvm.mlir.addressof @[[INDEX:__sto_message_[0-9]+]]
// CHECK-NEXT:      %[[C7:.+]] = arith.constant 7 : i32
// CHECK-NEXT:      func.call @sto_record_error(%[[C7]],
// CHECK-DAG:   llvm.mlir.global private constant @[[ROW]]("row starts below 0\00")
// CHECK-DAG:   llvm.mlir.global private constant @[[INDEX]]("index out of range\00")
func.func @in_parallel_loops(%x: memref<?xf32>, %idx: memref<?x4xindex>, %y: memref<?x4xf32>, %done: memref<i32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %zero = arith.constant 0.0 : f32
  %n = memref.dim %idx, %c0 : memref<?x4xindex>
  %dx = memref.dim %x, %c0 : memref<?xf32>
  scf.forall (%i) in (%n) {
    %first = memref.load %x[%i] : memref<?xf32>
    %pos = arith.cmpf oge, %first, %zero : f32
    cf.assert %pos, "row starts below 0"
    scf.for %j = %c0 to %c4 step %c1 {
      %k = memref.load %idx[%i, %j] : memref<?x4xindex>
      %in = arith.cmpi ult, %k, %dx : index
      cf.assert %in, "index out of range" {sto.shape_check}
      %v = memref.load %x[%k] : memref<?xf32>
      memref.store %v, %y[%i, %j] : memref<?x4xf32>
    }
  }
  %one = arith.constant 1 : i32
  memref.store %one, %done[] : memref<i32>
  return
}

// -----

// In a loop, a failed check skips the rest of its iteration, which yields
// what it came in with.
// CHECK-LABEL: func.func @in_loop(
// CHECK:         scf.for {{.*}} iter_args(%[[ACC:.+]] = %{{.+}}) -> (f32) {
// CHECK:           %[[R:.+]] = scf.if %{{.+}} -> (f32) {
// CHECK:             memref.load
// CHECK:             scf.yield %{{.+}} : f32
// CHECK-NEXT:      } else {
// CHECK:             func.call @sto_record_error
// CHECK-NEXT:        scf.yield %[[ACC]] : f32
// CHECK-NEXT:      }
// CHECK-NEXT:      scf.yield %[[R]] : f32
func.func @in_loop(%x: memref<?xf32>, %sizes: memref<?xindex>) -> f32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f32
  %n = memref.dim %sizes, %c0 : memref<?xindex>
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero) -> f32 {
    %want = memref.load %sizes[%i] : memref<?xindex>
    %dx = memref.dim %x, %c0 : memref<?xf32>
    %fits = arith.cmpi ult, %want, %dx : index
    cf.assert %fits, "in a loop" {sto.shape_check}
    %v = memref.load %x[%want] : memref<?xf32>
    %s = arith.addf %acc, %v : f32
    scf.yield %s : f32
  }
  return %r : f32
}

// -----

// A function that returns a buffer cannot return zeros instead: its checks
// record their failure in place, and it goes on.
// CHECK-LABEL: func.func @returns_buffer(
// CHECK:         scf.if
// CHECK-NEXT:      llvm.mlir.addressof
// CHECK-NEXT:      arith.constant 7
// CHECK-NEXT:      func.call @sto_record_error
// CHECK-NOT:     cf.assert
// CHECK:         return %{{.+}} : memref<?xf32>
func.func @returns_buffer(%x: memref<?xf32>, %y: memref<?xf32>) -> memref<?xf32> {
  %c0 = arith.constant 0 : index
  %dx = memref.dim %x, %c0 : memref<?xf32>
  %dy = memref.dim %y, %c0 : memref<?xf32>
  %same = arith.cmpi eq, %dx, %dy : index
  cf.assert %same, "returns a buffer" {sto.shape_check}
  return %x : memref<?xf32>
}

// -----

// A buffer of a run-time size: its byte size may not overflow (checked
// before the allocation, status 7) and the allocation may not fail (checked
// after it, status 3); each guards the rest of the body. A static buffer
// under 1 MiB gets no check, one of 1 MiB or more the null check only.
// CHECK-LABEL: func.func @allocations(
// CHECK-SAME:    %[[N:[^:]+]]: index, %[[M:[^:]+]]: index) -> f32
// CHECK:         arith.divsi %{{.+}}, %{{.+}} : index
// CHECK:         %[[NM:.+]] = arith.muli %[[N]], %[[M]] : index
// CHECK:         %[[FITS:.+]] = arith.cmpi sle, %[[NM]], %{{.+}} : index
// CHECK:         scf.if %{{.+}} -> (f32) {
// CHECK:           %[[A:.+]] = memref.alloc(%[[N]], %[[M]]) {{.*}}: memref<?x?xf32>
// CHECK-NEXT:      %[[P:.+]] = memref.extract_aligned_pointer_as_index %[[A]]
// CHECK:           %[[ALLOCATED:.+]] = arith.cmpi ne, %[[P]], %{{.+}} : index
// CHECK-NEXT:      scf.if %[[ALLOCATED]] -> (f32) {
// CHECK:             memref.alloc() : memref<64xf32>
// CHECK-NEXT:        memref.alloc() : memref<262144xf32>
// CHECK-NEXT:        memref.extract_aligned_pointer_as_index
// CHECK:           } else {
// CHECK:             func.call @sto_record_error(%c3_i32
// CHECK:         } else {
// CHECK:           func.call @sto_record_error(%c7_i32
// CHECK-DAG:   llvm.mlir.global private constant @{{.+}}("{{.*}}out of memory: a buffer of type memref<?x?xf32> could not be allocated\00")
// CHECK-DAG:   llvm.mlir.global private constant @{{.+}}("{{.*}}a buffer of type memref<?x?xf32> would be larger than 2^63 bytes\00")
func.func @allocations(%n: index, %m: index) -> f32 {
  %c0 = arith.constant 0 : index
  %a = memref.alloc(%n, %m) {alignment = 64 : i64} : memref<?x?xf32>
  %small = memref.alloc() : memref<64xf32>
  %large = memref.alloc() : memref<262144xf32>
  %v = memref.load %a[%c0, %c0] : memref<?x?xf32>
  %w = memref.load %small[%c0] : memref<64xf32>
  %x = memref.load %large[%c0] : memref<262144xf32>
  %s = arith.addf %v, %w : f32
  %t = arith.addf %s, %x : f32
  memref.dealloc %a : memref<?x?xf32>
  memref.dealloc %small : memref<64xf32>
  memref.dealloc %large : memref<262144xf32>
  return %t : f32
}

// -----

// In a linalg body, a failed check's element is 0, except a reduction's
// accumulator: it comes out as it went in (the check guards the term, not
// the sum so far). Here a sum over the middle axis with a checked gather.
// CHECK-LABEL: func.func @in_reduction(
// CHECK:         linalg.generic
// CHECK-NEXT:    ^bb0(%[[ID:.+]]: index, %[[ACC:.+]]: f32, %[[E:.+]]: f32):
// CHECK:           %[[R:.+]]:2 = scf.if %{{.+}} -> (f32, f32) {
// CHECK:             %[[V:.+]] = memref.load
// CHECK:             %[[S:.+]] = arith.addf %[[ACC]], %[[V]]
// CHECK:             scf.yield %[[S]], %[[V]]
// CHECK:           } else {
// CHECK:             %[[Z:.+]] = arith.constant 0.000000e+00 : f32
// CHECK:             memref.atomic_rmw
// CHECK:             scf.yield %[[ACC]], %[[Z]]
// CHECK:           } {sto.check_guard}
// CHECK:           linalg.yield %[[R]]#0, %[[R]]#1
func.func @in_reduction(%t: memref<10xf32>, %ids: memref<2x40x4xindex>,
                        %sum: memref<2x4xf32>, %each: memref<2x40x4xf32>) {
  %c10 = arith.constant 10 : index
  linalg.generic {indexing_maps = [affine_map<(a, b, c) -> (a, b, c)>,
                                   affine_map<(a, b, c) -> (a, c)>,
                                   affine_map<(a, b, c) -> (a, b, c)>],
                  iterator_types = ["parallel", "reduction", "parallel"]}
      ins(%ids : memref<2x40x4xindex>) outs(%sum, %each : memref<2x4xf32>, memref<2x40x4xf32>) {
  ^bb0(%id: index, %acc: f32, %e: f32):
    %in = arith.cmpi ult, %id, %c10 : index
    cf.assert %in, "index out of range" {sto.shape_check}
    %v = memref.load %t[%id] : memref<10xf32>
    %s = arith.addf %acc, %v : f32
    linalg.yield %s, %v : f32, f32
  }
  return
}
