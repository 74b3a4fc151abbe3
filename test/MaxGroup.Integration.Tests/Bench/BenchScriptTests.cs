using MaxGroup.Integration.Tests.Deployment;

namespace MaxGroup.Integration.Tests.Bench;

/// <summary>
/// Keeps bench/run.sh from rotting without running the benchmarks: the scripts parse, --list and --dry-run name every
/// item and test classes that exist, misuse exits 2, and bench/summary.py turns benchmark files into the table.
/// </summary>
public sealed class BenchScriptTests
{
    private static readonly string RunScript = Path.Combine(Deployment.RepositoryPaths.Root, "bench", "run.sh");
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData("run.sh")]
    [InlineData("coldstart.sh")]
    [InlineData("peer.sh")]
    public async Task BenchScript_BashSyntaxCheck_Passes(string script)
    {
        ToolResult result = await ToolProcess.RunAsync("bash", ["-n", Path.Combine(Deployment.RepositoryPaths.Root, "bench", script)], Timeout);

        Assert.True(result.ExitCode == 0, result.ToString());
    }

    [Fact]
    public async Task BenchScript_PythonHelpers_Compile()
    {
        string bench = Path.Combine(Deployment.RepositoryPaths.Root, "bench");
        string target = Directory.CreateTempSubdirectory("maxgroup-pyc-").FullName;
        try
        {
            // py_compile into a temp file: the check must not leave __pycache__ in the worktree.
            foreach (string script in new[] { "coldstart.py", "summary.py", "moto_bench.py", "peer.py", "peer_lambda.py", "peer_runtime.py" })
            {
                ToolResult result = await ToolProcess.RunAsync(
                    "python3", ["-c", "import py_compile, sys; py_compile.compile(sys.argv[1], cfile=sys.argv[2], doraise=True)", Path.Combine(bench, script), Path.Combine(target, script + "c")], Timeout);
                Assert.True(result.ExitCode == 0, result.ToString());
            }
        }
        finally
        {
            Directory.Delete(target, recursive: true);
        }
    }

    [Fact]
    public async Task BenchScript_List_NamesEveryItemAndItsArtifacts()
    {
        ToolResult result = await ToolProcess.RunAsync("bash", [RunScript, "--list"], Timeout);

        Assert.True(result.ExitCode == 0, result.ToString());
        string[] lines = result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["coldstart", "critical", "dispatcher", "burst", "drain", "peer", "launch", "memory"], lines.Select(l => l.Split(' ')[0]));
        Assert.Contains("critical-path-launch.md", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("burst-duplicates.md", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("coldstart.json", result.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BenchScript_DryRun_FiltersNameTestClassesThatExist()
    {
        ToolResult result = await ToolProcess.RunAsync("bash", [RunScript, "--dry-run"], Timeout);

        Assert.True(result.ExitCode == 0, result.ToString());
        // A renamed or moved benchmark class would make `dotnet test --filter` match nothing and the item report nothing.
        foreach (Type bench in new[] { typeof(CriticalPathTests), typeof(BurstTests), typeof(DrainBenchTests), typeof(MemoryBenchTests) })
        {
            Assert.Contains($"--filter FullyQualifiedName~{bench.FullName}", result.StandardOutput, StringComparison.Ordinal);
        }

        Assert.Contains("bench/coldstart.sh", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("--project bench/MaxGroup.Benchmarks", result.StandardOutput, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(Deployment.RepositoryPaths.Root, "bench", "MaxGroup.Benchmarks", "MaxGroup.Benchmarks.csproj")));
        Assert.Contains("MAXGROUP_BENCH_WARNINGS=100 MAXGROUP_BENCH_GROUPS=10", result.StandardOutput, StringComparison.Ordinal);
        Assert.EndsWith("python3 bench/summary.py artifacts/bench", result.StandardOutput.TrimEnd(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task BenchScript_DryRunFullSubset_RunsOnlyThoseAtIssueSize()
    {
        ToolResult result = await ToolProcess.RunAsync("bash", [RunScript, "--dry-run", "--full", "burst"], Timeout);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("MAXGROUP_BENCH_WARNINGS=1000 MAXGROUP_BENCH_GROUPS=50", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("Bench.BurstTests", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("python3 bench/moto_bench.py -H 127.0.0.1", result.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("CriticalPathTests", result.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("coldstart", result.StandardOutput, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("bogus")]
    [InlineData("--bogus")]
    public async Task BenchScript_UnknownItemOrOption_ExitsTwoWithoutRunning(string argument)
    {
        ToolResult result = await ToolProcess.RunAsync("bash", [RunScript, argument], Timeout);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains("unknown", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BenchScript_ColdStartOfCommandThatNeverCallsRuntimeApi_FailsWithoutFigures()
    {
        ToolResult result = await ToolProcess.RunAsync("python3", [Path.Combine(Deployment.RepositoryPaths.Root, "bench", "coldstart.py"), "--runs", "1", "--init-only", "--timeout", "10", "NONE=true"], TimeSpan.FromMinutes(2));

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("no Runtime API request", result.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("NONE ", result.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BenchPeer_WithoutSampleFolder_SkipsAndSaysWhy()
    {
        // The sample handler is never in this repository: without PEER_SAMPLE_DIR the item measures nothing and says so.
        ToolResult result = await ToolProcess.RunAsync(
            "python3", [Path.Combine(Deployment.RepositoryPaths.Root, "bench", "peer.py"), "--bootstrap", "/nonexistent/bootstrap"], Timeout,
            environment: new Dictionary<string, string?> { ["PEER_SAMPLE_DIR"] = null });

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("skipped: PEER_SAMPLE_DIR is unset", result.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("| cold", result.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BenchPeer_Waves_CountOnlyCallsThatEndedBeforeTheSuccessorRequest()
    {
        // A call still in flight when DetachInstances left (the Started event, a read for a later step) cannot be on its
        // path: listed "beside", not counted. Times in seconds; DetachInstances leaves at 0.032.
        const string Calls = """
            import sys; sys.dont_write_bytecode = True; sys.path.insert(0, sys.argv[1]); import peer
            class Call:
                def __init__(self, action, start, end): self.action, self.start, self.end = action, start, end
            calls = [Call("DescribeInstances", 0, .010), Call("TransactWriteItems", .011, .025), Call("DescribeAutoScalingGroups", .012, .028),
                     Call("PutEvents", .029, .035), Call("GetItem", .030, None), Call("DetachInstances", .032, .050)]
            n, w, actions = peer.waves(calls, .032)
            print(n, w, "|".join(actions))
            """;
        ToolResult result = await ToolProcess.RunAsync("python3", ["-c", Calls, Path.Combine(Deployment.RepositoryPaths.Root, "bench")], Timeout);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(
            "3 2 DescribeInstances@0+10|TransactWriteItems@11+14|DescribeAutoScalingGroups@12+16|(beside) PutEvents@29+6|(beside) GetItem@30+2",
            result.StandardOutput.Trim());
    }

    [Fact]
    public async Task BenchPeer_SampleFolderWithoutTheHandler_FailsNamingThePath()
    {
        string folder = Directory.CreateTempSubdirectory("maxgroup-peer-").FullName;
        try
        {
            ToolResult result = await ToolProcess.RunAsync(
                "python3", [Path.Combine(Deployment.RepositoryPaths.Root, "bench", "peer.py"), "--bootstrap", "/nonexistent/bootstrap"], Timeout,
                environment: new Dictionary<string, string?> { ["PEER_SAMPLE_DIR"] = folder });

            Assert.Equal(2, result.ExitCode);
            Assert.Contains(Path.Combine(folder, "ec2-spot-interruption-handler", "spot-interruption-handler", "index.py"), result.StandardError, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task BenchMoto_Check_PatchedMotoAnswersAsMotoDoes()
    {
        // The burst's emulator speed-ups must not change a single answer: the script runs the same EC2 and DynamoDB
        // calls on moto as it is and patched (in-process).
        string script = Path.Combine(Deployment.RepositoryPaths.Root, "bench", "moto_bench.py");
        ToolResult result = await ToolProcess.RunAsync("python3", [script, "--check"], TimeSpan.FromMinutes(3));

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("5 EC2 calls on 40 instances compared, 0 differ", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("answers and tables identical", result.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BenchMoto_CheckOfBrokenPatches_Fails()
    {
        // The check can fail: a tag lookup in the wrong order and a rollback copy that is no copy are both caught.
        const string Breaks = """
            import sys; sys.dont_write_bytecode = True; sys.path.insert(0, sys.argv[1]); import moto_bench as m
            from moto.dynamodb import models as d
            direct, patch = m._tags_direct, m._patch_transaction_backup
            m._tags_direct = lambda self: direct(self)[::-1]
            class NoCopy:
                def __getattr__(self, name):
                    import copy; return getattr(copy, name)
                @staticmethod
                def deepcopy(obj, memo=None): return obj
            def broken():
                patch(); d.copy = NoCopy()
            m._patch_transaction_backup = broken
            sys.exit(m._check())
            """;
        ToolResult result = await RunBrokenCheckAsync(Breaks);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains("4 differ", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("answers and tables DIFFER", result.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BenchMoto_CheckOfABackupSharingTheNamedItems_Fails()
    {
        // The rollback backup shares every item the transaction does not name; sharing the named ones too (updated in
        // place, so a cancelled transaction would keep its updates) is caught.
        const string Breaks = """
            import copy, sys; sys.dont_write_bytecode = True; sys.path.insert(0, sys.argv[1]); import moto_bench as m
            def shallow(table, keys):
                backup = copy.copy(table); backup.items = copy.copy(table.items); return backup
            m._backup_of = shallow
            sys.exit(m._check())
            """;
        ToolResult result = await RunBrokenCheckAsync(Breaks);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains("0 differ", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("answers and tables DIFFER", result.StandardOutput, StringComparison.Ordinal);
    }

    /// <summary>moto_bench.py's --check run by <paramref name="breaks"/> (Python, given the bench folder as argv[1]) after it breaks a patch.</summary>
    private static Task<ToolResult> RunBrokenCheckAsync(string breaks) =>
        ToolProcess.RunAsync("python3", ["-c", breaks, Path.Combine(Deployment.RepositoryPaths.Root, "bench")], TimeSpan.FromMinutes(3));

    [Fact]
    public async Task BenchSummary_BenchmarkFiles_OneTableQuotingTheirFigures()
    {
        string directory = Directory.CreateTempSubdirectory("maxgroup-bench-").FullName;
        try
        {
            // The shapes bench/coldstart.py and the Bench tests write (CriticalPathTests.Report, BurstTests, DrainBenchTests).
            File.WriteAllText(Path.Combine(directory, "coldstart.json"), """
                {"runs": 10, "init_only": false, "variants": {
                  "AOT": {"init_ms": {"median": 37.6, "min": 35.4, "max": 41.0}, "response_ms": {"median": 120.5, "min": 110.0, "max": 150.2},
                          "size_bytes": 32039864, "size_note": ", one file"},
                  "JIT": {"init_ms": {"median": 420.7, "min": 341.7, "max": 481.9}, "response_ms": {"median": 1500.0, "min": 1400.0, "max": 1700.0}}},
                 "ratio": {"init": 11.19, "response": 12.45}}
                """);
            File.WriteAllText(Path.Combine(directory, "critical-path-launch.md"), """
                ## Critical path: launch strategy (successor request = RunInstances)

                ### cold: 11 sequential of 14 calls before RunInstances; successor requested 366 ms after the warning was dispatched (target <= 3 sequential: MISSED)

                | # | service | action | start ms | end ms | sequential |
                |---|---------|--------|---------:|-------:|------------|
                | 1 | dynamodb | GetItem | 0 | 12 | yes |

                ### warm: 3 sequential of 3 calls before RunInstances; successor requested 95 ms after the warning was dispatched (target <= 3 sequential: met)
                """);
            File.WriteAllText(Path.Combine(directory, "drain.md"), """
                ## Drain: 110 pods (20 under 2 PDBs), budget 50 QPS burst 50

                | figure | value |
                |---|---:|
                | outcome | Done |
                | pods evicted | 110 |
                | time to drain (step start to Done) | 17.27 s |
                | API requests issued | 171 |
                | eviction requests (incl. 429 retries) | 155 |
                | peak requests in any 1 s window | 102 |
                """);
            File.WriteAllText(Path.Combine(directory, "burst-unique.md"), """
                ## Burst: 100 interruptions across 10 groups, 0 redeliveries mixed in, concurrency 16

                | figure | value |
                |---|---:|
                | started / duplicate / failed after 2 retries | 100 / 0 / 0 |
                | interrupted instances with exactly one successor | 98 of 100 |
                | ledger records with replace Done | 94 of 100 |
                | throughput | 1.1 deliveries/s |
                | handling latency p50 / p99 / max (all) | 11700 / 33600 / 43100 ms |
                | problems | 8 |
                """);
            File.WriteAllText(Path.Combine(directory, "memory-burst.md"), """
                ## Replace and dispatcher: 300 Spot warnings across 10 groups

                | invocations | after | peak RSS (VmHWM) | RSS now (VmRSS) | CPU user+system so far |
                |---:|---|---:|---:|---:|
                | 1 | replace | 50.3 MiB | 50.3 MiB | 70 ms |
                | 300 | replace | 65.8 MiB | 65.8 MiB | 4570 ms |
                | 300 | dispatcher | 62.6 MiB | 62.6 MiB | 1990 ms |

                problems: 1
                """);
            File.WriteAllText(Path.Combine(directory, "status.tsv"), "burst\tfailed (exit 1)\t90\n");

            ToolResult result = await ToolProcess.RunAsync("python3", [Path.Combine(Deployment.RepositoryPaths.Root, "bench", "summary.py"), directory], Timeout);

            Assert.True(result.ExitCode == 0, result.ToString());
            string[] rows = result.StandardOutput.Split('\n');
            Assert.Contains(rows, r => r.Contains("AOT: start → first Runtime API request", StringComparison.Ordinal) && r.Contains("37.6 ms (35.4–41.0)", StringComparison.Ordinal) && r.EndsWith("| met |", StringComparison.Ordinal));
            Assert.Contains(rows, r => r.Contains("JIT: start → first /response", StringComparison.Ordinal) && r.Contains("1500.0 ms", StringComparison.Ordinal));
            Assert.Contains(rows, r => r.Contains("ratio of medians, init", StringComparison.Ordinal) && r.Contains("11.2x", StringComparison.Ordinal) && r.EndsWith("| met |", StringComparison.Ordinal));
            Assert.Contains(rows, r => r.Contains("launch: sequential AWS calls", StringComparison.Ordinal) && r.Contains("| 11 / 3 | <= 3 | **MISSED** |", StringComparison.Ordinal));
            Assert.Contains(rows, r => r.Contains("launch: warning → successor request", StringComparison.Ordinal) && r.Contains("366 ms / 95 ms", StringComparison.Ordinal));
            Assert.Contains(rows, r => r.Contains("detach", StringComparison.Ordinal) && r.Contains("not run", StringComparison.Ordinal));
            Assert.Contains(rows, r => r.StartsWith("| burst [failed (exit 1)] |", StringComparison.Ordinal));
            Assert.Contains(rows, r => r.Contains("98 of 100; 94 of 100", StringComparison.Ordinal) && r.EndsWith("| **MISSED** |", StringComparison.Ordinal));
            Assert.Contains(rows, r => r.Contains("Done, 110 pods evicted in 17.27 s", StringComparison.Ordinal));
            Assert.Contains(rows, r => r.StartsWith("| dispatcher overhead | not run", StringComparison.Ordinal));
            Assert.Contains(rows, r => r.Contains("replace: peak RSS, CPU after 300 invocations | 65.8 MiB, 4570 ms", StringComparison.Ordinal) && r.EndsWith("| **MISSED** |", StringComparison.Ordinal));
            Assert.Contains(rows, r => r.Contains("memory-drain.md not run", StringComparison.Ordinal));
            Assert.Equal(result.StandardOutput, File.ReadAllText(Path.Combine(directory, "summary.md")));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
