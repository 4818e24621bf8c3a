//===- sto-opt.cpp - the sto optimizer driver -----------------------------===//
//
// Like mlir-opt: every upstream dialect, pass and extension, plus sto's.
//
//===----------------------------------------------------------------------===//

#include "sto/InitAllSto.h"
#include "sto/Pipelines/Pipelines.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::registerAllPasses();
  mlir::sto::registerAllStoPasses();
  mlir::sto::registerStoPipelines();

  mlir::DialectRegistry registry;
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  // gpu-module-to-binary serializes through the LLVM IR translations.
  mlir::registerAllToLLVMIRTranslations(registry);
  mlir::sto::registerStoDialect(registry);

  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "sto optimizer driver\n", registry));
}
