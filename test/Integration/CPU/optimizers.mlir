// Compiles langevin_step, spsa_perturb, spsa_update (and the MeZO replay of
// one key) and average (swa with index and i64 counts, ema) with
// sto-compile, runs them through the C ABI and compares every element, bit
// for bit, with the reference include/sto/Runtime/Philox.h (average: the
// deterministic RN_T(fma(w, C(p) - C(avg), C(avg)))), for f32, f64, f16 and
// bf16 (driver: Inputs/optimizers.cpp).

// RUN: rm -rf %t && mkdir -p %t
// RUN: sto-compile %s -o %t/optimizers.o --header %t/optimizers.h
// RUN: %clangxx %sto_driver_flags -I%t %S/Inputs/optimizers.cpp %t/optimizers.o %sto_runtime_link -o %t/optimizers
// RUN: %t/optimizers | FileCheck %s
// The GPU lowering run on the host (sto-emulate-gpu-kernels): the same output.
// RUN: mkdir -p %t/emu && sto-compile %s --target=cuda-emulator -o %t/emu/optimizers.o --header %t/emu/optimizers.h
// RUN: %clangxx %sto_driver_flags -I%t/emu %S/Inputs/optimizers.cpp %t/emu/optimizers.o %sto_runtime_link -o %t/optimizers-emu
// RUN: %t/optimizers-emu | FileCheck %s

// CHECK: langevin_step f32 [3x37] lr 0.01 T 0.5: 0 mismatches of 111
// CHECK: langevin_step f64 [3x37] lr 0.01 T 0.5: 0 mismatches of 111
// CHECK: langevin_step f16 [3x37] lr 0.01 T 0.5: 0 mismatches of 111
// CHECK: langevin_step bf16 [3x37] lr 0.01 T 0.5: 0 mismatches of 111
// CHECK: langevin_step f32 [3x37] lr 0.1 T 0: 0 mismatches of 111
// CHECK: langevin_step f16 [3x37] lr 0.1 T 0: 0 mismatches of 111
// CHECK: langevin_step f32 [8x128] lr 0.05 T 2^-10: 0 mismatches of 1024
// CHECK: langevin_step f32 [?x2x3] n=4 lr 0.1 T 1: 0 mismatches of 24
// CHECK: spsa_perturb f32 [3x37] scale 1e-3: 0 mismatches of 111
// CHECK: spsa_update f32 [3x37] lr 1e-4 g f32: 0 mismatches of 111
// CHECK: spsa_perturb f64 [3x37] scale 1e-3: 0 mismatches of 111
// CHECK: spsa_update f64 [3x37] lr 1e-4 g f32: 0 mismatches of 111
// CHECK: spsa_perturb f16 [3x37] scale 1e-3: 0 mismatches of 111
// CHECK: spsa_update f16 [3x37] lr 1e-4 g f32: 0 mismatches of 111
// CHECK: spsa_perturb bf16 [3x37] scale 1e-3: 0 mismatches of 111
// CHECK: spsa_update bf16 [3x37] lr 1e-4 g f32: 0 mismatches of 111
// CHECK: spsa_update f32 [8x128] lr 0.1 g f64: 0 mismatches of 1024
// CHECK: mezo f32 [5] p + eps z: 0 mismatches of 5
// CHECK: mezo f32 [5] p - eps z: 0 mismatches of 5
// CHECK: mezo f32 [5] update: 0 mismatches of 5
// CHECK: average f32 [3x37] swa count 0: 0 mismatches of 111
// CHECK: average f32 [3x37] swa count 3: 0 mismatches of 111
// CHECK: average f32 [3x37] swa count 123456789: 0 mismatches of 111
// CHECK: average f32 [3x37] ema decay 0.9: 0 mismatches of 111
// CHECK: average f32 [3x37] ema decay 0: 0 mismatches of 111
// CHECK: average f64 [3x37] swa count 0: 0 mismatches of 111
// CHECK: average f64 [3x37] swa count 3: 0 mismatches of 111
// CHECK: average f64 [3x37] swa count 123456789: 0 mismatches of 111
// CHECK: average f64 [3x37] ema decay 0.9: 0 mismatches of 111
// CHECK: average f16 [3x37] swa count 0: 0 mismatches of 111
// CHECK: average f16 [3x37] swa count 3: 0 mismatches of 111
// CHECK: average f16 [3x37] swa count 123456789: 0 mismatches of 111
// CHECK: average f16 [3x37] ema decay 0.9: 0 mismatches of 111
// CHECK: average bf16 [3x37] swa count 0: 0 mismatches of 111
// CHECK: average bf16 [3x37] swa count 3: 0 mismatches of 111
// CHECK: average bf16 [3x37] swa count 123456789: 0 mismatches of 111
// CHECK: average bf16 [3x37] ema decay 0.9: 0 mismatches of 111
// CHECK: average f32 [?] n=10 swa i64 count 41: 0 mismatches of 10
// CHECK: average f64 [] ema decay 0.999: 0 mismatches of 1
// CHECK: ALL OK

func.func @langevin_f32(%k: !sto.key, %p: tensor<3x37xf32>, %g: tensor<3x37xf32>) -> tensor<3x37xf32> {
  %0 = sto.langevin_step %k, %p, %g {lr = 1.0e-02 : f64, temperature = 5.0e-01 : f64} : tensor<3x37xf32>
  return %0 : tensor<3x37xf32>
}
func.func @langevin_f64(%k: !sto.key, %p: tensor<3x37xf64>, %g: tensor<3x37xf64>) -> tensor<3x37xf64> {
  %0 = sto.langevin_step %k, %p, %g {lr = 1.0e-02 : f64, temperature = 5.0e-01 : f64} : tensor<3x37xf64>
  return %0 : tensor<3x37xf64>
}
func.func @langevin_f16(%k: !sto.key, %p: tensor<3x37xf16>, %g: tensor<3x37xf16>) -> tensor<3x37xf16> {
  %0 = sto.langevin_step %k, %p, %g {lr = 1.0e-02 : f64, temperature = 5.0e-01 : f64} : tensor<3x37xf16>
  return %0 : tensor<3x37xf16>
}
func.func @langevin_bf16(%k: !sto.key, %p: tensor<3x37xbf16>, %g: tensor<3x37xbf16>) -> tensor<3x37xbf16> {
  %0 = sto.langevin_step %k, %p, %g {lr = 1.0e-02 : f64, temperature = 5.0e-01 : f64} : tensor<3x37xbf16>
  return %0 : tensor<3x37xbf16>
}
func.func @langevin_t0_f32(%k: !sto.key, %p: tensor<3x37xf32>, %g: tensor<3x37xf32>) -> tensor<3x37xf32> {
  %0 = sto.langevin_step %k, %p, %g {lr = 1.0e-01 : f64, temperature = 0.0 : f64} : tensor<3x37xf32>
  return %0 : tensor<3x37xf32>
}
func.func @langevin_t0_f16(%k: !sto.key, %p: tensor<3x37xf16>, %g: tensor<3x37xf16>) -> tensor<3x37xf16> {
  %0 = sto.langevin_step %k, %p, %g {lr = 1.0e-01 : f64, temperature = 0.0 : f64} : tensor<3x37xf16>
  return %0 : tensor<3x37xf16>
}
func.func @langevin_8x128(%k: !sto.key, %p: tensor<8x128xf32>, %g: tensor<8x128xf32>) -> tensor<8x128xf32> {
  %0 = sto.langevin_step %k, %p, %g {lr = 5.0e-02 : f64, temperature = 9.765625e-04 : f64} : tensor<8x128xf32>
  return %0 : tensor<8x128xf32>
}
func.func @langevin_dyn(%k: !sto.key, %p: tensor<?x2x3xf32>, %g: tensor<?x2x3xf32>) -> tensor<?x2x3xf32> {
  %0 = sto.langevin_step %k, %p, %g {lr = 1.0e-01 : f64} : tensor<?x2x3xf32>
  return %0 : tensor<?x2x3xf32>
}
func.func @spsa_perturb_f32(%k: !sto.key, %p: tensor<3x37xf32>) -> tensor<3x37xf32> {
  %0 = sto.spsa_perturb %k, %p {scale = 1.0e-03 : f64} : tensor<3x37xf32>
  return %0 : tensor<3x37xf32>
}
func.func @spsa_update_f32(%k: !sto.key, %p: tensor<3x37xf32>, %g: f32) -> tensor<3x37xf32> {
  %0 = sto.spsa_update %k, %p, %g {lr = 1.0e-04 : f64} : tensor<3x37xf32>, f32
  return %0 : tensor<3x37xf32>
}
func.func @spsa_perturb_f64(%k: !sto.key, %p: tensor<3x37xf64>) -> tensor<3x37xf64> {
  %0 = sto.spsa_perturb %k, %p {scale = 1.0e-03 : f64} : tensor<3x37xf64>
  return %0 : tensor<3x37xf64>
}
func.func @spsa_update_f64(%k: !sto.key, %p: tensor<3x37xf64>, %g: f32) -> tensor<3x37xf64> {
  %0 = sto.spsa_update %k, %p, %g {lr = 1.0e-04 : f64} : tensor<3x37xf64>, f32
  return %0 : tensor<3x37xf64>
}
func.func @spsa_perturb_f16(%k: !sto.key, %p: tensor<3x37xf16>) -> tensor<3x37xf16> {
  %0 = sto.spsa_perturb %k, %p {scale = 1.0e-03 : f64} : tensor<3x37xf16>
  return %0 : tensor<3x37xf16>
}
func.func @spsa_update_f16(%k: !sto.key, %p: tensor<3x37xf16>, %g: f32) -> tensor<3x37xf16> {
  %0 = sto.spsa_update %k, %p, %g {lr = 1.0e-04 : f64} : tensor<3x37xf16>, f32
  return %0 : tensor<3x37xf16>
}
func.func @spsa_perturb_bf16(%k: !sto.key, %p: tensor<3x37xbf16>) -> tensor<3x37xbf16> {
  %0 = sto.spsa_perturb %k, %p {scale = 1.0e-03 : f64} : tensor<3x37xbf16>
  return %0 : tensor<3x37xbf16>
}
func.func @spsa_update_bf16(%k: !sto.key, %p: tensor<3x37xbf16>, %g: f32) -> tensor<3x37xbf16> {
  %0 = sto.spsa_update %k, %p, %g {lr = 1.0e-04 : f64} : tensor<3x37xbf16>, f32
  return %0 : tensor<3x37xbf16>
}
// A projected gradient in f64 for an f32 parameter: rounded once to f32.
func.func @spsa_update_g64(%k: !sto.key, %p: tensor<8x128xf32>, %g: f64) -> tensor<8x128xf32> {
  %0 = sto.spsa_update %k, %p, %g {lr = 1.0e-01 : f64} : tensor<8x128xf32>, f64
  return %0 : tensor<8x128xf32>
}
// MeZO replays one key: +eps z, -2 eps z, +eps z, then the update, all with
// the same z.
func.func @mezo(%k: !sto.key, %p: tensor<5xf32>, %g: f32) -> (tensor<5xf32>, tensor<5xf32>, tensor<5xf32>) {
  %plus = sto.spsa_perturb %k, %p {scale = 1.0e-03 : f64} : tensor<5xf32>
  %minus = sto.spsa_perturb %k, %plus {scale = -2.0e-03 : f64} : tensor<5xf32>
  %back = sto.spsa_perturb %k, %minus {scale = 1.0e-03 : f64} : tensor<5xf32>
  %new = sto.spsa_update %k, %back, %g {lr = 1.0e-02 : f64} : tensor<5xf32>, f32
  return %plus, %minus, %new : tensor<5xf32>, tensor<5xf32>, tensor<5xf32>
}
func.func @swa_f32(%a: tensor<3x37xf32>, %p: tensor<3x37xf32>, %n: index) -> tensor<3x37xf32> {
  %0 = sto.average %a, %p, %n : tensor<3x37xf32>, index
  return %0 : tensor<3x37xf32>
}
func.func @ema_f32(%a: tensor<3x37xf32>, %p: tensor<3x37xf32>, %n: i64) -> tensor<3x37xf32> {
  %0 = sto.average %a, %p, %n {kind = #sto.average_kind<ema>, decay = 9.0e-01 : f64} : tensor<3x37xf32>, i64
  return %0 : tensor<3x37xf32>
}
func.func @ema0_f32(%a: tensor<3x37xf32>, %p: tensor<3x37xf32>, %n: i64) -> tensor<3x37xf32> {
  %0 = sto.average %a, %p, %n {kind = #sto.average_kind<ema>, decay = 0.0 : f64} : tensor<3x37xf32>, i64
  return %0 : tensor<3x37xf32>
}
func.func @swa_f64(%a: tensor<3x37xf64>, %p: tensor<3x37xf64>, %n: index) -> tensor<3x37xf64> {
  %0 = sto.average %a, %p, %n : tensor<3x37xf64>, index
  return %0 : tensor<3x37xf64>
}
func.func @ema_f64(%a: tensor<3x37xf64>, %p: tensor<3x37xf64>, %n: i64) -> tensor<3x37xf64> {
  %0 = sto.average %a, %p, %n {kind = #sto.average_kind<ema>, decay = 9.0e-01 : f64} : tensor<3x37xf64>, i64
  return %0 : tensor<3x37xf64>
}
func.func @swa_f16(%a: tensor<3x37xf16>, %p: tensor<3x37xf16>, %n: index) -> tensor<3x37xf16> {
  %0 = sto.average %a, %p, %n : tensor<3x37xf16>, index
  return %0 : tensor<3x37xf16>
}
func.func @ema_f16(%a: tensor<3x37xf16>, %p: tensor<3x37xf16>, %n: i64) -> tensor<3x37xf16> {
  %0 = sto.average %a, %p, %n {kind = #sto.average_kind<ema>, decay = 9.0e-01 : f64} : tensor<3x37xf16>, i64
  return %0 : tensor<3x37xf16>
}
func.func @swa_bf16(%a: tensor<3x37xbf16>, %p: tensor<3x37xbf16>, %n: index) -> tensor<3x37xbf16> {
  %0 = sto.average %a, %p, %n : tensor<3x37xbf16>, index
  return %0 : tensor<3x37xbf16>
}
func.func @ema_bf16(%a: tensor<3x37xbf16>, %p: tensor<3x37xbf16>, %n: i64) -> tensor<3x37xbf16> {
  %0 = sto.average %a, %p, %n {kind = #sto.average_kind<ema>, decay = 9.0e-01 : f64} : tensor<3x37xbf16>, i64
  return %0 : tensor<3x37xbf16>
}
func.func @swa_i64_dyn(%a: tensor<?xf32>, %p: tensor<?xf32>, %n: i64) -> tensor<?xf32> {
  %0 = sto.average %a, %p, %n {kind = #sto.average_kind<swa>} : tensor<?xf32>, i64
  return %0 : tensor<?xf32>
}
func.func @ema_rank0(%a: tensor<f64>, %p: tensor<f64>, %n: index) -> tensor<f64> {
  %0 = sto.average %a, %p, %n {kind = #sto.average_kind<ema>, decay = 0.999 : f64} : tensor<f64>, index
  return %0 : tensor<f64>
}
