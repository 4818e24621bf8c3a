//===- InitAllSto.h - register everything of sto ----------------*- C++ -*-===//

#ifndef STO_INITALLSTO_H
#define STO_INITALLSTO_H

namespace mlir {
class DialectRegistry;
namespace sto {

/// Adds the sto dialect to `registry`.
void registerStoDialect(DialectRegistry &registry);

/// Registers every sto pass and named pipeline with the global registry.
void registerAllStoPasses();

} // namespace sto
} // namespace mlir

#endif // STO_INITALLSTO_H
