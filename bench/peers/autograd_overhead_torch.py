#!/usr/bin/python3
"""PyTorch 1.13's per-op cost on tiny tensors, in ns (the torch side of issue 15's autograd-overhead benchmark).

  /usr/bin/python3 bench/peers/autograd_overhead_torch.py [--iters 20000] [--repeats 5]

On 4x4 float32 tensors, one thread (torch.set_num_threads(1)), OpenBLAS pinned as in lm_step_torch.py:
  * add, mul, matmul: inputs without grad (plain eager dispatch) and with requires_grad (the op also records a node);
  * chain10: forward + backward of a 10-op chain from one leaf,
      y = ((((x + b) * w) @ m).tanh() - b).sigmoid() * w; y = (y @ m).relu().exp(); loss = y.sum(); loss.backward()
    (add, mul, matmul, tanh, sub, sigmoid, mul, matmul, relu, exp, then sum: 11 forward ops, their backward, and the
    gradient accumulation into x, w, b, m).
Each figure is the median over --repeats of (loop time / --iters), the loop body being the op alone (results
discarded). Prints one JSON object. A benchmark, not a test.
"""
import argparse
import json
import os
import statistics
import sys
import time

OPENBLAS_DIR = "/usr/lib/x86_64-linux-gnu/openblas-pthread"

if __name__ == "__main__" and os.environ.get("EMBEDSHARP_BENCH_OPENBLAS") != "1":
    _env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}
    _env.update(EMBEDSHARP_BENCH_OPENBLAS="1", OPENBLAS_NUM_THREADS="1",
                LD_LIBRARY_PATH=":".join([OPENBLAS_DIR] + [p for p in _env.get("LD_LIBRARY_PATH", "").split(":") if p]))
    os.execve(sys.executable, [sys.executable] + sys.argv, _env)

import torch  # noqa: E402


def per_op_ns(fn, iters, repeats):
    for _ in range(min(iters, 1000)):
        fn()
    runs = []
    for _ in range(repeats):
        t0 = time.perf_counter_ns()
        for _ in range(iters):
            fn()
        runs.append((time.perf_counter_ns() - t0) / iters)
    return round(statistics.median(runs), 1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--iters", type=int, default=20000)
    ap.add_argument("--repeats", type=int, default=5)
    a = ap.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(0)
    x, y = torch.randn(4, 4), torch.randn(4, 4)
    xg, yg = x.clone().requires_grad_(True), y.clone().requires_grad_(True)
    res = {"shape": [4, 4], "iters": a.iters, "repeats": a.repeats, "torch": torch.__version__, "threads": 1}
    with torch.no_grad():
        res["add_nograd_ns"] = per_op_ns(lambda: x + y, a.iters, a.repeats)
        res["mul_nograd_ns"] = per_op_ns(lambda: x * y, a.iters, a.repeats)
        res["matmul_nograd_ns"] = per_op_ns(lambda: x @ y, a.iters, a.repeats)
    res["add_grad_ns"] = per_op_ns(lambda: xg + yg, a.iters, a.repeats)
    res["mul_grad_ns"] = per_op_ns(lambda: xg * yg, a.iters, a.repeats)
    res["matmul_grad_ns"] = per_op_ns(lambda: xg @ yg, a.iters, a.repeats)

    leaf = torch.randn(4, 4, requires_grad=True)
    w = torch.randn(4, 4, requires_grad=True)
    b = torch.randn(4, requires_grad=True)
    m = (torch.randn(4, 4) * 0.3).requires_grad_(True)

    def chain():
        t = ((((leaf + b) * w) @ m).tanh() - b).sigmoid() * w
        t = (t @ m).relu().exp()
        t.sum().backward()

    chain_iters = max(1, a.iters // 10)
    res["chain10_fwd_bwd_ns"] = per_op_ns(chain, chain_iters, a.repeats)
    res["chain10_iters"] = chain_iters
    with open("/proc/self/maps") as f:
        res["blas"] = sorted({os.path.realpath(ln.split()[-1]) for ln in f if ("blas" in ln or "lapack" in ln) and "/" in ln})
    print(json.dumps(res))


if __name__ == "__main__":
    main()
