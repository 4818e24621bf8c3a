// mlp_dropout_noise.mlir - an MLP classifier regularized by input noise
// injection, dropout and Gaussian (multiplicative) dropout.
//
// Model. A 784-256-256-10 ReLU network for 28x28 images (MNIST-like), trained
// on minibatches of 64:
//
//   x~ = x + 0.1·ε,             ε ~ N(0, I)                     (input noise)
//   h1 = dropout_0.5(relu(x~·W1 + b1))                           (Bernoulli)
//   h2 = relu(h1·W2 + b2) ⊙ (1 + 1.0·ξ),  ξ ~ N(0, I)           (Gaussian dropout)
//   logits = h2·W3 + b3
//   loss = mean_b −log softmax(logits_b)[label_b]
//
// Papers. Gaussian noise on the inputs is Tikhonov regularization to first
// order (Bishop, "Training with noise is equivalent to Tikhonov
// regularization", Neural Computation 1995). Dropout and its Gaussian variant
// follow Srivastava, Hinton, Krizhevsky, Sutskever and Salakhutdinov,
// "Dropout: a simple way to prevent neural networks from overfitting", JMLR
// 2014: rate 0.5 on hidden units, and multiplicative N(1, p/(1−p)) noise, whose
// standard deviation is sqrt(0.5/0.5) = 1 at the same rate (their section 10).
// Both dropouts are "inverted": the training-time activations are already
// scaled so that evaluation uses the weights unchanged.
//
// Randomness. The caller passes a 64-bit seed; one key is made from it and
// split into one key per stochastic layer, so input noise, dropout mask and
// Gaussian dropout are independent streams. The training step number is
// folded into the key, so the caller may keep one seed for a whole run and
// still get a fresh mask at every step.
//
// C entry points (one per public function; tensors are row-major pointers):
//   mlp_forward_train(x[64x784], w1[784x256], b1[256], w2[256x256], b2[256],
//                     w3[256x10], b3[10], seed, step) -> logits[64x10]
//   mlp_train_loss(x, w1, b1, w2, b2, w3, b3, labels[64] i32, seed, step)
//                     -> (loss f32, logits[64x10])
//   mlp_predict(x, w1, b1, w2, b2, w3, b3) -> class ids[64] i32
//                     (evaluation mode: no noise, no dropout)
// mlp_train_loss is the function that `sto-autodiff` differentiates with
// respect to the weights; the noise and dropout ops differentiate pathwise.
// The differentiable path uses only the ops that the design's gradient
// section lists (arith/math on tensors, linalg matmul/broadcast/reduce);
// linalg.generic appears only where no gradient flows (one-hot labels, argmax).

// x·W + b (b broadcast over the rows) for the 64-row minibatch.
func.func private @dense_256(%x: tensor<64x784xf32>, %w: tensor<784x256xf32>,
                             %b: tensor<256xf32>) -> tensor<64x256xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<64x256xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%e : tensor<64x256xf32>) -> tensor<64x256xf32>
  %xw = linalg.matmul ins(%x, %w : tensor<64x784xf32>, tensor<784x256xf32>)
                      outs(%acc : tensor<64x256xf32>) -> tensor<64x256xf32>
  %bb = linalg.broadcast ins(%b : tensor<256xf32>) outs(%e : tensor<64x256xf32>)
                         dimensions = [0]
  %y = arith.addf %xw, %bb : tensor<64x256xf32>
  return %y : tensor<64x256xf32>
}

func.func private @dense_256x256(%x: tensor<64x256xf32>, %w: tensor<256x256xf32>,
                                 %b: tensor<256xf32>) -> tensor<64x256xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<64x256xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%e : tensor<64x256xf32>) -> tensor<64x256xf32>
  %xw = linalg.matmul ins(%x, %w : tensor<64x256xf32>, tensor<256x256xf32>)
                      outs(%acc : tensor<64x256xf32>) -> tensor<64x256xf32>
  %bb = linalg.broadcast ins(%b : tensor<256xf32>) outs(%e : tensor<64x256xf32>)
                         dimensions = [0]
  %y = arith.addf %xw, %bb : tensor<64x256xf32>
  return %y : tensor<64x256xf32>
}

func.func private @dense_10(%x: tensor<64x256xf32>, %w: tensor<256x10xf32>,
                            %b: tensor<10xf32>) -> tensor<64x10xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<64x10xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%e : tensor<64x10xf32>) -> tensor<64x10xf32>
  %xw = linalg.matmul ins(%x, %w : tensor<64x256xf32>, tensor<256x10xf32>)
                      outs(%acc : tensor<64x10xf32>) -> tensor<64x10xf32>
  %bb = linalg.broadcast ins(%b : tensor<10xf32>) outs(%e : tensor<64x10xf32>)
                         dimensions = [0]
  %y = arith.addf %xw, %bb : tensor<64x10xf32>
  return %y : tensor<64x10xf32>
}

func.func private @relu(%x: tensor<64x256xf32>) -> tensor<64x256xf32> {
  %zeros = arith.constant dense<0.0> : tensor<64x256xf32>
  %y = arith.maximumf %x, %zeros : tensor<64x256xf32>
  return %y : tensor<64x256xf32>
}

// The stochastic forward pass. It consumes `%key` (a call passes the key on,
// so the caller may not use it again) and splits it into one key per layer.
func.func private @forward_train(%key: !sto.key, %x: tensor<64x784xf32>,
                                 %w1: tensor<784x256xf32>, %b1: tensor<256xf32>,
                                 %w2: tensor<256x256xf32>, %b2: tensor<256xf32>,
                                 %w3: tensor<256x10xf32>, %b3: tensor<10xf32>)
    -> tensor<64x10xf32> {
  %k_in, %k_drop, %k_gauss = sto.split %key count 3
  // Input noise injection, σ = 0.1 on pixels in [0, 1].
  %xn = sto.noise %k_in, %x {scale = 1.0e-01 : f64} : tensor<64x784xf32>
  %a1 = func.call @dense_256(%xn, %w1, %b1)
      : (tensor<64x784xf32>, tensor<784x256xf32>, tensor<256xf32>) -> tensor<64x256xf32>
  %h1 = func.call @relu(%a1) : (tensor<64x256xf32>) -> tensor<64x256xf32>
  // Bernoulli dropout, rate 0.5, kept units scaled by 2.
  %h1d = sto.dropout %k_drop, %h1 {rate = 5.0e-01 : f64} : tensor<64x256xf32>
  %a2 = func.call @dense_256x256(%h1d, %w2, %b2)
      : (tensor<64x256xf32>, tensor<256x256xf32>, tensor<256xf32>) -> tensor<64x256xf32>
  %h2 = func.call @relu(%a2) : (tensor<64x256xf32>) -> tensor<64x256xf32>
  // Gaussian dropout: multiplicative N(1, 1) noise, the same variance as
  // Bernoulli dropout at rate 0.5.
  %h2d = sto.noise %k_gauss, %h2 {mode = #sto.noise_mode<multiplicative>,
                                  scale = 1.0 : f64} : tensor<64x256xf32>
  %logits = func.call @dense_10(%h2d, %w3, %b3)
      : (tensor<64x256xf32>, tensor<256x10xf32>, tensor<10xf32>) -> tensor<64x10xf32>
  return %logits : tensor<64x10xf32>
}

// Mean softmax cross-entropy of 64 rows of logits against integer labels.
func.func private @cross_entropy(%logits: tensor<64x10xf32>, %labels: tensor<64xi32>)
    -> f32 {
  %zero = arith.constant 0.0 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %inv_batch = arith.constant 1.562500e-02 : f32  // 1/64
  %e64 = tensor.empty() : tensor<64xf32>
  %e6410 = tensor.empty() : tensor<64x10xf32>
  // One-hot targets (no gradient flows into integer labels).
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
  // Numerically stable log-softmax: subtract the row maximum.
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

// Training-mode logits of one minibatch at training step `%step`.
func.func @mlp_forward_train(%x: tensor<64x784xf32>,
                             %w1: tensor<784x256xf32>, %b1: tensor<256xf32>,
                             %w2: tensor<256x256xf32>, %b2: tensor<256xf32>,
                             %w3: tensor<256x10xf32>, %b3: tensor<10xf32>,
                             %seed: i64, %step: i64) -> tensor<64x10xf32> {
  %root = sto.seed %seed : i64
  %key = sto.fold_in %root, %step : i64
  %logits = func.call @forward_train(%key, %x, %w1, %b1, %w2, %b2, %w3, %b3)
      : (!sto.key, tensor<64x784xf32>, tensor<784x256xf32>, tensor<256xf32>,
         tensor<256x256xf32>, tensor<256xf32>, tensor<256x10xf32>, tensor<10xf32>)
      -> tensor<64x10xf32>
  return %logits : tensor<64x10xf32>
}

// The training objective of one minibatch: mean cross-entropy of the noisy,
// dropped-out network, and the logits it was computed from.
func.func @mlp_train_loss(%x: tensor<64x784xf32>,
                          %w1: tensor<784x256xf32>, %b1: tensor<256xf32>,
                          %w2: tensor<256x256xf32>, %b2: tensor<256xf32>,
                          %w3: tensor<256x10xf32>, %b3: tensor<10xf32>,
                          %labels: tensor<64xi32>, %seed: i64, %step: i64)
    -> (f32, tensor<64x10xf32>) {
  %root = sto.seed %seed : i64
  %key = sto.fold_in %root, %step : i64
  %logits = func.call @forward_train(%key, %x, %w1, %b1, %w2, %b2, %w3, %b3)
      : (!sto.key, tensor<64x784xf32>, tensor<784x256xf32>, tensor<256xf32>,
         tensor<256x256xf32>, tensor<256xf32>, tensor<256x10xf32>, tensor<10xf32>)
      -> tensor<64x10xf32>
  %loss = func.call @cross_entropy(%logits, %labels)
      : (tensor<64x10xf32>, tensor<64xi32>) -> f32
  return %loss, %logits : f32, tensor<64x10xf32>
}

// Evaluation: the deterministic network (inverted dropout needs no rescaling
// here) and the argmax class of each row, ties to the lower class id.
func.func @mlp_predict(%x: tensor<64x784xf32>,
                       %w1: tensor<784x256xf32>, %b1: tensor<256xf32>,
                       %w2: tensor<256x256xf32>, %b2: tensor<256xf32>,
                       %w3: tensor<256x10xf32>, %b3: tensor<10xf32>)
    -> tensor<64xi32> {
  %a1 = func.call @dense_256(%x, %w1, %b1)
      : (tensor<64x784xf32>, tensor<784x256xf32>, tensor<256xf32>) -> tensor<64x256xf32>
  %h1 = func.call @relu(%a1) : (tensor<64x256xf32>) -> tensor<64x256xf32>
  %a2 = func.call @dense_256x256(%h1, %w2, %b2)
      : (tensor<64x256xf32>, tensor<256x256xf32>, tensor<256xf32>) -> tensor<64x256xf32>
  %h2 = func.call @relu(%a2) : (tensor<64x256xf32>) -> tensor<64x256xf32>
  %logits = func.call @dense_10(%h2, %w3, %b3)
      : (tensor<64x256xf32>, tensor<256x10xf32>, tensor<10xf32>) -> tensor<64x10xf32>
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
