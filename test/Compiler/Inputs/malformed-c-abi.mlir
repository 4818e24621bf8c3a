// A hand-written sto.c_abi whose input is not a type.
func.func @f(%x: tensor<4xf32>) -> tensor<4xf32> attributes {sto.c_abi = {name = "f", inputs = [unit], results = [tensor<4xf32>]}} {
  return %x : tensor<4xf32>
}
