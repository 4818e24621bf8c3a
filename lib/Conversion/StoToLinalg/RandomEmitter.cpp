//===- RandomEmitter.cpp - Philox and samplers as arith ops ---------------===//

#include "RandomEmitter.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"

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
  Value w0 = i32(kW0), w1 = i32(kW1);
  if (wideWords) {
    // Each 32-bit word lives in the low half of an i64, so the 32x32->64
    // products are plain i64 multiplies (vpmuludq on x86) and the words never
    // move between 32- and 64-bit lanes; only the results are truncated. The
    // high halves are left as they fall (the low words are whole products,
    // the xors carry their high halves along): only the multiplicands are
    // masked, which tells LLVM that the multiply is 32x32->64 (vpmuludq,
    // whose operands' high halves it then no longer needs to clear, since
    // the instruction ignores them), and the final truncation drops the rest.
    Type i64Type = b.getI64Type();
    auto wide = [&](Value v) {
      return arith::ExtUIOp::create(b, loc, i64Type, v).getResult();
    };
    Value m0 = i64(kM0), m1 = i64(kM1), low = i64(0xFFFFFFFFu), shift = i64(32);
    auto mulLow = [&](Value word, Value m) {
      return arith::MulIOp::create(b, loc,
                                   arith::AndIOp::create(b, loc, word, low), m);
    };
    std::array<Value, 4> w = {wide(c[0]), wide(c[1]), wide(c[2]), wide(c[3])};
    for (int round = 0; round < 10; ++round) {
      if (round > 0) {
        k[0] = arith::AddIOp::create(b, loc, k[0], w0);
        k[1] = arith::AddIOp::create(b, loc, k[1], w1);
      }
      Value p0 = mulLow(w[0], m0);
      Value p1 = mulLow(w[2], m1);
      Value hi0 = arith::ShRUIOp::create(b, loc, p0, shift);
      Value hi1 = arith::ShRUIOp::create(b, loc, p1, shift);
      Value x0 = arith::XOrIOp::create(b, loc, hi1, w[1]);
      Value x2 = arith::XOrIOp::create(b, loc, hi0, w[3]);
      w = {arith::XOrIOp::create(b, loc, x0, wide(k[0])), p1,
           arith::XOrIOp::create(b, loc, x2, wide(k[1])), p0};
    }
    Type i32Type = b.getI32Type();
    for (int j = 0; j < 4; ++j)
      c[j] = arith::TruncIOp::create(b, loc, i32Type, w[j]);
    return c;
  }
  Value m0 = i32(kM0), m1 = i32(kM1);
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
  auto out =
      philox({i32(static_cast<uint32_t>(index)),
              i32(static_cast<uint32_t>(index >> 32)), i32(0), i32(kSplitTag)},
             keyWords(key));
  return packKey(out[0], out[1]);
}

Value RandomEmitter::foldInKey(Value key, Value data) {
  auto d = keyWords(data);
  auto out = philox({d[0], d[1], i32(0), i32(kFoldInTag)}, keyWords(key));
  return packKey(out[0], out[1]);
}

ElementIndex RandomEmitter::fromLinear(Value linearIndex) {
  Value block = arith::ShRUIOp::create(b, loc, linearIndex, i64(2));
  Value lane = arith::TruncIOp::create(
      b, loc, b.getI32Type(),
      arith::AndIOp::create(b, loc, linearIndex, i64(3)));
  return {block, lane};
}

std::array<Value, 4> RandomEmitter::elementBlock(ElementIndex index,
                                                 std::array<Value, 2> key) {
  auto words = keyWords(index.block);
  return philox({words[0], words[1], i32(0), i32(0)}, key);
}

Value RandomEmitter::elementBits(ElementIndex index, std::array<Value, 2> key) {
  auto out = elementBlock(index, key);
  Value lane = index.lane;
  auto eq = [&](uint32_t v) {
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, lane,
                                 i32(v));
  };
  Value hi = arith::SelectOp::create(b, loc, eq(2), out[2], out[3]);
  Value lo = arith::SelectOp::create(b, loc, eq(0), out[0], out[1]);
  Value isLo =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, lane, i32(2));
  return arith::SelectOp::create(b, loc, isLo, lo, hi);
}

Value RandomEmitter::uniformF32(Value bits) {
  Value top24 = arith::ShRUIOp::create(b, loc, bits, i32(8));
  Value asFloat = arith::UIToFPOp::create(b, loc, b.getF32Type(), top24);
  // Exact: a 24-bit integer times a power of two.
  return arith::MulFOp::create(b, loc, asFloat, f32(0x1.0p-24f));
}

Value RandomEmitter::uniformOCF32(Value bits) {
  Value top24 = arith::ShRUIOp::create(b, loc, bits, i32(8));
  Value plusOne = arith::AddIOp::create(b, loc, top24, i32(1));
  Value asFloat = arith::UIToFPOp::create(b, loc, b.getF32Type(), plusOne);
  return arith::MulFOp::create(b, loc, asFloat, f32(0x1.0p-24f));
}

Value RandomEmitter::uniformOOF32(Value bits) {
  Value top24 = arith::ShRUIOp::create(b, loc, bits, i32(8));
  Value odd = arith::OrIOp::create(b, loc, top24, i32(1));
  Value asFloat = arith::UIToFPOp::create(b, loc, b.getF32Type(), odd);
  return arith::MulFOp::create(b, loc, asFloat, f32(0x1.0p-24f));
}

Value RandomEmitter::uniformF64(Value bits) {
  Value asFloat = arith::UIToFPOp::create(b, loc, b.getF64Type(), bits);
  Value scale = arith::ConstantOp::create(b, loc, b.getF64FloatAttr(0x1.0p-32));
  return arith::MulFOp::create(b, loc, asFloat, scale);
}

Value RandomEmitter::uniform01(Type c, Value bits) {
  return c.isF64() ? uniformF64(bits) : uniformF32(bits);
}

Value RandomEmitter::fma(Value x, Value y, Value z) {
  return math::FmaOp::create(b, loc, x, y, z);
}

// The coefficients and steps below are those of include/sto/Runtime/Philox.h
// (docs/Randomness.md); the tests compare the two bit for bit.
static constexpr float kLogR[9] = {
    0x1.555548p-2f,  -0x1.000006p-2f, 0x1.99a4b6p-3f,
    -0x1.555c4cp-3f, 0x1.233764p-3f,  -0x1.fc2216p-4f,
    0x1.e6f0b6p-4f,  -0x1.de3bd6p-4f, 0x1.1456bap-4f};
static constexpr float kLn2Hi = 0x1.62e430p-1f;
static constexpr float kLn2Lo = -0x1.05c610p-29f;
static constexpr uint32_t kSqrtHalfBits = 0x3F3504F3u;
static constexpr float kTwoPiHi = 0x1.921fb6p+2f;
static constexpr float kTwoPiLo = -0x1.777a5cp-23f;
static constexpr float kSinP[3] = {-0x1.4abbbep+5f, 0x1.466004p+6f,
                                   -0x1.2dc84ep+6f};
static constexpr float kCosQ[4] = {-0x1.3bd3ccp+4f, 0x1.03c1dep+6f,
                                   -0x1.55c5e0p+6f, 0x1.d9d580p+5f};

Value RandomEmitter::logF32(Value x) {
  Type i32Type = b.getI32Type(), f32Type = b.getF32Type();
  // x = m * 2^k with m in [sqrt(1/2), sqrt(2)), from the bits.
  Value bits = arith::BitcastOp::create(b, loc, i32Type, x);
  Value ix =
      arith::AddIOp::create(b, loc, bits, i32(0x3F800000u - kSqrtHalfBits));
  Value k = arith::SubIOp::create(
      b, loc, arith::ShRUIOp::create(b, loc, ix, i32(23)), i32(127));
  Value mBits = arith::AddIOp::create(
      b, loc, arith::AndIOp::create(b, loc, ix, i32(0x007FFFFFu)),
      i32(kSqrtHalfBits));
  Value m = arith::BitcastOp::create(b, loc, f32Type, mBits);
  Value f = arith::SubFOp::create(b, loc, m, f32(1.0f));
  Value r = f32(kLogR[8]);
  for (int j = 7; j >= 0; --j)
    r = fma(r, f, f32(kLogR[j]));
  Value q = fma(r, f, f32(-0.5f));
  Value ff = arith::MulFOp::create(b, loc, f, f);
  Value y = fma(ff, q, f);
  Value kf = arith::SIToFPOp::create(b, loc, f32Type, k);
  return fma(kf, f32(kLn2Hi), fma(kf, f32(kLn2Lo), y));
}

std::array<Value, 2> RandomEmitter::sinCos2PiU24(Value n) {
  Type f32Type = b.getF32Type();
  n = arith::AndIOp::create(b, loc, n, i32(0x00FFFFFFu));
  // Nearest quarter turn q and the remainder, exactly, in integers.
  Value q = arith::ShRUIOp::create(
      b, loc, arith::AddIOp::create(b, loc, n, i32(0x00200000u)), i32(22));
  Value rem = arith::SubIOp::create(b, loc, n,
                                    arith::ShLIOp::create(b, loc, q, i32(22)));
  Value t = arith::MulFOp::create(
      b, loc, arith::SIToFPOp::create(b, loc, f32Type, rem), f32(0x1p-24f));
  Value w = arith::MulFOp::create(b, loc, t, t);
  Value ps = fma(fma(f32(kSinP[2]), w, f32(kSinP[1])), w, f32(kSinP[0]));
  Value s = fma(t, f32(kTwoPiHi),
                arith::MulFOp::create(b, loc, t, fma(w, ps, f32(kTwoPiLo))));
  Value pc = fma(fma(fma(f32(kCosQ[3]), w, f32(kCosQ[2])), w, f32(kCosQ[1])), w,
                 f32(kCosQ[0]));
  Value c = fma(w, pc, f32(1.0f));
  Value ns = arith::NegFOp::create(b, loc, s);
  Value nc = arith::NegFOp::create(b, loc, c);
  // Quadrant q mod 4: (s, c), (c, -s), (-s, -c), (-c, s).
  Value quadrant = arith::AndIOp::create(b, loc, q, i32(3));
  auto is = [&](uint32_t v) {
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, quadrant,
                                 i32(v));
  };
  auto pick = [&](Value v0, Value v1, Value v2, Value v3) {
    Value lo = arith::SelectOp::create(b, loc, is(0), v0, v1);
    Value hi = arith::SelectOp::create(b, loc, is(2), v2, v3);
    Value isLo = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult,
                                       quadrant, i32(2));
    return arith::SelectOp::create(b, loc, isLo, lo, hi).getResult();
  };
  return {pick(s, c, ns, nc), pick(c, ns, nc, s)};
}

Value RandomEmitter::standardNormalF32(ElementIndex index,
                                       std::array<Value, 2> key) {
  auto v = elementBlock(index, key);
  Value lane = index.lane;
  // Lanes 0, 1 use the pair (v0, v1); lanes 2, 3 the pair (v2, v3).
  Value second = arith::CmpIOp::create(
      b, loc, arith::CmpIPredicate::ne,
      arith::AndIOp::create(b, loc, lane, i32(2)), i32(0));
  Value a = arith::SelectOp::create(b, loc, second, v[2], v[0]);
  Value c = arith::SelectOp::create(b, loc, second, v[3], v[1]);
  Value odd = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne,
                                    arith::AndIOp::create(b, loc, lane, i32(1)),
                                    i32(0));
  Value radius = math::SqrtOp::create(
      b, loc,
      arith::MulFOp::create(b, loc, logF32(uniformOCF32(a)), f32(-2.0f)));
  auto sc = sinCos2PiU24(arith::ShRUIOp::create(b, loc, c, i32(8)));
  Value trig = arith::SelectOp::create(b, loc, odd, sc[0], sc[1]);
  return arith::MulFOp::create(b, loc, radius, trig);
}

Value RandomEmitter::gumbelF32(Value bits) {
  Value l1 = logF32(uniformOOF32(bits));
  Value l2 = logF32(arith::NegFOp::create(b, loc, l1));
  return arith::NegFOp::create(b, loc, l2);
}
