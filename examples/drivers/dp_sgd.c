/* dp_sgd.c - runs examples/dp_sgd.mlir, compiled ahead of time by
 * sto-compile: differentially private SGD (per-sample clipping to C = 1,
 * Gaussian noise sigma = 1.1) on softmax regression, 128 features, 10
 * classes, batches of 256.
 *
 *   usage: dp_sgd [epochs]
 *     epochs  training epochs of 2048 examples, 8 DP-SGD steps each
 *             (default 6)
 *
 * Data: ten Gaussian clusters in R^128 (means of norm 6, unit noise per
 * coordinate), 2048 training and 2048 test points, from a splitmix64 stream.
 * The classes are linearly separable up to a small overlap.
 *
 * Checks (the exit status is the number of failed checks). The probes call
 * dp_sgd_step with theta = 0 and lr = 1, so that the returned theta' is
 * minus the privatized gradient g^ = (sum_b g_b min(1, C/|g_b|) + sigma C
 * xi)/B, and compare it with the same formula in C, where xi is the contract's
 * normal of k = fold_in(seed(s), step) from an independent C Philox:
 *  - noise only: with x = 0 the weight rows of every g_b are 0, so those
 *    rows of g^ are pure noise: xi recovered from them has mean 0 and
 *    standard deviation 1 within 5 standard errors, and theta' there is
 *    -RN(1.1 xi)/256 bit for bit with xi the contract's binary32 normal;
 *  - no clipping below the bound: small inputs (|g_b| < 1), g^ = C reference;
 *  - the bound holds and is tight: 256 copies of one large sample
 *    (|g_b| ~ 50): |g^ - noise| = C = 1 to 1e-4;
 *  - random large samples: every g_b is clipped, |g^ - noise| <= 1, and
 *    g^ = C reference;
 *  - the returned loss is the batch cross-entropy (ln 10 at theta = 0);
 *  - training: dp_sgd_epoch from theta = 0 lowers the epoch loss by 20% or
 *    more from the first epoch to the last, and the
 *    private model classifies more than 90% of the held-out test points
 *    (chance: 10%); the same (seed, epoch) gives the same bits.
 */
#include "dp_sgd.h"
#include "sto_example.h"

enum { F = 128, FA = 129, K = 10, B = 256, NTRAIN = 2048, NTEST = 2048 };
static const double CLIP = 1.0, SIGMA = 1.1, MU_NORM = 4.0;

/* Per-sample gradients, clipped and summed, plus noise, over B, in double:
 * the model's g^ for theta, x[B x F], labels, noise key k. Also the largest
 * per-sample norm before clipping. */
static void ref_dp_grad(const float *theta, const float *x, const int32_t *lab,
                        sto_key k, double *gh, double *max_norm) {
  double acc[FA * K] = {0};
  *max_norm = 0;
  for (int b = 0; b < B; ++b) {
    double xa[FA], l[K], mx = -INFINITY, se = 0, r[K];
    for (int i = 0; i < F; ++i)
      xa[i] = x[b * F + i];
    xa[F] = 1;
    for (int c = 0; c < K; ++c) {
      double s = 0;
      for (int i = 0; i < FA; ++i)
        s += xa[i] * theta[i * K + c];
      l[c] = s;
      if (s > mx)
        mx = s;
    }
    for (int c = 0; c < K; ++c)
      se += exp(l[c] - mx);
    double q = 0, nx = 0, nr = 0;
    for (int c = 0; c < K; ++c) {
      r[c] = exp(l[c] - mx) / se - (c == lab[b]);
      nr += r[c] * r[c];
    }
    for (int i = 0; i < FA; ++i)
      nx += xa[i] * xa[i];
    q = nx * nr; /* |x~ (x) r|^2 */
    double norm = sqrt(q), f = norm > CLIP ? CLIP / norm : 1;
    if (norm > *max_norm)
      *max_norm = norm;
    for (int i = 0; i < FA; ++i)
      for (int c = 0; c < K; ++c)
        acc[i * K + c] += xa[i] * r[c] * f;
  }
  for (int j = 0; j < FA * K; ++j)
    gh[j] = (acc[j] + SIGMA * CLIP * ref_normal(k, j)) / B;
}

/* theta = 0, lr = 1: returns |g^ - noise| and the max error against C. */
static void probe(const char *what, const float *x, const int32_t *lab,
                  int64_t seed, int64_t step, double *dev_norm, double *err,
                  double *max_norm, float *loss, double *xi_out) {
  static float theta0[FA * K], theta1[FA * K];
  double ref[FA * K];
  CALL(dp_sgd_step(theta0, x, lab, 1.0f, seed, step, theta1, loss));
  sto_key k = key_fold_in(key_seed(seed), step);
  ref_dp_grad(theta0, x, lab, k, ref, max_norm);
  double n2 = 0;
  *err = 0;
  for (int j = 0; j < FA * K; ++j) {
    double gh = -(double)theta1[j];
    double noise = SIGMA * CLIP * ref_normal(k, j) / B;
    n2 += (gh - noise) * (gh - noise);
    double d = fabs(gh - ref[j]);
    if (!(d <= *err))
      *err = d;
    if (xi_out)
      xi_out[j] = gh * B / (SIGMA * CLIP);
  }
  *dev_norm = sqrt(n2);
  printf("probe %-28s max |g_b| before clip %7.3f  |g^ - noise| = %.6f  "
         "max |g^ - C| = %.1e  loss %.5f\n",
         what, *max_norm, *dev_norm, *err, *loss);
}

static void make_data(data_rng *g, const float *mu, float *x, int32_t *lab,
                      int n) {
  for (int b = 0; b < n; ++b) {
    lab[b] = (int32_t)(data_next(g) % K);
    for (int i = 0; i < F; ++i)
      x[b * F + i] = (float)(mu[lab[b] * F + i] + data_normal(g));
  }
}

static double accuracy(const float *theta, const float *x, const int32_t *lab,
                       int n) {
  int right = 0;
  for (int b = 0; b < n; ++b) {
    int best = 0;
    double lb = -INFINITY;
    for (int c = 0; c < K; ++c) {
      double s = theta[F * K + c];
      for (int i = 0; i < F; ++i)
        s += (double)x[b * F + i] * theta[i * K + c];
      if (s > lb) {
        lb = s;
        best = c;
      }
    }
    right += best == lab[b];
  }
  return (double)right / n;
}

int main(int argc, char **argv) {
  int epochs = (int)arg_or(argc, argv, 1, 6);
  const int64_t seed = 1606;
  CHECK(philox_self_test() == 0, "C Philox reproduces docs/Randomness.md 9.1");
  printf("DP-SGD: softmax regression 128 -> 10, B = %d, clip C = 1, noise "
         "sigma = 1.1, "
         "seed %lld\n",
         B, (long long)seed);

  data_rng g = {2016};
  float *x = xmalloc(sizeof(float) * B * F);
  int32_t lab[B];
  double dev, err, mn, xi[FA * K];
  float loss;

  /* Noise only. */
  for (int b = 0; b < B; ++b)
    lab[b] = 3;
  probe("x = 0 (noise only)", x, lab, seed, 3, &dev, &err, &mn, &loss, xi);
  {
    moments m = {0};
    long xbad = 0;
    sto_key k = key_fold_in(key_seed(seed), 3);
    for (int j = 0; j < F * K; ++j) {
      mom_add(&m, xi[j]);
      float want = (float)(SIGMA * CLIP) * ref_normal_f32(k, j) / B;
      xbad += (float)(xi[j] * (SIGMA * CLIP) / B) != want;
    }
    printf("noise rows: xi mean %.4f std %.4f over %d weights (model 0, 1)\n",
           mom_mean(&m), mom_std(&m), F * K);
    CHECK(fabs(mom_mean(&m)) < 5 / sqrt(m.n) &&
              fabs(mom_std(&m) - 1) < 5 / sqrt(2 * m.n),
          "noise sigma C xi / B: xi mean 0 and std 1 within 5 standard errors");
    CHECK(xbad == 0,
          "noise rows = RN(1.1 xi) / 256, xi the contract's normal, bit for "
          "bit (%ld mismatches)",
          xbad);
    CHECK(err < 1e-5, "g^ = C reference");
    CHECK(fabs(loss - log(10.0)) < 1e-5, "loss at theta = 0 is ln 10");
  }

  /* Small gradients: no clipping. */
  for (int b = 0; b < B; ++b) {
    lab[b] = (int32_t)(data_next(&g) % K);
    for (int i = 0; i < F; ++i)
      x[b * F + i] = (float)(0.01 * data_normal(&g));
  }
  probe("small inputs (no clipping)", x, lab, seed, 3, &dev, &err, &mn, &loss,
        NULL);
  CHECK(mn < CLIP && err < 1e-5, "below the bound g^ = unclipped mean + noise");

  /* One large sample, 256 times: the clipped mean has norm exactly C. */
  {
    float v[F];
    for (int i = 0; i < F; ++i)
      v[i] = (float)(5 * data_normal(&g));
    for (int b = 0; b < B; ++b) {
      lab[b] = 7;
      memcpy(x + b * F, v, sizeof v);
    }
    probe("256 x one large sample", x, lab, seed, 4, &dev, &err, &mn, &loss,
          NULL);
    CHECK(mn > 10 && fabs(dev - CLIP) < 1e-4,
          "clipped to the bound: |g^ - noise| = C");
    CHECK(err < 1e-5, "g^ = C reference");
  }

  /* Random large samples. */
  for (int b = 0; b < B; ++b) {
    lab[b] = (int32_t)(data_next(&g) % K);
    for (int i = 0; i < F; ++i)
      x[b * F + i] = (float)(3 * data_normal(&g));
  }
  probe("random large samples", x, lab, seed, 5, &dev, &err, &mn, &loss, NULL);
  CHECK(mn > 10 && dev <= CLIP + 1e-5,
        "clipping bound holds: |g^ - noise| <= C");
  CHECK(err < 1e-5, "g^ = C reference");
  free(x);

  /* Training on separable clusters. */
  float *mu = xmalloc(sizeof(float) * K * F);
  for (int c = 0; c < K; ++c) {
    double nrm = 0;
    for (int i = 0; i < F; ++i) {
      mu[c * F + i] = (float)data_normal(&g);
      nrm += mu[c * F + i] * mu[c * F + i];
    }
    for (int i = 0; i < F; ++i)
      mu[c * F + i] = (float)(MU_NORM * mu[c * F + i] / sqrt(nrm));
  }
  float *xtr = xmalloc(sizeof(float) * NTRAIN * F),
        *xte = xmalloc(sizeof(float) * NTEST * F);
  int32_t *ltr = xmalloc(sizeof(int32_t) * NTRAIN),
          *lte = xmalloc(sizeof(int32_t) * NTEST);
  make_data(&g, mu, xtr, ltr, NTRAIN);
  make_data(&g, mu, xte, lte, NTEST);
  float theta[FA * K] = {0}, next[FA * K], again[FA * K];
  const float lr = 0.5f;
  float first_loss = 0, last_loss = 0, l2;
  printf(
      "training: %d epochs of 8 steps, lr %.2f, from theta = 0; test accuracy "
      "before: %.4f\n",
      epochs, lr, accuracy(theta, xte, lte, NTEST));
  for (int ep = 0; ep < epochs; ++ep) {
    float l;
    CALL(dp_sgd_epoch(theta, xtr, ltr, lr, seed, ep, next, &l));
    if (ep == 0) {
      CALL(dp_sgd_epoch(theta, xtr, ltr, lr, seed, ep, again, &l2));
      CHECK(same_bits(next, again, sizeof next) && l == l2,
            "same (seed, epoch), same bits");
      first_loss = l;
    }
    last_loss = l;
    memcpy(theta, next, sizeof theta);
    printf(
        "  epoch %d: mean loss %.4f  train accuracy %.4f  test accuracy %.4f\n",
        ep, l, accuracy(theta, xtr, ltr, NTRAIN),
        accuracy(theta, xte, lte, NTEST));
  }
  double acc = accuracy(theta, xte, lte, NTEST);
  CHECK(epochs < 2 || last_loss < 0.8 * first_loss,
        "epoch loss falls by 20%% or more (%.4f -> %.4f)", first_loss,
        last_loss);
  CHECK(acc > 0.9, "private model: test accuracy %.4f > 0.9", acc);
  printf("%s\n", g_failures ? "FAILED" : "PASSED");
  free(mu);
  free(xtr);
  free(xte);
  free(ltr);
  free(lte);
  return g_failures;
}
