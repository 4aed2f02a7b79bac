#!/usr/bin/python3
"""Training speed of EmbedSharp's WordVectorTrainer vs Debian's fastText 0.9.2 and gensim 4.2, side by side on the
SOTU corpus (~1.8 M words), the same hyper-parameters everywhere: dim 100, epoch 5, ws 5, neg 5, minCount 5,
lr 0.05, t 1e-4; skip-gram and CBOW; with subwords (minn 3, maxn 6, bucket 2 M) and without (maxn 0: plain
word2vec); 1 and 2 threads. Benchmarks, not tests: the figures mean something only on a quiet machine.

  /usr/bin/python3 bench/peers/trainer_vs_fasttext.py [--models skipgram,cbow] [--threads 1,2] [--subwords yes,no]
        [--tools fasttext,embedsharp,gensim] [--rounds 3] [--gensim-blas openblas|reference] [--corpus PATH]

gensim in its strongest configuration: corpus_file mode (its fastest, which scales with workers), and its BLAS-1 calls
(sdot/saxpy/sscal through scipy's cython_blas, which Debian links to libblas.so.3, by default the reference BLAS)
served by OpenBLAS: gensim runs in a child process with LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-pthread,
OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE removed and OPENBLAS_NUM_THREADS 1 and 2 (both timed, the faster kept); the
child checks /proc/self/maps and the script prints the BLAS libraries gensim really loaded. --gensim-blas reference
times the system libblas.so.3 instead (the alternative is left alone).
Each configuration runs --rounds rounds, the tools alternating inside a round; the table gives medians.
Figures are words/s/thread over the training phase only (the counting / vocabulary pass excluded everywhere):
* fastText: the words/sec/thread of its last progress line (tokens incl. the end-of-line token </s>).
* EmbedSharp: processed tokens / training seconds / threads (tokens incl. </s>, as fastText).
* gensim: corpus_total_words × epochs / seconds of model.train(corpus_file=…) / workers. gensim counts every corpus
  word, also those under minCount, which flatters its words/s; the gensim ratio is therefore taken on seconds
  (gensim training seconds / EmbedSharp training seconds, the same corpus and epochs), not on words/s.
  With subwords gensim's FastText (min_n 3, max_n 6, bucket 2 M), without it gensim's Word2Vec.
Ratios above 1: EmbedSharp faster. The last table gives the 1 → 2 thread scaling of total throughput
(2 × wst(2) / wst(1); 2.0 is linear).
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
DRIVER = os.path.join(HERE, "train_vectors.cs")
OPENBLAS_DIR = "/usr/lib/x86_64-linux-gnu/openblas-pthread"


def embedsharp(corpus, model, threads, minn, maxn, out, blas):
    p = subprocess.run(["dotnet", "run", "--no-build", "-c", "Release", DRIVER, "--", "train", corpus, model, str(threads),
                        str(minn), str(maxn), out], capture_output=True, text=True, check=True, cwd=HERE)
    m = re.search(r"words/sec/thread:\s*(\d+) train_seconds:\s*([0-9.]+)", p.stdout)
    return float(m.group(1)), float(m.group(2))


def fasttext(corpus, model, threads, minn, maxn, out, blas):
    p = subprocess.run(["fasttext", model, "-input", corpus, "-output", out, "-dim", "100", "-epoch", "5", "-ws", "5",
                        "-neg", "5", "-minCount", "5", "-lr", "0.05", "-thread", str(threads), "-minn", str(minn),
                        "-maxn", str(maxn)], capture_output=True, text=True, check=True)
    rates = re.findall(r"words/sec/thread:\s*(\d+)", p.stdout + p.stderr)
    return float(rates[-1]), float("nan")


def gensim_child(corpus, model, threads, minn, maxn):
    """Runs in the child process: trains with gensim and prints JSON (seconds, words/s/thread, loaded BLAS)."""
    from gensim.models import FastText, Word2Vec
    common = dict(vector_size=100, window=5, negative=5, min_count=5, sample=1e-4, alpha=0.05, min_alpha=0.0,
                  sg=1 if model == "skipgram" else 0, hs=0, workers=threads, seed=1)
    if maxn > 0:
        m = FastText(min_n=minn, max_n=maxn, bucket=2_000_000, **common)
    else:
        m = Word2Vec(**common)
    m.build_vocab(corpus_file=corpus)
    start = time.perf_counter()
    m.train(corpus_file=corpus, total_words=m.corpus_total_words, epochs=5)
    seconds = time.perf_counter() - start
    with open("/proc/self/maps") as f:  # the shared libraries really loaded (scipy's own wrappers left out)
        paths = {os.path.realpath(ln.split()[-1]) for ln in f if ln.split()[-1].startswith("/")}
    blas = sorted(x for x in paths if ("blas" in os.path.basename(x) or "lapack" in os.path.basename(x))
                  and "/scipy/" not in x and "/numpy/" not in x)
    print(json.dumps({"seconds": seconds, "wst": m.corpus_total_words * 5 / seconds / threads, "blas": blas}))


GENSIM_BLAS = []


def gensim(corpus, model, threads, minn, maxn, out, blas):
    """gensim in a child process; with OpenBLAS, timed with OPENBLAS_NUM_THREADS 1 and 2, the faster kept."""
    best = None
    for nt in ([1, 2] if blas == "openblas" else [None]):
        env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}
        if nt is not None:
            env["LD_LIBRARY_PATH"] = ":".join([OPENBLAS_DIR] + [x for x in env.get("LD_LIBRARY_PATH", "").split(":") if x])
            env["OPENBLAS_NUM_THREADS"] = str(nt)
        p = subprocess.run([sys.executable, os.path.abspath(__file__), "--gensim-child", corpus, model, str(threads),
                            str(minn), str(maxn)], env=env, capture_output=True, text=True, check=True)
        r = json.loads(p.stdout.strip().splitlines()[-1])
        if blas == "openblas" and not any("libopenblas" in b for b in r["blas"]):
            sys.exit("gensim did not load libopenblas (loaded: %s): is libopenblas0-pthread installed?" % r["blas"])
        label = "%s (OPENBLAS_NUM_THREADS=%s)" % (", ".join(r["blas"]), nt) if nt else ", ".join(r["blas"])
        if label not in GENSIM_BLAS:
            GENSIM_BLAS.append(label)
        if best is None or r["seconds"] < best[1]:
            best = (r["wst"], r["seconds"])
    return best


TOOLS = {"fasttext": fasttext, "embedsharp": embedsharp, "gensim": gensim}


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--gensim-child":
        c = sys.argv[2:]
        gensim_child(c[0], c[1], int(c[2]), int(c[3]), int(c[4]))
        return
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", default="skipgram,cbow")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--subwords", default="yes,no")
    ap.add_argument("--tools", default="fasttext,embedsharp,gensim")
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--gensim-blas", default="openblas", choices=["openblas", "reference"])
    ap.add_argument("--corpus", default=os.path.expanduser("~/.cache/embedsharp/sotu.txt"))
    a = ap.parse_args()
    subprocess.run(["dotnet", "build", "-c", "Release", "-v", "q", DRIVER], check=True, cwd=HERE, capture_output=True)
    if not os.path.exists(a.corpus):
        os.makedirs(os.path.dirname(a.corpus), exist_ok=True)
        subprocess.run(["dotnet", "run", "--no-build", "-c", "Release", DRIVER, "--", "sotu", a.corpus], check=True, cwd=HERE)
    tools = a.tools.split(",")
    threads = [int(x) for x in a.threads.split(",")]
    print("corpus %s (%d bytes), %d cores, %d round(s), load average before: %s" % (
        a.corpus, os.path.getsize(a.corpus), os.cpu_count(), a.rounds, " ".join(open("/proc/loadavg").read().split()[:3])))
    print()
    head = "| model | subwords | threads | " + " | ".join("%s w/s/t" % t for t in tools)
    if "embedsharp" in tools:
        head += " | EmbedSharp s" + (" | gensim s" if "gensim" in tools else "")
        head += "".join(" | EmbedSharp / %s" % t for t in tools if t != "embedsharp")
    head += " |"
    print(head)
    print("|" + "---|" * (head.count("|") - 1))
    rates = {}
    with tempfile.TemporaryDirectory() as tmp:
        for model in a.models.split(","):
            for sub in a.subwords.split(","):
                minn, maxn = (3, 6) if sub == "yes" else (0, 0)
                for t in threads:
                    runs = {tool: [] for tool in tools}
                    for _ in range(a.rounds):
                        for tool in tools:
                            runs[tool].append(TOOLS[tool](a.corpus, model, t, minn, maxn, os.path.join(tmp, tool), a.gensim_blas))
                    row = {tool: statistics.median(r[0] for r in runs[tool]) for tool in tools}
                    secs = {tool: statistics.median(r[1] for r in runs[tool]) for tool in tools}
                    for tool in tools:
                        rates[(model, sub, t, tool)] = row[tool]
                    line = "| %s | %s | %d | " % (model, sub, t) + " | ".join("%.0f" % row[x] for x in tools)
                    if "embedsharp" in tools:
                        line += " | %.2f" % secs["embedsharp"] + (" | %.2f" % secs["gensim"] if "gensim" in tools else "")
                        for x in tools:
                            if x == "gensim":
                                line += " | %.2fx" % (secs["gensim"] / secs["embedsharp"])
                            elif x != "embedsharp":
                                line += " | %.2fx" % (row["embedsharp"] / row[x])
                    print(line + " |", flush=True)
    if "gensim" in tools:
        print()
        print("gensim's BLAS (from /proc/self/maps of its process): " + "; ".join(GENSIM_BLAS))
    print("load average after: " + " ".join(open("/proc/loadavg").read().split()[:3]))
    if 1 in threads and 2 in threads:
        print()
        print("| model | subwords | " + " | ".join("%s scaling 1→2" % t for t in tools) + " |")
        print("|" + "---|" * (2 + len(tools)))
        for model in a.models.split(","):
            for sub in a.subwords.split(","):
                print("| %s | %s | " % (model, sub) + " | ".join(
                    "%.2f" % (2 * rates[(model, sub, 2, x)] / rates[(model, sub, 1, x)]) for x in tools) + " |")


if __name__ == "__main__":
    main()
