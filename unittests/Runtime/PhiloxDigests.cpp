//===- PhiloxDigests.cpp - Digests with the test's flags ------------------===//

#include "PhiloxTestSupport.h"
#include "sto/Runtime/Philox.h"

#include "PhiloxDigests.inc"

std::vector<sto::rng::test::Digest> sto::rng::test::streamDigests() {
  return computeDigests();
}
