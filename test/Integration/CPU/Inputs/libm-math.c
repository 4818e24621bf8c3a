/* Driver of libm-math.mlir: values against closed forms and tables. */
#include "m.h"
#include <math.h>
#include <stdio.h>

static int bad;

static void expect(const char *what, const double *got, const double *want,
                   int n, double tol) {
  int ok = 1;
  for (int i = 0; i < n; ++i)
    if (!(fabs(got[i] - want[i]) <= tol * fabs(want[i]))) {
      printf("%s [%d]: got %.17g, want %.17g\n", what, i, got[i], want[i]);
      ok = 0;
    }
  printf("%s %s\n", what, ok ? "ok" : "FAILED");
  bad |= !ok;
}

int main(void) {
  const double x[4] = {0.125, 0.5, -0.75, 0.875};
  double e[4], ec[4], c[4], at[4];
  if (f64_math(x, e, ec, c, at) != 0)
    return 1;
  /* erf, erfc: the Maclaurin series in long double (|x| < 1: 30 terms
     reach 1e-19); cbrt: the cube of the result. */
  double erfWant[4], erfcWant[4], cubed[4];
  for (int i = 0; i < 4; ++i) {
    long double t = x[i], sum = 0, x2 = (long double)x[i] * x[i];
    for (int n = 0; n < 30; ++n) {
      sum += t / (2 * n + 1);
      t *= -x2 / (n + 1);
    }
    erfWant[i] = (double)(sum * 2 / sqrtl(acosl(-1.0L)));
    erfcWant[i] = (double)(1 - sum * 2 / sqrtl(acosl(-1.0L)));
    cubed[i] = (double)((long double)c[i] * c[i] * c[i]);
  }
  expect("erf f64", e, erfWant, 4, 1e-15);
  expect("erfc f64", ec, erfcWant, 4, 1e-15);
  expect("cbrt f64", cubed, x, 4, 1e-15);
  /* atanh x = log((1 + x) / (1 - x)) / 2. */
  double atWant[4];
  for (int i = 0; i < 4; ++i)
    atWant[i] = 0.5 * log((1 + x[i]) / (1 - x[i]));
  expect("atanh f64", at, atWant, 4, 1e-15);

  const float xf[4] = {0.5f, -1.0f, 2.0f, 10.0f};
  const double y[4] = {1.0, 1.5, 2.0, 10.0};
  float as[4];
  double ac[4];
  if (inverse_hyperbolic(xf, y, as, ac) != 0)
    return 1;
  double asGot[4], asWant[4], acWant[4];
  for (int i = 0; i < 4; ++i) {
    asGot[i] = as[i];
    asWant[i] = log(xf[i] + sqrt((double)xf[i] * xf[i] + 1));
    acWant[i] = log(y[i] + sqrt(y[i] * y[i] - 1));
  }
  expect("asinh f32", asGot, asWant, 4, 1e-7);
  /* acosh 1 = 0: an absolute check there. */
  expect("acosh f64", ac + 1, acWant + 1, 3, 1e-15);
  if (ac[0] != 0.0) {
    printf("acosh(1) = %.17g\n", ac[0]);
    bad = 1;
  }
  printf("%s\n", bad ? "FAILED" : "ALL OK");
  return bad;
}
