#!/usr/bin/python3
"""Training speed of EmbedSharp's WordVectorTrainer vs Debian's fastText 0.9.2 and gensim 4.2, side by side on the
SOTU corpus (~1.8 M words), the same hyper-parameters everywhere: dim 100, epoch 5, ws 5, neg 5, minCount 5,
lr 0.05, t 1e-4; skip-gram and CBOW; with subwords (minn 3, maxn 6, bucket 2 M) and without (maxn 0: plain
word2vec); 1 and 2 threads. Benchmarks, not tests: the figures mean something only on a quiet machine.

  /usr/bin/python3 bench/peers/trainer_vs_fasttext.py [--models skipgram,cbow] [--threads 1,2] [--subwords yes,no]
        [--tools fasttext,embedsharp,gensim] [--corpus PATH]

Figures are words/s/thread over the training phase only (the counting / vocabulary pass excluded everywhere):
* fastText: the words/sec/thread of its last progress line (tokens incl. the end-of-line token </s>).
* EmbedSharp: processed tokens / training seconds / threads (tokens incl. </s>, as fastText).
* gensim: corpus_total_words × epochs / seconds of model.train(corpus_file=…) / workers (corpus_file mode, its
  fastest, which scales with workers); gensim does not count an end-of-line token, so its figure is ~0.01% low.
  With subwords gensim's FastText (min_n 3, max_n 6, bucket 2 M), without it gensim's Word2Vec.
For each configuration the three tools run one after the other in the same script; ratios are EmbedSharp / peer
(above 1: EmbedSharp faster). The last table gives the 1 → 2 thread scaling of total throughput
(2 × wst(2) / wst(1); 2.0 is linear).
"""
import argparse
import os
import re
import subprocess
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
DRIVER = os.path.join(HERE, "train_vectors.cs")


def fasttext(corpus, model, threads, minn, maxn, out):
    p = subprocess.run(["fasttext", model, "-input", corpus, "-output", out, "-dim", "100", "-epoch", "5", "-ws", "5",
                        "-neg", "5", "-minCount", "5", "-lr", "0.05", "-thread", str(threads), "-minn", str(minn),
                        "-maxn", str(maxn)], capture_output=True, text=True, check=True)
    rates = re.findall(r"words/sec/thread:\s*(\d+)", p.stdout + p.stderr)
    return float(rates[-1])


def embedsharp(corpus, model, threads, minn, maxn, out):
    p = subprocess.run(["dotnet", "run", "-c", "Release", DRIVER, "--", "train", corpus, model, str(threads), str(minn),
                        str(maxn), out], capture_output=True, text=True, check=True, cwd=HERE)
    return float(re.search(r"words/sec/thread:\s*(\d+)", p.stdout).group(1))


def gensim(corpus, model, threads, minn, maxn, out):
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
    return m.corpus_total_words * 5 / seconds / threads


TOOLS = {"fasttext": fasttext, "embedsharp": embedsharp, "gensim": gensim}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", default="skipgram,cbow")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--subwords", default="yes,no")
    ap.add_argument("--tools", default="fasttext,embedsharp,gensim")
    ap.add_argument("--corpus", default=os.path.expanduser("~/.cache/embedsharp/sotu.txt"))
    a = ap.parse_args()
    if not os.path.exists(a.corpus):
        os.makedirs(os.path.dirname(a.corpus), exist_ok=True)
        subprocess.run(["dotnet", "run", "-c", "Release", DRIVER, "--", "sotu", a.corpus], check=True, cwd=HERE)
    tools = a.tools.split(",")
    threads = [int(x) for x in a.threads.split(",")]
    print("corpus %s (%d bytes), %d cores" % (a.corpus, os.path.getsize(a.corpus), os.cpu_count()))
    print()
    head = "| model | subwords | threads | " + " | ".join("%s w/s/t" % t for t in tools)
    head += "".join(" | EmbedSharp / %s" % t for t in tools if t != "embedsharp" and "embedsharp" in tools) + " |"
    print(head)
    print("|" + "---|" * (head.count("|") - 1))
    rates = {}
    with tempfile.TemporaryDirectory() as tmp:
        for model in a.models.split(","):
            for sub in a.subwords.split(","):
                minn, maxn = (3, 6) if sub == "yes" else (0, 0)
                for t in threads:
                    row = {}
                    for tool in tools:
                        row[tool] = TOOLS[tool](a.corpus, model, t, minn, maxn, os.path.join(tmp, tool))
                        rates[(model, sub, t, tool)] = row[tool]
                    line = "| %s | %s | %d | " % (model, sub, t) + " | ".join("%.0f" % row[x] for x in tools)
                    if "embedsharp" in tools:
                        line += "".join(" | %.2fx" % (row["embedsharp"] / row[x]) for x in tools if x != "embedsharp")
                    print(line + " |", flush=True)
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
