func.func @r0(%s: i64) -> tensor<f32> {
  %k = sto.seed %s : i64
  %u = sto.uniform %k : tensor<f32>
  return %u : tensor<f32>
}
