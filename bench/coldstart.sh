#!/usr/bin/env bash
# Cold start of the Lambda bootstrap (issue 10, item 1): size, and process start to the first Runtime API request
# (init) and to the first /response for a Spot warning of an unmanaged group (AWS = moto, started by coldstart.py),
# median of RUNS runs, for the Native AOT binary and for the same code on the JIT (`dotnet bootstrap.dll`).
# Publishes both into artifacts/bench unless they are there already (FORCE=1 republishes).
# INIT_ONLY=1: first request only, no moto. Figures also go to artifacts/bench/coldstart.json (bench/summary.py).
# It measures wall-clock time: other work on the machine distorts it, so note the load.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
runs=${RUNS:-10}
out=artifacts/bench
aot=$out/aot
jit=$out/jit
mkdir -p "$out"

if [ "${FORCE:-0}" = 1 ] || [ ! -x "$aot/bootstrap" ]; then
    dotnet publish src/MaxGroup.Functions -c Release -r linux-x64 -o "$aot" -nologo -v quiet
fi
if [ "${FORCE:-0}" = 1 ] || [ ! -f "$jit/bootstrap.dll" ]; then
    # Same project and settings, JIT instead of Native AOT: framework-dependent, run with `dotnet bootstrap.dll`.
    dotnet publish src/MaxGroup.Functions -c Release -r linux-x64 -p:PublishAot=false --self-contained false -o "$jit" -nologo -v quiet
fi

mode=()
if [ "${INIT_ONLY:-0}" = 1 ]; then
    mode=(--init-only)
fi
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 bench/coldstart.py --runs "$runs" "${mode[@]}" --json "$out/coldstart.json" \
    --size "AOT=$aot/bootstrap" --size "JIT=$jit" \
    "AOT=$aot/bootstrap" "JIT=dotnet $jit/bootstrap.dll"
echo "AOT bootstrap: $(stat -c %s "$aot/bootstrap") bytes ($(du -h "$aot/bootstrap" | cut -f1)), one file"
echo "JIT publish:   $(du -sb "$jit" | cut -f1) bytes in $(find "$jit" -type f | wc -l) files, plus the shared .NET runtime"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
