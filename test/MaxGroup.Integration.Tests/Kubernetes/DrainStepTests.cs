using System.Diagnostics;
using System.Text.Json.Nodes;
using k8s;
using MaxGroup.Kubernetes.Drain;
using MaxGroup.Simulators.Kubernetes;

namespace MaxGroup.Integration.Tests.Kubernetes;

/// <summary>The drain step end to end against the loopback Kubernetes API: TLS against the cluster CA, EKS token, real status codes.</summary>
public sealed class DrainStepTests
{
    private static readonly Dictionary<string, string> Web = new() { ["app"] = "web" };

    [Fact]
    public async Task DrainStep_NodeFoundByProviderId_CordonsTaintsLabelsAndEvictsOnlyEvictablePods()
    {
        await using DrainHarness h = await DrainHarness.StartAsync();
        FakeKubeApiServer s = h.Server;
        var existing = new JsonObject { ["key"] = "dedicated", ["value"] = "web", ["effect"] = "NoSchedule" };
        // The node's name differs from the private DNS name: only the providerID can find it.
        s.AddNode("node-a", $"aws:///{DrainHarness.Zone}/{DrainHarness.InstanceId}", DrainHarness.Zone, taints: [existing]);
        s.AddNode("node-b", "aws:///us-east-1a/i-0bbbbbbbbbbbbbbbb", DrainHarness.Zone);
        s.AddPod("app", "web-1", "node-a", Web);
        s.AddPod("app", "scratch", "node-a", emptyDir: true);
        s.AddPod("app", "slow", "node-a", graceSeconds: 300);
        s.AddPod("kube-system", "aws-node-x1", "node-a", ownerKind: "DaemonSet");
        s.AddPod("kube-system", "static-etcd-node-a", "node-a", ownerKind: "Node", mirror: true);
        s.AddPod("batch", "job-done", "node-a", ownerKind: "Job", phase: "Succeeded", ready: false);
        s.AddPod("app", "web-2", "node-b", Web);

        StepOutcome outcome = await h.RunAsync(DrainHarness.Request(h.Config(maxGrace: 2)));

        Assert.Equal(StepStatus.Done, outcome.Status);
        Assert.Equal("node-a", outcome.Details["node"]);
        Assert.Equal("app/scratch,app/slow,app/web-1", outcome.Details["evicted"]);
        Assert.Equal("0", outcome.Details["remaining_count"]);
        Assert.Equal("batch/job-done=finished,kube-system/aws-node-x1=daemonset,kube-system/static-etcd-node-a=mirror", outcome.Details["skipped"]);
        Assert.Equal(["app/scratch", "app/slow", "app/web-1"], s.Evictions.Select(e => e.Pod).Order(StringComparer.Ordinal));
        // The pod's own 300 s is capped by k8s_node_drain_grace_second.
        Assert.Equal(2, s.Evictions.Single(e => e.Pod == "app/slow").GraceSeconds);
        Assert.Equal(1, s.Evictions.Single(e => e.Pod == "app/web-1").GraceSeconds);
        Assert.Equal(["app/web-2", "batch/job-done", "kube-system/aws-node-x1", "kube-system/static-etcd-node-a"], s.PodKeys());

        JsonObject node = s.GetNode("node-a");
        Assert.True(node["spec"]!["unschedulable"]!.GetValue<bool>());
        Assert.Equal("true", node["metadata"]!["labels"]![NodeDrainer.ExcludeFromLoadBalancersLabel]!.GetValue<string>());
        JsonArray taints = node["spec"]!["taints"]!.AsArray();
        Assert.Contains(taints, t => t!["key"]!.GetValue<string>() == "dedicated");
        JsonNode spot = Assert.Single(taints, t => t!["key"]!.GetValue<string>() == NodeDrainer.SpotInterruptionTaint)!;
        Assert.Equal("NoSchedule", spot["effect"]!.GetValue<string>());
        Assert.Equal("1e5527d7-bb36-4607-3370-4164db56a40e", spot["value"]!.GetValue<string>());
        Assert.False(s.GetNode("node-b")["spec"]!.AsObject().ContainsKey("unschedulable"));
        FakeKubeApiServer.RecordedRequest patch = Assert.Single(s.Requests, r => r.Method == "PATCH");
        Assert.StartsWith("application/merge-patch+json", patch.ContentType, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DrainStep_NoProviderIdOnNode_FindsNodeByPrivateDnsName()
    {
        await using DrainHarness h = await DrainHarness.StartAsync();
        h.Server.AddNode(DrainHarness.PrivateDns, providerId: null, zone: DrainHarness.Zone);
        h.Server.AddNode("ip-10-0-9-9.ec2.internal", "aws:///us-east-1a/i-0999", DrainHarness.Zone);
        h.Server.AddPod("app", "web-1", DrainHarness.PrivateDns, Web);

        StepOutcome outcome = await h.RunAsync(DrainHarness.Request(h.Config()));

        Assert.Equal(StepStatus.Done, outcome.Status);
        Assert.Equal(DrainHarness.PrivateDns, outcome.Details["node"]);
        Assert.Equal("app/web-1", outcome.Details["evicted"]);
        Assert.Contains(h.Server.Requests, r => r.PathAndQuery.Contains("fieldSelector=metadata.name", StringComparison.Ordinal));
    }

    [Fact]
    public async Task DrainStep_NoNodeForInstance_ReturnsNoOpWithReason()
    {
        await using DrainHarness h = await DrainHarness.StartAsync();
        h.Server.AddNode("other", "aws:///us-east-1a/i-0other", DrainHarness.Zone);

        StepOutcome outcome = await h.RunAsync(DrainHarness.Request(h.Config()));

        Assert.Equal(StepStatus.NoOp, outcome.Status);
        Assert.Contains($"aws:///{DrainHarness.Zone}/{DrainHarness.InstanceId}", outcome.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain(h.Server.Requests, r => r.Method != "GET");
    }

    [Fact]
    public async Task DrainStep_PdbExhausted_EvictsOnceAPodElsewhereBecomesReady()
    {
        await using DrainHarness h = await DrainHarness.StartAsync();
        FakeKubeApiServer s = h.Server;
        h.AddDoomedNode();
        s.AddNode("node-b", "aws:///us-east-1a/i-0b", DrainHarness.Zone);
        s.AddPod("app", "web-1", "node-a", Web);
        s.AddPod("app", "web-2", "node-b", Web);
        s.AddPod("app", "web-3", "node-b", Web, ready: false);
        s.AddPdb("app", "web-pdb", Web, minAvailable: 2);
        DateTimeOffset readyAt = default;
        Task freeBudget = Task.Run(async () =>
        {
            await Task.Delay(TimeSpan.FromSeconds(2));
            readyAt = DateTimeOffset.UtcNow;
            s.SetPodReady("app", "web-3", true);
        });

        StepOutcome outcome = await h.RunAsync(DrainHarness.Request(h.Config()));
        await freeBudget;

        Assert.Equal(StepStatus.Done, outcome.Status);
        Assert.Equal("app/web-1", outcome.Details["evicted"]);
        FakeKubeApiServer.RecordedEviction eviction = Assert.Single(s.Evictions);
        Assert.True(eviction.At >= readyAt, "the eviction went through before the budget allowed it");
        Assert.True(s.Requests.Count(r => r.PathAndQuery.EndsWith("/eviction", StringComparison.Ordinal)) >= 2, "the 429 was not retried");
    }

    [Fact]
    public async Task DrainStep_DeadlineReachedWithPdbBlocking_ReportsRemainingPodsAndWhy()
    {
        await using DrainHarness h = await DrainHarness.StartAsync();
        FakeKubeApiServer s = h.Server;
        h.AddDoomedNode();
        s.AddPod("app", "web-1", "node-a", Web);
        s.AddPod("app", "api-1", "node-a", new Dictionary<string, string> { ["app"] = "api" });
        s.AddPdb("app", "web-pdb", Web, minAvailable: 1);
        RemediationRequest request = DrainHarness.Request(h.Config(), timeLeft: TimeSpan.FromSeconds(6));
        var watch = Stopwatch.StartNew();

        StepOutcome outcome = await h.RunAsync(request);

        Assert.True(DateTimeOffset.UtcNow < request.ReclaimAt, $"the step ran past reclaim ({watch.Elapsed})");
        Assert.Equal(StepStatus.Failed, outcome.Status);
        Assert.Contains("deadline reached", outcome.Reason, StringComparison.Ordinal);
        Assert.Equal("app/api-1", outcome.Details["evicted"]);
        Assert.Equal("1", outcome.Details["remaining_count"]);
        Assert.StartsWith("app/web-1=pdb: Cannot evict pod as it would violate the pod's disruption budget.", outcome.Details["remaining"], StringComparison.Ordinal);
        Assert.Contains("app/web-1", s.PodKeys());
        Assert.Contains(("DrainPodsRemaining", 1.0), h.Metrics.Recorded);
        Assert.Contains(("DrainPodsEvicted", 1.0), h.Metrics.Recorded);
    }

    [Fact]
    public async Task DrainStep_RateBudget_PeakRequestsStayWithinQpsPlusBurst()
    {
        const double qps = 10;
        const int burst = 5;
        await using DrainHarness h = await DrainHarness.StartAsync(qps: qps, burst: burst);
        FakeKubeApiServer s = h.Server;
        h.AddDoomedNode();
        for (int i = 0; i < 40; i++)
        {
            s.AddPod("app", $"web-{i:00}", "node-a", graceSeconds: 0);
        }

        var watch = Stopwatch.StartNew();
        StepOutcome outcome = await h.RunAsync(DrainHarness.Request(h.Config(), timeLeft: TimeSpan.FromSeconds(60)));
        watch.Stop();

        Assert.Equal(StepStatus.Done, outcome.Status);
        Assert.Equal("40", outcome.Details["evicted_count"]);
        int total = s.Requests.Count;
        // list nodes + patch + list pods + 40 evictions + at least one poll.
        Assert.True(total >= 44, $"only {total} requests");
        int peak = s.PeakRequestsPer(TimeSpan.FromSeconds(2));
        // A token bucket lets through at most burst + 2 * qps calls in any two seconds. Arrivals are counted at the
        // server, where a loaded machine delays some sends and bunches them: a two-second window (and 3 of tolerance)
        // absorbs that jitter, while without the budget all 45+ requests arrive within one second.
        Assert.True(peak <= burst + (2 * qps) + 3, $"peak {peak} requests in two seconds exceeds the budget");
        Assert.True(watch.Elapsed >= TimeSpan.FromSeconds(((total - burst) / qps) - 1), $"{total} requests took only {watch.Elapsed}");
    }

    [Fact]
    public async Task DrainStep_DryRun_ListsThePlanAndChangesNothing()
    {
        await using DrainHarness h = await DrainHarness.StartAsync();
        FakeKubeApiServer s = h.Server;
        h.AddDoomedNode();
        s.AddPod("app", "web-1", "node-a", Web);
        s.AddPod("kube-system", "aws-node-x1", "node-a", ownerKind: "DaemonSet");

        StepOutcome outcome = await h.RunAsync(DrainHarness.Request(h.Config(dryRun: true)));

        Assert.Equal(StepStatus.NoOp, outcome.Status);
        Assert.StartsWith("dry run: would cordon", outcome.Reason, StringComparison.Ordinal);
        Assert.Equal("app/web-1", outcome.Details["would_evict"]);
        Assert.Equal("kube-system/aws-node-x1=daemonset", outcome.Details["skipped"]);
        Assert.All(s.Requests, r => Assert.Equal("GET", r.Method));
        Assert.False(s.GetNode("node-a")["spec"]!.AsObject().ContainsKey("unschedulable"));
        Assert.Contains("app/web-1", s.PodKeys());
    }

    [Fact]
    public async Task DrainStep_SuccessorKnown_WaitsForItsNodeToBeReadyBeforeEvicting()
    {
        await using DrainHarness h = await DrainHarness.StartAsync();
        FakeKubeApiServer s = h.Server;
        h.AddDoomedNode();
        s.AddNode("node-new", "aws:///us-east-1b/i-0successor", "us-east-1b", ready: false, created: DateTimeOffset.UtcNow);
        s.AddPod("app", "web-1", "node-a", Web);
        DateTimeOffset readyAt = default;
        Task becomeReady = Task.Run(async () =>
        {
            await Task.Delay(TimeSpan.FromSeconds(2));
            readyAt = DateTimeOffset.UtcNow;
            s.SetNodeReady("node-new", true);
        });

        StepOutcome outcome = await h.RunAsync(DrainHarness.Request(h.Config(successorWait: 30), successor: "i-0successor"));
        await becomeReady;

        Assert.Equal(StepStatus.Done, outcome.Status);
        Assert.StartsWith("ready: node-new after", outcome.Details["successor_wait"], StringComparison.Ordinal);
        Assert.True(Assert.Single(s.Evictions).At >= readyAt, "evicted before the successor was Ready");
    }

    [Fact]
    public async Task DrainStep_SuccessorUnknown_WaitTimesOutAndStillEvicts()
    {
        await using DrainHarness h = await DrainHarness.StartAsync();
        FakeKubeApiServer s = h.Server;
        h.AddDoomedNode();
        // An old Ready node is not a successor; a new one that is not Ready yet is not either.
        s.AddNode("node-old", "aws:///us-east-1a/i-0old", DrainHarness.Zone, created: DateTimeOffset.UtcNow.AddDays(-1));
        s.AddNode("node-new", "aws:///us-east-1a/i-0new", DrainHarness.Zone, ready: false, created: DateTimeOffset.UtcNow);
        s.AddPod("app", "web-1", "node-a", Web);

        StepOutcome outcome = await h.RunAsync(DrainHarness.Request(h.Config(successorWait: 2)));

        Assert.Equal(StepStatus.Done, outcome.Status);
        Assert.StartsWith("timed out after", outcome.Details["successor_wait"], StringComparison.Ordinal);
        Assert.Equal("app/web-1", outcome.Details["evicted"]);
    }

    [Fact]
    public async Task DrainStep_RunTwice_SecondRunConvergesWithoutDuplicateTaint()
    {
        await using DrainHarness h = await DrainHarness.StartAsync();
        FakeKubeApiServer s = h.Server;
        h.AddDoomedNode();
        s.AddPod("app", "web-1", "node-a", Web);

        StepOutcome first = await h.RunAsync(DrainHarness.Request(h.Config()));
        StepOutcome second = await h.RunAsync(DrainHarness.Request(h.Config()));

        Assert.Equal(StepStatus.Done, first.Status);
        Assert.Equal(StepStatus.Done, second.Status);
        Assert.Equal("already cordoned", second.Details["cordon"]);
        Assert.Equal("0", second.Details["evicted_count"]);
        Assert.Single(s.Requests, r => r.Method == "PATCH");
        Assert.Single(s.GetNode("node-a")["spec"]!["taints"]!.AsArray());
    }

    [Fact]
    public async Task DrainStep_TokenRejected_FailsWithTheApiAnswer()
    {
        await using DrainHarness h = await DrainHarness.StartAsync();
        h.Server.TokenValidator = _ => false;
        h.AddDoomedNode();

        StepOutcome outcome = await h.RunAsync(DrainHarness.Request(h.Config()));

        Assert.Equal(StepStatus.Failed, outcome.Status);
        Assert.Contains("401", outcome.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task KubernetesClientFactory_CaOfAnotherCluster_RefusesTheServerCertificate()
    {
        await using DrainHarness h = await DrainHarness.StartAsync();
        using LoopbackCertificates other = LoopbackCertificates.Create("some-other-ca");
        IKubernetes client = await h.ClientAsync(h.Config(caBase64: other.CaBase64));

        await Assert.ThrowsAnyAsync<HttpRequestException>(() => client.CoreV1.ListNodeAsync());
        Assert.Empty(h.Server.Requests);

        IKubernetes trusted = await h.ClientAsync();
        Assert.NotNull(await trusted.CoreV1.ListNodeAsync());
    }
}
