// Compiles sto.expert_load, sto.balance_bias, sto.balance_loss, sto.dispatch
// and sto.combine (alone and chained after sto.topk_gate into a layer) with
// sto-compile and compares every result, bit for bit, with the scalar
// reference of Inputs/moe_reference.h (driver: Inputs/moe-routing.cpp):
// loads with indices outside [0, E), i32 and i64 indices, bias updates with
// loads below, above and equal to the mean, the balance loss in f32, f64 and
// f32 -> f64 (and with no routed entry), dispatch with capacity overflow and
// dropped choices, combine of the dispatched slots. Each function is called
// twice with identical bits; the output is identical with 1 and 2 OpenMP
// threads, from run to run, and with the parallel scans.

// RUN: rm -rf %t && mkdir -p %t
// RUN: sto-compile %s -o %t/moe_routing.o --header %t/moe_routing.h
// RUN: %clangxx %sto_driver_flags -I%t %S/Inputs/moe-routing.cpp %t/moe_routing.o %sto_runtime_link -o %t/moe-routing
// RUN: env OMP_NUM_THREADS=1 %t/moe-routing > %t/threads1.txt
// RUN: env OMP_NUM_THREADS=2 %t/moe-routing > %t/threads2.txt
// RUN: env OMP_NUM_THREADS=2 %t/moe-routing > %t/again.txt
// RUN: diff %t/threads1.txt %t/threads2.txt
// RUN: diff %t/threads2.txt %t/again.txt
// RUN: FileCheck %s < %t/threads2.txt
// The parallel scans (the CUDA default: counts per chunk of 256 tokens,
// prefixes and ranks) give the very same results.
// RUN: sto-compile %s --moe-scans=parallel -o %t/moe_routing_par.o
// RUN: %clangxx %sto_driver_flags -I%t %S/Inputs/moe-routing.cpp %t/moe_routing_par.o %sto_runtime_link -o %t/moe-routing-par
// RUN: env OMP_NUM_THREADS=2 %t/moe-routing-par > %t/parallel.txt
// RUN: diff %t/threads2.txt %t/parallel.txt
// RUN: not sto-compile %s --moe-scans=fast -o %t/bad.o 2>&1 | FileCheck %s --check-prefix=BAD
// The GPU lowering run on the host (sto-emulate-gpu-kernels): the same output.
// RUN: mkdir -p %t/emu && sto-compile %s --target=cuda-emulator -o %t/emu/moe_routing.o --header %t/emu/moe_routing.h
// RUN: %clangxx %sto_driver_flags -I%t/emu %S/Inputs/moe-routing.cpp %t/emu/moe_routing.o %sto_runtime_link -o %t/moe-routing-emu
// RUN: %t/moe-routing-emu > %t/emu.txt
// RUN: diff %t/threads2.txt %t/emu.txt
// BAD: sto-compile: error: --moe-scans must be sequential or parallel, not 'fast'


// CHECK: expert_load i32 [41x3] E=8: 0 mismatches of 8
// CHECK: expert_load i32: out-of-range entries present: ok
// CHECK: expert_load i32 [0x3] E=8: 0 mismatches of 8
// CHECK: expert_load i32 [1000x3] E=8: 0 mismatches of 8
// CHECK: expert_load i32 [5000x3] E=8: 0 mismatches of 8
// CHECK: expert_load i64 [37x2] E=5: 0 mismatches of 5
// CHECK: balance_bias f32 E=8: 0 mismatches of 8
// CHECK: balance_bias f32: loads below, at and above the mean: ok
// CHECK: balance_bias f64 E=6: 0 mismatches of 6
// CHECK: balance_bias bf16 E=8: 0 mismatches of 8
// CHECK: balance_loss f32 [41x8]: 0 mismatches of 1
// CHECK: balance_loss f32 no routed entry: 0 mismatches of 1
// CHECK: balance_loss f64 [37x6]: 0 mismatches of 1
// CHECK: balance_loss f32 -> f64 [37x8]: 0 mismatches of 1
// CHECK: dispatch f32 slots [41x2] E=8 C=5: 0 mismatches of 82
// CHECK: dispatch f32 buffer [8x5x16]: 0 mismatches of 640
// CHECK: dispatch f32: choices dropped at capacity and out of range: ok
// CHECK: combine f32 [41x16]: 0 mismatches of 656
// CHECK: dispatch f32 slots [1000x2] E=8 C=200: 0 mismatches of 2000
// CHECK: dispatch f32 buffer [8x200x16]: 0 mismatches of 25600
// CHECK: dispatch f32 [1000x2]: dropped choices and unused slots: ok
// CHECK: dispatch f32 slots [5000x2] E=8 C=1500: 0 mismatches of 10000
// CHECK: dispatch f32 buffer [8x1500x16]: 0 mismatches of 192000
// CHECK: dispatch f64 slots [37x3] E=4 C=20: 0 mismatches of 111
// CHECK: dispatch f64 buffer [4x20x6]: 0 mismatches of 480
// CHECK: combine f64 [37x6]: 0 mismatches of 222
// CHECK: layer f32 indices: 0 mismatches of 128
// CHECK: layer f32 weights within 1e-6: ok
// CHECK: layer f32 load: 0 mismatches of 8
// CHECK: layer f32 new bias: 0 mismatches of 8
// CHECK: layer f32 slots: 0 mismatches of 128
// CHECK: layer f32 out within 1e-6: ok
// CHECK: layer f32 loss: 0 mismatches of 1
// CHECK: run to run identical: ok
// CHECK: ALL OK

func.func @load_i32(%i: tensor<?x3xi32>) -> tensor<8xi32> {
  %0 = sto.expert_load %i {num_experts = 8 : i64} : tensor<?x3xi32>
  return %0 : tensor<8xi32>
}
func.func @load_i64(%i: tensor<37x2xi64>) -> tensor<5xi32> {
  %0 = sto.expert_load %i {num_experts = 5 : i64} : tensor<37x2xi64>
  return %0 : tensor<5xi32>
}
func.func @bias_f32(%b: tensor<8xf32>, %l: tensor<8xi32>) -> tensor<8xf32> {
  %0 = sto.balance_bias %b, %l {rate = 1.0e-02 : f64} : tensor<8xf32>, tensor<8xi32>
  return %0 : tensor<8xf32>
}
func.func @bias_f64(%b: tensor<6xf64>, %l: tensor<6xi64>) -> tensor<6xf64> {
  %0 = sto.balance_bias %b, %l {rate = 1.25e-01 : f64} : tensor<6xf64>, tensor<6xi64>
  return %0 : tensor<6xf64>
}
func.func @bias_bf16(%b: tensor<8xbf16>, %l: tensor<8xi32>) -> tensor<8xbf16> {
  %0 = sto.balance_bias %b, %l {rate = 1.0e-03 : f64} : tensor<8xbf16>, tensor<8xi32>
  return %0 : tensor<8xbf16>
}
func.func @loss_f32(%p: tensor<?x8xf32>, %l: tensor<8xi32>) -> f32 {
  %0 = sto.balance_loss %p, %l {alpha = 1.0e-02 : f64} : tensor<?x8xf32>, tensor<8xi32> -> f32
  return %0 : f32
}
func.func @loss_f64(%p: tensor<37x6xf64>, %l: tensor<6xi64>) -> f64 {
  %0 = sto.balance_loss %p, %l {alpha = 1.0e-03 : f64} : tensor<37x6xf64>, tensor<6xi64> -> f64
  return %0 : f64
}
func.func @loss_mixed(%p: tensor<37x8xf32>, %l: tensor<8xi32>) -> f64 {
  %0 = sto.balance_loss %p, %l {alpha = 0.3 : f64} : tensor<37x8xf32>, tensor<8xi32> -> f64
  return %0 : f64
}
func.func @dispatch_f32(%x: tensor<?x16xf32>, %i: tensor<?x2xi32>)
    -> (tensor<8x5x16xf32>, tensor<?x2xi32>) {
  %b, %s = sto.dispatch %x, %i {num_experts = 8 : i64, capacity = 5 : i64}
      : tensor<?x16xf32>, tensor<?x2xi32> -> tensor<8x5x16xf32>, tensor<?x2xi32>
  return %b, %s : tensor<8x5x16xf32>, tensor<?x2xi32>
}
func.func @dispatch_big(%x: tensor<?x16xf32>, %i: tensor<?x2xi32>)
    -> (tensor<8x200x16xf32>, tensor<?x2xi32>) {
  %b, %s = sto.dispatch %x, %i {num_experts = 8 : i64, capacity = 200 : i64}
      : tensor<?x16xf32>, tensor<?x2xi32> -> tensor<8x200x16xf32>, tensor<?x2xi32>
  return %b, %s : tensor<8x200x16xf32>, tensor<?x2xi32>
}
func.func @dispatch_huge(%x: tensor<?x16xf32>, %i: tensor<?x2xi32>)
    -> (tensor<8x1500x16xf32>, tensor<?x2xi32>) {
  %b, %s = sto.dispatch %x, %i {num_experts = 8 : i64, capacity = 1500 : i64}
      : tensor<?x16xf32>, tensor<?x2xi32> -> tensor<8x1500x16xf32>, tensor<?x2xi32>
  return %b, %s : tensor<8x1500x16xf32>, tensor<?x2xi32>
}
func.func @dispatch_f64(%x: tensor<37x6xf64>, %i: tensor<37x3xi64>)
    -> (tensor<4x20x6xf64>, tensor<37x3xi32>) {
  %b, %s = sto.dispatch %x, %i {num_experts = 4 : i64, capacity = 20 : i64}
      : tensor<37x6xf64>, tensor<37x3xi64> -> tensor<4x20x6xf64>, tensor<37x3xi32>
  return %b, %s : tensor<4x20x6xf64>, tensor<37x3xi32>
}
func.func @combine_f32(%y: tensor<8x5x16xf32>, %w: tensor<?x2xf32>, %i: tensor<?x2xi32>,
                       %s: tensor<?x2xi32>) -> tensor<?x16xf32> {
  %0 = sto.combine %y, %w, %i, %s
      : tensor<8x5x16xf32>, tensor<?x2xf32>, tensor<?x2xi32>, tensor<?x2xi32> -> tensor<?x16xf32>
  return %0 : tensor<?x16xf32>
}
func.func @combine_f64(%y: tensor<4x20x6xf64>, %w: tensor<37x3xf64>, %i: tensor<37x3xi64>,
                       %s: tensor<37x3xi32>) -> tensor<37x6xf64> {
  %0 = sto.combine %y, %w, %i, %s
      : tensor<4x20x6xf64>, tensor<37x3xf64>, tensor<37x3xi64>, tensor<37x3xi32> -> tensor<37x6xf64>
  return %0 : tensor<37x6xf64>
}

// The ops chained as in an MoE layer whose experts double their input:
// noisy gate with bias, load, bias update, dispatch at capacity factor 1.25
// (1.25·64·2/8 = 20), y = 2·buffer, combine, and the balance loss of `probs`.
func.func @layer_f32(%x: tensor<64x16xf32>, %logits: tensor<64x8xf32>, %bias: tensor<8xf32>,
                     %probs: tensor<64x8xf32>, %k: !sto.key)
    -> (tensor<64x2xf32>, tensor<64x2xi32>, tensor<8xi32>, tensor<8xf32>,
        tensor<64x2xi32>, tensor<64x16xf32>, f32) {
  %w, %idx = sto.topk_gate %logits bias %bias key %k {k = 2 : i64, noise_stddev = 0.5 : f64}
      : tensor<64x8xf32>, tensor<8xf32> -> tensor<64x2xf32>, tensor<64x2xi32>
  %load = sto.expert_load %idx {num_experts = 8 : i64} : tensor<64x2xi32>
  %nb = sto.balance_bias %bias, %load {rate = 1.0e-03 : f64} : tensor<8xf32>, tensor<8xi32>
  %buf, %slot = sto.dispatch %x, %idx {num_experts = 8 : i64, capacity = 20 : i64}
      : tensor<64x16xf32>, tensor<64x2xi32> -> tensor<8x20x16xf32>, tensor<64x2xi32>
  %y = arith.addf %buf, %buf : tensor<8x20x16xf32>
  %out = sto.combine %y, %w, %idx, %slot
      : tensor<8x20x16xf32>, tensor<64x2xf32>, tensor<64x2xi32>, tensor<64x2xi32> -> tensor<64x16xf32>
  %loss = sto.balance_loss %probs, %load {alpha = 1.0e-02 : f64} : tensor<64x8xf32>, tensor<8xi32> -> f32
  return %w, %idx, %load, %nb, %slot, %out, %loss
      : tensor<64x2xf32>, tensor<64x2xi32>, tensor<8xi32>, tensor<8xf32>,
        tensor<64x2xi32>, tensor<64x16xf32>, f32
}
