// Driver of user-reductions.mlir: each reduction against the documented
// lane order (docs/Compiling.md, "Reduction order") computed here.
#include "sto-c/Runtime.h"

#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <limits>
#include <vector>

namespace {

/// The lane order: lane l folds the terms j = l (mod 16) from `identity`,
/// then init (+) p_0 (+) ... (+) p_15.
template <typename T, typename Op>
T lanes(int64_t n, std::function<T(int64_t)> term, T identity, T init, Op op) {
  T p[16];
  for (T &v : p)
    v = identity;
  for (int64_t j = 0; j < n; ++j)
    p[j % 16] = op(p[j % 16], term(j));
  T acc = init;
  for (T v : p)
    acc = op(acc, v);
  return acc;
}

template <typename T> bool same(T a, T b) {
  if constexpr (std::is_floating_point_v<T>)
    if (std::isnan(a) && std::isnan(b))
      return true;
  return std::memcmp(&a, &b, sizeof(T)) == 0;
}

/// Reproducible values of all magnitudes and both signs.
float value(uint64_t i) {
  uint64_t z = (i + 1) * 0x9E3779B97F4A7C15ull;
  z ^= z >> 31;
  z *= 0xBF58476D1CE4E5B9ull;
  z ^= z >> 29;
  float u = float(z >> 40) * (1.0f / 16777216.0f);
  return (u - 0.5f) * std::ldexp(1.0f, int(z % 24) - 8);
}

template <typename T>
void report(const char *what, const std::vector<T> &got,
            const std::vector<T> &want) {
  int bad = 0;
  for (size_t i = 0; i < got.size(); ++i)
    bad += !same(got[i], want[i]);
  std::printf("%s: %d mismatches of %zu\n", what, bad, got.size());
}

float addf(float a, float b) { return a + b; }

void rowSum(int64_t rows, int64_t cols) {
  std::vector<float> x(rows * cols + 1);
  for (size_t i = 0; i < x.size(); ++i)
    x[i] = value(i + 1000 * cols);
  std::vector<float> got(rows, 7.0f), want(rows);
  int32_t st = row_sum(x.data(), rows, cols, got.data(), rows);
  for (int64_t r = 0; r < rows; ++r)
    want[r] = lanes<float>(
        cols, [&](int64_t j) { return x[r * cols + j]; }, -0.0f, 0.0f, addf);
  char what[64];
  std::snprintf(what, sizeof what, "row_sum %lldx%lld", (long long)rows,
                (long long)cols);
  if (st)
    std::printf("%s: status %d\n", what, st);
  report(what, got, want);
}

} // namespace

int main() {
  for (int64_t cols : {1, 5, 16, 17, 33, 100})
    rowSum(3, cols);
  rowSum(5, 1000);
  rowSum(2, 0);

  {
    // 2^25 then 1.0s: in sequence each 1 rounds away; the lanes other than
    // lane 0 add them exactly.
    std::vector<float> x(64, 1.0f);
    x[0] = 33554432.0f;
    float got = 0, seq = 0;
    row_sum(x.data(), 1, 64, &got, 1);
    for (float v : x)
      seq += v;
    std::printf("row_sum lanes keep what the sequential order loses: %d\n",
                got == 33554432.0f + 60.0f && seq == 33554432.0f);
  }

  for (int64_t n : {4099, 0}) {
    std::vector<float> x(n + 1);
    for (int64_t i = 0; i <= n; ++i)
      x[i] = value(i);
    std::vector<float> got(1, 3.0f), want(1);
    sum_all(x.data(), n, got.data());
    want[0] = lanes<float>(
        n, [&](int64_t j) { return x[j]; }, -0.0f, 0.0f, addf);
    char what[64];
    std::snprintf(what, sizeof what, "sum_all %lld", (long long)n);
    report(what, got, want);
  }

  {
    std::vector<float> x(2000), got(2), want(2);
    for (int i = 0; i < 2000; ++i)
      x[i] = value(i + 77);
    sumsq(x.data(), got.data());
    for (int r = 0; r < 2; ++r)
      want[r] = lanes<float>(
          1000,
          [&](int64_t j) {
            float v = x[r * 1000 + j];
            return v * v;
          },
          -0.0f, 0.0f, addf);
    report("sumsq 2x1000", got, want);
  }

  {
    std::vector<double> x(160), got(4), want(4);
    for (int i = 0; i < 160; ++i)
      x[i] = 1.0 + double(value(i + 5));
    prod_f64(x.data(), got.data());
    for (int r = 0; r < 4; ++r)
      want[r] = lanes<double>(
          40, [&](int64_t j) { return x[r * 40 + j]; }, 1.0, 1.0,
          [](double a, double b) { return a * b; });
    report("prod_f64 4x40", got, want);
  }

  {
    // Row 1 holds a NaN, row 2 only zeros of both signs, row 3 -0.0s only.
    std::vector<float> x(200), got(4), want(4);
    for (int i = 0; i < 200; ++i)
      x[i] = value(i + 9);
    x[50 + 33] = std::numeric_limits<float>::quiet_NaN();
    for (int j = 0; j < 50; ++j) {
      x[100 + j] = j == 37 ? 0.0f : -0.0f;
      x[150 + j] = -0.0f;
    }
    max(x.data(), got.data());
    auto maximum = [](float a, float b) {
      if (std::isnan(a) || std::isnan(b))
        return std::numeric_limits<float>::quiet_NaN();
      if (a == b)
        return std::signbit(a) ? b : a;
      return a > b ? a : b;
    };
    for (int r = 0; r < 4; ++r)
      want[r] = lanes<float>(
          50, [&](int64_t j) { return x[r * 50 + j]; }, -INFINITY, -INFINITY,
          maximum);
    for (int r = 0; r < 4; ++r)
      if (!same(got[r], want[r]))
        std::printf("max row %d: %a, want %a\n", r, got[r], want[r]);
    report("max 4x50", got, want);
  }

  {
    // Row 1 holds a NaN, row 2 only NaNs (the result is the init, -inf).
    // No zeros of both signs: maxnum may return either.
    std::vector<float> x(200), got(4), want(4);
    for (int i = 0; i < 200; ++i)
      x[i] = value(i + 19);
    x[50 + 20] = std::numeric_limits<float>::quiet_NaN();
    for (int j = 0; j < 50; ++j)
      x[100 + j] = std::numeric_limits<float>::quiet_NaN();
    maxnum(x.data(), got.data());
    auto maxnumf = [](float a, float b) {
      if (std::isnan(a))
        return b;
      if (std::isnan(b))
        return a;
      return a > b ? a : b;
    };
    for (int r = 0; r < 4; ++r)
      want[r] = lanes<float>(
          50, [&](int64_t j) { return x[r * 50 + j]; },
          std::numeric_limits<float>::quiet_NaN(), -INFINITY, maxnumf);
    report("maxnum 4x50", got, want);
  }

  {
    std::vector<int32_t> x(160), got(4), want(4);
    for (int i = 0; i < 160; ++i)
      x[i] = int32_t(value(i) * 1e6f);
    min_i32(x.data(), got.data());
    for (int r = 0; r < 4; ++r)
      want[r] = lanes<int32_t>(
          40, [&](int64_t j) { return x[r * 40 + j]; }, INT32_MAX, INT32_MAX,
          [](int32_t a, int32_t b) { return a < b ? a : b; });
    report("min_i32 4x40", got, want);
  }

  {
    std::vector<int64_t> x(160), got(4), want(4);
    for (int i = 0; i < 160; ++i)
      x[i] = int64_t(value(i) * 1e9f) * 1000003;
    sum_i64(x.data(), got.data());
    for (int r = 0; r < 4; ++r)
      want[r] = lanes<int64_t>(
          40, [&](int64_t j) { return x[r * 40 + j]; }, 0, 0,
          [](int64_t a, int64_t b) {
            return int64_t(uint64_t(a) + uint64_t(b));
          });
    report("sum_i64 4x40", got, want);
  }

  {
    std::vector<float> x(210), got(3), want(3);
    for (int i = 0; i < 210; ++i)
      x[i] = value(i + 31);
    weighted_index(x.data(), got.data());
    for (int r = 0; r < 3; ++r)
      want[r] = lanes<float>(
          70, [&](int64_t j) { return x[r * 70 + j] * float(j); }, -0.0f, 0.0f,
          addf);
    report("weighted_index 3x70", got, want);
  }

  {
    std::vector<float> x(135), y = {1.5f, -1e-3f, 1e6f}, got(3), want(3);
    for (int i = 0; i < 135; ++i)
      x[i] = value(i + 3);
    sum_into(x.data(), y.data(), got.data());
    for (int r = 0; r < 3; ++r)
      want[r] = lanes<float>(
          45, [&](int64_t j) { return x[r * 45 + j]; }, -0.0f, y[r], addf);
    report("sum_into 3x45", got, want);
  }

  {
    std::vector<float> x(192), got(8), want(8);
    for (int i = 0; i < 192; ++i)
      x[i] = value(i + 11);
    sum_static(x.data(), got.data());
    for (int r = 0; r < 8; ++r)
      want[r] = lanes<float>(
          24, [&](int64_t j) { return x[r * 24 + j]; }, -0.0f, 0.0f, addf);
    report("sum_static 8x24", got, want);
  }
  {
    std::vector<float> x(800), got(8), want(8);
    for (int i = 0; i < 800; ++i)
      x[i] = value(i + 31);
    for (int r = 0; r < 8; ++r)
      want[r] = lanes<float>(
          100, [&](int64_t j) { return x[r * 100 + j]; }, -0.0f, 0.0f, addf);
    sum_keepdims(x.data(), got.data());
    report("sum_keepdims 8x100", got, want);
    sum_squeezed(x.data(), got.data());
    report("sum_squeezed 8x1x100", got, want);
  }
  {
    std::vector<float> x(270), t(270), wantT(270), sums(3), wantSums(3);
    for (int i = 0; i < 270; ++i) {
      x[i] = value(i + 900);
      wantT[i] = x[i] * 3.0f - 1.0f;
    }
    scaled_and_sum(x.data(), t.data(), sums.data());
    for (int r = 0; r < 3; ++r)
      wantSums[r] = lanes<float>(
          90, [&](int64_t j) { return wantT[r * 90 + j]; }, -0.0f, 0.0f, addf);
    int bad = 0, badSums = 0;
    for (int i = 0; i < 270; ++i)
      bad += !same(t[i], wantT[i]);
    for (int r = 0; r < 3; ++r)
      badSums += !same(sums[r], wantSums[r]);
    std::printf("scaled_and_sum 3x90: %d mismatches of 270, sums %d "
                "mismatches of 3\n",
                bad, badSums);
  }

  {
    std::vector<float> table(100), got(4), want(4);
    std::vector<int64_t> ids(160);
    for (int i = 0; i < 100; ++i)
      table[i] = value(i + 4242);
    for (int i = 0; i < 160; ++i)
      ids[i] = (i * 37 + 11) % 100;
    int32_t st = bag(table.data(), ids.data(), got.data());
    for (int r = 0; r < 4; ++r)
      want[r] = lanes<float>(
          40, [&](int64_t j) { return table[ids[r * 40 + j]]; }, -0.0f, 0.0f,
          addf);
    if (st)
      std::printf("bag: status %d\n", st);
    report("bag 4x40", got, want);
    ids[77] = 1000;
    st = bag(table.data(), ids.data(), got.data());
    std::printf("bag id 1000: status %d '%s'\n", st, sto_last_error_message());
    // The check guards the term: row 1 sums its other 39 terms (the bad one
    // leaves its lane as it was), the other rows are whole.
    want[1] = lanes<float>(
        40, [&](int64_t j) { return j == 37 ? -0.0f : table[ids[40 + j]]; },
        -0.0f, 0.0f, addf);
    report("bag id 1000, the other terms", got, want);
  }

  {
    std::vector<float> x(105), got(3), want(3);
    for (int i = 0; i < 105; ++i)
      x[i] = value(i + 61);
    sum_last_two(x.data(), got.data());
    for (int r = 0; r < 3; ++r)
      want[r] = lanes<float>(
          35, [&](int64_t j) { return x[r * 35 + j]; }, -0.0f, 0.0f, addf);
    report("sum_last_two 3x5x7", got, want);
  }

  for (auto [a, b, c] : {std::array<int64_t, 3>{2, 0, 5},
                         {2, 3, 0},
                         {3, 7, 9},
                         {1, 1, 17},
                         {5, 33, 31},
                         {0, 4, 4}}) {
    std::vector<float> x(a * b * c + 1), got(a + 1, 5.0f), want(a + 1, 5.0f);
    for (size_t i = 0; i < x.size(); ++i)
      x[i] = value(i + 300);
    int32_t st = sum_last_two_dyn(x.data(), a, b, c, got.data(), a);
    for (int64_t r = 0; r < a; ++r)
      want[r] = lanes<float>(
          b * c, [&](int64_t j) { return x[r * b * c + j]; }, -0.0f, 0.0f,
          addf);
    char what[64];
    std::snprintf(what, sizeof what, "sum_last_two_dyn %lldx%lldx%lld",
                  (long long)a, (long long)b, (long long)c);
    if (st)
      std::printf("%s: status %d\n", what, st);
    got.resize(a);
    want.resize(a);
    report(what, got, want);
  }

  {
    std::vector<float> x(4000), y(4000), got(4), want(4);
    for (int i = 0; i < 4000; ++i)
      x[i] = value(i + 17);
    noise_of(x.data(), 99, y.data());
    noisy_sum(x.data(), 99, got.data());
    for (int r = 0; r < 4; ++r)
      want[r] = lanes<float>(
          1000, [&](int64_t j) { return y[r * 1000 + j]; }, -0.0f, 0.0f, addf);
    report("noisy_sum 4x1000", got, want);
  }

  {
    std::vector<float> a(6 * 2052), b(3 * 5 * 1004), c(2 * 70000);
    std::vector<float> ra(6), rb(15), rc(2);
    if (int st = normal_of(7, a.data(), b.data(), c.data()))
      std::printf("normal_of: status %d\n", st);
    if (int st = normal_row_sums(7, ra.data(), rb.data(), rc.data()))
      std::printf("normal_row_sums: status %d\n", st);
    auto sums = [&](const std::vector<float> &x, int64_t rows, int64_t n) {
      std::vector<float> want(rows);
      for (int64_t r = 0; r < rows; ++r)
        want[r] = lanes<float>(
            n, [&](int64_t j) { return x[r * n + j]; }, -0.0f, 0.0f, addf);
      return want;
    };
    report("normal_row_sums 6x2052", ra, sums(a, 6, 2052));
    report("normal_row_sums 3x5x1004", rb, sums(b, 15, 1004));
    report("normal_row_sums 2x70000 (uniform)", rc, sums(c, 2, 70000));
  }

  {
    std::vector<int32_t> x(40, 1);
    x[20] = -5;
    int32_t got = -1;
    reset(x.data(), &got);
    std::printf("reset: %d\n", got);
  }

  {
    std::vector<int32_t> x(20, 1), prefix(20);
    int32_t sum = -1;
    running_sum(x.data(), &sum, prefix.data());
    int wrong = 0;
    for (int j = 0; j < 20; ++j)
      wrong += prefix[j] != j + 1;
    std::printf("running_sum: sum %d, %d of 20 prefix values wrong\n", sum,
                wrong);
  }

  {
    // 2^25 at [0][0], then ones at [1][1]: the lanes keep what the
    // sequential order loses.
    std::vector<float> t = {33554432.0f, 0, 0, 0, 1.0f, 0};
    std::vector<int64_t> ids(64, 1);
    ids[0] = 0;
    std::vector<float> got(1), want(1);
    gather2d(t.data(), ids.data(), got.data());
    want[0] = lanes<float>(
        64, [&](int64_t j) { return t[ids[j] * 3 + ids[j]]; }, -0.0f, 0.0f,
        addf);
    report("gather2d", got, want);
  }

  {
    std::vector<float> t = {33554432.0f, 0.5f, 1.0f, 3.0f};
    std::vector<int64_t> ids(64);
    for (int j = 0; j < 64; ++j)
      ids[j] = j % 4;
    std::vector<float> got(1), want(1);
    weighted_bag(t.data(), ids.data(), got.data());
    want[0] = lanes<float>(
        64, [&](int64_t j) { return t[ids[j]] * float(j); }, -0.0f, 0.0f, addf);
    report("weighted_bag", got, want);
  }

  for (int64_t n : {17, 1000}) {
    std::vector<float> x(n);
    for (int64_t i = 0; i < n; ++i)
      x[i] = value(i + 71);
    std::vector<float> got(1), want(1);
    fast_sum(x.data(), n, got.data());
    want[0] = lanes<float>(
        n, [&](int64_t j) { return x[j]; }, -0.0f, 0.0f, addf);
    char what[64];
    std::snprintf(what, sizeof what, "fast_sum %lld", (long long)n);
    report(what, got, want);
  }

  {
    std::vector<float> x(300 * 600), got(600), want(600, 0.0f);
    for (size_t i = 0; i < x.size(); ++i)
      x[i] = value(i + 123);
    col_sum(x.data(), 300, 600, got.data(), 600);
    for (int r = 0; r < 300; ++r)
      for (int c = 0; c < 600; ++c)
        want[c] += x[r * 600 + c];
    report("col_sum 300x600", got, want);
  }

  {
    std::vector<float> x(37 * 210), got(210), want(210, 0.0f);
    for (size_t i = 0; i < x.size(); ++i)
      x[i] = value(i + 5000);
    batch_sum(x.data(), got.data());
    for (int b = 0; b < 37; ++b)
      for (int k = 0; k < 210; ++k)
        want[k] += x[b * 210 + k];
    report("batch_sum 37x3x70", got, want);
  }

  {
    float max1, min1, max2, min2;
    max_min_zeros(0.0f, -0.0f, &max1, &min1);
    max_min_zeros(-0.0f, 0.0f, &max2, &min2);
    std::printf("max_min_zeros: max(+0,-0) %a max(-0,+0) %a min(+0,-0) %a "
                "min(-0,+0) %a\n",
                max1, max2, min1, min2);
  }
  return 0;
}
