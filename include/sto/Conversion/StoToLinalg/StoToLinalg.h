//===- StoToLinalg.h - lower sto ops to linalg/arith ------------*- C++ -*-===//
//
// Lowers the stochastic ops of sto to linalg.generic (and arith/math/scf)
// whose bodies compute the Philox4x32-10 random bits of each element from
// (key, logical element index), as docs/Randomness.md specifies. No random
// tensor is materialized: the bits are computed in the loop that uses them.
//
//===----------------------------------------------------------------------===//

#ifndef STO_CONVERSION_STOTOLINALG_STOTOLINALG_H
#define STO_CONVERSION_STOTOLINALG_STOTOLINALG_H

#include "mlir/Transforms/DialectConversion.h"

namespace mlir {
namespace sto {

/// Converts `!sto.key` to `i64` (word 0 in the low half, word 1 in the high
/// half); every other type is legal as is.
class StoTypeConverter : public TypeConverter {
public:
  StoTypeConverter();
};

/// Patterns that lower the sto ops with a lowering to linalg/arith.
/// `parallelScans`: the MoE scans (expert_load, dispatch) as parallel counts
/// per chunk of tokens rather than one sequential scan (for GPUs).
/// `dpRowGroups`: dp_aggregate streams its rows in cache-sized groups (for
/// CPUs). `moeCpuForms`: topk_gate computes a row's scores into a stack
/// buffer before its selection (for CPUs). None changes a bit of the
/// results.
void populateStoToLinalgConversionPatterns(const TypeConverter &converter,
                                           RewritePatternSet &patterns,
                                           bool parallelScans = false,
                                           bool dpRowGroups = false,
                                           bool moeCpuForms = false);

} // namespace sto
} // namespace mlir

#endif // STO_CONVERSION_STOTOLINALG_STOTOLINALG_H
