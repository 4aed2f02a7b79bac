#!/usr/bin/python3
"""torch.randperm(n) (int64, CPU) under libtorch 2.10 against randperm_model.c, around the 2.x algorithm switch
at n = (2^32-1)//20 = 214748364 (n below it: 1.13's swap shuffle with random(); n at or above it: inside-out shuffle
with random64()). Each large n needs about 3.5 GB of memory in the harness.

usage: randperm2.py [--golden OUT.json]
"""
import hashlib
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
CASES = [(1000, 42), (214748363, 42), (214748364, 42), (214748365, 7)]


def check():
    """Runs every case through the harness and the C model; returns (harness results, number equal)."""
    cache = os.path.join(os.environ.get("EMBEDSHARP_CACHE", os.path.expanduser("~/.cache/embedsharp")), "torch2")
    os.makedirs(cache, exist_ok=True)
    model = os.path.join(cache, "randperm_model")
    subprocess.run(["gcc", "-O2", "-o", model, os.path.join(HERE, "randperm_model.c")], check=True)
    results = []
    ok = 0
    for n, seed in CASES:
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "out.json")
            subprocess.run([os.path.join(HERE, "run.sh"), "randperm", str(n), str(seed), out], check=True)
            with open(out) as f:
                ref = json.load(f)
        h = hashlib.sha256()
        first = last = None
        proc = subprocess.Popen([model, str(n), str(seed), "auto"], stdout=subprocess.PIPE)
        data = proc.stdout.read()
        proc.wait()
        h.update(data)
        first = [int.from_bytes(data[8 * i:8 * i + 8], "little") for i in range(min(32, n))]
        last = [int.from_bytes(data[8 * i:8 * i + 8], "little") for i in range(max(0, n - 32), n)]
        del data
        same = h.hexdigest() == ref["sha256_int64_le"] and first == ref["first"] and last == ref["last"]
        ok += same
        algo = "inside-out random64" if n >= (2**32 - 1) // 20 else "swap random"
        print(f"n={n} seed={seed} ({algo}): sha256 {ref['sha256_int64_le'][:16]}.. model {'equal' if same else 'DIFFERENT'}")
        results.append(ref)
    print(f"randperm: {ok} of {len(CASES)} equal")
    return results, ok


def golden_document(results):
    return {"reference": "libtorch 2.10.0 (TorchSharp-cpu 0.107.0), torch.manual_seed(seed); torch.randperm(n) "
                         "(int64, CPU); sha256 of the little-endian int64 values, first and last 32 values",
            "cases": results}


def main():
    golden = sys.argv[2] if len(sys.argv) > 2 and sys.argv[1] == "--golden" else None
    results, _ = check()
    if golden:
        doc = golden_document(results)
        tmp = golden + ".tmp"
        with open(tmp, "w") as f:
            json.dump(doc, f, separators=(",", ":"))
            f.write("\n")
        os.replace(tmp, golden)


if __name__ == "__main__":
    main()
