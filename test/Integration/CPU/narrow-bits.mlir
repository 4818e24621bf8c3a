// f16 and bf16 values that compiled code only moves keep their bits on every
// x86 CPU. LLVM's x86 backend held a bfloat phi or select in a float
// register: with AVX512-BF16 (the host build on Zen 4/5 and Sapphire
// Rapids) it went through f32 and back with vcvtneps2bf16, which flushes
// subnormals and quiets signalling NaNs, so dispatch's exact row copies and
// a bf16 bias of subnormals lost bits on those CPUs only; F16C quieted an
// f16's signalling NaN the same way. The CPU pipeline now moves such values
// as i16 (docs/Compiling.md, Element types). Each build runs the same
// checks: the host, x86-64-v3 (no AVX-512), and the emulated GPU lowering.
// REQUIRES: x86_64

// RUN: rm -rf %t && mkdir -p %t
// RUN: sto-compile %s -o %t/host.o --header %t/narrow.h
// RUN: %clangxx %sto_driver_flags -I%t %S/Inputs/narrow-bits.cpp %t/host.o %sto_runtime_link -o %t/host
// RUN: %t/host | FileCheck %s
// RUN: sto-compile %s --mcpu=x86-64-v3 -o %t/v3.o --header %t/narrow.h
// RUN: %clangxx %sto_driver_flags -I%t %S/Inputs/narrow-bits.cpp %t/v3.o %sto_runtime_link -o %t/v3
// RUN: %t/v3 | FileCheck %s
// RUN: sto-compile %s --target=cuda-emulator -o %t/emu.o --header %t/narrow.h
// RUN: %clangxx %sto_driver_flags -I%t %S/Inputs/narrow-bits.cpp %t/emu.o %sto_runtime_link -o %t/emu
// RUN: env OMP_NUM_THREADS=2 %t/emu | FileCheck %s

// CHECK: dispatch bf16: 0 of 32 copied elements differ
// CHECK: dispatch bf16 dynamic: 0 of 32 copied elements differ
// CHECK: dispatch f16 dynamic: 0 of 32 copied elements differ
// CHECK: balance_bias bf16: 0001 0001
// CHECK: select bf16: 0 of 8 differ
// CHECK: scaled f16: 0 of 8 differ
// CHECK: scaled bf16: 0 of 8 differ

func.func @dispatch_bf16(%x: tensor<4x8xbf16>, %i: tensor<4x1xi32>)
    -> (tensor<1x4x8xbf16>, tensor<4x1xi32>) {
  %b, %s = sto.dispatch %x, %i {num_experts = 1 : i64, capacity = 4 : i64}
      : tensor<4x8xbf16>, tensor<4x1xi32> -> tensor<1x4x8xbf16>, tensor<4x1xi32>
  return %b, %s : tensor<1x4x8xbf16>, tensor<4x1xi32>
}

func.func @dispatch_bf16_dyn(%x: tensor<?x?xbf16>, %i: tensor<?x1xi32>)
    -> (tensor<1x4x?xbf16>, tensor<?x1xi32>) {
  %b, %s = sto.dispatch %x, %i {num_experts = 1 : i64, capacity = 4 : i64}
      : tensor<?x?xbf16>, tensor<?x1xi32> -> tensor<1x4x?xbf16>, tensor<?x1xi32>
  return %b, %s : tensor<1x4x?xbf16>, tensor<?x1xi32>
}

func.func @dispatch_f16_dyn(%x: tensor<?x?xf16>, %i: tensor<?x1xi32>)
    -> (tensor<1x4x?xf16>, tensor<?x1xi32>) {
  %b, %s = sto.dispatch %x, %i {num_experts = 1 : i64, capacity = 4 : i64}
      : tensor<?x?xf16>, tensor<?x1xi32> -> tensor<1x4x?xf16>, tensor<?x1xi32>
  return %b, %s : tensor<1x4x?xf16>, tensor<?x1xi32>
}

// RN_bf16(2^-133 -+ 2^-149): the bias of a subnormal, one expert under and
// one over the mean load.
func.func @bias_bf16(%b: tensor<?xbf16>, %l: tensor<?xi32>) -> tensor<?xbf16> {
  %r = sto.balance_bias %b, %l {rate = 1.0e-45 : f64} : tensor<?xbf16>, tensor<?xi32>
  return %r : tensor<?xbf16>
}

// The model's own select of bf16 values.
func.func @select_bf16(%c: tensor<?xi1>, %a: tensor<?xbf16>, %b: tensor<?xbf16>)
    -> tensor<?xbf16> {
  %r = arith.select %c, %a, %b : tensor<?xi1>, tensor<?xbf16>
  return %r : tensor<?xbf16>
}

// Arithmetic with f16/bf16 constants: the constants move as bits too, and
// come back as floats where they are computed on (a scalar and a splat).
func.func @scaled_f16(%x: tensor<8xf16>) -> tensor<8xf16> {
  %k = arith.constant 1.5 : f16
  %e = tensor.empty() : tensor<8xf16>
  %y = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>],
                       iterator_types = ["parallel"]}
      ins(%x : tensor<8xf16>) outs(%e : tensor<8xf16>) {
  ^bb0(%a: f16, %o: f16):
    %t = arith.mulf %a, %k : f16
    linalg.yield %t : f16
  } -> tensor<8xf16>
  return %y : tensor<8xf16>
}

func.func @scaled_bf16(%x: tensor<8xbf16>) -> tensor<8xbf16> {
  %k = arith.constant dense<1.5> : tensor<8xbf16>
  %y = arith.mulf %x, %k : tensor<8xbf16>
  return %y : tensor<8xbf16>
}
