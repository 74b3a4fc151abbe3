#!/usr/bin/env bash
# Runs every MaxGroup benchmark (issue 10) end to end and prints one summary table (bench/summary.py), built from the
# files the benchmarks write under artifacts/bench/. Loopback only: moto, the fake Kubernetes API, in-memory ports.
#
#   bench/run.sh                      all items: coldstart critical dispatcher burst drain peer launch memory
#   bench/run.sh critical drain       a subset (or ITEMS="critical drain")
#   bench/run.sh --full               burst at the issue's size: 1,000 warnings across 50 groups
#   bench/run.sh --list               the items and what each runs; runs nothing
#   bench/run.sh --dry-run [ITEM...]  the commands, in order, with their environment; runs nothing
#   bench/run.sh --summary            only the table, from the artifacts of earlier runs
#   bench/run.sh --no-build ...       use the integration tests as last built (skips `dotnet build`)
#
# Burst size: MAXGROUP_BENCH_WARNINGS (default 100, --full 1000), MAXGROUP_BENCH_GROUPS (10, --full 50),
# MAXGROUP_BENCH_CONCURRENCY (the test's default, 16), MAXGROUP_BENCH_DUPLICATE_SHARE (0.1).
# The burst runs against bench/moto_bench.py (moto with its O(n) per-request lookups made constant-time, answers
# unchanged: `python3 bench/moto_bench.py --check`); BENCH_PLAIN_MOTO=1 uses plain moto_server instead, and
# MAXGROUP_TEST_AWS_ENDPOINT a running emulator.
# Peer (bench/peer.sh): MaxGroup as deployed against the AWS sample handler; PEER_SAMPLE_DIR names a clone of
# awslabs/ec2-spot-labs outside this repository (unset: the item skips and says so).
# Memory (MemoryBenchTests, the AOT bootstrap from artifacts/bench/aot, published when missing): MAXGROUP_BENCH_DRAINS (10),
# MAXGROUP_BENCH_MEMORY_WARNINGS (300), MAXGROUP_BENCH_MEMORY_GROUPS (10).
# Cold start: RUNS (10), FORCE=1 republishes the AOT and JIT builds. BENCH_TIMEOUT: seconds per item (3600).
# Exit status: 0 when every item ran and passed its test, 1 when one failed (its figures still appear), 2 on misuse.
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
all_items="coldstart critical dispatcher burst drain peer launch memory"
out=artifacts/bench
mode=run
full=0
build=1
items=()

usage() {
    sed -n '2,/^set -uo/p' "${BASH_SOURCE[0]}" | sed '$d' | sed 's/^# \{0,1\}//'
}

for arg in "$@"; do
    case $arg in
        --list) mode=list ;;
        --dry-run) mode=dry-run ;;
        --summary) mode=summary ;;
        --full) full=1 ;;
        --no-build) build=0 ;;
        -h|--help) usage; exit 0 ;;
        -*) echo "unknown option $arg" >&2; usage >&2; exit 2 ;;
        *) items+=("$arg") ;;
    esac
done
if [ ${#items[@]} -eq 0 ]; then
    read -r -a items <<< "${ITEMS:-$all_items}"
fi
for item in "${items[@]}"; do
    case " $all_items " in
        *" $item "*) ;;
        *) echo "unknown item '$item' (items: $all_items)" >&2; exit 2 ;;
    esac
done

if [ "$full" = 1 ]; then
    export MAXGROUP_BENCH_WARNINGS=${MAXGROUP_BENCH_WARNINGS:-1000} MAXGROUP_BENCH_GROUPS=${MAXGROUP_BENCH_GROUPS:-50}
else
    export MAXGROUP_BENCH_WARNINGS=${MAXGROUP_BENCH_WARNINGS:-100} MAXGROUP_BENCH_GROUPS=${MAXGROUP_BENCH_GROUPS:-10}
fi
export MAXGROUP_BENCH=1 # un-skips the [BenchFact] tests
item_timeout=${BENCH_TIMEOUT:-3600}
tests=test/MaxGroup.Integration.Tests

# The command each item runs (one line each; `eval`ed in run mode, printed in --list / --dry-run).
command_of() {
    local filter="--no-build --nologo --logger console;verbosity=normal --filter FullyQualifiedName~MaxGroup.Integration.Tests.Bench"
    case $1 in
        coldstart) echo "bench/coldstart.sh" ;;
        critical) echo "dotnet test $tests ${filter}.CriticalPathTests" ;;
        dispatcher) echo "dotnet run -c Release --project bench/MaxGroup.Benchmarks -- --filter '*' --artifacts $out/BenchmarkDotNet.Artifacts" ;;
        burst) echo "dotnet test $tests ${filter}.BurstTests" ;;
        drain) echo "dotnet test $tests ${filter}.DrainBenchTests|${filter#*--filter }.FleetDrainBenchTests" ;;
        peer) echo "bench/peer.sh" ;;
        launch) echo "dotnet test $tests ${filter}.LaunchBenchTests" ;;
        memory) echo "dotnet test $tests ${filter}.MemoryBenchTests" ;;
    esac
}

# What each item writes under $out (removed before the item runs, so a stale figure never passes for a new one).
artifacts_of() {
    case $1 in
        coldstart) echo "coldstart.json" ;;
        critical) echo "critical-path-launch.md critical-path-detach.md" ;;
        dispatcher) echo "BenchmarkDotNet.Artifacts" ;;
        burst) echo "burst-unique.md burst-duplicates.md" ;;
        drain) echo "drain.md drain-fleet-50qps.md drain-fleet-100qps.md" ;;
        peer) echo "peer.json" ;;
        launch) echo "launch-capacity.md" ;;
        memory) echo "memory-drain.md memory-burst.md" ;;
    esac
}

needs_test_build() {
    local item
    [ "$build" = 1 ] || return 1
    for item in "${items[@]}"; do
        case $item in critical|burst|drain|launch|memory) return 0 ;; esac
    done
    return 1
}

quote_command() {
    # The logger argument holds a ';': quote it so the printed line can be pasted into a shell.
    sed "s/--logger console;verbosity=normal/--logger 'console;verbosity=normal'/"
}

case $mode in
    list)
        for item in $all_items; do
            printf '%-10s %s   -> %s/{%s}\n' "$item" "$(command_of "$item" | quote_command)" "$out" "$(artifacts_of "$item" | tr ' ' ,)"
        done
        exit 0
        ;;
    dry-run)
        echo "MAXGROUP_BENCH=1 MAXGROUP_BENCH_WARNINGS=$MAXGROUP_BENCH_WARNINGS MAXGROUP_BENCH_GROUPS=$MAXGROUP_BENCH_GROUPS" \
            "MAXGROUP_BENCH_CONCURRENCY=${MAXGROUP_BENCH_CONCURRENCY:-(test default)}"
        if needs_test_build; then
            echo "timeout $item_timeout dotnet build $tests --nologo -v quiet"
        fi
        for item in "${items[@]}"; do
            if [ "$item" = burst ] && [ -z "${MAXGROUP_TEST_AWS_ENDPOINT:-}" ] && [ "${BENCH_PLAIN_MOTO:-0}" != 1 ]; then
                echo "python3 bench/moto_bench.py -H 127.0.0.1 -p PORT &  # then MAXGROUP_TEST_AWS_ENDPOINT=http://127.0.0.1:PORT"
            fi
            echo "timeout $item_timeout $(command_of "$item" | quote_command)"
        done
        echo "python3 bench/summary.py $out"
        exit 0
        ;;
    summary)
        python3 bench/summary.py "$out"
        exit $?
        ;;
esac

mkdir -p "$out"
status=0
{
    echo "## Machine"
    echo "- date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "- nproc: $(nproc); cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
    echo "- load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "- dotnet: $(dotnet --version)"
    echo "- command: bench/run.sh $*  (burst: ${MAXGROUP_BENCH_WARNINGS} warnings / ${MAXGROUP_BENCH_GROUPS} groups, concurrency ${MAXGROUP_BENCH_CONCURRENCY:-16})"
} > "$out/machine.md"
cat "$out/machine.md"
# Keep the status of items not run this time (their files stay too), so --summary shows the latest of each.
touch "$out/status.tsv"
for item in "${items[@]}"; do
    grep -v "^$item	" "$out/status.tsv" > "$out/status.tsv.new" || true
    mv "$out/status.tsv.new" "$out/status.tsv"
done

record() {
    # $1 item, $2 status word, $3 seconds
    printf '%s\t%s\t%s\n' "$1" "$2" "$3" >> "$out/status.tsv"
    echo "== $1: $2 in $3 s (log: $out/$1.log)"
}

bench_moto_pid=
start_bench_moto() {
    # A free loopback port from the kernel, then the patched moto on it; the tests use it through the fixture's variable.
    local port
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    python3 bench/moto_bench.py -H 127.0.0.1 -p "$port" > "$out/moto_bench.log" 2>&1 &
    bench_moto_pid=$!
    for _ in $(seq 1 100); do
        if curl -fsS -o /dev/null "http://127.0.0.1:$port/moto-api/"; then
            export MAXGROUP_TEST_AWS_ENDPOINT="http://127.0.0.1:$port" MAXGROUP_BENCH_MOTO="bench/moto_bench.py"
            echo "   moto: bench/moto_bench.py on 127.0.0.1:$port"
            return 0
        fi
        sleep 0.2
    done
    echo "bench/moto_bench.py did not answer on port $port (log: $out/moto_bench.log)" >&2
    stop_bench_moto
    return 1
}
stop_bench_moto() {
    if [ -n "$bench_moto_pid" ]; then
        kill "$bench_moto_pid" 2> /dev/null
        wait "$bench_moto_pid" 2> /dev/null
        bench_moto_pid=
        unset MAXGROUP_TEST_AWS_ENDPOINT MAXGROUP_BENCH_MOTO
    fi
}
trap stop_bench_moto EXIT

if needs_test_build; then
    echo "== building $tests"
    if ! timeout "$item_timeout" dotnet build "$tests" --nologo -v quiet > "$out/build.log" 2>&1; then
        tail -n 30 "$out/build.log"
        echo "the integration tests do not build: critical, burst and drain cannot run" >&2
        status=1
    fi
fi

for item in "${items[@]}"; do
    for artifact in $(artifacts_of "$item"); do
        rm -rf "${out:?}/$artifact"
    done
    echo "== $item: $(command_of "$item" | quote_command)"
    started=$SECONDS
    command=$(command_of "$item")
    if [ "$item" = burst ] && [ -z "${MAXGROUP_TEST_AWS_ENDPOINT:-}" ] && [ "${BENCH_PLAIN_MOTO:-0}" != 1 ]; then
        start_bench_moto || status=1
    fi
    if [ "$item" = memory ]; then
        # The bootstrap the memory bench runs: the cold start's AOT build, reused (FORCE=1 republishes).
        if [ "${FORCE:-0}" = 1 ] || [ ! -x "$out/aot/bootstrap" ]; then
            dotnet publish src/MaxGroup.Functions -c Release -r linux-x64 -o "$out/aot" -nologo -v quiet > "$out/memory-publish.log" 2>&1 || status=1
        fi
        export MAXGROUP_TEST_BOOTSTRAP_DIR="$PWD/$out/aot"
    fi
    if [ "$item" = critical ] || [ "$item" = burst ] || [ "$item" = drain ] || [ "$item" = launch ] || [ "$item" = memory ]; then
        # Split on spaces, never eval'ed: the logger argument's ';' stays part of one argument.
        read -r -a argv <<< "$command"
        timeout "$item_timeout" "${argv[@]}" > "$out/$item.log" 2>&1
    elif [ "$item" = dispatcher ]; then
        timeout "$item_timeout" dotnet run -c Release --project bench/MaxGroup.Benchmarks -- \
            --filter '*' --artifacts "$out/BenchmarkDotNet.Artifacts" > "$out/$item.log" 2>&1
    elif [ "$item" = peer ]; then
        timeout "$item_timeout" bench/peer.sh > "$out/$item.log" 2>&1
    else
        timeout "$item_timeout" bench/coldstart.sh > "$out/$item.log" 2>&1
    fi
    code=$?
    stop_bench_moto
    elapsed=$((SECONDS - started))
    if [ $code -eq 0 ]; then
        record "$item" ok "$elapsed"
    else
        status=1
        if [ $code -eq 124 ]; then
            record "$item" "timed out after ${item_timeout} s" "$elapsed"
        else
            record "$item" "failed (exit $code)" "$elapsed"
        fi
        tail -n 25 "$out/$item.log"
    fi
done

echo "- load average at end: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$out/machine.md"
echo
python3 bench/summary.py "$out" || status=1
exit $status
