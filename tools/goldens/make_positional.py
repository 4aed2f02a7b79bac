#!/usr/bin/python3
"""Golden fixtures for positional encodings (sinusoidal, learned, rotary, token + position), made with PyTorch.

Re-run:  /usr/bin/python3 tools/goldens/make_positional.py      (about 2 s)
Writes:  tests/data/positional/{cases.json, pe_*.bin, expf_sweep.bin} and updates tests/data/MANIFEST.

* Sinusoidal: the PyTorch tutorial's float32 recipe (div_term = exp(arange(0,d,2) * (-ln(10000)/d)), angle =
  position * div_term, pe[:,0::2] = sin, pe[:,1::2] = cos), max_len 2048, d in {63, 64, 512}; for odd d the cos
  columns use div_term[:d//2]. The concatenated layout puts cat([sin, cos]) instead. Sampled rows (every STRIDE-th,
  the first 16 and the last 16) are stored as little-endian float32 rows; the exact div_term bits go in the JSON.
* expf sweep: pairs (x, torch.exp(x)) as little-endian uint32 bits, x = every PE exponent argument for a set of d
  plus uniform values in [-80, 80]: checks that the C# expf reproduces torch's (SLEEF) float32 exp bit for bit.
* Learned: nn.Embedding(max_len, d) weights after torch.manual_seed, y = x + W[off:off+S] and autograd grads.
* Rotary: a reference written here (no torch module exists): theta_i = base ** (-(2i)/d) and cos/sin of m*theta_i
  in Python double (glibc), rounded to float32; out = x*cos - x_pair*sin etc. in torch float32; grads by autograd.
* Token + position: token = nn.Embedding(V, d) then position = nn.Embedding(L, d) (or the sinusoidal table),
  y = token(ids) * math.sqrt(d) + pos[off:off+S]; grads by autograd.
"""
import json
import math
import os
import platform
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from goldens import DATA, update_manifest, write_atomic  # noqa: E402

OUT = os.path.join(DATA, "positional")
F = np.float32


def hexbits(t):
    """float32 values as one string of space-separated 8-digit hex bit patterns."""
    a = np.ascontiguousarray(t.detach().numpy() if isinstance(t, torch.Tensor) else t, dtype=F)
    return " ".join("%08x" % v for v in a.reshape(-1).view(np.uint32))


def tutorial_pe(max_len, d, layout):
    position = torch.arange(0, max_len, dtype=torch.float).unsqueeze(1)
    div_term = torch.exp(torch.arange(0, d, 2).float() * (-math.log(10000.0) / d))
    sin = torch.sin(position * div_term)
    cos = torch.cos(position * div_term[: d // 2])
    if layout == "interleaved":
        pe = torch.zeros(max_len, d)
        pe[:, 0::2] = sin
        pe[:, 1::2] = cos
    else:
        pe = torch.cat([sin, cos], dim=1)
    return pe, div_term


def sinusoidal(files):
    cases = []
    for d, layout, max_len, stride in [(63, "interleaved", 2048, 8), (64, "interleaved", 2048, 8),
                                       (512, "interleaved", 2048, 32), (63, "concatenated", 2048, 64),
                                       (64, "concatenated", 256, 16)]:
        pe, div_term = tutorial_pe(max_len, d, layout)
        rows = sorted(set(range(16)) | set(range(0, max_len, stride)) | set(range(max_len - 16, max_len)))
        name = "pe_%s_d%d.bin" % (layout, d)
        write_atomic(os.path.join(OUT, name), pe[rows].numpy().astype("<f4").tobytes())
        files.append("positional/" + name)
        cases.append({"d": d, "layout": layout, "max_len": max_len, "file": name, "rows": " ".join(map(str, rows)),
                      "div_term": hexbits(div_term)})
    return cases


def expf_sweep(files):
    ds = list(range(1, 131)) + [255, 256, 300, 511, 512, 768, 1000, 1024, 2048, 4096]
    xs = [(np.arange(0, d, 2, dtype=F) * F(-math.log(10000.0) / d)).astype(F) for d in ds]
    xs.append(np.random.default_rng(20240614).uniform(-80, 80, 4096).astype(F))
    x = np.concatenate(xs)
    y = torch.exp(torch.from_numpy(x)).numpy()
    pairs = np.stack([x.view(np.uint32), y.view(np.uint32)], axis=1).astype("<u4")
    write_atomic(os.path.join(OUT, "expf_sweep.bin"), pairs.tobytes())
    files.append("positional/expf_sweep.bin")
    return {"file": "expf_sweep.bin", "count": int(x.size), "ds": " ".join(map(str, ds)), "random": "uniform(-80, 80) x4096, numpy seed 20240614"}


def learned():
    cases = []
    for seed, max_len, d, shape, off in [(7, 12, 5, (3, 4), 2), (11, 10, 8, (7, 5), 5), (3, 6, 4, (6,), 0),
                                         (5, 32, 16, (2, 24), 0)]:
        torch.manual_seed(seed)
        emb = torch.nn.Embedding(max_len, d)
        g = torch.Generator().manual_seed(1000 + seed)
        x = torch.randn(*shape, d, generator=g)
        gy = torch.randn(*shape, d, generator=g)
        xr = x.clone().requires_grad_(True)
        seq = shape[-1]
        y = xr + emb.weight[off:off + seq]
        y.backward(gy)
        cases.append({"seed": seed, "max_len": max_len, "d": d, "shape": list(shape) + [d], "offset": off,
                      "weight": hexbits(emb.weight), "x": hexbits(x), "grad_output": hexbits(gy),
                      "y": hexbits(y), "weight_grad": hexbits(emb.weight.grad), "input_grad": hexbits(xr.grad)})
    return cases


def rope_tables(d, base, positions):
    half = d // 2
    theta = [base ** (-(2 * i) / d) for i in range(half)]
    cos = [[math.cos(m * t) for t in theta] for m in positions]
    sin = [[math.sin(m * t) for t in theta] for m in positions]
    return torch.tensor(cos, dtype=torch.float64).float(), torch.tensor(sin, dtype=torch.float64).float()


def rope_reference(x, cos, sin, layout):
    if layout == "half_split":
        half = x.shape[-1] // 2
        c = torch.cat([cos, cos], dim=-1)
        s = torch.cat([sin, sin], dim=-1)
        rot = torch.cat([-x[..., half:], x[..., :half]], dim=-1)  # rotate_half
        return x * c + rot * s
    xe, xo = x[..., 0::2], x[..., 1::2]
    oe = xe * cos - xo * sin
    oo = xe * sin + xo * cos
    return torch.stack([oe, oo], dim=-1).flatten(-2)


def rotary():
    cases = []
    specs = [((5, 8), 0, 10000.0), ((2, 3, 6, 16), 7, 10000.0), ((1, 4, 64), 1000, 10000.0),
             ((3, 2), 0, 10000.0), ((2, 9, 32), 4090, 500000.0), ((4, 128), 33, 10000.0)]
    for layout in ("interleaved", "half_split"):
        for k, (shape, off, base) in enumerate(specs):
            d, seq = shape[-1], shape[-2]
            g = torch.Generator().manual_seed(77 + k)
            x = torch.randn(*shape, generator=g)
            gy = torch.randn(*shape, generator=g)
            cos, sin = rope_tables(d, base, range(off, off + seq))
            xr = x.clone().requires_grad_(True)
            y = rope_reference(xr, cos, sin, layout)
            y.backward(gy)
            cases.append({"layout": layout, "shape": list(shape), "offset": off, "base": base,
                          "x": hexbits(x), "grad_output": hexbits(gy), "y": hexbits(y), "input_grad": hexbits(xr.grad)})
    return cases


def token_position():
    cases = []
    for seed, kind, scale, ids, off in [(21, "learned", True, [[1, 4, 4, 0], [10, 1, 3, 1]], 3),
                                        (22, "learned", False, [2, 2, 7, 9, 0], 0),
                                        (23, "sinusoidal", True, [[5, 0, 5], [1, 2, 3]], 4),
                                        (24, "sinusoidal", False, [3, 8, 3], 1)]:
        V, d, L = 11, 6, 9
        torch.manual_seed(seed)
        token = torch.nn.Embedding(V, d)
        if kind == "learned":
            position = torch.nn.Embedding(L, d)
            table = position.weight
        else:
            table, _ = tutorial_pe(L, d, "interleaved")
        idx = torch.tensor(ids)
        seq = idx.shape[-1]
        e = token(idx)
        y = (e * math.sqrt(d) if scale else e) + table[off:off + seq]
        gy = torch.randn(y.shape, generator=torch.Generator().manual_seed(500 + seed))
        y.backward(gy)
        case = {"seed": seed, "kind": kind, "scale": scale, "vocab": V, "d": d, "max_len": L, "ids": ids, "offset": off,
                "token_weight": hexbits(token.weight), "position_table": hexbits(table), "grad_output": hexbits(gy),
                "y": hexbits(y), "token_grad": hexbits(token.weight.grad)}
        if kind == "learned":
            case["position_grad"] = hexbits(position.weight.grad)
        cases.append(case)
    return cases


def main():
    torch.set_num_threads(1)
    os.makedirs(OUT, exist_ok=True)
    files = []
    doc = {
        "generated_by": "tools/goldens/make_positional.py",
        "torch": torch.__version__,
        "sinusoidal": sinusoidal(files),
        "expf": expf_sweep(files),
        "learned": learned(),
        "rotary": rotary(),
        "token_position": token_position(),
    }
    write_atomic(os.path.join(OUT, "cases.json"), json.dumps(doc, indent=1, separators=(",", ": ")) + "\n", mode="w")
    files.append("positional/cases.json")
    files.sort()

    versions = "torch %s (AVX2, SLEEF exp/sin/cos), numpy %s, Python %s, %s" % (
        torch.__version__, np.__version__, platform.python_version(), platform.machine())
    update_manifest(__file__, files, versions)
    return 0


if __name__ == "__main__":
    sys.exit(main())
