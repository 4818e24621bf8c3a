//===- Pipelines.h - named sto pass pipelines -------------------*- C++ -*-===//
//
// The end-to-end compilation is a library of phases (as in CIRCT's firtool
// and IREE's compiler): each `build*Phase` function appends one phase to a
// pass manager, `buildCpuPipeline` chains them up to a chosen phase, and
// `registerStoPipelines` exposes them to sto-opt.
//
//===----------------------------------------------------------------------===//

#ifndef STO_PIPELINES_PIPELINES_H
#define STO_PIPELINES_PIPELINES_H

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassOptions.h"

#include <optional>
#include <string>

namespace mlir {
namespace sto {

/// Options shared by every sto pipeline.
struct StoPipelineOptions : public PassPipelineOptions<StoPipelineOptions> {
  PassOptions::Option<bool> verifyKeys{
      *this, "verify-keys",
      llvm::cl::desc("Fail compilation when an RNG key is consumed twice "
                     "(sto-verify-keys)"),
      llvm::cl::init(true)};
  PassOptions::Option<bool> parallel{
      *this, "parallel",
      llvm::cl::desc("Run the outer parallel loops on several threads "
                     "(OpenMP); off gives sequential loops"),
      llvm::cl::init(true)};
  PassOptions::Option<bool> outParams{
      *this, "out-params",
      llvm::cl::desc("Turn returned buffers into caller-allocated out "
                     "parameters (needed by the C ABI)"),
      llvm::cl::init(true)};
  PassOptions::Option<bool> shapeChecks{
      *this, "shape-checks",
      llvm::cl::desc("Check at run time that the dynamic sizes a function "
                     "needs equal agree, returning STO_ERROR_SHAPE_MISMATCH "
                     "from the C entry point otherwise "
                     "(sto-insert-shape-checks, sto-guard-shape-checks); "
                     "needs libsto_runtime"),
      llvm::cl::init(false)};
  PassOptions::Option<bool> runtimeAllocator{
      *this, "runtime-allocator",
      llvm::cl::desc("CPU: allocate buffers through libsto_runtime "
                     "(_mlir_memref_to_llvm_alloc/_free, which keep large "
                     "blocks for reuse) instead of malloc/free; sto-compile "
                     "sets it, mlir-runner runs need it off"),
      llvm::cl::init(false)};
  PassOptions::Option<std::string> chip{
      *this, "chip", llvm::cl::desc("CUDA target: the GPU architecture"),
      llvm::cl::init("sm_90a")};
  PassOptions::Option<std::string> ptxFeatures{
      *this, "ptx-features",
      llvm::cl::desc("CUDA target: PTX features (sm_90a needs +ptx80 or "
                     "later)"),
      llvm::cl::init("+ptx80")};
  PassOptions::Option<std::string> gpuFormat{
      *this, "gpu-format",
      llvm::cl::desc("CUDA target: what the GPU binary holds: fatbin (cubin "
                     "+ PTX, needs ptxas and fatbinary), bin (cubin) or isa "
                     "(PTX text, for inspection and tests)"),
      llvm::cl::init("fatbin")};
  PassOptions::Option<std::string> moeScans{
      *this, "moe-scans",
      llvm::cl::desc("How expert_load and dispatch assign their counts and "
                     "slots: sequential (one scan; the CPU default) or "
                     "parallel (integer atomic adds for the counts; counts "
                     "per chunk of tokens, then prefixes and ranks for the "
                     "slots; the CUDA default). Same results."),
      llvm::cl::init("")};
  PassOptions::Option<std::string> dpForm{
      *this, "dp-form",
      llvm::cl::desc("How dp_aggregate runs: grouped (rows streamed in "
                     "cache-sized groups, lanes innermost; the CPU default) "
                     "or flat (a thread per row lane and per output; the "
                     "CUDA default). Same results."),
      llvm::cl::init("")};
  PassOptions::Option<bool> gpuCoarsenReductions{
      *this, "gpu-coarsen-reductions",
      llvm::cl::desc("CUDA target: also give each thread four consecutive "
                     "outputs of reductions whose last parallel dimension "
                     "precedes their reduction dimensions (column sums, "
                     "combine, dp_aggregate's norm lanes), with 16-byte "
                     "loads. Off until measured. Same results."),
      llvm::cl::init(false)};
  PassOptions::Option<bool> gpuInterleave{
      *this, "gpu-interleave",
      llvm::cl::desc("CUDA target: in kernels too small to fill the GPU, "
                     "unroll loops that carry values through a large body "
                     "(the MoE gates' walk over a row) by 4 and interleave "
                     "the copies' independent work. Same results."),
      llvm::cl::init(true)};
  PassOptions::Option<int64_t> threadsPerBlock{
      *this, "threads-per-block",
      llvm::cl::desc("CUDA target: threads per block of the elementwise "
                     "kernels"),
      llvm::cl::init(256)};
};

/// The phases of compilation, in order; `--compile-to=<name>` stops after
/// one of them.
enum class Phase { Input, Frontend, Linalg, Bufferized, Loops, LLVM };

/// Parses a phase name (`input`, `frontend`, `linalg`, `bufferized`,
/// `loops`, `llvm`).
std::optional<Phase> parsePhase(llvm::StringRef name);
llvm::StringRef phaseName(Phase phase);

/// Why `chip` and `ptxFeatures` (the CUDA target's options) are not an
/// NVPTX architecture and features, or "".
std::string checkCudaTarget(llvm::StringRef chip, llvm::StringRef ptxFeatures);

/// Frontend: checks key linearity (unless disabled), lifts cf loops to scf
/// and simplifies
/// (canonicalize + CSE). Every target pipeline starts with this phase.
void buildFrontendPipeline(OpPassManager &pm, const StoPipelineOptions &opts);

/// Lowers sto to linalg/arith with Philox in the loop bodies, then fuses the
/// elementwise linalg ops so noise is drawn where it is consumed.
/// `widePhilox` picks the CPU-friendly form of Philox (words in i64); GPUs
/// take the i32 form (mul.wide.u32). Both give the same bits. The MoE scans
/// are parallel (per chunk of tokens) when `opts.moeScans` says so, or, if
/// it is empty, when `parallelScans` (the target's default) is set.
void buildLinalgPhase(OpPassManager &pm, const StoPipelineOptions &opts,
                      bool widePhilox = true, bool parallelScans = false);

/// One-shot bufferization (identity layouts at function boundaries),
/// out-parameters for returned buffers, and deallocation.
void buildBufferizePhase(OpPassManager &pm, const StoPipelineOptions &opts);

/// linalg to (parallel) loops, on OpenMP threads when `parallel` is set.
void buildCpuLoopsPhase(OpPassManager &pm, const StoPipelineOptions &opts);

/// Everything to the LLVM dialect.
void buildCpuToLLVMPhase(OpPassManager &pm, const StoPipelineOptions &opts);

/// The description of the alias scope domain that marks the stores
/// sto-streaming-stores made non-temporal, in the LLVM IR of the CPU
/// pipeline: sto-compile turns those that LLVM vectorized into aligned
/// vector stores into non-temporal stores again (see MarkStreamingStores).
constexpr llvm::StringLiteral kStreamingScopeDomain = "sto.streaming";

/// The CPU pipeline up to and including `last`.
void buildCpuPipeline(OpPassManager &pm, const StoPipelineOptions &opts,
                      Phase last = Phase::LLVM);

/// CUDA: parallel loops become kernels (one thread per Philox block of four
/// elements, consecutive threads on consecutive blocks), host buffers become
/// device buffers, kernels are outlined.
void buildCudaKernelsPhase(OpPassManager &pm, const StoPipelineOptions &opts);

/// CUDA: kernels to NVVM and a fatbin (cubin for `chip` plus PTX), host code
/// to the LLVM dialect calling the mgpu* functions of libsto_runtime.
void buildCudaToLLVMPhase(OpPassManager &pm, const StoPipelineOptions &opts);

/// The CUDA pipeline up to and including `last` (Loops means kernels).
void buildCudaPipeline(OpPassManager &pm, const StoPipelineOptions &opts,
                       Phase last = Phase::LLVM);

/// Registers `sto-frontend-pipeline`, `sto-cpu-pipeline` and
/// `sto-cuda-pipeline` with the global pass pipeline registry.
void registerStoPipelines();

} // namespace sto
} // namespace mlir

#endif // STO_PIPELINES_PIPELINES_H
