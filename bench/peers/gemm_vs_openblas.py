#!/usr/bin/python3
"""Side by side: EmbedSharp's Gemm (Numerics/Gemm.cs, exact and fast modes) vs OpenBLAS sgemm through numpy, same
machine, same run.

Run:  /usr/bin/python3 bench/peers/gemm_vs_openblas.py [--case NAME] [--rounds N]
Needs Debian's python3-numpy, libopenblas0-pthread and the .NET SDK. Debian's numpy links libblas.so.3, which the
alternatives system may point at the reference BLAS (our PyTorch goldens want that one): the numpy side therefore runs
in a child process with LD_LIBRARY_PATH set to OpenBLAS's directory, OPENBLAS_NUM_THREADS = 1 or 2 and
OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE removed, and checks that libopenblas is the library it loaded.
Cases (the C# side, bench/EmbedSharp.Bench/Numerics/GemmPeerTimings.cs, has the same list): C = A·B in float32,
row-major, for squares 32 … 2048 and four tall-skinny shapes (m, n, k) = (1024, 128, 384), (1024, 384, 128),
(1024, 128, 4000), (4000, 128, 1024). Protocol (both sides): warm-up of at least 3 calls and 0.2 s, then the median of
31 calls (7 when a call takes over 50 ms). Prints GFLOP/s = 2·m·n·k / median seconds / 1e9 for OpenBLAS and for our
exact and fast modes, with ratio = OpenBLAS time / our time (> 1: we are faster); with --rounds N the sides alternate
N times and each number is the median over rounds. Also prints the FMA peak computed from the clock in /proc/cpuinfo
(nominal; a boost clock can exceed it): cores · GHz · lanes · 2 FMA pipes · 2 flops, and the load average (uptime)
before and after the run, since a shared machine makes every number provisional; a second table gives the 1-thread
rates per second of process CPU time, which time spent descheduled does not inflate.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
OPENBLAS_DIR = "/usr/lib/x86_64-linux-gnu/openblas-pthread"
CASES = [
    ("sq32", 32, 32, 32),
    ("sq64", 64, 64, 64),
    ("sq128", 128, 128, 128),
    ("sq256", 256, 256, 256),
    ("sq512", 512, 512, 512),
    ("sq1024", 1024, 1024, 1024),
    ("sq2048", 2048, 2048, 2048),
    ("ts_1024x128_k384", 1024, 128, 384),
    ("ts_1024x384_k128", 1024, 384, 128),
    ("ts_1024x128_k4000", 1024, 128, 4000),
    ("ts_4000x128_k1024", 4000, 128, 1024),
]


def median_time(fn):
    """Median wall seconds per call, and process CPU seconds per call over the same calls."""
    start, calls = time.perf_counter(), 0
    while calls < 3 or time.perf_counter() - start < 0.2:  # warm-up: the same rule as the C# side
        fn()
        calls += 1
    per_call = (time.perf_counter() - start) / calls
    reps = 7 if per_call > 0.05 else 31
    times = []
    cpu0 = time.process_time()
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), (time.process_time() - cpu0) / reps


def child(names):
    """Times numpy matmul in this process (started with the OpenBLAS environment); prints JSON GFLOP/s."""
    import numpy as np
    with open("/proc/self/maps") as maps:
        if "libopenblas" not in maps.read():
            sys.exit("numpy did not load libopenblas: is libopenblas0-pthread installed?")
    threads = os.environ["OPENBLAS_NUM_THREADS"]
    rng = np.random.default_rng(1)
    out = {}
    for name, m, n, k in CASES:
        if name not in names:
            continue
        a = rng.random((m, k), dtype=np.float32)
        b = rng.random((k, n), dtype=np.float32)
        c = np.empty((m, n), dtype=np.float32)
        wall, cpu = median_time(lambda: np.matmul(a, b, out=c))
        out[f"{name}/{threads}"] = 2.0 * m * n * k / wall / 1e9
        if threads == "1":
            out[f"{name}/1/cpu"] = 2.0 * m * n * k / cpu / 1e9
    print(json.dumps(out))


def openblas(names, threads):
    env = dict(os.environ)
    env.pop("OPENBLAS_CORETYPE", None)
    env.pop("OPENBLAS_L2_SIZE", None)
    env["OPENBLAS_NUM_THREADS"] = str(threads)
    env["LD_LIBRARY_PATH"] = OPENBLAS_DIR + (":" + env["LD_LIBRARY_PATH"] if env.get("LD_LIBRARY_PATH") else "")
    run = subprocess.run([sys.executable, os.path.abspath(__file__), "--child", ",".join(names)],
                         env=env, check=True, capture_output=True, text=True)
    return json.loads(run.stdout.strip().splitlines()[-1])


def ours(names):
    run = subprocess.run(["dotnet", "run", "-c", "Release", "--no-build", "--project",
                          os.path.join(ROOT, "bench", "EmbedSharp.Bench"), "--", "peers-gemm", ",".join(names)],
                         check=True, capture_output=True, text=True)
    return json.loads(run.stdout.strip().splitlines()[-1])


def peak():
    mhz, flags = None, ""
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("cpu MHz") and mhz is None:
                mhz = float(line.split(":")[1])
            elif line.startswith("flags") and not flags:
                flags = line
    lanes = 16 if " avx512f" in flags else 8 if " fma" in flags else 4
    per_core = mhz * 1e6 * lanes * 2 * 2 / 1e9  # lanes · 2 FMA pipes · 2 flops per FMA
    return mhz, lanes, per_core


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--case", help="comma-separated case names (default: all)")
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--child")
    args = ap.parse_args()
    if args.child is not None:
        child(args.child.split(","))
        return
    wanted = None if args.case is None else set(args.case.split(","))
    names = [c[0] for c in CASES if wanted is None or c[0] in wanted]
    subprocess.run(["dotnet", "build", "-c", "Release", "-v", "q", os.path.join(ROOT, "bench", "EmbedSharp.Bench")],
                   check=True, stdout=subprocess.DEVNULL)
    load_before = open("/proc/loadavg").read().split()[:3]
    runs_ours, runs_blas = [], []
    for _ in range(max(1, args.rounds)):
        runs_ours.append(ours(names))
        blas = openblas(names, 1)
        blas.update(openblas(names, 2))
        runs_blas.append(blas)
    med = lambda runs, key: statistics.median(r[key] for r in runs)
    cores = os.cpu_count() or 1
    mhz, lanes, per_core = peak()
    load_after = open("/proc/loadavg").read().split()[:3]
    print(f"FMA peak at the nominal {mhz:.0f} MHz, {lanes} float lanes, 2 FMA pipes: {per_core:.1f} GFLOP/s per core, "
          f"{per_core * cores:.1f} on {cores} cores; exact mode's bound where adds and multiplies share the FMA pipes: half "
          f"that; {args.rounds} round(s); load average (1, 5, 15 min) before {' '.join(load_before)}, after "
          f"{' '.join(load_after)}")
    print("| case (m, n, k) | threads | OpenBLAS GFLOP/s | exact GFLOP/s | ratio | fast GFLOP/s | ratio |")
    print("|---|---|---|---|---|---|---|")
    rows_cpu = []
    for name, m, n, k in CASES:
        if name not in names:
            continue
        for threads in (1, cores):
            b = med(runs_blas, f"{name}/{min(threads, 2)}")
            e = med(runs_ours, f"{name}/exact/{threads}")
            f = med(runs_ours, f"{name}/fast/{threads}")
            print(f"| {name} ({m}, {n}, {k}) | {threads} | {b:.1f} | {e:.1f} | {e / b:.2f} | {f:.1f} | {f / b:.2f} |")
        b = med(runs_blas, f"{name}/1/cpu")
        e = med(runs_ours, f"{name}/exact/1/cpu")
        f = med(runs_ours, f"{name}/fast/1/cpu")
        rows_cpu.append(f"| {name} ({m}, {n}, {k}) | 1 | {b:.1f} | {e:.1f} | {e / b:.2f} | {f:.1f} | {f / b:.2f} |")
    print()
    print("Per second of process CPU time, 1 thread (time spent descheduled on a shared machine is not counted):")
    print("| case (m, n, k) | threads | OpenBLAS GFLOP/cpu-s | exact GFLOP/cpu-s | ratio | fast GFLOP/cpu-s | ratio |")
    print("|---|---|---|---|---|---|---|")
    print("\n".join(rows_cpu))


if __name__ == "__main__":
    main()
