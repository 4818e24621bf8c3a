// The CPU pipeline's one loop hint: the loop that computes a chunk's random
// values (sto-stage-random-values) asks LLVM to interleave two vector
// iterations. SCFToControlFlow leaves the scf.for's llvm.loop_annotation on
// the latch branch as a discardable attribute, which the translation to
// LLVM IR ignores; the pipeline makes it the branch's own loop_annotation,
// which becomes !llvm.loop metadata with llvm.loop.interleave.count 2.
//
// RUN: sto-compile %s --compile-to=llvm | FileCheck %s
// RUN: sto-compile %s --compile-to=llvm | mlir-translate --mlir-to-llvmir | FileCheck %s --check-prefix=IR
//
// Box-Muller's sqrt and the polynomials' fma stay LLVM intrinsics (vector
// instructions): only math without one calls libm (sto-libm-for-unexpanded-
// math). Upstream's convert-math-to-libm made them scalar calls of sqrtf
// and fmaf, and the kernel 70 times slower.
// RUN: sto-compile %s --compile-to=llvm | FileCheck %s --check-prefix=INTR
// INTR-NOT:    llvm.call @{{(sqrtf|fmaf|sqrt|fma)}}(
// INTR:        llvm.intr.sqrt
// INTR-NOT:    llvm.call @{{(sqrtf|fmaf|sqrt|fma)}}(

// CHECK-DAG:   #[[INTERLEAVE:.+]] = #llvm.loop_interleave<count = 2 : i32>
// CHECK-DAG:   #[[ANN:.+]] = #llvm.loop_annotation<interleave = #[[INTERLEAVE]]>
// CHECK-LABEL: llvm.func internal @__sto_impl_noisy(
// CHECK:         llvm.br ^{{.+}} {loop_annotation = #[[ANN]]}
// CHECK-NOT:     llvm.loop_annotation

// IR:          br label %{{.+}}, !llvm.loop ![[LOOP:[0-9]+]]
// IR:          ![[LOOP]] = distinct !{![[LOOP]], ![[COUNT:[0-9]+]]}
// IR:          ![[COUNT]] = !{!"llvm.loop.interleave.count", i32 2}
func.func @noisy(%k: !sto.key, %x: tensor<4096xf32>) -> tensor<4096xf32> {
  %y = sto.noise %k, %x {scale = 2.5e-01 : f64} : tensor<4096xf32>
  return %y : tensor<4096xf32>
}
