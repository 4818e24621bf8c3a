// wide-philox holds the Philox words in i64 (the CPU form): the products are
// plain i64 multiplies by the Random123 constants of multiplicands masked to
// their low 32 bits (so LLVM emits vpmuludq), the products are shifted in
// 64-bit lanes, the low words are whole products (their high halves are never
// cleared) and only the outputs are truncated. The default
// form uses arith.mului_extended on i32. The integration tests check that
// both give the reference bits.
// RUN: sto-opt %s --convert-sto-to-linalg="wide-philox=true" | FileCheck %s --implicit-check-not=arith.mului_extended
// RUN: sto-opt %s --convert-sto-to-linalg | FileCheck %s --check-prefix=NARROW

// CHECK-LABEL: func.func @uniform
// CHECK:         linalg.generic
// CHECK-DAG:       %[[M0:.*]] = arith.constant 3528531795 : i64
// CHECK-DAG:       %[[M1:.*]] = arith.constant 3449720151 : i64
// CHECK-DAG:       %[[LOW:.*]] = arith.constant 4294967295 : i64
// CHECK:           %[[A0:.*]] = arith.andi %{{.*}}, %[[LOW]] : i64
// CHECK:           %[[P0:.*]] = arith.muli %[[A0]], %[[M0]] : i64
// CHECK:           %[[A2:.*]] = arith.andi %{{.*}}, %[[LOW]] : i64
// CHECK:           %[[P1:.*]] = arith.muli %[[A2]], %[[M1]] : i64
// CHECK:           arith.shrui %[[P0]]
// CHECK:           arith.shrui %[[P1]]
// CHECK-NOT:       arith.andi %[[P1]]
// CHECK-NOT:       arith.andi %[[P0]]
// CHECK:           arith.andi %{{.*}}, %[[LOW]] : i64
// CHECK-NEXT:      arith.muli %{{.*}}, %[[M0]] : i64
// CHECK-COUNT-4:   arith.trunci %{{.*}} : i64 to i32
// CHECK:           linalg.yield

// NARROW-LABEL: func.func @uniform
// NARROW-COUNT-20: arith.mului_extended
// NARROW-NOT:      arith.mului_extended
func.func @uniform(%s: i64) -> tensor<16xf32> {
  %k = sto.seed %s : i64
  %u = sto.uniform %k : tensor<16xf32>
  return %u : tensor<16xf32>
}
