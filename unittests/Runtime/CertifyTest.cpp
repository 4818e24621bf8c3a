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
