// Driver of multi-use-fusion.mlir: each result against C++ (exact: the ops
// are adds, subtractions and transposes; exp's result is compared with the
// compiled s itself).
#include "multi_use_fusion.h"

#include <cstdio>
#include <cstring>

static int mismatches(const float *got, const float *want, int n) {
  int bad = 0;
  for (int i = 0; i < n; ++i)
    bad += std::memcmp(&got[i], &want[i], sizeof(float)) != 0;
  return bad;
}

int main() {
  {
    float x[9], y[9], z[9], wy[9], wz[9];
    for (int i = 0; i < 9; ++i)
      x[i] = float(i + 1);
    int st = chain(x, y, z);
    for (int i = 0; i < 3; ++i)
      for (int j = 0; j < 3; ++j)
        wy[i * 3 + j] = x[i * 3 + j] + x[i * 3 + j];
    for (int i = 0; i < 3; ++i)
      for (int j = 0; j < 3; ++j)
        wz[i * 3 + j] = wy[j * 3 + i] + wy[i * 3 + j];
    std::printf(
        "chain: status %d, y %d mismatches of 9, z %d mismatches of 9\n", st,
        mismatches(y, wy, 9), mismatches(z, wz, 9));
  }
  {
    float a[25], v[5] = {1, 2, 4, 8, 16}, at[25], tt[25], d[25];
    float wat[25], wtt[25], wd[25];
    for (int i = 0; i < 25; ++i)
      a[i] = float(i);
    int st = transposes(a, v, at, tt, d);
    for (int i = 0; i < 5; ++i)
      for (int j = 0; j < 5; ++j) {
        wat[i * 5 + j] = a[j * 5 + i];
        wtt[i * 5 + j] = v[j];       // b[i][j] = v[j]
        wd[i * 5 + j] = v[j] - v[i]; // b - transpose(b)
      }
    std::printf("transposes: status %d, at %d mismatches of 25, tt %d "
                "mismatches of 25, d %d mismatches of 25\n",
                st, mismatches(at, wat, 25), mismatches(tt, wtt, 25),
                mismatches(d, wd, 25));
  }
  {
    float x[12], s[12], r[12], wr[12];
    for (int i = 0; i < 12; ++i)
      x[i] = 0.25f * float(i) - 1.0f;
    int st = nested(x, s, r);
    // s is exp(x) as compiled; r must be s[i][j][k] - s[j][i][k] of it, and
    // s must not be permuted: s[0][1][k] > s[0][0][k] since x increases.
    int badS = 0;
    for (int i = 1; i < 12; ++i)
      badS += !(s[i] > s[i - 1]);
    for (int i = 0; i < 2; ++i)
      for (int j = 0; j < 2; ++j)
        for (int k = 0; k < 3; ++k)
          wr[(i * 2 + j) * 3 + k] =
              s[(i * 2 + j) * 3 + k] - s[(j * 2 + i) * 3 + k];
    std::printf("nested: status %d, s %d mismatches of 12, r %d mismatches "
                "of 12\n",
                st, badS, mismatches(r, wr, 12));
  }
  return 0;
}
