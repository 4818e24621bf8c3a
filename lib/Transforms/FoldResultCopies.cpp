//===- FoldResultCopies.cpp - compute results in their out-parameters -----===//

#include "sto/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

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
  // An argument of another block than the entry one is no out-parameter:
  // it may be any buffer of the function, an input included.
  auto out = dyn_cast<BlockArgument>(copy.getTarget());
  if (!out || !out.hasOneUse() || !out.getOwner()->isEntryBlock() ||
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
  // Only a static size is known to match the caller's buffer; a dynamic
  // result keeps its checked copy (guardDynamicCopy). The out-parameter must
  // be static too: a static buffer copied into a dynamic one is a size the
  // caller chose, to be checked, and memref.expand_shape cannot turn a
  // dynamic dimension into static ones.
  auto outType = cast<MemRefType>(out.getType());
  auto allocType = alloc.getType();
  if (!allocType.hasStaticShape() || copy.getSource().getType() != outType)
    return failure();
  // The out-parameter must have the layout the computation expects.
  if (!outType.getLayout().isIdentity() ||
      !allocType.getLayout().isIdentity() ||
      outType.getMemorySpace() != allocType.getMemorySpace())
    return failure();
  // Every other use of the allocation, and of the views of it, is before the
  // copy (deallocation is inserted later), so the out-parameter can stand in
  // for it throughout. A use nested in a loop or branch counts by its
  // ancestor in the copy's block (isBeforeInBlock needs both in one block),
  // and a write through a view after the copy would clobber the result.
  Block *block = copy->getBlock();
  SmallVector<Value> buffers = {alloc.getResult()};
  while (!buffers.empty()) {
    Value buffer = buffers.pop_back_val();
    for (Operation *user : buffer.getUsers()) {
      if (user == collapse.getOperation() || user == copy.getOperation())
        continue;
      Operation *ancestor = block->findAncestorOpInBlock(*user);
      if (!ancestor || !ancestor->isBeforeInBlock(copy))
        return failure();
      if (auto view = dyn_cast<ViewLikeOpInterface>(user))
        if (view.getViewSource() == buffer)
          buffers.push_back(view.getViewDest());
    }
  }

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
  }
  copy->erase();
  if (collapse)
    collapse->erase();
  alloc.getResult().replaceAllUsesWith(replacement);
  alloc->erase();
  return success();
}

/// A copy into an out-parameter of dynamic shape: the caller gave its sizes,
/// the function computed the source's. Copy only if they agree; otherwise
/// record STO_ERROR_SHAPE_MISMATCH, which the C entry point returns.
void guardDynamicCopy(memref::CopyOp copy) {
  auto out = dyn_cast<BlockArgument>(copy.getTarget());
  auto outType = dyn_cast<MemRefType>(copy.getTarget().getType());
  if (!out || !outType || outType.hasStaticShape() ||
      !isa<func::FuncOp>(out.getOwner()->getParentOp()))
    return;
  OpBuilder b(copy);
  Location loc = copy.getLoc();
  Value same;
  for (int64_t d = 0; d < outType.getRank(); ++d) {
    if (!outType.isDynamicDim(d))
      continue;
    Value want = memref::DimOp::create(b, loc, copy.getSource(), d);
    Value got = memref::DimOp::create(b, loc, copy.getTarget(), d);
    Value eq =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, want, got);
    same = same ? arith::AndIOp::create(b, loc, same, eq).getResult() : eq;
  }
  auto module = copy->getParentOfType<ModuleOp>();
  auto record = module.lookupSymbol<func::FuncOp>("sto_record_status");
  if (!record) {
    OpBuilder mb(module.getBodyRegion());
    record = func::FuncOp::create(mb, loc, "sto_record_status",
                                  mb.getFunctionType({mb.getI32Type()}, {}));
    record.setPrivate();
  }
  auto ifOp = scf::IfOp::create(b, loc, same, /*withElseRegion=*/true);
  copy->moveBefore(ifOp.thenBlock()->getTerminator());
  b.setInsertionPoint(ifOp.elseBlock()->getTerminator());
  Value code = arith::ConstantOp::create(
      b, loc, b.getI32IntegerAttr(/*STO_ERROR_SHAPE_MISMATCH=*/7));
  func::CallOp::create(b, loc, record, ValueRange{code});
}

struct StoFoldResultCopies
    : public sto::impl::StoFoldResultCopiesBase<StoFoldResultCopies> {
  void runOnOperation() override {
    SmallVector<memref::CopyOp> copies;
    getOperation()->walk([&](memref::CopyOp op) { copies.push_back(op); });
    for (memref::CopyOp copy : copies)
      if (failed(foldCopy(copy)))
        guardDynamicCopy(copy);
  }
};

} // namespace
