// Compiled entry points are reentrant: several threads call them at once,
// each with its own OpenMP team, stack buffers, check cells and status. The
// results equal a call made alone, bit for bit, and a failing call's status
// and message stay on its thread (each thread's gather fails every other
// time, interleaved with the others' successes). Also under
// --target=cuda-emulator.
// REQUIRES: sto-example-drivers
// RUN: sto-compile %s -o %t.o --header %t.h
// RUN: %sto_example_cc -I%sto_src_root/include -include %t.h %S/Inputs/threads.c %t.o %sto_runtime_link -lpthread -o %t
// RUN: env OMP_NUM_THREADS=2 %t | FileCheck %s
// RUN: sto-compile %s --target=cuda-emulator -o %t.emu.o --header %t.emu.h
// RUN: %sto_example_cc -I%sto_src_root/include -include %t.emu.h %S/Inputs/threads.c %t.emu.o %sto_runtime_link -lpthread -o %t.emu
// RUN: env OMP_NUM_THREADS=2 %t.emu | FileCheck %s

// CHECK: concurrent calls: 8 threads x 40, failures 0

func.func @layer(%seed: i64, %x: tensor<?x256xf32>, %b: tensor<256xf32>) -> tensor<?x256xf32> {
  %k = sto.seed %seed : i64
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?x256xf32>
  %e = tensor.empty(%n) : tensor<?x256xf32>
  %xb = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%x, %b : tensor<?x256xf32>, tensor<256xf32>) outs(%e : tensor<?x256xf32>) {
  ^bb0(%a: f32, %c: f32, %o: f32):
    %s = arith.addf %a, %c : f32
    linalg.yield %s : f32
  } -> tensor<?x256xf32>
  %y = sto.dropout %k, %xb {rate = 2.0e-01 : f64} : tensor<?x256xf32>
  return %y : tensor<?x256xf32>
}
func.func @gather(%t: tensor<64xf32>, %ids: tensor<?xi32>) -> tensor<?xf32> {
  %c0 = arith.constant 0 : index
  %n = tensor.dim %ids, %c0 : tensor<?xi32>
  %e = tensor.empty(%n) : tensor<?xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]} ins(%ids : tensor<?xi32>) outs(%e : tensor<?xf32>) {
  ^bb0(%id: i32, %o: f32):
    %i = arith.index_cast %id : i32 to index
    %v = tensor.extract %t[%i] : tensor<64xf32>
    linalg.yield %v : f32
  } -> tensor<?xf32>
  return %r : tensor<?xf32>
}
