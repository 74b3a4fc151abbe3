using MaxGroup.Core.Steps.Replace;

namespace MaxGroup.Core.Tests.Replace;

/// <summary>The detach strategy when the group's own replacement never appears (a Spot shortage): the launch path takes over.</summary>
public sealed partial class ReplaceStepTests
{
    private static GroupConfig Detach() => new() { GroupName = "web", ReplacementStrategy = ReplacementStrategy.Detach, DetachingDelaySeconds = 0, AlternativeInstanceTypes = ["c5.large"] };

    [Fact]
    public async Task Detach_ReplacementNeverAppears_FallsThroughToALaunchAndEndsAtTheDesiredCapacity()
    {
        _autoScaling.AddGroup("web", 1, 2, ["i-00000000000000001", Doomed]);
        _autoScaling.LaunchesReplacements = false;
        _launcher.FailWith["c5.large/spot"] = "InsufficientInstanceCapacity";
        await BeginAsync();

        StepOutcome outcome = await RunAsync(Request(Detach()));

        Assert.Equal(StepStatus.Done, outcome.Status);
        string successor = outcome.Details["successor_instance_id"];
        Assert.Contains($"MaxGroup launched {successor} (m5.large/on-demand)", outcome.Reason, StringComparison.Ordinal);
        Assert.Equal("launch", outcome.Details["fall_through"]);
        AutoScalingGroupInfo group = _autoScaling.Snapshot("web");
        Assert.Equal(["i-00000000000000001", successor], group.Instances.Select(i => i.InstanceId));
        Assert.Equal(2, group.DesiredCapacity);
        // The group was full (desired 2 = MaxSize 2) for the attach: MaxSize raised by one and restored.
        Assert.Equal(2, group.MaxSize);
        Assert.Equal(successor, (await _ledger.GetAsync(Doomed, CancellationToken.None))!.SuccessorInstanceId);
        Assert.Equal(["c5.large/spot", "m5.large/on-demand"], _launcher.Attempts.Select(a => a.Candidate.ToString()));
    }

    [Fact]
    public async Task Detach_ReplacementNeverAppearsAndNoCapacity_FailedWithTheAttempts()
    {
        _autoScaling.AddGroup("web", 1, 3, ["i-00000000000000001", Doomed]);
        _autoScaling.LaunchesReplacements = false;
        _launcher.FailWith["c5.large/spot"] = "InsufficientInstanceCapacity";
        _launcher.FailWith["m5.large/on-demand"] = "InsufficientInstanceCapacity";
        _launcher.FailWith["c5.large/on-demand"] = "InsufficientInstanceCapacity";
        await BeginAsync();

        StepOutcome outcome = await RunAsync(Request(Detach()));

        Assert.Equal(StepStatus.Failed, outcome.Status);
        Assert.Contains("no successor could be launched", outcome.Reason, StringComparison.Ordinal);
        Assert.Contains("m5.large/on-demand: InsufficientInstanceCapacity", outcome.Reason, StringComparison.Ordinal);
        Assert.Equal(2, _autoScaling.Snapshot("web").DesiredCapacity);
    }

    [Fact]
    public async Task Detach_WatchCutOff_LeavesTheFallThroughReserveBeforeReclaim()
    {
        _autoScaling.AddGroup("web", 1, 3, ["i-00000000000000001", Doomed]);
        _autoScaling.LaunchesReplacements = false;
        _launcher.Clock = _clock;
        await BeginAsync();

        await Drive(new ReplaceStep(_autoScaling, _launcher, _inventory, _ledger, _clock, _metrics, NullLogger.Instance, new ReplaceOptions { SuccessorWaitLimit = TimeSpan.FromSeconds(100) })
            .RunAsync(Request(Detach()), CancellationToken.None));

        // The launch began no later than reclaim - 45 s, though the watch limit (100 s) would have run past it.
        Assert.True(_launcher.LaunchedAt.Single() <= Samples.WarningTime.AddSeconds(120 - 45), $"launched at {_launcher.LaunchedAt.Single():O}");
    }

    [Fact]
    public async Task Detach_ReplacementAppears_NoFallThrough()
    {
        _autoScaling.AddGroup("web", 1, 3, ["i-00000000000000001", Doomed]);
        await BeginAsync();

        StepOutcome outcome = await RunAsync(Request(Detach()));

        Assert.Equal(StepStatus.Done, outcome.Status);
        Assert.False(outcome.Details.ContainsKey("fall_through"));
        Assert.Empty(_launcher.Attempts);
    }
}
