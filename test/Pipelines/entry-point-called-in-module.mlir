// RUN: sto-compile %s --compile-to=bufferized | FileCheck %s
// RUN: sto-compile %s -o %t.o
// RUN: sto-compile %s --target=cuda-emulator -o %t.emulated.o

// A public function with a dynamically shaped result that another function
// of the module calls (here @f, and @g itself): its C entry point writes the
// result into a caller-allocated out-parameter, which a caller in the module
// cannot size, so compilation failed ("cannot create out param for
// dynamically shaped result"). Those callers now call a private copy that
// returns its buffer, as any helper does.

// CHECK-LABEL: func.func @__sto_impl_g(
// CHECK-SAME:      %{{.+}}: memref<?xf32>, %{{.+}}: memref<?xf32>, %{{.+}}: index, %{{.+}}: memref<?xf32>)
// CHECK-SAME:      sto.c_abi
// CHECK:         call @__sto_impl_g_internal(
// CHECK-LABEL: func.func private @__sto_impl_g_internal(
// CHECK-SAME:      -> memref<?xf32>
// CHECK-NOT:     sto.c_abi
// CHECK:         call @__sto_impl_g_internal(
// CHECK-LABEL: func.func @__sto_impl_f(
// CHECK:         call @__sto_impl_g_internal(
// CHECK:         call @__sto_impl_g_internal(
func.func @g(%x: tensor<?xf32>, %y: tensor<?xf32>, %n: index) -> tensor<?xf32> {
  %z = arith.addf %x, %y : tensor<?xf32>
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %done = arith.cmpi eq, %n, %c0 : index
  %r = scf.if %done -> tensor<?xf32> {
    scf.yield %z : tensor<?xf32>
  } else {
    %m = arith.subi %n, %c1 : index
    %w = func.call @g(%z, %y, %m) : (tensor<?xf32>, tensor<?xf32>, index) -> tensor<?xf32>
    scf.yield %w : tensor<?xf32>
  }
  return %r : tensor<?xf32>
}

func.func @f(%x: tensor<?xf32>, %y: tensor<?xf32>) -> (tensor<?xf32>, tensor<?xf32>) {
  %c1 = arith.constant 1 : index
  %r = func.call @g(%x, %y, %c1) : (tensor<?xf32>, tensor<?xf32>, index) -> tensor<?xf32>
  %s = func.call @g(%r, %x, %c1) : (tensor<?xf32>, tensor<?xf32>, index) -> tensor<?xf32>
  return %r, %s : tensor<?xf32>, tensor<?xf32>
}
