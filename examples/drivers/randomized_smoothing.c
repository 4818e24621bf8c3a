/* randomized_smoothing.c - runs examples/randomized_smoothing.mlir, compiled
 * ahead of time by sto-compile: CERTIFY of Cohen, Rosenfeld and Kolter
 * (ICML 2019) around a planted base classifier.
 *
 *   usage: randomized_smoothing [seed]
 *
 * The base classifier is the example's 784-256-10 ReLU MLP with planted
 * weights: hidden unit c < 10 is the projection <x, p_c> on a prototype p_c
 * (a unit vector spread evenly over the 78 pixels 78c .. 78c + 77; the
 * other 246 hidden units are 0), and the output layer passes hidden unit c
 * to class c. So f(x) = argmax_c relu(<x, p_c>), ties to the lower class.
 * Under Gaussian noise of sigma = 0.25 per pixel the projections of a
 * noisy copy of x = a p_k are independent N(a [c = k], sigma^2), and the
 * probability that f returns k is, in closed form,
 *
 *   p_A(a) = integral over e > -a of phi_sigma(e) Phi((a + e)/sigma)^9 de,
 *
 * computed here by quadrature, independently of sto.
 *
 * Checks (the exit status is the number of failed checks):
 *  - the base classifier maps each prototype 2 p_c to c (10 of 10);
 *  - a strong point, x = 2 p_3: class 3, and p_lower = Phi(R / sigma) from
 *    the returned radius R equals alpha^(1/n), the Clopper-Pearson bound
 *    when all n = 100 000 votes go to the class (p_A(2) = 1 - 1e-7);
 *  - weaker points x = a p_7 (a = 0.6, 0.45): class 7, and the bound is
 *    valid and tight: p_A(a) - 6 se < p_lower < p_A(a) + 2 se (se the
 *    binomial standard error; a 1 - alpha lower bound sits about 3.1 se
 *    below the estimate), so the radius grows with a;
 *  - x = 0: no class has p_A > 1/2, so CERTIFY abstains (class -1, R 0);
 *  - a 16-point sweep (smoothed_certify_batch, n = 10 000): every point
 *    a p_c with a >= 1 is certified as c; the same seed gives the same
 *    bits, and the radii stay below the cap sigma Phi^-1(alpha^(1/n)).
 */
#include "randomized_smoothing.h"
#include "sto_example.h"

enum { D = 784, H = 256, K = 10, BLOCK = 78, N0 = 100, N = 100000 };
static const double SIGMA = 0.25, ALPHA = 0.001;

static double phi(double z) { return exp(-0.5 * z * z) / sqrt(2 * acos(-1.0)); }
static double cdf(double z) { return 0.5 * erfc(-z / sqrt(2.0)); }

/* p_A(a) by Simpson's rule over e in [-a, a + 12 sigma]. */
static double p_top(double a) {
  double lo = -a, hi = a + 12 * SIGMA;
  if (hi - lo < 1e-12)
    return 0;
  int m = 20000;
  double h = (hi - lo) / m, s = 0;
  for (int i = 0; i <= m; ++i) {
    double e = lo + i * h;
    double f = phi(e / SIGMA) / SIGMA * pow(cdf((a + e) / SIGMA), K - 1);
    s += f * (i == 0 || i == m ? 1 : (i % 2 ? 4 : 2));
  }
  return s * h / 3;
}

static float *w1, *b1, *w2, *b2;

static void prototype(float *x, int c, double a) {
  for (int j = 0; j < D; ++j)
    x[j] = (j / BLOCK == c) ? (float)(a / sqrt((double)BLOCK)) : 0.0f;
}

int main(int argc, char **argv) {
  int64_t seed = argc > 1 ? atoll(argv[1]) : 7;
  CHECK(philox_self_test() == 0, "C Philox reproduces docs/Randomness.md 9.1");

  w1 = xmalloc(sizeof(float) * D * H);
  b1 = xmalloc(sizeof(float) * H);
  w2 = xmalloc(sizeof(float) * H * K);
  b2 = xmalloc(sizeof(float) * K);
  for (int j = 0; j < D; ++j)
    if (j / BLOCK < K)
      w1[j * H + j / BLOCK] = (float)(1 / sqrt((double)BLOCK));
  for (int c = 0; c < K; ++c)
    w2[c * K + c] = 1;

  /* The base classifier on the clean prototypes. */
  float *xs = xmalloc(sizeof(float) * 100 * D);
  int32_t ids[100];
  for (int i = 0; i < 100; ++i)
    prototype(xs + i * D, i % K, 2.0);
  CALL(base_classify(xs, w1, b1, w2, b2, ids));
  int right = 0;
  for (int i = 0; i < 100; ++i)
    right += ids[i] == i % K;
  CHECK(right == 100, "base classifier: 2 p_c -> c (%d of 100)", right);

  /* CERTIFY at single points. */
  double max_lower = pow(ALPHA, 1.0 / N);
  printf("%-12s %6s %6s %10s %10s %10s\n", "x", "class", "p_A", "p_lower",
         "radius", "a/sqrt2");
  float x[D];
  struct {
    int cls;
    double a;
  } points[] = {{3, 2.0}, {7, 0.6}, {7, 0.45}, {0, 0.0}};
  double last_radius = 1e9;
  for (int t = 0; t < 4; ++t) {
    prototype(x, points[t].cls, points[t].a);
    int64_t cls;
    double radius;
    CALL(smoothed_certify(x, w1, b1, w2, b2, seed, &cls, &radius));
    double pa = p_top(points[t].a);
    double lower = radius > 0 ? cdf(radius / SIGMA) : 0;
    printf("%4.2f p_%d    %6lld %6.4f %10.6f %10.6f %10.6f\n", points[t].a,
           points[t].cls, (long long)cls, pa, lower, radius,
           points[t].a / sqrt(2.0));
    if (t == 0) {
      CHECK(cls == 3 && fabs(lower - max_lower) < 1e-9,
            "x = 2 p_3: class 3, p_lower = alpha^(1/n) = %.6f (all votes)",
            max_lower);
    } else if (t < 3) {
      double se = sqrt(pa * (1 - pa) / N);
      CHECK(cls == 7 && lower > pa - 6 * se && lower < pa + 2 * se,
            "x = %.2f p_7: class 7, p_lower %.5f within [p_A - 6 se, p_A + "
            "2 se] of p_A %.5f",
            points[t].a, lower, pa);
      CHECK(radius < last_radius, "the radius shrinks with a");
    } else {
      /* Class 0 wins when every projection is <= 0 (ties) or its own is
       * the largest: 2^-10 + (1 - 2^-10)/10, far below 1/2. */
      CHECK(cls == -1 && radius == 0, "x = 0: abstains");
    }
    last_radius = radius;
  }

  /* The sweep: 16 points a p_c with a in {0.25, 0.5, 1, 2}. */
  float *batch = xmalloc(sizeof(float) * 16 * D);
  const double amps[4] = {0.25, 0.5, 1.0, 2.0};
  for (int i = 0; i < 16; ++i)
    prototype(batch + i * D, (3 * i) % K, amps[i % 4]);
  int64_t cls16[16], again_cls[16];
  double rad16[16], again_rad[16];
  CALL(smoothed_certify_batch(batch, w1, b1, w2, b2, seed, cls16, rad16));
  CALL(smoothed_certify_batch(batch, w1, b1, w2, b2, seed, again_cls,
                              again_rad));
  int strong = 0, strong_ok = 0, under_cap = 1;
  double cap16 = SIGMA * 3.1985775147383384; /* Phi^-1(0.001^(1/10000)) */
  for (int i = 0; i < 16; ++i) {
    if (amps[i % 4] >= 1) {
      ++strong;
      strong_ok += cls16[i] == (3 * i) % K;
    }
    if (rad16[i] > cap16 + 1e-9)
      under_cap = 0;
    printf("  sweep %2d: %4.2f p_%d -> class %2lld, radius %.4f\n", i,
           amps[i % 4], (3 * i) % K, (long long)cls16[i], rad16[i]);
  }
  CHECK(strong_ok == strong,
        "sweep: every a >= 1 point certified as its "
        "class (%d of %d)",
        strong_ok, strong);
  CHECK(under_cap, "sweep: radii below sigma Phi^-1(alpha^(1/n)) = %.4f",
        cap16);
  CHECK(same_bits(cls16, again_cls, sizeof cls16) &&
            same_bits(rad16, again_rad, sizeof rad16),
        "sweep: same seed, same bits");
  free(batch);
  free(xs);
  free(w1);
  free(b1);
  free(w2);
  free(b2);
  printf(g_failures ? "FAILED (%d)\n" : "PASSED\n", g_failures);
  return g_failures;
}
