// Compiles dropout, noise (gaussian/uniform x additive/multiplicative) and
// stochastic_binary (straight-through and stochastic-times-smooth forward
// rules) with sto-compile, runs them through the C ABI and compares every
// element, bit for bit, with the reference include/sto/Runtime/Philox.h
// (driver: Inputs/layers.cpp), for f32, f64, f16 and bf16. Inputs include
// signed zeros, subnormals (bf16 keeps them: no flush to zero), NaN and
// infinities (a dropped element is +0.0 whatever x is).

// RUN: rm -rf %t && mkdir -p %t
// RUN: sto-compile %s -o %t/layers.o --header %t/layers.h
// RUN: %clangxx %sto_driver_flags -I%t %S/Inputs/layers.cpp %t/layers.o %sto_runtime_link -o %t/layers
// RUN: %t/layers | FileCheck %s
// The GPU lowering run on the host (sto-emulate-gpu-kernels): the same output.
// RUN: mkdir -p %t/emu && sto-compile %s --target=cuda-emulator -o %t/emu/layers.o --header %t/emu/layers.h
// RUN: %clangxx %sto_driver_flags -I%t/emu %S/Inputs/layers.cpp %t/emu/layers.o %sto_runtime_link -o %t/layers-emu
// RUN: %t/layers-emu | FileCheck %s

// CHECK: dropout f32 [3x37] rate 0.1: 0 mismatches of 111
// CHECK: dropout f64 [3x37] rate 0.1: 0 mismatches of 111
// CHECK: dropout f16 [3x37] rate 0.1: 0 mismatches of 111
// CHECK: dropout bf16 [3x37] rate 0.1: 0 mismatches of 111
// CHECK: dropout f32 [8x128] rate 0.5: 0 mismatches of 1024
// CHECK: dropout f32 [?x5] n=9 rate 0.9: 0 mismatches of 45
// CHECK: dropout f64 [] rate 0.3: 0 mismatches of 1
// CHECK: dropout f32 [5] rate 0: 0 mismatches of 5
// CHECK: dropout f32 [64] NaN/inf/-0 inputs: 0 mismatches of 64
// CHECK: noise f32 [3x37] gaussian additive 0.25: 0 mismatches of 111
// CHECK: noise f32 [3x37] gaussian multiplicative 0.1: 0 mismatches of 111
// CHECK: noise f32 [3x37] uniform additive 0.5: 0 mismatches of 111
// CHECK: noise f32 [3x37] uniform multiplicative 0.2: 0 mismatches of 111
// CHECK: noise f64 [3x37] gaussian additive 0.25: 0 mismatches of 111
// CHECK: noise f64 [3x37] gaussian multiplicative 0.1: 0 mismatches of 111
// CHECK: noise f64 [3x37] uniform additive 0.5: 0 mismatches of 111
// CHECK: noise f64 [3x37] uniform multiplicative 0.2: 0 mismatches of 111
// CHECK: noise f16 [3x37] gaussian additive 0.25: 0 mismatches of 111
// CHECK: noise f16 [3x37] gaussian multiplicative 0.1: 0 mismatches of 111
// CHECK: noise f16 [3x37] uniform additive 0.5: 0 mismatches of 111
// CHECK: noise f16 [3x37] uniform multiplicative 0.2: 0 mismatches of 111
// CHECK: noise bf16 [3x37] gaussian additive 0.25: 0 mismatches of 111
// CHECK: noise bf16 [3x37] gaussian multiplicative 0.1: 0 mismatches of 111
// CHECK: noise bf16 [3x37] uniform additive 0.5: 0 mismatches of 111
// CHECK: noise bf16 [3x37] uniform multiplicative 0.2: 0 mismatches of 111
// CHECK: noise f32 [2x3x7] gaussian additive 0.1: 0 mismatches of 42
// CHECK: noise bf16 [?x?] 6x7 uniform additive 0.1: 0 mismatches of 42
// CHECK: stochastic_binary f32 [3x37] straight_through: 0 mismatches of 111
// CHECK: stochastic_binary f32 [3x37] stochastic_times_smooth: 0 mismatches of 111
// CHECK: stochastic_binary f64 [3x37] straight_through: 0 mismatches of 111
// CHECK: stochastic_binary f64 [3x37] stochastic_times_smooth: 0 mismatches of 111
// CHECK: stochastic_binary f16 [3x37] straight_through: 0 mismatches of 111
// CHECK: stochastic_binary f16 [3x37] stochastic_times_smooth: 0 mismatches of 111
// CHECK: stochastic_binary bf16 [3x37] straight_through: 0 mismatches of 111
// CHECK: stochastic_binary bf16 [3x37] stochastic_times_smooth: 0 mismatches of 111
// CHECK: stochastic_binary f32 [8x128] reinforce: 0 mismatches of 1024
// CHECK: stochastic_binary f32 [?] n=77 straight_through_sigmoid: 0 mismatches of 77
// CHECK: ALL OK

func.func @dropout_f32(%k: !sto.key, %x: tensor<3x37xf32>) -> tensor<3x37xf32> {
  %0 = sto.dropout %k, %x {rate = 1.0e-01 : f64} : tensor<3x37xf32>
  return %0 : tensor<3x37xf32>
}
func.func @dropout_f64(%k: !sto.key, %x: tensor<3x37xf64>) -> tensor<3x37xf64> {
  %0 = sto.dropout %k, %x {rate = 1.0e-01 : f64} : tensor<3x37xf64>
  return %0 : tensor<3x37xf64>
}
func.func @dropout_f16(%k: !sto.key, %x: tensor<3x37xf16>) -> tensor<3x37xf16> {
  %0 = sto.dropout %k, %x {rate = 1.0e-01 : f64} : tensor<3x37xf16>
  return %0 : tensor<3x37xf16>
}
func.func @dropout_bf16(%k: !sto.key, %x: tensor<3x37xbf16>) -> tensor<3x37xbf16> {
  %0 = sto.dropout %k, %x {rate = 1.0e-01 : f64} : tensor<3x37xbf16>
  return %0 : tensor<3x37xbf16>
}
func.func @dropout_half_8x128(%k: !sto.key, %x: tensor<8x128xf32>) -> tensor<8x128xf32> {
  %0 = sto.dropout %k, %x {rate = 5.0e-01 : f64} : tensor<8x128xf32>
  return %0 : tensor<8x128xf32>
}
func.func @dropout_dyn(%k: !sto.key, %x: tensor<?x5xf32>) -> tensor<?x5xf32> {
  %0 = sto.dropout %k, %x {rate = 9.0e-01 : f64} : tensor<?x5xf32>
  return %0 : tensor<?x5xf32>
}
func.func @dropout_rank0(%k: !sto.key, %x: tensor<f64>) -> tensor<f64> {
  %0 = sto.dropout %k, %x {rate = 3.0e-01 : f64} : tensor<f64>
  return %0 : tensor<f64>
}
// rate 0 folds away: x unchanged.
func.func @dropout_rate0(%k: !sto.key, %x: tensor<5xf32>) -> tensor<5xf32> {
  %0 = sto.dropout %k, %x {rate = 0.0 : f64} : tensor<5xf32>
  return %0 : tensor<5xf32>
}
// NaN and infinities: a dropped element is +0.0 whatever x is.
func.func @dropout_specials(%k: !sto.key, %x: tensor<64xf32>) -> tensor<64xf32> {
  %0 = sto.dropout %k, %x {rate = 5.0e-01 : f64} : tensor<64xf32>
  return %0 : tensor<64xf32>
}
func.func @noise_ga_f32(%k: !sto.key, %x: tensor<3x37xf32>) -> tensor<3x37xf32> {
  %0 = sto.noise %k, %x {kind = #sto.noise_kind<gaussian>, mode = #sto.noise_mode<additive>, scale = 2.5e-01 : f64} : tensor<3x37xf32>
  return %0 : tensor<3x37xf32>
}
func.func @noise_gm_f32(%k: !sto.key, %x: tensor<3x37xf32>) -> tensor<3x37xf32> {
  %0 = sto.noise %k, %x {kind = #sto.noise_kind<gaussian>, mode = #sto.noise_mode<multiplicative>, scale = 1.0e-01 : f64} : tensor<3x37xf32>
  return %0 : tensor<3x37xf32>
}
func.func @noise_ua_f32(%k: !sto.key, %x: tensor<3x37xf32>) -> tensor<3x37xf32> {
  %0 = sto.noise %k, %x {kind = #sto.noise_kind<uniform>, mode = #sto.noise_mode<additive>, scale = 5.0e-01 : f64} : tensor<3x37xf32>
  return %0 : tensor<3x37xf32>
}
func.func @noise_um_f32(%k: !sto.key, %x: tensor<3x37xf32>) -> tensor<3x37xf32> {
  %0 = sto.noise %k, %x {kind = #sto.noise_kind<uniform>, mode = #sto.noise_mode<multiplicative>, scale = 2.0e-01 : f64} : tensor<3x37xf32>
  return %0 : tensor<3x37xf32>
}
func.func @noise_ga_f64(%k: !sto.key, %x: tensor<3x37xf64>) -> tensor<3x37xf64> {
  %0 = sto.noise %k, %x {kind = #sto.noise_kind<gaussian>, mode = #sto.noise_mode<additive>, scale = 2.5e-01 : f64} : tensor<3x37xf64>
  return %0 : tensor<3x37xf64>
}
func.func @noise_gm_f64(%k: !sto.key, %x: tensor<3x37xf64>) -> tensor<3x37xf64> {
  %0 = sto.noise %k, %x {kind = #sto.noise_kind<gaussian>, mode = #sto.noise_mode<multiplicative>, scale = 1.0e-01 : f64} : tensor<3x37xf64>
  return %0 : tensor<3x37xf64>
}
func.func @noise_ua_f64(%k: !sto.key, %x: tensor<3x37xf64>) -> tensor<3x37xf64> {
  %0 = sto.noise %k, %x {kind = #sto.noise_kind<uniform>, mode = #sto.noise_mode<additive>, scale = 5.0e-01 : f64} : tensor<3x37xf64>
  return %0 : tensor<3x37xf64>
}
func.func @noise_um_f64(%k: !sto.key, %x: tensor<3x37xf64>) -> tensor<3x37xf64> {
  %0 = sto.noise %k, %x {kind = #sto.noise_kind<uniform>, mode = #sto.noise_mode<multiplicative>, scale = 2.0e-01 : f64} : tensor<3x37xf64>
  return %0 : tensor<3x37xf64>
}
func.func @noise_ga_f16(%k: !sto.key, %x: tensor<3x37xf16>) -> tensor<3x37xf16> {
  %0 = sto.noise %k, %x {kind = #sto.noise_kind<gaussian>, mode = #sto.noise_mode<additive>, scale = 2.5e-01 : f64} : tensor<3x37xf16>
  return %0 : tensor<3x37xf16>
}
func.func @noise_gm_f16(%k: !sto.key, %x: tensor<3x37xf16>) -> tensor<3x37xf16> {
  %0 = sto.noise %k, %x {kind = #sto.noise_kind<gaussian>, mode = #sto.noise_mode<multiplicative>, scale = 1.0e-01 : f64} : tensor<3x37xf16>
  return %0 : tensor<3x37xf16>
}
func.func @noise_ua_f16(%k: !sto.key, %x: tensor<3x37xf16>) -> tensor<3x37xf16> {
  %0 = sto.noise %k, %x {kind = #sto.noise_kind<uniform>, mode = #sto.noise_mode<additive>, scale = 5.0e-01 : f64} : tensor<3x37xf16>
  return %0 : tensor<3x37xf16>
}
func.func @noise_um_f16(%k: !sto.key, %x: tensor<3x37xf16>) -> tensor<3x37xf16> {
  %0 = sto.noise %k, %x {kind = #sto.noise_kind<uniform>, mode = #sto.noise_mode<multiplicative>, scale = 2.0e-01 : f64} : tensor<3x37xf16>
  return %0 : tensor<3x37xf16>
}
func.func @noise_ga_bf16(%k: !sto.key, %x: tensor<3x37xbf16>) -> tensor<3x37xbf16> {
  %0 = sto.noise %k, %x {kind = #sto.noise_kind<gaussian>, mode = #sto.noise_mode<additive>, scale = 2.5e-01 : f64} : tensor<3x37xbf16>
  return %0 : tensor<3x37xbf16>
}
func.func @noise_gm_bf16(%k: !sto.key, %x: tensor<3x37xbf16>) -> tensor<3x37xbf16> {
  %0 = sto.noise %k, %x {kind = #sto.noise_kind<gaussian>, mode = #sto.noise_mode<multiplicative>, scale = 1.0e-01 : f64} : tensor<3x37xbf16>
  return %0 : tensor<3x37xbf16>
}
func.func @noise_ua_bf16(%k: !sto.key, %x: tensor<3x37xbf16>) -> tensor<3x37xbf16> {
  %0 = sto.noise %k, %x {kind = #sto.noise_kind<uniform>, mode = #sto.noise_mode<additive>, scale = 5.0e-01 : f64} : tensor<3x37xbf16>
  return %0 : tensor<3x37xbf16>
}
func.func @noise_um_bf16(%k: !sto.key, %x: tensor<3x37xbf16>) -> tensor<3x37xbf16> {
  %0 = sto.noise %k, %x {kind = #sto.noise_kind<uniform>, mode = #sto.noise_mode<multiplicative>, scale = 2.0e-01 : f64} : tensor<3x37xbf16>
  return %0 : tensor<3x37xbf16>
}
func.func @noise_rank3(%k: !sto.key, %x: tensor<2x3x7xf32>) -> tensor<2x3x7xf32> {
  %0 = sto.noise %k, %x {scale = 1.0e-01 : f64} : tensor<2x3x7xf32>
  return %0 : tensor<2x3x7xf32>
}
func.func @noise_dyn(%k: !sto.key, %x: tensor<?x?xbf16>) -> tensor<?x?xbf16> {
  %0 = sto.noise %k, %x {kind = #sto.noise_kind<uniform>, scale = 1.0e-01 : f64} : tensor<?x?xbf16>
  return %0 : tensor<?x?xbf16>
}
func.func @sbn_st_f32(%k: !sto.key, %p: tensor<3x37xf32>) -> tensor<3x37xf32> {
  %0 = sto.stochastic_binary %k, %p {estimator = #sto.estimator<straight_through>} : tensor<3x37xf32>
  return %0 : tensor<3x37xf32>
}
func.func @sbn_sts_f32(%k: !sto.key, %p: tensor<3x37xf32>) -> tensor<3x37xf32> {
  %0 = sto.stochastic_binary %k, %p {estimator = #sto.estimator<stochastic_times_smooth>} : tensor<3x37xf32>
  return %0 : tensor<3x37xf32>
}
func.func @sbn_st_f64(%k: !sto.key, %p: tensor<3x37xf64>) -> tensor<3x37xf64> {
  %0 = sto.stochastic_binary %k, %p {estimator = #sto.estimator<straight_through>} : tensor<3x37xf64>
  return %0 : tensor<3x37xf64>
}
func.func @sbn_sts_f64(%k: !sto.key, %p: tensor<3x37xf64>) -> tensor<3x37xf64> {
  %0 = sto.stochastic_binary %k, %p {estimator = #sto.estimator<stochastic_times_smooth>} : tensor<3x37xf64>
  return %0 : tensor<3x37xf64>
}
func.func @sbn_st_f16(%k: !sto.key, %p: tensor<3x37xf16>) -> tensor<3x37xf16> {
  %0 = sto.stochastic_binary %k, %p {estimator = #sto.estimator<straight_through>} : tensor<3x37xf16>
  return %0 : tensor<3x37xf16>
}
func.func @sbn_sts_f16(%k: !sto.key, %p: tensor<3x37xf16>) -> tensor<3x37xf16> {
  %0 = sto.stochastic_binary %k, %p {estimator = #sto.estimator<stochastic_times_smooth>} : tensor<3x37xf16>
  return %0 : tensor<3x37xf16>
}
func.func @sbn_st_bf16(%k: !sto.key, %p: tensor<3x37xbf16>) -> tensor<3x37xbf16> {
  %0 = sto.stochastic_binary %k, %p {estimator = #sto.estimator<straight_through>} : tensor<3x37xbf16>
  return %0 : tensor<3x37xbf16>
}
func.func @sbn_sts_bf16(%k: !sto.key, %p: tensor<3x37xbf16>) -> tensor<3x37xbf16> {
  %0 = sto.stochastic_binary %k, %p {estimator = #sto.estimator<stochastic_times_smooth>} : tensor<3x37xbf16>
  return %0 : tensor<3x37xbf16>
}
func.func @sbn_reinforce(%k: !sto.key, %p: tensor<8x128xf32>) -> tensor<8x128xf32> {
  %0 = sto.stochastic_binary %k, %p {estimator = #sto.estimator<reinforce, baseline = 5.000000e-01 : f64>} : tensor<8x128xf32>
  return %0 : tensor<8x128xf32>
}
func.func @sbn_sigmoid_dyn(%k: !sto.key, %p: tensor<?xf32>) -> tensor<?xf32> {
  %0 = sto.stochastic_binary %k, %p {estimator = #sto.estimator<straight_through_sigmoid>} : tensor<?xf32>
  return %0 : tensor<?xf32>
}
