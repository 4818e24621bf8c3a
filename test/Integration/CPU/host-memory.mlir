// Buffers of compiled CPU code come from libsto_runtime's allocator, which
// keeps blocks of 1 MiB and more for the next call (glibc unmapped them on
// free, and each call page-faulted its large temporaries in again: 12 ms
// instead of 2 for a 1024 x 8192 noise tensor summed by columns). The
// model's temporary (the samples, 2 MiB, which the column sum reads after
// the sampler's loop) is served from the cache from the second call on;
// with STO_HOST_CACHE_BYTES=0 never. The results do not change.
// RUN: rm -rf %t && mkdir -p %t
// RUN: sto-compile %s -o %t/m.o --header %t/host_memory.h
// RUN: sto-compile %s --compile-to=llvm | FileCheck %s --check-prefix=IR
// RUN: %clangxx %sto_driver_flags -I%t %S/Inputs/host-memory.cpp %t/m.o %sto_runtime_link -o %t/m
// RUN: %t/m > %t/cached.txt
// RUN: FileCheck %s --check-prefix=CACHED < %t/cached.txt
// RUN: env STO_HOST_CACHE_BYTES=0 %t/m > %t/uncached.txt
// RUN: FileCheck %s --check-prefix=UNCACHED < %t/uncached.txt
// RUN: grep checksum %t/cached.txt > %t/a.txt
// RUN: grep checksum %t/uncached.txt > %t/b.txt
// RUN: diff %t/a.txt %t/b.txt

// IR: llvm.call @_mlir_memref_to_llvm_alloc
// IR: llvm.call @_mlir_memref_to_llvm_free
// IR-NOT: @malloc

// CACHED: 4 calls: status 0, results identical
// CACHED: checksum
// CACHED: blocks: {{[1-9][0-9]*}} fresh, {{[3-9]|[1-9][0-9]+}} reused
// UNCACHED: 4 calls: status 0, results identical
// UNCACHED: blocks: {{[1-9][0-9]*}} fresh, 0 reused, 0 bytes kept

func.func @column_noise_sums(%seed: i64) -> tensor<1024xf32> {
  %k = sto.seed %seed : i64
  %z = sto.normal %k {mean = 0.0 : f64, stddev = 1.0 : f64} : tensor<512x1024xf32>
  %c0 = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1024xf32>
  %i = linalg.fill ins(%c0 : f32) outs(%e : tensor<1024xf32>) -> tensor<1024xf32>
  %r = linalg.reduce ins(%z : tensor<512x1024xf32>) outs(%i : tensor<1024xf32>) dimensions = [0]
    (%a: f32, %b: f32) {
      %s = arith.addf %a, %b : f32
      linalg.yield %s : f32
    }
  return %r : tensor<1024xf32>
}
