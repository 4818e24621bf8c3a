// SGLD with stochastic weight averaging, as examples/langevin_swa.mlir
// writes it: the new parameters are both returned (carried to the next
// step) and averaged. Step and average should be ONE loop nest that draws
// the Langevin noise once and writes both results.
//
// The pipeline's sto-fuse-elementwise fuses the Langevin generic into the
// average although it has a second use (the return): the fused op yields
// both results and the return reads the first, so the noise is drawn once.
//
// RUN: sto-compile %s --compile-to=linalg | FileCheck %s

// CHECK-LABEL: func.func @__sto_impl_langevin_swa(
// CHECK:         %[[W:.*]] = arith.divf
// CHECK:         %[[G:.*]]:2 = linalg.generic
// CHECK-SAME:        outs(%{{.*}}, %{{.*}} : tensor<1024x4xf32>, tensor<1024x4xf32>)
// CHECK-COUNT-19:  arith.muli {{.*}} : i64
// CHECK-NOT:       arith.muli {{.*}} : i64
// CHECK:           %[[DIFF:.*]] = arith.subf %[[Q:[^ ,]+]], %in{{.*}} : f32
// CHECK-NEXT:      %[[NEW:.*]] = math.fma %[[W]], %[[DIFF]], %in{{.*}} : f32
// CHECK-NEXT:      linalg.yield %[[Q]], %[[NEW]] : f32, f32
// CHECK-NOT:     linalg.generic
// CHECK:         return
func.func @langevin_swa(%k: !sto.key, %p: tensor<4096xf32>, %g: tensor<4096xf32>,
                        %avg: tensor<4096xf32>, %n: index)
    -> (tensor<4096xf32>, tensor<4096xf32>) {
  %q = sto.langevin_step %k, %p, %g {lr = 1.0e-03 : f64, temperature = 1.0e-02 : f64} : tensor<4096xf32>
  %a = sto.average %avg, %q, %n : tensor<4096xf32>, index
  return %q, %a : tensor<4096xf32>, tensor<4096xf32>
}
