/* mlp_dropout_noise.c - runs examples/mlp_dropout_noise.mlir, compiled ahead
 * of time by sto-compile: a 784-256-256-10 MLP with input noise (sigma 0.1),
 * Bernoulli dropout (rate 0.5) and Gaussian dropout (multiplicative N(1, 1)).
 *
 *   usage: mlp_dropout_noise [probe_calls]
 *     probe_calls  calls (training steps) of each probe network; each call
 *                  exposes 64 x 10 hidden units (default 32)
 *
 * Inputs: 64 MNIST-like images (10 random stroke templates plus pixel noise,
 * clipped to [0, 1]), He-initialized weights; all from a splitmix64 stream
 * that has nothing to do with sto.
 *
 * Checks (the exit status is the number of failed checks):
 *  - mlp_forward_train agrees with a C forward pass of the same network whose
 *    noise and masks come from an independent C implementation of the
 *    randomness contract (keys: fold_in(seed(s), step), split into 3);
 *  - dropout: with a probe network (W1 = 0, b1 = 1, W2 = I, W3 picking 10
 *    units) each logit is one unit of the last hidden layer, exactly 0 when
 *    dropped and 2(1 + xi) when kept: the dropped fraction is 0.5 within 5
 *    standard errors, every mask bit is the contract's, kept units are scaled
 *    by 1/(1 - rate) = 2 (their mean is 2 within 5 standard errors) and the
 *    Gaussian-dropout noise xi has mean 0 and standard deviation 1 (within 5
 *    standard errors); every kept unit is 2 * (1 + xi) bit for bit with xi
 *    the contract's binary32 normal (sto_example.h);
 *  - input noise: with a second probe (W1 = 10 I on the first 256 pixels,
 *    b1 = 0, x = 0) a unit is 2 relu(10 * 0.1 eps)(1 + xi) when kept; the
 *    noise scale estimated from the mean, mean / (10 E[relu(N(0,1))]), is 0.1
 *    within 5 standard errors, and every unit is, bit for bit, what the
 *    contract's masks and normals give;
 *  - mlp_train_loss returns a finite loss equal to the cross-entropy of its
 *    logits, which are bit for bit those of mlp_forward_train at the same
 *    (seed, step); another step draws other noise;
 *  - mlp_predict is deterministic and gives the argmax of the noise-free C
 *    forward pass.
 */
#include "mlp_dropout_noise.h"
#include "sto_example.h"

enum { BATCH = 64, IN = 784, H = 256, OUT = 10 };

typedef struct {
  float *w1, *b1, *w2, *b2, *w3, *b3;
} mlp;

static mlp mlp_alloc(void) {
  mlp m;
  m.w1 = xmalloc(sizeof(float) * IN * H);
  m.b1 = xmalloc(sizeof(float) * H);
  m.w2 = xmalloc(sizeof(float) * H * H);
  m.b2 = xmalloc(sizeof(float) * H);
  m.w3 = xmalloc(sizeof(float) * H * OUT);
  m.b3 = xmalloc(sizeof(float) * OUT);
  return m;
}
static void mlp_zero(mlp *m) {
  memset(m->w1, 0, sizeof(float) * IN * H);
  memset(m->b1, 0, sizeof(float) * H);
  memset(m->w2, 0, sizeof(float) * H * H);
  memset(m->b2, 0, sizeof(float) * H);
  memset(m->w3, 0, sizeof(float) * H * OUT);
  memset(m->b3, 0, sizeof(float) * OUT);
}
static void mlp_free(mlp *m) {
  free(m->w1);
  free(m->b1);
  free(m->w2);
  free(m->b2);
  free(m->w3);
  free(m->b3);
}

/* x[rows x n] * w[n x m] + b, in double. */
static void dense(const double *x, const float *w, const float *b, int n, int m,
                  double *y) {
  for (int r = 0; r < BATCH; ++r)
    for (int j = 0; j < m; ++j) {
      double s = b[j];
      for (int i = 0; i < n; ++i)
        s += x[r * n + i] * w[i * m + j];
      y[r * m + j] = s;
    }
}

/* The network in C. With noise, the randomness of the contract for
 * (seed, step); without, the evaluation network. */
static void ref_forward(const mlp *m, const float *x, int noise, int64_t seed,
                        int64_t step, double *logits) {
  sto_key k = key_fold_in(key_seed(seed), step);
  sto_key k_in = key_split(k, 3, 0), k_drop = key_split(k, 3, 1),
          k_g = key_split(k, 3, 2);
  double *xn = xmalloc(sizeof(double) * BATCH * IN);
  double *a = xmalloc(sizeof(double) * BATCH * H);
  double *c = xmalloc(sizeof(double) * BATCH * H);
  for (int i = 0; i < BATCH * IN; ++i)
    xn[i] = x[i] + (noise ? 0.1 * ref_normal(k_in, i) : 0);
  dense(xn, m->w1, m->b1, IN, H, a);
  for (int i = 0; i < BATCH * H; ++i) {
    double h = a[i] > 0 ? a[i] : 0;
    if (noise)
      h = ref_uniform(k_drop, i) >= 0.5f ? 2 * h : 0;
    a[i] = h;
  }
  dense(a, m->w2, m->b2, H, H, c);
  for (int i = 0; i < BATCH * H; ++i) {
    double h = c[i] > 0 ? c[i] : 0;
    if (noise)
      h *= 1 + ref_normal(k_g, i);
    c[i] = h;
  }
  dense(c, m->w3, m->b3, H, OUT, logits);
  free(xn);
  free(a);
  free(c);
}

static double cross_entropy(const float *logits, const int32_t *labels) {
  double total = 0;
  for (int r = 0; r < BATCH; ++r) {
    double mx = logits[r * OUT];
    for (int c = 1; c < OUT; ++c)
      if (logits[r * OUT + c] > mx)
        mx = logits[r * OUT + c];
    double se = 0;
    for (int c = 0; c < OUT; ++c)
      se += exp(logits[r * OUT + c] - mx);
    total += log(se) - (logits[r * OUT + labels[r]] - mx);
  }
  return total / BATCH;
}

/* W3 of a probe: logit c of call s is hidden unit unit_of(s, c). */
static int unit_of(int s, int c) { return (s * OUT + c) % H; }
static void probe_w3(float *w3, int s) {
  memset(w3, 0, sizeof(float) * H * OUT);
  for (int c = 0; c < OUT; ++c)
    w3[unit_of(s, c) * OUT + c] = 1.0f;
}

int main(int argc, char **argv) {
  int calls = (int)arg_or(argc, argv, 1, 32);
  const int64_t seed = 20240611;
  CHECK(philox_self_test() == 0, "C Philox reproduces docs/Randomness.md 9.1");

  /* Data and a realistic initialization. */
  data_rng g = {42};
  float *x = xmalloc(sizeof(float) * BATCH * IN);
  float *tmpl = xmalloc(sizeof(float) * OUT * IN);
  int32_t labels[BATCH];
  for (int i = 0; i < OUT * IN; ++i)
    tmpl[i] = data_uniform(&g) < 0.2 ? 1.0f : 0.0f;
  for (int r = 0; r < BATCH; ++r) {
    labels[r] = (int32_t)(data_next(&g) % OUT);
    for (int i = 0; i < IN; ++i) {
      double v = tmpl[labels[r] * IN + i] + 0.2 * data_normal(&g);
      x[r * IN + i] = (float)(v < 0 ? 0 : v > 1 ? 1 : v);
    }
  }
  mlp net = mlp_alloc();
  for (int i = 0; i < IN * H; ++i)
    net.w1[i] = (float)(data_normal(&g) * sqrt(2.0 / IN));
  for (int i = 0; i < H * H; ++i)
    net.w2[i] = (float)(data_normal(&g) * sqrt(2.0 / H));
  for (int i = 0; i < H * OUT; ++i)
    net.w3[i] = (float)(data_normal(&g) * sqrt(1.0 / H));
  for (int j = 0; j < H; ++j)
    net.b1[j] = net.b2[j] = 0.01f;
  printf("MLP 784-256-256-10, batch 64: input noise 0.1, dropout 0.5, "
         "Gaussian dropout N(1, 1); seed %lld\n",
         (long long)seed);

  float logits[BATCH * OUT], logits2[BATCH * OUT], logits3[BATCH * OUT];
  double ref[BATCH * OUT];

  /* 1. The whole training-mode forward pass against the C network. */
  {
    double err = 0, scale = 0;
    for (int step = 0; step < 2; ++step) {
      CALL(mlp_forward_train(x, net.w1, net.b1, net.w2, net.b2, net.w3, net.b3,
                             seed, step, logits));
      ref_forward(&net, x, 1, seed, step, ref);
      for (int i = 0; i < BATCH * OUT; ++i) {
        double d = fabs(logits[i] - ref[i]);
        if (!(d <= err))
          err = d;
        if (fabs(ref[i]) > scale)
          scale = fabs(ref[i]);
      }
    }
    printf("forward_train vs C network with the contract's noise: max |diff| "
           "%.2e (max |logit| %.2f)\n",
           err, scale);
    CHECK(err <= 1e-4 * scale,
          "forward_train = C network with contract noise "
          "(relative error %.1e < 1e-4)",
          err / scale);
  }

  /* 2. Dropout and Gaussian-dropout probe. */
  {
    mlp p = mlp_alloc();
    mlp_zero(&p);
    for (int j = 0; j < H; ++j) {
      p.b1[j] = 1.0f;
      p.w2[j * H + j] = 1.0f;
    }
    long n = 0, dropped = 0, mask_mismatch = 0;
    moments xi = {0}, kept = {0}, all = {0};
    long xi_bad = 0;
    for (int s = 0; s < calls; ++s) {
      probe_w3(p.w3, s);
      CALL(mlp_forward_train(x, p.w1, p.b1, p.w2, p.b2, p.w3, p.b3, seed, s,
                             logits));
      sto_key k = key_fold_in(key_seed(seed), s);
      sto_key k_drop = key_split(k, 3, 1), k_g = key_split(k, 3, 2);
      for (int r = 0; r < BATCH; ++r)
        for (int c = 0; c < OUT; ++c) {
          float v = logits[r * OUT + c];
          uint64_t i = (uint64_t)r * H + unit_of(s, c);
          int ref_drop = ref_uniform(k_drop, i) < 0.5f;
          ++n;
          mom_add(&all, v);
          if (v == 0.0f)
            ++dropped;
          mask_mismatch += (v == 0.0f) != ref_drop;
          if (v != 0.0f) {
            mom_add(&kept, v);
            double e = v / 2.0 - 1.0;
            mom_add(&xi, e);
            float want = 2.0f * (1.0f + ref_normal_f32(k_g, i));
            xi_bad += !same_bits(&v, &want, sizeof v);
          }
        }
    }
    double frac = (double)dropped / n, se_frac = sqrt(0.25 / n);
    printf("dropout probe: %ld units over %d steps: dropped %.4f (rate 0.5), "
           "kept mean %.4f (scale 2), all mean %.4f (1: inverted dropout)\n",
           n, calls, frac, mom_mean(&kept), mom_mean(&all));
    printf("Gaussian dropout xi: mean %.4f std %.4f (model: 0, 1)\n",
           mom_mean(&xi), mom_std(&xi));
    CHECK(fabs(frac - 0.5) < 5 * se_frac, "dropped fraction %.4f = 0.5 +- %.4f",
          frac, 5 * se_frac);
    CHECK(mask_mismatch == 0,
          "dropout mask = contract (u < rate): %ld mismatches of %ld",
          mask_mismatch, n);
    double se_kept = 2 * mom_std(&xi) / sqrt(kept.n);
    CHECK(fabs(mom_mean(&kept) - 2) < 5 * se_kept,
          "kept units scaled by 1/(1-rate): mean %.4f = 2 +- %.4f",
          mom_mean(&kept), 5 * se_kept);
    double se_mu = 1 / sqrt(xi.n), se_sd = 1 / sqrt(2 * xi.n);
    CHECK(fabs(mom_mean(&xi)) < 5 * se_mu && fabs(mom_std(&xi) - 1) < 5 * se_sd,
          "xi mean 0 +- %.4f, std 1 +- %.4f", 5 * se_mu, 5 * se_sd);
    CHECK(xi_bad == 0,
          "kept units = 2 (1 + xi), xi the contract's normal, bit for bit "
          "(%ld mismatches)",
          xi_bad);
    mlp_free(&p);
  }

  /* 3. Input-noise probe: x = 0, W1 = 10 I on the first 256 pixels. */
  {
    mlp p = mlp_alloc();
    mlp_zero(&p);
    for (int j = 0; j < H; ++j) {
      p.w1[j * H + j] = 10.0f;
      p.w2[j * H + j] = 1.0f;
    }
    float *zero = xmalloc(sizeof(float) * BATCH * IN);
    moments m = {0};
    long bad = 0;
    for (int s = 0; s < calls; ++s) {
      probe_w3(p.w3, s);
      CALL(mlp_forward_train(zero, p.w1, p.b1, p.w2, p.b2, p.w3, p.b3, seed,
                             1000 + s, logits));
      sto_key k = key_fold_in(key_seed(seed), 1000 + s);
      sto_key k_in = key_split(k, 3, 0), k_drop = key_split(k, 3, 1),
              k_g = key_split(k, 3, 2);
      for (int r = 0; r < BATCH; ++r)
        for (int c = 0; c < OUT; ++c) {
          int j = unit_of(s, c);
          float v = logits[r * OUT + c];
          mom_add(&m, v);
          /* x~ = fma(0.1, eps, 0); h1 = relu(10 x~); dropout; (1 + xi). */
          float a1 =
              10.0f * (0.1f * ref_normal_f32(k_in, (uint64_t)r * IN + j));
          float h1 = a1 > 0 ? a1 : 0.0f;
          float want =
              ref_uniform(k_drop, (uint64_t)r * H + j) < 0.5f
                  ? 0.0f
                  : (2.0f * h1) *
                        (1.0f + ref_normal_f32(k_g, (uint64_t)r * H + j));
          bad += v != want;
        }
    }
    double k = 10 / sqrt(2 * 3.141592653589793); /* 10 E[relu(N(0,1))] */
    double sigma = mom_mean(&m) / k, se = mom_std(&m) / sqrt(m.n) / k;
    printf("input-noise probe: %.0f units: noise scale estimate %.4f (model "
           "0.1)\n",
           m.n, sigma);
    CHECK(fabs(sigma - 0.1) < 5 * se, "input noise scale %.4f = 0.1 +- %.4f",
          sigma, 5 * se);
    CHECK(bad == 0,
          "units = contract's input noise, mask and xi, bit for bit "
          "(%ld mismatches)",
          bad);
    free(zero);
    mlp_free(&p);
  }

  /* 4. The training loss. */
  {
    float loss, loss2;
    CALL(mlp_train_loss(x, net.w1, net.b1, net.w2, net.b2, net.w3, net.b3,
                        labels, seed, 7, &loss, logits));
    CALL(mlp_forward_train(x, net.w1, net.b1, net.w2, net.b2, net.w3, net.b3,
                           seed, 7, logits2));
    CALL(mlp_train_loss(x, net.w1, net.b1, net.w2, net.b2, net.w3, net.b3,
                        labels, seed, 8, &loss2, logits3));
    double ce = cross_entropy(logits, labels);
    printf(
        "train loss step 7: %.5f, step 8: %.5f (C cross-entropy of the logits "
        "%.5f; uniform guess ln 10 = 2.30259)\n",
        loss, loss2, ce);
    CHECK(isfinite(loss) && isfinite(loss2) && loss > 0 && loss2 > 0,
          "train loss finite and positive");
    CHECK(fabs(loss - ce) < 1e-4 * (1 + ce),
          "loss = cross-entropy of its logits");
    CHECK(same_bits(logits, logits2, sizeof logits),
          "train_loss logits = forward_train logits, same (seed, step), bit "
          "for bit");
    CHECK(!same_bits(logits, logits3, sizeof logits),
          "another step, other noise");
  }

  /* 5. Evaluation. */
  {
    int32_t cls[BATCH], cls2[BATCH];
    CALL(mlp_predict(x, net.w1, net.b1, net.w2, net.b2, net.w3, net.b3, cls));
    CALL(mlp_predict(x, net.w1, net.b1, net.w2, net.b2, net.w3, net.b3, cls2));
    ref_forward(&net, x, 0, 0, 0, ref);
    int agree = 0, close = 0;
    for (int r = 0; r < BATCH; ++r) {
      int best = 0;
      double second = -INFINITY;
      for (int c = 1; c < OUT; ++c)
        if (ref[r * OUT + c] > ref[r * OUT + best])
          best = c;
      for (int c = 0; c < OUT; ++c)
        if (c != best && ref[r * OUT + c] > second)
          second = ref[r * OUT + c];
      if (cls[r] == best)
        ++agree;
      else if (ref[r * OUT + best] - second < 1e-4)
        ++close;
    }
    printf("predict: %d of %d rows = argmax of the noise-free C network (%d "
           "near-ties)\n",
           agree, BATCH, close);
    CHECK(same_bits(cls, cls2, sizeof cls), "predict deterministic");
    CHECK(agree + close == BATCH, "predict = argmax of the noise-free network");
  }

  printf("%s\n", g_failures ? "FAILED" : "PASSED");
  mlp_free(&net);
  free(x);
  free(tmpl);
  return g_failures;
}
