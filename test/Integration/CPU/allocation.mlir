// A buffer whose size arrives at run time: sizes whose byte count overflows
// int64_t return status 7 (they allocated almost nothing and wrote 2^64
// elements), and an allocation that fails returns status 3 (the writes to
// the null pointer crashed); both with a message at the op, and no result.
// REQUIRES: sto-example-drivers
// RUN: sto-compile %s -o %t.o --header %t.h
// RUN: %sto_example_cc -I%sto_src_root/include -include %t.h %S/Inputs/allocation.c %t.o %sto_runtime_link -o %t
// ASan aborts on a request of 2^60 bytes unless told to return null.
// RUN: env ASAN_OPTIONS=detect_leaks=1:allow_user_poisoning=0:allocator_may_return_null=1 %t | FileCheck %s

// CHECK: sum 4x4: status 0 '' r = 9.18976
// CHECK: sum 2^32x2^32: status 7 '{{.*}}allocation.mlir:[[#@LINE+4]]:8: a buffer of type memref<?x?xf32> would be larger than 2^63 bytes' r = -1
// CHECK: sum 2^29x2^29: status 3 '{{.*}}allocation.mlir:[[#@LINE+3]]:8: out of memory: a buffer of type memref<?x?xf32> could not be allocated' r = -1
func.func @sum(%seed: i64, %n: index, %m: index) -> f32 {
  %k = sto.seed %seed : i64
  %u = sto.uniform %k [%n, %m] : tensor<?x?xf32>
  %z = arith.constant dense<0.0> : tensor<f32>
  %s = linalg.reduce ins(%u : tensor<?x?xf32>) outs(%z : tensor<f32>) dimensions = [0, 1]
    (%a: f32, %b: f32) {
      %t = arith.addf %a, %b : f32
      linalg.yield %t : f32
    }
  %r = tensor.extract %s[] : tensor<f32>
  return %r : f32
}
