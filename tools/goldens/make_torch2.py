#!/usr/bin/python3
"""PyTorch 2.x goldens from libtorch 2.10.0 (TorchSharp-cpu 0.107.0 from NuGet, run by tools/goldens/torch2/run.sh):

  init/torch2_trunc_normal.json : torch.nn.init.trunc_normal_ (6 seeds x shapes [7], [12, 10], [3, 5, 4] x 4 (mean, std, a, b)),
                                   float32 bit patterns; see tools/goldens/torch2/trunc_normal2.py
  init/torch2_erfinv_exceptions.u32 : with --exceptions, a copy of that file: the positive float32 inputs (sorted
                                   little-endian uint32 bit patterns) where 2.10's erfinv (MKL vmsErfInv) is not
                                   correctly rounded, measured over every float in [0, 1) by
                                   torch2/run.sh sweep + torch2/erfinv_sweep.py (see torch2/FINDINGS.md)
  init/torch2_randperm.json     : torch.randperm(n) around the 2.x algorithm switch at n = 214748364 (sha256 and the
                                   first/last 32 values); see tools/goldens/torch2/randperm2.py (needs ~3.5 GB)

usage: make_torch2.py [--exceptions FILE.u32] [--no-randperm]
Each part also checks the models of tools/goldens/torch2 against the harness and prints the agreement; with
--exceptions (erfinv_sweep.py's file) the trunc_normal_ model applies the measured MKL exceptions.
--no-randperm keeps an existing init/torch2_randperm.json (the slow part) and only refreshes its MANIFEST line.
"""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "torch2"))

import goldens  # noqa: E402
import randperm2  # noqa: E402
import trunc_normal2  # noqa: E402
from erfinv2 import load_exceptions  # noqa: E402

VERSIONS = "libtorch 2.10.0 (TorchSharp-cpu 0.107.0, MKL 2024.2), AMD EPYC (AVX2)"


def dump(rel, doc):
    goldens.write_atomic(os.path.join(goldens.DATA, rel), json.dumps(doc, separators=(",", ":")) + "\n", mode="w")


def main():
    args = sys.argv[1:]
    exceptions = None
    if "--exceptions" in args:
        exceptions = load_exceptions(args[args.index("--exceptions") + 1])
    small, _ = trunc_normal2.check(exceptions, verbose=False)
    dump("init/torch2_trunc_normal.json", trunc_normal2.golden_document(small))
    files = ["init/torch2_trunc_normal.json"]
    if exceptions is not None:
        goldens.write_atomic(os.path.join(goldens.DATA, "init/torch2_erfinv_exceptions.u32"),
                             exceptions.astype("<u4").tobytes())
        files.append(("init/torch2_erfinv_exceptions.u32",
                      "tools/goldens/torch2/run.sh sweep 0 0x3F800000 OUT.f32 torch; /usr/bin/python3 "
                      "tools/goldens/torch2/erfinv_sweep.py 0 0x3F800000 OUT.f32 EXC.u32; /usr/bin/python3 "
                      "tools/goldens/make_torch2.py --exceptions EXC.u32"))
    if "--no-randperm" not in args:
        results, _ = randperm2.check()
        dump("init/torch2_randperm.json", randperm2.golden_document(results))
    if os.path.exists(os.path.join(goldens.DATA, "init/torch2_randperm.json")):
        files.append("init/torch2_randperm.json")
    goldens.update_manifest(__file__, files, VERSIONS)


if __name__ == "__main__":
    main()
