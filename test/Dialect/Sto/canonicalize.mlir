// RUN: sto-opt %s -canonicalize="test-convergence" -split-input-file | FileCheck %s

// Folds and canonicalization patterns of the sto ops, each with the nearby
// cases that must be left alone.

// CHECK-LABEL: func.func @dropout_rate_zero(
// CHECK-SAME:      %[[K:.+]]: !sto.key, %[[X:.+]]: tensor<8xf32>)
// CHECK-NOT:     sto.dropout
// CHECK:         return %[[X]] : tensor<8xf32>
func.func @dropout_rate_zero(%k: !sto.key, %x: tensor<8xf32>) -> tensor<8xf32> {
  %0 = sto.dropout %k, %x {rate = 0.0 : f64} : tensor<8xf32>
  return %0 : tensor<8xf32>
}

// -----

// CHECK-LABEL: func.func @dropout_rate_nonzero(
// CHECK-SAME:      %[[K:.+]]: !sto.key, %[[X:.+]]: tensor<?x4xbf16>)
// CHECK:         %[[D:.+]] = sto.dropout %[[K]], %[[X]] {rate = 1.000000e-01 : f64} : tensor<?x4xbf16>
// CHECK:         return %[[D]]
func.func @dropout_rate_nonzero(%k: !sto.key, %x: tensor<?x4xbf16>) -> tensor<?x4xbf16> {
  %0 = sto.dropout %k, %x {rate = 0.1 : f64} : tensor<?x4xbf16>
  return %0 : tensor<?x4xbf16>
}

// -----

// Both modes are the identity at scale 0: x + 0·ε and x·(1 + 0·ε).
// CHECK-LABEL: func.func @noise_scale_zero(
// CHECK-SAME:      %[[K:.+]]: !sto.key, %[[X:.+]]: tensor<8xf32>)
// CHECK-NOT:     sto.noise
// CHECK:         return %[[X]], %[[X]], %[[X]] : tensor<8xf32>, tensor<8xf32>, tensor<8xf32>
func.func @noise_scale_zero(%k: !sto.key, %x: tensor<8xf32>)
    -> (tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) {
  %k0, %k1, %k2 = sto.split %k count 3
  %0 = sto.noise %k0, %x {scale = 0.0 : f64} : tensor<8xf32>
  %1 = sto.noise %k1, %x {mode = #sto.noise_mode<multiplicative>, scale = 0.0 : f64}
      : tensor<8xf32>
  %2 = sto.noise %k2, %x {kind = #sto.noise_kind<uniform>, scale = 0.0 : f64}
      : tensor<8xf32>
  return %0, %1, %2 : tensor<8xf32>, tensor<8xf32>, tensor<8xf32>
}

// -----

// CHECK-LABEL: func.func @noise_scale_nonzero(
// CHECK-SAME:      %[[K:.+]]: !sto.key, %[[X:.+]]: tensor<8xf32>)
// CHECK:         %[[N:.+]] = sto.noise %[[K]], %[[X]] {mode = #sto.noise_mode<multiplicative>, scale = 5.000000e-01 : f64} : tensor<8xf32>
// CHECK:         return %[[N]]
func.func @noise_scale_nonzero(%k: !sto.key, %x: tensor<8xf32>) -> tensor<8xf32> {
  %0 = sto.noise %k, %x {mode = #sto.noise_mode<multiplicative>, scale = 0.5 : f64}
      : tensor<8xf32>
  return %0 : tensor<8xf32>
}

// -----

// CHECK-LABEL: func.func @average_ema_decay_one(
// CHECK-SAME:      %[[A:.+]]: tensor<8xf32>, %[[P:.+]]: tensor<8xf32>, %[[N:.+]]: index)
// CHECK-NOT:     sto.average
// CHECK:         return %[[A]] : tensor<8xf32>
func.func @average_ema_decay_one(%avg: tensor<8xf32>, %p: tensor<8xf32>, %n: index)
    -> tensor<8xf32> {
  %0 = sto.average %avg, %p, %n {kind = #sto.average_kind<ema>, decay = 1.0 : f64}
      : tensor<8xf32>, index
  return %0 : tensor<8xf32>
}

// -----

// Decay 0 does not fold: avg + (p - avg) is not p in floating point.
// CHECK-LABEL: func.func @average_ema_decay_zero(
// CHECK-SAME:      %[[A:.+]]: tensor<8xf32>, %[[P:.+]]: tensor<8xf32>, %[[N:.+]]: i64)
// CHECK:         %[[E:.+]] = sto.average %[[A]], %[[P]], %[[N]] {decay = 0.000000e+00 : f64, kind = #sto.average_kind<ema>}
// CHECK:         return %[[E]] : tensor<8xf32>
func.func @average_ema_decay_zero(%avg: tensor<8xf32>, %p: tensor<8xf32>, %n: i64)
    -> tensor<8xf32> {
  %0 = sto.average %avg, %p, %n {kind = #sto.average_kind<ema>, decay = 0.0 : f64}
      : tensor<8xf32>, i64
  return %0 : tensor<8xf32>
}

// -----

// An ema of decay 0.5 mixes both; swa depends on the count.
// CHECK-LABEL: func.func @average_not_folded(
// CHECK-SAME:      %[[A:.+]]: tensor<8xf32>, %[[P:.+]]: tensor<8xf32>, %[[N:.+]]: index)
// CHECK:         %[[E:.+]] = sto.average %[[A]], %[[P]], %[[N]] {decay = 5.000000e-01 : f64, kind = #sto.average_kind<ema>} : tensor<8xf32>, index
// CHECK:         %[[S:.+]] = sto.average %[[A]], %[[P]], %[[N]] : tensor<8xf32>, index
// CHECK:         return %[[E]], %[[S]]
func.func @average_not_folded(%avg: tensor<8xf32>, %p: tensor<8xf32>, %n: index)
    -> (tensor<8xf32>, tensor<8xf32>) {
  %0 = sto.average %avg, %p, %n {kind = #sto.average_kind<ema>, decay = 0.5 : f64}
      : tensor<8xf32>, index
  %1 = sto.average %avg, %p, %n : tensor<8xf32>, index
  return %0, %1 : tensor<8xf32>, tensor<8xf32>
}

// -----

// CHECK-LABEL: func.func @split_count_one(
// CHECK-SAME:      %[[K:.+]]: !sto.key)
// CHECK-NOT:     sto.split
// CHECK:         return %[[K]] : !sto.key
func.func @split_count_one(%k: !sto.key) -> !sto.key {
  %0 = sto.split %k count 1
  return %0 : !sto.key
}

// -----

// CHECK-LABEL: func.func @split_count_two(
// CHECK-SAME:      %[[K:.+]]: !sto.key)
// CHECK:         %[[S:.+]]:2 = sto.split %[[K]] count 2
// CHECK:         return %[[S]]#0, %[[S]]#1 : !sto.key, !sto.key
func.func @split_count_two(%k: !sto.key) -> (!sto.key, !sto.key) {
  %0, %1 = sto.split %k count 2
  return %0, %1 : !sto.key, !sto.key
}

// -----

// With lr 0 neither the gradient nor the sqrt(2·lr·T) noise moves the
// parameters, at any temperature.
// CHECK-LABEL: func.func @langevin_lr_zero(
// CHECK-SAME:      %[[K:.+]]: !sto.key, %[[P:.+]]: tensor<8xf32>, %[[G:.+]]: tensor<8xf32>)
// CHECK-NOT:     sto.langevin_step
// CHECK-NOT:     arith.
// CHECK:         return %[[P]], %[[P]] : tensor<8xf32>, tensor<8xf32>
func.func @langevin_lr_zero(%k: !sto.key, %p: tensor<8xf32>, %g: tensor<8xf32>)
    -> (tensor<8xf32>, tensor<8xf32>) {
  %k0, %k1 = sto.split %k count 2
  %0 = sto.langevin_step %k0, %p, %g {lr = 0.0 : f64} : tensor<8xf32>
  %1 = sto.langevin_step %k1, %p, %g {lr = 0.0 : f64, temperature = 0.0 : f64}
      : tensor<8xf32>
  return %0, %1 : tensor<8xf32>, tensor<8xf32>
}

// -----

// At temperature 0 a Langevin step stays an op (it is not rewritten to
// arith ops in the element type): its lowering is the contract's single
// fma in the compute type, with no noise.
// CHECK-LABEL: func.func @langevin_temperature_zero(
// CHECK-SAME:      %[[K:.+]]: !sto.key, %[[P:.+]]: tensor<4x8xf16>, %[[G:.+]]: tensor<4x8xf16>)
// CHECK:         %[[NEW:.+]] = sto.langevin_step %[[K]], %[[P]], %[[G]] {lr = 2.500000e-01 : f64, temperature = 0.000000e+00 : f64}
// CHECK:         return %[[NEW]] : tensor<4x8xf16>
func.func @langevin_temperature_zero(%k: !sto.key, %p: tensor<4x8xf16>,
                                     %g: tensor<4x8xf16>) -> tensor<4x8xf16> {
  %0 = sto.langevin_step %k, %p, %g {lr = 0.25 : f64, temperature = 0.0 : f64}
      : tensor<4x8xf16>
  return %0 : tensor<4x8xf16>
}

// -----

// CHECK-LABEL: func.func @langevin_not_folded(
// CHECK-SAME:      %[[K:.+]]: !sto.key, %[[P:.+]]: tensor<8xf32>, %[[G:.+]]: tensor<8xf32>)
// CHECK:         %[[L:.+]] = sto.langevin_step %[[K]], %[[P]], %[[G]] {lr = 1.000000e-01 : f64, temperature = 1.000000e-02 : f64} : tensor<8xf32>
// CHECK-NOT:     arith.
// CHECK:         return %[[L]]
func.func @langevin_not_folded(%k: !sto.key, %p: tensor<8xf32>, %g: tensor<8xf32>)
    -> tensor<8xf32> {
  %0 = sto.langevin_step %k, %p, %g {lr = 0.1 : f64, temperature = 0.01 : f64}
      : tensor<8xf32>
  return %0 : tensor<8xf32>
}

// -----

// CHECK-LABEL: func.func @balance_bias(
// CHECK-SAME:      %[[B:.+]]: tensor<4xf32>, %[[L:.+]]: tensor<4xi32>)
// CHECK:         %[[NEW:.+]] = sto.balance_bias %[[B]], %[[L]] {rate = 1.000000e-02 : f64} : tensor<4xf32>, tensor<4xi32>
// CHECK-NOT:     sto.balance_bias
// CHECK:         return %[[B]], %[[NEW]] : tensor<4xf32>, tensor<4xf32>
func.func @balance_bias(%b: tensor<4xf32>, %l: tensor<4xi32>)
    -> (tensor<4xf32>, tensor<4xf32>) {
  %0 = sto.balance_bias %b, %l {rate = 0.0 : f64} : tensor<4xf32>, tensor<4xi32>
  %1 = sto.balance_bias %b, %l {rate = 0.01 : f64} : tensor<4xf32>, tensor<4xi32>
  return %0, %1 : tensor<4xf32>, tensor<4xf32>
}

// -----

// CHECK-LABEL: func.func @spsa_perturb(
// CHECK-SAME:      %[[K:.+]]: !sto.key, %[[P:.+]]: tensor<8xf32>)
// CHECK:         %[[PLUS:.+]] = sto.spsa_perturb %[[K]], %[[P]] {scale = 1.000000e-03 : f64} : tensor<8xf32>
// CHECK-NOT:     sto.spsa_perturb
// CHECK:         return %[[P]], %[[PLUS]] : tensor<8xf32>, tensor<8xf32>
func.func @spsa_perturb(%k: !sto.key, %p: tensor<8xf32>)
    -> (tensor<8xf32>, tensor<8xf32>) {
  %0 = sto.spsa_perturb %k, %p {scale = 0.0 : f64} : tensor<8xf32>
  %1 = sto.spsa_perturb %k, %p {scale = 1.0e-03 : f64} : tensor<8xf32>
  return %0, %1 : tensor<8xf32>, tensor<8xf32>
}

// -----

// CHECK-LABEL: func.func @spsa_update_lr_zero(
// CHECK-SAME:      %[[K:.+]]: !sto.key, %[[P:.+]]: tensor<8xf32>, %[[G:.+]]: f32)
// CHECK-NOT:     sto.spsa_update
// CHECK:         return %[[P]] : tensor<8xf32>
func.func @spsa_update_lr_zero(%k: !sto.key, %p: tensor<8xf32>, %g: f32)
    -> tensor<8xf32> {
  %0 = sto.spsa_update %k, %p, %g {lr = 0.0 : f64} : tensor<8xf32>, f32
  return %0 : tensor<8xf32>
}

// -----

// A projected gradient of constant zero (either sign, f32 or f64) leaves the
// parameters unchanged.
// CHECK-LABEL: func.func @spsa_update_zero_grad(
// CHECK-SAME:      %[[K:.+]]: !sto.key, %[[P:.+]]: tensor<8xf32>)
// CHECK-NOT:     sto.spsa_update
// CHECK:         return %[[P]], %[[P]], %[[P]] : tensor<8xf32>, tensor<8xf32>, tensor<8xf32>
func.func @spsa_update_zero_grad(%k: !sto.key, %p: tensor<8xf32>)
    -> (tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) {
  %zero = arith.constant 0.0 : f32
  %negzero = arith.constant -0.0 : f32
  %zero64 = arith.constant 0.0 : f64
  %0 = sto.spsa_update %k, %p, %zero {lr = 1.0e-03 : f64} : tensor<8xf32>, f32
  %1 = sto.spsa_update %k, %p, %negzero {lr = 1.0e-03 : f64} : tensor<8xf32>, f32
  %2 = sto.spsa_update %k, %p, %zero64 {lr = 1.0e-03 : f64} : tensor<8xf32>, f64
  return %0, %1, %2 : tensor<8xf32>, tensor<8xf32>, tensor<8xf32>
}

// -----

// CHECK-LABEL: func.func @spsa_update_not_folded(
// CHECK-SAME:      %[[K:.+]]: !sto.key, %[[P:.+]]: tensor<8xf32>, %[[G:.+]]: f32)
// CHECK-DAG:     %[[ONE:.+]] = arith.constant 1.000000e+00 : f32
// CHECK:         %[[U0:.+]] = sto.spsa_update %[[K]], %[[P]], %[[ONE]] {lr = 1.000000e-03 : f64} : tensor<8xf32>, f32
// CHECK:         %[[U1:.+]] = sto.spsa_update %[[K]], %[[U0]], %[[G]] {lr = 1.000000e-03 : f64} : tensor<8xf32>, f32
// CHECK:         return %[[U1]]
func.func @spsa_update_not_folded(%k: !sto.key, %p: tensor<8xf32>, %g: f32)
    -> tensor<8xf32> {
  %one = arith.constant 1.0 : f32
  %0 = sto.spsa_update %k, %p, %one {lr = 1.0e-03 : f64} : tensor<8xf32>, f32
  %1 = sto.spsa_update %k, %0, %g {lr = 1.0e-03 : f64} : tensor<8xf32>, f32
  return %1 : tensor<8xf32>
}

// -----

// The samplers are Pure: one whose result is unused is erased.
// CHECK-LABEL: func.func @dead_samplers(
// CHECK-NEXT:    return
// CHECK-NEXT:  }
func.func @dead_samplers(%k: !sto.key, %x: tensor<8xf32>) {
  %k0, %k1, %k2 = sto.split %k count 3
  %0 = sto.uniform %k0 : tensor<8xf32>
  %1 = sto.dropout %k1, %x {rate = 0.5 : f64} : tensor<8xf32>
  %2 = sto.bernoulli %k2 {p = 0.5 : f64} -> tensor<8xi1>
  return
}
