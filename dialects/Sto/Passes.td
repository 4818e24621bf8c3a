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

#endif // STO_PASSES_TD
