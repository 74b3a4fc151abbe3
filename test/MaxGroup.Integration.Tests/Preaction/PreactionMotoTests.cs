using Amazon.EC2;
using Amazon.EC2.Model;
using MaxGroup.Aws.AutoScaling;
using MaxGroup.Aws.Ec2;
using MaxGroup.Aws.Preaction;
using MaxGroup.Core.Preaction;
using MaxGroup.Core.Steps;

namespace MaxGroup.Integration.Tests.Preaction;

/// <summary>
/// Preaction end to end on moto with the trimmed advisor data (c5.large is &gt;20%, m5.large &lt;5% in us-east-1):
/// real EC2 and Auto Scaling state, the DynamoDB batch table, and a fake clock for the delays. The swap of fallbacks
/// back to Spot has its own class, PreactionSwapBackMotoTests.
/// </summary>
[Collection(MotoCollection.Name)]
public sealed class PreactionMotoTests : IDisposable
{
    private const string Group = "web";
    private const string Template = "lt-web";
    private const string Table = "maxgroup-preaction";

    private readonly MotoFixture _moto;
    private readonly AwsClientFactory _factory;
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 25, 1, 0, 0, TimeSpan.Zero));
    private readonly RecordingMetrics _metrics = new();

    public PreactionMotoTests(MotoFixture moto)
    {
        _moto = moto;
        _factory = AwsTestClients.MotoFactory(moto, AwsTestClients.FastRetry());
    }

    private IAmazonEC2 Ec2 => _factory.Ec2;

    private AutoScalingClient AutoScaling => _factory.AutoScaling;

    public void Dispose() => _factory.Dispose();

    [Fact]
    public async Task Run_DryRun_ListsThePlanAndMutatesNothing()
    {
        IReadOnlyList<string> old = await SetUpAsync(risky: 2, min: 1);
        int instancesBefore = (await AllInstancesAsync()).Count;

        PreactionGroupResult result = await Executor().RunGroupAsync(Config(batch: 5), dryRun: true, CancellationToken.None);

        Assert.Equal("planned", result.Status);
        Assert.True(result.DryRun);
        Assert.Equal(old.Order(), result.Plan!.Swaps.Select(s => s.InstanceId).Order());
        Assert.All(result.Plan.Swaps, s => Assert.Equal(("c5.large", "m5.large"), (s.OldType, s.NewType)));
        Assert.Equal(2, result.Actions.Count(a => a.StartsWith("would replace", StringComparison.Ordinal)));
        Assert.Null(await Store().GetAsync(Group, CancellationToken.None));
        IReadOnlyList<Instance> after = await AllInstancesAsync();
        Assert.Equal(instancesBefore, after.Count);
        Assert.DoesNotContain(after, i => (i.Tags ?? []).Any(t => t.Key == PreactionTags.Batch));
        AutoScalingGroupInfo group = await DescribeGroupAsync();
        Assert.Equal(2, group.DesiredCapacity);
        Assert.Equal(old.Order(), group.Instances.Select(i => i.InstanceId).Order());
    }

    [Fact]
    public async Task Run_MoreRiskyInstancesThanBatch_LaunchesAtMostMaxNumOfTerminatedOneTime()
    {
        await SetUpAsync(risky: 3, min: 1);

        PreactionGroupResult result = await Executor().RunGroupAsync(Config(batch: 2, detach: 600, terminate: 600), dryRun: false, CancellationToken.None);

        Assert.Equal("started", result.Status);
        Assert.Equal(2, result.Batch!.Swaps.Count);
        Assert.All(result.Batch.Swaps, s => Assert.Equal(SwapPhase.Attached, s.Phase));
        IReadOnlyList<Instance> successors = await SuccessorsAsync();
        Assert.Equal(2, successors.Count);
        Assert.All(successors, i => Assert.Equal("m5.large", i.InstanceType.Value));
        AutoScalingGroupInfo group = await DescribeGroupAsync();
        Assert.Equal(5, group.Instances.Count);
        Assert.Equal(5, group.DesiredCapacity);
    }

    [Fact]
    public async Task Run_DetachAndTerminationDelays_AreHonouredAcrossRuns()
    {
        IReadOnlyList<string> old = await SetUpAsync(risky: 1, min: 1);
        string doomed = old[0];
        PreactionExecutor executor = Executor();
        GroupConfig config = Config(batch: 1, detach: 60, terminate: 120);

        PreactionGroupResult first = await executor.RunGroupAsync(config, false, CancellationToken.None);
        PreactionSwap swap = Assert.Single(first.Batch!.Swaps);
        Assert.Equal(SwapPhase.Attached, swap.Phase);
        Assert.True(await IsMemberAsync(doomed));
        Assert.True(await IsMemberAsync(swap.SuccessorInstanceId!));

        _clock.Advance(TimeSpan.FromSeconds(59));
        PreactionGroupResult early = await executor.RunGroupAsync(config, false, CancellationToken.None);
        Assert.Equal("advanced", early.Status);
        Assert.Equal(SwapPhase.Attached, early.Batch!.Swaps[0].Phase);
        Assert.True(await IsMemberAsync(doomed));

        _clock.Advance(TimeSpan.FromSeconds(2));
        PreactionGroupResult detached = await executor.RunGroupAsync(config, false, CancellationToken.None);
        Assert.Equal(SwapPhase.Detached, detached.Batch!.Swaps[0].Phase);
        Assert.False(await IsMemberAsync(doomed));
        Assert.Equal("running", await StateAsync(doomed));
        Assert.Equal(1, (await DescribeGroupAsync()).DesiredCapacity);

        _clock.Advance(TimeSpan.FromSeconds(119));
        await executor.RunGroupAsync(config, false, CancellationToken.None);
        Assert.Equal("running", await StateAsync(doomed));

        _clock.Advance(TimeSpan.FromSeconds(2));
        PreactionGroupResult done = await executor.RunGroupAsync(config, false, CancellationToken.None);
        Assert.Equal(SwapPhase.Done, done.Batch!.Swaps[0].Phase);
        Assert.False(done.Batch.IsOpen);
        Assert.Contains(await StateAsync(doomed), new[] { "shutting-down", "terminated" });
        Assert.Contains(_metrics.Records, r => r.Name == "PreactionSwaps" && r.Dimensions!["OldType"] == "c5.large" && r.Dimensions["NewType"] == "m5.large");
    }

    [Fact]
    public async Task Run_NoStrictlySaferAllowedType_SwapsNothing()
    {
        await SetUpAsync(risky: 2, min: 1);
        int instancesBefore = (await AllInstancesAsync()).Count;

        PreactionGroupResult result = await Executor().RunGroupAsync(Config(batch: 2) with { AlternativeInstanceTypes = ["t3.large"] }, false, CancellationToken.None);

        Assert.Equal("idle", result.Status);
        Assert.Empty(result.Plan!.Swaps);
        Assert.Contains("no allowed type is safer", result.Reason, StringComparison.Ordinal);
        Assert.Equal(instancesBefore, (await AllInstancesAsync()).Count);
        Assert.Null(await Store().GetAsync(Group, CancellationToken.None));
    }

    [Fact]
    public async Task Run_BatchInFlight_NoSecondBatchUntilItIsFinished()
    {
        await SetUpAsync(risky: 3, min: 1);
        PreactionExecutor executor = Executor();
        GroupConfig config = Config(batch: 1, detach: 600, terminate: 600);

        PreactionGroupResult first = await executor.RunGroupAsync(config, false, CancellationToken.None);
        PreactionGroupResult second = await executor.RunGroupAsync(config, false, CancellationToken.None);
        _clock.Advance(TimeSpan.FromSeconds(30));
        PreactionGroupResult third = await executor.RunGroupAsync(config, false, CancellationToken.None);

        Assert.Equal("started", first.Status);
        Assert.Equal("advanced", second.Status);
        Assert.Equal("advanced", third.Status);
        Assert.Equal(first.Batch!.BatchId, third.Batch!.BatchId);
        Assert.Single(await SuccessorsAsync());
        Assert.False(await Store().TryStartAsync(first.Batch with { BatchId = "pa-other" }, CancellationToken.None));
    }

    [Fact]
    public async Task Run_GroupAtMinAndMaxSize_NeverGoesBelowMinSizeAndRestoresMaxSize()
    {
        IReadOnlyList<string> old = await SetUpAsync(risky: 2, min: 2, max: 2);
        var guarded = new MinSizeGuard(AutoScaling);

        PreactionGroupResult result = await Executor(guarded).RunGroupAsync(Config(batch: 2, detach: 0, terminate: 0), false, CancellationToken.None);

        Assert.All(result.Batch!.Swaps, s => Assert.Equal(SwapPhase.Done, s.Phase));
        Assert.Equal(2, guarded.Detaches);
        Assert.Empty(guarded.Violations);
        AutoScalingGroupInfo group = await DescribeGroupAsync();
        Assert.Equal((2, 2, 2), (group.MinSize, group.MaxSize, group.DesiredCapacity));
        Assert.Equal(result.Batch.Swaps.Select(s => s.SuccessorInstanceId!).Order(), group.Instances.Select(i => i.InstanceId).Order());
        Assert.All(old, id => Assert.DoesNotContain(group.Instances, i => i.InstanceId == id));
    }

    [Fact]
    public async Task Run_FallbackAdvisorData_PlansButStartsNoBatch()
    {
        await SetUpAsync(risky: 1, min: 1);
        PreactionExecutor executor = Executor(advisor: new FakeSpotAdvisor(SpotAdvisorSnapshot.Data));

        PreactionGroupResult result = await executor.RunGroupAsync(Config(batch: 1), false, CancellationToken.None);

        Assert.Equal("skipped", result.Status);
        Assert.Single(result.Plan!.Swaps);
        Assert.Empty(await SuccessorsAsync());
        Assert.Null(await Store().GetAsync(Group, CancellationToken.None));
    }

    [Fact]
    public async Task Run_DrainAndConsulConfigured_RunBeforeTheDetachWithoutThe120SecondLimitAndAFailedDrainHoldsIt()
    {
        IReadOnlyList<string> old = await SetUpAsync(risky: 1, min: 1);
        var drain = new RecordingStep(StepNames.Drain) { Result = StepOutcome.Failed("PDB blocks eviction") };
        var consul = new RecordingStep(StepNames.Consul);
        PreactionExecutor executor = Executor(handOver: [drain, consul]);
        GroupConfig config = Config(batch: 1, detach: 0, terminate: 300) with { K8sNodeDrainOption = true, ConsulPort = 8500, K8sDelayDrainingSecs = 5, PreactionK8sDelayDrainingSecs = 240 };

        PreactionGroupResult held = await executor.RunGroupAsync(config, false, CancellationToken.None);
        Assert.Equal(SwapPhase.Attached, held.Batch!.Swaps[0].Phase);
        Assert.True(await IsMemberAsync(old[0]));
        Assert.Empty(consul.Requests);

        drain.Result = StepOutcome.Done("drained");
        _clock.Advance(TimeSpan.FromMinutes(1));
        PreactionGroupResult detached = await executor.RunGroupAsync(config, false, CancellationToken.None);

        Assert.Equal(SwapPhase.Detached, detached.Batch!.Swaps[0].Phase);
        Assert.False(await IsMemberAsync(old[0]));
        RemediationRequest request = Assert.Single(consul.Requests);
        Assert.Equal(2, drain.Requests.Count);
        Assert.All(drain.Requests, r => Assert.Equal(240, r.Config.K8sDelayDrainingSecs));
        Assert.Equal(5, request.Config.K8sDelayDrainingSecs);
        Assert.Equal((HandoverTrigger.Preaction, old[0], detached.Batch.Swaps[0].SuccessorInstanceId), (request.Trigger, request.Instance.InstanceId, request.SuccessorInstanceId));
        Assert.True(request.ReclaimAt - request.WarningTime >= TimeSpan.FromSeconds(300), $"hand-over window {request.ReclaimAt - request.WarningTime}");
    }

    [Fact]
    public async Task Run_DrainConfiguredButNotAvailable_SwapsNothing()
    {
        await SetUpAsync(risky: 1, min: 1);

        PreactionGroupResult result = await Executor().RunGroupAsync(Config(batch: 1) with { K8sNodeDrainOption = true }, false, CancellationToken.None);

        Assert.Equal("idle", result.Status);
        Assert.Contains("cannot drain", result.Reason, StringComparison.Ordinal);
        Assert.Empty(await SuccessorsAsync());
    }

    [Fact]
    public async Task Store_StaleVersion_IsRefused()
    {
        await _moto.ResetAsync();
        await CreateTableAsync();
        IPreactionBatchStore store = Store();
        var batch = new PreactionBatch
        {
            GroupName = Group,
            BatchId = "pa1",
            StartedAt = _clock.GetUtcNow(),
            Swaps = [new PreactionSwap { OldInstanceId = "i-1", OldType = "c5.large", NewType = "m5.large", AvailabilityZone = "us-east-1a" }],
        };

        Assert.True(await store.TryStartAsync(batch, CancellationToken.None));
        PreactionBatch stored = (await store.GetAsync(Group, CancellationToken.None))!;
        Assert.True(await store.TrySaveAsync(stored with { Swaps = [stored.Swaps[0] with { Phase = SwapPhase.Done }] }, CancellationToken.None));
        Assert.False(await store.TrySaveAsync(stored, CancellationToken.None));
        PreactionBatch closed = (await store.GetAsync(Group, CancellationToken.None))!;
        Assert.False(closed.IsOpen);
        Assert.True(await store.TryStartAsync(batch with { BatchId = "pa2" }, CancellationToken.None));
    }

    private PreactionExecutor Executor(IAutoScalingApi? autoScaling = null, ISpotAdvisorSource? advisor = null, IRemediationStep[]? handOver = null) => new(
        autoScaling ?? AutoScaling,
        new Ec2PreactionInstanceApi(Ec2),
        new Ec2SuccessorLauncher(Ec2),
        Store(),
        advisor ?? new FakeSpotAdvisor(SpotAdvisorSnapshot.Data.WithOrigin("trimmed snapshot served as a download", isFallback: false)),
        null,
        handOver ?? [],
        _clock,
        _metrics,
        NullLogger.Instance,
        new PreactionOptions { Region = MotoFixture.Region, BucketThreshold = 1 });

    private DynamoDbPreactionBatchStore Store() => new(_factory.DynamoDb, Table);

    private static GroupConfig Config(int batch, int detach = 0, int terminate = 0) => new()
    {
        GroupName = Group,
        IsEnablePreaction = true,
        MaxNumOfTerminatedOneTime = batch,
        PreactionDetachDelaySeconds = detach,
        PreactionTerminationDelaySeconds = terminate,
        AlternativeInstanceTypes = ["m5.large"],
    };

    /// <summary>A group of <paramref name="risky"/> running c5.large Spot instances; returns their ids.</summary>
    private async Task<IReadOnlyList<string>> SetUpAsync(int risky, int min, int? max = null)
    {
        await _moto.ResetAsync();
        await CreateTableAsync();
        await new MotoScene(_factory).LaunchTemplateAsync(Template, "c5.large");
        string subnet = (await new MotoScene(_factory).DefaultSubnetIdsAsync())[0];
        await new MotoScene(_factory).GroupAsync(Group, Template, min: 0, max: 10, desired: 0);
        RunInstancesResponse launched = await Ec2.RunInstancesAsync(new RunInstancesRequest
        {
            MinCount = risky,
            MaxCount = risky,
            LaunchTemplate = new LaunchTemplateSpecification { LaunchTemplateName = Template, Version = "$Default" },
            SubnetId = subnet,
            InstanceMarketOptions = new InstanceMarketOptionsRequest { MarketType = MarketType.Spot },
        });
        List<string> ids = launched.Reservation.Instances.Select(i => i.InstanceId).ToList();
        await AutoScaling.AttachInstancesAsync(Group, ids, CancellationToken.None);
        await AutoScaling.UpdateAutoScalingGroupAsync(Group, min, max ?? 10, CancellationToken.None);
        IReadOnlyList<Instance> described = await AllInstancesAsync();
        Assert.All(described.Where(i => ids.Contains(i.InstanceId)), i => Assert.Equal("spot", i.InstanceLifecycle?.Value));
        return ids;
    }

    private async Task CreateTableAsync()
    {
        await _factory.DynamoDb.CreateTableAsync(DynamoDbPreactionBatchStore.Definition(Table));
    }

    private async Task<AutoScalingGroupInfo> DescribeGroupAsync() =>
        (await AutoScaling.DescribeAutoScalingGroupsAsync([Group], CancellationToken.None)).Single();

    private async Task<bool> IsMemberAsync(string instanceId) =>
        (await DescribeGroupAsync()).Instances.Any(i => i.InstanceId == instanceId && i.LifecycleState == "InService");

    private async Task<IReadOnlyList<Instance>> AllInstancesAsync()
    {
        DescribeInstancesResponse response = await Ec2.DescribeInstancesAsync(new DescribeInstancesRequest());
        return (response.Reservations ?? []).SelectMany(r => r.Instances ?? []).ToList();
    }

    private async Task<IReadOnlyList<Instance>> SuccessorsAsync() =>
        (await AllInstancesAsync()).Where(i => (i.Tags ?? []).Any(t => t.Key == "spotmax:replaces")).ToList();

    private async Task<string> StateAsync(string instanceId) =>
        (await AllInstancesAsync()).Single(i => i.InstanceId == instanceId).State.Name.Value;

    /// <summary>Stands in for the drain or Consul step (tested against their own fakes elsewhere): records what preaction asks of it.</summary>
    private sealed class RecordingStep(string name) : IRemediationStep
    {
        public string Name => name;

        public bool EndsAtReclaim(RemediationRequest request) => true;

        public StepOutcome Result { get; set; } = StepOutcome.Done("ok");

        public List<RemediationRequest> Requests { get; } = [];

        public Task<StepOutcome> RunAsync(RemediationRequest request, CancellationToken cancellationToken)
        {
            Requests.Add(request);
            return Task.FromResult(Result);
        }
    }

    /// <summary>
    /// The real Auto Scaling client, with a check before every detach: the group's InService members minus the one
    /// leaving must still be at least MinSize. Everything is delegated unchanged.
    /// </summary>
    private sealed class MinSizeGuard(AutoScalingClient inner) : DelegatingAutoScalingApi(inner)
    {
        public int Detaches { get; private set; }

        public List<string> Violations { get; } = [];

        public override async Task DetachInstancesAsync(string groupName, IReadOnlyList<string> instanceIds, bool shouldDecrementDesiredCapacity, CancellationToken cancellationToken)
        {
            AutoScalingGroupInfo group = (await Inner.DescribeAutoScalingGroupsAsync([groupName], cancellationToken)).Single();
            int remaining = group.Instances.Count(i => i.LifecycleState == "InService" && !instanceIds.Contains(i.InstanceId));
            if (remaining < group.MinSize)
            {
                Violations.Add($"detaching {string.Join(",", instanceIds)} leaves {remaining} InService, MinSize {group.MinSize}");
            }

            Detaches++;
            await Inner.DetachInstancesAsync(groupName, instanceIds, shouldDecrementDesiredCapacity, cancellationToken);
        }
    }
}
