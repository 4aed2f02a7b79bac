#!/usr/bin/python3
"""nn.init.trunc_normal_ under libtorch 2.10 (via run.sh) against a model: torch 1.13's uniform_/mul_/add_/clamp_
(unchanged in 2.x, FACTS.md section 8) with erfinv replaced by erfinv2.erfinv2_f32 (or by 1.13's own erfinv).

usage: trunc_normal2.py [--exceptions FILE.u32] [--golden OUT.json]
With --exceptions (written by erfinv_sweep.py) the 2.x model applies the measured MKL exceptions. Prints the agreement per case and in total. With --golden, writes the 2.10 values of the small cases as a golden file
(uint32 bits) -- only meaningful if the model agrees on every value (see FINDINGS.md).
"""
import json
import math
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch

from erfinv2 import erfinv2_f32, load_exceptions

HERE = os.path.dirname(os.path.abspath(__file__))

SEEDS = [0, 1, 42, 123456789, 2**32 + 5, -7]
PARAMS = [  # mean, std, a, b
    (0.0, 1.0, -2.0, 2.0),
    (0.0, 0.02, -0.04, 0.04),
    (0.5, 2.0, -1.0, 3.0),
    (0.0, 0.02, -2.0, 2.0),
]
SMALL_SHAPES = [[7], [12, 10], [3, 5, 4]]
BIG_SHAPES = [[1000, 1000]]


def init_scalars(mean, std, a, b):
    """The doubles torch/nn/init.py (2.10, _no_grad_trunc_normal_) passes to the tensor ops."""
    def norm_cdf(x):
        return (1.0 + math.erf(x / math.sqrt(2.0))) / 2.0
    lower = norm_cdf((a - mean) / std)
    upper = norm_cdf((b - mean) / std)
    return 2 * lower - 1, 2 * upper - 1, std * math.sqrt(2.0)


def cases(shapes):
    out = []
    for seed in SEEDS:
        for shape in shapes:
            for mean, std, a, b in PARAMS:
                lo, hi, scale = init_scalars(mean, std, a, b)
                out.append({"seed": seed, "shape": shape, "mean": mean, "std": std, "a": a, "b": b,
                            "lo": lo, "hi": hi, "scale": scale})
    return out


def model(c, erfinv, exceptions=None):
    torch.manual_seed(c["seed"])
    t = torch.empty(c["shape"], dtype=torch.float32)
    t.uniform_(c["lo"], c["hi"])
    if erfinv == "1.13":
        t.erfinv_()
    else:
        t = torch.from_numpy(erfinv2_f32(t.numpy(), exceptions).reshape(t.shape))
    t.mul_(c["scale"])
    t.add_(c["mean"])
    t.clamp_(min=c["a"], max=c["b"])
    return t.numpy().reshape(-1).view(np.uint32)


def run_harness(spec):
    with tempfile.TemporaryDirectory() as d:
        sp, op = os.path.join(d, "spec.json"), os.path.join(d, "out.json")
        with open(sp, "w") as f:
            json.dump(spec, f)
        subprocess.run([os.path.join(HERE, "run.sh"), "trunc_normal", sp, op], check=True)
        with open(op) as f:
            return json.load(f)


def check(exceptions=None, verbose=True):
    """Runs the harness on the small and the 1000x1000 cases; returns (small cases with "bits", totals)."""
    torch.set_num_threads(1)
    small = run_harness(cases(SMALL_SHAPES))
    big = run_harness(cases(BIG_SHAPES))
    tot = {"2.x": [0, 0], "1.13": [0, 0]}
    for c in small + big:
        ref = np.array(c["bits"], dtype=np.uint32)
        line = f"seed={c['seed']} shape={c['shape']} mean={c['mean']} std={c['std']} a={c['a']} b={c['b']}:"
        for name in ("2.x", "1.13"):
            eq = int((model(c, name, exceptions) == ref).sum())
            tot[name][0] += eq
            tot[name][1] += len(ref)
            line += f" {name} model {eq}/{len(ref)}"
        if verbose:
            print(line)
    for name, (eq, n) in tot.items():
        print(f"trunc_normal_ {name} model: {eq} of {n} equal")
    return small, tot


def golden_document(small):
    for c in small:
        for k in ("lo", "hi", "scale"):
            c.pop(k, None)
    return {"reference": "libtorch 2.10.0 (TorchSharp-cpu 0.107.0, MKL 2024.2), torch.nn.init.trunc_normal_ "
                         "as torch/nn/init.py runs it after torch.manual_seed(seed); values are float32 bit "
                         "patterns, row-major",
            "cases": small}


def main():
    args = sys.argv[1:]
    opts = dict(zip(args[0::2], args[1::2]))
    exceptions = load_exceptions(opts["--exceptions"]) if "--exceptions" in opts else None
    small, _ = check(exceptions)
    if "--golden" in opts:
        path = opts["--golden"]
        with open(path + ".tmp", "w") as f:
            json.dump(golden_document(small), f, separators=(",", ":"))
            f.write("\n")
        os.replace(path + ".tmp", path)


if __name__ == "__main__":
    main()
