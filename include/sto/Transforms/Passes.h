//===- Passes.h - sto transformation passes ---------------------*- C++ -*-===//

#ifndef STO_TRANSFORMS_PASSES_H
#define STO_TRANSFORMS_PASSES_H

#include "mlir/Pass/Pass.h"

namespace mlir {
class ModuleOp;
class RewritePatternSet;
} // namespace mlir

namespace mlir {
namespace sto {

#define GEN_PASS_DECL
#include "sto/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "sto/Transforms/Passes.h.inc"

/// The unit attribute that marks a model's own reductions (set by
/// sto-tag-user-reductions, used by sto-lane-reductions).
constexpr llvm::StringLiteral kUserReductionAttr = "sto.user_reduction";

/// The unit attribute on the scf.if that a run-time check puts around the
/// rest of a block (the failure branch records the error): the rest of the
/// body still runs as written when the check passes.
constexpr llvm::StringLiteral kCheckGuardAttr = "sto.check_guard";

/// The unit attribute on sto-lane-reductions' 16-lane loop: LLVM's loop
/// vectorizer makes it one vector iteration, whatever the body (an exp
/// polynomial, stores of a fused elementwise result), so
/// sto-promote-accumulators does not unroll it into 16 scalar chains.
constexpr llvm::StringLiteral kVectorLanesAttr = "sto.vector_lanes";

/// linalg.matmul and linalg.batch_matmul on f32 buffers with contiguous rows
/// (plain or with a transposed operand) become calls of libsto_runtime's
/// sto_cuda_compiled_sgemm (cuBLAS); see sto-matmul-to-cublas.
void populateMatmulToCublasPatterns(RewritePatternSet &patterns);

/// The largest product of static trip counts over the loops nested in
/// `root`'s regions (1 when there are none), or nothing when one of them is
/// not an scf.for/scf.parallel with static bounds. Saturates at INT64_MAX.
std::optional<int64_t> innerStaticWork(Operation *root);

/// The operations in `root`'s regions that do work in each iteration: not
/// loops, terminators or constants (at least 1).
int64_t nestBodyOps(Operation *root);

/// Removes the statically empty operands of tensor.concat and tensor.pad
/// (sto-fold-empty-tensors).
void populateFoldEmptyTensorsPatterns(RewritePatternSet &patterns);

/// Checks what the C ABI of `module` needs (sto-prepare-c-abi and the
/// header writer both call it): public functions have C identifiers as
/// names and types the ABI can pass; no function takes a name reserved for
/// libsto_runtime or the libraries compiled code calls; no tensor is larger
/// than 2^63 bytes. Reports a located error for the first problem.
LogicalResult verifyCAbiModule(ModuleOp module);

} // namespace sto
} // namespace mlir

#endif // STO_TRANSFORMS_PASSES_H
