#!/usr/bin/env bash
# Builds and runs philox_roofline.cpp (see ../README.md, "Roofline").
#   THREADS=2 (OMP_NUM_THREADS), RF_RUNS=15, RF_WARMUP=3, RF_CHECK=1048576,
#   REPEAT=1 (runs of the whole program, one after the other),
#   STO_BUILD_DIR=<repo>/build (sto-compile and libsto_runtime for the
#   sto-in-L2 lines; skipped when missing)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
out=${OUT:-$root/bench/out/roofline}
threads=${THREADS:-2}
mkdir -p "$out"
# sto's own code for the same kernels, in L2, when a sto build is there.
build=${STO_BUILD_DIR:-$root/build}
sto=()
if [ -x "$build/bin/sto-compile" ] && [ -f "$build/lib/libsto_runtime.a" ]; then
  "$build/bin/sto-compile" "$here/l2_workloads.mlir" --parallel=false \
    -o "$out/l2_workloads.o" --header "$out/l2_workloads.h"
  sto=(-DRF_WITH_STO -I"$out" "$out/l2_workloads.o" "$build/lib/libsto_runtime.a")
else
  echo "== no sto build in $build: timing the hand-written kernels only" >&2
fi
clang++-22 -std=c++17 -O3 -march=native -ffp-contract=off -fopenmp \
  -I"$root/include" "$here/philox_roofline.cpp" "${sto[@]}" \
  /usr/lib/llvm-22/lib/libomp.so -lm -Wl,-rpath,/usr/lib/llvm-22/lib \
  -o "$out/philox_roofline"
pin=()
if command -v taskset >/dev/null && [ "$(nproc)" -gt "$threads" ]; then
  pin=(taskset -c "0-$((threads - 1))")
fi
export OMP_NUM_THREADS=$threads OMP_PROC_BIND=${OMP_PROC_BIND:-close}
for r in $(seq "${REPEAT:-1}"); do
  echo "== uptime: $(uptime | sed 's/^ *//')"
  "${pin[@]}" "$out/philox_roofline"
done
echo "== uptime: $(uptime | sed 's/^ *//')"
