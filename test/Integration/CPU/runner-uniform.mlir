// The CPU pipeline of sto-opt run by mlir-runner: the first 8 uniforms and
// normals of seed 42 are the test vectors of docs/Randomness.md (9.1),
// printed by printMemrefF32 with 6 significant digits. [2x4] and [8] run as
// blocked loop nests (innermost size a multiple of 4), [5] element by
// element.

// RUN: sto-opt %s --sto-cpu-pipeline \
// RUN: | mlir-runner -e main -entry-point-result=void \
// RUN:     -shared-libs=%mlir_lib_dir/libmlir_runner_utils.so,%mlir_lib_dir/libmlir_c_runner_utils.so,%mlir_lib_dir/libomp.so \
// RUN: | FileCheck %s

// CHECK:      Unranked Memref base@ = {{.*}} rank = 2 offset = 0 sizes = [2, 4] strides = [4, 1] data =
// CHECK-NEXT: {{\[}}[0.61296,   0.468587,   0.0732317,   0.340861],
// CHECK-NEXT:  [0.987719,   0.327063,   0.513906,   0.454316]]
// CHECK:      Unranked Memref base@ = {{.*}} rank = 1 offset = 0 sizes = [8] strides = [1] data =
// CHECK-NEXT: [-0.97019,  0.194019,  -1.23562,  1.92393,  -0.0731813,  0.139137,  -1.10666,  0.326683]
// CHECK:      Unranked Memref base@ = {{.*}} rank = 1 offset = 0 sizes = [5] strides = [1] data =
// CHECK-NEXT: [0.61296,  0.468587,  0.0732317,  0.340861,  0.987719]

func.func private @printMemrefF32(tensor<*xf32>)

func.func @main() {
  %s = arith.constant 42 : i64
  // One key per sampler (key linearity): the same seed three times.
  %k0 = sto.seed %s : i64
  %k1 = sto.seed %s : i64
  %k2 = sto.seed %s : i64
  %u = sto.uniform %k0 : tensor<2x4xf32>
  %cu = tensor.cast %u : tensor<2x4xf32> to tensor<*xf32>
  call @printMemrefF32(%cu) : (tensor<*xf32>) -> ()
  %z = sto.normal %k1 : tensor<8xf32>
  %cz = tensor.cast %z : tensor<8xf32> to tensor<*xf32>
  call @printMemrefF32(%cz) : (tensor<*xf32>) -> ()
  // Innermost size 5: the element-by-element loop nest.
  %v = sto.uniform %k2 : tensor<5xf32>
  %cv = tensor.cast %v : tensor<5xf32> to tensor<*xf32>
  call @printMemrefF32(%cv) : (tensor<*xf32>) -> ()
  return
}
