#!/usr/bin/python3
"""Side by side: nn.Embedding / nn.EmbeddingBag (PyTorch on the CPU) vs EmbedSharp, same machine, same run, same protocol.

Run:  /usr/bin/python3 bench/peers/embedding_vs_torch.py [--case NAME] [--skip-one-thread] [--rounds N] [--torch2]
(--skip-one-thread skips the second PyTorch run: 1 thread, or all cores when the default is 1 thread. --torch2 adds
libtorch 2.10, the official build, through tools/goldens/torch2/run.sh time-embedding at 1 and 2 threads, same
protocol; it has no SparseAdam. None of these ops calls BLAS, so PyTorch's BLAS library does not matter here.)
Needs Debian's python3-torch and the .NET SDK. Cases (the C# side, Peers/EmbeddingPeerTimings.cs, has the same list):
  emb_50k_x300_idx32x128      Embedding(50000, 300), indices (32, 128)
  emb_1m_x128_idx65536        Embedding(1000000, 128), 65536 random indices
  bagmean_100k_x128_4096x50   EmbeddingBag(100000, 128, mode='mean'), 4096 bags of 50
Ops: forward lookup (EmbedSharp: "forward" is the public allocation-free kernel EmbeddingFunctions.Lookup /
BagForward into a reused buffer, "forward_api" the layer call Forward(IndexTensor) that returns a fresh tensor, disposed
after each call as PyTorch frees m(idx) when its last reference goes (the storage is then reused, as malloc reuses
PyTorch's), "forward_api_kept" the same call with the result left to the garbage collector; PyTorch's m(idx) under
no_grad is timed once and compared with all three); backward dense / sparse (weight gradient from a fixed upstream gradient, starting from no
gradient); one training iteration (zero_grad(set_to_none=True), forward, MSE against a fixed target, backward, step)
with SGD and Adam (dense) and SGD and SparseAdam (sparse=True). PyTorch runs with its default thread count and again
with 1 thread. Protocol (both sides): warm-up of at least 3 calls and 0.2 s, then the median of 31 calls (7 when a
call takes over 50 ms). Prints Markdown tables; ratio = PyTorch time / EmbedSharp time (above 1: EmbedSharp faster).
With --rounds N the two sides alternate N times (a fresh EmbedSharp process per case and round) and each side's median
over the rounds is reported: one process's times depend on where its table landed in memory.
The C# side also times, on the same table and indices, the simplest possible gather (one memmove per row, one thread;
Embedding cases) and the random-read ceiling (every 64-byte line of every looked-up row loaded once, prefetched, all
cores, no arithmetic: no lookup that reads its rows from memory is faster), and the forward's bandwidth is given as a
fraction of both. PyTorch's forward time over the ceiling's time is the largest ratio any kernel could reach in that run.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

import torch
import torch.nn.functional as F

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
CASES = [
    ("emb_50k_x300_idx32x128", 50_000, 300, (32, 128), False),
    ("emb_1m_x128_idx65536", 1_000_000, 128, (65_536,), False),
    ("bagmean_100k_x128_4096x50", 100_000, 128, (4096, 50), True),
]
OPS = ["forward", "forward_api", "forward_api_kept", "backward_dense", "backward_sparse", "train_sgd", "train_adam", "train_sgd_sparse", "train_sparseadam"]


def median_time(fn):
    start, calls = time.perf_counter(), 0
    while calls < 3 or time.perf_counter() - start < 0.2:  # warm-up: the same rule as the C# side
        fn()
        calls += 1
    per_call = (time.perf_counter() - start) / calls
    reps = 7 if per_call > 0.05 else 31
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def time_case(name, rows, dim, shape, bag):
    out = {}
    torch.manual_seed(0)
    idx = torch.randint(0, rows, shape)
    for sparse in (False, True):
        if bag:
            m = torch.nn.EmbeddingBag(rows, dim, mode="mean", sparse=sparse)
        else:
            m = torch.nn.Embedding(rows, dim, sparse=sparse)
        w = m.weight
        if not sparse:
            with torch.no_grad():
                out[f"{name}/forward"] = median_time(lambda: m(idx))
                out[f"{name}/forward_api"] = out[f"{name}/forward"]  # PyTorch's one call: a fresh output, malloc-reused
                out[f"{name}/forward_api_kept"] = out[f"{name}/forward"]
        y = m(idx)
        g = torch.full_like(y, 0.01)

        def backward():
            w.grad = None
            y.backward(g, retain_graph=True)

        out[f"{name}/backward_{'sparse' if sparse else 'dense'}"] = median_time(backward)
        target = torch.full_like(y, 0.5)
        opts = ([("train_sgd_sparse", torch.optim.SGD([w], lr=0.01)), ("train_sparseadam", torch.optim.SparseAdam([w]))]
                if sparse else
                [("train_sgd", torch.optim.SGD([w], lr=0.01)), ("train_adam", torch.optim.Adam([w]))])
        for key, opt in opts:
            def step():
                opt.zero_grad(set_to_none=True)
                loss = F.mse_loss(m(idx), target)
                loss.backward()
                opt.step()

            out[f"{name}/{key}"] = median_time(step)
            w.grad = None
        del m, w, y, g, opts
    return out


def median_of(runs):
    return {k: statistics.median(r[k] for r in runs) for k in runs[0]}


def cpu_model():
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return "?"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--case", default=None)
    ap.add_argument("--skip-one-thread", action="store_true")
    ap.add_argument("--torch2", action="store_true", help="also time libtorch 2.10 (1 and 2 threads)")
    ap.add_argument("--rounds", type=int, default=1,
                    help="alternate EmbedSharp and PyTorch this many times and report each side's median over the rounds")
    args = ap.parse_args()
    cases = [c for c in CASES if args.case in (None, c[0])]
    subprocess.run(["dotnet", "build", "-c", "Release", "-v", "q", os.path.join(ROOT, "bench", "EmbedSharp.Bench")],
                   check=True, stdout=subprocess.DEVNULL)
    default_threads = torch.get_num_threads()
    # The second PyTorch run: 1 thread, or all cores when the default already is 1 thread (as on a machine whose
    # OpenMP runtime sees one CPU).
    other_threads = 1 if default_threads != 1 else (os.cpu_count() or 1)
    ours_runs, theirs_runs, theirs1_runs = [], [], []
    torch2_runs = {1: [], 2: []}
    for _ in range(max(1, args.rounds)):
        # A round: a fresh EmbedSharp process per case (which keeps the peak memory down) and fresh PyTorch modules. The
        # times of one process depend on where its table landed in memory, so rounds show the spread between processes.
        ours = {}
        for c in cases:
            ours.update(json.loads(subprocess.run(
                ["dotnet", "run", "-c", "Release", "--no-build", "--project",
                 os.path.join(ROOT, "bench", "EmbedSharp.Bench"), "--", "peers-embedding", c[0]],
                check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1]))
        ours_runs.append(ours)
        theirs = {}
        for c in cases:
            theirs.update(time_case(*c))
        theirs_runs.append(theirs)
        if not args.skip_one_thread and other_threads != default_threads:
            torch.set_num_threads(other_threads)
            theirs1 = {}
            for c in cases:
                theirs1.update(time_case(*c))
            theirs1_runs.append(theirs1)
            torch.set_num_threads(default_threads)
        if args.torch2:
            for n in torch2_runs:
                t2 = {}
                for c in cases:
                    out = os.path.join("/tmp", f"embedsharp_torch2_{os.getpid()}.json")
                    subprocess.run(["bash", os.path.join(ROOT, "tools", "goldens", "torch2", "run.sh"), "time-embedding",
                                    c[0], str(n), out], check=True, stdout=subprocess.DEVNULL)
                    with open(out) as f:
                        t2.update({k: v for k, v in json.load(f).items() if "/" in k})
                    t2[f"{c[0]}/forward_api"] = t2[f"{c[0]}/forward"]
                    t2[f"{c[0]}/forward_api_kept"] = t2[f"{c[0]}/forward"]
                    os.remove(out)
                torch2_runs[n].append(t2)
    ours, theirs = median_of(ours_runs), median_of(theirs_runs)
    theirs1 = median_of(theirs1_runs) if theirs1_runs else {}
    torch2 = {n: median_of(r) for n, r in torch2_runs.items() if r}
    if len(ours_runs) > 1:
        print(f"Median of {len(ours_runs)} rounds per side; per-round forward times (ms):")
        for c in cases:
            key = f"{c[0]}/forward"
            print(f"  {c[0]}: PyTorch " + ", ".join(f"{r[key] * 1e3:.3f}" for r in theirs_runs)
                  + " | EmbedSharp " + ", ".join(f"{r[key] * 1e3:.3f}" for r in ours_runs))
        print()

    print(f"Machine: {os.cpu_count()} cores (nproc), {cpu_model()}; torch {torch.__version__}, "
          f"default {default_threads} threads; .NET: see `dotnet --version`\n")
    one = f" | PyTorch ({other_threads} threads) | ratio ({other_threads} threads)" if theirs1 else ""
    print(f"| case | op | PyTorch ({default_threads} threads) | EmbedSharp | ratio{one} |")
    print("|---|---|---:|---:|---:|" + ("---:|---:|" if theirs1 else ""))
    for c in cases:
        for op in OPS:
            key = f"{c[0]}/{op}"
            t, o = theirs[key], ours[key]
            extra = f" | {theirs1[key] * 1e3:.3f} ms | {theirs1[key] / o:.2f}x" if theirs1 else ""
            print(f"| {c[0]} | {op} | {t * 1e3:.3f} ms | {o * 1e3:.3f} ms | {t / o:.2f}x{extra} |")
    if torch2:
        print("\nStrongest peer per op (PyTorch 1.13 at 1 and 2 threads, libtorch 2.10 at 1 and 2 threads; "
              "ratio = fastest peer time / EmbedSharp time):\n")
        print("| case | op | 1.13, 1 thr | 1.13, 2 thr | 2.10, 1 thr | 2.10, 2 thr | EmbedSharp | ratio to the fastest |")
        print("|---|---|---:|---:|---:|---:|---:|---:|")
        by_threads = {default_threads: theirs, other_threads: theirs1}
        for c in cases:
            for op in OPS:
                key = f"{c[0]}/{op}"
                cols = [by_threads.get(1, {}).get(key), by_threads.get(2, {}).get(key),
                        torch2.get(1, {}).get(key), torch2.get(2, {}).get(key)]
                known = [v for v in cols if v is not None]
                cells = " | ".join("-" if v is None else f"{v * 1e3:.3f} ms" for v in cols)
                print(f"| {c[0]} | {op} | {cells} | {ours[key] * 1e3:.3f} ms | {min(known) / ours[key]:.2f}x |")
        if len(ours_runs) > 1:
            print("\nper-round libtorch 2.10 forward times (ms): " + "; ".join(
                f"{c[0]} {n} thr " + ", ".join(f"{r[f'{c[0]}/forward'] * 1e3:.3f}" for r in runs)
                for c in cases for n, runs in torch2_runs.items()))
    print("\n| case | gather (1 thread, memmove per row) | random-read ceiling (all cores) | EmbedSharp forward | "
          "fraction of gather | fraction of ceiling | PyTorch forward / ceiling time |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for c in cases:
        fw = ours[f"{c[0]}/forward_gbps"]
        gather = ours.get(f"{c[0]}/gather_gbps")
        ceiling = ours[f"{c[0]}/read_ceiling_gbps"]
        print(f"| {c[0]} | {f'{gather:.1f} GB/s' if gather else '-'} | {ceiling:.1f} GB/s | {fw:.1f} GB/s | "
              f"{f'{fw / gather:.0%}' if gather else '-'} | {fw / ceiling:.0%} | "
              f"{theirs[f'{c[0]}/forward'] / ours[f'{c[0]}/read_ceiling']:.2f}x |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
