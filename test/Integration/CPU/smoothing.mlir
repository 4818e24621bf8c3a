// Randomized smoothing compiled by sto-compile (driver: Inputs/smoothing.cpp).
// sto.monte_carlo: the class counts of a classifier (thresholds on two
// coordinates of the noisy copy) are compared exactly with a reference that
// draws each copy's noise from include/sto/Runtime/Philox.h (copy s, element
// j: index s·numel(x) + j): samples not a multiple of the batch (the last
// batch counts in part), ids outside [0, num_classes) ignored, f32 and f64, a
// dynamic x, and 1 and 2 threads. sto.certify: class, bound and radius
// against values from SciPy (beta.ppf, norm.ppf) for Clopper-Pearson and
// empirical Bernstein, abstention, and ties in the selection counts.

// RUN: rm -rf %t && mkdir -p %t
// RUN: sto-compile %s -o %t/smoothing.o --header %t/smoothing.h
// RUN: %clangxx %sto_driver_flags -I%t %S/Inputs/smoothing.cpp %t/smoothing.o %sto_runtime_link -o %t/smoothing
// RUN: env OMP_NUM_THREADS=1 %t/smoothing > %t/threads1.txt
// RUN: env OMP_NUM_THREADS=2 %t/smoothing > %t/threads2.txt
// RUN: diff %t/threads1.txt %t/threads2.txt
// RUN: FileCheck %s < %t/threads2.txt
// The CUDA pipeline's code (noise kernels, one-thread kernels for the counts
// and certify's argmax, its host calls of libsto_runtime) run on the host,
// --target=cuda-emulator: the same counts and certificates, bit for bit.
// RUN: mkdir -p %t/emu
// RUN: sto-compile %s --target=cuda-emulator -o %t/smoothing-emu.o --header %t/emu/smoothing.h
// RUN: %clangxx %sto_driver_flags -I%t/emu %S/Inputs/smoothing.cpp %t/smoothing-emu.o %sto_runtime_link -o %t/smoothing-emu
// RUN: %t/smoothing-emu > %t/emulated.txt
// RUN: diff %t/threads2.txt %t/emulated.txt

// CHECK: monte_carlo f32 [3] 10 samples in batches of 4: 0 mismatches of 2
// CHECK: monte_carlo f64 [2x2] 1000 samples in batches of 64: 0 mismatches of 3
// CHECK: monte_carlo f32 [?] n=5 777 samples in batches of 100: 0 mismatches of 2
// CHECK: monte_carlo past 2^63 indices: status 7, counts -1 -1
// CHECK: certify clopper_pearson 99000 of 100000: status 0 class 1 radius 0.5724999888
// CHECK: certify abstains: status 0 class -1 radius 0{{$}}
// CHECK: certify ties to the lower class: status 0 class 0 radius
// CHECK: certify bernstein 900 of 1000: status 0 class 2 radius 0.254057034
// CHECK: certify 2^62 of 2^62: status 0 class 0 radius 2.177903705
// CHECK: certify a negative count: status 7 class 99 radius -1
// CHECK: certify counts past INT64_MAX: status 7 class 99 radius -1
// CHECK: ALL OK

// class 1 when the first coordinate of the noisy copy exceeds 0.3, plus 5
// when the second exceeds 1 (ids 5 and 6 are outside [0, 2): not counted).
func.func private @thresholds(%b: tensor<4x3xf32>) -> tensor<4xi32> {
  %col0 = tensor.extract_slice %b[0, 0] [4, 1] [1, 1] : tensor<4x3xf32> to tensor<4xf32>
  %col1 = tensor.extract_slice %b[0, 1] [4, 1] [1, 1] : tensor<4x3xf32> to tensor<4xf32>
  %t0 = arith.constant dense<0.3> : tensor<4xf32>
  %t1 = arith.constant dense<1.0> : tensor<4xf32>
  %five = arith.constant dense<5> : tensor<4xi32>
  %zero = arith.constant dense<0> : tensor<4xi32>
  %a = arith.cmpf ogt, %col0, %t0 : tensor<4xf32>
  %c = arith.cmpf ogt, %col1, %t1 : tensor<4xf32>
  %ai = arith.extui %a : tensor<4xi1> to tensor<4xi32>
  %cf = arith.select %c, %five, %zero : tensor<4xi1>, tensor<4xi32>
  %id = arith.addi %ai, %cf : tensor<4xi32>
  return %id : tensor<4xi32>
}

func.func @votes_f32(%k: !sto.key, %x: tensor<3xf32>) -> tensor<2xi64> {
  %c = sto.monte_carlo %k, %x {samples = 10 : i64, batch = 4 : i64, stddev = 0.5 : f64, num_classes = 2 : i64} : tensor<3xf32> -> tensor<2xi64> {
  ^bb0(%b: tensor<4x3xf32>):
    %ids = func.call @thresholds(%b) : (tensor<4x3xf32>) -> tensor<4xi32>
    sto.yield %ids : tensor<4xi32>
  }
  return %c : tensor<2xi64>
}

// class = number of the first two coordinates above 0 (i64 ids).
func.func @votes_f64(%k: !sto.key, %x: tensor<2x2xf64>) -> tensor<3xi64> {
  %c = sto.monte_carlo %k, %x {samples = 1000 : i64, batch = 64 : i64, stddev = 0.25 : f64, num_classes = 3 : i64} : tensor<2x2xf64> -> tensor<3xi64> {
  ^bb0(%b: tensor<64x2x2xf64>):
    %flat = tensor.collapse_shape %b [[0], [1, 2]] : tensor<64x2x2xf64> into tensor<64x4xf64>
    %c0 = tensor.extract_slice %flat[0, 0] [64, 1] [1, 1] : tensor<64x4xf64> to tensor<64xf64>
    %c1 = tensor.extract_slice %flat[0, 1] [64, 1] [1, 1] : tensor<64x4xf64> to tensor<64xf64>
    %z = arith.constant dense<0.0> : tensor<64xf64>
    %p0 = arith.cmpf ogt, %c0, %z : tensor<64xf64>
    %p1 = arith.cmpf ogt, %c1, %z : tensor<64xf64>
    %i0 = arith.extui %p0 : tensor<64xi1> to tensor<64xi64>
    %i1 = arith.extui %p1 : tensor<64xi1> to tensor<64xi64>
    %ids = arith.addi %i0, %i1 : tensor<64xi64>
    sto.yield %ids : tensor<64xi64>
  }
  return %c : tensor<3xi64>
}

// A dynamic input: class 1 when its first coordinate is positive.
func.func @votes_dyn(%k: !sto.key, %x: tensor<?xf32>) -> tensor<2xi64> {
  %c = sto.monte_carlo %k, %x {samples = 777 : i64, batch = 100 : i64, stddev = 1.0 : f64, num_classes = 2 : i64} : tensor<?xf32> -> tensor<2xi64> {
  ^bb0(%b: tensor<100x?xf32>):
    %col = tensor.extract_slice %b[0, 0] [100, 1] [1, 1] : tensor<100x?xf32> to tensor<100xf32>
    %z = arith.constant dense<0.0> : tensor<100xf32>
    %p = arith.cmpf ogt, %col, %z : tensor<100xf32>
    %ids = arith.extui %p : tensor<100xi1> to tensor<100xi32>
    sto.yield %ids : tensor<100xi32>
  }
  return %c : tensor<2xi64>
}

func.func @certify_cp(%c0: tensor<3xi64>, %c: tensor<3xi64>) -> (i64, f64) {
  %a, %r = sto.certify %c0, %c {alpha = 0.001 : f64, stddev = 0.25 : f64} : tensor<3xi64>
  return %a, %r : i64, f64
}

func.func @certify_bernstein(%c0: tensor<3xi64>, %c: tensor<3xi64>) -> (i64, f64) {
  %a, %r = sto.certify %c0, %c {alpha = 0.001 : f64, stddev = 0.25 : f64, bound = #sto.bound<bernstein>} : tensor<3xi64>
  return %a, %r : i64, f64
}
