//===- PromoteAccumulators.cpp - accumulators in registers, not memory ----===//
//
// A linalg reduction whose reduction dimension is outside a parallel one
// ([rows, chunks, lanes] partial sums, [tiles, rows, lanes] clipped sums)
// becomes loops that load, update and store the accumulator in every
// iteration. LLVM cannot keep it in a register: once the loop nest is
// outlined into an OpenMP region or a GPU kernel, every buffer is a pointer
// of unknown provenance, so the stores may alias the inputs. Here the
// buffers are still memref values with a visible origin: a buffer allocated
// in the function whose address never escapes cannot be touched by any
// access through another buffer, so its loop-invariant elements can travel
// as loop-carried values. The arithmetic and its order are unchanged, so
// are the bits.
//
//===----------------------------------------------------------------------===//

#include "sto/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

namespace mlir {
namespace sto {
#define GEN_PASS_DEF_STOPROMOTEACCUMULATORS
#include "sto/Transforms/Passes.h.inc"
} // namespace sto
} // namespace mlir

using namespace mlir;

namespace {

/// The buffer a memref value views (through subviews, reshapes, casts).
Value rootOf(Value memref) {
  while (auto view = memref.getDefiningOp<ViewLikeOpInterface>())
    memref = view.getViewSource();
  return memref;
}

/// Calls `fn` on every op that uses `root` or a view of it; stops and
/// returns false when `fn` does.
bool forEachUser(Value root, function_ref<bool(Operation *, Value)> fn) {
  SmallVector<Value> work{root};
  while (!work.empty()) {
    Value v = work.pop_back_val();
    for (Operation *user : v.getUsers()) {
      if (!fn(user, v))
        return false;
      if (auto view = dyn_cast<ViewLikeOpInterface>(user))
        if (view.getViewSource() == v)
          work.push_back(view->getResult(0));
    }
  }
  return true;
}

/// A buffer allocated here whose address never leaves while the function
/// runs: it is only viewed, loaded, stored into, copied, freed and
/// returned. No access through another memref can reach it.
bool isLocalBuffer(Value root) {
  if (!root.getDefiningOp<memref::AllocOp>() &&
      !root.getDefiningOp<memref::AllocaOp>())
    return false;
  return forEachUser(root, [](Operation *user, Value v) {
    if (auto view = dyn_cast<ViewLikeOpInterface>(user))
      return view.getViewSource() == v;
    if (auto store = dyn_cast<memref::StoreOp>(user))
      return store.getMemRef() == v;
    return isa<memref::LoadOp, memref::CopyOp, memref::DeallocOp,
               func::ReturnOp>(user);
  });
}

bool isInvariantIn(scf::ForOp loop, Value v) {
  return loop.isDefinedOutsideOfLoop(v) || matchPattern(v, m_Constant());
}

/// Two index lists that name different elements for sure: some position
/// holds two different constants.
bool provablyDistinct(ValueRange a, ValueRange b) {
  for (auto [x, y] : llvm::zip_equal(a, b)) {
    APInt cx, cy;
    if (matchPattern(x, m_ConstantInt(&cx)) &&
        matchPattern(y, m_ConstantInt(&cy)) && cx != cy)
      return true;
  }
  return false;
}

bool sameIndices(ValueRange a, ValueRange b) {
  for (auto [x, y] : llvm::zip_equal(a, b)) {
    APInt cx, cy;
    if (x != y && !(matchPattern(x, m_ConstantInt(&cx)) &&
                    matchPattern(y, m_ConstantInt(&cy)) && cx == cy))
      return false;
  }
  return true;
}

struct Accumulator {
  memref::LoadOp load;
  memref::StoreOp store;
};

/// The accumulators of `loop`: for each local buffer accessed in it, every
/// access must be a load or store directly in the body at loop-invariant,
/// pairwise distinct-or-equal indices, each element read once and then
/// written once.
SmallVector<Accumulator> findAccumulators(scf::ForOp loop) {
  llvm::MapVector<Value, SmallVector<Operation *>> byRoot;
  for (Operation &op : loop.getBody()->without_terminator()) {
    if (auto load = dyn_cast<memref::LoadOp>(op))
      byRoot[rootOf(load.getMemRef())].push_back(&op);
    else if (auto store = dyn_cast<memref::StoreOp>(op))
      byRoot[rootOf(store.getMemRef())].push_back(&op);
  }
  SmallVector<Accumulator> found;
  for (auto &[root, accesses] : byRoot) {
    if (!isLocalBuffer(root))
      continue;
    // Nothing else in the loop may touch the buffer (nested loops, views
    // made inside, copies).
    llvm::SmallPtrSet<Operation *, 16> listed(accesses.begin(), accesses.end());
    bool onlyListed = forEachUser(root, [&](Operation *user, Value) {
      return !loop->isProperAncestor(user) || listed.contains(user);
    });
    if (!onlyListed)
      continue;
    Value memref = isa<memref::LoadOp>(accesses[0])
                       ? cast<memref::LoadOp>(accesses[0]).getMemRef()
                       : cast<memref::StoreOp>(accesses[0]).getMemRef();
    auto indicesOf = [](Operation *op) -> ValueRange {
      if (auto load = dyn_cast<memref::LoadOp>(op))
        return load.getIndices();
      return cast<memref::StoreOp>(op).getIndices();
    };
    auto memrefOf = [](Operation *op) -> Value {
      if (auto load = dyn_cast<memref::LoadOp>(op))
        return load.getMemRef();
      return cast<memref::StoreOp>(op).getMemRef();
    };
    bool ok = true;
    SmallVector<Accumulator> pairs;
    SmallVector<bool> used(accesses.size(), false);
    for (size_t i = 0; ok && i < accesses.size(); ++i) {
      Operation *op = accesses[i];
      if (memrefOf(op) != memref || !llvm::all_of(indicesOf(op), [&](Value v) {
            return isInvariantIn(loop, v);
          })) {
        ok = false;
        break;
      }
      if (used[i])
        continue;
      // The first access to an element must be a load, the next and last
      // one a store; any other access must be to a different element.
      auto load = dyn_cast<memref::LoadOp>(op);
      memref::StoreOp store;
      for (size_t j = i + 1; j < accesses.size(); ++j) {
        if (sameIndices(indicesOf(op), indicesOf(accesses[j]))) {
          if (store || !load || !isa<memref::StoreOp>(accesses[j])) {
            ok = false;
            break;
          }
          store = cast<memref::StoreOp>(accesses[j]);
          used[j] = true;
        } else if (!provablyDistinct(indicesOf(op), indicesOf(accesses[j]))) {
          ok = false;
          break;
        }
      }
      if (ok && (!load || !store))
        ok = false;
      if (ok)
        pairs.push_back({load, store});
    }
    if (ok)
      llvm::append_range(found, pairs);
  }
  return found;
}

/// Whether unrolling `inner` (a loop directly in `loop`'s body) would make
/// one of its accesses to a local buffer invariant in `loop`.
bool unrollingExposesAccumulator(scf::ForOp loop, scf::ForOp inner) {
  for (Operation &op : inner.getBody()->without_terminator()) {
    auto store = dyn_cast<memref::StoreOp>(op);
    if (!store || !isLocalBuffer(rootOf(store.getMemRef())) ||
        !loop.isDefinedOutsideOfLoop(store.getMemRef()))
      continue;
    if (llvm::all_of(store.getIndices(), [&](Value v) {
          return v == inner.getInductionVar() || isInvariantIn(loop, v);
        }))
      return true;
  }
  return false;
}

/// Replaces `loop` (static bounds) by copies of its body, the induction
/// variable a constant in each.
void unrollWithConstants(RewriterBase &rewriter, scf::ForOp loop) {
  APInt lb, step;
  matchPattern(loop.getLowerBound(), m_ConstantInt(&lb));
  matchPattern(loop.getStep(), m_ConstantInt(&step));
  uint64_t trips = loop.getStaticTripCount()->getZExtValue();
  rewriter.setInsertionPoint(loop);
  SmallVector<Value> carried(loop.getInitArgs());
  for (uint64_t i = 0; i < trips; ++i) {
    IRMapping mapping;
    Value iv = arith::ConstantOp::create(
        rewriter, loop.getLoc(), loop.getInductionVar().getType(),
        rewriter.getIntegerAttr(loop.getInductionVar().getType(),
                                lb.getSExtValue() + i * step.getSExtValue()));
    mapping.map(loop.getInductionVar(), iv);
    mapping.map(loop.getRegionIterArgs(), carried);
    for (Operation &op : loop.getBody()->without_terminator())
      rewriter.clone(op, mapping);
    auto yield = cast<scf::YieldOp>(loop.getBody()->getTerminator());
    for (auto [k, v] : llvm::enumerate(yield.getOperands()))
      carried[k] = mapping.lookupOrDefault(v);
  }
  rewriter.replaceOp(loop, carried);
}

void promoteAccumulators(RewriterBase &rewriter, scf::ForOp loop,
                         int64_t maxUnroll) {
  std::optional<APInt> trips = loop.getStaticTripCount();
  // The element is read before the loop and written after it: only when
  // the body surely runs (otherwise the indices may be out of bounds).
  if (!trips || trips->isZero())
    return;
  SmallVector<scf::ForOp> inner;
  for (Operation &op : loop.getBody()->without_terminator())
    if (auto f = dyn_cast<scf::ForOp>(op)) {
      std::optional<APInt> n = f.getStaticTripCount();
      APInt lb, step;
      if (n && n->ule(maxUnroll) && !n->isZero() &&
          matchPattern(f.getLowerBound(), m_ConstantInt(&lb)) &&
          matchPattern(f.getStep(), m_ConstantInt(&step)) &&
          unrollingExposesAccumulator(loop, f))
        inner.push_back(f);
    }
  for (scf::ForOp f : inner)
    unrollWithConstants(rewriter, f);

  SmallVector<Accumulator> accs = findAccumulators(loop);
  if (accs.empty())
    return;
  Location loc = loop.getLoc();
  rewriter.setInsertionPoint(loop);
  SmallVector<Value> inits;
  for (Accumulator &acc : accs) {
    for (Value index : acc.load.getIndices())
      if (!loop.isDefinedOutsideOfLoop(index))
        loop.moveOutOfLoop(index.getDefiningOp());
    inits.push_back(memref::LoadOp::create(rewriter, loc, acc.load.getMemRef(),
                                           acc.load.getIndices()));
  }
  FailureOr<LoopLikeOpInterface> grown = loop.replaceWithAdditionalYields(
      rewriter, inits, /*replaceInitOperandUsesInLoop=*/false,
      [&](OpBuilder &, Location, ArrayRef<BlockArgument>) {
        SmallVector<Value> next;
        for (Accumulator &acc : accs)
          next.push_back(acc.store.getValueToStore());
        return next;
      });
  if (failed(grown))
    return;
  auto newLoop = cast<scf::ForOp>(grown->getOperation());
  unsigned first = newLoop.getNumRegionIterArgs() - accs.size();
  rewriter.setInsertionPointAfter(newLoop);
  for (auto [k, acc] : llvm::enumerate(accs)) {
    rewriter.replaceAllUsesWith(acc.load.getResult(),
                                newLoop.getRegionIterArgs()[first + k]);
    memref::StoreOp::create(rewriter, loc, newLoop.getResult(first + k),
                            acc.store.getMemRef(), acc.store.getIndices());
    rewriter.eraseOp(acc.store);
    rewriter.eraseOp(acc.load);
  }
}

/// A buffer no other memref value may alias: an allocation, or an argument
/// of a function that nothing in the module calls (an entry point, whose C
/// ABI requires that results overlap no other array; inputs may overlap
/// each other but are only read).
bool isDistinctRoot(Value root, Operation *module) {
  if (Operation *def = root.getDefiningOp())
    return isa<memref::AllocOp, memref::AllocaOp>(def);
  auto arg = dyn_cast<BlockArgument>(root);
  auto func =
      arg ? dyn_cast<func::FuncOp>(arg.getOwner()->getParentOp()) : nullptr;
  if (!func || func.isPrivate() || arg.getOwner() != &func.getBody().front())
    return false;
  std::optional<SymbolTable::UseRange> uses =
      SymbolTable::getSymbolUses(func, module);
  return uses && uses->empty();
}

bool mayAlias(Value a, Value b, Operation *module) {
  if (a == b)
    return true;
  if (isLocalBuffer(a) || isLocalBuffer(b))
    return false;
  return !(isDistinctRoot(a, module) && isDistinctRoot(b, module));
}

/// Loads directly in `loop`'s body at loop-invariant indices from a buffer
/// that nothing in the loop may write move before the loop: the gather
/// index of a row copy (dispatch's source slot, combine's choices) then is
/// a plain value, and LLVM sees the row accesses as contiguous. LLVM cannot
/// hoist them itself once the loop is outlined (every pointer may alias).
void hoistInvariantLoads(scf::ForOp loop, Operation *module) {
  std::optional<APInt> trips = loop.getStaticTripCount();
  if (!trips || trips->isZero())
    return;
  SmallVector<Value> written;
  bool unknownWrites = false;
  loop.getBody()->walk([&](Operation *op) {
    if (auto store = dyn_cast<memref::StoreOp>(op)) {
      written.push_back(rootOf(store.getMemRef()));
      return;
    }
    auto effects = dyn_cast<MemoryEffectOpInterface>(op);
    if (!effects) {
      unknownWrites |= !op->hasTrait<OpTrait::HasRecursiveMemoryEffects>();
      return;
    }
    SmallVector<MemoryEffects::EffectInstance> list;
    effects.getEffects(list);
    for (const MemoryEffects::EffectInstance &e : list) {
      if (!isa<MemoryEffects::Write, MemoryEffects::Free>(e.getEffect()))
        continue;
      Value v = e.getValue();
      if (!v || !isa<BaseMemRefType>(v.getType()))
        unknownWrites = true;
      else
        written.push_back(rootOf(v));
    }
  });
  if (unknownWrites)
    return;
  SmallVector<memref::LoadOp> loads;
  for (Operation &op : loop.getBody()->without_terminator())
    if (auto load = dyn_cast<memref::LoadOp>(op))
      if (loop.isDefinedOutsideOfLoop(load.getMemRef()) &&
          llvm::all_of(load.getIndices(),
                       [&](Value v) { return isInvariantIn(loop, v); }) &&
          llvm::none_of(written, [&](Value w) {
            return mayAlias(rootOf(load.getMemRef()), w, module);
          }))
        loads.push_back(load);
  for (memref::LoadOp load : loads) {
    for (Value index : load.getIndices())
      if (!loop.isDefinedOutsideOfLoop(index))
        loop.moveOutOfLoop(index.getDefiningOp());
    loop.moveOutOfLoop(load);
  }
}

struct StoPromoteAccumulators
    : public sto::impl::StoPromoteAccumulatorsBase<StoPromoteAccumulators> {
  using StoPromoteAccumulatorsBase::StoPromoteAccumulatorsBase;
  void runOnOperation() override {
    // Innermost loops first: an accumulator promoted out of an inner loop
    // becomes a load and a store in the outer one, which may promote too.
    SmallVector<scf::ForOp> loops;
    getOperation()->walk<WalkOrder::PostOrder>(
        [&](scf::ForOp loop) { loops.push_back(loop); });
    IRRewriter rewriter(&getContext());
    // An inner loop that an outer one unrolls was processed before it.
    for (scf::ForOp loop : loops) {
      hoistInvariantLoads(loop,
                          SymbolTable::getNearestSymbolTable(getOperation()));
      promoteAccumulators(rewriter, loop, maxUnroll);
    }
  }
};

} // namespace
