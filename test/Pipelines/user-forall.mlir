// A model's own scf.forall runs in parallel like linalg's loops: an OpenMP
// worksharing loop on the CPU (SCFToControlFlow alone made it sequential),
// one kernel on the GPU (it stayed a host loop that launched a kernel per
// iteration for its copy), 256 iterations per thread block, each row's copy
// a loop in its thread (the copy's own parallel loop had taken the threads,
// one row per block of one thread).
//
// RUN: sto-compile %s --compile-to=loops | FileCheck %s --check-prefix=CPU
// RUN: sto-compile %s --target=cuda --gpu-format=isa --compile-to=loops | FileCheck %s --check-prefix=CUDA

// CPU-LABEL: func.func @__sto_impl_rows(
// CPU:         omp.parallel
// CPU-NEXT:      omp.wsloop
// CPU-NEXT:        omp.loop_nest
// CPU-NOT:     scf.forall

// CUDA-LABEL: func.func @__sto_impl_rows(
// CUDA:         gpu.launch_func {{.*}} threads in (%c256, %c1, %c1)
// CUDA-NOT:     gpu.launch_func
// CUDA:         return
func.func @rows(%x: tensor<?x8xf32>, %idx: tensor<?xindex>) -> tensor<?x8xf32> {
  %c0 = arith.constant 0 : index
  %n = tensor.dim %idx, %c0 : tensor<?xindex>
  %e = tensor.empty(%n) : tensor<?x8xf32>
  %r = scf.forall (%i) in (%n) shared_outs(%o = %e) -> tensor<?x8xf32> {
    %k = tensor.extract %idx[%i] : tensor<?xindex>
    %s = tensor.extract_slice %x[%k, 0] [1, 8] [1, 1] : tensor<?x8xf32> to tensor<1x8xf32>
    scf.forall.in_parallel {
      tensor.parallel_insert_slice %s into %o[%i, 0] [1, 8] [1, 1] : tensor<1x8xf32> into tensor<?x8xf32>
    }
  }
  return %r : tensor<?x8xf32>
}
