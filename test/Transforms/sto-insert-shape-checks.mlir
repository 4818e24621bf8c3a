// RUN: sto-opt %s --sto-insert-shape-checks -split-input-file | FileCheck %s

// Operands of an elementwise op on tensors have one shape: one check per
// dynamic dimension, at the top of the function, naming the op and where it
// is.
// CHECK-LABEL: func.func @elementwise(
// CHECK-SAME:    %[[X:[^:]+]]: tensor<?x4xf32>, %[[B:[^:]+]]: tensor<?x4xf32>)
// CHECK-NEXT:    %[[C0:.+]] = arith.constant 0 : index
// CHECK-NEXT:    %[[DB:.+]] = tensor.dim %[[B]], %[[C0]]
// CHECK-NEXT:    %[[DX:.+]] = tensor.dim %[[X]], %[[C0]]
// CHECK-NEXT:    %[[SAME:.+]] = arith.cmpi eq, %[[DB]], %[[DX]] : index
// CHECK-NEXT:    cf.assert %[[SAME]], "{{.*}}sto-insert-shape-checks.mlir:[[#@LINE+4]]:8: 'arith.addf' op dimension 0 of operand #1 differs from that of operand #0"
// CHECK-NOT:     cf.assert
// CHECK:         arith.addf
func.func @elementwise(%x: tensor<?x4xf32>, %b: tensor<?x4xf32>) -> tensor<?x4xf32> {
  %y = arith.addf %x, %b : tensor<?x4xf32>
  return %y : tensor<?x4xf32>
}

// -----

// Static shapes were checked by the verifiers: nothing to do at run time.
// CHECK-LABEL: func.func @static(
// CHECK-NOT:     cf.assert
func.func @static(%k: !sto.key, %x: tensor<4x8xf32>, %w: tensor<8x2xf32>,
                  %p: tensor<16xf32>, %g: tensor<16xf32>) -> (tensor<4x2xf32>, tensor<16xf32>) {
  %e = tensor.empty() : tensor<4x2xf32>
  %m = linalg.matmul ins(%x, %w : tensor<4x8xf32>, tensor<8x2xf32>) outs(%e : tensor<4x2xf32>) -> tensor<4x2xf32>
  %q = sto.langevin_step %k, %p, %g {lr = 0.1 : f64, temperature = 1.0 : f64} : tensor<16xf32>
  return %m, %q : tensor<4x2xf32>, tensor<16xf32>
}

// -----

// A product's inner dimensions. Its init's sizes come from the operands, so
// the checks of the init's dimensions fold away.
// CHECK-LABEL: func.func @matmul(
// CHECK-SAME:    %[[X:[^:]+]]: tensor<?x?xf32>, %[[W:[^:]+]]: tensor<?x?xf32>)
// CHECK-DAG:     %[[C0:.+]] = arith.constant 0 : index
// CHECK-DAG:     %[[C1:.+]] = arith.constant 1 : index
// CHECK:         %[[K1:.+]] = tensor.dim %[[W]], %[[C0]]
// CHECK-NEXT:    %[[K0:.+]] = tensor.dim %[[X]], %[[C1]]
// CHECK-NEXT:    %[[SAME:.+]] = arith.cmpi eq, %[[K1]], %[[K0]]
// CHECK-NEXT:    cf.assert %[[SAME]], "{{.*}}'linalg.matmul' op dimension 0 of operand #1 differs from dimension 1 of operand #0"
// CHECK-NOT:     cf.assert
// CHECK:         linalg.matmul
func.func @matmul(%x: tensor<?x?xf32>, %w: tensor<?x?xf32>) -> tensor<?x?xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %m = tensor.dim %x, %c0 : tensor<?x?xf32>
  %n = tensor.dim %w, %c1 : tensor<?x?xf32>
  %e = tensor.empty(%m, %n) : tensor<?x?xf32>
  %r = linalg.matmul ins(%x, %w : tensor<?x?xf32>, tensor<?x?xf32>) outs(%e : tensor<?x?xf32>) -> tensor<?x?xf32>
  return %r : tensor<?x?xf32>
}

// -----

// The sto ops' own requirements (RuntimeVerifiableOpInterface). The
// noise's result has x's shape (ReifyRankedShapedTypeOpInterface), so the
// gradient is compared with the argument x itself, at the entry.
// CHECK-LABEL: func.func @sto_ops(
// CHECK-SAME:    %[[K:[^:]+]]: !sto.key, %[[L:[^:]+]]: tensor<?x?xf32>, %[[B:[^:]+]]: tensor<?xf32>, %[[X:[^:]+]]: tensor<?xf32>, %[[G:[^:]+]]: tensor<?xf32>, %[[N:[^:]+]]: index)
// CHECK:         cf.assert %{{.+}}, "{{.*}}'sto.topk_gate' op dimension 0 of 'bias' differs from dimension 1 of 'logits'"
// CHECK:         %[[OK:.+]] = arith.cmpi sge, %{{.+}}, %{{.+}}
// CHECK-NEXT:    cf.assert %[[OK]], "{{.*}}'sto.topk_gate' op attribute 'k' exceeds dimension 1 of 'logits' (the number of experts)"
// CHECK:         %[[DG:.+]] = tensor.dim %[[G]], %{{.+}}
// CHECK-NEXT:    %[[DX:.+]] = tensor.dim %[[X]], %{{.+}}
// CHECK-NEXT:    arith.cmpi eq, %[[DG]], %[[DX]]
// CHECK-NEXT:    cf.assert %{{.+}}, "{{.*}}'sto.langevin_step' op dimension 0 of 'grad' differs from dimension 0 of 'param'"
// CHECK:         arith.cmpi sge, %[[N]], %{{.+}}
// CHECK-NEXT:    cf.assert %{{.+}}, "{{.*}}'sto.normal' op size 0 of the result is negative"
// CHECK-NOT:     cf.assert
// CHECK:         sto.topk_gate
func.func @sto_ops(%k: !sto.key, %logits: tensor<?x?xf32>, %bias: tensor<?xf32>,
                   %x: tensor<?xf32>, %g: tensor<?xf32>, %n: index)
    -> (tensor<?x2xf32>, tensor<?x2xi32>, tensor<?xf32>, tensor<?xf32>) {
  %w, %i = sto.topk_gate %logits bias %bias {k = 2 : i64} : tensor<?x?xf32>, tensor<?xf32> -> tensor<?x2xf32>, tensor<?x2xi32>
  %ks:3 = sto.split %k count 3
  %y = sto.noise %ks#0, %x {scale = 0.5 : f64} : tensor<?xf32>
  %p = sto.langevin_step %ks#1, %y, %g {lr = 0.1 : f64, temperature = 1.0 : f64} : tensor<?xf32>
  %z = sto.normal %ks#2 [%n] : tensor<?xf32>
  return %w, %i, %p, %z : tensor<?x2xf32>, tensor<?x2xi32>, tensor<?xf32>, tensor<?xf32>
}

// -----

// Routing: the indices have a row per token of x; combine's weights,
// indices and slots have one shape. The slots come from dispatch with the
// indices' shape, so that check is known to hold.
// CHECK-LABEL: func.func @routing(
// CHECK:         cf.assert %{{.+}}, "{{.*}}'sto.dispatch' op dimension 0 of 'indices' differs from dimension 0 of 'x'"
// CHECK:         cf.assert %{{.+}}, "{{.*}}'sto.combine' op dimension 0 of 'indices' differs from dimension 0 of 'weights'"
// CHECK-NOT:     cf.assert
// CHECK:         sto.dispatch
func.func @routing(%x: tensor<?x16xf32>, %idx: tensor<?x2xi32>, %w: tensor<?x2xf32>) -> tensor<?x16xf32> {
  %buf, %slot = sto.dispatch %x, %idx {num_experts = 4 : i64, capacity = 8 : i64} : tensor<?x16xf32>, tensor<?x2xi32> -> tensor<4x8x16xf32>, tensor<?x2xi32>
  %y = sto.combine %buf, %w, %idx, %slot : tensor<4x8x16xf32>, tensor<?x2xf32>, tensor<?x2xi32>, tensor<?x2xi32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

// A private callee's entry checks are repeated before each call, in terms
// of the call's operands, and reach the caller's entry even from a loop; the
// callee is marked so that the guard drops its own copy.
// CHECK-LABEL: func.func private @step(
// CHECK-SAME:    attributes {sto.shape_checks_at_calls}
// CHECK:         cf.assert
// CHECK-LABEL: func.func @train(
// CHECK-SAME:    %[[P:[^:]+]]: tensor<?xf32>, %[[G:[^:]+]]: tensor<?xf32>)
// CHECK:         %[[DG:.+]] = tensor.dim %[[G]]
// CHECK-NEXT:    %[[DP:.+]] = tensor.dim %[[P]]
// CHECK-NEXT:    %[[SAME:.+]] = arith.cmpi eq, %[[DG]], %[[DP]]
// CHECK-NEXT:    cf.assert %[[SAME]], "{{.*}}:[[#@LINE+12]]:13: 'func.call' op calls @step, where {{.*}}:[[#@LINE+4]]:8: 'arith.subf' op dimension 0 of operand #1 differs from that of operand #0"
// CHECK:         scf.for
// CHECK-NOT:       cf.assert
func.func private @step(%p: tensor<?xf32>, %g: tensor<?xf32>) -> tensor<?xf32> {
  %q = arith.subf %p, %g : tensor<?xf32>
  return %q : tensor<?xf32>
}
func.func @train(%p0: tensor<?xf32>, %g: tensor<?xf32>) -> tensor<?xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %p = scf.for %i = %c0 to %c4 step %c1 iter_args(%cur = %p0) -> tensor<?xf32> {
    %next = func.call @step(%cur, %g) : (tensor<?xf32>, tensor<?xf32>) -> tensor<?xf32>
    scf.yield %next : tensor<?xf32>
  }
  return %p : tensor<?xf32>
}

// -----

// A public callee keeps its own checks (a C caller may call it directly).
// CHECK-LABEL: func.func @callee(
// CHECK-NOT:     sto.shape_checks_at_calls
// CHECK:         cf.assert
// CHECK-LABEL: func.func @caller(
// CHECK:         cf.assert %{{.+}}, "{{.*}}'func.call' op calls @callee, where
func.func @callee(%a: tensor<?xf32>, %b: tensor<?xf32>) -> tensor<?xf32> {
  %c = arith.mulf %a, %b : tensor<?xf32>
  return %c : tensor<?xf32>
}
func.func @caller(%a: tensor<?xf32>, %b: tensor<?xf32>) -> tensor<?xf32> {
  %c = func.call @callee(%a, %b) : (tensor<?xf32>, tensor<?xf32>) -> tensor<?xf32>
  return %c : tensor<?xf32>
}

// -----

// A size computed from data the function makes (here the first element of
// a sampled tensor) cannot move to the entry, and no sampling moves there:
// the check stays in front of its op.
// CHECK-LABEL: func.func @data_dependent(
// CHECK-NOT:     cf.assert
// CHECK:         %[[U:.+]] = sto.uniform
// CHECK:         tensor.extract %[[U]]
// CHECK:         linalg.fill
// CHECK:         cf.assert %{{.+}}, "{{.*}}'arith.addf' op dimension 0 of operand #1 differs from that of operand #0"
// CHECK-NEXT:    arith.addf
func.func @data_dependent(%k: !sto.key, %x: tensor<?xf32>) -> tensor<?xf32> {
  %c0 = arith.constant 0 : index
  %u = sto.uniform %k {low = 1.0 : f64, high = 9.0 : f64} : tensor<4xf32>
  %f = tensor.extract %u[%c0] : tensor<4xf32>
  %i = arith.fptosi %f : f32 to i64
  %n = arith.index_cast %i : i64 to index
  %e = tensor.empty(%n) : tensor<?xf32>
  %one = arith.constant 1.0 : f32
  %ones = linalg.fill ins(%one : f32) outs(%e : tensor<?xf32>) -> tensor<?xf32>
  %y = arith.addf %x, %ones : tensor<?xf32>
  return %y : tensor<?xf32>
}

// -----

// Casts and reshapes to given sizes.
// CHECK-LABEL: func.func @reshape(
// CHECK:         cf.assert %{{.+}}, "{{.*}}'tensor.cast' op dimension 0 of the source is not 8"
// CHECK:         arith.muli
// CHECK:         cf.assert %{{.+}}, "{{.*}}'tensor.expand_shape' op the sizes of result dimensions 0 to 1 do not multiply to dimension 0 of the source"
func.func @reshape(%x: tensor<?xf32>, %y: tensor<?xf32>, %r: index) -> (tensor<8xf32>, tensor<?x4xf32>) {
  %a = tensor.cast %x : tensor<?xf32> to tensor<8xf32>
  %b = tensor.expand_shape %y [[0, 1]] output_shape [%r, 4] : tensor<?xf32> into tensor<?x4xf32>
  return %a, %b : tensor<8xf32>, tensor<?x4xf32>
}

// -----

// tensor.reshape with a dynamic source: each size of the shape (read from
// the shape tensor, index-cast from i64) is not negative or equals the
// result's static size, and their product is the source's element count.
// CHECK-LABEL: func.func @reshape_shape(
// CHECK-SAME:    %[[X:[^:]+]]: tensor<?x8xf32>, %[[S:[^:]+]]: tensor<2xi64>)
// CHECK:         %[[S0:.+]] = tensor.extract %[[S]][%c0]
// CHECK:         %[[I0:.+]] = arith.index_cast %[[S0]] : i64 to index
// CHECK:         arith.cmpi sge, %[[I0]], %c0
// CHECK:         cf.assert %{{.+}}, "{{.*}}'tensor.reshape' op size 0 of the shape is negative"
// CHECK:         %[[S1:.+]] = tensor.extract %[[S]][%c1]
// CHECK:         %[[I1:.+]] = arith.index_cast %[[S1]] : i64 to index
// CHECK:         arith.cmpi eq, %[[I1]], %c4
// CHECK:         cf.assert %{{.+}}, "{{.*}}'tensor.reshape' op size 1 of the shape is not 4"
// CHECK:         %[[P:.+]] = arith.muli %[[I0]], %[[I1]]
// CHECK:         %[[D0:.+]] = tensor.dim %[[X]], %c0
// CHECK:         %[[N:.+]] = arith.muli %[[D0]], %c8
// CHECK:         arith.cmpi eq, %[[P]], %[[N]]
// CHECK:         cf.assert %{{.+}}, "{{.*}}'tensor.reshape' op the sizes of the shape do not multiply to the source's element count"
// CHECK:         tensor.reshape
func.func @reshape_shape(%x: tensor<?x8xf32>, %s: tensor<2xi64>) -> tensor<?x4xf32> {
  %y = tensor.reshape %x(%s) : (tensor<?x8xf32>, tensor<2xi64>) -> tensor<?x4xf32>
  return %y : tensor<?x4xf32>
}

// -----

// A static source with a dynamic result: the verifier cannot compare the
// counts (a shape of [3, 4] for 6 elements read past the source).
// CHECK-LABEL: func.func @reshape_static_source(
// CHECK:         cf.assert %{{.+}}, "{{.*}}'tensor.reshape' op size 0 of the shape is negative"
// CHECK:         cf.assert %{{.+}}, "{{.*}}'tensor.reshape' op size 1 of the shape is negative"
// CHECK:         cf.assert %{{.+}}, "{{.*}}'tensor.reshape' op the sizes of the shape do not multiply to the source's element count"
// CHECK:         tensor.reshape
func.func @reshape_static_source(%x: tensor<6xf32>, %s: tensor<2xi64>) -> tensor<?x?xf32> {
  %y = tensor.reshape %x(%s) : (tensor<6xf32>, tensor<2xi64>) -> tensor<?x?xf32>
  return %y : tensor<?x?xf32>
}

// tensor.dim at an index known only at run time: 0 <= index < rank. A
// constant index needs nothing.
// CHECK-LABEL: func.func @dim_index(
// CHECK-SAME:    %[[X:[^:]+]]: tensor<?x4xf32>, %[[I:[^:]+]]: index)
// CHECK:         arith.cmpi sge, %[[I]], %c0
// CHECK:         arith.cmpi slt, %[[I]], %c2
// CHECK:         cf.assert %{{.+}}, "{{.*}}'tensor.dim' op index is not a dimension of the rank-2 source"
// CHECK-NOT:     cf.assert
// CHECK:         return
func.func @dim_index(%x: tensor<?x4xf32>, %i: index) -> (index, index) {
  %c0 = arith.constant 0 : index
  %d = tensor.dim %x, %i : tensor<?x4xf32>
  %e = tensor.dim %x, %c0 : tensor<?x4xf32>
  return %d, %e : index, index
}

// A static source: the verifier has compared the element counts; nothing.
// CHECK-LABEL: func.func @reshape_static(
// CHECK-NOT:     cf.assert
// CHECK:         tensor.reshape
func.func @reshape_static(%x: tensor<2x8xf32>, %s: tensor<1xi64>) -> tensor<16xf32> {
  %y = tensor.reshape %x(%s) : (tensor<2x8xf32>, tensor<1xi64>) -> tensor<16xf32>
  return %y : tensor<16xf32>
}

// -----

// An operand dimension indexed by a sum of loops (a convolution's x[i + k])
// or a constant: its last index, at the last iteration of those loops, is
// inside it unless a loop is empty. The loop sizes come from the dimensions
// that index a loop alone (o for i, w for k).
// CHECK-LABEL: func.func @conv_reach(
// CHECK-SAME:    %[[X:[^:]+]]: tensor<?xf32>, %[[W:[^:]+]]: tensor<?xf32>, %[[O:[^:]+]]: tensor<?xf32>)
// CHECK-DAG:     %[[DO:.+]] = tensor.dim %[[O]], %c0
// CHECK-DAG:     %[[DW:.+]] = tensor.dim %[[W]], %c0
// CHECK-DAG:     %[[DX:.+]] = tensor.dim %[[X]], %c0
// CHECK:         arith.cmpi slt, %{{.+}}, %[[DX]] : index
// CHECK:         cf.assert %{{.+}}, "{{.*}}'linalg.conv_1d' op index d0 + d1 of dimension 0 of operand #0 runs past its size"
// CHECK:         linalg.conv_1d
func.func @conv_reach(%x: tensor<?xf32>, %w: tensor<?xf32>, %o: tensor<?xf32>) -> tensor<?xf32> {
  %r = linalg.conv_1d ins(%x, %w : tensor<?xf32>, tensor<?xf32>) outs(%o : tensor<?xf32>) -> tensor<?xf32>
  return %r : tensor<?xf32>
}

// -----

// Sizes and paddings given at run time are not negative; sizes of tensors
// and constants need no check.
// CHECK-LABEL: func.func @sizes_not_negative(
// CHECK-SAME:    %[[X:[^:]+]]: tensor<?xf32>, %[[N:[^:]+]]: index, %[[L:[^:]+]]: index)
// CHECK:         arith.cmpi sge, %[[N]], %c0
// CHECK:         cf.assert %{{.+}}, "{{.*}}'tensor.empty' op dynamic size #0 is negative"
// CHECK:         arith.cmpi sge, %[[L]], %c0
// CHECK:         cf.assert %{{.+}}, "{{.*}}'tensor.pad' op dynamic low padding #0 is negative"
// CHECK-NOT:     cf.assert
// CHECK:         return
func.func @sizes_not_negative(%x: tensor<?xf32>, %n: index, %l: index) -> (tensor<?xf32>, tensor<?xf32>, tensor<?xf32>) {
  %c0 = arith.constant 0 : index
  %d = tensor.dim %x, %c0 : tensor<?xf32>
  %e = tensor.empty(%n) : tensor<?xf32>
  %f = tensor.empty(%d) : tensor<?xf32>
  %z = arith.constant 0.0 : f32
  %p = tensor.pad %x low[%l] high[2] {
  ^bb0(%i: index):
    tensor.yield %z : f32
  } : tensor<?xf32> to tensor<?xf32>
  return %e, %f, %p : tensor<?xf32>, tensor<?xf32>, tensor<?xf32>
}

// -----

// A swa count is not negative (it divides by count + 1); a dp_aggregate of
// a dynamic batch has samples; a categorical draw of a dynamic number of
// classes has some, unless nothing is drawn, and at most 2^31 for i32
// indices.
// CHECK-LABEL: func.func @sto_values(
// CHECK:         cf.assert %{{.+}}, "{{.*}}'sto.average' op 'count' (of earlier iterates) is negative"
// CHECK:         cf.assert %{{.+}}, "{{.*}}'sto.dp_aggregate' op dimension 0 of 'grads' (the samples) is 0"
// CHECK:         cf.assert %{{.+}}, "{{.*}}'sto.categorical' op class indices do not fit in the result's element type"
// CHECK:         cf.assert %{{.+}}, "{{.*}}'sto.categorical' op dimension 1 of 'logits' (the classes) is 0"
func.func @sto_values(%k: !sto.key, %a: tensor<4xf32>, %p: tensor<4xf32>, %n: i64,
                      %g: tensor<?x4xf32>, %l: tensor<3x?xf32>)
    -> (tensor<4xf32>, tensor<4xf32>, tensor<3xi32>) {
  %k1, %k2 = sto.split %k count 2
  %avg = sto.average %a, %p, %n : tensor<4xf32>, i64
  %d = sto.dp_aggregate %k1, %g {clip_norm = 1.0 : f64, noise_multiplier = 1.0 : f64}
      : tensor<?x4xf32> -> tensor<4xf32>
  %c = sto.categorical %k2, %l {axis = 1 : i64} : tensor<3x?xf32> -> tensor<3xi32>
  return %avg, %d, %c : tensor<4xf32>, tensor<4xf32>, tensor<3xi32>
}

// -----

// Slices and elements at given positions lie inside their tensor. In a loop
// over microbatches the check depends on the induction variable and stays
// in the loop; the one on the function's own index moves to the entry.
// CHECK-LABEL: func.func @slices(
// CHECK-SAME:    %[[X:[^:]+]]: tensor<?x8xf32>, %[[I:[^:]+]]: index, %[[N:[^:]+]]: index)
// CHECK:         arith.cmpi sge, %[[I]]
// CHECK:         arith.cmpi slt, %[[I]]
// CHECK:         cf.assert %{{.+}}, "{{.*}}'tensor.extract' op index 0 is out of bounds"
// CHECK:         scf.for %[[B:[^ ]+]] = 
// CHECK:           arith.muli %[[B]]
// CHECK:           cf.assert %{{.+}}, "{{.*}}'tensor.extract_slice' op the slice runs out of dimension 0 of the source"
// CHECK-NEXT:      tensor.extract_slice
func.func @slices(%x: tensor<?x8xf32>, %i: index, %n: index) -> (f32, tensor<2x8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %e = tensor.extract %x[%i, %c0] : tensor<?x8xf32>
  %z = arith.constant dense<0.0> : tensor<2x8xf32>
  %sum = scf.for %b = %c0 to %n step %c1 iter_args(%acc = %z) -> tensor<2x8xf32> {
    %row = arith.muli %b, %c2 : index
    %mb = tensor.extract_slice %x[%row, 0] [2, 8] [1, 1] : tensor<?x8xf32> to tensor<2x8xf32>
    %next = arith.addf %acc, %mb : tensor<2x8xf32>
    scf.yield %next : tensor<2x8xf32>
  }
  return %e, %sum : f32, tensor<2x8xf32>
}

// -----

// Inside a linalg body, an element read at an index computed from data (a
// gather, an embedding lookup) is checked where it happens; one at the
// index of a loop no longer than the dimension, or at a constant in range,
// is in bounds by construction.
// CHECK-LABEL: func.func @gather(
// CHECK:         linalg.generic
// CHECK:         ^bb0(%[[I:.*]]: index, %{{.*}}: f32):
// CHECK:           %[[N:.*]] = tensor.dim %{{.*}}, %c0
// CHECK:           %[[LO:.*]] = arith.cmpi sge, %[[I]], %c0
// CHECK:           %[[HI:.*]] = arith.cmpi slt, %[[I]], %[[N]]
// CHECK:           %[[OK:.*]] = arith.andi %[[LO]], %[[HI]]
// CHECK:           cf.assert %[[OK]], "{{.*}}:[[@LINE+10]]:10: 'tensor.extract' op index 0 is out of bounds"
// CHECK-NEXT:      tensor.extract
// CHECK:           %[[J:.*]] = linalg.index 1
// CHECK-NOT:       cf.assert
// CHECK:           tensor.extract %{{.*}}[%[[J]], %c1]
// CHECK:           linalg.yield
func.func @gather(%table: tensor<?xf32>, %idx: tensor<4xindex>, %w: tensor<3x8xf32>) -> (tensor<4xf32>, tensor<4x3xf32>) {
  %e = tensor.empty() : tensor<4xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]} ins(%idx : tensor<4xindex>) outs(%e : tensor<4xf32>) {
  ^bb0(%i: index, %o: f32):
    %v = tensor.extract %table[%i] : tensor<?xf32>
    linalg.yield %v : f32
  } -> tensor<4xf32>
  %c1 = arith.constant 1 : index
  %e2 = tensor.empty() : tensor<4x3xf32>
  %s = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} outs(%e2 : tensor<4x3xf32>) {
  ^bb0(%o: f32):
    %j = linalg.index 1 : index
    %v = tensor.extract %w[%j, %c1] : tensor<3x8xf32>
    linalg.yield %v : f32
  } -> tensor<4x3xf32>
  return %r, %s : tensor<4xf32>, tensor<4x3xf32>
}

// -----

// A constant index out of a static dimension: the check is false, and
// fails where the read would run.
// CHECK-LABEL: func.func @constant_out_of_bounds(
// CHECK:         %[[F:.*]] = arith.constant false
// CHECK:         cf.assert %[[F]], "{{.*}}'tensor.extract' op index 0 is out of bounds"
func.func @constant_out_of_bounds(%t: tensor<16xf32>) -> f32 {
  %c = arith.constant 100 : index
  %v = tensor.extract %t[%c] : tensor<16xf32>
  return %v : f32
}
// -----

// An insert_slice's source has the slice's sizes; dimensions that a
// rank-reducing insert drops are not the source's.
// CHECK-LABEL: func.func @insert_source(
// CHECK-SAME:    %[[D:[^:]+]]: tensor<?x?xf32>, %[[S:[^:]+]]: tensor<?xf32>, %[[O:[^:]+]]: index, %[[N:[^:]+]]: index)
// CHECK:         %[[SN:.+]] = tensor.dim %[[S]], %c0
// CHECK:         arith.cmpi eq, %[[SN]], %[[N]]
// CHECK:         cf.assert %{{.+}}, "{{.*}}'tensor.insert_slice' op dimension 0 of the source differs from size 1 of the slice"
// CHECK-NOT:     differs from size 0
// CHECK:         tensor.insert_slice
func.func @insert_source(%d: tensor<?x?xf32>, %s: tensor<?xf32>, %o: index, %n: index) -> tensor<?x?xf32> {
  %r = tensor.insert_slice %s into %d[%o, 0] [1, %n] [1, 1] : tensor<?xf32> into tensor<?x?xf32>
  return %r : tensor<?x?xf32>
}

// -----

// Likewise in a parallel loop, before the terminator that holds the insert
// (the source's size moves to the entry, the slice's place stays).
// CHECK-LABEL: func.func @parallel_insert_source(
// CHECK:         cf.assert %{{.+}}, "{{.*}}'tensor.parallel_insert_slice' op dimension 0 of the source differs from size 0 of the slice"
// CHECK:         scf.forall
// CHECK:           cf.assert %{{.+}}, "{{.*}}'tensor.parallel_insert_slice' op the slice runs out of dimension 0 of the destination"
// CHECK:           scf.forall.in_parallel
func.func @parallel_insert_source(%x: tensor<?xf32>, %s: tensor<?xf32>, %n: index, %m: index) -> tensor<?xf32> {
  %r = scf.forall (%i) in (%n) shared_outs(%o = %x) -> tensor<?xf32> {
    scf.forall.in_parallel {
      tensor.parallel_insert_slice %s into %o[%i] [%m] [1] : tensor<?xf32> into tensor<?xf32>
    }
  }
  return %r : tensor<?xf32>
}

// -----

// The inputs of a concat agree in every dimension but the joined one.
// CHECK-LABEL: func.func @concat(
// CHECK-SAME:    %[[A:[^:]+]]: tensor<?x?xf32>, %[[B:[^:]+]]: tensor<?x?xf32>)
// CHECK:         %[[BD:.+]] = tensor.dim %[[B]], %c1
// CHECK:         %[[AD:.+]] = tensor.dim %[[A]], %c1
// CHECK:         arith.cmpi eq, %[[BD]], %[[AD]]
// CHECK:         cf.assert %{{.+}}, "{{.*}}'tensor.concat' op dimension 1 of operand #1 differs from that of operand #0"
// CHECK-NOT:     cf.assert
// CHECK:         tensor.concat
func.func @concat(%a: tensor<?x?xf32>, %b: tensor<?x?xf32>) -> tensor<?x?xf32> {
  %r = tensor.concat dim(0) %a, %b : (tensor<?x?xf32>, tensor<?x?xf32>) -> tensor<?x?xf32>
  return %r : tensor<?x?xf32>
}

// -----

// A loop's step given at run time is positive (scf.for with a step of 0 or
// below ran forever, scf.forall divided by it); a constant step is the
// verifier's.
// CHECK-LABEL: func.func @steps(
// CHECK-SAME:    %[[X:[^:]+]]: tensor<?xf32>, %[[ST:[^:]+]]: index, %[[ST32:[^:]+]]: i32, %[[ST2:[^:]+]]: index, %[[ST3:[^:]+]]: index)
// CHECK:         arith.cmpi sgt, %[[ST]], %c0
// CHECK:         cf.assert %{{.+}}, "{{.*}}'scf.for' op step is not positive"
// CHECK:         arith.cmpi sgt, %[[ST32]], %c0_i32
// CHECK:         cf.assert %{{.+}}, "{{.*}}'scf.for' op step is not positive"
// CHECK:         arith.cmpi sgt, %[[ST2]], %c0
// CHECK:         cf.assert %{{.+}}, "{{.*}}'scf.forall' op step 1 is not positive"
// CHECK-NOT:     step 0 is not positive
// CHECK:         arith.cmpi sgt, %[[ST3]], %c0
// CHECK:         cf.assert %{{.+}}, "{{.*}}'scf.parallel' op step is not positive"
func.func @steps(%x: tensor<?xf32>, %st: index, %st32: i32, %st2: index, %st3: index) -> tensor<?xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %r = scf.for %i = %c0 to %c4 step %st iter_args(%t = %x) -> tensor<?xf32> {
    scf.yield %t : tensor<?xf32>
  }
  %z = arith.constant 0 : i32
  %e = arith.constant 8 : i32
  scf.for %j = %z to %e step %st32 : i32 {
  }
  scf.forall (%i, %j) = (%c0, %c0) to (%c4, %c4) step (%c1, %st2) {
  }
  scf.parallel (%i) = (%c0) to (%c4) step (%st3) {
  }
  scf.for %i = %c0 to %c4 step %c1 {
  }
  return %r : tensor<?xf32>
}

// -----

// Integer division: the divisor is not zero and a signed quotient fits. A
// constant divisor other than 0 (and -1, for a signed one) needs nothing.
// CHECK-LABEL: func.func @division(
// CHECK-SAME:      %[[A:.*]]: i32, %[[B:.*]]: i32,
// CHECK-DAG:     %[[Z:.*]] = arith.constant 0 : i32
// CHECK-DAG:     %[[MIN:.*]] = arith.constant -2147483648 : i32
// CHECK-DAG:     %[[M1:.*]] = arith.constant -1 : i32
// CHECK:         %[[NZ:.*]] = arith.cmpi ne, %[[B]], %[[Z]]
// CHECK-NEXT:    cf.assert %[[NZ]], "{{.*}}:[[@LINE+22]]:8: 'arith.divsi' op divides by zero"
// CHECK-NEXT:    %[[ISMIN:.*]] = arith.cmpi eq, %[[A]], %[[MIN]]
// CHECK-NEXT:    %[[BYM1:.*]] = arith.cmpi eq, %[[B]], %[[M1]]
// CHECK-NEXT:    %[[OV:.*]] = arith.andi %[[ISMIN]], %[[BYM1]]
// CHECK-NEXT:    %[[FITS:.*]] = arith.xori %[[OV]]
// CHECK-NEXT:    cf.assert %[[FITS]], "{{.*}}:[[@LINE+17]]:8: 'arith.divsi' op overflows: the most negative value divided by -1"
// CHECK-NEXT:    %[[NOTMIN:.*]] = arith.xori %[[ISMIN]]
// CHECK-NEXT:    cf.assert %[[NOTMIN]], "{{.*}}'arith.floordivsi' op overflows
// CHECK-NOT:     divides by zero
// CHECK:         cf.assert {{.*}}'arith.remui' op dimension 0
// CHECK-NEXT:    arith.divsi %[[A]], %[[B]]
// CHECK-NEXT:    arith.remui %[[A]], %{{.*}} : i32
// CHECK-NEXT:    arith.floordivsi
// CHECK-NEXT:    linalg.generic
// CHECK-NEXT:    ^bb0(%[[P:.*]]: i64, %[[Q:.*]]: i64, %{{.*}}: i64):
// CHECK-NEXT:      %[[NZ64:.*]] = arith.cmpi ne, %[[Q]], %{{.*}} : i64
// CHECK-NEXT:      cf.assert %[[NZ64]], "{{.*}}:[[@LINE+9]]:8: 'arith.remui' op divides by zero"
// CHECK-NEXT:      arith.remui %[[P]], %[[Q]] : i64
// CHECK-NEXT:      linalg.yield
func.func @division(%a: i32, %b: i32, %x: tensor<?xi64>, %y: tensor<?xi64>) -> (i32, i32, i32, tensor<?xi64>) {
  %c7 = arith.constant 7 : i32
  %m1 = arith.constant -1 : i32
  %q = arith.divsi %a, %b : i32
  %r = arith.remui %a, %c7 : i32
  %f = arith.floordivsi %a, %m1 : i32
  %t = arith.remui %x, %y : tensor<?xi64>
  return %q, %r, %f, %t : i32, i32, i32, tensor<?xi64>
}
