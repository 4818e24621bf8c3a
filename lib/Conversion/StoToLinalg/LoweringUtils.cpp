//===- LoweringUtils.cpp - helpers shared by the sto lowerings ------------===//

#include "LoweringUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace mlir::sto;

/// Body of an elementwise lowering: given the builder, the element's linear
/// index (i64) and the block arguments of the scalar inputs, returns the
/// element of the result.

/// Builds `linalg.generic` over `resultType` with identity-indexed `inputs`
/// and an empty init; `dynSizes` are the result's dynamic sizes.
Value mlir::sto::buildElementwise(OpBuilder &b, Location loc, RankedTensorType resultType,
                       ValueRange inputs, ValueRange dynSizes, ElementFn fn) {
  int64_t rank = resultType.getRank();
  // Sizes of every dimension, for the row-major linear index.
  SmallVector<Value> sizes;
  unsigned dynPos = 0;
  for (int64_t d = 0; d < rank; ++d) {
    if (resultType.isDynamicDim(d))
      sizes.push_back(dynSizes[dynPos++]);
    else
      sizes.push_back(arith::ConstantIndexOp::create(b, loc,
                                                     resultType.getDimSize(d)));
  }
  // strides[d] = product of sizes[d+1 ..]; computed once, outside the loop.
  SmallVector<Value> strides(rank);
  Value stride = arith::ConstantIndexOp::create(b, loc, 1);
  for (int64_t d = rank - 1; d >= 0; --d) {
    strides[d] = stride;
    if (d > 0)
      stride = arith::MulIOp::create(b, loc, stride, sizes[d]);
  }
  Value init = tensor::EmptyOp::create(b, loc, resultType, dynSizes);
  SmallVector<AffineMap> maps(inputs.size() + 1,
                              b.getMultiDimIdentityMap(rank));
  SmallVector<utils::IteratorType> iters(rank, utils::IteratorType::parallel);
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{resultType}, inputs, ValueRange{init}, maps, iters,
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        Value linear;
        if (rank == 0) {
          linear = arith::ConstantIndexOp::create(nb, nloc, 0);
        }
        for (int64_t d = 0; d < rank; ++d) {
          Value idx = linalg::IndexOp::create(nb, nloc, d);
          Value term = d == rank - 1
                           ? idx
                           : arith::MulIOp::create(nb, nloc, idx, strides[d])
                                 .getResult();
          linear = linear ? arith::AddIOp::create(nb, nloc, linear, term)
                                .getResult()
                          : term;
        }
        Value linear64 =
            arith::IndexCastUIOp::create(nb, nloc, nb.getI64Type(), linear);
        Value result = fn(nb, nloc, linear64, args.drop_back());
        linalg::YieldOp::create(nb, nloc, result);
      });
  return generic.getResult(0);
}

/// Dynamic sizes of a tensor value, for a result of the same shape.
SmallVector<Value> mlir::sto::dynamicSizesOf(OpBuilder &b, Location loc, Value tensor) {
  SmallVector<Value> sizes;
  auto type = cast<RankedTensorType>(tensor.getType());
  for (int64_t d = 0; d < type.getRank(); ++d)
    if (type.isDynamicDim(d))
      sizes.push_back(tensor::DimOp::create(b, loc, tensor, d));
  return sizes;
}

/// Converts a value computed in f32 to `type` (round to nearest even for the
/// narrow types, exact widening for f64).
Value mlir::sto::fromF32(OpBuilder &b, Location loc, Value v, Type type) {
  if (type.isF32())
    return v;
  if (type.getIntOrFloatBitWidth() > 32)
    return arith::ExtFOp::create(b, loc, type, v);
  return arith::TruncFOp::create(b, loc, type, v);
}

Value mlir::sto::toF32(OpBuilder &b, Location loc, Value v) {
  if (v.getType().isF32())
    return v;
  if (v.getType().getIntOrFloatBitWidth() > 32)
    return arith::TruncFOp::create(b, loc, b.getF32Type(), v);
  return arith::ExtFOp::create(b, loc, b.getF32Type(), v);
}

Value mlir::sto::floatConst(OpBuilder &b, Location loc, Type type, double v) {
  return arith::ConstantOp::create(b, loc, b.getFloatAttr(type, v));
}


Type mlir::sto::computeTypeOf(Type t) {
  MLIRContext *ctx = t.getContext();
  return t.isF64() ? Type(Float64Type::get(ctx)) : Type(Float32Type::get(ctx));
}

Value mlir::sto::widenTo(OpBuilder &b, Location loc, Value v, Type c) {
  if (v.getType() == c)
    return v;
  if (v.getType().getIntOrFloatBitWidth() < c.getIntOrFloatBitWidth())
    return arith::ExtFOp::create(b, loc, c, v);
  return arith::TruncFOp::create(b, loc, c, v);
}

Value mlir::sto::narrowTo(OpBuilder &b, Location loc, Value v, Type t) {
  if (v.getType() == t)
    return v;
  if (v.getType().getIntOrFloatBitWidth() > t.getIntOrFloatBitWidth())
    return arith::TruncFOp::create(b, loc, t, v);
  return arith::ExtFOp::create(b, loc, t, v);
}

llvm::APFloat mlir::sto::roundToType(double v, Type t) {
  llvm::APFloat f(v);
  bool losesInfo = false;
  (void)f.convert(cast<FloatType>(t).getFloatSemantics(),
                  llvm::APFloat::rmNearestTiesToEven, &losesInfo);
  return f;
}

Value mlir::sto::coefficient(OpBuilder &b, Location loc, double v, Type c) {
  return arith::ConstantOp::create(
      b, loc, b.getFloatAttr(c, roundToType(v, c)));
}

Value mlir::sto::attrInElementType(OpBuilder &b, Location loc, double v,
                                   Type t, Type c) {
  llvm::APFloat f = roundToType(v, t);
  bool losesInfo = false;
  (void)f.convert(cast<FloatType>(c).getFloatSemantics(),
                  llvm::APFloat::rmNearestTiesToEven, &losesInfo);
  return arith::ConstantOp::create(b, loc, b.getFloatAttr(c, f));
}
