#!/bin/bash
# Regenerates tests/data/huggingface/{*.json fixtures, goldens.json} with Hugging Face's tokenizers (npm, pinned) and
# prints their MANIFEST lines. Usage: tools/goldens/make_huggingface.sh
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VERSION=0.23.2
NODE_DIR="${EMBEDSHARP_COMPAT_CACHE:-$HOME/.cache/embedsharp/compat}/huggingface/node"
if ! grep -qs "\"version\": \"$VERSION\"" "$NODE_DIR/node_modules/tokenizers/package.json"; then
  mkdir -p "$NODE_DIR"
  npm install --prefix "$NODE_DIR" --no-save --no-audit --no-fund "tokenizers@$VERSION" >/dev/null
fi
NODE_PATH="$NODE_DIR/node_modules" node "$ROOT/tools/goldens/make_huggingface.js"
cd "$ROOT/tests/data"
for f in huggingface/*.json; do
  printf '%s\ttools/goldens/make_huggingface.js\ttokenizers %s (npm, Rust binding)\ttools/goldens/make_huggingface.sh\t%s\n' "$f" "$VERSION" "$(sha256sum "$f" | cut -d' ' -f1)"
done
for f in huggingface/multilingual.jsonl huggingface/texts.jsonl; do
  printf '%s\t(hand-made text, no reference tool)\t-\t-\t%s\n' "$f" "$(sha256sum "$f" | cut -d' ' -f1)"
done
