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
