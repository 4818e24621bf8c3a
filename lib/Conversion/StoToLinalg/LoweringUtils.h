//===- LoweringUtils.h - helpers shared by the sto lowerings ----*- C++ -*-===//

#ifndef STO_LIB_CONVERSION_STOTOLINALG_LOWERINGUTILS_H
#define STO_LIB_CONVERSION_STOTOLINALG_LOWERINGUTILS_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir {
class TypeConverter;
namespace sto {

/// Body of an elementwise lowering: given the builder, the element's
/// row-major linear index (i64) and the scalar elements of the inputs,
/// returns the element of the result.
using ElementFn =
    function_ref<Value(OpBuilder &, Location, Value, ValueRange)>;

/// Builds a `linalg.generic` over `resultType` with identity-indexed `inputs`
/// and an empty init (`dynSizes` are the result's dynamic sizes). The body
/// computes the linear index from `linalg.index` and calls `fn`.
Value buildElementwise(OpBuilder &b, Location loc, RankedTensorType resultType,
                       ValueRange inputs, ValueRange dynSizes, ElementFn fn);

/// Dynamic sizes of a tensor value, for a result of the same shape.
SmallVector<Value> dynamicSizesOf(OpBuilder &b, Location loc, Value tensor);

/// Converts an f32 value to `type`: exact widening to f64, round to nearest
/// even to f16/bf16.
Value fromF32(OpBuilder &b, Location loc, Value v, Type type);
/// Converts a float value to f32 (exact from f16/bf16, rounded from f64).
Value toF32(OpBuilder &b, Location loc, Value v);
/// An arith.constant of float type `type`.
Value floatConst(OpBuilder &b, Location loc, Type type, double v);

/// Pattern groups, one file each.
void populateKeyLoweringPatterns(const TypeConverter &converter,
                                 RewritePatternSet &patterns);
void populateSamplerLoweringPatterns(const TypeConverter &converter,
                                     RewritePatternSet &patterns);

} // namespace sto
} // namespace mlir

#endif // STO_LIB_CONVERSION_STOTOLINALG_LOWERINGUTILS_H
