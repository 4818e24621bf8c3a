//===- MatmulToCublas.cpp - f32 matrix products as cuBLAS calls -----------===//
//
// Rewrites linalg.matmul / linalg.batch_matmul on f32 buffers into a call of
// libsto_runtime's sto_cuda_compiled_sgemm (cuBLAS, loaded at run time), so
// that the CUDA pipeline does not turn the product into a naive kernel. The
// elementwise work around the product is left alone: it stays in the fused
// linalg.generic ops that become kernels.
//
//===----------------------------------------------------------------------===//

#include "sto/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir {
namespace sto {
#define GEN_PASS_DEF_STOMATMULTOCUBLAS
#include "sto/Transforms/Passes.h.inc"
} // namespace sto
} // namespace mlir

using namespace mlir;

namespace {

constexpr StringLiteral kSgemm = "sto_cuda_compiled_sgemm";
// The flags of sto_cuda_sgemm (sto-c/Runtime.h).
constexpr int32_t kTransposeA = 1, kTransposeB = 2;

/// Whether a buffer can be handed to cuBLAS: an f32 memref in the default
/// memory space whose rows are contiguous (innermost stride 1, known at
/// compile time). The other strides and the offset may be dynamic: they are
/// read from the descriptor at run time.
bool isRowContiguousF32(Value v, int64_t rank) {
  auto type = dyn_cast<MemRefType>(v.getType());
  if (!type || type.getRank() != rank || !type.getElementType().isF32() ||
      type.getMemorySpace())
    return false;
  SmallVector<int64_t> strides;
  int64_t offset;
  if (failed(type.getStridesAndOffset(strides, offset)))
    return false;
  return strides.back() == 1;
}

/// The dimensions (over the op's loops) that an operand's map must read, in
/// order: `d(i)` for each i.
AffineMap projection(MLIRContext *ctx, unsigned numDims,
                     ArrayRef<unsigned> dims) {
  SmallVector<AffineExpr> exprs;
  for (unsigned d : dims)
    exprs.push_back(getAffineDimExpr(d, ctx));
  return AffineMap::get(numDims, 0, exprs, ctx);
}

/// A matrix operand as the runtime takes it.
struct Matrix {
  Value ptr;    // !llvm.ptr to element (0, 0[, 0])
  Value rows;   // i64: stored rows (of one matrix of a batch)
  Value cols;   // i64: stored row length
  Value ld;     // i64: elements between rows
  Value stride; // i64: elements between the matrices of a batch (or 0)
};

Matrix describe(RewriterBase &rewriter, Location loc, Value memref) {
  auto type = cast<MemRefType>(memref.getType());
  int64_t rank = type.getRank();
  auto meta = memref::ExtractStridedMetadataOp::create(rewriter, loc, memref);
  Type i64 = rewriter.getI64Type();
  auto toI64 = [&](Value index) -> Value {
    return arith::IndexCastOp::create(rewriter, loc, i64, index);
  };
  // The aligned pointer plus the offset, in bytes.
  Value base =
      memref::ExtractAlignedPointerAsIndexOp::create(rewriter, loc, memref);
  Value four = arith::ConstantIndexOp::create(rewriter, loc, 4);
  Value offsetBytes =
      arith::MulIOp::create(rewriter, loc, meta.getOffset(), four);
  Value address = arith::AddIOp::create(rewriter, loc, base, offsetBytes);
  Value ptr = LLVM::IntToPtrOp::create(
      rewriter, loc, LLVM::LLVMPointerType::get(rewriter.getContext()),
      toI64(address));
  Matrix m;
  m.ptr = ptr;
  m.rows = toI64(meta.getSizes()[rank - 2]);
  m.cols = toI64(meta.getSizes()[rank - 1]);
  m.ld = toI64(meta.getStrides()[rank - 2]);
  m.stride =
      rank == 3
          ? toI64(meta.getStrides()[0])
          : arith::ConstantIntOp::create(rewriter, loc, i64, 0).getResult();
  return m;
}

/// The declaration of the runtime's entry point, created on first use.
func::FuncOp getOrCreateSgemm(RewriterBase &rewriter, Operation *from) {
  auto module = from->getParentOfType<ModuleOp>();
  if (auto f = module.lookupSymbol<func::FuncOp>(kSgemm))
    return f;
  MLIRContext *ctx = rewriter.getContext();
  Type i32 = rewriter.getI32Type(), i64 = rewriter.getI64Type(),
       f32 = rewriter.getF32Type(), ptr = LLVM::LLVMPointerType::get(ctx);
  // (flags, batch, m, n, k, alpha, a, lda, stride_a, b, ldb, stride_b, beta,
  //  c, ldc, stride_c)
  auto type = FunctionType::get(ctx,
                                {i32, i64, i64, i64, i64, f32, ptr, i64, i64,
                                 ptr, i64, i64, f32, ptr, i64, i64},
                                {});
  OpBuilder::InsertionGuard guard(rewriter);
  rewriter.setInsertionPointToStart(module.getBody());
  auto f = func::FuncOp::create(rewriter, module.getLoc(), kSgemm, type);
  f.setPrivate();
  return f;
}

/// Matches a matmul (rank 2) or batch_matmul (rank 3) whose operands cuBLAS
/// can take, and replaces it with the runtime call.
LogicalResult rewriteContraction(linalg::LinalgOp op, int64_t rank,
                                 PatternRewriter &rewriter) {
  if (!op.hasPureBufferSemantics() || op.getNumDpsInputs() != 2 ||
      op.getNumDpsInits() != 1)
    return rewriter.notifyMatchFailure(op, "not a product on buffers");
  Value a = op.getDpsInputs()[0], b = op.getDpsInputs()[1],
        c = op.getDpsInits()[0];
  // cuBLAS's output must not alias an input.
  if (c == a || c == b)
    return rewriter.notifyMatchFailure(op, "the output is an input");
  if (!isRowContiguousF32(a, rank) || !isRowContiguousF32(b, rank) ||
      !isRowContiguousF32(c, rank))
    return rewriter.notifyMatchFailure(
        op, "operands are not f32 buffers with contiguous rows");
  // A call cannot run inside a kernel or a parallel loop body.
  if (op->getParentOfType<gpu::LaunchOp>() ||
      op->getParentOfType<gpu::GPUModuleOp>() ||
      op->getParentOfType<scf::ParallelOp>() ||
      op->getParentOfType<scf::ForallOp>())
    return rewriter.notifyMatchFailure(op, "inside a parallel region");

  // Loops: matmul (m, n, k); batch_matmul (b, m, n, k).
  MLIRContext *ctx = op.getContext();
  unsigned numDims = rank + 1, o = rank - 2; // o: first of m, n, k
  unsigned dimM = o, dimN = o + 1, dimK = o + 2;
  auto with = [&](unsigned x, unsigned y) {
    SmallVector<unsigned> dims;
    if (rank == 3)
      dims.push_back(0);
    dims.push_back(x);
    dims.push_back(y);
    return projection(ctx, numDims, dims);
  };
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  int32_t flags = 0;
  if (maps[0] == with(dimK, dimM))
    flags |= kTransposeA;
  else if (maps[0] != with(dimM, dimK))
    return rewriter.notifyMatchFailure(op, "unsupported map of A");
  if (maps[1] == with(dimN, dimK))
    flags |= kTransposeB;
  else if (maps[1] != with(dimK, dimN))
    return rewriter.notifyMatchFailure(op, "unsupported map of B");
  if (maps[2] != with(dimM, dimN))
    return rewriter.notifyMatchFailure(op, "unsupported map of C");

  Location loc = op.getLoc();
  // C = A * B + C, unless C was just set to zero: then the fill goes and
  // cuBLAS does not read C (beta = 0).
  float beta = 1.0f;
  auto fill = dyn_cast_or_null<linalg::FillOp>(op->getPrevNode());
  if (fill && fill.hasPureBufferSemantics() && fill.getDpsInits()[0] == c &&
      matchPattern(fill.getDpsInputs()[0], m_AnyZeroFloat())) {
    rewriter.eraseOp(fill);
    beta = 0.0f;
  }

  func::FuncOp sgemm = getOrCreateSgemm(rewriter, op);
  Matrix ma = describe(rewriter, loc, a);
  Matrix mb = describe(rewriter, loc, b);
  Matrix mc = describe(rewriter, loc, c);
  Type i64 = rewriter.getI64Type();
  Value batch =
      rank == 3
          ? arith::IndexCastOp::create(
                rewriter, loc, i64,
                memref::DimOp::create(rewriter, loc, c, 0).getResult())
                .getResult()
          : arith::ConstantIntOp::create(rewriter, loc, i64, 1).getResult();
  // m and n from C, k from A (its columns, or its rows when transposed).
  Value k = (flags & kTransposeA) ? ma.rows : ma.cols;
  Value alphaV =
      arith::ConstantOp::create(rewriter, loc, rewriter.getF32FloatAttr(1.0f));
  Value betaV =
      arith::ConstantOp::create(rewriter, loc, rewriter.getF32FloatAttr(beta));
  Value flagsV =
      arith::ConstantIntOp::create(rewriter, loc, rewriter.getI32Type(), flags);
  func::CallOp::create(rewriter, loc, sgemm,
                       ValueRange{flagsV, batch, mc.rows, mc.cols, k, alphaV,
                                  ma.ptr, ma.ld, ma.stride, mb.ptr, mb.ld,
                                  mb.stride, betaV, mc.ptr, mc.ld, mc.stride});
  rewriter.eraseOp(op);
  return success();
}

struct MatmulToCublas : public OpRewritePattern<linalg::MatmulOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(linalg::MatmulOp op,
                                PatternRewriter &rewriter) const override {
    return rewriteContraction(op, 2, rewriter);
  }
};

struct BatchMatmulToCublas : public OpRewritePattern<linalg::BatchMatmulOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(linalg::BatchMatmulOp op,
                                PatternRewriter &rewriter) const override {
    return rewriteContraction(op, 3, rewriter);
  }
};

struct StoMatmulToCublas
    : public sto::impl::StoMatmulToCublasBase<StoMatmulToCublas> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    sto::populateMatmulToCublasPatterns(patterns);
    // No folding: the rest of the function is left as it is.
    GreedyRewriteConfig config;
    config.setRegionSimplificationLevel(GreedySimplifyRegionLevel::Disabled)
        .enableFolding(false);
    if (failed(
            applyPatternsGreedily(getOperation(), std::move(patterns), config)))
      signalPassFailure();
  }
};

} // namespace

void mlir::sto::populateMatmulToCublasPatterns(RewritePatternSet &patterns) {
  patterns.add<MatmulToCublas, BatchMatmulToCublas>(patterns.getContext());
}
