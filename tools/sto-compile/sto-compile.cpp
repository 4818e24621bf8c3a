//===- sto-compile.cpp - ahead-of-time compiler for sto modules -----------===//
//
//   sto-compile model.mlir --target=cpu -o model.o --header model.h
//   sto-compile model.mlir --compile-to=linalg          (prints the IR)
//
// A thin command line over sto/Compiler/Compiler.h.
//
//===----------------------------------------------------------------------===//

#include "sto/Compiler/Compiler.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Support/LLVM.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"

#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"
#include <cstdlib>

using namespace mlir;
namespace cl = llvm::cl;

static cl::opt<std::string> inputFile(cl::Positional, cl::desc("<input.mlir>"),
                                      cl::init("-"));
static cl::opt<std::string> outputFile("o", cl::desc("Output file"),
                                       cl::value_desc("file"), cl::init("-"));
static cl::opt<std::string> headerFile("header",
                                       cl::desc("Write the C header here"),
                                       cl::value_desc("file"));
static cl::opt<std::string>
    target("target",
           cl::desc("Target: cpu, cuda, or cuda-emulator (the cuda "
                    "kernels run on the host, one "
                    "thread after another: a test)"),
           cl::init("cpu"));
static cl::opt<std::string> chip("chip",
                                 cl::desc("CUDA: GPU architecture (sm_90a)"),
                                 cl::init("sm_90a"));
static cl::opt<std::string>
    ptxFeatures("ptx-features",
                cl::desc("CUDA: PTX features (+ptx80; a newer chip needs a "
                         "newer PTX, e.g. sm_100: +ptx86)"),
                cl::init("+ptx80"));
static cl::opt<std::string>
    gpuFormat("gpu-format",
              cl::desc("CUDA: what the object embeds: fatbin (sm_90a cubin "
                       "+ PTX; needs ptxas and fatbinary), bin (the cubin) "
                       "or isa (PTX text, JIT-compiled by the driver; needs "
                       "no CUDA toolkit)"),
              cl::init("fatbin"));
static cl::opt<std::string>
    cudaPath("cuda-path",
             cl::desc("CUDA toolkit with ptxas and fatbinary (default: "
                      "$CUDA_ROOT, else /usr/local/cuda)"));
static cl::opt<std::string>
    compileTo("compile-to",
              cl::desc("Stop after a phase and print it: input, frontend, "
                       "linalg, bufferized, loops, llvm, llvmir"),
              cl::init("object"));
static cl::opt<std::string> mcpu("mcpu", cl::desc("CPU to generate code for "
                                                  "(default: the host; e.g. "
                                                  "x86-64-v3)"));
static cl::opt<std::string> mattr("mattr",
                                  cl::desc("CPU features (default: those of "
                                           "--mcpu, or the host's)"));
static cl::opt<unsigned> optLevel("O", cl::desc("Optimization level 0-3"),
                                  cl::init(3), cl::Prefix);
static cl::opt<bool> verifyKeys("verify-keys",
                                cl::desc("Reject reused RNG keys"),
                                cl::init(true));
static cl::opt<bool> parallel("parallel",
                              cl::desc("Run parallel loops on OpenMP threads"),
                              cl::init(true));
static cl::opt<std::string>
    moeScans("moe-scans",
             cl::desc("MoE scans (expert_load, dispatch): sequential (CPU "
                      "default) or parallel (CUDA default); same results"),
             cl::init(""));

static cl::opt<std::string>
    dpForm("dp-form",
           cl::desc("dp_aggregate: grouped (rows in cache-sized groups; CPU "
                    "default) or flat (a thread per row segment and lane, and "
                    "per output; CUDA default); same results"),
           cl::init(""));

static cl::opt<bool> gpuCoarsenReductions(
    "gpu-coarsen-reductions",
    cl::desc("CUDA: four consecutive outputs per thread for reductions too "
             "(column sums, combine, dp_aggregate's norm lanes); off until "
             "the device measures it; same results"),
    cl::init(false));

static cl::opt<bool> gpuInterleave(
    "gpu-interleave",
    cl::desc("CUDA: in kernels too small to fill the GPU, unroll and "
             "interleave loops that carry values through a large body (the "
             "MoE gates); on by default; same results"),
    cl::init(true));

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  cl::ParseCommandLineOptions(argc, argv, "sto ahead-of-time compiler\n");

  sto::CompileOptions options;
  options.target = target;
  options.chip = chip;
  options.ptxFeatures = ptxFeatures;
  options.gpuFormat = gpuFormat;
  // MLIR's NVPTX serializer finds ptxas and fatbinary through CUDA_ROOT.
  // A wrong path must stop here: the serializer only reports it and then
  // falls back to any ptxas it finds.
  if (!cudaPath.empty()) {
    llvm::SmallString<256> ptxas(cudaPath);
    llvm::sys::path::append(ptxas, "bin", "ptxas");
    if (target == "cuda" && !llvm::sys::fs::can_execute(ptxas)) {
      llvm::errs() << "sto-compile: error: --cuda-path '" << cudaPath
                   << "' is not a CUDA toolkit (no executable bin/ptxas)\n";
      return 1;
    }
    ::setenv("CUDA_ROOT", cudaPath.c_str(), 1);
  } else if (!::getenv("CUDA_ROOT") && llvm::sys::fs::exists("/usr/local/cuda"))
    ::setenv("CUDA_ROOT", "/usr/local/cuda", 1);
  options.cpu = mcpu;
  options.features = mattr;
  options.optLevel = optLevel;
  options.verifyKeys = verifyKeys;
  options.parallel = parallel;
  if (!moeScans.empty() && moeScans != "sequential" && moeScans != "parallel") {
    llvm::errs() << "sto-compile: error: --moe-scans must be sequential or "
                    "parallel, not '"
                 << moeScans << "'\n";
    return 1;
  }
  options.moeScans = moeScans;
  if (!dpForm.empty() && dpForm != "grouped" && dpForm != "flat") {
    llvm::errs() << "sto-compile: error: --dp-form must be grouped or flat, "
                    "not '"
                 << dpForm << "'\n";
    return 1;
  }
  options.dpForm = dpForm;
  options.gpuCoarsenReductions = gpuCoarsenReductions;
  options.gpuInterleave = gpuInterleave;
  if (compileTo == "object") {
    options.output = sto::Output::Object;
  } else if (compileTo == "llvmir") {
    options.output = sto::Output::LLVMIR;
  } else if (auto phase = sto::parsePhase(compileTo)) {
    options.output = sto::Output::MLIR;
    options.lastPhase = *phase;
  } else {
    llvm::errs() << "sto-compile: error: unknown phase '" << compileTo
                 << "' for --compile-to (input, frontend, linalg, "
                    "bufferized, loops, llvm, llvmir, object)\n";
    return 1;
  }
  if (options.optLevel > 3) {
    llvm::errs() << "sto-compile: error: -O" << options.optLevel
                 << " is not an optimization level (0-3)\n";
    return 1;
  }

  DialectRegistry registry;
  sto::registerCompilerDialects(registry);
  MLIRContext context(registry);
  // Diagnostics name the op and its location; the generic dump of the op
  // that MLIR appends by default is noise for users of a compiler.
  context.printOpOnDiagnostic(false);
  context.loadAllAvailableDialects();

  std::string error;
  auto file = openInputFile(inputFile, &error);
  if (!file) {
    llvm::errs() << "sto-compile: error: " << error << "\n";
    return 1;
  }
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(std::move(file), SMLoc());
  SourceMgrDiagnosticHandler diagHandler(sourceMgr, &context);
  // Every error fails the compilation, also one that a pass reports without
  // failing (it is still printed: the handler above runs next).
  bool sawError = false;
  context.getDiagEngine().registerHandler([&](Diagnostic &diag) {
    sawError |= diag.getSeverity() == DiagnosticSeverity::Error;
    return failure();
  });
  OwningOpRef<ModuleOp> module = parseSourceFile<ModuleOp>(sourceMgr, &context);
  if (!module)
    return 1;

  // An object without entry points is legal but almost surely a mistake
  // (only private functions, or functions in a nested module).
  if (llvm::none_of(module->getOps<func::FuncOp>(), [](func::FuncOp f) {
        return f.isPublic() && !f.isExternal();
      }))
    llvm::errs() << "sto-compile: warning: " << inputFile
                 << " has no public function with a body at the top level: "
                    "the output exports no entry point\n";

  // The header describes the input's public functions, so it is made before
  // compilation rewrites them, but written only if compilation succeeds.
  std::string headerText;
  if (!headerFile.empty()) {
    std::string guard =
        "STO_" + llvm::sys::path::stem(headerFile).upper() + "_H";
    for (char &c : guard)
      if (!llvm::isAlnum(c))
        c = '_';
    llvm::raw_string_ostream headerStream(headerText);
    if (failed(sto::emitCHeader(*module, guard,
                                llvm::sys::path::filename(inputFile),
                                headerStream, target)))
      return 1;
  }

  if (options.output == sto::Output::Object && outputFile == "-") {
    llvm::errs() << "sto-compile: error: an object file needs -o <file>\n";
    return 1;
  }
  auto output = openOutputFile(outputFile, &error);
  if (!output) {
    llvm::errs() << "sto-compile: error: " << error << "\n";
    return 1;
  }
  if (failed(sto::compileModule(*module, options, output->os())) || sawError)
    return 1;
  if (!headerFile.empty()) {
    auto header = openOutputFile(headerFile, &error);
    if (!header) {
      llvm::errs() << "sto-compile: error: " << error << "\n";
      return 1;
    }
    header->os() << headerText;
    header->keep();
  }
  output->keep();
  return 0;
}
