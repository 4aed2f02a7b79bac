#!/usr/bin/python3
"""Whole-model golden for issue 15: a 2-layer decoder-only Transformer LM with tied embeddings, trained 20 steps by
PyTorch 1.13 (Debian python3-torch) on the reference (netlib) BLAS, one thread.

Re-run:  /usr/bin/python3 tools/goldens/make_lm.py
Writes:  tests/data/autograd/lm.json, its MANIFEST line, and the "lm.json" section of tests/data/autograd/README.md
         (between the make_lm.py markers; tools/goldens/make_autograd.py rewrites that README without it, so re-run this
         script after that one).

Model (the Block of make_autograd.py's decoder_block, stacked): tok = Embedding(V, d), pos = Embedding(ctx, d);
per layer i (ModuleList "layers"): h = h + attn(ln1(h)) with nn.MultiheadAttention(d, heads, dropout=0,
batch_first=True), a causal bool mask (True above the diagonal) and need_weights=False; h = h + fc2(gelu(fc1(ln2(h))))
with the exact (erf) GELU; then lnf and head = Linear(d, V, bias=False) whose weight IS tok.weight. Parameter names
are PyTorch's dotted module paths: tok.weight, pos.weight, layers.{i}.ln1.weight, layers.{i}.ln1.bias,
layers.{i}.attn.in_proj_weight, layers.{i}.attn.in_proj_bias, layers.{i}.attn.out_proj.weight,
layers.{i}.attn.out_proj.bias, layers.{i}.ln2.{weight,bias}, layers.{i}.fc1.{weight,bias}, layers.{i}.fc2.{weight,bias},
lnf.{weight,bias}; the state dict also lists head.weight (the same tensor as tok.weight), named_parameters() does not.

Data: character level on the first two paragraphs of Charles Dickens, "A Tale of Two Cities" (1859; public domain;
Project Gutenberg eBook #98, ASCII "--" for the dash). The 37 distinct characters, sorted, are ids 0..36; ids 37..47
are never seen in the data (their tied rows learn only through the head), V = 48.

Conventions as make_autograd.py: float32 arrays {"shape", "b64"} (little-endian float32, base64), integers
{"shape", "ints"}; Python floats are written with repr (exact doubles).
"""
import base64
import copy
import hashlib
import json
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from goldens import loaded_reference_blas, pin_reference_blas  # noqa: E402

if __name__ == "__main__":
    pin_reference_blas()

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from goldens import DATA, MANIFEST, update_manifest, write_atomic  # noqa: E402

OUT = os.path.join(DATA, "autograd")

TEXT = (
    "It was the best of times, it was the worst of times, it was the age of wisdom, it was the age of foolishness, "
    "it was the epoch of belief, it was the epoch of incredulity, it was the season of Light, it was the season of "
    "Darkness, it was the spring of hope, it was the winter of despair, we had everything before us, we had nothing "
    "before us, we were all going direct to Heaven, we were all going direct the other way--in short, the period was "
    "so far like the present period, that some of its noisiest authorities insisted on its being received, for good "
    "or for evil, in the superlative degree of comparison only. "
    "There were a king with a large jaw and a queen with a plain face, on the throne of England; there were a king "
    "with a large jaw and a queen with a fair face, on the throne of France. In both countries it was clearer than "
    "crystal to the lords of the State preserves of loaves and fishes, that things in general were settled for ever."
)

VOCAB, D, HEADS, FFN, CTX, BATCH, LAYERS, STEPS = 48, 32, 4, 64, 16, 4, 2, 20
LR, BETAS, WD, EPS, MAX_NORM = 3e-3, (0.9, 0.95), 0.1, 1e-8, 1.0
WARMUP, TOTAL, MIN_FACTOR, START_FACTOR = 5, 20, 0.1, 0.2
SEED_MODEL, SEED_DATA = 1500, 1501


def lr_factor(e):
    """EmbedSharp.Training.Schedules.WarmupCosineLR's f(e), the same double operations in the same order."""
    if e < WARMUP:
        return START_FACTOR + (1.0 - START_FACTOR) * e / WARMUP
    if e >= TOTAL:
        return MIN_FACTOR
    return MIN_FACTOR + (1.0 - MIN_FACTOR) * 0.5 * (1.0 + math.cos(math.pi * (e - WARMUP) / (TOTAL - WARMUP)))


def arr(t):
    a = t.detach().cpu().numpy() if isinstance(t, torch.Tensor) else np.asarray(t)
    shape = list(np.shape(a))
    if a.dtype.kind in "iub":
        return {"shape": shape, "ints": [int(v) for v in a.reshape(-1)]}
    a = np.ascontiguousarray(a, dtype="<f4")
    return {"shape": shape, "b64": base64.b64encode(a.tobytes()).decode()}


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
        self.head.weight = self.tok.weight  # tied

    def forward(self, ids):
        L = ids.shape[1]
        h = self.tok(ids) + self.pos(torch.arange(L))
        causal = torch.ones(L, L, dtype=torch.bool).triu(1)
        for layer in self.layers:
            h = layer(h, causal)
        return self.head(self.lnf(h))


def train(model, batches):
    """The recipe; returns per-step loss tensors, total norms, lr used, and step 1's gradients before clipping and
    parameters after its update."""
    opt = torch.optim.AdamW(model.parameters(), lr=LR, betas=BETAS, eps=EPS, weight_decay=WD)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lr_factor)
    out = {"loss": [], "norm": [], "lr": []}
    for s, (ids, targets) in enumerate(batches):
        opt.zero_grad(set_to_none=True)
        logits = model(ids)
        loss = F.cross_entropy(logits.reshape(-1, VOCAB), targets.reshape(-1))
        loss.backward()
        if s == 0:
            out["grads1"] = {n: p.grad.detach().clone() for n, p in model.named_parameters()}
        tn = nn.utils.clip_grad_norm_(model.parameters(), max_norm=MAX_NORM)
        out["lr"].append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
        if s == 0:
            out["params1"] = {n: p.detach().clone() for n, p in model.named_parameters()}
        out["loss"].append(loss.detach().clone())
        out["norm"].append(tn.detach().clone())
    return out


def _round_f32(fr):
    """Round a Fraction to the nearest float32 (ties to even)."""
    from fractions import Fraction
    c = np.float32(float(fr))
    best = c
    for cand in (np.nextafter(c, np.float32(-np.inf)), np.nextafter(c, np.float32(np.inf))):
        d, db = abs(Fraction(float(cand)) - fr), abs(Fraction(float(best)) - fr)
        if d < db or (d == db and int(cand.view(np.int32)) & 1 == 0):
            best = cand
    return np.float32(best)


def _fma32(a, b, c):
    from fractions import Fraction
    return _round_f32(Fraction(float(a)) * Fraction(float(b)) + Fraction(float(c)))


def norm2_model(x):
    """The order EmbedSharp's GradientClipping.TwoNorm uses for torch.norm(x, 2) (see the README section)."""
    f32 = np.float32
    n = len(x)
    acc = [f32(0)] * 8
    d = 0
    while d + 8 <= n:
        acc = [_fma32(x[d + j], x[d + j], acc[j]) for j in range(8)]
        d += 8
    s = acc[0]
    for j in range(1, 8):
        s = f32(s + acc[j])
    grouped = d + ((n - d) // 4) * 4
    for i in range(d, n):
        s = f32(s + f32(x[i] * x[i])) if i < grouped else _fma32(x[i], x[i], s)
    return f32(np.sqrt(s))


def check_norm_order():
    """torch.norm(x, 2) against norm2_model on many lengths and alignments; raises on any difference."""
    g = torch.Generator().manual_seed(3)
    base = torch.randn(8192, generator=g) * 3
    count = 0
    for n in list(range(1, 80)) + [100, 127, 255, 257, 1000, 1023, 4095]:
        for off in range(8):
            for t in range(3):
                x = base[off + t * 131:off + t * 131 + n]
                if norm2_model(x.numpy()).tobytes() != torch.norm(x, 2.0).numpy().tobytes():
                    raise SystemExit(f"torch.norm order differs from the model at n={n}, offset {off}, trial {t}")
                count += 1
    return count


def clip_cases():
    """Small clip_grad_norm_ cases for the other norm types and a sparse gradient (torch's results as they are)."""
    cases = []
    shapes = [(37,), (6, 5), (2, 3, 4), (1,), (64, 3)]
    for i, (norm_type, max_norm, scale) in enumerate([(2.0, 1.0, 1.0), (2.0, 50.0, 1.0), (1.0, 0.5, 1.0), (3.0, 0.25, 1.0),
                                                      (float("inf"), 0.3, 1.0), (0.0, 10.0, 1.0), (2.0, 1e-3, 1e-4)]):
        torch.manual_seed(1600 + i)
        ps = [nn.Parameter(torch.zeros(s)) for s in shapes]
        for p in ps:
            p.grad = torch.randn(p.shape) * scale
        before = [arr(p.grad) for p in ps]
        tn = nn.utils.clip_grad_norm_(ps, max_norm=max_norm, norm_type=norm_type)
        cases.append({"name": f"clip_p{norm_type}_max{max_norm}", "norm_type": repr(norm_type), "max_norm": max_norm,
                      "grads": before, "total_norm": arr(tn), "grads_after": [arr(p.grad) for p in ps]})
    # sparse embedding gradient (uncoalesced, duplicate rows) + a dense one
    torch.manual_seed(1650)
    emb = nn.Embedding(10, 5, sparse=True)
    lin = nn.Linear(5, 3)
    ids = torch.tensor([[1, 3, 1, 7], [3, 3, 9, 1]])
    (lin(emb(ids)) * torch.randn(2, 4, 3)).sum().backward()
    g = emb.weight.grad
    rec = {"name": "clip_sparse_embedding", "norm_type": "2.0", "max_norm": 0.5,
           "sparse_indices": arr(g._indices()[0]), "sparse_values": arr(g._values()),
           "dense_grads": {"weight": arr(lin.weight.grad), "bias": arr(lin.bias.grad)}}
    tn = nn.utils.clip_grad_norm_([emb.weight, lin.weight, lin.bias], max_norm=0.5)
    rec.update({"total_norm": arr(tn), "dense_grads_after": {"weight": arr(lin.weight.grad), "bias": arr(lin.bias.grad)},
                "torch_sparse_values_after": arr(emb.weight.grad._values()),
                "note": "torch 1.13 counts the sparse gradient's coalesced values in the norm but leaves the sparse "
                        "gradient unscaled (mul_ on the detached sparse alias does not write the original's values)"})
    cases.append(rec)
    return cases


def loaded_blas():
    return loaded_reference_blas(torch)


README_BEGIN = "<!-- make_lm.py: begin -->"
README_END = "<!-- make_lm.py: end -->"


def readme_section(doc):
    l32 = [float(np.frombuffer(base64.b64decode(s["loss"]["b64"]), "<f4")[0]) for s in doc["steps"]]
    l64 = [s["loss64"] for s in doc["steps"]]
    drift = [abs(a - b) for a, b in zip(l32, l64)]
    lines = [README_BEGIN, "## lm.json (tools/goldens/make_lm.py): a 2-layer Transformer LM trained 20 steps", "",
             f"2 layers, d_model {D}, {HEADS} heads, ffn {FFN}, context {CTX}, batch {BATCH}, vocab {VOCAB} (characters of "
             "the first two paragraphs of Dickens' *A Tale of Two Cities*, Project Gutenberg #98; ids 37..47 unused), tied "
             "embeddings, pre-norm, exact GELU, dropout 0. AdamW (lr 3e-3, betas (0.9, 0.95), eps 1e-8, weight decay 0.1), "
             "LambdaLR = WarmupCosineLR(warm-up 5 from 0.2, cosine to 0.1 at 20), clip_grad_norm_(1.0) before every step. "
             "Default PyTorch init (the tied embedding is N(0, 1), so the logits are large and the first loss is about 21, "
             "not ln 48 = 3.9).",
             "Keys: `text`, `vocab`, `param_names`, `state_dict_names`, `init` (named parameters), `steps[i]` = {ids, "
             "targets, loss (float32), loss_value, loss64, total_norm, lr}, `grads1`/`params1` (step 1's gradients before "
             "clipping and parameters after the update, for an optimiser-only replay), `final`, `clip_cases`.",
             "", "Float32 loss vs the float64 run of the same recipe (torch's own drift):", "",
             "| step | loss f32 | loss f64 | abs diff |", "|---|---|---|---|"]
    for i, (a, b, d) in enumerate(zip(l32, l64, drift)):
        lines.append(f"| {i + 1} | {a:.7f} | {b:.7f} | {d:.2e} |")
    lines += ["", f"Max |loss32 − loss64| over the 20 steps: {max(drift):.3e} (relative {max(d / b for d, b in zip(drift, l64)):.3e}).",
              "", "`clip_cases`: clip_grad_norm_ with p = 2, 1, 3, inf, 0, one that does not clip, tiny gradients, and a sparse "
              "embedding gradient. Measured facts (reproduced bit for bit by EmbedSharp's GradientClipping):",
              f"* torch.norm(x, 2) of a contiguous float32 tensor (this AVX2 build) = 8 lanes accumulated with FMA over the "
              "first 8*floor(n/8) values, the lanes summed left to right, then of the r = n mod 8 remaining values the first "
              "4*floor(r/4) added as rounded squares and the last r mod 4 with FMA (GCC's contraction of the tail loop), then "
              f"sqrtf; checked by this script on {doc['norm2_order_checked_vectors']} vectors (n = 1..79 and up to 4095, 8 alignments), all bit-identical.",
              "* max_norm / (total + 1e-6) is (total + 1e-6f).reciprocal() * (float)max_norm in float32.",
              "* A sparse gradient's norm is that of its coalesced values, but torch 1.13 leaves the sparse gradient "
              "unscaled (`torch_sparse_values_after` equals the values before): mul_ on the detached sparse alias does not "
              "write the original's values.",
              README_END]
    return "\n".join(lines) + "\n"


def update_readme(section):
    path = os.path.join(OUT, "README.md")
    text = open(path, encoding="utf-8").read()
    if README_BEGIN in text:
        head, rest = text.split(README_BEGIN, 1)
        tail = rest.split(README_END, 1)[1].lstrip("\n")
        text = head + section + tail
    else:
        text = text.rstrip("\n") + "\n\n" + section
    write_atomic(path, text, mode="w")
    # keep README.md's MANIFEST line (owned by make_autograd.py) but refresh its hash
    sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
    with open(MANIFEST, encoding="utf-8") as f:
        lines = [ln.rstrip("\n") for ln in f if ln.strip()]
    lines = ["\t".join(ln.split("\t")[:-1] + [sha]) if ln.split("\t")[0] == "autograd/README.md" else ln for ln in lines]
    write_atomic(MANIFEST, "\n".join(lines) + "\n", mode="w")


def main():
    blas = loaded_blas()
    torch.set_num_threads(1)
    chars = sorted(set(TEXT))
    assert len(chars) <= VOCAB
    data = torch.tensor([chars.index(c) for c in TEXT], dtype=torch.long)
    gen = torch.Generator().manual_seed(SEED_DATA)
    batches = []
    for _ in range(STEPS):
        starts = torch.randint(0, len(data) - CTX - 1, (BATCH,), generator=gen)
        ids = torch.stack([data[s:s + CTX] for s in starts])
        targets = torch.stack([data[s + 1:s + CTX + 1] for s in starts])
        batches.append((ids, targets))

    torch.manual_seed(SEED_MODEL)
    model = LM()
    assert model.head.weight is model.tok.weight
    m64 = copy.deepcopy(model).double()
    assert m64.head.weight is m64.tok.weight
    init = {n: arr(p) for n, p in model.named_parameters()}
    r32 = train(model, batches)
    r64 = train(m64, batches)
    cap = next((ln.split(":", 1)[1].strip() for ln in torch.__config__.show().splitlines() if "CPU capability" in ln), "?")
    doc = {
        "torch": torch.__version__, "capability": cap, "numpy": np.__version__,
        "blas": "netlib reference (libblas3): " + ", ".join(blas), "threads": 1,
        "text_source": "Charles Dickens, A Tale of Two Cities (1859), the first two paragraphs; public domain "
                       "(Project Gutenberg eBook #98)",
        "text": TEXT, "vocab": chars, "vocab_size": VOCAB,
        "config": {"layers": LAYERS, "d_model": D, "heads": HEADS, "ffn": FFN, "context": CTX, "batch": BATCH,
                   "dropout": 0.0, "gelu": "exact (erf)", "norm_first": True, "tied": "head.weight is tok.weight",
                   "layer_norm_eps": 1e-5},
        "recipe": {"optimizer": "torch.optim.AdamW(model.parameters(), lr=3e-3, betas=(0.9, 0.95), eps=1e-8, weight_decay=0.1)",
                   "schedule": "LambdaLR(opt, f): f(e) = s + (1-s)*e/W if e < W; m + (1-m)*0.5*(1+cos(pi*(e-W)/(T-W))) "
                               "if e < T; m otherwise; W=5, T=20, m=0.1, s=0.2 (EmbedSharp WarmupCosineLR(opt, 5, 20, 0.1, 0.2))",
                   "step": "opt.zero_grad(set_to_none=True); loss = F.cross_entropy(model(ids).reshape(-1, V), "
                           "targets.reshape(-1)); loss.backward(); total_norm = clip_grad_norm_(model.parameters(), 1.0); "
                           "opt.step(); sched.step()",
                   "init": f"torch.manual_seed({SEED_MODEL}); LM() (default PyTorch init, modules built in the order above)",
                   "batches": f"gen = torch.Generator().manual_seed({SEED_DATA}); per step starts = torch.randint(0, "
                              f"len(data) - {CTX} - 1, ({BATCH},), generator=gen); ids = data[s:s+{CTX}], "
                              f"targets = data[s+1:s+{CTX}+1]",
                   "float64": "copy.deepcopy(initial model).double() trained by the same recipe on the same batches"},
        "param_names": [n for n, _ in model.named_parameters()],
        "state_dict_names": list(model.state_dict().keys()),
        "init": init,
        "steps": [{"step": i + 1, "ids": arr(ids), "targets": arr(t), "loss": arr(r32["loss"][i]),
                   "loss_value": float(r32["loss"][i]), "loss64": float(r64["loss"][i]),
                   "total_norm": arr(r32["norm"][i]), "total_norm64": float(r64["norm"][i]), "lr": r32["lr"][i]}
                  for i, (ids, t) in enumerate(batches)],
        "grads1": {n: arr(g) for n, g in r32["grads1"].items()},
        "params1": {n: arr(p) for n, p in r32["params1"].items()},
        "final": {n: arr(p) for n, p in model.named_parameters()},
        "clip_cases": clip_cases(),
        "norm2_order_checked_vectors": check_norm_order(),
    }
    path = os.path.join(OUT, "lm.json")
    write_atomic(path, json.dumps(doc, separators=(",", ":")), mode="w")
    update_manifest(__file__, ["autograd/lm.json"], f"torch {torch.__version__} ({cap}), numpy {np.__version__}, netlib BLAS",
                    "/usr/bin/python3 tools/goldens/make_lm.py (seeds in the file; torch.set_num_threads(1))")
    update_readme(readme_section(doc))
    print(f"{os.path.getsize(path)} bytes -> {path}")
    for s in doc["steps"]:
        print(s["step"], s["lr"], s["loss_value"], s["loss64"], float(np.frombuffer(base64.b64decode(s["total_norm"]["b64"]), "<f4")[0]))


if __name__ == "__main__":
    sys.exit(main())
