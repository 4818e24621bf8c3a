//===- InitAllSto.cpp - register everything of sto ------------------------===//

#include "sto/InitAllSto.h"
#include "sto/Dialect/Sto/StoDialect.h"
#include "sto/Transforms/Passes.h"

#include "mlir/IR/DialectRegistry.h"

void mlir::sto::registerStoDialect(DialectRegistry &registry) {
  registry.insert<StoDialect>();
}

void mlir::sto::registerAllStoPasses() { registerStoPasses(); }
