// RUN: sto-opt %s --resolve-ranked-shaped-type-result-dims -split-input-file | FileCheck %s --check-prefix=REIFY
// RUN: sto-opt %s --generate-runtime-verification -split-input-file | FileCheck %s --check-prefix=VERIFY

// The sizes of sto results in terms of their operands
// (ReifyRankedShapedTypeOpInterface): tensor.dim of a result folds to the
// operand dimension or size operand it comes from.

// REIFY-LABEL: func.func @reify(
// REIFY-SAME:    %[[K:[^:]+]]: !sto.key, %[[X:[^:]+]]: tensor<?x?xf32>, %[[L:[^:]+]]: tensor<?x?xf32>, %[[G:[^:]+]]: tensor<?x?x?xf32>, %[[N:[^:]+]]: index)
// REIFY-DAG:     %[[C0:.+]] = arith.constant 0 : index
// REIFY-DAG:     %[[C1:.+]] = arith.constant 1 : index
// REIFY-DAG:     %[[C2:.+]] = arith.constant 2 : index
// REIFY-DAG:     %[[D0:.+]] = tensor.dim %[[X]], %[[C1]]
// REIFY-DAG:     %[[D1:.+]] = tensor.dim %[[L]], %[[C0]]
// REIFY-DAG:     %[[D2:.+]] = tensor.dim %[[G]], %[[C2]]
// REIFY-DAG:     %[[D3:.+]] = tensor.dim %[[L]], %[[C0]]
// REIFY:         return %[[D0]], %[[D1]], %[[N]], %[[D2]], %[[D3]]
func.func @reify(%k: !sto.key, %x: tensor<?x?xf32>, %logits: tensor<?x?xf32>,
                 %g: tensor<?x?x?xf32>, %n: index) -> (index, index, index, index, index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %ks:4 = sto.split %k count 4
  %y = sto.dropout %ks#0, %x {rate = 0.5 : f64} : tensor<?x?xf32>
  %w, %i = sto.topk_gate %logits {k = 2 : i64} : tensor<?x?xf32> -> tensor<?x2xf32>, tensor<?x2xi32>
  %u = sto.uniform %ks#1 [%n] : tensor<?x3xf32>
  %a = sto.dp_aggregate %ks#2, %g {clip_norm = 1.0 : f64, noise_multiplier = 1.0 : f64} : tensor<?x?x?xf32> -> tensor<?x?xf32>
  %c = sto.categorical %ks#3, %logits {axis = 1 : i64} : tensor<?x?xf32> -> tensor<?xi32>
  %d0 = tensor.dim %y, %c1 : tensor<?x?xf32>
  %d1 = tensor.dim %i, %c0 : tensor<?x2xi32>
  %d2 = tensor.dim %u, %c0 : tensor<?x3xf32>
  %d3 = tensor.dim %a, %c1 : tensor<?x?xf32>
  %d4 = tensor.dim %c, %c0 : tensor<?xi32>
  return %d0, %d1, %d2, %d3, %d4 : index, index, index, index, index
}

// -----

// Upstream's generate-runtime-verification gets the sto ops' checks
// (RuntimeVerifiableOpInterface), with its own message format.

// VERIFY-LABEL: func.func @verify(
// VERIFY:         cf.assert %{{.+}}, "ERROR: Runtime op verification failed{{.*}}dimension 0 of 'grad' differs from dimension 0 of 'param'
// VERIFY:         sto.langevin_step
// VERIFY:         cf.assert %{{.+}}, "ERROR: Runtime op verification failed{{.*}}dimension 0 of 'load' differs from dimension 0 of 'bias'
// VERIFY:         sto.balance_bias
// VERIFY:         cf.assert %{{.+}}, "ERROR: Runtime op verification failed{{.*}}dimension 0 of 'load' differs from dimension 1 of 'probs'
// VERIFY:         sto.balance_loss
// VERIFY:         cf.assert %{{.+}}, "ERROR: Runtime op verification failed{{.*}}dimension 0 of 'param' differs from dimension 0 of 'avg'
// VERIFY:         sto.average
// VERIFY:         cf.assert %{{.+}}, "ERROR: Runtime op verification failed{{.*}}dimension 0 of 'counts' differs from dimension 0 of 'counts0'
// VERIFY:         sto.certify
// VERIFY:         cf.assert %{{.+}}, "ERROR: Runtime op verification failed{{.*}}size 1 of the result is negative
// VERIFY:         sto.bernoulli
func.func @verify(%k: !sto.key, %p: tensor<?xf32>, %g: tensor<?xf32>, %bias: tensor<?xf32>,
                  %load: tensor<?xi32>, %probs: tensor<8x?xf32>, %c0s: tensor<?xi64>,
                  %cs: tensor<?xi64>, %n: index) -> (tensor<?xf32>, tensor<?xf32>, f32, tensor<?xf32>, i64, f64, tensor<4x?xi1>) {
  %c3 = arith.constant 3 : i64
  %ks:2 = sto.split %k count 2
  %q = sto.langevin_step %ks#0, %p, %g {lr = 0.1 : f64, temperature = 1.0 : f64} : tensor<?xf32>
  %b = sto.balance_bias %bias, %load {rate = 0.001 : f64} : tensor<?xf32>, tensor<?xi32>
  %l = sto.balance_loss %probs, %load {alpha = 0.01 : f64} : tensor<8x?xf32>, tensor<?xi32> -> f32
  %a = sto.average %p, %g, %c3 : tensor<?xf32>, i64
  %cls, %r = sto.certify %c0s, %cs {alpha = 0.001 : f64, stddev = 0.25 : f64} : tensor<?xi64>
  %m = sto.bernoulli %ks#1 [%n] {p = 0.5 : f64} -> tensor<4x?xi1>
  return %q, %b, %l, %a, %cls, %r, %m : tensor<?xf32>, tensor<?xf32>, f32, tensor<?xf32>, i64, f64, tensor<4x?xi1>
}
