#!/usr/bin/python3
"""Fits the polynomials of src/EmbedSharp/Randomness/ErfinvMkl.Vector.cs (run by hand; prints C# constants).

erfinv(a) for 0 < a < 1 in terms of w = -ln(1 - a^2):
  central piece, w in [0, W_SPLIT]:        erfinv(a) = a * P(u),  u = w * 2 / W_SPLIT - 1
  tail piece, sqrt(w) in [sqrt(W_SPLIT), R_MAX]: erfinv(a) = Q(u), u = (2 sqrt(w) - (lo + hi)) / (hi - lo)
(R_MAX = 4 covers a = 1 - 2^-24, the largest float below 1, where sqrt(w) = 3.993.) Each polynomial is a weighted
least-squares fit at Chebyshev nodes against mpmath's erfinv at 30 digits, refined by Lawson's iteration towards the
minimax relative error, then written in the monomial basis of u (Horner). The printed error is the relative error of
the double coefficients, evaluated exactly, on 2001 points per piece; the kernel's real error bound is the one that
`erfinv-mkl-exhaustive` measures on every float.
Needs Debian's python3-mpmath and python3-numpy: /usr/bin/python3 ErfinvMklFit.py
"""
import mpmath as mp
import numpy as np
from numpy.polynomial import chebyshev as C

mp.mp.dps = 30
W_SPLIT = 3.25
R_MAX = 4.0


def target(t, tail):
    w = mp.mpf(t) ** 2 if tail else mp.mpf(t)
    a = mp.sqrt(-mp.expm1(-w))
    return mp.erfinv(a) if tail else mp.erfinv(a) / a


def fit(lo, hi, degree, tail, nodes=240, lawson=60):
    k = np.arange(nodes)
    u = np.cos(np.pi * (k + 0.5) / nodes)
    t = np.maximum((lo + hi) / 2 + (hi - lo) / 2 * u, 1e-30)
    y = np.array([float(target(x, tail)) for x in t])
    weights = np.ones(nodes)
    for _ in range(lawson):
        c = C.chebfit(u, y, degree, w=np.sqrt(weights) / np.abs(y))
        r = np.abs(C.chebval(u, c) - y) / np.abs(y)
        weights = weights * r
        weights /= weights.sum()
    monomial = [float(v) for v in C.cheb2poly(c)]
    worst = 0
    for ui in np.linspace(-1, 1, 2001):
        ti = max((lo + hi) / 2 + (hi - lo) / 2 * ui, 1e-30)
        acc = mp.mpf(0)
        for coefficient in reversed(monomial):
            acc = acc * mp.mpf(float(ui)) + mp.mpf(coefficient)
        exact = target(ti, tail)
        worst = max(worst, abs((acc - exact) / exact))
    return monomial, float(worst)


def main():
    for name, lo, hi, degree, tail in [("Central", 0.0, W_SPLIT, 12, False), ("Tail", float(np.sqrt(W_SPLIT)), R_MAX, 16, True)]:
        monomial, worst = fit(lo, hi, degree, tail)
        print(f"// {name}: [{lo!r}, {hi!r}], degree {degree}, max relative error {worst:.2e}")
        print(f"private static readonly double[] {name} = [{', '.join(repr(v) for v in monomial)}];")


if __name__ == "__main__":
    main()
