#!/usr/bin/python3
"""Golden fixture for EmbedSharp.Randomness.ErfDouble: glibc erf/erfc (double) on x86-64.

Writes tests/data/erf/erf_double.bin: N records of three little-endian uint64 bit patterns
(input x, erf(x), erfc(x)), computed by calling libm.so.6's erf/erfc through ctypes, and its line in
tests/data/MANIFEST (only when the output lies under tests/data).
Also prints the trunc_normal_ norm_cdf values (math.erf, which is glibc erf) used by the tests.

Usage: /usr/bin/python3 tools/goldens/make_erf_double.py [output_path]
"""
import ctypes
import ctypes.util
import math
import os
import platform
import subprocess
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from goldens import DATA, update_manifest, write_atomic  # noqa: E402

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(DATA, "erf", "erf_double.bin")
N_TARGET = 80_000

libm = ctypes.CDLL("libm.so.6")
libm.erf.restype = ctypes.c_double
libm.erf.argtypes = [ctypes.c_double]
libm.erfc.restype = ctypes.c_double
libm.erfc.argtypes = [ctypes.c_double]
libc = ctypes.CDLL(None)
libc.gnu_get_libc_version.restype = ctypes.c_char_p


def neighbours(b, k):
    """b and k doubles on each side of b (nextafter), for both signs."""
    out = []
    for s in (1.0, -1.0):
        v = s * b
        out.append(v)
        up = down = v
        for _ in range(k):
            up = math.nextafter(up, math.inf)
            down = math.nextafter(down, -math.inf)
            out.extend((up, down))
    return out


def from_bits(u):
    return float(np.array([u], dtype=np.uint64).view(np.float64)[0])


rng = np.random.default_rng(20240917)
xs = []
# Specials and extremes.
xs += [0.0, -0.0, math.inf, -math.inf, math.nan, 5e-324, -5e-324, 2.2250738585072014e-308,
       -2.2250738585072014e-308, 1.7976931348623157e308, -1.7976931348623157e308, 1.0, -1.0]
# Branch boundaries: the C code compares only the high 32 bits, so include the exact high-word
# thresholds (low word 0) and the glibc 1/0.35 cut-offs 0x4006DB6E (erf) / 0x4006DB6D (erfc).
bounds = [0.84375, 1.25, 2.857142857142857, 1 / 0.35, 6.0, 28.0, 2.0 ** -28, 2.0 ** -56, 0.25,
          from_bits(0x4006DB6E00000000), from_bits(0x4006DB6D00000000),
          from_bits(0x0080000000000000), 0.5, 2.0, 3.0, 26.5, 27.0]
for b in bounds:
    xs += neighbours(b, 150)
    # Coarser neighbourhood: relative offsets up to 1e-6.
    for s in (1.0, -1.0):
        xs += list(s * b * (1.0 + np.linspace(-1e-6, 1e-6, 401)))
# Dense around 0: log-spaced magnitudes from subnormal to 1, both signs.
mags = np.logspace(-323, 0, 6000)
xs += list(mags) + list(-mags)
# Uniform grids.
xs += list(np.linspace(-1.0, 1.0, 10001))
xs += list(np.linspace(-6.5, 6.5, 10001))
xs += list(np.linspace(-30.0, 30.0, 6001))
specials_count = len(xs)
# Random fill: half in [-6, 6] (all polynomial branches), half in [-30, 30].
rest = N_TARGET - specials_count
assert rest > 0, specials_count
xs += list(rng.uniform(-6.0, 6.0, rest // 2))
xs += list(rng.uniform(-30.0, 30.0, rest - rest // 2))

x = np.array(xs, dtype=np.float64)
assert x.size == N_TARGET, x.size
erf = np.array([libm.erf(float(v)) for v in x], dtype=np.float64)
erfc = np.array([libm.erfc(float(v)) for v in x], dtype=np.float64)
# Cross-check: Python's math.erf is glibc's erf.
for v, e in zip(x[:2000], erf[:2000]):
    assert np.float64(math.erf(float(v))).view(np.uint64) == np.float64(e).view(np.uint64) or math.isnan(e)

rec = np.stack([x.view(np.uint64), erf.view(np.uint64), erfc.view(np.uint64)], axis=1).astype("<u8")
os.makedirs(os.path.dirname(os.path.abspath(OUT)), exist_ok=True)
write_atomic(OUT, rec.tobytes())
print(f"wrote {OUT}: {x.size} records, glibc {libc.gnu_get_libc_version().decode()}, "
      f"python {platform.python_version()}, numpy {np.__version__}")

rel = os.path.relpath(os.path.abspath(OUT), DATA)
if not rel.startswith(".."):
    # The Debian package version of glibc (e.g. 2.36-9+deb12u14), else glibc's own version string.
    dpkg = subprocess.run(["dpkg-query", "-W", "-f=${Version}", "libc6"], capture_output=True, text=True, check=False)
    glibc = dpkg.stdout.strip() if dpkg.returncode == 0 and dpkg.stdout.strip() else libc.gnu_get_libc_version().decode()
    update_manifest(__file__, [rel.replace(os.sep, "/")], "glibc %s (%s libm erf/erfc), Python %s, numpy %s" % (
        glibc, platform.machine().replace("_", "-"), platform.python_version(), np.__version__))

# trunc_normal_'s norm_cdf at its two bounds, as torch.nn.init._no_grad_trunc_normal_ computes them.
def norm_cdf(v):
    return (1.0 + math.erf(v / math.sqrt(2.0))) / 2.0

for a, b, mean, std in [(-2.0, 2.0, 0.0, 1.0), (-1.0, 3.0, 0.5, 2.0), (-0.04, 0.04, 0.0, 0.02), (0.0, 1.0, 0.0, 1.0)]:
    l, u = norm_cdf((a - mean) / std), norm_cdf((b - mean) / std)
    bits = lambda f: "0x%016X" % np.float64(f).view(np.uint64)
    print(f"norm_cdf a={a} b={b} mean={mean} std={std}: l={bits(l)} ({l!r}) u={bits(u)} ({u!r})")
