//===- ParallelizeOuterLoop.cpp - one parallel dimension per loop nest ----===//

#include "sto/Transforms/Passes.h"

#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir {
namespace sto {
#define GEN_PASS_DEF_STOPARALLELIZEOUTERLOOP
#include "sto/Transforms/Passes.h.inc"
} // namespace sto
} // namespace mlir

using namespace mlir;

namespace {

/// scf.parallel (i, j, ...) -> scf.parallel (i) { scf.for j { ... } }.
void sequentializeInner(scf::ParallelOp op) {
  IRRewriter rewriter(op.getContext());
  rewriter.setInsertionPoint(op);
  Location loc = op.getLoc();
  auto outer = scf::ParallelOp::create(
      rewriter, loc, op.getLowerBound().take_front(1),
      op.getUpperBound().take_front(1), op.getStep().take_front(1));
  IRMapping mapping;
  mapping.map(op.getInductionVars()[0], outer.getInductionVars()[0]);
  rewriter.setInsertionPointToStart(outer.getBody());
  for (unsigned d = 1, e = op.getNumLoops(); d < e; ++d) {
    auto loop = scf::ForOp::create(rewriter, loc, op.getLowerBound()[d],
                                   op.getUpperBound()[d], op.getStep()[d]);
    mapping.map(op.getInductionVars()[d], loop.getInductionVar());
    rewriter.setInsertionPointToStart(loop.getBody());
  }
  for (Operation &inner : op.getBody()->without_terminator())
    rewriter.clone(inner, mapping);
  rewriter.eraseOp(op);
}

struct StoParallelizeOuterLoop
    : public sto::impl::StoParallelizeOuterLoopBase<StoParallelizeOuterLoop> {
  void runOnOperation() override {
    SmallVector<scf::ParallelOp> loops;
    getOperation()->walk([&](scf::ParallelOp op) {
      // Reductions keep their scf.parallel form (scf.reduce).
      if (op.getNumLoops() > 1 && op.getInitVals().empty())
        loops.push_back(op);
    });
    for (scf::ParallelOp op : loops)
      sequentializeInner(op);
  }
};

} // namespace
