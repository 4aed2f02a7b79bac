#!/usr/bin/python3
"""orthogonal_ against torch 1.13 (Debian python3-torch, one thread) and libtorch 2.10 (TorchSharp-cpu 0.107.0, through
tools/goldens/torch2/run.sh ops): max |ours - torch| per shape and seed, and its ratio to the bound
(32 + max(rows, cols)) * 2^-24 * max(1, gain) that tests/EmbedSharp.Tests/Parity/InitParityTests.cs uses; also
max |torch 1.13 - libtorch 2.10| for scale (their LAPACKs differ).

Run:  /usr/bin/python3 tools/compat/orthogonal.py     (builds the CLI in Release first)
      EMBEDSHARP_TORCH2_RUN=path/to/run.sh selects another harness; EMBEDSHARP_TORCH2=0 skips libtorch 2.10.
"""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
SHAPES = [(64, 64), (100, 300), (300, 100), (300, 300), (512, 512), (1000, 300), (2000, 512)]
SEEDS = (0, 1, 2)


def main():
    torch.set_num_threads(1)
    subprocess.run(["dotnet", "build", "-c", "Release", os.path.join(ROOT, "src", "EmbedSharp.Cli"), "-v", "q", "-nologo"],
                   check=True, stdout=subprocess.DEVNULL)
    cli = ["dotnet", os.path.join(ROOT, "src", "EmbedSharp.Cli", "bin", "Release", "net10.0", "EmbedSharp.Cli.dll")]
    use2 = os.environ.get("EMBEDSHARP_TORCH2", "1") != "0"
    harness = os.environ.get("EMBEDSHARP_TORCH2_RUN") or os.path.join(ROOT, "tools", "goldens", "torch2", "run.sh")
    with tempfile.TemporaryDirectory() as tmp:
        ref2 = {}
        if use2:
            spec = [{"seed": seed, "shape": list(shape), "ops": [["orthogonal_", 1.0, 0]]} for shape in SHAPES for seed in SEEDS]
            sp, op = os.path.join(tmp, "spec.json"), os.path.join(tmp, "out.json")
            with open(sp, "w") as f:
                json.dump(spec, f)
            subprocess.run([harness, "ops", sp, op], check=True, stdout=subprocess.DEVNULL)
            with open(op) as f:
                for c in json.load(f):
                    bits = np.array(c["bits"], dtype=np.uint32).view(np.float32).reshape(c["shape"])
                    ref2[(tuple(c["shape"]), c["seed"])] = bits
        print(f"torch {torch.__version__} (1 thread){'; libtorch 2.10.0 (TorchSharp-cpu 0.107.0)' if use2 else ''}; "
              f"bound = (32 + max(rows, cols)) * 2^-24")
        out = os.path.join(tmp, "o.npy")
        worst1, worst2 = 0.0, 0.0
        for shape in SHAPES:
            for seed in SEEDS:
                torch.manual_seed(seed)
                t = torch.empty(*shape)
                torch.nn.init.orthogonal_(t)
                subprocess.run(cli + ["init", "--shape", ",".join(map(str, shape)), "--scheme", "orthogonal",
                                      "--seed", str(seed), "--out", out], check=True, stdout=subprocess.DEVNULL)
                ours = np.load(out).astype(np.float64)
                bound = (32 + max(shape)) * 2.0 ** -24
                d1 = np.abs(ours - t.numpy()).max()
                worst1 = max(worst1, d1 / bound)
                line = (f"{shape[0]:5d} x {shape[1]:<5d} seed {seed}: vs 1.13 max |diff| {d1:.3g} ({d1 / bound:.3f} of the bound)")
                if use2:
                    r2 = ref2[(shape, seed)].astype(np.float64)
                    d2 = np.abs(ours - r2).max()
                    d12 = np.abs(t.numpy().astype(np.float64) - r2).max()
                    worst2 = max(worst2, d2 / bound)
                    line += f"; vs 2.10 {d2:.3g} ({d2 / bound:.3f}); 1.13 vs 2.10 {d12:.3g} ({d12 / bound:.3f})"
                print(line)
        print(f"worst: {worst1:.3f} of the bound against 1.13" + (f", {worst2:.3f} against 2.10" if use2 else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
