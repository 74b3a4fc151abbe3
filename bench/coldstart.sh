#!/usr/bin/env bash
# Cold start of the Lambda bootstrap: size, and process start to first Runtime API request (median of RUNS runs),
# for the Native AOT binary and for the same code on the JIT (`dotnet bootstrap.dll` from a normal publish).
# Publishes both into artifacts/bench unless they are there already (FORCE=1 republishes). Run it on an idle
# machine: it measures wall-clock time, and other builds distort it.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
runs=${RUNS:-10}
out=artifacts/bench
aot=$out/aot
jit=$out/jit

if [ "${FORCE:-0}" = 1 ] || [ ! -x "$aot/bootstrap" ]; then
    dotnet publish src/MaxGroup.Functions -c Release -r linux-x64 -o "$aot" -nologo -v quiet
fi
if [ "${FORCE:-0}" = 1 ] || [ ! -f "$jit/bootstrap.dll" ]; then
    # Same project and settings, JIT instead of Native AOT: framework-dependent, run with `dotnet bootstrap.dll`.
    dotnet publish src/MaxGroup.Functions -c Release -r linux-x64 -p:PublishAot=false --self-contained false -o "$jit" -nologo -v quiet
fi

echo "AOT bootstrap: $(stat -c %s "$aot/bootstrap") bytes ($(du -h "$aot/bootstrap" | cut -f1))"
echo "JIT publish:   $(du -sb "$jit" | cut -f1) bytes in $(find "$jit" -type f | wc -l) files, plus the shared .NET runtime"
python3 bench/coldstart.py --runs "$runs" "AOT=$aot/bootstrap" "JIT=dotnet $jit/bootstrap.dll"
