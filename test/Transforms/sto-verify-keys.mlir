// RUN: sto-opt %s -sto-verify-keys -split-input-file -verify-diagnostics | FileCheck %s
// RUN: not sto-opt %s -sto-verify-keys -split-input-file 2>&1 | FileCheck %s --check-prefix=LOC

// Programs that consume every key once pass unchanged; the ones that reuse a
// key fail with an error at the second use and a note at the first.

// CHECK-LABEL: func.func @split_then_use_once
func.func @split_then_use_once(%s: i64, %x: tensor<8xf32>) -> tensor<8xf32> {
  %k = sto.seed %s : i64
  %a, %b = sto.split %k count 2
  // CHECK: sto.dropout
  %y = sto.dropout %a, %x {rate = 1.0e-01 : f64} : tensor<8xf32>
  // CHECK: sto.noise
  %z = sto.noise %b, %y {scale = 5.0e-01 : f64} : tensor<8xf32>
  return %z : tensor<8xf32>
}

// -----

// LOC: sto-verify-keys.mlir:[[@LINE+4]]:{{[0-9]+}}: error: RNG key is consumed twice (by 'sto.dropout' and by 'sto.noise')
// LOC: sto-verify-keys.mlir:[[@LINE+2]]:{{[0-9]+}}: note: first use of the key
func.func @reuse(%k: !sto.key, %x: tensor<8xf32>) -> tensor<8xf32> {
  %y = sto.dropout %k, %x {rate = 1.0e-01 : f64} : tensor<8xf32> // expected-note {{first use of the key}}
  %z = sto.noise %k, %y {scale = 5.0e-01 : f64} : tensor<8xf32> // expected-error {{RNG key is consumed twice (by 'sto.dropout' and by 'sto.noise')}}
  return %z : tensor<8xf32>
}

// -----

func.func @reuse_split_child(%s: i64) -> (tensor<4xf32>, tensor<4xf32>) {
  %k = sto.seed %s : i64
  %a, %b = sto.split %k count 2
  %u = sto.uniform %a : tensor<4xf32> // expected-note {{first use of the key}}
  %v = sto.normal %a : tensor<4xf32> // expected-error {{RNG key is consumed twice (by 'sto.uniform' and by 'sto.normal')}}
  return %u, %v : tensor<4xf32>, tensor<4xf32>
}

// -----

func.func @sampled_and_returned(%k: !sto.key) -> (tensor<4xf32>, !sto.key) {
  %u = sto.uniform %k : tensor<4xf32> // expected-note {{first use of the key}}
  return %u, %k : tensor<4xf32>, !sto.key // expected-error {{RNG key is consumed twice (by 'sto.uniform' and by 'func.return')}}
}

// -----

func.func private @consume(!sto.key, !sto.key)

func.func @two_operands_of_one_call(%k: !sto.key) {
  // expected-note @+2 {{first use of the key}}
  // expected-error @+1 {{RNG key is consumed twice (by 'func.call' and by 'func.call')}}
  func.call @consume(%k, %k) : (!sto.key, !sto.key) -> ()
  return
}

// -----

func.func @derive_and_sample(%k: !sto.key) -> tensor<4xf32> {
  %a, %b = sto.split %k count 2 // expected-note {{first use of the key}}
  %u = sto.uniform %k : tensor<4xf32> // expected-error {{RNG key is consumed twice (by 'sto.split' and by 'sto.uniform')}}
  return %u : tensor<4xf32>
}

// -----

// A key captured by a loop body is consumed in every iteration.
func.func @captured_by_for(%k: !sto.key, %x: tensor<8xf32>, %n: index) -> tensor<8xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  // expected-note @+1 {{the key is defined outside this 'scf.for', whose body may run more than once}}
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %x) -> tensor<8xf32> {
    // expected-error @+1 {{RNG key is consumed by 'sto.dropout' in every iteration of a loop that does not redefine it}}
    %y = sto.dropout %k, %acc {rate = 1.0e-01 : f64} : tensor<8xf32>
    scf.yield %y : tensor<8xf32>
  }
  return %r : tensor<8xf32>
}

// -----

func.func @captured_by_while(%k: !sto.key, %x: tensor<8xf32>, %c: i1) -> tensor<8xf32> {
  // expected-note @+1 {{the key is defined outside this 'scf.while'}}
  %r = scf.while (%a = %x) : (tensor<8xf32>) -> tensor<8xf32> {
    scf.condition(%c) %a : tensor<8xf32>
  } do {
  ^bb0(%b: tensor<8xf32>):
    // expected-error @+1 {{RNG key is consumed by 'sto.noise' in every iteration}}
    %y = sto.noise %k, %b {scale = 1.0e-01 : f64} : tensor<8xf32>
    scf.yield %y : tensor<8xf32>
  }
  return %r : tensor<8xf32>
}

// -----

func.func @captured_by_forall(%k: !sto.key) -> tensor<4x8xf32> {
  %e = tensor.empty() : tensor<4x8xf32>
  // expected-note @+1 {{the key is defined outside this 'scf.forall'}}
  %r = scf.forall (%i) in (4) shared_outs(%o = %e) -> tensor<4x8xf32> {
    // expected-error @+1 {{RNG key is consumed by 'sto.uniform' in every iteration}}
    %u = sto.uniform %k : tensor<1x8xf32>
    scf.forall.in_parallel {
      tensor.parallel_insert_slice %u into %o[%i, 0] [1, 8] [1, 1] : tensor<1x8xf32> into tensor<4x8xf32>
    }
  }
  return %r : tensor<4x8xf32>
}

// -----

// The loop-carried key is fresh in each iteration, but yielding it unchanged
// after sampling from it hands the same key to the next iteration.
func.func @iter_arg_reused(%k: !sto.key, %x: tensor<8xf32>, %n: index) -> tensor<8xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %r:2 = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %x, %kk = %k) -> (tensor<8xf32>, !sto.key) {
    %y = sto.dropout %kk, %acc {rate = 1.0e-01 : f64} : tensor<8xf32> // expected-note {{first use of the key}}
    scf.yield %y, %kk : tensor<8xf32>, !sto.key // expected-error {{RNG key is consumed twice (by 'sto.dropout' and by 'scf.yield')}}
  }
  return %r#0 : tensor<8xf32>
}

// -----

// Using a key in a branch and again after the branch.
func.func @branch_then_after(%k: !sto.key, %c: i1) -> tensor<4xf32> {
  %r = scf.if %c -> tensor<4xf32> {
    %u = sto.uniform %k : tensor<4xf32> // expected-note {{first use of the key}}
    scf.yield %u : tensor<4xf32>
  } else {
    %z = arith.constant dense<0.0> : tensor<4xf32>
    scf.yield %z : tensor<4xf32>
  }
  %v = sto.normal %k : tensor<4xf32> // expected-error {{RNG key is consumed twice (by 'sto.uniform' and by 'sto.normal')}}
  %s = arith.addf %r, %v : tensor<4xf32>
  return %s : tensor<4xf32>
}

// -----

// Unstructured control flow: both uses lie on one path.
func.func @cfg_sequential(%k: !sto.key, %c: i1) -> tensor<4xf32> {
  %u = sto.uniform %k : tensor<4xf32> // expected-note {{first use of the key}}
  cf.cond_br %c, ^bb1, ^bb2(%u : tensor<4xf32>)
^bb1:
  %v = sto.normal %k : tensor<4xf32> // expected-error {{RNG key is consumed twice (by 'sto.uniform' and by 'sto.normal')}}
  cf.br ^bb2(%v : tensor<4xf32>)
^bb2(%r: tensor<4xf32>):
  return %r : tensor<4xf32>
}

// -----

// Unstructured loop that does not pass through the key's definition.
// expected-note @+1 {{the key is defined here}}
func.func @cfg_loop(%k: !sto.key, %x: tensor<4xf32>, %c: i1) -> tensor<4xf32> {
  cf.br ^loop(%x : tensor<4xf32>)
^loop(%a: tensor<4xf32>):
  // expected-error @+1 {{RNG key is consumed by 'sto.noise' in every iteration of a loop that does not redefine it}}
  %b = sto.noise %k, %a {scale = 1.0e-01 : f64} : tensor<4xf32>
  cf.cond_br %c, ^loop(%b : tensor<4xf32>), ^exit
^exit:
  return %b : tensor<4xf32>
}

// -----

func.func @replay_and_consume(%k: !sto.key, %p: tensor<8xf32>) -> tensor<8xf32> {
  %a = sto.spsa_perturb %k, %p {scale = 1.0e-03 : f64} : tensor<8xf32> // expected-note {{first use of the key}}
  // expected-error @+1 {{RNG key is consumed by 'sto.dropout' and by 'sto.spsa_perturb'; only ops that replay a key on purpose (sto.spsa_perturb, sto.spsa_update) may share one}}
  %b = sto.dropout %k, %a {rate = 1.0e-01 : f64} : tensor<8xf32>
  return %b : tensor<8xf32>
}

// -----

func.func @fold_in_same_constant(%k: !sto.key) -> (!sto.key, !sto.key) {
  %c3 = arith.constant 3 : i64
  %d3 = arith.constant 3 : i64
  %a = sto.fold_in %k, %c3 : i64 // expected-note {{first use of the key}}
  %b = sto.fold_in %k, %d3 : i64 // expected-error {{RNG key is folded with the same value twice, which derives the same key twice}}
  return %a, %b : !sto.key, !sto.key
}

// -----

func.func @fold_in_loop_invariant(%k: !sto.key, %x: tensor<8xf32>, %n: index, %step: index) -> tensor<8xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  // expected-note @+1 {{the loop is here}}
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %x) -> tensor<8xf32> {
    // expected-error @+1 {{RNG key is folded with a value that does not change across iterations}}
    %ki = sto.fold_in %k, %step : index
    %y = sto.dropout %ki, %acc {rate = 1.0e-01 : f64} : tensor<8xf32>
    scf.yield %y : tensor<8xf32>
  }
  return %r : tensor<8xf32>
}

// -----

// The body of sto.monte_carlo runs once per batch.
func.func @captured_by_monte_carlo(%k: !sto.key, %k2: !sto.key, %x: tensor<4xf32>) -> tensor<3xi64> {
  // expected-note @+1 {{the key is defined outside this 'sto.monte_carlo'}}
  %c = sto.monte_carlo %k, %x {samples = 10 : i64, batch = 5 : i64, stddev = 1.0e-01 : f64, num_classes = 3 : i64}
      : tensor<4xf32> -> tensor<3xi64> {
  ^bb0(%b: tensor<5x4xf32>):
    // expected-error @+1 {{RNG key is consumed by 'sto.uniform' in every iteration}}
    %u = sto.uniform %k2 : tensor<5xf32>
    %ids = arith.fptosi %u : tensor<5xf32> to tensor<5xi32>
    sto.yield %ids : tensor<5xi32>
  }
  return %c : tensor<3xi64>
}

// -----

// Exclusive branches consume a key once.
// CHECK-LABEL: func.func @exclusive_if
func.func @exclusive_if(%k: !sto.key, %c: i1) -> tensor<4xf32> {
  %r = scf.if %c -> tensor<4xf32> {
    %u = sto.uniform %k : tensor<4xf32>
    scf.yield %u : tensor<4xf32>
  } else {
    %v = sto.normal %k : tensor<4xf32>
    scf.yield %v : tensor<4xf32>
  }
  return %r : tensor<4xf32>
}

// -----

// CHECK-LABEL: func.func @exclusive_switch
func.func @exclusive_switch(%k: !sto.key, %i: index) -> tensor<4xf32> {
  %r = scf.index_switch %i -> tensor<4xf32>
  case 0 {
    %u = sto.uniform %k : tensor<4xf32>
    scf.yield %u : tensor<4xf32>
  }
  case 1 {
    %n = sto.normal %k : tensor<4xf32>
    scf.yield %n : tensor<4xf32>
  }
  default {
    %z = arith.constant dense<0.0> : tensor<4xf32>
    scf.yield %z : tensor<4xf32>
  }
  return %r : tensor<4xf32>
}

// -----

// CHECK-LABEL: func.func @exclusive_cfg
func.func @exclusive_cfg(%k: !sto.key, %c: i1) -> tensor<4xf32> {
  cf.cond_br %c, ^bb1, ^bb2
^bb1:
  %u = sto.uniform %k : tensor<4xf32>
  cf.br ^bb3(%u : tensor<4xf32>)
^bb2:
  %v = sto.normal %k : tensor<4xf32>
  cf.br ^bb3(%v : tensor<4xf32>)
^bb3(%r: tensor<4xf32>):
  return %r : tensor<4xf32>
}

// -----

// CHECK-LABEL: func.func @exclusive_successor_operands
func.func @exclusive_successor_operands(%k: !sto.key, %c: i1) -> tensor<4xf32> {
  cf.cond_br %c, ^bb1(%k : !sto.key), ^bb2(%k : !sto.key)
^bb1(%a: !sto.key):
  %u = sto.uniform %a : tensor<4xf32>
  return %u : tensor<4xf32>
^bb2(%b: !sto.key):
  %v = sto.normal %b : tensor<4xf32>
  return %v : tensor<4xf32>
}

// -----

// A loop whose back edge passes a fresh key through a block argument.
// CHECK-LABEL: func.func @cfg_loop_fresh_key
func.func @cfg_loop_fresh_key(%k: !sto.key, %x: tensor<4xf32>, %c: i1) -> tensor<4xf32> {
  cf.br ^loop(%x, %k : tensor<4xf32>, !sto.key)
^loop(%a: tensor<4xf32>, %kk: !sto.key):
  %k1, %k2 = sto.split %kk count 2
  %b = sto.noise %k1, %a {scale = 1.0e-01 : f64} : tensor<4xf32>
  cf.cond_br %c, ^loop(%b, %k2 : tensor<4xf32>, !sto.key), ^exit
^exit:
  return %b : tensor<4xf32>
}

// -----

// CHECK-LABEL: func.func @iter_arg_threaded
func.func @iter_arg_threaded(%s: i64, %x: tensor<8xf32>, %n: index) -> tensor<8xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %k = sto.seed %s : i64
  %r:2 = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %x, %kk = %k) -> (tensor<8xf32>, !sto.key) {
    %next, %use = sto.split %kk count 2
    %y = sto.dropout %use, %acc {rate = 1.0e-01 : f64} : tensor<8xf32>
    scf.yield %y, %next : tensor<8xf32>, !sto.key
  }
  return %r#0 : tensor<8xf32>
}

// -----

// fold_in of the induction variable gives a new key per iteration.
// CHECK-LABEL: func.func @fold_in_induction_variable
func.func @fold_in_induction_variable(%k: !sto.key, %x: tensor<8xf32>, %n: index) -> tensor<8xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %x) -> tensor<8xf32> {
    %ki = sto.fold_in %k, %i : index
    %y = sto.dropout %ki, %acc {rate = 1.0e-01 : f64} : tensor<8xf32>
    scf.yield %y : tensor<8xf32>
  }
  return %r : tensor<8xf32>
}

// -----

// CHECK-LABEL: func.func @fold_in_distinct_data
func.func @fold_in_distinct_data(%k: !sto.key, %rank: i64) -> (!sto.key, !sto.key, !sto.key) {
  %c0 = arith.constant 0 : i64
  %c1 = arith.constant 1 : i64
  %a = sto.fold_in %k, %c0 : i64
  %b = sto.fold_in %k, %c1 : i64
  %c = sto.fold_in %k, %rank : i64
  return %a, %b, %c : !sto.key, !sto.key, !sto.key
}

// -----

// SPSA replays one key on purpose: perturb, perturb back, update.
// CHECK-LABEL: func.func @spsa_replay
func.func @spsa_replay(%k: !sto.key, %p: tensor<8xf32>, %g: f32) -> tensor<8xf32> {
  %plus = sto.spsa_perturb %k, %p {scale = 1.0e-03 : f64} : tensor<8xf32>
  %minus = sto.spsa_perturb %k, %plus {scale = -2.0e-03 : f64} : tensor<8xf32>
  %back = sto.spsa_perturb %k, %minus {scale = 1.0e-03 : f64} : tensor<8xf32>
  %new = sto.spsa_update %k, %back, %g {lr = 1.0e-02 : f64} : tensor<8xf32>, f32
  return %new : tensor<8xf32>
}

// -----

// Function arguments are fresh keys; each function consumes its own.
// CHECK-LABEL: func.func @callee
func.func @callee(%k: !sto.key, %x: tensor<8xf32>) -> tensor<8xf32> {
  %y = sto.dropout %k, %x {rate = 5.0e-01 : f64} : tensor<8xf32>
  return %y : tensor<8xf32>
}
// CHECK-LABEL: func.func @caller
func.func @caller(%s: i64, %x: tensor<8xf32>) -> tensor<8xf32> {
  %k = sto.seed %s : i64
  %a, %b = sto.split %k count 2
  %y = func.call @callee(%a, %x) : (!sto.key, tensor<8xf32>) -> tensor<8xf32>
  %z = func.call @callee(%b, %y) : (!sto.key, tensor<8xf32>) -> tensor<8xf32>
  return %z : tensor<8xf32>
}

// -----

// Data computed inside the loop can still be loop-invariant: a constant, or
// arithmetic on values from outside.
func.func @fold_in_constant_in_for(%k: !sto.key, %x: tensor<8xf32>, %n: index) -> tensor<8xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  // expected-note @+1 {{the loop is here}}
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %x) -> tensor<8xf32> {
    %c5 = arith.constant 5 : index
    // expected-error @+1 {{RNG key is folded with a value that does not change across iterations}}
    %k2 = sto.fold_in %k, %c5 : index
    %y = sto.dropout %k2, %acc {rate = 1.0e-01 : f64} : tensor<8xf32>
    scf.yield %y : tensor<8xf32>
  }
  return %r : tensor<8xf32>
}

// -----

func.func @fold_in_arith_on_outside_in_for(%k: !sto.key, %x: tensor<8xf32>, %n: index) -> tensor<8xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  // expected-note @+1 {{the loop is here}}
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %x) -> tensor<8xf32> {
    %d = arith.addi %n, %c0 : index
    %e = arith.muli %d, %d : index
    // expected-error @+1 {{RNG key is folded with a value that does not change across iterations}}
    %k2 = sto.fold_in %k, %e : index
    %y = sto.dropout %k2, %acc {rate = 1.0e-01 : f64} : tensor<8xf32>
    scf.yield %y : tensor<8xf32>
  }
  return %r : tensor<8xf32>
}

// -----

// The fold_in sits in an scf.if inside the loop; its datum is still
// invariant.
func.func @fold_in_constant_in_if_in_for(%k: !sto.key, %x: tensor<8xf32>, %n: index, %c: i1) -> tensor<8xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  // expected-note @+1 {{the loop is here}}
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %x) -> tensor<8xf32> {
    %s = scf.if %c -> tensor<8xf32> {
      %c3 = arith.constant 3 : i64
      // expected-error @+1 {{RNG key is folded with a value that does not change across iterations}}
      %k2 = sto.fold_in %k, %c3 : i64
      %y = sto.dropout %k2, %acc {rate = 1.0e-01 : f64} : tensor<8xf32>
      scf.yield %y : tensor<8xf32>
    } else {
      scf.yield %acc : tensor<8xf32>
    }
    scf.yield %s : tensor<8xf32>
  }
  return %r : tensor<8xf32>
}

// -----

func.func @fold_in_constant_in_while(%k: !sto.key, %x: tensor<8xf32>, %c: i1) -> tensor<8xf32> {
  // expected-note @+1 {{the loop is here}}
  %r = scf.while (%a = %x) : (tensor<8xf32>) -> tensor<8xf32> {
    scf.condition(%c) %a : tensor<8xf32>
  } do {
  ^bb0(%b: tensor<8xf32>):
    %c7 = arith.constant 7 : i64
    // expected-error @+1 {{RNG key is folded with a value that does not change across iterations}}
    %k2 = sto.fold_in %k, %c7 : i64
    %y = sto.noise %k2, %b {scale = 1.0e-01 : f64} : tensor<8xf32>
    scf.yield %y : tensor<8xf32>
  }
  return %r : tensor<8xf32>
}

// -----

func.func @fold_in_arith_on_outside_in_while(%k: !sto.key, %x: tensor<8xf32>, %c: i1, %s: i64) -> tensor<8xf32> {
  // expected-note @+1 {{the loop is here}}
  %r = scf.while (%a = %x) : (tensor<8xf32>) -> tensor<8xf32> {
    scf.condition(%c) %a : tensor<8xf32>
  } do {
  ^bb0(%b: tensor<8xf32>):
    %c7 = arith.constant 7 : i64
    %d = arith.muli %s, %c7 : i64
    // expected-error @+1 {{RNG key is folded with a value that does not change across iterations}}
    %k2 = sto.fold_in %k, %d : i64
    %y = sto.noise %k2, %b {scale = 1.0e-01 : f64} : tensor<8xf32>
    scf.yield %y : tensor<8xf32>
  }
  return %r : tensor<8xf32>
}

// -----

// An unstructured loop whose body computes the datum from a constant.
func.func @fold_in_constant_in_cfg_loop(%k: !sto.key, %x: tensor<4xf32>, %c: i1) -> tensor<4xf32> {
  cf.br ^loop(%x : tensor<4xf32>)
^loop(%a: tensor<4xf32>):
  %c2 = arith.constant 2 : i64
  %d = arith.addi %c2, %c2 : i64
  // expected-error @+1 {{RNG key is folded with a value that does not change across iterations}}
  %k2 = sto.fold_in %k, %d : i64
  %b = sto.noise %k2, %a {scale = 1.0e-01 : f64} : tensor<4xf32>
  cf.cond_br %c, ^loop(%b : tensor<4xf32>), ^exit
^exit:
  return %b : tensor<4xf32>
}

// -----

// Data that changes per iteration: the induction variable through arith ops,
// an iter_arg, a loaded value, a call's result, a value an scf.if picks from
// the induction variable, the arguments of scf.while, scf.forall and
// unstructured loop blocks.
// CHECK-LABEL: func.func @fold_in_induction_variable_arith
func.func @fold_in_induction_variable_arith(%k: !sto.key, %x: tensor<8xf32>, %n: index) -> tensor<8xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %x) -> tensor<8xf32> {
    %c5 = arith.constant 5 : index
    %d = arith.addi %i, %c5 : index
    %e = arith.index_cast %d : index to i64
    %ki = sto.fold_in %k, %e : i64
    %y = sto.dropout %ki, %acc {rate = 1.0e-01 : f64} : tensor<8xf32>
    scf.yield %y : tensor<8xf32>
  }
  return %r : tensor<8xf32>
}

// -----

// CHECK-LABEL: func.func @fold_in_iter_arg
func.func @fold_in_iter_arg(%k: !sto.key, %x: tensor<8xf32>, %n: index) -> tensor<8xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %z = arith.constant 0 : i64
  %r:2 = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %x, %step = %z) -> (tensor<8xf32>, i64) {
    %ki = sto.fold_in %k, %step : i64
    %y = sto.dropout %ki, %acc {rate = 1.0e-01 : f64} : tensor<8xf32>
    %one = arith.constant 1 : i64
    %next = arith.addi %step, %one : i64
    scf.yield %y, %next : tensor<8xf32>, i64
  }
  return %r#0 : tensor<8xf32>
}

// -----

// CHECK-LABEL: func.func @fold_in_loaded_value
func.func @fold_in_loaded_value(%k: !sto.key, %x: tensor<8xf32>, %n: index, %m: memref<1xi64>) -> tensor<8xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %x) -> tensor<8xf32> {
    %v = memref.load %m[%c0] : memref<1xi64>
    %ki = sto.fold_in %k, %v : i64
    %y = sto.dropout %ki, %acc {rate = 1.0e-01 : f64} : tensor<8xf32>
    scf.yield %y : tensor<8xf32>
  }
  return %r : tensor<8xf32>
}

// -----

func.func private @next_step() -> i64

// CHECK-LABEL: func.func @fold_in_call_result
func.func @fold_in_call_result(%k: !sto.key, %x: tensor<8xf32>, %n: index) -> tensor<8xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %x) -> tensor<8xf32> {
    %v = func.call @next_step() : () -> i64
    %ki = sto.fold_in %k, %v : i64
    %y = sto.dropout %ki, %acc {rate = 1.0e-01 : f64} : tensor<8xf32>
    scf.yield %y : tensor<8xf32>
  }
  return %r : tensor<8xf32>
}

// -----

// CHECK-LABEL: func.func @fold_in_if_of_induction_variable
func.func @fold_in_if_of_induction_variable(%k: !sto.key, %x: tensor<8xf32>, %n: index, %c: i1) -> tensor<8xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %x) -> tensor<8xf32> {
    %d = scf.if %c -> index {
      scf.yield %i : index
    } else {
      %j = arith.addi %i, %n : index
      scf.yield %j : index
    }
    %ki = sto.fold_in %k, %d : index
    %y = sto.dropout %ki, %acc {rate = 1.0e-01 : f64} : tensor<8xf32>
    scf.yield %y : tensor<8xf32>
  }
  return %r : tensor<8xf32>
}

// -----

// CHECK-LABEL: func.func @fold_in_while_argument
func.func @fold_in_while_argument(%k: !sto.key, %x: tensor<8xf32>, %n: i64) -> tensor<8xf32> {
  %z = arith.constant 0 : i64
  %r:2 = scf.while (%a = %x, %t = %z) : (tensor<8xf32>, i64) -> (tensor<8xf32>, i64) {
    %c = arith.cmpi slt, %t, %n : i64
    scf.condition(%c) %a, %t : tensor<8xf32>, i64
  } do {
  ^bb0(%b: tensor<8xf32>, %u: i64):
    %c3 = arith.constant 3 : i64
    %d = arith.muli %u, %c3 : i64
    %ki = sto.fold_in %k, %d : i64
    %y = sto.noise %ki, %b {scale = 1.0e-01 : f64} : tensor<8xf32>
    %one = arith.constant 1 : i64
    %next = arith.addi %u, %one : i64
    scf.yield %y, %next : tensor<8xf32>, i64
  }
  return %r#0 : tensor<8xf32>
}

// -----

// CHECK-LABEL: func.func @fold_in_forall_index
func.func @fold_in_forall_index(%k: !sto.key) -> tensor<4x8xf32> {
  %e = tensor.empty() : tensor<4x8xf32>
  %r = scf.forall (%i) in (4) shared_outs(%o = %e) -> tensor<4x8xf32> {
    %c1 = arith.constant 1 : index
    %j = arith.addi %i, %c1 : index
    %ki = sto.fold_in %k, %j : index
    %u = sto.uniform %ki : tensor<1x8xf32>
    scf.forall.in_parallel {
      tensor.parallel_insert_slice %u into %o[%i, 0] [1, 8] [1, 1] : tensor<1x8xf32> into tensor<4x8xf32>
    }
  }
  return %r : tensor<4x8xf32>
}

// -----

// CHECK-LABEL: func.func @fold_in_cfg_loop_counter
func.func @fold_in_cfg_loop_counter(%k: !sto.key, %x: tensor<4xf32>, %c: i1) -> tensor<4xf32> {
  %z = arith.constant 0 : i64
  cf.br ^loop(%x, %z : tensor<4xf32>, i64)
^loop(%a: tensor<4xf32>, %t: i64):
  %c2 = arith.constant 2 : i64
  %d = arith.addi %t, %c2 : i64
  %k2 = sto.fold_in %k, %d : i64
  %b = sto.noise %k2, %a {scale = 1.0e-01 : f64} : tensor<4xf32>
  %one = arith.constant 1 : i64
  %next = arith.addi %t, %one : i64
  cf.cond_br %c, ^loop(%b, %next : tensor<4xf32>, i64), ^exit
^exit:
  return %b : tensor<4xf32>
}

// -----

// Nested loops: the datum must change in every loop between the key and the
// fold_in. The inner induction variable alone repeats its values for every
// outer iteration.
func.func @nested_inner_iv_only(%k: !sto.key, %x: tensor<8xf32>, %n: index) -> tensor<8xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  // expected-note @+1 {{the loop is here}}
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%a = %x) -> tensor<8xf32> {
    %r2 = scf.for %j = %c0 to %n step %c1 iter_args(%b = %a) -> tensor<8xf32> {
      // expected-error @+1 {{RNG key is folded with a value that does not change across iterations}}
      %k2 = sto.fold_in %k, %j : index
      %y = sto.dropout %k2, %b {rate = 1.0e-01 : f64} : tensor<8xf32>
      scf.yield %y : tensor<8xf32>
    }
    scf.yield %r2 : tensor<8xf32>
  }
  return %r : tensor<8xf32>
}

// -----

// Valid: a datum from both induction variables, an inner range that moves
// with the outer one, and a key folded per level.
func.func @nested_valid(%k: !sto.key, %x: tensor<8xf32>, %n: index) -> tensor<8xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %k1, %k2, %k3 = sto.split %k count 3
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%a = %x) -> tensor<8xf32> {
    %lo = arith.muli %i, %n : index
    %hi = arith.addi %lo, %n : index
    %r2 = scf.for %j = %c0 to %n step %c1 iter_args(%b = %a) -> tensor<8xf32> {
      %ij = arith.addi %lo, %j : index
      %ka = sto.fold_in %k1, %ij : index
      %y = sto.dropout %ka, %b {rate = 1.0e-01 : f64} : tensor<8xf32>
      scf.yield %y : tensor<8xf32>
    }
    %r3 = scf.for %j = %lo to %hi step %c1 iter_args(%b = %r2) -> tensor<8xf32> {
      %kb = sto.fold_in %k2, %j : index
      %y = sto.dropout %kb, %b {rate = 1.0e-01 : f64} : tensor<8xf32>
      scf.yield %y : tensor<8xf32>
    }
    %ki = sto.fold_in %k3, %i : index
    %r4 = scf.for %j = %c0 to %n step %c1 iter_args(%b = %r3) -> tensor<8xf32> {
      %kc = sto.fold_in %ki, %j : index
      %y = sto.dropout %kc, %b {rate = 1.0e-01 : f64} : tensor<8xf32>
      scf.yield %y : tensor<8xf32>
    }
    scf.yield %r4 : tensor<8xf32>
  }
  return %r : tensor<8xf32>
}

// -----

// A loop with several induction variables: the datum must change with each
// of them. Folding in i alone repeats the keys of (i, 0..3) for every j.
func.func @fold_in_forall_one_of_two_ivs(%k: !sto.key) -> tensor<4x4xf32> {
  %e = tensor.empty() : tensor<4x4xf32>
  // expected-note @+1 {{the loop is here}}
  %r = scf.forall (%i, %j) in (4, 4) shared_outs(%o = %e) -> tensor<4x4xf32> {
    // expected-error @+1 {{RNG key is folded with a value that does not change with every induction variable of the loop, so iterations that differ only in the others derive the same key; fold in a value computed from all of them (such as the linear index)}}
    %f = sto.fold_in %k, %i : index
    %u = sto.uniform %f : tensor<1x1xf32>
    scf.forall.in_parallel {
      tensor.parallel_insert_slice %u into %o[%i, %j] [1, 1] [1, 1] : tensor<1x1xf32> into tensor<4x4xf32>
    }
  }
  return %r : tensor<4x4xf32>
}

// -----

// In a linalg.generic body, linalg.index d is the induction variable of
// dimension d: folding in the linear index of a 2-D generic (or index 0 of
// a 1-D one) derives a key per element; index 0 alone of a 2-D generic
// repeats row i's keys in every column.
// CHECK-LABEL: func.func @fold_in_linalg_index
func.func @fold_in_linalg_index(%k: !sto.key, %x: tensor<8xf32>, %y: tensor<8x4xf32>) -> (tensor<8xf32>, tensor<8x4xf32>) {
  %e = tensor.empty() : tensor<8xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]} ins(%x : tensor<8xf32>) outs(%e : tensor<8xf32>) {
  ^bb0(%in: f32, %o: f32):
    %i = linalg.index 0 : index
    %ki = sto.fold_in %k, %i : index
    linalg.yield %in : f32
  } -> tensor<8xf32>
  %e2 = tensor.empty() : tensor<8x4xf32>
  %r2 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%y : tensor<8x4xf32>) outs(%e2 : tensor<8x4xf32>) {
  ^bb0(%in: f32, %o: f32):
    %c4 = arith.constant 4 : index
    %i = linalg.index 0 : index
    %j = linalg.index 1 : index
    %i4 = arith.muli %i, %c4 : index
    %l = arith.addi %i4, %j : index
    %kl = sto.fold_in %k, %l : index
    linalg.yield %in : f32
  } -> tensor<8x4xf32>
  return %r, %r2 : tensor<8xf32>, tensor<8x4xf32>
}

// -----

func.func @fold_in_linalg_index_one_of_two(%k: !sto.key, %y: tensor<8x4xf32>) -> tensor<8x4xf32> {
  %e = tensor.empty() : tensor<8x4xf32>
  // expected-note @+1 {{the loop is here}}
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%y : tensor<8x4xf32>) outs(%e : tensor<8x4xf32>) {
  ^bb0(%in: f32, %o: f32):
    %i = linalg.index 0 : index
    // expected-error @+1 {{does not change with every induction variable of the loop}}
    %ki = sto.fold_in %k, %i : index
    linalg.yield %in : f32
  } -> tensor<8x4xf32>
  return %r : tensor<8x4xf32>
}

// -----

func.func @fold_in_parallel_one_of_two_ivs(%k: !sto.key, %m: memref<4x4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  // expected-note @+1 {{the loop is here}}
  scf.parallel (%i, %j) = (%c0, %c0) to (%c4, %c4) step (%c1, %c1) {
    // expected-error @+1 {{does not change with every induction variable of the loop}}
    %f = sto.fold_in %k, %j : index
    %u = sto.uniform %f : tensor<1xf32>
    %c0_0 = arith.constant 0 : index
    %v = tensor.extract %u[%c0_0] : tensor<1xf32>
    memref.store %v, %m[%i, %j] : memref<4x4xf32>
    scf.reduce
  }
  return
}

// -----

// The linear index i·4 + j changes with both: accepted.
// CHECK-LABEL: func.func @fold_in_forall_linear_index
func.func @fold_in_forall_linear_index(%k: !sto.key) -> tensor<4x4xf32> {
  %e = tensor.empty() : tensor<4x4xf32>
  %r = scf.forall (%i, %j) in (4, 4) shared_outs(%o = %e) -> tensor<4x4xf32> {
    %c4 = arith.constant 4 : index
    %i4 = arith.muli %i, %c4 : index
    %l = arith.addi %i4, %j : index
    %f = sto.fold_in %k, %l : index
    %u = sto.uniform %f : tensor<1x1xf32>
    scf.forall.in_parallel {
      tensor.parallel_insert_slice %u into %o[%i, %j] [1, 1] [1, 1] : tensor<1x1xf32> into tensor<4x4xf32>
    }
  }
  return %r : tensor<4x4xf32>
}

// -----

// Data computed twice by equal side-effect-free ops are the same value (CSE
// merges them, and the result used to fail this check after the frontend
// had accepted the input); so are d and index_cast(d).
func.func @fold_in_same_expression(%k: !sto.key, %d: i64) -> (!sto.key, !sto.key) {
  %one = arith.constant 1 : i64
  %e1 = arith.addi %d, %one : i64
  %e2 = arith.addi %d, %one : i64
  // expected-note @+1 {{first use of the key}}
  %x = sto.fold_in %k, %e1 : i64
  // expected-error @+1 {{RNG key is folded with the same value twice, which derives the same key twice}}
  %y = sto.fold_in %k, %e2 : i64
  return %x, %y : !sto.key, !sto.key
}

// -----

func.func @fold_in_index_cast(%k: !sto.key, %d: i64) -> (!sto.key, !sto.key) {
  %i = arith.index_cast %d : i64 to index
  // expected-note @+1 {{first use of the key}}
  %x = sto.fold_in %k, %d : i64
  // expected-error @+1 {{RNG key is folded with the same value twice}}
  %y = sto.fold_in %k, %i : index
  return %x, %y : !sto.key, !sto.key
}

// -----

// Different operands, or index_castui (zero extension of a narrower value),
// may differ: accepted.
// CHECK-LABEL: func.func @fold_in_different_expressions
func.func @fold_in_different_expressions(%k: !sto.key, %d: i64, %e: i64) -> (!sto.key, !sto.key) {
  %one = arith.constant 1 : i64
  %e1 = arith.addi %d, %one : i64
  %e2 = arith.addi %e, %one : i64
  %x = sto.fold_in %k, %e1 : i64
  %y = sto.fold_in %k, %e2 : i64
  return %x, %y : !sto.key, !sto.key
}

// -----

// Keys in a tensor would escape the check (it follows SSA values).
func.func @keys_in_a_tensor(%k: !sto.key) -> tensor<4xf32> {
  // expected-error @+1 {{RNG keys cannot be elements of 'tensor<1x!sto.key>': the key check follows keys as values; pass them one by one, or sto.split a key where they are needed}}
  %t = tensor.from_elements %k : tensor<1x!sto.key>
  %c0 = arith.constant 0 : index
  %a = tensor.extract %t[%c0] : tensor<1x!sto.key>
  %u = sto.uniform %a : tensor<4xf32>
  return %u : tensor<4xf32>
}

// -----

// A branch operand is consumed on its edge: here the key is forwarded to ^b
// and used directly in ^a, and only one of the two runs. Accepted.
// CHECK-LABEL: func.func @cond_br_forward_and_direct
func.func @cond_br_forward_and_direct(%k: !sto.key, %c: i1) -> tensor<4xf32> {
  cf.cond_br %c, ^a, ^b(%k : !sto.key)
^a:
  %u = sto.uniform %k : tensor<4xf32>
  cf.br ^end(%u : tensor<4xf32>)
^b(%kb: !sto.key):
  %v = sto.normal %kb : tensor<4xf32>
  cf.br ^end(%v : tensor<4xf32>)
^end(%r: tensor<4xf32>):
  return %r : tensor<4xf32>
}

// -----

// Two paths into ^a, each forwarding the key once. Accepted.
// CHECK-LABEL: func.func @cond_br_two_paths
func.func @cond_br_two_paths(%k: !sto.key, %c: i1) -> tensor<4xf32> {
  cf.cond_br %c, ^a(%k : !sto.key), ^b
^b:
  cf.br ^a(%k : !sto.key)
^a(%ka: !sto.key):
  %u = sto.uniform %ka : tensor<4xf32>
  return %u : tensor<4xf32>
}

// -----

// Forwarded to ^a, where it is used again directly: both run.
func.func @cond_br_forward_then_direct(%k: !sto.key, %c: i1) -> tensor<4xf32> {
  // expected-note @+1 {{first use of the key}}
  cf.cond_br %c, ^a(%k : !sto.key), ^b
^a(%ka: !sto.key):
  %v = sto.normal %ka : tensor<4xf32>
  // expected-error @+1 {{RNG key is consumed twice}}
  %u = sto.uniform %k : tensor<4xf32>
  %s = arith.addf %u, %v : tensor<4xf32>
  return %s : tensor<4xf32>
^b:
  %w = arith.constant dense<0.0> : tensor<4xf32>
  return %w : tensor<4xf32>
}

// -----

// fold_in data that differ as values can still be the same integer. Data
// affine in the induction variables of counted loops are compared as sets.
// Iteration i's second key is iteration i + 1's first.
func.func @fold_in_i_and_i_plus_1(%k: !sto.key, %n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  scf.for %i = %c0 to %n step %c1 {
    // expected-note @+1 {{first use of the key}}
    %a = sto.fold_in %k, %i : index
    %j = arith.addi %i, %c1 : index
    // expected-error @+1 {{RNG key is folded with data that can be equal, which derives the same key twice: both fold in 1 (this use in iteration 0 of its 'scf.for', the first in iteration 1 of its 'scf.for')}}
    %b = sto.fold_in %k, %j : index
    %u = sto.uniform %a : tensor<4xf32>
    %v = sto.uniform %b : tensor<4xf32>
  }
  return
}

// -----

// A loop of one iteration: i and i + 1 never meet.
// CHECK-LABEL: func.func @fold_in_i_and_i_plus_1_once
func.func @fold_in_i_and_i_plus_1_once(%k: !sto.key) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  scf.for %i = %c0 to %c1 step %c1 {
    %a = sto.fold_in %k, %i : index
    %j = arith.addi %i, %c1 : index
    %b = sto.fold_in %k, %j : index
    %u = sto.uniform %a : tensor<4xf32>
    %v = sto.uniform %b : tensor<4xf32>
  }
  return
}

// -----

func.func @fold_in_i_in_two_loops(%k: !sto.key, %n: index, %m: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  scf.for %i = %c0 to %n step %c1 {
    // expected-note @+1 {{first use of the key}}
    %a = sto.fold_in %k, %i : index
    %u = sto.uniform %a : tensor<4xf32>
  }
  scf.for %i = %c0 to %m step %c1 {
    // expected-error @+1 {{both fold in 0 (this use in iteration 0 of its 'scf.for', the first in iteration 0 of its 'scf.for')}}
    %b = sto.fold_in %k, %i : index
    %u = sto.uniform %b : tensor<4xf32>
  }
  return
}

// -----

func.func @fold_in_zero_after_loop(%k: !sto.key, %n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  scf.for %i = %c0 to %n step %c1 {
    // expected-note @+1 {{first use of the key}}
    %a = sto.fold_in %k, %i : index
    %u = sto.uniform %a : tensor<4xf32>
  }
  %z = arith.constant 0 : i64
  // expected-error @+1 {{RNG key is folded with data that can be equal, which derives the same key twice: both fold in 0 (the first in iteration 0 of its 'scf.for')}}
  %b = sto.fold_in %k, %z : i64
  %v = sto.uniform %b : tensor<4xf32>
  return
}

// -----

// Before the loop, with the loop's i64 induction variable; and n - 1 after a
// loop below n (its last iteration).
func.func @fold_in_zero_before_loop(%k: !sto.key, %n: i64) {
  %c0 = arith.constant 0 : i64
  %c1 = arith.constant 1 : i64
  // expected-note @+1 {{first use of the key}}
  %b = sto.fold_in %k, %c0 : i64
  %v = sto.uniform %b : tensor<4xf32>
  scf.for %i = %c0 to %n step %c1 : i64 {
    // expected-error @+1 {{both fold in 0 (this use in iteration 0 of its 'scf.for')}}
    %a = sto.fold_in %k, %i : i64
    %u = sto.uniform %a : tensor<4xf32>
  }
  return
}

// -----

func.func @fold_in_last_after_loop(%k: !sto.key, %n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  scf.for %i = %c0 to %n step %c1 {
    // expected-note @+1 {{first use of the key}}
    %a = sto.fold_in %k, %i : index
    %u = sto.uniform %a : tensor<4xf32>
  }
  %l = arith.subi %n, %c1 : index
  // expected-error @+1 {{both fold in the same value (the first in the last iteration of its 'scf.for')}}
  %b = sto.fold_in %k, %l : index
  %v = sto.uniform %b : tensor<4xf32>
  return
}

// -----

// Constant ranges: i < 4 and 4 are disjoint, i < 4 and 3 are not.
// CHECK-LABEL: func.func @fold_in_past_constant_range
func.func @fold_in_past_constant_range(%k: !sto.key) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  scf.for %i = %c0 to %c4 step %c1 {
    %a = sto.fold_in %k, %i : index
    %u = sto.uniform %a : tensor<4xf32>
  }
  %b = sto.fold_in %k, %c4 : index
  %v = sto.uniform %b : tensor<4xf32>
  return
}

// -----

func.func @fold_in_inside_constant_range(%k: !sto.key) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  scf.for %i = %c0 to %c4 step %c1 {
    // expected-note @+1 {{first use of the key}}
    %a = sto.fold_in %k, %i : index
    %u = sto.uniform %a : tensor<4xf32>
  }
  %c3 = arith.constant 3 : index
  // expected-error @+1 {{both fold in 3 (the first in iteration 3 of its 'scf.for')}}
  %b = sto.fold_in %k, %c3 : index
  %v = sto.uniform %b : tensor<4xf32>
  return
}

// -----

// Disjoint sets, or data that depend on values the check cannot see, are
// accepted: i < n and n + j; 2i and 2i + 1; even and odd steps of 2; i and a
// rank; a bound ValueBounds limits to 4 (affine.min) and 4; i < n and
// j in [n + 1, n + m + 1) with bounds from affine.apply.
// CHECK-LABEL: func.func @fold_in_disjoint_sets
func.func @fold_in_disjoint_sets(%s: i64, %n: index, %m: index, %rank: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c4 = arith.constant 4 : index
  %root = sto.seed %s : i64
  %k1, %k2, %k3, %k4, %k5, %k6 = sto.split %root count 6
  scf.for %i = %c0 to %n step %c1 {
    %a = sto.fold_in %k1, %i : index
    %u = sto.uniform %a : tensor<4xf32>
  }
  scf.for %j = %c0 to %m step %c1 {
    %d = arith.addi %j, %n : index
    %b = sto.fold_in %k1, %d : index
    %u = sto.uniform %b : tensor<4xf32>
  }
  scf.for %i = %c0 to %n step %c1 {
    %e = arith.muli %i, %c2 : index
    %o = arith.addi %e, %c1 : index
    %a = sto.fold_in %k2, %e : index
    %b = sto.fold_in %k2, %o : index
    %u = sto.uniform %a : tensor<4xf32>
    %v = sto.uniform %b : tensor<4xf32>
  }
  scf.for %i = %c0 to %n step %c2 {
    %a = sto.fold_in %k3, %i : index
    %u = sto.uniform %a : tensor<4xf32>
  }
  scf.for %i = %c1 to %n step %c2 {
    %a = sto.fold_in %k3, %i : index
    %u = sto.uniform %a : tensor<4xf32>
  }
  scf.for %i = %c0 to %n step %c1 {
    %a = sto.fold_in %k4, %i : index
    %u = sto.uniform %a : tensor<4xf32>
  }
  %r = sto.fold_in %k4, %rank : index
  %ur = sto.uniform %r : tensor<4xf32>
  %ub = affine.min affine_map<()[s0] -> (s0, 4)>()[%n]
  scf.for %i = %c0 to %ub step %c1 {
    %a = sto.fold_in %k5, %i : index
    %u = sto.uniform %a : tensor<4xf32>
  }
  %f = sto.fold_in %k5, %c4 : index
  %uf = sto.uniform %f : tensor<4xf32>
  scf.for %i = %c0 to %n step %c1 {
    %a = sto.fold_in %k6, %i : index
    %u = sto.uniform %a : tensor<4xf32>
  }
  %lo = affine.apply affine_map<()[s0] -> (s0 + 1)>()[%n]
  %hi = affine.apply affine_map<()[s0, s1] -> (s0 + s1 + 1)>()[%n, %m]
  scf.for %j = %lo to %hi step %c1 {
    %b = sto.fold_in %k6, %j : index
    %u = sto.uniform %b : tensor<4xf32>
  }
  return
}

// -----

// Steps of 2 and 3 from 0 and 3 below 8 meet at 6.
func.func @fold_in_steps_meet(%k: !sto.key) {
  %c0 = arith.constant 0 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %c8 = arith.constant 8 : index
  scf.for %i = %c0 to %c8 step %c2 {
    // expected-note @+1 {{first use of the key}}
    %a = sto.fold_in %k, %i : index
    %u = sto.uniform %a : tensor<4xf32>
  }
  scf.for %i = %c3 to %c8 step %c3 {
    // expected-error @+1 {{both fold in 6 (this use in iteration 1 of its 'scf.for', the first in iteration 3 of its 'scf.for')}}
    %b = sto.fold_in %k, %i : index
    %u = sto.uniform %b : tensor<4xf32>
  }
  return
}

// -----

// scf.parallel, through index_cast to i64.
func.func @fold_in_parallel_then_constant(%k: !sto.key) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  scf.parallel (%i) = (%c0) to (%c8) step (%c1) {
    %d = arith.index_cast %i : index to i64
    // expected-note @+1 {{first use of the key}}
    %a = sto.fold_in %k, %d : i64
    %u = sto.uniform %a : tensor<4xf32>
    scf.reduce
  }
  %c7 = arith.constant 7 : i64
  // expected-error @+1 {{both fold in 7 (the first in iteration 7 of its 'scf.parallel')}}
  %b = sto.fold_in %k, %c7 : i64
  %v = sto.uniform %b : tensor<4xf32>
  return
}

// -----

// The linear index of a 4x4 scf.forall covers 0..15.
func.func @fold_in_forall_linear_index_then_constant(%k: !sto.key) {
  scf.forall (%i, %j) in (4, 4) {
    %c4 = arith.constant 4 : index
    %i4 = arith.muli %i, %c4 : index
    %l = arith.addi %i4, %j : index
    // expected-note @+1 {{first use of the key}}
    %a = sto.fold_in %k, %l : index
    %u = sto.uniform %a : tensor<4xf32>
  }
  %c15 = arith.constant 15 : index
  // expected-error @+1 {{both fold in 15 (the first in iteration (3, 3) of its 'scf.forall')}}
  %b = sto.fold_in %k, %c15 : index
  %v = sto.uniform %b : tensor<4xf32>
  return
}

// -----

// i + j changes with both induction variables but takes its values twice.
func.func @fold_in_forall_sum_of_ivs(%k: !sto.key) {
  // expected-note @+1 {{the loop is here}}
  scf.forall (%i, %j) in (4, 4) {
    %s = arith.addi %i, %j : index
    // expected-error @+1 {{RNG key is folded with a value that is the same in iteration (0, 1) and iteration (1, 0) of its 'scf.forall' (both 1), so they derive the same key; fold in a value that differs in every iteration (such as the linear index)}}
    %a = sto.fold_in %k, %s : index
    %u = sto.uniform %a : tensor<4xf32>
  }
  return
}

// -----

// i - i depends on i but is always 0.
func.func @fold_in_i_minus_i(%k: !sto.key, %n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  // expected-note @+1 {{the loop is here}}
  scf.for %i = %c0 to %n step %c1 {
    %d = arith.subi %i, %i : index
    // expected-error @+1 {{is the same in iteration 0 and iteration 1 of its 'scf.for' (both 0)}}
    %a = sto.fold_in %k, %d : index
    %u = sto.uniform %a : tensor<4xf32>
  }
  return
}

// -----

// Nested loops: the linear index i * 4 + j with j < 4 covers 0..4n-1.
func.func @fold_in_nested_linear_index(%k: !sto.key, %n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  scf.for %i = %c0 to %n step %c1 {
    scf.for %j = %c0 to %c4 step %c1 {
      %i4 = arith.muli %i, %c4 : index
      %l = arith.addi %i4, %j : index
      // expected-note @+1 {{first use of the key}}
      %a = sto.fold_in %k, %l : index
      %u = sto.uniform %a : tensor<4xf32>
    }
  }
  %c12 = arith.constant 12 : index
  // expected-error @+1 {{both fold in 12 (the first in iteration (3, 0) of its loop nest)}}
  %b = sto.fold_in %k, %c12 : index
  %v = sto.uniform %b : tensor<4xf32>
  return
}

// -----

// With j < m the loop may run more than 4 times: i * 4 + j repeats.
func.func @fold_in_nested_stride_too_small(%k: !sto.key, %n: index, %m: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  // expected-note @+1 {{the loop is here}}
  scf.for %i = %c0 to %n step %c1 {
    scf.for %j = %c0 to %m step %c1 {
      %i4 = arith.muli %i, %c4 : index
      %l = arith.addi %i4, %j : index
      // expected-error @+1 {{is the same in iteration (0, 4) and iteration (1, 0) of its loop nest (both 4)}}
      %a = sto.fold_in %k, %l : index
      %u = sto.uniform %a : tensor<4xf32>
    }
  }
  return
}

// -----

// i * m + j with j < m is not affine (m unknown): accepted, as are data
// under a branch that depends on the induction variable (each branch runs
// in some iterations only), a key redefined per iteration, exclusive
// branches and an scf.while (not a counted loop).
// CHECK-LABEL: func.func @fold_in_sets_not_compared
func.func @fold_in_sets_not_compared(%s: i64, %n: index, %m: index, %c: i1, %x: tensor<8xf32>) -> tensor<8xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c5 = arith.constant 5 : index
  %c10 = arith.constant 10 : index
  %root = sto.seed %s : i64
  %k1, %k2, %k3, %k4, %k5 = sto.split %root count 5
  scf.for %i = %c0 to %n step %c1 {
    scf.for %j = %c0 to %m step %c1 {
      %im = arith.muli %i, %m : index
      %l = arith.addi %im, %j : index
      %a = sto.fold_in %k1, %l : index
      %u = sto.uniform %a : tensor<4xf32>
    }
  }
  scf.for %i = %c0 to %c10 step %c1 {
    %lt = arith.cmpi slt, %i, %c5 : index
    scf.if %lt {
      %a = sto.fold_in %k2, %i : index
      %u = sto.uniform %a : tensor<4xf32>
    } else {
      %j = arith.addi %i, %c5 : index
      %b = sto.fold_in %k2, %j : index
      %u = sto.uniform %b : tensor<4xf32>
    }
  }
  scf.for %i = %c0 to %n step %c1 {
    %ki = sto.fold_in %k3, %i : index
    scf.for %j = %c0 to %c4 step %c1 {
      %a = sto.fold_in %ki, %j : index
      %u = sto.uniform %a : tensor<4xf32>
    }
    %b = sto.fold_in %ki, %c4 : index
    %v = sto.uniform %b : tensor<4xf32>
  }
  scf.if %c {
    scf.for %i = %c0 to %c4 step %c1 {
      %a = sto.fold_in %k4, %i : index
      %u = sto.uniform %a : tensor<4xf32>
    }
  } else {
    %b = sto.fold_in %k4, %c0 : index
    %v = sto.uniform %b : tensor<4xf32>
  }
  %z = arith.constant 0 : i64
  %r:2 = scf.while (%a = %x, %t = %z) : (tensor<8xf32>, i64) -> (tensor<8xf32>, i64) {
    %n64 = arith.index_cast %n : index to i64
    %lt = arith.cmpi slt, %t, %n64 : i64
    scf.condition(%lt) %a, %t : tensor<8xf32>, i64
  } do {
  ^bb0(%b: tensor<8xf32>, %u: i64):
    %ki = sto.fold_in %k5, %u : i64
    %y = sto.noise %ki, %b {scale = 1.0e-01 : f64} : tensor<8xf32>
    %one = arith.constant 1 : i64
    %next = arith.addi %u, %one : i64
    scf.yield %y, %next : tensor<8xf32>, i64
  }
  %kz = sto.fold_in %k5, %z : i64
  %y = sto.noise %kz, %r#0 {scale = 1.0e-01 : f64} : tensor<8xf32>
  return %y : tensor<8xf32>
}

// -----

// A branch whose condition is the same in every iteration keeps the set.
func.func @fold_in_invariant_branch_in_loop(%k: !sto.key, %c: i1) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c10 = arith.constant 10 : index
  scf.for %i = %c0 to %c10 step %c1 {
    scf.if %c {
      // expected-note @+1 {{first use of the key}}
      %a = sto.fold_in %k, %i : index
      %u = sto.uniform %a : tensor<4xf32>
    }
  }
  // expected-error @+1 {{both fold in 1 (the first in iteration 1 of its 'scf.for')}}
  %b = sto.fold_in %k, %c1 : index
  %v = sto.uniform %b : tensor<4xf32>
  return
}

// -----

// An i32 induction variable, sign-extended to the datum's 64 bits, takes its
// bounds' values like an index one: i and i + 1 collide.
func.func @fold_in_i32_iv_and_next(%k: !sto.key, %n: i32) {
  %c0 = arith.constant 0 : i32
  %c1 = arith.constant 1 : i32
  %one = arith.constant 1 : i64
  scf.for %i = %c0 to %n step %c1 : i32 {
    %d = arith.extsi %i : i32 to i64
    // expected-note @+1 {{first use of the key}}
    %k1 = sto.fold_in %k, %d : i64
    %d1 = arith.addi %d, %one : i64
    // expected-error @+1 {{both fold in 1 (this use in iteration 0 of its 'scf.for', the first in iteration 1 of its 'scf.for')}}
    %k2 = sto.fold_in %k, %d1 : i64
  }
  return
}

// -----

// One fold_in of the extended i32 variable (or of its index_cast) per
// iteration, in two loops over disjoint ranges: distinct keys.
// CHECK-LABEL: func.func @fold_in_i32_iv_disjoint
func.func @fold_in_i32_iv_disjoint(%k: !sto.key) {
  %c0 = arith.constant 0 : i32
  %c1 = arith.constant 1 : i32
  %c8 = arith.constant 8 : i32
  %c16 = arith.constant 16 : i32
  scf.for %i = %c0 to %c8 step %c1 : i32 {
    %d = arith.extsi %i : i32 to i64
    %k1 = sto.fold_in %k, %d : i64
  }
  scf.for %j = %c8 to %c16 step %c1 : i32 {
    %d = arith.index_cast %j : i32 to index
    %k2 = sto.fold_in %k, %d : index
  }
  return
}

// -----

// i % 2 changes from one iteration to the next but takes its two values
// again and again (pigeonhole): a quotient of the model.
func.func @fold_in_iv_mod_2(%k: !sto.key) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c10 = arith.constant 10 : index
  // expected-note @+1 {{the loop is here}}
  scf.for %i = %c0 to %c10 step %c1 {
    %m = arith.remui %i, %c2 : index
    // expected-error @+1 {{RNG key is folded with a value that is the same in iteration 0 and iteration 2 of its 'scf.for' (both 0), so they derive the same key}}
    %a = sto.fold_in %k, %m : index
  }
  return
}

// -----

// The step number divided by the accumulation count: two steps share it.
func.func @fold_in_iv_div(%k: !sto.key, %n: i64) {
  %c0 = arith.constant 0 : i64
  %c1 = arith.constant 1 : i64
  %c4 = arith.constant 4 : i64
  // expected-note @+1 {{the loop is here}}
  scf.for %i = %c0 to %n step %c1 : i64 {
    %m = arith.divsi %i, %c4 : i64
    // expected-error @+1 {{is the same in iteration 0 and iteration 1 of its 'scf.for' (both 0)}}
    %a = sto.fold_in %k, %m : i64
  }
  return
}

// -----

// A mask of the low bits, and a right shift, of the induction variable.
func.func @fold_in_iv_mask(%k: !sto.key, %n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c7 = arith.constant 7 : index
  // expected-note @+1 {{the loop is here}}
  scf.for %i = %c0 to %n step %c1 {
    %m = arith.andi %i, %c7 : index
    // expected-error @+1 {{is the same in iteration 0 and iteration 8 of its 'scf.for' (both 0)}}
    %a = sto.fold_in %k, %m : index
  }
  return
}

// -----

func.func @fold_in_iv_shift(%k: !sto.key) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c8 = arith.constant 8 : index
  // expected-note @+1 {{the loop is here}}
  scf.forall (%i) = (%c0) to (%c8) step (%c1) {
    %m = arith.shrsi %i, %c2 : index
    %x = arith.floordivsi %i, %c2 : index
    %y = arith.addi %m, %x : index
    // expected-error @+1 {{is the same in iteration 0 and iteration 1 of its 'scf.forall' (both 0)}}
    %a = sto.fold_in %k, %y : index
  }
  return
}

// -----

// An i64 step number truncated to i32 wraps after 2^32 steps.
func.func @fold_in_iv_truncated(%k: !sto.key) {
  %c0 = arith.constant 0 : i64
  %c1 = arith.constant 1 : i64
  %big = arith.constant 8589934592 : i64
  // expected-note @+1 {{the loop is here}}
  scf.for %i = %c0 to %big step %c1 : i64 {
    %t = arith.trunci %i : i64 to i32
    %d = arith.extsi %t : i32 to i64
    // expected-error @+1 {{is the same in iteration 0 and iteration 4294967296 of its 'scf.for' (both 0)}}
    %a = sto.fold_in %k, %d : i64
  }
  return
}

// -----

// Zero extension of an i8: 256 values for 300 iterations.
func.func @fold_in_iv_i8(%k: !sto.key) {
  %c0 = arith.constant 0 : i32
  %c1 = arith.constant 1 : i32
  %c300 = arith.constant 300 : i32
  // expected-note @+1 {{the loop is here}}
  scf.for %i = %c0 to %c300 step %c1 : i32 {
    %t = arith.trunci %i : i32 to i8
    %d = arith.extui %t : i8 to i64
    // expected-error @+1 {{is the same in iteration 0 and iteration 256 of its 'scf.for' (both 0)}}
    %a = sto.fold_in %k, %d : i64
  }
  return
}

// -----

// i + 1 in i32 arithmetic, extended, collides with i in the next iteration.
func.func @fold_in_i32_next_in_i32(%k: !sto.key, %n: i32) {
  %c0 = arith.constant 0 : i32
  %c1 = arith.constant 1 : i32
  scf.for %i = %c0 to %n step %c1 : i32 {
    %d = arith.extsi %i : i32 to i64
    // expected-note @+1 {{first use of the key}}
    %k1 = sto.fold_in %k, %d : i64
    %j = arith.addi %i, %c1 : i32
    %e = arith.extsi %j : i32 to i64
    // expected-error @+1 {{both fold in 1 (this use in iteration 0 of its 'scf.for', the first in iteration 1 of its 'scf.for')}}
    %k2 = sto.fold_in %k, %e : i64
  }
  return
}

// -----

// A remainder after a loop over its values.
func.func @fold_in_mod_then_constant(%k: !sto.key, %n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  scf.for %i = %c0 to %c4 step %c1 {
    %j = arith.addi %i, %c8 : index
    %m = arith.remsi %j, %c8 : index
    // expected-note @+1 {{first use of the key}}
    %a = sto.fold_in %k, %m : index
  }
  %c3 = arith.constant 3 : index
  // expected-error @+1 {{both fold in 3 (the first in iteration 3 of its 'scf.for')}}
  %b = sto.fold_in %k, %c3 : index
  return
}

// -----

// Quotients that take each value once: i % 8 over 8 iterations, i / 2 with
// step 2, the linear index of a 2-d forall modulo its size, i + 1 in i32
// below an i32 bound (it cannot wrap), (i % 4) beside a constant outside
// its range, an i32 truncation of fewer than 2^31 steps, and i % 2 in a
// loop of two iterations.
// CHECK-LABEL: func.func @fold_in_quotients_distinct
func.func @fold_in_quotients_distinct(%s: i64, %n: index, %m: i32) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  %c16 = arith.constant 16 : index
  %root = sto.seed %s : i64
  %k1, %k2, %k3, %k4, %k5, %k6, %k7 = sto.split %root count 7
  scf.for %i = %c0 to %c8 step %c1 {
    %r = arith.remsi %i, %c8 : index
    %a = sto.fold_in %k1, %r : index
  }
  scf.for %i = %c0 to %n step %c2 {
    %q = arith.divui %i, %c2 : index
    %a = sto.fold_in %k2, %q : index
  }
  scf.forall (%i, %j) in (4, 4) {
    %i4 = arith.muli %i, %c4 : index
    %l = arith.addi %i4, %j : index
    %r = arith.remui %l, %c16 : index
    %a = sto.fold_in %k3, %r : index
  }
  %z = arith.constant 0 : i32
  %one = arith.constant 1 : i32
  scf.for %i = %z to %m step %one : i32 {
    %j = arith.addi %i, %one : i32
    %e = arith.extsi %j : i32 to i64
    %a = sto.fold_in %k4, %e : i64
  }
  scf.for %i = %c0 to %c4 step %c1 {
    %r = arith.remui %i, %c4 : index
    %a = sto.fold_in %k5, %r : index
  }
  %b = sto.fold_in %k5, %c4 : index
  %c0_i64 = arith.constant 0 : i64
  %c1_i64 = arith.constant 1 : i64
  %big = arith.constant 2147483647 : i64
  scf.for %i = %c0_i64 to %big step %c1_i64 : i64 {
    %t = arith.trunci %i : i64 to i32
    %d = arith.extsi %t : i32 to i64
    %a = sto.fold_in %k6, %d : i64
  }
  scf.for %i = %c0 to %c2 step %c1 {
    %r = arith.remui %i, %c2 : index
    %a = sto.fold_in %k7, %r : index
  }
  return
}

// -----

// affine.apply: a floordiv repeats; the linear index d0 * 4 + d1 of a 2-d
// loop with d1 < 4 does not.
func.func @fold_in_affine_apply(%k: !sto.key, %s: i64, %n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %root = sto.seed %s : i64
  scf.forall (%i, %j) in (%n, 4) {
    %l = affine.apply affine_map<(d0, d1) -> (d0 * 4 + d1)>(%i, %j)
    %a = sto.fold_in %root, %l : index
  }
  // expected-note @+1 {{the loop is here}}
  scf.for %i = %c0 to %n step %c1 {
    %h = affine.apply affine_map<(d0) -> (d0 floordiv 3 + d0 mod 3 - d0 mod 3)>(%i)
    // expected-error @+1 {{is the same in iteration 0 and iteration 1 of its 'scf.for' (both 0)}}
    %a = sto.fold_in %k, %h : index
  }
  return
}

// -----

// (i1 / 7) * 7 + i1 % 7 is i1 again: with i0 * 1000 the linear index, no
// two iterations share a datum.
// CHECK-LABEL: func.func @fold_in_quotient_recombined
func.func @fold_in_quotient_recombined(%k: !sto.key, %n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c7 = arith.constant 7 : index
  %c1000 = arith.constant 1000 : index
  scf.for %i0 = %c0 to %n step %c1 {
    scf.for %i1 = %c0 to %c1000 step %c1 {
      %q = arith.divui %i1, %c7 : index
      %r = arith.remui %i1, %c7 : index
      %q7 = arith.muli %q, %c7 : index
      %l = arith.addi %q7, %r : index
      %o = arith.muli %i0, %c1000 : index
      %d = arith.addi %o, %l : index
      %a = sto.fold_in %k, %d : index
    }
  }
  return
}

// -----

// A quotient of a value from outside the loops depends on that value as
// much as `fold_in(k, %n)` does, which is not compared with `fold_in(k, i)`:
// %n / 16 equals some i only for some %n, and (i + %n) floordiv 4 repeats
// in two iterations unless %n % 4 == 3. Both are accepted; a quotient by a
// constant of a value that is not folded here (a division by a negative
// constant) is such a value too.
// CHECK-LABEL: func.func @fold_in_quotient_of_symbol
func.func @fold_in_quotient_of_symbol(%s: i64, %n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  %c16 = arith.constant 16 : index
  %root = sto.seed %s : i64
  %k1, %k2, %k3 = sto.split %root count 3
  %q = arith.divui %n, %c16 : index
  %a = sto.fold_in %k1, %q : index
  scf.for %i = %c0 to %c8 step %c1 {
    %b = sto.fold_in %k1, %i : index
  }
  scf.for %i = %c0 to %c2 step %c1 {
    %t = arith.addi %i, %n : index
    %f = arith.floordivsi %t, %c4 : index
    %b = sto.fold_in %k2, %f : index
  }
  %c7 = arith.constant 7 : index
  %cm3 = arith.constant -3 : index
  %m = arith.divsi %c7, %cm3 : index
  %c = arith.ceildivsi %m, %c16 : index
  %d = sto.fold_in %k3, %c : index
  %c100 = arith.constant 100 : index
  %c104 = arith.constant 104 : index
  scf.for %i = %c100 to %c104 step %c1 {
    %b = sto.fold_in %k3, %i : index
  }
  return
}

// -----

// An index_cast to i32 truncates: %i from 2^32 and its round trip through
// i32 (0 to 3) are different values, and so are 2^32 and its round trip (0).
// CHECK-LABEL: func.func @fold_in_index_cast_truncated
func.func @fold_in_index_cast_truncated(%s: i64) {
  %c1 = arith.constant 1 : index
  %lo = arith.constant 4294967296 : index
  %hi = arith.constant 4294967300 : index
  %root = sto.seed %s : i64
  %k1, %k2 = sto.split %root count 2
  scf.for %i = %lo to %hi step %c1 {
    %t = arith.index_cast %i : index to i32
    %e = arith.index_cast %t : i32 to index
    %a = sto.fold_in %k1, %i : index
    %b = sto.fold_in %k1, %e : index
  }
  %t = arith.index_cast %lo : index to i32
  %e = arith.index_cast %t : i32 to index
  %a = sto.fold_in %k2, %lo : index
  %b = sto.fold_in %k2, %e : index
  return
}

// -----

// An index_cast from i32 extends the sign: the same value as its index_cast
// to i64 through index.
func.func @fold_in_index_cast_extended(%k: !sto.key, %x: i32) {
  %e = arith.index_cast %x : i32 to index
  %f = arith.index_cast %x : i32 to index
  %g = arith.index_cast %f : index to i64
  // expected-note @+1 {{first use of the key}}
  %a = sto.fold_in %k, %e : index
  // expected-error @+1 {{RNG key is folded with the same value twice}}
  %b = sto.fold_in %k, %g : i64
  return
}

// -----

// A 64-bit bound computed from constants wraps like a narrow one:
// INT64_MAX + 1 is INT64_MIN, so the loop runs no iteration (its i % 2 was
// reported as repeating, with the bound taken as 2^63).
// CHECK-LABEL: func.func @fold_in_bound_wraps
func.func @fold_in_bound_wraps(%k: !sto.key) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %max = arith.constant 9223372036854775807 : index
  %ub = arith.addi %max, %c1 : index
  scf.for %i = %c0 to %ub step %c1 {
    %m = arith.remui %i, %c2 : index
    %a = sto.fold_in %k, %m : index
  }
  return
}

// -----

// The zero extension of an i8 induction variable from -128 with step 3,
// minus a forall's: no two iterations share a datum (they differ by a
// multiple of 3 and by at most 2). Proving it took the lexicographic
// minimum minutes (its cuts grew without end); emptiness is decided first.
// CHECK-LABEL: func.func @fold_in_empty_system_fast
func.func @fold_in_empty_system_fast(%k: !sto.key) {
  %lb = arith.constant -128 : i8
  %ub = arith.constant 126 : i8
  %c3 = arith.constant 3 : i8
  scf.for %i = %lb to %ub step %c3 : i8 {
    scf.forall (%j) = (-20) to (-17) step (1) {
      %e = arith.extui %i : i8 to i32
      %x = arith.index_castui %e : i32 to index
      %d = arith.subi %j, %x : index
      %a = sto.fold_in %k, %d : index
    }
  }
  return
}

// -----

// Up to %n the datum repeats (after i & 0xffff wraps); the lexicographic
// minimum of this unbounded system did not end, the bisection finds the
// first repeat.
func.func @fold_in_unbounded_system_fast(%k: !sto.key, %n: index) {
  %c0 = arith.constant 0 : index
  %c4 = arith.constant 4 : index
  // expected-note @+1 {{the loop is here}}
  scf.parallel (%i) = (%c0) to (%n) step (%c4) {
    %h = affine.apply affine_map<(d0) -> (((d0 * 2) floordiv 3) ceildiv 2)>(%i)
    %t = arith.index_cast %i : index to i16
    %z = arith.extui %t : i16 to i64
    %hi = arith.index_cast %h : index to i64
    %d = arith.addi %hi, %z : i64
    // expected-error @+1 {{is the same in iteration 4096 and iteration 16384 of its 'scf.parallel' (both 21845)}}
    %a = sto.fold_in %k, %d : i64
    scf.reduce
  }
  return
}

// -----

// Quotients of 64-bit values are modelled up to 2^40: with ranges up to
// 2^63 the solver took 12 s here (2 minutes under ASan; found by fuzzing
// with symbolic bounds). i = 31 and i = 35 both give 1 + 1 = 2 + 0.
func.func @fold_in_quotients_fast(%k: !sto.key, %n: index) {
  %c30 = arith.constant 30 : index
  %c1 = arith.constant 1 : index
  // expected-note @+1 {{the loop is here}}
  scf.for %i = %c30 to %n step %c1 {
    %w = arith.index_castui %i : index to i64
    %c4 = arith.constant 4 : i64
    %h = arith.shrsi %w, %c4 : i64
    %hi = arith.index_castui %h : i64 to index
    %b = arith.index_castui %i : index to i8
    %bi = arith.index_castui %b : i8 to index
    %c5 = arith.constant 5 : index
    %r = arith.remsi %bi, %c5 : index
    %d = arith.addi %hi, %r : index
    // expected-error @+1 {{is the same in iteration 1 and iteration 5 of its 'scf.for' (both 2)}}
    %a = sto.fold_in %k, %d : index
  }
  return
}

// -----

// 64-bit data equal modulo 2^64 derive one key: 0 and INT64_MIN + INT64_MIN
// (simplification then merged the two fold_in into one consumed twice).
func.func @wrap64_constants(%k: !sto.key, %x: tensor<8xf32>) -> tensor<8xf32> {
  %big = arith.constant -9223372036854775808 : i64
  %z = arith.constant 0 : i64
  %j = arith.addi %big, %big : i64
  // expected-note @+1 {{first use of the key}}
  %k1 = sto.fold_in %k, %z : i64
  // expected-error @+1 {{RNG key is folded with data that can be equal, which derives the same key twice: both fold in 0}}
  %k2 = sto.fold_in %k, %j : i64
  %y = sto.noise %k1, %x {scale = 0.1 : f64} : tensor<8xf32>
  %w = sto.noise %k2, %y {scale = 0.1 : f64} : tensor<8xf32>
  return %w : tensor<8xf32>
}

// -----

// %n and (%n + INT64_MIN) + INT64_MIN.
func.func @wrap64_symbol(%k: !sto.key, %x: tensor<8xf32>, %n: i64) -> tensor<8xf32> {
  %big = arith.constant -9223372036854775808 : i64
  %h = arith.addi %n, %big : i64
  %j = arith.addi %h, %big : i64
  // expected-note @+1 {{first use of the key}}
  %k1 = sto.fold_in %k, %n : i64
  // expected-error @+1 {{RNG key is folded with data that can be equal, which derives the same key twice: both fold in the same value}}
  %k2 = sto.fold_in %k, %j : i64
  %y = sto.noise %k1, %x {scale = 0.1 : f64} : tensor<8xf32>
  %w = sto.noise %k2, %y {scale = 0.1 : f64} : tensor<8xf32>
  return %w : tensor<8xf32>
}

// -----

// Data 2^63 apart are different keys.
// CHECK-LABEL: func.func @half_wrap_apart(
func.func @half_wrap_apart(%k: !sto.key, %x: tensor<8xf32>, %n: i64) -> tensor<8xf32> {
  %big = arith.constant -9223372036854775808 : i64
  %j = arith.addi %n, %big : i64
  %k1 = sto.fold_in %k, %n : i64
  %k2 = sto.fold_in %k, %j : i64
  %y = sto.noise %k1, %x {scale = 0.1 : f64} : tensor<8xf32>
  %w = sto.noise %k2, %y {scale = 0.1 : f64} : tensor<8xf32>
  return %w : tensor<8xf32>
}
