//===- ApproximateMath.cpp - polynomial expansion of math ops -------------===//

#include "sto/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir {
namespace sto {
#define GEN_PASS_DEF_STOAPPROXIMATEMATH
#include "sto/Transforms/Passes.h.inc"
} // namespace sto
} // namespace mlir

using namespace mlir;

namespace {

struct StoApproximateMath
    : public sto::impl::StoApproximateMathBase<StoApproximateMath> {
  void runOnOperation() override {
    // sqrt is correctly rounded everywhere; fma is one rounding everywhere.
    // The populate functions pass the full operation name ("math.sqrt"):
    // compared with bare names, rsqrt on vector<8xf32> got the AVX2
    // approximation (an x86vector op, approximate, and a crash since that
    // dialect is not loaded) and f16/bf16 sqrt was widened to f32.
    auto approximate = [](StringRef name) {
      return name != math::SqrtOp::getOperationName() &&
             name != math::RsqrtOp::getOperationName() &&
             name != math::FmaOp::getOperationName();
    };
    RewritePatternSet patterns(&getContext());
    populateMathF32ExpansionPatterns(patterns, approximate);
    populateMathPolynomialApproximationPatterns(patterns, approximate);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
