#!/usr/bin/python3
"""Reference model of PyTorch 2.x's float32 `erfinv` on x86-64 CPU builds that link MKL (official wheels, libtorch).

What 2.x runs (read in pytorch/pytorch, confirmed by experiment in FINDINGS.md): `Tensor.erfinv_` on a float32 tensor
goes through the `IMPLEMENT_FLOAT_KERNEL(erfinv)` path of aten/src/ATen/native/cpu/UnaryOpsKernel.cpp to
`at::vml::verfinv` (aten/src/ATen/cpu/vml.h), which in MKL builds is `IMPLEMENT_VML_MKL(erfinv, ErfInv)`:
MKL VML `vmsErfInv(n, in, out, VML_HA | VML_FTZDAZ_OFF | VML_ERRMODE_IGNORE)`. Builds without MKL (Debian's, ARM)
still use `calc_erfinv<float>` (Pavlis + 2 Newton steps, see /work/shared/parity/ref.py `erfinv_f32`).

MKL's algorithm is closed source. The model here is the best open rule found: the correctly rounded erfinv, with
MKL's special-value conventions. It equals libtorch 2.10 (MKL 2024.2) on all but about 0.03 % of float32 inputs;
on those, the exact erfinv lies within 0.003 half-ulp of a float32 rounding midpoint and MKL rounds the other way
(so MKL's internal result has a relative error of roughly 1e-10 and it is not correctly rounded there).

Special values (as MKL returns them): |y| > 1 and +-inf give the x86 default NaN 0xFFC00000 (sign bit set);
a NaN input is returned unchanged; +-1 give +-inf; +-0 give +-0; subnormal inputs are not flushed.
"""
import mpmath
import numpy as np
import scipy.special as sp

F32 = np.float32


def erfinv_double(y):
    """erfinv(y) in double, accurate to a few double ulps, for float32 inputs y with |y| < 1.

    Starts from scipy's erfinv and takes three Newton steps on erf(x) = |y| (|y| <= 0.5) or on
    erfc(x) = 1 - |y| (|y| > 0.5; 1 - |y| is exact for a float32 |y|), so no accuracy is lost near |y| = 1."""
    y = np.asarray(y, np.float64)
    a = np.abs(y)
    x = sp.erfinv(a)
    big = a > 0.5
    for _ in range(3):
        d = 2.0 / np.sqrt(np.pi) * np.exp(-x * x)
        r = np.where(big, sp.erfc(x) - (1.0 - a), sp.erf(x) - a)
        x = x - r / d
    return np.copysign(x, y)


def correctly_rounded(y):
    """(float32 correctly rounded erfinv, the double approximation) for float32 y with |y| < 1.

    Where the double result is within 1e-6 float32 ulp of a rounding boundary, the exact value is taken from
    mpmath at 120 bits instead."""
    y = np.asarray(y, F32)
    xd = erfinv_double(y)
    xf = xd.astype(F32)
    lo = np.nextafter(xf, F32(-np.inf)).astype(np.float64)
    hi = np.nextafter(xf, F32(np.inf)).astype(np.float64)
    xfd = xf.astype(np.float64)
    mid = np.where(xd >= xfd, (xfd + hi) / 2, (xfd + lo) / 2)
    ulp = (hi - lo) / 2
    with np.errstate(invalid="ignore"):
        dist = np.abs(xd - mid) / ulp
    amb = np.nonzero(dist < 1e-6)[0]
    if len(amb):
        mpmath.mp.prec = 120
        for i in amb:
            exact = mpmath.erfinv(mpmath.mpf(float(y[i])))
            # 120-bit value -> float32 through a decimal string with 30 digits (no double rounding in practice)
            xf[i] = F32(np.float64(mpmath.nstr(exact, 30)))
    return xf, xd


def load_exceptions(path):
    """Sorted uint32 bit patterns of the positive float32 inputs where MKL is not correctly rounded, as written by
    erfinv_sweep.py (a measurement of libtorch 2.10 / MKL 2024.2, not derived from MKL's code)."""
    return np.sort(np.fromfile(path, dtype="<u4"))


def erfinv2_f32(y, exceptions=None):
    """Model of PyTorch 2.x (MKL) `torch.erfinv` on a float32 array: correctly rounded, MKL's special values.

    With `exceptions` (load_exceptions), inputs whose |y| is listed get the other float32 neighbour of the exact
    value (the one MKL returns); MKL is odd-symmetric bit for bit, so only positive inputs are listed."""
    y = np.asarray(y, F32)
    out = np.empty_like(y)
    a = np.abs(y)
    inside = a < 1
    cr, xd = correctly_rounded(y[inside])
    if exceptions is not None and len(exceptions):
        abits = a[inside].view(np.uint32)
        pos = np.searchsorted(exceptions, abits)
        hit = (pos < len(exceptions)) & (exceptions[np.minimum(pos, len(exceptions) - 1)] == abits)
        toward = np.where(xd[hit] > cr[hit].astype(np.float64), F32(np.inf), F32(-np.inf))
        cr[hit] = np.nextafter(cr[hit], toward)
    out[inside] = cr
    out[a == 1] = np.copysign(F32(np.inf), y[a == 1])
    bad = (a > 1) & ~np.isnan(y)
    out.view(np.uint32)[bad] = np.uint32(0xFFC00000)
    nan = np.isnan(y)
    out.view(np.uint32)[nan] = y.view(np.uint32)[nan]
    return out
