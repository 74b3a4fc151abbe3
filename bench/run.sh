#!/usr/bin/env bash
# Runs every MaxGroup benchmark (issue 10) and prints one table per item, collected from artifacts/bench/.
#   bench/run.sh                 all items
#   ITEMS="critical drain" bench/run.sh   a subset: coldstart critical dispatcher burst drain
# Sizes (burst): MAXGROUP_BENCH_WARNINGS (200), MAXGROUP_BENCH_GROUPS (10), MAXGROUP_BENCH_CONCURRENCY (16),
# MAXGROUP_BENCH_DUPLICATE_SHARE (0.1). Cold start: RUNS (10). Everything talks to loopback only (moto, fakes).
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
items=${ITEMS:-"coldstart critical dispatcher burst drain"}
out=artifacts/bench
mkdir -p "$out"
status=0

machine() {
    echo "## Machine"
    echo "- date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "- nproc: $(nproc)"
    echo "- cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
    echo "- load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "- dotnet: $(dotnet --version)"
}

integration() {
    # $1 = test filter. MAXGROUP_BENCH=1 un-skips the long benchmarks.
    MAXGROUP_BENCH=1 timeout 1800 dotnet test test/MaxGroup.Integration.Tests --filter "$1" --nologo \
        --logger "console;verbosity=minimal" || status=1
}

machine | tee "$out/machine.md"
for item in $items; do
    echo
    case $item in
        coldstart)
            echo "## Cold start (bench/coldstart.sh)"
            timeout 1800 bench/coldstart.sh | tee "$out/coldstart.txt" || status=1
            ;;
        critical)
            rm -f "$out"/critical-path-*.md
            integration "FullyQualifiedName~MaxGroup.Integration.Tests.Bench.CriticalPathTests"
            cat "$out"/critical-path-*.md 2>/dev/null
            ;;
        dispatcher)
            echo "## Dispatcher overhead (BenchmarkDotNet, short in-process job)"
            (cd "$out" && timeout 1800 dotnet run -c Release --project ../../bench/MaxGroup.Benchmarks -- --filter '*') || status=1
            cat "$out"/BenchmarkDotNet.Artifacts/results/*DispatcherBenchmarks-report-github.md 2>/dev/null
            ;;
        burst)
            rm -f "$out"/burst-*.md
            integration "FullyQualifiedName~MaxGroup.Integration.Tests.Bench.BurstTests"
            cat "$out"/burst-*.md 2>/dev/null
            ;;
        drain)
            rm -f "$out"/drain.md
            integration "FullyQualifiedName~MaxGroup.Integration.Tests.Bench.DrainBenchTests"
            cat "$out"/drain.md 2>/dev/null
            ;;
        *)
            echo "unknown item $item (coldstart critical dispatcher burst drain)" >&2
            status=2
            ;;
    esac
done
echo
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
exit $status
