"""Golden fixtures for EmbedSharp.Randomness.SpecialFunctions (tests/data/erfinv/).

erff.bin   : glibc erff (called through ctypes) on a generated sweep of float32 inputs.
erfinv.bin : torch.erfinv (PyTorch 1.13 CPU, float32; the AVX2 kernel on this machine) on uniform_(2l-1, 2u-1)
             draws as trunc_normal_ makes them, plus a bit-pattern sweep of [-1, 1] and edge values.

Both files are a sequence of (input, output) pairs, each a little-endian uint32 float32 bit pattern.
The erff input sweep is pure integer/double arithmetic so the C# test regenerates it and checks it
(keep `erf_inputs` and SpecialFunctionsTests.ErfSweepInputs in step).

Run: /usr/bin/python3 tools/goldens/make_erfinv.py   (from the repository root); prints MANIFEST lines.
"""
import ctypes
import ctypes.util
import hashlib
import math
import os
import platform

import numpy as np
import torch

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "data", "erfinv")
SEED = 20240613

_libm = ctypes.CDLL(ctypes.util.find_library("m") or "libm.so.6")
_libm.erff.restype = ctypes.c_float
_libm.erff.argtypes = [ctypes.c_float]
_libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
_libc.gnu_get_libc_version.restype = ctypes.c_char_p

# Branch boundaries of s_erff.c (|x| bit patterns).
ERF_BOUNDARIES = [0x04000000, 0x31800000, 0x3F580000, 0x3FA00000, 0x4036DB6E, 0x40C00000, 0x7F800000]
ERF_SPECIALS = [0x00000000, 0x80000000, 0x00000001, 0x80000001, 0x007FFFFF, 0x807FFFFF, 0x00800000,
                0x7F800000, 0xFF800000, 0x7FC00000, 0xFFC00000, 0x7FC12345, 0x7F7FFFFF, 0xFF7FFFFF]


def erf_inputs():
    """200,000 inputs: specials, ±64 ulps around each branch boundary (both signs), a bit-pattern sweep
    of [0, 7.5) (both signs: subnormals up to the |x| >= 6 branch), and a value sweep of [-7, 7]."""
    bits = list(ERF_SPECIALS)
    for b in ERF_BOUNDARIES:
        for d in range(-64, 64):
            bits.append((b + d) & 0xFFFFFFFF)
            bits.append(((b + d) | 0x80000000) & 0xFFFFFFFF)
    n_bits = 60000  # per sign
    top = 0x40F00000  # 7.5
    for k in range(n_bits):
        v = k * top // n_bits
        bits.append(v)
        bits.append(v | 0x80000000)
    m = 200000 - len(bits)
    xs = np.array([-7.0 + 14.0 * k / (m - 1) for k in range(m)], dtype=np.float64).astype(np.float32)
    bits.extend(int(b) for b in xs.view(np.uint32))
    assert len(bits) == 200000
    return np.array(bits, dtype=np.uint32)


def glibc_erff(bits):
    f = np.frompyfunc(lambda v: _libm.erff(float(v)), 1, 1)
    return np.asarray(f(bits.view(np.float32)), dtype=np.float32)


def erfinv_inputs():
    g = torch.Generator().manual_seed(SEED)
    parts = []
    # trunc_normal_(mean, std, a, b): l = Φ((a-mean)/std), u = Φ((b-mean)/std), uniform_(2l-1, 2u-1)
    phi = lambda x: (1.0 + math.erf(x / math.sqrt(2.0))) / 2.0
    for mean, std, a, b, n in [(0.0, 1.0, -2.0, 2.0, 40000), (0.5, 2.0, -1.0, 3.0, 30000),
                               (0.0, 1.0, 0.0, 1.0, 20000), (0.0, 0.02, -0.04, 0.04, 10000),
                               (0.0, 1.0, -4.0, 4.0, 20000)]:
        lo, hi = phi((a - mean) / std), phi((b - mean) / std)
        t = torch.empty(n, dtype=torch.float32).uniform_(2 * lo - 1, 2 * hi - 1, generator=g)
        parts.append(t.numpy().view(np.uint32))
    # bit-pattern sweep of [0, 1] (both signs), incl. subnormals
    k = np.arange(20000, dtype=np.uint64)
    v = (k * 0x3F800000 // 20000).astype(np.uint32)
    parts += [v, v | np.uint32(0x80000000)]
    # neighbourhoods: ±0.7f, ±1 (from below), 0
    edge = []
    b07 = int(np.float32(0.7).view(np.uint32))
    for d in range(-256, 257):
        edge += [b07 + d, (b07 + d) | 0x80000000]
    for d in range(1, 4097):
        edge += [0x3F800000 - d, 0xBF800000 - d]
    edge += [0x00000000, 0x80000000, 0x00000001, 0x80000001, 0x3F800000, 0xBF800000, 0x3F800001, 0xBF800001,
             0x40000000, 0xC0000000, 0x7F800000, 0xFF800000, 0x7FC00000, 0xFFC00000, 0x7FC12345, 0x7F7FFFFF]
    parts.append(np.array(edge, dtype=np.uint32))
    return np.concatenate(parts).astype(np.uint32)


def write_pairs(name, inputs, outputs):
    pairs = np.empty(2 * inputs.size, dtype="<u4")
    pairs[0::2] = inputs
    pairs[1::2] = outputs.view(np.uint32)
    path = os.path.join(OUT, name)
    data = pairs.tobytes()
    with open(path, "wb") as fh:
        fh.write(data)
    return hashlib.sha256(data).hexdigest()


def main():
    os.makedirs(OUT, exist_ok=True)
    cap = [l.split(":")[1].strip() for l in torch.__config__.show().splitlines() if "CPU capability usage" in l]
    cap = cap[0] if cap else "unknown"
    glibc = _libc.gnu_get_libc_version().decode()
    tools = f"torch {torch.__version__} ({cap}), numpy {np.__version__}, glibc {glibc}, {platform.machine()}"
    script = "tools/goldens/make_erfinv.py"
    cmd = "/usr/bin/python3 tools/goldens/make_erfinv.py"

    xi = erf_inputs()
    h1 = write_pairs("erff.bin", xi, glibc_erff(xi))
    print(f"erfinv/erff.bin\t{script}\t{tools}\t{cmd} (erff via ctypes, generated sweep)\t{h1}")

    torch.set_num_threads(1)
    yi = erfinv_inputs()
    yo = torch.from_numpy(yi.view(np.float32).copy()).erfinv().numpy()
    h2 = write_pairs("erfinv.bin", yi, yo)
    print(f"erfinv/erfinv.bin\t{script}\t{tools}\t{cmd} (torch.Generator seed {SEED})\t{h2}")


if __name__ == "__main__":
    main()
