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
    patterns.add<ErfApproximation, IsInfExpansion, IPowIExpansion>(
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
