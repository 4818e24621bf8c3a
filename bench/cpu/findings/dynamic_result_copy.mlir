// Reproducer (bench/cpu, issue #5): a result with a dynamic dimension is computed into
// a temporary and then copied into the caller's out-parameter.
//
//   sto-compile dynamic_result_copy.mlir --compile-to=loops
//
// @scale: memref.alloc(%dim) for the sum, the loop writes it, then
// `scf.if (%dim == dim(%out)) { memref.copy %alloc, %out } else { sto_record_status(7) }`.
// @scale_static writes %out directly (sto-fold-result-copies folds the copy only when
// the allocation is static: lib/Transforms/FoldResultCopies.cpp, "a dynamic result
// keeps its checked copy"). The copy is one more write and read of every result: in
// bench/cpu, moe_dispatch_combine_dyn (a dynamic 16384x1024 output) takes ~15% longer
// than the static moe_dispatch_combine (e.g. 44 against 37 ms on 2 threads).
//
// Suggested fix: the allocation's dynamic sizes are known before the computation
// (here dim 0 of %x); compare them with the out-parameter's sizes at function entry,
// return status 7 there on a mismatch, and let the allocation fold into the
// out-parameter as for static shapes.
func.func @scale(%x: tensor<?x1024xf32>) -> tensor<?x1024xf32> {
  %y = arith.addf %x, %x : tensor<?x1024xf32>
  return %y : tensor<?x1024xf32>
}
func.func @scale_static(%x: tensor<16384x1024xf32>) -> tensor<16384x1024xf32> {
  %y = arith.addf %x, %x : tensor<16384x1024xf32>
  return %y : tensor<16384x1024xf32>
}
