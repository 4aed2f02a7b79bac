#!/usr/bin/python3
"""Golden fixtures for Linear, the activations, Dropout, the losses and torch's float32 sum order, made by PyTorch.

Re-run:  /usr/bin/python3 tools/goldens/make_layers.py        (Debian: apt-get install python3-torch)
Writes:  tests/data/layers/cases.json and updates tests/data/MANIFEST.

Inputs are drawn with torch.manual_seed(seed) + torch.randn / nn.Linear, which EmbedSharp's Generator reproduces bit
for bit, so only the outputs are stored: little-endian float32 arrays in base64 ("b64") plus shapes. Each case lists
the torch calls in order; the C# test replays the same calls on one Generator.
"""
import base64
import hashlib
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from goldens import update_manifest  # noqa: E402
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
OUT = os.path.join(ROOT, "tests", "data", "layers")


def arr(t):
    a = t.detach().cpu().numpy() if isinstance(t, torch.Tensor) else np.asarray(t)
    shape = list(np.shape(a))  # before ascontiguousarray, which turns a 0-d array into 1-d
    a = np.ascontiguousarray(a, dtype="<f4")
    return {"shape": shape, "b64": base64.b64encode(a.tobytes()).decode()}


def sha(t):
    return hashlib.sha256(np.ascontiguousarray(t.detach().numpy(), dtype="<f4").tobytes()).hexdigest()


def linear_cases():
    cases = []
    specs = [  # (seed, input shape, out, bias, backward twice)
        (0, (5, 7), 3, True, False), (1, (5, 7), 3, False, False), (2, (32, 100), 40, True, True),
        (3, (1, 10), 4, True, False), (4, (9, 1), 6, True, False), (5, (9, 6), 1, True, False),
        (6, (3, 5, 6), 4, True, False), (7, (2, 3, 4, 6), 5, True, False), (8, (6,), 4, True, False),
        (9, (300, 33), 17, True, False), (10, (40, 12), 40, True, False), (11, (20, 8), 70, True, False),
        (12, (3, 5, 6), 4, False, False), (13, (17, 3), 9, True, False), (14, (4, 0), 3, True, False),
    ]
    for seed, shape, out, bias, twice in specs:
        torch.manual_seed(seed)
        lin = torch.nn.Linear(shape[-1], out, bias=bias)
        x = torch.randn(*shape, requires_grad=True)
        oshape = shape[:-1] + (out,)
        g = torch.randn(*oshape)
        y = lin(x)
        y.backward(g, retain_graph=twice)
        c = {"seed": seed, "input": list(shape), "out": out, "bias": bias, "twice": twice,
             "weight_sha256": sha(lin.weight), "y": arr(y)}
        if twice:
            g2 = torch.randn(*oshape)
            x.grad = None
            y.backward(g2)
        c["grad_input"] = arr(x.grad)
        c["grad_weight"] = arr(lin.weight.grad)
        if bias:
            c["bias_sha256"] = sha(lin.bias)
            c["grad_bias"] = arr(lin.bias.grad)
        cases.append(c)
    return cases


SPECIALS = [0.0, -0.0, float("inf"), float("-inf"), float("nan"), 1e-30, -1e-30, 20.0, -20.0, 100.0, -100.0, 8.0, -8.0, 0.5]


def activation_cases():
    torch.manual_seed(21)
    x = torch.cat([torch.randn(1000) * 3, torch.tensor(SPECIALS, dtype=torch.float32)])
    g = torch.randn(x.numel())
    out = {"seed": 21, "specials": ["%08x" % v for v in np.array(SPECIALS, dtype="<f4").view(np.uint32)], "x": arr(x), "g": arr(g)}
    for name, fn in (("relu", torch.relu), ("tanh", torch.tanh), ("sigmoid", torch.sigmoid)):
        xr = x.clone().requires_grad_(True)
        y = fn(xr)
        y.backward(g)
        out[name] = {"y": arr(y), "grad_input": arr(xr.grad)}
    return out


def dropout_cases():
    cases = []
    for seed in (0, 1, 42, -7):
        for p in (0.1, 0.5, 0.3, 0.9, 1e-3):
            for shape in ((7,), (4, 33), (3, 5, 17)):
                xg = torch.Generator().manual_seed(1000 + seed)  # x then g: randn on a separate generator
                x = torch.randn(*shape, generator=xg).requires_grad_(True)
                g = torch.randn(*shape, generator=xg)
                torch.manual_seed(seed)
                y = F.dropout(x, p, training=True)
                y.backward(g)
                cases.append({"seed": seed, "p": p, "shape": list(shape), "y": arr(y),
                              "grad_input": arr(x.grad),
                              "state_sha256": hashlib.sha256(torch.get_rng_state().numpy().tobytes()).hexdigest()})
    return cases


def loss_cases():
    cases = []
    red = ("none", "mean", "sum")
    # MSE: inputs torch.randn after manual_seed(seed): x, then y, then the upstream gradient
    for seed, shape in ((31, (7, 5)), (32, (3000,)), (33, (2, 3, 4))):
        for r in red:
            torch.manual_seed(seed)
            x = torch.randn(*shape, requires_grad=True)
            y = torch.randn(*shape)
            up = torch.randn(*shape) if r == "none" else torch.randn(())
            loss = F.mse_loss(x, y, reduction=r)
            loss.backward(up)
            cases.append({"loss": "mse", "seed": seed, "shape": list(shape), "reduction": r,
                          "out": arr(loss), "grad_input": arr(x.grad)})
    # cross-entropy: logits randn*3, then upstream; targets stored
    ce_specs = [
        (41, 8, 5, [0, 4, 2, -100, 1, 3, 3, 0], 0.0), (41, 8, 5, [0, 4, 2, -100, 1, 3, 3, 0], 0.1),
        (42, 6, 200, [199, 0, 17, 150, 1, 2], 0.0), (42, 6, 200, [199, 0, 17, 150, 1, -100], 0.25),
        (43, 3, 4, [-100, -100, -100], 0.0), (44, 5, 3, [1, 1, 1, 1, 1], 1.0), (45, 4, 7, [6, 5, 4, 3], 0.0),
    ]
    for seed, n, c, targets, ls in ce_specs:
        for r in red:
            torch.manual_seed(seed)
            x = (torch.randn(n, c) * 3).requires_grad_(True)
            up = torch.randn(n) if r == "none" else torch.randn(())
            t = torch.tensor(targets, dtype=torch.long)
            loss = F.cross_entropy(x, t, reduction=r, label_smoothing=ls)
            loss.backward(up)
            cases.append({"loss": "cross_entropy", "seed": seed, "shape": [n, c], "targets": targets,
                          "label_smoothing": ls, "reduction": r,
                          "out": arr(loss), "grad_input": arr(x.grad)})
    # BCE with logits: logits randn*4 (plus extremes), targets rand (soft) rounded for half the rows
    for seed, shape, pw in ((51, (6, 4), None), (51, (6, 4), [0.5, 1.0, 2.0, 3.0]), (52, (100,), None), (53, (2, 3, 5), [1.5]),
                            (54, (4, 3), [0.25, 4.0, 1.0])):
        for r in red:
            torch.manual_seed(seed)
            x = torch.randn(*shape) * 4
            flat = x.view(-1)
            flat[0], flat[1], flat[2] = 50.0, -50.0, 0.0
            x.requires_grad_(True)
            y = torch.rand(*shape)
            y.view(-1)[::2] = y.view(-1)[::2].round()
            up = torch.randn(*shape) if r == "none" else torch.randn(())
            pwt = None if pw is None else torch.tensor(pw, dtype=torch.float32)
            loss = F.binary_cross_entropy_with_logits(x, y, reduction=r, pos_weight=pwt)
            loss.backward(up)
            cases.append({"loss": "bce_with_logits", "seed": seed, "shape": list(shape), "pos_weight": pw,
                          "reduction": r, "logits": arr(x), "target": arr(y), "up": arr(up),
                          "out": arr(loss), "grad_input": arr(x.grad)})
    return cases


def sum_cases():
    """torch.sum(m, 0) of (rows, cols) matrices and torch.sum(v) of vectors, inputs torch.randn after manual_seed."""
    out = {"columns": [], "all": []}
    k = 0
    for rows in (1, 3, 16, 17, 100, 300, 1000):
        for cols in (1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 31, 32, 33, 40, 64, 65, 100):
            torch.manual_seed(k)
            m = torch.randn(rows, cols)
            out["columns"].append({"seed": k, "rows": rows, "cols": cols, "sum": arr(m.sum(0))})
            k += 1
    for n in list(range(0, 41)) + [63, 64, 65, 100, 255, 256, 257, 1000, 4095, 4096, 4097, 5000, 32768]:
        torch.manual_seed(k)
        v = torch.randn(n)
        out["all"].append({"seed": k, "n": n, "sum": arr(v.sum()), "mean": arr(v.mean())})
        k += 1
    return out


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.set_num_threads(1)
    cap = next((ln.split(":", 1)[1].strip() for ln in torch.__config__.show().splitlines() if "CPU capability" in ln), "?")
    doc = {"torch": torch.__version__, "capability": cap, "numpy": np.__version__,
           "linear": linear_cases(), "activations": activation_cases(), "dropout": dropout_cases(),
           "losses": loss_cases(), "sums": sum_cases()}
    path = os.path.join(OUT, "cases.json")
    with open(path + ".tmp", "w") as f:
        json.dump(doc, f, separators=(",", ":"))
    os.replace(path + ".tmp", path)
    write_manifest(["layers/cases.json"], f"torch {torch.__version__} ({cap}), numpy {np.__version__}")
    print(f"{os.path.getsize(path)} bytes -> {path}")


def write_manifest(files, versions):
    update_manifest(__file__, files, versions, "/usr/bin/python3 tools/goldens/make_layers.py (seeds in the file; torch.set_num_threads(1))")


if __name__ == "__main__":
    sys.exit(main())
