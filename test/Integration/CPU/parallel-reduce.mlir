// A model's own scf.parallel with reductions (a sum and a max over a 2-D
// tensor of run-time size): OpenMP reduces it on the CPU; on the CUDA target
// it becomes loops carrying the accumulators, run in a one-thread kernel
// (the GPU mapping failed with "failed to legalize unresolved
// materialization"). Small integers, so every order gives the same sum.
// REQUIRES: sto-example-drivers
// RUN: sto-compile %s -o %t.o --header %t.h
// RUN: %sto_example_cc -I%sto_src_root/include -include %t.h %S/Inputs/parallel-reduce.c %t.o %sto_runtime_link -o %t
// RUN: %t | FileCheck %s
// RUN: sto-compile %s --target=cuda-emulator -o %t.emu.o --header %t.emu.h
// RUN: %sto_example_cc -I%sto_src_root/include -include %t.emu.h %S/Inputs/parallel-reduce.c %t.emu.o %sto_runtime_link -o %t.emu
// RUN: %t.emu | FileCheck %s
// RUN: sto-compile %s --target=cuda --gpu-format=isa -o %t.cuda.o

// CHECK: 3x5: status 0 sum 105 (105) max 14 (14)
// CHECK: 7x9: status 0 sum 1953 (1953) max 62 (62)
// CHECK: 0x4: status 0 sum 0 (0) max -1e+30 (-1e+30)
func.func @sum_max(%x: tensor<?x?xf32>) -> (f32, f32) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = tensor.dim %x, %c0 : tensor<?x?xf32>
  %m = tensor.dim %x, %c1 : tensor<?x?xf32>
  %z = arith.constant 0.0 : f32
  %low = arith.constant -1.0e+30 : f32
  %s:2 = scf.parallel (%i, %j) = (%c0, %c0) to (%n, %m) step (%c1, %c1) init (%z, %low) -> (f32, f32) {
    %v = tensor.extract %x[%i, %j] : tensor<?x?xf32>
    scf.reduce(%v, %v : f32, f32) {
    ^bb0(%a: f32, %b: f32):
      %t = arith.addf %a, %b : f32
      scf.reduce.return %t : f32
    }, {
    ^bb0(%a: f32, %b: f32):
      %t = arith.maximumf %a, %b : f32
      scf.reduce.return %t : f32
    }
  }
  return %s#0, %s#1 : f32, f32
}
