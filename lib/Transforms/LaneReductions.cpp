//===- LaneReductions.cpp - the model's reductions in 16 lanes ------------===//
//
// A reduction along the last axis (a row sum, a softmax's denominator, a
// loss) lowers to one serial chain per output element: one add latency per
// term, no vectors. sto fixes another order for the model's own reductions
// (docs/Compiling.md, "Reduction order"): lane l of 16 takes the terms
// j = l (mod 16) in increasing j, from the combiner's identity, and the
// output is ((init + p_0) + p_1) + ... + p_15. The 16 lanes are one vector;
// the order is the same on every target, vector width and thread count, and
// for 16 terms or fewer it is the sequential order.
//
// The sto ops' own reductions have orders of their own (docs/Randomness.md),
// so only ops marked before the sto ops are lowered take this path.
//
//===----------------------------------------------------------------------===//

#include "sto/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/PatternMatch.h"
#include "llvm/ADT/SmallBitVector.h"

namespace mlir {
namespace sto {
#define GEN_PASS_DEF_STOTAGUSERREDUCTIONS
#define GEN_PASS_DEF_STOLANEREDUCTIONS
#include "sto/Transforms/Passes.h.inc"
} // namespace sto
} // namespace mlir

using namespace mlir;

namespace {

constexpr int64_t kLanes = 16;

struct StoTagUserReductions
    : public sto::impl::StoTagUserReductionsBase<StoTagUserReductions> {
  void runOnOperation() override {
    UnitAttr unit = UnitAttr::get(&getContext());
    getOperation()->walk([&](Operation *op) {
      auto linalgOp = dyn_cast<linalg::LinalgOp>(op);
      if ((linalgOp && linalgOp.getNumReductionLoops() > 0) ||
          isa<linalg::AggregatedOpInterface>(op))
        op->setAttr(sto::kUserReductionAttr, unit);
    });
  }
};

/// The combiner `acc' = acc (+) v` that ends the reduction output's part of
/// the body, the identity each lane starts from, the reduction output, and
/// the outputs written once per term (a softmax's exp, fused with its sum).
struct Combiner {
  Operation *op;
  TypedAttr identity;
  OpOperand *out;
  SmallVector<OpOperand *> elementwise;
};

/// The identity of `op` on `type`; null when `op` is not a combiner whose
/// terms may be regrouped as the lane order does (add and mul of floats are
/// regrouped by the documented order; the others are associative).
TypedAttr identityOf(Operation *op, Type type) {
  if (auto f = dyn_cast<FloatType>(type)) {
    const llvm::fltSemantics &sem = f.getFloatSemantics();
    auto value = [&](llvm::APFloat v) { return FloatAttr::get(f, v); };
    if (isa<arith::AddFOp>(op))
      return value(llvm::APFloat::getZero(sem, /*Negative=*/true));
    if (isa<arith::MulFOp>(op))
      return value(llvm::APFloat::getOne(sem));
    if (isa<arith::MaximumFOp>(op))
      return value(llvm::APFloat::getInf(sem, /*Negative=*/true));
    if (isa<arith::MinimumFOp>(op))
      return value(llvm::APFloat::getInf(sem, /*Negative=*/false));
    // maxnum(NaN, x) = x: a lane without terms, or with NaNs only, drops out.
    if (isa<arith::MaxNumFOp, arith::MinNumFOp>(op))
      return value(llvm::APFloat::getQNaN(sem));
    return {};
  }
  auto i = dyn_cast<IntegerType>(type);
  if (!i)
    return {};
  unsigned w = i.getWidth();
  auto value = [&](llvm::APInt v) { return IntegerAttr::get(i, v); };
  if (isa<arith::AddIOp, arith::OrIOp, arith::XOrIOp, arith::MaxUIOp>(op))
    return value(llvm::APInt::getZero(w));
  if (isa<arith::MulIOp>(op))
    return value(llvm::APInt(w, 1));
  if (isa<arith::AndIOp, arith::MinUIOp>(op))
    return value(llvm::APInt::getAllOnes(w));
  if (isa<arith::MaxSIOp>(op))
    return value(llvm::APInt::getSignedMinValue(w));
  if (isa<arith::MinSIOp>(op))
    return value(llvm::APInt::getSignedMaxValue(w));
  return {};
}

/// Whether `value` (in `op`'s body) is computed from `acc`. Through a
/// guard's scf.if only the results that yield such a value are; any other
/// op with regions that uses it makes all its results so.
bool dependsOn(Value value, BlockArgument acc, linalg::LinalgOp op) {
  DenseSet<Value> seen{acc};
  SmallVector<Value> work{acc};
  auto add = [&](Value v) {
    if (seen.insert(v).second)
      work.push_back(v);
  };
  while (!work.empty()) {
    Value v = work.pop_back_val();
    for (OpOperand &use : v.getUses()) {
      Operation *owner = use.getOwner();
      if (isa<scf::YieldOp>(owner))
        if (auto ifOp = dyn_cast<scf::IfOp>(owner->getParentOp())) {
          add(ifOp.getResult(use.getOperandNumber()));
          continue;
        }
      for (Value r : owner->getResults())
        add(r);
      for (Operation *p = owner->getParentOp(); p && p != op.getOperation();
           p = p->getParentOp())
        if (!isa<scf::IfOp>(p))
          for (Value r : p->getResults())
            add(r);
    }
  }
  return seen.contains(value);
}

/// Whether the result `e` of an operand's map is a reduction loop (loops
/// `first` and on); a constant (a kept unit dimension) is not.
bool isReductionDim(AffineExpr e, unsigned first) {
  auto d = dyn_cast<AffineDimExpr>(e);
  return d && d.getPosition() >= first;
}

std::optional<Combiner> matchCombiner(linalg::LinalgOp op) {
  Block *body = op.getBlock();
  OpOperand *out = nullptr;
  SmallVector<OpOperand *> elementwise;
  unsigned first = op.getNumParallelLoops();
  for (OpOperand &init : op.getDpsInitsMutable()) {
    AffineMap map = op.getMatchingIndexingMap(&init);
    unsigned reads = llvm::count_if(map.getResults(), [&](AffineExpr e) {
      return isReductionDim(e, first);
    });
    if (reads == 0) {
      if (out)
        return std::nullopt;
      out = &init;
      continue;
    }
    // Written once per term (at every loop's index), never read.
    if (reads != op.getNumReductionLoops() ||
        map.getNumResults() != op.getNumLoops())
      return std::nullopt;
    if (!op.getMatchingBlockArgument(&init).use_empty())
      return std::nullopt;
    elementwise.push_back(&init);
  }
  if (!out)
    return std::nullopt;
  // The accumulator's one use is the combiner; a run-time check's guard
  // (below) also yields it unchanged from its else-branch when the check
  // fails.
  BlockArgument acc = op.getMatchingBlockArgument(out);
  Operation *combiner = nullptr;
  for (Operation *user : acc.getUsers()) {
    auto guard = dyn_cast<scf::IfOp>(user->getParentOp());
    if (isa<scf::YieldOp>(user) && guard &&
        guard->hasAttr(sto::kCheckGuardAttr) &&
        user->getBlock() == guard.elseBlock())
      continue;
    if (combiner)
      return std::nullopt;
    combiner = user;
  }
  if (!combiner)
    return std::nullopt;
  Value yielded = body->getTerminator()->getOperand(out->getOperandNumber() -
                                                    op.getNumDpsInputs());
  // A run-time check (an index read inside the body) puts the rest of the
  // body in the then-branch of an scf.if marked sto.check_guard, whose
  // else-branch records the failure; one per check, nested. The add sits in
  // the innermost then-branch. A model's own scf.if is not a guard.
  Block *expected = body;
  while (auto guard = yielded.getDefiningOp<scf::IfOp>()) {
    if (!guard->hasAttr(sto::kCheckGuardAttr) || guard->getBlock() != expected)
      break;
    yielded =
        guard.thenYield().getOperand(cast<OpResult>(yielded).getResultNumber());
    expected = guard.thenBlock();
  }
  if (combiner->getBlock() != expected || yielded.getDefiningOp() != combiner ||
      combiner->getNumOperands() != 2 || combiner->getNumResults() != 1 ||
      combiner->getNumRegions() != 0)
    return std::nullopt;
  // An output written per term must not depend on the accumulator (a
  // running sum): in lanes it would get the lane's partial sums.
  for (OpOperand *init : elementwise)
    if (dependsOn(body->getTerminator()->getOperand(init->getOperandNumber() -
                                                    op.getNumDpsInputs()),
                  acc, op))
      return std::nullopt;
  TypedAttr identity = identityOf(combiner, acc.getType());
  if (!identity)
    return std::nullopt;
  return Combiner{combiner, identity, out, elementwise};
}

/// The reduction loops are the innermost ones (one or more: a reduction
/// over the last axis that fusion split into [blocks, 4] has two), and every
/// operand reads those it uses as its last dimensions, in loop order; no
/// linalg.index nested in the body's regions (the loops replace linalg.index
/// only at the top level).
bool isLastAxisReduction(linalg::LinalgOp op) {
  if (!op.hasPureBufferSemantics() || op.getNumReductionLoops() == 0)
    return false;
  unsigned n = op.getNumLoops(), first = op.getNumParallelLoops();
  SmallVector<utils::IteratorType> iters = op.getIteratorTypesArray();
  for (unsigned d = 0; d < n; ++d)
    if ((d < first) != (iters[d] == utils::IteratorType::parallel))
      return false;
  for (OpOperand &operand : op->getOpOperands()) {
    AffineMap map = op.getMatchingIndexingMap(&operand);
    // Constant 0 results are kept unit dimensions (a keepdims sum's output
    // (i, j) -> (i, 0), a squeezed input (i, j) -> (i, 0, j)), outside the
    // reduction dimensions. (AffineMap::isProjectedPermutation refuses the
    // squeezed input: more results than loops.)
    llvm::SmallBitVector seen(n);
    for (AffineExpr e : map.getResults()) {
      if (auto c = dyn_cast<AffineConstantExpr>(e)) {
        if (c.getValue() != 0)
          return false;
        continue;
      }
      auto dim = dyn_cast<AffineDimExpr>(e);
      if (!dim || seen.test(dim.getPosition()))
        return false;
      seen.set(dim.getPosition());
    }
    // The reduction dimensions it reads: a trailing run, increasing.
    bool inRun = false;
    int64_t last = -1;
    for (AffineExpr e : map.getResults()) {
      auto dim = dyn_cast<AffineDimExpr>(e);
      if (!dim) {
        if (inRun)
          return false;
        continue;
      }
      int64_t d = dim.getPosition();
      if (d >= first) {
        if (d < last)
          return false;
        inRun = true;
        last = d;
      } else if (inRun) {
        return false;
      }
    }
  }
  bool nestedIndex = false;
  op.getBlock()->walk([&](linalg::IndexOp index) {
    nestedIndex |= index->getParentOp() != op.getOperation();
  });
  if (nestedIndex)
    return false;
  // Up to 16 terms the lane order is the sequential one.
  int64_t terms = 1;
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  for (int64_t size : ArrayRef<int64_t>(ranges).drop_front(first)) {
    if (ShapedType::isDynamic(size))
      return true;
    terms *= size;
  }
  return terms > kLanes;
}

/// The index a result `e` of a projected-permutation map (a loop, or a
/// constant 0) picks from the loop `ivs`.
Value pickOne(OpBuilder &b, Location loc, AffineExpr e, ValueRange ivs) {
  if (auto d = dyn_cast<AffineDimExpr>(e))
    return ivs[d.getPosition()];
  return arith::ConstantIndexOp::create(b, loc,
                                        cast<AffineConstantExpr>(e).getValue());
}

/// The indices a projected-permutation `map` picks from the loop `ivs`.
SmallVector<Value> pick(OpBuilder &b, Location loc, AffineMap map,
                        ValueRange ivs) {
  return llvm::map_to_vector(
      map.getResults(), [&](AffineExpr e) { return pickOne(b, loc, e, ivs); });
}

class LaneLowering {
public:
  LaneLowering(linalg::LinalgOp op, Combiner combiner, bool gpu)
      : op(op), combiner(combiner), gpu(gpu) {}

  void lower(RewriterBase &rewriter) {
    Location loc = op.getLoc();
    rewriter.setInsertionPoint(op);
    SmallVector<Range> ranges = op.createLoopRanges(rewriter, loc);
    SmallVector<Value> sizes = llvm::map_to_vector(ranges, [&](Range r) {
      return getValueOrCreateConstantIndexOp(rewriter, loc, r.size);
    });
    unsigned first = op.getNumParallelLoops();
    reductionSizes.assign(sizes.begin() + first, sizes.end());
    sizes.resize(first);
    Value n = reductionSizes.front();
    for (Value size : ArrayRef<Value>(reductionSizes).drop_front())
      n = arith::MulIOp::create(rewriter, loc, n, size);
    collapseReductionDims(rewriter, loc);
    if (gpu) {
      buildGpu(rewriter, loc, sizes, n);
    } else if (sizes.empty()) {
      buildRow(rewriter, loc, {}, n);
    } else {
      Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
      Value one = arith::ConstantIndexOp::create(rewriter, loc, 1);
      SmallVector<Value> zeros(sizes.size(), zero), ones(sizes.size(), one);
      scf::ParallelOp::create(rewriter, loc, zeros, sizes, ones,
                              [&](OpBuilder &b, Location l, ValueRange ivs) {
                                buildRow(b, l, ivs, n);
                              });
    }
    rewriter.eraseOp(op);
  }

private:
  /// With several reduction loops, term j sits at the row-major position
  /// of j in them: a division and a remainder per loop and term, by
  /// run-time sizes when they are dynamic (10x the time of the sum itself).
  /// A buffer read or written along all of them as its last dimensions, with
  /// a contiguous layout there, gets a view with those dimensions merged,
  /// which term j reads at j.
  void collapseReductionDims(OpBuilder &b, Location loc) {
    unsigned r = reductionSizes.size();
    if (r < 2)
      return;
    auto collapse = [&](OpOperand *operand) {
      auto type = dyn_cast<MemRefType>(operand->get().getType());
      AffineMap map = op.getMatchingIndexingMap(operand);
      unsigned first = op.getNumParallelLoops();
      if (!type || llvm::count_if(map.getResults(), [&](AffineExpr e) {
                     return isReductionDim(e, first);
                   }) != r)
        return;
      SmallVector<ReassociationIndices> groups;
      for (int64_t d = 0, rank = type.getRank(); d < rank - r; ++d)
        groups.push_back({d});
      groups.emplace_back(llvm::to_vector(
          llvm::seq<int64_t>(type.getRank() - r, type.getRank())));
      if (memref::CollapseShapeOp::isGuaranteedCollapsible(type, groups))
        collapsed[operand] =
            memref::CollapseShapeOp::create(b, loc, operand->get(), groups);
    };
    for (OpOperand *in : op.getDpsInputOperands())
      collapse(in);
    for (OpOperand *init : combiner.elementwise)
      collapse(init);
  }

  /// GPU form: one thread per (output element, lane), each adding its
  /// lane's terms in a register into a [..., 16] device buffer; then one
  /// thread per output element (one thread in all for a single output)
  /// combines the lanes in order. 16 times the threads of one chain per
  /// output, and no stack buffer.
  void buildGpu(OpBuilder &b, Location loc, ValueRange sizes, Value n) {
    Value zero = arith::ConstantIndexOp::create(b, loc, 0);
    Value one = arith::ConstantIndexOp::create(b, loc, 1);
    Value lanes = arith::ConstantIndexOp::create(b, loc, kLanes);
    Type t = combiner.identity.getType();
    SmallVector<int64_t> shape(sizes.size(), ShapedType::kDynamic);
    shape.push_back(kLanes);
    Value partial = memref::AllocOp::create(b, loc, MemRefType::get(shape, t),
                                            ValueRange(sizes));
    Value tail = arith::RemUIOp::create(b, loc, n, lanes);
    Value whole = arith::SubIOp::create(b, loc, n, tail);
    SmallVector<Value> ubs(sizes);
    ubs.push_back(lanes);
    SmallVector<Value> zeros(ubs.size(), zero), ones(ubs.size(), one);
    scf::ParallelOp::create(
        b, loc, zeros, ubs, ones,
        [&](OpBuilder &b, Location l, ValueRange ivs) {
          Value lane = ivs.back();
          ValueRange outer = ivs.drop_back();
          Value identity = arith::ConstantOp::create(b, l, combiner.identity);
          auto chain = scf::ForOp::create(
              b, l, zero, whole, lanes, ValueRange{identity},
              [&](OpBuilder &b, Location l, Value c, ValueRange acc) {
                Value j = arith::AddIOp::create(b, l, c, lane);
                scf::YieldOp::create(b, l,
                                     buildTermValue(b, l, outer, j, acc[0]));
              });
          Value inTail = arith::CmpIOp::create(b, l, arith::CmpIPredicate::ult,
                                               lane, tail);
          auto last = scf::IfOp::create(
              b, l, inTail,
              [&](OpBuilder &b, Location l) {
                Value j = arith::AddIOp::create(b, l, whole, lane);
                scf::YieldOp::create(
                    b, l, buildTermValue(b, l, outer, j, chain.getResult(0)));
              },
              [&](OpBuilder &b, Location l) {
                scf::YieldOp::create(b, l, chain.getResult(0));
              });
          memref::StoreOp::create(b, l, last.getResult(0), partial, ivs);
        });
    auto combineRow = [&](OpBuilder &b, Location l, ValueRange ivs) {
      combineLanes(b, l, ivs, [&](OpBuilder &b, Location l, Value i) -> Value {
        SmallVector<Value> at(ivs);
        at.push_back(i);
        return memref::LoadOp::create(b, l, partial, at);
      });
    };
    if (sizes.empty()) {
      combineRow(b, loc, {});
    } else {
      SmallVector<Value> z(sizes.size(), zero), o(sizes.size(), one);
      scf::ParallelOp::create(b, loc, z, sizes, o, combineRow);
    }
    memref::DeallocOp::create(b, loc, partial);
  }

  /// acc (+) p with the combiner's op, without fast-math flags: the
  /// documented order is the one that runs (reassoc would let LLVM pick
  /// another, and the CPU and GPU pick differently).
  Value combine2(OpBuilder &b, Location loc, Value acc, Value p) {
    OperationState state(loc, combiner.op->getName(), ValueRange{acc, p},
                         TypeRange{acc.getType()}, combiner.op->getAttrs());
    Operation *made = b.create(state);
    clearFastMath(made);
    return made->getResult(0);
  }

  static void clearFastMath(Operation *op) {
    if (auto fm = dyn_cast<arith::ArithFastMathInterface>(op))
      op->setAttr(fm.getFastMathAttrName(),
                  arith::FastMathFlagsAttr::get(op->getContext(),
                                                arith::FastMathFlags::none));
  }

  /// The reduction of one output element: lanes, tail, then the lanes
  /// combined into the output in increasing lane order.
  void buildRow(OpBuilder &b, Location loc, ValueRange ivs, Value n) {
    Value zero = arith::ConstantIndexOp::create(b, loc, 0);
    Value one = arith::ConstantIndexOp::create(b, loc, 1);
    Value lanes = arith::ConstantIndexOp::create(b, loc, kLanes);
    Type t = combiner.identity.getType();
    Value buf = memref::AllocaOp::create(b, loc, MemRefType::get({kLanes}, t));
    Value identity = arith::ConstantOp::create(b, loc, combiner.identity);
    forLoop(b, loc, zero, lanes, one, [&](OpBuilder &b, Location l, Value i) {
      memref::StoreOp::create(b, l, identity, buf, i);
    });
    // Whole groups of 16 terms: the inner loop is the vector.
    Value tail = arith::RemUIOp::create(b, loc, n, lanes);
    Value whole = arith::SubIOp::create(b, loc, n, tail);
    forLoop(b, loc, zero, whole, lanes, [&](OpBuilder &b, Location l, Value c) {
      scf::ForOp lane = forLoop(b, l, zero, lanes, one,
                                [&](OpBuilder &b, Location l, Value i) {
                                  Value j = arith::AddIOp::create(b, l, c, i);
                                  buildTerm(b, l, ivs, j, buf, i);
                                });
      lane->setAttr(sto::kVectorLanesAttr, b.getUnitAttr());
    });
    // The last n mod 16 terms go to lanes 0, 1, ...: they are the last
    // terms of those lanes.
    forLoop(b, loc, whole, n, one, [&](OpBuilder &b, Location l, Value j) {
      Value i = arith::SubIOp::create(b, l, j, whole);
      buildTerm(b, l, ivs, j, buf, i);
    });
    combineLanes(b, loc, ivs, [&](OpBuilder &b, Location l, Value i) -> Value {
      return memref::LoadOp::create(b, l, buf, i);
    });
  }

  /// out[ivs] = ((out[ivs] (+) p_0) (+) p_1) ... (+) p_15, lane i's partial
  /// from `lane`.
  void combineLanes(OpBuilder &b, Location loc, ValueRange ivs,
                    function_ref<Value(OpBuilder &, Location, Value)> lane) {
    Value zero = arith::ConstantIndexOp::create(b, loc, 0);
    Value one = arith::ConstantIndexOp::create(b, loc, 1);
    Value lanes = arith::ConstantIndexOp::create(b, loc, kLanes);
    OpOperand *out = combiner.out;
    SmallVector<Value> all(ivs);
    all.append(reductionSizes.size(), zero);
    SmallVector<Value> outIndices =
        pick(b, loc, op.getMatchingIndexingMap(out), all);
    Value init = memref::LoadOp::create(b, loc, out->get(), outIndices);
    auto combine = scf::ForOp::create(
        b, loc, zero, lanes, one, ValueRange{init},
        [&](OpBuilder &b, Location l, Value i, ValueRange acc) {
          scf::YieldOp::create(b, l, combine2(b, l, acc[0], lane(b, l, i)));
        });
    memref::StoreOp::create(b, loc, combine.getResult(0), out->get(),
                            outIndices);
  }

  /// Term j of the output element at `ivs`, added into lane `lane`.
  void buildTerm(OpBuilder &b, Location loc, ValueRange ivs, Value j, Value buf,
                 Value lane) {
    Value acc = memref::LoadOp::create(b, loc, buf, lane);
    memref::StoreOp::create(b, loc, buildTermValue(b, loc, ivs, j, acc), buf,
                            lane);
  }

  /// acc (+) term j of the output element at `ivs`: the op's body with its
  /// inputs loaded and `acc` as its accumulator.
  Value buildTermValue(OpBuilder &b, Location loc, ValueRange ivs, Value j,
                       Value acc) {
    // Term j is the element j of the reduction loops in row-major order;
    // its position in them is computed only where something needs it.
    SmallVector<Value> all(ivs);
    auto position = [&]() -> ArrayRef<Value> {
      if (all.size() == ivs.size()) {
        SmallVector<Value> at(reductionSizes.size());
        Value q = j;
        for (size_t k = reductionSizes.size(); k-- > 1;) {
          at[k] = arith::RemUIOp::create(b, loc, q, reductionSizes[k]);
          q = arith::DivUIOp::create(b, loc, q, reductionSizes[k]);
        }
        at[0] = q;
        all.append(at);
      }
      return all;
    };
    // The indices of `operand` for term j: on its merged view, its leading
    // (parallel) indices and j.
    auto indicesOf =
        [&](OpOperand *operand) -> std::pair<Value, SmallVector<Value>> {
      AffineMap map = op.getMatchingIndexingMap(operand);
      auto view = collapsed.find(operand);
      if (view == collapsed.end())
        return {operand->get(), pick(b, loc, map, position())};
      SmallVector<Value> indices;
      for (AffineExpr e : map.getResults().drop_back(reductionSizes.size()))
        indices.push_back(pickOne(b, loc, e, ivs));
      indices.push_back(j);
      return {view->second, indices};
    };
    IRMapping mapping;
    for (OpOperand *in : op.getDpsInputOperands()) {
      BlockArgument arg = op.getMatchingBlockArgument(in);
      if (!isa<MemRefType>(in->get().getType())) {
        mapping.map(arg, in->get());
        continue;
      }
      auto [memref, indices] = indicesOf(in);
      mapping.map(arg, memref::LoadOp::create(b, loc, memref, indices));
    }
    mapping.map(op.getMatchingBlockArgument(combiner.out), acc);
    Block *body = op.getBlock();
    for (Operation &inner : body->without_terminator()) {
      if (auto index = dyn_cast<linalg::IndexOp>(inner)) {
        mapping.map(index.getResult(), index.getDim() < ivs.size()
                                           ? ivs[index.getDim()]
                                           : position()[index.getDim()]);
        continue;
      }
      b.clone(inner, mapping);
    }
    if (Value clone = mapping.lookupOrNull(combiner.op->getResult(0)))
      clearFastMath(clone.getDefiningOp());
    Operation *yield = body->getTerminator();
    auto yielded = [&](OpOperand *init) {
      return mapping.lookupOrDefault(
          yield->getOperand(init->getOperandNumber() - op.getNumDpsInputs()));
    };
    for (OpOperand *init : combiner.elementwise) {
      auto [memref, indices] = indicesOf(init);
      memref::StoreOp::create(b, loc, yielded(init), memref, indices);
    }
    return yielded(combiner.out);
  }

  static scf::ForOp
  forLoop(OpBuilder &b, Location loc, Value lb, Value ub, Value step,
          function_ref<void(OpBuilder &, Location, Value)> fn) {
    return scf::ForOp::create(
        b, loc, lb, ub, step, ValueRange{},
        [&](OpBuilder &b, Location l, Value iv, ValueRange) {
          fn(b, l, iv);
          scf::YieldOp::create(b, l);
        });
  }

  linalg::LinalgOp op;
  Combiner combiner;
  bool gpu;
  SmallVector<Value> reductionSizes;
  DenseMap<OpOperand *, Value> collapsed;
};

struct StoLaneReductions
    : public sto::impl::StoLaneReductionsBase<StoLaneReductions> {
  using StoLaneReductionsBase::StoLaneReductionsBase;
  void runOnOperation() override {
    SmallVector<std::pair<linalg::LinalgOp, Combiner>> todo;
    getOperation()->walk([&](linalg::LinalgOp op) {
      if (!op->hasAttr(sto::kUserReductionAttr) || !isLastAxisReduction(op))
        return;
      if (std::optional<Combiner> combiner = matchCombiner(op))
        todo.push_back({op, *combiner});
    });
    IRRewriter rewriter(&getContext());
    for (auto [op, combiner] : todo)
      LaneLowering(op, combiner, gpu).lower(rewriter);
  }
};

} // namespace
