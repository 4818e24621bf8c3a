// math.erf as sto-approximate-math expands it (sto's own two-polynomial form,
// the same arithmetic on every target), compiled with sto-compile and
// compared with the C library's erf in double (driver:
// Inputs/math-accuracy.cpp): every 61st f32 bit pattern in [0, 4.5] and its
// negation, each the first element of a 64-lane tile so that the vectorized
// loop body is what gets measured. The bound is the one measured when the
// coefficients were fitted (1.43 ulp); MLIR's own expansion has 4.74 ulp and
// fails it. Special values are exact: erf(±0) = ±0, erf(±inf) = ±1, NaN
// stays NaN, and |x| >= 3.92 gives ±1. f16 goes through f32 and must be the
// correctly rounded f16 of the f32 result.
//
// math.exp (MLIR's f32 expansion, with sto's halving below -87.33): every
// third f32 in [-104, -87.33], whose results are subnormal (MLIR's expansion
// alone flushed them all to 0), within 2 units of 2^-149 of libm; and every
// 97th f32 in [-87.33, 88.7] within 5 ulp (the expansion's own 4.75 near
// overflow).
//
// f64 math.exp (sto's own expansion, the same arithmetic on every target:
// libm's exp and libdevice's __nv_exp round differently) against expl, in
// 2^20 values per sweep: random bit patterns (all, and all of magnitude below
// 746), uniform in [-745.2, 709.8], in [-1, 1], 2^-60 < |x| < 1, uniform in
// [700, 709.8], consecutive f64 around the overflow threshold 709.78, uniform
// in [-745.2, -708.3] (subnormal results) and consecutive f64 around
// -745.13 (results 2^-1074 or 0) and -708.40 (the smallest normal result).
// Each within 1 ulp of exp (measured: 0.63 ulp, 0.77 units of 2^-1074 for
// subnormal results) and at most 1 ulp from the nearest f64; past the
// overflow threshold +inf. Special values are exact: exp(±0) = 1, exp(+inf)
// = +inf, exp(-inf) = +0, NaN stays NaN, +inf from the f64 after 709.78...,
// +0 from -745.1332191019412 down, 2^-1074 just above.

// RUN: rm -rf %t && mkdir -p %t
// RUN: sto-compile %s -o %t/math_accuracy.o --header %t/math_accuracy.h
// RUN: %clangxx %sto_driver_flags -I%t %S/Inputs/math-accuracy.cpp %t/math_accuracy.o %sto_runtime_link -o %t/math-accuracy
// RUN: %t/math-accuracy | FileCheck %s

// CHECK: erf f32: [[N:[0-9]+]] values, max error {{0\.[0-9]+|1\.[0-3][0-9]*|1\.4[0-3][0-9]*}} ulp
// CHECK: erf f32 special values: 0 mismatches
// CHECK: erf f16: 0 mismatches of
// CHECK: exp f32 subnormal results: [[M:[0-9]+]] values, 0 flushed to 0, max error {{0\.[0-9]+|1\.[0-9]+}} units of 2^-149
// CHECK: exp f32 normal results: {{[0-9]+}} values, max error {{[0-4]\.[0-9]+}} ulp
// CHECK: exp f64 random bit patterns: 1048576 values, max error {{0\.[0-9]+}} ulp {{.*}} at most {{0|1}} ulp from it
// CHECK: exp f64 random bit patterns, |x| < 746: 1048576 values, max error {{0\.[0-9]+}} ulp {{.*}} at most {{0|1}} ulp from it
// CHECK: exp f64 uniform in [-745.2, 709.8]: 1048576 values, max error {{0\.[0-9]+}} ulp {{.*}} at most {{0|1}} ulp from it
// CHECK: exp f64 uniform in [-1, 1]: 1048576 values, max error {{0\.[0-9]+}} ulp {{.*}} at most {{0|1}} ulp from it
// CHECK: exp f64 2^-60 < |x| < 1: 1048576 values, max error {{0\.[0-9]+}} ulp {{.*}} at most {{0|1}} ulp from it
// CHECK: exp f64 uniform in [700, 709.8]: 1048576 values, max error {{0\.[0-9]+}} ulp {{.*}} at most {{0|1}} ulp from it
// CHECK: exp f64 consecutive around 709.782712893384: 1048576 values, max error {{0\.[0-9]+}} ulp {{.*}} at most {{0|1}} ulp from it
// CHECK: exp f64 subnormal results, uniform in [-745.2, -708.3]: 1048576 values, max error {{0\.[0-9]+}} ulp {{.*}} at most {{0|1}} ulp from it
// CHECK: exp f64 consecutive around -745.1332191019412: 1048576 values, max error {{0\.[0-9]+}} ulp {{.*}} at most {{0|1}} ulp from it
// CHECK: exp f64 consecutive around -708.3964185322641: 1048576 values, max error {{0\.[0-9]+}} ulp {{.*}} at most {{0|1}} ulp from it
// CHECK: exp f64 special values: 0 mismatches
// CHECK: PASS

func.func @erf_f32(%x: tensor<1048576xf32>) -> tensor<1048576xf32> {
  %y = math.erf %x : tensor<1048576xf32>
  return %y : tensor<1048576xf32>
}

func.func @erf_f16(%x: tensor<4096xf16>) -> tensor<4096xf16> {
  %y = math.erf %x : tensor<4096xf16>
  return %y : tensor<4096xf16>
}

func.func @exp_f32(%x: tensor<?xf32>) -> tensor<?xf32> {
  %y = math.exp %x : tensor<?xf32>
  return %y : tensor<?xf32>
}

func.func @exp_f64(%x: tensor<?xf64>) -> tensor<?xf64> {
  %y = math.exp %x : tensor<?xf64>
  return %y : tensor<?xf64>
}
