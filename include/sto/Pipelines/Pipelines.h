//===- Pipelines.h - named sto pass pipelines -------------------*- C++ -*-===//
//
// The end-to-end compilation is a library of phases (as in CIRCT's firtool
// and IREE's compiler): each `build*` function appends one phase to a pass
// manager, and `registerStoPipelines` exposes them to sto-opt.
//
//===----------------------------------------------------------------------===//

#ifndef STO_PIPELINES_PIPELINES_H
#define STO_PIPELINES_PIPELINES_H

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassOptions.h"

namespace mlir {
namespace sto {

/// Options shared by every sto pipeline.
struct StoPipelineOptions : public PassPipelineOptions<StoPipelineOptions> {
  PassOptions::Option<bool> verifyKeys{
      *this, "verify-keys",
      llvm::cl::desc("Fail compilation when an RNG key is consumed twice "
                     "(sto-verify-keys)"),
      llvm::cl::init(true)};
};

/// Phase 1: checks the input (key linearity unless disabled) and simplifies
/// it (canonicalize + CSE). Every target pipeline starts with this phase.
void buildFrontendPipeline(OpPassManager &pm, const StoPipelineOptions &opts);

/// Registers `sto-frontend-pipeline` (and later target pipelines) with the
/// global pass pipeline registry.
void registerStoPipelines();

} // namespace sto
} // namespace mlir

#endif // STO_PIPELINES_PIPELINES_H
