#!/usr/bin/env bash
# Fetches the npm package tiktoken@1.0.22 (OpenAI's tiktoken core compiled to WASM, with its encoders/*.json) into the
# EmbedSharp cache, checks the tarball's sha256, and writes the four encodings as standard .tiktoken files
# (BASE64 RANK per line, rank order), each checked against the sha256 of OpenAI's published file.
# Usage: bash tools/compat/tiktoken_fetch.sh   → prints the directory that holds package/ and the *.tiktoken files.
# Cache: ${EMBEDSHARP_CACHE:-~/.cache/embedsharp}/tiktoken-npm-1.0.22 (reused when complete).
set -euo pipefail
version=1.0.22
tarball_sha256=55c339e756fdb17604f7c7e3eb35d2bcbffe4d960e8096e50285d1cefa51dd90
# The files tiktoken's openai_public.py pins (expected_hash), reproduced byte for byte from the npm encoders.
declare -A file_sha256=(
  [r50k_base]=306cd27f03c1a714eca7108e03d66b7dc042abe8c258b44c199a7ed9838dd930
  [p50k_base]=94b5ca7dff4d00767bc256fdd1b27e5b17361d7b8a5f968547f9f23eb70d2069
  [cl100k_base]=223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7
  [o200k_base]=446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d
)
root=${EMBEDSHARP_CACHE:-$HOME/.cache/embedsharp}
dir=$root/tiktoken-npm-$version
if [ -f "$dir/.complete" ]; then echo "$dir"; exit 0; fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tiktoken-fetch.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack "tiktoken@$version" --silent >/dev/null)
actual=$(sha256sum "$tmp/tiktoken-$version.tgz" | cut -d' ' -f1)
if [ "$actual" != "$tarball_sha256" ]; then
  echo "tiktoken_fetch: tiktoken-$version.tgz has sha256 $actual, expected $tarball_sha256" >&2; exit 1
fi
mkdir -p "$tmp/out"
tar -xzf "$tmp/tiktoken-$version.tgz" -C "$tmp/out"
for name in "${!file_sha256[@]}"; do
  node -e '
    const fs = require("fs");
    const [json, out] = process.argv.slice(1);
    // bpe_ranks: lines "! FIRST_RANK TOKEN TOKEN ..." (consecutive ranks from FIRST_RANK) or "TOKEN RANK".
    const lines = [];
    for (const line of JSON.parse(fs.readFileSync(json, "utf8")).bpe_ranks.split("\n")) {
      const f = line.split(" ").filter(Boolean);
      if (f.length === 0) continue;
      if (f[0] === "!") { const first = Number(f[1]); f.slice(2).forEach((t, k) => lines.push([first + k, t])); }
      else lines.push([Number(f[1]), f[0]]);
    }
    lines.sort((a, b) => a[0] - b[0]);
    fs.writeFileSync(out, lines.map(([r, t]) => `${t} ${r}\n`).join(""));
  ' "$tmp/out/package/encoders/$name.json" "$tmp/out/$name.tiktoken"
  got=$(sha256sum "$tmp/out/$name.tiktoken" | cut -d' ' -f1)
  if [ "$got" != "${file_sha256[$name]}" ]; then
    echo "tiktoken_fetch: $name.tiktoken has sha256 $got, expected ${file_sha256[$name]}" >&2; exit 1
  fi
done
mkdir -p "$root"
rm -rf "$dir"
mv "$tmp/out" "$dir"
touch "$dir/.complete"
echo "$dir"
