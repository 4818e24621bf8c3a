//===- BufferRoots.h - which buffers a memref may share memory with -*- C++
//-*-===//
//
// The alias facts the sto transforms rely on where LLVM would see none (the
// buffers reach it as pointers of unknown provenance once loops are
// outlined into OpenMP regions or kernels).
//
//===----------------------------------------------------------------------===//

#ifndef STO_LIB_TRANSFORMS_BUFFERROOTS_H
#define STO_LIB_TRANSFORMS_BUFFERROOTS_H

#include "mlir/IR/Value.h"
#include "mlir/IR/ValueRange.h"

#include <optional>

namespace mlir {
namespace sto {

/// The memref and indices of a memref.load or memref.store.
struct MemRefAccess {
  Value memref;
  ValueRange indices;
};
std::optional<MemRefAccess> memrefAccessOf(Operation *op);

/// The buffer a memref value views (through subviews, reshapes, casts and
/// alignment assumptions).
Value rootBuffer(Value memref);

/// Whether `root` is a buffer of its own: an allocation, or an argument of
/// an entry function that nothing in `module` calls. The C ABI (and
/// docs/Compiling.md) requires that a compiled function's results overlap
/// none of its other buffers, and its inputs are only read.
bool isDistinctRoot(Value root, Operation *module);

/// Whether `op` is math that expands to a polynomial or a long-latency
/// instruction (exp, erf, log, tanh, sqrt, ...: any math op but fma, abs
/// and copysign) or a division: what makes a loop body long (CPU loop
/// hints, sto-streaming-stores).
bool hasLatencyChain(Operation *op);

} // namespace sto
} // namespace mlir

#endif // STO_LIB_TRANSFORMS_BUFFERROOTS_H
