// RUN: sto-opt %s --sto-matmul-to-cublas -split-input-file | FileCheck %s

// A static product into a zero-filled buffer: the fill goes, beta = 0, and
// every size and leading dimension comes from the buffers' metadata.
// CHECK: func.func private @sto_cuda_compiled_sgemm(i32, i64, i64, i64, i64, f32, !llvm.ptr, i64, i64, !llvm.ptr, i64, i64, f32, !llvm.ptr, i64, i64)
// CHECK-LABEL: func.func @static_zero_filled(
// CHECK-SAME:      %[[A:.+]]: memref<64x256xf32>, %[[B:.+]]: memref<256x128xf32>, %[[C:.+]]: memref<64x128xf32>)
// CHECK-NOT:     linalg.fill
// CHECK-DAG:     %[[ONE:.+]] = arith.constant 1.000000e+00 : f32
// CHECK-DAG:     %[[ZERO:.+]] = arith.constant 0.000000e+00 : f32
// CHECK-DAG:     %[[FLAGS:.+]] = arith.constant 0 : i32
// CHECK-DAG:     %[[BATCH:.+]] = arith.constant 1 : i64
// CHECK:         %[[BASE_A:.+]], %[[OFF_A:.+]], %[[SIZES_A:.+]]:2, %[[STRIDES_A:.+]]:2 = memref.extract_strided_metadata %[[A]]
// CHECK:         %[[PA_IDX:.+]] = memref.extract_aligned_pointer_as_index %[[A]]
// CHECK:         %[[PA_OFF:.+]] = arith.muli %[[OFF_A]], %c4
// CHECK:         %[[PA_ADDR:.+]] = arith.addi %[[PA_IDX]], %[[PA_OFF]]
// CHECK:         %[[PA_I64:.+]] = arith.index_cast %[[PA_ADDR]] : index to i64
// CHECK:         %[[PA:.+]] = llvm.inttoptr %[[PA_I64]] : i64 to !llvm.ptr
// CHECK:         %[[K:.+]] = arith.index_cast %[[SIZES_A]]#1 : index to i64
// CHECK:         %[[LDA:.+]] = arith.index_cast %[[STRIDES_A]]#0 : index to i64
// CHECK:         %[[BASE_B:.+]], %[[OFF_B:.+]], %[[SIZES_B:.+]]:2, %[[STRIDES_B:.+]]:2 = memref.extract_strided_metadata %[[B]]
// CHECK:         %[[PB:.+]] = llvm.inttoptr
// CHECK:         %[[LDB:.+]] = arith.index_cast %[[STRIDES_B]]#0 : index to i64
// CHECK:         %[[BASE_C:.+]], %[[OFF_C:.+]], %[[SIZES_C:.+]]:2, %[[STRIDES_C:.+]]:2 = memref.extract_strided_metadata %[[C]]
// CHECK:         %[[PC:.+]] = llvm.inttoptr
// CHECK:         %[[M:.+]] = arith.index_cast %[[SIZES_C]]#0 : index to i64
// CHECK:         %[[N:.+]] = arith.index_cast %[[SIZES_C]]#1 : index to i64
// CHECK:         %[[LDC:.+]] = arith.index_cast %[[STRIDES_C]]#0 : index to i64
// CHECK:         call @sto_cuda_compiled_sgemm(%[[FLAGS]], %[[BATCH]], %[[M]], %[[N]], %[[K]], %[[ONE]], %[[PA]], %[[LDA]], %{{.+}}, %[[PB]], %[[LDB]], %{{.+}}, %[[ZERO]], %[[PC]], %[[LDC]], %{{.+}})
// CHECK-NOT:     linalg.matmul
func.func @static_zero_filled(%a: memref<64x256xf32>, %b: memref<256x128xf32>, %c: memref<64x128xf32>) {
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%c : memref<64x128xf32>)
  linalg.matmul ins(%a, %b : memref<64x256xf32>, memref<256x128xf32>) outs(%c : memref<64x128xf32>)
  return
}

// -----

// Without a preceding zero fill the product accumulates (beta = 1); a fill
// of another value stays. Dynamic shapes: the sizes are read at run time.
// CHECK-LABEL: func.func @dynamic_accumulate(
// CHECK-SAME:      %[[A:.+]]: memref<?x?xf32>, %[[B:.+]]: memref<?x?xf32>, %[[C:.+]]: memref<?x?xf32>)
// CHECK-DAG:     %[[ONE:.+]] = arith.constant 1.000000e+00 : f32
// CHECK:         linalg.fill ins(%{{.+}} : f32) outs(%[[C]]
// CHECK:         memref.extract_strided_metadata %[[A]]
// CHECK:         memref.extract_strided_metadata %[[B]]
// CHECK:         %[[BASE_C:.+]], %[[OFF_C:.+]], %[[SIZES_C:.+]]:2, %[[STRIDES_C:.+]]:2 = memref.extract_strided_metadata %[[C]]
// CHECK:         %[[M:.+]] = arith.index_cast %[[SIZES_C]]#0 : index to i64
// CHECK:         %[[N:.+]] = arith.index_cast %[[SIZES_C]]#1 : index to i64
// CHECK:         call @sto_cuda_compiled_sgemm(%{{.+}}, %{{.+}}, %[[M]], %[[N]], %{{.+}}, %[[ONE]], %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %[[ONE]],
// CHECK-NOT:     linalg.matmul
func.func @dynamic_accumulate(%a: memref<?x?xf32>, %b: memref<?x?xf32>, %c: memref<?x?xf32>) {
  %two = arith.constant 2.0 : f32
  linalg.fill ins(%two : f32) outs(%c : memref<?x?xf32>)
  linalg.matmul ins(%a, %b : memref<?x?xf32>, memref<?x?xf32>) outs(%c : memref<?x?xf32>)
  return
}

// -----

// A strided view with contiguous rows (a column block of a wider buffer):
// the leading dimension is the view's row stride and the pointer includes
// the view's offset.
// CHECK-LABEL: func.func @row_contiguous_view(
// CHECK:         %[[SUB:.+]] = memref.subview
// CHECK:         %[[BASE:.+]], %[[OFF:.+]], %[[SIZES:.+]]:2, %[[STRIDES:.+]]:2 = memref.extract_strided_metadata %[[SUB]]
// CHECK:         %[[P:.+]] = memref.extract_aligned_pointer_as_index %[[SUB]]
// CHECK:         %[[BYTES:.+]] = arith.muli %[[OFF]], %c4
// CHECK:         arith.addi %[[P]], %[[BYTES]]
// CHECK:         call @sto_cuda_compiled_sgemm
func.func @row_contiguous_view(%a: memref<8x16xf32>, %b: memref<16x32xf32>, %wide: memref<8x64xf32>) {
  %c = memref.subview %wide[0, 16] [8, 32] [1, 1] : memref<8x64xf32> to memref<8x32xf32, strided<[64, 1], offset: 16>>
  linalg.matmul ins(%a, %b : memref<8x16xf32>, memref<16x32xf32>) outs(%c : memref<8x32xf32, strided<[64, 1], offset: 16>>)
  return
}

// -----

// Transposed operands (indexing maps) set the flags: 1 for A, 2 for B.
// CHECK-LABEL: func.func @transpose_b(
// CHECK:         %[[FLAGS:.+]] = arith.constant 2 : i32
// CHECK:         call @sto_cuda_compiled_sgemm(%[[FLAGS]],
func.func @transpose_b(%a: memref<8x16xf32>, %bt: memref<32x16xf32>, %c: memref<8x32xf32>) {
  linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
    ins(%a, %bt : memref<8x16xf32>, memref<32x16xf32>) outs(%c : memref<8x32xf32>)
  return
}

// CHECK-LABEL: func.func @transpose_a(
// CHECK:         %[[FLAGS:.+]] = arith.constant 1 : i32
// A is stored k x m: k is its row count.
// CHECK:         %[[BASE_A:.+]], %[[OFF_A:.+]], %[[SIZES_A:.+]]:2, %[[STRIDES_A:.+]]:2 = memref.extract_strided_metadata %arg0
// CHECK:         %[[K:.+]] = arith.index_cast %[[SIZES_A]]#0 : index to i64
// CHECK:         call @sto_cuda_compiled_sgemm(%[[FLAGS]], %{{.+}}, %{{.+}}, %{{.+}}, %[[K]],
func.func @transpose_a(%at: memref<16x8xf32>, %b: memref<16x32xf32>, %c: memref<8x32xf32>) {
  linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (k, m)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>]
    ins(%at, %b : memref<16x8xf32>, memref<16x32xf32>) outs(%c : memref<8x32xf32>)
  return
}

// -----

// batch_matmul: the batch count from C and each operand's batch stride.
// CHECK-LABEL: func.func @batch(
// CHECK-SAME:      %[[A:.+]]: memref<4x8x16xf32>, %[[B:.+]]: memref<4x16x32xf32>, %[[C:.+]]: memref<4x8x32xf32>)
// CHECK:         %[[BASE_A:.+]], %[[OFF_A:.+]], %[[SIZES_A:.+]]:3, %[[STRIDES_A:.+]]:3 = memref.extract_strided_metadata %[[A]]
// CHECK:         %[[SA:.+]] = arith.index_cast %[[STRIDES_A]]#0 : index to i64
// CHECK:         %[[BASE_B:.+]], %[[OFF_B:.+]], %[[SIZES_B:.+]]:3, %[[STRIDES_B:.+]]:3 = memref.extract_strided_metadata %[[B]]
// CHECK:         %[[SB:.+]] = arith.index_cast %[[STRIDES_B]]#0 : index to i64
// CHECK:         %[[BASE_C:.+]], %[[OFF_C:.+]], %[[SIZES_C:.+]]:3, %[[STRIDES_C:.+]]:3 = memref.extract_strided_metadata %[[C]]
// CHECK:         %[[SC:.+]] = arith.index_cast %[[STRIDES_C]]#0 : index to i64
// CHECK:         %[[D0:.+]] = memref.dim %[[C]], %c0
// CHECK:         %[[BATCH:.+]] = arith.index_cast %[[D0]] : index to i64
// CHECK:         call @sto_cuda_compiled_sgemm(%{{.+}}, %[[BATCH]], %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %[[SA]], %{{.+}}, %{{.+}}, %[[SB]], %{{.+}}, %{{.+}}, %{{.+}}, %[[SC]])
// CHECK-NOT:     linalg.batch_matmul
func.func @batch(%a: memref<4x8x16xf32>, %b: memref<4x16x32xf32>, %c: memref<4x8x32xf32>) {
  linalg.batch_matmul ins(%a, %b : memref<4x8x16xf32>, memref<4x16x32xf32>) outs(%c : memref<4x8x32xf32>)
  return
}

// -----

// Left to the generic lowering: other element types, columns that are not
// contiguous, tensors (not yet bufferized), products inside a parallel loop,
// broadcast maps, and an output that is an input.
// CHECK-NOT: func.func private @sto_cuda_compiled_sgemm
// CHECK-LABEL: func.func @f64(
// CHECK:         linalg.matmul
func.func @f64(%a: memref<8x16xf64>, %b: memref<16x32xf64>, %c: memref<8x32xf64>) {
  linalg.matmul ins(%a, %b : memref<8x16xf64>, memref<16x32xf64>) outs(%c : memref<8x32xf64>)
  return
}

// CHECK-LABEL: func.func @f16(
// CHECK:         linalg.matmul
func.func @f16(%a: memref<8x16xf16>, %b: memref<16x32xf16>, %c: memref<8x32xf16>) {
  linalg.matmul ins(%a, %b : memref<8x16xf16>, memref<16x32xf16>) outs(%c : memref<8x32xf16>)
  return
}

// CHECK-LABEL: func.func @column_strided(
// CHECK:         linalg.matmul
func.func @column_strided(%a: memref<8x16xf32, strided<[32, 2]>>, %b: memref<16x32xf32>, %c: memref<8x32xf32>) {
  linalg.matmul ins(%a, %b : memref<8x16xf32, strided<[32, 2]>>, memref<16x32xf32>) outs(%c : memref<8x32xf32>)
  return
}

// CHECK-LABEL: func.func @dynamic_inner_stride(
// CHECK:         linalg.matmul
func.func @dynamic_inner_stride(%a: memref<8x16xf32>, %b: memref<16x32xf32, strided<[?, ?]>>, %c: memref<8x32xf32>) {
  linalg.matmul ins(%a, %b : memref<8x16xf32>, memref<16x32xf32, strided<[?, ?]>>) outs(%c : memref<8x32xf32>)
  return
}

// CHECK-LABEL: func.func @on_tensors(
// CHECK:         linalg.matmul
func.func @on_tensors(%a: tensor<8x16xf32>, %b: tensor<16x32xf32>, %c: tensor<8x32xf32>) -> tensor<8x32xf32> {
  %r = linalg.matmul ins(%a, %b : tensor<8x16xf32>, tensor<16x32xf32>) outs(%c : tensor<8x32xf32>) -> tensor<8x32xf32>
  return %r : tensor<8x32xf32>
}

// CHECK-LABEL: func.func @in_parallel_loop(
// CHECK:         scf.parallel
// CHECK:           linalg.matmul
func.func @in_parallel_loop(%a: memref<8x16xf32>, %b: memref<16x32xf32>, %c: memref<4x8x32xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  scf.parallel (%i) = (%c0) to (%c4) step (%c1) {
    %ci = memref.subview %c[%i, 0, 0] [1, 8, 32] [1, 1, 1] : memref<4x8x32xf32> to memref<8x32xf32, strided<[32, 1], offset: ?>>
    linalg.matmul ins(%a, %b : memref<8x16xf32>, memref<16x32xf32>) outs(%ci : memref<8x32xf32, strided<[32, 1], offset: ?>>)
    scf.reduce
  }
  return
}

// CHECK-LABEL: func.func @broadcast_a(
// CHECK:         linalg.matmul
func.func @broadcast_a(%a: memref<16xf32>, %b: memref<16x32xf32>, %c: memref<8x32xf32>) {
  linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>]
    ins(%a, %b : memref<16xf32>, memref<16x32xf32>) outs(%c : memref<8x32xf32>)
  return
}

// CHECK-LABEL: func.func @output_is_input(
// CHECK:         linalg.matmul
func.func @output_is_input(%a: memref<8x8xf32>, %b: memref<8x8xf32>) {
  linalg.matmul ins(%a, %b : memref<8x8xf32>, memref<8x8xf32>) outs(%a : memref<8x8xf32>)
  return
}
