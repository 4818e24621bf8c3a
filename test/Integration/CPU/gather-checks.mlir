// Element reads at indices computed from data inside linalg bodies (an
// embedding lookup, a gather with a dynamic table) are checked where they
// run, on the threads of the parallel loop: an index out of the table gives
// status 7 and a located message (it read out of bounds and crashed, or
// returned status 0 with a wrong value). So does a constant index outside
// a static dimension. A model's own cf.assert in a linalg body gives
// status 9. Valid indices compute as before, compared with a C reference.
// Also under --target=cuda-emulator.
// REQUIRES: sto-example-drivers
// RUN: sto-compile %s -o %t.o --header %t.h
// RUN: %sto_example_cc -I%sto_src_root/include -include %t.h %S/Inputs/gather-checks.c %t.o %sto_runtime_link -o %t
// RUN: env OMP_NUM_THREADS=2 %t | FileCheck %s
// RUN: sto-compile %s --target=cuda-emulator -o %t.emu.o --header %t.emu.h
// RUN: %sto_example_cc -I%sto_src_root/include -include %t.emu.h %S/Inputs/gather-checks.c %t.emu.o %sto_runtime_link -o %t.emu
// RUN: %t.emu | FileCheck %s

// CHECK: embedding valid: status 0 '' matches 1
// CHECK: embedding id 16 at row 5: status 7 '{{.*}}gather-checks.mlir:[[#@LINE+9]]:10: 'tensor.extract' op index 0 is out of bounds'
// CHECK: embedding id -1000000 at row 4000: status 7 '{{.*}}gather-checks.mlir:[[#@LINE+8]]:10: 'tensor.extract' op index 0 is out of bounds'
// CHECK: embedding valid again: status 0 '' matches 1
func.func @embedding(%table: tensor<16x64xf32>, %ids: tensor<4096xi32>) -> tensor<4096x64xf32> {
  %e = tensor.empty() : tensor<4096x64xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%ids : tensor<4096xi32>) outs(%e : tensor<4096x64xf32>) {
  ^bb0(%id: i32, %o: f32):
    %i = arith.index_cast %id : i32 to index
    %j = linalg.index 1 : index
    %v = tensor.extract %table[%i, %j] : tensor<16x64xf32>
    linalg.yield %v : f32
  } -> tensor<4096x64xf32>
  return %r : tensor<4096x64xf32>
}

// The table's size is known at run time only; the gather feeds a sum.
// CHECK: gather valid: status 0 '' sum 30
// CHECK: gather index 5 of 5: status 7 '{{.*}}gather-checks.mlir:[[#@LINE+6]]:10: 'tensor.extract' op index 0 is out of bounds'
func.func @gather_sum(%table: tensor<?xf32>, %idx: tensor<8xindex>) -> f32 {
  %z = arith.constant 0.0 : f32
  %init = tensor.from_elements %z : tensor<f32>
  %s = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> ()>], iterator_types = ["reduction"]} ins(%idx : tensor<8xindex>) outs(%init : tensor<f32>) {
  ^bb0(%i: index, %acc: f32):
    %v = tensor.extract %table[%i] : tensor<?xf32>
    %a = arith.addf %acc, %v : f32
    linalg.yield %a : f32
  } -> tensor<f32>
  %r = tensor.extract %s[] : tensor<f32>
  return %r : f32
}

// CHECK: constant index: status 7 '{{.*}}gather-checks.mlir:[[#@LINE+3]]:8: 'tensor.extract' op index 0 is out of bounds'
func.func @constant_index(%t: tensor<16xf32>) -> f32 {
  %c = arith.constant 100 : index
  %v = tensor.extract %t[%c] : tensor<16xf32>
  return %v : f32
}

// CHECK: assert valid: status 0 '' y0 2
// CHECK: assert negative: status 9 'negative input'
func.func @assert_in_body(%x: tensor<1024xf32>) -> tensor<1024xf32> {
  %e = tensor.empty() : tensor<1024xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]} ins(%x : tensor<1024xf32>) outs(%e : tensor<1024xf32>) {
  ^bb0(%a: f32, %o: f32):
    %z = arith.constant 0.0 : f32
    %ok = arith.cmpf oge, %a, %z : f32
    cf.assert %ok, "negative input"
    %s = math.sqrt %a : f32
    linalg.yield %s : f32
  } -> tensor<1024xf32>
  return %r : tensor<1024xf32>
}

// The same read in a private function, at (linalg.index, id): its check
// stays in the body (it was copied to the call site with the linalg.index,
// which failed to compile).
// CHECK: private valid: status 0 '' y 2 8 12
// CHECK: private id 4: status 7 '{{.*}}gather-checks.mlir:[[#@LINE+9]]:10: 'tensor.extract' op index 1 is out of bounds'
func.func private @rows(%t: tensor<?x4xf32>, %ids: tensor<?xi32>) -> tensor<?xf32> {
  %c0 = arith.constant 0 : index
  %n = tensor.dim %ids, %c0 : tensor<?xi32>
  %e = tensor.empty(%n) : tensor<?xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]} ins(%ids : tensor<?xi32>) outs(%e : tensor<?xf32>) {
  ^bb0(%id: i32, %o: f32):
    %i = linalg.index 0 : index
    %j = arith.index_cast %id : i32 to index
    %v = tensor.extract %t[%i, %j] : tensor<?x4xf32>
    linalg.yield %v : f32
  } -> tensor<?xf32>
  return %r : tensor<?xf32>
}
func.func @private_gather(%t: tensor<3x4xf32>, %ids: tensor<3xi32>) -> tensor<3xf32> {
  %d = tensor.cast %t : tensor<3x4xf32> to tensor<?x4xf32>
  %i = tensor.cast %ids : tensor<3xi32> to tensor<?xi32>
  %r = func.call @rows(%d, %i) : (tensor<?x4xf32>, tensor<?xi32>) -> tensor<?xf32>
  %s = tensor.cast %r : tensor<?xf32> to tensor<3xf32>
  return %s : tensor<3xf32>
}
