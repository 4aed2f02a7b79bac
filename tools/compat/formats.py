#!/usr/bin/python3
"""Compatibility of EmbedSharp's file variants with the reference tools, measured on this machine.

  /usr/bin/python3 tools/compat/formats.py

1. .npy layouts: writes arrays in every layout numpy writes (C/F order x '<', '>', '|' x f2, f4, f8, i1..i8, u1..u4,
   ranks 0-3 and empty) with numpy into a scratch folder, reads them with EmbedSharp (tools/compat/formats_probe.cs via
   `dotnet run --file`) and compares with np.ascontiguousarray(np.load(f)) bit for bit.
2. 16-bit writes: EmbedSharp writes float32 edge values as <f2 .npy and as F16/BF16 safetensors; the .npy is compared
   with np.save(x.astype(np.float16)) byte for byte, the safetensors file is parsed independently (json + numpy) and
   compared with torch's .to(torch.float16 / torch.bfloat16) bit for bit.
3. fastText .bin of old versions (tests/data/fasttext_old, made by fastText 437f878 and fdf325c): EmbedSharp's word and
   sentence vectors and predictions against the old tools' printed output, gensim's load_facebook_model, and
   fasttext 0.9.2 (Debian package `fasttext`) for the version 11 files.
Needs: python3-numpy, python3-torch, python3-gensim, fasttext (apt), the .NET 10 SDK.
"""
import datetime
import io
import json
import os
import platform
import shutil
import struct
import subprocess
import sys
import tempfile

import numpy as np
import torch

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
PROBE = os.path.join(ROOT, "tools", "compat", "formats_probe.cs")
OLD = os.path.join(ROOT, "tests", "data", "fasttext_old")
sys.path.insert(0, os.path.join(ROOT, "tools", "goldens"))
from make_format_variants import edge_values, values_for  # noqa: E402


def probe(*args):
    subprocess.run(["dotnet", "run", "--file", PROBE, "--", *args], check=True, cwd=os.path.dirname(PROBE),
                   stdout=subprocess.DEVNULL)


def npy_layouts(tmp):
    rng = np.random.default_rng(7)
    folder = os.path.join(tmp, "npy")
    os.makedirs(folder)
    made = {}
    types = [(o, c) for c in ["f2", "f4", "f8", "i2", "u2", "i4", "u4", "i8"] for o in "<>"] + [("|", "i1"), ("|", "u1")]
    for order_char, code in types:
        for shape in [(), (7,), (3, 5), (2, 3, 4), (0, 3), (4, 0, 2)]:
            n = int(np.prod(shape)) if shape else 1
            base = values_for(code, n, rng).reshape(shape)
            for layout in ["C", "F"] if len(shape) >= 2 and n > 0 else ["C"]:
                arr = base.astype(np.dtype(code).newbyteorder(order_char) if order_char != "|" else code).copy(order=layout)
                name = f"{code}_{'le' if order_char == '<' else 'be' if order_char == '>' else 'na'}_{layout}_{'x'.join(map(str, shape)) or 'scalar'}.npy"
                np.save(os.path.join(folder, name), arr)
                made[name] = np.load(os.path.join(folder, name)).copy(order="C")
    probe("npy", folder, os.path.join(tmp, "npy.json"))
    with open(os.path.join(tmp, "npy.json")) as f:
        ours = json.load(f)
    equal = 0
    bad = []
    for name, ref in made.items():
        e = ours[name]
        if "error" in e:
            bad.append(f"{name}: {e['error']}")
            continue
        if list(e["shape"]) != list(ref.shape):
            bad.append(f"{name}: shape {e['shape']} vs {ref.shape}")
            continue
        if ref.dtype.kind == "f":
            with np.errstate(over="ignore", invalid="ignore"):
                want = [int(b) for b in ref.astype(np.float32).reshape(-1).view(np.uint32)]
            ok = want == e["f32_bits"]
        else:
            ok = [int(v) for v in ref.reshape(-1)] == e["ints"]
        equal += ok
        if not ok:
            bad.append(f"{name}: values differ")
    print(f"npy read: {equal}/{len(made)} layouts bit-equal to np.ascontiguousarray(np.load(f)) (numpy {np.__version__})")
    for b in bad[:10]:
        print("  ", b)


def half_writes(tmp):
    x = edge_values()
    bits = [int(b) for b in x.view(np.uint32)]
    with open(os.path.join(tmp, "edges.json"), "w") as f:
        json.dump(bits, f)
    probe("write-half", os.path.join(tmp, "edges.json"), tmp)
    buf = io.BytesIO()
    with np.errstate(over="ignore", invalid="ignore"):
        np.save(buf, x.astype(np.float16))
        numpy_bits = x.astype(np.float16).view(np.uint16)
    with open(os.path.join(tmp, "f2.npy"), "rb") as f:
        ours = f.read()
    ours_bits = np.load(io.BytesIO(ours)).view(np.uint16)
    print(f"npy float16 write: {int((ours_bits == numpy_bits).sum())}/{len(x)} values bit-equal to numpy astype(float16); "
          f"file {'byte-identical' if ours == buf.getvalue() else 'DIFFERENT'} to np.save")
    # An independent safetensors reader: the u64 header length, the JSON header, the data with numpy.
    with open(os.path.join(tmp, "half.safetensors"), "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    body = data[8 + n:]
    t = torch.from_numpy(x.copy())
    ref = {"f16": ("F16", t.to(torch.float16).view(torch.int16).numpy().view(np.uint16)),
           "bf16": ("BF16", t.to(torch.bfloat16).view(torch.int16).numpy().view(np.uint16)),
           "f32": ("F32", x.view(np.uint32))}
    order = [k for k in header if k != "__metadata__"]
    offsets_ok = all(header[a]["data_offsets"][1] == header[b]["data_offsets"][0] for a, b in zip(order, order[1:]))
    for name, (dtype, want) in ref.items():
        h = header[name]
        lo, hi = h["data_offsets"]
        got = np.frombuffer(body[lo:hi], dtype="<u2" if dtype != "F32" else "<u4")
        nan_both = int((np.isnan(x) & ((got & (0x7C00 if dtype == "F16" else 0x7F80)) == (0x7C00 if dtype == "F16" else 0x7F80))).sum()) if dtype != "F32" else 0
        print(f"safetensors {dtype} write: dtype {h['dtype']}, shape {h['shape']}, {int((got == want).sum())}/{len(x)} bit-equal to "
              f"torch {torch.__version__} .to() (NaN inputs {int(np.isnan(x).sum())}, NaN outputs matching {nan_both})")
    print(f"safetensors layout: header {n} bytes (multiple of 8: {n % 8 == 0}), order {order}, offsets contiguous: {offsets_ok}, "
          f"data {len(body)} bytes = last offset: {len(body) == header[order[-1]]['data_offsets'][1]}")


def parse_vectors(path, dim):
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                out.append(np.array([float(v) for v in line.split()[-dim:]], dtype=np.float64))
    return out


def fasttext_old(tmp):
    from gensim.models.fasttext import load_facebook_model
    import gensim
    words = [w for w in open(os.path.join(OLD, "words.txt"), encoding="utf-8").read().split("\n") if w]
    sentences = os.path.join(OLD, "test_sentences.txt")
    ft = shutil.which("fasttext")
    ft_version = subprocess.run(["dpkg-query", "-W", "-f=${Version}", "fasttext"], capture_output=True, text=True).stdout or "?"
    for folder, tool in [("v11", "fastText 437f878 (v11)"), ("nomagic", "fastText fdf325c (no magic)")]:
        for model in ["skipgram", "cbow", "supervised"]:
            path = os.path.join(OLD, folder, model + ".bin")
            out = os.path.join(tmp, f"{folder}_{model}.json")
            probe("fasttext", path, os.path.join(OLD, "words.txt"), sentences, out)
            with open(out) as f:
                ours = json.load(f)
            vec = {w: np.array(v) for w, v in ours["words"].items()}
            dim = len(next(iter(vec.values())))
            printed = parse_vectors(os.path.join(OLD, folder, model + ".words.out"), dim)
            d_tool = max(float(np.abs(vec[w] - p).max()) for w, p in zip(words, printed))
            line = f"fastText {folder} {model}: version {ours['version']}; {len(words)} word vectors (5 OOV) vs {tool} print: max |diff| = {d_tool:.2e}"
            if model != "supervised":
                g = load_facebook_model(path)
                d_g = max(float(np.abs(vec[w] - g.wv[w]).max()) for w in words)
                line += f"; vs gensim {gensim.__version__}: max |diff| = {d_g:.2e}"
            if folder == "v11" and ft:
                r = subprocess.run([ft, "print-word-vectors", path], input="\n".join(words) + "\n", capture_output=True, text=True)
                ftv = [np.array([float(x) for x in l.split()[-dim:]]) for l in r.stdout.splitlines() if l.strip()]
                diffs = {w: float(np.abs(vec[w] - p).max()) for w, p in zip(words, ftv)}
                line += (f"; vs fasttext {ft_version}: max |diff| = {max(v for w, v in diffs.items() if w != '</s>'):.2e} "
                         f"without </s>, {diffs['</s>']:.2e} on </s>")
            print(line)
            if folder == "v11":
                sv = parse_vectors(os.path.join(OLD, folder, model + ".sentences.out"), dim)
                d_s = max(float(np.abs(np.array(o) - p).max()) for o, p in zip(ours["sentences"], sv))
                print(f"  sentence vectors ({len(sv)} lines) vs {tool} print-sentence-vectors: max |diff| = {d_s:.2e}")
            if model == "supervised":
                for ref_name, ref_path in [(tool, os.path.join(OLD, folder, "supervised.predict.out"))] + (
                        [(f"fasttext {ft_version}", None)] if folder == "v11" and ft else []):
                    if ref_path is None:
                        text = subprocess.run([ft, "predict-prob", path, sentences, "3"], capture_output=True, text=True).stdout
                    else:
                        text = open(ref_path, encoding="utf-8").read()
                    top_ok = 0
                    dp = 0.0
                    lines = [l.split() for l in text.splitlines() if l.strip()]
                    for pred, toks in zip(ours["predictions"], lines):
                        mine = sorted(pred.items(), key=lambda kv: -kv[1])
                        top_ok += mine[0][0] == toks[0]
                        for k in range(0, len(toks), 2):
                            dp = max(dp, abs(pred[toks[k]] - float(toks[k + 1])))
                    print(f"  predictions ({len(lines)} lines, k=3) vs {ref_name} predict-prob: top label {top_ok}/{len(lines)}, "
                          f"max |p diff| = {dp:.2e}")
    r = subprocess.run([ft, "print-word-vectors", os.path.join(OLD, "nomagic", "skipgram.bin")], input="cat\n",
                       capture_output=True, text=True) if ft else None
    if r is not None:
        print(f"fasttext {ft_version} on the no-magic file: exit {r.returncode}, stderr: {r.stderr.strip().splitlines()[-1] if r.stderr.strip() else ''}")


if __name__ == "__main__":
    print(f"# tools/compat/formats.py, {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC, {platform.machine()} "
          f"{platform.platform()}, python {platform.python_version()}, numpy {np.__version__}, torch {torch.__version__}, "
          f"dotnet {subprocess.run(['dotnet', '--version'], capture_output=True, text=True).stdout.strip()}")
    with tempfile.TemporaryDirectory(prefix="embedsharp-formats-") as tmp:
        npy_layouts(tmp)
        half_writes(tmp)
        fasttext_old(tmp)
