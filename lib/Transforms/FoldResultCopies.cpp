//===- FoldResultCopies.cpp - compute results in their out-parameters -----===//

#include "RecordError.h"
#include "sto/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
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

/// Whether the dynamic sizes of `out` are `want` (one per dimension).
Value sameSizes(OpBuilder &b, Location loc, MemRefType outType,
                ArrayRef<Value> want, Value out) {
  Value same;
  for (int64_t d = 0; d < outType.getRank(); ++d) {
    if (!outType.isDynamicDim(d))
      continue;
    Value got = memref::DimOp::create(b, loc, out, d);
    Value eq =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, want[d], got);
    same = same ? arith::AndIOp::create(b, loc, same, eq).getResult() : eq;
  }
  return same ? same : arith::ConstantIntOp::create(b, loc, 1, 1).getResult();
}

/// "the size given for result #i ...", from the position of the
/// out-parameter `out` (the C ABI's inputs come first, then one
/// out-parameter per tensor result). i counts every result, as the header
/// does (result0, result1, ...): scalar results before the tensor too.
std::string resultMismatchMessage(BlockArgument out) {
  std::string text = "a size given for ";
  auto func = cast<func::FuncOp>(out.getOwner()->getParentOp());
  auto abi = func->getAttrOfType<DictionaryAttr>("sto.c_abi");
  auto inputs = abi ? abi.getAs<ArrayAttr>("inputs") : ArrayAttr();
  auto results = abi ? abi.getAs<ArrayAttr>("results") : ArrayAttr();
  std::optional<size_t> index;
  if (inputs && results && out.getArgNumber() >= inputs.size()) {
    size_t tensor = out.getArgNumber() - inputs.size(), seen = 0;
    for (auto [i, r] : llvm::enumerate(results)) {
      auto type = dyn_cast<TypeAttr>(r);
      if (!type || !isa<RankedTensorType>(type.getValue()))
        continue;
      if (seen++ == tensor) {
        index = i;
        break;
      }
    }
  }
  text += index ? "result #" + std::to_string(*index) : "a result";
  return text + " differs from the size the function computed";
}

/// Records STO_ERROR_SHAPE_MISMATCH for out-parameter `out`.
void recordMismatch(OpBuilder &b, Location loc, BlockArgument out) {
  auto module = out.getOwner()->getParentOp()->getParentOfType<ModuleOp>();
  sto::buildRecordError(
      b, loc, module, sto::kShapeMismatchStatus,
      sto::buildMessagePointer(b, loc, module, resultMismatchMessage(out)));
}

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
  // The source and the out-parameter have one type: a static buffer copied
  // into a dynamic one is a size the caller chose, to be checked
  // (guardDynamicCopy), and memref.expand_shape cannot turn a dynamic
  // dimension into static ones.
  auto outType = cast<MemRefType>(out.getType());
  auto allocType = alloc.getType();
  if (copy.getSource().getType() != outType)
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
  Location loc = alloc.getLoc();
  SmallVector<OpFoldResult> shape;
  unsigned dyn = 0;
  for (int64_t d = 0; d < allocType.getRank(); ++d)
    shape.push_back(
        allocType.isDynamicDim(d)
            ? OpFoldResult(alloc.getDynamicSizes()[dyn++])
            : OpFoldResult(b.getIndexAttr(allocType.getDimSize(d))));
  auto viewOfOut = [&](OpBuilder &vb) -> Value {
    if (!collapse)
      return out;
    return memref::ExpandShapeOp::create(
        vb, loc, allocType, out, collapse.getReassociationIndices(), shape);
  };
  // The allocation becomes (a view of) the out-parameter; the copy goes.
  auto fold = [&]() {
    b.setInsertionPoint(alloc);
    Value replacement = viewOfOut(b);
    copy->erase();
    if (collapse)
      collapse->erase();
    alloc.getResult().replaceAllUsesWith(replacement);
    alloc->erase();
    return success();
  };
  if (allocType.hasStaticShape())
    return fold();
  // A dynamic result: its sizes are known where it is allocated. If they
  // are not the caller's, the function records STO_ERROR_SHAPE_MISMATCH and
  // skips the rest of its body, this result included (the guarded copy
  // wrote nothing either); otherwise the computation writes the caller's
  // buffer. That takes an allocation in the function's own body, and
  // results that can be returned as zeros.
  auto func = dyn_cast<func::FuncOp>(alloc->getParentOp());
  if (!func || func != out.getOwner()->getParentOp() ||
      !llvm::all_of(func.getResultTypes(),
                    [](Type t) { return t.isIntOrIndexOrFloat(); }))
    return failure();
  SmallVector<Value> want; // the copy source's sizes, from the allocation's
  if (collapse) {
    for (const ReassociationIndices &group :
         collapse.getReassociationIndices()) {
      Value size = arith::ConstantIndexOp::create(b, loc, 1);
      for (int64_t d : group)
        size = arith::MulIOp::create(
            b, loc, size, getValueOrCreateConstantIndexOp(b, loc, shape[d]));
      want.push_back(size);
    }
  } else {
    for (OpFoldResult size : shape)
      want.push_back(getValueOrCreateConstantIndexOp(b, loc, size));
  }
  Value same = sameSizes(b, loc, outType, want, out);
  // The rest of the function, from the allocation on, runs under
  // scf.if %same; otherwise the status is recorded and zeros returned.
  if (failed(sto::guardRestOfBlock(
          same.getDefiningOp(), same,
          [&](OpBuilder &eb, Location l) { recordMismatch(eb, l, out); })))
    return failure();
  return fold();
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
  auto ifOp = scf::IfOp::create(b, loc, same, /*withElseRegion=*/true);
  copy->moveBefore(ifOp.thenBlock()->getTerminator());
  b.setInsertionPoint(ifOp.elseBlock()->getTerminator());
  recordMismatch(b, loc, out);
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
