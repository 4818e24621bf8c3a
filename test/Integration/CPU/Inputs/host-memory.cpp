// Driver of host-memory.mlir: four calls, identical results, and what the
// allocator of libsto_runtime served.
#include "host_memory.h"

#include "sto-c/Runtime.h"

#include <cstdint>
#include <cstdio>
#include <cstring>

int main() {
  static float first[1024], again[1024];
  int status = column_noise_sums(7, first);
  bool same = true;
  for (int c = 1; c < 4; ++c) {
    status |= column_noise_sums(7, again);
    same &= std::memcmp(first, again, sizeof first) == 0;
  }
  std::printf("4 calls: status %d, results %s\n", status,
              same ? "identical" : "DIFFER");
  uint32_t h = 2166136261u;
  for (float f : first) {
    uint32_t bits;
    std::memcpy(&bits, &f, 4);
    h = (h ^ bits) * 16777619u;
  }
  std::printf("checksum %08x\n", h);
  int64_t cached, reused, fresh;
  sto_host_memory_stats(&cached, &reused, &fresh);
  std::printf("blocks: %lld fresh, %lld reused, %lld bytes kept\n",
              (long long)fresh, (long long)reused, (long long)cached);
  return 0;
}
