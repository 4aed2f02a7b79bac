#!/usr/bin/python3
"""Golden fixtures for issue 15 (autograd, differentiable ops, Transformer blocks), made by PyTorch 1.13.

Re-run:  /usr/bin/python3 tools/goldens/make_autograd.py        (Debian: apt-get install python3-torch)
Writes:  tests/data/autograd/{cases.json,modules.json,paths.json,README.md} and updates tests/data/MANIFEST.

Conventions (as make_layers.py): float32 arrays are {"shape", "b64"} with little-endian float32 bytes in base64;
float64 references are {"shape", "b64f64"}; integer/bool tensors are {"shape", "ints"} (nested-free, row-major).
torch.set_num_threads(1); reference BLAS (Debian libblas3) is what torch must call for mm: the script pins it (see REF_DIRS).

cases.json "ops": each case has the exact Python expression "expr" evaluated with the named inputs (float inputs are
leaves with requires_grad, listed in "inputs"; integer/bool/constant inputs in "consts"), the float32 outputs
("outs", one per output of the expression, a tuple gives several), the upstream gradients "g" (one per float output,
torch.randn after the inputs), and "grads" = d/d input of sum_i (outs[i] * g[i]).sum(). "f64" holds the same
computation in float64 (outs64/grads64) and "err" the max abs / max ulp of the float32 values against it.
Inputs are stored (seed given for information only).
"""
import base64
import copy
import hashlib
import json
import math
import os
import sys
import warnings

# Goldens must use the reference (netlib) BLAS/LAPACK. Installing libopenblas0-pthread silently switches the Debian
# libblas.so.3 alternative to OpenBLAS (whose sgemm gives different bits), so this script pins the netlib libraries for
# its own process through LD_LIBRARY_PATH (re-exec before torch is loaded) and checks what was loaded.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from goldens import loaded_reference_blas, pin_reference_blas  # noqa: E402

if __name__ == "__main__":
    pin_reference_blas()

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from goldens import update_manifest, write_atomic  # noqa: E402

warnings.filterwarnings("ignore")
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
OUT = os.path.join(ROOT, "tests", "data", "autograd")
NINF = float("-inf")


def arr(t):
    a = t.detach().cpu().numpy() if isinstance(t, torch.Tensor) else np.asarray(t)
    shape = list(np.shape(a))
    if a.dtype == np.float64:
        return {"shape": shape, "b64f64": base64.b64encode(np.ascontiguousarray(a, dtype="<f8").tobytes()).decode()}
    if a.dtype.kind in "iub":
        return {"shape": shape, "ints": [int(v) for v in a.reshape(-1)]}
    a = np.ascontiguousarray(a, dtype="<f4")
    return {"shape": shape, "b64": base64.b64encode(a.tobytes()).decode()}


def err(a32, r64):
    """max |a - r| and max |a - r| in units of float32 spacing at r, over finite entries (NaN/inf must match)."""
    a = a32.detach().double().numpy().reshape(-1)
    r = r64.detach().double().numpy().reshape(-1)
    fin = np.isfinite(r)
    same_nonfinite = bool(np.all((a[~fin] == r[~fin]) | (np.isnan(a[~fin]) & np.isnan(r[~fin]))))
    if not fin.any():
        return {"max_abs": 0.0, "max_ulp": 0.0, "nonfinite_match": same_nonfinite}
    d = np.abs(a[fin] - r[fin])
    sp = np.spacing(np.abs(r[fin]).astype(np.float32)).astype(np.float64)
    return {"max_abs": float(d.max()), "max_ulp": float(np.round((d / sp).max(), 3)), "nonfinite_match": same_nonfinite}


def gen(spec):
    """Input generators (torch.manual_seed set by the caller): a shape -> randn; ('pos', shape) -> rand*1.5+0.25;
    ('vals', nested list) -> constant; ('scale', k, shape) -> randn*k."""
    if isinstance(spec, tuple) and spec and isinstance(spec[0], str):
        if spec[0] == "pos":
            return torch.rand(tuple(spec[1])) * 1.5 + 0.25
        if spec[0] == "vals":
            return torch.tensor(spec[1], dtype=torch.float32)
        if spec[0] == "scale":
            return torch.randn(tuple(spec[2])) * spec[1]
        raise ValueError(spec)
    return torch.randn(tuple(spec))


ENV = {"torch": torch, "F": F, "math": math, "NINF": NINF}


def outs_of(o):
    return list(o) if isinstance(o, (tuple, list)) else [o]


def op_case(name, expr, seed, inputs, consts=None, f64=True, post=None, reseed=None, note=None):
    torch.manual_seed(seed)
    leaves = {k: gen(s) for k, s in inputs.items()}
    consts = consts or {}
    init = {k: arr(v) for k, v in leaves.items()}
    x32 = {k: v.clone().requires_grad_(True) for k, v in leaves.items()}
    fn = eval("lambda " + ", ".join(list(inputs) + list(consts)) + ": " + expr, ENV)
    # the f64 copy is made from the same values before the f32 call (max_norm modifies its weight in place)
    x64 = {k: v.double().requires_grad_(True) for k, v in leaves.items()}
    if reseed is not None:
        torch.manual_seed(reseed)
    outs = outs_of(fn(**x32, **consts))
    gs = [torch.randn(o.shape) if o.is_floating_point() else None for o in outs]
    loss = sum((o * g).sum() for o, g in zip(outs, gs) if g is not None and o.requires_grad)
    names = list(x32)
    grads = torch.autograd.grad(loss, [x32[n] for n in names], allow_unused=True)
    c = {"name": name, "expr": expr, "seed": seed, "inputs": init,
         "consts": {k: (arr(v) if isinstance(v, torch.Tensor) else v) for k, v in consts.items()},
         "outs": [arr(o) for o in outs], "g": [None if g is None else arr(g) for g in gs],
         "grads": {n: (None if gr is None else arr(gr)) for n, gr in zip(names, grads)}}
    if note:
        c["note"] = note
    if post:  # inputs modified in place by the call (embedding max_norm)
        c["inputs_after_forward"] = {k: arr(x32[k]) for k in post}
    if f64:
        outs64 = outs_of(fn(**x64, **consts))
        loss64 = sum((o * g.double()).sum() for o, g in zip(outs64, gs) if g is not None and o.requires_grad)
        grads64 = torch.autograd.grad(loss64, [x64[n] for n in names], allow_unused=True)
        c["f64"] = {"outs": [arr(o) if o.is_floating_point() else None for o in outs64],
                    "grads": {n: (None if gr is None else arr(gr)) for n, gr in zip(names, grads64)}}
        c["err"] = {"outs": [err(o, o64) if o.is_floating_point() else None for o, o64 in zip(outs, outs64)],
                    "grads": {n: (None if a is None else err(a, b)) for n, a, b in zip(names, grads, grads64)}}
    return c


def op_cases():
    C = []
    add = C.append
    # 1. elementwise with broadcasting
    add(op_case("add_3x4_4", "a + b", 100, {"a": (3, 4), "b": (4,)}))
    add(op_case("sub_2x1x5_3x1", "a - b", 101, {"a": (2, 1, 5), "b": (3, 1)}))
    add(op_case("mul_2x1x5_3x1", "a * b", 102, {"a": (2, 1, 5), "b": (3, 1)}))
    add(op_case("div_3x4_4", "a / b", 103, {"a": (3, 4), "b": ("pos", (4,))}))
    add(op_case("div_2x1x5_3x1", "a / b", 104, {"a": (2, 1, 5), "b": ("pos", (3, 1))}))
    add(op_case("add_scalar_tensor", "2.5 + a", 105, {"a": (3, 4)}))
    add(op_case("mul_0d_tensor", "a * b", 106, {"a": (), "b": (3, 4)}))
    add(op_case("rsub_scalar", "1.5 - a", 107, {"a": (2, 3)}))
    add(op_case("rdiv_scalar", "3.0 / a", 108, {"a": ("pos", (2, 3))}))
    add(op_case("neg", "-a", 109, {"a": (3, 4)}))
    add(op_case("pow_tensor_exponent", "torch.pow(a, b)", 110, {"a": ("pos", (3, 4)), "b": (4,)}))
    add(op_case("pow_scalar_3", "a ** 3", 111, {"a": (3, 4)}))
    add(op_case("pow_scalar_2", "a ** 2", 112, {"a": (3, 4)}))
    add(op_case("pow_scalar_2p5", "a ** 2.5", 113, {"a": ("pos", (3, 4))}))
    add(op_case("pow_scalar_m1p5", "a ** -1.5", 114, {"a": ("pos", (3, 4))}))
    add(op_case("pow_scalar_0p5", "a ** 0.5", 115, {"a": ("pos", (3, 4))}))
    add(op_case("exp", "torch.exp(a)", 116, {"a": (3, 4)}))
    add(op_case("log", "torch.log(a)", 117, {"a": ("pos", (3, 4))}))
    add(op_case("sqrt", "torch.sqrt(a)", 118, {"a": ("pos", (3, 4))}))
    add(op_case("tanh", "torch.tanh(a)", 119, {"a": ("scale", 2.0, (3, 4))}))
    add(op_case("sigmoid", "torch.sigmoid(a)", 120, {"a": ("scale", 3.0, (3, 4))}))
    add(op_case("relu", "torch.relu(a)", 121, {"a": (3, 4)}))
    add(op_case("relu_zeros", "torch.relu(a)", 122, {"a": ("vals", [[-1.0, 0.0, -0.0, 2.0], [0.0, 3.0, -2.0, 0.5]])},
                note="relu'(0) = 0 in torch (grad of an exact 0 input is 0)"))
    add(op_case("gelu_none", "F.gelu(a)", 123, {"a": ("scale", 2.0, (3, 4))}))
    add(op_case("gelu_tanh", "F.gelu(a, approximate='tanh')", 124, {"a": ("scale", 2.0, (3, 4))}))
    add(op_case("silu", "F.silu(a)", 125, {"a": ("scale", 2.0, (3, 4))}))
    add(op_case("noncontig_transpose_mul", "a.t() * b", 126, {"a": (4, 3), "b": (4,)},
                note="a is stored (4,3); the op sees its transposed (3,4) non-contiguous view"))
    add(op_case("noncontig_transpose_tanh_add", "torch.tanh(a.t()) + b", 127, {"a": (4, 3), "b": (3, 1)}))
    add(op_case("noncontig_exp_div", "torch.exp(a.transpose(0, 1)) / b", 128, {"a": (5, 2, 3), "b": ("pos", (3,))}))
    add(op_case("chain_reuse", "a * a + torch.sin(a) * b", 129, {"a": (3, 4), "b": (3, 4)},
                note="a used three times: its grad accumulates several contributions"))
    # 2. reductions
    for kd in (False, True):
        add(op_case(f"sum_dim1_keepdim{kd}", f"a.sum(dim=1, keepdim={kd})", 200, {"a": (2, 3, 4)}))
        add(op_case(f"sum_dim02_keepdim{kd}", f"a.sum(dim=(0, 2), keepdim={kd})", 201, {"a": (2, 3, 4)}))
        add(op_case(f"mean_dimm1_keepdim{kd}", f"a.mean(dim=-1, keepdim={kd})", 202, {"a": (2, 3, 4)}))
        add(op_case(f"max_dim1_keepdim{kd}", f"torch.max(a, dim=1, keepdim={kd})", 203, {"a": (2, 3, 4)}))
        for ub in (True, False):
            add(op_case(f"var_dim1_unbiased{ub}_keepdim{kd}", f"torch.var(a, dim=1, unbiased={ub}, keepdim={kd})", 204,
                        {"a": (2, 3, 4)}))
    add(op_case("sum_full", "a.sum()", 205, {"a": (2, 3, 4)}))
    add(op_case("mean_full", "a.mean()", 206, {"a": (2, 3, 4)}))
    add(op_case("max_full", "a.max()", 207, {"a": (2, 3, 4)}))
    add(op_case("var_full_unbiased", "torch.var(a)", 208, {"a": (2, 3, 4)}))
    add(op_case("var_full_biased", "torch.var(a, unbiased=False)", 209, {"a": (2, 3, 4)}))
    add(op_case("sum_large_1000", "a.sum()", 210, {"a": (1000,)}))
    add(op_case("mean_dim0_300x7", "a.mean(dim=0)", 211, {"a": (300, 7)}))
    ties = ("vals", [[1.0, 3.0, 3.0, 0.0], [2.0, 2.0, 2.0, -1.0], [5.0, 1.0, 5.0, 5.0]])
    add(op_case("max_dim1_ties", "torch.max(a, dim=1)", 212, {"a": ties},
                note="max(dim) routes the whole grad to the returned index (see outs[1])"))
    add(op_case("max_dim0_ties", "torch.max(a, dim=0)", 213, {"a": ties}))
    add(op_case("max_full_ties", "a.max()", 214, {"a": ties},
                note="full max() splits the grad evenly among all tied maxima"))
    add(op_case("amax_dim1_ties", "torch.amax(a, dim=1)", 215, {"a": ties},
                note="amax(dim) splits the grad evenly among tied maxima"))
    # 3. matmul family
    add(op_case("matmul_2d", "a @ b", 300, {"a": (5, 7), "b": (7, 3)}))
    add(op_case("matmul_2d_16x40x12", "a @ b", 301, {"a": (16, 40), "b": (40, 12)}))
    add(op_case("matmul_3d_bcast_batch", "a @ b", 302, {"a": (1, 4, 5), "b": (3, 5, 6)}))
    add(op_case("matmul_3d", "a @ b", 303, {"a": (2, 4, 5), "b": (2, 5, 3)}))
    add(op_case("matmul_4d_3d_bcast", "a @ b", 304, {"a": (2, 1, 4, 5), "b": (3, 5, 2)}))
    add(op_case("matmul_vec_mat", "a @ b", 305, {"a": (5,), "b": (5, 3)}))
    add(op_case("matmul_mat_vec", "a @ b", 306, {"a": (4, 5), "b": (5,)}))
    add(op_case("matmul_dot", "a @ b", 307, {"a": (5,), "b": (5,)}))
    add(op_case("matmul_3d_vec", "a @ b", 308, {"a": (2, 4, 5), "b": (5,)}))
    add(op_case("matmul_vec_3d", "a @ b", 309, {"a": (5,), "b": (2, 5, 3)}))
    add(op_case("bmm", "torch.bmm(a, b)", 310, {"a": (3, 4, 5), "b": (3, 5, 2)}))
    add(op_case("bmm_larger", "torch.bmm(a, b)", 311, {"a": (2, 8, 16), "b": (2, 16, 8)}))
    add(op_case("linear_bias", "F.linear(x, w, b)", 312, {"x": (2, 3, 8), "w": (5, 8), "b": (5,)}))
    add(op_case("linear_nobias", "F.linear(x, w)", 313, {"x": (2, 3, 8), "w": (5, 8)}))
    add(op_case("linear_1d_input", "F.linear(x, w, b)", 314, {"x": (8,), "w": (5, 8), "b": (5,)}))
    # 4. shape ops
    add(op_case("reshape", "a.reshape(4, 6) * b", 400, {"a": (2, 3, 4), "b": (6,)}))
    add(op_case("view", "a.view(2, 12)", 401, {"a": (6, 4)}))
    add(op_case("transpose", "a.transpose(0, 2)", 402, {"a": (2, 3, 4)}))
    add(op_case("permute", "a.permute(2, 0, 1)", 403, {"a": (2, 3, 4)}))
    add(op_case("contiguous", "a.t().contiguous().view(-1)", 404, {"a": (3, 4)}))
    add(op_case("cat_dim1", "torch.cat([a, b], dim=1)", 405, {"a": (2, 3), "b": (2, 5)}))
    add(op_case("cat_dim0", "torch.cat([a, b, a], dim=0)", 406, {"a": (2, 3), "b": (1, 3)}))
    add(op_case("stack_dim1", "torch.stack([a, b, c], dim=1)", 407, {"a": (2, 3), "b": (2, 3), "c": (2, 3)}))
    add(op_case("split_sizes", "torch.split(a, [2, 3, 1], dim=1)", 408, {"a": (3, 6)}))
    add(op_case("split_chunk", "torch.split(a, 2, dim=0)", 409, {"a": (5, 3)}))
    add(op_case("split_one_used", "torch.split(a, 2, dim=0)[1] * 2.0", 410, {"a": (5, 3)},
                note="only one piece used: the other rows get zero grad"))
    add(op_case("narrow", "a.narrow(1, 1, 3)", 411, {"a": (3, 5)}))
    add(op_case("index_select_dup", "torch.index_select(a, 0, idx)", 412, {"a": (4, 3)},
                {"idx": torch.tensor([2, 0, 2, 1, 2])}))
    add(op_case("gather_dup", "torch.gather(a, 1, idx)", 413, {"a": (3, 4)},
                {"idx": torch.tensor([[0, 0, 3], [1, 2, 1], [3, 3, 3]])}))
    add(op_case("masked_fill_bcast", "a.masked_fill(mask, -1.5)", 414, {"a": (3, 4)},
                {"mask": torch.tensor([True, False, False, True])}))
    add(op_case("masked_fill_ninf_softmax", "torch.softmax(a.masked_fill(mask, NINF), dim=-1)", 415, {"a": (3, 4)},
                {"mask": torch.tensor([[False, True, False, True], [False, False, False, False], [True, True, True, False]])}))
    # 5. softmax, log_softmax, layer_norm, dropout
    for d in (0, 1, -1):
        add(op_case(f"softmax_dim{d}", f"torch.softmax(a, dim={d})", 500, {"a": ("scale", 2.0, (2, 3, 5))}))
        add(op_case(f"log_softmax_dim{d}", f"torch.log_softmax(a, dim={d})", 501, {"a": ("scale", 2.0, (2, 3, 5))}))
    add(op_case("softmax_large_logits", "torch.softmax(a, dim=-1)", 502, {"a": ("scale", 30.0, (3, 6))}))
    add(op_case("layer_norm_noaffine", "F.layer_norm(x, (5,))", 503, {"x": (2, 3, 5)}))
    add(op_case("layer_norm_affine", "F.layer_norm(x, (5,), w, b)", 504, {"x": (2, 3, 5), "w": (5,), "b": (5,)}))
    add(op_case("layer_norm_2d_affine", "F.layer_norm(x, (3, 5), w, b)", 505, {"x": (2, 3, 5), "w": (3, 5), "b": (3, 5)}))
    add(op_case("layer_norm_offset", "F.layer_norm(x + 100.0, (8,))", 506, {"x": (4, 8)},
                note="large mean: tests the variance algorithm (torch uses Welford-style moments)"))
    add(op_case("dropout_p0.5_seed7", "F.dropout(a, 0.5, training=True)", 507, {"a": (4, 8)}, f64=False, reseed=7,
                note="torch.manual_seed(7) immediately before the call; mask = outs[0] != 0; kept values a*2 "
                     "(layers/cases.json covers dropout RNG in depth)"))
    # 6. losses
    logits = ("scale", 2.0, (6, 5))
    tg = torch.tensor([0, 4, 2, 1, 3, 3])
    tgi = torch.tensor([0, -100, 2, 1, -100, 3])
    for r in ("mean", "sum", "none"):
        add(op_case(f"cross_entropy_{r}", f"F.cross_entropy(x, t, reduction='{r}')", 600, {"x": logits}, {"t": tg}))
        add(op_case(f"cross_entropy_ignore_{r}", f"F.cross_entropy(x, t, reduction='{r}')", 601, {"x": logits}, {"t": tgi}))
        add(op_case(f"cross_entropy_ls0.1_{r}", f"F.cross_entropy(x, t, reduction='{r}', label_smoothing=0.1)", 602,
                    {"x": logits}, {"t": tgi}))
        add(op_case(f"mse_{r}", f"F.mse_loss(x, y, reduction='{r}')", 603, {"x": (3, 4), "y": (3, 4)}))
        add(op_case(f"bce_logits_{r}", f"F.binary_cross_entropy_with_logits(x, y, reduction='{r}')", 604,
                    {"x": ("scale", 3.0, (3, 4)), "y": ("vals", [[0.0, 1.0, 1.0, 0.0], [0.3, 1.0, 0.0, 0.9], [1.0, 0.0, 0.5, 1.0]])}))
        add(op_case(f"bce_logits_posw_{r}", f"F.binary_cross_entropy_with_logits(x, y, reduction='{r}', pos_weight=pw)", 605,
                    {"x": ("scale", 3.0, (3, 4)), "y": ("vals", [[0.0, 1.0, 1.0, 0.0], [0.3, 1.0, 0.0, 0.9], [1.0, 0.0, 0.5, 1.0]])},
                    {"pw": torch.tensor([0.5, 1.0, 2.0, 3.0])}))
    add(op_case("cross_entropy_ignore_index2", "F.cross_entropy(x, t, ignore_index=2)", 606, {"x": logits}, {"t": tg}))
    add(op_case("cross_entropy_ls0.1_ignore2", "F.cross_entropy(x, t, ignore_index=2, label_smoothing=0.1)", 607,
                {"x": logits}, {"t": tg}))
    add(op_case("cross_entropy_NCd", "F.cross_entropy(x, t)", 608, {"x": (2, 5, 3)},
                {"t": torch.tensor([[0, 4, 1], [2, -100, 3]])}))
    # 7. embedding / embedding_bag
    idx = torch.tensor([[1, 3, 3, 0], [6, 0, 2, 3]])
    add(op_case("embedding", "F.embedding(i, w)", 700, {"w": (7, 4)}, {"i": idx}))
    add(op_case("embedding_padding0", "F.embedding(i, w, padding_idx=0)", 701, {"w": (7, 4)}, {"i": idx}))
    add(op_case("embedding_max_norm1", "F.embedding(i, w, max_norm=1.0)", 702, {"w": ("scale", 1.5, (7, 4))}, {"i": idx},
                post=["w"], note="max_norm renormalises rows of w IN PLACE before the lookup; grads are w.r.t. the "
                                 "renormalised w (no grad through the renorm)"))
    add(op_case("embedding_max_norm1_p1_pad0", "F.embedding(i, w, padding_idx=0, max_norm=1.0, norm_type=1.0)", 703,
                {"w": ("scale", 1.5, (7, 4))}, {"i": idx}, post=["w"]))
    bi = torch.tensor([1, 3, 3, 0, 6, 2, 5, 5, 4])
    off = torch.tensor([0, 3, 3, 7])  # bag 1 empty
    for m in ("sum", "mean", "max"):
        add(op_case(f"embedding_bag_{m}", f"F.embedding_bag(i, w, o, mode='{m}')", 704, {"w": (7, 4)}, {"i": bi, "o": off},
                    note="bags [0,3) [3,3) (empty) [3,7) [7,9)"))
        add(op_case(f"embedding_bag_{m}_pad3", f"F.embedding_bag(i, w, o, mode='{m}', padding_idx=3)", 705, {"w": (7, 4)},
                    {"i": bi, "o": off}))
    add(op_case("embedding_bag_2d_mean", "F.embedding_bag(i, w, mode='mean')", 706, {"w": (7, 4)}, {"i": idx}))
    add(op_case("embedding_bag_psw_sum", "F.embedding_bag(i, w, o, mode='sum', per_sample_weights=p)", 707,
                {"w": (7, 4), "p": (9,)}, {"i": bi, "o": off}))
    add(op_case("embedding_bag_psw_sum_pad3", "F.embedding_bag(i, w, o, mode='sum', per_sample_weights=p, padding_idx=3)", 708,
                {"w": (7, 4), "p": (9,)}, {"i": bi, "o": off}))
    # 8. attention, explicit
    att = "torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1]) + mask, dim=-1) @ v"
    B, H, L, D = 2, 2, 5, 8
    causal = torch.full((L, L), NINF).triu(1)
    kpm = torch.zeros(B, 1, 1, L)
    kpm[1, :, :, 3:] = NINF
    qkv = {"q": (B, H, L, D), "k": (B, H, L, D), "v": (B, H, L, D)}
    add(op_case("attention_causal", att, 800, qkv, {"mask": causal}))
    add(op_case("attention_key_padding", att, 801, qkv, {"mask": kpm}, note="batch 1: keys 3,4 padded"))
    add(op_case("attention_causal_and_padding", att, 802, qkv, {"mask": causal + kpm}))
    add(op_case("attention_nomask", att.replace(" + mask", ""), 803, qkv))
    return C


# ---------------------------------------------------------------------------------------------------------- modules
def sd(m):
    return [{"name": k, "shape": list(v.shape)} for k, v in m.state_dict().items()]


def params_arr(m):
    return {k: arr(v) for k, v in m.state_dict().items()}


def module_run(m, fwd, inputs, seed_g):
    """fwd(m, *inputs) -> tensor; grads of every named parameter and float input for (out*g).sum()."""
    xs = [x.clone().requires_grad_(x.is_floating_point()) for x in inputs]
    m.zero_grad(set_to_none=True)
    out = fwd(m, *xs)
    torch.manual_seed(seed_g)
    g = torch.randn(out.shape)
    (out * g).sum().backward()
    rec = {"out": arr(out), "g": arr(g), "grad_inputs": [arr(x.grad) if x.grad is not None else None for x in xs],
           "grads": {n: arr(p.grad) for n, p in m.named_parameters() if p.grad is not None}}
    # float64 check of the same computation
    m64 = copy.deepcopy(m).double()
    x64 = [x.detach().double().requires_grad_(True) if x.is_floating_point() else x for x in inputs]
    o64 = fwd(m64, *x64)
    (o64 * g.double()).sum().backward()
    rec["err"] = {"out": err(out, o64),
                  "grads": {n: err(p.grad, dict(m64.named_parameters())[n].grad) for n, p in m.named_parameters()
                            if p.grad is not None}}
    return rec


class Block(nn.Module):
    """Tiny decoder-only LM: tied embedding, pre-norm causal self-attention + GELU MLP, final LayerNorm, tied head."""

    def __init__(self, vocab=20, d=16, heads=4, ff=32, maxlen=8):
        super().__init__()
        self.tok = nn.Embedding(vocab, d)
        self.pos = nn.Embedding(maxlen, d)
        self.ln1 = nn.LayerNorm(d)
        self.attn = nn.MultiheadAttention(d, heads, dropout=0.0, batch_first=True)
        self.ln2 = nn.LayerNorm(d)
        self.fc1 = nn.Linear(d, ff)
        self.fc2 = nn.Linear(ff, d)
        self.lnf = nn.LayerNorm(d)
        self.head = nn.Linear(d, vocab, bias=False)
        self.head.weight = self.tok.weight  # tied

    def forward(self, ids):
        L = ids.shape[1]
        h = self.tok(ids) + self.pos(torch.arange(L))
        causal = torch.ones(L, L, dtype=torch.bool).triu(1)
        a = self.ln1(h)
        h = h + self.attn(a, a, a, attn_mask=causal, need_weights=False)[0]
        h = h + self.fc2(F.gelu(self.fc1(self.ln2(h))))
        return self.head(self.lnf(h))


BLOCK_SRC = """class Block(nn.Module):  (tools/goldens/make_autograd.py)
  tok=Embedding(20,16), pos=Embedding(8,16), ln1=LayerNorm(16), attn=MultiheadAttention(16,4,batch_first=True),
  ln2=LayerNorm(16), fc1=Linear(16,32), fc2=Linear(32,16), lnf=LayerNorm(16), head=Linear(16,20,bias=False),
  head.weight = tok.weight (tied; constructed in this order after torch.manual_seed(seed)).
  forward(ids): h = tok(ids) + pos(arange(L)); causal = ones(L,L,bool).triu(1)
    a = ln1(h); h = h + attn(a,a,a, attn_mask=causal, need_weights=False)[0]
    h = h + fc2(gelu(fc1(ln2(h)))); return head(lnf(h))"""


def lr_lambda(step, warmup=2, total=6):
    if step < warmup:
        return (step + 1) / warmup
    return 0.5 * (1.0 + math.cos(math.pi * (step - warmup) / (total - warmup)))


def module_cases():
    M = {}
    # LayerNorm
    torch.manual_seed(900)
    ln = nn.LayerNorm(6)
    with torch.no_grad():  # non-trivial affine params
        ln.weight.copy_(torch.randn(6))
        ln.bias.copy_(torch.randn(6))
    x = torch.randn(2, 3, 6)
    M["layernorm"] = {"ctor": "nn.LayerNorm(6) (eps 1e-5), weight/bias = randn after construction", "state_dict": sd(ln),
                      "params": params_arr(ln), "x": arr(x), **module_run(ln, lambda m, x: m(x), [x], 901)}
    # MultiheadAttention
    torch.manual_seed(910)
    mha = nn.MultiheadAttention(16, 4, dropout=0.0, batch_first=True)
    with torch.no_grad():  # default biases are zero: make them non-trivial
        mha.in_proj_bias.copy_(torch.randn(48) * 0.1)
        mha.out_proj.bias.copy_(torch.randn(16) * 0.1)
    q, k, v = torch.randn(2, 5, 16), torch.randn(2, 6, 16), torch.randn(2, 6, 16)
    kpm = torch.tensor([[False] * 6, [False, False, False, False, True, True]])
    am_bool = torch.tensor([[j > i + 1 for j in range(6)] for i in range(5)])
    am_float = torch.randn(5, 6) * 0.5
    mrec = {"ctor": "nn.MultiheadAttention(16, 4, dropout=0.0, batch_first=True); torch.manual_seed(910); then "
                    "in_proj_bias = randn(48)*0.1, out_proj.bias = randn(16)*0.1",
            "state_dict": sd(mha), "params": params_arr(mha), "q": arr(q), "k": arr(k), "v": arr(v),
            "key_padding_mask": arr(kpm), "attn_mask_bool": arr(am_bool), "attn_mask_float": arr(am_float), "runs": {}}
    mrec["runs"]["self_noweights"] = {"call": "mha(q, q, q, need_weights=False)[0]",
                                      **module_run(mha, lambda m, q: m(q, q, q, need_weights=False)[0], [q], 911)}
    mrec["runs"]["cross_kpm_boolmask"] = {"call": "mha(q, k, v, key_padding_mask=kpm, attn_mask=attn_mask_bool, need_weights=False)[0]",
                                          **module_run(mha, lambda m, q, k, v: m(q, k, v, key_padding_mask=kpm, attn_mask=am_bool,
                                                                                 need_weights=False)[0], [q, k, v], 912)}
    mrec["runs"]["cross_kpm_floatmask"] = {"call": "mha(q, k, v, key_padding_mask=kpm, attn_mask=attn_mask_float, need_weights=False)[0]",
                                           **module_run(mha, lambda m, q, k, v: m(q, k, v, key_padding_mask=kpm, attn_mask=am_float,
                                                                                  need_weights=False)[0], [q, k, v], 913)}
    w_out, w_att = mha(q, k, v, key_padding_mask=kpm, need_weights=True)
    mrec["runs"]["weights_averaged"] = {"call": "mha(q, k, v, key_padding_mask=kpm, need_weights=True) -> (out, weights averaged over heads)",
                                        "out": arr(w_out), "weights": arr(w_att)}
    M["multihead_attention"] = mrec
    # TransformerEncoderLayer
    M["encoder_layers"] = []
    for i, (nf, act) in enumerate([(False, "relu"), (True, "relu"), (False, "gelu"), (True, "gelu")]):
        torch.manual_seed(920 + i)
        enc = nn.TransformerEncoderLayer(16, 4, dim_feedforward=32, dropout=0.0, activation=act, batch_first=True,
                                         norm_first=nf)
        x = torch.randn(2, 5, 16)
        kp = torch.tensor([[False] * 5, [False, False, False, True, True]])
        rec = {"ctor": f"torch.manual_seed({920 + i}); nn.TransformerEncoderLayer(16, 4, dim_feedforward=32, dropout=0.0, "
                       f"activation='{act}', batch_first=True, norm_first={nf}); x = randn(2,5,16)",
               "norm_first": nf, "activation": act, "state_dict": sd(enc), "params": params_arr(enc), "x": arr(x),
               "src_key_padding_mask": arr(kp), "runs": {}}
        rec["runs"]["plain"] = {"call": "enc(x)", **module_run(enc, lambda m, x: m(x), [x], 930 + i)}
        rec["runs"]["key_padding"] = {"call": "enc(x, src_key_padding_mask=kp)",
                                      **module_run(enc, lambda m, x: m(x, src_key_padding_mask=kp), [x], 940 + i)}
        M["encoder_layers"].append(rec)
    # decoder-only block, tied weights, clip_grad_norm_, AdamW + LambdaLR
    torch.manual_seed(950)
    blk = Block()
    ids = torch.tensor([[1, 5, 7, 2, 19, 0, 3], [4, 4, 8, 11, 12, 2, 6]])
    init_params = params_arr(blk)
    rec = {"src": BLOCK_SRC, "state_dict": sd(blk), "named_parameters": [n for n, _ in blk.named_parameters()],
           "params": init_params, "ids": arr(ids)}
    rec.update(module_run(blk, lambda m, ids: m(ids), [ids], 951))
    torch.manual_seed(951)
    g = torch.randn(2, 7, 20)
    blk.zero_grad(set_to_none=True)
    (blk(ids) * g).sum().backward()
    total = nn.utils.clip_grad_norm_(blk.parameters(), max_norm=1.0)
    rec["clip"] = {"call": "nn.utils.clip_grad_norm_(blk.parameters(), max_norm=1.0) on the grads above",
                   "total_norm": arr(total), "grads_after": {n: arr(p.grad) for n, p in blk.named_parameters()}}
    opt = torch.optim.AdamW(blk.parameters(), lr=1e-2, weight_decay=0.01)
    sch = torch.optim.lr_scheduler.LambdaLR(opt, lr_lambda)
    steps = []
    blk.zero_grad(set_to_none=True)
    for s in range(3):
        opt.zero_grad(set_to_none=True)
        (blk(ids) * g).sum().backward()
        tn = nn.utils.clip_grad_norm_(blk.parameters(), max_norm=1.0)
        lr_used = opt.param_groups[0]["lr"]
        opt.step()
        sch.step()
        steps.append({"step": s + 1, "lr_used": lr_used, "total_norm_before_clip": arr(tn),
                      "params": {n: arr(p) for n, p in blk.named_parameters()}})
    rec["adamw"] = {"recipe": "from the initial params: repeat 3x { zero_grad; (blk(ids)*g).sum().backward(); "
                              "clip_grad_norm_(params, 1.0); opt.step(); sched.step() } with the same g; "
                              "opt = AdamW(blk.parameters(), lr=1e-2, weight_decay=0.01) (betas .9/.999, eps 1e-8); "
                              "sched = LambdaLR(opt, f), f(s) = (s+1)/2 if s < 2 else 0.5*(1+cos(pi*(s-2)/4))",
                    "steps": steps}
    M["decoder_block"] = rec
    return M


# ------------------------------------------------------------------------------------------------------------ paths
def same(a, b):
    a = a.detach().float().numpy()
    b = b.detach().float().numpy()
    eq = a.view(np.uint32) == b.view(np.uint32)
    d = np.abs(a.astype(np.float64) - b.astype(np.float64))
    sp = np.spacing(np.abs(b).astype(np.float32)).astype(np.float64)
    return {"bitexact": bool(eq.all()), "n": int(a.size), "n_differ": int((~eq).sum()),
            "max_abs": float(d.max()) if d.size else 0.0, "max_ulp": float(np.round((d / sp).max(), 3)) if d.size else 0.0}


def seq_mm(a, b, fma=False):
    """Row-major A (m,k) x B (k,n) summed over k in order 0..k-1 from 0, in float32, each product rounded (or fused)."""
    A = a.numpy().astype(np.float32)
    Bm = b.numpy().astype(np.float32)
    acc = np.zeros((A.shape[0], Bm.shape[1]), np.float32)
    for kk in range(A.shape[1]):
        if fma:
            acc = (A[:, kk, None].astype(np.float64) * Bm[None, kk, :].astype(np.float64) + acc.astype(np.float64)).astype(np.float32)
        else:
            acc = (acc + (A[:, kk, None] * Bm[None, kk, :]).astype(np.float32)).astype(np.float32)
    return torch.from_numpy(acc)


def seq_sum(x, axis):
    x = np.moveaxis(x.numpy().astype(np.float32), axis, 0)
    acc = np.zeros(x.shape[1:], np.float32)
    for i in range(x.shape[0]):
        acc = np.asarray(acc + x[i], dtype=np.float32)
    return torch.from_numpy(np.asarray(acc))


def path_checks():
    P = []

    def rec(op, alt, a, b, **kw):
        P.append({"op": op, "alt": alt, **kw, **same(a, b)})

    torch.manual_seed(1000)
    for m, k, n in ((5, 7, 3), (16, 40, 12), (64, 200, 48), (3, 1000, 5)):
        a, b = torch.randn(m, k), torch.randn(k, n)
        c = a @ b
        sh = f"({m},{k})@({k},{n})"
        rec("mm " + sh, "sequential float32 sum over k, products rounded (no fma)", c, seq_mm(a, b))
        rec("mm " + sh, "sequential float32 sum over k with fma", c, seq_mm(a, b, fma=True))
        rec("mm " + sh, "(a[:,:,None]*b[None]).sum(1) (torch sum kernel)", c, (a[:, :, None] * b[None]).sum(1))
        rec("mm " + sh, "float64 matmul rounded to float32", c, (a.double() @ b.double()).float())
        rec("mm " + sh, "a.t().contiguous().t() @ b (column-major A -> different BLAS transpose flag)", c,
            a.t().contiguous().t() @ b)
        rec("mm " + sh, "torch.bmm(a[None], b[None])[0]", c, torch.bmm(a[None], b[None])[0])
        rec("mm " + sh, "torch.set_num_threads(2)", c, _threads(2, lambda: a @ b))
        g = torch.randn(m, n)
        aa = a.clone().requires_grad_(True)
        bb = b.clone().requires_grad_(True)
        (aa @ bb).backward(g)
        rec("mm backward grad_a " + sh, "g @ b.t()", aa.grad, g @ b.t())
        rec("mm backward grad_a " + sh, "sequential float32 sum over n, no fma", aa.grad, seq_mm(g, b.t()))
        rec("mm backward grad_b " + sh, "a.t() @ g", bb.grad, a.t() @ g)
        rec("mm backward grad_b " + sh, "sequential float32 sum over m, no fma", bb.grad, seq_mm(a.t(), g))
    for bsz, m, k, n in ((3, 4, 5, 2), (2, 8, 16, 8), (2, 20, 30, 10)):
        a, b = torch.randn(bsz, m, k), torch.randn(bsz, k, n)
        c = torch.bmm(a, b)
        sh = f"({bsz},{m},{k})@({bsz},{k},{n})"
        rec("bmm " + sh, "per-batch a[i] @ b[i] (BLAS sgemm)", c, torch.stack([a[i] @ b[i] for i in range(bsz)]))
        rec("bmm " + sh, "per-batch sequential float32 sum over k, no fma", c, torch.stack([seq_mm(a[i], b[i]) for i in range(bsz)]))
        rec("bmm " + sh, "per-batch sequential float32 sum over k, fma", c, torch.stack([seq_mm(a[i], b[i], True) for i in range(bsz)]))
    x, w, bias = torch.randn(6, 24), torch.randn(10, 24), torch.randn(10)
    y = F.linear(x, w, bias)
    rec("linear (6,24)x(10,24)+b", "x @ w.t() + b", y, x @ w.t() + bias)
    rec("linear (6,24)x(10,24)+b", "torch.addmm(b, x, w.t())", y, torch.addmm(bias, x, w.t()))
    rec("linear (6,24)x(10,24)+b", "sequential sum from bias, no fma", y, _seq_from(bias, x, w))
    rec("linear (6,24)x(10,24)+b", "sequential sum from 0, no fma, then + b", y, seq_mm(x, w.t()) + bias)
    w2 = torch.randn(24, 10)
    y2 = torch.addmm(bias, x, w2)
    rec("addmm(b, x, w2) w2 contiguous (24,10)", "sequential sum from bias, no fma", y2, _seq_from(bias, x, w2.t()))
    rec("addmm(b, x, w2) w2 contiguous (24,10)", "sequential sum from 0, no fma, then + b", y2, seq_mm(x, w2) + bias)
    x3 = torch.randn(2, 3, 24)
    rec("linear 3-D (2,3,24)", "F.linear on x.reshape(6,24)", F.linear(x3, w, bias), F.linear(x3.reshape(6, 24), w, bias).reshape(2, 3, 10))
    # reductions
    for n in (7, 8, 16, 17, 33, 100, 1000, 5000):
        v = torch.randn(n)
        rec(f"sum full n={n}", "sequential float32", v.sum(), seq_sum(v, 0))
        rec(f"sum full n={n}", "numpy float32 sum (pairwise)", v.sum(), torch.tensor(np.sum(v.numpy())))
        rec(f"mean full n={n}", "sum()/n", v.mean(), v.sum() / n)
    for shp, d in (((300, 7), 0), ((7, 300), 1), ((4, 33, 5), 1), ((5, 40), 1), ((40, 5), 0)):
        x = torch.randn(*shp)
        rec(f"sum dim={d} {shp}", "sequential float32 along dim", x.sum(d), seq_sum(x, d))
        rec(f"sum dim={d} {shp}", "x.contiguous along moved dim then sum(-1)", x.sum(d), x.movedim(d, -1).contiguous().sum(-1))
        rec(f"mean dim={d} {shp}", "sum(d)/n", x.mean(d), x.sum(d) / shp[d])
        rec(f"var dim={d} {shp}", "((x-mean)^2).sum/(n-1)", x.var(d), ((x - x.mean(d, keepdim=True)) ** 2).sum(d) / (shp[d] - 1))
        rec(f"var dim={d} {shp}", "float64 var rounded", x.var(d), x.double().var(d).float())
    v = torch.randn(100000)
    rec("sum full n=100000", "torch.set_num_threads(2)", v.sum(), _threads(2, lambda: v.sum()))
    m = torch.randn(1000, 64)
    rec("sum dim=0 (1000,64)", "torch.set_num_threads(2)", m.sum(0), _threads(2, lambda: m.sum(0)))
    rec("mm (256,256)@(256,256)", "torch.set_num_threads(2)", *(lambda a, b: (a @ b, _threads(2, lambda: a @ b)))(torch.randn(256, 256), torch.randn(256, 256)))
    # softmax family, layer_norm, activations
    for shp in ((4, 5), (3, 64), (2, 1000)):
        x = torch.randn(*shp) * 3
        sm = torch.softmax(x, -1)
        e = torch.exp(x - x.max(-1, keepdim=True).values)
        rec(f"softmax {shp}", "exp(x-max)/sum(exp(x-max))", sm, e / e.sum(-1, keepdim=True))
        rec(f"softmax {shp}", "exp(x-max) * (1/sum)", sm, e * (1.0 / e.sum(-1, keepdim=True)))
        rec(f"softmax {shp}", "float64 softmax rounded", sm, torch.softmax(x.double(), -1).float())
        ls = torch.log_softmax(x, -1)
        mx = x.max(-1, keepdim=True).values
        rec(f"log_softmax {shp}", "x - max - log(sum(exp(x-max)))", ls, x - mx - torch.log(e.sum(-1, keepdim=True)))
        rec(f"log_softmax {shp}", "float64 rounded", ls, torch.log_softmax(x.double(), -1).float())
        rec(f"softmax {shp} dim 0 of x.t()", "softmax(x.t().contiguous(), 0)", torch.softmax(x.t(), 0), torch.softmax(x.t().contiguous(), 0))
    for shp in ((4, 8), (3, 64), (2, 768)):
        x = torch.randn(*shp) * 2 + 1
        y = F.layer_norm(x, shp[-1:])
        mu = x.mean(-1, keepdim=True)
        var = x.var(-1, unbiased=False, keepdim=True)
        rec(f"layer_norm {shp}", "(x-mean)/sqrt(var+eps)", y, (x - mu) / torch.sqrt(var + 1e-5))
        rec(f"layer_norm {shp}", "(x-mean)*rsqrt(var+eps)", y, (x - mu) * torch.rsqrt(var + 1e-5))
        rec(f"layer_norm {shp}", "float64 rounded", y, F.layer_norm(x.double(), shp[-1:]).float())
    x = torch.randn(2000) * 3
    rec("gelu none", "0.5*x*(1+erf(x/sqrt(2)))", F.gelu(x), 0.5 * x * (1 + torch.erf(x / math.sqrt(2))))
    rec("gelu none", "float64 rounded", F.gelu(x), F.gelu(x.double()).float())
    rec("gelu tanh", "0.5*x*(1+tanh(sqrt(2/pi)*(x+0.044715x^3)))", F.gelu(x, approximate="tanh"),
        0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3))))
    rec("gelu tanh", "float64 rounded", F.gelu(x, approximate="tanh"), F.gelu(x.double(), approximate="tanh").float())
    rec("sigmoid", "1/(1+exp(-x))", torch.sigmoid(x), 1 / (1 + torch.exp(-x)))
    rec("sigmoid", "float64 rounded", torch.sigmoid(x), torch.sigmoid(x.double()).float())
    rec("silu", "x*sigmoid(x)", F.silu(x), x * torch.sigmoid(x))
    rec("tanh", "float64 rounded", torch.tanh(x), torch.tanh(x.double()).float())
    rec("exp", "float64 rounded", torch.exp(x), torch.exp(x.double()).float())
    rec("exp", "numpy float32 exp", torch.exp(x), torch.from_numpy(np.exp(x.numpy())))
    xp = torch.rand(2000) * 10 + 1e-3
    rec("log", "float64 rounded", torch.log(xp), torch.log(xp.double()).float())
    rec("sqrt", "float64 rounded", torch.sqrt(xp), torch.sqrt(xp.double()).float())
    rec("pow x**2.5", "float64 rounded", xp ** 2.5, (xp.double() ** 2.5).float())
    rec("pow x**2", "x*x", xp ** 2, xp * xp)
    rec("pow x**3", "x*x*x", xp ** 3, xp * xp * xp)
    rec("pow x**3", "float64 rounded", xp ** 3, (xp.double() ** 3).float())
    rec("pow x**0.5", "sqrt(x)", xp ** 0.5, torch.sqrt(xp))
    rec("pow x**-1.5", "float64 rounded", xp ** -1.5, (xp.double() ** -1.5).float())
    rec("div a/b", "a * (1/b)", x / xp, x * (1 / xp))
    # cross entropy
    lg = torch.randn(32, 10) * 2
    t = torch.randint(0, 10, (32,))
    ce = F.cross_entropy(lg, t)
    rec("cross_entropy mean (32,10)", "-log_softmax.gather.mean()", ce, -torch.log_softmax(lg, -1).gather(1, t[:, None]).mean())
    rec("cross_entropy mean (32,10)", "-log_softmax.gather.sum()/32", ce, -torch.log_softmax(lg, -1).gather(1, t[:, None]).sum() / 32)
    rec("cross_entropy mean (32,10)", "float64 rounded", ce, F.cross_entropy(lg.double(), t).float())
    return P


def _threads(n, f):
    torch.set_num_threads(n)
    try:
        return f()
    finally:
        torch.set_num_threads(1)


def _seq_from(bias, x, w):
    acc = np.broadcast_to(bias.numpy(), (x.shape[0], w.shape[0])).astype(np.float32).copy()
    X, W = x.numpy(), w.numpy()
    for kk in range(X.shape[1]):
        acc = (acc + (X[:, kk, None] * W[None, :, kk]).astype(np.float32)).astype(np.float32)
    return torch.from_numpy(acc)


# ------------------------------------------------------------------------------------------------------------- main
def summary(paths):
    def q(op_prefix, alt_prefix):
        rows = [p for p in paths if p["op"].startswith(op_prefix) and p["alt"].startswith(alt_prefix)]
        return rows

    def all_exact(op, alt):
        r = q(op, alt)
        return bool(r) and all(p["bitexact"] for p in r)

    def none_exact(op, alt):
        r = q(op, alt)
        return bool(r) and not any(p["bitexact"] for p in r)

    facts = [
        ("mm (float32, netlib BLAS, A@B with B contiguous or A transposed) equals a plain sequential float32 sum over k "
         "starting from 0, each product rounded, NO fma, for every size tried (up to k=1000): bit-exact from a fixed order.",
         all_exact("mm (", "sequential float32 sum over k, products rounded") and none_exact("mm (", "sequential float32 sum over k with fma")),
        ("mm backward (grad_a = g@b.t(), grad_b = a.t()@g) is bit-identical to those explicit matmuls and to the same "
         "sequential no-fma sum.", all_exact("mm backward", "")),
        ("mm is bit-identical with 1 or 2 threads and for a column-major (transposed) A.",
         all_exact("mm", "torch.set_num_threads(2)") and all_exact("mm (", "a.t().contiguous()")),
        ("bmm (both the small native kernel and the BLAS per-batch path) equals the per-batch sequential no-fma sum.",
         all_exact("bmm", "per-batch sequential float32 sum over k, no fma")),
        ("matmul via broadcast-multiply + torch.sum, or via float64, is NOT bit-identical to mm: only a tolerance.",
         none_exact("mm (", "(a[:,:,None]") and none_exact("mm (", "float64")),
        ("F.linear(x, W, b) (W stored (out,in), i.e. transposed for BLAS) = round(sequential sum from 0) + b, not a sum "
         "started from b.", all_exact("linear (6,24)", "sequential sum from 0") and none_exact("linear (6,24)", "sequential sum from bias")),
        ("torch.addmm(b, x, W2) with W2 contiguous (in,out) accumulates starting FROM b (consistent with netlib sgemm's "
         "no-transpose branch, C=beta*C then C+=a*b; the transposed branch sums from 0 then adds beta*C), so bias placement in the sum depends on the operand layout.",
         all_exact("addmm(b, x, w2)", "sequential sum from bias") and none_exact("addmm(b, x, w2)", "sequential sum from 0")),
        ("torch.sum (full and over a dim) is not a sequential sum in general; it matches a sequential "
         "float32 sum only for some sizes (n=8,16,17 here). tests/data/layers sums hold torch's order; treat other orders as tolerance.",
         not all_exact("sum full", "sequential") and not all_exact("sum dim", "sequential")),
        ("mean == sum()/n bit for bit (full and per dim).", all_exact("mean", "sum")),
        ("var over a dim equals float64 var rounded to float32 in every case tried, and differs from the naive float32 formula.",
         all_exact("var", "float64") and none_exact("var", "((x-mean)")),
        ("softmax / log_softmax differ from the explicit exp(x-max)/sum formulas by up to a few ulp : tolerance only. A transposed (non-contiguous) input gives bit-identical results.",
         none_exact("softmax (", "exp(x-max)/sum") and all_exact("softmax", "softmax(x.t().contiguous()")),
        ("layer_norm differs from (x-mean)/sqrt(var+eps) and from float64 by up to hundreds of ulp (largest at outputs near 0): use an absolute tolerance.",
         none_exact("layer_norm", "(x-mean)/sqrt")),
        ("sigmoid == 1/(1+exp(-x)) bit for bit; x**2 == x*x, x**3 == x*x*x, x**0.5 == sqrt(x); sqrt is correctly rounded.",
         all_exact("sigmoid", "1/(1+exp") and all_exact("pow x**2", "x*x") and all_exact("pow x**3", "x*x*x")
         and all_exact("pow x**0.5", "sqrt") and all_exact("sqrt", "float64")),
        ("exp/log/tanh/pow are within 1 ulp of float64 but not always equal to float64-rounded (FACTS.md §7: this build uses Sleef); a/b is a true division "
         "(a*(1/b) differs).", none_exact("exp", "float64") and none_exact("div a/b", "a * (1/b)")),
        ("gelu: neither the erf nor the tanh form is bit-identical to the explicit formula; the huge ulp values are at "
         "outputs near 0 (negative x), use an absolute tolerance.", none_exact("gelu", "")),
        ("cross_entropy(mean) == -(log_softmax gathered).mean() bit for bit here.", all_exact("cross_entropy", "-log_softmax")),
        ("Threads: mm (all sizes, incl. 256^3) and sum(dim=0) of (1000,64) are bit-identical with 1 or 2 threads, but "
         "the full sum of 100000 elements changes with 2 threads (the split changes the order): goldens use 1 thread.",
         all_exact("mm", "torch.set_num_threads") and all_exact("sum dim=0 (1000,64)", "torch.set_num_threads")
         and none_exact("sum full n=100000", "torch.set_num_threads")),
    ]
    out = []
    for text, ok in facts:
        if ok:
            out.append(text)
        else:
            print("summary line not supported by this run, left out:", text[:80], file=sys.stderr)
    return out


def readme(paths, cases, cap):
    lines = ["# Golden fixtures for issue 15: autograd, differentiable ops, Transformer blocks",
             "",
             f"Made by `tools/goldens/make_autograd.py` with Debian's torch {torch.__version__} (CPU capability {cap}),",
             "reference BLAS (netlib libblas3), `torch.set_num_threads(1)`. Re-run: `/usr/bin/python3 tools/goldens/make_autograd.py`.",
             "",
             "* `cases.json` `ops`: one case per op: `expr` (Python, evaluated on the named inputs), inputs, outputs, upstream",
             "  gradients `g`, gradients of every float input of sum((out*g).sum()), the float64 run (`f64`) and `err`",
             "  (max abs and max ulp of the float32 values vs the float64 run). Float32 arrays: `b64` (little-endian f32),",
             "  float64: `b64f64`, integer/bool: `ints`.",
             "* `modules.json`: nn.LayerNorm, nn.MultiheadAttention (state_dict names/shapes, 3 runs + need_weights=True),",
             "  4 nn.TransformerEncoderLayer variants (x2 runs), a tied-embedding decoder-only block with grads,",
             "  clip_grad_norm_ and 3 AdamW + LambdaLR steps. Every module record has all parameters, out, g, grads, err.",
             "* `paths.json`: float32 result of an op vs an alternative computation; `bitexact`, `n_differ`, `max_ulp`.",
             "",
             "## Measured (paths.json; this build, AVX2, 1 thread unless the row says otherwise)",
             "",
             "| op | alternative | bit-exact | differ/n | max ulp |",
             "|---|---|---|---|---|"]
    for p in paths:
        lines.append(f"| {p['op']} | {p['alt']} | {'yes' if p['bitexact'] else 'no'} | {p['n_differ']}/{p['n']} | {p['max_ulp']} |")
    lines += ["", "## Summary (each line is printed only if the measurements above support it)", ""]
    lines += [f"* {t}" for t in summary(paths)]
    lines += ["", "## Ties and other routing (values from cases.json)", ""]
    byname = {c["name"]: c for c in cases}

    def vals(a):
        return np.frombuffer(base64.b64decode(a["b64"]), "<f4").reshape(a["shape"]).tolist() if "b64" in a else a["ints"]
    for n in ("max_dim1_ties", "max_dim0_ties", "max_full_ties", "amax_dim1_ties", "relu_zeros"):
        c = byname[n]
        lines.append(f"* `{c['expr']}` on {vals(c['inputs']['a'])}: outs {[vals(o) for o in c['outs']]}, "
                     f"g {[None if g is None else [round(v, 4) for v in np.ravel(vals(g))] for g in c['g']]}, "
                     f"grad a {np.round(np.array(vals(c['grads']['a'])), 4).tolist()}")
    lines += ["  (max(dim) returns the FIRST maximal index and routes the whole gradient there; full max() and amax split",
              "  it evenly over all ties; relu'(0) = 0; relu(-0.0) returns -0.0; some zero grads are -0.0 (g * 0 with g < 0),",
              "  so bit comparisons should treat +0 and -0 as equal or replay the same sign rule.)",
              "* Dropout: `dropout_p0.5_seed7` records torch's mask for torch.manual_seed(7) (4x8, p=0.5); the RNG is",
              "  covered in depth by tests/data/layers. No float64 run for it."]
    lines += ["", "## Float32 vs float64 (worst over the `ops` cases, from `err`)", "", "| case | out max ulp | grads max ulp |", "|---|---|---|"]
    for c in cases:
        if "err" not in c:
            continue
        o = max([e["max_ulp"] for e in c["err"]["outs"] if e] or [0])
        gm = max([e["max_ulp"] for e in c["err"]["grads"].values() if e] or [0])
        lines.append(f"| {c['name']} | {o} | {gm} |")
    lines += ["", "Notes on the ulp columns: an ulp is measured at the float64 value; near-cancellation outputs",
              "(a sum that is close to 0) show large ulp with tiny absolute error, see `err.max_abs`."]
    return "\n".join(lines) + "\n"


def loaded_blas():
    return loaded_reference_blas(torch)


def main():
    os.makedirs(OUT, exist_ok=True)
    blas_libs = loaded_blas()
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(False)
    cap = next((ln.split(":", 1)[1].strip() for ln in torch.__config__.show().splitlines() if "CPU capability" in ln), "?")
    head = {"torch": torch.__version__, "capability": cap, "numpy": np.__version__, "blas": "netlib reference (libblas3): " + ", ".join(blas_libs),
            "threads": 1}
    cases = op_cases()
    mods = module_cases()
    paths = path_checks()
    files = {"cases.json": {**head, "ops": cases}, "modules.json": {**head, **mods}, "paths.json": {**head, "paths": paths}}
    for fn, doc in files.items():
        write_atomic(os.path.join(OUT, fn), json.dumps(doc, separators=(",", ":")), mode="w")
    write_atomic(os.path.join(OUT, "README.md"), readme(paths, cases, cap), mode="w")
    names = ["autograd/" + f for f in list(files) + ["README.md"]]
    update_manifest(__file__, names, f"torch {torch.__version__} ({cap}), numpy {np.__version__}, netlib BLAS",
                    "/usr/bin/python3 tools/goldens/make_autograd.py (seeds in the files; torch.set_num_threads(1))")
    for n in names:
        p = os.path.join(ROOT, "tests", "data", n)
        print(f"{os.path.getsize(p)} bytes -> {p}  {hashlib.sha256(open(p, 'rb').read()).hexdigest()}")


if __name__ == "__main__":
    sys.exit(main())
