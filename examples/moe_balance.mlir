// moe_balance.mlir - auxiliary-loss-free load balancing of a top-2
// mixture-of-experts layer whose router is deliberately skewed.
//
// Model. 1024 tokens of width 64 are routed to 2 of 16 expert MLPs
// (64 -> 128 -> 64, ReLU):
//
//   logits     = x·Wg + skew                           [1024, 16]
//                (skew: a fixed per-expert offset that favours the first
//                experts, the imbalance the bias has to undo)
//   w, idx     = top-2 of sigmoid affinities, selected on
//                logits + bias + 0.05·ε, weights renormalized over the two
//   load       = tokens per expert                     [16] i32
//   bias'      = bias + 0.02·sign(mean(load) − load)
//   buf, slot  = dispatch(x, idx), capacity 160 per expert
//                (capacity factor 1.25: 1.25·1024·2/16 = 160)
//   y          = W2_e·relu(W1_e·buf_e)                 two batched matmuls
//   out        = combine(y, w, idx, slot)              [1024, 64]
//   imbalance  = E·Σ_e f_e·P_e                         (the Switch balance
//                loss with α = 1: 1 when load and affinity are uniform)
//
// Calling moe_balance_step repeatedly, feeding bias' back as bias, is the
// update of Wang et al., "Auxiliary-loss-free load balancing strategy for
// mixture-of-experts", arXiv:2408.15664, 2024 (DeepSeek-V3 uses it with
// sigmoid affinities, as here): the bias only steers which experts are
// selected, never the weights, and moves by a fixed step towards the mean
// load. examples/drivers/moe_balance.c runs it on a fixed batch and prints
// max/mean load and the choices dropped at capacity step by step.
//
// Randomness. Only the gate's exploration noise; its key is
// fold_in(seed(seed), step). Dispatch is deterministic: first choices in
// token order, then second choices; a choice that finds its expert full is
// dropped (slot −1).
//
// C entry point (tensors are row-major pointers):
//   moe_balance_step(x[1024x64], wg[64x16], skew[16], bias[16],
//                    w1[16x64x128], w2[16x128x64], seed i64, step i64)
//       -> (out[1024x64], new_bias[16], load[16] i32, weights[1024x2],
//           indices[1024x2] i32, slot[1024x2] i32, imbalance f32)

// Router logits x·Wg + skew.
func.func private @router_logits(%x: tensor<1024x64xf32>, %wg: tensor<64x16xf32>,
                                 %skew: tensor<16xf32>) -> tensor<1024x16xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1024x16xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%e : tensor<1024x16xf32>) -> tensor<1024x16xf32>
  %l = linalg.matmul ins(%x, %wg : tensor<1024x64xf32>, tensor<64x16xf32>)
                     outs(%acc : tensor<1024x16xf32>) -> tensor<1024x16xf32>
  %sb = linalg.broadcast ins(%skew : tensor<16xf32>) outs(%e : tensor<1024x16xf32>)
                         dimensions = [0]
  %r = arith.addf %l, %sb : tensor<1024x16xf32>
  return %r : tensor<1024x16xf32>
}

// The experts on their capacity buffers: W2_e·relu(W1_e·buf_e).
func.func private @experts(%buf: tensor<16x160x64xf32>, %w1: tensor<16x64x128xf32>,
                           %w2: tensor<16x128x64xf32>) -> tensor<16x160x64xf32> {
  %zero = arith.constant 0.0 : f32
  %zeros = arith.constant dense<0.0> : tensor<16x160x128xf32>
  %eh = tensor.empty() : tensor<16x160x128xf32>
  %acc1 = linalg.fill ins(%zero : f32) outs(%eh : tensor<16x160x128xf32>)
      -> tensor<16x160x128xf32>
  %a = linalg.batch_matmul ins(%buf, %w1 : tensor<16x160x64xf32>, tensor<16x64x128xf32>)
                           outs(%acc1 : tensor<16x160x128xf32>) -> tensor<16x160x128xf32>
  %h = arith.maximumf %a, %zeros : tensor<16x160x128xf32>
  %ey = tensor.empty() : tensor<16x160x64xf32>
  %acc2 = linalg.fill ins(%zero : f32) outs(%ey : tensor<16x160x64xf32>)
      -> tensor<16x160x64xf32>
  %y = linalg.batch_matmul ins(%h, %w2 : tensor<16x160x128xf32>, tensor<16x128x64xf32>)
                           outs(%acc2 : tensor<16x160x64xf32>) -> tensor<16x160x64xf32>
  return %y : tensor<16x160x64xf32>
}

// Sigmoid affinities normalized over the experts, the P of the balance loss.
func.func private @affinities(%logits: tensor<1024x16xf32>) -> tensor<1024x16xf32> {
  %zero = arith.constant 0.0 : f32
  %ones = arith.constant dense<1.0> : tensor<1024x16xf32>
  %nl = arith.negf %logits : tensor<1024x16xf32>
  %ex = math.exp %nl : tensor<1024x16xf32>
  %den = arith.addf %ones, %ex : tensor<1024x16xf32>
  %s = arith.divf %ones, %den : tensor<1024x16xf32>
  %e = tensor.empty() : tensor<1024xf32>
  %fill = linalg.fill ins(%zero : f32) outs(%e : tensor<1024xf32>) -> tensor<1024xf32>
  %rowsum = linalg.reduce ins(%s : tensor<1024x16xf32>) outs(%fill : tensor<1024xf32>)
      dimensions = [1]
    (%in: f32, %acc: f32) {
      %t = arith.addf %in, %acc : f32
      linalg.yield %t : f32
    }
  %e2 = tensor.empty() : tensor<1024x16xf32>
  %rb = linalg.broadcast ins(%rowsum : tensor<1024xf32>) outs(%e2 : tensor<1024x16xf32>)
                         dimensions = [1]
  %p = arith.divf %s, %rb : tensor<1024x16xf32>
  return %p : tensor<1024x16xf32>
}

// One forward pass of the layer and one bias update.
func.func @moe_balance_step(%x: tensor<1024x64xf32>, %wg: tensor<64x16xf32>,
                            %skew: tensor<16xf32>, %bias: tensor<16xf32>,
                            %w1: tensor<16x64x128xf32>, %w2: tensor<16x128x64xf32>,
                            %seed: i64, %step: i64)
    -> (tensor<1024x64xf32>, tensor<16xf32>, tensor<16xi32>, tensor<1024x2xf32>,
        tensor<1024x2xi32>, tensor<1024x2xi32>, f32) {
  %root = sto.seed %seed : i64
  %key = sto.fold_in %root, %step : i64
  %logits = func.call @router_logits(%x, %wg, %skew)
      : (tensor<1024x64xf32>, tensor<64x16xf32>, tensor<16xf32>) -> tensor<1024x16xf32>
  %w, %idx = sto.topk_gate %logits bias %bias key %key
      {k = 2 : i64, noise_stddev = 5.0e-02 : f64, affinity = #sto.affinity<sigmoid>}
      : tensor<1024x16xf32>, tensor<16xf32> -> tensor<1024x2xf32>, tensor<1024x2xi32>
  %load = sto.expert_load %idx {num_experts = 16 : i64} : tensor<1024x2xi32>
  %new_bias = sto.balance_bias %bias, %load {rate = 2.0e-02 : f64}
      : tensor<16xf32>, tensor<16xi32>
  %buf, %slot = sto.dispatch %x, %idx {num_experts = 16 : i64, capacity = 160 : i64}
      : tensor<1024x64xf32>, tensor<1024x2xi32> -> tensor<16x160x64xf32>, tensor<1024x2xi32>
  %y = func.call @experts(%buf, %w1, %w2)
      : (tensor<16x160x64xf32>, tensor<16x64x128xf32>, tensor<16x128x64xf32>)
      -> tensor<16x160x64xf32>
  %out = sto.combine %y, %w, %idx, %slot
      : tensor<16x160x64xf32>, tensor<1024x2xf32>, tensor<1024x2xi32>, tensor<1024x2xi32>
      -> tensor<1024x64xf32>
  %probs = func.call @affinities(%logits) : (tensor<1024x16xf32>) -> tensor<1024x16xf32>
  %imbalance = sto.balance_loss %probs, %load {alpha = 1.0 : f64}
      : tensor<1024x16xf32>, tensor<16xi32> -> f32
  return %out, %new_bias, %load, %w, %idx, %slot, %imbalance
      : tensor<1024x64xf32>, tensor<16xf32>, tensor<16xi32>, tensor<1024x2xf32>,
        tensor<1024x2xi32>, tensor<1024x2xi32>, f32
}
