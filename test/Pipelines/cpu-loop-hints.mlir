// The CPU pipeline's loop hints: the loop that computes a chunk's random
// values (sto-stage-random-values) asks LLVM to interleave two vector
// iterations, and the loop over the chunk's elements four when it holds a
// latency chain (the sigmoid's exp and division; not noise_add's adds).
// SCFToControlFlow leaves the scf.for's llvm.loop_annotation on
// the latch branch as a discardable attribute, which the translation to
// LLVM IR ignores; the pipeline makes it the branch's own loop_annotation,
// which becomes !llvm.loop metadata with llvm.loop.interleave.count 2 and 4.
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
// CHECK-DAG:   #[[INTERLEAVE4:.+]] = #llvm.loop_interleave<count = 4 : i32>
// CHECK-DAG:   #[[ANN:.+]] = #llvm.loop_annotation<interleave = #[[INTERLEAVE]]>
// CHECK-DAG:   #[[ANN4:.+]] = #llvm.loop_annotation<interleave = #[[INTERLEAVE4]]>
// CHECK-LABEL: llvm.func internal @__sto_impl_noisy(
// CHECK:         llvm.br ^{{.+}} {loop_annotation = #[[ANN]]}
// CHECK-NOT:     llvm.loop_annotation
// CHECK-NOT:     loop_annotation = #[[ANN4]]
// CHECK-LABEL: llvm.func internal @__sto_impl_binary(
// CHECK-DAG:     llvm.br ^{{.+}} {loop_annotation = #[[ANN]]}
// CHECK-DAG:     llvm.br ^{{.+}} {loop_annotation = #[[ANN4]]}
// CHECK-NOT:     llvm.loop_annotation

// IR-DAG:      ![[COUNT:[0-9]+]] = !{!"llvm.loop.interleave.count", i32 2}
// IR-DAG:      ![[COUNT4:[0-9]+]] = !{!"llvm.loop.interleave.count", i32 4}
// IR-DAG:      ![[LOOP:[0-9]+]] = distinct !{![[LOOP]], ![[COUNT]]}
// IR-DAG:      ![[LOOP4:[0-9]+]] = distinct !{![[LOOP4]], ![[COUNT4]]}
func.func @noisy(%k: !sto.key, %x: tensor<4096xf32>) -> tensor<4096xf32> {
  %y = sto.noise %k, %x {scale = 2.5e-01 : f64} : tensor<4096xf32>
  return %y : tensor<4096xf32>
}

func.func @binary(%k: !sto.key, %a: tensor<4096xf32>) -> tensor<4096xf32> {
  %one = arith.constant dense<1.0> : tensor<4096xf32>
  %na = arith.negf %a : tensor<4096xf32>
  %ex = math.exp %na : tensor<4096xf32>
  %den = arith.addf %one, %ex : tensor<4096xf32>
  %p = arith.divf %one, %den : tensor<4096xf32>
  %h = sto.stochastic_binary %k, %p {estimator = #sto.estimator<straight_through>}
      : tensor<4096xf32>
  return %h : tensor<4096xf32>
}
