//===- VerifyKeys.cpp - key linearity check -------------------------------===//
//
// A `!sto.key` may be consumed once (DESIGN.md section 4). Two consumptions
// of one key would draw the same random stream twice, the bug that
// frameworks with implicit or runtime-checked keys cannot catch before the
// run. This pass finds, for every key value, the uses that can execute in
// one run of the program (not in exclusive branches) and reports any pair of
// them, and any use that repeats because it sits in a loop that does not
// redefine the key.
//
// Three kinds of use are distinguished:
//  - consuming uses (samplers, split, calls, returns, branches, yields): at
//    most one may execute;
//  - replaying uses (ops whose KeyConsumerOpInterface says `replaysKey`, the
//    SPSA ops): any number may share a key, with no consuming use;
//  - `sto.fold_in`: any number may derive from one key as long as their data
//    may differ; fold_in of a loop-invariant datum inside a loop, or of the
//    same datum twice (sameValue), derives the same key twice and is an
//    error. A datum is loop-invariant unless it depends on the loop's block
//    arguments (each induction variable of a loop that has several) or on
//    an op with side effects in the loop (see variesPerIteration).
//
//===----------------------------------------------------------------------===//

#include "sto/Dialect/Sto/StoOps.h"
#include "sto/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/OperationSupport.h"
#include "mlir/Interfaces/ControlFlowInterfaces.h"
#include "mlir/Interfaces/LoopLikeInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Transforms/RegionUtils.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/SmallPtrSet.h"

namespace mlir {
namespace sto {
#define GEN_PASS_DEF_STOVERIFYKEYS
#include "sto/Transforms/Passes.h.inc"
} // namespace sto
} // namespace mlir

using namespace mlir;
using namespace mlir::sto;

namespace {

enum class UseKind { Consume, Replay, FoldIn };

UseKind classify(OpOperand &use) {
  Operation *owner = use.getOwner();
  if (auto consumer = dyn_cast<KeyConsumerOpInterface>(owner))
    if (consumer.getKeyOperand() == use.get()) {
      if (consumer.replaysKey())
        return UseKind::Replay;
      if (isa<FoldInOp>(owner))
        return UseKind::FoldIn;
    }
  return UseKind::Consume;
}

/// Describes a use for diagnostics: `'sto.dropout'`, `'func.return'`.
std::string describe(OpOperand &use) {
  return ("'" + use.getOwner()->getName().getStringRef() + "'").str();
}

/// Whether running region `index` of `op` may run it more than once for one
/// execution of `op`. Ops that do not describe their control flow are assumed
/// to repeat their regions (a linalg.generic body, a gpu.launch, the body of
/// sto.monte_carlo).
bool isRepetitive(Operation *op, unsigned index) {
  if (isa<LoopLikeOpInterface>(op))
    return true;
  if (auto branch = dyn_cast<RegionBranchOpInterface>(op))
    return branch.isRepetitiveRegion(index);
  return true;
}

/// True if control can flow from block `from` to block `to` (through at least
/// one edge) without entering `barrier`, the block that defines the key: a
/// path through it redefines the key, so uses on both sides see different
/// keys.
bool reaches(Block *from, Block *to, Block *barrier) {
  SmallVector<Block *> worklist(from->getSuccessors().begin(),
                                from->getSuccessors().end());
  llvm::SmallPtrSet<Block *, 16> seen;
  while (!worklist.empty()) {
    Block *b = worklist.pop_back_val();
    if (b == barrier)
      continue;
    if (b == to)
      return true;
    if (!seen.insert(b).second)
      continue;
    llvm::append_range(worklist, b->getSuccessors());
  }
  return false;
}

/// Whether `value` may differ from one iteration of a loop to the next.
/// `inLoop` tells whether a block belongs to the repeated code. A value
/// defined outside it is invariant. Inside it, the block arguments of
/// `loop`'s own regions (induction variables, iter_args, ...; with no
/// `loop`, every block argument of the repeated code) and the results of
/// ops that touch memory (a load, a call) may change; a side-effect-free op
/// is a function of its operands and of the values its regions capture, so
/// it varies only if one of those does. So are the block arguments of an op
/// nested in the loop: the inner induction variable of `for i { for j }`
/// with bounds that do not depend on i takes the same values for every i.
/// The induction variables in `invariantIvs` count as invariant: for a loop
/// with several, each is asked about with the others there, since
/// `forall (i, j) { fold_in %k, %i }` repeats its keys for every j.
bool variesPerIteration(Value value, function_ref<bool(Block *)> inLoop,
                        Operation *loop, ArrayRef<Value> invariantIvs = {}) {
  SmallVector<Value> worklist{value};
  llvm::SmallPtrSet<Operation *, 16> visited;
  // Follows what `op` computes from: its operands and captured values.
  auto dependOn = [&](Operation *op) {
    if (!visited.insert(op).second)
      return;
    llvm::append_range(worklist, op->getOperands());
    if (op->getNumRegions() != 0) {
      llvm::SetVector<Value> captured;
      getUsedValuesDefinedAbove(op->getRegions(), captured);
      llvm::append_range(worklist, captured);
    }
  };
  while (!worklist.empty()) {
    Value v = worklist.pop_back_val();
    if (auto arg = dyn_cast<BlockArgument>(v)) {
      if (!inLoop(arg.getOwner()))
        continue;
      Operation *owner = arg.getOwner()->getParentOp();
      if (!loop || owner == loop) {
        if (llvm::is_contained(invariantIvs, v))
          continue;
        return true;
      }
      // An inner induction variable follows its loop's bounds and step
      // only (not the inner loop's iter_args).
      auto inner = dyn_cast<LoopLikeOpInterface>(owner);
      std::optional<SmallVector<Value>> ivs =
          inner ? inner.getLoopInductionVars() : std::nullopt;
      auto lbs = inner ? inner.getLoopLowerBounds() : std::nullopt;
      auto ubs = inner ? inner.getLoopUpperBounds() : std::nullopt;
      auto steps = inner ? inner.getLoopSteps() : std::nullopt;
      if (ivs && lbs && ubs && steps && llvm::is_contained(*ivs, v)) {
        for (auto *bounds : {&*lbs, &*ubs, &*steps})
          for (OpFoldResult b : *bounds)
            if (auto value = dyn_cast<Value>(b))
              worklist.push_back(value);
        continue;
      }
      dependOn(owner);
      continue;
    }
    Operation *def = v.getDefiningOp();
    if (!inLoop(def->getBlock()) || visited.contains(def))
      continue;
    if (!isMemoryEffectFree(def))
      return true;
    dependOn(def);
  }
  return false;
}

class KeyChecker {
public:
  explicit KeyChecker(Operation *root) {
    unsigned n = 0;
    root->walk<WalkOrder::PreOrder>([&](Operation *op) { order[op] = n++; });
  }

  /// Checks one key value; returns failure after reporting an error.
  LogicalResult check(Value key);

private:
  LogicalResult checkRepetition(OpOperand &use, Value key, UseKind kind);
  bool mayBothExecute(OpOperand &a, OpOperand &b, Value key);
  LogicalResult reportPair(OpOperand &first, OpOperand &second, UseKind k1,
                           UseKind k2);

  llvm::DenseMap<Operation *, unsigned> order;
};

Region *definingRegion(Value key) { return key.getParentRegion(); }

Block *definingBlock(Value key) {
  if (auto arg = dyn_cast<BlockArgument>(key))
    return arg.getOwner();
  return key.getDefiningOp()->getBlock();
}

LogicalResult KeyChecker::checkRepetition(OpOperand &use, Value key,
                                          UseKind kind) {
  Region *top = definingRegion(key);
  Block *defBlock = definingBlock(key);
  // Walk from the use up to the key's region. At each level the use repeats
  // if its block lies on a CFG cycle that does not redefine the key, or if
  // the enclosing op may run the region more than once.
  Operation *op = use.getOwner();
  while (true) {
    Region *region = op->getParentRegion();
    Block *barrier = region == top ? defBlock : nullptr;
    Block *block = op->getBlock();
    bool cycle = reaches(block, block, barrier);
    Operation *loop = nullptr;
    if (!cycle && region != top) {
      Operation *parent = region->getParentOp();
      if (isRepetitive(parent, region->getRegionNumber()))
        loop = parent;
    }
    if (cycle || loop) {
      if (kind == UseKind::Replay)
        return success();
      if (kind == UseKind::FoldIn) {
        // fold_in inside the repetition is fine when its datum changes from
        // one repetition to the next. Being defined inside the repetition is
        // not enough (a constant or `%outside + 1` computed in the body is
        // the same in every iteration).
        Value data = cast<FoldInOp>(use.getOwner()).getData();
        bool varies;
        bool severalIvs = false;
        if (loop) {
          // Blocks of the loop's regions and of the regions nested in them.
          auto inLoop = [&](Block *b) {
            return loop->isAncestor(b->getParentOp());
          };
          // A loop with several induction variables repeats a key unless
          // the datum changes with each of them.
          SmallVector<Value> ivs;
          if (auto like = dyn_cast<LoopLikeOpInterface>(loop))
            if (auto all = like.getLoopInductionVars())
              ivs = *all;
          severalIvs = ivs.size() > 1;
          if (severalIvs)
            varies = llvm::all_of(ivs, [&](Value iv) {
              SmallVector<Value> others(ivs);
              llvm::erase(others, iv);
              return variesPerIteration(data, inLoop, loop, others);
            });
          else
            varies = variesPerIteration(data, inLoop, loop);
        } else {
          // Blocks of this region on a cycle through the use's block (and
          // blocks nested in them).
          varies = variesPerIteration(
              data,
              [&](Block *b) {
                Block *inRegion = region->findAncestorBlockInRegion(*b);
                return inRegion && inRegion != barrier &&
                       reaches(block, inRegion, barrier) &&
                       reaches(inRegion, block, barrier);
              },
              /*loop=*/nullptr);
        }
        // A datum that changes here must also change in every enclosing
        // repetition: `for i { for j { fold_in %k, %j } }` repeats its keys
        // for every i.
        if (varies) {
          if (region == top)
            return success();
          op = region->getParentOp();
          continue;
        }
        InFlightDiagnostic diag =
            severalIvs
                ? use.getOwner()->emitError()
                      << "RNG key is folded with a value that does not "
                         "change with every induction variable of the loop, "
                         "so iterations that differ only in the others "
                         "derive the same key; fold in a value computed from "
                         "all of them (such as the linear index)"
                : use.getOwner()->emitError()
                      << "RNG key is folded with a value that does not "
                         "change across iterations, so every iteration "
                         "derives the same key; fold in the induction "
                         "variable or a value computed from it";
        if (loop)
          diag.attachNote(loop->getLoc()) << "the loop is here";
        return diag;
      }
      InFlightDiagnostic diag =
          use.getOwner()->emitError()
          << "RNG key is consumed by " << describe(use)
          << " in every iteration of a loop that does not redefine it; pass "
             "a fresh key per iteration (sto.split it into an iter_arg, or "
             "sto.fold_in the induction variable)";
      if (loop)
        diag.attachNote(loop->getLoc())
            << "the key is defined outside this '" << loop->getName()
            << "', whose body may run more than once";
      else
        diag.attachNote(key.getLoc()) << "the key is defined here";
      return diag;
    }
    if (region == top)
      return success();
    op = region->getParentOp();
  }
}

bool KeyChecker::mayBothExecute(OpOperand &a, OpOperand &b, Value key) {
  Operation *oa = a.getOwner(), *ob = b.getOwner();
  if (oa == ob) {
    // A branch forwards each successor's operands only when it takes that
    // successor: `cf.cond_br %c, ^a(%k), ^b(%k)` consumes %k once.
    if (auto branch = dyn_cast<BranchOpInterface>(oa)) {
      auto successorOf = [&](OpOperand &use) -> int {
        for (unsigned i = 0, e = oa->getNumSuccessors(); i < e; ++i) {
          OperandRange fwd =
              branch.getSuccessorOperands(i).getForwardedOperands();
          if (fwd.empty())
            continue;
          unsigned begin = fwd.getBeginOperandIndex();
          unsigned idx = use.getOperandNumber();
          if (idx >= begin && idx < begin + fwd.size())
            return i;
        }
        return -1;
      };
      int sa = successorOf(a), sb = successorOf(b);
      if (sa >= 0 && sb >= 0 && sa != sb)
        return false;
    }
    return true;
  }
  if (insideMutuallyExclusiveRegions(oa, ob))
    return false;
  // Find the innermost region holding both uses; if their ancestors there sit
  // in different blocks, both run only if one block can reach the other.
  llvm::SmallPtrSet<Region *, 8> regionsOfA;
  for (Region *r = oa->getParentRegion(); r; r = r->getParentRegion())
    regionsOfA.insert(r);
  Region *common = ob->getParentRegion();
  while (common && !regionsOfA.contains(common))
    common = common->getParentRegion();
  if (!common)
    return true;
  Operation *ancA = common->findAncestorOpInRegion(*oa);
  Operation *ancB = common->findAncestorOpInRegion(*ob);
  if (!ancA || !ancB || ancA->getBlock() == ancB->getBlock())
    return true;
  Block *barrier = common == definingRegion(key) ? definingBlock(key) : nullptr;
  // Where a use happens: in its block, or, for an operand a branch forwards
  // to a successor, on that edge (after the branch's block, before the
  // successor). `cf.cond_br %c, ^a, ^b(%k)` with %k used in ^a consumes it
  // once on either path.
  struct Place {
    Block *before, *after;
  };
  auto placeOf = [](OpOperand &use, Operation *anc) {
    Place place{anc->getBlock(), anc->getBlock()};
    if (anc != use.getOwner())
      return place;
    if (auto branch = dyn_cast<BranchOpInterface>(anc))
      for (unsigned i = 0, e = anc->getNumSuccessors(); i < e; ++i) {
        OperandRange fwd =
            branch.getSuccessorOperands(i).getForwardedOperands();
        unsigned idx = use.getOperandNumber();
        if (!fwd.empty() && idx >= fwd.getBeginOperandIndex() &&
            idx < fwd.getBeginOperandIndex() + fwd.size())
          place.after = anc->getSuccessor(i);
      }
    return place;
  };
  Place pa = placeOf(a, ancA), pb = placeOf(b, ancB);
  auto reachesOrIs = [&](Block *from, Block *to) {
    return from == to || reaches(from, to, barrier);
  };
  return reachesOrIs(pa.after, pb.before) || reachesOrIs(pb.after, pa.before);
}

LogicalResult KeyChecker::reportPair(OpOperand &first, OpOperand &second,
                                     UseKind k1, UseKind k2) {
  InFlightDiagnostic diag = second.getOwner()->emitError();
  if (k1 == UseKind::FoldIn && k2 == UseKind::FoldIn)
    diag << "RNG key is folded with the same value twice, which derives "
            "the same key twice";
  else if (k1 == UseKind::Replay || k2 == UseKind::Replay)
    diag << "RNG key is consumed by " << describe(second) << " and by "
         << describe(first)
         << "; only ops that replay a key on purpose (sto.spsa_perturb, "
            "sto.spsa_update) may share one";
  else
    diag << "RNG key is consumed twice (by " << describe(first) << " and by "
         << describe(second)
         << "); a key may be used once: derive more keys with sto.split or "
            "sto.fold_in";
  diag.attachNote(first.getOwner()->getLoc()) << "first use of the key";
  return diag;
}

/// Whether `a` and `b` are provably the same 64-bit value: the same value,
/// equal constants, index_cast between index and i64 (both 64-bit), or the
/// results of two equal side-effect-free ops of equal operands (`%d + 1`
/// computed twice: CSE merges them, and the frontend's own output then
/// failed this check).
bool sameValue(Value a, Value b, unsigned depth = 0) {
  auto strip = [](Value v) {
    while (auto cast = v.getDefiningOp<arith::IndexCastOp>())
      v = cast.getIn();
    return v;
  };
  a = strip(a);
  b = strip(b);
  if (a == b)
    return true;
  APInt ca, cb;
  if (matchPattern(a, m_ConstantInt(&ca)) &&
      matchPattern(b, m_ConstantInt(&cb)))
    return ca.getSExtValue() == cb.getSExtValue();
  Operation *da = a.getDefiningOp(), *db = b.getDefiningOp();
  if (depth >= 8 || !da || !db || da->getNumRegions() || db->getNumRegions() ||
      !isPure(da) || !isPure(db) ||
      cast<OpResult>(a).getResultNumber() !=
          cast<OpResult>(b).getResultNumber())
    return false;
  return OperationEquivalence::isEquivalentTo(
      da, db,
      [&](Value x, Value y) { return success(sameValue(x, y, depth + 1)); },
      /*markEquivalent=*/nullptr, OperationEquivalence::IgnoreLocations);
}

/// Whether two fold_in ops may fold different data into the key.
bool mayDiffer(FoldInOp a, FoldInOp b) {
  return !sameValue(a.getData(), b.getData());
}

LogicalResult KeyChecker::check(Value key) {
  SmallVector<OpOperand *> uses;
  for (OpOperand &use : key.getUses())
    uses.push_back(&use);
  llvm::sort(uses, [&](OpOperand *a, OpOperand *b) {
    unsigned oa = order.lookup(a->getOwner()), ob = order.lookup(b->getOwner());
    return oa != ob ? oa < ob : a->getOperandNumber() < b->getOperandNumber();
  });
  for (OpOperand *use : uses)
    if (failed(checkRepetition(*use, key, classify(*use))))
      return failure();
  for (size_t i = 0; i < uses.size(); ++i) {
    for (size_t j = i + 1; j < uses.size(); ++j) {
      UseKind ki = classify(*uses[i]), kj = classify(*uses[j]);
      if (ki == UseKind::Replay && kj == UseKind::Replay)
        continue;
      if (ki == UseKind::FoldIn && kj == UseKind::FoldIn &&
          mayDiffer(cast<FoldInOp>(uses[i]->getOwner()),
                    cast<FoldInOp>(uses[j]->getOwner())))
        continue;
      if (!mayBothExecute(*uses[i], *uses[j], key))
        continue;
      return reportPair(*uses[i], *uses[j], ki, kj);
    }
  }
  return success();
}

struct StoVerifyKeys : public sto::impl::StoVerifyKeysBase<StoVerifyKeys> {
  void runOnOperation() override {
    Operation *root = getOperation();
    KeyChecker checker(root);
    bool failedAny = false;
    auto checkValue = [&](Value v) {
      if (isa<KeyType>(v.getType()) && failed(checker.check(v)))
        failedAny = true;
      // The check follows keys as SSA values: one taken out of a tensor
      // twice would be two uses it cannot see.
      if (auto shaped = dyn_cast<ShapedType>(v.getType());
          shaped && isa<KeyType>(shaped.getElementType())) {
        emitError(v.getLoc())
            << "RNG keys cannot be elements of " << v.getType()
            << ": the key check follows keys as values; pass "
               "them one by one, or sto.split a key where they "
               "are needed";
        failedAny = true;
      }
    };
    root->walk<WalkOrder::PreOrder>([&](Operation *op) {
      for (Region &region : op->getRegions())
        for (Block &block : region)
          for (BlockArgument arg : block.getArguments())
            checkValue(arg);
      for (Value result : op->getResults())
        checkValue(result);
    });
    if (failedAny)
      signalPassFailure();
    markAllAnalysesPreserved();
  }
};

} // namespace
