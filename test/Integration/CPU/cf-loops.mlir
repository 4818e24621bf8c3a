// Loops written with cf branches (the lowering of a front end that emits
// unstructured control flow): they failed after bufferization with "Only
// structured control-flow loops are supported" (the ownership-based
// deallocation); the frontend now lifts them to scf.while. Results against
// C++, on the CPU and on the GPU lowering run on the host.
// RUN: rm -rf %t && mkdir -p %t
// RUN: sto-compile %s -o %t/m.o --header %t/cf_loops.h
// RUN: %clangxx %sto_driver_flags -I%t %S/Inputs/cf-loops.cpp %t/m.o %sto_runtime_link -o %t/m
// RUN: %t/m | FileCheck %s
// RUN: mkdir -p %t/emu && sto-compile %s --target=cuda-emulator -o %t/emu/m.o --header %t/emu/cf_loops.h
// RUN: %clangxx %sto_driver_flags -I%t/emu %S/Inputs/cf-loops.cpp %t/emu/m.o %sto_runtime_link -o %t/e
// RUN: %t/e | FileCheck %s

// CHECK: double_n n=0: 0 mismatches of 8
// CHECK: double_n n=3: 0 mismatches of 8
// CHECK: double_n n=-2: 0 mismatches of 8
// CHECK: noisy_steps n=4: 0 mismatches of 8
// CHECK: noisy_steps n=0: 0 mismatches of 8
// CHECK: ALL OK

// acc = x; for (i = 0; i < n; ++i) acc = acc + acc.
func.func @double_n(%x: tensor<8xf32>, %n: i64) -> tensor<8xf32> {
  %c0 = arith.constant 0 : i64
  %c1 = arith.constant 1 : i64
  cf.br ^head(%c0, %x : i64, tensor<8xf32>)
^head(%i: i64, %acc: tensor<8xf32>):
  %c = arith.cmpi slt, %i, %n : i64
  cf.cond_br %c, ^body, ^exit
^body:
  %y = arith.addf %acc, %acc : tensor<8xf32>
  %i1 = arith.addi %i, %c1 : i64
  cf.br ^head(%i1, %y : i64, tensor<8xf32>)
^exit:
  return %acc : tensor<8xf32>
}

// A step of noise per iteration, each from its own key (fold_in of the step):
// acc = x; for i < n: acc = acc + 0.5 * N(0, 1) from fold_in(key, i).
func.func @noisy_steps(%x: tensor<8xf32>, %seed: i64, %n: i64) -> tensor<8xf32> {
  %k = sto.seed %seed : i64
  %c0 = arith.constant 0 : i64
  %c1 = arith.constant 1 : i64
  cf.br ^head(%c0, %x : i64, tensor<8xf32>)
^head(%i: i64, %acc: tensor<8xf32>):
  %c = arith.cmpi slt, %i, %n : i64
  cf.cond_br %c, ^body, ^exit
^body:
  %ki = sto.fold_in %k, %i : i64
  %y = sto.noise %ki, %acc {scale = 5.0e-01 : f64} : tensor<8xf32>
  %i1 = arith.addi %i, %c1 : i64
  cf.br ^head(%i1, %y : i64, tensor<8xf32>)
^exit:
  return %acc : tensor<8xf32>
}
