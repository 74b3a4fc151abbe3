using MaxGroup.Core.Steps.Replace;

namespace MaxGroup.Core.Tests.Replace;

public sealed partial class ReplaceStepTests
{
    private const string Doomed = "i-0000000000000000d";
    private readonly FakeTimeProvider _clock = new(Samples.WarningTime + TimeSpan.FromSeconds(2));
    private readonly FakeAutoScaling _autoScaling = new();
    private readonly FakeInventory _inventory = new();
    private readonly InMemoryLedger _ledger = new();
    private readonly RecordingMetrics _metrics = new();
    private readonly FakeLauncher _launcher;

    public ReplaceStepTests()
    {
        _launcher = new FakeLauncher(_inventory);
        _inventory.Add(Samples.Instance(Doomed));
    }

    [Fact]
    public async Task Launch_Normal_SuccessorInDoomedOutDesiredUnchanged()
    {
        _autoScaling.AddGroup("web", min: 1, max: 5, ["i-00000000000000001", Doomed], tags: [new AsgTag("team", "blue", true)]);
        await BeginAsync();

        StepOutcome outcome = await RunAsync(Request(Launch()));

        Assert.Equal(StepStatus.Done, outcome.Status);
        AutoScalingGroupInfo group = _autoScaling.Snapshot("web");
        string successor = outcome.Details["successor_instance_id"];
        Assert.DoesNotContain(group.Instances, i => i.InstanceId == Doomed);
        Assert.Contains(group.Instances, i => i.InstanceId == successor);
        Assert.Equal(2, group.DesiredCapacity);
        Assert.Equal(5, group.MaxSize);
        SuccessorLaunchSpec spec = Assert.Single(_launcher.Launched);
        Assert.Equal("subnet-a", spec.SubnetId);
        Assert.Equal("web", spec.Tags[SuccessorTags.Group]);
        Assert.Equal(Doomed, spec.Tags[SuccessorTags.Replaces]);
        Assert.Equal("blue", spec.Tags["team"]);
        Assert.Equal(new LaunchTemplateRef("lt-1", null, "3"), spec.LaunchTemplate);
        Assert.Equal(successor, (await _ledger.GetAsync(Doomed, CancellationToken.None))!.SuccessorInstanceId);
        Assert.Equal(["Attach " + successor, $"Detach {Doomed} decrement=True"], _autoScaling.Calls);
        Assert.Equal(1, _metrics.Count("ReactionLatency"));
        Assert.Single(_metrics.Records, r => r.Name == "SuccessorsLaunched" && r.Dimensions!["Market"] == "spot");
        Assert.DoesNotContain(_metrics.Records, r => r.Name == "FallbackLaunches");
        var legacy = Assert.Single(_metrics.Records, r => r.Name == "SpotMax/Count");
        Assert.Equal(KeyValuePair.Create("MaxGroup", "Pre-complement"), Assert.Single(legacy.Dimensions!));
    }

    [Fact]
    public async Task Launch_WaitsDetachingDelayBeforeDetach()
    {
        _autoScaling.AddGroup("web", 1, 5, [Doomed]);
        await BeginAsync();
        DateTimeOffset start = _clock.GetUtcNow();

        await RunAsync(Request(Launch() with { DetachingDelaySeconds = 30 }));

        Assert.True(_clock.GetUtcNow() - start >= TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task Launch_CapacityErrors_FallBackThroughAlternativesToOnDemand()
    {
        _autoScaling.AddGroup("web", 1, 5, [Doomed], overrides: ["m5.large", "m5a.large"]);
        _launcher.FailWith["m5a.large/spot"] = "InsufficientInstanceCapacity";
        _launcher.FailWith["c5.large/spot"] = "SpotMaxPriceTooLow";
        _launcher.FailWith["m5.large/on-demand"] = "UnfulfillableCapacity";
        await BeginAsync();

        StepOutcome outcome = await RunAsync(Request(Launch() with { AlternativeInstanceTypes = ["c5.large"] }));

        Assert.Equal(StepStatus.Done, outcome.Status);
        Assert.Equal(["m5a.large/spot", "c5.large/spot", "m5.large/on-demand", "m5a.large/on-demand"], _launcher.Attempts.Select(a => a.Candidate.ToString()));
        Assert.Equal("m5a.large", outcome.Details["successor_type"]);
        Assert.Equal("on-demand", outcome.Details["successor_market"]);
        // Counted as a fallback: the preaction schedule swaps it back to Spot later (is_to_revert_to_spot).
        Assert.Single(_metrics.Records, r => r.Name == "FallbackLaunches" && r.Dimensions!["Market"] == "on-demand");
    }

    [Fact]
    public async Task Launch_NoCapacityAnywhere_FailsWithAttempts()
    {
        _autoScaling.AddGroup("web", 1, 5, [Doomed]);
        _launcher.FailWith["m5.large/spot"] = "InsufficientInstanceCapacity";
        await BeginAsync();

        StepOutcome outcome = await RunAsync(Request(Launch() with { IsEnableOdFallback = false }));

        Assert.Equal(StepStatus.Failed, outcome.Status);
        Assert.Contains("m5.large/spot: InsufficientInstanceCapacity", outcome.Reason, StringComparison.Ordinal);
        Assert.Empty(_autoScaling.Calls);
    }

    [Fact]
    public async Task Launch_MaxSizeReached_RaisedForAttachAndRestored()
    {
        _autoScaling.AddGroup("web", 2, 2, ["i-00000000000000001", Doomed]);
        await BeginAsync();

        StepOutcome outcome = await RunAsync(Request(Launch()));

        Assert.Equal(StepStatus.Done, outcome.Status);
        AutoScalingGroupInfo group = _autoScaling.Snapshot("web");
        Assert.Equal(2, group.MaxSize);
        Assert.Equal(2, group.DesiredCapacity);
        Assert.Equal(2, group.MinSize);
        Assert.Equal("Update min=- max=3", _autoScaling.Calls[0]);
        Assert.Equal("Update min=- max=2", _autoScaling.Calls[^1]);
    }

    [Fact]
    public async Task Launch_ScalingActivityInProgress_RetriedWithinDeadline()
    {
        _autoScaling.AddGroup("web", 1, 5, [Doomed]);
        _autoScaling.Errors["Attach"] = new([new RemoteApiException("autoscaling", "ScalingActivityInProgress", "busy", 400)]);
        await BeginAsync();

        StepOutcome outcome = await RunAsync(Request(Launch()));

        Assert.Equal(StepStatus.Done, outcome.Status);
        Assert.Equal(1, _autoScaling.Snapshot("web").DesiredCapacity);
    }

    [Fact]
    public async Task Launch_ReRunAfterPartialFailure_ReusesSuccessorAndConverges()
    {
        _autoScaling.AddGroup("web", 1, 5, [Doomed]);
        _autoScaling.Errors["Detach"] = new([new RemoteApiException("autoscaling", "ValidationError", "something odd", 400)]);
        await BeginAsync();
        StepOutcome first = await RunAsync(Request(Launch()));
        Assert.Equal(StepStatus.Failed, first.Status);

        StepOutcome second = await RunAsync(Request(Launch()));

        Assert.Equal(StepStatus.Done, second.Status);
        Assert.Single(_launcher.Launched);
        Assert.Equal("true", second.Details["successor_reused"]);
        AutoScalingGroupInfo group = _autoScaling.Snapshot("web");
        Assert.Equal(1, group.DesiredCapacity);
        Assert.Equal([second.Details["successor_instance_id"]], group.Instances.Select(i => i.InstanceId));
    }

    [Fact]
    public async Task Launch_DoomedReclaimedBeforeDetach_RestoresDesiredCapacity()
    {
        _autoScaling.AddGroup("web", 1, 5, ["i-00000000000000001", Doomed]);
        await BeginAsync();
        Task<StepOutcome> run = new ReplaceStep(_autoScaling, _launcher, _inventory, _ledger, _clock, _metrics, NullLogger.Instance)
            .RunAsync(Request(Launch() with { DetachingDelaySeconds = 30 }), CancellationToken.None);
        while (!_autoScaling.Calls.Any(c => c.StartsWith("Attach", StringComparison.Ordinal)))
        {
            await Task.Delay(1);
        }

        _autoScaling.Remove("web", Doomed);
        StepOutcome outcome = await Drive(run);

        Assert.Equal(StepStatus.Done, outcome.Status);
        Assert.Equal(2, _autoScaling.Snapshot("web").DesiredCapacity);
        Assert.Equal("2", outcome.Details["desired_restored"]);
    }

    [Fact]
    public async Task Launch_DetachBelowMinSize_LowersMinForTheDetachAndRestoresIt()
    {
        _autoScaling.AddGroup("web", 1, 5, [Doomed]);
        _autoScaling.Errors["Detach"] = new([new RemoteApiException("autoscaling", "ValidationError", "Detaching would result in a desired capacity below the min size of the group", 400)]);
        await BeginAsync();

        StepOutcome outcome = await RunAsync(Request(Launch()));

        Assert.Equal(StepStatus.Done, outcome.Status);
        AutoScalingGroupInfo group = _autoScaling.Snapshot("web");
        Assert.Equal(1, group.MinSize);
        Assert.Equal(1, group.DesiredCapacity);
        Assert.DoesNotContain(group.Instances, i => i.InstanceId == Doomed);
    }

    [Fact]
    public async Task Detach_Normal_GroupLaunchesReplacementAndSuccessorIsRecorded()
    {
        _autoScaling.AddGroup("web", 1, 5, ["i-00000000000000001", Doomed]);
        await BeginAsync();

        StepOutcome outcome = await RunAsync(Request(new GroupConfig { GroupName = "web", ReplacementStrategy = ReplacementStrategy.Detach }));

        Assert.Equal(StepStatus.Done, outcome.Status);
        AutoScalingGroupInfo group = _autoScaling.Snapshot("web");
        Assert.DoesNotContain(group.Instances, i => i.InstanceId == Doomed);
        Assert.Equal(2, group.DesiredCapacity);
        Assert.Equal(2, group.Instances.Count);
        Assert.Equal([$"Detach {Doomed} decrement=False"], _autoScaling.Calls);
        Assert.Empty(_launcher.Attempts);
        string successor = outcome.Details["successor_instance_id"];
        Assert.Equal(successor, (await _ledger.GetAsync(Doomed, CancellationToken.None))!.SuccessorInstanceId);
    }

    [Fact]
    public async Task Detach_AlreadyDetached_ConvergesWithoutSecondDetach()
    {
        _autoScaling.AddGroup("web", 1, 5, ["i-00000000000000001"]);
        await BeginAsync();

        StepOutcome outcome = await RunAsync(Request(new GroupConfig { GroupName = "web" }));

        Assert.Equal(StepStatus.Done, outcome.Status);
        Assert.Empty(_autoScaling.Calls);
        Assert.Equal("already out of the group", outcome.Details["detached"]);
    }

    [Theory]
    [InlineData("Terminating:Wait")]
    [InlineData("Terminating:Proceed")]
    [InlineData("Detaching")]
    public async Task Detach_DoomedAlreadyLeavingTheGroup_NoDetachTheGroupReplacesIt(string lifecycleState)
    {
        // A termination hook holds the interrupted instance (Terminating:Wait): AWS detaches only InService or Standby.
        _autoScaling.AddGroup("web", 1, 5, ["i-00000000000000001", Doomed]);
        _autoScaling.SetLifecycleState("web", Doomed, lifecycleState);
        await BeginAsync();

        StepOutcome outcome = await RunAsync(Request(new GroupConfig { GroupName = "web", ReplacementStrategy = ReplacementStrategy.Detach }));

        // No DetachInstances that AWS would refuse; the group's replacement not seen (the fake launches none for a
        // leaving member), the successor comes through the launch path as for any missing replacement.
        Assert.Equal(StepStatus.Done, outcome.Status);
        Assert.DoesNotContain(_autoScaling.Calls, c => c.StartsWith("Detach", StringComparison.Ordinal));
        Assert.Equal("already out of the group", outcome.Details["detached"]);
        Assert.True(outcome.Details.ContainsKey("successor_instance_id"));
    }

    [Theory]
    [InlineData(ReplacementStrategy.Launch)]
    [InlineData(ReplacementStrategy.Detach)]
    public async Task DryRun_ComputesPlanAndMutatesNothing(ReplacementStrategy strategy)
    {
        _autoScaling.AddGroup("web", 2, 2, ["i-00000000000000001", Doomed], capacityRebalance: true);
        await BeginAsync();

        StepOutcome outcome = await RunAsync(Request(new GroupConfig { GroupName = "web", ReplacementStrategy = strategy }) with { DryRun = true });

        Assert.Equal(StepStatus.NoOp, outcome.Status);
        Assert.StartsWith("dry run: would ", outcome.Reason, StringComparison.Ordinal);
        Assert.Empty(_autoScaling.Calls);
        Assert.Empty(_launcher.Attempts);
        Assert.Contains("Capacity Rebalance", outcome.Details["warning"], StringComparison.Ordinal);
        if (strategy == ReplacementStrategy.Launch)
        {
            Assert.Equal("2 -> 3, restored after", outcome.Details["raise_max_size"]);
            Assert.Equal("m5.large/spot, m5.large/on-demand", outcome.Details["candidates"]);
        }
    }

    [Fact]
    public async Task Run_AfterReclaim_IsSkipped()
    {
        _autoScaling.AddGroup("web", 1, 5, [Doomed]);
        _clock.Advance(TimeSpan.FromMinutes(3));

        StepOutcome outcome = await RunAsync(Request(Launch()));

        Assert.Equal(StepStatus.Skipped, outcome.Status);
        Assert.Empty(_autoScaling.Calls);
    }

    [Fact]
    public async Task Launch_FirstRunWithPrewarmedSuccessor_ReusesItWithoutSearchingAgain()
    {
        _autoScaling.AddGroup("web", min: 1, max: 5, ["i-00000000000000001", Doomed]);
        _launcher.PreLaunch(Doomed, "i-0000000000000beef");
        await BeginAsync(claim: true);

        StepOutcome outcome = await RunAsync(FirstRun(Request(Launch() with { DetachingDelaySeconds = 0 }), "i-0000000000000beef"));

        Assert.Equal(StepStatus.Done, outcome.Status);
        Assert.Equal("true", outcome.Details["successor_reused"]);
        Assert.Equal("i-0000000000000beef", outcome.Details["successor_instance_id"]);
        Assert.Empty(_launcher.Launched);
        Assert.Equal(0, _launcher.Searches);
        AutoScalingGroupInfo group = _autoScaling.Snapshot("web");
        Assert.Contains(group.Instances, i => i.InstanceId == "i-0000000000000beef");
        Assert.DoesNotContain(group.Instances, i => i.InstanceId == Doomed);
        Assert.Equal(2, group.DesiredCapacity);
    }

    [Fact]
    public async Task Launch_FirstRunNothingFound_LaunchesWithoutSearchingAgain()
    {
        _autoScaling.AddGroup("web", min: 1, max: 5, ["i-00000000000000001", Doomed]);
        await BeginAsync(claim: true);

        StepOutcome outcome = await RunAsync(FirstRun(Request(Launch()), successor: null));

        Assert.Equal(StepStatus.Done, outcome.Status);
        Assert.Single(_launcher.Launched);
        Assert.Equal(0, _launcher.Searches);
    }

    [Fact]
    public async Task Launch_ReRunWithoutClaim_SearchesEvenIfDispatcherSearched()
    {
        _autoScaling.AddGroup("web", min: 1, max: 5, ["i-00000000000000001", Doomed]);
        _launcher.PreLaunch(Doomed, "i-0000000000000beef");
        await BeginAsync();

        // Not a first run (no claim): the dispatcher's "nothing found" is not trusted, the step searches itself.
        StepOutcome outcome = await RunAsync(Request(Launch()) with { Prefetch = new ReplacePrefetch { SuccessorSearched = true } });

        Assert.Equal(StepStatus.Done, outcome.Status);
        Assert.Equal("i-0000000000000beef", outcome.Details["successor_instance_id"]);
        Assert.Empty(_launcher.Launched);
        Assert.Equal(1, _launcher.Searches);
    }

    private RemediationRequest FirstRun(RemediationRequest request, string? successor) => request with
    {
        StepClaimedAt = _clock.GetUtcNow(),
        Prefetch = new ReplacePrefetch { SuccessorSearched = true, Successor = successor, Group = _autoScaling.Snapshot("web") },
    };

    private static GroupConfig Launch() => new() { GroupName = "web", ReplacementStrategy = ReplacementStrategy.Launch, DetachingDelaySeconds = 20 };

    private static RemediationRequest Request(GroupConfig config) => new()
    {
        Step = "replace",
        EventId = "ev-1",
        WarningTime = Samples.WarningTime,
        ReclaimAt = Samples.WarningTime.AddSeconds(120),
        Instance = Samples.Instance(Doomed),
        Config = config,
    };

    private Task BeginAsync(bool claim = false) => _ledger.TryBeginInterruptionAsync(
        Samples.ReplaceInterruption(Doomed),
        new InFlightLimits(),
        _clock.GetUtcNow(),
        claim ? "replace" : null,
        CancellationToken.None);

    private Task<StepOutcome> RunAsync(RemediationRequest request) =>
        Drive(new ReplaceStep(_autoScaling, _launcher, _inventory, _ledger, _clock, _metrics, NullLogger.Instance).RunAsync(request, CancellationToken.None));

    /// <summary>Moves the fake clock on while the step waits on it.</summary>
    private async Task<StepOutcome> Drive(Task<StepOutcome> run)
    {
        while (!run.IsCompleted)
        {
            _clock.Advance(TimeSpan.FromMilliseconds(500));
            await Task.Delay(1);
        }

        try
        {
            return await run;
        }
        catch (RemoteApiException ex)
        {
            // A step run outside the runner lets a non-retryable error out; the runner turns it into Failed.
            return StepOutcome.Failed(ex.Message);
        }
    }
}
