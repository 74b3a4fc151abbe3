using MaxGroup.Core.Dispatch;
using MaxGroup.Core.Steps.Drain;

namespace MaxGroup.Core.Tests.Drain;

/// <summary>
/// After termination (issue #22): the state change that says a drained group's instance is terminated taints its Node
/// out of service (or deletes it, or leaves it), through the dispatcher, with the outcome on the hand-over's timeline.
/// </summary>
public sealed class TerminatedNodeTests
{
    private const string Id = "i-0aaaaaaaaaaaaaaa1";
    private const string Node = "ip-10-0-0-10.ec2.internal";
    private readonly FakeTimeProvider _clock = new(Samples.WarningTime + TimeSpan.FromSeconds(3));
    private readonly FakeInventory _inventory = new();
    private readonly FakeConfigSource _configs = new();
    private readonly InMemoryLedger _ledger = new();
    private readonly RecordingInvoker _invoker = new();
    private readonly RecordingVolumeTriggers _volume = new();
    private readonly FakeTerminatedNodeApi _cluster = new();

    public TerminatedNodeTests()
    {
        _inventory.Add(Samples.Instance(Id));
        _cluster.AddNode(Node, Id);
    }

    private static GroupConfig Drained(NodeAfterTermination action = NodeAfterTermination.Taint, bool dryRun = false) =>
        new() { GroupName = "web", K8sNodeDrainOption = true, K8sClusterName = "prod", K8sNodeAfterTermination = action, DryRun = dryRun };

    private Dispatcher CreateDispatcher(DispatcherOptions? options = null)
    {
        options ??= new DispatcherOptions();
        var cleanup = new TerminatedNodeCleanup(_cluster, _ledger, _clock, NullLogger.Instance);
        return new Dispatcher(_inventory, _configs, _ledger, _invoker, _volume, options, _clock, new RecordingMetrics(), NullLogger.Instance)
        {
            TerminatedNodes = new TerminatedNodeTrigger(_inventory, _configs, _ledger, cleanup, NullLogger.Instance, options.ForceDryRun),
        };
    }

    private static MaxGroupEvent.InstanceStateChange StateChange(string state, string eventId = "sc-1", string instanceId = Id) =>
        (MaxGroupEvent.InstanceStateChange)EventParser.Parse($$$"""
            {"version":"0","id":"{{{eventId}}}","detail-type":"EC2 Instance State-change Notification","source":"aws.ec2","account":"123456789012",
             "time":"2026-11-24T08:16:21Z","region":"us-east-1","resources":[],"detail":{"instance-id":"{{{instanceId}}}","state":"{{{state}}}"}}
            """);

    private async Task<InterruptionRecord> HandedOverAsync(Dispatcher dispatcher)
    {
        await dispatcher.DispatchAsync(Samples.Warning(Id), CancellationToken.None);
        return (await _ledger.GetAsync(Id, CancellationToken.None))!;
    }

    [Fact]
    public async Task StateChange_TerminatedInstanceOfDrainedGroup_TaintsItsNodeAndRecordsItOnTheTimeline()
    {
        _configs.Add(Drained());
        Dispatcher dispatcher = CreateDispatcher();
        await HandedOverAsync(dispatcher);
        Assert.Empty(_cluster.Calls);

        await dispatcher.DispatchAsync(StateChange("terminated"), CancellationToken.None);

        Assert.Equal(["cluster prod", $"find {Id} us-east-1a", $"taint {Node}"], _cluster.Calls);
        Assert.Equal([TerminatedNodeCleanup.OutOfServiceTaint], _cluster.Taints(Node));
        InterruptionRecord record = (await _ledger.GetAsync(Id, CancellationToken.None))!;
        StepRecord step = record.FindStep(StepNames.NodeAfterTermination)!;
        Assert.Equal(StepStatus.Done, step.Status);
        Assert.Equal(Node, step.Details["node"]);
        Assert.Equal("taint", step.Details["action"]);
        Assert.Contains(record.Timeline, t => t.Step == StepNames.NodeAfterTermination && t.Reason!.Contains("node.kubernetes.io/out-of-service=nodeshutdown:NoExecute", StringComparison.Ordinal));
        // The state change's other work still happens.
        Assert.Single(_volume.Received);
    }

    [Theory]
    [InlineData("shutting-down")]
    [InlineData("stopping")]
    [InlineData("stopped")]
    [InlineData("running")]
    public async Task StateChange_InstanceNotYetTerminated_LeavesTheNodeAlone(string state)
    {
        _configs.Add(Drained());
        Dispatcher dispatcher = CreateDispatcher();
        await HandedOverAsync(dispatcher);

        await dispatcher.DispatchAsync(StateChange(state), CancellationToken.None);

        Assert.Empty(_cluster.Calls);
        Assert.Empty(_cluster.Taints(Node));
        Assert.Null((await _ledger.GetAsync(Id, CancellationToken.None))!.FindStep(StepNames.NodeAfterTermination));
    }

    [Fact]
    public async Task StateChange_ShuttingDownThenTerminated_TaintsOnlyAfterTerminated()
    {
        _configs.Add(Drained());
        Dispatcher dispatcher = CreateDispatcher();
        await HandedOverAsync(dispatcher);

        await dispatcher.DispatchAsync(StateChange("shutting-down", "sc-1"), CancellationToken.None);
        int callsBefore = _cluster.Calls.Count;
        await dispatcher.DispatchAsync(StateChange("terminated", "sc-2"), CancellationToken.None);

        Assert.Equal(0, callsBefore);
        Assert.Equal([TerminatedNodeCleanup.OutOfServiceTaint], _cluster.Taints(Node));
        Assert.Equal("sc-2", (await _ledger.GetAsync(Id, CancellationToken.None))!.FindStep(StepNames.NodeAfterTermination)!.Details["event"]);
    }

    [Fact]
    public async Task StateChange_DeleteOption_DeletesTheNodeObject()
    {
        _configs.Add(Drained(NodeAfterTermination.Delete));
        Dispatcher dispatcher = CreateDispatcher();
        await HandedOverAsync(dispatcher);

        await dispatcher.DispatchAsync(StateChange("terminated"), CancellationToken.None);

        Assert.False(_cluster.HasNode(Node));
        Assert.DoesNotContain(_cluster.Calls, c => c.StartsWith("taint", StringComparison.Ordinal));
        StepRecord step = (await _ledger.GetAsync(Id, CancellationToken.None))!.FindStep(StepNames.NodeAfterTermination)!;
        Assert.Equal(StepStatus.Done, step.Status);
        Assert.Equal($"node {Node} deleted after the instance terminated", step.Reason);
    }

    [Fact]
    public async Task StateChange_NoneOptionOrDrainOff_MakesNoClusterCall()
    {
        _configs.Add(Drained(NodeAfterTermination.None));
        _inventory.Add(Samples.Instance("i-0bbbbbbbbbbbbbbb2", group: "batch"));
        _configs.Add(new GroupConfig { GroupName = "batch", K8sNodeDrainOption = false, K8sClusterName = "prod" });
        _cluster.AddNode("other", "i-0bbbbbbbbbbbbbbb2");
        Dispatcher dispatcher = CreateDispatcher();

        await dispatcher.DispatchAsync(StateChange("terminated"), CancellationToken.None);
        await dispatcher.DispatchAsync(StateChange("terminated", "sc-2", "i-0bbbbbbbbbbbbbbb2"), CancellationToken.None);

        Assert.Empty(_cluster.Calls);
        Assert.True(_cluster.HasNode(Node));
    }

    [Fact]
    public async Task StateChange_DryRun_FindsTheNodeChangesNothingAndSaysWhatItWouldDo()
    {
        _configs.Add(Drained());
        Dispatcher dispatcher = CreateDispatcher(new DispatcherOptions { ForceDryRun = true });
        await HandedOverAsync(dispatcher);

        await dispatcher.DispatchAsync(StateChange("terminated"), CancellationToken.None);

        Assert.Equal(["cluster prod", $"find {Id} us-east-1a"], _cluster.Calls);
        Assert.Empty(_cluster.Taints(Node));
        StepRecord step = (await _ledger.GetAsync(Id, CancellationToken.None))!.FindStep(StepNames.NodeAfterTermination)!;
        Assert.Equal(StepStatus.NoOp, step.Status);
        Assert.Equal($"dry run: would taint node {Node} node.kubernetes.io/out-of-service=nodeshutdown:NoExecute", step.Reason);
    }

    [Fact]
    public async Task StateChange_GroupDryRunWithDeleteOption_KeepsTheNode()
    {
        _configs.Add(Drained(NodeAfterTermination.Delete, dryRun: true));
        Dispatcher dispatcher = CreateDispatcher();

        await dispatcher.DispatchAsync(StateChange("terminated"), CancellationToken.None);

        Assert.True(_cluster.HasNode(Node));
        Assert.DoesNotContain(_cluster.Calls, c => c.StartsWith("delete", StringComparison.Ordinal));
    }

    [Fact]
    public async Task StateChange_Redelivered_ActsOnceAndKeepsTheFirstOutcome()
    {
        _configs.Add(Drained());
        Dispatcher dispatcher = CreateDispatcher();
        await HandedOverAsync(dispatcher);

        await dispatcher.DispatchAsync(StateChange("terminated", "sc-1"), CancellationToken.None);
        await dispatcher.DispatchAsync(StateChange("terminated", "sc-1"), CancellationToken.None);

        Assert.Single(_cluster.Calls, c => c.StartsWith("taint", StringComparison.Ordinal));
        InterruptionRecord record = (await _ledger.GetAsync(Id, CancellationToken.None))!;
        Assert.Single(record.Timeline, t => t.Step == StepNames.NodeAfterTermination);
        Assert.Equal(StepStatus.Done, record.FindStep(StepNames.NodeAfterTermination)!.Status);
    }

    [Fact]
    public async Task Cleanup_NodeAlreadyTainted_IsDoneWithoutASecondTaint()
    {
        _configs.Add(Drained());
        var cleanup = new TerminatedNodeCleanup(_cluster, _ledger, _clock, NullLogger.Instance);
        var request = new TerminatedNodeRequest { InstanceId = Id, State = "terminated", EventId = "sc-1", GroupName = "web", Config = Drained() };

        StepOutcome first = await cleanup.RunAsync(request, CancellationToken.None);
        StepOutcome second = await cleanup.RunAsync(request, CancellationToken.None);

        Assert.Equal(StepStatus.Done, first.Status);
        Assert.Equal(StepStatus.Done, second.Status);
        Assert.Equal($"node {Node} already had node.kubernetes.io/out-of-service=nodeshutdown:NoExecute", second.Reason);
        Assert.Single(_cluster.Taints(Node));
    }

    [Fact]
    public async Task StateChange_NoHandoverButEc2KnowsTheGroup_TaintsWithoutALedgerRecord()
    {
        _configs.Add(Drained());

        await CreateDispatcher().DispatchAsync(StateChange("terminated"), CancellationToken.None);

        Assert.Equal([TerminatedNodeCleanup.OutOfServiceTaint], _cluster.Taints(Node));
        Assert.Null(await _ledger.GetAsync(Id, CancellationToken.None));
    }

    [Fact]
    public async Task StateChange_HandoverButEc2ForgotTheInstance_FindsTheNodeInEveryZone()
    {
        _configs.Add(Drained());
        Dispatcher dispatcher = CreateDispatcher();
        await HandedOverAsync(dispatcher);
        var forgetful = new FakeInventory();
        var trigger = new TerminatedNodeTrigger(forgetful, _configs, _ledger, new TerminatedNodeCleanup(_cluster, _ledger, _clock, NullLogger.Instance), NullLogger.Instance);

        StepOutcome outcome = await trigger.OnStateChangeAsync(StateChange("terminated"), CancellationToken.None);

        Assert.Equal(StepStatus.Done, outcome.Status);
        Assert.Contains($"find {Id} any-zone", _cluster.Calls);
    }

    [Fact]
    public async Task StateChange_LedgerUnreadable_TakesTheGroupFromEc2AndStillTaints()
    {
        _configs.Add(Drained());
        var ledger = new ObservedLedger(_ledger) { ReadsFail = true };
        var trigger = new TerminatedNodeTrigger(_inventory, _configs, ledger, new TerminatedNodeCleanup(_cluster, ledger, _clock, NullLogger.Instance), NullLogger.Instance);

        StepOutcome outcome = await trigger.OnStateChangeAsync(StateChange("terminated"), CancellationToken.None);

        Assert.Equal(StepStatus.Done, outcome.Status);
        Assert.Equal([TerminatedNodeCleanup.OutOfServiceTaint], _cluster.Taints(Node));
    }

    [Fact]
    public async Task StateChange_NeitherLedgerNorEc2KnowsTheGroup_DoesNothing()
    {
        _configs.Add(Drained());
        var trigger = new TerminatedNodeTrigger(new FakeInventory(), _configs, _ledger, new TerminatedNodeCleanup(_cluster, _ledger, _clock, NullLogger.Instance), NullLogger.Instance);

        StepOutcome outcome = await trigger.OnStateChangeAsync(StateChange("terminated"), CancellationToken.None);

        Assert.Equal(StepStatus.NoOp, outcome.Status);
        Assert.Contains("neither the ledger nor EC2 knows", outcome.Reason, StringComparison.Ordinal);
        Assert.Empty(_cluster.Calls);
    }

    [Fact]
    public async Task StateChange_UnmanagedGroup_DoesNothing()
    {
        _inventory.Add(Samples.Instance(Id, group: "unmanaged"));

        await CreateDispatcher().DispatchAsync(StateChange("terminated"), CancellationToken.None);

        Assert.Empty(_cluster.Calls);
    }

    [Fact]
    public async Task StateChange_NodeAlreadyGone_IsANoOp()
    {
        _configs.Add(Drained());
        var cluster = new FakeTerminatedNodeApi();
        var trigger = new TerminatedNodeTrigger(_inventory, _configs, _ledger, new TerminatedNodeCleanup(cluster, _ledger, _clock, NullLogger.Instance), NullLogger.Instance);

        StepOutcome outcome = await trigger.OnStateChangeAsync(StateChange("terminated"), CancellationToken.None);

        Assert.Equal(StepStatus.NoOp, outcome.Status);
        Assert.Contains("already gone", outcome.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain(cluster.Calls, c => c.StartsWith("taint", StringComparison.Ordinal));
    }

    [Fact]
    public async Task StateChange_ApiRefusesTheTaint_RecordsFailedAndTheDispatchGoesOn()
    {
        _configs.Add(Drained());
        _cluster.Refuse = new ClusterApiException("403 Forbidden: nodes \"x\" is forbidden: cannot patch resource \"nodes\"", 403);
        Dispatcher dispatcher = CreateDispatcher();
        await HandedOverAsync(dispatcher);

        DispatchResult result = await dispatcher.DispatchAsync(StateChange("terminated"), CancellationToken.None);

        Assert.Equal(DispatchStatus.Routed, result.Status);
        StepRecord step = (await _ledger.GetAsync(Id, CancellationToken.None))!.FindStep(StepNames.NodeAfterTermination)!;
        Assert.Equal(StepStatus.Failed, step.Status);
        Assert.Contains("403 Forbidden", step.Reason, StringComparison.Ordinal);
    }
}
