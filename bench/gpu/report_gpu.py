#!/usr/bin/env python3
"""The table of the device check: sto's CUDA kernels beside the copy ceiling and the peers.

Usage: python3 report_gpu.py results.jsonl [more.jsonl ...] [--profile profile.csv]
(scripts/gpu-check.sh calls it)

Reads every JSON line of the run (bench_sto_gpu, bitexact, the peer scripts, the steps of
gpu-check.sh) and prints, in this order, the checks (GPU tests, bit comparison, full-size
verification of the timed results), then the table of the elementwise workloads, LAST:

  workload | sto GB/s | sto / copy | target | torch-eager | torch.compile | JAX threefry |
  JAX rbg | best peer × | bits = CPU

"sto / copy" is sto's GB/s over the device-to-device copy (sto_cuda_memcpy of 2^28 f32)
measured in the same run; a peer cell is the peer's GB/s and, in parentheses, sto's speedup
over it (peer ms / sto ms: the bytes counted are the same). Targets (issue 4): noise_add
≥ 0.85, Langevin + SWA ≥ 0.9, gelu(dropout(x + b)) ≥ 0.8, stochastic binary ≥ 0.85, SPSA
≥ 0.85 of the copy; DP aggregate at least torch.compile's speed.

With --profile (Nsight Compute's raw page as CSV, from bench/gpu/profile_kernels.sh), a
table of every kernel of every workload comes before the main table: launch shape,
registers, duration, the bytes it moved through DRAM and their rate against the copy
ceiling, achieved occupancy and throughputs, and per workload the sum of its kernels'
durations against the timed call (the rest is launch gaps and host work).
"""
import csv
import json
import re
import sys

# (sto workload, peer workload, title, target: ("copy", fraction) | ("peer", system) | None)
ROWS = [
    ("copy", "copy_2^28_f32", "device-to-device copy, 2^28 f32 (the ceiling)", None),
    ("neg", None, "sto y = -x, 2^28 f32 (no RNG: sto's kernel ceiling)", None),
    ("noise_add", "noise_add_2^28_f32", "noise_add x + 0.25·N(0,1), 2^28", ("copy", 0.85)),
    ("randn", "randn_2^28_f32", "randn, 2^28 (write only)", None),
    ("dropout_bias_gelu", "dropout_bias_gelu_16384x8192", "gelu(dropout(x + b)), 16384×8192",
     ("copy", 0.8)),
    ("langevin_swa", "langevin_swa_2^27_f32", "Langevin step + SWA, 2^27", ("copy", 0.9)),
    ("spsa_perturb", "spsa_perturb_2^27_f32", "SPSA perturbation from a seed, 2^27",
     ("copy", 0.85)),
    ("stochastic_binary", "stochastic_binary_2^28_f32", "stochastic binary 1[u < σ(a)], 2^28",
     ("copy", 0.85)),
    ("dp_aggregate", "dp_aggregate_256x2^20", "DP aggregate 256 × 2^20 (composed, 5 calls)",
     ("peer", "torch-compile")),
    ("dp_aggregate_op", "dp_aggregate_256x2^20", "DP aggregate 256 × 2^20 (sto.dp_aggregate)",
     ("peer", "torch-compile")),
]
GATES = [
    ("moe_gate_noisy_e64_k2", "noisy_topk_gate_65536x64_k2",
     "noisy top-2 of 64 + load + bias update, 65536 tokens (target ≤ 0.050 ms)"),
    ("moe_gate_sigmoid_e256_k8", "sigmoid_topk_gate_65536x256_k8",
     "sigmoid top-8 of 256 + load + bias update, 65536 tokens (target ≤ 0.100 ms)"),
    ("moe_dispatch_combine", "dispatch_combine_65536x1024_e64_k2",
     "dispatch + combine, 65536×1024, 64 experts, k = 2, CF 1.25 (target ≤ 1.5 ms)"),
    ("topk_gate_noisy_e64_k2", "noisy_topk_gate_65536x64_k2",
     "(the noisy gate alone)"),
    ("topk_gate_sigmoid_e256_k8", "sigmoid_topk_gate_65536x256_k8",
     "(the sigmoid gate alone)"),
]
PEERS = [("torch-eager", "torch-eager"), ("torch-compile", "torch.compile"),
         ("jax-threefry2x32", "JAX threefry"), ("jax-rbg", "JAX rbg")]


def load(paths):
    recs = []
    for path in paths:
        try:
            f = open(path, errors="replace")
        except OSError:
            continue
        with f:
            for line in f:
                line = line.strip()
                if not line.startswith("{"):
                    continue
                try:
                    recs.append(json.loads(line))
                except json.JSONDecodeError:
                    pass
    return recs


# ncu metric -> short column name; values are scaled to ns, bytes and percent.
PROFILE_METRICS = {
    "gpu__time_duration.sum": "ns",
    "dram__bytes_read.sum": "read",
    "dram__bytes_write.sum": "write",
    "launch__grid_size": "grid",
    "launch__block_size": "block",
    "launch__registers_per_thread": "regs",
    "sm__warps_active.avg.pct_of_peak_sustained_active": "occupancy",
    "sm__throughput.avg.pct_of_peak_sustained_elapsed": "sm",
    "gpu__compute_memory_throughput.avg.pct_of_peak_sustained_elapsed": "mem",
    "dram__throughput.avg.pct_of_peak_sustained_elapsed": "dram",
    "smsp__inst_executed.sum": "inst",
}
UNIT_SCALE = {"nsecond": 1.0, "ns": 1.0, "usecond": 1e3, "us": 1e3, "msecond": 1e6,
              "ms": 1e6, "second": 1e9, "s": 1e9, "byte": 1.0, "Kbyte": 1e3,
              "Mbyte": 1e6, "Gbyte": 1e9, "Tbyte": 1e12, "KB": 1e3, "MB": 1e6, "GB": 1e9}


def number(text):
    """A metric value of ncu's CSV ('1,234.5', 'n/a', '') as a float, or None."""
    text = (text or "").replace(",", "").strip()
    try:
        return float(text)
    except ValueError:
        return None


def load_profile(path):
    """The kernel launches of ncu's raw CSV page, in launch order: a list of dicts with
    'kernel' and the short names of PROFILE_METRICS (scaled), or an error string."""
    try:
        with open(path, newline="", errors="replace") as f:
            lines = f.read().splitlines()
    except OSError as e:
        return f"no profile ({e.strerror}: {path})"
    start = next((i for i, line in enumerate(lines) if '"Kernel Name"' in line
                  or line.startswith("Kernel Name") or ",Kernel Name," in line), None)
    if start is None:
        return f"no profile: {path} is not an Nsight Compute raw CSV page"
    rows = list(csv.reader(lines[start:]))
    head = rows[0]
    col = {name: i for i, name in enumerate(head)}
    units = {}
    body = rows[1:]
    if body and (len(body[0]) <= col["Kernel Name"] or not body[0][col["Kernel Name"]]):
        units = {name: body[0][i] for name, i in col.items() if i < len(body[0])}
        body = body[1:]
    launches = []
    for r in body:
        if len(r) <= col["Kernel Name"] or not r[col["Kernel Name"]]:
            continue
        k = {"kernel": r[col["Kernel Name"]], "id": r[col["ID"]] if "ID" in col else ""}
        for metric, short in PROFILE_METRICS.items():
            if metric in col and col[metric] < len(r):
                v = number(r[col[metric]])
                if v is not None:
                    v *= UNIT_SCALE.get(units.get(metric, ""), 1.0)
                k[short] = v
        launches.append(k)
    if not launches:
        return f"no profile: no kernel rows in {path}"
    return launches


def profile_lines(launches, sto, ceiling):
    """The per-kernel table, grouped by compiled function in launch order."""
    out = ["", "Kernels (Nsight Compute, one untimed call per workload, clocks as the card "
           "runs): DRAM MB read / written, their rate, and that rate over the copy ceiling; "
           "occupancy = achieved active warps, SM / memory = throughput of peak.", ""]
    head = ["function", "#", "grid × block", "regs", "µs", "DRAM MB r / w", "DRAM GB/s",
            "/ copy", "occupancy %", "SM %", "memory %"]
    out.append("| " + " | ".join(head) + " |")
    out.append("|" + "---|" * len(head))
    groups = {}
    order = []
    for k in launches:
        m = re.match(r"^(?:__sto_impl_)?gpu_(.*)_kernel(?:_\d+)?$", k["kernel"])
        fn = m.group(1) if m else k["kernel"]
        if fn not in groups:
            groups[fn] = []
            order.append(fn)
        groups[fn].append(k)

    def f(v, spec):
        return format(v, spec) if isinstance(v, float) else "-"

    totals = []
    for fn in order:
        total_ns = 0.0
        for i, k in enumerate(groups[fn], 1):
            ns = k.get("ns")
            rd, wr = k.get("read"), k.get("write")
            rate = (rd + wr) / ns if ns and rd is not None and wr is not None else None
            total_ns += ns or 0.0
            shape = (f"{k['grid']:.0f} × {k['block']:.0f}"
                     if k.get("grid") is not None and k.get("block") is not None else "-")
            out.append("| " + " | ".join([
                fn, str(i), shape, f(k.get("regs"), ".0f"),
                f(ns / 1e3 if ns is not None else None, ".1f"),
                (f"{rd / 1e6:.1f} / {wr / 1e6:.1f}" if rd is not None and wr is not None
                 else "-"),
                f(rate, ".0f"), f(rate / ceiling if rate and ceiling else None, ".2f"),
                f(k.get("occupancy"), ".0f"), f(k.get("sm"), ".0f"), f(k.get("mem"), ".0f"),
            ]) + " |")
        totals.append((fn, len(groups[fn]), total_ns))
    out.append("")
    out.append("Per function: kernels, the sum of their durations, and the timed call "
               "(CUDA events median) where the function is a timed workload:")
    for fn, n, ns in totals:
        s = sto.get(fn)
        timed = f", timed call {s['ms'] * 1e3:.1f} µs" if s and "ms" in s else ""
        out.append(f"  {fn}: {n} kernel{'s' if n != 1 else ''}, {ns / 1e3:.1f} µs{timed}")
    return out


def fmt_gbps(v):
    return f"{v:.0f}" if v >= 100 else f"{v:.1f}"


def main(args):
    profile = None
    paths = []
    it = iter(args)
    for a in it:
        if a == "--profile":
            profile = next(it, None)
        else:
            paths.append(a)
    recs = load(paths)
    sto, peers, verify, bitexact, steps, meta, errors = {}, {}, {}, [], [], [], []
    summary = None
    variants = {}
    for r in recs:
        if "step" in r:
            steps.append(r)
        elif "meta" in r:
            meta.append(r)
        elif "bitexact_summary" in r:
            summary = r
        elif "bitexact" in r:
            bitexact.append(r)
        elif "verify" in r and r.get("impl", "sto-cuda") != "sto-cuda":
            variants.setdefault(r["impl"], {}).setdefault(
                r["verify"], {}).setdefault("verify", []).append(r)
        elif "verify" in r:
            verify.setdefault(r["verify"], []).append(r)
        elif str(r.get("impl", "")).startswith("sto-cuda-") and "workload" in r:
            variants.setdefault(r["impl"], {}).setdefault(r["workload"], {})["run"] = r
        elif r.get("impl") in ("sto-cuda", "sto_cuda_memcpy"):
            if "ms" in r:
                sto[r["workload"]] = r
            elif "error" in r:
                errors.append(f"sto {r.get('workload', '')}: {r['error']}")
        elif "system" in r and "workload" in r:
            if "ms" in r:
                peers[(r["workload"], r["system"])] = r
            elif "error" in r:
                errors.append(f"{r['system']} {r['workload']}: {r['error']}")

    out = []
    for m in meta:
        out.append(f"{m['meta']}: {m['value']}")
    if steps:
        out.append("")
        out.append("steps: " + ", ".join(
            f"{s['step']} {s.get('result', '?')}"
            + (f" (rc {s['rc']})" if s.get("rc") not in (0, None) else "")
            + (f" {s['seconds']:.0f} s" if "seconds" in s else "") for s in steps))

    # The bit comparison of every sampler and op (bitexact).
    out.append("")
    if summary:
        kern = [b for b in bitexact if not b.get("host_loop")]
        host = [b for b in bitexact if b.get("host_loop")]
        bad = [b for b in kern if b.get("status") not in ("ok", "cpu-only")]
        out.append(f"bit comparison GPU vs CPU (bitexact): {summary['functions']} functions "
                   f"with kernels, {summary['outputs']} outputs, "
                   f"{summary['mismatched_outputs']} differ, {summary['failures']} failed calls"
                   + ("" if summary.get("gpu") else " -- NO GPU: CPU half only"))
        for b in bad:
            out.append(f"  {b['status']} {b['bitexact']} {b['output']} {b.get('dtype', '')}: "
                       f"{b.get('mismatches', '?')} of {b.get('n', '?')} differ, "
                       f"max {b.get('max_ulp', '?')} ulp"
                       + (f", {b['nan_vs_number']} NaN against a number"
                          if b.get("nan_vs_number") else ""))
        ulps = sorted({b.get("max_ulp", 0) for b in kern if b.get("mismatches")})
        if ulps:
            out.append(f"  max ulp among the differing outputs: {', '.join(map(str, ulps))}")
        for b in kern:
            if b.get("nan_payload_differs"):
                out.append(f"  note {b['bitexact']} {b['output']}: {b['nan_payload_differs']} "
                           "NaNs with other payloads (counted as equal)")
        if summary.get("host_loop_functions"):
            ends = {}
            for b in host:
                if b.get("output") == "":
                    key = b["status"] + (f" (signal {b['signal']})" if b.get("signal") else "")
                    ends.setdefault(key, []).append(b["bitexact"])
            out.append(f"host-loop functions (KNOWN_GAPS.md §2), one child process each: "
                       f"{summary['host_loop_functions']}: "
                       + ", ".join(f"{k} {len(v)}" for k, v in sorted(ends.items())))
            for k, v in sorted(ends.items()):
                if not k.startswith("host-loop-crashed"):
                    out.append(f"  {k}: {' '.join(v)}")
            for b in host:
                if b.get("output") and b.get("status") not in ("ok", "cpu-only"):
                    out.append(f"  host-loop {b['bitexact']} {b['output']}: "
                               f"{b.get('mismatches', '?')} of {b.get('n', '?')} differ")
    else:
        out.append("bit comparison GPU vs CPU (bitexact): no result")

    # Full-size verification of the timed results.
    vbad = [(w, v) for w, vs in verify.items() for v in vs if v.get("mismatches")]
    nv = sum(len(vs) for vs in verify.values())
    out.append(f"timed results vs the CPU, full size: {nv} outputs compared, "
               f"{len(vbad)} differ")
    for w, v in vbad:
        out.append(f"  {w} {v['output']}: {v['mismatches']} of {v['n']} differ, "
                   f"max {v['max_ulp']} ulp")
    for e in errors:
        out.append(f"no result: {e}")

    copy = sto.get("copy")
    ceiling = copy["gbps"] if copy else None
    present = [(s, t) for s, t in PEERS if any(k[1] == s for k in peers)]

    def bits(w):
        vs = verify.get(w)
        if not vs:
            return "-"
        return "yes" if all(v.get("mismatches") == 0 for v in vs) else "NO"

    head = ["workload", "sto GB/s", "sto / copy", "target"]
    head += [f"{t} GB/s (sto ×)" for _s, t in present]
    head += ["sto × fastest peer", "bits = CPU"]
    rows = []
    for w, pw, title, target in ROWS:
        s = sto.get(w)
        row = [title]
        row.append(fmt_gbps(s["gbps"]) if s else "-")
        frac = s["gbps"] / ceiling if s and ceiling else None
        row.append(f"{frac:.2f}" if frac is not None else "-")
        speedups = []
        cells = []
        for sysname, _t in present:
            p = peers.get((pw, sysname)) if pw else None
            if w == "copy" and pw:
                p = peers.get((pw, "torch")) if sysname == "torch-eager" else None
            if p and s and w != "copy":
                x = p["ms"] / s["ms"]
                speedups.append((x, sysname))
                cells.append(f"{fmt_gbps(p['GBps'])} ({x:.2f}×)" if "GBps" in p
                             else f"{p['ms']:.3f} ms ({x:.2f}×)")
            elif p:
                cells.append(fmt_gbps(p["GBps"]) if "GBps" in p else f"{p['ms']:.3f} ms")
            else:
                cells.append("-")
        if target is None:
            row.append("-")
        elif target[0] == "copy":
            ok = frac is not None and frac >= target[1]
            row.append(f"≥ {target[1]}: " + ("met" if ok else "MISSED" if frac else "?"))
        else:
            p = peers.get((pw, target[1]))
            if p and s:
                x = p["ms"] / s["ms"]
                row.append(f"≥ {target[1]}: " + ("met" if x >= 1 else "MISSED"))
            else:
                row.append(f"≥ {target[1]}: ?")
        row += cells
        row.append(f"{min(speedups)[0]:.2f}×" if speedups else "-")
        row.append(bits(w) if w not in ("copy",) else "-")
        rows.append(row)

    gates = []
    for w, pw, title in GATES:
        s = sto.get(w)
        row = [title, f"{s['ms']:.3f}" if s else "-"]
        for sysname, _t in present:
            p = peers.get((pw, sysname))
            row.append(f"{p['ms']:.3f}" if p else "-")
        row.append(bits(w))
        gates.append(row)

    out.append("")
    out.append("MoE, ms (lower is better): the peers' whole workloads (gate + load + bias "
               "update; dispatch + combine), then the gates alone for reference (the peers' "
               "column is then their whole workload).")
    out.append("")
    ghead = ["workload", "sto ms"] + [f"{t} ms" for _s, t in present] + ["bits = CPU"]
    out.append("| " + " | ".join(ghead) + " |")
    out.append("|" + "---|" * len(ghead))
    for r in gates:
        out.append("| " + " | ".join(r) + " |")

    if profile:
        launches = load_profile(profile)
        if isinstance(launches, str):
            out.append("")
            out.append(launches)
        else:
            out += profile_lines(launches, sto, ceiling)

    out.append("")
    out.append("sto, every timed call (CUDA events median [min-max], the host's time to "
               "enqueue it, then the median of synchronous calls on the wall clock):")
    for w, r in sto.items():
        enqueue = (f", enqueue {r['enqueue_ms'] * 1000:.1f} us" if "enqueue_ms" in r else "")
        out.append(f"  {w}: {r['ms']:.4f} ms [{r.get('min_ms', float('nan')):.4f}-"
                   f"{r.get('max_ms', float('nan')):.4f}]{enqueue}, wall "
                   f"{r.get('wall_ms', float('nan')):.4f}"
                   f" ms, {fmt_gbps(r['gbps'])} GB/s" + (f" ({r['note']})" if r.get("note") else ""))
    for impl, runs in variants.items():
        out.append("")
        out.append(f"Variant {impl} (the same workloads compiled with other options; "
                   "not in the tables): ms against the default build's, bits against the CPU")
        for w, v in runs.items():
            run, base = v.get("run"), sto.get(w)
            checks = v.get("verify", [])
            bits = ("-" if not checks else
                    "yes" if all(c.get("mismatches", 1) == 0 for c in checks) else "NO")
            if run and "ms" in run:
                ratio = (f", {base['ms'] / run['ms']:.2f}x the default"
                         if base and run["ms"] > 0 else "")
                out.append(f"  {w}: {run['ms']:.4f} ms, {fmt_gbps(run['gbps'])} GB/s"
                           f"{ratio}; bits = CPU: {bits}")
            else:
                out.append(f"  {w}: not measured ({run.get('error', 'no result') if run else 'no result'}); "
                           f"bits = CPU: {bits}")
    out.append("")
    if copy:
        out.append(f"copy ceiling: sto_cuda_memcpy device to device, 2^28 f32: "
                   f"{copy['gbps']:.0f} GB/s ({copy['ms']:.4f} ms, read + write counted)")
    out.append("GB/s counts each input read once and each output written once; "
               "(sto ×) = peer ms / sto ms; sto times: median of CUDA-event timings "
               "of 20 calls after 3 warm-ups, like the peers.")
    out.append("")
    out.append("| " + " | ".join(head) + " |")
    out.append("|" + "---|" * len(head))
    for r in rows:
        out.append("| " + " | ".join(r) + " |")
    print("\n".join(out))


if __name__ == "__main__":
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    main(sys.argv[1:])
