//===- StoOps.h - sto dialect operations ------------------------*- C++ -*-===//

#ifndef STO_DIALECT_STO_STOOPS_H
#define STO_DIALECT_STO_STOOPS_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/ControlFlowInterfaces.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "sto/Dialect/Sto/StoDialect.h"

#include "sto/Dialect/Sto/StoInterfaces.h.inc"

#define GET_OP_CLASSES
#include "sto/Dialect/Sto/StoOps.h.inc"

#endif // STO_DIALECT_STO_STOOPS_H
