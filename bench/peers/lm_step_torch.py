#!/usr/bin/python3
"""PyTorch 1.13's time for one training step of the issue-15 language model (the torch side; the C# side comes later).

  /usr/bin/python3 bench/peers/lm_step_torch.py [--steps 30] [--warmup 5] [--threads 1,2]

Model: the 2-layer decoder-only Transformer LM of tools/goldens/make_lm.py at issue sizes: d_model 128, 4 heads,
ffn 512, context 64, batch 16, vocab 4000; tied embeddings, pre-norm, exact GELU, dropout 0.
One step = zero_grad(set_to_none) + forward + cross-entropy + backward + clip_grad_norm_(1.0) + AdamW step (lr 3e-3,
betas (0.9, 0.95), weight decay 0.1) + LambdaLR step. Random token batches (torch.manual_seed(0)), made before timing.

BLAS: torch's mm goes through the system libblas.so.3. This script re-executes itself with LD_LIBRARY_PATH set to
OpenBLAS (Debian libopenblas0-pthread) for its own process only, with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset
and OPENBLAS_NUM_THREADS = the thread count, and reports which BLAS library /proc/self/maps shows was loaded.
For each thread count: torch.set_num_threads(n), `--warmup` steps, then the median of `--steps` timed steps.
Prints one JSON line per thread count: {"threads", "ms_per_step", "blas", ...}. A benchmark, not a test.
"""
import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import time

OPENBLAS_DIR = "/usr/lib/x86_64-linux-gnu/openblas-pthread"

VOCAB, D, HEADS, FFN, CTX, BATCH, LAYERS = 4000, 128, 4, 512, 64, 16, 2


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--child", type=int, default=0, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if not a.child:
        # one child process per thread count, each with OpenBLAS pinned through LD_LIBRARY_PATH
        for n in [int(t) for t in a.threads.split(",")]:
            env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}
            env["LD_LIBRARY_PATH"] = ":".join([OPENBLAS_DIR] + [p for p in env.get("LD_LIBRARY_PATH", "").split(":") if p])
            env["OPENBLAS_NUM_THREADS"] = str(n)
            cmd = [sys.executable, os.path.abspath(__file__), "--steps", str(a.steps), "--warmup", str(a.warmup), "--child", str(n)]
            subprocess.run(cmd, env=env, check=True)
        return
    run(a.child, a.steps, a.warmup)


def loaded_blas():
    with open("/proc/self/maps") as f:
        return sorted({os.path.realpath(ln.split()[-1]) for ln in f if ("blas" in ln or "lapack" in ln) and "/" in ln})


def run(threads, steps, warmup):
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    torch.set_num_threads(threads)

    class Layer(nn.Module):
        def __init__(self):
            super().__init__()
            self.ln1 = nn.LayerNorm(D)
            self.attn = nn.MultiheadAttention(D, HEADS, dropout=0.0, batch_first=True)
            self.ln2 = nn.LayerNorm(D)
            self.fc1 = nn.Linear(D, FFN)
            self.fc2 = nn.Linear(FFN, D)

        def forward(self, h, causal):
            a = self.ln1(h)
            h = h + self.attn(a, a, a, attn_mask=causal, need_weights=False)[0]
            return h + self.fc2(F.gelu(self.fc1(self.ln2(h))))

    class LM(nn.Module):
        def __init__(self):
            super().__init__()
            self.tok = nn.Embedding(VOCAB, D)
            self.pos = nn.Embedding(CTX, D)
            self.layers = nn.ModuleList([Layer() for _ in range(LAYERS)])
            self.lnf = nn.LayerNorm(D)
            self.head = nn.Linear(D, VOCAB, bias=False)
            self.head.weight = self.tok.weight

        def forward(self, ids):
            L = ids.shape[1]
            h = self.tok(ids) + self.pos(torch.arange(L))
            causal = torch.ones(L, L, dtype=torch.bool).triu(1)
            for layer in self.layers:
                h = layer(h, causal)
            return self.head(self.lnf(h))

    torch.manual_seed(0)
    model = LM()
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3, betas=(0.9, 0.95), weight_decay=0.1)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda e: 0.2 + 0.8 * e / 5 if e < 5 else 0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(e - 5, 995) / 995)))
    total = warmup + steps
    ids = torch.randint(0, VOCAB, (total, BATCH, CTX))
    targets = torch.randint(0, VOCAB, (total, BATCH, CTX))

    def step(i):
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(ids[i]).reshape(-1, VOCAB), targets[i].reshape(-1))
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        return loss

    for i in range(warmup):
        step(i)
    times = []
    for i in range(warmup, total):
        t0 = time.perf_counter()
        step(i)
        times.append((time.perf_counter() - t0) * 1000)
    blas = loaded_blas()
    print(json.dumps({"threads": threads, "ms_per_step": round(statistics.median(times), 3),
                      "ms_min": round(min(times), 3), "ms_max": round(max(times), 3), "steps": steps, "warmup": warmup,
                      "blas": blas, "openblas": any("openblas" in b for b in blas), "torch": torch.__version__,
                      "params": sum(p.numel() for p in model.parameters()),
                      "sizes": {"layers": LAYERS, "d_model": D, "heads": HEADS, "ffn": FFN, "context": CTX, "batch": BATCH,
                                "vocab": VOCAB}}), flush=True)


if __name__ == "__main__":
    main()
