using MaxGroup.Aws.Lambda;
using MaxGroup.Core.Ledger;
using MaxGroup.Core.Runner;
using MaxGroup.Core.Steps.Drain;
using MaxGroup.Functions.Handlers;
using MaxGroup.Integration.Tests.Dispatch;
using MaxGroup.Kubernetes.Drain;
using MaxGroup.Simulators.Kubernetes;

namespace MaxGroup.Integration.Tests.Kubernetes;

/// <summary>
/// After termination (issue #22) on the loopback Kubernetes API: the out-of-service taint lands after the termination
/// event and not before (order from the simulator's own request and node-change records), the delete and off options,
/// dry run, and the payload the dispatcher forwards to the drain function.
/// </summary>
public sealed class TerminatedNodeTests
{
    private const string Taint = "node.kubernetes.io/out-of-service=nodeshutdown:NoExecute";
    private readonly InMemoryLedger _ledger = new();
    private readonly FakeConfigSource _configs = new();

    [Fact]
    public async Task Termination_AfterTheDrain_TaintLandsAfterTheTerminatedEventAndNotBefore()
    {
        await using DrainHarness h = await DrainHarness.StartAsync();
        FakeKubeApiServer s = h.Server;
        s.AddNode("node-a", $"aws:///{DrainHarness.Zone}/{DrainHarness.InstanceId}", DrainHarness.Zone,
            taints: [new System.Text.Json.Nodes.JsonObject { ["key"] = "dedicated", ["value"] = "db", ["effect"] = "NoSchedule" }]);
        s.AddPod("db", "postgres-0", "node-a", ownerKind: "StatefulSet");
        await BeginHandoverAsync();
        TerminatedNodeTrigger trigger = Trigger(h, NodeAfterTermination.Taint);

        StepOutcome drained = await h.RunAsync(DrainHarness.Request(h.Config()));
        StepOutcome shuttingDown = await trigger.OnStateChangeAsync(StateChange("shutting-down", "sc-1"), CancellationToken.None);
        int requestsBeforeTermination = s.Requests.Count;
        StepOutcome terminated = await trigger.OnStateChangeAsync(StateChange("terminated", "sc-2"), CancellationToken.None);

        Assert.Equal(StepStatus.Done, drained.Status);
        Assert.Equal(StepStatus.NoOp, shuttingDown.Status);
        Assert.Equal(StepStatus.Done, terminated.Status);
        IReadOnlyList<FakeKubeApiServer.RecordedNodeChange> changes = s.NodeChanges;
        FakeKubeApiServer.RecordedNodeChange first = changes.First(c => c.Taints.Contains(Taint));
        // Every change before the terminated event (the drain's cordon) is without the taint; the first with it came after.
        Assert.All(changes.Where(c => c.RequestIndex < requestsBeforeTermination), c => Assert.DoesNotContain(Taint, c.Taints));
        Assert.Contains(changes, c => c.RequestIndex < requestsBeforeTermination && c.Kind == "patch");
        Assert.True(first.RequestIndex >= requestsBeforeTermination, $"taint at request {first.RequestIndex}, termination at {requestsBeforeTermination}");
        Assert.Equal("PATCH", s.Requests[first.RequestIndex].Method);
        // The node's other taints (its own and the drain's) are kept.
        Assert.Contains("dedicated=db:NoSchedule", first.Taints);
        Assert.Contains(first.Taints, t => t.StartsWith(NodeDrainer.SpotInterruptionTaint + "=", StringComparison.Ordinal));
        InterruptionRecord record = (await _ledger.GetAsync(DrainHarness.InstanceId, CancellationToken.None))!;
        Assert.Contains(record.Timeline, t => t.Step == StepNames.NodeAfterTermination && t.Status == "done" && t.Reason!.Contains(Taint, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Termination_Redelivered_TaintsOnce()
    {
        await using DrainHarness h = await DrainHarness.StartAsync();
        h.AddDoomedNode();
        await BeginHandoverAsync();
        TerminatedNodeTrigger trigger = Trigger(h, NodeAfterTermination.Taint);

        await trigger.OnStateChangeAsync(StateChange("terminated", "sc-1"), CancellationToken.None);
        await trigger.OnStateChangeAsync(StateChange("terminated", "sc-1"), CancellationToken.None);

        Assert.Single(h.Server.NodeChanges);
        Assert.Single(h.Server.GetNode("node-a")["spec"]!["taints"]!.AsArray());
    }

    [Fact]
    public async Task Termination_DeleteOption_DeletesTheNodeObject()
    {
        await using DrainHarness h = await DrainHarness.StartAsync();
        h.AddDoomedNode();
        await BeginHandoverAsync();

        StepOutcome outcome = await Trigger(h, NodeAfterTermination.Delete).OnStateChangeAsync(StateChange("terminated"), CancellationToken.None);

        Assert.Equal(StepStatus.Done, outcome.Status);
        Assert.False(h.Server.HasNode("node-a"));
        FakeKubeApiServer.RecordedNodeChange change = Assert.Single(h.Server.NodeChanges);
        Assert.Equal("delete", change.Kind);
        Assert.Equal("/api/v1/nodes/node-a", h.Server.Requests[change.RequestIndex].PathAndQuery);
        Assert.DoesNotContain(h.Server.Requests, r => r.Method == "PATCH");
    }

    [Fact]
    public async Task Termination_NoneOption_MakesNoKubernetesRequest()
    {
        await using DrainHarness h = await DrainHarness.StartAsync();
        h.AddDoomedNode();
        await BeginHandoverAsync();

        StepOutcome outcome = await Trigger(h, NodeAfterTermination.None).OnStateChangeAsync(StateChange("terminated"), CancellationToken.None);

        Assert.Equal(StepStatus.NoOp, outcome.Status);
        Assert.Empty(h.Server.Requests);
        Assert.True(h.Server.HasNode("node-a"));
    }

    [Fact]
    public async Task Termination_DryRun_OnlyReadsAndSaysWhatItWouldDo()
    {
        await using DrainHarness h = await DrainHarness.StartAsync();
        h.AddDoomedNode();
        await BeginHandoverAsync();

        StepOutcome outcome = await Trigger(h, NodeAfterTermination.Taint, dryRun: true).OnStateChangeAsync(StateChange("terminated"), CancellationToken.None);

        Assert.Equal(StepStatus.NoOp, outcome.Status);
        Assert.Equal($"dry run: would taint node node-a {Taint}", outcome.Reason);
        Assert.NotEmpty(h.Server.Requests);
        Assert.All(h.Server.Requests, r => Assert.Equal("GET", r.Method));
        Assert.Empty(h.Server.NodeChanges);
    }

    [Fact]
    public async Task Termination_NodeNamedAfterTheInstanceButOfAnotherInstance_IsLeftAlone()
    {
        // A terminated instance's private DNS name (the node name on EKS) may already be a new instance's node.
        await using DrainHarness h = await DrainHarness.StartAsync();
        h.Server.AddNode(DrainHarness.PrivateDns, "aws:///us-east-1a/i-0new000000000000a", DrainHarness.Zone);
        await BeginHandoverAsync();

        StepOutcome outcome = await Trigger(h, NodeAfterTermination.Taint).OnStateChangeAsync(StateChange("terminated"), CancellationToken.None);

        Assert.Equal(StepStatus.NoOp, outcome.Status);
        Assert.Empty(h.Server.NodeChanges);
    }

    [Fact]
    public async Task DrainFunction_ForwardedTerminatedNodeRequest_TaintsTheNode()
    {
        await using DrainHarness h = await DrainHarness.StartAsync();
        h.AddDoomedNode();
        await BeginHandoverAsync();
        _configs.Add(h.Config() with { K8sNodeAfterTermination = NodeAfterTermination.Taint });
        (TerminatedNodeRequest? request, _) = await new TerminatedNodeTrigger(new OneInstance(), _configs, _ledger, new NeverRuns(), NullLogger.Instance)
            .ResolveAsync(StateChange("terminated"), CancellationToken.None);
        string payload = Encoding.UTF8.GetString(TerminatedNodeForwarder.Serialize(request!));
        var runner = new RemediationRunner(_ledger, TimeProvider.System, NullMetrics.Instance, NullLogger.Instance);
        var handler = new DrainFunctionHandler(
            new RemediationHandler(h.Step, runner, NullLogger.Instance),
            new TerminatedNodeCleanup(new KubernetesNodeDrainers(h.Factory), _ledger, TimeProvider.System, NullLogger.Instance),
            NullLogger.Instance);

        StepOutcome outcome = JsonSerializer.Deserialize(await handler.HandleAsync(payload, new TestLambdaContext(), CancellationToken.None), RemediationJsonContext.Default.StepOutcome)!;

        Assert.Contains("\"kind\":\"terminated-node\"", payload, StringComparison.Ordinal);
        Assert.Equal(StepStatus.Done, outcome.Status);
        Assert.Contains(Taint, Assert.Single(h.Server.NodeChanges).Taints);
        Assert.Equal(StepStatus.Done, (await _ledger.GetAsync(DrainHarness.InstanceId, CancellationToken.None))!.FindStep(StepNames.NodeAfterTermination)!.Status);
    }

    [Fact]
    public async Task LambdaPath_DispatcherForwardsToTheDrainFunction_WhichTaintsTheNode()
    {
        // The dispatcher's role has no Kubernetes rights: it sends the resolved request to the drain function (Invoke,
        // InvocationType=Event); the drain function's handler runs it against the cluster.
        await using DrainHarness h = await DrainHarness.StartAsync();
        await using LoopbackAwsServer lambda = await LoopbackAwsServer.StartAsync((_, _) => new LoopbackAnswer(202, "", "application/json"));
        h.AddDoomedNode();
        await BeginHandoverAsync();
        _configs.Add(h.Config() with { K8sNodeAfterTermination = NodeAfterTermination.Taint });
        var forwarder = new TerminatedNodeForwarder(new LambdaInvokeClient(AwsTestClients.SignedClient(lambda.Endpoint, AwsService.Lambda)), "maxgroup-drain");
        var dispatcherSide = new TerminatedNodeTrigger(new OneInstance(), _configs, _ledger, forwarder, NullLogger.Instance);
        var runner = new RemediationRunner(_ledger, TimeProvider.System, NullMetrics.Instance, NullLogger.Instance);
        var drainFunction = new DrainFunctionHandler(
            new RemediationHandler(h.Step, runner, NullLogger.Instance),
            new TerminatedNodeCleanup(new KubernetesNodeDrainers(h.Factory), _ledger, TimeProvider.System, NullLogger.Instance),
            NullLogger.Instance);

        await dispatcherSide.OnStateChangeAsync(StateChange("shutting-down", "sc-1"), CancellationToken.None);
        int invokesBeforeTermination = lambda.Requests.Count;
        await dispatcherSide.OnStateChangeAsync(StateChange("terminated", "sc-2"), CancellationToken.None);
        Assert.Empty(h.Server.Requests);
        RecordedRequest invoke = Assert.Single(lambda.Requests);
        StepOutcome outcome = JsonSerializer.Deserialize(await drainFunction.HandleAsync(invoke.BodyText, new TestLambdaContext(), CancellationToken.None), RemediationJsonContext.Default.StepOutcome)!;

        Assert.Equal(0, invokesBeforeTermination);
        Assert.Equal("/2015-03-31/functions/maxgroup-drain/invocations", invoke.Path);
        Assert.Equal("Event", invoke.Headers["X-Amz-Invocation-Type"]);
        Assert.Equal(StepStatus.Done, outcome.Status);
        Assert.Contains(Taint, Assert.Single(h.Server.NodeChanges).Taints);
        StepRecord step = (await _ledger.GetAsync(DrainHarness.InstanceId, CancellationToken.None))!.FindStep(StepNames.NodeAfterTermination)!;
        Assert.Equal("sc-2", step.Details["event"]);
    }

    private TerminatedNodeTrigger Trigger(DrainHarness h, NodeAfterTermination action, bool dryRun = false)
    {
        _configs.Add(h.Config(dryRun: dryRun) with { K8sNodeAfterTermination = action });
        var cleanup = new TerminatedNodeCleanup(new KubernetesNodeDrainers(h.Factory), _ledger, TimeProvider.System, NullLogger.Instance);
        return new TerminatedNodeTrigger(new OneInstance(), _configs, _ledger, cleanup, NullLogger.Instance);
    }

    private async Task BeginHandoverAsync()
    {
        DateTimeOffset now = DateTimeOffset.UtcNow;
        var record = new InterruptionRecord
        {
            InstanceId = DrainHarness.InstanceId,
            EventIds = ["ev-1"],
            GroupName = "web-asg",
            WarningTime = now,
            ReclaimAt = now.AddSeconds(120),
            Steps = [new StepRecord { Name = StepNames.Drain }],
        };
        await _ledger.TryBeginInterruptionAsync(record, new InFlightLimits(), now, CancellationToken.None);
    }

    private static MaxGroupEvent.InstanceStateChange StateChange(string state, string eventId = "sc-1") =>
        (MaxGroupEvent.InstanceStateChange)EventParser.Parse($$$"""
            {"version":"0","id":"{{{eventId}}}","detail-type":"EC2 Instance State-change Notification","source":"aws.ec2","account":"123456789012",
             "time":"2026-11-24T08:16:21Z","region":"us-east-1","resources":[],"detail":{"instance-id":"{{{DrainHarness.InstanceId}}}","state":"{{{state}}}"}}
            """);

    /// <summary>EC2 still reporting the terminated instance, with its zone and group tag.</summary>
    private sealed class OneInstance : IInstanceInventory
    {
        public Task<InstanceFacts?> DescribeInstanceAsync(string instanceId, CancellationToken cancellationToken) =>
            Task.FromResult<InstanceFacts?>(instanceId != DrainHarness.InstanceId ? null : new InstanceFacts
            {
                InstanceId = instanceId,
                GroupName = "web-asg",
                AvailabilityZone = DrainHarness.Zone,
                InstanceType = "m5.large",
                State = "terminated",
            });
    }

    private sealed class NeverRuns : ITerminatedNodeRunner
    {
        public Task<StepOutcome> RunAsync(TerminatedNodeRequest request, CancellationToken cancellationToken) => throw new InvalidOperationException("only resolved here");
    }
}
