//===- PhiloxTestSupport.h - Digests shared by the Philox tests -*- C++ -*-===//
//
// Stream digests of the randomness contract, computed once in a translation
// unit built with -ffp-contract=off and once in one built with
// -ffp-contract=fast (PhiloxContractFast.cpp): they must agree.
//
//===----------------------------------------------------------------------===//

#ifndef STO_UNITTESTS_RUNTIME_PHILOXTESTSUPPORT_H
#define STO_UNITTESTS_RUNTIME_PHILOXTESTSUPPORT_H

#include <cstdint>
#include <vector>

namespace sto {
namespace rng {
namespace test {

struct Digest {
  const char *name;
  uint64_t value;    // computed now
  uint64_t expected; // the contract's value (docs/Randomness.md)
};

/// Digests computed with the test's own flags (-ffp-contract=off).
std::vector<Digest> streamDigests();
/// The same digests from a translation unit built with -ffp-contract=fast.
std::vector<Digest> streamDigestsContractFast();
/// Whether this CPU can run the -ffp-contract=fast (-mfma) translation unit.
bool contractFastAvailable();

} // namespace test
} // namespace rng
} // namespace sto

#endif // STO_UNITTESTS_RUNTIME_PHILOXTESTSUPPORT_H
