//===- StoInterfaces.td - sto op interfaces ----------------*- tablegen -*-===//

#ifndef STO_INTERFACES_TD
#define STO_INTERFACES_TD

include "mlir/IR/OpBase.td"

def StoKeyConsumerOpInterface : OpInterface<"KeyConsumerOpInterface"> {
  let description = [{
    An op that draws random numbers from a `!sto.key` operand. Passes use it
    to find the key (`sto-verify-keys`, the lowerings) and to learn whether
    the op replays its key on purpose, as the SPSA ops do: several replaying
    ops may share one key, and no other op may.
  }];
  let cppNamespace = "::mlir::sto";
  let methods = [
    InterfaceMethod<"Returns the key the op draws from (null if none).",
      "::mlir::Value", "getKeyOperand", (ins), [{}],
      /*defaultImplementation=*/[{ return $_op.getKey(); }]>,
    InterfaceMethod<[{
        Returns true if the op regenerates the random stream of its key on
        purpose, so that other replaying ops may read the same key.
      }],
      "bool", "replaysKey", (ins), [{}],
      /*defaultImplementation=*/[{ return false; }]>,
  ];
}

#endif // STO_INTERFACES_TD
