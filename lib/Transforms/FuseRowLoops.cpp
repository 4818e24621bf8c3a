//===- FuseRowLoops.cpp - one pass over each row for a row's reductions ---===//
//
// linalg.softmax lowers to loop nests over all rows, one after the other:
// the max of each row, then exp(x - max) and its sum, then the division.
// Each nest reads every row from memory again (1024 x 8192 f32 rows: 32 MB
// per pass). Adjacent scf.parallel loops over the same rows whose bodies
// touch shared buffers only in their own row (the leading index is the
// loop's) can run as one loop: each thread then runs the passes of a row
// one after the other while the row (32 KB) is in its cache. Every row sees
// the same operations in the same order, so the results are the same.
//
//===----------------------------------------------------------------------===//

#include "sto/Transforms/Passes.h"

#include "BufferRoots.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace mlir {
namespace sto {
#define GEN_PASS_DEF_STOFUSEROWLOOPS
#include "sto/Transforms/Passes.h.inc"
} // namespace sto
} // namespace mlir

using namespace mlir;

namespace {

/// The buffers a one-dimensional scf.parallel body reads and writes, and
/// whether every access to each is at the loop's own row (a direct load or
/// store whose first index is the induction variable).
struct Footprint {
  struct Use {
    bool written = false;
    bool rowLocal = true;
  };
  llvm::MapVector<Value, Use> buffers;
  bool known = true;
};

Footprint footprintOf(scf::ParallelOp loop) {
  Footprint fp;
  Value iv = loop.getInductionVars()[0];
  loop.getBody()->walk([&](Operation *op) {
    if (isa<memref::AllocaOp, memref::AllocaScopeOp>(op))
      return;
    if (std::optional<sto::MemRefAccess> access = sto::memrefAccessOf(op)) {
      Value root = sto::rootBuffer(access->memref);
      // A buffer of the body's own (a lane reduction's stack buffer).
      if (loop->isAncestor(root.getParentRegion()->getParentOp()))
        return;
      Footprint::Use &use = fp.buffers[root];
      use.written |= isa<memref::StoreOp>(op);
      use.rowLocal &= access->memref == root && !access->indices.empty() &&
                      access->indices.front() == iv;
      return;
    }
    if (!isMemoryEffectFree(op) &&
        !op->hasTrait<OpTrait::HasRecursiveMemoryEffects>())
      fp.known = false;
  });
  return fp;
}

bool sameBounds(scf::ParallelOp a, scf::ParallelOp b) {
  auto same = [](Value x, Value y) {
    if (x == y)
      return true;
    std::optional<int64_t> cx = getConstantIntValue(x),
                           cy = getConstantIntValue(y);
    return cx && cy && *cx == *cy;
  };
  return a.getNumLoops() == 1 && b.getNumLoops() == 1 &&
         a.getInitVals().empty() && b.getInitVals().empty() &&
         same(a.getLowerBound()[0], b.getLowerBound()[0]) &&
         same(a.getUpperBound()[0], b.getUpperBound()[0]) &&
         same(a.getStep()[0], b.getStep()[0]);
}

/// Whether running b's body right after a's, in the same iteration, gives
/// what running all of a before all of b gives: every buffer that one
/// writes and the other touches is touched only at the iteration's row, and
/// is a buffer of its own.
bool canFuse(scf::ParallelOp a, scf::ParallelOp b, Operation *module) {
  Footprint fa = footprintOf(a), fb = footprintOf(b);
  if (!fa.known || !fb.known)
    return false;
  for (auto &[root, ua] : fa.buffers) {
    auto it = fb.buffers.find(root);
    bool written = ua.written || (it != fb.buffers.end() && it->second.written);
    if (written && !sto::isDistinctRoot(root, module))
      return false;
    if (it == fb.buffers.end() || !written)
      continue;
    if (!ua.rowLocal || !it->second.rowLocal)
      return false;
  }
  // A buffer written by b only, and not touched by a, needs nothing; but one
  // written by b must not alias one of a's (distinct roots checked above for
  // a's; b's own written buffers need it too).
  for (auto &[root, ub] : fb.buffers)
    if (ub.written && !sto::isDistinctRoot(root, module))
      return false;
  return true;
}

/// Whether the loop holds a row reduction of sto-lane-reductions.
bool hasLaneLoop(scf::ParallelOp loop) {
  bool found = false;
  loop.getBody()->walk(
      [&](scf::ForOp f) { found |= f->hasAttr(sto::kVectorLanesAttr); });
  return found;
}

struct StoFuseRowLoops
    : public sto::impl::StoFuseRowLoopsBase<StoFuseRowLoops> {
  void runOnOperation() override {
    Operation *module = SymbolTable::getNearestSymbolTable(getOperation());
    SmallVector<Block *> blocks;
    getOperation()->walk([&](Block *block) { blocks.push_back(block); });
    for (Block *block : blocks) {
      for (auto it = block->begin(); it != block->end();) {
        auto a = dyn_cast<scf::ParallelOp>(&*it);
        if (!a) {
          ++it;
          continue;
        }
        // The next loop, past pure ops that do not use a (constants): they
        // move before a.
        Operation *next = a->getNextNode();
        SmallVector<Operation *> between;
        while (next && isPure(next) && next->getNumRegions() == 0) {
          between.push_back(next);
          next = next->getNextNode();
        }
        auto b = dyn_cast_or_null<scf::ParallelOp>(next);
        if (!b || !sameBounds(a, b) || (!hasLaneLoop(a) && !hasLaneLoop(b)) ||
            !canFuse(a, b, module)) {
          ++it;
          continue;
        }
        for (Operation *op : between)
          op->moveBefore(a);
        Block *into = a.getBody();
        Block *from = b.getBody();
        from->getArgument(0).replaceAllUsesWith(into->getArgument(0));
        into->getOperations().splice(into->getTerminator()->getIterator(),
                                     from->getOperations(), from->begin(),
                                     from->getTerminator()->getIterator());
        b.erase();
        // Try a again with the loop after b.
        it = a->getIterator();
      }
    }
  }
};

} // namespace
