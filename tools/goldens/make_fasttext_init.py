"""Golden fixture for fastText 0.9.2's input-matrix initialisation (EmbedSharp.Models.WordVectors.FastTextMatrixInit).

fastText fills the (nwords + bucket) x dim input matrix block-wise: 10 blocks of size/10 values, block b < -thread
drawn from std::minstd_rand(b + seed), the other blocks left at zero. Training with -lr 0 leaves the matrix exactly
as initialised (lr = 0 * (1 - progress) = 0 at every step), so `fasttext dump` of such a model is the initial matrix.

Writes tests/data/fasttext_init/:
  corpus.txt            - a small corpus (fixed, generated here)
  init_t{T}_s{S}.bin    - the input matrix after `fasttext cbow -lr 0 -epoch 1 -dim 8 -bucket 500 -minCount 1
                          -thread T -seed S`, as little-endian float32 (rows x dim), for (T, S) in CASES
  cases.json            - for each file: nwords, bucket, dim, thread, seed
Run: /usr/bin/python3 tools/goldens/make_fasttext_init.py  (needs Debian's fasttext 0.9.2 on PATH; ~1 s)
"""
import json
import os
import random
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from goldens import DATA, update_manifest, write_atomic  # noqa: E402

OUT = os.path.join(DATA, "fasttext_init")
DIM, BUCKET = 8, 500
CASES = [(1, 0), (1, 7), (3, 2), (12, -5)]  # (thread, seed): 12 threads > 10 blocks fills the remainder block too


def read_matrix(path):
    """The input matrix of `fasttext dump MODEL input` (first line "rows dim", then one row per line)."""
    out = subprocess.run(["fasttext", "dump", path, "input"], check=True, capture_output=True, text=True).stdout
    lines = out.splitlines()
    rows, dim = map(int, lines[0].split())
    values = [float(v) for line in lines[1:1 + rows] for v in line.split()]
    assert len(values) == rows * dim, (len(values), rows, dim)
    return rows, dim, values


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = random.Random(3)
    words = ["w%d" % i for i in range(60)] + ["naïve", "über", "大学"]
    corpus = "\n".join(" ".join(rng.choice(words) for _ in range(rng.randint(3, 20))) for _ in range(80)) + "\n"
    write_atomic(os.path.join(OUT, "corpus.txt"), corpus.encode("utf-8"))
    cases = {}
    with tempfile.TemporaryDirectory() as tmp:
        for thread, seed in CASES:
            prefix = os.path.join(tmp, "m")
            subprocess.run(["fasttext", "cbow", "-input", os.path.join(OUT, "corpus.txt"), "-output", prefix,
                            "-lr", "0", "-epoch", "1", "-dim", str(DIM), "-bucket", str(BUCKET), "-minCount", "1",
                            "-thread", str(thread), "-seed", str(seed), "-verbose", "0"],
                           check=True, capture_output=True)
            # `dump` prints rounded decimals; read the exact floats from the .bin instead. The file ends with the input
            # matrix (int64 rows, int64 dim, float32 data), a quantisation flag byte and the output matrix (nwords x dim).
            rows, dim, printed = read_matrix(prefix + ".bin")
            nwords = rows - BUCKET
            with open(prefix + ".bin", "rb") as f:
                blob = f.read()
            end = len(blob) - (16 + nwords * dim * 4) - 1
            assert struct.unpack_from("<qq", blob, end + 1) == (nwords, dim)
            raw = blob[end - rows * dim * 4:end]
            m, n = struct.unpack_from("<qq", blob, end - rows * dim * 4 - 16)
            assert (m, n) == (rows, dim), (m, n, rows, dim)
            exact = struct.unpack("<%df" % (rows * dim), raw)
            assert all(abs(a - b) <= 1e-5 * max(1.0, abs(a)) for a, b in zip(exact, printed))
            name = "init_t%d_s%d.bin" % (thread, seed)
            write_atomic(os.path.join(OUT, name), raw)
            cases[name] = {"nwords": nwords, "bucket": BUCKET, "dim": dim, "thread": thread, "seed": seed,
                           "nonzero": sum(1 for v in exact if v != 0.0)}
    write_atomic(os.path.join(OUT, "cases.json"), (json.dumps(cases, indent=1, sort_keys=True) + "\n").encode())
    version = subprocess.run(["dpkg-query", "-W", "-f=${Version}", "fasttext"], capture_output=True, text=True)
    files = ["fasttext_init/corpus.txt", "fasttext_init/cases.json"] + ["fasttext_init/" + k for k in sorted(cases)]
    update_manifest(__file__, files, "fasttext " + (version.stdout.strip() or "unknown"))
    print(json.dumps(cases, sort_keys=True))


if __name__ == "__main__":
    main()
