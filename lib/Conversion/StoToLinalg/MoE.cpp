//===- MoE.cpp - lowering of the mixture-of-experts ops -------------------===//
//
// sto.topk_gate, sto.expert_load, sto.balance_bias, sto.balance_loss,
// sto.dispatch and sto.combine. docs/MoE.md fixes their arithmetic (the order
// of every sum, where exp is taken, how ties break) and this file follows it
// step by step:
//
// - topk_gate is one linalg.generic over the tokens (one thread per token):
//   its body keeps the row's top k in registers, as the iter_args of an
//   scf.for over the experts, and computes the k weights; it yields one
//   [tokens] column per rank, which a second generic interleaves.
// - expert_load and dispatch's slot assignment are sequential scans (scf.for
//   on tensors) in the order the ops fix: O(tokens·k) integer work, no
//   atomics, the same result on every run. With `parallelScans` (the GPU)
//   expert_load is integer atomic adds (exact in any order) and dispatch's
//   slots are counts per chunk of tokens, prefixes and ranks, each computed
//   by one thread (see parallelSlots): the same integers. dispatch's
//   copies are a parallel gather over the [E, C, D] buffer.
// - balance_bias, balance_loss and combine are linalg reductions whose
//   reduction dimension is innermost, so every sum runs in increasing index
//   order in one thread.
//
//===----------------------------------------------------------------------===//

#include "LoweringUtils.h"
#include "RandomEmitter.h"
#include "sto/Dialect/Sto/StoOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Transforms/DialectConversion.h"

#include <limits>

using namespace mlir;
using namespace mlir::sto;

namespace {

//===----------------------------------------------------------------------===//
// Helpers
//===----------------------------------------------------------------------===//

/// Index `base + offset` (`base` itself for offset 0).
Value offsetIndex(OpBuilder &b, Location loc, Value base, int64_t offset) {
  if (offset == 0)
    return base;
  return arith::AddIOp::create(b, loc, base, indexConst(b, loc, offset));
}

Value intConst(OpBuilder &b, Location loc, Type type, int64_t v) {
  return arith::ConstantOp::create(b, loc, b.getIntegerAttr(type, v));
}

/// Size `d` of a tensor: a constant when static.
Value dimOf(OpBuilder &b, Location loc, Value tensor, int64_t d) {
  auto type = cast<RankedTensorType>(tensor.getType());
  if (!type.isDynamicDim(d))
    return indexConst(b, loc, type.getDimSize(d));
  return tensor::DimOp::create(b, loc, tensor, d);
}

/// The dynamic sizes among `sizes` for a tensor of static shape `shape`.
SmallVector<Value> dynamicOf(ArrayRef<int64_t> shape, ArrayRef<Value> sizes) {
  SmallVector<Value> dyn;
  for (auto [s, v] : llvm::zip_equal(shape, sizes))
    if (ShapedType::isDynamic(s))
      dyn.push_back(v);
  return dyn;
}

/// A signed integer (i32/i64 element) as an index.
Value toIndex(OpBuilder &b, Location loc, Value v) {
  return arith::IndexCastOp::create(b, loc, b.getIndexType(), v);
}

Value select(OpBuilder &b, Location loc, Value cond, Value a, Value c) {
  return arith::SelectOp::create(b, loc, cond, a, c);
}

Value cmpI(OpBuilder &b, Location loc, arith::CmpIPredicate p, Value x,
           Value y) {
  return arith::CmpIOp::create(b, loc, p, x, y);
}

/// 0 <= v < n for index values.
Value inRange(OpBuilder &b, Location loc, Value v, Value n) {
  Value nonNeg =
      cmpI(b, loc, arith::CmpIPredicate::sge, v, indexConst(b, loc, 0));
  Value below = cmpI(b, loc, arith::CmpIPredicate::slt, v, n);
  return arith::AndIOp::create(b, loc, nonNeg, below);
}

/// Σ_e load_e as a 0-d i64 tensor, exact (the loads are integers).
Value sumOfLoads(OpBuilder &b, Location loc, Value load) {
  MLIRContext *ctx = b.getContext();
  auto loadType = cast<RankedTensorType>(load.getType());
  auto scalar = RankedTensorType::get({}, b.getI64Type());
  Value init = filled(b, loc, scalar, {}, b.getI64IntegerAttr(0));
  AffineMap id = b.getMultiDimIdentityMap(1);
  AffineMap toScalar = AffineMap::get(1, 0, {}, ctx);
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{scalar}, ValueRange{load}, ValueRange{init},
      ArrayRef<AffineMap>{id, toScalar},
      ArrayRef<utils::IteratorType>{utils::IteratorType::reduction},
      [&](OpBuilder &nb, Location nl, ValueRange args) {
        Value v = args[0];
        if (loadType.getElementType() != nb.getI64Type())
          v = arith::ExtSIOp::create(nb, nl, nb.getI64Type(), v);
        linalg::YieldOp::create(
            nb, nl, arith::AddIOp::create(nb, nl, args[1], v).getResult());
      });
  return generic.getResult(0);
}

//===----------------------------------------------------------------------===//
// sto.topk_gate
//===----------------------------------------------------------------------===//

/// Inserts (s, e) into the list (scores, indices) sorted by decreasing score.
/// `above[j]` says that s goes before entry j: s > scores[j], or entry j is
/// empty (its score is NaN, hence the unordered compare). Since the experts
/// arrive in increasing order, an equal score stays behind the earlier one:
/// ties go to the lower expert index. The shift is branch-free: entry j
/// takes entry j-1 if s goes before both, s itself if only before j.
void insertSorted(OpBuilder &b, Location loc, SmallVectorImpl<Value> &scores,
                  SmallVectorImpl<Value> &indices, Value s, Value e) {
  size_t k = scores.size();
  SmallVector<Value> above(k);
  for (size_t j = 0; j < k; ++j)
    above[j] =
        arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UGT, s, scores[j]);
  SmallVector<Value> newScores(k), newIndices(k);
  for (size_t j = 0; j < k; ++j) {
    Value inS = s, inI = e;
    if (j > 0) {
      inS = select(b, loc, above[j - 1], scores[j - 1], s);
      inI = select(b, loc, above[j - 1], indices[j - 1], e);
    }
    newScores[j] = select(b, loc, above[j], inS, scores[j]);
    newIndices[j] = select(b, loc, above[j], inI, indices[j]);
  }
  scores.assign(newScores);
  indices.assign(newIndices);
}

/// Σ_j v_j in increasing j (v_0 + v_1 + ...).
Value sumInOrder(OpBuilder &b, Location loc, ArrayRef<Value> v) {
  Value acc = v[0];
  for (Value x : v.drop_front())
    acc = arith::AddFOp::create(b, loc, acc, x);
  return acc;
}

struct TopKGateLowering : public OpConversionPattern<TopKGateOp> {
  TopKGateLowering(const TypeConverter &converter, MLIRContext *ctx,
                   bool cpuForms)
      : OpConversionPattern(converter, ctx), cpuForms(cpuForms) {}
  /// A row's scores into a stack buffer first (see populateMoE...).
  bool cpuForms;

  LogicalResult
  matchAndRewrite(TopKGateOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value logits = adaptor.getLogits();
    Value bias = adaptor.getBias();
    auto logitsType = cast<RankedTensorType>(logits.getType());
    Type t = logitsType.getElementType(), c = computeTypeOf(t);
    Type i32 = rewriter.getI32Type();
    int64_t k = op.getKAttr().getInt();
    double stddev = op.getNoiseStddev().convertToDouble();
    bool noisy = stddev > 0 && adaptor.getKey();
    GateAffinity affinity = op.getAffinity();
    bool normalize = op.getNormalize();
    bool fullSoftmax = affinity == GateAffinity::softmax;
    int64_t staticE = logitsType.getDimSize(1);
    bool dynamicE = ShapedType::isDynamic(staticE);
    // With E a multiple of 4 every row starts a Philox block, so one loop
    // iteration takes the four experts of a block and their normals share
    // one Philox call (and Box-Muller pairs), as in the blocked samplers;
    // without noise the four logits still come as one (16-byte) group.
    int64_t step = !dynamicE && staticE % 4 == 0 ? 4 : 1;

    Value tokens = dimOf(rewriter, loc, logits, 0);
    Value experts = dimOf(rewriter, loc, logits, 1);
    std::array<Value, 2> key{};
    Value sigma;
    if (noisy) {
      key = RandomEmitter(rewriter, loc).keyWords(adaptor.getKey());
      sigma = coefficient(rewriter, loc, stddev, c);
    }

    SmallVector<Value> dynTokens;
    if (logitsType.isDynamicDim(0))
      dynTokens.push_back(tokens);
    auto weightCol = RankedTensorType::get({logitsType.getDimSize(0)}, t);
    auto indexCol = RankedTensorType::get({logitsType.getDimSize(0)}, i32);
    SmallVector<Value> inits;
    SmallVector<Type> colTypes;
    for (int64_t j = 0; j < k; ++j) {
      inits.push_back(
          tensor::EmptyOp::create(rewriter, loc, weightCol, dynTokens));
      colTypes.push_back(weightCol);
    }
    for (int64_t j = 0; j < k; ++j) {
      inits.push_back(
          tensor::EmptyOp::create(rewriter, loc, indexCol, dynTokens));
      colTypes.push_back(indexCol);
    }
    SmallVector<AffineMap> maps(2 * k, rewriter.getMultiDimIdentityMap(1));
    auto rows = linalg::GenericOp::create(
        rewriter, loc, colTypes, ValueRange{}, inits, maps,
        ArrayRef<utils::IteratorType>{utils::IteratorType::parallel},
        [&](OpBuilder &b, Location l, ValueRange) {
          Value tok = linalg::IndexOp::create(b, l, 0);
          Value rowBase;
          if (noisy)
            rowBase = arith::IndexCastUIOp::create(
                b, l, b.getI64Type(),
                arith::MulIOp::create(b, l, tok, experts));
          auto logitAt = [&](OpBuilder &nb, Location nl, Value e) {
            return widenTo(
                nb, nl, tensor::ExtractOp::create(nb, nl, logits, {tok, e}), c);
          };
          // s_e = [fma(RN_C(noise_stddev), z, C(logit))] [+ C(bias_e)], z of
          // the logit's element index t*E + e.
          auto scoreOf = [&](OpBuilder &fb, Location fl, Value e, Value x,
                             Value z) {
            Value s = x;
            if (z)
              s = RandomEmitter(fb, fl).fma(sigma, z, s);
            if (bias)
              s = arith::AddFOp::create(
                  fb, fl, s,
                  widenTo(fb, fl, tensor::ExtractOp::create(fb, fl, bias, e),
                          c));
            return s;
          };
          auto maxOf = [&](OpBuilder &fb, Location fl, Value x, Value m) {
            return select(
                fb, fl,
                arith::CmpFOp::create(fb, fl, arith::CmpFPredicate::OGT, x, m),
                x, m);
          };
          // Offers expert e (score s) to the sorted list. Most experts of a
          // long row do not beat the k-th entry: one compare decides, and
          // only those that do pay for the shift.
          auto offer = [&](OpBuilder &fb, Location fl,
                           SmallVectorImpl<Value> &scores,
                           SmallVectorImpl<Value> &ids, Value s, Value e) {
            Value e32 = arith::IndexCastOp::create(fb, fl, i32, e);
            if (k == 1) {
              insertSorted(fb, fl, scores, ids, s, e32);
              return;
            }
            Value enters = arith::CmpFOp::create(
                fb, fl, arith::CmpFPredicate::UGT, s, scores.back());
            SmallVector<Value> list(scores.begin(), scores.end());
            list.append(ids.begin(), ids.end());
            auto ifOp = scf::IfOp::create(
                fb, fl, enters,
                [&](OpBuilder &tb, Location tl) {
                  SmallVector<Value> ts(scores.begin(), scores.end()),
                      ti(ids.begin(), ids.end());
                  insertSorted(tb, tl, ts, ti, s, e32);
                  ts.append(ti);
                  scf::YieldOp::create(tb, tl, ts);
                },
                [&](OpBuilder &eb, Location el) {
                  scf::YieldOp::create(eb, el, list);
                });
            scores.assign(ifOp.getResults().begin(),
                          ifOp.getResults().begin() + k);
            ids.assign(ifOp.getResults().begin() + k, ifOp.getResults().end());
          };

          // 1. Selection: scores s_e in increasing e into the sorted list
          //    (empty entries: NaN score, index -1); softmax also keeps the
          //    row maximum of the logits.
          SmallVector<Value> init;
          Value nan = arith::ConstantOp::create(
              b, l,
              b.getFloatAttr(c, llvm::APFloat::getQNaN(
                                    cast<FloatType>(c).getFloatSemantics())));
          init.append(k, nan);
          init.append(k, intConst(b, l, i32, -1));
          if (fullSoftmax)
            init.push_back(
                floatConst(b, l, c, -std::numeric_limits<double>::infinity()));
          // The k scores, the k indices and (softmax) the row maximum.
          SmallVector<Value> selected;
          if (cpuForms && !dynamicE && staticE % 4 == 0) {
            // CPUs: the row's scores first, into a stack buffer, by loops
            // that vectorize (Philox and Box-Muller included); then the
            // branchy selection in chunks of 16 (or 4) experts, where one
            // vector compare against the k-th entry picks the candidates
            // and only those are offered.
            Value row =
                memref::AllocaOp::create(b, l, MemRefType::get({staticE}, c));
            if (noisy) {
              // z of element t*E + e is z of block (t*E)/4 + e/4.
              RandomEmitter rng(b, l);
              Value firstBlock =
                  arith::ShRUIOp::create(b, l, rowBase, rng.i64(2));
              scf::ForOp::create(
                  b, l, indexConst(b, l, 0), indexConst(b, l, staticE / 4),
                  indexConst(b, l, 1), ValueRange{},
                  [&](OpBuilder &fb, Location fl, Value q, ValueRange) {
                    RandomEmitter qrng(fb, fl);
                    Value block =
                        arith::AddIOp::create(fb, fl, firstBlock,
                                              arith::IndexCastUIOp::create(
                                                  fb, fl, fb.getI64Type(), q));
                    Value first =
                        arith::MulIOp::create(fb, fl, q, indexConst(fb, fl, 4));
                    for (int64_t lane = 0; lane < 4; ++lane) {
                      Value z = widenTo(
                          fb, fl,
                          qrng.standardNormalF32({block, qrng.i32(lane)}, key),
                          c);
                      memref::StoreOp::create(
                          fb, fl, z, row,
                          ValueRange{offsetIndex(fb, fl, first, lane)});
                    }
                    scf::YieldOp::create(fb, fl);
                  });
            }
            scf::ForOp::create(
                b, l, indexConst(b, l, 0), experts, indexConst(b, l, 1),
                ValueRange{},
                [&](OpBuilder &fb, Location fl, Value e, ValueRange) {
                  Value z =
                      noisy ? memref::LoadOp::create(fb, fl, row, e).getResult()
                            : Value();
                  memref::StoreOp::create(
                      fb, fl, scoreOf(fb, fl, e, logitAt(fb, fl, e), z), row,
                      e);
                  scf::YieldOp::create(fb, fl);
                });
            int64_t chunk = staticE % 16 == 0 ? 16 : 4;
            auto chunkType = VectorType::get({chunk}, c);
            // The sorted list lives in two vector registers (k scores, k
            // indices); an insertion is a compare, two shifts by one entry
            // and four selects, as insertSorted does per entry.
            auto listType = VectorType::get({k}, c);
            auto idsType = VectorType::get({k}, i32);
            SmallVector<Value> vecInit{
                vector::BroadcastOp::create(b, l, listType, nan),
                vector::BroadcastOp::create(b, l, idsType,
                                            intConst(b, l, i32, -1))};
            if (fullSoftmax)
              vecInit.push_back(init.back());
            SmallVector<int64_t> shiftMask{k};
            for (int64_t j = 0; j + 1 < k; ++j)
              shiftMask.push_back(j);
            auto insert = [&](OpBuilder &ib, Location il, Value vs, Value vi,
                              Value sc, Value e32) -> std::pair<Value, Value> {
              Value sv = vector::BroadcastOp::create(ib, il, listType, sc);
              Value ev = vector::BroadcastOp::create(ib, il, idsType, e32);
              // above[j]: s goes before entry j (UGT: empty entries are
              // NaN); entry j takes entry j-1 if s goes before both.
              Value above = arith::CmpFOp::create(
                  ib, il, arith::CmpFPredicate::UGT, sv, vs);
              Value none = arith::ConstantOp::create(
                  ib, il,
                  DenseElementsAttr::get(VectorType::get({k}, ib.getI1Type()),
                                         false));
              Value prevAbove =
                  vector::ShuffleOp::create(ib, il, above, none, shiftMask);
              Value inS = arith::SelectOp::create(
                  ib, il, prevAbove,
                  vector::ShuffleOp::create(ib, il, vs, sv, shiftMask), sv);
              Value inI = arith::SelectOp::create(
                  ib, il, prevAbove,
                  vector::ShuffleOp::create(ib, il, vi, ev, shiftMask), ev);
              return {arith::SelectOp::create(ib, il, above, inS, vs),
                      arith::SelectOp::create(ib, il, above, inI, vi)};
            };
            // The chunks of the row, in increasing e. Without NaN scores
            // only the candidates are offered: the experts whose score
            // beats the k-th entry as the chunk starts, one bit each, in
            // increasing e (the k-th entry only rises, so the others would
            // not enter; a candidate may no longer, and then goes before no
            // entry). Empty entries (NaN) only ever trail the list. A NaN
            // score breaks that: every expert goes before a NaN entry
            // (UGT), so a row with one offers every expert, each entering
            // only when it goes before the k-th entry as it is now, as
            // `offer` does.
            auto chunkLoop = [&](OpBuilder &cb, Location cl, bool nanRow) {
              return scf::ForOp::create(
                  cb, cl, indexConst(cb, cl, 0), experts,
                  indexConst(cb, cl, chunk), vecInit,
                  [&](OpBuilder &fb, Location fl, Value q, ValueRange args) {
                    Value rowMax = fullSoftmax ? args.back() : Value();
                    if (fullSoftmax)
                      for (int64_t lane = 0; lane < chunk; ++lane) {
                        Value e = offsetIndex(fb, fl, q, lane);
                        rowMax = maxOf(fb, fl, logitAt(fb, fl, e), rowMax);
                      }
                    Value mask;
                    if (nanRow) {
                      mask = intConst(fb, fl, i32, (int64_t(1) << chunk) - 1);
                    } else {
                      Value scoresHere =
                          vector::LoadOp::create(fb, fl, chunkType, row, q);
                      Value kth = vector::BroadcastOp::create(
                          fb, fl, chunkType,
                          vector::ExtractOp::create(fb, fl, args[0],
                                                    ArrayRef<int64_t>{k - 1}));
                      Value beats = arith::CmpFOp::create(
                          fb, fl, arith::CmpFPredicate::UGT, scoresHere, kth);
                      Value bits = vector::ExtractOp::create(
                          fb, fl,
                          vector::BitCastOp::create(
                              fb, fl,
                              VectorType::get({1}, fb.getIntegerType(chunk)),
                              beats),
                          ArrayRef<int64_t>{0});
                      mask = arith::ExtUIOp::create(fb, fl, i32, bits);
                    }
                    SmallVector<Value> state{mask, args[0], args[1]};
                    auto offered = scf::WhileOp::create(
                        fb, fl, ValueRange(state).getTypes(), state,
                        [&](OpBuilder &wb, Location wl, ValueRange wargs) {
                          Value more = arith::CmpIOp::create(
                              wb, wl, arith::CmpIPredicate::ne, wargs[0],
                              intConst(wb, wl, i32, 0));
                          scf::ConditionOp::create(wb, wl, more, wargs);
                        },
                        [&](OpBuilder &ab, Location al, ValueRange wargs) {
                          Value lane = math::CountTrailingZerosOp::create(
                              ab, al, wargs[0]);
                          Value e = arith::AddIOp::create(
                              ab, al, q,
                              arith::IndexCastUIOp::create(
                                  ab, al, ab.getIndexType(), lane));
                          Value sc = memref::LoadOp::create(ab, al, row, e);
                          auto [vs, vi] = insert(
                              ab, al, wargs[1], wargs[2], sc,
                              arith::IndexCastOp::create(ab, al, i32, e));
                          if (nanRow) {
                            Value enters = arith::CmpFOp::create(
                                ab, al, arith::CmpFPredicate::UGT, sc,
                                vector::ExtractOp::create(
                                    ab, al, wargs[1],
                                    ArrayRef<int64_t>{k - 1}));
                            vs = arith::SelectOp::create(ab, al, enters, vs,
                                                         wargs[1]);
                            vi = arith::SelectOp::create(ab, al, enters, vi,
                                                         wargs[2]);
                          }
                          Value rest = arith::AndIOp::create(
                              ab, al, wargs[0],
                              arith::SubIOp::create(ab, al, wargs[0],
                                                    intConst(ab, al, i32, 1)));
                          scf::YieldOp::create(ab, al,
                                               ValueRange{rest, vs, vi});
                        });
                    SmallVector<Value> yields(
                        offered.getResults().drop_front());
                    if (fullSoftmax)
                      yields.push_back(rowMax);
                    scf::YieldOp::create(fb, fl, yields);
                  });
            };
            // Whether the row has a NaN score: one vector compare per chunk.
            auto nanScan = scf::ForOp::create(
                b, l, indexConst(b, l, 0), experts, indexConst(b, l, chunk),
                ValueRange{arith::ConstantIntOp::create(b, l, 0, 1)},
                [&](OpBuilder &fb, Location fl, Value q, ValueRange args) {
                  Value v = vector::LoadOp::create(fb, fl, chunkType, row, q);
                  Value nanLanes = arith::CmpFOp::create(
                      fb, fl, arith::CmpFPredicate::UNO, v, v);
                  Value any = vector::ReductionOp::create(
                      fb, fl, vector::CombiningKind::OR, nanLanes);
                  scf::YieldOp::create(
                      fb, fl,
                      ValueRange{arith::OrIOp::create(fb, fl, args[0], any)});
                });
            auto chunks = scf::IfOp::create(
                b, l, nanScan.getResult(0),
                [&](OpBuilder &tb, Location tl) {
                  scf::YieldOp::create(tb, tl,
                                       chunkLoop(tb, tl, true).getResults());
                },
                [&](OpBuilder &eb, Location el) {
                  scf::YieldOp::create(eb, el,
                                       chunkLoop(eb, el, false).getResults());
                });
            for (int64_t part = 0; part < 2; ++part)
              for (int64_t j = 0; j < k; ++j)
                selected.push_back(vector::ExtractOp::create(
                    b, l, chunks.getResult(part), ArrayRef<int64_t>{j}));
            if (fullSoftmax)
              selected.push_back(chunks.getResults().back());
          } else {
            auto selection = scf::ForOp::create(
                b, l, indexConst(b, l, 0), experts, indexConst(b, l, step),
                init,
                [&](OpBuilder &fb, Location fl, Value q, ValueRange args) {
                  SmallVector<Value> scores(args.take_front(k));
                  SmallVector<Value> ids(args.slice(k, k));
                  Value rowMax = fullSoftmax ? args.back() : Value();
                  RandomEmitter rng(fb, fl);
                  Value block;
                  if (noisy && step == 4)
                    block = arith::ShRUIOp::create(
                        fb, fl,
                        arith::AddIOp::create(fb, fl, rowBase,
                                              arith::IndexCastUIOp::create(
                                                  fb, fl, fb.getI64Type(), q)),
                        rng.i64(2));
                  for (int64_t lane = 0; lane < step; ++lane) {
                    Value e = offsetIndex(fb, fl, q, lane);
                    Value x = logitAt(fb, fl, e);
                    Value z;
                    if (noisy) {
                      ElementIndex index =
                          step == 4 ? ElementIndex{block, rng.i32(lane)}
                                    : rng.fromLinear(arith::AddIOp::create(
                                          fb, fl, rowBase,
                                          arith::IndexCastUIOp::create(
                                              fb, fl, fb.getI64Type(), e)));
                      z = widenTo(fb, fl, rng.standardNormalF32(index, key), c);
                    }
                    if (fullSoftmax)
                      rowMax = maxOf(fb, fl, x, rowMax);
                    offer(fb, fl, scores, ids, scoreOf(fb, fl, e, x, z), e);
                  }
                  SmallVector<Value> yields(scores);
                  yields.append(ids);
                  if (fullSoftmax)
                    yields.push_back(rowMax);
                  scf::YieldOp::create(fb, fl, yields);
                });
            selected.assign(selection.getResults().begin(),
                            selection.getResults().end());
          }
          SmallVector<Value> ids(ArrayRef<Value>(selected).slice(k, k));

          // 2. The selected logits: the scores themselves when nothing was
          //    added to them, otherwise read back from the row.
          SmallVector<Value> xs;
          if (!bias && !noisy) {
            xs.assign(selected.begin(), selected.begin() + k);
          } else {
            for (Value id : ids) {
              Value at = toIndex(b, l, id);
              // An E smaller than k at run time leaves entries at -1.
              if (dynamicE)
                at = arith::MaxSIOp::create(b, l, at, indexConst(b, l, 0));
              xs.push_back(logitAt(b, l, at));
            }
          }

          // 3. Weights in C, each rounded once to T.
          SmallVector<Value> ws(k);
          auto div = [&](Value x, Value y) {
            return arith::DivFOp::create(b, l, x, y).getResult();
          };
          auto expOf = [&](Value x, Value m) {
            return math::ExpOp::create(b, l, arith::SubFOp::create(b, l, x, m))
                .getResult();
          };
          switch (affinity) {
          case GateAffinity::softmax_topk: {
            // m = max of the selected logits (first one wins ties), then
            // e_j / (e_0 + e_1 + ...).
            Value m = xs[0];
            for (Value x : ArrayRef<Value>(xs).drop_front())
              m = select(
                  b, l,
                  arith::CmpFOp::create(b, l, arith::CmpFPredicate::OGT, x, m),
                  x, m);
            SmallVector<Value> es;
            for (Value x : xs)
              es.push_back(expOf(x, m));
            Value sum = sumInOrder(b, l, es);
            for (int64_t j = 0; j < k; ++j)
              ws[j] = div(es[j], sum);
            break;
          }
          case GateAffinity::softmax: {
            // Z = Σ_e exp(x_e - m) over the row in increasing e from +0;
            // p_j = exp(x_j - m) / Z, renormalized by Σ_j p_j.
            Value m = selected.back();
            auto zLoop = scf::ForOp::create(
                b, l, indexConst(b, l, 0), experts, indexConst(b, l, 1),
                ValueRange{floatConst(b, l, c, 0.0)},
                [&](OpBuilder &fb, Location fl, Value e, ValueRange args) {
                  // Z holds exp(m - m) = 1, and subnormal terms (each below
                  // 2^-126) never reach half an ulp of it: these exps need
                  // not keep subnormal results (sto-approximate-math).
                  auto ex = math::ExpOp::create(
                      fb, fl,
                      arith::SubFOp::create(fb, fl, logitAt(fb, fl, e), m));
                  ex->setAttr(kExpSubnormalsAbsorbed, fb.getUnitAttr());
                  scf::YieldOp::create(
                      fb, fl,
                      ValueRange{arith::AddFOp::create(fb, fl, args[0], ex)});
                });
            Value z = zLoop.getResult(0);
            for (int64_t j = 0; j < k; ++j)
              ws[j] = div(expOf(xs[j], m), z);
            if (normalize) {
              Value q = sumInOrder(b, l, ws);
              for (Value &w : ws)
                w = div(w, q);
            }
            break;
          }
          case GateAffinity::sigmoid: {
            // sigma_j = 1 / (1 + exp(-x_j)), renormalized by Σ_j sigma_j.
            Value one = floatConst(b, l, c, 1.0);
            for (int64_t j = 0; j < k; ++j) {
              Value ex =
                  math::ExpOp::create(b, l, arith::NegFOp::create(b, l, xs[j]));
              ws[j] = div(one, arith::AddFOp::create(b, l, one, ex));
            }
            if (normalize) {
              Value q = sumInOrder(b, l, ws);
              for (Value &w : ws)
                w = div(w, q);
            }
            break;
          }
          }
          SmallVector<Value> yields;
          for (Value w : ws)
            yields.push_back(narrowTo(b, l, w, t));
          yields.append(ids);
          linalg::YieldOp::create(b, l, yields);
        });

    // 4. [tokens] columns -> [tokens, k].
    auto weightsType = cast<RankedTensorType>(op.getWeights().getType());
    auto indicesType = cast<RankedTensorType>(op.getIndices().getType());
    SmallVector<Value> results;
    if (k == 1) {
      SmallVector<ReassociationIndices> reassociation{{0, 1}};
      results.push_back(tensor::ExpandShapeOp::create(
          rewriter, loc, weightsType, rows.getResult(0), reassociation));
      results.push_back(tensor::ExpandShapeOp::create(
          rewriter, loc, indicesType, rows.getResult(1), reassociation));
    } else {
      MLIRContext *ctx = rewriter.getContext();
      AffineMap column = AffineMap::get(2, 0, {getAffineDimExpr(0, ctx)}, ctx);
      SmallVector<AffineMap> gatherMaps(2 * k, column);
      gatherMaps.append(2, rewriter.getMultiDimIdentityMap(2));
      SmallVector<Value> outs{
          tensor::EmptyOp::create(rewriter, loc, weightsType, dynTokens),
          tensor::EmptyOp::create(rewriter, loc, indicesType, dynTokens)};
      auto gather = linalg::GenericOp::create(
          rewriter, loc, TypeRange{weightsType, indicesType}, rows.getResults(),
          outs, gatherMaps,
          ArrayRef<utils::IteratorType>{utils::IteratorType::parallel,
                                        utils::IteratorType::parallel},
          [&](OpBuilder &b, Location l, ValueRange args) {
            Value j = linalg::IndexOp::create(b, l, 1);
            Value w = args[k - 1], i = args[2 * k - 1];
            for (int64_t jj = k - 2; jj >= 0; --jj) {
              Value is =
                  cmpI(b, l, arith::CmpIPredicate::eq, j, indexConst(b, l, jj));
              w = select(b, l, is, args[jj], w);
              i = select(b, l, is, args[k + jj], i);
            }
            linalg::YieldOp::create(b, l, ValueRange{w, i});
          });
      results.assign(gather.getResults().begin(), gather.getResults().end());
    }
    rewriter.replaceOp(op, results);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Parallel scans (GPU)
//===----------------------------------------------------------------------===//
//
// The sequential scan of dispatch's slots runs in one thread, which is right
// for a CPU core and hopeless on a GPU. Its parallel form splits the tokens
// into chunks of kScanChunk and counts per (chunk, choice, expert); every
// count, prefix and rank is an integer computed by one thread in a fixed
// order, so the result is the same as the scan's, on every run (no
// atomics: a slot is a position, which an atomic's order would decide).

constexpr int64_t kScanChunk = 256;
/// Chunks per group in the two-level sums over the chunks.
constexpr int64_t kSumGroup = 16;

/// A linalg.generic over `shape` (all parallel, no inputs) whose body is
/// `body(indices)`.
Value parallelTable(
    OpBuilder &b, Location loc, RankedTensorType type, ValueRange dynSizes,
    function_ref<Value(OpBuilder &, Location, ArrayRef<Value>)> body) {
  Value init = tensor::EmptyOp::create(b, loc, type, dynSizes);
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{type}, ValueRange{}, ValueRange{init},
      ArrayRef<AffineMap>{b.getMultiDimIdentityMap(type.getRank())},
      SmallVector<utils::IteratorType>(type.getRank(),
                                       utils::IteratorType::parallel),
      [&](OpBuilder &nb, Location nl, ValueRange) {
        SmallVector<Value> ivs;
        for (int64_t d = 0; d < type.getRank(); ++d)
          ivs.push_back(linalg::IndexOp::create(nb, nl, d));
        linalg::YieldOp::create(nb, nl, body(nb, nl, ivs));
      });
  return generic.getResult(0);
}

/// Σ over `[lo, hi)` of `term(i)` (i32), in increasing i.
Value countLoop(OpBuilder &b, Location loc, Value lo, Value hi,
                function_ref<Value(OpBuilder &, Location, Value)> term) {
  Type i32 = b.getI32Type();
  auto loop = scf::ForOp::create(
      b, loc, lo, hi, indexConst(b, loc, 1),
      ValueRange{intConst(b, loc, i32, 0)},
      [&](OpBuilder &lb, Location ll, Value i, ValueRange acc) {
        Value t = term(lb, ll, i);
        scf::YieldOp::create(
            lb, ll, arith::AddIOp::create(lb, ll, acc[0], t).getResult());
      });
  return loop.getResult(0);
}

/// 1 (i32) if indices[t, j] == e, else 0; entries outside [0, E) match no
/// expert.
Value matches(OpBuilder &b, Location loc, Value indices, Value t, Value j,
              Value e) {
  Value v = toIndex(
      b, loc, tensor::ExtractOp::create(b, loc, indices, ValueRange{t, j}));
  return arith::ExtUIOp::create(b, loc, b.getI32Type(),
                                cmpI(b, loc, arith::CmpIPredicate::eq, v, e));
}

/// The tokens of chunk c: [c·chunk, min((c+1)·chunk, tokens)).
std::pair<Value, Value> chunkBounds(OpBuilder &b, Location loc, Value c,
                                    Value tokens) {
  Value chunk = indexConst(b, loc, kScanChunk);
  Value lo = arith::MulIOp::create(b, loc, c, chunk);
  Value hi = arith::MinSIOp::create(
      b, loc, arith::AddIOp::create(b, loc, lo, chunk), tokens);
  return {lo, hi};
}

/// counts[c, j, e]: how many tokens of chunk c chose expert e as their j-th
/// choice (one thread per entry, scanning its chunk).
Value chunkCounts(OpBuilder &b, Location loc, Value indices, Value tokens,
                  Value k, Value chunks, int64_t numExperts) {
  auto idxType = cast<RankedTensorType>(indices.getType());
  auto type = RankedTensorType::get(
      {ShapedType::kDynamic, idxType.getDimSize(1), numExperts},
      b.getI32Type());
  SmallVector<Value> dyn{chunks};
  if (idxType.isDynamicDim(1))
    dyn.push_back(k);
  return parallelTable(
      b, loc, type, dyn, [&](OpBuilder &nb, Location nl, ArrayRef<Value> iv) {
        auto [lo, hi] = chunkBounds(nb, nl, iv[0], tokens);
        return countLoop(nb, nl, lo, hi,
                         [&](OpBuilder &lb, Location ll, Value t) {
                           return matches(lb, ll, indices, t, iv[1], iv[2]);
                         });
      });
}

Value ceilDiv(OpBuilder &b, Location loc, Value n, int64_t d) {
  return arith::CeilDivUIOp::create(b, loc, n, indexConst(b, loc, d));
}

//===----------------------------------------------------------------------===//
// sto.expert_load
//===----------------------------------------------------------------------===//

struct ExpertLoadLowering : public OpConversionPattern<ExpertLoadOp> {
  ExpertLoadLowering(const TypeConverter &converter, MLIRContext *ctx,
                     bool parallelScans)
      : OpConversionPattern(converter, ctx), parallelScans(parallelScans) {}
  bool parallelScans;

  LogicalResult
  matchAndRewrite(ExpertLoadOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value indices = adaptor.getIndices();
    Type i32 = rewriter.getI32Type();
    int64_t numExperts = op.getNumExpertsAttr().getInt();
    auto loadType = cast<RankedTensorType>(op.getType());
    Value tokens = dimOf(rewriter, loc, indices, 0);
    Value k = dimOf(rewriter, loc, indices, 1);
    Value experts = indexConst(rewriter, loc, numExperts);
    Value c0 = indexConst(rewriter, loc, 0), c1 = indexConst(rewriter, loc, 1);
    if (parallelScans) {
      // One thread per choice adds 1 to its expert's count with an atomic
      // add: integer adds give the scan's counts in any order, so the result
      // is the same on every run. (A table of counts per chunk of tokens,
      // one thread per (chunk, choice, expert) walking its chunk, did
      // O(tokens·k·E) work: 54 us for top-8 of 256 on an H200.)
      auto bufferType = MemRefType::get(loadType.getShape(), i32);
      Value buffer = memref::AllocOp::create(rewriter, loc, bufferType);
      linalg::FillOp::create(rewriter, loc,
                             ValueRange{intConst(rewriter, loc, i32, 0)},
                             ValueRange{buffer});
      SmallVector<OpFoldResult> bounds{tokens, k};
      scf::ForallOp::create(
          rewriter, loc, bounds, ValueRange{}, std::nullopt,
          [&](OpBuilder &b, Location l, ValueRange iv) {
            Value e =
                toIndex(b, l, tensor::ExtractOp::create(b, l, indices, iv));
            // Out-of-range entries add 0 to the count of expert 0.
            Value valid = inRange(b, l, e, experts);
            Value at = select(b, l, valid, e, indexConst(b, l, 0));
            Value inc = arith::ExtUIOp::create(b, l, i32, valid);
            memref::AtomicRMWOp::create(b, l, arith::AtomicRMWKind::addi, inc,
                                        buffer, ValueRange{at});
            scf::InParallelOp::create(b, l);
          });
      rewriter.replaceOp(op, bufferization::ToTensorOp::create(
                                 rewriter, loc, loadType, buffer,
                                 /*restrict=*/true, /*writable=*/true));
      return success();
    }
    Value zeros =
        filled(rewriter, loc, loadType, {}, rewriter.getI32IntegerAttr(0));
    // A histogram is a scatter, which linalg cannot express; the counts are
    // integers, so the sequential scan is exact and its order irrelevant.
    auto outer = scf::ForOp::create(
        rewriter, loc, c0, tokens, c1, ValueRange{zeros},
        [&](OpBuilder &b, Location l, Value tok, ValueRange outerArgs) {
          auto inner = scf::ForOp::create(
              b, l, c0, k, c1, outerArgs,
              [&](OpBuilder &ib, Location il, Value j, ValueRange args) {
                Value e = toIndex(
                    ib, il,
                    tensor::ExtractOp::create(ib, il, indices, {tok, j}));
                // Out-of-range entries add 0 to the count of expert 0.
                Value valid = inRange(ib, il, e, experts);
                Value at = select(ib, il, valid, e, indexConst(ib, il, 0));
                Value count = tensor::ExtractOp::create(ib, il, args[0], at);
                Value inc = arith::ExtUIOp::create(ib, il, i32, valid);
                Value updated = tensor::InsertOp::create(
                    ib, il, arith::AddIOp::create(ib, il, count, inc), args[0],
                    at);
                scf::YieldOp::create(ib, il, updated);
              });
          scf::YieldOp::create(b, l, inner.getResults());
        });
    rewriter.replaceOp(op, outer.getResult(0));
    return success();
  }
};

//===----------------------------------------------------------------------===//
// sto.balance_bias
//===----------------------------------------------------------------------===//

struct BalanceBiasLowering : public OpConversionPattern<BalanceBiasOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(BalanceBiasOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value bias = adaptor.getBias(), load = adaptor.getLoad();
    auto biasType = cast<RankedTensorType>(bias.getType());
    Type t = biasType.getElementType(), c = computeTypeOf(t);
    Type i64 = rewriter.getI64Type();
    // sign(mean(load) - load_e) = sign(Σ load - E·load_e), computed exactly
    // in i64 rather than through a rounded mean. Each thread sums the E
    // loads itself (E² integer adds, a few thousand): no separate
    // reduction, which a GPU would run in one thread between two kernels.
    Value numExperts = dimOf(rewriter, loc, bias, 0);
    Value experts = arith::IndexCastOp::create(rewriter, loc, i64, numExperts);
    Value rate = coefficient(rewriter, loc, op.getRate().convertToDouble(), c);
    SmallVector<Value> dyn = dynamicSizesOf(rewriter, loc, bias);
    Value init = tensor::EmptyOp::create(rewriter, loc, biasType, dyn);
    AffineMap id = rewriter.getMultiDimIdentityMap(1);
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{biasType}, ValueRange{bias, load},
        ValueRange{init}, ArrayRef<AffineMap>{id, id, id},
        ArrayRef<utils::IteratorType>{utils::IteratorType::parallel},
        [&](OpBuilder &b, Location l, ValueRange args) {
          auto sum = scf::ForOp::create(
              b, l, indexConst(b, l, 0), numExperts, indexConst(b, l, 1),
              ValueRange{intConst(b, l, i64, 0)},
              [&](OpBuilder &lb, Location ll, Value e, ValueRange acc) {
                Value v = tensor::ExtractOp::create(lb, ll, load, e);
                if (v.getType() != i64)
                  v = arith::ExtSIOp::create(lb, ll, i64, v);
                scf::YieldOp::create(
                    lb, ll,
                    arith::AddIOp::create(lb, ll, acc[0], v).getResult());
              });
          Value total = sum.getResult(0);
          Value lv = args[1];
          if (lv.getType() != i64)
            lv = arith::ExtSIOp::create(b, l, i64, lv);
          Value diff = arith::SubIOp::create(
              b, l, total, arith::MulIOp::create(b, l, experts, lv));
          Value zero = intConst(b, l, i64, 0);
          Value under = cmpI(b, l, arith::CmpIPredicate::sgt, diff, zero);
          Value over = cmpI(b, l, arith::CmpIPredicate::slt, diff, zero);
          // RN_T(C(b) ± RN_C(rate)); a load equal to the mean keeps b as is.
          Value bc = widenTo(b, l, args[0], c);
          Value up = narrowTo(b, l, arith::AddFOp::create(b, l, bc, rate), t);
          Value down = narrowTo(b, l, arith::SubFOp::create(b, l, bc, rate), t);
          Value r = select(b, l, under, up, select(b, l, over, down, args[0]));
          linalg::YieldOp::create(b, l, r);
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

//===----------------------------------------------------------------------===//
// sto.balance_loss
//===----------------------------------------------------------------------===//

struct BalanceLossLowering : public OpConversionPattern<BalanceLossOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(BalanceLossOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    Value probs = adaptor.getProbs(), load = adaptor.getLoad();
    auto probsType = cast<RankedTensorType>(probs.getType());
    Type resultType = op.getType();
    // Computed in f64 when the probabilities or the result are f64.
    Type c = probsType.getElementType().isF64() || resultType.isF64()
                 ? Type(rewriter.getF64Type())
                 : Type(rewriter.getF32Type());
    Type i64 = rewriter.getI64Type();

    // 1. Column sums Σ_t C(probs[t, e]) in increasing t: the loop nest is
    //    (e parallel, t reduction), so each sum runs in one thread.
    Value tokens = dimOf(rewriter, loc, probs, 0);
    Value experts = dimOf(rewriter, loc, probs, 1);
    SmallVector<Value> dynE;
    if (probsType.isDynamicDim(1))
      dynE.push_back(experts);
    auto colType = RankedTensorType::get({probsType.getDimSize(1)}, c);
    Value zeros =
        filled(rewriter, loc, colType, dynE, rewriter.getFloatAttr(c, 0.0));
    AffineMap transposed = AffineMap::get(
        2, 0, {getAffineDimExpr(1, ctx), getAffineDimExpr(0, ctx)}, ctx);
    AffineMap first = AffineMap::get(2, 0, {getAffineDimExpr(0, ctx)}, ctx);
    auto colSums = linalg::GenericOp::create(
        rewriter, loc, TypeRange{colType}, ValueRange{probs}, ValueRange{zeros},
        ArrayRef<AffineMap>{transposed, first},
        ArrayRef<utils::IteratorType>{utils::IteratorType::parallel,
                                      utils::IteratorType::reduction},
        [&](OpBuilder &b, Location l, ValueRange args) {
          linalg::YieldOp::create(
              b, l,
              arith::AddFOp::create(b, l, args[1], widenTo(b, l, args[0], c))
                  .getResult());
        });

    // 2. acc = Σ_e fma(f_e, P_e, acc) in increasing e, with
    //    f_e = C(load_e) / C(Σ load) and P_e = colsum_e / C(tokens).
    Value total = sumOfLoads(rewriter, loc, load);
    Value tokensC = arith::UIToFPOp::create(
        rewriter, loc, c,
        arith::IndexCastUIOp::create(rewriter, loc, i64, tokens));
    auto scalarType = RankedTensorType::get({}, c);
    Value accInit =
        filled(rewriter, loc, scalarType, {}, rewriter.getFloatAttr(c, 0.0));
    AffineMap id = rewriter.getMultiDimIdentityMap(1);
    AffineMap scalar = AffineMap::get(1, 0, {}, ctx);
    auto acc = linalg::GenericOp::create(
        rewriter, loc, TypeRange{scalarType},
        ValueRange{load, colSums.getResult(0), total}, ValueRange{accInit},
        ArrayRef<AffineMap>{id, id, scalar, scalar},
        ArrayRef<utils::IteratorType>{utils::IteratorType::reduction},
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value lc = arith::SIToFPOp::create(b, l, c, args[0]);
          Value sc = arith::SIToFPOp::create(b, l, c, args[2]);
          Value f = arith::DivFOp::create(b, l, lc, sc);
          Value p = arith::DivFOp::create(b, l, args[1], tokensC);
          linalg::YieldOp::create(
              b, l, math::FmaOp::create(b, l, f, p, args[3]).getResult());
        });

    // 3. loss = RN_r(RN_C(alpha·E) · acc); no routed entry gives 0.
    Value accV = tensor::ExtractOp::create(rewriter, loc, acc.getResult(0),
                                           ValueRange{});
    Value totalV =
        tensor::ExtractOp::create(rewriter, loc, total, ValueRange{});
    double alpha = op.getAlpha().convertToDouble();
    Value scale;
    if (!probsType.isDynamicDim(1)) {
      scale = coefficient(rewriter, loc,
                          alpha * double(probsType.getDimSize(1)), c);
    } else {
      Type f64 = rewriter.getF64Type();
      Value e64 = arith::UIToFPOp::create(
          rewriter, loc, f64,
          arith::IndexCastUIOp::create(rewriter, loc, i64, experts));
      scale = narrowTo(
          rewriter, loc,
          arith::MulFOp::create(rewriter, loc,
                                floatConst(rewriter, loc, f64, alpha), e64),
          c);
    }
    Value loss = arith::MulFOp::create(rewriter, loc, scale, accV);
    Value none = cmpI(rewriter, loc, arith::CmpIPredicate::eq, totalV,
                      intConst(rewriter, loc, i64, 0));
    loss = select(rewriter, loc, none, floatConst(rewriter, loc, c, 0.0), loss);
    rewriter.replaceOp(op, narrowTo(rewriter, loc, loss, resultType));
    return success();
  }
};

//===----------------------------------------------------------------------===//
// sto.dispatch
//===----------------------------------------------------------------------===//

struct DispatchLowering : public OpConversionPattern<DispatchOp> {
  DispatchLowering(const TypeConverter &converter, MLIRContext *ctx,
                   bool parallelScans, bool cpuForms)
      : OpConversionPattern(converter, ctx), parallelScans(parallelScans),
        cpuForms(cpuForms) {}
  bool parallelScans;
  /// Gather without a branch when x surely has rows (static T > 0).
  bool cpuForms;

  /// slot[t, j] and source[e, s] without a sequential scan. With
  /// counts[c, j, e] per chunk, the scan's order (choice j, then token)
  /// gives choice (t, j) of expert e the rank
  ///   base[j, e] + Σ_{c' < c} counts[c', j, e] + #{t' in chunk c, t' < t,
  ///   indices[t', j] = e}
  /// with base[j, e] = Σ_{j' < j} Σ_c counts[c, j', e]; the slot is the rank
  /// if it is below the capacity. source[e, s] inverts this: the choice j
  /// whose range of ranks holds s, the chunk (a binary search over the
  /// nondecreasing offsets), then the token (a walk through the chunk).
  std::pair<Value, Value> parallelSlots(ConversionPatternRewriter &rewriter,
                                        Location loc, Value indices,
                                        Value tokens, Value k,
                                        int64_t numExperts, int64_t capacity,
                                        RankedTensorType slotType) const {
    Type i32 = rewriter.getI32Type();
    auto idxType = cast<RankedTensorType>(indices.getType());
    Value chunks = ceilDiv(rewriter, loc, tokens, kScanChunk);
    Value counts =
        chunkCounts(rewriter, loc, indices, tokens, k, chunks, numExperts);
    // offsets[c, j, e] = base[j, e] + Σ_{c' < c} counts[c', j, e], in one
    // table of chunks + 1 rows: row `chunks` is base[j + 1, e].
    Value rows = arith::AddIOp::create(rewriter, loc, chunks,
                                       indexConst(rewriter, loc, 1));
    auto offType = RankedTensorType::get(
        {ShapedType::kDynamic, idxType.getDimSize(1), numExperts}, i32);
    SmallVector<Value> offDyn{rows};
    if (idxType.isDynamicDim(1))
      offDyn.push_back(k);
    // totals[j, e] = Σ_c counts[c, j, e].
    auto totType =
        RankedTensorType::get({idxType.getDimSize(1), numExperts}, i32);
    SmallVector<Value> totDyn;
    if (idxType.isDynamicDim(1))
      totDyn.push_back(k);
    // Σ_{c < upTo} counts[c, j, e] in two levels: the sums of whole groups
    // of kSumGroup chunks (a table), then the chunks of the last group, so
    // no thread loops over all the chunks.
    Value groups = ceilDiv(rewriter, loc, chunks, kSumGroup);
    auto groupType = RankedTensorType::get(
        {ShapedType::kDynamic, idxType.getDimSize(1), numExperts}, i32);
    SmallVector<Value> groupDyn{groups};
    if (idxType.isDynamicDim(1))
      groupDyn.push_back(k);
    auto countsIn = [&](OpBuilder &b, Location l, Value lo, Value hi, Value j,
                        Value e) {
      return countLoop(b, l, lo, hi, [&](OpBuilder &lb, Location ll, Value c) {
        return tensor::ExtractOp::create(lb, ll, counts, ValueRange{c, j, e});
      });
    };
    Value groupSums = parallelTable(
        rewriter, loc, groupType, groupDyn,
        [&](OpBuilder &b, Location l, ArrayRef<Value> iv) {
          Value size = indexConst(b, l, kSumGroup);
          Value lo = arith::MulIOp::create(b, l, iv[0], size);
          Value hi = arith::MinSIOp::create(
              b, l, arith::AddIOp::create(b, l, lo, size), chunks);
          return countsIn(b, l, lo, hi, iv[1], iv[2]);
        });
    auto sumOverChunks = [&](OpBuilder &b, Location l, Value j, Value e,
                             Value upTo) {
      Value size = indexConst(b, l, kSumGroup);
      Value whole = arith::DivUIOp::create(b, l, upTo, size);
      Value inGroups = countLoop(b, l, indexConst(b, l, 0), whole,
                                 [&](OpBuilder &gb, Location gl, Value g) {
                                   return tensor::ExtractOp::create(
                                       gb, gl, groupSums, ValueRange{g, j, e});
                                 });
      Value rest =
          countsIn(b, l, arith::MulIOp::create(b, l, whole, size), upTo, j, e);
      return arith::AddIOp::create(b, l, inGroups, rest).getResult();
    };
    Value totals =
        parallelTable(rewriter, loc, totType, totDyn,
                      [&](OpBuilder &b, Location l, ArrayRef<Value> iv) {
                        return sumOverChunks(b, l, iv[0], iv[1], chunks);
                      });
    Value offsets = parallelTable(
        rewriter, loc, offType, offDyn,
        [&](OpBuilder &b, Location l, ArrayRef<Value> iv) {
          Value base = countLoop(b, l, indexConst(b, l, 0), iv[1],
                                 [&](OpBuilder &lb, Location ll, Value j) {
                                   return tensor::ExtractOp::create(
                                       lb, ll, totals, ValueRange{j, iv[2]});
                                 });
          return arith::AddIOp::create(b, l, base,
                                       sumOverChunks(b, l, iv[1], iv[2], iv[0]))
              .getResult();
        });
    Value experts = indexConst(rewriter, loc, numExperts);
    Value cap32 = intConst(rewriter, loc, i32, capacity);
    // slot[t, j]: the rank of the choice if it is below the capacity.
    Value slotInit = tensor::EmptyOp::create(
        rewriter, loc, slotType, dynamicSizesOf(rewriter, loc, indices));
    AffineMap id = rewriter.getMultiDimIdentityMap(2);
    auto slots = linalg::GenericOp::create(
        rewriter, loc, TypeRange{slotType}, ValueRange{indices},
        ValueRange{slotInit}, ArrayRef<AffineMap>{id, id},
        SmallVector<utils::IteratorType>(2, utils::IteratorType::parallel),
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value t = linalg::IndexOp::create(b, l, 0);
          Value j = linalg::IndexOp::create(b, l, 1);
          Value e = toIndex(b, l, args[0]);
          Value valid = inRange(b, l, e, experts);
          Value at = select(b, l, valid, e, indexConst(b, l, 0));
          Value c =
              arith::DivUIOp::create(b, l, t, indexConst(b, l, kScanChunk));
          auto [lo, hi] = chunkBounds(b, l, c, tokens);
          (void)hi;
          Value before =
              countLoop(b, l, lo, t, [&](OpBuilder &lb, Location ll, Value u) {
                return matches(lb, ll, indices, u, j, at);
              });
          Value rank = arith::AddIOp::create(
              b, l,
              tensor::ExtractOp::create(b, l, offsets, ValueRange{c, j, at}),
              before);
          Value fits = arith::AndIOp::create(
              b, l, valid, cmpI(b, l, arith::CmpIPredicate::slt, rank, cap32));
          linalg::YieldOp::create(
              b, l, select(b, l, fits, rank, intConst(b, l, i32, -1)));
        });
    // source[e, s]: the token in slot s of expert e, or -1.
    auto sourceType = RankedTensorType::get({numExperts, capacity}, i32);
    Value source = parallelTable(
        rewriter, loc, sourceType, {},
        [&](OpBuilder &b, Location l, ArrayRef<Value> iv) {
          Value c0 = indexConst(b, l, 0);
          // No choices (k = 0): every slot is unused.
          auto ifOp = scf::IfOp::create(
              b, l, cmpI(b, l, arith::CmpIPredicate::sgt, k, c0),
              [&](OpBuilder &tb, Location tl) {
                scf::YieldOp::create(tb, tl,
                                     sourceOf(tb, tl, iv[0], iv[1], offsets,
                                              indices, tokens, k, chunks));
              },
              [&](OpBuilder &eb, Location el) {
                scf::YieldOp::create(eb, el, intConst(eb, el, i32, -1));
              });
          return ifOp.getResult(0);
        });
    return {slots.getResult(0), source};
  }

  /// The token in slot s of expert e (see parallelSlots), or -1.
  static Value sourceOf(OpBuilder &b, Location l, Value e, Value s,
                        Value offsets, Value indices, Value tokens, Value k,
                        Value chunks) {
    Type i32 = b.getI32Type();
    Value s32 = arith::IndexCastOp::create(b, l, i32, s);
    Value c0 = indexConst(b, l, 0), c1 = indexConst(b, l, 1);
    // The choice: the last j with base[j, e] <= s (base[0, e] = 0).
    auto pickJ = scf::ForOp::create(
        b, l, c1, k, c1, ValueRange{c0},
        [&](OpBuilder &lb, Location ll, Value j, ValueRange acc) {
          Value base =
              tensor::ExtractOp::create(lb, ll, offsets, ValueRange{c0, j, e});
          Value le = cmpI(lb, ll, arith::CmpIPredicate::sle, base, s32);
          scf::YieldOp::create(lb, ll, select(lb, ll, le, j, acc[0]));
        });
    Value j = pickJ.getResult(0);
    // Used iff s < base[j + 1, e] (row `chunks` of column j).
    Value end =
        tensor::ExtractOp::create(b, l, offsets, ValueRange{chunks, j, e});
    Value used = cmpI(b, l, arith::CmpIPredicate::slt, s32, end);
    // The chunk: the last c in [0, chunks) with offsets[c, j, e] <= s.
    auto search = scf::WhileOp::create(
        b, l, TypeRange{b.getIndexType(), b.getIndexType()},
        ValueRange{c0, chunks},
        [&](OpBuilder &wb, Location wl, ValueRange lh) {
          Value width = arith::SubIOp::create(wb, wl, lh[1], lh[0]);
          scf::ConditionOp::create(
              wb, wl, cmpI(wb, wl, arith::CmpIPredicate::sgt, width, c1), lh);
        },
        [&](OpBuilder &wb, Location wl, ValueRange lh) {
          Value mid = arith::DivUIOp::create(
              wb, wl, arith::AddIOp::create(wb, wl, lh[0], lh[1]),
              indexConst(wb, wl, 2));
          Value off =
              tensor::ExtractOp::create(wb, wl, offsets, ValueRange{mid, j, e});
          Value le = cmpI(wb, wl, arith::CmpIPredicate::sle, off, s32);
          scf::YieldOp::create(wb, wl,
                               ValueRange{select(wb, wl, le, mid, lh[0]),
                                          select(wb, wl, le, lh[1], mid)});
        });
    Value c = search.getResult(0);
    // The token: the (s - offsets[c, j, e])-th match in chunk c.
    Value r = arith::SubIOp::create(
        b, l, s32,
        tensor::ExtractOp::create(b, l, offsets, ValueRange{c, j, e}));
    auto [lo, hi] = chunkBounds(b, l, c, tokens);
    Value none = intConst(b, l, i32, -1);
    auto walk = scf::ForOp::create(
        b, l, lo, hi, c1, ValueRange{intConst(b, l, i32, 0), none},
        [&](OpBuilder &lb, Location ll, Value t, ValueRange acc) {
          Value m = matches(lb, ll, indices, t, j, e);
          Value isIt = arith::AndIOp::create(
              lb, ll,
              cmpI(lb, ll, arith::CmpIPredicate::ne, m,
                   intConst(lb, ll, i32, 0)),
              cmpI(lb, ll, arith::CmpIPredicate::eq, acc[0], r));
          Value t32 = arith::IndexCastOp::create(lb, ll, i32, t);
          scf::YieldOp::create(
              lb, ll,
              ValueRange{arith::AddIOp::create(lb, ll, acc[0], m),
                         select(lb, ll, isIt, t32, acc[1])});
        });
    return select(b, l, used, walk.getResult(1), none);
  }

  LogicalResult
  matchAndRewrite(DispatchOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getX(), indices = adaptor.getIndices();
    Type i32 = rewriter.getI32Type();
    int64_t numExperts = op.getNumExpertsAttr().getInt();
    int64_t capacity = op.getCapacityAttr().getInt();
    auto bufType = cast<RankedTensorType>(op.getBuffer().getType());
    auto slotType = cast<RankedTensorType>(op.getSlot().getType());
    Type t = bufType.getElementType();
    Value tokens = dimOf(rewriter, loc, indices, 0);
    Value k = dimOf(rewriter, loc, indices, 1);
    Value experts = indexConst(rewriter, loc, numExperts);
    Value cap32 = intConst(rewriter, loc, i32, capacity);
    Value c0 = indexConst(rewriter, loc, 0), c1 = indexConst(rewriter, loc, 1);
    Value sourceFinal, slotsFinal;
    if (parallelScans) {
      std::tie(slotsFinal, sourceFinal) = parallelSlots(
          rewriter, loc, indices, tokens, k, numExperts, capacity, slotType);
    } else {
      // 1. Slots: a scan over choice j, then token t, with one running count
      //    per expert: slot = count[e]++ while count[e] < capacity, else -1.
      //    `source[e, s]` records the token in slot s (-1: unused).
      auto countType = RankedTensorType::get({numExperts}, i32);
      auto sourceType = RankedTensorType::get({numExperts, capacity}, i32);
      Value counts =
          filled(rewriter, loc, countType, {}, rewriter.getI32IntegerAttr(0));
      Value source =
          filled(rewriter, loc, sourceType, {}, rewriter.getI32IntegerAttr(-1));
      Value slots = tensor::EmptyOp::create(
          rewriter, loc, slotType, dynamicSizesOf(rewriter, loc, indices));
      auto outer = scf::ForOp::create(
          rewriter, loc, c0, k, c1, ValueRange{counts, source, slots},
          [&](OpBuilder &b, Location l, Value j, ValueRange outerArgs) {
            auto inner = scf::ForOp::create(
                b, l, c0, tokens, c1, outerArgs,
                [&](OpBuilder &ib, Location il, Value tok, ValueRange args) {
                  Value e = toIndex(
                      ib, il,
                      tensor::ExtractOp::create(ib, il, indices, {tok, j}));
                  Value valid = inRange(ib, il, e, experts);
                  Value at = select(ib, il, valid, e, indexConst(ib, il, 0));
                  Value count = tensor::ExtractOp::create(ib, il, args[0], at);
                  Value fits = arith::AndIOp::create(
                      ib, il, valid,
                      cmpI(ib, il, arith::CmpIPredicate::slt, count, cap32));
                  Value slot =
                      select(ib, il, fits, count, intConst(ib, il, i32, -1));
                  Value newSlots =
                      tensor::InsertOp::create(ib, il, slot, args[2], {tok, j});
                  // Branch-free: a dropped or invalid choice writes back the
                  // values it read.
                  Value next = arith::AddIOp::create(
                      ib, il, count, arith::ExtUIOp::create(ib, il, i32, fits));
                  Value newCounts =
                      tensor::InsertOp::create(ib, il, next, args[0], at);
                  Value s = select(ib, il, fits, toIndex(ib, il, count),
                                   indexConst(ib, il, 0));
                  Value old =
                      tensor::ExtractOp::create(ib, il, args[1], {at, s});
                  Value tok32 = arith::IndexCastOp::create(ib, il, i32, tok);
                  Value newSource = tensor::InsertOp::create(
                      ib, il, select(ib, il, fits, tok32, old), args[1],
                      {at, s});
                  scf::YieldOp::create(
                      ib, il, ValueRange{newCounts, newSource, newSlots});
                });
            scf::YieldOp::create(b, l, inner.getResults());
          });
      sourceFinal = outer.getResult(1);
      slotsFinal = outer.getResult(2);
    }

    // 2. buffer[e, s, d] = x[source[e, s], d], or 0 for an unused slot: a
    //    parallel gather (each token row is read where it is needed).
    MLIRContext *ctx = rewriter.getContext();
    AffineMap firstTwo = AffineMap::get(
        3, 0, {getAffineDimExpr(0, ctx), getAffineDimExpr(1, ctx)}, ctx);
    SmallVector<Value> bufDyn;
    if (bufType.isDynamicDim(2))
      bufDyn.push_back(dimOf(rewriter, loc, x, 1));
    Value bufInit = tensor::EmptyOp::create(rewriter, loc, bufType, bufDyn);
    auto xType = cast<RankedTensorType>(x.getType());
    // Branch-free wherever x surely has a row 0: the loop over d is then a
    // plain contiguous copy, which vectorizes on CPUs and takes 16-byte
    // accesses on GPUs (sto-coarsen-gpu-elementwise).
    bool branchFree = !xType.isDynamicDim(0) && xType.getDimSize(0) > 0;
    auto buffer = linalg::GenericOp::create(
        rewriter, loc, TypeRange{bufType}, ValueRange{sourceFinal},
        ValueRange{bufInit},
        ArrayRef<AffineMap>{firstTwo, rewriter.getMultiDimIdentityMap(3)},
        SmallVector<utils::IteratorType>(3, utils::IteratorType::parallel),
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value used = cmpI(b, l, arith::CmpIPredicate::sge, args[0],
                            intConst(b, l, i32, 0));
          // linalg.index must sit directly in the body.
          Value d = linalg::IndexOp::create(b, l, 2);
          if (branchFree) {
            // An unused slot reads row 0 and stores 0.
            Value row = toIndex(
                b, l,
                arith::MaxSIOp::create(b, l, args[0], intConst(b, l, i32, 0)));
            Value v = tensor::ExtractOp::create(b, l, x, {row, d});
            linalg::YieldOp::create(
                b, l,
                arith::SelectOp::create(b, l, used, v, floatConst(b, l, t, 0.0))
                    .getResult());
            return;
          }
          // A branch, not a select: an unused slot must not load (x may
          // have no rows at all).
          auto ifOp = scf::IfOp::create(
              b, l, used,
              [&](OpBuilder &tb, Location tl) {
                Value v = tensor::ExtractOp::create(
                    tb, tl, x, {toIndex(tb, tl, args[0]), d});
                scf::YieldOp::create(tb, tl, v);
              },
              [&](OpBuilder &eb, Location el) {
                scf::YieldOp::create(eb, el, floatConst(eb, el, t, 0.0));
              });
          linalg::YieldOp::create(b, l, ifOp.getResult(0));
        });
    rewriter.replaceOp(op, {buffer.getResult(0), slotsFinal});
    return success();
  }
};

//===----------------------------------------------------------------------===//
// sto.combine
//===----------------------------------------------------------------------===//

struct CombineLowering : public OpConversionPattern<CombineOp> {
  CombineLowering(const TypeConverter &converter, MLIRContext *ctx,
                  bool cpuForms)
      : OpConversionPattern(converter, ctx), cpuForms(cpuForms) {}
  /// Loops (t, j, d) and no branch when y surely has rows (static, E·C > 0).
  bool cpuForms;

  LogicalResult
  matchAndRewrite(CombineOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    Value y = adaptor.getY(), weights = adaptor.getWeights();
    Value indices = adaptor.getIndices(), slot = adaptor.getSlot();
    auto resType = cast<RankedTensorType>(op.getType());
    Type t = resType.getElementType(), c = computeTypeOf(t);
    Value experts = dimOf(rewriter, loc, y, 0);
    Value capacity = dimOf(rewriter, loc, y, 1);
    SmallVector<Value> sizes{dimOf(rewriter, loc, weights, 0),
                             dimOf(rewriter, loc, y, 2)};
    SmallVector<Value> dyn = dynamicOf(resType.getShape(), sizes);
    auto accType = RankedTensorType::get(resType.getShape(), c);
    Value zeros =
        filled(rewriter, loc, accType, dyn, rewriter.getFloatAttr(c, 0.0));
    // Loops (t, d, j) with j the innermost reduction: out[t, d] =
    // fma(C(w[t, j]), C(y[e, s, d]), acc) in increasing j from +0, over the
    // choices with a slot (and an expert) inside y. On CPUs (t, j, d): the
    // same sums, with the loop over d innermost and branch-free (an invalid
    // choice reads y[0, 0, d] and adds nothing), so it vectorizes.
    auto yType = cast<RankedTensorType>(y.getType());
    bool cpuForm = cpuForms && yType.hasStaticShape() &&
                   yType.getDimSize(0) > 0 && yType.getDimSize(1) > 0;
    unsigned jDim = cpuForm ? 1 : 2, dDim = cpuForm ? 2 : 1;
    AffineMap choice = AffineMap::get(
        3, 0, {getAffineDimExpr(0, ctx), getAffineDimExpr(jDim, ctx)}, ctx);
    AffineMap out = AffineMap::get(
        3, 0, {getAffineDimExpr(0, ctx), getAffineDimExpr(dDim, ctx)}, ctx);
    SmallVector<utils::IteratorType> iters(3, utils::IteratorType::parallel);
    iters[jDim] = utils::IteratorType::reduction;
    auto acc = linalg::GenericOp::create(
        rewriter, loc, TypeRange{accType}, ValueRange{weights, indices, slot},
        ValueRange{zeros}, ArrayRef<AffineMap>{choice, choice, choice, out},
        iters, [&](OpBuilder &b, Location l, ValueRange args) {
          Value e = toIndex(b, l, args[1]);
          Value s = toIndex(b, l, args[2]);
          Value valid = arith::AndIOp::create(b, l, inRange(b, l, s, capacity),
                                              inRange(b, l, e, experts));
          Value d = linalg::IndexOp::create(b, l, dDim);
          if (cpuForm) {
            Value zero = indexConst(b, l, 0);
            Value v =
                widenTo(b, l,
                        tensor::ExtractOp::create(
                            b, l, y,
                            {arith::SelectOp::create(b, l, valid, e, zero),
                             arith::SelectOp::create(b, l, valid, s, zero), d}),
                        c);
            Value r = math::FmaOp::create(b, l, widenTo(b, l, args[0], c), v,
                                          args[3]);
            linalg::YieldOp::create(
                b, l,
                arith::SelectOp::create(b, l, valid, r, args[3]).getResult());
            return;
          }
          auto ifOp = scf::IfOp::create(
              b, l, valid,
              [&](OpBuilder &tb, Location tl) {
                Value v = widenTo(
                    tb, tl, tensor::ExtractOp::create(tb, tl, y, {e, s, d}), c);
                Value r = math::FmaOp::create(
                    tb, tl, widenTo(tb, tl, args[0], c), v, args[3]);
                scf::YieldOp::create(tb, tl, r);
              },
              [&](OpBuilder &eb, Location el) {
                scf::YieldOp::create(eb, el, args[3]);
              });
          linalg::YieldOp::create(b, l, ifOp.getResult(0));
        });
    Value result = acc.getResult(0);
    if (c != t)
      result = buildElementwise(
          rewriter, loc, resType, {result}, dyn,
          [&](OpBuilder &b, Location l, ElementIndex, ValueRange args) {
            return narrowTo(b, l, args[0], t);
          });
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void mlir::sto::populateMoELoweringPatterns(const TypeConverter &converter,
                                            RewritePatternSet &patterns,
                                            bool parallelScans, bool cpuForms) {
  patterns.add<BalanceBiasLowering, BalanceLossLowering>(converter,
                                                         patterns.getContext());
  patterns.add<TopKGateLowering, CombineLowering>(
      converter, patterns.getContext(), cpuForms);
  patterns.add<ExpertLoadLowering>(converter, patterns.getContext(),
                                   parallelScans);
  patterns.add<DispatchLowering>(converter, patterns.getContext(),
                                 parallelScans, cpuForms);
}
