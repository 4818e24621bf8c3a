// sto-compile --target=cuda writes a host object whose kernels are in a
// fatbin holding an sm_90a cubin and PTX, and whose C entry points call the
// mgpu* functions of libsto_runtime.
// REQUIRES: ptxas
// RUN: sto-compile %s --target=cuda --chip=sm_90a -o %t.o --header %t.h
// RUN: %python %S/Inputs/fatbin-entries.py %t.o | FileCheck %s --check-prefix=FATBIN
// RUN: llvm-nm %t.o | FileCheck %s --check-prefix=SYMS
// RUN: FileCheck %s --check-prefix=HEADER < %t.h

// FATBIN: entry elf sm_90
// FATBIN: entry ptx sm_90

// SYMS-DAG: T dropout
// SYMS-DAG: U mgpuLaunchKernel
// SYMS-DAG: U mgpuModuleLoad

// HEADER: Tensors are
// HEADER-NEXT: contiguous row-major DEVICE arrays (CUDA device pointers, 16-byte aligned);
// HEADER-NEXT: results are allocated by the caller and overlap no other array.
// HEADER: int32_t dropout(int64_t arg0, const float *arg1, float *result0);

func.func @dropout(%s: i64, %x: tensor<1024x256xf32>) -> tensor<1024x256xf32> {
  %k = sto.seed %s : i64
  %y = sto.dropout %k, %x {rate = 1.0e-01 : f64} : tensor<1024x256xf32>
  return %y : tensor<1024x256xf32>
}

// What the GPU mapping cannot make a parallel kernel (here the store of a
// rank-0 result) runs in a kernel of one thread: no access to the buffers
// stays on the host, and nothing is reported.
// RUN: sto-compile %S/Inputs/rank0-cuda.mlir --target=cuda -o %t.rank0.o 2>&1 | count 0

// A --cuda-path that is not a CUDA toolkit stops the compilation (MLIR's
// serializer would report it and fall back to another ptxas), and no object
// is left behind.
// RUN: rm -f %t.badpath.o
// RUN: not sto-compile %s --target=cuda --cuda-path=%t.nowhere -o %t.badpath.o 2>&1 | FileCheck %s --check-prefix=BADPATH
// RUN: not test -e %t.badpath.o
// BADPATH: sto-compile: error: --cuda-path '{{.*}}nowhere' is not a CUDA toolkit (no executable bin/ptxas)
// RUN: sto-compile %S/Inputs/rank0-cuda.mlir --target=cuda --compile-to=loops | FileCheck %s --check-prefix=RANK0
// RANK0-LABEL: func.func @__sto_impl_r0(
// RANK0-NOT:     memref.store
// RANK0:         gpu.launch_func @{{.+}} blocks in (%[[ONE:.+]], %[[ONE]], %[[ONE]]) threads in (%[[ONE]], %[[ONE]], %[[ONE]])
// RANK0-NOT:     memref.store
// RANK0:         return
// RANK0:       gpu.func
// RANK0:         memref.store
