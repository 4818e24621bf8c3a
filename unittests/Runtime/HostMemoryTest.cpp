//===- HostMemoryTest.cpp - the buffer allocator of compiled CPU code
//------===//
//
// Compiled CPU code allocates through _mlir_memref_to_llvm_alloc /
// _aligned_alloc / _free of libsto_runtime, which keeps blocks of 1 MiB and
// more for reuse up to a cap.
//
//===----------------------------------------------------------------------===//

#include "sto-c/Runtime.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <thread>
#include <vector>

namespace {

constexpr size_t kMiB = size_t(1) << 20;

struct Stats {
  int64_t cached, reused, fresh;
};
Stats stats() {
  Stats s;
  sto_host_memory_stats(&s.cached, &s.reused, &s.fresh);
  return s;
}

/// Every test starts from an empty cache with a 1 GiB cap.
class HostMemory : public ::testing::Test {
protected:
  void SetUp() override {
    sto_host_set_cache_bytes(int64_t(1) << 30);
    sto_host_release_cached();
  }
  void TearDown() override { sto_host_release_cached(); }
};

TEST_F(HostMemory, AlignmentIsMet) {
  for (size_t align : {size_t(16), size_t(64), size_t(128), size_t(4096)}) {
    for (size_t size : {size_t(0), size_t(1), size_t(1000), 3 * kMiB}) {
      void *p = _mlir_memref_to_llvm_aligned_alloc(align, size);
      ASSERT_NE(p, nullptr) << align << " " << size;
      EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % align, 0u)
          << align << " " << size;
      std::memset(p, 0xab, size);
      _mlir_memref_to_llvm_free(p);
    }
  }
  // Above a page: not cached, still aligned.
  void *p = _mlir_memref_to_llvm_aligned_alloc(1 << 16, 2 * kMiB);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % (1 << 16), 0u);
  _mlir_memref_to_llvm_free(p);
  void *q = _mlir_memref_to_llvm_alloc(5);
  ASSERT_NE(q, nullptr);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(q) % 16, 0u);
  _mlir_memref_to_llvm_free(q);
}

TEST_F(HostMemory, NotAPowerOfTwoIsRefused) {
  EXPECT_EQ(_mlir_memref_to_llvm_aligned_alloc(48, 100), nullptr);
  EXPECT_EQ(_mlir_memref_to_llvm_alloc(SIZE_MAX - 8), nullptr);
  _mlir_memref_to_llvm_free(nullptr);
}

TEST_F(HostMemory, LargeBlocksAreReused) {
  Stats before = stats();
  char *p = static_cast<char *>(_mlir_memref_to_llvm_alloc(4 * kMiB));
  ASSERT_NE(p, nullptr);
  std::memset(p, 1, 4 * kMiB);
  _mlir_memref_to_llvm_free(p);
  Stats kept = stats();
  EXPECT_EQ(kept.fresh, before.fresh + 1);
  EXPECT_GE(kept.cached, int64_t(4 * kMiB));
  // The same size class, aligned as asked: the same memory again.
  char *q =
      static_cast<char *>(_mlir_memref_to_llvm_aligned_alloc(64, 4 * kMiB));
  EXPECT_EQ(q, p + 48); // a block's header is its alignment's size
  Stats after = stats();
  EXPECT_EQ(after.reused, kept.reused + 1);
  EXPECT_EQ(after.cached, 0);
  _mlir_memref_to_llvm_free(q);
  // Another size is a fresh block.
  void *r = _mlir_memref_to_llvm_alloc(8 * kMiB);
  EXPECT_EQ(stats().fresh, after.fresh + 1);
  _mlir_memref_to_llvm_free(r);
}

TEST_F(HostMemory, SmallBlocksAreNotCached) {
  Stats before = stats();
  void *p = _mlir_memref_to_llvm_alloc(kMiB / 2);
  _mlir_memref_to_llvm_free(p);
  Stats after = stats();
  EXPECT_EQ(after.cached, 0);
  EXPECT_EQ(after.fresh, before.fresh);
  EXPECT_EQ(after.reused, before.reused);
}

TEST_F(HostMemory, TheCapEvictsTheOldest) {
  sto_host_set_cache_bytes(int64_t(6 * kMiB));
  void *a = _mlir_memref_to_llvm_alloc(4 * kMiB);
  void *b = _mlir_memref_to_llvm_alloc(4 * kMiB - 100000);
  _mlir_memref_to_llvm_free(a);
  _mlir_memref_to_llvm_free(b); // a goes: 8 MiB would exceed 6
  Stats s = stats();
  EXPECT_GT(s.cached, int64_t(3 * kMiB));
  EXPECT_LE(s.cached, int64_t(4 * kMiB));
  // b is the one kept.
  void *c = _mlir_memref_to_llvm_alloc(4 * kMiB - 100000);
  EXPECT_EQ(c, b);
  _mlir_memref_to_llvm_free(c);
  // A block over the cap is freed at once.
  void *d = _mlir_memref_to_llvm_alloc(7 * kMiB);
  _mlir_memref_to_llvm_free(d);
  EXPECT_LE(stats().cached, int64_t(6 * kMiB));
  // Lowering the cap frees what is over it.
  sto_host_set_cache_bytes(kMiB);
  EXPECT_EQ(stats().cached, 0);
}

TEST_F(HostMemory, CapZeroDisablesTheCache) {
  sto_host_set_cache_bytes(0);
  Stats before = stats();
  for (int i = 0; i < 3; ++i)
    _mlir_memref_to_llvm_free(_mlir_memref_to_llvm_alloc(2 * kMiB));
  Stats after = stats();
  EXPECT_EQ(after.cached, 0);
  EXPECT_EQ(after.reused, before.reused);
  EXPECT_EQ(after.fresh, before.fresh + 3);
}

TEST_F(HostMemory, ReleaseFreesEverything) {
  void *a = _mlir_memref_to_llvm_alloc(2 * kMiB);
  void *b = _mlir_memref_to_llvm_alloc(3 * kMiB);
  _mlir_memref_to_llvm_free(a);
  _mlir_memref_to_llvm_free(b);
  EXPECT_GT(stats().cached, 0);
  sto_host_release_cached();
  EXPECT_EQ(stats().cached, 0);
}

// Threads allocating, filling, checking and freeing blocks of a few sizes at
// once: every block holds what its owner wrote (no block is handed out
// twice), and the cache never holds more than its cap.
TEST_F(HostMemory, ThreadSafe) {
  sto_host_set_cache_bytes(int64_t(32 * kMiB));
  std::vector<std::thread> threads;
  std::vector<int> errors(4, 0);
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([t, &errors] {
      for (int i = 0; i < 100; ++i) {
        size_t size = (size_t(1) + (i + t) % 3) * kMiB + 4096 * t;
        auto *p = static_cast<uint8_t *>(_mlir_memref_to_llvm_alloc(size));
        if (!p) {
          ++errors[t];
          continue;
        }
        uint8_t tag = uint8_t(t * 64 + i);
        for (size_t j = 0; j < size; j += 4096)
          p[j] = tag;
        std::this_thread::yield();
        for (size_t j = 0; j < size; j += 4096)
          errors[t] += p[j] != tag;
        _mlir_memref_to_llvm_free(p);
      }
    });
  for (std::thread &th : threads)
    th.join();
  for (int e : errors)
    EXPECT_EQ(e, 0);
  EXPECT_LE(stats().cached, int64_t(32 * kMiB));
  EXPECT_GT(stats().reused, 0);
}

} // namespace
