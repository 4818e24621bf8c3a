// Elementwise fusion around the samplers (DESIGN.md section 1): the
// sampling loop fuses with its producers and consumers, so a stochastic layer
// is one loop nest and the noise is never stored.
//
// RUN: sto-compile %s --compile-to=linalg | FileCheck %s
// RUN: sto-compile %s --compile-to=loops --parallel=false | FileCheck %s --check-prefix=LOOPS

// CHECK-DAG:   #[[ID:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG:   #[[BCAST:.*]] = affine_map<(d0, d1, d2) -> (d1, d2)>
// CHECK-DAG:   #[[ID2:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG:   #[[BCAST2:.*]] = affine_map<(d0, d1) -> (d1)>

// One Philox call is 20 multiplies; the canonicalizer folds the one by
// counter word 2 (always 0) in round 0, which leaves 19.

// gelu(dropout(x + b)), b broadcast with linalg.broadcast and gelu with
// math.erf on tensors: one linalg.generic reads x and b (broadcast by its
// indexing map) and computes the add, one Philox call, the dropout select
// and the gelu; no intermediate tensor is created. The innermost size (256)
// is a multiple of 4, so the loop nest is blocked: [64, 256/4, 4].
// CHECK-LABEL: func.func @__sto_impl_gelu_erf(
// CHECK-SAME:      %[[K:.*]]: i64, %[[X:.*]]: tensor<64x256xf32> {bufferization.writable = false}, %[[B:.*]]: tensor<256xf32> {bufferization.writable = false}) -> tensor<64x256xf32>
// CHECK-NOT:     linalg.broadcast
// CHECK-DAG:     %[[XE:.*]] = tensor.expand_shape %[[X]]
// CHECK-DAG:     %[[BE:.*]] = tensor.expand_shape %[[B]]
// CHECK:         %[[G:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[BCAST]], #[[ID]]], iterator_types = ["parallel", "parallel", "parallel"]} ins(%[[XE]], %[[BE]] : tensor<64x64x4xf32>, tensor<64x4xf32>)
// CHECK:         ^bb0(%[[XV:.*]]: f32, %[[BV:.*]]: f32, %{{.*}}: f32):
// CHECK:           %[[H:.*]] = arith.addf %[[XV]], %[[BV]] : f32
// CHECK-COUNT-19:  arith.muli {{.*}} : i64
// CHECK-NOT:       arith.muli {{.*}} : i64
// CHECK:           %[[KEEP:.*]] = arith.cmpf oge
// CHECK:           %[[KEPT:.*]] = arith.mulf %[[H]], %{{.*}} : f32
// CHECK:           %[[D:.*]] = arith.select %[[KEEP]], %[[KEPT]], %{{.*}} : f32
// CHECK:           math.erf
// CHECK:           linalg.yield
// CHECK:         tensor.collapse_shape %[[G]]
// CHECK-NOT:     linalg.generic
// CHECK:         return
func.func @gelu_erf(%k: !sto.key, %x: tensor<64x256xf32>, %b: tensor<256xf32>) -> tensor<64x256xf32> {
  %e = tensor.empty() : tensor<64x256xf32>
  %bb = linalg.broadcast ins(%b : tensor<256xf32>) outs(%e : tensor<64x256xf32>) dimensions = [0]
  %h = arith.addf %x, %bb : tensor<64x256xf32>
  %d = sto.dropout %k, %h {rate = 1.0e-01 : f64} : tensor<64x256xf32>
  %half = arith.constant dense<0.5> : tensor<64x256xf32>
  %one = arith.constant dense<1.0> : tensor<64x256xf32>
  %rsqrt2 = arith.constant dense<0.707106769> : tensor<64x256xf32>
  %s = arith.mulf %d, %rsqrt2 : tensor<64x256xf32>
  %er = math.erf %s : tensor<64x256xf32>
  %p = arith.addf %er, %one : tensor<64x256xf32>
  %hd = arith.mulf %d, %half : tensor<64x256xf32>
  %y = arith.mulf %hd, %p : tensor<64x256xf32>
  return %y : tensor<64x256xf32>
}

// The tanh form of gelu on an innermost size that is not a multiple of 4
// (element-by-element loop nest): one linalg.generic too.
// CHECK-LABEL: func.func @__sto_impl_gelu_tanh(
// CHECK-SAME:      %[[K:.*]]: i64, %[[X:.*]]: tensor<64x37xf32> {bufferization.writable = false}, %[[B:.*]]: tensor<37xf32> {bufferization.writable = false}) -> tensor<64x37xf32>
// CHECK:         %[[G:.*]] = linalg.generic {indexing_maps = [#[[ID2]], #[[BCAST2]], #[[ID2]]], iterator_types = ["parallel", "parallel"]} ins(%[[X]], %[[B]] : tensor<64x37xf32>, tensor<37xf32>)
// CHECK-COUNT-19:  arith.muli {{.*}} : i64
// CHECK-NOT:       arith.muli {{.*}} : i64
// CHECK:           arith.select
// CHECK:           math.tanh
// CHECK:           linalg.yield
// CHECK-NOT:     linalg.generic
// CHECK:         return %[[G]]
func.func @gelu_tanh(%k: !sto.key, %x: tensor<64x37xf32>, %b: tensor<37xf32>) -> tensor<64x37xf32> {
  %e = tensor.empty() : tensor<64x37xf32>
  %bb = linalg.broadcast ins(%b : tensor<37xf32>) outs(%e : tensor<64x37xf32>) dimensions = [0]
  %h = arith.addf %x, %bb : tensor<64x37xf32>
  %d = sto.dropout %k, %h {rate = 1.0e-01 : f64} : tensor<64x37xf32>
  %half = arith.constant dense<0.5> : tensor<64x37xf32>
  %one = arith.constant dense<1.0> : tensor<64x37xf32>
  %c = arith.constant dense<0.797884583> : tensor<64x37xf32>
  %a = arith.constant dense<0.044715> : tensor<64x37xf32>
  %d2 = arith.mulf %d, %d : tensor<64x37xf32>
  %d3 = arith.mulf %d2, %d : tensor<64x37xf32>
  %ad3 = arith.mulf %a, %d3 : tensor<64x37xf32>
  %in = arith.addf %d, %ad3 : tensor<64x37xf32>
  %arg = arith.mulf %c, %in : tensor<64x37xf32>
  %t = math.tanh %arg : tensor<64x37xf32>
  %p = arith.addf %t, %one : tensor<64x37xf32>
  %hd = arith.mulf %d, %half : tensor<64x37xf32>
  %y = arith.mulf %hd, %p : tensor<64x37xf32>
  return %y : tensor<64x37xf32>
}

// A Langevin step whose new parameters only feed the running average: the
// step and the average are one linalg.generic with one Philox call.
// (When the new parameters are returned too, see fusion-langevin-swa.mlir.)
// CHECK-LABEL: func.func @__sto_impl_langevin_average(
// CHECK-SAME:      %[[K:.*]]: i64, %[[P:.*]]: tensor<4096xf32> {bufferization.writable = false}, %[[GR:.*]]: tensor<4096xf32> {bufferization.writable = false}, %[[A:.*]]: tensor<4096xf32> {bufferization.writable = false}, %[[N:.*]]: index)
// CHECK:         %[[W:.*]] = arith.divf
// CHECK:         %[[G:.*]] = linalg.generic {{.*}} ins(%{{.*}}, %{{.*}}, %{{.*}} : tensor<1024x4xf32>, tensor<1024x4xf32>, tensor<1024x4xf32>)
// CHECK:         ^bb0(%[[AV:.*]]: f32, %[[PV:.*]]: f32, %[[GV:.*]]: f32, %{{.*}}: f32):
// CHECK:           %[[T:.*]] = math.fma %{{.*}}, %[[GV]], %[[PV]] : f32
// CHECK-COUNT-19:  arith.muli {{.*}} : i64
// CHECK-NOT:       arith.muli {{.*}} : i64
// CHECK:           %[[Q:.*]] = math.fma %{{.*}}, %{{.*}}, %[[T]] : f32
// CHECK:           %[[DIFF:.*]] = arith.subf %[[Q]], %[[AV]] : f32
// CHECK:           %[[NEW:.*]] = math.fma %[[W]], %[[DIFF]], %[[AV]] : f32
// CHECK:           linalg.yield %[[NEW]] : f32
// CHECK-NOT:     linalg.generic
// CHECK:         return
func.func @langevin_average(%k: !sto.key, %p: tensor<4096xf32>, %g: tensor<4096xf32>,
                            %avg: tensor<4096xf32>, %n: index) -> tensor<4096xf32> {
  %q = sto.langevin_step %k, %p, %g {lr = 1.0e-03 : f64, temperature = 1.0e-02 : f64} : tensor<4096xf32>
  %a = sto.average %avg, %q, %n : tensor<4096xf32>, index
  return %a : tensor<4096xf32>
}

// After bufferization each function is one loop nest (a parallel outer loop
// over rows or blocks, sequential inner loops) writing its result straight
// into the caller's buffer: no temporary buffer, no second loop nest.
// LOOPS-LABEL: func.func @__sto_impl_gelu_erf(
// LOOPS-NOT:     memref.alloc(
// LOOPS:         scf.parallel
// LOOPS:           scf.for
// LOOPS:             scf.for
// LOOPS:               math.erf
// LOOPS:               memref.store
// LOOPS-NOT:     scf.parallel
// LOOPS-NOT:     memref.alloc(
// LOOPS:         return
// LOOPS-LABEL: func.func @__sto_impl_gelu_tanh(
// LOOPS-NOT:     memref.alloc(
// LOOPS:         scf.parallel
// LOOPS:           scf.for
// LOOPS:             math.tanh
// LOOPS:             memref.store
// LOOPS-NOT:     scf.parallel
// LOOPS-NOT:     memref.alloc(
// LOOPS:         return
// LOOPS-LABEL: func.func @__sto_impl_langevin_average(
// LOOPS-NOT:     memref.alloc(
// The noise of 32 blocks in element order (sto-stage-random-values), then
// the update over their 128 elements.
// LOOPS:         %[[Z:.+]] = memref.alloca() : memref<128xf32>
// LOOPS:         scf.parallel
// LOOPS:           scf.for %{{.+}} = %{{.+}} to %c32
// LOOPS:             scf.for %{{.+}} = %{{.+}} to %c4
// LOOPS:               memref.store %{{.+}}, %[[Z]]
// LOOPS:           scf.for %[[E:.+]] = %{{.+}} to %c128
// LOOPS:             memref.load %[[Z]][%[[E]]]
// LOOPS:             memref.store
// LOOPS-NOT:     scf.parallel
// LOOPS-NOT:     memref.alloc(
// LOOPS:         return
