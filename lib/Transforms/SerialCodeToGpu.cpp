//===- SerialCodeToGpu.cpp - one-thread kernels for leftover host code ----===//
//
// After the GPU mapping, host functions of a CUDA module may still hold
// loads and stores: loops that are not parallel (the histogram of
// sto.expert_load, the slot scan of sto.dispatch, a reduction to a scalar)
// and the scalar store of a rank-0 result. Their buffers are device memory,
// so they must run on the device. This pass moves each such stretch of host
// code into a kernel of one thread. A scalar computed there and used on the
// host comes back through a device buffer and a copy.
//
//===----------------------------------------------------------------------===//

#include "sto/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/ADT/SetVector.h"

namespace mlir {
namespace sto {
#define GEN_PASS_DEF_STOSERIALCODETOGPU
#include "sto/Transforms/Passes.h.inc"
} // namespace sto
} // namespace mlir

using namespace mlir;

namespace {

bool isMemoryAccess(Operation *op) {
  return isa<memref::LoadOp, memref::StoreOp, memref::AtomicRMWOp,
             vector::LoadOp, vector::StoreOp>(op);
}

/// Ops a kernel cannot hold: host calls, allocation and copies (the runtime
/// and HostBuffersToGpu deal with those), and anything of the GPU dialect.
bool isHostOnly(Operation *op) {
  // An unregistered op has no dialect and unknown effects: host only.
  Dialect *dialect = op->getDialect();
  return !dialect || isa<gpu::GPUDialect>(dialect) ||
         isa<CallOpInterface, memref::AllocOp, memref::AllocaOp,
             memref::DeallocOp, memref::CopyOp>(op) ||
         isa<func::FuncDialect>(dialect);
}

enum class Kind {
  /// Reads or writes buffers and may move into a kernel.
  Device,
  /// Touches no memory.
  Pure,
  /// Anything else: stays on the host, in place.
  Host,
};

/// A stack slot of the host function (a status cell read back after a
/// kernel, a scalar brought back by an earlier run of this pass): host
/// memory, which a kernel cannot touch.
bool accessesStackSlot(Operation *op) {
  return llvm::any_of(op->getOperands(), [](Value v) {
    return isa<MemRefType>(v.getType()) && v.getDefiningOp<memref::AllocaOp>();
  });
}

Kind classify(Operation *op) {
  bool accesses = false, hostOnly = false;
  op->walk([&](Operation *nested) {
    bool access = isMemoryAccess(nested);
    accesses |= access && !accessesStackSlot(nested);
    hostOnly |= isHostOnly(nested) || (access && accessesStackSlot(nested));
  });
  if (hostOnly || op->hasTrait<OpTrait::IsTerminator>())
    return Kind::Host;
  if (accesses)
    return Kind::Device;
  return isMemoryEffectFree(op) ? Kind::Pure : Kind::Host;
}

bool isScalar(Type type) { return type.isIntOrIndexOrFloat(); }

class SerialCodeToGpu {
public:
  explicit SerialCodeToGpu(MLIRContext *ctx) : rewriter(ctx) {}

  /// Moves the device code of `block` (and of nested host regions) into
  /// kernels. Fails where a value that cannot come back to the host (a
  /// memref, a vector) is computed from device memory.
  LogicalResult run(Block &block) {
    // 1. What moves: the device ops and everything pure that uses their
    //    results (it may not stay behind on the host).
    llvm::SetVector<Operation *> moved;
    // Pure ops with a memref result (a view whose sizes were read from
    // device memory: memref.reinterpret_cast of a reshape) stay on the host,
    // which computes descriptors; the scalars they use come back, so they
    // end the kernel before them.
    llvm::SmallPtrSet<Operation *, 4> hostViews;
    for (Operation &op : block) {
      Kind kind = classify(&op);
      if (kind == Kind::Device) {
        moved.insert(&op);
        continue;
      }
      if (kind == Kind::Pure && llvm::any_of(op.getOperands(), [&](Value v) {
            Operation *def = v.getDefiningOp();
            return def && moved.contains(def);
          })) {
        if (op.getNumResults() != 0 &&
            llvm::all_of(op.getResultTypes(), llvm::IsaPred<MemRefType>))
          hostViews.insert(&op);
        else
          moved.insert(&op);
      }
      // Host regions (an scf.if around a copy, say) may hold device code;
      // kernels already are on the device.
      if (kind == Kind::Host &&
          !isa_and_nonnull<gpu::GPUDialect>(op.getDialect()))
        for (Region &region : op.getRegions())
          for (Block &nested : region)
            if (failed(run(nested)))
              return failure();
    }
    if (moved.empty())
      return success();
    // 2. Runs: the moved ops between two host ops. Ops that are neither
    //    (pure, independent of device data) stay where they are; the
    //    kernel goes after the last op of its run, where all of its
    //    operands are defined.
    SmallVector<SmallVector<Operation *>> runs(1);
    for (Operation &op : block) {
      if (moved.contains(&op))
        runs.back().push_back(&op);
      else if ((classify(&op) == Kind::Host || hostViews.contains(&op)) &&
               !runs.back().empty())
        runs.emplace_back();
    }
    for (ArrayRef<Operation *> ops : runs)
      if (!ops.empty() && failed(outline(ops)))
        return failure();
    return success();
  }

private:
  LogicalResult outline(ArrayRef<Operation *> ops) {
    llvm::SmallPtrSet<Operation *, 16> inRun(ops.begin(), ops.end());
    // Values the host uses after the kernel.
    SmallVector<Value> escaping;
    for (Operation *op : ops)
      for (Value result : op->getResults())
        if (llvm::any_of(result.getUsers(), [&](Operation *user) {
              return !inRun.contains(
                  ops.front()->getBlock()->findAncestorOpInBlock(*user));
            })) {
          if (!isScalar(result.getType()))
            return op->emitError()
                   << "a " << result.getType()
                   << " computed from device memory is used on the host; "
                      "--target=cuda can only bring scalars back";
          escaping.push_back(result);
        }
    Operation *last = ops.back();
    Location loc = last->getLoc();
    rewriter.setInsertionPointAfter(last);
    // One device buffer per escaping scalar (gpu.alloc after
    // HostBuffersToGpu).
    SmallVector<Value> deviceBufs;
    for (Value v : escaping)
      deviceBufs.push_back(memref::AllocOp::create(
          rewriter, loc, MemRefType::get({}, v.getType())));
    Value one = arith::ConstantIndexOp::create(rewriter, loc, 1);
    auto launch =
        gpu::LaunchOp::create(rewriter, loc, one, one, one, one, one, one);
    Block &body = launch.getBody().front();
    rewriter.setInsertionPointToStart(&body);
    auto terminator = gpu::TerminatorOp::create(rewriter, loc);
    for (Operation *op : ops)
      op->moveBefore(terminator);
    rewriter.setInsertionPoint(terminator);
    for (auto [v, buf] : llvm::zip(escaping, deviceBufs))
      memref::StoreOp::create(rewriter, loc, v, buf);
    // Back on the host: copy each scalar into a stack slot and read it.
    rewriter.setInsertionPointAfter(launch);
    for (auto [v, buf] : llvm::zip(escaping, deviceBufs)) {
      auto type = cast<MemRefType>(buf.getType());
      Value slot = memref::AllocaOp::create(rewriter, loc, type);
      memref::CopyOp::create(rewriter, loc, buf, slot);
      Value hostValue = memref::LoadOp::create(rewriter, loc, slot);
      memref::DeallocOp::create(rewriter, loc, buf);
      rewriter.replaceUsesWithIf(v, hostValue, [&](OpOperand &use) {
        return !launch->isAncestor(use.getOwner());
      });
    }
    return success();
  }

  IRRewriter rewriter;
};

struct StoSerialCodeToGpu
    : public sto::impl::StoSerialCodeToGpuBase<StoSerialCodeToGpu> {
  void runOnOperation() override {
    SerialCodeToGpu impl(&getContext());
    for (auto func : getOperation().getOps<func::FuncOp>())
      for (Block &block : func.getBody())
        if (failed(impl.run(block)))
          return signalPassFailure();
  }
};

} // namespace
