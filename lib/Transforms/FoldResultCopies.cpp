//===- FoldResultCopies.cpp - compute results in their out-parameters -----===//

#include "sto/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"

namespace mlir {
namespace sto {
#define GEN_PASS_DEF_STOFOLDRESULTCOPIES
#include "sto/Transforms/Passes.h.inc"
} // namespace sto
} // namespace mlir

using namespace mlir;

namespace {

/// Tries to make the allocation behind `copy`'s source write into `copy`'s
/// target, an out-parameter used by nothing else.
LogicalResult foldCopy(memref::CopyOp copy) {
  auto out = dyn_cast<BlockArgument>(copy.getTarget());
  if (!out || !out.hasOneUse() ||
      !isa<func::FuncOp>(out.getOwner()->getParentOp()))
    return failure();
  Value source = copy.getSource();
  auto collapse = source.getDefiningOp<memref::CollapseShapeOp>();
  if (collapse) {
    if (!collapse->hasOneUse())
      return failure();
    source = collapse.getSrc();
  }
  auto alloc = source.getDefiningOp<memref::AllocOp>();
  if (!alloc || alloc->getBlock() != copy->getBlock())
    return failure();
  // The out-parameter must have the layout the computation expects.
  auto outType = cast<MemRefType>(out.getType());
  auto allocType = alloc.getType();
  if (!outType.getLayout().isIdentity() ||
      !allocType.getLayout().isIdentity() ||
      outType.getMemorySpace() != allocType.getMemorySpace())
    return failure();
  // Every other use of the allocation is before the copy (deallocation is
  // inserted later), so the out-parameter can stand in for it throughout.
  for (Operation *user : alloc->getUsers())
    if (user != collapse.getOperation() && user != copy.getOperation() &&
        !user->isBeforeInBlock(copy))
      return failure();

  OpBuilder b(alloc);
  Value replacement = out;
  if (collapse) {
    SmallVector<OpFoldResult> shape;
    unsigned dyn = 0;
    for (int64_t d = 0; d < allocType.getRank(); ++d)
      shape.push_back(
          allocType.isDynamicDim(d)
              ? OpFoldResult(alloc.getDynamicSizes()[dyn++])
              : OpFoldResult(b.getIndexAttr(allocType.getDimSize(d))));
    replacement = memref::ExpandShapeOp::create(
        b, alloc.getLoc(), allocType, out, collapse.getReassociationIndices(),
        shape);
  } else if (outType != allocType) {
    return failure();
  }
  copy->erase();
  if (collapse)
    collapse->erase();
  alloc.getResult().replaceAllUsesWith(replacement);
  alloc->erase();
  return success();
}

struct StoFoldResultCopies
    : public sto::impl::StoFoldResultCopiesBase<StoFoldResultCopies> {
  void runOnOperation() override {
    SmallVector<memref::CopyOp> copies;
    getOperation()->walk([&](memref::CopyOp op) { copies.push_back(op); });
    for (memref::CopyOp copy : copies)
      (void)foldCopy(copy);
  }
};

} // namespace
