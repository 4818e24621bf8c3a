// RUN: sto-opt %s --sto-host-buffers-to-gpu -split-input-file -verify-diagnostics | FileCheck %s
// RUN: sto-opt %s --sto-host-buffers-to-gpu -split-input-file -verify-diagnostics \
// RUN:   | sto-opt --gpu-to-llvm --reconcile-unrealized-casts -split-input-file \
// RUN:   | FileCheck %s --check-prefix=LLVM --implicit-check-not=gpu.alloc --implicit-check-not=gpu.memcpy --implicit-check-not=gpu.dealloc --implicit-check-not=gpu.wait

// In a CUDA module every buffer is in device memory: host-side
// memref.alloc/dealloc/copy become gpu.alloc/dealloc/memcpy. Each is the
// async form (the only one gpu-to-llvm lowers) on a stream of its own that
// is waited for at once, so it stays synchronous. Ops inside gpu.launch
// bodies and GPU modules are left alone.

// CHECK-LABEL: func.func @host(
// CHECK-SAME:    %[[X:[^:]+]]: memref<1024xf32>, %[[OUT:[^:]+]]: memref<1024xf32>, %[[N:[^:]+]]: index)
// CHECK:         %[[S0:.+]] = gpu.wait async
// CHECK-NEXT:    %[[A:.+]], %[[T0:.+]] = gpu.alloc async [%[[S0]]] () : memref<1024xf32>
// CHECK-NEXT:    gpu.wait [%[[T0]]]
// CHECK-NEXT:    %[[S1:.+]] = gpu.wait async
// CHECK-NEXT:    %[[D:.+]], %[[T1:.+]] = gpu.alloc async [%[[S1]]] (%[[N]]) : memref<?x4xf32>
// CHECK-NEXT:    gpu.wait [%[[T1]]]
// CHECK-NEXT:    %[[S2:.+]] = gpu.wait async
// CHECK-NEXT:    %[[T2:.+]] = gpu.memcpy async [%[[S2]]] %[[A]], %[[X]] : memref<1024xf32>, memref<1024xf32>
// CHECK-NEXT:    gpu.wait [%[[T2]]]
// CHECK-NEXT:    %[[S3:.+]] = gpu.wait async
// CHECK-NEXT:    %[[T3:.+]] = gpu.memcpy async [%[[S3]]] %[[OUT]], %[[A]] : memref<1024xf32>, memref<1024xf32>
// CHECK-NEXT:    gpu.wait [%[[T3]]]
// CHECK-NEXT:    %[[S4:.+]] = gpu.wait async
// CHECK-NEXT:    %[[T4:.+]] = gpu.dealloc async [%[[S4]]] %[[D]] : memref<?x4xf32>
// CHECK-NEXT:    gpu.wait [%[[T4]]]
// CHECK-NEXT:    %[[S5:.+]] = gpu.wait async
// CHECK-NEXT:    %[[T5:.+]] = gpu.dealloc async [%[[S5]]] %[[A]] : memref<1024xf32>
// CHECK-NEXT:    gpu.wait [%[[T5]]]
// CHECK-NEXT:    return

// All of it lowers to the mgpu* runtime calls, none left as a gpu op.
// LLVM-LABEL: llvm.func @host(
// LLVM:         %[[S:.+]] = llvm.call @mgpuStreamCreate()
// LLVM:         llvm.call @mgpuMemAlloc(%{{.+}}, %[[S]], %{{.+}})
// LLVM:         llvm.call @mgpuStreamSynchronize(%[[S]])
// LLVM-NEXT:    llvm.call @mgpuStreamDestroy(%[[S]])
// LLVM:         llvm.call @mgpuMemAlloc(
// LLVM:         llvm.call @mgpuMemcpy(
// LLVM:         llvm.call @mgpuMemcpy(
// LLVM:         llvm.call @mgpuMemFree(
// LLVM:         llvm.call @mgpuMemFree(
// LLVM-NOT:     gpu.
// LLVM-NOT:     unrealized_conversion_cast
// LLVM:         llvm.return
module attributes {gpu.container_module} {
  func.func @host(%x: memref<1024xf32>, %out: memref<1024xf32>, %n: index) {
    %a = memref.alloc() {alignment = 64 : i64} : memref<1024xf32>
    %d = memref.alloc(%n) : memref<?x4xf32>
    memref.copy %x, %a : memref<1024xf32> to memref<1024xf32>
    memref.copy %a, %out : memref<1024xf32> to memref<1024xf32>
    memref.dealloc %d : memref<?x4xf32>
    memref.dealloc %a : memref<1024xf32>
    return
  }
}

// -----

// Host code in nested regions (a training loop) counts too; a stack
// allocation (memref.alloca) is not a buffer of the module.

// CHECK-LABEL: func.func @in_loop(
// CHECK:         memref.alloca() : memref<4xindex>
// CHECK:         scf.for
// CHECK-NEXT:      %[[S:.+]] = gpu.wait async
// CHECK-NEXT:      %[[A:.+]], %[[T:.+]] = gpu.alloc async [%[[S]]] () : memref<8xf32>
// CHECK-NEXT:      gpu.wait [%[[T]]]
// CHECK:           gpu.dealloc async [%{{.+}}] %[[A]]
// CHECK-NOT:     memref.alloc(
// CHECK-NOT:     memref.dealloc
module attributes {gpu.container_module} {
  func.func @in_loop(%n: index) {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %s = memref.alloca() : memref<4xindex>
    scf.for %i = %c0 to %n step %c1 {
      %a = memref.alloc() : memref<8xf32>
      memref.dealloc %a : memref<8xf32>
    }
    return
  }
}

// -----

// Inside a gpu.launch body and a GPU module the ops are the kernel's own.

// CHECK-LABEL: func.func @launch(
// CHECK:         gpu.launch
// CHECK-NEXT:      %[[L:.+]] = memref.alloc() : memref<4xf32>
// CHECK-NEXT:      memref.copy %{{.+}}, %[[L]]
// CHECK-NEXT:      memref.dealloc %[[L]]
// CHECK-NEXT:      gpu.terminator
// CHECK:       gpu.module @kernels
// CHECK:         gpu.func @k(
// CHECK-NEXT:      %[[K:.+]] = memref.alloc() : memref<4xf32>
// CHECK-NEXT:      memref.copy %{{.+}}, %[[K]]
// CHECK-NEXT:      memref.dealloc %[[K]]
// CHECK-NEXT:      gpu.return
module attributes {gpu.container_module} {
  func.func @launch(%x: memref<4xf32>) {
    %c1 = arith.constant 1 : index
    gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
               threads(%tx, %ty, %tz) in (%sx = %c1, %sy = %c1, %sz = %c1) {
      %l = memref.alloc() : memref<4xf32>
      memref.copy %x, %l : memref<4xf32> to memref<4xf32>
      memref.dealloc %l : memref<4xf32>
      gpu.terminator
    }
    return
  }
  gpu.module @kernels {
    gpu.func @k(%x: memref<4xf32>) kernel {
      %l = memref.alloc() : memref<4xf32>
      memref.copy %x, %l : memref<4xf32> to memref<4xf32>
      memref.dealloc %l : memref<4xf32>
      gpu.return
    }
  }
}

// -----

// gpu.memcpy copies whole buffers from their base pointers: a copy into a
// strided view (the target of an insert_slice) or out of an offset one has
// no device form and is an error rather than a wrong copy.

module attributes {gpu.container_module} {
  func.func @strided_target(%x: memref<16x8xf32>, %y: memref<16x9xf32>) {
    %s = memref.subview %y[0, 0] [16, 8] [1, 1] : memref<16x9xf32> to memref<16x8xf32, strided<[9, 1]>>
    // expected-error @+1 {{copy from 'memref<16x8xf32>' to 'memref<16x8xf32, strided<[9, 1]>>' involves a strided or offset view, which gpu.memcpy cannot copy (it copies whole buffers from their base pointers)}}
    memref.copy %x, %s : memref<16x8xf32> to memref<16x8xf32, strided<[9, 1]>>
    return
  }
}

// -----

module attributes {gpu.container_module} {
  func.func @offset_source(%x: memref<16x8xf32>, %y: memref<4x8xf32>, %i: index) {
    %s = memref.subview %x[%i, 0] [4, 8] [1, 1] : memref<16x8xf32> to memref<4x8xf32, strided<[8, 1], offset: ?>>
    // expected-error @+1 {{copy from 'memref<4x8xf32, strided<[8, 1], offset: ?>>' to 'memref<4x8xf32>' involves a strided or offset view}}
    memref.copy %s, %y : memref<4x8xf32, strided<[8, 1], offset: ?>> to memref<4x8xf32>
    return
  }
}
