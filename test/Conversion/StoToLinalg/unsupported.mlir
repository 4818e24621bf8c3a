// An op that has no lowering yet makes convert-sto-to-linalg fail with an
// error located at the op (no crash, no partially lowered output), and so
// do the CPU pipeline and sto-compile that run it. (sto.monte_carlo and
// sto.certify have no lowering today; when they get one, pick another op.)

// RUN: not sto-opt %s --convert-sto-to-linalg -split-input-file 2>&1 | FileCheck %s
// RUN: not sto-opt %s --sto-cpu-pipeline -split-input-file 2>&1 | FileCheck %s
// RUN: not sto-compile %s --compile-to=linalg 2>&1 | FileCheck %s --check-prefix=COMPILE

// CHECK: unsupported.mlir:[[@LINE+3]]:19: error: failed to legalize operation 'sto.certify' that was explicitly marked illegal
// COMPILE: unsupported.mlir:[[@LINE+2]]:19: error: failed to legalize operation 'sto.certify' that was explicitly marked illegal
func.func @certify(%c0: tensor<10xi64>, %c: tensor<10xi64>) -> (i64, f64) {
  %cls, %radius = sto.certify %c0, %c {alpha = 1.0e-03 : f64, stddev = 2.5e-01 : f64} : tensor<10xi64>
  return %cls, %radius : i64, f64
}

// -----

func.func private @classify(tensor<10x4xf32>) -> tensor<10xi32>

// CHECK: unsupported.mlir:[[@LINE+2]]:13: error: failed to legalize operation 'sto.monte_carlo' that was explicitly marked illegal
func.func @smooth(%k: !sto.key, %x: tensor<4xf32>) -> tensor<3xi64> {
  %counts = sto.monte_carlo %k, %x {samples = 20 : i64, batch = 10 : i64,
                                    stddev = 2.5e-01 : f64, num_classes = 3 : i64}
      : tensor<4xf32> -> tensor<3xi64> {
  ^bb0(%noisy: tensor<10x4xf32>):
    %ids = func.call @classify(%noisy) : (tensor<10x4xf32>) -> tensor<10xi32>
    sto.yield %ids : tensor<10xi32>
  }
  return %counts : tensor<3xi64>
}
