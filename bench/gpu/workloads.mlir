// workloads.mlir - the elementwise workloads of ../../../shared/bench (peers_torch.py,
// peers_torch2.py, peers_jax.py) at the peers' GPU sizes, in the sto dialect, compiled ahead
// of time by scripts/prepare-gpu-check.sh for the GPU (sto-compile --target=cuda
// --chip=sm_90a, functions renamed gpu_*) and, for the bit-for-bit check of the timed
// results, for the CPU (--target=cpu --parallel=false, cpu_*). Timed by bench_sto_gpu.cpp.
// Same math as ../cpu/workloads.mlir, which runs them at 1/16 of these sizes.
//
//   workload               size             bytes counted (as ../../../shared/bench counts)
//   noise_add              2^28 f32         8·N
//   randn                  2^28 f32         4·N (write only)
//   neg                    2^28 f32         8·N (y = -x: sto's own copy-like kernel, no RNG)
//   dropout_bias_gelu      16384 x 8192     8·rows·cols
//   langevin_swa           2^27             20·P
//   spsa_perturb           2^27             8·P
//   stochastic_binary      2^28             8·N
//   dp_aggregate           256 x 2^20       4·B·D, composed of five functions (dpc_*):
//                          sto.dp_aggregate does not compile for cuda (KNOWN_GAPS.md)
//   topk_gate_noisy_e64_k2   65536 x 64, k=2, noise 0.1, bias     (the gate alone: the
//   topk_gate_sigmoid_e256_k8 65536 x 256, k=8, sigmoid, bias      peers also count the
//                                                                  load and bias update)
//
// C entry points: tensors as const float* (DEVICE pointers for the cuda objects), then
// scalars by value, then caller-allocated results; status 0 on success.

// y = x + 0.25·N(0, 1)
func.func @noise_add(%x: tensor<268435456xf32>, %seed: i64) -> tensor<268435456xf32> {
  %k = sto.seed %seed : i64
  %y = sto.noise %k, %x {scale = 2.5e-01 : f64} : tensor<268435456xf32>
  return %y : tensor<268435456xf32>
}

// randn: N(0, 1), write only.
func.func @randn(%seed: i64) -> tensor<268435456xf32> {
  %k = sto.seed %seed : i64
  %y = sto.normal %k : tensor<268435456xf32>
  return %y : tensor<268435456xf32>
}

// y = -x: what sto's kernels reach without any random number (a sign flip, exact).
func.func @neg(%x: tensor<268435456xf32>) -> tensor<268435456xf32> {
  %y = arith.negf %x : tensor<268435456xf32>
  return %y : tensor<268435456xf32>
}

// gelu(dropout(x + b, 0.1)) with the exact (erf) gelu: 0.5·h·(1 + erf(h/√2)).
func.func @dropout_bias_gelu(%x: tensor<16384x8192xf32>, %b: tensor<8192xf32>, %seed: i64)
    -> tensor<16384x8192xf32> {
  %half = arith.constant dense<5.0e-01> : tensor<16384x8192xf32>
  %one = arith.constant dense<1.0> : tensor<16384x8192xf32>
  %rsqrt2 = arith.constant dense<0.707106769> : tensor<16384x8192xf32>
  %k = sto.seed %seed : i64
  %e = tensor.empty() : tensor<16384x8192xf32>
  %bb = linalg.broadcast ins(%b : tensor<8192xf32>) outs(%e : tensor<16384x8192xf32>)
                         dimensions = [0]
  %h0 = arith.addf %x, %bb : tensor<16384x8192xf32>
  %h = sto.dropout %k, %h0 {rate = 1.0e-01 : f64} : tensor<16384x8192xf32>
  %s = arith.mulf %h, %rsqrt2 : tensor<16384x8192xf32>
  %erf = math.erf %s : tensor<16384x8192xf32>
  %onep = arith.addf %one, %erf : tensor<16384x8192xf32>
  %hh = arith.mulf %h, %half : tensor<16384x8192xf32>
  %y = arith.mulf %hh, %onep : tensor<16384x8192xf32>
  return %y : tensor<16384x8192xf32>
}

// One Langevin step p' = p − lr·g + sqrt(2·lr·T)·ξ (lr = 1e-3, T = 1/β = 1e-4), then the SWA
// running average avg' = avg + (p' − avg)/(count + 1): one fused kernel, noise drawn once.
func.func @langevin_swa(%p: tensor<134217728xf32>, %g: tensor<134217728xf32>,
                        %avg: tensor<134217728xf32>, %count: i64, %seed: i64)
    -> (tensor<134217728xf32>, tensor<134217728xf32>) {
  %k = sto.seed %seed : i64
  %p1 = sto.langevin_step %k, %p, %g {lr = 1.0e-03 : f64, temperature = 1.0e-04 : f64}
      : tensor<134217728xf32>
  %a1 = sto.average %avg, %p1, %count : tensor<134217728xf32>, i64
  return %p1, %a1 : tensor<134217728xf32>, tensor<134217728xf32>
}

// MeZO perturbation p + eps·z(seed), eps = 1e-3, z regenerated from the seed.
func.func @spsa_perturb(%p: tensor<134217728xf32>, %seed: i64) -> tensor<134217728xf32> {
  %k = sto.seed %seed : i64
  %q = sto.spsa_perturb %k, %p {scale = 1.0e-03 : f64} : tensor<134217728xf32>
  return %q : tensor<134217728xf32>
}

// Stochastic binary neurons h = 1[u < σ(a)], straight-through estimator (forward only).
func.func @stochastic_binary(%a: tensor<268435456xf32>, %seed: i64) -> tensor<268435456xf32> {
  %one = arith.constant dense<1.0> : tensor<268435456xf32>
  %k = sto.seed %seed : i64
  %na = arith.negf %a : tensor<268435456xf32>
  %ex = math.exp %na : tensor<268435456xf32>
  %den = arith.addf %one, %ex : tensor<268435456xf32>
  %prob = arith.divf %one, %den : tensor<268435456xf32>
  %h = sto.stochastic_binary %k, %prob {estimator = #sto.estimator<straight_through>}
      : tensor<268435456xf32>
  return %h : tensor<268435456xf32>
}

//===--- DP aggregate, composed -------------------------------------------===//
// (Σ_b g_b·min(1, C/‖g_b‖) + σ·C·ξ)/B with C = σ = 1, B = 256, D = 2^20, as five functions
// that the driver calls in a row on one stream. One function cannot hold it: every
// intermediate buffer becomes a synchronous gpu.alloc, which does not lower (KNOWN_GAPS.md).
// Bytes moved: G is read twice (8·B·D); counted as the peers count it, 4·B·D.

// part[b, j] = Σ_i g[b, i·1024 + j]²: 262144 threads, each 1024 coalesced loads.
func.func @dpc_partial(%g: tensor<256x1048576xf32>) -> tensor<256x1024xf32> {
  %zero = arith.constant 0.0 : f32
  %g3 = tensor.expand_shape %g [[0], [1, 2]] output_shape [256, 1024, 1024]
      : tensor<256x1048576xf32> into tensor<256x1024x1024xf32>
  %e = tensor.empty() : tensor<256x1024xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<256x1024xf32>) -> tensor<256x1024xf32>
  %part = linalg.generic {indexing_maps = [affine_map<(b, j, i) -> (b, i, j)>,
                                           affine_map<(b, j, i) -> (b, j)>],
                          iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%g3 : tensor<256x1024x1024xf32>) outs(%f : tensor<256x1024xf32>) {
    ^bb0(%x: f32, %acc: f32):
      %sq = arith.mulf %x, %x : f32
      %s = arith.addf %acc, %sq : f32
      linalg.yield %s : f32
  } -> tensor<256x1024xf32>
  return %part : tensor<256x1024xf32>
}

// scale[b] = min(1, C / sqrt(Σ_j part[b, j])), C = 1.
func.func @dpc_scale(%part: tensor<256x1024xf32>) -> tensor<256xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<256xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<256xf32>) -> tensor<256xf32>
  %n2 = linalg.reduce ins(%part : tensor<256x1024xf32>) outs(%f : tensor<256xf32>)
      dimensions = [1]
    (%a: f32, %acc: f32) {
      %s = arith.addf %a, %acc : f32
      linalg.yield %s : f32
    }
  return %n2 : tensor<256xf32>
}
func.func @dpc_clip(%n2: tensor<256xf32>) -> tensor<256xf32> {
  %one = arith.constant 1.0 : f32
  %e = tensor.empty() : tensor<256xf32>
  %scale = linalg.generic {indexing_maps = [affine_map<(b) -> (b)>, affine_map<(b) -> (b)>],
                           iterator_types = ["parallel"]}
      ins(%n2 : tensor<256xf32>) outs(%e : tensor<256xf32>) {
    ^bb0(%n: f32, %o: f32):
      %r = math.sqrt %n : f32
      %q = arith.divf %one, %r : f32
      %m = arith.minimumf %q, %one : f32
      linalg.yield %m : f32
  } -> tensor<256xf32>
  return %scale : tensor<256xf32>
}

// sum[j] = Σ_b g[b, j]·scale[b]: 2^20 threads, each 256 coalesced loads.
func.func @dpc_colsum(%g: tensor<256x1048576xf32>, %scale: tensor<256xf32>)
    -> tensor<1048576xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1048576xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1048576xf32>) -> tensor<1048576xf32>
  %sum = linalg.generic {indexing_maps = [affine_map<(j, b) -> (b, j)>,
                                          affine_map<(j, b) -> (b)>,
                                          affine_map<(j, b) -> (j)>],
                         iterator_types = ["parallel", "reduction"]}
      ins(%g, %scale : tensor<256x1048576xf32>, tensor<256xf32>)
      outs(%f : tensor<1048576xf32>) {
    ^bb0(%x: f32, %s: f32, %acc: f32):
      %c = arith.mulf %x, %s : f32
      %t = arith.addf %acc, %c : f32
      linalg.yield %t : f32
  } -> tensor<1048576xf32>
  return %sum : tensor<1048576xf32>
}

// out = (sum + σ·C·ξ) / B, B = 256 (a power of two: the product by 1/256 is exact).
func.func @dpc_finish(%sum: tensor<1048576xf32>, %seed: i64) -> tensor<1048576xf32> {
  %invb = arith.constant dense<3.906250e-03> : tensor<1048576xf32>
  %k = sto.seed %seed : i64
  %noisy = sto.noise %k, %sum {scale = 1.0 : f64} : tensor<1048576xf32>
  %r = arith.mulf %noisy, %invb : tensor<1048576xf32>
  return %r : tensor<1048576xf32>
}

//===--- MoE gates (the gate alone) ---------------------------------------===//

// Noisy top-2 of 64 with a balancing bias, 65536 tokens (peers_torch.py's gate without
// the bincount and the bias update, which do not compile for cuda: KNOWN_GAPS.md).
func.func @topk_gate_noisy_e64_k2(%l: tensor<65536x64xf32>, %b: tensor<64xf32>, %seed: i64)
    -> (tensor<65536x2xf32>, tensor<65536x2xi32>) {
  %k = sto.seed %seed : i64
  %w, %i = sto.topk_gate %l bias %b key %k {k = 2 : i64, noise_stddev = 1.0e-01 : f64}
      : tensor<65536x64xf32>, tensor<64xf32> -> tensor<65536x2xf32>, tensor<65536x2xi32>
  return %w, %i : tensor<65536x2xf32>, tensor<65536x2xi32>
}

// Sigmoid top-8 of 256, normalized, with a bias (peers_torch2.py's DeepSeek-V3-like gate,
// again without the load count and the bias update).
func.func @topk_gate_sigmoid_e256_k8(%l: tensor<65536x256xf32>, %b: tensor<256xf32>)
    -> (tensor<65536x8xf32>, tensor<65536x8xi32>) {
  %w, %i = sto.topk_gate %l bias %b {k = 8 : i64, affinity = #sto.affinity<sigmoid>}
      : tensor<65536x256xf32>, tensor<256xf32> -> tensor<65536x8xf32>, tensor<65536x8xi32>
  return %w, %i : tensor<65536x8xf32>, tensor<65536x8xi32>
}

//===--- MoE: the peers' whole workloads ----------------------------------===//

// Noisy top-2 of 64 + expert load + bias update, 65536 tokens: what peers_torch.py and
// peers_jax.py time as noisy_topk_gate_65536x64_k2 (sto also returns the load).
func.func @moe_gate_noisy_e64_k2(%l: tensor<65536x64xf32>, %b: tensor<64xf32>, %seed: i64)
    -> (tensor<65536x2xf32>, tensor<65536x2xi32>, tensor<64xi32>, tensor<64xf32>) {
  %k = sto.seed %seed : i64
  %w, %i = sto.topk_gate %l bias %b key %k {k = 2 : i64, noise_stddev = 1.0e-01 : f64}
      : tensor<65536x64xf32>, tensor<64xf32> -> tensor<65536x2xf32>, tensor<65536x2xi32>
  %load = sto.expert_load %i {num_experts = 64 : i64} : tensor<65536x2xi32>
  %nb = sto.balance_bias %b, %load {rate = 1.0e-03 : f64} : tensor<64xf32>, tensor<64xi32>
  return %w, %i, %load, %nb : tensor<65536x2xf32>, tensor<65536x2xi32>, tensor<64xi32>,
      tensor<64xf32>
}

// Sigmoid top-8 of 256, normalized, + load + bias update (peers_torch2.py's
// sigmoid_topk_gate_65536x256_k8).
func.func @moe_gate_sigmoid_e256_k8(%l: tensor<65536x256xf32>, %b: tensor<256xf32>)
    -> (tensor<65536x8xf32>, tensor<65536x8xi32>, tensor<256xi32>, tensor<256xf32>) {
  %w, %i = sto.topk_gate %l bias %b {k = 8 : i64, affinity = #sto.affinity<sigmoid>}
      : tensor<65536x256xf32>, tensor<256xf32> -> tensor<65536x8xf32>, tensor<65536x8xi32>
  %load = sto.expert_load %i {num_experts = 256 : i64} : tensor<65536x8xi32>
  %nb = sto.balance_bias %b, %load {rate = 1.0e-03 : f64} : tensor<256xf32>, tensor<256xi32>
  return %w, %i, %load, %nb : tensor<65536x8xf32>, tensor<65536x8xi32>, tensor<256xi32>,
      tensor<256xf32>
}

// Capacity dispatch + combine, 65536 tokens × 1024, 64 experts, k = 2, capacity
// 1.25·65536·2/64 = 2560, identity experts (peers_torch2.py's
// dispatch_combine_65536x1024_e64_k2: softmax, top-2, weights not renormalized).
func.func @moe_dispatch_combine(%x: tensor<65536x1024xf32>, %l: tensor<65536x64xf32>)
    -> (tensor<65536x1024xf32>, tensor<65536x2xi32>) {
  %w, %i = sto.topk_gate %l {k = 2 : i64, affinity = #sto.affinity<softmax>, normalize = false}
      : tensor<65536x64xf32> -> tensor<65536x2xf32>, tensor<65536x2xi32>
  %buf, %slot = sto.dispatch %x, %i {num_experts = 64 : i64, capacity = 2560 : i64}
      : tensor<65536x1024xf32>, tensor<65536x2xi32> -> tensor<64x2560x1024xf32>,
        tensor<65536x2xi32>
  %out = sto.combine %buf, %w, %i, %slot
      : tensor<64x2560x1024xf32>, tensor<65536x2xf32>, tensor<65536x2xi32>, tensor<65536x2xi32>
      -> tensor<65536x1024xf32>
  return %out, %slot : tensor<65536x1024xf32>, tensor<65536x2xi32>
}

// DP aggregate as the op itself (256 × 2^20): per-example clipping to norm 1, sum, Gaussian
// noise σ = 1, mean (the composed dpc_* functions above time the same math in 5 calls).
func.func @dp_aggregate_op(%g: tensor<256x1048576xf32>, %seed: i64) -> tensor<1048576xf32> {
  %k = sto.seed %seed : i64
  %0 = sto.dp_aggregate %k, %g {clip_norm = 1.0 : f64, noise_multiplier = 1.0 : f64}
      : tensor<256x1048576xf32> -> tensor<1048576xf32>
  return %0 : tensor<1048576xf32>
}
