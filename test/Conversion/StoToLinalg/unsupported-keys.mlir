// RUN: sto-opt %s --convert-sto-to-linalg -split-input-file -verify-diagnostics

// Keys become i64 where the pass converts them: the sto ops, function
// signatures, calls and returns, scf.for/if/while/index_switch, cf branches
// and arith.select. An op that carries a key otherwise gets a located
// message naming it, not the conversion's "failed to legalize operation" or
// "unresolved materialization" (which named its scf.yield or a later use).

func.func @affine_for(%s: i64, %x: tensor<8xf32>) -> tensor<8xf32> {
  %k = sto.seed %s : i64
  // expected-error @+1 {{'affine.for' op cannot carry an RNG key: keys may pass through function arguments, results and calls, scf.for, scf.if, scf.while, scf.index_switch, cf branches and arith.select}}
  %r:2 = affine.for %i = 0 to 4 iter_args(%a = %x, %kk = %k) -> (tensor<8xf32>, !sto.key) {
    %p, %q = sto.split %kk count 2
    %y = sto.dropout %p, %a {rate = 0.5 : f64} : tensor<8xf32>
    affine.yield %y, %q : tensor<8xf32>, !sto.key
  }
  return %r#0 : tensor<8xf32>
}

// -----

func.func @execute_region(%s: i64, %x: tensor<8xf32>) -> tensor<8xf32> {
  %k0 = sto.seed %s : i64
  // expected-error @+1 {{'scf.execute_region' op cannot carry an RNG key}}
  %k = scf.execute_region -> !sto.key no_inline {
    %a, %b = sto.split %k0 count 2
    scf.yield %a : !sto.key
  }
  %y = sto.dropout %k, %x {rate = 0.5 : f64} : tensor<8xf32>
  return %y : tensor<8xf32>
}

// -----

func.func @poison(%x: tensor<8xf32>) -> tensor<8xf32> {
  // expected-error @+1 {{'ub.poison' op cannot carry an RNG key}}
  %p = ub.poison : !sto.key
  %y = sto.dropout %p, %x {rate = 0.5 : f64} : tensor<8xf32>
  return %y : tensor<8xf32>
}

// -----

// Keys through scf.index_switch convert.
func.func @index_switch(%s: i64, %x: tensor<8xf32>, %i: index) -> tensor<8xf32> {
  %k0 = sto.seed %s : i64
  %a, %b = sto.split %k0 count 2
  %k = scf.index_switch %i -> !sto.key
  case 0 {
    scf.yield %a : !sto.key
  }
  default {
    scf.yield %b : !sto.key
  }
  %y = sto.dropout %k, %x {rate = 0.5 : f64} : tensor<8xf32>
  return %y : tensor<8xf32>
}
