// Driver of narrow-bits.mlir: f16/bf16 bit patterns that compiled code only
// moves must come back unchanged (subnormals, signalling NaNs).
#include "narrow.h"

#include <cstdint>
#include <cstdio>

namespace {

// bf16: subnormals, a signalling NaN, a quiet NaN, -0, normal values.
const uint16_t kBf16[8] = {0x0001, 0x8001, 0x007f, 0xff81,
                           0x7fc1, 0x8000, 0x3f80, 0xc2f7};
// f16: subnormals, signalling NaNs, -0, normal values.
const uint16_t kF16[8] = {0x0001, 0x8001, 0x03ff, 0x7c01,
                          0xfd55, 0x8000, 0x3c00, 0xd5a5};

void reportCopy(const char *what, const uint16_t *x, const uint16_t *buf) {
  int bad = 0;
  for (int i = 0; i < 32; ++i)
    bad += buf[i] != x[i];
  std::printf("%s: %d of 32 copied elements differ\n", what, bad);
}

} // namespace

int main() {
  uint16_t x[32], y[32], buf[32];
  int32_t ids[4] = {0, 0, 0, 0}, slots[4];
  for (int i = 0; i < 32; ++i) {
    x[i] = kBf16[(i + i / 8) % 8];
    y[i] = kF16[(i + i / 8) % 8];
  }
  if (int st = dispatch_bf16(x, ids, buf, slots))
    std::printf("status %d\n", st);
  reportCopy("dispatch bf16", x, buf);
  if (int st = dispatch_bf16_dyn(x, 4, 8, ids, 4, buf, 8, slots, 4))
    std::printf("status %d\n", st);
  reportCopy("dispatch bf16 dynamic", x, buf);
  if (int st = dispatch_f16_dyn(y, 4, 8, ids, 4, buf, 8, slots, 4))
    std::printf("status %d\n", st);
  reportCopy("dispatch f16 dynamic", y, buf);

  uint16_t b[2] = {0x0001, 0x0001}, r[2];
  int32_t loads[2] = {0, 10};
  if (int st = bias_bf16(b, 2, loads, 2, r, 2))
    std::printf("status %d\n", st);
  std::printf("balance_bias bf16: %04x %04x\n", unsigned(r[0]), unsigned(r[1]));

  bool c[8] = {true, false, true, false, true, false, true, false};
  uint16_t a[8], o[8];
  for (int i = 0; i < 8; ++i)
    a[i] = kBf16[(i + 4) % 8];
  if (int st = select_bf16(c, 8, kBf16, 8, a, 8, o, 8))
    std::printf("status %d\n", st);
  int bad = 0;
  for (int i = 0; i < 8; ++i)
    bad += o[i] != (c[i] ? kBf16[i] : a[i]);
  std::printf("select bf16: %d of 8 differ\n", bad);

  // x * 1.5, exact for these values: 1, -2, 0.5, 3 and subnormal-free.
  const uint16_t f16In[8] = {0x3c00, 0xc000, 0x3800, 0x4200,
                             0x3c00, 0xc000, 0x3800, 0x4200};
  const uint16_t f16Want[8] = {0x3e00, 0xc200, 0x3a00, 0x4480,
                               0x3e00, 0xc200, 0x3a00, 0x4480};
  const uint16_t bf16In[8] = {0x3f80, 0xc000, 0x3f00, 0x4040,
                              0x3f80, 0xc000, 0x3f00, 0x4040};
  const uint16_t bf16Want[8] = {0x3fc0, 0xc040, 0x3f40, 0x4090,
                                0x3fc0, 0xc040, 0x3f40, 0x4090};
  uint16_t scaled[8];
  auto reportScaled = [&](const char *what, const uint16_t *want) {
    int wrong = 0;
    for (int i = 0; i < 8; ++i)
      wrong += scaled[i] != want[i];
    std::printf("%s: %d of 8 differ\n", what, wrong);
  };
  if (int st = scaled_f16(f16In, scaled))
    std::printf("status %d\n", st);
  reportScaled("scaled f16", f16Want);
  if (int st = scaled_bf16(bf16In, scaled))
    std::printf("status %d\n", st);
  reportScaled("scaled bf16", bf16Want);
  return 0;
}
