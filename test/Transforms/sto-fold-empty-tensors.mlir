// RUN: sto-opt %s --sto-fold-empty-tensors -split-input-file | FileCheck %s

// An operand with no elements along the joined dimension is dropped: one-shot
// bufferization would make a subview of it at offset 2 of a dimension of 2,
// which memref.subview's verifier rejects.
// CHECK-LABEL: func.func @concat_empty_last(
// CHECK-SAME:      %[[A:.+]]: tensor<3x2xf32>, %[[B:.+]]: tensor<3x0xf32>
// CHECK-NEXT:    return %[[A]]
func.func @concat_empty_last(%a: tensor<3x2xf32>, %b: tensor<3x0xf32>) -> tensor<3x2xf32> {
  %r = tensor.concat dim(1) %a, %b : (tensor<3x2xf32>, tensor<3x0xf32>) -> tensor<3x2xf32>
  return %r : tensor<3x2xf32>
}

// -----

// CHECK-LABEL: func.func @concat_empty_middle(
// CHECK-SAME:      %[[A:[^:]+]]: tensor<2x3xf32>, %[[B:[^:]+]]: tensor<0x3xf32>, %[[C:[^:]+]]: tensor<?x3xf32>
// CHECK-NEXT:    %[[R:.+]] = tensor.concat dim(0) %[[A]], %[[C]] : (tensor<2x3xf32>, tensor<?x3xf32>) -> tensor<?x3xf32>
// CHECK-NEXT:    return %[[R]]
func.func @concat_empty_middle(%a: tensor<2x3xf32>, %b: tensor<0x3xf32>, %c: tensor<?x3xf32>) -> tensor<?x3xf32> {
  %r = tensor.concat dim(0) %a, %b, %c : (tensor<2x3xf32>, tensor<0x3xf32>, tensor<?x3xf32>) -> tensor<?x3xf32>
  return %r : tensor<?x3xf32>
}

// -----

// A result with no elements (a zero in another dimension): a tensor.empty,
// with its dynamic sizes from the operands.
// CHECK-LABEL: func.func @concat_no_elements(
// CHECK-SAME:      %[[A:[^:]+]]: tensor<?x0xf32>, %[[B:[^:]+]]: tensor<?x0xf32>
// CHECK-DAG:     %[[C0:.+]] = arith.constant 0 : index
// CHECK-DAG:     %[[DA:.+]] = tensor.dim %[[A]], %[[C0]]
// CHECK-DAG:     %[[DB:.+]] = tensor.dim %[[B]], %[[C0]]
// CHECK:         %[[N:.+]] = affine.apply {{.*}}()[%[[DA]], %[[DB]]]
// CHECK:         %[[E:.+]] = tensor.empty(%[[N]]) : tensor<?x0xf32>
// CHECK:         return %[[E]]
func.func @concat_no_elements(%a: tensor<?x0xf32>, %b: tensor<?x0xf32>) -> tensor<?x0xf32> {
  %r = tensor.concat dim(0) %a, %b : (tensor<?x0xf32>, tensor<?x0xf32>) -> tensor<?x0xf32>
  return %r : tensor<?x0xf32>
}

// -----

// Nothing empty: unchanged.
// CHECK-LABEL: func.func @concat_kept(
// CHECK:         tensor.concat dim(1) %{{.+}}, %{{.+}} : (tensor<3x2xf32>, tensor<3x1xf32>)
func.func @concat_kept(%a: tensor<3x2xf32>, %b: tensor<3x1xf32>) -> tensor<3x3xf32> {
  %r = tensor.concat dim(1) %a, %b : (tensor<3x2xf32>, tensor<3x1xf32>) -> tensor<3x3xf32>
  return %r : tensor<3x3xf32>
}

// -----

// A pad of an empty source is all padding: a tensor.generate of its body.
// CHECK-LABEL: func.func @pad_empty_source(
// CHECK:         %[[CST:.+]] = arith.constant -3.500000e+00 : f32
// CHECK:         %[[G:.+]] = tensor.generate {
// CHECK-NEXT:    ^bb0(%{{.+}}: index, %{{.+}}: index):
// CHECK-NEXT:      tensor.yield %[[CST]] : f32
// CHECK-NEXT:    } : tensor<2x3xf32>
// CHECK-NOT:     tensor.pad
// CHECK:         return %[[G]]
func.func @pad_empty_source(%a: tensor<0x3xf32>) -> tensor<2x3xf32> {
  %c = arith.constant -3.5 : f32
  %r = tensor.pad %a low[2, 0] high[0, 0] {
  ^bb0(%i: index, %j: index):
    tensor.yield %c : f32
  } : tensor<0x3xf32> to tensor<2x3xf32>
  return %r : tensor<2x3xf32>
}

// -----

// With dynamic padding and a body that reads its indices.
// CHECK-LABEL: func.func @pad_empty_source_dynamic(
// CHECK-SAME:      %{{.+}}: tensor<0x?xi32>, %[[LO:[^:]+]]: index
// CHECK:         %[[G:.+]] = tensor.generate %[[LO]], %{{.+}} {
// CHECK-NEXT:    ^bb0(%[[I:.+]]: index, %[[J:.+]]: index):
// CHECK-NEXT:      %[[S:.+]] = arith.addi %[[I]], %[[J]] : index
// CHECK-NEXT:      %[[F:.+]] = arith.index_cast %[[S]] : index to i32
// CHECK-NEXT:      tensor.yield %[[F]] : i32
// CHECK-NEXT:    } : tensor<?x?xi32>
// CHECK:         return %[[G]]
func.func @pad_empty_source_dynamic(%a: tensor<0x?xi32>, %lo: index) -> tensor<?x?xi32> {
  %r = tensor.pad %a low[%lo, 1] high[0, %lo] {
  ^bb0(%i: index, %j: index):
    %s = arith.addi %i, %j : index
    %f = arith.index_cast %s : index to i32
    tensor.yield %f : i32
  } : tensor<0x?xi32> to tensor<?x?xi32>
  return %r : tensor<?x?xi32>
}

// -----

// A pad of a source with elements is left alone.
// CHECK-LABEL: func.func @pad_kept(
// CHECK:         tensor.pad
func.func @pad_kept(%a: tensor<1x3xf32>) -> tensor<2x3xf32> {
  %c = arith.constant 1.0 : f32
  %r = tensor.pad %a low[1, 0] high[0, 0] {
  ^bb0(%i: index, %j: index):
    tensor.yield %c : f32
  } : tensor<1x3xf32> to tensor<2x3xf32>
  return %r : tensor<2x3xf32>
}
