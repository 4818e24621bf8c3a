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
#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Func/Transforms/FuncConversions.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/Patterns.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

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
    RandomEmitter rng(rewriter, op.getLoc());
    SmallVector<Value> children;
    for (unsigned i = 0, e = op.getNumResults(); i < e; ++i)
      children.push_back(rng.splitKey(adaptor.getKey(), i));
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

//===----------------------------------------------------------------------===//
// Samplers and stochastic layers
//===----------------------------------------------------------------------===//

struct UniformLowering : public OpConversionPattern<UniformOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(UniformOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    RankedTensorType type = op.getType();
    Type elem = type.getElementType();
    if (elem.isF64())
      return rewriter.notifyMatchFailure(op, "f64 uniform not lowered yet");
    double low = op.getLow().convertToDouble();
    double width = op.getHigh().convertToDouble() - low;
    Value key = adaptor.getKey();
    Value result = buildElementwise(
        rewriter, op.getLoc(), type, {}, adaptor.getDynamicSizes(),
        [&](OpBuilder &b, Location loc, Value linear, ValueRange) {
          RandomEmitter rng(b, loc);
          Value u = rng.uniformF32(rng.elementBits(linear, rng.keyWords(key)));
          // low + width * u in f32, rounded once per operation.
          Value scaled = arith::MulFOp::create(
              b, loc, u, floatConst(b, loc, b.getF32Type(), width));
          Value v = arith::AddFOp::create(
              b, loc, scaled, floatConst(b, loc, b.getF32Type(), low));
          return fromF32(b, loc, v, elem);
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
    Value key = adaptor.getKey();
    SmallVector<Value> inputs;
    SmallVector<Value> dynSizes(adaptor.getDynamicSizes());
    if (Value probs = adaptor.getProbs()) {
      inputs.push_back(probs);
      dynSizes = dynamicSizesOf(rewriter, loc, probs);
    }
    std::optional<double> constP;
    if (op.getPAttr())
      constP = op.getPAttr().getValueAsDouble();
    Value result = buildElementwise(
        rewriter, loc, op.getType(), inputs, dynSizes,
        [&](OpBuilder &b, Location l, Value linear, ValueRange args) {
          RandomEmitter rng(b, l);
          Value u = rng.uniformF32(rng.elementBits(linear, rng.keyWords(key)));
          Value p = constP ? floatConst(b, l, b.getF32Type(), *constP)
                           : toF32(b, l, args[0]);
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
    Value key = adaptor.getKey();
    Value x = adaptor.getX();
    double rate = op.getRate().convertToDouble();
    Type elem = op.getType().getElementType();
    Value result = buildElementwise(
        rewriter, loc, op.getType(), {x}, dynamicSizesOf(rewriter, loc, x),
        [&](OpBuilder &b, Location l, Value linear, ValueRange args) {
          RandomEmitter rng(b, l);
          Value u = rng.uniformF32(rng.elementBits(linear, rng.keyWords(key)));
          Value keep =
              arith::CmpFOp::create(b, l, arith::CmpFPredicate::OGE, u,
                                    floatConst(b, l, b.getF32Type(), rate));
          // The scale 1/(1 - rate) is rounded once, to the element type.
          Value scaled = arith::MulFOp::create(
              b, l, args[0], floatConst(b, l, elem, 1.0 / (1.0 - rate)));
          return arith::SelectOp::create(b, l, keep, scaled,
                                         floatConst(b, l, elem, 0.0))
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
    Value key = adaptor.getKey();
    Value p = adaptor.getP();
    Type elem = op.getType().getElementType();
    bool smooth = op.getEstimator().getKind() ==
                  EstimatorKind::stochastic_times_smooth;
    Value result = buildElementwise(
        rewriter, loc, op.getType(), {p}, dynamicSizesOf(rewriter, loc, p),
        [&](OpBuilder &b, Location l, Value linear, ValueRange args) {
          RandomEmitter rng(b, l);
          Value u = rng.uniformF32(rng.elementBits(linear, rng.keyWords(key)));
          Value prob = toF32(b, l, args[0]);
          // Stochastic-times-smooth: h = sqrt(p)·b with b ~ Bernoulli(sqrt(p)).
          if (smooth)
            prob = math::SqrtOp::create(b, l, prob);
          Value fire =
              arith::CmpFOp::create(b, l, arith::CmpFPredicate::OLT, u, prob);
          Value one = floatConst(b, l, b.getF32Type(), 1.0);
          Value zero = floatConst(b, l, b.getF32Type(), 0.0);
          Value h = arith::SelectOp::create(b, l, fire, smooth ? prob : one,
                                            zero);
          return fromF32(b, l, h, elem);
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
    if (op.getKind() != NoiseKind::uniform)
      return rewriter.notifyMatchFailure(op, "gaussian noise not lowered yet");
    Location loc = op.getLoc();
    Value key = adaptor.getKey();
    Value x = adaptor.getX();
    Type elem = op.getType().getElementType();
    double scale = op.getScale().convertToDouble();
    bool additive = op.getMode() == NoiseMode::additive;
    Value result = buildElementwise(
        rewriter, loc, op.getType(), {x}, dynamicSizesOf(rewriter, loc, x),
        [&](OpBuilder &b, Location l, Value linear, ValueRange args) {
          RandomEmitter rng(b, l);
          Value u = rng.uniformF32(rng.elementBits(linear, rng.keyWords(key)));
          // eps = 2u - 1 in [-1, 1), exact in f32.
          Value two = floatConst(b, l, b.getF32Type(), 2.0);
          Value one = floatConst(b, l, b.getF32Type(), 1.0);
          Value eps = arith::SubFOp::create(
              b, l, arith::MulFOp::create(b, l, u, two), one);
          Value epsE = fromF32(b, l, eps, elem);
          Value s = floatConst(b, l, elem, scale);
          Value se = arith::MulFOp::create(b, l, s, epsE);
          if (additive)
            return arith::AddFOp::create(b, l, args[0], se).getResult();
          Value factor =
              arith::AddFOp::create(b, l, floatConst(b, l, elem, 1.0), se);
          return arith::MulFOp::create(b, l, args[0], factor).getResult();
        });
    rewriter.replaceOp(op, result);
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
    Type elem = op.getType().getElementType();
    Value avg = adaptor.getAvg(), param = adaptor.getParam();
    // swa: avg + (p - avg) * (1 / (count + 1)); the weight is computed once.
    Value weight;
    if (op.getKind() == AverageKind::swa) {
      Value count = adaptor.getCount();
      if (count.getType().isIndex())
        count = arith::IndexCastOp::create(rewriter, loc,
                                           rewriter.getI64Type(), count);
      Value n1 = arith::AddIOp::create(
          rewriter, loc, count,
          arith::ConstantOp::create(rewriter, loc,
                                    rewriter.getI64IntegerAttr(1)));
      Value nf = arith::SIToFPOp::create(rewriter, loc, elem, n1);
      weight = arith::DivFOp::create(rewriter, loc,
                                     floatConst(rewriter, loc, elem, 1.0), nf);
    } else {
      weight = floatConst(rewriter, loc, elem,
                          1.0 - op.getDecayAttr().getValueAsDouble());
    }
    Value result = buildElementwise(
        rewriter, loc, op.getType(), {avg, param},
        dynamicSizesOf(rewriter, loc, avg),
        [&](OpBuilder &b, Location l, Value, ValueRange args) {
          // Both kinds: avg + w * (p - avg) (ema with w = 1 - decay).
          Value diff = arith::SubFOp::create(b, l, args[1], args[0]);
          Value step = arith::MulFOp::create(b, l, weight, diff);
          return arith::AddFOp::create(b, l, args[0], step).getResult();
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct ConvertStoToLinalgPass
    : public sto::impl::ConvertStoToLinalgBase<ConvertStoToLinalgPass> {
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    StoTypeConverter converter;
    ConversionTarget target(*ctx);
    target.addLegalDialect<arith::ArithDialect, linalg::LinalgDialect,
                           math::MathDialect, tensor::TensorDialect,
                           scf::SCFDialect>();
    target.addIllegalDialect<StoDialect>();
    target.addDynamicallyLegalOp<func::FuncOp>([&](func::FuncOp op) {
      return converter.isSignatureLegal(op.getFunctionType()) &&
             converter.isLegal(&op.getBody());
    });
    target.markUnknownOpDynamicallyLegal([&](Operation *op) {
      return converter.isLegal(op->getOperandTypes()) &&
             converter.isLegal(op->getResultTypes());
    });
    RewritePatternSet patterns(ctx);
    populateStoToLinalgConversionPatterns(converter, patterns);
    populateFunctionOpInterfaceTypeConversionPattern<func::FuncOp>(patterns,
                                                                   converter);
    populateCallOpTypeConversionPattern(patterns, converter);
    populateReturnOpTypeConversionPattern(patterns, converter);
    populateBranchOpInterfaceTypeConversionPattern(patterns, converter);
    scf::populateSCFStructuralTypeConversionsAndLegality(converter, patterns,
                                                         target);
    if (failed(applyPartialConversion(getOperation(), target,
                                      std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace

void mlir::sto::populateStoToLinalgConversionPatterns(
    const TypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<SeedLowering, SplitLowering, FoldInLowering, UniformLowering,
               BernoulliLowering, DropoutLowering, StochasticBinaryLowering,
               NoiseLowering, AverageLowering>(converter,
                                               patterns.getContext());
}
