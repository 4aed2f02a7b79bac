#!/usr/bin/python3
"""Regenerate tests/data/native/ (word-vector files for the native, npy+vocab and safetensors+vocab formats, and the
vocabulary-alignment case) and their lines in tests/data/MANIFEST.

Run from anywhere:  /usr/bin/python3 tools/goldens/make_native.py
Deterministic: values come from torch.manual_seed, so re-running gives byte-identical files.

small.esvec is written by an independent implementation of docs/formats/native.md (below, ~40 lines), not by C#:
the test checks that EmbedSharp reads it and writes the same bytes.
safetensors: the `safetensors` package is not installable here, so the file is written by hand from the documented
layout (as tools/goldens/make_formats.py does); with the package it would be
    save_file({"vectors": M}, path, metadata={"vocab": json.dumps(words, ensure_ascii=False)})
alignment.json: the OOV rows of the aligned matrix are torch's `torch.empty(n_missing, D).normal_(mean, std)` after
torch.manual_seed(seed), with mean/std of the pretrained matrix computed in float64 (std unbiased, as torch.std).
"""
import io
import json
import os
import struct
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from goldens import DATA, update_manifest, write_atomic  # noqa: E402

OUT = os.path.join(DATA, "native")
VERSIONS = f"python {sys.version.split()[0]}; numpy {np.__version__}; torch {torch.__version__}"

written = []


def save(name, data):
    write_atomic(os.path.join(OUT, name), data)
    written.append("native/" + name)


# ---- CRC-32C and the native layout, written from docs/formats/native.md ----
def _crc_table():
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (0x82F63B78 ^ (c >> 1)) if c & 1 else c >> 1
        table.append(c)
    return table


CRC_TABLE = _crc_table()


def crc32c(data, crc=0):
    crc ^= 0xFFFFFFFF
    for b in data:
        crc = CRC_TABLE[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def fnv1a_folded(data):
    h = 0xcbf29ce484222325
    for b in data:
        h = ((h ^ b) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return h ^ (h >> 32)


def align(x, a):
    return (x + a - 1) // a * a


def native_bytes(words, matrix):
    v, d = matrix.shape
    enc = [w.encode("utf-8") for w in words]
    offsets = [0]
    for e in enc:
        offsets.append(offsets[-1] + len(e))
    strings = b"".join(enc)
    slots = 1
    while slots < 2 * v + 1:
        slots *= 2
    index = [0] * slots
    for row, e in enumerate(enc):
        s = fnv1a_folded(e) & (slots - 1)
        while index[s]:
            s = (s + 1) & (slots - 1)
        index[s] = row + 1
    matrix_bytes = matrix.astype("<f4").tobytes()
    matrix_off = 4096
    offsets_off = align(matrix_off + len(matrix_bytes), 8)
    strings_off = offsets_off + 8 * (v + 1)
    index_off = align(strings_off + len(strings), 8)
    vocab = (struct.pack(f"<{v + 1}Q", *offsets) + strings + b"\0" * (index_off - strings_off - len(strings))
             + struct.pack(f"<{slots}I", *index))
    flags = 0 if np.isfinite(matrix).all() else 1
    head = (b"\x89ESVEC\r\n" + struct.pack("<HHIII", 1, 0, 128, 1, flags)
            + struct.pack("<qqqqqqqq", v, d, matrix_off, offsets_off, strings_off, len(strings), index_off, slots)
            + struct.pack("<III", 1, crc32c(matrix_bytes), crc32c(vocab)) + b"\0" * 24)
    assert len(head) == 124
    head += struct.pack("<I", crc32c(head))
    body = head + b"\0" * (matrix_off - 128) + matrix_bytes + b"\0" * (offsets_off - matrix_off - len(matrix_bytes))
    return body + vocab


def npy_bytes(arr):
    buf = io.BytesIO()
    np.save(buf, arr)
    return buf.getvalue()


def safetensors_bytes(tensors, metadata):
    """Reference layout: u64 header length, compact JSON (metadata first, tensors by dtype alignment then name),
    spaces to a multiple of 8, then the data. All tensors here are F32, so name order."""
    header = {"__metadata__": metadata}
    data = b""
    for name in sorted(tensors):
        b = tensors[name].astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(tensors[name].shape), "data_offsets": [len(data), len(data) + len(b)]}
        data += b
    text = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    return struct.pack("<Q", len(text)) + text + data


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(7)
    words = ["the", "Straße", "naïve", "東京", "😀", "a b", "Paris", "x"]
    m = torch.randn(len(words), 4).numpy()
    save("small.esvec", native_bytes(words, m))
    save("small.npy", npy_bytes(m))
    save("small.words.txt", ("\n".join(words) + "\n").encode("utf-8"))
    # safetensors with the vocabulary as a JSON array in __metadata__["vocab"].
    save("small.safetensors", safetensors_bytes({"vectors": m}, {"vocab": json.dumps(words, ensure_ascii=False, separators=(",", ":"))}))
    # float64 .npy + vocabulary with CRLF line ends and no final newline.
    save("small_f8.npy", npy_bytes(m.astype(np.float64)))
    save("small_crlf.words.txt", "\r\n".join(words).encode("utf-8"))

    # Alignment: pretrained (6, 5) from torch; vocabulary mixes exact, case fallback, padding and missing tokens.
    torch.manual_seed(11)
    pre_words = ["the", "cat", "Paris", "sat", "on", "mat"]
    pre = torch.randn(len(pre_words), 5)
    vocab = ["<pad>", "<unk>", "the", "The", "paris", "dog", "sat", "zebra", "on", "mat", "cat", "ant"]
    found = {w: i for i, w in enumerate(pre_words)}
    lower_any = {}
    for i, w in enumerate(pre_words):
        lower_any.setdefault(w.lower(), i)
    pre64 = pre.numpy().astype(np.float64)
    mean, std = float(pre64.mean()), float(pre64.std(ddof=1))
    cases = []
    for seed, case_mode in [(0, "any"), (3, "lower")]:
        rows = []
        missing = []
        weights = torch.zeros(len(vocab), 5)
        for i, t in enumerate(vocab):
            if t == "<pad>":
                continue
            if t in found:
                weights[i] = pre[found[t]]
            elif t.lower() in found:
                weights[i] = pre[found[t.lower()]]
            elif case_mode == "any" and t.lower() in lower_any:
                weights[i] = pre[lower_any[t.lower()]]
            else:
                missing.append(i)
        torch.manual_seed(seed)
        fill = torch.empty(len(missing), 5).normal_(mean, std)
        for k, i in enumerate(missing):
            weights[i] = fill[k]
        cases.append({
            "seed": seed, "case": case_mode, "missing": missing,
            "weights_bits": [int(x) for x in weights.numpy().view(np.uint32).ravel()],
        })
    # Many missing rows take torch's vectorised normal_ path (n >= 16): 40 OOV tokens x 5.
    big_vocab = ["the"] + [f"oov{i}" for i in range(40)]
    torch.manual_seed(5)
    fill = torch.empty(40, 5).normal_(mean, std)
    big = torch.cat([pre[0:1], fill]).numpy()
    doc = {
        "pretrained_words": pre_words,
        "pretrained_bits": [int(x) for x in pre.numpy().view(np.uint32).ravel()],
        "dim": 5,
        "mean": mean.hex(), "std": std.hex(),
        "vocab": vocab, "cases": cases,
        "big_vocab": big_vocab, "big_seed": 5,
        "big_weights_bits": [int(x) for x in big.view(np.uint32).ravel()],
    }
    save("alignment.json", (json.dumps(doc, indent=1, ensure_ascii=False) + "\n").encode("utf-8"))
    update_manifest(__file__, written, VERSIONS, drop_script_lines=True)


if __name__ == "__main__":
    main()
