//===- PhiloxContractFast.cpp - The contract under -ffp-contract=fast -----===//
//
// Built with -ffp-contract=fast (and -mfma on x86-64, so that contraction
// really produces fma instructions): the header's own rules must keep every
// bit. A separate inline namespace keeps these copies of the header's inline
// functions apart from the ones of the other translation units.
//
//===----------------------------------------------------------------------===//

#define STO_RNG_ABI_NAMESPACE contract_fast
#include "PhiloxTestSupport.h"
#include "sto/Runtime/Philox.h"

#include "PhiloxDigests.inc"

std::vector<sto::rng::test::Digest>
sto::rng::test::streamDigestsContractFast() {
  return computeDigests();
}

bool sto::rng::test::contractFastAvailable() {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
  return __builtin_cpu_supports("fma");
#else
  return true;
#endif
}
