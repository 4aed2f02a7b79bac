#!/usr/bin/python3
"""Exhaustive comparison over a bit-pattern range of float32 inputs.

usage: erfinv_sweep.py <first_bits> <count> <torch210_out.f32> <exceptions_out.u32>

<torch210_out.f32> is what `run.sh sweep <first_bits> <count> <file> torch` wrote. Counts, per chunk and in total,
how often 2.10 equals (a) the correctly rounded erfinv (erfinv2.py's candidate) and (b) torch 1.13's float algorithm,
and writes the inputs where (a) fails as sorted little-endian uint32 bit patterns (the exceptions file that
erfinv2.erfinv2_f32 can apply).
"""
import sys

import numpy as np
import torch

from erfinv2 import correctly_rounded

F32 = np.float32


def main():
    first = int(sys.argv[1], 0)
    count = int(sys.argv[2], 0)
    out = np.memmap(sys.argv[3], dtype=np.uint32, mode="r", shape=(count,))
    torch.set_num_threads(1)
    chunk = 1 << 24
    eq_cr = eq_113 = 0
    bad = []
    for off in range(0, count, chunk):
        n = min(chunk, count - off)
        bits = np.arange(first + off, first + off + n, dtype=np.uint64).astype(np.uint32)
        y = bits.view(F32)
        t = np.asarray(out[off:off + n])
        cr, _ = correctly_rounded(y)
        m = cr.view(np.uint32) == t
        eq_cr += int(m.sum())
        bad.append(bits[~m])
        v113 = torch.erfinv(torch.from_numpy(y.copy())).numpy().view(np.uint32)
        eq_113 += int((v113 == t).sum())
        print(f"{first + off:#010x}..{first + off + n - 1:#010x}: cr {int(m.sum())}/{n}", flush=True)
    bad = np.concatenate(bad)
    np.sort(bad).astype("<u4").tofile(sys.argv[4])
    print(f"exceptions: {len(bad)} written to {sys.argv[4]}")
    print(f"correctly rounded: {eq_cr} of {count} equal")
    print(f"torch 1.13 float : {eq_113} of {count} equal")


if __name__ == "__main__":
    main()
