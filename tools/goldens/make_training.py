#!/usr/bin/python3
"""End-to-end training goldens: small models built from the same seed, trained 10 steps in PyTorch, with the loss
and every parameter recorded after each step. The C# test builds the same models from the same seed (so the initial
weights are PyTorch's bits), runs the same steps, and compares.

Re-run:  /usr/bin/python3 tools/goldens/make_training.py   (Debian: python3-torch)
"""
import base64
import json
import os

import sys

import numpy as np
import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from goldens import update_manifest  # noqa: E402
from make_formats import safetensors_bytes  # noqa: E402  (the hand-written reference layout; no python3-safetensors in Debian)

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
OUT = os.path.join(ROOT, "tests", "data", "training")
STEPS = 10


def b64(t):
    return base64.b64encode(t.detach().contiguous().numpy().astype("<f4").tobytes()).decode()


def save_state(model, path):
    """model.state_dict() as safetensors.torch.save_file would write it (no metadata)."""
    tensors = {k: ("F32", list(v.shape), v.detach().contiguous().numpy().astype("<f4").tobytes())
               for k, v in model.state_dict().items()}
    with open(path, "wb") as f:
        f.write(safetensors_bytes(tensors))


def classifier(seed, optimizer, lr, max_norm=None, state_file=None):
    """fastText-style: EmbeddingBag(mean) -> Linear -> cross-entropy."""
    torch.manual_seed(seed)
    bag = nn.EmbeddingBag(50, 8, mode="mean", max_norm=max_norm)
    lin = nn.Linear(8, 3)
    inputs = [3, 7, 7, 12, 49, 0, 5, 5, 5, 21, 33, 8, 9, 10, 11, 1, 2, 30, 31, 32, 33, 34]
    offsets = [0, 3, 5, 9, 9, 15]  # one empty bag
    targets = [0, 2, 1, 1, 0, 2]
    params = list(bag.parameters()) + list(lin.parameters())
    opt = {"sgd": lambda: torch.optim.SGD(params, lr=lr, momentum=0.9),
           "adam": lambda: torch.optim.Adam(params, lr=lr)}[optimizer]()
    loss_fn = nn.CrossEntropyLoss()
    inp, off, tgt = torch.tensor(inputs), torch.tensor(offsets), torch.tensor(targets)
    steps = []
    for _ in range(STEPS):
        opt.zero_grad()
        loss = loss_fn(lin(bag(inp, off)), tgt)
        loss.backward()
        opt.step()
        steps.append({"loss": float(loss), "bag.weight": b64(bag.weight), "linear.weight": b64(lin.weight),
                      "linear.bias": b64(lin.bias)})
    if state_file:
        save_state(nn.ModuleDict({"bag": bag, "linear": lin}), os.path.join(OUT, state_file))
    return {"name": f"classifier {optimizer} seed={seed} max_norm={max_norm}", "kind": "classifier", "seed": seed,
            "optimizer": optimizer, "lr": lr, "max_norm": max_norm, "inputs": inputs, "offsets": offsets,
            "targets": targets, "steps": steps}


def sparse_regression(seed, optimizer, lr):
    """Embedding(sparse=True, padding_idx=0) -> MSE against a fixed target, trained with a sparse optimiser."""
    torch.manual_seed(seed)
    emb = nn.Embedding(20, 4, padding_idx=0, sparse=True)
    idx = [[2, 3, 5], [5, 0, 19], [7, 7, 2]]
    target = torch.linspace(-1, 1, 36).reshape(3, 3, 4)
    opt = {"sgd": lambda: torch.optim.SGD(emb.parameters(), lr=lr),
           "sparse_adam": lambda: torch.optim.SparseAdam(list(emb.parameters()), lr=lr)}[optimizer]()
    loss_fn = nn.MSELoss()
    steps = []
    for _ in range(STEPS):
        opt.zero_grad()
        loss = loss_fn(emb(torch.tensor(idx)), target)
        loss.backward()
        opt.step()
        steps.append({"loss": float(loss), "weight": b64(emb.weight)})
    return {"name": f"sparse regression {optimizer} seed={seed}", "kind": "sparse_regression", "seed": seed,
            "optimizer": optimizer, "lr": lr, "indices": idx, "target": b64(target), "steps": steps}


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.set_num_threads(1)
    cases = []
    for seed in (0, 7, -3):
        cases.append(classifier(seed, "sgd", 0.5, state_file="classifier_sgd_seed0.safetensors" if seed == 0 else None))
        cases.append(classifier(seed, "adam", 0.01))
        cases.append(sparse_regression(seed, "sgd", 0.3))
        cases.append(sparse_regression(seed, "sparse_adam", 0.05))
    cases.append(classifier(1, "sgd", 0.5, max_norm=1.0))
    path = os.path.join(OUT, "cases.json")
    with open(path + ".tmp", "w") as f:
        json.dump({"torch": torch.__version__, "steps": STEPS, "cases": cases}, f, separators=(",", ":"))
    os.replace(path + ".tmp", path)
    update_manifest(__file__, ["training/cases.json", "training/classifier_sgd_seed0.safetensors"], f"torch {torch.__version__}",
                    "/usr/bin/python3 tools/goldens/make_training.py (seeds 0, 7, -3, 1)")
    print(f"{len(cases)} cases -> {path}")


if __name__ == "__main__":
    main()
