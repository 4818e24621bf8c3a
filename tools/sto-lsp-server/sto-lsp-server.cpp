//===- sto-lsp-server.cpp - language server for .mlir files with sto ------===//

#include "sto/InitAllSto.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/Tools/mlir-lsp-server/MlirLspServerMain.h"

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  mlir::sto::registerStoDialect(registry);
  return mlir::failed(mlir::MlirLspServerMain(argc, argv, registry));
}
