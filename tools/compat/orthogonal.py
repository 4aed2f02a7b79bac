#!/usr/bin/python3
"""orthogonal_ against torch 1.13 (Debian python3-torch, one thread): max |ours - torch| per shape and seed, and its
ratio to the bound (32 + max(rows, cols)) * 2^-24 * max(1, gain) that tests/EmbedSharp.Tests/Parity/InitParityTests.cs uses.

Run:  /usr/bin/python3 tools/compat/orthogonal.py     (builds the CLI in Release first)
"""
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
SHAPES = [(64, 64), (100, 300), (300, 100), (300, 300), (512, 512), (1000, 300), (2000, 512)]


def main():
    torch.set_num_threads(1)
    subprocess.run(["dotnet", "build", "-c", "Release", os.path.join(ROOT, "src", "EmbedSharp.Cli"), "-v", "q", "-nologo"],
                   check=True, stdout=subprocess.DEVNULL)
    cli = ["dotnet", os.path.join(ROOT, "src", "EmbedSharp.Cli", "bin", "Release", "net10.0", "EmbedSharp.Cli.dll")]
    print(f"torch {torch.__version__}; bound = (32 + max(rows, cols)) * 2^-24")
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "o.npy")
        for shape in SHAPES:
            for seed in (0, 1, 2):
                torch.manual_seed(seed)
                t = torch.empty(*shape)
                torch.nn.init.orthogonal_(t)
                subprocess.run(cli + ["init", "--shape", ",".join(map(str, shape)), "--scheme", "orthogonal",
                                      "--seed", str(seed), "--out", out], check=True, stdout=subprocess.DEVNULL)
                diff = np.abs(np.load(out).astype(np.float64) - t.numpy()).max()
                bound = (32 + max(shape)) * 2.0 ** -24
                print(f"{shape[0]:5d} x {shape[1]:<5d} seed {seed}: max |diff| {diff:.3g}  ({diff / bound:.3f} of the bound)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
