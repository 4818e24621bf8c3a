//===- EmulateGpuKernels.cpp - run the CUDA path's kernels on the host ----===//
//
// Turns the output of the CUDA kernels phase (outlined gpu.func kernels,
// gpu.launch_func, gpu.alloc/dealloc/memcpy/wait in the host code) into host
// code: every launch becomes loops over its grid and block, one thread after
// the other, around a copy of the kernel's body. Lowered with the CPU's LLVM
// phase, it computes what the GPU would, on a machine without one: the
// kernels' index math, element mapping, bounds checks, merged 16-byte
// accesses and unrolled chains are those sto-compile emits for cuda, so the
// emulation is compared bit for bit with the CPU target in CI.
//
// Sequential threads are exact for sto's kernels: they use no shared memory,
// barriers, atomics or warp operations (the pass rejects any of them), so
// each thread computes what it computes on the device. What the emulation
// cannot see is the NVPTX backend and ptxas (every float operation there is
// emitted with explicit rounding; the PTX checks cover it) and timing.
//
//===----------------------------------------------------------------------===//

#include "sto/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/IR/SymbolTable.h"

namespace mlir {
namespace sto {
#define GEN_PASS_DEF_STOEMULATEGPUKERNELS
#include "sto/Transforms/Passes.h.inc"
} // namespace sto
} // namespace mlir

using namespace mlir;

namespace {

constexpr StringLiteral kCompiledSgemm = "sto_cuda_compiled_sgemm";
constexpr StringLiteral kEmulatedSgemm = "sto_emulated_sgemm";

/// Device allocations are 256-byte aligned (cuMemAlloc); the kernels assume
/// at least 16.
constexpr int64_t kDeviceAlignment = 256;

/// The value of a launch's grid or block size in dimension `d`.
Value launchSize(gpu::KernelDim3 sizes, gpu::Dimension d) {
  switch (d) {
  case gpu::Dimension::x:
    return sizes.x;
  case gpu::Dimension::y:
    return sizes.y;
  case gpu::Dimension::z:
    return sizes.z;
  }
  llvm_unreachable("unknown dimension");
}

/// Replaces `launch` with loops over blocks and threads (z outermost, x
/// innermost, as consecutive threads are consecutive in x) around a copy of
/// `kernel`'s body.
LogicalResult emulateLaunch(gpu::LaunchFuncOp launch, gpu::GPUFuncOp kernel,
                            IRRewriter &rewriter) {
  if (launch.hasClusterSize())
    return launch.emitError("cannot emulate a launch with thread clusters");
  if (kernel.getNumWorkgroupAttributions() ||
      kernel.getNumPrivateAttributions())
    return launch.emitError("cannot emulate kernel ")
           << kernel.getName() << ": it has memory attributions";
  WalkResult unsupported = kernel.walk([&](Operation *op) {
    if (op == kernel.getOperation() ||
        isa<gpu::ThreadIdOp, gpu::BlockIdOp, gpu::BlockDimOp, gpu::GridDimOp,
            gpu::ReturnOp>(op))
      return WalkResult::advance();
    bool ok = true;
    if (auto asmOp = dyn_cast<LLVM::InlineAsmOp>(op)) {
      StringRef text = asmOp.getAsmString();
      ok = asmOp.getNumOperands() == 1 && asmOp.getNumResults() == 1 &&
           (text == "sqrt.rn.f32 $0, $1;" || text == "sqrt.rn.f64 $0, $1;");
    } else if (Dialect *dialect = op->getDialect()) {
      // Synchronization, shuffles, shared memory and the like.
      ok = !isa<gpu::GPUDialect, NVVM::NVVMDialect>(dialect);
    }
    if (ok)
      return WalkResult::advance();
    op->emitError("cannot emulate '")
        << op->getName() << "' in kernel " << kernel.getName()
        << " (only independent threads are emulated)";
    return WalkResult::interrupt();
  });
  if (unsupported.wasInterrupted())
    return failure();

  Location loc = launch.getLoc();
  rewriter.setInsertionPoint(launch);
  Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
  Value one = arith::ConstantIndexOp::create(rewriter, loc, 1);
  gpu::KernelDim3 grid = launch.getGridSizeOperandValues();
  gpu::KernelDim3 block = launch.getBlockSizeOperandValues();
  // Loop order z, y, x over blocks, then over threads.
  Value bounds[6] = {grid.z, grid.y, grid.x, block.z, block.y, block.x};
  Value ivs[6];
  for (int i = 0; i < 6; ++i) {
    auto loop = scf::ForOp::create(rewriter, loc, zero, bounds[i], one);
    ivs[i] = loop.getInductionVar();
    rewriter.setInsertionPointToStart(loop.getBody());
  }
  // The loop of dimension d (x = 0, y = 1, z = 2) among the block loops
  // (first = 0) or the thread loops (first = 3).
  auto iv = [&](int first, gpu::Dimension d) {
    return ivs[first + 2 - static_cast<int>(d)];
  };

  // The body, in an scf.execute_region (a kernel may have several blocks);
  // its entry block's arguments become the launch's operands.
  auto exec = scf::ExecuteRegionOp::create(rewriter, loc, TypeRange{});
  rewriter.cloneRegionBefore(kernel.getBody(), exec.getRegion(),
                             exec.getRegion().end());
  Block &entry = exec.getRegion().front();
  for (auto [arg, operand] :
       llvm::zip_equal(entry.getArguments(), launch.getKernelOperands()))
    rewriter.replaceAllUsesWith(arg, operand);
  entry.eraseArguments(0, entry.getNumArguments());

  SmallVector<Operation *> ops;
  exec.walk([&](Operation *op) { ops.push_back(op); });
  for (Operation *op : ops) {
    rewriter.setInsertionPoint(op);
    if (auto id = dyn_cast<gpu::ThreadIdOp>(op))
      rewriter.replaceOp(op, iv(3, id.getDimension()));
    else if (auto id = dyn_cast<gpu::BlockIdOp>(op))
      rewriter.replaceOp(op, iv(0, id.getDimension()));
    else if (auto dim = dyn_cast<gpu::BlockDimOp>(op))
      rewriter.replaceOp(op, launchSize(block, dim.getDimension()));
    else if (auto dim = dyn_cast<gpu::GridDimOp>(op))
      rewriter.replaceOp(op, launchSize(grid, dim.getDimension()));
    else if (isa<gpu::ReturnOp>(op))
      rewriter.replaceOpWithNewOp<scf::YieldOp>(op);
    else if (auto asmOp = dyn_cast<LLVM::InlineAsmOp>(op))
      // sqrt.rn: the correctly rounded square root.
      rewriter.replaceOpWithNewOp<math::SqrtOp>(op, asmOp.getOperand(0));
    else if (auto assumed = dyn_cast<memref::AssumeAlignmentOp>(op))
      // Device pointers are 16-byte aligned, the caller's host arrays only
      // to their element: with the assumption LLVM widened the load of the
      // last bf16 of a 3-element array to 4 bytes, reading past its end.
      rewriter.replaceOp(op, assumed.getMemref());
  }
  return success();
}

struct StoEmulateGpuKernels
    : public sto::impl::StoEmulateGpuKernelsBase<StoEmulateGpuKernels> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SymbolTableCollection symbols;
    IRRewriter rewriter(&getContext());

    // 1. Launches become loops. Async tokens are dropped below: the host
    // runs everything in program order.
    SmallVector<gpu::LaunchFuncOp> launches;
    module.walk([&](gpu::LaunchFuncOp launch) { launches.push_back(launch); });
    for (gpu::LaunchFuncOp launch : launches) {
      auto kernel = symbols.lookupNearestSymbolFrom<gpu::GPUFuncOp>(
          launch, launch.getKernel());
      if (!kernel) {
        launch.emitError("cannot find kernel ") << launch.getKernel();
        return signalPassFailure();
      }
      if (failed(emulateLaunch(launch, kernel, rewriter)))
        return signalPassFailure();
    }

    // 2. The host side's device memory is host memory. Users of an op's
    // async token come after it, so ops are rewritten last to first.
    SmallVector<Operation *> hostOps;
    module.walk([&](Operation *op) {
      if (isa_and_nonnull<gpu::GPUDialect>(op->getDialect()) &&
          !op->getParentOfType<gpu::GPUModuleOp>() &&
          !isa<gpu::GPUModuleOp>(op))
        hostOps.push_back(op);
    });
    for (Operation *op : llvm::reverse(hostOps)) {
      if (auto async = dyn_cast<gpu::AsyncOpInterface>(op)) {
        Value token = async.getAsyncToken();
        if (token && !token.use_empty()) {
          (*token.getUsers().begin())
              ->emitError("cannot emulate this use of an async token");
          return signalPassFailure();
        }
      }
      rewriter.setInsertionPoint(op);
      Location loc = op->getLoc();
      if (isa<gpu::LaunchFuncOp, gpu::WaitOp>(op)) {
        rewriter.eraseOp(op);
      } else if (auto alloc = dyn_cast<gpu::AllocOp>(op)) {
        if (!alloc.getSymbolOperands().empty()) {
          alloc.emitError("cannot emulate this allocation");
          return signalPassFailure();
        }
        // Not replaceOp: the gpu.alloc may also have a (now unused) token.
        auto host = memref::AllocOp::create(
            rewriter, loc, alloc.getMemref().getType(), alloc.getDynamicSizes(),
            ValueRange{}, rewriter.getI64IntegerAttr(kDeviceAlignment));
        rewriter.replaceAllUsesWith(alloc.getMemref(), host.getResult());
        rewriter.eraseOp(op);
      } else if (auto dealloc = dyn_cast<gpu::DeallocOp>(op)) {
        memref::DeallocOp::create(rewriter, loc, dealloc.getMemref());
        rewriter.eraseOp(op);
      } else if (auto copy = dyn_cast<gpu::MemcpyOp>(op)) {
        memref::CopyOp::create(rewriter, loc, copy.getSrc(), copy.getDst());
        rewriter.eraseOp(op);
      } else {
        op->emitError("cannot emulate '") << op->getName() << "' on the host";
        return signalPassFailure();
      }
    }

    // 3. The kernels are gone with their modules.
    SmallVector<gpu::GPUModuleOp> modules(module.getOps<gpu::GPUModuleOp>());
    for (gpu::GPUModuleOp gpuModule : modules)
      rewriter.eraseOp(gpuModule);
    module->removeAttr(gpu::GPUDialect::getContainerModuleAttrName());

    // Matrix products (cuBLAS) run on the host through libsto_runtime's
    // sto_emulated_sgemm: the same argument checks and column-major mapping
    // as sto_cuda_compiled_sgemm, then cublasSgemm's arithmetic. Nothing
    // else of the CUDA runtime has a host version.
    if (auto sgemm = module.lookupSymbol<func::FuncOp>(kCompiledSgemm)) {
      if (module.lookupSymbol(kEmulatedSgemm)) {
        sgemm.emitError("cannot emulate ")
            << kCompiledSgemm << ": the module defines " << kEmulatedSgemm;
        return signalPassFailure();
      }
      if (failed(SymbolTable::replaceAllSymbolUses(
              sgemm, StringAttr::get(module.getContext(), kEmulatedSgemm),
              module)))
        return signalPassFailure();
      sgemm.setSymName(kEmulatedSgemm);
    }
    WalkResult calls = module.walk([&](func::CallOp call) {
      if (call.getCallee().starts_with("sto_cuda_")) {
        call.emitError("cannot emulate a call of ")
            << call.getCallee() << " (the CUDA runtime) on the host";
        return WalkResult::interrupt();
      }
      return WalkResult::advance();
    });
    if (calls.wasInterrupted())
      signalPassFailure();
  }
};

} // namespace
