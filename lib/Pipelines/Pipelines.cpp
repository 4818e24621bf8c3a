//===- Pipelines.cpp - named sto pass pipelines ---------------------------===//

#include "sto/Pipelines/Pipelines.h"
#include "sto/Transforms/Passes.h"

#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;
using namespace mlir::sto;

void mlir::sto::buildFrontendPipeline(OpPassManager &pm,
                                      const StoPipelineOptions &opts) {
  // Key linearity is checked on the program as written, before any rewrite
  // could hide or create a reuse.
  if (opts.verifyKeys)
    pm.addPass(createStoVerifyKeys());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
}

void mlir::sto::registerStoPipelines() {
  PassPipelineRegistration<StoPipelineOptions>(
      "sto-frontend-pipeline",
      "Checks key linearity and simplifies a sto program (the first phase "
      "of every sto target pipeline)",
      buildFrontendPipeline);
}
