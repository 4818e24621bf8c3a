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

#include "BufferRoots.h"

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
using sto::isDistinctRoot;
using sto::rootBuffer;

namespace {

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

/// A result of a function that only the C entry point calls (sto-compile's
/// `sto.c_abi`: the tensor results follow the inputs): the C ABI requires a
/// result array overlap no other array of the call, and returns
/// STO_ERROR_INVALID_ARGUMENT before anything runs when one does
/// (docs/Compiling.md, "Buffers").
bool isCAbiResult(Value root, Operation *module) {
  // An argument of an entry function that nothing in `module` calls.
  auto arg = dyn_cast<BlockArgument>(root);
  if (!arg || !isDistinctRoot(root, module))
    return false;
  auto func = cast<func::FuncOp>(arg.getOwner()->getParentOp());
  // One out-parameter per tensor result, after the inputs (scalar results
  // are returned).
  auto abi = func->getAttrOfType<DictionaryAttr>("sto.c_abi");
  auto results = abi ? abi.getAs<ArrayAttr>("results") : ArrayAttr();
  if (!results)
    return false;
  unsigned outParams = llvm::count_if(results, [](Attribute a) {
    auto t = dyn_cast<TypeAttr>(a);
    return t && isa<TensorType>(t.getValue());
  });
  return arg.getArgNumber() + outParams >= func.getNumArguments();
}

/// A buffer allocated here, or a result of the C entry point, whose address
/// never leaves while the function runs: it is only viewed, loaded, stored
/// into, copied, freed and returned. No access through another memref can
/// reach it.
bool isLocalBuffer(Value root, Operation *module) {
  if (!root.getDefiningOp<memref::AllocOp>() &&
      !root.getDefiningOp<memref::AllocaOp>() && !isCAbiResult(root, module))
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

/// What is known of the buffers of one module, each buffer's facts worked
/// out once (the IR changes of this pass keep them true: they only add,
/// move and remove loads and stores).
class BufferFacts {
public:
  explicit BufferFacts(Operation *module) : module(module) {}

  bool isLocal(Value root) {
    auto [it, inserted] = local.try_emplace(root, false);
    if (inserted)
      it->second = isLocalBuffer(root, module);
    return it->second;
  }

  /// Whether two buffers may share memory.
  bool mayAlias(Value a, Value b) {
    if (a == b)
      return true;
    if (isLocal(a) || isLocal(b))
      return false;
    return !(isDistinctRoot(a, module) && isDistinctRoot(b, module));
  }

private:
  Operation *module;
  llvm::DenseMap<Value, bool> local;
};

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

/// A load or store directly in a loop's body.
struct Access {
  Operation *op;
  Value memref;
  ValueRange indices;
};

std::optional<Access> accessOf(Operation &op) {
  if (std::optional<sto::MemRefAccess> a = sto::memrefAccessOf(&op))
    return Access{&op, a->memref, a->indices};
  return std::nullopt;
}

/// The accumulators of one local buffer's `accesses` in `loop`: every
/// access goes through one memref value at loop-invariant indices that are
/// pairwise equal or provably distinct, and each element is read once and
/// then written once. Empty when the buffer's accesses are not all so.
SmallVector<Accumulator> pairUp(scf::ForOp loop, ArrayRef<Access> accesses) {
  SmallVector<Accumulator> pairs;
  SmallVector<bool> used(accesses.size(), false);
  for (size_t i = 0; i < accesses.size(); ++i) {
    const Access &a = accesses[i];
    if (a.memref != accesses[0].memref ||
        !llvm::all_of(a.indices,
                      [&](Value v) { return isInvariantIn(loop, v); }))
      return {};
    if (used[i])
      continue;
    // The first access to an element must be a load, the next and last one
    // a store; any other access must be to a different element.
    auto load = dyn_cast<memref::LoadOp>(a.op);
    memref::StoreOp store;
    for (size_t j = i + 1; j < accesses.size(); ++j) {
      if (sameIndices(a.indices, accesses[j].indices)) {
        if (store || !load || !isa<memref::StoreOp>(accesses[j].op))
          return {};
        store = cast<memref::StoreOp>(accesses[j].op);
        used[j] = true;
      } else if (!provablyDistinct(a.indices, accesses[j].indices)) {
        return {};
      }
    }
    if (!load || !store)
      return {};
    pairs.push_back({load, store});
  }
  return pairs;
}

/// The accumulators of `loop`, over every local buffer it accesses that
/// nothing else in the loop touches (nested loops, views made inside,
/// copies).
SmallVector<Accumulator> findAccumulators(scf::ForOp loop, BufferFacts &facts) {
  llvm::MapVector<Value, SmallVector<Access>> byRoot;
  for (Operation &op : loop.getBody()->without_terminator())
    if (std::optional<Access> a = accessOf(op))
      byRoot[rootBuffer(a->memref)].push_back(*a);
  SmallVector<Accumulator> found;
  for (auto &[root, accesses] : byRoot) {
    if (!facts.isLocal(root))
      continue;
    llvm::SmallPtrSet<Operation *, 16> listed;
    for (const Access &a : accesses)
      listed.insert(a.op);
    if (forEachUser(root, [&](Operation *user, Value) {
          return !loop->isProperAncestor(user) || listed.contains(user);
        }))
      llvm::append_range(found, pairUp(loop, accesses));
  }
  return found;
}

/// A loop that may be unrolled into copies of its body: static bounds, at
/// most `maxUnroll` iterations, not a vector-lane loop.
bool isUnrollable(scf::ForOp f, int64_t maxUnroll) {
  std::optional<APInt> n = f.getStaticTripCount();
  APInt lb, step;
  return n && n->ule(maxUnroll) && !n->isZero() &&
         !f->hasAttr(sto::kVectorLanesAttr) &&
         matchPattern(f.getLowerBound(), m_ConstantInt(&lb)) &&
         matchPattern(f.getStep(), m_ConstantInt(&step));
}

/// Whether unrolling `inner` (a loop directly in `loop`'s body) and the
/// loops nested in it would make one of its stores to a local buffer
/// invariant in `loop`: every loop of the nest unrollable, at most
/// `maxAccumulators` copies of the innermost body in all (a [rows, lanes]
/// block of accumulators: several rows' chains side by side).
bool unrollingExposesAccumulator(scf::ForOp loop, scf::ForOp inner,
                                 int64_t maxUnroll, int64_t maxAccumulators,
                                 BufferFacts &facts) {
  llvm::SmallPtrSet<Value, 4> ivs;
  bool unrollable = true;
  int64_t copies = 1;
  inner.walk([&](scf::ForOp f) {
    if (!isUnrollable(f, maxUnroll) ||
        llvm::MulOverflow(
            copies, int64_t(f.getStaticTripCount()->getZExtValue()), copies))
      unrollable = false;
    ivs.insert(f.getInductionVar());
  });
  if (!unrollable || copies > maxAccumulators)
    return false;
  WalkResult found = inner.walk([&](memref::StoreOp store) {
    if (!facts.isLocal(rootBuffer(store.getMemRef())) ||
        !loop.isDefinedOutsideOfLoop(store.getMemRef()))
      return WalkResult::advance();
    if (llvm::all_of(store.getIndices(), [&](Value v) {
          return ivs.contains(v) || isInvariantIn(loop, v);
        }))
      return WalkResult::interrupt();
    return WalkResult::advance();
  });
  return found.wasInterrupted();
}

/// Replaces `loop` (static bounds) by copies of its body, the induction
/// variable a constant in each (loopUnrollFull leaves `iv + c` additions,
/// which would have to fold before the accumulators show).
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
                         int64_t maxUnroll, int64_t maxAccumulators,
                         BufferFacts &facts) {
  std::optional<APInt> trips = loop.getStaticTripCount();
  // The element is read before the loop and written after it: only when
  // the body surely runs (otherwise the indices may be out of bounds).
  if (!trips || trips->isZero())
    return;
  // Unrolling a nest puts copies of its inner loops in the body: they are
  // unrolled in turn.
  for (bool changed = true; changed;) {
    changed = false;
    SmallVector<scf::ForOp> inner;
    for (Operation &op : loop.getBody()->without_terminator())
      if (auto f = dyn_cast<scf::ForOp>(op))
        if (unrollingExposesAccumulator(loop, f, maxUnroll, maxAccumulators,
                                        facts))
          inner.push_back(f);
    for (scf::ForOp f : inner)
      unrollWithConstants(rewriter, f);
    changed = !inner.empty();
  }

  SmallVector<Accumulator> accs = findAccumulators(loop, facts);
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

/// Loads directly in `loop`'s body at loop-invariant indices from a buffer
/// that nothing in the loop may write move before the loop: the gather
/// index of a row copy (dispatch's source slot, combine's choices) then is
/// a plain value, and LLVM sees the row accesses as contiguous. LLVM cannot
/// hoist them itself once the loop is outlined (every pointer may alias).
void hoistInvariantLoads(scf::ForOp loop, BufferFacts &facts) {
  std::optional<APInt> trips = loop.getStaticTripCount();
  if (!trips || trips->isZero())
    return;
  SmallVector<Value> written;
  bool unknownWrites = false;
  loop.getBody()->walk([&](Operation *op) {
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
        written.push_back(rootBuffer(v));
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
            return facts.mayAlias(rootBuffer(load.getMemRef()), w);
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
    BufferFacts facts(SymbolTable::getNearestSymbolTable(getOperation()));
    // An inner loop that an outer one unrolls was processed before it.
    for (scf::ForOp loop : loops) {
      hoistInvariantLoads(loop, facts);
      promoteAccumulators(rewriter, loop, maxUnroll, maxAccumulators, facts);
    }
  }
};

} // namespace
