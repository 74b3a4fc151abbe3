using MaxGroup.Core.Dispatch;
using MaxGroup.Core.Steps.Lifecycle;
using MaxGroup.Core.Routing;

namespace MaxGroup.Core.Tests.Lifecycle;

/// <summary>
/// A terminate lifecycle action opens a hand-over without a successor (volume kept, drain, Consul, then the lifecycle
/// step), its deadline from the hook's timeouts, once per action; the lifecycle step heartbeats while a step still runs and
/// completes the action once, CONTINUE unless a step failed and the group says ABANDON.
/// </summary>
public sealed class LifecycleHandoverTests
{
    private const string InstanceId = "i-0b662ef9931388ba0";
    private const string Token = "87654321-4321-4321-4321-210987654321";
    private static readonly DateTimeOffset ActionTime = new(2026, 11, 24, 8, 16, 1, TimeSpan.Zero);

    private readonly FakeTimeProvider _clock = new(ActionTime + TimeSpan.FromSeconds(2));
    private readonly FakeInventory _inventory = new();
    private readonly FakeConfigSource _configs = new();
    private readonly InMemoryLedger _ledger = new();
    private readonly RecordingInvoker _invoker = new();
    private readonly FakeAutoScaling _autoScaling = new();

    private static readonly GroupConfig DrainAndConsul = new() { GroupName = "web-spot", PersistenceDev = "/dev/sdf", K8sNodeDrainOption = true, ConsulPort = 8500 };

    public static MaxGroupEvent.LifecycleAction Action(string eventId = "ev-hook-1", string transition = "autoscaling:EC2_INSTANCE_TERMINATING") =>
        (MaxGroupEvent.LifecycleAction)EventParser.Parse($$$"""
            {"version":"0","id":"{{{eventId}}}","detail-type":"EC2 Instance-terminate Lifecycle Action","source":"aws.autoscaling",
             "account":"123456789012","time":"2026-11-24T08:16:01Z","region":"us-east-1","resources":[],
             "detail":{"LifecycleActionToken":"{{{Token}}}","AutoScalingGroupName":"web-spot","LifecycleHookName":"maxgroup-drain",
                       "EC2InstanceId":"{{{InstanceId}}}","LifecycleTransition":"{{{transition}}}"}}
            """);

    private Dispatcher CreateDispatcher() =>
        new(_inventory, _configs, _ledger, _invoker, new RecordingVolumeTriggers(), new DispatcherOptions(), _clock, new RecordingMetrics(), NullLogger.Instance, _autoScaling);

    private void AddManagedInstance(GroupConfig config, int heartbeatSeconds = 300)
    {
        _inventory.Add(Samples.Instance(InstanceId, "web-spot"));
        _configs.Add(config);
        _autoScaling.Hooks["web-spot"] = [new LifecycleHookInfo("maxgroup-drain", "web-spot", "autoscaling:EC2_INSTANCE_TERMINATING", heartbeatSeconds, "CONTINUE")];
    }

    [Fact]
    public async Task Dispatch_TerminateLifecycleAction_StartsVolumeDrainConsulAndLifecycleWithTheHooksDeadline()
    {
        AddManagedInstance(DrainAndConsul);

        DispatchResult result = await CreateDispatcher().DispatchAsync(Action(), CancellationToken.None);

        Assert.Equal(DispatchStatus.Started, result.Status);
        Assert.Equal(["consul", "drain", "lifecycle", "volume"], _invoker.Started.Select(r => r.Step).Order());
        // No successor: Auto Scaling decides the group's size itself. Heartbeats may keep the action 100 x 300 s at most.
        Assert.All(_invoker.Started, r =>
        {
            Assert.Equal(HandoverTrigger.LifecycleHook, r.Trigger);
            Assert.Equal(ActionTime, r.WarningTime);
            Assert.Equal(ActionTime.AddSeconds(30_000), r.ReclaimAt);
        });
        InterruptionRecord record = (await _ledger.GetAsync(InstanceId, CancellationToken.None))!;
        Assert.Equal(HandoverTrigger.LifecycleHook, record.Trigger);
        Assert.Equal(new LifecycleHookAction
        {
            GroupName = "web-spot", HookName = "maxgroup-drain", Token = Token, StartedAt = ActionTime,
            HeartbeatTimeout = TimeSpan.FromSeconds(300), GlobalDeadline = ActionTime.AddSeconds(30_000),
        }, record.LifecycleHook);
        Assert.Equal("lifecycle-hook", record.Timeline[0].Status);
    }

    [Fact]
    public async Task Dispatch_LifecycleActionDeliveredTwice_SecondStartsNothing()
    {
        AddManagedInstance(DrainAndConsul);
        Dispatcher dispatcher = CreateDispatcher();
        await dispatcher.DispatchAsync(Action("ev-hook-1"), CancellationToken.None);
        int started = _invoker.Started.Count;

        DispatchResult second = await dispatcher.DispatchAsync(Action("ev-hook-2"), CancellationToken.None);

        Assert.Equal(DispatchStatus.Duplicate, second.Status);
        Assert.Equal(started, _invoker.Started.Count);
    }

    [Fact]
    public async Task Dispatch_LifecycleActionOfUnmanagedGroup_LeavesTheHookAlone()
    {
        _inventory.Add(Samples.Instance(InstanceId, "web-spot"));

        DispatchResult result = await CreateDispatcher().DispatchAsync(Action(), CancellationToken.None);

        Assert.Equal(DispatchStatus.NoOp, result.Status);
        Assert.Empty(_invoker.Started);
        Assert.Empty(_autoScaling.Completions);
    }

    [Fact]
    public async Task Resume_OfLifecycleHandover_RestartsStepsWithItsOwnTrigger()
    {
        AddManagedInstance(DrainAndConsul);
        Dispatcher dispatcher = CreateDispatcher();
        await dispatcher.DispatchAsync(Action(), CancellationToken.None);
        InterruptionRecord record = (await _ledger.GetAsync(InstanceId, CancellationToken.None))!;

        IReadOnlyList<string> resumed = await dispatcher.Resumer.ResumeAsync(record, null, stalledOnly: false, "test", CancellationToken.None);

        Assert.NotEmpty(resumed);
        Assert.All(_invoker.Started.Where(r => r.Resume), r => Assert.Equal(HandoverTrigger.LifecycleHook, r.Trigger));
    }

    [Fact]
    public async Task LifecycleStep_DrainLongerThanTheHeartbeatTimeout_IsKeptAliveThenCompletedOnce()
    {
        AddManagedInstance(DrainAndConsul, heartbeatSeconds: 30);
        await CreateDispatcher().DispatchAsync(Action(), CancellationToken.None);
        await _ledger.RecordStepAsync(InstanceId, "consul", StepOutcome.Done("deregistered"), _clock.GetUtcNow(), CancellationToken.None);
        await _ledger.TryStartStepAsync(InstanceId, "drain", _clock.GetUtcNow(), StepLeases.Lease, CancellationToken.None);
        var step = new LifecycleHookStep(_ledger, _autoScaling, _clock, NullLogger.Instance);
        RemediationRequest request = _invoker.Started.Single(r => r.Step == "lifecycle");

        Task<StepOutcome> run = step.RunAsync(request, CancellationToken.None);
        // The drain runs 95 s, more than three heartbeat timeouts.
        await AdvanceAsync(TimeSpan.FromSeconds(95));
        Assert.Empty(_autoScaling.Completions);
        await _ledger.RecordStepAsync(InstanceId, "drain", StepOutcome.Done("drained"), _clock.GetUtcNow(), CancellationToken.None);
        await AdvanceAsync(TimeSpan.FromSeconds(4));
        StepOutcome outcome = await run.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(StepStatus.Done, outcome.Status);
        // A heartbeat at every half timeout: none of the 30 s windows lapsed.
        Assert.InRange(_autoScaling.Heartbeats.Count, 5, 7);
        Assert.Equal([$"web-spot/maxgroup-drain/{InstanceId}/{Token} CONTINUE"], _autoScaling.Completions);
        InterruptionRecord record = (await _ledger.GetAsync(InstanceId, CancellationToken.None))!;
        Assert.Equal($"CONTINUE {Token}", record.Progress[LifecycleHookStep.CompletedProgress]);

        StepOutcome again = await step.RunAsync(request, CancellationToken.None);
        Assert.Equal(StepStatus.NoOp, again.Status);
        Assert.Single(_autoScaling.Completions);
    }

    [Theory]
    [InlineData(false, "CONTINUE")]
    [InlineData(true, "ABANDON")]
    public async Task LifecycleStep_FailedDrain_CompletesWithTheConfiguredResultAndSaysWhy(bool abandon, string expected)
    {
        AddManagedInstance(DrainAndConsul with { LifecycleHookAbandonOnFailure = abandon });
        await CreateDispatcher().DispatchAsync(Action(), CancellationToken.None);
        await _ledger.RecordStepAsync(InstanceId, "consul", StepOutcome.Done("deregistered"), _clock.GetUtcNow(), CancellationToken.None);
        await _ledger.RecordStepAsync(InstanceId, "drain", StepOutcome.Failed("PodDisruptionBudget blocks eviction"), _clock.GetUtcNow(), CancellationToken.None);
        RemediationRequest request = _invoker.Started.Single(r => r.Step == "lifecycle");

        StepOutcome outcome = await new LifecycleHookStep(_ledger, _autoScaling, _clock, NullLogger.Instance).RunAsync(request, CancellationToken.None);

        Assert.Equal(StepStatus.Done, outcome.Status);
        Assert.EndsWith(" " + expected, Assert.Single(_autoScaling.Completions), StringComparison.Ordinal);
        Assert.Contains("PodDisruptionBudget", outcome.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LifecycleStep_ActionAlreadyGone_IsNotCompletedAgain()
    {
        AddManagedInstance(new GroupConfig { GroupName = "web-spot" });
        await CreateDispatcher().DispatchAsync(Action(), CancellationToken.None);
        _autoScaling.Errors["CompleteLifecycleAction"] = new Queue<RemoteApiException>(
            [new RemoteApiException("autoscaling", "ValidationError", "No active Lifecycle Action found with instance ID " + InstanceId, 400)]);
        RemediationRequest request = _invoker.Started.Single(r => r.Step == "lifecycle");

        StepOutcome outcome = await new LifecycleHookStep(_ledger, _autoScaling, _clock, NullLogger.Instance).RunAsync(request, CancellationToken.None);

        Assert.Equal(StepStatus.NoOp, outcome.Status);
        Assert.Contains("no longer has", outcome.Reason, StringComparison.Ordinal);
        Assert.Empty(_autoScaling.Completions);
    }

    [Fact]
    public async Task LifecycleStep_DryRun_CompletesNothing()
    {
        AddManagedInstance(new GroupConfig { GroupName = "web-spot", DryRun = true });
        await CreateDispatcher().DispatchAsync(Action(), CancellationToken.None);
        RemediationRequest request = _invoker.Started.Single(r => r.Step == "lifecycle");

        StepOutcome outcome = await new LifecycleHookStep(_ledger, _autoScaling, _clock, NullLogger.Instance).RunAsync(request, CancellationToken.None);

        Assert.Equal(StepStatus.NoOp, outcome.Status);
        Assert.StartsWith("dry run: would complete lifecycle action maxgroup-drain with CONTINUE", outcome.Reason, StringComparison.Ordinal);
        Assert.Empty(_autoScaling.Completions);
    }

    [Fact]
    public async Task Dispatch_LifecycleActionForAnInstanceAWarningHandedOver_CompletedOnceNothingStartedTwice()
    {
        AddManagedInstance(DrainAndConsul);
        Dispatcher dispatcher = CreateDispatcher();
        await dispatcher.DispatchAsync(Samples.Warning(InstanceId, "ev-warning", ActionTime), CancellationToken.None);
        foreach (StepRecord step in (await _ledger.GetAsync(InstanceId, CancellationToken.None))!.Steps)
        {
            await _ledger.RecordStepAsync(InstanceId, step.Name, StepOutcome.Done("ended"), _clock.GetUtcNow(), CancellationToken.None);
        }

        int started = _invoker.Started.Count;

        DispatchResult first = await dispatcher.DispatchAsync(Action("ev-hook-1"), CancellationToken.None);
        DispatchResult again = await dispatcher.DispatchAsync(Action("ev-hook-2"), CancellationToken.None);

        // Before the fix the action was answered Duplicate and never completed: Auto Scaling held the instance until the
        // hook's heartbeat timeout.
        Assert.Equal([$"web-spot/maxgroup-drain/{InstanceId}/{Token} CONTINUE"], _autoScaling.Completions);
        Assert.Equal((DispatchStatus.Duplicate, DispatchStatus.Duplicate), (first.Status, again.Status));
        Assert.Equal(started, _invoker.Started.Count);
        InterruptionRecord record = (await _ledger.GetAsync(InstanceId, CancellationToken.None))!;
        Assert.Equal(HandoverTrigger.SpotWarning, record.Trigger);
        Assert.Null(record.FindStep("lifecycle"));
        Assert.Equal($"CONTINUE {Token}", record.Progress[LifecycleHookStep.CompletedProgress]);
    }

    [Fact]
    public async Task Dispatch_LifecycleActionWhileTheWarningsDrainRuns_CompletedOnlyAfterTheDrainEnded()
    {
        AddManagedInstance(DrainAndConsul);
        Dispatcher dispatcher = CreateDispatcher();
        await dispatcher.DispatchAsync(Samples.Warning(InstanceId, "ev-warning", ActionTime), CancellationToken.None);
        foreach (StepRecord step in (await _ledger.GetAsync(InstanceId, CancellationToken.None))!.Steps.Where(s => s.Name != "drain"))
        {
            await _ledger.RecordStepAsync(InstanceId, step.Name, StepOutcome.Done("ended"), _clock.GetUtcNow(), CancellationToken.None);
        }

        await _ledger.TryStartStepAsync(InstanceId, "drain", _clock.GetUtcNow(), StepLeases.Lease, CancellationToken.None);

        Task<DispatchResult> dispatch = dispatcher.DispatchAsync(Action("ev-hook-1"), CancellationToken.None);
        await AdvanceAsync(TimeSpan.FromSeconds(20));
        Assert.Empty(_autoScaling.Completions);
        await _ledger.RecordStepAsync(InstanceId, "drain", StepOutcome.Done("drained"), _clock.GetUtcNow(), CancellationToken.None);
        await AdvanceAsync(TimeSpan.FromSeconds(4));
        await dispatch.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal([$"web-spot/maxgroup-drain/{InstanceId}/{Token} CONTINUE"], _autoScaling.Completions);
    }

    [Fact]
    public void LifecycleOpening_OtherTransition_OpensNothing() =>
        Assert.Null(HandoverRoutes.LifecycleOpening(Action(transition: "autoscaling:EC2_INSTANCE_LAUNCHING"), null));

    [Fact]
    public void LifecycleOpening_HookNotDescribed_UsesAwsDefaults()
    {
        HandoverOpening opening = HandoverRoutes.LifecycleOpening(Action(), null)!;

        Assert.Equal(TimeSpan.FromHours(1), opening.LifecycleHook!.HeartbeatTimeout);
        Assert.Equal(ActionTime.AddHours(48), opening.Deadline.ReclaimAt);
    }

    /// <summary>Moves the fake clock on a second at a time, letting the step's polls run between the ticks.</summary>
    private async Task AdvanceAsync(TimeSpan total)
    {
        for (TimeSpan done = TimeSpan.Zero; done < total; done += TimeSpan.FromSeconds(1))
        {
            _clock.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(5);
        }
    }
}

/// <summary>What `maxgroup plan` says about a group's terminate hooks.</summary>
public sealed class LifecycleHookAdviceTests
{
    private static readonly LifecycleHookInfo Terminating = new("maxgroup-drain", "web", "autoscaling:EC2_INSTANCE_TERMINATING", 300, "CONTINUE");
    private static readonly LifecycleHookInfo Launching = new("warm-up", "web", "autoscaling:EC2_INSTANCE_LAUNCHING", 300, "CONTINUE");

    [Fact]
    public void Describe_DrainWithoutTerminateHook_SaysToAddOne() =>
        Assert.StartsWith("none: a scale-in", LifecycleHookAdvice.Describe(new GroupConfig { K8sNodeDrainOption = true }, [Launching]), StringComparison.Ordinal);

    [Fact]
    public void Describe_ConsulWithTerminateHook_NamesItAndItsTimeout() =>
        Assert.StartsWith("maxgroup-drain (heartbeat 300 s, default CONTINUE)", LifecycleHookAdvice.Describe(new GroupConfig { ConsulPort = 8500 }, [Terminating]), StringComparison.Ordinal);

    [Fact]
    public void Describe_NeitherDrainNorConsulNorHook_SaysNothing() =>
        Assert.Null(LifecycleHookAdvice.Describe(new GroupConfig(), []));
}
