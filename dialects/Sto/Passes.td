//===- Passes.td - sto transformation passes ---------------*- tablegen -*-===//

#ifndef STO_PASSES_TD
#define STO_PASSES_TD

include "mlir/Pass/PassBase.td"

def StoVerifyKeys : Pass<"sto-verify-keys"> {
  let summary = "Checks that every RNG key is consumed at most once";
  let description = [{
    Reports every `!sto.key` value that is consumed twice, which would make
    two random streams identical. A use is any operand use of the key: a
    sampler, a derivation (`sto.split`, `sto.fold_in`), a call, a return, a
    branch or a region terminator (`scf.yield`). The error is at the second
    use and a note points at the first.

    The check follows control flow: uses in the exclusive branches of
    `scf.if`/`scf.index_switch` or `cf.cond_br` count once; a key used inside
    a loop body (`scf.for`, `scf.while`, `scf.parallel`, ...) but defined
    outside it is consumed on every iteration and is an error; loop-carried
    keys (`iter_args`, block arguments) are fresh values in each iteration.
    Function arguments are fresh keys. Ops that replay a key on purpose
    (`sto.spsa_perturb`, `sto.spsa_update`) may share a key with each other,
    but not with any other use.

    Example of an error:

    ```mlir
    func.func @f(%k: !sto.key, %x: tensor<8xf32>) -> tensor<8xf32> {
      %a = sto.dropout %k, %x {rate = 0.1 : f64} : tensor<8xf32>
      // error: RNG key is consumed twice ...
      %b = sto.noise %k, %a {scale = 0.1 : f64} : tensor<8xf32>
      return %b : tensor<8xf32>
    }
    ```
  }];
}

def ConvertStoToLinalg : Pass<"convert-sto-to-linalg", "ModuleOp"> {
  let summary = "Lowers sto ops to linalg/arith with Philox inside the loops";
  let description = [{
    Rewrites the stochastic ops into `linalg.generic` ops on tensors (and
    `arith`, `math`, `tensor`) whose bodies compute each element's random bits
    with Philox4x32-10 from the key and the element's row-major linear index,
    exactly as docs/Randomness.md specifies. No noise tensor is created, so
    linalg elementwise fusion merges the sampling with its producers and
    consumers into one loop nest. `!sto.key` becomes `i64` everywhere,
    including function signatures, calls, `scf` iter_args and branches.

    Example:

    ```mlir
    %y = sto.dropout %k, %x {rate = 1.0e-01 : f64} : tensor<1024xf32>
    ```

    becomes a `linalg.generic` over 1024 elements whose body computes the
    Philox block `i / 4` of the key, takes lane `i mod 4`, turns it into a
    uniform `u` and yields `u >= 0.1 ? x * (1/0.9) : 0`.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect",
    "::mlir::tensor::TensorDialect",
    "::mlir::scf::SCFDialect"
  ];
}

#endif // STO_PASSES_TD
