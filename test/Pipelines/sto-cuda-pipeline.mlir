// The CUDA pipeline maps each Philox block of four elements to one thread
// and keeps the randomness exact: Philox with mul.wide.u32, the samplers'
// fma.rn, correctly rounded sqrt.rn (not sqrt.approx), and no libdevice.
// RUN: sto-opt %s --sto-cuda-pipeline="gpu-format=isa" | FileCheck %s
// RUN: sto-opt %s --sto-cuda-pipeline="gpu-format=isa" --mlir-print-ir-after=sto-prepare-gpu-kernels 2>&1 >/dev/null | FileCheck %s --check-prefix=KERNEL

// KERNEL-LABEL: gpu.func @noise_add_kernel
// KERNEL-COUNT-2: memref.assume_alignment {{.*}}, 16
// The lane loop is unrolled: four elements per thread, read with one 16-byte
// load and written with one 16-byte store (x and y are distinct arguments
// of the entry function).
// KERNEL-NOT:     scf.for
// KERNEL-NOT:     memref.load
// KERNEL:         vector.load {{.*}} {alignment = 16 : i64} : memref<1024x4xf32>, vector<4xf32>
// Two square roots, one per Box-Muller pair (the pair's two lanes share it).
// KERNEL-COUNT-2: llvm.inline_asm "sqrt.rn.f32 $0, $1;"
// KERNEL-NOT:     llvm.inline_asm "sqrt.rn.f32 $0, $1;"
// KERNEL:         vector.store {{.*}} {alignment = 16 : i64} : memref<1024x4xf32>, vector<4xf32>
// KERNEL-NOT:     memref.store
// KERNEL:         gpu.return

// CHECK-LABEL: llvm.func @noise_add(
// CHECK:         gpu.launch_func @noise_add_kernel::@noise_add_kernel
// CHECK-SAME:      blocks in (%{{.*}}, %{{.*}}, %{{.*}}) threads in (%{{.*}}, %{{.*}}, %{{.*}})
// CHECK:       gpu.binary @noise_add_kernel
// CHECK-SAME:    #gpu.object<#nvvm.target<chip = "sm_90a", features = "+ptx80">
// CHECK-SAME:    .target sm_90a
// CHECK-SAME:    .visible .entry noise_add_kernel(
// Ten Philox rounds: two 32x32->64 products each.
// CHECK-SAME:    mul.wide.u32
// CHECK-SAME:    ld.global.v4.b32
// CHECK-SAME:    sqrt.rn.f32
// CHECK-SAME:    fma.rn.f32
// CHECK-SAME:    st.global.v4.b32
// CHECK-NOT:     sqrt.approx
// CHECK-NOT:     __nv_
func.func @noise_add(%s: i64, %x: tensor<4096xf32>) -> tensor<4096xf32> {
  %k = sto.seed %s : i64
  %y = sto.noise %k, %x {scale = 2.5e-01 : f64} : tensor<4096xf32>
  return %y : tensor<4096xf32>
}

// A kernel without randomness takes four consecutive elements per thread
// too (sto-coarsen-gpu-elementwise): 16-byte accesses, where one 4-byte
// access per thread reached 0.65 of the copy bandwidth on an H200.
// KERNEL-LABEL: gpu.func @negate_kernel
// KERNEL:         vector.load {{.*}} {alignment = 16 : i64} : memref<1024x4xf32>, vector<4xf32>
// KERNEL-COUNT-4: arith.negf
// KERNEL:         vector.store {{.*}} {alignment = 16 : i64} : memref<1024x4xf32>, vector<4xf32>
// CHECK-LABEL: llvm.func @negate(
// CHECK:       gpu.binary @negate_kernel
// CHECK-SAME:    .visible .entry negate_kernel(
// CHECK-SAME:    ld.global.v4.b32
// CHECK-SAME:    neg.f32
// CHECK-SAME:    st.global.v4.b32
func.func @negate(%x: tensor<4096xf32>) -> tensor<4096xf32> {
  %y = arith.negf %x : tensor<4096xf32>
  return %y : tensor<4096xf32>
}
