// RUN: sto-opt %s --sto-cpu-pipeline | FileCheck %s
// RUN: sto-opt %s '--sto-cuda-pipeline=gpu-format=isa' | FileCheck %s
// RUN: sto-compile %s --compile-to=bufferized | FileCheck %s --check-prefix=BUF
// RUN: sto-compile %s --target=cuda-emulator -o %t.o

// A helper that returns a dynamically shaped buffer it may or may not own
// (its argument after zero iterations, or a new buffer) keeps returning it;
// the deallocation then returns a bufferization.clone of it, which no later
// pass lowered: every target failed with "LLVM Translation failed for
// operation: builtin.unrealized_conversion_cast". The clone is an
// allocation and a copy.

// BUF-LABEL: func.func private @repeat(
// BUF-NOT:     bufferization.clone
// BUF:         memref.copy
// BUF:         return
// CHECK-NOT: bufferization.clone
// CHECK-NOT: unrealized_conversion_cast
func.func private @repeat(%x: tensor<?xf32>, %n: index) -> tensor<?xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%a = %x) -> tensor<?xf32> {
    %z = arith.addf %a, %a : tensor<?xf32>
    scf.yield %z : tensor<?xf32>
  }
  return %r : tensor<?xf32>
}

func.func private @either(%x: tensor<?xf32>, %c: i1) -> tensor<?xf32> {
  %r = scf.if %c -> tensor<?xf32> {
    scf.yield %x : tensor<?xf32>
  } else {
    %z = arith.addf %x, %x : tensor<?xf32>
    scf.yield %z : tensor<?xf32>
  }
  return %r : tensor<?xf32>
}

func.func @f(%x: tensor<?xf32>, %n: index, %c: i1) -> tensor<?xf32> {
  %r = func.call @repeat(%x, %n) : (tensor<?xf32>, index) -> tensor<?xf32>
  %s = func.call @either(%r, %c) : (tensor<?xf32>, i1) -> tensor<?xf32>
  return %s : tensor<?xf32>
}
