#!/usr/bin/env bash
# Installs everything sto needs on Debian 12 (bookworm): LLVM/MLIR 22 from
# Debian's packages, clang/lld 22 and its sanitizer runtimes, Ninja, CMake,
# GoogleTest. Idempotent.
set -euo pipefail

pkgs=(llvm-22-dev libmlir-22-dev mlir-22-tools llvm-22-tools clang-22 lld-22
      libomp-22-dev libclang-rt-22-dev ninja-build cmake libgtest-dev
      libgmock-dev python3 git)

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
    missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "install-deps: installing ${missing[*]}"
$SUDO apt-get update -qq
# Read the whole answer first: with pipefail, `grep -q` exiting at its first
# match can kill apt-cache with SIGPIPE and fail the test (seen here).
policy=$(apt-cache policy libmlir-22-dev)
if ! grep -q "Candidate: [0-9]" <<<"$policy"; then
  echo "install-deps: error: no candidate for libmlir-22-dev in the configured" \
       "apt sources; sto needs Debian's LLVM/MLIR 22 packages" >&2
  exit 1
fi
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
  "${missing[@]}"
