//===- FoldEmptyTensors.cpp - tensor ops on statically empty slices -------===//
//
// One-shot bufferization copies the operands of tensor.concat and the source
// of tensor.pad into memref.subviews of the result, and a subview of zero
// elements at an offset equal to its dimension's size (the empty last
// operand of a concat, an empty source padded low) is rejected by
// memref.subview's verifier in MLIR 22 ("offset 2 is out-of-bounds: 2 >= 2"),
// so valid programs failed to compile. These patterns remove such empty
// pieces before bufferization; the values do not change.
//
//===----------------------------------------------------------------------===//

#include "sto/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir {
namespace sto {
#define GEN_PASS_DEF_STOFOLDEMPTYTENSORS
#include "sto/Transforms/Passes.h.inc"
} // namespace sto
} // namespace mlir

using namespace mlir;

namespace {

bool hasStaticZero(ArrayRef<int64_t> shape) {
  return llvm::is_contained(shape, 0);
}

/// The dynamic sizes of `op`'s (ranked tensor) result, reified.
FailureOr<SmallVector<Value>> dynamicSizes(PatternRewriter &rewriter,
                                           Operation *op) {
  auto type = cast<RankedTensorType>(op->getResult(0).getType());
  SmallVector<Value> sizes;
  if (type.hasStaticShape())
    return sizes;
  ReifiedRankedShapedTypeDims dims;
  if (failed(reifyResultShapes(rewriter, op, dims)))
    return failure();
  for (auto [d, size] : llvm::enumerate(dims[0]))
    if (type.isDynamicDim(d))
      sizes.push_back(
          getValueOrCreateConstantIndexOp(rewriter, op->getLoc(), size));
  return sizes;
}

/// Replaces `op` by a tensor.empty of its result type.
LogicalResult replaceByEmpty(PatternRewriter &rewriter, Operation *op) {
  FailureOr<SmallVector<Value>> sizes = dynamicSizes(rewriter, op);
  if (failed(sizes))
    return failure();
  auto type = cast<RankedTensorType>(op->getResult(0).getType());
  rewriter.replaceOpWithNewOp<tensor::EmptyOp>(op, type.getShape(),
                                               type.getElementType(), *sizes);
  return success();
}

/// concat: operands empty along the joined dimension are dropped; a result
/// with no elements is a tensor.empty.
struct DropEmptyConcatOperands : public OpRewritePattern<tensor::ConcatOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(tensor::ConcatOp op,
                                PatternRewriter &rewriter) const override {
    if (hasStaticZero(op.getResultType().getShape()))
      return replaceByEmpty(rewriter, op);
    int64_t dim = op.getDim();
    SmallVector<Value> kept;
    for (Value v : op.getInputs())
      if (cast<RankedTensorType>(v.getType()).getDimSize(dim) != 0)
        kept.push_back(v);
    if (kept.size() == op.getInputs().size())
      return failure();
    // Not all empty: the result has elements along `dim`.
    if (kept.size() == 1) {
      rewriter.replaceOpWithNewOp<tensor::CastOp>(op, op.getResultType(),
                                                  kept.front());
      return success();
    }
    rewriter.replaceOpWithNewOp<tensor::ConcatOp>(op, op.getResultType(), dim,
                                                  kept);
    return success();
  }
};

/// pad of an empty source: every element is padding, a tensor.generate of
/// the pad's body.
struct PadOfEmptySource : public OpRewritePattern<tensor::PadOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(tensor::PadOp op,
                                PatternRewriter &rewriter) const override {
    if (!hasStaticZero(op.getSourceType().getShape()))
      return failure();
    FailureOr<SmallVector<Value>> sizes = dynamicSizes(rewriter, op);
    if (failed(sizes))
      return failure();
    auto generate = tensor::GenerateOp::create(rewriter, op.getLoc(),
                                               op.getResultType(), *sizes);
    rewriter.inlineRegionBefore(op.getRegion(), generate.getBody(),
                                generate.getBody().end());
    rewriter.replaceOp(op, generate.getResult());
    return success();
  }
};

struct StoFoldEmptyTensors
    : public sto::impl::StoFoldEmptyTensorsBase<StoFoldEmptyTensors> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    sto::populateFoldEmptyTensorsPatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace

void mlir::sto::populateFoldEmptyTensorsPatterns(RewritePatternSet &patterns) {
  patterns.add<DropEmptyConcatOperands, PadOfEmptySource>(
      patterns.getContext());
}
