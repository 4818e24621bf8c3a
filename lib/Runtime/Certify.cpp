//===- Certify.cpp - the confidence bounds of sto.certify
//------------------===//
//
// sto.certify (randomized smoothing, Cohen et al. 2019) compiles to calls of
// these functions: the lower confidence bound p on the top class's
// probability from its vote count, as its upper tail 1 - p (which keeps its
// precision when p is close to 1: p = 1 - 1.5e-18 rounded to 1 and gave an
// infinite radius), and the standard normal quantile of the radius. They
// are plain C (no allocation, no exceptions), in double.
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

/// lgamma(a + b) - lgamma(a) - lgamma(b), the log of 1 / B(a, b). When the
/// smaller of a and b is an integer up to 2^24, as a (compensated) sum of
/// logs: each lgamma rounds by about 1e-16 of itself, 3e-3 at 2^40, which
/// moved the bound of k = 2^40 votes of 2^40 + 10 by 2e-6 of the radius.
double logInverseBeta(double a, double b) {
  double small = fmin(a, b), big = fmax(a, b);
  if (small != floor(small) || small > 16777216)
    return lgamma(a + b) - lgamma(a) - lgamma(b);
  double sum = 0, carry = 0;
  for (double i = 0; i < small; ++i) {
    double term = log(big + i) - carry, next = sum + term;
    carry = (next - sum) - term;
    sum = next;
  }
  return sum - lgamma(small);
}

/// I_x(a, b), the CDF of Beta(a, b) at x, with logInverseBeta(a, b) given.
double regularizedBeta(double a, double b, double x, double logInvB) {
  if (x <= 0)
    return 0;
  if (x >= 1)
    return 1;
  double front = exp(logInvB + a * log(x) + b * log1p(-x));
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

/// Whether a bound applies (votes, samples, and alpha in (0, 1)); more
/// votes than samples count as all of them.
bool boundApplies(int64_t &top, int64_t total, double alpha) {
  if (top <= 0 || total <= 0 || !(alpha > 0 && alpha < 1))
    return false;
  if (top > total)
    top = total;
  return true;
}

/// Empirical Bernstein (Maurer and Pontil 2009, theorem 4) on n Bernoulli
/// votes, k of them for the class: the bound is k/n minus this margin, with
/// the sample variance V = p(1 - p) n / (n - 1). n >= 2.
double bernsteinMargin(double k, double n, double alpha) {
  double p = k / n, v = p * (1 - p) * n / (n - 1), t = log(2 / alpha);
  return sqrt(2 * v * t / n) + 7 * t / (3 * (n - 1));
}

} // namespace

extern "C" double sto_certify_lower_bound(int64_t top, int64_t total,
                                          double alpha, int32_t method) {
  if (!boundApplies(top, total, alpha))
    return 0;
  double k = double(top), n = double(total);
  if (method == STO_BOUND_BERNSTEIN) {
    if (total < 2)
      return 0;
    double bound = k / n - bernsteinMargin(k, n, alpha);
    return bound > 0 ? bound : 0;
  }
  // Clopper-Pearson: the alpha quantile of Beta(k, n - k + 1).
  if (top == total)
    return pow(alpha, 1 / n);
  double b = n - k + 1, logInvB = logInverseBeta(k, b);
  return bisect([&](double x) { return regularizedBeta(k, b, x, logInvB); },
                alpha, 0.0, 1.0);
}

extern "C" double sto_certify_upper_tail(int64_t top, int64_t total,
                                         double alpha, int32_t method) {
  if (!boundApplies(top, total, alpha))
    return 1;
  double k = double(top), n = double(total);
  if (method == STO_BOUND_BERNSTEIN) {
    if (total < 2)
      return 1;
    // 1 - p = (n - k) / n, exactly up to one rounding.
    double q = double(total - top) / n + bernsteinMargin(k, n, alpha);
    return q < 1 ? q : 1;
  }
  // 1 - alpha^(1/n), without the cancellation.
  if (top == total)
    return -expm1(log(alpha) / n);
  // If X ~ Beta(k, n - k + 1), then 1 - X ~ Beta(n - k + 1, k): the upper
  // tail of the bound is the 1 - alpha quantile of the latter.
  double b = n - k + 1, logInvB = logInverseBeta(b, k);
  return bisect([&](double x) { return regularizedBeta(b, k, x, logInvB); },
                1 - alpha, 0.0, 1.0);
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
