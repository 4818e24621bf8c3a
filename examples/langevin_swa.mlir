// langevin_swa.mlir - stochastic gradient Langevin dynamics with stochastic
// weight averaging, on a planted single-index model.
//
// Model. Data from a planted single-index model in d = 64 dimensions:
//
//   x_i ~ N(0, I_64),   y_i = tanh(<w*, x_i>) + 0.05·η_i,   i = 1..1024
//
// and the potential (mean squared loss of the same link plus weight decay)
//
//   U(w) = 1/(2n)·Σ_{i in batch} (tanh(<w, x_i>) − y_i)² + (λ/2)·|w|²,
//   λ = 1e-3,  n = 128,
//   ∇U(w) = 1/n·X_bᵀ[(tanh(X_b·w) − y_b) ⊙ (1 − tanh²(X_b·w))] + λ·w.
//
// Each step takes the next minibatch of 128 rows (8 per epoch, in order) and
// makes one Langevin step
//
//   w ← w − lr·∇U(w) + sqrt(2·lr·T)·ξ,   lr = 0.05,  T = 1/1024,
//
// whose stationary law is ∝ exp(−U/T): with T = 1/N the full-batch U/T is the
// negative log posterior of Gaussian label noise of unit variance and a
// Gaussian prior. After 25 burn-in epochs the iterate at the end of each of
// 25 more epochs is averaged (stochastic weight averaging, constant learning
// rate, one snapshot per epoch).
//
// Papers. Welling and Teh, "Bayesian learning via stochastic gradient Langevin
// dynamics", ICML 2011 (sto.langevin_step). Izmailov, Podoprikhin, Garipov,
// Vetrov and Wilson, "Averaging weights leads to wider optima and better
// generalization", UAI 2018 (sto.average, kind swa). Single-index models with
// a planted direction: e.g. Ben Arous, Gheissari and Jagannath, "Online
// stochastic gradient descent on non-convex losses from high-dimensional
// inference", JMLR 2021.
//
// Randomness. One key per run, made from the seed, threaded through the two
// epoch loops as a loop-carried value and split at every step into the step's
// noise key and the key carried on; no key is ever used in two iterations.
//
// C entry points (tensors are row-major pointers):
//   plant_single_index(w_star[64], seed) -> (x[1024x64], y[1024])
//       the data set, for a caller-chosen unit vector w_star
//   langevin_swa(x[1024x64], y[1024], w0[64], seed) -> (w_last[64], w_swa[64])
//       the last Langevin iterate and the SWA average of the 25 snapshots
//   single_index_risk(x[1024x64], y[1024], w[64]) -> f32
//       the full-data mean squared error 1/(2N)·Σ (tanh(<w, x_i>) − y_i)²

func.func @plant_single_index(%w_star: tensor<64xf32>, %seed: i64)
    -> (tensor<1024x64xf32>, tensor<1024xf32>) {
  %zero = arith.constant 0.0 : f32
  %key = sto.seed %seed : i64
  %k_x, %k_y = sto.split %key count 2
  %x = sto.normal %k_x : tensor<1024x64xf32>
  %e = tensor.empty() : tensor<1024xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%e : tensor<1024xf32>) -> tensor<1024xf32>
  %z = linalg.matvec ins(%x, %w_star : tensor<1024x64xf32>, tensor<64xf32>)
                     outs(%acc : tensor<1024xf32>) -> tensor<1024xf32>
  %clean = math.tanh %z : tensor<1024xf32>
  %y = sto.noise %k_y, %clean {scale = 5.0e-02 : f64} : tensor<1024xf32>
  return %x, %y : tensor<1024x64xf32>, tensor<1024xf32>
}

// ∇U on the minibatch that starts at row %off.
func.func private @minibatch_grad(%x: tensor<1024x64xf32>, %y: tensor<1024xf32>,
                                  %w: tensor<64xf32>, %off: index) -> tensor<64xf32> {
  %zero = arith.constant 0.0 : f32
  %inv_n = arith.constant 7.812500e-03 : f32  // 1/128
  %lambda = arith.constant 1.0e-03 : f32
  %xb = tensor.extract_slice %x[%off, 0] [128, 64] [1, 1]
      : tensor<1024x64xf32> to tensor<128x64xf32>
  %yb = tensor.extract_slice %y[%off] [128] [1] : tensor<1024xf32> to tensor<128xf32>
  %e128 = tensor.empty() : tensor<128xf32>
  %acc128 = linalg.fill ins(%zero : f32) outs(%e128 : tensor<128xf32>) -> tensor<128xf32>
  %z = linalg.matvec ins(%xb, %w : tensor<128x64xf32>, tensor<64xf32>)
                     outs(%acc128 : tensor<128xf32>) -> tensor<128xf32>
  // r = (tanh z − y)·(1 − tanh² z), the loss derivative through the link.
  %r = linalg.generic {
      indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> (i)>,
                       affine_map<(i) -> (i)>],
      iterator_types = ["parallel"]}
      ins(%z, %yb : tensor<128xf32>, tensor<128xf32>) outs(%e128 : tensor<128xf32>) {
  ^bb0(%zi: f32, %yi: f32, %out: f32):
    %one = arith.constant 1.0 : f32
    %t = math.tanh %zi : f32
    %err = arith.subf %t, %yi : f32
    %t2 = arith.mulf %t, %t : f32
    %slope = arith.subf %one, %t2 : f32
    %ri = arith.mulf %err, %slope : f32
    linalg.yield %ri : f32
  } -> tensor<128xf32>
  %e64 = tensor.empty() : tensor<64xf32>
  %acc64 = linalg.fill ins(%zero : f32) outs(%e64 : tensor<64xf32>) -> tensor<64xf32>
  %xtr = linalg.vecmat ins(%r, %xb : tensor<128xf32>, tensor<128x64xf32>)
                       outs(%acc64 : tensor<64xf32>) -> tensor<64xf32>
  // g = X_bᵀr / n + λ·w.
  %g = linalg.generic {
      indexing_maps = [affine_map<(j) -> (j)>, affine_map<(j) -> (j)>,
                       affine_map<(j) -> (j)>],
      iterator_types = ["parallel"]}
      ins(%xtr, %w : tensor<64xf32>, tensor<64xf32>) outs(%e64 : tensor<64xf32>) {
  ^bb0(%s: f32, %wj: f32, %out: f32):
    %data = arith.mulf %s, %inv_n : f32
    %decay = arith.mulf %wj, %lambda : f32
    %gj = arith.addf %data, %decay : f32
    linalg.yield %gj : f32
  } -> tensor<64xf32>
  return %g : tensor<64xf32>
}

// One epoch: 8 Langevin steps over the minibatches in order. Consumes %key;
// the loop carries a key and splits it at every step.
func.func private @sgld_epoch(%key: !sto.key, %x: tensor<1024x64xf32>,
                              %y: tensor<1024xf32>, %w0: tensor<64xf32>)
    -> tensor<64xf32> {
  %c0 = arith.constant 0 : index
  %c8 = arith.constant 8 : index
  %c1 = arith.constant 1 : index
  %c128 = arith.constant 128 : index
  %w_end, %k_end = scf.for %b = %c0 to %c8 step %c1
      iter_args(%w = %w0, %k = %key) -> (tensor<64xf32>, !sto.key) {
    %k_next, %k_step = sto.split %k count 2
    %off = arith.muli %b, %c128 : index
    %g = func.call @minibatch_grad(%x, %y, %w, %off)
        : (tensor<1024x64xf32>, tensor<1024xf32>, tensor<64xf32>, index) -> tensor<64xf32>
    %w_new = sto.langevin_step %k_step, %w, %g
        {lr = 5.0e-02 : f64, temperature = 9.765625e-04 : f64} : tensor<64xf32>
    scf.yield %w_new, %k_next : tensor<64xf32>, !sto.key
  }
  return %w_end : tensor<64xf32>
}

func.func @langevin_swa(%x: tensor<1024x64xf32>, %y: tensor<1024xf32>,
                        %w0: tensor<64xf32>, %seed: i64)
    -> (tensor<64xf32>, tensor<64xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c25 = arith.constant 25 : index
  %root = sto.seed %seed : i64
  // Burn-in: 25 epochs, no averaging.
  %w_burn, %k_burn = scf.for %ep = %c0 to %c25 step %c1
      iter_args(%w = %w0, %k = %root) -> (tensor<64xf32>, !sto.key) {
    %k_next, %k_epoch = sto.split %k count 2
    %w_new = func.call @sgld_epoch(%k_epoch, %x, %y, %w)
        : (!sto.key, tensor<1024x64xf32>, tensor<1024xf32>, tensor<64xf32>) -> tensor<64xf32>
    scf.yield %w_new, %k_next : tensor<64xf32>, !sto.key
  }
  // Sampling: 25 more epochs; the average starts at the burn-in iterate (one
  // snapshot) and takes in the iterate at the end of every epoch.
  %w_last, %w_swa, %k_end = scf.for %ep = %c0 to %c25 step %c1
      iter_args(%w = %w_burn, %avg = %w_burn, %k = %k_burn)
      -> (tensor<64xf32>, tensor<64xf32>, !sto.key) {
    %k_next, %k_epoch = sto.split %k count 2
    %w_new = func.call @sgld_epoch(%k_epoch, %x, %y, %w)
        : (!sto.key, tensor<1024x64xf32>, tensor<1024xf32>, tensor<64xf32>) -> tensor<64xf32>
    %count = arith.addi %ep, %c1 : index
    %avg_new = sto.average %avg, %w_new, %count : tensor<64xf32>, index
    scf.yield %w_new, %avg_new, %k_next : tensor<64xf32>, tensor<64xf32>, !sto.key
  }
  return %w_last, %w_swa : tensor<64xf32>, tensor<64xf32>
}

func.func @single_index_risk(%x: tensor<1024x64xf32>, %y: tensor<1024xf32>,
                             %w: tensor<64xf32>) -> f32 {
  %zero = arith.constant 0.0 : f32
  %inv_2n = arith.constant 4.8828125e-04 : f32  // 1/2048
  %e = tensor.empty() : tensor<1024xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%e : tensor<1024xf32>) -> tensor<1024xf32>
  %z = linalg.matvec ins(%x, %w : tensor<1024x64xf32>, tensor<64xf32>)
                     outs(%acc : tensor<1024xf32>) -> tensor<1024xf32>
  %sq = linalg.generic {
      indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> (i)>,
                       affine_map<(i) -> (i)>],
      iterator_types = ["parallel"]}
      ins(%z, %y : tensor<1024xf32>, tensor<1024xf32>) outs(%e : tensor<1024xf32>) {
  ^bb0(%zi: f32, %yi: f32, %out: f32):
    %t = math.tanh %zi : f32
    %err = arith.subf %t, %yi : f32
    %e2 = arith.mulf %err, %err : f32
    linalg.yield %e2 : f32
  } -> tensor<1024xf32>
  %e0 = tensor.empty() : tensor<f32>
  %fill0 = linalg.fill ins(%zero : f32) outs(%e0 : tensor<f32>) -> tensor<f32>
  %total = linalg.reduce ins(%sq : tensor<1024xf32>) outs(%fill0 : tensor<f32>)
      dimensions = [0]
    (%in: f32, %a: f32) {
      %s = arith.addf %in, %a : f32
      linalg.yield %s : f32
    }
  %sum = tensor.extract %total[] : tensor<f32>
  %risk = arith.mulf %sum, %inv_2n : f32
  return %risk : f32
}
