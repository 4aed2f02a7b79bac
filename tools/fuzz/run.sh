#!/usr/bin/env bash
# Long fuzz run over the readers (issue 14): the xunit fuzz tests of tests/EmbedSharp.Tests/Fuzz with more cases.
#
#   tools/fuzz/run.sh --fuzz N [--seed S] [--reader NAME[,NAME…]] [--case I]
#
#   --fuzz N     cases per reader (the test suite runs 100; the fixed cases come first: every seed unmodified,
#                an empty file, an endless line; then seeded random mutations)
#   --seed S     run seed (default 14, the suite's); case I of reader R under seed S is the same input every run
#   --reader R   only these readers (comma-separated); --list prints the names
#   --case I     replay only case I (with --reader and --seed from a failure's "[reader seed=S case=I]")
#
# Prints per-reader counts (cases, accepted, refused, failures) and the failures grouped by kind; exits 1 when a
# case failed, 2 on a usage error. The GC heap is capped (6 GB) so a reader that believes a lying header fails
# with OutOfMemoryException (reported as a failure) instead of taking the machine's memory.
set -uo pipefail

usage() { sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }

cases="" seed=14 reader="" only=""
while [ $# -gt 0 ]; do
  case "$1" in
    --fuzz) cases="${2:-}"; shift 2 ;;
    --seed) seed="${2:-}"; shift 2 ;;
    --reader) reader="${2:-}"; shift 2 ;;
    --case) only="${2:-}"; shift 2 ;;
    --list)
      grep -o 'new("[a-z0-9-]*"' "$(dirname "$0")/../../tests/EmbedSharp.Tests/Fuzz/FuzzTargets.cs" | cut -d'"' -f2
      exit 0 ;;
    -h|--help) usage ;;
    *) echo "run.sh: unknown argument '$1'" >&2; usage ;;
  esac
done
if ! [[ "$cases" =~ ^[0-9]+$ ]] && [ -z "$only" ]; then echo "run.sh: --fuzz N (a number of cases) is required" >&2; usage; fi
if ! [[ "$seed" =~ ^-?[0-9]+$ ]]; then echo "run.sh: --seed takes an integer" >&2; usage; fi
if [ -n "$only" ] && ! [[ "$only" =~ ^[0-9]+$ ]]; then echo "run.sh: --case takes a case number" >&2; usage; fi

root="$(cd "$(dirname "$0")/../.." && pwd)"
report="$(mktemp "${TMPDIR:-/tmp}/embedsharp-fuzz-report.XXXXXX")"
log="$(mktemp "${TMPDIR:-/tmp}/embedsharp-fuzz-log.XXXXXX")"
trap 'rm -f "$report" "$log"' EXIT

export EMBEDSHARP_FUZZ_CASES="${cases:-$((only + 1))}" EMBEDSHARP_FUZZ_SEED="$seed" EMBEDSHARP_FUZZ_READER="$reader"
export EMBEDSHARP_FUZZ_CASE="$only" EMBEDSHARP_FUZZ_REPORT="$report"
export DOTNET_GCHeapHardLimit=0x180000000

echo "embedsharp fuzz: ${EMBEDSHARP_FUZZ_CASES} cases per reader, seed $seed, readers: ${reader:-all}${only:+, case $only only}"
if ! dotnet build "$root/tests/EmbedSharp.Tests" -nologo -v quiet >"$log" 2>&1; then
  cat "$log" >&2; echo "run.sh: the test project does not build" >&2; exit 2
fi
started=$(date +%s)
dotnet test "$root/tests/EmbedSharp.Tests" --no-build -nologo \
  --filter "FullyQualifiedName~EmbedSharp.Tests.Fuzz&FullyQualifiedName!~FuzzHarnessTests" >"$log" 2>&1
status=$?
elapsed=$(( $(date +%s) - started ))

if [ ! -s "$report" ]; then
  cat "$log" >&2; echo "run.sh: no reader ran (check --reader; --list prints the names)" >&2; exit 2
fi
cat "$report"
awk '/ cases / { c += $3; a += $5; r += $7; f += $9 }
     END { printf "%-20s cases %6d  accepted %6d  refused %6d  failures %5d\n", "TOTAL", c, a, r, f }' "$report"
echo "wall time ${elapsed} s on $(nproc) cores"
if [ $status -ne 0 ]; then
  grep -q ' failures *[1-9]' "$report" || { tail -n 40 "$log" >&2; echo "run.sh: dotnet test failed (exit $status)" >&2; exit 2; }
  exit 1
fi
exit 0
