//===- InterchangeInnerReduction.cpp - reduction out of the inner loop ----===//
//
// linalg.matmul lowers to (i, j, k) loops: a dot product down a column of B
// per output element, a serial chain that does not vectorize. With k moved
// outside j, the inner loop walks rows of B and C (c[i, j] += a[i, k] *
// b[k, j]) and vectorizes; every c[i, j] still adds its terms in increasing
// k, so the bits do not change.
//
//===----------------------------------------------------------------------===//

#include "sto/Transforms/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir {
namespace sto {
#define GEN_PASS_DEF_STOINTERCHANGEINNERREDUCTION
#include "sto/Transforms/Passes.h.inc"
} // namespace sto
} // namespace mlir

using namespace mlir;

namespace {

/// Whether swapping the last two loops of `op` (a reduction innermost, a
/// parallel loop before it) makes the inner loop contiguous: every operand
/// that uses the parallel loop uses it as its innermost index, and the
/// output does.
bool innerReductionToSwap(linalg::LinalgOp op) {
  unsigned n = op.getNumLoops();
  if (n < 2 || !op.hasPureBufferSemantics() || op.getNumDpsInits() != 1)
    return false;
  SmallVector<utils::IteratorType> iters = op.getIteratorTypesArray();
  if (iters[n - 1] != utils::IteratorType::reduction ||
      iters[n - 2] != utils::IteratorType::parallel)
    return false;
  AffineExpr inner = getAffineDimExpr(n - 2, op.getContext());
  bool outputInner = false;
  for (OpOperand &operand : op->getOpOperands()) {
    AffineMap map = op.getMatchingIndexingMap(&operand);
    if (!map.isProjectedPermutation())
      return false;
    ArrayRef<AffineExpr> results = map.getResults();
    auto pos = llvm::find(results, inner);
    if (pos == results.end())
      continue;
    if (pos != results.end() - 1)
      return false;
    if (op.isDpsInit(&operand))
      outputInner = true;
  }
  return outputInner;
}

struct StoInterchangeInnerReduction
    : public sto::impl::StoInterchangeInnerReductionBase<
          StoInterchangeInnerReduction> {
  void runOnOperation() override {
    SmallVector<linalg::LinalgOp> ops;
    getOperation()->walk([&](linalg::LinalgOp op) {
      if (innerReductionToSwap(op))
        ops.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    for (linalg::LinalgOp op : ops) {
      rewriter.setInsertionPoint(op);
      auto generic = dyn_cast<linalg::GenericOp>(op.getOperation());
      if (!generic) {
        FailureOr<linalg::GenericOp> g =
            linalg::generalizeNamedOp(rewriter, op);
        if (failed(g))
          continue;
        generic = *g;
      }
      unsigned n = generic.getNumLoops();
      SmallVector<unsigned> perm = llvm::to_vector(llvm::seq<unsigned>(0, n));
      std::swap(perm[n - 2], perm[n - 1]);
      if (failed(linalg::interchangeGenericOp(rewriter, generic, perm)))
        return signalPassFailure();
    }
  }
};

} // namespace
