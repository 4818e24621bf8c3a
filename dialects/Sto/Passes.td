//===- Passes.td - sto transformation passes ---------------*- tablegen -*-===//

#ifndef STO_PASSES_TD
#define STO_PASSES_TD

include "mlir/Pass/PassBase.td"

def StoVerifyKeys : Pass<"sto-verify-keys"> {
  let summary = "Checks that every RNG key is consumed at most once";
  let description = [{
    Reports every `!sto.key` value that is consumed twice, which would make
    two random streams identical. A consuming use is any operand use of the
    key: a sampler, `sto.split`, a call, a return, a branch or a region
    terminator (`scf.yield`). The error is at the second use and a note
    points at the first.

    The check follows control flow: uses in the exclusive branches of
    `scf.if`/`scf.index_switch` or `cf.cond_br` count once; a key used inside
    a loop body (`scf.for`, `scf.while`, `scf.parallel`, the body of
    `sto.monte_carlo`, ...) but defined outside it is consumed on every
    iteration and is an error; loop-carried keys (`iter_args`, block
    arguments) are fresh values in each iteration. Function arguments are
    fresh keys.

    Two kinds of use may share a key: ops that replay a key on purpose
    (`sto.spsa_perturb`, `sto.spsa_update`) with each other, and several
    `sto.fold_in` with data that may differ (the JAX pattern
    `fold_in(key, step)`). A `fold_in` of the same constant twice, or of a
    loop-invariant value inside a loop, derives one key twice and is an
    error. Mixing these with a consuming use is an error. A datum changes
    from one iteration to the next only if it is computed from the loop's
    block arguments (induction variable, `iter_args`, the arguments of
    `scf.while` regions or of the blocks of an unstructured loop) or from an
    op with side effects in the loop (a load, a call); a constant, or
    side-effect-free arithmetic on values from outside the loop, is the same
    in every iteration even when it is computed in the body. It must change
    in every loop between the key and the `fold_in`: in `for i { for j {
    fold_in(k, j) } }` with `k` from outside, j takes the same values for
    every i (an inner induction variable changes with an outer loop only
    through its bounds). In a loop with several induction variables
    (`scf.parallel`, `scf.forall`) it must change with each of them. Two
    data are the same when they are one value, equal constants, one value
    and its `arith.index_cast`, or the results of equal side-effect-free ops
    of equal operands (`%d + 1` computed twice).

    Data that differ as values can still be the same integer. A datum that
    is affine in the induction variables of the counted loops around its
    `fold_in` (`scf.for`, `scf.forall`, `scf.parallel`, `affine.for` with
    constant steps; `arith.addi`/`subi`, `muli` by a constant, `shli`,
    `index_cast`, extensions and truncations), with the other terms
    invariant in those loops, stands for the set of values it takes over
    their iterations. So does one that divides such a value by a positive
    constant or takes its remainder (`divsi`/`divui`/`floordivsi`/
    `ceildivsi`/`remsi`/`remui`, `shrsi`/`shrui`, `andi` with a mask of low
    bits): each quotient is an integer variable with the constraints that
    define it (a signed division where its operand is not negative, where
    it equals floor). Arithmetic narrower than 64 bits wraps at its width,
    which a quotient models where the value is extended or divided. Two
    `fold_in` of one key whose sets share a value are an error
    (`fold_in(k, i)` and `fold_in(k, i + 1)` in one loop, `fold_in(k, i)`
    in two loops, `fold_in(k, 0)` before or after a loop over i from 0,
    `fold_in(k, 3)` next to a loop over i < 4), and so is one whose datum
    takes a value in two iterations (`i + j` in a 2-d loop; `i % 2`,
    `i / 4` or `i & 7` in a loop that may run more iterations than the
    datum has values; an i64 step number truncated to i32). The terms from
    outside the loops must cancel from the difference of the two data:
    `fold_in(k, i)` for i < n and `fold_in(k, j + n)` are disjoint,
    `fold_in(k, i)` and `fold_in(k, %rank)` are not compared. As elsewhere
    in this check, a loop whose bounds are not constants is assumed to be
    able to run as many iterations as they allow (`for j < %m {
    fold_in(k, 4 * i + j) }` is an error, since m may exceed 4); so are
    such values inside a quotient's operand. What `ValueBoundsOpInterface`
    proves about index values is used (`affine.min(%n, 4)`, bounds that
    differ by a constant through `affine.apply`). An induction variable
    narrower than 64 bits (`scf.for` over i32) takes its bounds' signed
    values.

    Limits (accepted, though they may repeat keys): data that are not
    affine in induction variables with constant coefficients (`i * %m +
    j`, `i / %m`), a signed remainder of a negative value, loads and
    calls, `fold_in` in loops that are not counted (`scf.while`,
    unstructured loops; in a `linalg.generic` body the datum must change
    with every `linalg.index`) or under a branch whose condition changes
    with the iterations, symbols that do not cancel (`fold_in(k, %a)`
    and `fold_in(k, %b)` with `%a == %b` at run time), and 64-bit
    arithmetic whose wrap depends on the iteration (`i << 63`, equal in
    iterations 0 and 2). 64-bit data are compared modulo 2^64 where only
    constants wrap (`0` and `INT64_MIN + INT64_MIN` are one datum).

    Example of an error:

    ```mlir
    func.func @f(%k: !sto.key, %x: tensor<8xf32>) -> tensor<8xf32> {
      %a = sto.dropout %k, %x {rate = 0.1 : f64} : tensor<8xf32>
      // error: RNG key is consumed twice ...
      %b = sto.noise %k, %a {scale = 0.1 : f64} : tensor<8xf32>
      return %b : tensor<8xf32>
    }
    ```
  }];
}

def ConvertStoToLinalg : Pass<"convert-sto-to-linalg", "ModuleOp"> {
  let summary = "Lowers sto ops to linalg/arith with Philox inside the loops";
  let description = [{
    Rewrites the stochastic ops into `linalg.generic` ops on tensors (and
    `arith`, `math`, `tensor`) whose bodies compute each element's random bits
    with Philox4x32-10 from the key and the element's row-major linear index,
    exactly as docs/Randomness.md specifies. No noise tensor is created, so
    linalg elementwise fusion merges the sampling with its producers and
    consumers into one loop nest. `!sto.key` becomes `i64` everywhere,
    including function signatures, calls, `scf` iter_args and branches.

    Example:

    ```mlir
    %y = sto.dropout %k, %x {rate = 1.0e-01 : f64} : tensor<1024xf32>
    ```

    becomes a `linalg.generic` over 1024 elements whose body computes the
    Philox block `i / 4` of the key, takes lane `i mod 4`, turns it into a
    uniform `u` and yields `u >= 0.1 ? x * (1/0.9) : 0`.
  }];
  let options = [
    Option<"widePhilox", "wide-philox", "bool", /*default=*/"false",
           "Hold Philox words zero-extended in i64 (best for CPUs: the "
           "products become 64-bit lane multiplies without lane "
           "conversions); the default i32 form uses arith.mului_extended "
           "(best for GPUs). The random bits are identical.">,
    Option<"parallelScans", "parallel-scans", "bool", /*default=*/"false",
           "Lower the MoE scans in parallel forms instead of one sequential "
           "scan (for GPUs; the results are identical): expert_load's "
           "histogram as integer atomic adds, one thread per choice; "
           "dispatch's slots as counts per chunk of 256 tokens, prefixes "
           "and ranks, each computed by one thread.">,
    Option<"dpRowGroups", "dp-row-groups", "bool", /*default=*/"false",
           "Lower dp_aggregate (static batch, rows a multiple of 64) as a "
           "loop over groups of rows (2 MiB each) whose norms and clipped "
           "sum run while the group is in the cache, instead of two passes "
           "over all rows (for CPUs; the sums keep their order, the results "
           "are identical).">,
    Option<"moeCpuForms", "moe-cpu-forms", "bool", /*default=*/"false",
           "Lower the MoE ops in forms for CPUs (the results are "
           "identical): topk_gate (static E, a multiple of 4) computes a "
           "row's scores (noise, bias) into a stack buffer of E values by "
           "loops that vectorize, then selects in chunks of 16 (or 4) "
           "experts, offering only those whose score beats the k-th entry "
           "as the chunk starts (one vector compare) to a sorted list held "
           "in vector registers; dispatch's gather and "
           "combine's sum run the feature dimension innermost without a "
           "branch (static shapes), so it vectorizes.">
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::bufferization::BufferizationDialect",
    "::mlir::memref::MemRefDialect",
    "::mlir::vector::VectorDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect",
    "::mlir::tensor::TensorDialect",
    "::mlir::scf::SCFDialect"
  ];
}

def StoPrepareCAbi : Pass<"sto-prepare-c-abi", "ModuleOp"> {
  let summary = "Records the C ABI of each public function before lowering";
  let description = [{
    For every public `func.func` with a body, stores its tensor-level
    signature in the `sto.c_abi` attribute and renames it to
    `__sto_impl_<name>`, so that `sto-emit-c-abi` can later create the C entry
    point `<name>` with plain pointers, one int64_t per dynamic dimension,
    caller-allocated results and an int32 status. A `llvm.emit_c_interface`
    attribute on such a function is dropped: the C entry point is its C
    interface (MLIR's `_mlir_ciface_` wrapper would take its place).
  }];
}

def StoEmitCAbi : Pass<"sto-emit-c-abi", "ModuleOp"> {
  let summary = "Creates the C entry points of a module in the LLVM dialect";
  let description = [{
    For every `llvm.func` carrying `sto.c_abi` (see `sto-prepare-c-abi`),
    creates `int32_t <name>(...)`: each tensor argument is a pointer followed
    by one i64 per dynamic dimension, each scalar is passed by value, each
    result is a caller-allocated pointer (followed by one i64 per dynamic
    dimension) placed after the arguments. The entry point builds the memref
    descriptors (identity layout, offset 0), calls the implementation, stores
    scalar results when it succeeded and returns 0, or a non-zero status
    (see include/sto-c/Runtime.h, also recorded for
    `sto_last_error_message()`) when a pointer is null or a size negative.
    With `cuda`, the entry point clears the CUDA runtime's error state first
    and returns `sto_cuda_last_error()` at the end, so a failed launch or
    allocation inside comes back as the call's status.

    A constant global of more than 2^31 bytes (a tensor constant that was
    not folded into the loops reading it) is an error at its location: the
    object could not address it with the default code model.
  }];
  let options = [
    Option<"cuda", "cuda", "bool", /*default=*/"false",
           "Entry points of a CUDA module: report libsto_runtime's CUDA "
           "errors as the status">
  ];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
}

def StoGeneralizeElementwise : Pass<"sto-generalize-elementwise"> {
  let summary = "Generalizes elementwise and data-movement named linalg ops";
  let description = [{
    Rewrites `linalg.broadcast`, `linalg.transpose`, `linalg.map` and
    `linalg.elementwise` into `linalg.generic`, so that elementwise fusion can
    merge them with the sampling loops (a bias broadcast feeding a dropout,
    for instance). Contractions such as `linalg.matmul` stay named, for
    tiling and library calls. An aggregated op on tensors (`linalg.softmax`)
    is decomposed into the ops it stands for (`AggregatedOpInterface`), and
    a `tensor.bitcast` between equal shapes becomes a generic of
    `arith.bitcast`: nothing later lowers either.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::tensor::TensorDialect"];
}

def StoTagUserReductions : Pass<"sto-tag-user-reductions"> {
  let summary = "Marks the model's own reductions (before the sto ops are "
                "lowered)";
  let description = [{
    Sets the unit attribute `sto.user_reduction` on every linalg op with a
    reduction loop, and on every aggregated op (`linalg.softmax`), that the
    program contains before `convert-sto-to-linalg` runs: these are the
    model's reductions, whose order `sto-lane-reductions` may fix. The
    reductions that the sto ops lower to have their own documented order
    (docs/Randomness.md) and never carry the attribute.
    `sto-generalize-elementwise` and `sto-fuse-elementwise` keep it on the
    ops they make of a marked op.
  }];
}

def StoLaneReductions : Pass<"sto-lane-reductions"> {
  let summary = "Lowers the model's reductions along the last axis to 16 "
                "vector lanes";
  let description = [{
    A reduction along the last axis lowers to one serial chain per output
    element: one add latency per term, no vectors. This pass lowers a
    linalg op on buffers marked `sto.user_reduction` (see
    `sto-tag-user-reductions`) to loops in the order that
    docs/Compiling.md, "Reduction order", fixes for every target:

    - its reduction loops are its innermost loops, and every operand reads
      those it uses as its last dimensions, in loop order (row sums, dot
      products, `linalg.matvec`, a softmax's sum and max, a loss summed
      over all axes; not column sums or `linalg.matmul`): the terms are
      taken in row-major order of the reduction loops;
    - one output reads no reduction loop (the reduction); any others are
      written once per term (a fused elementwise result) and not read;
    - its body is `acc' = acc (+) v` with `(+)` one of `arith.addf`,
      `mulf`, `maximumf`, `minimumf`, `maxnumf`, `minnumf`, `addi`,
      `muli`, `andi`, `ori`,
      `xori`, `maxsi`, `minsi`, `maxui`, `minui`, and `v` not depending
      on `acc`; the add may sit in the then-branches of the `scf.if`s of
      run-time index checks (marked `sto.check_guard`); outputs written per
      term must not depend on `acc`; the combiner's fast-math flags are
      dropped, so that the documented order is the one that runs;
    - lane l of 16 (a stack buffer) starts at the combiner's identity
      (-0.0 for `addf`, 1.0 for `mulf`, -inf for `maximumf`, a NaN for
      `maxnumf`, ...) and takes
      the terms j with j mod 16 = l in increasing j; then the output is
      `((init (+) p_0) (+) p_1) (+) ... (+) p_15`.

    The parallel loops around it stay an `scf.parallel`. For 16 terms or
    fewer the order is the sequential one, so such ops (static size) are
    left to the usual lowering. The lane loop (16 iterations over a
    contiguous row) is what LLVM vectorizes into one vector register.
  }];
  let options = [
    Option<"gpu", "gpu", "bool", /*default=*/"false",
           "Whether the loops become GPU kernels: a reduction to a single "
           "element then also goes into a one-iteration scf.parallel, so "
           "that its stack buffer is a thread's, not the host's">
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::scf::SCFDialect"];
}

def StoInterchangeInnerReduction : Pass<"sto-interchange-inner-reduction"> {
  let summary = "Moves an innermost reduction loop outside the output's "
                "contiguous dimension (CPU)";
  let description = [{
    A linalg op on buffers whose innermost loop is a reduction, and whose
    second-innermost loop is parallel and is the innermost (contiguous)
    dimension of its output and of every operand that uses it, gets these
    two loops swapped: `linalg.matmul`'s (i, j, k) becomes (i, k, j), so the
    inner loop runs along rows of B and C and vectorizes, instead of a
    serial dot product down a column of B. Each output element still sums
    its terms in increasing k: the results are bit for bit the same. Named
    ops are generalized first; ops that read the swapped dimension with a
    stride (a row reduction) are left alone.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

def StoTileOuterReduction : Pass<"sto-tile-outer-reduction"> {
  let summary = "Runs the threads outside a leading reduction loop";
  let description = [{
    A linalg op on buffers whose outermost loop is a reduction (a column
    sum: `linalg.reduce` over dimension 0) lowers to a sequential loop
    around a parallel one: threads started, or a kernel launched, once per
    row. This pass tiles the op's first parallel loop into an
    `scf.parallel` of tiles around the op on the tile's views: the threads
    start once and each sums its part of the columns down the rows. Tiles
    are `runs-per-tile` runs of `columns` indices of the innermost loop
    (contiguous), one index of an outer loop, and one index with `gpu` (a
    thread per output element). On a CPU, a two-loop op (a column sum of a
    matrix) then goes through each tile in blocks of `row-block` rows
    around its runs, and in a block a run's columns are the outer loop: its
    partial sums stay in registers down the block (sto-promote-accumulators)
    and a thread reads each row's part of its tile in one visit. Each output
    element still combines its terms in increasing index order: the results
    are bit for bit the same. (8192 x 1024 on two Zen 5 cores: 34 GB/s with
    one run after the other down all the rows, 53-56 GB/s in blocks, about
    the rate of a read-only loop.)
  }];
  let options = [
    Option<"columns", "columns", "int64_t", /*default=*/"256",
           "Indices of the innermost loop per run (CPU)">,
    Option<"runsPerThread", "runs-per-tile", "int64_t", /*default=*/"2",
           "Runs of `columns` per tile of the threads (CPU)">,
    Option<"rowBlock", "row-block", "int64_t", /*default=*/"4",
           "Rows of the leading reduction per block inside a tile (CPU)">,
    Option<"gpu", "gpu", "bool", /*default=*/"false",
           "Tiles of one index: a GPU thread per output element">
  ];
  let dependentDialects = ["::mlir::scf::SCFDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::affine::AffineDialect"];
}

def StoFuseRowLoops : Pass<"sto-fuse-row-loops"> {
  let summary = "Fuses adjacent row loops around a row reduction (CPU)";
  let description = [{
    `linalg.softmax` (and a layer norm, a loss normalized by its sum) lowers
    to one-dimensional `scf.parallel` loops over the same rows, one after
    the other: the max of each row, exp(x - max) and its sum, the division.
    Each reads every row from memory again. This pass merges such adjacent
    loops when one holds a lane reduction of `sto-lane-reductions` and every
    buffer that one writes and the other touches is a buffer of its own
    accessed directly, only at the loop's row (its first index is the
    induction variable). A thread then runs the passes of a row one after
    the other while the row is in its cache. Each row gets the same
    operations in the same order: the results are the same. Ops between the
    loops move before the first when they can run there: pure ops
    (constants, reshapes), allocations, and ops whose effects are all known
    and that share no buffer with the first loop that either writes (other
    loops, the fill of the reduction's output, a `memref.copy` of it). Loops with other memory
    effects (atomics of run-time checks, calls) are left alone. Accesses
    through a reshape that keeps the leading dimension as a group of its
    own (a sampler's [rows, n/4, 4] blocks collapsed to [rows, n]) are at
    the row too.

    Then a temporary that only a fused loop uses, every access at the
    loop's row (a sampler's output summed by rows), with a static shape
    and rows of at most 256 KiB, becomes a `memref.alloca` of one row at the
    start of the body (`sto-hoist-static-allocas` gives each thread one):
    the row is written and read in the same iteration, so the results do
    not change, and the temporary is neither allocated nor written to
    memory. Its null check (`cmpi` of its pointer against 0) folds to the
    non-null case.
  }];
  let dependentDialects = ["::mlir::scf::SCFDialect"];
}

def StoParallelizeOuterLoop : Pass<"sto-parallelize-outer-loop"> {
  let summary = "Keeps only the outermost dimension of scf.parallel parallel";
  let description = [{
    Rewrites a multi-dimensional `scf.parallel` without reductions into an
    `scf.parallel` over its first dimension around `scf.for` loops over the
    others. Threads then split the outermost dimension into contiguous
    chunks, and the inner loops keep their structure: the innermost lane
    loop of a blocked sampler stays a loop of 4 whose Philox call is
    loop-invariant, and the loop over blocks vectorizes.

    ```mlir
    scf.parallel (%i, %j) = (%c0, %c0) to (%n, %c4) step (%c1, %c1) { ... }
    ```
    becomes
    ```mlir
    scf.parallel (%i) = (%c0) to (%n) step (%c1) {
      scf.for %j = %c0 to %c4 step %c1 { ... }
    }
    ```

    A reduction that the target cannot run in parallel becomes loops that
    carry the accumulators, its combining regions applied in iteration
    order: on the CPU one OpenMP does not combine (anything but an add, a
    product or a bitwise and/or/xor), on the GPU an outermost one (the GPU
    mapping has no reductions; the loops then run in a one-thread kernel).
  }];
  let options = [
    Option<"gpu", "gpu", "bool", /*default=*/"false",
           "GPU form: sequentialize only a trailing lane dimension of trip "
           "count 4 and collapse the other parallel dimensions into one, so "
           "that consecutive threads handle consecutive Philox blocks "
           "(coalesced 16-byte accesses); a parallel loop nested in another "
           "becomes loops inside the thread, as on the CPU">,
    Option<"minParallelWork", "min-parallel-work", "int64_t",
           /*default=*/"1024",
           "CPU form: a loop nest with a static count of innermost "
           "iterations below this runs on one thread (scf.for); starting "
           "and joining threads costs more than the work">,
    Option<"minParallelOps", "min-parallel-ops", "int64_t",
           /*default=*/"16384",
           "CPU form: so does a static nest whose innermost iterations times "
           "the operations in its body (loops, constants and terminators "
           "not counted) stay below this: a fill or an add of 1024 "
           "elements takes less than the 1 us of a fork and join">
  ];
  let dependentDialects = ["::mlir::scf::SCFDialect",
                           "::mlir::arith::ArithDialect"];
}

def StoStageRandomValues : Pass<"sto-stage-random-values"> {
  let summary = "Computes a blocked sampler's values in element order (CPU)";
  let description = [{
    A blocked sampler's loop nest iterates Philox blocks and, inside, the 4
    lanes of a block (an `scf.for` from 0 to 4 ending the block loop's
    body). LLVM vectorizes the block loop, which makes each lane a vector
    of its own: every operand read or written in element order is then
    de-interleaved or re-interleaved with shuffles.

    This pass splits the lane loop's body into the ops that read no memory
    and depend only on the block's ops, the lane and values from outside
    (the sampled values), and the rest. Per chunk of 32 blocks, a first
    loop computes the sampled values that the rest uses (at most 4) into
    stack buffers of 128 elements in element order; a second loop over the
    chunk's 128 elements does the rest with the block and lane recomputed
    from the element. The first loop vectorizes over blocks and interleaves
    its results once (its `llvm.loop_annotation` asks LLVM to interleave
    two vector iterations: more independent Philox chains in flight); the
    second one reads and writes its operands contiguously. Blocks past the last whole chunk keep the original loop.
    Every (block, lane) pair is visited in the original order by the same
    ops: the results are bit for bit the same. Applies to an
    `scf.parallel` of one dimension or an `scf.for` without results, from 0 with step
    1, whose body other than the lane loop is pure ops.
  }];
  let options = [
    Option<"parallel", "parallel", "bool", /*default=*/"true",
           "Whether scf.parallel loops will run on several threads (then "
           "each iteration of one gets its own stack buffers; the OpenMP "
           "lowering scopes them). Otherwise the buffers go to the "
           "function's entry">,
    Option<"prefetchBytes", "prefetch-bytes", "int64_t", /*default=*/"0",
           "Software prefetch distance in bytes (0: none): each chunk "
           "prefetches the cache lines that the chunk this far ahead reads "
           "or writes through its contiguous views">
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::LLVM::LLVMDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::scf::SCFDialect"];
}

def StoParallelIfEnough : Pass<"sto-parallel-if-enough"> {
  let summary = "Starts threads for a dynamic loop nest only when it is large (CPU)";
  let description = [{
    `sto-parallelize-outer-loop` runs a loop nest with a static count of
    fewer than `min-parallel-work` innermost iterations on one thread. With
    a dynamic count (a `tensor<?xf32>`) the nest became an OpenMP region
    whatever its size at run time: a 16-element add started the threads.
    This pass gives such a top-level `omp.parallel` an `if` clause that
    holds when (outer trip counts) x (the static trip counts of the
    `scf.for` nests inside) reaches `min-parallel-work`, and that count times
    the operations of the body reaches `min-parallel-ops`; otherwise libomp
    runs the region on the calling thread. Nests whose inner loops are
    dynamic, and static nests, are left as they are. The iterations and
    their order per element are the same: the bits do not change.
  }];
  let options = [
    Option<"minParallelWork", "min-parallel-work", "int64_t",
           /*default=*/"1024",
           "Innermost iterations from which the region starts threads">,
    Option<"minParallelOps", "min-parallel-ops", "int64_t",
           /*default=*/"16384",
           "Innermost iterations times the operations of the body from which "
           "the region starts threads (as sto-parallelize-outer-loop's)">
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect"];
}

def StoHoistStaticAllocas : Pass<"sto-hoist-static-allocas"> {
  let summary = "Moves static stack buffers out of loops (CPU)";
  let description = [{
    A `memref.alloca` of static shape moves to the start of the enclosing
    `omp.parallel` region, or else of the function: each thread allocates
    it once and reuses it in its iterations, which run one after the other
    (the contents of a fresh alloca are undefined, so no program can tell).
    Left in a loop body it would grow the stack in every iteration once the
    loops are branches. The `memref.alloca_scope` that
    `convert-scf-to-openmp` puts around a loop body then holds no
    allocation and is inlined by the canonicalizer (a scope still holding
    one could not be lowered once the loops inside it became several
    blocks). Runs after `convert-scf-to-openmp`, before the canonicalizer.
  }];
}

def StoStreamingStores : Pass<"sto-streaming-stores", "::mlir::func::FuncOp"> {
  let summary = "Writes large outputs with non-temporal stores (CPU, x86)";
  let description = [{
    A function argument that the function only writes (its out-parameters:
    stores into it or into `memref.collapse_shape`/`expand_shape` views of
    it, nothing else but `memref.dim`), of static shape, identity layout and
    at least `min-bytes`, with rows of a multiple of 64 bytes, is streamed:
    each loop nest that stores into it (the outermost `omp.parallel` around
    the stores, or else the outermost loop) is versioned on the alignment of
    those buffers. When every one starts on a 64-byte boundary, a copy of
    the nest runs whose stores into them are `nontemporal` (x86 `movnt`:
    the lines are written without being read first, which an ordinary store
    does, so a write moves 4 bytes per element instead of 8), with
    `memref.assume_alignment` inside the nest (inside each thread's region,
    where LLVM still sees it once OpenMP outlines the region) and an
    `sfence` when each thread is done (non-temporal stores are weakly
    ordered). Otherwise the original nest runs. The values stored are the
    same: the bits do not change. Runs after `convert-scf-to-openmp`.
  }];
  let options = [
    Option<"minBytes", "min-bytes", "int64_t", /*default=*/"16777216",
           "Smallest buffer (in bytes) to stream: a smaller output may still "
           "be in the cache when the next op reads it">
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::LLVM::LLVMDialect"];
}

def StoCoarsenGpuElementwise : Pass<"sto-coarsen-gpu-elementwise"> {
  let summary = "Gives each GPU thread four consecutive elements of a "
                "linalg.generic";
  let description = [{
    A parallel `linalg.generic` on memrefs of identity layout whose innermost
    loop dimension has a static size that is a multiple of four (and more
    than four), and indexes each operand in its last position or not at
    all, becomes a generic over [..., n/4, 4]: the operands indexed by that
    dimension are viewed through `memref.expand_shape`, and `linalg.index`
    of the dimension becomes 4 * index + lane. The CUDA mapping runs a
    trailing dimension of four inside the thread and
    `sto-prepare-gpu-kernels` merges the four accesses into one 16-byte
    access, so a plain elementwise kernel (or a gather such as dispatch's)
    keeps 16 bytes per thread in flight instead of 4. Bodies that write
    memory, or contain loops, are left alone. Each element's arithmetic is
    unchanged, so are the bits.

    With `reductions`, generics whose parallel dimensions are followed by
    reduction dimensions (a column sum over [d, b], combine's (t, d, j),
    dp_aggregate's norm lanes) are split too: the last parallel dimension
    becomes [n/4] with the 4 after the reductions, so a thread runs four
    chains side by side, each in its own order. Off in the CUDA pipeline
    until the device measures it (bench/gpu/reduction_probe.cu times both
    forms of dp_aggregate's passes).
  }];
  let options = [
    Option<"reductions", "reductions", "bool", /*default=*/"false",
           "Also split the last parallel dimension of generics with "
           "reduction dimensions after it">
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::memref::MemRefDialect"
  ];
}

def StoPromoteAccumulators : Pass<"sto-promote-accumulators"> {
  let summary = "Keeps loop-invariant elements of local buffers in registers";
  let description = [{
    In an `scf.for` whose body loads an element of a buffer allocated in
    the function (or a result of a function that only sto-compile's C
    entry point calls: `sto.c_abi` lists its results last, and the entry
    point rejects a result that overlaps another array of the call) and
    later stores to the same element, at indices that do not change in the
    loop, the element becomes a loop-carried value: it is loaded once before
    the loop and stored once after it. The buffer's address must never
    escape (it is only viewed, loaded, stored into, copied, freed and
    returned), and every other access to it in the loop must be to an
    element that is provably different. Small inner loops whose
    accesses would become loop-invariant are unrolled first (up to
    `max-unroll` iterations), which turns the [chunks, lanes] partial sums
    of a reduction into `lanes` independent chains that vectorize. So are
    nests of such loops, up to `max-accumulators` copies of the innermost
    body: a [rows, lanes] block of partial sums (dp_aggregate's norms, four
    rows side by side) becomes rows x lanes chains.

    This is the scalar promotion LLVM would do itself if it could see that
    the accumulator does not alias the inputs; once a loop nest is outlined
    into an OpenMP region or a GPU kernel it cannot. The arithmetic and its
    order are unchanged, so are the bits. The loop must have a static trip
    count of at least 1.

    ```mlir
    scf.for %i = %c0 to %c4096 step %c1 {
      scf.for %l = %c0 to %c16 step %c1 {
        %g = memref.load %in[%r, %i, %l] : memref<16x4096x16xf32>
        %a = memref.load %acc[%r, %l] : memref<16x16xf32>
        %s = math.fma %g, %g, %a : f32
        memref.store %s, %acc[%r, %l] : memref<16x16xf32>
      }
    }
    ```
    becomes 16 loads of `%acc` before the loop, a loop carrying 16 f32
    values, and 16 stores after it.

    Likewise a load at loop-invariant indices from a buffer that nothing
    in the loop may write moves before the loop (a row gather's index, as
    in `sto.dispatch` and `sto.combine`), so that LLVM sees the row's
    accesses as contiguous. Buffers may not alias when one is a local
    buffer as above, or both are allocations or arguments of an entry
    function that nothing in the module calls (the C ABI: results overlap
    no other array); a loop with a call or another write to unknown memory
    keeps its loads.
  }];
  let options = [
    Option<"maxUnroll", "max-unroll", "int64_t", /*default=*/"16",
           "Largest trip count of an inner loop that is unrolled to expose "
           "loop-invariant accumulator elements">,
    Option<"maxAccumulators", "max-accumulators", "int64_t",
           /*default=*/"64",
           "Most copies of the innermost body when a nest of such loops is "
           "unrolled (the accumulators of several rows' lanes)">
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::memref::MemRefDialect"];
}

def StoFoldEmptyTensors : Pass<"sto-fold-empty-tensors"> {
  let summary = "Removes statically empty concat and pad operands";
  let description = [{
    One-shot bufferization copies every operand of a `tensor.concat` and
    the source of a `tensor.pad` into a `memref.subview` of the result. A
    subview with no elements at an offset equal to its dimension's size
    (the empty last operand of a concat, an empty source padded low) is
    valid, but MLIR 22's `memref.subview` verifier rejects it ("offset 2 is
    out-of-bounds: 2 >= 2"), so valid programs failed to compile. This pass
    removes such operands when their emptiness is static, before
    bufferization; the values do not change:

    - `tensor.concat`: operands with no elements along the joined
      dimension are dropped (one left: a `tensor.cast` of it); a result
      with no elements is a `tensor.empty`;
    - `tensor.pad` of a source with no elements: a `tensor.generate` with
      the pad's body.
  }];
  let dependentDialects = ["::mlir::tensor::TensorDialect",
                           "::mlir::arith::ArithDialect"];
}

def StoFoldResultCopies : Pass<"sto-fold-result-copies", "ModuleOp"> {
  let summary = "Writes results straight into their out-parameters";
  let description = [{
    After `buffer-results-to-out-params`, a result computed into a fresh
    buffer (possibly through a `memref.collapse_shape`/`expand_shape` view,
    as the blocked sampling loops produce) is copied into the out-parameter.
    When the out-parameter is used by nothing but that copy, this pass makes
    the computation write into (a reshaped view of) the out-parameter and
    removes the allocation and the copy, which would otherwise double the
    memory traffic of a bandwidth-bound kernel.

    ```mlir
    %a = memref.alloc() : memref<256x4xf32>
    linalg.generic ... outs(%a : memref<256x4xf32>)
    %c = memref.collapse_shape %a [[0, 1]] : memref<256x4xf32> into memref<1024xf32>
    memref.copy %c, %out : memref<1024xf32> to memref<1024xf32>
    ```
    becomes
    ```mlir
    %a = memref.expand_shape %out [[0, 1]] output_shape [256, 4] : memref<1024xf32> into memref<256x4xf32>
    linalg.generic ... outs(%a : memref<256x4xf32>)
    ```

    A result of dynamic shape is folded too: where its buffer is allocated,
    the sizes the function computed are compared with the caller's, and on
    a mismatch the function records
    `sto_record_error(STO_ERROR_SHAPE_MISMATCH, message)` (which the C entry
    point returns) and skips the rest of its body, that result included (an
    `scf.if` around it whose else branch yields zeros for the scalar
    results). A copy that
    cannot fold (the buffer is also used after it, the function has a
    non-scalar result, ...) stays and is guarded the same way: it runs only
    when the sizes agree.
  }];
  let dependentDialects = ["::mlir::memref::MemRefDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::func::FuncDialect",
                           "::mlir::LLVM::LLVMDialect"];
}

def StoInsertShapeChecks : Pass<"sto-insert-shape-checks", "ModuleOp"> {
  let summary = "States the program's size requirements as entry checks";
  let description = [{
    The verifiers compare static sizes. A compiled function also needs its
    dynamic sizes to agree: the operands of an elementwise op on tensors,
    the dimensions of linalg operands that index one loop (a matrix
    product's inner dimensions), the last index of an operand dimension
    indexed by a sum of loops with coefficients not negative or by a
    constant (a convolution's `x[i + k]`; inside it unless a loop is
    empty), a `topk_gate` bias and the logits'
    columns, a `langevin_step` parameter and its gradient, a `tensor.cast`
    or `tensor.expand_shape` to given sizes, the shape of a
    `tensor.reshape` read at run time (its sizes multiply to the source's
    element count, match the result's static sizes, are not negative), a
    `tensor.dim` index given at run time (below the rank), the slices of
    `tensor.extract_slice`/`insert_slice`/`parallel_insert_slice` and the
    indices of `tensor.extract`/`insert` (inside their tensor), the source
    of an inserted slice (the slice's sizes), the inputs of `tensor.concat`
    (equal off the joined dimension), the step of `scf.for`/`forall`/
    `parallel` given at run time (positive), the sizes of a sampler's
    result, of `tensor.empty`/`generate`/`splat` and the paddings of
    `tensor.pad` (not negative), and values the sto ops divide by or draw
    from: a `sto.average` swa count (not negative), a `sto.dp_aggregate`
    batch (not empty), the classes of a `sto.categorical` draw (at least
    one unless nothing is drawn), and the integer divisions of the program
    (`arith.divsi`/`divui`/`remsi`/`remui`/`ceildivsi`/`ceildivui`/
    `floordivsi`: a divisor that is not 0 and, when signed, not -1 with the
    most negative dividend; x86 traps on both), on scalars and, turned into
    a `linalg.generic` here, on each element of a tensor. Inside linalg bodies, which compute
    elements, only a `tensor.extract` at indices that are not in bounds by
    construction (computed from data: a gather, an embedding lookup; not a
    constant in range or the `linalg.index` of a loop no longer than the
    dimension). A call with sizes that disagree would read and write out of
    bounds.

    This pass states each requirement as a `cf.assert` in front of its op,
    marked `sto.shape_check` (a `cf.assert` of the model's own is left
    unmarked, and fails with STO_ERROR_ASSERTION instead):
    the sto ops' through their RuntimeVerifiableOpInterface, the others
    here. It then resolves result sizes to argument sizes (the sto ops
    implement ReifyRankedShapedTypeOpInterface) and moves every check that
    depends on the arguments' sizes alone to the top of the function's
    entry block, with one check per condition. A requirement inside a loop or
    a branch is checked at entry too, as JAX checks both branches of a
    `cond`: sizes belong to the signature. A call repeats its callee's entry
    checks in terms of its operands (callees are processed first), so that
    they too reach the caller's entry; a private function whose every call
    does so is marked `sto.shape_checks_at_calls`. Checks that depend on
    values computed in the function stay where they are.

    `sto-guard-shape-checks` turns the checks into status codes after
    bufferization; sto-compile runs both.

    ```mlir
    func.func @f(%x: tensor<?xf32>, %b: tensor<?xf32>) -> tensor<?xf32> {
      %y = arith.addf %x, %b : tensor<?xf32>
      return %y : tensor<?xf32>
    }
    ```
    becomes
    ```mlir
    func.func @f(%x: tensor<?xf32>, %b: tensor<?xf32>) -> tensor<?xf32> {
      %c0 = arith.constant 0 : index
      %d0 = tensor.dim %b, %c0 : tensor<?xf32>
      %d1 = tensor.dim %x, %c0 : tensor<?xf32>
      %same = arith.cmpi eq, %d0, %d1 : index
      cf.assert %same, "f.mlir:2:8: 'arith.addf' op dimension 0 of operand #1 differs from that of operand #0"
      ...
    ```
  }];
  let dependentDialects = ["::mlir::cf::ControlFlowDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::tensor::TensorDialect"];
}

def StoGuardShapeChecks : Pass<"sto-guard-shape-checks", "ModuleOp"> {
  let summary = "Makes the entry checks of sizes a guard with a status";
  let description = [{
    Runs after bufferization and `sto-fold-result-copies`, on the checks of
    `sto-insert-shape-checks`. In a function whose results are scalars (the
    C entry points' functions, whose tensor results are out-parameters by
    then) the checks that depend on the arguments' sizes move to the top of
    the function (bufferization may have put allocations in front of them),
    and the rest of the body runs under `scf.if` of their conjunction. The
    else branch calls `sto_record_error(status, message)` with the status
    and message of the first check that failed (STO_ERROR_SHAPE_MISMATCH
    for a check marked `sto.shape_check`, STO_ERROR_ASSERTION for a
    `cf.assert` of the model's own), which the C entry point returns and
    `sto_last_error_message()` gives, and returns zeros for the scalar
    results: nothing is computed and no result is written. No `cf.assert`
    is left to become a call of `abort` in a library.

    A private function marked `sto.shape_checks_at_calls` loses its entry
    checks: its callers made them. Any other check (on a size computed from
    data) guards the rest of its block the same way: a function body or a
    branch whose results are scalars yields zeros, a `scf.for` iteration
    yields the values it came in with. Where a block cannot be cut short
    (it yields buffers) the check records its failure and the block goes
    on. In a parallel loop (`scf.parallel`, `scf.forall`), which becomes a
    GPU kernel or an OpenMP region without a status of its own, a failed
    check skips the rest of its iteration and writes its number into a
    cell (`memref.atomic_rmw maxs`, so that which message is reported does
    not depend on the order of the iterations); after the loop a
    `cf.assert` per check reads the cell and is guarded as above.

    A heap buffer of a run-time size, or of 1 MiB or more, gets two checks
    of its own first: before the `memref.alloc`, that its byte size does not
    overflow int64_t (STO_ERROR_SHAPE_MISMATCH; sizes that multiply to 2^64
    allocated nothing and were written), and after it, that the pointer is
    not null (STO_ERROR_RUNTIME, "out of memory"; the writes crashed). They
    are guarded like the others.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::func::FuncDialect",
                           "::mlir::LLVM::LLVMDialect"];
}

def StoApproximateMath : Pass<"sto-approximate-math"> {
  let summary = "Expands transcendental math ops into polynomials";
  let description = [{
    Rewrites `math.exp`, `math.erf`, `math.tanh`, `math.log`, ... into
    polynomial approximations made of arith ops (f16/bf16 through f32):
    MLIR's, except for `math.erf`, which gets sto's own division-free form
    (two polynomials, at most 1.43 ulp from erf; MLIR's has 4.7 ulp and
    costs 1.2 times as much). f32 `math.exp` below -87.33, whose result is
    subnormal and which MLIR's expansion flushed to 0, is exp(x/2)^2 (one
    expansion, a multiply and two selects; within 1.04 units of 2^-149 of
    libm), unless every use adds it to a constant of magnitude 2^-100 or
    more (a sigmoid's 1 + exp(-a)), which absorbs a subnormal anyway. f64
    `math.exp`, which MLIR does not expand (it called libm's exp on the CPU
    and libdevice's __nv_exp in CUDA kernels, which round differently), is
    sto's own expansion: x clamped to [-746, 710], k = round(x log2 e), a
    Cody-Waite reduction r = x - k ln2 with its rounding error, a degree-13
    Taylor polynomial with fma, 1 + r split exactly, and the scaling by
    2^k in two steps, so that subnormal results and overflow round once
    (within 0.63 ulp of exp, 0.77 units of 2^-1074 for subnormal results;
    NaN passes through). The result vectorizes on the CPU (libm calls
    do not) and is the same arithmetic on every target, so models that use
    these functions around the sampling stay reproducible across CPU and
    GPU. `math.sqrt` and `math.fma`, which the samplers use and every target
    computes exactly, are left alone, and so is math on tensors (the
    pipelines run this pass after bufferization). `math.isinf` becomes
    `|x| == inf` and `math.ipowi` a branch-free square-and-multiply over
    the exponent's bits (a negative exponent: 1 for a base of 1, +-1 for
    -1, else 0): nothing else lowers them.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::math::MathDialect",
    "::mlir::vector::VectorDialect"
  ];
}

def StoHostBuffersToGpu : Pass<"sto-host-buffers-to-gpu", "ModuleOp"> {
  let summary = "Allocates the buffers of a CUDA module on the device";
  let description = [{
    In a module compiled for the GPU every tensor lives in device memory:
    the entry points receive device pointers and all computation runs in
    kernels. This pass turns the host-side `memref.alloc`/`memref.dealloc`
    of intermediate buffers into `gpu.alloc`/`gpu.dealloc` and
    `memref.copy` between buffers into `gpu.memcpy`, outside `gpu.launch`
    bodies and GPU modules.
  }];
  let dependentDialects = ["::mlir::gpu::GPUDialect"];
}

def StoSerialCodeToGpu : Pass<"sto-serial-code-to-gpu", "ModuleOp"> {
  let summary = "Moves host code that touches buffers into one-thread kernels";
  let description = [{
    In a CUDA module every buffer is device memory, but after the GPU
    mapping host functions may still read and write buffers: loops that are
    not parallel (the histogram of `sto.expert_load`, the slot scan of
    `sto.dispatch`, a reduction to a scalar, `sto.categorical` over a
    vector) and the store of a rank-0 result. This pass moves each stretch
    of such code (the ops that access memory, and the pure ops computing on
    what they read) into a `gpu.launch` of one thread, placed where the
    stretch ended: between two host ops (launches, copies, allocations,
    calls) the order of device work is kept. A scalar computed in the
    kernel and used on the host comes back through a device buffer copied
    into a stack slot. A view whose sizes or offsets were read from device
    memory (the `memref.reinterpret_cast` of a reshape to a run-time shape)
    stays on the host, which computes descriptors: the kernel before it
    brings those scalars back. Anything else computed from device memory and
    used on the host (a vector, say) is an error. Runs after
    `convert-parallel-loops-to-gpu` and before `sto-host-buffers-to-gpu`.
  }];
  let dependentDialects = ["::mlir::gpu::GPUDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::arith::ArithDialect"];
}

def StoMatmulToCublas : Pass<"sto-matmul-to-cublas", "ModuleOp"> {
  let summary = "Turns f32 matrix products on buffers into cuBLAS calls";
  let description = [{
    Used by the CUDA pipeline after bufferization, before the loops are
    mapped to kernels. Each `linalg.matmul` and `linalg.batch_matmul` on f32
    memrefs whose rows are contiguous (innermost stride 1; the other strides,
    the offset and the sizes may be dynamic: they are read from the memref at
    run time), in the default memory space and outside parallel loops and
    kernels, becomes a call of `sto_cuda_compiled_sgemm` in libsto_runtime,
    which runs cublasSgemm (cublasSgemmStridedBatched for a batch) on the
    stream of the compiled function; the product does not become a naive
    kernel. The indexing maps may transpose A or B (`matmul` with
    `indexing_maps`, as `transpose_a`/`transpose_b` produce). Other products
    (f16, f64, integer element types, a column-strided view, broadcast
    maps) are left to the generic lowering.

    A `linalg.fill` of zero into the output right before the product is
    removed, and the call gets beta = 0 (cuBLAS then does not read C);
    otherwise beta = 1, as linalg accumulates into its output.

    ```mlir
    linalg.fill ins(%zero : f32) outs(%c : memref<64x128xf32>)
    linalg.matmul ins(%a, %b : memref<64x256xf32>, memref<256x128xf32>)
                  outs(%c : memref<64x128xf32>)
    ```
    becomes (with the pointers and sizes taken from
    `memref.extract_strided_metadata` and
    `memref.extract_aligned_pointer_as_index`)
    ```mlir
    func.call @sto_cuda_compiled_sgemm(%flags, %batch, %m, %n, %k, %alpha,
        %pa, %lda, %stride_a, %pb, %ldb, %stride_b, %beta, %pc, %ldc,
        %stride_c) : (i32, i64, i64, i64, i64, f32, !llvm.ptr, i64, i64,
        !llvm.ptr, i64, i64, f32, !llvm.ptr, i64, i64) -> ()
    ```
    A failure (no cuBLAS, a failed call) is recorded in the CUDA runtime's
    per-thread error state, which the C entry point returns.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::func::FuncDialect",
                           "::mlir::LLVM::LLVMDialect",
                           "::mlir::memref::MemRefDialect"];
}

def StoPrepareGpuKernels : Pass<"sto-prepare-gpu-kernels", "ModuleOp"> {
  let summary = "Readies outlined kernels for NVVM: lanes, alignment, sqrt";
  let description = [{
    On every `gpu.func` kernel:
    - fully unrolls constant loops of at most four trips (the lane loops of
      blocked sampling) and folds their indices, then runs CSE so that the
      lanes' accesses share the index values they agree on (a gather's row);
    - states that memref kernel arguments are 16-byte aligned (device
      buffers from cuMemAlloc are 256-byte aligned; the C ABI documents the
      requirement);
    - merges four loads (stores) of the elements [.., 4j .. 4j+3] of an
      identity-layout kernel argument (4j a constant, or a loop induction
      variable that starts at and steps by multiples of four, plus 0..3)
      into one aligned `vector.load`
      (`vector.store`), i.e. a 16-byte `ld.global.v4`/`st.global.v4` for
      32-bit elements, when no access it moves across may touch those
      elements. Two arguments are known not to overlap when every launch
      binds them to different allocations or to different arguments of an
      entry function nothing calls (the C ABI requires results not to
      overlap other buffers); one buffer through one view is compared index
      by index. LLVM cannot do this itself: MLIR drops `noalias` on memref
      descriptors;
    - turns f32/f64 `math.sqrt` into an inline `sqrt.rn` instruction (the
      NVVM lowering would call libdevice, whose sqrtf is `sqrt.approx`), so
      Box-Muller radii match the CPU bit for bit;
    - unrolls a loop that carries values and whose small body reads memory
      without writing any (a thread's reduction chain) by up to 32, with
      the loads and their index math moved ahead of the chain, so that a
      thread has many loads in flight (dp_aggregate's norm lanes are 16 per
      sample: few threads, long chains). The chain's order is unchanged;
    - in a kernel launched with at most 131072 threads (too few to fill an
      H100/H200), unrolls a loop that carries values through a large body
      (a MoE gate's walk over its row) by up to 4, and interleaves the
      copies' work that does not depend on the carried values (op k of
      every copy, then op k + 1) ahead of the carried chain, so that the
      copies' Philox rounds run side by side in one basic block. Bodies
      that write memory or hold loops are left alone; the bits are
      unchanged.
  }];
  let options = [
    Option<"interleave", "interleave", "bool", /*default=*/"true",
           "Unroll and interleave loops that carry values through a large "
           "body in kernels too small to fill the GPU">
  ];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::vector::VectorDialect"];
}

def StoEmulateGpuKernels : Pass<"sto-emulate-gpu-kernels", "ModuleOp"> {
  let summary = "Runs the CUDA path's kernels on the host, thread by thread";
  let description = [{
    A test of the CUDA lowering on machines without a GPU
    (`sto-compile --target=cuda-emulator`). On the output of the CUDA kernels
    phase, every `gpu.launch_func` becomes loops over its grid and block
    (z outermost, x innermost) around a copy of the kernel's body, with the
    thread and block ids and sizes of the iteration; `gpu.alloc`,
    `gpu.dealloc` and `gpu.memcpy` become their memref counterparts (256-byte
    aligned), `gpu.wait` and async tokens disappear (the host runs in program
    order), the inline `sqrt.rn` becomes `math.sqrt`, and the `gpu.module`s
    are erased. Lowered by the CPU's LLVM phase, the result computes what the
    kernels compute: the same index math, element mapping, bounds checks,
    merged 16-byte accesses and unrolled chains.

    Threads run one after the other, which is exact for kernels whose
    threads are independent, as all of sto's are. A kernel with shared
    memory, barriers, shuffles or any other `gpu`/`nvvm` op, and a launch
    with clusters are rejected with a diagnostic.

    Matrix products (`sto_cuda_compiled_sgemm`, from
    `sto-matmul-to-cublas`) call libsto_runtime's `sto_emulated_sgemm`
    instead: the same argument checks and mapping of the row-major product
    onto the column-major cuBLAS call, then cublasSgemm's arithmetic on the
    host. Any other call into the CUDA runtime is rejected.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::scf::SCFDialect"];
}

def StoFuseElementwise : Pass<"sto-fuse-elementwise"> {
  let summary = "Elementwise linalg fusion that also fuses multi-use producers";
  let description = [{
    Runs linalg's elementwise fusion (with reshape propagation by expansion)
    with a control function that also fuses a producer whose result has
    other uses, as long as the producer is elementwise: the fused op then
    yields the producer's result too, and every use takes it from there, so
    the producer's work (a Langevin step's Philox and Box-Muller, say) is
    done once. Upstream's `linalg-fuse-elementwise-ops` fuses single-use
    producers only, which leaves SGLD followed by SWA averaging, whose new
    parameters are both returned and averaged, as two loop nests.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect"];
}

#endif // STO_PASSES_TD
