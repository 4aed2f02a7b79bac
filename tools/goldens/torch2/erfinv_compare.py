#!/usr/bin/python3
"""Compare libtorch 2.10's float32 erfinv (dumped by the harness) with candidate rules.

usage: erfinv_compare.py <in.f32> <torch210_out.f32>

Candidates:
  1.13   : torch 1.13 (Debian) torch.erfinv on float32 = calc_erfinv<float>, fma-contracted (ref.py erfinv_f32)
  dbl    : calc_erfinv<double> (torch 1.13 on float64) rounded to float32
  cr     : correctly rounded erfinv (double Newton on erf/erfc from scipy, checked with mpmath when the double
           result is within 1e-6 ulp of a float32 rounding boundary)
Prints, for each candidate, how many values differ from 2.10 and by how many ulp; for 'cr' also how far the exact
value lies from the float32 rounding midpoint where 2.10 is not correctly rounded.
"""
import sys

import numpy as np
import torch

from erfinv2 import correctly_rounded

F32 = np.float32


def ulp_diff(a, b):
    ai = a.view(np.int32).astype(np.int64)
    bi = b.view(np.int32).astype(np.int64)
    ai = np.where(ai < 0, -(ai & 0x7FFFFFFF), ai)
    bi = np.where(bi < 0, -(bi & 0x7FFFFFFF), bi)
    return np.abs(ai - bi)


def main():
    y = np.fromfile(sys.argv[1], F32)
    t = np.fromfile(sys.argv[2], F32)
    ok = np.abs(y) < 1
    y, t = y[ok], t[ok]
    n = len(y)
    torch.set_num_threads(1)
    v113 = torch.erfinv(torch.from_numpy(y.copy())).numpy()
    vdbl = torch.erfinv(torch.from_numpy(y.astype(np.float64))).numpy().astype(F32)
    vcr, xd = correctly_rounded(y)
    for name, v in (("1.13", v113), ("dbl", vdbl), ("cr", vcr)):
        u = ulp_diff(v, t)
        hist = {int(k): int(c) for k, c in zip(*np.unique(u, return_counts=True))}
        print(f"{name:5s}: {int((u == 0).sum())} of {n} equal; ulp histogram {hist}")
    bad = np.nonzero(vcr != t)[0]
    if len(bad):
        xf = t[bad].astype(np.float64)
        c = vcr[bad].astype(np.float64)
        mid = (xf + c) / 2
        half = np.abs(xf - c) / 2
        off = np.abs(xd[bad] - mid) / half  # 0 = exact value at the midpoint, 1 = at a float
        print(f"2.10 not correctly rounded on {len(bad)}: exact value's distance from the midpoint, in half-ulps: "
              f"max {off.max():.3g}, median {np.median(off):.3g}")
        print("  |y| range of those:", float(np.abs(y[bad]).min()), float(np.abs(y[bad]).max()))
        for i in bad[:8]:
            print(f"  y={y[i]!r} ({y[i:i+1].view(np.uint32)[0]:#010x}) 2.10={t[i]!r} cr={vcr[i]!r} double={xd[i]!r}")


if __name__ == "__main__":
    main()
