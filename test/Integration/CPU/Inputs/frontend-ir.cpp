//===- frontend-ir.cpp - driver of frontend-ir.mlir ------------*- C++ -*-===//
//
// Calls the functions of frontend-ir.mlir (written as torch-mlir and
// StableHLO-to-linalg emit them) and compares them with scalar references:
// products, reductions and math in double with a stated tolerance, moves,
// selections and indices exactly, the random parts bit for bit with
// sto/Runtime/Philox.h.
//
//===----------------------------------------------------------------------===//

#include "sto/Runtime/Philox.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <vector>

namespace rng = sto::rng;

static int failures = 0;

static uint64_t keyBits(rng::Key k) {
  return uint64_t(k.w[0]) | (uint64_t(k.w[1]) << 32);
}

/// Prints "<what>: <bad> bad of <n>", an element being bad when its error
/// relative to 1 + |want| is above `tol` (0: exact).
template <class A, class B>
static void compare(const char *what, const A *got, const B *want, size_t n,
                    double tol) {
  size_t bad = 0;
  for (size_t i = 0; i < n; ++i) {
    double g = double(got[i]), w = double(want[i]);
    if (g != w && !(std::fabs(g - w) / (1.0 + std::fabs(w)) <= tol))
      ++bad;
  }
  printf("%s: %zu bad of %zu\n", what, bad, n);
  failures += bad != 0;
}

static void status(const char *what, int32_t st, int32_t want = 0) {
  printf("%s: status %d\n", what, st);
  failures += st != want;
}

static float uniformIn(uint32_t &s, float scale) {
  s = s * 1664525u + 1013904223u;
  return (float((s >> 8) & 0xffff) / 65536.0f - 0.5f) * scale;
}

static void checkStep() {
  float a[12], b[12], y[12], want[12];
  int64_t ids[3] = {2, 0, 1};
  for (int i = 0; i < 12; ++i) {
    a[i] = float(i);
    b[i] = float(100 * i);
  }
  status("step", step(a, 3, b, 3, ids, 3, y, 3));
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 4; ++j)
      want[i * 4 + j] = a[ids[i] * 4 + j] + b[ids[i] * 4 + j];
  compare("step", y, want, 12, 0);
  status("step with mismatched sizes", step(a, 3, b, 2, ids, 3, y, 3), 7);
}

static void checkTrainStep() {
  const int B = 8, D = 16, H = 32, C = 4;
  uint32_t s = 1;
  std::vector<float> x(B * D), w1(D * H), b1(H), w2(H * C), b2(C);
  for (auto &v : x)
    v = uniformIn(s, 2);
  for (auto &v : w1)
    v = uniformIn(s, 1);
  for (auto &v : b1)
    v = uniformIn(s, 0.1f);
  for (auto &v : w2)
    v = uniformIn(s, 1);
  for (auto &v : b2)
    v = uniformIn(s, 0.1f);
  int32_t lab[B] = {0, 1, 2, 3, 3, 2, 1, 0};
  int64_t seed = 1234, stepNo = 7;
  float lr = 0.1f, loss;
  std::vector<float> nw1(D * H), nb1(H), nw2(H * C), nb2(C);
  status("train_step", train_step(x.data(), w1.data(), b1.data(), w2.data(),
                                  b2.data(), lab, seed, stepNo, lr, nw1.data(),
                                  nb1.data(), nw2.data(), nb2.data(), &loss));
  // Forward and backward in double; the mask is dropout(1) of the key.
  rng::Key k = rng::foldIn(rng::seed(seed), stepNo);
  std::vector<double> h(B * H), mask(B * H), d(B * H), logits(B * C), dl(B * C),
      dh(B * H);
  for (int i = 0; i < B; ++i)
    for (int j = 0; j < H; ++j) {
      double acc = 0;
      for (int q = 0; q < D; ++q)
        acc += double(x[i * D + q]) * w1[q * H + j];
      h[i * H + j] = acc + b1[j];
      mask[i * H + j] = rng::dropout<float>(k, i * H + j, 1.0f, 0.25);
      d[i * H + j] = std::max(h[i * H + j], 0.0) * mask[i * H + j];
    }
  double wantLoss = 0;
  for (int i = 0; i < B; ++i) {
    double mx = -INFINITY, sum = 0;
    for (int c = 0; c < C; ++c) {
      double acc = b2[c];
      for (int j = 0; j < H; ++j)
        acc += d[i * H + j] * w2[j * C + c];
      logits[i * C + c] = acc;
      mx = std::max(mx, acc);
    }
    for (int c = 0; c < C; ++c)
      sum += std::exp(logits[i * C + c] - mx);
    wantLoss += std::log(sum) + mx - logits[i * C + lab[i]];
    for (int c = 0; c < C; ++c)
      dl[i * C + c] =
          (std::exp(logits[i * C + c] - mx) / sum - (c == lab[i])) / B;
  }
  wantLoss /= B;
  std::vector<double> rw1(D * H), rb1(H), rw2(H * C), rb2(C);
  for (int j = 0; j < H; ++j)
    for (int c = 0; c < C; ++c) {
      double g = 0;
      for (int i = 0; i < B; ++i)
        g += d[i * H + j] * dl[i * C + c];
      rw2[j * C + c] = w2[j * C + c] - lr * g;
    }
  for (int c = 0; c < C; ++c) {
    double g = 0;
    for (int i = 0; i < B; ++i)
      g += dl[i * C + c];
    rb2[c] = b2[c] - lr * g;
  }
  for (int i = 0; i < B; ++i)
    for (int j = 0; j < H; ++j) {
      double g = 0;
      for (int c = 0; c < C; ++c)
        g += dl[i * C + c] * w2[j * C + c];
      dh[i * H + j] = h[i * H + j] > 0 ? g * mask[i * H + j] : 0;
    }
  for (int q = 0; q < D; ++q)
    for (int j = 0; j < H; ++j) {
      double g = 0;
      for (int i = 0; i < B; ++i)
        g += double(x[i * D + q]) * dh[i * H + j];
      rw1[q * H + j] = w1[q * H + j] - lr * g;
    }
  for (int j = 0; j < H; ++j) {
    double g = 0;
    for (int i = 0; i < B; ++i)
      g += dh[i * H + j];
    rb1[j] = b1[j] - lr * g;
  }
  compare("train_step w1", nw1.data(), rw1.data(), D * H, 1e-5);
  compare("train_step b1", nb1.data(), rb1.data(), H, 1e-5);
  compare("train_step w2", nw2.data(), rw2.data(), H * C, 1e-5);
  compare("train_step b2", nb2.data(), rb2.data(), C, 1e-5);
  compare("train_step loss", &loss, &wantLoss, 1, 1e-5);
}

static void checkRows() {
  // 300 rows: enough elements for the parallel loops.
  const int N = 300;
  uint32_t s = 3;
  std::vector<float> table(80);
  for (auto &v : table)
    v = uniformIn(s, 4);
  std::vector<int64_t> ids(N);
  for (int i = 0; i < N; ++i)
    ids[i] = (i * 7 + 3) % 10;
  std::vector<float> e(N * 8), want(N * 8);
  status("embed", embed(ids.data(), N, table.data(), e.data(), N));
  for (int i = 0; i < N; ++i)
    for (int j = 0; j < 8; ++j)
      want[i * 8 + j] = table[ids[i] * 8 + j];
  compare("embed", e.data(), want.data(), N * 8, 0);

  std::vector<float> g(8), b(8), y(N * 8);
  std::vector<double> ry(N * 8);
  for (auto &v : g)
    v = 1 + uniformIn(s, 1);
  for (auto &v : b)
    v = uniformIn(s, 1);
  status("layernorm", layernorm(e.data(), N, g.data(), b.data(), y.data(), N));
  for (int i = 0; i < N; ++i) {
    double m = 0, v = 0;
    for (int j = 0; j < 8; ++j)
      m += e[i * 8 + j];
    m /= 8;
    for (int j = 0; j < 8; ++j)
      v += (e[i * 8 + j] - m) * (e[i * 8 + j] - m);
    v /= 8;
    for (int j = 0; j < 8; ++j)
      ry[i * 8 + j] = (e[i * 8 + j] - m) / std::sqrt(v + 1e-5) * g[j] + b[j];
  }
  compare("layernorm", y.data(), ry.data(), N * 8, 1e-5);

  std::vector<float> ge(N * 8), th(N * 8);
  std::vector<double> rg(N * 8), rt(N * 8);
  status("gelu_tanh", gelu_tanh(e.data(), N, ge.data(), N, th.data(), N));
  for (int i = 0; i < N * 8; ++i) {
    double a = e[i];
    rg[i] = 0.5 * a * (1 + std::erf(a / std::sqrt(2.0)));
    rt[i] = std::tanh(a);
  }
  compare("gelu", ge.data(), rg.data(), N * 8, 1e-6);
  compare("tanh", th.data(), rt.data(), N * 8, 1e-6);

  // Ties: the first maximum wins.
  std::vector<float> xm(N * 8), mv(N), rmv(N);
  std::vector<int64_t> mi(N), rmi(N);
  for (int i = 0; i < N * 8; ++i)
    xm[i] = float((i * 7) % 5);
  status("argmax", argmax(xm.data(), N, mv.data(), N, mi.data(), N));
  for (int i = 0; i < N; ++i) {
    float m = -INFINITY;
    int64_t at = 0;
    for (int j = 0; j < 8; ++j)
      if (xm[i * 8 + j] > m) {
        m = xm[i * 8 + j];
        at = j;
      }
    rmv[i] = m;
    rmi[i] = at;
  }
  compare("argmax value", mv.data(), rmv.data(), N, 0);
  compare("argmax index", mi.data(), rmi.data(), N, 0);
}

static void checkSmall() {
  float x[4] = {1, 2, 3, 4}, y[4], want[4] = {1, 2, 3, 4};
  int32_t count, three = 3;
  rng::Key k = rng::seed(2);
  status("while_tensor", while_tensor(x, keyBits(k), y, &count));
  for (int t = 0; t < 3; ++t) {
    for (int j = 0; j < 4; ++j)
      want[j] = rng::noise<float>(rng::split(k, 2, 0), j, want[j],
                                  rng::NoiseKind::Gaussian,
                                  rng::NoiseMode::Additive, 0.1);
    k = rng::split(k, 2, 1);
  }
  compare("while_tensor", y, want, 4, 0);
  compare("while_tensor count", &count, &three, 1, 0);

  uint32_t s = 5;
  const int n = 3, m = 5;
  float a[n * m], bb[m], c[n], r[n * m], rr[n * m];
  for (float &v : a)
    v = uniformIn(s, 1);
  for (float &v : bb)
    v = uniformIn(s, 1);
  for (float &v : c)
    v = uniformIn(s, 1);
  status("unit_bcast", unit_bcast(a, n, m, bb, m, c, n, r, n, m));
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < m; ++j)
      rr[i * m + j] = (a[i * m + j] + bb[j]) * c[i];
  compare("unit_bcast", r, rr, n * m, 0);
  status("unit_bcast with mismatched sizes",
         unit_bcast(a, n, m, bb, m - 1, c, n, r, n, m), 7);

  float p[32], q[24], o[12];
  double ro[12];
  for (float &v : p)
    v = uniformIn(s, 1);
  for (float &v : q)
    v = uniformIn(s, 1);
  status("contract", contract(p, q, o));
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 3; ++j) {
      double acc = 0;
      for (int l = 0; l < 8; ++l)
        acc += double(p[i * 8 + l]) * q[j * 8 + l];
      ro[i * 3 + j] = acc;
    }
  compare("contract", o, ro, 12, 1e-6);

  float xm[24], mv[4], rmv[4];
  int32_t mi[4], rmi[4];
  for (int i = 0; i < 24; ++i)
    xm[i] = float((i * 7) % 5);
  status("argmax_reduce", argmax_reduce(xm, mv, mi));
  for (int i = 0; i < 4; ++i) {
    rmv[i] = -INFINITY;
    rmi[i] = 0;
    for (int j = 0; j < 6; ++j)
      if (xm[i * 6 + j] > rmv[i]) {
        rmv[i] = xm[i * 6 + j];
        rmi[i] = j;
      }
  }
  compare("argmax_reduce value", mv, rmv, 4, 0);
  compare("argmax_reduce index", mi, rmi, 4, 0);
}

int main() {
  checkStep();
  checkTrainStep();
  checkRows();
  checkSmall();
  printf("%s\n", failures ? "FAILED" : "ALL OK");
  return failures != 0;
}
