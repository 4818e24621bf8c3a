//===- Reductions.cpp - lowering of the sto ops that reduce ---------------===//
//
// sto.categorical, sto.gumbel_softmax and sto.dp_aggregate reduce along an
// axis. Their reductions run in increasing index order (a linalg reduction
// dimension lowers to a sequential loop), which docs/Randomness.md fixes so
// that ties and rounding are reproducible.
//
//===----------------------------------------------------------------------===//

#include "LoweringUtils.h"
#include "RandomEmitter.h"
#include "sto/Dialect/Sto/StoOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"
#include "llvm/Support/MathExtras.h"

#include <limits>

using namespace mlir;
using namespace mlir::sto;

namespace {

/// Row-major strides of `tensor` as index values (computed outside loops).
SmallVector<Value> rowMajorStrides(OpBuilder &b, Location loc, Value tensor) {
  auto type = cast<RankedTensorType>(tensor.getType());
  int64_t rank = type.getRank();
  SmallVector<Value> strides(rank);
  Value stride = arith::ConstantIndexOp::create(b, loc, 1);
  for (int64_t d = rank - 1; d >= 0; --d) {
    strides[d] = stride;
    if (d > 0)
      stride = arith::MulIOp::create(b, loc, stride,
                                     tensor::DimOp::create(b, loc, tensor, d));
  }
  return strides;
}

/// The linear (row-major) index as i64 of the current iteration, for a
/// generic whose loop dimensions are the tensor's dimensions.
Value linearIndex(OpBuilder &b, Location loc, ArrayRef<Value> strides) {
  Value linear = arith::ConstantIndexOp::create(b, loc, 0);
  for (auto [d, stride] : llvm::enumerate(strides)) {
    Value idx = linalg::IndexOp::create(b, loc, d);
    linear = arith::AddIOp::create(b, loc, linear,
                                   arith::MulIOp::create(b, loc, idx, stride));
  }
  return arith::IndexCastUIOp::create(b, loc, b.getI64Type(), linear);
}

/// Map from the full iteration space to the space without `axis`.
AffineMap dropDim(MLIRContext *ctx, int64_t rank, int64_t axis) {
  SmallVector<AffineExpr> exprs;
  for (int64_t d = 0; d < rank; ++d)
    if (d != axis)
      exprs.push_back(getAffineDimExpr(d, ctx));
  return AffineMap::get(rank, 0, exprs, ctx);
}

SmallVector<Value> dynSizesWithout(OpBuilder &b, Location loc, Value tensor,
                                   int64_t axis) {
  SmallVector<Value> sizes;
  auto type = cast<RankedTensorType>(tensor.getType());
  for (int64_t d = 0; d < type.getRank(); ++d)
    if (d != axis && type.isDynamicDim(d))
      sizes.push_back(tensor::DimOp::create(b, loc, tensor, d));
  return sizes;
}

/// Computes (best score, least index with that score) along `axis` of the
/// per-element scores `score(b, loc, args, linear)`, in increasing order.
/// Follows sto::rng::categorical: the first element always sets the best.
std::pair<Value, Value> argmaxAlongAxis(
    OpBuilder &b, Location loc, ValueRange inputs, Value shapeOf, int64_t axis,
    Type scoreType, Type indexType,
    function_ref<Value(OpBuilder &, Location, ValueRange, Value)> score) {
  auto type = cast<RankedTensorType>(shapeOf.getType());
  int64_t rank = type.getRank();
  MLIRContext *ctx = b.getContext();
  SmallVector<int64_t> outShape;
  for (int64_t d = 0; d < rank; ++d)
    if (d != axis)
      outShape.push_back(type.getDimSize(d));
  SmallVector<Value> dyn = dynSizesWithout(b, loc, shapeOf, axis);
  auto scoreTy = RankedTensorType::get(outShape, scoreType);
  auto idxTy = RankedTensorType::get(outShape, indexType);
  Value bestInit = filled(b, loc, scoreTy, dyn, b.getFloatAttr(scoreType, 0));
  Value idxInit = filled(b, loc, idxTy, dyn, b.getIntegerAttr(indexType, 0));
  SmallVector<Value> strides = rowMajorStrides(b, loc, shapeOf);
  SmallVector<AffineMap> maps(inputs.size(), b.getMultiDimIdentityMap(rank));
  maps.push_back(dropDim(ctx, rank, axis));
  maps.push_back(dropDim(ctx, rank, axis));
  SmallVector<utils::IteratorType> iters(rank, utils::IteratorType::parallel);
  iters[axis] = utils::IteratorType::reduction;
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{scoreTy, idxTy}, inputs, ValueRange{bestInit, idxInit},
      maps, iters, [&](OpBuilder &nb, Location nl, ValueRange args) {
        Value linear = linearIndex(nb, nl, strides);
        Value s = score(nb, nl, args.take_front(inputs.size()), linear);
        Value j = linalg::IndexOp::create(nb, nl, axis);
        Value first =
            arith::CmpIOp::create(nb, nl, arith::CmpIPredicate::eq, j,
                                  arith::ConstantIndexOp::create(nb, nl, 0));
        Value greater = arith::CmpFOp::create(nb, nl, arith::CmpFPredicate::OGT,
                                              s, args[inputs.size()]);
        Value take = arith::OrIOp::create(nb, nl, first, greater);
        Value jCast =
            indexType.isIndex()
                ? j
                : arith::IndexCastOp::create(nb, nl, indexType, j).getResult();
        Value best =
            arith::SelectOp::create(nb, nl, take, s, args[inputs.size()]);
        Value idx = arith::SelectOp::create(nb, nl, take, jCast,
                                            args[inputs.size() + 1]);
        linalg::YieldOp::create(nb, nl, ValueRange{best, idx});
      });
  return {generic.getResult(0), generic.getResult(1)};
}

int64_t normalizeAxis(int64_t axis, int64_t rank) {
  return axis < 0 ? axis + rank : axis;
}

struct CategoricalLowering : public OpConversionPattern<CategoricalOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(CategoricalOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value logits = adaptor.getLogits();
    auto type = cast<RankedTensorType>(logits.getType());
    Type t = type.getElementType(), c = computeTypeOf(t);
    int64_t axis = normalizeAxis(op.getAxisAttr().getInt(), type.getRank());
    auto key = RandomEmitter(rewriter, loc).keyWords(adaptor.getKey());
    // Score s_j = RN_C(C(logit_j) + g_j), g the Gumbel noise of the logit's
    // element index (widened for f64).
    auto result = argmaxAlongAxis(
        rewriter, loc, {logits}, logits, axis, c, op.getType().getElementType(),
        [&](OpBuilder &b, Location l, ValueRange args, Value linear) {
          ElementIndex index = RandomEmitter(b, l).fromLinear(linear);
          RandomEmitter rng(b, l);
          Value g =
              widenTo(b, l, rng.gumbelF32(rng.elementBits(index, key)), c);
          return arith::AddFOp::create(b, l, widenTo(b, l, args[0], c), g)
              .getResult();
        });
    rewriter.replaceOp(op, result.second);
    return success();
  }
};

struct GumbelSoftmaxLowering : public OpConversionPattern<GumbelSoftmaxOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(GumbelSoftmaxOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value logits = adaptor.getLogits();
    auto type = cast<RankedTensorType>(logits.getType());
    Type t = type.getElementType(), c = computeTypeOf(t);
    int64_t rank = type.getRank();
    int64_t axis = normalizeAxis(op.getAxisAttr().getInt(), rank);
    auto key = RandomEmitter(rewriter, loc).keyWords(adaptor.getKey());
    Value tau = coefficient(rewriter, loc, op.getTau().convertToDouble(), c);
    SmallVector<Value> dyn = dynamicSizesOf(rewriter, loc, logits);
    // s = RN_C(C(logit) + g) / RN_C(tau), materialized once. A hard sample
    // takes the argmax before the division, as sto.categorical does with the
    // same key: scores that overflow to inf when divided by a small tau
    // would tie there.
    bool hard = op.getHard();
    auto scoreType = RankedTensorType::get(type.getShape(), c);
    Value scores = buildElementwise(
        rewriter, loc, scoreType, {logits}, dyn,
        [&](OpBuilder &b, Location l, ElementIndex linear, ValueRange args) {
          RandomEmitter rng(b, l);
          Value g =
              widenTo(b, l, rng.gumbelF32(rng.elementBits(linear, key)), c);
          Value s = arith::AddFOp::create(b, l, widenTo(b, l, args[0], c), g);
          return hard ? s : arith::DivFOp::create(b, l, s, tau).getResult();
        });
    auto [best, argmax] = argmaxAlongAxis(
        rewriter, loc, {scores}, scores, axis, c, rewriter.getIndexType(),
        [](OpBuilder &, Location, ValueRange args, Value) { return args[0]; });
    MLIRContext *ctx = rewriter.getContext();
    AffineMap id = rewriter.getMultiDimIdentityMap(rank);
    AffineMap reduced = dropDim(ctx, rank, axis);
    SmallVector<utils::IteratorType> parallel(rank,
                                              utils::IteratorType::parallel);
    Value init = tensor::EmptyOp::create(rewriter, loc, op.getType(), dyn);
    if (hard) {
      // One-hot of the least index with the greatest score; the gradient of
      // the soft sample (straight-through) is the autodiff's business.
      auto generic = linalg::GenericOp::create(
          rewriter, loc, TypeRange{op.getType()}, ValueRange{argmax},
          ValueRange{init}, ArrayRef<AffineMap>{reduced, id}, parallel,
          [&](OpBuilder &b, Location l, ValueRange args) {
            Value j = linalg::IndexOp::create(b, l, axis);
            Value hit = arith::CmpIOp::create(b, l, arith::CmpIPredicate::eq, j,
                                              args[0]);
            Value v = arith::SelectOp::create(
                b, l, hit, floatConst(b, l, t, 1.0), floatConst(b, l, t, 0.0));
            linalg::YieldOp::create(b, l, v);
          });
      rewriter.replaceOp(op, generic.getResult(0));
      return success();
    }
    // Softmax: e = exp(s - max), sum along the axis in increasing order,
    // y = RN_T(e / sum).
    SmallVector<Value> dynOut = dynSizesWithout(rewriter, loc, logits, axis);
    SmallVector<int64_t> outShape;
    for (int64_t d = 0; d < rank; ++d)
      if (d != axis)
        outShape.push_back(type.getDimSize(d));
    Value sumInit = filled(rewriter, loc, RankedTensorType::get(outShape, c),
                           dynOut, rewriter.getFloatAttr(c, 0.0));
    SmallVector<utils::IteratorType> reduce = parallel;
    reduce[axis] = utils::IteratorType::reduction;
    auto sum = linalg::GenericOp::create(
        rewriter, loc, TypeRange{sumInit.getType()}, ValueRange{scores, best},
        ValueRange{sumInit}, ArrayRef<AffineMap>{id, reduced, reduced}, reduce,
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value e = math::ExpOp::create(
              b, l, arith::SubFOp::create(b, l, args[0], args[1]));
          linalg::YieldOp::create(
              b, l, arith::AddFOp::create(b, l, args[2], e).getResult());
        });
    auto soft = linalg::GenericOp::create(
        rewriter, loc, TypeRange{op.getType()},
        ValueRange{scores, best, sum.getResult(0)}, ValueRange{init},
        ArrayRef<AffineMap>{id, reduced, reduced, id}, parallel,
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value e = math::ExpOp::create(
              b, l, arith::SubFOp::create(b, l, args[0], args[1]));
          Value y = arith::DivFOp::create(b, l, e, args[2]);
          linalg::YieldOp::create(b, l, narrowTo(b, l, y, t));
        });
    rewriter.replaceOp(op, soft.getResult(0));
    return success();
  }
};

/// Partial sums of a row's squared norm (docs/Randomness.md 8.8).
constexpr int64_t kNormLanes = 16;
/// Outputs per thread tile of the clipped sum.
constexpr int64_t kSumTile = 64;

/// Body of the norm generics: acc = fma(C(g), C(g), acc).
auto squareInto(Type c) {
  return [c](OpBuilder &b, Location l, ValueRange args) {
    Value g = widenTo(b, l, args[0], c);
    linalg::YieldOp::create(
        b, l, math::FmaOp::create(b, l, g, g, args[1]).getResult());
  };
}

/// Body of the clipped-sum generics: acc = fma(C(g), f_b, acc).
auto scaledInto(Type c) {
  return [c](OpBuilder &b, Location l, ValueRange args) {
    Value g = widenTo(b, l, args[0], c);
    linalg::YieldOp::create(
        b, l, math::FmaOp::create(b, l, g, args[1], args[2]).getResult());
  };
}

/// factor_b = min(1, RN_C(clip) / sqrt(sumsq_b)) (a zero gradient gives
/// clip / 0 = inf and so factor 1), as a plain generic over the samples: not
/// blocked by four like a sampler, which reshape propagation would carry
/// into the norm loops and leave a GPU a quarter of the threads.
Value clipFactors(OpBuilder &b, Location l, Value sumsq, ValueRange dyn,
                  double clip, Type c) {
  auto type = cast<RankedTensorType>(sumsq.getType());
  Value init = tensor::EmptyOp::create(b, l, type, dyn);
  AffineMap id = b.getMultiDimIdentityMap(1);
  return linalg::GenericOp::create(
             b, l, TypeRange{type}, ValueRange{sumsq}, ValueRange{init},
             ArrayRef<AffineMap>{id, id},
             ArrayRef<utils::IteratorType>{utils::IteratorType::parallel},
             [&](OpBuilder &nb, Location nl, ValueRange args) {
               Value norm = math::SqrtOp::create(nb, nl, args[0]);
               Value ratio = arith::DivFOp::create(
                   nb, nl, coefficient(nb, nl, clip, c), norm);
               linalg::YieldOp::create(
                   nb, nl,
                   arith::MinimumFOp::create(nb, nl, floatConst(nb, nl, c, 1.0),
                                             ratio)
                       .getResult());
             })
      .getResult(0);
}

/// q_b = ((0 + p_0) + p_1) + ... + p_15: the lane partial sums [rows,
/// lanes] added in increasing lane order into `zeros` [rows].
Value addLanes(OpBuilder &b, Location l, Value partial, Value zeros) {
  MLIRContext *ctx = b.getContext();
  return linalg::GenericOp::create(
             b, l, TypeRange{zeros.getType()}, ValueRange{partial},
             ValueRange{zeros},
             ArrayRef<AffineMap>{
                 b.getMultiDimIdentityMap(2),
                 AffineMap::get(2, 0, {getAffineDimExpr(0, ctx)}, ctx)},
             ArrayRef<utils::IteratorType>{utils::IteratorType::parallel,
                                           utils::IteratorType::reduction},
             [&](OpBuilder &nb, Location nl, ValueRange args) {
               linalg::YieldOp::create(
                   nb, nl,
                   arith::AddFOp::create(nb, nl, args[1], args[0]).getResult());
             })
      .getResult(0);
}

/// Elements per segment of a row's squared norm (docs/Randomness.md 8.8).
/// Each segment has its own lane partial sums, so that threads can split a
/// row between them: a CPU thread then re-reads, for the clipped sum, the
/// columns it loaded itself, and a GPU gets a thread per (row, segment,
/// lane) instead of a 2^16-long chain per (row, lane).
constexpr int64_t kNormSegment = 4096;

/// The loop order of the segment partial sums: segments outermost (a CPU
/// thread takes a column range of every row), rows outermost (CPU, rows
/// shorter than two segments), or the GPU's (every parallel dimension
/// outside the reduction).
enum class NormOrder { SegmentsOuter, RowsOuter, Gpu };

/// Reduces the middle dimension of `in` [rows, m, lanes] into `init`
/// [rows, lanes] in increasing m with `body`: loops (b, m, l) on a CPU (the
/// lanes innermost, vectorized), (b, l, m) on a GPU (every parallel
/// dimension outside the reduction).
Value reduceMiddle(OpBuilder &b, Location l, Value in, Value init, bool gpu,
                   function_ref<void(OpBuilder &, Location, ValueRange)> body) {
  MLIRContext *ctx = b.getContext();
  auto e = [&](unsigned d) { return getAffineDimExpr(d, ctx); };
  using IT = utils::IteratorType;
  return linalg::GenericOp::create(
             b, l, TypeRange{init.getType()}, ValueRange{in}, ValueRange{init},
             ArrayRef<AffineMap>{
                 AffineMap::get(3, 0,
                                gpu ? SmallVector<AffineExpr>{e(0), e(2), e(1)}
                                    : SmallVector<AffineExpr>{e(0), e(1), e(2)},
                                ctx),
                 AffineMap::get(3, 0,
                                gpu ? SmallVector<AffineExpr>{e(0), e(1)}
                                    : SmallVector<AffineExpr>{e(0), e(2)},
                                ctx)},
             gpu ? ArrayRef<IT>{IT::parallel, IT::parallel, IT::reduction}
                 : ArrayRef<IT>{IT::parallel, IT::reduction, IT::parallel},
             body)
      .getResult(0);
}

/// Sums `part` [rows, segs, lanes] over its segments in increasing order
/// into `init` [rows, lanes]: acc = acc + p.
Value addSegments(OpBuilder &b, Location l, Value part, Value init, bool gpu) {
  return reduceMiddle(
      b, l, part, init, gpu, [](OpBuilder &nb, Location nl, ValueRange args) {
        linalg::YieldOp::create(
            nb, nl,
            arith::AddFOp::create(nb, nl, args[1], args[0]).getResult());
      });
}

/// The lanes P [rows, kNormLanes] of q_b for `rows2` [rows, n], n a multiple
/// of kNormLanes: each segment s of kNormSegment elements (the last one
/// shorter when n is not a multiple) has p_{s,l} = the sum of fma(g, g, .)
/// over its elements j = l mod kNormLanes in increasing j from 0, and
/// P_l = ((0 + p_{0,l}) + p_{1,l}) + ... in increasing s.
Value segmentLanes(OpBuilder &b, Location l, Value rows2, Type c,
                   NormOrder order) {
  MLIRContext *ctx = b.getContext();
  auto e = [&](unsigned d) { return getAffineDimExpr(d, ctx); };
  using IT = utils::IteratorType;
  auto type = cast<RankedTensorType>(rows2.getType());
  Type t = type.getElementType();
  int64_t rows = type.getDimSize(0), n = type.getDimSize(1);
  bool dynN = ShapedType::isDynamic(n);
  bool gpu = order == NormOrder::Gpu;
  SmallVector<OpFoldResult> shape = tensor::getMixedSizes(b, l, rows2);
  SmallVector<Value> rowsDyn;
  if (ShapedType::isDynamic(rows))
    rowsDyn.push_back(cast<Value>(shape[0]));
  TypedAttr zero = b.getFloatAttr(c, 0.0);
  auto lanesType = RankedTensorType::get({rows, kNormLanes}, c);
  constexpr int64_t chunks = kNormSegment / kNormLanes;

  // The whole segments, the elements they cover, the tail's chunks of lanes.
  OpFoldResult segs, mainLen, tailChunks;
  if (!dynN) {
    segs = b.getIndexAttr(n / kNormSegment);
    mainLen = b.getIndexAttr(n / kNormSegment * kNormSegment);
    tailChunks = b.getIndexAttr(n % kNormSegment / kNormLanes);
  } else {
    Value nV = cast<Value>(shape[1]);
    Value segsV =
        arith::DivUIOp::create(b, l, nV, indexConst(b, l, kNormSegment));
    Value mainV =
        arith::MulIOp::create(b, l, segsV, indexConst(b, l, kNormSegment));
    segs = segsV;
    mainLen = mainV;
    tailChunks =
        arith::DivUIOp::create(b, l, arith::SubIOp::create(b, l, nV, mainV),
                               indexConst(b, l, kNormLanes))
            .getResult();
  }
  auto piece = [&](OpFoldResult offset, OpFoldResult len) -> Value {
    if (!dynN && getConstantIntValue(len) == n)
      return rows2;
    SmallVector<OpFoldResult> offsets{b.getIndexAttr(0), offset};
    SmallVector<OpFoldResult> sizes{shape[0], len};
    SmallVector<OpFoldResult> strides(2, b.getIndexAttr(1));
    return tensor::ExtractSliceOp::create(b, l, rows2, offsets, sizes, strides);
  };

  Value lanes;
  if (dynN || n >= kNormSegment) {
    int64_t segsStatic = dynN ? ShapedType::kDynamic : n / kNormSegment;
    auto g4Type =
        RankedTensorType::get({rows, segsStatic, chunks, kNormLanes}, t);
    Value g4 = tensor::ExpandShapeOp::create(
        b, l, g4Type, piece(b.getIndexAttr(0), mainLen),
        SmallVector<ReassociationIndices>{{0}, {1, 2, 3}},
        {shape[0], segs, b.getIndexAttr(chunks), b.getIndexAttr(kNormLanes)});
    auto partType = RankedTensorType::get({rows, segsStatic, kNormLanes}, c);
    Value part;
    if (order != NormOrder::Gpu && !ShapedType::isDynamic(rows) && !dynN) {
      // Loops (s, b / R, k, b mod R, lane), or (b / R, s, ...) with the rows
      // outermost: R rows' chains side by side (R up to 4;
      // sto-promote-accumulators keeps their 16 x R partial sums in
      // registers). A thread then streams R rows at once: a hand-written
      // model of dp_aggregate 256 x 2^16 took 1.2 ms against 1.6 with one
      // row after the other (bench/cpu/README.md, Update 7).
      bool segsOuter = order == NormOrder::SegmentsOuter;
      int64_t r = rows % 4 == 0 ? 4 : rows % 2 == 0 ? 2 : 1;
      int64_t segsN = n / kNormSegment;
      auto g5Type =
          RankedTensorType::get({rows / r, r, segsN, chunks, kNormLanes}, t);
      Value g5 = tensor::ExpandShapeOp::create(
          b, l, g5Type, g4,
          SmallVector<ReassociationIndices>{{0, 1}, {2}, {3}, {4}});
      auto part5Type =
          RankedTensorType::get({rows / r, r, segsN, kNormLanes}, c);
      Value part5 =
          linalg::GenericOp::create(
              b, l, TypeRange{part5Type}, ValueRange{g5},
              ValueRange{filled(b, l, part5Type, {}, zero)},
              ArrayRef<AffineMap>{
                  segsOuter ? AffineMap::get(
                                  5, 0, {e(1), e(3), e(0), e(2), e(4)}, ctx)
                            : AffineMap::get(
                                  5, 0, {e(0), e(3), e(1), e(2), e(4)}, ctx),
                  segsOuter
                      ? AffineMap::get(5, 0, {e(1), e(3), e(0), e(4)}, ctx)
                      : AffineMap::get(5, 0, {e(0), e(3), e(1), e(4)}, ctx)},
              ArrayRef<IT>{IT::parallel, IT::parallel, IT::reduction,
                           IT::parallel, IT::parallel},
              squareInto(c))
              .getResult(0);
      part = tensor::CollapseShapeOp::create(
          b, l, partType, part5,
          SmallVector<ReassociationIndices>{{0, 1}, {2}, {3}});
    } else {
      SmallVector<Value> partDyn = rowsDyn;
      if (dynN)
        partDyn.push_back(cast<Value>(segs));
      Value partInit = filled(b, l, partType, partDyn, zero);
      // Loops (b, s, k, l) on a CPU (a dynamic shape), (b, s, l, k) on a
      // GPU; k the chunk.
      part =
          linalg::GenericOp::create(
              b, l, TypeRange{partType}, ValueRange{g4}, ValueRange{partInit},
              ArrayRef<AffineMap>{
                  gpu ? AffineMap::get(4, 0, {e(0), e(1), e(3), e(2)}, ctx)
                      : AffineMap::get(4, 0, {e(0), e(1), e(2), e(3)}, ctx),
                  gpu ? AffineMap::get(4, 0, {e(0), e(1), e(2)}, ctx)
                      : AffineMap::get(4, 0, {e(0), e(1), e(3)}, ctx)},
              gpu ? ArrayRef<IT>{IT::parallel, IT::parallel, IT::parallel,
                                 IT::reduction}
                  : ArrayRef<IT>{IT::parallel, IT::parallel, IT::reduction,
                                 IT::parallel},
              squareInto(c))
              .getResult(0);
    }
    lanes =
        addSegments(b, l, part, filled(b, l, lanesType, rowsDyn, zero), gpu);
  }
  if (dynN || n % kNormSegment != 0) {
    int64_t tailStatic =
        dynN ? ShapedType::kDynamic : n % kNormSegment / kNormLanes;
    auto g3Type = RankedTensorType::get({rows, tailStatic, kNormLanes}, t);
    OpFoldResult tailLen =
        dynN ? OpFoldResult(arith::MulIOp::create(b, l, cast<Value>(tailChunks),
                                                  indexConst(b, l, kNormLanes))
                                .getResult())
             : b.getIndexAttr(n % kNormSegment);
    Value g3 = tensor::ExpandShapeOp::create(
        b, l, g3Type, piece(mainLen, tailLen),
        SmallVector<ReassociationIndices>{{0}, {1, 2}},
        {shape[0], tailChunks, b.getIndexAttr(kNormLanes)});
    Value tail = reduceMiddle(b, l, g3, filled(b, l, lanesType, rowsDyn, zero),
                              gpu, squareInto(c));
    // One segment: P_l = 0 + p_{0,l} = p_{0,l} (a sum of squares is +0 or
    // more). Otherwise the tail is the last segment: P_l + p_{tail,l}.
    if (!lanes)
      return tail;
    auto tailType = RankedTensorType::get({rows, 1, kNormLanes}, c);
    Value tail3 = tensor::ExpandShapeOp::create(
        b, l, tailType, tail, SmallVector<ReassociationIndices>{{0, 1}, {2}},
        {shape[0], b.getIndexAttr(1), b.getIndexAttr(kNormLanes)});
    lanes = addSegments(b, l, tail3, lanes, gpu);
  }
  return lanes;
}

/// Bytes of gradient rows per group in the cache-blocked form: each of two
/// threads keeps its columns of the group (512 KiB) in its L2 for the
/// clipped sum. With the norms by segments, a hand-written model of the
/// two passes on the 2-core Zen 5 bench VM took 1.5 ms per 256 x 2^16 with
/// 1 MiB groups against 2.2 with 2 MiB; sto's code ran as fast with either
/// (bench/cpu/README.md, Update 7).
constexpr int64_t kRowGroupBytes = int64_t(1) << 20;

struct DPAggregateLowering : public OpConversionPattern<DPAggregateOp> {
  DPAggregateLowering(const TypeConverter &converter, MLIRContext *ctx,
                      bool rowGroups)
      : OpConversionPattern(converter, ctx), rowGroups(rowGroups) {}
  /// Process the rows in groups that stay in the cache between the norms
  /// and the clipped sum (CPUs), instead of two passes over all rows.
  bool rowGroups;

  /// The [rows, rowLen] form: squared norms with kNormLanes partial sums,
  /// clip factors, then acc[tile, lane] = fma(g, f_b, acc) over b
  /// increasing. With `rowGroups` the rows go through in groups of R whose
  /// data stays in the cache between the two steps: the order of every sum
  /// is the same, so are the bits.
  Value blockedClippedSum(OpBuilder &rewriter, Location loc, Value flat,
                          int64_t rows, int64_t rowLen, Type t, Type c,
                          double clip) const {
    MLIRContext *ctx = rewriter.getContext();
    auto e = [&](unsigned d) { return getAffineDimExpr(d, ctx); };
    auto tileAccType = RankedTensorType::get({rowLen / kSumTile, kSumTile}, c);
    Value acc =
        filled(rewriter, loc, tileAccType, {}, rewriter.getFloatAttr(c, 0.0));
    // One group of `n` rows of `g` ([n, rowLen]) into `acc`.
    auto group = [&](OpBuilder &b, Location l, Value g, int64_t n,
                     Value accIn) -> Value {
      // On a CPU a thread takes whole segments of every row of the group
      // (their columns are those it sums below) when a row has two or more.
      NormOrder order = !rowGroups                   ? NormOrder::Gpu
                        : rowLen >= 2 * kNormSegment ? NormOrder::SegmentsOuter
                                                     : NormOrder::RowsOuter;
      Value lanes = segmentLanes(b, l, g, c, order);
      auto rowsType = RankedTensorType::get({n}, c);
      Value zeros = filled(b, l, rowsType, {}, b.getFloatAttr(c, 0.0));
      Value sumsq = addLanes(b, l, lanes, zeros);
      Value factors = clipFactors(b, l, sumsq, {}, clip, c);
      auto tiledType =
          RankedTensorType::get({n, rowLen / kSumTile, kSumTile}, t);
      Value gt = tensor::ExpandShapeOp::create(
          b, l, tiledType, g, SmallVector<ReassociationIndices>{{0}, {1, 2}});
      // Loops (tile, b, lane) on a CPU (threads take tiles, lanes
      // vectorize); (tile, lane, b) on a GPU (a thread per output). Each
      // output's sum runs in increasing b either way.
      SmallVector<AffineMap> sumMaps =
          rowGroups
              ? SmallVector<AffineMap>{AffineMap::get(3, 0, {e(1), e(0), e(2)},
                                                      ctx),
                                       AffineMap::get(3, 0, {e(1)}, ctx),
                                       AffineMap::get(3, 0, {e(0), e(2)}, ctx)}
              : SmallVector<AffineMap>{
                    AffineMap::get(3, 0, {e(2), e(0), e(1)}, ctx),
                    AffineMap::get(3, 0, {e(2)}, ctx),
                    AffineMap::get(3, 0, {e(0), e(1)}, ctx)};
      return linalg::GenericOp::create(
                 b, l, TypeRange{tileAccType}, ValueRange{gt, factors},
                 ValueRange{accIn}, sumMaps,
                 rowGroups
                     ? ArrayRef<
                           utils::IteratorType>{utils::IteratorType::parallel,
                                                utils::IteratorType::reduction,
                                                utils::IteratorType::parallel}
                     : ArrayRef<
                           utils::IteratorType>{utils::IteratorType::parallel,
                                                utils::IteratorType::parallel,
                                                utils::IteratorType::reduction},
                 scaledInto(c))
          .getResult(0);
    };
    // Saturated: a row of 2^63 bytes or more is one group.
    int64_t rowBytes;
    if (llvm::MulOverflow(rowLen, int64_t(t.getIntOrFloatBitWidth() / 8),
                          rowBytes))
      rowBytes = std::numeric_limits<int64_t>::max();
    int64_t perGroup = std::max<int64_t>(1, kRowGroupBytes / rowBytes);
    if (!rowGroups || rows <= perGroup || rows % perGroup != 0)
      return group(rewriter, loc, flat, rows, acc);
    Value step = arith::ConstantIndexOp::create(rewriter, loc, perGroup);
    auto loop = scf::ForOp::create(
        rewriter, loc, arith::ConstantIndexOp::create(rewriter, loc, 0),
        arith::ConstantIndexOp::create(rewriter, loc, rows), step,
        ValueRange{acc},
        [&](OpBuilder &b, Location l, Value first, ValueRange iter) {
          auto sliceType = RankedTensorType::get({perGroup, rowLen}, t);
          SmallVector<OpFoldResult> offsets{first, b.getIndexAttr(0)};
          SmallVector<OpFoldResult> sizes{b.getIndexAttr(perGroup),
                                          b.getIndexAttr(rowLen)};
          SmallVector<OpFoldResult> strides(2, b.getIndexAttr(1));
          Value slice = tensor::ExtractSliceOp::create(b, l, sliceType, flat,
                                                       offsets, sizes, strides);
          scf::YieldOp::create(b, l, group(b, l, slice, perGroup, iter[0]));
        });
    return loop.getResult(0);
  }

  LogicalResult
  matchAndRewrite(DPAggregateOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    Value grads = adaptor.getGrads();
    auto gType = cast<RankedTensorType>(grads.getType());
    Type t = gType.getElementType(), c = computeTypeOf(t);
    int64_t rank = gType.getRank();
    double clip = op.getClipNorm().convertToDouble();
    double sigma = op.getNoiseMultiplier().convertToDouble();
    // A per-sample gradient with a static zero dimension has no elements,
    // and neither has the result. The rows below would collapse that zero
    // with any dynamic dimension into a dynamic one, which bufferizes to an
    // invalid memref.collapse_shape (a static 0 for a dynamic group).
    if (llvm::is_contained(gType.getShape().drop_front(), 0)) {
      rewriter.replaceOpWithNewOp<tensor::EmptyOp>(
          op, op.getType(), dynSizesWithout(rewriter, loc, grads, 0));
      return success();
    }
    AffineMap id = rewriter.getMultiDimIdentityMap(rank);
    AffineMap batchOnly =
        AffineMap::get(rank, 0, {getAffineDimExpr(0, ctx)}, ctx);
    AffineMap rest = dropDim(ctx, rank, 0);

    // 1. Squared norm of each per-sample gradient, in row-major order:
    //    acc = fma(g, g, acc) in C.
    SmallVector<Value> batchDyn;
    if (gType.isDynamicDim(0))
      batchDyn.push_back(tensor::DimOp::create(rewriter, loc, grads, 0));
    auto batchType = RankedTensorType::get({gType.getDimSize(0)}, c);
    SmallVector<utils::IteratorType> normIters(rank,
                                               utils::IteratorType::reduction);
    normIters[0] = utils::IteratorType::parallel;
    // With the row length a static multiple of kNormLanes, the row is read
    // as [N/L, L] and L interleaved partial sums (lanes vectorize) are then
    // added in increasing lane order; otherwise one chain in row order.
    // (The verifier bounds the product by 2^63; 0 also on overflow.)
    int64_t rowLen = rank > 1 ? 1 : 0;
    for (int64_t d = 1; d < rank; ++d)
      if (gType.isDynamicDim(d) || rowLen == 0 ||
          llvm::MulOverflow(rowLen, gType.getDimSize(d), rowLen))
        rowLen = 0;
    Value flat;
    if (rowLen > 0 && (rowLen % kNormLanes == 0 || rowLen % kSumTile == 0)) {
      SmallVector<ReassociationIndices> toRows{{0}, {}};
      for (int64_t d = 1; d < rank; ++d)
        toRows[1].push_back(d);
      flat = tensor::CollapseShapeOp::create(rewriter, loc, grads, toRows);
    }
    Value sumsqValue, accValue;
    if (flat && rowLen % kNormLanes == 0 && rowLen % kSumTile == 0 &&
        !gType.isDynamicDim(0)) {
      Value tiled = blockedClippedSum(rewriter, loc, flat, gType.getDimSize(0),
                                      rowLen, t, c, clip);
      Value flatAcc = tensor::CollapseShapeOp::create(
          rewriter, loc, tiled, SmallVector<ReassociationIndices>{{0, 1}});
      auto resType = cast<RankedTensorType>(op.getType());
      auto accType = RankedTensorType::get(resType.getShape(), c);
      SmallVector<ReassociationIndices> toRest{{}};
      for (int64_t d = 0; d + 1 < rank; ++d)
        toRest[0].push_back(d);
      accValue = rank == 2 ? flatAcc
                           : tensor::ExpandShapeOp::create(
                                 rewriter, loc, accType, flatAcc, toRest)
                                 .getResult();
    } else {
      // q_b from [B, n] rows: kNormLanes interleaved partial sums (lanes
      // vectorize), added in increasing lane order; the contract's form
      // when n is a multiple of kNormLanes, also when n is only known at
      // run time.
      auto laneSumsq = [&](OpBuilder &b, Location l, Value rows2) -> Value {
        Value lanes = segmentLanes(
            b, l, rows2, c, rowGroups ? NormOrder::RowsOuter : NormOrder::Gpu);
        Value zeros = filled(b, l, batchType, batchDyn, b.getFloatAttr(c, 0.0));
        return addLanes(b, l, lanes, zeros);
      };
      // One chain in row-major order (n not a multiple of kNormLanes).
      auto chainSumsq = [&](OpBuilder &b, Location l) -> Value {
        Value zeros = filled(b, l, batchType, batchDyn, b.getFloatAttr(c, 0.0));
        return linalg::GenericOp::create(b, l, TypeRange{batchType},
                                         ValueRange{grads}, ValueRange{zeros},
                                         ArrayRef<AffineMap>{id, batchOnly},
                                         normIters, squareInto(c))
            .getResult(0);
      };
      if (flat && rowLen % kNormLanes == 0) {
        sumsqValue = laneSumsq(rewriter, loc, flat);
      } else if (rank > 1 && rowLen == 0) {
        // n is dynamic: choose the form at run time.
        SmallVector<ReassociationIndices> toRows{{0}, {}};
        for (int64_t d = 1; d < rank; ++d)
          toRows[1].push_back(d);
        Value rows2 =
            tensor::CollapseShapeOp::create(rewriter, loc, grads, toRows);
        Value n = tensor::DimOp::create(rewriter, loc, rows2, 1);
        Value rem = arith::RemUIOp::create(
            rewriter, loc, n,
            arith::ConstantIndexOp::create(rewriter, loc, kNormLanes));
        Value lanes = arith::CmpIOp::create(
            rewriter, loc, arith::CmpIPredicate::eq, rem,
            arith::ConstantIndexOp::create(rewriter, loc, 0));
        sumsqValue = scf::IfOp::create(
                         rewriter, loc, lanes,
                         [&](OpBuilder &b, Location l) {
                           scf::YieldOp::create(b, l, laneSumsq(b, l, rows2));
                         },
                         [&](OpBuilder &b, Location l) {
                           scf::YieldOp::create(b, l, chainSumsq(b, l));
                         })
                         .getResult(0);
      } else {
        sumsqValue = chainSumsq(rewriter, loc);
      }
    }
    // 2. factor_b = min(1, RN_C(clip) / sqrt(sumsq_b)); a zero gradient
    //    gives clip / 0 = inf and so factor 1.
    auto resType = cast<RankedTensorType>(op.getType());
    SmallVector<Value> resDyn = dynSizesWithout(rewriter, loc, grads, 0);
    if (!accValue) {
      Value factors = clipFactors(rewriter, loc, sumsqValue, batchDyn, clip, c);
      // 3. Clipped sum over the batch, b increasing: acc = fma(g, f_b, acc).
      auto accType = RankedTensorType::get(resType.getShape(), c);
      Value accInit =
          filled(rewriter, loc, accType, resDyn, rewriter.getFloatAttr(c, 0.0));
      SmallVector<utils::IteratorType> sumIters(rank,
                                                utils::IteratorType::parallel);
      sumIters[0] = utils::IteratorType::reduction;
      if (flat && rowLen % kSumTile == 0) {
        // Loops (tile, b, lane): threads take tiles of kSumTile outputs and
        // stream the rows through them in increasing b; the same order per
        // element as the plain form, with contiguous, vectorizable lanes.
        auto tiledType = RankedTensorType::get(
            {gType.getDimSize(0), rowLen / kSumTile, kSumTile}, t);
        Value g3 = tensor::ExpandShapeOp::create(
            rewriter, loc, tiledType, flat,
            SmallVector<ReassociationIndices>{{0}, {1, 2}});
        auto tileAccType =
            RankedTensorType::get({rowLen / kSumTile, kSumTile}, c);
        Value tileInit = filled(rewriter, loc, tileAccType, {},
                                rewriter.getFloatAttr(c, 0.0));
        auto e = [&](unsigned d) { return getAffineDimExpr(d, ctx); };
        AffineMap gMap = AffineMap::get(3, 0, {e(1), e(0), e(2)}, ctx);
        AffineMap fMap = AffineMap::get(3, 0, {e(1)}, ctx);
        AffineMap aMap = AffineMap::get(3, 0, {e(0), e(2)}, ctx);
        auto tiled = linalg::GenericOp::create(
            rewriter, loc, TypeRange{tileAccType}, ValueRange{g3, factors},
            ValueRange{tileInit}, ArrayRef<AffineMap>{gMap, fMap, aMap},
            ArrayRef<utils::IteratorType>{utils::IteratorType::parallel,
                                          utils::IteratorType::reduction,
                                          utils::IteratorType::parallel},
            scaledInto(c));
        Value flatAcc = tensor::CollapseShapeOp::create(
            rewriter, loc, tiled.getResult(0),
            SmallVector<ReassociationIndices>{{0, 1}});
        SmallVector<ReassociationIndices> toRest{{}};
        for (int64_t d = 0; d + 1 < rank; ++d)
          toRest[0].push_back(d);
        accValue = rank == 2 ? flatAcc
                             : tensor::ExpandShapeOp::create(
                                   rewriter, loc, accType, flatAcc, toRest)
                                   .getResult();
      } else {
        accValue =
            linalg::GenericOp::create(
                rewriter, loc, TypeRange{accType}, ValueRange{grads, factors},
                ValueRange{accInit}, ArrayRef<AffineMap>{id, batchOnly, rest},
                sumIters, scaledInto(c))
                .getResult(0);
      }
    }
    // 4. result = RN_T(fma(RN_C(sigma * clip), z_j, acc_j) / C(B)).
    Value batch = tensor::DimOp::create(rewriter, loc, grads, 0);
    Value batchF = arith::UIToFPOp::create(
        rewriter, loc, c,
        arith::IndexCastUIOp::create(rewriter, loc, rewriter.getI64Type(),
                                     batch));
    auto key = RandomEmitter(rewriter, loc).keyWords(adaptor.getKey());
    Value result = buildElementwise(
        rewriter, loc, resType, {accValue}, resDyn,
        [&](OpBuilder &b, Location l, ElementIndex linear, ValueRange args) {
          RandomEmitter rng(b, l);
          Value z = widenTo(b, l, rng.standardNormalF32(linear, key), c);
          Value noisy = rng.fma(coefficient(b, l, sigma * clip, c), z, args[0]);
          return narrowTo(b, l, arith::DivFOp::create(b, l, noisy, batchF), t);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void mlir::sto::populateReductionLoweringPatterns(
    const TypeConverter &converter, RewritePatternSet &patterns,
    bool dpRowGroups) {
  patterns.add<CategoricalLowering, GumbelSoftmaxLowering>(
      converter, patterns.getContext());
  patterns.add<DPAggregateLowering>(converter, patterns.getContext(),
                                    dpRowGroups);
}
