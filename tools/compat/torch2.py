#!/usr/bin/python3
"""Compatibility numbers against PyTorch 2.x (libtorch 2.10.0 from NuGet, via tools/goldens/torch2/run.sh):

  1. erfinv (float32): libtorch 2.10 vs torch 1.13's algorithm, vs the correctly rounded model, vs that model plus
     the measured MKL exceptions (tests/data/init/torch2_erfinv_exceptions.u32)
  2. nn.init.trunc_normal_: libtorch 2.10 vs `embedsharp init --scheme trunc-normal` (EmbedSharp's current rule)
     on 1000x1000 tensors, 6 seeds x 4 (mean, std, a, b)
  3. randperm around n = 214748364 (only with EMBEDSHARP_TORCH2_RANDPERM=1; ~5 minutes and ~3.5 GB)

usage: /usr/bin/python3 tools/compat/torch2.py      (needs: dotnet, g++, python3-torch 1.13, scipy, mpmath)
"""
import os
import platform
import subprocess
import sys
import tempfile

import numpy as np

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
T2 = os.path.join(ROOT, "tools", "goldens", "torch2")
sys.path.insert(0, T2)

import trunc_normal2  # noqa: E402
from erfinv2 import load_exceptions  # noqa: E402

EXC = os.path.join(ROOT, "tests", "data", "init", "torch2_erfinv_exceptions.u32")


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, **kw)


def main():
    print(f"machine: {platform.machine()} {platform.processor() or ''} {open('/proc/cpuinfo').read().split('model name')[1].split(chr(10))[0].strip(': ')}")
    info = os.path.join(tempfile.gettempdir(), "torch2_info.json")
    run([os.path.join(T2, "run.sh"), "info", info])
    print("reference:", open(info).read().replace("\n", " "))

    print("== 1. erfinv")
    run([sys.executable, os.path.join(T2, "erfinv2_check.py")])
    run([sys.executable, os.path.join(T2, "erfinv2_check.py"), EXC])

    print("== 2. trunc_normal_ 1000x1000: libtorch 2.10 vs embedsharp init (EmbedSharp's current rule)")
    run(["dotnet", "build", os.path.join(ROOT, "src", "EmbedSharp.Cli"), "-c", "Release", "-nologo", "-v", "q"],
        stdout=subprocess.DEVNULL)
    cli = [c for c in ("EmbedSharp.Cli.dll", "embedsharp.dll")]
    dll = None
    for dirpath, _, files in os.walk(os.path.join(ROOT, "src", "EmbedSharp.Cli", "bin", "Release")):
        for c in cli:
            if c in files:
                dll = os.path.join(dirpath, c)
    cases = trunc_normal2.cases(trunc_normal2.BIG_SHAPES)
    ref = trunc_normal2.run_harness(cases)
    exc = load_exceptions(EXC)
    eq_es = eq_model = total = 0
    with tempfile.TemporaryDirectory() as d:
        for c in ref:
            out = os.path.join(d, "t.npy")
            shape = ",".join(str(s) for s in c["shape"])
            run(["dotnet", dll, "init", "--shape", shape, "--scheme", "trunc-normal", "--mean", repr(c["mean"]),
                 "--std", repr(c["std"]), "--a", repr(c["a"]), "--b", repr(c["b"]), "--seed", str(c["seed"]),
                 "--out", out], stdout=subprocess.DEVNULL)
            es = np.load(out).astype(np.float32).reshape(-1).view(np.uint32)
            bits = np.array(c["bits"], dtype=np.uint32)
            e1 = int((es == bits).sum())
            e2 = int((trunc_normal2.model(c, "2.x", exc) == bits).sum())
            eq_es += e1
            eq_model += e2
            total += len(bits)
            print(f"  seed={c['seed']} mean={c['mean']} std={c['std']} a={c['a']} b={c['b']}: "
                  f"embedsharp {e1}/{len(bits)}, 2.x model {e2}/{len(bits)}")
    print(f"trunc_normal_: embedsharp (1.13 rule) {eq_es} of {total} equal ({100.0 * eq_es / total:.3f} %)")
    print(f"trunc_normal_: 2.x model (correctly rounded + exceptions) {eq_model} of {total} equal")

    if os.environ.get("EMBEDSHARP_TORCH2_RANDPERM") == "1":
        print("== 3. randperm")
        run([sys.executable, os.path.join(T2, "randperm2.py")])


if __name__ == "__main__":
    main()
