// An MLP layer for --target=cuda: the product goes to cuBLAS (one call of
// libsto_runtime's sto_cuda_compiled_sgemm, no kernel and no host loop for
// it), and bias + dropout + erf around it become ONE fused kernel. The zero
// fill of the product's buffer is dropped (beta = 0). The entry point
// returns the CUDA runtime's error state, where a failed cuBLAS call lands.
// RUN: sto-compile %s --target=cuda --chip=sm_90a --compile-to=linalg | FileCheck %s --check-prefix=LINALG
// RUN: sto-compile %s --target=cuda --chip=sm_90a --compile-to=loops | FileCheck %s --check-prefix=LOOPS
// RUN: sto-compile %s --target=cuda --chip=sm_90a --compile-to=llvm | FileCheck %s --check-prefix=LLVM

// The product stays a named linalg.matmul through fusion (the dropout's
// 4-lane blocking is not propagated into it), followed by one generic.
// LINALG-LABEL: func.func @__sto_impl_mlp_layer(
// LINALG:         linalg.matmul
// LINALG-SAME:      -> tensor<64x128xf32>
// LINALG-COUNT-1: linalg.generic
// LINALG-NOT:     linalg.generic
// LINALG:         return

// LOOPS:       func.func private @sto_cuda_compiled_sgemm(i32, i64, i64, i64, i64, f32, !llvm.ptr, i64, i64, !llvm.ptr, i64, i64, f32, !llvm.ptr, i64, i64)
// LOOPS-LABEL: func.func @__sto_impl_mlp_layer(
// LOOPS-SAME:      %{{.+}}: i64, %[[X:.+]]: memref<64x256xf32>, %[[W:.+]]: memref<256x128xf32>, %[[B:.+]]: memref<128xf32>, %[[OUT:.+]]: memref<64x128xf32>)
// LOOPS-DAG:     %[[FLAGS:.+]] = arith.constant 0 : i32
// LOOPS-DAG:     %[[ONE:.+]] = arith.constant 1.000000e+00 : f32
// LOOPS-DAG:     %[[ZERO:.+]] = arith.constant 0.000000e+00 : f32
// LOOPS-DAG:     %[[I1:.+]] = arith.constant 1 : i64
// LOOPS-DAG:     %[[I64:.+]] = arith.constant 64 : i64
// LOOPS-DAG:     %[[I128:.+]] = arith.constant 128 : i64
// LOOPS-DAG:     %[[I256:.+]] = arith.constant 256 : i64
// The product's buffer is a device temporary; no fill kernel runs on it.
// LOOPS:         %[[H:.+]], %{{.+}} = gpu.alloc async
// LOOPS-NOT:     gpu.launch_func
// LOOPS:         %[[PX_I:.+]] = memref.extract_aligned_pointer_as_index %[[X]]
// LOOPS:         %[[PX:.+]] = llvm.inttoptr
// LOOPS:         %[[PW_I:.+]] = memref.extract_aligned_pointer_as_index %[[W]]
// LOOPS:         %[[PW:.+]] = llvm.inttoptr
// LOOPS:         %[[PH_I:.+]] = memref.extract_aligned_pointer_as_index %[[H]]
// LOOPS:         %[[PH:.+]] = llvm.inttoptr
// C[64,128] = X[64,256] * W[256,128]: m = 64, n = 128, k = 256, lda = 256,
// ldb = 128, ldc = 128, beta = 0.
// LOOPS:         call @sto_cuda_compiled_sgemm(%[[FLAGS]], %[[I1]], %[[I64]], %[[I128]], %[[I256]], %[[ONE]], %[[PX]], %[[I256]], %{{.+}}, %[[PW]], %[[I128]], %{{.+}}, %[[ZERO]], %[[PH]], %[[I128]], %{{.+}})
// Then exactly one kernel: bias, dropout and erf fused, reading the product.
// LOOPS:         gpu.launch_func @__sto_impl_mlp_layer_kernel::@__sto_impl_mlp_layer_kernel
// LOOPS-NOT:     gpu.launch_func
// LOOPS:         gpu.dealloc async {{.*}} %[[H]]
// No loop and no access to device memory is left on the host.
// LOOPS-NOT:     scf.for
// LOOPS-NOT:     memref.load
// LOOPS-NOT:     memref.store
// LOOPS:         return
// LOOPS:       gpu.module @__sto_impl_mlp_layer_kernel
// LOOPS:         gpu.func @__sto_impl_mlp_layer_kernel(
// LOOPS-DAG:       arith.mului_extended
// LOOPS-DAG:       vector.load {{.*}} : memref<64x32x4xf32>, vector<4xf32>
// LOOPS-DAG:       vector.load {{.*}} : memref<32x4xf32>, vector<4xf32>
// LOOPS-DAG:       arith.addf
// LOOPS-DAG:       math.erf
// LOOPS:           vector.store {{.*}} : memref<64x32x4xf32>, vector<4xf32>
// LOOPS-NOT:     linalg.matmul
// LOOPS-NOT:     gpu.func

// LLVM:       llvm.func @sto_cuda_compiled_sgemm(i32, i64, i64, i64, i64, f32, !llvm.ptr, i64, i64, !llvm.ptr, i64, i64, f32, !llvm.ptr, i64, i64)
// LLVM-LABEL: llvm.func internal @__sto_impl_mlp_layer(
// LLVM:         llvm.call @sto_cuda_compiled_sgemm(
// LLVM:         gpu.launch_func
// LLVM-LABEL: llvm.func @mlp_layer(
// LLVM:         llvm.call @sto_cuda_clear_error()
// LLVM:         llvm.call @__sto_impl_mlp_layer(
// LLVM:         llvm.call @sto_cuda_last_error()
func.func @mlp_layer(%s: i64, %x: tensor<64x256xf32>, %w: tensor<256x128xf32>, %b: tensor<128xf32>) -> tensor<64x128xf32> {
  %k = sto.seed %s : i64
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<64x128xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<64x128xf32>) -> tensor<64x128xf32>
  %mm = linalg.matmul ins(%x, %w : tensor<64x256xf32>, tensor<256x128xf32>) outs(%z : tensor<64x128xf32>) -> tensor<64x128xf32>
  %bb = linalg.broadcast ins(%b : tensor<128xf32>) outs(%e : tensor<64x128xf32>) dimensions = [0]
  %h = arith.addf %mm, %bb : tensor<64x128xf32>
  %d = sto.dropout %k, %h {rate = 1.0e-01 : f64} : tensor<64x128xf32>
  %g = math.erf %d : tensor<64x128xf32>
  return %g : tensor<64x128xf32>
}
