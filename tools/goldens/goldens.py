"""Shared helpers for the golden-fixture scripts: the MANIFEST of tests/data and atomic writes."""
import hashlib
import os

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
DATA = os.path.join(ROOT, "tests", "data")
MANIFEST = os.path.join(DATA, "MANIFEST")


def write_atomic(path, data, mode="wb"):
    """Writes data to path through a temporary file and a rename, so a failed run leaves no half-written fixture."""
    with open(path + ".tmp", mode) as f:
        f.write(data)
    os.replace(path + ".tmp", path)


def update_manifest(script_file, files, versions, command=None, drop_script_lines=False):
    """Replaces the MANIFEST lines of `files` (paths relative to tests/data) with
    file<TAB>script<TAB>tool versions<TAB>command<TAB>sha256, keeping every other line, sorted.
    An entry of `files` is a path or a (path, command) pair; a pair's command replaces `command` for that file.
    drop_script_lines=True also drops every other line of this script (fixtures it no longer writes)."""
    script = "tools/goldens/" + os.path.basename(script_file)
    command = command or "/usr/bin/python3 " + script
    entries = [(f, command) if isinstance(f, str) else (f[0], f[1] or command) for f in files]
    paths = {rel for rel, _ in entries}
    lines = []
    if os.path.exists(MANIFEST):
        with open(MANIFEST, encoding="utf-8") as f:
            lines = [ln.rstrip("\n") for ln in f if ln.strip()]
    lines = [ln for ln in lines if ln.split("\t")[0] not in paths
             and not (drop_script_lines and ln.split("\t")[1:2] == [script])]
    for rel, how in entries:
        with open(os.path.join(DATA, rel), "rb") as f:
            sha = hashlib.sha256(f.read()).hexdigest()
        lines.append("\t".join([rel, script, versions, how, sha]))
    write_atomic(MANIFEST, "\n".join(sorted(lines)) + "\n", mode="w")


REF_DIRS = ["/usr/lib/x86_64-linux-gnu/blas", "/usr/lib/x86_64-linux-gnu/lapack"]


def pin_reference_blas():
    """Re-executes the running script with the reference (netlib) BLAS/LAPACK first on LD_LIBRARY_PATH, for this process
    only (Debian's libopenblas0-pthread would otherwise take over libblas.so.3, and PyTorch parity goldens want the
    reference's summation order). Call it before importing numpy or torch; returns at once in the re-executed process."""
    import sys
    if os.environ.get("EMBEDSHARP_REF_BLAS") == "1":
        return
    env = dict(os.environ, EMBEDSHARP_REF_BLAS="1",
               LD_LIBRARY_PATH=":".join(REF_DIRS + [p for p in os.environ.get("LD_LIBRARY_PATH", "").split(":") if p]))
    os.execve(sys.executable, [sys.executable] + sys.argv, env)


def loaded_reference_blas(torch):
    """The BLAS/LAPACK libraries this process loaded (after one matrix product); exits unless they are the reference ones."""
    torch.randn(4, 4) @ torch.randn(4, 4)
    with open("/proc/self/maps") as f:
        libs = sorted({ln.split()[-1] for ln in f if "blas" in ln or "lapack" in ln})
    if not libs or any("openblas" in x for x in libs) or not any(x.startswith(REF_DIRS[0]) for x in libs):
        raise SystemExit("reference BLAS not loaded: %s" % libs)
    return [os.path.realpath(x) for x in libs]
