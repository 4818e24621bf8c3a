// RUN: sto-opt %s --sto-emit-c-abi -split-input-file -verify-diagnostics | FileCheck %s --implicit-check-not=sto_cuda
// RUN: sto-opt %s --sto-emit-c-abi=cuda=true -split-input-file -verify-diagnostics | FileCheck %s --check-prefix=CUDA

// For every llvm.func with `sto.c_abi`, an entry point `i32 <name>(...)`:
// tensors as a pointer and one i64 per dynamic dimension, scalars by value
// (!sto.key and index as i64), results after the arguments as pointers. It
// checks for null pointers (status 1), negative sizes (status 2), sizes of
// more than 2^63 bytes (status 7, with a message naming the tensor) and a
// result overlapping another array (status 6, naming both), which it also
// records (for sto_last_error_message), builds
// the memref descriptors (offset 0, row-major strides), calls the
// implementation, stores the scalar results and returns the runtime's
// status. With `cuda`, it clears the CUDA error state before the call and
// returns sto_cuda_last_error() when the status is otherwise 0.

// A static tensor in, a static tensor out.

// CHECK-LABEL: llvm.func @sto_take_status() -> i32
// CHECK-LABEL: llvm.func internal @__sto_impl_copy(
// CHECK-NOT:     sto.c_abi
// CHECK-LABEL: llvm.func @copy(
// CHECK-SAME:    %[[X:[^:]+]]: !llvm.ptr, %[[Y:[^:]+]]: !llvm.ptr) -> i32 {
// CHECK:         %[[Z0:.+]] = llvm.mlir.zero : !llvm.ptr
// CHECK-NEXT:    %[[NX:.+]] = llvm.icmp "eq" %[[X]], %[[Z0]] : !llvm.ptr
// CHECK:         %[[ZERO:.+]] = llvm.mlir.constant(0 : i64) : i64
// CHECK-NEXT:    %[[C8:.+]] = llvm.mlir.constant(8 : i64) : i64
// CHECK-NEXT:    %[[ONE:.+]] = llvm.mlir.constant(1 : i64) : i64
// CHECK:         %[[NY:.+]] = llvm.icmp "eq" %[[Y]], %{{.+}} : !llvm.ptr
// CHECK-NEXT:    %[[NULL:.+]] = llvm.or %[[NX]], %[[NY]] : i1
// The result's 32 bytes and the argument's share one: x < y + 32 and
// y < x + 32 (both non-empty).
// CHECK:         %[[YI:.+]] = llvm.ptrtoint %[[Y]] : !llvm.ptr to i64
// CHECK:         %[[XEND:.+]] = llvm.add %[[XI:.+]], %{{.+}} : i64
// CHECK-NEXT:    %[[B1:.+]] = llvm.icmp "ult" %[[YI]], %[[XEND]] : i64
// CHECK-NEXT:    %[[YEND:.+]] = llvm.add %[[YI]], %{{.+}} : i64
// CHECK-NEXT:    %[[B2:.+]] = llvm.icmp "ult" %[[XI]], %[[YEND]] : i64
// CHECK-NEXT:    %[[MEET:.+]] = llvm.and %[[B1]], %[[B2]] : i1
// CHECK-NEXT:    %[[HIT:.+]] = llvm.and %{{.+}}, %[[MEET]] : i1
// CHECK-NEXT:    %[[OVMSG:.+]] = llvm.mlir.addressof @[[OVNAME:__sto_message_[0-9]+]]
// CHECK:         %[[OK:.+]] = llvm.mlir.constant(0 : i32) : i32
// CHECK-NEXT:    %[[NOMSG:.+]] = llvm.mlir.zero : !llvm.ptr
// CHECK-NEXT:    %[[SIX:.+]] = llvm.mlir.constant(6 : i32) : i32
// CHECK-NEXT:    %[[S6:.+]] = llvm.select %[[HIT]], %[[SIX]], %[[OK]] : i1, i32
// CHECK-NEXT:    llvm.select %[[HIT]], %[[OVMSG]], %[[NOMSG]] : i1, !llvm.ptr
// CHECK-NEXT:    %[[ONE32:.+]] = llvm.mlir.constant(1 : i32) : i32
// CHECK-NEXT:    %[[STATUS:.+]] = llvm.select %[[NULL]], %[[ONE32]], %[[S6]] : i1, i32
// CHECK:         %[[MSG:.+]] = llvm.select %{{.+}}, %{{.+}}, %{{.+}} : i1, !llvm.ptr
// CHECK:         %[[FAILED:.+]] = llvm.icmp "ne" %[[STATUS]], %{{.+}} : i32
// CHECK-NEXT:    llvm.cond_br %[[FAILED]], ^[[ERR:.+]](%[[STATUS]], %[[MSG]] : i32, !llvm.ptr), ^[[CALL:.+]]
// CHECK-NEXT:  ^[[CALL]]:
// CHECK-NEXT:    llvm.call @sto_take_status() : () -> i32
// CHECK-NEXT:    llvm.call @__sto_impl_copy(%[[X]], %[[X]], %[[ZERO]], %[[C8]], %[[ONE]], %[[Y]], %[[Y]], %{{.+}}, %{{.+}}, %{{.+}}) : (!llvm.ptr, !llvm.ptr, i64, i64, i64, !llvm.ptr, !llvm.ptr, i64, i64, i64) -> ()
// CHECK-NEXT:    %[[R:.+]] = llvm.call @sto_take_status() : () -> i32
// CHECK-NEXT:    llvm.return %[[R]] : i32
// CHECK-NEXT:  ^[[ERR]](%[[E:.+]]: i32, %[[EM:.+]]: !llvm.ptr):
// CHECK-NEXT:    llvm.call @sto_take_status() : () -> i32
// CHECK-NEXT:    llvm.call @sto_record_error(%[[E]], %[[EM]]) : (i32, !llvm.ptr) -> ()
// CHECK-NEXT:    llvm.call @sto_take_status() : () -> i32
// CHECK-NEXT:    llvm.return %[[E]] : i32
// CHECK:         llvm.mlir.global private constant @[[OVNAME]]("result0 overlaps arg0: a result must not overlap another array of the call\00")

// CUDA-DAG:   llvm.func @sto_cuda_clear_error()
// CUDA-DAG:   llvm.func @sto_cuda_last_error() -> i32
// CUDA-LABEL: llvm.func @copy(
// CUDA:         llvm.call @sto_take_status() : () -> i32
// CUDA-NEXT:    llvm.call @sto_cuda_clear_error() : () -> ()
// CUDA-NEXT:    llvm.call @__sto_impl_copy(
// CUDA-NEXT:    %[[R:.+]] = llvm.call @sto_take_status() : () -> i32
// CUDA-NEXT:    %[[CU:.+]] = llvm.call @sto_cuda_last_error() : () -> i32
// CUDA-NEXT:    %[[Z:.+]] = llvm.mlir.constant(0 : i32) : i32
// CUDA-NEXT:    %[[OK:.+]] = llvm.icmp "eq" %[[R]], %[[Z]] : i32
// CUDA-NEXT:    %[[S:.+]] = llvm.select %[[OK]], %[[CU]], %[[R]] : i1, i32
// CUDA-NEXT:    llvm.return %[[S]] : i32
module {
  llvm.func @__sto_impl_copy(%a: !llvm.ptr, %b: !llvm.ptr, %c: i64, %d: i64, %e: i64,
                             %f: !llvm.ptr, %g: !llvm.ptr, %h: i64, %i: i64, %j: i64)
      attributes {sto.c_abi = {inputs = [tensor<8xf32>], name = "copy", results = [tensor<8xf32>]}} {
    llvm.return
  }
}

// -----

// Dynamic dimensions, scalars and scalar results. The descriptor of
// tensor<?x4xf32> is (ptr, ptr, 0, n, 4, 4 * 1, 1); each size is checked
// for < 0; !sto.key and index are i64; two scalar results come back in a
// struct and are stored through their pointers.

// CHECK-LABEL: llvm.func @forward(
// CHECK-SAME:    %[[K:[^:]+]]: i64, %[[X:[^:]+]]: !llvm.ptr, %[[N:[^:]+]]: i64, %[[S:[^:]+]]: f32, %[[I:[^:]+]]: i64,
// CHECK-SAME:    %[[Y:[^:]+]]: !llvm.ptr, %[[M:[^:]+]]: i64, %[[P0:[^:]+]]: !llvm.ptr, %[[P1:[^:]+]]: !llvm.ptr) -> i32
// CHECK:         %[[NEG0:.+]] = llvm.icmp "slt" %[[N]], %{{.+}} : i64
// Each tensor's byte count, 16 bytes per row times its rows, must fit in
// int64_t (unsigned multiply with overflow, then the sign).
// CHECK:         %[[ROW:.+]] = llvm.mlir.constant(16 : i64) : i64
// CHECK:         "llvm.intr.umul.with.overflow"(%[[ROW]], %[[N]]) : (i64, i64) -> !llvm.struct<(i64, i1)>
// CHECK:         llvm.mlir.addressof @__sto_message_{{[0-9]+}}
// CHECK:         %[[C4:.+]] = llvm.mlir.constant(4 : i64) : i64
// CHECK:         %[[ST1:.+]] = llvm.mlir.constant(1 : i64) : i64
// CHECK-NEXT:    %[[ST0:.+]] = llvm.mul %[[ST1]], %[[C4]] : i64
// CHECK:         %[[NEG1:.+]] = llvm.icmp "slt" %[[M]], %{{.+}} : i64
// CHECK-NEXT:    %[[NEG:.+]] = llvm.or %[[NEG0]], %[[NEG1]] : i1
// CHECK:         "llvm.intr.umul.with.overflow"(%{{.+}}, %[[M]])
// CHECK:         %[[SEVEN:.+]] = llvm.mlir.constant(7 : i32) : i32
// CHECK-NEXT:    %[[SB:.+]] = llvm.select %{{.+}}, %[[SEVEN]], %{{.+}} : i1, i32
// CHECK:         %[[TWO:.+]] = llvm.mlir.constant(2 : i32) : i32
// CHECK-NEXT:    %[[SN:.+]] = llvm.select %[[NEG]], %[[TWO]], %[[SB]] : i1, i32
// CHECK:         %[[SNULL:.+]] = llvm.select %{{.+}}, %{{.+}}, %[[SN]] : i1, i32
// CHECK:         llvm.cond_br %{{.+}}, ^{{.+}}(%[[SNULL]], %{{.+}} : i32, !llvm.ptr), ^
// CHECK:         %[[RES:.+]] = llvm.call @__sto_impl_forward(%[[K]], %[[X]], %[[X]], %{{.+}}, %[[N]], %[[C4]], %[[ST0]], %[[ST1]], %[[S]], %[[I]], %[[Y]], %[[Y]], %{{.+}}, %[[M]], %{{.+}}, %{{.+}}, %{{.+}})
// The scalar results are stored only when the call succeeded.
// CHECK-NEXT:    %[[ST:.+]] = llvm.call @sto_take_status()
// CHECK-NEXT:    %[[Z:.+]] = llvm.mlir.constant(0 : i32) : i32
// CHECK-NEXT:    %[[OK:.+]] = llvm.icmp "eq" %[[ST]], %[[Z]] : i32
// CHECK-NEXT:    llvm.cond_br %[[OK]], ^[[STORE:.+]], ^[[DONE:[^ ]+]]
// CHECK:       ^[[STORE]]:
// CHECK-NEXT:    %[[V0:.+]] = llvm.extractvalue %[[RES]][0] : !llvm.struct<(f32, i64)>
// CHECK-NEXT:    llvm.store %[[V0]], %[[P0]] : f32, !llvm.ptr
// CHECK-NEXT:    %[[V1:.+]] = llvm.extractvalue %[[RES]][1] : !llvm.struct<(f32, i64)>
// CHECK-NEXT:    llvm.store %[[V1]], %[[P1]] : i64, !llvm.ptr
// CHECK-NEXT:    llvm.br ^[[DONE]]
// CHECK-NEXT:  ^[[DONE]]:
// CHECK-NEXT:    llvm.return %[[ST]] : i32
module {
  llvm.func @__sto_impl_forward(%k: i64, %a: !llvm.ptr, %b: !llvm.ptr, %c: i64, %d0: i64, %d1: i64, %s0: i64, %s1: i64,
                                %s: f32, %i: i64,
                                %ra: !llvm.ptr, %rb: !llvm.ptr, %rc: i64, %rd0: i64, %rd1: i64, %rs0: i64, %rs1: i64)
      -> !llvm.struct<(f32, i64)>
      attributes {sto.c_abi = {inputs = [!sto.key, tensor<?x4xf32>, f32, index], name = "forward", results = [tensor<?x4xf32>, f32, i64]}} {
    %p = llvm.mlir.poison : !llvm.struct<(f32, i64)>
    llvm.return %p : !llvm.struct<(f32, i64)>
  }
}

// -----

// One scalar result is returned directly; a 0-d tensor has no sizes.

// CHECK-LABEL: llvm.func @loss(
// CHECK-SAME:    %[[X:[^:]+]]: !llvm.ptr, %[[P:[^:]+]]: !llvm.ptr) -> i32
// CHECK:         %[[L:.+]] = llvm.call @__sto_impl_loss(%[[X]], %[[X]], %{{.+}}) : (!llvm.ptr, !llvm.ptr, i64) -> f32
// CHECK:         llvm.cond_br
// CHECK:         llvm.store %[[L]], %[[P]] : f32, !llvm.ptr
module {
  llvm.func @__sto_impl_loss(%a: !llvm.ptr, %b: !llvm.ptr, %c: i64) -> f32
      attributes {sto.c_abi = {inputs = [tensor<f32>], name = "loss", results = [f32]}} {
    %z = llvm.mlir.constant(0.0 : f32) : f32
    llvm.return %z : f32
  }
}

// -----

// The entry points are the only exported symbols: every other function
// defined in the module becomes internal; declarations stay external.

// CHECK-LABEL: llvm.func @libm_like(f32) -> f32
// CHECK-LABEL: llvm.func internal @helper(
// CHECK-LABEL: llvm.func internal @__sto_impl_main(
// CHECK-LABEL: llvm.func @main() -> i32
module {
  llvm.func @libm_like(f32) -> f32
  llvm.func @helper() {
    llvm.return
  }
  llvm.func @__sto_impl_main() attributes {sto.c_abi = {inputs = [], name = "main", results = []}} {
    llvm.call @helper() : () -> ()
    llvm.return
  }
}

// -----

// A lowered function that does not match its recorded signature.

module {
  // expected-error @+1 {{C entry point of 'g' passes 5 values but the lowered function takes 4}}
  llvm.func @__sto_impl_g(%a: !llvm.ptr, %b: !llvm.ptr, %c: i64, %d: i64)
      attributes {sto.c_abi = {inputs = [tensor<8xf32>], name = "g", results = []}} {
    llvm.return
  }
}

// -----

module {
  // expected-error @+1 {{C entry point of 'h' stores 1 scalar results but the lowered function returns 0}}
  llvm.func @__sto_impl_h(%a: !llvm.ptr, %b: !llvm.ptr, %c: i64, %d: i64, %e: i64)
      attributes {sto.c_abi = {inputs = [tensor<8xf32>], name = "h", results = [f32]}} {
    llvm.return
  }
}

// -----

module {
  // expected-error @+1 {{malformed 'sto.c_abi' attribute}}
  llvm.func @__sto_impl_m() attributes {sto.c_abi = {inputs = [], name = "m"}} {
    llvm.return
  }
}

// -----

module {
  // expected-error @+1 {{malformed 'sto.c_abi' attribute}}
  llvm.func @__sto_impl_m(%a: i64) attributes {sto.c_abi = {inputs = [8 : i64], name = "m", results = []}} {
    llvm.return
  }
}

// -----

// A tensor constant that stayed data (not folded into the loops reading it)
// of more than 2^31 bytes: an error at the global (which carries the
// constant's location), not an out-of-memory abort in the LLVM translation.
// Up to 2^31 bytes, and an uninitialized global of any size, pass.
module {
  // expected-error @+1 {{a constant of '!llvm.array<4611686018427387904 x i8>' is too large to embed in the object (at most 2^31 bytes)}}
  llvm.mlir.global private constant @huge(dense<1> : tensor<4611686018427387904xi8>) {addr_space = 0 : i32} : !llvm.array<4611686018427387904 x i8>
}

// -----

// CHECK-LABEL: llvm.mlir.global private constant @at_limit
// CHECK:       llvm.mlir.global private @no_value
module {
  llvm.mlir.global private constant @at_limit(dense<1> : tensor<2x1073741824xi8>) {addr_space = 0 : i32} : !llvm.array<2 x array<1073741824 x i8>>
  llvm.mlir.global private @no_value() {addr_space = 0 : i32} : !llvm.array<4294967296 x i8>
}
