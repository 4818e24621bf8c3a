//===- LoweringUtils.h - helpers shared by the sto lowerings ----*- C++ -*-===//

#ifndef STO_LIB_CONVERSION_STOTOLINALG_LOWERINGUTILS_H
#define STO_LIB_CONVERSION_STOTOLINALG_LOWERINGUTILS_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/PatternMatch.h"
#include "llvm/ADT/APFloat.h"

namespace mlir {
class TypeConverter;
namespace sto {

struct ElementIndex;

/// Body of an elementwise lowering: given the builder, the element's place
/// in the random stream (block, lane) and the scalar elements of the
/// inputs, returns the element of the result.
using ElementFn =
    function_ref<Value(OpBuilder &, Location, ElementIndex, ValueRange)>;

/// Builds a `linalg.generic` over `resultType` with identity-indexed `inputs`
/// and an empty init (`dynSizes` are the result's dynamic sizes), and calls
/// `fn` for the body. When the innermost dimension is a static multiple of
/// 4, the loop nest iterates [..., d/4, 4] (the operands are reshaped) so
/// that one Philox call serves the four lanes of a block.
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
/// An arith.constant of index type.
Value indexConst(OpBuilder &b, Location loc, int64_t v);
/// A tensor of `type` (dynamic sizes `dynSizes`) filled with `value`.
Value filled(OpBuilder &b, Location loc, RankedTensorType type,
             ValueRange dynSizes, TypedAttr value);

/// The type a sampler computes in for element type `t` (docs/Randomness.md):
/// f64 for f64, f32 for f32, f16 and bf16.
Type computeTypeOf(Type t);
/// Exact widening of a float value to the compute type `c` (no-op if same).
Value widenTo(OpBuilder &b, Location loc, Value v, Type c);
/// Round-to-nearest-even narrowing of a compute value to element type `t`.
Value narrowTo(OpBuilder &b, Location loc, Value v, Type t);
/// RN_C(v): an f64 attribute value rounded once to the float type `c`.
Value coefficient(OpBuilder &b, Location loc, double v, Type c);
/// RN_C(RN_T(v)): an attribute rounded to the element type `t`, then widened
/// (exactly) to the compute type `c`.
Value attrInElementType(OpBuilder &b, Location loc, double v, Type t, Type c);
/// RN_T(v) as an APFloat of `t`'s semantics.
llvm::APFloat roundToType(double v, Type t);

/// Pattern groups kept in files of their own.
/// `dpRowGroups`: dp_aggregate streams the rows in cache-sized groups
/// (CPUs) rather than in two passes over all of them.
void populateReductionLoweringPatterns(const TypeConverter &converter,
                                       RewritePatternSet &patterns,
                                       bool dpRowGroups = false);
/// `parallelScans`: expert_load and dispatch count per chunk of tokens in
/// parallel instead of scanning the tokens in one thread (for GPUs).
/// `cpuForms`: forms that vectorize on CPUs. topk_gate computes a row's
/// scores (static E, a multiple of 4) into a stack buffer before a
/// selection that offers, per chunk of experts, only those one vector
/// compare finds above the k-th entry; dispatch's gather and combine's sum
/// run the feature dimension innermost without a branch (static shapes).
void populateMoELoweringPatterns(const TypeConverter &converter,
                                 RewritePatternSet &patterns,
                                 bool parallelScans = false,
                                 bool cpuForms = false);

/// sto.monte_carlo and sto.certify, for tensors in host memory (CPUs).
void populateSmoothingLoweringPatterns(const TypeConverter &converter,
                                       RewritePatternSet &patterns);

} // namespace sto
} // namespace mlir

#endif // STO_LIB_CONVERSION_STOTOLINALG_LOWERINGUTILS_H
