namespace MaxGroup.Core.Tests.Replace;

/// <summary>A scheduled retirement (AWS Health): the retiring instance leaves by termination once its node steps have ended.</summary>
public sealed partial class ReplaceStepTests
{
    [Fact]
    public async Task Retirement_NodeStepsEnded_TerminatedInGroupWithDecrementNotDetached()
    {
        _autoScaling.AddGroup("web", min: 1, max: 5, ["i-00000000000000001", Doomed]);
        await BeginWithDrainAsync();
        await _ledger.RecordStepAsync(Doomed, "drain", StepOutcome.Done("drained"), _clock.GetUtcNow(), CancellationToken.None);

        StepOutcome outcome = await RunAsync(Retirement());

        Assert.Equal(StepStatus.Done, outcome.Status);
        string successor = outcome.Details["successor_instance_id"];
        Assert.Equal(["Attach " + successor, $"Terminate {Doomed} decrement=True"], _autoScaling.Calls);
        Assert.Equal([Doomed], _autoScaling.Terminated);
        Assert.Equal(Doomed, outcome.Details["terminated"]);
        AutoScalingGroupInfo group = _autoScaling.Snapshot("web");
        Assert.Equal((2, 5), (group.DesiredCapacity, group.MaxSize));
        Assert.Contains("terminated (scheduled retirement)", outcome.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Retirement_TerminateAnswerLost_GroupReadAndTakenAsDoneNotResentOrDetached()
    {
        _autoScaling.AddGroup("web", min: 1, max: 5, ["i-00000000000000001", Doomed]);
        _autoScaling.LostAnswers.Add("Terminate");
        await BeginWithDrainAsync();
        await _ledger.RecordStepAsync(Doomed, "drain", StepOutcome.Done("drained"), _clock.GetUtcNow(), CancellationToken.None);

        StepOutcome outcome = await RunAsync(Retirement());

        Assert.Equal(StepStatus.Done, outcome.Status);
        string successor = outcome.Details["successor_instance_id"];
        // Sent once: no second termination and no detach of the instance already gone.
        Assert.Equal(["Attach " + successor, $"Terminate {Doomed} decrement=True"], _autoScaling.Calls);
        Assert.Equal([Doomed], _autoScaling.Terminated);
        Assert.Equal(Doomed, outcome.Details["terminated"]);
        Assert.False(outcome.Details.ContainsKey("termination"));
        AutoScalingGroupInfo group = _autoScaling.Snapshot("web");
        Assert.Equal((2, 5), (group.DesiredCapacity, group.MaxSize));
    }

    [Fact]
    public async Task Retirement_TerminateFailedRetryablyBeforeTakingEffect_SentAgainAndTerminated()
    {
        _autoScaling.AddGroup("web", min: 1, max: 5, ["i-00000000000000001", Doomed]);
        _autoScaling.Errors["Terminate"] = new Queue<RemoteApiException>([new RemoteApiException("autoscaling", "InternalFailure", "injected", 500)]);
        await BeginWithDrainAsync();
        await _ledger.RecordStepAsync(Doomed, "drain", StepOutcome.Done("drained"), _clock.GetUtcNow(), CancellationToken.None);

        StepOutcome outcome = await RunAsync(Retirement());

        Assert.Equal(StepStatus.Done, outcome.Status);
        // The group read after the 500 still listed it InService, so the termination went again, once.
        Assert.Equal($"Terminate {Doomed} decrement=True", _autoScaling.Calls[^1]);
        Assert.Single(_autoScaling.Calls, c => c.StartsWith("Terminate", StringComparison.Ordinal));
        Assert.Equal([Doomed], _autoScaling.Terminated);
        Assert.Equal((2, 5), (_autoScaling.Snapshot("web").DesiredCapacity, _autoScaling.Snapshot("web").MaxSize));
    }

    [Fact]
    public async Task Retirement_DrainStillRunningPastTheWait_DetachedAndLeftToAwsRetirement()
    {
        _autoScaling.AddGroup("web", min: 1, max: 5, ["i-00000000000000001", Doomed]);
        await BeginWithDrainAsync();
        DateTimeOffset started = _clock.GetUtcNow();

        StepOutcome outcome = await RunAsync(Retirement());

        Assert.Equal(StepStatus.Done, outcome.Status);
        Assert.Empty(_autoScaling.Terminated);
        Assert.Equal($"Detach {Doomed} decrement=True", _autoScaling.Calls[^1]);
        Assert.Contains("drain still running", outcome.Details["termination"], StringComparison.Ordinal);
        Assert.True(_clock.GetUtcNow() - started >= TimeSpan.FromSeconds(88), $"waited {_clock.GetUtcNow() - started}");
    }

    [Fact]
    public async Task ScheduledRebootOfDataVolumeGroup_TerminatedSoTheVolumeFollows()
    {
        _autoScaling.AddGroup("web", min: 1, max: 5, ["i-00000000000000001", Doomed]);
        await BeginWithDrainAsync();
        await _ledger.RecordStepAsync(Doomed, "drain", StepOutcome.Done("drained"), _clock.GetUtcNow(), CancellationToken.None);

        StepOutcome outcome = await RunAsync(Retirement() with
        {
            InstanceAction = InstanceActions.Reboot,
            Config = Launch() with { DetachingDelaySeconds = 0, PersistenceDev = "/dev/sdf" },
        });

        Assert.Equal(StepStatus.Done, outcome.Status);
        Assert.Equal([Doomed], _autoScaling.Terminated);
    }

    [Fact]
    public async Task ScheduledStopWithoutDataVolume_Detached()
    {
        _autoScaling.AddGroup("web", min: 1, max: 5, ["i-00000000000000001", Doomed]);
        await BeginWithDrainAsync();
        await _ledger.RecordStepAsync(Doomed, "drain", StepOutcome.Done("drained"), _clock.GetUtcNow(), CancellationToken.None);

        StepOutcome outcome = await RunAsync(Retirement() with { InstanceAction = InstanceActions.ScheduledStop });

        Assert.Equal(StepStatus.Done, outcome.Status);
        Assert.Empty(_autoScaling.Terminated);
        Assert.Equal($"Detach {Doomed} decrement=True", _autoScaling.Calls[^1]);
    }

    private static RemediationRequest Retirement() => Request(Launch() with { DetachingDelaySeconds = 0 }) with
    {
        InstanceAction = InstanceActions.Retire,
        Trigger = HandoverTrigger.HealthScheduledChange,
        ReclaimAt = Samples.WarningTime.AddDays(14),
    };

    private Task BeginWithDrainAsync() => _ledger.TryBeginInterruptionAsync(
        Samples.ReplaceInterruption(Doomed) with { Steps = [new StepRecord { Name = "replace" }, new StepRecord { Name = "drain" }] },
        new InFlightLimits(),
        _clock.GetUtcNow(),
        null,
        CancellationToken.None);
}
