#!/usr/bin/env bash
# Runs the whole sto test suite (lit: dialect, passes, examples; GoogleTest
# unit tests). Installs and builds first if needed.
#   scripts/test.sh            # normal build in build/
#   scripts/test.sh --sanitize # also ASan+UBSan build in build-asan/
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install-deps.sh"
"$root/scripts/build.sh" "$root/build"
cmake --build "$root/build" --target check-sto
if [ "${1:-}" = "--sanitize" ]; then
  STO_SANITIZE=1 "$root/scripts/build.sh" "$root/build-asan"
  cmake --build "$root/build-asan" --target check-sto
fi
