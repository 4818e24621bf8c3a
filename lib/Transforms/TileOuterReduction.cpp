//===- TileOuterReduction.cpp - threads outside a leading reduction -------===//
//
// A column sum (linalg.reduce over dimension 0 of [rows, cols]) lowers to
// `scf.for rows { scf.parallel cols }`: one OpenMP region, or one kernel
// launch, per row (8192 of them for 8192 x 1024: 8.6 ms on 2 cores). Tiled
// along its first parallel loop, with the tiles as the scf.parallel, the
// nest starts its threads once and each thread sums its columns down the
// rows. Every output element still combines its terms in increasing index
// order: the bits do not change.
//
//===----------------------------------------------------------------------===//

#include "sto/Transforms/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir {
namespace sto {
#define GEN_PASS_DEF_STOTILEOUTERREDUCTION
#include "sto/Transforms/Passes.h.inc"
} // namespace sto
} // namespace mlir

using namespace mlir;

namespace {

/// The first parallel loop of `op` when a reduction loop comes before it.
std::optional<unsigned> parallelAfterReduction(linalg::LinalgOp op) {
  if (!op.hasPureBufferSemantics() || op.getNumParallelLoops() == 0)
    return std::nullopt;
  SmallVector<utils::IteratorType> iters = op.getIteratorTypesArray();
  if (iters.front() != utils::IteratorType::reduction)
    return std::nullopt;
  for (unsigned d = 0; d < iters.size(); ++d)
    if (iters[d] == utils::IteratorType::parallel)
      return d;
  return std::nullopt;
}

struct StoTileOuterReduction
    : public sto::impl::StoTileOuterReductionBase<StoTileOuterReduction> {
  using StoTileOuterReductionBase::StoTileOuterReductionBase;
  void runOnOperation() override {
    SmallVector<std::pair<linalg::LinalgOp, unsigned>> ops;
    getOperation()->walk([&](linalg::LinalgOp op) {
      if (std::optional<unsigned> d = parallelAfterReduction(op))
        ops.push_back({op, *d});
    });
    IRRewriter rewriter(&getContext());
    for (auto [op, d] : ops) {
      // The innermost loop is contiguous in memory: a thread takes a run of
      // `columns` of it (whole cache lines, a long vector loop). An outer
      // one is split one index per tile. On a GPU every index is a thread.
      unsigned numLoops = op.getNumLoops();
      bool runs = !gpu && d + 1 == numLoops;
      int64_t size = runs ? columns * runsPerThread : 1;
      SmallVector<int64_t> sizes(numLoops, 0);
      sizes[d] = size;
      linalg::LinalgTilingOptions options;
      options.setTileSizes(sizes).setLoopType(
          linalg::LinalgTilingLoopType::ParallelLoops);
      rewriter.setInsertionPoint(op);
      FailureOr<linalg::TiledLinalgOp> tiled =
          linalg::tileLinalgOp(rewriter, op, options);
      if (failed(tiled)) {
        op.emitError("could not tile the parallel loop inside a reduction");
        return signalPassFailure();
      }
      rewriter.eraseOp(op);
      if (!runs || numLoops != 2 || rowBlock <= 1)
        continue;
      // Inside a tile: blocks of `rowBlock` rows around its runs of
      // `columns`, each run's partial sums carried in registers down the
      // block (sto-promote-accumulators) and kept in the output between
      // blocks. A thread then reads each row's part of its tile in one
      // visit of the row instead of one per run.
      SmallVector<int64_t> inner(numLoops, 0);
      inner[0] = rowBlock;
      inner[d] = columns;
      linalg::LinalgTilingOptions innerOptions;
      innerOptions.setTileSizes(inner).setLoopType(
          linalg::LinalgTilingLoopType::Loops);
      rewriter.setInsertionPoint(tiled->op);
      FailureOr<linalg::TiledLinalgOp> blocked =
          linalg::tileLinalgOp(rewriter, tiled->op, innerOptions);
      if (failed(blocked)) {
        tiled->op.emitError("could not tile the rows of a reduction");
        return signalPassFailure();
      }
      rewriter.eraseOp(tiled->op);
      // The block's columns outside its rows: each partial sum is loaded
      // and stored once per block (sto-promote-accumulators carries it down
      // the rows) and LLVM vectorizes the columns.
      rewriter.setInsertionPoint(blocked->op);
      auto generic = dyn_cast<linalg::GenericOp>(blocked->op.getOperation());
      if (!generic) {
        FailureOr<linalg::GenericOp> g = linalg::generalizeNamedOp(
            rewriter, cast<linalg::LinalgOp>(blocked->op.getOperation()));
        if (failed(g))
          continue;
        generic = *g;
      }
      // An op that cannot be interchanged keeps its order (rows outside).
      (void)linalg::interchangeGenericOp(rewriter, generic, {1, 0});
    }
  }
};

} // namespace
