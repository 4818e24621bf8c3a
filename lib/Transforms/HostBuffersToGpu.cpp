//===- HostBuffersToGpu.cpp - device buffers for CUDA modules -------------===//

#include "sto/Transforms/Passes.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "llvm/ADT/SmallPtrSet.h"

namespace mlir {
namespace sto {
#define GEN_PASS_DEF_STOHOSTBUFFERSTOGPU
#include "sto/Transforms/Passes.h.inc"
} // namespace sto
} // namespace mlir

using namespace mlir;

namespace {

struct StoHostBuffersToGpu
    : public sto::impl::StoHostBuffersToGpuBase<StoHostBuffersToGpu> {
  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    llvm::SmallPtrSet<Operation *, 8> warnedFuncs;
    SmallVector<Operation *> ops;
    getOperation()->walk([&](Operation *op) {
      if (op->getParentOfType<gpu::LaunchOp>() ||
          op->getParentOfType<gpu::GPUModuleOp>())
        return;
      if (isa<memref::AllocOp, memref::DeallocOp, memref::CopyOp>(op))
        ops.push_back(op);
      // A load or store left in host code reads or writes device memory
      // from the CPU: a loop the GPU mapping could not turn into a kernel
      // (a sequential scan, a rank-0 result). Say so at compile time.
      // Stack slots (sto-serial-code-to-gpu's scalars) are host memory.
      auto onStack = [](Operation *access) {
        Value memref = isa<memref::LoadOp>(access)
                           ? cast<memref::LoadOp>(access).getMemRef()
                           : cast<memref::StoreOp>(access).getMemRef();
        return memref.getDefiningOp<memref::AllocaOp>() != nullptr;
      };
      if (isa<memref::LoadOp, memref::StoreOp>(op) && !onStack(op) &&
          !warnedFuncs.contains(op->getParentOfType<FunctionOpInterface>())) {
        warnedFuncs.insert(op->getParentOfType<FunctionOpInterface>());
        op->emitWarning()
            << "this access stays on the host after GPU mapping (its loop "
               "is not parallel or not mapped to a kernel): the compiled "
               "function would touch device memory from the CPU; "
               "--target=cuda does not support this op here yet";
      }
    });
    // gpu-to-llvm lowers gpu.alloc, gpu.dealloc and gpu.memcpy only in their
    // async form with one dependency; the synchronous forms stay and fail
    // the translation to LLVM IR ("unsupported GPU operation: gpu.alloc").
    // Each op therefore gets a stream of its own (gpu.wait async) and is
    // waited for right after, as synchronous as the memref op it replaces.
    Type tokenType = gpu::AsyncTokenType::get(&getContext());
    auto newStream = [&](Location loc) {
      return gpu::WaitOp::create(rewriter, loc, tokenType, ValueRange{})
          .getAsyncToken();
    };
    auto waitFor = [&](Location loc, Value token) {
      gpu::WaitOp::create(rewriter, loc, Type(), ValueRange{token});
    };
    for (Operation *op : ops) {
      rewriter.setInsertionPoint(op);
      Location loc = op->getLoc();
      if (auto alloc = dyn_cast<memref::AllocOp>(op)) {
        auto g = gpu::AllocOp::create(
            rewriter, loc, alloc.getType(), tokenType,
            ValueRange{newStream(loc)}, alloc.getDynamicSizes(),
            alloc.getSymbolOperands(), /*hostShared=*/false);
        waitFor(loc, g.getAsyncToken());
        rewriter.replaceOp(alloc, g.getMemref());
      } else if (auto dealloc = dyn_cast<memref::DeallocOp>(op)) {
        auto g = gpu::DeallocOp::create(rewriter, loc, tokenType,
                                        ValueRange{newStream(loc)},
                                        dealloc.getMemref());
        waitFor(loc, g.getAsyncToken());
        rewriter.eraseOp(dealloc);
      } else if (auto copy = dyn_cast<memref::CopyOp>(op)) {
        // gpu.memcpy copies the source's element count between the two base
        // pointers, ignoring strides and offsets: a copy into a view (the
        // target of an insert_slice) would write the wrong elements.
        auto srcType = dyn_cast<MemRefType>(copy.getSource().getType());
        auto dstType = dyn_cast<MemRefType>(copy.getTarget().getType());
        if (!srcType || !dstType || !srcType.getLayout().isIdentity() ||
            !dstType.getLayout().isIdentity()) {
          copy.emitError() << "copy from " << copy.getSource().getType()
                           << " to " << copy.getTarget().getType()
                           << " involves a strided or offset view, which "
                              "gpu.memcpy cannot copy (it copies whole "
                              "buffers from their base pointers)";
          return signalPassFailure();
        }
        auto g = gpu::MemcpyOp::create(rewriter, loc, tokenType,
                                       ValueRange{newStream(loc)},
                                       copy.getTarget(), copy.getSource());
        waitFor(loc, g.getAsyncToken());
        rewriter.eraseOp(copy);
      }
    }
  }
};

} // namespace
