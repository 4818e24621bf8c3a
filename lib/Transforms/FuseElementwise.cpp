//===- FuseElementwise.cpp - elementwise fusion of multi-use producers ----===//

#include "sto/Transforms/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tensor/Transforms/Transforms.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir {
namespace sto {
#define GEN_PASS_DEF_STOFUSEELEMENTWISE
#include "sto/Transforms/Passes.h.inc"
} // namespace sto
} // namespace mlir

using namespace mlir;

namespace {

/// Fuses when the producer is a linalg op whose loops are all parallel: its
/// body then runs once per element of the fused loop nest, and its result
/// becomes an extra result of the fused op for its other users.
bool fuseElementwiseProducer(OpOperand *fused) {
  auto producer = fused->get().getDefiningOp<linalg::LinalgOp>();
  return producer && producer.getNumLoops() == producer.getNumParallelLoops();
}

/// Whether the consumer reads each element of the fused operand once: a
/// broadcast (a [T] result read as [T, k], say) would run the producer's
/// body once per copy, and a top-k gate's selection or a sampler is no
/// cheaper than the memory it saves.
bool readsEachElementOnce(OpOperand *fused) {
  auto consumer = dyn_cast<linalg::LinalgOp>(fused->getOwner());
  return consumer && consumer.getMatchingIndexingMap(fused).isPermutation();
}

/// Fuses an elementwise producer with several uses into a consumer and
/// makes every other use read the fused op's copy of the producer's result,
/// so the producer dies instead of running a second time.
///
/// With `singleUse`, it fuses single-use producers into a model's own
/// reduction instead, before upstream's pattern does (which would drop the
/// sto.user_reduction mark: the fused op is the reduction).
struct FuseMultiUseProducer : public OpRewritePattern<linalg::GenericOp> {
  FuseMultiUseProducer(MLIRContext *ctx, bool singleUse)
      : OpRewritePattern(ctx, /*benefit=*/singleUse ? 2 : 1),
        singleUse(singleUse) {}
  LogicalResult matchAndRewrite(linalg::GenericOp consumer,
                                PatternRewriter &rewriter) const override {
    bool userReduction = consumer->hasAttr(sto::kUserReductionAttr);
    if (singleUse && !userReduction)
      return failure();
    for (OpOperand &operand : consumer->getOpOperands()) {
      auto producer = operand.get().getDefiningOp<linalg::GenericOp>();
      if (!producer || producer->hasOneUse() != singleUse ||
          !fuseElementwiseProducer(&operand) ||
          !readsEachElementOnce(&operand) ||
          !linalg::areElementwiseOpsFusable(&operand))
        continue;
      // A consumer that reads the producer through another operand too (a
      // transposed and a direct read) would keep that operand in the fused
      // op, and replacing the producer's results below would make the fused
      // op read its own result. (Equal reads are merged by canonicalization
      // first.)
      if (llvm::any_of(consumer->getOpOperands(), [&](OpOperand &other) {
            return &other != &operand &&
                   other.get().getDefiningOp() == producer.getOperation();
          }))
        continue;
      // The fused op takes the consumer's place, so the producer's other
      // users must come after it, or be pure ops (a reshape for a return)
      // whose own users do and which can move there.
      SmallVector<Operation *> toSink;
      bool ok = true;
      for (Operation *user : producer->getUsers()) {
        if (user == consumer.getOperation())
          continue;
        if (user->getBlock() != consumer->getBlock()) {
          ok = false;
          break;
        }
        if (consumer->isBeforeInBlock(user))
          continue;
        bool movable = isPure(user) && user->getNumRegions() == 0 &&
                       llvm::all_of(user->getUsers(), [&](Operation *u) {
                         return u->getBlock() == consumer->getBlock() &&
                                consumer->isBeforeInBlock(u);
                       });
        if (!movable) {
          ok = false;
          break;
        }
        toSink.push_back(user);
      }
      if (!ok)
        continue;
      FailureOr<linalg::ElementwiseOpFusionResult> fused =
          linalg::fuseElementwiseOps(rewriter, &operand);
      if (failed(fused))
        continue;
      if (userReduction)
        fused->fusedOp->setAttr(sto::kUserReductionAttr,
                                rewriter.getUnitAttr());
      for (Operation *user : toSink)
        rewriter.moveOpAfter(user, fused->fusedOp);
      for (auto [original, replacement] : fused->replacements)
        rewriter.replaceAllUsesWith(original, replacement);
      rewriter.eraseOp(consumer);
      if (producer->use_empty())
        rewriter.eraseOp(producer);
      return success();
    }
    return failure();
  }

private:
  bool singleUse;
};

/// Keeps the sto.user_reduction mark on the op that replaces a marked one
/// (upstream patterns, such as the folding of a splat constant input into
/// the body, make a new op without it).
struct KeepUserReductionMark : public RewriterBase::Listener {
  void notifyOperationReplaced(Operation *op, ValueRange values) override {
    if (!op->hasAttr(sto::kUserReductionAttr))
      return;
    for (Value v : values) {
      auto replacement = v.getDefiningOp<linalg::LinalgOp>();
      if (replacement && replacement.getNumReductionLoops() > 0)
        replacement->setAttr(sto::kUserReductionAttr,
                             UnitAttr::get(op->getContext()));
    }
  }
};

struct StoFuseElementwise
    : public sto::impl::StoFuseElementwiseBase<StoFuseElementwise> {
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    RewritePatternSet patterns(ctx);
    // As upstream's linalg-fuse-elementwise-ops, plus the fusion of
    // multi-use elementwise producers; reshapes still move only through
    // single-use producers so that no work is duplicated.
    auto singleUse = [](OpOperand *fused) {
      Operation *producer = fused->get().getDefiningOp();
      return producer && producer->hasOneUse() && readsEachElementOnce(fused);
    };
    linalg::populateElementwiseOpsFusionPatterns(patterns, singleUse);
    patterns.add<FuseMultiUseProducer>(ctx, /*singleUse=*/false);
    patterns.add<FuseMultiUseProducer>(ctx, /*singleUse=*/true);
    // A reshape is not propagated through a named contraction (matmul,
    // batch_matmul, ...): expanding it would turn the op into a
    // higher-rank linalg.generic (a blocked sampler's 4-lane split of the
    // columns, for instance), which no longer matches the library call that
    // the CUDA pipeline makes of it (sto-matmul-to-cublas). The reshape
    // stays between the contraction and its elementwise consumers, which
    // still fuse with each other.
    //
    // Nor into a model's own reduction: a sampler's [..., n/4, 4] blocks
    // would split its reduction loop in two and fuse the sampling into it,
    // where the 16-lane order (sto-lane-reductions) recomputes each block's
    // Philox call and normals for every element (a sum of 1024 x 8192
    // noisy values: 8.3 ms fused against 3.6 ms in sequence). Unfused, the
    // samples are written by the sampler's own vectorized loop and summed in
    // lanes; sto-fuse-row-loops then runs the two loops per row, the row's
    // samples in a stack buffer (3.4 ms on one thread, 4.2-4.5 before).
    auto singleUseNotContraction = [](OpOperand *fused) {
      Operation *producer = fused->get().getDefiningOp();
      return producer && producer->hasOneUse() &&
             !isa<linalg::ContractionOpInterface>(producer) &&
             !isa<linalg::ContractionOpInterface>(fused->getOwner()) &&
             !fused->getOwner()->hasAttr(sto::kUserReductionAttr);
    };
    linalg::populateFoldReshapeOpsByExpansionPatterns(patterns,
                                                      singleUseNotContraction);
    tensor::populateBubbleUpExpandShapePatterns(patterns);
    affine::AffineApplyOp::getCanonicalizationPatterns(patterns, ctx);
    linalg::GenericOp::getCanonicalizationPatterns(patterns, ctx);
    tensor::ExpandShapeOp::getCanonicalizationPatterns(patterns, ctx);
    tensor::CollapseShapeOp::getCanonicalizationPatterns(patterns, ctx);
    ctx->getLoadedDialect<linalg::LinalgDialect>()->getCanonicalizationPatterns(
        patterns);
    linalg::populateConstantFoldLinalgOperations(patterns, singleUse);
    KeepUserReductionMark keepMark;
    GreedyRewriteConfig config;
    config.setListener(&keepMark);
    if (failed(
            applyPatternsGreedily(getOperation(), std::move(patterns), config)))
      signalPassFailure();
  }
};

} // namespace
