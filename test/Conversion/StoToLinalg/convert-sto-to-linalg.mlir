// RUN: sto-opt %s --convert-sto-to-linalg -split-input-file | FileCheck %s --implicit-check-not=sto.

// convert-sto-to-linalg: every sto op becomes linalg/arith/math/tensor, keys
// become i64 values (word 0 in the low half) everywhere they flow, and each
// sampler is one linalg.generic whose body computes Philox4x32-10 of its
// element's block from the key and the row-major linear index (no noise
// tensor is ever materialized). --implicit-check-not=sto. proves that nothing
// of the sto dialect (ops or !sto.key) is left.

// Random123's constants as the printer spells them (signed i32):
//   M0 = 0xD2511F53 = -766435501      M1 = 0xCD9E8D57 = -845247145
//   W0 = 0x9E3779B9 = -1640531527     W1 = 0xBB67AE85 = -1150833019
// Tags (counter word 3): SPLT = 0x53504C54 = 1397771348,
//                        FOLD = 0x464F4C44 = 1179601988.

//===----------------------------------------------------------------------===//
// Keys
//===----------------------------------------------------------------------===//

// The seed's i64 is the key: word 0 = low half, word 1 = high half.
// CHECK-LABEL: func.func @seed(
// CHECK-SAME:      %[[S:.*]]: i64) -> i64
// CHECK-NEXT:    return %[[S]] : i64
func.func @seed(%s: i64) -> !sto.key {
  %k = sto.seed %s : i64
  return %k : !sto.key
}

// -----

// Split by 1 is the identity (docs/Randomness.md section 3).
// CHECK-LABEL: func.func @split_one(
// CHECK-SAME:      %[[K:.*]]: i64) -> i64
// CHECK-NEXT:    return %[[K]] : i64
func.func @split_one(%k: !sto.key) -> !sto.key {
  %c = sto.split %k count 1
  return %c : !sto.key
}

// -----

// fold_in of an index: the datum is cast to i64 and split into the counter
// words (lo32, hi32, 0, FOLD); the key words are (lo32, hi32) of the key.
// The whole Philox4x32-10 is spelled out: 10 rounds of two 32x32->64
// multiplies (arith.mului_extended) with the key bumped by (W0, W1) between
// rounds; the child key is words 0 and 1 of the output, packed into an i64.
// CHECK-LABEL: func.func @fold_in_index(
// CHECK-SAME:      %[[K:.*]]: i64, %[[I:.*]]: index) -> i64
// CHECK:         %[[D:.*]] = arith.index_cast %[[I]] : index to i64
// CHECK:         %[[X0:.*]] = arith.trunci %[[D]] : i64 to i32
// CHECK:         %[[DHI:.*]] = arith.shrui %[[D]], %{{.*}} : i64
// CHECK:         %[[X1:.*]] = arith.trunci %[[DHI]] : i64 to i32
// CHECK-DAG:     %[[ZERO:.*]] = arith.constant 0 : i32
// CHECK-DAG:     %[[TAG:.*]] = arith.constant 1179601988 : i32
// CHECK:         %[[K0:.*]] = arith.trunci %[[K]] : i64 to i32
// CHECK:         %[[KHI:.*]] = arith.shrui %[[K]], %{{.*}} : i64
// CHECK:         %[[K1:.*]] = arith.trunci %[[KHI]] : i64 to i32
// CHECK-DAG:     %[[M0:.*]] = arith.constant -766435501 : i32
// CHECK-DAG:     %[[M1:.*]] = arith.constant -845247145 : i32
// CHECK-DAG:     %[[W0:.*]] = arith.constant -1640531527 : i32
// CHECK-DAG:     %[[W1:.*]] = arith.constant -1150833019 : i32
// Round 0: (hi(M1 x2) ^ x1 ^ k0, lo(M1 x2), hi(M0 x0) ^ x3 ^ k1, lo(M0 x0)).
// CHECK:         %[[P0LO:.*]], %[[P0HI:.*]] = arith.mului_extended %[[M0]], %[[X0]] : i32
// CHECK:         %[[P1LO:.*]], %[[P1HI:.*]] = arith.mului_extended %[[M1]], %[[ZERO]] : i32
// CHECK:         %[[A:.*]] = arith.xori %[[P1HI]], %[[X1]] : i32
// CHECK:         %[[B:.*]] = arith.xori %[[P0HI]], %[[TAG]] : i32
// CHECK:         %[[Y0:.*]] = arith.xori %[[A]], %[[K0]] : i32
// CHECK:         %[[Y2:.*]] = arith.xori %[[B]], %[[K1]] : i32
// Round 1, with the bumped key.
// CHECK:         %[[K0B:.*]] = arith.addi %[[K0]], %[[W0]] : i32
// CHECK:         %[[K1B:.*]] = arith.addi %[[K1]], %[[W1]] : i32
// CHECK:         %{{.*}}, %[[Q0HI:.*]] = arith.mului_extended %[[M0]], %[[Y0]] : i32
// CHECK:         %{{.*}}, %[[Q1HI:.*]] = arith.mului_extended %[[M1]], %[[Y2]] : i32
// CHECK:         %[[C:.*]] = arith.xori %[[Q1HI]], %[[P1LO]] : i32
// CHECK:         %[[E:.*]] = arith.xori %[[Q0HI]], %[[P0LO]] : i32
// CHECK:         arith.xori %[[C]], %[[K0B]] : i32
// CHECK:         arith.xori %[[E]], %[[K1B]] : i32
// Rounds 2 to 9: eight more key bumps and sixteen more multiplies.
// CHECK-COUNT-8: arith.addi %{{.*}}, %[[W0]] : i32
// CHECK-NOT:     arith.addi %{{.*}}, %[[W0]] : i32
// CHECK:         %[[W0OUT:.*]] = arith.extui %{{.*}} : i32 to i64
// CHECK:         %[[W1OUT:.*]] = arith.extui %{{.*}} : i32 to i64
// CHECK:         %[[HI:.*]] = arith.shli %[[W1OUT]], %{{.*}} : i64
// CHECK:         %[[CHILD:.*]] = arith.ori %[[W0OUT]], %[[HI]] : i64
// CHECK:         return %[[CHILD]] : i64
func.func @fold_in_index(%k: !sto.key, %i: index) -> !sto.key {
  %f = sto.fold_in %k, %i : index
  return %f : !sto.key
}

// -----

// Exactly 20 multiplies (10 rounds x 2) per Philox call.
// CHECK-LABEL: func.func @fold_in_i64(
// CHECK-SAME:      %[[K:.*]]: i64, %[[D:.*]]: i64) -> i64
// CHECK-NOT:     arith.index_cast
// CHECK:         arith.trunci %[[D]] : i64 to i32
// CHECK:         arith.constant 1179601988 : i32
// CHECK-COUNT-20: arith.mului_extended
// CHECK-NOT:     arith.mului_extended
// CHECK:         return
func.func @fold_in_i64(%k: !sto.key, %d: i64) -> !sto.key {
  %f = sto.fold_in %k, %d : i64
  return %f : !sto.key
}

// -----

// Child i of a split is the Philox block of counter (i, 0, 0, SPLT): one
// Philox call per child, the child index in counter word 0.
// CHECK-LABEL: func.func @split(
// CHECK-SAME:      %[[K:.*]]: i64) -> (i64, i64, i64)
// CHECK:         %[[I0:.*]] = arith.constant 0 : i32
// CHECK:         arith.constant 1397771348 : i32
// CHECK:         arith.mului_extended %{{.*}}, %[[I0]] : i32
// CHECK-COUNT-19: arith.mului_extended
// CHECK:         %[[C0:.*]] = arith.ori
// CHECK:         %[[I1:.*]] = arith.constant 1 : i32
// CHECK:         arith.constant 1397771348 : i32
// CHECK:         arith.mului_extended %{{.*}}, %[[I1]] : i32
// CHECK-COUNT-19: arith.mului_extended
// CHECK:         %[[C1:.*]] = arith.ori
// CHECK:         %[[I2:.*]] = arith.constant 2 : i32
// CHECK:         arith.constant 1397771348 : i32
// CHECK:         arith.mului_extended %{{.*}}, %[[I2]] : i32
// CHECK-COUNT-19: arith.mului_extended
// CHECK-NOT:     arith.mului_extended
// CHECK:         %[[C2:.*]] = arith.ori
// CHECK:         return %[[C0]], %[[C1]], %[[C2]] : i64, i64, i64
func.func @split(%k: !sto.key) -> (!sto.key, !sto.key, !sto.key) {
  %a, %b, %c = sto.split %k count 3
  return %a, %b, %c : !sto.key, !sto.key, !sto.key
}

// -----

// Only the used children of a split are derived, each from its own index
// (children do not depend on the count): two Philox calls here, not 2^20.
// 1000003 = 0xF4243, so its counter words are (1000003, 0, 0, SPLT).
// CHECK-LABEL: func.func @split_large_count(
// CHECK-SAME:      %[[K:.*]]: i64) -> (i64, i64)
// CHECK:         %[[I5:.*]] = arith.constant 5 : i32
// CHECK:         %[[Z5:.*]] = arith.constant 0 : i32
// CHECK:         arith.constant 1397771348 : i32
// CHECK:         arith.mului_extended %{{.*}}, %[[I5]] : i32
// CHECK-COUNT-19: arith.mului_extended
// CHECK:         %[[C5:.*]] = arith.ori
// CHECK:         %[[IM:.*]] = arith.constant 1000003 : i32
// CHECK:         arith.constant 1397771348 : i32
// CHECK:         arith.mului_extended %{{.*}}, %[[IM]] : i32
// CHECK-COUNT-19: arith.mului_extended
// CHECK-NOT:     arith.mului_extended
// CHECK:         %[[CM:.*]] = arith.ori
// CHECK:         return %[[C5]], %[[CM]] : i64, i64
func.func @split_large_count(%k: !sto.key) -> (!sto.key, !sto.key) {
  %c:1048576 = sto.split %k count 1048576
  return %c#5, %c#1000003 : !sto.key, !sto.key
}

// -----

//===----------------------------------------------------------------------===//
// Keys through calls, loops and branches
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func private @callee(i64) -> i64
// CHECK-LABEL: func.func @call(
// CHECK-SAME:      %[[K:.*]]: i64) -> i64
// CHECK:         %[[R:.*]] = call @callee(%[[K]]) : (i64) -> i64
// CHECK:         return %[[R]] : i64
func.func private @callee(!sto.key) -> !sto.key
func.func @call(%k: !sto.key) -> !sto.key {
  %r = call @callee(%k) : (!sto.key) -> !sto.key
  return %r : !sto.key
}

// -----

// CHECK-LABEL: func.func @loop(
// CHECK-SAME:      %[[K:.*]]: i64, %[[N:.*]]: index) -> i64
// CHECK:         %[[R:.*]] = scf.for %[[J:.*]] = %{{.*}} to %[[N]] step %{{.*}} iter_args(%[[KK:.*]] = %[[K]]) -> (i64) {
// CHECK:           arith.index_cast %[[J]] : index to i64
// CHECK:           arith.trunci %[[KK]] : i64 to i32
// CHECK-COUNT-20:  arith.mului_extended
// CHECK:           %[[F:.*]] = arith.ori
// CHECK:           scf.yield %[[F]] : i64
// CHECK:         }
// CHECK:         return %[[R]] : i64
func.func @loop(%k: !sto.key, %n: index) -> !sto.key {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %r = scf.for %j = %c0 to %n step %c1 iter_args(%kk = %k) -> (!sto.key) {
    %f = sto.fold_in %kk, %j : index
    scf.yield %f : !sto.key
  }
  return %r : !sto.key
}

// -----

// Keys passed to other blocks: the branches and the block signatures.
// CHECK-LABEL: func.func @branches(
// CHECK-SAME:      %[[K:.*]]: i64, %[[C:.*]]: i1) -> tensor<5xf32>
// CHECK:         cf.cond_br %[[C]], ^[[U:bb[0-9]+]](%[[K]] : i64), ^[[N:bb[0-9]+]](%[[K]] : i64)
// CHECK:       ^[[U]](%[[KU:.*]]: i64):
// CHECK:         arith.trunci %[[KU]] : i64 to i32
// CHECK:         linalg.generic
// CHECK:         cf.br ^[[DONE:bb[0-9]+]](
// CHECK:       ^[[N]](%[[KN:.*]]: i64):
// CHECK:         arith.trunci %[[KN]] : i64 to i32
// CHECK:         linalg.generic
// CHECK:         cf.br ^[[DONE]](
// CHECK:       ^[[DONE]](%[[R:.*]]: tensor<5xf32>):
// CHECK:         return %[[R]]
func.func @branches(%k: !sto.key, %c: i1) -> tensor<5xf32> {
  cf.cond_br %c, ^u(%k : !sto.key), ^n(%k : !sto.key)
^u(%ku: !sto.key):
  %0 = sto.uniform %ku : tensor<5xf32>
  cf.br ^done(%0 : tensor<5xf32>)
^n(%kn: !sto.key):
  %1 = sto.normal %kn : tensor<5xf32>
  cf.br ^done(%1 : tensor<5xf32>)
^done(%r: tensor<5xf32>):
  return %r : tensor<5xf32>
}

// -----

// arith.select between keys selects between their i64 forms.
// CHECK-LABEL: func.func @select_key(
// CHECK-SAME:      %[[A:.*]]: i64, %[[B:.*]]: i64, %[[C:.*]]: i1, %{{.*}}: tensor<8xf32>) -> tensor<8xf32>
// CHECK:         %[[K:.*]] = arith.select %[[C]], %[[A]], %[[B]] : i64
// CHECK:         arith.trunci %[[K]] : i64 to i32
// CHECK:         linalg.generic
func.func @select_key(%a: !sto.key, %b: !sto.key, %c: i1, %x: tensor<8xf32>) -> tensor<8xf32> {
  %k = arith.select %c, %a, %b : !sto.key
  %y = sto.dropout %k, %x {rate = 1.0e-01 : f64} : tensor<8xf32>
  return %y : tensor<8xf32>
}

// -----

//===----------------------------------------------------------------------===//
// Samplers: the loop nest, the index and the lane
//===----------------------------------------------------------------------===//

// An innermost size that is a multiple of 4 runs blocked: the loops iterate
// [3, 8/4, 4], the first two dimensions number the Philox blocks (block =
// i * 2 + j), the last one is the lane, so one Philox call serves four
// elements. The key words are taken once, outside the loop nest.
// CHECK-DAG:   #[[ID3:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-LABEL: func.func @uniform_blocked(
// CHECK-SAME:      %[[K:.*]]: i64) -> tensor<3x8xf32>
// CHECK:         %[[K0:.*]] = arith.trunci %[[K]] : i64 to i32
// CHECK:         %[[KHI:.*]] = arith.shrui %[[K]], %{{.*}} : i64
// CHECK:         %[[K1:.*]] = arith.trunci %[[KHI]] : i64 to i32
// CHECK:         %[[E:.*]] = tensor.empty() : tensor<3x2x4xf32>
// CHECK:         %[[G:.*]] = linalg.generic {indexing_maps = [#[[ID3]]], iterator_types = ["parallel", "parallel", "parallel"]} outs(%[[E]] : tensor<3x2x4xf32>) {
// CHECK:         ^bb0(%{{.*}}: f32):
// CHECK:           %[[I:.*]] = linalg.index 0 : index
// CHECK:           %[[IS:.*]] = arith.muli %[[I]], %{{.*}} : index
// CHECK:           %[[J:.*]] = linalg.index 1 : index
// CHECK:           %[[BLK:.*]] = arith.addi %{{.*}}, %[[J]] : index
// CHECK:           %[[B64:.*]] = arith.index_castui %[[BLK]] : index to i64
// CHECK:           %[[L:.*]] = linalg.index 2 : index
// CHECK:           %[[LANE:.*]] = arith.index_castui %[[L]] : index to i32
// Counter (lo32 b, hi32 b, 0, 0).
// CHECK:           %[[X0:.*]] = arith.trunci %[[B64]] : i64 to i32
// CHECK:           %[[BHI:.*]] = arith.shrui %[[B64]], %{{.*}} : i64
// CHECK:           arith.trunci %[[BHI]] : i64 to i32
// CHECK:           arith.mului_extended %{{.*}}, %[[X0]] : i32
// CHECK:           arith.mului_extended
// CHECK:           arith.xori %{{.*}}, %[[K0]] : i32
// CHECK:           arith.xori %{{.*}}, %[[K1]] : i32
// CHECK-COUNT-18:  arith.mului_extended
// CHECK-NOT:       arith.mului_extended
// The lane select: lane 0..3 of the block.
// CHECK:           %[[IS2:.*]] = arith.cmpi eq, %[[LANE]], %{{.*}} : i32
// CHECK:           %[[HI23:.*]] = arith.select %[[IS2]], %{{.*}}, %{{.*}} : i32
// CHECK:           %[[IS0:.*]] = arith.cmpi eq, %[[LANE]], %{{.*}} : i32
// CHECK:           %[[LO01:.*]] = arith.select %[[IS0]], %{{.*}}, %{{.*}} : i32
// CHECK:           %[[ISLO:.*]] = arith.cmpi ult, %[[LANE]], %{{.*}} : i32
// CHECK:           %[[R:.*]] = arith.select %[[ISLO]], %[[LO01]], %[[HI23]] : i32
// U(r) = (r >> 8) * 2^-24; x = fma(high - low, u, low); clamp below high.
// CHECK:           %[[EIGHT:.*]] = arith.constant 8 : i32
// CHECK:           %[[TOP:.*]] = arith.shrui %[[R]], %[[EIGHT]] : i32
// CHECK:           %[[TOPF:.*]] = arith.uitofp %[[TOP]] : i32 to f32
// CHECK:           %[[SCALE:.*]] = arith.constant 5.96046448E-8 : f32
// CHECK:           %[[U:.*]] = arith.mulf %[[TOPF]], %[[SCALE]] : f32
// CHECK-DAG:       %[[D:.*]] = arith.constant 3.000000e+00 : f32
// CHECK-DAG:       %[[LOW:.*]] = arith.constant -1.000000e+00 : f32
// CHECK:           %[[X:.*]] = math.fma %[[D]], %[[U]], %[[LOW]] : f32
// CHECK:           %[[HIGH:.*]] = arith.constant 2.000000e+00 : f32
// CHECK:           %[[IN:.*]] = arith.cmpf olt, %[[X]], %[[HIGH]] : f32
// CHECK:           %[[BELOW:.*]] = arith.constant 1.99999988 : f32
// CHECK:           %[[Y:.*]] = arith.select %[[IN]], %[[X]], %[[BELOW]] : f32
// CHECK:           linalg.yield %[[Y]] : f32
// CHECK:         } -> tensor<3x2x4xf32>
// CHECK:         %[[C:.*]] = tensor.collapse_shape %[[G]] {{\[\[}}0], [1, 2]] : tensor<3x2x4xf32> into tensor<3x8xf32>
// CHECK:         return %[[C]] : tensor<3x8xf32>
func.func @uniform_blocked(%k: !sto.key) -> tensor<3x8xf32> {
  %0 = sto.uniform %k {low = -1.0 : f64, high = 2.0 : f64} : tensor<3x8xf32>
  return %0 : tensor<3x8xf32>
}

// -----

// Any other shape runs element by element: linear index i = row-major
// position, block i >> 2, lane i & 3. f16 computes in f32 and rounds once
// (arith.truncf); the clamp compares in f32 and picks below(1) in f16.
// CHECK-DAG:   #[[ID2:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-LABEL: func.func @uniform_elementwise_f16(
// CHECK-SAME:      %[[K:.*]]: i64, %[[N:.*]]: index) -> tensor<?x5xf16>
// CHECK:         %[[E:.*]] = tensor.empty(%[[N]]) : tensor<?x5xf16>
// CHECK:         linalg.generic {indexing_maps = [#[[ID2]]], iterator_types = ["parallel", "parallel"]} outs(%[[E]] : tensor<?x5xf16>) {
// CHECK:           linalg.index 0 : index
// CHECK:           linalg.index 1 : index
// CHECK:           %[[LIN:.*]] = arith.index_castui %{{.*}} : index to i64
// CHECK:           %[[TWO:.*]] = arith.constant 2 : i64
// CHECK:           %[[BLK:.*]] = arith.shrui %[[LIN]], %[[TWO]] : i64
// CHECK:           %[[THREE:.*]] = arith.constant 3 : i64
// CHECK:           %[[L:.*]] = arith.andi %[[LIN]], %[[THREE]] : i64
// CHECK:           %[[LANE:.*]] = arith.trunci %[[L]] : i64 to i32
// CHECK:           arith.trunci %[[BLK]] : i64 to i32
// CHECK-COUNT-20:  arith.mului_extended
// CHECK:           arith.cmpi ult, %[[LANE]], %{{.*}} : i32
// CHECK:           %[[X:.*]] = math.fma %{{.*}}, %{{.*}}, %{{.*}} : f32
// CHECK:           %[[XT:.*]] = arith.truncf %[[X]] : f32 to f16
// CHECK:           %[[XW:.*]] = arith.extf %[[XT]] : f16 to f32
// CHECK:           %[[IN:.*]] = arith.cmpf olt, %[[XW]], %{{.*}} : f32
// CHECK:           %[[BELOW:.*]] = arith.constant 9.995110e-01 : f16
// CHECK:           arith.select %[[IN]], %[[XT]], %[[BELOW]] : f16
// CHECK:         } -> tensor<?x5xf16>
func.func @uniform_elementwise_f16(%k: !sto.key, %n: index) -> tensor<?x5xf16> {
  %0 = sto.uniform %k [%n] : tensor<?x5xf16>
  return %0 : tensor<?x5xf16>
}

// -----

// Rank 0: a loop nest without loops, element 0.
// CHECK-DAG:   #[[SCALAR:.*]] = affine_map<() -> ()>
// CHECK-LABEL: func.func @uniform_rank0(
// CHECK:         linalg.generic {indexing_maps = [#[[SCALAR]]], iterator_types = []} outs(%{{.*}} : tensor<f32>) {
// CHECK-NOT:       linalg.index
// CHECK:           %[[ZERO:.*]] = arith.constant 0 : index
// CHECK:           arith.index_castui %[[ZERO]] : index to i64
// CHECK-COUNT-20:  arith.mului_extended
// CHECK:         } -> tensor<f32>
func.func @uniform_rank0(%k: !sto.key) -> tensor<f32> {
  %0 = sto.uniform %k : tensor<f32>
  return %0 : tensor<f32>
}

// -----

// f64 uniforms use all 32 bits of the lane: r * 2^-32, in f64.
// CHECK-LABEL: func.func @uniform_f64_rank3(
// CHECK:         linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "parallel"]{{.*}}outs(%{{.*}} : tensor<2x3x5xf64>)
// CHECK:           linalg.index 0 : index
// CHECK:           linalg.index 1 : index
// CHECK:           linalg.index 2 : index
// CHECK-COUNT-20:  arith.mului_extended
// CHECK:           arith.cmpi ult
// CHECK-NEXT:      %[[R:.*]] = arith.select
// CHECK-NOT:       arith.shrui %[[R]]
// CHECK:           %[[RF:.*]] = arith.uitofp %[[R]] : i32 to f64
// CHECK:           %[[S:.*]] = arith.constant 2.3283064365386963E-10 : f64
// CHECK:           arith.mulf %[[RF]], %[[S]] : f64
// CHECK:           math.fma {{.*}} : f64
// CHECK:         } -> tensor<2x3x5xf64>
func.func @uniform_f64_rank3(%k: !sto.key) -> tensor<2x3x5xf64> {
  %0 = sto.uniform %k {low = -1.0 : f64, high = 1.0 : f64} : tensor<2x3x5xf64>
  return %0 : tensor<2x3x5xf64>
}

// -----

// Box-Muller on the lane pair of the block: u1 = ((a >> 8) + 1) * 2^-24,
// log from bits and fmas, radius = sqrt(log(u1) * -2), sin/cos of
// 2 pi (b >> 8) 2^-24 with an exact quarter-turn reduction, then
// RN_T(fma(stddev, z, mean)) with the attributes rounded to T (bf16) first.
// CHECK-LABEL: func.func @normal_bf16(
// CHECK:         linalg.generic
// CHECK-COUNT-20:  arith.mului_extended
// CHECK-NOT:       arith.mului_extended
// The pair: lanes 0, 1 use (v0, v1), lanes 2, 3 use (v2, v3).
// CHECK:           %[[SECOND:.*]] = arith.cmpi ne, %{{.*}}, %{{.*}} : i32
// CHECK:           %[[A:.*]] = arith.select %[[SECOND]], %{{.*}}, %{{.*}} : i32
// CHECK:           %[[B:.*]] = arith.select %[[SECOND]], %{{.*}}, %{{.*}} : i32
// CHECK:           %[[ODD:.*]] = arith.cmpi ne, %{{.*}}, %{{.*}} : i32
// u1 and log(u1).
// CHECK:           arith.shrui %[[A]], %{{.*}} : i32
// CHECK:           arith.addi
// CHECK:           arith.uitofp
// CHECK:           %[[U1:.*]] = arith.mulf
// CHECK:           arith.bitcast %[[U1]] : f32 to i32
// CHECK:           arith.constant 4913933 : i32
// CHECK:           arith.constant 1060439283 : i32
// CHECK:           arith.bitcast %{{.*}} : i32 to f32
// CHECK:           arith.constant 0.0674655214 : f32
// CHECK-COUNT-10:  math.fma
// CHECK:           arith.constant 0.693147182 : f32
// CHECK:           arith.constant -1.90465421E-9 : f32
// CHECK:           math.fma
// CHECK:           %[[LOG:.*]] = math.fma
// CHECK:           %[[M2:.*]] = arith.constant -2.000000e+00 : f32
// CHECK:           %[[T:.*]] = arith.mulf %[[LOG]], %[[M2]] : f32
// CHECK:           %[[RADIUS:.*]] = math.sqrt %[[T]] : f32
// sin and cos of 2 pi n 2^-24.
// CHECK:           arith.shrui %[[B]], %{{.*}} : i32
// CHECK:           arith.constant 16777215 : i32
// CHECK:           arith.constant 2097152 : i32
// CHECK:           arith.constant 22 : i32
// CHECK:           arith.sitofp %{{.*}} : i32 to f32
// CHECK-COUNT-2:   math.fma
// CHECK:           arith.constant 6.28318548 : f32
// CHECK:           arith.constant -1.74845553E-7 : f32
// CHECK-COUNT-6:   math.fma
// CHECK:           arith.negf
// CHECK:           arith.negf
// CHECK:           %[[SIN:.*]] = arith.select
// CHECK:           %[[COS:.*]] = arith.select
// CHECK:           %[[TRIG:.*]] = arith.select %[[ODD]], %{{.*}}, %{{.*}} : f32
// CHECK:           %[[Z:.*]] = arith.mulf %[[RADIUS]], %[[TRIG]] : f32
// RN_bf16(0.1) = 0.10009765625, RN_bf16(-1) = -1, widened to f32.
// CHECK-DAG:       %[[SD:.*]] = arith.constant 0.100097656 : f32
// CHECK-DAG:       %[[MEAN:.*]] = arith.constant -1.000000e+00 : f32
// CHECK:           %[[V:.*]] = math.fma %[[SD]], %[[Z]], %[[MEAN]] : f32
// CHECK:           %[[VT:.*]] = arith.truncf %[[V]] : f32 to bf16
// CHECK:           linalg.yield %[[VT]] : bf16
func.func @normal_bf16(%k: !sto.key) -> tensor<3x37xbf16> {
  %0 = sto.normal %k {mean = -1.0 : f64, stddev = 0.1 : f64} : tensor<3x37xbf16>
  return %0 : tensor<3x37xbf16>
}

// -----

// f64 normals are the f32 normal widened exactly (arith.extf).
// CHECK-LABEL: func.func @normal_f64(
// CHECK:           math.sqrt
// CHECK:           %[[ZW:.*]] = arith.extf %{{.*}} : f32 to f64
// CHECK:           math.fma %{{.*}}, %[[ZW]], %{{.*}} : f64
func.func @normal_f64(%k: !sto.key) -> tensor<8xf64> {
  %0 = sto.normal %k {mean = 1.0 : f64, stddev = 2.0 : f64} : tensor<8xf64>
  return %0 : tensor<8xf64>
}

// -----

// bernoulli with a tensor of probabilities: u < C(p), an i1 result.
// CHECK-DAG:   #[[ID:.*]] = affine_map<(d0) -> (d0)>
// CHECK-LABEL: func.func @bernoulli_f64(
// CHECK-SAME:      %[[K:.*]]: i64, %[[P:.*]]: tensor<5xf64>) -> tensor<5xi1>
// CHECK:         %[[E:.*]] = tensor.empty() : tensor<5xi1>
// CHECK:         linalg.generic {indexing_maps = [#[[ID]], #[[ID]]], iterator_types = ["parallel"]} ins(%[[P]] : tensor<5xf64>) outs(%[[E]] : tensor<5xi1>) {
// CHECK:         ^bb0(%[[PE:.*]]: f64, %{{.*}}: i1):
// CHECK-COUNT-20:  arith.mului_extended
// CHECK:           %[[U:.*]] = arith.mulf %{{.*}}, %{{.*}} : f64
// CHECK:           %[[B:.*]] = arith.cmpf olt, %[[U]], %[[PE]] : f64
// CHECK:           linalg.yield %[[B]] : i1
func.func @bernoulli_f64(%k: !sto.key, %p: tensor<5xf64>) -> tensor<5xi1> {
  %0 = sto.bernoulli %k, %p : tensor<5xf64> -> tensor<5xi1>
  return %0 : tensor<5xi1>
}

// -----

// The attribute form decides in f32: p = RN_f32(0.3).
// CHECK-LABEL: func.func @bernoulli_attr(
// CHECK:           %[[U:.*]] = arith.mulf %{{.*}}, %{{.*}} : f32
// CHECK:           %[[P:.*]] = arith.constant 3.000000e-01 : f32
// CHECK:           arith.cmpf olt, %[[U]], %[[P]] : f32
func.func @bernoulli_attr(%k: !sto.key, %n: index) -> tensor<?xi1> {
  %0 = sto.bernoulli %k [%n] {p = 0.3 : f64} -> tensor<?xi1>
  return %0 : tensor<?xi1>
}

// -----

// dropout: keep iff u >= RN_C(rate); kept RN_T(C(x) * RN_C(1 / (1 - rate))),
// dropped +0.0 through a select (not a multiply by a mask).
// CHECK-LABEL: func.func @dropout_bf16(
// CHECK-SAME:      %[[K:.*]]: i64, %[[X:.*]]: tensor<?x8xbf16>) -> tensor<?x8xbf16>
// CHECK:         %[[C0:.*]] = arith.constant 0 : index
// CHECK:         %[[DIM:.*]] = tensor.dim %[[X]], %[[C0]] : tensor<?x8xbf16>
// CHECK:         %[[XE:.*]] = tensor.expand_shape %[[X]] {{\[\[}}0], [1, 2]] output_shape [%{{.*}}, 2, 4] : tensor<?x8xbf16> into tensor<?x2x4xbf16>
// CHECK:         %[[E:.*]] = tensor.empty(%[[DIM]]) : tensor<?x2x4xbf16>
// CHECK:         linalg.generic {{.*}} ins(%[[XE]] : tensor<?x2x4xbf16>) outs(%[[E]] : tensor<?x2x4xbf16>) {
// CHECK:         ^bb0(%[[XV:.*]]: bf16, %{{.*}}: bf16):
// CHECK-COUNT-20:  arith.mului_extended
// CHECK:           %[[U:.*]] = arith.mulf %{{.*}}, %{{.*}} : f32
// CHECK:           %[[RATE:.*]] = arith.constant 2.500000e-01 : f32
// CHECK:           %[[KEEP:.*]] = arith.cmpf oge, %[[U]], %[[RATE]] : f32
// CHECK:           %[[XW:.*]] = arith.extf %[[XV]] : bf16 to f32
// CHECK:           %[[SCALE:.*]] = arith.constant 1.33333337 : f32
// CHECK:           %[[KEPT:.*]] = arith.mulf %[[XW]], %[[SCALE]] : f32
// CHECK:           %[[KT:.*]] = arith.truncf %[[KEPT]] : f32 to bf16
// CHECK:           %[[ZERO:.*]] = arith.constant 0.000000e+00 : bf16
// CHECK:           %[[Y:.*]] = arith.select %[[KEEP]], %[[KT]], %[[ZERO]] : bf16
// CHECK:           linalg.yield %[[Y]] : bf16
// CHECK:         tensor.collapse_shape
func.func @dropout_bf16(%k: !sto.key, %x: tensor<?x8xbf16>) -> tensor<?x8xbf16> {
  %0 = sto.dropout %k, %x {rate = 0.25 : f64} : tensor<?x8xbf16>
  return %0 : tensor<?x8xbf16>
}

// -----

// stochastic_binary: straight-through forward 1/0; stochastic-times-smooth
// compares with sp = sqrt(p) and returns sp or 0.
// CHECK-LABEL: func.func @stochastic_binary(
// CHECK:         linalg.generic
// CHECK:         ^bb0(%[[P:.*]]: f32, %{{.*}}: f32):
// CHECK-COUNT-20:  arith.mului_extended
// CHECK-NOT:       math.sqrt
// CHECK:           %[[U:.*]] = arith.mulf
// CHECK:           %[[FIRE:.*]] = arith.cmpf olt, %[[U]], %[[P]] : f32
// CHECK-DAG:       %[[ONE:.*]] = arith.constant 1.000000e+00 : f32
// CHECK-DAG:       %[[NIL:.*]] = arith.constant 0.000000e+00 : f32
// CHECK:           arith.select %[[FIRE]], %[[ONE]], %[[NIL]] : f32
// CHECK:         linalg.generic
// CHECK:         ^bb0(%[[P2:.*]]: f32, %{{.*}}: f32):
// CHECK-COUNT-20:  arith.mului_extended
// CHECK:           %[[U2:.*]] = arith.mulf
// CHECK:           %[[SP:.*]] = math.sqrt %[[P2]] : f32
// CHECK:           %[[FIRE2:.*]] = arith.cmpf olt, %[[U2]], %[[SP]] : f32
// CHECK:           arith.select %[[FIRE2]], %[[SP]], %{{.*}} : f32
func.func @stochastic_binary(%k: !sto.key, %p: tensor<5xf32>) -> (tensor<5xf32>, tensor<5xf32>) {
  %a, %b = sto.split %k count 2
  %0 = sto.stochastic_binary %a, %p {estimator = #sto.estimator<straight_through>} : tensor<5xf32>
  %1 = sto.stochastic_binary %b, %p {estimator = #sto.estimator<stochastic_times_smooth>} : tensor<5xf32>
  return %0, %1 : tensor<5xf32>, tensor<5xf32>
}

// -----

// noise: uniform eps = fma(u, 2, -1); multiplicative x * fma(s, eps, 1).
// CHECK-LABEL: func.func @noise_uniform_multiplicative(
// CHECK:         ^bb0(%[[X:.*]]: f32, %{{.*}}: f32):
// CHECK-COUNT-20:  arith.mului_extended
// CHECK:           %[[U:.*]] = arith.mulf
// CHECK-DAG:       %[[TWO:.*]] = arith.constant 2.000000e+00 : f32
// CHECK-DAG:       %[[MONE:.*]] = arith.constant -1.000000e+00 : f32
// CHECK:           %[[EPS:.*]] = math.fma %[[U]], %[[TWO]], %[[MONE]] : f32
// CHECK:           %[[S:.*]] = arith.constant 2.000000e-01 : f32
// CHECK:           %[[ONE:.*]] = arith.constant 1.000000e+00 : f32
// CHECK:           %[[F:.*]] = math.fma %[[S]], %[[EPS]], %[[ONE]] : f32
// CHECK:           %[[Y:.*]] = arith.mulf %[[X]], %[[F]] : f32
// CHECK:           linalg.yield %[[Y]] : f32
func.func @noise_uniform_multiplicative(%k: !sto.key, %x: tensor<8xf32>) -> tensor<8xf32> {
  %0 = sto.noise %k, %x {kind = #sto.noise_kind<uniform>, mode = #sto.noise_mode<multiplicative>, scale = 0.2 : f64} : tensor<8xf32>
  return %0 : tensor<8xf32>
}

// -----

// noise: gaussian additive = fma(s, z, x), in f64 for f64 (z widened).
// CHECK-LABEL: func.func @noise_gaussian_f64(
// CHECK:         ^bb0(%[[X:.*]]: f64, %{{.*}}: f64):
// CHECK:           math.sqrt %{{.*}} : f32
// CHECK:           %[[Z:.*]] = arith.extf %{{.*}} : f32 to f64
// CHECK:           %[[S:.*]] = arith.constant 2.500000e-01 : f64
// CHECK:           %[[Y:.*]] = math.fma %[[S]], %[[Z]], %[[X]] : f64
// CHECK:           linalg.yield %[[Y]] : f64
func.func @noise_gaussian_f64(%k: !sto.key, %x: tensor<3xf64>) -> tensor<3xf64> {
  %0 = sto.noise %k, %x {scale = 0.25 : f64} : tensor<3xf64>
  return %0 : tensor<3xf64>
}

// -----

// langevin_step: t = fma(-RN_C(lr), g, p); p' = fma(RN_C(sqrt(2 lr T)), z, t)
// (sqrt(2 * 0.01 * 0.5) = 0.1 computed in f64, rounded to f32).
// CHECK-LABEL: func.func @langevin_step(
// CHECK:         linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<2x1x4xf32>, tensor<2x1x4xf32>)
// CHECK:         ^bb0(%[[P:.*]]: f32, %[[G:.*]]: f32, %{{.*}}: f32):
// CHECK:           %[[LR:.*]] = arith.constant 0.00999999977 : f32
// CHECK:           %[[NLR:.*]] = arith.negf %[[LR]] : f32
// CHECK:           %[[T:.*]] = math.fma %[[NLR]], %[[G]], %[[P]] : f32
// CHECK-COUNT-20:  arith.mului_extended
// CHECK:           %[[R:.*]] = math.sqrt
// CHECK:           %[[Z:.*]] = arith.mulf %[[R]], %{{.*}} : f32
// CHECK:           %[[C:.*]] = arith.constant 1.000000e-01 : f32
// CHECK:           %[[Y:.*]] = math.fma %[[C]], %[[Z]], %[[T]] : f32
// CHECK:           linalg.yield %[[Y]] : f32
func.func @langevin_step(%k: !sto.key, %p: tensor<2x4xf32>, %g: tensor<2x4xf32>) -> tensor<2x4xf32> {
  %0 = sto.langevin_step %k, %p, %g {lr = 0.01 : f64, temperature = 0.5 : f64} : tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

// At temperature 0: RN_T(fma(-RN_C(lr), C(g), C(p))), no Philox, no normal.
// CHECK-LABEL: func.func @langevin_step_t0(
// CHECK-NOT:       arith.mului_extended
// CHECK:         linalg.generic
// CHECK:         ^bb0(%[[P:.*]]: f16, %[[G:.*]]: f16, %{{.*}}: f16):
// CHECK-DAG:       %[[PW:.*]] = arith.extf %[[P]] : f16 to f32
// CHECK-DAG:       %[[GW:.*]] = arith.extf %[[G]] : f16 to f32
// CHECK-DAG:       %[[NLR:.*]] = arith.negf %{{.*}} : f32
// CHECK:           %[[T:.*]] = math.fma %[[NLR]], %[[GW]], %[[PW]] : f32
// CHECK:           %[[Y:.*]] = arith.truncf %[[T]] : f32 to f16
// CHECK-NEXT:      linalg.yield %[[Y]] : f16
// CHECK-NOT:       arith.mului_extended
// CHECK:         return
func.func @langevin_step_t0(%k: !sto.key, %p: tensor<6xf16>, %g: tensor<6xf16>) -> tensor<6xf16> {
  %0 = sto.langevin_step %k, %p, %g {lr = 0.1 : f64, temperature = 0.0 : f64} : tensor<6xf16>
  return %0 : tensor<6xf16>
}

// -----

// spsa_perturb: fma(RN_C(scale), z, p). spsa_update: a = RN_C(lr) * RN_C(g)
// computed once outside the loops, then fma(-a, z, p) with the same z.
// CHECK-LABEL: func.func @spsa(
// CHECK-SAME:      %[[K:.*]]: i64, %[[P:.*]]: tensor<5xf16>, %[[G:.*]]: f64)
// The coefficient RN_C(scale) is made once, outside the loop.
// CHECK:         %[[S:.*]] = arith.constant 1.000000e-03 : f32
// CHECK:         linalg.generic
// CHECK:         ^bb0(%[[PE:.*]]: f16, %{{.*}}: f16):
// CHECK:           %[[R:.*]] = math.sqrt
// CHECK:           %[[Z:.*]] = arith.mulf %[[R]], %{{.*}} : f32
// CHECK-NEXT:      %[[PW:.*]] = arith.extf %[[PE]] : f16 to f32
// CHECK-NEXT:      %[[V:.*]] = math.fma %[[S]], %[[Z]], %[[PW]] : f32
// CHECK:           arith.truncf %[[V]] : f32 to f16
// CHECK:         %[[GC:.*]] = arith.truncf %[[G]] : f64 to f32
// CHECK:         %[[LR:.*]] = arith.constant 9.99999974E-5 : f32
// CHECK:         %[[A:.*]] = arith.mulf %[[LR]], %[[GC]] : f32
// CHECK:         %[[NA:.*]] = arith.negf %[[A]] : f32
// CHECK:         linalg.generic
// CHECK:           %[[R2:.*]] = math.sqrt
// CHECK:           %[[Z2:.*]] = arith.mulf %[[R2]], %{{.*}} : f32
// CHECK-NEXT:      %[[PW2:.*]] = arith.extf %{{.*}} : f16 to f32
// CHECK-NEXT:      math.fma %[[NA]], %[[Z2]], %[[PW2]] : f32
func.func @spsa(%k: !sto.key, %p: tensor<5xf16>, %g: f64) -> tensor<5xf16> {
  %0 = sto.spsa_perturb %k, %p {scale = 1.0e-03 : f64} : tensor<5xf16>
  %1 = sto.spsa_update %k, %0, %g {lr = 1.0e-04 : f64} : tensor<5xf16>, f64
  return %1 : tensor<5xf16>
}

// -----

// average is deterministic (no Philox): swa w = C(1) / C(count + 1), ema
// w = RN_C(1 - decay), both outside the loops; RN_T(fma(w, p - avg, avg)).
// CHECK-LABEL: func.func @average(
// CHECK-SAME:      %[[A:.*]]: tensor<4xf32>, %[[P:.*]]: tensor<4xf32>, %[[N:.*]]: index)
// CHECK:         %[[N64:.*]] = arith.index_cast %[[N]] : index to i64
// CHECK:         %[[N1:.*]] = arith.addi %[[N64]], %{{.*}} : i64
// CHECK:         %[[NF:.*]] = arith.sitofp %[[N1]] : i64 to f32
// CHECK:         %[[W:.*]] = arith.divf %{{.*}}, %[[NF]] : f32
// CHECK:         linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<1x4xf32>, tensor<1x4xf32>)
// CHECK:         ^bb0(%[[AV:.*]]: f32, %[[PV:.*]]: f32, %{{.*}}: f32):
// CHECK-NOT:       arith.mului_extended
// CHECK:           %[[D:.*]] = arith.subf %[[PV]], %[[AV]] : f32
// CHECK:           %[[Y:.*]] = math.fma %[[W]], %[[D]], %[[AV]] : f32
// CHECK:           linalg.yield %[[Y]] : f32
// CHECK:         %[[EW:.*]] = arith.constant 1.000000e-01 : f32
// CHECK:         linalg.generic
// CHECK-NOT:       arith.mului_extended
// CHECK:           math.fma %[[EW]], %{{.*}}, %{{.*}} : f32
func.func @average(%a: tensor<4xf32>, %p: tensor<4xf32>, %n: index) -> (tensor<4xf32>, tensor<4xf32>) {
  %0 = sto.average %a, %p, %n : tensor<4xf32>, index
  %1 = sto.average %a, %p, %n {kind = #sto.average_kind<ema>, decay = 0.9 : f64} : tensor<4xf32>, index
  return %0, %1 : tensor<4xf32>, tensor<4xf32>
}

// -----

//===----------------------------------------------------------------------===//
// Reductions
//===----------------------------------------------------------------------===//

// categorical: one generic reducing along the axis (a sequential loop, so
// the scan runs in increasing j) with two results, the best score and its
// index. The score is RN_C(logit + g), g = -log(-log(U_oo(r))) with U_oo =
// ((r >> 8) | 1) 2^-24; the first element always takes, later ones only if
// strictly greater (ties go to the lower index).
// CHECK-DAG:   #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG:   #[[ROW:.*]] = affine_map<(d0, d1) -> (d0)>
// CHECK-LABEL: func.func @categorical(
// CHECK-SAME:      %[[K:.*]]: i64, %[[L:.*]]: tensor<4x10xf32>) -> tensor<4xi32>
// CHECK:         %[[G:.*]]:2 = linalg.generic {indexing_maps = [#[[ID]], #[[ROW]], #[[ROW]]], iterator_types = ["parallel", "reduction"]} ins(%[[L]] : tensor<4x10xf32>) outs(%{{.*}}, %{{.*}} : tensor<4xf32>, tensor<4xi32>) {
// CHECK:         ^bb0(%[[X:.*]]: f32, %[[BEST:.*]]: f32, %[[IDX:.*]]: i32):
// CHECK-COUNT-20:  arith.mului_extended
// CHECK:           %[[ONE:.*]] = arith.constant 1 : i32
// CHECK:           arith.ori %{{.*}}, %[[ONE]] : i32
// CHECK:           arith.bitcast
// CHECK-COUNT-12:  math.fma
// CHECK:           %[[NL1:.*]] = arith.negf %{{.*}} : f32
// CHECK:           arith.bitcast %[[NL1]] : f32 to i32
// CHECK-COUNT-12:  math.fma
// CHECK:           %[[GUMBEL:.*]] = arith.negf %{{.*}} : f32
// CHECK:           %[[S:.*]] = arith.addf %[[X]], %[[GUMBEL]] : f32
// CHECK:           %[[J:.*]] = linalg.index 1 : index
// CHECK:           %[[FIRST:.*]] = arith.cmpi eq, %[[J]], %{{.*}} : index
// CHECK:           %[[GT:.*]] = arith.cmpf ogt, %[[S]], %[[BEST]] : f32
// CHECK:           %[[TAKE:.*]] = arith.ori %[[FIRST]], %[[GT]] : i1
// CHECK:           %[[J32:.*]] = arith.index_cast %[[J]] : index to i32
// CHECK:           %[[NB:.*]] = arith.select %[[TAKE]], %[[S]], %[[BEST]] : f32
// CHECK:           %[[NI:.*]] = arith.select %[[TAKE]], %[[J32]], %[[IDX]] : i32
// CHECK:           linalg.yield %[[NB]], %[[NI]] : f32, i32
// CHECK:         return %[[G]]#1 : tensor<4xi32>
func.func @categorical(%k: !sto.key, %l: tensor<4x10xf32>) -> tensor<4xi32> {
  %0 = sto.categorical %k, %l {axis = 1 : i64} : tensor<4x10xf32> -> tensor<4xi32>
  return %0 : tensor<4xi32>
}
