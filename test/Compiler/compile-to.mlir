// sto-compile --compile-to=<phase> stops after each phase of the CPU
// pipeline and prints the module (as IREE's compile_to_phase.mlir); without
// it sto-compile writes an object file. --header writes the C header.

// RUN: sto-compile %s --compile-to=input | FileCheck %s --check-prefix=INPUT
// RUN: sto-compile %s --compile-to=frontend | FileCheck %s --check-prefix=FRONTEND
// RUN: sto-compile %s --compile-to=linalg | FileCheck %s --check-prefix=LINALG
// RUN: sto-compile %s --compile-to=bufferized | FileCheck %s --check-prefix=BUFFERIZED
// RUN: sto-compile %s --compile-to=loops | FileCheck %s --check-prefix=LOOPS
// RUN: sto-compile %s --compile-to=loops --parallel=false | FileCheck %s --check-prefix=SERIAL
// RUN: sto-compile %s --compile-to=llvm | FileCheck %s --check-prefix=LLVM
// RUN: sto-compile %s --compile-to=llvmir --mcpu=x86-64-v3 | FileCheck %s --check-prefix=LLVMIR
// RUN: sto-compile %s -o %t.o --header %t.h
// RUN: llvm-nm --defined-only --extern-only %t.o | FileCheck %s --check-prefix=SYMBOLS
// RUN: FileCheck %s --check-prefix=HEADER < %t.h
// IR printed after the linalg phase compiles again to the same entry points
// and header (the prepared functions carry their C names and signatures).
// RUN: sto-compile %s --compile-to=linalg -o %t.linalg.mlir
// RUN: sto-compile %t.linalg.mlir -o %t.again.o --header %t.again.h
// RUN: llvm-nm --defined-only --extern-only %t.again.o | FileCheck %s --check-prefix=SYMBOLS
// RUN: FileCheck %s --check-prefix=REHEADER < %t.again.h
// REHEADER-NOT: __sto_impl
// REHEADER: int32_t noisy(uint64_t arg0, const float *arg1, int64_t arg1_dim0, float *result0, int64_t result0_dim0);
// REHEADER: int32_t types(uint64_t arg0, const uint16_t *arg1, int64_t arg1_dim1, const uint16_t *arg2, int64_t arg3, double arg4, bool *result0, int64_t result0_dim0, uint16_t *result1, int64_t result1_dim1, uint16_t *result2, uint64_t *result3);
// REHEADER: int32_t no_arguments(float *result0);
// REHEADER-NOT: __sto_impl

// Command-line errors.
// RUN: not sto-compile %s --compile-to=nonsense 2>&1 | FileCheck %s --check-prefix=BADPHASE
// RUN: not sto-compile %s -o %t.o -O4 2>&1 | FileCheck %s --check-prefix=BADOPT
// RUN: not sto-compile %s 2>&1 | FileCheck %s --check-prefix=NOOUT
// RUN: not sto-compile %s --target=rocm -o %t.o 2>&1 | FileCheck %s --check-prefix=BADTARGET
// BADPHASE: sto-compile: error: unknown phase 'nonsense' for --compile-to (input, frontend, linalg, bufferized, loops, llvm, llvmir, object)
// BADOPT: sto-compile: error: -O4 is not an optimization level (0-3)
// NOOUT: sto-compile: error: an object file needs -o <file>
// BADTARGET: compile-to.mlir{{.*}}: error: {{.*}}target 'rocm'
// RUN: not sto-compile %s --target=cuda --gpu-format=ptx -o %t.o 2>&1 | FileCheck %s --check-prefix=BADFORMAT
// BADFORMAT: compile-to.mlir{{.*}}: error: unknown GPU format 'ptx' (supported: fatbin, bin, isa)
// An empty or unknown --chip, or a --ptx-features entry NVPTX does not know,
// fails before anything is compiled (an empty chip crashed, the others were
// only warned about).
// RUN: not sto-compile %s --target=cuda --gpu-format=isa --chip= -o %t.o 2>&1 | FileCheck %s --check-prefix=NOCHIP
// RUN: not sto-compile %s --target=cuda --gpu-format=isa --chip=gfx90a -o %t.o 2>&1 | FileCheck %s --check-prefix=BADCHIP
// RUN: not sto-compile %s --target=cuda --gpu-format=isa --ptx-features=+ptx80,+bogus -o %t.o 2>&1 | FileCheck %s --check-prefix=BADPTX
// NOCHIP: compile-to.mlir{{.*}}: error: --chip must be an NVPTX GPU architecture (e.g. sm_90a), not ''
// BADCHIP: compile-to.mlir{{.*}}: error: --chip must be an NVPTX GPU architecture (e.g. sm_90a), not 'gfx90a'
// BADPTX: compile-to.mlir{{.*}}: error: --ptx-features must be NVPTX features with + or - (e.g. +ptx80), not '+bogus'
// A PTX version older than the chip was an unlocated LLVM ERROR from codegen
// (sm_100 with the default +ptx80); with one that has it, it compiles.
// RUN: not sto-compile %s --target=cuda --gpu-format=isa --chip=sm_100 -o %t.o 2>&1 | FileCheck %s --check-prefix=OLDPTX
// RUN: not sto-compile %s --target=cuda --gpu-format=isa --chip=sm_90 --ptx-features=+ptx70 -o %t.o 2>&1 | FileCheck %s --check-prefix=OLDPTX90
// RUN: sto-compile %s --target=cuda --gpu-format=isa --chip=sm_100 --ptx-features=+ptx86 -o %t.o
// OLDPTX: compile-to.mlir{{.*}}: error: --ptx-features must give PTX 8.6 or later for sm_100 (+ptx86), not +ptx80
// OLDPTX90: compile-to.mlir{{.*}}: error: --ptx-features must give PTX 7.8 or later for sm_90 (+ptx78), not +ptx70
// A CPU or CPU feature LLVM does not know fails before anything is compiled
// (LLVM would warn and then abort, or ignore the feature).
// RUN: not sto-compile %s -o %t.o --mcpu=notacpu 2>&1 | FileCheck %s --check-prefix=BADCPU
// RUN: not sto-compile %s -o %t.o --mcpu=i386 2>&1 | FileCheck %s --check-prefix=CPU32
// RUN: not sto-compile %s -o %t.o --mattr=+notafeature 2>&1 | FileCheck %s --check-prefix=BADFEATURE
// RUN: sto-compile %s -o %t.o --mcpu=x86-64-v3 --mattr=+avx2,-avx512f 2>&1 | count 0
// BADCPU: error: unknown --mcpu 'notacpu' for x86_64
// BADCPU-NOT: LLVM ERROR
// CPU32: error: --mcpu 'i386' cannot run 64-bit code
// BADFEATURE: error: unknown CPU feature 'notafeature' in --mattr

// A reused key is a compile error located at the second use, with a note at
// the first; --verify-keys=false accepts the program.
// RUN: rm -f %t.reuse.h
// RUN: not sto-compile %S/Inputs/reused-key.mlir -o %t.reuse.o --header %t.reuse.h 2>&1 | FileCheck %s --check-prefix=REUSE --implicit-check-not='see current operation'
// A failed compilation leaves no header behind.
// RUN: not test -e %t.reuse.h
// RUN: not sto-compile %S/Inputs/reused-key.mlir --compile-to=linalg 2>&1 | FileCheck %s --check-prefix=REUSE
// RUN: sto-compile %S/Inputs/reused-key.mlir --verify-keys=false -o %t.reuse.o
// REUSE: reused-key.mlir:4:8: error: RNG key is consumed twice (by 'sto.dropout' and by 'sto.noise')
// REUSE: reused-key.mlir:3:8: note: first use of the key

// Types the C ABI cannot pass give an error located at the function, with
// or without --header.
// RUN: not sto-compile %S/Inputs/memref-arg.mlir -o %t.bad.o 2>&1 | FileCheck %s --check-prefix=MEMREF
// RUN: not sto-compile %S/Inputs/memref-arg.mlir -o %t.bad.o --header %t.bad.h 2>&1 | FileCheck %s --check-prefix=MEMREF
// RUN: not sto-compile %S/Inputs/vector-result.mlir -o %t.bad.o 2>&1 | FileCheck %s --check-prefix=VECTOR
// RUN: not sto-compile %S/Inputs/vector-result.mlir -o %t.bad.o --header %t.bad.h 2>&1 | FileCheck %s --check-prefix=VECTOR
// MEMREF: memref-arg.mlir:2:1: error: public function 'takes_memref' has argument #0 of type 'memref<4xf32>', which the C ABI cannot pass
// MEMREF-NOT: see current operation
// VECTOR: vector-result.mlir:2:1: error: public function 'gives_vector' has result #0 of type 'vector<4xf32>', which the C ABI cannot pass
// A malformed sto.c_abi (as a prepared module carries it) is a located error,
// also with --header (which read its entries as types and crashed).
// RUN: not sto-compile %S/Inputs/malformed-c-abi.mlir -o %t.bad.o --header %t.bad.h 2>&1 | FileCheck %s --check-prefix=CABI
// CABI: malformed-c-abi.mlir:2:1: error: 'func.func' op malformed 'sto.c_abi' attribute
// A public name that is not a valid C function name, with and without a
// header: located error, nothing written.
// RUN: rm -f %t.kw.h %t.kw.o
// RUN: not sto-compile %S/Inputs/keyword-name.mlir -o %t.kw.o --header %t.kw.h 2>&1 | FileCheck %s --check-prefix=KEYWORD
// RUN: not sto-compile %S/Inputs/keyword-name.mlir -o %t.kw.o 2>&1 | FileCheck %s --check-prefix=KEYWORD
// RUN: not test -e %t.kw.h
// RUN: not test -e %t.kw.o
// KEYWORD: keyword-name.mlir:2:1: error: public function 'int' needs a name that is a C identifier and not a C or C++ keyword or 'main'
// No entry point: a warning (the object is still written).
// RUN: sto-compile %S/Inputs/no-entry-point.mlir -o %t.none.o 2>&1 | FileCheck %s --check-prefix=NOENTRY
// RUN: test -s %t.none.o
// NOENTRY: sto-compile: warning: {{.*}}no-entry-point.mlir has no public function with a body at the top level: the output exports no entry point
// VECTOR-NOT: see current operation

// A private helper: not part of the C ABI, not in the header, not exported.
// It returns a dynamically shaped tensor, so it keeps returning its buffer
// (only the C entry points and static results become out-parameters).
func.func private @square(%x: tensor<?x8xf32>) -> tensor<?x8xf32> {
  %y = arith.mulf %x, %x : tensor<?x8xf32>
  return %y : tensor<?x8xf32>
}

func.func @noisy(%k: !sto.key, %x: tensor<?x8xf32>) -> tensor<?x8xf32> {
  %k1 = sto.split %k count 1
  %a, %b = sto.split %k1 count 2
  %s = call @square(%x) : (tensor<?x8xf32>) -> tensor<?x8xf32>
  %d = sto.dropout %a, %s {rate = 0.0 : f64} : tensor<?x8xf32>
  %y = sto.noise %b, %d {scale = 1.0e-01 : f64} : tensor<?x8xf32>
  return %y : tensor<?x8xf32>
}

// A key argument and a key result are uint64_t; f16/bf16 are uint16_t bits,
// i1 is bool, index is int64_t.
func.func @types(%k: !sto.key, %h: tensor<3x?xf16>, %b: tensor<bf16>, %n: index, %g: f64)
    -> (tensor<?xi1>, tensor<3x?xf16>, tensor<bf16>, !sto.key) {
  %k1, %k2, %k3, %k4 = sto.split %k count 4
  %m = sto.bernoulli %k1 [%n] {p = 0.5 : f64} -> tensor<?xi1>
  %h2 = sto.spsa_update %k2, %h, %g {lr = 1.0e-02 : f64} : tensor<3x?xf16>, f64
  %b2 = sto.noise %k3, %b {scale = 1.0e-01 : f64} : tensor<bf16>
  return %m, %h2, %b2, %k4 : tensor<?xi1>, tensor<3x?xf16>, tensor<bf16>, !sto.key
}

func.func @no_arguments() -> tensor<2xf32> {
  %s = arith.constant 7 : i64
  %k = sto.seed %s : i64
  %u = sto.uniform %k : tensor<2xf32>
  return %u : tensor<2xf32>
}

//===----------------------------------------------------------------------===//
// input: the module as parsed, nothing run.
//===----------------------------------------------------------------------===//
// INPUT-LABEL: func.func private @square(
// INPUT-LABEL: func.func @noisy(
// INPUT-SAME:      %{{.*}}: !sto.key, %{{.*}}: tensor<?x8xf32>) -> tensor<?x8xf32> {
// INPUT-NEXT:    sto.split %{{.*}} count 1
// INPUT-NEXT:    sto.split %{{.*}} count 2
// INPUT-NEXT:    call @square
// INPUT-NEXT:    sto.dropout %{{.*}} {rate = 0.000000e+00 : f64}
// INPUT-NEXT:    sto.noise
// INPUT-LABEL: func.func @types(
// INPUT-LABEL: func.func @no_arguments(
// INPUT-NOT:   sto.c_abi

//===----------------------------------------------------------------------===//
// frontend: keys checked, canonicalized (split by 1 and dropout with rate 0
// fold away), each public function renamed to its implementation with its
// C signature recorded in sto.c_abi; still tensors and sto ops.
//===----------------------------------------------------------------------===//
// FRONTEND-LABEL: func.func private @square(
// FRONTEND-LABEL: func.func @__sto_impl_noisy(
// FRONTEND-SAME:      %[[K:.*]]: !sto.key, %[[X:[^:]*]]: tensor<?x8xf32> {bufferization.writable = false}) -> tensor<?x8xf32>
// FRONTEND-SAME:      attributes {sto.c_abi = {inputs = [!sto.key, tensor<?x8xf32>], name = "noisy", results = [tensor<?x8xf32>]}}
// FRONTEND-NEXT:    %[[S:.*]]:2 = sto.split %[[K]] count 2
// FRONTEND-NEXT:    %[[SQ:.*]] = call @square(%[[X]])
// FRONTEND-NEXT:    %[[Y:.*]] = sto.noise %[[S]]#1, %[[SQ]] {scale = 1.000000e-01 : f64} : tensor<?x8xf32>
// FRONTEND-NEXT:    return %[[Y]]
// FRONTEND-LABEL: func.func @__sto_impl_types(
// FRONTEND-SAME:      attributes {sto.c_abi = {inputs = [!sto.key, tensor<3x?xf16>, tensor<bf16>, index, f64], name = "types", results = [tensor<?xi1>, tensor<3x?xf16>, tensor<bf16>, !sto.key]}}
// FRONTEND-LABEL: func.func @__sto_impl_no_arguments()
// FRONTEND-SAME:      attributes {sto.c_abi = {inputs = [], name = "no_arguments", results = [tensor<2xf32>]}}
// FRONTEND-NOT:   func.func @noisy

//===----------------------------------------------------------------------===//
// linalg: no sto op is left; keys are i64; the samplers are linalg.generic
// computing Philox in their bodies, fused with their neighbours.
//===----------------------------------------------------------------------===//
// LINALG-LABEL: func.func private @square(
// LINALG:         linalg.generic
// LINALG:           arith.mulf
// LINALG-LABEL: func.func @__sto_impl_noisy(
// LINALG-SAME:      %{{.*}}: i64, %{{.*}}: tensor<?x8xf32> {bufferization.writable = false}) -> tensor<?x8xf32>
// LINALG-NOT:     sto.split
// LINALG:         call @square
// LINALG:         linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "parallel"]{{.*}}outs(%{{.*}} : tensor<?x2x4xf32>)
// LINALG:           arith.muli {{.*}} : i64
// LINALG:           math.sqrt
// LINALG-NOT:     sto.noise
// LINALG-LABEL: func.func @__sto_impl_types(
// LINALG-SAME:      %{{.*}}: i64, %{{.*}}: tensor<3x?xf16> {bufferization.writable = false}, %{{.*}}: tensor<bf16> {bufferization.writable = false}, %{{.*}}: index, %{{.*}}: f64) -> (tensor<?xi1>, tensor<3x?xf16>, tensor<bf16>, i64)
// LINALG-LABEL: func.func @__sto_impl_no_arguments()
// LINALG-NOT:     sto.seed
// LINALG-NOT:     sto.uniform

//===----------------------------------------------------------------------===//
// bufferized: memrefs; results of static shape are written in place into
// the out-parameters (no allocation, no copy); so are results of dynamic
// shape once their sizes are checked against the caller's (else the status
// records it and the function returns); the private helper returns its
// buffer.
//===----------------------------------------------------------------------===//
// BUFFERIZED-LABEL: func.func private @square(
// BUFFERIZED-SAME:      %{{.*}}: memref<?x8xf32>) -> memref<?x8xf32>
// BUFFERIZED:         memref.alloc
// BUFFERIZED-LABEL: func.func @__sto_impl_noisy(
// BUFFERIZED-SAME:      %{{.*}}: i64, %{{.*}}: memref<?x8xf32>, %[[OUT:.*]]: memref<?x8xf32>)
// BUFFERIZED-NOT:     tensor.
// BUFFERIZED:         %[[SQ:.*]] = call @square
// BUFFERIZED:         scf.if
// BUFFERIZED-NEXT:      %[[V:.*]] = memref.expand_shape %[[OUT]]
// BUFFERIZED-NEXT:      linalg.generic {{.*}} outs(%[[V]] :
// BUFFERIZED:         } else {
// BUFFERIZED:           call @sto_record_error
// BUFFERIZED-NOT:     memref.copy
// BUFFERIZED:         memref.extract_strided_metadata %[[SQ]]
// BUFFERIZED-NEXT:    memref.dealloc
// BUFFERIZED-NEXT:    return
// BUFFERIZED-LABEL: func.func @__sto_impl_types(
// BUFFERIZED-SAME:      %{{.*}}: i64, %{{.*}}: memref<3x?xf16>, %{{.*}}: memref<bf16>, %{{.*}}: index, %{{.*}}: f64, %{{.*}}: memref<?xi1>, %{{.*}}: memref<3x?xf16>, %{{.*}}: memref<bf16>) -> i64
// BUFFERIZED-LABEL: func.func @__sto_impl_no_arguments(
// BUFFERIZED-SAME:      %{{.*}}: memref<2xf32>)
// BUFFERIZED-NOT:     memref.alloc
// BUFFERIZED-NOT:     memref.copy

//===----------------------------------------------------------------------===//
// loops: the outer loop of each loop nest runs on OpenMP threads, the inner
// ones are scf.for; no linalg op is left. The rows are a dynamic count: the
// region starts threads only for 1024 innermost iterations or more (its 8
// columns times at least 128 rows; sto-parallel-if-enough).
//===----------------------------------------------------------------------===//
// LOOPS-LABEL: func.func @__sto_impl_noisy(
// LOOPS:         %[[ENOUGH:.*]] = arith.cmpi sge, %{{.*}}, %c1024 : index
// LOOPS:         omp.parallel if(%[[ENOUGH]]) {
// LOOPS-NEXT:      omp.wsloop {
// LOOPS-NEXT:        omp.loop_nest
// LOOPS:               scf.for
// LOOPS:                 memref.store
// LOOPS-NOT:     linalg.generic
// LOOPS-LABEL: func.func @__sto_impl_types(
// LOOPS-NOT:     linalg.generic
// LOOPS:         omp.parallel
// SERIAL-LABEL: func.func @__sto_impl_noisy(
// SERIAL-NOT:    omp.
// SERIAL:        scf.parallel
// SERIAL:          scf.for
// SERIAL-NOT:    omp.

//===----------------------------------------------------------------------===//
// llvm: the LLVM dialect. The implementation is internal; the C entry point
// takes plain pointers and sizes, returns 1 for a NULL pointer, 2 for a
// negative size and 7 for sizes of more than 2^63 bytes (naming the tensor)
// before calling it, 0 after. The private helper is internal.
//===----------------------------------------------------------------------===//
// LLVM-LABEL: llvm.func internal @square(
// LLVM-LABEL: llvm.func internal @__sto_impl_noisy(
// LLVM-LABEL: llvm.func @noisy(
// LLVM-SAME:      %[[K:.*]]: i64, %[[X:.*]]: !llvm.ptr, %[[XD:.*]]: i64, %[[Y:.*]]: !llvm.ptr, %[[YD:.*]]: i64) -> i32 {
// LLVM-DAG:     %[[NULL:.*]] = llvm.mlir.zero : !llvm.ptr
// LLVM-DAG:     llvm.icmp "eq" %[[X]], %{{.*}} : !llvm.ptr
// LLVM-DAG:     llvm.icmp "slt" %[[XD]], %{{.*}} : i64
// LLVM-DAG:     llvm.icmp "eq" %[[Y]], %{{.*}} : !llvm.ptr
// LLVM-DAG:     llvm.icmp "slt" %[[YD]], %{{.*}} : i64
// LLVM-DAG:     %[[ROW:.*]] = llvm.mlir.constant(32 : i64) : i64
// LLVM-DAG:     "llvm.intr.umul.with.overflow"(%[[ROW]], %[[XD]])
// LLVM-DAG:     "llvm.intr.umul.with.overflow"(%{{.*}}, %[[YD]])
// LLVM:         %[[SEVEN:.*]] = llvm.mlir.constant(7 : i32) : i32
// LLVM-NEXT:    %[[S7:.*]] = llvm.select %{{.*}}, %[[SEVEN]], %{{.*}} : i1, i32
// LLVM-NEXT:    llvm.select
// LLVM-NEXT:    %[[TWO:.*]] = llvm.mlir.constant(2 : i32) : i32
// LLVM-NEXT:    %[[S2:.*]] = llvm.select %{{.*}}, %[[TWO]], %[[S7]] : i1, i32
// LLVM-NEXT:    llvm.select
// LLVM-NEXT:    %[[ONE:.*]] = llvm.mlir.constant(1 : i32) : i32
// LLVM-NEXT:    %[[S1:.*]] = llvm.select %{{.*}}, %[[ONE]], %[[S2]] : i1, i32
// LLVM-NEXT:    %[[M1:.*]] = llvm.select
// LLVM:         llvm.cond_br %{{.*}}, ^[[ERR:bb[0-9]+]](%[[S1]], %[[M1]] : i32, !llvm.ptr), ^[[CALL:bb[0-9]+]]
// LLVM:       ^[[CALL]]:
// The runtime status is cleared, the function runs, and what it recorded
// (a result size that does not match) is the call's status.
// LLVM-NEXT:    llvm.call @sto_take_status() : () -> i32
// LLVM-NEXT:    llvm.call @__sto_impl_noisy(%[[K]], %[[X]], %[[X]],
// LLVM-NEXT:    %[[ST0:.*]] = llvm.call @sto_take_status() : () -> i32
// LLVM-NEXT:    llvm.return %[[ST0]] : i32
// LLVM:       ^[[ERR]](%[[ST:.*]]: i32, %[[MSG:.*]]: !llvm.ptr):
// LLVM-NEXT:    llvm.call @sto_take_status() : () -> i32
// LLVM-NEXT:    llvm.call @sto_record_error(%[[ST]], %[[MSG]]) : (i32, !llvm.ptr) -> ()
// LLVM-NEXT:    llvm.call @sto_take_status() : () -> i32
// LLVM-NEXT:    llvm.return %[[ST]] : i32
// A key result comes back through a uint64_t pointer.
// LLVM-LABEL: llvm.func @types(
// LLVM-SAME:      %{{.*}}: i64, %{{.*}}: !llvm.ptr, %{{.*}}: i64, %{{.*}}: !llvm.ptr, %{{.*}}: i64, %{{.*}}: f64, %{{.*}}: !llvm.ptr, %{{.*}}: i64, %{{.*}}: !llvm.ptr, %{{.*}}: i64, %{{.*}}: !llvm.ptr, %[[KEYOUT:.*]]: !llvm.ptr) -> i32 {
// LLVM:         %[[NEWKEY:.*]] = llvm.call @__sto_impl_types(
// LLVM:         llvm.cond_br
// LLVM:         llvm.store %[[NEWKEY]], %[[KEYOUT]] : i64, !llvm.ptr
// LLVM-LABEL: llvm.func @no_arguments(
// LLVM-SAME:      %{{.*}}: !llvm.ptr) -> i32

//===----------------------------------------------------------------------===//
// llvmir: LLVM IR for the host triple, optimized; only the entry points are
// external definitions.
//===----------------------------------------------------------------------===//
// LLVMIR: target triple = "x86_64{{.*}}"
// LLVMIR-NOT: define {{(void|i32|ptr)}} @square
// LLVMIR-NOT: define {{(void|i32|ptr)}} @__sto_impl
// The status comes from the argument checks or from the runtime.
// LLVMIR-DAG: define i32 @noisy(i64 %{{.*}}, ptr %{{.*}}, i64 %{{.*}}, ptr {{.*}}%{{.*}}, i64 %{{.*}})
// LLVMIR-DAG: define i32 @types(
// LLVMIR-DAG: define i32 @no_arguments(ptr
// LLVMIR-DAG: call void {{.*}}@__kmpc_fork_call(

//===----------------------------------------------------------------------===//
// The object exports exactly the C entry points.
//===----------------------------------------------------------------------===//
// SYMBOLS-NOT: square
// SYMBOLS-NOT: __sto_impl
// SYMBOLS: T no_arguments
// SYMBOLS-NEXT: T noisy
// SYMBOLS-NEXT: T types
// SYMBOLS-NOT: {{.}}

//===----------------------------------------------------------------------===//
// The header: a comment on the status codes, an include guard, the C types,
// one prototype per public function with a comment giving each parameter's
// shape and element type, dynamic sizes after their pointer.
//===----------------------------------------------------------------------===//
// HEADER:      /* Generated by sto-compile from compile-to.mlir. Do not edit.
// HEADER:       * Each function returns an int32_t status: 0 on success, otherwise a code of
// HEADER-NEXT:  * sto-c/Runtime.h (1: a NULL pointer, 2: a negative size, 6: a result
// HEADER-NEXT:  * overlapping another array, 7: dynamic sizes that do not agree, 9: a failed
// HEADER-NEXT:  * assertion of the model; sto_last_error_message() says what went wrong).
// HEADER-NEXT:  * Tensors are
// HEADER-NEXT:  * contiguous row-major host arrays; results are allocated by the caller
// HEADER-NEXT:  * and overlap no other array.
// The include guard ends with a hash of the declarations: two models' headers
// of one file name (a/model.h, b/model.h) can be included together.
// HEADER:      #ifndef STO_[[GUARD:.*]]_H_[[HASH:[0-9A-F]{8}]]{{$}}
// HEADER-NEXT: #define STO_[[GUARD]]_H_[[HASH]]{{$}}
// HEADER:      #include <stdbool.h>
// HEADER-NEXT: #include <stdint.h>
// HEADER:      #ifdef __cplusplus
// HEADER-NEXT: extern "C" {
// HEADER-NEXT: #endif
// HEADER-NOT:  square
// HEADER:      /* noisy
// HEADER-NEXT:  *   arg0: !sto.key
// HEADER-NEXT:  *   arg1: f32 [?, 8], row-major
// HEADER-NEXT:  *   arg1_dim0: size of dimension 0 of arg1
// HEADER-NEXT:  *   result0: f32 [?, 8], row-major, caller-allocated
// HEADER-NEXT:  *   result0_dim0: size of dimension 0 of result0
// HEADER-NEXT:  */
// HEADER-NEXT: int32_t noisy(uint64_t arg0, const float *arg1, int64_t arg1_dim0, float *result0, int64_t result0_dim0);
// HEADER:      /* types
// HEADER-NEXT:  *   arg0: !sto.key
// HEADER-NEXT:  *   arg1: f16 [3, ?], row-major (IEEE half bits)
// HEADER-NEXT:  *   arg1_dim1: size of dimension 1 of arg1
// HEADER-NEXT:  *   arg2: bf16 [], row-major (bfloat16 bits)
// HEADER-NEXT:  *   arg3: index
// HEADER-NEXT:  *   arg4: f64
// HEADER-NEXT:  *   result0: i1 [?], row-major, caller-allocated
// HEADER-NEXT:  *   result0_dim0: size of dimension 0 of result0
// HEADER-NEXT:  *   result1: f16 [3, ?], row-major (IEEE half bits), caller-allocated
// HEADER-NEXT:  *   result1_dim1: size of dimension 1 of result1
// HEADER-NEXT:  *   result2: bf16 [], row-major (bfloat16 bits), caller-allocated
// HEADER-NEXT:  *   result3: !sto.key, caller-allocated
// HEADER-NEXT:  */
// HEADER-NEXT: int32_t types(uint64_t arg0, const uint16_t *arg1, int64_t arg1_dim1, const uint16_t *arg2, int64_t arg3, double arg4, bool *result0, int64_t result0_dim0, uint16_t *result1, int64_t result1_dim1, uint16_t *result2, uint64_t *result3);
// HEADER:      /* no_arguments
// HEADER-NEXT:  *   result0: f32 [2], row-major, caller-allocated
// HEADER-NEXT:  */
// HEADER-NEXT: int32_t no_arguments(float *result0);
// HEADER:      #ifdef __cplusplus
// HEADER-NEXT: }
// HEADER-NEXT: #endif
// HEADER:      #endif /* STO_[[GUARD]]_H_[[HASH]] */
