#!/usr/bin/env python3
"""Fits the coefficients of sto's f32 erf (lib/Transforms/ApproximateMath.cpp)
and measures the expansion's error against scipy's erf in double.

    |x| < 1:         erf(x) = fma(x, A(x^2), x),  A ~ erf(x)/x - 1, degree 5
    1 <= |x| < 3.92: erf(x) = 1 - B(|x| - 2),     B ~ erfc(x),       degree 12

Each polynomial is a weighted least-squares fit (relative error for A,
absolute for B) on Chebyshev-spaced points; the coefficients are rounded to
f32 one at a time, lowest first, and the remaining ones refitted so that
they absorb the rounding. The evaluation emulates f32 Horner with fma.

    python3 scripts/fit-erf.py [stride]   # needs numpy and scipy
"""
import sys

import numpy as np
from scipy.special import erf, erfc

f32 = np.float32
SPLIT, CENTER, TOP = 1.0, 2.0, 3.92


def fit_rounded(points, target, weight, degree):
    basis = points[:, None] ** np.arange(degree + 1)
    fixed = []
    for k in range(degree + 1):
        done = basis[:, :k] @ np.array(fixed) if k else 0.0
        c, *_ = np.linalg.lstsq(basis[:, k:] * weight[:, None],
                                (target - done) * weight, rcond=None)
        fixed.append(float(f32(c[0])))
    return [f32(c) for c in fixed]


def chebyshev(lo, hi, n=4000):
    return lo + (hi - lo) * (1 - np.cos(np.linspace(0, np.pi, n))) / 2


def fma(a, b, c):
    # Exact product (48 bits) and one rounding of the sum to f32 (a double
    # rounding of the sum is possible but rare).
    return (a.astype(np.float64) * b + c).astype(np.float32)


def horner(coeffs, v):
    r = np.full_like(v, coeffs[-1])
    for c in coeffs[-2::-1]:
        r = fma(r, v, np.full_like(v, c))
    return r


def expansion(x, A, B):
    a = np.abs(x)
    small = fma(a, horner(A, (a * a).astype(np.float32)), a)
    large = (f32(1) - horner(B, (a - f32(CENTER)).astype(np.float32)))
    r = np.where(a < f32(SPLIT), small, large.astype(np.float32))
    return np.copysign(np.where(a >= f32(TOP), f32(1), r), x)


def main():
    stride = int(sys.argv[1]) if len(sys.argv) > 1 else 11
    s = chebyshev(0, SPLIT * SPLIT)
    x = np.sqrt(s)
    ratio = np.where(x > 0, erf(x) / np.where(x > 0, x, 1), 2 / np.sqrt(np.pi))
    A = fit_rounded(s, ratio - 1, 1 / ratio, 5)
    x = chebyshev(SPLIT, TOP + 0.02)
    B = fit_rounded(x - CENTER, erfc(x), np.ones_like(x), 12)
    for name, cs in (("kA", A), ("kB", B)):
        print(name, "=", ", ".join(float(c).hex() + "f" for c in cs))
    worst, worst_x, worst_abs = 0.0, None, 0.0
    lo, hi = f32(1e-30).view(np.int32), f32(4.5).view(np.int32)
    for start in range(lo, hi, 1 << 24):
        bits = np.arange(start, min(start + (1 << 24), hi), stride,
                         dtype=np.int32)
        xs = bits.view(np.float32)
        got = expansion(xs, A, B).astype(np.float64)
        ref = erf(xs.astype(np.float64))
        ulp = np.spacing(np.abs(ref).astype(np.float32)).astype(np.float64)
        err = np.abs(got - ref) / ulp
        i = int(np.argmax(err))
        if err[i] > worst:
            worst, worst_x = err[i], xs[i]
        worst_abs = max(worst_abs, float(np.abs(got - ref).max()))
    print("max error %.2f ulp at %r, max absolute %.3g" %
          (worst, worst_x, worst_abs))


if __name__ == "__main__":
    main()
