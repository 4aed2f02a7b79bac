#!/usr/bin/python3
"""Words/s/thread of EmbedSharp's WordVectorTrainer vs Debian's fastText 0.9.2 on the SOTU corpus
(dim 100, epoch 5, ws 5, neg 5, minCount 5; threads 1 and 2; skip-gram and CBOW, with subwords minn 3 maxn 6
and without, maxn 0). Benchmarks, not tests: run on a quiet machine.

  /usr/bin/python3 bench/peers/trainer_vs_fasttext.py [--models skipgram,cbow] [--threads 1,2] [--subwords yes,no]

fastText's figure is the words/sec/thread of its last progress line; EmbedSharp's is processed tokens / training
seconds / threads (the dictionary pass excluded in both).
"""
import argparse
import os
import re
import subprocess
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
DRIVER = os.path.join(HERE, "train_vectors.cs")


def fasttext(corpus, model, threads, minn, maxn, out):
    p = subprocess.run(["fasttext", model, "-input", corpus, "-output", out, "-dim", "100", "-epoch", "5", "-ws", "5",
                        "-neg", "5", "-minCount", "5", "-thread", str(threads), "-minn", str(minn), "-maxn", str(maxn)],
                       capture_output=True, text=True, check=True)
    rates = re.findall(r"words/sec/thread:\s*(\d+)", p.stdout + p.stderr)
    return float(rates[-1])


def embedsharp(corpus, model, threads, minn, maxn, out):
    p = subprocess.run(["dotnet", "run", "-c", "Release", DRIVER, "--", "train", corpus, model, str(threads), str(minn),
                        str(maxn), out], capture_output=True, text=True, check=True, cwd=HERE)
    return float(re.search(r"words/sec/thread:\s*(\d+)", p.stdout).group(1))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", default="skipgram,cbow")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--subwords", default="yes,no")
    ap.add_argument("--corpus", default=os.path.expanduser("~/.cache/embedsharp/sotu.txt"))
    a = ap.parse_args()
    if not os.path.exists(a.corpus):
        os.makedirs(os.path.dirname(a.corpus), exist_ok=True)
        subprocess.run(["dotnet", "run", "-c", "Release", DRIVER, "--", "sotu", a.corpus], check=True, cwd=HERE)
    print("%-9s %-8s %7s %14s %14s %7s" % ("model", "subwords", "threads", "fastText w/s/t", "EmbedSharp", "ratio"))
    with tempfile.TemporaryDirectory() as tmp:
        for model in a.models.split(","):
            for sub in a.subwords.split(","):
                minn, maxn = (3, 6) if sub == "yes" else (0, 0)
                for t in [int(x) for x in a.threads.split(",")]:
                    ft = fasttext(a.corpus, model, t, minn, maxn, os.path.join(tmp, "ft"))
                    es = embedsharp(a.corpus, model, t, minn, maxn, os.path.join(tmp, "es"))
                    print("%-9s %-8s %7d %14.0f %14.0f %6.2fx" % (model, sub, t, ft, es, es / ft), flush=True)


if __name__ == "__main__":
    main()
