#!/usr/bin/env bash
# sto-compile-pair.sh INPUT.mlir OUTDIR STEM
#
# Compiles one sto module twice, for the bit-for-bit comparison of the GPU with the CPU:
#   OUTDIR/STEM_gpu.{mlir,o,h}  every function renamed gpu_<name>, sto-compile --target=cuda
#                               --chip=$STO_CHIP (sm_90a): a host object with a fatbin
#                               (sm_90a cubin + PTX); tensors are DEVICE pointers
#   OUTDIR/STEM_cpu.{mlir,o,h}  cpu_<name>, sto-compile --target=cpu --parallel=false
#                               --mcpu=$STO_CPU_MCPU (x86-64-v3): sequential, no OpenMP, so
#                               the driver needs no libomp, for any x86-64 CPU with AVX2
# With STO_GPU_TARGET=cuda-emulator the gpu side is compiled for sto-compile's emulator
# target instead: the CUDA path's kernels run on the host, thread by thread, over host
# memory (a test of the GPU lowering without a GPU; bitexact_support.h's BX_EMULATED).
# STO_GPU_FORMAT (fatbin, bin or isa) is sto-compile's --gpu-format: isa embeds PTX text and
# needs no CUDA toolkit (the fake driver of tools/fake-cuda loads it). STO_GPU_FLAGS adds
# sto-compile flags on the gpu side (a compiler variant, e.g. --gpu-coarsen-reductions).
# The prefixes let one program link both. The random streams do not depend on the target,
# the thread count or the vector width (docs/Randomness.md), so the two must agree bit for
# bit. sto-compile is $STO_COMPILE, else the one on PATH, else <repo>/build/bin/sto-compile.
set -euo pipefail
if [ $# -ne 3 ]; then
  echo "usage: $0 INPUT.mlir OUTDIR STEM" >&2
  exit 2
fi
in=$1 out=$2 stem=$3
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$(dirname "$here")")
compile=${STO_COMPILE:-$(command -v sto-compile || echo "$root/build/bin/sto-compile")}
chip=${STO_CHIP:-sm_90a}
mcpu=${STO_CPU_MCPU:-x86-64-v3}
mkdir -p "$out"
for side in gpu cpu; do
  # Rename the definitions (public and private) and the calls:
  # func.func [private] @f / func.call @f -> @<side>_f.
  sed -E "s/(func\.func|func\.func private|func\.call|call) @([A-Za-z_][A-Za-z0-9_.]*)/\1 @${side}_\2/g" \
    "$in" > "$out/${stem}_${side}.mlir"
done
# STO_GPU_FLAGS: more sto-compile flags for the gpu side (a compiler variant).
# shellcheck disable=SC2086
"$compile" "$out/${stem}_gpu.mlir" --target="${STO_GPU_TARGET:-cuda}" --chip="$chip" \
  --gpu-format="${STO_GPU_FORMAT:-fatbin}" ${STO_GPU_FLAGS:-} -o "$out/${stem}_gpu.o" \
  --header "$out/${stem}_gpu.h"
"$compile" "$out/${stem}_cpu.mlir" --target=cpu --parallel=false --mcpu="$mcpu" \
  -o "$out/${stem}_cpu.o" --header "$out/${stem}_cpu.h"
