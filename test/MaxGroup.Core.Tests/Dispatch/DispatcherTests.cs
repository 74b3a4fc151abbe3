using MaxGroup.Core.Dispatch;
using MaxGroup.Core.Runner;
using MaxGroup.Core.Tests.Replace;

namespace MaxGroup.Core.Tests.Dispatch;

public sealed class DispatcherTests
{
    private readonly FakeTimeProvider _clock = new(Samples.WarningTime + TimeSpan.FromSeconds(3));
    private readonly FakeInventory _inventory = new();
    private readonly FakeConfigSource _configs = new();
    private readonly InMemoryLedger _ledger = new();
    private readonly RecordingInvoker _invoker = new();
    private readonly RecordingVolumeTriggers _volume = new();
    private readonly RecordingMetrics _metrics = new();

    private Dispatcher CreateDispatcher(DispatcherOptions? options = null) =>
        new(_inventory, _configs, _ledger, _invoker, _volume, options ?? new DispatcherOptions(), _clock, _metrics, NullLogger.Instance);

    [Fact]
    public async Task Dispatch_WarningForManagedGroup_StartsEnabledStepsWithDeadline()
    {
        _inventory.Add(Samples.Instance("i-0123456789abcdef0"));
        _configs.Add(new GroupConfig { GroupName = "web", PersistenceDev = "/dev/sdf", ConsulPort = 8500 });

        DispatchResult result = await CreateDispatcher().DispatchAsync(Samples.Warning("i-0123456789abcdef0"), CancellationToken.None);

        Assert.Equal(DispatchStatus.Started, result.Status);
        Assert.Equal(new[] { "consul", "replace", "volume" }, _invoker.Started.Select(r => r.Step).Order());
        Assert.All(_invoker.Started, r =>
        {
            Assert.Equal(Samples.WarningTime, r.WarningTime);
            Assert.Equal(Samples.WarningTime.AddSeconds(120), r.ReclaimAt);
            Assert.Equal("ev-1", r.EventId);
            Assert.Equal("web", r.Config.GroupName);
            Assert.False(r.DryRun);
        });
        InterruptionRecord? record = await _ledger.GetAsync("i-0123456789abcdef0", CancellationToken.None);
        Assert.NotNull(record);
        Assert.Equal(InterruptionStatus.Active, record.Status);
        Assert.Equal("launch", record.Strategy);
        Assert.Equal(Samples.WarningTime.AddDays(30), record.ExpiresAt);
        Assert.All(record.Steps, s => Assert.Equal(StepStatus.Pending, s.Status));
    }

    [Fact]
    public async Task Dispatch_DuplicateWarningOfFinishedHandover_StartsNothingAndRecordsEventId()
    {
        _inventory.Add(Samples.Instance("i-0123456789abcdef0"));
        _configs.Add(new GroupConfig { GroupName = "web" });
        Dispatcher dispatcher = CreateDispatcher();
        await dispatcher.DispatchAsync(Samples.Warning("i-0123456789abcdef0", "ev-1"), CancellationToken.None);
        await _ledger.RecordStepAsync("i-0123456789abcdef0", "replace", StepOutcome.Done("successor attached"), _clock.GetUtcNow(), CancellationToken.None);

        DispatchResult second = await dispatcher.DispatchAsync(Samples.Warning("i-0123456789abcdef0", "ev-2"), CancellationToken.None);

        Assert.Equal(DispatchStatus.Duplicate, second.Status);
        Assert.Single(_invoker.Started);
        // The instance lookup runs alongside the ledger read (no time on the path), so the redelivery may or may not
        // have issued one by the time the ledger answered; it starts nothing either way.
        Assert.InRange(_inventory.Calls, 1, 2);
        InterruptionRecord? record = await _ledger.GetAsync("i-0123456789abcdef0", CancellationToken.None);
        Assert.Equal(["ev-1", "ev-2"], record!.EventIds);
    }

    [Fact]
    public async Task Dispatch_DuplicateWarningOfOpenHandover_ResumesEveryOutstandingStepAndRecordsEventId()
    {
        // The first delivery's run may have died halfway (its steps are still Pending or Running): the redelivery starts
        // them again as a resume, and each step's runner decides from its lease whether to take over.
        _inventory.Add(Samples.Instance("i-0123456789abcdef0"));
        _configs.Add(new GroupConfig { GroupName = "web", ConsulPort = 8500 });
        Dispatcher dispatcher = CreateDispatcher();
        await dispatcher.DispatchAsync(Samples.Warning("i-0123456789abcdef0", "ev-1"), CancellationToken.None);
        await _ledger.RecordStepAsync("i-0123456789abcdef0", "consul", StepOutcome.Done("deregistered"), _clock.GetUtcNow(), CancellationToken.None);

        DispatchResult second = await dispatcher.DispatchAsync(Samples.Warning("i-0123456789abcdef0", "ev-2"), CancellationToken.None);

        Assert.Equal(DispatchStatus.Resumed, second.Status);
        Assert.Equal(["replace"], second.Steps);
        RemediationRequest resumed = _invoker.Started.Last();
        Assert.Equal(3, _invoker.Started.Count);
        Assert.True(resumed.Resume);
        Assert.Equal("replace", resumed.Step);
        Assert.Equal(HandoverTrigger.SpotWarning, resumed.Trigger);
        Assert.Null(resumed.StepClaimedAt);
        Assert.Null(resumed.StepClaim);
        Assert.All(_invoker.Started.Take(2), r => Assert.False(r.Resume));
        InterruptionRecord? record = await _ledger.GetAsync("i-0123456789abcdef0", CancellationToken.None);
        Assert.Equal(["ev-1", "ev-2"], record!.EventIds);
    }

    [Fact]
    public async Task Dispatch_ConcurrentDeliveries_BeginOnceAndOthersOnlyResume()
    {
        _inventory.Add(Samples.Instance("i-0123456789abcdef0"));
        _configs.Add(new GroupConfig { GroupName = "web", K8sNodeDrainOption = true });
        Dispatcher dispatcher = CreateDispatcher();

        DispatchResult[] results = await Task.WhenAll(Enumerable.Range(0, 8).Select(i =>
            Task.Run(() => dispatcher.DispatchAsync(Samples.Warning("i-0123456789abcdef0", $"ev-{i}"), CancellationToken.None))));

        // Exactly one delivery begins the hand-over and sends the first-run requests; every other one sees the record
        // (open, since the fake invoker runs nothing) and only asks for a resume, which a live run's lease refuses.
        Assert.Single(results, r => r.Status == DispatchStatus.Started);
        Assert.Equal(7, results.Count(r => r.Status is DispatchStatus.Resumed or DispatchStatus.Duplicate));
        Assert.Equal(new[] { "drain", "replace" }, _invoker.Started.Where(r => !r.Resume).Select(r => r.Step).Order());
        Assert.All(_invoker.Started.Where(r => r.Resume), r => Assert.Null(r.StepClaimedAt));
        Assert.Equal(8, (await _ledger.GetAsync("i-0123456789abcdef0", CancellationToken.None))!.EventIds.Count);
    }

    [Theory]
    [InlineData("missing", "instance not found")]
    [InlineData("terminated", "instance is already terminated")]
    [InlineData("no-group", "instance is not in an Auto Scaling group")]
    [InlineData("unmanaged", "group is not managed: no configuration for the group")]
    [InlineData("disabled", "group is disabled in its configuration")]
    public async Task Dispatch_NothingToDo_IsNoOpWithReason(string situation, string reason)
    {
        const string id = "i-0123456789abcdef0";
        switch (situation)
        {
            case "terminated":
                _inventory.Add(Samples.Instance(id, state: "terminated"));
                break;
            case "no-group":
                _inventory.Add(Samples.Instance(id, group: null));
                break;
            case "unmanaged":
                _inventory.Add(Samples.Instance(id, group: "other"));
                break;
            case "disabled":
                _inventory.Add(Samples.Instance(id));
                _configs.Add(new GroupConfig { GroupName = "web", Enabled = false });
                break;
        }

        DispatchResult result = await CreateDispatcher().DispatchAsync(Samples.Warning(id), CancellationToken.None);

        Assert.Equal(DispatchStatus.NoOp, result.Status);
        Assert.Equal(reason, result.Reason);
        Assert.Empty(_invoker.Started);
        Assert.Null(await _ledger.GetAsync(id, CancellationToken.None));
    }

    [Fact]
    public async Task Dispatch_OverPerGroupCap_QueuesButOtherGroupsStart()
    {
        _configs.Add(new GroupConfig { GroupName = "web" });
        _configs.Add(new GroupConfig { GroupName = "api" });
        _inventory.Add(Samples.Instance("i-00000000000000001"));
        _inventory.Add(Samples.Instance("i-00000000000000002"));
        _inventory.Add(Samples.Instance("i-00000000000000003", group: "api"));
        Dispatcher dispatcher = CreateDispatcher(new DispatcherOptions { Limits = new InFlightLimits(Global: 5, PerGroup: 1) });

        DispatchResult first = await dispatcher.DispatchAsync(Samples.Warning("i-00000000000000001", "a"), CancellationToken.None);
        DispatchResult second = await dispatcher.DispatchAsync(Samples.Warning("i-00000000000000002", "b"), CancellationToken.None);
        DispatchResult third = await dispatcher.DispatchAsync(Samples.Warning("i-00000000000000003", "c"), CancellationToken.None);

        Assert.Equal(DispatchStatus.Started, first.Status);
        Assert.Equal(DispatchStatus.Queued, second.Status);
        Assert.Equal(DispatchStatus.Started, third.Status);
        Assert.Equal(InterruptionStatus.Queued, (await _ledger.GetAsync("i-00000000000000002", CancellationToken.None))!.Status);
        Assert.Equal(["i-00000000000000001", "i-00000000000000003"], _invoker.Started.Select(r => r.Instance.InstanceId).Order());
    }

    [Fact]
    public async Task Dispatch_OverGlobalCap_QueuesThenStartsWhenInFlightOneFinishes()
    {
        _configs.Add(new GroupConfig { GroupName = "web" });
        _inventory.Add(Samples.Instance("i-00000000000000001"));
        _inventory.Add(Samples.Instance("i-00000000000000002"));
        Dispatcher dispatcher = CreateDispatcher(new DispatcherOptions { Limits = new InFlightLimits(Global: 1, PerGroup: 10) });
        var runner = new RemediationRunner(_ledger, _clock, _metrics, NullLogger.Instance, dispatcher);
        await dispatcher.DispatchAsync(Samples.Warning("i-00000000000000001", "a"), CancellationToken.None);
        DispatchResult queued = await dispatcher.DispatchAsync(Samples.Warning("i-00000000000000002", "b"), CancellationToken.None);
        Assert.Equal(DispatchStatus.Queued, queued.Status);

        RemediationRequest request = Assert.Single(_invoker.Started);
        await runner.RunAsync(new CountingStep("replace", _clock), request, CancellationToken.None);

        Assert.Equal(InterruptionStatus.Done, (await _ledger.GetAsync("i-00000000000000001", CancellationToken.None))!.Status);
        Assert.Equal(InterruptionStatus.Active, (await _ledger.GetAsync("i-00000000000000002", CancellationToken.None))!.Status);
        Assert.Equal(["i-00000000000000001", "i-00000000000000002"], _invoker.Started.Select(r => r.Instance.InstanceId));
        Assert.Equal(HandoverTrigger.Dequeued, _invoker.Started.Last().Trigger);
        Assert.Empty(await _ledger.ListQueuedAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Dispatch_QueuedAndSlotLapsed_StartsOnNextInvocation()
    {
        _configs.Add(new GroupConfig { GroupName = "web" });
        _inventory.Add(Samples.Instance("i-00000000000000001"));
        _inventory.Add(Samples.Instance("i-00000000000000002"));
        Dispatcher dispatcher = CreateDispatcher(new DispatcherOptions { Limits = new InFlightLimits(Global: 1, PerGroup: 1) });
        await dispatcher.DispatchAsync(Samples.Warning("i-00000000000000001", "a"), CancellationToken.None);
        await dispatcher.DispatchAsync(Samples.Warning("i-00000000000000002", "b"), CancellationToken.None);

        // The first interruption's step never reports back: its slot lapses at reclaim + grace.
        _clock.Advance(TimeSpan.FromSeconds(120) + InFlightLimits.SlotGrace);
        var sweep = (MaxGroupEvent.Scheduled)EventParser.Parse("""
            {"version":"0","id":"sweep-1","detail-type":"Scheduled Event","source":"aws.events","time":"2026-11-24T08:20:00Z","detail":{}}
            """);
        DispatchResult result = await dispatcher.DispatchAsync(sweep, CancellationToken.None);

        Assert.Equal(["i-00000000000000002"], result.Dequeued);
        // The dequeued interruption starts once, as a first run.
        Assert.Single(_invoker.Started, r => r.Instance.InstanceId == "i-00000000000000002" && !r.Resume);
        Assert.Equal(HandoverTrigger.Dequeued, _invoker.Started.Single(r => r.Instance.InstanceId == "i-00000000000000002").Trigger);
        // The first one's step never reported back: the same sweep resumes it (its run is taken for dead).
        Assert.Equal(2, _invoker.Started.Count(r => r.Instance.InstanceId == "i-00000000000000001"));
        Assert.True(_invoker.Started.Last(r => r.Instance.InstanceId == "i-00000000000000001").Resume);
        Assert.Contains("Resumed stalled hand-overs: i-00000000000000001", result.Reason, StringComparison.Ordinal);
        Assert.Single(_volume.Received);
    }

    [Fact]
    public async Task Dispatch_ForcedDryRun_MarksEveryRequestDry()
    {
        _inventory.Add(Samples.Instance("i-0123456789abcdef0"));
        _configs.Add(new GroupConfig { GroupName = "web" });

        DispatchResult result = await CreateDispatcher(new DispatcherOptions { ForceDryRun = true }).DispatchAsync(Samples.Warning("i-0123456789abcdef0"), CancellationToken.None);

        Assert.True(result.DryRun);
        Assert.True(Assert.Single(_invoker.Started).DryRun);
        Assert.True((await _ledger.GetAsync("i-0123456789abcdef0", CancellationToken.None))!.DryRun);
    }

    [Fact]
    public async Task Dispatch_StepCannotStart_RecordsFailureAndReleasesSlot()
    {
        _inventory.Add(Samples.Instance("i-0123456789abcdef0"));
        _configs.Add(new GroupConfig { GroupName = "web" });
        _invoker.FailingSteps.Add("replace");

        DispatchResult result = await CreateDispatcher().DispatchAsync(Samples.Warning("i-0123456789abcdef0"), CancellationToken.None);

        Assert.Contains("replace", result.StartErrors.Keys);
        InterruptionRecord record = (await _ledger.GetAsync("i-0123456789abcdef0", CancellationToken.None))!;
        Assert.Equal(StepStatus.Failed, record.FindStep("replace")!.Status);
        Assert.Equal(InterruptionStatus.Done, record.Status);
    }

    [Fact]
    public async Task Dispatch_StopAction_IsCarriedToSteps()
    {
        _inventory.Add(Samples.Instance("i-0123456789abcdef0"));
        _configs.Add(new GroupConfig { GroupName = "web" });

        await CreateDispatcher().DispatchAsync(Samples.Warning("i-0123456789abcdef0", action: "stop"), CancellationToken.None);

        Assert.Equal("stop", Assert.Single(_invoker.Started).InstanceAction);
    }

    [Fact]
    public async Task Dispatch_StateChange_IsRoutedToVolumeTriggers()
    {
        var stateChange = EventParser.Parse("""
            {"version":"0","id":"sc-1","detail-type":"EC2 Instance State-change Notification","source":"aws.ec2","time":"2026-11-24T08:16:21Z",
             "detail":{"instance-id":"i-0123456789abcdef0","state":"terminated"}}
            """);

        DispatchResult result = await CreateDispatcher().DispatchAsync(stateChange, CancellationToken.None);

        Assert.Equal(DispatchStatus.Routed, result.Status);
        Assert.Same(stateChange, Assert.Single(_volume.Received));
    }

    [Fact]
    public async Task Dispatch_DetachStrategy_SearchesForNoPreLaunchedSuccessorAndStillClaimsWithTheGroup()
    {
        _inventory.Add(Samples.Instance("i-0123456789abcdef0"));
        _configs.Add(new GroupConfig { GroupName = "web", ReplacementStrategy = ReplacementStrategy.Detach });
        var autoScaling = new FakeAutoScaling();
        autoScaling.AddGroup("web", 1, 5, ["i-0123456789abcdef0"]);
        var launcher = new FakeLauncher(_inventory);
        launcher.PreLaunch("i-0123456789abcdef0", "i-0000000000000beef");
        var dispatcher = new Dispatcher(
            _inventory, _configs, _ledger, _invoker, _volume, new DispatcherOptions { ClaimFirstStep = true }, _clock, _metrics, NullLogger.Instance, autoScaling, launcher);

        await dispatcher.DispatchAsync(Samples.Warning("i-0123456789abcdef0"), CancellationToken.None);

        RemediationRequest replace = Assert.Single(_invoker.Started, r => r.Step == StepNames.Replace);
        // A detach leaves the launch to the group: the successor search (a DescribeInstances) is not on its path.
        Assert.False(replace.Prefetch!.SuccessorSearched);
        Assert.Null(replace.Prefetch.Successor);
        Assert.Equal(_clock.GetUtcNow(), replace.StepClaimedAt);
        Assert.Equal("web", replace.Prefetch.Group!.Name);
    }

    [Fact]
    public async Task Dispatch_ClaimFirstStep_ReplaceRequestCarriesClaimGroupAndSuccessorSearch()
    {
        _inventory.Add(Samples.Instance("i-0123456789abcdef0"));
        // The launch strategy: only a launch reuses a successor pre-launched on a rebalance recommendation.
        _configs.Add(new GroupConfig { GroupName = "web", K8sNodeDrainOption = true, ReplacementStrategy = ReplacementStrategy.Launch });
        var autoScaling = new FakeAutoScaling();
        autoScaling.AddGroup("web", 1, 5, ["i-0123456789abcdef0"]);
        var launcher = new FakeLauncher(_inventory);
        launcher.PreLaunch("i-0123456789abcdef0", "i-0000000000000beef");
        var dispatcher = new Dispatcher(
            _inventory, _configs, _ledger, _invoker, _volume, new DispatcherOptions { ClaimFirstStep = true }, _clock, _metrics, NullLogger.Instance, autoScaling, launcher);

        DispatchResult result = await dispatcher.DispatchAsync(Samples.Warning("i-0123456789abcdef0"), CancellationToken.None);

        Assert.Equal(DispatchStatus.Started, result.Status);
        RemediationRequest replace = Assert.Single(_invoker.Started, r => r.Step == StepNames.Replace);
        Assert.Equal(_clock.GetUtcNow(), replace.StepClaimedAt);
        Assert.True(replace.Prefetch!.SuccessorSearched);
        Assert.Equal("i-0000000000000beef", replace.Prefetch.Successor);
        Assert.Equal("web", replace.Prefetch.Group!.Name);
        RemediationRequest drain = Assert.Single(_invoker.Started, r => r.Step == StepNames.Drain);
        Assert.Null(drain.StepClaimedAt);
        Assert.Null(drain.Prefetch);
        InterruptionRecord record = (await _ledger.GetAsync("i-0123456789abcdef0", CancellationToken.None))!;
        Assert.Equal(StepStatus.Running, record.FindStep(StepNames.Replace)!.Status);
        Assert.Equal(StepStatus.Pending, record.FindStep(StepNames.Drain)!.Status);
        Assert.Equal(1, launcher.Searches);
    }

    [Fact]
    public async Task Dispatch_ClaimFirstStepButQueued_ClaimsNothing()
    {
        _inventory.Add(Samples.Instance("i-0000000000000000a"));
        _inventory.Add(Samples.Instance("i-0000000000000000b"));
        _configs.Add(new GroupConfig { GroupName = "web" });
        Dispatcher dispatcher = CreateDispatcher(new DispatcherOptions { ClaimFirstStep = true, Limits = new InFlightLimits(Global: 1, PerGroup: 1) });

        await dispatcher.DispatchAsync(Samples.Warning("i-0000000000000000a", "ev-a"), CancellationToken.None);
        DispatchResult queued = await dispatcher.DispatchAsync(Samples.Warning("i-0000000000000000b", "ev-b"), CancellationToken.None);

        Assert.Equal(DispatchStatus.Queued, queued.Status);
        InterruptionRecord record = (await _ledger.GetAsync("i-0000000000000000b", CancellationToken.None))!;
        Assert.Equal(InterruptionStatus.Queued, record.Status);
        Assert.All(record.Steps, s => Assert.Equal(StepStatus.Pending, s.Status));
        Assert.DoesNotContain(_invoker.Started, r => r.Instance.InstanceId == "i-0000000000000000b");
    }
}
