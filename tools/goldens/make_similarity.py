#!/usr/bin/python3
"""Golden fixtures for similarity queries, made by gensim 4 (Debian python3-gensim) on a synthetic vector set.

Re-run:  /usr/bin/python3 tools/goldens/make_similarity.py      (Debian: apt-get install python3-gensim)
Writes:  tests/data/similarity/vectors.npy   (5000, 50) float32, clustered, with a zero row and repeated directions
         tests/data/similarity/words.txt     the 5000 words, UTF-8, one per line (some non-ASCII)
         tests/data/similarity/cases.json    queries and gensim's answers (float32 bits in hex)
and updates tests/data/MANIFEST.

The table: 100 cluster centres ~ N(0, 1); each word = centre + 0.6 * N(0, 1) noise, scaled by U(0.5, 3) so norms vary.
Row 777 is all zeros (gensim's norm is 0, its unit vector 0/0 = NaN, its score NaN). Row 1500 repeats row 1499 and
row 2000 is 2 * row 1999 (same unit vector: exact ties).

Order and ties. gensim sorts with numpy's argpartition + argsort (introsort, not stable), so the order of EXACT ties
is not defined by gensim; and our scores differ from gensim's in the last bits (gensim divides a sequential BLAS dot
of the raw row by its norm; we dot unit rows with SIMD), so two scores within about 1e-7 may swap. For every result
list this script records `near_ties`: the runs of consecutive positions whose gensim scores differ by at most
NEAR_TIE (1e-6), and whether the run touches the top-N boundary (compared with the next candidate gensim would
have returned). Tests accept any order inside such a run and nothing else.
"""
import hashlib
import io
import json
import os
import sys

import gensim
import numpy as np
from gensim.models import KeyedVectors

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from goldens import DATA, update_manifest, write_atomic  # noqa: E402

OUT = os.path.join(DATA, "similarity")
SEED = 20240601
V, D, CLUSTERS = 5000, 50, 100
NEAR_TIE = 1e-6
ZERO_ROW, DUP_ROW, SCALED_ROW = 777, 1500, 2000


def hexf(x):
    return "%08x" % int(np.array([x], dtype=np.float32).view(np.uint32)[0])


def hexv(a):
    return ["%08x" % v for v in np.ascontiguousarray(a, dtype=np.float32).view(np.uint32)]


def make_table():
    rng = np.random.default_rng(SEED)
    centres = rng.standard_normal((CLUSTERS, D))
    cluster = rng.integers(0, CLUSTERS, V)
    x = centres[cluster] + 0.6 * rng.standard_normal((V, D))
    x *= rng.uniform(0.5, 3.0, V)[:, None]
    x = x.astype(np.float32)
    x[ZERO_ROW] = 0
    x[DUP_ROW] = x[DUP_ROW - 1]
    x[SCALED_ROW] = x[SCALED_ROW - 1] * np.float32(2)
    words = []
    for i in range(V):
        if i % 500 == 3:
            words.append("café_%d" % i)
        elif i % 500 == 7:
            words.append("東京_%d" % i)
        elif i % 500 == 11:
            words.append("naïve-Ω_%d" % i)
        else:
            words.append("w%d" % i)
    return x, words, cluster, rng


def runs(scores, next_score):
    """Maximal runs [start, end) of positions whose consecutive scores differ by <= NEAR_TIE (NaN ties NaN)."""
    out = []
    s = list(scores) + ([next_score] if next_score is not None else [])
    i = 0
    while i < len(scores):
        j = i
        while j + 1 < len(s) and close(s[j], s[j + 1]):
            j += 1
        if j > i:
            out.append({"start": i, "end": min(j + 1, len(scores)), "boundary": j + 1 > len(scores)})
        i = j + 1
    return out


def close(a, b):
    if np.isnan(a) and np.isnan(b):
        return True
    return abs(a - b) <= NEAR_TIE


def listed(result, extra):
    """(words, score bits, near-tie runs) of a gensim result list; `extra` is the list with one more entry."""
    words = [w for w, _ in result]
    scores = [s for _, s in result]
    nxt = extra[len(result)][1] if len(extra) > len(result) else None
    return {"words": words, "scores": [hexf(s) for s in scores], "near_ties": runs(scores, nxt)}


def main():
    os.makedirs(OUT, exist_ok=True)
    x, words, cluster, rng = make_table()
    npy = io.BytesIO()
    np.save(npy, x)
    write_atomic(os.path.join(OUT, "vectors.npy"), npy.getvalue())
    write_atomic(os.path.join(OUT, "words.txt"), ("\n".join(words) + "\n").encode("utf-8"))

    kv = KeyedVectors(D, dtype=np.float32)
    kv.add_vectors(words, x)
    assert len(kv) == V and kv.vectors.dtype == np.float32 and kv.index_to_key[0] == words[0]
    with np.errstate(invalid="ignore", divide="ignore"):
        kv.fill_norms()
        normed = kv.get_normed_vectors()

    def pick(n):
        rows = rng.choice(np.setdiff1d(np.arange(V), [ZERO_ROW]), n, replace=False)
        return [words[r] for r in rows]

    by_cluster = {}
    for i, c in enumerate(cluster):
        if i != ZERO_ROW:
            by_cluster.setdefault(int(c), []).append(i)

    cases = {"most_similar": [], "cosmul": [], "doesnt_match": [], "similarity": [], "distances": [], "mean": []}
    ms_queries = []
    # Neighbours of the repeated rows see an exact tie (rows 1499/1500 and 1999/2000) inside their top 10.
    tie_queries = [kv.most_similar(words[r], topn=3)[2][0] for r in (DUP_ROW, SCALED_ROW)]
    for w in pick(40) + [words[3], words[7], words[11], words[DUP_ROW], words[SCALED_ROW - 1]] + tie_queries:
        ms_queries.append({"positive": [w], "negative": [], "topn": 10, "restrict_vocab": None})
    for _ in range(30):  # analogies: a is to b as c is to ?  ->  positive [b, c], negative [a]
        a, b, c = pick(3)
        ms_queries.append({"positive": [b, c], "negative": [a], "topn": 10, "restrict_vocab": None, "analogy": [a, b, c]})
    for _ in range(10):
        p, n = pick(3), pick(2)
        ms_queries.append({"positive": p, "negative": n, "topn": 15, "restrict_vocab": None})
    for _ in range(5):
        w = pick(2)
        ms_queries.append({"positive": [w[0], w[0], w[1]], "negative": [], "topn": 10, "restrict_vocab": None})
    for rv in [1, 50, 500, 1000, 2500]:
        for w in pick(4):
            ms_queries.append({"positive": [w], "negative": pick(1) if rv == 2500 else [], "topn": 10, "restrict_vocab": rv})
    ms_queries.append({"positive": pick(1), "negative": [], "topn": 1000, "restrict_vocab": 1000})  # NaN row at the end
    ms_queries.append({"positive": pick(1), "negative": [], "topn": 200, "restrict_vocab": None})
    ms_queries.append({"positive": [words[5]], "negative": [], "topn": 20, "restrict_vocab": 4})  # fewer rows than topn
    for _ in range(10):  # vector queries (raw, not unit: gensim normalises only the mean)
        ms_queries.append({"vector": (rng.standard_normal(D) * 2).astype(np.float32), "topn": 10, "restrict_vocab": None})

    for q in ms_queries:
        if "vector" in q:
            vec = q.pop("vector")
            res = kv.most_similar(positive=[vec], topn=q["topn"], restrict_vocab=q["restrict_vocab"])
            extra = kv.most_similar(positive=[vec], topn=q["topn"] + 1, restrict_vocab=q["restrict_vocab"])
            q["vector"] = hexv(vec)
            q["positive"], q["negative"] = [], []
        else:
            res = kv.most_similar(positive=q["positive"], negative=q["negative"], topn=q["topn"], restrict_vocab=q["restrict_vocab"])
            extra = kv.most_similar(positive=q["positive"], negative=q["negative"], topn=q["topn"] + 1, restrict_vocab=q["restrict_vocab"])
        q.update(listed(res, extra))
        cases["most_similar"].append(q)

    # The query vector itself (get_mean_vector with gensim's weights, then unit length), for bit-exact checks.
    for q in ms_queries[:5] + ms_queries[45:50] + ms_queries[75:80]:
        if q["positive"]:
            keys = q["positive"] + q["negative"]
            weights = np.concatenate((np.ones(len(q["positive"])), -np.ones(len(q["negative"]))))
            m = kv.get_mean_vector(keys, weights, pre_normalize=True, post_normalize=True, ignore_missing=False)
            cases["mean"].append({"positive": q["positive"], "negative": q["negative"], "vector": hexv(m)})

    cm_queries = [{"positive": [q["analogy"][1], q["analogy"][2]], "negative": [q["analogy"][0]], "analogy": q["analogy"]}
                  for q in ms_queries if "analogy" in q]
    cm_queries += [{"positive": [w], "negative": []} for w in pick(10)]
    cm_queries += [{"positive": pick(3), "negative": pick(2)} for _ in range(5)]
    cm_queries += [{"positive": [w, w], "negative": pick(1)} for w in pick(3)]
    for q in cm_queries:
        q["topn"] = 10
        with np.errstate(invalid="ignore"):
            res = kv.most_similar_cosmul(positive=q["positive"], negative=q["negative"], topn=10)
            extra = kv.most_similar_cosmul(positive=q["positive"], negative=q["negative"], topn=11)
        q.update(listed(res, extra))
        cases["cosmul"].append(q)

    clusters = [c for c, rows in by_cluster.items() if len(rows) >= 6]
    for k in range(25):
        c1, c2 = rng.choice(clusters, 2, replace=False)
        n = 3 + k % 4
        group = [words[r] for r in rng.choice(by_cluster[int(c1)], n, replace=False)]
        odd = words[int(rng.choice(by_cluster[int(c2)]))]
        ws = group[: k % n] + [odd] + group[k % n:]
        ranked = kv.rank_by_centrality(ws)
        cases["doesnt_match"].append({
            "words": ws, "answer": kv.doesnt_match(ws),
            "ranked": [[w, hexf(s)] for s, w in ranked],
        })

    for _ in range(60):
        a, b = pick(2)
        cases["similarity"].append({"a": a, "b": b, "score": hexf(kv.similarity(a, b))})
    cases["similarity"].append({"a": words[DUP_ROW], "b": words[DUP_ROW - 1], "score": hexf(kv.similarity(words[DUP_ROW], words[DUP_ROW - 1]))})
    with np.errstate(invalid="ignore", divide="ignore"):
        cases["similarity"].append({"a": words[5], "b": words[ZERO_ROW], "score": hexf(kv.similarity(words[5], words[ZERO_ROW]))})
        for _ in range(8):
            w = pick(1)[0]
            others = pick(12) + [words[ZERO_ROW]]
            cases["distances"].append({"word": w, "others": others, "distances": hexv(kv.distances(w, others))})

    doc = {
        "generator": "tools/goldens/make_similarity.py",
        "gensim": gensim.__version__,
        "numpy": np.__version__,
        "seed": SEED,
        "near_tie": NEAR_TIE,
        "shape": [V, D],
        "zero_row": ZERO_ROW,
        "norms_sha256": hashlib.sha256(np.ascontiguousarray(kv.norms, dtype="<f4").tobytes()).hexdigest(),
        "normed_sha256": hashlib.sha256(np.ascontiguousarray(normed, dtype="<f4").tobytes()).hexdigest(),
        "norms_head": hexv(kv.norms[:8]),
        **cases,
    }
    write_atomic(os.path.join(OUT, "cases.json"),
                 (json.dumps(doc, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8"))

    ties = sum(len(q["near_ties"]) for q in cases["most_similar"] + cases["cosmul"])
    print("cases: %d most_similar, %d cosmul, %d doesnt_match; near-tie runs recorded: %d"
          % (len(cases["most_similar"]), len(cases["cosmul"]), len(cases["doesnt_match"]), ties))
    update_manifest(__file__, ["similarity/cases.json", "similarity/vectors.npy", "similarity/words.txt"],
                    "gensim %s, numpy %s (reference BLAS)" % (gensim.__version__, np.__version__),
                    "/usr/bin/python3 tools/goldens/make_similarity.py (seed %d)" % SEED)


if __name__ == "__main__":
    sys.exit(main())
