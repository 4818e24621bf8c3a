// moe_topk.mlir - a top-2 mixture-of-experts feed-forward layer with noisy
// gating, capacity-limited dispatch, batched expert MLPs and load balancing.
//
// Model. 256 tokens of width 128 are routed to 2 of 8 expert MLPs
// (128 -> 256 -> 128, SiLU):
//
//   logits     = x·Wg                                  [256, 8]
//   w, idx     = top-2 of sigmoid affinities, selected on
//                logits + bias + 0.1·ε, weights renormalized over the two
//   load       = tokens per expert                     [8] i32
//   buf, slot  = dispatch(x, idx), capacity 80 per expert
//                (capacity factor 1.25: 1.25·256·2/8 = 80)
//   y          = W2_e·silu(W1_e·buf_e + b1_e) + b2_e  for each expert e,
//                as two batched matmuls over [8, 80, ·]
//   out        = combine(y, w, idx, slot)              [256, 128]
//   bias'      = bias + 1e-3·sign(mean(load) − load)
//   aux        = 1e-4·E·Σ_e f_e·P_e                    (f32)
//
// Papers. Sparsely-gated top-K MoE with noisy gating: Shazeer et al.,
// "Outrageously large neural networks", ICLR 2017. Expert capacity and
// dispatch/combine with dropped tokens: Lepikhin et al., "GShard", 2020;
// Fedus, Zoph and Shazeer, "Switch Transformers", JMLR 2022 (whose auxiliary
// loss sto.balance_loss computes). The routing-only bias, updated by the
// sign of the load error so that no auxiliary loss is needed to balance the
// experts, is Wang, Gao, Zhao, Sun and Dai, "Auxiliary-loss-free load
// balancing strategy for mixture-of-experts", arXiv:2408.15664, 2024. Sigmoid
// affinities normalized over the selected experts, the update speed 1e-3 and
// a tiny complementary balance loss (α = 1e-4; here over the batch's 256
// tokens, where DeepSeek-V3 takes it per sequence) follow DeepSeek-V3
// (DeepSeek-AI, technical report, 2024). The bias
// steers which experts are chosen but never enters the weights.
//
// Randomness. Only the gate is stochastic (exploration noise on the selection
// scores). The caller passes a seed and the step; the key is fold_in(seed,
// step). Dispatch is deterministic: first choices in token order, then second
// choices; a choice that finds its expert full is dropped (slot −1) and that
// token keeps only its other expert.
//
// C entry points (tensors are row-major pointers):
//   moe_layer(x[256x128], wg[128x8], bias[8], w1[8x128x256], b1[8x256],
//             w2[8x256x128], b2[8x128], seed i64, step i64)
//       -> (out[256x128], new_bias[8], load[8] i32, aux_loss f32)
//   moe_layer_eval(x, wg, bias, w1, b1, w2, b2) -> out[256x128]
//       (inference: no gate noise, bias used for selection, not updated)
// The caller stores new_bias for the next step; it is not a trained
// parameter (no gradient flows into it).

// Router logits x·Wg.
func.func private @router_logits(%x: tensor<256x128xf32>, %wg: tensor<128x8xf32>)
    -> tensor<256x8xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<256x8xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%e : tensor<256x8xf32>) -> tensor<256x8xf32>
  %l = linalg.matmul ins(%x, %wg : tensor<256x128xf32>, tensor<128x8xf32>)
                     outs(%acc : tensor<256x8xf32>) -> tensor<256x8xf32>
  return %l : tensor<256x8xf32>
}

// The experts' MLPs on their capacity buffers: two batched matmuls over the
// expert dimension, per-expert biases broadcast over the capacity slots.
func.func private @expert_ffn(%buf: tensor<8x80x128xf32>,
                              %w1: tensor<8x128x256xf32>, %b1: tensor<8x256xf32>,
                              %w2: tensor<8x256x128xf32>, %b2: tensor<8x128xf32>)
    -> tensor<8x80x128xf32> {
  %zero = arith.constant 0.0 : f32
  %ones = arith.constant dense<1.0> : tensor<8x80x256xf32>
  %eh = tensor.empty() : tensor<8x80x256xf32>
  %acc1 = linalg.fill ins(%zero : f32) outs(%eh : tensor<8x80x256xf32>)
      -> tensor<8x80x256xf32>
  %xw1 = linalg.batch_matmul
      ins(%buf, %w1 : tensor<8x80x128xf32>, tensor<8x128x256xf32>)
      outs(%acc1 : tensor<8x80x256xf32>) -> tensor<8x80x256xf32>
  %b1b = linalg.broadcast ins(%b1 : tensor<8x256xf32>) outs(%eh : tensor<8x80x256xf32>)
                          dimensions = [1]
  %a = arith.addf %xw1, %b1b : tensor<8x80x256xf32>
  // SiLU: a·sigmoid(a) = a / (1 + exp(−a)).
  %na = arith.negf %a : tensor<8x80x256xf32>
  %ex = math.exp %na : tensor<8x80x256xf32>
  %den = arith.addf %ones, %ex : tensor<8x80x256xf32>
  %h = arith.divf %a, %den : tensor<8x80x256xf32>
  %ey = tensor.empty() : tensor<8x80x128xf32>
  %acc2 = linalg.fill ins(%zero : f32) outs(%ey : tensor<8x80x128xf32>)
      -> tensor<8x80x128xf32>
  %hw2 = linalg.batch_matmul
      ins(%h, %w2 : tensor<8x80x256xf32>, tensor<8x256x128xf32>)
      outs(%acc2 : tensor<8x80x128xf32>) -> tensor<8x80x128xf32>
  %b2b = linalg.broadcast ins(%b2 : tensor<8x128xf32>) outs(%ey : tensor<8x80x128xf32>)
                          dimensions = [1]
  %y = arith.addf %hw2, %b2b : tensor<8x80x128xf32>
  return %y : tensor<8x80x128xf32>
}

// Normalized sigmoid affinities s_te / Σ_e s_te, the P of the balance loss.
func.func private @affinity_probs(%logits: tensor<256x8xf32>) -> tensor<256x8xf32> {
  %zero = arith.constant 0.0 : f32
  %ones = arith.constant dense<1.0> : tensor<256x8xf32>
  %nl = arith.negf %logits : tensor<256x8xf32>
  %ex = math.exp %nl : tensor<256x8xf32>
  %den = arith.addf %ones, %ex : tensor<256x8xf32>
  %s = arith.divf %ones, %den : tensor<256x8xf32>
  %e = tensor.empty() : tensor<256xf32>
  %fill = linalg.fill ins(%zero : f32) outs(%e : tensor<256xf32>) -> tensor<256xf32>
  %rowsum = linalg.reduce ins(%s : tensor<256x8xf32>) outs(%fill : tensor<256xf32>)
      dimensions = [1]
    (%in: f32, %acc: f32) {
      %t = arith.addf %in, %acc : f32
      linalg.yield %t : f32
    }
  %e2 = tensor.empty() : tensor<256x8xf32>
  %rowsum_b = linalg.broadcast ins(%rowsum : tensor<256xf32>)
                               outs(%e2 : tensor<256x8xf32>) dimensions = [1]
  %p = arith.divf %s, %rowsum_b : tensor<256x8xf32>
  return %p : tensor<256x8xf32>
}

// One training step of the layer.
func.func @moe_layer(%x: tensor<256x128xf32>, %wg: tensor<128x8xf32>,
                     %bias: tensor<8xf32>,
                     %w1: tensor<8x128x256xf32>, %b1: tensor<8x256xf32>,
                     %w2: tensor<8x256x128xf32>, %b2: tensor<8x128xf32>,
                     %seed: i64, %step: i64)
    -> (tensor<256x128xf32>, tensor<8xf32>, tensor<8xi32>, f32) {
  %root = sto.seed %seed : i64
  %k_gate = sto.fold_in %root, %step : i64
  %logits = func.call @router_logits(%x, %wg)
      : (tensor<256x128xf32>, tensor<128x8xf32>) -> tensor<256x8xf32>
  %w, %idx = sto.topk_gate %logits bias %bias key %k_gate
      {k = 2 : i64, noise_stddev = 1.0e-01 : f64,
       affinity = #sto.affinity<sigmoid>, normalize = true}
      : tensor<256x8xf32>, tensor<8xf32> -> tensor<256x2xf32>, tensor<256x2xi32>
  %load = sto.expert_load %idx {num_experts = 8 : i64} : tensor<256x2xi32>
  // Aux-loss-free balancing: under-loaded experts get a larger routing bias.
  %new_bias = sto.balance_bias %bias, %load {rate = 1.0e-03 : f64}
      : tensor<8xf32>, tensor<8xi32>
  %buf, %slot = sto.dispatch %x, %idx {num_experts = 8 : i64, capacity = 80 : i64}
      : tensor<256x128xf32>, tensor<256x2xi32> -> tensor<8x80x128xf32>, tensor<256x2xi32>
  %y = func.call @expert_ffn(%buf, %w1, %b1, %w2, %b2)
      : (tensor<8x80x128xf32>, tensor<8x128x256xf32>, tensor<8x256xf32>,
         tensor<8x256x128xf32>, tensor<8x128xf32>) -> tensor<8x80x128xf32>
  %out = sto.combine %y, %w, %idx, %slot
      : tensor<8x80x128xf32>, tensor<256x2xf32>, tensor<256x2xi32>, tensor<256x2xi32>
      -> tensor<256x128xf32>
  // The complementary balance loss on normalized affinities.
  %probs = func.call @affinity_probs(%logits) : (tensor<256x8xf32>) -> tensor<256x8xf32>
  %aux = sto.balance_loss %probs, %load {alpha = 1.0e-04 : f64}
      : tensor<256x8xf32>, tensor<8xi32> -> f32
  return %out, %new_bias, %load, %aux
      : tensor<256x128xf32>, tensor<8xf32>, tensor<8xi32>, f32
}

// Inference: the same routing without exploration noise (the gate takes no
// key), the bias still steering selection.
func.func @moe_layer_eval(%x: tensor<256x128xf32>, %wg: tensor<128x8xf32>,
                          %bias: tensor<8xf32>,
                          %w1: tensor<8x128x256xf32>, %b1: tensor<8x256xf32>,
                          %w2: tensor<8x256x128xf32>, %b2: tensor<8x128xf32>)
    -> tensor<256x128xf32> {
  %logits = func.call @router_logits(%x, %wg)
      : (tensor<256x128xf32>, tensor<128x8xf32>) -> tensor<256x8xf32>
  %w, %idx = sto.topk_gate %logits bias %bias
      {k = 2 : i64, affinity = #sto.affinity<sigmoid>, normalize = true}
      : tensor<256x8xf32>, tensor<8xf32> -> tensor<256x2xf32>, tensor<256x2xi32>
  %buf, %slot = sto.dispatch %x, %idx {num_experts = 8 : i64, capacity = 80 : i64}
      : tensor<256x128xf32>, tensor<256x2xi32> -> tensor<8x80x128xf32>, tensor<256x2xi32>
  %y = func.call @expert_ffn(%buf, %w1, %b1, %w2, %b2)
      : (tensor<8x80x128xf32>, tensor<8x128x256xf32>, tensor<8x256xf32>,
         tensor<8x256x128xf32>, tensor<8x128xf32>) -> tensor<8x80x128xf32>
  %out = sto.combine %y, %w, %idx, %slot
      : tensor<8x80x128xf32>, tensor<256x2xf32>, tensor<256x2xi32>, tensor<256x2xi32>
      -> tensor<256x128xf32>
  return %out : tensor<256x128xf32>
}
