// Input of cublas-matmul.test: products that sto-matmul-to-cublas sends to
// cuBLAS (static, dynamic, transposed B, batched) and an MLP layer.
func.func @mm(%a: tensor<37x129xf32>, %b: tensor<129x53xf32>) -> tensor<37x53xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<37x53xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<37x53xf32>) -> tensor<37x53xf32>
  %r = linalg.matmul ins(%a, %b : tensor<37x129xf32>, tensor<129x53xf32>) outs(%z : tensor<37x53xf32>) -> tensor<37x53xf32>
  return %r : tensor<37x53xf32>
}

func.func @mm_dyn(%a: tensor<?x?xf32>, %b: tensor<?x?xf32>) -> tensor<?x?xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %m = tensor.dim %a, %c0 : tensor<?x?xf32>
  %n = tensor.dim %b, %c1 : tensor<?x?xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty(%m, %n) : tensor<?x?xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<?x?xf32>) -> tensor<?x?xf32>
  %r = linalg.matmul ins(%a, %b : tensor<?x?xf32>, tensor<?x?xf32>) outs(%z : tensor<?x?xf32>) -> tensor<?x?xf32>
  return %r : tensor<?x?xf32>
}

func.func @mm_bt(%a: tensor<16x64xf32>, %bt: tensor<24x64xf32>) -> tensor<16x24xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<16x24xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<16x24xf32>) -> tensor<16x24xf32>
  %r = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
    ins(%a, %bt : tensor<16x64xf32>, tensor<24x64xf32>) outs(%z : tensor<16x24xf32>) -> tensor<16x24xf32>
  return %r : tensor<16x24xf32>
}

func.func @bmm(%a: tensor<3x9x17xf32>, %b: tensor<3x17x11xf32>) -> tensor<3x9x11xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<3x9x11xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<3x9x11xf32>) -> tensor<3x9x11xf32>
  %r = linalg.batch_matmul ins(%a, %b : tensor<3x9x17xf32>, tensor<3x17x11xf32>) outs(%z : tensor<3x9x11xf32>) -> tensor<3x9x11xf32>
  return %r : tensor<3x9x11xf32>
}

// The MLP layer: relu(x * w + b), no randomness, so the host reference is
// simple; the dropout variant is compared with the CPU build elsewhere.
func.func @layer(%x: tensor<64x256xf32>, %w: tensor<256x128xf32>, %b: tensor<128xf32>) -> tensor<64x128xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<64x128xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<64x128xf32>) -> tensor<64x128xf32>
  %mm = linalg.matmul ins(%x, %w : tensor<64x256xf32>, tensor<256x128xf32>) outs(%z : tensor<64x128xf32>) -> tensor<64x128xf32>
  %bb = linalg.broadcast ins(%b : tensor<128xf32>) outs(%e : tensor<64x128xf32>) dimensions = [0]
  %h = arith.addf %mm, %bb : tensor<64x128xf32>
  %zs = linalg.fill ins(%zero : f32) outs(%e : tensor<64x128xf32>) -> tensor<64x128xf32>
  %r = arith.maximumf %h, %zs : tensor<64x128xf32>
  return %r : tensor<64x128xf32>
}
