// RUN: sto-opt %s --convert-sto-to-linalg -split-input-file | FileCheck %s

// sto.monte_carlo: ceil(10 / 4) = 3 batches; each builds its 4 noisy copies
// (stream index (4 b + r)·numel(x) + j: the copy's place in the stream),
// runs the body inlined on them and counts the ids of its valid copies
// (min(4, 10 - 4 b)) that lie in [0, 2).
// CHECK-LABEL: func.func @votes(
// CHECK:         %[[ZERO:.+]] = linalg.fill ins(%{{.+}} : i64) outs(%{{.+}} : tensor<2xi64>)
// CHECK:         %[[R:.+]] = scf.for %[[B:.+]] = %{{.+}} to %{{.+}} step %{{.+}} iter_args(%[[ACC:.+]] = %[[ZERO]]) -> (tensor<2xi64>) {
// CHECK:           %[[FIRST:.+]] = arith.muli %[[B]], %{{.+}} : index
// CHECK:           %[[NOISY:.+]] = linalg.generic {{.*}} ins(%{{.+}} : tensor<3xf32>) outs(%{{.+}} : tensor<4x3xf32>)
// CHECK:             linalg.index 0
// CHECK:             arith.addi %[[FIRST]],
// CHECK:             math.sqrt
// CHECK:             math.fma
// CHECK:           %[[IDS:.+]] = func.call @classify(%[[NOISY]])
// CHECK:           arith.minsi
// CHECK:           scf.for {{.*}} iter_args(%{{.+}} = %[[ACC]]) -> (tensor<2xi64>) {
// CHECK:             tensor.extract %[[IDS]]
// CHECK:             arith.extsi %{{.+}} : i32 to i64
// CHECK:             scf.if
// CHECK:               tensor.insert
// CHECK:         return %[[R]] : tensor<2xi64>
func.func private @classify(%x: tensor<4x3xf32>) -> tensor<4xi32>
func.func @votes(%k: !sto.key, %x: tensor<3xf32>) -> tensor<2xi64> {
  %c = sto.monte_carlo %k, %x {samples = 10 : i64, batch = 4 : i64, stddev = 0.5 : f64, num_classes = 2 : i64} : tensor<3xf32> -> tensor<2xi64> {
  ^bb0(%b: tensor<4x3xf32>):
    %ids = func.call @classify(%b) : (tensor<4x3xf32>) -> tensor<4xi32>
    sto.yield %ids : tensor<4xi32>
  }
  return %c : tensor<2xi64>
}

// -----

// sto.certify: the argmax of counts0 (strictly greater: ties to the lower
// id), the top class's votes and the total in counts, then libsto_runtime's
// bound as its upper tail q = 1 - p (method 1: Bernstein) and, for q < 1/2,
// the radius stddev·Φ⁻¹(p) = -stddev·Φ⁻¹(q).
// CHECK-DAG:   func.func private @sto_certify_upper_tail(i64, i64, f64, i32) -> f64
// CHECK-DAG:   func.func private @sto_normal_quantile(f64) -> f64
// CHECK-LABEL: func.func @certify(
// CHECK:         %[[ARGMAX:.+]]:2 = scf.for
// CHECK:           arith.cmpi sgt
// CHECK:         %[[SUMS:.+]]:2 = scf.for
// CHECK:         %[[T:.+]] = call @sto_certify_upper_tail(%[[SUMS]]#1, %[[SUMS]]#0, %{{.+}}, %{{.+}}) : (i64, i64, f64, i32) -> f64
// CHECK:         %[[OK:.+]] = arith.cmpf olt, %[[T]], %{{.+}} : f64
// CHECK:         scf.if %[[OK]] -> (i64, f64) {
// CHECK:           %[[Q:.+]] = func.call @sto_normal_quantile(%[[T]])
// CHECK:           %[[S:.+]] = arith.constant -2.500000e-01 : f64
// CHECK:           arith.mulf %[[S]], %[[Q]] : f64
// CHECK:           scf.yield %[[ARGMAX]]#1,
// CHECK:         } else {
// CHECK:           scf.yield %{{.+}}, %{{.+}} : i64, f64
func.func @certify(%c0: tensor<3xi64>, %c: tensor<3xi64>) -> (i64, f64) {
  %a, %r = sto.certify %c0, %c {alpha = 0.001 : f64, stddev = 0.25 : f64, bound = #sto.bound<bernstein>} : tensor<3xi64>
  return %a, %r : i64, f64
}

// -----

// A body that holds another sto.monte_carlo (with its own key): the inner op,
// inlined into the outer batch loop, is lowered by the same pattern (the
// conversion rejected that as recursion: "failed to legalize").
// CHECK-LABEL: func.func @nested(
// CHECK-NOT:     sto.monte_carlo
// CHECK:         scf.for
// CHECK:           scf.for
// CHECK:         return
func.func @nested(%s: i64, %x: tensor<4xf32>) -> tensor<3xi64> {
  %k = sto.seed %s : i64
  %c = sto.monte_carlo %k, %x {samples = 10 : i64, batch = 2 : i64, stddev = 0.5 : f64, num_classes = 3 : i64} : tensor<4xf32> -> tensor<3xi64> {
  ^bb0(%b: tensor<2x4xf32>):
    %k2 = sto.seed %s : i64
    %inner = sto.monte_carlo %k2, %b {samples = 4 : i64, batch = 4 : i64, stddev = 0.5 : f64, num_classes = 2 : i64} : tensor<2x4xf32> -> tensor<2xi64> {
    ^bb1(%bb: tensor<4x2x4xf32>):
      %z = arith.constant dense<1> : tensor<4xi32>
      sto.yield %z : tensor<4xi32>
    }
    %ids = arith.trunci %inner : tensor<2xi64> to tensor<2xi32>
    sto.yield %ids : tensor<2xi32>
  }
  return %c : tensor<3xi64>
}
