// Reproducer (bench/cpu, issue #5): the CPU pipeline recomputes the whole expert
// selection of sto.topk_gate once per selected expert.
//
// convert-sto-to-linalg lowers topk_gate to a generic over the tokens with 2k results
// of shape [T] (the row's selection loop runs once per token), then a second generic
// over [T, k] that interleaves the k columns into [T, k]. sto-fuse-elementwise
// (FuseMultiUseProducer, lib/Transforms/FuseElementwise.cpp) fuses the first into the
// second although the second reads it through the broadcasting map (t, j) -> (t):
// the fused generic runs over [T, k] and each of its T·k points runs the whole
// scf.for over the E experts. See it with
//   sto-compile topk_gate_recompute.mlir --compile-to=linalg
// (one linalg.generic with iterator_types ["parallel", "parallel"] over 65536x8 whose
// body holds the scf.for over the 256 experts), and that sto-fuse-elementwise is the
// pass that does it (upstream's linalg-fuse-elementwise-ops leaves the 1-D generic):
//   sto-opt --convert-sto-to-linalg --sto-fuse-elementwise topk_gate_recompute.mlir
//   sto-opt --convert-sto-to-linalg --linalg-fuse-elementwise-ops topk_gate_recompute.mlir
// Time grows with k although one pass over a row selects all k: k = 8 costs ~8x
// k = 1 (bench_k.cpp next to this file times gate_k1/k2/k8: 11, 17 and 90 ms on
// 2 threads, 22, 33 and 182 ms on one, 65536 tokens x 256 experts).
//
// Suggested fix: in the control of FuseMultiUseProducer (fuseElementwiseProducer)
// refuse a producer when the consumer's indexing map of the fused operand is not a
// permutation (the fused loop nest would have more points than the producer) or when
// the producer's body holds a loop (scf.for/scf.while) -- or have the lowering write
// the [T, k] results directly (tensor.insert / a [T, k] init with linalg.index 1
// selects inside one generic over T).
func.func @gate_k1(%l: tensor<65536x256xf32>, %b: tensor<256xf32>)
    -> (tensor<65536x1xf32>, tensor<65536x1xi32>) {
  %w, %i = sto.topk_gate %l bias %b {k = 1 : i64, affinity = #sto.affinity<sigmoid>}
      : tensor<65536x256xf32>, tensor<256xf32> -> tensor<65536x1xf32>, tensor<65536x1xi32>
  return %w, %i : tensor<65536x1xf32>, tensor<65536x1xi32>
}
func.func @gate_k2(%l: tensor<65536x256xf32>, %b: tensor<256xf32>)
    -> (tensor<65536x2xf32>, tensor<65536x2xi32>) {
  %w, %i = sto.topk_gate %l bias %b {k = 2 : i64, affinity = #sto.affinity<sigmoid>}
      : tensor<65536x256xf32>, tensor<256xf32> -> tensor<65536x2xf32>, tensor<65536x2xi32>
  return %w, %i : tensor<65536x2xf32>, tensor<65536x2xi32>
}
func.func @gate_k8(%l: tensor<65536x256xf32>, %b: tensor<256xf32>)
    -> (tensor<65536x8xf32>, tensor<65536x8xi32>) {
  %w, %i = sto.topk_gate %l bias %b {k = 8 : i64, affinity = #sto.affinity<sigmoid>}
      : tensor<65536x256xf32>, tensor<256xf32> -> tensor<65536x8xf32>, tensor<65536x8xi32>
  return %w, %i : tensor<65536x8xf32>, tensor<65536x8xi32>
}
