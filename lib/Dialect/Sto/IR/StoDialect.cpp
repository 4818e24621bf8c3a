//===- StoDialect.cpp - sto dialect, types and attributes -----------------===//

#include "sto/Dialect/Sto/StoDialect.h"
#include "sto/Dialect/Sto/StoOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cmath>

using namespace mlir;
using namespace mlir::sto;

#include "sto/Dialect/Sto/StoDialect.cpp.inc"
#include "sto/Dialect/Sto/StoEnums.cpp.inc"

#define GET_TYPEDEF_CLASSES
#include "sto/Dialect/Sto/StoTypes.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "sto/Dialect/Sto/StoAttrs.cpp.inc"

void StoDialect::initialize() {
  addTypes<
#define GET_TYPEDEF_LIST
#include "sto/Dialect/Sto/StoTypes.cpp.inc"
      >();
  addAttributes<
#define GET_ATTRDEF_LIST
#include "sto/Dialect/Sto/StoAttrs.cpp.inc"
      >();
  addOperations<
#define GET_OP_LIST
#include "sto/Dialect/Sto/StoOps.cpp.inc"
      >();
}

//===----------------------------------------------------------------------===//
// Discardable attributes
//===----------------------------------------------------------------------===//

LogicalResult StoDialect::verifyOperationAttribute(Operation *op,
                                                   NamedAttribute attr) {
  // sto-prepare-c-abi records a public function's C signature here; a
  // prepared module can be compiled again, so the attribute may come from
  // the input, and sto-emit-c-abi and the C header read it back as types.
  if (attr.getName() != "sto.c_abi")
    return success();
  auto abi = dyn_cast<DictionaryAttr>(attr.getValue());
  auto typeArray = [&](StringRef key) {
    auto array = abi ? abi.getAs<ArrayAttr>(key) : ArrayAttr();
    return array &&
           llvm::all_of(array, [](Attribute a) { return isa<TypeAttr>(a); });
  };
  auto name = abi ? abi.getAs<StringAttr>("name") : StringAttr();
  if (!name || name.getValue().empty() || !typeArray("inputs") ||
      !typeArray("results"))
    return op->emitOpError()
           << "malformed 'sto.c_abi' attribute: expected a dictionary of "
              "'name' (the C entry point's name) and 'inputs' and 'results' "
              "(arrays of types), got "
           << attr.getValue();
  return success();
}

//===----------------------------------------------------------------------===//
// KeyType
//===----------------------------------------------------------------------===//

Type KeyType::parse(AsmParser &parser) {
  SMLoc loc = parser.getCurrentLocation();
  if (succeeded(parser.parseOptionalLess())) {
    parser.emitError(loc, "'!sto.key' takes no parameters");
    return {};
  }
  return KeyType::get(parser.getContext());
}

void KeyType::print(AsmPrinter &) const {}

//===----------------------------------------------------------------------===//
// EstimatorAttr
//===----------------------------------------------------------------------===//

LogicalResult
EstimatorAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                      EstimatorKind kind, FloatAttr baseline) {
  if (!baseline)
    return success();
  if (kind != EstimatorKind::reinforce)
    return emitError() << "'baseline' applies to the reinforce estimator "
                          "only, not to "
                       << stringifyEstimatorKind(kind);
  if (!baseline.getType().isF64())
    return emitError() << "'baseline' must be an f64 attribute, got "
                       << baseline;
  if (!std::isfinite(baseline.getValueAsDouble()))
    return emitError() << "'baseline' must be finite, got " << baseline;
  return success();
}
