// The TMA descriptor function of libsto_runtime (mgpu-abi.mlir has the
// others). sto-opt does not register nvgpu: this uses MLIR's mlir-opt.
// RUN: mlir-opt %s --convert-nvgpu-to-nvvm --convert-func-to-llvm \
// RUN:   --finalize-memref-to-llvm --convert-arith-to-llvm \
// RUN:   --reconcile-unrealized-casts \
// RUN: | FileCheck %s

// TMA descriptors (nvgpu.tma.create.descriptor, convert-nvgpu-to-nvvm):
// (rank, ranked descriptor, data type, interleave, swizzle, l2 promotion,
// oob fill, box sizes) -> device pointer to the CUtensorMap.
// CHECK: llvm.func @mgpuTensorMapEncodeTiledMemref(i64, !llvm.ptr, i64, i64, i64, i64, i64, !llvm.ptr) -> !llvm.ptr

!tm = !nvgpu.tensormap.descriptor<tensor = memref<128x64xf16, 3>,
    swizzle = swizzle_128b, l2promo = none, oob = zero, interleave = none>
func.func @tma(%m: memref<*xf16>) -> !tm {
  %c64 = arith.constant 64 : index
  %c128 = arith.constant 128 : index
  %d = nvgpu.tma.create.descriptor %m box[%c128, %c64] : memref<*xf16> -> !tm
  return %d : !tm
}
