// The reducing samplers compiled by sto-compile against the reference
// include/sto/Runtime/Philox.h and docs/Randomness.md 8.7-8.8 (driver:
// Inputs/reductions.cpp): categorical along every axis (i32 and i64 results,
// f32/f64/f16/bf16 logits, ties to the lower index, rank 0 result),
// gumbel_softmax hard (bit for bit) and soft (its exp is the target's: within
// 8 ulps), and dp_aggregate (per-sample clipping, fma sums in index order,
// noise of the output element) for f32, f64, f16 and bf16.

// RUN: rm -rf %t && mkdir -p %t
// RUN: sto-compile %s -o %t/reductions.o --header %t/reductions.h
// RUN: %clangxx %sto_driver_flags -I%t %S/Inputs/reductions.cpp %t/reductions.o %sto_runtime_link -o %t/reductions
// RUN: %t/reductions | FileCheck %s
// dp_aggregate's GPU form (a thread per row segment and lane and per output, no row
// groups) run on the CPU: the same bits.
// RUN: sto-compile %s --dp-form=flat -o %t/reductions_flat.o
// RUN: %clangxx %sto_driver_flags -I%t %S/Inputs/reductions.cpp %t/reductions_flat.o %sto_runtime_link -o %t/reductions-flat
// RUN: %t/reductions-flat | FileCheck %s
// RUN: not sto-compile %s --dp-form=fast -o %t/bad.o 2>&1 | FileCheck %s --check-prefix=BAD
// The GPU lowering run on the host (sto-emulate-gpu-kernels): the same output.
// RUN: mkdir -p %t/emu && sto-compile %s --target=cuda-emulator -o %t/emu/reductions.o --header %t/emu/reductions.h
// RUN: %clangxx %sto_driver_flags -I%t/emu %S/Inputs/reductions.cpp %t/emu/reductions.o %sto_runtime_link -o %t/reductions-emu
// RUN: %t/reductions-emu | FileCheck %s
// BAD: sto-compile: error: --dp-form must be grouped or flat, not 'fast'

// CHECK: categorical f32 [3x37] axis 1 -> i32: 0 mismatches of 3
// CHECK: categorical f32 [3x37] axis 0 -> i64: 0 mismatches of 37
// CHECK: categorical f64 [2x5x8] axis -2: 0 mismatches of 16
// CHECK: categorical f16 [?x10] n=7: 0 mismatches of 7
// CHECK: categorical bf16 [64x4] equal logits: 0 mismatches of 64
// CHECK: categorical f32 [1000] -> rank 0: 0 mismatches of 1
// CHECK: gumbel_softmax f32 [16x10] hard tau 0.5: 0 mismatches of 160
// CHECK: gumbel_softmax f32 [4x3] hard, scores past f32 over tau: 0 mismatches of 12
// CHECK: the greatest logit wins: ok
// CHECK: gumbel_softmax bf16 [5x7] hard axis 0: 0 mismatches of 35
// CHECK: gumbel_softmax f32 [16x10] soft within 8 ulp: ok
// CHECK: gumbel_softmax f64 [3x37] soft within 8 ulp: ok
// CHECK: dp_aggregate f32 [16x37] clip 1 sigma 1.1: 0 mismatches of 37
// CHECK: dp_aggregate f64 [?x3x8] n=5 clip 0.5 sigma 0.7: 0 mismatches of 24
// CHECK: dp_aggregate f16 [8x5] clip 2 sigma 1: 0 mismatches of 5
// CHECK: dp_aggregate bf16 [32] -> rank 0, sigma 0: 0 mismatches of 1
// CHECK: dp_aggregate f32 [8x128] clip 0.5 sigma 1.3: 0 mismatches of 128
// CHECK: dp_aggregate f64 [?x2x32] n=3 clip 0.8 sigma 0.9: 0 mismatches of 64
// CHECK: dp_aggregate f32 [96x32768] clip 3 sigma 0.6: 0 mismatches of 32768
// CHECK: dp_aggregate f64 [48x4x8192] clip 10 sigma 1: 0 mismatches of 32768
// CHECK: dp_aggregate f32 [4x48] clip 2 sigma 0.5: 0 mismatches of 48
// Rows of whole 4096-element segments and a tail (docs/Randomness.md 8.8):
// two row groups with the segments split between threads, one segment and a
// tail, the 16-lane form with a tail.
// CHECK: dp_aggregate f32 [62x8256] clip 4 sigma 0.8: 0 mismatches of 8256
// CHECK: dp_aggregate f64 [12x4160] clip 2 sigma 1.2: 0 mismatches of 4160
// CHECK: dp_aggregate f32 [4x4112] clip 1 sigma 0.5: 0 mismatches of 4112
// The per-sample size known only at run time: the 16-lane form when it is
// a multiple of 16 (n = 32, and 2 x 24 = 48 over two dynamic dimensions),
// the single chain otherwise (n = 37).
// CHECK: dp_aggregate f32 [3x?] n=32 clip 1.5 sigma 1: 0 mismatches of 32
// CHECK: dp_aggregate f32 [3x?] n=37 clip 1.5 sigma 1: 0 mismatches of 37
// CHECK: dp_aggregate f32 [3x?] n=4096 clip 1.5 sigma 1: 0 mismatches of 4096
// CHECK: dp_aggregate f32 [3x?] n=4128 clip 1.5 sigma 1: 0 mismatches of 4128
// CHECK: dp_aggregate f32 [3x?] n=12304 clip 1.5 sigma 1: 0 mismatches of 12304
// CHECK: dp_aggregate f32 [?x?x24] 5x2 clip 0.7 sigma 0.4: 0 mismatches of 48
// CHECK: ALL OK

func.func @categorical_rows(%k: !sto.key, %l: tensor<3x37xf32>) -> tensor<3xi32> {
  %0 = sto.categorical %k, %l {axis = 1 : i64} : tensor<3x37xf32> -> tensor<3xi32>
  return %0 : tensor<3xi32>
}
func.func @categorical_cols(%k: !sto.key, %l: tensor<3x37xf32>) -> tensor<37xi64> {
  %0 = sto.categorical %k, %l {axis = 0 : i64} : tensor<3x37xf32> -> tensor<37xi64>
  return %0 : tensor<37xi64>
}
func.func @categorical_f64_rank3(%k: !sto.key, %l: tensor<2x5x8xf64>) -> tensor<2x8xi64> {
  %0 = sto.categorical %k, %l {axis = -2 : i64} : tensor<2x5x8xf64> -> tensor<2x8xi64>
  return %0 : tensor<2x8xi64>
}
func.func @categorical_f16_dyn(%k: !sto.key, %l: tensor<?x10xf16>) -> tensor<?xi32> {
  %0 = sto.categorical %k, %l : tensor<?x10xf16> -> tensor<?xi32>
  return %0 : tensor<?xi32>
}
func.func @categorical_bf16(%k: !sto.key, %l: tensor<64x4xbf16>) -> tensor<64xi64> {
  %0 = sto.categorical %k, %l : tensor<64x4xbf16> -> tensor<64xi64>
  return %0 : tensor<64xi64>
}
func.func @categorical_vector(%k: !sto.key, %l: tensor<1000xf32>) -> tensor<i64> {
  %0 = sto.categorical %k, %l : tensor<1000xf32> -> tensor<i64>
  return %0 : tensor<i64>
}
func.func @gumbel_hard(%k: !sto.key, %l: tensor<16x10xf32>) -> tensor<16x10xf32> {
  %0 = sto.gumbel_softmax %k, %l {tau = 5.0e-01 : f64, hard = true} : tensor<16x10xf32>
  return %0 : tensor<16x10xf32>
}
func.func @gumbel_hard_overflow(%k: !sto.key, %l: tensor<4x3xf32>) -> tensor<4x3xf32> {
  %0 = sto.gumbel_softmax %k, %l {tau = 1.0e-10 : f64, hard = true} : tensor<4x3xf32>
  return %0 : tensor<4x3xf32>
}
func.func @gumbel_hard_bf16(%k: !sto.key, %l: tensor<5x7xbf16>) -> tensor<5x7xbf16> {
  %0 = sto.gumbel_softmax %k, %l {hard = true, axis = 0 : i64} : tensor<5x7xbf16>
  return %0 : tensor<5x7xbf16>
}
func.func @gumbel_soft(%k: !sto.key, %l: tensor<16x10xf32>) -> tensor<16x10xf32> {
  %0 = sto.gumbel_softmax %k, %l {tau = 5.0e-01 : f64} : tensor<16x10xf32>
  return %0 : tensor<16x10xf32>
}
func.func @gumbel_soft_f64(%k: !sto.key, %l: tensor<3x37xf64>) -> tensor<3x37xf64> {
  %0 = sto.gumbel_softmax %k, %l {tau = 2.0 : f64} : tensor<3x37xf64>
  return %0 : tensor<3x37xf64>
}
func.func @dp_aggregate(%k: !sto.key, %g: tensor<16x37xf32>) -> tensor<37xf32> {
  %0 = sto.dp_aggregate %k, %g {clip_norm = 1.0 : f64, noise_multiplier = 1.1 : f64} : tensor<16x37xf32> -> tensor<37xf32>
  return %0 : tensor<37xf32>
}
func.func @dp_aggregate_f64_dyn(%k: !sto.key, %g: tensor<?x3x8xf64>) -> tensor<3x8xf64> {
  %0 = sto.dp_aggregate %k, %g {clip_norm = 0.5 : f64, noise_multiplier = 0.7 : f64} : tensor<?x3x8xf64> -> tensor<3x8xf64>
  return %0 : tensor<3x8xf64>
}
func.func @dp_aggregate_f16(%k: !sto.key, %g: tensor<8x5xf16>) -> tensor<5xf16> {
  %0 = sto.dp_aggregate %k, %g {clip_norm = 2.0 : f64, noise_multiplier = 1.0 : f64} : tensor<8x5xf16> -> tensor<5xf16>
  return %0 : tensor<5xf16>
}
func.func @dp_aggregate_bf16_rank1(%k: !sto.key, %g: tensor<32xbf16>) -> tensor<bf16> {
  %0 = sto.dp_aggregate %k, %g {clip_norm = 1.0 : f64, noise_multiplier = 0.0 : f64} : tensor<32xbf16> -> tensor<bf16>
  return %0 : tensor<bf16>
}
func.func @dp_aggregate_grouped(%k: !sto.key, %g: tensor<96x32768xf32>) -> tensor<32768xf32> {
  %0 = sto.dp_aggregate %k, %g {clip_norm = 3.0 : f64, noise_multiplier = 0.6 : f64} : tensor<96x32768xf32> -> tensor<32768xf32>
  return %0 : tensor<32768xf32>
}
func.func @dp_aggregate_grouped_f64(%k: !sto.key, %g: tensor<48x4x8192xf64>) -> tensor<4x8192xf64> {
  %0 = sto.dp_aggregate %k, %g {clip_norm = 10.0 : f64, noise_multiplier = 1.0 : f64} : tensor<48x4x8192xf64> -> tensor<4x8192xf64>
  return %0 : tensor<4x8192xf64>
}
func.func @dp_aggregate_blocked(%k: !sto.key, %g: tensor<8x128xf32>) -> tensor<128xf32> {
  %0 = sto.dp_aggregate %k, %g {clip_norm = 5.0e-01 : f64, noise_multiplier = 1.3 : f64} : tensor<8x128xf32> -> tensor<128xf32>
  return %0 : tensor<128xf32>
}
func.func @dp_aggregate_blocked_f64(%k: !sto.key, %g: tensor<?x2x32xf64>) -> tensor<2x32xf64> {
  %0 = sto.dp_aggregate %k, %g {clip_norm = 8.0e-01 : f64, noise_multiplier = 9.0e-01 : f64} : tensor<?x2x32xf64> -> tensor<2x32xf64>
  return %0 : tensor<2x32xf64>
}
func.func @dp_aggregate_lanes_only(%k: !sto.key, %g: tensor<4x48xf32>) -> tensor<48xf32> {
  %0 = sto.dp_aggregate %k, %g {clip_norm = 2.0 : f64, noise_multiplier = 5.0e-01 : f64} : tensor<4x48xf32> -> tensor<48xf32>
  return %0 : tensor<48xf32>
}
func.func @dp_aggregate_tail(%k: !sto.key, %g: tensor<62x8256xf32>) -> tensor<8256xf32> {
  %0 = sto.dp_aggregate %k, %g {clip_norm = 4.0 : f64, noise_multiplier = 0.8 : f64} : tensor<62x8256xf32> -> tensor<8256xf32>
  return %0 : tensor<8256xf32>
}
func.func @dp_aggregate_tail_f64(%k: !sto.key, %g: tensor<12x4160xf64>) -> tensor<4160xf64> {
  %0 = sto.dp_aggregate %k, %g {clip_norm = 2.0 : f64, noise_multiplier = 1.2 : f64} : tensor<12x4160xf64> -> tensor<4160xf64>
  return %0 : tensor<4160xf64>
}
func.func @dp_aggregate_lanes_tail(%k: !sto.key, %g: tensor<4x4112xf32>) -> tensor<4112xf32> {
  %0 = sto.dp_aggregate %k, %g {clip_norm = 1.0 : f64, noise_multiplier = 0.5 : f64} : tensor<4x4112xf32> -> tensor<4112xf32>
  return %0 : tensor<4112xf32>
}
func.func @dp_aggregate_dyn_n(%k: !sto.key, %g: tensor<3x?xf32>) -> tensor<?xf32> {
  %0 = sto.dp_aggregate %k, %g {clip_norm = 1.5 : f64, noise_multiplier = 1.0 : f64} : tensor<3x?xf32> -> tensor<?xf32>
  return %0 : tensor<?xf32>
}
func.func @dp_aggregate_dyn_rows(%k: !sto.key, %g: tensor<?x?x24xf32>) -> tensor<?x24xf32> {
  %0 = sto.dp_aggregate %k, %g {clip_norm = 0.7 : f64, noise_multiplier = 0.4 : f64} : tensor<?x?x24xf32> -> tensor<?x24xf32>
  return %0 : tensor<?x24xf32>
}
