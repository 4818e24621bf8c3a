// Models written as frontends emit them around the sto ops (torch-mlir's
// linalg-on-tensors, StableHLO-to-linalg, jax.export): a JAX-style module
// (named, with attributes, argument/result attributes, name/callsite/fused
// locations and llvm.emit_c_interface, whose _mlir_ciface_ wrapper took the
// C entry point's place), an MLP training step with dropout and its
// hand-written backward pass (matmul with an operand transposed through
// indexing maps and through linalg.transpose, contraction and reduction
// generics, linalg.reduce/broadcast/map/fill, softmax cross-entropy with
// tensor.extract of the label's logit, i1 compares and selects), an
// embedding lookup by an index tensor, layer norm, gelu(erf), tanh, argmax
// as a generic with two outputs and as a linalg.reduce of two inputs,
// scf.while on a tensor<i1> predicate carrying a key, size-1 broadcasts
// through a constant 0 in an indexing map, and linalg.contract. Compiled for
// the CPU and the CUDA emulator, checked against scalar references
// (Inputs/frontend-ir.cpp).

// RUN: rm -rf %t && mkdir -p %t
// RUN: sto-compile %s -o %t/cpu.o --header %t/cpu.h
// RUN: %clangxx %sto_driver_flags -include %t/cpu.h %S/Inputs/frontend-ir.cpp %t/cpu.o %sto_runtime_link -o %t/cpu
// RUN: %t/cpu | FileCheck %s
// RUN: sto-compile %s --target=cuda-emulator -o %t/emu.o --header %t/emu.h
// RUN: %clangxx %sto_driver_flags -include %t/emu.h %S/Inputs/frontend-ir.cpp %t/emu.o %sto_runtime_link -o %t/emu
// RUN: %t/emu | FileCheck %s

// CHECK: step: status 0
// CHECK: step: 0 bad of 12
// CHECK: step with mismatched sizes: status 7
// CHECK: train_step: status 0
// CHECK: train_step w1: 0 bad of 512
// CHECK: train_step b1: 0 bad of 32
// CHECK: train_step w2: 0 bad of 128
// CHECK: train_step b2: 0 bad of 4
// CHECK: train_step loss: 0 bad of 1
// CHECK: embed: 0 bad of 2400
// CHECK: layernorm: 0 bad of 2400
// CHECK: gelu: 0 bad of 2400
// CHECK: tanh: 0 bad of 2400
// CHECK: argmax value: 0 bad of 300
// CHECK: argmax index: 0 bad of 300
// CHECK: while_tensor: 0 bad of 4
// CHECK: while_tensor count: 0 bad of 1
// CHECK: unit_bcast: 0 bad of 15
// CHECK: unit_bcast with mismatched sizes: status 7
// CHECK: contract: 0 bad of 12
// CHECK: argmax_reduce value: 0 bad of 4
// CHECK: argmax_reduce index: 0 bad of 4
// CHECK: ALL OK

#map_bias = affine_map<(d0, d1) -> (d1)>
#id2 = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d0)>
#mk = affine_map<(m, n, k) -> (m, k)>
#kn = affine_map<(m, n, k) -> (k, n)>
#mn = affine_map<(m, n, k) -> (m, n)>
#km = affine_map<(m, n, k) -> (k, m)>
#col = affine_map<(d0, d1) -> (d1)>
#loc1 = loc("train.py":12:0)
#loc2 = loc("jit(step)/jit(main)/dot_general"(#loc1))
#loc3 = loc("jit(step)/jit(main)/add"(#loc1))
#loc4 = loc(callsite(#loc2 at #loc1))
#loc5 = loc(fused[#loc3, #loc1])
module @jit_step attributes {mhlo.num_partitions = 1 : i32, mhlo.num_replicas = 1 : i32} {
  // JAX export style: named module with attributes, argument and result
  // attributes, name/callsite/fused locations, and llvm.emit_c_interface
  // (its _mlir_ciface_ wrapper took the C entry point's place).
  func.func public @step(%arg0: tensor<?x4xf32> {mhlo.layout_mode = "default", jax.arg_info = "x"} loc("x"), %arg1: tensor<?x4xf32> {mhlo.sharding = "{replicated}"} loc(unknown), %arg2: tensor<?xindex>) -> (tensor<?x4xf32> {jax.result_info = "out"}) attributes {llvm.emit_c_interface} {
    %0 = arith.addf %arg0, %arg1 : tensor<?x4xf32> loc(#loc5)
    %c0 = arith.constant 0 : index loc(#loc4)
    %n = tensor.dim %arg2, %c0 : tensor<?xindex> loc(#loc4)
    %e = tensor.empty(%n) : tensor<?x4xf32> loc(#loc2)
    %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}
        ins(%arg2 : tensor<?xindex>) outs(%e : tensor<?x4xf32>) {
      ^bb0(%i: index, %o: f32):
        %j = linalg.index 1 : index
        %v = tensor.extract %0[%i, %j] : tensor<?x4xf32>
        linalg.yield %v : f32
    } -> tensor<?x4xf32> loc(#loc4)
    return %r : tensor<?x4xf32>
  }
  func.func @train_step(%x: tensor<8x16xf32>, %w1: tensor<16x32xf32>, %b1: tensor<32xf32>,
                        %w2: tensor<32x4xf32>, %b2: tensor<4xf32>, %labels: tensor<8xi32>,
                        %seed: i64, %step: i64, %lr: f32)
      -> (tensor<16x32xf32>, tensor<32xf32>, tensor<32x4xf32>, tensor<4xf32>, tensor<f32>) {
    %cst0 = arith.constant 0.0 : f32
    %cst1 = arith.constant 1.0 : f32
    %ninf = arith.constant 0xFF800000 : f32
    %cB = arith.constant 8.0 : f32
    // h = x @ w1 + b1
    %e832 = tensor.empty() : tensor<8x32xf32>
    %z832 = linalg.fill ins(%cst0 : f32) outs(%e832 : tensor<8x32xf32>) -> tensor<8x32xf32>
    %xw = linalg.matmul ins(%x, %w1 : tensor<8x16xf32>, tensor<16x32xf32>) outs(%z832 : tensor<8x32xf32>) -> tensor<8x32xf32>
    %h = linalg.generic {indexing_maps = [#id2, #map_bias, #id2], iterator_types = ["parallel", "parallel"]}
        ins(%xw, %b1 : tensor<8x32xf32>, tensor<32xf32>) outs(%e832 : tensor<8x32xf32>) {
      ^bb0(%a: f32, %b: f32, %o: f32):
        %s = arith.addf %a, %b : f32
        linalg.yield %s : f32
    } -> tensor<8x32xf32>
    // relu
    %a = linalg.map { arith.maximumf } ins(%h, %z832 : tensor<8x32xf32>, tensor<8x32xf32>) outs(%e832 : tensor<8x32xf32>)
    // dropout mask = dropout(ones)
    %k0 = sto.seed %seed : i64
    %k = sto.fold_in %k0, %step : i64
    %ones = linalg.fill ins(%cst1 : f32) outs(%e832 : tensor<8x32xf32>) -> tensor<8x32xf32>
    %mask = sto.dropout %k, %ones {rate = 2.5e-01 : f64} : tensor<8x32xf32>
    %d = linalg.mul ins(%a, %mask : tensor<8x32xf32>, tensor<8x32xf32>) outs(%e832 : tensor<8x32xf32>) -> tensor<8x32xf32>
    // logits = d @ w2 + b2
    %e84 = tensor.empty() : tensor<8x4xf32>
    %z84 = linalg.fill ins(%cst0 : f32) outs(%e84 : tensor<8x4xf32>) -> tensor<8x4xf32>
    %dw = linalg.matmul ins(%d, %w2 : tensor<8x32xf32>, tensor<32x4xf32>) outs(%z84 : tensor<8x4xf32>) -> tensor<8x4xf32>
    %bb2 = linalg.broadcast ins(%b2 : tensor<4xf32>) outs(%e84 : tensor<8x4xf32>) dimensions = [0]
    %logits = linalg.add ins(%dw, %bb2 : tensor<8x4xf32>, tensor<8x4xf32>) outs(%e84 : tensor<8x4xf32>) -> tensor<8x4xf32>
    // softmax cross-entropy
    %e8 = tensor.empty() : tensor<8xf32>
    %m0 = linalg.fill ins(%ninf : f32) outs(%e8 : tensor<8xf32>) -> tensor<8xf32>
    %mx = linalg.reduce ins(%logits : tensor<8x4xf32>) outs(%m0 : tensor<8xf32>) dimensions = [1]
      (%in: f32, %init: f32) {
        %r = arith.maximumf %in, %init : f32
        linalg.yield %r : f32
      }
    %z8 = linalg.fill ins(%cst0 : f32) outs(%e8 : tensor<8xf32>) -> tensor<8xf32>
    %sum = linalg.generic {indexing_maps = [#id2, #row, #row], iterator_types = ["parallel", "reduction"]}
        ins(%logits, %mx : tensor<8x4xf32>, tensor<8xf32>) outs(%z8 : tensor<8xf32>) {
      ^bb0(%l: f32, %m: f32, %acc: f32):
        %t = arith.subf %l, %m : f32
        %ex = math.exp %t : f32
        %r = arith.addf %acc, %ex : f32
        linalg.yield %r : f32
    } -> tensor<8xf32>
    // per-row loss: log(sum) + max - logits[i, label[i]]  (tensor.extract in body)
    %rowloss = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]}
        ins(%sum, %mx, %labels : tensor<8xf32>, tensor<8xf32>, tensor<8xi32>) outs(%e8 : tensor<8xf32>) {
      ^bb0(%s: f32, %m: f32, %lab: i32, %o: f32):
        %i = linalg.index 0 : index
        %j = arith.index_cast %lab : i32 to index
        %lv = tensor.extract %logits[%i, %j] : tensor<8x4xf32>
        %lg = math.log %s : f32
        %lse = arith.addf %lg, %m : f32
        %r = arith.subf %lse, %lv : f32
        linalg.yield %r : f32
    } -> tensor<8xf32>
    %e0 = tensor.empty() : tensor<f32>
    %z0 = linalg.fill ins(%cst0 : f32) outs(%e0 : tensor<f32>) -> tensor<f32>
    %tot = linalg.reduce { arith.addf } ins(%rowloss : tensor<8xf32>) outs(%z0 : tensor<f32>) dimensions = [0]
    %loss = linalg.generic {indexing_maps = [affine_map<() -> ()>, affine_map<() -> ()>], iterator_types = []}
        ins(%tot : tensor<f32>) outs(%e0 : tensor<f32>) {
      ^bb0(%t: f32, %o: f32):
        %r = arith.divf %t, %cB : f32
        linalg.yield %r : f32
    } -> tensor<f32>
    // dlogits = (softmax - onehot) / B
    %dlogits = linalg.generic {indexing_maps = [#id2, #row, #row, #row, #id2], iterator_types = ["parallel", "parallel"]}
        ins(%logits, %mx, %sum, %labels : tensor<8x4xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xi32>) outs(%e84 : tensor<8x4xf32>) {
      ^bb0(%l: f32, %m: f32, %s: f32, %lab: i32, %o: f32):
        %j = linalg.index 1 : index
        %ji = arith.index_cast %j : index to i32
        %eq = arith.cmpi eq, %ji, %lab : i32
        %oh = arith.uitofp %eq : i1 to f32
        %t = arith.subf %l, %m : f32
        %ex = math.exp %t : f32
        %p = arith.divf %ex, %s : f32
        %g = arith.subf %p, %oh : f32
        %r = arith.divf %g, %cB : f32
        linalg.yield %r : f32
    } -> tensor<8x4xf32>
    // dw2 = d^T @ dlogits  (transposed operand through indexing maps)
    %e324 = tensor.empty() : tensor<32x4xf32>
    %z324 = linalg.fill ins(%cst0 : f32) outs(%e324 : tensor<32x4xf32>) -> tensor<32x4xf32>
    %gw2 = linalg.matmul indexing_maps = [#km, #kn, #mn]
        ins(%d, %dlogits : tensor<8x32xf32>, tensor<8x4xf32>) outs(%z324 : tensor<32x4xf32>) -> tensor<32x4xf32>
    %e4 = tensor.empty() : tensor<4xf32>
    %z4 = linalg.fill ins(%cst0 : f32) outs(%e4 : tensor<4xf32>) -> tensor<4xf32>
    %gb2 = linalg.reduce { arith.addf } ins(%dlogits : tensor<8x4xf32>) outs(%z4 : tensor<4xf32>) dimensions = [0]
    // dd = dlogits @ w2^T via linalg.transpose
    %e432 = tensor.empty() : tensor<4x32xf32>
    %w2t = linalg.transpose ins(%w2 : tensor<32x4xf32>) outs(%e432 : tensor<4x32xf32>) permutation = [1, 0]
    %dd = linalg.matmul ins(%dlogits, %w2t : tensor<8x4xf32>, tensor<4x32xf32>) outs(%z832 : tensor<8x32xf32>) -> tensor<8x32xf32>
    // dh = dd * mask * (h > 0)
    %dh = linalg.generic {indexing_maps = [#id2, #id2, #id2, #id2], iterator_types = ["parallel", "parallel"]}
        ins(%dd, %mask, %h : tensor<8x32xf32>, tensor<8x32xf32>, tensor<8x32xf32>) outs(%e832 : tensor<8x32xf32>) {
      ^bb0(%g: f32, %mk: f32, %hv: f32, %o: f32):
        %gt = arith.cmpf ogt, %hv, %cst0 : f32
        %gm = arith.mulf %g, %mk : f32
        %r = arith.select %gt, %gm, %cst0 : f32
        linalg.yield %r : f32
    } -> tensor<8x32xf32>
    // dw1 = x^T @ dh as a hand-written contraction generic
    %e1632 = tensor.empty() : tensor<16x32xf32>
    %z1632 = linalg.fill ins(%cst0 : f32) outs(%e1632 : tensor<16x32xf32>) -> tensor<16x32xf32>
    %gw1 = linalg.generic {indexing_maps = [#km, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
        ins(%x, %dh : tensor<8x16xf32>, tensor<8x32xf32>) outs(%z1632 : tensor<16x32xf32>) {
      ^bb0(%xa: f32, %ga: f32, %acc: f32):
        %p = arith.mulf %xa, %ga : f32
        %r = arith.addf %acc, %p : f32
        linalg.yield %r : f32
    } -> tensor<16x32xf32>
    %e32 = tensor.empty() : tensor<32xf32>
    %z32 = linalg.fill ins(%cst0 : f32) outs(%e32 : tensor<32xf32>) -> tensor<32xf32>
    %gb1 = linalg.generic {indexing_maps = [#id2, #map_bias], iterator_types = ["reduction", "parallel"]}
        ins(%dh : tensor<8x32xf32>) outs(%z32 : tensor<32xf32>) {
      ^bb0(%g: f32, %acc: f32):
        %r = arith.addf %acc, %g : f32
        linalg.yield %r : f32
    } -> tensor<32xf32>
    // SGD: p - lr * g (linalg.map capturing lr)
    %nw1 = linalg.map ins(%w1, %gw1 : tensor<16x32xf32>, tensor<16x32xf32>) outs(%e1632 : tensor<16x32xf32>)
      (%p: f32, %g: f32, %out_: f32) {
        %s = arith.mulf %lr, %g : f32
        %r = arith.subf %p, %s : f32
        linalg.yield %r : f32
      }
    %nb1 = linalg.map ins(%b1, %gb1 : tensor<32xf32>, tensor<32xf32>) outs(%e32 : tensor<32xf32>)
      (%p: f32, %g: f32, %out_: f32) {
        %s = arith.mulf %lr, %g : f32
        %r = arith.subf %p, %s : f32
        linalg.yield %r : f32
      }
    %nw2 = linalg.map ins(%w2, %gw2 : tensor<32x4xf32>, tensor<32x4xf32>) outs(%e324 : tensor<32x4xf32>)
      (%p: f32, %g: f32, %out_: f32) {
        %s = arith.mulf %lr, %g : f32
        %r = arith.subf %p, %s : f32
        linalg.yield %r : f32
      }
    %nb2 = linalg.map ins(%b2, %gb2 : tensor<4xf32>, tensor<4xf32>) outs(%e4 : tensor<4xf32>)
      (%p: f32, %g: f32, %out_: f32) {
        %s = arith.mulf %lr, %g : f32
        %r = arith.subf %p, %s : f32
        linalg.yield %r : f32
      }
    return %nw1, %nb1, %nw2, %nb2, %loss : tensor<16x32xf32>, tensor<32xf32>, tensor<32x4xf32>, tensor<4xf32>, tensor<f32>
  }
  func.func @embed(%ids: tensor<?xi64>, %table: tensor<10x8xf32>) -> tensor<?x8xf32> {
    %c0 = arith.constant 0 : index
    %n = tensor.dim %ids, %c0 : tensor<?xi64>
    %e = tensor.empty(%n) : tensor<?x8xf32>
    %r = linalg.generic {indexing_maps = [#row, #id2], iterator_types = ["parallel", "parallel"]}
        ins(%ids : tensor<?xi64>) outs(%e : tensor<?x8xf32>) {
      ^bb0(%id: i64, %o: f32):
        %j = linalg.index 1 : index
        %i = arith.index_cast %id : i64 to index
        %v = tensor.extract %table[%i, %j] : tensor<10x8xf32>
        linalg.yield %v : f32
    } -> tensor<?x8xf32>
    return %r : tensor<?x8xf32>
  }
  func.func @layernorm(%x: tensor<?x8xf32>, %g: tensor<8xf32>, %b: tensor<8xf32>) -> tensor<?x8xf32> {
    %c0 = arith.constant 0 : index
    %cst0 = arith.constant 0.0 : f32
    %cN = arith.constant 8.0 : f32
    %eps = arith.constant 1.0e-5 : f32
    %n = tensor.dim %x, %c0 : tensor<?x8xf32>
    %e1 = tensor.empty(%n) : tensor<?xf32>
    %z1 = linalg.fill ins(%cst0 : f32) outs(%e1 : tensor<?xf32>) -> tensor<?xf32>
    %s = linalg.generic {indexing_maps = [#id2, #row], iterator_types = ["parallel", "reduction"]}
        ins(%x : tensor<?x8xf32>) outs(%z1 : tensor<?xf32>) {
      ^bb0(%a: f32, %acc: f32):
        %r = arith.addf %a, %acc : f32
        linalg.yield %r : f32
    } -> tensor<?xf32>
    %mean = linalg.map ins(%s : tensor<?xf32>) outs(%e1 : tensor<?xf32>)
      (%a: f32, %out_: f32) {
        %r = arith.divf %a, %cN : f32
        linalg.yield %r : f32
      }
    %v = linalg.generic {indexing_maps = [#id2, #row, #row], iterator_types = ["parallel", "reduction"]}
        ins(%x, %mean : tensor<?x8xf32>, tensor<?xf32>) outs(%z1 : tensor<?xf32>) {
      ^bb0(%a: f32, %m: f32, %acc: f32):
        %d = arith.subf %a, %m : f32
        %d2 = arith.mulf %d, %d : f32
        %r = arith.addf %d2, %acc : f32
        linalg.yield %r : f32
    } -> tensor<?xf32>
    %e2 = tensor.empty(%n) : tensor<?x8xf32>
    %y = linalg.generic {indexing_maps = [#id2, #row, #row, #col, #col, #id2], iterator_types = ["parallel", "parallel"]}
        ins(%x, %mean, %v, %g, %b : tensor<?x8xf32>, tensor<?xf32>, tensor<?xf32>, tensor<8xf32>, tensor<8xf32>) outs(%e2 : tensor<?x8xf32>) {
      ^bb0(%a: f32, %m: f32, %vv: f32, %gg: f32, %bb: f32, %o: f32):
        %var = arith.divf %vv, %cN : f32
        %ve = arith.addf %var, %eps : f32
        %rs = math.rsqrt %ve : f32
        %d = arith.subf %a, %m : f32
        %nrm = arith.mulf %d, %rs : f32
        %sc = arith.mulf %nrm, %gg : f32
        %r = arith.addf %sc, %bb : f32
        linalg.yield %r : f32
    } -> tensor<?x8xf32>
    return %y : tensor<?x8xf32>
  }
  func.func @gelu_tanh(%x: tensor<?x8xf32>) -> (tensor<?x8xf32>, tensor<?x8xf32>) {
    %c0 = arith.constant 0 : index
    %half = arith.constant 0.5 : f32
    %one = arith.constant 1.0 : f32
    %rsqrt2 = arith.constant 0.707106769 : f32
    %n = tensor.dim %x, %c0 : tensor<?x8xf32>
    %e = tensor.empty(%n) : tensor<?x8xf32>
    %g = linalg.map ins(%x : tensor<?x8xf32>) outs(%e : tensor<?x8xf32>)
      (%a: f32, %out_: f32) {
        %s = arith.mulf %a, %rsqrt2 : f32
        %er = math.erf %s : f32
        %p = arith.addf %er, %one : f32
        %h = arith.mulf %a, %half : f32
        %r = arith.mulf %h, %p : f32
        linalg.yield %r : f32
      }
    %t = linalg.map { math.tanh } ins(%x : tensor<?x8xf32>) outs(%e : tensor<?x8xf32>)
    return %g, %t : tensor<?x8xf32>, tensor<?x8xf32>
  }
  func.func @argmax(%x: tensor<?x8xf32>) -> (tensor<?xf32>, tensor<?xi64>) {
    %c0 = arith.constant 0 : index
    %ninf = arith.constant 0xFF800000 : f32
    %zi = arith.constant 0 : i64
    %n = tensor.dim %x, %c0 : tensor<?x8xf32>
    %ef = tensor.empty(%n) : tensor<?xf32>
    %ei = tensor.empty(%n) : tensor<?xi64>
    %f = linalg.fill ins(%ninf : f32) outs(%ef : tensor<?xf32>) -> tensor<?xf32>
    %fi = linalg.fill ins(%zi : i64) outs(%ei : tensor<?xi64>) -> tensor<?xi64>
    %r:2 = linalg.generic {indexing_maps = [#id2, #row, #row], iterator_types = ["parallel", "reduction"]}
        ins(%x : tensor<?x8xf32>) outs(%f, %fi : tensor<?xf32>, tensor<?xi64>) {
      ^bb0(%a: f32, %m: f32, %mi: i64):
        %j = linalg.index 1 : index
        %ji = arith.index_cast %j : index to i64
        %gt = arith.cmpf ogt, %a, %m : f32
        %nm = arith.select %gt, %a, %m : f32
        %ni = arith.select %gt, %ji, %mi : i64
        linalg.yield %nm, %ni : f32, i64
    } -> (tensor<?xf32>, tensor<?xi64>)
    return %r#0, %r#1 : tensor<?xf32>, tensor<?xi64>
  }
  func.func @while_tensor(%x: tensor<4xf32>, %k: !sto.key) -> (tensor<4xf32>, tensor<i32>) {
    %c0 = arith.constant dense<0> : tensor<i32>
    %lim = arith.constant dense<3> : tensor<i32>
    %one = arith.constant dense<1> : tensor<i32>
    %r:3 = scf.while (%it = %c0, %v = %x, %kk = %k) : (tensor<i32>, tensor<4xf32>, !sto.key) -> (tensor<i32>, tensor<4xf32>, !sto.key) {
      %e = tensor.empty() : tensor<i1>
      %p = linalg.generic {indexing_maps = [affine_map<() -> ()>, affine_map<() -> ()>, affine_map<() -> ()>], iterator_types = []}
          ins(%it, %lim : tensor<i32>, tensor<i32>) outs(%e : tensor<i1>) {
        ^bb0(%a: i32, %b: i32, %o: i1):
          %c = arith.cmpi slt, %a, %b : i32
          linalg.yield %c : i1
      } -> tensor<i1>
      %pb = tensor.extract %p[] : tensor<i1>
      scf.condition(%pb) %it, %v, %kk : tensor<i32>, tensor<4xf32>, !sto.key
    } do {
    ^bb0(%it: tensor<i32>, %v: tensor<4xf32>, %kk: !sto.key):
      %ks:2 = sto.split %kk count 2
      %n = sto.noise %ks#0, %v {scale = 1.0e-01 : f64} : tensor<4xf32>
      %e = tensor.empty() : tensor<i32>
      %ni = linalg.generic {indexing_maps = [affine_map<() -> ()>, affine_map<() -> ()>, affine_map<() -> ()>], iterator_types = []}
          ins(%it, %one : tensor<i32>, tensor<i32>) outs(%e : tensor<i32>) {
        ^bb0(%a: i32, %b: i32, %o: i32):
          %c = arith.addi %a, %b : i32
          linalg.yield %c : i32
      } -> tensor<i32>
      scf.yield %ni, %n, %ks#1 : tensor<i32>, tensor<4xf32>, !sto.key
    }
    return %r#1, %r#0 : tensor<4xf32>, tensor<i32>
  }
  func.func @unit_bcast(%x: tensor<?x?xf32>, %b: tensor<1x?xf32>, %c: tensor<?x1xf32>) -> tensor<?x?xf32> {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %n = tensor.dim %x, %c0 : tensor<?x?xf32>
    %m = tensor.dim %x, %c1 : tensor<?x?xf32>
    %e = tensor.empty(%n, %m) : tensor<?x?xf32>
    %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (0, d1)>, affine_map<(d0, d1) -> (d0, 0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}
        ins(%x, %b, %c : tensor<?x?xf32>, tensor<1x?xf32>, tensor<?x1xf32>) outs(%e : tensor<?x?xf32>) {
      ^bb0(%a: f32, %bb: f32, %cc: f32, %o: f32):
        %s = arith.addf %a, %bb : f32
        %t = arith.mulf %s, %cc : f32
        linalg.yield %t : f32
    } -> tensor<?x?xf32>
    return %r : tensor<?x?xf32>
  }
  func.func @contract(%x: tensor<4x8xf32>, %w: tensor<3x8xf32>) -> tensor<4x3xf32> {
    %c = arith.constant 0.0 : f32
    %e = tensor.empty() : tensor<4x3xf32>
    %z = linalg.fill ins(%c : f32) outs(%e : tensor<4x3xf32>) -> tensor<4x3xf32>
    %r = linalg.contract indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
        ins(%x, %w : tensor<4x8xf32>, tensor<3x8xf32>) outs(%z : tensor<4x3xf32>) -> tensor<4x3xf32>
    return %r : tensor<4x3xf32>
  }
  func.func @argmax_reduce(%x: tensor<4x6xf32>) -> (tensor<4xf32>, tensor<4xi32>) {
    %ninf = arith.constant 0xFF800000 : f32
    %z = arith.constant 0 : i32
    %ef = tensor.empty() : tensor<4xf32>
    %ei = tensor.empty() : tensor<4xi32>
    %f = linalg.fill ins(%ninf : f32) outs(%ef : tensor<4xf32>) -> tensor<4xf32>
    %fi = linalg.fill ins(%z : i32) outs(%ei : tensor<4xi32>) -> tensor<4xi32>
    %eii = tensor.empty() : tensor<4x6xi32>
    %iota = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} outs(%eii : tensor<4x6xi32>) {
      ^bb0(%o: i32):
        %j = linalg.index 1 : index
        %ji = arith.index_cast %j : index to i32
        linalg.yield %ji : i32
    } -> tensor<4x6xi32>
    %r:2 = linalg.reduce ins(%x, %iota : tensor<4x6xf32>, tensor<4x6xi32>) outs(%f, %fi : tensor<4xf32>, tensor<4xi32>) dimensions = [1]
      (%a: f32, %ai: i32, %m: f32, %mi: i32) {
        %gt = arith.cmpf ogt, %a, %m : f32
        %nm = arith.select %gt, %a, %m : f32
        %ni = arith.select %gt, %ai, %mi : i32
        linalg.yield %nm, %ni : f32, i32
      }
    return %r#0, %r#1 : tensor<4xf32>, tensor<4xi32>
  }
}
