//===- StoToLinalg.cpp - lower sto ops to linalg/arith --------------------===//
//
// Each stochastic op becomes a linalg.generic on tensors whose body derives
// the element's random word from (key, row-major linear index) with the
// RandomEmitter, so the sampling fuses with whatever produces and consumes
// the element. Keys become i64 values.
//
//===----------------------------------------------------------------------===//

#include "sto/Conversion/StoToLinalg/StoToLinalg.h"

#include "LoweringUtils.h"
#include "RandomEmitter.h"
#include "sto/Dialect/Sto/StoOps.h"
#include "sto/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/Dialect/ControlFlow/Transforms/StructuralTypeConversions.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Func/Transforms/FuncConversions.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/Patterns.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

#include <cmath>

namespace mlir {
namespace sto {
#define GEN_PASS_DEF_CONVERTSTOTOLINALG
#include "sto/Transforms/Passes.h.inc"
} // namespace sto
} // namespace mlir

using namespace mlir;
using namespace mlir::sto;

StoTypeConverter::StoTypeConverter() {
  addConversion([](Type t) { return t; });
  addConversion([](KeyType t) { return IntegerType::get(t.getContext(), 64); });
}

namespace {

//===----------------------------------------------------------------------===//
// Keys
//===----------------------------------------------------------------------===//

struct SeedLowering : public OpConversionPattern<SeedOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(SeedOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    // The key words are the seed's low and high halves: the i64 itself.
    rewriter.replaceOp(op, adaptor.getSeed());
    return success();
  }
};

struct SplitLowering : public OpConversionPattern<SplitOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(SplitOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (op.getNumResults() == 1) {
      rewriter.replaceOp(op, adaptor.getKey());
      return success();
    }
    // Child i depends on i alone (not on the count), so only the used
    // children are derived: a split into 2^20 keys of which two are used
    // costs two Philox blocks. An unused child is replaced by nothing.
    RandomEmitter rng(rewriter, op.getLoc());
    SmallVector<Value> children(op.getNumResults());
    for (auto [i, child] : llvm::enumerate(op.getResults()))
      if (!child.use_empty())
        children[i] = rng.splitKey(adaptor.getKey(), i);
    rewriter.replaceOp(op, children);
    return success();
  }
};

struct FoldInLowering : public OpConversionPattern<FoldInOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(FoldInOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value data = adaptor.getData();
    if (data.getType().isIndex())
      data = arith::IndexCastOp::create(rewriter, loc, rewriter.getI64Type(),
                                        data);
    RandomEmitter rng(rewriter, loc);
    rewriter.replaceOp(op, rng.foldInKey(adaptor.getKey(), data));
    return success();
  }
};

/// `arith.select` between keys selects between their i64 forms.
struct SelectKeyLowering : public OpConversionPattern<arith::SelectOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(arith::SelectOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Type type = getTypeConverter()->convertType(op.getType());
    if (!type || type == op.getType())
      return failure();
    rewriter.replaceOp(op, arith::SelectOp::create(rewriter, op.getLoc(), type,
                                                   adaptor.getCondition(),
                                                   adaptor.getTrueValue(),
                                                   adaptor.getFalseValue()));
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Samplers and stochastic layers
//
// Each body follows the C++ reference include/sto/Runtime/Philox.h step by
// step: T is the element type, C its compute type (f32, or f64 for f64),
// every constant is rounded as the reference rounds it, and fma is one
// rounding (math.fma), so the bits agree on every target.
//===----------------------------------------------------------------------===//

/// The key words of an i64 key, emitted once outside the loop nest.
std::array<Value, 2> keyWordsOutside(OpBuilder &b, Location loc, Value key) {
  return RandomEmitter(b, loc).keyWords(key);
}

struct UniformLowering : public OpConversionPattern<UniformOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(UniformOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType type = op.getType();
    Type t = type.getElementType(), c = computeTypeOf(t);
    double low = op.getLow().convertToDouble();
    double high = op.getHigh().convertToDouble();
    // d = RN_C(C(RN_T(high)) - C(RN_T(low))), folded here exactly.
    llvm::APFloat hiC = roundToType(roundToType(high, t).convertToDouble(), c);
    llvm::APFloat loC = roundToType(roundToType(low, t).convertToDouble(), c);
    llvm::APFloat d = hiC;
    d.subtract(loC, llvm::APFloat::rmNearestTiesToEven);
    // below(RN_T(high)): the largest T value under high.
    llvm::APFloat below = roundToType(high, t);
    below.next(/*nextDown=*/true);
    auto key = keyWordsOutside(rewriter, loc, adaptor.getKey());
    Value result = buildElementwise(
        rewriter, loc, type, {}, adaptor.getDynamicSizes(),
        [&](OpBuilder &b, Location l, ElementIndex linear, ValueRange) {
          RandomEmitter rng(b, l);
          Value u = rng.uniform01(c, rng.elementBits(linear, key));
          Value x = narrowTo(
              b, l,
              rng.fma(arith::ConstantOp::create(b, l, b.getFloatAttr(c, d)), u,
                      arith::ConstantOp::create(b, l, b.getFloatAttr(c, loC))),
              t);
          // A rounding that reached high gives the largest value below it.
          Value inRange = arith::CmpFOp::create(
              b, l, arith::CmpFPredicate::OLT, widenTo(b, l, x, c),
              arith::ConstantOp::create(b, l, b.getFloatAttr(c, hiC)));
          return arith::SelectOp::create(
                     b, l, inRange, x,
                     arith::ConstantOp::create(b, l, b.getFloatAttr(t, below)))
              .getResult();
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct NormalLowering : public OpConversionPattern<NormalOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(NormalOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType type = op.getType();
    Type t = type.getElementType(), c = computeTypeOf(t);
    double mean = op.getMean().convertToDouble();
    double stddev = op.getStddev().convertToDouble();
    auto key = keyWordsOutside(rewriter, loc, adaptor.getKey());
    Value result = buildElementwise(
        rewriter, loc, type, {}, adaptor.getDynamicSizes(),
        [&](OpBuilder &b, Location l, ElementIndex linear, ValueRange) {
          RandomEmitter rng(b, l);
          Value z = widenTo(b, l, rng.standardNormalF32(linear, key), c);
          Value v = rng.fma(attrInElementType(b, l, stddev, t, c), z,
                            attrInElementType(b, l, mean, t, c));
          return narrowTo(b, l, v, t);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct BernoulliLowering : public OpConversionPattern<BernoulliOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(BernoulliOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    SmallVector<Value> inputs;
    SmallVector<Value> dynSizes(adaptor.getDynamicSizes());
    // The attribute form decides in f32, as for an f32 probability tensor.
    Type t = rewriter.getF32Type();
    if (Value probs = adaptor.getProbs()) {
      inputs.push_back(probs);
      dynSizes = dynamicSizesOf(rewriter, loc, probs);
      t = cast<RankedTensorType>(probs.getType()).getElementType();
    }
    Type c = computeTypeOf(t);
    std::optional<double> constP;
    if (op.getPAttr())
      constP = op.getPAttr().getValueAsDouble();
    auto key = keyWordsOutside(rewriter, loc, adaptor.getKey());
    Value result = buildElementwise(
        rewriter, loc, op.getType(), inputs, dynSizes,
        [&](OpBuilder &b, Location l, ElementIndex linear, ValueRange args) {
          RandomEmitter rng(b, l);
          Value u = rng.uniform01(c, rng.elementBits(linear, key));
          Value p = constP ? attrInElementType(b, l, *constP, t, c)
                           : widenTo(b, l, args[0], c);
          return arith::CmpFOp::create(b, l, arith::CmpFPredicate::OLT, u, p)
              .getResult();
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct DropoutLowering : public OpConversionPattern<DropoutOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(DropoutOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getX();
    double rate = op.getRate().convertToDouble();
    Type t = op.getType().getElementType(), c = computeTypeOf(t);
    auto key = keyWordsOutside(rewriter, loc, adaptor.getKey());
    Value result = buildElementwise(
        rewriter, loc, op.getType(), {x}, dynamicSizesOf(rewriter, loc, x),
        [&](OpBuilder &b, Location l, ElementIndex linear, ValueRange args) {
          RandomEmitter rng(b, l);
          Value u = rng.uniform01(c, rng.elementBits(linear, key));
          Value keep = arith::CmpFOp::create(b, l, arith::CmpFPredicate::OGE, u,
                                             coefficient(b, l, rate, c));
          // RN_C(1 / (1 - rate)), the arithmetic in f64.
          Value kept = narrowTo(
              b, l,
              arith::MulFOp::create(b, l, widenTo(b, l, args[0], c),
                                    coefficient(b, l, 1.0 / (1.0 - rate), c)),
              t);
          return arith::SelectOp::create(b, l, keep, kept,
                                         floatConst(b, l, t, 0.0))
              .getResult();
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct StochasticBinaryLowering
    : public OpConversionPattern<StochasticBinaryOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(StochasticBinaryOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value p = adaptor.getP();
    Type t = op.getType().getElementType(), c = computeTypeOf(t);
    // Stochastic-times-smooth: h = sqrt(p)·b with b ~ Bernoulli(sqrt(p)).
    bool smooth =
        op.getEstimator().getKind() == EstimatorKind::stochastic_times_smooth;
    auto key = keyWordsOutside(rewriter, loc, adaptor.getKey());
    Value result = buildElementwise(
        rewriter, loc, op.getType(), {p}, dynamicSizesOf(rewriter, loc, p),
        [&](OpBuilder &b, Location l, ElementIndex linear, ValueRange args) {
          RandomEmitter rng(b, l);
          Value u = rng.uniform01(c, rng.elementBits(linear, key));
          Value prob = widenTo(b, l, args[0], c);
          if (smooth)
            prob = math::SqrtOp::create(b, l, prob);
          Value fire =
              arith::CmpFOp::create(b, l, arith::CmpFPredicate::OLT, u, prob);
          Value h = arith::SelectOp::create(
              b, l, fire, smooth ? prob : floatConst(b, l, c, 1.0),
              floatConst(b, l, c, 0.0));
          return narrowTo(b, l, h, t);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct NoiseLowering : public OpConversionPattern<NoiseOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(NoiseOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getX();
    Type t = op.getType().getElementType(), c = computeTypeOf(t);
    double scale = op.getScale().convertToDouble();
    bool gaussian = op.getKind() == NoiseKind::gaussian;
    bool additive = op.getMode() == NoiseMode::additive;
    auto key = keyWordsOutside(rewriter, loc, adaptor.getKey());
    Value result = buildElementwise(
        rewriter, loc, op.getType(), {x}, dynamicSizesOf(rewriter, loc, x),
        [&](OpBuilder &b, Location l, ElementIndex linear, ValueRange args) {
          RandomEmitter rng(b, l);
          Value eps;
          if (gaussian)
            eps = widenTo(b, l, rng.standardNormalF32(linear, key), c);
          else // 2u - 1, exact
            eps = rng.fma(rng.uniform01(c, rng.elementBits(linear, key)),
                          floatConst(b, l, c, 2.0), floatConst(b, l, c, -1.0));
          Value s = coefficient(b, l, scale, c);
          Value xc = widenTo(b, l, args[0], c);
          Value v = additive ? rng.fma(s, eps, xc)
                             : arith::MulFOp::create(
                                   b, l, xc,
                                   rng.fma(s, eps, floatConst(b, l, c, 1.0)))
                                   .getResult();
          return narrowTo(b, l, v, t);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct LangevinStepLowering : public OpConversionPattern<LangevinStepOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(LangevinStepOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value p = adaptor.getParam(), g = adaptor.getGrad();
    Type t = op.getType().getElementType(), c = computeTypeOf(t);
    double lr = op.getLr().convertToDouble();
    double temperature = op.getTemperature().convertToDouble();
    auto key = keyWordsOutside(rewriter, loc, adaptor.getKey());
    Value result = buildElementwise(
        rewriter, loc, op.getType(), {p, g}, dynamicSizesOf(rewriter, loc, p),
        [&](OpBuilder &b, Location l, ElementIndex linear, ValueRange args) {
          RandomEmitter rng(b, l);
          // t = fma(-RN_C(lr), g, p); p' = fma(RN_C(sqrt(2 lr T)), z, t).
          Value step =
              rng.fma(arith::NegFOp::create(b, l, coefficient(b, l, lr, c)),
                      widenTo(b, l, args[1], c), widenTo(b, l, args[0], c));
          // Temperature 0: a gradient step, no noise drawn (the contract).
          if (temperature == 0.0)
            return narrowTo(b, l, step, t);
          Value z = widenTo(b, l, rng.standardNormalF32(linear, key), c);
          Value v = rng.fma(
              coefficient(b, l, std::sqrt(2.0 * lr * temperature), c), z, step);
          return narrowTo(b, l, v, t);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// RN_T(fma(coef, z, C(p))) for every element of `p`, z the standard normal
/// of the element under `key` and `coef` a compute-type value from outside
/// the loop: the SPSA perturbation and update, which replay one z.
Value perturbAlongNormal(ConversionPatternRewriter &rewriter, Location loc,
                         RankedTensorType type, Value p, Value key,
                         Value coef) {
  Type t = type.getElementType(), c = coef.getType();
  auto words = keyWordsOutside(rewriter, loc, key);
  return buildElementwise(
      rewriter, loc, type, {p}, dynamicSizesOf(rewriter, loc, p),
      [&](OpBuilder &b, Location l, ElementIndex index, ValueRange args) {
        RandomEmitter rng(b, l);
        Value z = widenTo(b, l, rng.standardNormalF32(index, words), c);
        return narrowTo(b, l, rng.fma(coef, z, widenTo(b, l, args[0], c)), t);
      });
}

struct SPSAPerturbLowering : public OpConversionPattern<SPSAPerturbOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(SPSAPerturbOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Type c = computeTypeOf(op.getType().getElementType());
    // p + RN_C(scale) * z.
    Value scale =
        coefficient(rewriter, loc, op.getScale().convertToDouble(), c);
    rewriter.replaceOp(op, perturbAlongNormal(rewriter, loc, op.getType(),
                                              adaptor.getParam(),
                                              adaptor.getKey(), scale));
    return success();
  }
};

struct SPSAUpdateLowering : public OpConversionPattern<SPSAUpdateOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(SPSAUpdateOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Type c = computeTypeOf(op.getType().getElementType());
    // p - a * z with a = RN_C(RN_C(lr) * RN_C(g)): the perturbation's z.
    Value g = widenTo(rewriter, loc, adaptor.getProjectedGrad(), c);
    Value a = arith::MulFOp::create(
        rewriter, loc,
        coefficient(rewriter, loc, op.getLr().convertToDouble(), c), g);
    Value negA = arith::NegFOp::create(rewriter, loc, a);
    rewriter.replaceOp(op, perturbAlongNormal(rewriter, loc, op.getType(),
                                              adaptor.getParam(),
                                              adaptor.getKey(), negA));
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Deterministic ops
//===----------------------------------------------------------------------===//

struct AverageLowering : public OpConversionPattern<AverageOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(AverageOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Type t = op.getType().getElementType(), c = computeTypeOf(t);
    Value avg = adaptor.getAvg(), param = adaptor.getParam();
    // Both kinds are avg + w * (p - avg), with the weight computed once:
    // swa w = C(1) / C(count + 1), ema w = RN_C(1 - decay) (f64 arithmetic).
    Value weight;
    if (op.getKind() == AverageKind::swa) {
      Value count = adaptor.getCount();
      if (count.getType().isIndex())
        count = arith::IndexCastOp::create(rewriter, loc, rewriter.getI64Type(),
                                           count);
      Value n1 = arith::AddIOp::create(
          rewriter, loc, count,
          arith::ConstantOp::create(rewriter, loc,
                                    rewriter.getI64IntegerAttr(1)));
      Value nf = arith::SIToFPOp::create(rewriter, loc, c, n1);
      weight = arith::DivFOp::create(rewriter, loc,
                                     floatConst(rewriter, loc, c, 1.0), nf);
    } else {
      weight = coefficient(rewriter, loc,
                           1.0 - op.getDecayAttr().getValueAsDouble(), c);
    }
    Value result = buildElementwise(
        rewriter, loc, op.getType(), {avg, param},
        dynamicSizesOf(rewriter, loc, avg),
        [&](OpBuilder &b, Location l, ElementIndex, ValueRange args) {
          // RN_T(fma(w, C(p) - C(avg), C(avg))).
          Value a = widenTo(b, l, args[0], c);
          Value diff =
              arith::SubFOp::create(b, l, widenTo(b, l, args[1], c), a);
          return narrowTo(b, l, math::FmaOp::create(b, l, weight, diff, a), t);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// The largest k of sto.topk_gate in its GPU form (see runOnOperation).
constexpr int64_t kMaxGpuTopK = 32;
/// The largest k of sto.topk_gate in any form: the lowering makes a result
/// column per rank and keeps a row's k best experts in registers, so its
/// code grows with k and compilation time faster (k = 1024 takes 40 s, and
/// a k of 2^40 exhausted memory).
constexpr int64_t kMaxTopK = 256;

/// True when `op` has a !sto.key operand, result or region argument but no
/// pattern of the pass converts it: keys become i64 only through the sto
/// ops, function signatures, calls and returns, the scf and cf structural
/// conversions and arith.select.
bool carriesUnconvertedKey(Operation *op) {
  if (isa<StoDialect>(op->getDialect()) ||
      isa<func::FuncOp, func::CallOp, func::ReturnOp, arith::SelectOp,
          scf::ForOp, scf::IfOp, scf::WhileOp, scf::ConditionOp,
          scf::IndexSwitchOp, scf::YieldOp, cf::BranchOp, cf::CondBranchOp,
          cf::SwitchOp>(op))
    return false;
  auto isKey = [](Type t) { return isa<KeyType>(t); };
  if (llvm::any_of(op->getOperandTypes(), isKey) ||
      llvm::any_of(op->getResultTypes(), isKey))
    return true;
  for (Region &region : op->getRegions())
    for (Block &block : region)
      if (llvm::any_of(block.getArgumentTypes(), isKey))
        return true;
  return false;
}

struct ConvertStoToLinalgPass
    : public sto::impl::ConvertStoToLinalgBase<ConvertStoToLinalgPass> {
  using ConvertStoToLinalgBase::ConvertStoToLinalgBase;
  void runOnOperation() override {
    WidePhiloxScope philoxWidth(widePhilox);
    MLIRContext *ctx = &getContext();
    // What does not lower for this target: say so, at the op, instead of
    // the conversion's "failed to legalize".
    // Pre-order: an op that carries a key is named, not the scf.yield or
    // the unresolved cast that the conversion would report inside it.
    WalkResult keys =
        getOperation()->walk<WalkOrder::PreOrder>([&](Operation *op) {
          if (!carriesUnconvertedKey(op))
            return WalkResult::advance();
          op->emitOpError()
              << "cannot carry an RNG key: keys may pass through function "
                 "arguments, results and calls, scf.for, scf.if, scf.while, "
                 "scf.index_switch, cf branches and arith.select";
          return WalkResult::interrupt();
        });
    if (keys.wasInterrupted())
      return signalPassFailure();
    WalkResult unsupported = getOperation()->walk([&](Operation *op) {
      auto gate = dyn_cast<TopKGateOp>(op);
      if (gate && gate.getK() > kMaxTopK) {
        gate.emitOpError() << "with k = " << gate.getK()
                           << " cannot be compiled yet (k <= " << kMaxTopK
                           << ": each rank is a result column and a register "
                              "of the row's sorted list)";
        return WalkResult::interrupt();
      }
      // The GPU form keeps each of the k ranks in its own buffer, and every
      // buffer is a kernel parameter: CUDA allows 4 KB of those (k = 64
      // needs 5 KB), so ptxas would fail.
      if (gate && !moeCpuForms && gate.getK() > kMaxGpuTopK) {
        gate.emitOpError() << "with k = " << gate.getK()
                           << " cannot be compiled for the GPU yet (k <= "
                           << kMaxGpuTopK << ": each rank is a kernel "
                           << "parameter, and CUDA allows 4 KB of them)";
        return WalkResult::interrupt();
      }
      return WalkResult::advance();
    });
    if (unsupported.wasInterrupted())
      return signalPassFailure();
    StoTypeConverter converter;
    ConversionTarget target(*ctx);
    target.addLegalDialect<arith::ArithDialect, linalg::LinalgDialect,
                           math::MathDialect, memref::MemRefDialect,
                           tensor::TensorDialect, scf::SCFDialect,
                           vector::VectorDialect>();
    target.addIllegalDialect<StoDialect>();
    // Since LLVM 22 the function pattern converts only the entry block; the
    // other blocks' key arguments are converted by the cf branch patterns
    // below, so a function is legal once its signature is.
    target.addDynamicallyLegalOp<func::FuncOp>([&](func::FuncOp op) {
      return converter.isSignatureLegal(op.getFunctionType());
    });
    // The arith dialect is legal, except a select between keys.
    target.addDynamicallyLegalOp<arith::SelectOp>([&](arith::SelectOp op) {
      return converter.isLegal(op.getOperation());
    });
    target.markUnknownOpDynamicallyLegal([&](Operation *op) {
      return converter.isLegal(op->getOperandTypes()) &&
             converter.isLegal(op->getResultTypes());
    });
    RewritePatternSet patterns(ctx);
    populateStoToLinalgConversionPatterns(converter, patterns, parallelScans,
                                          dpRowGroups, moeCpuForms);
    populateSmoothingLoweringPatterns(converter, patterns);
    populateFunctionOpInterfaceTypeConversionPattern<func::FuncOp>(patterns,
                                                                   converter);
    populateCallOpTypeConversionPattern(patterns, converter);
    populateReturnOpTypeConversionPattern(patterns, converter);
    // Keys passed along cf.br / cf.cond_br / cf.switch: the branch and the
    // signature of its successor blocks.
    cf::populateCFStructuralTypeConversionsAndLegality(converter, patterns,
                                                       target);
    scf::populateSCFStructuralTypeConversionsAndLegality(converter, patterns,
                                                         target);
    if (failed(applyPartialConversion(getOperation(), target,
                                      std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace

void mlir::sto::populateStoToLinalgConversionPatterns(
    const TypeConverter &converter, RewritePatternSet &patterns,
    bool parallelScans, bool dpRowGroups, bool moeCpuForms) {
  patterns.add<SeedLowering, SplitLowering, FoldInLowering, UniformLowering,
               NormalLowering, BernoulliLowering, DropoutLowering,
               StochasticBinaryLowering, NoiseLowering, LangevinStepLowering,
               SPSAPerturbLowering, SPSAUpdateLowering, AverageLowering>(
      converter, patterns.getContext());
  // Keys that flow through arith ops (the pass makes them illegal).
  patterns.add<SelectKeyLowering>(converter, patterns.getContext());
  populateReductionLoweringPatterns(converter, patterns, dpRowGroups);
  populateMoELoweringPatterns(converter, patterns, parallelScans, moeCpuForms);
}
