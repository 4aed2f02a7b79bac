#!/usr/bin/python3
"""Regenerate the word-vector text/binary fixtures in tests/data/textvec/ and their lines in tests/data/MANIFEST.

Run from anywhere:  /usr/bin/python3 tools/goldens/make_textvec.py
Needs Debian's python3-gensim (4.x) and the `fasttext` CLI. Deterministic (fixed seeds; fastText with -thread 1).

Every "expected" value is what gensim itself loads (KeyedVectors.load_word2vec_format), so the C# tests check that
EmbedSharp reads gensim's files (and fastText's .vec) to identical vectors, and that EmbedSharp's writers produce
gensim's bytes. Bad-input files are small and hand-made; cases.json records where each one is wrong and what gensim
does with it.
"""
import gzip
import json
import os
import struct
import subprocess
import sys
import tempfile

import gensim
import numpy as np
from gensim.models import KeyedVectors

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from goldens import DATA, update_manifest, write_atomic  # noqa: E402

OUT = os.path.join(DATA, "textvec")
VERSIONS = f"python {sys.version.split()[0]}; numpy {np.__version__}; gensim {gensim.__version__}; fasttext 0.9.2 (Debian)"
SEED = 20240611

written = []  # (file name, description)
cases = {}


def save(name, data, how):
    write_atomic(os.path.join(OUT, name), data)
    written.append((name, how))


def hexbits(values):
    return [format(struct.unpack("<I", struct.pack("<f", float(v)))[0], "08x") for v in np.asarray(values, dtype=np.float32).ravel()]


def gensim_load(path, **kw):
    kv = KeyedVectors.load_word2vec_format(path, **kw)
    words, vecs = list(kv.index_to_key), kv.vectors.astype(np.float32)
    # gensim 4.2 quirk: each dropped duplicate leaves a None key and a zero row at the end (the preallocated slot);
    # they are not vectors of the file, so they are left out of the expected values.
    keep = [i for i, w in enumerate(words) if w is not None]
    return [words[i] for i in keep], vecs[keep]


def gensim_error(path, **kw):
    try:
        KeyedVectors.load_word2vec_format(path, **kw)
        return "loads"
    except Exception as e:  # record what gensim does with bad input, for the docs
        return f"{type(e).__name__}: {str(e)[:120]}"


def vocabulary(n):
    base = ["the", ",", ".", "of", "and", "to", "in", "a", "\"", "'s", "café", "naïve", "Zürich", "東京", "日本語",
            "Привет", "😀", "ß", "ﬁ", "-", "--", "1999", "3.14", "e", "nan-word", "inf-word"]
    words = list(base)
    i = 0
    while len(words) < n:
        words.append(f"w{i}" if i % 7 else f"wörd{i}")
        i += 1
    return words[:n]


def make_vectors():
    rng = np.random.default_rng(SEED)
    words = vocabulary(300)
    d = 20
    m = (rng.standard_normal((len(words), d)) * 0.5).astype(np.float32)
    # Values whose numpy repr takes every form: exponents both ways, -0.0, integers, the 1e-4 and 1e16 bounds, inf.
    m[0, :10] = np.array([-0.0, 0.0, 1e-5, -2.5e-7, 1e16, 123456789.0, 1e-4, 0.0001001, 1e15, 3.4028235e38], dtype=np.float32)
    m[1, :6] = np.array([1.0, -1.0, 0.5, 100.0, 1e-45, -1.17549435e-38], dtype=np.float32)
    m[2, 0] = np.float32("inf")
    m[3, :] = rng.standard_normal(d).astype(np.float32) * np.float32(1e-6)
    kv = KeyedVectors(d)
    kv.add_vectors(words, m)
    with tempfile.TemporaryDirectory() as tmp:
        txt, binf, glove = (os.path.join(tmp, n) for n in ("a.txt", "a.bin", "a.glove"))
        kv.save_word2vec_format(txt, binary=False)
        kv.save_word2vec_format(binf, binary=True)
        kv.save_word2vec_format(glove, binary=False, write_header=False)
        for src, name in ((txt, "gensim_300x20.txt"), (binf, "gensim_300x20.bin"), (glove, "gensim_300x20_glove.txt")):
            with open(src, "rb") as f:
                save(name, f.read(), f"KeyedVectors.add_vectors(300 words, default_rng({SEED}) normal*0.5 + edge values).save_word2vec_format")
        w1, v1 = gensim_load(txt)
        w2, v2 = gensim_load(binf, binary=True)
        w3, v3 = gensim_load(glove, no_header=True)
    assert w1 == w2 == w3 == words
    assert np.array_equal(v1.view(np.uint32), m.view(np.uint32)) and np.array_equal(v2.view(np.uint32), m.view(np.uint32))
    assert np.array_equal(v3.view(np.uint32), m.view(np.uint32))
    save("gensim_300x20_vectors.f32", m.astype("<f4").tobytes(), "the (300, 20) float32 matrix, little-endian, as gensim loads all three files")
    with open(os.path.join(OUT, "gensim_300x20.txt"), "rb") as f:
        save("gensim_300x20.txt.gz", gzip.compress(f.read(), compresslevel=6, mtime=0), "gzip.compress(gensim_300x20.txt, mtime=0)")
    cases["vectors"] = {"words": words, "dimension": d, "matrix": "gensim_300x20_vectors.f32",
                        "text": "gensim_300x20.txt", "binary": "gensim_300x20.bin", "glove": "gensim_300x20_glove.txt",
                        "gzip": "gensim_300x20.txt.gz"}
    return words, m


def make_repr_sweep():
    rng = np.random.default_rng(SEED + 1)
    bits = rng.integers(0, 2**32, 6000, dtype=np.uint64).astype(np.uint32)
    vals = bits.view(np.float32)
    vals = vals[np.isfinite(vals)]
    edges = np.array([1e-4, 9.999999e-5, 1.0001e-4, 1e16, 9.999999e15, 1.0000001e16, 0.1, 0.2, 0.3, 1 / 3, 2 / 3, 1e-45, 1e-38,
                      1.1754942e-38, 3.4028235e38, 16777216, 16777217, 8388608.5, 0.0, -0.0, 1.0, 10.0, 1e7, 1e8, 1e9, 1.5e-5,
                      123.456, 5e-324], dtype=np.float32)
    small = (rng.standard_normal(2000) * 0.3).astype(np.float32)  # typical embedding values
    vals = np.concatenate([edges, vals, small, -edges])
    save("repr_sweep.f32", vals.astype("<f4").tobytes(), f"float32 edge values, random bit patterns (default_rng({SEED + 1})), normal*0.3")
    save("repr_sweep.txt", ("\n".join(repr(np.float32(v)) for v in vals) + "\n").encode("ascii"), "repr(np.float32(v)) per line")
    cases["repr_sweep"] = {"values": "repr_sweep.f32", "reprs": "repr_sweep.txt", "count": int(vals.size)}


def small_text(rows, header=True, d=None, newline="\n"):
    d = d if d is not None else len(rows[0][1])
    lines = [f"{len(rows)} {d}"] if header else []
    lines += [w + " " + " ".join(vals) for w, vals in rows]
    return (newline.join(lines) + newline).encode("utf-8")


def make_specials():
    # Hand-written numbers in every notation real files contain; expected = what gensim (numpy float32) loads.
    rows = [("exp", ["1e5", "1E-5", "-2.5e+3", "7e0"]), ("zero", ["-0", "0", "-0.0", "+0.0"]),
            ("odd", [".5", "5.", "+1.25", "-.75"]), ("inf", ["inf", "-inf", "Infinity", "-INF"]),
            ("big", ["3.4028235e38", "1e39", "1e-46", "1.401298464324817e-45"]),
            ("long", ["0.10000000149011612", "3.141592653589793", "123456789012345678", "0.000123456789"])]
    data = small_text(rows)
    save("notations.txt", data, "hand-written: exponents, -0, .5, 5., inf spellings, overflow, long digit strings")
    with tempfile.NamedTemporaryFile(suffix=".txt", delete=False) as t:
        t.write(data)
    words, vecs = gensim_load(t.name)
    os.unlink(t.name)
    cases["notations"] = {"file": "notations.txt", "words": words, "values": hexbits(vecs)}
    # CRLF and a fastText-style trailing space: same values as LF.
    crlf = small_text(rows[:3], newline="\r\n")
    save("crlf.txt", crlf, "hand-written word2vec text with CRLF line ends")
    trailing = b"".join(line.rstrip(b"\n") + b" \n" for line in small_text(rows[:3]).splitlines(keepends=True))
    save("trailing_space.txt", trailing, "hand-written word2vec text, every line ending in a space like fastText's .vec")
    with tempfile.NamedTemporaryFile(suffix=".txt", delete=False) as t:
        t.write(crlf)
    words, vecs = gensim_load(t.name)
    os.unlink(t.name)
    cases["crlf"] = {"files": ["crlf.txt", "trailing_space.txt"], "words": words, "values": hexbits(vecs)}


def make_duplicates_and_utf8():
    rows = [("a", ["1", "2", "3"]), ("b", ["4", "5", "6"]), ("a", ["7", "8", "9"]), ("c", ["1.5", "2.5", "3.5"]), ("b", ["0", "0", "0"])]
    data = small_text(rows)
    save("duplicates.txt", data, "hand-written: words a and b repeated (lines 4 and 6)")
    with tempfile.NamedTemporaryFile(suffix=".txt", delete=False) as t:
        t.write(data)
    words, vecs = gensim_load(t.name)
    os.unlink(t.name)
    cases["duplicates"] = {"file": "duplicates.txt", "words": words, "values": hexbits(vecs),
                           "dropped": [{"word": "a", "entry": 2, "first": 0, "line": 4}, {"word": "b", "entry": 4, "first": 1, "line": 6}]}
    # Binary files: an invalid UTF-8 word (latin-1 'café'), word2vec.c's '\n' after each vector, a duplicate.
    vec = lambda *v: struct.pack("<" + "f" * len(v), *v)
    entries = [(b"ok", vec(1.0, -0.0, 2.5)), (b"caf\xe9", vec(3.0, 4.0, 5.0)), ("日本".encode(), vec(6.0, 7.0, 8.0))]
    binary = b"3 3\n" + b"".join(w + b" " + v for w, v in entries)
    save("invalid_utf8.bin", binary, "hand-written word2vec binary: entry 1 is latin-1 b'caf\\xe9'")
    binary_c = b"3 3\n" + b"".join(w + b" " + v + b"\n" for w, v in entries)
    save("invalid_utf8_c_style.bin", binary_c, "same entries with '\\n' after each vector, as word2vec.c writes")
    with tempfile.NamedTemporaryFile(suffix=".bin", delete=False) as t:
        t.write(binary_c)
    words, vecs = gensim_load(t.name, binary=True, unicode_errors="replace")
    strict = gensim_error(t.name, binary=True)
    os.unlink(t.name)
    cases["invalid_utf8_binary"] = {"files": ["invalid_utf8.bin", "invalid_utf8_c_style.bin"], "replace_words": words,
                                    "values": hexbits(vecs), "bad_entry": 1, "bad_offset": 4 + 2 + 1 + 12,
                                    "bad_offset_c_style": 4 + 2 + 1 + 12 + 1, "gensim_strict": strict}
    text = "3 2\nok 1 2\n".encode() + b"caf\xe9 3 4\n" + "日本 5 6\n".encode()
    save("invalid_utf8.txt", text, "hand-written word2vec text: line 3 is latin-1 b'caf\\xe9'")
    with tempfile.NamedTemporaryFile(suffix=".txt", delete=False) as t:
        t.write(text)
    words, vecs = gensim_load(t.name, unicode_errors="replace")
    strict = gensim_error(t.name)
    os.unlink(t.name)
    cases["invalid_utf8_text"] = {"file": "invalid_utf8.txt", "replace_words": words, "values": hexbits(vecs), "bad_line": 3,
                                  "gensim_strict": strict}
    dup = b"3 2\n" + b"x " + vec(1, 2) + b"y " + vec(3, 4) + b"x " + vec(5, 6)
    save("duplicates.bin", dup, "hand-written word2vec binary: x repeated as entry 2")
    with tempfile.NamedTemporaryFile(suffix=".bin", delete=False) as t:
        t.write(dup)
    words, vecs = gensim_load(t.name, binary=True)
    os.unlink(t.name)
    cases["duplicates_binary"] = {"file": "duplicates.bin", "words": words, "values": hexbits(vecs), "dropped_entry": 2,
                                  "dropped_offset": 4 + 2 * (2 + 8)}


def make_glove_spaces():
    # GloVe Common Crawl holds a few tokens with spaces: the last D fields are the numbers.
    text = "the 0.1 0.2 0.3\n. . . 0.4 0.5 0.6\nat home 0.7 0.8 0.9\n".encode()
    save("glove_spaces.txt", text, "hand-written GloVe text: tokens '. . .' and 'at home' contain spaces")
    cases["glove_spaces"] = {"file": "glove_spaces.txt", "words": ["the", ". . .", "at home"],
                             "values": hexbits(np.array([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9], dtype=np.float32)),
                             "gensim": gensim_error(os.path.join(OUT, "glove_spaces.txt"), no_header=True)}


def make_fasttext():
    rng = np.random.default_rng(SEED + 2)
    vocab = ["alpha", "beta", "gamma", "delta", "épsilon", "ζeta", "eta", "θeta", "iota", "kappa", "lambda", "mu"]
    corpus = " ".join(rng.choice(vocab, 6000)) + "\n"
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "corpus.txt")
        with open(src, "w", encoding="utf-8") as f:
            f.write(corpus)
        out = os.path.join(tmp, "model")
        subprocess.run(["fasttext", "skipgram", "-input", src, "-output", out, "-dim", "10", "-epoch", "1", "-minCount", "1",
                        "-thread", "1", "-seed", "0", "-minn", "0", "-maxn", "0", "-verbose", "0"], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        with open(out + ".vec", "rb") as f:
            data = f.read()
    save("fasttext_skipgram.vec", data, "fasttext skipgram -dim 10 -epoch 1 -minCount 1 -thread 1 -seed 0 -minn 0 -maxn 0 on 6000 random words")
    words, vecs = gensim_load(os.path.join(OUT, "fasttext_skipgram.vec"))
    cases["fasttext"] = {"file": "fasttext_skipgram.vec", "words": words, "values": hexbits(vecs)}


def make_bad():
    bad = []

    def add(name, data, fmt, line, offset, how, options=None, short=False, stream_at=None, **kw):
        # line/offset: where reading the file finds the problem. short: the file is shorter than its header's counts
        # need, so reading the file refuses it at the header (line 1 / offset 0) before parsing any row, while a
        # forward-only stream (no length to check) finds it at line/offset. stream_at: where a forward-only stream
        # finds a problem that the file's length check catches first (a header claiming 10^12 words).
        save(name, data, how)
        header_at = (-1 if fmt == "binary" else 1, 0)
        file_at = header_at if short else (line, offset)
        stream_at = stream_at or (line, offset)
        entry = {"file": name, "format": fmt, "line": file_at[0], "offset": file_at[1],
                 "stream_line": stream_at[0], "stream_offset": stream_at[1]}
        if options:
            entry["options"] = options
        p = os.path.join(OUT, name)
        entry["gensim"] = gensim_error(p, binary=(fmt == "binary"), no_header=(fmt == "glove"), **kw)
        bad.append(entry)

    ok = "3 4\na 1 2 3 4\nb 5 6 7 8\nc 9 10 11 12\n"
    add("truncated_mid_row.txt", ok[:-8].encode(), "text", 4, len(ok) - 13, "a 3x4 text file cut inside its last row", short=True)
    add("header_more_words.txt", ok.replace("3 4", "4 4", 1).encode(), "text", 5, len(ok), "header says 4 words, body has 3", short=True)
    add("header_fewer_words.txt", ok.replace("3 4", "2 4", 1).encode(), "text", 4, len("3 4\na 1 2 3 4\nb 5 6 7 8\n"), "header says 2 words, body has 3")
    add("header_more_dims.txt", ok.replace("3 4", "3 5", 1).encode(), "text", 2, 4, "header says 5 dimensions, rows have 4", short=True)
    add("header_fewer_dims.txt", ok.replace("3 4", "3 3", 1).encode(), "text", 2, 4, "header says 3 dimensions, rows have 4")
    add("header_huge_words.txt", ("1000000000000 300\n" + ok[4:]).encode(), "text", 1, 0, "header claims 10^12 words",
        stream_at=(2, len("1000000000000 300\n")))
    add("header_huge_dims.txt", ("3 2147483648\n" + ok[4:]).encode(), "text", 1, 0, "header claims 2^31 dimensions")
    add("header_garbage.txt", ("three four\n" + ok[4:]).encode(), "text", 1, 0, "header is not two integers")
    add("row_too_few.txt", ok.replace("b 5 6 7 8", "b 5 6 7").encode(), "text", 3, len("3 4\na 1 2 3 4\n"), "line 3 holds 3 numbers")
    add("row_too_many.txt", ok.replace("b 5 6 7 8", "b 5 6 7 8 9").encode(), "text", 3, len("3 4\na 1 2 3 4\n"), "line 3 holds 5 numbers")
    add("non_numeric.txt", ok.replace("b 5 6 7 8", "b 5 six 7 8").encode(), "text", 3, len("3 4\na 1 2 3 4\nb 5 "), "'six' on line 3")
    add("nan.txt", ok.replace("b 5 6 7 8", "b 5 nan 7 8").encode(), "text", 3, len("3 4\na 1 2 3 4\nb 5 "), "'nan' on line 3 (fine with AllowNaN)")
    add("blank_line.txt", ok.replace("b 5 6 7 8\n", "\nb 5 6 7 8\n").encode(), "text", 3, len("3 4\na 1 2 3 4\n"), "a blank line 3")
    add("empty.txt", b"", "text", 1, 0, "empty file")
    add("empty_glove.txt", b"", "glove", 1, 0, "empty file read as GloVe")
    g = "a 1 2 3\nb 4 5 6\nc 7 8 9\n"
    add("glove_row_too_few.txt", g.replace("b 4 5 6", "b 4 5").encode(), "glove", 2, len("a 1 2 3\n"), "GloVe line 2 holds 2 numbers")
    add("glove_row_too_many.txt", g.replace("b 4 5 6", "b 4 5 6 7").encode(), "glove", 2, len("a 1 2 3\n"), "GloVe line 2 holds 4 numbers")
    add("glove_truncated.txt", g[:-3].encode(), "glove", 3, len("a 1 2 3\nb 4 5 6\n"), "GloVe file cut inside its last row")
    vec = lambda *v: struct.pack("<" + "f" * len(v), *v)
    b = b"3 2\n" + b"a " + vec(1, 2) + b"b " + vec(3, 4) + b"c " + vec(5, 6)
    add("truncated_mid_row.bin", b[:-3], "binary", -1, len(b) - 3, "a 3x2 binary file cut inside its last vector")
    add("truncated_in_word.bin", b[:-9], "binary", -1, len(b) - 9, "a 3x2 binary file cut inside its last word", short=True)
    add("header_more_words.bin", b.replace(b"3 2", b"4 2", 1), "binary", -1, len(b), "header says 4 words, body has 3", short=True)
    add("header_fewer_words.bin", b.replace(b"3 2", b"2 2", 1), "binary", -1, 4 + 2 * 10, "header says 2 words, body has 3")
    add("header_huge_words.bin", b"1000000000000 300\n" + b[4:], "binary", -1, 0, "header claims 10^12 words",
        stream_at=(-1, len(b"1000000000000 300\n" + b[4:])))
    add("header_huge_dims.bin", b"3 2147483648\n" + b[4:], "binary", -1, 0, "header claims 2^31 dimensions")
    add("nan.bin", b.replace(vec(3, 4), vec(3, float("nan"))), "binary", -1, 4 + 10 + 2 + 4, "NaN as value 2 of entry 1 (fine with AllowNaN)")
    add("empty.bin", b"", "binary", -1, 0, "empty file")
    cases["bad"] = bad


if __name__ == "__main__":
    import logging
    logging.disable(logging.CRITICAL)
    os.makedirs(OUT, exist_ok=True)
    make_vectors()
    make_repr_sweep()
    make_specials()
    make_duplicates_and_utf8()
    make_glove_spaces()
    make_fasttext()
    make_bad()
    save("cases.json", (json.dumps(cases, indent=1, ensure_ascii=False) + "\n").encode("utf-8"), "expected words/values (hex float32 bits) and error locations")
    update_manifest(__file__, [("textvec/" + name, how) for name, how in written], VERSIONS, drop_script_lines=True)
