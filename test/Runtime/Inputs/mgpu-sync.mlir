// Input of mgpu-abi.mlir: lowered without gpu-async-region.
module attributes {gpu.container_module} {
  gpu.binary @kbin [#gpu.object<#nvvm.target<chip = "sm_90a">, "BLOB">]

  func.func @sync_launch(%m: memref<?xf32>) {
    %c1 = arith.constant 1 : index
    %c2 = arith.constant 2 : index
    gpu.launch_func @kbin::@k blocks in (%c1, %c1, %c1)
        threads in (%c2, %c1, %c1) args(%m : memref<?xf32>)
    return
  }

  func.func @shared(%n: index) -> memref<?xf32> {
    %a = gpu.alloc host_shared (%n) : memref<?xf32>
    return %a : memref<?xf32>
  }
}
