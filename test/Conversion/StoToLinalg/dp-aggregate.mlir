// RUN: sto-opt %s --convert-sto-to-linalg=dp-row-groups=true | FileCheck %s --check-prefix=CPU
// RUN: sto-opt %s --convert-sto-to-linalg | FileCheck %s --check-prefix=GPU
// RUN: sto-opt %s --sto-cpu-pipeline -o /dev/null

// dp_aggregate with rows a multiple of 64: squared norms in 16 lanes per
// segment of 4096 elements, the segments' lanes added in order, clip
// factors, clipped sum in tiles of 64, then the noise. Both forms keep every
// sum's order (docs/Randomness.md); tests/Integration/CPU/reductions.mlir
// checks their bits.
//
// CPU form (dp-row-groups): 256 rows of 256 KiB go through in groups of 4
// (1 MiB, cached between the norms and the sum). Threads take the segments
// (loops s, b / 4, k, b mod 4, lane: four rows' chains side by side): each
// one re-reads for the sum the columns it loaded; the lanes are the inner
// (vectorized) loops.
// CPU-DAG:     #[[SEGIN:.+]] = affine_map<(d0, d1, d2, d3, d4) -> (d1, d3, d0, d2, d4)>
// CPU-DAG:     #[[SEGOUT:.+]] = affine_map<(d0, d1, d2, d3, d4) -> (d1, d3, d0, d4)>
// CPU-DAG:     #[[ROWSIN:.+]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d3, d1, d2, d4)>
// CPU-LABEL: func.func @big(
// CPU:         %[[ACC:.+]] = linalg.fill {{.*}} -> tensor<1024x64xf32>
// CPU:         %[[SUM:.+]] = scf.for %[[B:.+]] = %{{.+}} to %{{.+}} step %[[C4:[^ ]+]] iter_args(%[[A:.+]] = %[[ACC]]) -> (tensor<1024x64xf32>)
// CPU:           %[[ROWS:.+]] = tensor.extract_slice %{{.+}}[%[[B]], 0] [4, 65536] [1, 1] : tensor<256x65536xf32> to tensor<4x65536xf32>
// CPU:           %[[SEGS:.+]] = tensor.expand_shape %[[ROWS]] {{\[}}[0], [1, 2, 3]] output_shape [4, 16, 256, 16]
// CPU:           %[[SEGS5:.+]] = tensor.expand_shape %[[SEGS]] {{\[}}[0, 1], [2], [3], [4]] output_shape [1, 4, 16, 256, 16]
// CPU:           %[[P5:.+]] = linalg.generic {indexing_maps = [#[[SEGIN]], #[[SEGOUT]]], iterator_types = ["parallel", "parallel", "reduction", "parallel", "parallel"]} ins(%[[SEGS5]] : tensor<1x4x16x256x16xf32>) outs(%{{.+}} : tensor<1x4x16x16xf32>)
// CPU:             math.fma
// CPU:           %[[P:.+]] = tensor.collapse_shape %[[P5]] {{\[}}[0, 1], [2], [3]]
// CPU:           linalg.generic {{.*}} iterator_types = ["parallel", "reduction", "parallel"]} ins(%[[P]] : tensor<4x16x16xf32>) outs(%{{.+}} : tensor<4x16xf32>)
// CPU:             arith.addf
// CPU:           linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]}
// CPU:           %[[F:.+]] = linalg.generic {{.*}} iterator_types = ["parallel"]} ins(%{{.+}} : tensor<4xf32>)
// CPU:             math.sqrt
// CPU:           %[[NEW:.+]] = linalg.generic {{.*}} iterator_types = ["parallel", "reduction", "parallel"]} ins(%{{.+}}, %[[F]] : tensor<4x1024x64xf32>, tensor<4xf32>) outs(%[[A]] : tensor<1024x64xf32>)
// CPU:             math.fma
// CPU:           scf.yield %[[NEW]]
// CPU:         tensor.collapse_shape %[[SUM]]
// Small inputs (here 4 KiB) are one group: no loop. A row of one segment
// or less has its 16 lanes only.
// CPU-LABEL: func.func @small(
// CPU-NOT:     scf.for
// CPU:         iterator_types = ["parallel", "reduction", "parallel"]} ins(%{{.+}} : tensor<8x8x16xf32>)
// CPU:         return
// A row of one segment (fewer than two): threads take the rows (loops
// b / 4, s, k, b mod 4, lane), four rows' chains side by side.
// CPU-LABEL: func.func @one_segment(
// CPU:         linalg.generic {indexing_maps = [#[[ROWSIN]], {{.*}}], iterator_types = ["parallel", "parallel", "reduction", "parallel", "parallel"]} ins(%{{.+}} : tensor<2x4x1x256x16xf32>) outs(%{{.+}} : tensor<2x4x1x16xf32>)
// A row of two segments and a tail of 64 elements (8256 = 2 x 4096 + 64):
// the tail's lanes are added after the segments', as a last segment.
// CPU-LABEL: func.func @tail(
// CPU:         %[[T:.+]] = tensor.extract_slice %{{.+}}[0, 0] [8, 8192] [1, 1] : tensor<8x8256xf32> to tensor<8x8192xf32>
// CPU:         tensor.expand_shape %[[T]] {{\[}}[0], [1, 2, 3]] output_shape [8, 2, 256, 16]
// CPU:         %[[P5:.+]] = linalg.generic {{.*}} ins(%{{.+}} : tensor<2x4x2x256x16xf32>) outs(%{{.+}} : tensor<2x4x2x16xf32>)
// CPU:         %[[P:.+]] = tensor.collapse_shape %[[P5]]
// CPU:         %[[S:.+]] = linalg.generic {{.*}} ins(%[[P]] : tensor<8x2x16xf32>) outs(%{{.+}} : tensor<8x16xf32>)
// CPU:         %[[R:.+]] = tensor.extract_slice %{{.+}}[0, 8192] [8, 64] [1, 1] : tensor<8x8256xf32> to tensor<8x64xf32>
// CPU:         tensor.expand_shape %[[R]] {{\[}}[0], [1, 2]] output_shape [8, 4, 16]
// CPU:         %[[Q:.+]] = linalg.generic {{.*}} iterator_types = ["parallel", "reduction", "parallel"]} ins(%{{.+}} : tensor<8x4x16xf32>) outs(%{{.+}} : tensor<8x16xf32>)
// CPU:         %[[Q3:.+]] = tensor.expand_shape %[[Q]] {{\[}}[0, 1], [2]] output_shape [8, 1, 16]
// CPU:         linalg.generic {{.*}} iterator_types = ["parallel", "reduction", "parallel"]} ins(%[[Q3]] : tensor<8x1x16xf32>) outs(%[[S]] : tensor<8x16xf32>)

// GPU form: no groups; the parallel dimensions outside the reductions, a
// thread per (row, segment, lane) for the norms and per output for the sum.
// GPU-DAG:   #[[NORMIN:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3, d2)>
// GPU-DAG:   #[[SEGSUM:.+]] = affine_map<(d0, d1, d2) -> (d0, d2, d1)>
// GPU-DAG:   #[[SUMIN:.+]] = affine_map<(d0, d1, d2) -> (d2, d0, d1)>
// GPU-LABEL: func.func @big(
// GPU-NOT:     scf.for
// GPU:         linalg.generic {indexing_maps = [#[[NORMIN]], {{.*}}], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%{{.+}} : tensor<256x16x256x16xf32>)
// GPU:         linalg.generic {indexing_maps = [#[[SEGSUM]], {{.*}}], iterator_types = ["parallel", "parallel", "reduction"]} ins(%{{.+}} : tensor<256x16x16xf32>)
// GPU:         linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]}
// GPU:         linalg.generic {{.*}} iterator_types = ["parallel"]} ins(%{{.+}} : tensor<256xf32>)
// GPU:         linalg.generic {indexing_maps = [#[[SUMIN]], {{.*}}], iterator_types = ["parallel", "parallel", "reduction"]} ins(%{{.+}}, %{{.+}} : tensor<256x1024x64xf32>, tensor<256xf32>)
func.func @big(%k: !sto.key, %g: tensor<256x65536xf32>) -> tensor<65536xf32> {
  %0 = sto.dp_aggregate %k, %g {clip_norm = 1.0 : f64, noise_multiplier = 1.0 : f64} : tensor<256x65536xf32> -> tensor<65536xf32>
  return %0 : tensor<65536xf32>
}
func.func @small(%k: !sto.key, %g: tensor<8x128xf32>) -> tensor<128xf32> {
  %0 = sto.dp_aggregate %k, %g {clip_norm = 1.0 : f64, noise_multiplier = 1.0 : f64} : tensor<8x128xf32> -> tensor<128xf32>
  return %0 : tensor<128xf32>
}
func.func @one_segment(%k: !sto.key, %g: tensor<8x4096xf32>) -> tensor<4096xf32> {
  %0 = sto.dp_aggregate %k, %g {clip_norm = 1.0 : f64, noise_multiplier = 1.0 : f64} : tensor<8x4096xf32> -> tensor<4096xf32>
  return %0 : tensor<4096xf32>
}
func.func @tail(%k: !sto.key, %g: tensor<8x8256xf32>) -> tensor<8256xf32> {
  %0 = sto.dp_aggregate %k, %g {clip_norm = 1.0 : f64, noise_multiplier = 1.0 : f64} : tensor<8x8256xf32> -> tensor<8256xf32>
  return %0 : tensor<8256xf32>
}

// A per-sample size known only at run time: the contract's form depends on
// n, not on the type, so the lowering tests n % 16 at run time: when it is
// 0, 16 lane partial sums per segment of 4096 over [B, n/4096, 256, 16],
// then the tail's [B, (n mod 4096)/16, 16] as the last segment; one
// row-major chain otherwise (both forms, either dp form).
// CPU-LABEL: func.func @dynamic_n(
// CPU:         %[[ROWS:.+]] = tensor.collapse_shape %{{.+}} {{\[}}[0], [1, 2]] : tensor<3x?x4xf32> into tensor<3x?xf32>
// CPU:         %[[N:.+]] = tensor.dim %[[ROWS]], %{{.+}} : tensor<3x?xf32>
// CPU:         %[[REM:.+]] = arith.remui %[[N]], %{{.+}} : index
// CPU:         %[[LANES:.+]] = arith.cmpi eq, %[[REM]], %{{.+}} : index
// CPU:         scf.if %[[LANES]] -> (tensor<3xf32>) {
// CPU:           %[[SEGS:.+]] = arith.divui %{{.+}}, %{{.+}} : index
// CPU:           %[[MAIN:.+]] = arith.muli %[[SEGS]], %{{.+}} : index
// CPU:           tensor.extract_slice %[[ROWS]][0, 0] [3, %[[MAIN]]] [1, 1]
// CPU:           tensor.expand_shape %{{.+}} {{\[}}[0], [1, 2, 3]] output_shape [3, %[[SEGS]], 256, 16] : tensor<3x?xf32> into tensor<3x?x256x16xf32>
// CPU:           linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction", "parallel"]
// CPU:           tensor.extract_slice %[[ROWS]][0, %[[MAIN]]] [3, %{{.+}}] [1, 1]
// CPU:           tensor.expand_shape %{{.+}} {{\[}}[0], [1, 2]] output_shape [3, %{{.+}}, 16] : tensor<3x?xf32> into tensor<3x?x16xf32>
// CPU:           linalg.generic {{.*}} iterator_types = ["parallel", "reduction", "parallel"]
// CPU:         } else {
// CPU:           linalg.generic {{.*}} iterator_types = ["parallel", "reduction", "reduction"]
// CPU:         }
// GPU-LABEL: func.func @dynamic_n(
// GPU:         scf.if
func.func @dynamic_n(%k: !sto.key, %g: tensor<3x?x4xf32>) -> tensor<?x4xf32> {
  %0 = sto.dp_aggregate %k, %g {clip_norm = 1.0 : f64, noise_multiplier = 1.0 : f64} : tensor<3x?x4xf32> -> tensor<?x4xf32>
  return %0 : tensor<?x4xf32>
}

// Per-sample gradients with a static zero dimension next to a dynamic one:
// the result is empty, with no rows to collapse (collapsing [?, 0] into one
// dimension bufferized to an invalid memref.collapse_shape).
// CPU-LABEL: func.func @empty_rows(
// CPU-NOT:     tensor.collapse_shape
// CPU:         %[[D:.+]] = tensor.dim %{{.+}}, %{{.+}} : tensor<3x?x0xf32>
// CPU:         %[[E:.+]] = tensor.empty(%[[D]]) : tensor<?x0xf32>
// CPU:         return %[[E]]
// GPU-LABEL: func.func @empty_rows(
// GPU:         tensor.empty
func.func @empty_rows(%k: !sto.key, %g: tensor<3x?x0xf32>) -> tensor<?x0xf32> {
  %0 = sto.dp_aggregate %k, %g {clip_norm = 1.0 : f64, noise_multiplier = 1.0 : f64} : tensor<3x?x0xf32> -> tensor<?x0xf32>
  return %0 : tensor<?x0xf32>
}
