using MaxGroup.Integration.Tests.Kubernetes;
using MaxGroup.Integration.Tests.Runtime;
using MaxGroup.Simulators.Kubernetes;

namespace MaxGroup.Integration.Tests.Bench;

/// <summary>
/// Issue 24, memory: the Native AOT bootstrap's peak resident set (VmHWM) and CPU time per function, each function one
/// warm execution environment serving its invocations one at a time as Lambda's does (<see cref="BootstrapUnderRuntimeApi"/>).
/// The drain function drains node after node against the Kubernetes API simulator (EKS token, TLS to its CA, the
/// shared cluster budget in the ledger table); the replace function takes a burst of Spot warnings and the dispatcher
/// the same warnings after it, as the two EventBridge rules deliver them. Figures after every few invocations show
/// whether the resident set grows with them. Writes artifacts/bench/memory-*.md.
/// </summary>
[Collection(MotoCollection.Name)]
public sealed class MemoryBenchTests(MotoFixture moto, BootstrapFixture bootstrap, ITestOutputHelper output) : IClassFixture<BootstrapFixture>
{
    private const string LedgerTableName = "maxgroup-bench-ledger";
    private const string ConfigBucket = "maxgroup-bench-config";
    private static readonly TimeSpan InvocationLimit = TimeSpan.FromSeconds(150);

    [BenchFact]
    public async Task Memory_DrainFunctionDrainsNodeAfterNode_FiguresPrinted()
    {
        int nodes = (int)Setting("MAXGROUP_BENCH_DRAINS", 10);
        await moto.ResetAsync();
        using AwsClientFactory aws = AwsTestClients.MotoFactory(moto);
        await LedgerTable.CreateIfMissingAsync(aws.DynamoDb, LedgerTableName, TimeProvider.System, CancellationToken.None);
        var ledger = new DynamoDbLedger(aws.DynamoDb, LedgerTableName);
        await using FakeKubeApiServer kube = await FakeKubeApiServer.StartAsync();
        kube.TokenValidator = token => EksTokenChecker.Problem(token, DrainHarness.ClusterName, MotoFixture.Region, "testing", "testing", DateTimeOffset.UtcNow) is null;
        kube.AddNode("spare", "aws:///us-east-1a/i-0ffffffffffffffff", DrainHarness.Zone);
        // The first node is the drain bench's 110 pods (20 under two budgets); the others 20 pods each, 5 under a budget.
        var budgeted = new List<(string Namespace, string Name, string App)>();
        for (int n = 0; n < nodes; n++)
        {
            kube.AddNode(NodeName(n), $"aws:///{DrainHarness.Zone}/{InstanceId(n)}", DrainHarness.Zone);
            int plain = n == 0 ? 90 : 15;
            for (int i = 0; i < plain; i++)
            {
                kube.AddPod($"team-{i % 5}", $"web-{n:00}-{i:000}", NodeName(n), new Dictionary<string, string> { ["app"] = "web" });
            }

            foreach (string app in n == 0 ? ["db", "cache"] : new[] { $"cache-{n:00}" })
            {
                int onNode = n == 0 ? 10 : 5;
                var labels = new Dictionary<string, string> { ["app"] = app };
                for (int i = 0; i < onNode; i++)
                {
                    kube.AddPod("data", $"{app}-{i:00}", NodeName(n), labels);
                    budgeted.Add(("data", $"{app}-{i:00}", app));
                }

                kube.AddPod("data", $"{app}-s0", "spare", labels);
                kube.AddPod("data", $"{app}-s1", "spare", labels);
                kube.AddPdb("data", $"{app}-pdb", labels, minAvailable: onNode);
            }
        }

        using var stop = new CancellationTokenSource();
        Task controller = ReplaceEvictedAsync(kube, budgeted, stop.Token);
        var config = new GroupConfig
        {
            GroupName = "web-asg",
            K8sNodeDrainOption = true,
            K8sClusterName = DrainHarness.ClusterName,
            K8sEndpoint = kube.Endpoint,
            K8sCertificateAuthority = kube.Certificates.CaBase64,
            K8sNodeDrainGraceSecond = 1,
        };
        var rows = new List<string>();
        var problems = new List<string>();
        await using (BootstrapUnderRuntimeApi drain = await BootstrapUnderRuntimeApi.StartAsync(bootstrap.BootstrapPath, "drain", Environment()))
        {
            for (int n = 0; n < nodes; n++)
            {
                DateTimeOffset warning = DateTimeOffset.UtcNow;
                RemediationRequest request = DrainHarness.Request(config, timeLeft: TimeSpan.FromSeconds(120)) with
                {
                    Instance = DrainHarness.Request(config).Instance with { InstanceId = InstanceId(n) },
                };
                await ledger.TryBeginInterruptionAsync(new InterruptionRecord
                {
                    InstanceId = InstanceId(n),
                    EventIds = [request.EventId],
                    GroupName = config.GroupName,
                    WarningTime = request.WarningTime,
                    ReclaimAt = request.ReclaimAt,
                    Steps = [new StepRecord { Name = StepNames.Drain }],
                }, new InFlightLimits(), warning, CancellationToken.None);
                var watch = System.Diagnostics.Stopwatch.StartNew();
                (string kind, string body) = await drain.InvokeAsync(JsonSerializer.Serialize(request, RemediationJsonContext.Default.RemediationRequest), InvocationLimit);
                StepOutcome? outcome = kind == "response" ? JsonSerializer.Deserialize(body, RemediationJsonContext.Default.StepOutcome) : null;
                string evicted = outcome?.Details.GetValueOrDefault("evicted_count") ?? "?";
                if (outcome?.Status != StepStatus.Done || evicted != (n == 0 ? "110" : "20"))
                {
                    problems.Add($"{NodeName(n)}: {kind} {outcome?.Status} {outcome?.Reason ?? body}, evicted {evicted}");
                }

                rows.Add(Row(n + 1, $"{NodeName(n)}, {evicted} pods in {watch.Elapsed.TotalSeconds:0.0} s", drain));
            }

            await CheckHeadroomAsync(problems, "DrainFunction", drain);
        }

        await stop.CancelAsync();
        await controller;
        Report("memory-drain.md", $"## Drain function: {nodes} nodes drained one after another in one execution environment (node 1: 110 pods, 20 under two PDBs; then 20 pods, 5 under a PDB), grace 1 s, cluster budget 50 QPS; {kube.Requests.Count} API requests", rows, problems);
    }

    [BenchFact]
    public async Task Memory_ReplaceAndDispatcherUnderWarningBurst_FiguresPrinted()
    {
        int warnings = (int)Setting("MAXGROUP_BENCH_MEMORY_WARNINGS", 300);
        int groups = (int)Setting("MAXGROUP_BENCH_MEMORY_GROUPS", 10);
        int every = Math.Max(1, warnings / 6);
        await moto.ResetAsync();
        using AwsClientFactory aws = AwsTestClients.MotoFactory(moto);
        await LedgerTable.CreateIfMissingAsync(aws.DynamoDb, LedgerTableName, TimeProvider.System, CancellationToken.None);
        await aws.S3.PutBucketAsync(ConfigBucket);
        var scene = new MotoScene(aws);
        await scene.LaunchTemplateAsync("lt-memory", "m5.large");
        var doomed = new List<string>();
        for (int g = 0; g < groups; g++)
        {
            string name = $"memory-{g:00}";
            int size = warnings / groups;
            await scene.GroupAsync(name, "lt-memory", min: 1, max: (size * 2) + 1, desired: size);
            await aws.S3.PutObjectAsync(new Amazon.S3.Model.PutObjectRequest
            {
                BucketName = ConfigBucket,
                Key = $"groups/{name}.json",
                ContentBody = """{"replacement_strategy": "detach", "detaching_delay_seconds": 0}""",
            });
            doomed.AddRange((await aws.AutoScaling.DescribeAutoScalingGroupsAsync([name], CancellationToken.None))[0].Instances.Select(i => i.InstanceId));
        }

        var rows = new List<string>();
        var problems = new List<string>();
        Dictionary<string, string> variables = Environment();
        variables["MAXGROUP_CONFIG_BUCKET"] = ConfigBucket;
        variables[InFlightLimits.GlobalVariable] = (warnings * 2).ToString(CultureInfo.InvariantCulture);
        variables[InFlightLimits.PerGroupVariable] = (warnings * 2).ToString(CultureInfo.InvariantCulture);
        // The dispatcher as template.yaml sets it, but a short grace: the replace function has answered each warning
        // before the dispatcher gets it, so the grace is only a sleep, and 2 s of it per warning would make this hours.
        Dictionary<string, string> dispatcherVariables = new(variables)
        {
            ["MAXGROUP_REPLACE_TAKES_WARNINGS"] = "true",
            ["MAXGROUP_REPLACE_INTAKE_GRACE_MS"] = "50",
        };
        await using (BootstrapUnderRuntimeApi replace = await BootstrapUnderRuntimeApi.StartAsync(bootstrap.BootstrapPath, "replace", variables))
        await using (BootstrapUnderRuntimeApi dispatcher = await BootstrapUnderRuntimeApi.StartAsync(bootstrap.BootstrapPath, "dispatcher", dispatcherVariables))
        {
            for (int i = 0; i < doomed.Count; i++)
            {
                string warning = DemoScene.WarningJson($"ev-{doomed[i]}", doomed[i], "us-east-1a", "terminate", DateTimeOffset.UtcNow.AddSeconds(120));
                Expect(problems, "replace", doomed[i], await replace.InvokeAsync(warning, InvocationLimit), "Started");
                Expect(problems, "dispatcher", doomed[i], await dispatcher.InvokeAsync(warning, InvocationLimit), "Duplicate");
                if ((i + 1) % every == 0 || i == 0 || i == doomed.Count - 1)
                {
                    rows.Add(Row(i + 1, "replace", replace));
                    rows.Add(Row(i + 1, "dispatcher", dispatcher));
                }
            }

            await CheckHeadroomAsync(problems, "ReplaceFunction", replace);
            await CheckHeadroomAsync(problems, "DispatcherFunction", dispatcher);
        }

        Report("memory-burst.md", $"## Replace and dispatcher: {doomed.Count} Spot warnings across {groups} groups, one after another, each to the replace function (strategy detach) and then the dispatcher (replace takes warnings, grace 50 ms)", rows, problems);
    }

    /// <summary>The function's MemorySize in the transformed template.yaml leaves at least 2x its measured peak (the template's comment).</summary>
    private static async Task CheckHeadroomAsync(List<string> problems, string logicalId, BootstrapUnderRuntimeApi function)
    {
        JsonElement resources = await Deployment.TransformedTemplate.ResourcesAsync();
        int memorySize = resources.GetProperty(logicalId).GetProperty("Properties").GetProperty("MemorySize").GetInt32();
        double peakMib = function.PeakResidentKib() / 1024.0;
        if (peakMib * 2 > memorySize)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"{logicalId}: peak RSS {peakMib:0.0} MiB leaves less than 2x headroom in its MemorySize {memorySize} MB"));
        }
    }

    private static void Expect(List<string> problems, string function, string instanceId, (string Kind, string Body) answer, string status)
    {
        string? got = null;
        if (answer.Kind == "response")
        {
            using JsonDocument body = JsonDocument.Parse(answer.Body);
            got = body.RootElement.TryGetProperty("status", out JsonElement s) ? s.GetString() : null;
        }

        if (got != status)
        {
            problems.Add($"{function} {instanceId}: {answer.Kind} {answer.Body[..Math.Min(300, answer.Body.Length)]}");
        }
    }

    private static string Row(int invocations, string what, BootstrapUnderRuntimeApi function) => string.Create(
        CultureInfo.InvariantCulture, $"| {invocations} | {what} | {function.PeakResidentKib() / 1024.0:0.0} MiB | {function.ResidentKib() / 1024.0:0.0} MiB | {function.CpuMs():0} ms |");

    private void Report(string artifact, string title, List<string> rows, List<string> problems)
    {
        string report = new StringBuilder()
            .AppendLine(CultureInfo.InvariantCulture, $"{title}; load average {File.ReadAllText("/proc/loadavg").Trim()}")
            .AppendLine()
            .AppendLine("| invocations | after | peak RSS (VmHWM) | RSS now (VmRSS) | CPU user+system so far |")
            .AppendLine("|---:|---|---:|---:|---:|")
            .AppendJoin('\n', rows)
            .AppendLine()
            .AppendLine(CultureInfo.InvariantCulture, $"\nproblems: {problems.Count}")
            .AppendJoin('\n', problems.Take(20).Select(p => "- " + p))
            .ToString();
        output.WriteLine(report);
        BenchArtifacts.Write(artifact, report);
        Assert.True(problems.Count == 0, report);
    }

    private Dictionary<string, string> Environment() => new()
    {
        ["AWS_ENDPOINT_URL"] = moto.Endpoint,
        ["AWS_ACCESS_KEY_ID"] = "testing",
        ["AWS_SECRET_ACCESS_KEY"] = "testing",
        ["AWS_REGION"] = MotoFixture.Region,
        ["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] = "512",
        ["MAXGROUP_LEDGER_TABLE"] = LedgerTableName,
        ["MAXGROUP_K8S_CLUSTER_QPS"] = "50",
        ["POWERTOOLS_SERVICE_NAME"] = "maxgroup-bench",
        ["POWERTOOLS_LOG_LEVEL"] = "Warning",
    };

    private static string NodeName(int n) => $"node-{n:00}";

    private static string InstanceId(int n) => $"i-0{n:x16}";

    /// <summary>Stands in for the ReplicaSet controller: each budgeted pod that leaves its node reappears, ready, on the spare node.</summary>
    private static async Task ReplaceEvictedAsync(FakeKubeApiServer kube, List<(string Namespace, string Name, string App)> budgeted, CancellationToken cancellationToken)
    {
        var replaced = new HashSet<string>(StringComparer.Ordinal);
        while (!cancellationToken.IsCancellationRequested)
        {
            var present = new HashSet<string>(kube.PodKeys(), StringComparer.Ordinal);
            foreach ((string ns, string name, string app) in budgeted.Where(p => !present.Contains($"{p.Namespace}/{p.Name}") && replaced.Add(p.Name)))
            {
                kube.AddPod(ns, name + "-r", "spare", new Dictionary<string, string> { ["app"] = app });
            }

            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private static double Setting(string name, double fallback) =>
        double.TryParse(System.Environment.GetEnvironmentVariable(name), NumberStyles.Float, CultureInfo.InvariantCulture, out double value) && value > 0 ? value : fallback;
}
