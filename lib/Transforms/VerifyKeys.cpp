//===- VerifyKeys.cpp - key linearity check -------------------------------===//

#include "sto/Transforms/Passes.h"

namespace mlir {
namespace sto {
#define GEN_PASS_DEF_STOVERIFYKEYS
#include "sto/Transforms/Passes.h.inc"
} // namespace sto
} // namespace mlir

using namespace mlir;

namespace {
struct StoVerifyKeys : public sto::impl::StoVerifyKeysBase<StoVerifyKeys> {
  void runOnOperation() override {}
};
} // namespace
