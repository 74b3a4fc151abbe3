using MaxGroup.Core.Steps.Replace;

namespace MaxGroup.Core.Tests.Replace;

/// <summary>A replace run that died halfway is finished by the run that takes it over, before or after the reclaim.</summary>
public sealed partial class ReplaceStepTests
{
    [Fact]
    public async Task Resume_AttachedButNotDetachedWithMaxSizeRaised_DetachesAndRestoresTheGroup()
    {
        _autoScaling.AddGroup("web", 2, 2, ["i-00000000000000001", Doomed]);
        await BeginAsync();
        // The first run raised MaxSize, attached the successor and died before the detach.
        _autoScaling.Errors["Detach"] = new([new RemoteApiException("autoscaling", "ValidationError", "the process was killed here", 400)]);
        Assert.Equal(StepStatus.Failed, (await RunAsync(Request(Launch()))).Status);
        Assert.Equal(3, _autoScaling.Snapshot("web").DesiredCapacity);

        StepOutcome resumed = await RunAsync(Request(Launch()) with { Resume = true });

        Assert.Equal(StepStatus.Done, resumed.Status);
        Assert.Single(_launcher.Launched);
        AutoScalingGroupInfo group = _autoScaling.Snapshot("web");
        Assert.Equal(2, group.DesiredCapacity);
        Assert.Equal(2, group.MaxSize);
        Assert.DoesNotContain(group.Instances, i => i.InstanceId == Doomed);
        Assert.Contains(group.Instances, i => i.InstanceId == resumed.Details["successor_instance_id"]);
    }

    [Fact]
    public async Task Resume_AfterTheReclaimWithTheSuccessorAttached_RestoresDesiredAndMaxSize()
    {
        _autoScaling.AddGroup("web", 2, 2, ["i-00000000000000001", Doomed]);
        await BeginAsync();
        _autoScaling.Errors["Detach"] = new([new RemoteApiException("autoscaling", "ValidationError", "the process was killed here", 400)]);
        await RunAsync(Request(Launch()));
        // Nobody resumed it in time: AWS reclaimed the doomed instance, and the group still wants 3.
        _clock.Advance(TimeSpan.FromMinutes(3));
        _autoScaling.Remove("web", Doomed);
        RemediationRequest late = Request(Launch()) with { Resume = true };
        var step = new ReplaceStep(_autoScaling, _launcher, _inventory, _ledger, _clock, _metrics, NullLogger.Instance);
        Assert.False(step.EndsAtReclaim(late));

        StepOutcome outcome = await RunAsync(late);

        Assert.Equal(StepStatus.Done, outcome.Status);
        Assert.Contains("after the reclaim time", outcome.Reason, StringComparison.Ordinal);
        AutoScalingGroupInfo group = _autoScaling.Snapshot("web");
        Assert.Equal(2, group.DesiredCapacity);
        Assert.Equal(2, group.MaxSize);
        Assert.Single(_launcher.Launched);
        Assert.Equal(1, _metrics.Count("DeadlineMisses"));
    }

    [Fact]
    public async Task Resume_AfterTheReclaimWithASuccessorNeverAttached_RecordsItAndFails()
    {
        _autoScaling.AddGroup("web", 1, 5, ["i-00000000000000001", Doomed]);
        await BeginAsync();
        // The first run launched a successor and died before recording it anywhere but its spotmax:replaces tag.
        _launcher.PreLaunch(Doomed, "i-0000000000000beef");
        _clock.Advance(TimeSpan.FromMinutes(3));

        StepOutcome outcome = await RunAsync(Request(Launch()) with { Resume = true });

        Assert.Equal(StepStatus.Failed, outcome.Status);
        Assert.Contains("i-0000000000000beef", outcome.Reason, StringComparison.Ordinal);
        Assert.Contains("outside group web", outcome.Reason, StringComparison.Ordinal);
        Assert.Equal("i-0000000000000beef", (await _ledger.GetAsync(Doomed, CancellationToken.None))!.SuccessorInstanceId);
        Assert.Empty(_launcher.Launched);
        Assert.DoesNotContain(_autoScaling.Calls, c => c.StartsWith("Attach", StringComparison.Ordinal));
    }
}
