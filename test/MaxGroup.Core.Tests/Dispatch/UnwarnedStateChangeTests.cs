using MaxGroup.Core.Dispatch;
using MaxGroup.Core.Routing;
using MaxGroup.Core.Tests.Events;

namespace MaxGroup.Core.Tests.Dispatch;

/// <summary>A stop or terminate no warning came before: a best-effort drain and Consul deregistration, the volume path as before.</summary>
public sealed class UnwarnedStateChangeTests
{
    private const string InstanceId = "i-0b662ef9931388ba0";
    private static readonly DateTimeOffset EventTime = new(2026, 11, 24, 9, 30, 5, TimeSpan.Zero);

    private readonly FakeTimeProvider _clock = new(EventTime + TimeSpan.FromSeconds(2));
    private readonly FakeInventory _inventory = new();
    private readonly FakeConfigSource _configs = new();
    private readonly InMemoryLedger _ledger = new();
    private readonly RecordingInvoker _invoker = new();
    private readonly RecordingVolumeTriggers _volume = new();

    private static MaxGroupEvent.InstanceStateChange StateChange(string state) =>
        Assert.IsType<MaxGroupEvent.InstanceStateChange>(EventParser.Parse(
            SampleEvents.Read("ec2-instance-state-change-shutting-down.json").Replace("\"shutting-down\"", $"\"{state}\"", StringComparison.Ordinal)));

    private Dispatcher CreateDispatcher() =>
        new(_inventory, _configs, _ledger, _invoker, _volume, new DispatcherOptions(), _clock, new RecordingMetrics(), NullLogger.Instance);

    private void AddManagedInstance(string state, bool drain = true, int? consulPort = 8500)
    {
        _inventory.Add(Samples.Instance(InstanceId, "web", state));
        _configs.Add(new GroupConfig { GroupName = "web", PersistenceDev = "/dev/sdf", ConsulPort = consulPort, K8sNodeDrainOption = drain });
    }

    [Theory]
    [InlineData("shutting-down", "terminate")]
    [InlineData("stopping", "stop")]
    public async Task Dispatch_LeavingWithNoHandover_StartsDrainAndConsulOnlyWithTwoMinutes(string state, string action)
    {
        AddManagedInstance(state);

        DispatchResult result = await CreateDispatcher().DispatchAsync(StateChange(state), CancellationToken.None);

        Assert.Equal(DispatchStatus.Started, result.Status);
        // No replace (the group replaces the instance itself), no volume step (the state change's volume triggers below).
        Assert.Equal(["consul", "drain"], _invoker.Started.Select(r => r.Step).Order());
        Assert.All(_invoker.Started, r =>
        {
            Assert.Equal(HandoverTrigger.UnwarnedStateChange, r.Trigger);
            Assert.Equal(EventTime + ReclaimDeadline.NoticePeriod, r.ReclaimAt);
            Assert.Equal(action, r.InstanceAction);
        });
        Assert.Single(_volume.Received);
        Assert.Equal(HandoverTrigger.UnwarnedStateChange, (await _ledger.GetAsync(InstanceId, CancellationToken.None))!.Trigger);
    }

    [Fact]
    public async Task Dispatch_LeavingAfterAWarning_OpensNoSecondHandover()
    {
        AddManagedInstance("running");
        Dispatcher dispatcher = CreateDispatcher();
        await dispatcher.DispatchAsync(Samples.Warning(InstanceId), CancellationToken.None);
        int started = _invoker.Started.Count;

        await dispatcher.DispatchAsync(StateChange("shutting-down"), CancellationToken.None);

        Assert.DoesNotContain(_invoker.Started.Skip(started), r => r.Trigger == HandoverTrigger.UnwarnedStateChange);
        Assert.Equal(HandoverTrigger.SpotWarning, (await _ledger.GetAsync(InstanceId, CancellationToken.None))!.Trigger);
        Assert.Single(_volume.Received);
    }

    [Fact]
    public async Task Dispatch_RedeliveredStateChange_StartsTheStepsOnce()
    {
        AddManagedInstance("shutting-down");
        Dispatcher dispatcher = CreateDispatcher();
        await dispatcher.DispatchAsync(StateChange("shutting-down"), CancellationToken.None);
        await _ledger.RecordStepAsync(InstanceId, "drain", StepOutcome.Done("drained"), _clock.GetUtcNow(), CancellationToken.None);
        await _ledger.RecordStepAsync(InstanceId, "consul", StepOutcome.Done("deregistered"), _clock.GetUtcNow(), CancellationToken.None);

        await dispatcher.DispatchAsync(StateChange("shutting-down"), CancellationToken.None);

        Assert.Equal(2, _invoker.Started.Count);
        Assert.Equal(2, _volume.Received.Count);
    }

    [Theory]
    [InlineData("terminated")]
    [InlineData("stopped")]
    public async Task Dispatch_InstanceAlreadyGoneState_OnlyTheVolumePath(string state)
    {
        AddManagedInstance(state);

        DispatchResult result = await CreateDispatcher().DispatchAsync(StateChange(state), CancellationToken.None);

        Assert.Equal(DispatchStatus.Routed, result.Status);
        Assert.Empty(_invoker.Started);
        Assert.Null(await _ledger.GetAsync(InstanceId, CancellationToken.None));
    }

    [Fact]
    public async Task Dispatch_GroupWithNeitherDrainNorConsul_OpensNothing()
    {
        AddManagedInstance("shutting-down", drain: false, consulPort: null);

        DispatchResult result = await CreateDispatcher().DispatchAsync(StateChange("shutting-down"), CancellationToken.None);

        Assert.Equal(DispatchStatus.Routed, result.Status);
        Assert.Empty(_invoker.Started);
        Assert.Null(await _ledger.GetAsync(InstanceId, CancellationToken.None));
        Assert.Single(_volume.Received);
    }

    [Fact]
    public void Opening_OtherStates_None()
    {
        Assert.Null(HandoverRoutes.UnwarnedOpening(StateChange("running")));
        Assert.Null(HandoverRoutes.UnwarnedOpening(StateChange("terminated")));
        Assert.True(HandoverRoutes.UnwarnedOpening(StateChange("shutting-down"))!.AlreadyLeaving);
    }
}
