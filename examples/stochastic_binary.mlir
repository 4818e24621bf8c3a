// stochastic_binary.mlir - a layer of stochastic binary neurons, trained with
// each of the four gradient estimators of the sto dialect.
//
// Model. A classifier whose 128 hidden units are binary random variables:
//
//   p      = sigmoid(x·W1 + b1)                 x: [64, 256], p: [64, 128]
//   h      ~ Bernoulli(p)                       (one sample per unit)
//   logits = h·W2 + b2                          [64, 10]
//   loss   = mean_b −log softmax(logits_b)[label_b]
//
// The sample h is discrete, so ∂loss/∂p does not exist pathwise. Each public
// function below is the same model with a different `#sto.estimator`, which
// tells `sto-autodiff` how to push the gradient through the sample:
//
//   sbn_loss_straight_through          the sample's gradient passes to p
//                                      unchanged, ∂h/∂p := 1 (Bengio, Léonard
//                                      and Courville 2013, "Estimating or
//                                      propagating gradients through stochastic
//                                      neurons for conditional computation",
//                                      arXiv:1308.3432; Hinton's 2012 lectures)
//   sbn_loss_straight_through_sigmoid  the straight-through gradient scaled by
//                                      the slope p·(1 − p) of the sigmoid that
//                                      made p (Bengio et al. 2013)
//   sbn_loss_reinforce                 score function (Williams 1992):
//                                      (loss − baseline)·∂log P(h)/∂p, with the
//                                      constant baseline ln 10 ≈ 2.3, the loss of
//                                      a uniform 10-way guess, to cut variance
//   sbn_loss_stochastic_times_smooth   h = sqrt(p)·b, b ~ Bernoulli(sqrt(p)),
//                                      gradient through sqrt(p) only (the
//                                      "stochastic times smooth" unit of
//                                      Bengio et al. 2013)
//
// Randomness. The caller passes a seed and the training step; the step is
// folded into the seed's key, so each step draws a fresh sample and a run is
// reproducible from (seed, step) alone.
//
// C entry points (tensors are row-major pointers):
//   sbn_loss_<estimator>(x[64x256], w1[256x128], b1[128], w2[128x10], b2[10],
//                        labels[64] i32, seed i64, step i64)
//       -> (loss f32, h[64x128] the sampled binary code)
//   sbn_predict(x, w1, b1, w2, b2) -> class ids[64] i32
//       (evaluation: the deterministic code h = [p > 1/2])

// p = sigmoid(x·W1 + b1).
func.func private @encode(%x: tensor<64x256xf32>, %w1: tensor<256x128xf32>,
                          %b1: tensor<128xf32>) -> tensor<64x128xf32> {
  %zero = arith.constant 0.0 : f32
  %ones = arith.constant dense<1.0> : tensor<64x128xf32>
  %e = tensor.empty() : tensor<64x128xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%e : tensor<64x128xf32>) -> tensor<64x128xf32>
  %xw = linalg.matmul ins(%x, %w1 : tensor<64x256xf32>, tensor<256x128xf32>)
                      outs(%acc : tensor<64x128xf32>) -> tensor<64x128xf32>
  %bb = linalg.broadcast ins(%b1 : tensor<128xf32>) outs(%e : tensor<64x128xf32>)
                         dimensions = [0]
  %a = arith.addf %xw, %bb : tensor<64x128xf32>
  %na = arith.negf %a : tensor<64x128xf32>
  %ex = math.exp %na : tensor<64x128xf32>
  %den = arith.addf %ones, %ex : tensor<64x128xf32>
  %p = arith.divf %ones, %den : tensor<64x128xf32>
  return %p : tensor<64x128xf32>
}

// logits = h·W2 + b2.
func.func private @decode(%h: tensor<64x128xf32>, %w2: tensor<128x10xf32>,
                          %b2: tensor<10xf32>) -> tensor<64x10xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<64x10xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%e : tensor<64x10xf32>) -> tensor<64x10xf32>
  %hw = linalg.matmul ins(%h, %w2 : tensor<64x128xf32>, tensor<128x10xf32>)
                      outs(%acc : tensor<64x10xf32>) -> tensor<64x10xf32>
  %bb = linalg.broadcast ins(%b2 : tensor<10xf32>) outs(%e : tensor<64x10xf32>)
                         dimensions = [0]
  %logits = arith.addf %hw, %bb : tensor<64x10xf32>
  return %logits : tensor<64x10xf32>
}

// Mean softmax cross-entropy against integer labels.
func.func private @cross_entropy(%logits: tensor<64x10xf32>, %labels: tensor<64xi32>)
    -> f32 {
  %zero = arith.constant 0.0 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %inv_batch = arith.constant 1.562500e-02 : f32  // 1/64
  %e64 = tensor.empty() : tensor<64xf32>
  %e6410 = tensor.empty() : tensor<64x10xf32>
  %onehot = linalg.generic {
      indexing_maps = [affine_map<(b, c) -> (b)>, affine_map<(b, c) -> (b, c)>],
      iterator_types = ["parallel", "parallel"]}
      ins(%labels : tensor<64xi32>) outs(%e6410 : tensor<64x10xf32>) {
  ^bb0(%l: i32, %out: f32):
    %c = linalg.index 1 : index
    %ci = arith.index_cast %c : index to i32
    %hit = arith.cmpi eq, %l, %ci : i32
    %v = arith.uitofp %hit : i1 to f32
    linalg.yield %v : f32
  } -> tensor<64x10xf32>
  %mfill = linalg.fill ins(%ninf : f32) outs(%e64 : tensor<64xf32>) -> tensor<64xf32>
  %rowmax = linalg.reduce ins(%logits : tensor<64x10xf32>) outs(%mfill : tensor<64xf32>)
      dimensions = [1]
    (%in: f32, %acc: f32) {
      %m = arith.maximumf %in, %acc : f32
      linalg.yield %m : f32
    }
  %rowmax_b = linalg.broadcast ins(%rowmax : tensor<64xf32>)
                               outs(%e6410 : tensor<64x10xf32>) dimensions = [1]
  %shifted = arith.subf %logits, %rowmax_b : tensor<64x10xf32>
  %exp = math.exp %shifted : tensor<64x10xf32>
  %sfill = linalg.fill ins(%zero : f32) outs(%e64 : tensor<64xf32>) -> tensor<64xf32>
  %sumexp = linalg.reduce ins(%exp : tensor<64x10xf32>) outs(%sfill : tensor<64xf32>)
      dimensions = [1]
    (%in: f32, %acc: f32) {
      %s = arith.addf %in, %acc : f32
      linalg.yield %s : f32
    }
  %lse = math.log %sumexp : tensor<64xf32>
  %picked = arith.mulf %shifted, %onehot : tensor<64x10xf32>
  %target = linalg.reduce ins(%picked : tensor<64x10xf32>) outs(%sfill : tensor<64xf32>)
      dimensions = [1]
    (%in: f32, %acc: f32) {
      %s = arith.addf %in, %acc : f32
      linalg.yield %s : f32
    }
  %nll = arith.subf %lse, %target : tensor<64xf32>
  %e0 = tensor.empty() : tensor<f32>
  %tfill = linalg.fill ins(%zero : f32) outs(%e0 : tensor<f32>) -> tensor<f32>
  %total = linalg.reduce ins(%nll : tensor<64xf32>) outs(%tfill : tensor<f32>)
      dimensions = [0]
    (%in: f32, %acc: f32) {
      %s = arith.addf %in, %acc : f32
      linalg.yield %s : f32
    }
  %sum = tensor.extract %total[] : tensor<f32>
  %loss = arith.mulf %sum, %inv_batch : f32
  return %loss : f32
}

func.func @sbn_loss_straight_through(%x: tensor<64x256xf32>,
                                     %w1: tensor<256x128xf32>, %b1: tensor<128xf32>,
                                     %w2: tensor<128x10xf32>, %b2: tensor<10xf32>,
                                     %labels: tensor<64xi32>, %seed: i64, %step: i64)
    -> (f32, tensor<64x128xf32>) {
  %root = sto.seed %seed : i64
  %key = sto.fold_in %root, %step : i64
  %p = func.call @encode(%x, %w1, %b1)
      : (tensor<64x256xf32>, tensor<256x128xf32>, tensor<128xf32>) -> tensor<64x128xf32>
  %h = sto.stochastic_binary %key, %p
      {estimator = #sto.estimator<straight_through>} : tensor<64x128xf32>
  %logits = func.call @decode(%h, %w2, %b2)
      : (tensor<64x128xf32>, tensor<128x10xf32>, tensor<10xf32>) -> tensor<64x10xf32>
  %loss = func.call @cross_entropy(%logits, %labels)
      : (tensor<64x10xf32>, tensor<64xi32>) -> f32
  return %loss, %h : f32, tensor<64x128xf32>
}

func.func @sbn_loss_straight_through_sigmoid(%x: tensor<64x256xf32>,
                                             %w1: tensor<256x128xf32>, %b1: tensor<128xf32>,
                                             %w2: tensor<128x10xf32>, %b2: tensor<10xf32>,
                                             %labels: tensor<64xi32>, %seed: i64,
                                             %step: i64)
    -> (f32, tensor<64x128xf32>) {
  %root = sto.seed %seed : i64
  %key = sto.fold_in %root, %step : i64
  %p = func.call @encode(%x, %w1, %b1)
      : (tensor<64x256xf32>, tensor<256x128xf32>, tensor<128xf32>) -> tensor<64x128xf32>
  %h = sto.stochastic_binary %key, %p
      {estimator = #sto.estimator<straight_through_sigmoid>} : tensor<64x128xf32>
  %logits = func.call @decode(%h, %w2, %b2)
      : (tensor<64x128xf32>, tensor<128x10xf32>, tensor<10xf32>) -> tensor<64x10xf32>
  %loss = func.call @cross_entropy(%logits, %labels)
      : (tensor<64x10xf32>, tensor<64xi32>) -> f32
  return %loss, %h : f32, tensor<64x128xf32>
}

// REINFORCE needs the scalar loss of the function, which is its first result.
func.func @sbn_loss_reinforce(%x: tensor<64x256xf32>,
                              %w1: tensor<256x128xf32>, %b1: tensor<128xf32>,
                              %w2: tensor<128x10xf32>, %b2: tensor<10xf32>,
                              %labels: tensor<64xi32>, %seed: i64, %step: i64)
    -> (f32, tensor<64x128xf32>) {
  %root = sto.seed %seed : i64
  %key = sto.fold_in %root, %step : i64
  %p = func.call @encode(%x, %w1, %b1)
      : (tensor<64x256xf32>, tensor<256x128xf32>, tensor<128xf32>) -> tensor<64x128xf32>
  %h = sto.stochastic_binary %key, %p
      {estimator = #sto.estimator<reinforce, baseline = 2.302585 : f64>}
      : tensor<64x128xf32>
  %logits = func.call @decode(%h, %w2, %b2)
      : (tensor<64x128xf32>, tensor<128x10xf32>, tensor<10xf32>) -> tensor<64x10xf32>
  %loss = func.call @cross_entropy(%logits, %labels)
      : (tensor<64x10xf32>, tensor<64xi32>) -> f32
  return %loss, %h : f32, tensor<64x128xf32>
}

// Here h takes the values 0 and sqrt(p), not 0 and 1.
func.func @sbn_loss_stochastic_times_smooth(%x: tensor<64x256xf32>,
                                            %w1: tensor<256x128xf32>, %b1: tensor<128xf32>,
                                            %w2: tensor<128x10xf32>, %b2: tensor<10xf32>,
                                            %labels: tensor<64xi32>, %seed: i64,
                                            %step: i64)
    -> (f32, tensor<64x128xf32>) {
  %root = sto.seed %seed : i64
  %key = sto.fold_in %root, %step : i64
  %p = func.call @encode(%x, %w1, %b1)
      : (tensor<64x256xf32>, tensor<256x128xf32>, tensor<128xf32>) -> tensor<64x128xf32>
  %h = sto.stochastic_binary %key, %p
      {estimator = #sto.estimator<stochastic_times_smooth>} : tensor<64x128xf32>
  %logits = func.call @decode(%h, %w2, %b2)
      : (tensor<64x128xf32>, tensor<128x10xf32>, tensor<10xf32>) -> tensor<64x10xf32>
  %loss = func.call @cross_entropy(%logits, %labels)
      : (tensor<64x10xf32>, tensor<64xi32>) -> f32
  return %loss, %h : f32, tensor<64x128xf32>
}

// Evaluation with the most likely code h = [p > 1/2] and the argmax class.
func.func @sbn_predict(%x: tensor<64x256xf32>,
                       %w1: tensor<256x128xf32>, %b1: tensor<128xf32>,
                       %w2: tensor<128x10xf32>, %b2: tensor<10xf32>) -> tensor<64xi32> {
  %half = arith.constant dense<5.0e-01> : tensor<64x128xf32>
  %p = func.call @encode(%x, %w1, %b1)
      : (tensor<64x256xf32>, tensor<256x128xf32>, tensor<128xf32>) -> tensor<64x128xf32>
  %on = arith.cmpf ogt, %p, %half : tensor<64x128xf32>
  %h = arith.uitofp %on : tensor<64x128xi1> to tensor<64x128xf32>
  %logits = func.call @decode(%h, %w2, %b2)
      : (tensor<64x128xf32>, tensor<128x10xf32>, tensor<10xf32>) -> tensor<64x10xf32>
  %ninf = arith.constant 0xFF800000 : f32
  %c0 = arith.constant 0 : i32
  %e = tensor.empty() : tensor<64xf32>
  %ei = tensor.empty() : tensor<64xi32>
  %mfill = linalg.fill ins(%ninf : f32) outs(%e : tensor<64xf32>) -> tensor<64xf32>
  %ifill = linalg.fill ins(%c0 : i32) outs(%ei : tensor<64xi32>) -> tensor<64xi32>
  %best:2 = linalg.generic {
      indexing_maps = [affine_map<(b, c) -> (b, c)>, affine_map<(b, c) -> (b)>,
                       affine_map<(b, c) -> (b)>],
      iterator_types = ["parallel", "reduction"]}
      ins(%logits : tensor<64x10xf32>)
      outs(%mfill, %ifill : tensor<64xf32>, tensor<64xi32>) {
  ^bb0(%v: f32, %m: f32, %i: i32):
    %c = linalg.index 1 : index
    %ci = arith.index_cast %c : index to i32
    %gt = arith.cmpf ogt, %v, %m : f32
    %nm = arith.select %gt, %v, %m : f32
    %ni = arith.select %gt, %ci, %i : i32
    linalg.yield %nm, %ni : f32, i32
  } -> (tensor<64xf32>, tensor<64xi32>)
  return %best#1 : tensor<64xi32>
}
