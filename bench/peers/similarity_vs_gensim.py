#!/usr/bin/python3
"""Side by side: gensim 4 KeyedVectors similarity queries vs EmbedSharp's SimilarityIndex, same table, same machine.

Run:  /usr/bin/python3 bench/peers/similarity_vs_gensim.py [--rows 400000] [--dim 300] [--batch 1000] [--gensim-batch 50]
Needs Debian's python3-gensim and the .NET SDK. Writes a clustered random table (fixed seed; --rows x --dim float32,
2,000 cluster centres, noise 0.6, row scales U(0.5, 3)) and 1,000 query vectors (noisy rows) as .npy files to a
temporary directory, times both sides on them and prints a Markdown table with the ratios (above 1: EmbedSharp faster).

What is compared (gensim has no batched most_similar):
* build: gensim's fill_norms() (it runs lazily inside the first query) vs SimilarityIndex.Build (norms + unit rows).
* single: most_similar(word, topn=10), median over the query words, norms already filled on gensim's side.
* batch: B query vectors, top 10 each. gensim: B calls of most_similar(vector, topn=10), measured on --gensim-batch
  of them and scaled linearly to B (each call is independent, so this is exact up to noise); also plain numpy on the
  same unit matrix (normed[:] @ Q.T with argpartition per query), measured on the same subset and scaled. EmbedSharp:
  one MostSimilarBatch call over all B queries (median of 3).
numpy uses whatever BLAS the system's libblas.so.3 alternative points at (the loaded library is printed: Debian's
reference BLAS is single-threaded, OpenBLAS is not); EmbedSharp uses every core (the machine's count is printed).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import gensim
import numpy as np
from gensim.models import KeyedVectors

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))



def loaded_blas():
    """The BLAS/LAPACK shared objects this process has mapped (real paths), so the report names what numpy really links."""
    libs = set()
    with open("/proc/self/maps") as f:
        for line in f:
            path = line.split()[-1] if len(line.split()) >= 6 else ""
            name = os.path.basename(path)
            if name.startswith("lib") and ("blas" in name or "lapack" in name):
                libs.add(os.path.realpath(path))
    return ", ".join(sorted(libs)) or "none found"

def make_table(rows, dim, seed=1234):
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((2000, dim)).astype(np.float32)
    x = np.empty((rows, dim), np.float32)
    for s in range(0, rows, 50000):
        e = min(rows, s + 50000)
        cl = rng.integers(0, len(centres), e - s)
        x[s:e] = (centres[cl] + 0.6 * rng.standard_normal((e - s, dim)).astype(np.float32)) * rng.uniform(0.5, 3.0, (e - s, 1)).astype(np.float32)
    return x, rng


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=400000)
    ap.add_argument("--dim", type=int, default=300)
    ap.add_argument("--batch", type=int, default=1000)
    ap.add_argument("--gensim-batch", type=int, default=50)
    ap.add_argument("--single", type=int, default=20)
    args = ap.parse_args()

    x, rng = make_table(args.rows, args.dim)
    qrows = rng.choice(args.rows, args.batch, replace=False)
    queries = (x[qrows] + 0.3 * rng.standard_normal((args.batch, args.dim)).astype(np.float32)).astype(np.float32)
    words = ["w%d" % i for i in range(args.rows)]
    qwords = [words[r] for r in qrows[: args.single]]

    with tempfile.TemporaryDirectory() as tmp:
        np.save(os.path.join(tmp, "vectors.npy"), x)
        np.save(os.path.join(tmp, "queries.npy"), queries)
        with open(os.path.join(tmp, "query_words.txt"), "w") as f:
            f.write("\n".join(qwords) + "\n")
        subprocess.run(["dotnet", "build", "-c", "Release", "-v", "q", os.path.join(ROOT, "bench", "EmbedSharp.Bench")],
                       check=True, stdout=subprocess.DEVNULL)
        ours = json.loads(subprocess.run(
            ["dotnet", "run", "-c", "Release", "--no-build", "--project", os.path.join(ROOT, "bench", "EmbedSharp.Bench"),
             "--", "peers-similarity", tmp], check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1])

    kv = KeyedVectors(args.dim, dtype=np.float32)
    kv.add_vectors(words, x)
    start = time.perf_counter()
    kv.fill_norms()
    build = time.perf_counter() - start

    kv.most_similar(qwords[0], topn=10)  # warm-up
    single = []
    for w in qwords:
        start = time.perf_counter()
        kv.most_similar(w, topn=10)
        single.append(time.perf_counter() - start)
    single = statistics.median(single)

    n = args.gensim_batch
    start = time.perf_counter()
    gtop = [kv.most_similar(positive=[queries[i]], topn=10) for i in range(n)]
    gensim_batch = (time.perf_counter() - start) * args.batch / n

    normed = kv.get_normed_vectors()
    start = time.perf_counter()
    q = queries[:n] / np.linalg.norm(queries[:n], axis=1, keepdims=True)
    sims = q @ normed.T
    best = np.argpartition(-sims, 10, axis=1)[:, :10]
    _ = [b[np.argsort(-s[b])] for b, s in zip(best, sims)]
    numpy_batch = (time.perf_counter() - start) * args.batch / n

    agree_batch = sum([kv.key_to_index[w] for w, _ in gtop[i]] == ours["batch_top"][i] for i in range(5))
    agree_word = sum([kv.key_to_index[w] for w, _ in kv.most_similar(qwords[i], topn=10)] == ours["word_top"][i] for i in range(5))
    print(f"gensim {gensim.__version__}, numpy {np.__version__} (BLAS: {loaded_blas()}); table {args.rows} x {args.dim}; "
          f"{os.cpu_count()} cores (EmbedSharp uses {ours['threads']}); top-10 lists identical on {agree_word}/5 word and "
          f"{agree_batch}/5 vector queries\n")
    print("| operation | gensim | EmbedSharp | ratio |")
    print("|---|---:|---:|---:|")
    print(f"| build (norms; EmbedSharp also unit rows) | {build * 1e3:.1f} ms | {ours['build_s'] * 1e3:.1f} ms | {build / ours['build_s']:.2f}x |")
    print(f"| most_similar(word, topn=10), per query | {single * 1e3:.2f} ms | {ours['single_s'] * 1e3:.2f} ms | {single / ours['single_s']:.2f}x |")
    print(f"| {args.batch} vector queries, top 10 (gensim: {args.batch} calls, scaled from {n}) | {gensim_batch:.2f} s | {ours['batch_s']:.3f} s | {gensim_batch / ours['batch_s']:.1f}x |")
    print(f"| {args.batch} vector queries, top 10 (numpy matmul + argpartition, scaled from {n}) | {numpy_batch:.2f} s | {ours['batch_s']:.3f} s | {numpy_batch / ours['batch_s']:.1f}x |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
