#!/usr/bin/python3
"""Golden fixtures for the optimisers (SGD, Adam, AdamW, Adagrad, SparseAdam) and LR schedules, made by PyTorch.

Re-run:  /usr/bin/python3 tools/goldens/make_optim.py        (Debian: apt-get install python3-torch)
Writes:  tests/data/optim/cases.json, tests/data/optim/schedules.json, and updates tests/data/MANIFEST.

Each optimiser case: named parameters with initial values (torch.manual_seed(seed) then randn), parameter groups
with hyper-parameters, and 10 steps. Every step gives each parameter a gradient (dense: randn; sparse: an
uncoalesced COO gradient whose row indices contain duplicates, as nn.Embedding(sparse=True) produces) or none,
runs opt.step() (single-tensor "for-loop" code, the CPU default in 1.13) and records every parameter's values.
Float32 values are stored as 8-hex-digit bit patterns. Special parameter roles:
  excluded      has a gradient but is in no group: must never change;
  no_grad       requires_grad=False (gets no gradient in torch; the C# test gives it one, which must be ignored);
  frozen_rows   rows the C# optimiser must skip; torch has no such notion, so the expected values are torch's
                with those rows reset to their initial values (every update here is row-wise, so the other rows
                are unaffected);
  grad_every    the parameter gets a gradient only on steps where step % grad_every == 0 (None otherwise).

Empirical facts about the float32 kernels (AVX2 build, checked bit for bit on 1003-element tensors; the
probe is at the end of this file: --probe):
  add_(x, alpha=a)       fma(x, (float)a, self)
  mul_(s)                self * (float)s
  addcmul_(x, y, value=v) fma(round((float)v * x), y, self)
  addcdiv_(x, y, value=v) self + round(round((float)v * x) / y)        (no fma is possible)
  t / s (python scalar)  t / (float)s                                   (a true division, not a reciprocal)
  dense.add_(sparse, alpha=a)  for each entry in input order (uncoalesced): row = fma(v, (float)a, row)
  coalesce()             duplicates summed in the order torch's sort(0) of the row indices leaves them: libstdc++'s
                         std::sort (introsort; median-of-3 pivots; insertion sort below 17 entries, which is stable,
                         so up to 16 entries this is input order). Checked on 300 random gradients, bit for bit.
  SGD, sparse gradient   momentum > 0 is ACCEPTED by 1.13 (the momentum buffer becomes a sparse tensor whose nnz grows
                         towards every row ever touched); weight_decay != 0 raises "add(sparse, dense) is not supported".
"""
import json
import math
import os
import sys
import warnings

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from goldens import update_manifest  # noqa: E402

warnings.filterwarnings("ignore")

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
OUT = os.path.join(ROOT, "tests", "data", "optim")
STEPS = 10
SEEDS = "per case, listed in cases.json"


def hexbits(t):
    a = np.ascontiguousarray(t.detach().cpu().numpy().astype(np.float32)).reshape(-1)
    return "".join("%08x" % v for v in a.view(np.uint32))


def P(shape, role=None, **kw):
    d = {"shape": list(shape)}
    if role:
        d["role"] = role
    d.update(kw)
    return d


def run_case(name, opt, seed, params, groups, sparse=False, sparse_n=6, exact=True):
    """params: {name: P(...)}; groups: [([names], {options})]; the first group's options are the defaults."""
    torch.manual_seed(seed)
    tensors = {}
    for pname, spec in params.items():
        t = torch.randn(*spec["shape"])
        tensors[pname] = torch.nn.Parameter(t, requires_grad=spec.get("role") != "no_grad")
    init = {k: v.detach().clone() for k, v in tensors.items()}
    cls = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam, "adamw": torch.optim.AdamW,
           "adagrad": torch.optim.Adagrad, "sparse_adam": torch.optim.SparseAdam}[opt]
    pg = [dict(params=[tensors[n] for n in names], **o) for names, o in groups]
    kwargs = dict(groups[0][1])
    if "lr" not in kwargs:
        kwargs["lr"] = 1e-3
    o = cls(pg, **kwargs)
    steps = []
    for s in range(STEPS):
        grads = {}
        for pname, spec in params.items():
            p = tensors[pname]
            every = spec.get("grad_every", 1)
            if s % every != 0:
                p.grad = None
                continue
            shape = spec["shape"]
            if sparse and len(shape) == 2:
                rows = shape[0]
                idx = torch.randint(0, rows, (sparse_n,))
                idx[1] = idx[0]          # duplicates: one row three times, so summation order matters
                idx[sparse_n - 1] = idx[0]
                vals = torch.randn(sparse_n, *shape[1:])
                g = torch.sparse_coo_tensor(idx.unsqueeze(0), vals, tuple(shape))
                grads[pname] = {"indices": idx.tolist(), "values": hexbits(vals)}
            else:
                g = torch.randn(*shape)
                grads[pname] = {"dense": hexbits(g)}
            if spec.get("role") == "no_grad":
                p.grad = None            # torch computes none; the C# test still offers this gradient
            else:
                p.grad = g
        o.step()
        after = {}
        for pname, spec in params.items():
            v = tensors[pname].detach().clone()
            if spec.get("role") == "frozen_rows":
                for r in spec["rows"]:
                    v[r] = init[pname][r]
            after[pname] = hexbits(v)
        steps.append({"grads": grads, "after": after})
    return {"name": name, "optimizer": opt, "seed": seed, "exact": exact,
            "params": [dict(name=k, init=hexbits(init[k]), **v) for k, v in params.items()],
            "groups": [{"params": names, "options": opts} for names, opts in groups],
            "steps": steps}


def build_cases():
    W = (6, 13)   # 78 elements: a 64-element vector body and a tail
    B = (13,)
    E = (9, 5)
    cs = []
    one = {"w": P(W), "b": P(B)}
    cs.append(run_case("sgd plain", "sgd", 1, one, [(["w", "b"], dict(lr=0.1))]))
    cs.append(run_case("sgd momentum dampening", "sgd", 2, one, [(["w", "b"], dict(lr=0.05, momentum=0.9, dampening=0.1))]))
    cs.append(run_case("sgd nesterov weight decay", "sgd", 3, one,
                       [(["w", "b"], dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01))]))
    cs.append(run_case("sgd maximize weight decay", "sgd", 4, one, [(["w", "b"], dict(lr=0.1, weight_decay=0.05, maximize=True))]))
    roles = {"w": P(W), "b": P(B), "f": P(W, "frozen_rows", rows=[1, 4]), "c": P(B, grad_every=2),
             "x": P(B, "excluded"), "n": P(B, "no_grad")}
    cs.append(run_case("sgd two groups frozen excluded intermittent", "sgd", 5, roles,
                       [(["w", "f", "n"], dict(lr=0.1, momentum=0.9)),
                        (["b", "c"], dict(lr=0.01, momentum=0.5, weight_decay=0.1))]))
    cs.append(run_case("adam defaults", "adam", 6, one, [(["w", "b"], dict())]))
    cs.append(run_case("adam weight decay amsgrad", "adam", 7, one, [(["w", "b"], dict(lr=0.01, weight_decay=0.1, amsgrad=True))]))
    cs.append(run_case("adam maximize betas eps", "adam", 8, one,
                       [(["w", "b"], dict(lr=0.02, betas=(0.8, 0.99), eps=1e-6, maximize=True))]))
    cs.append(run_case("adam two groups frozen excluded intermittent", "adam", 9, roles,
                       [(["w", "f", "n"], dict(lr=0.01)), (["b", "c"], dict(lr=0.003, weight_decay=0.2, amsgrad=True))]))
    cs.append(run_case("adamw defaults lr", "adamw", 10, one, [(["w", "b"], dict(lr=0.01))]))
    cs.append(run_case("adamw amsgrad maximize", "adamw", 11, one,
                       [(["w", "b"], dict(lr=0.01, weight_decay=0.1, amsgrad=True, maximize=True))]))
    cs.append(run_case("adamw two groups frozen", "adamw", 12, roles,
                       [(["w", "f", "n"], dict(lr=0.01, weight_decay=0.05)), (["b", "c"], dict(lr=0.001, weight_decay=0.0))]))
    cs.append(run_case("adagrad lr", "adagrad", 13, one, [(["w", "b"], dict(lr=0.1))]))
    cs.append(run_case("adagrad lr decay weight decay accumulator eps", "adagrad", 14, one,
                       [(["w", "b"], dict(lr=0.1, lr_decay=0.01, weight_decay=0.1, initial_accumulator_value=0.1, eps=1e-8))]))
    cs.append(run_case("adagrad maximize groups frozen", "adagrad", 15, roles,
                       [(["w", "f", "n"], dict(lr=0.05, maximize=True)), (["b", "c"], dict(lr=0.2, lr_decay=0.1))]))
    emb = {"e": P(E), "g": P(E, "frozen_rows", rows=[0, 3, 5])}
    cs.append(run_case("sgd sparse", "sgd", 16, emb, [(["e", "g"], dict(lr=0.1))], sparse=True))
    cs.append(run_case("sgd sparse maximize two groups", "sgd", 17, emb,
                       [(["e"], dict(lr=0.1, maximize=True)), (["g"], dict(lr=0.5))], sparse=True))
    cs.append(run_case("sgd sparse momentum", "sgd", 18, {"e": P(E)}, [(["e"], dict(lr=0.1, momentum=0.9))],
                       sparse=True, exact=False))
    cs.append(run_case("adagrad sparse", "adagrad", 19, emb,
                       [(["e", "g"], dict(lr=0.1, lr_decay=0.01, initial_accumulator_value=0.1))], sparse=True))
    cs.append(run_case("adagrad sparse maximize", "adagrad", 20, emb, [(["e", "g"], dict(lr=0.3, maximize=True))], sparse=True))
    cs.append(run_case("sparse adam", "sparse_adam", 21, emb, [(["e", "g"], dict(lr=0.01))], sparse=True))
    cs.append(run_case("sparse adam maximize betas two groups intermittent", "sparse_adam", 22,
                       {"e": P(E), "g": P(E, "frozen_rows", rows=[2]), "h": P(E, grad_every=3)},
                       [(["e", "h"], dict(lr=0.05, betas=(0.8, 0.99), eps=1e-6, maximize=True)), (["g"], dict(lr=0.01))],
                       sparse=True))
    # More than 16 entries: torch's coalesce() sums a row's duplicates in the order std::sort (introsort, not stable)
    # leaves them, which differs from input order once the sort is not a plain insertion sort.
    cs.append(run_case("adagrad sparse many duplicates", "adagrad", 23, emb,
                       [(["e", "g"], dict(lr=0.1, lr_decay=0.01))], sparse=True, sparse_n=200))
    cs.append(run_case("sparse adam many duplicates", "sparse_adam", 24, emb, [(["e", "g"], dict(lr=0.01))],
                       sparse=True, sparse_n=200))
    return cs


def dhex(x):
    return "%016x" % np.float64(x).view(np.uint64)


def schedule_case(name, kind, kwargs, base_lrs, steps):
    ps = [torch.nn.Parameter(torch.zeros(1)) for _ in base_lrs]
    opt = torch.optim.SGD([{"params": [p], "lr": lr} for p, lr in zip(ps, base_lrs)], lr=base_lrs[0])
    if kind == "step":
        s = torch.optim.lr_scheduler.StepLR(opt, **kwargs)
    elif kind == "linear":
        s = torch.optim.lr_scheduler.LinearLR(opt, **kwargs)
    else:  # fastText-style linear decay to zero over total steps, as LambdaLR
        n = kwargs["total_steps"]
        s = torch.optim.lr_scheduler.LambdaLR(opt, lambda e: max(0.0, 1.0 - e / n))
    lrs = [[dhex(g["lr"]) for g in opt.param_groups]]
    for _ in range(steps):
        opt.step()
        s.step()
        lrs.append([dhex(g["lr"]) for g in opt.param_groups])
    return {"name": name, "kind": kind, "args": kwargs, "base_lrs": [dhex(x) for x in base_lrs], "lrs": lrs}


def build_schedules():
    return [
        schedule_case("step 3 gamma 0.1", "step", dict(step_size=3, gamma=0.1), [0.1, 0.05], 20),
        schedule_case("step 1 gamma 0.7", "step", dict(step_size=1, gamma=0.7), [0.3], 25),
        schedule_case("linear defaults", "linear", dict(start_factor=1.0 / 3, end_factor=1.0, total_iters=5), [0.1, 0.02], 10),
        schedule_case("linear down", "linear", dict(start_factor=0.9, end_factor=0.1, total_iters=7), [0.5], 12),
        schedule_case("linear decay to zero", "decay", dict(total_steps=8), [0.05, 0.1], 12),
        schedule_case("linear decay to zero long", "decay", dict(total_steps=1000), [0.025], 30),
    ]


def probe():
    """Prints which float32 formula each elementary in-place op follows (see the module docstring)."""
    import ctypes
    import ctypes.util
    libm = ctypes.CDLL(ctypes.util.find_library("m") or "libm.so.6")
    libm.fmaf.restype = ctypes.c_float
    libm.fmaf.argtypes = [ctypes.c_float] * 3
    F = np.float32

    def fma(a, b, c):
        a, b, c = np.broadcast_arrays(np.asarray(a, F), np.asarray(b, F), np.asarray(c, F))
        return np.array([libm.fmaf(float(x), float(y), float(z)) for x, y, z in zip(a.ravel(), b.ravel(), c.ravel())],
                        F).reshape(a.shape)

    torch.manual_seed(0)
    n = 1003
    s, x, y = torch.randn(n) * 3, torch.randn(n) * 3, torch.randn(n).abs() + 0.1
    a = 0.37123456789
    af = F(a)
    sn, xn, yn = s.numpy(), x.numpy(), y.numpy()

    def report(label, got, want):
        print("%-36s %d/%d differ" % (label, (got.numpy().view(np.uint32) != np.asarray(want, F).view(np.uint32)).sum(), n))

    report("add_ alpha = fma(x,a,s)", s.clone().add_(x, alpha=a), fma(xn, af, sn))
    report("addcmul_ = fma(round(v*x),y,s)", s.clone().addcmul_(x, y, value=a), fma((af * xn).astype(F), yn, sn))
    report("addcdiv_ = s+round(round(v*x)/y)", s.clone().addcdiv_(x, y, value=a), sn + ((af * xn).astype(F) / yn).astype(F))
    report("t / scalar = t/(float)s", s / 1.2345678901234, sn / F(1.2345678901234))

    # dense.add_(uncoalesced sparse, alpha): entry by entry in input order, each an fma
    idx = torch.tensor([[3, 1, 3, 0, 3]])
    dense, vals = torch.randn(5, 37), torch.randn(5, 37)
    got = dense.clone().add_(torch.sparse_coo_tensor(idx, vals, (5, 37)), alpha=-a)
    want = dense.numpy().copy()
    for k, r in enumerate(idx[0].tolist()):
        want[r] = fma(vals.numpy()[k], F(-a), want[r])
    print("dense += sparse, per entry fma      %d/%d differ" % ((got.numpy().view(np.uint32) != want.view(np.uint32)).sum(), want.size))
    # coalesce(): duplicates summed in input order
    c = torch.sparse_coo_tensor(idx, vals, (5, 37)).coalesce()
    v = vals.numpy()
    row3 = ((v[0] + v[2]).astype(F) + v[4]).astype(F)
    print("coalesce row 3 = (v0+v2)+v4         %d/37 differ" % (c._values().numpy()[2].view(np.uint32) != row3.view(np.uint32)).sum())
    # SGD + momentum on sparse gradients: accepted; the momentum buffer is a sparse tensor that grows
    p = torch.nn.Parameter(torch.randn(6, 3))
    o = torch.optim.SGD([p], lr=0.1, momentum=0.9)
    for step in range(3):
        p.grad = torch.sparse_coo_tensor(torch.tensor([[1, 1, step]]), torch.randn(3, 3), (6, 3))
        o.step()
        print("SGD sparse momentum step %d: buffer nnz %d" % (step, o.state[p]["momentum_buffer"]._nnz()))
    for kw in (dict(weight_decay=0.1),):
        o = torch.optim.SGD([p], lr=0.1, **kw)
        try:
            o.step()
        except RuntimeError as e:
            print("SGD sparse %s: RuntimeError: %s" % (kw, e))


def build_sort_cases():
    """torch.sort(keys, 0) permutations (stable=False) on int64 keys with many duplicates: the order coalesce() sums in."""
    g = np.random.default_rng(25)
    cases = []
    for n, distinct, kind in [(16, 3, "random"), (17, 3, "random"), (40, 5, "random"), (200, 9, "random"),
                              (1000, 30, "random"), (5000, 7, "random"), (300, 20, "sorted"), (300, 20, "reversed"),
                              (257, 1, "random"), (600, 600, "random")]:
        keys = g.integers(0, distinct, size=n)
        if kind == "sorted":
            keys = np.sort(keys)
        elif kind == "reversed":
            keys = np.sort(keys)[::-1].copy()
        _, perm = torch.from_numpy(keys.astype(np.int64)).sort(0)
        cases.append({"n": n, "kind": kind, "keys": keys.tolist(), "permutation": perm.tolist()})
    return cases


def main():
    if "--probe" in sys.argv:
        probe()
        return 0
    os.makedirs(OUT, exist_ok=True)
    cap = next((ln.split(":", 1)[1].strip() for ln in torch.__config__.show().splitlines() if "CPU capability" in ln), "?")
    head = {"torch": torch.__version__, "capability": cap, "numpy": np.__version__, "steps": STEPS}
    files = []
    for fname, body in (("cases.json", {"cases": build_cases()}), ("schedules.json", {"schedules": build_schedules()}),
                        ("sort.json", {"sorts": build_sort_cases()})):
        path = os.path.join(OUT, fname)
        with open(path + ".tmp", "w") as f:
            json.dump(dict(head, **body), f, separators=(",", ":"))
        os.replace(path + ".tmp", path)
        files.append("optim/" + fname)
    write_manifest(files, f"torch {torch.__version__} ({cap}), numpy {np.__version__}")
    print("wrote", ", ".join(files))
    return 0


def write_manifest(files, versions):
    update_manifest(__file__, files, versions, "/usr/bin/python3 tools/goldens/make_optim.py (seeds: " + SEEDS + ")")


if __name__ == "__main__":
    sys.exit(main())
