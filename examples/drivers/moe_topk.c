/* moe_topk.c - runs examples/moe_topk.mlir, compiled ahead of time by
 * sto-compile: a few training steps of the top-2 MoE layer (the bias fed
 * back from step to step) and its inference entry point.
 *
 *   usage: moe_topk [steps]   (default 5)
 *
 * Checks (the exit status is the number of failed checks):
 *  - every step routes 256 tokens x 2 choices (the loads sum to 512) and
 *    moves each bias entry by exactly 1e-3 or not at all;
 *  - the outputs and the auxiliary loss are finite, the loss positive;
 *  - the same step twice gives the same bits, another step other noise;
 *  - moe_layer_eval (no gate noise) is deterministic and finite.
 */
#include "moe_topk.h"
#include "sto_example.h"

enum { T = 256, D = 128, E = 8, H = 256 };

static float *randn(data_rng *r, size_t n, double scale) {
  float *p = xmalloc(sizeof(float) * n);
  for (size_t i = 0; i < n; ++i)
    p[i] = (float)(data_normal(r) * scale);
  return p;
}

static int finite_all(const float *p, size_t n) {
  for (size_t i = 0; i < n; ++i)
    if (!isfinite(p[i]))
      return 0;
  return 1;
}

int main(int argc, char **argv) {
  long steps = arg_or(argc, argv, 1, 5);
  data_rng r = {7u};
  float *x = randn(&r, (size_t)T * D, 1.0);
  float *wg = randn(&r, (size_t)D * E, 1.0 / sqrt(D));
  float *w1 = randn(&r, (size_t)E * D * H, sqrt(2.0 / D));
  float *b1 = randn(&r, (size_t)E * H, 0.01);
  float *w2 = randn(&r, (size_t)E * H * D, 1.0 / sqrt(H));
  float *b2 = randn(&r, (size_t)E * D, 0.01);
  float bias[E] = {0}, new_bias[E], again_bias[E];
  int32_t load[E], again_load[E];
  float *out = xmalloc(sizeof(float) * T * D);
  float *again = xmalloc(sizeof(float) * T * D);
  float aux = 0, again_aux = 0;

  int routed_ok = 1, bias_ok = 1, finite_ok = 1;
  for (long s = 0; s < steps; ++s) {
    CALL(moe_layer(x, wg, bias, w1, b1, w2, b2, 42, s, out, new_bias, load,
                   &aux));
    long total = 0;
    int32_t hi = 0;
    for (int e = 0; e < E; ++e) {
      total += load[e];
      if (load[e] > hi)
        hi = load[e];
      float d = new_bias[e] - bias[e];
      bias_ok &= d == 0 || fabsf(fabsf(d) - 1e-3f) < 1e-6f;
    }
    routed_ok &= total == 2 * T;
    finite_ok &= finite_all(out, (size_t)T * D) && isfinite(aux) && aux > 0;
    printf("step %ld: max/mean load %.3f, aux loss %.3g\n", s,
           hi / (2.0 * T / E), aux);
    if (s == 0) {
      CALL(moe_layer(x, wg, bias, w1, b1, w2, b2, 42, s, again, again_bias,
                     again_load, &again_aux));
      CHECK(same_bits(out, again, sizeof(float) * T * D) &&
                same_bits(new_bias, again_bias, sizeof(new_bias)) &&
                same_bits(load, again_load, sizeof(load)) &&
                same_bits(&aux, &again_aux, sizeof(aux)),
            "step 0 twice: same bits");
      CALL(moe_layer(x, wg, bias, w1, b1, w2, b2, 42, 1, again, again_bias,
                     again_load, &again_aux));
      CHECK(!same_bits(out, again, sizeof(float) * T * D),
            "step 1 with the same bias: other gate noise, other output");
    }
    memcpy(bias, new_bias, sizeof(bias));
  }
  CHECK(routed_ok, "every step routes %d choices", 2 * T);
  CHECK(bias_ok, "bias entries move by 1e-3 or stay");
  CHECK(finite_ok, "outputs and aux loss finite, aux loss positive");

  CALL(moe_layer_eval(x, wg, bias, w1, b1, w2, b2, out));
  CALL(moe_layer_eval(x, wg, bias, w1, b1, w2, b2, again));
  CHECK(finite_all(out, (size_t)T * D) &&
            same_bits(out, again, sizeof(float) * T * D),
        "moe_layer_eval: finite and deterministic");
  printf("%s\n", g_failures ? "FAILED" : "PASSED");
  free(x);
  free(wg);
  free(w1);
  free(b1);
  free(w2);
  free(b2);
  free(out);
  free(again);
  return g_failures;
}
