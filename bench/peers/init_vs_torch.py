#!/usr/bin/python3
"""Side by side: torch.nn.init (PyTorch on the CPU) vs EmbedSharp, same machine, same run, same protocol.

Run:  /usr/bin/python3 bench/peers/init_vs_torch.py [--peers P,...] [--schemes a,b] [--rounds R] [--cpu-time] [shapes...]
Needs Debian's python3-torch, libopenblas0-pthread and the .NET SDK. Prints a Markdown table with the time per call
(median) of EmbedSharp and of every peer configuration, and ratio = strongest peer / EmbedSharp (above 1 means EmbedSharp
is faster than the fastest configuration of torch measured in the same run).

Peer configurations (--peers, default openblas1,openblas2), each timed in its own child process:
  openblasN  torch with OpenBLAS (Debian libopenblas0-pthread) as its BLAS/LAPACK: LD_LIBRARY_PATH set to OpenBLAS's
             directory for the child only, OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE removed, OPENBLAS_NUM_THREADS = N and
             torch.set_num_threads(N). The child checks /proc/self/maps and fails unless libopenblas is loaded.
  debianN    torch as the system alternatives leave it (libblas.so.3 / liblapack.so.3, on this project's machines the
             reference BLAS that the golden scripts need), torch.set_num_threads(N).
  libtorchN  libtorch 2.10 (official build, MKL; TorchSharp-cpu 0.107.0) through tools/goldens/torch2/run.sh time-init
             with N threads (uniform, normal, trunc_normal and orthogonal only; orthogonal_ as torch/nn/init.py does it:
             normal_, torch.linalg.qr, q *= sign(diag r)). EMBEDSHARP_TORCH2_RUN may name another run.sh.
Each child prints which BLAS/LAPACK libraries it has loaded; the table header repeats them. orthogonal_ is the scheme
that depends on the BLAS (sgeqrf + sorgqr through torch.linalg.qr); the others are torch's own kernels.
EmbedSharp's torch-exact path is single-threaded by nature (one MT19937 stream), except orthogonal_'s QR (Cholesky QR in
double on all cores) and the erfinv of trunc_normal.
--rounds R repeats the whole comparison R times (EmbedSharp, then each peer, in each round) and prints every round's
ratio and their median: on a loaded machine a ratio within one round compares runs that saw about the same load.
--cpu-time compares process CPU seconds per call instead (all threads' work: steadier under load, but it counts a
two-thread run's two cores as twice the cost).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
OPENBLAS_DIR = "/usr/lib/x86_64-linux-gnu/openblas-pthread"
SCHEMES = ["uniform", "normal", "xavier_uniform", "xavier_normal", "kaiming_uniform", "kaiming_normal",
           "trunc_normal", "orthogonal", "sparse"]


def torch_call(torch, scheme, t):
    init = torch.nn.init
    return {
        "uniform": lambda: init.uniform_(t),
        "normal": lambda: init.normal_(t),
        "xavier_uniform": lambda: init.xavier_uniform_(t),
        "xavier_normal": lambda: init.xavier_normal_(t),
        "kaiming_uniform": lambda: init.kaiming_uniform_(t),
        "kaiming_normal": lambda: init.kaiming_normal_(t),
        "trunc_normal": lambda: init.trunc_normal_(t),
        "orthogonal": lambda: init.orthogonal_(t),
        "sparse": lambda: init.sparse_(t, 0.1),
    }[scheme]


def median_time(fn, elements):
    start, calls = time.perf_counter(), 0
    while calls < 3 or time.perf_counter() - start < 0.2:  # warm-up: the same rule as the C# side
        fn()
        calls += 1
    reps = 5 if elements >= 1_000_000 else 21
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def cpu_time_per_call(fn):
    for _ in range(3):
        fn()
    start, calls = time.process_time(), 0
    while True:
        fn()
        calls += 1
        spent = time.process_time() - start
        if spent >= 0.5:
            return spent / calls


def loaded_blas():
    with open("/proc/self/maps") as f:
        return sorted({os.path.realpath(ln.split()[-1]) for ln in f
                       if ("blas" in ln or "lapack" in ln) and "/" in ln})


def child(peer, schemes, shapes, cpu_time):
    """Times torch in this process (started with the peer's environment); prints one JSON line."""
    import torch
    threads = int(peer.lstrip("abcdefghijklmnopqrstuvwxyz"))
    torch.set_num_threads(threads)
    torch.linalg.qr(torch.randn(8, 8))  # LAPACK is loaded lazily by some builds: load it before looking
    blas = loaded_blas()
    if peer.startswith("openblas") and not any("libopenblas" in b for b in blas):
        sys.exit(f"{peer}: torch did not load libopenblas (loaded: {blas}); is libopenblas0-pthread installed?")
    out = {}
    for s in shapes:
        dims = [int(x) for x in s.split("x")]
        t = torch.empty(*dims)
        n = t.numel()
        for scheme in schemes:
            torch.manual_seed(0)
            fn = torch_call(torch, scheme, t)
            out[f"{scheme}/{s}"] = cpu_time_per_call(fn) if cpu_time else median_time(fn, n)
    print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "blas": blas, "times": out}))


def run_peer(peer, schemes, shapes, cpu_time):
    if peer.startswith("libtorch"):
        return run_libtorch(peer, schemes, shapes, cpu_time)
    env = dict(os.environ)
    if peer.startswith("openblas"):
        env.pop("OPENBLAS_CORETYPE", None)
        env.pop("OPENBLAS_L2_SIZE", None)
        env["OPENBLAS_NUM_THREADS"] = peer[len("openblas"):]
        env["LD_LIBRARY_PATH"] = ":".join([OPENBLAS_DIR] + [p for p in env.get("LD_LIBRARY_PATH", "").split(":") if p])
    cmd = [sys.executable, os.path.abspath(__file__), "--child", peer, "--schemes", ",".join(schemes),
           *(["--cpu-time"] if cpu_time else []), *shapes]
    run = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True)
    return json.loads(run.stdout.strip().splitlines()[-1])


LIBTORCH_SCHEMES = {"uniform", "normal", "trunc_normal", "orthogonal"}


def run_libtorch(peer, schemes, shapes, cpu_time):
    """Times libtorch 2.10 through the TorchSharp harness, one process per scheme and shape."""
    import tempfile
    if cpu_time:
        sys.exit("--cpu-time is not available for the libtorch peers (the harness reports wall time)")
    harness = os.environ.get("EMBEDSHARP_TORCH2_RUN") or os.path.join(ROOT, "tools", "goldens", "torch2", "run.sh")
    threads = peer[len("libtorch"):]
    out, info = {}, {"torch": "libtorch 2.10.0 (TorchSharp-cpu 0.107.0, MKL)", "threads": int(threads),
                     "blas": ["MKL (linked into libtorch_cpu.so)"], "times": {}}
    with tempfile.TemporaryDirectory() as tmp:
        for s in shapes:
            rows, cols = (int(x) for x in s.split("x"))
            for scheme in schemes:
                if scheme not in LIBTORCH_SCHEMES:
                    continue
                path = os.path.join(tmp, "t.json")
                subprocess.run([harness, "time-init", scheme, str(rows), str(cols), threads, path], check=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                with open(path) as f:
                    r = json.load(f)
                out[f"{scheme}/{s}"] = r[f"{scheme}/{s}"]
                info["threads"] = r["threads"]
    info["times"] = out
    return info


def run_ours(schemes, shapes, cpu_time):
    run = subprocess.run(
        ["dotnet", "run", "-c", "Release", "--no-build", "--project", os.path.join(ROOT, "bench", "EmbedSharp.Bench"),
         "--", "peers-init", "--schemes", ",".join(schemes), *(["--cpu-time"] if cpu_time else []), *shapes],
        check=True, capture_output=True, text=True)
    return json.loads(run.stdout.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--peers", default="openblas1,openblas2",
                    help="comma-separated peer configurations: openblasN, debianN, libtorchN (N = threads)")
    ap.add_argument("--schemes", default=",".join(SCHEMES), help="comma-separated subset of " + ",".join(SCHEMES))
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--cpu-time", action="store_true",
                    help="compare process CPU seconds per call (total work of all threads) instead of wall time")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("shapes", nargs="*", default=["300x300", "512x512", "50000x300"])
    args = ap.parse_args()
    schemes = [x for x in args.schemes.split(",") if x]
    unknown = [x for x in schemes if x not in SCHEMES]
    if unknown:
        ap.error(f"unknown scheme(s) {unknown}; known: {SCHEMES}")
    if args.child:
        child(args.child, schemes, args.shapes, args.cpu_time)
        return 0
    peers = [p for p in args.peers.split(",") if p]
    for p in peers:
        if not (p.startswith(("openblas", "debian", "libtorch")) and p.lstrip("abcdefghijklmnopqrstuvwxyz").isdigit()):
            ap.error(f"unknown peer {p!r}: use openblasN, debianN or libtorchN")
    subprocess.run(["dotnet", "build", "-c", "Release", "-v", "q", os.path.join(ROOT, "bench", "EmbedSharp.Bench")],
                   check=True, stdout=subprocess.DEVNULL)
    with open("/proc/loadavg") as f:
        load_before = f.read().split()[:3]
    rounds = []  # (ours, {peer: child output})
    for _ in range(args.rounds):
        ours = run_ours(schemes, args.shapes, args.cpu_time)
        theirs = {p: run_peer(p, schemes, args.shapes, args.cpu_time) for p in peers}
        rounds.append((ours, theirs))
    with open("/proc/loadavg") as f:
        load_after = f.read().split()[:3]
    print(f"{os.cpu_count()} cores; load average {' '.join(load_before)} before, {' '.join(load_after)} after"
          f"{'; CPU seconds per call' if args.cpu_time else '; median wall time per call'}")
    for p in peers:
        info = rounds[0][1][p]
        print(f"- {p}: torch {info['torch']}, {info['threads']} thread(s), BLAS/LAPACK loaded: {', '.join(info['blas'])}")
    print()
    head = " | ".join(peers)
    print(f"| scheme | shape | EmbedSharp | {head} | ratio per round (strongest peer / ours) | median ratio |")
    print("|---|---|---:|" + "---:|" * len(peers) + "---|---:|")
    for s in args.shapes:
        for scheme in schemes:
            key = f"{scheme}/{s}"
            ours = [o[key + "/torch-exact"] for o, _ in rounds]
            have = [p for p in peers if key in rounds[0][1][p]["times"]]  # libtorch covers four schemes
            per_peer = {p: [t[p]["times"][key] for _, t in rounds] for p in have}
            ratios = [min(t[p]["times"][key] for p in have) / o[key + "/torch-exact"] for o, t in rounds]
            cells = " | ".join(f"{statistics.median(per_peer[p]) * 1e3:.3f} ms" if p in have else "—" for p in peers)
            per = " ".join(f"{r:.2f}" for r in ratios)
            print(f"| {scheme} | {s} | {statistics.median(ours) * 1e3:.3f} ms | {cells} | {per} | "
                  f"{statistics.median(ratios):.2f}x |")
            if key + "/parallel" in rounds[0][0]:  # the same distribution from the parallel Philox generator
                par = [o[key + "/parallel"] for o, _ in rounds]
                pratios = [min(t[p]["times"][key] for p in have) / o[key + "/parallel"] for o, t in rounds]
                print(f"| {scheme} (Philox, parallel) | {s} | {statistics.median(par) * 1e3:.3f} ms | {cells} | "
                      f"{' '.join(f'{r:.2f}' for r in pratios)} | {statistics.median(pratios):.2f}x |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
