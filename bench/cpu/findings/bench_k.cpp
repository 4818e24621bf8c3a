// Times the three gates of topk_gate_recompute.mlir (one thread is enough):
//   sto-compile topk_gate_recompute.mlir -o r.o --header topk_gate_recompute.h
//   clang++-22 -O2 -I. bench_k.cpp r.o <build>/lib/libsto_runtime.a \
//       /usr/lib/llvm-22/lib/libomp.so -o bench_k && OMP_NUM_THREADS=1
//       ./bench_k
#include "topk_gate_recompute.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

template <typename F> double ms(F f) {
  f();
  std::vector<double> ts;
  for (int i = 0; i < 5; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    f();
    ts.push_back(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
            .count());
  }
  std::sort(ts.begin(), ts.end());
  return ts[2] * 1e3;
}

int main() {
  const int T = 65536, E = 256;
  std::vector<float> l(size_t(T) * E), b(E, 0.0f), w(size_t(T) * 8);
  std::vector<int32_t> i(size_t(T) * 8);
  for (auto &v : l)
    v = std::rand() / float(RAND_MAX);
  std::printf("k=1: %.1f ms\n",
              ms([&] { gate_k1(l.data(), b.data(), w.data(), i.data()); }));
  std::printf("k=2: %.1f ms\n",
              ms([&] { gate_k2(l.data(), b.data(), w.data(), i.data()); }));
  std::printf("k=8: %.1f ms\n",
              ms([&] { gate_k8(l.data(), b.data(), w.data(), i.data()); }));
}
