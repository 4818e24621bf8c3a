// Large outputs written with non-temporal stores (sto-streaming-stores): a
// Langevin step + SWA (20 bytes per element: streamed), a scale of 512 x
// 8192 and an SWA average over 2^22 (no long math: streamed) get aligned
// `!nontemporal` vector stores and an sfence; noise_add (a normal per 8
// bytes: bound by compute) does not.
// The driver (Inputs/streaming-stores.cpp) calls each function with 64-byte
// aligned results (the streaming copy) and with results one element off (the
// original nest) and compares every element, bit for bit, with the
// reference of sto/Runtime/Philox.h (the scale with x * 2 + 1 in float).

// RUN: rm -rf %t && mkdir -p %t
// RUN: sto-compile %s --compile-to=llvmir -o %t/streaming.ll
// RUN: FileCheck %s --check-prefix=IR < %t/streaming.ll
// RUN: sto-compile %s --compile-to=llvm -o - | FileCheck %s --check-prefix=DIALECT
// RUN: sto-compile %s -o %t/streaming.o --header %t/streaming.h
// RUN: %clangxx %sto_driver_flags -I%t %S/Inputs/streaming-stores.cpp %t/streaming.o %sto_runtime_link -o %t/streaming
// RUN: %t/streaming | FileCheck %s

// In the LLVM dialect the stores carry the streaming scope instead of
// `nontemporal` (the loop vectorizer refuses a non-temporal store it cannot
// prove aligned to the whole vector), and the alignment assumption made in
// the OpenMP region, which outlining would drop, is a pointer mask put back
// into the buffer's descriptor.
// DIALECT: #[[DOMAIN:.+]] = #llvm.alias_scope_domain<id = distinct[{{[0-9]+}}]<>, description = "sto.streaming">
// DIALECT: #[[SCOPE:.+]] = #llvm.alias_scope<id = distinct[{{[0-9]+}}]<>, domain = #[[DOMAIN]]>
// DIALECT: omp.parallel {
// DIALECT:   %[[PTR:.+]] = llvm.extractvalue %[[DESC:.+]][1]
// DIALECT:   %[[M:.+]] = llvm.intr.ptrmask %[[PTR]], %{{.+}} : (!llvm.ptr, i64) -> !llvm.ptr
// DIALECT:   llvm.insertvalue %[[M]], %[[DESC]][1]
// DIALECT:   llvm.store %{{.+}}, %{{.+}} {alias_scopes = [#[[SCOPE]]]} : f32, !llvm.ptr
// DIALECT-NOT: nontemporal

// The streaming copy of each nest comes first, then the original.
// IR-LABEL: define internal void @__sto_impl_langevin_swa..omp_par{{(\.[0-9]+)?}}(
// IR-DAG:     call void @llvm.x86.sse.sfence()
// IR-DAG:     store <16 x float> {{.*}}, align 64, !nontemporal
// IR-LABEL: define internal void @__sto_impl_langevin_swa..omp_par{{(\.[0-9]+)?}}(
// IR-NOT:     nontemporal
// IR-LABEL: define i32 @langevin_swa(
// IR-LABEL: define internal void @__sto_impl_scale..omp_par{{(\.[0-9]+)?}}(
// IR-DAG:     call void @llvm.x86.sse.sfence()
// IR-DAG:     store <16 x float> {{.*}}, align 64, !nontemporal
// IR-LABEL: define internal void @__sto_impl_scale..omp_par{{(\.[0-9]+)?}}(
// IR-NOT:     nontemporal
// IR-LABEL: define i32 @scale(
// A loop over the threads by rows of 4 elements (the average is blocked
// like the samplers it fuses with): blocks of 4 KiB, aligned stores (an
// interleaved group of two zmm).
// IR-LABEL: define internal void @__sto_impl_swa..omp_par{{(\.[0-9]+)?}}(
// IR-DAG:     call void @llvm.x86.sse.sfence()
// IR-DAG:     store <{{16|32}} x float> {{.*}}, align 64, {{.*}}!nontemporal
// IR-LABEL: define internal void @__sto_impl_swa..omp_par{{(\.[0-9]+)?}}(
// IR-NOT:     nontemporal
// IR-LABEL: define i32 @swa(
// IR-LABEL: define internal void @__sto_impl_noisy..omp_par{{(\.[0-9]+)?}}(
// IR-NOT:     nontemporal
// IR-NOT:     call void @llvm.x86.sse.sfence
// IR-LABEL: define i32 @noisy(

// CHECK: langevin_swa p', aligned: 0 mismatches of 4194304
// CHECK: langevin_swa avg', aligned: 0 mismatches of 4194304
// CHECK: scale, aligned: 0 mismatches of 4194304
// CHECK: langevin_swa p', one off: 0 mismatches of 4194304
// CHECK: langevin_swa avg', one off: 0 mismatches of 4194304
// CHECK: scale, one off: 0 mismatches of 4194304
// CHECK: swa, aligned: 0 mismatches of 4194304
// CHECK: swa, one off: 0 mismatches of 4194304
// CHECK: noisy, aligned: 0 mismatches of 4194304
// CHECK: noisy, one off: 0 mismatches of 4194304

func.func @langevin_swa(%key: !sto.key, %p: tensor<4194304xf32>, %g: tensor<4194304xf32>,
                        %avg: tensor<4194304xf32>, %count: i64)
    -> (tensor<4194304xf32>, tensor<4194304xf32>) {
  %p1 = sto.langevin_step %key, %p, %g {lr = 1.0e-03 : f64, temperature = 1.0e-04 : f64}
      : tensor<4194304xf32>
  %a1 = sto.average %avg, %p1, %count : tensor<4194304xf32>, i64
  return %p1, %a1 : tensor<4194304xf32>, tensor<4194304xf32>
}

func.func @scale(%x: tensor<512x8192xf32>) -> tensor<512x8192xf32> {
  %two = arith.constant dense<2.0> : tensor<512x8192xf32>
  %one = arith.constant dense<1.0> : tensor<512x8192xf32>
  %a = arith.mulf %x, %two : tensor<512x8192xf32>
  %y = arith.addf %a, %one : tensor<512x8192xf32>
  return %y : tensor<512x8192xf32>
}

func.func @swa(%avg: tensor<4194304xf32>, %p: tensor<4194304xf32>, %count: i64)
    -> tensor<4194304xf32> {
  %a1 = sto.average %avg, %p, %count : tensor<4194304xf32>, i64
  return %a1 : tensor<4194304xf32>
}

func.func @noisy(%key: !sto.key, %x: tensor<4194304xf32>) -> tensor<4194304xf32> {
  %y = sto.noise %key, %x {scale = 2.5e-01 : f64} : tensor<4194304xf32>
  return %y : tensor<4194304xf32>
}
