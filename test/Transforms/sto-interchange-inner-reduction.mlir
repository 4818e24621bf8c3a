// RUN: sto-opt %s --sto-interchange-inner-reduction -split-input-file | FileCheck %s

// linalg.matmul on buffers: (i, j, k) becomes (i, k, j), the inner loop
// along rows of B and C; each c[i, j] still sums in increasing k.
// CHECK-DAG: #[[A:.+]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-DAG: #[[B:.+]] = affine_map<(d0, d1, d2) -> (d1, d2)>
// CHECK-DAG: #[[C:.+]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-LABEL: func.func @matmul(
// CHECK-NOT:     linalg.matmul
// CHECK:         linalg.generic {indexing_maps = [#[[A]], #[[B]], #[[C]]], iterator_types = ["parallel", "reduction", "parallel"]}
// CHECK:           arith.mulf
// CHECK:           arith.addf
func.func @matmul(%a: memref<8x16xf32>, %b: memref<16x32xf32>, %c: memref<8x32xf32>) {
  linalg.matmul ins(%a, %b : memref<8x16xf32>, memref<16x32xf32>) outs(%c : memref<8x32xf32>)
  return
}

// -----

// batch_matmul: (n, i, j, k) becomes (n, i, k, j).
// CHECK-LABEL: func.func @batch_matmul(
// CHECK:         linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction", "parallel"]
func.func @batch_matmul(%a: memref<2x8x16xf32>, %b: memref<2x16x32xf32>, %c: memref<2x8x32xf32>) {
  linalg.batch_matmul ins(%a, %b : memref<2x8x16xf32>, memref<2x16x32xf32>) outs(%c : memref<2x8x32xf32>)
  return
}

// -----

// A row reduction reads the parallel dimension with a stride: left alone.
// So are a matrix-vector product whose output has no second dimension, an
// op whose innermost loop is parallel, and ops on tensors.
// CHECK-LABEL: func.func @left_alone(
// CHECK:         linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]
// CHECK:         linalg.matvec
// CHECK:         linalg.generic {{.*}} iterator_types = ["reduction", "parallel"]
// CHECK:         linalg.matmul ins(%{{.*}} : tensor<8x16xf32>, tensor<16x32xf32>)
func.func @left_alone(%x: memref<8x16xf32>, %s: memref<8xf32>, %v: memref<16xf32>,
                      %ta: tensor<8x16xf32>, %tb: tensor<16x32xf32>, %tc: tensor<8x32xf32>,
                      %col: memref<16xf32>) -> tensor<8x32xf32> {
  linalg.generic {indexing_maps = [affine_map<(i, k) -> (i, k)>, affine_map<(i, k) -> (i)>],
                  iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<8x16xf32>) outs(%s : memref<8xf32>) {
  ^bb0(%in: f32, %acc: f32):
    %r = arith.addf %acc, %in : f32
    linalg.yield %r : f32
  }
  linalg.matvec ins(%x, %v : memref<8x16xf32>, memref<16xf32>) outs(%s : memref<8xf32>)
  linalg.generic {indexing_maps = [affine_map<(i, k) -> (i, k)>, affine_map<(i, k) -> (k)>],
                  iterator_types = ["reduction", "parallel"]}
      ins(%x : memref<8x16xf32>) outs(%col : memref<16xf32>) {
  ^bb0(%in: f32, %acc: f32):
    %r = arith.addf %acc, %in : f32
    linalg.yield %r : f32
  }
  %t = linalg.matmul ins(%ta, %tb : tensor<8x16xf32>, tensor<16x32xf32>) outs(%tc : tensor<8x32xf32>) -> tensor<8x32xf32>
  return %t : tensor<8x32xf32>
}
