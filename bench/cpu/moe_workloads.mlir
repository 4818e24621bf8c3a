// moe_workloads.mlir - the three mixture-of-experts workloads of ../shared/bench
// (peers_torch.py W4, peers_torch2.py; README "noisy top-2 of 64 gating", "sigmoid
// top-8 of 256 gating", "capacity dispatch + combine"), written in the sto dialect
// and compiled ahead of time for the CPU benchmark (bench_moe.cpp). The peers of
// peers_moe_cpu.py compute the same thing (docs/MoE.md):
//
//   workload              tokens T   GPU T    what
//   moe_gate_top2_e64     65536      65536    noisy softmax top-2 of 64 experts (noise
//                                             0.1·N(0,1) on the selection scores, a routing
//                                             bias), expert load, bias update (rate 1e-3)
//   moe_gate_top8_e256    65536      65536    sigmoid top-8 of 256 experts, normalized over
//                                             the 8, with a routing bias; expert load, bias
//                                             update (rate 1e-3)
//   moe_dispatch_combine  16384      65536    top-2 of a softmax over 64 experts (not
//                                             renormalized, as the GPU peer), dispatch of
//                                             T x 1024 rows to capacity C = 1.25·T·2/64
//                                             = 640, identity experts, combine
//
// Each workload is here twice: with static shapes (the timed "sto" result) and with a
// dynamic token dimension (suffix _dyn; the cross-check of peers_moe_cpu.py calls it on
// a few hundred tokens, and bench_moe times it at full size as "sto-dyn" and checks that
// its results equal the static function's bit for bit). Capacity is an attribute, so
// the small dispatch call is given skewed logits that overfill some experts.
//
// C entry points (sto-compile --header gives the exact prototypes): tensors as const
// pointers with the size of each dynamic dimension, then scalars by value, then the
// caller-allocated results (each dynamic result dimension with its size); 0 on success.

// 1. Noisy softmax top-2 of 64 + expert load + aux-loss-free bias update.
func.func @moe_gate_top2_e64(%logits: tensor<65536x64xf32>, %bias: tensor<64xf32>, %seed: i64)
    -> (tensor<65536x2xf32>, tensor<65536x2xi32>, tensor<64xi32>, tensor<64xf32>) {
  %k = sto.seed %seed : i64
  %w, %idx = sto.topk_gate %logits bias %bias key %k
      {k = 2 : i64, noise_stddev = 1.0e-01 : f64, affinity = #sto.affinity<softmax_topk>}
      : tensor<65536x64xf32>, tensor<64xf32> -> tensor<65536x2xf32>, tensor<65536x2xi32>
  %load = sto.expert_load %idx {num_experts = 64 : i64} : tensor<65536x2xi32>
  %nb = sto.balance_bias %bias, %load {rate = 1.0e-03 : f64} : tensor<64xf32>, tensor<64xi32>
  return %w, %idx, %load, %nb
      : tensor<65536x2xf32>, tensor<65536x2xi32>, tensor<64xi32>, tensor<64xf32>
}

// 2. Sigmoid top-8 of 256 (DeepSeek-V3-like) + expert load + bias update.
func.func @moe_gate_top8_e256(%logits: tensor<65536x256xf32>, %bias: tensor<256xf32>)
    -> (tensor<65536x8xf32>, tensor<65536x8xi32>, tensor<256xi32>, tensor<256xf32>) {
  %w, %idx = sto.topk_gate %logits bias %bias
      {k = 8 : i64, affinity = #sto.affinity<sigmoid>, normalize = true}
      : tensor<65536x256xf32>, tensor<256xf32> -> tensor<65536x8xf32>, tensor<65536x8xi32>
  %load = sto.expert_load %idx {num_experts = 256 : i64} : tensor<65536x8xi32>
  %nb = sto.balance_bias %bias, %load {rate = 1.0e-03 : f64}
      : tensor<256xf32>, tensor<256xi32>
  return %w, %idx, %load, %nb
      : tensor<65536x8xf32>, tensor<65536x8xi32>, tensor<256xi32>, tensor<256xf32>
}

// 3. Gate (top-2 of a full softmax over 64, not renormalized), capacity-limited dispatch
// of the rows to [64, 640, 1024] (first choices in token order, then second choices;
// a choice that finds its expert full is dropped), identity experts, combine. The
// expert buffer is a result too (as the experts' input it must exist; with identity
// experts a compiler could otherwise fuse dispatch into combine and never write it),
// and so are the weights, indices and slots.
func.func @moe_dispatch_combine(%x: tensor<16384x1024xf32>, %logits: tensor<16384x64xf32>)
    -> (tensor<16384x1024xf32>, tensor<64x640x1024xf32>, tensor<16384x2xf32>, tensor<16384x2xi32>,
        tensor<16384x2xi32>) {
  %w, %idx = sto.topk_gate %logits
      {k = 2 : i64, affinity = #sto.affinity<softmax>, normalize = false}
      : tensor<16384x64xf32> -> tensor<16384x2xf32>, tensor<16384x2xi32>
  %buf, %slot = sto.dispatch %x, %idx {num_experts = 64 : i64, capacity = 640 : i64}
      : tensor<16384x1024xf32>, tensor<16384x2xi32> -> tensor<64x640x1024xf32>, tensor<16384x2xi32>
  %out = sto.combine %buf, %w, %idx, %slot
      : tensor<64x640x1024xf32>, tensor<16384x2xf32>, tensor<16384x2xi32>, tensor<16384x2xi32>
      -> tensor<16384x1024xf32>
  return %out, %buf, %w, %idx, %slot
      : tensor<16384x1024xf32>, tensor<64x640x1024xf32>, tensor<16384x2xf32>, tensor<16384x2xi32>,
        tensor<16384x2xi32>
}

// The same three functions with a dynamic token dimension (T passed at run time): the
// cross-check calls them on a few hundred tokens, and bench_moe times them at full size
// too ("sto-dyn") and checks that their results are bit for bit those of the static
// functions above, which it times as "sto".
func.func @moe_gate_top2_e64_dyn(%logits: tensor<?x64xf32>, %bias: tensor<64xf32>, %seed: i64)
    -> (tensor<?x2xf32>, tensor<?x2xi32>, tensor<64xi32>, tensor<64xf32>) {
  %k = sto.seed %seed : i64
  %w, %idx = sto.topk_gate %logits bias %bias key %k
      {k = 2 : i64, noise_stddev = 1.0e-01 : f64, affinity = #sto.affinity<softmax_topk>}
      : tensor<?x64xf32>, tensor<64xf32> -> tensor<?x2xf32>, tensor<?x2xi32>
  %load = sto.expert_load %idx {num_experts = 64 : i64} : tensor<?x2xi32>
  %nb = sto.balance_bias %bias, %load {rate = 1.0e-03 : f64} : tensor<64xf32>, tensor<64xi32>
  return %w, %idx, %load, %nb
      : tensor<?x2xf32>, tensor<?x2xi32>, tensor<64xi32>, tensor<64xf32>
}

func.func @moe_gate_top8_e256_dyn(%logits: tensor<?x256xf32>, %bias: tensor<256xf32>)
    -> (tensor<?x8xf32>, tensor<?x8xi32>, tensor<256xi32>, tensor<256xf32>) {
  %w, %idx = sto.topk_gate %logits bias %bias
      {k = 8 : i64, affinity = #sto.affinity<sigmoid>, normalize = true}
      : tensor<?x256xf32>, tensor<256xf32> -> tensor<?x8xf32>, tensor<?x8xi32>
  %load = sto.expert_load %idx {num_experts = 256 : i64} : tensor<?x8xi32>
  %nb = sto.balance_bias %bias, %load {rate = 1.0e-03 : f64}
      : tensor<256xf32>, tensor<256xi32>
  return %w, %idx, %load, %nb
      : tensor<?x8xf32>, tensor<?x8xi32>, tensor<256xi32>, tensor<256xf32>
}

func.func @moe_dispatch_combine_dyn(%x: tensor<?x1024xf32>, %logits: tensor<?x64xf32>)
    -> (tensor<?x1024xf32>, tensor<64x640x1024xf32>, tensor<?x2xf32>, tensor<?x2xi32>,
        tensor<?x2xi32>) {
  %w, %idx = sto.topk_gate %logits
      {k = 2 : i64, affinity = #sto.affinity<softmax>, normalize = false}
      : tensor<?x64xf32> -> tensor<?x2xf32>, tensor<?x2xi32>
  %buf, %slot = sto.dispatch %x, %idx {num_experts = 64 : i64, capacity = 640 : i64}
      : tensor<?x1024xf32>, tensor<?x2xi32> -> tensor<64x640x1024xf32>, tensor<?x2xi32>
  %out = sto.combine %buf, %w, %idx, %slot
      : tensor<64x640x1024xf32>, tensor<?x2xf32>, tensor<?x2xi32>, tensor<?x2xi32>
      -> tensor<?x1024xf32>
  return %out, %buf, %w, %idx, %slot
      : tensor<?x1024xf32>, tensor<64x640x1024xf32>, tensor<?x2xf32>, tensor<?x2xi32>,
        tensor<?x2xi32>
}

// The gate noise of moe_gate_top2_e64 for the same seed: z of element t·64 + e, the
// standard normal that the gate adds (scaled by 0.1) to logit [t, e] (sto.normal with
// mean 0 and stddev 1 is fma(1, z, 0) = z). Only the cross-check calls it, to hand the
// peers sto's noise.
func.func @moe_gate_noise_e64(%seed: i64, %tokens: index) -> tensor<?x64xf32> {
  %k = sto.seed %seed : i64
  %z = sto.normal %k [%tokens] : tensor<?x64xf32>
  return %z : tensor<?x64xf32>
}
