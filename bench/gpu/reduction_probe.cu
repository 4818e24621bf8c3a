// reduction_probe: the two passes of sto.dp_aggregate over G[256][2^20] f32
// (1 GiB), as sto compiles them and in other thread mappings that compute
// the very same chains (docs/Randomness.md 8.8: per sample, segments of 4096
// elements, 16 lanes, each lane's fma chain in increasing j; per column, the
// chain over the samples in increasing b). It measures what limits sto's
// passes on an H200 (each ran at about 2000 GB/s in the device check of
// 2026-11-29, the copy ceiling 4219 GB/s) and checks that every mapping gives
// the bits of sto's. Not part of the build: scripts/gpu-check.sh compiles it
// with nvcc when one is there (GPU_CHECK_PROBE=1).
//
//   nvcc -O3 -arch=sm_90a -o reduction_probe reduction_probe.cu
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <cuda_runtime.h>
#include <vector>

#define CHECK(x)                                                               \
  do {                                                                         \
    cudaError_t err_ = (x);                                                    \
    if (err_ != cudaSuccess) {                                                 \
      fprintf(stderr, "%s:%d: %s: %s\n", __FILE__, __LINE__, #x,               \
              cudaGetErrorString(err_));                                       \
      exit(1);                                                                 \
    }                                                                          \
  } while (0)

constexpr int B = 256;
constexpr long D = 1L << 20;
constexpr int Seg = 4096, Lanes = 16, Segs = D / Seg;

__global__ void fill(float *g, long n, unsigned seed) {
  long i = blockIdx.x * (long)blockDim.x + threadIdx.x;
  if (i >= n)
    return;
  unsigned x = (unsigned)i * 0x9E3779B9u ^ seed;
  x ^= x >> 16;
  x *= 0x85EBCA6Bu;
  x ^= x >> 13;
  x *= 0xC2B2AE35u;
  x ^= x >> 16;
  g[i] = ((x >> 8) * (1.0f / 16777216.0f) - 0.5f) * 0.01f;
}

// Norm lanes, as sto: one thread per (sample, segment, lane), 256 terms at a
// stride of 16 elements, loads unrolled by 32.
__global__ void normSto(const float *__restrict__ g, float *__restrict__ p) {
  long t = blockIdx.x * (long)blockDim.x + threadIdx.x;
  int l = t % Lanes;
  long s = (t / Lanes) % Segs, b = t / (Lanes * Segs);
  const float *x = g + b * D + s * Seg + l;
  float acc = 0;
#pragma unroll 32
  for (int j = 0; j < Seg / Lanes; ++j)
    acc = fmaf(x[j * Lanes], x[j * Lanes], acc);
  p[t] = acc;
}

// Four lanes per thread with 16-byte loads: 4 chains.
template <int Unroll>
__global__ void normVec(const float *__restrict__ g, float *__restrict__ p) {
  long t = blockIdx.x * (long)blockDim.x + threadIdx.x;
  int q = t % 4;
  long s = (t / 4) % Segs, b = t / (4 * Segs);
  const float4 *x =
      reinterpret_cast<const float4 *>(g + b * D + s * Seg + 4 * q);
  float a0 = 0, a1 = 0, a2 = 0, a3 = 0;
#pragma unroll Unroll
  for (int j = 0; j < Seg / Lanes; ++j) {
    float4 v = x[j * 4];
    a0 = fmaf(v.x, v.x, a0);
    a1 = fmaf(v.y, v.y, a1);
    a2 = fmaf(v.z, v.z, a2);
    a3 = fmaf(v.w, v.w, a3);
  }
  long o = (b * Segs + s) * Lanes + 4 * q;
  p[o] = a0;
  p[o + 1] = a1;
  p[o + 2] = a2;
  p[o + 3] = a3;
}

// A block of 256 threads takes 16 consecutive segments of one sample and
// reads them tile by tile (1 KiB of each segment, 16 KiB in all, with
// 16-byte loads); thread (segment, lane) then runs its chain over the tile
// from shared memory.
__global__ void normShared(const float *__restrict__ g, float *__restrict__ p) {
  __shared__ float4 tile[2][16 * 64];
  int tid = threadIdx.x;
  long seg0 = blockIdx.x * 16L; // global segment index (b * Segs + s)
  const float4 *base = reinterpret_cast<const float4 *>(g) + seg0 * (Seg / 4);
  int mySeg = tid / 16, lane = tid % 16;
  float acc = 0;
  constexpr int TileF4 = 64; // float4s of one segment per tile (1 KiB)
  constexpr int Tiles = Seg / 4 / TileF4;
  float4 r[4];
  auto load = [&](int k) {
#pragma unroll
    for (int i = 0; i < 4; ++i) {
      int idx = tid + 256 * i; // 0..1023: segment idx / 64, offset idx % 64
      r[i] = base[(idx / TileF4) * (Seg / 4) + k * TileF4 + idx % TileF4];
    }
  };
  load(0);
  for (int k = 0; k < Tiles; ++k) {
#pragma unroll
    for (int i = 0; i < 4; ++i)
      tile[k & 1][tid + 256 * i] = r[i];
    __syncthreads();
    if (k + 1 < Tiles)
      load(k + 1);
    const float *f = reinterpret_cast<const float *>(&tile[k & 1][mySeg * 64]);
#pragma unroll
    for (int j = 0; j < 16; ++j) {
      float v = f[j * 16 + lane];
      acc = fmaf(v, v, acc);
    }
  }
  p[(seg0 + mySeg) * Lanes + lane] = acc;
}

// Column sums, as sto: one thread per column, the chain over the 256 samples
// unrolled by 32.
__global__ void colSto(const float *__restrict__ g, const float *__restrict__ f,
                       float *__restrict__ a) {
  long j = blockIdx.x * (long)blockDim.x + threadIdx.x;
  float acc = 0;
#pragma unroll 32
  for (int b = 0; b < B; ++b)
    acc = fmaf(g[b * D + j], f[b], acc);
  a[j] = acc;
}

// Four columns per thread with 16-byte loads.
template <int Unroll>
__global__ void colVec(const float *__restrict__ g, const float *__restrict__ f,
                       float *__restrict__ a) {
  long j = 4 * (blockIdx.x * (long)blockDim.x + threadIdx.x);
  float a0 = 0, a1 = 0, a2 = 0, a3 = 0;
#pragma unroll Unroll
  for (int b = 0; b < B; ++b) {
    float4 v = *reinterpret_cast<const float4 *>(g + b * D + j);
    float s = f[b];
    a0 = fmaf(v.x, s, a0);
    a1 = fmaf(v.y, s, a1);
    a2 = fmaf(v.z, s, a2);
    a3 = fmaf(v.w, s, a3);
  }
  a[j] = a0;
  a[j + 1] = a1;
  a[j + 2] = a2;
  a[j + 3] = a3;
}

// The read ceiling: a sum of the whole buffer with 16-byte loads (the bits
// are not compared).
__global__ void readAll(const float4 *__restrict__ g, long n4, float *out) {
  float acc = 0;
  for (long i = blockIdx.x * (long)blockDim.x + threadIdx.x; i < n4;
       i += (long)gridDim.x * blockDim.x) {
    float4 v = g[i];
    acc += v.x + v.y + v.z + v.w;
  }
  if (acc == 12345.f)
    *out = acc;
}

template <typename F> float timeMs(F launch, int runs = 20) {
  cudaEvent_t a, b;
  CHECK(cudaEventCreate(&a));
  CHECK(cudaEventCreate(&b));
  for (int i = 0; i < 3; ++i)
    launch();
  CHECK(cudaGetLastError());
  CHECK(cudaDeviceSynchronize());
  std::vector<float> t;
  for (int i = 0; i < runs; ++i) {
    CHECK(cudaEventRecord(a));
    launch();
    CHECK(cudaEventRecord(b));
    CHECK(cudaEventSynchronize(b));
    float ms;
    CHECK(cudaEventElapsedTime(&ms, a, b));
    t.push_back(ms);
  }
  CHECK(cudaGetLastError());
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

int main() {
  float *g, *p, *p2, *f, *a, *a2, *sink, *big, *big2;
  size_t gBytes = B * D * sizeof(float);
  size_t pCount = (size_t)B * Segs * Lanes;
  CHECK(cudaMalloc(&g, gBytes));
  CHECK(cudaMalloc(&p, pCount * 4));
  CHECK(cudaMalloc(&p2, pCount * 4));
  CHECK(cudaMalloc(&f, B * 4));
  CHECK(cudaMalloc(&a, D * 4));
  CHECK(cudaMalloc(&a2, D * 4));
  CHECK(cudaMalloc(&sink, 4));
  CHECK(cudaMalloc(&big, gBytes));
  CHECK(cudaMalloc(&big2, gBytes));
  fill<<<(B * D + 255) / 256, 256>>>(g, B * D, 1);
  fill<<<1, 256>>>(f, B, 2);
  CHECK(cudaGetLastError());
  CHECK(cudaDeviceSynchronize());
  double gb = gBytes / 1e9;

  float copyMs = timeMs(
      [&] { cudaMemcpyAsync(big2, big, gBytes, cudaMemcpyDeviceToDevice); });
  printf("{\"probe\": \"copy\", \"ms\": %.4f, \"GBps\": %.0f}\n", copyMs,
         2 * gb / copyMs * 1e3);
  float readMs = timeMs(
      [&] { readAll<<<132 * 16, 256>>>((const float4 *)g, B * D / 4, sink); });
  printf("{\"probe\": \"read_all\", \"ms\": %.4f, \"GBps\": %.0f}\n", readMs,
         gb / readMs * 1e3);

  auto compare = [&](const float *x, const float *y, size_t n) {
    std::vector<unsigned> hx(n), hy(n);
    CHECK(cudaMemcpy(hx.data(), x, n * 4, cudaMemcpyDeviceToHost));
    CHECK(cudaMemcpy(hy.data(), y, n * 4, cudaMemcpyDeviceToHost));
    size_t diff = 0;
    for (size_t i = 0; i < n; ++i)
      diff += hx[i] != hy[i];
    return diff;
  };
  auto report = [&](const char *name, float ms, size_t diff) {
    printf(
        "{\"probe\": \"%s\", \"ms\": %.4f, \"GBps\": %.0f, \"differ\": %zu}\n",
        name, ms, gb / ms * 1e3, diff);
    fflush(stdout);
  };

  long normThreads = (long)B * Segs * Lanes;
  float ms = timeMs([&] { normSto<<<normThreads / 256, 256>>>(g, p); });
  report("norm_sto", ms, 0);
  CHECK(cudaMemset(p2, 0xff, pCount * 4));
  ms = timeMs([&] { normVec<8><<<normThreads / 4 / 256, 256>>>(g, p2); });
  report("norm_vec4_u8", ms, compare(p, p2, pCount));
  CHECK(cudaMemset(p2, 0xff, pCount * 4));
  ms = timeMs([&] { normVec<16><<<normThreads / 4 / 256, 256>>>(g, p2); });
  report("norm_vec4_u16", ms, compare(p, p2, pCount));
  CHECK(cudaMemset(p2, 0xff, pCount * 4));
  ms = timeMs([&] { normShared<<<B * Segs / 16, 256>>>(g, p2); });
  report("norm_shared", ms, compare(p, p2, pCount));

  ms = timeMs([&] { colSto<<<D / 256, 256>>>(g, f, a); });
  report("col_sto", ms, 0);
  CHECK(cudaMemset(a2, 0xff, D * 4));
  ms = timeMs([&] { colVec<8><<<D / 4 / 256, 256>>>(g, f, a2); });
  report("col_vec4_u8", ms, compare(a, a2, D));
  CHECK(cudaMemset(a2, 0xff, D * 4));
  ms = timeMs([&] { colVec<16><<<D / 4 / 256, 256>>>(g, f, a2); });
  report("col_vec4_u16", ms, compare(a, a2, D));
  CHECK(cudaMemset(a2, 0xff, D * 4));
  ms = timeMs([&] { colVec<8><<<D / 4 / 128, 128>>>(g, f, a2); });
  report("col_vec4_u8_b128", ms, compare(a, a2, D));
  return 0;
}
