#!/usr/bin/env bash
# Configures and builds sto. Usage: scripts/build.sh [build-dir] [extra cmake args]
#   STO_SANITIZE=1 scripts/build.sh build-asan   # AddressSanitizer + UBSan
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
shift || true
args=(-G Ninja -S "$root" -B "$build"
      -DCMAKE_BUILD_TYPE=Release
      -DCMAKE_C_COMPILER=clang-22 -DCMAKE_CXX_COMPILER=clang++-22
      -DLLVM_USE_LINKER=lld
      -DMLIR_DIR=/usr/lib/llvm-22/lib/cmake/mlir)
if [ "${STO_SANITIZE:-0}" = 1 ]; then
  args+=(-DSTO_ENABLE_SANITIZERS=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo)
fi
cmake "${args[@]}" "$@" >/dev/null
cmake --build "$build"
