#!/usr/bin/python3
"""Quality of EmbedSharp's word-vector trainer against Debian's fastText 0.9.2 on the SOTU corpus.

Same hyper-parameters for every run (dim 100, epoch 5, ws 5, neg 5, minCount 5, minn 3, maxn 6, lr 0.05 for
skip-gram and CBOW as the fastText defaults of each command) and ONE thread everywhere, so that two fastText runs
differ only by -seed (fastText with more threads is non-deterministic anyway) and EmbedSharp runs in its
deterministic mode. For each model: fastText seed A, fastText seed B, EmbedSharp seed A; for a fixed list of probe
words, the top-10 cosine neighbours (over the whole vocabulary, from the .vec files) of each pair of runs are
compared: overlap = |N_1(w) ∩ N_2(w)| / 10, averaged over the probes.

Goal (issue 5): overlap(EmbedSharp, fastText A) >= overlap(fastText A, fastText B). We also print
overlap(EmbedSharp, fastText B) and the mean of the two.

  /usr/bin/python3 bench/peers/trainer_quality_vs_fasttext.py [--models skipgram,cbow] [--seeds 1,2]
"""
import argparse
import os
import subprocess
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
DRIVER = os.path.join(HERE, "train_vectors.cs")

# Frequent and mid-frequency nouns and verbs of the State of the Union addresses.
PROBES = """nation war tax congress economy government people states peace world country president law
    army navy trade money land health education jobs business workers budget debt energy freedom citizens
    security defense treaty constitution court union public children families schools oil farmers
    industry policy military foreign taxes spending reform program growth prosperity build support
    protect believe""".split()


def load_vec(path):
    with open(path, "rb") as f:
        n, dim = map(int, f.readline().split())
        words, rows = [], np.empty((n, dim), dtype=np.float32)
        for i in range(n):
            parts = f.readline().rstrip(b"\n").rstrip(b" ").split(b" ")
            words.append(parts[0].decode("utf-8", "replace"))
            rows[i] = np.array(parts[1:], dtype=np.float32)
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    rows /= np.maximum(norms, 1e-12)
    return {w: i for i, w in enumerate(words)}, words, rows


def neighbours(vec, word, k=10):
    index, words, rows = vec
    sims = rows @ rows[index[word]]
    sims[index[word]] = -np.inf
    top = np.argpartition(-sims, k)[:k]
    return {words[i] for i in top}


def overlap(a, b, probes):
    return float(np.mean([len(neighbours(a, w) & neighbours(b, w)) / 10.0 for w in probes]))


def fasttext(corpus, model, seed, out):
    subprocess.run(["fasttext", model, "-input", corpus, "-output", out, "-dim", "100", "-epoch", "5", "-ws", "5",
                    "-neg", "5", "-minCount", "5", "-minn", "3", "-maxn", "6", "-thread", "1", "-seed", str(seed),
                    "-verbose", "0"], check=True, capture_output=True)
    return out + ".vec"


def embedsharp(corpus, model, seed, out):
    subprocess.run(["dotnet", "run", "-c", "Release", DRIVER, "--", "train", corpus, model, "1", "3", "6", out,
                    str(seed)], check=True, capture_output=True, cwd=HERE)
    return out + ".vec"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", default="skipgram,cbow")
    ap.add_argument("--seeds", default="1,2")
    ap.add_argument("--corpus", default=os.path.expanduser("~/.cache/embedsharp/sotu.txt"))
    a = ap.parse_args()
    seed_a, seed_b = [int(s) for s in a.seeds.split(",")]
    if not os.path.exists(a.corpus):
        os.makedirs(os.path.dirname(a.corpus), exist_ok=True)
        subprocess.run(["dotnet", "run", "-c", "Release", DRIVER, "--", "sotu", a.corpus], check=True, cwd=HERE)
    print("probes: %d words, top-10 cosine neighbours, one thread, seeds %d and %d" % (len(PROBES), seed_a, seed_b))
    print("%-9s %16s %16s %16s" % ("model", "fastText A vs B", "ours vs fT A", "ours vs fT B"))
    with tempfile.TemporaryDirectory() as tmp:
        for model in a.models.split(","):
            fa = load_vec(fasttext(a.corpus, model, seed_a, os.path.join(tmp, "fa")))
            fb = load_vec(fasttext(a.corpus, model, seed_b, os.path.join(tmp, "fb")))
            es = load_vec(embedsharp(a.corpus, model, seed_a, os.path.join(tmp, "es")))
            probes = [w for w in PROBES if w in fa[0] and w in fb[0] and w in es[0]]
            missing = sorted(set(PROBES) - set(probes))
            if missing:
                print("  (not in every vocabulary, skipped: %s)" % " ".join(missing))
            print("%-9s %16.3f %16.3f %16.3f" % (model, overlap(fa, fb, probes), overlap(es, fa, probes),
                                                 overlap(es, fb, probes)), flush=True)


if __name__ == "__main__":
    main()
