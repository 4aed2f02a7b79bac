#!/usr/bin/python3
"""Side by side: gensim 4 KeyedVectors and numpy (both on OpenBLAS) vs EmbedSharp's SimilarityIndex, same table, same
machine, same run.

Run:  /usr/bin/python3 bench/peers/similarity_vs_gensim.py [--rows 400000] [--dim 300] [--batch 1000] [--rounds 3]
                                                          [--data DIR] [--gensim-batch 50] [--single 20]
Needs Debian's python3-gensim, python3-numpy, libopenblas0-pthread and the .NET SDK.

Data: a clustered random table (fixed seed; --rows x --dim float32, 2,000 cluster centres, noise 0.6, row scales
U(0.5, 3)) and --batch query vectors (noisy rows), written once as .npy files to --data (default
/tmp/embedsharp-bench/similarity/ROWSxDIM; never the repository) and reused by later runs.

Peers: Debian's numpy links libblas.so.3, which the alternatives system may point at the reference BLAS (the golden
scripts want that one). The peer side therefore runs in a child process with LD_LIBRARY_PATH set to OpenBLAS's
directory, OPENBLAS_NUM_THREADS = 1 and then 2, OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE removed, and checks in
/proc/self/maps that libopenblas is the library it loaded (printed). Each row takes the better of the two thread
counts. EmbedSharp uses every core (printed). The sides alternate --rounds times; every cell is the median over rounds.

What is compared:
* build: gensim's fill_norms(force=True) (np.linalg.norm(vectors, axis=1)) vs SimilarityIndex.Build (the norms, nothing
  else), median of 5 on both sides.
* single: most_similar(word, topn=10), median over --single query words after a warm-up; gensim computes
  sgemv(vectors, q) / norms + argpartition. EmbedSharp: the allocation-free MostSimilar(word, rows, scores).
  The row also shows the machine's read bandwidth measured by the C# process in the same run (a SIMD sum over the
  table on all cores: the floor for any one-pass query) and our query as a fraction of it.
* batch: --batch query vectors, top 10 each, three peers:
  - gensim has no batched most_similar: --gensim-batch calls of most_similar(vector, topn=10), scaled to --batch;
  - numpy, the strongest path we know: unit matrix precomputed (not timed), table rows in chunks of C, S = Q @ U_c.T
    (OpenBLAS sgemm into a reused buffer), the first chunk's top 10 by argpartition, later chunks keep only the scores
    at or above each query's current 10th best (one vectorised compare) and merge those few candidates; C is the best
    of 1024, 4096 and 16384 in each child;
  - EmbedSharp: one MostSimilarBatch call over all queries, median of 3.
Ratio = best peer time / EmbedSharp time (above 1: EmbedSharp faster). The top-10 lists of both sides are compared on
the first 5 word and vector queries.
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
TOPN = 10


def make_table(rows, dim, seed=1234):
    import numpy as np
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((2000, dim)).astype(np.float32)
    x = np.empty((rows, dim), np.float32)
    for s in range(0, rows, 50000):
        e = min(rows, s + 50000)
        cl = rng.integers(0, len(centres), e - s)
        x[s:e] = (centres[cl] + 0.6 * rng.standard_normal((e - s, dim)).astype(np.float32)) * rng.uniform(0.5, 3.0, (e - s, 1)).astype(np.float32)
    return x, rng


def ensure_data(directory, rows, dim, batch, single):
    """Writes vectors.npy, queries.npy and query_words.txt once; later runs with the same sizes reuse them."""
    import numpy as np
    stamp = os.path.join(directory, "done.json")
    want = {"rows": rows, "dim": dim, "batch": batch, "single": single, "seed": 1234, "version": 2}
    if os.path.exists(stamp):
        with open(stamp) as f:
            if json.load(f) == want:
                return
    os.makedirs(directory, exist_ok=True)
    x, rng = make_table(rows, dim)
    qrows = rng.choice(rows, batch, replace=False)
    queries = (x[qrows] + 0.3 * rng.standard_normal((batch, dim)).astype(np.float32)).astype(np.float32)
    np.save(os.path.join(directory, "vectors.npy"), x)
    np.save(os.path.join(directory, "queries.npy"), queries)
    with open(os.path.join(directory, "query_words.txt"), "w") as f:
        f.write("\n".join("w%d" % r for r in qrows[:single]) + "\n")
    with open(stamp, "w") as f:
        json.dump(want, f)


def loaded_blas():
    """The BLAS/LAPACK shared objects this process has mapped (real paths)."""
    libs = set()
    with open("/proc/self/maps") as f:
        for line in f:
            parts = line.split()
            name = os.path.basename(parts[-1]) if len(parts) >= 6 else ""
            if name.startswith("lib") and ("blas" in name or "lapack" in name):
                libs.add(os.path.realpath(parts[-1]))
    return ", ".join(sorted(libs)) or "none found"


def numpy_topk(unit, q, chunk, out):
    """Top TOPN rows (best first) of S = q @ unit.T, chunk by chunk; out is a reused (Q, chunk) float32 buffer."""
    import numpy as np
    nq = q.shape[0]
    rows = unit.shape[0]
    qi = np.arange(nq)
    best_v = best_i = None
    for c0 in range(0, rows, chunk):
        c1 = min(rows, c0 + chunk)
        s = out[:nq, : c1 - c0]
        np.matmul(q, unit[c0:c1].T, out=s)
        if best_v is None:
            part = np.argpartition(s, s.shape[1] - TOPN, axis=1)[:, -TOPN:]
            best_i = part + c0
            best_v = np.take_along_axis(s, part, axis=1)
            thr = best_v.min(axis=1)
            continue
        hq, hc = np.nonzero(s >= thr[:, None])  # ties with the 10th best stay candidates
        if hq.size == 0:
            continue
        all_q = np.concatenate([np.repeat(qi, TOPN), hq])
        all_v = np.concatenate([best_v.ravel(), s[hq, hc]])
        all_i = np.concatenate([best_i.ravel(), hc + c0])
        order = np.lexsort((all_i, -all_v, all_q))  # per query: score descending, then row ascending
        counts = np.bincount(all_q, minlength=nq)
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
        pick = (starts[:, None] + np.arange(TOPN)[None, :]).ravel()
        best_v = all_v[order][pick].reshape(nq, TOPN)
        best_i = all_i[order][pick].reshape(nq, TOPN)
        thr = best_v[:, -1].copy()
    result = []
    for v, i in zip(best_v, best_i):
        o = np.lexsort((i, -v))
        result.append(i[o])
    return result


def child(args):
    """The peer side, in a process started with the OpenBLAS environment; prints one JSON line."""
    import numpy as np
    import gensim
    from gensim.models import KeyedVectors
    with open("/proc/self/maps") as maps:
        if "libopenblas" not in maps.read():
            sys.exit("numpy did not load libopenblas: is libopenblas0-pthread installed?")
    threads = int(os.environ["OPENBLAS_NUM_THREADS"])
    x = np.load(os.path.join(args.data, "vectors.npy"))
    queries = np.load(os.path.join(args.data, "queries.npy"))
    with open(os.path.join(args.data, "query_words.txt")) as f:
        qwords = f.read().split()
    words = ["w%d" % i for i in range(x.shape[0])]
    kv = KeyedVectors(x.shape[1], count=0, dtype=np.float32)
    kv.add_vectors(words, x)
    del x

    builds = []
    for _ in range(5):
        start = time.perf_counter()
        kv.fill_norms(force=True)
        builds.append(time.perf_counter() - start)

    kv.most_similar(qwords[0], topn=TOPN)  # warm-up
    single = []
    for w in qwords:
        start = time.perf_counter()
        kv.most_similar(w, topn=TOPN)
        single.append(time.perf_counter() - start)

    n = args.gensim_batch
    start = time.perf_counter()
    gtop = [kv.most_similar(positive=[queries[i]], topn=TOPN) for i in range(n)]
    gensim_batch = (time.perf_counter() - start) * len(queries) / n

    unit = kv.get_normed_vectors()  # the peer's index: not timed
    q = (queries / np.linalg.norm(queries, axis=1, keepdims=True)).astype(np.float32)
    best = None
    for chunk in (1024, 4096, 16384):
        out = np.empty((len(q), chunk), np.float32)
        numpy_topk(unit, q[:8], chunk, out)  # warm-up
        start = time.perf_counter()
        top = numpy_topk(unit, q, chunk, out)
        seconds = time.perf_counter() - start
        if best is None or seconds < best[0]:
            best = (seconds, chunk, top)

    print(json.dumps({
        "threads": threads,
        "blas": loaded_blas(),
        "versions": f"gensim {gensim.__version__}, numpy {np.__version__}",
        "build_s": statistics.median(builds),
        "single_s": statistics.median(single),
        "gensim_batch_s": gensim_batch,
        "numpy_batch_s": best[0],
        "numpy_chunk": best[1],
        "word_top": [[kv.key_to_index[w] for w, _ in kv.most_similar(qwords[i], topn=TOPN)] for i in range(5)],
        "gensim_batch_top": [[kv.key_to_index[w] for w, _ in gtop[i]] for i in range(5)],
        "numpy_batch_top": [[int(r) for r in best[2][i]] for i in range(5)],
    }))


def peer(args, threads):
    env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}
    env["LD_LIBRARY_PATH"] = ":".join([OPENBLAS_DIR] + [p for p in env.get("LD_LIBRARY_PATH", "").split(":") if p])
    env["OPENBLAS_NUM_THREADS"] = str(threads)
    cmd = [sys.executable, os.path.abspath(__file__), "--child", "--data", args.data, "--gensim-batch", str(args.gensim_batch)]
    run = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True)
    return json.loads(run.stdout.strip().splitlines()[-1])


def ours(args):
    run = subprocess.run(["dotnet", "run", "-c", "Release", "--no-build", "--project", os.path.join(ROOT, "bench", "EmbedSharp.Bench"),
                          "--", "peers-similarity", args.data], check=True, capture_output=True, text=True)
    return json.loads(run.stdout.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=400000)
    ap.add_argument("--dim", type=int, default=300)
    ap.add_argument("--batch", type=int, default=1000)
    ap.add_argument("--gensim-batch", type=int, default=50)
    ap.add_argument("--single", type=int, default=20)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--data")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args)
        return 0
    if args.data is None:
        args.data = f"/tmp/embedsharp-bench/similarity/{args.rows}x{args.dim}"
    ensure_data(args.data, args.rows, args.dim, args.batch, args.single)
    subprocess.run(["dotnet", "build", "-c", "Release", "-v", "q", os.path.join(ROOT, "bench", "EmbedSharp.Bench")],
                   check=True, stdout=subprocess.DEVNULL)

    load_before = open("/proc/loadavg").read().split()[:3]
    runs_ours, runs_peer = [], {1: [], 2: []}
    for _ in range(max(1, args.rounds)):
        runs_ours.append(ours(args))
        for t in (1, 2):
            runs_peer[t].append(peer(args, t))
    load_after = open("/proc/loadavg").read().split()[:3]

    def med(runs, key):
        return statistics.median(r[key] for r in runs)

    def best_peer(key):
        one, two = med(runs_peer[1], key), med(runs_peer[2], key)
        return (one, 1) if one <= two else (two, 2)

    o = {k: med(runs_ours, k) for k in ("build_s", "single_s", "batch_s", "bandwidth_gbs", "bandwidth_1t_gbs")}
    last_ours, last_peer = runs_ours[-1], runs_peer[2][-1]
    agree = lambda a, b: sum(list(x) == list(y) for x, y in zip(a, b))
    table_gb = args.rows * args.dim * 4 / 1e9
    floor = table_gb / o["bandwidth_gbs"]
    print(f"{last_peer['versions']}; BLAS loaded by the peer: {last_peer['blas']}; table {args.rows} x {args.dim} "
          f"({table_gb * 1e3:.0f} MB); {os.cpu_count()} cores (EmbedSharp uses {last_ours['threads']}); {args.rounds} round(s), "
          f"medians; load average before {' '.join(load_before)}, after {' '.join(load_after)}")
    print(f"read bandwidth (C#, SIMD sum over the table): {o['bandwidth_gbs']:.1f} GB/s on all cores, "
          f"{o['bandwidth_1t_gbs']:.1f} GB/s on one: one pass over the table takes at least {floor * 1e3:.1f} ms")
    print(f"top-10 lists identical: {agree(last_peer['word_top'], last_ours['word_top'])}/5 word queries (gensim), "
          f"{agree(last_peer['gensim_batch_top'], last_ours['batch_top'])}/5 vector queries (gensim), "
          f"{agree(last_peer['numpy_batch_top'], last_ours['batch_top'])}/5 (numpy); numpy chunk sizes chosen: "
          f"{sorted({r['numpy_chunk'] for t in (1, 2) for r in runs_peer[t]})}\n")
    print("| operation | peer, 1 thread | peer, 2 threads | EmbedSharp | ratio (best peer / ours) |")
    print("|---|---:|---:|---:|---:|")

    def row(name, key, ours_s, unit="ms"):
        one, two = med(runs_peer[1], key), med(runs_peer[2], key)
        scale = 1e3 if unit == "ms" else 1
        print(f"| {name} | {one * scale:.2f} {unit} | {two * scale:.2f} {unit} | {ours_s * scale:.2f} {unit} | {min(one, two) / ours_s:.2f}x |")

    row("build: gensim fill_norms vs SimilarityIndex.Build (norms only)", "build_s", o["build_s"])
    row(f"most_similar(word, topn=10), per query (ours at {table_gb / o['single_s']:.1f} GB/s = "
        f"{floor / o['single_s'] * 100:.0f} % of the measured read bandwidth)", "single_s", o["single_s"])
    row(f"{args.batch} vector queries, top 10: gensim, {args.batch} calls scaled from {args.gensim_batch}", "gensim_batch_s", o["batch_s"], "s")
    row(f"{args.batch} vector queries, top 10: numpy chunked sgemm + threshold merge", "numpy_batch_s", o["batch_s"], "s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
