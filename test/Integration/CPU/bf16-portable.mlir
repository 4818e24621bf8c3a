// bf16 samplers built for portable CPUs link with the documented command and
// give the host build's bits. LLVM's x86 backend without native bf16 turns a
// select of a partly filled bfloat vector (the clamp of a 7-element uniform)
// into a round trip through f32 whose way back calls __truncsfbf2, which
// libgcc 12 lacks: the x86-64-v2/v3/v4 objects did not link until
// libsto_runtime provided it. Each build gets its own prefix (sed), and the
// driver compares them with the host build (driver: Inputs/bf16-portable.cpp).
// f64 narrowed to bf16 (arith.truncf) calls __truncdfbf2 likewise, which
// libsto_runtime provides too: each build against a reference that picks
// the nearest of the neighbouring bf16 values, ties to even.
// REQUIRES: x86_64

// RUN: rm -rf %t && mkdir -p %t
// RUN: sed 's/@f_/@host_/g' %s > %t/host.mlir
// RUN: sed 's/@f_/@v3_/g' %s > %t/v3.mlir
// RUN: sed 's/@f_/@v4_/g' %s > %t/v4.mlir
// RUN: sto-compile %t/host.mlir -o %t/host.o --header %t/host.h
// RUN: sto-compile %t/v3.mlir --mcpu=x86-64-v3 -o %t/v3.o --header %t/v3.h
// RUN: sto-compile %t/v4.mlir --mcpu=x86-64-v4 -o %t/v4.o --header %t/v4.h
// RUN: %clangxx %sto_driver_flags -I%t %S/Inputs/bf16-portable.cpp %t/host.o %t/v3.o %t/v4.o %sto_runtime_link -o %t/bf16
// RUN: %t/bf16 | FileCheck %s

// CHECK: uniform bf16 [7]: x86-64-v3 0 of 7 differ, x86-64-v4 0 of 7 differ
// CHECK: normal bf16 [2x3x5x7]: x86-64-v3 0 of 210 differ, x86-64-v4 0 of 210 differ
// CHECK: the bf16 round trip: 0 of 65536 bit patterns changed
// CHECK: f64 to bf16 [4096]: host 0, x86-64-v3 0, x86-64-v4 0 of 4096 differ from the reference

func.func @f_uniform(%seed: i64) -> tensor<7xbf16> {
  %k = sto.seed %seed : i64
  %y = sto.uniform %k : tensor<7xbf16>
  return %y : tensor<7xbf16>
}

func.func @f_normal(%seed: i64) -> tensor<2x3x5x7xbf16> {
  %k = sto.seed %seed : i64
  %y = sto.normal %k : tensor<2x3x5x7xbf16>
  return %y : tensor<2x3x5x7xbf16>
}

func.func @f_narrow(%x: tensor<4096xf64>) -> tensor<4096xbf16> {
  %y = arith.truncf %x : tensor<4096xf64> to tensor<4096xbf16>
  return %y : tensor<4096xbf16>
}
