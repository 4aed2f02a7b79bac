#!/usr/bin/python3
"""Golden fixtures for the fastText .bin format and fastText's word / sentence vectors, made by Debian's fastText CLI.

Re-run:  /usr/bin/python3 tools/goldens/make_fasttext.py      (Debian: apt-get install fasttext)
Writes:  tests/data/fasttext/* and updates tests/data/MANIFEST (only the lines of files it writes).

1. A corpus of a few thousand tokens (fixed seed) with ASCII, accented, CJK and emoji words and one word whose bytes
   are not valid UTF-8 (b"caf\\xe9").
2. `fasttext skipgram` (dim 16, minn 3, maxn 6, bucket 2000), `fasttext cbow` (dim 8, minn 1, maxn 4, bucket 1000,
   so the excluded 1-grams "<" and ">" matter) and `fasttext supervised` (dim 8, wordNgrams 2, bucket 500), thread 1.
3. For each model: `print-word-vectors` on in-vocabulary and out-of-vocabulary words, `print-sentence-vectors` on a few
   lines, `print-ngrams` on a few words, `dump args`, and the `.vec` fastText writes beside the `.bin`.
4. A model built from scratch here (own struct-based writer, independent of EmbedSharp: chosen args, dictionary and
   matrices filled with k/64 values) is written to scratch.bin, and `fasttext print-word-vectors` answers for it; the C#
   tests build the same model, check that their writer produces the same bytes, and compare vectors with the CLI.

The CLI prints every value with C++ `std::setprecision(5)` (printf "%.5g") followed by a space.
"""
import os
import random
import shutil
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from goldens import DATA, update_manifest, write_atomic  # noqa: E402

OUT = os.path.join(DATA, "fasttext")
SEED = 20240611

BASE = ("the of and to in is was for on that with as by at from his her an which or were are be this "
        "king queen man woman child river mountain city village road bridge house garden tree flower "
        "red green blue yellow black white small large old young quick slow bright dark warm cold "
        "run walk swim read write sing speak think dream build travel cook paint carry open close "
        "apple bread cheese water coffee tea wine soup honey salt sugar pepper lemon orange grape "
        "running walking swimming reading writing singing speaking thinking dreaming building").split()
UNICODE = ["naïve", "café", "Ünïcödé", "日本語", "東京", "Straße", "Ωmega", "😀", "smile😀", "über", "façade",
           "jalapeño", "Москва", "κόσμος", "ça"]
INVALID = b"caf\xe9"  # latin-1 bytes: not valid UTF-8

OOV = ["kingdom", "queens", "xyzzy", "a", "é", "naïveté", "日本", "😀😀", "Ünï", "CAFÉ", "runningly", "</s>", "<", ">",
       "<>", "__label__x", "ab", "Zz"]
SENTENCES = [
    "the king and the queen",
    "naïve café 日本語 😀",
    "xyzzy kingdom unknownword",
    "",
    "  the\tquick  \v brown \f fox\r",
    "a",
    "__label__pos the king",
    "é",
]
NGRAM_WORDS = ["king", "naïve", "日本語", "xyzzy", "😀"]

# Scratch model: everything chosen by hand.
SCRATCH_ARGS = dict(dim=4, ws=5, epoch=5, minCount=1, neg=5, wordNgrams=1, loss=2, model=2, bucket=7, minn=2, maxn=4,
                    lrUpdateRate=100, t=1e-4)
SCRATCH_WORDS = [("</s>", 10, 0), ("hello", 7, 0), ("wörld", 5, 0), ("日本", 3, 0), ("x", 2, 0)]


def sh(cmd, stdin=None):
    r = subprocess.run(cmd, input=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)
    if r.returncode != 0:
        sys.stderr.write(r.stderr.decode("utf-8", "replace"))
        raise SystemExit("command failed: %s" % " ".join(cmd))
    return r.stdout


def make_corpus(rng):
    words = BASE + UNICODE
    weights = [1.0 / (1 + i) ** 0.8 for i in range(len(words))]
    lines = []
    for _ in range(420):
        n = rng.randint(5, 14)
        toks = [w.encode("utf-8") for w in rng.choices(words, weights, k=n)]
        if rng.random() < 0.05:
            toks.insert(rng.randint(0, len(toks)), INVALID)
        lines.append(b" ".join(toks))
    return b"\n".join(lines) + b"\n"


def make_supervised_corpus(rng):
    pos = "good great happy love wonderful bright warm café naïve 😀".split()
    neg = "bad awful sad hate terrible dark cold rain 日本語 Ωmega".split()
    neutral = "the a of movie film day it was is and".split()
    lines = []
    for _ in range(300):
        label = rng.choice(["pos", "neg"])
        bag = pos if label == "pos" else neg
        toks = rng.choices(bag, k=rng.randint(2, 5)) + rng.choices(neutral, k=rng.randint(1, 5))
        rng.shuffle(toks)
        lines.append(("__label__%s " % label + " ".join(toks)).encode("utf-8"))
    return b"\n".join(lines) + b"\n"


def write_scratch(path):
    a = SCRATCH_ARGS
    out = bytearray()
    out += struct.pack("<ii", 793712314, 12)
    out += struct.pack("<12i", a["dim"], a["ws"], a["epoch"], a["minCount"], a["neg"], a["wordNgrams"], a["loss"],
                       a["model"], a["bucket"], a["minn"], a["maxn"], a["lrUpdateRate"])
    out += struct.pack("<d", a["t"])
    nwords = len(SCRATCH_WORDS)
    out += struct.pack("<iiiqq", nwords, nwords, 0, sum(c for _, c, _ in SCRATCH_WORDS), -1)
    for w, c, t in SCRATCH_WORDS:
        out += w.encode("utf-8") + b"\0" + struct.pack("<qb", c, t)
    out += b"\0"  # quant input: false
    m, n = nwords + a["bucket"], a["dim"]
    out += struct.pack("<qq", m, n)
    # Input row r, column c = ((r * 7 + c * 3) % 17 - 8) / 64: exact in float32, distinct enough per row.
    out += b"".join(struct.pack("<f", ((r * 7 + c * 3) % 17 - 8) / 64.0) for r in range(m) for c in range(n))
    out += b"\0"  # qout: false
    out += struct.pack("<qq", nwords, n)
    out += b"".join(struct.pack("<f", (r - c) / 8.0) for r in range(nwords) for c in range(n))
    with open(path, "wb") as f:
        f.write(out)


def query(model, words, tmp):
    data = b"\n".join(w.encode("utf-8") if isinstance(w, str) else w for w in words) + b"\n"
    return sh(["fasttext", "print-word-vectors", model], data)


def main():
    if shutil.which("fasttext") is None:
        raise SystemExit("fasttext is not on PATH (apt-get install fasttext)")
    os.makedirs(OUT, exist_ok=True)
    for f in os.listdir(OUT):
        os.remove(os.path.join(OUT, f))
    rng = random.Random(SEED)
    files = []

    def put(name, content):
        write_atomic(os.path.join(OUT, name), content)
        files.append("fasttext/" + name)

    corpus = make_corpus(rng)
    sup_corpus = make_supervised_corpus(rng)
    put("corpus.txt", corpus)
    tmp = tempfile.mkdtemp(prefix="ft_goldens_")
    try:
        cpath = os.path.join(tmp, "corpus.txt")
        with open(cpath, "wb") as f:
            f.write(corpus)
        spath = os.path.join(tmp, "sup.txt")
        with open(spath, "wb") as f:
            f.write(sup_corpus)
        common = ["-thread", "1", "-seed", "1", "-verbose", "0", "-minCount", "2", "-epoch", "3"]
        runs = {
            "skipgram": ["fasttext", "skipgram", "-input", cpath, "-dim", "16", "-minn", "3", "-maxn", "6",
                         "-bucket", "2000"] + common,
            "cbow": ["fasttext", "cbow", "-input", cpath, "-dim", "8", "-minn", "1", "-maxn", "4",
                     "-bucket", "1000"] + common,
            "supervised": ["fasttext", "supervised", "-input", spath, "-dim", "8", "-wordNgrams", "2",
                           "-bucket", "500", "-thread", "1", "-seed", "1", "-verbose", "0", "-epoch", "5"],
        }
        for name, cmd in runs.items():
            prefix = os.path.join(tmp, name)
            sh(cmd + ["-output", prefix])
            model = prefix + ".bin"
            with open(model, "rb") as f:
                put(name + ".bin", f.read())
            with open(prefix + ".vec", "rb") as f:
                put(name + ".vec", f.read())
            # Every dictionary entry (labels too) plus the out-of-vocabulary words.
            dump = sh(["fasttext", "dump", model, "dict"])
            # (fastText asserts when asked for the vector of a label, so labels are not queried.)
            entries = [ln.rsplit(b" ", 2) for ln in dump.split(b"\n")[1:] if ln]
            queries = [e[0] for e in entries if e[2] == b"word" and e[0] and not any(ch in e[0] for ch in b" \t\r\v\f")]
            queries += [w.encode() for w in OOV if not w.startswith("__label__")]
            put(name + ".words.txt", b"\n".join(queries) + b"\n")
            put(name + ".word-vectors.txt", query(model, queries, tmp))
            sentences = b"\n".join(s.encode("utf-8") for s in SENTENCES) + b"\n"
            put(name + ".sentences.txt", sentences)
            put(name + ".sentence-vectors.txt", sh(["fasttext", "print-sentence-vectors", model], sentences))
            put(name + ".args.txt", sh(["fasttext", "dump", model, "args"]))
            put(name + ".dict.txt", dump)
            if name != "supervised":
                ngrams = b""
                for w in NGRAM_WORDS:
                    ngrams += b"#word " + w.encode("utf-8") + b"\n" + sh(["fasttext", "print-ngrams", model, w])
                put(name + ".ngrams.txt", ngrams)

        scratch = os.path.join(tmp, "scratch.bin")
        write_scratch(scratch)
        with open(scratch, "rb") as f:
            put("scratch.bin", f.read())
        sq = [w for w, _, _ in SCRATCH_WORDS] + ["hell", "wörl", "é", "x", "xy", "日本語", "q"]
        put("scratch.words.txt", b"\n".join(w.encode("utf-8") for w in sq) + b"\n")
        put("scratch.word-vectors.txt", query(scratch, sq, tmp))
    finally:
        shutil.rmtree(tmp)

    version = "fasttext 0.9.2+ds-1+b1 (Debian)"
    try:
        version = "fasttext " + sh(["dpkg-query", "-W", "-f=${Version}", "fasttext"]).decode() + " (Debian)"
    except SystemExit:
        pass
    total = sum(os.path.getsize(os.path.join(DATA, f)) for f in files)
    print("wrote %d files, %d bytes" % (len(files), total))
    update_manifest(__file__, files, version, "/usr/bin/python3 tools/goldens/make_fasttext.py (seed %d)" % SEED,
                    drop_script_lines=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
