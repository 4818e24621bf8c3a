//===- StoOps.h - sto dialect operations ------------------------*- C++ -*-===//

#ifndef STO_DIALECT_STO_STOOPS_H
#define STO_DIALECT_STO_STOOPS_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/ControlFlowInterfaces.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/RuntimeVerifiableOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "sto/Dialect/Sto/StoDialect.h"

#include "sto/Dialect/Sto/StoInterfaces.h.inc"

#define GET_OP_CLASSES
#include "sto/Dialect/Sto/StoOps.h.inc"

namespace mlir {
namespace sto {
/// The operand dimension that dimension `dim` of `result` (of a sto op) has
/// the size of, if it is one (not a size operand or an attribute).
std::optional<std::pair<Value, int64_t>> getResultDimSource(OpResult result,
                                                            int64_t dim);

/// A unit attribute on a `math.exp` whose subnormal results cannot change
/// what uses it (a softmax denominator that holds exp(0) = 1, or the inner
/// exp of sto-approximate-math's own halving): the code that makes it says
/// so, and sto-approximate-math then leaves out the handling of subnormal
/// results.
constexpr llvm::StringLiteral kExpSubnormalsAbsorbed =
    "sto.exp_subnormals_absorbed";
} // namespace sto
} // namespace mlir

#endif // STO_DIALECT_STO_STOOPS_H
