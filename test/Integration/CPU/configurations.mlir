// Bit identity across configurations. One program is compiled with the
// default options (OpenMP, the host CPU, -O3), with --parallel=false, for
// SSE2 (--mcpu=x86-64), for AVX2 (--mcpu=x86-64-v3) and at -O0, and run with
// 1, 2 and 3 OpenMP threads. Every run compares each element with the
// reference include/sto/Runtime/Philox.h (driver: Inputs/configurations.cpp)
// and prints a digest of all the results; the outputs must be identical.
// dropout(x + b) fused into one function and split over two functions must
// also give the same bits.

// RUN: rm -rf %t && mkdir -p %t
// RUN: sto-compile %s -o %t/default.o --header %t/configurations.h
// RUN: sto-compile %s -o %t/serial.o --parallel=false
// RUN: sto-compile %s -o %t/sse2.o --mcpu=x86-64
// RUN: sto-compile %s -o %t/avx2.o --mcpu=x86-64-v3
// RUN: sto-compile %s -o %t/o0.o -O0
// RUN: %clangxx %sto_driver_flags -c -I%t %S/Inputs/configurations.cpp -o %t/driver.o
// RUN: %clangxx %t/driver.o %t/default.o %sto_runtime_link -o %t/default
// RUN: %clangxx %t/driver.o %t/serial.o %sto_runtime_link -o %t/serial
// RUN: %clangxx %t/driver.o %t/sse2.o %sto_runtime_link -o %t/sse2
// RUN: %clangxx %t/driver.o %t/avx2.o %sto_runtime_link -o %t/avx2
// RUN: %clangxx %t/driver.o %t/o0.o %sto_runtime_link -o %t/o0

// RUN: env OMP_NUM_THREADS=1 %t/default > %t/default-1.txt
// RUN: env OMP_NUM_THREADS=2 %t/default > %t/default-2.txt
// RUN: env OMP_NUM_THREADS=3 %t/default > %t/default-3.txt
// RUN: %t/serial > %t/serial.txt
// RUN: env OMP_NUM_THREADS=3 %t/sse2 > %t/sse2.txt
// RUN: env OMP_NUM_THREADS=2 %t/avx2 > %t/avx2.txt
// RUN: env OMP_NUM_THREADS=3 %t/o0 > %t/o0.txt

// RUN: FileCheck %s < %t/default-1.txt
// RUN: diff %t/default-1.txt %t/default-2.txt
// RUN: diff %t/default-1.txt %t/default-3.txt
// RUN: diff %t/default-1.txt %t/serial.txt
// RUN: diff %t/default-1.txt %t/sse2.txt
// RUN: diff %t/default-1.txt %t/avx2.txt
// RUN: diff %t/default-1.txt %t/o0.txt

// The parallel build runs its loops on OpenMP threads; the serial one does not.
// RUN: sto-compile %s --compile-to=llvmir | FileCheck %s --check-prefix=OMP
// RUN: sto-compile %s --compile-to=llvmir --parallel=false | FileCheck %s --check-prefix=SERIAL
// OMP: call {{.*}}@__kmpc_fork_call
// SERIAL-NOT: __kmpc_fork_call

// CHECK: dropout(x + b) f32 [64x37] fused: 0 mismatches of 2368
// CHECK: dropout(x + b) f32 [64x37] unfused: 0 mismatches of 2368
// CHECK: dropout(x + b) f32 [64x37] fused vs unfused: 0 mismatches of 2368
// CHECK: noise f32 [1000x37] gaussian additive 0.1: 0 mismatches of 37000
// CHECK: normal f32 [?x128] n=1: 0 mismatches of 128
// CHECK: normal f32 [?x128] n=7: 0 mismatches of 896
// CHECK: normal f32 [?x128] n=64: 0 mismatches of 8192
// CHECK: noise bf16 [8x128] uniform multiplicative 0.5: 0 mismatches of 1024
// CHECK: stochastic_binary f16 [3x37] stochastic_times_smooth: 0 mismatches of 111
// CHECK: langevin_step f64 [2x3x40]: 0 mismatches of 240
// CHECK: average f64 [2x3x40] swa count 4: 0 mismatches of 240
// CHECK: noise f32 [4200] gaussian additive 0.25: 0 mismatches of 4200
// CHECK: stochastic_binary f32 [3x1000]: 0 mismatches of 3000
// CHECK: ALL OK

#bcast = affine_map<(d0, d1) -> (d1)>
#id = affine_map<(d0, d1) -> (d0, d1)>
// dropout(x + b) in one function: the add, the broadcast and the dropout
// fuse into one loop nest.
func.func @fused(%k: !sto.key, %x: tensor<64x37xf32>, %b: tensor<37xf32>) -> tensor<64x37xf32> {
  %e = tensor.empty() : tensor<64x37xf32>
  %bb = linalg.broadcast ins(%b : tensor<37xf32>) outs(%e : tensor<64x37xf32>) dimensions = [0]
  %h = arith.addf %x, %bb : tensor<64x37xf32>
  %y = sto.dropout %k, %h {rate = 2.5e-01 : f64} : tensor<64x37xf32>
  return %y : tensor<64x37xf32>
}
// The same computation split over two functions.
func.func @add_bias(%x: tensor<64x37xf32>, %b: tensor<37xf32>) -> tensor<64x37xf32> {
  %e = tensor.empty() : tensor<64x37xf32>
  %bb = linalg.broadcast ins(%b : tensor<37xf32>) outs(%e : tensor<64x37xf32>) dimensions = [0]
  %h = arith.addf %x, %bb : tensor<64x37xf32>
  return %h : tensor<64x37xf32>
}
func.func @drop(%k: !sto.key, %h: tensor<64x37xf32>) -> tensor<64x37xf32> {
  %y = sto.dropout %k, %h {rate = 2.5e-01 : f64} : tensor<64x37xf32>
  return %y : tensor<64x37xf32>
}
// Normals (log, sqrt, sin, cos) over many rows, for the threads.
func.func @noisy(%k: !sto.key, %x: tensor<1000x37xf32>) -> tensor<1000x37xf32> {
  %y = sto.noise %k, %x {scale = 1.0e-01 : f64} : tensor<1000x37xf32>
  return %y : tensor<1000x37xf32>
}
func.func @normal_dyn(%k: !sto.key, %n: index) -> tensor<?x128xf32> {
  %y = sto.normal %k [%n] : tensor<?x128xf32>
  return %y : tensor<?x128xf32>
}
func.func @narrow(%k: !sto.key, %x: tensor<8x128xbf16>, %p: tensor<3x37xf16>) -> (tensor<8x128xbf16>, tensor<3x37xf16>) {
  %a, %b = sto.split %k count 2
  %y = sto.noise %a, %x {kind = #sto.noise_kind<uniform>, mode = #sto.noise_mode<multiplicative>, scale = 5.0e-01 : f64} : tensor<8x128xbf16>
  %z = sto.stochastic_binary %b, %p {estimator = #sto.estimator<stochastic_times_smooth>} : tensor<3x37xf16>
  return %y, %z : tensor<8x128xbf16>, tensor<3x37xf16>
}
func.func @langevin_f64(%k: !sto.key, %p: tensor<2x3x40xf64>, %g: tensor<2x3x40xf64>, %a: tensor<2x3x40xf64>, %n: index) -> (tensor<2x3x40xf64>, tensor<2x3x40xf64>) {
  %q = sto.langevin_step %k, %p, %g {lr = 1.0e-02 : f64, temperature = 1.0e-01 : f64} : tensor<2x3x40xf64>
  %avg = sto.average %a, %q, %n : tensor<2x3x40xf64>, index
  return %q, %avg : tensor<2x3x40xf64>, tensor<2x3x40xf64>
}
// Long rows in blocked form (1050 and 250 Philox blocks per row): several
// iterations of the vectorized block loop (16 blocks each with AVX-512) and a
// remainder.
func.func @long_rows(%k: !sto.key, %x: tensor<4200xf32>, %p: tensor<3x1000xf32>) -> (tensor<4200xf32>, tensor<3x1000xf32>) {
  %a, %b = sto.split %k count 2
  %y = sto.noise %a, %x {scale = 2.5e-01 : f64} : tensor<4200xf32>
  %h = sto.stochastic_binary %b, %p {estimator = #sto.estimator<straight_through>} : tensor<3x1000xf32>
  return %y, %h : tensor<4200xf32>, tensor<3x1000xf32>
}
