// Two shapes of program that every training loop in examples/ has, through
// the CPU pipeline of sto-compile:
//  - a loop whose tensor iter_arg is yielded by a call (the training step):
//    one-shot bufferization must allow the loop to yield a new allocation
//    (before the fix: "Yield operand #0 is not equivalent to the
//    corresponding iter bbArg");
//  - tensor.insert_slice into a wider tensor (x~ = [x, 1] in dp_sgd.mlir):
//    the copy into the strided subview must become loops, not a call of
//    `memrefCopy` (MLIR's runner utils, which libsto_runtime does not
//    provide), while contiguous copies stay memref.copy (memcpy).
//
// RUN: sto-compile %s --compile-to=bufferized | FileCheck %s --check-prefix=BUF
// RUN: sto-compile %s --compile-to=loops --parallel=false | FileCheck %s --check-prefix=LOOPS
// RUN: sto-compile %s --compile-to=llvm | FileCheck %s --check-prefix=LLVM
// RUN: sto-compile %s -o %t.o --header %t.h

func.func private @step(%w: tensor<64xf32>) -> tensor<64xf32> {
  %y = arith.addf %w, %w : tensor<64xf32>
  return %y : tensor<64xf32>
}

// BUF-LABEL: func.func @__sto_impl_train(
// BUF:         scf.for {{.*}} -> (memref<64xf32>{{.*}})
// BUF:           func.call @step(
// BUF-LABEL: func.func @__sto_impl_augment(
// BUF:         memref.copy %{{.*}}, %{{.*}} : memref<16x9xf32> to memref<16x9xf32>
// BUF:         memref.copy %{{.*}}, %{{.*}} : memref<16x8xf32> to memref<16x8xf32, strided<[9, 1]>>

// LOOPS-LABEL: func.func @__sto_impl_augment(
// LOOPS:         memref.copy %{{.*}}, %{{.*}} : memref<16x9xf32> to memref<16x9xf32>
// LOOPS-NOT:     memref.copy
// LOOPS:         scf.for
// LOOPS:           scf.for
// LOOPS:             memref.load {{.*}} : memref<16x8xf32>
// LOOPS:             memref.store {{.*}} : memref<16x8xf32, strided<[9, 1]>>
// LOOPS:         return

// LLVM-NOT: memrefCopy

func.func @train(%w0: tensor<64xf32>) -> tensor<64xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %w = scf.for %i = %c0 to %c8 step %c1 iter_args(%a = %w0) -> (tensor<64xf32>) {
    %b = func.call @step(%a) : (tensor<64xf32>) -> tensor<64xf32>
    scf.yield %b : tensor<64xf32>
  }
  return %w : tensor<64xf32>
}

func.func @augment(%x: tensor<16x8xf32>) -> tensor<16x9xf32> {
  %ones = arith.constant dense<1.0> : tensor<16x9xf32>
  %xa = tensor.insert_slice %x into %ones[0, 0] [16, 8] [1, 1]
      : tensor<16x8xf32> into tensor<16x9xf32>
  return %xa : tensor<16x9xf32>
}
