// A public function whose name is a C keyword: its entry point cannot exist.
func.func @int(%x: tensor<4xf32>) -> tensor<4xf32> {
  return %x : tensor<4xf32>
}
