#!/usr/bin/python3
"""Golden fixtures for nn.Embedding and nn.EmbeddingBag (forward, max_norm renorm, dense and sparse backward,
grad w.r.t. per_sample_weights), made by PyTorch itself.

Re-run:  /usr/bin/python3 tools/goldens/make_embedding.py        (Debian: apt-get install python3-torch)
Writes:  tests/data/embedding/cases.json (metadata) and tests/data/embedding/data.bin (little-endian arrays that the
         JSON points at: {"off": byte offset, "n": element count, "dtype": "f32"|"i64", "shape": [...]}),
         and updates tests/data/MANIFEST.

Every case builds the module with torch.manual_seed(seed) (so the C# side re-creates the table with its own
Generator and checks it), or wraps stored weights with from_pretrained. gradOutput comes from a separate
torch.Generator seeded with seed+1000 and is stored. Expected: forward output, the table after the forward
(max_norm rewrites rows in place), the weight gradient (dense table, or the sparse COO indices+values in
PyTorch's order), max_indices for mode='max', the grad w.r.t. per_sample_weights, or the error PyTorch raised.
"""
import hashlib
import json
import math
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from goldens import update_manifest  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
OUT = os.path.join(ROOT, "tests", "data", "embedding")
SEEDS = [0, 1, 42, 123456789, -7]


class Blob:
    def __init__(self):
        self.parts = []
        self.size = 0

    def add(self, a):
        if isinstance(a, torch.Tensor):
            a = a.detach().cpu().numpy()
        a = np.ascontiguousarray(a)
        if a.dtype == np.float32:
            dt, raw = "f32", a.astype("<f4").tobytes()
        elif a.dtype in (np.int64, np.int32):
            dt, raw = "i64", a.astype("<i8").tobytes()
        else:
            raise TypeError(a.dtype)
        ref = {"off": self.size, "n": int(a.size), "dtype": dt, "shape": list(a.shape)}
        self.parts.append(raw)
        self.size += len(raw)
        return ref

    def bytes(self):
        return b"".join(self.parts)


BLOB = Blob()


def grad_like(shape, seed):
    g = torch.Generator().manual_seed(seed + 1000)
    return torch.randn(*shape, generator=g)


def indices_for(seed, num, shape, salt=0):
    g = torch.Generator().manual_seed(abs(seed) * 7 + 13 + salt)
    return torch.randint(0, num, shape, generator=g)


def run_embedding(name, seed, num, dim, idx, pretrained=None, freeze=True, backward=True, **opts):
    """opts: padding_idx, max_norm, norm_type, scale_grad_by_freq, sparse."""
    case = {"kind": "embedding", "name": name, "seed": seed, "num": num, "dim": dim,
            "options": {k: (None if v is None else v) for k, v in opts.items()}}
    if isinstance(opts.get("norm_type"), float) and math.isinf(opts["norm_type"]):
        case["options"]["norm_type"] = "inf"
    torch.manual_seed(seed)
    if pretrained is not None:
        w0 = pretrained.clone()
        m = torch.nn.Embedding.from_pretrained(w0, freeze=freeze, **opts)
        case["pretrained"] = BLOB.add(pretrained)
        case["freeze"] = freeze
    else:
        m = torch.nn.Embedding(num, dim, **opts)
        case["initial_weight_sha256"] = hashlib.sha256(m.weight.detach().numpy().astype("<f4").tobytes()).hexdigest()
    idx_t = torch.as_tensor(np.asarray(idx, dtype=np.int64)).reshape(idx.shape if hasattr(idx, "shape") else (len(idx),))
    case["indices"] = BLOB.add(idx_t)
    out = m(idx_t)
    case["output"] = BLOB.add(out)
    case["weight_after"] = BLOB.add(m.weight)
    if m.weight.requires_grad and backward:
        go = grad_like(out.shape, seed)
        case["grad_output"] = BLOB.add(go)
        try:
            out.backward(go)
            g = m.weight.grad
            if g.is_sparse:
                case["grad_sparse_indices"] = BLOB.add(g._indices().reshape(-1))
                case["grad_sparse_values"] = BLOB.add(g._values())
            else:
                case["grad"] = BLOB.add(g)
        except RuntimeError as e:
            case["backward_error"] = str(e).splitlines()[0]
    return case


def run_bag(name, seed, num, dim, idx, offsets=None, psw=False, include_last_offset=False, **opts):
    """opts: mode, padding_idx, max_norm, norm_type, scale_grad_by_freq, sparse."""
    case = {"kind": "bag", "name": name, "seed": seed, "num": num, "dim": dim,
            "include_last_offset": include_last_offset, "options": dict(opts)}
    torch.manual_seed(seed)
    m = torch.nn.EmbeddingBag(num, dim, include_last_offset=include_last_offset, **opts)
    case["initial_weight_sha256"] = hashlib.sha256(m.weight.detach().numpy().astype("<f4").tobytes()).hexdigest()
    idx_t = torch.as_tensor(np.asarray(idx, dtype=np.int64))
    case["indices"] = BLOB.add(idx_t)
    off_t = None
    if offsets is not None:
        off_t = torch.as_tensor(np.asarray(offsets, dtype=np.int64))
        case["offsets"] = BLOB.add(off_t)
    w = None
    if psw:
        g = torch.Generator().manual_seed(abs(seed) + 77)
        w = torch.randn(*idx_t.shape, generator=g).requires_grad_(True)
        case["per_sample_weights"] = BLOB.add(w)
    out = m(idx_t, off_t, per_sample_weights=w)
    case["output"] = BLOB.add(out)
    case["weight_after"] = BLOB.add(m.weight)
    if opts.get("mode") == "max":
        # the raw op returns (output, offset2bag, bag_size, max_indices); max_norm already applied above
        flat = idx_t.reshape(-1)
        if off_t is None:
            off_raw = torch.arange(0, flat.numel(), idx_t.shape[1]) if idx_t.dim() == 2 and idx_t.shape[1] > 0 else \
                torch.zeros(idx_t.shape[0], dtype=torch.long)
        else:
            off_raw = off_t
        pad = opts.get("padding_idx")  # None, not -1: the raw op wraps -1 to the last row
        with torch.no_grad():
            _, _, bag_size, max_idx = torch.embedding_bag(m.weight, flat, off_raw, False, 2, False, None,
                                                          include_last_offset, pad)
        case["max_indices"] = BLOB.add(max_idx)
        case["bag_size"] = BLOB.add(bag_size)
    go = grad_like(out.shape, seed)
    case["grad_output"] = BLOB.add(go)
    try:
        out.backward(go)
        g = m.weight.grad
        if g.is_sparse:
            case["grad_sparse_indices"] = BLOB.add(g._indices().reshape(-1))
            case["grad_sparse_values"] = BLOB.add(g._values())
        else:
            case["grad"] = BLOB.add(g)
        if w is not None:
            case["grad_per_sample_weights"] = BLOB.add(w.grad)
    except RuntimeError as e:
        case["backward_error"] = str(e).splitlines()[0]
    return case


def median_norm(seed, num, dim, p, padding_idx=None):
    torch.manual_seed(seed)
    w = torch.nn.Embedding(num, dim, padding_idx=padding_idx).weight.detach()
    norms = sorted(float(w[i].norm(p)) for i in range(num))
    return round(norms[len(norms) // 2], 3)


def embedding_cases():
    cases = []
    for s in SEEDS:
        cases.append(run_embedding("plain 1-D with duplicates", s, 10, 3, np.array([1, 2, 4, 5, 4, 3, 2, 9, 2])))
        cases.append(run_embedding("2-D", s, 20, 7, indices_for(s, 20, (4, 6)).numpy()))
        cases.append(run_embedding("3-D", s, 12, 5, indices_for(s, 12, (2, 3, 4)).numpy()))
        cases.append(run_embedding("empty (0,)", s, 6, 4, np.zeros((0,), dtype=np.int64)))
        cases.append(run_embedding("empty (2,0)", s, 6, 4, np.zeros((2, 0), dtype=np.int64)))
        cases.append(run_embedding("padding 0", s, 10, 3, np.array([[0, 2, 0, 5], [4, 3, 2, 9]]), padding_idx=0))
        cases.append(run_embedding("padding -1", s, 7, 5, np.array([6, 1, 6, 3, 1]), padding_idx=-1))
        cases.append(run_embedding("padding -3", s, 7, 5, np.array([4, 4, 1, 0]), padding_idx=-3))
        cases.append(run_embedding("scale_grad_by_freq", s, 8, 6, indices_for(s, 8, (30,)).numpy(), scale_grad_by_freq=True))
        cases.append(run_embedding("scale_grad_by_freq + padding", s, 8, 6, indices_for(s, 8, (5, 6)).numpy(),
                                   scale_grad_by_freq=True, padding_idx=2))
        cases.append(run_embedding("sparse", s, 9, 4, np.array([[3, 1, 3], [8, 0, 3]]), sparse=True))
        cases.append(run_embedding("sparse + padding", s, 9, 4, np.array([3, 1, 5, 3, 5, 8]), sparse=True, padding_idx=5))
        cases.append(run_embedding("sparse + scale_grad_by_freq", s, 9, 4, np.array([3, 1, 3]), sparse=True,
                                   scale_grad_by_freq=True))
        cases.append(run_embedding("long input with many duplicates", s, 5, 19, indices_for(s, 5, (300,)).numpy()))
        cases.append(run_embedding("all options", s, 11, 13, indices_for(s, 11, (3, 7)).numpy(), padding_idx=-2,
                                   max_norm=median_norm(s, 11, 13, 2.0, -2), scale_grad_by_freq=True))
        # from_pretrained: no RNG, no copy, padding row kept as given
        g = torch.Generator().manual_seed(abs(s) + 5)
        pre = torch.randn(6, 4, generator=g)
        cases.append(run_embedding("from_pretrained frozen", s, 6, 4, np.array([5, 0, 2, 2]), pretrained=pre))
        cases.append(run_embedding("from_pretrained trainable + padding", s, 6, 4, np.array([5, 0, 2, 2, 1]),
                                   pretrained=pre, freeze=False, padding_idx=2))
    # max_norm: every p and dim, several seeds; max_norm = the median row norm so some rows change and some do not
    for s in SEEDS[:3]:
        for dim in (5, 13, 16, 37, 300):
            num = 8 if dim < 300 else 6
            for p in (1.0, 2.0, 3.0, math.inf):
                mn = median_norm(s, num, dim, p)
                idx = indices_for(s, num, (2, 5) if dim < 300 else (2, 3), salt=dim).numpy()
                cases.append(run_embedding(f"max_norm p={p} dim={dim}", s, num, dim, idx, backward=dim < 37,
                                           max_norm=mn, norm_type=p))
    cases.append(run_embedding("max_norm small, all rows", 3, 8, 5, np.array([7, 0, 1, 2, 3, 4, 5, 6, 7, 7]), max_norm=0.5))
    cases.append(run_embedding("max_norm + sparse", 4, 8, 5, np.array([7, 1, 1, 2]), max_norm=1.0, sparse=True))
    cases.append(run_embedding("tutorial", 0, 10, 5, np.array([2, 3, 5]), padding_idx=0))
    return cases


def bag_cases():
    cases = []
    for s in SEEDS[:3]:
        for mode in ("sum", "mean", "max"):
            for pad in (None, 1):
                for psw in ((False, True) if mode == "sum" else (False,)):
                    tag = f"{mode} pad={pad} psw={psw}"
                    idx2 = indices_for(s, 9, (4, 5)).numpy()
                    idx2[0, 1] = 1
                    cases.append(run_bag(f"2-D {tag}", s, 9, 7, idx2, psw=psw, mode=mode, padding_idx=pad))
                    idx1 = np.array([1, 4, 4, 2, 1, 1, 8, 0, 3, 1, 5, 5])
                    offs = np.array([0, 3, 3, 7, 11])  # an empty bag, a bag of one
                    cases.append(run_bag(f"offsets {tag}", s, 9, 19, idx1, offsets=offs, psw=psw, mode=mode, padding_idx=pad))
                    offs_l = np.array([0, 0, 5, 12, 12])  # leading and trailing empty bags
                    cases.append(run_bag(f"include_last_offset {tag}", s, 9, 16, idx1, offsets=offs_l, psw=psw,
                                         include_last_offset=True, mode=mode, padding_idx=pad))
                    allpad = np.array([1, 1, 2, 1])
                    cases.append(run_bag(f"bag of only padding {tag}", s, 9, 3, allpad, offsets=np.array([0, 2]), psw=psw,
                                         mode=mode, padding_idx=pad))
        # many duplicates: the dense backward walks indices in (unstable) std::sort order
        big = indices_for(s, 6, (240,)).numpy()
        offs = np.array([0, 17, 17, 60, 100, 101, 200])
        for mode in ("sum", "mean", "max"):
            cases.append(run_bag(f"many duplicates {mode}", s, 6, 11, big, offsets=offs, mode=mode))
        cases.append(run_bag("many duplicates sum psw pad", s, 6, 11, big, offsets=offs, psw=True, mode="sum", padding_idx=3))
        cases.append(run_bag("numel > 1000 mean", s, 13, 4, indices_for(s, 13, (1200,)).numpy(),
                             offsets=np.arange(0, 1200, 37), mode="mean"))
        for mode in ("sum", "mean"):
            cases.append(run_bag(f"scale_grad_by_freq {mode}", s, 7, 5, indices_for(s, 7, (40,)).numpy(),
                                 offsets=np.array([0, 9, 20, 33]), mode=mode, scale_grad_by_freq=True))
            cases.append(run_bag(f"scale_grad_by_freq {mode} pad", s, 7, 5, indices_for(s, 7, (6, 5)).numpy(),
                                 mode=mode, scale_grad_by_freq=True, padding_idx=0))
            cases.append(run_bag(f"sparse {mode}", s, 7, 5, np.array([3, 1, 3, 0, 6, 3, 2]), offsets=np.array([0, 2, 2, 5]),
                                 mode=mode, sparse=True))
            cases.append(run_bag(f"sparse {mode} pad", s, 7, 5, np.array([3, 1, 3, 0, 6, 3, 2]), offsets=np.array([0, 2, 2, 5]),
                                 mode=mode, sparse=True, padding_idx=3))
            cases.append(run_bag(f"sparse + scale_grad_by_freq {mode}", s, 7, 5, np.array([3, 1, 3]),
                                 offsets=np.array([0, 1]), mode=mode, sparse=True, scale_grad_by_freq=True))
        cases.append(run_bag("scale_grad_by_freq sum psw", s, 7, 5, indices_for(s, 7, (25,)).numpy(),
                             offsets=np.array([0, 4, 20]), psw=True, mode="sum", scale_grad_by_freq=True))
        cases.append(run_bag("sparse sum psw pad", s, 7, 5, np.array([3, 1, 3, 0, 6, 3, 2]), offsets=np.array([0, 2, 2, 5]),
                             psw=True, mode="sum", sparse=True, padding_idx=0))
        for mode in ("sum", "mean", "max"):
            mn = median_norm(s, 9, 6, 2.0)
            cases.append(run_bag(f"max_norm {mode}", s, 9, 6, indices_for(s, 9, (3, 4)).numpy(), mode=mode, max_norm=mn))
            cases.append(run_bag(f"max_norm p=1 {mode}", s, 9, 6, indices_for(s, 9, (3, 4)).numpy(), mode=mode,
                                 max_norm=median_norm(s, 9, 6, 1.0), norm_type=1.0))
    cases.append(run_bag("three empty bags sum", 0, 5, 3, np.zeros((0,), dtype=np.int64), offsets=np.array([0, 0, 0]),
                         mode="sum"))
    cases.append(run_bag("empty input mean", 0, 5, 3, np.zeros((0,), dtype=np.int64), offsets=np.array([0, 0]), mode="mean"))
    return cases


def main():
    os.makedirs(OUT, exist_ok=True)
    cap = next((ln.split(":", 1)[1].strip() for ln in torch.__config__.show().splitlines() if "CPU capability" in ln), "?")
    doc = {"torch": torch.__version__, "capability": cap, "numpy": np.__version__,
           "cases": embedding_cases() + bag_cases()}
    data = BLOB.bytes()
    with open(os.path.join(OUT, "data.bin.tmp"), "wb") as f:
        f.write(data)
    os.replace(os.path.join(OUT, "data.bin.tmp"), os.path.join(OUT, "data.bin"))
    path = os.path.join(OUT, "cases.json")
    with open(path + ".tmp", "w") as f:
        json.dump(doc, f, separators=(",", ":"))
    os.replace(path + ".tmp", path)
    write_manifest(["embedding/cases.json", "embedding/data.bin"], f"torch {torch.__version__} ({cap}), numpy {np.__version__}")
    print(f"{len(doc['cases'])} cases, {len(data)} bytes of arrays -> {OUT}")


def write_manifest(files, versions):
    update_manifest(__file__, files, versions, "/usr/bin/python3 tools/goldens/make_embedding.py (seeds %s)" % SEEDS)


if __name__ == "__main__":
    sys.exit(main())
