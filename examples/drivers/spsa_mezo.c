/* spsa_mezo.c - runs examples/spsa_mezo.mlir, compiled ahead of time by
 * sto-compile: MeZO (zeroth-order SPSA) fine-tuning of a 256-32-4 ReLU
 * classification head on frozen features, whose random direction z is
 * regenerated from the step's key by every spsa op and never stored.
 *
 *   usage: spsa_mezo [epochs]
 *     epochs  MeZO epochs over 512 examples, 8 steps of 64 each (default 60)
 *
 * Data: "encoder features" of 4 classes in R^256: Gaussian clusters (class
 * means of norm 8, unit noise per coordinate), 512 training and 512
 * held-out examples; the head starts from a He initialization. All from a
 * splitmix64 stream.
 *
 * Checks (the exit status is the number of failed checks):
 *  - the update is exactly reproducible from the seed: the same
 *    (theta, batch, seed, step) gives the same bits; and replaying the step
 *    in C from (seed, step) and the returned projected gradient g alone,
 *    z = the contract's binary32 normal of k = fold_in(seed(s), step)
 *    (independent C implementation, sto_example.h), theta+ = fma(1e-3, z,
 *    theta), theta- = fma(-2e-3, z, theta+), theta0 = fma(1e-3, z, theta-),
 *    theta' = fma(-(1e-3 g), z, theta0) (docs/Randomness.md 8.8) reproduces
 *    the returned theta' bit for bit;
 *  - g is the SPSA estimate (L(theta+) - L(theta-)) / 2e-3, with the two
 *    losses recomputed by head_loss at the replayed theta+ and theta-, and
 *    the returned loss is their mean;
 *  - another step gives an uncorrelated direction (|corr| < 0.1);
 *  - training: the loss on all 512 training examples falls at every
 *    checkpoint (every 10 epochs and the last), by at least 5% in all, and
 *    the held-out accuracy rises; the same (seed, epoch) gives the same
 *    bits.
 */
#include "spsa_mezo.h"
#include "sto_example.h"

enum {
  F = 256,
  HID = 32,
  K = 4,
  P = F * HID + HID + HID * K + K,
  BATCH = 64,
  NB = 8,
  N = BATCH * NB
};

/* Mean head_loss over the 8 batches of a 512-example set. */
static double full_loss(const float *theta, const float *x,
                        const int32_t *lab) {
  double s = 0;
  for (int b = 0; b < NB; ++b) {
    float l;
    CALL(head_loss(theta, x + b * BATCH * F, lab + b * BATCH, &l));
    s += l;
  }
  return s / NB;
}

static double accuracy(const float *theta, const float *x, const int32_t *lab) {
  const float *w1 = theta, *b1 = theta + F * HID, *w2 = b1 + HID,
              *b2 = w2 + HID * K;
  int right = 0;
  for (int n = 0; n < N; ++n) {
    double h[HID], best = -INFINITY;
    int arg = 0;
    for (int j = 0; j < HID; ++j) {
      double a = b1[j];
      for (int i = 0; i < F; ++i)
        a += (double)x[n * F + i] * w1[i * HID + j];
      h[j] = a > 0 ? a : 0;
    }
    for (int c = 0; c < K; ++c) {
      double l = b2[c];
      for (int j = 0; j < HID; ++j)
        l += h[j] * w2[j * K + c];
      if (l > best) {
        best = l;
        arg = c;
      }
    }
    right += arg == lab[n];
  }
  return (double)right / N;
}

static void make_data(data_rng *g, const float *mu, float *x, int32_t *lab) {
  for (int n = 0; n < N; ++n) {
    lab[n] = (int32_t)(data_next(g) % K);
    for (int i = 0; i < F; ++i)
      x[n * F + i] = (float)(mu[lab[n] * F + i] + data_normal(g));
  }
}

int main(int argc, char **argv) {
  int epochs = (int)arg_or(argc, argv, 1, 60);
  const int64_t seed = 2023;
  CHECK(philox_self_test() == 0, "C Philox reproduces docs/Randomness.md 9.1");

  data_rng g = {1992};
  float *mu = xmalloc(sizeof(float) * K * F);
  for (int c = 0; c < K; ++c) {
    double nrm = 0;
    for (int i = 0; i < F; ++i) {
      mu[c * F + i] = (float)data_normal(&g);
      nrm += mu[c * F + i] * mu[c * F + i];
    }
    for (int i = 0; i < F; ++i)
      mu[c * F + i] = (float)(8 * mu[c * F + i] / sqrt(nrm));
  }
  float *x = xmalloc(sizeof(float) * N * F),
        *xt = xmalloc(sizeof(float) * N * F);
  int32_t *lab = xmalloc(sizeof(int32_t) * N),
          *labt = xmalloc(sizeof(int32_t) * N);
  make_data(&g, mu, x, lab);
  make_data(&g, mu, xt, labt);
  float *theta = xmalloc(sizeof(float) * P);
  for (int i = 0; i < F * HID; ++i)
    theta[i] = (float)(data_normal(&g) * sqrt(2.0 / F));
  for (int i = 0; i < HID * K; ++i)
    theta[F * HID + HID + i] = (float)(data_normal(&g) * sqrt(1.0 / HID));
  printf("MeZO: head 256-32-4 (%d parameters, one flat vector), eps 1e-3, lr "
         "1e-3, "
         "batch 64, seed %lld\n",
         P, (long long)seed);

  /* One step, replayed. */
  {
    const int64_t step = 5;
    float *t1 = xmalloc(sizeof(float) * P), *t2 = xmalloc(sizeof(float) * P);
    float *t3 = xmalloc(sizeof(float) * P);
    float l1, g1, l2, g2, l3, g3;
    CALL(mezo_step(theta, x, lab, seed, step, t1, &l1, &g1));
    CALL(mezo_step(theta, x, lab, seed, step, t2, &l2, &g2));
    CALL(mezo_step(theta, x, lab, seed, step + 1, t3, &l3, &g3));
    CHECK(same_bits(t1, t2, sizeof(float) * P) && l1 == l2 && g1 == g2,
          "same (theta, batch, seed, step), same bits");

    sto_key k = key_fold_in(key_seed(seed), step);
    float *plus = xmalloc(sizeof(float) * P),
          *minus = xmalloc(sizeof(float) * P);
    long bitwise = 0;
    double err = 0;
    float a = 1e-3f * g1;
    for (int j = 0; j < P; ++j) {
      float z = ref_normal_f32(k, j);
      plus[j] = fmaf(1e-3f, z, theta[j]);
      minus[j] = fmaf(-2e-3f, z, plus[j]);
      float restored = fmaf(1e-3f, z, minus[j]);
      float want = fmaf(-a, z, restored);
      bitwise += want == t1[j];
      double d = fabs((double)want - t1[j]);
      if (!(d <= err))
        err = d;
    }
    float lp, lm;
    CALL(head_loss(plus, x, lab, &lp));
    CALL(head_loss(minus, x, lab, &lm));
    float g_check = (lp - lm) * 500.0f;
    printf("step %lld: loss %.6f, projected gradient g = %.6f; C replay from "
           "(seed, step, g): "
           "%ld of %d parameters bit for bit, max |diff| %.1e; g from "
           "head_loss at the "
           "replayed theta+-: %.6f\n",
           (long long)step, l1, g1, bitwise, P, err, g_check);
    CHECK(bitwise == P, "C replay from the seed reproduces theta' bit for bit");
    CHECK(fabs(g_check - g1) <= 1e-3 + 1e-3 * fabs(g1) &&
              fabs(0.5 * (lp + lm) - l1) < 1e-6,
          "g = (L(theta+) - L(theta-)) / (2 eps), loss = their mean");
    /* Directions of two steps: z recovered as (theta' - theta) / (-lr g). */
    double s11 = 0, s22 = 0, s12 = 0;
    for (int j = 0; j < P; ++j) {
      double d1 = ((double)t1[j] - theta[j]) / g1,
             d2 = ((double)t3[j] - theta[j]) / g3;
      s11 += d1 * d1;
      s22 += d2 * d2;
      s12 += d1 * d2;
    }
    double corr = s12 / sqrt(s11 * s22);
    printf("direction of step %lld vs step %lld: correlation %.4f\n",
           (long long)step, (long long)step + 1, corr);
    CHECK(fabs(corr) < 0.1, "another step, an uncorrelated direction");
    free(t1);
    free(t2);
    free(t3);
    free(plus);
    free(minus);
  }

  /* Training. */
  {
    float *next = xmalloc(sizeof(float) * P),
          *again = xmalloc(sizeof(float) * P);
    double loss0 = full_loss(theta, x, lab), acc0 = accuracy(theta, xt, labt);
    double prev = loss0;
    int falls = 1;
    printf("before: train loss %.4f, held-out accuracy %.4f\n", loss0, acc0);
    for (int ep = 0; ep < epochs; ++ep) {
      float l, l2;
      CALL(mezo_epoch(theta, x, lab, seed, ep, next, &l));
      if (ep == 0) {
        CALL(mezo_epoch(theta, x, lab, seed, ep, again, &l2));
        CHECK(same_bits(next, again, sizeof(float) * P) && l == l2,
              "same (seed, epoch), same bits");
      }
      memcpy(theta, next, sizeof(float) * P);
      if ((ep + 1) % 10 == 0 || ep + 1 == epochs) {
        double lt = full_loss(theta, x, lab);
        printf("  epoch %3d: mean MeZO loss %.4f, train loss %.4f, held-out "
               "accuracy %.4f\n",
               ep + 1, l, lt, accuracy(theta, xt, labt));
        falls &= lt < prev;
        prev = lt;
      }
    }
    double loss1 = full_loss(theta, x, lab), acc1 = accuracy(theta, xt, labt);
    printf(
        "after %d epochs (%d steps): train loss %.4f, held-out accuracy %.4f\n",
        epochs, epochs * NB, loss1, acc1);
    CHECK(falls, "the training loss falls at every checkpoint");
    CHECK(loss1 < 0.95 * loss0,
          "MeZO lowers the training loss by 5%% or more (%.4f -> %.4f)", loss0,
          loss1);
    CHECK(acc1 > acc0, "held-out accuracy rises (%.4f -> %.4f)", acc0, acc1);
    free(next);
    free(again);
  }
  printf("%s\n", g_failures ? "FAILED" : "PASSED");
  free(mu);
  free(x);
  free(xt);
  free(lab);
  free(labt);
  free(theta);
  return g_failures;
}
