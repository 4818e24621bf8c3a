//===- CertifyTest.cpp - confidence bounds of libsto_runtime
//---------------===//
//
// sto_certify_lower_bound and sto_normal_quantile against values from SciPy
// 1.17 (scipy.stats.beta.ppf(alpha, k, n - k + 1) and norm.ppf) and the
// closed forms.
//
//===----------------------------------------------------------------------===//

#include "sto-c/Runtime.h"

#include <gtest/gtest.h>

#include <cmath>

namespace {

double clopperPearson(int64_t k, int64_t n, double alpha) {
  return sto_certify_lower_bound(k, n, alpha, STO_BOUND_CLOPPER_PEARSON);
}

TEST(Certify, ClopperPearsonMatchesBetaQuantile) {
  struct Case {
    int64_t k, n;
    double alpha, want;
  } cases[] = {
      {99000, 100000, 0.001, 0.9889893403774748},
      {99990, 100000, 0.001, 0.9997586773435911},
      {55, 100, 0.001, 0.39214682722125527},
      {1, 10, 0.05, 0.005116196891823701},
      {500, 1000, 0.01, 0.46277806676099753},
      // k = n: the closed form alpha^(1/n).
      {100000, 100000, 0.001, 0.9999309248330094},
      {5, 5, 0.001, 0.251188643150958},
  };
  for (const Case &c : cases)
    EXPECT_NEAR(clopperPearson(c.k, c.n, c.alpha), c.want, 1e-12 * c.want)
        << c.k << " of " << c.n << " at alpha " << c.alpha;
}

TEST(Certify, ClopperPearsonEdges) {
  EXPECT_EQ(clopperPearson(0, 100, 0.001), 0.0);
  EXPECT_EQ(clopperPearson(5, 0, 0.001), 0.0);
  EXPECT_EQ(clopperPearson(-1, 10, 0.001), 0.0);
  EXPECT_EQ(clopperPearson(5, 10, 0.0), 0.0);
  EXPECT_EQ(clopperPearson(5, 10, 1.0), 0.0);
  // More votes than samples counts as all of them.
  EXPECT_EQ(clopperPearson(12, 10, 0.01), clopperPearson(10, 10, 0.01));
  // The bound grows with the count and with alpha.
  EXPECT_LT(clopperPearson(600, 1000, 0.001), clopperPearson(601, 1000, 0.001));
  EXPECT_LT(clopperPearson(600, 1000, 0.001), clopperPearson(600, 1000, 0.01));
  EXPECT_LT(clopperPearson(600, 1000, 0.001), 0.6);
}

TEST(Certify, Bernstein) {
  // p - sqrt(2 V ln(2/alpha) / n) - 7 ln(2/alpha) / (3 (n - 1)),
  // V = p (1 - p) n / (n - 1).
  double n = 1000, p = 0.9, t = std::log(2 / 0.001);
  double v = p * (1 - p) * n / (n - 1);
  double want = p - std::sqrt(2 * v * t / n) - 7 * t / (3 * (n - 1));
  EXPECT_DOUBLE_EQ(
      sto_certify_lower_bound(900, 1000, 0.001, STO_BOUND_BERNSTEIN), want);
  // Looser than Clopper-Pearson here, and never negative.
  EXPECT_LT(want, clopperPearson(900, 1000, 0.001));
  EXPECT_EQ(sto_certify_lower_bound(3, 10, 0.001, STO_BOUND_BERNSTEIN), 0.0);
  EXPECT_EQ(sto_certify_lower_bound(1, 1, 0.001, STO_BOUND_BERNSTEIN), 0.0);
}

TEST(Certify, UpperTailIsOneMinusTheBound) {
  struct Case {
    int64_t k, n;
    int32_t method;
  } cases[] = {{99000, 100000, STO_BOUND_CLOPPER_PEARSON},
               {55, 100, STO_BOUND_CLOPPER_PEARSON},
               {1, 10, STO_BOUND_CLOPPER_PEARSON},
               {100000, 100000, STO_BOUND_CLOPPER_PEARSON},
               {900, 1000, STO_BOUND_BERNSTEIN},
               {3, 10, STO_BOUND_BERNSTEIN},
               {0, 10, STO_BOUND_CLOPPER_PEARSON},
               {5, 0, STO_BOUND_CLOPPER_PEARSON}};
  for (const Case &c : cases)
    EXPECT_NEAR(sto_certify_upper_tail(c.k, c.n, 0.001, c.method),
                1 - sto_certify_lower_bound(c.k, c.n, 0.001, c.method), 1e-12)
        << c.k << " of " << c.n;
  // mpmath (50 digits): 1 - betaincinv(99990, 11, 0.001) = 2.41322656408837e-4.
  EXPECT_NEAR(
      sto_certify_upper_tail(99990, 100000, 0.001, STO_BOUND_CLOPPER_PEARSON),
      2.4132265640883751e-4, 1e-12 * 2.4132265640883751e-4);
}

TEST(Certify, UpperTailNearOne) {
  // k = n = 2^62: the bound alpha^(1/n) = 1 - 1.5e-18 is 1 in double (a
  // radius of inf); its tail is -expm1(ln(alpha) / n).
  double n = std::ldexp(1.0, 62);
  double q = sto_certify_upper_tail(int64_t(1) << 62, int64_t(1) << 62, 0.001,
                                    STO_BOUND_CLOPPER_PEARSON);
  EXPECT_DOUBLE_EQ(q, -std::expm1(std::log(0.001) / n));
  EXPECT_EQ(sto_certify_lower_bound(int64_t(1) << 62, int64_t(1) << 62, 0.001,
                                    STO_BOUND_CLOPPER_PEARSON),
            1.0);
  // k = 2^40 of 2^40 + 10: mpmath gives the radius 1.6475702944731935 at
  // stddev 0.25; the bound near 1 lost 5e-8 of it through lgamma's rounding,
  // the tail keeps 1e-8.
  double tail =
      sto_certify_upper_tail(int64_t(1) << 40, (int64_t(1) << 40) + 10, 0.001,
                             STO_BOUND_CLOPPER_PEARSON);
  EXPECT_NEAR(-0.25 * sto_normal_quantile(tail), 1.6475702944731935,
              1e-8 * 1.6475702944731935);
}

TEST(Certify, NormalQuantile) {
  struct Case {
    double p, want;
  } cases[] = {{0.5, 0.0},
               {0.6, 0.2533471031357997},
               {0.9, 1.2815515655446004},
               {0.99, 2.3263478740408408},
               {0.999, 3.090232306167813},
               {0.9999999, 5.199337582290661},
               {0.1, -1.2815515655446004}};
  for (const Case &c : cases)
    EXPECT_NEAR(sto_normal_quantile(c.p), c.want, 1e-12) << c.p;
  EXPECT_EQ(sto_normal_quantile(0.0), -HUGE_VAL);
  EXPECT_EQ(sto_normal_quantile(1.0), HUGE_VAL);
  EXPECT_TRUE(std::isnan(sto_normal_quantile(1.5)));
  EXPECT_TRUE(std::isnan(sto_normal_quantile(NAN)));
}

} // namespace
