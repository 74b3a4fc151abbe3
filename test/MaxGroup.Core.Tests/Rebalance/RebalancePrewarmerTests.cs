using MaxGroup.Core.Dispatch;
using MaxGroup.Core.Steps.Prewarm;
using MaxGroup.Core.Steps.Replace;
using MaxGroup.Core.Tests.Replace;

namespace MaxGroup.Core.Tests.Rebalance;

public sealed class RebalancePrewarmerTests
{
    private const string AtRisk = "i-0000000000000000a";
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 24, 8, 0, 5, TimeSpan.Zero));
    private readonly FakeAutoScaling _autoScaling = new();
    private readonly FakeInventory _inventory = new();
    private readonly FakeConfigSource _configs = new();
    private readonly InMemoryLedger _ledger = new();
    private readonly InMemoryPrewarmLedger _prewarms = new();
    private readonly FakePrewarmFleet _fleet = new();
    private readonly RecordingMetrics _metrics = new();
    private readonly RecordingInvoker _invoker = new();
    private readonly FakeLauncher _launcher;

    public RebalancePrewarmerTests()
    {
        _launcher = new FakeLauncher(_inventory);
        _inventory.Add(Samples.Instance(AtRisk));
        _autoScaling.AddGroup("web", min: 2, max: 2, ["i-00000000000000001", AtRisk], tags: [new AsgTag("team", "blue", true)]);
    }

    [Fact]
    public async Task OnRebalance_FlaggedGroup_LaunchesTaggedSuccessorOutsideTheGroupAndRecordsIt()
    {
        _configs.Add(Flagged());

        DispatchResult result = await Prewarmer().OnRebalanceAsync(RebalanceSamples.Recommendation(AtRisk), CancellationToken.None);

        Assert.Equal(DispatchStatus.Started, result.Status);
        Assert.Equal(["prewarm"], result.Steps);
        SuccessorLaunchSpec spec = Assert.Single(_launcher.Launched);
        Assert.Equal("subnet-a", spec.SubnetId);
        Assert.Equal(new LaunchTemplateRef("lt-1", null, "3"), spec.LaunchTemplate);
        Assert.Equal(AtRisk, spec.Tags[SuccessorTags.Replaces]);
        Assert.Equal("web", spec.Tags[SuccessorTags.Group]);
        Assert.Equal("blue", spec.Tags["team"]);
        Assert.Equal("2026-11-24T09:00:05Z", spec.Tags[PrewarmTags.KeepUntil]);
        Assert.StartsWith($"maxgroup-prewarm-{AtRisk}-", spec.ClientToken, StringComparison.Ordinal);
        PrewarmRecord record = (await _prewarms.GetAsync(AtRisk, _clock.GetUtcNow(), CancellationToken.None))!;
        Assert.Equal(PrewarmStatus.Launched, record.Status);
        Assert.Equal(await _launcher.FindSuccessorAsync(AtRisk, CancellationToken.None), record.SuccessorInstanceId);
        // Pre-warm only: the group is not touched (no attach, no detach, no MaxSize change) and no step is started.
        Assert.Empty(_autoScaling.Calls);
        Assert.Equal(2, _autoScaling.Snapshot("web").MaxSize);
        Assert.Null(await _ledger.GetAsync(AtRisk, CancellationToken.None));
        Assert.Single(_metrics.Records, r => r.Name == "PrewarmsStarted" && r.Dimensions!["Market"] == "spot");
    }

    [Fact]
    public async Task OnRebalance_DuplicateDelivery_LaunchesOnceAndAnswersFromTheLedger()
    {
        _configs.Add(Flagged());
        RebalancePrewarmer prewarmer = Prewarmer();
        await prewarmer.OnRebalanceAsync(RebalanceSamples.Recommendation(AtRisk, "rb-1"), CancellationToken.None);
        int describesAfterFirst = _inventory.Calls;

        DispatchResult again = await prewarmer.OnRebalanceAsync(RebalanceSamples.Recommendation(AtRisk, "rb-2"), CancellationToken.None);

        Assert.Equal(DispatchStatus.Duplicate, again.Status);
        Assert.Contains("first event rb-1", again.Reason, StringComparison.Ordinal);
        Assert.Single(_launcher.Attempts);
        Assert.Equal(describesAfterFirst, _inventory.Calls);
    }

    [Fact]
    public async Task OnRebalance_FlagOff_NoOpWithReasonAndNoLaunch()
    {
        _configs.Add(Flagged() with { IsToHandleRebalanceEvent = false });

        DispatchResult result = await Prewarmer().OnRebalanceAsync(RebalanceSamples.Recommendation(AtRisk), CancellationToken.None);

        Assert.Equal(DispatchStatus.NoOp, result.Status);
        Assert.Equal("is_to_handle_rebalance_event is off for this group: the recommendation is ignored", result.Reason);
        Assert.Equal("web", result.GroupName);
        Assert.Empty(_launcher.Attempts);
        Assert.Null(await _prewarms.GetAsync(AtRisk, _clock.GetUtcNow(), CancellationToken.None));
    }

    [Fact]
    public async Task OnRebalance_DryRun_PlansWithoutLaunching()
    {
        _configs.Add(Flagged() with { DryRun = true });

        DispatchResult result = await Prewarmer().OnRebalanceAsync(RebalanceSamples.Recommendation(AtRisk), CancellationToken.None);

        Assert.Equal(DispatchStatus.NoOp, result.Status);
        Assert.True(result.DryRun);
        Assert.StartsWith("dry run: would pre-warm a successor", result.Reason, StringComparison.Ordinal);
        Assert.Empty(_launcher.Attempts);
    }

    [Fact]
    public async Task OnRebalance_CapacityErrors_FallBackLikeTheReplaceStep()
    {
        _configs.Add(Flagged() with { AlternativeInstanceTypes = ["c5.large"] });
        _launcher.FailWith["c5.large/spot"] = "InsufficientInstanceCapacity";

        DispatchResult result = await Prewarmer().OnRebalanceAsync(RebalanceSamples.Recommendation(AtRisk), CancellationToken.None);

        Assert.Equal(DispatchStatus.Started, result.Status);
        Assert.Equal(["c5.large/spot", "m5.large/on-demand"], _launcher.Attempts.Select(a => a.Candidate.ToString()));
    }

    [Fact]
    public async Task OnRebalance_NoCapacityAnywhere_GivesTheClaimUpSoALaterRecommendationRetries()
    {
        _configs.Add(Flagged() with { IsEnableOdFallback = false });
        _launcher.FailWith["m5.large/spot"] = "InsufficientInstanceCapacity";
        RebalancePrewarmer prewarmer = Prewarmer();

        DispatchResult first = await prewarmer.OnRebalanceAsync(RebalanceSamples.Recommendation(AtRisk, "rb-1"), CancellationToken.None);
        _launcher.FailWith.Clear();
        DispatchResult second = await prewarmer.OnRebalanceAsync(RebalanceSamples.Recommendation(AtRisk, "rb-2"), CancellationToken.None);

        Assert.Equal(DispatchStatus.NoOp, first.Status);
        Assert.StartsWith("no capacity for a pre-warmed successor", first.Reason, StringComparison.Ordinal);
        Assert.Equal(DispatchStatus.Started, second.Status);
        Assert.Single(_launcher.Launched);
    }

    [Fact]
    public async Task OnRebalance_AfterTheWarning_LeavesItToTheReplaceStep()
    {
        _configs.Add(Flagged());
        await BeginInterruptionAsync();

        DispatchResult result = await Prewarmer().OnRebalanceAsync(RebalanceSamples.Recommendation(AtRisk), CancellationToken.None);

        Assert.Equal(DispatchStatus.NoOp, result.Status);
        Assert.Empty(_launcher.Attempts);
    }

    [Fact]
    public async Task RebalanceThenWarning_ReplaceStepAdoptsThePrewarmedSuccessorWithoutASecondLaunch()
    {
        _configs.Add(Flagged());
        await Prewarmer().OnRebalanceAsync(RebalanceSamples.Recommendation(AtRisk), CancellationToken.None);
        string prewarmed = (await _prewarms.GetAsync(AtRisk, _clock.GetUtcNow(), CancellationToken.None))!.SuccessorInstanceId!;
        await BeginInterruptionAsync();
        var replace = new PrewarmReuseRecorder(
            new ReplaceStep(_autoScaling, _launcher, _inventory, _ledger, _clock, _metrics, NullLogger.Instance),
            _prewarms, _ledger, _clock, _metrics, NullLogger.Instance);

        StepOutcome outcome = await Drive(replace.RunAsync(WarningRequest(), CancellationToken.None));

        Assert.Equal(StepStatus.Done, outcome.Status);
        Assert.Equal("replace", replace.Name);
        Assert.Single(_launcher.Attempts);
        Assert.Equal(prewarmed, outcome.Details["successor_instance_id"]);
        AutoScalingGroupInfo group = _autoScaling.Snapshot("web");
        Assert.Contains(group.Instances, i => i.InstanceId == prewarmed);
        Assert.DoesNotContain(group.Instances, i => i.InstanceId == AtRisk);
        Assert.Equal(2, group.DesiredCapacity);
        Assert.Equal(2, group.MaxSize);
        Assert.Equal(PrewarmStatus.Reused, (await _prewarms.GetAsync(AtRisk, _clock.GetUtcNow(), CancellationToken.None))!.Status);
        Assert.Equal(1, _metrics.Count("PrewarmedSuccessorsReused"));
    }

    [Fact]
    public async Task ReuseRecorder_WarningWithoutPrewarm_CountsNoReuse()
    {
        _configs.Add(Flagged());
        await BeginInterruptionAsync();
        var replace = new PrewarmReuseRecorder(
            new ReplaceStep(_autoScaling, _launcher, _inventory, _ledger, _clock, _metrics, NullLogger.Instance),
            _prewarms, _ledger, _clock, _metrics, NullLogger.Instance);

        StepOutcome outcome = await Drive(replace.RunAsync(WarningRequest(), CancellationToken.None));

        Assert.Equal(StepStatus.Done, outcome.Status);
        Assert.Equal(0, _metrics.Count("PrewarmedSuccessorsReused"));
    }

    [Fact]
    public async Task Dispatcher_Rebalance_StartsNoDrainNoConsulNoVolumeStep()
    {
        _configs.Add(Flagged() with { K8sNodeDrainOption = true, ConsulPort = 8500, PersistenceDev = "/dev/sdf" });
        var volume = new RecordingVolumeTriggers();
        Dispatcher dispatcher = new(_inventory, _configs, _ledger, _invoker, volume, new DispatcherOptions(), _clock, _metrics, NullLogger.Instance)
        {
            Rebalance = Prewarmer(),
        };

        DispatchResult result = await dispatcher.DispatchAsync(RebalanceSamples.Recommendation(AtRisk), CancellationToken.None);

        Assert.Equal(DispatchStatus.Started, result.Status);
        Assert.Single(_launcher.Launched);
        Assert.Empty(_invoker.Started);
        Assert.Empty(volume.Received);
        Assert.Null(await _ledger.GetAsync(AtRisk, CancellationToken.None));
    }

    [Fact]
    public async Task Dispatcher_WithoutRebalanceHandler_StaysANoOp()
    {
        _configs.Add(Flagged());
        Dispatcher dispatcher = new(_inventory, _configs, _ledger, _invoker, new RecordingVolumeTriggers(), new DispatcherOptions(), _clock, _metrics, NullLogger.Instance);

        DispatchResult result = await dispatcher.DispatchAsync(RebalanceSamples.Recommendation(AtRisk), CancellationToken.None);

        Assert.Equal(DispatchStatus.NoOp, result.Status);
        Assert.Empty(_launcher.Attempts);
    }

    [Fact]
    public async Task Sweep_UnusedAfterKeepTime_TerminatesOnlyThatOneAndLeavesTheGroupAlone()
    {
        _configs.Add(Flagged());
        RebalancePrewarmer prewarmer = Prewarmer();
        await prewarmer.OnRebalanceAsync(RebalanceSamples.Recommendation(AtRisk), CancellationToken.None);
        string prewarmed = (await _prewarms.GetAsync(AtRisk, _clock.GetUtcNow(), CancellationToken.None))!.SuccessorInstanceId!;
        _fleet.Add(new PrewarmedInstance(prewarmed, AtRisk, "web", _clock.GetUtcNow().AddMinutes(60)));
        _fleet.Add(new PrewarmedInstance("i-00000000000000001", "i-gone", "web", _clock.GetUtcNow().AddMinutes(-1)));

        IReadOnlyList<string> early = await prewarmer.SweepAsync(CancellationToken.None);
        _clock.Advance(TimeSpan.FromMinutes(61));
        IReadOnlyList<string> late = await prewarmer.SweepAsync(CancellationToken.None);

        Assert.Empty(early);
        Assert.Equal([prewarmed], late);
        // The group member carrying the tag (adopted earlier) is never terminated.
        Assert.Equal([prewarmed], _fleet.Terminated);
        Assert.Empty(_autoScaling.Calls);
        Assert.Equal(1, _metrics.Count("PrewarmsReleased"));
    }

    [Fact]
    public async Task Sweep_AtRiskInstanceLeftWithoutWarning_ReleasesAtOnce()
    {
        _fleet.Add(new PrewarmedInstance("i-pre", "i-scaled-in", "web", _clock.GetUtcNow().AddMinutes(30)));

        IReadOnlyList<string> released = await Prewarmer().SweepAsync(CancellationToken.None);

        Assert.Equal(["i-pre"], released);
    }

    [Fact]
    public async Task Sweep_ForcedDryRun_TerminatesNothing()
    {
        _fleet.Add(new PrewarmedInstance("i-pre", "i-scaled-in", "web", _clock.GetUtcNow().AddMinutes(-30)));

        IReadOnlyList<string> released = await Prewarmer(new RebalanceOptions { ForceDryRun = true }).SweepAsync(CancellationToken.None);

        Assert.Empty(released);
        Assert.Empty(_fleet.Terminated);
    }

    private static GroupConfig Flagged() => new()
    {
        GroupName = "web",
        IsToHandleRebalanceEvent = true,
        ReplacementStrategy = ReplacementStrategy.Launch,
        DetachingDelaySeconds = 0,
    };

    private RebalancePrewarmer Prewarmer(RebalanceOptions? options = null) => new(
        _inventory, _configs, _autoScaling, _launcher, _prewarms, _fleet, _ledger, options ?? new RebalanceOptions(), _clock, _metrics, NullLogger.Instance);

    private RemediationRequest WarningRequest() => new()
    {
        Step = "replace",
        EventId = "ev-1",
        WarningTime = _clock.GetUtcNow(),
        ReclaimAt = _clock.GetUtcNow().AddSeconds(120),
        Instance = Samples.Instance(AtRisk),
        Config = Flagged(),
    };

    private Task BeginInterruptionAsync() => _ledger.TryBeginInterruptionAsync(
        Samples.ReplaceInterruption(AtRisk, _clock.GetUtcNow()),
        new InFlightLimits(),
        _clock.GetUtcNow(),
        CancellationToken.None);

    /// <summary>Moves the fake clock on while the step waits on it.</summary>
    private async Task<StepOutcome> Drive(Task<StepOutcome> run)
    {
        while (!run.IsCompleted)
        {
            _clock.Advance(TimeSpan.FromMilliseconds(500));
            await Task.Delay(1);
        }

        return await run;
    }
}
