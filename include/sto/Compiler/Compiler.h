//===- Compiler.h - ahead-of-time compilation of sto modules ----*- C++ -*-===//
//
// The library behind sto-compile (the tool is a thin command line over it):
// runs the phases of sto/Pipelines/Pipelines.h, translates to LLVM IR,
// optimizes for the target CPU and emits a relocatable object plus a C
// header describing the C ABI of each public function.
//
//===----------------------------------------------------------------------===//

#ifndef STO_COMPILER_COMPILER_H
#define STO_COMPILER_COMPILER_H

#include "sto/Pipelines/Pipelines.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/raw_ostream.h"

#include <string>

namespace mlir {
class DialectRegistry;
namespace sto {

/// Where compilation stops: after an MLIR phase (the IR is printed), after
/// LLVM IR optimization (printed as text), or with an object file.
enum class Output { MLIR, LLVMIR, Object };

struct CompileOptions {
  /// `cpu`, or `cuda` (kernels in a fatbin, tensors are device pointers).
  std::string target = "cpu";
  /// CUDA: GPU architecture and PTX features of the cubin.
  std::string chip = "sm_90a";
  std::string ptxFeatures = "+ptx80";
  /// CUDA: `fatbin` (cubin + PTX), `bin` (cubin) or `isa` (PTX text).
  std::string gpuFormat = "fatbin";
  /// CPU name and features for code generation; empty means the host's.
  std::string cpu;
  std::string features;
  unsigned optLevel = 3;
  bool verifyKeys = true;
  bool parallel = true;
  /// "sequential", "parallel" or empty (the target's default): how the MoE
  /// scans are lowered.
  std::string moeScans;
  /// "grouped", "flat" or empty (the target's default): dp_aggregate's form.
  std::string dpForm;
  /// CUDA: sto-coarsen-gpu-elementwise's `reductions` (off until measured).
  bool gpuCoarsenReductions = false;
  /// CUDA: sto-prepare-gpu-kernels' `interleave`.
  bool gpuInterleave = true;
  /// Last MLIR phase when `output` is MLIR.
  Phase lastPhase = Phase::LLVM;
  Output output = Output::Object;
};

/// Registers the dialects and translations the compiler needs.
void registerCompilerDialects(DialectRegistry &registry);

/// Compiles `module` (modified in place) and writes the requested output to
/// `os`. Diagnostics go to the context's handler.
LogicalResult compileModule(ModuleOp module, const CompileOptions &options,
                            llvm::raw_ostream &os);

/// Writes the C header of the public functions of `module` (run on the
/// input, before compileModule). `guard` names the include guard; `target`
/// ("cpu" or "cuda") says where the arrays live.
LogicalResult emitCHeader(ModuleOp module, llvm::StringRef guard,
                          llvm::StringRef source, llvm::raw_ostream &os,
                          llvm::StringRef target = "cpu");

} // namespace sto
} // namespace mlir

#endif // STO_COMPILER_COMPILER_H
