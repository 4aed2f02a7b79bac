#!/usr/bin/python3
"""Golden fixtures for the generator and every torch.nn.init scheme, made by PyTorch itself.

Re-run:  /usr/bin/python3 tools/goldens/make_init.py        (Debian: apt-get install python3-torch)
Writes:  tests/data/init/cases.json and tests/data/init/state_*.bin, and updates tests/data/MANIFEST.

Each case is a seed plus a sequence of calls on ONE generator (torch.manual_seed then the calls in order),
so the tests also prove that the stream position after each call is right. Every output is recorded as
the SHA-256 of its little-endian bytes, the first values' bits (for diagnosis), and, when small or when a
tolerance applies (orthogonal_), all of its values. After the calls the SHA-256 of torch.get_rng_state()
is recorded too.
"""
import base64
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
OUT = os.path.join(ROOT, "tests", "data", "init")

SEEDS = [0, 1, 42, 123456789, 2**32 + 5, -7, 2**40 + 3]
FULL_LIMIT = 64  # outputs up to this many elements are stored in full


def bits_hex(a):
    a = np.ascontiguousarray(a)
    if a.dtype == np.float32:
        return ["%08x" % v for v in a.reshape(-1).view(np.uint32)]
    return [str(int(v)) for v in a.reshape(-1)]


def record(t, full=False):
    a = t.detach().cpu().numpy() if isinstance(t, torch.Tensor) else np.asarray(t)
    a = np.ascontiguousarray(a)
    out = {
        "dtype": str(a.dtype),
        "shape": list(a.shape),
        "sha256": hashlib.sha256(a.tobytes()).hexdigest(),
        "head": bits_hex(a.reshape(-1)[:8]),
    }
    if a.size <= FULL_LIMIT:
        out["values"] = bits_hex(a)
    if full:
        out["data_b64"] = base64.b64encode(a.astype("<f4").tobytes()).decode()
    return out


def run_call(call):
    op, shape, args = call["op"], tuple(call.get("shape", ())), call.get("args", {})
    init = torch.nn.init
    if op == "randperm":
        return record(torch.randperm(args["n"]))
    if op == "embedding":
        m = torch.nn.Embedding(args["num"], args["dim"], padding_idx=args.get("padding_idx"))
        return record(m.weight)
    if op == "linear":
        m = torch.nn.Linear(args["in"], args["out"], bias=args.get("bias", True))
        outs = [record(m.weight)]
        if m.bias is not None:
            outs.append(record(m.bias))
        return outs
    if op == "rand":
        return record(torch.rand(*shape))
    if op == "randn":
        return record(torch.randn(*shape))
    t = torch.empty(*shape, dtype=torch.float32)
    if op == "uniform":
        init.uniform_(t, **args)
    elif op == "normal":
        init.normal_(t, **args)
    elif op == "trunc_normal":
        init.trunc_normal_(t, **args)
    elif op == "constant":
        init.constant_(t, **args)
    elif op == "ones":
        init.ones_(t)
    elif op == "zeros":
        init.zeros_(t)
    elif op == "eye":
        init.eye_(t)
    elif op == "dirac":
        init.dirac_(t, **args)
    elif op == "xavier_uniform":
        init.xavier_uniform_(t, **args)
    elif op == "xavier_normal":
        init.xavier_normal_(t, **args)
    elif op == "kaiming_uniform":
        init.kaiming_uniform_(t, **args)
    elif op == "kaiming_normal":
        init.kaiming_normal_(t, **args)
    elif op == "orthogonal":
        init.orthogonal_(t, **args)
        return record(t, full=True)
    elif op == "sparse":
        init.sparse_(t, **args)
    else:
        raise ValueError(op)
    return record(t)


def case(name, seed, calls):
    torch.manual_seed(seed)
    outputs = []
    for c in calls:
        r = run_call(c)
        outputs.extend(r if isinstance(r, list) else [r])
    state = torch.get_rng_state().numpy().tobytes()
    return {"name": name, "seed": seed, "calls": calls, "outputs": outputs,
            "state_sha256": hashlib.sha256(state).hexdigest()}


def c(op, shape=(), **args):
    d = {"op": op, "args": args}
    if shape != ():
        d["shape"] = list(shape)
    return d


def build_cases():
    cases = []
    sizes = [1, 15, 16, 17, 31, 1000]
    ranks = [(7,), (4, 6), (3, 4, 5), (2, 3, 4, 5), (2, 2, 3, 2, 3)]
    for s in SEEDS:
        for n in sizes:
            cases.append(case(f"uniform n={n}", s, [c("uniform", (n,), a=-0.1, b=0.1)]))
            cases.append(case(f"normal n={n}", s, [c("normal", (n,), mean=0.5, std=2.0)]))
            cases.append(case(f"trunc_normal n={n}", s, [c("trunc_normal", (n,), mean=0.0, std=1.0, a=-2.0, b=2.0)]))
        cases.append(case("randperm", s, [c("randperm", n=1), c("randperm", n=2), c("randperm", n=17), c("randperm", n=1000)]))
        # the scalar normal path keeps its cached second value across calls and tensors
        cases.append(case("normal cache chain", s, [c("randn", (5,)), c("randn", (3,)), c("randn", (20,)), c("randn", (1,)),
                                                   c("normal", (7,), mean=-1.0, std=0.25), c("rand", (3,)), c("randn", (2,))]))
        for shp in ranks[1:]:
            cases.append(case(f"xavier_uniform {shp}", s, [c("xavier_uniform", shp, gain=1.0)]))
            cases.append(case(f"xavier_normal {shp}", s, [c("xavier_normal", shp, gain=2.0)]))
            cases.append(case(f"kaiming_uniform {shp}", s, [c("kaiming_uniform", shp)]))
            cases.append(case(f"kaiming_normal {shp}", s, [c("kaiming_normal", shp, mode="fan_out", nonlinearity="relu")]))
            cases.append(case(f"orthogonal {shp}", s, [c("orthogonal", shp, gain=1.5)]))
        for shp in ranks:
            cases.append(case(f"uniform rank {len(shp)}", s, [c("uniform", shp)]))
            cases.append(case(f"normal rank {len(shp)}", s, [c("normal", shp)]))
        cases.append(case("sparse", s, [c("sparse", (20, 7), sparsity=0.3), c("sparse", (5, 40), sparsity=0.5, std=1.0),
                                         c("sparse", (1, 3), sparsity=0.9), c("sparse", (300, 16), sparsity=0.1)]))
        cases.append(case("orthogonal sizes", s, [c("orthogonal", (1, 1)), c("orthogonal", (3, 5)), c("orthogonal", (5, 3)),
                                                   c("orthogonal", (16, 16)), c("orthogonal", (40, 24), gain=0.5)]))
        cases.append(case("modules", s, [c("embedding", num=10, dim=3, padding_idx=0), c("embedding", num=4, dim=3),
                                          c("embedding", num=7, dim=5, padding_idx=-1), c("linear", **{"in": 300, "out": 100}),
                                          c("linear", **{"in": 3, "out": 2}), c("embedding", num=1000, dim=64)]))
        cases.append(case("several inits in a row", s, [
            c("xavier_uniform", (30, 20)), c("normal", (5,), std=0.02), c("trunc_normal", (17, 3), std=0.02),
            c("kaiming_normal", (8, 4, 3), a=0.2, nonlinearity="leaky_relu"), c("sparse", (10, 10), sparsity=0.25),
            c("kaiming_uniform", (6, 9), a=math.sqrt(5)), c("xavier_normal", (3, 3)), c("uniform", (33,), a=-3.0, b=7.5),
            c("normal", (40,), mean=1.0, std=0.5), c("trunc_normal", (100,), mean=0.5, std=2.0, a=-1.0, b=3.0),
            c("orthogonal", (7, 11)), c("randperm", n=50), c("normal", (3,), mean=2.0, std=3.0)]))
        cases.append(case("deterministic inits", s, [
            c("constant", (3, 4), val=0.3), c("ones", (5,)), c("zeros", (2, 3)), c("eye", (3, 5)), c("eye", (4, 2)),
            c("dirac", (4, 2, 3)), c("dirac", (6, 3, 3, 3), groups=2), c("dirac", (2, 2, 1, 3, 3)), c("normal", (2,))]))
        for scheme, kw in [("uniform", {}), ("normal", {}), ("trunc_normal", {"std": 0.02}), ("xavier_uniform", {}),
                           ("kaiming_normal", {}), ("kaiming_uniform", {"a": math.sqrt(5)})]:
            if s in (0, -7, 2**32 + 5):
                cases.append(case(f"{scheme} 10000x300", s, [c(scheme, (10000, 300), **kw)]))
    cases.append(case("orthogonal large", 0, [c("orthogonal", (150, 140)), c("orthogonal", (64, 130), gain=0.5)]))
    # kaiming variants and gains on one seed
    for nl, a in [("linear", 0), ("sigmoid", 0), ("tanh", 0), ("relu", 0), ("leaky_relu", 0), ("leaky_relu", 0.2),
                  ("selu", 0), ("conv2d", 0), ("conv_transpose3d", 0)]:
        for mode in ("fan_in", "fan_out"):
            cases.append(case(f"kaiming_uniform {nl} a={a} {mode}", 3, [c("kaiming_uniform", (12, 5, 3), a=a, mode=mode, nonlinearity=nl)]))
    return cases


def state_fixture():
    """A state saved in Python mid-stream (with a cached normal) that C# must continue."""
    torch.manual_seed(2024)
    torch.randn(5)          # scalar path: leaves a cached double normal
    torch.rand(100)
    state = torch.get_rng_state().numpy().tobytes()
    with open(os.path.join(OUT, "state_2024.bin"), "wb") as f:
        f.write(state)
    cont = [c("randn", (3,)), c("uniform", (1000,), a=-1.0, b=1.0), c("normal", (37,))]
    outputs = []
    for call in cont:
        outputs.append(run_call(call))
    after = torch.get_rng_state().numpy().tobytes()
    fresh = {}
    g = torch.Generator()
    fresh["default_generator_state_sha256"] = hashlib.sha256(g.get_state().numpy().tobytes()).hexdigest()
    return {"file": "state_2024.bin", "calls": cont, "outputs": outputs,
            "state_sha256": hashlib.sha256(after).hexdigest(), **fresh}


def main():
    os.makedirs(OUT, exist_ok=True)
    cap = next((ln.split(":", 1)[1].strip() for ln in torch.__config__.show().splitlines() if "CPU capability" in ln), "?")
    doc = {"torch": torch.__version__, "capability": cap, "numpy": np.__version__,
           "cases": build_cases(), "state_continuation": state_fixture()}
    path = os.path.join(OUT, "cases.json")
    with open(path + ".tmp", "w") as f:
        json.dump(doc, f, separators=(",", ":"))
    os.replace(path + ".tmp", path)
    write_manifest(["init/cases.json", "init/state_2024.bin"], f"torch {torch.__version__} ({cap}), numpy {np.__version__}")
    print(f"{len(doc['cases'])} cases -> {path}")


def write_manifest(files, versions):
    update_manifest(__file__, files, versions, "/usr/bin/python3 tools/goldens/make_init.py (seeds %s)" % SEEDS)


if __name__ == "__main__":
    sys.exit(main())
