// A small module in the form of bench/gpu/workloads.mlir and bitexact.mlir, for the tests
// of the device check's preparation: a workload of the benchmark, a sampler with an f16
// input and an i1 result, fill hints, and one odd size (4099 elements: a kernel whose
// last thread block checks its bounds).

func.func @noise_add(%x: tensor<4096xf32>, %seed: i64) -> tensor<4096xf32> {
  %k = sto.seed %seed : i64
  %y = sto.noise %k, %x {scale = 2.5e-01 : f64} : tensor<4096xf32>
  return %y : tensor<4096xf32>
}
// fill: arg1=unit
func.func @bernoulli_f16(%k: !sto.key, %p: tensor<8x128xf16>) -> tensor<8x128xi1> {
  %0 = sto.bernoulli %k, %p : tensor<8x128xf16> -> tensor<8x128xi1>
  return %0 : tensor<8x128xi1>
}
func.func @noise_add_odd(%x: tensor<4099xf32>, %seed: i64) -> tensor<4099xf32> {
  %k = sto.seed %seed : i64
  %y = sto.noise %k, %x {scale = 2.5e-01 : f64} : tensor<4099xf32>
  return %y : tensor<4099xf32>
}
