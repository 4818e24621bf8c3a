// RUN: sto-opt --convert-sto-to-linalg --cse %s | FileCheck %s --implicit-check-not=" sto."
// RUN: sto-opt --convert-sto-to-linalg="moe-cpu-forms=true" --cse %s | FileCheck %s --check-prefix=ROW
// RUN: sto-opt --convert-sto-to-linalg="parallel-scans=true" --cse %s | FileCheck %s --check-prefix=PAR
//
// The MoE ops lower to linalg.generic (and scf loops) that follow
// docs/MoE.md: the gate keeps the row's top k in registers (iter_args of an
// scf.for over the experts) inside a generic over the tokens; expert_load and
// dispatch scan their entries sequentially; the sums run in increasing index
// order.

// CHECK-DAG:   #[[TRANSPOSED:.*]] = affine_map<(d0, d1) -> (d1, d0)>
// CHECK-DAG:   #[[CHOICE:.*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-DAG:   #[[OUTMAP:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>

// Noisy gate with bias, E a multiple of 4: one loop iteration per Philox
// block of four experts, selection on fma(stddev, z, logit) + bias (an
// expert enters the sorted list only if it beats the last entry), the
// weights from the logits read back at the selected experts.
// CHECK-LABEL: func.func @gate_noisy_bias(
// CHECK-SAME:      %[[L:.*]]: tensor<?x64xf32>, %[[B:.*]]: tensor<64xf32>, %[[K:.*]]: i64)
// CHECK:         %[[COLS:.*]]:4 = linalg.generic
// CHECK-SAME:        iterator_types = ["parallel"]
// CHECK-SAME:        outs({{.*}} : tensor<?xf32>, tensor<?xf32>, tensor<?xi32>, tensor<?xi32>)
// CHECK:           %[[T:.*]] = linalg.index 0
// CHECK:           %[[SEL:.*]]:4 = scf.for %[[E:[a-z0-9_]+]] = %{{.*}} to %{{.*}} step %c4 iter_args(
// CHECK-SAME:          -> (f32, f32, i32, i32)
// CHECK:             %[[X0:.*]] = tensor.extract %[[L]][%[[T]], %[[E]]]
// CHECK:             arith.mului_extended
// CHECK:             math.sqrt
// CHECK:             %[[N0:.*]] = math.fma %{{.*}}, %{{.*}}, %[[X0]] : f32
// CHECK:             %[[B0:.*]] = tensor.extract %[[B]][%[[E]]]
// CHECK:             %[[S0:.*]] = arith.addf %[[N0]], %[[B0]] : f32
// CHECK:             %[[IN:.*]] = arith.cmpf ugt, %[[S0]], %[[LAST:[a-z0-9_]+]] : f32
// CHECK:             scf.if %[[IN]] -> (f32, f32, i32, i32) {
// CHECK:               arith.cmpf ugt, %[[S0]], %[[FIRST:[a-z0-9_]+]] : f32
// CHECK:               scf.yield
// CHECK:             } else {
// CHECK:               scf.yield %[[FIRST]], %[[LAST]], %{{.*}}, %{{.*}} : f32, f32, i32, i32
// CHECK-NOT:         arith.mului_extended
// CHECK:             scf.yield {{.*}} : f32, f32, i32, i32
// CHECK:           }
// CHECK:           %[[I0:.*]] = arith.index_cast %[[SEL]]#2 : i32 to index
// CHECK:           %[[W0:.*]] = tensor.extract %[[L]][%[[T]], %[[I0]]]
// CHECK:           %[[I1:.*]] = arith.index_cast %[[SEL]]#3 : i32 to index
// CHECK:           %[[W1:.*]] = tensor.extract %[[L]][%[[T]], %[[I1]]]
// CHECK:           arith.cmpf ogt, %[[W1]], %[[W0]]
// CHECK:           math.exp
// CHECK:           math.exp
// CHECK:           %[[SUM:.*]] = arith.addf
// CHECK:           arith.divf %{{.*}}, %[[SUM]]
// CHECK:           arith.divf %{{.*}}, %[[SUM]]
// CHECK:           linalg.yield %{{.*}}, %{{.*}}, %[[SEL]]#2, %[[SEL]]#3 : f32, f32, i32, i32
// CHECK:         %[[OUT:.*]]:2 = linalg.generic
// CHECK-SAME:        iterator_types = ["parallel", "parallel"]
// CHECK-SAME:        ins(%[[COLS]]#0, %[[COLS]]#1, %[[COLS]]#2, %[[COLS]]#3
// CHECK:           linalg.index 1
// CHECK:         return %[[OUT]]#0, %[[OUT]]#1 : tensor<?x2xf32>, tensor<?x2xi32>
// The CPU form (moe-cpu-forms): the row's noise (a loop over its 16
// Philox blocks), then its scores, into a stack buffer of 64; the selection
// takes 16 experts per iteration and offers only the candidates a vector
// compare against the k-th entry finds, lowest first, to a sorted list held
// in two vectors (scores, indices).
// ROW-LABEL: func.func @gate_noisy_bias(
// ROW:         linalg.generic
// ROW:           %[[ROW:.*]] = memref.alloca() : memref<64xf32>
// ROW:           scf.for %{{.*}} = %{{.*}} to %c16
// ROW:             math.sqrt
// ROW:             memref.store %{{.*}}, %[[ROW]]
// ROW:           scf.for %[[E:.*]] = %{{.*}} to %c64 step %c1
// ROW:             %[[Z:.*]] = memref.load %[[ROW]][%[[E]]]
// ROW:             math.fma %{{.*}}, %[[Z]]
// ROW:             arith.addf
// ROW:             memref.store %{{.*}}, %[[ROW]][%[[E]]]
// A row with a NaN score (one vector compare per chunk) offers every expert,
// each entering only before the k-th entry as it is now; otherwise only the
// candidates.
// ROW:           %[[NAN:.*]] = scf.for %[[Q0:.*]] = %{{.*}} to %c64 step %c16 iter_args
// ROW:             %[[V0:.*]] = vector.load %[[ROW]][%[[Q0]]] : memref<64xf32>, vector<16xf32>
// ROW:             %[[U:.*]] = arith.cmpf uno, %[[V0]], %[[V0]] : vector<16xf32>
// ROW:             vector.reduction <or>, %[[U]] : vector<16xi1> into i1
// ROW:           %[[SEL:.*]]:2 = scf.if %[[NAN]] -> (vector<2xf32>, vector<2xi32>)
// ROW:             scf.for %{{.*}} = %{{.*}} to %c64 step %c16
// ROW:               scf.while (%{{.*}} = %c65535_i32,
// ROW:                 %[[SN:.*]] = memref.load %[[ROW]]
// ROW:                 arith.cmpf ugt, %{{.*}} : vector<2xf32>
// ROW:                 %[[LAST:.*]] = vector.extract %{{.*}}[1] : f32 from vector<2xf32>
// ROW:                 %[[ENTERS:.*]] = arith.cmpf ugt, %[[SN]], %[[LAST]] : f32
// ROW:                 arith.select %[[ENTERS]], %{{.*}} : vector<2xf32>
// ROW:                 arith.select %[[ENTERS]], %{{.*}} : vector<2xi32>
// ROW:           } else {
// ROW:             scf.for %[[Q:.*]] = %{{.*}} to %c64 step %c16 iter_args(%[[VS:.*]] = %{{.*}}, %[[VI:.*]] = %{{.*}}) -> (vector<2xf32>, vector<2xi32>)
// ROW:               %[[V:.*]] = vector.load %[[ROW]][%[[Q]]] : memref<64xf32>, vector<16xf32>
// ROW:               %[[KTH:.*]] = vector.extract %[[VS]][1] : f32 from vector<2xf32>
// ROW:               %[[B:.*]] = vector.broadcast %[[KTH]] : f32 to vector<16xf32>
// ROW:               %[[C:.*]] = arith.cmpf ugt, %[[V]], %[[B]] : vector<16xf32>
// ROW:               vector.bitcast %[[C]] : vector<16xi1> to vector<1xi16>
// ROW:               scf.while
// ROW:                 scf.condition
// ROW:                 math.cttz
// ROW:                 %[[S:.*]] = memref.load %[[ROW]]
// ROW:                 %[[SV:.*]] = vector.broadcast %[[S]] : f32 to vector<2xf32>
// ROW:                 %[[ABOVE:.*]] = arith.cmpf ugt, %[[SV]], %{{.*}} : vector<2xf32>
// ROW:                 vector.shuffle %[[ABOVE]], %{{.*}} [2, 0] : vector<2xi1>, vector<2xi1>
// ROW:                 arith.select %[[ABOVE]], %{{.*}} : vector<2xi1>, vector<2xf32>
// ROW:                 arith.select %[[ABOVE]], %{{.*}} : vector<2xi1>, vector<2xi32>
// ROW-NOT:             arith.cmpf ugt, %{{.*}} : f32
// ROW:                 scf.yield
// ROW:           vector.extract %[[SEL]]#1[0]
// ROW:           vector.extract %[[SEL]]#1[1]
// ROW-NOT:       math.sqrt
// ROW:           linalg.yield
func.func @gate_noisy_bias(%l: tensor<?x64xf32>, %b: tensor<64xf32>, %k: !sto.key)
    -> (tensor<?x2xf32>, tensor<?x2xi32>) {
  %w, %i = sto.topk_gate %l bias %b key %k {k = 2 : i64, noise_stddev = 1.0 : f64}
      : tensor<?x64xf32>, tensor<64xf32> -> tensor<?x2xf32>, tensor<?x2xi32>
  return %w, %i : tensor<?x2xf32>, tensor<?x2xi32>
}

// Noise with E not a multiple of 4: one element per iteration.
// CHECK-LABEL: func.func @gate_noisy_odd(
// CHECK:         linalg.generic
// CHECK:           scf.for %{{.*}} = %{{.*}} to %{{.*}} step %c1{{(_[0-9]+)?}} iter_args(
// CHECK-SAME:          -> (f32, i32)
// CHECK:             math.sqrt
// CHECK:             math.fma
// CHECK:             arith.cmpf ugt
// CHECK-NOT:         math.sqrt
// CHECK:             scf.yield
// CHECK:         tensor.expand_shape
func.func @gate_noisy_odd(%l: tensor<8x10xf32>, %k: !sto.key)
    -> (tensor<8x1xf32>, tensor<8x1xi32>) {
  %w, %i = sto.topk_gate %l key %k {k = 1 : i64, noise_stddev = 2.0 : f64}
      : tensor<8x10xf32> -> tensor<8x1xf32>, tensor<8x1xi32>
  return %w, %i : tensor<8x1xf32>, tensor<8x1xi32>
}

// Full softmax, k = 1: the selection loop also keeps the row maximum; a
// second loop sums exp(x - max) over the row; k = 1 needs no interleaving.
// CHECK-LABEL: func.func @gate_softmax_f64(
// CHECK-SAME:      %[[L:.*]]: tensor<16x8xf64>)
// CHECK:         %[[COLS:.*]]:2 = linalg.generic
// CHECK:           %[[SEL:.*]]:3 = scf.for {{.*}} -> (f64, i32, f64)
// CHECK:             arith.cmpf ogt
// CHECK:             arith.cmpf ugt
// CHECK:           %[[Z:.*]] = scf.for {{.*}} -> (f64)
// CHECK:             arith.subf %{{.*}}, %[[SEL]]#2 : f64
// CHECK:             math.exp
// CHECK:             arith.addf
// CHECK:           arith.subf %[[SEL]]#0, %[[SEL]]#2 : f64
// CHECK:           %[[E:.*]] = math.exp
// CHECK:           %[[P:.*]] = arith.divf %[[E]], %[[Z]] : f64
// CHECK:           arith.divf %[[P]], %[[P]] : f64
// CHECK:         tensor.expand_shape %[[COLS]]#0 {{\[\[}}0, 1]] {{.*}} : tensor<16xf64> into tensor<16x1xf64>
// CHECK:         tensor.expand_shape %[[COLS]]#1 {{\[\[}}0, 1]] {{.*}} : tensor<16xi32> into tensor<16x1xi32>
func.func @gate_softmax_f64(%l: tensor<16x8xf64>) -> (tensor<16x1xf64>, tensor<16x1xi32>) {
  %w, %i = sto.topk_gate %l {k = 1 : i64, affinity = #sto.affinity<softmax>}
      : tensor<16x8xf64> -> tensor<16x1xf64>, tensor<16x1xi32>
  return %w, %i : tensor<16x1xf64>, tensor<16x1xi32>
}

// Sigmoid without renormalization, bf16: computed in f32 from the scores
// themselves (no bias, no noise), rounded once to bf16.
// E = 8: each iteration takes four experts (one 16-byte group).
// CHECK-LABEL: func.func @gate_sigmoid_bf16(
// CHECK:         linalg.generic
// CHECK:           scf.for %{{.*}} = %{{.*}} to %{{.*}} step %c4
// CHECK-COUNT-4:     arith.extf %{{.*}} : bf16 to f32
// CHECK:             scf.yield
// CHECK-NEXT:      }
// CHECK-NOT:       tensor.extract
// CHECK:           arith.negf %{{.*}} : f32
// CHECK:           math.exp
// CHECK:           arith.addf
// CHECK:           arith.divf
// CHECK:           arith.negf %{{.*}} : f32
// CHECK:           math.exp
// CHECK:           arith.addf
// CHECK:           arith.divf
// CHECK-NOT:       arith.divf
// CHECK:           arith.truncf %{{.*}} : f32 to bf16
// CHECK:           arith.truncf %{{.*}} : f32 to bf16
// CHECK:           linalg.yield
func.func @gate_sigmoid_bf16(%l: tensor<16x8xbf16>) -> (tensor<16x2xbf16>, tensor<16x2xi32>) {
  %w, %i = sto.topk_gate %l {k = 2 : i64, affinity = #sto.affinity<sigmoid>, normalize = false}
      : tensor<16x8xbf16> -> tensor<16x2xbf16>, tensor<16x2xi32>
  return %w, %i : tensor<16x2xbf16>, tensor<16x2xi32>
}

// The histogram: a scan over tokens and choices, out-of-range entries add 0.
// CHECK-LABEL: func.func @load(
// CHECK-SAME:      %[[I:.*]]: tensor<?x2xi64>)
// CHECK:         %[[Z:.*]] = linalg.fill ins(%{{.*}} : i32) outs(%{{.*}} : tensor<8xi32>)
// CHECK:         %[[R:.*]] = scf.for %[[T:[a-z0-9_]+]] = {{.*}} iter_args(%[[A:[a-z0-9_]+]] = %[[Z]]) -> (tensor<8xi32>)
// CHECK:           scf.for %[[J:[a-z0-9_]+]] = {{.*}} iter_args(%[[B:[a-z0-9_]+]] = %[[A]]) -> (tensor<8xi32>)
// CHECK:             %[[V:.*]] = tensor.extract %[[I]][%[[T]], %[[J]]]
// CHECK:             %[[E:.*]] = arith.index_cast %[[V]] : i64 to index
// CHECK:             %[[OK:.*]] = arith.andi
// CHECK:             %[[AT:.*]] = arith.select %[[OK]], %[[E]]
// CHECK:             %[[C:.*]] = tensor.extract %[[B]][%[[AT]]]
// CHECK:             %[[INC:.*]] = arith.extui %[[OK]] : i1 to i32
// CHECK:             %[[N:.*]] = arith.addi %[[C]], %[[INC]]
// CHECK:             tensor.insert %[[N]] into %[[B]][%[[AT]]]
// CHECK:         return %[[R]]
// The parallel form (GPUs): one thread per choice adds 1 to its expert's
// count with an integer atomic add (any order gives the same counts);
// out-of-range entries add 0 to expert 0.
// PAR-LABEL:   func.func @load(
// PAR-SAME:        %[[I:.*]]: tensor<?x2xi64>)
// PAR:           %[[N:.*]] = tensor.dim %[[I]], %{{.*}}
// PAR:           %[[BUF:.*]] = memref.alloc() : memref<8xi32>
// PAR:           linalg.fill ins(%{{.*}} : i32) outs(%[[BUF]] : memref<8xi32>)
// PAR:           scf.forall (%[[T:.*]], %[[J:.*]]) in (%[[N]], %{{.*}})
// PAR:             %[[E:.*]] = tensor.extract %[[I]][%[[T]], %[[J]]]
// PAR:             %[[OK:.*]] = arith.andi
// PAR:             %[[AT:.*]] = arith.select %[[OK]], %{{.*}}, %{{.*}} : index
// PAR:             %[[ONE:.*]] = arith.extui %[[OK]] : i1 to i32
// PAR:             memref.atomic_rmw addi %[[ONE]], %[[BUF]][%[[AT]]]
// PAR:           %[[R:.*]] = bufferization.to_tensor %[[BUF]] restrict writable
// PAR:           return %[[R]]
func.func @load(%i: tensor<?x2xi64>) -> tensor<8xi32> {
  %0 = sto.expert_load %i {num_experts = 8 : i64} : tensor<?x2xi64>
  return %0 : tensor<8xi32>
}

// sign(mean - load) as sign(sum - E * load) in i64; each element sums the
// loads itself, in increasing e (one parallel generic, no reduction).
// CHECK-LABEL: func.func @bias(
// CHECK-SAME:    %{{.*}}: tensor<8xf16>, %[[L:.*]]: tensor<8xi32>)
// CHECK-NOT:     iterator_types = ["reduction"]
// CHECK:         linalg.generic {{.*}} iterator_types = ["parallel"]
// CHECK-SAME:        ins(%{{.*}}, %[[L]] : tensor<8xf16>, tensor<8xi32>)
// CHECK:           %[[SUM:.*]] = scf.for %[[E:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[ACC:.*]] = %{{.*}}) -> (i64)
// CHECK:             %[[V:.*]] = tensor.extract %[[L]][%[[E]]]
// CHECK:             %[[W:.*]] = arith.extsi %[[V]] : i32 to i64
// CHECK:             arith.addi %[[ACC]], %[[W]]
// CHECK:           %[[EL:.*]] = arith.muli
// CHECK:           %[[D:.*]] = arith.subi %[[SUM]], %[[EL]]
// CHECK:           %[[UP:.*]] = arith.cmpi sgt, %[[D]]
// CHECK:           %[[DOWN:.*]] = arith.cmpi slt, %[[D]]
// CHECK:           %[[BC:.*]] = arith.extf %[[BIAS:.*]] : f16 to f32
// CHECK:           %[[PLUS:.*]] = arith.addf %[[BC]], %[[RATE:.*]] : f32
// CHECK:           %[[PT:.*]] = arith.truncf %[[PLUS]] : f32 to f16
// CHECK:           %[[MINUS:.*]] = arith.subf %[[BC]], %[[RATE]] : f32
// CHECK:           %[[MT:.*]] = arith.truncf %[[MINUS]] : f32 to f16
// CHECK:           %[[KEEP:.*]] = arith.select %[[DOWN]], %[[MT]], %[[BIAS]]
// CHECK:           arith.select %[[UP]], %[[PT]], %[[KEEP]]
func.func @bias(%b: tensor<8xf16>, %l: tensor<8xi32>) -> tensor<8xf16> {
  %0 = sto.balance_bias %b, %l {rate = 1.0e-03 : f64} : tensor<8xf16>, tensor<8xi32>
  return %0 : tensor<8xf16>
}

// Column sums with the tokens innermost, then fma over the experts in order.
// CHECK-LABEL: func.func @loss(
// CHECK:         %[[COL:.*]] = linalg.generic {indexing_maps = [#[[TRANSPOSED]], {{.*}}], iterator_types = ["parallel", "reduction"]}
// CHECK-SAME:        outs(%{{.*}} : tensor<6xf64>)
// CHECK:           arith.extf %{{.*}} : f32 to f64
// CHECK:         %[[S:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<i64>)
// CHECK:         %[[ACC:.*]] = linalg.generic {{.*}} iterator_types = ["reduction"]
// CHECK-SAME:        ins(%{{.*}}, %[[COL]], %[[S]] : tensor<6xi64>, tensor<6xf64>, tensor<i64>)
// CHECK:           arith.divf
// CHECK:           arith.divf
// CHECK:           math.fma
// CHECK:         %[[A:.*]] = tensor.extract %[[ACC]][]
// CHECK:         %[[SV:.*]] = tensor.extract %[[S]][]
// CHECK:         %[[LOSS:.*]] = arith.mulf %{{.*}}, %[[A]] : f64
// CHECK:         %[[NONE:.*]] = arith.cmpi eq, %[[SV]]
// CHECK:         %[[R:.*]] = arith.select %[[NONE]], %{{.*}}, %[[LOSS]] : f64
// CHECK:         return %[[R]] : f64
func.func @loss(%p: tensor<?x6xf32>, %l: tensor<6xi64>) -> f64 {
  %0 = sto.balance_loss %p, %l {alpha = 1.0e-02 : f64} : tensor<?x6xf32>, tensor<6xi64> -> f64
  return %0 : f64
}

// Slots from one scan, choices outer and tokens inner; the buffer is a
// gather that loads only for a used slot.
// CHECK-LABEL: func.func @dispatch(
// CHECK-SAME:      %[[X:.*]]: tensor<?x16xf32>, %[[I:.*]]: tensor<?x2xi32>)
// CHECK:         %[[CNT:.*]] = linalg.fill ins(%{{.*}} : i32) outs(%{{.*}} : tensor<8xi32>)
// CHECK:         %[[SRC:.*]] = linalg.fill ins(%{{.*}} : i32) outs(%{{.*}} : tensor<8x5xi32>)
// CHECK:         %[[SCAN:.*]]:3 = scf.for %[[J:[a-z0-9_]+]] = {{.*}} iter_args({{.*}} = %[[CNT]], {{.*}} = %[[SRC]], {{.*}})
// CHECK:           scf.for %[[T:[a-z0-9_]+]] = {{.*}} -> (tensor<8xi32>, tensor<8x5xi32>, tensor<?x2xi32>)
// CHECK:             tensor.extract %[[I]][%[[T]], %[[J]]]
// CHECK:             arith.cmpi slt, %{{.*}}, %{{.*}} : i32
// CHECK:             tensor.insert %{{.*}} into %{{.*}}[%[[T]], %[[J]]] : tensor<?x2xi32>
// CHECK:             tensor.insert %{{.*}} : tensor<8xi32>
// CHECK:             tensor.insert %{{.*}} : tensor<8x5xi32>
// CHECK:         %[[BUF:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel"]
// CHECK-SAME:        ins(%[[SCAN]]#1 : tensor<8x5xi32>) outs(%{{.*}} : tensor<8x5x16xf32>)
// CHECK:           %[[D:.*]] = linalg.index 2
// CHECK:           scf.if
// CHECK:             tensor.extract %[[X]][%{{.*}}, %[[D]]]
// CHECK:           } else {
// CHECK:         return %[[BUF]], %[[SCAN]]#2
func.func @dispatch(%x: tensor<?x16xf32>, %i: tensor<?x2xi32>)
    -> (tensor<8x5x16xf32>, tensor<?x2xi32>) {
  %b, %s = sto.dispatch %x, %i {num_experts = 8 : i64, capacity = 5 : i64}
      : tensor<?x16xf32>, tensor<?x2xi32> -> tensor<8x5x16xf32>, tensor<?x2xi32>
  return %b, %s : tensor<8x5x16xf32>, tensor<?x2xi32>
}

// Choices innermost (a reduction in increasing j), accumulated in f32 for
// f16 and rounded once.
// CHECK-LABEL: func.func @combine(
// CHECK-SAME:      %[[Y:.*]]: tensor<8x5x16xf16>
// CHECK:         %[[ACC:.*]] = linalg.generic {indexing_maps = [#[[CHOICE]], #[[CHOICE]], #[[CHOICE]], #[[OUTMAP]]], iterator_types = ["parallel", "parallel", "reduction"]}
// CHECK-SAME:        outs(%{{.*}} : tensor<4x16xf32>)
// CHECK:           %[[D:.*]] = linalg.index 1
// CHECK:           scf.if
// CHECK:             tensor.extract %[[Y]][%{{.*}}, %{{.*}}, %[[D]]]
// CHECK:             math.fma {{.*}} : f32
// CHECK:         linalg.generic
// CHECK:           arith.truncf %{{.*}} : f32 to f16
func.func @combine(%y: tensor<8x5x16xf16>, %w: tensor<4x2xf16>, %i: tensor<4x2xi32>,
                   %s: tensor<4x2xi32>) -> tensor<4x16xf16> {
  %0 = sto.combine %y, %w, %i, %s
      : tensor<8x5x16xf16>, tensor<4x2xf16>, tensor<4x2xi32>, tensor<4x2xi32> -> tensor<4x16xf16>
  return %0 : tensor<4x16xf16>
}

// y with more than 2^63 slots: E·C overflowed int64_t where the lowering
// chose the branch-free CPU form (y has rows).
// ROW-LABEL: func.func @combine_huge_y(
// ROW-NOT:     scf.if
// ROW:         tensor.extract
// ROW:         return
// CHECK-LABEL: func.func @combine_huge_y(
func.func @combine_huge_y(%y: tensor<1099511627776x1099511627776x5xf32>, %w: tensor<8x2xf32>, %i: tensor<8x2xi32>, %s: tensor<8x2xi32>) -> tensor<8x5xf32> {
  %o = sto.combine %y, %w, %i, %s : tensor<1099511627776x1099511627776x5xf32>, tensor<8x2xf32>, tensor<8x2xi32>, tensor<8x2xi32> -> tensor<8x5xf32>
  return %o : tensor<8x5xf32>
}
