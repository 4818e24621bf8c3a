#!/usr/bin/env bash
# The device check of issue 4 (item 5), on a machine with an NVIDIA GPU (an H200) and no
# MLIR: everything it runs was built on the CPU machine by scripts/prepare-gpu-check.sh into
# build/gpu-check/, the one folder to carry. Run from the repository root:
#
#   OUT=<folder> bash scripts/gpu-check.sh
#
# Steps, each under its own time limit, all inside GPU_CHECK_BUDGET_S (default 540 s):
#   1. the GPU tests: sto-cuda-selftest, StoCudaRuntimeTests (GoogleTest);
#   2. bitexact: every sampler and op that lowers for cuda, GPU against CPU, bit for bit;
#   3. bench_sto_gpu: sto's kernels at the peers' sizes, the device-to-device copy ceiling,
#      and every timed result checked bit for bit against the CPU at full size; then
#      bench_sto_gpu_NAME, compiler variants (--gpu-coarsen-reductions,
#      --gpu-interleave=false) on the workloads they change, and reduction_probe
#      (dp_aggregate's passes in other thread mappings), all apart;
#   4. the peers, in the same run: bench/gpu/peers/peers_torch.py, peers_torch2.py,
#      peers_jax.py (copies of ../shared/bench's scripts; PyTorch eager, torch.compile, JAX);
#   5. if budget is left, Nsight Compute's counters of every benchmark kernel
#      (bench/gpu/profile_kernels.sh: DRAM bytes, duration, launch shape, occupancy);
#   6. the table (bench/gpu/report_gpu.py), printed LAST.
# Under $OUT (default bench/out/gpu): gpu-check.log (every step's full output),
# results.jsonl (every JSON line), report.md (the checks and the tables), peers/*.jsonl,
# profile.csv (ncu's raw page).
#
# Environment: OUT, GPU_CHECK_DIR (default build/gpu-check), GPU_CHECK_BUDGET_S (540),
# GPU_CHECK_PEERS ("torch torch2 jax"; empty: sto alone), STO_BENCH_RUNS (20),
# STO_BENCH_WARMUP (3), STO_BENCH_ONLY, STO_GPU_VERIFY (1), GPU_CHECK_PROFILE (1; 0 skips
# step 5).
# Exit status: 0 when the GPU tests pass, every bit comparison is identical and every sto
# workload ran; 1 otherwise (a peer or the profile that fails does not fail the check).
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
gc=${GPU_CHECK_DIR:-$root/build/gpu-check}
out=${OUT:-$root/bench/out/gpu}
budget=${GPU_CHECK_BUDGET_S:-540}
peers=${GPU_CHECK_PEERS-torch torch2 jax}
start=$(date +%s)
mkdir -p "$out/peers"
log=$out/gpu-check.log
results=$out/results.jsonl
: > "$log"
: > "$results"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export PYTHONUNBUFFERED=1
failed=()

jline() { printf '%s\n' "$1" >> "$results"; }
meta() { jline "{\"meta\": \"$1\", \"value\": \"$(printf '%s' "$2" | tr -d '"\\' | tr '\n' ' ')\"}"; }

# step NAME LIMIT_S SHOW CMD...: runs CMD with a time limit (cut to what the budget has
# left), its output to the log and its JSON lines to results.jsonl; prints a short summary
# (SHOW: "tail" its last non-JSON lines, "json" its JSON lines, "none").
step() {
  local name=$1 limit=$2 show=$3
  shift 3
  local now left t0 rc
  now=$(date +%s)
  left=$((budget - (now - start) - 10))
  if [ "$left" -lt 15 ]; then
    echo "== $name: SKIPPED (the time budget of ${budget}s is spent)"
    jline "{\"step\": \"$name\", \"result\": \"skipped\"}"
    failed+=("$name(skipped)")
    return
  fi
  [ "$limit" -gt "$left" ] && limit=$left
  echo "== $name (limit ${limit}s): $*" | tee -a "$log"
  t0=$(date +%s)
  timeout -k 5 "$limit" "$@" > "$tmp/$name.out" 2>&1
  rc=$?
  cat "$tmp/$name.out" >> "$log"
  grep '^{' "$tmp/$name.out" >> "$results"
  case $show in
    tail) grep -v '^{' "$tmp/$name.out" | tail -n 25 ;;
    json) grep '^{' "$tmp/$name.out" | cut -c1-200 | tail -n 40 ;;
  esac
  local secs=$(( $(date +%s) - t0 ))
  local result=PASS
  [ "$rc" = 0 ] || result=FAIL
  [ "$rc" = 124 ] || [ "$rc" = 137 ] && result=TIMEOUT
  echo "== $name: $result (exit $rc, ${secs}s)" | tee -a "$log"
  jline "{\"step\": \"$name\", \"result\": \"$result\", \"rc\": $rc, \"seconds\": $secs}"
  [ "$result" = PASS ] || failed+=("$name")
}

echo "== gpu-check: $(date -u +%FT%TZ), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git status --porcelain 2>/dev/null | grep -q . && echo ' + uncommitted changes'), budget ${budget}s, OUT=$out"
meta commit "$(git rev-parse HEAD 2>/dev/null || echo unknown)$(git status --porcelain 2>/dev/null | grep -q . && echo ' (working tree has uncommitted changes)')"
meta build_commit "$(cat "$gc/commit.txt" 2>/dev/null || echo unknown)"
chmod +x "$gc"/bin/* 2>/dev/null
if [ ! -x "$gc/bin/bench_sto_gpu" ]; then
  echo "gpu-check: $gc/bin/bench_sto_gpu is missing: run scripts/prepare-gpu-check.sh on the" \
    "CPU machine and carry build/gpu-check" >&2
  exit 1
fi
smi() { command -v nvidia-smi >/dev/null && nvidia-smi "$@" 2>&1 | head -1 || echo "no nvidia-smi"; }
gpuinfo=$(smi --query-gpu=name,driver_version,memory.total,clocks.sm,clocks.max.sm,clocks.mem,temperature.gpu,power.draw --format=csv,noheader)
echo "== GPU: $gpuinfo"
meta gpu "$gpuinfo"
meta host "$(uname -r), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
meta python "$(python3 -c 'import sys; print(sys.version.split()[0])' 2>&1)"

step selftest 60 tail "$gc/bin/sto-cuda-selftest"
step runtime-tests 120 tail "$gc/bin/StoCudaRuntimeTests" --gtest_brief=1
step bitexact 150 tail "$gc/bin/bitexact" --quiet
step bench-sto 240 tail "$gc/bin/bench_sto_gpu"
# Compiler variants on the workloads they change, beside the default build
# (the report lists them apart; not part of the check's verdict).
variant() {
  local name=$1 only=$2
  [ -x "$gc/bin/bench_sto_gpu_$name" ] || return 0
  step "bench-variant-$name" 120 json env STO_BENCH_IMPL="sto-cuda-$name" \
    STO_BENCH_ONLY="$only" "$gc/bin/bench_sto_gpu_$name"
}
variant coarsened-reductions dp_aggregate,dp_aggregate_op,moe_dispatch_combine
variant no-interleave topk_gate_noisy_e64_k2,topk_gate_sigmoid_e256_k8,moe_gate_noisy_e64_k2,moe_gate_sigmoid_e256_k8
# dp_aggregate's two passes in other thread mappings (not part of the check).
if [ -x "$gc/bin/reduction_probe" ] && [ "${GPU_CHECK_PROBE:-1}" != 0 ]; then
  step probe 60 json "$gc/bin/reduction_probe"
fi

for p in $peers; do
  case $p in
    torch) script=peers_torch.py lim=180 ;;
    torch2) script=peers_torch2.py lim=150 ;;
    jax) script=peers_jax.py lim=180 ;;
    *) echo "gpu-check: unknown peer $p" >&2; continue ;;
  esac
  rm -f "$out/peers/${script%.py}.jsonl"
  step "peers-$p" "$lim" json env OUT="$out/peers" python3 "$root/bench/gpu/peers/$script"
done

# The counters last: they explain the table, they are not part of it.
if [ "${GPU_CHECK_PROFILE:-1}" != 0 ]; then
  rm -f "$out/profile.csv"
  step profile 150 tail bash "$root/bench/gpu/profile_kernels.sh" "$gc/bin/bench_sto_gpu" \
    "$out/profile.csv"
fi

meta gpu_after "$(smi --query-gpu=clocks.sm,clocks.mem,temperature.gpu,power.draw --format=csv,noheader)"
total=$(( $(date +%s) - start ))
ok=1
for f in "${failed[@]+"${failed[@]}"}"; do
  case $f in peers-* | probe | bench-variant-* | profile | profile\(skipped\)) ;; *) ok=0 ;; esac
done
echo "== gpu-check: ${total}s; failed steps: ${failed[*]:-none}; full log $log"
echo
python3 "$root/bench/gpu/report_gpu.py" "$results" --profile "$out/profile.csv" \
  > "$out/report.md" 2>&1
cat "$out/report.md"
[ "$ok" = 1 ]
