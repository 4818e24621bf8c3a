//===- moe_reference.h - scalar reference of the MoE ops --------*- C++ -*-===//
//
// Plain-loop implementations of sto.topk_gate, sto.expert_load,
// sto.balance_bias, sto.balance_loss, sto.dispatch and sto.combine, written
// from the op descriptions (dialects/Sto/StoOps.td) and the arithmetic that
// docs/MoE.md fixes, not from the lowering. Where the lowering is clever the
// reference is plain: it selects by sorting every score (not with a
// running top-k list), compares the load with its mean in binary64 (not
// with an exact integer test), and scatters each token row (where the
// lowering gathers).
//
// T is the element type (float, double, or sto::rng::f16/bf16) and C its
// compute type (docs/Randomness.md section 7). Build with -ffp-contract=off.
//
//===----------------------------------------------------------------------===//

#ifndef STO_TEST_INTEGRATION_MOE_REFERENCE_H
#define STO_TEST_INTEGRATION_MOE_REFERENCE_H

#include "sto/Runtime/Philox.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <vector>

namespace moe_ref {

enum class Affinity { SoftmaxTopK, Softmax, Sigmoid };

template <class T> using C = sto::rng::ComputeType<T>;
template <class T> C<T> widen(T x) {
  return sto::rng::ElementType<T>::widen(x);
}
template <class T> T narrow(C<T> x) {
  return sto::rng::ElementType<T>::narrow(x);
}

/// sto.topk_gate on logits [tokens, E] (row-major), optional bias [E]
/// (nullptr: none). Writes weights [tokens, k] and indices [tokens, k].
template <class T>
void topkGate(const T *logits, const T *bias, int64_t tokens, int64_t E,
              int64_t k, double noiseStddev, sto::rng::Key key,
              Affinity affinity, bool normalize, T *weights, int32_t *indices) {
  using CT = C<T>;
  const CT sigma = CT(noiseStddev);
  std::vector<CT> x(E), score(E), w(k);
  std::vector<int64_t> order(E);
  for (int64_t t = 0; t < tokens; ++t) {
    for (int64_t e = 0; e < E; ++e) {
      x[e] = widen(logits[t * E + e]);
      CT s = x[e];
      if (noiseStddev > 0) {
        CT z = CT(sto::rng::standardNormalF32(key, uint64_t(t * E + e)));
        s = std::fma(sigma, z, s);
      }
      if (bias)
        s = s + widen(bias[e]);
      score[e] = s;
    }
    // Decreasing score, equal scores in increasing e.
    std::iota(order.begin(), order.end(), int64_t(0));
    std::sort(order.begin(), order.end(), [&](int64_t a, int64_t b) {
      return score[a] > score[b] || (score[a] == score[b] && a < b);
    });
    for (int64_t j = 0; j < k; ++j)
      indices[t * k + j] = int32_t(order[j]);

    switch (affinity) {
    case Affinity::SoftmaxTopK: {
      CT m = x[order[0]];
      for (int64_t j = 1; j < k; ++j)
        if (x[order[j]] > m)
          m = x[order[j]];
      CT sum = 0;
      for (int64_t j = 0; j < k; ++j) {
        w[j] = std::exp(x[order[j]] - m);
        sum = j == 0 ? w[j] : sum + w[j];
      }
      for (int64_t j = 0; j < k; ++j)
        w[j] = w[j] / sum;
      break;
    }
    case Affinity::Softmax: {
      CT m = -INFINITY;
      for (int64_t e = 0; e < E; ++e)
        if (x[e] > m)
          m = x[e];
      CT z = 0;
      for (int64_t e = 0; e < E; ++e)
        z = z + std::exp(x[e] - m);
      for (int64_t j = 0; j < k; ++j)
        w[j] = std::exp(x[order[j]] - m) / z;
      break;
    }
    case Affinity::Sigmoid:
      for (int64_t j = 0; j < k; ++j)
        w[j] = CT(1) / (CT(1) + std::exp(-x[order[j]]));
      break;
    }
    if (normalize && affinity != Affinity::SoftmaxTopK) {
      CT q = w[0];
      for (int64_t j = 1; j < k; ++j)
        q = q + w[j];
      for (int64_t j = 0; j < k; ++j)
        w[j] = w[j] / q;
    }
    for (int64_t j = 0; j < k; ++j)
      weights[t * k + j] = narrow<T>(w[j]);
  }
}

/// sto.expert_load: entries outside [0, E) are not counted.
template <class I>
std::vector<int32_t> expertLoad(const I *indices, int64_t entries, int64_t E) {
  std::vector<int32_t> load(E, 0);
  for (int64_t i = 0; i < entries; ++i)
    if (indices[i] >= 0 && indices[i] < E)
      ++load[indices[i]];
  return load;
}

/// sto.balance_bias: b + rate·sign(mean(load) − load_e), the mean in binary64
/// (exact for the comparison at these sizes), sign(0) = 0 keeps b.
template <class T, class L>
std::vector<T> balanceBias(const T *bias, const L *load, int64_t E,
                           double rate) {
  double total = 0;
  for (int64_t e = 0; e < E; ++e)
    total += double(load[e]);
  double mean = total / double(E);
  std::vector<T> out(E);
  const C<T> r = C<T>(rate);
  for (int64_t e = 0; e < E; ++e) {
    double d = mean - double(load[e]);
    if (d > 0)
      out[e] = narrow<T>(widen(bias[e]) + r);
    else if (d < 0)
      out[e] = narrow<T>(widen(bias[e]) - r);
    else
      out[e] = bias[e];
  }
  return out;
}

/// sto.balance_loss computed in CT (f64 if probs or result are f64), rounded
/// once to the result type R.
template <class R, class CT, class T, class L>
R balanceLoss(const T *probs, const L *load, int64_t tokens, int64_t E,
              double alpha) {
  int64_t total = 0;
  for (int64_t e = 0; e < E; ++e)
    total += int64_t(load[e]);
  if (total == 0)
    return R(0);
  CT acc = 0;
  for (int64_t e = 0; e < E; ++e) {
    CT col = 0;
    for (int64_t t = 0; t < tokens; ++t)
      col = col + CT(widen(probs[t * E + e]));
    CT f = CT(load[e]) / CT(total);
    CT p = col / CT(tokens);
    acc = std::fma(f, p, acc);
  }
  return R(CT(alpha * double(E)) * acc);
}

/// sto.dispatch: slots [tokens, k] and buffer [E, capacity, D] (zeros where
/// unused).
template <class T, class I>
void dispatch(const T *x, const I *indices, int64_t tokens, int64_t k,
              int64_t D, int64_t E, int64_t capacity, T *buffer,
              int32_t *slot) {
  std::fill(buffer, buffer + E * capacity * D, narrow<T>(C<T>(0)));
  std::vector<int64_t> used(E, 0);
  for (int64_t j = 0; j < k; ++j) {
    for (int64_t t = 0; t < tokens; ++t) {
      I e = indices[t * k + j];
      if (e < 0 || e >= E || used[e] == capacity) {
        slot[t * k + j] = -1;
        continue;
      }
      int64_t s = used[e]++;
      slot[t * k + j] = int32_t(s);
      std::copy(x + t * D, x + (t + 1) * D, buffer + (e * capacity + s) * D);
    }
  }
}

/// sto.combine: out[t, d] = Σ_j fma(C(w), C(y[e, s, d]), ·) in increasing j
/// from +0 over the choices with a slot.
template <class T, class I>
void combine(const T *y, const T *weights, const I *indices,
             const int32_t *slot, int64_t tokens, int64_t k, int64_t E,
             int64_t capacity, int64_t D, T *out) {
  for (int64_t t = 0; t < tokens; ++t)
    for (int64_t d = 0; d < D; ++d) {
      C<T> acc = 0;
      for (int64_t j = 0; j < k; ++j) {
        int64_t e = int64_t(indices[t * k + j]), s = slot[t * k + j];
        if (s < 0 || s >= capacity || e < 0 || e >= E)
          continue;
        acc = std::fma(widen(weights[t * k + j]),
                       widen(y[(e * capacity + s) * D + d]), acc);
      }
      out[t * D + d] = narrow<T>(acc);
    }
}

} // namespace moe_ref

#endif // STO_TEST_INTEGRATION_MOE_REFERENCE_H
