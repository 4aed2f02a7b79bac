#!/usr/bin/python3
"""Side by side: gensim's KeyedVectors.load_word2vec_format vs EmbedSharp loading the same files, same machine, same run.

Run:  /usr/bin/python3 bench/peers/vectors_vs_gensim.py CACHE_DIR [--words N] [--dim D] [--reps R]
Needs Debian's python3-gensim and the .NET SDK. Makes (once) CACHE_DIR/glove_like_NxD.txt with make_glove_like.py
and its word2vec binary twin (written by gensim), then times gensim (one load each: they take minutes) and
EmbedSharp (R loads each in a fresh process; the best and the first are shown; the first includes JIT warm-up).
Prints a Markdown table with the ratios (above 1: EmbedSharp is faster) and EmbedSharp's memory peak over the
matrix size (peak resident set of the first load minus the resident set before it, divided by V*D*4).
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
    args = ap.parse_args()
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


if __name__ == "__main__":
    main()
