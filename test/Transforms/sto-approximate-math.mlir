// RUN: sto-opt %s --sto-approximate-math -split-input-file | FileCheck %s --implicit-check-not=math.erf --implicit-check-not=math.tanh --implicit-check-not=math.sin --implicit-check-not=x86vector

// Transcendental math ops become MLIR's polynomial approximations (arith
// ops, math.fma, and exact helpers such as math.floor and math.absf); f16 and
// bf16 go through f32. math.sqrt, math.rsqrt and math.fma are left alone.

// f32 exp below -87.33 (a subnormal result, which MLIR's expansion flushes
// to 0) is exp(x/2)^2: one expansion of the halved argument, squared.
// CHECK-LABEL: func.func @exp(
// CHECK-SAME:    %[[X:.+]]: f32) -> f32
// CHECK:         %[[BOUND:.+]] = arith.constant -8.733000e+01 : f32
// CHECK:         %[[BELOW:.+]] = arith.cmpf olt, %[[X]], %[[BOUND]] : f32
// CHECK:         %[[HALF:.+]] = arith.constant 5.000000e-01 : f32
// CHECK:         %[[H:.+]] = arith.mulf %[[X]], %[[HALF]] : f32
// CHECK:         %[[ARG:.+]] = arith.select %[[BELOW]], %[[H]], %[[X]] : f32
// CHECK-NOT:     math.exp
// CHECK:         math.floor
// CHECK:         math.fma
// CHECK:         arith.shli
// CHECK:         arith.bitcast {{.*}} : i32 to f32
// CHECK:         %[[E:.+]] = arith.mulf
// CHECK:         %[[SQ:.+]] = arith.mulf %[[E]], %[[E]] : f32
// CHECK:         %[[R:.+]] = arith.select %[[BELOW]], %[[SQ]], %[[E]] : f32
// CHECK-NOT:     math.exp
// CHECK:         return %[[R]]
func.func @exp(%x: f32) -> f32 {
  %y = math.exp %x : f32
  return %y : f32
}

// Added to a constant of at least 2^-100 (a sigmoid's 1 + exp(-a)), a
// subnormal result is absorbed: the plain expansion.
// CHECK-LABEL: func.func @one_plus_exp(
// CHECK-NOT:     arith.cmpf olt
// CHECK-NOT:     math.exp
// CHECK:         arith.bitcast {{.*}} : i32 to f32
// CHECK:         %[[E:.+]] = arith.mulf
// CHECK-NEXT:    arith.addf %{{.+}}, %[[E]] : f32
func.func @one_plus_exp(%x: f32) -> f32 {
  %one = arith.constant 1.0 : f32
  %y = math.exp %x : f32
  %d = arith.addf %one, %y : f32
  return %d : f32
}

// A lowering that knows its subnormal results cannot matter (a softmax
// gate's denominator, which holds exp(0) = 1) marks the exp: no halving.
// CHECK-LABEL: func.func @marked_absorbed(
// CHECK-NOT:     arith.cmpf olt
// CHECK:         arith.bitcast {{.*}} : i32 to f32
// CHECK-NOT:     arith.cmpf olt
// CHECK:         return
func.func @marked_absorbed(%x: f32) -> f32 {
  %y = math.exp %x {sto.exp_subnormals_absorbed} : f32
  return %y : f32
}

// Added to a constant below 2^-100, it is not absorbed: the halving stays.
// CHECK-LABEL: func.func @tiny_plus_exp(
// CHECK:         arith.cmpf olt
// CHECK:         arith.select
func.func @tiny_plus_exp(%x: f32) -> f32 {
  %tiny = arith.constant 1.0e-35 : f32
  %y = math.exp %x : f32
  %d = arith.addf %tiny, %y : f32
  return %d : f32
}

// erf is sto's own expansion: no division, A(x^2) for |x| < 1 (6 terms, the
// last step fma(|x|, A, |x|)), 1 - B(|x| - 2) up to 3.92 (13 terms), then 1,
// and the sign of x.
// CHECK-LABEL: func.func @erf(
// CHECK-SAME:    %[[X:.+]]: f32) -> f32
// CHECK-NOT:     arith.divf
// CHECK:         %[[A:.+]] = math.absf %[[X]] : f32
// CHECK:         %[[S:.+]] = arith.mulf %[[A]], %[[A]] : f32
// CHECK-COUNT-5: math.fma {{.*}}, %[[S]], {{.*}} : f32
// CHECK:         %[[SMALL:.+]] = math.fma %[[A]], %{{.+}}, %[[A]] : f32
// CHECK:         %[[T:.+]] = arith.subf %[[A]], %{{.+}} : f32
// CHECK-COUNT-12: math.fma {{.*}}, %[[T]], {{.*}} : f32
// CHECK:         %[[LARGE:.+]] = arith.subf %{{.+}}, %{{.+}} : f32
// CHECK-DAG:     %[[TOP:.+]] = arith.cmpf oge, %[[A]], %{{.+}} : f32
// CHECK-DAG:     %[[LOW:.+]] = arith.cmpf olt, %[[A]], %{{.+}} : f32
// CHECK:         %[[R:.+]] = arith.select %[[LOW]], %[[SMALL]], %[[LARGE]] : f32
// CHECK:         %[[ONE:.+]] = arith.select %[[TOP]], %{{.+}}, %[[R]] : f32
// CHECK:         %[[Y:.+]] = math.copysign %[[ONE]], %[[X]] : f32
// CHECK-NOT:     arith.divf
// CHECK:         return %[[Y]] : f32
func.func @erf(%x: f32) -> f32 {
  %y = math.erf %x : f32
  return %y : f32
}

// CHECK-LABEL: func.func @tanh(
// CHECK:         math.absf
// CHECK:         math.fma
// CHECK:         return
func.func @tanh(%x: f32) -> f32 {
  %y = math.tanh %x : f32
  return %y : f32
}

// CHECK-LABEL: func.func @log_and_sin(
// CHECK-NOT:     math.log
// CHECK:         math.fma
// CHECK-NOT:     math.log
// CHECK:         return
func.func @log_and_sin(%x: f32) -> (f32, f32) {
  %y = math.log %x : f32
  %z = math.sin %x : f32
  return %y, %z : f32, f32
}

// Vectors get the same expansion, elementwise.
// CHECK-LABEL: func.func @exp_vector(
// CHECK-NOT:     math.exp
// CHECK:         math.fma {{.*}} : vector<8xf32>
// CHECK-NOT:     math.exp
// CHECK:         return {{.*}} : vector<8xf32>
func.func @exp_vector(%x: vector<8xf32>) -> vector<8xf32> {
  %y = math.exp %x : vector<8xf32>
  return %y : vector<8xf32>
}

// -----

// f16 and bf16: computed in f32 and rounded back.

// CHECK-LABEL: func.func @exp_f16(
// CHECK-SAME:    %[[X:.+]]: f16) -> f16
// CHECK:         %[[W:.+]] = arith.extf %[[X]] : f16 to f32
// CHECK-NOT:     math.exp
// CHECK:         math.fma {{.*}} : f32
// CHECK:         %[[R:.+]] = arith.truncf %{{.+}} : f32 to f16
// CHECK:         return %[[R]] : f16
func.func @exp_f16(%x: f16) -> f16 {
  %y = math.exp %x : f16
  return %y : f16
}

// CHECK-LABEL: func.func @tanh_bf16(
// CHECK:         arith.extf %{{.+}} : bf16 to f32
// CHECK:         arith.truncf %{{.+}} : f32 to bf16
func.func @tanh_bf16(%x: bf16) -> bf16 {
  %y = math.tanh %x : bf16
  return %y : bf16
}

// f64 exp is sto's own expansion (libm's exp and libdevice's __nv_exp round
// differently): x clamped to [-746, 710], k = round(x log2 e) by adding
// 1.5 * 2^52 in an fma (its bits hold k), Cody-Waite r = (x - k ln2_hi) -
// k ln2_lo with its rounding error dr, 1 + r + (r^2 P(r) + dr (1 + r)) with
// the Taylor polynomial P in 11 fmas (degree 13 in all) and 1 + r split
// exactly, then times 2^(k >> 1) and 2^(k - (k >> 1)) built in the exponent
// bits (subnormal results and overflow round once), and NaN passed through.
// CHECK-LABEL: func.func @exp_f64(
// CHECK-SAME:    %[[X:.+]]: f64) -> f64
// CHECK-NOT:     math.exp
// CHECK-DAG:     %[[LO:.+]] = arith.constant -7.460000e+02 : f64
// CHECK-DAG:     %[[HI:.+]] = arith.constant 7.100000e+02 : f64
// CHECK:         %[[BELOW:.+]] = arith.cmpf olt, %[[X]], %[[LO]] : f64
// CHECK:         %[[X1:.+]] = arith.select %[[BELOW]], %[[LO]], %[[X]] : f64
// CHECK:         %[[ABOVE:.+]] = arith.cmpf ogt, %[[X1]], %[[HI]] : f64
// CHECK:         %[[XC:.+]] = arith.select %[[ABOVE]], %[[HI]], %[[X1]] : f64
// CHECK:         %[[SHIFTER:.+]] = arith.constant 0x4338000000000000 : f64
// CHECK:         %[[LOG2E:.+]] = arith.constant 1.4426950408889634 : f64
// CHECK:         %[[T:.+]] = math.fma %[[XC]], %[[LOG2E]], %[[SHIFTER]] : f64
// CHECK:         %[[K:.+]] = arith.subf %[[T]], %[[SHIFTER]] : f64
// CHECK:         %[[TBITS:.+]] = arith.bitcast %[[T]] : f64 to i64
// CHECK:         %[[KI:.+]] = arith.subi %[[TBITS]], %{{.+}} : i64
// CHECK:         %[[RHI:.+]] = math.fma %[[K]], %{{.+}}, %[[XC]] : f64
// CHECK:         %[[RLO:.+]] = arith.mulf %[[K]], %{{.+}} : f64
// CHECK:         %[[R:.+]] = arith.subf %[[RHI]], %[[RLO]] : f64
// CHECK:         %[[D:.+]] = arith.subf %[[RHI]], %[[R]] : f64
// CHECK:         %[[DR:.+]] = arith.subf %[[D]], %[[RLO]] : f64
// CHECK-COUNT-11: math.fma {{.*}}, %[[R]], {{.*}} : f64
// CHECK:         %[[R2:.+]] = arith.mulf %[[R]], %[[R]] : f64
// CHECK:         %[[DR1:.+]] = math.fma %[[R]], %[[DR]], %[[DR]] : f64
// CHECK:         %[[Q:.+]] = math.fma %[[R2]], %{{.+}}, %[[DR1]] : f64
// CHECK:         %[[S:.+]] = arith.addf %[[R]], %[[ONE:.+]] : f64
// CHECK:         %[[E0:.+]] = arith.subf %[[ONE]], %[[S]] : f64
// CHECK:         %[[E:.+]] = arith.addf %[[E0]], %[[R]] : f64
// CHECK:         %[[TAIL:.+]] = arith.addf %[[E]], %[[Q]] : f64
// CHECK:         %[[Y:.+]] = arith.addf %[[S]], %[[TAIL]] : f64
// CHECK:         %[[K1:.+]] = arith.shrsi %[[KI]], %{{.+}} : i64
// CHECK:         %[[K2:.+]] = arith.subi %[[KI]], %[[K1]] : i64
// CHECK:         arith.addi %[[K1]], %{{.+}} : i64
// CHECK:         arith.shli
// CHECK:         %[[P1:.+]] = arith.bitcast %{{.+}} : i64 to f64
// CHECK:         %[[Y1:.+]] = arith.mulf %[[Y]], %[[P1]] : f64
// CHECK:         arith.addi %[[K2]], %{{.+}} : i64
// CHECK:         arith.shli
// CHECK:         %[[P2:.+]] = arith.bitcast %{{.+}} : i64 to f64
// CHECK:         %[[Y2:.+]] = arith.mulf %[[Y1]], %[[P2]] : f64
// CHECK:         %[[NAN:.+]] = arith.cmpf uno, %[[X]], %[[X]] : f64
// CHECK:         %[[RES:.+]] = arith.select %[[NAN]], %[[X]], %[[Y2]] : f64
// CHECK-NOT:     math.exp
// CHECK-NOT:     call
// CHECK:         return %[[RES]] : f64
func.func @exp_f64(%x: f64) -> f64 {
  %y = math.exp %x : f64
  return %y : f64
}

// Vectors of f64 get it elementwise (the integer part in vectors of i64),
// also when marked sto.exp_subnormals_absorbed (the f32 marker: the f64
// expansion keeps subnormal results at no extra cost).
// CHECK-LABEL: func.func @exp_f64_vector(
// CHECK-NOT:     math.exp
// CHECK:         math.fma {{.*}} : vector<4xf64>
// CHECK:         arith.bitcast {{.*}} : vector<4xf64> to vector<4xi64>
// CHECK-COUNT-11: math.fma {{.*}} : vector<4xf64>
// CHECK:         arith.shrsi {{.*}} : vector<4xi64>
// CHECK:         arith.bitcast {{.*}} : vector<4xi64> to vector<4xf64>
// CHECK:         arith.cmpf uno, {{.*}} : vector<4xf64>
// CHECK-NOT:     math.exp
// CHECK-NOT:     call
// CHECK:         return {{.*}} : vector<4xf64>
func.func @exp_f64_vector(%x: vector<4xf64>) -> vector<4xf64> {
  %y = math.exp %x {sto.exp_subnormals_absorbed} : vector<4xf64>
  return %y : vector<4xf64>
}

// -----

// sqrt, rsqrt and fma are exact (correctly rounded, one rounding) on every
// target: untouched, whatever the type. rsqrt on vector<8xf32> is where
// upstream's AVX2 approximation would apply, and f16 sqrt where the f32
// widening would.

// CHECK-LABEL: func.func @kept(
// CHECK-SAME:    %[[X:[^:]+]]: f32, %[[Y:[^:]+]]: f32, %[[Z:[^:]+]]: f32,
// CHECK-SAME:    %[[H:[^:]+]]: f16, %[[V:[^:]+]]: vector<8xf32>, %[[B:[^:]+]]: bf16)
// CHECK-NEXT:    %[[S:.+]] = math.sqrt %[[X]] : f32
// CHECK-NEXT:    %[[R:.+]] = math.rsqrt %[[X]] : f32
// CHECK-NEXT:    %[[F:.+]] = math.fma %[[X]], %[[Y]], %[[Z]] : f32
// CHECK-NEXT:    %[[SH:.+]] = math.sqrt %[[H]] : f16
// CHECK-NEXT:    %[[FH:.+]] = math.fma %[[H]], %[[H]], %[[H]] : f16
// CHECK-NEXT:    %[[RV:.+]] = math.rsqrt %[[V]] : vector<8xf32>
// CHECK-NEXT:    %[[SV:.+]] = math.sqrt %[[V]] : vector<8xf32>
// CHECK-NEXT:    %[[RB:.+]] = math.rsqrt %[[B]] : bf16
// CHECK-NEXT:    return %[[S]], %[[R]], %[[F]], %[[SH]], %[[FH]], %[[RV]], %[[SV]], %[[RB]]
func.func @kept(%x: f32, %y: f32, %z: f32, %h: f16, %v: vector<8xf32>, %b: bf16)
    -> (f32, f32, f32, f16, f16, vector<8xf32>, vector<8xf32>, bf16) {
  %s = math.sqrt %x : f32
  %r = math.rsqrt %x : f32
  %f = math.fma %x, %y, %z : f32
  %sh = math.sqrt %h : f16
  %fh = math.fma %h, %h, %h : f16
  %rv = math.rsqrt %v : vector<8xf32>
  %sv = math.sqrt %v : vector<8xf32>
  %rb = math.rsqrt %b : bf16
  return %s, %r, %f, %sh, %fh, %rv, %sv, %rb : f32, f32, f32, f16, f16, vector<8xf32>, vector<8xf32>, bf16
}

// -----

// Math on tensors is left alone (the expansions build scalar and vector
// constants; the pipelines run this pass after bufferization).
// CHECK-LABEL: func.func @exp_tensor(
// CHECK:         %[[Y:.+]] = math.exp %{{.+}} : tensor<4xf32>
// CHECK:         return %[[Y]]
func.func @exp_tensor(%x: tensor<4xf32>) -> tensor<4xf32> {
  %y = math.exp %x : tensor<4xf32>
  return %y : tensor<4xf32>
}
