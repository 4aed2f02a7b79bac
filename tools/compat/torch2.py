#!/usr/bin/python3
"""Compatibility numbers against PyTorch 2.x (libtorch 2.10.0 from NuGet, via tools/goldens/torch2/run.sh):

  1. erfinv (float32): libtorch 2.10 vs torch 1.13's algorithm, vs the correctly rounded model, vs that model plus
     the measured MKL exceptions (tests/data/init/torch2_erfinv_exceptions.u32)
  2. nn.init.trunc_normal_: libtorch 2.10 vs `embedsharp init --scheme trunc-normal` (default --torch-build mkl)
     on 1000x1000 tensors, 6 seeds x 4 (mean, std, a, b)
  3. uniform_/normal_-based nn.init schemes and orthogonal_: libtorch 2.10 vs `embedsharp init` (uniform, normal,
     xavier-*, kaiming-*, orthogonal), shapes covering normal_'s scalar (< 16 elements), vectorised and tail paths
  4. randperm around n = 214748364 (only with EMBEDSHARP_TORCH2_RANDPERM=1; ~5 minutes and ~3.5 GB)

usage: /usr/bin/python3 tools/compat/torch2.py      (needs: dotnet, g++, python3-torch 1.13, scipy, mpmath)
"""
import json
import os
import platform
import subprocess
import sys
import tempfile

import math

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

    print("== 2. trunc_normal_ 1000x1000: libtorch 2.10 vs embedsharp init (default --torch-build mkl)")
    run(["dotnet", "build", os.path.join(ROOT, "src", "EmbedSharp.Cli"), "-c", "Release", "-nologo", "-v", "q"],
        stdout=subprocess.DEVNULL)
    # The build just made (a walk over bin/Release could pick a stale publish/ folder).
    dll = os.path.join(ROOT, "src", "EmbedSharp.Cli", "bin", "Release", "net10.0", "EmbedSharp.Cli.dll")
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
    print(f"trunc_normal_: embedsharp (default, MKL build) {eq_es} of {total} equal ({100.0 * eq_es / total:.3f} %)")
    print(f"trunc_normal_: 2.x model (correctly rounded + exceptions) {eq_model} of {total} equal")

    print("== 3. other schemes: libtorch 2.10 vs embedsharp init")
    spec, cli_args = [], []
    for seed in (0, 42, -7):
        for shape in ([3, 4], [5, 7], [100, 30], [64, 10, 3]):
            rf = math.prod(shape[2:])
            fan_in, fan_out = shape[1] * rf, shape[0] * rf
            xs = 1.0 * math.sqrt(2.0 / float(fan_in + fan_out))
            kg = math.sqrt(2.0 / (1 + 0.2 ** 2))
            for args, ops in (
                (["--scheme", "uniform", "--a", "-0.1", "--b", "0.3"], [["uniform_", -0.1, 0.3]]),
                (["--scheme", "normal", "--mean", "0.5", "--std", "0.02"], [["normal_", 0.5, 0.02]]),
                (["--scheme", "xavier-uniform", "--gain", "1"], [["uniform_", -math.sqrt(3.0) * xs, math.sqrt(3.0) * xs]]),
                (["--scheme", "xavier-normal", "--gain", "1"], [["normal_", 0.0, xs]]),
                (["--scheme", "kaiming-uniform", "--a", "0.2", "--mode", "fan-in", "--nonlinearity", "leaky-relu"],
                 [["uniform_", -math.sqrt(3.0) * kg / math.sqrt(fan_in), math.sqrt(3.0) * kg / math.sqrt(fan_in)]]),
                (["--scheme", "kaiming-normal", "--a", "0.2", "--mode", "fan-out", "--nonlinearity", "leaky-relu"],
                 [["normal_", 0.0, kg / math.sqrt(fan_out)]]),
            ):
                spec.append({"seed": seed, "shape": shape, "ops": ops})
                cli_args.append(args + ["--shape", ",".join(map(str, shape)), "--seed", str(seed)])
        for shape in ([12, 30], [30, 12], [64, 10, 3]):
            spec.append({"seed": seed, "shape": shape, "ops": [["orthogonal_", 1.5, 0]]})
            cli_args.append(["--scheme", "orthogonal", "--gain", "1.5", "--shape", ",".join(map(str, shape)),
                             "--seed", str(seed)])
    with tempfile.TemporaryDirectory() as d:
        sp, op = os.path.join(d, "spec.json"), os.path.join(d, "out.json")
        with open(sp, "w") as f:
            json.dump(spec, f)
        run([os.path.join(T2, "run.sh"), "ops", sp, op])
        with open(op) as f:
            ref = json.load(f)
        per = {}
        for c, args in zip(ref, cli_args):
            out = os.path.join(d, "t.npy")
            run(["dotnet", dll, "init", *args, "--out", out], stdout=subprocess.DEVNULL)
            es = np.load(out).astype(np.float32).reshape(-1).view(np.uint32)
            bits = np.array(c["bits"], dtype=np.uint32)
            name = args[1]
            e, n, m = per.get(name, (0, 0, 0.0))
            diff = float(np.abs(es.view(np.float32).astype(np.float64) - bits.view(np.float32)).max())
            per[name] = (e + int((es == bits).sum()), n + len(bits), max(m, diff))
        for name, (e, n, m) in per.items():
            print(f"  {name}: embedsharp {e} of {n} equal (max abs diff {m:.3g})")

    if os.environ.get("EMBEDSHARP_TORCH2_RANDPERM") == "1":
        print("== 4. randperm")
        run([sys.executable, os.path.join(T2, "randperm2.py")])


if __name__ == "__main__":
    main()
