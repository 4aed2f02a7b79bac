#!/usr/bin/env bash
# Issue 18's speed table in one go: every row against the strongest peer configuration, one script after the other,
# each log in OUT_DIR (default /tmp/embedsharp-strongest) with the load average before and after. Run it on a quiet
# machine: the figures of one row are only comparable within that row's run (each script alternates the sides).
#   bash bench/peers/strongest.sh [OUT_DIR] [ROWS]      ROWS: comma list of the names below (default: all)
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
out="${1:-/tmp/embedsharp-strongest}"
rows="${2:-embedding-50k,embedding-bag,similarity,init,trunc-normal,vectors-fresh,trainer,classifier,tokenizers}"
py=/usr/bin/python3
mkdir -p "$out"
dotnet build -c Release bench/EmbedSharp.Bench -v q -nologo >/dev/null
run() {
  local name=$1; shift
  [[ ",$rows," == *",$name,"* ]] || return 0
  echo "== $name ($(date -u +%H:%M:%S), load $(cut -d' ' -f1-3 /proc/loadavg)): $*"
  { echo "# $* ; start $(date -u) load $(cut -d' ' -f1-3 /proc/loadavg)"; "$@"; echo "# end $(date -u) load $(cut -d' ' -f1-3 /proc/loadavg)"; } > "$out/$name.txt" 2>&1
  tail -n 3 "$out/$name.txt"
}
run init $py bench/peers/init_vs_torch.py --schemes orthogonal,trunc_normal --peers openblas1,openblas2,libtorch1,libtorch2 --rounds 3
run trunc-normal dotnet run -c Release --no-build --project bench/EmbedSharp.Bench -- trunc-normal-vs-torch2 --rounds 3 300x300 512x512 50000x300
run similarity $py bench/peers/similarity_vs_gensim.py --rounds 3
run embedding-50k $py bench/peers/embedding_vs_torch.py --case emb_50k_x300_idx32x128 --rounds 3 --torch2
run embedding-bag $py bench/peers/embedding_vs_torch.py --case bagmean_100k_x128_4096x50 --rounds 3 --torch2
run vectors-fresh $py bench/peers/vectors_vs_gensim.py "${EMBEDSHARP_VECTORS_CACHE:-/tmp/embedsharp-bench/vectors}" --fresh 3
run trainer $py bench/peers/trainer_vs_fasttext.py --threads 2
run classifier $py bench/peers/classifier_vs_fasttext.py --lrs 0.5 --ngrams 1
run tokenizers $py bench/peers/tokenize_vs_peers.py --rounds 3 --no-hf
