/* langevin_swa.c - runs examples/langevin_swa.mlir, compiled ahead of time by
 * sto-compile, on a planted single-index model, and shows that the
 * stochastic weight average of the Langevin iterates recovers the planted
 * direction better than the last iterate.
 *
 *   usage: langevin_swa [run_seed [sweep]]
 *     run_seed  seed of the Langevin noise (default 1)
 *     sweep     also run this many further seeds (run_seed+1, ...) and count
 *               how often the average beats the last iterate (default 0)
 *
 * The planted direction w* is a fixed random unit vector in R^64; the
 * training and test sets (1024 points each) come from the compiled
 * plant_single_index with data seeds 1001 and 2002; w0 ~ N(0, I/64).
 *
 * Checks (the exit status is the number of failed checks):
 *  - the planted data are what the randomness contract says: x is, bit for
 *    bit, the normal of split(seed(1001), 2)[0] computed by an independent C
 *    implementation of the contract (sto_example.h), and y - tanh(<w*, x>)
 *    is 0.05 times the normal of split(...)[1] (to 1e-4: tanh is not part
 *    of the contract);
 *  - langevin_swa agrees with a C re-implementation of the same 400
 *    Langevin steps and SWA average (same minibatches, same keys: split at
 *    every epoch and step, noise from the C Philox), to 1e-3 per coordinate;
 *  - the same seed gives the same bits, another seed other iterates;
 *  - the claim: the SWA average has the larger overlap |<w, w*>|/|w||w*|
 *    with the planted direction and the lower test risk, for run_seed and,
 *    with a sweep, for at least 90% of the seeds swept (it held for all of
 *    seeds 1..200 when this was written, with an overlap gap of ~0.04).
 */
#include "langevin_swa.h"
#include "sto_example.h"

enum { D = 64, N = 1024, B = 128, EPOCHS = 25, STEPS = 8 };
static const double LR = 0.05, TEMP = 9.765625e-04, LAMBDA = 1e-3;

static double dot(const float *a, const float *b) {
  double s = 0;
  for (int j = 0; j < D; ++j)
    s += (double)a[j] * b[j];
  return s;
}
static double overlap(const float *w, const float *ws) {
  return fabs(dot(w, ws)) / sqrt(dot(w, w) * dot(ws, ws));
}

/* One Langevin step of the model in double (rounded to float at the end, as
 * the compiled model stores its iterate in f32). */
static void ref_step(const float *x, const float *y, float *w, int off,
                     sto_key k) {
  double g[D] = {0};
  for (int i = off; i < off + B; ++i) {
    double z = 0;
    for (int j = 0; j < D; ++j)
      z += (double)x[i * D + j] * w[j];
    double t = tanh(z);
    double r = (t - y[i]) * (1 - t * t);
    for (int j = 0; j < D; ++j)
      g[j] += r * x[i * D + j];
  }
  double c = sqrt(2 * LR * TEMP);
  for (int j = 0; j < D; ++j) {
    double gj = g[j] / B + LAMBDA * w[j];
    w[j] = (float)(w[j] - LR * gj + c * ref_normal(k, j));
  }
}

static sto_key ref_epoch(const float *x, const float *y, float *w, sto_key k) {
  for (int b = 0; b < STEPS; ++b) {
    sto_key next = key_split(k, 2, 0), step = key_split(k, 2, 1);
    ref_step(x, y, w, b * B, step);
    k = next;
  }
  return k;
}

static void ref_langevin_swa(const float *x, const float *y, const float *w0,
                             int64_t seed, float *w_last, float *w_swa) {
  float w[D];
  memcpy(w, w0, sizeof w);
  sto_key k = key_seed(seed);
  for (int ep = 0; ep < EPOCHS; ++ep) {
    sto_key next = key_split(k, 2, 0);
    ref_epoch(x, y, w, key_split(k, 2, 1));
    k = next;
  }
  double avg[D];
  for (int j = 0; j < D; ++j)
    avg[j] = w[j];
  for (int ep = 0; ep < EPOCHS; ++ep) {
    sto_key next = key_split(k, 2, 0);
    ref_epoch(x, y, w, key_split(k, 2, 1));
    k = next;
    for (int j = 0; j < D; ++j)
      avg[j] += (w[j] - avg[j]) / (ep + 2);
  }
  memcpy(w_last, w, sizeof w);
  for (int j = 0; j < D; ++j)
    w_swa[j] = (float)avg[j];
}

static double max_abs_diff(const float *a, const float *b, int n) {
  double m = 0;
  for (int i = 0; i < n; ++i) {
    double d = fabs((double)a[i] - b[i]);
    if (!(d <= m))
      m = d; /* NaN propagates */
  }
  return m;
}

typedef struct {
  double ov_last, ov_swa, risk_last, risk_swa;
} result;

static result run(const float *x, const float *y, const float *xt,
                  const float *yt, const float *w0, const float *ws,
                  int64_t seed, float *w_last, float *w_swa) {
  result r;
  float rl, rs;
  CALL(langevin_swa(x, y, w0, seed, w_last, w_swa));
  CALL(single_index_risk(xt, yt, w_last, &rl));
  CALL(single_index_risk(xt, yt, w_swa, &rs));
  r.ov_last = overlap(w_last, ws);
  r.ov_swa = overlap(w_swa, ws);
  r.risk_last = rl;
  r.risk_swa = rs;
  return r;
}

int main(int argc, char **argv) {
  int64_t run_seed = arg_or(argc, argv, 1, 1);
  long sweep = arg_or(argc, argv, 2, 0);
  const int64_t train_seed = 1001, test_seed = 2002;

  CHECK(philox_self_test() == 0, "C Philox reproduces docs/Randomness.md 9.1");

  /* The planted direction and the initial point. */
  float ws[D], w0[D];
  data_rng g = {7};
  double nrm = 0;
  for (int j = 0; j < D; ++j) {
    ws[j] = (float)data_normal(&g);
    nrm += (double)ws[j] * ws[j];
  }
  for (int j = 0; j < D; ++j)
    ws[j] = (float)(ws[j] / sqrt(nrm));
  for (int j = 0; j < D; ++j)
    w0[j] = (float)(data_normal(&g) / sqrt((double)D));

  float *x = xmalloc(sizeof(float) * N * D), *y = xmalloc(sizeof(float) * N);
  float *xt = xmalloc(sizeof(float) * N * D), *yt = xmalloc(sizeof(float) * N);
  CALL(plant_single_index(ws, train_seed, x, y));
  CALL(plant_single_index(ws, test_seed, xt, yt));

  printf("planted single-index model: d = %d, y = tanh(<w*, x>) + 0.05 eta, "
         "%d training and %d test points\n",
         D, N, N);
  /* The data are the contract's samples. */
  {
    sto_key kx = key_split(key_seed(train_seed), 2, 0);
    sto_key ky = key_split(key_seed(train_seed), 2, 1);
    double ey = 0;
    long xbad = 0;
    moments mx = {0}, me = {0};
    for (int i = 0; i < N * D; ++i) {
      float want = ref_normal_f32(kx, i);
      xbad += !same_bits(&x[i], &want, sizeof want);
      mom_add(&mx, x[i]);
    }
    for (int i = 0; i < N; ++i) {
      double z = 0;
      for (int j = 0; j < D; ++j)
        z += (double)x[i * D + j] * ws[j];
      double eta = y[i] - tanh(z);
      double d = fabs(eta - 0.05 * ref_normal(ky, i));
      if (!(d <= ey))
        ey = d;
      mom_add(&me, eta);
    }
    printf("data: x mean %.4f std %.4f; label noise mean %.4f std %.4f "
           "(planted 0.05)\n",
           mom_mean(&mx), mom_std(&mx), mom_mean(&me), mom_std(&me));
    CHECK(xbad == 0,
          "x = the contract's normal, bit for bit (%ld mismatches of %d)", xbad,
          N * D);
    CHECK(ey < 1e-4, "y - tanh(<w*,x>) = 0.05 * contract normal (max err %.1e)",
          ey);
  }

  printf("SGLD: lr = %.2f, T = 1/1024, minibatch %d, %d burn-in + %d sampling "
         "epochs of %d steps; SWA of %d snapshots (one per sampling epoch)\n",
         LR, B, EPOCHS, EPOCHS, STEPS, EPOCHS + 1);
  float w_last[D], w_swa[D];
  result r = run(x, y, xt, yt, w0, ws, run_seed, w_last, w_swa);
  float star_risk;
  CALL(single_index_risk(xt, yt, ws, &star_risk));
  printf("initial point:  overlap %.4f\n", overlap(w0, ws));
  printf("last iterate:   overlap %.4f  test risk %.6f\n", r.ov_last,
         r.risk_last);
  printf("SWA average:    overlap %.4f  test risk %.6f\n", r.ov_swa,
         r.risk_swa);
  printf("planted w*:     overlap 1.0000  test risk %.6f (noise floor 0.05^2/2 "
         "= 0.00125)\n",
         star_risk);

  /* The compiled run is the model: compare with the C re-implementation. */
  {
    float rl[D], rs[D];
    ref_langevin_swa(x, y, w0, run_seed, rl, rs);
    double dl = max_abs_diff(w_last, rl, D), da = max_abs_diff(w_swa, rs, D);
    CHECK(dl < 1e-3 && da < 1e-3,
          "C reference of the 400 steps: max |w_last - ref| = %.1e, "
          "max |w_swa - ref| = %.1e",
          dl, da);
  }
  {
    float l2[D], s2[D], l3[D], s3[D];
    CALL(langevin_swa(x, y, w0, run_seed, l2, s2));
    CALL(langevin_swa(x, y, w0, run_seed + 1000, l3, s3));
    CHECK(same_bits(l2, w_last, sizeof l2) && same_bits(s2, w_swa, sizeof s2),
          "same seed, same bits");
    CHECK(!same_bits(l3, w_last, sizeof l3), "another seed, other iterates");
  }

  int beats = r.ov_swa > r.ov_last && r.risk_swa < r.risk_last;
  if (sweep > 0) {
    int wins = beats;
    for (long s = 1; s <= sweep; ++s) {
      float l[D], a[D];
      result q = run(x, y, xt, yt, w0, ws, run_seed + s, l, a);
      int b = q.ov_swa > q.ov_last && q.risk_swa < q.risk_last;
      wins += b;
      printf("  seed %-3lld overlap last %.4f swa %.4f  risk last %.6f swa "
             "%.6f  %s\n",
             (long long)(run_seed + s), q.ov_last, q.ov_swa, q.risk_last,
             q.risk_swa, b ? "swa wins" : "last wins");
    }
    printf("the average beats the last iterate for %d of %ld seeds\n", wins,
           sweep + 1);
    CHECK(wins * 10 >= (sweep + 1) * 9,
          "the average wins for at least 90%% of the seeds %lld..%lld",
          (long long)run_seed, (long long)(run_seed + sweep));
  }
  CHECK(beats,
        "seed %lld: the SWA average beats the last iterate "
        "(overlap %.4f > %.4f, test risk %.6f < %.6f)",
        (long long)run_seed, r.ov_swa, r.ov_last, r.risk_swa, r.risk_last);
  printf("%s\n", g_failures ? "FAILED" : "PASSED");
  free(x);
  free(y);
  free(xt);
  free(yt);
  return g_failures;
}
