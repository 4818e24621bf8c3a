// Driver of empty-pieces.mlir: each result against C++, bit for bit.
#include "empty_pieces.h"

#include <cstdio>
#include <cstring>
#include <initializer_list>
#include <vector>

static int mismatches(const std::vector<float> &got,
                      const std::vector<float> &want) {
  int bad = got.size() != want.size();
  for (size_t i = 0; i < got.size() && i < want.size(); ++i)
    bad += std::memcmp(&got[i], &want[i], sizeof(float)) != 0;
  return bad;
}

static void report(const char *name, int status, const std::vector<float> &got,
                   const std::vector<float> &want) {
  std::printf("%s: status %d, %d mismatches of %zu\n", name, status,
              mismatches(got, want), want.size());
}

int main() {
  float a[6] = {1, 2, 3, 4, 5, 6}, dummy[1] = {0};
  {
    std::vector<float> r(6, -1);
    int st = concat_empty_last(a, dummy, r.data());
    report("concat_empty_last", st, r, std::vector<float>(a, a + 6));
  }
  {
    std::vector<float> r(6, -1);
    int st = concat_empty_first_rows(dummy, a, dummy, r.data());
    report("concat_empty_first_rows", st, r, std::vector<float>(a, a + 6));
  }
  for (int64_t n : {0, 2}) {
    std::vector<float> b(3 * n);
    for (size_t i = 0; i < b.size(); ++i)
      b[i] = 10.0f + float(i);
    std::vector<float> r(3 * (2 + n), -1), want;
    int st =
        concat_dynamic(a, b.empty() ? dummy : b.data(), n, r.data(), 2 + n);
    for (int i = 0; i < 3; ++i) {
      want.push_back(a[2 * i]);
      want.push_back(a[2 * i + 1]);
      for (int64_t j = 0; j < n; ++j)
        want.push_back(b[i * n + j]);
    }
    char name[64];
    std::snprintf(name, sizeof name, "concat_dynamic n=%lld", (long long)n);
    report(name, st, r, want);
  }
  {
    std::vector<float> r(6, -1), want;
    int st = pad_empty_source(dummy, r.data());
    for (int i = 0; i < 2; ++i)
      for (int j = 0; j < 3; ++j)
        want.push_back(-3.5f + float(i - j));
    report("pad_empty_source", st, r, want);
  }
  for (int64_t n : {0, 1}) {
    std::vector<float> r(3 * (n + 2), -1), want(6, 7.0f);
    int st = pad_dynamic(n ? a : dummy, n, r.data(), n + 2);
    for (int64_t i = 0; i < 3 * n; ++i)
      want.push_back(a[i]);
    char name[64];
    std::snprintf(name, sizeof name, "pad_dynamic n=%lld", (long long)n);
    report(name, st, r, want);
  }
  return 0;
}
