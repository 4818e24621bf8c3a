#!/usr/bin/env bash
# CPU benchmark: sto's compiled code on the six elementwise workloads of ../shared/bench
# against a memcpy ceiling, PyTorch (eager, torch.compile) and JAX (threefry, rbg), and on
# the three mixture-of-experts workloads (moe_workloads.mlir: two gates, dispatch + combine)
# against the same peers, all in one run, then the tables (report.py). See ../README.md.
# The MoE peers are first cross-checked against sto's results on small inputs; a failed
# cross-check (or a failed sanity check of bench_moe) still prints the tables, then makes
# this script exit 1.
#
# Environment:
#   THREADS=2          threads of every implementation (OMP_NUM_THREADS, torch, XLA)
#   OUT=bench/out      where the JSON lines, the build and the report go
#   STO_BUILD_DIR      sto's build directory (default: <repo>/build; configured if missing)
#   STO_NO_BUILD=1     use the sto-compile and libsto_runtime already built, do not run ninja
#   STO_BENCH_RUNS=15, STO_BENCH_WARMUP=3   timed and warm-up calls per result (median)
#   STO_BENCH_ONLY=noise_add,...            only these workloads ("moe": the three MoE ones)
#   PEERS="torch jax"  which peers to run (PEERS= runs sto alone)
#   PEER_MALLOC_TUNING=0   run the peers with glibc's malloc defaults (see below)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bench=$(dirname "$here")
root=$(dirname "$bench")
build=${STO_BUILD_DIR:-$root/build}
out=${OUT:-$bench/out}
threads=${THREADS:-2}
peers=${PEERS-torch jax}
venv=$bench/.venv
mkdir -p "$out/build"
results=$out/results.jsonl
: > "$results"

log() { echo "== $*" >&2; }

# 1. The peers' virtualenv, made once and reused while requirements.txt is unchanged.
if [ -n "$peers" ]; then
  stamp=$venv/.sto-bench-requirements
  if ! cmp -s "$bench/requirements.txt" "$stamp" 2>/dev/null; then
    log "creating $venv (torch and jax[cpu] from PyPI; about 6 GB, a few minutes)"
    if ! python3 -c 'import ensurepip' 2>/dev/null; then
      # Debian splits venv's pip bootstrap into python3-venv.
      if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        apt-get install -y -qq --no-install-recommends python3-venv >&2
      else
        echo "run.sh: python3 -m venv needs ensurepip: apt-get install python3-venv" >&2
        exit 1
      fi
    fi
    python3 -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --upgrade pip
    "$venv/bin/python" -m pip install --quiet -r "$bench/requirements.txt"
    cp "$bench/requirements.txt" "$stamp"
  else
    log "reusing $venv"
  fi
fi

# 2. sto-compile and libsto_runtime.
if [ -z "${STO_NO_BUILD:-}" ]; then
  if [ ! -f "$build/build.ninja" ]; then
    log "configuring $build"
    cmake -G Ninja -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release \
      -DCMAKE_C_COMPILER=clang-22 -DCMAKE_CXX_COMPILER=clang++-22 \
      -DLLVM_USE_LINKER=lld -DMLIR_DIR=/usr/lib/llvm-22/lib/cmake/mlir >/dev/null
  fi
  log "building sto-compile and libsto_runtime"
  ninja -C "$build" sto-compile sto_runtime >&2
fi

# 3. The workloads, compiled ahead of time, and the driver.
log "sto-compile workloads.mlir"
"$build/bin/sto-compile" "$here/workloads.mlir" -o "$out/build/workloads.o" \
  --header "$out/build/workloads.h"
# The same elementwise workloads on 8192 elements, one thread each: their compute alone.
python3 "$here/compute_variant.py" "$here/workloads.mlir" > "$out/build/workloads_l2.mlir"
"$build/bin/sto-compile" "$out/build/workloads_l2.mlir" --parallel=false \
  -o "$out/build/workloads_l2.o" --header "$out/build/workloads_l2.h"
clang++-22 -O2 -fopenmp -I"$out/build" "$here/bench_sto.cpp" "$out/build/workloads.o" \
  "$out/build/workloads_l2.o" "$build/lib/libsto_runtime.a" /usr/lib/llvm-22/lib/libomp.so -lm \
  -Wl,-rpath,/usr/lib/llvm-22/lib -o "$out/build/bench_sto"
log "sto-compile moe_workloads.mlir"
"$build/bin/sto-compile" "$here/moe_workloads.mlir" -o "$out/build/moe_workloads.o" \
  --header "$out/build/moe_workloads.h"
clang++-22 -O2 -fopenmp -I"$out/build" "$here/bench_moe.cpp" "$out/build/moe_workloads.o" \
  "$build/lib/libsto_runtime.a" /usr/lib/llvm-22/lib/libomp.so -lm \
  -Wl,-rpath,/usr/lib/llvm-22/lib -o "$out/build/bench_moe"

# 4. Run everything on the same $threads cores.
pin=()
if command -v taskset >/dev/null && [ "$(nproc)" -gt "$threads" ]; then
  pin=(taskset -c "0-$((threads - 1))")
fi
export OMP_NUM_THREADS=$threads
meta() { printf '{"meta": "%s", "value": "%s"}\n' "$1" "$2" >> "$results"; }
meta cpu "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//') ($(nproc) cores visible, $threads used)"
meta uptime_before "$(uptime | sed 's/^ *//')"

# The peers allocate a fresh output (and temporaries) on every call. glibc serves blocks of
# 32 MB and more with mmap and unmaps them on free, so each call would page-fault its
# outputs anew (about 40 ms per 64 MB here). Keeping freed memory in the heap for reuse, as
# a caching allocator does, gives the peers their best case; every process (sto's driver
# too) runs so, though sto's compiled code keeps its large buffers itself (libsto_runtime's
# cache, docs/Compiling.md). PEER_MALLOC_TUNING=0 measures everything with glibc's defaults.
malloc_env=()
if [ "${PEER_MALLOC_TUNING:-1}" != 0 ]; then
  malloc_env=(env MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=68719476736)
fi
meta malloc "${malloc_env[*]:-glibc defaults}"

log "sto (OMP_NUM_THREADS=$threads)"
"${pin[@]}" "${malloc_env[@]}" "$out/build/bench_sto" | tee -a "$results"
# The MoE workloads; bench_moe also leaves the cross-check inputs and sto's results on
# them in $out/moe_check for peers_moe_cpu.py.
moe_failed=
export STO_MOE_CHECK_DIR=$out/moe_check
rm -rf "$STO_MOE_CHECK_DIR"
mkdir -p "$STO_MOE_CHECK_DIR"
log "sto MoE (OMP_NUM_THREADS=$threads)"
"${pin[@]}" "${malloc_env[@]}" "$out/build/bench_moe" | tee -a "$results" ||
  moe_failed="bench_moe's checks"
for p in $peers; do
  log "$p (threads=$threads)"
  "${pin[@]}" "${malloc_env[@]}" "$venv/bin/python" "$here/peers_cpu.py" "$p" | tee -a "$results"
  log "$p MoE (threads=$threads): cross-check, then timing"
  "${pin[@]}" "${malloc_env[@]}" "$venv/bin/python" "$here/peers_moe_cpu.py" "$p" |
    tee -a "$results" || moe_failed="${moe_failed:+$moe_failed, }the $p cross-check"
done
meta uptime_after "$(uptime | sed 's/^ *//')"

# 5. The tables: the last thing printed.
python3 "$here/report.py" "$results" | tee "$out/report.md"
if [ -n "$moe_failed" ]; then
  echo "run.sh: FAILED: $moe_failed (see the messages above the tables)" >&2
  exit 1
fi
