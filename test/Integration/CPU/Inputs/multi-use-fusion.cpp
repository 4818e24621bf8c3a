// Driver of multi-use-fusion.mlir: each result against C++, bit for bit
// (the ops are adds, subtractions and transposes; exp's result is compared
// with the compiled s itself).
#include "multi_use_fusion.h"

#include "check.h"

int main() {
  check::Checker c;
  {
    float x[9], y[9], z[9];
    for (int i = 0; i < 9; ++i)
      x[i] = float(i + 1);
    c.ok("chain", chain(x, y, z));
    auto wy = [&](size_t i) { return x[i] + x[i]; };
    c.elements("chain y", y, 9, wy);
    c.elements("chain z", z, 9, [&](size_t e) {
      size_t i = e / 3, j = e % 3;
      return wy(j * 3 + i) + wy(e);
    });
  }
  {
    float a[25], v[5] = {1, 2, 4, 8, 16}, at[25], tt[25], d[25];
    for (int i = 0; i < 25; ++i)
      a[i] = float(i);
    c.ok("transposes", transposes(a, v, at, tt, d));
    c.elements("transposes at", at, 25,
               [&](size_t e) { return a[(e % 5) * 5 + e / 5]; });
    // b[i][j] = v[j]; tt = b; d = b - transpose(b).
    c.elements("transposes tt", tt, 25, [&](size_t e) { return v[e % 5]; });
    c.elements("transposes d", d, 25,
               [&](size_t e) { return v[e % 5] - v[e / 5]; });
  }
  {
    float x[12], s[12], r[12];
    for (int i = 0; i < 12; ++i)
      x[i] = 0.25f * float(i) - 1.0f;
    c.ok("nested", nested(x, s, r));
    // s is exp(x) as compiled, not permuted (x increases, so does s); r is
    // s[i][j][k] - s[j][i][k] of it.
    bool increasing = true;
    for (int i = 1; i < 12; ++i)
      increasing &= s[i] > s[i - 1];
    c.expect("nested s in order", increasing);
    c.elements("nested r", r, 12, [&](size_t e) {
      size_t i = e / 6, j = (e / 3) % 2, k = e % 3;
      return s[e] - s[(j * 2 + i) * 3 + k];
    });
  }
  return c.finish();
}
