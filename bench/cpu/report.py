"""Turns the JSON lines of one run of bench_sto and peers_cpu.py into the benchmark table.

Usage: python3 report.py results.jsonl   (run.sh calls it; any JSON lines will do)

For each workload: the GB/s of sto and of each peer, sto as a fraction of the memcpy ceiling
(the fastest of the copies of the same run: memcpy on one thread, memcpy
on every thread, a plain OpenMP copy loop), and sto's speedup
over each peer (peer seconds / sto seconds; the bytes are the same). The targets of issue 3:
at least 0.8x the ceiling, and faster than every peer.
"""
import json
import sys

WORKLOADS = [
    ("noise_add", "noise_add y = x + 0.25·N(0,1), 2^24"),
    ("dropout_bias_gelu", "gelu(dropout(x + b)), 1024×8192"),
    ("langevin_swa", "Langevin step + SWA, 2^23"),
    ("spsa_perturb", "SPSA perturbation from a seed, 2^23"),
    ("stochastic_binary", "stochastic binary 1[u < σ(a)], 2^24"),
    ("dp_aggregate", "DP aggregate, 256 × 2^16"),
]
PEERS = ["torch-eager", "torch-compile", "jax-threefry2x32", "jax-rbg"]
TARGET = 0.8


def main(path):
    res, errors, meta = {}, {}, []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line.startswith("{"):
                continue
            try:
                r = json.loads(line)
            except json.JSONDecodeError:
                continue
            if "meta" in r:
                meta.append((r["meta"], r["value"]))
            elif "error" in r:
                errors[(r.get("impl"), r.get("workload"))] = r["error"]
            elif "seconds" in r:
                res[(r["impl"], r["workload"])] = r

    copies = [res[k] for k in [("memcpy", "copy"), ("memcpy-omp", "copy"),
                               ("copy-loop-omp", "copy")] if k in res]
    ceiling = max((c["gbps"] for c in copies), default=None)

    out = []
    for k, v in meta:
        out.append(f"{k}: {v}")
    for c in copies:
        out.append(f"ceiling candidate {c['impl']}: {c['gbps']:.2f} GB/s "
                   f"(copy of 2^24 f32, {c['seconds'] * 1e3:.2f} ms)")
    if ceiling:
        out.append(f"memcpy ceiling (the fastest copy): {ceiling:.2f} GB/s")
    for (i, w), e in sorted(errors.items(), key=lambda kv: (str(kv[0][0]), str(kv[0][1]))):
        out.append(f"no result for {i} / {w}: {e}")
    out.append("")
    out.append("GB/s (higher is better); in parentheses sto's speedup over that peer (peer "
               "time / sto time); 'sto / ceiling' is sto's GB/s over the memcpy ceiling.")
    out.append("")

    peers_present = [p for p in PEERS if any(i == p for (i, _w) in list(res) + list(errors))]
    head = ["workload", "sto GB/s", "sto / ceiling"]
    head += [f"{p} GB/s (sto ×)" for p in peers_present]
    head += ["targets (≥0.8 ceiling, beats all)"]
    rows = []
    for w, title in WORKLOADS:
        s = res.get(("sto", w))
        row = [title]
        if s:
            row.append(f"{s['gbps']:.2f}")
            row.append(f"{s['gbps'] / ceiling:.2f}" if ceiling else "-")
        else:
            row += [("error" if ("sto", w) in errors else "-"), "-"]
        beats_all, any_peer = True, False
        for p in peers_present:
            r = res.get((p, w))
            if r:
                any_peer = True
                cell = f"{r['gbps']:.3g}"
                if s:
                    sp = r["seconds"] / s["seconds"]
                    cell += f" ({sp:.1f}×)"
                    beats_all &= sp > 1.0
                row.append(cell)
            else:
                row.append("error" if (p, w) in errors else "-")
        if s and ceiling:
            frac_ok = s["gbps"] / ceiling >= TARGET
            verdict = ("met" if frac_ok and beats_all and any_peer else
                       ", ".join(x for x in [None if frac_ok else "below 0.8 ceiling",
                                             None if beats_all else "slower than a peer"] if x)
                       or "met (no peer measured)")
            row.append(verdict)
        else:
            row.append("-")
        rows.append(row)

    out.append("| " + " | ".join(head) + " |")
    out.append("|" + "|".join("---" for _ in head) + "|")
    for row in rows:
        out.append("| " + " | ".join(row) + " |")
    print("\n".join(out))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: report.py results.jsonl")
    main(sys.argv[1])
