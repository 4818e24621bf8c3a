// RUN: sto-opt %s --sto-generalize-elementwise -split-input-file | FileCheck %s --implicit-check-not=linalg.broadcast --implicit-check-not=linalg.transpose --implicit-check-not=linalg.map --implicit-check-not=linalg.elementwise

// linalg.broadcast, linalg.transpose, linalg.map and linalg.elementwise
// become linalg.generic with their indexing maps and bodies; contractions,
// reductions and fills stay named.

// CHECK-DAG: #[[$BCAST:.+]] = affine_map<(d0, d1) -> (d1)>
// CHECK-DAG: #[[$ID2:.+]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-LABEL: func.func @broadcast(
// CHECK-SAME:    %[[X:.+]]: tensor<8xf32>, %[[INIT:.+]]: tensor<4x8xf32>)
// CHECK:         %[[R:.+]] = linalg.generic {indexing_maps = [#[[$BCAST]], #[[$ID2]]], iterator_types = ["parallel", "parallel"]}
// CHECK-SAME:      ins(%[[X]] : tensor<8xf32>) outs(%[[INIT]] : tensor<4x8xf32>)
// CHECK-NEXT:    ^bb0(%[[IN:.+]]: f32, %{{.+}}: f32):
// CHECK-NEXT:      linalg.yield %[[IN]] : f32
// CHECK:         return %[[R]]
func.func @broadcast(%x: tensor<8xf32>, %init: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %r = linalg.broadcast ins(%x : tensor<8xf32>) outs(%init : tensor<4x8xf32>) dimensions = [0]
  return %r : tensor<4x8xf32>
}

// -----

// CHECK-DAG: #[[$T:.+]] = affine_map<(d0, d1) -> (d1, d0)>
// CHECK-DAG: #[[$ID2:.+]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-LABEL: func.func @transpose(
// CHECK:         linalg.generic {indexing_maps = [#[[$T]], #[[$ID2]]], iterator_types = ["parallel", "parallel"]}
// CHECK-SAME:      ins(%{{.+}} : tensor<4x8xf32>) outs(%{{.+}} : tensor<8x4xf32>)
// CHECK-NEXT:    ^bb0(%[[IN:.+]]: f32, %{{.+}}: f32):
// CHECK-NEXT:      linalg.yield %[[IN]] : f32
func.func @transpose(%x: tensor<4x8xf32>, %init: tensor<8x4xf32>) -> tensor<8x4xf32> {
  %r = linalg.transpose ins(%x : tensor<4x8xf32>) outs(%init : tensor<8x4xf32>) permutation = [1, 0]
  return %r : tensor<8x4xf32>
}

// -----

// The body of linalg.map, linalg.index included, moves into the generic.

// CHECK-LABEL: func.func @map(
// CHECK:         linalg.generic {{.*}} iterator_types = ["parallel"]} ins(%{{.+}}, %{{.+}} : tensor<8xf32>, tensor<8xf32>) outs(%{{.+}} : tensor<8xf32>)
// CHECK-NEXT:    ^bb0(%[[A:.+]]: f32, %[[B:.+]]: f32, %{{.+}}: f32):
// CHECK-NEXT:      %[[M:.+]] = arith.mulf %[[A]], %[[B]] : f32
// CHECK-NEXT:      linalg.yield %[[M]] : f32
// CHECK-LABEL: func.func @map_index(
// CHECK:         linalg.generic {{.*}} outs(%{{.+}} : tensor<8xindex>)
// CHECK:           %[[I:.+]] = linalg.index 0 : index
// CHECK-NEXT:      linalg.yield %[[I]] : index
func.func @map(%a: tensor<8xf32>, %b: tensor<8xf32>, %init: tensor<8xf32>) -> tensor<8xf32> {
  %r = linalg.map { arith.mulf } ins(%a, %b : tensor<8xf32>, tensor<8xf32>) outs(%init : tensor<8xf32>)
  return %r : tensor<8xf32>
}
func.func @map_index(%init: tensor<8xindex>) -> tensor<8xindex> {
  %r = linalg.map outs(%init : tensor<8xindex>) (%o: index) {
    %i = linalg.index 0 : index
    linalg.yield %i : index
  }
  return %r : tensor<8xindex>
}

// -----

// linalg.elementwise keeps its own indexing maps (a broadcast operand here).

// CHECK-DAG: #[[$BCAST:.+]] = affine_map<(d0, d1) -> (d1)>
// CHECK-DAG: #[[$ID2:.+]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-LABEL: func.func @elementwise_add(
// CHECK:         linalg.generic
// CHECK:           arith.addf
// CHECK-LABEL: func.func @elementwise_broadcast(
// CHECK:         linalg.generic {indexing_maps = [#[[$BCAST]], #[[$ID2]], #[[$ID2]]], iterator_types = ["parallel", "parallel"]}
// CHECK:           arith.mulf
// CHECK-LABEL: func.func @elementwise_exp_dynamic(
// CHECK:         linalg.generic {{.*}} ins(%{{.+}} : tensor<?xf32>) outs(%{{.+}} : tensor<?xf32>)
// CHECK:           math.exp
// CHECK-LABEL: func.func @elementwise_select(
// CHECK:         ^bb0(%[[C:.+]]: i1, %[[A:.+]]: f32, %[[B:.+]]: f32, %{{.+}}: f32):
// CHECK-NEXT:      arith.select %[[C]], %[[A]], %[[B]] : f32
func.func @elementwise_add(%a: tensor<8xf32>, %b: tensor<8xf32>, %init: tensor<8xf32>) -> tensor<8xf32> {
  %r = linalg.elementwise kind=#linalg.elementwise_kind<add> ins(%a, %b : tensor<8xf32>, tensor<8xf32>) outs(%init : tensor<8xf32>) -> tensor<8xf32>
  return %r : tensor<8xf32>
}
func.func @elementwise_broadcast(%a: tensor<8xf32>, %b: tensor<4x8xf32>, %init: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %r = linalg.elementwise kind=#linalg.elementwise_kind<mul>
    indexing_maps = [affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>]
    ins(%a, %b : tensor<8xf32>, tensor<4x8xf32>) outs(%init : tensor<4x8xf32>) -> tensor<4x8xf32>
  return %r : tensor<4x8xf32>
}
func.func @elementwise_exp_dynamic(%a: tensor<?xf32>, %init: tensor<?xf32>) -> tensor<?xf32> {
  %r = linalg.elementwise kind=#linalg.elementwise_kind<exp> ins(%a : tensor<?xf32>) outs(%init : tensor<?xf32>) -> tensor<?xf32>
  return %r : tensor<?xf32>
}
func.func @elementwise_select(%c: tensor<8xi1>, %a: tensor<8xf32>, %b: tensor<8xf32>, %init: tensor<8xf32>) -> tensor<8xf32> {
  %r = linalg.elementwise kind=#linalg.elementwise_kind<select> ins(%c, %a, %b : tensor<8xi1>, tensor<8xf32>, tensor<8xf32>) outs(%init : tensor<8xf32>) -> tensor<8xf32>
  return %r : tensor<8xf32>
}

// -----

// On buffers too (the pass is not tied to tensors).

// CHECK-LABEL: func.func @broadcast_memref(
// CHECK:         linalg.generic {{.*}} ins(%{{.+}} : memref<8xf32>) outs(%{{.+}} : memref<4x8xf32>)
func.func @broadcast_memref(%x: memref<8xf32>, %init: memref<4x8xf32>) {
  linalg.broadcast ins(%x : memref<8xf32>) outs(%init : memref<4x8xf32>) dimensions = [0]
  return
}

// -----

// Contractions, reductions and fills are not elementwise data movement:
// they stay named (matmul for tiling and library calls).

// CHECK-LABEL: func.func @not_generalized(
// CHECK-NOT:     linalg.generic
// CHECK:         linalg.matmul
// CHECK-NOT:     linalg.generic
// CHECK:         linalg.reduce
// CHECK-NOT:     linalg.generic
// CHECK:         linalg.fill
// CHECK-NOT:     linalg.generic
// CHECK:         return
func.func @not_generalized(%a: tensor<4x8xf32>, %b: tensor<8x2xf32>, %c: tensor<4x2xf32>, %r0: tensor<4xf32>) -> (tensor<4x2xf32>, tensor<4xf32>, tensor<4xf32>) {
  %m = linalg.matmul ins(%a, %b : tensor<4x8xf32>, tensor<8x2xf32>) outs(%c : tensor<4x2xf32>) -> tensor<4x2xf32>
  %r = linalg.reduce { arith.addf } ins(%a : tensor<4x8xf32>) outs(%r0 : tensor<4xf32>) dimensions = [1]
  %z = arith.constant 0.0 : f32
  %f = linalg.fill ins(%z : f32) outs(%r0 : tensor<4xf32>) -> tensor<4xf32>
  return %m, %r, %f : tensor<4x2xf32>, tensor<4xf32>, tensor<4xf32>
}

// -----

// linalg.softmax is decomposed: a max over the row, exp of the difference,
// a sum, a division.
// CHECK-LABEL: func.func @softmax(
// CHECK-NOT:     linalg.softmax
// CHECK:         arith.maxnumf
// CHECK:         math.exp
// CHECK:         arith.addf
// CHECK:         arith.divf
// CHECK-NOT:     linalg.softmax
func.func @softmax(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %e = tensor.empty() : tensor<4x8xf32>
  %y = linalg.softmax dimension(1) ins(%x : tensor<4x8xf32>) outs(%e : tensor<4x8xf32>) -> tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

// -----

// tensor.bitcast between equal shapes: a generic of arith.bitcast over an
// empty tensor of the source's sizes. To other sizes it stays (refused
// before compiling, test/Compiler/unsupported-ops.mlir).
// CHECK-LABEL: func.func @bitcast(
// CHECK-SAME:    %[[X:[^:]+]]: tensor<?x3xf32>, %[[Y:[^:]+]]: tensor<?xf32>)
// CHECK:         %[[D:.+]] = tensor.dim %[[X]], %{{.+}}
// CHECK:         %[[E:.+]] = tensor.empty(%[[D]]) : tensor<?x3xi32>
// CHECK:         linalg.generic {{.*}} ins(%[[X]] : tensor<?x3xf32>) outs(%[[E]] : tensor<?x3xi32>)
// CHECK:           arith.bitcast %{{.+}} : f32 to i32
// CHECK:         tensor.bitcast %[[Y]] : tensor<?xf32> to tensor<4xi32>
func.func @bitcast(%x: tensor<?x3xf32>, %y: tensor<?xf32>) -> (tensor<?x3xi32>, tensor<4xi32>) {
  %a = tensor.bitcast %x : tensor<?x3xf32> to tensor<?x3xi32>
  %b = tensor.bitcast %y : tensor<?xf32> to tensor<4xi32>
  return %a, %b : tensor<?x3xi32>, tensor<4xi32>
}
