// RUN: sto-opt %s --sto-prepare-c-abi -split-input-file -verify-diagnostics | FileCheck %s

// Every public func.func with a body gets its tensor-level signature in
// `sto.c_abi` and is renamed __sto_impl_<name> (calls follow), so that
// sto-emit-c-abi can create the C entry point <name> after lowering.
// Private functions, declarations and functions that already have the
// attribute are left alone. Types the C ABI cannot pass are errors.

// CHECK-LABEL: func.func private @helper(
// CHECK-NOT:     sto.c_abi
// CHECK-LABEL: func.func private @declared(tensor<4xf32>)
// CHECK-LABEL: func.func @__sto_impl_forward(
// The caller's arrays are const: bufferization may not write into them.
// CHECK-SAME:    %{{.+}}: !sto.key, %{{.+}}: tensor<?x4xf32> {bufferization.writable = false}, %{{.+}}: f32, %{{.+}}: index, %{{.+}}: tensor<3xi1> {bufferization.writable = false}) -> (tensor<?x4xf32>, f32, i64)
// CHECK-SAME:    attributes {sto.c_abi = {inputs = [!sto.key, tensor<?x4xf32>, f32, index, tensor<3xi1>], name = "forward", results = [tensor<?x4xf32>, f32, i64]}}
// CHECK-LABEL: func.func @__sto_impl_train(
// The entry point is the C interface: MLIR's own (JAX asks for it) is
// dropped, or its _mlir_ciface_ wrapper would inherit sto.c_abi.
// CHECK-SAME:    attributes {sto.c_abi = {inputs = [i64, tensor<4xf32>, tensor<?x4xf32>], name = "train", results = []}} {
// A call of a public function follows the rename.
// CHECK:         call @__sto_impl_forward(
// CHECK:         call @helper(
// Already prepared: neither renamed again nor changed.
// CHECK-LABEL: func.func @__sto_impl_done(
// CHECK-SAME:    attributes {sto.c_abi = {inputs = [], name = "done", results = []}}
// CHECK-NOT:   __sto_impl___sto_impl
func.func private @helper(%x: tensor<4xf32>) -> tensor<4xf32> {
  return %x : tensor<4xf32>
}
func.func private @declared(tensor<4xf32>)
func.func @forward(%k: !sto.key, %x: tensor<?x4xf32>, %s: f32, %i: index, %m: tensor<3xi1>)
    -> (tensor<?x4xf32>, f32, i64) {
  %c = arith.constant 3 : i64
  return %x, %s, %c : tensor<?x4xf32>, f32, i64
}
func.func @train(%seed: i64, %x: tensor<4xf32>, %y: tensor<?x4xf32>) attributes {llvm.emit_c_interface} {
  %k = sto.seed %seed : i64
  %s = arith.constant 1.0 : f32
  %i = arith.constant 0 : index
  %m = arith.constant dense<true> : tensor<3xi1>
  %r:3 = call @forward(%k, %y, %s, %i, %m) : (!sto.key, tensor<?x4xf32>, f32, index, tensor<3xi1>) -> (tensor<?x4xf32>, f32, i64)
  %h = call @helper(%x) : (tensor<4xf32>) -> tensor<4xf32>
  return
}
func.func @__sto_impl_done() attributes {sto.c_abi = {inputs = [], name = "done", results = []}} {
  return
}

// -----

// Names of the runtime's namespace (here the implementation prefix) are
// reserved: a user function of that name would replace the runtime's.

// expected-error @+1 {{function name '__sto_impl_f' is reserved for libsto_runtime and the libraries compiled code calls}}
func.func private @__sto_impl_f(%x: tensor<4xf32>) -> tensor<4xf32> {
  return %x : tensor<4xf32>
}
func.func @f(%x: tensor<4xf32>) -> tensor<4xf32> {
  %y = call @__sto_impl_f(%x) : (tensor<4xf32>) -> tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

// expected-error @+1 {{public function 'takes_memref' has argument #1 of type 'memref<4xf32>', which the C ABI cannot pass (ranked tensors of, and scalars of, i1, i8, i16, i32, i64, index, f16, bf16, f32, f64, and !sto.key are supported)}}
func.func @takes_memref(%s: f32, %m: memref<4xf32>) {
  return
}

// -----

// expected-error @+1 {{public function 'unranked' has argument #0 of type 'tensor<*xf32>', which the C ABI cannot pass}}
func.func @unranked(%x: tensor<*xf32>) {
  return
}

// -----

// expected-error @+1 {{public function 'complex_elements' has argument #0 of type 'tensor<4xcomplex<f32>>'}}
func.func @complex_elements(%x: tensor<4xcomplex<f32>>) {
  return
}

// -----

// expected-error @+1 {{public function 'vector_result' has result #1 of type 'vector<4xf32>', which the C ABI cannot pass}}
func.func @vector_result(%x: f32) -> (f32, vector<4xf32>) {
  %v = vector.broadcast %x : f32 to vector<4xf32>
  return %x, %v : f32, vector<4xf32>
}

// -----

// A private function may have any signature.

// CHECK-LABEL: func.func private @private_memref(
// CHECK-NOT:     sto.c_abi
func.func private @private_memref(%m: memref<4xf32>) {
  return
}

// -----

// A private helper named like a runtime function would replace it (every
// entry point calls sto_take_status).
// expected-error @+1 {{function name 'sto_take_status' is reserved for libsto_runtime}}
func.func private @sto_take_status() -> i32 {
  %c = arith.constant 7 : i32
  return %c : i32
}

// -----

// A helper named like a libm function took the calls compiled code makes to
// it: math.cbrt on f64 (which calls libm's cbrt) called this x * 2.
// expected-error @+1 {{function name 'cbrt' is reserved for libsto_runtime and the libraries compiled code calls (sto_*, __sto*, mgpu*, __kmpc_*, omp_*, __nv_*, malloc, free, memcpy, the functions of <math.h>, ...): rename the function}}
func.func private @cbrt(%x: f64) -> f64 {
  %c = arith.constant 2.0 : f64
  %y = arith.mulf %x, %c : f64
  return %y : f64
}

// -----

// So is a public one, in its float form (its entry point would replace
// libm's logf in the whole program).
// expected-error @+1 {{function name 'logf' is reserved}}
func.func @logf(%x: f32) -> f32 {
  return %x : f32
}

// -----

// A declaration of libm's own function is the user's way to call it, and
// names that only start or end like one are free.
// CHECK-LABEL: func.func private @cbrt(f64) -> f64
// CHECK-LABEL: func.func @__sto_impl_cube_root(
// CHECK-LABEL: func.func @__sto_impl_logistic(
func.func private @cbrt(f64) -> f64
func.func @cube_root(%x: f64) -> f64 {
  %y = func.call @cbrt(%x) : (f64) -> f64
  return %y : f64
}
func.func @logistic(%x: f32) -> f32 {
  return %x : f32
}

// -----

// expected-error @+1 {{function name 'malloc' is reserved}}
func.func private @malloc(%n: i64) -> i64 {
  return %n : i64
}

// -----

// The entry point has the function's name: it must be a C identifier, and
// not a C or C++ keyword or main.
// expected-error @+1 {{public function 'my-fn' needs a name that is a C identifier and not a C or C++ keyword or 'main'}}
func.func @"my-fn"(%x: tensor<4xf32>) -> tensor<4xf32> {
  return %x : tensor<4xf32>
}

// -----

// expected-error @+1 {{public function 'while' needs a name that is a C identifier}}
func.func @while(%x: tensor<4xf32>) -> tensor<4xf32> {
  return %x : tensor<4xf32>
}

// -----

// expected-error @+1 {{public function 'class' needs a name that is a C identifier}}
func.func @class(%x: tensor<4xf32>) -> tensor<4xf32> {
  return %x : tensor<4xf32>
}

// -----

// expected-error @+1 {{public function 'main' needs a name that is a C identifier}}
func.func @main(%x: tensor<4xf32>) -> tensor<4xf32> {
  return %x : tensor<4xf32>
}

// -----

// A private function is not an entry point: any MLIR name is fine.
// CHECK-LABEL: func.func private @helper.v2(
func.func private @"helper.v2"(%x: tensor<4xf32>) -> tensor<4xf32> {
  return %x : tensor<4xf32>
}
func.func @uses_helper(%x: tensor<4xf32>) -> tensor<4xf32> {
  %y = call @"helper.v2"(%x) : (tensor<4xf32>) -> tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

// Integers C has no type for.
// expected-error @+1 {{public function 'wide' has argument #1 of type 'i128', which the C ABI cannot pass}}
func.func @wide(%x: tensor<4xi64>, %n: i128) -> tensor<4xi64> {
  return %x : tensor<4xi64>
}

// -----

// expected-error @+1 {{public function 'odd' has result #0 of type 'tensor<4xi7>', which the C ABI cannot pass}}
func.func @odd(%x: tensor<4xi64>) -> tensor<4xi7> {
  %y = arith.trunci %x : tensor<4xi64> to tensor<4xi7>
  return %y : tensor<4xi7>
}

// -----

// Tensors of more than 2^63 bytes: in a signature, and inside a function.
// expected-error @+1 {{function 'huge' has argument #0 of type 'tensor<4x4611686018427387904xf32>', which is larger than 2^63 bytes}}
func.func @huge(%x: tensor<4x4611686018427387904xf32>) -> tensor<4xf32> {
  %c = arith.constant dense<0.0> : tensor<4xf32>
  return %c : tensor<4xf32>
}

// -----

func.func @huge_inside(%k: !sto.key) -> tensor<4xf32> {
  // expected-error @+1 {{'sto.uniform' op result of type 'tensor<3074457345618258603x4xf32>' is larger than 2^63 bytes}}
  %u = sto.uniform %k : tensor<3074457345618258603x4xf32>
  %c = arith.constant dense<0.0> : tensor<4xf32>
  return %c : tensor<4xf32>
}

// -----

// A prepared function (a module printed by --compile-to and compiled again,
// or written by hand) keeps its recorded entry point name, which gets the
// checks of a public function's name: "g h" was written to the header as is.
// expected-error @+1 {{the C entry point's name 'g h' in 'sto.c_abi' must be a C identifier, not a C or C++ keyword, 'main' or a name reserved for libsto_runtime}}
func.func @__sto_impl_g(%x: tensor<4xf32>) -> tensor<4xf32> attributes {sto.c_abi = {name = "g h", inputs = [tensor<4xf32>], results = [tensor<4xf32>]}} {
  return %x : tensor<4xf32>
}

// -----

// expected-error @+1 {{the C entry point's name 'main' in 'sto.c_abi'}}
func.func @__sto_impl_main() attributes {sto.c_abi = {name = "main", inputs = [], results = []}} {
  return
}

// -----

// A prepared function's signature must be its record's: the entry point is
// built from the record (a record of f64 for a function of i8 read and wrote
// 4 bytes per element under a header declaring double).
// expected-error @+1 {{the arguments of '__sto_impl_a' do not match its 'sto.c_abi' record (inputs [tensor<4xf64>], results [tensor<4xf64>]): expected 'tensor<4xf64>', got 'tensor<4xi8>'}}
func.func @__sto_impl_a(%x: tensor<4xi8>) -> tensor<4xi8> attributes {sto.c_abi = {name = "a", inputs = [tensor<4xf64>], results = [tensor<4xf64>]}} {
  return %x : tensor<4xi8>
}

// -----

// expected-error @+1 {{the results of '__sto_impl_b' do not match its 'sto.c_abi' record (inputs [!sto.key], results [tensor<2xf32>]): expected 'tensor<2xf32>', got 'i1'}}
func.func @__sto_impl_b(%s: i64) -> i1 attributes {sto.c_abi = {name = "b", inputs = [!sto.key], results = [tensor<2xf32>]}} {
  %c = arith.constant true
  return %c : i1
}

// -----

// After bufferization: a key's i64, buffers of the recorded shapes, the
// tensor result as an out-parameter and the scalar result returned.
// CHECK-LABEL: func.func @__sto_impl_c(
func.func @__sto_impl_c(%k: i64, %x: memref<?x4xf32>, %s: f32, %r: memref<?x4xf32>) -> f32 attributes {sto.c_abi = {name = "c", inputs = [!sto.key, tensor<?x4xf32>, f32], results = [tensor<?x4xf32>, f32]}} {
  return %s : f32
}

// -----

// expected-error @+1 {{the arguments of '__sto_impl_d' do not match its 'sto.c_abi' record (inputs [tensor<?x4xf32>], results [tensor<?x4xf32>]): expected 'tensor<?x4xf32>', 'tensor<?x4xf32>', got 'memref<?x4xf32>', 'memref<?x5xf32>'}}
func.func @__sto_impl_d(%x: memref<?x4xf32>, %r: memref<?x5xf32>) attributes {sto.c_abi = {name = "d", inputs = [tensor<?x4xf32>], results = [tensor<?x4xf32>]}} {
  return
}

// -----

// expected-error @+1 {{function 'e' with a 'sto.c_abi' entry point must be public}}
func.func private @e(%x: tensor<4xf32>) -> tensor<4xf32> attributes {sto.c_abi = {name = "e", inputs = [tensor<4xf32>], results = [tensor<4xf32>]}} {
  return %x : tensor<4xf32>
}

// -----

// Buffers and region arguments are sized too, with an element's real size:
// each was allocated with a byte count that wrapped (malloc(0 + 64), then
// stores far past it).
func.func @huge_buffer() -> tensor<4xf32> {
  // expected-error @+1 {{'memref.alloc' op result of type 'memref<4611686018427387904xf32>' is larger than 2^63 bytes}}
  %m = memref.alloc() : memref<4611686018427387904xf32>
  %c = arith.constant dense<0.0> : tensor<4xf32>
  return %c : tensor<4xf32>
}

// -----

func.func @huge_complex() -> tensor<4xf32> {
  // expected-error @+1 {{'tensor.empty' op result of type 'tensor<576460752303423488xcomplex<f64>>' is larger than 2^63 bytes}}
  %e = tensor.empty() : tensor<576460752303423488xcomplex<f64>>
  %c = arith.constant dense<0.0> : tensor<4xf32>
  return %c : tensor<4xf32>
}

// -----

func.func @huge_batch(%k: !sto.key, %x: tensor<4xf32>) -> tensor<3xi64> {
  // expected-error @+1 {{'sto.monte_carlo' op region argument #0 of type 'tensor<1152921504606846976x4xf32>' is larger than 2^63 bytes}}
  %c = sto.monte_carlo %k, %x {samples = 1152921504606846976 : i64, batch = 1152921504606846976 : i64, stddev = 0.1 : f64, num_classes = 3 : i64} : tensor<4xf32> -> tensor<3xi64> {
  ^bb0(%b: tensor<1152921504606846976x4xf32>):
    %z = arith.constant 0 : i32
    %r = tensor.splat %z : tensor<1152921504606846976xi32>
    sto.yield %r : tensor<1152921504606846976xi32>
  }
  return %c : tensor<3xi64>
}
