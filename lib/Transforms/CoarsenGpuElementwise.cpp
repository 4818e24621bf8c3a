//===- CoarsenGpuElementwise.cpp - four elements per GPU thread -----------===//
//
// A linalg.generic without randomness maps one iteration to one GPU thread:
// 4-byte loads and stores, one element in flight per thread. On an H200
// sto's y = -x ran at 2738 GB/s that way (0.65 of the copy), while the
// Philox kernels, whose threads take the four elements of a block with
// 16-byte accesses, reached 4000 GB/s and more. Here the last parallel
// dimension of such a generic, of static size a multiple of four, is split
// into [n/4, 4] with the 4 as the last loop (after any reduction
// dimensions): the GPU mapping (sto-parallelize-outer-loop) runs a trailing
// dimension of four, or one behind a reduction loop, inside the thread, and
// sto-prepare-gpu-kernels merges the four consecutive accesses into one
// vector access. Each element's arithmetic, and each chain's order, is
// unchanged, so are the bits.
//
//===----------------------------------------------------------------------===//

#include "sto/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/AffineExpr.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/LoopLikeInterface.h"

namespace mlir {
namespace sto {
#define GEN_PASS_DEF_STOCOARSENGPUELEMENTWISE
#include "sto/Transforms/Passes.h.inc"
} // namespace sto
} // namespace mlir

using namespace mlir;

namespace {

constexpr int64_t kGroup = 4;

/// The static size of loop dimension `dim` of `op`, if an operand gives it.
std::optional<int64_t> staticLoopSize(linalg::GenericOp op, unsigned dim) {
  for (OpOperand &operand : op->getOpOperands()) {
    auto type = dyn_cast<MemRefType>(operand.get().getType());
    if (!type)
      continue;
    AffineMap map = op.getMatchingIndexingMap(&operand);
    for (auto [i, expr] : llvm::enumerate(map.getResults())) {
      auto d = dyn_cast<AffineDimExpr>(expr);
      if (d && d.getPosition() == dim && !type.isDynamicDim(i))
        return type.getDimSize(i);
    }
  }
  return std::nullopt;
}

/// The dimension to split: the last parallel one, if every dimension
/// before it is parallel and every one after it a reduction (combine's
/// (t, d, j): each (t, d) keeps its chain over j, in order).
std::optional<unsigned> splitDimension(linalg::GenericOp op) {
  auto iterators = op.getIteratorTypesArray();
  std::optional<unsigned> last;
  for (auto [i, kind] : llvm::enumerate(iterators)) {
    if (kind != utils::IteratorType::parallel)
      continue;
    if (last && *last + 1 != i)
      return std::nullopt; // a reduction between two parallel dimensions
    last = i;
  }
  if (!last ||
      (*last > 0 && iterators.front() != utils::IteratorType::parallel))
    return std::nullopt;
  return last;
}

/// Whether `op` can take four consecutive iterations of its split dimension
/// per thread: memref operands of identity layout, every operand either
/// indexed by that dimension in its last position (and nowhere else) or not
/// at all, the dimension static, a multiple of four and more than four (a
/// dimension of four is already a Philox block's lanes), and a body that
/// writes no memory.
bool canCoarsen(linalg::GenericOp op, bool reductions) {
  if (!op.hasPureBufferSemantics() || op.getNumLoops() == 0 ||
      (!reductions && op.getNumReductionLoops() != 0))
    return false;
  std::optional<unsigned> split = splitDimension(op);
  if (!split)
    return false;
  unsigned inner = *split;
  for (OpOperand &operand : op->getOpOperands()) {
    auto type = dyn_cast<MemRefType>(operand.get().getType());
    if (!type) {
      if (!operand.get().getType().isIntOrIndexOrFloat())
        return false;
      continue;
    }
    // i1 buffers are bytes that sto-prepare-gpu-kernels does not merge:
    // four 1-byte accesses per thread would only quarter the threads.
    if (!type.getLayout().isIdentity() || type.getElementType().isInteger(1))
      return false;
    AffineMap map = op.getMatchingIndexingMap(&operand);
    for (auto [i, expr] : llvm::enumerate(map.getResults())) {
      bool last = i + 1 == map.getNumResults();
      if (auto d = dyn_cast<AffineDimExpr>(expr)) {
        // The view [.., n/4, 4] needs n static in every split operand.
        if (d.getPosition() == inner && (!last || type.isDynamicDim(i)))
          return false;
      } else if (expr.isFunctionOfDim(inner)) {
        return false;
      }
    }
  }
  std::optional<int64_t> size = staticLoopSize(op, inner);
  if (!size || *size <= kGroup || *size % kGroup != 0)
    return false;
  // Loads in the body are fine (a gather); stores are not (their order
  // across elements would change). Nor are loops: a body with a loop (a
  // gate's walk over a row, a scan's count) is work enough for a thread,
  // and four of them would leave the GPU a quarter of the threads.
  WalkResult writes = op.getRegion().walk([](Operation *nested) {
    if (isa<LoopLikeOpInterface>(nested))
      return WalkResult::interrupt();
    auto effects = dyn_cast<MemoryEffectOpInterface>(nested);
    if (effects ? effects.hasEffect<MemoryEffects::Write>()
                : !nested->hasTrait<OpTrait::HasRecursiveMemoryEffects>() &&
                      nested->getNumRegions() != 0)
      return WalkResult::interrupt();
    return WalkResult::advance();
  });
  return !writes.wasInterrupted();
}

/// The generic equivalent to `op` whose split dimension d (of size n) is
/// d' of size n/4, with a last dimension of 4: d = 4 d' + lane.
void coarsen(RewriterBase &rewriter, linalg::GenericOp op) {
  MLIRContext *ctx = op.getContext();
  Location loc = op.getLoc();
  unsigned loops = op.getNumLoops(), inner = *splitDimension(op);
  rewriter.setInsertionPoint(op);
  SmallVector<Value> inputs, outputs;
  SmallVector<AffineMap> maps;
  for (OpOperand &operand : op->getOpOperands()) {
    Value value = operand.get();
    AffineMap map = op.getMatchingIndexingMap(&operand);
    SmallVector<AffineExpr> results(map.getResults());
    bool split = !results.empty() && isa<AffineDimExpr>(results.back()) &&
                 cast<AffineDimExpr>(results.back()).getPosition() == inner;
    if (split) {
      auto type = cast<MemRefType>(value.getType());
      SmallVector<int64_t> shape(type.getShape());
      shape.back() /= kGroup;
      shape.push_back(kGroup);
      SmallVector<ReassociationIndices> groups;
      for (int64_t i = 0, e = type.getRank(); i < e; ++i)
        groups.push_back(i + 1 == e ? ReassociationIndices{i, i + 1}
                                    : ReassociationIndices{i});
      value =
          memref::ExpandShapeOp::create(rewriter, loc, shape, value, groups);
      results.push_back(getAffineDimExpr(loops, ctx));
    }
    maps.push_back(AffineMap::get(loops + 1, 0, results, ctx));
    (op.isDpsInput(&operand) ? inputs : outputs).push_back(value);
  }
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  iterators.push_back(utils::IteratorType::parallel);
  auto coarse = linalg::GenericOp::create(rewriter, loc, TypeRange{}, inputs,
                                          outputs, maps, iterators);
  IRMapping mapping;
  rewriter.cloneRegionBefore(op.getRegion(), coarse.getRegion(),
                             coarse.getRegion().end(), mapping);
  // linalg.index of the split dimension: 4 * index(inner) + index(loops).
  SmallVector<linalg::IndexOp> indices;
  coarse.getRegion().walk([&](linalg::IndexOp index) {
    if (index.getDim() == inner)
      indices.push_back(index);
  });
  for (linalg::IndexOp index : indices) {
    rewriter.setInsertionPoint(index);
    Value group = linalg::IndexOp::create(rewriter, loc, inner);
    Value lane = linalg::IndexOp::create(rewriter, loc, loops);
    Value scaled = arith::MulIOp::create(
        rewriter, loc, group,
        arith::ConstantIndexOp::create(rewriter, loc, kGroup));
    rewriter.replaceOp(index,
                       arith::AddIOp::create(rewriter, loc, scaled, lane));
  }
  rewriter.eraseOp(op);
}

struct CoarsenGpuElementwisePass
    : public sto::impl::StoCoarsenGpuElementwiseBase<
          CoarsenGpuElementwisePass> {
  using StoCoarsenGpuElementwiseBase::StoCoarsenGpuElementwiseBase;
  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    // A fill of a large buffer is such a generic too (combine's zeroed
    // output, 256 MB in the MoE benchmark).
    SmallVector<linalg::FillOp> fills;
    getOperation()->walk([&](linalg::FillOp fill) {
      if (fill.hasPureBufferSemantics())
        fills.push_back(fill);
    });
    for (linalg::FillOp fill : fills) {
      auto type = cast<MemRefType>(fill.getOutputs()[0].getType());
      if (type.getRank() == 0 || type.isDynamicDim(type.getRank() - 1) ||
          type.getShape().back() <= kGroup ||
          type.getShape().back() % kGroup != 0 ||
          !type.getLayout().isIdentity())
        continue;
      rewriter.setInsertionPoint(fill);
      (void)linalg::generalizeNamedOp(rewriter, fill);
    }
    SmallVector<linalg::GenericOp> candidates;
    getOperation()->walk([&](linalg::GenericOp op) {
      if (canCoarsen(op, reductions))
        candidates.push_back(op);
    });
    for (linalg::GenericOp op : candidates)
      coarsen(rewriter, op);
  }
};

} // namespace
