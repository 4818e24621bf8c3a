// RUN: sto-opt %s --sto-fuse-elementwise -split-input-file | FileCheck %s

// Elementwise fusion as upstream's linalg-fuse-elementwise-ops, plus the
// fusion of an elementwise producer whose result has other uses: the fused
// op yields the producer's result too and the other uses read it from
// there, so the producer's work is done once. Producers with a reduction,
// and fusions that would put the fused op after a use of the producer it
// cannot move past, are left alone.

#id = affine_map<(d0) -> (d0)>

// A single-use producer fuses (upstream behaviour).

// CHECK-LABEL: func.func @single_use(
// CHECK:         %[[F:.+]] = linalg.generic
// CHECK:           %[[S:.+]] = arith.addf
// CHECK-NEXT:      %[[E:.+]] = math.exp %[[S]]
// CHECK-NEXT:      linalg.yield %[[E]] : f32
// CHECK-NEXT:    } -> tensor<8xf32>
// CHECK-NOT:     linalg.generic
// CHECK:         return %[[F]]
func.func @single_use(%a: tensor<8xf32>, %b: tensor<8xf32>) -> tensor<8xf32> {
  %e = tensor.empty() : tensor<8xf32>
  %p = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel"]}
      ins(%a, %b : tensor<8xf32>, tensor<8xf32>) outs(%e : tensor<8xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %s = arith.addf %x, %y : f32
    linalg.yield %s : f32
  } -> tensor<8xf32>
  %c = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%p : tensor<8xf32>) outs(%e : tensor<8xf32>) {
  ^bb0(%x: f32, %o: f32):
    %s = math.exp %x : f32
    linalg.yield %s : f32
  } -> tensor<8xf32>
  return %c : tensor<8xf32>
}

// -----

// The producer's result is also returned: one loop nest computes both, and
// the return takes the producer's value from the fused op (upstream leaves
// two loop nests here).

#id = affine_map<(d0) -> (d0)>

// CHECK-LABEL: func.func @multi_use(
// CHECK-NOT:     linalg.generic
// CHECK:         %[[F:.+]]:2 = linalg.generic
// CHECK-SAME:      ins(%{{.+}}, %{{.+}} : tensor<8xf32>, tensor<8xf32>)
// CHECK:           %[[S:.+]] = arith.addf
// CHECK-NEXT:      %[[E:.+]] = math.exp %[[S]]
// CHECK-NEXT:      linalg.yield %[[S]], %[[E]] : f32, f32
// CHECK-NEXT:    } -> (tensor<8xf32>, tensor<8xf32>)
// CHECK-NOT:     linalg.generic
// CHECK:         return %[[F]]#1, %[[F]]#0
func.func @multi_use(%a: tensor<8xf32>, %b: tensor<8xf32>) -> (tensor<8xf32>, tensor<8xf32>) {
  %e = tensor.empty() : tensor<8xf32>
  %p = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel"]}
      ins(%a, %b : tensor<8xf32>, tensor<8xf32>) outs(%e : tensor<8xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %s = arith.addf %x, %y : f32
    linalg.yield %s : f32
  } -> tensor<8xf32>
  %c = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%p : tensor<8xf32>) outs(%e : tensor<8xf32>) {
  ^bb0(%x: f32, %o: f32):
    %s = math.exp %x : f32
    linalg.yield %s : f32
  } -> tensor<8xf32>
  return %c, %p : tensor<8xf32>, tensor<8xf32>
}

// -----

// A consumer that reads a multi-use producer through two different maps (a
// transposed and a direct read) is not fused with it: the fused op would
// keep the direct read of the producer, and replacing the producer's result
// made it read its own result (a returned value came out transposed).
// CHECK-LABEL: func.func @consumer_reads_twice_transposed(
// CHECK:         %[[P:.+]] = linalg.generic
// CHECK:           arith.addf
// CHECK:         %[[C:.+]] = linalg.generic
// CHECK-SAME:      ins(%[[P]], %[[P]] :
// CHECK:         return %[[P]], %[[C]]
#id2 = affine_map<(d0, d1) -> (d0, d1)>
#tr2 = affine_map<(d0, d1) -> (d1, d0)>
func.func @consumer_reads_twice_transposed(%a: tensor<3x3xf32>) -> (tensor<3x3xf32>, tensor<3x3xf32>) {
  %e = tensor.empty() : tensor<3x3xf32>
  %p = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%a : tensor<3x3xf32>) outs(%e : tensor<3x3xf32>) {
  ^bb0(%x: f32, %o: f32):
    %s = arith.addf %x, %x : f32
    linalg.yield %s : f32
  } -> tensor<3x3xf32>
  %c = linalg.generic {indexing_maps = [#tr2, #id2, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%p, %p : tensor<3x3xf32>, tensor<3x3xf32>) outs(%e : tensor<3x3xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %s = arith.addf %x, %y : f32
    linalg.yield %s : f32
  } -> tensor<3x3xf32>
  return %p, %c : tensor<3x3xf32>, tensor<3x3xf32>
}

// -----

// A producer with two results: the consumer reads the first, the return the
// second. The fused op keeps the second (subf) and drops the first, which
// only the consumer read.

#id = affine_map<(d0) -> (d0)>

// CHECK-LABEL: func.func @two_results(
// CHECK-NOT:     linalg.generic
// CHECK:         %[[F:.+]]:2 = linalg.generic
// CHECK:           %[[S:.+]] = arith.addf %[[X:.+]], %[[Y:.+]] : f32
// CHECK-NEXT:      %[[D:.+]] = arith.subf %[[X]], %[[Y]] : f32
// CHECK-NEXT:      %[[E:.+]] = math.exp %[[S]]
// CHECK-NEXT:      linalg.yield %[[D]], %[[E]] : f32, f32
// CHECK-NOT:     linalg.generic
// CHECK:         return %[[F]]#1, %[[F]]#0
func.func @two_results(%a: tensor<8xf32>, %b: tensor<8xf32>) -> (tensor<8xf32>, tensor<8xf32>) {
  %e = tensor.empty() : tensor<8xf32>
  %p:2 = linalg.generic {indexing_maps = [#id, #id, #id, #id], iterator_types = ["parallel"]}
      ins(%a, %b : tensor<8xf32>, tensor<8xf32>) outs(%e, %e : tensor<8xf32>, tensor<8xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32, %o2: f32):
    %s = arith.addf %x, %y : f32
    %d = arith.subf %x, %y : f32
    linalg.yield %s, %d : f32, f32
  } -> (tensor<8xf32>, tensor<8xf32>)
  %c = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%p#0 : tensor<8xf32>) outs(%e : tensor<8xf32>) {
  ^bb0(%x: f32, %o: f32):
    %s = math.exp %x : f32
    linalg.yield %s : f32
  } -> tensor<8xf32>
  return %c, %p#1 : tensor<8xf32>, tensor<8xf32>
}

// -----

// Two consumers of one producer: everything ends in one loop nest, the
// producer's body once, and its result, used by nothing else, not yielded.

#id = affine_map<(d0) -> (d0)>

// CHECK-LABEL: func.func @two_consumers(
// CHECK-NOT:     linalg.generic
// CHECK:         %[[F:.+]]:2 = linalg.generic
// CHECK:           %[[S:.+]] = arith.addf
// CHECK-NOT:       arith.addf
// CHECK-DAG:       %[[E:.+]] = math.exp %[[S]]
// CHECK-DAG:       %[[L:.+]] = math.log %[[S]]
// CHECK:           linalg.yield %[[E]], %[[L]] : f32, f32
// CHECK-NEXT:    } -> (tensor<8xf32>, tensor<8xf32>)
// CHECK-NOT:     linalg.generic
// CHECK:         return %[[F]]#0, %[[F]]#1
func.func @two_consumers(%a: tensor<8xf32>, %b: tensor<8xf32>) -> (tensor<8xf32>, tensor<8xf32>) {
  %e = tensor.empty() : tensor<8xf32>
  %p = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel"]}
      ins(%a, %b : tensor<8xf32>, tensor<8xf32>) outs(%e : tensor<8xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %s = arith.addf %x, %y : f32
    linalg.yield %s : f32
  } -> tensor<8xf32>
  %c = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%p : tensor<8xf32>) outs(%e : tensor<8xf32>) {
  ^bb0(%x: f32, %o: f32):
    %s = math.exp %x : f32
    linalg.yield %s : f32
  } -> tensor<8xf32>
  %d = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%p : tensor<8xf32>) outs(%e : tensor<8xf32>) {
  ^bb0(%x: f32, %o: f32):
    %s = math.log %x : f32
    linalg.yield %s : f32
  } -> tensor<8xf32>
  return %c, %d : tensor<8xf32>, tensor<8xf32>
}

// -----

// A producer with a reduction is not elementwise: neither with a second use
// nor with a single one does it fuse.

#id = affine_map<(d0) -> (d0)>
#id2 = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d0)>

// CHECK-LABEL: func.func @reduction_producer_multi_use(
// CHECK:         %[[R:.+]] = linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]
// CHECK:           arith.addf
// CHECK:         %[[C:.+]] = linalg.generic {{.*}} ins(%[[R]] : tensor<8xf32>)
// CHECK-NOT:       arith.addf
// CHECK:           math.exp
// CHECK:         return %[[C]], %[[R]]
func.func @reduction_producer_multi_use(%a: tensor<8x4xf32>) -> (tensor<8xf32>, tensor<8xf32>) {
  %e = tensor.empty() : tensor<8xf32>
  %z = arith.constant 0.0 : f32
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<8xf32>) -> tensor<8xf32>
  %p = linalg.generic {indexing_maps = [#id2, #row], iterator_types = ["parallel", "reduction"]}
      ins(%a : tensor<8x4xf32>) outs(%f : tensor<8xf32>) {
  ^bb0(%x: f32, %o: f32):
    %s = arith.addf %x, %o : f32
    linalg.yield %s : f32
  } -> tensor<8xf32>
  %c = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%p : tensor<8xf32>) outs(%e : tensor<8xf32>) {
  ^bb0(%x: f32, %o: f32):
    %s = math.exp %x : f32
    linalg.yield %s : f32
  } -> tensor<8xf32>
  return %c, %p : tensor<8xf32>, tensor<8xf32>
}

// CHECK-LABEL: func.func @reduction_producer_single_use(
// CHECK:         %[[R:.+]] = linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]
// CHECK:         %[[C:.+]] = linalg.generic {{.*}} ins(%[[R]] : tensor<8xf32>)
// CHECK:         return %[[C]]
func.func @reduction_producer_single_use(%a: tensor<8x4xf32>) -> tensor<8xf32> {
  %e = tensor.empty() : tensor<8xf32>
  %z = arith.constant 0.0 : f32
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<8xf32>) -> tensor<8xf32>
  %p = linalg.generic {indexing_maps = [#id2, #row], iterator_types = ["parallel", "reduction"]}
      ins(%a : tensor<8x4xf32>) outs(%f : tensor<8xf32>) {
  ^bb0(%x: f32, %o: f32):
    %s = arith.addf %x, %o : f32
    linalg.yield %s : f32
  } -> tensor<8xf32>
  %c = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%p : tensor<8xf32>) outs(%e : tensor<8xf32>) {
  ^bb0(%x: f32, %o: f32):
    %s = math.exp %x : f32
    linalg.yield %s : f32
  } -> tensor<8xf32>
  return %c : tensor<8xf32>
}

// -----

// The fused op takes the consumer's place. A use of the producer between
// them that has effects (a call) cannot move below it, so nothing fuses:
// fusing would leave the call reading a value defined after it.

#id = affine_map<(d0) -> (d0)>

func.func private @use(tensor<8xf32>)

// CHECK-LABEL: func.func @impure_use_before_consumer(
// CHECK:         %[[P:.+]] = linalg.generic
// CHECK:           arith.addf
// CHECK:         call @use(%[[P]])
// CHECK:         %[[C:.+]] = linalg.generic {{.*}} ins(%[[P]] : tensor<8xf32>)
// CHECK-NOT:       arith.addf
// CHECK:           math.exp
// CHECK:         return %[[C]]
func.func @impure_use_before_consumer(%a: tensor<8xf32>, %b: tensor<8xf32>) -> tensor<8xf32> {
  %e = tensor.empty() : tensor<8xf32>
  %p = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel"]}
      ins(%a, %b : tensor<8xf32>, tensor<8xf32>) outs(%e : tensor<8xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %s = arith.addf %x, %y : f32
    linalg.yield %s : f32
  } -> tensor<8xf32>
  func.call @use(%p) : (tensor<8xf32>) -> ()
  %c = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%p : tensor<8xf32>) outs(%e : tensor<8xf32>) {
  ^bb0(%x: f32, %o: f32):
    %s = math.exp %x : f32
    linalg.yield %s : f32
  } -> tensor<8xf32>
  return %c : tensor<8xf32>
}

// -----

// A pure use before the consumer (a reshape for a return) whose own uses
// come after it moves below the fused op and reads its result.

#id = affine_map<(d0) -> (d0)>

// CHECK-LABEL: func.func @pure_use_sinks(
// CHECK-NOT:     tensor.expand_shape
// CHECK:         %[[F:.+]]:2 = linalg.generic
// CHECK:           linalg.yield
// CHECK-NEXT:    } -> (tensor<8xf32>, tensor<8xf32>)
// CHECK-NEXT:    %[[R:.+]] = tensor.expand_shape %[[F]]#0 {{\[\[}}0, 1]] output_shape [2, 4]
// CHECK-NEXT:    return %[[F]]#1, %[[R]]
func.func @pure_use_sinks(%a: tensor<8xf32>, %b: tensor<8xf32>) -> (tensor<8xf32>, tensor<2x4xf32>) {
  %e = tensor.empty() : tensor<8xf32>
  %p = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel"]}
      ins(%a, %b : tensor<8xf32>, tensor<8xf32>) outs(%e : tensor<8xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %s = arith.addf %x, %y : f32
    linalg.yield %s : f32
  } -> tensor<8xf32>
  %r = tensor.expand_shape %p [[0, 1]] output_shape [2, 4] : tensor<8xf32> into tensor<2x4xf32>
  %c = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%p : tensor<8xf32>) outs(%e : tensor<8xf32>) {
  ^bb0(%x: f32, %o: f32):
    %s = math.exp %x : f32
    linalg.yield %s : f32
  } -> tensor<8xf32>
  return %c, %r : tensor<8xf32>, tensor<2x4xf32>
}

// -----

// A pure use before the consumer whose result the consumer itself needs
// (through an insert_slice) cannot move below it: no fusion.

#id = affine_map<(d0) -> (d0)>

// CHECK-LABEL: func.func @pure_use_needed_before(
// CHECK:         %[[P:.+]] = linalg.generic
// CHECK:           arith.addf
// CHECK:         %[[S:.+]] = tensor.extract_slice %[[P]]
// CHECK:         %[[W:.+]] = tensor.insert_slice %[[S]]
// CHECK:         %[[C:.+]] = linalg.generic {{.*}} ins(%[[P]], %[[W]] : tensor<8xf32>, tensor<8xf32>)
// CHECK-NOT:       arith.addf
// CHECK:           arith.mulf
// CHECK:         return %[[C]], %[[W]]
func.func @pure_use_needed_before(%a: tensor<8xf32>, %b: tensor<8xf32>) -> (tensor<8xf32>, tensor<8xf32>) {
  %e = tensor.empty() : tensor<8xf32>
  %p = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel"]}
      ins(%a, %b : tensor<8xf32>, tensor<8xf32>) outs(%e : tensor<8xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %s = arith.addf %x, %y : f32
    linalg.yield %s : f32
  } -> tensor<8xf32>
  %q = tensor.extract_slice %p[0] [4] [1] : tensor<8xf32> to tensor<4xf32>
  %w = tensor.insert_slice %q into %a[4] [4] [1] : tensor<4xf32> into tensor<8xf32>
  %c = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel"]}
      ins(%p, %w : tensor<8xf32>, tensor<8xf32>) outs(%e : tensor<8xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %s = arith.mulf %x, %y : f32
    linalg.yield %s : f32
  } -> tensor<8xf32>
  return %c, %w : tensor<8xf32>, tensor<8xf32>
}

// -----

// The other use is in a nested region: not fused (it is after the consumer
// here, but the pass only moves and reroutes uses in the consumer's block).

#id = affine_map<(d0) -> (d0)>

// CHECK-LABEL: func.func @use_in_region(
// CHECK:         %[[P:.+]] = linalg.generic
// CHECK:           arith.addf
// CHECK:         %[[C:.+]] = linalg.generic {{.*}} ins(%[[P]] : tensor<8xf32>)
// CHECK:         scf.if
// CHECK-NEXT:      scf.yield %[[P]]
func.func @use_in_region(%a: tensor<8xf32>, %b: tensor<8xf32>, %cond: i1) -> (tensor<8xf32>, tensor<8xf32>) {
  %e = tensor.empty() : tensor<8xf32>
  %p = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel"]}
      ins(%a, %b : tensor<8xf32>, tensor<8xf32>) outs(%e : tensor<8xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %s = arith.addf %x, %y : f32
    linalg.yield %s : f32
  } -> tensor<8xf32>
  %c = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%p : tensor<8xf32>) outs(%e : tensor<8xf32>) {
  ^bb0(%x: f32, %o: f32):
    %s = math.exp %x : f32
    linalg.yield %s : f32
  } -> tensor<8xf32>
  %r = scf.if %cond -> tensor<8xf32> {
    scf.yield %p : tensor<8xf32>
  } else {
    scf.yield %a : tensor<8xf32>
  }
  return %c, %r : tensor<8xf32>, tensor<8xf32>
}

// -----

// A consumer reading the producer twice and a third use: the body is fused
// once and the returned value comes from the fused op.

#id = affine_map<(d0) -> (d0)>

// CHECK-LABEL: func.func @consumer_reads_twice(
// CHECK-NOT:     linalg.generic
// CHECK:         %[[F:.+]]:2 = linalg.generic
// CHECK:           %[[S:.+]] = arith.addf
// CHECK-NEXT:      %[[M:.+]] = arith.mulf %[[S]], %[[S]]
// CHECK-NEXT:      linalg.yield %[[S]], %[[M]]
// CHECK-NOT:     linalg.generic
// CHECK:         return %[[F]]#1, %[[F]]#0
func.func @consumer_reads_twice(%a: tensor<8xf32>, %b: tensor<8xf32>) -> (tensor<8xf32>, tensor<8xf32>) {
  %e = tensor.empty() : tensor<8xf32>
  %p = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel"]}
      ins(%a, %b : tensor<8xf32>, tensor<8xf32>) outs(%e : tensor<8xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %s = arith.addf %x, %y : f32
    linalg.yield %s : f32
  } -> tensor<8xf32>
  %c = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel"]}
      ins(%p, %p : tensor<8xf32>, tensor<8xf32>) outs(%e : tensor<8xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %s = arith.mulf %x, %y : f32
    linalg.yield %s : f32
  } -> tensor<8xf32>
  return %c, %p : tensor<8xf32>, tensor<8xf32>
}

// -----

// A reshape (a blocked sampler's 4-lane split, say) is not propagated into
// a named contraction: the matmul stays a linalg.matmul for the library call
// of the CUDA pipeline (sto-matmul-to-cublas) instead of becoming a 4-D
// linalg.generic.
// CHECK-LABEL: func.func @matmul_keeps_its_form(
// CHECK:         %[[MM:.+]] = linalg.matmul
// CHECK-SAME:      -> tensor<8x32xf32>
// CHECK:         %[[E:.+]] = tensor.expand_shape %[[MM]] {{\[\[}}0], [1, 2]]
// CHECK:         linalg.generic
// CHECK-SAME:      ins(%[[E]] : tensor<8x8x4xf32>)
#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
func.func @matmul_keeps_its_form(%a: tensor<8x16xf32>, %b: tensor<16x32xf32>, %c: tensor<8x32xf32>) -> tensor<8x8x4xf32> {
  %mm = linalg.matmul ins(%a, %b : tensor<8x16xf32>, tensor<16x32xf32>) outs(%c : tensor<8x32xf32>) -> tensor<8x32xf32>
  %e = tensor.expand_shape %mm [[0], [1, 2]] output_shape [8, 8, 4] : tensor<8x32xf32> into tensor<8x8x4xf32>
  %init = tensor.empty() : tensor<8x8x4xf32>
  %r = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%e : tensor<8x8x4xf32>) outs(%init : tensor<8x8x4xf32>) {
  ^bb0(%x: f32, %o: f32):
    %n = arith.negf %x : f32
    linalg.yield %n : f32
  } -> tensor<8x8x4xf32>
  return %r : tensor<8x8x4xf32>
}

// -----

// A consumer that reads the producer's result broadcast ([T] read as
// [T, k]) would run the producer's body k times per element (a top-k
// gate's whole selection, say): no fusion, neither with one use nor with
// several.

#t = affine_map<(t, j) -> (t)>
#tj = affine_map<(t, j) -> (t, j)>
// CHECK-LABEL: func.func @broadcast_read(
// CHECK:         %[[P:.+]] = linalg.generic {{.*}} iterator_types = ["parallel"]
// CHECK:           math.exp
// CHECK:         linalg.generic {{.*}} ins(%[[P]] : tensor<64xf32>)
// CHECK-NOT:       math.exp
// CHECK:         %[[Q:.+]] = linalg.generic {{.*}} iterator_types = ["parallel"]
// CHECK:           math.log
// CHECK:         linalg.generic {{.*}} ins(%[[Q]] : tensor<64xf32>)
// CHECK-NOT:       math.log
// CHECK:         return %{{.+}}, %{{.+}}, %[[Q]]
func.func @broadcast_read(%x: tensor<64xf32>) -> (tensor<64x2xf32>, tensor<64x2xf32>, tensor<64xf32>) {
  %e = tensor.empty() : tensor<64xf32>
  %e2 = tensor.empty() : tensor<64x2xf32>
  %p = linalg.generic {indexing_maps = [affine_map<(t) -> (t)>, affine_map<(t) -> (t)>],
                       iterator_types = ["parallel"]}
      ins(%x : tensor<64xf32>) outs(%e : tensor<64xf32>) {
  ^bb0(%a: f32, %o: f32):
    %v = math.exp %a : f32
    linalg.yield %v : f32
  } -> tensor<64xf32>
  %r = linalg.generic {indexing_maps = [#t, #tj], iterator_types = ["parallel", "parallel"]}
      ins(%p : tensor<64xf32>) outs(%e2 : tensor<64x2xf32>) {
  ^bb0(%a: f32, %o: f32):
    %v = arith.negf %a : f32
    linalg.yield %v : f32
  } -> tensor<64x2xf32>
  %q:2 = linalg.generic {indexing_maps = [affine_map<(t) -> (t)>, affine_map<(t) -> (t)>, affine_map<(t) -> (t)>],
                         iterator_types = ["parallel"]}
      ins(%x : tensor<64xf32>) outs(%e, %e : tensor<64xf32>, tensor<64xf32>) {
  ^bb0(%a: f32, %o: f32, %o2: f32):
    %v = math.log %a : f32
    linalg.yield %v, %v : f32, f32
  } -> (tensor<64xf32>, tensor<64xf32>)
  %s = linalg.generic {indexing_maps = [#t, #tj], iterator_types = ["parallel", "parallel"]}
      ins(%q#0 : tensor<64xf32>) outs(%e2 : tensor<64x2xf32>) {
  ^bb0(%a: f32, %o: f32):
    %v = arith.negf %a : f32
    linalg.yield %v : f32
  } -> tensor<64x2xf32>
  return %r, %s, %q#1 : tensor<64x2xf32>, tensor<64x2xf32>, tensor<64xf32>
}

// -----

// A reshape is not propagated into a model's own reduction (marked
// sto.user_reduction): a sampler's [rows, n/4, 4] blocks would split its
// reduction loop and put the sampling inside the 16-lane sum, where every
// element would recompute its block. Without the mark the reshape moves and
// the two fuse.

#b3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#id2r = affine_map<(d0, d1) -> (d0, d1)>
#row2r = affine_map<(d0, d1) -> (d0)>

// CHECK-LABEL: func.func @blocks_into_user_reduction(
// CHECK:         %[[P:.+]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel"]
// CHECK:         %[[C:.+]] = tensor.collapse_shape %[[P]]
// CHECK:         linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]
// CHECK-SAME:        ins(%[[C]] :
// CHECK-LABEL: func.func @blocks_into_other_reduction(
// CHECK-NOT:     tensor.collapse_shape
// CHECK:         linalg.generic {{.*}} iterator_types = ["parallel", "reduction", "reduction"]
// CHECK-NOT:     linalg.generic
func.func @blocks_into_user_reduction(%x: tensor<4x10x4xf32>, %init: tensor<4xf32>) -> tensor<4xf32> {
  %e = tensor.empty() : tensor<4x10x4xf32>
  %p = linalg.generic {indexing_maps = [#b3, #b3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%x : tensor<4x10x4xf32>) outs(%e : tensor<4x10x4xf32>) {
  ^bb0(%a: f32, %o: f32):
    %n = arith.negf %a : f32
    linalg.yield %n : f32
  } -> tensor<4x10x4xf32>
  %c = tensor.collapse_shape %p [[0], [1, 2]] : tensor<4x10x4xf32> into tensor<4x40xf32>
  %r = linalg.generic {indexing_maps = [#id2r, #row2r], iterator_types = ["parallel", "reduction"]}
      ins(%c : tensor<4x40xf32>) outs(%init : tensor<4xf32>) attrs = {sto.user_reduction} {
  ^bb0(%a: f32, %acc: f32):
    %s = arith.addf %acc, %a : f32
    linalg.yield %s : f32
  } -> tensor<4xf32>
  return %r : tensor<4xf32>
}

func.func @blocks_into_other_reduction(%x: tensor<4x10x4xf32>, %init: tensor<4xf32>) -> tensor<4xf32> {
  %e = tensor.empty() : tensor<4x10x4xf32>
  %p = linalg.generic {indexing_maps = [#b3, #b3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%x : tensor<4x10x4xf32>) outs(%e : tensor<4x10x4xf32>) {
  ^bb0(%a: f32, %o: f32):
    %n = arith.negf %a : f32
    linalg.yield %n : f32
  } -> tensor<4x10x4xf32>
  %c = tensor.collapse_shape %p [[0], [1, 2]] : tensor<4x10x4xf32> into tensor<4x40xf32>
  %r = linalg.generic {indexing_maps = [#id2r, #row2r], iterator_types = ["parallel", "reduction"]}
      ins(%c : tensor<4x40xf32>) outs(%init : tensor<4xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %s = arith.addf %acc, %a : f32
    linalg.yield %s : f32
  } -> tensor<4xf32>
  return %r : tensor<4xf32>
}
