// The C ABI of compiled functions (driver: Inputs/c-abi.cpp): tensor
// arguments `const T *` with one int64_t per dynamic dimension, scalars by
// value (a key as uint64_t), results caller-allocated after the arguments;
// status 0 on success, 1 for a NULL tensor or result pointer, 2 for a
// negative dynamic size (NULL is reported first), and nothing is written
// when a call fails. Also: empty tensors, a key result, a function without
// arguments, a private helper returning a dynamically shaped tensor, and
// one value returned three times (each result gets its own copy).

// RUN: rm -rf %t && mkdir -p %t
// RUN: sto-compile %s -o %t/c-abi.o --header %t/c-abi.h
// RUN: %clangxx %sto_driver_flags -I%t %S/Inputs/c-abi.cpp %t/c-abi.o %sto_runtime_link -o %t/c-abi
// RUN: %t/c-abi | FileCheck %s
// The GPU lowering run on the host (sto-emulate-gpu-kernels): the same output.
// RUN: mkdir -p %t/emu && sto-compile %s --target=cuda-emulator -o %t/emu/c-abi.o --header %t/emu/c-abi.h
// RUN: %clangxx %sto_driver_flags -I%t/emu %S/Inputs/c-abi.cpp %t/emu/c-abi.o %sto_runtime_link -o %t/c-abi-emu
// RUN: %t/c-abi-emu | FileCheck %s

// CHECK: all valid: status 0 (expected 0)
// CHECK: dropout f32 [?x4] n=6: 0 mismatches of 24
// CHECK: uniform f64 [?] n=9: 0 mismatches of 9
// CHECK: fold_in key result: 0 mismatches of 1
// CHECK: empty tensors (size 0): status 0 (expected 0)
// CHECK: NULL tensor argument: status 1 (expected 1)
// CHECK: NULL tensor argument: nothing written: ok
// CHECK: NULL tensor argument: its message: ok
// CHECK: NULL static tensor argument: status 1 (expected 1)
// CHECK: NULL static tensor argument: nothing written: ok
// CHECK: NULL static tensor argument: its message: ok
// CHECK: NULL tensor result: status 1 (expected 1)
// CHECK: NULL tensor result: nothing written: ok
// CHECK: NULL tensor result: its message: ok
// CHECK: NULL scalar result: status 1 (expected 1)
// CHECK: NULL scalar result: nothing written: ok
// CHECK: NULL scalar result: its message: ok
// CHECK: negative argument size: status 2 (expected 2)
// CHECK: negative argument size: nothing written: ok
// CHECK: negative argument size: its message: ok
// CHECK: negative result size: status 2 (expected 2)
// CHECK: negative result size: nothing written: ok
// CHECK: negative result size: its message: ok
// CHECK: NULL and negative size: status 1 (expected 1)
// CHECK: NULL and negative size: nothing written: ok
// CHECK: NULL and negative size: its message: ok
// CHECK: no arguments: status 0 (expected 0)
// CHECK: uniform f32 [2] seed 42: 0 mismatches of 2
// CHECK: no arguments, NULL result: status 1 (expected 1)
// CHECK: private helper with a dynamic result: status 0 (expected 0)
// CHECK: dropout f32 [?] n=50 of a helper's result: 0 mismatches of 50
// CHECK: one value returned twice: status 0 (expected 0)
// CHECK: returned twice, first: 0 mismatches of 7
// CHECK: returned twice, second: 0 mismatches of 7
// CHECK: returned twice, third: 0 mismatches of 7
// CHECK: message 0: success
// CHECK: message 1: a tensor or result pointer is NULL
// CHECK: message 2: a dynamic dimension is negative
// CHECK: ALL OK

func.func @abi(%k: !sto.key, %x: tensor<?x4xf32>, %y: tensor<3xf64>, %n: index)
    -> (tensor<?x4xf32>, tensor<?xf64>, !sto.key) {
  %a, %b, %c = sto.split %k count 3
  %0 = sto.dropout %a, %x {rate = 5.0e-01 : f64} : tensor<?x4xf32>
  %1 = sto.uniform %b [%n] : tensor<?xf64>
  %2 = sto.fold_in %c, %n : index
  return %0, %1, %2 : tensor<?x4xf32>, tensor<?xf64>, !sto.key
}
func.func @no_args() -> tensor<2xf32> {
  %s = arith.constant 42 : i64
  %k = sto.seed %s : i64
  %0 = sto.uniform %k : tensor<2xf32>
  return %0 : tensor<2xf32>
}
// A private helper that returns a dynamically shaped tensor: it keeps
// returning its buffer (a caller cannot size an out-parameter for it).
func.func private @twice(%x: tensor<?xf32>) -> tensor<?xf32> {
  %y = arith.addf %x, %x : tensor<?xf32>
  return %y : tensor<?xf32>
}
func.func @through_helper(%k: !sto.key, %x: tensor<?xf32>) -> tensor<?xf32> {
  %t = call @twice(%x) : (tensor<?xf32>) -> tensor<?xf32>
  %y = sto.dropout %k, %t {rate = 5.0e-01 : f64} : tensor<?xf32>
  return %y : tensor<?xf32>
}
func.func @thrice(%k: !sto.key, %x: tensor<?xf32>)
    -> (tensor<?xf32>, tensor<?xf32>, tensor<?xf32>) {
  %y = sto.dropout %k, %x {rate = 5.0e-01 : f64} : tensor<?xf32>
  return %y, %y, %y : tensor<?xf32>, tensor<?xf32>, tensor<?xf32>
}
