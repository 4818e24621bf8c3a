// Compiles the samplers (uniform, normal, bernoulli) with sto-compile, runs
// them through the C ABI and compares every element, bit for bit, with the
// reference include/sto/Runtime/Philox.h (driver: Inputs/samplers.cpp).
// Shapes: innermost sizes that are and are not multiples of 4 (3x37, 8x128,
// 1, 5), rank 0, rank 3 and dynamic; element types f32, f64, f16, bf16.

// RUN: rm -rf %t && mkdir -p %t
// RUN: sto-compile %s -o %t/samplers.o --header %t/samplers.h
// RUN: %clangxx %sto_driver_flags -I%t %S/Inputs/samplers.cpp %t/samplers.o %sto_runtime_link -o %t/samplers
// RUN: %t/samplers | FileCheck %s
// The GPU lowering run on the host (sto-emulate-gpu-kernels): the same output.
// RUN: mkdir -p %t/emu && sto-compile %s --target=cuda-emulator -o %t/emu/samplers.o --header %t/emu/samplers.h
// RUN: %clangxx %sto_driver_flags -I%t/emu %S/Inputs/samplers.cpp %t/emu/samplers.o %sto_runtime_link -o %t/samplers-emu
// RUN: %t/samplers-emu | FileCheck %s

// CHECK: uniform f32 [3x37] seed 42: 0 mismatches of 111
// CHECK: uniform f32 [3x37] seed -1: 0 mismatches of 111
// CHECK: uniform f32 [3x37] seed INT64_MIN: 0 mismatches of 111
// CHECK: uniform f32 [8x128] [-2.5, 3): 0 mismatches of 1024
// CHECK: uniform f32 [1]: 0 mismatches of 1
// CHECK: uniform f32 [5]: 0 mismatches of 5
// CHECK: uniform f32 []: 0 mismatches of 1
// CHECK: uniform f32 [2x3x7]: 0 mismatches of 42
// CHECK: uniform f32 [?x37] n=9: 0 mismatches of 333
// CHECK: uniform f32 [?x37] n=0: 0 mismatches of 0
// CHECK: uniform f32 [?x37] n=0 leaves the buffer alone: ok
// CHECK: uniform f32 [?x3x?] 4x3x5: 0 mismatches of 60
// CHECK: uniform f32 [1e6, 1e6+1) clamp [4096]: 0 mismatches of 4096
// CHECK: uniform f32 clamp reached: ok
// CHECK: uniform f64 [3x37] [-1, 1): 0 mismatches of 111
// CHECK: uniform f64 [2^50, 2^50+1) clamp [1024]: 0 mismatches of 1024
// CHECK: uniform f64 clamp reached: ok
// CHECK: uniform f16 [3x37] [-1, 1): 0 mismatches of 111
// CHECK: uniform f16 [1000, 1001) clamp [8x128]: 0 mismatches of 1024
// CHECK: uniform f16 clamp reached: ok
// CHECK: uniform bf16 [3x37] [0.1, 0.7): 0 mismatches of 111
// CHECK: uniform bf16 [100, 101) clamp [8x128]: 0 mismatches of 1024
// CHECK: uniform bf16 clamp reached: ok
// CHECK: normal f32 [3x37] seed 42: 0 mismatches of 111
// CHECK: normal f32 [8x128] mean 0.5 stddev 2: 0 mismatches of 1024
// CHECK: normal f32 [5]: 0 mismatches of 5
// CHECK: normal f32 []: 0 mismatches of 1
// CHECK: normal f32 [2x3x7]: 0 mismatches of 42
// CHECK: normal f32 [?x5] n=7: 0 mismatches of 35
// CHECK: normal f64 [3x37]: 0 mismatches of 111
// CHECK: normal f16 [8x128] mean 0.5 stddev 2: 0 mismatches of 1024
// CHECK: normal bf16 [3x37] mean -1 stddev 0.1: 0 mismatches of 111
// CHECK: normal f32 [4096] seed -7: 0 mismatches of 4096
// CHECK: bernoulli f32 p [3x37]: 0 mismatches of 111
// CHECK: bernoulli f64 p [8x128]: 0 mismatches of 1024
// CHECK: bernoulli f16 p [5]: 0 mismatches of 5
// CHECK: bernoulli bf16 p [?x37] n=3: 0 mismatches of 111
// CHECK: bernoulli p=0.3 [3x37]: 0 mismatches of 111
// CHECK: bernoulli p=0.3 [2x3x7]: 0 mismatches of 42
// CHECK: bernoulli p=0.9 [?] n=13: 0 mismatches of 13
// CHECK: ALL OK

func.func @uniform_3x37(%s: i64) -> tensor<3x37xf32> {
  %k = sto.seed %s : i64
  %0 = sto.uniform %k : tensor<3x37xf32>
  return %0 : tensor<3x37xf32>
}
func.func @uniform_8x128(%s: i64) -> tensor<8x128xf32> {
  %k = sto.seed %s : i64
  %0 = sto.uniform %k {low = -2.5 : f64, high = 3.0 : f64} : tensor<8x128xf32>
  return %0 : tensor<8x128xf32>
}
func.func @uniform_1(%s: i64) -> tensor<1xf32> {
  %k = sto.seed %s : i64
  %0 = sto.uniform %k : tensor<1xf32>
  return %0 : tensor<1xf32>
}
func.func @uniform_5(%s: i64) -> tensor<5xf32> {
  %k = sto.seed %s : i64
  %0 = sto.uniform %k : tensor<5xf32>
  return %0 : tensor<5xf32>
}
func.func @uniform_rank0(%s: i64) -> tensor<f32> {
  %k = sto.seed %s : i64
  %0 = sto.uniform %k : tensor<f32>
  return %0 : tensor<f32>
}
func.func @uniform_2x3x7(%s: i64) -> tensor<2x3x7xf32> {
  %k = sto.seed %s : i64
  %0 = sto.uniform %k : tensor<2x3x7xf32>
  return %0 : tensor<2x3x7xf32>
}
// A key passed in directly (uint64_t) and a dynamic size.
func.func @uniform_dyn(%k: !sto.key, %n: index) -> tensor<?x37xf32> {
  %0 = sto.uniform %k [%n] : tensor<?x37xf32>
  return %0 : tensor<?x37xf32>
}
func.func @uniform_dyn3(%k: !sto.key, %n: index, %m: index) -> tensor<?x3x?xf32> {
  %0 = sto.uniform %k [%n, %m] : tensor<?x3x?xf32>
  return %0 : tensor<?x3x?xf32>
}
func.func @uniform_clamp_f32(%s: i64) -> tensor<4096xf32> {
  %k = sto.seed %s : i64
  %0 = sto.uniform %k {low = 1.0e+06 : f64, high = 1000001.0 : f64} : tensor<4096xf32>
  return %0 : tensor<4096xf32>
}
func.func @uniform_f64(%s: i64) -> tensor<3x37xf64> {
  %k = sto.seed %s : i64
  %0 = sto.uniform %k {low = -1.0 : f64, high = 1.0 : f64} : tensor<3x37xf64>
  return %0 : tensor<3x37xf64>
}
func.func @uniform_clamp_f64(%s: i64) -> tensor<1024xf64> {
  %k = sto.seed %s : i64
  %0 = sto.uniform %k {low = 1125899906842624.0 : f64, high = 1125899906842625.0 : f64} : tensor<1024xf64>
  return %0 : tensor<1024xf64>
}
func.func @uniform_f16(%s: i64) -> tensor<3x37xf16> {
  %k = sto.seed %s : i64
  %0 = sto.uniform %k {low = -1.0 : f64, high = 1.0 : f64} : tensor<3x37xf16>
  return %0 : tensor<3x37xf16>
}
func.func @uniform_clamp_f16(%s: i64) -> tensor<8x128xf16> {
  %k = sto.seed %s : i64
  %0 = sto.uniform %k {low = 1000.0 : f64, high = 1001.0 : f64} : tensor<8x128xf16>
  return %0 : tensor<8x128xf16>
}
func.func @uniform_bf16(%s: i64) -> tensor<3x37xbf16> {
  %k = sto.seed %s : i64
  %0 = sto.uniform %k {low = 0.1 : f64, high = 0.7 : f64} : tensor<3x37xbf16>
  return %0 : tensor<3x37xbf16>
}
func.func @uniform_clamp_bf16(%s: i64) -> tensor<8x128xbf16> {
  %k = sto.seed %s : i64
  %0 = sto.uniform %k {low = 100.0 : f64, high = 101.0 : f64} : tensor<8x128xbf16>
  return %0 : tensor<8x128xbf16>
}

func.func @normal_3x37(%s: i64) -> tensor<3x37xf32> {
  %k = sto.seed %s : i64
  %0 = sto.normal %k : tensor<3x37xf32>
  return %0 : tensor<3x37xf32>
}
func.func @normal_8x128(%s: i64) -> tensor<8x128xf32> {
  %k = sto.seed %s : i64
  %0 = sto.normal %k {mean = 0.5 : f64, stddev = 2.0 : f64} : tensor<8x128xf32>
  return %0 : tensor<8x128xf32>
}
func.func @normal_5(%s: i64) -> tensor<5xf32> {
  %k = sto.seed %s : i64
  %0 = sto.normal %k : tensor<5xf32>
  return %0 : tensor<5xf32>
}
func.func @normal_rank0(%s: i64) -> tensor<f32> {
  %k = sto.seed %s : i64
  %0 = sto.normal %k : tensor<f32>
  return %0 : tensor<f32>
}
func.func @normal_2x3x7(%s: i64) -> tensor<2x3x7xf32> {
  %k = sto.seed %s : i64
  %0 = sto.normal %k : tensor<2x3x7xf32>
  return %0 : tensor<2x3x7xf32>
}
func.func @normal_dyn(%k: !sto.key, %n: index) -> tensor<?x5xf32> {
  %0 = sto.normal %k [%n] : tensor<?x5xf32>
  return %0 : tensor<?x5xf32>
}
func.func @normal_f64(%s: i64) -> tensor<3x37xf64> {
  %k = sto.seed %s : i64
  %0 = sto.normal %k {mean = 0.25 : f64, stddev = 3.0 : f64} : tensor<3x37xf64>
  return %0 : tensor<3x37xf64>
}
func.func @normal_f16(%s: i64) -> tensor<8x128xf16> {
  %k = sto.seed %s : i64
  %0 = sto.normal %k {mean = 0.5 : f64, stddev = 2.0 : f64} : tensor<8x128xf16>
  return %0 : tensor<8x128xf16>
}
func.func @normal_bf16(%s: i64) -> tensor<3x37xbf16> {
  %k = sto.seed %s : i64
  %0 = sto.normal %k {mean = -1.0 : f64, stddev = 0.1 : f64} : tensor<3x37xbf16>
  return %0 : tensor<3x37xbf16>
}
func.func @normal_4096(%s: i64) -> tensor<4096xf32> {
  %k = sto.seed %s : i64
  %0 = sto.normal %k : tensor<4096xf32>
  return %0 : tensor<4096xf32>
}

func.func @bernoulli_f32(%k: !sto.key, %p: tensor<3x37xf32>) -> tensor<3x37xi1> {
  %0 = sto.bernoulli %k, %p : tensor<3x37xf32> -> tensor<3x37xi1>
  return %0 : tensor<3x37xi1>
}
func.func @bernoulli_f64(%k: !sto.key, %p: tensor<8x128xf64>) -> tensor<8x128xi1> {
  %0 = sto.bernoulli %k, %p : tensor<8x128xf64> -> tensor<8x128xi1>
  return %0 : tensor<8x128xi1>
}
func.func @bernoulli_f16(%k: !sto.key, %p: tensor<5xf16>) -> tensor<5xi1> {
  %0 = sto.bernoulli %k, %p : tensor<5xf16> -> tensor<5xi1>
  return %0 : tensor<5xi1>
}
func.func @bernoulli_bf16(%k: !sto.key, %p: tensor<?x37xbf16>) -> tensor<?x37xi1> {
  %0 = sto.bernoulli %k, %p : tensor<?x37xbf16> -> tensor<?x37xi1>
  return %0 : tensor<?x37xi1>
}
func.func @bernoulli_attr(%k: !sto.key) -> tensor<3x37xi1> {
  %0 = sto.bernoulli %k {p = 0.3 : f64} -> tensor<3x37xi1>
  return %0 : tensor<3x37xi1>
}
func.func @bernoulli_attr3(%k: !sto.key) -> tensor<2x3x7xi1> {
  %0 = sto.bernoulli %k {p = 0.3 : f64} -> tensor<2x3x7xi1>
  return %0 : tensor<2x3x7xi1>
}
func.func @bernoulli_attr_dyn(%k: !sto.key, %n: index) -> tensor<?xi1> {
  %0 = sto.bernoulli %k [%n] {p = 0.9 : f64} -> tensor<?xi1>
  return %0 : tensor<?xi1>
}
