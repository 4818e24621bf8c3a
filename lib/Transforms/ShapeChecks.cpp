//===- ShapeChecks.cpp - run-time checks of dynamic sizes -----------------===//
//
// A compiled function trusts the sizes its caller passes. Where the program
// needs two dynamic sizes to agree (the operands of an elementwise op, a bias
// and the logits' columns, the inner dimensions of a matrix product), a call
// with sizes that do not would read and write out of bounds.
//
// `sto-insert-shape-checks` states each such requirement as a `cf.assert`
// and hoists it to the entry of its function when it depends on the
// arguments' sizes alone. `sto-guard-shape-checks`, after bufferization,
// makes the entry checks one guard: when one fails, the function records
// STO_ERROR_SHAPE_MISMATCH with that check's message and computes nothing.
// A check on a size computed from data guards the rest of its block.
//
//===----------------------------------------------------------------------===//

#include "RecordError.h"
#include "sto/Dialect/Sto/StoOps.h"
#include "sto/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/MemRef/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Dominance.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Interfaces/RuntimeVerifiableOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Transforms/CSE.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/MapVector.h"

namespace mlir {
namespace sto {
#define GEN_PASS_DEF_STOINSERTSHAPECHECKS
#define GEN_PASS_DEF_STOGUARDSHAPECHECKS
#include "sto/Transforms/Passes.h.inc"
} // namespace sto
} // namespace mlir

using namespace mlir;
using namespace mlir::sto;

namespace {

/// A private function whose entry checks every caller repeats before its
/// calls (so the guard pass drops them there).
constexpr StringLiteral kCheckedAtCalls = "sto.shape_checks_at_calls";
/// Marks the checks this pass makes; a `cf.assert` without it is the
/// model's own (STO_ERROR_ASSERTION rather than a size mismatch).
constexpr StringLiteral kShapeCheck = "sto.shape_check";
/// Marks the check that an allocation succeeded (STO_ERROR_RUNTIME).
constexpr StringLiteral kAllocCheck = "sto.alloc_check";

/// A copy of `check` at `b` with condition `cond` and `message`, of the same
/// kind.
cf::AssertOp copyCheck(OpBuilder &b, Location loc, cf::AssertOp check,
                       Value cond, StringRef message) {
  auto copy = cf::AssertOp::create(b, loc, cond, message);
  for (StringLiteral kind : {kShapeCheck, kAllocCheck})
    if (check->hasAttr(kind))
      copy->setAttr(kind, UnitAttr::get(b.getContext()));
  return copy;
}

/// The status a failed `check` records.
int32_t statusOf(cf::AssertOp check) {
  if (check->hasAttr(kAllocCheck))
    return kRuntimeStatus;
  return check->hasAttr(kShapeCheck) ? kShapeMismatchStatus : kAssertionStatus;
}

/// "file:line:col: " of `op`'s location, or nothing.
std::string locationPrefix(Operation *op) {
  std::string text;
  op->getLoc()->walk([&](Location loc) {
    if (auto f = dyn_cast<FileLineColLoc>(loc)) {
      text = (f.getFilename().getValue() + ":" + Twine(f.getLine()) + ":" +
              Twine(f.getColumn()) + ": ")
                 .str();
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  return text;
}

/// "file:line:col: 'op' op <what>", the form of a diagnostic.
std::string describe(Operation *op, StringRef what) {
  return locationPrefix(op) + "'" + op->getName().getStringRef().str() +
         "' op " + what.str();
}

//===----------------------------------------------------------------------===//
// The checks
//===----------------------------------------------------------------------===//

void assertEq(OpBuilder &b, Location loc, Value x, Value y,
              const std::string &message) {
  Value same = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, x, y);
  cf::AssertOp::create(b, loc, same, message);
}

Value dimValue(OpBuilder &b, Location loc, Value tensor, int64_t d) {
  return tensor::DimOp::create(b, loc, tensor, d);
}

/// Operands (and results) of an elementwise op on tensors have one shape.
void checkElementwise(OpBuilder &b, Operation *op) {
  Value first;
  unsigned firstIndex = 0;
  for (OpOperand &operand : op->getOpOperands()) {
    auto type = dyn_cast<RankedTensorType>(operand.get().getType());
    if (!type)
      continue;
    if (!first) {
      first = operand.get();
      firstIndex = operand.getOperandNumber();
      continue;
    }
    auto firstType = cast<RankedTensorType>(first.getType());
    for (int64_t d = 0; d < type.getRank() && d < firstType.getRank(); ++d) {
      if (!type.isDynamicDim(d) && !firstType.isDynamicDim(d))
        continue;
      assertEq(
          b, op->getLoc(), dimValue(b, op->getLoc(), operand.get(), d),
          dimValue(b, op->getLoc(), first, d),
          describe(op,
                   (llvm::Twine("dimension ") + llvm::Twine(d) +
                    " of operand #" + llvm::Twine(operand.getOperandNumber()) +
                    " differs from that of operand #" + llvm::Twine(firstIndex))
                       .str()));
    }
  }
}

/// Every operand dimension that indexes one loop of a linalg op has one
/// size. Ops whose maps are not (projected) permutations, up to constant
/// results, are left alone.
/// `e` as sum(coeffs[d] * d) + constant with coefficients and constant not
/// negative (conv's d0 + d1, a stride's 2 * d0, a constant row), or false.
bool nonNegativeLinear(AffineExpr e, SmallVectorImpl<int64_t> &coeffs,
                       int64_t &constant) {
  if (auto dim = dyn_cast<AffineDimExpr>(e)) {
    ++coeffs[dim.getPosition()];
    return true;
  }
  if (auto c = dyn_cast<AffineConstantExpr>(e)) {
    constant += c.getValue();
    return c.getValue() >= 0;
  }
  auto bin = dyn_cast<AffineBinaryOpExpr>(e);
  if (!bin)
    return false;
  if (bin.getKind() == AffineExprKind::Add)
    return nonNegativeLinear(bin.getLHS(), coeffs, constant) &&
           nonNegativeLinear(bin.getRHS(), coeffs, constant);
  if (bin.getKind() == AffineExprKind::Mul) {
    auto factor = dyn_cast<AffineConstantExpr>(bin.getRHS());
    auto dim = dyn_cast<AffineDimExpr>(bin.getLHS());
    if (!factor || !dim || factor.getValue() < 0)
      return false;
    coeffs[dim.getPosition()] += factor.getValue();
    return true;
  }
  return false;
}

void checkLinalg(OpBuilder &b, linalg::LinalgOp op) {
  if (!op.hasPureTensorSemantics())
    return;
  Location loc = op.getLoc();
  // The first operand dimension seen for each loop.
  DenseMap<unsigned, std::pair<OpOperand *, unsigned>> first;
  for (OpOperand &operand : op->getOpOperands()) {
    auto type = dyn_cast<RankedTensorType>(operand.get().getType());
    if (!type)
      continue;
    AffineMap map = op.getMatchingIndexingMap(&operand);
    for (auto [r, e] : llvm::enumerate(map.getResults())) {
      auto dimExpr = dyn_cast<AffineDimExpr>(e);
      if (!dimExpr)
        continue;
      auto [it, inserted] =
          first.try_emplace(dimExpr.getPosition(), &operand, unsigned(r));
      if (inserted)
        continue;
      auto [otherOperand, otherDim] = it->second;
      auto otherType = cast<RankedTensorType>(otherOperand->get().getType());
      if (!type.isDynamicDim(r) && !otherType.isDynamicDim(otherDim))
        continue;
      assertEq(b, loc, dimValue(b, loc, operand.get(), r),
               dimValue(b, loc, otherOperand->get(), otherDim),
               describe(op, (llvm::Twine("dimension ") + llvm::Twine(r) +
                             " of operand #" +
                             llvm::Twine(operand.getOperandNumber()) +
                             " differs from dimension " +
                             llvm::Twine(otherDim) + " of operand #" +
                             llvm::Twine(otherOperand->getOperandNumber()))
                                .str()));
    }
  }
  // An operand dimension indexed by more than a loop (a convolution's
  // x[i + k], a constant row's x[0, j]) reaches its largest index at the last
  // iteration of each loop it uses: that index must be inside it, unless the
  // loops run no iteration at all. The loops' sizes are those of the
  // dimensions that index them alone; where a loop has none, or the index
  // is not a sum of loops with coefficients not negative, it is not checked.
  unsigned numLoops = op.getNumLoops();
  // The loops' sizes and whether any is 0, built once when first needed.
  SmallVector<Value> loopSizes;
  Value anyEmpty;
  auto buildLoopSizes = [&] {
    Value zero = arith::ConstantIndexOp::create(b, loc, 0);
    anyEmpty = arith::ConstantIntOp::create(b, loc, 0, 1);
    for (unsigned d = 0; d < numLoops; ++d) {
      auto it = first.find(d);
      if (it == first.end()) {
        loopSizes.push_back({});
        continue;
      }
      Value size = dimValue(b, loc, it->second.first->get(), it->second.second);
      anyEmpty = arith::OrIOp::create(
          b, loc, anyEmpty,
          arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, size, zero));
      loopSizes.push_back(size);
    }
  };
  for (OpOperand &operand : op->getOpOperands()) {
    auto type = dyn_cast<RankedTensorType>(operand.get().getType());
    if (!type)
      continue;
    AffineMap map = op.getMatchingIndexingMap(&operand);
    for (auto [r, e] : llvm::enumerate(map.getResults())) {
      if (isa<AffineDimExpr>(e))
        continue;
      SmallVector<int64_t> coeffs(numLoops, 0);
      int64_t constant = 0;
      if (!nonNegativeLinear(e, coeffs, constant))
        continue;
      // Every loop it uses needs a size.
      bool known = true;
      for (unsigned d = 0; d < numLoops; ++d)
        known &= coeffs[d] == 0 || first.count(d);
      if (!known)
        continue;
      if (!anyEmpty)
        buildLoopSizes();
      Value one = arith::ConstantIndexOp::create(b, loc, 1);
      Value last = arith::ConstantIndexOp::create(b, loc, constant);
      for (unsigned d = 0; d < numLoops; ++d) {
        if (coeffs[d] == 0)
          continue;
        Value top = arith::MulIOp::create(
            b, loc, arith::SubIOp::create(b, loc, loopSizes[d], one),
            arith::ConstantIndexOp::create(b, loc, coeffs[d]));
        last = arith::AddIOp::create(b, loc, last, top);
      }
      Value inside =
          arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, last,
                                dimValue(b, loc, operand.get(), r));
      std::string exprText;
      llvm::raw_string_ostream os(exprText);
      e.print(os);
      cf::AssertOp::create(
          b, loc, arith::OrIOp::create(b, loc, anyEmpty, inside),
          describe(op, (llvm::Twine("index ") + exprText + " of dimension " +
                        llvm::Twine(r) + " of operand #" +
                        llvm::Twine(operand.getOperandNumber()) +
                        " runs past its size")
                           .str()));
    }
  }
}

/// A cast to a static size from a dynamic one.
void checkCast(OpBuilder &b, tensor::CastOp op) {
  auto source = dyn_cast<RankedTensorType>(op.getSource().getType());
  auto dest = dyn_cast<RankedTensorType>(op.getType());
  if (!source || !dest)
    return;
  for (int64_t d = 0; d < dest.getRank(); ++d) {
    if (dest.isDynamicDim(d) || !source.isDynamicDim(d))
      continue;
    Location loc = op.getLoc();
    assertEq(b, loc, dimValue(b, loc, op.getSource(), d),
             arith::ConstantIndexOp::create(b, loc, dest.getDimSize(d)),
             describe(op, (llvm::Twine("dimension ") + llvm::Twine(d) +
                           " of the source is not " +
                           llvm::Twine(dest.getDimSize(d)))
                              .str()));
  }
}

/// `sizes` multiplied, with whether no step overflowed int64_t (sizes
/// that multiply to 2^64 would pass for 0). A size that is not positive
/// cannot overflow (a negative one fails its own check).
std::pair<Value, Value> checkedProduct(OpBuilder &b, Location loc,
                                       ArrayRef<Value> sizes) {
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  Value noOverflow = arith::ConstantIntOp::create(b, loc, 1, 1);
  if (sizes.empty())
    return {one, noOverflow};
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value maxIndex = arith::ConstantIndexOp::create(
      b, loc, std::numeric_limits<int64_t>::max());
  // Folded where sizes are constants (an element's byte count).
  Value product = sizes.front();
  for (Value size : sizes.drop_front()) {
    Value notPositive = b.createOrFold<arith::CmpIOp>(
        loc, arith::CmpIPredicate::sle, size, zero);
    Value limit = b.createOrFold<arith::DivSIOp>(
        loc, maxIndex, b.createOrFold<arith::MaxSIOp>(loc, size, one));
    Value fits = b.createOrFold<arith::OrIOp>(
        loc, notPositive,
        b.createOrFold<arith::CmpIOp>(loc, arith::CmpIPredicate::sle, product,
                                      limit));
    noOverflow = b.createOrFold<arith::AndIOp>(loc, noOverflow, fits);
    product = b.createOrFold<arith::MulIOp>(loc, product, size);
  }
  return {product, noOverflow};
}

/// `product` (of checkedProduct) equals `expected`.
Value productEquals(OpBuilder &b, Location loc, std::pair<Value, Value> product,
                    Value expected) {
  Value equal = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq,
                                      product.first, expected);
  return arith::AndIOp::create(b, loc, product.second, equal);
}

/// The sizes given to tensor.expand_shape multiply to the source's.
void checkExpandShape(OpBuilder &b, tensor::ExpandShapeOp op) {
  auto source = op.getSrcType();
  SmallVector<OpFoldResult> outShape = op.getMixedOutputShape();
  Location loc = op.getLoc();
  for (auto [d, group] : llvm::enumerate(op.getReassociationIndices())) {
    bool dynamic = source.isDynamicDim(d);
    for (int64_t r : group)
      dynamic |= op.getResultType().isDynamicDim(r);
    if (!dynamic)
      continue;
    SmallVector<Value> sizes;
    for (int64_t r : group)
      sizes.push_back(getValueOrCreateConstantIndexOp(b, loc, outShape[r]));
    cf::AssertOp::create(
        b, loc,
        productEquals(b, loc, checkedProduct(b, loc, sizes),
                      dimValue(b, loc, op.getSrc(), d)),
        describe(op,
                 (llvm::Twine("the sizes of result dimensions ") +
                  llvm::Twine(group.front()) + " to " +
                  llvm::Twine(group.back()) + " do not multiply to dimension " +
                  llvm::Twine(d) + " of the source")
                     .str()));
  }
}

/// The sizes given to tensor.reshape are not negative, equal the result's
/// static sizes, and multiply to the source's element count (the lowering
/// reads the shape as it is: a larger count read past the source).
void checkReshape(OpBuilder &b, tensor::ReshapeOp op) {
  auto source = dyn_cast<RankedTensorType>(op.getSource().getType());
  auto result = op.getResultType();
  // Both static: the verifier has compared the counts. (A static source
  // with a dynamic result is not: a larger shape read past the source.)
  if (!source || (source.hasStaticShape() && result.hasStaticShape()))
    return;
  Location loc = op.getLoc();
  Value count = arith::ConstantIndexOp::create(b, loc, 1);
  for (int64_t d = 0; d < source.getRank(); ++d)
    count = arith::MulIOp::create(b, loc, count,
                                  dimValue(b, loc, op.getSource(), d));
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  SmallVector<Value> sizes;
  for (int64_t d = 0; d < result.getRank(); ++d) {
    Value size = tensor::ExtractOp::create(
        b, loc, op.getShape(),
        ValueRange{arith::ConstantIndexOp::create(b, loc, d)});
    if (!size.getType().isIndex())
      size = arith::IndexCastOp::create(b, loc, b.getIndexType(), size);
    if (!result.isDynamicDim(d)) {
      assertEq(b, loc, size,
               arith::ConstantIndexOp::create(b, loc, result.getDimSize(d)),
               describe(op, (llvm::Twine("size ") + llvm::Twine(d) +
                             " of the shape is not " +
                             llvm::Twine(result.getDimSize(d)))
                                .str()));
    } else {
      cf::AssertOp::create(
          b, loc,
          arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge, size, zero),
          describe(op, (llvm::Twine("size ") + llvm::Twine(d) +
                        " of the shape is negative")
                           .str()));
    }
    sizes.push_back(size);
  }
  cf::AssertOp::create(
      b, loc, productEquals(b, loc, checkedProduct(b, loc, sizes), count),
      describe(op, "the sizes of the shape do not multiply to the source's "
                   "element count"));
}

/// `0 <= v < size`.
Value inBounds(OpBuilder &b, Location loc, Value v, Value size) {
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value lo = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge, v, zero);
  Value hi = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, v, size);
  return arith::AndIOp::create(b, loc, lo, hi);
}

/// Sizes (or paddings) given at run time are not negative: tensor.empty of
/// -1 elements made an empty buffer and a result of wrong sizes.
void checkNonNegative(OpBuilder &b, Operation *op, ValueRange values,
                      StringRef what) {
  Location loc = op->getLoc();
  Value zero;
  for (auto [i, v] : llvm::enumerate(values)) {
    // A size of a tensor, or a constant that is not, cannot be.
    std::optional<int64_t> constant = getConstantIntValue(v);
    if (v.getDefiningOp<tensor::DimOp>() || (constant && *constant >= 0))
      continue;
    if (!zero)
      zero = arith::ConstantIndexOp::create(b, loc, 0);
    cf::AssertOp::create(
        b, loc,
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge, v, zero),
        describe(op, (what + " #" + llvm::Twine(i) + " is negative").str()));
  }
}

/// A dimension index given at run time is below the rank (tensor.dim of
/// another index is undefined: it read the stack).
void checkDim(OpBuilder &b, tensor::DimOp op) {
  auto type = dyn_cast<RankedTensorType>(op.getSource().getType());
  if (!type || op.getConstantIndex())
    return;
  Location loc = op.getLoc();
  cf::AssertOp::create(
      b, loc,
      inBounds(b, loc, op.getIndex(),
               arith::ConstantIndexOp::create(b, loc, type.getRank())),
      describe(op, (llvm::Twine("index is not a dimension of the rank-") +
                    llvm::Twine(type.getRank()) + " source")
                       .str()));
}

/// A slice of `tensor` (extract_slice's source, insert_slice's destination)
/// lies inside it: in each dimension the size is not negative and, unless
/// it is 0, the first and the last index are in bounds.
void checkSlice(OpBuilder &b, OffsetSizeAndStrideOpInterface op, Value tensor,
                StringRef what) {
  Location loc = op.getLoc();
  auto type = cast<RankedTensorType>(tensor.getType());
  for (int64_t d = 0; d < type.getRank(); ++d) {
    OpFoldResult offset = op.getMixedOffsets()[d];
    OpFoldResult size = op.getMixedSizes()[d];
    OpFoldResult stride = op.getMixedStrides()[d];
    // All static: the verifier has checked it.
    if (!type.isDynamicDim(d) && isa<Attribute>(offset) &&
        isa<Attribute>(size) && isa<Attribute>(stride))
      continue;
    Value o = getValueOrCreateConstantIndexOp(b, loc, offset);
    Value n = getValueOrCreateConstantIndexOp(b, loc, size);
    Value st = getValueOrCreateConstantIndexOp(b, loc, stride);
    Value dim = dimValue(b, loc, tensor, d);
    Value zero = arith::ConstantIndexOp::create(b, loc, 0);
    Value one = arith::ConstantIndexOp::create(b, loc, 1);
    Value last = arith::AddIOp::create(
        b, loc, o,
        arith::MulIOp::create(b, loc, arith::SubIOp::create(b, loc, n, one),
                              st));
    Value inside = arith::AndIOp::create(b, loc, inBounds(b, loc, o, dim),
                                         inBounds(b, loc, last, dim));
    Value empty =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, n, zero);
    Value nonNegative =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge, n, zero);
    Value ok = arith::AndIOp::create(
        b, loc, nonNegative, arith::OrIOp::create(b, loc, empty, inside));
    cf::AssertOp::create(
        b, loc, ok,
        describe(op, (llvm::Twine("the slice runs out of dimension ") +
                      llvm::Twine(d) + " of the " + what)
                         .str()));
  }
}

/// The source of an insert_slice has the slice's sizes (the copy takes the
/// source's: a larger one wrote past the slice, a smaller one left part of
/// it as it was). Unit dimensions that a rank-reducing insert drops are
/// static.
void checkInsertedSource(OpBuilder &b, OffsetSizeAndStrideOpInterface op,
                         Value source, const llvm::SmallBitVector &dropped) {
  Location loc = op.getLoc();
  auto type = cast<RankedTensorType>(source.getType());
  int64_t s = 0;
  for (auto [d, size] : llvm::enumerate(op.getMixedSizes())) {
    if (dropped.test(d))
      continue;
    int64_t sd = s++;
    if (sd >= type.getRank() ||
        (!type.isDynamicDim(sd) && isa<Attribute>(size)))
      continue;
    assertEq(b, loc, dimValue(b, loc, source, sd),
             getValueOrCreateConstantIndexOp(b, loc, size),
             describe(op, (llvm::Twine("dimension ") + llvm::Twine(sd) +
                           " of the source differs from size " +
                           llvm::Twine(d) + " of the slice")
                              .str()));
  }
}

/// The inputs of tensor.concat agree in every dimension but the one they
/// are joined along (the copies take each input's own sizes).
void checkConcat(OpBuilder &b, tensor::ConcatOp op) {
  Location loc = op.getLoc();
  Value first = op.getInputs().front();
  auto firstType = cast<RankedTensorType>(first.getType());
  for (auto [i, input] : llvm::enumerate(op.getInputs())) {
    auto type = cast<RankedTensorType>(input.getType());
    for (int64_t d = 0; d < type.getRank(); ++d) {
      if (i == 0 || d == static_cast<int64_t>(op.getDim()) ||
          (!type.isDynamicDim(d) && !firstType.isDynamicDim(d)))
        continue;
      assertEq(b, loc, dimValue(b, loc, input, d), dimValue(b, loc, first, d),
               describe(op, (llvm::Twine("dimension ") + llvm::Twine(d) +
                             " of operand #" + llvm::Twine(i) +
                             " differs from that of operand #0")
                                .str()));
    }
  }
}

/// The step of a loop given at run time is positive (scf.for with a step of
/// 0 or below ran forever; scf.forall divided by it).
void checkSteps(OpBuilder &b, Operation *op, ArrayRef<OpFoldResult> steps) {
  Location loc = op->getLoc();
  for (auto [d, step] : llvm::enumerate(steps)) {
    if (getConstantIntValue(step))
      continue; // The verifier requires a constant step to be positive.
    Value v = getValueOrCreateConstantIndexOp(b, loc, step);
    Value zero = arith::ConstantOp::create(b, loc, b.getZeroAttr(v.getType()));
    cf::AssertOp::create(
        b, loc,
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sgt, v, zero),
        describe(op, steps.size() == 1 ? std::string("step is not positive")
                                       : (llvm::Twine("step ") +
                                          llvm::Twine(d) + " is not positive")
                                             .str()));
  }
}

/// Whether `index` is in [0, size of dimension d of `type`) by
/// construction: a constant in range, or the index of a linalg loop of
/// static size at most the dimension's (`table[i, linalg.index 1]`).
bool inBoundsByConstruction(Value index, RankedTensorType type, int64_t d) {
  if (type.isDynamicDim(d))
    return false;
  int64_t size = type.getDimSize(d);
  APInt constant;
  if (matchPattern(index, m_ConstantInt(&constant)))
    return constant.getSExtValue() >= 0 && constant.getSExtValue() < size;
  if (auto loopIndex = index.getDefiningOp<linalg::IndexOp>())
    if (auto linalgOp = loopIndex->getParentOfType<linalg::LinalgOp>()) {
      SmallVector<int64_t> ranges = linalgOp.getStaticLoopRanges();
      int64_t range = ranges[loopIndex.getDim()];
      return !ShapedType::isDynamic(range) && range <= size;
    }
  return false;
}

/// The indices of tensor.extract / tensor.insert are in bounds.
void checkIndices(OpBuilder &b, Operation *op, Value tensor,
                  ValueRange indices) {
  Location loc = op->getLoc();
  auto type = cast<RankedTensorType>(tensor.getType());
  for (auto [d, index] : llvm::enumerate(indices)) {
    if (inBoundsByConstruction(index, type, d))
      continue;
    cf::AssertOp::create(b, loc,
                         inBounds(b, loc, index, dimValue(b, loc, tensor, d)),
                         describe(op, (llvm::Twine("index ") + llvm::Twine(d) +
                                       " is out of bounds")
                                          .str()));
  }
}

/// Integer division and remainder: x86's idiv traps (SIGFPE) on a zero
/// divisor and on the most negative value divided by -1, and LLVM makes
/// both undefined, so they are states of the program's values to report.
bool isIntegerDivision(Operation *op) {
  return isa<arith::DivSIOp, arith::DivUIOp, arith::RemSIOp, arith::RemUIOp,
             arith::CeilDivSIOp, arith::CeilDivUIOp, arith::FloorDivSIOp>(op);
}

/// The divisor of a scalar integer division is not zero and, for a signed
/// one, the quotient fits (not MIN / -1).
void checkDivision(OpBuilder &b, Operation *op) {
  Location loc = op->getLoc();
  Value lhs = op->getOperand(0), rhs = op->getOperand(1);
  Type type = rhs.getType();
  APInt divisor;
  bool constant = matchPattern(rhs, m_ConstantInt(&divisor));
  if (!constant || divisor.isZero()) {
    Value zero = arith::ConstantOp::create(b, loc, b.getZeroAttr(type));
    cf::AssertOp::create(
        b, loc,
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, rhs, zero),
        describe(op, "divides by zero"));
  }
  bool isSigned = isa<arith::DivSIOp, arith::RemSIOp, arith::CeilDivSIOp,
                      arith::FloorDivSIOp>(op);
  if (!isSigned || (constant && !divisor.isAllOnes()))
    return;
  unsigned width = type.isIndex() ? 64 : type.getIntOrFloatBitWidth();
  Value min = arith::ConstantOp::create(
      b, loc, b.getIntegerAttr(type, APInt::getSignedMinValue(width)));
  Value minusOne = arith::ConstantOp::create(
      b, loc, b.getIntegerAttr(type, APInt::getAllOnes(width)));
  Value isMin =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, lhs, min);
  Value byMinusOne =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, rhs, minusOne);
  Value overflows = arith::AndIOp::create(b, loc, isMin, byMinusOne);
  Value fits = arith::XOrIOp::create(
      b, loc, overflows, arith::ConstantIntOp::create(b, loc, 1, 1));
  cf::AssertOp::create(b, loc, fits,
                       describe(op, "overflows: the most negative value "
                                    "divided by -1"));
}

/// Whether `op` at most reads memory and has no regions: it may run before
/// the checks.
bool onlyReads(Operation *op) {
  if (op->getNumRegions() != 0)
    return false;
  if (isMemoryEffectFree(op))
    return true;
  auto effects = dyn_cast<MemoryEffectOpInterface>(op);
  return effects && effects.onlyHasEffect<MemoryEffects::Read>();
}

/// Whether `op` may move to the top of its function: it only reads and
/// computes scalars (not tensors or buffers: no sampling moves in front of
/// the checks). A read there sees the arguments' buffers before the
/// function writes anything, which is what the tensor program's value
/// semantics said.
bool isHoistable(Operation *op) {
  // linalg.index is the iteration of its linalg op, not a value of the
  // function.
  if (isa<linalg::IndexOp>(op))
    return false;
  return onlyReads(op) && llvm::none_of(op->getResultTypes(), [](Type t) {
           return isa<ShapedType>(t);
         });
}

/// The entry checks of `callee` (those before anything that writes in its
/// entry block), in terms of its arguments.
SmallVector<cf::AssertOp> entryChecks(func::FuncOp callee) {
  SmallVector<cf::AssertOp> checks;
  if (callee.isExternal())
    return checks;
  for (Operation &op : callee.getBody().front()) {
    if (auto check = dyn_cast<cf::AssertOp>(op)) {
      checks.push_back(check);
      continue;
    }
    if (!onlyReads(&op))
      break;
  }
  return checks;
}

/// The ops that compute `value` from the arguments of `entry`, operands
/// before users, or failure if it depends on anything else: values defined
/// in other blocks, ops with regions or that write.
FailureOr<SmallVector<Operation *>> sliceFromArguments(Value value,
                                                       Block *entry) {
  SmallVector<Operation *> slice;
  llvm::DenseSet<Operation *> seen;
  std::function<bool(Value)> visit = [&](Value v) {
    if (auto arg = dyn_cast<BlockArgument>(v))
      return arg.getOwner() == entry;
    Operation *def = v.getDefiningOp();
    if (seen.contains(def))
      return true;
    if (!isHoistable(def))
      return false;
    for (Value operand : def->getOperands())
      if (!visit(operand))
        return false;
    seen.insert(def);
    slice.push_back(def);
    return true;
  };
  if (!visit(value))
    return failure();
  return slice;
}

/// Copies `check` of `callee` before `call`, with the call's operands for the
/// callee's arguments.
bool instantiateAtCall(OpBuilder &b, func::CallOp call, func::FuncOp callee,
                       cf::AssertOp check) {
  Block *entry = &callee.getBody().front();
  FailureOr<SmallVector<Operation *>> slice =
      sliceFromArguments(check.getArg(), entry);
  if (failed(slice))
    return false;
  IRMapping map;
  map.map(entry->getArguments(), call.getOperands());
  for (Operation *op : *slice)
    b.clone(*op, map);
  copyCheck(b, call.getLoc(), check, map.lookup(check.getArg()),
            describe(call, ("calls @" + callee.getSymName() + ", where " +
                            check.getMsg())
                               .str()));
  return true;
}

/// Whether `op` runs only on some paths through `func`: in a branch of an
/// scf.if or scf.index_switch, the body of an scf.while, or a block other
/// than the first of its region. A check there stays (`if b != 0 { a / b }`
/// is valid for b = 0). Loops count as running, as sizes are assumed to
/// allow any number of iterations elsewhere.
bool isConditional(Operation *op, func::FuncOp func) {
  for (; op != func; op = op->getParentOp()) {
    if (op->getBlock() != &op->getParentRegion()->front())
      return true;
    Operation *parent = op->getParentOp();
    if (isa<scf::IfOp, scf::IndexSwitchOp>(parent))
      return true;
    if (auto loop = dyn_cast<scf::WhileOp>(parent);
        loop && op->getParentRegion() == &loop.getAfter())
      return true;
  }
  return false;
}

/// Where `check` can move to the top of the entry block: copies it there
/// (after `cursor`, which then moves past it) and erases it.
bool hoistToEntry(cf::AssertOp check, Block *entry, OpBuilder &b) {
  FailureOr<SmallVector<Operation *>> slice =
      sliceFromArguments(check.getArg(), entry);
  if (failed(slice))
    return false;
  IRMapping map;
  for (Operation *op : *slice)
    b.clone(*op, map);
  copyCheck(b, check.getLoc(), check, map.lookupOrDefault(check.getArg()),
            check.getMsg());
  check->erase();
  return true;
}

/// Moves every check of `func` that can go to the top of its entry block
/// there, in program order (so a callee's instantiated checks, already at
/// the entry, stay in front).
void hoistAllToEntry(func::FuncOp func) {
  Block *entry = &func.getBody().front();
  OpBuilder b = OpBuilder::atBlockBegin(entry);
  SmallVector<cf::AssertOp> checks;
  func.walk([&](cf::AssertOp check) {
    if (!isConditional(check, func))
      checks.push_back(check);
  });
  for (cf::AssertOp check : checks)
    (void)hoistToEntry(check, entry, b);
}

//===----------------------------------------------------------------------===//
// Sizes in terms of the arguments
//===----------------------------------------------------------------------===//

/// A dimension of a tensor value.
using DimOf = std::pair<Value, int64_t>;

/// Follows a dimension of a value back to the dimension it has the size of,
/// as far as the ops tell: through elementwise ops, destination-passing ops
/// (to their init), `tensor.empty` (to the `tensor.dim` that sized it),
/// casts, sto ops, calls (through the callee's returned value) and the
/// values a `scf.for` carries when its body keeps their size.
class DimRoots {
public:
  explicit DimRoots(SymbolTableCollection &symbols) : symbols(symbols) {}

  DimOf root(Value v, int64_t d) {
    DimOf current = {v, d};
    // Each step goes to an earlier value; the bound only guards cycles
    // through calls.
    for (int i = 0; i < 256; ++i) {
      DimOf next = step(current.first, current.second);
      if (next == current)
        break;
      current = next;
    }
    return current;
  }

private:
  DimOf step(Value v, int64_t d) {
    DimOf same = {v, d};
    auto type = dyn_cast<RankedTensorType>(v.getType());
    if (!type || d < 0 || d >= type.getRank())
      return same;
    if (auto arg = dyn_cast<BlockArgument>(v)) {
      auto loop = dyn_cast<scf::ForOp>(arg.getOwner()->getParentOp());
      if (!loop || arg.getArgNumber() == 0)
        return same;
      return throughLoop(loop, arg.getArgNumber() - 1, d).value_or(same);
    }
    Operation *def = v.getDefiningOp();
    auto result = cast<OpResult>(v);
    if (auto loop = dyn_cast<scf::ForOp>(def))
      return throughLoop(loop, result.getResultNumber(), d).value_or(same);
    if (auto empty = dyn_cast<tensor::EmptyOp>(def)) {
      if (!type.isDynamicDim(d))
        return same;
      auto dim = empty.getDynamicSize(d).getDefiningOp<tensor::DimOp>();
      std::optional<int64_t> index =
          dim ? dim.getConstantIndex() : std::nullopt;
      return index ? DimOf{dim.getSource(), *index} : same;
    }
    if (def->hasTrait<OpTrait::Elementwise>()) {
      for (Value operand : def->getOperands())
        if (isa<RankedTensorType>(operand.getType()))
          return {operand, d};
      return same;
    }
    if (auto dps = dyn_cast<DestinationStyleOpInterface>(def))
      if (OpOperand *init = dps.getTiedOpOperand(result))
        return {init->get(), d};
    if (auto castOp = dyn_cast<tensor::CastOp>(def))
      return {castOp.getSource(), d};
    if (isa<StoDialect>(def->getDialect()))
      return getResultDimSource(result, d).value_or(same);
    if (auto call = dyn_cast<func::CallOp>(def))
      return throughCall(call, result.getResultNumber(), d).value_or(same);
    return same;
  }

  /// Iteration `i`'s value of `loop`, if the body yields it with the size it
  /// came in with: then it has the init's size.
  std::optional<DimOf> throughLoop(scf::ForOp loop, unsigned i, int64_t d) {
    BlockArgument iterArg = loop.getRegionIterArg(i);
    if (!inLoop.insert(iterArg).second)
      return std::nullopt; // Asked from within its own body: it is the root.
    Value yielded = loop.getYieldedValues()[i];
    bool kept = root(yielded, d) == DimOf{iterArg, d};
    inLoop.erase(iterArg);
    if (!kept)
      return std::nullopt;
    return DimOf{loop.getInitArgs()[i], d};
  }

  /// Result `i` of `call`, if every return of the callee gives a size of
  /// one of its arguments.
  std::optional<DimOf> throughCall(func::CallOp call, unsigned i, int64_t d) {
    auto callee = symbols.lookupNearestSymbolFrom<func::FuncOp>(
        call, call.getCalleeAttr());
    if (!callee || callee.isExternal() || !inCall.insert(callee).second)
      return std::nullopt;
    std::optional<DimOf> found;
    bool agree = true;
    callee.walk([&](func::ReturnOp ret) {
      DimOf r = root(ret.getOperand(i), d);
      auto arg = dyn_cast<BlockArgument>(r.first);
      if (!arg || arg.getOwner() != &callee.getBody().front() ||
          (found && found->first != call.getOperand(arg.getArgNumber())) ||
          (found && found->second != r.second)) {
        agree = false;
        return;
      }
      found = DimOf{call.getOperand(arg.getArgNumber()), r.second};
    });
    inCall.erase(callee);
    if (!agree)
      return std::nullopt;
    return found;
  }

  SymbolTableCollection &symbols;
  llvm::DenseSet<Value> inLoop;
  llvm::DenseSet<Operation *> inCall;
};

/// `tensor.dim` of a value becomes `tensor.dim` of the value it has the size
/// of (DimRoots).
struct DimToRoot : public OpRewritePattern<tensor::DimOp> {
  DimToRoot(MLIRContext *ctx, DimRoots &roots)
      : OpRewritePattern(ctx), roots(roots) {}
  LogicalResult matchAndRewrite(tensor::DimOp op,
                                PatternRewriter &rewriter) const override {
    std::optional<int64_t> d = op.getConstantIndex();
    if (!d)
      return failure();
    DimOf r = roots.root(op.getSource(), *d);
    if (r == DimOf{op.getSource(), *d})
      return failure();
    auto type = cast<RankedTensorType>(r.first.getType());
    if (!type.isDynamicDim(r.second))
      rewriter.replaceOpWithNewOp<arith::ConstantIndexOp>(
          op, type.getDimSize(r.second));
    else
      rewriter.replaceOpWithNewOp<tensor::DimOp>(op, r.first, r.second);
    return success();
  }
  DimRoots &roots;
};

enum class Visit { InProgress, Done };

struct StoInsertShapeChecks
    : public sto::impl::StoInsertShapeChecksBase<StoInsertShapeChecks> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SymbolTableCollection symbols;
    // Callees first, so that a call site can repeat its callee's checks.
    DenseMap<Operation *, Visit> state;
    std::function<void(func::FuncOp)> visit = [&](func::FuncOp func) {
      if (state.count(func))
        return;
      state[func] = Visit::InProgress;
      func.walk([&](func::CallOp call) {
        if (auto callee = symbols.lookupNearestSymbolFrom<func::FuncOp>(
                call, call.getCalleeAttr()))
          visit(callee);
      });
      process(func, symbols, state);
      state[func] = Visit::Done;
    };
    for (auto func : module.getOps<func::FuncOp>())
      visit(func);

    // A private function whose every use is a call that repeats its checks
    // needs none of its own.
    for (auto func : module.getOps<func::FuncOp>()) {
      if (!func.isPrivate() || func.isExternal() || entryChecks(func).empty())
        continue;
      std::optional<SymbolTable::UseRange> uses = func.getSymbolUses(module);
      if (uses && llvm::all_of(*uses, [&](const SymbolTable::SymbolUse &use) {
            auto call = dyn_cast<func::CallOp>(use.getUser());
            return call && call->hasAttr(kCheckedAtCalls);
          }))
        func->setAttr(kCheckedAtCalls, UnitAttr::get(func.getContext()));
    }
    module.walk([](func::CallOp call) { call->removeAttr(kCheckedAtCalls); });
  }

  void process(func::FuncOp func, SymbolTableCollection &symbols,
               DenseMap<Operation *, Visit> &state) {
    if (func.isExternal())
      return;
    // The model's own asserts; every other one is made here.
    llvm::DenseSet<Operation *> own;
    func.walk([&](cf::AssertOp check) { own.insert(check); });
    // Inside linalg bodies, only the element reads at indices computed
    // from data (an embedding lookup, a gather): the rest is in bounds by
    // the loops' construction, checked on the op.
    SmallVector<Operation *> ops;
    func.walk([&](Operation *op) {
      if (!op->getParentOfType<linalg::LinalgOp>() ||
          isa<tensor::ExtractOp>(op))
        ops.push_back(op);
    });
    for (Operation *op : ops) {
      OpBuilder b(op);
      if (isa<StoDialect>(op->getDialect())) {
        if (auto verifiable = dyn_cast<RuntimeVerifiableOpInterface>(op))
          verifiable.generateRuntimeVerification(
              b, op->getLoc(),
              [](Operation *o, StringRef what) { return describe(o, what); });
      } else if (auto linalgOp = dyn_cast<linalg::LinalgOp>(op)) {
        checkLinalg(b, linalgOp);
      } else if (auto cast = dyn_cast<tensor::CastOp>(op)) {
        checkCast(b, cast);
      } else if (auto expand = dyn_cast<tensor::ExpandShapeOp>(op)) {
        checkExpandShape(b, expand);
      } else if (auto dim = dyn_cast<tensor::DimOp>(op)) {
        checkDim(b, dim);
      } else if (auto empty = dyn_cast<tensor::EmptyOp>(op)) {
        checkNonNegative(b, empty, empty.getDynamicSizes(), "dynamic size");
      } else if (auto generate = dyn_cast<tensor::GenerateOp>(op)) {
        checkNonNegative(b, generate, generate.getDynamicExtents(),
                         "dynamic size");
      } else if (auto splat = dyn_cast<tensor::SplatOp>(op)) {
        checkNonNegative(b, splat, splat.getDynamicSizes(), "dynamic size");
      } else if (auto pad = dyn_cast<tensor::PadOp>(op)) {
        checkNonNegative(b, pad, pad.getLow(), "dynamic low padding");
        checkNonNegative(b, pad, pad.getHigh(), "dynamic high padding");
      } else if (auto reshape = dyn_cast<tensor::ReshapeOp>(op)) {
        checkReshape(b, reshape);
      } else if (auto extract = dyn_cast<tensor::ExtractSliceOp>(op)) {
        checkSlice(b, extract, extract.getSource(), "source");
      } else if (auto insert = dyn_cast<tensor::InsertSliceOp>(op)) {
        checkSlice(b, insert, insert.getDest(), "destination");
        checkInsertedSource(b, insert, insert.getSource(),
                            insert.getDroppedDims());
      } else if (auto insert = dyn_cast<tensor::ParallelInsertSliceOp>(op)) {
        // Before the terminator that holds it (it takes no other ops).
        b.setInsertionPoint(op->getParentOp());
        checkSlice(b, insert, insert.getDest(), "destination");
        checkInsertedSource(b, insert, insert.getSource(),
                            insert.getDroppedDims());
      } else if (auto concat = dyn_cast<tensor::ConcatOp>(op)) {
        checkConcat(b, concat);
      } else if (auto loop = dyn_cast<scf::ForOp>(op)) {
        checkSteps(b, loop, OpFoldResult(loop.getStep()));
      } else if (auto loop = dyn_cast<scf::ForallOp>(op)) {
        checkSteps(b, loop, loop.getMixedStep());
      } else if (auto loop = dyn_cast<scf::ParallelOp>(op)) {
        checkSteps(b, loop, getAsOpFoldResult(loop.getStep()));
      } else if (auto element = dyn_cast<tensor::ExtractOp>(op)) {
        checkIndices(b, element, element.getTensor(), element.getIndices());
      } else if (auto element = dyn_cast<tensor::InsertOp>(op)) {
        checkIndices(b, element, element.getDest(), element.getIndices());
      } else if (auto call = dyn_cast<func::CallOp>(op)) {
        auto callee = symbols.lookupNearestSymbolFrom<func::FuncOp>(
            call, call.getCalleeAttr());
        // A recursive callee's checks are not known yet; it keeps them.
        if (!callee || callee.isExternal() ||
            state.lookup(callee) != Visit::Done)
          continue;
        bool all = true;
        for (cf::AssertOp check : entryChecks(callee))
          all &= instantiateAtCall(b, call, callee, check);
        if (all)
          call->setAttr(kCheckedAtCalls, UnitAttr::get(call.getContext()));
      } else if (op->hasTrait<OpTrait::Elementwise>() &&
                 llvm::any_of(op->getOperandTypes(), [](Type t) {
                   return isa<RankedTensorType>(t);
                 })) {
        checkElementwise(b, op);
      }
    }

    // Integer division on tensors becomes a linalg.generic now (as
    // convert-elementwise-to-linalg would make it next), so that each
    // element's division is checked where it runs; then every scalar
    // division is, in functions, loops and linalg bodies.
    SmallVector<Operation *> tensorDivisions;
    func.walk([&](Operation *op) {
      if (isIntegerDivision(op) &&
          isa<RankedTensorType>(op->getResultTypes()[0]))
        tensorDivisions.push_back(op);
    });
    if (!tensorDivisions.empty()) {
      RewritePatternSet patterns(func.getContext());
      linalg::populateElementwiseToLinalgConversionPatterns(patterns);
      (void)applyOpPatternsGreedily(tensorDivisions, std::move(patterns));
    }
    func.walk([&](Operation *op) {
      if (isIntegerDivision(op) && op->getResultTypes()[0].isIntOrIndex()) {
        OpBuilder b(op);
        checkDivision(b, op);
      }
    });

    func.walk([&](cf::AssertOp check) {
      if (!own.contains(check))
        check->setAttr(kShapeCheck, UnitAttr::get(check.getContext()));
    });

    // Sizes of results in terms of the arguments' sizes, so that checks
    // move to the entry.
    DimRoots roots(symbols);
    RewritePatternSet patterns(func.getContext());
    patterns.add<DimToRoot>(func.getContext(), roots);
    memref::populateResolveRankedShapedTypeResultDimsPatterns(patterns);
    tensor::DimOp::getCanonicalizationPatterns(patterns, func.getContext());
    tensor::EmptyOp::getCanonicalizationPatterns(patterns, func.getContext());
    arith::CmpIOp::getCanonicalizationPatterns(patterns, func.getContext());
    cf::AssertOp::getCanonicalizationPatterns(patterns, func.getContext());
    FrozenRewritePatternSet frozen(std::move(patterns));
    GreedyRewriteConfig config;
    config.setRegionSimplificationLevel(GreedySimplifyRegionLevel::Disabled);
    (void)applyPatternsGreedily(func, frozen, config);

    hoistAllToEntry(func);

    // Equal sizes are now one value: those checks hold, and go.
    IRRewriter rewriter(func.getContext());
    DominanceInfo dominance(func);
    eliminateCommonSubExpressions(rewriter, dominance, func);
    (void)applyPatternsGreedily(func, frozen, config);
    // One check per condition.
    llvm::DenseSet<Value> conditions;
    for (cf::AssertOp check : entryChecks(func))
      if (!conditions.insert(check.getArg()).second)
        check->erase();
  }
};

//===----------------------------------------------------------------------===//
// The guard
//===----------------------------------------------------------------------===//

/// Runs what `onFailure` builds where `check`'s condition is false, in
/// place of the check; what follows runs anyway (a block that cannot be cut
/// short).
void onFailureInPlace(cf::AssertOp check,
                      function_ref<void(OpBuilder &, Location)> onFailure) {
  OpBuilder b(check);
  Location loc = check.getLoc();
  Value failed = arith::XOrIOp::create(
      b, loc, check.getArg(), arith::ConstantIntOp::create(b, loc, 1, 1));
  auto ifOp = scf::IfOp::create(b, loc, failed, /*withElseRegion=*/false);
  b.setInsertionPoint(ifOp.thenBlock()->getTerminator());
  onFailure(b, loc);
}

/// Heap buffers of at least this many bytes, and all of a dynamic size,
/// have their allocation checked.
constexpr int64_t kCheckedAllocationBytes = int64_t(1) << 20;

/// Allocations of a size known at run time, or large: their byte size may
/// not overflow (sizes that multiply to 2^64 would allocate nothing and be
/// written), checked before them as a size check, and what malloc returns
/// may not be null (out of memory: the writes that followed crashed),
/// checked after them with STO_ERROR_RUNTIME. Both then guard the rest of
/// their block like any check.
void insertAllocationChecks(func::FuncOp func) {
  func.walk([&](memref::AllocOp alloc) {
    MemRefType type = alloc.getType();
    Type element = type.getElementType();
    int64_t elementBytes =
        element.isIndex()
            ? 8
            : (element.isIntOrFloat()
                   ? std::max<int64_t>(
                         1, (element.getIntOrFloatBitWidth() + 7) / 8)
                   : 0);
    if (elementBytes == 0)
      return;
    int64_t staticBytes = elementBytes;
    for (int64_t d : type.getShape())
      if (!ShapedType::isDynamic(d) &&
          llvm::MulOverflow(staticBytes, d, staticBytes))
        return; // Refused at compile time (larger than 2^63 bytes).
    if (type.hasStaticShape() && staticBytes < kCheckedAllocationBytes)
      return;
    Location loc = alloc.getLoc();
    std::string what;
    llvm::raw_string_ostream os(what);
    os << "a buffer of type " << type;
    OpBuilder b(alloc);
    if (!type.hasStaticShape()) {
      SmallVector<Value> sizes(alloc.getDynamicSizes());
      sizes.push_back(arith::ConstantIndexOp::create(b, loc, staticBytes));
      auto check = cf::AssertOp::create(
          b, loc, checkedProduct(b, loc, sizes).second,
          locationPrefix(alloc) + what + " would be larger than 2^63 bytes");
      check->setAttr(kShapeCheck, b.getUnitAttr());
    }
    b.setInsertionPointAfter(alloc);
    Value pointer =
        memref::ExtractAlignedPointerAsIndexOp::create(b, loc, alloc);
    Value allocated =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, pointer,
                              arith::ConstantIndexOp::create(b, loc, 0));
    auto check =
        cf::AssertOp::create(b, loc, allocated,
                             locationPrefix(alloc) + "out of memory: " + what +
                                 " could not be allocated");
    check->setAttr(kAllocCheck, b.getUnitAttr());
  });
}

struct StoGuardShapeChecks
    : public sto::impl::StoGuardShapeChecksBase<StoGuardShapeChecks> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    for (auto func : llvm::to_vector(module.getOps<func::FuncOp>())) {
      if (func.isExternal())
        continue;
      insertAllocationChecks(func);
      if (func->hasAttr(kCheckedAtCalls)) {
        // Every caller checks these before its call.
        for (cf::AssertOp check : entryChecks(func))
          check->erase();
        func->removeAttr(kCheckedAtCalls);
      } else {
        guardEntry(func, module);
      }
      routeParallelChecks(func);
      // The rest depend on values computed in the function. Each cuts its
      // block short where it fails (last first, so that an earlier one
      // skips the later ones' guards too); where a block cannot be cut
      // short (it yields buffers), the failure is recorded and the block
      // goes on.
      SmallVector<cf::AssertOp> rest;
      func.walk([&](cf::AssertOp check) { rest.push_back(check); });
      for (cf::AssertOp check : llvm::reverse(rest)) {
        auto record = [&](OpBuilder &b, Location l) {
          buildRecordError(b, l, module, statusOf(check),
                           buildMessagePointer(b, l, module, check.getMsg()));
        };
        if (failed(guardRestOfBlock(check, check.getArg(), record)))
          onFailureInPlace(check, record);
        check->erase();
      }
    }
  }

  /// A parallel loop (or a linalg op: its loops become one) becomes a GPU
  /// kernel or an OpenMP region, whose iterations have no status of their
  /// own to record into. A check there
  /// writes the number of the check that failed into a cell (atomically;
  /// the highest number wins, so the message does not depend on the order
  /// in which iterations ran) and skips the rest of its iteration; after
  /// the loop, one `cf.assert` per check reads the cell, and those are
  /// guarded like any check computed in the function. The cell is a
  /// buffer (device memory for --target=cuda, by sto-host-buffers-to-gpu)
  /// set and read through a copy from and to a stack slot.
  void routeParallelChecks(func::FuncOp func) {
    llvm::MapVector<Operation *, SmallVector<cf::AssertOp>> byLoop;
    func.walk([&](cf::AssertOp check) {
      Operation *outermost = nullptr;
      for (Operation *p = check->getParentOp(); p != func; p = p->getParentOp())
        if (isa<scf::ParallelOp, scf::ForallOp, linalg::LinalgOp>(p))
          outermost = p;
      if (outermost)
        byLoop[outermost].push_back(check);
    });
    for (auto &[loop, checks] : byLoop) {
      Location loc = loop->getLoc();
      OpBuilder b(loop);
      Type i32 = b.getI32Type();
      auto cellType = MemRefType::get({}, i32);
      Value cell = memref::AllocOp::create(b, loc, cellType);
      Value slot = memref::AllocaOp::create(b, loc, cellType);
      Value zero = arith::ConstantIntOp::create(b, loc, i32, 0);
      memref::StoreOp::create(b, loc, zero, slot, ValueRange{});
      memref::CopyOp::create(b, loc, slot, cell);

      // The first check (in the order of the walk) gets the highest code.
      for (auto [index, check] : llvm::enumerate(llvm::reverse(checks))) {
        int32_t code = index + 1;
        auto mark = [&, code](OpBuilder &eb, Location l) {
          Value c = arith::ConstantIntOp::create(eb, l, i32, code);
          memref::AtomicRMWOp::create(eb, l, arith::AtomicRMWKind::maxs, c,
                                      cell, ValueRange{});
        };
        if (failed(guardRestOfBlock(check, check.getArg(), mark)))
          onFailureInPlace(check, mark);
      }

      b.setInsertionPointAfter(loop);
      memref::CopyOp::create(b, loc, cell, slot);
      Value got = memref::LoadOp::create(b, loc, slot, ValueRange{});
      for (auto [index, check] : llvm::enumerate(llvm::reverse(checks))) {
        Value code = arith::ConstantIntOp::create(b, loc, i32, index + 1);
        Value ok =
            arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, got, code);
        auto after =
            cf::AssertOp::create(b, check.getLoc(), ok, check.getMsg());
        after->setAttrs(check->getDiscardableAttrDictionary());
      }
      for (cf::AssertOp check : checks)
        check->erase();
    }
  }

  /// The checks on the arguments' sizes go to the top (bufferization may
  /// have put allocations in front of them), and the rest of the body runs
  /// only if all hold; otherwise the first failure's status and message are
  /// recorded.
  void guardEntry(func::FuncOp func, ModuleOp module) {
    hoistAllToEntry(func);
    SmallVector<cf::AssertOp> checks = entryChecks(func);
    if (checks.empty())
      return;
    Operation *after = checks.back();
    OpBuilder b(after->getContext());
    b.setInsertionPointAfter(after);
    Value ok;
    for (cf::AssertOp check : checks) {
      if (!ok) {
        ok = check.getArg();
        continue;
      }
      after = arith::AndIOp::create(b, after->getLoc(), ok, check.getArg());
      ok = after->getResult(0);
    }
    // The status and message of the first check that failed.
    auto recordFirstFailure = [&](OpBuilder &eb, Location loc) {
      Value message, status;
      for (cf::AssertOp check : llvm::reverse(checks)) {
        Value text = buildMessagePointer(eb, loc, module, check.getMsg());
        Value code = arith::ConstantOp::create(
            eb, loc, eb.getI32IntegerAttr(statusOf(check)));
        if (!message) {
          message = text;
          status = code;
          continue;
        }
        message =
            arith::SelectOp::create(eb, loc, check.getArg(), message, text);
        status = arith::SelectOp::create(eb, loc, check.getArg(), status, code);
      }
      buildRecordError(eb, loc, module, status, message);
    };
    if (failed(guardRestOfBlock(after, ok, recordFirstFailure)))
      return; // They record in place.
    for (cf::AssertOp check : checks)
      check->erase();
  }
};

} // namespace
