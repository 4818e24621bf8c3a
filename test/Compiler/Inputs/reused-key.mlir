// A key consumed twice: sto-compile rejects the module (sto-verify-keys).
func.func @reuse(%k: !sto.key, %x: tensor<8xf32>) -> tensor<8xf32> {
  %a = sto.dropout %k, %x {rate = 1.0e-01 : f64} : tensor<8xf32>
  %b = sto.noise %k, %a {scale = 1.0e-01 : f64} : tensor<8xf32>
  return %b : tensor<8xf32>
}
