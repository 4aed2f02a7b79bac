#!/usr/bin/python3
"""Golden files for `embedsharp init`: what torch.manual_seed(seed) + the same torch.nn.init call gives, saved with
np.save. The CLI test runs the same command lines and compares the files byte for byte. Debian's torch has no MKL, so
the trunc_normal_ line asks for `--torch-build no-mkl` (the CLI's default is the official MKL builds' erfinv).

Re-run:  /usr/bin/python3 tools/goldens/make_cli.py   (Debian: python3-torch, python3-numpy)
"""
import json
import math
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from goldens import update_manifest  # noqa: E402

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
OUT = os.path.join(ROOT, "tests", "data", "cli")

# (file, CLI arguments after `init`, the torch call)
CASES = [
    ("xavier_uniform_100x30_seed0.npy", "--shape 100,30 --scheme xavier-uniform --gain 1 --seed 0",
     lambda: torch.nn.init.xavier_uniform_(torch.empty(100, 30), gain=1.0)),
    ("trunc_normal_64x10_seed-7.npy", "--shape 64,10 --scheme trunc-normal --std 0.02 --a -0.04 --b 0.04 --seed -7 --torch-build no-mkl",
     lambda: torch.nn.init.trunc_normal_(torch.empty(64, 10), std=0.02, a=-0.04, b=0.04)),
    ("kaiming_uniform_20x10x3_seed1099511627779.npy",
     f"--shape 20,10,3 --scheme kaiming-uniform --a {math.sqrt(5)!r} --mode fan-in --nonlinearity leaky-relu --seed 1099511627779",
     lambda: torch.nn.init.kaiming_uniform_(torch.empty(20, 10, 3), a=math.sqrt(5))),
    ("normal_7_seed42.npy", "--shape 7 --scheme normal --mean 1 --std 3 --seed 42",
     lambda: torch.nn.init.normal_(torch.empty(7), mean=1.0, std=3.0)),
    ("orthogonal_12x30_seed1.npy", "--shape 12,30 --scheme orthogonal --gain 1.5 --seed 1",
     lambda: torch.nn.init.orthogonal_(torch.empty(12, 30), gain=1.5)),
    ("sparse_30x8_seed5.npy", "--shape 30,8 --scheme sparse --sparsity 0.25 --std 0.5 --seed 5",
     lambda: torch.nn.init.sparse_(torch.empty(30, 8), sparsity=0.25, std=0.5)),
]


def main():
    os.makedirs(OUT, exist_ok=True)
    index = []
    for name, args, call in CASES:
        seed = int(args.split("--seed ")[1].split()[0])
        torch.manual_seed(seed)
        t = call()
        np.save(os.path.join(OUT, name), t.numpy())
        index.append({"file": name, "args": args, "exact": "orthogonal" not in args})
    with open(os.path.join(OUT, "cases.json"), "w") as f:
        json.dump(index, f, indent=1)
    manifest([f"cli/{c['file']}" for c in index] + ["cli/cases.json"])


def manifest(files):
    update_manifest(__file__, files, f"torch {torch.__version__}, numpy {np.__version__}")


if __name__ == "__main__":
    main()
