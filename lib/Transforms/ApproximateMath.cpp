//===- ApproximateMath.cpp - polynomial expansion of math ops -------------===//

#include "sto/Transforms/Passes.h"

#include "sto/Dialect/Sto/StoOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/TypeUtilities.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <cmath>

namespace mlir {
namespace sto {
#define GEN_PASS_DEF_STOAPPROXIMATEMATH
#include "sto/Transforms/Passes.h.inc"
} // namespace sto
} // namespace mlir

using namespace mlir;

namespace {

/// f32 erf without a division and with two polynomials, fitted for sto
/// (weighted least squares, each coefficient rounded to f32 and the rest
/// refitted; scripts/fit-erf.py). Against erf in double over every 11th
/// f32 in [1e-30, 4.5] the error is at most 1.43 ulp (8.5e-8 absolute);
/// MLIR's expansion (three rational intervals chosen by 22 selects, and a
/// division) has 4.74 ulp (2.8e-7), gives erf(-0) = +0 and costs 1.2x as
/// much on Zen 4 (0.71 against 0.58 ns per element in a dropout + gelu).
///   |x| < 1:        erf(x) = fma(x, A(x^2), x), A ~ erf(x)/x - 1;
///   1 <= |x| < 3.92: erf(x) = 1 - B(|x| - 2), B ~ erfc (|x| - 2 is exact);
///   |x| >= 3.92:     1 (erf rounds to 1 in f32 from 3.9 on),
/// with the sign of x; NaN stays NaN (every compare is ordered).
struct ErfApproximation : public OpRewritePattern<math::ErfOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(math::ErfOp op,
                                PatternRewriter &rewriter) const override {
    Type type = op.getType();
    if (!getElementTypeOrSelf(type).isF32())
      return rewriter.notifyMatchFailure(op, "f32 only (f16/bf16 widen)");
    static constexpr float kA[] = {0x1.06eba2p-3f, -0x1.81267p-2f,
                                   0x1.ce08aap-4f, -0x1.b59cdp-6f,
                                   0x1.422974p-8f, -0x1.26e32p-11f};
    static constexpr float kB[] = {
        0x1.328faep-8f,   -0x1.529a86p-6f, 0x1.52999p-5f,    -0x1.8b13ep-5f,
        0x1.1a40aap-5f,   -0x1.ac4fc4p-7f, -0x1.04dd4cp-11f, 0x1.b7a802p-9f,
        -0x1.8e86d2p-10f, 0x1.8f2bd4p-15f, 0x1.abcfecp-13f,  -0x1.3c8ee4p-14f,
        0x1.303p-17f};
    Location loc = op.getLoc();
    auto cst = [&](float v) -> Value {
      TypedAttr attr = rewriter.getF32FloatAttr(v);
      if (auto vec = dyn_cast<VectorType>(type))
        attr = DenseElementsAttr::get(vec, attr);
      return arith::ConstantOp::create(rewriter, loc, type, attr);
    };
    // Horner with one rounding per step.
    auto horner = [&](ArrayRef<float> coeffs, Value v) {
      Value r = cst(coeffs.back());
      for (float c : llvm::reverse(coeffs.drop_back()))
        r = math::FmaOp::create(rewriter, loc, r, v, cst(c));
      return r;
    };
    Value x = op.getOperand();
    Value a = math::AbsFOp::create(rewriter, loc, x);
    Value s = arith::MulFOp::create(rewriter, loc, a, a);
    Value small = math::FmaOp::create(rewriter, loc, a, horner(kA, s), a);
    Value t = arith::SubFOp::create(rewriter, loc, a, cst(2.0f));
    Value large =
        arith::SubFOp::create(rewriter, loc, cst(1.0f), horner(kB, t));
    auto below = [&](float bound) {
      return arith::CmpFOp::create(rewriter, loc, arith::CmpFPredicate::OLT, a,
                                   cst(bound));
    };
    auto above = arith::CmpFOp::create(rewriter, loc, arith::CmpFPredicate::OGE,
                                       a, cst(3.92f));
    Value r = arith::SelectOp::create(rewriter, loc, below(1.0f), small, large);
    r = arith::SelectOp::create(rewriter, loc, above, cst(1.0f), r);
    rewriter.replaceOpWithNewOp<math::CopySignOp>(op, r, x);
    return success();
  }
};

/// A scalar or splat-vector constant of `type` (an integer or float type, or
/// a vector of one).
static Value splatConstant(OpBuilder &b, Location loc, Type type,
                           TypedAttr scalar) {
  TypedAttr attr = scalar;
  if (auto vec = dyn_cast<VectorType>(type))
    attr = DenseElementsAttr::get(vec, scalar);
  return arith::ConstantOp::create(b, loc, type, attr);
}

/// MLIR's f32 exp expansion builds 2^k in the exponent bits, so results
/// below 2^-126 (x < -87.34) came out as 0: a softmax gate's weight of
/// 6e-39 was 0. There, exp(x) = exp(x/2)^2 (x/2 is exact, exp(x/2) is
/// normal): one multiply and two selects around the one expansion, which
/// lands in the subnormals with the absolute error of a few units of 2^-149.
/// The inner exp is marked sto.exp_subnormals_absorbed (its argument keeps
/// it normal, or its result rounds to 0 either way), so that this applies
/// once.
struct ExpSubnormalResults : public OpRewritePattern<math::ExpOp> {
  using OpRewritePattern::OpRewritePattern;

  /// Whether every use adds the result to (or subtracts it from) a constant
  /// of magnitude at least 2^-100, such as the 1 + exp(-a) of a sigmoid: a
  /// subnormal e is below half an ulp of such a c, so c ± e rounds to c as
  /// c ± 0 does, and the plain expansion gives the same results (the
  /// sigmoid workload's compute was 10% more with the halving).
  static bool onlyAddedToNormalConstants(math::ExpOp op) {
    auto normalConstant = [](Value v) {
      FloatAttr f;
      SplatElementsAttr splat;
      if (matchPattern(v, m_Constant(&splat)))
        f = dyn_cast<FloatAttr>(splat.getSplatValue<Attribute>());
      else
        matchPattern(v, m_Constant(&f));
      if (!f)
        return false;
      double c = std::fabs(f.getValueAsDouble());
      return std::isfinite(c) && c >= 0x1p-100;
    };
    return !op->use_empty() && llvm::all_of(op->getUses(), [&](OpOperand &use) {
      Operation *user = use.getOwner();
      if (!isa<arith::AddFOp, arith::SubFOp>(user))
        return false;
      return normalConstant(user->getOperand(1 - use.getOperandNumber()));
    });
  }

  LogicalResult matchAndRewrite(math::ExpOp op,
                                PatternRewriter &rewriter) const override {
    Type type = op.getType();
    if (!getElementTypeOrSelf(type).isF32() ||
        op->hasAttr(sto::kExpSubnormalsAbsorbed) ||
        onlyAddedToNormalConstants(op))
      return failure();
    Location loc = op.getLoc();
    auto cst = [&](float v) {
      return splatConstant(rewriter, loc, type, rewriter.getF32FloatAttr(v));
    };
    Value x = op.getOperand();
    // Below ln(2^-126) = -87.3365 the result is subnormal (or 0, or NaN).
    Value below = arith::CmpFOp::create(
        rewriter, loc, arith::CmpFPredicate::OLT, x, cst(-87.33f));
    Value half = arith::MulFOp::create(rewriter, loc, x, cst(0.5f));
    Value arg = arith::SelectOp::create(rewriter, loc, below, half, x);
    auto e = math::ExpOp::create(rewriter, loc, arg, op.getFastmathAttr());
    e->setAttr(sto::kExpSubnormalsAbsorbed, rewriter.getUnitAttr());
    Value squared = arith::MulFOp::create(rewriter, loc, e, e);
    rewriter.replaceOpWithNewOp<arith::SelectOp>(op, below, squared, e);
    return success();
  }
};

/// f64 exp, which neither upstream nor the f32 patterns expand: left alone,
/// it called libm's exp on the CPU and libdevice's __nv_exp in a CUDA
/// kernel, which round differently (f64 gumbel_softmax differed by up to 3
/// ulp between the two). Only IEEE add/sub/mul, fma, integer ops and
/// bitcasts, so every target gives the same bits; no branches, so it
/// vectorizes. Within 0.63 ulp of exp for normal results and 0.77 units of
/// 2^-1074 for subnormal ones, and at most 1 ulp from the nearest f64
/// (test/Integration/CPU/math-accuracy.mlir's sweeps, at 2^26 values each):
///  - x is clamped to [-746, 710] (outside, exp rounds to 0 or overflows
///    all the same; NaN passes through, and is selected at the end);
///  - k = round(x log2(e)): fma(x, log2(e), 1.5 * 2^52) rounds to an integer
///    (its low mantissa bits hold k), minus 1.5 * 2^52 exactly;
///  - Cody-Waite: hi = x - k ln2_hi is exact (ln2_hi has 32 bits, |k| <=
///    1076), r = hi - k ln2_lo, and dr = (hi - r) - k ln2_lo the rounding
///    error of r (|r| <= ln(2)/2, to 2^-43);
///  - exp(r + dr) = 1 + r + (r^2 P(r) + dr (1 + r)), P the Taylor series of
///    (exp(r) - 1 - r) / r^2 to degree 11 (1/n!, n = 2..13, rounded to f64;
///    the first omitted term is below 0.04 ulp), by Horner with fma; 1 + r
///    is split exactly into s + e (Fast2Sum), so the one large rounding is
///    the last addition;
///  - times 2^(k >> 1), then 2^(k - (k >> 1)) (both normal powers of two
///    built in the exponent bits): the first product is exact, the second
///    rounds once, into the subnormals or to +inf as the result requires.
/// exp(+-0) = 1, exp(+inf) = +inf, exp(-inf) = +0, exp(NaN) = NaN (x).
struct ExpF64Expansion : public OpRewritePattern<math::ExpOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(math::ExpOp op,
                                PatternRewriter &rewriter) const override {
    Type type = op.getType();
    if (!getElementTypeOrSelf(type).isF64())
      return rewriter.notifyMatchFailure(op, "f64 only");
    // 1/n! for n = 2..13.
    static constexpr double kP[] = {0x1p-1,
                                    0x1.5555555555555p-3,
                                    0x1.5555555555555p-5,
                                    0x1.1111111111111p-7,
                                    0x1.6c16c16c16c17p-10,
                                    0x1.a01a01a01a01ap-13,
                                    0x1.a01a01a01a01ap-16,
                                    0x1.71de3a556c734p-19,
                                    0x1.27e4fb7789f5cp-22,
                                    0x1.ae64567f544e4p-26,
                                    0x1.1eed8eff8d898p-29,
                                    0x1.6124613a86d09p-33};
    constexpr double kLog2E = 0x1.71547652b82fep+0;
    // ln(2) = kLn2Hi + kLn2Lo to 2^-86; kLn2Hi has 32 significant bits.
    constexpr double kLn2Hi = 0x1.62e42feep-1;
    constexpr double kLn2Lo = 0x1.a39ef35793c76p-33;
    // Adding 1.5 * 2^52 rounds to an integer, which is in the low bits.
    constexpr double kShifter = 0x1.8p52;
    Location loc = op.getLoc();
    Type intType = rewriter.getI64Type();
    if (auto vec = dyn_cast<VectorType>(type))
      intType = vec.clone(intType);
    auto cst = [&](double v) {
      return splatConstant(rewriter, loc, type, rewriter.getF64FloatAttr(v));
    };
    auto icst = [&](int64_t v) {
      return splatConstant(rewriter, loc, intType,
                           rewriter.getI64IntegerAttr(v));
    };
    auto fma = [&](Value a, Value b, Value c) -> Value {
      return math::FmaOp::create(rewriter, loc, a, b, c);
    };
    auto mul = [&](Value a, Value b) -> Value {
      return arith::MulFOp::create(rewriter, loc, a, b);
    };
    auto add = [&](Value a, Value b) -> Value {
      return arith::AddFOp::create(rewriter, loc, a, b);
    };
    auto sub = [&](Value a, Value b) -> Value {
      return arith::SubFOp::create(rewriter, loc, a, b);
    };
    auto select = [&](arith::CmpFPredicate pred, Value l, Value r, Value t,
                      Value f) -> Value {
      Value c = arith::CmpFOp::create(rewriter, loc, pred, l, r);
      return arith::SelectOp::create(rewriter, loc, c, t, f);
    };
    auto bits = [&](Value v) -> Value {
      return arith::BitcastOp::create(rewriter, loc, intType, v);
    };

    Value x = op.getOperand();
    Value lowBound = cst(-746.0), highBound = cst(710.0);
    Value xc = select(arith::CmpFPredicate::OLT, x, lowBound, lowBound, x);
    xc = select(arith::CmpFPredicate::OGT, xc, highBound, highBound, xc);
    // k, as a float and as an integer.
    Value shifter = cst(kShifter);
    Value shifted = fma(xc, cst(kLog2E), shifter);
    Value k = sub(shifted, shifter);
    Value ki =
        arith::SubIOp::create(rewriter, loc, bits(shifted), bits(shifter));
    // r + dr = x - k ln(2).
    Value hi = fma(k, cst(-kLn2Hi), xc);
    Value lo = mul(k, cst(kLn2Lo));
    Value r = sub(hi, lo);
    Value dr = sub(sub(hi, r), lo);
    // exp(r + dr) - 1 - r.
    Value p = cst(ArrayRef(kP).back());
    for (double c : llvm::reverse(ArrayRef(kP).drop_back()))
      p = fma(p, r, cst(c));
    Value q = fma(mul(r, r), p, fma(r, dr, dr));
    Value one = cst(1.0);
    Value s = add(one, r);
    Value e = add(sub(one, s), r);
    Value y = add(s, add(e, q));
    // y 2^k in two steps: 2^k alone is not a normal f64 for every k.
    auto pow2 = [&](Value n) -> Value {
      Value biased = arith::AddIOp::create(rewriter, loc, n, icst(1023));
      Value field = arith::ShLIOp::create(rewriter, loc, biased, icst(52));
      return arith::BitcastOp::create(rewriter, loc, type, field);
    };
    Value k1 = arith::ShRSIOp::create(rewriter, loc, ki, icst(1));
    Value k2 = arith::SubIOp::create(rewriter, loc, ki, k1);
    Value result = mul(mul(y, pow2(k1)), pow2(k2));
    rewriter.replaceOp(op, select(arith::CmpFPredicate::UNO, x, x, x, result));
    return success();
  }
};

/// isinf(x) = |x| == +inf. Neither MathToLLVM nor upstream's expansions
/// lower math.isinf: it reached the LLVM translation (the CUDA kernels call
/// libdevice's __nv_isinf, the same predicate).
struct IsInfExpansion : public OpRewritePattern<math::IsInfOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(math::IsInfOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = op.getOperand();
    auto elem = cast<FloatType>(getElementTypeOrSelf(x.getType()));
    Value inf = splatConstant(
        rewriter, loc, x.getType(),
        rewriter.getFloatAttr(elem, APFloat::getInf(elem.getFloatSemantics())));
    Value abs = math::AbsFOp::create(rewriter, loc, x);
    rewriter.replaceOpWithNewOp<arith::CmpFOp>(op, arith::CmpFPredicate::OEQ,
                                               abs, inf);
    return success();
  }
};

/// ipowi(a, b) by square-and-multiply over the bits of b, without branches
/// (it vectorizes); products wrap. A negative exponent gives 1 for a == 1,
/// +-1 for a == -1 (by the parity of b) and 0 otherwise, a == 0 included
/// (upstream's convert-math-to-funcs divides by zero there). Nothing else
/// lowers math.ipowi: it reached the LLVM translation.
struct IPowIExpansion : public OpRewritePattern<math::IPowIOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(math::IPowIOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Type type = op.getType();
    auto elem = dyn_cast<IntegerType>(getElementTypeOrSelf(type));
    if (!elem)
      return rewriter.notifyMatchFailure(op, "integer elements only");
    unsigned width = elem.getWidth();
    auto cst = [&](int64_t v) {
      return splatConstant(rewriter, loc, type,
                           rewriter.getIntegerAttr(elem, v));
    };
    Value a = op.getLhs(), b = op.getRhs();
    Value zero = cst(0), one = cst(1);
    auto cmp = [&](arith::CmpIPredicate pred, Value l, Value r) -> Value {
      return arith::CmpIOp::create(rewriter, loc, pred, l, r);
    };
    if (width == 1) {
      // i1: a ** b is a unless b == 0 (-1 ** -1 = -1 is a too).
      rewriter.replaceOpWithNewOp<arith::OrIOp>(
          op, a, arith::XOrIOp::create(rewriter, loc, b, one));
      return success();
    }
    Value result = one, power = a;
    // The sign bit is 0 for every exponent this path serves.
    for (unsigned bit = 0; bit + 1 < width; ++bit) {
      Value set =
          cmp(arith::CmpIPredicate::ne,
              arith::AndIOp::create(rewriter, loc, b, cst(int64_t(1) << bit)),
              zero);
      result = arith::SelectOp::create(
          rewriter, loc, set,
          arith::MulIOp::create(rewriter, loc, result, power), result);
      if (bit + 2 < width)
        power = arith::MulIOp::create(rewriter, loc, power, power);
    }
    Value minusOne = cst(-1);
    Value odd = cmp(arith::CmpIPredicate::ne,
                    arith::AndIOp::create(rewriter, loc, b, one), zero);
    Value negative = arith::SelectOp::create(
        rewriter, loc, cmp(arith::CmpIPredicate::eq, a, one), one,
        arith::SelectOp::create(
            rewriter, loc, cmp(arith::CmpIPredicate::eq, a, minusOne),
            arith::SelectOp::create(rewriter, loc, odd, minusOne, one), zero));
    rewriter.replaceOpWithNewOp<arith::SelectOp>(
        op, cmp(arith::CmpIPredicate::slt, b, zero), negative, result);
    return success();
  }
};

struct StoApproximateMath
    : public sto::impl::StoApproximateMathBase<StoApproximateMath> {
  void runOnOperation() override {
    // sqrt is correctly rounded everywhere; fma is one rounding everywhere.
    // The populate functions pass the full operation name ("math.sqrt"):
    // compared with bare names, rsqrt on vector<8xf32> got the AVX2
    // approximation (an x86vector op, approximate, and a crash since that
    // dialect is not loaded) and f16/bf16 sqrt was widened to f32.
    auto approximate = [](StringRef name) {
      return name != math::SqrtOp::getOperationName() &&
             name != math::RsqrtOp::getOperationName() &&
             name != math::FmaOp::getOperationName();
    };
    RewritePatternSet patterns(&getContext());
    // f16/bf16 erf widens to f32 (upstream), then gets sto's expansion.
    populateMathF32ExpansionPatterns(patterns, approximate);
    populateMathPolynomialApproximationPatterns(patterns, [&](StringRef name) {
      return approximate(name) && name != math::ErfOp::getOperationName();
    });
    patterns
        .add<ErfApproximation, ExpF64Expansion, IsInfExpansion, IPowIExpansion>(
            &getContext());
    patterns.add<ExpSubnormalResults>(&getContext(), /*benefit=*/2);
    // Scalars and vectors only: the expansions build scalar or vector
    // constants, so a math op on tensors (before bufferization; the
    // pipelines run this pass after it) would become invalid IR.
    SmallVector<Operation *> ops;
    getOperation()->walk([&](Operation *op) {
      if (isa_and_present<math::MathDialect>(op->getDialect()) &&
          llvm::none_of(op->getOperandTypes(), llvm::IsaPred<TensorType>))
        ops.push_back(op);
    });
    GreedyRewriteConfig config;
    config.setStrictness(GreedyRewriteStrictness::ExistingAndNewOps);
    if (failed(applyOpPatternsGreedily(ops, std::move(patterns), config)))
      signalPassFailure();
  }
};

} // namespace
