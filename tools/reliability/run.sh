#!/usr/bin/env bash
# Regenerates docs/reliability.md from a real run of the reliability suite (issue 11):
#   1. the property-based fuzz tests (CsCheck) of the event parser, the config validator and the Consul address rules,
#   2. the event-order and duplication tests (test/MaxGroup.Integration.Tests/Reliability/EventOrder*, ConcurrentDispatch*),
#   3. the fault drill (MAXGROUP_DRILL=1): every trigger (Spot, reservation, retirement, scale-in; MAXGROUP_DRILL_TRIGGERS) x its
#      fault plans x seeds, invariants read from moto, the fakes, the lifecycle emulator and the ledger.
#   4. the crash drill (MAXGROUP_CRASH_DRILL=1, issue 23): SIGKILL before/after every mutating call of a hand-over, in-process
#      and as deployed; artifacts/crash-drill/results.json (about 45 minutes with 4 cases at a time; SKIP_CRASH_DRILL=1 skips it).
# Results land in artifacts/reliability/ (trx files, drill.md, runs/*.txt with each run's ledger timeline and faults);
# tools/reliability/render.py folds them into docs/reliability.md with the date, the machine's load and this command.
#
#   tools/reliability/run.sh                                   everything (about 20 minutes on a loaded 2-core box)
#   MAXGROUP_DRILL_PLANS=mix MAXGROUP_DRILL_SEEDS=1 tools/reliability/run.sh     a quick subset
#   NO_BUILD=1 tools/reliability/run.sh                        reuse the last build
set -uo pipefail
cd "$(dirname "$0")/../.."
out=artifacts/reliability
rm -rf "$out/trx" "$out/drill.md" "$out/runs"
if [[ "${SKIP_CRASH_DRILL:-0}" != 1 ]]; then rm -rf artifacts/crash-drill; fi
mkdir -p "$out/trx"
build=()
if [[ "${NO_BUILD:-0}" == 1 ]]; then build=(--no-build); fi
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
started=$(date -u +%Y-%m-%dT%H:%M:%SZ)

timeout 1200 dotnet test test/MaxGroup.Core.Tests "${build[@]}" --filter "FullyQualifiedName~Fuzz" \
  --logger "trx;LogFileName=fuzz-core.trx" --results-directory "$out/trx" >"$out/fuzz-core.log" 2>&1
timeout 1200 dotnet test test/MaxGroup.Integration.Tests "${build[@]}" \
  --filter "FullyQualifiedName~ConsulAddressTests.TryBuildAgentUri_AnyPrivateIpString|FullyQualifiedName~ConsulDelayPlanTests.Compute_AnyInput" \
  --logger "trx;LogFileName=fuzz-integration.trx" --results-directory "$out/trx" >"$out/fuzz-integration.log" 2>&1
# Built above (or reused): later runs never rebuild, so all three parts test the same binaries.
timeout 900 dotnet test test/MaxGroup.Integration.Tests --no-build \
  --filter "FullyQualifiedName~Reliability.EventOrder|FullyQualifiedName~Reliability.ConcurrentDispatch" \
  --logger "trx;LogFileName=event-order.trx" --results-directory "$out/trx" >"$out/event-order.log" 2>&1
MAXGROUP_DRILL=1 timeout 3000 dotnet test test/MaxGroup.Integration.Tests --no-build \
  --filter "FullyQualifiedName~Reliability.FaultDrill|FullyQualifiedName~Reliability.TransientFaultRecovery|FullyQualifiedName~Reliability.AmbiguousAutoScaling" \
  --logger "trx;LogFileName=drill.trx" --results-directory "$out/trx" >"$out/drill.log" 2>&1
if [[ "${SKIP_CRASH_DRILL:-0}" != 1 ]]; then
  MAXGROUP_CRASH_DRILL=1 timeout 5400 dotnet test test/MaxGroup.Integration.Tests --no-build \
    --filter "FullyQualifiedName~Reliability.Crash" \
    --logger "trx;LogFileName=crash.trx" --results-directory "$out/trx" >"$out/crash.log" 2>&1
fi

load_after=$(cut -d' ' -f1-3 /proc/loadavg)
python3 tools/reliability/render.py \
  --started "$started" --finished "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
  --load-before "$load_before" --load-after "$load_after" \
  --commit "$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src test || echo '+uncommitted')" \
  --drill-plans "${MAXGROUP_DRILL_PLANS:-all}" --drill-seeds "${MAXGROUP_DRILL_SEEDS:-1,2,3}" \
  --out docs/reliability.md
echo "docs/reliability.md written; raw results in $out/"
