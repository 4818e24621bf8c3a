// dp_sgd.mlir - differentially private SGD on a softmax-regression model.
//
// Model. Multinomial logistic regression, 128 features, 10 classes. The
// weights and the bias live in one parameter matrix θ [129, 10] whose last row
// is the bias, and every input gets a constant feature 1, so that one clip
// bounds the joint (weights, bias) gradient of a sample:
//
//   x̃_b     = [x_b, 1]                               [256, 129]
//   P       = softmax(x̃·θ)                           [256, 10]
//   g_b     = x̃_b ⊗ (P_b − onehot(label_b))          per-sample [256, 129, 10]
//   ĝ       = (Σ_b g_b·min(1, C/‖g_b‖) + σ·C·ξ) / B  C = 1, σ = 1.1, B = 256
//   θ'      = θ − lr·ĝ
//
// The per-sample gradients are computed in closed form with linalg (the
// gradient of the cross-entropy of a linear model is an outer product), the
// clip, sum and noise are sto.dp_aggregate.
//
// Paper. Abadi, Chu, Goodfellow, McMahan, Mironov, Talwar and Zhang, "Deep
// learning with differential privacy", CCS 2016 (algorithm 1: per-example
// clipping to norm C, Gaussian noise N(0, σ²C²) on the sum, averaging over
// the lot). The privacy accounting (moments accountant / RDP) is the
// caller's: it depends only on σ = 1.1, the sampling rate B/N and the number
// of steps, not on anything computed here. Batches are fixed-size slices of a
// caller-shuffled data set, not Poisson samples.
//
// Randomness. The noise of step t must be fresh and never reused: the key is
// fold_in(seed, t) in dp_sgd_step; dp_sgd_epoch folds the epoch number in
// and then threads a key through its loop, splitting it at every step.
//
// C entry points (tensors are row-major pointers):
//   dp_sgd_step(theta[129x10], x[256x128], labels[256] i32, lr f32, seed i64,
//               step i64) -> (theta'[129x10], loss f32)
//   dp_sgd_epoch(theta[129x10], x[2048x128], labels[2048] i32, lr f32,
//                seed i64, epoch i64) -> (theta'[129x10], mean loss f32)
//       8 steps over consecutive batches of 256
// The returned loss is the non-private mean cross-entropy of the batch before
// the update; it is for monitoring and is not covered by the DP guarantee.
// Keys: fold_in(seed, n) is the key of step n in dp_sgd_step and of epoch n in
// dp_sgd_epoch, so a run drives one seed through one of the two entry points
// only.

// One DP-SGD step on a batch. Consumes %key (the noise of this step).
func.func private @dp_step(%key: !sto.key, %theta: tensor<129x10xf32>,
                           %x: tensor<256x128xf32>, %labels: tensor<256xi32>,
                           %lr: f32) -> (tensor<129x10xf32>, f32) {
  %zero = arith.constant 0.0 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %inv_batch = arith.constant 3.906250e-03 : f32  // 1/256
  // Append the constant feature: x̃ = [x, 1].
  %ones = arith.constant dense<1.0> : tensor<256x129xf32>
  %xa = tensor.insert_slice %x into %ones[0, 0] [256, 128] [1, 1]
      : tensor<256x128xf32> into tensor<256x129xf32>
  // Logits and a numerically stable softmax.
  %e2 = tensor.empty() : tensor<256x10xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%e2 : tensor<256x10xf32>) -> tensor<256x10xf32>
  %logits = linalg.matmul ins(%xa, %theta : tensor<256x129xf32>, tensor<129x10xf32>)
                          outs(%acc : tensor<256x10xf32>) -> tensor<256x10xf32>
  %e1 = tensor.empty() : tensor<256xf32>
  %mfill = linalg.fill ins(%ninf : f32) outs(%e1 : tensor<256xf32>) -> tensor<256xf32>
  %rowmax = linalg.reduce ins(%logits : tensor<256x10xf32>) outs(%mfill : tensor<256xf32>)
      dimensions = [1]
    (%in: f32, %a: f32) {
      %m = arith.maximumf %in, %a : f32
      linalg.yield %m : f32
    }
  %ex = linalg.generic {
      indexing_maps = [affine_map<(b, c) -> (b, c)>, affine_map<(b, c) -> (b)>,
                       affine_map<(b, c) -> (b, c)>],
      iterator_types = ["parallel", "parallel"]}
      ins(%logits, %rowmax : tensor<256x10xf32>, tensor<256xf32>)
      outs(%e2 : tensor<256x10xf32>) {
  ^bb0(%l: f32, %m: f32, %out: f32):
    %s = arith.subf %l, %m : f32
    %v = math.exp %s : f32
    linalg.yield %v : f32
  } -> tensor<256x10xf32>
  %sfill = linalg.fill ins(%zero : f32) outs(%e1 : tensor<256xf32>) -> tensor<256xf32>
  %sumexp = linalg.reduce ins(%ex : tensor<256x10xf32>) outs(%sfill : tensor<256xf32>)
      dimensions = [1]
    (%in: f32, %a: f32) {
      %s = arith.addf %in, %a : f32
      linalg.yield %s : f32
    }
  // Residual R = P − onehot(label), and (l − max) at the label's column for
  // the loss, in one elementwise pass.
  %resid, %picked = linalg.generic {
      indexing_maps = [affine_map<(b, c) -> (b, c)>, affine_map<(b, c) -> (b, c)>,
                       affine_map<(b, c) -> (b)>, affine_map<(b, c) -> (b)>,
                       affine_map<(b, c) -> (b)>, affine_map<(b, c) -> (b, c)>,
                       affine_map<(b, c) -> (b, c)>],
      iterator_types = ["parallel", "parallel"]}
      ins(%ex, %logits, %rowmax, %sumexp, %labels
          : tensor<256x10xf32>, tensor<256x10xf32>, tensor<256xf32>, tensor<256xf32>,
            tensor<256xi32>)
      outs(%e2, %e2 : tensor<256x10xf32>, tensor<256x10xf32>) {
  ^bb0(%exv: f32, %l: f32, %m: f32, %se: f32, %lab: i32, %out: f32, %out2: f32):
    %c = linalg.index 1 : index
    %ci = arith.index_cast %c : index to i32
    %hit = arith.cmpi eq, %lab, %ci : i32
    %y = arith.uitofp %hit : i1 to f32
    %p = arith.divf %exv, %se : f32
    %r = arith.subf %p, %y : f32
    %sh = arith.subf %l, %m : f32
    %pick = arith.mulf %sh, %y : f32
    linalg.yield %r, %pick : f32, f32
  } -> (tensor<256x10xf32>, tensor<256x10xf32>)
  // −log p_label = log Σ exp − (l_label − max).
  %target = linalg.reduce ins(%picked : tensor<256x10xf32>) outs(%sfill : tensor<256xf32>)
      dimensions = [1]
    (%in: f32, %a: f32) {
      %s = arith.addf %in, %a : f32
      linalg.yield %s : f32
    }
  %lse = math.log %sumexp : tensor<256xf32>
  %nll = arith.subf %lse, %target : tensor<256xf32>
  // Per-sample gradients g[b, i, c] = x̃[b, i]·R[b, c].
  %e3 = tensor.empty() : tensor<256x129x10xf32>
  %per_sample = linalg.generic {
      indexing_maps = [affine_map<(b, i, c) -> (b, i)>, affine_map<(b, i, c) -> (b, c)>,
                       affine_map<(b, i, c) -> (b, i, c)>],
      iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%xa, %resid : tensor<256x129xf32>, tensor<256x10xf32>)
      outs(%e3 : tensor<256x129x10xf32>) {
  ^bb0(%xv: f32, %rv: f32, %out: f32):
    %g = arith.mulf %xv, %rv : f32
    linalg.yield %g : f32
  } -> tensor<256x129x10xf32>
  // Clip each sample's gradient to norm 1, sum, add N(0, (1.1·1)²) noise,
  // divide by the batch size.
  %g_priv = sto.dp_aggregate %key, %per_sample
      {clip_norm = 1.0 : f64, noise_multiplier = 1.1 : f64}
      : tensor<256x129x10xf32> -> tensor<129x10xf32>
  %et = tensor.empty() : tensor<129x10xf32>
  %theta_new = linalg.generic {
      indexing_maps = [affine_map<(i, c) -> (i, c)>, affine_map<(i, c) -> (i, c)>,
                       affine_map<(i, c) -> (i, c)>],
      iterator_types = ["parallel", "parallel"]}
      ins(%theta, %g_priv : tensor<129x10xf32>, tensor<129x10xf32>)
      outs(%et : tensor<129x10xf32>) {
  ^bb0(%t: f32, %g: f32, %out: f32):
    %step = arith.mulf %lr, %g : f32
    %tn = arith.subf %t, %step : f32
    linalg.yield %tn : f32
  } -> tensor<129x10xf32>
  // Mean loss of the batch (monitoring only).
  %e0 = tensor.empty() : tensor<f32>
  %fill0 = linalg.fill ins(%zero : f32) outs(%e0 : tensor<f32>) -> tensor<f32>
  %total = linalg.reduce ins(%nll : tensor<256xf32>) outs(%fill0 : tensor<f32>)
      dimensions = [0]
    (%in: f32, %a: f32) {
      %s = arith.addf %in, %a : f32
      linalg.yield %s : f32
    }
  %sum = tensor.extract %total[] : tensor<f32>
  %loss = arith.mulf %sum, %inv_batch : f32
  return %theta_new, %loss : tensor<129x10xf32>, f32
}

func.func @dp_sgd_step(%theta: tensor<129x10xf32>, %x: tensor<256x128xf32>,
                       %labels: tensor<256xi32>, %lr: f32, %seed: i64, %step: i64)
    -> (tensor<129x10xf32>, f32) {
  %root = sto.seed %seed : i64
  %key = sto.fold_in %root, %step : i64
  %theta_new, %loss = func.call @dp_step(%key, %theta, %x, %labels, %lr)
      : (!sto.key, tensor<129x10xf32>, tensor<256x128xf32>, tensor<256xi32>, f32)
      -> (tensor<129x10xf32>, f32)
  return %theta_new, %loss : tensor<129x10xf32>, f32
}

func.func @dp_sgd_epoch(%theta0: tensor<129x10xf32>, %x: tensor<2048x128xf32>,
                        %labels: tensor<2048xi32>, %lr: f32, %seed: i64, %epoch: i64)
    -> (tensor<129x10xf32>, f32) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %c256 = arith.constant 256 : index
  %zero = arith.constant 0.0 : f32
  %eighth = arith.constant 1.250000e-01 : f32
  %root = sto.seed %seed : i64
  %k_epoch = sto.fold_in %root, %epoch : i64
  %theta_end, %loss_sum, %k_end = scf.for %b = %c0 to %c8 step %c1
      iter_args(%theta = %theta0, %acc = %zero, %k = %k_epoch)
      -> (tensor<129x10xf32>, f32, !sto.key) {
    %k_next, %k_step = sto.split %k count 2
    %off = arith.muli %b, %c256 : index
    %xb = tensor.extract_slice %x[%off, 0] [256, 128] [1, 1]
        : tensor<2048x128xf32> to tensor<256x128xf32>
    %lb = tensor.extract_slice %labels[%off] [256] [1]
        : tensor<2048xi32> to tensor<256xi32>
    %theta_new, %loss = func.call @dp_step(%k_step, %theta, %xb, %lb, %lr)
        : (!sto.key, tensor<129x10xf32>, tensor<256x128xf32>, tensor<256xi32>, f32)
        -> (tensor<129x10xf32>, f32)
    %acc_new = arith.addf %acc, %loss : f32
    scf.yield %theta_new, %acc_new, %k_next : tensor<129x10xf32>, f32, !sto.key
  }
  %mean_loss = arith.mulf %loss_sum, %eighth : f32
  return %theta_end, %mean_loss : tensor<129x10xf32>, f32
}
