//===- PrepareGpuKernels.cpp - kernel-level fixes before NVVM -------------===//

#include "sto/Transforms/Passes.h"

#include "BufferRoots.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Utils/Utils.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/Dominance.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/LoopLikeInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"
#include "mlir/Transforms/CSE.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/Support/MathExtras.h"

#include <limits>

namespace mlir {
namespace sto {
#define GEN_PASS_DEF_STOPREPAREGPUKERNELS
#include "sto/Transforms/Passes.h.inc"
} // namespace sto
} // namespace mlir

using namespace mlir;
using sto::isDistinctRoot;
using sto::rootBuffer;

namespace {

constexpr int64_t kBufferAlignment = 16;
constexpr int64_t kMaxUnrolledTrips = 4;

std::optional<int64_t> constantTrips(scf::ForOp loop) {
  auto cst = [](Value v) -> std::optional<int64_t> {
    if (auto c = v.getDefiningOp<arith::ConstantIndexOp>())
      return c.value();
    return std::nullopt;
  };
  auto lb = cst(loop.getLowerBound()), ub = cst(loop.getUpperBound()),
       step = cst(loop.getStep());
  // Bounds near the ends of the index range have no count here.
  int64_t span, rounded;
  if (!lb || !ub || !step || *step <= 0 || llvm::SubOverflow(*ub, *lb, span) ||
      llvm::AddOverflow(span, *step - 1, rounded))
    return std::nullopt;
  return rounded / *step;
}

//===----------------------------------------------------------------------===//
// Which kernel buffers cannot overlap
//===----------------------------------------------------------------------===//

/// For one kernel, the memref arguments that overlap no other memref
/// argument at any launch: each is bound, at every launch, to a distinct
/// buffer no other argument of that launch views.
llvm::SmallDenseSet<unsigned>
disjointArguments(gpu::GPUFuncOp kernel, ArrayRef<gpu::LaunchFuncOp> launches,
                  SymbolTableCollection &symbols, Operation *module) {
  llvm::SmallDenseSet<unsigned> result;
  if (launches.empty())
    return result;
  for (BlockArgument arg : kernel.getArguments())
    if (isa<MemRefType>(arg.getType()))
      result.insert(arg.getArgNumber());
  for (gpu::LaunchFuncOp launch : launches) {
    ValueRange operands = launch.getKernelOperands();
    if (operands.size() != kernel.getNumArguments())
      return {};
    llvm::DenseMap<Value, unsigned> rootCount;
    SmallVector<Value> roots(operands.size());
    for (auto [i, operand] : llvm::enumerate(operands)) {
      if (!isa<MemRefType>(operand.getType()))
        continue;
      roots[i] = rootBuffer(operand);
      ++rootCount[roots[i]];
    }
    for (auto [i, root] : llvm::enumerate(roots))
      if (root && (rootCount[root] != 1 || !isDistinctRoot(root, module)))
        result.erase(i);
  }
  return result;
}

//===----------------------------------------------------------------------===//
// 16-byte accesses
//===----------------------------------------------------------------------===//

/// Where an access in a kernel goes: its buffer (the kernel argument or
/// private allocation under the views), the view it goes through, and the
/// index.
struct Place {
  Value root;
  Value view;
  SmallVector<Value> prefix;
  /// The last index, `lastBase` + `last` (`lastBase` null: a constant),
  /// and how many elements from there on.
  Value lastBase;
  int64_t last;
  int64_t width = 1;
};

std::optional<int64_t> constantIndex(Value v) {
  if (auto cst = v.getDefiningOp<arith::ConstantIndexOp>())
    return cst.value();
  return std::nullopt;
}

/// Whether `v` is a multiple of 4: a constant, a product with one, a sum of
/// two, or the induction variable of a loop that starts at and steps by
/// multiples of 4.
bool isMultipleOf4(Value v, int depth = 0) {
  if (depth > 8)
    return false;
  if (std::optional<int64_t> c = constantIndex(v))
    return *c % 4 == 0;
  if (auto mul = v.getDefiningOp<arith::MulIOp>())
    return isMultipleOf4(mul.getLhs(), depth + 1) ||
           isMultipleOf4(mul.getRhs(), depth + 1);
  if (auto add = v.getDefiningOp<arith::AddIOp>())
    return isMultipleOf4(add.getLhs(), depth + 1) &&
           isMultipleOf4(add.getRhs(), depth + 1);
  if (auto loop = scf::getForInductionVarOwner(v)) {
    std::optional<int64_t> lb = constantIndex(loop.getLowerBound());
    std::optional<int64_t> step = constantIndex(loop.getStep());
    return lb && step && *lb % 4 == 0 && *step % 4 == 0;
  }
  return false;
}

std::optional<Place> locationOf(Operation *op) {
  Value memref;
  ValueRange indices;
  int64_t width = 1;
  if (std::optional<sto::MemRefAccess> access = sto::memrefAccessOf(op)) {
    memref = access->memref;
    indices = access->indices;
  } else if (auto load = dyn_cast<vector::LoadOp>(op)) {
    memref = load.getBase();
    indices = load.getIndices();
    width = load.getVectorType().getNumElements();
  } else if (auto store = dyn_cast<vector::StoreOp>(op)) {
    memref = store.getBase();
    indices = store.getIndices();
    width = store.getVectorType().getNumElements();
  } else {
    return std::nullopt;
  }
  Place loc;
  loc.view = memref;
  // Alignment assumptions are not views of their own.
  while (auto assumed = memref.getDefiningOp<memref::AssumeAlignmentOp>())
    memref = assumed.getMemref();
  loc.root = rootBuffer(memref);
  if (indices.empty())
    return std::nullopt;
  loc.prefix.assign(indices.begin(), std::prev(indices.end()));
  // The last index as base + constant (a lane of an unrolled loop that
  // steps over Philox blocks, say).
  Value last = indices.back();
  loc.last = 0;
  if (std::optional<int64_t> c = constantIndex(last)) {
    loc.last = *c;
  } else if (auto add = last.getDefiningOp<arith::AddIOp>()) {
    if (std::optional<int64_t> c = constantIndex(add.getRhs())) {
      loc.lastBase = add.getLhs();
      loc.last = *c;
    } else if (std::optional<int64_t> c = constantIndex(add.getLhs())) {
      loc.lastBase = add.getRhs();
      loc.last = *c;
    } else {
      loc.lastBase = last;
    }
  } else {
    loc.lastBase = last;
  }
  loc.width = width;
  return loc;
}

/// Whether two accesses of a kernel may touch the same element.
/// `disjoint` holds the kernel arguments that overlap no other buffer.
bool mayOverlap(const Place &a, const Place &b,
                const llvm::SmallDenseSet<unsigned> &disjoint) {
  if (a.root != b.root) {
    auto isPrivate = [&](Value root) {
      Operation *def = root.getDefiningOp();
      return def && isa<memref::AllocaOp>(def);
    };
    auto isDisjoint = [&](Value root) {
      auto arg = dyn_cast<BlockArgument>(root);
      return arg && disjoint.contains(arg.getArgNumber());
    };
    return !(isPrivate(a.root) || isPrivate(b.root) || isDisjoint(a.root) ||
             isDisjoint(b.root));
  }
  // One buffer through one view: equal prefixes and disjoint ranges of the
  // last index are different elements; anything else may be the same one.
  return a.view != b.view || a.prefix != b.prefix || a.lastBase != b.lastBase ||
         (a.last < b.last + b.width && b.last < a.last + a.width);
}

/// Whether `op` only computes (reads or writes no memory).
bool isComputation(Operation *op) {
  if (auto asmOp = dyn_cast<LLVM::InlineAsmOp>(op))
    return !asmOp.getHasSideEffects() &&
           !asmOp.getAsmString().contains("ld.") &&
           !asmOp.getAsmString().contains("st.");
  return isMemoryEffectFree(op);
}

/// A group of four accesses of one kind to four consecutive elements
/// [prefix.., g .. g+3] (g a multiple of four) of one identity-layout
/// buffer whose last dimension is a multiple of four: with 16-byte aligned
/// buffers such a group is one naturally aligned vector access.
template <typename OpTy>
SmallVector<SmallVector<OpTy, 4>> findGroups(Block &block) {
  llvm::MapVector<std::pair<Operation *, int64_t>, SmallVector<OpTy, 4>> groups;
  // Keyed by the first access of a (view, prefix, g): accesses of one group
  // share the view and prefix values.
  SmallVector<std::pair<Place, Operation *>> keys;
  for (Operation &op : block) {
    auto access = dyn_cast<OpTy>(&op);
    if (!access)
      continue;
    auto type = cast<MemRefType>(access.getMemRef().getType());
    Type element = type.getElementType();
    unsigned bits =
        element.isIntOrFloat() ? element.getIntOrFloatBitWidth() : 0;
    if (!type.getLayout().isIdentity() || type.getRank() == 0 ||
        ShapedType::isDynamic(type.getShape().back()) ||
        type.getShape().back() % 4 != 0 ||
        !(bits == 8 || bits == 16 || bits == 32 || bits == 64))
      continue;
    std::optional<Place> loc = locationOf(&op);
    // Only kernel arguments are known to be 16-byte aligned, and the group
    // must start at a multiple of four.
    if (!loc || loc->last < 0 || !isa<BlockArgument>(loc->root) ||
        (loc->lastBase && !isMultipleOf4(loc->lastBase)))
      continue;
    int64_t base = loc->last - loc->last % 4;
    Operation *key = nullptr;
    for (auto &[known, first] : keys)
      if (known.view == loc->view && known.prefix == loc->prefix &&
          known.lastBase == loc->lastBase && known.last == base)
        key = first;
    if (!key) {
      Place start = *loc;
      start.last = base;
      keys.push_back({start, &op});
      key = &op;
    }
    SmallVector<OpTy, 4> &group = groups[{key, base}];
    group.push_back(access);
  }
  SmallVector<SmallVector<OpTy, 4>> result;
  for (auto &entry : groups) {
    SmallVector<OpTy, 4> &group = entry.second;
    if (group.size() != 4)
      continue;
    llvm::SmallDenseSet<int64_t> lanes;
    for (OpTy access : group)
      lanes.insert(locationOf(access)->last % 4);
    if (lanes.size() == 4)
      result.push_back(group);
  }
  return result;
}

/// Whether the accesses of `group`, which lie between `from` and `to`, may
/// all move to `from` (loads) or to `to` (stores): no access they cross may
/// write an element a moved load reads, or touch an element a moved store
/// writes.
template <typename OpTy>
bool canMerge(ArrayRef<OpTy> group, Operation *from, Operation *to,
              const llvm::SmallDenseSet<unsigned> &disjoint) {
  constexpr bool isLoad = std::is_same_v<OpTy, memref::LoadOp>;
  for (Operation *op = from->getNextNode(); op != to; op = op->getNextNode()) {
    if (llvm::is_contained(group, dyn_cast<OpTy>(op)) || isComputation(op))
      continue;
    // Loads commute with loads.
    if (isLoad && isa<memref::LoadOp, vector::LoadOp>(op))
      continue;
    std::optional<Place> loc = locationOf(op);
    if (!loc)
      return false;
    for (OpTy access : group) {
      bool crosses =
          isLoad ? op->isBeforeInBlock(access) : access->isBeforeInBlock(op);
      if (crosses && mayOverlap(*loc, *locationOf(access), disjoint))
        return false;
    }
  }
  return true;
}

/// The last index of a group that starts at `lastBase` + `offset`.
Value lastIndex(RewriterBase &rewriter, Location loc, const Place &at,
                int64_t offset) {
  Value c = arith::ConstantIndexOp::create(rewriter, loc, offset);
  if (!at.lastBase)
    return c;
  if (offset == 0)
    return at.lastBase;
  return arith::AddIOp::create(rewriter, loc, at.lastBase, c);
}

int64_t vectorAlignment(Type element) {
  return std::min<int64_t>(16, 4 * element.getIntOrFloatBitWidth() / 8);
}

/// Merges four scalar loads of consecutive elements into one vector load at
/// the first of them (a 16-byte `ld.global.v4` for 32-bit elements).
void mergeLoads(Block &block, const llvm::SmallDenseSet<unsigned> &disjoint,
                RewriterBase &rewriter) {
  for (SmallVector<memref::LoadOp, 4> &group :
       findGroups<memref::LoadOp>(block)) {
    Operation *first = group.front(), *last = group.front();
    for (memref::LoadOp load : group) {
      if (load->isBeforeInBlock(first))
        first = load;
      if (last->isBeforeInBlock(load))
        last = load;
    }
    if (!canMerge<memref::LoadOp>(group, first, last, disjoint))
      continue;
    Place loc = *locationOf(first);
    int64_t base = loc.last - loc.last % 4;
    Value memref = group.front().getMemRef();
    Type element = cast<MemRefType>(memref.getType()).getElementType();
    rewriter.setInsertionPoint(first);
    SmallVector<Value> indices(loc.prefix);
    indices.push_back(lastIndex(rewriter, first->getLoc(), loc, base));
    auto vload = vector::LoadOp::create(
        rewriter, first->getLoc(), VectorType::get({4}, element), memref,
        indices, /*nontemporal=*/false,
        llvm::MaybeAlign(vectorAlignment(element)));
    for (memref::LoadOp load : group) {
      rewriter.setInsertionPoint(load);
      int64_t lane = locationOf(load)->last - base;
      rewriter.replaceOpWithNewOp<vector::ExtractOp>(load, vload.getResult(),
                                                     lane);
    }
  }
}

/// Merges four scalar stores of consecutive elements into one vector store
/// at the last of them.
void mergeStores(Block &block, const llvm::SmallDenseSet<unsigned> &disjoint,
                 RewriterBase &rewriter) {
  for (SmallVector<memref::StoreOp, 4> &group :
       findGroups<memref::StoreOp>(block)) {
    Operation *first = group.front(), *last = group.front();
    for (memref::StoreOp store : group) {
      if (store->isBeforeInBlock(first))
        first = store;
      if (last->isBeforeInBlock(store))
        last = store;
    }
    if (!canMerge<memref::StoreOp>(group, first, last, disjoint))
      continue;
    Place loc = *locationOf(first);
    int64_t base = loc.last - loc.last % 4;
    SmallVector<Value, 4> values(4);
    for (memref::StoreOp store : group)
      values[locationOf(store)->last - base] = store.getValueToStore();
    Value memref = group.front().getMemRef();
    Type element = cast<MemRefType>(memref.getType()).getElementType();
    rewriter.setInsertionPoint(last);
    SmallVector<Value> indices(loc.prefix);
    indices.push_back(lastIndex(rewriter, last->getLoc(), loc, base));
    Value vec = vector::FromElementsOp::create(
        rewriter, last->getLoc(), VectorType::get({4}, element), values);
    vector::StoreOp::create(rewriter, last->getLoc(), vec, memref, indices,
                            /*nontemporal=*/false,
                            llvm::MaybeAlign(vectorAlignment(element)));
    for (memref::StoreOp store : group)
      rewriter.eraseOp(store);
  }
}

//===----------------------------------------------------------------------===//
// Reduction chains with loads in flight
//===----------------------------------------------------------------------===//

constexpr int64_t kMaxChainUnroll = 32;
/// Kernels launched with at most this many threads (dp_aggregate's norm
/// lanes of a few samples with short rows: 16 per segment of 4096 elements,
/// about one block per SM; a row sum over few rows) get chains unrolled by up
/// to kMaxFewThreadsUnroll, and tell ptxas their block size and that one
/// block per SM is enough (`.maxntid`, `.minnctapersm 1`). Otherwise ptxas
/// keeps its registers for an occupancy these kernels never have and
/// issues about 20 of a chain's loads ahead (seen with nvdisasm: 20 LDG,
/// then one per FFMA); with the directives all of them.
constexpr int64_t kFewThreads = 32768;
constexpr int64_t kMaxFewThreadsUnroll = 128;
constexpr size_t kMaxChainBodyOps = 16;

/// The largest power of two up to `max` that divides `trips` and leaves at
/// least two iterations: a fully unrolled loop would leave its hoisted work
/// among the parent block's other ops.
int64_t unrollFactor(int64_t trips, int64_t max) {
  int64_t factor = max;
  while (factor > 1 && (trips % factor != 0 || factor >= trips))
    factor /= 2;
  return factor;
}

/// Moves the ops of `body` that do not depend on the loop-carried values
/// (the loads and their index math) before the first one that does, in
/// their order. The body writes no memory, so loads may move across pure
/// computations.
void hoistIndependentOps(scf::ForOp loop) {
  Block *body = loop.getBody();
  llvm::SmallPtrSet<Operation *, 32> dependent;
  Operation *firstDependent = nullptr;
  SmallVector<Operation *> independent;
  for (Operation &op : body->without_terminator()) {
    bool onCarried = llvm::any_of(op.getOperands(), [&](Value v) {
      if (auto arg = dyn_cast<BlockArgument>(v))
        return arg.getOwner() == body && arg != loop.getInductionVar();
      return dependent.contains(v.getDefiningOp());
    });
    if (onCarried) {
      dependent.insert(&op);
      if (!firstDependent)
        firstDependent = &op;
    } else if (firstDependent) {
      independent.push_back(&op);
    }
  }
  for (Operation *op : independent)
    op->moveBefore(firstDependent);
}

/// A loop that carries values (a reduction chain: a thread's sum over a
/// row, the norm lanes of dp_aggregate) and whose small body reads memory
/// without writing any: unrolled by up to kMaxChainUnroll with its loads
/// ahead of the chain, so that many loads are in flight per thread. The
/// ops and their order along the chain are unchanged, so are the bits.
void unrollReductionChains(gpu::GPUFuncOp func, int64_t maxUnroll) {
  SmallVector<std::pair<scf::ForOp, int64_t>> chains;
  func.walk([&](scf::ForOp loop) {
    std::optional<int64_t> trips = constantTrips(loop);
    Block *body = loop.getBody();
    if (loop.getNumRegionIterArgs() == 0 || !trips ||
        body->getOperations().size() - 1 > kMaxChainBodyOps)
      return;
    bool reads = false;
    for (Operation &op : body->without_terminator()) {
      if (isa<memref::LoadOp, vector::LoadOp>(op)) {
        reads = true;
        continue;
      }
      if (op.getNumRegions() != 0 || !isPure(&op))
        return;
    }
    int64_t factor = unrollFactor(*trips, maxUnroll);
    if (reads && factor >= 4)
      chains.push_back({loop, factor});
  });
  for (auto [loop, factor] : chains) {
    FailureOr<UnrolledLoopInfo> unrolled = loopUnrollByFactor(loop, factor);
    if (succeeded(unrolled) && unrolled->mainLoopOp)
      hoistIndependentOps(*unrolled->mainLoopOp);
  }
}

/// After hoistIndependentOps on a loop unrolled by `factor`, the ops before
/// the first carried-dependent one are the copies' independent work, copy
/// after copy (`copyOf` gives each op's copy; the unroller's own index ops
/// have none and stay). When the copies are runs of the same ops, they are
/// interleaved (op k of every copy, then op k + 1): the copies' chains (a
/// Philox block's ten rounds) then stand side by side in one basic block,
/// ahead of the branches that a correctly rounded sqrt brings, where ptxas
/// can overlap them. Each op still follows what it uses: its own copy's
/// earlier ops, the unroller's index ops, or values from outside.
void interleaveCopies(scf::ForOp loop, int64_t factor,
                      const llvm::DenseMap<Operation *, unsigned> &copyOf) {
  Block *body = loop.getBody();
  llvm::SmallPtrSet<Operation *, 32> inPrefix;
  SmallVector<SmallVector<Operation *>> copies(factor);
  Operation *anchor = nullptr;
  for (Operation &op : body->without_terminator()) {
    bool dependent = llvm::any_of(op.getOperands(), [&](Value v) {
      if (auto arg = dyn_cast<BlockArgument>(v))
        return arg.getOwner() == body && arg != loop.getInductionVar();
      Operation *def = v.getDefiningOp();
      return def && def->getBlock() == body && !inPrefix.contains(def);
    });
    if (dependent) {
      anchor = &op;
      break;
    }
    inPrefix.insert(&op);
    auto it = copyOf.find(&op);
    if (it != copyOf.end() && it->second < (unsigned)factor)
      copies[it->second].push_back(&op);
  }
  if (!anchor || copies[0].empty())
    return;
  for (int64_t c = 1; c < factor; ++c) {
    if (copies[c].size() != copies[0].size())
      return;
    for (auto [a, b] : llvm::zip_equal(copies[0], copies[c]))
      if (a->getName() != b->getName())
        return;
  }
  for (size_t k = 0, n = copies[0].size(); k < n; ++k)
    for (int64_t c = 0; c < factor; ++c)
      copies[c][k]->moveBefore(anchor);
}

/// Kernels launched with at most this many threads leave an H100/H200 (132
/// SMs of 2048 threads) at most half full: the MoE gates' thread per token,
/// 65536 tokens, ran at 22-23% occupancy on an H200.
constexpr int64_t kUnderfilledThreads = 131072;
constexpr int64_t kInterleave = 4;

/// In a kernel too small to fill the GPU, a loop that carries values through
/// a large body (a gate's walk over its row: per step a Philox block, four
/// Box-Muller samples and four insertions into the top-k list) runs its
/// serial chains with few warps to hide their latency. Unrolled by up to
/// kInterleave with the work that does not depend on the carried values
/// (the Philox blocks, noise and scores of the next steps) moved ahead, the
/// steps' independent chains run side by side. Registers are no constraint
/// at that occupancy. Every op and the order along the chain are unchanged,
/// so are the bits; the body must write no memory.
void interleaveCarriedLoops(gpu::GPUFuncOp func) {
  SmallVector<std::pair<scf::ForOp, int64_t>> loops;
  func.walk([&](scf::ForOp loop) {
    std::optional<int64_t> trips = constantTrips(loop);
    Block *body = loop.getBody();
    if (loop.getNumRegionIterArgs() == 0 || !trips ||
        body->getOperations().size() - 1 <= kMaxChainBodyOps)
      return;
    WalkResult writes = loop.getBody()->walk([](Operation *op) {
      if (isa<LoopLikeOpInterface>(op))
        return WalkResult::interrupt();
      // An op with regions (scf.if) is judged by the ops inside it.
      if (op->hasTrait<OpTrait::HasRecursiveMemoryEffects>() ||
          isa<memref::LoadOp, vector::LoadOp>(op) || isMemoryEffectFree(op))
        return WalkResult::advance();
      return WalkResult::interrupt();
    });
    if (writes.wasInterrupted())
      return;
    int64_t factor = unrollFactor(*trips, kInterleave);
    if (factor > 1)
      loops.push_back({loop, factor});
  });
  for (auto [loop, factor] : loops) {
    llvm::DenseMap<Operation *, unsigned> copyOf;
    FailureOr<UnrolledLoopInfo> unrolled = loopUnrollByFactor(
        loop, factor,
        [&](unsigned copy, Operation *op, OpBuilder) { copyOf[op] = copy; });
    if (succeeded(unrolled) && unrolled->mainLoopOp) {
      hoistIndependentOps(*unrolled->mainLoopOp);
      interleaveCopies(*unrolled->mainLoopOp, factor, copyOf);
    }
  }
}

/// The block size shared by every launch of a kernel and the most threads
/// any launch starts, when all launches have static sizes.
struct LaunchShape {
  std::array<int64_t, 3> block;
  int64_t threads;
};

std::optional<LaunchShape> launchShape(ArrayRef<gpu::LaunchFuncOp> launches) {
  std::optional<LaunchShape> shape;
  for (gpu::LaunchFuncOp launch : launches) {
    std::array<int64_t, 6> sizes;
    Value values[] = {launch.getBlockSizeX(), launch.getBlockSizeY(),
                      launch.getBlockSizeZ(), launch.getGridSizeX(),
                      launch.getGridSizeY(),  launch.getGridSizeZ()};
    for (auto [i, v] : llvm::enumerate(values)) {
      std::optional<int64_t> c = getConstantIntValue(v);
      if (!c)
        return std::nullopt;
      sizes[i] = *c;
    }
    std::array<int64_t, 3> block{sizes[0], sizes[1], sizes[2]};
    // Saturates: a grid of 2^63 elements rounded up to whole blocks is
    // larger than int64_t (only "few threads or not" matters here).
    int64_t threads = 1;
    for (int64_t size : sizes)
      if (size <= 0 || llvm::MulOverflow(threads, size, threads))
        threads = std::numeric_limits<int64_t>::max();
    if (shape && shape->block != block)
      return std::nullopt;
    if (!shape)
      shape = LaunchShape{block, threads};
    shape->threads = std::max(shape->threads, threads);
  }
  return shape;
}

void prepareKernel(gpu::GPUFuncOp func,
                   const llvm::SmallDenseSet<unsigned> &disjoint,
                   ArrayRef<gpu::LaunchFuncOp> launches, bool interleave) {
  IRRewriter rewriter(func.getContext());
  // 1. Lanes: innermost constant loops of at most four trips.
  SmallVector<scf::ForOp> loops;
  func.walk([&](scf::ForOp loop) {
    std::optional<int64_t> trips = constantTrips(loop);
    if (trips && *trips <= kMaxUnrolledTrips)
      loops.push_back(loop);
  });
  for (scf::ForOp loop : loops)
    (void)loopUnrollFull(loop);
  // Folds the unrolled lane indices to constants, and gives the lanes'
  // accesses the same index values where they agree (a gather's row), so
  // that they group below.
  (void)applyPatternsGreedily(func, FrozenRewritePatternSet());
  DominanceInfo dominance(func);
  eliminateCommonSubExpressions(rewriter, dominance, func);
  // 2. Alignment of memref arguments.
  Block &entry = func.getBody().front();
  rewriter.setInsertionPointToStart(&entry);
  for (BlockArgument arg : func.getArguments()) {
    auto type = dyn_cast<MemRefType>(arg.getType());
    if (!type || arg.use_empty())
      continue;
    auto assumed = memref::AssumeAlignmentOp::create(
        rewriter, func.getLoc(), type, arg,
        rewriter.getI32IntegerAttr(kBufferAlignment));
    rewriter.replaceAllUsesExcept(arg, assumed.getResult(), assumed);
  }
  // 3. Correctly rounded sqrt.
  SmallVector<math::SqrtOp> sqrts;
  func.walk([&](math::SqrtOp op) { sqrts.push_back(op); });
  for (math::SqrtOp op : sqrts) {
    Type type = op.getType();
    if (!type.isF32() && !type.isF64())
      continue;
    // The NVVM conversion sends llvm.intr.sqrt to libdevice, whose sqrtf is
    // sqrt.approx unless built for precise sqrt: name the instruction.
    bool f32 = type.isF32();
    rewriter.setInsertionPoint(op);
    auto asmOp = LLVM::InlineAsmOp::create(
        rewriter, op.getLoc(), type, ValueRange{op.getOperand()},
        rewriter.getStringAttr(f32 ? "sqrt.rn.f32 $0, $1;"
                                   : "sqrt.rn.f64 $0, $1;"),
        rewriter.getStringAttr(f32 ? "=f,f" : "=d,d"), UnitAttr(), UnitAttr(),
        LLVM::TailCallKindAttr(), LLVM::AsmDialectAttr(), ArrayAttr());
    rewriter.replaceOp(op, asmOp.getResult(0));
  }
  // 4. 16-byte accesses. LLVM's load/store vectorizer cannot merge the
  // unrolled lanes itself: each lane's store sits between the loads, and
  // nothing tells it the kernel's buffers do not overlap (MLIR drops
  // noalias on memref descriptors).
  SmallVector<Block *> blocks;
  func.walk([&](Block *block) { blocks.push_back(block); });
  for (Block *block : blocks) {
    mergeLoads(*block, disjoint, rewriter);
    mergeStores(*block, disjoint, rewriter);
  }
  // 5. Reduction chains: many loads in flight per thread.
  std::optional<LaunchShape> shape = launchShape(launches);
  bool few = shape && shape->threads <= kFewThreads;
  // Large bodies first: the chains' unrolling makes small bodies large.
  if (interleave && shape && shape->threads <= kUnderfilledThreads)
    interleaveCarriedLoops(func);
  unrollReductionChains(func, few ? kMaxFewThreadsUnroll : kMaxChainUnroll);
  if (few) {
    SmallVector<int32_t> block(shape->block.begin(), shape->block.end());
    func->setAttr(NVVM::NVVMDialect::getMaxntidAttrName(),
                  rewriter.getDenseI32ArrayAttr(block));
    func->setAttr(NVVM::NVVMDialect::getMinctasmAttrName(),
                  rewriter.getI32IntegerAttr(1));
  }
  // Shares the constants the merged accesses index with.
  (void)applyPatternsGreedily(func, FrozenRewritePatternSet());
}

/// Kernel names are PTX identifiers made of letters, digits and '_' (the
/// NVPTX printer rejects others): outlining names a kernel after its
/// function, and a private function may have any MLIR name ("a-b", "a.b").
void renameKernelsForPtx(Operation *module) {
  auto isPtxName = [](StringRef name) {
    return !name.empty() && !llvm::isDigit(name.front()) &&
           llvm::all_of(name,
                        [](char c) { return llvm::isAlnum(c) || c == '_'; });
  };
  for (auto gpuModule : llvm::make_early_inc_range(
           module->getRegion(0).getOps<gpu::GPUModuleOp>())) {
    SymbolTable table(gpuModule);
    for (auto func :
         llvm::make_early_inc_range(gpuModule.getOps<gpu::GPUFuncOp>())) {
      if (isPtxName(func.getName()))
        continue;
      std::string base = "k_";
      for (char c : func.getName())
        base += llvm::isAlnum(c) ? c : '_';
      std::string name = base;
      for (int i = 1; table.lookup(name); ++i)
        name = base + "_" + std::to_string(i);
      if (failed(SymbolTable::replaceAllSymbolUses(
              func, StringAttr::get(func.getContext(), name), module)))
        continue;
      (void)table.rename(func, StringAttr::get(func.getContext(), name));
    }
  }
}

struct StoPrepareGpuKernels
    : public sto::impl::StoPrepareGpuKernelsBase<StoPrepareGpuKernels> {
  using StoPrepareGpuKernelsBase::StoPrepareGpuKernelsBase;
  void runOnOperation() override {
    Operation *module = getOperation();
    renameKernelsForPtx(module);
    SymbolTableCollection symbols;
    llvm::DenseMap<Operation *, SmallVector<gpu::LaunchFuncOp>> launches;
    module->walk([&](gpu::LaunchFuncOp launch) {
      if (Operation *kernel =
              symbols.lookupNearestSymbolFrom(launch, launch.getKernel()))
        launches[kernel].push_back(launch);
    });
    module->walk([&](gpu::GPUFuncOp func) {
      if (!func.isKernel())
        return;
      SmallVector<gpu::LaunchFuncOp> kernelLaunches = launches.lookup(func);
      prepareKernel(func,
                    disjointArguments(func, kernelLaunches, symbols, module),
                    kernelLaunches, interleave);
    });
  }
};

} // namespace
