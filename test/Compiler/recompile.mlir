// What --compile-to prints compiles again up to the linalg phase. Later
// phases are refused with a message at the first op that shows it: the
// bufferized program's deallocations (the deallocation pipeline rejected them
// with "memory free side-effect on MemRef value not supported!"), and the
// LLVM dialect's functions (they compiled to an object that exported
// nothing).
// RUN: sto-compile %s --compile-to=linalg > %t.linalg.mlir
// RUN: sto-compile %t.linalg.mlir -o %t.o --header %t.h
// RUN: FileCheck %s --check-prefix=HEADER < %t.h
// RUN: sto-compile %s --compile-to=bufferized > %t.buf.mlir
// RUN: not sto-compile %t.buf.mlir -o %t.o 2>&1 | FileCheck %s --check-prefix=BUF
// RUN: sto-compile %s --compile-to=llvm > %t.llvm.mlir
// RUN: not sto-compile %t.llvm.mlir -o %t.o 2>&1 | FileCheck %s --check-prefix=LLVM

// HEADER: int32_t dp(const float *arg0, int64_t arg1, float *result0);
// BUF: error: this module is already bufferized, with its deallocations (the output of --compile-to=bufferized or loops): sto-compile takes a program on tensors, such as the input or the --compile-to=linalg output
// BUF-NEXT: memref.dealloc
// LLVM: error: this module is already in the LLVM dialect (the output of --compile-to=llvm): sto-compile takes a program of func.func, such as the input or the --compile-to=linalg output

// dp_aggregate's per-row norms are a temporary that the bufferized program
// frees.
func.func @dp(%g: tensor<16x64xf32>, %seed: i64) -> tensor<64xf32> {
  %k = sto.seed %seed : i64
  %r = sto.dp_aggregate %k, %g {clip_norm = 1.0 : f64, noise_multiplier = 1.0 : f64}
      : tensor<16x64xf32> -> tensor<64xf32>
  return %r : tensor<64xf32>
}
