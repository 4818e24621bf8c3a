//===- Passes.h - sto transformation passes ---------------------*- C++ -*-===//

#ifndef STO_TRANSFORMS_PASSES_H
#define STO_TRANSFORMS_PASSES_H

#include "mlir/Pass/Pass.h"

namespace mlir {
namespace sto {

#define GEN_PASS_DECL
#include "sto/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "sto/Transforms/Passes.h.inc"

} // namespace sto
} // namespace mlir

#endif // STO_TRANSFORMS_PASSES_H
