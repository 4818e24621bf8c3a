//===- Passes.h - sto transformation passes ---------------------*- C++ -*-===//

#ifndef STO_TRANSFORMS_PASSES_H
#define STO_TRANSFORMS_PASSES_H

#include "mlir/Pass/Pass.h"

namespace mlir {
class RewritePatternSet;
} // namespace mlir

namespace mlir {
namespace sto {

#define GEN_PASS_DECL
#include "sto/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "sto/Transforms/Passes.h.inc"

/// linalg.matmul and linalg.batch_matmul on f32 buffers with contiguous rows
/// (plain or with a transposed operand) become calls of libsto_runtime's
/// sto_cuda_compiled_sgemm (cuBLAS); see sto-matmul-to-cublas.
void populateMatmulToCublasPatterns(RewritePatternSet &patterns);

} // namespace sto
} // namespace mlir

#endif // STO_TRANSFORMS_PASSES_H
