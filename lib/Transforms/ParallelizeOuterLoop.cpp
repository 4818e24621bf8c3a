//===- ParallelizeOuterLoop.cpp - one parallel dimension per loop nest ----===//

#include "sto/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Utils/Utils.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/LoopLikeInterface.h"
#include "llvm/Support/MathExtras.h"

#include <limits>

namespace mlir {
namespace sto {
#define GEN_PASS_DEF_STOPARALLELIZEOUTERLOOP
#include "sto/Transforms/Passes.h.inc"
} // namespace sto
} // namespace mlir

using namespace mlir;

namespace {

/// scf.parallel (i, j, ...) -> scf.parallel (i) { scf.for j { ... } }.
void sequentializeInner(scf::ParallelOp op) {
  IRRewriter rewriter(op.getContext());
  rewriter.setInsertionPoint(op);
  Location loc = op.getLoc();
  auto outer = scf::ParallelOp::create(
      rewriter, loc, op.getLowerBound().take_front(1),
      op.getUpperBound().take_front(1), op.getStep().take_front(1));
  IRMapping mapping;
  mapping.map(op.getInductionVars()[0], outer.getInductionVars()[0]);
  rewriter.setInsertionPointToStart(outer.getBody());
  for (unsigned d = 1, e = op.getNumLoops(); d < e; ++d) {
    auto loop = scf::ForOp::create(rewriter, loc, op.getLowerBound()[d],
                                   op.getUpperBound()[d], op.getStep()[d]);
    mapping.map(op.getInductionVars()[d], loop.getInductionVar());
    rewriter.setInsertionPointToStart(loop.getBody());
  }
  for (Operation &inner : op.getBody()->without_terminator())
    rewriter.clone(inner, mapping);
  rewriter.eraseOp(op);
}

/// scf.parallel (i, j, ...) -> scf.for i { scf.for j { ... } }.
void sequentializeAll(scf::ParallelOp op) {
  IRRewriter rewriter(op.getContext());
  rewriter.setInsertionPoint(op);
  Location loc = op.getLoc();
  IRMapping mapping;
  for (unsigned d = 0, e = op.getNumLoops(); d < e; ++d) {
    auto loop = scf::ForOp::create(rewriter, loc, op.getLowerBound()[d],
                                   op.getUpperBound()[d], op.getStep()[d]);
    mapping.map(op.getInductionVars()[d], loop.getInductionVar());
    rewriter.setInsertionPointToStart(loop.getBody());
  }
  for (Operation &inner : op.getBody()->without_terminator())
    rewriter.clone(inner, mapping);
  rewriter.eraseOp(op);
}

/// scf.parallel (i, j) init(%z) { ... scf.reduce(%v) } -> scf.for i
/// iter_args(%a = %z) { scf.for j iter_args(%b = %a) { ...; yield
/// reduce(%b, %v) } }: the combining regions applied in iteration order,
/// one of the orders scf.parallel allows. (The GPU mapping has no
/// reductions; the loop then runs in a one-thread kernel.)
void sequentializeReduction(scf::ParallelOp op) {
  IRRewriter rewriter(op.getContext());
  rewriter.setInsertionPoint(op);
  Location loc = op.getLoc();
  IRMapping mapping;
  SmallVector<scf::ForOp> loops;
  ValueRange accs = op.getInitVals();
  for (unsigned d = 0, e = op.getNumLoops(); d < e; ++d) {
    auto loop =
        scf::ForOp::create(rewriter, loc, op.getLowerBound()[d],
                           op.getUpperBound()[d], op.getStep()[d], accs);
    if (!loops.empty())
      scf::YieldOp::create(rewriter, loc, loop.getResults());
    loops.push_back(loop);
    mapping.map(op.getInductionVars()[d], loop.getInductionVar());
    rewriter.setInsertionPointToStart(loop.getBody());
    accs = loop.getRegionIterArgs();
  }
  for (Operation &inner : op.getBody()->without_terminator())
    rewriter.clone(inner, mapping);
  auto reduce = cast<scf::ReduceOp>(op.getBody()->getTerminator());
  SmallVector<Value> next;
  for (auto [acc, operand, region] :
       llvm::zip_equal(accs, reduce.getOperands(), reduce.getReductions())) {
    Block &combine = region.front();
    IRMapping regionMapping;
    regionMapping.map(combine.getArgument(0), acc);
    regionMapping.map(combine.getArgument(1), mapping.lookupOrDefault(operand));
    for (Operation &inner : combine.without_terminator())
      rewriter.clone(inner, regionMapping);
    auto yield = cast<scf::ReduceReturnOp>(combine.getTerminator());
    next.push_back(regionMapping.lookupOrDefault(yield.getResult()));
  }
  scf::YieldOp::create(rewriter, loc, next);
  rewriter.replaceOp(op, loops.front().getResults());
}

/// Whether every combining region of `op` is one op that OpenMP reduces
/// (an add, a product, a bitwise and/or/xor) applied to its arguments.
bool hasOpenMpReductions(scf::ParallelOp op) {
  auto reduce = cast<scf::ReduceOp>(op.getBody()->getTerminator());
  return llvm::all_of(reduce.getReductions(), [](Region &region) {
    Block &block = region.front();
    if (!llvm::hasSingleElement(block.without_terminator()))
      return false;
    Operation &combine = block.front();
    return isa<arith::AddFOp, arith::AddIOp, arith::MulFOp, arith::MulIOp,
               arith::AndIOp, arith::OrIOp, arith::XOrIOp>(combine) &&
           combine.getResult(0) == block.getTerminator()->getOperand(0);
  });
}

/// GPU form: a trailing dimension 0..4 step 1 (the lanes of a Philox block)
/// becomes an scf.for inside; the remaining dimensions are collapsed into
/// one, so consecutive threads take consecutive blocks.
void mapForGpu(scf::ParallelOp op) {
  unsigned n = op.getNumLoops();
  auto isConst = [](Value v, int64_t c) {
    auto cst = v.getDefiningOp<arith::ConstantIndexOp>();
    return cst && cst.value() == c;
  };
  IRRewriter rewriter(op.getContext());
  if (n > 1 && isConst(op.getLowerBound()[n - 1], 0) &&
      isConst(op.getUpperBound()[n - 1], 4) &&
      isConst(op.getStep()[n - 1], 1)) {
    rewriter.setInsertionPoint(op);
    Location loc = op.getLoc();
    auto outer = scf::ParallelOp::create(
        rewriter, loc, op.getLowerBound().drop_back(),
        op.getUpperBound().drop_back(), op.getStep().drop_back());
    IRMapping mapping;
    for (unsigned d = 0; d + 1 < n; ++d)
      mapping.map(op.getInductionVars()[d], outer.getInductionVars()[d]);
    rewriter.setInsertionPointToStart(outer.getBody());
    auto lanes =
        scf::ForOp::create(rewriter, loc, op.getLowerBound()[n - 1],
                           op.getUpperBound()[n - 1], op.getStep()[n - 1]);
    mapping.map(op.getInductionVars()[n - 1], lanes.getInductionVar());
    rewriter.setInsertionPointToStart(lanes.getBody());
    for (Operation &inner : op.getBody()->without_terminator())
      rewriter.clone(inner, mapping);
    rewriter.eraseOp(op);
    op = outer;
    n -= 1;
  }
  if (n > 1) {
    std::vector<unsigned> all;
    for (unsigned d = 0; d < n; ++d)
      all.push_back(d);
    collapseParallelLoops(rewriter, op, {all});
  }
}

/// Product of the trip counts of a loop's dimensions, if all are static.
std::optional<int64_t> staticTrips(ValueRange lbs, ValueRange ubs,
                                   ValueRange steps) {
  int64_t n = 1;
  for (auto [lb, ub, step] : llvm::zip_equal(lbs, ubs, steps)) {
    std::optional<int64_t> l = getConstantIntValue(lb),
                           u = getConstantIntValue(ub),
                           s = getConstantIntValue(step);
    if (!l || !u || !s || *s <= 0)
      return std::nullopt;
    // Saturated: a huge static nest is simply large work.
    int64_t span;
    if (llvm::SubOverflow(*u, *l, span))
      span = std::numeric_limits<int64_t>::max();
    int64_t trips = std::max<int64_t>(0, llvm::divideCeil(span, *s));
    if (llvm::MulOverflow(n, trips, n))
      return std::numeric_limits<int64_t>::max();
  }
  return n;
}

std::optional<int64_t> staticTrips(Operation *loop) {
  if (auto p = dyn_cast<scf::ParallelOp>(loop))
    return staticTrips(p.getLowerBound(), p.getUpperBound(), p.getStep());
  if (auto f = dyn_cast<scf::ForOp>(loop))
    return staticTrips(f.getLowerBound(), f.getUpperBound(), f.getStep());
  return std::nullopt;
}

/// Innermost iterations of `op`'s loop nest (the largest over its nested
/// loops), when every bound is static.
std::optional<int64_t> staticWork(scf::ParallelOp op) {
  std::optional<int64_t> outer = staticTrips(op);
  std::optional<int64_t> inner = sto::innerStaticWork(op);
  if (!outer || !inner)
    return std::nullopt;
  int64_t work;
  if (llvm::MulOverflow(*outer, *inner, work))
    return std::numeric_limits<int64_t>::max();
  return work;
}

struct StoParallelizeOuterLoop
    : public sto::impl::StoParallelizeOuterLoopBase<StoParallelizeOuterLoop> {
  using StoParallelizeOuterLoopBase::StoParallelizeOuterLoopBase;
  void runOnOperation() override {
    if (gpu) {
      // An outermost reduction becomes loops first: the GPU mapping cannot
      // make a kernel of it ("failed to legalize unresolved
      // materialization"). One inside a kernel's loop stays: the mapping
      // runs it in the thread.
      SmallVector<scf::ParallelOp> reductions;
      getOperation()->walk([&](scf::ParallelOp op) {
        if (!op.getInitVals().empty() &&
            !op->getParentOfType<scf::ParallelOp>())
          reductions.push_back(op);
      });
      for (scf::ParallelOp op : reductions)
        sequentializeReduction(op);
      // Then nested parallel loops (a linalg op in the body of a model's
      // scf.forall) run inside a thread and become loops, so that the outer
      // loop is the one tiled into thread blocks (it got one thread per
      // block).
      SmallVector<scf::ParallelOp> nested, loops;
      getOperation()->walk([&](scf::ParallelOp op) {
        if (!op.getInitVals().empty())
          return;
        if (op->getParentOfType<scf::ParallelOp>())
          nested.push_back(op);
        else
          loops.push_back(op);
      });
      for (scf::ParallelOp op : nested)
        sequentializeAll(op);
      for (scf::ParallelOp op : loops)
        mapForGpu(op);
      return;
    }
    // A reduction OpenMP cannot combine (convert-scf-to-openmp knows adds,
    // products and bitwise ops, not a max: "unconverted operation found")
    // runs as loops carrying the accumulator.
    SmallVector<scf::ParallelOp> unsupported;
    getOperation()->walk([&](scf::ParallelOp op) {
      if (!op.getInitVals().empty() && !hasOpenMpReductions(op))
        unsupported.push_back(op);
    });
    for (scf::ParallelOp op : unsupported)
      sequentializeReduction(op);
    // A parallel loop inside another (a reduction loop between them, as in
    // [tile, b, lane] nests) runs inside one thread: it becomes loops. So
    // does a loop nest too small to pay for starting threads.
    SmallVector<scf::ParallelOp> nested, loops;
    getOperation()->walk([&](scf::ParallelOp op) {
      // Reductions keep their scf.parallel form (scf.reduce).
      if (!op.getInitVals().empty())
        return;
      std::optional<int64_t> work = staticWork(op);
      int64_t ops = 0;
      bool small =
          work && (*work < minParallelWork ||
                   (!llvm::MulOverflow(*work, sto::nestBodyOps(op), ops) &&
                    ops < minParallelOps));
      if (op->getParentOfType<scf::ParallelOp>() || small)
        nested.push_back(op);
      else if (op.getNumLoops() > 1)
        loops.push_back(op);
    });
    for (scf::ParallelOp op : nested)
      sequentializeAll(op);
    for (scf::ParallelOp op : loops)
      sequentializeInner(op);
  }
};

} // namespace

std::optional<int64_t> mlir::sto::innerStaticWork(Operation *root) {
  int64_t inner = 1;
  bool dynamic = false;
  for (Region &region : root->getRegions())
    region.walk([&](LoopLikeOpInterface loop) {
      int64_t n = 1;
      for (Operation *p = loop; p != root; p = p->getParentOp()) {
        if (!isa<LoopLikeOpInterface>(p))
          continue;
        std::optional<int64_t> t = staticTrips(p);
        if (!t) {
          dynamic = true;
          return;
        }
        if (llvm::MulOverflow(n, *t, n))
          n = std::numeric_limits<int64_t>::max();
      }
      inner = std::max(inner, n);
    });
  if (dynamic)
    return std::nullopt;
  return inner;
}

int64_t mlir::sto::nestBodyOps(Operation *root) {
  int64_t n = 0;
  for (Region &region : root->getRegions())
    region.walk([&](Operation *inner) {
      if (!isa<LoopLikeOpInterface>(inner) &&
          !inner->hasTrait<OpTrait::IsTerminator>() &&
          !inner->hasTrait<OpTrait::ConstantLike>())
        ++n;
    });
  return std::max<int64_t>(n, 1);
}
