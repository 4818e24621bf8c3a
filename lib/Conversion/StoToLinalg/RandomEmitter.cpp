//===- RandomEmitter.cpp - Philox and samplers as arith ops ---------------===//

#include "RandomEmitter.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

using namespace mlir;
using namespace mlir::sto;

// Random123's Philox4x32 constants.
static constexpr uint32_t kM0 = 0xD2511F53, kM1 = 0xCD9E8D57;
static constexpr uint32_t kW0 = 0x9E3779B9, kW1 = 0xBB67AE85;

Value RandomEmitter::i32(uint32_t v) {
  return arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(v));
}

Value RandomEmitter::i64(int64_t v) {
  return arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(v));
}

Value RandomEmitter::f32(float v) {
  return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(v));
}

std::array<Value, 2> RandomEmitter::keyWords(Value key) {
  Type i32Type = b.getI32Type();
  Value lo = arith::TruncIOp::create(b, loc, i32Type, key);
  Value hiWide = arith::ShRUIOp::create(b, loc, key, i64(32));
  Value hi = arith::TruncIOp::create(b, loc, i32Type, hiWide);
  return {lo, hi};
}

Value RandomEmitter::packKey(Value w0, Value w1) {
  Type i64Type = b.getI64Type();
  Value lo = arith::ExtUIOp::create(b, loc, i64Type, w0);
  Value hi = arith::ExtUIOp::create(b, loc, i64Type, w1);
  Value hiShifted = arith::ShLIOp::create(b, loc, hi, i64(32));
  return arith::OrIOp::create(b, loc, lo, hiShifted);
}

std::array<Value, 4> RandomEmitter::philox(std::array<Value, 4> c,
                                           std::array<Value, 2> k) {
  Value m0 = i32(kM0), m1 = i32(kM1), w0 = i32(kW0), w1 = i32(kW1);
  for (int round = 0; round < 10; ++round) {
    if (round > 0) {
      k[0] = arith::AddIOp::create(b, loc, k[0], w0);
      k[1] = arith::AddIOp::create(b, loc, k[1], w1);
    }
    auto p0 = arith::MulUIExtendedOp::create(b, loc, m0, c[0]);
    auto p1 = arith::MulUIExtendedOp::create(b, loc, m1, c[2]);
    Value x0 = arith::XOrIOp::create(b, loc, p1.getHigh(), c[1]);
    Value x2 = arith::XOrIOp::create(b, loc, p0.getHigh(), c[3]);
    c = {arith::XOrIOp::create(b, loc, x0, k[0]), p1.getLow(),
         arith::XOrIOp::create(b, loc, x2, k[1]), p0.getLow()};
  }
  return c;
}

Value RandomEmitter::splitKey(Value key, uint64_t index) {
  auto out = philox({i32(static_cast<uint32_t>(index)),
                     i32(static_cast<uint32_t>(index >> 32)), i32(0),
                     i32(kSplitTag)},
                    keyWords(key));
  return packKey(out[0], out[1]);
}

Value RandomEmitter::foldInKey(Value key, Value data) {
  auto d = keyWords(data);
  auto out = philox({d[0], d[1], i32(0), i32(kFoldInTag)}, keyWords(key));
  return packKey(out[0], out[1]);
}

std::array<Value, 4> RandomEmitter::elementBlock(Value linearIndex,
                                                 std::array<Value, 2> key) {
  Value block = arith::ShRUIOp::create(b, loc, linearIndex, i64(2));
  auto words = keyWords(block);
  return philox({words[0], words[1], i32(0), i32(0)}, key);
}

Value RandomEmitter::elementBits(Value linearIndex, std::array<Value, 2> key) {
  auto out = elementBlock(linearIndex, key);
  Value lane = arith::TruncIOp::create(
      b, loc, b.getI32Type(),
      arith::AndIOp::create(b, loc, linearIndex, i64(3)));
  auto eq = [&](uint32_t v) {
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, lane,
                                 i32(v));
  };
  Value hi = arith::SelectOp::create(b, loc, eq(2), out[2], out[3]);
  Value lo = arith::SelectOp::create(b, loc, eq(0), out[0], out[1]);
  Value isLo = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, lane,
                                     i32(2));
  return arith::SelectOp::create(b, loc, isLo, lo, hi);
}

Value RandomEmitter::uniformF32(Value bits) {
  Value top24 = arith::ShRUIOp::create(b, loc, bits, i32(8));
  Value asFloat = arith::UIToFPOp::create(b, loc, b.getF32Type(), top24);
  // Exact: a 24-bit integer times a power of two.
  return arith::MulFOp::create(b, loc, asFloat, f32(0x1.0p-24f));
}
