// Ops that nothing in the pipelines bufferizes or lowers to loops are
// rejected before compiling, at the op, naming it (they failed in
// bufferization with "op was not bufferized"), on every target.
//
// RUN: split-file %s %t
// RUN: not sto-compile %t/gather.mlir -o %t.o 2>&1 | FileCheck %s --check-prefix=GATHER
// RUN: not sto-compile %t/gather.mlir --target=cuda --gpu-format=isa -o %t.o 2>&1 | FileCheck %s --check-prefix=GATHER
// RUN: not sto-compile %t/scatter.mlir -o %t.o 2>&1 | FileCheck %s --check-prefix=SCATTER
// RUN: not sto-compile %t/bitcast.mlir -o %t.o 2>&1 | FileCheck %s --check-prefix=BITCAST
// RUN: not sto-compile %t/pack.mlir -o %t.o 2>&1 | FileCheck %s --check-prefix=PACK
// RUN: not sto-compile %t/unpack.mlir -o %t.o 2>&1 | FileCheck %s --check-prefix=UNPACK
// RUN: not sto-compile %t/unranked.mlir -o %t.o 2>&1 | FileCheck %s --check-prefix=UNRANKED
// RUN: not sto-compile %t/unranked.mlir --target=cuda-emulator -o %t.o 2>&1 | FileCheck %s --check-prefix=UNRANKED
// RUN: not sto-compile %t/unranked-arg.mlir -o %t.o 2>&1 | FileCheck %s --check-prefix=UNRANKED-ARG
// Ops that nothing lowers to the LLVM dialect are named at their location
// (the LLVM translation failed on an unrealized cast, and --compile-to=llvm
// printed the unlowered IR with status 0), on every target.
// RUN: not sto-compile %t/complex-exp.mlir -o %t.o 2>&1 | FileCheck %s --check-prefix=COMPLEX
// RUN: not sto-compile %t/complex-exp.mlir --compile-to=llvm 2>&1 | FileCheck %s --check-prefix=COMPLEX
// RUN: not sto-compile %t/complex-exp.mlir --target=cuda-emulator -o %t.o 2>&1 | FileCheck %s --check-prefix=COMPLEX
// RUN: not sto-compile %t/f8.mlir -o %t.o 2>&1 | FileCheck %s --check-prefix=F8
// A nested module's functions were dropped without a word.
// RUN: not sto-compile %t/nested.mlir -o %t.o 2>&1 | FileCheck %s --check-prefix=NESTED

// GATHER: gather.mlir:3:8: error: 'tensor.gather' op is not supported by sto-compile (nothing lowers it to loops); write it as a linalg.generic
// SCATTER: scatter.mlir:2:8: error: 'tensor.scatter' op is not supported by sto-compile
// BITCAST: bitcast.mlir:4:8: error: 'tensor.bitcast' op is not supported by sto-compile
// PACK: pack.mlir:2:8: error: 'linalg.pack' op is not supported by sto-compile
// UNPACK: unpack.mlir:2:8: error: 'linalg.unpack' op is not supported by sto-compile
// Unranked tensors: the copy of an unranked buffer into a callee's result
// was dropped (the result read as zeros).
// UNRANKED: unranked.mlir:2:8: error: 'tensor.cast' op result of unranked type 'tensor<*xf32>': sto-compile needs ranked tensors (tensor<?x?xf32> for sizes known only at run time)
// UNRANKED-ARG: unranked-arg.mlir:1:1: error: function 'g' has argument #0 of unranked type 'tensor<*xf32>': sto-compile needs ranked tensors
// COMPLEX: complex-exp.mlir:6:10: error: 'complex.exp' op is not supported by sto-compile: nothing lowers it to the LLVM dialect for this target
// COMPLEX-NOT: error
// F8: f8.mlir:2:8: error: 'arith.truncf' op is not supported by sto-compile: nothing lowers it to the LLVM dialect for this target
// NESTED: nested.mlir:4:1: error: a nested 'builtin.module' is not compiled by sto-compile: move its functions to the top-level module

//--- gather.mlir
// In a private helper too.
func.func private @g(%a: tensor<4x5xf32>, %i: tensor<3x1xindex>) -> tensor<3x5xf32> {
  %r = tensor.gather %a[%i] gather_dims([0]) unique : (tensor<4x5xf32>, tensor<3x1xindex>) -> tensor<3x5xf32>
  return %r : tensor<3x5xf32>
}
func.func @f(%a: tensor<4x5xf32>, %i: tensor<3x1xindex>) -> tensor<3x5xf32> {
  %r = call @g(%a, %i) : (tensor<4x5xf32>, tensor<3x1xindex>) -> tensor<3x5xf32>
  return %r : tensor<3x5xf32>
}
//--- scatter.mlir
func.func @f(%s: tensor<3x5xf32>, %d: tensor<4x5xf32>, %i: tensor<3x1xindex>) -> tensor<4x5xf32> {
  %r = tensor.scatter %s into %d[%i] scatter_dims([0]) unique : (tensor<3x5xf32>, tensor<4x5xf32>, tensor<3x1xindex>) -> tensor<4x5xf32>
  return %r : tensor<4x5xf32>
}
//--- bitcast.mlir
// Between equal shapes it compiles (an elementwise arith.bitcast,
// test/Integration/CPU/bitcast.mlir); to other sizes it would need checks.
func.func @f(%a: tensor<?xf32>) -> tensor<4xi32> {
  %r = tensor.bitcast %a : tensor<?xf32> to tensor<4xi32>
  return %r : tensor<4xi32>
}
//--- pack.mlir
func.func @f(%a: tensor<8x8xf32>, %e: tensor<2x2x4x4xf32>) -> tensor<2x2x4x4xf32> {
  %r = linalg.pack %a inner_dims_pos = [0, 1] inner_tiles = [4, 4] into %e : tensor<8x8xf32> -> tensor<2x2x4x4xf32>
  return %r : tensor<2x2x4x4xf32>
}
//--- unpack.mlir
func.func @f(%a: tensor<2x2x4x4xf32>, %e: tensor<8x8xf32>) -> tensor<8x8xf32> {
  %r = linalg.unpack %a inner_dims_pos = [0, 1] inner_tiles = [4, 4] into %e : tensor<2x2x4x4xf32> -> tensor<8x8xf32>
  return %r : tensor<8x8xf32>
}
//--- unranked.mlir
func.func @f(%x: tensor<4xf32>) -> tensor<4xf32> {
  %u = tensor.cast %x : tensor<4xf32> to tensor<*xf32>
  %c = tensor.cast %u : tensor<*xf32> to tensor<4xf32>
  return %c : tensor<4xf32>
}
//--- unranked-arg.mlir
func.func private @g(%x: tensor<*xf32>) -> tensor<*xf32> {
  return %x : tensor<*xf32>
}
//--- complex-exp.mlir
func.func @f(%a: tensor<8xf32>) -> tensor<8xf32> {
  %e = tensor.empty() : tensor<8xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> (i)>], iterator_types = ["parallel"]} ins(%a : tensor<8xf32>) outs(%e : tensor<8xf32>) {
  ^bb0(%x: f32, %o: f32):
    %z = complex.create %x, %x : complex<f32>
    %w = complex.exp %z : complex<f32>
    %re = complex.re %w : complex<f32>
    linalg.yield %re : f32
  } -> tensor<8xf32>
  return %r : tensor<8xf32>
}
//--- f8.mlir
func.func @f(%a: tensor<8xf32>) -> tensor<8xf32> {
  %t = arith.truncf %a : tensor<8xf32> to tensor<8xf8E4M3FN>
  %u = arith.extf %t : tensor<8xf8E4M3FN> to tensor<8xf32>
  return %u : tensor<8xf32>
}
//--- nested.mlir
func.func @f(%a: tensor<8xf32>) -> tensor<8xf32> {
  return %a : tensor<8xf32>
}
module @inner {
  func.func @g(%a: tensor<8xf32>) -> tensor<8xf32> {
    return %a : tensor<8xf32>
  }
}
