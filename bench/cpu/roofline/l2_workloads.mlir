// l2_workloads.mlir - sto's versions of philox_roofline.cpp's kernels on 8192
// elements (in + out stay in L2), so that their compute cost can be compared
// with the hand-written ones in the same run. run.sh compiles this with
// sto-compile --parallel=false when a sto build is found.

// uniform_add: y = x + U(r_i).
func.func @l2_uniform_add(%x: tensor<8192xf32>, %seed: i64) -> tensor<8192xf32> {
  %k = sto.seed %seed : i64
  %u = sto.uniform %k {low = 0.0 : f64, high = 1.0 : f64} : tensor<8192xf32>
  %y = arith.addf %x, %u : tensor<8192xf32>
  return %y : tensor<8192xf32>
}

// sb_p: 1[u_i < p_i].
func.func @l2_sb_p(%p: tensor<8192xf32>, %seed: i64) -> tensor<8192xf32> {
  %k = sto.seed %seed : i64
  %h = sto.stochastic_binary %k, %p {estimator = #sto.estimator<straight_through>}
      : tensor<8192xf32>
  return %h : tensor<8192xf32>
}

// sb_sigmoid: the stochastic_binary workload of ../workloads.mlir.
func.func @l2_sb_sigmoid(%a: tensor<8192xf32>, %seed: i64) -> tensor<8192xf32> {
  %one = arith.constant dense<1.0> : tensor<8192xf32>
  %k = sto.seed %seed : i64
  %na = arith.negf %a : tensor<8192xf32>
  %ex = math.exp %na : tensor<8192xf32>
  %den = arith.addf %one, %ex : tensor<8192xf32>
  %prob = arith.divf %one, %den : tensor<8192xf32>
  %h = sto.stochastic_binary %k, %prob {estimator = #sto.estimator<straight_through>}
      : tensor<8192xf32>
  return %h : tensor<8192xf32>
}

// noise_add: y = x + 0.25 z_i.
func.func @l2_noise_add(%x: tensor<8192xf32>, %seed: i64) -> tensor<8192xf32> {
  %k = sto.seed %seed : i64
  %y = sto.noise %k, %x {scale = 2.5e-01 : f64} : tensor<8192xf32>
  return %y : tensor<8192xf32>
}
