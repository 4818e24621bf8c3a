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
//    Data that differ as values may still coincide: `fold_in(k, i)` and
//    `fold_in(k, i + 1)` in one loop, or `fold_in(k, i)` in two loops. Data
//    that are affine in the induction variables of counted loops (with
//    quotients by constants: `i / 4`, `i % 2`, narrow wrapping) are
//    modelled as sets of integers (FoldModel) and two fold_ins whose sets
//    provably share a value are an error; so is one whose datum takes a
//    value twice in a loop nest (`i + j`, `i % 2`). Undecided cases are
//    accepted.
//
//===----------------------------------------------------------------------===//

#include "sto/Dialect/Sto/StoOps.h"
#include "sto/Transforms/Passes.h"

#include "mlir/Analysis/Presburger/IntegerRelation.h"
#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/OperationSupport.h"
#include "mlir/Interfaces/ControlFlowInterfaces.h"
#include "mlir/Interfaces/LoopLikeInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ValueBoundsOpInterface.h"
#include "mlir/Transforms/RegionUtils.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DynamicAPInt.h"
#include "llvm/ADT/MapVector.h"
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
                        Operation *loop, ArrayRef<Value> invariantIvs = {},
                        ArrayRef<int64_t> invariantDims = {}) {
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
    // linalg.index is an induction variable of its linalg op's loops: it
    // varies in them (but for a dimension in `invariantDims`, asked about
    // as `invariantIvs` are); in an outer loop it follows the op's sizes,
    // like an inner induction variable its bounds.
    if (auto index = dyn_cast<linalg::IndexOp>(def)) {
      Operation *owner = index->getParentOfType<linalg::LinalgOp>();
      if (owner && owner == loop &&
          llvm::is_contained(invariantDims, int64_t(index.getDim()))) {
        visited.insert(def);
        continue;
      }
      if (!owner || !loop || owner == loop)
        return true;
      visited.insert(def);
      llvm::append_range(worklist, owner->getOperands());
      continue;
    }
    if (!isMemoryEffectFree(def))
      return true;
    dependOn(def);
  }
  return false;
}

struct FoldModel;
struct Coincidence;

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
  LogicalResult reportRepeat(OpOperand &use, const FoldModel &model,
                             const Coincidence &c);
  LogicalResult reportCoincidence(OpOperand &first, OpOperand &second,
                                  const FoldModel &firstModel,
                                  const FoldModel &secondModel,
                                  const Coincidence &c);

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
          // A linalg op's loops: each of its dimensions (linalg.index).
          auto linalgOp = dyn_cast<linalg::LinalgOp>(loop);
          int64_t dims = linalgOp ? linalgOp.getNumLoops() : 0;
          severalIvs = ivs.size() > 1 || dims > 1;
          if (ivs.size() > 1)
            varies = llvm::all_of(ivs, [&](Value iv) {
              SmallVector<Value> others(ivs);
              llvm::erase(others, iv);
              return variesPerIteration(data, inLoop, loop, others);
            });
          else if (dims > 1)
            varies = llvm::all_of(llvm::seq<int64_t>(0, dims), [&](int64_t d) {
              SmallVector<int64_t> others;
              for (int64_t o = 0; o < dims; ++o)
                if (o != d)
                  others.push_back(o);
              return variesPerIteration(data, inLoop, loop, {}, others);
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
/// equal constants, index_cast between index and i64 (both 64-bit) or from
/// a narrower integer (a sign extension), or the results of two equal
/// side-effect-free ops of equal operands (`%d + 1` computed twice: CSE
/// merges them, and the frontend's own output then failed this check).
bool sameValue(Value a, Value b, unsigned depth = 0) {
  // An index_cast to a narrower type truncates: `%i` and the index_cast
  // back of `index_cast %i : index to i32` differ from 2^31 on, so only
  // casts that keep the signed value are looked through.
  auto width = [](Type t) {
    t = getElementTypeOrSelf(t); // index_cast also casts vectors
    return t.isIndex() ? 64u : t.getIntOrFloatBitWidth();
  };
  auto strip = [&](Value v) {
    while (auto cast = v.getDefiningOp<arith::IndexCastOp>()) {
      if (width(cast.getType()) < width(cast.getIn().getType()))
        break;
      v = cast.getIn();
    }
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

//===----------------------------------------------------------------------===//
// fold_in data as sets of integers
//===----------------------------------------------------------------------===//
//
// Two fold_ins of one key whose data differ as values may still fold in the
// same integer: `fold_in(k, i)` and `fold_in(k, i + 1)` in one loop,
// `fold_in(k, i)` in two loops, `fold_in(k, 0)` next to a loop over i from 0.
// A datum that is affine in the induction variables of the counted loops
// around its fold_in (and in values that do not change in them) takes the
// values of an integer lattice; two such sets are compared with presburger
// and an integer point they share is an error. The symbols (values from
// outside the loops) must cancel from the difference of the two data, so a
// collision does not depend on data the check cannot see (`fold_in(k, i)`
// and `fold_in(k, %rank)` are accepted); in loop bounds they are free, as
// the rest of this pass assumes a loop may run as often as its bounds allow.
// What ValueBounds proves about index values (`affine.min(%n, 4) <= 4`, a
// constant difference of two bounds) is added.

using llvm::DynamicAPInt;

std::string str(const DynamicAPInt &v) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << v;
  return s;
}

/// `constant + sum(coefficient * value) + sum(coefficient * quotient)` over
/// the integers, where a quotient is floor(numerator / divisor) of a
/// `Quotient` of the model. For a 64-bit value the program computes it
/// modulo 2^64, so values equal here are equal there; a narrower value
/// (see Linearizer) is its exact signed value.
struct ValueAffine {
  DynamicAPInt constant{0};
  llvm::MapVector<Value, DynamicAPInt> terms;
  llvm::MapVector<unsigned, DynamicAPInt> quotients;

  void add(const ValueAffine &other, const DynamicAPInt &factor) {
    constant += factor * other.constant;
    for (const auto &[value, coefficient] : other.terms)
      terms[value] += factor * coefficient;
    for (const auto &[index, coefficient] : other.quotients)
      quotients[index] += factor * coefficient;
    terms.remove_if([](const auto &term) { return term.second == 0; });
    quotients.remove_if([](const auto &term) { return term.second == 0; });
  }
  bool isConstant() const { return terms.empty() && quotients.empty(); }
};

/// floor(numerator / divisor), divisor > 0: what integer division and
/// remainder by a constant, right shifts, low-bit masks and the wrapping of
/// narrow integers compute. The program's operand equals `numerator` only
/// within [min, max] (a signed division truncates, so it is floor only for
/// a numerator >= 0); outside, the model has no point, so a coincidence it
/// finds is one the program has, and it may miss some.
struct Quotient {
  ValueAffine numerator;
  DynamicAPInt divisor;
  std::optional<DynamicAPInt> min, max;
};

/// The magnitude (in bits) up to which a quotient's operand is modelled.
constexpr unsigned kRangeBits = 40;

DynamicAPInt pow2(unsigned n) {
  DynamicAPInt result(1);
  for (unsigned i = 0; i < n; ++i)
    result *= 2;
  return result;
}

/// Splits values along constants, addi, subi, muli by a constant, shli,
/// extensions, truncations and index_cast; divsi, divui, floordivsi,
/// ceildivsi, remsi, remui, shrsi, shrui by constants and andi with a mask
/// of low bits become quotients. Anything else is a term of its own. A term
/// narrower than 64 bits stands for its signed value (an i32 induction
/// variable, a function argument); arithmetic in a narrow type wraps, which
/// a quotient models where the value is used (`exact`).
class Linearizer {
public:
  explicit Linearizer(SmallVectorImpl<Quotient> &quotients)
      : quotients(quotients) {}

  /// The value of `v`: its signed value for a type narrower than 64 bits,
  /// an integer equal to it modulo 2^64 otherwise.
  ValueAffine exact(Value v, unsigned depth = 0) {
    unsigned width = widthOf(v.getType());
    ValueAffine r = congruent(v, depth);
    if (width >= 64)
      return reduced64(std::move(r));
    return signedRepresentative(r, width);
  }

  /// An integer equal to `v` modulo 2^width(v).
  ValueAffine congruent(Value v, unsigned depth = 0) {
    ValueAffine result;
    APInt c;
    if (matchPattern(v, m_ConstantInt(&c)) && c.getBitWidth() <= 64) {
      result.constant = DynamicAPInt(c.getSExtValue());
      return result;
    }
    Operation *def = v.getDefiningOp();
    if (!def || depth >= 16 || !v.getType().isSignlessIntOrIndex()) {
      result.terms[v] = DynamicAPInt(1);
      return result;
    }
    ++depth;
    Value x = def->getNumOperands() ? def->getOperand(0) : Value();
    unsigned width = widthOf(v.getType());
    if (isa<arith::IndexCastOp, arith::IndexCastUIOp, arith::ExtSIOp,
            arith::ExtUIOp, arith::TruncIOp>(def)) {
      unsigned from = widthOf(x.getType());
      if (from >= width) // truncation or a cast between 64-bit types
        return congruent(x, depth);
      if (isa<arith::IndexCastOp, arith::ExtSIOp>(def))
        return exact(x, depth);
      // Zero extension: the operand modulo 2^from.
      ValueAffine operand = congruent(x, depth);
      return minusMultiple(operand, quotient(operand, pow2(from), {}, {}),
                           pow2(from));
    }
    if (isa<arith::AddIOp, arith::SubIOp>(def)) {
      result = congruent(x, depth);
      result.add(congruent(def->getOperand(1), depth),
                 DynamicAPInt(isa<arith::AddIOp>(def) ? 1 : -1));
      return result;
    }
    std::optional<int64_t> rhs = constantOperand(def, 1);
    if (isa<arith::MulIOp>(def)) {
      ValueAffine lhs = congruent(x, depth);
      ValueAffine other = congruent(def->getOperand(1), depth);
      if (lhs.isConstant() || other.isConstant()) {
        if (lhs.isConstant())
          std::swap(lhs, other);
        result.add(lhs, other.constant);
        return result;
      }
    }
    if (isa<arith::ShLIOp>(def) && rhs && *rhs >= 0 && *rhs < width) {
      result.add(congruent(x, depth), pow2(*rhs));
      return result;
    }
    // Ranges where the operand's congruent integer is its value: signed,
    // non-negative signed (truncation is floor), unsigned. Capped at 2^40:
    // a smaller range only leaves out points (what is found is still real),
    // and bounds near 2^63 made the solver's coefficients grow for minutes.
    DynamicAPInt half = pow2(std::min(width - 1, kRangeBits));
    std::pair<DynamicAPInt, DynamicAPInt> signedRange{-half, half - 1},
        nonNegative{DynamicAPInt(0), half - 1},
        unsignedRange{DynamicAPInt(0), pow2(std::min(width, kRangeBits)) - 1};
    if (rhs && *rhs > 0 &&
        isa<arith::DivSIOp, arith::DivUIOp, arith::FloorDivSIOp,
            arith::CeilDivSIOp, arith::RemSIOp, arith::RemUIOp>(def)) {
      DynamicAPInt divisor(*rhs);
      ValueAffine operand = congruent(x, depth);
      auto range = isa<arith::DivUIOp, arith::RemUIOp>(def)   ? unsignedRange
                   : isa<arith::DivSIOp, arith::RemSIOp>(def) ? nonNegative
                                                              : signedRange;
      ValueAffine numerator = operand;
      if (isa<arith::CeilDivSIOp>(def)) {
        // ceil(x / d) = floor((x + d - 1) / d).
        numerator.constant += divisor - 1;
        range.first += divisor - 1;
        range.second += divisor - 1;
      }
      unsigned q = quotient(numerator, divisor, range.first, range.second);
      if (isa<arith::RemSIOp, arith::RemUIOp>(def))
        return minusMultiple(operand, q, divisor);
      result.quotients[q] = DynamicAPInt(1);
      return result;
    }
    if (isa<arith::ShRSIOp, arith::ShRUIOp>(def) && rhs && *rhs >= 0 &&
        *rhs < std::min(width, kRangeBits)) {
      auto range = isa<arith::ShRSIOp>(def) ? signedRange : unsignedRange;
      result.quotients[quotient(congruent(x, depth), pow2(*rhs), range.first,
                                range.second)] = DynamicAPInt(1);
      return result;
    }
    // x & (2^k - 1) is x modulo 2^k for any representative of x.
    APInt mask;
    if (isa<arith::AndIOp>(def) &&
        matchPattern(def->getOperand(1), m_ConstantInt(&mask)) &&
        mask.isMask()) {
      unsigned k = mask.countr_one();
      if (k >= width)
        return congruent(x, depth);
      ValueAffine operand = congruent(x, depth);
      return minusMultiple(operand, quotient(operand, pow2(k), {}, {}),
                           pow2(k));
    }
    if (auto apply = dyn_cast<affine::AffineApplyOp>(def))
      if (std::optional<ValueAffine> r = affineExpr(
              apply.getAffineMap().getResult(0), apply.getMapOperands(),
              apply.getAffineMap().getNumDims(), depth))
        return *r;
    result.terms[v] = DynamicAPInt(1);
    return result;
  }

  /// The signed value of a loop bound, which the loop compares. A 64-bit
  /// bound computed from constants and the induction variables `ivs` only
  /// is exact too (`INT64_MAX + 1` is INT64_MIN: the loop runs no
  /// iteration, not 2^63); one computed from values from outside the loops
  /// is taken not to wrap, as elsewhere in this check (`for j = %n + 1 to
  /// %n + %m + 1` does not meet `for i < %n`).
  std::optional<ValueAffine> bound(OpFoldResult ofr,
                                   const llvm::SmallPtrSetImpl<Value> &ivs) {
    if (auto v = dyn_cast<Value>(ofr)) {
      unsigned width = widthOf(v.getType());
      ValueAffine r = congruent(v);
      if (width >= 64 && !onlyTerms(r, ivs))
        return r;
      return signedRepresentative(r, width);
    }
    std::optional<int64_t> c = getConstantIntValue(ofr);
    if (!c)
      return std::nullopt;
    ValueAffine result;
    result.constant = DynamicAPInt(*c);
    return result;
  }

private:
  /// An affine.apply's expression: sums, products by constants, floordiv,
  /// ceildiv and mod by positive constants (floor semantics on the index
  /// operands' signed values).
  std::optional<ValueAffine> affineExpr(AffineExpr e, ValueRange operands,
                                        unsigned numDims, unsigned depth) {
    ValueAffine result;
    if (auto c = dyn_cast<AffineConstantExpr>(e)) {
      result.constant = DynamicAPInt(c.getValue());
      return result;
    }
    if (auto d = dyn_cast<AffineDimExpr>(e))
      return congruent(operands[d.getPosition()], depth);
    if (auto s = dyn_cast<AffineSymbolExpr>(e))
      return congruent(operands[numDims + s.getPosition()], depth);
    auto bin = cast<AffineBinaryOpExpr>(e);
    std::optional<ValueAffine> lhs =
        affineExpr(bin.getLHS(), operands, numDims, depth);
    std::optional<ValueAffine> rhs =
        affineExpr(bin.getRHS(), operands, numDims, depth);
    if (!lhs || !rhs)
      return std::nullopt;
    if (e.getKind() == AffineExprKind::Add) {
      result = *lhs;
      result.add(*rhs, DynamicAPInt(1));
      return result;
    }
    if (e.getKind() == AffineExprKind::Mul) {
      if (lhs->isConstant())
        std::swap(lhs, rhs);
      if (!rhs->isConstant())
        return std::nullopt;
      result.add(*lhs, rhs->constant);
      return result;
    }
    // floordiv, ceildiv, mod: the right side is a positive constant.
    if (!rhs->isConstant() || rhs->constant <= 0)
      return std::nullopt;
    DynamicAPInt divisor = rhs->constant, half = pow2(kRangeBits);
    ValueAffine numerator = *lhs;
    DynamicAPInt shift(0);
    if (e.getKind() == AffineExprKind::CeilDiv)
      shift = divisor - 1;
    numerator.constant += shift;
    unsigned q = quotient(numerator, divisor, -half + shift, half - 1 + shift);
    if (e.getKind() == AffineExprKind::Mod)
      return minusMultiple(*lhs, q, divisor);
    result.quotients[q] = DynamicAPInt(1);
    return result;
  }

  static unsigned widthOf(Type type) {
    return type.isIndex() ? 64 : type.getIntOrFloatBitWidth();
  }

  static std::optional<int64_t> constantOperand(Operation *op, unsigned i) {
    APInt c;
    if (op->getNumOperands() <= i ||
        !matchPattern(op->getOperand(i), m_ConstantInt(&c)) ||
        c.getBitWidth() > 64)
      return std::nullopt;
    return c.getSExtValue();
  }

  /// Whether the terms of `r` and of its quotients are in `ivs`.
  bool onlyTerms(const ValueAffine &r,
                 const llvm::SmallPtrSetImpl<Value> &ivs) {
    return llvm::all_of(
               r.terms,
               [&](const auto &term) { return ivs.contains(term.first); }) &&
           llvm::all_of(r.quotients, [&](const auto &term) {
             return onlyTerms(quotients[term.first].numerator, ivs);
           });
  }

  /// `r` with its constant and coefficients taken modulo 2^64 into
  /// [-2^63, 2^63): still congruent to the 64-bit value, and equal to it
  /// where only constants wrapped (`0` and `INT64_MIN + INT64_MIN`, `%n` and
  /// `(%n + INT64_MIN) + INT64_MIN`, which derived one key twice). A wrap
  /// that depends on the iteration (`i << 63`) is not modelled.
  static ValueAffine reduced64(ValueAffine r) {
    DynamicAPInt modulus = pow2(64), half = pow2(63);
    auto reduce = [&](DynamicAPInt &c) {
      if (c >= -half && c < half)
        return;
      c = mod(c + half, modulus) - half;
    };
    reduce(r.constant);
    for (auto &term : r.terms)
      reduce(term.second);
    for (auto &term : r.quotients)
      reduce(term.second);
    r.terms.remove_if([](const auto &term) { return term.second == 0; });
    r.quotients.remove_if([](const auto &term) { return term.second == 0; });
    return r;
  }

  /// The signed value of a `width`-bit value congruent to `r`:
  /// r - 2^w * floor((r + 2^(w-1)) / 2^w).
  ValueAffine signedRepresentative(const ValueAffine &r, unsigned width) {
    if (isSignedValue(r, width))
      return r;
    ValueAffine numerator = r;
    numerator.constant += pow2(width - 1);
    return minusMultiple(r, quotient(numerator, pow2(width), {}, {}),
                         pow2(width));
  }

  /// Whether `r` is already the signed value of a `width`-bit value: a
  /// term no wider (a symbol or an induction variable), or a constant in
  /// range.
  static bool isSignedValue(const ValueAffine &r, unsigned width) {
    if (!r.quotients.empty())
      return false;
    if (r.terms.empty())
      return r.constant >= -pow2(width - 1) && r.constant < pow2(width - 1);
    return r.terms.size() == 1 && r.constant == 0 &&
           r.terms.front().second == 1 &&
           widthOf(r.terms.front().first.getType()) <= width;
  }

  unsigned quotient(ValueAffine numerator, DynamicAPInt divisor,
                    std::optional<DynamicAPInt> min,
                    std::optional<DynamicAPInt> max) {
    quotients.push_back({std::move(numerator), divisor, min, max});
    return quotients.size() - 1;
  }

  /// `a - factor * quotient q`.
  static ValueAffine minusMultiple(ValueAffine a, unsigned q,
                                   const DynamicAPInt &factor) {
    a.quotients[q] -= factor;
    a.quotients.remove_if([](const auto &term) { return term.second == 0; });
    return a;
  }

  SmallVectorImpl<Quotient> &quotients;
};

/// A constant upper bound on `ub - lb` (index values) that ValueBounds
/// proves.
std::optional<int64_t> boundRange(OpFoldResult lb, OpFoldResult ub,
                                  MLIRContext *ctx) {
  for (OpFoldResult b : {lb, ub})
    if (auto v = dyn_cast<Value>(b); v && !v.getType().isIndex())
      return std::nullopt;
  using Variable = ValueBoundsConstraintSet::Variable;
  AffineMap diff =
      AffineMap::get(2, 0, getAffineDimExpr(0, ctx) - getAffineDimExpr(1, ctx));
  FailureOr<int64_t> bound = ValueBoundsConstraintSet::computeConstantBound(
      presburger::BoundType::UB, Variable(diff, {Variable(ub), Variable(lb)}),
      /*stopCondition=*/nullptr, /*closedUB=*/true);
  if (failed(bound))
    return std::nullopt;
  return *bound;
}

/// An induction variable of a counted loop around a fold_in: it takes the
/// values lb, lb + step, ... below ub.
struct LoopDim {
  Value iv;
  Operation *loop;
  int64_t step;
  ValueAffine lb, ub;
  std::optional<int64_t> maxRange; // ub - lb <= maxRange (ValueBounds)
};

/// The data a fold_in folds into one key: `datum`, affine in the induction
/// variables of `dims` (the loops between the key and the fold_in, outermost
/// first; the fold_in runs in each of their iterations) and in values that
/// do not change inside them.
struct FoldModel {
  ValueAffine datum;
  SmallVector<LoopDim> dims;
  SmallVector<Quotient, 0> quotients; // of datum and bounds, operands first
  /// Whether a quotient of the datum divides a value from outside the loops
  /// (`%rank / 16`, `(i + %n) floordiv 4`): its value depends on that
  /// value, which the check cannot see, as `fold_in(k, %rank)` does. The
  /// symbols of a datum must cancel, and a quotient hides them from the
  /// difference of two data, so such a datum is not compared (the symbols
  /// of loop bounds stay free: `i / 4` in `for i < %n` repeats).
  bool symbolInQuotient = false;
};

/// Whether a quotient in `a` (or in the numerator of one) has a term other
/// than the induction variables `ivs`.
bool hasSymbolInQuotient(const ValueAffine &a, ArrayRef<Quotient> quotients,
                         const llvm::SmallPtrSetImpl<Value> &ivs,
                         bool inQuotient = false) {
  if (inQuotient && llvm::any_of(a.terms, [&](const auto &term) {
        return !ivs.contains(term.first);
      }))
    return true;
  return llvm::any_of(a.quotients, [&](const auto &term) {
    return hasSymbolInQuotient(quotients[term.first].numerator, quotients, ivs,
                               /*inQuotient=*/true);
  });
}

/// The model of `op`'s datum, or none if its repetitions are not counted
/// loops (scf.while, CFG cycles, linalg bodies), it runs only in some
/// iterations, or its datum or bounds are not affine in their induction
/// variables.
std::optional<FoldModel> buildModel(FoldInOp op, Value key) {
  Region *top = definingRegion(key);
  Block *defBlock = definingBlock(key);
  SmallVector<Operation *> loops; // innermost first
  // Ops with regions between the key and the fold_in that do not repeat
  // them, with the number of loops inside each.
  SmallVector<std::pair<Operation *, size_t>> guards;
  for (Operation *cur = op;;) {
    Region *region = cur->getParentRegion();
    Block *barrier = region == top ? defBlock : nullptr;
    if (reaches(cur->getBlock(), cur->getBlock(), barrier))
      return std::nullopt;
    if (region == top)
      break;
    Operation *parent = region->getParentOp();
    if (isRepetitive(parent, region->getRegionNumber())) {
      if (!isa<scf::ForOp, scf::ForallOp, scf::ParallelOp, affine::AffineForOp>(
              parent) ||
          !region->hasOneBlock())
        return std::nullopt;
      loops.push_back(parent);
    } else {
      guards.push_back({parent, loops.size()});
    }
    cur = parent;
  }
  FoldModel model;
  Linearizer linearizer(model.quotients);
  if (loops.empty()) {
    model.datum = linearizer.exact(op.getData());
    llvm::SmallPtrSet<Value, 1> noIvs;
    model.symbolInQuotient =
        hasSymbolInQuotient(model.datum, model.quotients, noIvs);
    return model;
  }
  Operation *outer = loops.back();
  auto inOuter = [&](Block *b) { return outer->isAncestor(b->getParentOp()); };
  auto invariant = [&](Value v) {
    return !variesPerIteration(v, inOuter, /*loop=*/nullptr);
  };
  // A branch inside the loops must go the same way in every iteration, or
  // the fold_in runs in some of them only (`if i < 5`).
  for (auto [guard, inside] : guards) {
    if (inside == loops.size())
      continue;
    auto ifOp = dyn_cast<scf::IfOp>(guard);
    if (!ifOp || !invariant(ifOp.getCondition()))
      return std::nullopt;
  }
  llvm::SmallPtrSet<Value, 8> outerIvs;
  std::function<bool(const ValueAffine &)> affine = [&](const ValueAffine &a) {
    return llvm::all_of(a.terms,
                        [&](const auto &term) {
                          return outerIvs.contains(term.first) ||
                                 invariant(term.first);
                        }) &&
           llvm::all_of(a.quotients, [&](const auto &term) {
             return affine(model.quotients[term.first].numerator);
           });
  };
  for (Operation *loop : llvm::reverse(loops)) {
    if (auto forOp = dyn_cast<scf::ForOp>(loop);
        forOp && forOp.getUnsignedCmp())
      return std::nullopt;
    auto like = cast<LoopLikeOpInterface>(loop);
    auto ivs = like.getLoopInductionVars();
    auto lbs = like.getLoopLowerBounds();
    auto ubs = like.getLoopUpperBounds();
    auto steps = like.getLoopSteps();
    if (!ivs || !lbs || !ubs || !steps || lbs->size() != ivs->size() ||
        ubs->size() != ivs->size() || steps->size() != ivs->size())
      return std::nullopt;
    for (auto [iv, lb, ub, step] : llvm::zip(*ivs, *lbs, *ubs, *steps)) {
      std::optional<int64_t> s = getConstantIntValue(step);
      std::optional<ValueAffine> l = linearizer.bound(lb, outerIvs),
                                 u = linearizer.bound(ub, outerIvs);
      // An induction variable narrower than 64 bits (scf.for over i32)
      // takes its bounds' signed values, as the loop compares signed.
      if (!s || *s < 1 || !iv.getType().isSignlessIntOrIndex() || !l || !u ||
          !affine(*l) || !affine(*u))
        return std::nullopt;
      model.dims.push_back(
          {iv, loop, *s, *l, *u, boundRange(lb, ub, loop->getContext())});
    }
    outerIvs.insert(ivs->begin(), ivs->end());
  }
  model.datum = linearizer.exact(op.getData());
  if (!affine(model.datum))
    return std::nullopt;
  model.symbolInQuotient =
      hasSymbolInQuotient(model.datum, model.quotients, outerIvs);
  return model;
}

/// A linear expression over the columns of a System: iteration numbers of
/// loop dims and symbols.
struct LinExpr {
  SmallVector<DynamicAPInt> iters, syms;
  DynamicAPInt constant{0};

  static void addTo(SmallVectorImpl<DynamicAPInt> &to,
                    ArrayRef<DynamicAPInt> from, const DynamicAPInt &factor) {
    if (to.size() < from.size())
      to.resize(from.size(), DynamicAPInt(0));
    for (size_t i = 0; i < from.size(); ++i)
      to[i] += factor * from[i];
  }
  void add(const LinExpr &other, const DynamicAPInt &factor) {
    addTo(iters, other.iters, factor);
    addTo(syms, other.syms, factor);
    constant += factor * other.constant;
  }
  void addIter(unsigned i, const DynamicAPInt &factor) {
    if (iters.size() <= i)
      iters.resize(i + 1, DynamicAPInt(0));
    iters[i] += factor;
  }
  void addSym(unsigned i, const DynamicAPInt &factor) {
    if (syms.size() <= i)
      syms.resize(i + 1, DynamicAPInt(0));
    syms[i] += factor;
  }
  bool hasSymbols() const {
    return llvm::any_of(syms, [](const DynamicAPInt &c) { return c != 0; });
  }
};

/// Integer constraints: equalities `e = 0` and inequalities `e >= 0`.
struct System {
  SmallVector<Value> symbols;
  llvm::DenseMap<Value, unsigned> symbolIndex;
  unsigned numIters = 0;
  SmallVector<LinExpr> equalities, inequalities;

  unsigned symbol(Value v) {
    auto [it, inserted] = symbolIndex.try_emplace(v, symbols.size());
    if (inserted)
      symbols.push_back(v);
    return it->second;
  }
};

/// A FoldModel in a System: the column of each dim's iteration number and
/// the datum. A reversed dim (step 1) counts its iterations from the last,
/// which lets `fold_in(k, %n - 1)` cancel the symbol of `for i < %n`.
struct Placed {
  SmallVector<unsigned> iters;
  SmallVector<bool> reversed;
  LinExpr datum;
};

Placed place(const FoldModel &m, ArrayRef<bool> reversed, System &sys) {
  Placed p;
  p.reversed.assign(reversed.begin(), reversed.end());
  llvm::DenseMap<Value, LinExpr> ivs;
  // The column of each quotient, placed where first used (its numerator's
  // induction variables are placed by then).
  llvm::DenseMap<unsigned, unsigned> quotientColumns;
  std::function<LinExpr(const ValueAffine &)> lower =
      [&](const ValueAffine &a) {
        LinExpr e;
        e.constant = a.constant;
        for (const auto &[v, c] : a.terms) {
          if (auto it = ivs.find(v); it != ivs.end())
            e.add(it->second, c);
          else
            e.addSym(sys.symbol(v), c);
        }
        for (const auto &[index, c] : a.quotients) {
          auto it = quotientColumns.find(index);
          if (it == quotientColumns.end()) {
            // min <= n, divisor * q <= n <= divisor * q + divisor - 1.
            const Quotient &quotient = m.quotients[index];
            LinExpr n = lower(quotient.numerator);
            unsigned q = sys.numIters++;
            LinExpr above = n, below;
            above.addIter(q, -quotient.divisor);
            below.addIter(q, quotient.divisor);
            below.constant = quotient.divisor - 1;
            below.add(n, DynamicAPInt(-1));
            sys.inequalities.push_back(above);
            sys.inequalities.push_back(below);
            if (quotient.min) {
              LinExpr atLeast = n;
              atLeast.constant -= *quotient.min;
              sys.inequalities.push_back(atLeast);
            }
            if (quotient.max) {
              LinExpr atMost;
              atMost.add(n, DynamicAPInt(-1));
              atMost.constant += *quotient.max;
              sys.inequalities.push_back(atMost);
            }
            it = quotientColumns.try_emplace(index, q).first;
          }
          e.addIter(it->second, c);
        }
        return e;
      };
  for (auto [k, dim] : llvm::enumerate(m.dims)) {
    LinExpr lb = lower(dim.lb), ub = lower(dim.ub);
    unsigned t = sys.numIters++;
    LinExpr iv, inRange;
    if (!reversed[k]) {
      // iv = lb + step * t <= ub - 1.
      iv = lb;
      iv.addIter(t, DynamicAPInt(dim.step));
      inRange = ub;
      inRange.add(iv, DynamicAPInt(-1));
      inRange.constant -= 1;
    } else {
      // iv = ub - 1 - t >= lb.
      iv = ub;
      iv.constant -= 1;
      iv.addIter(t, DynamicAPInt(-1));
      inRange = iv;
      inRange.add(lb, DynamicAPInt(-1));
    }
    LinExpr nonNegative;
    nonNegative.addIter(t, DynamicAPInt(1));
    sys.inequalities.push_back(nonNegative);
    sys.inequalities.push_back(inRange);
    if (dim.maxRange) {
      // step * t <= ub - lb - 1 <= maxRange - 1.
      LinExpr e;
      e.constant = DynamicAPInt(*dim.maxRange) - 1;
      e.addIter(t, DynamicAPInt(-dim.step));
      sys.inequalities.push_back(e);
    }
    ivs[dim.iv] = iv;
    p.iters.push_back(t);
  }
  p.datum = lower(m.datum);
  return p;
}

/// Replaces the symbols of `e` by a constant if ValueBounds proves their
/// combination constant (index values only).
bool foldSymbols(LinExpr &e, const System &sys, MLIRContext *ctx) {
  SmallVector<Value> operands;
  AffineExpr expr = getAffineConstantExpr(0, ctx);
  for (auto [i, c] : llvm::enumerate(e.syms)) {
    if (c == 0)
      continue;
    Value v = sys.symbols[i];
    if (!v.getType().isIndex() || c > DynamicAPInt(INT32_MAX) ||
        c < DynamicAPInt(INT32_MIN))
      return false;
    expr = expr + getAffineDimExpr(operands.size(), ctx) * int64_t(c);
    operands.push_back(v);
  }
  FailureOr<int64_t> value = ValueBoundsConstraintSet::computeConstantBound(
      presburger::BoundType::EQ,
      ValueBoundsConstraintSet::Variable(
          AffineMap::get(operands.size(), 0, expr), ValueRange(operands)));
  if (failed(value))
    return false;
  e.syms.clear();
  e.constant += DynamicAPInt(*value);
  return true;
}

/// Constant bounds ValueBounds proves for index values, cached.
class SymbolBounds {
public:
  std::pair<std::optional<int64_t>, std::optional<int64_t>> get(Value v) {
    auto [it, inserted] = cache.try_emplace(v);
    if (inserted && v.getType().isIndex()) {
      using VBCS = ValueBoundsConstraintSet;
      FailureOr<int64_t> lb =
          VBCS::computeConstantBound(presburger::BoundType::LB, v);
      FailureOr<int64_t> ub = VBCS::computeConstantBound(
          presburger::BoundType::UB, v, nullptr, /*closedUB=*/true);
      if (succeeded(lb))
        it->second.first = *lb;
      if (succeeded(ub))
        it->second.second = *ub;
    }
    return it->second;
  }

private:
  llvm::DenseMap<Value,
                 std::pair<std::optional<int64_t>, std::optional<int64_t>>>
      cache;
};

/// An integer point of `sys` (the lexicographically smallest one in the
/// iteration numbers `minimize`, which are not negative), or none.
std::optional<SmallVector<DynamicAPInt>> solve(System sys, SymbolBounds &bounds,
                                               ArrayRef<unsigned> minimize) {
  unsigned ni = sys.numIters, ns = sys.symbols.size();
  for (unsigned s = 0; s < ns; ++s) {
    // A narrow symbol stands for its signed value (see Linearizer).
    Type type = sys.symbols[s].getType();
    if (type.isSignlessInteger() && type.getIntOrFloatBitWidth() < 64) {
      DynamicAPInt half = pow2(type.getIntOrFloatBitWidth() - 1);
      LinExpr atLeast, atMost;
      atLeast.addSym(s, DynamicAPInt(1));
      atLeast.constant = half;
      atMost.addSym(s, DynamicAPInt(-1));
      atMost.constant = half - 1;
      sys.inequalities.push_back(atLeast);
      sys.inequalities.push_back(atMost);
    }
    auto [lb, ub] = bounds.get(sys.symbols[s]);
    if (lb) {
      LinExpr e;
      e.addSym(s, DynamicAPInt(1));
      e.constant = -DynamicAPInt(*lb);
      sys.inequalities.push_back(e);
    }
    if (ub) {
      LinExpr e;
      e.addSym(s, DynamicAPInt(-1));
      e.constant = DynamicAPInt(*ub);
      sys.inequalities.push_back(e);
    }
  }
  presburger::IntegerPolyhedron poly(
      presburger::PresburgerSpace::getSetSpace(ni + ns));
  auto row = [&](const LinExpr &e) {
    SmallVector<DynamicAPInt> r(ni + ns + 1, DynamicAPInt(0));
    for (auto [i, c] : llvm::enumerate(e.iters))
      r[i] = c;
    for (auto [i, c] : llvm::enumerate(e.syms))
      r[ni + i] = c;
    r.back() = e.constant;
    return r;
  };
  for (const LinExpr &e : sys.equalities)
    poly.addEquality(row(e));
  for (const LinExpr &e : sys.inequalities)
    poly.addInequality(row(e));
  // The lexicographic minimum's cutting planes can grow without end (an
  // i8 loop from -128 with step 3 and the zero extension of its induction
  // variable, with no integer point; a forall up to %n, with one, ran for
  // minutes), so it is found with the generalized basis reduction behind
  // findIntegerSample: each iteration number in `minimize` (>= 0), in
  // order, is lowered by bisection. The other columns are quotients of
  // those before them, so this is the lexicographic minimum there.
  std::optional<SmallVector<DynamicAPInt, 8>> sample = poly.findIntegerSample();
  if (!sample)
    return std::nullopt;
  for (unsigned column : minimize) {
    DynamicAPInt lo(0), hi = (*sample)[column];
    while (lo < hi) {
      DynamicAPInt mid = lo + (hi - lo) / 2;
      presburger::IntegerPolyhedron below = poly;
      SmallVector<DynamicAPInt> atMost(ni + ns + 1, DynamicAPInt(0));
      atMost[column] = -1;
      atMost.back() = mid;
      below.addInequality(atMost);
      if (auto smaller = below.findIntegerSample()) {
        sample = std::move(smaller);
        hi = (*sample)[column];
      } else {
        lo = mid + 1;
      }
    }
    SmallVector<DynamicAPInt> fixed(ni + ns + 1, DynamicAPInt(0));
    fixed[column] = 1;
    fixed.back() = -hi;
    poly.addEquality(fixed);
  }
  return llvm::to_vector(*sample);
}

/// Two placed models and an integer point where their data are equal.
struct Coincidence {
  Placed first, second;
  SmallVector<DynamicAPInt> point;
};

/// A point where the data of `a` and `b` are equal, if one provably exists.
std::optional<Coincidence> coincide(const FoldModel &a, const FoldModel &b,
                                    SymbolBounds &bounds, MLIRContext *ctx) {
  if (a.symbolInQuotient || b.symbolInQuotient)
    return std::nullopt;
  // Dims with step 1 may be counted from either end; try up to 16 ways.
  SmallVector<std::pair<bool, unsigned>> reversible;
  for (auto [side, m] :
       llvm::enumerate(std::array<const FoldModel *, 2>{&a, &b}))
    for (auto [k, dim] : llvm::enumerate(m->dims))
      if (dim.step == 1)
        reversible.push_back({side == 1, unsigned(k)});
  unsigned n = std::min<unsigned>(reversible.size(), 4);
  for (unsigned mask = 0; mask < (1u << n); ++mask) {
    SmallVector<bool> ra(a.dims.size(), false), rb(b.dims.size(), false);
    for (unsigned r = 0; r < n; ++r)
      if (mask >> r & 1)
        (reversible[r].first ? rb : ra)[reversible[r].second] = true;
    System sys;
    Placed pa = place(a, ra, sys), pb = place(b, rb, sys);
    LinExpr delta = pa.datum;
    delta.add(pb.datum, DynamicAPInt(-1));
    // The data must be equal whatever the symbols are.
    if (delta.hasSymbols() && !foldSymbols(delta, sys, ctx))
      continue;
    sys.equalities.push_back(delta);
    SmallVector<unsigned> iters(pa.iters);
    llvm::append_range(iters, pb.iters);
    llvm::sort(iters);
    std::optional<SmallVector<DynamicAPInt>> point = solve(sys, bounds, iters);
    if (!point)
      return std::nullopt;
    return Coincidence{pa, pb, *point};
  }
  return std::nullopt;
}

/// Two different iterations of `m`'s loops where its datum is the same
/// (`i + j` in a 2-d loop), if they provably exist.
std::optional<Coincidence> repeats(const FoldModel &m, SymbolBounds &bounds) {
  if (m.symbolInQuotient)
    return std::nullopt;
  SmallVector<bool> forward(m.dims.size(), false);
  // The first iteration vector differs from the second first at dim k.
  for (size_t k = 0; k < m.dims.size(); ++k) {
    System sys;
    Placed p1 = place(m, forward, sys), p2 = place(m, forward, sys);
    LinExpr delta = p1.datum;
    delta.add(p2.datum, DynamicAPInt(-1));
    if (delta.hasSymbols())
      return std::nullopt;
    sys.equalities.push_back(delta);
    for (size_t j = 0; j < k; ++j) {
      LinExpr same;
      same.addIter(p1.iters[j], DynamicAPInt(1));
      same.addIter(p2.iters[j], DynamicAPInt(-1));
      sys.equalities.push_back(same);
    }
    LinExpr later;
    later.addIter(p2.iters[k], DynamicAPInt(1));
    later.addIter(p1.iters[k], DynamicAPInt(-1));
    later.constant = -1;
    sys.inequalities.push_back(later);
    SmallVector<unsigned> iters(p1.iters);
    llvm::append_range(iters, p2.iters);
    llvm::sort(iters);
    if (std::optional<SmallVector<DynamicAPInt>> point =
            solve(sys, bounds, iters))
      return Coincidence{p1, p2, *point};
  }
  return std::nullopt;
}

/// `iteration 3`, `iteration (1, 0)`, `the last iteration`: the iteration
/// of `p`'s loops at `point`, counted from 0.
std::string describeIteration(const Placed &p, ArrayRef<DynamicAPInt> point) {
  SmallVector<std::string> parts;
  for (auto [t, reversed] : llvm::zip(p.iters, p.reversed)) {
    const DynamicAPInt &n = point[t];
    parts.push_back(!reversed ? str(n)
                    : n == 0  ? std::string("last")
                              : "last - " + str(n));
  }
  if (parts.size() > 1)
    return "iteration (" + llvm::join(parts, ", ") + ")";
  if (!p.reversed.front())
    return "iteration " + parts.front();
  if (point[p.iters.front()] == 0)
    return "the last iteration";
  return "iteration " + parts.front();
}

/// `'scf.for'`, or `loop nest` for several loops.
std::string describeLoops(const FoldModel &m) {
  if (llvm::all_of(m.dims, [&](const LoopDim &d) {
        return d.loop == m.dims.front().loop;
      }))
    return ("'" + m.dims.front().loop->getName().getStringRef() + "'").str();
  return "loop nest";
}

/// The value of `p`'s datum at `point` if it does not depend on symbols.
std::optional<DynamicAPInt> valueAt(const Placed &p,
                                    ArrayRef<DynamicAPInt> point) {
  if (p.datum.hasSymbols())
    return std::nullopt;
  DynamicAPInt v = p.datum.constant;
  for (auto [i, c] : llvm::enumerate(p.datum.iters))
    v += c * point[i];
  return v;
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
  // The sets of data of the fold_ins; one whose datum repeats in its loops
  // derives a key twice.
  SymbolBounds bounds;
  std::vector<std::optional<FoldModel>> models(uses.size());
  for (auto [use, model] : llvm::zip(uses, models)) {
    if (classify(*use) != UseKind::FoldIn)
      continue;
    model = buildModel(cast<FoldInOp>(use->getOwner()), key);
    if (!model || model->dims.empty())
      continue;
    if (std::optional<Coincidence> c = repeats(*model, bounds))
      return reportRepeat(*use, *model, *c);
  }
  for (size_t i = 0; i < uses.size(); ++i) {
    for (size_t j = i + 1; j < uses.size(); ++j) {
      UseKind ki = classify(*uses[i]), kj = classify(*uses[j]);
      if (ki == UseKind::Replay && kj == UseKind::Replay)
        continue;
      if (ki == UseKind::FoldIn && kj == UseKind::FoldIn &&
          mayDiffer(cast<FoldInOp>(uses[i]->getOwner()),
                    cast<FoldInOp>(uses[j]->getOwner()))) {
        // Different values may still be the same integer (`i` and `i + 1`
        // in two iterations).
        if (!models[i] || !models[j] ||
            !mayBothExecute(*uses[i], *uses[j], key))
          continue;
        std::optional<Coincidence> c =
            coincide(*models[i], *models[j], bounds, key.getContext());
        if (!c)
          continue;
        return reportCoincidence(*uses[i], *uses[j], *models[i], *models[j],
                                 *c);
      }
      if (!mayBothExecute(*uses[i], *uses[j], key))
        continue;
      return reportPair(*uses[i], *uses[j], ki, kj);
    }
  }
  return success();
}

LogicalResult KeyChecker::reportRepeat(OpOperand &use, const FoldModel &model,
                                       const Coincidence &c) {
  InFlightDiagnostic diag = use.getOwner()->emitError();
  diag << "RNG key is folded with a value that is the same in "
       << describeIteration(c.first, c.point) << " and "
       << describeIteration(c.second, c.point) << " of its "
       << describeLoops(model);
  if (std::optional<DynamicAPInt> v = valueAt(c.first, c.point))
    diag << " (both " << str(*v) << ")";
  diag << ", so they derive the same key; fold in a value that differs in "
          "every iteration (such as the linear index)";
  diag.attachNote(model.dims.front().loop->getLoc()) << "the loop is here";
  return diag;
}

LogicalResult KeyChecker::reportCoincidence(OpOperand &first, OpOperand &second,
                                            const FoldModel &firstModel,
                                            const FoldModel &secondModel,
                                            const Coincidence &c) {
  InFlightDiagnostic diag = second.getOwner()->emitError();
  diag << "RNG key is folded with data that can be equal, which derives the "
          "same key twice: both fold in ";
  if (std::optional<DynamicAPInt> v = valueAt(c.second, c.point))
    diag << str(*v);
  else
    diag << "the same value";
  SmallVector<std::string> where;
  if (!secondModel.dims.empty())
    where.push_back("this use in " + describeIteration(c.second, c.point) +
                    " of its " + describeLoops(secondModel));
  if (!firstModel.dims.empty())
    where.push_back("the first in " + describeIteration(c.first, c.point) +
                    " of its " + describeLoops(firstModel));
  if (!where.empty())
    diag << " (" << llvm::join(where, ", ") << ")";
  diag.attachNote(first.getOwner()->getLoc()) << "first use of the key";
  return diag;
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
