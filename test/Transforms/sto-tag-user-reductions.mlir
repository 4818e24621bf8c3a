// RUN: sto-opt %s --sto-tag-user-reductions | FileCheck %s
// The whole linalg phase: the mark survives fusion and softmax's
// decomposition, and the reductions that sto ops lower to do not get it.
// RUN: sto-compile %s --target=cpu --compile-to=linalg | FileCheck %s --check-prefix=PIPE

// CHECK-LABEL: func.func @marks(
// CHECK:         linalg.reduce {{.*}} {sto.user_reduction}
// CHECK:         linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]
// CHECK-SAME:        sto.user_reduction
// CHECK:         linalg.softmax {sto.user_reduction}
// CHECK:         linalg.matmul {sto.user_reduction}
// An elementwise op has no reduction to order.
// CHECK:         linalg.generic
// CHECK-NOT:       sto.user_reduction
// CHECK:         return

// PIPE-LABEL: func.func @__sto_impl_marks(
// exp(x - 1) fused into the sum, which keeps its mark.
// PIPE:         linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]
// PIPE-SAME:        sto.user_reduction
// PIPE:           math.exp
// PIPE:           arith.addf
// PIPE-LABEL: func.func @__sto_impl_softmax(
// The softmax's max and sum.
// PIPE-COUNT-2: iterator_types = ["parallel", "reduction"]{{.*}}sto.user_reduction
// PIPE-LABEL: func.func @__sto_impl_sampler_sum(
// gumbel_softmax's own sum over the classes is not marked; the model's sum of
// its result is.
// PIPE-NOT:     sto.user_reduction
// PIPE:         linalg.reduce {{.*}} {sto.user_reduction}
// PIPE-NOT:     sto.user_reduction
// PIPE:         return

#id = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d0)>
func.func @marks(%x: tensor<4x40xf32>, %m: tensor<40x8xf32>) -> (tensor<4xf32>, tensor<4xf32>, tensor<4x40xf32>, tensor<4x8xf32>, tensor<4x40xf32>) {
  %z = arith.constant 0.0 : f32
  %one = arith.constant 1.0 : f32
  %e = tensor.empty() : tensor<4xf32>
  %i = linalg.fill ins(%z : f32) outs(%e : tensor<4xf32>) -> tensor<4xf32>
  %e2 = tensor.empty() : tensor<4x40xf32>
  %ex = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<4x40xf32>) outs(%e2 : tensor<4x40xf32>) {
  ^bb0(%a: f32, %o: f32):
    %d = arith.subf %a, %one : f32
    %v = math.exp %d : f32
    linalg.yield %v : f32
  } -> tensor<4x40xf32>
  %r = linalg.reduce ins(%ex : tensor<4x40xf32>) outs(%i : tensor<4xf32>) dimensions = [1]
    (%a: f32, %b: f32) {
      %s = arith.addf %a, %b : f32
      linalg.yield %s : f32
    }
  %g = linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "reduction"]}
      ins(%x : tensor<4x40xf32>) outs(%i : tensor<4xf32>) {
  ^bb0(%a: f32, %o: f32):
    %s = arith.maximumf %a, %o : f32
    linalg.yield %s : f32
  } -> tensor<4xf32>
  %sm = linalg.softmax dimension(1) ins(%x : tensor<4x40xf32>) outs(%e2 : tensor<4x40xf32>) -> tensor<4x40xf32>
  %e3 = tensor.empty() : tensor<4x8xf32>
  %c = linalg.fill ins(%z : f32) outs(%e3 : tensor<4x8xf32>) -> tensor<4x8xf32>
  %mm = linalg.matmul ins(%x, %m : tensor<4x40xf32>, tensor<40x8xf32>) outs(%c : tensor<4x8xf32>) -> tensor<4x8xf32>
  %neg = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<4x40xf32>) outs(%e2 : tensor<4x40xf32>) {
  ^bb0(%a: f32, %o: f32):
    %n = arith.negf %a : f32
    linalg.yield %n : f32
  } -> tensor<4x40xf32>
  return %r, %g, %sm, %mm, %neg : tensor<4xf32>, tensor<4xf32>, tensor<4x40xf32>, tensor<4x8xf32>, tensor<4x40xf32>
}

func.func @softmax(%x: tensor<4x40xf32>) -> tensor<4x40xf32> {
  %e = tensor.empty() : tensor<4x40xf32>
  %sm = linalg.softmax dimension(1) ins(%x : tensor<4x40xf32>) outs(%e : tensor<4x40xf32>) -> tensor<4x40xf32>
  return %sm : tensor<4x40xf32>
}

func.func @sampler_sum(%k: !sto.key, %x: tensor<4x40xf32>) -> tensor<4xf32> {
  %y = sto.gumbel_softmax %k, %x {axis = 1 : i64, tau = 5.000000e-01 : f64} : tensor<4x40xf32>
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4xf32>
  %i = linalg.fill ins(%z : f32) outs(%e : tensor<4xf32>) -> tensor<4xf32>
  %r = linalg.reduce ins(%y : tensor<4x40xf32>) outs(%i : tensor<4xf32>) dimensions = [1]
    (%a: f32, %b: f32) {
      %s = arith.addf %a, %b : f32
      linalg.yield %s : f32
    }
  return %r : tensor<4xf32>
}
