#!/usr/bin/python3
"""Side by side: one training step of the issue-15 language model, PyTorch 1.13 (OpenBLAS) vs EmbedSharp.

  /usr/bin/python3 bench/peers/lm_step_vs_torch.py [--rounds 3] [--steps 20] [--warmup 5] [--threads 1,2]

The model and step are those of bench/peers/lm_step_torch.py (2 pre-norm decoder blocks, d_model 128, 4 heads,
ffn 512, context 64, batch 16, vocab 4000, tied embeddings; zero_grad + forward + cross-entropy + backward +
clip_grad_norm_(1.0) + AdamW + schedule). The torch side is that script (one child process per thread count, OpenBLAS
pinned through LD_LIBRARY_PATH, OPENBLAS_NUM_THREADS and torch.set_num_threads = n). The C# side is
`EmbedSharp.Bench peers-lm-step` (bench/EmbedSharp.Bench/Peers/LmStepPeerTimings.cs), with the thread count set by the
runtime's DOTNET_PROCESSOR_COUNT = n: the library splits work over at most WorkSplit.MaxParts = Environment.ProcessorCount
parts, and the runtime takes that count from this variable. For each round and thread count the two sides run one
after the other (torch first in even rounds, ours first in odd ones), each a fresh process: `--warmup` steps, then the
median of `--steps` timed steps. Reported per side: the median over rounds of the per-process medians; ratio = torch
ms / ours ms (above 1: EmbedSharp faster). The C# side also reports bytes allocated per step after warm-up (this
thread's and the process's, deltas over the timed steps / steps). Our side runs twice per round: with the default
(reference-BLAS rounding, torch 1.13's netlib bits) and inside MatMulPrecision.UseFused() (fused multiply-adds in the
matrix products, as OpenBLAS computes). Prints Markdown. A benchmark, not a test.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
BENCH = os.path.join(ROOT, "bench", "EmbedSharp.Bench")


def torch_side(threads, steps, warmup):
    out = subprocess.run([sys.executable, os.path.join(ROOT, "bench", "peers", "lm_step_torch.py"), "--steps", str(steps),
                          "--warmup", str(warmup), "--threads", str(threads)], check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def ours(threads, steps, warmup, matmul="exact"):
    env = dict(os.environ, DOTNET_PROCESSOR_COUNT=str(threads))
    out = subprocess.run(["dotnet", "run", "-c", "Release", "--no-build", "--project", BENCH, "--", "peers-lm-step",
                          str(steps), str(warmup), matmul], check=True, capture_output=True, text=True, env=env)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--threads", default="1,2")
    a = ap.parse_args()
    subprocess.run(["dotnet", "build", "-c", "Release", "-v", "q", BENCH], check=True, capture_output=True)
    with open("/proc/loadavg") as f:
        load_before = f.read().split()[:3]
    threads = [int(t) for t in a.threads.split(",")]
    runs = {n: {"torch": [], "ours": [], "fused": []} for n in threads}
    for r in range(a.rounds):
        for n in threads:
            for side in (["torch", "ours", "fused"] if r % 2 == 0 else ["fused", "ours", "torch"]):
                res = torch_side(n, a.steps, a.warmup) if side == "torch" else ours(n, a.steps, a.warmup, "exact" if side == "ours" else "fused")
                runs[n][side].append(res)
                print(f"round {r} threads {n} {side}: {res['ms_per_step']} ms/step", file=sys.stderr, flush=True)
    with open("/proc/loadavg") as f:
        load_after = f.read().split()[:3]
    first = runs[threads[0]]["torch"][0]
    print(f"LM training step (2 layers, d 128, 4 heads, ffn 512, ctx 64, batch 16, vocab 4000); {a.rounds} rounds x "
          f"(warm-up {a.warmup}, median of {a.steps} steps); torch {first.get('torch')}, BLAS {first.get('blas')}; "
          f"load average before {' '.join(load_before)}, after {' '.join(load_after)}\n")
    print("| threads | torch ms/step | EmbedSharp ms/step (exact) | ratio | EmbedSharp ms/step (fused matmul) | ratio "
          "| ours: bytes/step (thread) | ours: bytes/step (process) | ours: gen0 GCs/step |")
    print("|---|---|---|---|---|---|---|---|---|")
    for n in threads:
        t = statistics.median(x["ms_per_step"] for x in runs[n]["torch"])
        o = statistics.median(x["ms_per_step"] for x in runs[n]["ours"])
        fu = statistics.median(x["ms_per_step"] for x in runs[n]["fused"])
        bt = statistics.median(x["alloc_thread_bytes_per_step"] for x in runs[n]["ours"])
        bp = statistics.median(x["alloc_total_bytes_per_step"] for x in runs[n]["ours"])
        gc0 = statistics.median(x["gen0_collections"] / x["steps"] for x in runs[n]["ours"])
        print(f"| {n} | {t:.1f} | {o:.1f} | {t / o:.2f} | {fu:.1f} | {t / fu:.2f} | {bt / 1e6:.1f} MB | {bp / 1e6:.1f} MB | {gc0:.2f} |")
    print("\nper round (torch, ours exact, ours fused):", json.dumps({n: [[x["ms_per_step"] for x in runs[n][k]] for k in ("torch", "ours", "fused")] for n in threads}))


if __name__ == "__main__":
    main()
