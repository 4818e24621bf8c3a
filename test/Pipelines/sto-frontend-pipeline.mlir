// The frontend phase checks key linearity by default and then simplifies.
// RUN: not sto-opt %s --sto-frontend-pipeline -split-input-file 2>/dev/null | FileCheck %s
// RUN: not sto-opt %s --sto-frontend-pipeline -split-input-file 2>&1 >/dev/null | FileCheck %s --check-prefix=REUSE
// RUN: sto-opt %s --sto-frontend-pipeline="verify-keys=false" -split-input-file | FileCheck %s --check-prefix=NOCHECK

// CHECK-LABEL: func.func @simplified
// CHECK-SAME:    (%[[K:.+]]: !sto.key, %[[X:.+]]: tensor<8xf32>)
// CHECK-NEXT:    %[[S:.+]]:2 = sto.split %[[K]] count 2
// CHECK-NEXT:    %[[Y:.+]] = sto.noise %[[S]]#1, %[[X]] {scale = 2.500000e-01 : f64} : tensor<8xf32>
// CHECK:         return %[[Y]]
func.func @simplified(%k: !sto.key, %x: tensor<8xf32>) -> tensor<8xf32> {
  %k1 = sto.split %k count 1
  %a, %b = sto.split %k1 count 2
  %y = sto.dropout %a, %x {rate = 0.0 : f64} : tensor<8xf32>
  %z = sto.noise %b, %y {scale = 2.5e-01 : f64} : tensor<8xf32>
  return %z : tensor<8xf32>
}

// -----

// REUSE: error: RNG key is consumed twice (by 'sto.dropout' and by 'sto.noise')
// NOCHECK-LABEL: func.func @reuse
// NOCHECK: sto.dropout
// NOCHECK: sto.noise
func.func @reuse(%k: !sto.key, %x: tensor<8xf32>) -> tensor<8xf32> {
  %a = sto.dropout %k, %x {rate = 1.0e-01 : f64} : tensor<8xf32>
  %b = sto.noise %k, %a {scale = 1.0e-01 : f64} : tensor<8xf32>
  return %b : tensor<8xf32>
}
