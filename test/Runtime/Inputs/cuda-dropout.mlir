// Input of cuda-object-without-driver.test.
func.func @dropout(%s: i64, %x: tensor<1024x256xf32>) -> tensor<1024x256xf32> {
  %k = sto.seed %s : i64
  %y = sto.dropout %k, %x {rate = 1.0e-01 : f64} : tensor<1024x256xf32>
  return %y : tensor<1024x256xf32>
}
