#!/usr/bin/python3
"""Side by side: torch.nn.init (PyTorch on the CPU) vs EmbedSharp, same machine, same run, same protocol.

Run:  /usr/bin/python3 bench/peers/init_vs_torch.py [--threads N] [--schemes a,b] [--rounds R] [shapes...]
Needs Debian's python3-torch and the .NET SDK. Prints a Markdown table with the time per call (median) and the
ratio torch / EmbedSharp (above 1 means EmbedSharp is faster). PyTorch runs with its default thread count
unless --threads is given; EmbedSharp's torch-exact path is single-threaded by nature (one MT19937 stream),
except the orthogonal QR and the erfinv of trunc_normal, which use every core.
--schemes restricts the run (e.g. --schemes trunc_normal). --rounds R repeats the whole comparison R times,
EmbedSharp then PyTorch in each round, and prints every round's ratio and their median (use it on a loaded machine:
a ratio within one round compares runs that saw the same load). --cpu-time compares process CPU seconds per call
instead (all threads' work: steadier under load, but it counts EmbedSharp's two cores as twice the cost).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

import torch

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
SCHEMES = ["uniform", "normal", "xavier_uniform", "xavier_normal", "kaiming_uniform", "kaiming_normal",
           "trunc_normal", "orthogonal", "sparse"]


def torch_call(scheme, t):
    init = torch.nn.init
    return {
        "uniform": lambda: init.uniform_(t),
        "normal": lambda: init.normal_(t),
        "xavier_uniform": lambda: init.xavier_uniform_(t),
        "xavier_normal": lambda: init.xavier_normal_(t),
        "kaiming_uniform": lambda: init.kaiming_uniform_(t),
        "kaiming_normal": lambda: init.kaiming_normal_(t),
        "trunc_normal": lambda: init.trunc_normal_(t),
        "orthogonal": lambda: init.orthogonal_(t),
        "sparse": lambda: init.sparse_(t, 0.1),
    }[scheme]


def median_time(fn, elements):
    start, calls = time.perf_counter(), 0
    while calls < 3 or time.perf_counter() - start < 0.2:  # warm-up: the same rule as the C# side
        fn()
        calls += 1
    reps = 5 if elements >= 1_000_000 else 21
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def cpu_time_per_call(fn):
    for _ in range(3):
        fn()
    start, calls = time.process_time(), 0
    while True:
        fn()
        calls += 1
        spent = time.process_time() - start
        if spent >= 0.5:
            return spent / calls


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--schemes", default=",".join(SCHEMES), help="comma-separated subset of " + ",".join(SCHEMES))
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--cpu-time", action="store_true",
                    help="compare process CPU seconds per call (total work of all threads) instead of wall time")
    ap.add_argument("shapes", nargs="*", default=["300x300", "512x512", "50000x300"])
    args = ap.parse_args()
    schemes = [x for x in args.schemes.split(",") if x]
    unknown = [x for x in schemes if x not in SCHEMES]
    if unknown:
        ap.error(f"unknown scheme(s) {unknown}; known: {SCHEMES}")
    if args.threads:
        torch.set_num_threads(args.threads)
    subprocess.run(["dotnet", "build", "-c", "Release", "-v", "q", os.path.join(ROOT, "bench", "EmbedSharp.Bench")],
                   check=True, stdout=subprocess.DEVNULL)
    rounds = []
    for _ in range(args.rounds):
        ours = json.loads(subprocess.run(
            ["dotnet", "run", "-c", "Release", "--no-build", "--project", os.path.join(ROOT, "bench", "EmbedSharp.Bench"),
             "--", "peers-init", "--schemes", ",".join(schemes), *(["--cpu-time"] if args.cpu_time else []),
             *args.shapes],
            check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1])
        theirs = {}
        for s in args.shapes:
            dims = [int(x) for x in s.split("x")]
            t = torch.empty(*dims)
            n = t.numel()
            for scheme in schemes:
                torch.manual_seed(0)
                fn = torch_call(scheme, t)
                theirs[f"{scheme}/{s}"] = cpu_time_per_call(fn) if args.cpu_time else median_time(fn, n)
        rounds.append((theirs, ours))
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; {os.cpu_count()} cores"
          f"{'; CPU seconds per call' if args.cpu_time else ''}\n")
    if args.rounds > 1:
        print("| scheme | shape | PyTorch (median) | EmbedSharp (median) | ratio per round | median ratio |")
        print("|---|---|---:|---:|---|---:|")
        for s in args.shapes:
            for scheme in schemes:
                key = f"{scheme}/{s}"
                ratios = [t[key] / o[key + "/torch-exact"] for t, o in rounds]
                tm = statistics.median(t[key] for t, _ in rounds)
                om = statistics.median(o[key + "/torch-exact"] for _, o in rounds)
                per = " ".join(f"{r:.2f}" for r in ratios)
                print(f"| {scheme} | {s} | {tm * 1e3:.3f} ms | {om * 1e3:.3f} ms | {per} | {statistics.median(ratios):.2f}x |")
        return 0
    theirs, ours = rounds[0]
    print("| scheme | shape | PyTorch | EmbedSharp (torch-exact) | ratio | EmbedSharp (parallel) | ratio |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for s in args.shapes:
        for scheme in schemes:
            key = f"{scheme}/{s}"
            t, o = theirs[key], ours[key + "/torch-exact"]
            p = ours.get(key + "/parallel")
            par = f"{p * 1e3:.3f} ms | {t / p:.2f}x" if p else " | "
            print(f"| {scheme} | {s} | {t * 1e3:.3f} ms | {o * 1e3:.3f} ms | {t / o:.2f}x | {par} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
