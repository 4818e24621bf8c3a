//===- StreamingStores.cpp - non-temporal stores of large outputs (CPU) ---===//
//
// An ordinary store to a line that is not in the cache first reads the line
// (a read for ownership), so an elementwise op writing a large output moves
// 8 bytes per f32 element of it, not 4. Langevin + SWA (three inputs, two
// outputs) was bound by that traffic: non-temporal stores (`movnt`, which
// write whole lines without reading them) made it faster on the 2-core Zen 5
// bench VM (bench_sto 42 -> 49 GB/s, a driver at a higher copy rate 45 -> 61
// GB/s), with the same bits.
//
// AVX-512's `vmovntps` needs a 64-byte aligned address (LLVM splits an
// unaligned non-temporal vector store into 8-byte `movntsd`s and shuffles),
// and a caller's buffer may start anywhere, so each nest is versioned on
// the alignment of the buffers it streams to.
//
//===----------------------------------------------------------------------===//

#include "sto/Transforms/Passes.h"

#include "BufferRoots.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/OpenMP/OpenMPDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Interfaces/LoopLikeInterface.h"
#include "llvm/Support/MathExtras.h"

#include <numeric>

namespace mlir {
namespace sto {
#define GEN_PASS_DEF_STOSTREAMINGSTORES
#include "sto/Transforms/Passes.h.inc"
} // namespace sto
} // namespace mlir

using namespace mlir;

namespace {

constexpr int64_t kLineBytes = 64;

bool isReshape(Operation *op) {
  return isa<memref::CollapseShapeOp, memref::ExpandShapeOp>(op);
}

/// Static shape, rows of whole cache lines: with a 64-byte aligned start,
/// every row and every 16-float vector of it is aligned too.
bool hasLineRows(MemRefType type) {
  if (!type.hasStaticShape() || type.getRank() == 0 ||
      !type.getElementType().isIntOrFloat())
    return false;
  int64_t bits = type.getElementTypeBitWidth();
  if (bits % 8 != 0)
    return false;
  return type.getShape().back() * (bits / 8) % kLineBytes == 0;
}

/// Whether the function only writes `arg`: stores and reshapes (offset 0, so
/// the start is the argument's, contiguous). Collects the stores.
bool isWriteOnly(Value arg, SmallVectorImpl<memref::StoreOp> &stores) {
  SmallVector<Value> work{arg};
  while (!work.empty()) {
    Value v = work.pop_back_val();
    auto type = dyn_cast<MemRefType>(v.getType());
    if (!type || !type.getLayout().isIdentity() || !type.hasStaticShape())
      return false;
    for (OpOperand &use : v.getUses()) {
      Operation *user = use.getOwner();
      if (auto store = dyn_cast<memref::StoreOp>(user)) {
        if (&use != &store.getMemrefMutable())
          return false;
        stores.push_back(store);
      } else if (isReshape(user)) {
        work.push_back(user->getResult(0));
      } else if (!isa<memref::DimOp>(user)) {
        return false;
      }
    }
  }
  return true;
}

/// The nest to version for a store: its outermost enclosing `omp.parallel`,
/// or else its outermost enclosing loop; null when there is neither or the
/// nest yields values.
Operation *nestOf(Operation *store, func::FuncOp func) {
  Operation *par = nullptr, *loop = nullptr;
  for (Operation *op = store->getParentOp(); op && op != func;
       op = op->getParentOp()) {
    if (isa<omp::ParallelOp>(op))
      par = op;
    else if (isa<LoopLikeOpInterface>(op) && !isa<omp::LoopNestOp>(op))
      loop = op;
  }
  Operation *nest = par ? par : loop;
  if (!nest || nest->getNumResults() != 0)
    return nullptr;
  return nest;
}

/// `sfence`: non-temporal stores are weakly ordered; this makes them
/// visible before anything the thread does after it (the barrier that
/// ends the region, the return).
void fence(OpBuilder &b, Location loc) {
  LLVM::CallIntrinsicOp::create(b, loc, TypeRange{},
                                b.getStringAttr("llvm.x86.sse.sfence"),
                                ValueRange{}, LLVM::FastmathFlagsAttr{});
}

/// Inside `region` of the streaming copy: the stores into `streamed` become
/// non-temporal, and each memref they go through that comes from outside
/// the region is used through a `memref.assume_alignment` made at its start.
void markStores(Region &region, const llvm::DenseSet<Value> &streamed) {
  llvm::SetVector<Value> outside;
  region.walk([&](memref::StoreOp store) {
    Value m = store.getMemRef();
    if (!streamed.contains(sto::rootBuffer(m)))
      return;
    store.setNontemporal(true);
    while (region.isAncestor(m.getParentRegion()))
      m = m.getDefiningOp()->getOperand(0);
    outside.insert(m);
  });
  OpBuilder b = OpBuilder::atBlockBegin(&region.front());
  for (Value m : outside) {
    auto aligned =
        memref::AssumeAlignmentOp::create(b, m.getLoc(), m, kLineBytes);
    m.replaceUsesWithIf(aligned, [&](OpOperand &use) {
      return use.getOwner() != aligned &&
             region.isAncestor(use.getOwner()->getParentRegion());
    });
  }
}

/// In the streaming copy of a region of threads whose loop steps through
/// the streamed buffers by less than a line (a 1-D elementwise op, element
/// by element; an op blocked by 4 like the samplers, 16 bytes a step), each
/// iteration takes a block of whole lines instead: the threads' static
/// ranges then start on a line and LLVM sees every vector store aligned.
/// Each thread visits the elements in the same order.
void stripMineToLines(omp::ParallelOp par,
                      const llvm::DenseSet<Value> &streamed, OpBuilder &b) {
  SmallVector<omp::LoopNestOp> nests;
  par.walk([&](omp::LoopNestOp n) { nests.push_back(n); });
  for (omp::LoopNestOp nest : nests) {
    if (nest.getNumLoops() != 1 || !nest.getRegion().hasOneBlock())
      continue;
    std::optional<int64_t> lb =
        getConstantIntValue(nest.getLoopLowerBounds()[0]);
    std::optional<int64_t> ub =
        getConstantIntValue(nest.getLoopUpperBounds()[0]);
    std::optional<int64_t> step = getConstantIntValue(nest.getLoopSteps()[0]);
    if (!lb || !ub || !step || *lb != 0 || *step != 1)
      continue;
    Block &body = nest.getRegion().front();
    Value iv = body.getArgument(0);
    // The bytes between consecutive iterations in the streamed stores: the
    // loop indexes one dimension of each, the dimensions after it are
    // walked inside. They must agree, and not be whole lines already (a
    // row loop over rows of lines needs nothing).
    int64_t stride = 0;
    bool ok = true;
    body.walk([&](memref::StoreOp store) {
      if (!streamed.contains(sto::rootBuffer(store.getMemRef())))
        return;
      ValueRange idx = store.getIndices();
      auto at = llvm::find(idx, iv);
      if (at == idx.end() || llvm::count(idx, iv) != 1) {
        ok = false;
        return;
      }
      MemRefType type = store.getMemRefType();
      int64_t bytes = type.getElementTypeBitWidth() / 8;
      for (int64_t d = at - idx.begin() + 1; d < type.getRank(); ++d)
        bytes *= type.getDimSize(d);
      ok &= stride == 0 || stride == bytes;
      stride = bytes;
    });
    if (!ok || stride == 0 || stride % kLineBytes == 0)
      continue;
    // The fewest iterations that span whole lines, doubled up to 4 KiB: a
    // block of one line would be unrolled into scalar stores that LLVM
    // cannot vectorize (the input may overlap the output); a longer loop is
    // vectorized behind one runtime overlap check per block.
    int64_t blockElems = kLineBytes / std::gcd(kLineBytes, stride);
    if (*ub % blockElems != 0)
      continue;
    while (2 * blockElems * stride <= 4096 && *ub % (2 * blockElems) == 0)
      blockElems *= 2;
    Location loc = nest.getLoc();
    b.setInsertionPoint(par);
    nest.getLoopUpperBoundsMutable()[0].assign(
        arith::ConstantIndexOp::create(b, loc, *ub / blockElems));
    b.setInsertionPointToStart(&body);
    Value c0 = arith::ConstantIndexOp::create(b, loc, 0);
    Value cBlock = arith::ConstantIndexOp::create(b, loc, blockElems);
    Value c1 = arith::ConstantIndexOp::create(b, loc, 1);
    auto inner = scf::ForOp::create(b, loc, c0, cBlock, c1);
    Block *innerBody = inner.getBody();
    // Everything after the new loop but the terminator moves into it.
    for (Operation &op : llvm::make_early_inc_range(
             llvm::make_range(std::next(inner->getIterator()),
                              body.getTerminator()->getIterator())))
      op.moveBefore(innerBody->getTerminator());
    b.setInsertionPointToStart(innerBody);
    auto first = arith::MulIOp::create(b, loc, iv, cBlock);
    Value elem = arith::AddIOp::create(b, loc, first, inner.getInductionVar());
    iv.replaceUsesWithIf(elem, [&](OpOperand &use) {
      return use.getOwner() != first && inner->isAncestor(use.getOwner());
    });
  }
}

struct StoStreamingStores
    : public sto::impl::StoStreamingStoresBase<StoStreamingStores> {
  using StoStreamingStoresBase::StoStreamingStoresBase;

  /// A memref of static shape with at least minBytes of whole-byte
  /// elements (a size that overflows int64_t counts as large).
  bool isLarge(Type t) {
    auto type = dyn_cast<MemRefType>(t);
    if (!type || !type.hasStaticShape() ||
        !type.getElementType().isIntOrFloat() ||
        type.getElementTypeBitWidth() % 8 != 0)
      return false;
    int64_t bytes;
    return llvm::MulOverflow(type.getNumElements(),
                             int64_t(type.getElementTypeBitWidth() / 8),
                             bytes) ||
           bytes >= minBytes;
  }

  /// Whether memory traffic, not compute, bounds `nest`. Non-temporal
  /// stores cut the traffic but hold the core's write-combining buffers
  /// until the line reaches memory: on the bench VM they made Langevin +
  /// SWA (a normal per element, 20 bytes moved) 17-30% faster, but
  /// noise_add, stochastic binary and dropout + gelu (the same kind of
  /// math, 8 bytes) 3-12% slower. So a nest with long math (a square root,
  /// exp, erf, ...: any math op but fma, abs and copysign, or a division)
  /// is streamed only when it moves at least 16 bytes per element through
  /// large buffers.
  bool memoryBound(Operation *nest) {
    bool longMath = false;
    llvm::SetVector<Value> large;
    nest->walk([&](Operation *op) {
      longMath |= sto::hasLatencyChain(op);
      Value m;
      if (auto load = dyn_cast<memref::LoadOp>(op))
        m = load.getMemRef();
      else if (auto store = dyn_cast<memref::StoreOp>(op))
        m = store.getMemRef();
      if (!m)
        return;
      m = sto::rootBuffer(m);
      if (isLarge(m.getType()))
        large.insert(m);
    });
    if (!longMath)
      return true;
    int64_t bytes = 0;
    for (Value m : large)
      bytes += cast<MemRefType>(m.getType()).getElementTypeBitWidth() / 8;
    return bytes >= 16;
  }

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    if (func.isExternal())
      return;
    // The streamed arguments, and the nests that store into them.
    llvm::MapVector<Operation *, llvm::SetVector<Value>> nests;
    for (BlockArgument arg : func.getArguments()) {
      auto type = dyn_cast<MemRefType>(arg.getType());
      if (!type || !hasLineRows(type) || !isLarge(type))
        continue;
      SmallVector<memref::StoreOp> stores;
      if (!isWriteOnly(arg, stores) || stores.empty())
        continue;
      SmallVector<Operation *> argNests;
      bool ok = true;
      for (memref::StoreOp store : stores) {
        Operation *nest = nestOf(store, func);
        if (!nest) {
          ok = false;
          break;
        }
        argNests.push_back(nest);
      }
      if (!ok)
        continue;
      for (Operation *nest : argNests)
        nests[nest].insert(arg);
    }

    for (auto &entry : nests) {
      Operation *nest = entry.first;
      const llvm::SetVector<Value> &args = entry.second;
      // One thread's nest must not hold a region of threads (their stores
      // would need their own fences), and nests do not overlap.
      bool overlaps = llvm::any_of(nests, [&](const auto &other) {
        return other.first != nest &&
               (nest->isAncestor(other.first) || other.first->isAncestor(nest));
      });
      bool serialAroundThreads = false;
      if (!isa<omp::ParallelOp>(nest))
        nest->walk([&](omp::ParallelOp) { serialAroundThreads = true; });
      if (overlaps || serialAroundThreads || !memoryBound(nest))
        continue;
      Location loc = nest->getLoc();
      OpBuilder b(nest);
      // Every streamed buffer of the nest starts on a line.
      Value aligned;
      for (Value arg : args) {
        Value ptr = memref::ExtractAlignedPointerAsIndexOp::create(b, loc, arg);
        Value low = arith::AndIOp::create(
            b, loc, ptr,
            arith::ConstantIndexOp::create(b, loc, kLineBytes - 1));
        Value isAligned =
            arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, low,
                                  arith::ConstantIndexOp::create(b, loc, 0));
        aligned =
            aligned
                ? arith::AndIOp::create(b, loc, aligned, isAligned).getResult()
                : isAligned;
      }
      auto ifOp = scf::IfOp::create(b, loc, TypeRange{}, aligned,
                                    /*withElseRegion=*/true);
      llvm::DenseSet<Value> streamed(args.begin(), args.end());
      // The streaming copy.
      b.setInsertionPointToStart(ifOp.thenBlock());
      Operation *copy = b.clone(*nest);
      if (auto par = dyn_cast<omp::ParallelOp>(copy)) {
        stripMineToLines(par, streamed, b);
        Region &region = par.getRegion();
        markStores(region, streamed);
        // Each thread fences before the barrier that ends the region.
        region.walk([&](omp::TerminatorOp term) {
          if (term->getParentOp() == par) {
            OpBuilder tb(term);
            fence(tb, loc);
          }
        });
      } else {
        // One thread: the assumptions and the fence go around the copy.
        b.setInsertionPointAfter(copy);
        fence(b, loc);
        markStores(ifOp.getThenRegion(), streamed);
      }
      // The original, for buffers that start elsewhere.
      nest->moveBefore(ifOp.elseBlock(), ifOp.elseBlock()->begin());
    }
  }
};

} // namespace
