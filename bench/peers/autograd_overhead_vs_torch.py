#!/usr/bin/python3
"""Side by side: per-op cost on 4x4 tensors, PyTorch 1.13 vs EmbedSharp, in ns (issue 15's autograd overhead).

  /usr/bin/python3 bench/peers/autograd_overhead_vs_torch.py [--iters 20000] [--repeats 5] [--rounds 3]

The torch side is bench/peers/autograd_overhead_torch.py (one thread, OpenBLAS pinned); the C# side is
`EmbedSharp.Bench peers-autograd-overhead` (bench/EmbedSharp.Bench/Peers/AutogradOverheadPeerTimings.cs) with
DOTNET_PROCESSOR_COUNT=1, the same ops and protocol (warm-up, then the median over repeats of loop time / iters).
The two alternate for --rounds rounds (fresh processes); each figure is the median over rounds.
ratio = torch ns / ours ns (above 1: EmbedSharp faster). Prints Markdown. A benchmark, not a test.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
BENCH = os.path.join(ROOT, "bench", "EmbedSharp.Bench")
KEYS = ["add_nograd_ns", "mul_nograd_ns", "matmul_nograd_ns", "add_grad_ns", "mul_grad_ns", "matmul_grad_ns",
        "chain10_fwd_bwd_ns"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--iters", type=int, default=20000)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--rounds", type=int, default=3)
    a = ap.parse_args()
    subprocess.run(["dotnet", "build", "-c", "Release", "-v", "q", BENCH], check=True, capture_output=True)
    torch_cmd = [sys.executable, os.path.join(ROOT, "bench", "peers", "autograd_overhead_torch.py"), "--iters",
                 str(a.iters), "--repeats", str(a.repeats)]
    ours_cmd = ["dotnet", "run", "-c", "Release", "--no-build", "--project", BENCH, "--", "peers-autograd-overhead",
                str(a.iters), str(a.repeats)]
    with open("/proc/loadavg") as f:
        load_before = f.read().split()[:3]
    res = {"torch": [], "ours": []}
    for r in range(a.rounds):
        for side in (["torch", "ours"] if r % 2 == 0 else ["ours", "torch"]):
            cmd = torch_cmd if side == "torch" else ours_cmd
            env = dict(os.environ, DOTNET_PROCESSOR_COUNT="1")
            out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env)
            res[side].append(json.loads(out.stdout.strip().splitlines()[-1]))
    with open("/proc/loadavg") as f:
        load_after = f.read().split()[:3]
    print(f"4x4 float32, 1 thread, {a.iters} iters (chain10: {a.iters // 10}), median of {a.repeats} repeats, "
          f"{a.rounds} rounds; torch {res['torch'][0]['torch']}; load average before {' '.join(load_before)}, after "
          f"{' '.join(load_after)}\n")
    print("| op | torch ns | EmbedSharp ns | ratio (torch/ours) |")
    print("|---|---|---|---|")
    for k in KEYS:
        t = statistics.median(x[k] for x in res["torch"])
        o = statistics.median(x[k] for x in res["ours"])
        print(f"| {k[:-3]} | {t:.0f} | {o:.0f} | {t / o:.2f} |")


if __name__ == "__main__":
    main()
