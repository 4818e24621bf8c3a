// workloads.mlir - the six elementwise workloads of ../shared/bench (peers_torch.py,
// peers_torch2.py, peers_jax.py), written in the sto dialect and compiled ahead of time for
// the CPU benchmark (bench_sto.cpp). Same math as the peers; the sizes are those of the GPU
// runs divided by 16, for a 2-core machine with 24 GB:
//
//   workload                GPU                  here
//   noise_add               2^28                 2^24
//   dropout_bias_gelu       16384 x 8192         1024 x 8192
//   langevin_swa            2^27                 2^23
//   spsa_perturb            2^27                 2^23
//   stochastic_binary       2^28                 2^24
//   dp_aggregate            256 x 2^20           256 x 2^16
//
// C entry points (sto-compile --header gives the exact prototypes): every function takes its
// tensors as const float*, then its scalars by value, then its caller-allocated results, and
// returns 0 on success.

// y = x + 0.25·N(0, 1)
func.func @noise_add(%x: tensor<16777216xf32>, %seed: i64) -> tensor<16777216xf32> {
  %k = sto.seed %seed : i64
  %y = sto.noise %k, %x {scale = 2.5e-01 : f64} : tensor<16777216xf32>
  return %y : tensor<16777216xf32>
}

// gelu(dropout(x + b, 0.1)) with the exact (erf) gelu: 0.5·h·(1 + erf(h/√2)).
func.func @dropout_bias_gelu(%x: tensor<1024x8192xf32>, %b: tensor<8192xf32>, %seed: i64)
    -> tensor<1024x8192xf32> {
  %half = arith.constant dense<5.0e-01> : tensor<1024x8192xf32>
  %one = arith.constant dense<1.0> : tensor<1024x8192xf32>
  %rsqrt2 = arith.constant dense<0.707106769> : tensor<1024x8192xf32>
  %k = sto.seed %seed : i64
  %e = tensor.empty() : tensor<1024x8192xf32>
  %bb = linalg.broadcast ins(%b : tensor<8192xf32>) outs(%e : tensor<1024x8192xf32>)
                         dimensions = [0]
  %h0 = arith.addf %x, %bb : tensor<1024x8192xf32>
  %h = sto.dropout %k, %h0 {rate = 1.0e-01 : f64} : tensor<1024x8192xf32>
  %s = arith.mulf %h, %rsqrt2 : tensor<1024x8192xf32>
  %erf = math.erf %s : tensor<1024x8192xf32>
  %onep = arith.addf %one, %erf : tensor<1024x8192xf32>
  %hh = arith.mulf %h, %half : tensor<1024x8192xf32>
  %y = arith.mulf %hh, %onep : tensor<1024x8192xf32>
  return %y : tensor<1024x8192xf32>
}

// One Langevin step p' = p − lr·g + sqrt(2·lr·T)·ξ (lr = 1e-3, T = 1/β = 1e-4), then the SWA
// running average avg' = avg + (p' − avg)/(count + 1) over the same parameters.
func.func @langevin_swa(%p: tensor<8388608xf32>, %g: tensor<8388608xf32>,
                        %avg: tensor<8388608xf32>, %count: i64, %seed: i64)
    -> (tensor<8388608xf32>, tensor<8388608xf32>) {
  %k = sto.seed %seed : i64
  %p1 = sto.langevin_step %k, %p, %g {lr = 1.0e-03 : f64, temperature = 1.0e-04 : f64}
      : tensor<8388608xf32>
  %a1 = sto.average %avg, %p1, %count : tensor<8388608xf32>, i64
  return %p1, %a1 : tensor<8388608xf32>, tensor<8388608xf32>
}

// MeZO perturbation p + eps·z(seed), eps = 1e-3, z regenerated from the seed.
func.func @spsa_perturb(%p: tensor<8388608xf32>, %seed: i64) -> tensor<8388608xf32> {
  %k = sto.seed %seed : i64
  %q = sto.spsa_perturb %k, %p {scale = 1.0e-03 : f64} : tensor<8388608xf32>
  return %q : tensor<8388608xf32>
}

// Stochastic binary neurons h = 1[u < σ(a)], straight-through estimator (forward only).
func.func @stochastic_binary(%a: tensor<16777216xf32>, %seed: i64) -> tensor<16777216xf32> {
  %one = arith.constant dense<1.0> : tensor<16777216xf32>
  %k = sto.seed %seed : i64
  %na = arith.negf %a : tensor<16777216xf32>
  %ex = math.exp %na : tensor<16777216xf32>
  %den = arith.addf %one, %ex : tensor<16777216xf32>
  %prob = arith.divf %one, %den : tensor<16777216xf32>
  %h = sto.stochastic_binary %k, %prob {estimator = #sto.estimator<straight_through>}
      : tensor<16777216xf32>
  return %h : tensor<16777216xf32>
}

// DP-SGD aggregation: clip each of 256 per-sample gradients of 2^16 to norm C = 1, sum, add
// σ·C·ξ (σ = 1), divide by 256.
func.func @dp_aggregate(%grads: tensor<256x65536xf32>, %seed: i64) -> tensor<65536xf32> {
  %k = sto.seed %seed : i64
  %r = sto.dp_aggregate %k, %grads {clip_norm = 1.0 : f64, noise_multiplier = 1.0 : f64}
      : tensor<256x65536xf32> -> tensor<65536xf32>
  return %r : tensor<65536xf32>
}

// Model code around the sto ops (not workloads of ../shared/bench; no target): the
// reductions a model's own layers make. softmax over the rows of 1024 x 8192 (max and sum
// along the last axis in 16 lanes, docs/Compiling.md "Reduction order"), and the sum over
// the rows of 8192 x 1024 (a column sum: threads over runs of columns).
func.func @softmax_rows(%x: tensor<1024x8192xf32>) -> tensor<1024x8192xf32> {
  %e = tensor.empty() : tensor<1024x8192xf32>
  %y = linalg.softmax dimension(1) ins(%x : tensor<1024x8192xf32>)
      outs(%e : tensor<1024x8192xf32>) -> tensor<1024x8192xf32>
  return %y : tensor<1024x8192xf32>
}

func.func @column_sum(%x: tensor<8192x1024xf32>) -> tensor<1024xf32> {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1024xf32>
  %i = linalg.fill ins(%z : f32) outs(%e : tensor<1024xf32>) -> tensor<1024xf32>
  %r = linalg.reduce ins(%x : tensor<8192x1024xf32>) outs(%i : tensor<1024xf32>) dimensions = [0]
    (%a: f32, %b: f32) {
      %s = arith.addf %a, %b : f32
      linalg.yield %s : f32
    }
  return %r : tensor<1024xf32>
}
