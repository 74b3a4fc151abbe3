using System.Collections.Concurrent;
using System.Diagnostics;
using Amazon.EC2.Model;

namespace MaxGroup.Integration.Tests.Bench;

/// <summary>
/// Issue 10 item 4: a burst of Spot warnings across many groups delivered concurrently through the in-process dispatcher
/// (`--inline`: DynamoDB ledger, EC2, AutoScaling on moto; group configs in memory), first unique, then with redeliveries
/// mixed in. Checks each interruption is handled exactly once with exactly one successor; prints throughput and latency.
/// </summary>
[Collection(MotoCollection.Name)]
public sealed class BurstTests(MotoFixture moto, ITestOutputHelper output)
{
    [BenchFact]
    public async Task Burst_UniqueWarnings_EachHandledOnceOneSuccessorEach()
    {
        await RunBurstAsync(duplicateShare: 0, "burst-unique.md");
    }

    [BenchFact]
    public async Task Burst_TenPercentDuplicates_DuplicatesStartNothingOneSuccessorEach()
    {
        await RunBurstAsync(Setting("MAXGROUP_BENCH_DUPLICATE_SHARE", 0.1), "burst-duplicates.md");
    }

    private async Task RunBurstAsync(double duplicateShare, string artifact)
    {
        int warnings = (int)Setting("MAXGROUP_BENCH_WARNINGS", 200);
        int groups = (int)Setting("MAXGROUP_BENCH_GROUPS", 10);
        int concurrency = (int)Setting("MAXGROUP_BENCH_CONCURRENCY", 16);
        int perGroup = warnings / groups;
        await moto.ResetAsync();
        // moto is not atomic per DynamoDB request (MotoAtomicityTests): unless MAXGROUP_BENCH_RAW_MOTO=1, DynamoDB requests
        // go through a proxy that serialises them, which gives moto the per-request atomicity DynamoDB guarantees.
        bool rawMoto = Setting("MAXGROUP_BENCH_RAW_MOTO", 0) == 1;
        var successorRequests = new SuccessorRequestClock();
        await using SerializingDynamoDbProxy proxy = await SerializingDynamoDbProxy.StartAsync(moto.Endpoint, successorRequests);
        string endpoint = rawMoto ? moto.Endpoint : proxy.Endpoint;
        using var factory = AwsTestClients.EndpointFactory(endpoint, AwsTestClients.FastRetry(maxAttempts: 6));
        var configs = new FakeConfigSource("no configuration file and no spotmax: tags");
        // The in-flight caps would queue most of a burst this size; they are their own subject (ledger tests), so lift them here.
        Dictionary<string, string> variables = new()
        {
            ["MAXGROUP_LEDGER_TABLE"] = "maxgroup-ledger",
            ["AWS_ENDPOINT_URL"] = endpoint,
            [InFlightLimits.GlobalVariable] = (warnings * 2).ToString(CultureInfo.InvariantCulture),
            [InFlightLimits.PerGroupVariable] = (warnings * 2).ToString(CultureInfo.InvariantCulture),
        };
        await FunctionServices.EnsureLedgerTableAsync(factory, variables.GetValueOrDefault, TimeProvider.System, CancellationToken.None);
        DispatcherWiring composition = DispatcherWiring.Create(new FunctionServices(
            factory, configs, variables.GetValueOrDefault, TimeProvider.System, NullLoggerFactory.Instance, NullMetrics.Instance, new InvocationOptions { Inline = true }));
        await new MotoScene(factory).LaunchTemplateAsync("lt-burst", "m5.large");
        var doomed = new List<string>();
        for (int g = 0; g < groups; g++)
        {
            string name = $"burst-{g:00}";
            await new MotoScene(factory).GroupAsync(name, "lt-burst", min: 1, max: (perGroup * 2) + 1, desired: perGroup);
            configs.Add(new GroupConfig { GroupName = name, ReplacementStrategy = ReplacementStrategy.Launch, DetachingDelaySeconds = 0 });
            doomed.AddRange((await factory.AutoScaling.DescribeAutoScalingGroupsAsync([name], CancellationToken.None))[0].Instances.Select(i => i.InstanceId));
        }

        Assert.Equal(perGroup * groups, doomed.Count);
        var random = new Random(10);
        var deliveries = doomed.Select(id => (Instance: id, EventId: "ev-" + id)).ToList();
        int duplicates = (int)Math.Round(doomed.Count * duplicateShare);
        deliveries.AddRange(doomed.OrderBy(_ => random.Next()).Take(duplicates).Select(id => (Instance: id, EventId: "ev-redelivered-" + id)));
        deliveries = deliveries.OrderBy(_ => random.Next()).ToList();

        var results = new ConcurrentBag<(string Instance, string Status, double Ms, string? Reason)>();
        // The first delivery of each instance's warning: where "warning to successor request" starts.
        var firstDelivered = new ConcurrentDictionary<string, long>(StringComparer.Ordinal);
        var errors = new ConcurrentQueue<string>();
        int retries = (int)Setting("MAXGROUP_BENCH_RETRIES", 2);
        using var gate = new SemaphoreSlim(concurrency);
        var wall = Stopwatch.StartNew();
        await Task.WhenAll(deliveries.Select(async d =>
        {
            await gate.WaitAsync();
            try
            {
                MaxGroupEvent warning = EventParser.Parse(WarningJson(d.Instance, d.EventId));
                long start = Stopwatch.GetTimestamp();
                firstDelivered.AddOrUpdate(d.Instance, start, (_, earlier) => Math.Min(earlier, start));
                // A dispatch that throws is retried the way Lambda retries an asynchronous invocation (twice by
                // default); every failed attempt is counted, and latency runs from the first attempt.
                for (int attempt = 0; ; attempt++)
                {
                    try
                    {
                        DispatchResult result = await composition.Dispatcher.DispatchAsync(warning, CancellationToken.None);
                        results.Add((d.Instance, result.Status.ToString(), Stopwatch.GetElapsedTime(start).TotalMilliseconds, result.Reason));
                        break;
                    }
                    catch (Exception ex) when (ex is RemoteApiException or HttpRequestException or TimeoutException)
                    {
                        errors.Enqueue($"{d.Instance} attempt {attempt + 1}: {ex.GetType().Name}: {ex.Message}");
                        if (attempt >= retries)
                        {
                            results.Add((d.Instance, "Failed", Stopwatch.GetElapsedTime(start).TotalMilliseconds, ex.Message));
                            break;
                        }
                    }
                }
            }
            finally
            {
                gate.Release();
            }
        }));
        wall.Stop();

        // Exactly once: one Started per interrupted instance, one ledger record each, replace Done, one successor each.
        // Every other delivery is a Duplicate, or Resumed when it came while the hand-over was still open (the intake
        // restarts its outstanding steps in case the first run died; a live run keeps its lease, so nothing acts twice,
        // which the successor count below checks).
        var started = results.Where(r => r.Status == nameof(DispatchStatus.Started)).ToList();
        int resumedCount = results.Count(r => r.Status == nameof(DispatchStatus.Resumed));
        var problems = new List<string>();
        problems.AddRange(results.Where(r => r.Status is not (nameof(DispatchStatus.Started) or nameof(DispatchStatus.Duplicate) or nameof(DispatchStatus.Resumed))).Select(r => $"{r.Instance}: {r.Status} {r.Reason}"));
        problems.AddRange(started.GroupBy(r => r.Instance).Where(g => g.Count() > 1).Select(g => $"{g.Key}: started {g.Count()} times"));
        problems.AddRange(doomed.Except(started.Select(r => r.Instance)).Select(id => $"{id}: never started"));
        int recordsDone = 0;
        foreach (string id in doomed)
        {
            InterruptionRecord? record = await composition.Ledger.GetAsync(id, CancellationToken.None);
            if (record?.FindStep(StepNames.Replace)?.Status == StepStatus.Done)
            {
                recordsDone++;
            }
            else
            {
                problems.Add($"{id}: ledger replace step {record?.FindStep(StepNames.Replace)?.Status.ToString() ?? "missing"} {record?.FindStep(StepNames.Replace)?.Reason}");
            }
        }

        // No duplicate successor: count the instances tagged as replacing each interrupted instance.
        // Every page: EC2 (and moto) answer at most 100 reservations unless asked for more.
        var successorInstances = new List<Instance>();
        string? nextToken = null;
        do
        {
            DescribeInstancesResponse page = await factory.Ec2.DescribeInstancesAsync(new DescribeInstancesRequest
            {
                Filters = [new Filter("tag-key", ["spotmax:replaces"])],
                NextToken = nextToken,
            });
            successorInstances.AddRange((page.Reservations ?? []).SelectMany(r => r.Instances ?? []));
            nextToken = string.IsNullOrEmpty(page.NextToken) ? null : page.NextToken;
        }
        while (nextToken is not null);

        Dictionary<string, int> successors = successorInstances
            .Select(i => i.Tags.First(t => t.Key == "spotmax:replaces").Value)
            .GroupBy(v => v, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        problems.AddRange(doomed.Where(id => successors.GetValueOrDefault(id) != 1).Select(id => $"{id}: {successors.GetValueOrDefault(id)} successors"));

        double[] latencies = results.Select(r => r.Ms).Order().ToArray();
        double[] startedLatencies = started.Select(r => r.Ms).Order().ToArray();
        double[] toSuccessor = doomed
            .Where(id => successorRequests.FirstRequest.ContainsKey(id) && firstDelivered.ContainsKey(id))
            .Select(id => Stopwatch.GetElapsedTime(firstDelivered[id], successorRequests.FirstRequest[id]).TotalMilliseconds)
            .Order()
            .ToArray();
        if (!rawMoto)
        {
            // Straight to moto (MAXGROUP_BENCH_RAW_MOTO=1) the proxy sees no request: the figure is then empty, not a problem.
            problems.AddRange(doomed.Where(id => !successorRequests.FirstRequest.ContainsKey(id)).Take(20).Select(id => $"{id}: no successor request seen at the proxy"));
        }
        double[] duplicateLatencies = results.Where(r => r.Status == nameof(DispatchStatus.Duplicate)).Select(r => r.Ms).Order().ToArray();
        string report = new StringBuilder()
            .AppendLine(CultureInfo.InvariantCulture, $"## Burst: {doomed.Count} interruptions across {groups} groups, {duplicates} redeliveries mixed in, concurrency {concurrency}, DynamoDB {(rawMoto ? "straight to moto" : "through the serialising proxy")}, moto: {Environment.GetEnvironmentVariable("MAXGROUP_BENCH_MOTO") ?? "moto_server"}")
            .AppendLine()
            .AppendLine("| figure | value |")
            .AppendLine("|---|---:|")
            .AppendLine(CultureInfo.InvariantCulture, $"| deliveries | {deliveries.Count} |")
            .AppendLine(CultureInfo.InvariantCulture, $"| started / duplicate / resumed / failed after {retries} retries | {started.Count} / {duplicateLatencies.Length} / {resumedCount} / {results.Count(r => r.Status == "Failed")} |")
            .AppendLine(CultureInfo.InvariantCulture, $"| dispatch attempts that threw (retried) | {errors.Count} ({string.Join("; ", errors.Select(e => e[(e.IndexOf(": ", StringComparison.Ordinal) + 2)..].Split(':')[0]).Distinct().Take(3))}) |")
            .AppendLine(CultureInfo.InvariantCulture, $"| ledger records with replace Done | {recordsDone} of {doomed.Count} |")
            .AppendLine(CultureInfo.InvariantCulture, $"| interrupted instances with exactly one successor | {doomed.Count(id => successors.GetValueOrDefault(id) == 1)} of {doomed.Count} |")
            .AppendLine(CultureInfo.InvariantCulture, $"| wall time | {wall.Elapsed.TotalSeconds:0.0} s |")
            .AppendLine(CultureInfo.InvariantCulture, $"| throughput | {deliveries.Count / wall.Elapsed.TotalSeconds:0.0} deliveries/s |")
            .AppendLine(CultureInfo.InvariantCulture, $"| warning to successor request (first delivery → RunInstances/CreateFleet at the proxy) p50 / p99 / max | {Percentile(toSuccessor, 0.5):0} / {Percentile(toSuccessor, 0.99):0} / {(toSuccessor.Length == 0 ? double.NaN : toSuccessor[^1]):0} ms |")
            .AppendLine(CultureInfo.InvariantCulture, $"| handling latency p50 / p99 / max (all) | {Percentile(latencies, 0.5):0} / {Percentile(latencies, 0.99):0} / {latencies[^1]:0} ms |")
            .AppendLine(CultureInfo.InvariantCulture, $"| handling latency p50 / p99 (started, incl. replace) | {Percentile(startedLatencies, 0.5):0} / {Percentile(startedLatencies, 0.99):0} ms |")
            .AppendLine(CultureInfo.InvariantCulture, $"| handling latency p50 / p99 (duplicates) | {Percentile(duplicateLatencies, 0.5):0} / {Percentile(duplicateLatencies, 0.99):0} ms |")
            .AppendLine(CultureInfo.InvariantCulture, $"| problems | {problems.Count} |")
            .ToString();
        report += string.Concat(problems.Take(20).Select(p => $"\n- {p}")) + string.Concat(errors.Take(5).Select(e => $"\n- retried: {e}"));
        output.WriteLine(report);
        BenchArtifacts.Write(artifact, report);
        Assert.True(problems.Count == 0, report);
    }

    private static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];

    private static double Setting(string name, double fallback) =>
        double.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.Float, CultureInfo.InvariantCulture, out double value) && value > 0 ? value : fallback;

    private static string WarningJson(string instanceId, string eventId) => $$$"""
        {"version":"0","id":"{{{eventId}}}","detail-type":"EC2 Spot Instance Interruption Warning","source":"aws.ec2",
         "account":"123456789012","time":"{{{DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture)}}}","region":"us-east-1",
         "resources":["arn:aws:ec2:us-east-1a:instance/{{{instanceId}}}"],
         "detail":{"instance-id":"{{{instanceId}}}","instance-action":"terminate"}}
        """;

    /// <summary>
    /// When each successor request reached the proxy: the first RunInstances or CreateFleet tagged `spotmax:replaces` =
    /// an interrupted instance, on the same clock as the deliveries (Stopwatch). Observes only; forwards everything.
    /// </summary>
    private sealed class SuccessorRequestClock : IEmulatorSemantics
    {
        public ConcurrentDictionary<string, long> FirstRequest { get; } = new(StringComparer.Ordinal);

        public EmulatorAnswer? Before(EmulatorExchange exchange)
        {
            if (exchange.Action is "RunInstances" or "CreateFleet")
            {
                long now = Stopwatch.GetTimestamp();
                foreach ((string key, string value) in exchange.Form)
                {
                    if (value == "spotmax:replaces" && key.EndsWith(".Key", StringComparison.Ordinal)
                        && exchange.Value(key[..^".Key".Length] + ".Value") is { } replaced)
                    {
                        FirstRequest.TryAdd(replaced, now);
                    }
                }
            }

            return null;
        }

        public byte[] After(EmulatorExchange exchange, int status, byte[] body) => body;
    }
}
