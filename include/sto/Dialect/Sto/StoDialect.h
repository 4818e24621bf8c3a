//===- StoDialect.h - sto dialect -------------------------------*- C++ -*-===//
//
// The sto dialect: types, attributes, enums and the dialect class.
//
//===----------------------------------------------------------------------===//

#ifndef STO_DIALECT_STO_STODIALECT_H
#define STO_DIALECT_STO_STODIALECT_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlow.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Dialect.h"

#include "sto/Dialect/Sto/StoDialect.h.inc"
#include "sto/Dialect/Sto/StoEnums.h.inc"

#define GET_TYPEDEF_CLASSES
#include "sto/Dialect/Sto/StoTypes.h.inc"

#define GET_ATTRDEF_CLASSES
#include "sto/Dialect/Sto/StoAttrs.h.inc"

#endif // STO_DIALECT_STO_STODIALECT_H
