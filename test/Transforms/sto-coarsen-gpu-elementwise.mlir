// RUN: sto-opt %s --split-input-file --sto-coarsen-gpu-elementwise | FileCheck %s
// RUN: sto-opt %s --split-input-file --sto-coarsen-gpu-elementwise="reductions=true" | FileCheck %s --check-prefixes=CHECK,RED

// An elementwise generic with a broadcast row operand: the innermost
// dimension (1024) becomes [256, 4]; the operands it indexes are viewed
// [.., 256, 4], the one it does not index keeps its map.
// CHECK-DAG:   #[[ID:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG:   #[[ROW:.*]] = affine_map<(d0, d1, d2) -> (d1, d2)>
// CHECK-DAG:   #[[COL:.*]] = affine_map<(d0, d1, d2) -> (d0)>
// CHECK-LABEL: func.func @add_bias(
// CHECK-SAME:      %[[X:.*]]: memref<8x1024xf32>, %[[B:.*]]: memref<1024xf32>, %[[S:.*]]: memref<8xf32>, %[[Y:.*]]: memref<8x1024xf32>)
// CHECK-DAG:     %[[XV:.*]] = memref.expand_shape %[[X]] {{\[\[}}0], [1, 2]] output_shape [8, 256, 4] : memref<8x1024xf32> into memref<8x256x4xf32>
// CHECK-DAG:     %[[BV:.*]] = memref.expand_shape %[[B]] {{\[\[}}0, 1]] output_shape [256, 4] : memref<1024xf32> into memref<256x4xf32>
// CHECK-DAG:     %[[YV:.*]] = memref.expand_shape %[[Y]] {{\[\[}}0], [1, 2]] output_shape [8, 256, 4] : memref<8x1024xf32> into memref<8x256x4xf32>
// CHECK:         linalg.generic {indexing_maps = [#[[ID]], #[[ROW]], #[[COL]], #[[ID]]], iterator_types = ["parallel", "parallel", "parallel"]}
// CHECK-SAME:        ins(%[[XV]], %[[BV]], %[[S]] : memref<8x256x4xf32>, memref<256x4xf32>, memref<8xf32>) outs(%[[YV]] : memref<8x256x4xf32>)
// CHECK:           arith.addf
// CHECK:           arith.mulf
// CHECK-NOT:     linalg.generic
func.func @add_bias(%x: memref<8x1024xf32>, %b: memref<1024xf32>, %s: memref<8xf32>, %y: memref<8x1024xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}
      ins(%x, %b, %s : memref<8x1024xf32>, memref<1024xf32>, memref<8xf32>) outs(%y : memref<8x1024xf32>) {
  ^bb0(%a: f32, %c: f32, %d: f32, %o: f32):
    %0 = arith.addf %a, %c : f32
    %1 = arith.mulf %0, %d : f32
    linalg.yield %1 : f32
  }
  return
}

// -----

// A gather (dispatch's): linalg.index of the split dimension becomes
// 4 * index + lane; the loads stay in the body.
// CHECK-LABEL: func.func @gather(
// CHECK:         linalg.generic
// CHECK-SAME:        outs(%{{.*}} : memref<16x64x4xf32>)
// CHECK:           %[[G:.*]] = linalg.index 1 : index
// CHECK:           %[[L:.*]] = linalg.index 2 : index
// CHECK:           %[[G4:.*]] = arith.muli %[[G]], %c4
// CHECK:           %[[D:.*]] = arith.addi %[[G4]], %[[L]] : index
// CHECK:           memref.load %{{.*}}[%{{.*}}, %[[D]]] : memref<100x256xf32>
func.func @gather(%rows: memref<16xi32>, %x: memref<100x256xf32>, %y: memref<16x256xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}
      ins(%rows : memref<16xi32>) outs(%y : memref<16x256xf32>) {
  ^bb0(%r: i32, %o: f32):
    %d = linalg.index 1 : index
    %ri = arith.index_cast %r : i32 to index
    %v = memref.load %x[%ri, %d] : memref<100x256xf32>
    linalg.yield %v : f32
  }
  return
}

// -----

// A fill of a large buffer is generalized and coarsened.
// CHECK-LABEL: func.func @fill(
// CHECK-NOT:     linalg.fill
// CHECK:         %[[V:.*]] = memref.expand_shape %{{.*}} output_shape [64, 128, 4]
// CHECK:         linalg.generic
// CHECK-SAME:        outs(%[[V]] : memref<64x128x4xf32>)
func.func @fill(%y: memref<64x512xf32>) {
  %c = arith.constant 0.0 : f32
  linalg.fill ins(%c : f32) outs(%y : memref<64x512xf32>)
  return
}

// -----

// Left alone: an innermost size of 4 (already a Philox block's lanes), one
// not a multiple of 4, a dynamic one, a reduction, a body with a loop (a
// gate's walk over its row: four per thread would quarter the threads), a
// body that stores, a strided operand, an index used outside the last
// position, and a small fill.
// (Also a dynamic innermost size in one operand while another gives it
// statically: the view needs it static in each.)
// CHECK-LABEL: func.func @left_alone(
// CHECK-NOT:     memref.expand_shape
// CHECK:         return
func.func @left_alone(%a: memref<8x4xf32>, %b: memref<8x6xf32>, %c: memref<8x?xf32>, %r: memref<16xf32>,
                      %s: memref<8x16xf32, strided<[32, 1]>>, %t: memref<16x16xf32>, %u: memref<16x16xf32>, %n: index) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} outs(%a : memref<8x4xf32>) {
  ^bb0(%o: f32):
    %0 = arith.negf %o : f32
    linalg.yield %0 : f32
  }
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} outs(%b : memref<8x6xf32>) {
  ^bb0(%o: f32):
    %0 = arith.negf %o : f32
    linalg.yield %0 : f32
  }
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} outs(%c : memref<8x?xf32>) {
  ^bb0(%o: f32):
    %0 = arith.negf %o : f32
    linalg.yield %0 : f32
  }
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]}
      ins(%t : memref<16x16xf32>) outs(%r : memref<16xf32>) {
  ^bb0(%i: f32, %o: f32):
    %0 = arith.addf %i, %o : f32
    linalg.yield %0 : f32
  }
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} outs(%t : memref<16x16xf32>) {
  ^bb0(%o: f32):
    %c0 = arith.constant 0 : index
    %c4 = arith.constant 4 : index
    %c1 = arith.constant 1 : index
    %0 = scf.for %i = %c0 to %c4 step %c1 iter_args(%acc = %o) -> (f32) {
      %1 = arith.addf %acc, %acc : f32
      scf.yield %1 : f32
    }
    linalg.yield %0 : f32
  }
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} outs(%u : memref<16x16xf32>) {
  ^bb0(%o: f32):
    %c0 = arith.constant 0 : index
    memref.store %o, %t[%c0, %c0] : memref<16x16xf32>
    linalg.yield %o : f32
  }
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} outs(%s : memref<8x16xf32, strided<[32, 1]>>) {
  ^bb0(%o: f32):
    %0 = arith.negf %o : f32
    linalg.yield %0 : f32
  }
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d1, d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}
      ins(%t : memref<16x16xf32>) outs(%u : memref<16x16xf32>) {
  ^bb0(%i: f32, %o: f32):
    linalg.yield %i : f32
  }
  %z = arith.constant 0.0 : f32
  linalg.fill ins(%z : f32) outs(%a : memref<8x4xf32>)
  %v = memref.alloc() : memref<8x16xf32>
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}
      ins(%c : memref<8x?xf32>) outs(%v : memref<8x16xf32>) {
  ^bb0(%i: f32, %o: f32):
    linalg.yield %i : f32
  }
  return
}

// -----

// A column sum over [d, b] (b a reduction after d): with `reductions`, d
// becomes [64, 4] with the 4 after b, so that each of a thread's four
// columns keeps its chain over b in order; without, it is left alone.
// RED-DAG:     #[[G:.*]] = affine_map<(d0, d1, d2) -> (d1, d0, d2)>
// RED-DAG:     #[[A:.*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-LABEL: func.func @column_sum(
// RED:           %[[GV:.*]] = memref.expand_shape %{{.*}} {{\[\[}}0], [1, 2]] output_shape [8, 64, 4]
// RED:           %[[AV:.*]] = memref.expand_shape %{{.*}} {{\[\[}}0, 1]] output_shape [64, 4]
// RED:           linalg.generic {indexing_maps = [#[[G]], #[[A]]], iterator_types = ["parallel", "reduction", "parallel"]}
// RED-SAME:          ins(%[[GV]] : memref<8x64x4xf32>) outs(%[[AV]] : memref<64x4xf32>)
// CHECK-NOT:     memref.expand_shape
// CHECK:         return
func.func @column_sum(%g: memref<8x256xf32>, %a: memref<256xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d1, d0)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]}
      ins(%g : memref<8x256xf32>) outs(%a : memref<256xf32>) {
  ^bb0(%x: f32, %acc: f32):
    %0 = arith.addf %x, %acc : f32
    linalg.yield %0 : f32
  }
  return
}

// -----

// A reduction before the parallel dimension, or between two parallel ones:
// left alone either way.
// CHECK-LABEL: func.func @reduction_first(
// CHECK-NOT:     memref.expand_shape
// CHECK:         return
func.func @reduction_first(%g: memref<8x256xf32>, %a: memref<256xf32>, %h: memref<8x16x256xf32>, %b: memref<8x256xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>], iterator_types = ["reduction", "parallel"]}
      ins(%g : memref<8x256xf32>) outs(%a : memref<256xf32>) {
  ^bb0(%x: f32, %acc: f32):
    %0 = arith.addf %x, %acc : f32
    linalg.yield %0 : f32
  }
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d2)>], iterator_types = ["parallel", "reduction", "parallel"]}
      ins(%h : memref<8x16x256xf32>) outs(%b : memref<8x256xf32>) {
  ^bb0(%x: f32, %acc: f32):
    %0 = arith.addf %x, %acc : f32
    linalg.yield %0 : f32
  }
  return
}
