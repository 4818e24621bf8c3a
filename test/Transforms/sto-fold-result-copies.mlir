// RUN: sto-opt %s --sto-fold-result-copies -split-input-file | FileCheck %s

// After buffer-results-to-out-params a result computed into a fresh buffer
// is copied into its out-parameter. When the out-parameter is used by that
// copy alone, the computation writes straight into the out-parameter; for a
// dynamic shape only when the sizes agree (otherwise into a scratch buffer,
// recording STO_ERROR_SHAPE_MISMATCH (7) with sto_record_error). A copy
// that cannot fold into a dynamic out-parameter is kept and guarded: it runs
// only when the sizes agree and otherwise records status 7.

// CHECK-LABEL: func.func @direct(
// CHECK-SAME:    %[[X:.+]]: memref<8xf32>, %[[OUT:.+]]: memref<8xf32>)
// CHECK-NOT:     memref.alloc
// CHECK:         linalg.generic {{.*}} ins(%[[X]] : memref<8xf32>) outs(%[[OUT]] : memref<8xf32>)
// CHECK-NOT:     memref.copy
// CHECK:         return
#id = affine_map<(d0) -> (d0)>
func.func @direct(%x: memref<8xf32>, %out: memref<8xf32>) {
  %a = memref.alloc() {alignment = 64 : i64} : memref<8xf32>
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%x : memref<8xf32>) outs(%a : memref<8xf32>) {
  ^bb0(%in: f32, %o: f32):
    %e = math.exp %in : f32
    linalg.yield %e : f32
  }
  memref.copy %a, %out : memref<8xf32> to memref<8xf32>
  return
}

// -----

// The blocked sampling loops write a [n/4, 4] buffer that is collapsed into
// the result: they now write a view of the out-parameter of that shape.

// CHECK-LABEL: func.func @through_collapse(
// CHECK-SAME:    %[[X:.+]]: memref<256x4xf32>, %[[OUT:.+]]: memref<1024xf32>)
// CHECK-NOT:     memref.alloc
// CHECK:         %[[V:.+]] = memref.expand_shape %[[OUT]] {{\[\[}}0, 1]] output_shape [256, 4] : memref<1024xf32> into memref<256x4xf32>
// CHECK:         linalg.generic {{.*}} ins(%[[X]] : memref<256x4xf32>) outs(%[[V]] : memref<256x4xf32>)
// CHECK-NOT:     memref.collapse_shape
// CHECK-NOT:     memref.copy
// CHECK:         return
#id2 = affine_map<(d0, d1) -> (d0, d1)>
func.func @through_collapse(%x: memref<256x4xf32>, %out: memref<1024xf32>) {
  %a = memref.alloc() : memref<256x4xf32>
  linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%x : memref<256x4xf32>) outs(%a : memref<256x4xf32>) {
  ^bb0(%in: f32, %o: f32):
    linalg.yield %in : f32
  }
  %c = memref.collapse_shape %a [[0, 1]] : memref<256x4xf32> into memref<1024xf32>
  memref.copy %c, %out : memref<1024xf32> to memref<1024xf32>
  return
}

// -----

// Writes nested in a loop before the copy count as before it.

// CHECK-LABEL: func.func @written_in_loop(
// CHECK-SAME:    %[[X:.+]]: memref<8xf32>, %[[OUT:.+]]: memref<8xf32>)
// CHECK-NOT:     memref.alloc
// CHECK:         scf.for
// CHECK:           memref.store %{{.+}}, %[[OUT]][%{{.+}}] : memref<8xf32>
// CHECK-NOT:     memref.copy
// CHECK:         return
func.func @written_in_loop(%x: memref<8xf32>, %out: memref<8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %a = memref.alloc() : memref<8xf32>
  scf.for %i = %c0 to %c8 step %c1 {
    %v = memref.load %x[%i] : memref<8xf32>
    memref.store %v, %a[%i] : memref<8xf32>
  }
  memref.copy %a, %out : memref<8xf32> to memref<8xf32>
  return
}

// -----

// Negative cases: the copy stays, and static copies are not guarded.

// The out-parameter has another use (it is also read): folding would make
// that use see the computation's writes.
// CHECK-LABEL: func.func @out_param_has_other_use(
// CHECK-SAME:    %[[OUT:.+]]: memref<8xf32>)
// CHECK:         %[[A:.+]] = memref.alloc() : memref<8xf32>
// CHECK:         memref.load %[[OUT]]
// CHECK:         linalg.fill {{.*}} outs(%[[A]] : memref<8xf32>)
// CHECK:         memref.copy %[[A]], %[[OUT]] : memref<8xf32> to memref<8xf32>
// CHECK-NOT:     scf.if
// CHECK:         return
func.func @out_param_has_other_use(%out: memref<8xf32>) -> f32 {
  %c0 = arith.constant 0 : index
  %a = memref.alloc() : memref<8xf32>
  %old = memref.load %out[%c0] : memref<8xf32>
  linalg.fill ins(%old : f32) outs(%a : memref<8xf32>)
  memref.copy %a, %out : memref<8xf32> to memref<8xf32>
  return %old : f32
}

// The source is no allocation: a function argument, a cast.
// CHECK-LABEL: func.func @source_is_argument(
// CHECK-SAME:    %[[X:.+]]: memref<8xf32>, %[[OUT:.+]]: memref<8xf32>)
// CHECK-NEXT:    memref.copy %[[X]], %[[OUT]]
// CHECK-NEXT:    return
func.func @source_is_argument(%x: memref<8xf32>, %out: memref<8xf32>) {
  memref.copy %x, %out : memref<8xf32> to memref<8xf32>
  return
}
// CHECK-LABEL: func.func @source_is_cast(
// CHECK:         %[[A:.+]] = memref.alloc() : memref<8xf32>
// CHECK:         %[[C:.+]] = memref.cast %[[A]]
// CHECK:         memref.copy %[[C]], %{{.+}} : memref<8xf32, strided<[1]>> to memref<8xf32>
func.func @source_is_cast(%out: memref<8xf32>) {
  %one = arith.constant 1.0 : f32
  %a = memref.alloc() : memref<8xf32>
  linalg.fill ins(%one : f32) outs(%a : memref<8xf32>)
  %c = memref.cast %a : memref<8xf32> to memref<8xf32, strided<[1]>>
  memref.copy %c, %out : memref<8xf32, strided<[1]>> to memref<8xf32>
  return
}

// The allocation is read after the copy.
// CHECK-LABEL: func.func @alloc_used_after_copy(
// CHECK:         %[[A:.+]] = memref.alloc() : memref<8xf32>
// CHECK:         memref.copy %[[A]], %{{.+}}
// CHECK:         memref.load %[[A]]
func.func @alloc_used_after_copy(%out: memref<8xf32>) -> f32 {
  %c0 = arith.constant 0 : index
  %one = arith.constant 1.0 : f32
  %a = memref.alloc() : memref<8xf32>
  linalg.fill ins(%one : f32) outs(%a : memref<8xf32>)
  memref.copy %a, %out : memref<8xf32> to memref<8xf32>
  %v = memref.load %a[%c0] : memref<8xf32>
  return %v : f32
}

// The allocation is reused as scratch after the copy, in a loop: folding
// would overwrite the result with zeros.
// CHECK-LABEL: func.func @alloc_written_in_loop_after_copy(
// CHECK:         %[[A:.+]] = memref.alloc() : memref<8xf32>
// CHECK:         linalg.fill {{.*}} outs(%[[A]] : memref<8xf32>)
// CHECK:         memref.copy %[[A]], %{{.+}}
// CHECK:         scf.for
// CHECK:           memref.store %{{.+}}, %[[A]]
func.func @alloc_written_in_loop_after_copy(%out: memref<8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %one = arith.constant 1.0 : f32
  %zero = arith.constant 0.0 : f32
  %a = memref.alloc() : memref<8xf32>
  linalg.fill ins(%one : f32) outs(%a : memref<8xf32>)
  memref.copy %a, %out : memref<8xf32> to memref<8xf32>
  scf.for %i = %c0 to %c8 step %c1 {
    memref.store %zero, %a[%i] : memref<8xf32>
  }
  return
}

// The allocation is written through a view after the copy.
// CHECK-LABEL: func.func @view_written_after_copy(
// CHECK:         %[[A:.+]] = memref.alloc() : memref<8xf32>
// CHECK:         %[[S:.+]] = memref.subview %[[A]]
// CHECK:         memref.copy %[[A]], %{{.+}}
// CHECK:         linalg.fill {{.*}} outs(%[[S]]
func.func @view_written_after_copy(%out: memref<8xf32>) {
  %one = arith.constant 1.0 : f32
  %zero = arith.constant 0.0 : f32
  %a = memref.alloc() : memref<8xf32>
  %s = memref.subview %a[0] [4] [1] : memref<8xf32> to memref<4xf32, strided<[1]>>
  linalg.fill ins(%one : f32) outs(%a : memref<8xf32>)
  memref.copy %a, %out : memref<8xf32> to memref<8xf32>
  linalg.fill ins(%zero : f32) outs(%s : memref<4xf32, strided<[1]>>)
  return
}

// The allocation is in another block than the copy.
// CHECK-LABEL: func.func @copy_in_branch(
// CHECK:         %[[A:.+]] = memref.alloc() : memref<8xf32>
// CHECK:         scf.if
// CHECK-NEXT:      memref.copy %[[A]], %{{.+}}
func.func @copy_in_branch(%out: memref<8xf32>, %cond: i1) {
  %one = arith.constant 1.0 : f32
  %a = memref.alloc() : memref<8xf32>
  linalg.fill ins(%one : f32) outs(%a : memref<8xf32>)
  scf.if %cond {
    memref.copy %a, %out : memref<8xf32> to memref<8xf32>
  }
  return
}

// The out-parameter has a strided layout.
// CHECK-LABEL: func.func @strided_out_param(
// CHECK:         %[[A:.+]] = memref.alloc() : memref<8xf32>
// CHECK:         memref.copy %[[A]], %{{.+}} : memref<8xf32> to memref<8xf32, strided<[2]>>
func.func @strided_out_param(%out: memref<8xf32, strided<[2]>>) {
  %one = arith.constant 1.0 : f32
  %a = memref.alloc() : memref<8xf32>
  linalg.fill ins(%one : f32) outs(%a : memref<8xf32>)
  memref.copy %a, %out : memref<8xf32> to memref<8xf32, strided<[2]>>
  return
}

// The target is a view of the out-parameter, not the out-parameter.
// CHECK-LABEL: func.func @target_is_view(
// CHECK:         %[[A:.+]] = memref.alloc() : memref<4xf32>
// CHECK:         memref.copy %[[A]], %{{.+}} : memref<4xf32> to memref<4xf32, strided<[1]>>
func.func @target_is_view(%out: memref<8xf32>) {
  %one = arith.constant 1.0 : f32
  %a = memref.alloc() : memref<4xf32>
  linalg.fill ins(%one : f32) outs(%a : memref<4xf32>)
  %v = memref.subview %out[0] [4] [1] : memref<8xf32> to memref<4xf32, strided<[1]>>
  memref.copy %a, %v : memref<4xf32> to memref<4xf32, strided<[1]>>
  return
}

// -----

// A result of dynamic shape: the caller chose the size, the function
// computes one, known where its buffer is allocated. There the sizes are
// compared: if they differ, status 7 is recorded and the function returns
// (zeros for its scalar results) before writing the result; otherwise the
// computation writes the out-parameter. The runtime function is declared
// once, and the message (a private constant) is made once.

// CHECK-LABEL: func.func private @sto_record_error(i32, !llvm.ptr)
// CHECK-NOT:   func.func private @sto_record_error
// CHECK-LABEL: func.func @dynamic(
// CHECK-SAME:    %[[X:.+]]: memref<?xf32>, %[[OUT:.+]]: memref<?xf32>) -> i32
// CHECK:         %[[N:.+]] = memref.dim %[[X]]
// CHECK:         %[[GOT:.+]] = memref.dim %[[OUT]], %{{.+}} : memref<?xf32>
// CHECK:         %[[SAME:.+]] = arith.cmpi eq, %[[N]], %[[GOT]] : index
// CHECK-NEXT:    %[[R:.+]] = scf.if %[[SAME]] -> (i32) {
// CHECK-NOT:       memref.alloc
// CHECK-NEXT:      linalg.fill {{.*}} outs(%[[OUT]] : memref<?xf32>)
// CHECK-NOT:       memref.copy
// CHECK-NEXT:      %[[FIVE:.+]] = arith.constant 5 : i32
// CHECK-NEXT:      scf.yield %[[FIVE]] : i32
// CHECK-NEXT:    } else {
// CHECK-NEXT:      %[[ZERO:.+]] = arith.constant 0 : i32
// CHECK-NEXT:      %[[MSG:.+]] = llvm.mlir.addressof @[[TEXT:__sto_message_[0-9]+]] : !llvm.ptr
// CHECK-NEXT:      %[[CODE:.+]] = arith.constant 7 : i32
// CHECK-NEXT:      func.call @sto_record_error(%[[CODE]], %[[MSG]]) : (i32, !llvm.ptr) -> ()
// CHECK-NEXT:      scf.yield %[[ZERO]] : i32
// CHECK-NEXT:    }
// CHECK-NEXT:    return %[[R]] : i32
func.func @dynamic(%x: memref<?xf32>, %out: memref<?xf32>) -> i32 {
  %c0 = arith.constant 0 : index
  %one = arith.constant 1.0 : f32
  %n = memref.dim %x, %c0 : memref<?xf32>
  %a = memref.alloc(%n) : memref<?xf32>
  linalg.fill ins(%one : f32) outs(%a : memref<?xf32>)
  memref.copy %a, %out : memref<?xf32> to memref<?xf32>
  %r = arith.constant 5 : i32
  return %r : i32
}

// Only the dynamic dimensions are compared, all of them.
// CHECK-LABEL: func.func @dynamic_2d(
// CHECK-SAME:    %[[N:[^:]+]]: index, %[[M:[^:]+]]: index, %[[OUT:[^:]+]]: memref<?x4x?xf32>)
// CHECK:         %[[G0:.+]] = memref.dim %[[OUT]], %{{.+}} : memref<?x4x?xf32>
// CHECK:         %[[E0:.+]] = arith.cmpi eq, %[[N]], %[[G0]]
// CHECK:         %[[G2:.+]] = memref.dim %[[OUT]], %{{.+}} : memref<?x4x?xf32>
// CHECK:         %[[E2:.+]] = arith.cmpi eq, %[[M]], %[[G2]]
// CHECK-NOT:     memref.dim
// CHECK:         %[[SAME:.+]] = arith.andi %[[E0]], %[[E2]] : i1
// CHECK-NEXT:    scf.if %[[SAME]] {
// CHECK-NEXT:      linalg.fill {{.*}} outs(%[[OUT]] : memref<?x4x?xf32>)
// CHECK-NEXT:    } else {
// CHECK-NEXT:      llvm.mlir.addressof @[[TEXT]]
// CHECK-NEXT:      arith.constant 7
// CHECK-NEXT:      func.call @sto_record_error
// CHECK-NOT:     memref.copy
func.func @dynamic_2d(%n: index, %m: index, %out: memref<?x4x?xf32>) {
  %one = arith.constant 1.0 : f32
  %a = memref.alloc(%n, %m) : memref<?x4x?xf32>
  linalg.fill ins(%one : f32) outs(%a : memref<?x4x?xf32>)
  memref.copy %a, %out : memref<?x4x?xf32> to memref<?x4x?xf32>
  return
}

// A blocked dynamic result ([n, 4] collapsed into [4n]): the sizes compared
// are the collapsed ones, and the computation writes a [n, 4] view of the
// out-parameter.
// CHECK-LABEL: func.func @dynamic_through_collapse(
// CHECK-SAME:    %[[N:[^:]+]]: index, %[[OUT:[^:]+]]: memref<?xf32>)
// CHECK:         %[[W:.+]] = arith.muli %{{.+}}, %[[N]] : index
// CHECK:         %[[W4:.+]] = arith.muli %[[W]], %{{.+}} : index
// CHECK:         %[[G:.+]] = memref.dim %[[OUT]], %{{.+}} : memref<?xf32>
// CHECK:         %[[SAME:.+]] = arith.cmpi eq, %[[W4]], %[[G]] : index
// CHECK-NEXT:    scf.if %[[SAME]] {
// CHECK-NEXT:      %[[V:.+]] = memref.expand_shape %[[OUT]] {{\[\[}}0, 1]] output_shape [%[[N]], 4] : memref<?xf32> into memref<?x4xf32>
// CHECK-NEXT:      linalg.fill {{.*}} outs(%[[V]] : memref<?x4xf32>)
// CHECK-NOT:     memref.collapse_shape
// CHECK-NOT:     memref.copy
func.func @dynamic_through_collapse(%n: index, %out: memref<?xf32>) {
  %one = arith.constant 1.0 : f32
  %a = memref.alloc(%n) : memref<?x4xf32>
  linalg.fill ins(%one : f32) outs(%a : memref<?x4xf32>)
  %c = memref.collapse_shape %a [[0, 1]] : memref<?x4xf32> into memref<?xf32>
  memref.copy %c, %out : memref<?xf32> to memref<?xf32>
  return
}

// A dynamic buffer allocated inside a branch cannot return from there: the
// copy stays, guarded.
// CHECK-LABEL: func.func @dynamic_in_branch(
// CHECK:         scf.if
// CHECK:           memref.alloc
// CHECK:           scf.if
// CHECK-NEXT:        memref.copy
// CHECK:             func.call @sto_record_error
func.func @dynamic_in_branch(%c: i1, %n: index, %out: memref<?xf32>) {
  %one = arith.constant 1.0 : f32
  scf.if %c {
    %a = memref.alloc(%n) : memref<?xf32>
    linalg.fill ins(%one : f32) outs(%a : memref<?xf32>)
    memref.copy %a, %out : memref<?xf32> to memref<?xf32>
  }
  return
}

// A static buffer (collapsed or not) copied into a dynamic out-parameter is
// not folded (the caller's size may differ; an expand_shape of a dynamic
// dimension into static ones is invalid) but guarded.
// CHECK-LABEL: func.func @static_into_dynamic(
// CHECK-SAME:    %[[OUT:[^:]+]]: memref<?xf32>)
// CHECK:         %[[A:.+]] = memref.alloc() : memref<256x4xf32>
// CHECK-NOT:     memref.expand_shape
// CHECK:         %[[C:.+]] = memref.collapse_shape %[[A]]
// CHECK:         scf.if
// CHECK-NEXT:      memref.copy %[[C]], %[[OUT]] : memref<1024xf32> to memref<?xf32>
// CHECK:         func.call @sto_record_error
func.func @static_into_dynamic(%out: memref<?xf32>) {
  %one = arith.constant 1.0 : f32
  %a = memref.alloc() : memref<256x4xf32>
  linalg.fill ins(%one : f32) outs(%a : memref<256x4xf32>)
  %c = memref.collapse_shape %a [[0, 1]] : memref<256x4xf32> into memref<1024xf32>
  memref.copy %c, %out : memref<1024xf32> to memref<?xf32>
  return
}

// -----

// An existing declaration is reused. Without the C ABI's attribute (which
// numbers the inputs) the message does not name the result.

// CHECK:       func.func private @sto_record_error(i32, !llvm.ptr)
// CHECK-NOT:   @sto_record_error(i32
// CHECK-LABEL: func.func @existing_declaration(
// CHECK:         func.call @sto_record_error
// CHECK:       llvm.mlir.global private constant @__sto_message_0("a size given for a result differs from the size the function computed\00")
func.func private @sto_record_error(i32, !llvm.ptr)
func.func @existing_declaration(%x: memref<?xf32>, %out: memref<?xf32>) {
  memref.copy %x, %out : memref<?xf32> to memref<?xf32>
  return
}

// -----

// The target is the argument of a block other than the entry block: it may
// be any buffer (here the input, read in reverse order), not an
// out-parameter, and computing into it would change the result.

#rev = affine_map<(d0) -> (7 - d0)>
#id = affine_map<(d0) -> (d0)>
// CHECK-LABEL: func.func @block_argument_target(
// CHECK-SAME:    %[[X:[^:]+]]: memref<8xf32>)
// CHECK:       ^bb1(%[[T:.+]]: memref<8xf32>):
// CHECK-NEXT:    %[[A:.+]] = memref.alloc() : memref<8xf32>
// CHECK-NEXT:    linalg.generic {{.*}} ins(%[[X]] : memref<8xf32>) outs(%[[A]] : memref<8xf32>)
// CHECK:         memref.copy %[[A]], %[[T]]
func.func @block_argument_target(%x: memref<8xf32>) {
  cf.br ^bb1(%x : memref<8xf32>)
^bb1(%t: memref<8xf32>):
  %a = memref.alloc() : memref<8xf32>
  linalg.generic {indexing_maps = [#rev, #id], iterator_types = ["parallel"]}
      ins(%x : memref<8xf32>) outs(%a : memref<8xf32>) {
  ^bb0(%in: f32, %o: f32):
    linalg.yield %in : f32
  }
  memref.copy %a, %t : memref<8xf32> to memref<8xf32>
  return
}
