#!/usr/bin/python3
"""Quality of EmbedSharp's word-vector trainer against Debian's fastText 0.9.2 on the SOTU corpus.

Same hyper-parameters for every run (dim 100, epoch 5, ws 5, neg 5, minCount 5, minn 3, maxn 6, lr 0.05 for
skip-gram and CBOW as the fastText defaults of each command) and ONE thread everywhere, so that two fastText runs
differ only by -seed (fastText with more threads is non-deterministic anyway) and EmbedSharp runs in its
deterministic mode. For each model, fastText and EmbedSharp each train once per seed; for a fixed list of probe words, the
top-10 cosine neighbours (over the whole vocabulary, from the .vec files) of each pair of runs are compared:
overlap = |N_1(w) ∩ N_2(w)| / 10, averaged over the probes.

Goal (issue 5): overlap(EmbedSharp, fastText) >= overlap(fastText, fastText). One pair of seeds gives one sample of
each, and the overlap of two fastText runs itself moves by about 0.02 from one pair of seeds to the next, so with more
seeds the script also prints the means over all pairs: fastText vs fastText (n(n-1)/2 pairs), EmbedSharp vs fastText
(n² pairs) and EmbedSharp vs EmbedSharp.

  /usr/bin/python3 bench/peers/trainer_quality_vs_fasttext.py [--models skipgram,cbow] [--seeds 1,2[,3...]]
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
    ap.add_argument("--seeds", default="1,2", help="two or more seeds; each tool trains once per seed")
    ap.add_argument("--corpus", default=os.path.expanduser("~/.cache/embedsharp/sotu.txt"))
    a = ap.parse_args()
    seeds = [int(s) for s in a.seeds.split(",")]
    if len(seeds) < 2 or len(set(seeds)) != len(seeds):
        ap.error("--seeds needs at least two different seeds")
    if not os.path.exists(a.corpus):
        os.makedirs(os.path.dirname(a.corpus), exist_ok=True)
        subprocess.run(["dotnet", "run", "-c", "Release", DRIVER, "--", "sotu", a.corpus], check=True, cwd=HERE)
    print("probes: %d words, top-10 cosine neighbours, one thread, seeds %s" % (len(PROBES), a.seeds))
    with tempfile.TemporaryDirectory() as tmp:
        for model in a.models.split(","):
            ft = [load_vec(fasttext(a.corpus, model, s, os.path.join(tmp, "ft%d" % s))) for s in seeds]
            es = [load_vec(embedsharp(a.corpus, model, s, os.path.join(tmp, "es%d" % s))) for s in seeds]
            probes = [w for w in PROBES if all(w in v[0] for v in ft + es)]
            missing = sorted(set(PROBES) - set(probes))
            if missing:
                print("  (not in every vocabulary, skipped: %s)" % " ".join(missing))
            n = len(seeds)
            ft_ft = [overlap(ft[i], ft[j], probes) for i in range(n) for j in range(i + 1, n)]
            es_ft = [[overlap(es[i], ft[j], probes) for j in range(n)] for i in range(n)]
            es_es = [overlap(es[i], es[j], probes) for i in range(n) for j in range(i + 1, n)]
            print("%s: fastText vs fastText (each pair of seeds): %s" % (model, " ".join("%.3f" % v for v in ft_ft)))
            for i in range(n):
                print("%s: ours seed %d vs fastText seeds %s: %s" % (model, seeds[i], a.seeds,
                                                                   " ".join("%.3f" % v for v in es_ft[i])))
            print("%s: ours vs ours (each pair of seeds): %s" % (model, " ".join("%.3f" % v for v in es_es)))
            cross = [v for row in es_ft for v in row]
            print("%s: MEAN fastText vs fastText %.3f (%d pairs) | ours vs fastText %.3f (%d pairs) | "
                  "ours vs ours %.3f | ours seed %d vs fastText seed %d %.3f, fastText %d vs %d %.3f"
                  % (model, np.mean(ft_ft), len(ft_ft), np.mean(cross), len(cross), np.mean(es_es),
                     seeds[0], seeds[0], es_ft[0][0], seeds[0], seeds[1], ft_ft[0]), flush=True)


if __name__ == "__main__":
    main()
