//===- Smoothing.cpp - lowering of randomized smoothing
//--------------------===//
//
// sto.monte_carlo becomes a loop over batches: each batch of noisy copies is
// one elementwise generic (the additive Gaussian noise of the contract, at
// the copy's place in the stream), the body runs inlined on it, and its
// class ids are counted in order. sto.certify takes the argmax of the
// selection counts and calls libsto_runtime for the confidence bound and the
// normal quantile (docs/Randomness.md, 8.11). For the GPU the noise and the
// body are kernels; the counting and certify's loops over the counts are
// sequential and become one-thread kernels (sto-serial-code-to-gpu), whose
// scalars come back to the host for the runtime's calls.
//
//===----------------------------------------------------------------------===//

#include "LoweringUtils.h"
#include "RandomEmitter.h"
#include "sto/Dialect/Sto/StoOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Transforms/DialectConversion.h"

#include <limits>

using namespace mlir;
using namespace mlir::sto;

namespace {

Value i64Const(OpBuilder &b, Location loc, int64_t v) {
  return arith::ConstantIntOp::create(b, loc, b.getI64Type(), v);
}

struct MonteCarloLowering : public OpConversionPattern<MonteCarloOp> {
  MonteCarloLowering(const TypeConverter &converter, MLIRContext *ctx)
      : OpConversionPattern(converter, ctx) {
    // A body may hold another sto.monte_carlo, which this pattern clones and
    // then lowers again; without this the conversion rejects that as
    // unbounded recursion ("failed to legalize"). The nesting is finite.
    setHasBoundedRewriteRecursion();
  }

  LogicalResult
  matchAndRewrite(MonteCarloOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getX();
    auto xType = cast<RankedTensorType>(x.getType());
    Type t = xType.getElementType(), c = computeTypeOf(t);
    int64_t samples = op.getSamples(), batch = op.getBatch();
    int64_t classes = op.getNumClasses();
    int64_t rank = xType.getRank();
    Block &body = op.getBody().front();
    auto batchType = cast<RankedTensorType>(body.getArgument(0).getType());
    auto key = RandomEmitter(rewriter, loc).keyWords(adaptor.getKey());
    Value sigma =
        coefficient(rewriter, loc, op.getStddev().convertToDouble(), c);

    // x's sizes: the stream index of element j of copy s is
    // s·numel(x) + j, built in the generic below from the sizes.
    SmallVector<Value> xSizes, batchDyn;
    for (int64_t d = 0; d < rank; ++d) {
      Value size = tensor::DimOp::create(rewriter, loc, x, d);
      xSizes.push_back(size);
      if (xType.isDynamicDim(d))
        batchDyn.push_back(size);
    }

    auto countsType = RankedTensorType::get({classes}, rewriter.getI64Type());
    Value zeros =
        filled(rewriter, loc, countsType, {}, rewriter.getI64IntegerAttr(0));
    // Without overflow for any samples (a dynamic x is not checked by the
    // verifier).
    int64_t batches = samples / batch + (samples % batch != 0);
    auto loop = scf::ForOp::create(
        rewriter, loc, indexConst(rewriter, loc, 0),
        indexConst(rewriter, loc, batches), indexConst(rewriter, loc, 1),
        ValueRange{zeros},
        [&](OpBuilder &b, Location l, Value bi, ValueRange iter) {
          Value first =
              arith::MulIOp::create(b, l, bi, indexConst(b, l, batch));
          // Copy r of this batch is sample first + r: its element j draws
          // the normal of stream index (first + r)·numel(x) + j.
          Value empty = tensor::EmptyOp::create(b, l, batchType, batchDyn);
          SmallVector<AffineMap> maps{
              AffineMap::get(
                  rank + 1, 0,
                  llvm::to_vector(llvm::map_range(
                      llvm::seq<unsigned>(1, rank + 1),
                      [&](unsigned d) { return b.getAffineDimExpr(d); })),
                  b.getContext()),
              b.getMultiDimIdentityMap(rank + 1)};
          SmallVector<utils::IteratorType> iters(rank + 1,
                                                 utils::IteratorType::parallel);
          Value noisy =
              linalg::GenericOp::create(
                  b, l, TypeRange{batchType}, ValueRange{x}, ValueRange{empty},
                  maps, iters,
                  [&](OpBuilder &nb, Location nl, ValueRange args) {
                    Value copy = arith::AddIOp::create(
                        nb, nl, first, linalg::IndexOp::create(nb, nl, 0));
                    Value linear = copy;
                    for (int64_t d = 0; d < rank; ++d)
                      linear = arith::AddIOp::create(
                          nb, nl,
                          arith::MulIOp::create(nb, nl, linear, xSizes[d]),
                          linalg::IndexOp::create(nb, nl, d + 1));
                    Value i = arith::IndexCastOp::create(
                        nb, nl, nb.getI64Type(), linear);
                    RandomEmitter rng(nb, nl);
                    Value z = widenTo(nb, nl, rng.standardNormalF32(i, key), c);
                    Value v = rng.fma(sigma, z, widenTo(nb, nl, args[0], c));
                    linalg::YieldOp::create(nb, nl, narrowTo(nb, nl, v, t));
                  })
                  .getResult(0);
          // The body, inlined on this batch.
          IRMapping mapping;
          mapping.map(body.getArgument(0), noisy);
          for (Operation &inner : body.without_terminator())
            b.clone(inner, mapping);
          Value ids = mapping.lookupOrDefault(
              cast<YieldOp>(body.getTerminator()).getValues().front());
          // Count the valid copies of the batch in order.
          Value valid = arith::MinSIOp::create(
              b, l, indexConst(b, l, batch),
              arith::SubIOp::create(b, l, indexConst(b, l, samples), first));
          auto count = scf::ForOp::create(
              b, l, indexConst(b, l, 0), valid, indexConst(b, l, 1),
              ValueRange{iter[0]},
              [&](OpBuilder &cb, Location cl, Value r, ValueRange acc) {
                Value id = tensor::ExtractOp::create(cb, cl, ids, r);
                if (!id.getType().isInteger(64))
                  id = arith::ExtSIOp::create(cb, cl, cb.getI64Type(), id);
                Value inRange = arith::AndIOp::create(
                    cb, cl,
                    arith::CmpIOp::create(cb, cl, arith::CmpIPredicate::sge, id,
                                          i64Const(cb, cl, 0)),
                    arith::CmpIOp::create(cb, cl, arith::CmpIPredicate::slt, id,
                                          i64Const(cb, cl, classes)));
                auto bump = scf::IfOp::create(
                    cb, cl, inRange,
                    [&](OpBuilder &ib, Location il) {
                      Value at = arith::IndexCastOp::create(
                          ib, il, ib.getIndexType(), id);
                      Value n = tensor::ExtractOp::create(ib, il, acc[0], at);
                      Value n1 =
                          arith::AddIOp::create(ib, il, n, i64Const(ib, il, 1));
                      scf::YieldOp::create(
                          ib, il,
                          tensor::InsertOp::create(ib, il, n1, acc[0], at)
                              .getResult());
                    },
                    [&](OpBuilder &ib, Location il) {
                      scf::YieldOp::create(ib, il, acc[0]);
                    });
                scf::YieldOp::create(cb, cl, bump.getResult(0));
              });
          scf::YieldOp::create(b, l, count.getResult(0));
        });
    Value counts = loop.getResult(0);
    if (counts.getType() != op.getType())
      counts = tensor::CastOp::create(rewriter, loc, op.getType(), counts);
    rewriter.replaceOp(op, counts);
    return success();
  }
};

/// Declares `name` of type `type` in the module, once.
func::FuncOp runtimeFunction(OpBuilder &b, Operation *from, StringRef name,
                             FunctionType type) {
  auto module = from->getParentOfType<ModuleOp>();
  if (auto f = module.lookupSymbol<func::FuncOp>(name))
    return f;
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(module.getBody());
  auto f = func::FuncOp::create(b, from->getLoc(), name, type);
  f.setPrivate();
  return f;
}

struct CertifyLowering : public OpConversionPattern<CertifyOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(CertifyOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value counts0 = adaptor.getCounts0(), counts = adaptor.getCounts();
    Type i64 = rewriter.getI64Type(), f64 = rewriter.getF64Type();
    Value zero = indexConst(rewriter, loc, 0),
          one = indexConst(rewriter, loc, 1);
    Value classes = tensor::DimOp::create(rewriter, loc, counts0, 0);
    // The argmax of the selection counts, ties to the lower id (-1 when
    // there is no class).
    auto argmax = scf::ForOp::create(
        rewriter, loc, zero, classes, one,
        ValueRange{i64Const(rewriter, loc, std::numeric_limits<int64_t>::min()),
                   i64Const(rewriter, loc, -1)},
        [&](OpBuilder &b, Location l, Value i, ValueRange best) {
          Value n = tensor::ExtractOp::create(b, l, counts0, i);
          Value more = arith::CmpIOp::create(b, l, arith::CmpIPredicate::sgt, n,
                                             best[0]);
          Value id = arith::IndexCastOp::create(b, l, i64, i);
          scf::YieldOp::create(
              b, l,
              ValueRange{arith::SelectOp::create(b, l, more, n, best[0]),
                         arith::SelectOp::create(b, l, more, id, best[1])});
        });
    Value top = argmax.getResult(1);
    // Its votes in the estimation counts, and all votes counted there.
    auto total = scf::ForOp::create(
        rewriter, loc, zero, classes, one,
        ValueRange{i64Const(rewriter, loc, 0), i64Const(rewriter, loc, 0)},
        [&](OpBuilder &b, Location l, Value i, ValueRange acc) {
          Value n = tensor::ExtractOp::create(b, l, counts, i);
          Value isTop = arith::CmpIOp::create(
              b, l, arith::CmpIPredicate::eq,
              arith::IndexCastOp::create(b, l, i64, i), top);
          scf::YieldOp::create(
              b, l,
              ValueRange{arith::AddIOp::create(b, l, acc[0], n),
                         arith::SelectOp::create(b, l, isTop, n, acc[1])});
        });
    int32_t method = op.getBound() == ConfidenceBound::bernstein
                         ? 1 /*STO_BOUND_BERNSTEIN*/
                         : 0 /*STO_BOUND_CLOPPER_PEARSON*/;
    // The bound p comes as its upper tail q = 1 - p, which keeps its
    // precision as p nears 1 (p itself rounded to 1 and gave an infinite
    // radius); p > 1/2 is q < 1/2, and Φ⁻¹(p) = -Φ⁻¹(q).
    auto tailFn = runtimeFunction(
        rewriter, op, "sto_certify_upper_tail",
        rewriter.getFunctionType({i64, i64, f64, rewriter.getI32Type()}, f64));
    auto quantileFn = runtimeFunction(rewriter, op, "sto_normal_quantile",
                                      rewriter.getFunctionType({f64}, f64));
    Value tail =
        func::CallOp::create(
            rewriter, loc, tailFn,
            ValueRange{
                total.getResult(1), total.getResult(0),
                arith::ConstantOp::create(
                    rewriter, loc,
                    rewriter.getF64FloatAttr(op.getAlpha().convertToDouble())),
                arith::ConstantIntOp::create(rewriter, loc,
                                             rewriter.getI32Type(), method)})
            .getResult(0);
    // Certified with radius stddev·Φ⁻¹(p); else abstain.
    Value certified = arith::CmpFOp::create(
        rewriter, loc, arith::CmpFPredicate::OLT, tail,
        arith::ConstantOp::create(rewriter, loc,
                                  rewriter.getF64FloatAttr(0.5)));
    auto result = scf::IfOp::create(
        rewriter, loc, certified,
        [&](OpBuilder &b, Location l) {
          Value q = func::CallOp::create(b, l, quantileFn, ValueRange{tail})
                        .getResult(0);
          Value r = arith::MulFOp::create(
              b, l,
              arith::ConstantOp::create(
                  b, l, b.getF64FloatAttr(-op.getStddev().convertToDouble())),
              q);
          scf::YieldOp::create(b, l, ValueRange{top, r});
        },
        [&](OpBuilder &b, Location l) {
          scf::YieldOp::create(b, l,
                               ValueRange{i64Const(b, l, -1),
                                          arith::ConstantOp::create(
                                              b, l, b.getF64FloatAttr(0.0))});
        });
    rewriter.replaceOp(op, result.getResults());
    return success();
  }
};

} // namespace

void mlir::sto::populateSmoothingLoweringPatterns(
    const TypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<MonteCarloLowering, CertifyLowering>(converter,
                                                    patterns.getContext());
}
