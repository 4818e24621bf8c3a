//===- StageRandomValues.cpp - random values in element order (CPU) -------===//
//
// A blocked sampler's loop nest iterates Philox blocks and, inside, the
// four lanes of a block: `for b { words = philox(b); for l in 0..4 {
// v = sample(words, l); y[4b + l] = f(v, x[4b + l]) } }`. LLVM vectorizes
// the block loop, so every lane becomes its own vector and every operand
// that is read or written in element order (x, y, ...) is de-interleaved
// or re-interleaved with shuffles, once per operand.
//
// This pass splits the lane loop's body where its values stop depending on
// the block and lane alone: per chunk of 16 blocks, a first loop computes
// the sampled values (the ops that read no memory) into a small stack
// buffer in element order, and a second loop over the chunk's 64 elements
// does the rest. The first loop vectorizes over blocks and interleaves its
// results once; the second is a plain contiguous loop. Every (block, lane)
// pair is visited in the same order as before and the ops are the same, so
// the bits are the same.
//
//===----------------------------------------------------------------------===//

#include "sto/Transforms/Passes.h"

#include "BufferRoots.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/OpenMP/OpenMPDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "mlir/Interfaces/LoopLikeInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace mlir {
namespace sto {
#define GEN_PASS_DEF_STOSTAGERANDOMVALUES
#define GEN_PASS_DEF_STOHOISTSTATICALLOCAS
#include "sto/Transforms/Passes.h.inc"
} // namespace sto
} // namespace mlir

using namespace mlir;

namespace {

/// Blocks per chunk: 32 blocks of 4 lanes, 128 elements. The sampling loop
/// asks LLVM to interleave two vector iterations (kInterleave): with
/// AVX-512, 16 blocks per vector (two zmm of i64 per Philox word) times 2,
/// so that four independent chains of ten dependent rounds keep the
/// multiplier busy. In L2 on a Zen 4 core this made uniform + add 18%,
/// bernoulli 13%, the sigmoid workload 16% and Box-Muller 16% faster than
/// 16-block chunks without the hint (bench/cpu/README.md, Roofline); the
/// bits do not change.
constexpr int64_t kChunkBlocks = 32;
constexpr int32_t kInterleave = 2;
/// The loop over the chunk's elements runs only 8 zmm iterations; a latency
/// chain in it (an erf or exp polynomial) barely overlaps across two. Four
/// interleaved made dropout + gelu 12% and the sigmoid workload 4% faster in
/// L2 (8 the same as 4), but Langevin + SWA, five streams and a few adds,
/// 17% slower at 2^23 elements: only loops with such a chain get it
/// (bench/cpu/README.md, Update 4).
constexpr int32_t kRestInterleave = 4;

using sto::hasLatencyChain;

/// `llvm.loop_annotation` asking LLVM to interleave `count` vector
/// iterations; SCFToControlFlow leaves it on the loop as a discardable
/// attribute and the CPU pipeline moves it to the latch branch.
void setInterleave(Operation *loop, int32_t count) {
  MLIRContext *ctx = loop->getContext();
  loop->setAttr(
      "llvm.loop_annotation",
      LLVM::LoopAnnotationAttr::get(
          ctx, {}, {},
          LLVM::LoopInterleaveAttr::get(
              ctx, IntegerAttr::get(IntegerType::get(ctx, 32), count)),
          {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}));
}
constexpr int64_t kLanes = 4;

bool isConstIndex(Value v, int64_t c) {
  std::optional<int64_t> k = getConstantIntValue(v);
  return k && *k == c;
}

/// The lane loop ending a block loop's body: `scf.for %l = 0 to 4 step 1`
/// without results.
scf::ForOp laneLoopOf(Block *body) {
  if (body->getOperations().size() < 2)
    return {};
  auto lanes =
      dyn_cast<scf::ForOp>(*std::prev(body->without_terminator().end()));
  if (!lanes || lanes.getNumResults() != 0 ||
      !isConstIndex(lanes.getLowerBound(), 0) ||
      !isConstIndex(lanes.getUpperBound(), kLanes) ||
      !isConstIndex(lanes.getStep(), 1))
    return {};
  return lanes;
}

bool isStageable(Type t) { return t.isIntOrIndexOrFloat(); }

/// The stack buffer of a staged value. Flags (i1) are kept as bytes: LLVM
/// vectorizes loads and stores of i8 well, of i1 not at all.
MemRefType bufferType(Type t) {
  if (t.isInteger(1))
    t = IntegerType::get(t.getContext(), 8);
  return MemRefType::get({kChunkBlocks * kLanes}, t);
}

Value toStored(OpBuilder &b, Location loc, Value v) {
  if (!v.getType().isInteger(1))
    return v;
  return arith::ExtUIOp::create(b, loc, b.getI8Type(), v);
}

Value fromStored(OpBuilder &b, Location loc, Value v, Type t) {
  if (!t.isInteger(1))
    return v;
  return arith::TruncIOp::create(b, loc, t, v);
}

/// How a lane loop's body splits: `sampled` ops read no memory and depend
/// only on the block's ops, the lane and values from outside; `cut` are
/// their results that the other ops use.
struct Split {
  llvm::SetVector<Operation *> sampled;
  llvm::SetVector<Value> cut;
};

std::optional<Split> splitLaneBody(scf::ForOp lanes) {
  Split split;
  Block *body = lanes.getBody();
  for (Operation &op : body->without_terminator()) {
    bool pureLeaf = op.getNumRegions() == 0 && isPure(&op);
    bool fromSampled = llvm::all_of(op.getOperands(), [&](Value v) {
      Operation *def = v.getDefiningOp();
      if (!def)
        return v == lanes.getInductionVar() || v.getParentBlock() != body;
      return def->getBlock() != body || split.sampled.contains(def);
    });
    if (pureLeaf && fromSampled)
      split.sampled.insert(&op);
  }
  bool touchesMemory = false;
  for (Operation &op : body->without_terminator()) {
    if (split.sampled.contains(&op))
      continue;
    touchesMemory |= isa<memref::LoadOp, memref::StoreOp>(op);
    op.walk([&](Operation *nested) {
      for (Value v : nested->getOperands()) {
        Operation *def = v.getDefiningOp();
        if (!def)
          continue;
        // A block-level value (a Philox word) used directly is staged too:
        // recomputing it per element would repeat the block's work four
        // times. Index math is cheap and recomputed.
        bool blockLevel = def->getBlock() == lanes->getBlock() &&
                          !v.getType().isIndex() &&
                          !matchPattern(v, m_Constant());
        if (split.sampled.contains(def) || blockLevel)
          split.cut.insert(v);
      }
    });
  }
  if (!touchesMemory || split.cut.empty() || split.cut.size() > 4 ||
      !llvm::all_of(split.cut,
                    [](Value v) { return isStageable(v.getType()); }))
    return std::nullopt;
  return split;
}

/// A loop over Philox blocks that ends in a lane loop: a one-dimensional
/// `scf.parallel` or an `scf.for` without results, from 0, step 1.
struct BlockLoop {
  LoopLikeOpInterface loop;
  Value iv, ub;
  scf::ForOp lanes;
};

std::optional<BlockLoop> blockLoopOf(Operation *op) {
  if (auto par = dyn_cast<scf::ParallelOp>(op)) {
    if (par.getNumLoops() != 1 || !par.getInitVals().empty() ||
        !isConstIndex(par.getLowerBound()[0], 0) ||
        !isConstIndex(par.getStep()[0], 1))
      return std::nullopt;
    if (scf::ForOp lanes = laneLoopOf(par.getBody()))
      return BlockLoop{par, par.getInductionVars()[0], par.getUpperBound()[0],
                       lanes};
  } else if (auto loop = dyn_cast<scf::ForOp>(op)) {
    if (loop.getNumResults() != 0 || !isConstIndex(loop.getLowerBound(), 0) ||
        !isConstIndex(loop.getStep(), 1))
      return std::nullopt;
    if (scf::ForOp lanes = laneLoopOf(loop.getBody()))
      return BlockLoop{loop, loop.getInductionVar(), loop.getUpperBound(),
                       lanes};
  }
  return std::nullopt;
}

/// Rewrites the block loop `bl`, whose body is pure ops and then its lane
/// loop, as chunks of kChunkBlocks blocks in a loop of the same kind, plus
/// the original loop for the blocks after the last whole chunk.
/// `inParallel`: whether scf.parallel loops will run on several threads.
LogicalResult stage(RewriterBase &rewriter, const BlockLoop &bl,
                    const Split &split, bool inParallel,
                    int64_t prefetchBytes) {
  LoopLikeOpInterface loop = bl.loop;
  Value blockIv = bl.iv, ub = bl.ub;
  scf::ForOp lanes = bl.lanes;
  Location loc = loop.getLoc();
  Block *blockBody = blockIv.getParentBlock();
  // The block's own ops (Philox) must be pure to be computed again in each
  // stage.
  for (Operation &op : blockBody->without_terminator())
    if (&op != lanes && (op.getNumRegions() != 0 || !isPure(&op)))
      return failure();

  // Not one whole chunk: nothing to gain.
  std::optional<int64_t> trips = getConstantIntValue(ub);
  if (trips && *trips < kChunkBlocks)
    return failure();

  rewriter.setInsertionPoint(loop);
  Value c0 = arith::ConstantIndexOp::create(rewriter, loc, 0);
  Value c1 = arith::ConstantIndexOp::create(rewriter, loc, 1);
  Value cLanes = arith::ConstantIndexOp::create(rewriter, loc, kLanes);
  Value cChunk = arith::ConstantIndexOp::create(rewriter, loc, kChunkBlocks);
  Value cElems =
      arith::ConstantIndexOp::create(rewriter, loc, kChunkBlocks * kLanes);
  // Blocks from 0 (the trip count is ub).
  Value chunks = arith::DivUIOp::create(rewriter, loc, ub, cChunk);
  Value mainEnd = arith::MulIOp::create(rewriter, loc, chunks, cChunk);

  // The stack buffers: in the chunk loop's body when it runs in parallel
  // (each thread's iterations get their own; the OpenMP lowering scopes
  // them), otherwise once before the loop, in the body of the nearest
  // parallel loop or function, so that the stack does not grow with each
  // iteration of an enclosing loop.
  SmallVector<Value> outerBuffers;
  if (!(isa<scf::ParallelOp>(loop.getOperation()) && inParallel)) {
    // scf.parallel claims to scope allocations, but run sequentially it
    // becomes plain loops that do not free them.
    auto isScope = [&](Operation *op) {
      if (isa<scf::ParallelOp>(op))
        return inParallel;
      return op->hasTrait<OpTrait::AutomaticAllocationScope>();
    };
    Operation *scope = loop->getParentOp();
    while (!isScope(scope))
      scope = scope->getParentOp();
    OpBuilder::InsertionGuard guard(rewriter);
    rewriter.setInsertionPointToStart(&scope->getRegion(0).front());
    for (Value v : split.cut)
      outerBuffers.push_back(
          memref::AllocaOp::create(rewriter, loc, bufferType(v.getType())));
  }

  // Loads and stores of the rest at [..., block, lane] of a view defined
  // outside, and that view with its last two dimensions merged.
  llvm::DenseMap<Operation *, Value> collapsedViews;
  llvm::DenseMap<Value, Value> collapsedOf;
  for (Operation &op : lanes.getBody()->without_terminator()) {
    std::optional<sto::MemRefAccess> access = sto::memrefAccessOf(&op);
    if (!access)
      continue;
    Value memref = access->memref;
    ValueRange indices = access->indices;
    auto type = cast<MemRefType>(memref.getType());
    int64_t rank = type.getRank();
    if (rank < 2 || type.getDimSize(rank - 1) != kLanes ||
        indices[rank - 2] != blockIv ||
        indices[rank - 1] != lanes.getInductionVar() ||
        !loop.isDefinedOutsideOfLoop(memref))
      continue;
    SmallVector<ReassociationIndices> merge;
    for (int64_t d = 0; d + 2 < rank; ++d)
      merge.push_back({d});
    merge.push_back({rank - 2, rank - 1});
    if (!memref::CollapseShapeOp::isGuaranteedCollapsible(type, merge))
      continue;
    Value &view = collapsedOf[memref];
    if (!view)
      view = memref::CollapseShapeOp::create(rewriter, loc, memref, merge);
    collapsedViews[&op] = view;
  }

  auto cloneBlockOps = [&](OpBuilder &b, IRMapping &mapping) {
    for (Operation &op : blockBody->without_terminator())
      if (&op != lanes)
        b.clone(op, mapping);
  };

  // Views to prefetch: rank 1 (the outer indices would be the rest loop's),
  // with whether the rest writes them.
  llvm::MapVector<Value, bool> prefetched;
  if (prefetchBytes > 0)
    for (Operation &op : lanes.getBody()->without_terminator())
      if (Value view = collapsedViews.lookup(&op))
        if (cast<MemRefType>(view.getType()).getRank() == 1)
          prefetched[view] |= isa<memref::StoreOp>(op);

  // One chunk: the blocks from `first` to `first + kChunkBlocks`.
  auto chunkBody = [&](OpBuilder &b, Value chunk) {
    Value first = arith::MulIOp::create(b, loc, chunk, cChunk);
    // The lines of the chunk `prefetchBytes` ahead, clamped to the last
    // element (an address past the buffer is not formed).
    for (auto [view, write] : prefetched) {
      auto type = cast<MemRefType>(view.getType());
      int64_t elemBytes = type.getElementTypeBitWidth() / 8;
      if (elemBytes == 0 || 64 % elemBytes != 0)
        continue;
      int64_t lineElems = 64 / elemBytes;
      int64_t ahead = std::max<int64_t>(1, prefetchBytes / elemBytes);
      Value last = arith::SubIOp::create(
          b, loc, memref::DimOp::create(b, loc, view, 0), c1);
      Value start = arith::AddIOp::create(
          b, loc, arith::MulIOp::create(b, loc, first, cLanes),
          arith::ConstantIndexOp::create(b, loc, ahead));
      for (int64_t off = 0; off < kChunkBlocks * kLanes; off += lineElems) {
        Value idx = arith::MinUIOp::create(
            b, loc,
            arith::AddIOp::create(b, loc, start,
                                  arith::ConstantIndexOp::create(b, loc, off)),
            last);
        memref::PrefetchOp::create(b, loc, view, ValueRange{idx}, write,
                                   /*localityHint=*/3, /*isDataCache=*/true);
      }
    }
    SmallVector<Value> buffers(outerBuffers);
    if (buffers.empty())
      for (Value v : split.cut)
        buffers.push_back(
            memref::AllocaOp::create(b, loc, bufferType(v.getType())));
    // 1. The sampled values of the chunk's blocks, stored in element order.
    auto sample = scf::ForOp::create(b, loc, c0, cChunk, c1);
    setInterleave(sample, kInterleave);
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(sample.getBody());
      IRMapping mapping;
      Value block =
          arith::AddIOp::create(b, loc, first, sample.getInductionVar());
      mapping.map(blockIv, block);
      cloneBlockOps(b, mapping);
      auto lane = scf::ForOp::create(b, loc, c0, cLanes, c1);
      b.setInsertionPointToStart(lane.getBody());
      mapping.map(lanes.getInductionVar(), lane.getInductionVar());
      for (Operation *op : split.sampled)
        b.clone(*op, mapping);
      Value elem = arith::AddIOp::create(
          b, loc,
          arith::MulIOp::create(b, loc, sample.getInductionVar(), cLanes),
          lane.getInductionVar());
      for (auto [v, buffer] : llvm::zip_equal(split.cut, buffers))
        memref::StoreOp::create(b, loc, toStored(b, loc, mapping.lookup(v)),
                                buffer, elem);
    }
    // 2. The rest, element by element: block first + e / 4, lane e % 4.
    auto rest = scf::ForOp::create(b, loc, c0, cElems, c1);
    if (llvm::any_of(lanes.getBody()->without_terminator(), [&](Operation &op) {
          return !split.sampled.contains(&op) && hasLatencyChain(&op);
        }))
      setInterleave(rest, kRestInterleave);
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(rest.getBody());
      Value e = rest.getInductionVar();
      IRMapping mapping;
      mapping.map(blockIv, arith::AddIOp::create(
                               b, loc, first,
                               arith::DivUIOp::create(b, loc, e, cLanes)));
      mapping.map(lanes.getInductionVar(),
                  arith::RemUIOp::create(b, loc, e, cLanes));
      for (auto [v, buffer] : llvm::zip_equal(split.cut, buffers))
        mapping.map(v, fromStored(b, loc,
                                  memref::LoadOp::create(b, loc, buffer, e),
                                  v.getType()));
      // Block ops the rest uses directly (index math, mostly); unused
      // clones fold away.
      cloneBlockOps(b, mapping);
      // Element (block, lane) of a [..., blocks, 4] view is element
      // 4 first + e of its collapsed [..., 4 blocks] form: one index that
      // LLVM sees advance by one.
      Value flat = arith::AddIOp::create(
          b, loc, arith::MulIOp::create(b, loc, first, cLanes), e);
      for (Operation &op : lanes.getBody()->without_terminator()) {
        if (split.sampled.contains(&op))
          continue;
        if (Value view = collapsedViews.lookup(&op)) {
          auto indices = [&](ValueRange old) {
            SmallVector<Value> idx;
            for (Value v : old.drop_back(2))
              idx.push_back(mapping.lookupOrDefault(v));
            idx.push_back(flat);
            return idx;
          };
          if (auto load = dyn_cast<memref::LoadOp>(op)) {
            mapping.map(load.getResult(),
                        memref::LoadOp::create(b, loc, view,
                                               indices(load.getIndices())));
            continue;
          }
          auto store = cast<memref::StoreOp>(op);
          memref::StoreOp::create(
              b, loc, mapping.lookupOrDefault(store.getValueToStore()), view,
              indices(store.getIndices()));
          continue;
        }
        b.clone(op, mapping);
      }
    }
  };
  // The chunks, in a loop of the block loop's kind.
  if (isa<scf::ParallelOp>(loop.getOperation()))
    scf::ParallelOp::create(
        rewriter, loc, ValueRange{c0}, ValueRange{chunks}, ValueRange{c1},
        [&](OpBuilder &b, Location, ValueRange ivs) { chunkBody(b, ivs[0]); });
  else
    scf::ForOp::create(rewriter, loc, c0, chunks, c1, ValueRange{},
                       [&](OpBuilder &b, Location, Value iv, ValueRange) {
                         chunkBody(b, iv);
                         scf::YieldOp::create(b, loc);
                       });
  // The remaining blocks: the original loop, from the end of the chunks
  // (none when the trip count is a static multiple of the chunk).
  if (trips && *trips % kChunkBlocks == 0)
    rewriter.eraseOp(loop);
  else
    rewriter.modifyOpInPlace(loop, [&] { loop->setOperand(0, mainEnd); });
  return success();
}

struct StoStageRandomValues
    : public sto::impl::StoStageRandomValuesBase<StoStageRandomValues> {
  using StoStageRandomValuesBase::StoStageRandomValuesBase;
  void runOnOperation() override {
    SmallVector<BlockLoop> candidates;
    getOperation()->walk([&](Operation *op) {
      if (std::optional<BlockLoop> bl = blockLoopOf(op))
        candidates.push_back(*bl);
    });
    IRRewriter rewriter(&getContext());
    for (const BlockLoop &bl : candidates)
      if (std::optional<Split> split = splitLaneBody(bl.lanes))
        (void)stage(rewriter, bl, *split, parallel, prefetchBytes);
  }
};

} // namespace

namespace {

/// Static stack buffers inside loops move to where each thread starts: the
/// entry of the enclosing OpenMP parallel region, or of the function. Each
/// thread then allocates them once and reuses them in its iterations,
/// which run one after the other (the contents of a fresh alloca are
/// undefined, so no program can tell). An alloca left in a loop body would
/// grow the stack in every iteration, and an alloca scope around a body of
/// several blocks (loops lowered to branches) cannot be lowered.
struct StoHoistStaticAllocas
    : public sto::impl::StoHoistStaticAllocasBase<StoHoistStaticAllocas> {
  void runOnOperation() override {
    SmallVector<std::pair<memref::AllocaOp, Block *>> moves;
    getOperation()->walk([&](memref::AllocaOp alloca) {
      if (alloca->getNumOperands() != 0)
        return;
      Operation *scope = alloca->getParentOp();
      while (scope && !isa<omp::ParallelOp, FunctionOpInterface>(scope))
        scope = scope->getParentOp();
      if (scope && scope != alloca->getParentOp())
        moves.push_back({alloca, &scope->getRegion(0).front()});
    });
    for (auto [alloca, entry] : moves)
      alloca->moveBefore(entry, entry->begin());
  }
};

} // namespace
