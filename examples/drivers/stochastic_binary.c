/* stochastic_binary.c - runs examples/stochastic_binary.mlir, compiled ahead
 * of time by sto-compile: a layer of 128 stochastic binary neurons,
 * p = sigmoid(x W1 + b1), h ~ Bernoulli(p), logits = h W2 + b2, once per
 * gradient estimator (straight-through, straight-through-sigmoid,
 * REINFORCE, stochastic-times-smooth).
 *
 *   usage: stochastic_binary [steps]
 *     steps  training steps sampled per estimator, 64 x 128 units each
 *            (default 16)
 *
 * Inputs: x ~ N(0, 1) [64 x 256], W1 ~ N(0, 0.125^2) so that the
 * pre-activations have standard deviation 2 and p covers (0, 1), W2 ~
 * N(0, 1/128), labels uniform in 0..9; all from a splitmix64 stream.
 *
 * Checks (the exit status is the number of failed checks):
 *  - the sample is what the estimator's forward pass says: h in {0, 1} for
 *    the straight-through, straight-through-sigmoid and REINFORCE estimators
 *    and h in {0, sqrt(p)} for stochastic-times-smooth;
 *  - forward mean activation: the mean of h equals the mean of p within 5
 *    standard errors (z-score of sum(h - p) against the Bernoulli variance),
 *    overall and in each of 5 bins of p; for stochastic-times-smooth
 *    E[h] = sqrt(p) * P(b = 1) = sqrt(p) * sqrt(p) = p as well;
 *  - every sample is the contract's decision u < p (u < sqrt(p) for
 *    stochastic-times-smooth) with u from an independent C Philox and
 *    k = fold_in(seed(s), step), except where u is within 1e-5 of the
 *    threshold (p is recomputed in C, so the last bits may differ);
 *  - the three Bernoulli estimators draw the same sample at the same
 *    (seed, step) (estimators change the gradient only) and another step
 *    draws another sample;
 *  - the loss is the cross-entropy of h W2 + b2 recomputed in C;
 *  - sbn_predict is deterministic and gives the argmax of the code [p > 1/2].
 */
#include "stochastic_binary.h"
#include "sto_example.h"

enum { BATCH = 64, IN = 256, H = 128, OUT = 10, NBINS = 5 };

typedef int32_t (*sbn_fn)(const float *, const float *, const float *,
                          const float *, const float *, const int32_t *,
                          int64_t, int64_t, float *, float *);

static const struct {
  const char *name;
  sbn_fn fn;
  int sts;
} estimators[] = {
    {"straight_through", sbn_loss_straight_through, 0},
    {"straight_through_sigmoid", sbn_loss_straight_through_sigmoid, 0},
    {"reinforce", sbn_loss_reinforce, 0},
    {"stochastic_times_smooth", sbn_loss_stochastic_times_smooth, 1},
};

static float *x, *w1, *b1, *w2, *b2;
static int32_t labels[BATCH];
static double p[BATCH * H];

static double decode_ce(const float *h) {
  double total = 0;
  for (int r = 0; r < BATCH; ++r) {
    double l[OUT], mx = -INFINITY, se = 0;
    for (int c = 0; c < OUT; ++c) {
      double s = b2[c];
      for (int j = 0; j < H; ++j)
        s += (double)h[r * H + j] * w2[j * OUT + c];
      l[c] = s;
      if (s > mx)
        mx = s;
    }
    for (int c = 0; c < OUT; ++c)
      se += exp(l[c] - mx);
    total += log(se) - (l[labels[r]] - mx);
  }
  return total / BATCH;
}

int main(int argc, char **argv) {
  int steps = (int)arg_or(argc, argv, 1, 16);
  const int64_t seed = 77;
  CHECK(philox_self_test() == 0, "C Philox reproduces docs/Randomness.md 9.1");

  data_rng g = {2013};
  x = xmalloc(sizeof(float) * BATCH * IN);
  w1 = xmalloc(sizeof(float) * IN * H);
  b1 = xmalloc(sizeof(float) * H);
  w2 = xmalloc(sizeof(float) * H * OUT);
  b2 = xmalloc(sizeof(float) * OUT);
  for (int i = 0; i < BATCH * IN; ++i)
    x[i] = (float)data_normal(&g);
  for (int i = 0; i < IN * H; ++i)
    w1[i] = (float)(0.125 * data_normal(&g));
  for (int j = 0; j < H; ++j)
    b1[j] = (float)(0.1 * data_normal(&g));
  for (int i = 0; i < H * OUT; ++i)
    w2[i] = (float)(data_normal(&g) / sqrt((double)H));
  for (int c = 0; c < OUT; ++c)
    b2[c] = 0.0f;
  for (int r = 0; r < BATCH; ++r)
    labels[r] = (int32_t)(data_next(&g) % OUT);
  double pmean = 0;
  for (int r = 0; r < BATCH; ++r)
    for (int j = 0; j < H; ++j) {
      double a = b1[j];
      for (int i = 0; i < IN; ++i)
        a += (double)x[r * IN + i] * w1[i * H + j];
      p[r * H + j] = 1 / (1 + exp(-a));
      pmean += p[r * H + j];
    }
  printf("stochastic binary layer 256-128(binary)-10, batch 64, %d steps per "
         "estimator, seed %lld; mean p %.4f\n",
         steps, (long long)seed, pmean / (BATCH * H));

  float *h = xmalloc(sizeof(float) * BATCH * H);
  float *h_first = xmalloc(sizeof(float) * BATCH * H);
  float *h_other = xmalloc(sizeof(float) * BATCH * H);
  int ne = (int)(sizeof estimators / sizeof estimators[0]);
  for (int e = 0; e < ne; ++e) {
    int sts = estimators[e].sts;
    long bad_values = 0, mismatches = 0, near = 0, n = 0;
    double sum_hp = 0, var = 0, loss_err = 0, loss_mean = 0;
    double bin_h[NBINS] = {0}, bin_p[NBINS] = {0}, bin_var[NBINS] = {0};
    long bin_n[NBINS] = {0};
    for (int s = 0; s < steps; ++s) {
      float loss;
      CALL(estimators[e].fn(x, w1, b1, w2, b2, labels, seed, s, &loss, h));
      sto_key k = key_fold_in(key_seed(seed), s);
      for (int i = 0; i < BATCH * H; ++i) {
        double pi = p[i], thr = sts ? sqrt(pi) : pi;
        double on_value = sts ? sqrt(pi) : 1.0;
        int on = h[i] != 0.0f;
        if (on && fabs(h[i] - on_value) > 1e-5)
          ++bad_values;
        float u = ref_uniform(k, i);
        if (fabs(u - thr) < 1e-5)
          ++near;
        else
          mismatches += on != (u < thr);
        double mean_h = pi,
               var_h = sts ? pi * sqrt(pi) - pi * pi : pi * (1 - pi);
        sum_hp += h[i] - mean_h;
        var += var_h;
        int bin = (int)(pi * NBINS);
        if (bin >= NBINS)
          bin = NBINS - 1;
        bin_h[bin] += h[i];
        bin_p[bin] += mean_h;
        bin_var[bin] += var_h;
        ++bin_n[bin];
        ++n;
      }
      double ce = decode_ce(h);
      loss_mean += loss / steps;
      double d = fabs(loss - ce);
      if (!(d <= loss_err))
        loss_err = d;
      if (s == 0 && e == 0)
        memcpy(h_first, h, sizeof(float) * BATCH * H);
      if (s == 0 && e > 0 && !sts)
        CHECK(same_bits(h, h_first, sizeof(float) * BATCH * H),
              "%s draws the straight_through sample at the same (seed, step)",
              estimators[e].name);
      if (s == 1 && e == 0)
        memcpy(h_other, h, sizeof(float) * BATCH * H);
    }
    double z = sum_hp / sqrt(var);
    printf(
        "%s: mean h %.4f, mean p %.4f (z = %+.2f), mean loss %.4f; by p bin:",
        estimators[e].name, (sum_hp + (double)n * pmean / (BATCH * H)) / n,
        pmean / (BATCH * H), z, loss_mean);
    int bins_ok = 1;
    for (int b = 0; b < NBINS; ++b) {
      if (!bin_n[b])
        continue;
      double zb = (bin_h[b] - bin_p[b]) / sqrt(bin_var[b]);
      bins_ok &= fabs(zb) < 5;
      printf(" %.1f-%.1f %.3f/%.3f", (double)b / NBINS, (double)(b + 1) / NBINS,
             bin_h[b] / bin_n[b], bin_p[b] / bin_n[b]);
    }
    printf("\n");
    CHECK(bad_values == 0, "%s: h in {0, %s} (%ld bad of %ld)",
          estimators[e].name, sts ? "sqrt(p)" : "1", bad_values, n);
    CHECK(fabs(z) < 5 && bins_ok,
          "%s: forward mean activation = p within 5 "
          "standard errors, overall and per bin",
          estimators[e].name);
    CHECK(mismatches == 0,
          "%s: samples = contract decision u < %s (%ld mismatches, "
          "%ld within 1e-5 of the threshold)",
          estimators[e].name, sts ? "sqrt(p)" : "p", mismatches, near);
    CHECK(loss_err < 1e-4,
          "%s: loss = C cross-entropy of h W2 + b2 (max err %.1e)",
          estimators[e].name, loss_err);
  }
  CHECK(!same_bits(h_first, h_other, sizeof(float) * BATCH * H),
        "another step draws another sample");

  {
    int32_t cls[BATCH], cls2[BATCH];
    CALL(sbn_predict(x, w1, b1, w2, b2, cls));
    CALL(sbn_predict(x, w1, b1, w2, b2, cls2));
    float *code = xmalloc(sizeof(float) * BATCH * H);
    int ambiguous_code = 0;
    for (int i = 0; i < BATCH * H; ++i) {
      code[i] = p[i] > 0.5 ? 1.0f : 0.0f;
      ambiguous_code |= fabs(p[i] - 0.5) < 1e-6;
    }
    int agree = 0, ties = 0;
    for (int r = 0; r < BATCH; ++r) {
      double l[OUT];
      int best = 0;
      for (int c = 0; c < OUT; ++c) {
        double s = b2[c];
        for (int j = 0; j < H; ++j)
          s += (double)code[r * H + j] * w2[j * OUT + c];
        l[c] = s;
        if (s > l[best])
          best = c;
      }
      if (cls[r] == best)
        ++agree;
      else if (fabs(l[cls[r]] - l[best]) < 1e-4)
        ++ties;
    }
    printf(
        "predict: %d of %d rows = argmax of decode([p > 1/2]) (%d near-ties)\n",
        agree, BATCH, ties);
    CHECK(same_bits(cls, cls2, sizeof cls), "predict deterministic");
    CHECK(agree + ties == BATCH || ambiguous_code,
          "predict = argmax of the most likely code");
    free(code);
  }
  printf("%s\n", g_failures ? "FAILED" : "PASSED");
  free(h);
  free(h_first);
  free(h_other);
  free(x);
  free(w1);
  free(b1);
  free(w2);
  free(b2);
  return g_failures;
}
