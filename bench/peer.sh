#!/usr/bin/env bash
# MaxGroup as deployed against the AWS sample Spot interruption handler (issue 24): bench/peer.py, side by side in one
# run on moto. PEER_SAMPLE_DIR names a clone of github.com/awslabs/ec2-spot-labs outside this repository; unset, the
# item says so and skips. Publishes the AOT bootstrap into artifacts/bench/aot unless it is there (FORCE=1 republishes).
# RUNS (7) alternating runs; figures also go to artifacts/bench/peer.json (bench/summary.py).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
out=artifacts/bench
aot=$out/aot
mkdir -p "$out"
if [ -z "${PEER_SAMPLE_DIR:-}" ]; then
    exec python3 bench/peer.py --bootstrap "$aot/bootstrap"  # prints the skip message
fi
if [ "${FORCE:-0}" = 1 ] || [ ! -x "$aot/bootstrap" ]; then
    dotnet publish src/MaxGroup.Functions -c Release -r linux-x64 -o "$aot" -nologo -v quiet
fi
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 bench/peer.py --bootstrap "$aot/bootstrap" --runs "${RUNS:-7}" --json "$out/peer.json"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
