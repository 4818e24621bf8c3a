//===- HostMemory.cpp - libsto_runtime: buffers of compiled CPU code ------===//
//
// Compiled CPU code allocates its temporary buffers through MLIR's generic
// allocation functions (FinalizeMemRefToLLVM's use-generic-functions), which
// this file defines. glibc serves blocks of 32 MiB and more with mmap and
// unmaps them on free, so a model with a large temporary page-faulted it in
// anew on every call: a 1024 x 8192 noise tensor summed by rows took 12-18
// ms per call instead of 2 on the 2-core bench machine. Blocks of 1 MiB and
// more are kept for reuse here instead, up to a cap (as the CUDA part keeps
// its pool's memory); smaller ones go to malloc, whose heap already reuses
// them.
//
// No C++ runtime (no operator new, exceptions or std::mutex): C programs
// link libsto_runtime with a C compiler.
//
//===----------------------------------------------------------------------===//

#include "sto-c/Runtime.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

namespace {

/// Blocks of at least this many bytes are cached.
constexpr size_t kMinCached = size_t(1) << 20;
/// Cached blocks are whole multiples of this (size classes).
constexpr size_t kGranule = size_t(1) << 16;
/// Cached blocks are page aligned, so any alignment up to a page is met.
constexpr size_t kPage = 4096;
/// The default cap on cached bytes (STO_HOST_CACHE_BYTES overrides it).
constexpr size_t kDefaultCap = size_t(1) << 30;
constexpr int kSlots = 64;

/// Stored right before every pointer handed out.
struct Header {
  void *raw;    // what aligned_alloc returned
  size_t bytes; // the cached block's size, 0 for a block that is not cached
};

struct Slot {
  void *raw;
  size_t bytes;
  uint64_t stamp;
};

pthread_mutex_t mutex = PTHREAD_MUTEX_INITIALIZER;
Slot slots[kSlots];
int used = 0;
size_t cachedBytes = 0;
uint64_t stampCounter = 0;
int64_t reusedBlocks = 0, freshBlocks = 0;
bool capKnown = false;
size_t capBytes = kDefaultCap;

/// The cap, read from the environment once (under the mutex).
size_t cap() {
  if (!capKnown) {
    capKnown = true;
    if (const char *e = getenv("STO_HOST_CACHE_BYTES")) {
      char *end = nullptr;
      unsigned long long v = strtoull(e, &end, 10);
      if (end != e && *end == '\0')
        capBytes = size_t(v);
    }
  }
  return capBytes;
}

/// Removes slot `i` (under the mutex).
void removeSlot(int i) {
  cachedBytes -= slots[i].bytes;
  slots[i] = slots[--used];
}

/// Frees every cached block.
void releaseAll() {
  void *raws[kSlots];
  int n = 0;
  pthread_mutex_lock(&mutex);
  while (used > 0) {
    raws[n++] = slots[used - 1].raw;
    removeSlot(used - 1);
  }
  pthread_mutex_unlock(&mutex);
  for (int i = 0; i < n; ++i)
    free(raws[i]);
}

/// A cached block of exactly `bytes` (the most recently freed), or null.
void *takeCached(size_t bytes) {
  pthread_mutex_lock(&mutex);
  int best = -1;
  for (int i = 0; i < used; ++i)
    if (slots[i].bytes == bytes &&
        (best < 0 || slots[i].stamp > slots[best].stamp))
      best = i;
  void *raw = nullptr;
  if (best >= 0) {
    raw = slots[best].raw;
    removeSlot(best);
    ++reusedBlocks;
  } else {
    ++freshBlocks;
  }
  pthread_mutex_unlock(&mutex);
  return raw;
}

/// Keeps `raw` for reuse, evicting the oldest blocks beyond the cap.
void putCached(void *raw, size_t bytes) {
  void *evicted[kSlots + 1];
  int n = 0;
  pthread_mutex_lock(&mutex);
  if (bytes > cap()) {
    evicted[n++] = raw;
  } else {
    while (used > 0 && (used == kSlots || cachedBytes + bytes > cap())) {
      int oldest = 0;
      for (int i = 1; i < used; ++i)
        if (slots[i].stamp < slots[oldest].stamp)
          oldest = i;
      evicted[n++] = slots[oldest].raw;
      removeSlot(oldest);
    }
    slots[used++] = Slot{raw, bytes, ++stampCounter};
    cachedBytes += bytes;
  }
  pthread_mutex_unlock(&mutex);
  for (int i = 0; i < n; ++i)
    free(evicted[i]);
}

/// `size` bytes aligned to `align` (a power of two), or null.
void *allocate(size_t size, size_t align) {
  if (align < sizeof(Header))
    align = sizeof(Header);
  if (align & (align - 1))
    return nullptr;
  // The header sits in the `align` bytes before the pointer.
  size_t offset = align;
  if (size > SIZE_MAX - offset - kGranule)
    return nullptr;
  void *raw = nullptr;
  size_t cachedSize = 0;
  if (size >= kMinCached && align <= kPage) {
    cachedSize = (size + offset + kGranule - 1) / kGranule * kGranule;
    raw = takeCached(cachedSize);
    if (!raw) {
      raw = aligned_alloc(kPage, cachedSize);
      if (!raw) { // the cache may hold what is missing
        releaseAll();
        raw = aligned_alloc(kPage, cachedSize);
      }
    }
  } else {
    raw = aligned_alloc(align, (size + offset + align - 1) / align * align);
  }
  if (!raw)
    return nullptr;
  char *ptr = static_cast<char *>(raw) + offset;
  reinterpret_cast<Header *>(ptr)[-1] = Header{raw, cachedSize};
  return ptr;
}

} // namespace

extern "C" void *_mlir_memref_to_llvm_alloc(size_t size) {
  return allocate(size, 16);
}

extern "C" void *_mlir_memref_to_llvm_aligned_alloc(size_t alignment,
                                                    size_t size) {
  return allocate(size, alignment);
}

extern "C" void _mlir_memref_to_llvm_free(void *ptr) {
  if (!ptr)
    return;
  Header h = reinterpret_cast<Header *>(ptr)[-1];
  if (h.bytes == 0)
    free(h.raw);
  else
    putCached(h.raw, h.bytes);
}

extern "C" void sto_host_release_cached(void) { releaseAll(); }

extern "C" void sto_host_set_cache_bytes(int64_t bytes) {
  pthread_mutex_lock(&mutex);
  capKnown = true;
  capBytes = bytes < 0 ? 0 : size_t(bytes);
  pthread_mutex_unlock(&mutex);
  // Down to the new cap: each put evicts the oldest beyond it.
  int64_t cached;
  sto_host_memory_stats(&cached, nullptr, nullptr);
  if (size_t(cached) > capBytes)
    releaseAll();
}

extern "C" void sto_host_memory_stats(int64_t *cached_bytes,
                                      int64_t *reused_blocks,
                                      int64_t *fresh_blocks) {
  pthread_mutex_lock(&mutex);
  if (cached_bytes)
    *cached_bytes = int64_t(cachedBytes);
  if (reused_blocks)
    *reused_blocks = reusedBlocks;
  if (fresh_blocks)
    *fresh_blocks = freshBlocks;
  pthread_mutex_unlock(&mutex);
}
