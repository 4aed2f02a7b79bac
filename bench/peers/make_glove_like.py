#!/usr/bin/python3
"""Writes a GloVe-style text file of 400,000 words x 300 dimensions (about 1.1 GB) for the loading benchmarks.

Run:  /usr/bin/python3 bench/peers/make_glove_like.py CACHE_DIR [--words N] [--dim D]
Writes CACHE_DIR/glove_like_{N}x{D}.txt (not committed) and prints its path. Deterministic (fixed seed): numbers
look like GloVe's (sign, "0.", 5 decimals, e.g. "-0.04656"), every 50th word is non-ASCII. Built with numpy byte
arrays, so it takes seconds, not minutes.
"""
import argparse
import os

import numpy as np

SEED = 400300


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("cache_dir")
    ap.add_argument("--words", type=int, default=400_000)
    ap.add_argument("--dim", type=int, default=300)
    args = ap.parse_args()
    os.makedirs(args.cache_dir, exist_ok=True)
    path = os.path.join(args.cache_dir, f"glove_like_{args.words}x{args.dim}.txt")
    if os.path.exists(path):
        print(path)
        return
    rng = np.random.default_rng(SEED)
    tmp = path + ".part"
    with open(tmp, "wb") as f:
        chunk = 10_000
        for start in range(0, args.words, chunk):
            n = min(chunk, args.words - start)
            vals = rng.integers(-99_999, 100_000, size=(n, args.dim))
            # Each number as 9 bytes " -0.ddddd" (a space and a sign slot), then the sign slot is dropped for positives.
            digits = np.abs(vals)
            cells = np.empty((n, args.dim, 9), dtype=np.uint8)
            cells[:, :, 0] = ord(" ")
            cells[:, :, 1] = np.where(vals < 0, ord("-"), 0)
            cells[:, :, 2] = ord("0")
            cells[:, :, 3] = ord(".")
            for k in range(5):
                cells[:, :, 8 - k] = ord("0") + (digits // 10**k) % 10
            for i in range(n):
                w = start + i
                word = (f"wörd{w}" if w % 100 == 0 else f"日本{w}") if w % 50 == 0 else f"w{w}"
                row = cells[i].reshape(-1)
                f.write(word.encode("utf-8"))
                f.write(row[row != 0].tobytes())
                f.write(b"\n")
    os.replace(tmp, path)
    print(path)


if __name__ == "__main__":
    main()
