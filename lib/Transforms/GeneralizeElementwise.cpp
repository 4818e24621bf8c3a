//===- GeneralizeElementwise.cpp - generalize fusable named ops -----------===//

#include "sto/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir {
namespace sto {
#define GEN_PASS_DEF_STOGENERALIZEELEMENTWISE
#include "sto/Transforms/Passes.h.inc"
} // namespace sto
} // namespace mlir

using namespace mlir;

namespace {

template <typename OpTy> struct Generalize : public OpRewritePattern<OpTy> {
  using OpRewritePattern<OpTy>::OpRewritePattern;
  LogicalResult matchAndRewrite(OpTy op,
                                PatternRewriter &rewriter) const override {
    return linalg::generalizeNamedOp(rewriter,
                                     cast<linalg::LinalgOp>(op.getOperation()));
  }
};

/// An aggregated op (linalg.softmax: a max, a subtraction and exp, a sum,
/// a division) becomes the named and generic ops it stands for; nothing
/// after this lowers it (it reached LLVM translation as a memref op).
struct DecomposeAggregated
    : public OpInterfaceRewritePattern<linalg::AggregatedOpInterface> {
  using OpInterfaceRewritePattern::OpInterfaceRewritePattern;
  LogicalResult matchAndRewrite(linalg::AggregatedOpInterface op,
                                PatternRewriter &rewriter) const override {
    if (!llvm::all_of(op->getOperandTypes(), llvm::IsaPred<RankedTensorType>))
      return failure();
    // The ops made of a model's own softmax are the model's reductions.
    Operation *before = op->getPrevNode();
    bool user = op->hasAttr(sto::kUserReductionAttr);
    FailureOr<SmallVector<Value>> values = op.decomposeOperation(rewriter);
    if (failed(values))
      return failure();
    if (user) {
      for (Operation *made = before ? before->getNextNode()
                                    : &op->getBlock()->front();
           made != op.getOperation(); made = made->getNextNode()) {
        auto linalgOp = dyn_cast<linalg::LinalgOp>(made);
        if (linalgOp && linalgOp.getNumReductionLoops() > 0)
          made->setAttr(sto::kUserReductionAttr, rewriter.getUnitAttr());
      }
    }
    rewriter.replaceOp(op, *values);
    return success();
  }
};

/// tensor.bitcast between element types of one width (f32 bits as i32) is
/// an elementwise arith.bitcast; nothing else lowers it. Only between equal
/// shapes: a cast to other sizes would need the checks of tensor.cast.
struct BitcastToGeneric : public OpRewritePattern<tensor::BitcastOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(tensor::BitcastOp op,
                                PatternRewriter &rewriter) const override {
    auto source = dyn_cast<RankedTensorType>(op.getSource().getType());
    auto result = dyn_cast<RankedTensorType>(op.getType());
    if (!source || !result || source.getShape() != result.getShape())
      return failure();
    Location loc = op.getLoc();
    SmallVector<OpFoldResult> sizes =
        tensor::getMixedSizes(rewriter, loc, op.getSource());
    Value init =
        tensor::EmptyOp::create(rewriter, loc, sizes, result.getElementType());
    int64_t rank = result.getRank();
    SmallVector<AffineMap> maps(2, rewriter.getMultiDimIdentityMap(rank));
    SmallVector<utils::IteratorType> iterators(rank,
                                               utils::IteratorType::parallel);
    rewriter.replaceOpWithNewOp<linalg::GenericOp>(
        op, result, ValueRange{op.getSource()}, ValueRange{init}, maps,
        iterators, [&](OpBuilder &b, Location l, ValueRange args) {
          Value bits =
              arith::BitcastOp::create(b, l, result.getElementType(), args[0]);
          linalg::YieldOp::create(b, l, bits);
        });
    return success();
  }
};

struct StoGeneralizeElementwise
    : public sto::impl::StoGeneralizeElementwiseBase<StoGeneralizeElementwise> {
  void runOnOperation() override {
    // linalg.softmax's verifier takes any element type, but its
    // decomposition needs floats (an i32 softmax crashed in it).
    WalkResult nonFloat = getOperation()->walk([](linalg::SoftmaxOp op) {
      Type element = getElementTypeOrSelf(op.getInput().getType());
      if (isa<FloatType>(element))
        return WalkResult::advance();
      op.emitOpError() << "needs floating-point elements, not " << element;
      return WalkResult::interrupt();
    });
    if (nonFloat.wasInterrupted())
      return signalPassFailure();
    RewritePatternSet patterns(&getContext());
    patterns
        .add<Generalize<linalg::BroadcastOp>, Generalize<linalg::TransposeOp>,
             Generalize<linalg::MapOp>, Generalize<linalg::ElementwiseOp>,
             DecomposeAggregated, BitcastToGeneric>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
