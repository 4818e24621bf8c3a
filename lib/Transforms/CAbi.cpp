//===- CAbi.cpp - C entry points of compiled modules ----------------------===//
//
// The C ABI of DESIGN.md section 6: one `int32_t name(...)` per public
// function, plain pointers and sizes instead of MLIR memref descriptors.
// `sto-prepare-c-abi` records each public function's tensor-level signature
// before lowering (afterwards only memref descriptors remain), and
// `sto-emit-c-abi` builds the entry points in the LLVM dialect.
//
//===----------------------------------------------------------------------===//

#include "RecordError.h"
#include "sto/Dialect/Sto/StoOps.h"
#include "sto/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/FunctionCallUtils.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/MathExtras.h"

namespace mlir {
namespace sto {
#define GEN_PASS_DEF_STOPREPARECABI
#define GEN_PASS_DEF_STOEMITCABI
#include "sto/Transforms/Passes.h.inc"
} // namespace sto
} // namespace mlir

using namespace mlir;
using namespace mlir::sto;

static constexpr StringLiteral kAbiAttr = "sto.c_abi";
static constexpr StringLiteral kImplPrefix = "__sto_impl_";

namespace {

/// Element and scalar types with a C type in the header: the integers C has
/// (bool, 8 to 64 bits), index, f16/bf16 (as their bits), f32, f64.
bool hasCType(Type t) {
  if (auto i = dyn_cast<IntegerType>(t))
    return llvm::is_contained({1u, 8u, 16u, 32u, 64u}, i.getWidth());
  return t.isIndex() || t.isF16() || t.isBF16() || t.isF32() || t.isF64();
}

/// C and C++ keywords (the header is included from both) and `main`.
bool isReservedInC(StringRef name) {
  static const llvm::StringSet<> words = {"alignas",      "alignof",
                                          "and",          "and_eq",
                                          "asm",          "auto",
                                          "bitand",       "bitor",
                                          "bool",         "break",
                                          "case",         "catch",
                                          "char",         "char8_t",
                                          "char16_t",     "char32_t",
                                          "class",        "compl",
                                          "concept",      "const",
                                          "consteval",    "constexpr",
                                          "constinit",    "const_cast",
                                          "continue",     "co_await",
                                          "co_return",    "co_yield",
                                          "decltype",     "default",
                                          "delete",       "do",
                                          "double",       "dynamic_cast",
                                          "else",         "enum",
                                          "explicit",     "export",
                                          "extern",       "false",
                                          "float",        "for",
                                          "friend",       "goto",
                                          "if",           "inline",
                                          "int",          "long",
                                          "main",         "mutable",
                                          "namespace",    "new",
                                          "noexcept",     "not",
                                          "not_eq",       "nullptr",
                                          "operator",     "or",
                                          "or_eq",        "private",
                                          "protected",    "public",
                                          "register",     "reinterpret_cast",
                                          "requires",     "restrict",
                                          "return",       "short",
                                          "signed",       "sizeof",
                                          "static",       "static_assert",
                                          "static_cast",  "struct",
                                          "switch",       "template",
                                          "this",         "thread_local",
                                          "throw",        "true",
                                          "try",          "typedef",
                                          "typeid",       "typename",
                                          "typeof",       "typeof_unqual",
                                          "union",        "unsigned",
                                          "using",        "virtual",
                                          "void",         "volatile",
                                          "wchar_t",      "while",
                                          "xor",          "xor_eq",
                                          "_Alignas",     "_Alignof",
                                          "_Atomic",      "_BitInt",
                                          "_Bool",        "_Complex",
                                          "_Generic",     "_Imaginary",
                                          "_Noreturn",    "_Static_assert",
                                          "_Thread_local"};
  return words.contains(name);
}

bool isCIdentifier(StringRef name) {
  return !name.empty() && (llvm::isAlpha(name[0]) || name[0] == '_') &&
         llvm::all_of(name,
                      [](char c) { return llvm::isAlnum(c) || c == '_'; });
}

/// A function of <math.h> (or a GNU one LLVM emits, sincos and exp10), in
/// its double, float or long double form: compiled code calls them (math
/// without an expansion calls libm, and LLVM lowers some intrinsics to
/// them), and a definition of the module with that name took those calls
/// (math.cbrt called a helper named @cbrt).
bool isLibmName(StringRef name) {
  static const llvm::StringSet<> bases = {
      "acos",   "asin",     "atan",    "atan2",     "cos",
      "sin",    "tan",      "acosh",   "asinh",     "atanh",
      "cosh",   "sinh",     "tanh",    "exp",       "exp2",
      "exp10",  "expm1",    "frexp",   "ilogb",     "ldexp",
      "log",    "log10",    "log1p",   "log2",      "logb",
      "modf",   "scalbn",   "scalbln", "cbrt",      "fabs",
      "hypot",  "pow",      "sqrt",    "erf",       "erfc",
      "lgamma", "tgamma",   "ceil",    "floor",     "nearbyint",
      "rint",   "lrint",    "llrint",  "round",     "roundeven",
      "lround", "llround",  "trunc",   "fmod",      "remainder",
      "remquo", "copysign", "nan",     "nextafter", "nexttoward",
      "fdim",   "fmax",     "fmin",    "fma",       "sincos"};
  if (bases.contains(name))
    return true;
  return (name.ends_with("f") || name.ends_with("l")) &&
         bases.contains(name.drop_back());
}

/// Names that compiled code calls or that libsto_runtime defines: a
/// function of the module with such a name would replace them.
bool isReservedForRuntime(StringRef name) {
  return name.starts_with("sto_") || name.starts_with("__sto") ||
         name.starts_with("mgpu") || name.starts_with("__kmpc_") ||
         name.starts_with("omp_") || name.starts_with("__nv_") ||
         name.starts_with("_mlir_memref_to_llvm_") || isLibmName(name) ||
         llvm::is_contained({"malloc", "free", "aligned_alloc", "calloc",
                             "realloc", "memcpy", "memmove", "memset",
                             "memrefCopy", "abort", "exit"},
                            name);
}

/// The bytes of one element of type `t`, or nothing when they overflow
/// int64_t. Types without a known size count 8 bytes (a key, a pointer).
std::optional<int64_t> elementBytes(Type t) {
  if (t.isIntOrFloat())
    return std::max<int64_t>(1, (t.getIntOrFloatBitWidth() + 7) / 8);
  if (auto complex = dyn_cast<ComplexType>(t)) {
    std::optional<int64_t> part = elementBytes(complex.getElementType());
    int64_t bytes;
    if (!part || llvm::MulOverflow(*part, int64_t(2), bytes))
      return std::nullopt;
    return bytes;
  }
  if (auto vector = dyn_cast<VectorType>(t)) {
    std::optional<int64_t> bytes = elementBytes(vector.getElementType());
    for (int64_t d : vector.getShape())
      if (!bytes || llvm::MulOverflow(*bytes, d, *bytes))
        return std::nullopt;
    return bytes;
  }
  return 8;
}

/// The byte size of a shaped type (tensor, memref, vector), over its static
/// dimensions, fits int64_t: the C ABI's sizes, every index computation and
/// the allocation's byte count (a wrapped one allocated too little) assume
/// it.
bool fitsInMemory(Type t) {
  auto shaped = dyn_cast<ShapedType>(t);
  if (!shaped)
    return true;
  std::optional<int64_t> bytes = elementBytes(shaped.getElementType());
  if (!bytes)
    return false;
  if (!shaped.hasRank())
    return true;
  for (int64_t d : shaped.getShape()) {
    if (ShapedType::isDynamic(d))
      continue;
    if (llvm::MulOverflow(*bytes, d, *bytes))
      return false;
  }
  return true;
}

/// Unranked tensors bufferize to unranked memrefs, whose copies nothing in
/// the pipelines lowers (a copy into a callee's result was dropped: the
/// result read as zeros).
constexpr llvm::StringLiteral unrankedAdvice =
    ": sto-compile needs ranked tensors (tensor<?x?xf32> for sizes known "
    "only at run time)";

/// Whether `actual`, a prepared function's argument or result at any phase,
/// is what the C ABI's `recorded` type becomes: the type itself, a buffer of
/// the tensor's shape and element type, or the i64 of a key.
bool matchesRecorded(Type recorded, Type actual) {
  if (recorded == actual)
    return true;
  if (isa<KeyType>(recorded))
    return actual.isInteger(64);
  auto tensor = dyn_cast<RankedTensorType>(recorded);
  auto buffer = dyn_cast<MemRefType>(actual);
  return tensor && buffer && tensor.getShape() == buffer.getShape() &&
         tensor.getElementType() == buffer.getElementType();
}

/// A prepared function's signature is that of its 'sto.c_abi' record (the
/// C entry point is built from the record and passes the function's
/// values as the record's types): at the tensor level the recorded inputs
/// and results; after bufferization the inputs, one out-parameter per
/// tensor result and the scalar results.
LogicalResult verifyRecordedSignature(func::FuncOp func, DictionaryAttr abi) {
  auto inputs = abi.getAs<ArrayAttr>("inputs");
  auto results = abi.getAs<ArrayAttr>("results");
  auto types = [](ArrayAttr a, SmallVectorImpl<Type> &out) {
    for (Attribute e : a) {
      auto t = dyn_cast<TypeAttr>(e);
      if (!t)
        return false;
      out.push_back(t.getValue());
    }
    return true;
  };
  SmallVector<Type> in, out;
  if (!abi.getAs<StringAttr>("name") || !inputs || !results ||
      !types(inputs, in) || !types(results, out))
    return mlir::emitError(func.getLoc())
           << "malformed '" << kAbiAttr
           << "' attribute (a name, and inputs and results that are types)";
  if (!func.isPublic())
    return mlir::emitError(func.getLoc())
           << "function '" << func.getSymName()
           << "' with a 'sto.c_abi' entry point must be public";
  FunctionType type = func.getFunctionType();
  // The recorded results as the function has them: all returned, or the
  // tensors as out-parameters after the inputs and the rest returned.
  SmallVector<Type> wantArgs(in), wantResults;
  if (type.getNumInputs() == in.size()) {
    wantResults = out;
  } else {
    for (Type t : out)
      (isa<RankedTensorType>(t) ? wantArgs : wantResults).push_back(t);
  }
  auto mismatch = [&](StringRef what, ArrayRef<Type> want,
                      TypeRange got) -> LogicalResult {
    if (want.size() == got.size() &&
        llvm::all_of(llvm::zip_equal(want, got), [](auto pair) {
          return matchesRecorded(std::get<0>(pair), std::get<1>(pair));
        }))
      return success();
    InFlightDiagnostic diag = mlir::emitError(func.getLoc());
    diag << "the " << what << " of '" << func.getSymName()
         << "' do not match its 'sto.c_abi' record (inputs " << inputs
         << ", results " << results << "): expected ";
    llvm::interleaveComma(want, diag);
    diag << ", got ";
    llvm::interleaveComma(got, diag);
    return diag;
  };
  if (failed(mismatch("arguments", wantArgs, type.getInputs())))
    return failure();
  return mismatch("results", wantResults, type.getResults());
}

} // namespace

LogicalResult mlir::sto::verifyCAbiModule(ModuleOp module) {
  // Only the top level's functions become entry points: a nested module's
  // were dropped without a word.
  auto nested = module.getOps<ModuleOp>();
  if (!nested.empty())
    return mlir::emitError((*nested.begin()).getLoc())
           << "a nested 'builtin.module' is not compiled by sto-compile: "
              "move its functions to the top-level module";
  for (auto func : module.getOps<func::FuncOp>()) {
    // Prepared functions (__sto_impl_*) were checked when they were
    // prepared, but a prepared module may be hand-written: the entry point's
    // recorded name gets the checks of a public function's name.
    if (auto abi = func->getAttrOfType<DictionaryAttr>(kAbiAttr)) {
      auto name = abi.getAs<StringAttr>("name");
      if (name &&
          (!isCIdentifier(name.getValue()) || isReservedInC(name.getValue()) ||
           isReservedForRuntime(name.getValue())))
        return mlir::emitError(func.getLoc())
               << "the C entry point's name '" << name.getValue()
               << "' in 'sto.c_abi' must be a C identifier, not a C or C++ "
                  "keyword, 'main' or a name reserved for libsto_runtime";
      if (failed(verifyRecordedSignature(func, abi)))
        return failure();
      continue;
    }
    // Declarations are the runtime's or the user's own externals.
    if (func.isExternal())
      continue;
    StringRef name = func.getSymName();
    // At the function, without a dump of its body.
    if (isReservedForRuntime(name))
      return mlir::emitError(func.getLoc())
             << "function name '" << name
             << "' is reserved for libsto_runtime and the libraries compiled "
                "code calls (sto_*, __sto*, mgpu*, __kmpc_*, omp_*, __nv_*, "
                "malloc, free, memcpy, the functions of <math.h>, ...): "
                "rename the function";
    if (func.isPublic() && (!isCIdentifier(name) || isReservedInC(name)))
      return mlir::emitError(func.getLoc())
             << "public function '" << name
             << "' needs a name that is a C identifier and not a C or C++ "
                "keyword or 'main': it is the name of its C entry point";
    FunctionType type = func.getFunctionType();
    auto checkType = [&](Type t, StringRef what, unsigned i) -> LogicalResult {
      if (!fitsInMemory(t))
        return mlir::emitError(func.getLoc())
               << "function '" << name << "' has " << what << " #" << i
               << " of type " << t << ", which is larger than 2^63 bytes";
      // (A public function's unranked tensor is refused below: the C ABI
      // cannot pass it.)
      if (!func.isPublic() && isa<UnrankedTensorType>(t))
        return mlir::emitError(func.getLoc())
               << "function '" << name << "' has " << what << " #" << i
               << " of unranked type " << t << unrankedAdvice;
      if (!func.isPublic())
        return success();
      if (auto tensor = dyn_cast<RankedTensorType>(t)) {
        if (hasCType(tensor.getElementType()))
          return success();
      } else if (hasCType(t) || isa<KeyType>(t)) {
        return success();
      }
      return mlir::emitError(func.getLoc())
             << "public function '" << name << "' has " << what << " #" << i
             << " of type " << t
             << ", which the C ABI cannot pass (ranked tensors of, and "
                "scalars of, i1, i8, i16, i32, i64, index, f16, bf16, f32, "
                "f64, and !sto.key are supported)";
    };
    for (auto [i, t] : llvm::enumerate(type.getInputs()))
      if (failed(checkType(t, "argument", i)))
        return failure();
    for (auto [i, t] : llvm::enumerate(type.getResults()))
      if (failed(checkType(t, "result", i)))
        return failure();
    WalkResult walk =
        func.walk([&](Operation *op) {
          // Ops that no pass of the pipelines bufferizes or lowers to loops:
          // they failed in bufferization with "op was not bufferized".
          // (tensor.bitcast between equal shapes is an elementwise
          // arith.bitcast, sto-generalize-elementwise.)
          auto bitcast = dyn_cast<tensor::BitcastOp>(op);
          if (isa<tensor::GatherOp, tensor::ScatterOp, linalg::PackOp,
                  linalg::UnPackOp>(op) ||
              (bitcast &&
               cast<ShapedType>(bitcast.getSource().getType()).getShape() !=
                   cast<ShapedType>(bitcast.getType()).getShape())) {
            op->emitOpError()
                << "is not supported by sto-compile (nothing lowers it to "
                   "loops); write it as a linalg.generic (tensor.extract at "
                   "computed indices, arith.bitcast on elements, linalg.index)";
            return WalkResult::interrupt();
          }
          for (Type t : op->getResultTypes())
            if (isa<UnrankedTensorType>(t)) {
              op->emitOpError()
                  << "result of unranked type " << t << unrankedAdvice;
              return WalkResult::interrupt();
            }
          for (Type t : op->getResultTypes())
            if (!fitsInMemory(t)) {
              op->emitOpError()
                  << "result of type " << t << " is larger than 2^63 bytes";
              return WalkResult::interrupt();
            }
          // A region's arguments too (a monte_carlo's batch of samples).
          for (Region &region : op->getRegions())
            for (Block &block : region)
              for (BlockArgument arg : block.getArguments())
                if (!fitsInMemory(arg.getType())) {
                  op->emitOpError() << "region argument #" << arg.getArgNumber()
                                    << " of type " << arg.getType()
                                    << " is larger than 2^63 bytes";
                  return WalkResult::interrupt();
                }
          return WalkResult::advance();
        });
    if (walk.wasInterrupted())
      return failure();
  }
  return success();
}

namespace {

struct StoPrepareCAbi : public sto::impl::StoPrepareCAbiBase<StoPrepareCAbi> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (failed(verifyCAbiModule(module)))
      return signalPassFailure();
    SymbolTable symbols(module);
    MLIRContext *ctx = &getContext();
    for (auto func :
         llvm::make_early_inc_range(module.getOps<func::FuncOp>())) {
      if (!func.isPublic() || func.isExternal() || func->hasAttr(kAbiAttr))
        continue;
      FunctionType type = func.getFunctionType();
      auto typeArray = [&](TypeRange types) {
        SmallVector<Attribute> attrs;
        for (Type t : types)
          attrs.push_back(TypeAttr::get(t));
        return ArrayAttr::get(ctx, attrs);
      };
      NamedAttribute entries[] = {
          NamedAttribute(StringAttr::get(ctx, "name"), func.getSymNameAttr()),
          NamedAttribute(StringAttr::get(ctx, "inputs"),
                         typeArray(type.getInputs())),
          NamedAttribute(StringAttr::get(ctx, "results"),
                         typeArray(type.getResults()))};
      func->setAttr(kAbiAttr, DictionaryAttr::get(ctx, entries));
      // The C entry point is the function's C interface. Frontends (JAX,
      // torch-mlir's reference backend) often ask for MLIR's own as well;
      // its `_mlir_ciface_` wrapper would inherit `sto.c_abi` and take the
      // entry point's place with a signature of descriptor pointers.
      func->removeAttr(LLVM::LLVMDialect::getEmitCWrapperAttrName());
      // The caller's arrays are `const T *`: bufferization must not write
      // into them (an insert_slice into an argument wrote the caller's
      // input in place).
      for (auto [i, t] : llvm::enumerate(type.getInputs()))
        if (isa<TensorType>(t))
          func.setArgAttr(i, "bufferization.writable",
                          BoolAttr::get(ctx, false));
      std::string implName = (kImplPrefix + func.getSymName()).str();
      if (failed(symbols.rename(func, StringAttr::get(ctx, implName))))
        return signalPassFailure();
    }
  }
};

/// Builds the C entry point for one implementation function.
class EntryPointBuilder {
public:
  EntryPointBuilder(OpBuilder &b, Location loc, bool cuda)
      : b(b), loc(loc), cuda(cuda) {}

  LogicalResult build(LLVM::LLVMFuncOp impl, DictionaryAttr abi);

private:
  Value i64(int64_t v) {
    return LLVM::ConstantOp::create(b, loc, b.getI64Type(),
                                    b.getI64IntegerAttr(v));
  }
  Value i32(int32_t v) {
    return LLVM::ConstantOp::create(b, loc, b.getI32Type(),
                                    b.getI32IntegerAttr(v));
  }
  /// Appends the descriptor fields of a row-major memref at `ptr`.
  void appendDescriptor(Value ptr, RankedTensorType type, ValueRange dynDims,
                        SmallVectorImpl<Value> &operands);
  void flagNull(Value ptr);
  void flagNegative(Value size);
  Value flagOversize(RankedTensorType type, ValueRange dynDims, StringRef name);
  void flagOverlaps();

  /// Calls a libsto_runtime function, declaring it first.
  Value callRuntime(StringRef name, Type result, ValueRange args = {});

  OpBuilder &b;
  Location loc;
  bool cuda;
  Value nullFlag, negFlag;
  /// Whether a tensor's sizes make more than 2^63 bytes, and the message
  /// naming the first such tensor.
  Value bigFlag, bigMessage;
  /// Every tensor array of the call: its pointer as an integer, its byte
  /// count, its name in the header and whether it is a result.
  struct Array {
    Value address, bytes;
    std::string name;
    bool result;
  };
  SmallVector<Array> arrays;
  /// Whether a result overlaps another array, and the message naming them.
  Value overlapFlag, overlapMessage;
  /// A runtime function the module declares with another signature.
  bool badDeclaration = false;
};

Value EntryPointBuilder::callRuntime(StringRef name, Type result,
                                     ValueRange args) {
  auto module =
      b.getInsertionBlock()->getParentOp()->getParentOfType<ModuleOp>();
  // A declaration of another type (the model's own) fails, with an error.
  FailureOr<LLVM::LLVMFuncOp> func = LLVM::lookupOrCreateFn(
      b, module, name, llvm::to_vector(args.getTypes()), result);
  if (failed(func)) {
    badDeclaration = true;
    return isa<LLVM::LLVMVoidType>(result)
               ? Value()
               : LLVM::PoisonOp::create(b, loc, result).getResult();
  }
  auto call = LLVM::CallOp::create(b, loc, *func, args);
  return call.getNumResults() ? call.getResult() : Value();
}

void EntryPointBuilder::flagNull(Value ptr) {
  Value null = LLVM::ZeroOp::create(b, loc, ptr.getType());
  Value isNull =
      LLVM::ICmpOp::create(b, loc, LLVM::ICmpPredicate::eq, ptr, null);
  nullFlag = nullFlag ? LLVM::OrOp::create(b, loc, nullFlag, isNull).getResult()
                      : isNull;
}

void EntryPointBuilder::flagNegative(Value size) {
  Value isNeg =
      LLVM::ICmpOp::create(b, loc, LLVM::ICmpPredicate::slt, size, i64(0));
  negFlag =
      negFlag ? LLVM::OrOp::create(b, loc, negFlag, isNeg).getResult() : isNeg;
}

Value EntryPointBuilder::flagOversize(RankedTensorType type, ValueRange dynDims,
                                      StringRef name) {
  // The static part fits (verifyCAbiModule); each size given multiplies it,
  // unsigned, overflowing or passing INT64_MAX. (A negative size is flagged
  // as such first.)
  int64_t bytes = elementBytes(type.getElementType()).value_or(8);
  for (int64_t d : type.getShape())
    if (!ShapedType::isDynamic(d))
      bytes *= d;
  Type i64Type = b.getI64Type(), i1Type = b.getI1Type();
  auto pairType =
      LLVM::LLVMStructType::getLiteral(b.getContext(), {i64Type, i1Type});
  Value acc = i64(bytes);
  if (dynDims.empty())
    return acc;
  Value over = LLVM::ConstantOp::create(b, loc, i1Type, b.getBoolAttr(false));
  for (Value d : dynDims) {
    Value mul =
        LLVM::UMulWithOverflowOp::create(b, loc, pairType, acc, d).getResult();
    acc = LLVM::ExtractValueOp::create(b, loc, mul, 0);
    over = LLVM::OrOp::create(b, loc, over,
                              LLVM::ExtractValueOp::create(b, loc, mul, 1));
  }
  over = LLVM::OrOp::create(
      b, loc, over,
      LLVM::ICmpOp::create(b, loc, LLVM::ICmpPredicate::slt, acc, i64(0)));
  std::string text;
  llvm::raw_string_ostream os(text);
  os << "the sizes given for " << name << " (" << type
     << ") make more than 2^63 bytes";
  auto module =
      b.getInsertionBlock()->getParentOp()->getParentOfType<ModuleOp>();
  Value message = buildMessagePointer(b, loc, module, text);
  // The first tensor with too many bytes is named.
  if (!bigFlag) {
    bigFlag = over;
    bigMessage = message;
    return acc;
  }
  bigMessage = LLVM::SelectOp::create(b, loc, bigFlag, bigMessage, message);
  bigFlag = LLVM::OrOp::create(b, loc, bigFlag, over);
  return acc;
}

void EntryPointBuilder::flagOverlaps() {
  auto module =
      b.getInsertionBlock()->getParentOp()->getParentOfType<ModuleOp>();
  auto lt = [&](Value x, Value y) {
    return LLVM::ICmpOp::create(b, loc, LLVM::ICmpPredicate::ult, x, y);
  };
  auto end = [&](const Array &a) {
    return LLVM::AddOp::create(b, loc, a.address, a.bytes);
  };
  auto nonEmpty = [&](const Array &a) {
    return LLVM::ICmpOp::create(b, loc, LLVM::ICmpPredicate::ne, a.bytes,
                                i64(0));
  };
  for (size_t r = 0; r < arrays.size(); ++r) {
    if (!arrays[r].result)
      continue;
    for (size_t o = 0; o < arrays.size(); ++o) {
      // Each pair of results once.
      if (o == r || (arrays[o].result && o > r))
        continue;
      const Array &x = arrays[r], &y = arrays[o];
      // [x, x + n) and [y, y + m) share a byte: both are non-empty,
      // x < y + m and y < x + n.
      Value hit = LLVM::AndOp::create(
          b, loc, LLVM::AndOp::create(b, loc, nonEmpty(x), nonEmpty(y)),
          LLVM::AndOp::create(b, loc, lt(x.address, end(y)),
                              lt(y.address, end(x))));
      Value message = buildMessagePointer(
          b, loc, module,
          x.name + " overlaps " + y.name +
              ": a result must not overlap another array of the call");
      // The first pair found is named.
      if (!overlapFlag) {
        overlapFlag = hit;
        overlapMessage = message;
        continue;
      }
      overlapMessage =
          LLVM::SelectOp::create(b, loc, overlapFlag, overlapMessage, message);
      overlapFlag = LLVM::OrOp::create(b, loc, overlapFlag, hit);
    }
  }
}

void EntryPointBuilder::appendDescriptor(Value ptr, RankedTensorType type,
                                         ValueRange dynDims,
                                         SmallVectorImpl<Value> &operands) {
  // allocated, aligned, offset, sizes..., strides... (row-major).
  operands.push_back(ptr);
  operands.push_back(ptr);
  operands.push_back(i64(0));
  SmallVector<Value> sizes;
  unsigned dyn = 0;
  for (int64_t d = 0; d < type.getRank(); ++d)
    sizes.push_back(type.isDynamicDim(d) ? dynDims[dyn++]
                                         : i64(type.getDimSize(d)));
  SmallVector<Value> strides(type.getRank());
  Value stride = i64(1);
  for (int64_t d = type.getRank() - 1; d >= 0; --d) {
    strides[d] = stride;
    if (d > 0)
      stride = LLVM::MulOp::create(b, loc, stride, sizes[d]);
  }
  llvm::append_range(operands, sizes);
  llvm::append_range(operands, strides);
}

LogicalResult EntryPointBuilder::build(LLVM::LLVMFuncOp impl,
                                       DictionaryAttr abi) {
  MLIRContext *ctx = b.getContext();
  auto name = abi.getAs<StringAttr>("name");
  auto inputs = abi.getAs<ArrayAttr>("inputs");
  auto results = abi.getAs<ArrayAttr>("results");
  // Every entry must be a type: cast<TypeAttr> below does not check.
  auto allTypes = [](ArrayAttr a) {
    return llvm::all_of(a, [](Attribute e) { return isa<TypeAttr>(e); });
  };
  if (!name || !inputs || !results || !allTypes(inputs) || !allTypes(results))
    return impl.emitError() << "malformed '" << kAbiAttr << "' attribute";
  Type ptrType = LLVM::LLVMPointerType::get(ctx);
  Type i64Type = b.getI64Type();

  // The C signature.
  auto scalarType = [&](Type t) -> Type {
    if (isa<KeyType>(t) || t.isIndex())
      return i64Type;
    return t;
  };
  SmallVector<Type> argTypes;
  auto addTensorArgs = [&](RankedTensorType t) {
    argTypes.push_back(ptrType);
    argTypes.append(t.getNumDynamicDims(), i64Type);
  };
  for (Attribute a : inputs) {
    Type t = cast<TypeAttr>(a).getValue();
    if (auto tensor = dyn_cast<RankedTensorType>(t))
      addTensorArgs(tensor);
    else
      argTypes.push_back(scalarType(t));
  }
  for (Attribute a : results) {
    Type t = cast<TypeAttr>(a).getValue();
    if (auto tensor = dyn_cast<RankedTensorType>(t))
      addTensorArgs(tensor);
    else
      argTypes.push_back(ptrType);
  }
  auto fnType = LLVM::LLVMFunctionType::get(b.getI32Type(), argTypes);
  auto entry = LLVM::LLVMFuncOp::create(b, loc, name.getValue(), fnType);
  Block *body = entry.addEntryBlock(b);
  b.setInsertionPointToStart(body);

  // Call operands: descriptors for tensors, values for scalars.
  SmallVector<Value> operands;
  unsigned pos = 0;
  // `name` as the header calls the parameter (arg<i>, result<i>).
  auto takeTensor = [&](RankedTensorType t, const std::string &name,
                        bool result) {
    Value ptr = body->getArgument(pos++);
    flagNull(ptr);
    ValueRange dyn = body->getArguments().slice(pos, t.getNumDynamicDims());
    pos += t.getNumDynamicDims();
    for (Value d : dyn)
      flagNegative(d);
    Value bytes = flagOversize(t, dyn, name);
    arrays.push_back({LLVM::PtrToIntOp::create(b, loc, b.getI64Type(), ptr),
                      bytes, name, result});
    appendDescriptor(ptr, t, dyn, operands);
  };
  for (auto [i, a] : llvm::enumerate(inputs)) {
    Type t = cast<TypeAttr>(a).getValue();
    if (auto tensor = dyn_cast<RankedTensorType>(t))
      takeTensor(tensor, "arg" + std::to_string(i), false);
    else
      operands.push_back(body->getArgument(pos++));
  }
  SmallVector<Value> scalarResultPtrs;
  for (auto [i, a] : llvm::enumerate(results)) {
    Type t = cast<TypeAttr>(a).getValue();
    if (auto tensor = dyn_cast<RankedTensorType>(t)) {
      takeTensor(tensor, "result" + std::to_string(i), true);
    } else {
      Value ptr = body->getArgument(pos++);
      flagNull(ptr);
      scalarResultPtrs.push_back(ptr);
    }
  }
  if (operands.size() != impl.getNumArguments())
    return impl.emitError()
           << "C entry point of '" << name.getValue() << "' passes "
           << operands.size() << " values but the lowered function takes "
           << impl.getNumArguments();
  // The scalar results come back as nothing, one value or a struct of them;
  // checked here, a mismatch would crash at call.getResult() below.
  Type returned = impl.getFunctionType().getReturnType();
  size_t numReturned = 1;
  if (isa<LLVM::LLVMVoidType>(returned))
    numReturned = 0;
  else if (auto st = dyn_cast<LLVM::LLVMStructType>(returned))
    numReturned = st.getBody().size();
  if (numReturned != scalarResultPtrs.size())
    return impl.emitError()
           << "C entry point of '" << name.getValue() << "' stores "
           << scalarResultPtrs.size()
           << " scalar results but the lowered function returns "
           << numReturned;

  // Status, in precedence: null pointers (1), negative sizes (2), sizes of
  // more than 2^63 bytes (7, naming the tensor: compiled code sized its
  // loops and copies by them and wrote far past the buffers), a result
  // overlapping another array (6, naming both; with wrong sizes the byte
  // ranges mean nothing). 1 and 2 have the status's own message.
  Block *callBlock = entry.addBlock();
  Block *errorBlock = entry.addBlock();
  errorBlock->addArgument(b.getI32Type(), loc);
  errorBlock->addArgument(ptrType, loc);
  flagOverlaps();
  Value status = i32(0);
  Value noMessage = LLVM::ZeroOp::create(b, loc, ptrType);
  Value message = noMessage;
  // Applied from the lowest precedence up, each overrides the ones before.
  auto fail = [&](Value flag, int32_t code, Value text) {
    if (!flag)
      return;
    status = LLVM::SelectOp::create(b, loc, flag, i32(code), status);
    message = LLVM::SelectOp::create(b, loc, flag, text, message);
  };
  fail(overlapFlag, kInvalidArgumentStatus, overlapMessage);
  fail(bigFlag, kShapeMismatchStatus, bigMessage);
  fail(negFlag, 2, noMessage);
  fail(nullFlag, 1, noMessage);
  Value failed =
      LLVM::ICmpOp::create(b, loc, LLVM::ICmpPredicate::ne, status, i32(0));
  LLVM::CondBrOp::create(b, loc, failed, errorBlock,
                         ValueRange{status, message}, callBlock, ValueRange{});
  b.setInsertionPointToStart(errorBlock);
  // Recorded too, so that sto_last_error_message() describes this call (the
  // status's own message, or the named tensor's), not an earlier failed one.
  Type voidType = LLVM::LLVMVoidType::get(ctx);
  (void)callRuntime("sto_take_status", b.getI32Type());
  callRuntime("sto_record_error", voidType,
              {errorBlock->getArgument(0), errorBlock->getArgument(1)});
  (void)callRuntime("sto_take_status", b.getI32Type());
  LLVM::ReturnOp::create(b, loc, errorBlock->getArgument(0));

  b.setInsertionPointToStart(callBlock);
  (void)callRuntime("sto_take_status", b.getI32Type());
  if (cuda)
    callRuntime("sto_cuda_clear_error", LLVM::LLVMVoidType::get(ctx));
  auto call = LLVM::CallOp::create(b, loc, impl, operands);
  // Failures inside (a result size that does not match, and in a CUDA
  // module the launches and allocations, whose mgpu* functions cannot
  // return a status) are recorded in the runtime.
  Value result = callRuntime("sto_take_status", b.getI32Type());
  if (cuda) {
    Value cudaStatus = callRuntime("sto_cuda_last_error", b.getI32Type());
    Value ok =
        LLVM::ICmpOp::create(b, loc, LLVM::ICmpPredicate::eq, result, i32(0));
    result = LLVM::SelectOp::create(b, loc, ok, cudaStatus, result);
  }
  // A failed call writes no result, scalars included.
  if (!scalarResultPtrs.empty()) {
    Block *storeBlock = entry.addBlock();
    Block *doneBlock = entry.addBlock();
    Value ok =
        LLVM::ICmpOp::create(b, loc, LLVM::ICmpPredicate::eq, result, i32(0));
    LLVM::CondBrOp::create(b, loc, ok, storeBlock, ValueRange{}, doneBlock,
                           ValueRange{});
    b.setInsertionPointToStart(storeBlock);
    Value ret = call.getResult();
    if (scalarResultPtrs.size() == 1) {
      LLVM::StoreOp::create(b, loc, ret, scalarResultPtrs[0]);
    } else {
      for (auto [i, ptr] : llvm::enumerate(scalarResultPtrs)) {
        Value v = LLVM::ExtractValueOp::create(b, loc, ret, i);
        LLVM::StoreOp::create(b, loc, v, ptr);
      }
    }
    LLVM::BrOp::create(b, loc, ValueRange{}, doneBlock);
    b.setInsertionPointToStart(doneBlock);
  }
  LLVM::ReturnOp::create(b, loc, result);
  return failure(badDeclaration);
}

/// The bytes of a global's array type (nested arrays of integers or
/// floats), or nothing when it is of another type or overflows.
std::optional<int64_t> arrayBytes(Type t) {
  int64_t count = 1;
  while (auto array = dyn_cast<LLVM::LLVMArrayType>(t)) {
    if (llvm::MulOverflow(count, int64_t(array.getNumElements()), count))
      return INT64_MAX;
    t = array.getElementType();
  }
  if (!t.isIntOrFloat())
    return std::nullopt;
  int64_t bytes = std::max<int64_t>(1, (t.getIntOrFloatBitWidth() + 7) / 8);
  if (llvm::MulOverflow(count, bytes, bytes))
    return INT64_MAX;
  return bytes;
}

/// A constant tensor that stayed a tensor (one that was not folded into the
/// loops that read it) is data of the object; past 2 GiB its symbol is out
/// of reach of the default code model, and LLVM ran out of memory building
/// a 2^62-byte splat.
constexpr int64_t kMaxGlobalBytes = int64_t(1) << 31;

struct StoEmitCAbi : public sto::impl::StoEmitCAbiBase<StoEmitCAbi> {
  using StoEmitCAbiBase::StoEmitCAbiBase;
  void runOnOperation() override {
    ModuleOp module = getOperation();
    OpBuilder b(module.getContext());
    for (auto global : module.getOps<LLVM::GlobalOp>()) {
      std::optional<int64_t> bytes = arrayBytes(global.getGlobalType());
      if (global.getValueOrNull() && bytes && *bytes > kMaxGlobalBytes) {
        global.emitError() << "a constant of " << global.getGlobalType()
                           << " is too large to embed in the object (at most "
                              "2^31 bytes): fill a tensor.empty with "
                              "linalg.fill instead";
        return signalPassFailure();
      }
    }
    llvm::StringSet<> entryPoints;
    for (auto impl :
         llvm::make_early_inc_range(module.getOps<LLVM::LLVMFuncOp>())) {
      auto abi = impl->getAttrOfType<DictionaryAttr>(kAbiAttr);
      if (!abi)
        continue;
      impl->removeAttr(kAbiAttr);
      // The implementation stays internal so LLVM inlines it into the entry.
      impl.setLinkage(LLVM::Linkage::Internal);
      b.setInsertionPointAfter(impl);
      EntryPointBuilder builder(b, impl.getLoc(), cuda);
      if (failed(builder.build(impl, abi)))
        return signalPassFailure();
      if (auto name = abi.getAs<StringAttr>("name"))
        entryPoints.insert(name.getValue());
    }
    // The C entry points are the object's only exported symbols. Every other
    // function defined here (the module's private helpers) becomes internal:
    // exported under its MLIR name it would clash with a symbol of the
    // program or of another compiled module (two models with a private
    // @forward, a helper named @log shadowing libm's).
    for (auto func : module.getOps<LLVM::LLVMFuncOp>())
      if (!func.isExternal() && !entryPoints.contains(func.getSymName()))
        func.setLinkage(LLVM::Linkage::Internal);
  }
};

} // namespace
