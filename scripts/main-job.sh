#!/usr/bin/env bash
# The main job: compile examples/langevin_swa.mlir ahead of time with
# sto-compile, link it into a C program (examples/drivers/langevin_swa.c) and
# run it. The program trains stochastic gradient Langevin dynamics with
# stochastic weight averaging on a planted single-index model and prints the
# overlap with the planted direction and the test risk of the last iterate
# and of the average. Exits non-zero unless the average beats the last
# iterate (and every other check of the driver passes).
#
#   scripts/main-job.sh [build-dir] [run_seed [sweep]]
#     defaults: build, seed 1, 9 further seeds (2..10) swept
# Expects sto built in build-dir (scripts/build.sh).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
seed=${2:-1}
sweep=${3:-9}
llvm_lib=/usr/lib/llvm-22/lib
cc=$(command -v clang-22 || echo "$llvm_lib/../bin/clang")
out="$build/examples"
mkdir -p "$out"

echo "=== sto-compile examples/langevin_swa.mlir -o $out/langevin_swa.o --header $out/langevin_swa.h"
"$build/bin/sto-compile" "$root/examples/langevin_swa.mlir" \
  -o "$out/langevin_swa.o" --header "$out/langevin_swa.h"
grep -E '^int32_t' "$out/langevin_swa.h"

echo "=== link examples/drivers/langevin_swa.c with the object and libsto_runtime"
"$cc" -std=c11 -O2 -Wall -Wextra -Werror \
  -I"$out" -I"$root/examples/drivers" -I"$root/include" \
  "$root/examples/drivers/langevin_swa.c" "$out/langevin_swa.o" \
  "$build/lib/libsto_runtime.a" "$llvm_lib/libomp.so" -lm \
  -Wl,-rpath,"$llvm_lib" -o "$out/langevin_swa"

echo "=== $out/langevin_swa $seed $sweep"
"$out/langevin_swa" "$seed" "$sweep"
