#!/usr/bin/python3
"""torch.erfinv on every float32 in [-1, 1], compared with EmbedSharp's span Erfinv chunk by chunk via SHA-256.

Run:  /usr/bin/python3 bench/peers/erfinv_hashes_torch.py
Chunks of 2^24 consecutive bit patterns from +0 up to 1.0, then from -0 down to -1.0 (2,130,706,434 inputs). The C#
side is `dotnet run -c Release --project bench/EmbedSharp.Bench -- erfinv-hashes`, which prints the same lines.
Prints the number of chunks that differ (and the first ones); exits 1 if any does. A one-off check, not a test.
"""
import hashlib
import os
import subprocess
import sys

import numpy as np
import torch

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
CHUNK = 1 << 24
LIMIT = 0x3F800001


def main():
    torch.set_num_threads(1)
    proc = subprocess.Popen(
        ["dotnet", "run", "-c", "Release", "--project", os.path.join(ROOT, "bench", "EmbedSharp.Bench"), "--",
         "erfinv-hashes"], stdout=subprocess.PIPE, text=True)
    differ, total = [], 0
    for sign in (0, 0x80000000):
        for start in range(0, LIMIT, CHUNK):
            n = min(CHUNK, LIMIT - start)
            bits = (np.arange(start, start + n, dtype=np.uint64) | sign).astype(np.uint32)
            out = torch.erfinv(torch.from_numpy(bits.view(np.float32))).numpy()
            ours = proc.stdout.readline().split()
            line = [f"{sign:08x}", f"{start:08x}", str(n), hashlib.sha256(out.tobytes()).hexdigest()]
            total += 1
            if ours != line:
                differ.append((line[:3], ours[:3]))
    proc.wait()
    print(f"{total} chunks, {LIMIT * 2} inputs: {len(differ)} differ" + (f"; first {differ[:3]}" if differ else ""))
    return 1 if differ or proc.returncode else 0


if __name__ == "__main__":
    sys.exit(main())
