//===- StoDialectTest.cpp - C++ API of the sto dialect --------------------===//

#include "sto/Dialect/Sto/StoOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"

#include "gtest/gtest.h"

using namespace mlir;
using namespace mlir::sto;

namespace {

class StoDialectTest : public ::testing::Test {
protected:
  StoDialectTest() {
    ctx.loadDialect<StoDialect, func::FuncDialect, arith::ArithDialect,
                    tensor::TensorDialect>();
  }
  MLIRContext ctx;
};

TEST_F(StoDialectTest, BuildersMakeVerifiedOps) {
  OpBuilder b(&ctx);
  Location loc = b.getUnknownLoc();
  OwningOpRef<ModuleOp> module = ModuleOp::create(loc);
  b.setInsertionPointToEnd(module->getBody());
  auto seed = arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(7));
  auto key = SeedOp::create(b, loc, seed);
  EXPECT_TRUE(isa<KeyType>(key.getType()));
  auto type = RankedTensorType::get({4, 8}, b.getF32Type());
  auto u = UniformOp::create(b, loc, type, key, ValueRange{},
                             b.getF64FloatAttr(-1.0), b.getF64FloatAttr(1.0));
  EXPECT_EQ(u.getType(), type);
  EXPECT_TRUE(succeeded(verify(*module)));
}

TEST_F(StoDialectTest, VerifierRejectsBadRate) {
  const char *src = R"mlir(
    func.func @f(%k: !sto.key, %x: tensor<8xf32>) -> tensor<8xf32> {
      %y = sto.dropout %k, %x {rate = 1.5 : f64} : tensor<8xf32>
      return %y : tensor<8xf32>
    })mlir";
  std::string diag;
  ScopedDiagnosticHandler handler(&ctx, [&](Diagnostic &d) {
    diag = d.str();
    return success();
  });
  OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(src, &ctx);
  EXPECT_FALSE(module);
  EXPECT_NE(diag.find("'rate' must be in [0, 1), got 1.5"), std::string::npos)
      << diag;
}

TEST_F(StoDialectTest, SpsaOpsDeclareReplay) {
  const char *src = R"mlir(
    func.func @f(%k: !sto.key, %p: tensor<8xf32>, %g: f32) -> tensor<8xf32> {
      %a = sto.spsa_perturb %k, %p {scale = 1.0e-3 : f64} : tensor<8xf32>
      %b = sto.spsa_update %k, %a, %g {lr = 1.0e-2 : f64} : tensor<8xf32>, f32
      %c = sto.noise %k, %b {scale = 1.0 : f64} : tensor<8xf32>
      return %c : tensor<8xf32>
    })mlir";
  OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(src, &ctx);
  ASSERT_TRUE(module);
  int replaying = 0, consuming = 0;
  module->walk([&](KeyConsumerOpInterface op) {
    EXPECT_TRUE(isa<KeyType>(op.getKeyOperand().getType()));
    (op.replaysKey() ? replaying : consuming)++;
  });
  EXPECT_EQ(replaying, 2);
  EXPECT_EQ(consuming, 1);
}

} // namespace
