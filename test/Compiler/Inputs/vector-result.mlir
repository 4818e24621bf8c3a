// A public function whose result the C ABI cannot return.
func.func @gives_vector(%x: f32) -> vector<4xf32> {
  %v = vector.broadcast %x : f32 to vector<4xf32>
  return %v : vector<4xf32>
}
