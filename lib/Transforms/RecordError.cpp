//===- RecordError.cpp - failures of compiled code as status codes --------===//

#include "RecordError.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"

using namespace mlir;

Value sto::buildMessagePointer(OpBuilder &b, Location loc, ModuleOp module,
                               StringRef text) {
  // Equal messages share one constant.
  std::string data = (text + llvm::Twine('\0')).str();
  auto type = LLVM::LLVMArrayType::get(b.getI8Type(), data.size());
  StringAttr value = b.getStringAttr(data);
  LLVM::GlobalOp global;
  unsigned count = 0;
  for (auto g : module.getOps<LLVM::GlobalOp>()) {
    if (!g.getSymName().starts_with("__sto_message_"))
      continue;
    ++count;
    if (g.getValueAttr() == value)
      global = g;
  }
  if (!global) {
    std::string name;
    do {
      name = ("__sto_message_" + llvm::Twine(count++)).str();
    } while (module.lookupSymbol(name));
    OpBuilder mb = OpBuilder::atBlockEnd(module.getBody());
    global = LLVM::GlobalOp::create(mb, loc, type, /*isConstant=*/true,
                                    LLVM::Linkage::Private, name, value);
  }
  return LLVM::AddressOfOp::create(b, loc, global);
}

void sto::buildRecordError(OpBuilder &b, Location loc, ModuleOp module,
                           Value status, Value message) {
  auto record = module.lookupSymbol<func::FuncOp>("sto_record_error");
  if (!record) {
    OpBuilder mb(module.getBodyRegion());
    record = func::FuncOp::create(
        mb, module.getLoc(), "sto_record_error",
        mb.getFunctionType(
            {mb.getI32Type(), LLVM::LLVMPointerType::get(b.getContext())}, {}));
    record.setPrivate();
  }
  func::CallOp::create(b, loc, record, ValueRange{status, message});
}

void sto::buildRecordError(OpBuilder &b, Location loc, ModuleOp module,
                           int32_t status, Value message) {
  Value code = arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(status));
  buildRecordError(b, loc, module, code, message);
}
