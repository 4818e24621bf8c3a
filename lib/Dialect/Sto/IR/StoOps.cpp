//===- StoOps.cpp - sto dialect operations --------------------------------===//
//
// Verifiers, folders, canonicalization patterns and custom assembly of the
// sto ops. Messages name the operand or attribute and the offending value.
//
//===----------------------------------------------------------------------===//

#include "sto/Dialect/Sto/StoOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/IR/PatternMatch.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/MathExtras.h"

#include <cmath>
#include <cstdlib>
#include <limits>

using namespace mlir;
using namespace mlir::sto;

#include "sto/Dialect/Sto/StoInterfaces.cpp.inc"

//===----------------------------------------------------------------------===//
// Helpers
//===----------------------------------------------------------------------===//

namespace {
/// Formats a double for messages with the fewest significant digits that read
/// back as the same value: `1`, `0.1`, `-2.5e-06`, `inf`, `nan`. (Streaming a
/// double into a diagnostic prints `1.000000e+00`.)
std::string formatDouble(double v) {
  if (std::isnan(v))
    return "nan";
  std::string s;
  for (int precision = 1; precision <= 17; ++precision) {
    s.clear();
    llvm::raw_string_ostream(s) << llvm::format("%.*g", precision, v);
    if (std::strtod(s.c_str(), nullptr) == v)
      break;
  }
  return s;
}

/// Formats a shape as `4x?x8` for messages.
std::string shapeStr(ArrayRef<int64_t> shape) {
  std::string s;
  llvm::raw_string_ostream os(s);
  llvm::interleave(
      shape, os,
      [&](int64_t d) {
        if (ShapedType::isDynamic(d))
          os << '?';
        else
          os << d;
      },
      "x");
  return s;
}

/// The product of the static sizes of `shape`, or none if it does not fit
/// int64_t (ShapedType::getNumElements wraps around).
std::optional<int64_t> staticElementCount(ArrayRef<int64_t> shape) {
  if (llvm::is_contained(shape, 0))
    return 0;
  int64_t n = 1;
  for (int64_t d : shape)
    if (!ShapedType::isDynamic(d) && llvm::MulOverflow(n, d, n))
      return std::nullopt;
  return n;
}

/// True when two dimensions may be equal (either is dynamic, or both agree).
bool dimsCompatible(int64_t a, int64_t b) {
  return ShapedType::isDynamic(a) || ShapedType::isDynamic(b) || a == b;
}

bool shapesCompatible(ArrayRef<int64_t> a, ArrayRef<int64_t> b) {
  if (a.size() != b.size())
    return false;
  for (auto [x, y] : llvm::zip(a, b))
    if (!dimsCompatible(x, y))
      return false;
  return true;
}

/// Checks that an f64 attribute is finite and lies in a range. `lowOpen` /
/// `highOpen` make the bounds strict.
LogicalResult checkRange(Operation *op, StringRef name, double v, double lo,
                         double hi, bool lowOpen, bool highOpen) {
  bool ok = std::isfinite(v) && (lowOpen ? v > lo : v >= lo) &&
            (highOpen ? v < hi : v <= hi);
  if (ok)
    return success();
  auto diag = op->emitOpError() << "attribute '" << name << "' must be ";
  if (std::isinf(lo) && std::isinf(hi))
    diag << "finite";
  else
    diag << "in " << (lowOpen ? "(" : "[") << formatDouble(lo) << ", "
         << formatDouble(hi) << (highOpen ? ")" : "]");
  diag << ", got " << formatDouble(v);
  return diag;
}

constexpr double kInf = std::numeric_limits<double>::infinity();

LogicalResult checkNonNegative(Operation *op, StringRef name, double v) {
  return checkRange(op, name, v, 0.0, kInf, false, true);
}
LogicalResult checkPositive(Operation *op, StringRef name, double v) {
  return checkRange(op, name, v, 0.0, kInf, true, true);
}
LogicalResult checkFinite(Operation *op, StringRef name, double v) {
  return checkRange(op, name, v, -kInf, kInf, true, true);
}

/// A coefficient is rounded once to the compute type of `elementType`
/// (f32, or f64 for f64; docs/Randomness.md 7) before use: a value finite
/// in f64 that overflows f32 made every result inf or NaN. `what` names it
/// (an attribute, or a value derived from attributes).
LogicalResult checkCoefficient(Operation *op, const Twine &what, double v,
                               Type elementType) {
  bool f64 = elementType.isF64();
  if (std::isfinite(v)) {
    if (f64 || std::fabs(v) <= double(std::numeric_limits<float>::max()))
      return success();
    // Above the largest float but rounding down to it.
    llvm::APFloat f(v);
    bool lost;
    f.convert(llvm::APFloat::IEEEsingle(), llvm::APFloat::rmNearestTiesToEven,
              &lost);
    if (f.isFinite())
      return success();
  }
  return op->emitOpError() << what << " (" << formatDouble(v)
                           << ") overflows the compute type "
                           << (f64 ? "f64" : "f32") << " of element type "
                           << elementType;
}

LogicalResult checkAtLeastOne(Operation *op, StringRef name, int64_t v) {
  if (v >= 1)
    return success();
  return op->emitOpError() << "attribute '" << name
                           << "' must be at least 1, got " << v;
}

/// Checks the `[...]` size operands of a sampler against its result type.
LogicalResult checkDynamicSizes(Operation *op, RankedTensorType type,
                                ValueRange sizes) {
  if (static_cast<int64_t>(sizes.size()) ==
      static_cast<int64_t>(type.getNumDynamicDims()))
    return success();
  return op->emitOpError() << "result type " << type << " has "
                           << type.getNumDynamicDims()
                           << " dynamic dimension(s) but " << sizes.size()
                           << " size operand(s) were given";
}

/// Normalizes a possibly negative `axis` against `rank`, or reports it.
FailureOr<int64_t> checkAxis(Operation *op, int64_t axis, int64_t rank,
                             StringRef what) {
  if (rank < 1) {
    op->emitOpError() << "operand '" << what
                      << "' must have rank at least 1 for an axis";
    return failure();
  }
  if (axis < -rank || axis >= rank) {
    op->emitOpError() << "attribute 'axis' must be in [" << -rank << ", "
                      << rank << ") for '" << what << "' of rank " << rank
                      << ", got " << axis;
    return failure();
  }
  return axis < 0 ? axis + rank : axis;
}

LogicalResult checkRank(Operation *op, StringRef name, ShapedType type,
                        int64_t rank) {
  if (type.getRank() == rank)
    return success();
  return op->emitOpError() << "operand '" << name << "' must have rank " << rank
                           << ", got " << type;
}

LogicalResult checkDim(Operation *op, StringRef name, ShapedType type,
                       unsigned dim, int64_t expected, StringRef meaning) {
  if (dimsCompatible(type.getDimSize(dim), expected))
    return success();
  return op->emitOpError() << "dimension " << dim << " of '" << name << "' ("
                           << type.getDimSize(dim) << ") must equal " << meaning
                           << " (" << expected << ")";
}

/// `type` must have the shape `expected`; with `exactlyAs` (the operand the
/// sizes come from), also the same static and dynamic sizes, which the
/// op's lowering relies on (`tensor.cast` changes them).
LogicalResult checkShape(Operation *op, StringRef name, ShapedType type,
                         ArrayRef<int64_t> expected, StringRef exactlyAs = "") {
  if (!exactlyAs.empty() && shapesCompatible(type.getShape(), expected) &&
      type.getShape() != expected)
    return op->emitOpError()
           << "'" << name << "' must have shape " << shapeStr(expected)
           << ", with the static and dynamic sizes of '" << exactlyAs
           << "' (tensor.cast changes them), got " << type;
  if (shapesCompatible(type.getShape(), expected))
    return success();
  if (expected.empty())
    return op->emitOpError()
           << "'" << name << "' must have rank 0, got " << type;
  return op->emitOpError() << "'" << name << "' must have shape "
                           << shapeStr(expected) << ", got " << type;
}

LogicalResult checkSameElement(Operation *op, StringRef name, ShapedType type,
                               Type expected, StringRef of) {
  if (type.getElementType() == expected)
    return success();
  return op->emitOpError() << "element type of '" << name << "' ("
                           << type.getElementType() << ") must match that of '"
                           << of << "' (" << expected << ")";
}

bool isZero(FloatAttr a) { return a && a.getValueAsDouble() == 0.0; }
} // namespace

//===----------------------------------------------------------------------===//
// Keys
//===----------------------------------------------------------------------===//

// Custom form: `sto.split %key count N attr-dict`; the N result types are all
// !sto.key, so they are not spelled.
ParseResult SplitOp::parse(OpAsmParser &parser, OperationState &result) {
  OpAsmParser::UnresolvedOperand key;
  int64_t count = 0;
  SMLoc countLoc;
  if (parser.parseOperand(key) || parser.parseKeyword("count"))
    return failure();
  countLoc = parser.getCurrentLocation();
  if (parser.parseInteger(count) ||
      parser.parseOptionalAttrDict(result.attributes))
    return failure();
  if (count < 1)
    return parser.emitError(countLoc)
           << "attribute 'count' must be at least 1, got " << count;
  if (count > (1 << 20))
    return parser.emitError(countLoc) << "attribute 'count' must be at most "
                                      << (1 << 20) << ", got " << count;
  Builder &b = parser.getBuilder();
  Type keyType = KeyType::get(b.getContext());
  result.addAttribute(getCountAttrName(result.name),
                      b.getI64IntegerAttr(count));
  result.addTypes(SmallVector<Type>(count, keyType));
  return parser.resolveOperand(key, keyType, result.operands);
}

void SplitOp::print(OpAsmPrinter &p) {
  p << ' ' << getKey() << " count " << getCountAttr().getInt();
  p.printOptionalAttrDict((*this)->getAttrs(), {getCountAttrName()});
}

LogicalResult SplitOp::verify() {
  if (failed(checkAtLeastOne(*this, "count", getCountAttr().getInt())))
    return failure();
  if (static_cast<int64_t>(getNumResults()) != getCountAttr().getInt())
    return emitOpError() << "attribute 'count' is " << getCountAttr().getInt()
                         << " but " << getNumResults()
                         << " result(s) are declared";
  return success();
}

LogicalResult SplitOp::fold(FoldAdaptor, SmallVectorImpl<OpFoldResult> &res) {
  // The contract defines a split into one key as the identity.
  if (getCountAttr().getInt() != 1 || getNumResults() != 1)
    return failure();
  res.push_back(getKey());
  return success();
}

//===----------------------------------------------------------------------===//
// Samplers
//===----------------------------------------------------------------------===//

LogicalResult UniformOp::verify() {
  double lo = getLow().convertToDouble(), hi = getHigh().convertToDouble();
  if (failed(checkFinite(*this, "low", lo)) ||
      failed(checkFinite(*this, "high", hi)))
    return failure();
  if (!(lo < hi))
    return emitOpError() << "attribute 'low' (" << formatDouble(lo)
                         << ") must be less than 'high' (" << formatDouble(hi)
                         << ")";
  // The contract samples between lowT = RN_T(low) and highT = RN_T(high)
  // with the width d = C(highT) - C(lowT) in the compute type C (f32, or
  // f64 for f64): both bounds must stay finite and distinct in T, and d
  // finite in C, or the samples leave [low, high).
  auto t = cast<FloatType>(getType().getElementType());
  const llvm::fltSemantics &tSem = t.getFloatSemantics();
  const llvm::fltSemantics &cSem =
      t.isF64() ? llvm::APFloat::IEEEdouble() : llvm::APFloat::IEEEsingle();
  auto round = [](double v, const llvm::fltSemantics &sem) {
    llvm::APFloat f(v);
    bool lost;
    f.convert(sem, llvm::APFloat::rmNearestTiesToEven, &lost);
    return f;
  };
  llvm::APFloat lowT = round(lo, tSem), highT = round(hi, tSem);
  if (!lowT.isFinite() || !highT.isFinite())
    return emitOpError() << "attribute '" << (lowT.isFinite() ? "high" : "low")
                         << "' (" << formatDouble(lowT.isFinite() ? hi : lo)
                         << ") overflows the element type " << t;
  if (lowT.compare(highT) != llvm::APFloat::cmpLessThan)
    return emitOpError() << "attributes 'low' (" << formatDouble(lo)
                         << ") and 'high' (" << formatDouble(hi)
                         << ") round to the same value of the element type "
                         << t << "; the range is empty";
  llvm::APFloat d = round(highT.convertToDouble(), cSem);
  d.subtract(round(lowT.convertToDouble(), cSem),
             llvm::APFloat::rmNearestTiesToEven);
  if (!d.isFinite())
    return emitOpError() << "the width 'high' - 'low' (" << formatDouble(hi)
                         << " - " << formatDouble(lo)
                         << ") must be finite in the compute type ("
                         << (t.isF64() ? "f64" : "f32") << ")";
  return checkDynamicSizes(*this, getType(), getDynamicSizes());
}

LogicalResult NormalOp::verify() {
  double mean = getMean().convertToDouble();
  double stddev = getStddev().convertToDouble();
  if (failed(checkFinite(*this, "mean", mean)) ||
      failed(checkNonNegative(*this, "stddev", stddev)))
    return failure();
  // Both are rounded to T before use (docs/Randomness.md 8.2): one that
  // overflows T made every sample infinite or NaN.
  auto t = cast<FloatType>(getType().getElementType());
  for (auto [name, v] : {std::pair<StringRef, double>{"mean", mean},
                         std::pair<StringRef, double>{"stddev", stddev}}) {
    llvm::APFloat f(v);
    bool lost;
    f.convert(t.getFloatSemantics(), llvm::APFloat::rmNearestTiesToEven, &lost);
    if (!f.isFinite())
      return emitOpError() << "attribute '" << name << "' (" << formatDouble(v)
                           << ") overflows the element type " << t;
  }
  return checkDynamicSizes(*this, getType(), getDynamicSizes());
}

LogicalResult BernoulliOp::verify() {
  bool hasOperand = static_cast<bool>(getProbs());
  bool hasAttr = getPAttr() != nullptr;
  if (hasOperand == hasAttr)
    return emitOpError()
           << "expects exactly one of the operand 'probs' and the attribute "
              "'p', got "
           << (hasOperand ? "both" : "neither");
  if (hasAttr) {
    if (failed(checkRange(*this, "p", getPAttr().getValueAsDouble(), 0.0, 1.0,
                          false, false)))
      return failure();
    return checkDynamicSizes(*this, getType(), getDynamicSizes());
  }
  if (!getDynamicSizes().empty())
    return emitOpError() << "takes no size operands when the shape comes "
                            "from operand 'probs'";
  auto probsType = getProbs().getType();
  return checkShape(*this, "result", getType(), probsType.getShape(), "probs");
}

LogicalResult CategoricalOp::verify() {
  auto logitsType = getLogits().getType();
  FailureOr<int64_t> axis =
      checkAxis(*this, getAxisAttr().getInt(), logitsType.getRank(), "logits");
  if (failed(axis))
    return failure();
  SmallVector<int64_t> expected(logitsType.getShape());
  expected.erase(expected.begin() + *axis);
  if (failed(checkShape(*this, "result", getType(), expected, "logits")))
    return failure();
  // Draws from no classes: every index came out 0. Checked at run time when
  // the number of draws is not known here.
  if (logitsType.getDimSize(*axis) == 0 &&
      llvm::all_of(expected, [](int64_t d) { return d > 0; }))
    return emitOpError() << "dimension " << *axis
                         << " of 'logits' (the classes) is 0, got "
                         << logitsType;
  // The drawn index must fit in the result's integer type (checked at run
  // time for a dynamic class count).
  unsigned width = getType().getElementType().getIntOrFloatBitWidth();
  int64_t classes = logitsType.getDimSize(*axis);
  if (width < 64 && !ShapedType::isDynamic(classes) &&
      classes - 1 > (int64_t(1) << (width - 1)) - 1)
    return emitOpError() << "class indices up to " << classes - 1
                         << " do not fit in the result's element type i"
                         << width;
  return success();
}

//===----------------------------------------------------------------------===//
// Stochastic layers
//===----------------------------------------------------------------------===//

LogicalResult NoiseOp::verify() {
  double scale = getScale().convertToDouble();
  if (failed(checkNonNegative(*this, "scale", scale)))
    return failure();
  return checkCoefficient(*this, "attribute 'scale'", scale,
                          getType().getElementType());
}

OpFoldResult NoiseOp::fold(FoldAdaptor) {
  if (isZero(getScaleAttr()))
    return getX();
  return {};
}

LogicalResult DropoutOp::verify() {
  return checkRange(*this, "rate", getRate().convertToDouble(), 0.0, 1.0, false,
                    true);
}

OpFoldResult DropoutOp::fold(FoldAdaptor) {
  if (isZero(getRateAttr()))
    return getX();
  return {};
}

LogicalResult GumbelSoftmaxOp::verify() {
  double tau = getTau().convertToDouble();
  if (failed(checkPositive(*this, "tau", tau)))
    return failure();
  // The scores are divided by RN_C(tau): 0 made them infinite (NaN in the
  // soft form).
  Type t = getType().getElementType();
  if (!t.isF64() && float(tau) == 0.0f)
    return emitOpError() << "attribute 'tau' (" << formatDouble(tau)
                         << ") rounds to 0 in the compute type f32 of element "
                            "type "
                         << t;
  if (failed(checkCoefficient(*this, "attribute 'tau'", tau, t)))
    return failure();
  return checkAxis(*this, getAxisAttr().getInt(),
                   getLogits().getType().getRank(), "logits");
}

//===----------------------------------------------------------------------===//
// Mixture-of-experts gating
//===----------------------------------------------------------------------===//

LogicalResult TopKGateOp::verify() {
  auto logitsType = getLogits().getType();
  if (failed(checkRank(*this, "logits", logitsType, 2)))
    return failure();
  int64_t tokens = logitsType.getDimSize(0);
  int64_t experts = logitsType.getDimSize(1);
  int64_t k = getKAttr().getInt();
  if (failed(checkAtLeastOne(*this, "k", k)))
    return failure();
  if (!ShapedType::isDynamic(experts) && k > experts)
    return emitOpError() << "attribute 'k' (" << k
                         << ") must not exceed the number of experts ("
                         << experts << ")";
  double stddev = getNoiseStddev().convertToDouble();
  if (failed(checkNonNegative(*this, "noise_stddev", stddev)))
    return failure();
  if (stddev > 0 && !getKey())
    return emitOpError() << "attribute 'noise_stddev' is "
                         << formatDouble(stddev)
                         << " but no 'key' operand gives the noise";
  if (Value bias = getBias()) {
    auto biasType = cast<RankedTensorType>(bias.getType());
    if (failed(checkRank(*this, "bias", biasType, 1)) ||
        failed(checkDim(*this, "bias", biasType, 0, experts,
                        "the number of experts")) ||
        failed(checkSameElement(*this, "bias", biasType,
                                logitsType.getElementType(), "logits")))
      return failure();
  }
  if (failed(checkShape(*this, "weights", getWeights().getType(), {tokens, k},
                        "logits")) ||
      failed(checkSameElement(*this, "weights", getWeights().getType(),
                              logitsType.getElementType(), "logits")) ||
      failed(checkShape(*this, "indices", getIndices().getType(), {tokens, k},
                        "logits")))
    return failure();
  return success();
}

LogicalResult
ExpertLoadOp::inferReturnTypes(MLIRContext *ctx, std::optional<Location> loc,
                               ValueRange, DictionaryAttr attributes,
                               OpaqueProperties properties, RegionRange,
                               SmallVectorImpl<Type> &types) {
  // Built ops carry `num_experts` in their properties; while the custom form
  // is parsed it is still in the attribute dictionary.
  IntegerAttr numExperts;
  if (auto *props = properties.as<Properties *>())
    numExperts = props->num_experts;
  if (!numExperts && attributes)
    numExperts = attributes.getAs<IntegerAttr>("num_experts");
  if (!numExperts)
    return emitOptionalError(
        loc, "'sto.expert_load' op requires attribute 'num_experts'");
  int64_t e = numExperts.getInt();
  if (e < 1)
    return emitOptionalError(loc,
                             "'sto.expert_load' op attribute "
                             "'num_experts' must be at least 1, got ",
                             e);
  types.push_back(RankedTensorType::get({e}, IntegerType::get(ctx, 32)));
  return success();
}

LogicalResult ExpertLoadOp::verify() {
  return checkRank(*this, "indices", getIndices().getType(), 2);
}

LogicalResult BalanceBiasOp::verify() {
  auto biasType = getBias().getType();
  auto loadType = getLoad().getType();
  if (failed(checkNonNegative(*this, "rate", getRate().convertToDouble())) ||
      failed(checkRank(*this, "bias", biasType, 1)) ||
      failed(checkRank(*this, "load", loadType, 1)) ||
      failed(checkDim(*this, "load", loadType, 0, biasType.getDimSize(0),
                      "the size of 'bias'")))
    return failure();
  return success();
}

OpFoldResult BalanceBiasOp::fold(FoldAdaptor) {
  if (isZero(getRateAttr()))
    return getBias();
  return {};
}

LogicalResult BalanceLossOp::verify() {
  auto probsType = getProbs().getType();
  auto loadType = getLoad().getType();
  if (failed(checkNonNegative(*this, "alpha", getAlpha().convertToDouble())) ||
      failed(checkRank(*this, "probs", probsType, 2)) ||
      failed(checkRank(*this, "load", loadType, 1)) ||
      failed(checkDim(*this, "load", loadType, 0, probsType.getDimSize(1),
                      "the number of experts")))
    return failure();
  return success();
}

LogicalResult DispatchOp::verify() {
  auto xType = getX().getType();
  auto idxType = getIndices().getType();
  if (failed(checkRank(*this, "x", xType, 2)) ||
      failed(checkRank(*this, "indices", idxType, 2)) ||
      failed(checkDim(*this, "indices", idxType, 0, xType.getDimSize(0),
                      "the number of tokens of 'x'")) ||
      failed(checkAtLeastOne(*this, "num_experts",
                             getNumExpertsAttr().getInt())) ||
      failed(checkAtLeastOne(*this, "capacity", getCapacityAttr().getInt())))
    return failure();
  auto bufType = getBuffer().getType();
  if (failed(checkShape(*this, "buffer", bufType,
                        {getNumExpertsAttr().getInt(),
                         getCapacityAttr().getInt(), xType.getDimSize(1)},
                        "x")) ||
      failed(checkSameElement(*this, "buffer", bufType, xType.getElementType(),
                              "x")) ||
      failed(checkShape(*this, "slot", getSlot().getType(), idxType.getShape(),
                        "indices")))
    return failure();
  return success();
}

LogicalResult CombineOp::verify() {
  auto yType = getY().getType();
  auto wType = getWeights().getType();
  auto idxType = getIndices().getType();
  if (failed(checkRank(*this, "y", yType, 3)) ||
      failed(checkRank(*this, "weights", wType, 2)) ||
      failed(checkSameElement(*this, "weights", wType, yType.getElementType(),
                              "y")) ||
      failed(checkShape(*this, "indices", idxType, wType.getShape())) ||
      failed(checkShape(*this, "slot", getSlot().getType(), wType.getShape())))
    return failure();
  auto resType = getType();
  if (failed(checkShape(*this, "result", resType,
                        {wType.getDimSize(0), yType.getDimSize(2)})) ||
      failed(checkSameElement(*this, "result", resType, yType.getElementType(),
                              "y")))
    return failure();
  return success();
}

//===----------------------------------------------------------------------===//
// Optimizers and estimators
//===----------------------------------------------------------------------===//

LogicalResult LangevinStepOp::verify() {
  double lr = getLr().convertToDouble();
  double temperature = getTemperature().convertToDouble();
  if (failed(checkNonNegative(*this, "lr", lr)) ||
      failed(checkNonNegative(*this, "temperature", temperature)))
    return failure();
  Type t = getType().getElementType();
  return failure(failed(checkCoefficient(*this, "attribute 'lr'", lr, t)) ||
                 failed(checkCoefficient(
                     *this, "the noise scale sqrt(2 * lr * temperature)",
                     std::sqrt(2.0 * lr * temperature), t)));
}

OpFoldResult LangevinStepOp::fold(FoldAdaptor) {
  // lr = 0 moves neither by the gradient nor by the sqrt(2·lr·T) noise.
  if (isZero(getLrAttr()))
    return getParam();
  return {};
}

LogicalResult AverageOp::verify() {
  std::optional<double> decay;
  if (getDecayAttr())
    decay = getDecayAttr().getValueAsDouble();
  if (getKind() == AverageKind::swa) {
    if (decay)
      return emitOpError() << "attribute 'decay' (" << formatDouble(*decay)
                           << ") applies to kind 'ema' only, not 'swa'";
    return success();
  }
  if (!decay)
    return emitOpError() << "kind 'ema' requires the attribute 'decay'";
  return checkRange(*this, "decay", *decay, 0.0, 1.0, false, false);
}

OpFoldResult AverageOp::fold(FoldAdaptor) {
  if (getKind() != AverageKind::ema || !getDecayAttr())
    return {};
  double decay = getDecayAttr().getValueAsDouble();
  // decay·avg + (1 − decay)·param with decay 1 is avg exactly; decay 0 is
  // not param (the contract's avg + (param − avg) rounds).
  if (decay == 1.0)
    return getAvg();
  return {};
}

LogicalResult DPAggregateOp::verify() {
  if (failed(
          checkPositive(*this, "clip_norm", getClipNorm().convertToDouble())) ||
      failed(checkNonNegative(*this, "noise_multiplier",
                              getNoiseMultiplier().convertToDouble())))
    return failure();
  auto gType = getGrads().getType();
  if (gType.getRank() < 1)
    return emitOpError() << "operand 'grads' must have a leading batch "
                            "dimension, got "
                         << gType;
  Type t = gType.getElementType();
  if (failed(checkCoefficient(*this, "attribute 'clip_norm'",
                              getClipNorm().convertToDouble(), t)) ||
      failed(checkCoefficient(*this,
                              "the noise scale noise_multiplier * clip_norm",
                              getNoiseMultiplier().convertToDouble() *
                                  getClipNorm().convertToDouble(),
                              t)))
    return failure();
  // f_b = RN_C(clip_norm) / sqrt(q_b): a clip norm that rounds to 0 made a
  // zero gradient's factor 0 / 0 = NaN (the contract gives it 1), and every
  // output with it.
  if (!t.isF64() && float(getClipNorm().convertToDouble()) == 0.0f)
    return emitOpError() << "attribute 'clip_norm' ("
                         << formatDouble(getClipNorm().convertToDouble())
                         << ") rounds to 0 in the compute type f32 of element "
                            "type "
                         << t;
  // The sum is divided by B: no samples gave infinities (a dynamic B is
  // checked at run time).
  if (gType.getDimSize(0) == 0)
    return emitOpError() << "dimension 0 of 'grads' (the samples) is 0, got "
                         << gType;
  if (failed(checkShape(*this, "result", getType(),
                        gType.getShape().drop_front(), "grads")) ||
      failed(checkSameElement(*this, "result", getType(),
                              gType.getElementType(), "grads")))
    return failure();
  // Element j of the result draws its noise at stream index j.
  if (!staticElementCount(gType.getShape().drop_front()))
    return emitOpError() << "a per-sample gradient of 'grads' must have "
                            "fewer than 2^63 elements (the noise's stream "
                            "indices), got "
                         << gType;
  return success();
}

LogicalResult SPSAPerturbOp::verify() {
  double scale = getScale().convertToDouble();
  if (failed(checkFinite(*this, "scale", scale)))
    return failure();
  return checkCoefficient(*this, "attribute 'scale'", scale,
                          getType().getElementType());
}

OpFoldResult SPSAPerturbOp::fold(FoldAdaptor) {
  if (isZero(getScaleAttr()))
    return getParam();
  return {};
}

bool SPSAPerturbOp::replaysKey() { return true; }

LogicalResult SPSAUpdateOp::verify() {
  double lr = getLr().convertToDouble();
  if (failed(checkNonNegative(*this, "lr", lr)))
    return failure();
  return checkCoefficient(*this, "attribute 'lr'", lr,
                          getType().getElementType());
}

OpFoldResult SPSAUpdateOp::fold(FoldAdaptor adaptor) {
  if (isZero(getLrAttr()))
    return getParam();
  // A projected gradient of constant zero leaves the parameters unchanged.
  if (auto g = dyn_cast_if_present<FloatAttr>(adaptor.getProjectedGrad()))
    if (g.getValueAsDouble() == 0.0)
      return getParam();
  return {};
}

bool SPSAUpdateOp::replaysKey() { return true; }

//===----------------------------------------------------------------------===//
// Randomized smoothing
//===----------------------------------------------------------------------===//

LogicalResult MonteCarloOp::verify() {
  if (failed(checkAtLeastOne(*this, "samples", getSamplesAttr().getInt())) ||
      failed(checkAtLeastOne(*this, "batch", getBatchAttr().getInt())) ||
      failed(checkAtLeastOne(*this, "num_classes",
                             getNumClassesAttr().getInt())) ||
      failed(checkNonNegative(*this, "stddev", getStddev().convertToDouble())))
    return failure();
  // Copy s of x draws its noise at stream indices s·numel(x) + j.
  auto xType = getX().getType();
  if (xType.hasStaticShape()) {
    std::optional<int64_t> numel = staticElementCount(xType.getShape());
    int64_t indices = 0;
    if (!numel || llvm::MulOverflow(getSamplesAttr().getInt(), *numel, indices))
      return emitOpError() << "samples × elements of x ("
                           << getSamplesAttr().getInt() << " × "
                           << (numel ? std::to_string(*numel)
                                     : shapeStr(xType.getShape()))
                           << ") must stay below 2^63: they are the noise's "
                              "stream indices";
  }
  return checkShape(*this, "counts", getCounts().getType(),
                    {getNumClassesAttr().getInt()});
}

LogicalResult MonteCarloOp::verifyRegions() {
  Block &body = getBody().front();
  auto xType = getX().getType();
  SmallVector<int64_t> batchShape{getBatchAttr().getInt()};
  llvm::append_range(batchShape, xType.getShape());
  auto expected = RankedTensorType::get(batchShape, xType.getElementType());
  if (body.getNumArguments() != 1)
    return emitOpError() << "body must have one argument (the noisy batch of "
                            "type "
                         << expected << "), got " << body.getNumArguments();
  // Exactly that type: with the static and dynamic sizes of x (a merely
  // compatible one, tensor<?x4xf32> for a static x, reached the lowering,
  // which built invalid IR from it).
  if (body.getArgument(0).getType() != expected)
    return emitOpError() << "body argument must have type " << expected
                         << " (the static and dynamic sizes of x), got "
                         << body.getArgument(0).getType();
  auto yield = dyn_cast<YieldOp>(body.getTerminator());
  if (!yield)
    return emitOpError() << "body must end in 'sto.yield', got '"
                         << body.getTerminator()->getName() << "'";
  if (yield.getValues().size() != 1)
    return yield.emitOpError()
           << "must yield one value (the class ids of the batch), got "
           << yield.getValues().size();
  auto idsType = dyn_cast<RankedTensorType>(yield.getValues()[0].getType());
  if (!idsType || idsType.getRank() != 1 ||
      !dimsCompatible(idsType.getDimSize(0), getBatchAttr().getInt()) ||
      !(idsType.getElementType().isInteger(32) ||
        idsType.getElementType().isInteger(64)))
    return yield.emitOpError()
           << "must yield class ids of type tensor<" << getBatchAttr().getInt()
           << "xi32> or tensor<" << getBatchAttr().getInt() << "xi64>, got "
           << yield.getValues()[0].getType();
  return success();
}

LogicalResult CertifyOp::verify() {
  auto c0 = getCounts0().getType();
  auto c = getCounts().getType();
  if (failed(checkRange(*this, "alpha", getAlpha().convertToDouble(), 0.0, 1.0,
                        true, true)) ||
      failed(checkPositive(*this, "stddev", getStddev().convertToDouble())) ||
      failed(checkRank(*this, "counts0", c0, 1)) ||
      failed(checkShape(*this, "counts", c, c0.getShape())))
    return failure();
  return success();
}

//===----------------------------------------------------------------------===//
// Result shapes and runtime verification
//
// Each dimension of a result comes from somewhere: a dimension of an operand,
// a size operand, or an attribute. That gives the results' shapes
// (ReifyRankedShapedTypeOpInterface, so `tensor.dim` of a result folds to its
// source). The verifiers compare static sizes; the checks below compare the
// dynamic ones
// (RuntimeVerifiableOpInterface: upstream's generate-runtime-verification,
// and sto-insert-shape-checks, which makes a failed check the C ABI's
// STO_ERROR_SHAPE_MISMATCH).
//===----------------------------------------------------------------------===//

namespace {
using ErrorMessageFn = function_ref<std::string(Operation *, StringRef)>;

/// Dimension `dim` of the tensor operand `tensor`, named `name` in messages.
struct DimRef {
  Value tensor;
  int64_t dim;
  StringRef name;
};

/// Where a result dimension's size comes from: an operand's dimension, a
/// size operand, or a constant.
struct DimSource {
  DimRef ref = {};
  Value size = {};
  int64_t constant = 0;
  static DimSource of(Value tensor, int64_t dim, StringRef name) {
    return {{tensor, dim, name}, {}, 0};
  }
  static DimSource ofSize(Value size) { return {{}, size, 0}; }
  static DimSource ofConstant(int64_t c) { return {{}, {}, c}; }
};

/// The dimensions of `tensor` (named `name`) except `skip` (-1: none).
SmallVector<DimSource> dimsOf(Value tensor, StringRef name, int64_t skip = -1) {
  SmallVector<DimSource> dims;
  int64_t rank = cast<RankedTensorType>(tensor.getType()).getRank();
  for (int64_t d = 0; d < rank; ++d)
    if (d != skip)
      dims.push_back(DimSource::of(tensor, d, name));
  return dims;
}

/// The dynamic sizes of `type` in order, and its static ones.
SmallVector<DimSource> dimsFromSizes(RankedTensorType type, ValueRange sizes) {
  SmallVector<DimSource> dims;
  unsigned next = 0;
  for (int64_t d : type.getShape())
    dims.push_back(ShapedType::isDynamic(d) ? DimSource::ofSize(sizes[next++])
                                            : DimSource::ofConstant(d));
  return dims;
}

/// The sources of every result dimension of a sto op with tensor results,
/// one list per result (empty for a scalar result).
SmallVector<SmallVector<DimSource>> resultDimSources(Operation *op) {
  using Dims = SmallVector<SmallVector<DimSource>>;
  return llvm::TypeSwitch<Operation *, Dims>(op)
      .Case([](UniformOp o) -> Dims {
        return {dimsFromSizes(o.getType(), o.getDynamicSizes())};
      })
      .Case([](NormalOp o) -> Dims {
        return {dimsFromSizes(o.getType(), o.getDynamicSizes())};
      })
      .Case([](BernoulliOp o) -> Dims {
        if (Value probs = o.getProbs())
          return {dimsOf(probs, "probs")};
        return {dimsFromSizes(o.getType(), o.getDynamicSizes())};
      })
      .Case([](CategoricalOp o) -> Dims {
        int64_t rank = o.getLogits().getType().getRank();
        int64_t axis = o.getAxisAttr().getInt();
        return {dimsOf(o.getLogits(), "logits", axis < 0 ? axis + rank : axis)};
      })
      .Case([](NoiseOp o) -> Dims { return {dimsOf(o.getX(), "x")}; })
      .Case([](DropoutOp o) -> Dims { return {dimsOf(o.getX(), "x")}; })
      .Case(
          [](StochasticBinaryOp o) -> Dims { return {dimsOf(o.getP(), "p")}; })
      .Case([](GumbelSoftmaxOp o) -> Dims {
        return {dimsOf(o.getLogits(), "logits")};
      })
      .Case([](TopKGateOp o) -> Dims {
        SmallVector<DimSource> rows = {
            DimSource::of(o.getLogits(), 0, "logits"),
            DimSource::ofConstant(o.getKAttr().getInt())};
        return {rows, rows};
      })
      .Case(
          [](BalanceBiasOp o) -> Dims { return {dimsOf(o.getBias(), "bias")}; })
      .Case([](DispatchOp o) -> Dims {
        SmallVector<DimSource> buffer = {
            DimSource::ofConstant(o.getNumExpertsAttr().getInt()),
            DimSource::ofConstant(o.getCapacityAttr().getInt()),
            DimSource::of(o.getX(), 1, "x")};
        return {buffer, dimsOf(o.getIndices(), "indices")};
      })
      .Case([](CombineOp o) -> Dims {
        return {{DimSource::of(o.getWeights(), 0, "weights"),
                 DimSource::of(o.getY(), 2, "y")}};
      })
      .Case([](LangevinStepOp o) -> Dims {
        return {dimsOf(o.getParam(), "param")};
      })
      .Case([](AverageOp o) -> Dims { return {dimsOf(o.getAvg(), "avg")}; })
      .Case([](DPAggregateOp o) -> Dims {
        return {dimsOf(o.getGrads(), "grads", /*skip=*/0)};
      })
      .Case([](SPSAPerturbOp o) -> Dims {
        return {dimsOf(o.getParam(), "param")};
      })
      .Case([](SPSAUpdateOp o) -> Dims {
        return {dimsOf(o.getParam(), "param")};
      })
      .Default([](Operation *) -> Dims { return {}; });
}

OpFoldResult dimOf(OpBuilder &b, Location loc, Value tensor, int64_t d) {
  auto type = cast<RankedTensorType>(tensor.getType());
  if (!type.isDynamicDim(d))
    return b.getIndexAttr(type.getDimSize(d));
  return tensor::DimOp::create(b, loc, tensor, d).getResult();
}

LogicalResult reifyFromSources(Operation *op, OpBuilder &b,
                               ReifiedRankedShapedTypeDims &shapes) {
  auto sources = resultDimSources(op);
  for (auto [result, dims] : llvm::zip_equal(op->getResults(), sources)) {
    auto type = cast<RankedTensorType>(result.getType());
    SmallVector<OpFoldResult> shape;
    for (auto [d, source] : llvm::enumerate(dims)) {
      if (!type.isDynamicDim(d))
        shape.push_back(b.getIndexAttr(type.getDimSize(d)));
      else if (source.ref.tensor)
        shape.push_back(
            dimOf(b, op->getLoc(), source.ref.tensor, source.ref.dim));
      else if (source.size)
        shape.push_back(source.size);
      else
        shape.push_back(b.getIndexAttr(source.constant));
    }
    shapes.push_back(std::move(shape));
  }
  return success();
}

std::string dimName(DimRef r) {
  return (llvm::Twine("dimension ") + llvm::Twine(r.dim) + " of '" + r.name +
          "'")
      .str();
}

/// Asserts that two dimensions agree, unless both are static (the verifier
/// compared those).
void assertSameDim(OpBuilder &b, Location loc, Operation *op, DimRef x,
                   DimRef y, ErrorMessageFn message) {
  auto xType = cast<RankedTensorType>(x.tensor.getType());
  auto yType = cast<RankedTensorType>(y.tensor.getType());
  if (!xType.isDynamicDim(x.dim) && !yType.isDynamicDim(y.dim))
    return;
  Value xs = tensor::DimOp::create(b, loc, x.tensor, x.dim);
  Value ys = tensor::DimOp::create(b, loc, y.tensor, y.dim);
  Value same = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, xs, ys);
  cf::AssertOp::create(b, loc, same,
                       message(op, dimName(x) + " differs from " + dimName(y)));
}

/// Every dimension of `x` equals the same dimension of `y` (same rank).
void assertSameShape(OpBuilder &b, Location loc, Operation *op, DimRef x,
                     DimRef y, ErrorMessageFn message) {
  int64_t rank = cast<RankedTensorType>(x.tensor.getType()).getRank();
  for (int64_t d = 0; d < rank; ++d)
    assertSameDim(b, loc, op, {x.tensor, d, x.name}, {y.tensor, d, y.name},
                  message);
}

/// The size operands of a sampler's dynamic dimensions are not negative.
/// (The verifiers require every other result size to be the same, static or
/// dynamic, as its source's.)
void assertSizesNonNegative(OpBuilder &b, Location loc, Operation *op,
                            ErrorMessageFn message) {
  Value zero;
  // Named: a range-for does not extend the life of a temporary's element.
  auto sources = resultDimSources(op);
  for (auto [d, source] : llvm::enumerate(sources.front())) {
    if (!source.size)
      continue;
    if (!zero)
      zero = arith::ConstantIndexOp::create(b, loc, 0);
    Value ok = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge,
                                     source.size, zero);
    cf::AssertOp::create(b, loc, ok,
                         message(op, (llvm::Twine("size ") + llvm::Twine(d) +
                                      " of the result is negative")
                                         .str()));
  }
}
} // namespace

std::optional<std::pair<Value, int64_t>>
mlir::sto::getResultDimSource(OpResult result, int64_t dim) {
  auto sources = resultDimSources(result.getOwner());
  if (result.getResultNumber() >= sources.size())
    return std::nullopt;
  ArrayRef<DimSource> dims = sources[result.getResultNumber()];
  if (dim < 0 || dim >= static_cast<int64_t>(dims.size()) ||
      !dims[dim].ref.tensor)
    return std::nullopt;
  return std::make_pair(dims[dim].ref.tensor, dims[dim].ref.dim);
}

#define STO_REIFY_FROM_SOURCES(Op)                                             \
  LogicalResult Op::reifyResultShapes(OpBuilder &b,                            \
                                      ReifiedRankedShapedTypeDims &shapes) {   \
    return reifyFromSources(*this, b, shapes);                                 \
  }
STO_REIFY_FROM_SOURCES(UniformOp)
STO_REIFY_FROM_SOURCES(NormalOp)
STO_REIFY_FROM_SOURCES(BernoulliOp)
STO_REIFY_FROM_SOURCES(CategoricalOp)
STO_REIFY_FROM_SOURCES(NoiseOp)
STO_REIFY_FROM_SOURCES(DropoutOp)
STO_REIFY_FROM_SOURCES(StochasticBinaryOp)
STO_REIFY_FROM_SOURCES(GumbelSoftmaxOp)
STO_REIFY_FROM_SOURCES(TopKGateOp)
STO_REIFY_FROM_SOURCES(BalanceBiasOp)
STO_REIFY_FROM_SOURCES(DispatchOp)
STO_REIFY_FROM_SOURCES(CombineOp)
STO_REIFY_FROM_SOURCES(LangevinStepOp)
STO_REIFY_FROM_SOURCES(AverageOp)
STO_REIFY_FROM_SOURCES(DPAggregateOp)
STO_REIFY_FROM_SOURCES(SPSAPerturbOp)
STO_REIFY_FROM_SOURCES(SPSAUpdateOp)
#undef STO_REIFY_FROM_SOURCES

#define STO_VERIFY_SIZES(Op)                                                   \
  void Op::generateRuntimeVerification(OpBuilder &b, Location loc,             \
                                       ErrorMessageFn message) {               \
    assertSizesNonNegative(b, loc, *this, message);                            \
  }
STO_VERIFY_SIZES(UniformOp)
STO_VERIFY_SIZES(NormalOp)
STO_VERIFY_SIZES(BernoulliOp)
#undef STO_VERIFY_SIZES

void TopKGateOp::generateRuntimeVerification(OpBuilder &b, Location loc,
                                             ErrorMessageFn message) {
  Value logits = getLogits();
  if (Value bias = getBias())
    assertSameDim(b, loc, *this, {bias, 0, "bias"}, {logits, 1, "logits"},
                  message);
  // k ≤ E, which the verifier checks when E is static.
  if (getLogits().getType().isDynamicDim(1)) {
    Value experts = tensor::DimOp::create(b, loc, logits, 1);
    Value k = arith::ConstantIndexOp::create(b, loc, getKAttr().getInt());
    Value ok =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sle, k, experts);
    cf::AssertOp::create(
        b, loc, ok,
        message(*this, "attribute 'k' exceeds dimension 1 of 'logits' (the "
                       "number of experts)"));
  }
}

void BalanceBiasOp::generateRuntimeVerification(OpBuilder &b, Location loc,
                                                ErrorMessageFn message) {
  assertSameDim(b, loc, *this, {getLoad(), 0, "load"}, {getBias(), 0, "bias"},
                message);
}

void BalanceLossOp::generateRuntimeVerification(OpBuilder &b, Location loc,
                                                ErrorMessageFn message) {
  assertSameDim(b, loc, *this, {getLoad(), 0, "load"}, {getProbs(), 1, "probs"},
                message);
}

void DispatchOp::generateRuntimeVerification(OpBuilder &b, Location loc,
                                             ErrorMessageFn message) {
  assertSameDim(b, loc, *this, {getIndices(), 0, "indices"}, {getX(), 0, "x"},
                message);
}

void CombineOp::generateRuntimeVerification(OpBuilder &b, Location loc,
                                            ErrorMessageFn message) {
  assertSameShape(b, loc, *this, {getIndices(), 0, "indices"},
                  {getWeights(), 0, "weights"}, message);
  assertSameShape(b, loc, *this, {getSlot(), 0, "slot"},
                  {getWeights(), 0, "weights"}, message);
}

void LangevinStepOp::generateRuntimeVerification(OpBuilder &b, Location loc,
                                                 ErrorMessageFn message) {
  assertSameShape(b, loc, *this, {getGrad(), 0, "grad"},
                  {getParam(), 0, "param"}, message);
}

void AverageOp::generateRuntimeVerification(OpBuilder &b, Location loc,
                                            ErrorMessageFn message) {
  assertSameShape(b, loc, *this, {getParam(), 0, "param"}, {getAvg(), 0, "avg"},
                  message);
  // swa divides by count + 1: -1 gave infinities, -2 a wrong mean.
  if (getKind() != AverageKind::swa)
    return;
  Value count = getCount();
  Value zero =
      arith::ConstantOp::create(b, loc, b.getZeroAttr(count.getType()));
  Value ok =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge, count, zero);
  cf::AssertOp::create(b, loc, ok,
                       message(*this, "'count' (of earlier iterates) is "
                                      "negative"));
}

void DPAggregateOp::generateRuntimeVerification(OpBuilder &b, Location loc,
                                                ErrorMessageFn message) {
  // The sum is divided by B: no samples gave infinities.
  if (!getGrads().getType().isDynamicDim(0))
    return;
  Value batch = tensor::DimOp::create(b, loc, getGrads(), 0);
  Value ok = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sgt, batch,
                                   arith::ConstantIndexOp::create(b, loc, 0));
  cf::AssertOp::create(
      b, loc, ok, message(*this, "dimension 0 of 'grads' (the samples) is 0"));
}

void CategoricalOp::generateRuntimeVerification(OpBuilder &b, Location loc,
                                                ErrorMessageFn message) {
  // No class to draw: every index came out 0. Nothing to draw is fine.
  RankedTensorType type = getLogits().getType();
  int64_t rank = type.getRank();
  int64_t axis = getAxisAttr().getInt();
  if (axis < 0)
    axis += rank;
  if (axis < 0 || axis >= rank)
    return;
  // A dynamic class count: the drawn index must fit in the result's type.
  unsigned width = getType().getElementType().getIntOrFloatBitWidth();
  if (type.isDynamicDim(axis) && width < 64) {
    Value fits = arith::CmpIOp::create(
        b, loc, arith::CmpIPredicate::sle,
        tensor::DimOp::create(b, loc, getLogits(), axis),
        arith::ConstantIndexOp::create(b, loc, int64_t(1) << (width - 1)));
    cf::AssertOp::create(b, loc, fits,
                         message(*this, "class indices do not fit in the "
                                        "result's element type"));
  }
  // A static class count is checked here only when it is 0 and the number
  // of draws is not static (the verifier rejects the static case).
  if (!type.isDynamicDim(axis) && type.getDimSize(axis) != 0)
    return;
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value draws = arith::ConstantIndexOp::create(b, loc, 1);
  for (int64_t d = 0; d < rank; ++d)
    if (d != axis)
      draws = arith::MulIOp::create(
          b, loc, draws, tensor::DimOp::create(b, loc, getLogits(), d));
  Value none =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, draws, zero);
  Value classes = arith::CmpIOp::create(
      b, loc, arith::CmpIPredicate::sgt,
      tensor::DimOp::create(b, loc, getLogits(), axis), zero);
  cf::AssertOp::create(
      b, loc, arith::OrIOp::create(b, loc, none, classes),
      message(*this, (llvm::Twine("dimension ") + llvm::Twine(axis) +
                      " of 'logits' (the classes) is 0")
                         .str()));
}

void CertifyOp::generateRuntimeVerification(OpBuilder &b, Location loc,
                                            ErrorMessageFn message) {
  assertSameShape(b, loc, *this, {getCounts(), 0, "counts"},
                  {getCounts0(), 0, "counts0"}, message);
  // Vote counts are never negative, and n = Σ counts is an int64_t: a
  // negative count certified a class from k > n, and a sum that wrapped
  // abstained.
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  Value zero64 = arith::ConstantIntOp::create(b, loc, 0, 64);
  Value yes = arith::ConstantIntOp::create(b, loc, 1, 1);
  Value classes = tensor::DimOp::create(b, loc, getCounts(), 0);
  auto scan = scf::ForOp::create(
      b, loc, zero, classes, one, ValueRange{zero64, yes},
      [&](OpBuilder &fb, Location fl, Value i, ValueRange acc) {
        auto nonNegative = [&](Value v) {
          return arith::CmpIOp::create(fb, fl, arith::CmpIPredicate::sge, v,
                                       zero64);
        };
        Value c = tensor::ExtractOp::create(fb, fl, getCounts(), i);
        Value c0 = tensor::ExtractOp::create(fb, fl, getCounts0(), i);
        // Non-negative terms: the sum overflowed when it turns negative.
        Value sum = arith::AddIOp::create(fb, fl, acc[0], c);
        Value ok = acc[1];
        for (Value v : {c, c0, sum})
          ok = arith::AndIOp::create(fb, fl, ok, nonNegative(v));
        scf::YieldOp::create(fb, fl, ValueRange{sum, ok});
      });
  cf::AssertOp::create(b, loc, scan.getResult(1),
                       message(*this, "a count in 'counts0' or 'counts' is "
                                      "negative, or 'counts' sum past "
                                      "INT64_MAX"));
}

void MonteCarloOp::generateRuntimeVerification(OpBuilder &b, Location loc,
                                               ErrorMessageFn message) {
  // Copy s of x draws its noise at stream indices s·numel(x) + j; the
  // verifier checks a static x.
  RankedTensorType type = getX().getType();
  if (type.hasStaticShape())
    return;
  int64_t samples = getSamplesAttr().getInt();
  Value numel = arith::ConstantIndexOp::create(b, loc, 1);
  Value fits = arith::ConstantIntOp::create(b, loc, 1, 1);
  Value limit = arith::ConstantIndexOp::create(
      b, loc,
      std::numeric_limits<int64_t>::max() / std::max<int64_t>(samples, 1));
  for (int64_t d = 0; d < type.getRank(); ++d) {
    Value dim = tensor::DimOp::create(b, loc, getX(), d);
    // numel(x) with a carry past 64 bits counted as too many.
    auto product = arith::MulUIExtendedOp::create(b, loc, numel, dim);
    Value noCarry = arith::CmpIOp::create(
        b, loc, arith::CmpIPredicate::eq, product.getHigh(),
        arith::ConstantIndexOp::create(b, loc, 0));
    fits = arith::AndIOp::create(b, loc, fits, noCarry);
    numel = product.getLow();
  }
  Value within =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ule, numel, limit);
  cf::AssertOp::create(
      b, loc, arith::AndIOp::create(b, loc, fits, within),
      message(*this, "samples × elements of x must stay below 2^63 (the "
                     "noise's stream indices)"));
}

#define GET_OP_CLASSES
#include "sto/Dialect/Sto/StoOps.cpp.inc"
