//===- GeneralizeElementwise.cpp - generalize fusable named ops -----------===//

#include "sto/Transforms/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
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

struct StoGeneralizeElementwise
    : public sto::impl::StoGeneralizeElementwiseBase<StoGeneralizeElementwise> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns
        .add<Generalize<linalg::BroadcastOp>, Generalize<linalg::TransposeOp>,
             Generalize<linalg::MapOp>, Generalize<linalg::ElementwiseOp>>(
            &getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
