//===- PrepareGpuKernels.cpp - kernel-level fixes before NVVM -------------===//

#include "sto/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Utils/Utils.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir {
namespace sto {
#define GEN_PASS_DEF_STOPREPAREGPUKERNELS
#include "sto/Transforms/Passes.h.inc"
} // namespace sto
} // namespace mlir

using namespace mlir;

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
  if (!lb || !ub || !step || *step <= 0)
    return std::nullopt;
  return (*ub - *lb + *step - 1) / *step;
}

void prepareKernel(gpu::GPUFuncOp func) {
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
}

struct StoPrepareGpuKernels
    : public sto::impl::StoPrepareGpuKernelsBase<StoPrepareGpuKernels> {
  void runOnOperation() override {
    getOperation()->walk([&](gpu::GPUFuncOp func) {
      if (func.isKernel())
        prepareKernel(func);
    });
  }
};

} // namespace
