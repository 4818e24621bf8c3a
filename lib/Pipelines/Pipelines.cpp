//===- Pipelines.cpp - named sto pass pipelines ---------------------------===//

#include "sto/Pipelines/Pipelines.h"
#include "sto/Transforms/Passes.h"

#include "mlir/Conversion/MathToLibm/MathToLibm.h"
#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Transforms/Passes.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Pipelines/Passes.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/LLVMIR/FunctionCallUtils.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Dialect/MemRef/Utils/MemRefUtils.h"
#include "mlir/Dialect/OpenMP/OpenMPDialect.h"
#include "mlir/Dialect/SCF/Transforms/Passes.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/Dominance.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/SubtargetFeature.h"
#include "llvm/TargetParser/Triple.h"

using namespace mlir;
using namespace mlir::sto;

namespace {
/// Rewrites each memref.copy whose source or target is not contiguous (a
/// copy into or out of a strided subview, as tensor.insert_slice into a
/// wider tensor bufferizes) into linalg.copy. MemRefToLLVM would lower such
/// a copy to a call of `memrefCopy` from MLIR's C runner utils, which the
/// objects of sto-compile cannot link against (libsto_runtime does not
/// provide it); as linalg.copy it becomes a loop nest like every other
/// linalg op. Contiguous copies stay memref.copy (LLVM's memcpy).
struct LowerStridedCopies
    : public PassWrapper<LowerStridedCopies, OperationPass<func::FuncOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(LowerStridedCopies)
  /// `wholeBuffersOnly`: keep only copies between identity-layout buffers
  /// (for the GPU, where a copy becomes gpu.memcpy of whole buffers from
  /// their base pointers); any view with an offset or strides becomes a
  /// loop nest, hence a kernel.
  explicit LowerStridedCopies(bool wholeBuffersOnly = false)
      : wholeBuffersOnly(wholeBuffersOnly) {}
  bool wholeBuffersOnly;
  StringRef getArgument() const final { return "sto-lower-strided-copies"; }
  StringRef getDescription() const final {
    return "Turns memref.copy between non-contiguous buffers into linalg.copy";
  }
  void getDependentDialects(DialectRegistry &registry) const final {
    registry.insert<linalg::LinalgDialect>();
  }
  void runOnOperation() final {
    // The test MemRefToLLVM uses to choose memcpy over memrefCopy.
    auto contiguous = [&](Type t) {
      auto type = dyn_cast<MemRefType>(t);
      return type && (type.getLayout().isIdentity() ||
                      (!wholeBuffersOnly &&
                       memref::isStaticShapeAndContiguousRowMajor(type)));
    };
    SmallVector<memref::CopyOp> copies;
    getOperation().walk([&](memref::CopyOp op) {
      if (!contiguous(op.getSource().getType()) ||
          !contiguous(op.getTarget().getType()))
        copies.push_back(op);
    });
    for (memref::CopyOp op : copies) {
      OpBuilder b(op);
      linalg::CopyOp::create(b, op.getLoc(), op.getSource(), op.getTarget());
      op.erase();
    }
  }
};

/// Calls libm for the math ops that neither sto-approximate-math expands
/// nor MathToLLVM lowers to an intrinsic. Only those: upstream's
/// convert-math-to-libm would also turn sqrt and fma, which stay intrinsics
/// (vector instructions), into scalar calls.
struct LibmForUnexpandedMath
    : public PassWrapper<LibmForUnexpandedMath, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(LibmForUnexpandedMath)
  StringRef getArgument() const override {
    return "sto-libm-for-unexpanded-math";
  }
  void getDependentDialects(DialectRegistry &registry) const override {
    registry.insert<arith::ArithDialect, func::FuncDialect,
                    vector::VectorDialect>();
  }
  void runOnOperation() override {
    SmallVector<Operation *> ops;
    // Pre-order, so that skipping a gpu.module skips its kernels (a
    // post-order walk has visited them already: kernels called libm's
    // cbrt, which ptxas could not resolve).
    getOperation()->walk<WalkOrder::PreOrder>([&](Operation *op) {
      // A CUDA kernel's math goes to libdevice (convert-gpu-to-nvvm); only
      // the host's calls libm.
      if (isa<gpu::GPUModuleOp>(op))
        return WalkResult::skip();
      if (isa<math::ErfOp, math::ErfcOp, math::CbrtOp, math::AtanhOp,
              math::AsinhOp, math::AcoshOp>(op))
        ops.push_back(op);
      return WalkResult::advance();
    });
    if (ops.empty())
      return;
    RewritePatternSet patterns(&getContext());
    populateMathToLibmConversionPatterns(patterns);
    GreedyRewriteConfig config;
    config.setStrictness(GreedyRewriteStrictness::ExistingAndNewOps);
    if (failed(applyOpPatternsGreedily(ops, std::move(patterns), config)))
      return signalPassFailure();
  }
};

/// arith.maximumf/minimumf expanded before arith-expand-ops, whose select
/// form gets signed zeros wrong: maximumf(+0.0, -0.0) gave -0.0 (the
/// semantics order -0.0 below +0.0). Equal operands are merged on their
/// bits (AND for the max: +0.0 wins; OR for the min), a NaN operand gives
/// a NaN. Compares, selects and bit ops: vectorizable, where LLVM's x86
/// lowering of llvm.maximum kept a 16-lane max reduction scalar (7x slower).
template <typename From, bool IsMax>
struct ExpandFloatMaxMin : public OpRewritePattern<From> {
  using OpRewritePattern<From>::OpRewritePattern;
  LogicalResult matchAndRewrite(From op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Type type = op.getType();
    auto floatType = dyn_cast<FloatType>(getElementTypeOrSelf(type));
    if (!floatType)
      return failure();
    Type bits = rewriter.getIntegerType(floatType.getWidth());
    if (auto shaped = dyn_cast<ShapedType>(type))
      bits = shaped.clone(bits);
    Value a = op.getLhs(), b = op.getRhs();
    using P = arith::CmpFPredicate;
    Value wins =
        arith::CmpFOp::create(rewriter, loc, IsMax ? P::OGT : P::OLT, a, b);
    Value r = arith::SelectOp::create(rewriter, loc, wins, a, b);
    Value equal = arith::CmpFOp::create(rewriter, loc, P::OEQ, a, b);
    Value aBits = arith::BitcastOp::create(rewriter, loc, bits, a);
    Value bBits = arith::BitcastOp::create(rewriter, loc, bits, b);
    Value merged =
        IsMax ? arith::AndIOp::create(rewriter, loc, aBits, bBits).getResult()
              : arith::OrIOp::create(rewriter, loc, aBits, bBits).getResult();
    r = arith::SelectOp::create(
        rewriter, loc, equal,
        arith::BitcastOp::create(rewriter, loc, type, merged), r);
    Value unordered = arith::CmpFOp::create(rewriter, loc, P::UNO, a, b);
    Value nan = arith::AddFOp::create(rewriter, loc, a, b);
    rewriter.replaceOpWithNewOp<arith::SelectOp>(op, unordered, nan, r);
    return success();
  }
};

struct ExpandMaxMinF
    : public PassWrapper<ExpandMaxMinF, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(ExpandMaxMinF)
  StringRef getArgument() const override { return "sto-expand-maxmin-f"; }
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<ExpandFloatMaxMin<arith::MaximumFOp, true>,
                 ExpandFloatMaxMin<arith::MinimumFOp, false>>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

/// Calls libdevice's fmod for each arith.remf in a CUDA kernel. The NVVM
/// pipeline lowers arith to the LLVM dialect before convert-gpu-to-nvvm,
/// which would have sent remf to __nv_fmod but rejects the llvm.frem it
/// finds instead ("failed to legalize operation 'llvm.frem'"). f16/bf16
/// go through f32, where fmod is exact.
struct GpuRemFToLibdevice
    : public PassWrapper<GpuRemFToLibdevice, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(GpuRemFToLibdevice)
  StringRef getArgument() const override { return "sto-gpu-remf-to-libdevice"; }
  void getDependentDialects(DialectRegistry &registry) const override {
    registry.insert<arith::ArithDialect, LLVM::LLVMDialect>();
  }
  void runOnOperation() override {
    getOperation()->walk([&](gpu::GPUModuleOp module) {
      SmallVector<arith::RemFOp> ops;
      module.walk([&](arith::RemFOp op) { ops.push_back(op); });
      for (arith::RemFOp op : ops) {
        auto type = dyn_cast<FloatType>(op.getType());
        if (!type || type.getWidth() > 64)
          continue;
        OpBuilder b(op);
        Location loc = op.getLoc();
        bool f64 = type.isF64();
        Type callType = f64 ? type : b.getF32Type();
        StringRef name = f64 ? "__nv_fmod" : "__nv_fmodf";
        FailureOr<LLVM::LLVMFuncOp> callee = LLVM::lookupOrCreateFn(
            b, module, name, {callType, callType}, callType);
        if (failed(callee))
          return signalPassFailure();
        auto widen = [&](Value v) -> Value {
          return v.getType() == callType
                     ? v
                     : arith::ExtFOp::create(b, loc, callType, v);
        };
        Value r = LLVM::CallOp::create(
                      b, loc, *callee,
                      ValueRange{widen(op.getLhs()), widen(op.getRhs())})
                      .getResult();
        if (r.getType() != type)
          r = arith::TruncFOp::create(b, loc, type, r);
        op.replaceAllUsesWith(r);
        op.erase();
      }
    });
  }
};

/// SCFToControlFlow copies an `scf.for`'s `llvm.loop_annotation` to its
/// latch branch as a discardable attribute, and the branch's conversion to
/// the LLVM dialect keeps it so; the translation to LLVM IR reads only the
/// branch's own `loop_annotation`. This moves it there (sto's loop hints:
/// sto-stage-random-values).
struct AttachLoopAnnotations
    : public PassWrapper<AttachLoopAnnotations, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(AttachLoopAnnotations)
  StringRef getArgument() const override {
    return "sto-attach-loop-annotations";
  }
  void runOnOperation() override {
    constexpr StringLiteral kName = "llvm.loop_annotation";
    getOperation()->walk([&](Operation *op) {
      auto annotation = op->getAttrOfType<LLVM::LoopAnnotationAttr>(kName);
      if (!annotation)
        return;
      if (auto br = dyn_cast<LLVM::BrOp>(op))
        br.setLoopAnnotationAttr(annotation);
      else if (auto condBr = dyn_cast<LLVM::CondBrOp>(op))
        condBr.setLoopAnnotationAttr(annotation);
      else
        return;
      op->removeAttr(kName);
    });
  }
};

/// Non-temporal stores (sto-streaming-stores) become ordinary stores in the
/// alias scope `kStreamingScopeDomain`: LLVM's loop vectorizer refuses a
/// loop with a non-temporal store that it cannot prove aligned to the whole
/// vector, which a scalar f32 store never is. sto-compile makes the vector
/// stores of that scope non-temporal again after vectorization, where their
/// alignment is known (mlir-runner's JIT keeps them ordinary). The scope
/// appears in no `noalias` list, so alias analysis is unchanged.
struct MarkStreamingStores
    : public PassWrapper<MarkStreamingStores, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(MarkStreamingStores)
  StringRef getArgument() const override { return "sto-mark-streaming-stores"; }
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    DominanceInfo dom;
    // An alignment assumption inside an OpenMP region (the streamed buffers'
    // memref.assume_alignment) would be lost: outlining the region drops
    // every llvm.assume. As a pointer mask, a no-op on the aligned pointer,
    // LLVM still sees the alignment in the outlined function.
    getOperation()->walk([&](LLVM::AssumeOp assume) {
      std::optional<ArrayAttr> tags = assume.getOpBundleTags();
      if (!tags || tags->size() != 1 ||
          !assume->getParentOfType<omp::ParallelOp>())
        return;
      auto tag = dyn_cast<StringAttr>((*tags)[0]);
      ValueRange bundle = assume.getOpBundleOperands()[0];
      APInt align;
      if (!tag || tag.getValue() != "align" || bundle.size() != 2 ||
          !isa<LLVM::LLVMPointerType>(bundle[0].getType()) ||
          !matchPattern(bundle[1], m_ConstantInt(&align)) ||
          !align.isPowerOf2())
        return;
      Value ptr = bundle[0];
      OpBuilder b(assume);
      Value mask = LLVM::ConstantOp::create(
          b, assume.getLoc(), bundle[1].getType(),
          b.getIntegerAttr(bundle[1].getType(), -align.getSExtValue()));
      auto masked =
          LLVM::PtrMaskOp::create(b, assume.getLoc(), ptr.getType(), ptr, mask);
      Region *region = &assume->getParentOfType<omp::ParallelOp>().getRegion();
      // Each memref access extracts the pointer from the descriptor again:
      // the masked pointer goes into the descriptor that the region uses.
      Value from = ptr, to = masked;
      if (auto field = ptr.getDefiningOp<LLVM::ExtractValueOp>()) {
        from = field.getContainer();
        to = LLVM::InsertValueOp::create(b, assume.getLoc(), from, masked,
                                         field.getPosition());
      }
      from.replaceUsesWithIf(to, [&](OpOperand &use) {
        Operation *user = use.getOwner();
        return user != masked && user != to.getDefiningOp() && user != assume &&
               region->isAncestor(user->getParentRegion()) &&
               dom.properlyDominates(to.getDefiningOp(), user);
      });
    });
    ArrayAttr scopes;
    getOperation()->walk([&](LLVM::StoreOp store) {
      if (!store.getNontemporal())
        return;
      if (!scopes) {
        auto domain = LLVM::AliasScopeDomainAttr::get(
            ctx, StringAttr::get(ctx, kStreamingScopeDomain));
        scopes = ArrayAttr::get(ctx, {LLVM::AliasScopeAttr::get(domain)});
      }
      store.setNontemporal(false);
      store.setAliasScopesAttr(scopes);
    });
  }
};

/// f16 and bf16 values that the LLVM dialect only moves (loads, stores,
/// selects, block arguments, constants, vector element moves) become i16.
/// LLVM's x86 backend holds a half or bfloat value in a float register:
/// with AVX512-BF16 a bfloat phi or select is widened to f32 and narrowed
/// again with vcvtneps2bf16, which flushes subnormals to zero and quiets
/// signalling NaNs (a half widened through F16C would lose its signalling
/// NaNs the same way; none was seen, but it is moved as bits too). So
/// a row that dispatch copies, or a bf16 sum of subnormals, lost bits on
/// such CPUs only. As i16 the bits move unchanged on every CPU; ops that
/// compute on the value (fpext, calls) get it back through a bitcast.
struct NarrowFloatsAsBits
    : public PassWrapper<NarrowFloatsAsBits, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(NarrowFloatsAsBits)
  StringRef getArgument() const override { return "sto-narrow-floats-as-bits"; }

  /// The i16 form of an f16/bf16 type or vector of one, or null.
  static Type bitsType(Type t) {
    Type i16 = IntegerType::get(t.getContext(), 16);
    if (isa<Float16Type, BFloat16Type>(t))
      return i16;
    auto vec = dyn_cast<VectorType>(t);
    if (vec && isa<Float16Type, BFloat16Type>(vec.getElementType()))
      return vec.clone(i16);
    return nullptr;
  }

  /// Ops whose narrow results and operands are only moved: they keep their
  /// meaning when the values are i16.
  static bool movesOnly(Operation *op) {
    return isa<LLVM::LoadOp, LLVM::StoreOp, LLVM::SelectOp, LLVM::BrOp,
               LLVM::CondBrOp, LLVM::SwitchOp, LLVM::PoisonOp, LLVM::UndefOp,
               LLVM::ZeroOp, LLVM::FreezeOp, LLVM::ExtractElementOp,
               LLVM::InsertElementOp, LLVM::ShuffleVectorOp>(op);
  }

  void runOnOperation() override {
    getOperation()->walk([&](LLVM::LLVMFuncOp func) {
      if (!func.isExternal())
        runOnFunction(func);
    });
  }

  void runOnFunction(LLVM::LLVMFuncOp func) {
    // The operands that ops computing on a narrow value read (fpext, a
    // bitcast to bits, a call): after the retyping they get the float back.
    SmallVector<std::tuple<Operation *, unsigned, Type>> computeUses;
    func.walk([&](Operation *op) {
      if (movesOnly(op))
        return;
      for (OpOperand &operand : op->getOpOperands())
        if (bitsType(operand.get().getType()))
          computeUses.push_back(
              {op, operand.getOperandNumber(), operand.get().getType()});
    });
    // Constants: the same bits as integers.
    func.walk([&](LLVM::ConstantOp cst) {
      Type bits = bitsType(cst.getType());
      if (!bits)
        return;
      Attribute intValue;
      if (auto f = dyn_cast<FloatAttr>(cst.getValue()))
        intValue = IntegerAttr::get(bits, f.getValue().bitcastToAPInt());
      else if (auto dense = dyn_cast<DenseFPElementsAttr>(cst.getValue()))
        intValue = dense.bitcast(cast<VectorType>(bits).getElementType());
      if (!intValue)
        return;
      cst.setValueAttr(cast<TypedAttr>(intValue));
      cst.getResult().setType(bits);
    });
    // Every other narrow value: retyped where only moved, or bitcast to
    // bits right after the op that computes it (or at the entry, for an
    // argument).
    SmallVector<Value> values;
    func.walk([&](Operation *op) {
      for (Value r : op->getResults())
        if (bitsType(r.getType()))
          values.push_back(r);
      for (Region &region : op->getRegions())
        for (Block &block : region)
          for (BlockArgument arg : block.getArguments())
            if (bitsType(arg.getType()))
              values.push_back(arg);
    });
    for (Value v : values) {
      Type bits = bitsType(v.getType());
      auto arg = dyn_cast<BlockArgument>(v);
      Operation *def = v.getDefiningOp();
      if ((arg && arg.getOwner()->isEntryBlock()) || (def && !movesOnly(def))) {
        OpBuilder b(v.getContext());
        if (def)
          b.setInsertionPointAfter(def);
        else
          b.setInsertionPointToStart(arg.getOwner());
        auto toBits = LLVM::BitcastOp::create(b, v.getLoc(), bits, v);
        v.replaceAllUsesExcept(toBits.getResult(), toBits);
        continue;
      }
      v.setType(bits);
    }
    for (auto [op, index, narrow] : computeUses) {
      OpOperand &operand = op->getOpOperand(index);
      Value v = operand.get();
      // A bitcast of the float to bits is now the value itself.
      auto cast = dyn_cast<LLVM::BitcastOp>(op);
      if (cast && cast.getType() == v.getType()) {
        cast.getResult().replaceAllUsesWith(v);
        cast.erase();
        continue;
      }
      OpBuilder b(op);
      operand.set(LLVM::BitcastOp::create(b, op->getLoc(), narrow, v));
    }
  }
};

/// buffer-results-to-out-params for the functions whose results can become
/// out-parameters: the C entry points (their caller passes every result's
/// sizes) and the functions whose results all have static shapes. A helper
/// that returns a dynamically shaped tensor keeps returning its buffer:
/// upstream's pass, applied to it, fails at its call sites ("cannot create
/// out param for dynamically shaped result") since no caller can size it.
/// True unless `t` is a memref with a dynamic size.
bool hasStaticShape(Type t) {
  auto memref = dyn_cast<MemRefType>(t);
  return !memref || memref.hasStaticShape();
}

struct ResultsToOutParams
    : public PassWrapper<ResultsToOutParams, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(ResultsToOutParams)
  StringRef getArgument() const final { return "sto-results-to-out-params"; }
  StringRef getDescription() const final {
    return "Turns returned buffers into out-parameters where the caller can "
           "allocate them";
  }
  void getDependentDialects(DialectRegistry &registry) const final {
    registry.insert<memref::MemRefDialect>();
  }
  void runOnOperation() final {
    // A buffer returned twice would become two out-parameters that both
    // are the one buffer, which upstream's rewrite does not handle (it
    // crashed): every repeat returns a copy instead.
    getOperation().walk([](func::ReturnOp ret) {
      llvm::SmallPtrSet<Value, 4> seen;
      for (OpOperand &operand : ret->getOpOperands()) {
        Value v = operand.get();
        auto type = dyn_cast<MemRefType>(v.getType());
        if (!type || seen.insert(v).second)
          continue;
        OpBuilder b(ret);
        SmallVector<Value> sizes;
        for (int64_t d = 0; d < type.getRank(); ++d)
          if (type.isDynamicDim(d))
            sizes.push_back(memref::DimOp::create(b, ret.getLoc(), v, d));
        Value copy = memref::AllocOp::create(
            b, ret.getLoc(),
            MemRefType::get(type.getShape(), type.getElementType()), sizes);
        memref::CopyOp::create(b, ret.getLoc(), v, copy);
        if (copy.getType() != type)
          copy = memref::CastOp::create(b, ret.getLoc(), type, copy);
        operand.set(copy);
      }
    });
    // An entry point's results become out-parameters, which its callers in
    // the module cannot size when one is dynamic (upstream's rewrite of the
    // call fails: "cannot create out param for dynamically shaped
    // result"). Those callers call a private copy that keeps returning its
    // buffers, as any helper does.
    ModuleOp module = getOperation();
    SymbolTable symbols(module);
    for (auto func : llvm::to_vector(module.getOps<func::FuncOp>())) {
      if (!func->hasAttr("sto.c_abi") || func.isExternal() ||
          llvm::all_of(func.getResultTypes(), hasStaticShape))
        continue;
      std::optional<SymbolTable::UseRange> uses =
          SymbolTable::getSymbolUses(func, module);
      if (!uses || uses->empty())
        continue;
      auto copy = cast<func::FuncOp>(func->clone());
      copy->removeAttr("sto.c_abi");
      copy.setPrivate();
      copy.setSymName((func.getSymName() + "_internal").str());
      // Inserting renames the copy if that name is taken.
      symbols.insert(copy, std::next(Block::iterator(func)));
      if (failed(SymbolTable::replaceAllSymbolUses(func, copy.getSymNameAttr(),
                                                   module)))
        return signalPassFailure();
    }
    bufferization::BufferResultsToOutParamsOpts opts;
    opts.hoistStaticAllocs = true;
    opts.modifyPublicFunctions = true;
    opts.filterFn = [](func::FuncOp *func) {
      if ((*func)->hasAttr("sto.c_abi"))
        return true;
      return llvm::all_of(func->getResultTypes(), hasStaticShape);
    };
    if (failed(bufferization::promoteBufferResultsToOutParams(getOperation(),
                                                              opts)))
      signalPassFailure();
  }
};
} // namespace

std::optional<Phase> mlir::sto::parsePhase(StringRef name) {
  return llvm::StringSwitch<std::optional<Phase>>(name)
      .Case("input", Phase::Input)
      .Case("frontend", Phase::Frontend)
      .Case("linalg", Phase::Linalg)
      .Case("bufferized", Phase::Bufferized)
      .Case("loops", Phase::Loops)
      .Case("llvm", Phase::LLVM)
      .Default(std::nullopt);
}

StringRef mlir::sto::phaseName(Phase phase) {
  switch (phase) {
  case Phase::Input:
    return "input";
  case Phase::Frontend:
    return "frontend";
  case Phase::Linalg:
    return "linalg";
  case Phase::Bufferized:
    return "bufferized";
  case Phase::Loops:
    return "loops";
  case Phase::LLVM:
    return "llvm";
  }
  llvm_unreachable("unknown phase");
}

/// The oldest PTX version that has `chip` (sm_90a: 8.0), as 10 * major +
/// minor; 0 when not known here (NVPTX then decides).
static unsigned minPtxVersionForChip(StringRef chip) {
  return llvm::StringSwitch<unsigned>(chip)
      .Cases({"sm_20", "sm_21", "sm_30", "sm_35"}, 32)
      .Cases({"sm_32", "sm_50"}, 40)
      .Cases({"sm_37", "sm_52"}, 41)
      .Case("sm_53", 42)
      .Cases({"sm_60", "sm_61", "sm_62"}, 50)
      .Case("sm_70", 60)
      .Case("sm_72", 61)
      .Case("sm_75", 63)
      .Case("sm_80", 70)
      .Case("sm_86", 71)
      .Case("sm_87", 74)
      .Cases({"sm_89", "sm_90"}, 78)
      .Case("sm_90a", 80)
      .Cases({"sm_100", "sm_100a", "sm_101", "sm_101a"}, 86)
      .Cases({"sm_120", "sm_120a"}, 87)
      .Cases({"sm_100f", "sm_101f", "sm_103", "sm_103f", "sm_103a", "sm_120f",
              "sm_121", "sm_121f", "sm_121a"},
             88)
      .Cases({"sm_88", "sm_110", "sm_110f", "sm_110a"}, 90)
      .Default(0);
}

std::string mlir::sto::checkCudaTarget(StringRef chip, StringRef ptxFeatures) {
  // NVPTX does not reject bad values where they are given: an empty chip
  // crashed the verifier of the NVVM target attribute, and an unknown chip
  // or feature is only warned about, then fails far from the option.
  LLVMInitializeNVPTXTargetInfo();
  LLVMInitializeNVPTXTargetMC();
  llvm::Triple triple("nvptx64-nvidia-cuda");
  std::string error;
  const llvm::Target *target =
      llvm::TargetRegistry::lookupTarget(triple, error);
  if (!target)
    return "no NVPTX target in this LLVM: " + error;
  std::unique_ptr<llvm::MCSubtargetInfo> info(
      target->createMCSubtargetInfo(triple, "", ""));
  if (!llvm::any_of(
          info->getAllProcessorDescriptions(),
          [&](const llvm::SubtargetSubTypeKV &kv) { return chip == kv.Key; }))
    return ("chip must be an NVPTX GPU architecture (e.g. sm_90a), not '" +
            chip + "'")
        .str();
  // Named: a range-for does not extend the life of a temporary's member.
  llvm::SubtargetFeatures requested(ptxFeatures);
  for (const std::string &f : requested.getFeatures()) {
    StringRef name = StringRef(f).drop_front();
    if (!llvm::SubtargetFeatures::hasFlag(f) ||
        !llvm::any_of(
            info->getAllProcessorFeatures(),
            [&](const llvm::SubtargetFeatureKV &kv) { return name == kv.Key; }))
      return "ptx-features must be NVPTX features with + or - (e.g. "
             "+ptx80), not '" +
             f + "'";
  }
  // NVPTX reports a PTX version too old for the chip only from codegen, as an
  // unlocated fatal error; the check is here, with NVPTX's table
  // (getMinPTXVersionForSM in NVPTXSubtarget.cpp, which is not public).
  auto ptxVersion = [](StringRef feature) -> unsigned {
    unsigned v = 0;
    if (!feature.consume_front("ptx") || feature.getAsInteger(10, v))
      return 0;
    return v;
  };
  unsigned needed = minPtxVersionForChip(chip);
  unsigned given = 0;
  for (const std::string &f : requested.getFeatures())
    if (llvm::SubtargetFeatures::isEnabled(f))
      given = std::max(given, ptxVersion(StringRef(f).drop_front()));
  if (given != 0 && given < needed)
    return ("ptx-features must give PTX " + Twine(needed / 10) + "." +
            Twine(needed % 10) + " or later for " + chip + " (+ptx" +
            Twine(needed) + "), not +ptx" + Twine(given))
        .str();
  return "";
}

void mlir::sto::buildFrontendPipeline(OpPassManager &pm,
                                      const StoPipelineOptions &opts) {
  // Key linearity is checked on the program as written, before any rewrite
  // could hide or create a reuse.
  if (opts.verifyKeys)
    pm.addPass(createStoVerifyKeys());
  // Loops written with cf branches become scf.while: the ownership-based
  // deallocation after bufferization supports structured loops only ("Only
  // structured control-flow loops are supported").
  pm.addPass(createLiftControlFlowToSCFPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
}

void mlir::sto::buildLinalgPhase(OpPassManager &pm,
                                 const StoPipelineOptions &opts,
                                 bool widePhilox, bool parallelScans) {
  // Size requirements on the program as written, before the sto ops are
  // lowered.
  if (opts.shapeChecks)
    pm.addPass(createStoInsertShapeChecks());
  ConvertStoToLinalgOptions lowering;
  lowering.widePhilox = widePhilox;
  lowering.parallelScans =
      opts.moeScans.empty() ? parallelScans : opts.moeScans == "parallel";
  // The CPU (wide Philox) streams dp_aggregate's rows through its cache.
  lowering.dpRowGroups =
      opts.dpForm.empty() ? widePhilox : opts.dpForm == "grouped";
  lowering.moeCpuForms = widePhilox;
  // The model's own reductions, before the sto ops add theirs (which keep
  // their documented orders).
  pm.addPass(createStoTagUserReductions());
  pm.addPass(createConvertStoToLinalg(lowering));
  // arith/math on whole tensors (the differentiable paths of a model) become
  // linalg.generic too, so they bufferize and fuse with the sampling.
  pm.addNestedPass<func::FuncOp>(createConvertElementwiseToLinalgPass());
  pm.addPass(createStoGeneralizeElementwise());
  // Elementwise fusion puts the sampling into its consumer's loop nest.
  pm.addPass(createStoFuseElementwise());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
}

void mlir::sto::buildBufferizePhase(OpPassManager &pm,
                                    const StoPipelineOptions &opts) {
  bufferization::OneShotBufferizePassOptions bufOpts;
  bufOpts.bufferizeFunctionBoundaries = true;
  bufOpts.functionBoundaryTypeConversion =
      bufferization::LayoutMapOption::IdentityLayoutMap;
  // A loop may carry a tensor that its body gets from a call (a training
  // loop calling its step function) or from any op that allocates: the
  // yielded buffer is then a new allocation, not the iter_arg's buffer.
  // The ownership-based deallocation below frees the buffers such loops
  // hand from one iteration to the next.
  bufOpts.allowReturnAllocsFromLoops = true;
  // Empty pieces that bufferization would make invalid subviews of.
  pm.addPass(createStoFoldEmptyTensors());
  pm.addPass(bufferization::createOneShotBufferizePass(bufOpts));
  if (opts.outParams) {
    pm.addPass(std::make_unique<ResultsToOutParams>());
    pm.addPass(createStoFoldResultCopies());
  }
  if (opts.shapeChecks)
    pm.addPass(createStoGuardShapeChecks());
  bufferization::BufferDeallocationPipelineOptions deallocOpts;
  bufferization::buildBufferDeallocationPipeline(pm, deallocOpts);
  // Where a function returns a buffer that it may or may not own (a helper
  // returning its argument or a new buffer, from an scf.if or a loop), the
  // deallocation returns a bufferization.clone, which nothing after this
  // phase lowers: it is an allocation and a copy.
  pm.addPass(createConvertBufferizationToMemRefPass());
  // memref.reshape (of tensor.reshape) becomes loads of its shape and a
  // reinterpret_cast: MemRefToLLVM's own lowering reads the shape on the
  // host (device memory on CUDA; the loads here move into kernels like any
  // other) and fails on an index-typed shape.
  pm.addPass(memref::createExpandOpsPass());
  pm.addPass(createCanonicalizerPass());
}

void mlir::sto::buildCpuLoopsPhase(OpPassManager &pm,
                                   const StoPipelineOptions &opts) {
  // A model's own scf.forall runs on the threads like linalg's loops
  // (SCFToControlFlow would make it sequential).
  pm.addPass(createForallToParallelLoopPass());
  pm.addNestedPass<func::FuncOp>(std::make_unique<LowerStridedCopies>());
  // The model's reductions along the last axis run in 16 lanes.
  pm.addPass(createStoLaneReductions());
  // Matrix products run their reduction outside the output's rows, so
  // that the inner loop vectorizes (same bits).
  pm.addPass(createStoInterchangeInnerReduction());
  // Column sums start their threads once, not once per row.
  pm.addPass(createStoTileOuterReduction());
  pm.addNestedPass<func::FuncOp>(createConvertLinalgToParallelLoopsPass());
  pm.addPass(createStoParallelizeOuterLoop());
  // A softmax's passes over a row run one after the other, in cache.
  pm.addPass(createStoFuseRowLoops());
  // Hoists each block's Philox call out of its lane loop.
  pm.addPass(createLoopInvariantCodeMotionPass());
  // Sampled values in element order, so that operands need no shuffles.
  StoStageRandomValuesOptions stageOpts;
  stageOpts.parallel = opts.parallel;
  pm.addPass(createStoStageRandomValues(stageOpts));
  pm.addPass(createCanonicalizerPass());
  // Reductions over an outer dimension keep their partial sums in
  // registers (LLVM cannot once the loops are outlined for OpenMP).
  pm.addPass(createStoPromoteAccumulators());
  if (opts.parallel) {
    pm.addPass(createConvertSCFToOpenMPPass());
    // A nest of dynamic size starts threads only when it is large.
    pm.addPass(createStoParallelIfEnough());
  }
  // Stack buffers once per thread, not once per iteration.
  pm.addPass(createStoHoistStaticAllocas());
  // Large outputs written without reading their lines first (x86 movnt;
  // sto-compile and mlir-runner run on the host they compile for).
  if (llvm::Triple(llvm::sys::getProcessTriple()).isX86())
    pm.addNestedPass<func::FuncOp>(createStoStreamingStores());
  pm.addPass(createCanonicalizerPass());
}

void mlir::sto::buildCpuToLLVMPhase(OpPassManager &pm,
                                    const StoPipelineOptions &opts) {
  pm.addPass(createStoApproximateMath());
  // What has neither an expansion there nor an LLVM intrinsic (f64 erf,
  // erfc and cbrt; atanh, asinh and acosh) calls libm, as the CUDA target
  // calls libdevice: user math, not the random streams, so the two may
  // differ by an ulp (docs/Compiling.md).
  pm.addPass(std::make_unique<LibmForUnexpandedMath>());
  // f32 <-> bf16 conversions as integer arithmetic: LLVM's `fptrunc` to
  // bfloat becomes vcvtneps2bf16 on AVX512-BF16 CPUs, which flushes
  // subnormals to zero (the contract keeps them), and a call to
  // __truncsfbf2 elsewhere, which libgcc before 13 lacks. The expansion
  // rounds to nearest even on the bits, the same on every CPU.
  pm.addPass(std::make_unique<ExpandMaxMinF>());
  arith::ArithExpandOpsPassOptions expandOpts;
  expandOpts.includeBf16 = true;
  pm.addPass(arith::createArithExpandOpsPass(expandOpts));
  pm.addPass(createSCFToControlFlowPass());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  // Buffers through libsto_runtime, which keeps large ones for the next
  // call (glibc unmaps them, and every call page-faulted them in again).
  if (opts.runtimeAllocator) {
    FinalizeMemRefToLLVMConversionPassOptions memrefOpts;
    memrefOpts.useGenericFunctions = true;
    pm.addPass(createFinalizeMemRefToLLVMConversionPass(memrefOpts));
  }
  pm.addPass(createConvertToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  pm.addPass(std::make_unique<NarrowFloatsAsBits>());
  pm.addPass(std::make_unique<AttachLoopAnnotations>());
  pm.addPass(std::make_unique<MarkStreamingStores>());
}

namespace {
using PhaseBuilder = void (*)(OpPassManager &, const StoPipelineOptions &);

/// The phases shared by every target, then the target's loops/kernels phase
/// and its lowering to the LLVM dialect, up to and including `last`.
void buildTargetPipeline(OpPassManager &pm, const StoPipelineOptions &opts,
                         Phase last, bool widePhilox, PhaseBuilder loops,
                         PhaseBuilder llvm) {
  if (last >= Phase::Frontend)
    buildFrontendPipeline(pm, opts);
  if (last >= Phase::Linalg)
    buildLinalgPhase(pm, opts, widePhilox, /*parallelScans=*/!widePhilox);
  if (last >= Phase::Bufferized)
    buildBufferizePhase(pm, opts);
  if (last >= Phase::Loops)
    loops(pm, opts);
  if (last >= Phase::LLVM)
    llvm(pm, opts);
}
} // namespace

void mlir::sto::buildCpuPipeline(OpPassManager &pm,
                                 const StoPipelineOptions &opts, Phase last) {
  buildTargetPipeline(pm, opts, last, /*widePhilox=*/true, buildCpuLoopsPhase,
                      buildCpuToLLVMPhase);
}

void mlir::sto::buildCudaKernelsPhase(OpPassManager &pm,
                                      const StoPipelineOptions &opts) {
  // f32 matrix products go to cuBLAS before the loops become kernels; the
  // elementwise work around them stays in their own fused kernels.
  pm.addPass(createStoMatmulToCublas());
  // A model's own scf.forall becomes a kernel like linalg's loops (it
  // stayed a host loop launching a kernel per iteration).
  pm.addPass(createForallToParallelLoopPass());
  // Copies into or out of views (insert_slice, extract_slice) become
  // kernels; gpu.memcpy copies only whole buffers.
  pm.addNestedPass<func::FuncOp>(
      std::make_unique<LowerStridedCopies>(/*wholeBuffersOnly=*/true));
  // The same lane order as on the CPU, so the bits agree.
  StoLaneReductionsOptions laneOpts;
  laneOpts.gpu = true;
  pm.addPass(createStoLaneReductions(laneOpts));
  // A column sum is one kernel with a thread per column, not a launch per
  // row.
  StoTileOuterReductionOptions tileOpts;
  tileOpts.gpu = true;
  pm.addPass(createStoTileOuterReduction(tileOpts));
  // Four consecutive elements per thread, for 16-byte accesses.
  StoCoarsenGpuElementwiseOptions coarsenOpts;
  coarsenOpts.reductions = opts.gpuCoarsenReductions;
  pm.addPass(createStoCoarsenGpuElementwise(coarsenOpts));
  pm.addNestedPass<func::FuncOp>(createConvertLinalgToParallelLoopsPass());
  StoParallelizeOuterLoopOptions mapOpts;
  mapOpts.gpu = true;
  pm.addPass(createStoParallelizeOuterLoop(mapOpts));
  // Hoists each block's Philox call out of its lane loop.
  pm.addPass(createLoopInvariantCodeMotionPass());
  // A thread's reduction chain stays in registers, not in global memory.
  pm.addPass(createStoPromoteAccumulators());
  pm.addPass(createCanonicalizerPass());
  // Blocks of `threadsPerBlock` consecutive iterations; each iteration is
  // one thread.
  int64_t tile = opts.threadsPerBlock;
  // Fixed-size thread blocks with an in-bounds check inside: a loop whose
  // trip count is not a multiple of the tile still maps to a kernel.
  pm.addNestedPass<func::FuncOp>(
      createParallelLoopTilingPass({tile}, /*noMinMaxBounds=*/true));
  pm.addNestedPass<func::FuncOp>(createGpuMapParallelLoopsPass());
  pm.addNestedPass<func::FuncOp>(createConvertParallelLoopToGpuPass());
  // What stays on the host (sequential scans, rank-0 results) runs as
  // one-thread kernels: the buffers are device memory.
  pm.addPass(createStoSerialCodeToGpu());
  pm.addPass(createStoHostBuffersToGpu());
  pm.addPass(createGpuLaunchSinkIndexComputationsPass());
  pm.addPass(createGpuKernelOutliningPass());
  // Launch sizes as constants (sto-prepare-gpu-kernels reads them).
  pm.addPass(createCanonicalizerPass());
  StoPrepareGpuKernelsOptions prepareOpts;
  prepareOpts.interleave = opts.gpuInterleave;
  pm.addPass(createStoPrepareGpuKernels(prepareOpts));
  pm.addPass(createCanonicalizerPass());
}

void mlir::sto::buildCudaToLLVMPhase(OpPassManager &pm,
                                     const StoPipelineOptions &opts) {
  pm.addPass(createStoApproximateMath());
  // Host code calls libm as on the CPU (scalar math outside the kernels
  // reached the LLVM translation: "missing LLVMTranslationDialectInterface
  // ... math.acosh").
  pm.addPass(std::make_unique<LibmForUnexpandedMath>());
  pm.addPass(std::make_unique<GpuRemFToLibdevice>());
  // The CPU's max/min of floats, signed zeros included, in the kernels too.
  pm.addPass(std::make_unique<ExpandMaxMinF>());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  gpu::GPUToNVVMPipelineOptions nvvm;
  nvvm.cubinChip = opts.chip;
  nvvm.cubinFeatures = opts.ptxFeatures;
  nvvm.cubinFormat = opts.gpuFormat;
  gpu::buildLowerToNVVMPassPipeline(pm, nvvm);
}

namespace {
/// The CUDA path's floats are f16, bf16, f32 and f64: NVPTX has no other
/// (an f80 add stopped the backend with "LLVM ERROR: unsupported library
/// call operation"). Names the first op that makes or takes another, at its
/// location, before anything is lowered.
struct RejectFloatsCudaLacks
    : public PassWrapper<RejectFloatsCudaLacks, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(RejectFloatsCudaLacks)
  StringRef getArgument() const override {
    return "sto-reject-floats-cuda-lacks";
  }
  void runOnOperation() override {
    auto lacking = [](Type type) -> FloatType {
      auto f = dyn_cast<FloatType>(getElementTypeOrSelf(type));
      if (!f || f.isF16() || f.isBF16() || f.isF32() || f.isF64())
        return nullptr;
      return f;
    };
    // Pre-order: a function's own arguments are named at the function.
    WalkResult walk =
        getOperation()->walk<WalkOrder::PreOrder>([&](Operation *op) {
          SmallVector<Type> types(op->getOperandTypes());
          llvm::append_range(types, op->getResultTypes());
          for (Region &region : op->getRegions())
            for (Block &block : region)
              llvm::append_range(types, block.getArgumentTypes());
          for (Type type : types)
            if (FloatType f = lacking(type)) {
              op->emitOpError() << "uses " << f
                                << ", which the CUDA target does not support "
                                   "(its floats are f16, bf16, f32 and f64)";
              return WalkResult::interrupt();
            }
          return WalkResult::advance();
        });
    if (walk.wasInterrupted())
      signalPassFailure();
  }
};
} // namespace

void mlir::sto::buildCudaPipeline(OpPassManager &pm,
                                  const StoPipelineOptions &opts, Phase last) {
  pm.addPass(std::make_unique<RejectFloatsCudaLacks>());
  buildTargetPipeline(pm, opts, last, /*widePhilox=*/false,
                      buildCudaKernelsPhase, buildCudaToLLVMPhase);
}

namespace {
/// Stands in for a pipeline whose options are invalid: the registration's
/// builder cannot fail, so the run fails, with the reason.
struct InvalidPipelineOptions
    : public PassWrapper<InvalidPipelineOptions, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(InvalidPipelineOptions)
  explicit InvalidPipelineOptions(std::string message)
      : message(std::move(message)) {}
  StringRef getArgument() const final { return "sto-invalid-options"; }
  void runOnOperation() final {
    // At the module's location, without a dump of the module.
    mlir::emitError(getOperation().getLoc()) << message;
    signalPassFailure();
  }
  std::string message;
};

/// The reason `opts` are invalid for `pipeline`, or "".
std::string checkOptions(StringRef pipeline, const StoPipelineOptions &opts,
                         bool cuda) {
  std::string error;
  llvm::raw_string_ostream os(error);
  // `value` must be one of `allowed` ("" means the target's default).
  auto oneOf = [&](StringRef name, StringRef value, ArrayRef<StringRef> allowed,
                   bool emptyIsDefault) {
    if (!error.empty() || llvm::is_contained(allowed, value) ||
        (emptyIsDefault && value.empty()))
      return;
    os << pipeline << ": " << name << " must be ";
    llvm::interleave(allowed, os, " or ");
    os << ", not '" << value << "'";
  };
  oneOf("moe-scans", opts.moeScans, {"sequential", "parallel"}, true);
  oneOf("dp-form", opts.dpForm, {"grouped", "flat"}, true);
  if (cuda) {
    oneOf("gpu-format", opts.gpuFormat, {"fatbin", "bin", "isa"}, false);
    if (error.empty() &&
        (opts.threadsPerBlock < 1 || opts.threadsPerBlock > 1024))
      os << pipeline << ": threads-per-block must be in [1, 1024] (a CUDA "
         << "block), not " << opts.threadsPerBlock;
    if (error.empty()) {
      std::string target = checkCudaTarget(opts.chip, opts.ptxFeatures);
      if (!target.empty())
        os << pipeline << ": " << target;
    }
  }
  return error;
}

/// Builds `build` into `pm`, or a pass that reports invalid options.
void buildChecked(OpPassManager &pm, StringRef pipeline,
                  const StoPipelineOptions &opts, bool cuda,
                  llvm::function_ref<void()> build) {
  std::string error = checkOptions(pipeline, opts, cuda);
  if (!error.empty())
    pm.addPass(std::make_unique<InvalidPipelineOptions>(error));
  else
    build();
}
} // namespace

void mlir::sto::registerStoPipelines() {
  PassPipelineRegistration<StoPipelineOptions>(
      "sto-frontend-pipeline",
      "Checks key linearity and simplifies a sto program (the first phase "
      "of every sto target pipeline)",
      buildFrontendPipeline);
  PassPipelineRegistration<StoPipelineOptions>(
      "sto-cpu-pipeline",
      "Lowers a module of func/arith/math/tensor/linalg/bufferization/memref "
      "+ sto to the LLVM dialect for the CPU (mlir-runner or sto-compile)",
      [](OpPassManager &pm, const StoPipelineOptions &opts) {
        buildChecked(pm, "sto-cpu-pipeline", opts, /*cuda=*/false,
                     [&] { buildCpuPipeline(pm, opts); });
      });
  PassPipelineRegistration<StoPipelineOptions>(
      "sto-cuda-pipeline",
      "Lowers a sto module to NVVM kernels in a fatbin (cubin for `chip` "
      "plus PTX) and host code in the LLVM dialect calling libsto_runtime",
      [](OpPassManager &pm, const StoPipelineOptions &opts) {
        buildChecked(pm, "sto-cuda-pipeline", opts, /*cuda=*/true,
                     [&] { buildCudaPipeline(pm, opts); });
      });
}
