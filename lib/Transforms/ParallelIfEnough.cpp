//===- ParallelIfEnough.cpp - threads only for enough work (CPU) ----------===//
//
// sto-parallelize-outer-loop runs a loop nest with a static count of fewer
// than min-parallel-work innermost iterations on one thread. With a dynamic
// count the nest became an OpenMP region whatever its size at run time: a
// 16-element add of a tensor<?xf32> started the threads (0.3-0.9 us per call
// against 6 ns for the static one). This pass gives such an omp.parallel an
// `if` clause: the region forks only when the count reaches min-parallel-work
// and the count times the body's operations min-parallel-ops (otherwise
// libomp runs it serialized on the calling thread). Each thread's
// iterations are those of the same static schedule either way; the bits do
// not change.
//
//===----------------------------------------------------------------------===//

#include "sto/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/OpenMP/OpenMPDialect.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"

namespace mlir {
namespace sto {
#define GEN_PASS_DEF_STOPARALLELIFENOUGH
#include "sto/Transforms/Passes.h.inc"
} // namespace sto
} // namespace mlir

using namespace mlir;

namespace {

struct StoParallelIfEnough
    : public sto::impl::StoParallelIfEnoughBase<StoParallelIfEnough> {
  using StoParallelIfEnoughBase::StoParallelIfEnoughBase;
  void runOnOperation() override {
    SmallVector<omp::ParallelOp> regions;
    getOperation()->walk([&](omp::ParallelOp op) {
      if (!op.getIfExpr() && !op->getParentOfType<omp::ParallelOp>())
        regions.push_back(op);
    });
    for (omp::ParallelOp par : regions) {
      omp::LoopNestOp nest;
      par.walk([&](omp::LoopNestOp op) {
        if (!nest)
          nest = op;
      });
      if (!nest)
        continue;
      // Bounds from outside the region, so that the count is known before
      // it starts.
      auto outside = [&](Value v) {
        return !par->isAncestor(v.getParentBlock()->getParentOp());
      };
      ValueRange lbs = nest.getLoopLowerBounds(),
                 ubs = nest.getLoopUpperBounds(), steps = nest.getLoopSteps();
      if (!llvm::all_of(lbs, outside) || !llvm::all_of(ubs, outside) ||
          !llvm::all_of(steps, outside))
        continue;
      bool allStatic =
          llvm::all_of(llvm::concat<Value>(lbs, ubs, steps), [](Value v) {
            return getConstantIntValue(v).has_value();
          });
      std::optional<int64_t> inner = sto::innerStaticWork(nest);
      // Static nests were decided by sto-parallelize-outer-loop; a dynamic
      // inner loop may be large whatever the outer count is.
      if (allStatic || !inner)
        continue;
      OpBuilder b(par);
      Location loc = par.getLoc();
      Type t = lbs.front().getType();
      auto cst = [&](int64_t v) -> Value {
        return arith::ConstantOp::create(b, loc, t, b.getIntegerAttr(t, v));
      };
      // work = min(prod over dims of min(trips, cap), cap) * inner, with
      // cap = min-parallel-work, or more for a cheap body (min-parallel-ops
      // over its operations): no overflow, and only the comparison with
      // the threshold matters.
      int64_t ops = sto::nestBodyOps(nest);
      int64_t cap = std::max<int64_t>(
          {minParallelWork, (minParallelOps + ops - 1) / ops, int64_t(1)});
      Value zero = cst(0), capV = cst(cap);
      Value work = cst(std::min<int64_t>(*inner, cap));
      for (auto [lb, ub, step] : llvm::zip_equal(lbs, ubs, steps)) {
        Value span = arith::SubIOp::create(b, loc, ub, lb);
        span = arith::MaxSIOp::create(b, loc, span, zero);
        Value trips = arith::CeilDivSIOp::create(b, loc, span, step);
        trips = arith::MinSIOp::create(b, loc, trips, capV);
        work = arith::MulIOp::create(b, loc, work, trips);
        work = arith::MinSIOp::create(b, loc, work, capV);
      }
      Value enough =
          arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge, work, capV);
      par.getIfExprMutable().assign(enough);
    }
  }
};

} // namespace
