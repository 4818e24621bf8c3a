#!/usr/bin/env bash
# Builds, on this machine (MLIR, clang-22 and the CUDA toolkit's ptxas/fatbinary), everything
# that scripts/gpu-check.sh runs on the GPU machine, which needs no MLIR and no compiler:
#
#   build/gpu-check/bin/bench_sto_gpu        timing of bench/gpu/workloads.mlir + the copy
#                                            ceiling + full-size bit check against the CPU
#   build/gpu-check/bin/bench_sto_gpu_NAME   the same, compiled with other flags
#                                            (variants to measure; see below)
#   build/gpu-check/bin/reduction_probe      dp_aggregate's passes in other thread mappings
#                                            (bench/gpu/reduction_probe.cu; with nvcc)
#   build/gpu-check/bin/bitexact             GPU-vs-CPU bit comparison of every sampler and
#                                            op that lowers for cuda (bench/gpu/bitexact.mlir)
#   build/gpu-check/bin/sto-cuda-selftest    copies of the GPU tests of the build
#   build/gpu-check/bin/StoCudaRuntimeTests
#   build/gpu-check/obj/                     the objects, headers, generated driver source
#                                            and *_host_loops.txt (functions whose GPU code
#                                            kept loops on the host: KNOWN_GAPS.md)
#   build/gpu-check/ptx/                     the PTX of every benchmark kernel, ptxas -v
#                                            (registers, spills) and a summary (16-byte
#                                            loads?), to read without device time
#   build/gpu-check/gaps.txt                 which functions of bench/gpu/gaps.mlir still do
#                                            not compile for cuda; those that do now are
#                                            added to the bit comparison
#                                            (build/gpu-check/obj/bitexact.mlir)
#
# The executables need only libc, libm, libstdc++ and libgcc_s (GLIBC_2.34 and GLIBCXX_3.4.29
# at most, i.e. Ubuntu 22.04 or newer; -static-libstdc++ would pull in GLIBC_2.36 symbols
# from this machine's libstdc++): checked with ldd and objdump below. They load
# libcuda.so.1 at run time (dlopen) and fail cleanly with STO_ERROR_NO_CUDA_DRIVER (4)
# without it.
#
# Then carry the one folder build/gpu-check (see bench/gpu/README.md for the call).
#
# Environment: STO_BUILD_DIR (default <repo>/build), STO_NO_BUILD=1 (do not run ninja),
# STO_CXX (default clang++-22), STO_CHIP (sm_90a), STO_CPU_MCPU (x86-64-v3),
# PREPARE_SMOKE=0 (skip running the drivers here without a GPU).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${STO_BUILD_DIR:-$root/build}
gpu=$root/bench/gpu
out=$build/gpu-check
cxx=${STO_CXX:-clang++-22}
cuda=${CUDA_ROOT:-/usr/local/cuda}
log() { echo "== $*" >&2; }

if [ -z "${STO_NO_BUILD:-}" ]; then
  if [ ! -f "$build/build.ninja" ]; then
    log "configuring $build"
    "$root/scripts/build.sh" "$build" >/dev/null
  fi
  log "building sto-compile, sto-opt, libsto_runtime and the GPU tests"
  ninja -C "$build" bin/sto-compile bin/sto-opt lib/libsto_runtime.a bin/sto-cuda-selftest \
    unittests/StoCudaRuntimeTests >&2
fi
export STO_COMPILE=$build/bin/sto-compile

rm -rf "$out"
mkdir -p "$out/bin" "$out/obj" "$out/ptx"
# The commit the executables are built from: the device gets no .git (gpu-check.sh reads this).
{ git -C "$root" rev-parse HEAD 2>/dev/null || echo unknown; } | tr -d '\n' > "$out/commit.txt"
git -C "$root" status --porcelain 2>/dev/null | grep -q . && echo -n ' (working tree has uncommitted changes)' >> "$out/commit.txt"
echo >> "$out/commit.txt"

log "gaps.mlir: which functions compile for cuda now"
python3 - "$gpu/gaps.mlir" "$out/gaps" <<'PY'
import os, re, sys
src = open(sys.argv[1]).read()
os.makedirs(sys.argv[2], exist_ok=True)
# One file per function, with the fill hints above it (a function ends at the first line
# that is exactly "}").
for m in re.finditer(r"((?:^// fill:[^\n]*\n)*)^func\.func @(\w+).*?^\}$", src, re.M | re.S):
    open(os.path.join(sys.argv[2], m.group(2) + ".mlir"), "w").write(m.group(0) + "\n")
PY
: > "$out/gaps.txt"
cp "$gpu/bitexact.mlir" "$out/obj/bitexact.mlir"
for f in "$out"/gaps/*.mlir; do
  n=$(basename "$f" .mlir)
  if "$STO_COMPILE" "$f" --target=cuda --chip="${STO_CHIP:-sm_90a}" -o "$out/gaps/$n.o" \
      > "$out/gaps/$n.err" 2>&1; then
    echo "compiles now: $n (added to the bit comparison; update KNOWN_GAPS.md)" >> "$out/gaps.txt"
    { echo; cat "$f"; } >> "$out/obj/bitexact.mlir"
  else
    echo "still fails: $n: $(grep -m1 -o 'error: .*' "$out/gaps/$n.err" | cut -c1-150)" >> "$out/gaps.txt"
  fi
done
rm -rf "$out/gaps"
cat "$out/gaps.txt" >&2

log "sto-compile workloads.mlir and bitexact.mlir (cuda sm_90a + cpu)"
"$gpu/sto-compile-pair.sh" "$gpu/workloads.mlir" "$out/obj" workloads
if ! "$gpu/sto-compile-pair.sh" "$out/obj/bitexact.mlir" "$out/obj" bitexact 2> "$out/obj/bitexact-merge.err"; then
  # The gap functions compile alone but not in one module with the rest: leave them out.
  echo "prepare-gpu-check: bitexact.mlir with the gap functions that compile alone failed" \
    "($(grep -m1 -o 'error: .*' "$out/obj/bitexact-merge.err" | cut -c1-150)); without them" >&2
  cp "$gpu/bitexact.mlir" "$out/obj/bitexact.mlir"
  sed -i 's/^compiles now: \(.*\) (added to the bit comparison; update KNOWN_GAPS.md)$/compiles alone, NOT in the bit comparison: \1/' "$out/gaps.txt"
  "$gpu/sto-compile-pair.sh" "$out/obj/bitexact.mlir" "$out/obj" bitexact
fi
rm -f "$out/obj/bitexact-merge.err"

log "functions whose GPU code kept loops on the host (host_loops.py)"
for m in workloads bitexact; do
  "$STO_COMPILE" "$out/obj/${m}_gpu.mlir" --target=cuda --chip="${STO_CHIP:-sm_90a}" \
    --compile-to=llvm -o "$out/obj/${m}_gpu.llvm.mlir"
  python3 "$gpu/host_loops.py" "$out/obj/${m}_gpu.llvm.mlir" > "$out/obj/${m}_host_loops.txt"
  rm -f "$out/obj/${m}_gpu.llvm.mlir"
done
echo "bitexact: $(grep -c '^HOST' "$out/obj/bitexact_host_loops.txt") of" \
  "$(wc -l < "$out/obj/bitexact_host_loops.txt") functions have host loops (run in child processes)" >&2
if grep '^HOST' "$out/obj/workloads_host_loops.txt" >&2; then
  echo "prepare-gpu-check: a benchmark workload has host loops over device memory: it would" \
    "crash bench_sto_gpu (give it a size whose parallel loop is a multiple of 256)" >&2
  exit 1
fi
python3 "$gpu/gen_bitexact.py" "$out/obj/bitexact.mlir" "$out/obj/bitexact_cpu.h" \
  "$out/obj/bitexact_gpu.h" "$out/obj/bitexact_main.cpp" "$out/obj/bitexact_host_loops.txt"

log "linking the drivers ($cxx)"
# Warnings are errors: the drivers run where a mistake costs device time.
flags=(-std=c++17 -O2 -Wall -Wextra -Werror -pthread -I"$root/include" -I"$gpu" -I"$out/obj")
link=("$build/lib/libsto_runtime.a" -ldl)
"$cxx" "${flags[@]}" "$gpu/bench_sto_gpu.cpp" "$out/obj/workloads_gpu.o" \
  "$out/obj/workloads_cpu.o" "${link[@]}" -o "$out/bin/bench_sto_gpu"
"$cxx" "${flags[@]}" -O1 "$out/obj/bitexact_main.cpp" "$out/obj/bitexact_gpu.o" \
  "$out/obj/bitexact_cpu.o" "${link[@]}" -o "$out/bin/bitexact"
# Compiler variants of the benchmark, timed beside the default build by
# gpu-check.sh (steps bench-variant-NAME): bin/bench_sto_gpu_NAME, built with
# the flags after the colon.
#  - coarsened-reductions: four outputs per thread for column sums, combine and
#    dp_aggregate's norm lanes (off by default until measured);
#  - no-interleave: the gates' loops not interleaved (on by default; this
#    measures what it gains).
for variant in "coarsened-reductions:--gpu-coarsen-reductions" \
               "no-interleave:--gpu-interleave=false"; do
  name=${variant%%:*}
  "$STO_COMPILE" "$out/obj/workloads_gpu.mlir" --target=cuda --chip="${STO_CHIP:-sm_90a}" \
    "${variant#*:}" -o "$out/obj/workloads_gpu_$name.o"
  "$cxx" "${flags[@]}" "$gpu/bench_sto_gpu.cpp" "$out/obj/workloads_gpu_$name.o" \
    "$out/obj/workloads_cpu.o" "${link[@]}" -o "$out/bin/bench_sto_gpu_$name"
done
cp "$build/bin/sto-cuda-selftest" "$build/unittests/StoCudaRuntimeTests" "$out/bin/"
# The reduction probe (bench/gpu/reduction_probe.cu: dp_aggregate's two passes
# in several thread mappings), where nvcc is here; CUDA's runtime is linked
# statically.
if [ -x "$cuda/bin/nvcc" ]; then
  "$cuda/bin/nvcc" -O3 -arch="${STO_CHIP:-sm_90a}" -std=c++17 \
    -o "$out/bin/reduction_probe" "$gpu/reduction_probe.cu"
fi

log "checking the executables' shared libraries"
bad=0
for exe in "$out"/bin/*; do
  # Allowed: the C library and its parts, the C++ runtime (StoCudaRuntimeTests links
  # libstdc++ dynamically, as the build does), nothing of LLVM, CUDA or OpenMP.
  deps=$(ldd "$exe" | awk '{print $1}' | grep -v -E '^(linux-vdso\.so\.1|/lib64/ld-linux-x86-64\.so\.2|libc\.so\.6|libm\.so\.6|libdl\.so\.2|libpthread\.so\.0|librt\.so\.1|libstdc\+\+\.so\.6|libgcc_s\.so\.1)$' || true)
  if [ -n "$deps" ]; then
    echo "prepare-gpu-check: $(basename "$exe") needs $deps" >&2
    bad=1
  fi
  glibc=$(objdump -T "$exe" | grep -o 'GLIBC_[0-9.]*' | sort -uV | tail -1)
  glibcxx=$(objdump -T "$exe" | grep -o 'GLIBCXX_[0-9.]*' | sort -uV | tail -1 || true)
  echo "$(basename "$exe"): $(ldd "$exe" | awk '{print $1}' | tr '\n' ' ')(newest versions: $glibc ${glibcxx:-})" \
    >> "$out/ldd.txt"
  case $glibc in GLIBC_2.3[5-9]|GLIBC_2.[4-9]*) echo "prepare-gpu-check: $(basename "$exe") needs $glibc" >&2; bad=1 ;; esac
done
[ "$bad" = 0 ] || exit 1

log "PTX of the benchmark kernels, ptxas -v"
"$build/bin/sto-opt" "$out/obj/workloads_gpu.mlir" --sto-cuda-pipeline="gpu-format=isa" \
  -o "$out/obj/workloads_gpu.isa.mlir"
python3 "$gpu/extract_ptx.py" "$out/obj/workloads_gpu.isa.mlir" "$out/ptx" > "$out/ptx/summary.txt"
rm -f "$out/obj/workloads_gpu.isa.mlir"
if [ -x "$cuda/bin/ptxas" ]; then
  for p in "$out"/ptx/*.ptx; do
    "$cuda/bin/ptxas" -arch="${STO_CHIP:-sm_90a}" -v "$p" -o /dev/null 2>&1 |
      grep -E "Compiling entry|registers|stack frame" >> "$out/ptx/ptxas-v.txt" || true
  done
fi

if [ "${PREPARE_SMOKE:-1}" != 0 ]; then
  log "smoke test here, without a GPU (STO_CUDA_DRIVER=none)"
  set +e
  STO_CUDA_DRIVER=none "$out/bin/bench_sto_gpu" > "$out/smoke-bench.txt" 2>&1
  rc_bench=$?
  STO_CUDA_DRIVER=none "$out/bin/bitexact" --quiet > "$out/smoke-bitexact.txt" 2>&1
  rc_bx=$?
  "$out/bin/bitexact" --cpu-only --quiet > "$out/smoke-bitexact-cpu.txt" 2>&1
  rc_cpu=$?
  set -e
  echo "bench_sto_gpu without a driver: exit $rc_bench (4 expected): $(head -1 "$out/smoke-bench.txt")" >&2
  echo "bitexact without a driver: exit $rc_bx (4 expected): $(tail -2 "$out/smoke-bitexact.txt" | head -1)" >&2
  echo "bitexact --cpu-only: exit $rc_cpu (0 expected)" >&2
  if [ "$rc_bench" != 4 ] || [ "$rc_bx" != 4 ] || [ "$rc_cpu" != 0 ]; then
    echo "prepare-gpu-check: the no-driver smoke test failed" >&2
    exit 1
  fi
  rm -f "$out"/smoke-*.txt
fi

size=$(du -sb "$out" | cut -f1)
log "ready: $out ($(du -sh "$out" | cut -f1), $size bytes); carry [\"build/gpu-check\"]"
if [ "$size" -gt $((48 * 1024 * 1024)) ]; then
  echo "prepare-gpu-check: $out is over 48 MiB; the working tree and the carried paths must stay under 64 MiB" >&2
  exit 1
fi
