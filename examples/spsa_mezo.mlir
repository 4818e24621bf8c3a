// spsa_mezo.mlir - memory-efficient zeroth-order fine-tuning (MeZO): an SPSA
// step whose random direction is regenerated from one key, never stored.
//
// Model. A classification head fine-tuned on top of a frozen encoder: the
// caller passes 256-dimensional features of 64 examples (the encoder's
// output) and their labels (4 classes). The trainable head is
//
//   logits = relu(x·W1 + b1)·W2 + b2,   W1 [256, 32], b1 [32], W2 [32, 4], b2 [4]
//
// stored as ONE flat parameter vector θ of 256·32 + 32 + 32·4 + 4 = 8356
// floats (W1 row-major, then b1, W2, b2), the way zeroth-order trainers keep a
// flat parameter buffer. The loss is the mean softmax cross-entropy.
//
// One MeZO step (Malladi et al., algorithm 1) with ε = 1e-3, all from one key
// k = fold_in(seed, step) and z = z(k) ~ N(0, I_8356):
//
//   θ₊ = θ + ε·z            sto.spsa_perturb k, scale +ε
//   L₊ = L(θ₊)
//   θ₋ = θ₊ − 2ε·z          sto.spsa_perturb k, scale −2ε
//   L₋ = L(θ₋)
//   θ₀ = θ₋ + ε·z           sto.spsa_perturb k, scale +ε   (restore)
//   g  = (L₊ − L₋)/(2ε)     the projected gradient, a scalar
//   θ' = θ₀ − lr·g·z        sto.spsa_update k, lr = 1e-3
//
// The learning rate: |z|² ≈ d, so the usable rate of an SPSA step shrinks
// with the number of parameters d; the paper's 1e-6 to 1e-7 are for models
// of 10⁸ to 10¹⁰ parameters, and this head of 8356 trains at 1e-3 (at 1e-4
// the loss still falls, ten times more slowly).
//
// The key is replayed four times on purpose: every spsa op regenerates the
// same z from (k, element index), so z is never materialized and the step
// needs the memory of inference only. The key checker allows exactly this
// sharing (spsa_perturb/spsa_update with each other) and nothing else. θ₀
// equals θ up to rounding, as in MeZO's in-place restore.
//
// Paper. Malladi, Gao, Nichani, Damian, Lee, Chen and Arora, "Fine-tuning
// language models with just forward passes", NeurIPS 2023; SPSA itself is
// Spall, IEEE TAC 1992.
//
// C entry points (tensors are row-major pointers):
//   mezo_step(theta[8356], x[64x256], labels[64] i32, seed i64, step i64)
//       -> (theta'[8356], loss f32 = (L₊ + L₋)/2, projected_grad f32)
//   mezo_epoch(theta[8356], x[512x256], labels[512] i32, seed i64, epoch i64)
//       -> (theta'[8356], mean loss f32)    8 steps over batches of 64
//   head_loss(theta[8356], x[64x256], labels[64] i32) -> f32
//       the unperturbed loss, for evaluation

// L(θ): unpack the flat vector, run the head, mean cross-entropy.
func.func @head_loss(%theta: tensor<8356xf32>, %x: tensor<64x256xf32>,
                     %labels: tensor<64xi32>) -> f32 {
  %zero = arith.constant 0.0 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %inv_batch = arith.constant 1.562500e-02 : f32  // 1/64
  %w1f = tensor.extract_slice %theta[0] [8192] [1] : tensor<8356xf32> to tensor<8192xf32>
  %w1 = tensor.expand_shape %w1f [[0, 1]] output_shape [256, 32]
      : tensor<8192xf32> into tensor<256x32xf32>
  %b1 = tensor.extract_slice %theta[8192] [32] [1] : tensor<8356xf32> to tensor<32xf32>
  %w2f = tensor.extract_slice %theta[8224] [128] [1] : tensor<8356xf32> to tensor<128xf32>
  %w2 = tensor.expand_shape %w2f [[0, 1]] output_shape [32, 4]
      : tensor<128xf32> into tensor<32x4xf32>
  %b2 = tensor.extract_slice %theta[8352] [4] [1] : tensor<8356xf32> to tensor<4xf32>
  // Hidden layer: relu(x·W1 + b1).
  %eh = tensor.empty() : tensor<64x32xf32>
  %acch = linalg.fill ins(%zero : f32) outs(%eh : tensor<64x32xf32>) -> tensor<64x32xf32>
  %xw1 = linalg.matmul ins(%x, %w1 : tensor<64x256xf32>, tensor<256x32xf32>)
                       outs(%acch : tensor<64x32xf32>) -> tensor<64x32xf32>
  %h = linalg.generic {
      indexing_maps = [affine_map<(b, j) -> (b, j)>, affine_map<(b, j) -> (j)>,
                       affine_map<(b, j) -> (b, j)>],
      iterator_types = ["parallel", "parallel"]}
      ins(%xw1, %b1 : tensor<64x32xf32>, tensor<32xf32>) outs(%eh : tensor<64x32xf32>) {
  ^bb0(%v: f32, %bj: f32, %out: f32):
    %a = arith.addf %v, %bj : f32
    %r = arith.maximumf %a, %zero : f32
    linalg.yield %r : f32
  } -> tensor<64x32xf32>
  // Logits h·W2 + b2.
  %el = tensor.empty() : tensor<64x4xf32>
  %accl = linalg.fill ins(%zero : f32) outs(%el : tensor<64x4xf32>) -> tensor<64x4xf32>
  %hw2 = linalg.matmul ins(%h, %w2 : tensor<64x32xf32>, tensor<32x4xf32>)
                       outs(%accl : tensor<64x4xf32>) -> tensor<64x4xf32>
  %logits = linalg.generic {
      indexing_maps = [affine_map<(b, c) -> (b, c)>, affine_map<(b, c) -> (c)>,
                       affine_map<(b, c) -> (b, c)>],
      iterator_types = ["parallel", "parallel"]}
      ins(%hw2, %b2 : tensor<64x4xf32>, tensor<4xf32>) outs(%el : tensor<64x4xf32>) {
  ^bb0(%v: f32, %bc: f32, %out: f32):
    %a = arith.addf %v, %bc : f32
    linalg.yield %a : f32
  } -> tensor<64x4xf32>
  // Cross-entropy: log Σ exp(l − max) − (l_label − max), averaged.
  %e64 = tensor.empty() : tensor<64xf32>
  %mfill = linalg.fill ins(%ninf : f32) outs(%e64 : tensor<64xf32>) -> tensor<64xf32>
  %rowmax = linalg.reduce ins(%logits : tensor<64x4xf32>) outs(%mfill : tensor<64xf32>)
      dimensions = [1]
    (%in: f32, %a: f32) {
      %m = arith.maximumf %in, %a : f32
      linalg.yield %m : f32
    }
  %sfill = linalg.fill ins(%zero : f32) outs(%e64 : tensor<64xf32>) -> tensor<64xf32>
  %sums:2 = linalg.generic {
      indexing_maps = [affine_map<(b, c) -> (b, c)>, affine_map<(b, c) -> (b)>,
                       affine_map<(b, c) -> (b)>, affine_map<(b, c) -> (b)>,
                       affine_map<(b, c) -> (b)>],
      iterator_types = ["parallel", "reduction"]}
      ins(%logits, %rowmax, %labels : tensor<64x4xf32>, tensor<64xf32>, tensor<64xi32>)
      outs(%sfill, %sfill : tensor<64xf32>, tensor<64xf32>) {
  ^bb0(%l: f32, %m: f32, %lab: i32, %se: f32, %tg: f32):
    %c = linalg.index 1 : index
    %ci = arith.index_cast %c : index to i32
    %hit = arith.cmpi eq, %lab, %ci : i32
    %sh = arith.subf %l, %m : f32
    %ex = math.exp %sh : f32
    %se2 = arith.addf %se, %ex : f32
    %pick = arith.select %hit, %sh, %zero : f32
    %tg2 = arith.addf %tg, %pick : f32
    linalg.yield %se2, %tg2 : f32, f32
  } -> (tensor<64xf32>, tensor<64xf32>)
  %e0 = tensor.empty() : tensor<f32>
  %fill0 = linalg.fill ins(%zero : f32) outs(%e0 : tensor<f32>) -> tensor<f32>
  %total = linalg.generic {
      indexing_maps = [affine_map<(b) -> (b)>, affine_map<(b) -> (b)>,
                       affine_map<(b) -> ()>],
      iterator_types = ["reduction"]}
      ins(%sums#0, %sums#1 : tensor<64xf32>, tensor<64xf32>)
      outs(%fill0 : tensor<f32>) {
  ^bb0(%se: f32, %tg: f32, %acc: f32):
    %lse = math.log %se : f32
    %nll = arith.subf %lse, %tg : f32
    %s = arith.addf %acc, %nll : f32
    linalg.yield %s : f32
  } -> tensor<f32>
  %sum = tensor.extract %total[] : tensor<f32>
  %loss = arith.mulf %sum, %inv_batch : f32
  return %loss : f32
}

// One MeZO step from the key %k, which the four spsa ops replay. Returns the
// updated parameters, (L₊ + L₋)/2 and the projected gradient.
func.func private @mezo_update(%k: !sto.key, %theta: tensor<8356xf32>,
                               %x: tensor<64x256xf32>, %labels: tensor<64xi32>)
    -> (tensor<8356xf32>, f32, f32) {
  %inv_2eps = arith.constant 5.0e+02 : f32  // 1/(2ε), ε = 1e-3
  %half = arith.constant 5.0e-01 : f32
  %plus = sto.spsa_perturb %k, %theta {scale = 1.0e-03 : f64} : tensor<8356xf32>
  %l_plus = func.call @head_loss(%plus, %x, %labels)
      : (tensor<8356xf32>, tensor<64x256xf32>, tensor<64xi32>) -> f32
  %minus = sto.spsa_perturb %k, %plus {scale = -2.0e-03 : f64} : tensor<8356xf32>
  %l_minus = func.call @head_loss(%minus, %x, %labels)
      : (tensor<8356xf32>, tensor<64x256xf32>, tensor<64xi32>) -> f32
  %restored = sto.spsa_perturb %k, %minus {scale = 1.0e-03 : f64} : tensor<8356xf32>
  %diff = arith.subf %l_plus, %l_minus : f32
  %g = arith.mulf %diff, %inv_2eps : f32
  %theta_new = sto.spsa_update %k, %restored, %g {lr = 1.0e-03 : f64}
      : tensor<8356xf32>, f32
  %lsum = arith.addf %l_plus, %l_minus : f32
  %loss = arith.mulf %lsum, %half : f32
  return %theta_new, %loss, %g : tensor<8356xf32>, f32, f32
}

func.func @mezo_step(%theta: tensor<8356xf32>, %x: tensor<64x256xf32>,
                     %labels: tensor<64xi32>, %seed: i64, %step: i64)
    -> (tensor<8356xf32>, f32, f32) {
  %root = sto.seed %seed : i64
  %k = sto.fold_in %root, %step : i64
  %theta_new, %loss, %g = func.call @mezo_update(%k, %theta, %x, %labels)
      : (!sto.key, tensor<8356xf32>, tensor<64x256xf32>, tensor<64xi32>)
      -> (tensor<8356xf32>, f32, f32)
  return %theta_new, %loss, %g : tensor<8356xf32>, f32, f32
}

// Eight steps over consecutive batches of 64. The loop carries a key and
// splits it at every step; each step's key is replayed only inside its step.
func.func @mezo_epoch(%theta0: tensor<8356xf32>, %x: tensor<512x256xf32>,
                      %labels: tensor<512xi32>, %seed: i64, %epoch: i64)
    -> (tensor<8356xf32>, f32) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %c64 = arith.constant 64 : index
  %zero = arith.constant 0.0 : f32
  %eighth = arith.constant 1.250000e-01 : f32
  %root = sto.seed %seed : i64
  %k_epoch = sto.fold_in %root, %epoch : i64
  %theta_end, %loss_sum, %k_end = scf.for %s = %c0 to %c8 step %c1
      iter_args(%theta = %theta0, %acc = %zero, %k = %k_epoch)
      -> (tensor<8356xf32>, f32, !sto.key) {
    %k_next, %k_step = sto.split %k count 2
    %off = arith.muli %s, %c64 : index
    %xb = tensor.extract_slice %x[%off, 0] [64, 256] [1, 1]
        : tensor<512x256xf32> to tensor<64x256xf32>
    %lb = tensor.extract_slice %labels[%off] [64] [1] : tensor<512xi32> to tensor<64xi32>
    %theta_new, %loss, %g = func.call @mezo_update(%k_step, %theta, %xb, %lb)
        : (!sto.key, tensor<8356xf32>, tensor<64x256xf32>, tensor<64xi32>)
        -> (tensor<8356xf32>, f32, f32)
    %acc_new = arith.addf %acc, %loss : f32
    scf.yield %theta_new, %acc_new, %k_next : tensor<8356xf32>, f32, !sto.key
  }
  %mean = arith.mulf %loss_sum, %eighth : f32
  return %theta_end, %mean : tensor<8356xf32>, f32
}
