// The f64 math.exp of sto's lowerings and of a model, for the bit comparison of the
// CUDA build with the CPU build (emulated-f64-exp.test; on a GPU, with the device
// check's driver: bench/gpu/README.md). sto-approximate-math expands f64 exp into the
// same arithmetic on both; before, the CPU called libm's exp and the kernels libdevice's
// __nv_exp, and soft gumbel_softmax in f64 differed by up to 3 ulp on an H200. Every
// function gives kernels only (no host loops: bench/gpu/host_loops.py).

func.func @gumbel_soft_f64(%k: !sto.key, %l: tensor<3x37xf64>) -> tensor<3x37xf64> {
  %0 = sto.gumbel_softmax %k, %l {tau = 2.0 : f64} : tensor<3x37xf64>
  return %0 : tensor<3x37xf64>
}

func.func @gumbel_soft_f64_256x37(%k: !sto.key, %l: tensor<256x37xf64>) -> tensor<256x37xf64> {
  %0 = sto.gumbel_softmax %k, %l {tau = 2.0 : f64} : tensor<256x37xf64>
  return %0 : tensor<256x37xf64>
}

// A small tau: scores far apart, exp(s - max) down into the subnormals and to 0.
func.func @gumbel_soft_f64_tau_small(%k: !sto.key, %l: tensor<256x37xf64>) -> tensor<256x37xf64> {
  %0 = sto.gumbel_softmax %k, %l {tau = 5.0e-03 : f64} : tensor<256x37xf64>
  return %0 : tensor<256x37xf64>
}

func.func @topk_softmax_f64(%l: tensor<256x16xf64>) -> (tensor<256x2xf64>, tensor<256x2xi32>) {
  %w, %i = sto.topk_gate %l {k = 2 : i64}
      : tensor<256x16xf64> -> tensor<256x2xf64>, tensor<256x2xi32>
  return %w, %i : tensor<256x2xf64>, tensor<256x2xi32>
}

func.func @softmax_gate_f64(%l: tensor<256x16xf64>) -> (tensor<256x4xf64>, tensor<256x4xi32>) {
  %w, %i = sto.topk_gate %l {k = 4 : i64, affinity = #sto.affinity<softmax>}
      : tensor<256x16xf64> -> tensor<256x4xf64>, tensor<256x4xi32>
  return %w, %i : tensor<256x4xf64>, tensor<256x4xi32>
}

func.func @sigmoid_gate_f64(%l: tensor<256x16xf64>) -> (tensor<256x2xf64>, tensor<256x2xi32>) {
  %w, %i = sto.topk_gate %l {k = 2 : i64, affinity = #sto.affinity<sigmoid>}
      : tensor<256x16xf64> -> tensor<256x2xf64>, tensor<256x2xi32>
  return %w, %i : tensor<256x2xf64>, tensor<256x2xi32>
}

// A model's exp over the whole range: N(0,1)-like values times 300 (overflow, subnormal
// results, 0), with NaN, +-inf, +-0 and subnormals mixed in.
// fill: arg0=specials
func.func @exp_f64_wide(%x: tensor<1048576xf64>) -> tensor<1048576xf64> {
  %c = arith.constant dense<3.0e+02> : tensor<1048576xf64>
  %s = arith.mulf %x, %c : tensor<1048576xf64>
  %y = math.exp %s : tensor<1048576xf64>
  return %y : tensor<1048576xf64>
}
