#!/usr/bin/python3
"""Goldens for fastText .bin files of old versions (tests/data/fasttext_old/) and their MANIFEST lines.

  /usr/bin/python3 tools/goldens/make_fasttext_old.py --corpus   writes the training texts (corpus.txt, labeled.txt)
                                                                   and the query files (words.txt, test_sentences.txt)
  /usr/bin/python3 tools/goldens/make_fasttext_old.py            loads every unsupervised model with gensim, writes
                                                                   gensim.json, and the MANIFEST lines of the folder

The model files and the outputs of the old fastText tools (*.bin, *.out, *.ft092) are NOT made by this script: they
were made by fastText itself at the commits named in tests/data/fasttext_old/README.md, with the commands listed there.
"""
import json
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from goldens import DATA, update_manifest, write_atomic  # noqa: E402

OUT = os.path.join(DATA, "fasttext_old")
V11 = "fastText commit 437f878 (2017-09-26, format version 11)"
NOMAGIC = "fastText commit fdf325c (2017-03-14, no magic number)"
FT092 = "fasttext 0.9.2 (Debian fasttext 0.9.2+ds-1+b1)"

TRAIN = {
    "skipgram": "skipgram -input corpus.txt -output M -dim 8 -minn 2 -maxn 4 -bucket 200 -epoch 3 -thread 1 -minCount 1 -neg 3",
    "cbow": "cbow -input corpus.txt -output M -dim 6 -minn 3 -maxn 5 -bucket 150 -epoch 3 -thread 1 -minCount 2",
    "supervised": "supervised -input labeled.txt -output M -dim 5 -bucket 100 -wordNgrams 2 -epoch 40 -lr 0.5 -thread 1 -minn 2 -maxn 3",
}


def make_corpus():
    r = random.Random(17)
    animals = "cat dog bird fish horse cow sheep goat mouse rabbit".split()
    verbs = "runs eats sleeps jumps swims flies walks sees likes chases".split()
    adj = "small big quick lazy happy angry brown white young old".split()
    places = "garden river field house forest barn lake hill road city".split()
    lines = []
    for _ in range(400):
        s = [r.choice(adj), r.choice(animals), r.choice(verbs), "in", "the", r.choice(adj), r.choice(places)]
        if r.random() < 0.5:
            s += ["and", r.choice(verbs)]
        lines.append(" ".join(s))
    write_atomic(os.path.join(OUT, "corpus.txt"), "\n".join(lines) + "\n", mode="w")
    lines = []
    pools = {"pet": "cat dog mouse rabbit fish".split(), "farm": "cow sheep goat horse".split(), "wild": "bird fish rabbit mouse".split()}
    for _ in range(300):
        lab = r.choice(["pet", "farm", "wild"])
        s = [r.choice(adj), r.choice(pools[lab]), r.choice(verbs), "near", "the", r.choice(places)]
        lines.append("__label__" + lab + " " + " ".join(s))
    write_atomic(os.path.join(OUT, "labeled.txt"), "\n".join(lines) + "\n", mode="w")
    write_atomic(os.path.join(OUT, "test_sentences.txt"), "small cat runs in the garden\nbig cow eats near the barn\n"
                 "quick bird flies over the lake\nunknownword zzz\nthe goats jumped\n", mode="w")
    write_atomic(os.path.join(OUT, "words.txt"), "\n".join(
        ["cat", "dog", "garden", "</s>", "cats", "gardening", "zebra", "xyzzy", "chased", "brownish"]) + "\n", mode="w")


def make_gensim():
    import gensim
    from gensim.models.fasttext import load_facebook_model
    with open(os.path.join(OUT, "words.txt"), encoding="utf-8") as f:
        words = [w for w in f.read().split("\n") if w]
    result = {"gensim": gensim.__version__, "models": {}}
    for folder in ["v11", "nomagic"]:
        for model in ["skipgram", "cbow", "supervised"]:
            rel = f"{folder}/{model}.bin"
            try:
                m = load_facebook_model(os.path.join(OUT, rel))
            except Exception as e:  # gensim refuses supervised models
                result["models"][rel] = {"error": f"{type(e).__name__}: {e}"}
                continue
            result["models"][rel] = {
                "in_vocab": {w: w in m.wv.key_to_index for w in words},
                "vectors": {w: [float(x) for x in m.wv[w]] for w in words},
            }
    write_atomic(os.path.join(OUT, "gensim.json"), json.dumps(result, indent=1) + "\n", mode="w")
    return gensim.__version__


def manifest(gensim_version):
    files = [("fasttext_old/" + n, None) for n in ["corpus.txt", "labeled.txt", "words.txt", "test_sentences.txt"]]
    files.append(("fasttext_old/gensim.json", f"load_facebook_model(...).wv[word] for words.txt (gensim {gensim_version})"))
    for folder, rev, vectors in [("v11", V11, "print-word-vectors"), ("nomagic", NOMAGIC, "print-vectors")]:
        for model, train in TRAIN.items():
            files.append((f"fasttext_old/{folder}/{model}.bin", f"made by {rev}: fasttext {train.replace('-output M', '-output ' + model)}"))
            files.append((f"fasttext_old/{folder}/{model}.words.out", f"made by {rev}: fasttext {vectors} {model}.bin < words.txt"))
        files.append((f"fasttext_old/{folder}/supervised.predict.out", f"made by {rev}: fasttext predict-prob supervised.bin test_sentences.txt 3"))
    for model in TRAIN:
        files.append((f"fasttext_old/v11/{model}.sentences.out", f"made by {V11}: fasttext print-sentence-vectors {model}.bin < test_sentences.txt"))
        files.append((f"fasttext_old/v11/{model}.words.ft092", f"{FT092}: fasttext print-word-vectors v11/{model}.bin < words.txt"))
        files.append((f"fasttext_old/v11/{model}.sentences.ft092", f"{FT092}: fasttext print-sentence-vectors v11/{model}.bin < test_sentences.txt"))
    files.append(("fasttext_old/v11/supervised.predict.ft092", f"{FT092}: fasttext predict-prob v11/supervised.bin test_sentences.txt 3"))
    files.append(("fasttext_old/README.md", "hand-written description of the folder"))
    update_manifest(__file__, files, f"python {sys.version.split()[0]}; gensim {gensim_version}; old fastText as named",
                    drop_script_lines=True)


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    if "--corpus" in sys.argv:
        make_corpus()
    else:
        manifest(make_gensim())
