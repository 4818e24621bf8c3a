// RUN: sto-opt %s | sto-opt | FileCheck %s
// RUN: sto-opt %s --mlir-print-op-generic | sto-opt | FileCheck %s
// RUN: sto-opt %s --mlir-print-op-generic | FileCheck %s --check-prefix=GENERIC

// Round-trips every op of the sto dialect in its custom form and through the
// generic form. The GENERIC checks pin the attribute names of the design table
// (DESIGN.md section 3), which the generic form exposes, and show that
// default-valued attributes are materialized there.

//===----------------------------------------------------------------------===//
// Keys
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @keys(
// CHECK-SAME:      %[[SEED:.+]]: i64, %[[STEP:.+]]: index, %[[RANK:.+]]: i64)
// CHECK:         %[[K:.+]] = sto.seed %[[SEED]] : i64
// CHECK:         %[[S:.+]]:3 = sto.split %[[K]] count 3
// CHECK:         %[[F0:.+]] = sto.fold_in %[[S]]#0, %[[STEP]] : index
// CHECK:         %[[F1:.+]] = sto.fold_in %[[S]]#1, %[[RANK]] : i64
// CHECK:         %[[ONE:.+]] = sto.split %[[S]]#2 count 1
// CHECK:         return %[[F0]], %[[F1]], %[[ONE]] : !sto.key, !sto.key, !sto.key
// GENERIC-LABEL: sym_name = "keys"
// GENERIC:       "sto.seed"(%{{.*}}) : (i64) -> !sto.key
// GENERIC:       "sto.split"(%{{.*}}) <{count = 3 : i64}> : (!sto.key) -> (!sto.key, !sto.key, !sto.key)
// GENERIC:       "sto.fold_in"(%{{.*}}, %{{.*}}) : (!sto.key, index) -> !sto.key
// GENERIC:       "sto.fold_in"(%{{.*}}, %{{.*}}) : (!sto.key, i64) -> !sto.key
// GENERIC:       "sto.split"(%{{.*}}) <{count = 1 : i64}> : (!sto.key) -> !sto.key
func.func @keys(%seed: i64, %step: index, %rank: i64)
    -> (!sto.key, !sto.key, !sto.key) {
  %k = sto.seed %seed : i64
  %k0, %k1, %k2 = sto.split %k count 3
  %f0 = sto.fold_in %k0, %step : index
  %f1 = sto.fold_in %k1, %rank : i64
  %one = sto.split %k2 count 1
  return %f0, %f1, %one : !sto.key, !sto.key, !sto.key
}

//===----------------------------------------------------------------------===//
// Samplers
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @uniform(
// CHECK-SAME:      %[[K:.+]]: !sto.key, %[[N:.+]]: index)
// CHECK:         sto.uniform %[[K]] {high = 2.000000e+00 : f64, low = -1.000000e+00 : f64} : tensor<4x8xf32>
// CHECK:         sto.uniform %[[K]][%[[N]]] : tensor<?x8xbf16>
// CHECK:         sto.uniform %[[K]][%[[N]], %[[N]]] {low = 5.000000e-01 : f64} : tensor<?x?xf64>
// GENERIC-LABEL: sym_name = "uniform"
// GENERIC:       "sto.uniform"(%{{.*}}) <{high = 2.000000e+00 : f64, low = -1.000000e+00 : f64}> : (!sto.key) -> tensor<4x8xf32>
// GENERIC:       "sto.uniform"(%{{.*}}, %{{.*}}) <{high = 1.000000e+00 : f64, low = 0.000000e+00 : f64}> : (!sto.key, index) -> tensor<?x8xbf16>
// GENERIC:       "sto.uniform"(%{{.*}}, %{{.*}}, %{{.*}}) <{high = 1.000000e+00 : f64, low = 5.000000e-01 : f64}> : (!sto.key, index, index) -> tensor<?x?xf64>
func.func @uniform(%k: !sto.key, %n: index) {
  %0 = sto.uniform %k {low = -1.0 : f64, high = 2.0 : f64} : tensor<4x8xf32>
  %1 = sto.uniform %k [%n] : tensor<?x8xbf16>
  %2 = sto.uniform %k [%n, %n] {low = 0.5 : f64} : tensor<?x?xf64>
  return
}

// CHECK-LABEL: func.func @normal(
// CHECK-SAME:      %[[K:.+]]: !sto.key, %[[N:.+]]: index)
// CHECK:         sto.normal %[[K]] {mean = 1.000000e+00 : f64, stddev = 2.000000e-02 : f64} : tensor<128x64xf16>
// CHECK:         sto.normal %[[K]] : tensor<f32>
// CHECK:         sto.normal %[[K]][%[[N]]] {stddev = 0.000000e+00 : f64} : tensor<?xf64>
// GENERIC-LABEL: sym_name = "normal"
// GENERIC:       "sto.normal"(%{{.*}}) <{mean = 1.000000e+00 : f64, stddev = 2.000000e-02 : f64}> : (!sto.key) -> tensor<128x64xf16>
// GENERIC:       "sto.normal"(%{{.*}}) <{mean = 0.000000e+00 : f64, stddev = 1.000000e+00 : f64}> : (!sto.key) -> tensor<f32>
// GENERIC:       "sto.normal"(%{{.*}}, %{{.*}}) <{mean = 0.000000e+00 : f64, stddev = 0.000000e+00 : f64}> : (!sto.key, index) -> tensor<?xf64>
func.func @normal(%k: !sto.key, %n: index) {
  %0 = sto.normal %k {mean = 1.0 : f64, stddev = 2.0e-02 : f64} : tensor<128x64xf16>
  %1 = sto.normal %k : tensor<f32>
  %2 = sto.normal %k [%n] {stddev = 0.0 : f64} : tensor<?xf64>
  return
}

// CHECK-LABEL: func.func @bernoulli(
// CHECK-SAME:      %[[K:.+]]: !sto.key, %[[P:.+]]: tensor<16xf32>, %[[N:.+]]: index, %[[PD:.+]]: tensor<?x4xbf16>)
// CHECK:         sto.bernoulli %[[K]], %[[P]] : tensor<16xf32> -> tensor<16xi1>
// CHECK:         sto.bernoulli %[[K]], %[[PD]] : tensor<?x4xbf16> -> tensor<?x4xi1>
// CHECK:         sto.bernoulli %[[K]] {p = 9.000000e-01 : f64} -> tensor<16xi1>
// CHECK:         sto.bernoulli %[[K]][%[[N]]] {p = 5.000000e-01 : f64} -> tensor<?xi1>
// CHECK:         sto.bernoulli %[[K]][%[[N]], %[[N]]] {p = 1.000000e+00 : f64} -> tensor<?x2x?xi1>
// GENERIC-LABEL: sym_name = "bernoulli"
// GENERIC:       "sto.bernoulli"(%{{.*}}, %{{.*}}) <{operandSegmentSizes = array<i32: 1, 1, 0>}> : (!sto.key, tensor<16xf32>) -> tensor<16xi1>
// GENERIC:       "sto.bernoulli"(%{{.*}}, %{{.*}}) <{operandSegmentSizes = array<i32: 1, 1, 0>}> : (!sto.key, tensor<?x4xbf16>) -> tensor<?x4xi1>
// GENERIC:       "sto.bernoulli"(%{{.*}}) <{operandSegmentSizes = array<i32: 1, 0, 0>, p = 9.000000e-01 : f64}> : (!sto.key) -> tensor<16xi1>
// GENERIC:       "sto.bernoulli"(%{{.*}}, %{{.*}}) <{operandSegmentSizes = array<i32: 1, 0, 1>, p = 5.000000e-01 : f64}> : (!sto.key, index) -> tensor<?xi1>
// GENERIC:       "sto.bernoulli"(%{{.*}}, %{{.*}}, %{{.*}}) <{operandSegmentSizes = array<i32: 1, 0, 2>, p = 1.000000e+00 : f64}> : (!sto.key, index, index) -> tensor<?x2x?xi1>
func.func @bernoulli(%k: !sto.key, %p: tensor<16xf32>, %n: index,
                     %pd: tensor<?x4xbf16>) {
  %0 = sto.bernoulli %k, %p : tensor<16xf32> -> tensor<16xi1>
  %1 = sto.bernoulli %k, %pd : tensor<?x4xbf16> -> tensor<?x4xi1>
  %2 = sto.bernoulli %k {p = 9.0e-01 : f64} -> tensor<16xi1>
  %3 = sto.bernoulli %k [%n] {p = 5.0e-01 : f64} -> tensor<?xi1>
  %4 = sto.bernoulli %k [%n, %n] {p = 1.0 : f64} -> tensor<?x2x?xi1>
  return
}

// CHECK-LABEL: func.func @categorical(
// CHECK-SAME:      %[[K:.+]]: !sto.key, %[[L:.+]]: tensor<32x10xf32>)
// CHECK:         sto.categorical %[[K]], %[[L]] {axis = 1 : i64} : tensor<32x10xf32> -> tensor<32xi32>
// CHECK:         sto.categorical %[[K]], %[[L]] : tensor<32x10xf32> -> tensor<32xi64>
// CHECK:         sto.categorical %[[K]], %[[L]] {axis = 0 : i64} : tensor<32x10xf32> -> tensor<10xi64>
// CHECK:         sto.categorical %[[K]], %[[L]] {axis = -2 : i64} : tensor<32x10xf32> -> tensor<10xi32>
// GENERIC-LABEL: sym_name = "categorical"
// GENERIC:       "sto.categorical"(%{{.*}}, %{{.*}}) <{axis = 1 : i64}> : (!sto.key, tensor<32x10xf32>) -> tensor<32xi32>
// GENERIC:       "sto.categorical"(%{{.*}}, %{{.*}}) <{axis = -1 : i64}> : (!sto.key, tensor<32x10xf32>) -> tensor<32xi64>
// GENERIC:       "sto.categorical"(%{{.*}}, %{{.*}}) <{axis = 0 : i64}> : (!sto.key, tensor<32x10xf32>) -> tensor<10xi64>
// GENERIC:       "sto.categorical"(%{{.*}}, %{{.*}}) <{axis = -2 : i64}> : (!sto.key, tensor<32x10xf32>) -> tensor<10xi32>
func.func @categorical(%k: !sto.key, %logits: tensor<32x10xf32>) {
  %0 = sto.categorical %k, %logits {axis = 1 : i64} : tensor<32x10xf32> -> tensor<32xi32>
  %1 = sto.categorical %k, %logits : tensor<32x10xf32> -> tensor<32xi64>
  %2 = sto.categorical %k, %logits {axis = 0 : i64} : tensor<32x10xf32> -> tensor<10xi64>
  %3 = sto.categorical %k, %logits {axis = -2 : i64} : tensor<32x10xf32> -> tensor<10xi32>
  return
}

// 2^31 classes: the last index, 2^31 - 1, still fits in i32.
// CHECK-LABEL: func.func @categorical_i32_limit(
// CHECK:         sto.categorical %{{.+}}, %{{.+}} : tensor<2x2147483648xf32> -> tensor<2xi32>
func.func @categorical_i32_limit(%k: !sto.key, %logits: tensor<2x2147483648xf32>) {
  %0 = sto.categorical %k, %logits : tensor<2x2147483648xf32> -> tensor<2xi32>
  return
}

//===----------------------------------------------------------------------===//
// Stochastic layers
//===----------------------------------------------------------------------===//

// The defaults (kind gaussian, mode additive) are elided in the custom form.
// CHECK-LABEL: func.func @noise(
// CHECK-SAME:      %[[K:.+]]: !sto.key, %[[X:.+]]: tensor<1024xf32>)
// CHECK:         sto.noise %[[K]], %[[X]] {scale = 2.500000e-01 : f64} : tensor<1024xf32>
// CHECK:         sto.noise %[[K]], %[[X]] {scale = 1.000000e-01 : f64} : tensor<1024xf32>
// CHECK:         sto.noise %[[K]], %[[X]] {kind = #sto.noise_kind<uniform>, scale = 5.000000e-01 : f64} : tensor<1024xf32>
// CHECK:         sto.noise %[[K]], %[[X]] {mode = #sto.noise_mode<multiplicative>, scale = 2.000000e-01 : f64} : tensor<1024xf32>
// CHECK:         sto.noise %[[K]], %[[X]] {kind = #sto.noise_kind<uniform>, mode = #sto.noise_mode<multiplicative>, scale = 1.000000e-01 : f64} : tensor<1024xf32>
// GENERIC-LABEL: sym_name = "noise"
// GENERIC:       "sto.noise"(%{{.*}}, %{{.*}}) <{kind = #sto.noise_kind<gaussian>, mode = #sto.noise_mode<additive>, scale = 2.500000e-01 : f64}> : (!sto.key, tensor<1024xf32>) -> tensor<1024xf32>
// GENERIC:       "sto.noise"(%{{.*}}, %{{.*}}) <{kind = #sto.noise_kind<gaussian>, mode = #sto.noise_mode<additive>, scale = 1.000000e-01 : f64}> : (!sto.key, tensor<1024xf32>) -> tensor<1024xf32>
// GENERIC:       "sto.noise"(%{{.*}}, %{{.*}}) <{kind = #sto.noise_kind<uniform>, mode = #sto.noise_mode<additive>, scale = 5.000000e-01 : f64}> : (!sto.key, tensor<1024xf32>) -> tensor<1024xf32>
// GENERIC:       "sto.noise"(%{{.*}}, %{{.*}}) <{kind = #sto.noise_kind<gaussian>, mode = #sto.noise_mode<multiplicative>, scale = 2.000000e-01 : f64}> : (!sto.key, tensor<1024xf32>) -> tensor<1024xf32>
// GENERIC:       "sto.noise"(%{{.*}}, %{{.*}}) <{kind = #sto.noise_kind<uniform>, mode = #sto.noise_mode<multiplicative>, scale = 1.000000e-01 : f64}> : (!sto.key, tensor<1024xf32>) -> tensor<1024xf32>
func.func @noise(%k: !sto.key, %x: tensor<1024xf32>) {
  %0 = sto.noise %k, %x {scale = 2.5e-01 : f64} : tensor<1024xf32>
  %1 = sto.noise %k, %x {kind = #sto.noise_kind<gaussian>,
                         mode = #sto.noise_mode<additive>,
                         scale = 1.0e-01 : f64} : tensor<1024xf32>
  %2 = sto.noise %k, %x {kind = #sto.noise_kind<uniform>, scale = 0.5 : f64}
      : tensor<1024xf32>
  %3 = sto.noise %k, %x {mode = #sto.noise_mode<multiplicative>,
                         scale = 0.2 : f64} : tensor<1024xf32>
  %4 = sto.noise %k, %x {kind = #sto.noise_kind<uniform>,
                         mode = #sto.noise_mode<multiplicative>,
                         scale = 1.0e-01 : f64} : tensor<1024xf32>
  return
}

// CHECK-LABEL: func.func @dropout(
// CHECK-SAME:      %[[K:.+]]: !sto.key, %[[X:.+]]: tensor<64x512xf32>, %[[Y:.+]]: tensor<?x?xf16>)
// CHECK:         %[[D:.+]] = sto.dropout %[[K]], %[[X]] {rate = 1.000000e-01 : f64} : tensor<64x512xf32>
// CHECK:         sto.dropout %[[K]], %[[Y]] {rate = 0.000000e+00 : f64} : tensor<?x?xf16>
// CHECK:         return %[[D]] : tensor<64x512xf32>
// GENERIC-LABEL: sym_name = "dropout"
// GENERIC:       "sto.dropout"(%{{.*}}, %{{.*}}) <{rate = 1.000000e-01 : f64}> : (!sto.key, tensor<64x512xf32>) -> tensor<64x512xf32>
// GENERIC:       "sto.dropout"(%{{.*}}, %{{.*}}) <{rate = 0.000000e+00 : f64}> : (!sto.key, tensor<?x?xf16>) -> tensor<?x?xf16>
func.func @dropout(%k: !sto.key, %x: tensor<64x512xf32>, %y: tensor<?x?xf16>)
    -> tensor<64x512xf32> {
  %0 = sto.dropout %k, %x {rate = 1.0e-01 : f64} : tensor<64x512xf32>
  %1 = sto.dropout %k, %y {rate = 0.0 : f64} : tensor<?x?xf16>
  return %0 : tensor<64x512xf32>
}

// CHECK-LABEL: func.func @stochastic_binary(
// CHECK-SAME:      %[[K:.+]]: !sto.key, %[[P:.+]]: tensor<256x128xf32>)
// CHECK:         sto.stochastic_binary %[[K]], %[[P]] {estimator = #sto.estimator<straight_through>} : tensor<256x128xf32>
// CHECK:         sto.stochastic_binary %[[K]], %[[P]] {estimator = #sto.estimator<straight_through_sigmoid>} : tensor<256x128xf32>
// CHECK:         sto.stochastic_binary %[[K]], %[[P]] {estimator = #sto.estimator<reinforce>} : tensor<256x128xf32>
// CHECK:         sto.stochastic_binary %[[K]], %[[P]] {estimator = #sto.estimator<reinforce, baseline = 5.000000e-01 : f64>} : tensor<256x128xf32>
// CHECK:         sto.stochastic_binary %[[K]], %[[P]] {estimator = #sto.estimator<stochastic_times_smooth>} : tensor<256x128xf32>
// GENERIC-LABEL: sym_name = "stochastic_binary"
// GENERIC:       "sto.stochastic_binary"(%{{.*}}, %{{.*}}) <{estimator = #sto.estimator<straight_through>}> : (!sto.key, tensor<256x128xf32>) -> tensor<256x128xf32>
// GENERIC:       "sto.stochastic_binary"(%{{.*}}, %{{.*}}) <{estimator = #sto.estimator<straight_through_sigmoid>}> : (!sto.key, tensor<256x128xf32>) -> tensor<256x128xf32>
// GENERIC:       "sto.stochastic_binary"(%{{.*}}, %{{.*}}) <{estimator = #sto.estimator<reinforce>}> : (!sto.key, tensor<256x128xf32>) -> tensor<256x128xf32>
// GENERIC:       "sto.stochastic_binary"(%{{.*}}, %{{.*}}) <{estimator = #sto.estimator<reinforce, baseline = 5.000000e-01 : f64>}> : (!sto.key, tensor<256x128xf32>) -> tensor<256x128xf32>
// GENERIC:       "sto.stochastic_binary"(%{{.*}}, %{{.*}}) <{estimator = #sto.estimator<stochastic_times_smooth>}> : (!sto.key, tensor<256x128xf32>) -> tensor<256x128xf32>
func.func @stochastic_binary(%k: !sto.key, %p: tensor<256x128xf32>) {
  %0 = sto.stochastic_binary %k, %p
      {estimator = #sto.estimator<straight_through>} : tensor<256x128xf32>
  %1 = sto.stochastic_binary %k, %p
      {estimator = #sto.estimator<straight_through_sigmoid>} : tensor<256x128xf32>
  %2 = sto.stochastic_binary %k, %p
      {estimator = #sto.estimator<reinforce>} : tensor<256x128xf32>
  %3 = sto.stochastic_binary %k, %p
      {estimator = #sto.estimator<reinforce, baseline = 0.5>} : tensor<256x128xf32>
  %4 = sto.stochastic_binary %k, %p
      {estimator = #sto.estimator<stochastic_times_smooth>} : tensor<256x128xf32>
  return
}

// CHECK-LABEL: func.func @gumbel_softmax(
// CHECK-SAME:      %[[K:.+]]: !sto.key, %[[L:.+]]: tensor<32x10xf32>)
// CHECK:         sto.gumbel_softmax %[[K]], %[[L]] {axis = 1 : i64, tau = 5.000000e-01 : f64} : tensor<32x10xf32>
// CHECK:         sto.gumbel_softmax %[[K]], %[[L]] {hard = true} : tensor<32x10xf32>
// CHECK:         sto.gumbel_softmax %[[K]], %[[L]] : tensor<32x10xf32>
// GENERIC-LABEL: sym_name = "gumbel_softmax"
// GENERIC:       "sto.gumbel_softmax"(%{{.*}}, %{{.*}}) <{axis = 1 : i64, hard = false, tau = 5.000000e-01 : f64}> : (!sto.key, tensor<32x10xf32>) -> tensor<32x10xf32>
// GENERIC:       "sto.gumbel_softmax"(%{{.*}}, %{{.*}}) <{axis = -1 : i64, hard = true, tau = 1.000000e+00 : f64}> : (!sto.key, tensor<32x10xf32>) -> tensor<32x10xf32>
// GENERIC:       "sto.gumbel_softmax"(%{{.*}}, %{{.*}}) <{axis = -1 : i64, hard = false, tau = 1.000000e+00 : f64}> : (!sto.key, tensor<32x10xf32>) -> tensor<32x10xf32>
func.func @gumbel_softmax(%k: !sto.key, %logits: tensor<32x10xf32>) {
  %0 = sto.gumbel_softmax %k, %logits {tau = 5.0e-01 : f64, axis = 1 : i64}
      : tensor<32x10xf32>
  %1 = sto.gumbel_softmax %k, %logits {hard = true} : tensor<32x10xf32>
  // Spelling out the defaults gives the same op as leaving them out.
  %2 = sto.gumbel_softmax %k, %logits {hard = false, tau = 1.0 : f64,
                                       axis = -1 : i64} : tensor<32x10xf32>
  return
}

//===----------------------------------------------------------------------===//
// Mixture-of-experts gating
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @topk_gate(
// CHECK-SAME:      %[[K:.+]]: !sto.key, %[[L:.+]]: tensor<1024x64xf32>, %[[B:.+]]: tensor<64xf32>, %[[LD:.+]]: tensor<?x8xbf16>)
// CHECK:         %[[W0:.+]], %[[I0:.+]] = sto.topk_gate %[[L]] bias %[[B]] key %[[K]] {k = 2 : i64, noise_stddev = 1.000000e+00 : f64} : tensor<1024x64xf32>, tensor<64xf32> -> tensor<1024x2xf32>, tensor<1024x2xi32>
// CHECK:         sto.topk_gate %[[L]] {k = 2 : i64} : tensor<1024x64xf32> -> tensor<1024x2xf32>, tensor<1024x2xi32>
// CHECK:         sto.topk_gate %[[L]] bias %[[B]] {affinity = #sto.affinity<sigmoid>, k = 4 : i64, normalize = false} : tensor<1024x64xf32>, tensor<64xf32> -> tensor<1024x4xf32>, tensor<1024x4xi32>
// CHECK:         sto.topk_gate %[[L]] key %[[K]] {affinity = #sto.affinity<softmax>, k = 1 : i64, noise_stddev = 5.000000e-01 : f64} : tensor<1024x64xf32> -> tensor<1024x1xf32>, tensor<1024x1xi32>
// CHECK:         sto.topk_gate %[[L]] {affinity = #sto.affinity<softmax>, k = 64 : i64, normalize = false} : tensor<1024x64xf32> -> tensor<1024x64xf32>, tensor<1024x64xi32>
// CHECK:         sto.topk_gate %[[LD]] {k = 8 : i64} : tensor<?x8xbf16> -> tensor<?x8xbf16>, tensor<?x8xi32>
// CHECK:         return %[[W0]], %[[I0]] : tensor<1024x2xf32>, tensor<1024x2xi32>
// GENERIC-LABEL: sym_name = "topk_gate"
// GENERIC:       "sto.topk_gate"(%{{.*}}, %{{.*}}, %{{.*}}) <{affinity = #sto.affinity<softmax_topk>, k = 2 : i64, noise_stddev = 1.000000e+00 : f64, normalize = true, operandSegmentSizes = array<i32: 1, 1, 1>}> : (tensor<1024x64xf32>, tensor<64xf32>, !sto.key) -> (tensor<1024x2xf32>, tensor<1024x2xi32>)
// GENERIC:       "sto.topk_gate"(%{{.*}}) <{affinity = #sto.affinity<softmax_topk>, k = 2 : i64, noise_stddev = 0.000000e+00 : f64, normalize = true, operandSegmentSizes = array<i32: 1, 0, 0>}> : (tensor<1024x64xf32>) -> (tensor<1024x2xf32>, tensor<1024x2xi32>)
// GENERIC:       "sto.topk_gate"(%{{.*}}, %{{.*}}) <{affinity = #sto.affinity<sigmoid>, k = 4 : i64, noise_stddev = 0.000000e+00 : f64, normalize = false, operandSegmentSizes = array<i32: 1, 1, 0>}> : (tensor<1024x64xf32>, tensor<64xf32>) -> (tensor<1024x4xf32>, tensor<1024x4xi32>)
// GENERIC:       "sto.topk_gate"(%{{.*}}, %{{.*}}) <{affinity = #sto.affinity<softmax>, k = 1 : i64, noise_stddev = 5.000000e-01 : f64, normalize = true, operandSegmentSizes = array<i32: 1, 0, 1>}> : (tensor<1024x64xf32>, !sto.key) -> (tensor<1024x1xf32>, tensor<1024x1xi32>)
// GENERIC:       "sto.topk_gate"(%{{.*}}) <{affinity = #sto.affinity<softmax>, k = 64 : i64, noise_stddev = 0.000000e+00 : f64, normalize = false, operandSegmentSizes = array<i32: 1, 0, 0>}> : (tensor<1024x64xf32>) -> (tensor<1024x64xf32>, tensor<1024x64xi32>)
// GENERIC:       "sto.topk_gate"(%{{.*}}) <{affinity = #sto.affinity<softmax_topk>, k = 8 : i64, noise_stddev = 0.000000e+00 : f64, normalize = true, operandSegmentSizes = array<i32: 1, 0, 0>}> : (tensor<?x8xbf16>) -> (tensor<?x8xbf16>, tensor<?x8xi32>)
func.func @topk_gate(%k: !sto.key, %logits: tensor<1024x64xf32>,
                     %bias: tensor<64xf32>, %dyn: tensor<?x8xbf16>)
    -> (tensor<1024x2xf32>, tensor<1024x2xi32>) {
  %w0, %i0 = sto.topk_gate %logits bias %bias key %k
      {k = 2 : i64, noise_stddev = 1.0 : f64}
      : tensor<1024x64xf32>, tensor<64xf32> -> tensor<1024x2xf32>, tensor<1024x2xi32>
  %w1, %i1 = sto.topk_gate %logits {k = 2 : i64}
      : tensor<1024x64xf32> -> tensor<1024x2xf32>, tensor<1024x2xi32>
  %w2, %i2 = sto.topk_gate %logits bias %bias
      {k = 4 : i64, affinity = #sto.affinity<sigmoid>, normalize = false}
      : tensor<1024x64xf32>, tensor<64xf32> -> tensor<1024x4xf32>, tensor<1024x4xi32>
  %w3, %i3 = sto.topk_gate %logits key %k
      {k = 1 : i64, affinity = #sto.affinity<softmax>, noise_stddev = 0.5 : f64}
      : tensor<1024x64xf32> -> tensor<1024x1xf32>, tensor<1024x1xi32>
  // k may equal the number of experts.
  %w4, %i4 = sto.topk_gate %logits
      {k = 64 : i64, affinity = #sto.affinity<softmax>, normalize = false}
      : tensor<1024x64xf32> -> tensor<1024x64xf32>, tensor<1024x64xi32>
  // Spelled-out defaults are elided when printed.
  %w5, %i5 = sto.topk_gate %dyn
      {k = 8 : i64, affinity = #sto.affinity<softmax_topk>, normalize = true,
       noise_stddev = 0.0 : f64}
      : tensor<?x8xbf16> -> tensor<?x8xbf16>, tensor<?x8xi32>
  return %w0, %i0 : tensor<1024x2xf32>, tensor<1024x2xi32>
}

// CHECK-LABEL: func.func @expert_load(
// CHECK-SAME:      %[[I:.+]]: tensor<1024x2xi32>, %[[J:.+]]: tensor<?x?xi64>)
// CHECK:         %[[L:.+]] = sto.expert_load %[[I]] {num_experts = 64 : i64} : tensor<1024x2xi32>
// CHECK:         %[[M:.+]] = sto.expert_load %[[J]] {num_experts = 3 : i64} : tensor<?x?xi64>
// CHECK:         return %[[L]], %[[M]] : tensor<64xi32>, tensor<3xi32>
// GENERIC-LABEL: sym_name = "expert_load"
// GENERIC:       "sto.expert_load"(%{{.*}}) <{num_experts = 64 : i64}> : (tensor<1024x2xi32>) -> tensor<64xi32>
// GENERIC:       "sto.expert_load"(%{{.*}}) <{num_experts = 3 : i64}> : (tensor<?x?xi64>) -> tensor<3xi32>
func.func @expert_load(%idx: tensor<1024x2xi32>, %idx64: tensor<?x?xi64>)
    -> (tensor<64xi32>, tensor<3xi32>) {
  %0 = sto.expert_load %idx {num_experts = 64 : i64} : tensor<1024x2xi32>
  %1 = sto.expert_load %idx64 {num_experts = 3 : i64} : tensor<?x?xi64>
  return %0, %1 : tensor<64xi32>, tensor<3xi32>
}

// CHECK-LABEL: func.func @balance(
// CHECK-SAME:      %[[B:.+]]: tensor<64xf32>, %[[L:.+]]: tensor<64xi32>, %[[P:.+]]: tensor<1024x64xf32>, %[[L64:.+]]: tensor<?xi64>)
// CHECK:         sto.balance_bias %[[B]], %[[L]] {rate = 1.000000e-03 : f64} : tensor<64xf32>, tensor<64xi32>
// CHECK:         sto.balance_bias %[[B]], %[[L64]] {rate = 0.000000e+00 : f64} : tensor<64xf32>, tensor<?xi64>
// CHECK:         sto.balance_loss %[[P]], %[[L]] {alpha = 1.000000e-02 : f64} : tensor<1024x64xf32>, tensor<64xi32> -> f32
// CHECK:         sto.balance_loss %[[P]], %[[L64]] {alpha = 0.000000e+00 : f64} : tensor<1024x64xf32>, tensor<?xi64> -> f64
// GENERIC-LABEL: sym_name = "balance"
// GENERIC:       "sto.balance_bias"(%{{.*}}, %{{.*}}) <{rate = 1.000000e-03 : f64}> : (tensor<64xf32>, tensor<64xi32>) -> tensor<64xf32>
// GENERIC:       "sto.balance_bias"(%{{.*}}, %{{.*}}) <{rate = 0.000000e+00 : f64}> : (tensor<64xf32>, tensor<?xi64>) -> tensor<64xf32>
// GENERIC:       "sto.balance_loss"(%{{.*}}, %{{.*}}) <{alpha = 1.000000e-02 : f64}> : (tensor<1024x64xf32>, tensor<64xi32>) -> f32
// GENERIC:       "sto.balance_loss"(%{{.*}}, %{{.*}}) <{alpha = 0.000000e+00 : f64}> : (tensor<1024x64xf32>, tensor<?xi64>) -> f64
func.func @balance(%bias: tensor<64xf32>, %load: tensor<64xi32>,
                   %probs: tensor<1024x64xf32>, %load64: tensor<?xi64>) {
  %0 = sto.balance_bias %bias, %load {rate = 1.0e-03 : f64}
      : tensor<64xf32>, tensor<64xi32>
  %1 = sto.balance_bias %bias, %load64 {rate = 0.0 : f64}
      : tensor<64xf32>, tensor<?xi64>
  %2 = sto.balance_loss %probs, %load {alpha = 1.0e-02 : f64}
      : tensor<1024x64xf32>, tensor<64xi32> -> f32
  %3 = sto.balance_loss %probs, %load64 {alpha = 0.0 : f64}
      : tensor<1024x64xf32>, tensor<?xi64> -> f64
  return
}

// CHECK-LABEL: func.func @dispatch_combine(
// CHECK-SAME:      %[[X:.+]]: tensor<1024x512xf32>, %[[W:.+]]: tensor<1024x2xf32>, %[[I:.+]]: tensor<1024x2xi32>, %[[I64:.+]]: tensor<1024x2xi64>)
// CHECK:         %[[BUF:.+]], %[[SLOT:.+]] = sto.dispatch %[[X]], %[[I]] {capacity = 40 : i64, num_experts = 64 : i64} : tensor<1024x512xf32>, tensor<1024x2xi32> -> tensor<64x40x512xf32>, tensor<1024x2xi32>
// CHECK:         %[[OUT:.+]] = sto.combine %[[BUF]], %[[W]], %[[I]], %[[SLOT]] : tensor<64x40x512xf32>, tensor<1024x2xf32>, tensor<1024x2xi32>, tensor<1024x2xi32> -> tensor<1024x512xf32>
// CHECK:         %[[BUF1:.+]], %[[SLOT1:.+]] = sto.dispatch %[[X]], %[[I64]] {capacity = 1 : i64, num_experts = 1 : i64} : tensor<1024x512xf32>, tensor<1024x2xi64> -> tensor<1x1x512xf32>, tensor<1024x2xi32>
// CHECK:         sto.combine %[[BUF1]], %[[W]], %[[I64]], %[[SLOT1]] : tensor<1x1x512xf32>, tensor<1024x2xf32>, tensor<1024x2xi64>, tensor<1024x2xi32> -> tensor<1024x512xf32>
// CHECK:         return %[[OUT]] : tensor<1024x512xf32>
// GENERIC-LABEL: sym_name = "dispatch_combine"
// GENERIC:       "sto.dispatch"(%{{.*}}, %{{.*}}) <{capacity = 40 : i64, num_experts = 64 : i64}> : (tensor<1024x512xf32>, tensor<1024x2xi32>) -> (tensor<64x40x512xf32>, tensor<1024x2xi32>)
// GENERIC:       "sto.combine"(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}) : (tensor<64x40x512xf32>, tensor<1024x2xf32>, tensor<1024x2xi32>, tensor<1024x2xi32>) -> tensor<1024x512xf32>
// GENERIC:       "sto.dispatch"(%{{.*}}, %{{.*}}) <{capacity = 1 : i64, num_experts = 1 : i64}> : (tensor<1024x512xf32>, tensor<1024x2xi64>) -> (tensor<1x1x512xf32>, tensor<1024x2xi32>)
// GENERIC:       "sto.combine"(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}) : (tensor<1x1x512xf32>, tensor<1024x2xf32>, tensor<1024x2xi64>, tensor<1024x2xi32>) -> tensor<1024x512xf32>
func.func @dispatch_combine(%x: tensor<1024x512xf32>, %w: tensor<1024x2xf32>,
                            %idx: tensor<1024x2xi32>, %idx64: tensor<1024x2xi64>)
    -> tensor<1024x512xf32> {
  %buf, %slot = sto.dispatch %x, %idx {num_experts = 64 : i64, capacity = 40 : i64}
      : tensor<1024x512xf32>, tensor<1024x2xi32>
      -> tensor<64x40x512xf32>, tensor<1024x2xi32>
  %out = sto.combine %buf, %w, %idx, %slot
      : tensor<64x40x512xf32>, tensor<1024x2xf32>, tensor<1024x2xi32>,
        tensor<1024x2xi32> -> tensor<1024x512xf32>
  %buf1, %slot1 = sto.dispatch %x, %idx64 {num_experts = 1 : i64, capacity = 1 : i64}
      : tensor<1024x512xf32>, tensor<1024x2xi64>
      -> tensor<1x1x512xf32>, tensor<1024x2xi32>
  %out1 = sto.combine %buf1, %w, %idx64, %slot1
      : tensor<1x1x512xf32>, tensor<1024x2xf32>, tensor<1024x2xi64>,
        tensor<1024x2xi32> -> tensor<1024x512xf32>
  return %out : tensor<1024x512xf32>
}

//===----------------------------------------------------------------------===//
// Optimizers and estimators
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @langevin_step(
// CHECK-SAME:      %[[K:.+]]: !sto.key, %[[P:.+]]: tensor<4096xf32>, %[[G:.+]]: tensor<4096xf32>)
// CHECK:         sto.langevin_step %[[K]], %[[P]], %[[G]] {lr = 1.000000e-03 : f64, temperature = 1.000000e-02 : f64} : tensor<4096xf32>
// CHECK:         sto.langevin_step %[[K]], %[[P]], %[[G]] {lr = 1.000000e-01 : f64} : tensor<4096xf32>
// GENERIC-LABEL: sym_name = "langevin_step"
// GENERIC:       "sto.langevin_step"(%{{.*}}, %{{.*}}, %{{.*}}) <{lr = 1.000000e-03 : f64, temperature = 1.000000e-02 : f64}> : (!sto.key, tensor<4096xf32>, tensor<4096xf32>) -> tensor<4096xf32>
// GENERIC:       "sto.langevin_step"(%{{.*}}, %{{.*}}, %{{.*}}) <{lr = 1.000000e-01 : f64, temperature = 1.000000e+00 : f64}> : (!sto.key, tensor<4096xf32>, tensor<4096xf32>) -> tensor<4096xf32>
func.func @langevin_step(%k: !sto.key, %p: tensor<4096xf32>, %g: tensor<4096xf32>) {
  %0 = sto.langevin_step %k, %p, %g {lr = 1.0e-03 : f64, temperature = 1.0e-02 : f64}
      : tensor<4096xf32>
  %1 = sto.langevin_step %k, %p, %g {lr = 0.1 : f64} : tensor<4096xf32>
  return
}

// CHECK-LABEL: func.func @average(
// CHECK-SAME:      %[[A:.+]]: tensor<4096xf32>, %[[P:.+]]: tensor<4096xf32>, %[[N:.+]]: index, %[[N64:.+]]: i64)
// CHECK:         sto.average %[[A]], %[[P]], %[[N]] : tensor<4096xf32>, index
// CHECK:         sto.average %[[A]], %[[P]], %[[N64]] : tensor<4096xf32>, i64
// CHECK:         sto.average %[[A]], %[[P]], %[[N]] {decay = 9.000000e-01 : f64, kind = #sto.average_kind<ema>} : tensor<4096xf32>, index
// CHECK:         sto.average %[[A]], %[[P]], %[[N64]] {decay = 5.000000e-01 : f64, kind = #sto.average_kind<ema>} : tensor<4096xf32>, i64
// GENERIC-LABEL: sym_name = "average"
// GENERIC:       "sto.average"(%{{.*}}, %{{.*}}, %{{.*}}) <{kind = #sto.average_kind<swa>}> : (tensor<4096xf32>, tensor<4096xf32>, index) -> tensor<4096xf32>
// GENERIC:       "sto.average"(%{{.*}}, %{{.*}}, %{{.*}}) <{kind = #sto.average_kind<swa>}> : (tensor<4096xf32>, tensor<4096xf32>, i64) -> tensor<4096xf32>
// GENERIC:       "sto.average"(%{{.*}}, %{{.*}}, %{{.*}}) <{decay = 9.000000e-01 : f64, kind = #sto.average_kind<ema>}> : (tensor<4096xf32>, tensor<4096xf32>, index) -> tensor<4096xf32>
// GENERIC:       "sto.average"(%{{.*}}, %{{.*}}, %{{.*}}) <{decay = 5.000000e-01 : f64, kind = #sto.average_kind<ema>}> : (tensor<4096xf32>, tensor<4096xf32>, i64) -> tensor<4096xf32>
func.func @average(%avg: tensor<4096xf32>, %p: tensor<4096xf32>, %n: index,
                   %n64: i64) {
  %0 = sto.average %avg, %p, %n : tensor<4096xf32>, index
  %1 = sto.average %avg, %p, %n64 {kind = #sto.average_kind<swa>}
      : tensor<4096xf32>, i64
  %2 = sto.average %avg, %p, %n {kind = #sto.average_kind<ema>, decay = 0.9 : f64}
      : tensor<4096xf32>, index
  %3 = sto.average %avg, %p, %n64 {kind = #sto.average_kind<ema>, decay = 0.5 : f64}
      : tensor<4096xf32>, i64
  return
}

// CHECK-LABEL: func.func @dp_aggregate(
// CHECK-SAME:      %[[K:.+]]: !sto.key, %[[G:.+]]: tensor<256x1024xf32>, %[[G3:.+]]: tensor<?x4x4xf64>, %[[G1:.+]]: tensor<32xf16>)
// CHECK:         sto.dp_aggregate %[[K]], %[[G]] {clip_norm = 1.000000e+00 : f64, noise_multiplier = 1.100000e+00 : f64} : tensor<256x1024xf32> -> tensor<1024xf32>
// CHECK:         sto.dp_aggregate %[[K]], %[[G3]] {clip_norm = 5.000000e-01 : f64, noise_multiplier = 0.000000e+00 : f64} : tensor<?x4x4xf64> -> tensor<4x4xf64>
// CHECK:         sto.dp_aggregate %[[K]], %[[G1]] {clip_norm = 1.000000e+00 : f64, noise_multiplier = 1.000000e+00 : f64} : tensor<32xf16> -> tensor<f16>
// GENERIC-LABEL: sym_name = "dp_aggregate"
// GENERIC:       "sto.dp_aggregate"(%{{.*}}, %{{.*}}) <{clip_norm = 1.000000e+00 : f64, noise_multiplier = 1.100000e+00 : f64}> : (!sto.key, tensor<256x1024xf32>) -> tensor<1024xf32>
// GENERIC:       "sto.dp_aggregate"(%{{.*}}, %{{.*}}) <{clip_norm = 5.000000e-01 : f64, noise_multiplier = 0.000000e+00 : f64}> : (!sto.key, tensor<?x4x4xf64>) -> tensor<4x4xf64>
// GENERIC:       "sto.dp_aggregate"(%{{.*}}, %{{.*}}) <{clip_norm = 1.000000e+00 : f64, noise_multiplier = 1.000000e+00 : f64}> : (!sto.key, tensor<32xf16>) -> tensor<f16>
func.func @dp_aggregate(%k: !sto.key, %g: tensor<256x1024xf32>,
                        %g3: tensor<?x4x4xf64>, %g1: tensor<32xf16>) {
  %0 = sto.dp_aggregate %k, %g {clip_norm = 1.0 : f64, noise_multiplier = 1.1 : f64}
      : tensor<256x1024xf32> -> tensor<1024xf32>
  %1 = sto.dp_aggregate %k, %g3 {clip_norm = 0.5 : f64, noise_multiplier = 0.0 : f64}
      : tensor<?x4x4xf64> -> tensor<4x4xf64>
  %2 = sto.dp_aggregate %k, %g1 {clip_norm = 1.0 : f64, noise_multiplier = 1.0 : f64}
      : tensor<32xf16> -> tensor<f16>
  return
}

// The SPSA ops replay their key on purpose: one key feeds all three.
// CHECK-LABEL: func.func @spsa(
// CHECK-SAME:      %[[K:.+]]: !sto.key, %[[P:.+]]: tensor<4096xf32>, %[[G32:.+]]: f32, %[[G64:.+]]: f64)
// CHECK:         %[[PLUS:.+]] = sto.spsa_perturb %[[K]], %[[P]] {scale = 1.000000e-03 : f64} : tensor<4096xf32>
// CHECK:         %[[MINUS:.+]] = sto.spsa_perturb %[[K]], %[[PLUS]] {scale = -2.000000e-03 : f64} : tensor<4096xf32>
// CHECK:         %[[U:.+]] = sto.spsa_update %[[K]], %[[MINUS]], %[[G32]] {lr = 1.000000e-03 : f64} : tensor<4096xf32>, f32
// CHECK:         sto.spsa_update %[[K]], %[[U]], %[[G64]] {lr = 0.000000e+00 : f64} : tensor<4096xf32>, f64
// GENERIC-LABEL: sym_name = "spsa"
// GENERIC:       "sto.spsa_perturb"(%{{.*}}, %{{.*}}) <{scale = 1.000000e-03 : f64}> : (!sto.key, tensor<4096xf32>) -> tensor<4096xf32>
// GENERIC:       "sto.spsa_perturb"(%{{.*}}, %{{.*}}) <{scale = -2.000000e-03 : f64}> : (!sto.key, tensor<4096xf32>) -> tensor<4096xf32>
// GENERIC:       "sto.spsa_update"(%{{.*}}, %{{.*}}, %{{.*}}) <{lr = 1.000000e-03 : f64}> : (!sto.key, tensor<4096xf32>, f32) -> tensor<4096xf32>
// GENERIC:       "sto.spsa_update"(%{{.*}}, %{{.*}}, %{{.*}}) <{lr = 0.000000e+00 : f64}> : (!sto.key, tensor<4096xf32>, f64) -> tensor<4096xf32>
func.func @spsa(%k: !sto.key, %p: tensor<4096xf32>, %g32: f32, %g64: f64) {
  %plus = sto.spsa_perturb %k, %p {scale = 1.0e-03 : f64} : tensor<4096xf32>
  %minus = sto.spsa_perturb %k, %plus {scale = -2.0e-03 : f64} : tensor<4096xf32>
  %u = sto.spsa_update %k, %minus, %g32 {lr = 1.0e-03 : f64} : tensor<4096xf32>, f32
  %v = sto.spsa_update %k, %u, %g64 {lr = 0.0 : f64} : tensor<4096xf32>, f64
  return
}

//===----------------------------------------------------------------------===//
// Randomized smoothing
//===----------------------------------------------------------------------===//

func.func private @classify(tensor<100x784xf32>) -> tensor<100xi32>

// CHECK-LABEL: func.func @monte_carlo(
// CHECK-SAME:      %[[K:.+]]: !sto.key, %[[X:.+]]: tensor<784xf32>, %[[XD:.+]]: tensor<?x3xf16>)
// CHECK:         %[[C:.+]] = sto.monte_carlo %[[K]], %[[X]] {batch = 100 : i64, num_classes = 10 : i64, samples = 1000 : i64, stddev = 2.500000e-01 : f64} : tensor<784xf32> -> tensor<10xi64> {
// CHECK-NEXT:    ^bb0(%[[NOISY:.+]]: tensor<100x784xf32>):
// CHECK-NEXT:      %[[IDS:.+]] = func.call @classify(%[[NOISY]]) : (tensor<100x784xf32>) -> tensor<100xi32>
// CHECK-NEXT:      sto.yield %[[IDS]] : tensor<100xi32>
// CHECK-NEXT:    }
// CHECK:         sto.monte_carlo %[[K]], %[[XD]] {batch = 7 : i64, num_classes = 2 : i64, samples = 9 : i64, stddev = 0.000000e+00 : f64} : tensor<?x3xf16> -> tensor<2xi64> {
// CHECK-NEXT:    ^bb0(%[[B:.+]]: tensor<7x?x3xf16>):
// CHECK-NEXT:      %[[Z:.+]] = arith.constant dense<0> : tensor<7xi64>
// CHECK-NEXT:      sto.yield %[[Z]] : tensor<7xi64>
// CHECK-NEXT:    }
// CHECK:         return %[[C]] : tensor<10xi64>
// GENERIC-LABEL: sym_name = "monte_carlo"
// GENERIC:       "sto.monte_carlo"(%{{.*}}, %{{.*}}) <{batch = 100 : i64, num_classes = 10 : i64, samples = 1000 : i64, stddev = 2.500000e-01 : f64}> ({
// GENERIC-NEXT:  ^bb0(%{{.*}}: tensor<100x784xf32>):
// GENERIC-NEXT:    "func.call"(%{{.*}}) <{callee = @classify}> : (tensor<100x784xf32>) -> tensor<100xi32>
// GENERIC-NEXT:    "sto.yield"(%{{.*}}) : (tensor<100xi32>) -> ()
// GENERIC-NEXT:  }) : (!sto.key, tensor<784xf32>) -> tensor<10xi64>
// GENERIC:       "sto.monte_carlo"(%{{.*}}, %{{.*}}) <{batch = 7 : i64, num_classes = 2 : i64, samples = 9 : i64, stddev = 0.000000e+00 : f64}> ({
// GENERIC:         "sto.yield"(%{{.*}}) : (tensor<7xi64>) -> ()
// GENERIC-NEXT:  }) : (!sto.key, tensor<?x3xf16>) -> tensor<2xi64>
func.func @monte_carlo(%k: !sto.key, %x: tensor<784xf32>, %xd: tensor<?x3xf16>)
    -> tensor<10xi64> {
  %counts = sto.monte_carlo %k, %x {samples = 1000 : i64, batch = 100 : i64,
                                    stddev = 2.5e-01 : f64, num_classes = 10 : i64}
      : tensor<784xf32> -> tensor<10xi64> {
  ^bb0(%noisy: tensor<100x784xf32>):
    %ids = func.call @classify(%noisy) : (tensor<100x784xf32>) -> tensor<100xi32>
    sto.yield %ids : tensor<100xi32>
  }
  // Dynamic input shape, i64 class ids, a last batch that is cut short.
  %c2 = sto.monte_carlo %k, %xd {samples = 9 : i64, batch = 7 : i64,
                                 stddev = 0.0 : f64, num_classes = 2 : i64}
      : tensor<?x3xf16> -> tensor<2xi64> {
  ^bb0(%b: tensor<7x?x3xf16>):
    %zero = arith.constant dense<0> : tensor<7xi64>
    sto.yield %zero : tensor<7xi64>
  }
  return %counts : tensor<10xi64>
}

// CHECK-LABEL: func.func @certify(
// CHECK-SAME:      %[[C0:.+]]: tensor<10xi64>, %[[C:.+]]: tensor<10xi64>)
// CHECK:         %[[CLS:.+]], %[[R:.+]] = sto.certify %[[C0]], %[[C]] {alpha = 1.000000e-03 : f64, stddev = 2.500000e-01 : f64} : tensor<10xi64>
// CHECK:         %[[CLS2:.+]], %[[R2:.+]] = sto.certify %[[C0]], %[[C]] {alpha = 5.000000e-02 : f64, bound = #sto.bound<bernstein>, stddev = 5.000000e-01 : f64} : tensor<10xi64>
// CHECK:         sto.certify %[[C0]], %[[C]] {alpha = 5.000000e-01 : f64, stddev = 1.000000e+00 : f64} : tensor<10xi64>
// CHECK:         return %[[CLS]], %[[R]], %[[CLS2]], %[[R2]] : i64, f64, i64, f64
// GENERIC-LABEL: sym_name = "certify"
// GENERIC:       "sto.certify"(%{{.*}}, %{{.*}}) <{alpha = 1.000000e-03 : f64, bound = #sto.bound<clopper_pearson>, stddev = 2.500000e-01 : f64}> : (tensor<10xi64>, tensor<10xi64>) -> (i64, f64)
// GENERIC:       "sto.certify"(%{{.*}}, %{{.*}}) <{alpha = 5.000000e-02 : f64, bound = #sto.bound<bernstein>, stddev = 5.000000e-01 : f64}> : (tensor<10xi64>, tensor<10xi64>) -> (i64, f64)
// GENERIC:       "sto.certify"(%{{.*}}, %{{.*}}) <{alpha = 5.000000e-01 : f64, bound = #sto.bound<clopper_pearson>, stddev = 1.000000e+00 : f64}> : (tensor<10xi64>, tensor<10xi64>) -> (i64, f64)
func.func @certify(%counts0: tensor<10xi64>, %counts: tensor<10xi64>)
    -> (i64, f64, i64, f64) {
  %cls, %radius = sto.certify %counts0, %counts
      {alpha = 1.0e-03 : f64, stddev = 2.5e-01 : f64} : tensor<10xi64>
  %cls2, %radius2 = sto.certify %counts0, %counts
      {alpha = 0.05 : f64, stddev = 0.5 : f64, bound = #sto.bound<bernstein>}
      : tensor<10xi64>
  %cls3, %radius3 = sto.certify %counts0, %counts
      {alpha = 0.5 : f64, stddev = 1.0 : f64, bound = #sto.bound<clopper_pearson>}
      : tensor<10xi64>
  return %cls, %radius, %cls2, %radius2 : i64, f64, i64, f64
}

//===----------------------------------------------------------------------===//
// Types and attributes on their own
//===----------------------------------------------------------------------===//

// Every enum case and every estimator, as discardable attributes (printed in
// the order of their names).
// CHECK-LABEL: func.func private @attributes(!sto.key, tensor<2x!sto.key>) -> !sto.key
// CHECK-SAME:      a0 = #sto.average_kind<swa>
// CHECK-SAME:      a1 = #sto.average_kind<ema>
// CHECK-SAME:      b0 = #sto.affinity<softmax_topk>
// CHECK-SAME:      b1 = #sto.affinity<softmax>
// CHECK-SAME:      b2 = #sto.affinity<sigmoid>
// CHECK-SAME:      c0 = #sto.bound<clopper_pearson>
// CHECK-SAME:      c1 = #sto.bound<bernstein>
// CHECK-SAME:      d0 = #sto.noise_kind<gaussian>
// CHECK-SAME:      d1 = #sto.noise_kind<uniform>
// CHECK-SAME:      e0 = #sto.noise_mode<additive>
// CHECK-SAME:      e1 = #sto.noise_mode<multiplicative>
// CHECK-SAME:      f0 = #sto.estimator<straight_through>
// CHECK-SAME:      f1 = #sto.estimator<straight_through_sigmoid>
// CHECK-SAME:      f2 = #sto.estimator<reinforce>
// CHECK-SAME:      f3 = #sto.estimator<reinforce, baseline = -1.250000e+00 : f64>
// CHECK-SAME:      f4 = #sto.estimator<stochastic_times_smooth>
// CHECK-SAME:      t0 = !sto.key
// GENERIC-LABEL: "func.func"() <{function_type = (!sto.key, tensor<2x!sto.key>) -> !sto.key, sym_name = "attributes", sym_visibility = "private"}> ({
// GENERIC-NEXT:  }) {a0 = #sto.average_kind<swa>, a1 = #sto.average_kind<ema>,
// GENERIC-SAME:  b0 = #sto.affinity<softmax_topk>, b1 = #sto.affinity<softmax>, b2 = #sto.affinity<sigmoid>,
// GENERIC-SAME:  c0 = #sto.bound<clopper_pearson>, c1 = #sto.bound<bernstein>,
// GENERIC-SAME:  d0 = #sto.noise_kind<gaussian>, d1 = #sto.noise_kind<uniform>,
// GENERIC-SAME:  e0 = #sto.noise_mode<additive>, e1 = #sto.noise_mode<multiplicative>,
// GENERIC-SAME:  f0 = #sto.estimator<straight_through>, f1 = #sto.estimator<straight_through_sigmoid>, f2 = #sto.estimator<reinforce>, f3 = #sto.estimator<reinforce, baseline = -1.250000e+00 : f64>, f4 = #sto.estimator<stochastic_times_smooth>,
// GENERIC-SAME:  t0 = !sto.key} : () -> ()
func.func private @attributes(!sto.key, tensor<2x!sto.key>) -> !sto.key
    attributes {
  t0 = !sto.key,
  f4 = #sto.estimator<stochastic_times_smooth>,
  f3 = #sto.estimator<reinforce, baseline = -1.25 : f64>,
  f2 = #sto.estimator<reinforce>,
  f1 = #sto.estimator<straight_through_sigmoid>,
  f0 = #sto.estimator<straight_through>,
  e1 = #sto.noise_mode<multiplicative>,
  e0 = #sto.noise_mode<additive>,
  d1 = #sto.noise_kind<uniform>,
  d0 = #sto.noise_kind<gaussian>,
  c1 = #sto.bound<bernstein>,
  c0 = #sto.bound<clopper_pearson>,
  b2 = #sto.affinity<sigmoid>,
  b1 = #sto.affinity<softmax>,
  b0 = #sto.affinity<softmax_topk>,
  a1 = #sto.average_kind<ema>,
  a0 = #sto.average_kind<swa>
}

// Tiny clip norms: in f64 any positive one; in f32 one that rounds to a
// subnormal (1e-45 -> 2^-149), not to 0.
// CHECK-LABEL: func.func @dp_aggregate_tiny_clip(
// CHECK:         sto.dp_aggregate %{{.+}}, %{{.+}} {clip_norm = 1.000000e-300 : f64, noise_multiplier = 1.000000e+00 : f64} : tensor<4x8xf64> -> tensor<8xf64>
// CHECK:         sto.dp_aggregate %{{.+}}, %{{.+}} {clip_norm = 9.9999999999999998E-46 : f64, noise_multiplier = 1.000000e+00 : f64} : tensor<4x8xf32> -> tensor<8xf32>
// GENERIC-LABEL: sym_name = "dp_aggregate_tiny_clip"
func.func @dp_aggregate_tiny_clip(%k: !sto.key, %g: tensor<4x8xf64>,
                                  %h: tensor<4x8xf32>) {
  %0 = sto.dp_aggregate %k, %g {clip_norm = 1.0e-300 : f64, noise_multiplier = 1.0 : f64}
      : tensor<4x8xf64> -> tensor<8xf64>
  %1 = sto.dp_aggregate %k, %h {clip_norm = 1.0e-45 : f64, noise_multiplier = 1.0 : f64}
      : tensor<4x8xf32> -> tensor<8xf32>
  return
}
