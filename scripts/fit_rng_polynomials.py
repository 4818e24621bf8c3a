#!/usr/bin/env python3
"""Recompute the polynomial coefficients of the randomness contract.

Prints the binary32 coefficients of log1p (R, degree 8) and of sin/cos of
2*pi*t (P degree 2, Q degree 3) used by include/sto/Runtime/Philox.h and
listed in docs/Randomness.md, section 6. Weighted (relative-error) minimax by
Lawson's algorithm in 40-digit arithmetic. Needs mpmath (pip install mpmath);
takes about 10 s. Not run by the build: the coefficients are fixed by the
contract, this only documents where they came from.
"""
import struct

import mpmath as mp

mp.mp.dps = 40


def lawson(g, w, a, b, deg, npts, iters=40, basis=lambda x, k: x**k):
    """Coefficients c minimising max |w(x) (sum c_k basis(x, k) - g(x))|."""
    xs = [(a + b) / 2 + (b - a) / 2 * mp.cos(mp.pi * (j + mp.mpf(1) / 2) / npts)
          for j in range(npts)]
    gs = [g(x) for x in xs]
    ws = [w(x) for x in xs]
    n = deg + 1
    B = [[basis(x, k) for k in range(n)] for x in xs]
    lam = [mp.mpf(1) / npts] * npts
    for _ in range(iters):
        A = [[mp.mpf(0)] * n for _ in range(n)]
        r = [mp.mpf(0)] * n
        for j in range(npts):
            ww = lam[j] * ws[j] ** 2
            for p in range(n):
                t = ww * B[j][p]
                r[p] += t * gs[j]
                for q in range(n):
                    A[p][q] += t * B[j][q]
        c = mp.lu_solve(mp.matrix(A), mp.matrix(r))
        errs = [abs(ws[j] * (sum(c[k] * B[j][k] for k in range(n)) - gs[j]))
                for j in range(npts)]
        s = sum(lam[j] * errs[j] for j in range(npts))
        lam = [lam[j] * errs[j] / s for j in range(npts)]
    return [c[k] for k in range(n)], max(errs)


def f32hex(x):
    return struct.unpack('f', struct.pack('f', float(x)))[0].hex()


def show(name, coeffs, err):
    print(f"{name}: max weighted error 2^{float(mp.log(err, 2)):.2f}")
    for k, c in enumerate(coeffs):
        print(f"  {name}{k} = {f32hex(c)}")


tiny = mp.mpf('1e-15')

# log1p(f) = f - f^2/2 + f^3 R(f), f in [sqrt(1/2) - 1, sqrt(2) - 1].
show("R", *lawson(
    lambda f: mp.mpf(1) / 3 - f / 4 if abs(f) < tiny
    else (mp.log1p(f) - f + f * f / 2) / f**3,
    lambda f: f * f if abs(f) < tiny else abs(f**3 / mp.log1p(f)),
    mp.sqrt(mp.mpf(1) / 2) - 1, mp.sqrt(2) - 1, 8, npts=400))

tp = 2 * mp.pi
even = lambda x, k: x**(2 * k)
# sin(2 pi t) = t (2 pi + w P(w)), cos(2 pi t) = 1 + w Q(w); w = t^2, |t| <= 1/8.
show("P", *lawson(
    lambda t: -tp**3 / 6 if t < tiny else (mp.sin(tp * t) / t - tp) / (t * t),
    lambda t: t * t / tp if t < tiny else abs(t**3 / mp.sin(tp * t)),
    mp.mpf(0), mp.mpf(1) / 8, 2, npts=300, basis=even))
show("Q", *lawson(
    lambda t: -tp**2 / 2 if t < tiny else (mp.cos(tp * t) - 1) / (t * t),
    lambda t: abs(t * t / mp.cos(tp * t)),
    mp.mpf(0), mp.mpf(1) / 8, 3, npts=300, basis=even))
hi = struct.unpack('f', struct.pack('f', float(tp)))[0]
print(f"TWO_PI_HI = {f32hex(tp)}  TWO_PI_LO = {f32hex(tp - mp.mpf(hi))}")
ln2 = mp.log(2)
hi = struct.unpack('f', struct.pack('f', float(ln2)))[0]
print(f"LN2_HI = {f32hex(ln2)}  LN2_LO = {f32hex(ln2 - mp.mpf(hi))}")
