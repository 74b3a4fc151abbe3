using System.Diagnostics;
using MaxGroup.Integration.Tests.Kubernetes;
using MaxGroup.Simulators.Kubernetes;

namespace MaxGroup.Integration.Tests.Bench;

/// <summary>
/// Issue 10 item 5: a node with 110 evictable pods (20 under PodDisruptionBudgets) drained through the production
/// client stack (EKS token, TLS, rate budget of 50 QPS) against the loopback API server; prints time, requests and peak rate.
/// </summary>
public sealed class DrainBenchTests(ITestOutputHelper output)
{
    public const double Qps = 50;
    public const int Burst = 50;
    private const int PlainPods = 90;
    private const int BudgetedPods = 20;

    [Fact]
    public async Task Drain_110PodsSomeUnderPdbAt50Qps_AllEvictedWithinBudgetAndFiguresPrinted()
    {
        await using DrainHarness h = await DrainHarness.StartAsync(qps: Qps, burst: Burst);
        FakeKubeApiServer s = h.Server;
        h.AddDoomedNode();
        s.AddNode("node-b", "aws:///us-east-1a/i-0bbbbbbbbbbbbbbbb", DrainHarness.Zone);
        for (int i = 0; i < PlainPods; i++)
        {
            s.AddPod($"team-{i % 5}", $"web-{i:000}", "node-a", new Dictionary<string, string> { ["app"] = "web" });
        }

        // Two budgets that each allow only two disruptions at first: the rest of their pods are evicted only as the
        // stand-in ReplicaSet controller below brings replacements up on node-b, so the drain must retry on 429.
        var db = new Dictionary<string, string> { ["app"] = "db" };
        var cache = new Dictionary<string, string> { ["app"] = "cache" };
        for (int i = 0; i < BudgetedPods / 2; i++)
        {
            s.AddPod("data", $"db-{i:00}", "node-a", db);
            s.AddPod("data", $"cache-{i:00}", "node-a", cache);
        }

        s.AddPod("data", "db-b0", "node-b", db);
        s.AddPod("data", "db-b1", "node-b", db);
        s.AddPod("data", "cache-b0", "node-b", cache);
        s.AddPod("data", "cache-b1", "node-b", cache);
        s.AddPdb("data", "db-pdb", db, minAvailable: 10);
        s.AddPdb("data", "cache-pdb", cache, minAvailable: 10);
        using var stop = new CancellationTokenSource();
        Task controller = ReplaceEvictedBudgetedPodsAsync(s, stop.Token);

        var watch = Stopwatch.StartNew();
        StepOutcome outcome = await h.RunAsync(DrainHarness.Request(h.Config(maxGrace: 1), timeLeft: TimeSpan.FromSeconds(90)));
        watch.Stop();
        await stop.CancelAsync();
        await controller;

        IReadOnlyList<FakeKubeApiServer.RecordedRequest> requests = s.Requests;
        int evictionCalls = requests.Count(r => r.PathAndQuery.EndsWith("/eviction", StringComparison.Ordinal));
        int peak = s.PeakRequestsPer(TimeSpan.FromSeconds(1));
        double span = requests.Count > 1 ? (requests[^1].At - requests[0].At).TotalSeconds : 0;
        string report = new StringBuilder()
            .AppendLine("## Drain: 110 pods (20 under 2 PDBs), budget 50 QPS burst 50")
            .AppendLine()
            .AppendLine("| figure | value |")
            .AppendLine("|---|---:|")
            .AppendLine(CultureInfo.InvariantCulture, $"| outcome | {outcome.Status} |")
            .AppendLine(CultureInfo.InvariantCulture, $"| pods evicted | {outcome.Details.GetValueOrDefault("evicted_count", "?")} |")
            .AppendLine(CultureInfo.InvariantCulture, $"| time to drain (step start to Done) | {watch.Elapsed.TotalSeconds:0.00} s |")
            .AppendLine(CultureInfo.InvariantCulture, $"| API requests issued | {requests.Count} |")
            .AppendLine(CultureInfo.InvariantCulture, $"| eviction requests (incl. 429 retries) | {evictionCalls} |")
            .AppendLine(CultureInfo.InvariantCulture, $"| peak requests in any 1 s window | {peak} |")
            .AppendLine(CultureInfo.InvariantCulture, $"| mean request rate | {(span > 0 ? requests.Count / span : 0):0.0} /s |")
            .ToString();
        output.WriteLine(report);
        BenchArtifacts.Write("drain.md", report);

        Assert.Equal(StepStatus.Done, outcome.Status);
        Assert.Equal((PlainPods + BudgetedPods).ToString(CultureInfo.InvariantCulture), outcome.Details["evicted_count"]);
        Assert.True(evictionCalls > PlainPods + BudgetedPods, "no eviction was refused by a budget: the PDBs were not exercised");
        // A token bucket lets through at most burst + qps calls in any one second (3 of tolerance for a loaded machine).
        Assert.True(peak <= Burst + Qps + 3, $"peak {peak} requests in one second exceeds the budget\n{report}");
    }

    /// <summary>Stands in for the ReplicaSet controller: each budgeted pod that leaves node-a reappears, ready, on node-b.</summary>
    private static async Task ReplaceEvictedBudgetedPodsAsync(FakeKubeApiServer s, CancellationToken cancellationToken)
    {
        var replaced = new HashSet<string>(StringComparer.Ordinal);
        var original = new HashSet<string>(s.PodKeys().Where(k => k.StartsWith("data/", StringComparison.Ordinal) && !k.Contains("-b", StringComparison.Ordinal)), StringComparer.Ordinal);
        while (!cancellationToken.IsCancellationRequested)
        {
            IReadOnlyList<string> present = s.PodKeys();
            foreach (string gone in original.Where(k => !present.Contains(k) && replaced.Add(k)))
            {
                string name = gone["data/".Length..];
                s.AddPod("data", name + "-r", "node-b", new Dictionary<string, string> { ["app"] = name.StartsWith("db", StringComparison.Ordinal) ? "db" : "cache" });
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
