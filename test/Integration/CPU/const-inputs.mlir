// An entry point's tensor arguments are the caller's `const T *` arrays: the
// compiled function never writes into them, even where the program updates
// an argument (bufferization copies it first). Before, an insert_slice into
// an argument, a linalg op with an argument as its init and a loop inserting
// into an argument wrote the caller's input in place.
// REQUIRES: sto-example-drivers
// RUN: sto-compile %s -o %t.o --header %t.h
// RUN: %sto_example_cc -I%sto_src_root/include -include %t.h %S/Inputs/const-inputs.c %t.o %sto_runtime_link -o %t
// RUN: %t | FileCheck %s
// RUN: sto-compile %s --target=cuda-emulator -o %t.emu.o --header %t.emu.h
// RUN: %sto_example_cc -I%sto_src_root/include -include %t.emu.h %S/Inputs/const-inputs.c %t.emu.o %sto_runtime_link -o %t.emu
// RUN: %t.emu | FileCheck %s

// CHECK: put: status 0 y = 1 100 101 4 x = 1 2 3 4
func.func @put(%x: tensor<?xf32>, %s: tensor<2xf32>, %o: index) -> tensor<?xf32> {
  %r = tensor.insert_slice %s into %x[%o] [2] [1] : tensor<2xf32> into tensor<?xf32>
  return %r : tensor<?xf32>
}

// CHECK: fill: status 0 y = 7 7 7 7 x = 1 2 3 4
func.func @fill(%x: tensor<?xf32>, %v: f32) -> tensor<?xf32> {
  %r = linalg.fill ins(%v : f32) outs(%x : tensor<?xf32>) -> tensor<?xf32>
  return %r : tensor<?xf32>
}

// CHECK: bump: status 0 y = 2 3 4 5 x = 1 2 3 4
func.func @bump(%x: tensor<?xf32>) -> tensor<?xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = tensor.dim %x, %c0 : tensor<?xf32>
  %one = arith.constant 1.0 : f32
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%t = %x) -> tensor<?xf32> {
    %v = tensor.extract %t[%i] : tensor<?xf32>
    %w = arith.addf %v, %one : f32
    %u = tensor.insert %w into %t[%i] : tensor<?xf32>
    scf.yield %u : tensor<?xf32>
  }
  return %r : tensor<?xf32>
}
