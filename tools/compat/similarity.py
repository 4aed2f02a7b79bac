#!/usr/bin/python3
"""Agreement of EmbedSharp's SimilarityIndex with gensim 4 KeyedVectors (the reference) on a clustered random table.

Run:  /usr/bin/python3 tools/compat/similarity.py [--rows 100000] [--dim 300] [--words 300] [--vectors 300] [--data DIR]
Needs Debian's python3-gensim / python3-numpy (whatever BLAS the system's libblas.so.3 points at; printed) and the .NET
SDK. Nothing is fetched: the table is generated (same generator and seed as bench/peers/similarity_vs_gensim.py) into
--data (default /tmp/embedsharp-compat/similarity/ROWSxDIM), never the repository.

Compares, for --words query words (most_similar(word, topn=10)) and --vectors query vectors (gensim: most_similar of
the vector; EmbedSharp: one MostSimilarBatch call): lists with the same rows in the same order, lists equal once the
order inside runs of gensim scores within 1e-6 is ignored (gensim's argsort leaves their order undefined), the largest
|score difference|, and how many of EmbedSharp's batched word queries equal its single queries exactly.
"""
import argparse
import json
import os
import subprocess
import sys

import numpy as np

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "bench", "peers"))
from similarity_vs_gensim import loaded_blas, make_table  # noqa: E402


def same_up_to_near_ties(ours, theirs, scores, tol=1e-6):
    if len(ours) != len(theirs):
        return False
    i = 0
    while i < len(theirs):
        j = i + 1
        while j < len(theirs) and abs(scores[j] - scores[j - 1]) <= tol:
            j += 1
        if sorted(ours[i:j]) != sorted(theirs[i:j]):
            return False
        i = j
    return True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=100000)
    ap.add_argument("--dim", type=int, default=300)
    ap.add_argument("--words", type=int, default=300)
    ap.add_argument("--vectors", type=int, default=300)
    ap.add_argument("--data")
    a = ap.parse_args()
    import gensim
    from gensim.models import KeyedVectors
    data = a.data or f"/tmp/embedsharp-compat/similarity/{a.rows}x{a.dim}"
    os.makedirs(data, exist_ok=True)
    x, rng = make_table(a.rows, a.dim)
    qrows = rng.choice(a.rows, a.vectors, replace=False)
    queries = (x[qrows] + 0.3 * rng.standard_normal((a.vectors, a.dim)).astype(np.float32)).astype(np.float32)
    wrows = rng.choice(a.rows, a.words, replace=False)
    np.save(os.path.join(data, "vectors.npy"), x)
    np.save(os.path.join(data, "queries.npy"), queries)
    with open(os.path.join(data, "query_words.txt"), "w") as f:
        f.write("w0\n")
    with open(os.path.join(data, "compat_words.txt"), "w") as f:
        f.write("\n".join("w%d" % r for r in wrows) + "\n")

    subprocess.run(["dotnet", "build", "-c", "Release", "-v", "q", os.path.join(ROOT, "bench", "EmbedSharp.Bench")],
                   check=True, stdout=subprocess.DEVNULL)
    run = subprocess.run(["dotnet", "run", "-c", "Release", "--no-build", "--project", os.path.join(ROOT, "bench", "EmbedSharp.Bench"),
                          "--", "peers-similarity", data, "--lists"], check=True, capture_output=True, text=True)
    ours = json.loads(run.stdout.strip().splitlines()[-1])

    kv = KeyedVectors(a.dim, count=0, dtype=np.float32)
    kv.add_vectors(["w%d" % i for i in range(a.rows)], x)
    results = {"words": [kv.most_similar("w%d" % r, topn=10) for r in wrows],
               "vectors": [kv.most_similar(positive=[q], topn=10) for q in queries]}
    print(f"gensim {gensim.__version__}, numpy {np.__version__} (BLAS: {loaded_blas()}); table {a.rows} x {a.dim}, "
          f"clustered random (seed 1234)")
    print("| queries | lists identical | identical up to near-ties (1e-6) | max abs score diff |")
    print("|---|---:|---:|---:|")
    for kind in ("words", "vectors"):
        same = near = 0
        diff = 0.0
        for g, o in zip(results[kind], ours[kind]):
            rows = [kv.key_to_index[w] for w, _ in g]
            scores = [s for _, s in g]
            same += rows == o["rows"]
            near += same_up_to_near_ties(o["rows"], rows, scores)
            diff = max(diff, max(abs(s - t) for s, t in zip(scores, o["scores"])))
        n = len(results[kind])
        label = "most_similar(word)" if kind == "words" else "vectors (ours: MostSimilarBatch)"
        print(f"| {n} {label} | {same}/{n} | {near}/{n} | {diff:.2e} |")
    print(f"\nEmbedSharp batched word queries equal to its single queries: {ours['batch_equals_single']}/{a.words}")


if __name__ == "__main__":
    main()
