//===- StoOps.td - sto dialect operations ------------------*- tablegen -*-===//
//
// The ops of DESIGN.md section 3. Attribute names are those of the design
// table so that the generic form is stable across versions.
//
//===----------------------------------------------------------------------===//

#ifndef STO_OPS_TD
#define STO_OPS_TD

include "Sto/StoBase.td"
include "Sto/StoInterfaces.td"
include "mlir/IR/OpAsmInterface.td"
include "mlir/IR/SymbolInterfaces.td"
include "mlir/Interfaces/ControlFlowInterfaces.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/RuntimeVerifiableOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

//===----------------------------------------------------------------------===//
// Type constraints
//===----------------------------------------------------------------------===//

def Sto_FloatElement : AnyTypeOf<[F16, BF16, F32, F64]>;
def Sto_FloatTensor : RankedTensorOf<[F16, BF16, F32, F64]>;
def Sto_IndexTensor : RankedTensorOf<[I32, I64]>;
def Sto_IntTensor : RankedTensorOf<[I32, I64]>;
def Sto_Count : AnyTypeOf<[I64, Index]>;
def Sto_FloatScalar : AnyTypeOf<[F32, F64]>;

class Sto_Op<string mnemonic, list<Trait> traits = []>
    : Op<Sto_Dialect, mnemonic, traits>;

//===----------------------------------------------------------------------===//
// Keys
//===----------------------------------------------------------------------===//

def Sto_SeedOp : Sto_Op<"seed", [Pure,
    DeclareOpInterfaceMethods<InferTypeOpInterface>]> {
  let summary = "makes a key from a 64-bit seed";
  let description = [{
    Creates a Philox4x32-10 key whose two words are the low and the high 32
    bits of the seed.

    Example:

    ```mlir
    %s = arith.constant 42 : i64
    %k = sto.seed %s : i64
    ```
  }];
  let arguments = (ins I64:$seed);
  let results = (outs Sto_KeyType:$key);
  let assemblyFormat = "$seed attr-dict `:` type($seed)";
}

def Sto_SplitOp : Sto_Op<"split", [Pure,
    DeclareOpInterfaceMethods<StoKeyConsumerOpInterface>]> {
  let summary = "splits a key into independent child keys";
  let description = [{
    Consumes a key and returns `count` independent child keys. Child i is the
    Philox block of counter (i, 0, 0, split-tag) under the parent key, a
    counter that no sampler uses, so children never collide with samples of
    any key. A split into one key is the identity, which canonicalization
    folds away.

    Example:

    ```mlir
    %k0, %k1, %k2 = sto.split %k count 3
    ```
  }];
  let arguments = (ins Sto_KeyType:$key, I64Attr:$count);
  let results = (outs Variadic<Sto_KeyType>:$keys);
  let hasCustomAssemblyFormat = 1;
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Sto_FoldInOp : Sto_Op<"fold_in", [Pure,
    DeclareOpInterfaceMethods<InferTypeOpInterface>,
    DeclareOpInterfaceMethods<StoKeyConsumerOpInterface>]> {
  let summary = "derives a key from a key and data";
  let description = [{
    Consumes a key and derives a child key from a 64-bit datum: a step
    number, a data-parallel rank, a sample id. Distinct data give independent
    keys; the derivation counter carries a tag that samplers never use.

    Example:

    ```mlir
    %k1 = sto.fold_in %k, %step : index
    ```
  }];
  let arguments = (ins Sto_KeyType:$key, Sto_Count:$data);
  let results = (outs Sto_KeyType:$result);
  let assemblyFormat = "$key `,` $data attr-dict `:` type($data)";
}

//===----------------------------------------------------------------------===//
// Samplers
//===----------------------------------------------------------------------===//

def Sto_UniformOp : Sto_Op<"uniform", [
    DeclareOpInterfaceMethods<RuntimeVerifiableOpInterface>,
    DeclareOpInterfaceMethods<ReifyRankedShapedTypeOpInterface,
        ["reifyResultShapes"]>,
    Pure,
    DeclareOpInterfaceMethods<StoKeyConsumerOpInterface>]> {
  let summary = "samples U[low, high)";
  let description = [{
    Fills a tensor with independent samples of the uniform distribution on
    [low, high). The result type gives the shape; dynamic dimensions take
    their sizes from `index` operands, as in `tensor.empty`. Element i (in
    row-major order) comes from lane i mod 4 of the Philox block i / 4.

    Example:

    ```mlir
    %u = sto.uniform %k {low = -1.0 : f64, high = 1.0 : f64} : tensor<4x8xf32>
    %v = sto.uniform %k2 [%n] : tensor<?x8xf32>
    ```
  }];
  let arguments = (ins Sto_KeyType:$key, Variadic<Index>:$dynamic_sizes,
                   DefaultValuedAttr<F64Attr, "0.0">:$low,
                   DefaultValuedAttr<F64Attr, "1.0">:$high);
  let results = (outs Sto_FloatTensor:$result);
  let assemblyFormat = [{
    $key (`[` $dynamic_sizes^ `]`)? attr-dict `:` type($result)
  }];
  let hasVerifier = 1;
}

def Sto_NormalOp : Sto_Op<"normal", [
    DeclareOpInterfaceMethods<RuntimeVerifiableOpInterface>,
    DeclareOpInterfaceMethods<ReifyRankedShapedTypeOpInterface,
        ["reifyResultShapes"]>,
    Pure,
    DeclareOpInterfaceMethods<StoKeyConsumerOpInterface>]> {
  let summary = "samples N(mean, stddev²)";
  let description = [{
    Fills a tensor with independent normal samples. Lanes (0, 1) and (2, 3)
    of each Philox block give two Box–Muller pairs, so one block serves four
    neighbouring elements.

    Example:

    ```mlir
    %z = sto.normal %k {stddev = 2.0e-02 : f64} : tensor<128x64xf32>
    ```
  }];
  let arguments = (ins Sto_KeyType:$key, Variadic<Index>:$dynamic_sizes,
                   DefaultValuedAttr<F64Attr, "0.0">:$mean,
                   DefaultValuedAttr<F64Attr, "1.0">:$stddev);
  let results = (outs Sto_FloatTensor:$result);
  let assemblyFormat = [{
    $key (`[` $dynamic_sizes^ `]`)? attr-dict `:` type($result)
  }];
  let hasVerifier = 1;
}

def Sto_BernoulliOp : Sto_Op<"bernoulli", [
    DeclareOpInterfaceMethods<RuntimeVerifiableOpInterface>,
    DeclareOpInterfaceMethods<ReifyRankedShapedTypeOpInterface,
        ["reifyResultShapes"]>,
    Pure, AttrSizedOperandSegments,
    DeclareOpInterfaceMethods<StoKeyConsumerOpInterface>]> {
  let summary = "samples Bernoulli(p) as i1";
  let description = [{
    Each element is 1 with probability p and 0 otherwise: `u < p` with u the
    uniform sample of that element. The probability is either a tensor
    operand of the result's shape or the constant attribute `p`.

    Example:

    ```mlir
    %m = sto.bernoulli %k, %probs : tensor<16xf32> -> tensor<16xi1>
    %n = sto.bernoulli %k2 {p = 9.0e-01 : f64} -> tensor<16xi1>
    %d = sto.bernoulli %k3 [%n] {p = 5.0e-01 : f64} -> tensor<?xi1>
    ```
  }];
  let arguments = (ins Sto_KeyType:$key, Optional<Sto_FloatTensor>:$probs,
                   Variadic<Index>:$dynamic_sizes,
                   OptionalAttr<F64Attr>:$p);
  let results = (outs RankedTensorOf<[I1]>:$result);
  let assemblyFormat = [{
    $key (`,` $probs^ `:` type($probs))? (`[` $dynamic_sizes^ `]`)? attr-dict
    `->` type($result)
  }];
  let hasVerifier = 1;
}

def Sto_CategoricalOp : Sto_Op<"categorical", [
    DeclareOpInterfaceMethods<RuntimeVerifiableOpInterface>,
    DeclareOpInterfaceMethods<ReifyRankedShapedTypeOpInterface,
        ["reifyResultShapes"]>,
    Pure,
    DeclareOpInterfaceMethods<StoKeyConsumerOpInterface>]> {
  let summary = "samples class indices with the Gumbel-max trick";
  let description = [{
    Draws one index along `axis` from the categorical distribution given by
    unnormalized log-probabilities: argmax over the axis of logits + g, with
    g = −log(−log u) the Gumbel noise of each element of `logits`. The
    result drops the axis; its element type is i32 or i64.

    Example:

    ```mlir
    %c = sto.categorical %k, %logits {axis = 1 : i64}
        : tensor<32x10xf32> -> tensor<32xi32>
    ```
  }];
  let arguments = (ins Sto_KeyType:$key, Sto_FloatTensor:$logits,
                   DefaultValuedAttr<I64Attr, "-1">:$axis);
  let results = (outs Sto_IntTensor:$result);
  let assemblyFormat = [{
    $key `,` $logits attr-dict `:` type($logits) `->` type($result)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Stochastic layers
//===----------------------------------------------------------------------===//

def Sto_NoiseOp : Sto_Op<"noise", [
    DeclareOpInterfaceMethods<ReifyRankedShapedTypeOpInterface,
        ["reifyResultShapes"]>,
    Pure, AllTypesMatch<["x", "result"]>,
    DeclareOpInterfaceMethods<StoKeyConsumerOpInterface>]> {
  let summary = "additive or multiplicative noise injection";
  let description = [{
    Returns `x + scale·ε` (mode `additive`) or `x·(1 + scale·ε)` (mode
    `multiplicative`), with ε standard normal (kind `gaussian`) or uniform on
    [−1, 1) (kind `uniform`). The noise is drawn inside the loop that reads
    `x`; no noise tensor exists. A noise of scale 0 folds to `x`. Gradients
    are pathwise: ∂y/∂x = 1 or 1 + scale·ε.

    Example:

    ```mlir
    %y = sto.noise %k, %x {scale = 2.5e-01 : f64} : tensor<1024xf32>
    %z = sto.noise %k2, %x {kind = #sto.noise_kind<uniform>,
                            mode = #sto.noise_mode<multiplicative>,
                            scale = 1.0e-01 : f64} : tensor<1024xf32>
    ```
  }];
  let arguments = (ins Sto_KeyType:$key, Sto_FloatTensor:$x,
      DefaultValuedAttr<Sto_NoiseKindAttr, "::mlir::sto::NoiseKind::gaussian">:$kind,
      F64Attr:$scale,
      DefaultValuedAttr<Sto_NoiseModeAttr, "::mlir::sto::NoiseMode::additive">:$mode);
  let results = (outs Sto_FloatTensor:$result);
  let assemblyFormat = "$key `,` $x attr-dict `:` type($x)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Sto_DropoutOp : Sto_Op<"dropout", [
    DeclareOpInterfaceMethods<ReifyRankedShapedTypeOpInterface,
        ["reifyResultShapes"]>,
    Pure, AllTypesMatch<["x", "result"]>,
    DeclareOpInterfaceMethods<StoKeyConsumerOpInterface>]> {
  let summary = "inverted dropout";
  let description = [{
    Keeps each element with probability 1 − rate and scales kept elements by
    1/(1 − rate); dropped elements are 0. Element i is dropped when its
    uniform sample is below `rate`. A dropout of rate 0 folds to `x`.

    Example:

    ```mlir
    %y = sto.dropout %k, %x {rate = 1.0e-01 : f64} : tensor<64x512xf32>
    ```
  }];
  let arguments = (ins Sto_KeyType:$key, Sto_FloatTensor:$x, F64Attr:$rate);
  let results = (outs Sto_FloatTensor:$result);
  let assemblyFormat = "$key `,` $x attr-dict `:` type($x)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Sto_StochasticBinaryOp : Sto_Op<"stochastic_binary", [
    DeclareOpInterfaceMethods<ReifyRankedShapedTypeOpInterface,
        ["reifyResultShapes"]>,
    Pure,
    AllTypesMatch<["p", "result"]>,
    DeclareOpInterfaceMethods<StoKeyConsumerOpInterface>]> {
  let summary = "binary stochastic neuron with a gradient estimator";
  let description = [{
    Samples b ~ Bernoulli(p) elementwise and returns it in p's float type
    (values 0 and 1). For the `stochastic_times_smooth` estimator the forward
    value is sqrt(p)·b with b ~ Bernoulli(sqrt(p)) (Bengio et al. 2013). The
    `estimator` attribute fixes how `sto-autodiff` differentiates the op.

    Example:

    ```mlir
    %h = sto.stochastic_binary %k, %p
        {estimator = #sto.estimator<straight_through>} : tensor<256x128xf32>
    ```
  }];
  let arguments = (ins Sto_KeyType:$key, Sto_FloatTensor:$p,
                   Sto_EstimatorAttr:$estimator);
  let results = (outs Sto_FloatTensor:$result);
  let assemblyFormat = "$key `,` $p attr-dict `:` type($p)";
}

def Sto_GumbelSoftmaxOp : Sto_Op<"gumbel_softmax", [
    DeclareOpInterfaceMethods<ReifyRankedShapedTypeOpInterface,
        ["reifyResultShapes"]>,
    Pure,
    AllTypesMatch<["logits", "result"]>,
    DeclareOpInterfaceMethods<StoKeyConsumerOpInterface>]> {
  let summary = "Gumbel-softmax (concrete) relaxation of a categorical sample";
  let description = [{
    Returns softmax((logits + g)/tau) along `axis`, with g Gumbel noise per
    element. With `hard = true` the forward value is the one-hot of the
    argmax and the gradient is that of the soft sample (straight-through).

    Example:

    ```mlir
    %y = sto.gumbel_softmax %k, %logits {tau = 5.0e-01 : f64, axis = 1 : i64}
        : tensor<32x10xf32>
    ```
  }];
  let arguments = (ins Sto_KeyType:$key, Sto_FloatTensor:$logits,
                   DefaultValuedAttr<F64Attr, "1.0">:$tau,
                   DefaultValuedAttr<BoolAttr, "false">:$hard,
                   DefaultValuedAttr<I64Attr, "-1">:$axis);
  let results = (outs Sto_FloatTensor:$result);
  let assemblyFormat = "$key `,` $logits attr-dict `:` type($logits)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Mixture-of-experts gating
//===----------------------------------------------------------------------===//

def Sto_TopKGateOp : Sto_Op<"topk_gate", [
    DeclareOpInterfaceMethods<RuntimeVerifiableOpInterface>,
    DeclareOpInterfaceMethods<ReifyRankedShapedTypeOpInterface,
        ["reifyResultShapes"]>,
    Pure, AttrSizedOperandSegments,
    DeclareOpInterfaceMethods<StoKeyConsumerOpInterface>]> {
  let summary = "top-K sparse gating";
  let description = [{
    For each token (row of `logits`, shape [tokens, E]) selects the k experts
    with the largest `logits + bias + noise_stddev·ε` (ties to the lower
    expert index) and weighs them from the logits alone (the bias only
    steers selection, as in aux-loss-free balancing):

    - `softmax_topk`: softmax over the k selected logits;
    - `softmax`: softmax over all E logits, gathered at the selection,
      renormalized to sum 1 when `normalize` is true;
    - `sigmoid`: sigmoid of the selected logits, renormalized when
      `normalize` is true.

    Results are `weights` [tokens, k] in the logits' element type and
    `indices` [tokens, k] i32, in decreasing order of selection score. Noise
    needs a key; `bias` has shape [E].

    Example:

    ```mlir
    %w, %i = sto.topk_gate %logits bias %b key %k
        {k = 2 : i64, noise_stddev = 1.0e+00 : f64}
        : tensor<1024x64xf32>, tensor<64xf32> -> tensor<1024x2xf32>, tensor<1024x2xi32>
    ```
  }];
  let arguments = (ins Sto_FloatTensor:$logits,
      Optional<Sto_FloatTensor>:$bias,
      Optional<Sto_KeyType>:$key,
      I64Attr:$k,
      DefaultValuedAttr<F64Attr, "0.0">:$noise_stddev,
      DefaultValuedAttr<Sto_GateAffinityAttr,
                        "::mlir::sto::GateAffinity::softmax_topk">:$affinity,
      DefaultValuedAttr<BoolAttr, "true">:$normalize);
  let results = (outs Sto_FloatTensor:$weights,
                      RankedTensorOf<[I32]>:$indices);
  let assemblyFormat = [{
    $logits (`bias` $bias^)? (`key` $key^)? attr-dict `:` type($logits)
    (`,` type($bias)^)? `->` type($weights) `,` type($indices)
  }];
  let hasVerifier = 1;
}

def Sto_ExpertLoadOp : Sto_Op<"expert_load", [Pure,
    DeclareOpInterfaceMethods<InferTypeOpInterface>]> {
  let summary = "number of tokens routed to each expert";
  let description = [{
    Counts, for each of the `num_experts` experts, how many entries of
    `indices` ([tokens, k]) name it. Indices outside [0, E) are not counted.

    Example:

    ```mlir
    %load = sto.expert_load %idx {num_experts = 64 : i64} : tensor<1024x2xi32>
    ```
  }];
  let arguments = (ins Sto_IndexTensor:$indices, I64Attr:$num_experts);
  let results = (outs RankedTensorOf<[I32]>:$load);
  let assemblyFormat = "$indices attr-dict `:` type($indices)";
  let hasVerifier = 1;
}

def Sto_BalanceBiasOp : Sto_Op<"balance_bias", [
    DeclareOpInterfaceMethods<RuntimeVerifiableOpInterface>,
    DeclareOpInterfaceMethods<ReifyRankedShapedTypeOpInterface,
        ["reifyResultShapes"]>,
    Pure,
    AllTypesMatch<["bias", "result"]>]> {
  let summary = "aux-loss-free load balancing bias update";
  let description = [{
    Returns `bias + rate·sign(mean(load) − load)`: experts that received
    fewer tokens than average become more attractive to the gate and busier
    ones less (Wang et al. 2024, DeepSeek-V3).

    Example:

    ```mlir
    %b1 = sto.balance_bias %b, %load {rate = 1.0e-03 : f64}
        : tensor<64xf32>, tensor<64xi32>
    ```
  }];
  let arguments = (ins Sto_FloatTensor:$bias, Sto_IntTensor:$load,
                   F64Attr:$rate);
  let results = (outs Sto_FloatTensor:$result);
  let assemblyFormat = [{
    $bias `,` $load attr-dict `:` type($bias) `,` type($load)
  }];
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Sto_BalanceLossOp : Sto_Op<"balance_loss", [
    DeclareOpInterfaceMethods<RuntimeVerifiableOpInterface>,
    Pure]> {
  let summary = "auxiliary load-balancing loss";
  let description = [{
    Returns `alpha·E·Σ_e f_e·P_e` (Switch Transformer, Fedus et al. 2021)
    where f_e = load_e / Σ load is the fraction of routed entries that went
    to expert e and P_e the mean over tokens of `probs[:, e]`.

    Example:

    ```mlir
    %l = sto.balance_loss %probs, %load {alpha = 1.0e-02 : f64}
        : tensor<1024x64xf32>, tensor<64xi32> -> f32
    ```
  }];
  let arguments = (ins Sto_FloatTensor:$probs, Sto_IntTensor:$load,
                   F64Attr:$alpha);
  let results = (outs Sto_FloatScalar:$loss);
  let assemblyFormat = [{
    $probs `,` $load attr-dict `:` type($probs) `,` type($load) `->`
    type($loss)
  }];
  let hasVerifier = 1;
}

def Sto_DispatchOp : Sto_Op<"dispatch", [
    DeclareOpInterfaceMethods<RuntimeVerifiableOpInterface>,
    DeclareOpInterfaceMethods<ReifyRankedShapedTypeOpInterface,
        ["reifyResultShapes"]>,
    Pure]> {
  let summary = "capacity-limited routing of tokens to expert buffers";
  let description = [{
    Copies each token row of `x` ([tokens, D]) to the buffers of the experts
    that `indices` ([tokens, k]) names. Each expert has `capacity` slots.
    Slots are given deterministically: all first choices in token order, then
    all second choices, and so on. A choice that finds its expert full is
    dropped and gets slot −1. Unused slots of `buffer` ([E, capacity, D]) are
    zero.

    Example:

    ```mlir
    %buf, %slot = sto.dispatch %x, %idx {num_experts = 64 : i64, capacity = 40 : i64}
        : tensor<1024x512xf32>, tensor<1024x2xi32>
        -> tensor<64x40x512xf32>, tensor<1024x2xi32>
    ```
  }];
  let arguments = (ins Sto_FloatTensor:$x, Sto_IndexTensor:$indices,
                   I64Attr:$num_experts, I64Attr:$capacity);
  let results = (outs Sto_FloatTensor:$buffer, RankedTensorOf<[I32]>:$slot);
  let assemblyFormat = [{
    $x `,` $indices attr-dict `:` type($x) `,` type($indices) `->`
    type($buffer) `,` type($slot)
  }];
  let hasVerifier = 1;
}

def Sto_CombineOp : Sto_Op<"combine", [
    DeclareOpInterfaceMethods<RuntimeVerifiableOpInterface>,
    DeclareOpInterfaceMethods<ReifyRankedShapedTypeOpInterface,
        ["reifyResultShapes"]>,
    Pure]> {
  let summary = "weighted sum of expert outputs back to token order";
  let description = [{
    Returns out[t] = Σ_j weights[t, j]·y[indices[t, j], slot[t, j]] over the
    choices j that were not dropped (slot ≥ 0). `y` is [E, C, D]; the result
    is [tokens, D].

    Example:

    ```mlir
    %out = sto.combine %y, %w, %idx, %slot
        : tensor<64x40x512xf32>, tensor<1024x2xf32>, tensor<1024x2xi32>,
          tensor<1024x2xi32> -> tensor<1024x512xf32>
    ```
  }];
  let arguments = (ins Sto_FloatTensor:$y, Sto_FloatTensor:$weights,
                   Sto_IndexTensor:$indices, RankedTensorOf<[I32]>:$slot);
  let results = (outs Sto_FloatTensor:$result);
  let assemblyFormat = [{
    $y `,` $weights `,` $indices `,` $slot attr-dict `:` type($y) `,`
    type($weights) `,` type($indices) `,` type($slot) `->` type($result)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Optimizers and estimators
//===----------------------------------------------------------------------===//

def Sto_LangevinStepOp : Sto_Op<"langevin_step", [
    DeclareOpInterfaceMethods<RuntimeVerifiableOpInterface>,
    DeclareOpInterfaceMethods<ReifyRankedShapedTypeOpInterface,
        ["reifyResultShapes"]>,
    Pure,
    AllTypesMatch<["param", "grad", "result"]>,
    DeclareOpInterfaceMethods<StoKeyConsumerOpInterface>]> {
  let summary = "one step of (unadjusted) Langevin dynamics";
  let description = [{
    Returns `param − lr·grad + sqrt(2·lr·temperature)·ξ` with ξ standard
    normal (stochastic gradient Langevin dynamics, Welling & Teh 2011). With
    temperature 0 it is a gradient step in the compute type (one fma) and
    draws no noise; with lr 0 it folds to `param`.

    Example:

    ```mlir
    %p1 = sto.langevin_step %k, %p, %g {lr = 1.0e-03 : f64, temperature = 1.0e-02 : f64}
        : tensor<4096xf32>
    ```
  }];
  let arguments = (ins Sto_KeyType:$key, Sto_FloatTensor:$param,
                   Sto_FloatTensor:$grad, F64Attr:$lr,
                   DefaultValuedAttr<F64Attr, "1.0">:$temperature);
  let results = (outs Sto_FloatTensor:$result);
  let assemblyFormat = "$key `,` $param `,` $grad attr-dict `:` type($param)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Sto_AverageOp : Sto_Op<"average", [
    DeclareOpInterfaceMethods<RuntimeVerifiableOpInterface>,
    DeclareOpInterfaceMethods<ReifyRankedShapedTypeOpInterface,
        ["reifyResultShapes"]>,
    Pure,
    AllTypesMatch<["avg", "param", "result"]>]> {
  let summary = "stochastic weight averaging or exponential moving average";
  let description = [{
    Kind `swa` (the default): `avg + (param − avg)/(count + 1)`, the running
    mean after `count` earlier iterates (Izmailov et al. 2018). Kind `ema`:
    `decay·avg + (1 − decay)·param`; `decay` is required for `ema` and must
    lie in [0, 1]. An ema of decay 1 folds to `avg`. (Decay 0 does not fold:
    `avg + (param − avg)` is not `param` in floating point.)

    Example:

    ```mlir
    %a1 = sto.average %a, %p, %n : tensor<4096xf32>, index
    %e1 = sto.average %e, %p, %n {kind = #sto.average_kind<ema>, decay = 9.99e-01 : f64}
        : tensor<4096xf32>, index
    ```
  }];
  let arguments = (ins Sto_FloatTensor:$avg, Sto_FloatTensor:$param,
      Sto_Count:$count,
      DefaultValuedAttr<Sto_AverageKindAttr, "::mlir::sto::AverageKind::swa">:$kind,
      OptionalAttr<F64Attr>:$decay);
  let results = (outs Sto_FloatTensor:$result);
  let assemblyFormat = [{
    $avg `,` $param `,` $count attr-dict `:` type($avg) `,` type($count)
  }];
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Sto_DPAggregateOp : Sto_Op<"dp_aggregate", [
    DeclareOpInterfaceMethods<RuntimeVerifiableOpInterface>,
    DeclareOpInterfaceMethods<ReifyRankedShapedTypeOpInterface,
        ["reifyResultShapes"]>,
    Pure,
    DeclareOpInterfaceMethods<StoKeyConsumerOpInterface>]> {
  let summary = "differentially private gradient aggregation (DP-SGD)";
  let description = [{
    Clips each per-sample gradient g_b (the rows of `grads`, shape [B, ...])
    to L2 norm at most `clip_norm`, sums them, adds Gaussian noise of
    standard deviation `noise_multiplier·clip_norm` and divides by B
    (Abadi et al. 2016): `(Σ_b g_b·min(1, C/‖g_b‖) + σ·C·ξ)/B`.

    Example:

    ```mlir
    %g = sto.dp_aggregate %k, %per_sample
        {clip_norm = 1.0 : f64, noise_multiplier = 1.1 : f64}
        : tensor<256x1024xf32> -> tensor<1024xf32>
    ```
  }];
  let arguments = (ins Sto_KeyType:$key, Sto_FloatTensor:$grads,
                   F64Attr:$clip_norm, F64Attr:$noise_multiplier);
  let results = (outs Sto_FloatTensor:$result);
  let assemblyFormat = [{
    $key `,` $grads attr-dict `:` type($grads) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Sto_SPSAPerturbOp : Sto_Op<"spsa_perturb", [
    DeclareOpInterfaceMethods<ReifyRankedShapedTypeOpInterface,
        ["reifyResultShapes"]>,
    Pure,
    AllTypesMatch<["param", "result"]>,
    DeclareOpInterfaceMethods<StoKeyConsumerOpInterface,
                              ["replaysKey"]>]> {
  let summary = "zeroth-order perturbation regenerated from a key";
  let description = [{
    Returns `param + scale·z(key)` with z standard normal, drawn exactly as
    `sto.normal` draws it. The perturbation is regenerated from the key each
    time and never stored (MeZO, Malladi et al. 2023). The op replays its key
    on purpose: every `spsa_perturb` and `spsa_update` of one key see the
    same z, and the key checker allows that. A perturbation of scale 0 folds
    to `param`.

    Example:

    ```mlir
    %plus  = sto.spsa_perturb %k, %p {scale = 1.0e-03 : f64} : tensor<4096xf32>
    %minus = sto.spsa_perturb %k, %plus {scale = -2.0e-03 : f64} : tensor<4096xf32>
    ```
  }];
  let arguments = (ins Sto_KeyType:$key, Sto_FloatTensor:$param,
                   F64Attr:$scale);
  let results = (outs Sto_FloatTensor:$result);
  let assemblyFormat = "$key `,` $param attr-dict `:` type($param)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Sto_SPSAUpdateOp : Sto_Op<"spsa_update", [
    DeclareOpInterfaceMethods<ReifyRankedShapedTypeOpInterface,
        ["reifyResultShapes"]>,
    Pure,
    AllTypesMatch<["param", "result"]>,
    DeclareOpInterfaceMethods<StoKeyConsumerOpInterface,
                              ["replaysKey"]>]> {
  let summary = "zeroth-order update along the replayed perturbation";
  let description = [{
    Returns `param − lr·g·z(key)` where g is the projected gradient (a
    scalar, e.g. (L(p + εz) − L(p − εz))/(2ε)) and z the perturbation of
    `sto.spsa_perturb` under the same key. Replays its key on purpose.

    Example:

    ```mlir
    %p1 = sto.spsa_update %k, %p, %g {lr = 1.0e-06 : f64} : tensor<4096xf32>, f32
    ```
  }];
  let arguments = (ins Sto_KeyType:$key, Sto_FloatTensor:$param,
                   Sto_FloatScalar:$projected_grad, F64Attr:$lr);
  let results = (outs Sto_FloatTensor:$result);
  let assemblyFormat = [{
    $key `,` $param `,` $projected_grad attr-dict `:` type($param) `,`
    type($projected_grad)
  }];
  let hasVerifier = 1;
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// Randomized smoothing
//===----------------------------------------------------------------------===//

def Sto_MonteCarloOp : Sto_Op<"monte_carlo", [RecursiveMemoryEffects,
    DeclareOpInterfaceMethods<StoKeyConsumerOpInterface>,
    DeclareOpInterfaceMethods<RuntimeVerifiableOpInterface>,
    SingleBlock]> {
  let summary = "counts a classifier's votes on noisy copies of an input";
  let description = [{
    Runs the body on ⌈samples/batch⌉ batches of noisy copies `x + stddev·ε`
    of `x` and counts the class ids it returns (Cohen et al. 2019). The body
    has one block with one argument, the batch (shape [batch] ++ shape(x),
    x's element type), and ends in `sto.yield` of the class ids (shape
    [batch], i32 or i64). Of the last batch only the first
    `samples mod batch` results count (all of them when batch divides
    samples). Ids outside [0, num_classes) are not counted. The result is
    `counts` [num_classes] i64. Sample s of the stream is copy s mod batch of
    batch s / batch, and its noise is the normal of element
    s·numel(x) + j under the key.

    Example:

    ```mlir
    %counts = sto.monte_carlo %k, %x {samples = 1000 : i64, batch = 100 : i64,
                                      stddev = 2.5e-01 : f64, num_classes = 10 : i64}
        : tensor<784xf32> -> tensor<10xi64> {
    ^bb0(%noisy: tensor<100x784xf32>):
      %ids = func.call @classify(%noisy) : (tensor<100x784xf32>) -> tensor<100xi32>
      sto.yield %ids : tensor<100xi32>
    }
    ```
  }];
  let arguments = (ins Sto_KeyType:$key, Sto_FloatTensor:$x,
                   I64Attr:$samples, I64Attr:$batch, F64Attr:$stddev,
                   I64Attr:$num_classes);
  let results = (outs RankedTensorOf<[I64]>:$counts);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = [{
    $key `,` $x attr-dict `:` type($x) `->` type($counts) $body
  }];
  let hasRegionVerifier = 1;
  let hasVerifier = 1;
}

def Sto_CertifyOp : Sto_Op<"certify", [
    DeclareOpInterfaceMethods<RuntimeVerifiableOpInterface>,
    Pure,
    AllTypesMatch<["counts0", "counts"]>,
    DeclareOpInterfaceMethods<InferTypeOpInterface>]> {
  let summary = "certified L2 radius of a smoothed classifier";
  let description = [{
    CERTIFY of Cohen et al. 2019. The predicted class is the argmax of
    `counts0` (the selection sample; ties to the lower id). From `counts`
    (an independent estimation sample) it computes a one-sided lower
    confidence bound p̲ at level 1 − alpha on that class's probability
    (`clopper_pearson`, exact, the default; or empirical `bernstein`). When
    p̲ > 1/2 the result is the class and radius `stddev·Φ⁻¹(p̲)`; otherwise
    class −1 (abstain) and radius 0.

    Example:

    ```mlir
    %cls, %radius = sto.certify %counts0, %counts {alpha = 1.0e-03 : f64, stddev = 2.5e-01 : f64}
        : tensor<10xi64>
    ```
  }];
  let arguments = (ins RankedTensorOf<[I64]>:$counts0,
      RankedTensorOf<[I64]>:$counts, F64Attr:$alpha, F64Attr:$stddev,
      DefaultValuedAttr<Sto_ConfidenceBoundAttr,
                        "::mlir::sto::ConfidenceBound::clopper_pearson">:$bound);
  let results = (outs I64:$class_id, F64:$radius);
  let assemblyFormat = "$counts0 `,` $counts attr-dict `:` type($counts0)";
  let hasVerifier = 1;
}

def Sto_YieldOp : Sto_Op<"yield", [Pure, Terminator,
    HasParent<"MonteCarloOp">]> {
  let summary = "terminates the body of sto.monte_carlo";
  let description = [{
    Returns the class ids of one batch from the body of `sto.monte_carlo`.

    Example:

    ```mlir
    sto.yield %ids : tensor<100xi32>
    ```
  }];
  let arguments = (ins Variadic<AnyType>:$values);
  let assemblyFormat = "($values^ `:` type($values))? attr-dict";
}

#endif // STO_OPS_TD
