// RUN: sto-opt %s -cse -split-input-file | FileCheck %s

// The sto samplers are Pure: the same key, operands, attributes and result
// type give the same value, so CSE may merge them. Any difference keeps them
// apart.

// CHECK-LABEL: func.func @dropout_same_key(
// CHECK-SAME:      %[[K:.+]]: !sto.key, %[[X:.+]]: tensor<8xf32>)
// CHECK:         %[[D:.+]] = sto.dropout %[[K]], %[[X]] {rate = 5.000000e-01 : f64} : tensor<8xf32>
// CHECK-NOT:     sto.dropout
// CHECK:         return %[[D]], %[[D]] : tensor<8xf32>, tensor<8xf32>
func.func @dropout_same_key(%k: !sto.key, %x: tensor<8xf32>)
    -> (tensor<8xf32>, tensor<8xf32>) {
  %0 = sto.dropout %k, %x {rate = 0.5 : f64} : tensor<8xf32>
  %1 = sto.dropout %k, %x {rate = 0.5 : f64} : tensor<8xf32>
  return %0, %1 : tensor<8xf32>, tensor<8xf32>
}

// -----

// CHECK-LABEL: func.func @dropout_different_keys(
// CHECK-SAME:      %[[K:.+]]: !sto.key, %[[X:.+]]: tensor<8xf32>)
// CHECK:         %[[S:.+]]:2 = sto.split %[[K]] count 2
// CHECK:         %[[D0:.+]] = sto.dropout %[[S]]#0, %[[X]] {rate = 5.000000e-01 : f64}
// CHECK:         %[[D1:.+]] = sto.dropout %[[S]]#1, %[[X]] {rate = 5.000000e-01 : f64}
// CHECK:         return %[[D0]], %[[D1]]
func.func @dropout_different_keys(%k: !sto.key, %x: tensor<8xf32>)
    -> (tensor<8xf32>, tensor<8xf32>) {
  %k0, %k1 = sto.split %k count 2
  %0 = sto.dropout %k0, %x {rate = 0.5 : f64} : tensor<8xf32>
  %1 = sto.dropout %k1, %x {rate = 0.5 : f64} : tensor<8xf32>
  return %0, %1 : tensor<8xf32>, tensor<8xf32>
}

// -----

// CHECK-LABEL: func.func @dropout_different_rates(
// CHECK-SAME:      %[[K:.+]]: !sto.key, %[[X:.+]]: tensor<8xf32>)
// CHECK:         %[[D0:.+]] = sto.dropout %[[K]], %[[X]] {rate = 5.000000e-01 : f64}
// CHECK:         %[[D1:.+]] = sto.dropout %[[K]], %[[X]] {rate = 2.500000e-01 : f64}
// CHECK:         return %[[D0]], %[[D1]]
func.func @dropout_different_rates(%k: !sto.key, %x: tensor<8xf32>)
    -> (tensor<8xf32>, tensor<8xf32>) {
  %0 = sto.dropout %k, %x {rate = 0.5 : f64} : tensor<8xf32>
  %1 = sto.dropout %k, %x {rate = 0.25 : f64} : tensor<8xf32>
  return %0, %1 : tensor<8xf32>, tensor<8xf32>
}

// -----

// Key derivation is a pure function of its inputs too.
// CHECK-LABEL: func.func @keys(
// CHECK-SAME:      %[[S:.+]]: i64, %[[STEP:.+]]: index)
// CHECK:         %[[K:.+]] = sto.seed %[[S]] : i64
// CHECK-NOT:     sto.seed
// CHECK:         %[[F:.+]] = sto.fold_in %[[K]], %[[STEP]] : index
// CHECK-NOT:     sto.fold_in
// CHECK:         %[[U:.+]] = sto.uniform %[[F]] : tensor<4xf32>
// CHECK-NOT:     sto.uniform
// CHECK:         return %[[U]], %[[U]]
func.func @keys(%s: i64, %step: index) -> (tensor<4xf32>, tensor<4xf32>) {
  %k0 = sto.seed %s : i64
  %k1 = sto.seed %s : i64
  %f0 = sto.fold_in %k0, %step : index
  %f1 = sto.fold_in %k1, %step : index
  %0 = sto.uniform %f0 : tensor<4xf32>
  %1 = sto.uniform %f1 : tensor<4xf32>
  return %0, %1 : tensor<4xf32>, tensor<4xf32>
}

// -----

// The same key sampled at another shape or element type is another value.
// CHECK-LABEL: func.func @normal_different_types(
// CHECK-SAME:      %[[K:.+]]: !sto.key)
// CHECK:         sto.normal %[[K]] : tensor<4xf32>
// CHECK:         sto.normal %[[K]] : tensor<4xf16>
// CHECK:         sto.normal %[[K]] : tensor<8xf32>
func.func @normal_different_types(%k: !sto.key)
    -> (tensor<4xf32>, tensor<4xf16>, tensor<8xf32>) {
  %0 = sto.normal %k : tensor<4xf32>
  %1 = sto.normal %k : tensor<4xf16>
  %2 = sto.normal %k : tensor<8xf32>
  return %0, %1, %2 : tensor<4xf32>, tensor<4xf16>, tensor<8xf32>
}
