#!/usr/bin/python3
"""Encode the SOTU corpus with WordPiece and byte-level BPE: EmbedSharp (`embedsharp tokenize`, batches on all cores)
against the reference tokenizers, alternating, and print time ratios.

Usage:  /usr/bin/python3 bench/peers/tokenize_vs_torchtext.py [ROUNDS]

The issue's peer is torchtext 0.14 (BERTTokenizer, GPT2BPETokenizer). Debian's python3-torchtext 0.14.1-2 ships its C++
extension as an empty stub, so `import torchtext` fails and both are unavailable; the script then measures against the
references the goldens use instead (tools/goldens/make_wordpiece_bpe.py): @huggingface/tokenizers 0.2.0 (tokenizers.js)
and gpt-3-encoder 1.1.4 (OpenAI's encoder.py in JS, with the real GPT-2 files), on node, one thread each. If torchtext
does import, it is measured too. Every run is a whole process (start-up, loading the vocabulary, reading the corpus,
encoding every line, writing nothing): wall-clock seconds, median of ROUNDS (default 3), peers and ours alternating.
"""
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tools", "goldens"))
import make_wordpiece_bpe as golden  # noqa: E402

DATA = os.path.join(ROOT, "tests", "data", "wordpiece_bpe")
CLI = os.path.join(ROOT, "src", "EmbedSharp.Cli", "bin", "Release", "net10.0", "EmbedSharp.Cli.dll")

NODE = r"""
const fs = require('fs');
const [kind, hfDir, gptDir, dataDir, corpus] = process.argv.slice(2);
const lines = fs.readFileSync(corpus, 'utf8').split('\n'); lines.pop();
let n = 0;
if (kind === 'gpt2') {
  const gpt = require(gptDir + '/index.js');
  for (const l of lines) n += gpt.encode(l).length;
} else {
  const { Tokenizer } = require(hfDir + '/dist/tokenizers.cjs');
  let tok;
  if (kind === 'wordpiece') {
    const vocab = {}; fs.readFileSync(dataDir + '/wordpiece/vocab.txt', 'utf8').split('\n').slice(0, -1).forEach((t, i) => { vocab[t] = i; });
    tok = new Tokenizer({ added_tokens: [], truncation: null, padding: null, post_processor: null, decoder: null,
      normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
      pre_tokenizer: { type: 'BertPreTokenizer' },
      model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab } }, {});
  } else {
    const vocab = JSON.parse(fs.readFileSync(dataDir + '/bpe/encoder.json', 'utf8'));
    const merges = fs.readFileSync(dataDir + '/bpe/vocab.bpe', 'utf8').split('\n').slice(1).filter(l => l);
    tok = new Tokenizer({ added_tokens: [], truncation: null, padding: null, post_processor: null, decoder: null, normalizer: null,
      pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: true },
      model: { type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: null, end_of_word_suffix: null,
               fuse_unk: false, byte_fallback: false, vocab, merges } }, {});
  }
  for (const l of lines) n += tok.encode(l, { add_special_tokens: false }).ids.length;
}
console.error(kind + ': ' + n + ' tokens');
"""

TORCHTEXT = r"""
import sys
from torchtext.transforms import BERTTokenizer, GPT2BPETokenizer
kind, data, corpus = sys.argv[1:4]
tok = BERTTokenizer(data + '/wordpiece/vocab.txt', do_lower_case=True, return_tokens=True) if kind == 'wordpiece' else \
      GPT2BPETokenizer(data + '/bpe/encoder.json', data + '/bpe/vocab.bpe', return_tokens=True)
with open(corpus, encoding='utf-8') as f:
    lines = f.read().split('\n')[:-1]
print(kind, sum(len(t) for t in tok(lines)), file=sys.stderr)
"""


def timed(cmd, stdin=None):
    start = time.perf_counter()
    with open(stdin, "rb") if stdin else open(os.devnull, "rb") as inp, open(os.devnull, "wb") as out:
        subprocess.run(cmd, stdin=inp, stdout=out, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    subprocess.run(["dotnet", "build", os.path.join(ROOT, "src", "EmbedSharp.Cli"), "-c", "Release", "-v", "q"], check=True, stdout=subprocess.DEVNULL)
    with tempfile.TemporaryDirectory() as tmp:
        corpus = os.path.join(tmp, "sotu.txt")
        subprocess.run(["dotnet", CLI, "data", "fetch", "sotu", "--out", corpus], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        hf = golden.npm_package(golden.HF, tmp)
        gpt = golden.npm_package(golden.GPT3, tmp)
        node_js = os.path.join(tmp, "bench.js")
        with open(node_js, "w") as f:
            f.write(NODE)
        tt_py = os.path.join(tmp, "tt.py")
        with open(tt_py, "w") as f:
            f.write(TORCHTEXT)
        have_torchtext = subprocess.run(["/usr/bin/python3", "-c", "import torchtext.transforms"], capture_output=True).returncode == 0
        cases = [
            ("wordpiece", os.path.join(DATA, "wordpiece", "vocab.txt"), "tokenizers.js"),
            ("bpe", os.path.join(DATA, "bpe"), "tokenizers.js"),
            ("gpt2", os.path.join(gpt, "encoder.json"), "gpt-3-encoder"),
        ]
        mb = os.path.getsize(corpus) / 1e6
        print(f"SOTU: {mb:.1f} MB, 233 lines; nproc {os.cpu_count()}; torchtext {'available' if have_torchtext else 'NOT importable (Debian stub)'}")
        print("| tokenizer | peer | peer s | EmbedSharp s | ratio |")
        print("|---|---|---:|---:|---:|")
        results = []
        for kind, model, peer in cases:
            peers = [(peer, ["node", node_js, kind, hf, gpt, DATA, corpus])]
            if have_torchtext and kind != "gpt2":
                peers.append(("torchtext", ["/usr/bin/python3", tt_py, kind, DATA, corpus]))
            ours_cmd = ["dotnet", CLI, "tokenize", "--model", model, "--type", "bpe" if kind != "wordpiece" else "wordpiece", "--ids"]
            times = {name: [] for name, _ in peers}
            times["ours"] = []
            for _ in range(rounds):
                for name, cmd in peers:
                    times[name].append(timed(cmd))
                times["ours"].append(timed(ours_cmd, stdin=corpus))
            ours = statistics.median(times["ours"])
            for name, _ in peers:
                p = statistics.median(times[name])
                print(f"| {kind} | {name} | {p:.2f} | {ours:.2f} | {p / ours:.2f}x |")
                results.append((kind, name, p, ours))
        print(json.dumps([{"kind": k, "peer": n, "peer_s": p, "ours_s": o} for k, n, p, o in results]))


if __name__ == "__main__":
    main()
