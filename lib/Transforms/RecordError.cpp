//===- RecordError.cpp - failures of compiled code as status codes --------===//

#include "RecordError.h"

#include "sto/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

using namespace mlir;

Value sto::buildMessagePointer(OpBuilder &b, Location loc, ModuleOp module,
                               StringRef text) {
  // Equal messages share one constant.
  std::string data = (text + llvm::Twine('\0')).str();
  auto type = LLVM::LLVMArrayType::get(b.getI8Type(), data.size());
  StringAttr value = b.getStringAttr(data);
  LLVM::GlobalOp global;
  unsigned count = 0;
  for (auto g : module.getOps<LLVM::GlobalOp>()) {
    if (!g.getSymName().starts_with("__sto_message_"))
      continue;
    ++count;
    if (g.getValueAttr() == value)
      global = g;
  }
  if (!global) {
    std::string name;
    do {
      name = ("__sto_message_" + llvm::Twine(count++)).str();
    } while (module.lookupSymbol(name));
    OpBuilder mb = OpBuilder::atBlockEnd(module.getBody());
    global = LLVM::GlobalOp::create(mb, loc, type, /*isConstant=*/true,
                                    LLVM::Linkage::Private, name, value);
  }
  return LLVM::AddressOfOp::create(b, loc, global);
}

void sto::buildRecordError(OpBuilder &b, Location loc, ModuleOp module,
                           Value status, Value message) {
  auto record = module.lookupSymbol<func::FuncOp>("sto_record_error");
  if (!record) {
    OpBuilder mb(module.getBodyRegion());
    record = func::FuncOp::create(
        mb, module.getLoc(), "sto_record_error",
        mb.getFunctionType(
            {mb.getI32Type(), LLVM::LLVMPointerType::get(b.getContext())}, {}));
    record.setPrivate();
  }
  func::CallOp::create(b, loc, record, ValueRange{status, message});
}

void sto::buildRecordError(OpBuilder &b, Location loc, ModuleOp module,
                           int32_t status, Value message) {
  Value code = arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(status));
  buildRecordError(b, loc, module, code, message);
}

/// What the block of `terminator` yields when its rest is skipped: zeros for
/// a function's or a branch's scalar results, the values an `scf.for`
/// iteration came in with; none if there is no such value.
static std::optional<SmallVector<Value>>
fallbackValues(OpBuilder &b, Location loc, Operation *terminator) {
  Operation *parent = terminator->getParentOp();
  if (isa<scf::YieldOp>(terminator))
    if (auto loop = dyn_cast<scf::ForOp>(parent))
      return SmallVector<Value>(loop.getRegionIterArgs());
  // A parallel iteration without reductions or results to insert.
  if (isa<scf::ReduceOp>(terminator) && terminator->getNumOperands() == 0)
    return SmallVector<Value>();
  if (auto inParallel = dyn_cast<scf::InParallelOp>(terminator))
    if (inParallel.getBody()->empty())
      return SmallVector<Value>();
  // A linalg body's element (a failed check's iteration yields zeros), but
  // a reduction's accumulator comes out as it went in: the check guards
  // the term, not the sum so far (an embedding bag with one bad index sums
  // the others).
  if (!isa<func::ReturnOp, linalg::YieldOp>(terminator) &&
      !(isa<scf::YieldOp>(terminator) && isa<scf::IfOp>(parent)))
    return std::nullopt;
  auto linalgOp = dyn_cast<linalg::LinalgOp>(parent);
  SmallVector<Value> values;
  for (auto [i, t] : llvm::enumerate(terminator->getOperandTypes())) {
    if (linalgOp && isa<linalg::YieldOp>(terminator)) {
      OpOperand *init = linalgOp.getDpsInitOperand(i);
      AffineMap map = linalgOp.getMatchingIndexingMap(init);
      // Not indexed by every loop: an element that many iterations update.
      if (llvm::any_of(llvm::seq<unsigned>(0, linalgOp.getNumLoops()),
                       [&](unsigned d) { return !map.isFunctionOfDim(d); })) {
        values.push_back(linalgOp.getMatchingBlockArgument(init));
        continue;
      }
    }
    if (!t.isIntOrIndexOrFloat())
      return std::nullopt;
    values.push_back(arith::ConstantOp::create(b, loc, b.getZeroAttr(t)));
  }
  return values;
}

/// Runs the ops of `after`'s block that follow it only if `ok` holds;
/// otherwise runs what `onFailure` builds (the recording of the failure) and
/// skips them (fallbackValues). Fails, changing nothing, where the block
/// cannot be cut short.
LogicalResult
sto::guardRestOfBlock(Operation *after, Value ok,
                      function_ref<void(OpBuilder &, Location)> onFailure) {
  Block *block = after->getBlock();
  Operation *terminator = block->getTerminator();
  Location loc = after->getLoc();
  auto ifOp = [&]() -> scf::IfOp {
    OpBuilder b(after->getContext());
    b.setInsertionPointAfter(after);
    auto op = scf::IfOp::create(b, loc, terminator->getOperandTypes(), ok,
                                /*withElseRegion=*/true);
    op->setAttr(sto::kCheckGuardAttr, b.getUnitAttr());
    OpBuilder eb = OpBuilder::atBlockBegin(op.elseBlock());
    if (!op.elseBlock()->empty())
      eb.setInsertionPoint(op.elseBlock()->getTerminator());
    std::optional<SmallVector<Value>> fallback =
        fallbackValues(eb, loc, terminator);
    if (!fallback) {
      op->erase();
      return nullptr;
    }
    onFailure(eb, loc);
    for (Block *branch : {op.thenBlock(), op.elseBlock()})
      if (!branch->empty() && branch->mightHaveTerminator())
        branch->getTerminator()->erase();
    eb.setInsertionPointToEnd(op.elseBlock());
    scf::YieldOp::create(eb, loc, *fallback);
    return op;
  }();
  if (!ifOp)
    return failure();
  Block *then = ifOp.thenBlock();
  then->getOperations().splice(then->begin(), block->getOperations(),
                               std::next(Block::iterator(ifOp)),
                               Block::iterator(terminator));
  // linalg.index must stay directly in its linalg op's body: it has no
  // operands, so it moves before the guard.
  for (Operation &op : llvm::make_early_inc_range(*then))
    if (isa<linalg::IndexOp>(op))
      op.moveBefore(ifOp);
  OpBuilder tb = OpBuilder::atBlockEnd(then);
  scf::YieldOp::create(tb, loc, terminator->getOperands());
  terminator->setOperands(ifOp.getResults());
  return success();
}
