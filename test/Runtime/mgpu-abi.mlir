// The mgpu* functions that MLIR 22 emits for the GPU dialect, with the exact
// signatures that libsto_runtime (lib/Runtime/CudaRuntime.cpp, declared in
// lib/Runtime/CudaMgpu.h) implements. If an MLIR upgrade changes one, this
// test fails: update the runtime with it.
//
// RUN: sto-opt %s --gpu-async-region --gpu-to-llvm --convert-func-to-llvm \
// RUN:   --finalize-memref-to-llvm --convert-arith-to-llvm \
// RUN:   --reconcile-unrealized-casts \
// RUN: | mlir-translate --mlir-to-llvmir | FileCheck %s
// Without gpu-async-region (it would make host_shared allocations async,
// which gpu-to-llvm rejects):
// RUN: sto-opt %S/Inputs/mgpu-sync.mlir --gpu-to-llvm --convert-func-to-llvm \
// RUN:   --finalize-memref-to-llvm --convert-arith-to-llvm \
// RUN:   --reconcile-unrealized-casts \
// RUN: | mlir-translate --mlir-to-llvmir | FileCheck %s --check-prefix=SYNC
// mgpuTensorMapEncodeTiledMemref: see mgpu-abi-tma.mlir.

// Modules: loaded by a global constructor and unloaded by a global
// destructor (priority 123); functions looked up at every launch.
// CHECK: @llvm.global_ctors = {{.*}} i32 123, ptr @kbin_load
// CHECK: @llvm.global_dtors = {{.*}} i32 123, ptr @kbin_unload

// A token that does not come from a stream-creating op is an event.
// CHECK-LABEL: define void @wait_token(
// CHECK-NEXT: call void @mgpuEventSynchronize(ptr %0)
// CHECK-NEXT: call void @mgpuEventDestroy(ptr %0)

// Declarations follow the functions.
// CHECK-DAG: declare ptr @mgpuModuleLoad(ptr, i64)
// CHECK-DAG: declare ptr @mgpuModuleLoadJIT(ptr, i32)
// CHECK-DAG: declare void @mgpuModuleUnload(ptr)
// CHECK-DAG: declare ptr @mgpuModuleGetFunction(ptr, ptr)
// (function, grid xyz, block xyz, dynamic shared memory, stream, params,
// extra, number of params)
// CHECK-DAG: declare void @mgpuLaunchKernel(ptr, i64, i64, i64, i64, i64, i64, i32, ptr, ptr, ptr, i64)
// (function, cluster xyz, grid xyz, block xyz, smem, stream, params, extra:
// no count)
// CHECK-DAG: declare void @mgpuLaunchClusterKernel(ptr, i64, i64, i64, i64, i64, i64, i64, i64, i64, i32, ptr, ptr, ptr)
// Streams, events: gpu.wait, async tokens.
// CHECK-DAG: declare ptr @mgpuStreamCreate()
// CHECK-DAG: declare void @mgpuStreamSynchronize(ptr)
// CHECK-DAG: declare void @mgpuStreamDestroy(ptr)
// CHECK-DAG: declare void @mgpuStreamWaitEvent(ptr, ptr)
// CHECK-DAG: declare ptr @mgpuEventCreate()
// CHECK-DAG: declare void @mgpuEventRecord(ptr, ptr)
// CHECK-DAG: declare void @mgpuEventSynchronize(ptr)
// CHECK-DAG: declare void @mgpuEventDestroy(ptr)
// Memory: (bytes, stream, host_shared); (ptr, stream); (dst, src, bytes,
// stream); (dst, value, count, stream).
// CHECK-DAG: declare ptr @mgpuMemAlloc(i64, ptr, i8)
// CHECK-DAG: declare void @mgpuMemFree(ptr, ptr)
// CHECK-DAG: declare void @mgpuMemcpy(ptr, ptr, i64, ptr)
// CHECK-DAG: declare void @mgpuMemset32(ptr, i32, i64, ptr)
// CHECK-DAG: declare void @mgpuMemset16(ptr, i16, i64, ptr)
// CHECK-DAG: declare void @mgpuSetDefaultDevice(i32)
// (rank, pointer to the ranked descriptor, element bytes)
// CHECK-DAG: declare void @mgpuMemHostRegisterMemRef(i64, ptr, i64)
// CHECK-DAG: declare void @mgpuMemHostUnregisterMemRef(i64, ptr, i64)

// A synchronous launch creates, synchronizes and destroys its own stream.
// SYNC-LABEL: define void @sync_launch(
// SYNC: %[[S:.*]] = call ptr @mgpuStreamCreate()
// SYNC: call void @mgpuLaunchKernel({{.*}}, ptr %[[S]], ptr %{{.*}}, ptr null, i64 5)
// SYNC-NEXT: call void @mgpuStreamSynchronize(ptr %[[S]])
// SYNC-NEXT: call void @mgpuStreamDestroy(ptr %[[S]])

// host_shared allocations pass no stream and i8 1.
// SYNC-LABEL: define {{.*}} @shared(
// SYNC: call ptr @mgpuMemAlloc(i64 %{{.*}}, ptr null, i8 1)

module attributes {gpu.container_module} {
  gpu.binary @kbin [#gpu.object<#nvvm.target<chip = "sm_90a">, "BLOB">]
  gpu.binary @kjit [#gpu.object<#nvvm.target<chip = "sm_90a">, properties = {O = 2 : i32}, assembly = "PTX">]

  func.func @all(%n: index, %m: memref<?xf32>, %h: memref<*xf32>,
                 %mi: memref<?xi32>, %mh: memref<?xf16>, %x: f32, %xi: i32,
                 %xh: f16) {
    %c1 = arith.constant 1 : index
    %c2 = arith.constant 2 : index
    %c0i = arith.constant 0 : i32
    gpu.set_default_device %c0i
    %t0 = gpu.wait async
    %a, %t1 = gpu.alloc async [%t0] (%n) : memref<?xf32>
    %t2 = gpu.memcpy async [%t1] %a, %m : memref<?xf32>, memref<?xf32>
    %t3 = gpu.memset async [%t2] %a, %x : memref<?xf32>, f32
    %t4 = gpu.memset async [%t3] %mi, %xi : memref<?xi32>, i32
    %t5 = gpu.memset async [%t4] %mh, %xh : memref<?xf16>, f16
    %t6 = gpu.launch_func async [%t5] @kbin::@k blocks in (%c1, %c1, %c1)
        threads in (%c2, %c1, %c1) args(%a : memref<?xf32>)
    %t7 = gpu.launch_func async [%t6] @kbin::@k clusters in (%c1, %c1, %c1)
        blocks in (%c1, %c1, %c1) threads in (%c2, %c1, %c1)
        dynamic_shared_memory_size %c0i args(%a : memref<?xf32>)
    %t8 = gpu.launch_func async [%t7] @kjit::@k blocks in (%c1, %c1, %c1)
        threads in (%c2, %c1, %c1) args(%a : memref<?xf32>)
    %other = gpu.wait async
    %t9 = gpu.wait async [%t8, %other]
    %t10 = gpu.dealloc async [%t9] %a : memref<?xf32>
    gpu.wait [%t10]
    gpu.host_register %h : memref<*xf32>
    gpu.host_unregister %h : memref<*xf32>
    return
  }

  // A token that does not come from a stream-creating op is an event.
  func.func @wait_token(%t: !gpu.async.token) {
    gpu.wait [%t]
    return
  }
}
