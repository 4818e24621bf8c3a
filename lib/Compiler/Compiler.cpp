//===- Compiler.cpp - ahead-of-time compilation of sto modules ------------===//

#include "sto/Compiler/Compiler.h"
#include "sto/Dialect/Sto/StoOps.h"
#include "sto/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/IR/InstIterator.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Metadata.h"
#include "llvm/IR/Module.h"
#include "llvm/IR/Verifier.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/SubtargetFeature.h"

using namespace mlir;
using namespace mlir::sto;

void mlir::sto::registerCompilerDialects(DialectRegistry &registry) {
  registerAllDialects(registry);
  registerAllExtensions(registry);
  registerAllToLLVMIRTranslations(registry);
  registry.insert<StoDialect>();
}

namespace {

/// After the LLVM phase only ops that translate to LLVM IR are left: an op
/// that no pattern lowers (complex.exp, an f8 truncf) stayed, with
/// unrealized casts around it, and the translation failed with "LLVM
/// Translation failed for operation: builtin.unrealized_conversion_cast".
/// Names the first such op, at its location.
LogicalResult checkLoweredToLLVM(ModuleOp module) {
  auto translated = [](Operation *op) {
    StringRef ns = op->getName().getDialectNamespace();
    return isa<ModuleOp>(op) ||
           llvm::is_contained({"llvm", "omp", "gpu", "nvvm"}, ns);
  };
  Operation *cast = nullptr, *other = nullptr;
  module.walk([&](Operation *op) {
    if (translated(op))
      return WalkResult::advance();
    if (!isa<UnrealizedConversionCastOp>(op)) {
      other = op;
      return WalkResult::interrupt();
    }
    if (!cast)
      cast = op;
    return WalkResult::advance();
  });
  if (other)
    return other->emitOpError()
           << "is not supported by sto-compile: nothing lowers it to the "
              "LLVM dialect for this target";
  if (cast)
    return cast->emitError() << "a value of type " << cast->getOperandTypes()
                             << " could not be lowered to the LLVM dialect";
  return success();
}

/// Builds the LLVM TargetMachine for the CPU the code will run on.
std::unique_ptr<llvm::TargetMachine>
createCpuTargetMachine(const CompileOptions &options, std::string &error) {
  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  llvm::Triple triple(llvm::sys::getDefaultTargetTriple());
  const llvm::Target *target =
      llvm::TargetRegistry::lookupTarget(triple, error);
  if (!target)
    return nullptr;
  std::string cpu = options.cpu.empty() || options.cpu == "native"
                        ? llvm::sys::getHostCPUName().str()
                        : options.cpu;
  // LLVM only warns about an unknown CPU or feature and then fails fatally
  // (or silently ignores it), so check both against the target first.
  std::unique_ptr<llvm::MCSubtargetInfo> generic(
      target->createMCSubtargetInfo(triple, "", ""));
  if (!generic->isCPUStringValid(cpu)) {
    error = "unknown --mcpu '" + cpu + "' for " + triple.str();
    return nullptr;
  }
  llvm::SubtargetFeatures requested(options.features);
  for (const std::string &f : requested.getFeatures()) {
    StringRef name =
        StringRef(f).drop_front(llvm::SubtargetFeatures::hasFlag(f) ? 1 : 0);
    if (!llvm::any_of(generic->getAllProcessorFeatures(),
                      [&](const llvm::SubtargetFeatureKV &kv) {
                        return name == kv.Key;
                      })) {
      error = "unknown CPU feature '" + name.str() + "' in --mattr (features " +
              "of " + triple.str() + " only)";
      return nullptr;
    }
  }
  if (triple.isX86() && triple.isArch64Bit()) {
    std::unique_ptr<llvm::MCSubtargetInfo> chosen(
        target->createMCSubtargetInfo(triple, cpu, options.features));
    if (!chosen->checkFeatures("+64bit")) {
      error =
          "--mcpu '" + cpu + "' cannot run 64-bit code (" + triple.str() + ")";
      return nullptr;
    }
  }
  std::string features = options.features;
  if (features.empty() && (options.cpu.empty() || options.cpu == "native")) {
    llvm::SubtargetFeatures f;
    for (const auto &[name, enabled] : llvm::sys::getHostCPUFeatures())
      f.AddFeature(name, enabled);
    features = f.getString();
  }
  llvm::TargetOptions targetOptions;
  auto level = options.optLevel >= 3   ? llvm::CodeGenOptLevel::Aggressive
               : options.optLevel == 2 ? llvm::CodeGenOptLevel::Default
               : options.optLevel == 1 ? llvm::CodeGenOptLevel::Less
                                       : llvm::CodeGenOptLevel::None;
  std::unique_ptr<llvm::TargetMachine> tm(
      target->createTargetMachine(triple, cpu, features, targetOptions,
                                  llvm::Reloc::PIC_, std::nullopt, level));
  if (!tm)
    error = "cannot create a target machine for " + triple.str();
  return tm;
}

/// Makes the stores of the streaming scope (MarkStreamingStores in the CPU
/// pipeline) non-temporal where LLVM vectorized them into stores of whole
/// 16-byte pieces aligned to their size or to 64 bytes (x86
/// `movntps`/`movntdq`), and drops the marker. Runs after the vectorizers and
/// alignment inference; the rest (scalar remainders, unaligned vectors) stay
/// ordinary stores.
struct StreamingStoresPass : llvm::PassInfoMixin<StreamingStoresPass> {
  llvm::PreservedAnalyses run(llvm::Function &f,
                              llvm::FunctionAnalysisManager &) {
    bool changed = false;
    const llvm::DataLayout &dl = f.getDataLayout();
    llvm::MDNode *nontemporal = nullptr;
    for (llvm::Instruction &inst : llvm::instructions(f)) {
      auto *store = llvm::dyn_cast<llvm::StoreInst>(&inst);
      llvm::MDNode *scopes =
          store ? store->getMetadata(llvm::LLVMContext::MD_alias_scope)
                : nullptr;
      if (!scopes || !llvm::any_of(scopes->operands(), [](const auto &op) {
            llvm::AliasScopeNode scope(llvm::cast<llvm::MDNode>(op));
            const llvm::MDNode *domain = scope.getDomain();
            auto *name =
                domain && domain->getNumOperands() > 1
                    ? llvm::dyn_cast<llvm::MDString>(domain->getOperand(1))
                    : nullptr;
            return name && name->getString() == kStreamingScopeDomain;
          }))
        continue;
      store->setMetadata(llvm::LLVMContext::MD_alias_scope, nullptr);
      changed = true;
      llvm::Type *type = store->getValueOperand()->getType();
      uint64_t bytes = dl.getTypeStoreSize(type);
      // A vector wider than a register is stored in pieces of up to 64
      // bytes (a zmm), each then aligned to its size.
      if (!type->isVectorTy() || bytes < 16 || bytes % 16 != 0 ||
          store->getAlign().value() < std::min<uint64_t>(bytes, 64))
        continue;
      if (!nontemporal)
        nontemporal = llvm::MDNode::get(
            f.getContext(),
            llvm::ConstantAsMetadata::get(llvm::ConstantInt::get(
                llvm::Type::getInt32Ty(f.getContext()), 1)));
      store->setMetadata(llvm::LLVMContext::MD_nontemporal, nontemporal);
    }
    return changed ? llvm::PreservedAnalyses::none()
                   : llvm::PreservedAnalyses::all();
  }
};

void optimize(llvm::Module &module, llvm::TargetMachine *tm,
              unsigned optLevel) {
  llvm::LoopAnalysisManager lam;
  llvm::FunctionAnalysisManager fam;
  llvm::CGSCCAnalysisManager cgam;
  llvm::ModuleAnalysisManager mam;
  llvm::PipelineTuningOptions tuning;
  tuning.LoopVectorization = optLevel >= 2;
  tuning.SLPVectorization = optLevel >= 2;
  llvm::PassBuilder pb(tm, tuning);
  pb.registerModuleAnalyses(mam);
  pb.registerCGSCCAnalyses(cgam);
  pb.registerFunctionAnalyses(fam);
  pb.registerLoopAnalyses(lam);
  pb.crossRegisterProxies(lam, fam, cgam, mam);
  llvm::OptimizationLevel level = optLevel >= 3   ? llvm::OptimizationLevel::O3
                                  : optLevel == 2 ? llvm::OptimizationLevel::O2
                                  : optLevel == 1 ? llvm::OptimizationLevel::O1
                                                  : llvm::OptimizationLevel::O0;
  pb.registerOptimizerLastEPCallback([](llvm::ModulePassManager &mpm,
                                        llvm::OptimizationLevel,
                                        llvm::ThinOrFullLTOPhase) {
    mpm.addPass(llvm::createModuleToFunctionPassAdaptor(StreamingStoresPass()));
  });
  llvm::ModulePassManager mpm = pb.buildPerModuleDefaultPipeline(level);
  mpm.run(module, mam);
}

} // namespace

LogicalResult mlir::sto::compileModule(ModuleOp module,
                                       const CompileOptions &options,
                                       llvm::raw_ostream &os) {
  bool cuda = options.target == "cuda";
  // The CUDA path's kernels run on the host, thread by thread: a test of
  // the GPU lowering without a GPU (sto-emulate-gpu-kernels).
  bool emulated = options.target == "cuda-emulator";
  if (options.target != "cpu" && !cuda && !emulated)
    return module.emitError() << "unknown target '" << options.target
                              << "' (supported: cpu, cuda, cuda-emulator)";

  if ((cuda || emulated) && options.gpuFormat != "fatbin" &&
      options.gpuFormat != "bin" && options.gpuFormat != "isa")
    return module.emitError() << "unknown GPU format '" << options.gpuFormat
                              << "' (supported: fatbin, bin, isa)";
  if (cuda) {
    std::string error = checkCudaTarget(options.chip, options.ptxFeatures);
    // The message starts with the option's name.
    if (!error.empty())
      return module.emitError() << "--" << error;
  }

  // Output of a late phase does not go through the phases again: the
  // deallocation pipeline rejects its deallocations, and LLVM-dialect entry
  // points came out internal, exporting nothing.
  for (Operation &op : module.getBody()->getOperations()) {
    auto llvmFunc = dyn_cast<LLVM::LLVMFuncOp>(op);
    if (llvmFunc && !llvmFunc.isExternal())
      return llvmFunc.emitError()
             << "this module is already in the LLVM dialect (the output of "
                "--compile-to=llvm): sto-compile takes a program of "
                "func.func, such as the input or the --compile-to=linalg "
                "output";
    auto func = dyn_cast<func::FuncOp>(op);
    if (!func)
      continue;
    WalkResult walk = func.walk([](memref::DeallocOp dealloc) {
      dealloc.emitError()
          << "this module is already bufferized, with its deallocations "
             "(the output of --compile-to=bufferized or loops): sto-compile "
             "takes a program on tensors, such as the input or the "
             "--compile-to=linalg output";
      return WalkResult::interrupt();
    });
    if (walk.wasInterrupted())
      return failure();
  }

  StoPipelineOptions pipelineOptions;
  pipelineOptions.verifyKeys = options.verifyKeys;
  pipelineOptions.parallel = options.parallel;
  pipelineOptions.moeScans = options.moeScans;
  pipelineOptions.dpForm = options.dpForm;
  pipelineOptions.gpuCoarsenReductions = options.gpuCoarsenReductions;
  pipelineOptions.gpuInterleave = options.gpuInterleave;
  pipelineOptions.outParams = true;
  pipelineOptions.shapeChecks = true;
  // Objects link libsto_runtime, whose allocator keeps large buffers.
  pipelineOptions.runtimeAllocator = true;
  pipelineOptions.chip = options.chip;
  pipelineOptions.ptxFeatures = options.ptxFeatures;
  pipelineOptions.gpuFormat = options.gpuFormat;

  // The CPU target machine (host code of either target) is checked before
  // the pipeline runs, so that a bad --mcpu or --mattr fails at once.
  std::string error;
  std::unique_ptr<llvm::TargetMachine> tm;
  if (options.output != Output::MLIR) {
    tm = createCpuTargetMachine(options, error);
    if (!tm)
      return module.emitError() << error;
  }

  PassManager pm(module.getContext());
  Phase last = options.output == Output::MLIR ? options.lastPhase : Phase::LLVM;
  if (last >= Phase::Frontend)
    pm.addPass(createStoPrepareCAbi());
  if (cuda) {
    buildCudaPipeline(pm, pipelineOptions, last);
  } else if (emulated) {
    buildCudaPipeline(pm, pipelineOptions, std::min(last, Phase::Loops));
    if (last >= Phase::Loops)
      pm.addPass(createStoEmulateGpuKernels());
    if (last >= Phase::LLVM)
      buildCpuToLLVMPhase(pm, pipelineOptions);
  } else {
    buildCpuPipeline(pm, pipelineOptions, last);
  }
  if (last >= Phase::LLVM) {
    StoEmitCAbiOptions abiOptions;
    abiOptions.cuda = cuda;
    pm.addPass(createStoEmitCAbi(abiOptions));
  }
  if (failed(pm.run(module)))
    return failure();
  if (last >= Phase::LLVM && failed(checkLoweredToLLVM(module)))
    return failure();
  if (options.output == Output::MLIR) {
    module.print(os);
    return success();
  }

  llvm::LLVMContext llvmContext;
  std::unique_ptr<llvm::Module> llvmModule =
      translateModuleToLLVMIR(module, llvmContext);
  if (!llvmModule)
    return module.emitError() << "translation to LLVM IR failed";

  // Without a triple and data layout LLVM's vectorizers do nothing.
  llvmModule->setTargetTriple(tm->getTargetTriple());
  llvmModule->setDataLayout(tm->createDataLayout());
  optimize(*llvmModule, tm.get(), options.optLevel);
  if (llvm::verifyModule(*llvmModule, &llvm::errs()))
    return module.emitError() << "the optimized LLVM module is invalid";

  if (options.output == Output::LLVMIR) {
    llvmModule->print(os, nullptr);
    return success();
  }
  llvm::SmallString<0> buffer;
  llvm::raw_svector_ostream objStream(buffer);
  llvm::legacy::PassManager codegen;
  if (tm->addPassesToEmitFile(codegen, objStream, nullptr,
                              llvm::CodeGenFileType::ObjectFile))
    return module.emitError() << "the target cannot emit object files";
  codegen.run(*llvmModule);
  os << buffer;
  return success();
}

//===----------------------------------------------------------------------===//
// C header
//===----------------------------------------------------------------------===//

namespace {

std::string cTypeName(Type t) {
  if (t.isF32())
    return "float";
  if (t.isF64())
    return "double";
  if (t.isF16() || t.isBF16())
    return "uint16_t";
  if (t.isIndex())
    return "int64_t";
  if (isa<KeyType>(t))
    return "uint64_t";
  if (t.isInteger(1))
    return "bool";
  // verifyCAbiModule admits the widths C has.
  if (auto i = dyn_cast<IntegerType>(t))
    return (i.isUnsigned() ? "uint" : "int") + std::to_string(i.getWidth()) +
           "_t";
  return "";
}

std::string describeType(Type t) {
  std::string s;
  llvm::raw_string_ostream os(s);
  if (auto tensor = dyn_cast<RankedTensorType>(t)) {
    os << tensor.getElementType() << " [";
    llvm::interleave(
        tensor.getShape(), os,
        [&](int64_t d) {
          if (ShapedType::isDynamic(d))
            os << '?';
          else
            os << d;
        },
        ", ");
    os << "], row-major";
    if (tensor.getElementType().isF16())
      os << " (IEEE half bits)";
    if (tensor.getElementType().isBF16())
      os << " (bfloat16 bits)";
  } else {
    os << t;
  }
  return s;
}

} // namespace

static LogicalResult emitCDeclarations(ModuleOp module, llvm::raw_ostream &os);

LogicalResult mlir::sto::emitCHeader(ModuleOp module, StringRef guard,
                                     StringRef source, llvm::raw_ostream &os,
                                     StringRef target) {
  if (failed(verifyCAbiModule(module)))
    return failure();
  bool cuda = target == "cuda";
  os << "/* Generated by sto-compile from " << source
     << ". Do not edit.\n"
        " *\n"
        " * Each function returns an int32_t status: 0 on success, otherwise "
        "a code of\n"
        " * sto-c/Runtime.h (1: a NULL pointer, 2: a negative size, 6: a "
        "result\n"
        " * overlapping another array, 7: dynamic sizes that do not agree, "
        "9: a failed\n"
        " * assertion of the model; sto_last_error_message() says what went "
        "wrong).\n"
        " * Tensors are\n"
     << (cuda ? " * contiguous row-major DEVICE arrays (CUDA device pointers, "
                "16-byte aligned);\n"
                " * results are allocated by the caller and overlap no other "
                "array.\n"
              : " * contiguous row-major host arrays; results are allocated "
                "by the caller\n"
                " * and overlap no other array.\n")
     << " * Link with libsto_runtime. */\n\n";
  // The declarations first: the include guard ends with a hash of them, so
  // that the headers of two models with one file name (a/model.h,
  // b/model.h) can be included together.
  std::string declarations;
  llvm::raw_string_ostream out(declarations);
  if (failed(emitCDeclarations(module, out)))
    return failure();
  uint64_t hash = 0xcbf29ce484222325ull;
  for (unsigned char c : declarations)
    hash = (hash ^ c) * 0x100000001b3ull;
  std::string fullGuard =
      (guard + "_" + llvm::utohexstr(hash >> 32, /*LowerCase=*/false, 8)).str();
  os << "#ifndef " << fullGuard << "\n#define " << fullGuard << "\n\n";
  os << "#include <stdbool.h>\n#include <stdint.h>\n\n";
  os << "#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n";
  os << declarations;
  os << "#ifdef __cplusplus\n}\n#endif\n\n#endif /* " << fullGuard << " */\n";
  return success();
}

/// One commented prototype per entry point of `module`.
static LogicalResult emitCDeclarations(ModuleOp module, llvm::raw_ostream &os) {
  for (auto func : module.getOps<func::FuncOp>()) {
    if (!func.isPublic() || func.isExternal())
      continue;
    // A function prepared by an earlier run (IR printed by --compile-to and
    // compiled again) carries its entry point's name and tensor signature.
    StringRef entry = func.getSymName();
    SmallVector<Type> inputs(func.getFunctionType().getInputs());
    SmallVector<Type> results(func.getFunctionType().getResults());
    if (auto abi = func->getAttrOfType<DictionaryAttr>("sto.c_abi")) {
      auto name = abi.getAs<StringAttr>("name");
      auto ins = abi.getAs<ArrayAttr>("inputs");
      auto outs = abi.getAs<ArrayAttr>("results");
      if (!name || !ins || !outs)
        return func.emitError() << "malformed 'sto.c_abi' attribute";
      entry = name.getValue();
      auto typesOf = [](ArrayAttr attrs, SmallVector<Type> &types) {
        types.clear();
        for (Attribute a : attrs)
          types.push_back(cast<TypeAttr>(a).getValue());
      };
      typesOf(ins, inputs);
      typesOf(outs, results);
    }
    SmallVector<std::string> params;
    os << "/* " << entry << "\n";
    auto addParams = [&](Type t, const std::string &name, bool isResult) {
      std::string cType = cTypeName(
          isa<RankedTensorType>(t) ? cast<RankedTensorType>(t).getElementType()
                                   : t);
      if (cType.empty())
        return failure();
      os << " *   " << name << ": " << describeType(t)
         << (isResult ? ", caller-allocated" : "") << "\n";
      if (auto tensor = dyn_cast<RankedTensorType>(t)) {
        params.push_back((isResult ? "" : "const ") + cType + " *" + name);
        for (int64_t d = 0; d < tensor.getRank(); ++d)
          if (tensor.isDynamicDim(d)) {
            params.push_back("int64_t " + name + "_dim" + std::to_string(d));
            os << " *   " << name << "_dim" << d << ": size of dimension " << d
               << " of " << name << "\n";
          }
      } else {
        params.push_back(cType + (isResult ? " *" : " ") + name);
      }
      return success();
    };
    // verifyCAbiModule has checked every type.
    auto noCAbi = [&](StringRef what, size_t i, Type t) {
      return mlir::emitError(func.getLoc())
             << "public function '" << entry << "' has " << what << " #" << i
             << " of type " << t << ", which has no C type";
    };
    for (auto [i, t] : llvm::enumerate(inputs))
      if (failed(addParams(t, "arg" + std::to_string(i), false)))
        return noCAbi("argument", i, t);
    for (auto [i, t] : llvm::enumerate(results))
      if (failed(addParams(t, "result" + std::to_string(i), true)))
        return noCAbi("result", i, t);
    os << " */\nint32_t " << entry << "(";
    if (params.empty())
      os << "void";
    llvm::interleaveComma(params, os);
    os << ");\n\n";
  }
  return success();
}
