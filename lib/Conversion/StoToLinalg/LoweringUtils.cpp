//===- LoweringUtils.cpp - helpers shared by the sto lowerings ------------===//

#include "LoweringUtils.h"
#include "RandomEmitter.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace mlir::sto;

/// Body of an elementwise lowering: given the builder, the element's linear
/// index (i64) and the block arguments of the scalar inputs, returns the
/// element of the result.

Value mlir::sto::buildElementwise(OpBuilder &b, Location loc,
                                  RankedTensorType resultType,
                                  ValueRange inputs, ValueRange dynSizes,
                                  ElementFn fn) {
  int64_t rank = resultType.getRank();
  int64_t inner = rank > 0 ? resultType.getDimSize(rank - 1) : 0;
  bool blocked =
      rank > 0 && !ShapedType::isDynamic(inner) && inner >= 4 && inner % 4 == 0;
  // In blocked form the loops run over [..., d/4, 4]; `lanes` is the extra
  // innermost dimension and the others enumerate Philox blocks.
  RankedTensorType loopType = resultType;
  SmallVector<ReassociationIndices> reassociation;
  if (blocked) {
    SmallVector<int64_t> shape(resultType.getShape());
    shape.back() = inner / 4;
    shape.push_back(4);
    loopType = RankedTensorType::get(shape, resultType.getElementType());
    for (int64_t d = 0; d < rank - 1; ++d)
      reassociation.push_back({d});
    reassociation.push_back({rank - 1, rank});
  }
  int64_t loopRank = loopType.getRank();
  int64_t indexRank = blocked ? loopRank - 1 : loopRank;
  // Sizes of the dimensions that make up the (block or element) index.
  SmallVector<Value> sizes;
  unsigned dynPos = 0;
  for (int64_t d = 0; d < indexRank; ++d) {
    if (loopType.isDynamicDim(d))
      sizes.push_back(dynSizes[dynPos++]);
    else
      sizes.push_back(
          arith::ConstantIndexOp::create(b, loc, loopType.getDimSize(d)));
  }
  // strides[d] = product of sizes[d+1 ..]; computed once, outside the loop.
  SmallVector<Value> strides(indexRank);
  Value stride = arith::ConstantIndexOp::create(b, loc, 1);
  for (int64_t d = indexRank - 1; d >= 0; --d) {
    strides[d] = stride;
    if (d > 0)
      stride = arith::MulIOp::create(b, loc, stride, sizes[d]);
  }
  SmallVector<Value> loopInputs;
  for (Value input : inputs) {
    if (!blocked) {
      loopInputs.push_back(input);
      continue;
    }
    auto inType = cast<RankedTensorType>(input.getType());
    auto expanded =
        RankedTensorType::get(loopType.getShape(), inType.getElementType());
    loopInputs.push_back(
        tensor::ExpandShapeOp::create(b, loc, expanded, input, reassociation));
  }
  Value init = tensor::EmptyOp::create(b, loc, loopType, dynSizes);
  SmallVector<AffineMap> maps(inputs.size() + 1,
                              b.getMultiDimIdentityMap(loopRank));
  SmallVector<utils::IteratorType> iters(loopRank,
                                         utils::IteratorType::parallel);
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{loopType}, loopInputs, ValueRange{init}, maps, iters,
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        Value linear = arith::ConstantIndexOp::create(nb, nloc, 0);
        for (int64_t d = 0; d < indexRank; ++d) {
          Value idx = linalg::IndexOp::create(nb, nloc, d);
          Value term = d == indexRank - 1
                           ? idx
                           : arith::MulIOp::create(nb, nloc, idx, strides[d])
                                 .getResult();
          linear = arith::AddIOp::create(nb, nloc, linear, term);
        }
        Value linear64 =
            arith::IndexCastUIOp::create(nb, nloc, nb.getI64Type(), linear);
        ElementIndex index;
        if (blocked) {
          Value lane = linalg::IndexOp::create(nb, nloc, loopRank - 1);
          index = {linear64, arith::IndexCastUIOp::create(
                                 nb, nloc, nb.getI32Type(), lane)};
        } else {
          index = RandomEmitter(nb, nloc).fromLinear(linear64);
        }
        Value result = fn(nb, nloc, index, args.drop_back());
        linalg::YieldOp::create(nb, nloc, result);
      });
  Value result = generic.getResult(0);
  if (blocked)
    result = tensor::CollapseShapeOp::create(b, loc, resultType, result,
                                             reassociation);
  return result;
}

/// Dynamic sizes of a tensor value, for a result of the same shape.
SmallVector<Value> mlir::sto::dynamicSizesOf(OpBuilder &b, Location loc,
                                             Value tensor) {
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

Value mlir::sto::indexConst(OpBuilder &b, Location loc, int64_t v) {
  return arith::ConstantIndexOp::create(b, loc, v);
}

Value mlir::sto::filled(OpBuilder &b, Location loc, RankedTensorType type,
                        ValueRange dynSizes, TypedAttr value) {
  Value empty = tensor::EmptyOp::create(b, loc, type, dynSizes);
  Value v = arith::ConstantOp::create(b, loc, value);
  return linalg::FillOp::create(b, loc, v, empty).getResult(0);
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
  return arith::ConstantOp::create(b, loc,
                                   b.getFloatAttr(c, roundToType(v, c)));
}

Value mlir::sto::attrInElementType(OpBuilder &b, Location loc, double v, Type t,
                                   Type c) {
  llvm::APFloat f = roundToType(v, t);
  bool losesInfo = false;
  (void)f.convert(cast<FloatType>(c).getFloatSemantics(),
                  llvm::APFloat::rmNearestTiesToEven, &losesInfo);
  return arith::ConstantOp::create(b, loc, b.getFloatAttr(c, f));
}
