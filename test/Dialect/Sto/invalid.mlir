// RUN: sto-opt %s -split-input-file -verify-diagnostics

// One case per diagnostic that the sto dialect can emit: the verifiers and
// parsers of lib/Dialect/Sto/IR, plus representative ODS constraints (operand
// and result types, required attributes, attribute kinds, regions).

//===----------------------------------------------------------------------===//
// Types and keys
//===----------------------------------------------------------------------===//

// expected-error @+1 {{'!sto.key' takes no parameters}}
func.func private @key_with_parameters(!sto.key<1, 2>)

// -----

func.func @seed_not_i64(%s: i32) -> !sto.key {
  // expected-error @+1 {{'sto.seed' op operand #0 must be 64-bit signless integer, but got 'i32'}}
  %k = sto.seed %s : i32
  return %k : !sto.key
}

// -----

func.func @split_count_zero(%k: !sto.key) {
  // expected-error @+1 {{attribute 'count' must be at least 1, got 0}}
  %0 = sto.split %k count 0
  return
}

// -----

func.func @split_count_too_large(%k: !sto.key) {
  // expected-error @+1 {{attribute 'count' must be at most 1048576, got 2000000}}
  %0:2 = sto.split %k count 2000000
  return
}

// -----

func.func @split_count_zero_generic(%k: !sto.key) {
  // expected-error @+1 {{'sto.split' op attribute 'count' must be at least 1, got 0}}
  "sto.split"(%k) <{count = 0 : i64}> : (!sto.key) -> ()
  return
}

// -----

func.func @split_count_results_mismatch(%k: !sto.key) {
  // expected-error @+1 {{'sto.split' op attribute 'count' is 3 but 2 result(s) are declared}}
  %0:2 = "sto.split"(%k) <{count = 3 : i64}> : (!sto.key) -> (!sto.key, !sto.key)
  return
}

// -----

func.func @split_result_not_key(%k: !sto.key) {
  // expected-error @+1 {{'sto.split' op result #0 must be variadic of Philox4x32-10 key, but got 'i64'}}
  %0 = "sto.split"(%k) <{count = 1 : i64}> : (!sto.key) -> i64
  return
}

// -----

func.func @fold_in_data_i32(%k: !sto.key, %d: i32) {
  // expected-error @+1 {{'sto.fold_in' op operand #1 must be 64-bit signless integer or index, but got 'i32'}}
  %0 = sto.fold_in %k, %d : i32
  return
}

// -----

func.func @key_operand_not_key(%x: tensor<8xf32>) {
  // expected-error @+1 {{'sto.dropout' op operand #0 must be Philox4x32-10 key, but got 'tensor<8xf32>'}}
  %0 = "sto.dropout"(%x, %x) <{rate = 5.0e-01 : f64}> : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// Samplers
//===----------------------------------------------------------------------===//

func.func @uniform_low_not_below_high(%k: !sto.key) {
  // expected-error @+1 {{'sto.uniform' op attribute 'low' (1) must be less than 'high' (1)}}
  %0 = sto.uniform %k {low = 1.0 : f64, high = 1.0 : f64} : tensor<8xf32>
  return
}

// -----

func.func @uniform_low_above_high(%k: !sto.key) {
  // expected-error @+1 {{'sto.uniform' op attribute 'low' (2.5) must be less than 'high' (-1)}}
  %0 = sto.uniform %k {low = 2.5 : f64, high = -1.0 : f64} : tensor<8xf32>
  return
}

// -----

func.func @uniform_high_infinite(%k: !sto.key) {
  // expected-error @+1 {{'sto.uniform' op attribute 'high' must be finite, got inf}}
  %0 = sto.uniform %k {high = 0x7FF0000000000000 : f64} : tensor<8xf32>
  return
}

// -----

func.func @uniform_width_overflows(%k: !sto.key) {
  // expected-error @+1 {{'sto.uniform' op the width 'high' - 'low' (1e+308 - -1e+308) must be finite in the compute type (f64)}}
  %0 = sto.uniform %k {low = -1.0e+308 : f64, high = 1.0e+308 : f64} : tensor<8xf64>
  return
}

// -----

// The bounds and the width in the element and compute types (the samples
// would leave [low, high) otherwise).
func.func @uniform_width_overflows_f32(%k: !sto.key) {
  // expected-error @+1 {{'sto.uniform' op the width 'high' - 'low' (3e+38 - -3e+38) must be finite in the compute type (f32)}}
  %0 = sto.uniform %k {low = -3.0e+38 : f64, high = 3.0e+38 : f64} : tensor<8xf32>
  return
}

// -----

func.func @uniform_bound_overflows_f16(%k: !sto.key) {
  // expected-error @+1 {{'sto.uniform' op attribute 'high' (1e+06) overflows the element type 'f16'}}
  %0 = sto.uniform %k {low = 0.0 : f64, high = 1.0e+06 : f64} : tensor<8xf16>
  return
}

// -----

func.func @uniform_bounds_round_together(%k: !sto.key) {
  // expected-error @+1 {{'sto.uniform' op attributes 'low' (1) and 'high' (1.00000001) round to the same value of the element type 'f32'; the range is empty}}
  %0 = sto.uniform %k {low = 1.0 : f64, high = 1.00000001 : f64} : tensor<8xf32>
  return
}

// -----

func.func @uniform_non_float_result(%k: !sto.key) {
  // expected-error @+1 {{'sto.uniform' op result #0 must be ranked tensor of 16-bit float or bfloat16 type or 32-bit float or 64-bit float values, but got 'tensor<8xi32>'}}
  %0 = sto.uniform %k : tensor<8xi32>
  return
}

// -----

func.func @uniform_unranked_result(%k: !sto.key) {
  // expected-error @+1 {{invalid kind of type specified: expected builtin.tensor, but found 'tensor<*xf32>'}}
  %0 = sto.uniform %k : tensor<*xf32>
  return
}

// -----

func.func @uniform_too_many_sizes(%k: !sto.key, %n: index) {
  // expected-error @+1 {{'sto.uniform' op result type 'tensor<8xf32>' has 0 dynamic dimension(s) but 1 size operand(s) were given}}
  %0 = sto.uniform %k [%n] : tensor<8xf32>
  return
}

// -----

func.func @normal_too_few_sizes(%k: !sto.key, %n: index) {
  // expected-error @+1 {{'sto.normal' op result type 'tensor<?x?xf32>' has 2 dynamic dimension(s) but 1 size operand(s) were given}}
  %0 = sto.normal %k [%n] : tensor<?x?xf32>
  return
}

// -----

func.func @normal_negative_stddev(%k: !sto.key) {
  // expected-error @+1 {{'sto.normal' op attribute 'stddev' must be in [0, inf), got -1}}
  %0 = sto.normal %k {stddev = -1.0 : f64} : tensor<8xf32>
  return
}

// -----

func.func @normal_nan_mean(%k: !sto.key) {
  // expected-error @+1 {{'sto.normal' op attribute 'mean' must be finite, got nan}}
  %0 = sto.normal %k {mean = 0x7FF8000000000000 : f64} : tensor<8xf32>
  return
}

// -----

// mean and stddev are rounded to the element type: 1e6 is inf in f16.
func.func @normal_mean_overflows_f16(%k: !sto.key) {
  // expected-error @+1 {{'sto.normal' op attribute 'mean' (1e+06) overflows the element type 'f16'}}
  %0 = sto.normal %k {mean = 1.0e+06 : f64} : tensor<8xf16>
  return
}

// -----

func.func @normal_stddev_overflows_bf16(%k: !sto.key) {
  // expected-error @+1 {{'sto.normal' op attribute 'stddev' (1e+39) overflows the element type 'bf16'}}
  %0 = sto.normal %k {stddev = 1.0e+39 : f64} : tensor<8xbf16>
  return
}

// -----

func.func @bernoulli_both_p(%k: !sto.key, %p: tensor<8xf32>) {
  // expected-error @+1 {{'sto.bernoulli' op expects exactly one of the operand 'probs' and the attribute 'p', got both}}
  %0 = "sto.bernoulli"(%k, %p) <{operandSegmentSizes = array<i32: 1, 1, 0>, p = 5.0e-01 : f64}> : (!sto.key, tensor<8xf32>) -> tensor<8xi1>
  return
}

// -----

func.func @bernoulli_neither_p(%k: !sto.key) {
  // expected-error @+1 {{'sto.bernoulli' op expects exactly one of the operand 'probs' and the attribute 'p', got neither}}
  %0 = sto.bernoulli %k -> tensor<8xi1>
  return
}

// -----

func.func @bernoulli_p_above_one(%k: !sto.key) {
  // expected-error @+1 {{'sto.bernoulli' op attribute 'p' must be in [0, 1], got 1.5}}
  %0 = sto.bernoulli %k {p = 1.5 : f64} -> tensor<8xi1>
  return
}

// -----

func.func @bernoulli_p_attr_sizes(%k: !sto.key, %n: index) {
  // expected-error @+1 {{'sto.bernoulli' op result type 'tensor<?x?xi1>' has 2 dynamic dimension(s) but 1 size operand(s) were given}}
  %0 = sto.bernoulli %k [%n] {p = 0.5 : f64} -> tensor<?x?xi1>
  return
}

// -----

func.func @bernoulli_probs_and_sizes(%k: !sto.key, %p: tensor<8xf32>, %n: index) {
  // expected-error @+1 {{'sto.bernoulli' op takes no size operands when the shape comes from operand 'probs'}}
  %0 = sto.bernoulli %k, %p : tensor<8xf32> [%n] -> tensor<?xi1>
  return
}

// -----

func.func @bernoulli_shape_mismatch(%k: !sto.key, %p: tensor<8x2xf32>) {
  // expected-error @+1 {{'sto.bernoulli' op 'result' must have shape 8x2, got 'tensor<8x3xi1>'}}
  %0 = sto.bernoulli %k, %p : tensor<8x2xf32> -> tensor<8x3xi1>
  return
}

// -----

func.func @bernoulli_result_not_i1(%k: !sto.key, %p: tensor<8xf32>) {
  // expected-error @+1 {{'sto.bernoulli' op result #0 must be ranked tensor of 1-bit signless integer values, but got 'tensor<8xf32>'}}
  %0 = sto.bernoulli %k, %p : tensor<8xf32> -> tensor<8xf32>
  return
}

// -----

func.func @categorical_rank0(%k: !sto.key, %l: tensor<f32>) {
  // expected-error @+1 {{'sto.categorical' op operand 'logits' must have rank at least 1 for an axis}}
  %0 = sto.categorical %k, %l : tensor<f32> -> tensor<i32>
  return
}

// -----

func.func @categorical_axis_too_large(%k: !sto.key, %l: tensor<4x8xf32>) {
  // expected-error @+1 {{'sto.categorical' op attribute 'axis' must be in [-2, 2) for 'logits' of rank 2, got 2}}
  %0 = sto.categorical %k, %l {axis = 2 : i64} : tensor<4x8xf32> -> tensor<4xi32>
  return
}

// -----

func.func @categorical_axis_too_small(%k: !sto.key, %l: tensor<4x8xf32>) {
  // expected-error @+1 {{'sto.categorical' op attribute 'axis' must be in [-2, 2) for 'logits' of rank 2, got -3}}
  %0 = sto.categorical %k, %l {axis = -3 : i64} : tensor<4x8xf32> -> tensor<4xi32>
  return
}

// -----

func.func @categorical_result_shape(%k: !sto.key, %l: tensor<4x8xf32>) {
  // expected-error @+1 {{'sto.categorical' op 'result' must have shape 4, got 'tensor<8xi32>'}}
  %0 = sto.categorical %k, %l : tensor<4x8xf32> -> tensor<8xi32>
  return
}

// -----

func.func @categorical_result_rank0(%k: !sto.key, %l: tensor<8xf32>) {
  // expected-error @+1 {{'sto.categorical' op 'result' must have rank 0, got 'tensor<1xi64>'}}
  %0 = sto.categorical %k, %l : tensor<8xf32> -> tensor<1xi64>
  return
}

// -----

func.func @categorical_result_i16(%k: !sto.key, %l: tensor<4x8xf32>) {
  // expected-error @+1 {{'sto.categorical' op result #0 must be ranked tensor of 32-bit signless integer or 64-bit signless integer values, but got 'tensor<4xi16>'}}
  %0 = sto.categorical %k, %l : tensor<4x8xf32> -> tensor<4xi16>
  return
}

// -----

func.func @categorical_no_classes(%k: !sto.key, %l: tensor<3x0xf32>) {
  // expected-error @+1 {{'sto.categorical' op dimension 1 of 'logits' (the classes) is 0, got 'tensor<3x0xf32>'}}
  %0 = sto.categorical %k, %l {axis = 1 : i64} : tensor<3x0xf32> -> tensor<3xi32>
  return
}

// -----

func.func @categorical_index_past_i32(%k: !sto.key, %l: tensor<2x2147483649xf32>) {
  // expected-error @+1 {{'sto.categorical' op class indices up to 2147483648 do not fit in the result's element type i32}}
  %0 = sto.categorical %k, %l {axis = 1 : i64} : tensor<2x2147483649xf32> -> tensor<2xi32>
  return
}

// -----

func.func @categorical_no_classes_rank1(%k: !sto.key, %l: tensor<0xf16>) {
  // expected-error @+1 {{'sto.categorical' op dimension 0 of 'logits' (the classes) is 0, got 'tensor<0xf16>'}}
  %0 = sto.categorical %k, %l : tensor<0xf16> -> tensor<i64>
  return
}

// -----

func.func @categorical_integer_logits(%k: !sto.key, %l: tensor<4x8xi32>) {
  // expected-error @+1 {{'sto.categorical' op operand #1 must be ranked tensor of 16-bit float or bfloat16 type or 32-bit float or 64-bit float values, but got 'tensor<4x8xi32>'}}
  %0 = sto.categorical %k, %l : tensor<4x8xi32> -> tensor<4xi32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// Stochastic layers
//===----------------------------------------------------------------------===//

func.func @noise_negative_scale(%k: !sto.key, %x: tensor<8xf32>) {
  // expected-error @+1 {{'sto.noise' op attribute 'scale' must be in [0, inf), got -0.25}}
  %0 = sto.noise %k, %x {scale = -0.25 : f64} : tensor<8xf32>
  return
}

// -----

func.func @noise_missing_scale(%k: !sto.key, %x: tensor<8xf32>) {
  // expected-error @+1 {{'sto.noise' op requires attribute 'scale'}}
  %0 = sto.noise %k, %x : tensor<8xf32>
  return
}

// -----

func.func @noise_result_type(%k: !sto.key, %x: tensor<8xf32>) {
  // expected-error @+1 {{'sto.noise' op failed to verify that all of {x, result} have same type}}
  %0 = "sto.noise"(%k, %x) <{scale = 1.0 : f64}> : (!sto.key, tensor<8xf32>) -> tensor<8xf16>
  return
}

// -----

func.func @noise_kind_wrong_enum(%k: !sto.key, %x: tensor<8xf32>) {
  // expected-error @+1 {{'sto.noise' op attribute 'kind' failed to satisfy constraint: noise distribution}}
  %0 = sto.noise %k, %x {kind = #sto.noise_mode<additive>, scale = 1.0 : f64} : tensor<8xf32>
  return
}

// -----

func.func @dropout_rate_one(%k: !sto.key, %x: tensor<8xf32>) {
  // expected-error @+1 {{'sto.dropout' op attribute 'rate' must be in [0, 1), got 1}}
  %0 = sto.dropout %k, %x {rate = 1.0 : f64} : tensor<8xf32>
  return
}

// -----

func.func @dropout_rate_negative(%k: !sto.key, %x: tensor<8xf32>) {
  // expected-error @+1 {{'sto.dropout' op attribute 'rate' must be in [0, 1), got -0.1}}
  %0 = sto.dropout %k, %x {rate = -0.1 : f64} : tensor<8xf32>
  return
}

// -----

func.func @dropout_rate_f32(%k: !sto.key, %x: tensor<8xf32>) {
  // expected-error @+1 {{'sto.dropout' op attribute 'rate' failed to satisfy constraint: 64-bit float attribute}}
  %0 = sto.dropout %k, %x {rate = 0.5 : f32} : tensor<8xf32>
  return
}

// -----

func.func @dropout_unranked(%k: !sto.key, %x: tensor<*xf32>) {
  // expected-error @+1 {{'sto.dropout' op operand #1 must be ranked tensor of 16-bit float or bfloat16 type or 32-bit float or 64-bit float values, but got 'tensor<*xf32>'}}
  %0 = "sto.dropout"(%k, %x) <{rate = 5.0e-01 : f64}> : (!sto.key, tensor<*xf32>) -> tensor<*xf32>
  return
}

// -----

func.func @estimator_baseline_not_reinforce(%k: !sto.key, %p: tensor<8xf32>) {
  // expected-error @+1 {{'baseline' applies to the reinforce estimator only, not to straight_through}}
  %0 = sto.stochastic_binary %k, %p {estimator = #sto.estimator<straight_through, baseline = 1.0>} : tensor<8xf32>
  return
}

// -----

func.func @estimator_baseline_not_f64(%k: !sto.key, %p: tensor<8xf32>) {
  // expected-error @+1 {{'baseline' must be an f64 attribute, got 1.000000e+00 : f32}}
  %0 = sto.stochastic_binary %k, %p {estimator = #sto.estimator<reinforce, baseline = 1.0 : f32>} : tensor<8xf32>
  return
}

// -----

func.func @estimator_baseline_infinite(%k: !sto.key, %p: tensor<8xf32>) {
  // expected-error @+1 {{'baseline' must be finite, got 0x7FF0000000000000 : f64}}
  %0 = sto.stochastic_binary %k, %p {estimator = #sto.estimator<reinforce, baseline = 0x7FF0000000000000 : f64>} : tensor<8xf32>
  return
}

// -----

func.func @estimator_unknown_kind(%k: !sto.key, %p: tensor<8xf32>) {
  // expected-error @+2 {{expected ::mlir::sto::EstimatorKind to be one of: straight_through, straight_through_sigmoid, reinforce, stochastic_times_smooth}}
  // expected-error @+1 {{failed to parse Sto_EstimatorAttr parameter 'kind'}}
  %0 = sto.stochastic_binary %k, %p {estimator = #sto.estimator<gumbel>} : tensor<8xf32>
  return
}

// -----

func.func @stochastic_binary_missing_estimator(%k: !sto.key, %p: tensor<8xf32>) {
  // expected-error @+1 {{'sto.stochastic_binary' op requires attribute 'estimator'}}
  %0 = sto.stochastic_binary %k, %p : tensor<8xf32>
  return
}

// -----

func.func @stochastic_binary_wrong_attribute(%k: !sto.key, %p: tensor<8xf32>) {
  // expected-error @+1 {{'sto.stochastic_binary' op attribute 'estimator' failed to satisfy constraint: gradient estimator of a stochastic neuron}}
  %0 = sto.stochastic_binary %k, %p {estimator = #sto.affinity<softmax>} : tensor<8xf32>
  return
}

// -----

func.func @gumbel_softmax_tau_zero(%k: !sto.key, %l: tensor<4x8xf32>) {
  // expected-error @+1 {{'sto.gumbel_softmax' op attribute 'tau' must be in (0, inf), got 0}}
  %0 = sto.gumbel_softmax %k, %l {tau = 0.0 : f64} : tensor<4x8xf32>
  return
}

// -----

func.func @gumbel_softmax_axis(%k: !sto.key, %l: tensor<4x8xf32>) {
  // expected-error @+1 {{'sto.gumbel_softmax' op attribute 'axis' must be in [-2, 2) for 'logits' of rank 2, got 5}}
  %0 = sto.gumbel_softmax %k, %l {axis = 5 : i64} : tensor<4x8xf32>
  return
}

// -----

func.func @gumbel_softmax_rank0(%k: !sto.key, %l: tensor<f32>) {
  // expected-error @+1 {{'sto.gumbel_softmax' op operand 'logits' must have rank at least 1 for an axis}}
  %0 = sto.gumbel_softmax %k, %l : tensor<f32>
  return
}

// -----

func.func @gumbel_softmax_hard_not_bool(%k: !sto.key, %l: tensor<4x8xf32>) {
  // expected-error @+1 {{'sto.gumbel_softmax' op attribute 'hard' failed to satisfy constraint: bool attribute}}
  %0 = sto.gumbel_softmax %k, %l {hard = 1 : i64} : tensor<4x8xf32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// Mixture-of-experts gating
//===----------------------------------------------------------------------===//

func.func @topk_k_exceeds_experts(%l: tensor<16x4xf32>) {
  // expected-error @+1 {{'sto.topk_gate' op attribute 'k' (5) must not exceed the number of experts (4)}}
  %w, %i = sto.topk_gate %l {k = 5 : i64} : tensor<16x4xf32> -> tensor<16x5xf32>, tensor<16x5xi32>
  return
}

// -----

func.func @topk_k_zero(%l: tensor<16x4xf32>) {
  // expected-error @+1 {{'sto.topk_gate' op attribute 'k' must be at least 1, got 0}}
  %w, %i = sto.topk_gate %l {k = 0 : i64} : tensor<16x4xf32> -> tensor<16x0xf32>, tensor<16x0xi32>
  return
}

// -----

func.func @topk_noise_without_key(%l: tensor<16x4xf32>) {
  // expected-error @+1 {{'sto.topk_gate' op attribute 'noise_stddev' is 0.5 but no 'key' operand gives the noise}}
  %w, %i = sto.topk_gate %l {k = 2 : i64, noise_stddev = 0.5 : f64} : tensor<16x4xf32> -> tensor<16x2xf32>, tensor<16x2xi32>
  return
}

// -----

func.func @topk_negative_noise(%l: tensor<16x4xf32>, %k: !sto.key) {
  // expected-error @+1 {{'sto.topk_gate' op attribute 'noise_stddev' must be in [0, inf), got -1}}
  %w, %i = sto.topk_gate %l key %k {k = 2 : i64, noise_stddev = -1.0 : f64} : tensor<16x4xf32> -> tensor<16x2xf32>, tensor<16x2xi32>
  return
}

// -----

func.func @topk_logits_rank1(%l: tensor<16xf32>) {
  // expected-error @+1 {{'sto.topk_gate' op operand 'logits' must have rank 2, got 'tensor<16xf32>'}}
  %w, %i = sto.topk_gate %l {k = 2 : i64} : tensor<16xf32> -> tensor<16x2xf32>, tensor<16x2xi32>
  return
}

// -----

func.func @topk_bias_size(%l: tensor<16x4xf32>, %b: tensor<8xf32>) {
  // expected-error @+1 {{'sto.topk_gate' op dimension 0 of 'bias' (8) must equal the number of experts (4)}}
  %w, %i = sto.topk_gate %l bias %b {k = 2 : i64} : tensor<16x4xf32>, tensor<8xf32> -> tensor<16x2xf32>, tensor<16x2xi32>
  return
}

// -----

func.func @topk_bias_rank(%l: tensor<16x4xf32>, %b: tensor<4x1xf32>) {
  // expected-error @+1 {{'sto.topk_gate' op operand 'bias' must have rank 1, got 'tensor<4x1xf32>'}}
  %w, %i = sto.topk_gate %l bias %b {k = 2 : i64} : tensor<16x4xf32>, tensor<4x1xf32> -> tensor<16x2xf32>, tensor<16x2xi32>
  return
}

// -----

func.func @topk_bias_element(%l: tensor<16x4xf32>, %b: tensor<4xf16>) {
  // expected-error @+1 {{'sto.topk_gate' op element type of 'bias' ('f16') must match that of 'logits' ('f32')}}
  %w, %i = sto.topk_gate %l bias %b {k = 2 : i64} : tensor<16x4xf32>, tensor<4xf16> -> tensor<16x2xf32>, tensor<16x2xi32>
  return
}

// -----

func.func @topk_weights_shape(%l: tensor<16x4xf32>) {
  // expected-error @+1 {{'sto.topk_gate' op 'weights' must have shape 16x2, got 'tensor<16x3xf32>'}}
  %w, %i = sto.topk_gate %l {k = 2 : i64} : tensor<16x4xf32> -> tensor<16x3xf32>, tensor<16x2xi32>
  return
}

// -----

func.func @topk_weights_element(%l: tensor<16x4xf32>) {
  // expected-error @+1 {{'sto.topk_gate' op element type of 'weights' ('bf16') must match that of 'logits' ('f32')}}
  %w, %i = sto.topk_gate %l {k = 2 : i64} : tensor<16x4xf32> -> tensor<16x2xbf16>, tensor<16x2xi32>
  return
}

// -----

func.func @topk_indices_shape(%l: tensor<?x4xf32>) {
  // expected-error @+1 {{'sto.topk_gate' op 'indices' must have shape ?x2, got 'tensor<8x1xi32>'}}
  %w, %i = sto.topk_gate %l {k = 2 : i64} : tensor<?x4xf32> -> tensor<?x2xf32>, tensor<8x1xi32>
  return
}

// -----

func.func @topk_indices_i64(%l: tensor<16x4xf32>) {
  // expected-error @+1 {{'sto.topk_gate' op result #1 must be ranked tensor of 32-bit signless integer values, but got 'tensor<16x2xi64>'}}
  %w, %i = sto.topk_gate %l {k = 2 : i64} : tensor<16x4xf32> -> tensor<16x2xf32>, tensor<16x2xi64>
  return
}

// -----

func.func @topk_missing_k(%l: tensor<16x4xf32>) {
  // expected-error @+1 {{'sto.topk_gate' op requires attribute 'k'}}
  %w, %i = sto.topk_gate %l : tensor<16x4xf32> -> tensor<16x2xf32>, tensor<16x2xi32>
  return
}

// -----

func.func @expert_load_zero_experts(%i: tensor<16x2xi32>) {
  // expected-error @+1 {{'sto.expert_load' op attribute 'num_experts' must be at least 1, got 0}}
  %0 = sto.expert_load %i {num_experts = 0 : i64} : tensor<16x2xi32>
  return
}

// -----

func.func @expert_load_missing_experts(%i: tensor<16x2xi32>) {
  // expected-error @+1 {{'sto.expert_load' op requires attribute 'num_experts'}}
  %0 = sto.expert_load %i : tensor<16x2xi32>
  return
}

// -----

func.func @expert_load_result_type(%i: tensor<16x2xi32>) {
  // expected-error @+2 {{'sto.expert_load' op inferred type(s) 'tensor<4xi32>' are incompatible with return type(s) of operation 'tensor<5xi32>'}}
  // expected-error @+1 {{'sto.expert_load' op failed to infer returned types}}
  %0 = "sto.expert_load"(%i) <{num_experts = 4 : i64}> : (tensor<16x2xi32>) -> tensor<5xi32>
  return
}

// -----

func.func @expert_load_indices_rank(%i: tensor<16xi32>) {
  // expected-error @+1 {{'sto.expert_load' op operand 'indices' must have rank 2, got 'tensor<16xi32>'}}
  %0 = sto.expert_load %i {num_experts = 4 : i64} : tensor<16xi32>
  return
}

// -----

func.func @expert_load_float_indices(%i: tensor<16x2xf32>) {
  // expected-error @+1 {{'sto.expert_load' op operand #0 must be ranked tensor of 32-bit signless integer or 64-bit signless integer values, but got 'tensor<16x2xf32>'}}
  %0 = sto.expert_load %i {num_experts = 4 : i64} : tensor<16x2xf32>
  return
}

// -----

func.func @balance_bias_load_size(%b: tensor<4xf32>, %l: tensor<8xi32>) {
  // expected-error @+1 {{'sto.balance_bias' op dimension 0 of 'load' (8) must equal the size of 'bias' (4)}}
  %0 = sto.balance_bias %b, %l {rate = 1.0e-03 : f64} : tensor<4xf32>, tensor<8xi32>
  return
}

// -----

func.func @balance_bias_negative_rate(%b: tensor<4xf32>, %l: tensor<4xi32>) {
  // expected-error @+1 {{'sto.balance_bias' op attribute 'rate' must be in [0, inf), got -0.001}}
  %0 = sto.balance_bias %b, %l {rate = -1.0e-03 : f64} : tensor<4xf32>, tensor<4xi32>
  return
}

// -----

func.func @balance_bias_bias_rank(%b: tensor<4x1xf32>, %l: tensor<4xi32>) {
  // expected-error @+1 {{'sto.balance_bias' op operand 'bias' must have rank 1, got 'tensor<4x1xf32>'}}
  %0 = sto.balance_bias %b, %l {rate = 1.0e-03 : f64} : tensor<4x1xf32>, tensor<4xi32>
  return
}

// -----

func.func @balance_bias_load_rank(%b: tensor<4xf32>, %l: tensor<4x1xi32>) {
  // expected-error @+1 {{'sto.balance_bias' op operand 'load' must have rank 1, got 'tensor<4x1xi32>'}}
  %0 = sto.balance_bias %b, %l {rate = 1.0e-03 : f64} : tensor<4xf32>, tensor<4x1xi32>
  return
}

// -----

func.func @balance_loss_load_size(%p: tensor<16x4xf32>, %l: tensor<8xi32>) {
  // expected-error @+1 {{'sto.balance_loss' op dimension 0 of 'load' (8) must equal the number of experts (4)}}
  %0 = sto.balance_loss %p, %l {alpha = 1.0e-02 : f64} : tensor<16x4xf32>, tensor<8xi32> -> f32
  return
}

// -----

func.func @balance_loss_negative_alpha(%p: tensor<16x4xf32>, %l: tensor<4xi32>) {
  // expected-error @+1 {{'sto.balance_loss' op attribute 'alpha' must be in [0, inf), got -0.01}}
  %0 = sto.balance_loss %p, %l {alpha = -1.0e-02 : f64} : tensor<16x4xf32>, tensor<4xi32> -> f32
  return
}

// -----

func.func @balance_loss_probs_rank(%p: tensor<16xf32>, %l: tensor<4xi32>) {
  // expected-error @+1 {{'sto.balance_loss' op operand 'probs' must have rank 2, got 'tensor<16xf32>'}}
  %0 = sto.balance_loss %p, %l {alpha = 1.0e-02 : f64} : tensor<16xf32>, tensor<4xi32> -> f32
  return
}

// -----

func.func @balance_loss_load_rank(%p: tensor<16x4xf32>, %l: tensor<4x2xi32>) {
  // expected-error @+1 {{'sto.balance_loss' op operand 'load' must have rank 1, got 'tensor<4x2xi32>'}}
  %0 = sto.balance_loss %p, %l {alpha = 1.0e-02 : f64} : tensor<16x4xf32>, tensor<4x2xi32> -> f32
  return
}

// -----

func.func @balance_loss_f16_result(%p: tensor<16x4xf32>, %l: tensor<4xi32>) {
  // expected-error @+1 {{'sto.balance_loss' op result #0 must be 32-bit float or 64-bit float, but got 'f16'}}
  %0 = sto.balance_loss %p, %l {alpha = 1.0e-02 : f64} : tensor<16x4xf32>, tensor<4xi32> -> f16
  return
}

// -----

func.func @dispatch_capacity_zero(%x: tensor<16x8xf32>, %i: tensor<16x2xi32>) {
  // expected-error @+1 {{'sto.dispatch' op attribute 'capacity' must be at least 1, got 0}}
  %b, %s = sto.dispatch %x, %i {num_experts = 4 : i64, capacity = 0 : i64} : tensor<16x8xf32>, tensor<16x2xi32> -> tensor<4x0x8xf32>, tensor<16x2xi32>
  return
}

// -----

func.func @dispatch_experts_zero(%x: tensor<16x8xf32>, %i: tensor<16x2xi32>) {
  // expected-error @+1 {{'sto.dispatch' op attribute 'num_experts' must be at least 1, got 0}}
  %b, %s = sto.dispatch %x, %i {num_experts = 0 : i64, capacity = 4 : i64} : tensor<16x8xf32>, tensor<16x2xi32> -> tensor<0x4x8xf32>, tensor<16x2xi32>
  return
}

// -----

func.func @dispatch_tokens_mismatch(%x: tensor<16x8xf32>, %i: tensor<8x2xi32>) {
  // expected-error @+1 {{'sto.dispatch' op dimension 0 of 'indices' (8) must equal the number of tokens of 'x' (16)}}
  %b, %s = sto.dispatch %x, %i {num_experts = 4 : i64, capacity = 4 : i64} : tensor<16x8xf32>, tensor<8x2xi32> -> tensor<4x4x8xf32>, tensor<8x2xi32>
  return
}

// -----

func.func @dispatch_x_rank(%x: tensor<16xf32>, %i: tensor<16x2xi32>) {
  // expected-error @+1 {{'sto.dispatch' op operand 'x' must have rank 2, got 'tensor<16xf32>'}}
  %b, %s = sto.dispatch %x, %i {num_experts = 4 : i64, capacity = 4 : i64} : tensor<16xf32>, tensor<16x2xi32> -> tensor<4x4x8xf32>, tensor<16x2xi32>
  return
}

// -----

func.func @dispatch_indices_rank(%x: tensor<16x8xf32>, %i: tensor<16xi32>) {
  // expected-error @+1 {{'sto.dispatch' op operand 'indices' must have rank 2, got 'tensor<16xi32>'}}
  %b, %s = sto.dispatch %x, %i {num_experts = 4 : i64, capacity = 4 : i64} : tensor<16x8xf32>, tensor<16xi32> -> tensor<4x4x8xf32>, tensor<16xi32>
  return
}

// -----

func.func @dispatch_buffer_shape(%x: tensor<16x8xf32>, %i: tensor<16x2xi32>) {
  // expected-error @+1 {{'sto.dispatch' op 'buffer' must have shape 4x4x8, got 'tensor<4x5x8xf32>'}}
  %b, %s = sto.dispatch %x, %i {num_experts = 4 : i64, capacity = 4 : i64} : tensor<16x8xf32>, tensor<16x2xi32> -> tensor<4x5x8xf32>, tensor<16x2xi32>
  return
}

// -----

func.func @dispatch_buffer_element(%x: tensor<16x8xf32>, %i: tensor<16x2xi32>) {
  // expected-error @+1 {{'sto.dispatch' op element type of 'buffer' ('f16') must match that of 'x' ('f32')}}
  %b, %s = sto.dispatch %x, %i {num_experts = 4 : i64, capacity = 4 : i64} : tensor<16x8xf32>, tensor<16x2xi32> -> tensor<4x4x8xf16>, tensor<16x2xi32>
  return
}

// -----

func.func @dispatch_slot_shape(%x: tensor<16x8xf32>, %i: tensor<16x2xi32>) {
  // expected-error @+1 {{'sto.dispatch' op 'slot' must have shape 16x2, got 'tensor<16x1xi32>'}}
  %b, %s = sto.dispatch %x, %i {num_experts = 4 : i64, capacity = 4 : i64} : tensor<16x8xf32>, tensor<16x2xi32> -> tensor<4x4x8xf32>, tensor<16x1xi32>
  return
}

// -----

func.func @combine_result_shape(%y: tensor<4x4x8xf32>, %w: tensor<16x2xf32>, %i: tensor<16x2xi32>, %s: tensor<16x2xi32>) {
  // expected-error @+1 {{'sto.combine' op 'result' must have shape 16x8, got 'tensor<16x9xf32>'}}
  %0 = sto.combine %y, %w, %i, %s : tensor<4x4x8xf32>, tensor<16x2xf32>, tensor<16x2xi32>, tensor<16x2xi32> -> tensor<16x9xf32>
  return
}

// -----

func.func @combine_result_element(%y: tensor<4x4x8xf32>, %w: tensor<16x2xf32>, %i: tensor<16x2xi32>, %s: tensor<16x2xi32>) {
  // expected-error @+1 {{'sto.combine' op element type of 'result' ('f64') must match that of 'y' ('f32')}}
  %0 = sto.combine %y, %w, %i, %s : tensor<4x4x8xf32>, tensor<16x2xf32>, tensor<16x2xi32>, tensor<16x2xi32> -> tensor<16x8xf64>
  return
}

// -----

func.func @combine_y_rank(%y: tensor<4x8xf32>, %w: tensor<16x2xf32>, %i: tensor<16x2xi32>, %s: tensor<16x2xi32>) {
  // expected-error @+1 {{'sto.combine' op operand 'y' must have rank 3, got 'tensor<4x8xf32>'}}
  %0 = sto.combine %y, %w, %i, %s : tensor<4x8xf32>, tensor<16x2xf32>, tensor<16x2xi32>, tensor<16x2xi32> -> tensor<16x8xf32>
  return
}

// -----

func.func @combine_weights_rank(%y: tensor<4x4x8xf32>, %w: tensor<16xf32>, %i: tensor<16x2xi32>, %s: tensor<16x2xi32>) {
  // expected-error @+1 {{'sto.combine' op operand 'weights' must have rank 2, got 'tensor<16xf32>'}}
  %0 = sto.combine %y, %w, %i, %s : tensor<4x4x8xf32>, tensor<16xf32>, tensor<16x2xi32>, tensor<16x2xi32> -> tensor<16x8xf32>
  return
}

// -----

func.func @combine_weights_element(%y: tensor<4x4x8xf32>, %w: tensor<16x2xf16>, %i: tensor<16x2xi32>, %s: tensor<16x2xi32>) {
  // expected-error @+1 {{'sto.combine' op element type of 'weights' ('f16') must match that of 'y' ('f32')}}
  %0 = sto.combine %y, %w, %i, %s : tensor<4x4x8xf32>, tensor<16x2xf16>, tensor<16x2xi32>, tensor<16x2xi32> -> tensor<16x8xf32>
  return
}

// -----

func.func @combine_indices_shape(%y: tensor<4x4x8xf32>, %w: tensor<16x2xf32>, %i: tensor<16x3xi32>, %s: tensor<16x2xi32>) {
  // expected-error @+1 {{'sto.combine' op 'indices' must have shape 16x2, got 'tensor<16x3xi32>'}}
  %0 = sto.combine %y, %w, %i, %s : tensor<4x4x8xf32>, tensor<16x2xf32>, tensor<16x3xi32>, tensor<16x2xi32> -> tensor<16x8xf32>
  return
}

// -----

func.func @combine_slot_shape(%y: tensor<4x4x8xf32>, %w: tensor<16x2xf32>, %i: tensor<16x2xi32>, %s: tensor<8x2xi32>) {
  // expected-error @+1 {{'sto.combine' op 'slot' must have shape 16x2, got 'tensor<8x2xi32>'}}
  %0 = sto.combine %y, %w, %i, %s : tensor<4x4x8xf32>, tensor<16x2xf32>, tensor<16x2xi32>, tensor<8x2xi32> -> tensor<16x8xf32>
  return
}

// -----

func.func @combine_slot_i64(%y: tensor<4x4x8xf32>, %w: tensor<16x2xf32>, %i: tensor<16x2xi32>, %s: tensor<16x2xi64>) {
  // expected-error @+1 {{'sto.combine' op operand #3 must be ranked tensor of 32-bit signless integer values, but got 'tensor<16x2xi64>'}}
  %0 = sto.combine %y, %w, %i, %s : tensor<4x4x8xf32>, tensor<16x2xf32>, tensor<16x2xi32>, tensor<16x2xi64> -> tensor<16x8xf32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// Optimizers and estimators
//===----------------------------------------------------------------------===//

func.func @langevin_negative_lr(%k: !sto.key, %p: tensor<8xf32>, %g: tensor<8xf32>) {
  // expected-error @+1 {{'sto.langevin_step' op attribute 'lr' must be in [0, inf), got -1}}
  %0 = sto.langevin_step %k, %p, %g {lr = -1.0 : f64} : tensor<8xf32>
  return
}

// -----

func.func @langevin_negative_temperature(%k: !sto.key, %p: tensor<8xf32>, %g: tensor<8xf32>) {
  // expected-error @+1 {{'sto.langevin_step' op attribute 'temperature' must be in [0, inf), got -0.5}}
  %0 = sto.langevin_step %k, %p, %g {lr = 1.0 : f64, temperature = -0.5 : f64} : tensor<8xf32>
  return
}

// -----

func.func @langevin_grad_shape(%k: !sto.key, %p: tensor<8xf32>, %g: tensor<4xf32>) {
  // expected-error @+1 {{'sto.langevin_step' op failed to verify that all of {param, grad, result} have same type}}
  %0 = "sto.langevin_step"(%k, %p, %g) <{lr = 1.0 : f64, temperature = 1.0 : f64}> : (!sto.key, tensor<8xf32>, tensor<4xf32>) -> tensor<8xf32>
  return
}

// -----

func.func @average_ema_without_decay(%a: tensor<8xf32>, %p: tensor<8xf32>, %n: index) {
  // expected-error @+1 {{'sto.average' op kind 'ema' requires the attribute 'decay'}}
  %0 = sto.average %a, %p, %n {kind = #sto.average_kind<ema>} : tensor<8xf32>, index
  return
}

// -----

func.func @average_swa_with_decay(%a: tensor<8xf32>, %p: tensor<8xf32>, %n: index) {
  // expected-error @+1 {{'sto.average' op attribute 'decay' (0.5) applies to kind 'ema' only, not 'swa'}}
  %0 = sto.average %a, %p, %n {decay = 0.5 : f64} : tensor<8xf32>, index
  return
}

// -----

func.func @average_decay_above_one(%a: tensor<8xf32>, %p: tensor<8xf32>, %n: i64) {
  // expected-error @+1 {{'sto.average' op attribute 'decay' must be in [0, 1], got 1.5}}
  %0 = sto.average %a, %p, %n {kind = #sto.average_kind<ema>, decay = 1.5 : f64} : tensor<8xf32>, i64
  return
}

// -----

func.func @average_decay_negative(%a: tensor<8xf32>, %p: tensor<8xf32>, %n: i64) {
  // expected-error @+1 {{'sto.average' op attribute 'decay' must be in [0, 1], got -0.1}}
  %0 = sto.average %a, %p, %n {kind = #sto.average_kind<ema>, decay = -0.1 : f64} : tensor<8xf32>, i64
  return
}

// -----

func.func @average_count_i32(%a: tensor<8xf32>, %p: tensor<8xf32>, %n: i32) {
  // expected-error @+1 {{'sto.average' op operand #2 must be 64-bit signless integer or index, but got 'i32'}}
  %0 = sto.average %a, %p, %n : tensor<8xf32>, i32
  return
}

// -----

func.func @average_param_shape(%a: tensor<8xf32>, %p: tensor<4xf32>, %n: index) {
  // expected-error @+1 {{'sto.average' op failed to verify that all of {avg, param, result} have same type}}
  %0 = "sto.average"(%a, %p, %n) : (tensor<8xf32>, tensor<4xf32>, index) -> tensor<8xf32>
  return
}

// -----

func.func @dp_aggregate_clip_zero(%k: !sto.key, %g: tensor<32x8xf32>) {
  // expected-error @+1 {{'sto.dp_aggregate' op attribute 'clip_norm' must be in (0, inf), got 0}}
  %0 = sto.dp_aggregate %k, %g {clip_norm = 0.0 : f64, noise_multiplier = 1.0 : f64} : tensor<32x8xf32> -> tensor<8xf32>
  return
}

// -----

// A clip norm that rounds to 0 in f32 (the compute type of f32, f16 and
// bf16) would give a zero gradient 0 / 0 = NaN for its factor, not 1.
func.func @dp_aggregate_clip_rounds_to_zero(%k: !sto.key, %g: tensor<32x8xbf16>) {
  // expected-error @+1 {{'sto.dp_aggregate' op attribute 'clip_norm' (1e-50) rounds to 0 in the compute type f32 of element type 'bf16'}}
  %0 = sto.dp_aggregate %k, %g {clip_norm = 1.0e-50 : f64, noise_multiplier = 1.0 : f64} : tensor<32x8xbf16> -> tensor<8xbf16>
  return
}

// -----

func.func @dp_aggregate_negative_noise(%k: !sto.key, %g: tensor<32x8xf32>) {
  // expected-error @+1 {{'sto.dp_aggregate' op attribute 'noise_multiplier' must be in [0, inf), got -1}}
  %0 = sto.dp_aggregate %k, %g {clip_norm = 1.0 : f64, noise_multiplier = -1.0 : f64} : tensor<32x8xf32> -> tensor<8xf32>
  return
}

// -----

func.func @dp_aggregate_no_batch(%k: !sto.key, %g: tensor<f32>) {
  // expected-error @+1 {{'sto.dp_aggregate' op operand 'grads' must have a leading batch dimension, got 'tensor<f32>'}}
  %0 = sto.dp_aggregate %k, %g {clip_norm = 1.0 : f64, noise_multiplier = 1.0 : f64} : tensor<f32> -> tensor<f32>
  return
}

// -----

func.func @dp_aggregate_no_samples(%k: !sto.key, %g: tensor<0x8xf32>) {
  // expected-error @+1 {{'sto.dp_aggregate' op dimension 0 of 'grads' (the samples) is 0, got 'tensor<0x8xf32>'}}
  %0 = sto.dp_aggregate %k, %g {clip_norm = 1.0 : f64, noise_multiplier = 1.0 : f64} : tensor<0x8xf32> -> tensor<8xf32>
  return
}

// -----

func.func @dp_aggregate_result_keeps_batch(%k: !sto.key, %g: tensor<32x8xf32>) {
  // expected-error @+1 {{'sto.dp_aggregate' op 'result' must have shape 8, got 'tensor<32x8xf32>'}}
  %0 = sto.dp_aggregate %k, %g {clip_norm = 1.0 : f64, noise_multiplier = 1.0 : f64} : tensor<32x8xf32> -> tensor<32x8xf32>
  return
}

// -----

func.func @dp_aggregate_result_not_rank0(%k: !sto.key, %g: tensor<32xf32>) {
  // expected-error @+1 {{'sto.dp_aggregate' op 'result' must have rank 0, got 'tensor<32xf32>'}}
  %0 = sto.dp_aggregate %k, %g {clip_norm = 1.0 : f64, noise_multiplier = 1.0 : f64} : tensor<32xf32> -> tensor<32xf32>
  return
}

// -----

func.func @dp_aggregate_result_element(%k: !sto.key, %g: tensor<32x8xf32>) {
  // expected-error @+1 {{'sto.dp_aggregate' op element type of 'result' ('f16') must match that of 'grads' ('f32')}}
  %0 = sto.dp_aggregate %k, %g {clip_norm = 1.0 : f64, noise_multiplier = 1.0 : f64} : tensor<32x8xf32> -> tensor<8xf16>
  return
}

// -----

func.func @spsa_perturb_infinite_scale(%k: !sto.key, %p: tensor<8xf32>) {
  // expected-error @+1 {{'sto.spsa_perturb' op attribute 'scale' must be finite, got -inf}}
  %0 = sto.spsa_perturb %k, %p {scale = 0xFFF0000000000000 : f64} : tensor<8xf32>
  return
}

// -----

func.func @spsa_update_negative_lr(%k: !sto.key, %p: tensor<8xf32>, %g: f32) {
  // expected-error @+1 {{'sto.spsa_update' op attribute 'lr' must be in [0, inf), got -1}}
  %0 = sto.spsa_update %k, %p, %g {lr = -1.0 : f64} : tensor<8xf32>, f32
  return
}

// -----

func.func @spsa_update_tensor_grad(%k: !sto.key, %p: tensor<8xf32>, %g: tensor<f32>) {
  // expected-error @+1 {{'sto.spsa_update' op operand #2 must be 32-bit float or 64-bit float, but got 'tensor<f32>'}}
  %0 = sto.spsa_update %k, %p, %g {lr = 1.0 : f64} : tensor<8xf32>, tensor<f32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// Randomized smoothing
//===----------------------------------------------------------------------===//

func.func @monte_carlo_samples_zero(%k: !sto.key, %x: tensor<8xf32>) {
  // expected-error @+1 {{'sto.monte_carlo' op attribute 'samples' must be at least 1, got 0}}
  %0 = sto.monte_carlo %k, %x {samples = 0 : i64, batch = 4 : i64, stddev = 5.0e-01 : f64, num_classes = 10 : i64} : tensor<8xf32> -> tensor<10xi64> {
  ^bb0(%n: tensor<4x8xf32>):
    %ids = arith.constant dense<0> : tensor<4xi32>
    sto.yield %ids : tensor<4xi32>
  }
  return
}

// -----

// The stream indices s·numel(x) + j of the noise must fit in 64 bits.
func.func @monte_carlo_indices_overflow(%k: !sto.key, %x: tensor<8xf32>) {
  // expected-error @+1 {{'sto.monte_carlo' op samples × elements of x (9223372036854775807 × 8) must stay below 2^63: they are the noise's stream indices}}
  %0 = sto.monte_carlo %k, %x {samples = 9223372036854775807 : i64, batch = 2 : i64, stddev = 5.0e-01 : f64, num_classes = 10 : i64} : tensor<8xf32> -> tensor<10xi64> {
  ^bb0(%n: tensor<2x8xf32>):
    %ids = arith.constant dense<0> : tensor<2xi32>
    sto.yield %ids : tensor<2xi32>
  }
  return
}

// -----

// numel(x) itself overflows (2^64 wrapped to 0, which passed the check).
func.func @monte_carlo_numel_overflow(%k: !sto.key, %x: tensor<4294967296x4294967296xf32>) {
  // expected-error @+1 {{'sto.monte_carlo' op samples × elements of x (3 × 4294967296x4294967296) must stay below 2^63: they are the noise's stream indices}}
  %0 = sto.monte_carlo %k, %x {samples = 3 : i64, batch = 1 : i64, stddev = 5.0e-01 : f64, num_classes = 2 : i64} : tensor<4294967296x4294967296xf32> -> tensor<2xi64> {
  ^bb0(%n: tensor<1x4294967296x4294967296xf32>):
    %ids = arith.constant dense<0> : tensor<1xi32>
    sto.yield %ids : tensor<1xi32>
  }
  return
}

// -----

// Element j of the result draws the noise of stream index j; the lowering
// multiplied the per-sample sizes in int64_t (a signed overflow).
func.func @dp_aggregate_sample_too_large(%k: !sto.key, %g: tensor<2x4294967296x4294967296xf32>) {
  // expected-error @+1 {{'sto.dp_aggregate' op a per-sample gradient of 'grads' must have fewer than 2^63 elements (the noise's stream indices), got 'tensor<2x4294967296x4294967296xf32>'}}
  %0 = sto.dp_aggregate %k, %g {clip_norm = 1.0 : f64, noise_multiplier = 1.0 : f64} : tensor<2x4294967296x4294967296xf32> -> tensor<4294967296x4294967296xf32>
  return
}

// -----

func.func @monte_carlo_batch_zero(%k: !sto.key, %x: tensor<8xf32>) {
  // expected-error @+1 {{'sto.monte_carlo' op attribute 'batch' must be at least 1, got 0}}
  %0 = sto.monte_carlo %k, %x {samples = 10 : i64, batch = 0 : i64, stddev = 5.0e-01 : f64, num_classes = 10 : i64} : tensor<8xf32> -> tensor<10xi64> {
  ^bb0(%n: tensor<0x8xf32>):
    %ids = arith.constant dense<0> : tensor<0xi32>
    sto.yield %ids : tensor<0xi32>
  }
  return
}

// -----

func.func @monte_carlo_classes_zero(%k: !sto.key, %x: tensor<8xf32>) {
  // expected-error @+1 {{'sto.monte_carlo' op attribute 'num_classes' must be at least 1, got 0}}
  %0 = sto.monte_carlo %k, %x {samples = 10 : i64, batch = 4 : i64, stddev = 5.0e-01 : f64, num_classes = 0 : i64} : tensor<8xf32> -> tensor<0xi64> {
  ^bb0(%n: tensor<4x8xf32>):
    %ids = arith.constant dense<0> : tensor<4xi32>
    sto.yield %ids : tensor<4xi32>
  }
  return
}

// -----

func.func @monte_carlo_negative_stddev(%k: !sto.key, %x: tensor<8xf32>) {
  // expected-error @+1 {{'sto.monte_carlo' op attribute 'stddev' must be in [0, inf), got -0.5}}
  %0 = sto.monte_carlo %k, %x {samples = 10 : i64, batch = 4 : i64, stddev = -5.0e-01 : f64, num_classes = 10 : i64} : tensor<8xf32> -> tensor<10xi64> {
  ^bb0(%n: tensor<4x8xf32>):
    %ids = arith.constant dense<0> : tensor<4xi32>
    sto.yield %ids : tensor<4xi32>
  }
  return
}

// -----

func.func @monte_carlo_counts_shape(%k: !sto.key, %x: tensor<8xf32>) {
  // expected-error @+1 {{'sto.monte_carlo' op 'counts' must have shape 10, got 'tensor<11xi64>'}}
  %0 = sto.monte_carlo %k, %x {samples = 10 : i64, batch = 4 : i64, stddev = 5.0e-01 : f64, num_classes = 10 : i64} : tensor<8xf32> -> tensor<11xi64> {
  ^bb0(%n: tensor<4x8xf32>):
    %ids = arith.constant dense<0> : tensor<4xi32>
    sto.yield %ids : tensor<4xi32>
  }
  return
}

// -----

func.func @monte_carlo_counts_i32(%k: !sto.key, %x: tensor<8xf32>) {
  // expected-error @+1 {{'sto.monte_carlo' op result #0 must be ranked tensor of 64-bit signless integer values, but got 'tensor<10xi32>'}}
  %0 = sto.monte_carlo %k, %x {samples = 10 : i64, batch = 4 : i64, stddev = 5.0e-01 : f64, num_classes = 10 : i64} : tensor<8xf32> -> tensor<10xi32> {
  ^bb0(%n: tensor<4x8xf32>):
    %ids = arith.constant dense<0> : tensor<4xi32>
    sto.yield %ids : tensor<4xi32>
  }
  return
}

// -----

func.func @monte_carlo_two_arguments(%k: !sto.key, %x: tensor<8xf32>) {
  // expected-error @+1 {{'sto.monte_carlo' op body must have one argument (the noisy batch of type 'tensor<4x8xf32>'), got 2}}
  %0 = sto.monte_carlo %k, %x {samples = 10 : i64, batch = 4 : i64, stddev = 5.0e-01 : f64, num_classes = 10 : i64} : tensor<8xf32> -> tensor<10xi64> {
  ^bb0(%n: tensor<4x8xf32>, %m: index):
    %ids = arith.constant dense<0> : tensor<4xi32>
    sto.yield %ids : tensor<4xi32>
  }
  return
}

// -----

func.func @monte_carlo_argument_type(%k: !sto.key, %x: tensor<8xf32>) {
  // expected-error @+1 {{'sto.monte_carlo' op body argument must have type 'tensor<4x8xf32>' (the static and dynamic sizes of x), got 'tensor<8xf32>'}}
  %0 = sto.monte_carlo %k, %x {samples = 10 : i64, batch = 4 : i64, stddev = 5.0e-01 : f64, num_classes = 10 : i64} : tensor<8xf32> -> tensor<10xi64> {
  ^bb0(%n: tensor<8xf32>):
    %ids = arith.constant dense<0> : tensor<4xi32>
    sto.yield %ids : tensor<4xi32>
  }
  return
}

// -----

func.func @monte_carlo_argument_element(%k: !sto.key, %x: tensor<8xf32>) {
  // expected-error @+1 {{'sto.monte_carlo' op body argument must have type 'tensor<4x8xf32>' (the static and dynamic sizes of x), got 'tensor<4x8xf16>'}}
  %0 = sto.monte_carlo %k, %x {samples = 10 : i64, batch = 4 : i64, stddev = 5.0e-01 : f64, num_classes = 10 : i64} : tensor<8xf32> -> tensor<10xi64> {
  ^bb0(%n: tensor<4x8xf16>):
    %ids = arith.constant dense<0> : tensor<4xi32>
    sto.yield %ids : tensor<4xi32>
  }
  return
}

// -----

// A compatible type is not enough: the lowering builds the batch with the
// sizes of x (found by a fuzzer: invalid IR in the lowering).
func.func @monte_carlo_argument_dynamic(%k: !sto.key, %x: tensor<8xf32>) {
  // expected-error @+1 {{'sto.monte_carlo' op body argument must have type 'tensor<4x8xf32>' (the static and dynamic sizes of x), got 'tensor<?x8xf32>'}}
  %0 = sto.monte_carlo %k, %x {samples = 10 : i64, batch = 4 : i64, stddev = 5.0e-01 : f64, num_classes = 10 : i64} : tensor<8xf32> -> tensor<10xi64> {
  ^bb0(%n: tensor<?x8xf32>):
    %ids = arith.constant dense<0> : tensor<4xi32>
    sto.yield %ids : tensor<4xi32>
  }
  return
}

// -----

func.func @monte_carlo_argument_static_for_dynamic(%k: !sto.key, %x: tensor<?xf32>) {
  // expected-error @+1 {{'sto.monte_carlo' op body argument must have type 'tensor<4x?xf32>' (the static and dynamic sizes of x), got 'tensor<4x8xf32>'}}
  %0 = sto.monte_carlo %k, %x {samples = 10 : i64, batch = 4 : i64, stddev = 5.0e-01 : f64, num_classes = 10 : i64} : tensor<?xf32> -> tensor<10xi64> {
  ^bb0(%n: tensor<4x8xf32>):
    %ids = arith.constant dense<0> : tensor<4xi32>
    sto.yield %ids : tensor<4xi32>
  }
  return
}

// -----

func.func @monte_carlo_wrong_terminator(%k: !sto.key, %x: tensor<8xf32>) {
  // expected-error @+1 {{'sto.monte_carlo' op body must end in 'sto.yield', got 'llvm.unreachable'}}
  %0 = sto.monte_carlo %k, %x {samples = 10 : i64, batch = 4 : i64, stddev = 5.0e-01 : f64, num_classes = 10 : i64} : tensor<8xf32> -> tensor<10xi64> {
  ^bb0(%n: tensor<4x8xf32>):
    llvm.unreachable
  }
  return
}

// -----

func.func @monte_carlo_no_terminator(%k: !sto.key, %x: tensor<8xf32>) {
  // expected-error @+3 {{block with no terminator}}
  %0 = sto.monte_carlo %k, %x {samples = 10 : i64, batch = 4 : i64, stddev = 5.0e-01 : f64, num_classes = 10 : i64} : tensor<8xf32> -> tensor<10xi64> {
  ^bb0(%n: tensor<4x8xf32>):
    %ids = arith.constant dense<0> : tensor<4xi32>
  }
  return
}

// -----

func.func @monte_carlo_empty_block(%k: !sto.key, %x: tensor<8xf32>) {
  // expected-error @+1 {{'sto.monte_carlo' op expects a non-empty block}}
  %0 = sto.monte_carlo %k, %x {samples = 10 : i64, batch = 4 : i64, stddev = 5.0e-01 : f64, num_classes = 10 : i64} : tensor<8xf32> -> tensor<10xi64> {
  ^bb0(%n: tensor<4x8xf32>):
  }
  return
}

// -----

func.func @monte_carlo_two_blocks(%k: !sto.key, %x: tensor<8xf32>) {
  // expected-error @+1 {{'sto.monte_carlo' op expects region #0 to have 0 or 1 blocks}}
  %0 = sto.monte_carlo %k, %x {samples = 10 : i64, batch = 4 : i64, stddev = 5.0e-01 : f64, num_classes = 10 : i64} : tensor<8xf32> -> tensor<10xi64> {
  ^bb0(%n: tensor<4x8xf32>):
    %ids = arith.constant dense<0> : tensor<4xi32>
    cf.br ^bb1
  ^bb1:
    sto.yield %ids : tensor<4xi32>
  }
  return
}

// -----

func.func @monte_carlo_yield_two_values(%k: !sto.key, %x: tensor<8xf32>) {
  // expected-error @+4 {{'sto.yield' op must yield one value (the class ids of the batch), got 2}}
  %0 = sto.monte_carlo %k, %x {samples = 10 : i64, batch = 4 : i64, stddev = 5.0e-01 : f64, num_classes = 10 : i64} : tensor<8xf32> -> tensor<10xi64> {
  ^bb0(%n: tensor<4x8xf32>):
    %ids = arith.constant dense<0> : tensor<4xi32>
    sto.yield %ids, %ids : tensor<4xi32>, tensor<4xi32>
  }
  return
}

// -----

func.func @monte_carlo_yield_batch_size(%k: !sto.key, %x: tensor<8xf32>) {
  // expected-error @+4 {{'sto.yield' op must yield class ids of type tensor<4xi32> or tensor<4xi64>, got 'tensor<3xi32>'}}
  %0 = sto.monte_carlo %k, %x {samples = 10 : i64, batch = 4 : i64, stddev = 5.0e-01 : f64, num_classes = 10 : i64} : tensor<8xf32> -> tensor<10xi64> {
  ^bb0(%n: tensor<4x8xf32>):
    %ids = arith.constant dense<0> : tensor<3xi32>
    sto.yield %ids : tensor<3xi32>
  }
  return
}

// -----

func.func @monte_carlo_yield_float_ids(%k: !sto.key, %x: tensor<8xf32>) {
  // expected-error @+4 {{'sto.yield' op must yield class ids of type tensor<4xi32> or tensor<4xi64>, got 'tensor<4xf32>'}}
  %0 = sto.monte_carlo %k, %x {samples = 10 : i64, batch = 4 : i64, stddev = 5.0e-01 : f64, num_classes = 10 : i64} : tensor<8xf32> -> tensor<10xi64> {
  ^bb0(%n: tensor<4x8xf32>):
    %ids = arith.constant dense<0.0> : tensor<4xf32>
    sto.yield %ids : tensor<4xf32>
  }
  return
}

// -----

func.func @yield_outside_monte_carlo() {
  %ids = arith.constant dense<0> : tensor<4xi32>
  // expected-error @+1 {{'sto.yield' op expects parent op 'sto.monte_carlo'}}
  sto.yield %ids : tensor<4xi32>
}

// -----

func.func @certify_alpha_one(%c: tensor<10xi64>) {
  // expected-error @+1 {{'sto.certify' op attribute 'alpha' must be in (0, 1), got 1}}
  %a, %b = sto.certify %c, %c {alpha = 1.0 : f64, stddev = 5.0e-01 : f64} : tensor<10xi64>
  return
}

// -----

func.func @certify_alpha_zero(%c: tensor<10xi64>) {
  // expected-error @+1 {{'sto.certify' op attribute 'alpha' must be in (0, 1), got 0}}
  %a, %b = sto.certify %c, %c {alpha = 0.0 : f64, stddev = 5.0e-01 : f64} : tensor<10xi64>
  return
}

// -----

func.func @certify_stddev_zero(%c: tensor<10xi64>) {
  // expected-error @+1 {{'sto.certify' op attribute 'stddev' must be in (0, inf), got 0}}
  %a, %b = sto.certify %c, %c {alpha = 1.0e-03 : f64, stddev = 0.0 : f64} : tensor<10xi64>
  return
}

// -----

func.func @certify_counts_rank(%c: tensor<2x5xi64>) {
  // expected-error @+1 {{'sto.certify' op operand 'counts0' must have rank 1, got 'tensor<2x5xi64>'}}
  %a, %b = sto.certify %c, %c {alpha = 1.0e-03 : f64, stddev = 5.0e-01 : f64} : tensor<2x5xi64>
  return
}

// -----

func.func @certify_counts_mismatch(%c: tensor<10xi64>, %d: tensor<9xi64>) {
  // expected-error @+1 {{'sto.certify' op failed to verify that all of {counts0, counts} have same type}}
  %a, %b = "sto.certify"(%c, %d) <{alpha = 1.0e-03 : f64, stddev = 5.0e-01 : f64}> : (tensor<10xi64>, tensor<9xi64>) -> (i64, f64)
  return
}

// -----

func.func @certify_counts_i32(%c: tensor<10xi32>) {
  // expected-error @+1 {{'sto.certify' op operand #0 must be ranked tensor of 64-bit signless integer values, but got 'tensor<10xi32>'}}
  %a, %b = sto.certify %c, %c {alpha = 1.0e-03 : f64, stddev = 5.0e-01 : f64} : tensor<10xi32>
  return
}

// -----

func.func @certify_class_i32(%c: tensor<10xi64>) {
  // expected-error @+1 {{'sto.certify' op result #0 must be 64-bit signless integer, but got 'i32'}}
  %a, %b = "sto.certify"(%c, %c) <{alpha = 1.0e-03 : f64, stddev = 5.0e-01 : f64}> : (tensor<10xi64>, tensor<10xi64>) -> (i32, f64)
  return
}

// -----

func.func @certify_bound_unknown(%c: tensor<10xi64>) {
  // expected-error @+2 {{expected ::mlir::sto::ConfidenceBound to be one of: clopper_pearson, bernstein}}
  // expected-error @+1 {{failed to parse Sto_ConfidenceBoundAttr parameter 'value'}}
  %a, %b = sto.certify %c, %c {alpha = 1.0e-03 : f64, stddev = 5.0e-01 : f64, bound = #sto.bound<hoeffding>} : tensor<10xi64>
  return
}

// -----

// Result sizes that come from an operand have its static and dynamic sizes
// (the lowerings build them from the operand; tensor.cast changes them).

func.func @categorical_result_static_from_dynamic(%k: !sto.key, %x: tensor<?x10xf32>) {
  // expected-error @+1 {{'sto.categorical' op 'result' must have shape ?, with the static and dynamic sizes of 'logits' (tensor.cast changes them), got 'tensor<4xi32>'}}
  %y = sto.categorical %k, %x {axis = 1 : i64} : tensor<?x10xf32> -> tensor<4xi32>
  return
}

// -----

func.func @bernoulli_result_static_from_dynamic(%k: !sto.key, %p: tensor<?xf16>) {
  // expected-error @+1 {{'sto.bernoulli' op 'result' must have shape ?, with the static and dynamic sizes of 'probs'}}
  %y = sto.bernoulli %k, %p : tensor<?xf16> -> tensor<4xi1>
  return
}

// -----

func.func @dp_aggregate_result_dynamic_from_static(%k: !sto.key, %g: tensor<8x4xf32>) {
  // expected-error @+1 {{'sto.dp_aggregate' op 'result' must have shape 4, with the static and dynamic sizes of 'grads'}}
  %y = sto.dp_aggregate %k, %g {clip_norm = 1.0 : f64, noise_multiplier = 1.0 : f64} : tensor<8x4xf32> -> tensor<?xf32>
  return
}

// -----

func.func @topk_gate_tokens_static_from_dynamic(%l: tensor<?x?xf32>) {
  // expected-error @+1 {{'sto.topk_gate' op 'weights' must have shape ?x2, with the static and dynamic sizes of 'logits'}}
  %w, %i = sto.topk_gate %l {k = 2 : i64} : tensor<?x?xf32> -> tensor<8x2xf32>, tensor<8x2xi32>
  return
}

// -----

func.func @dispatch_features_static_from_dynamic(%x: tensor<?x?xf32>, %i: tensor<?x2xi32>) {
  // expected-error @+1 {{'sto.dispatch' op 'buffer' must have shape 4x3x?, with the static and dynamic sizes of 'x'}}
  %b, %s = sto.dispatch %x, %i {num_experts = 4 : i64, capacity = 3 : i64} : tensor<?x?xf32>, tensor<?x2xi32> -> tensor<4x3x8xf32>, tensor<?x2xi32>
  return
}

// -----

func.func @dispatch_slot_static_from_dynamic(%x: tensor<?x8xf32>, %i: tensor<?x2xi32>) {
  // expected-error @+1 {{'sto.dispatch' op 'slot' must have shape ?x2, with the static and dynamic sizes of 'indices'}}
  %b, %s = sto.dispatch %x, %i {num_experts = 4 : i64, capacity = 3 : i64} : tensor<?x8xf32>, tensor<?x2xi32> -> tensor<4x3x8xf32>, tensor<6x2xi32>
  return
}

// -----

// sto.c_abi records a C entry point (sto-prepare-c-abi); its entries are
// read back as types, so one that is not a type used to crash sto-compile's
// header.
// expected-error @+1 {{'func.func' op malformed 'sto.c_abi' attribute: expected a dictionary of 'name' (the C entry point's name) and 'inputs' and 'results' (arrays of types), got {inputs = [unit], name = "f", results = []}}}
func.func @c_abi_input_not_a_type(%x: tensor<4xf32>) attributes {sto.c_abi = {name = "f", inputs = [unit], results = []}} {
  return
}

// -----

// expected-error @+1 {{malformed 'sto.c_abi' attribute}}
func.func @c_abi_not_a_dictionary() attributes {sto.c_abi = 1 : i64} {
  return
}

// -----

// expected-error @+1 {{malformed 'sto.c_abi' attribute}}
func.func @c_abi_without_name() attributes {sto.c_abi = {inputs = [], results = []}} {
  return
}

// -----

// Coefficients are rounded to the compute type (f32 for f16, bf16 and f32):
// one that overflows it made every result inf or NaN.
func.func @noise_scale_overflows_f32(%k: !sto.key, %x: tensor<8xf16>) {
  // expected-error @+1 {{'sto.noise' op attribute 'scale' (1e+39) overflows the compute type f32 of element type 'f16'}}
  %0 = sto.noise %k, %x {scale = 1.0e+39 : f64} : tensor<8xf16>
  return
}

// -----

func.func @langevin_lr_overflows_f32(%k: !sto.key, %p: tensor<8xf32>, %g: tensor<8xf32>) {
  // expected-error @+1 {{'sto.langevin_step' op attribute 'lr' (1e+39) overflows the compute type f32 of element type 'f32'}}
  %0 = sto.langevin_step %k, %p, %g {lr = 1.0e+39 : f64, temperature = 1.0 : f64} : tensor<8xf32>
  return
}

// -----

func.func @langevin_noise_overflows_f64(%k: !sto.key, %p: tensor<8xf64>, %g: tensor<8xf64>) {
  // expected-error @+1 {{'sto.langevin_step' op the noise scale sqrt(2 * lr * temperature) (inf) overflows the compute type f64 of element type 'f64'}}
  %0 = sto.langevin_step %k, %p, %g {lr = 1.0e+200 : f64, temperature = 1.0e+200 : f64} : tensor<8xf64>
  return
}

// -----

func.func @spsa_perturb_scale_overflows_f32(%k: !sto.key, %p: tensor<8xbf16>) {
  // expected-error @+1 {{'sto.spsa_perturb' op attribute 'scale' (-1e+39) overflows the compute type f32 of element type 'bf16'}}
  %0 = sto.spsa_perturb %k, %p {scale = -1.0e+39 : f64} : tensor<8xbf16>
  return
}

// -----

func.func @spsa_update_lr_overflows_f32(%k: !sto.key, %p: tensor<8xf32>, %g: f32) {
  // expected-error @+1 {{'sto.spsa_update' op attribute 'lr' (1e+39) overflows the compute type f32 of element type 'f32'}}
  %0 = sto.spsa_update %k, %p, %g {lr = 1.0e+39 : f64} : tensor<8xf32>, f32
  return
}

// -----

func.func @dp_aggregate_noise_overflows_f32(%k: !sto.key, %g: tensor<4x8xf32>) {
  // expected-error @+1 {{'sto.dp_aggregate' op the noise scale noise_multiplier * clip_norm (1e+40) overflows the compute type f32 of element type 'f32'}}
  %0 = sto.dp_aggregate %k, %g {clip_norm = 1.0e+20 : f64, noise_multiplier = 1.0e+20 : f64} : tensor<4x8xf32> -> tensor<8xf32>
  return
}

// -----

func.func @gumbel_softmax_tau_underflows_f32(%k: !sto.key, %l: tensor<4x8xf16>) {
  // expected-error @+1 {{'sto.gumbel_softmax' op attribute 'tau' (1e-50) rounds to 0 in the compute type f32 of element type 'f16'}}
  %0 = sto.gumbel_softmax %k, %l {tau = 1.0e-50 : f64} : tensor<4x8xf16>
  return
}

// -----

// The same values are fine where the compute type is f64.
func.func @coefficients_fit_f64(%k: !sto.key, %x: tensor<8xf64>, %l: tensor<4x8xf64>) {
  %k0, %k1 = sto.split %k count 2
  %0 = sto.noise %k0, %x {scale = 1.0e+39 : f64} : tensor<8xf64>
  %1 = sto.gumbel_softmax %k1, %l {tau = 1.0e-50 : f64} : tensor<4x8xf64>
  return
}
