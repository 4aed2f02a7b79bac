#!/usr/bin/python3
"""Regenerate tests/data/formats/variants/: .npy files in every layout numpy writes, the rounding of float32 to the
16-bit float formats, and safetensors files with F16/BF16 tensors, with their lines in tests/data/MANIFEST.

Run from anywhere:  /usr/bin/python3 tools/goldens/make_format_variants.py
Deterministic (fixed seeds, fixed edge values): re-running gives byte-identical files.

npy/*.npy          np.save of small arrays: C and Fortran order x '<', '>' (and '|' for one-byte types) x
                   f2, f4, f8, i1, u1, i2, u2, i4, u4, i8, shapes () (0-d), (5,), (2, 3), (2, 3, 4), (0, 3).
npy_expected.json  for each file: dtype, shape, and the C-order values of np.ascontiguousarray(np.load(f)) as float32
                   bit patterns (floats) or integers.
rounding.json      float32 edge values (bit patterns) and what numpy astype(np.float16), torch .to(torch.float16) and
                   torch .to(torch.bfloat16) make of them (bit patterns), for arrays of 1 and of many elements.
f2_edges.npy       np.save(edges.astype(np.float16)): what NpyFile.Write(..., NpyDType.Float16) must reproduce byte for byte.
half.safetensors   the edge values as F16 and BF16 tensors converted by torch, laid out like the reference serializer
                   (written by hand: the safetensors package is not installed here), plus an F32 copy.
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
from make_formats import safetensors_bytes  # noqa: E402

OUT = os.path.join(DATA, "formats", "variants")
VERSIONS = f"python {sys.version.split()[0]}; numpy {np.__version__}; torch {torch.__version__}"
SEED = 20261207

written = []


def save(rel, data, how):
    path = os.path.join(OUT, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    write_atomic(path, data)
    written.append(("formats/variants/" + rel, how))


def npy_bytes(arr):
    buf = io.BytesIO()
    np.save(buf, arr)
    return buf.getvalue()


# float32 edge values, as bit patterns: zero signs, half limits and ties, half subnormals, bf16 ties, NaN payloads.
EDGE_BITS = [
    0x00000000, 0x80000000, 0x3F800000, 0xBF800000,
    0x477FE000,  # 65504, max half
    0x477FEFFF,  # just below 65520: rounds to 65504
    0x477FF000,  # 65520: tie, rounds to even = 65536 -> inf
    0x47800000,  # 65536
    0xC77FF000,  # -65520 -> -inf
    0x501502F9,  # 1e10
    0x7F800000, 0xFF800000,  # +-inf
    0x7FC00000, 0xFFC00000,  # quiet NaN, negative quiet NaN
    0x7F800001,  # signalling NaN, payload 1 (numpy: 0x7C01)
    0x7FA00000,  # signalling NaN, payload in bit 21
    0x7FFFFFFF,  # NaN all payload bits
    0x33800000,  # 2^-24, smallest half subnormal
    0x33000000,  # 2^-25: tie between 0 and 2^-24 -> 0
    0x33000001,  # just above 2^-25 -> 2^-24
    0x33C00000,  # 1.5 * 2^-24: tie -> 2^-23 (even)
    0x387FC000,  # largest half subnormal (1023 * 2^-24)
    0x38800000,  # 2^-14, smallest half normal
    0x387FE000,  # tie between largest subnormal and min normal
    0x3F801000,  # 1 + 2^-11: tie -> 1
    0x3F803000,  # 1 + 3*2^-11: tie -> 1 + 2^-9 (even)
    0x3EAAAAAB,  # 1/3
    0x40490FDB,  # pi
    0x3F808000,  # bf16 tie -> 0x3F80
    0x3F818000,  # bf16 tie -> 0x3F82
    0x3F80FFFF,  # just below the bf16 tie 0x3F818000: rounds to 0x3F81
    0x7F7FFFFF,  # max float: bf16 rounds to inf
    0x7F7F7FFF,  # bf16 -> 0x7F7F
    0x00000001,  # smallest float subnormal: half 0, bf16 0
    0x00008000,  # float subnormal, bf16 tie -> 0
    0x00018000,  # float subnormal, bf16 tie -> 0x0002
    0x80000001,  # -tiny -> -0
]


def edge_values():
    rng = np.random.default_rng(SEED)
    extra = (rng.standard_normal(29) * np.array([1e-6, 1e-3, 1, 1e3, 1e5] * 5 + [1, 1, 1, 1])).astype(np.float32)
    return np.concatenate([np.array(EDGE_BITS, dtype=np.uint32).view(np.float32), extra])


def bits16(a):
    return [int(x) for x in np.asarray(a).view(np.uint16).reshape(-1)]


def make_rounding():
    x = edge_values()
    out = {"f32_bits": [int(b) for b in x.view(np.uint32)]}
    with np.errstate(over="ignore", invalid="ignore"):
        out["numpy_float16"] = bits16(x.astype(np.float16))
        out["numpy_float16_one_by_one"] = [bits16(np.array([v]).astype(np.float16))[0] for v in x]
    t = torch.from_numpy(x.copy())
    out["torch_float16"] = bits16(t.to(torch.float16).view(torch.int16).numpy())
    out["torch_bfloat16"] = bits16(t.to(torch.bfloat16).view(torch.int16).numpy())
    out["torch_bfloat16_one_by_one"] = [bits16(torch.tensor([float(v)], dtype=torch.float32).to(torch.bfloat16).view(torch.int16).numpy())[0]
                                        for v in x]
    save("rounding.json", (json.dumps(out, indent=1) + "\n").encode(),
         "float32 edge values; numpy astype(float16), torch .to(float16/bfloat16) bit patterns")
    with np.errstate(over="ignore", invalid="ignore"):
        save("f2_edges.npy", npy_bytes(x.astype(np.float16)), "np.save(edge values .astype(np.float16))")
    le16 = lambda a: np.asarray(a).astype("<u2").tobytes()  # noqa: E731
    tensors = {
        "edges_f16": ("F16", [len(x)], le16(out["torch_float16"])),
        "edges_bf16": ("BF16", [len(x)], le16(out["torch_bfloat16"])),
        "edges_f32": ("F32", [len(x)], x.astype("<f4").tobytes()),
        "grid_bf16": ("BF16", [2, 3], le16(bits16(torch.arange(6, dtype=torch.float32).reshape(2, 3).div(7).to(torch.bfloat16)
                                                  .view(torch.int16).numpy()))),
    }
    save("half.safetensors", safetensors_bytes(tensors, {"format": "pt"}),
         "by hand (reference layout): edges as torch F16/BF16/F32, arange(6).reshape(2,3)/7 as BF16")


# Values per dtype: floats include the 16-bit edge cases; integers include the type's limits.
def values_for(code, n, rng):
    if code[0] == "f":
        pool = edge_values()
        with np.errstate(over="ignore", invalid="ignore"):
            v = np.resize(np.concatenate([pool[::-1], rng.standard_normal(8).astype(np.float32)]), n).astype(np.float64)
        if code == "f8":
            v = v + rng.standard_normal(n) * 1e-9  # bits below float32 precision, so rounding to float32 is exercised
        with np.errstate(over="ignore", invalid="ignore"):
            return v.astype(code)
    info = np.iinfo(np.dtype(code))
    lim = np.array([info.min, info.max, 0, 1, info.max - 1, info.min + 1 if info.min else 2], dtype=np.dtype(code))
    rest = rng.integers(info.min, info.max, size=max(0, n), dtype=np.dtype(code), endpoint=True)
    return np.resize(np.concatenate([lim, rest]), n).astype(code)


def make_npy():
    rng = np.random.default_rng(SEED + 1)
    expected = {}
    types = [(o, c) for c in ["f2", "f4", "f8", "i2", "u2", "i4", "u4", "i8"] for o in "<>"] + [("|", "i1"), ("|", "u1")]
    for order_char, code in types:
        shapes = [(2, 3, 4), (), (0, 3)]
        if code[0] == "f":
            shapes += [(5,), (2, 3)]
        for shape in shapes:
            n = int(np.prod(shape)) if shape else 1
            base = values_for(code, n, rng).reshape(shape)
            layouts = ["C"] + (["F"] if len(shape) >= 2 and n > 0 else [])
            for layout in layouts:
                arr = base.astype(np.dtype(code).newbyteorder(order_char) if order_char != "|" else code)
                arr = arr.copy(order=layout)  # (np.ascontiguousarray would turn a 0-d array into shape (1,))
                endian = {"<": "le", ">": "be", "|": "na"}[order_char]
                name = f"{code}_{endian}_{layout}_{'x'.join(map(str, shape)) or 'scalar'}.npy"
                data = npy_bytes(arr)
                header = data[10:data.index(b"\n")].decode("latin1")
                assert ("'fortran_order': True" in header) == (layout == "F"), (name, header)
                assert f"'descr': '{order_char}{code}'" in header, (name, header)
                save("npy/" + name, data, f"np.save({layout}-order {order_char}{code} {shape}, default_rng({SEED + 1}) values and edges)")
                back = np.load(io.BytesIO(data)).copy(order="C")
                assert back.shape == shape, (name, back.shape)
                entry = {"descr": order_char + code, "fortran_order": layout == "F", "shape": list(shape)}
                if code[0] == "f":
                    with np.errstate(over="ignore", invalid="ignore"):
                        entry["f32_bits"] = [int(b) for b in back.astype(np.float32).reshape(-1).view(np.uint32)]
                else:
                    entry["ints"] = [int(v) for v in back.reshape(-1)]
                expected[name] = entry
    save("npy_expected.json", (json.dumps(expected, indent=0, sort_keys=True) + "\n").encode(),
         "np.ascontiguousarray(np.load(f)) of every npy/ file: float32 bits or integers")


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    make_rounding()
    make_npy()
    update_manifest(__file__, written, VERSIONS, drop_script_lines=True)
    print(f"{len(written)} files in {OUT}")
