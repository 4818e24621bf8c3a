"""The peers on the CPU: PyTorch eager, torch.compile (Inductor's C++ backend) and JAX (jit,
with the threefry2x32 and the rbg PRNG) on the six elementwise workloads of
../../../shared/bench (peers_torch.py, peers_torch2.py, peers_jax.py): the same math, f32, and
the CPU sizes of workloads.mlir (the GPU sizes divided by 16).

Usage: python3 peers_cpu.py [torch] [jax]      (default: both, torch first)

Prints one JSON line per result, as bench_sto does:
  {"impl": "torch-eager", "workload": "noise_add", "seconds": ..., "bytes": ..., "gbps": ...}
seconds is the median of RUNS timed calls after WARMUP untimed ones (time.perf_counter; JAX
results are waited for with block_until_ready); bytes is the fewest bytes the workload must
move, as ../../../shared/bench/README.md counts them. A result that could not be measured
gives {"impl": ..., "workload": ..., "error": "..."} instead, and the others go on.

Threads: torch.set_num_threads(THREADS) (THREADS from OMP_NUM_THREADS, default 2). XLA's CPU
client sizes its thread pool from the CPU affinity mask, so run.sh pins this process to
THREADS cores with taskset when the machine has more.
Environment: STO_BENCH_RUNS (default 15), STO_BENCH_WARMUP (default 3), STO_BENCH_ONLY (a
comma-separated list of workloads).
"""
import json
import math
import os
import sys
import time

THREADS = int(os.environ.get("OMP_NUM_THREADS", "2"))
RUNS = int(os.environ.get("STO_BENCH_RUNS", "15"))
WARMUP = int(os.environ.get("STO_BENCH_WARMUP", "3"))
ONLY = [w for w in os.environ.get("STO_BENCH_ONLY", "").split(",") if w]

# Sizes: those of workloads.mlir.
N = 1 << 24                    # noise_add, stochastic_binary
ROWS, COLS = 1024, 8192        # dropout_bias_gelu
P = 1 << 23                    # langevin_swa, spsa_perturb
B, D = 256, 1 << 16            # dp_aggregate
LR, BETA, COUNT = 1e-3, 1e4, 7.0   # Langevin: temperature 1/beta; SWA after COUNT iterates
EPS = 1e-3                     # SPSA perturbation scale
SEED = 1234

BYTES = {
    "noise_add": 8 * N,
    "dropout_bias_gelu": 8 * ROWS * COLS,
    "langevin_swa": 20 * P,
    "spsa_perturb": 8 * P,
    "stochastic_binary": 8 * N,
    "dp_aggregate": 4 * B * D,
    # Model code (no target): softmax over rows, the sum over the rows of 8192 x 1024.
    "softmax_rows": 8 * ROWS * COLS,
    "column_sum": 4 * 8192 * 1024 + 4 * 1024,
}


def emit(**r):
    print(json.dumps(r), flush=True)


def selected(name):
    return not ONLY or name in ONLY


def median_seconds(fn, sync=lambda r: r):
    for _ in range(WARMUP):
        sync(fn())
    ts = []
    for _ in range(RUNS):
        t = time.perf_counter()
        sync(fn())
        ts.append(time.perf_counter() - t)
    ts.sort()
    m = len(ts) // 2
    return ts[m] if len(ts) % 2 else 0.5 * (ts[m - 1] + ts[m])


def run(impl, workload, fn, sync=lambda r: r):
    if not selected(workload):
        return
    try:
        s = median_seconds(fn, sync)
        nb = BYTES[workload]
        emit(impl=impl, workload=workload, seconds=round(s, 7), bytes=nb,
             gbps=round(nb / s / 1e9, 4))
    except Exception as e:  # one failure must not lose the others
        emit(impl=impl, workload=workload, error=(type(e).__name__ + ": " + str(e))[:400])


def bench_torch():
    import torch
    import torch.nn.functional as F

    torch.set_num_threads(THREADS)
    print(f"# torch {torch.__version__}, {torch.get_num_threads()} threads",
          file=sys.stderr, flush=True)
    torch.manual_seed(0)

    # torch.compile on the CPU needs Inductor's C++ toolchain (a C++ compiler and the Python
    # headers). Probe it once on a tiny function; without it every torch-compile result says
    # why instead of crashing.
    compile_error = None
    try:
        probe = torch.compile(lambda t: t * 2 + torch.rand_like(t))
        probe(torch.ones(64))
    except Exception as e:
        compile_error = "torch.compile does not work here: " + (type(e).__name__ + ": " + str(e))[:300]

    def compiled(workload, make_fn):
        if not selected(workload):
            return
        if compile_error:
            emit(impl="torch-compile", workload=workload, error=compile_error)
            return
        run("torch-compile", workload, make_fn())

    # noise_add: y = x + 0.25 * N(0, 1)
    if selected("noise_add"):
        x = torch.randn(N)
        def noise(x):
            return x + 0.25 * torch.randn_like(x)
        run("torch-eager", "noise_add", lambda: noise(x))
        compiled("noise_add", lambda: (lambda c: (lambda: c(x)))(torch.compile(noise)))
        del x

    # gelu(dropout(x + b)), exact gelu
    if selected("dropout_bias_gelu"):
        X = torch.randn(ROWS, COLS)
        Bv = torch.randn(COLS)
        def dbg(X, Bv):
            return F.gelu(F.dropout(X + Bv, p=0.1, training=True))
        run("torch-eager", "dropout_bias_gelu", lambda: dbg(X, Bv))
        compiled("dropout_bias_gelu", lambda: (lambda c: (lambda: c(X, Bv)))(torch.compile(dbg)))
        del X, Bv

    # Langevin step + SWA running average (eager: in place, as peers_torch.py does)
    if selected("langevin_swa"):
        p = torch.randn(P)
        g = torch.randn(P)
        avg = p.clone()
        noise_std = math.sqrt(2 * LR / BETA)
        def langevin_swa_eager():
            p.add_(g, alpha=-LR).add_(torch.randn_like(p), alpha=noise_std)
            avg.add_(p - avg, alpha=1.0 / (COUNT + 1))
        run("torch-eager", "langevin_swa", langevin_swa_eager)
        def langevin_swa(p, g, avg):
            pn = p - LR * g + noise_std * torch.randn_like(p)
            return pn, avg + (pn - avg) / (COUNT + 1)
        compiled("langevin_swa", lambda: (lambda c: (lambda: c(p, g, avg)))(torch.compile(langevin_swa)))
        del p, g, avg

    # SPSA perturbation p + eps * z, z regenerated from a seed (eager: in place with a
    # reseeded generator, as peers_torch.py does; compiled: reseed, then p + eps * randn)
    if selected("spsa_perturb"):
        p = torch.randn(P)
        gen = torch.Generator()
        def mezo_perturb():
            gen.manual_seed(SEED)
            p.add_(torch.randn(p.shape, generator=gen), alpha=EPS)
        run("torch-eager", "spsa_perturb", mezo_perturb)
        def perturb(p):
            return p + EPS * torch.randn_like(p)
        def make():
            c = torch.compile(perturb)
            def f():
                torch.manual_seed(SEED)
                return c(p)
            return f
        compiled("spsa_perturb", make)
        del p

    # stochastic binary neurons 1[u < sigmoid(a)]
    if selected("stochastic_binary"):
        a = torch.randn(N)
        def sbn(a):
            pr = torch.sigmoid(a)
            return (torch.rand_like(pr) < pr).float()
        run("torch-eager", "stochastic_binary", lambda: sbn(a))
        compiled("stochastic_binary", lambda: (lambda c: (lambda: c(a)))(torch.compile(sbn)))
        del a

    # DP aggregate: clip per-sample grads to C, sum, add sigma C xi, divide by B
    if selected("dp_aggregate"):
        G = torch.randn(B, D)
        def dp_agg(G, C=1.0, sigma=1.0):
            n = G.norm(dim=1, keepdim=True)
            s = (G * torch.clamp(C / (n + 1e-6), max=1.0)).sum(0)
            return (s + sigma * C * torch.randn_like(s)) / G.shape[0]
        run("torch-eager", "dp_aggregate", lambda: dp_agg(G))
        compiled("dp_aggregate", lambda: (lambda c: (lambda: c(G)))(torch.compile(dp_agg)))
        del G

    # Model code: softmax over rows, a column sum.
    if selected("softmax_rows"):
        X = torch.randn(ROWS, COLS) * 3
        def softmax(X):
            return torch.softmax(X, dim=-1)
        run("torch-eager", "softmax_rows", lambda: softmax(X))
        compiled("softmax_rows", lambda: (lambda c: (lambda: c(X)))(torch.compile(softmax)))
        del X
    if selected("column_sum"):
        X = torch.randn(8192, 1024)
        def column_sum(X):
            return X.sum(0)
        run("torch-eager", "column_sum", lambda: column_sum(X))
        compiled("column_sum", lambda: (lambda c: (lambda: c(X)))(torch.compile(column_sum)))
        del X


def bench_jax():
    import jax
    import jax.numpy as jnp

    print(f"# jax {jax.__version__}, devices {jax.devices()}", file=sys.stderr, flush=True)
    sync = jax.block_until_ready
    for impl in ["threefry2x32", "rbg"]:
        name = "jax-" + impl
        try:
            jax.config.update("jax_default_prng_impl", impl)
            key = jax.random.key(0)
        except Exception as e:
            for w in BYTES:
                if selected(w):
                    emit(impl=name, workload=w, error=(type(e).__name__ + ": " + str(e))[:300])
            continue
        k_in = jax.random.key(1)

        if selected("noise_add"):
            x = jax.random.normal(k_in, (N,), jnp.float32)
            f = jax.jit(lambda k, x: x + 0.25 * jax.random.normal(k, x.shape, x.dtype))
            run(name, "noise_add", lambda: f(key, x), sync)
            del x

        if selected("dropout_bias_gelu"):
            X = jax.random.normal(k_in, (ROWS, COLS), jnp.float32)
            Bv = jax.random.normal(jax.random.fold_in(k_in, 1), (COLS,), jnp.float32)
            @jax.jit
            def dbg(k, X, Bv):
                h = X + Bv
                keep = jax.random.bernoulli(k, 0.9, h.shape)
                return jax.nn.gelu(jnp.where(keep, h / 0.9, 0.0), approximate=False)
            run(name, "dropout_bias_gelu", lambda: dbg(key, X, Bv), sync)
            del X, Bv

        if selected("langevin_swa"):
            p = jax.random.normal(k_in, (P,), jnp.float32)
            g = jax.random.normal(jax.random.fold_in(k_in, 1), (P,), jnp.float32)
            avg = p
            @jax.jit
            def ls(k, p, g, avg):
                pn = p - LR * g + math.sqrt(2 * LR / BETA) * jax.random.normal(k, p.shape, p.dtype)
                return pn, avg + (pn - avg) / (COUNT + 1)
            run(name, "langevin_swa", lambda: ls(key, p, g, avg), sync)
            del p, g, avg

        if selected("spsa_perturb"):
            p = jax.random.normal(k_in, (P,), jnp.float32)
            @jax.jit
            def perturb(seed, p):
                z = jax.random.normal(jax.random.key(seed), p.shape, p.dtype)
                return p + EPS * z
            run(name, "spsa_perturb", lambda: perturb(SEED, p), sync)
            del p

        if selected("stochastic_binary"):
            a = jax.random.normal(k_in, (N,), jnp.float32)
            @jax.jit
            def sbn(k, a):
                pr = jax.nn.sigmoid(a)
                return (jax.random.uniform(k, a.shape, a.dtype) < pr).astype(a.dtype)
            run(name, "stochastic_binary", lambda: sbn(key, a), sync)
            del a

        if selected("dp_aggregate"):
            G = jax.random.normal(k_in, (B, D), jnp.float32)
            @jax.jit
            def dp(k, G, C=1.0, sigma=1.0):
                n = jnp.linalg.norm(G, axis=1, keepdims=True)
                s = (G * jnp.minimum(C / (n + 1e-6), 1.0)).sum(0)
                return (s + sigma * C * jax.random.normal(k, s.shape, s.dtype)) / G.shape[0]
            run(name, "dp_aggregate", lambda: dp(key, G), sync)
            del G

        # Model code (no randomness): measured once, under the first PRNG's name.
        if impl == "threefry2x32" and selected("softmax_rows"):
            X = 3 * jax.random.normal(k_in, (ROWS, COLS), jnp.float32)
            sm = jax.jit(lambda X: jax.nn.softmax(X, axis=-1))
            run(name, "softmax_rows", lambda: sm(X), sync)
            del X
        if impl == "threefry2x32" and selected("column_sum"):
            X = jax.random.normal(k_in, (8192, 1024), jnp.float32)
            cs = jax.jit(lambda X: X.sum(0))
            run(name, "column_sum", lambda: cs(X), sync)
            del X


def run_peers(program, which, benches):
    """Runs the benchmark function of each peer named in `which` (benches maps
    "torch" and "jax" to theirs); a peer that cannot be imported gives an
    error line instead of results."""
    for w in which:
        if w not in benches:
            sys.exit(f"{program}: unknown peer '{w}' ({', '.join(benches)})")
        try:
            benches[w]()
        except ImportError as e:
            emit(impl=w, workload="*", error=f"cannot import {w}: " + str(e)[:300])


def main():
    run_peers("peers_cpu.py", sys.argv[1:] or ["torch", "jax"],
              {"torch": bench_torch, "jax": bench_jax})


if __name__ == "__main__":
    main()
