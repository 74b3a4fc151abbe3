using System.Diagnostics;
using MaxGroup.Kubernetes.Drain;
using MaxGroup.Simulators.Kubernetes;

namespace MaxGroup.Integration.Tests.Kubernetes;

/// <summary>
/// The Kubernetes Events a drain records on its node, against the loopback API server through the production client
/// stack (EKS token, rate budget, retries): what they say, and that they never change or delay the drain.
/// </summary>
public sealed class DrainNodeEventsTests
{
    private static readonly Dictionary<string, string> Web = new() { ["app"] = "web" };

    [Fact]
    public async Task DrainStep_PdbBlockedPod_RecordsStartedBlockedEvictedAndDoneOnTheNode()
    {
        await using DrainHarness h = await DrainHarness.StartAsync();
        FakeKubeApiServer s = h.Server;
        h.AddDoomedNode();
        s.AddNode("node-b", "aws:///us-east-1a/i-0b", DrainHarness.Zone);
        s.AddPod("app", "web-1", "node-a", Web);
        s.AddPod("app", "web-2", "node-b", Web);
        s.AddPod("app", "web-3", "node-b", Web, ready: false);
        s.AddPdb("app", "web-pdb", Web, minAvailable: 2);
        Task freeBudget = Task.Run(async () =>
        {
            await Task.Delay(TimeSpan.FromSeconds(2));
            s.SetPodReady("app", "web-3", true);
        });

        StepOutcome outcome = await h.RunAsync(DrainHarness.Request(h.Config()));
        await freeBudget;

        Assert.Equal(StepStatus.Done, outcome.Status);
        IReadOnlyList<FakeKubeApiServer.RecordedEvent> events = s.Events;
        Assert.Equal(
            [NodeEventReasons.DrainStarted, NodeEventReasons.EvictionBlocked, NodeEventReasons.PodEvicted, NodeEventReasons.DrainSucceeded],
            events.Select(e => e.Reason));
        Assert.Equal(["Normal", "Warning", "Normal", "Normal"], events.Select(e => e.Type));
        string nodeUid = s.GetNode("node-a")["metadata"]!["uid"]!.GetValue<string>();
        Assert.All(events, e =>
        {
            Assert.Equal("default", e.Namespace);
            Assert.Equal(("Node", "node-a", nodeUid), (e.InvolvedKind, e.InvolvedName, e.InvolvedUid));
            Assert.Equal("maxgroup", e.SourceComponent);
            Assert.StartsWith("node-a.", e.Name, StringComparison.Ordinal);
        });
        Assert.Contains(DrainHarness.InstanceId, events[0].Message, StringComparison.Ordinal);
        Assert.Contains("app/web-1", events[1].Message, StringComparison.Ordinal);
        Assert.Contains("disruption budget", events[1].Message, StringComparison.Ordinal);
        Assert.StartsWith("Evicted pod app/web-1 (grace period 1 s)", events[2].Message, StringComparison.Ordinal);
        Assert.Contains("1 pod(s) evicted", events[3].Message, StringComparison.Ordinal);
        // The eviction was retried after the 429, the blocked event told once.
        Assert.True(s.Requests.Count(r => r.PathAndQuery.EndsWith("/eviction", StringComparison.Ordinal)) >= 2, "the 429 was not retried");
        Assert.Contains(("NodeEventsRecorded", 4.0), h.Metrics.Recorded);
        Assert.Contains(("NodeEventsFailed", 0.0), h.Metrics.Recorded);
    }

    [Fact]
    public async Task DrainStep_DeadlineWithPdbBlocking_FailedEventNamesThePodThatDidNotLeave()
    {
        await using DrainHarness h = await DrainHarness.StartAsync();
        FakeKubeApiServer s = h.Server;
        h.AddDoomedNode();
        s.AddPod("app", "web-1", "node-a", Web);
        s.AddPdb("app", "web-pdb", Web, minAvailable: 1);

        StepOutcome outcome = await h.RunAsync(DrainHarness.Request(h.Config(), timeLeft: TimeSpan.FromSeconds(5)));

        Assert.Equal(StepStatus.Failed, outcome.Status);
        FakeKubeApiServer.RecordedEvent end = s.Events[^1];
        Assert.Equal((NodeEventReasons.DrainFailed, "Warning"), (end.Reason, end.Type));
        Assert.Contains("the deadline was reached", end.Message, StringComparison.Ordinal);
        Assert.Contains("did not leave: app/web-1 (pdb: Cannot evict pod", end.Message, StringComparison.Ordinal);
        Assert.Single(s.Events, e => e.Reason == NodeEventReasons.EvictionBlocked);
    }

    [Theory]
    [InlineData(403)]
    [InlineData(500)]
    public async Task DrainStep_EventPostsFail_SameOutcomeAndTheFailuresCounted(int status)
    {
        (StepOutcome control, _, _) = await DrainOnePodAsync(null, TimeSpan.Zero);
        (StepOutcome outcome, FakeKubeApiServer.RecordedEvent[] stored, RecordingMetrics metrics) = await DrainOnePodAsync(status, TimeSpan.Zero);

        Assert.Equal(StepStatus.Done, control.Status);
        Assert.Equal((control.Status, control.Details["evicted"], control.Details["remaining_count"]), (outcome.Status, outcome.Details["evicted"], outcome.Details["remaining_count"]));
        Assert.Empty(stored);
        Assert.Contains(("NodeEventsFailed", 3.0), metrics.Recorded);
        Assert.Contains(("NodeEventsRecorded", 0.0), metrics.Recorded);
    }

    [Fact]
    public async Task DrainStep_EventPostsHang_DrainEndsWithoutWaitingForThem()
    {
        var watch = Stopwatch.StartNew();
        (StepOutcome outcome, FakeKubeApiServer.RecordedEvent[] stored, RecordingMetrics metrics) = await DrainOnePodAsync(null, TimeSpan.FromSeconds(30));
        watch.Stop();

        Assert.Equal(StepStatus.Done, outcome.Status);
        Assert.Equal("app/web-1", outcome.Details["evicted"]);
        Assert.Empty(stored);
        // Three events of 30 s each, sent one at a time: the drain waited only for its flush bound, not for them.
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(15), $"the drain took {watch.Elapsed} with hanging event posts");
        Assert.Contains(("NodeEventsFailed", 3.0), metrics.Recorded);
    }

    [Fact]
    public async Task DrainStep_DryRun_RecordsNoEvent()
    {
        await using DrainHarness h = await DrainHarness.StartAsync();
        h.AddDoomedNode();
        h.Server.AddPod("app", "web-1", "node-a", Web);

        StepOutcome outcome = await h.RunAsync(DrainHarness.Request(h.Config(dryRun: true)));

        Assert.Equal(StepStatus.NoOp, outcome.Status);
        Assert.Equal(0, h.Server.EventPosts);
    }

    [Fact]
    public void NodeEventRecorder_Build_IsACoreV1EventOnTheNode()
    {
        var at = new DateTimeOffset(2026, 12, 3, 6, 0, 0, TimeSpan.Zero);

        k8s.Models.Corev1Event ev = NodeEventRecorder.Build("ip-10-0-1-23.ec2.internal", "uid-1", new NodeEvent(at, NodeEventReasons.DrainFailed, new string('x', 2000), Warning: true), 7);

        Assert.Equal(("v1", "Event", "default"), (ev.ApiVersion, ev.Kind, ev.Metadata.NamespaceProperty));
        Assert.Equal($"ip-10-0-1-23.ec2.internal.{((at.ToUnixTimeMilliseconds() * 1_000_000) + 7):x}", ev.Metadata.Name);
        Assert.Equal(("Node", "ip-10-0-1-23.ec2.internal", "uid-1"), (ev.InvolvedObject.Kind, ev.InvolvedObject.Name, ev.InvolvedObject.Uid));
        Assert.Equal(("Warning", "MaxGroupDrainFailed", "maxgroup"), (ev.Type, ev.Reason, ev.Source.Component));
        Assert.Equal(NodeEventRecorder.MaxMessageLength, ev.Message.Length);
        Assert.Equal(1, ev.Count);
    }

    /// <summary>Drains node-a with one plain pod (events: started, evicted, succeeded), the event POSTs failing or held as asked.</summary>
    private static async Task<(StepOutcome Outcome, FakeKubeApiServer.RecordedEvent[] Stored, RecordingMetrics Metrics)> DrainOnePodAsync(int? eventStatus, TimeSpan eventDelay)
    {
        await using DrainHarness h = await DrainHarness.StartAsync();
        h.Server.EventFailureStatus = eventStatus;
        h.Server.EventDelay = eventDelay;
        h.AddDoomedNode();
        h.Server.AddPod("app", "web-1", "node-a", Web);

        StepOutcome outcome = await h.RunAsync(DrainHarness.Request(h.Config()));
        return (outcome, [.. h.Server.Events], h.Metrics);
    }
}
