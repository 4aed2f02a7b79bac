#!/usr/bin/python3
"""Side by side: `spm_encode --output_format=id` vs EmbedSharp's SentencePieceTokenizer on the whole SOTU corpus.

Run:  /usr/bin/python3 bench/peers/tokenize_vs_spm.py [--rounds 3] [--models unigram,bpe,unigram_bytes,unigram_identity,bpe_suffix]
Needs Debian's `sentencepiece` CLI, the .NET SDK and the SOTU package in the dataset cache (see
tools/goldens/make_sentencepiece.py). Writes the corpus (233 lines, one per address, 10.7 MB) to a temporary file, then
for each model of tests/data/sentencepiece alternates, round by round, spm_encode (single-threaded; wall time of the
process, which includes loading the model and writing the ids) and the `peers-tokenize-spm` bench mode (EncodeBatch on
all cores, ids + tokens + spans, timed after loading and a warm-up; it also times EncodeToIds on one thread).
Prints a Markdown table of medians with lines/s and the ratio (above 1: EmbedSharp faster), and checks that both sides
produce the same ids (FNV-1a 64 of the id lines).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tools", "goldens"))
from make_sentencepiece import fnv1a64, sotu_lines  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--models", default="unigram,bpe,unigram_bytes,unigram_identity,bpe_suffix")
    args = ap.parse_args()
    bench = os.path.join(ROOT, "bench", "EmbedSharp.Bench")
    subprocess.run(["dotnet", "build", "-c", "Release", "-v", "q", bench], check=True, stdout=subprocess.DEVNULL)
    dll = os.path.join(bench, "bin", "Release", "net10.0", "EmbedSharp.Bench.dll")
    lines = sotu_lines()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        corpus = os.path.join(tmp, "sotu.txt")
        with open(corpus, "w", encoding="utf-8", newline="\n") as f:
            f.write("\n".join(lines) + "\n")
        for name in args.models.split(","):
            model = os.path.join(ROOT, "tests", "data", "sentencepiece", name + ".model")
            spm, ours, single, agree = [], [], [], True
            for _ in range(args.rounds):
                start = time.perf_counter()
                out = subprocess.run(["spm_encode", f"--model={model}", "--output_format=id", f"--input={corpus}"],
                                     check=True, capture_output=True).stdout
                spm.append(time.perf_counter() - start)
                result = json.loads(subprocess.run(["dotnet", dll, "peers-tokenize-spm", model, corpus], check=True,
                                                   capture_output=True, text=True).stdout.strip().splitlines()[-1])
                ours.append(result["batch_s"])
                single.append(result["single_thread_s"])
                agree &= f"{fnv1a64(out):016x}" == result["ids_fnv1a64"] and result["batch_equals_single"]
            rows.append((name, statistics.median(spm), statistics.median(ours), statistics.median(single), agree,
                         result["threads"]))
    n = len(lines)
    print(f"SOTU corpus: {n} lines, {sum(len(x.encode()) for x in lines) / 1e6:.1f} MB; median of {args.rounds} rounds\n")
    print("| model | spm_encode s (lines/s) | EmbedSharp EncodeBatch s (lines/s) | ratio | EmbedSharp 1 thread s | ratio 1 thread | same ids |")
    print("|---|---|---|---|---|---|---|")
    for name, s, o, one, agree, threads in rows:
        print(f"| {name} | {s:.2f} ({n / s:.0f}) | {o:.2f} ({n / o:.0f}, {threads} threads) | {s / o:.2f} | {one:.2f} | "
              f"{s / one:.2f} | {'yes' if agree else 'NO'} |")


if __name__ == "__main__":
    main()
