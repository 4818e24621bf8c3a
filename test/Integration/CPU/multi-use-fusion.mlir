// Elementwise fusion of producers with several uses (sto-fuse-elementwise),
// where a consumer reads the producer both directly and transposed: every
// result is compared with one computed in C++, on the CPU (1 and 2 threads)
// and on the GPU lowering run on the host. Found by differential testing: a
// returned value came out transposed and a difference came out 4x.
// RUN: rm -rf %t && mkdir -p %t
// RUN: sto-compile %s -o %t/m.o --header %t/multi_use_fusion.h
// RUN: %clangxx %sto_driver_flags -I%t %S/Inputs/multi-use-fusion.cpp %t/m.o %sto_runtime_link -o %t/m
// RUN: env OMP_NUM_THREADS=2 %t/m | FileCheck %s
// RUN: env OMP_NUM_THREADS=1 %t/m | FileCheck %s
// RUN: mkdir -p %t/emu && sto-compile %s --target=cuda-emulator -o %t/emu/m.o --header %t/emu/multi_use_fusion.h
// RUN: %clangxx %sto_driver_flags -I%t/emu %S/Inputs/multi-use-fusion.cpp %t/emu/m.o %sto_runtime_link -o %t/e
// RUN: %t/e | FileCheck %s

// CHECK: chain y: 0 mismatches of 9
// CHECK: chain z: 0 mismatches of 9
// CHECK: transposes at: 0 mismatches of 25
// CHECK: transposes tt: 0 mismatches of 25
// CHECK: transposes d: 0 mismatches of 25
// CHECK: nested s in order: ok
// CHECK: nested r: 0 mismatches of 12
// CHECK: ALL OK

// y = x + x; z = transpose(y) + y.
func.func @chain(%x: tensor<3x3xf32>) -> (tensor<3x3xf32>, tensor<3x3xf32>) {
  %y = arith.addf %x, %x : tensor<3x3xf32>
  %e = tensor.empty() : tensor<3x3xf32>
  %t = linalg.transpose ins(%y : tensor<3x3xf32>) outs(%e : tensor<3x3xf32>) permutation = [1, 0]
  %z = arith.addf %t, %y : tensor<3x3xf32>
  return %y, %z : tensor<3x3xf32>, tensor<3x3xf32>
}

// b = broadcast(v) over rows; tt = transpose(transpose(b)) = b; d = tt - transpose(b).
func.func @transposes(%a: tensor<5x5xf32>, %v: tensor<5xf32>)
    -> (tensor<5x5xf32>, tensor<5x5xf32>, tensor<5x5xf32>) {
  %e1 = tensor.empty() : tensor<5x5xf32>
  %b = linalg.broadcast ins(%v : tensor<5xf32>) outs(%e1 : tensor<5x5xf32>) dimensions = [0]
  %e3 = tensor.empty() : tensor<5x5xf32>
  %bt = linalg.transpose ins(%b : tensor<5x5xf32>) outs(%e3 : tensor<5x5xf32>) permutation = [1, 0]
  %e7 = tensor.empty() : tensor<5x5xf32>
  %at = linalg.transpose ins(%a : tensor<5x5xf32>) outs(%e7 : tensor<5x5xf32>) permutation = [1, 0]
  %e9 = tensor.empty() : tensor<5x5xf32>
  %t1 = linalg.transpose ins(%b : tensor<5x5xf32>) outs(%e9 : tensor<5x5xf32>) permutation = [1, 0]
  %e11 = tensor.empty() : tensor<5x5xf32>
  %tt = linalg.transpose ins(%t1 : tensor<5x5xf32>) outs(%e11 : tensor<5x5xf32>) permutation = [1, 0]
  %d = arith.subf %tt, %bt : tensor<5x5xf32>
  return %at, %tt, %d : tensor<5x5xf32>, tensor<5x5xf32>, tensor<5x5xf32>
}

// s = exp(x) (returned); r = s * transpose-like reread through a reshape-free
// permutation of a 3-D tensor: r[i, j, k] = s[i, j, k] - s[j, i, k] on [2, 2, 3].
func.func @nested(%x: tensor<2x2x3xf32>) -> (tensor<2x2x3xf32>, tensor<2x2x3xf32>) {
  %s = math.exp %x : tensor<2x2x3xf32>
  %e = tensor.empty() : tensor<2x2x3xf32>
  %p = linalg.transpose ins(%s : tensor<2x2x3xf32>) outs(%e : tensor<2x2x3xf32>) permutation = [1, 0, 2]
  %r = arith.subf %s, %p : tensor<2x2x3xf32>
  return %s, %r : tensor<2x2x3xf32>, tensor<2x2x3xf32>
}
