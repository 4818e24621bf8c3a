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
// A sampler summed by rows is the same shape: the sampler's loop writes a
// temporary, the lane reduction reads it. Once the loops are one, a
// temporary that nothing else uses becomes a stack buffer of one row per
// thread, so the samples never go to memory.
//
//===----------------------------------------------------------------------===//

#include "sto/Transforms/Passes.h"

#include "BufferRoots.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
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

/// Whether index 0 of an access to `v` is index 0 of `root`: `v` is `root`
/// or a reshape of it (collapse_shape, expand_shape) that keeps the leading
/// dimension as a group of its own, as a sampler's [rows, n/4, 4] blocks
/// collapsed to [rows, n] do.
bool keepsLeadingDim(Value v, Value root) {
  while (v != root) {
    Operation *def = v.getDefiningOp();
    SmallVector<ReassociationIndices> groups;
    if (auto collapse = dyn_cast_or_null<memref::CollapseShapeOp>(def)) {
      groups = collapse.getReassociationIndices();
      v = collapse.getSrc();
    } else if (auto expand = dyn_cast_or_null<memref::ExpandShapeOp>(def)) {
      groups = expand.getReassociationIndices();
      v = expand.getSrc();
    } else {
      return false;
    }
    if (groups.empty() || groups.front().size() != 1)
      return false;
  }
  return true;
}

/// The buffers that the ops in `op` (its regions, or `op` itself) read and
/// write, and whether every access to each is at the row `iv` (a load or
/// store whose first index is `iv`, directly or through a reshape that keeps
/// the leading dimension). Buffers allocated inside `op` are its own and are
/// left out. Without `iv`, no access is at a row.
struct Footprint {
  struct Use {
    bool written = false;
    bool rowLocal = true;
  };
  llvm::MapVector<Value, Use> buffers;
  bool known = true;
};

Footprint footprintOf(Operation *op, Value iv) {
  Footprint fp;
  op->walk([&](Operation *inner) {
    if (isa<memref::AllocaOp, memref::AllocaScopeOp>(inner))
      return;
    // A whole-buffer copy (of a filled output, say) reads and writes whole
    // buffers, at no row in particular.
    if (auto copy = dyn_cast<memref::CopyOp>(inner)) {
      for (auto [value, written] :
           {std::pair(copy.getSource(), false), {copy.getTarget(), true}}) {
        Footprint::Use &use = fp.buffers[sto::rootBuffer(value)];
        use.written |= written;
        use.rowLocal = false;
      }
      return;
    }
    if (std::optional<sto::MemRefAccess> access = sto::memrefAccessOf(inner)) {
      Value root = sto::rootBuffer(access->memref);
      // A buffer of the op's own (a lane reduction's stack buffer).
      if (op->isAncestor(root.getParentRegion()->getParentOp()))
        return;
      Footprint::Use &use = fp.buffers[root];
      use.written |= isa<memref::StoreOp>(inner);
      use.rowLocal &= iv && keepsLeadingDim(access->memref, root) &&
                      !access->indices.empty() && access->indices.front() == iv;
      return;
    }
    if (!isMemoryEffectFree(inner) &&
        !inner->hasTrait<OpTrait::HasRecursiveMemoryEffects>())
      fp.known = false;
  });
  return fp;
}

Footprint footprintOf(scf::ParallelOp loop) {
  return footprintOf(loop, loop.getInductionVars()[0]);
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

/// Whether every buffer that `fp` writes is a buffer of its own.
bool writesOwnBuffersOnly(const Footprint &fp, Operation *module) {
  return llvm::all_of(fp.buffers, [&](auto &entry) {
    return !entry.second.written || sto::isDistinctRoot(entry.first, module);
  });
}

/// Whether `op`, found between a loop and the next loop, can run before the
/// first: a pure op, an allocation, or an op (another loop, the fill of the
/// reduction's output) whose effects are all known, that shares no buffer
/// with the loop that either of them writes, and whose written buffers are
/// buffers of their own. `fa` is the loop's footprint, null when its effects
/// are not all known or it writes a buffer that is not its own.
bool canMoveBefore(Operation *op, const Footprint *fa, Operation *module) {
  if ((isPure(op) && op->getNumRegions() == 0) || isa<memref::AllocOp>(op))
    return true;
  if (!fa || op->hasTrait<OpTrait::IsTerminator>())
    return false;
  Footprint fo = footprintOf(op, Value());
  if (!fo.known || !writesOwnBuffersOnly(fo, module))
    return false;
  return llvm::all_of(fo.buffers, [&](auto &entry) {
    auto it = fa->buffers.find(entry.first);
    return it == fa->buffers.end() ||
           (!entry.second.written && !it->second.written);
  });
}

/// The largest row that becomes a stack buffer, in bytes (a row of 2^16
/// f32; a thread's stack holds one next to the sampler's staging buffers).
constexpr int64_t kMaxPrivateRowBytes = 256 * 1024;

/// The ops through which only `loop` uses `alloc`, each access at the
/// loop's row: its reshapes (views) and their accesses, all inside the
/// loop; its dealloc; and the null checks of its pointer (`cmpi eq/ne` of
/// extract_aligned_pointer_as_index against 0), which go with it. Fails on
/// any other use.
struct RowBufferUses {
  SmallVector<Operation *> views, accesses, deallocs, pointerChecks;
};

FailureOr<RowBufferUses> rowBufferUses(memref::AllocOp alloc,
                                       scf::ParallelOp loop) {
  RowBufferUses uses;
  SmallVector<Value> worklist = {alloc.getResult()};
  while (!worklist.empty()) {
    Value v = worklist.pop_back_val();
    for (Operation *user : v.getUsers()) {
      if (isa<memref::CollapseShapeOp, memref::ExpandShapeOp>(user)) {
        uses.views.push_back(user);
        worklist.push_back(user->getResult(0));
      } else if (sto::memrefAccessOf(user) && loop->isAncestor(user) &&
                 sto::memrefAccessOf(user)->memref == v) {
        uses.accesses.push_back(user);
      } else if (isa<memref::DeallocOp>(user) && v == alloc.getResult()) {
        uses.deallocs.push_back(user);
      } else if (isa<memref::ExtractAlignedPointerAsIndexOp>(user)) {
        for (Operation *check : user->getUsers()) {
          auto cmp = dyn_cast<arith::CmpIOp>(check);
          if (!cmp || !matchPattern(cmp.getRhs(), m_Zero()) ||
              (cmp.getPredicate() != arith::CmpIPredicate::eq &&
               cmp.getPredicate() != arith::CmpIPredicate::ne))
            return failure();
        }
        uses.pointerChecks.push_back(user);
      } else {
        return failure();
      }
    }
  }
  return uses;
}

/// Replaces each temporary that only `loop` uses, every access at the
/// loop's row, with a stack buffer of one row (leading dimension 1) at the
/// start of the body: sto-hoist-static-allocas gives each thread one. The
/// row is written and read in the same iteration, so the results do not
/// change; the temporary is neither allocated nor written to memory.
void privatizeRowBuffers(scf::ParallelOp loop) {
  Footprint fp = footprintOf(loop);
  if (!fp.known)
    return;
  for (auto &[root, use] : fp.buffers) {
    auto alloc = root.getDefiningOp<memref::AllocOp>();
    if (!alloc || !use.rowLocal)
      continue;
    MemRefType type = alloc.getType();
    if (!type.hasStaticShape() || type.getRank() < 2 ||
        !type.getLayout().isIdentity() || !type.getElementType().isIntOrFloat())
      continue;
    int64_t rowBytes =
        type.getElementTypeBitWidth() / 8 *
        (type.getNumElements() / std::max<int64_t>(type.getDimSize(0), 1));
    if (type.getDimSize(0) == 0 || rowBytes > kMaxPrivateRowBytes)
      continue;
    FailureOr<RowBufferUses> uses = rowBufferUses(alloc, loop);
    if (failed(uses))
      continue;
    OpBuilder b(loop.getBody(), loop.getBody()->begin());
    Location loc = alloc.getLoc();
    SmallVector<int64_t> rowShape(type.getShape());
    rowShape.front() = 1;
    auto row = memref::AllocaOp::create(
        b, loc, MemRefType::get(rowShape, type.getElementType()),
        alloc.getAlignmentAttr());
    IRMapping map;
    map.map(alloc.getResult(), row.getResult());
    // The views again, of the row (their order keeps sources first).
    for (Operation *view : uses->views) {
      auto oldType = cast<MemRefType>(view->getResult(0).getType());
      SmallVector<int64_t> shape(oldType.getShape());
      shape.front() = 1;
      Operation *copy = b.clone(*view, map);
      copy->getResult(0).setType(
          MemRefType::get(shape, oldType.getElementType()));
      if (auto expand = dyn_cast<memref::ExpandShapeOp>(copy))
        expand.setStaticOutputShape(shape);
    }
    Value zero = arith::ConstantIndexOp::create(b, loc, 0);
    for (Operation *access : uses->accesses) {
      if (auto load = dyn_cast<memref::LoadOp>(access)) {
        load.getMemrefMutable().assign(map.lookup(load.getMemRef()));
        load.getIndicesMutable()[0].assign(zero);
      } else {
        auto store = cast<memref::StoreOp>(access);
        store.getMemrefMutable().assign(map.lookup(store.getMemRef()));
        store.getIndicesMutable()[0].assign(zero);
      }
    }
    for (Operation *extract : uses->pointerChecks) {
      for (Operation *check : llvm::make_early_inc_range(extract->getUsers())) {
        auto cmp = cast<arith::CmpIOp>(check);
        OpBuilder cb(cmp);
        bool notNull = cmp.getPredicate() == arith::CmpIPredicate::ne;
        cmp.replaceAllUsesWith(
            arith::ConstantIntOp::create(cb, cmp.getLoc(), notNull, 1)
                .getResult());
        cmp.erase();
      }
      extract->erase();
    }
    for (Operation *dealloc : uses->deallocs)
      dealloc->erase();
    for (Operation *view : llvm::reverse(uses->views))
      view->erase();
    alloc.erase();
  }
}

struct StoFuseRowLoops
    : public sto::impl::StoFuseRowLoopsBase<StoFuseRowLoops> {
  void runOnOperation() override {
    Operation *module = SymbolTable::getNearestSymbolTable(getOperation());
    SmallVector<Block *> blocks;
    getOperation()->walk([&](Block *block) { blocks.push_back(block); });
    llvm::SetVector<Operation *> fusedLoops;
    for (Block *block : blocks) {
      for (auto it = block->begin(); it != block->end();) {
        auto a = dyn_cast<scf::ParallelOp>(&*it);
        if (!a) {
          ++it;
          continue;
        }
        // The next loop that can join a, past ops that can run before a
        // (constants, views, allocations, other rows' loops, the fill of
        // the reduction's output): they move before a.
        SmallVector<Operation *> between;
        scf::ParallelOp b;
        // a's footprint, once per scan.
        Footprint fa = footprintOf(a);
        const Footprint *known =
            fa.known && writesOwnBuffersOnly(fa, module) ? &fa : nullptr;
        for (Operation *next = a->getNextNode(); next;
             next = next->getNextNode()) {
          auto loop = dyn_cast<scf::ParallelOp>(next);
          if (loop && sameBounds(a, loop) &&
              (hasLaneLoop(a) || hasLaneLoop(loop)) &&
              canFuse(a, loop, module)) {
            b = loop;
            break;
          }
          if (!canMoveBefore(next, known, module))
            break;
          between.push_back(next);
        }
        if (!b) {
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
        fusedLoops.remove(b);
        b.erase();
        fusedLoops.insert(a);
        // Try the moved loops, then a again with the loop after b.
        it =
            between.empty() ? a->getIterator() : between.front()->getIterator();
      }
    }
    for (Operation *loop : fusedLoops)
      privatizeRowBuffers(cast<scf::ParallelOp>(loop));
  }
};

} // namespace
