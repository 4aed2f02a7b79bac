#!/usr/bin/python3
"""Regenerate the tensor-file fixtures in tests/data/formats/ and their lines in tests/data/MANIFEST.

Run from anywhere:  /usr/bin/python3 tools/goldens/make_formats.py
Deterministic: every value comes from a fixed seed, so re-running gives byte-identical files.

.npy files are written by numpy itself (np.save / np.lib.format.write_array).
safetensors files: the `safetensors` package is not installable here (no Debian package), so they are written
by hand from the documented layout, following the reference serializer (huggingface/safetensors,
safetensors/src/tensor.rs `prepare`): u64 little-endian header length, compact JSON with "__metadata__" first
and tensors sorted by descending dtype alignment then by name, padded with spaces to a multiple of 8, then the
tensor bytes in that order. If the package is ever present, one extra file is written with it.
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

OUT = os.path.join(DATA, "formats")
VERSIONS = f"python {sys.version.split()[0]}; numpy {np.__version__}; torch {torch.__version__}"
SEED = 20240601

written = []  # (file name, command/seed description)


def save(name, data, how):
    write_atomic(os.path.join(OUT, name), data)
    written.append((name, how))


def npy_bytes(arr, version=None):
    buf = io.BytesIO()
    if version is None:
        np.save(buf, arr, allow_pickle=True)
    else:
        np.lib.format.write_array(buf, arr, version=version, allow_pickle=True)
    return buf.getvalue()


def make_npy():
    rng = np.random.default_rng(SEED)
    f4 = rng.standard_normal((2, 3)).astype(np.float32)
    save("f4_2x3.npy", npy_bytes(f4), f"np.save(default_rng({SEED}).standard_normal((2,3)).astype(float32))")
    f4r3 = rng.standard_normal((2, 3, 4)).astype(np.float32)
    save("f4_2x3x4.npy", npy_bytes(f4r3), "np.save(standard_normal((2,3,4)).astype(float32)), same rng")
    f4r1 = rng.standard_normal(7).astype(np.float32)
    save("f4_7.npy", npy_bytes(f4r1), "np.save(standard_normal(7).astype(float32)), same rng")
    save("f4_0x1.npy", npy_bytes(np.zeros((0, 1), dtype=np.float32)), "np.save(zeros((0,1), float32))")
    # A first dimension with more digits changes numpy's growth padding: 21 - len(str(shape[0])) spaces.
    f4long = (np.arange(1000, dtype=np.float32) / 7).reshape(1000, 1)
    save("f4_1000x1.npy", npy_bytes(f4long), "np.save((arange(1000)/7).astype(float32).reshape(1000,1))")
    f8 = rng.standard_normal((3, 2))  # float64
    save("f8_3x2.npy", npy_bytes(f8), "np.save(standard_normal((3,2))) float64, same rng")
    i4 = np.array([0, 1, -1, 2**31 - 1, -(2**31)], dtype=np.int32)
    save("i4_5.npy", npy_bytes(i4), "np.save(int32 [0,1,-1,2^31-1,-2^31])")
    i8 = np.array([0, 1, -1, 2**62, -(2**63), 2**63 - 1, 7, 42], dtype=np.int64).reshape(2, 2, 2)
    save("i8_2x2x2.npy", npy_bytes(i8), "np.save(int64 [0,1,-1,2^62,-2^63,2^63-1,7,42] (2,2,2))")
    save("f4_2x3_v2.npy", npy_bytes(f4, (2, 0)), "write_array(f4_2x3 values, version=(2,0))")
    save("f4_2x3_v3.npy", npy_bytes(f4, (3, 0)), "write_array(f4_2x3 values, version=(3,0))")
    save("f4_scalar.npy", npy_bytes(np.float32(3.5).reshape(())), "np.save(np.float32(3.5) 0-d)")
    save("f4_empty_0x3.npy", npy_bytes(np.zeros((0, 3), dtype=np.float32)), "np.save(zeros((0,3), float32))")
    torch.manual_seed(0)
    t = torch.randn(4, 5)
    save("torch_randn_4x5.npy", npy_bytes(t.numpy()), "torch.manual_seed(0); np.save(torch.randn(4,5).numpy())")
    ids = torch.tensor([[3, 1, 4], [1, 5, 9]], dtype=torch.long)
    save("torch_long_2x3.npy", npy_bytes(ids.numpy()), "np.save(torch.tensor([[3,1,4],[1,5,9]]).numpy()) int64")
    # A file this library must refuse, written by numpy. (Fortran order, big-endian and float16 files are read:
    # make_format_variants.py writes them in every layout.)
    save("bad_object.npy", npy_bytes(np.array(["a", 1, None], dtype=object)), "np.save(object array ['a',1,None], allow_pickle)")


# safetensors dtype order from the reference serializer (increasing alignment); it sorts by this, descending.
ST_ORDER = ["BOOL", "U8", "I8", "F8_E5M2", "F8_E4M3", "I16", "U16", "F16", "BF16", "I32", "U32", "F32", "F64", "I64", "U64"]


def safetensors_bytes(tensors, metadata=None):
    """tensors: dict name -> (dtype string, shape list, raw little-endian bytes)."""
    items = sorted(tensors.items(), key=lambda kv: kv[0].encode("utf-8"))
    items.sort(key=lambda kv: ST_ORDER.index(kv[1][0]), reverse=True)  # stable: name order within a dtype
    header = {}
    if metadata is not None:
        header["__metadata__"] = dict(sorted(metadata.items()))
    offset = 0
    for name, (dtype, shape, raw) in items:
        header[name] = {"dtype": dtype, "shape": list(shape), "data_offsets": [offset, offset + len(raw)]}
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(raw for _, (_, _, raw) in items)


def le(arr):
    return np.ascontiguousarray(arr).astype(arr.dtype.newbyteorder("<")).tobytes()


def make_safetensors():
    rng = np.random.default_rng(SEED + 1)
    torch.manual_seed(1)
    bf16 = torch.randn(2, 3).to(torch.bfloat16)
    tensors = {
        "embeddings.weight": ("F32", [4, 3], le(rng.standard_normal((4, 3)).astype(np.float32))),
        "double": ("F64", [3], le(rng.standard_normal(3))),
        "ids32": ("I32", [2, 2], le(np.array([[1, -2], [2**31 - 1, -(2**31)]], dtype=np.int32))),
        "ids64": ("I64", [3], le(np.array([5, -(2**63), 2**63 - 1], dtype=np.int64))),
        "half": ("F16", [2, 2], le(np.array([[1.5, -0.25], [65504, 6.1e-5]], dtype=np.float16))),
        "brain": ("BF16", [2, 3], bf16.view(torch.int16).numpy().astype("<i2").tobytes()),
        "scalar": ("F32", [], le(np.array(2.5, dtype=np.float32))),
        "empty": ("F32", [0, 3], b""),
    }
    meta = {"format": "pt", "source": "make_formats.py"}
    save("mixed.safetensors", safetensors_bytes(tensors, meta),
         f"by hand (json+struct); default_rng({SEED + 1}); torch.manual_seed(1) randn(2,3) bf16")
    # Expected float32 values of the bf16 tensor, as torch converts them, for the reader test.
    save("mixed_brain_f32.npy", npy_bytes(bf16.to(torch.float32).numpy()), "np.save(brain tensor .float().numpy())")
    torch.manual_seed(2)
    a = torch.randn(2, 3)
    b = torch.randn(5)
    f32 = {"b": ("F32", [5], le(b.numpy())), "a": ("F32", [2, 3], le(a.numpy()))}
    save("f32_pair.safetensors", safetensors_bytes(f32, {"framework": "pt"}),
         "by hand (json+struct); torch.manual_seed(2); a=randn(2,3), b=randn(5); metadata framework=pt")
    try:
        from safetensors.torch import save as st_save  # not available on this machine
    except ImportError:
        return
    save("f32_pair_lib.safetensors", st_save({"a": a, "b": b}, metadata={"framework": "pt"}),
         "safetensors.torch.save({'a','b'}), torch.manual_seed(2)")


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    make_npy()
    make_safetensors()
    update_manifest(__file__, [("formats/" + name, how) for name, how in written], VERSIONS, drop_script_lines=True)
