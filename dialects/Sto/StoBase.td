//===- StoBase.td - sto dialect, types, attributes, enums --*- tablegen -*-===//
//
// The sto dialect: stochastic training graphs with explicit RNG keys.
//
//===----------------------------------------------------------------------===//

#ifndef STO_BASE_TD
#define STO_BASE_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/EnumAttr.td"
include "mlir/IR/BuiltinAttributeInterfaces.td"

//===----------------------------------------------------------------------===//
// Dialect
//===----------------------------------------------------------------------===//

def Sto_Dialect : Dialect {
  let name = "sto";
  let cppNamespace = "::mlir::sto";
  let summary = "Stochastic training graphs with explicit, linear RNG keys";
  let description = [{
    The `sto` dialect describes stochastic computations of machine-learning
    training and inference: samplers, noise injection, dropout, stochastic
    neurons with their gradient estimators, mixture-of-experts gating,
    Langevin dynamics and weight averaging, differential-privacy aggregation,
    zeroth-order (SPSA) perturbations and randomized-smoothing certification.

    Randomness is explicit. Every stochastic op takes a `!sto.key` operand,
    and every random number it draws is a pure function of that key and the
    logical (row-major) index of the element it belongs to. A key is a value
    that must be consumed once (`sto-verify-keys` checks this), so streams
    never overlap by accident and results are reproducible bit for bit across
    targets, tilings and fusion decisions.
  }];
  let useDefaultTypePrinterParser = 1;
  let useDefaultAttributePrinterParser = 1;
  // `sto.c_abi` on a function is read back by later passes and sto-compile.
  let hasOperationAttrVerify = 1;
  let hasConstantMaterializer = 0;
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    // The runtime checks of the sto ops (RuntimeVerifiableOpInterface).
    "::mlir::cf::ControlFlowDialect",
    "::mlir::tensor::TensorDialect"
  ];
}

//===----------------------------------------------------------------------===//
// Types
//===----------------------------------------------------------------------===//

class Sto_Type<string name, string typeMnemonic, list<Trait> traits = []>
    : TypeDef<Sto_Dialect, name, traits> {
  let mnemonic = typeMnemonic;
}

def Sto_KeyType : Sto_Type<"Key", "key"> {
  let summary = "Philox4x32-10 key";
  let description = [{
    A key of the Philox4x32-10 counter-based generator: two 32-bit words.
    Keys are immutable values. An op that draws random numbers consumes its
    key; new keys come from `sto.seed`, `sto.split` and `sto.fold_in`.

    Example:

    ```mlir
    %k = sto.seed %s : i64
    %k0, %k1 = sto.split %k count 2
    ```
  }];
  // Spelled out so that `!sto.key<...>` is an error: the generated parser of a
  // parameterless type ignores whatever follows the mnemonic.
  let hasCustomAssemblyFormat = 1;
}

//===----------------------------------------------------------------------===//
// Enums
//===----------------------------------------------------------------------===//

def Sto_EstimatorKind : I32EnumAttr<"EstimatorKind", "gradient estimator", [
    I32EnumAttrCase<"straight_through", 0>,
    I32EnumAttrCase<"straight_through_sigmoid", 1>,
    I32EnumAttrCase<"reinforce", 2>,
    I32EnumAttrCase<"stochastic_times_smooth", 3>
  ]> {
  let cppNamespace = "::mlir::sto";
  let genSpecializedAttr = 0;
}

def Sto_AverageKind : I32EnumAttr<"AverageKind", "weight averaging kind", [
    I32EnumAttrCase<"swa", 0>,
    I32EnumAttrCase<"ema", 1>
  ]> {
  let cppNamespace = "::mlir::sto";
  let genSpecializedAttr = 0;
}

def Sto_GateAffinity : I32EnumAttr<"GateAffinity", "top-K gate affinity", [
    I32EnumAttrCase<"softmax_topk", 0>,
    I32EnumAttrCase<"softmax", 1>,
    I32EnumAttrCase<"sigmoid", 2>
  ]> {
  let cppNamespace = "::mlir::sto";
  let genSpecializedAttr = 0;
}

def Sto_ConfidenceBound : I32EnumAttr<"ConfidenceBound",
    "one-sided lower confidence bound", [
    I32EnumAttrCase<"clopper_pearson", 0>,
    I32EnumAttrCase<"bernstein", 1>
  ]> {
  let cppNamespace = "::mlir::sto";
  let genSpecializedAttr = 0;
}

def Sto_NoiseKind : I32EnumAttr<"NoiseKind", "noise distribution", [
    I32EnumAttrCase<"gaussian", 0>,
    I32EnumAttrCase<"uniform", 1>
  ]> {
  let cppNamespace = "::mlir::sto";
  let genSpecializedAttr = 0;
}

def Sto_NoiseMode : I32EnumAttr<"NoiseMode", "how noise is applied", [
    I32EnumAttrCase<"additive", 0>,
    I32EnumAttrCase<"multiplicative", 1>
  ]> {
  let cppNamespace = "::mlir::sto";
  let genSpecializedAttr = 0;
}

class Sto_EnumAttr<EnumAttrInfo enumInfo, string name>
    : EnumAttr<Sto_Dialect, enumInfo, name> {
  let assemblyFormat = "`<` $value `>`";
}

def Sto_AverageKindAttr : Sto_EnumAttr<Sto_AverageKind, "average_kind">;
def Sto_GateAffinityAttr : Sto_EnumAttr<Sto_GateAffinity, "affinity">;
def Sto_ConfidenceBoundAttr : Sto_EnumAttr<Sto_ConfidenceBound, "bound">;
def Sto_NoiseKindAttr : Sto_EnumAttr<Sto_NoiseKind, "noise_kind">;
def Sto_NoiseModeAttr : Sto_EnumAttr<Sto_NoiseMode, "noise_mode">;

//===----------------------------------------------------------------------===//
// Attributes
//===----------------------------------------------------------------------===//

class Sto_Attr<string name, string attrMnemonic, list<Trait> traits = []>
    : AttrDef<Sto_Dialect, name, traits> {
  let mnemonic = attrMnemonic;
}

def Sto_EstimatorAttr : Sto_Attr<"Estimator", "estimator"> {
  let summary = "gradient estimator of a stochastic neuron";
  let description = [{
    Says how reverse-mode differentiation treats a discrete stochastic
    choice:

    - `straight_through`: the sample's gradient is passed to the
      probability unchanged (Bengio et al. 2013, Hinton's lectures 2012);
    - `straight_through_sigmoid`: the straight-through gradient scaled by
      the slope of the sigmoid that produced the probability, p·(1 − p);
    - `reinforce`: the score-function estimator (loss − baseline)·∂log P(b),
      with an optional constant `baseline` that reduces its variance;
    - `stochastic_times_smooth`: h = sqrt(p)·b with b ~ Bernoulli(sqrt(p));
      the gradient flows through the smooth factor sqrt(p) only.

    Example:

    ```mlir
    #sto.estimator<straight_through>
    #sto.estimator<reinforce, baseline = 5.000000e-01 : f64>
    ```
  }];
  let parameters = (ins
    EnumParameter<Sto_EstimatorKind>:$kind,
    OptionalParameter<"::mlir::FloatAttr">:$baseline
  );
  let assemblyFormat = "`<` $kind (`,` `baseline` `=` $baseline^)? `>`";
  let genVerifyDecl = 1;
}

#endif // STO_BASE_TD
