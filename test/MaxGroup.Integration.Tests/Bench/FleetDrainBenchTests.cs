using MaxGroup.Integration.Tests.Kubernetes;

namespace MaxGroup.Integration.Tests.Bench;

/// <summary>
/// Issue 24, drain at fleet scale: 50 nodes of one cluster interrupted at once, 20 pods each (5 of them under one
/// fleet-wide PodDisruptionBudget that lets 10 be missing at a time), each node drained by its own drain step and client
/// stack as 50 drain function instances would, all drawing on the cluster's shared budget kept in the ledger table
/// (moto's DynamoDB, behind the serializing proxy). Figures from the fake API server's own request log.
/// </summary>
[Collection(MotoCollection.Name)]
public sealed class FleetDrainBenchTests(MotoFixture moto, ITestOutputHelper output)
{
    private const int Nodes = 50;
    private const int PodsPerNode = 20;

    [BenchFact]
    public Task FleetDrain_50NodesAtOnce_DefaultClusterBudget50Qps() => RunAsync(50);

    [BenchFact]
    public Task FleetDrain_50NodesAtOnce_ClusterBudget100Qps() => RunAsync(100);

    private async Task RunAsync(double clusterQps)
    {
        await moto.ResetAsync();
        await using SerializedLedgerScene scene = await SerializedLedgerScene.StartAsync(
            moto.Endpoint, "ledger-fleet", endpoint => AwsTestClients.EndpointFactory(endpoint, AwsTestClients.FastRetry()));
        var windows = new DynamoDbClusterRequestWindows(scene.Aws.DynamoDb, "ledger-fleet");

        FleetDrain.Result r = await FleetDrain.RunAsync(Nodes, PodsPerNode, instanceQps: 20, windows, clusterQps, TimeSpan.FromSeconds(120));

        TimeSpan lastDrained = r.DrainTimes.Max();
        string report = new StringBuilder()
            .AppendLine(CultureInfo.InvariantCulture, $"## Fleet drain: {Nodes} nodes x {PodsPerNode} pods at once, cluster budget {clusterQps} QPS")
            .AppendLine()
            .AppendLine("| figure | value |")
            .AppendLine("|---|---:|")
            .AppendLine(CultureInfo.InvariantCulture, $"| outcomes | {string.Join(", ", r.Outcomes.GroupBy(o => o.Status).Select(g => $"{g.Count()} {g.Key}"))} |")
            .AppendLine(CultureInfo.InvariantCulture, $"| pods evicted | {r.Outcomes.Sum(o => int.Parse(o.Details.GetValueOrDefault("evicted_count", "0"), CultureInfo.InvariantCulture))} |")
            .AppendLine(CultureInfo.InvariantCulture, $"| cordon time p50 / p99 / max | {Seconds(FleetDrain.Quantile(r.CordonTimes, 0.5))} / {Seconds(FleetDrain.Quantile(r.CordonTimes, 0.99))} / {Seconds(r.CordonTimes.Max())} |")
            .AppendLine(CultureInfo.InvariantCulture, $"| drain time p50 / p99 / last (deadline {r.Deadline.TotalSeconds:0} s) | {Seconds(FleetDrain.Quantile(r.DrainTimes, 0.5))} / {Seconds(FleetDrain.Quantile(r.DrainTimes, 0.99))} / {Seconds(lastDrained)} |")
            .AppendLine(CultureInfo.InvariantCulture, $"| API requests at the server (evictions incl. 429 retries) | {r.Requests} ({r.Evictions}) |")
            .AppendLine(CultureInfo.InvariantCulture, $"| peak requests in any 1 s at the API server | {r.PeakPerSecond} (budget {clusterQps}) |")
            .AppendLine(CultureInfo.InvariantCulture, $"| shared budget unreachable | {r.BudgetUnavailable} times |")
            .AppendLine(string.Join(Environment.NewLine, r.Outcomes.Where(o => o.Status != StepStatus.Done).Select(o => $"- {o.Status}: {o.Reason}")))
            .ToString();
        output.WriteLine(report);
        BenchArtifacts.Write($"drain-fleet-{clusterQps:0}qps.md", report);

        Assert.All(r.Outcomes, o => Assert.Equal(StepStatus.Done, o.Status));
        Assert.True(lastDrained < r.Deadline, $"the last node was drained after its deadline\n{report}");
        Assert.True(r.PeakPerSecond <= clusterQps, $"the cluster's budget did not hold at the API server\n{report}");
        Assert.Equal(0, r.BudgetUnavailable);
    }

    private static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture) + " s";
}
