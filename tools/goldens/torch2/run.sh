#!/usr/bin/env bash
# Builds and runs the libtorch 2.10 reference harness (Torch2Ref, TorchSharp-cpu 0.107.0 = libtorch 2.10.0).
#   tools/goldens/torch2/run.sh <command> [args...]      (commands: see Program.cs)
# Everything is built under ${EMBEDSHARP_CACHE:-~/.cache/embedsharp}/torch2, never in the repository.
#
# libstdc++ shim: TorchSharp's libLibTorchSharp.so was linked by GCC 13 and asks for
# std::ios_base_library_init()@GLIBCXX_3.4.32; Debian 12's libstdc++ (GCC 12) stops at GLIBCXX_3.4.30, so dlopen fails
# with "version `GLIBCXX_3.4.32' not found". glibc checks a version requirement against the object whose soname is the
# needed name (libstdc++.so.6), so a plain preloaded library cannot satisfy it. The shim therefore carries the soname
# libstdc++.so.6, defines every version node of the system libstdc++ plus GLIBCXX_3.4.31/3.4.32 (empty, except the one
# no-op stand-in above), and is preloaded *before* the real libstdc++, which is preloaded by path and so still provides
# every real symbol (glibc matches versioned symbols by version name, in any loaded object).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${EMBEDSHARP_CACHE:-$HOME/.cache/embedsharp}/torch2"
build="$cache/build"
mkdir -p "$build" "$cache/shim"

realstd="$(g++ -print-file-name=libstdc++.so.6)"
realstd="$(readlink -f "$realstd")"
shim="$cache/shim/libstdcxx-shim.so"
if [[ ! -f "$shim" || "$here/run.sh" -nt "$shim" ]]; then
  {
    for v in $(objdump -p "$realstd" | awk '/Version definitions/{f=1;next} /Version References/{f=0} f && NF==4 {print $4}' | grep -v '^libstdc'); do
      [[ "$v" == GLIBCXX_3.4.31 || "$v" == GLIBCXX_3.4.32 ]] || echo "$v { };"
    done
    echo "GLIBCXX_3.4.31 { };"
    echo "GLIBCXX_3.4.32 { global: _ZSt21ios_base_library_initv; local: *; };"
  } > "$cache/shim/shim.map"
  # std::ios_base_library_init() only exists so that GCC 13 objects pull in libstdc++'s iostream initialisation; the
  # GCC 12 library initialises its streams itself, so a no-op stand-in is enough.
  printf 'void _ZSt21ios_base_library_initv(void) {}\n' > "$cache/shim/shim.c"
  gcc -shared -fPIC -O2 -nostdlib -o "$shim" "$cache/shim/shim.c" \
    -Wl,-soname,libstdc++.so.6 -Wl,--version-script="$cache/shim/shim.map"
fi

# Build (copy the sources and the project so the repository's Directory.*.props do not apply).
stale=0
for f in "$here"/*.cs "$here/Torch2Ref.csproj"; do cmp -s "$f" "$build/$(basename "$f")" || stale=1; done
if [[ $stale == 1 || ! -f "$build/bin/Torch2Ref.dll" ]]; then
  rm -f "$build"/*.cs
  cp "$here"/*.cs "$here/Torch2Ref.csproj" "$build/"
  dotnet build "$build/Torch2Ref.csproj" -c Release -o "$build/bin" -nologo -v q >&2
fi

native="$(dirname "$(find "$build/bin" -name libtorch_cpu.so | head -1)")"
export LD_LIBRARY_PATH="$native${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export LD_PRELOAD="$shim $realstd${LD_PRELOAD:+ $LD_PRELOAD}"
exec dotnet "$build/bin/Torch2Ref.dll" "$@"
