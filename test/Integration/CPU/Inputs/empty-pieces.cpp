// Driver of empty-pieces.mlir: each result against C++, bit for bit.
#include "empty_pieces.h"

#include "check.h"

#include <initializer_list>
#include <vector>

int main() {
  check::Checker c;
  float a[6] = {1, 2, 3, 4, 5, 6}, dummy[1] = {0};
  {
    float r[6];
    c.ok("concat_empty_last", concat_empty_last(a, dummy, r));
    c.elements("concat_empty_last", r, 6, [&](size_t i) { return a[i]; });
  }
  {
    float r[6];
    c.ok("concat_empty_first_rows",
         concat_empty_first_rows(dummy, a, dummy, r));
    c.elements("concat_empty_first_rows", r, 6, [&](size_t i) { return a[i]; });
  }
  // Empty only at run time (n = 0).
  for (int64_t n : {0, 2}) {
    std::vector<float> b(3 * n + 1), r(3 * (2 + n));
    for (size_t i = 0; i < b.size(); ++i)
      b[i] = 10.0f + float(i);
    std::string what = "concat_dynamic n=" + std::to_string(n);
    c.ok(what, concat_dynamic(a, b.data(), n, r.data(), 2 + n));
    c.elements(what, r.data(), r.size(), [&](size_t e) {
      size_t i = e / (2 + n), j = e % (2 + n);
      return j < 2 ? a[2 * i + j] : b[i * n + (j - 2)];
    });
  }
  {
    float r[6];
    c.ok("pad_empty_source", pad_empty_source(dummy, r));
    c.elements("pad_empty_source", r, 6, [&](size_t e) {
      return -3.5f + float(int(e / 3) - int(e % 3));
    });
  }
  for (int64_t n : {0, 1}) {
    std::vector<float> r(3 * (n + 2));
    std::string what = "pad_dynamic n=" + std::to_string(n);
    c.ok(what, pad_dynamic(n ? a : dummy, n, r.data(), n + 2));
    c.elements(what, r.data(), r.size(),
               [&](size_t e) { return e < 6 ? 7.0f : a[e - 6]; });
  }
  return c.finish();
}
