"""Golden fixtures for fastText's dictionary and n-gram hashing (EmbedSharp.Models.WordVectors).

Writes tests/data/fasttext_dict/:
  hashes.json  - fastText's 32-bit word hash (FNV-1a over sign-extended bytes) and the n-gram rows of words,
                 computed by the Python reimplementation below, which this script first checks against the real
                 `fasttext` binary: for out-of-vocabulary words, the mean of the input rows we predict (read with
                 `fasttext dump model input`) must equal `fasttext print-word-vectors` to its 5 printed digits.
  corpus.txt   - a small corpus with many count ties, non-ASCII words and odd whitespace.
  dict.json    - the dictionary fastText builds from corpus.txt (`fasttext dump model dict`: order, counts, types)
                 for minCount 1 and 2, and its token count.
Run: /usr/bin/python3 tools/goldens/make_fasttext_dict.py  (needs Debian's fasttext 0.9.2 on PATH; takes ~1 s)
"""
import json
import os
import random
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from goldens import DATA, update_manifest, write_atomic  # noqa: E402

OUT = os.path.join(DATA, "fasttext_dict")


def ft_hash(data: bytes) -> int:
    h = 2166136261
    for b in data:
        sb = b - 256 if b >= 128 else b  # int8_t(c), then uint32_t(...) sign-extends
        h = ((h ^ (sb & 0xFFFFFFFF)) * 16777619) & 0xFFFFFFFF
    return h


def subword_rows(word: bytes, minn: int, maxn: int, bucket: int, nwords: int):
    w = b"<" + word + b">"
    rows = []
    for i in range(len(w)):
        if (w[i] & 0xC0) == 0x80:
            continue
        ngram = bytearray()
        j = i
        n = 1
        while j < len(w) and n <= maxn:
            ngram.append(w[j])
            j += 1
            while j < len(w) and (w[j] & 0xC0) == 0x80:
                ngram.append(w[j])
                j += 1
            if n >= minn and not (n == 1 and (i == 0 or j == len(w))):
                rows.append(nwords + ft_hash(bytes(ngram)) % bucket)
            n += 1
    return rows


def fasttext_version():
    out = subprocess.run(["dpkg-query", "-W", "-f=${Version}", "fasttext"], capture_output=True, text=True)
    return out.stdout.strip() or "unknown"


def train(tmp, corpus, name, extra):
    prefix = os.path.join(tmp, name)
    subprocess.run(["fasttext", "skipgram", "-input", corpus, "-output", prefix, "-verbose", "0"] + extra,
                   check=True, capture_output=True)
    return prefix + ".bin"


def dump(model, what):
    return subprocess.run(["fasttext", "dump", model, what], check=True, capture_output=True).stdout


def make_corpus():
    rng = random.Random(1234)
    vocab = ["a", "b", "c", "the", "cat", "dog", "café", "naïve", "日本語", "über", "x", "yy", "zzz", "__label__pos",
             "ab", "ba", "q", "w", "e", "r", "t", "y", "u", "i", "o", "p", "Ωmega", "emoji🙂", "s p".replace(" ", "_")]
    lines = []
    for _ in range(60):
        k = rng.randint(0, 12)
        words = [rng.choice(vocab) for _ in range(k)]
        seps = [rng.choice([" ", " ", "  ", "\t", "\v", "\f", "\r", "\0"]) for _ in words]
        lines.append("".join(w + s for w, s in zip(words, seps)))
    text = "\n".join(lines) + "\nno_final_newline"
    return text.encode("utf-8") + b" \xff\xfe bad\xc3"  # invalid UTF-8 bytes are tokens too


def parse_dict(raw: bytes):
    lines = raw.split(b"\n")
    n = int(lines[0])
    entries = []
    for ln in lines[1:1 + n]:
        word, count, kind = ln.rsplit(b" ", 2)
        entries.append({"word_hex": word.hex(), "count": int(count), "type": kind.decode()})
    return entries


def main():
    os.makedirs(OUT, exist_ok=True)
    corpus = make_corpus()
    write_atomic(os.path.join(OUT, "corpus.txt"), corpus)
    words = ["", "a", "the", "café", "naïve", "日本語", "emoji🙂", "Ωmega", "</s>", "zebra", "Zürich", "\u00ff\u0080"]
    cases = []
    with tempfile.TemporaryDirectory() as tmp:
        # 1) check the n-gram rows against the real fastText (threads 10: fastText 0.9.2 only initialises
        #    thread/10 of the input matrix, so fewer threads leave most buckets at zero).
        model = train(tmp, os.path.join(OUT, "corpus.txt"), "h",
                      ["-minCount", "1", "-dim", "4", "-epoch", "1", "-thread", "10", "-bucket", "997", "-minn", "1",
                       "-maxn", "4"])
        nwords = sum(1 for e in parse_dict(dump(model, "dict")) if e["type"] == "word")
        rows = dump(model, "input").decode().split("\n")
        matrix = [[float(x) for x in r.split()] for r in rows[1:] if r.strip()]
        probes = ["zebra", "Zürich", "xylophone", "日本", "🙂🙂", "abc"]
        out = subprocess.run(["fasttext", "print-word-vectors", model], input="\n".join(probes).encode(),
                             check=True, capture_output=True).stdout.decode().strip().split("\n")
        for probe, line in zip(probes, out):
            got = [float(x) for x in line.split()[-4:]]
            rs = subword_rows(probe.encode(), 1, 4, 997, nwords)
            mean = [sum(matrix[r][k] for r in rs) / len(rs) for k in range(4)]
            assert all(abs(a - b) <= 1e-4 + 1e-4 * abs(b) for a, b in zip(mean, got)), (probe, mean, got)

        # 2) dictionaries built by fastText from the corpus
        dicts = []
        for min_count in (1, 2):
            m = train(tmp, os.path.join(OUT, "corpus.txt"), "d%d" % min_count,
                      ["-minCount", str(min_count), "-dim", "2", "-epoch", "1", "-thread", "1", "-maxn", "0"])
            dicts.append({"min_count": min_count, "entries": parse_dict(dump(m, "dict"))})

    for w in words:
        b = w.encode("utf-8", "surrogatepass")
        cases.append({"word_hex": b.hex(), "hash": ft_hash(b),
                      "rows_3_6": subword_rows(b, 3, 6, 2000000, 10),
                      "rows_1_2": subword_rows(b, 1, 2, 1000, 0)})
    cases.append({"word_hex": "ff80c3", "hash": ft_hash(b"\xff\x80\xc3"),
                  "rows_3_6": subword_rows(b"\xff\x80\xc3", 3, 6, 2000000, 10),
                  "rows_1_2": subword_rows(b"\xff\x80\xc3", 1, 2, 1000, 0)})
    write_atomic(os.path.join(OUT, "hashes.json"),
                 json.dumps({"nwords_3_6": 10, "bucket_3_6": 2000000, "nwords_1_2": 0, "bucket_1_2": 1000,
                             "cases": cases}, indent=1), mode="w")
    write_atomic(os.path.join(OUT, "dict.json"), json.dumps({"dictionaries": dicts}, indent=1), mode="w")
    versions = "python %s; fasttext %s" % (sys.version.split()[0], fasttext_version())
    update_manifest(__file__, ["fasttext_dict/corpus.txt", "fasttext_dict/dict.json", "fasttext_dict/hashes.json"],
                    versions)


if __name__ == "__main__":
    main()
