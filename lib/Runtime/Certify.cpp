//===- Certify.cpp - the confidence bounds of sto.certify
//------------------===//
//
// sto.certify (randomized smoothing, Cohen et al. 2019) compiles to calls of
// these two functions: the lower confidence bound on the top class's
// probability from its vote count, and the standard normal quantile of the
// radius. They are plain C (no allocation, no exceptions), in double.
//
//===----------------------------------------------------------------------===//

#include "sto-c/Runtime.h"

#include <math.h>

namespace {

/// The continued fraction of the regularized incomplete beta function
/// (modified Lentz); converges fast for x < (a + 1) / (a + b + 2).
double betaFraction(double a, double b, double x) {
  const double tiny = 1e-300, eps = 1e-16;
  auto guard = [&](double v) { return fabs(v) < tiny ? tiny : v; };
  double c = 1, d = 1 / guard(1 - (a + b) * x / (a + 1)), h = d;
  for (int m = 1; m <= 100000; ++m) {
    double m2 = 2.0 * m;
    double even = m * (b - m) * x / ((a - 1 + m2) * (a + m2));
    d = 1 / guard(1 + even * d);
    c = guard(1 + even / c);
    h *= d * c;
    double odd = -(a + m) * (a + b + m) * x / ((a + m2) * (a + 1 + m2));
    d = 1 / guard(1 + odd * d);
    c = guard(1 + odd / c);
    double step = d * c;
    h *= step;
    if (fabs(step - 1) < eps)
      break;
  }
  return h;
}

/// I_x(a, b), the CDF of Beta(a, b) at x.
double regularizedBeta(double a, double b, double x) {
  if (x <= 0)
    return 0;
  if (x >= 1)
    return 1;
  double front =
      exp(lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x));
  if (x < (a + 1) / (a + b + 2))
    return front * betaFraction(a, b, x) / a;
  return 1 - front * betaFraction(b, a, 1 - x) / b;
}

/// The x in [lo, hi] where the increasing `f` reaches `target`, by
/// bisection to the last bit.
template <class F> double bisect(F f, double target, double lo, double hi) {
  for (int i = 0; i < 2000; ++i) {
    double mid = lo + (hi - lo) / 2;
    if (mid <= lo || mid >= hi)
      break;
    (f(mid) < target ? lo : hi) = mid;
  }
  return lo + (hi - lo) / 2;
}

} // namespace

extern "C" double sto_certify_lower_bound(int64_t top, int64_t total,
                                          double alpha, int32_t method) {
  if (top <= 0 || total <= 0 || !(alpha > 0 && alpha < 1))
    return 0;
  if (top > total)
    top = total;
  double k = double(top), n = double(total);
  if (method == STO_BOUND_BERNSTEIN) {
    // Empirical Bernstein (Maurer and Pontil 2009, theorem 4) on n
    // Bernoulli votes: the sample variance is p(1 - p) n / (n - 1).
    if (total < 2)
      return 0;
    double p = k / n, v = p * (1 - p) * n / (n - 1), t = log(2 / alpha);
    double bound = p - sqrt(2 * v * t / n) - 7 * t / (3 * (n - 1));
    return bound > 0 ? bound : 0;
  }
  // Clopper-Pearson: the alpha quantile of Beta(k, n - k + 1).
  if (top == total)
    return pow(alpha, 1 / n);
  double b = n - k + 1;
  return bisect([&](double x) { return regularizedBeta(k, b, x); }, alpha, 0.0,
                1.0);
}

extern "C" double sto_normal_quantile(double p) {
  if (!(p > 0))
    return p == 0 ? -HUGE_VAL : NAN;
  if (!(p < 1))
    return p == 1 ? HUGE_VAL : NAN;
  // Each half from its own tail, where erfc keeps full precision (1 - p is
  // exact for p >= 1/2).
  if (p > 0.5)
    return bisect([](double x) { return -0.5 * erfc(x / sqrt(2.0)); }, -(1 - p),
                  0.0, 40.0);
  return bisect([](double x) { return 0.5 * erfc(-x / sqrt(2.0)); }, p, -40.0,
                0.0);
}
