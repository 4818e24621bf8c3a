//===- RecordError.h - failures of compiled code as status codes -*- C++
//-*-===//
//
// Compiled functions report what they cannot return (sizes that disagree)
// through libsto_runtime's sto_record_error; the C entry point returns the
// status and sto_last_error_message() the message. A failed check skips the
// rest of its block (guardRestOfBlock).
//
//===----------------------------------------------------------------------===//

#ifndef STO_LIB_TRANSFORMS_RECORDERROR_H
#define STO_LIB_TRANSFORMS_RECORDERROR_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"

namespace mlir {
namespace sto {

/// STO_ERROR_RUNTIME, STO_ERROR_INVALID_ARGUMENT, STO_ERROR_SHAPE_MISMATCH and
/// STO_ERROR_ASSERTION of
/// sto-c/Runtime.h.
constexpr int32_t kRuntimeStatus = 3;
constexpr int32_t kInvalidArgumentStatus = 6;
constexpr int32_t kShapeMismatchStatus = 7;
constexpr int32_t kAssertionStatus = 9;

/// A pointer to a private NUL-terminated constant of `module` holding
/// `text`, built at `b`'s insertion point.
Value buildMessagePointer(OpBuilder &b, Location loc, ModuleOp module,
                          StringRef text);

/// Calls sto_record_error(status, message) at `b`'s insertion point,
/// declaring it in `module` if needed. `message` is a pointer from
/// buildMessagePointer.
void buildRecordError(OpBuilder &b, Location loc, ModuleOp module,
                      int32_t status, Value message);
/// The same with the status an i32 value.
void buildRecordError(OpBuilder &b, Location loc, ModuleOp module, Value status,
                      Value message);

/// Runs the ops of `after`'s block that follow it only if `ok` holds;
/// otherwise runs what `onFailure` builds (the recording of the failure) and
/// skips them: a function body or an `scf.if` branch with scalar results
/// yields zeros, an `scf.for` iteration the values it came in with. Fails,
/// changing nothing, where the block cannot be cut short.
LogicalResult
guardRestOfBlock(Operation *after, Value ok,
                 function_ref<void(OpBuilder &, Location)> onFailure);

} // namespace sto
} // namespace mlir

#endif // STO_LIB_TRANSFORMS_RECORDERROR_H
