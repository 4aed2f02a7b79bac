#!/usr/bin/python3
"""Side by side: gensim's KeyedVectors.load_word2vec_format vs EmbedSharp loading the same files, same machine, same run.

Run:  /usr/bin/python3 bench/peers/vectors_vs_gensim.py CACHE_DIR [--words N] [--dim D] [--reps R] [--fresh K]
Needs Debian's python3-gensim and the .NET SDK. Makes (once) CACHE_DIR/glove_like_NxD.txt with make_glove_like.py
and its word2vec binary twin (written by gensim), then times gensim (one load each: they take minutes) and
EmbedSharp (R loads each in a fresh process; the best and the first are shown; the first includes JIT warm-up).
Prints a Markdown table with the ratios (above 1: EmbedSharp is faster) and EmbedSharp's memory peak over the
matrix size (peak resident set of the first load minus the resident set before it, divided by V*D*4).
--fresh K (binary file only, skips the text file): K alternating rounds of one load per fresh process on each side, as
a command-line user sees it: gensim (python3 + import + load_word2vec_format) and EmbedSharp (dotnet + JIT + load),
whole-process wall time and the load alone, plus the floor under any load into fresh memory on this machine: a .NET
process that allocates the V x D matrix and writes it once (`EmbedSharp.Bench peers-vectors touch V D`), with the
minor page faults each took. Loading calls no BLAS, so the peer's BLAS library does not matter here.
"""
import argparse
import json
import os
import subprocess
import sys
import time

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
BENCH = os.path.join(ROOT, "bench", "EmbedSharp.Bench")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("cache_dir")
    ap.add_argument("--words", type=int, default=400_000)
    ap.add_argument("--dim", type=int, default=300)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--fresh", type=int, default=0, help="rounds of fresh-process binary loads (skips the text file)")
    args = ap.parse_args()
    if args.fresh:
        return fresh(args)
    text = subprocess.run([sys.executable, os.path.join(ROOT, "bench", "peers", "make_glove_like.py"), args.cache_dir,
                           "--words", str(args.words), "--dim", str(args.dim)],
                          check=True, capture_output=True, text=True).stdout.strip()
    binary = text[:-4] + ".bin"

    import logging
    logging.disable(logging.CRITICAL)
    from gensim.models import KeyedVectors

    results = {}
    start = time.perf_counter()
    kv = KeyedVectors.load_word2vec_format(text, binary=False, no_header=True)
    results["text"] = {"gensim_s": time.perf_counter() - start}
    if not os.path.exists(binary):
        kv.save_word2vec_format(binary + ".part", binary=True)
        os.replace(binary + ".part", binary)
    del kv
    start = time.perf_counter()
    kv = KeyedVectors.load_word2vec_format(binary, binary=True)
    results["binary"] = {"gensim_s": time.perf_counter() - start}
    del kv

    subprocess.run(["dotnet", "build", "-c", "Release", BENCH], check=True, capture_output=True)
    dll = os.path.join(BENCH, "bin", "Release", "net10.0", "EmbedSharp.Bench.dll")
    for name, fmt, path in (("text", "glove", text), ("binary", "binary", binary)):
        out = subprocess.run(["dotnet", dll, "peers-vectors", fmt, path, str(args.reps)], check=True, capture_output=True, text=True).stdout
        results[name].update(json.loads(out.strip().splitlines()[-1]))

    print(f"Loading {args.words} x {args.dim} ({os.path.getsize(text) / 1e9:.2f} GB text, {os.path.getsize(binary) / 1e9:.2f} GB binary), "
          f"{os.cpu_count()} cores\n")
    print("| file | gensim (s) | EmbedSharp best (s) | EmbedSharp first (s) | ratio (best) | ratio (first) | EmbedSharp peak / matrix |")
    print("|---|---|---|---|---|---|---|")
    for name in ("text", "binary"):
        r = results[name]
        print(f"| {name} | {r['gensim_s']:.2f} | {r['best_s']:.3f} | {r['first_s']:.3f} | {r['gensim_s'] / r['best_s']:.1f}x | "
              f"{r['gensim_s'] / r['first_s']:.1f}x | {r['peak_over_matrix']:.2f} |")
    print("\n" + json.dumps(results))


def fresh(args):
    import statistics
    text = subprocess.run([sys.executable, os.path.join(ROOT, "bench", "peers", "make_glove_like.py"), args.cache_dir,
                           "--words", str(args.words), "--dim", str(args.dim)],
                          check=True, capture_output=True, text=True).stdout.strip()
    binary = text[:-4] + ".bin"
    if not os.path.exists(binary):
        sys.exit(f"{binary} is missing: run once without --fresh to write it")
    subprocess.run(["dotnet", "build", "-c", "Release", BENCH], check=True, capture_output=True)
    dll = os.path.join(BENCH, "bin", "Release", "net10.0", "EmbedSharp.Bench.dll")
    gensim_code = ("import time, json, resource, logging; logging.disable(logging.CRITICAL); "
                   "from gensim.models import KeyedVectors; t = time.perf_counter(); "
                   f"f0 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt; "
                   f"KeyedVectors.load_word2vec_format({binary!r}, binary=True); "
                   "print(json.dumps({'load_s': time.perf_counter() - t, "
                   "'minor_faults': resource.getrusage(resource.RUSAGE_SELF).ru_minflt - f0}))")
    rows = {"gensim": [], "embedsharp": [], "touch": []}
    for _ in range(args.fresh):
        for name, cmd in (("gensim", [sys.executable, "-c", gensim_code]),
                          ("embedsharp", ["dotnet", dll, "peers-vectors", "binary", binary, "1"]),
                          ("touch", ["dotnet", dll, "peers-vectors", "touch", str(args.words), str(args.dim)])):
            t0 = time.perf_counter()
            out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
            wall = time.perf_counter() - t0
            r = json.loads(out.strip().splitlines()[-1])
            rows[name].append({"wall_s": wall, "load_s": r.get("load_s", r.get("first_s", r.get("touch_s"))),
                               "faults": r.get("minor_faults", r.get("minor_faults_first_load"))})
    med = {n: {k: statistics.median(x[k] for x in v) for k in v[0]} for n, v in rows.items()}
    print(f"Fresh-process binary load, {args.words} x {args.dim}, median of {args.fresh} alternating rounds, "
          f"{os.cpu_count()} cores\n")
    print("| side | whole process (s) | load alone (s) | minor page faults (load) |")
    print("|---|---:|---:|---:|")
    for n, label in (("gensim", "gensim 4.2 (python3 + import + load)"), ("embedsharp", "EmbedSharp (dotnet + JIT + load)"),
                     ("touch", "floor: .NET allocates and writes the matrix once")):
        print(f"| {label} | {med[n]['wall_s']:.3f} | {med[n]['load_s']:.3f} | {med[n]['faults']:.0f} |")
    print(f"\nratio, whole process: {med['gensim']['wall_s'] / med['embedsharp']['wall_s']:.2f}x; load alone: "
          f"{med['gensim']['load_s'] / med['embedsharp']['load_s']:.2f}x; EmbedSharp's load over the floor's write: "
          f"{med['embedsharp']['load_s'] / med['touch']['load_s']:.2f}x")
    print("per round (whole process s): " + "; ".join(
        f"{n} " + ", ".join(f"{x['wall_s']:.2f}" for x in v) for n, v in rows.items()))
    print("\n" + json.dumps(rows))


if __name__ == "__main__":
    main()
