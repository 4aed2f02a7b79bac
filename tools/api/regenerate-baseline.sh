#!/usr/bin/env bash
# Rewrites the library's public API baseline (src/EmbedSharp/PublicAPI.Shipped.txt) from the code, every public member
# sorted, and empties PublicAPI.Unshipped.txt. Run it only for a release, or when a surface change is intended and
# reviewed: between releases, the analyzer's RS0016/RS0017 errors (an unlisted or vanished public member) are fixed by
# adding the member to PublicAPI.Unshipped.txt (the IDE's code fix does that), not by regenerating.
set -euo pipefail
cd "$(dirname "$0")/../.."
api=src/EmbedSharp
printf '#nullable enable\n' > "$api/PublicAPI.Shipped.txt"
printf '#nullable enable\n' > "$api/PublicAPI.Unshipped.txt"
# The analyzer's own code fix (RS0016 "add to public API") fills Unshipped; its exit status reports the fixed errors.
dotnet format analyzers "$api/EmbedSharp.csproj" --diagnostics RS0016 RS0037 --severity info >/dev/null 2>&1 || true
{ printf '#nullable enable\n'; tail -n +2 "$api/PublicAPI.Unshipped.txt" | LC_ALL=C sort; } > "$api/PublicAPI.Shipped.txt"
printf '#nullable enable\n' > "$api/PublicAPI.Unshipped.txt"
echo "$(($(wc -l < "$api/PublicAPI.Shipped.txt") - 1)) public API lines in $api/PublicAPI.Shipped.txt"
