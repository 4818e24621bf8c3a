#!/usr/bin/env bash
# Per-kernel counters of sto's benchmark workloads, read with Nsight Compute on the GPU
# machine (scripts/gpu-check.sh runs this after the timings and the peers, if budget is
# left). They explain a time against the copy ceiling: the bytes each kernel moved through
# DRAM, its duration, launch shape, registers, achieved occupancy and throughputs.
#
#   bash bench/gpu/profile_kernels.sh BENCH_STO_GPU OUT_CSV
#
# BENCH_STO_GPU runs with STO_BENCH_PROFILE=1: one untimed call per workload, so each kernel
# is profiled once, in launch order. Every kernel of one compiled function has the same
# entry name (__sto_impl_gpu_<function>_kernel as sto-compile builds it; gpu_<function>_kernel
# from sto-opt's pipeline), so a kernel is told apart by its place in that order
# (report_gpu.py numbers them). The clocks are left alone (--clock-control none, as
# METHOD.md asks), so durations are those of the card as it runs; the counters are exact.
#
# Environment: NCU (the ncu binary; default: PATH, then the CUDA and Nsight Compute
# folders), STO_BENCH_ONLY (default: every workload but the copy).
# Exit status: 0 with OUT_CSV written; 3 when no ncu is found; else ncu's failure.
set -uo pipefail
bench=$1
csv=$2

ncu=${NCU:-}
if [ -z "$ncu" ]; then
  for c in "$(command -v ncu 2>/dev/null)" /usr/local/cuda/bin/ncu /usr/local/cuda-*/bin/ncu \
    /opt/nvidia/nsight-compute/*/ncu; do
    if [ -n "$c" ] && [ -x "$c" ]; then
      ncu=$c
      break
    fi
  done
fi
if [ -z "$ncu" ]; then
  echo "profile_kernels: no ncu (Nsight Compute) on this machine" >&2
  exit 3
fi
echo "profile_kernels: $ncu ($("$ncu" --version 2>&1 | tail -n 1))"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
only=${STO_BENCH_ONLY:-neg,noise_add,randn,dropout_bias_gelu,langevin_swa,spsa_perturb,stochastic_binary,dp_aggregate,dp_aggregate_op,topk_gate_noisy_e64_k2,topk_gate_sigmoid_e256_k8,moe_gate_noisy_e64_k2,moe_gate_sigmoid_e256_k8,moe_dispatch_combine}

# The metrics: the DRAM bytes and the duration first (they alone make the case for a
# memory-bound kernel); a smaller set is tried if the full one is refused.
full=gpu__time_duration.sum,dram__bytes_read.sum,dram__bytes_write.sum,launch__grid_size,launch__block_size,launch__registers_per_thread,sm__warps_active.avg.pct_of_peak_sustained_active,sm__throughput.avg.pct_of_peak_sustained_elapsed,gpu__compute_memory_throughput.avg.pct_of_peak_sustained_elapsed,dram__throughput.avg.pct_of_peak_sustained_elapsed,smsp__inst_executed.sum
small=gpu__time_duration.sum,dram__bytes_read.sum,dram__bytes_write.sum,launch__grid_size,launch__block_size,launch__registers_per_thread

collect() {
  "$ncu" --clock-control none --target-processes all -k 'regex:^(__sto_impl_)?gpu_' --metrics "$1" \
    -f -o "$tmp/prof" env STO_BENCH_PROFILE=1 STO_BENCH_ONLY="$only" "$bench" \
    > "$tmp/collect.log" 2>&1
}
# ncu exits with the program's status; a report is kept even when one workload failed.
collect "$full"
rc=$?
if [ ! -s "$tmp/prof.ncu-rep" ]; then
  tail -n 15 "$tmp/collect.log"
  echo "profile_kernels: no report with the full metric set (exit $rc); trying: $small"
  collect "$small"
  rc=$?
  if [ ! -s "$tmp/prof.ncu-rep" ]; then
    tail -n 30 "$tmp/collect.log"
    echo "profile_kernels: collection failed (exit $rc)" >&2
    exit 1
  fi
fi
[ "$rc" = 0 ] || { tail -n 15 "$tmp/collect.log"; echo "profile_kernels: exit $rc, report kept"; }
grep -c '^==PROF== Profiling' "$tmp/collect.log" | sed 's/^/profile_kernels: kernels profiled: /'
grep -E '^==(ERROR|WARNING)==' "$tmp/collect.log" | sort | uniq -c | head -n 10
"$ncu" -i "$tmp/prof.ncu-rep" --csv --page raw --print-units base > "$csv" 2> "$tmp/import.log"
rc=$?
if [ "$rc" != 0 ] || [ ! -s "$csv" ]; then
  cat "$tmp/import.log"
  echo "profile_kernels: ncu --import failed (exit $rc)" >&2
  exit 1
fi
echo "profile_kernels: $(($(wc -l < "$csv") - 2)) kernel rows in $csv"
