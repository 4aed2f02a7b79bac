#!/usr/bin/python3
"""Golden n-best segmentations for the SentencePiece unigram models of make_sentencepiece.py: for the same multilingual
sample and the first SOTU sentences, the ids `SentencePieceProcessor.nbest_encode_as_ids(text, n)` returns for n = 1
(SentencePiece's plain Viterbi path) and n = 10 (its A* search, best first).

Reads the committed models (tests/data/sentencepiece/*.model) and the cached SOTU text (see make_sentencepiece.py).
Re-run:  /usr/bin/python3 tools/goldens/make_sentencepiece_nbest.py   (Debian: python3-sentencepiece 0.1.97)
"""
import json
import os
import re
import sys

import sentencepiece as spm

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from goldens import update_manifest, write_atomic  # noqa: E402
from make_sentencepiece import SAMPLE, sotu_lines  # noqa: E402

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
DATA = os.path.join(ROOT, "tests", "data", "sentencepiece")
MODELS = ["unigram", "unigram_bytes", "unigram_identity"]
SENTENCES = 20


def main():
    sentences = []
    for line in sotu_lines():
        for sentence in re.split(r"(?<=[.!?])\s+", line):
            if sentence and len(sentences) < SENTENCES:
                sentences.append(sentence)
    texts = SAMPLE + sentences
    golden = {"sentencepiece": spm.__version__, "models": {}}
    for name in MODELS:
        sp = spm.SentencePieceProcessor(model_file=os.path.join(DATA, name + ".model"))
        golden["models"][name] = [{"text": t, "n1": sp.nbest_encode_as_ids(t, 1), "n10": sp.nbest_encode_as_ids(t, 10)}
                                  for t in texts]
    path = "sentencepiece/nbest.json"
    write_atomic(os.path.join(ROOT, "tests", "data", path), json.dumps(golden, ensure_ascii=False).encode("utf-8"))
    update_manifest(__file__, [path], f"sentencepiece {spm.__version__} (python binding)")


if __name__ == "__main__":
    main()
