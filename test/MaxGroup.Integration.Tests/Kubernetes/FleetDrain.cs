using MaxGroup.Core.Steps.Drain;
using MaxGroup.Kubernetes.Budget;
using MaxGroup.Kubernetes.Cluster;
using MaxGroup.Kubernetes.Drain;
using MaxGroup.Simulators.Kubernetes;

namespace MaxGroup.Integration.Tests.Kubernetes;

/// <summary>
/// Many nodes of one cluster interrupted at once, each drained by its own drain step with its own client stack, as
/// separate drain function instances would (own token bucket, own clients), all against one fake API server. With
/// shared windows, every instance also draws on the cluster's one <see cref="ClusterRequestBudget"/>. Each node holds
/// plain ReplicaSet pods and pods under one fleet-wide PodDisruptionBudget; a stand-in ReplicaSet controller brings each
/// evicted budgeted pod back, ready, on a spare node. Figures are read from the server's own request log.
/// </summary>
internal static class FleetDrain
{
    public const string BudgetedApp = "db";

    public sealed record Result(
        IReadOnlyList<StepOutcome> Outcomes, IReadOnlyList<TimeSpan> CordonTimes, IReadOnlyList<TimeSpan> DrainTimes,
        int Requests, int PeakPerSecond, int Evictions, TimeSpan Deadline, int BudgetUnavailable);

    /// <param name="nodes">Nodes interrupted at once.</param>
    /// <param name="podsPerNode">Pods on each; a quarter of them (at least one) under the fleet-wide budget.</param>
    /// <param name="instanceQps">Each drain instance's own token bucket (burst = twice this).</param>
    /// <param name="windows">The cluster's shared windows; null = no shared budget (each instance on its own bucket only).</param>
    /// <param name="clusterQps">The shared budget's requests per second for the whole cluster.</param>
    /// <param name="deadline">Each drain's time to reclaim.</param>
    public static async Task<Result> RunAsync(int nodes, int podsPerNode, double instanceQps, IClusterRequestWindows? windows, double clusterQps, TimeSpan deadline)
    {
        await using DrainHarness h = await DrainHarness.StartAsync(qps: instanceQps, burst: (int)(instanceQps * 2));
        FakeKubeApiServer server = h.Server;
        server.AddNode("node-spare", "aws:///us-east-1a/i-0ffffffffffffffff", DrainHarness.Zone);
        int budgeted = Math.Max(1, podsPerNode / 4);
        for (int n = 0; n < nodes; n++)
        {
            server.AddNode(NodeName(n), $"aws:///{DrainHarness.Zone}/{InstanceId(n)}", DrainHarness.Zone);
            for (int p = 0; p < podsPerNode; p++)
            {
                bool underBudget = p < budgeted;
                server.AddPod(underBudget ? "data" : $"team-{p % 4}", $"{(underBudget ? BudgetedApp : "web")}-{n:00}-{p:00}", NodeName(n),
                    new Dictionary<string, string> { ["app"] = underBudget ? BudgetedApp : "web" });
            }
        }

        // At most ten budgeted pods may be missing at a time across the fleet: the drains must wait for replacements.
        int allBudgeted = nodes * budgeted;
        server.AddPdb("data", "db-pdb", new Dictionary<string, string> { ["app"] = BudgetedApp }, minAvailable: Math.Max(1, allBudgeted - 10));
        using var stop = new CancellationTokenSource();
        Task controller = ReplaceEvictedBudgetedPodsAsync(server, stop.Token);

        int unavailable = 0;
        var factories = new List<KubernetesClientFactory>();
        var steps = new List<DrainStep>();
        for (int n = 0; n < nodes; n++)
        {
            var factory = new KubernetesClientFactory(
                null, _ => h.TokenProvider, new ApiRateBudget(instanceQps, (int)(instanceQps * 2), TimeProvider.System), null,
                windows is null ? null : cluster => new ClusterRequestBudget(windows, cluster, clusterQps, TimeProvider.System, _ => Interlocked.Increment(ref unavailable)));
            factories.Add(factory);
            steps.Add(new DrainStep(new KubernetesNodeDrainers(factory), TimeProvider.System));
        }

        GroupConfig config = h.Config(maxGrace: 1);
        DateTimeOffset start = DateTimeOffset.UtcNow;
        var drainTimes = new TimeSpan[nodes];
        StepOutcome[] outcomes;
        try
        {
            outcomes = await Task.WhenAll(Enumerable.Range(0, nodes).Select(n => Task.Run(async () =>
            {
                RemediationRequest request = ForNode(DrainHarness.Request(config, deadline), n);
                using var cts = new CancellationTokenSource(request.ReclaimAt - DateTimeOffset.UtcNow);
                StepOutcome outcome = await steps[n].RunAsync(request, cts.Token);
                drainTimes[n] = DateTimeOffset.UtcNow - start;
                return outcome;
            })));
        }
        finally
        {
            await stop.CancelAsync();
            await controller;
            factories.ForEach(f => f.Dispose());
        }

        IReadOnlyList<FakeKubeApiServer.RecordedRequest> requests = server.Requests;
        List<TimeSpan> cordons = Enumerable.Range(0, nodes)
            .Select(n => requests.FirstOrDefault(r => r.Method == "PATCH" && r.PathAndQuery.StartsWith($"/api/v1/nodes/{NodeName(n)}", StringComparison.Ordinal)))
            .Select(r => r is null ? TimeSpan.MaxValue : r.At - start)
            .ToList();
        return new Result(
            outcomes, cordons, drainTimes, requests.Count, server.PeakRequestsPer(TimeSpan.FromSeconds(1)),
            requests.Count(r => r.PathAndQuery.EndsWith("/eviction", StringComparison.Ordinal)), deadline, unavailable);
    }

    /// <summary>The value at quantile <paramref name="q"/> (nearest rank) of <paramref name="values"/>.</summary>
    public static TimeSpan Quantile(IReadOnlyList<TimeSpan> values, double q)
    {
        List<TimeSpan> sorted = values.Order().ToList();
        return sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Count) - 1, 0, sorted.Count - 1)];
    }

    private static string NodeName(int n) => $"node-{n:00}";

    private static string InstanceId(int n) => $"i-0{n:x16}";

    private static RemediationRequest ForNode(RemediationRequest request, int n) => request with
    {
        Instance = request.Instance with { InstanceId = InstanceId(n), PrivateDnsName = $"ip-10-0-2-{n}.ec2.internal", PrivateIpAddress = $"10.0.2.{n}" },
    };

    private static async Task ReplaceEvictedBudgetedPodsAsync(FakeKubeApiServer server, CancellationToken cancellationToken)
    {
        var original = server.PodKeys().Where(k => k.StartsWith("data/", StringComparison.Ordinal)).ToHashSet(StringComparer.Ordinal);
        var replaced = new HashSet<string>(StringComparer.Ordinal);
        while (!cancellationToken.IsCancellationRequested)
        {
            IReadOnlyList<string> present = server.PodKeys();
            foreach (string gone in original.Where(k => !present.Contains(k) && replaced.Add(k)))
            {
                server.AddPod("data", gone["data/".Length..] + "-r", "node-spare", new Dictionary<string, string> { ["app"] = BudgetedApp });
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
}
