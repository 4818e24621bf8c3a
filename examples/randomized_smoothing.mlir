// randomized_smoothing.mlir - certified L2 robustness by randomized smoothing.
//
// Model. A base classifier f: a 784-256-10 ReLU MLP on flattened 28x28
// images, run on batches of 100. The smoothed classifier is
//
//   g(x) = argmax_c P_{ε ~ N(0, σ²I)}[f(x + ε) = c],   σ = 0.25,
//
// and CERTIFY (Cohen, Rosenfeld and Kolter, "Certified adversarial robustness
// via randomized smoothing", ICML 2019, algorithm CERTIFY) returns the class
// ĉ_A with a radius R such that, with probability at least 1 − α over the
// sampling, g(x + δ) = ĉ_A for every ‖δ‖₂ < R:
//
//   counts0 = votes of f on n0 = 100 noisy copies          (selection)
//   ĉ_A     = argmax counts0
//   counts  = votes of f on n = 100 000 noisy copies       (estimation)
//   p̲_A     = one-sided Clopper-Pearson lower bound, level 1 − α, α = 0.001
//   R       = σ·Φ⁻¹(p̲_A) if p̲_A > 1/2, else abstain (class −1, R = 0)
//
// n0, n, α and σ are the paper's ImageNet/CIFAR-10 settings. The selection
// and estimation samples must be independent, so they draw from two keys
// split from the seed's key; the noise of copy s is the normal of elements
// s·784 .. s·784 + 783 of its key, so the result does not depend on the
// batch size the classifier runs at.
//
// C entry points (tensors are row-major pointers):
//   base_classify(x[100x784], w1[784x256], b1[256], w2[256x10], b2[10])
//       -> class ids[100] i32                     the base classifier f
//   smoothed_certify(x[784], w1, b1, w2, b2, seed)
//       -> (class i64 (−1 = abstain), radius f64)
//   smoothed_certify_batch(x[16x784], w1, b1, w2, b2, seed)
//       -> (class[16] i64, radius[16] f64)
//       16 test points with n = 10 000 each (a quicker sweep; radii are
//       capped lower, since p̲_A ≤ α^(1/n))

func.func @base_classify(%x: tensor<100x784xf32>,
                         %w1: tensor<784x256xf32>, %b1: tensor<256xf32>,
                         %w2: tensor<256x10xf32>, %b2: tensor<10xf32>)
    -> tensor<100xi32> {
  %zero = arith.constant 0.0 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %c0 = arith.constant 0 : i32
  %eh = tensor.empty() : tensor<100x256xf32>
  %acch = linalg.fill ins(%zero : f32) outs(%eh : tensor<100x256xf32>)
      -> tensor<100x256xf32>
  %xw1 = linalg.matmul ins(%x, %w1 : tensor<100x784xf32>, tensor<784x256xf32>)
                       outs(%acch : tensor<100x256xf32>) -> tensor<100x256xf32>
  %h = linalg.generic {
      indexing_maps = [affine_map<(b, j) -> (b, j)>, affine_map<(b, j) -> (j)>,
                       affine_map<(b, j) -> (b, j)>],
      iterator_types = ["parallel", "parallel"]}
      ins(%xw1, %b1 : tensor<100x256xf32>, tensor<256xf32>)
      outs(%eh : tensor<100x256xf32>) {
  ^bb0(%v: f32, %bj: f32, %out: f32):
    %a = arith.addf %v, %bj : f32
    %r = arith.maximumf %a, %zero : f32
    linalg.yield %r : f32
  } -> tensor<100x256xf32>
  %el = tensor.empty() : tensor<100x10xf32>
  %accl = linalg.fill ins(%zero : f32) outs(%el : tensor<100x10xf32>) -> tensor<100x10xf32>
  %hw2 = linalg.matmul ins(%h, %w2 : tensor<100x256xf32>, tensor<256x10xf32>)
                       outs(%accl : tensor<100x10xf32>) -> tensor<100x10xf32>
  // argmax_c (h·W2 + b2)[b, c], ties to the lower class id.
  %e = tensor.empty() : tensor<100xf32>
  %ei = tensor.empty() : tensor<100xi32>
  %mfill = linalg.fill ins(%ninf : f32) outs(%e : tensor<100xf32>) -> tensor<100xf32>
  %ifill = linalg.fill ins(%c0 : i32) outs(%ei : tensor<100xi32>) -> tensor<100xi32>
  %best:2 = linalg.generic {
      indexing_maps = [affine_map<(b, c) -> (b, c)>, affine_map<(b, c) -> (c)>,
                       affine_map<(b, c) -> (b)>, affine_map<(b, c) -> (b)>],
      iterator_types = ["parallel", "reduction"]}
      ins(%hw2, %b2 : tensor<100x10xf32>, tensor<10xf32>)
      outs(%mfill, %ifill : tensor<100xf32>, tensor<100xi32>) {
  ^bb0(%v: f32, %bc: f32, %m: f32, %i: i32):
    %l = arith.addf %v, %bc : f32
    %c = linalg.index 1 : index
    %ci = arith.index_cast %c : index to i32
    %gt = arith.cmpf ogt, %l, %m : f32
    %nm = arith.select %gt, %l, %m : f32
    %ni = arith.select %gt, %ci, %i : i32
    linalg.yield %nm, %ni : f32, i32
  } -> (tensor<100xf32>, tensor<100xi32>)
  return %best#1 : tensor<100xi32>
}

func.func @smoothed_certify(%x: tensor<784xf32>,
                            %w1: tensor<784x256xf32>, %b1: tensor<256xf32>,
                            %w2: tensor<256x10xf32>, %b2: tensor<10xf32>, %seed: i64)
    -> (i64, f64) {
  %key = sto.seed %seed : i64
  %k_select, %k_estimate = sto.split %key count 2
  // Selection: n0 = 100 noisy copies, one batch.
  %counts0 = sto.monte_carlo %k_select, %x
      {samples = 100 : i64, batch = 100 : i64, stddev = 2.5e-01 : f64,
       num_classes = 10 : i64}
      : tensor<784xf32> -> tensor<10xi64> {
  ^bb0(%noisy: tensor<100x784xf32>):
    %ids = func.call @base_classify(%noisy, %w1, %b1, %w2, %b2)
        : (tensor<100x784xf32>, tensor<784x256xf32>, tensor<256xf32>,
           tensor<256x10xf32>, tensor<10xf32>) -> tensor<100xi32>
    sto.yield %ids : tensor<100xi32>
  }
  // Estimation: n = 100 000 noisy copies in 1000 batches, independent key.
  %counts = sto.monte_carlo %k_estimate, %x
      {samples = 100000 : i64, batch = 100 : i64, stddev = 2.5e-01 : f64,
       num_classes = 10 : i64}
      : tensor<784xf32> -> tensor<10xi64> {
  ^bb0(%noisy: tensor<100x784xf32>):
    %ids = func.call @base_classify(%noisy, %w1, %b1, %w2, %b2)
        : (tensor<100x784xf32>, tensor<784x256xf32>, tensor<256xf32>,
           tensor<256x10xf32>, tensor<10xf32>) -> tensor<100xi32>
    sto.yield %ids : tensor<100xi32>
  }
  %class, %radius = sto.certify %counts0, %counts
      {alpha = 1.0e-03 : f64, stddev = 2.5e-01 : f64,
       bound = #sto.bound<clopper_pearson>} : tensor<10xi64>
  return %class, %radius : i64, f64
}

// A test-set sweep: 16 points, each with its own selection and estimation
// keys split off a loop-carried key.
func.func @smoothed_certify_batch(%xs: tensor<16x784xf32>,
                                  %w1: tensor<784x256xf32>, %b1: tensor<256xf32>,
                                  %w2: tensor<256x10xf32>, %b2: tensor<10xf32>,
                                  %seed: i64)
    -> (tensor<16xi64>, tensor<16xf64>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c16 = arith.constant 16 : index
  %abstain = arith.constant dense<-1> : tensor<16xi64>
  %no_radius = arith.constant dense<0.0> : tensor<16xf64>
  %root = sto.seed %seed : i64
  %classes, %radii, %k_end = scf.for %i = %c0 to %c16 step %c1
      iter_args(%cls = %abstain, %rad = %no_radius, %k = %root)
      -> (tensor<16xi64>, tensor<16xf64>, !sto.key) {
    %k_next, %k_select, %k_estimate = sto.split %k count 3
    %x = tensor.extract_slice %xs[%i, 0] [1, 784] [1, 1]
        : tensor<16x784xf32> to tensor<784xf32>
    %counts0 = sto.monte_carlo %k_select, %x
        {samples = 100 : i64, batch = 100 : i64, stddev = 2.5e-01 : f64,
         num_classes = 10 : i64}
        : tensor<784xf32> -> tensor<10xi64> {
    ^bb0(%noisy: tensor<100x784xf32>):
      %ids = func.call @base_classify(%noisy, %w1, %b1, %w2, %b2)
          : (tensor<100x784xf32>, tensor<784x256xf32>, tensor<256xf32>,
             tensor<256x10xf32>, tensor<10xf32>) -> tensor<100xi32>
      sto.yield %ids : tensor<100xi32>
    }
    %counts = sto.monte_carlo %k_estimate, %x
        {samples = 10000 : i64, batch = 100 : i64, stddev = 2.5e-01 : f64,
         num_classes = 10 : i64}
        : tensor<784xf32> -> tensor<10xi64> {
    ^bb0(%noisy: tensor<100x784xf32>):
      %ids = func.call @base_classify(%noisy, %w1, %b1, %w2, %b2)
          : (tensor<100x784xf32>, tensor<784x256xf32>, tensor<256xf32>,
             tensor<256x10xf32>, tensor<10xf32>) -> tensor<100xi32>
      sto.yield %ids : tensor<100xi32>
    }
    %c, %r = sto.certify %counts0, %counts {alpha = 1.0e-03 : f64, stddev = 2.5e-01 : f64}
        : tensor<10xi64>
    %cls_new = tensor.insert %c into %cls[%i] : tensor<16xi64>
    %rad_new = tensor.insert %r into %rad[%i] : tensor<16xf64>
    scf.yield %cls_new, %rad_new, %k_next : tensor<16xi64>, tensor<16xf64>, !sto.key
  }
  return %classes, %radii : tensor<16xi64>, tensor<16xf64>
}
