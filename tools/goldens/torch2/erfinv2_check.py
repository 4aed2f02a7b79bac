#!/usr/bin/python3
"""Check erfinv2.erfinv2_f32 against libtorch 2.10's Tensor.erfinv_ (run through run.sh) and print "N of N equal".

usage: erfinv2_check.py [exceptions.u32]
Inputs (float32): special values; 2,000,000 uniform values in (-1, 1); 1,000,000 random bit patterns with |y| < 1
(all binades, subnormals included); 1,000,000 values of the form trunc_normal_ feeds to erfinv
(fma(k * 2^-24, hi - lo, lo) for the default a=-2, b=2). Without an exceptions file the model is the correctly
rounded erfinv; with the file written by erfinv_sweep.py it also applies the measured exceptions.
"""
import math
import os
import subprocess
import sys
import tempfile

import numpy as np

from erfinv2 import erfinv2_f32, load_exceptions

HERE = os.path.dirname(os.path.abspath(__file__))
F32 = np.float32


def inputs():
    rng = np.random.default_rng(20261207)
    special = np.array([0.0, -0.0, 1.0, -1.0, 1.5, -1.5, np.inf, -np.inf, np.nan, 1e-45, -1e-45, 1e-40,
                        1.1754944e-38, 0.5, 0.7, -0.7], F32)
    special = np.concatenate([special, np.array([0x3F7FFFFF, 0xBF7FFFFF, 0x3F333334, 0x7FC00001], np.uint32).view(F32)])
    uni = (rng.random(2_000_000, dtype=np.float32) * 2 - 1).astype(F32)
    bits = rng.integers(0, 0x3F800000, 1_000_000, dtype=np.uint32) | (rng.integers(0, 2, 1_000_000, dtype=np.uint32) << 31)
    lower = (1.0 + math.erf(-2.0 / math.sqrt(2.0))) / 2.0
    upper = (1.0 + math.erf(2.0 / math.sqrt(2.0))) / 2.0
    lo, hi = F32(2 * lower - 1), F32(2 * upper - 1)
    k = rng.integers(0, 1 << 24, 1_000_000).astype(np.float64)
    # close to what uniform_(lo, hi) yields (an exact fma up to a rare double rounding; only inputs here)
    tn = (k * 2.0**-24 * np.float64(F32(hi - lo)) + np.float64(lo)).astype(F32)
    return np.concatenate([special, uni, bits.view(F32), tn])


def main():
    exc = load_exceptions(sys.argv[1]) if len(sys.argv) > 1 else None
    y = inputs()
    with tempfile.TemporaryDirectory() as d:
        ip, op = os.path.join(d, "in.f32"), os.path.join(d, "out.f32")
        y.tofile(ip)
        subprocess.run([os.path.join(HERE, "run.sh"), "erfinv", ip, op, "torch"], check=True)
        t = np.fromfile(op, dtype=np.uint32)
    m = erfinv2_f32(y, exc).view(np.uint32)
    eq = int((m == t).sum())
    label = "correctly rounded + measured exceptions" if exc is not None else "correctly rounded"
    print(f"erfinv2 ({label}): {eq} of {len(y)} equal")
    for i in np.nonzero(m != t)[0][:5]:
        print(f"  y={y[i]!r} ({y.view(np.uint32)[i]:#010x}) 2.10={t[i]:#010x} model={m[i]:#010x}")


if __name__ == "__main__":
    main()
